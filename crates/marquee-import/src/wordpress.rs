//! WordPress exports (WXR 1.0 to 1.2, Tools › Export): posts whose title names a film and its
//! year ("Heat (1995)", "Review: Heat (1995)") become reviews, with their authors, categories and
//! tags, featured and in-body images (from the `wp-content/uploads` files found beside the
//! export, or left as URLs), dates in GMT, and drafts as drafts. Pages are left out unless
//! asked for. The structure is described in FORMATS.md ("WordPress WXR").
//!
//! Each post is turned into a Markdown page bundle in the import contract and brought in by the
//! Markdown importer: one path checks, stores images, writes in one transaction and recognises
//! what an earlier import already brought. Bodies stay HTML, which the renderer sanitizes.
//!
//! The XML parser is never asked to expand entities: an export that declares a DOCTYPE (which
//! WordPress never writes, and which is how entity bombs and external-entity reads arrive) is
//! refused before anything is read from it.

use crate::markdown::{import_dir, Options as MarkdownOptions};
use crate::{FileProblem, ImportError, Progress, Summary};
use marquee_media::MediaStore;
use marquee_store::Store;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use toml::{Table, Value};

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub dry_run: bool,
    /// Import pages too (posts only otherwise).
    pub include_pages: bool,
}

/// One `<item>` as the export writes it.
#[derive(Debug, Default, Clone)]
struct Item {
    line: usize,
    title: String,
    creator: String,
    content: String,
    excerpt: String,
    post_id: String,
    post_date: String,
    post_date_gmt: String,
    post_modified_gmt: String,
    post_name: String,
    status: String,
    post_type: String,
    attachment_url: String,
    /// (domain, name): `category`, `post_tag` or a custom taxonomy.
    terms: Vec<(String, String)>,
    meta: Vec<(String, String)>,
}

struct Parsed {
    /// Author login → display name.
    authors: HashMap<String, String>,
    items: Vec<Item>,
}

fn bad(file: &Path, line: Option<usize>, field: Option<&str>, message: String) -> FileProblem {
    FileProblem {
        file: file.to_path_buf(),
        problem: crate::frontmatter::Problem { line, field: field.map(String::from), message },
    }
}

