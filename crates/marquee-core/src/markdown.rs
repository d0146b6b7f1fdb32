//! Review bodies: CommonMark (with tables, footnotes and strikethrough) rendered to HTML, then
//! sanitized; the plain text a reader reads, for reading time and text similarity.

use crate::html::{escape, SafeHtml};
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::sync::OnceLock;

/// An image the store knows, in the sizes it was prepared in.
#[derive(Clone, Debug, PartialEq)]
pub struct ResponsiveImage {
    /// The fallback URL (a mid-sized variant in the original's format).
    pub src: String,
    /// `srcset` in the original's format.
    pub srcset: String,
    /// `srcset` in a modern format (WebP), when prepared.
    pub modern_srcset: Option<String>,
    pub modern_type: &'static str,
    pub width: u32,
    pub height: u32,
}

/// The `sizes` attribute for images inside the review's text column.
pub const BODY_IMAGE_SIZES: &str = "(min-width: 48rem) 42rem, 100vw";

/// A rendered review body.
#[derive(Clone, Debug)]
pub struct RenderedBody {
    pub html: SafeHtml,
    /// The text a reader reads: headings, paragraphs, lists, quotes; no markup, no alt text.
    pub plain_text: String,
    pub words: usize,
}

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES | Options::ENABLE_STRIKETHROUGH
}

/// Image destinations the body uses, in order, without duplicates (for importers to bring
/// the files into the media store).
pub fn image_urls(markdown: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut urls = Vec::new();
    for event in Parser::new_ext(markdown, options()) {
        if let Event::Start(Tag::Image { dest_url, .. }) = event {
            if seen.insert(dest_url.to_string()) {
                urls.push(dest_url.to_string());
            }
        }
    }
    urls
}

/// Image destinations in the body whose alt text is empty, in order (an editor refuses them:
/// every image needs a description for readers who cannot see it).
pub fn images_without_alt(markdown: &str) -> Vec<String> {
    let mut missing = Vec::new();
    let mut current: Option<(String, String)> = None;
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Start(Tag::Image { dest_url, .. }) => current = Some((dest_url.to_string(), String::new())),
            Event::Text(text) | Event::Code(text) => {
                if let Some((_, alt)) = current.as_mut() {
                    alt.push_str(&text);
                }
            }
            Event::End(TagEnd::Image) => {
                if let Some((url, alt)) = current.take() {
                    if alt.trim().is_empty() {
                        missing.push(url);
                    }
                }
            }
            _ => {}
        }
    }
    missing
}

/// Renders and sanitizes a body. `resolve` maps an image destination to the store's prepared
/// variants; images it does not know keep their URL (and the sanitizer decides).
pub fn render(markdown: &str, resolve: &dyn Fn(&str) -> Option<ResponsiveImage>) -> RenderedBody {
    let events: Vec<Event> = Parser::new_ext(markdown, options()).collect();
    let plain_text = plain_text_of(&events);
    let words = count_words(&plain_text);
    let demote = events.iter().any(|e| matches!(e, Event::Start(Tag::Heading { level: HeadingLevel::H1, .. })));
    let events = with_figures(events, resolve);
    let events = events.into_iter().map(|event| match event {
        Event::Start(Tag::Heading { level, id, classes, attrs }) if demote => {
            Event::Start(Tag::Heading { level: demoted(level), id, classes, attrs })
        }
        Event::End(TagEnd::Heading(level)) if demote => Event::End(TagEnd::Heading(demoted(level))),
        other => other,
    });
    let mut raw = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut raw, events);
    RenderedBody { html: sanitize(&raw), plain_text, words }
}

/// The page's only h1 is the film title, so a body that uses `#` headings moves down a level.
fn demoted(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H2,
        HeadingLevel::H2 => HeadingLevel::H3,
        HeadingLevel::H3 => HeadingLevel::H4,
        HeadingLevel::H4 => HeadingLevel::H5,
        _ => HeadingLevel::H6,
    }
}

