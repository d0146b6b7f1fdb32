//! Property tests for the core's parsers of outside input: whatever a writer, an import or a
//! reader sends, nothing panics, and rendered Markdown never carries executable markup.
//! `PROPTEST_CASES` sets how many inputs each property tries (scripts/fuzz.sh runs them long);
//! a failing input is kept in `proptest-regressions/` and tried first ever after.

use marquee_core::markdown::{render, sanitize, ResponsiveImage};
use marquee_core::search::{correct, edit_distance, snippet, terms};
use marquee_core::{PageNumber, Score, Slug};
use proptest::prelude::*;

/// Pieces hostile and ordinary Markdown and HTML are made of, to be shuffled together.
const FRAGMENTS: &[&str] = &[
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//x.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"javascript:alert(1)\">",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "<a href=\"java\tscript:alert(1)\">x</a>",
    "<a href=\"&#106;avascript:alert(1)\">x</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD4=\">x</a>",
    "<a href=\" vbscript:x\">x</a>",
    "[link](javascript:alert(1))",
    "[link](JAVASCRIPT:alert(1) \"t\")",
    "[link](data:text/html,<script>x</script>)",
    "![img](javascript:alert(1))",
    "![img](data:image/svg+xml,<svg onload=alert(1)>)",
    "<svg onload=alert(1)>",
    "<iframe src=//x.example></iframe>",
    "<object data=x></object>",
    "<embed src=x>",
    "<style>body{background:url(javascript:x)}</style>",
    "<div style=\"background:url(javascript:x)\">",
    "<form action=javascript:x><button formaction=javascript:y>b</button></form>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<!--><script>x</script>-->",
    "<![CDATA[<script>x</script>]]>",
    "<details open ontoggle=alert(1)>",
    "<body onload=x>",
    "<input autofocus onfocus=x>",
    "<meta http-equiv=refresh content=\"0;url=javascript:x\">",
    "<base href=javascript:x>",
    "<link rel=stylesheet href=javascript:x>",
    "\"><script>x</script>",
    "`<script>x</script>`",
    "```\n<script>x</script>\n```",
    "## Heading\n",
    "**bold** _em_ ~~strike~~",
    "> quote\n",
    "- item\n- item\n",
    "| a | b |\n|---|---|\n| c | d |\n",
    "Footnote[^1].\n\n[^1]: The note.\n",
    "![A still](still.png \"Scene from a film\")\n",
    "<https://example.com>",
    "&amp; &lt; &#x3c; &#60;",
    "\n\n",
    " ",
];

fn markdown() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => proptest::sample::select(FRAGMENTS).prop_map(str::to_string),
        1 => any::<String>(),
        1 => "[<>\"'=&:;/ a-zA-Z0-9\\-\\[\\]()!`*_#\n\t]{0,40}",
    ];
    proptest::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// Every start tag's name and attributes (name, value with entities decoded) in sanitized
/// HTML, which the sanitizer writes well-formed: `<name attr="value" …>`.
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut found = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find('<') {
        rest = &rest[at + 1..];
        if !rest.starts_with(|c: char| c.is_ascii_alphabetic()) {
            continue;
        }
        let end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..end];
        let name_end = tag.find(|c: char| c.is_whitespace() || c == '/').unwrap_or(tag.len());
        let name = tag[..name_end].to_ascii_lowercase();
        let mut attributes = Vec::new();
        let mut text = &tag[name_end..];
        while let Some(eq) = text.find("=\"") {
            let attribute = text[..eq].trim().trim_start_matches('/').to_ascii_lowercase();
            let value_end = text[eq + 2..].find('"').map_or(text.len(), |v| eq + 2 + v);
            let value = text[eq + 2..value_end].replace("&quot;", "\"").replace("&amp;", "&");
            attributes.push((attribute, value));
            text = &text[(value_end + 1).min(text.len())..];
        }
        found.push((name, attributes));
        rest = &rest[end..];
    }
    found
}

