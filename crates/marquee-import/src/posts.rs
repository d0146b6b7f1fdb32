//! What blog exports share on the way in: every post and page, each taken for what it is (a
//! review where it is one, an article otherwise, a page as a page), written as a Markdown page
//! bundle in the import contract and brought in by the Markdown importer, so one path checks,
//! stores images, writes in one transaction and recognises what an earlier import brought.
//!
//! A post is a review when a category or tag says so ("Review", "Reviews", "Film reviews"…),
//! when its title names a film and year ("Heat (1995)"), when a review plugin gave it a score,
//! or when its title is the title of exactly one film in the catalogue. A post that looks like a
//! review but names no film that can be found becomes an article, with a warning: nothing is
//! dropped.

use crate::markdown::{import_dir, Options as MarkdownOptions};
use crate::{FileProblem, ImportError, Progress, Summary};
use marquee_core::Slug;
use marquee_media::MediaStore;
use marquee_store::Store;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use toml::{Table, Value};

/// How a blog export (WordPress, Ghost) is imported.
#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub dry_run: bool,
    /// Leave out posts with problems (reported in the summary) instead of stopping.
    pub skip_bad: bool,
}

/// A blog post as the exporters read it.
#[derive(Debug, Default, Clone)]
pub struct Post {
    /// Where the post sits in the export (a line, or an id), for messages.
    pub line: usize,
    pub title: String,
    pub author: Option<String>,
    pub slug: Option<String>,
    pub tags: Vec<String>,
    /// RFC 3339.
    pub date: Option<String>,
    pub updated: Option<String>,
    pub draft: bool,
    pub summary: Option<String>,
    /// Out of 10, or stars out of 5.
    pub score: Option<f64>,
    pub stars: Option<f64>,
    /// The featured image: a file found beside the export, or a URL.
    pub poster: Option<Image>,
    /// HTML (or Markdown); `<img>` sources that are files beside the export are given by `local`.
    pub body: String,
    /// The post's address on the old site, answered with a redirect to where it is now.
    pub old_address: Option<String>,
    /// Other addresses the old site answered for it (WordPress's `/?p=55`).
    pub aliases: Vec<String>,
    /// A page (About, Contact), not a post.
    pub page: bool,
    /// Why readers of the old site could not all read it ("password-protected", "for members
    /// only"): such a post arrives as a draft, for its owner to decide.
    pub restricted: Option<String>,
}

/// What a post is taken for.
#[derive(Clone, Debug, PartialEq)]
pub enum Taken {
    Review { film: String, year: i32 },
    Article,
    Page,
}

impl Taken {
    fn describe(&self) -> String {
        match self {
            Taken::Review { film, year } => format!("a review of {film} ({year})"),
            Taken::Article => "an article".into(),
            Taken::Page => "a page".into(),
        }
    }
}

/// Whether a category or tag marks its posts as reviews.
pub fn marks_review(name: &str) -> bool {
    let name = name.trim().to_lowercase();
    let name = name.trim_start_matches("film ").trim_start_matches("movie ");
    matches!(name, "review" | "reviews" | "critique" | "critiques")
}

/// A title without what blogs put around a film's name ("Review: …", "… review").
fn bare_title(title: &str) -> &str {
    let mut name = title.trim();
    for prefix in ["Film review:", "Movie review:", "Review:", "REVIEW:", "Review -", "Review –"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            name = rest.trim();
        }
    }
    for suffix in [" review", " Review"] {
        if let Some(rest) = name.strip_suffix(suffix) {
            name = rest.trim();
        }
    }
    name.trim_matches(|c: char| c == '“' || c == '”' || c == '"' || c == '‘' || c == '’' || c == '\'')
}