/// Counts the words of plain text: runs of non-space characters holding a letter or digit.
pub fn count_words(text: &str) -> usize {
    text.split_whitespace().filter(|token| token.chars().any(char::is_alphanumeric)).count()
}

fn plain_text_of(events: &[Event]) -> String {
    let mut text = String::new();
    let mut image_depth = 0usize;
    for event in events {
        match event {
            Event::Start(Tag::Image { .. }) => image_depth += 1,
            Event::End(TagEnd::Image) => image_depth = image_depth.saturating_sub(1),
            _ if image_depth > 0 => {}
            Event::Text(t) | Event::Code(t) => text.push_str(t),
            Event::Html(h) | Event::InlineHtml(h) => text.push_str(&strip_tags(h)),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::BlockQuote(_)
                | TagEnd::CodeBlock
                | TagEnd::TableCell
                | TagEnd::FootnoteDefinition,
            ) => text.push('\n'),
            _ => {}
        }
    }
    text
}

/// The text between tags of raw HTML in a body (tags themselves are markup, not words).
fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Turns an image standing alone in its paragraph into a `<figure>`: a responsive `<picture>`
/// when the store knows the image, captioned by the image's title or, failing that, by a
/// following paragraph that is wholly emphasized (`*Scene from …*`).
fn with_figures<'a>(events: Vec<Event<'a>>, resolve: &dyn Fn(&str) -> Option<ResponsiveImage>) -> Vec<Event<'a>> {
    let mut out = Vec::with_capacity(events.len());
    let mut i = 0;
    while i < events.len() {
        if let Some((end, url, title, alt)) = lone_image(&events, i) {
            let mut next = end + 1;
            let mut caption = (!title.is_empty()).then(|| escape(&title));
            if caption.is_none() {
                if let Some((caption_end, html)) = emphasized_paragraph(&events, next) {
                    caption = Some(html);
                    next = caption_end + 1;
                }
            }
            out.push(Event::Html(figure_html(&url, &alt, caption.as_deref(), resolve).into()));
            i = next;
        } else {
            out.push(events[i].clone());
            i += 1;
        }
    }
    out
}

/// If a paragraph starting at `start` holds exactly one image (and blank text), returns the
/// index of its end and the image's destination, title and alt text.
fn lone_image(events: &[Event], start: usize) -> Option<(usize, String, String, String)> {
    if !matches!(events.get(start), Some(Event::Start(Tag::Paragraph))) {
        return None;
    }
    let mut i = start + 1;
    while matches!(events.get(i), Some(Event::Text(t)) if t.trim().is_empty()) {
        i += 1;
    }
    let Some(Event::Start(Tag::Image { dest_url, title, .. })) = events.get(i) else {
        return None;
    };
    let mut alt = String::new();
    i += 1;
    loop {
        match events.get(i)? {
            Event::End(TagEnd::Image) => break,
            Event::Text(t) | Event::Code(t) => alt.push_str(t),
            _ => {}
        }
        i += 1;
    }
    i += 1;
    while matches!(events.get(i), Some(Event::Text(t)) if t.trim().is_empty()) {
        i += 1;
    }
    match events.get(i) {
        Some(Event::End(TagEnd::Paragraph)) => Some((i, dest_url.to_string(), title.to_string(), alt)),
        _ => None,
    }
}

/// If the paragraph at `start` is wholly one emphasis span, returns its end index and its inner
/// HTML (rendered, sanitized later with the rest).
fn emphasized_paragraph(events: &[Event], start: usize) -> Option<(usize, String)> {
    if !matches!(events.get(start), Some(Event::Start(Tag::Paragraph))) {
        return None;
    }
    if !matches!(events.get(start + 1), Some(Event::Start(Tag::Emphasis))) {
        return None;
    }
    let mut depth = 0usize;
    let mut i = start + 1;
    loop {
        match events.get(i)? {
            Event::Start(Tag::Emphasis) => depth += 1,
            Event::End(TagEnd::Emphasis) => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            _ => {}
        }
        i += 1;
    }
    if !matches!(events.get(i + 1), Some(Event::End(TagEnd::Paragraph))) {
        return None;
    }
    let mut inner = String::new();
    pulldown_cmark::html::push_html(&mut inner, events[start + 2..i].iter().cloned());
    Some((i + 1, inner))
}

