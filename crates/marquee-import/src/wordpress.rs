//! WordPress exports (WXR 1.0 to 1.2, Tools › Export): every post and page arrives, a post as a
//! review where it is one and an article otherwise (see `posts`), a page as a page, with their
//! authors, categories and tags, featured and in-body images (from the `wp-content/uploads`
//! files found beside the export, or left as URLs), dates in GMT, drafts as drafts, and their
//! old addresses (the permalink, `/?p=ID`) redirecting. The structure is described in
//! FORMATS.md ("WordPress WXR").
//!
//! Each post is turned into a Markdown page bundle in the import contract and brought in by the
//! Markdown importer: one path checks, stores images, writes in one transaction and recognises
//! what an earlier import already brought. Bodies stay HTML, which the renderer sanitizes.
//!
//! The XML parser is never asked to expand entities: an export that declares a DOCTYPE (which
//! WordPress never writes, and which is how entity bombs and external-entity reads arrive) is
//! refused before anything is read from it.

use crate::confine::Folder;
use crate::posts::{import_posts, strip_tags, Image, Post};
use crate::{FileProblem, ImportError, Progress, Summary};
use marquee_media::MediaStore;
use marquee_store::Store;
use quick_xml::events::Event;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// How a blog export is imported (the same for WordPress and Ghost).
pub use crate::posts::Options;