/// What an earlier import took this post for, found by its own slug.
async fn earlier_kind(store: &Store, post: &Post) -> Result<Option<Taken>, ImportError> {
    let Some(slug) = post.slug.as_deref().filter(|s| Slug::parse(s).is_ok() && !post.page) else { return Ok(None) };
    if let Some((film, Some(year))) = marquee_store::reviews::film_of_slug(store, slug).await? {
        return Ok(Some(Taken::Review { film, year }));
    }
    let article = marquee_store::posts::slug_in_use(store, marquee_core::PostKind::Article, slug).await?;
    Ok(article.then_some(Taken::Article))
}

/// What a post is, given the film of the catalogue its title alone names (when exactly one);
/// the warning says why a post that looks like a review is taken for an article.
pub fn classify(post: &Post, catalogue: Option<(String, i32)>) -> (Taken, Option<String>) {
    if post.page {
        return (Taken::Page, None);
    }
    if let Some((film, year)) = film_of(&post.title) {
        return (Taken::Review { film, year }, None);
    }
    let marked = post.tags.iter().any(|t| marks_review(t)) || post.score.is_some() || post.stars.is_some();
    match catalogue {
        Some((film, year)) => (Taken::Review { film, year }, None),
        None if marked => (
            Taken::Article,
            Some(format!(
                "looks like a review, but its title names no film that can be found (no year, and no single film \
                 of the catalogue is called \"{}\"): taken for an article. To have it as a review, add the film \
                 (marquee import imdb --all fills the catalogue), delete the article and import again",
                bare_title(&post.title)
            )),
        ),
        None => (Taken::Article, None),
    }
}

#[derive(Debug, Clone)]
pub enum Image {
    File(PathBuf),
    Url(String),
}