/// Problems that would let markup run in a reader's browser.
fn executable(html: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, attributes) in tags(html) {
        if ["script", "iframe", "object", "embed", "style", "base", "meta", "link", "form", "svg", "math"]
            .contains(&name.as_str())
        {
            problems.push(format!("<{name}>"));
        }
        for (attribute, value) in attributes {
            if attribute.starts_with("on") || attribute == "style" || attribute == "formaction" {
                problems.push(format!("{attribute}= on <{name}>"));
            }
            if ["href", "src", "srcset", "action", "xlink:href", "poster", "background"].contains(&attribute.as_str()) {
                let squeezed: String =
                    value.chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect::<String>().to_lowercase();
                for url in squeezed.split(',') {
                    if ["javascript:", "vbscript:", "data:"].iter().any(|scheme| url.starts_with(scheme)) {
                        problems.push(format!("{attribute}=\"{value}\" on <{name}>"));
                    }
                }
            }
        }
    }
    problems
}

fn resolve(url: &str) -> Option<ResponsiveImage> {
    (url == "still.png").then(|| ResponsiveImage {
        src: "/media/ab/still-640.png".into(),
        srcset: "/media/ab/still-320.png 320w, /media/ab/still-640.png 640w".into(),
        modern_srcset: Some("/media/ab/still-320.webp 320w".into()),
        modern_type: "image/webp",
        width: 640,
        height: 360,
    })
}

proptest! {
    #[test]
    fn rendered_markdown_never_carries_executable_markup(text in markdown()) {
        let rendered = render(&text, &resolve);
        let problems = executable(rendered.html.as_str());
        prop_assert!(problems.is_empty(), "{problems:?} in {}", rendered.html.as_str());
        prop_assert!(rendered.words <= text.len());
    }

    #[test]
    fn sanitized_html_never_carries_executable_markup(text in markdown()) {
        let clean = sanitize(&text);
        let problems = executable(clean.as_str());
        prop_assert!(problems.is_empty(), "{problems:?} in {}", clean.as_str());
        // Sanitizing what is already sanitized changes nothing.
        let again = sanitize(clean.as_str());
        prop_assert_eq!(again.as_str(), clean.as_str());
    }

    #[test]
    fn scores_slugs_and_page_numbers_parse_or_refuse_without_panicking(text in ".{0,40}") {
        if let Ok(score) = Score::parse(&text) {
            prop_assert!((0..=100).contains(&score.tenths()));
            prop_assert_eq!(Score::parse(&score.to_string()), Ok(score));
        }
        if let Ok(slug) = Slug::parse(&text) {
            prop_assert_eq!(Slug::parse(slug.as_str()), Ok(slug));
        }
        if let Ok(slug) = Slug::from_text(&text) {
            prop_assert!(slug.as_str().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        }
        if let Some(page) = PageNumber::parse(&text) {
            prop_assert!((1..=i64::from(PageNumber::LAST)).contains(&page.get()));
            prop_assert!(page.offset(i64::MAX) >= 0);
        }
    }

    #[test]
    fn search_terms_snippets_and_corrections_stay_bounded(query in ".{0,300}", text in ".{0,300}") {
        let words = terms(&query);
        prop_assert!(words.len() <= 8);
        prop_assert!(words.iter().all(|w| w.bytes().all(|b| b.is_ascii_alphanumeric())));
        let marked = snippet(&text, &words, 30);
        prop_assert!(!marked.contains("<script"));
        let vocabulary = ["kubrick", "kurosawa", "varda", "tarkovsky"];
        if let Some(word) = words.first() {
            if let Some(fixed) = correct(word, vocabulary) {
                prop_assert!(edit_distance(word, &fixed) <= 2);
            }
        }
    }
}

#[test]
fn the_checker_sees_executable_markup_when_it_is_there() {
    for html in [
        "<script>x</script>",
        "<p onclick=\"x\">a</p>",
        "<a href=\"javascript:x\">a</a>",
        "<a href=\" Java&#09;Script:x\">a</a>".replace("&#09;", "\t").as_str(),
        "<img src=\"data:image/png;base64,AA\">",
        "<img srcset=\"a.png 1x, javascript:x 2x\">",
        "<iframe src=\"x\"></iframe>",
        "<p style=\"x\">a</p>",
    ] {
        assert!(!executable(html).is_empty(), "{html}");
    }
    assert!(executable("<p><a href=\"https://example.com/?a=1&amp;b=2\" rel=\"nofollow\">a</a></p>").is_empty());
}