fn line_at(text: &str, position: usize) -> usize {
    text.as_bytes()[..position.min(text.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// Reads the export. Entity references other than XML's five and character references are
/// refused, as is any DOCTYPE.
fn parse(file: &Path, text: &str) -> Result<Parsed, FileProblem> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut path: Vec<String> = Vec::new();
    let mut authors = HashMap::new();
    let mut author = (String::new(), String::new());
    let mut items = Vec::new();
    let mut item: Option<Item> = None;
    let mut meta = (String::new(), String::new());
    let mut term: Option<(String, String)> = None;
    let mut buffer = String::new();
    loop {
        let position = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            bad(file, Some(line_at(text, reader.error_position() as usize)), None, format!("not well-formed XML: {e}"))
        })?;
        match event {
            Event::DocType(doctype) => {
                let declared = String::from_utf8_lossy(&doctype).chars().take(60).collect::<String>();
                return Err(bad(
                    file,
                    Some(line_at(text, position)),
                    None,
                    format!(
                        "the export declares a DOCTYPE (\"{}…\"): refused. WordPress never writes one, and its \
                         entities could read files on this server or expand without end",
                        declared.trim()
                    ),
                ));
            }
            Event::Start(start) => {
                let name = String::from_utf8_lossy(start.name().as_ref()).to_string();
                buffer.clear();
                match name.as_str() {
                    "item" => item = Some(Item { line: line_at(text, position), ..Item::default() }),
                    "category" if item.is_some() => {
                        let domain = start
                            .try_get_attribute("domain")
                            .ok()
                            .flatten()
                            .map(|a| String::from_utf8_lossy(&a.value).to_string())
                            .unwrap_or_else(|| "category".into());
                        term = Some((domain, String::new()));
                    }
                    _ => {}
                }
                path.push(name);
            }
            Event::End(_) => {
                let name = path.pop().unwrap_or_default();
                let value = std::mem::take(&mut buffer);
                let parent = path.last().map(String::as_str).unwrap_or("");
                if let Some(current) = item.as_mut() {
                    match (parent, name.as_str()) {
                        ("item", "title") => current.title = value.trim().to_string(),
                        ("item", "dc:creator") => current.creator = value.trim().to_string(),
                        ("item", "content:encoded") => current.content = value,
                        ("item", "excerpt:encoded") => current.excerpt = value,
                        ("item", "wp:post_id") => current.post_id = value.trim().to_string(),
                        ("item", "wp:post_date") => current.post_date = value.trim().to_string(),
                        ("item", "wp:post_date_gmt") => current.post_date_gmt = value.trim().to_string(),
                        ("item", "wp:post_modified_gmt") => current.post_modified_gmt = value.trim().to_string(),
                        ("item", "wp:post_name") => current.post_name = value.trim().to_string(),
                        ("item", "wp:status") => current.status = value.trim().to_string(),
                        ("item", "wp:post_type") => current.post_type = value.trim().to_string(),
                        ("item", "wp:attachment_url") => current.attachment_url = value.trim().to_string(),
                        ("item", "category") => {
                            if let Some((domain, _)) = term.take() {
                                current.terms.push((domain, value.trim().to_string()));
                            }
                        }
                        ("wp:postmeta", "wp:meta_key") => meta.0 = value.trim().to_string(),
                        ("wp:postmeta", "wp:meta_value") => meta.1 = value,
                        ("item", "wp:postmeta") => current.meta.push(std::mem::take(&mut meta)),
                        _ => {}
                    }
                    if name == "item" {
                        if let Some(done) = item.take() {
                            items.push(done);
                        }
                    }
                } else {
                    match (parent, name.as_str()) {
                        ("wp:author", "wp:author_login") => author.0 = value.trim().to_string(),
                        ("wp:author", "wp:author_display_name") => author.1 = value.trim().to_string(),
                        (_, "wp:author") => {
                            let (login, name) = std::mem::take(&mut author);
                            authors.insert(login.clone(), if name.is_empty() { login } else { name });
                        }
                        _ => {}
                    }
                }
            }
            Event::Text(text_event) => buffer.push_str(
                &text_event.decode().map_err(|e| bad(file, Some(line_at(text, position)), None, e.to_string()))?,
            ),
            Event::CData(data) => {
                // Split CDATA sections (`]]]]><![CDATA[>`) join back into one text here.
                buffer.push_str(&String::from_utf8_lossy(&data));
            }
            Event::GeneralRef(reference) => {
                let name = String::from_utf8_lossy(&reference).to_string();
                let resolved = match name.as_str() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    _ => reference.resolve_char_ref().ok().flatten(),
                };
                match resolved {
                    Some(c) => buffer.push(c),
                    None => {
                        return Err(bad(
                            file,
                            Some(line_at(text, position)),
                            None,
                            format!("the entity &{name}; is not XML's own: refused"),
                        ))
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(Parsed { authors, items })
}

/// The film a post's title names: "Heat (1995)", "Review: Heat (1995)", "Heat (1995) review".
pub fn film_of(title: &str) -> Option<(String, i32)> {
    let open = title.rfind('(')?;
    let close = open + title[open..].find(')')?;
    let year: i32 = title[open + 1..close].trim().parse().ok().filter(|y| (1870..=2100).contains(y))?;
    let mut name = title[..open].trim();
    for prefix in ["Film review:", "Movie review:", "Review:", "REVIEW:", "Review -", "Review –"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            name = rest.trim();
        }
    }
    let name = name.trim_matches(|c: char| c == '“' || c == '”' || c == '"' || c == '‘' || c == '’' || c == '\'');
    (!name.is_empty()).then(|| (name.to_string(), year))
}

/// WordPress times (`YYYY-MM-DD HH:MM:SS`) as RFC 3339, UTC; the zero date means none.
fn gmt(text: &str) -> Option<String> {
    if text.is_empty() || text.starts_with("0000") {
        return None;
    }
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let at = time::PrimitiveDateTime::parse(text, &format).ok()?.assume_utc();
    at.format(&time::format_description::well_known::Rfc3339).ok()
}

/// An attribute's value in one HTML tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = start + tag[start..].find('"')?;
    Some(tag[start..end].to_string())
}

/// A Markdown image for an `<img>` whose file travels with the review (`local` gives its new
/// name), so the image is stored and served in all its sizes; `None` leaves the tag as HTML.
fn markdown_image(tag: &str, caption: &str, local: &mut dyn FnMut(&str) -> Option<String>) -> Option<String> {
    let name = local(&attribute(tag, "src")?)?;
    let alt = attribute(tag, "alt").unwrap_or_default().replace(['[', ']'], "");
    let title = if caption.is_empty() { String::new() } else { format!(" \"{}\"", caption.replace('"', "'")) };
    Some(format!("\n\n![{alt}]({name}{title})\n\n"))
}

/// `[caption …]<img …> Text[/caption]` as an image with its caption; `<img>` tags whose files
/// travel with the review as Markdown images; other shortcodes stay as written.
fn images(html: &str, local: &mut dyn FnMut(&str) -> Option<String>) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("[caption") {
        let Some(open_end) = rest[start..].find(']') else { break };
        let Some(close) = rest[start..].find("[/caption]") else { break };
        out.push_str(&rest[..start]);
        let inner = &rest[start + open_end + 1..start + close];
        let (image, caption) = match inner.rfind('>') {
            Some(at) => (&inner[..=at], inner[at + 1..].trim()),
            None => (inner, ""),
        };
        match markdown_image(image, caption, local) {
            Some(markdown) => out.push_str(&markdown),
            None => out.push_str(&format!("<figure>{}<figcaption>{caption}</figcaption></figure>", image.trim())),
        }
        rest = &rest[start + close + "[/caption]".len()..];
    }
    out.push_str(rest);
    let mut done = String::new();
    let mut rest = out.as_str();
    while let Some(start) = rest.find("<img ") {
        let Some(length) = rest[start..].find('>') else { break };
        let tag = &rest[start..=start + length];
        done.push_str(&rest[..start]);
        match markdown_image(tag, "", local) {
            Some(markdown) => done.push_str(&markdown),
            None => done.push_str(tag),
        }
        rest = &rest[start + length + 1..];
    }
    done.push_str(rest);
    done
}

/// The file an uploads URL names, when it sits beside the export (`wp-content/uploads/…` or
/// `uploads/…` under the export's folder).
fn beside(export_dir: &Path, url: &str) -> Option<PathBuf> {
    let at = url.find("/uploads/")?;
    let relative = &url[at + 1..];
    if relative.split('/').any(|part| part == ".." || part.is_empty()) {
        return None;
    }
    [export_dir.join("wp-content").join(relative), export_dir.join(relative)].into_iter().find(|p| p.is_file())
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in html.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Writes one post as a page bundle in `dir`; `Err` says why it is not a review.
fn bundle(
    dir: &Path,
    export_dir: &Path,
    item: &Item,
    parsed: &Parsed,
    attachments: &HashMap<String, String>,
) -> Result<PathBuf, String> {
    let (title, year) = film_of(&item.title).ok_or_else(|| {
        format!("\"{}\" names no film and year like \"Heat (1995)\": not taken for a review", item.title)
    })?;
    let folder = dir.join(format!("post-{}", item.post_id));
    std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
    let mut front = Table::new();
    front.insert("title".into(), Value::String(title));
    front.insert("year".into(), Value::Integer(i64::from(year)));
    let author = parsed.authors.get(&item.creator).cloned().unwrap_or_else(|| item.creator.clone());
    if !author.is_empty() {
        front.insert("author".into(), Value::String(author));
    }
    if marquee_core::Slug::parse(&item.post_name).is_ok() {
        front.insert("slug".into(), Value::String(item.post_name.clone()));
    }
    let mut tags: Vec<String> = Vec::new();
    for (domain, name) in &item.terms {
        if (domain == "category" || domain == "post_tag") && name != "Uncategorized" && !tags.contains(name) {
            tags.push(name.clone());
        }
    }
    if !tags.is_empty() {
        front.insert("tags".into(), Value::Array(tags.into_iter().map(Value::String).collect()));
    }
    let date = gmt(&item.post_date_gmt).or_else(|| gmt(&item.post_date));
    if let Some(date) = date {
        front.insert("date".into(), Value::String(date));
    }
    if let Some(updated) = gmt(&item.post_modified_gmt) {
        front.insert("updated".into(), Value::String(updated));
    }
    if !matches!(item.status.as_str(), "publish" | "future") {
        front.insert("draft".into(), Value::Boolean(true));
    }
    let excerpt = strip_tags(&item.excerpt);
    if !excerpt.is_empty() {
        front.insert("summary".into(), Value::String(excerpt));
    }
    let meta = |key: &str| item.meta.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_string());
    if let Some(score) = meta("score").and_then(|s| s.parse::<f64>().ok()) {
        front.insert("score".into(), Value::Float(score));
    } else if let Some(stars) = meta("rating").and_then(|s| s.parse::<f64>().ok()) {
        front.insert("rating".into(), Value::Float(stars));
    }
    // The featured image is the poster: from the files beside the export, or its URL.
    if let Some(url) = meta("_thumbnail_id").and_then(|id| attachments.get(&id).cloned()) {
        let poster = match beside(export_dir, &url) {
            Some(file) => {
                let name = format!("poster.{}", file.extension().and_then(|e| e.to_str()).unwrap_or("jpg"));
                std::fs::copy(&file, folder.join(&name)).map_err(|e| e.to_string())?;
                name
            }
            None => url,
        };
        front.insert("poster".into(), Value::String(poster));
    }
    // In-body images found beside the export travel with the review.
    let mut copied = 0;
    let mut failed = None;
    let body = images(&item.content, &mut |url: &str| {
        let file = beside(export_dir, url)?;
        copied += 1;
        let name = format!("image-{copied}.{}", file.extension().and_then(|e| e.to_str()).unwrap_or("jpg"));
        match std::fs::copy(&file, folder.join(&name)) {
            Ok(_) => Some(name),
            Err(e) => {
                failed = Some(e.to_string());
                None
            }
        }
    });
    if let Some(error) = failed {
        return Err(error);
    }
    let toml = toml::to_string(&front).map_err(|e| e.to_string())?;
    let file = folder.join("index.md");
    std::fs::write(&file, format!("+++\n{toml}+++\n{body}\n")).map_err(|e| e.to_string())?;
    Ok(file)
}

/// Imports the posts of a WordPress export (and its pages with `include_pages`).
pub async fn import(
    store: &Store,
    media: &MediaStore,
    file: &Path,
    options: Options,
    progress: &dyn Progress,
) -> Result<Summary, ImportError> {
    let bytes = std::fs::read(file).map_err(|source| ImportError::Io { path: file.to_path_buf(), source })?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = e.as_bytes()[..e.utf8_error().valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        ImportError::BadFiles(vec![bad(file, Some(line), None, "not UTF-8 text".into())])
    })?;
    let parsed = parse(file, &text).map_err(|p| ImportError::BadFiles(vec![p]))?;
    let attachments: HashMap<String, String> = parsed
        .items
        .iter()
        .filter(|i| i.post_type == "attachment" && !i.attachment_url.is_empty())
        .map(|i| (i.post_id.clone(), i.attachment_url.clone()))
        .collect();
    let export_dir = file.parent().unwrap_or(Path::new("."));
    let work = tempfile::tempdir().map_err(|source| ImportError::Io { path: std::env::temp_dir(), source })?;
    let mut skipped = Vec::new();
    let mut origins: HashMap<PathBuf, (usize, String)> = HashMap::new();
    for item in &parsed.items {
        let wanted = item.post_type == "post" || (options.include_pages && item.post_type == "page");
        if !wanted || matches!(item.status.as_str(), "trash" | "inherit" | "auto-draft") {
            continue;
        }
        match bundle(work.path(), export_dir, item, &parsed, &attachments) {
            Ok(bundle_file) => {
                origins.insert(bundle_file, (item.line, item.title.clone()));
            }
            Err(reason) => skipped.push(bad(file, Some(item.line), Some("title"), reason)),
        }
    }
    // Problems point at the export's items, not at the bundles made from them.
    let place = |problem: FileProblem| -> FileProblem {
        match origins.get(&problem.file) {
            Some((line, title)) => {
                let mut problem = problem;
                problem.problem.message = format!("(post \"{title}\") {}", problem.problem.message);
                problem.problem.line = Some(*line);
                FileProblem { file: file.to_path_buf(), ..problem }
            }
            None => FileProblem { file: file.to_path_buf(), ..problem },
        }
    };
    let result = import_dir(store, media, work.path(), MarkdownOptions { dry_run: options.dry_run }, progress).await;
    let mut summary = match result {
        Ok(summary) => summary,
        Err(ImportError::BadFiles(problems)) => {
            return Err(ImportError::BadFiles(problems.into_iter().map(place).collect()))
        }
        Err(other) => return Err(other),
    };
    summary.warnings = summary.warnings.into_iter().map(place).collect();
    summary.skipped.extend(skipped);
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_name_films_with_their_years() {
        assert_eq!(film_of("Heat (1995)"), Some(("Heat".into(), 1995)));
        assert_eq!(film_of("Review: Amélie (2001)"), Some(("Amélie".into(), 2001)));
        assert_eq!(film_of("“Sorry, Baby” (2025) review"), Some(("Sorry, Baby".into(), 2025)));
        assert_eq!(film_of("My top ten of the year"), None);
        assert_eq!(film_of("Notes (draft)"), None);
        assert_eq!(film_of("(1995)"), None);
    }

    #[test]
    fn captions_become_figures_or_captioned_images_and_zero_dates_are_none() {
        let html = "a [caption id=\"x\" width=\"300\"]<img src=\"s.jpg\" alt=\"A\"> The diner.[/caption] b";
        assert_eq!(
            images(html, &mut |_| None),
            "a <figure><img src=\"s.jpg\" alt=\"A\"><figcaption>The diner.</figcaption></figure> b"
        );
        assert_eq!(images(html, &mut |_| Some("image-1.jpg".into())), "a \n\n![A](image-1.jpg \"The diner.\")\n\n b");
        assert_eq!(
            images("<p><img src=\"x.png\" alt=\"X\" /></p>", &mut |_| Some("i.png".into())),
            "<p>\n\n![X](i.png)\n\n</p>"
        );
        assert_eq!(gmt("0000-00-00 00:00:00"), None);
        assert_eq!(gmt("2024-03-01 09:30:00").as_deref(), Some("2024-03-01T09:30:00Z"));
    }
}
