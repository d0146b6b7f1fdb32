//! Ghost exports (Settings › Advanced › Export content): every post and page arrives, a post as
//! a review where it is one and an article otherwise (see `posts`), a page as a page, with
//! their authors, public tags, feature images (from `content/images`
//! beside the export, or URLs), excerpts, statuses and times. Bodies come from `html` when the
//! export has it, else from the `lexical` (Ghost 5) or `mobiledoc` (Ghost 1–4) document, else
//! from Ghost 0.x's `markdown`. The structure is described in FORMATS.md ("Ghost export JSON").

use crate::confine::Folder;
use crate::posts::{import_posts, Image, Post};
use crate::{FileProblem, ImportError, Progress, Summary};
use marquee_media::MediaStore;
use marquee_store::Store;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// How a blog export is imported (the same for WordPress and Ghost).
pub use crate::posts::Options;

fn problem(file: &Path, message: String) -> ImportError {
    ImportError::BadFiles(vec![FileProblem::new(file, None, None, message)])
}

/// Ghost's times (`2023-01-14 04:28:17` in UTC, or ISO 8601) as RFC 3339.
fn time_of(value: &Value) -> Option<String> {
    let text = value.as_str()?.trim();
    let parsed =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok().or_else(|| {
            let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
            time::PrimitiveDateTime::parse(text, &format).ok().map(|t| t.assume_utc())
        })?;
    parsed.format(&time::format_description::well_known::Rfc3339).ok()
}

fn escape(text: &str) -> String {
    marquee_core::html::escape(text)
}

/// A Lexical document (Ghost 5's editor) as HTML.
fn lexical(node: &Value) -> String {
    let children =
        || node["children"].as_array().map(|c| c.iter().map(lexical).collect::<String>()).unwrap_or_default();
    let text = |key: &str| node[key].as_str().unwrap_or_default();
    match node["type"].as_str().unwrap_or_default() {
        "root" => children(),
        "paragraph" => format!("<p>{}</p>\n", children()),
        "heading" | "extended-heading" => {
            let tag =
                node["tag"].as_str().filter(|t| matches!(*t, "h1" | "h2" | "h3" | "h4" | "h5" | "h6")).unwrap_or("h2");
            format!("<{tag}>{}</{tag}>\n", children())
        }
        "quote" | "aside" => format!("<blockquote>{}</blockquote>\n", children()),
        "list" => {
            let tag = if node["listType"] == "number" { "ol" } else { "ul" };
            format!("<{tag}>{}</{tag}>\n", children())
        }
        "listitem" => format!("<li>{}</li>", children()),
        "link" => format!("<a href=\"{}\">{}</a>", escape(text("url")), children()),
        "linebreak" => "<br>".into(),
        "text" | "extended-text" => {
            let format = node["format"].as_u64().unwrap_or(0);
            let mut out = escape(text("text"));
            if format & 1 != 0 {
                out = format!("<strong>{out}</strong>");
            }
            if format & 2 != 0 {
                out = format!("<em>{out}</em>");
            }
            out
        }
        "image" => {
            let caption = text("caption");
            let image = format!("<img src=\"{}\" alt=\"{}\">", escape(text("src")), escape(text("altText")));
            if caption.is_empty() {
                format!("{image}\n")
            } else {
                format!("<figure>{image}<figcaption>{caption}</figcaption></figure>\n")
            }
        }
        "markdown" => format!("\n{}\n\n", text("markdown")),
        "html" => format!("{}\n", text("html")),
        "horizontalrule" => "<hr>\n".into(),
        "codeblock" => format!("<pre><code>{}</code></pre>\n", escape(text("code"))),
        _ => children(),
    }
}