fn figure_html(
    url: &str,
    alt: &str,
    caption: Option<&str>,
    resolve: &dyn Fn(&str) -> Option<ResponsiveImage>,
) -> String {
    let mut html = String::from("<figure>");
    match resolve(url) {
        Some(image) => {
            html.push_str("<picture>");
            if let Some(modern) = &image.modern_srcset {
                html.push_str(&format!(
                    r#"<source type="{}" srcset="{}" sizes="{}">"#,
                    image.modern_type,
                    escape(modern),
                    BODY_IMAGE_SIZES
                ));
            }
            html.push_str(&format!(
                r#"<img src="{}" srcset="{}" sizes="{}" width="{}" height="{}" alt="{}" loading="lazy" decoding="async">"#,
                escape(&image.src),
                escape(&image.srcset),
                BODY_IMAGE_SIZES,
                image.width,
                image.height,
                escape(alt)
            ));
            html.push_str("</picture>");
        }
        None => html.push_str(&format!(
            r#"<img src="{}" alt="{}" loading="lazy" decoding="async">"#,
            escape(url),
            escape(alt)
        )),
    }
    if let Some(caption) = caption {
        html.push_str("<figcaption>");
        html.push_str(caption);
        html.push_str("</figcaption>");
    }
    html.push_str("</figure>");
    html
}

/// Prefix of every id inside a rendered body.
pub const BODY_ID_PREFIX: &str = "body-";

fn sanitizer() -> &'static ammonia::Builder<'static> {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    BUILDER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .add_tags(["figure", "figcaption", "picture", "source"])
            .add_tag_attributes("img", ["srcset", "sizes", "loading", "decoding"])
            .add_tag_attributes("source", ["srcset", "sizes", "type"])
            .add_tag_attributes("div", ["id"])
            .add_allowed_classes("sup", ["footnote-reference", "footnote-definition-label"])
            .add_allowed_classes("div", ["footnote-definition"])
            .url_schemes(["http", "https", "mailto"].into_iter().collect())
            .attribute_filter(|_element, attribute, value| match attribute {
                // Ids from a body (footnotes) live in their own namespace, so they can never
                // collide with the page's own ids; in-page links follow them.
                "id" => Some(format!("{BODY_ID_PREFIX}{value}").into()),
                "href" if value.starts_with('#') => Some(format!("#{BODY_ID_PREFIX}{}", &value[1..]).into()),
                // srcset holds URLs the URL-scheme check does not see: keep only local or https ones.
                "srcset" => value
                    .split(',')
                    .all(|candidate| {
                        let url = candidate.split_whitespace().next().unwrap_or("");
                        (url.starts_with('/') && !url.starts_with("//")) || url.starts_with("https://")
                    })
                    .then_some(value.into()),
                _ => Some(value.into()),
            });
        builder
    })
}

/// Sanitizes HTML from an untrusted source into markup that cannot run script.
pub fn sanitize(html: &str) -> SafeHtml {
    SafeHtml::trusted(sanitizer().clean(html).to_string())
}