/// One `<item>` as the export writes it.
#[derive(Debug, Default, Clone)]
struct Item {
    line: usize,
    title: String,
    /// The post's permalink on the old site.
    link: String,
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
    post_password: String,
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
            FileProblem::new(
                file,
                Some(line_at(text, reader.error_position() as usize)),
                None,
                format!("not well-formed XML: {e}"),
            )
        })?;
        match event {
            Event::DocType(doctype) => {
                let declared = String::from_utf8_lossy(&doctype).chars().take(60).collect::<String>();
                return Err(FileProblem::new(
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
                        ("item", "link") => current.link = value.trim().to_string(),
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
                        ("item", "wp:post_password") => current.post_password = value,
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
                &text_event
                    .decode()
                    .map_err(|e| FileProblem::new(file, Some(line_at(text, position)), None, e.to_string()))?,
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
                        return Err(FileProblem::new(
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

/// WordPress times (`YYYY-MM-DD HH:MM:SS`) as RFC 3339, UTC; the zero date means none.
fn gmt(text: &str) -> Option<String> {
    if text.is_empty() || text.starts_with("0000") {
        return None;
    }
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    let at = time::PrimitiveDateTime::parse(text, &format).ok()?.assume_utc();
    at.format(&time::format_description::well_known::Rfc3339).ok()
}

/// The file an uploads URL names, when it sits beside the export (`wp-content/uploads/…` or
/// `uploads/…` under the export's folder).
fn beside(export_dir: &Folder, url: &str) -> Option<PathBuf> {
    let at = url.find("/uploads/")?;
    let relative = &url[at + 1..];
    if relative.split('/').any(|part| part == ".." || part.is_empty()) {
        return None;
    }
    [export_dir.path().join("wp-content").join(relative), export_dir.path().join(relative)]
        .into_iter()
        .find_map(|p| export_dir.found(&p))
}

/// The post an item is, as the importer of blog posts reads it.
fn post_of(
    item: &Item,
    authors: &HashMap<String, String>,
    attachments: &HashMap<String, String>,
    export_dir: &Folder,
) -> Post {
    let meta = |key: &str| item.meta.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_string());
    let mut tags: Vec<String> = Vec::new();
    for (domain, name) in &item.terms {
        if (domain == "category" || domain == "post_tag") && name != "Uncategorized" && !tags.contains(name) {
            tags.push(name.clone());
        }
    }
    // The featured image is the poster: from the files beside the export, or its URL.
    let poster = meta("_thumbnail_id").and_then(|id| attachments.get(&id)).map(|url| match beside(export_dir, url) {
        Some(file) => Image::File(file),
        None => Image::Url(url.clone()),
    });
    Post {
        line: item.line,
        title: item.title.clone(),
        author: Some(authors.get(&item.creator).cloned().unwrap_or_else(|| item.creator.clone())),
        slug: Some(item.post_name.clone()),
        tags,
        date: gmt(&item.post_date_gmt).or_else(|| gmt(&item.post_date)),
        updated: gmt(&item.post_modified_gmt),
        draft: !matches!(item.status.as_str(), "publish" | "future"),
        summary: Some(strip_tags(&item.excerpt)),
        score: meta("score").and_then(|s| s.parse().ok()),
        stars: meta("rating").and_then(|s| s.parse().ok()),
        poster,
        body: item.content.clone(),
        old_address: Some(item.link.clone()).filter(|l| !l.is_empty()),
        // WordPress answers `/?p=ID` (`/?page_id=ID` for a page) whatever its permalinks are.
        aliases: Some(&item.post_id)
            .filter(|id| !id.is_empty())
            .map(|id| if item.post_type == "page" { format!("/?page_id={id}") } else { format!("/?p={id}") })
            .into_iter()
            .collect(),
        page: item.post_type == "page",
        restricted: (!item.post_password.is_empty()).then(|| "password-protected".to_string()),
    }
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
        ImportError::BadFiles(vec![FileProblem::new(file, Some(line), None, "not UTF-8 text".into())])
    })?;
    let parsed = parse(file, &text).map_err(|p| ImportError::BadFiles(vec![p]))?;
    let attachments: HashMap<String, String> = parsed
        .items
        .iter()
        .filter(|i| i.post_type == "attachment" && !i.attachment_url.is_empty())
        .map(|i| (i.post_id.clone(), i.attachment_url.clone()))
        .collect();
    let export_dir = crate::posts::folder_of(file)?;
    let export_dir = &export_dir;
    let posts: Vec<Post> = parsed
        .items
        .iter()
        .filter(|i| i.post_type == "post" || i.post_type == "page")
        .filter(|i| !matches!(i.status.as_str(), "trash" | "inherit" | "auto-draft"))
        .map(|i| post_of(i, &parsed.authors, &attachments, export_dir))
        .collect();
    let local = |url: &str| beside(export_dir, url);
    import_posts(store, media, file, &posts, &local, options, progress).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_dates_are_none_and_others_are_gmt() {
        assert_eq!(gmt("0000-00-00 00:00:00"), None);
        assert_eq!(gmt("2024-03-01 09:30:00").as_deref(), Some("2024-03-01T09:30:00Z"));
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::fuzzing::text_of;
    use proptest::prelude::*;

    const PIECES: &[&str] = &[
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
        "<rss version=\"2.0\">",
        "</rss>",
        "<channel>",
        "</channel>",
        "<item>",
        "</item>",
        "<title>Heat (1995)</title>",
        "<title><![CDATA[Am&eacute;lie]]></title>",
        "<content:encoded><![CDATA[<p>Body</p>]]></content:encoded>",
        "<wp:post_type>post</wp:post_type>",
        "<wp:post_type>attachment</wp:post_type>",
        "<wp:status>publish</wp:status>",
        "<wp:post_id>1</wp:post_id>",
        "<wp:postmeta><wp:meta_key>score</wp:meta_key><wp:meta_value>9.5</wp:meta_value></wp:postmeta>",
        "<category domain=\"category\"><![CDATA[Reviews]]></category>",
        "<wp:author>",
        "</wp:author>",
        "<!DOCTYPE lolz [<!ENTITY lol \"lol\">]>",
        "&lol;",
        "&amp;",
        "&#x10FFFF;",
        "&#0;",
        "<![CDATA[",
        "]]>",
        "<a:b xmlns:a=\"x\">",
        "</a:b>",
        "<",
        ">",
        "\"",
    ];

    proptest! {
        #[test]
        fn an_export_is_read_or_refused_with_its_line_never_a_panic(text in text_of(PIECES, 40)) {
            match parse(Path::new("export.xml"), &text) {
                Ok(parsed) => prop_assert!(parsed.items.iter().all(|item| item.line >= 1)),
                Err(problem) => prop_assert!(problem.problem.line.is_some() || !problem.problem.message.is_empty()),
            }
        }
    }
}