/// The film a post's title names: "Heat (1995)", "Review: Heat (1995)", "Heat (1995) review".
pub fn film_of(title: &str) -> Option<(String, i32)> {
    let open = title.rfind('(')?;
    let close = open + title[open..].find(')')?;
    let year = marquee_core::Year::new(title[open + 1..close].trim().parse().ok()?).ok()?.get();
    let mut name = title[..open].trim();
    for prefix in ["Film review:", "Movie review:", "Review:", "REVIEW:", "Review -", "Review –"] {
        if let Some(rest) = name.strip_prefix(prefix) {
            name = rest.trim();
        }
    }
    let name = name.trim_matches(|c: char| c == '“' || c == '”' || c == '"' || c == '‘' || c == '’' || c == '\'');
    (!name.is_empty()).then(|| (name.to_string(), year))
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

/// `[caption …]<img …> Text[/caption]` (WordPress) as an image with its caption; `<img>` tags
/// whose files travel with the review as Markdown images; everything else as written.
pub fn images(html: &str, local: &mut dyn FnMut(&str) -> Option<String>) -> String {
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

/// Text without its tags, spaces collapsed.
pub fn strip_tags(html: &str) -> String {
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

fn extension_of(file: &Path) -> &str {
    file.extension().and_then(|e| e.to_str()).unwrap_or("jpg")
}

/// The address a post gets: its own slug, or one made from its title (a review's from its film);
/// a page never takes the name of a part of the site, and two posts of the export never share
/// one (`used`, by kind): the later is numbered.
fn slug_for(post: &Post, taken: &Taken, used: &mut HashSet<(u8, Slug)>) -> Slug {
    let own = post.slug.as_deref().and_then(|s| Slug::parse(s).ok());
    let (kind, made) = match taken {
        Taken::Review { film, year } => (0, Slug::for_film(film, *year)),
        Taken::Article => (1, Slug::from_text(&post.title)),
        Taken::Page => (2, Slug::from_text(&post.title)),
    };
    let fallback = || Slug::parse(if kind == 2 { "page" } else { "post" }).expect("a slug");
    let mut slug = own.or(made.ok()).unwrap_or_else(fallback);
    if kind == 2 && !marquee_core::post::page_slug_is_free(slug.as_str()) {
        slug = slug.suffixed("page");
    }
    let base = slug.clone();
    let mut n = 2;
    while !used.insert((kind, slug.clone())) {
        slug = base.suffixed(&n.to_string());
        n += 1;
    }
    slug
}

/// Writes one post as `dir/post-N/index.md` with its images, as what it is taken for.
fn bundle(
    dir: &Path,
    n: usize,
    post: &Post,
    taken: &Taken,
    slug: &Slug,
    local: &dyn Fn(&str) -> Option<PathBuf>,
) -> Result<PathBuf, String> {
    let folder = dir.join(format!("post-{n}"));
    std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
    let mut front = Table::new();
    let text = |value: &str| Value::String(value.to_string());
    match taken {
        Taken::Review { film, year } => {
            front.insert("title".into(), text(film));
            front.insert("year".into(), Value::Integer(i64::from(*year)));
            let bare = bare_title(&post.title);
            if film_of(&post.title).is_none() && !bare.eq_ignore_ascii_case(film) && !bare.is_empty() {
                front.insert("headline".into(), text(&post.title));
            }
        }
        Taken::Article | Taken::Page => {
            front.insert("type".into(), text(if *taken == Taken::Page { "page" } else { "article" }));
            let title = if post.title.trim().is_empty() { format!("Untitled {n}") } else { post.title.clone() };
            front.insert("title".into(), text(&title));
        }
    }
    if let Some(author) = post.author.as_deref().filter(|a| !a.is_empty()) {
        front.insert("author".into(), text(author));
    }
    front.insert("slug".into(), text(slug.as_str()));
    // The tags that marked a review are not kept on it: every review would carry them.
    let tags: Vec<&String> = match taken {
        Taken::Review { .. } => post.tags.iter().filter(|t| !marks_review(t)).collect(),
        Taken::Article => post.tags.iter().collect(),
        Taken::Page => Vec::new(),
    };
    if !tags.is_empty() {
        front.insert("tags".into(), Value::Array(tags.iter().map(|t| text(t)).collect()));
    }
    let mut aliases: Vec<String> = Vec::new();
    for address in post.old_address.iter().chain(&post.aliases) {
        if let Some(path) = marquee_store::redirects::normalize(address).filter(|p| !aliases.contains(p)) {
            aliases.push(path);
        }
    }
    if !aliases.is_empty() {
        front.insert("aliases".into(), Value::Array(aliases.iter().map(|a| text(a)).collect()));
    }
    for (key, value) in [("date", &post.date), ("updated", &post.updated), ("summary", &post.summary)] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            front.insert(key.into(), text(value));
        }
    }
    if post.draft {
        front.insert("draft".into(), Value::Boolean(true));
    }
    let review = matches!(taken, Taken::Review { .. });
    if let (true, Some(score)) = (review, post.score) {
        front.insert("score".into(), Value::Float(score));
    } else if let (true, Some(stars)) = (review, post.stars) {
        front.insert("rating".into(), Value::Float(stars));
    }
    // A review's featured image is its film's poster; an article's leads its text.
    let mut lead = String::new();
    match &post.poster {
        Some(Image::File(file)) => {
            let name = format!("poster.{}", extension_of(file));
            std::fs::copy(file, folder.join(&name)).map_err(|e| e.to_string())?;
            if review {
                front.insert("poster".into(), text(&name));
            } else {
                lead = format!("![]({name})\n\n");
            }
        }
        Some(Image::Url(url)) if review => {
            front.insert("poster".into(), text(url));
        }
        Some(Image::Url(url)) => lead = format!("![]({url})\n\n"),
        None => {}
    }
    if *taken == Taken::Page {
        front.remove("summary");
    } else if !review {
        if let Some(summary) = front.remove("summary") {
            front.insert("standfirst".into(), summary);
        }
    }
    let mut copied = 0;
    let mut failed = None;
    let body = images(&post.body, &mut |url: &str| {
        let file = local(url)?;
        copied += 1;
        let name = format!("image-{copied}.{}", extension_of(&file));
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
    std::fs::write(&file, format!("+++\n{toml}+++\n{lead}{body}\n")).map_err(|e| e.to_string())?;
    Ok(file)
}

/// The folder an export sits in: the only place its images are looked for.
pub(crate) fn folder_of(export: &Path) -> Result<crate::confine::Folder, ImportError> {
    let dir = match export.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    crate::confine::Folder::new(dir).map_err(|source| ImportError::Io { path: dir.to_path_buf(), source })
}

/// Imports `posts` read from `export`; `local` finds an image URL's file beside the export.
pub async fn import_posts(
    store: &Store,
    media: &MediaStore,
    export: &Path,
    posts: &[Post],
    local: &(dyn Fn(&str) -> Option<PathBuf> + Sync),
    options: Options,
    progress: &dyn Progress,
) -> Result<Summary, ImportError> {
    let work = tempfile::tempdir().map_err(|source| ImportError::Io { path: std::env::temp_dir(), source })?;
    let mut skipped = Vec::new();
    let mut warnings = Vec::new();
    let mut taken_as = Vec::new();
    let mut used = HashSet::new();
    let mut origins: HashMap<PathBuf, (usize, String)> = HashMap::new();
    let catalogue_titles: Vec<String> = posts
        .iter()
        .filter(|p| !p.page && film_of(&p.title).is_none())
        .map(|p| bare_title(&p.title).to_string())
        .collect();
    let catalogue = marquee_store::films::single_films_titled(store, &catalogue_titles).await?;
    for (n, post) in posts.iter().enumerate() {
        let found = catalogue.get(bare_title(&post.title)).cloned();
        // A post imported before stays what it was taken for then, whatever the catalogue
        // holds now: a second import never leaves a review and an article of the same post.
        let (taken, warning) = match earlier_kind(store, post).await? {
            Some(taken) => (taken, None),
            None => classify(post, found),
        };
        let mut post = post.clone();
        if let Some(restricted) = post.restricted.as_deref().filter(|_| !post.draft) {
            let message = format!("\"{}\" was {restricted} on the old site: imported as a draft", post.title);
            warnings.push(FileProblem::new(export, Some(post.line), None, message));
            post.draft = true;
        }
        let post = &post;
        if let Some(warning) = warning {
            warnings.push(FileProblem::new(
                export,
                Some(post.line),
                Some("title"),
                format!("\"{}\" {warning}", post.title),
            ));
        }
        taken_as.push(format!(
            "line {}: \"{}\" → {}{}",
            post.line,
            post.title,
            taken.describe(),
            if post.draft { " (draft)" } else { "" }
        ));
        let slug = slug_for(post, &taken, &mut used);
        match bundle(work.path(), n, post, &taken, &slug, local) {
            Ok(file) => {
                origins.insert(file, (post.line, post.title.clone()));
            }
            Err(reason) => skipped.push(FileProblem::new(export, Some(post.line), None, reason)),
        }
    }
    // Problems point at the export's posts, not at the bundles made from them.
    let place = |problem: FileProblem| -> FileProblem {
        match origins.get(&problem.file) {
            Some((line, title)) => {
                let mut problem = problem;
                problem.problem.message = format!("(post \"{title}\") {}", problem.problem.message);
                problem.problem.line = Some(*line);
                FileProblem { file: export.to_path_buf(), ..problem }
            }
            None => FileProblem { file: export.to_path_buf(), ..problem },
        }
    };
    let markdown = MarkdownOptions { dry_run: options.dry_run, skip_bad: options.skip_bad };
    let mut summary = match import_dir(store, media, work.path(), markdown, progress).await {
        Ok(summary) => summary,
        Err(ImportError::BadFiles(problems)) => {
            return Err(ImportError::BadFiles(problems.into_iter().map(place).collect()))
        }
        Err(other) => return Err(other),
    };
    summary.warnings = summary.warnings.into_iter().map(place).chain(warnings).collect();
    summary.taken = taken_as;
    summary.skipped = summary.skipped.into_iter().map(place).chain(skipped).collect();
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
    fn posts_get_addresses_of_their_own_that_pages_never_take_from_the_site() {
        let mut used = HashSet::new();
        let post = |title: &str, slug: Option<&str>| Post {
            title: title.into(),
            slug: slug.map(String::from),
            ..Post::default()
        };
        let films = post("Films", None);
        assert_eq!(slug_for(&films, &Taken::Page, &mut used).as_str(), "films-page");
        let draft = post("Untitled", Some(""));
        assert_eq!(slug_for(&draft, &Taken::Article, &mut used).as_str(), "untitled");
        assert_eq!(slug_for(&draft, &Taken::Article, &mut used).as_str(), "untitled-2", "a second draft of the title");
        assert_eq!(slug_for(&draft, &Taken::Page, &mut used).as_str(), "untitled", "pages and articles apart");
        let heat = post("My favourite film", Some("heat"));
        let review = Taken::Review { film: "Heat".into(), year: 1995 };
        assert_eq!(slug_for(&heat, &review, &mut used).as_str(), "heat");
        assert_eq!(slug_for(&post("Heat (1995)", None), &review, &mut used).as_str(), "heat-1995");
    }

    #[test]
    fn review_markers_and_classification() {
        assert!(marks_review("Reviews") && marks_review("film review") && marks_review("Movie Reviews"));
        assert!(!marks_review("Review roundups") && !marks_review("Essays"));
        let tagged = Post { title: "Close-Up".into(), tags: vec!["Review".into()], ..Post::default() };
        assert_eq!(
            classify(&tagged, Some(("Close-Up".into(), 1990))).0,
            Taken::Review { film: "Close-Up".into(), year: 1990 }
        );
        let (taken, warning) = classify(&tagged, None);
        assert_eq!(taken, Taken::Article);
        assert!(warning.unwrap().contains("taken for an article"));
        let essay = Post { title: "On silence".into(), ..Post::default() };
        assert_eq!(classify(&essay, None), (Taken::Article, None));
        let page = Post { title: "About".into(), page: true, ..Post::default() };
        assert_eq!(classify(&page, None).0, Taken::Page);
    }

    #[test]
    fn captions_become_figures_or_captioned_images() {
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
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::fuzzing::text_of;
    use proptest::prelude::*;

    const PIECES: &[&str] = &[
        "[caption id=\"a\"]",
        "[/caption]",
        "<img src=\"a.jpg\" alt=\"A\">",
        "<img src='b.png'>",
        "<img",
        ">",
        "Heat (1995)",
        "(",
        ")",
        "2001",
        "<p>",
        "</p>",
        "<script>x</script>",
        "&amp;",
        "\"",
    ];

    proptest! {
        #[test]
        fn any_post_is_taken_for_something_with_an_address_of_its_own(
            title in text_of(PIECES, 12),
            slug in proptest::option::of(".{0,130}"),
            tags in proptest::collection::vec(".{0,20}", 0..3),
            page in any::<bool>(),
            known in any::<bool>(),
        ) {
            let post = Post { title: title.clone(), slug, tags, page, ..Post::default() };
            let catalogue = known.then(|| (bare_title(&title).to_string(), 1999));
            let (taken, _) = classify(&post, catalogue.filter(|(t, _)| !t.is_empty()));
            let mut used = HashSet::new();
            let first = slug_for(&post, &taken, &mut used);
            let second = slug_for(&post, &taken, &mut used);
            prop_assert!(Slug::parse(first.as_str()).is_ok() && Slug::parse(second.as_str()).is_ok());
            prop_assert_ne!(first.clone(), second, "two posts of an export never share an address");
            if taken == Taken::Page {
                prop_assert!(marquee_core::post::page_slug_is_free(first.as_str()));
            }
        }

        #[test]
        fn post_bodies_and_titles_are_read_never_a_panic(text in text_of(PIECES, 30)) {
            let _ = images(&text, &mut |url| (!url.is_empty()).then(|| "image-1.jpg".to_string()));
            let _ = strip_tags(&text);
            if let Some((title, year)) = film_of(&text) {
                prop_assert!(!title.is_empty());
                prop_assert!(marquee_core::Year::new(year.into()).is_ok());
            }
        }
    }
}