/// A Mobiledoc document (Ghost 1–4) as HTML: its sections, markups and the common cards.
fn mobiledoc(doc: &Value) -> String {
    let empty = Vec::new();
    let markups: Vec<(String, String)> = doc["markups"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|m| {
            let tag = m[0].as_str().unwrap_or("span").to_ascii_lowercase();
            let href = m[1].as_array().and_then(|a| a.iter().position(|v| v == "href").and_then(|i| a.get(i + 1)));
            let open = match href.and_then(Value::as_str) {
                Some(href) => format!("<{tag} href=\"{}\">", escape(href)),
                None => format!("<{tag}>"),
            };
            (open, format!("</{tag}>"))
        })
        .collect();
    let markers = |section: &Value| -> String {
        let mut out = String::new();
        let mut open: Vec<usize> = Vec::new();
        for marker in section.as_array().unwrap_or(&empty) {
            for index in marker[1].as_array().unwrap_or(&empty).iter().filter_map(Value::as_u64) {
                if let Some((tag, _)) = markups.get(index as usize) {
                    out.push_str(tag);
                    open.push(index as usize);
                }
            }
            if marker[0] == 0 {
                out.push_str(&escape(marker[3].as_str().unwrap_or_default()));
            }
            for _ in 0..marker[2].as_u64().unwrap_or(0) {
                if let Some(index) = open.pop() {
                    out.push_str(&markups[index].1);
                }
            }
        }
        out
    };
    let cards = doc["cards"].as_array().unwrap_or(&empty);
    let mut out = String::new();
    for section in doc["sections"].as_array().unwrap_or(&empty) {
        match section[0].as_u64() {
            Some(1) => {
                let tag = section[1].as_str().unwrap_or("p").to_ascii_lowercase();
                let tag = if matches!(tag.as_str(), "p" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "blockquote") {
                    tag
                } else {
                    "p".into()
                };
                out.push_str(&format!("<{tag}>{}</{tag}>\n", markers(&section[2])));
            }
            Some(3) => {
                let tag = if section[1] == "ol" { "ol" } else { "ul" };
                let items: String = section[2]
                    .as_array()
                    .unwrap_or(&empty)
                    .iter()
                    .map(|i| format!("<li>{}</li>", markers(i)))
                    .collect();
                out.push_str(&format!("<{tag}>{items}</{tag}>\n"));
            }
            Some(10) => {
                let Some(card) = section[1].as_u64().and_then(|i| cards.get(i as usize)) else { continue };
                let payload = &card[1];
                let text = |key: &str| payload[key].as_str().unwrap_or_default();
                match card[0].as_str().unwrap_or_default() {
                    "markdown" | "card-markdown" => out.push_str(&format!("\n{}\n\n", text("markdown"))),
                    "html" => out.push_str(&format!("{}\n", text("html"))),
                    "image" => {
                        let image = format!("<img src=\"{}\" alt=\"{}\">", escape(text("src")), escape(text("alt")));
                        match text("caption") {
                            "" => out.push_str(&format!("{image}\n")),
                            caption => {
                                out.push_str(&format!("<figure>{image}<figcaption>{caption}</figcaption></figure>\n"))
                            }
                        }
                    }
                    "hr" => out.push_str("<hr>\n"),
                    "code" => out.push_str(&format!("<pre><code>{}</code></pre>\n", escape(text("code")))),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    out
}

/// A post's body: its `html`, else its Lexical or Mobiledoc document, else Ghost 0.x Markdown.
fn body_of(post: &Value) -> String {
    if let Some(html) = post["html"].as_str().filter(|h| !h.trim().is_empty()) {
        return html.to_string();
    }
    let document = |key: &str| post[key].as_str().and_then(|text| serde_json::from_str::<Value>(text).ok());
    if let Some(doc) = document("lexical") {
        return lexical(&doc["root"]);
    }
    if let Some(doc) = document("mobiledoc") {
        return mobiledoc(&doc);
    }
    post["markdown"].as_str().unwrap_or_default().to_string()
}

/// The file a Ghost image URL names beside the export (`content/images/…`).
fn beside(export_dir: &Folder, url: &str) -> Option<PathBuf> {
    let at = url.find("content/images/")?;
    let relative = &url[at..];
    if relative.split('/').any(|part| part == ".." || part.is_empty()) {
        return None;
    }
    export_dir.found(&export_dir.path().join(relative))
}

pub async fn import(
    store: &Store,
    media: &MediaStore,
    file: &Path,
    options: Options,
    progress: &dyn Progress,
) -> Result<Summary, ImportError> {
    let text = std::fs::read_to_string(file).map_err(|source| ImportError::Io { path: file.to_path_buf(), source })?;
    let export_dir = crate::posts::folder_of(file)?;
    let read = posts_of(file, &text, &export_dir)?;
    let local = |url: &str| beside(&export_dir, url);
    import_posts(store, media, file, &read, &local, options, progress).await
}

/// The posts and pages of an export's text, as the importer of blog posts reads them; feature
/// images are looked for in `export_dir`.
fn posts_of(file: &Path, text: &str, export_dir: &Folder) -> Result<Vec<Post>, ImportError> {
    let root: Value = serde_json::from_str(text)
        .map_err(|e| problem(file, format!("not JSON (line {}, column {}): {e}", e.line(), e.column())))?;
    // The admin's download wraps the export in {"db": [...]}; the exporter's own shape is bare.
    let export = match root.as_object() {
        Some(object) if object.len() == 1 && object.contains_key("db") => &root["db"][0],
        _ => &root,
    };
    let data = &export["data"];
    let posts =
        data["posts"].as_array().ok_or_else(|| problem(file, "not a Ghost export: it has no data.posts".into()))?;
    let empty = Vec::new();
    let rows = |table: &str| data[table].as_array().unwrap_or(&empty);
    let users: HashMap<&str, &str> =
        rows("users").iter().filter_map(|u| Some((u["id"].as_str()?, u["name"].as_str()?))).collect();
    let tags: HashMap<&str, &Value> = rows("tags").iter().filter_map(|t| Some((t["id"].as_str()?, t))).collect();
    let by_post = |table: &str, column: &str| -> HashMap<String, Vec<(i64, String)>> {
        let mut map: HashMap<String, Vec<(i64, String)>> = HashMap::new();
        for row in rows(table) {
            if let (Some(post), Some(other)) = (row["post_id"].as_str(), row[column].as_str()) {
                map.entry(post.to_string())
                    .or_default()
                    .push((row["sort_order"].as_i64().unwrap_or(0), other.to_string()));
            }
        }
        for list in map.values_mut() {
            list.sort();
        }
        map
    };
    let post_tags = by_post("posts_tags", "tag_id");
    let post_authors = by_post("posts_authors", "author_id");
    let meta: HashMap<&str, &Value> =
        rows("posts_meta").iter().filter_map(|m| Some((m["post_id"].as_str()?, m))).collect();

    let mut read = Vec::new();
    for post in posts {
        let kind = post["type"].as_str().unwrap_or("post");
        let status = post["status"].as_str().unwrap_or("draft");
        if !(kind == "post" || kind == "page") || !matches!(status, "published" | "draft" | "scheduled") {
            continue;
        }
        let id = post["id"].as_str().unwrap_or_default();
        let line = text.find(&format!("\"{id}\"")).map(|at| text[..at].matches('\n').count() + 1).unwrap_or(0);
        let author = post_authors
            .get(id)
            .and_then(|a| a.first())
            .map(|(_, author)| author.as_str())
            .or_else(|| post["author_id"].as_str())
            .and_then(|author| users.get(author))
            .map(|name| name.to_string());
        let tag_names = post_tags
            .get(id)
            .map(|list| {
                list.iter()
                    .filter_map(|(_, tag)| tags.get(tag.as_str()))
                    .filter(|t| t["visibility"] != "internal" && !t["name"].as_str().unwrap_or("#").starts_with('#'))
                    .filter_map(|t| t["name"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        let poster =
            post["feature_image"].as_str().filter(|u| !u.is_empty()).and_then(|url| match beside(export_dir, url) {
                Some(file) => Some(Image::File(file)),
                None if url.starts_with("https://") || url.starts_with("http://") => Some(Image::Url(url.to_string())),
                None => None,
            });
        let summary = post["custom_excerpt"]
            .as_str()
            .map(String::from)
            .or_else(|| meta.get(id).and_then(|m| m["meta_description"].as_str()).map(String::from));
        read.push(Post {
            line,
            title: post["title"].as_str().unwrap_or_default().to_string(),
            author,
            slug: post["slug"].as_str().map(String::from),
            tags: tag_names,
            date: time_of(&post["published_at"]),
            updated: time_of(&post["updated_at"]),
            draft: status == "draft",
            summary,
            body: body_of(post),
            // Ghost puts a post at /SLUG/ unless its routes say otherwise.
            old_address: post["slug"].as_str().map(|slug| format!("/{slug}/")),
            page: kind == "page",
            restricted: match post["visibility"].as_str().unwrap_or("public") {
                "public" => None,
                "paid" | "tiers" => Some("for paying members only".to_string()),
                _ => Some("for members only".to_string()),
            },
            poster,
            ..Post::default()
        });
    }
    Ok(read)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lexical_and_mobiledoc_documents_become_html() {
        let doc = json!({"root": {"type": "root", "children": [
            {"type": "heading", "tag": "h2", "children": [{"type": "text", "text": "The diner"}]},
            {"type": "paragraph", "children": [
                {"type": "text", "text": "Two ", "format": 0},
                {"type": "text", "text": "men", "format": 2},
                {"type": "link", "url": "https://x.org/?a=1&b=2", "children": [{"type": "text", "text": " & a code"}]}
            ]},
            {"type": "image", "src": "__GHOST_URL__/content/images/a.jpg", "altText": "A", "caption": "The scene"},
            {"type": "markdown", "markdown": "**bold**"}
        ]}});
        assert_eq!(
            lexical(&doc["root"]),
            "<h2>The diner</h2>\n<p>Two <em>men</em><a href=\"https://x.org/?a=1&amp;b=2\"> &amp; a code</a></p>\n\
             <figure><img src=\"__GHOST_URL__/content/images/a.jpg\" alt=\"A\"><figcaption>The scene</figcaption></figure>\n\n**bold**\n\n"
        );
        let mobile = json!({"version": "0.3.1", "markups": [["em"], ["a", ["href", "https://x.org"]]], "atoms": [],
            "cards": [["markdown", {"markdown": "A *card*."}], ["hr", {}]],
            "sections": [[1, "p", [[0, [], 0, "Plain "], [0, [0], 1, "leaning"], [0, [1], 1, " link"]]], [10, 0], [10, 1],
                         [3, "ul", [[[0, [], 0, "one"]], [[0, [], 0, "two"]]]]]});
        assert_eq!(
            mobiledoc(&mobile),
            "<p>Plain <em>leaning</em><a href=\"https://x.org\"> link</a></p>\n\nA *card*.\n\n<hr>\n<ul><li>one</li><li>two</li></ul>\n"
        );
        assert_eq!(time_of(&json!("2023-01-14 04:28:17")).as_deref(), Some("2023-01-14T04:28:17Z"));
        assert_eq!(time_of(&json!("2023-01-14T04:28:17.000Z")).as_deref(), Some("2023-01-14T04:28:17Z"));
        assert_eq!(time_of(&json!(null)), None);
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::fuzzing::json;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn an_export_is_read_or_refused_never_a_panic(value in json(), raw in ".{0,200}") {
            let dir = tempfile::tempdir().unwrap();
            let folder = Folder::new(dir.path()).unwrap();
            let file = dir.path().join("export.json");
            let wrapped = serde_json::json!({"db": [{"data": {"posts": [value.clone()], "tags": [value.clone()]}}]});
            for text in [value.to_string(), wrapped.to_string(), raw] {
                if let Ok(posts) = posts_of(&file, &text, &folder) {
                    for post in posts {
                        let _ = crate::posts::film_of(&post.title);
                    }
                }
            }
            let _ = body_of(&value);
            let _ = lexical(&value);
            let _ = mobiledoc(&value);
        }
    }
}