/// Sanitizes a reply from another server (ActivityPub `content`): text, paragraphs, emphasis,
/// lists, quotes, code and links, the links marked as the reader's own (`rel="nofollow ugc"`);
/// no images or media (a page never loads a remote image), no classes, ids or styles.
pub fn sanitize_remote(html: &str) -> SafeHtml {
    static BUILDER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    let builder = BUILDER.get_or_init(|| {
        let mut builder = ammonia::Builder::empty();
        builder
            .add_tags([
                "p",
                "br",
                "a",
                "span",
                "em",
                "strong",
                "i",
                "b",
                "u",
                "s",
                "del",
                "ul",
                "ol",
                "li",
                "blockquote",
                "code",
                "pre",
            ])
            .add_tag_attributes("a", ["href"])
            .url_schemes(["http", "https"].into_iter().collect())
            .link_rel(Some("nofollow ugc noopener noreferrer"))
            .url_relative(ammonia::UrlRelative::Deny)
            .clean_content_tags(["script", "style"].into_iter().collect());
        builder
    });
    SafeHtml::trusted(builder.clean(html).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remote_reply_keeps_its_text_and_links_and_nothing_else() {
        let html = sanitize_remote(
            "<p class=\"x\" style=\"color:red\">Hi <a href=\"https://a.example/x\" onclick=\"e()\">there</a> \
             <a href=\"/admin\">here</a> <a href=\"javascript:alert(1)\">js</a></p><img src=\"https://t.example/p.png\">\
             <script>alert(1)</script><iframe src=\"https://e.example\"></iframe>",
        );
        let html = html.as_str();
        assert!(
            html.contains("<a href=\"https://a.example/x\" rel=\"nofollow ugc noopener noreferrer\">there</a>"),
            "{html}"
        );
        for gone in ["img", "script", "iframe", "onclick", "style", "class", "/admin", "javascript", "alert"] {
            assert!(!html.contains(gone), "{gone} in {html}");
        }
    }

    #[test]
    fn images_without_alt_text_are_found() {
        let md = "![A still](/a.png)\n\n![](/b.png)\n\n![  ](/c.png \"title only\")\n\n![*styled* alt](/d.png)";
        assert_eq!(images_without_alt(md), vec!["/b.png".to_string(), "/c.png".to_string()]);
    }

    fn no_images(_: &str) -> Option<ResponsiveImage> {
        None
    }

    fn known_image(url: &str) -> Option<ResponsiveImage> {
        (url == "stills/one.png").then(|| ResponsiveImage {
            src: "/media/abc/640.png".into(),
            srcset: "/media/abc/320.png 320w, /media/abc/640.png 640w".into(),
            modern_srcset: Some("/media/abc/320.webp 320w, /media/abc/640.webp 640w".into()),
            modern_type: "image/webp",
            width: 640,
            height: 360,
        })
    }

    #[test]
    fn renders_sections_emphasis_quotes_lists_tables_and_footnotes() {
        let md = "## The look\n\nA *quiet* film with **nerve**.\n\n### Sound\n\n> A quote.\n\n- one\n- two\n\n\
                  | a | b |\n|---|---|\n| 1 | 2 |\n\nA note.[^1] ~~gone~~\n\n[^1]: The footnote.\n";
        let html = render(md, &no_images).html.into_string();
        for needle in [
            "<h2>The look</h2>",
            "<h3>Sound</h3>",
            "<em>quiet</em>",
            "<strong>nerve</strong>",
            "<blockquote>",
            "<li>one</li>",
            "<table>",
            "<del>gone</del>",
            "footnote-definition",
        ] {
            assert!(html.contains(needle), "missing {needle} in {html}");
        }
    }

    #[test]
    fn body_h1_headings_move_down_so_the_title_stays_the_only_h1() {
        let html = render("# Part one\n\ntext\n\n## Detail\n", &no_images).html.into_string();
        assert!(html.contains("<h2>Part one</h2>"));
        assert!(html.contains("<h3>Detail</h3>"));
        assert!(!html.contains("<h1"));
    }

    #[test]
    fn words_count_text_but_not_alt_text_or_markup() {
        let md = "# Title here\n\nOne *two* three.\n\n![alt words never count](x.png)\n\n- four\n- five\n\n> six seven\n\n<b>eight</b>\n";
        let body = render(md, &no_images);
        assert_eq!(body.words, 10, "{:?}", body.plain_text);
        assert!(!body.plain_text.contains("alt"));
    }

    #[test]
    fn punctuation_alone_is_not_a_word() {
        assert_eq!(count_words("one — two - three ..."), 3);
    }

    #[test]
    fn a_lone_known_image_becomes_a_responsive_captioned_figure() {
        let md = "Before.\n\n![A scene](stills/one.png \"Scene from Night Train\")\n\nAfter.\n";
        let html = render(md, &known_image).html.into_string();
        assert!(html.contains("<figure><picture><source type=\"image/webp\""), "{html}");
        assert!(html.contains("width=\"640\" height=\"360\""), "{html}");
        assert!(html.contains("alt=\"A scene\""));
        assert!(html.contains("loading=\"lazy\""));
        assert!(html.contains("<figcaption>Scene from Night Train</figcaption>"), "{html}");
    }

    #[test]
    fn an_emphasized_paragraph_after_an_image_is_its_caption() {
        let md = "![A scene](stills/one.png)\n\n*Scene from Night Train: the platform.*\n\nNext.\n";
        let html = render(md, &known_image).html.into_string();
        assert!(
            html.contains("<figcaption><em>Scene from Night Train: the platform.</em></figcaption>")
                || html.contains("<figcaption>Scene from Night Train: the platform.</figcaption>"),
            "{html}"
        );
        assert!(html.contains("<p>Next.</p>"));
    }

    #[test]
    fn body_ids_cannot_collide_with_the_page_and_footnote_links_still_work() {
        let html =
            render("A note.[^n]\n\n[^n]: Said here.\n\n<div id=\"main\">x</div>\n", &no_images).html.into_string();
        assert!(!html.contains("id=\"main\""), "{html}");
        assert!(html.contains("id=\"body-main\""), "{html}");
        assert!(html.contains("href=\"#body-n\""), "{html}");
        assert!(html.contains("id=\"body-n\""), "{html}");
    }

    #[test]
    fn image_urls_lists_each_destination_once() {
        let md = "![a](a.png) ![b](b.jpg)\n\n![a again](a.png)\n";
        assert_eq!(image_urls(md), vec!["a.png", "b.jpg"]);
    }

    /// Hostile bodies: nothing executable survives rendering and sanitizing.
    #[test]
    fn hostile_markdown_produces_no_executable_markup() {
        let corpus = [
            "<script>alert(1)</script>",
            "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
            "<img src=x onerror=alert(1)>",
            "<img src=\"x\" onerror=\"alert(1)\" srcset=\"javascript:alert(1) 1x\">",
            "[click](javascript:alert(1))",
            "[click](JaVaScRiPt:alert(1))",
            "[click](&#106;avascript:alert(1))",
            "[click](java\tscript:alert(1))",
            "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
            "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
            "<svg><script>alert(1)</script></svg>",
            "<svg onload=alert(1)><circle/></svg>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<object data=\"x.swf\"></object><embed src=x>",
            "<style>body{background:url(javascript:alert(1))}</style>",
            "<p style=\"background:url(javascript:alert(1))\">styled</p>",
            "<a href=\"#\" onclick=\"alert(1)\">x</a>",
            "<form action=\"https://evil.example\"><input name=x></form>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            "<base href=\"javascript:alert(1)//\">",
            "&lt;script&gt;alert(1)&lt;/script&gt;",
            "<<script>script>alert(1)<</script>/script>",
            "<a href=\"vbscript:msgbox(1)\">v</a>",
            "<details open ontoggle=alert(1)>",
            "<video><source onerror=alert(1)></video>",
            "[x](  javascript:alert(1)  )",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
        ];
        for input in corpus {
            let html = render(input, &no_images).html.into_string().to_lowercase();
            for forbidden in [
                "<script",
                "onerror",
                "onload",
                "onclick",
                "ontoggle",
                "javascript:",
                "vbscript:",
                "data:",
                "<iframe",
                "<object",
                "<embed",
                "<style",
                "style=",
                "<form",
                "<meta",
                "<base",
                "<svg",
                "<math",
            ] {
                assert!(!html.contains(forbidden), "{forbidden:?} survived in {html:?} from {input:?}");
            }
        }
    }
}
