//! `marquee export site DIR`: the whole public site as static files any web server or CDN can
//! serve from the root of a domain: every page, feed, sitemap, share image, stylesheet and the
//! image sizes pages use, rendered by the same code that serves them.
//!
//! The export walks the site the way a crawler does, from the home page, the sitemap and the
//! feeds, following every link, so nothing a reader can reach is missed. Page-number links
//! (`/?page=2`) become paths (`/page/2/`). A file is written only when its bytes changed since
//! the last export into DIR, and files the site no longer has are removed (those the last export
//! wrote, listed in `DIR/.marquee-export`); other files in DIR are left alone.

use crate::state::AppState;
use axum::body::{to_bytes, Body};
use axum::http::{header, Request, StatusCode};
use marquee_import::Progress;
use sha2::Digest;
use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower::ServiceExt;

/// The list of files the last export wrote, kept in DIR.
const MANIFEST: &str = ".marquee-export";
/// Requests in flight at once.
const PARALLEL: usize = 8;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Files the site has (pages, feeds, images, assets).
    pub files: usize,
    /// Of those, written because new or changed.
    pub written: usize,
    /// Files of an earlier export that the site no longer has, removed.
    pub removed: usize,
    /// Files the site answered "not modified" for (share images of unchanged reviews), kept as
    /// they were without being drawn again.
    pub reused: usize,
    /// Links to addresses the site does not have (a writer's typo, a page since removed), each
    /// with the page that holds it: the export goes on without them.
    pub warnings: Vec<String>,
    /// The folder held an export of this very content by this very program, whole: nothing was
    /// rendered or written.
    pub current: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} answered {status}")]
    Status { path: String, status: StatusCode },
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io { path: path.to_path_buf(), source }
}

/// Where a site path is written, relative to DIR: pages as `PATH/index.html`, anything else
/// (feeds, images, assets) under its own name.
fn file_for(path: &str, html: bool) -> PathBuf {
    let trimmed = path.trim_start_matches('/');
    if html {
        let mut file = PathBuf::from(trimmed);
        file.push("index.html");
        file
    } else {
        PathBuf::from(trimmed)
    }
}

/// The static path a link names, or `None` when the static site cannot have it (the search,
/// the admin, the API, or a query other than a page number).
fn static_path(link: &str) -> Option<String> {
    let (path, query) = match link.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (link, None),
    };
    let path = path.split('#').next().unwrap_or(path);
    if !path.starts_with('/') || path.starts_with("//") || path.contains("..") {
        return None;
    }
    let dynamic = ["/admin", "/search", "/api", "/healthz", "/readyz", "/metrics"];
    if dynamic.iter().any(|d| path == *d || path.starts_with(&format!("{d}/"))) {
        return None;
    }
    match query {
        // `/years/2009/` (as Hugo and Zola write addresses) is the page at `/years/2009`.
        None => match path.trim_end_matches('/') {
            "" => Some("/".to_string()),
            trimmed => Some(trimmed.to_string()),
        },
        // The theme stylesheet's version only busts caches; a static file has one version.
        Some(_) if path == "/theme.css" => Some(path.to_string()),
        Some(query) => {
            let page: u32 = query.strip_prefix("page=")?.parse().ok()?;
            let base = path.trim_end_matches('/');
            Some(format!("{base}/page/{page}/"))
        }
    }
}

/// The links in an HTML page or XML document (`href`, `src`, `srcset` and `content` values and
/// `<loc>` text), as site paths; and, for HTML, the page with page-number links rewritten to their
/// static paths and, when the site lives below a path of its domain (`prefix`, from the base
/// URL), every link from the domain's root given that path. One pass over the text.
fn links(body: &str, base_url: &str, prefix: &str, html: bool) -> (Vec<String>, Option<String>) {
    let mut found = Vec::new();
    let mut out = String::with_capacity(body.len());
    let mut copied = 0;
    let mut at = 0;
    let bytes = body.as_bytes();
    while let Some(offset) = body[at..].find(['"', '>']) {
        let quote = at + offset;
        at = quote + 1;
        let before = &body[..quote];
        let (srcset, value_end) = if bytes[quote] == b'"' {
            let attribute =
                ["href=", "src=", "srcset=", "content=", "action="].into_iter().find(|a| before.ends_with(a));
            let Some(attribute) = attribute else { continue };
            (attribute == "srcset=", '"')
        } else if before.ends_with("<loc") {
            (false, '<')
        } else {
            continue;
        };
        let Some(length) = body[at..].find(value_end) else { break };
        let value = &body[at..at + length];
        let mut rewritten = String::new();
        let mut changed = false;
        for (i, part) in value.split(',').enumerate().take(if srcset { usize::MAX } else { 1 }) {
            let part = if srcset { part } else { value };
            let trimmed = part.trim();
            let (url, descriptor) = match trimmed.split_once(' ') {
                Some((url, d)) if srcset => (url, format!(" {d}")),
                _ => (trimmed, String::new()),
            };
            let site_path = url.strip_prefix(base_url).filter(|p| p.starts_with('/')).unwrap_or(url);
            let decoded = site_path.replace("&#38;", "&").replace("&amp;", "&");
            let target = static_path(&decoded);
            if target.is_some() {
                found.push(decoded.clone());
            }
            if i > 0 {
                rewritten.push_str(", ");
            }
            // Page-number links become their static paths, and links from the domain's root
            // take the site's path; everything else stays as written.
            let rooted = url.starts_with('/') && !url.starts_with("//");
            match target.filter(|t| html && decoded.contains("?page=") && *t != decoded) {
                Some(target) => {
                    changed = true;
                    let origin = if url.starts_with(base_url) && !base_url.is_empty() { base_url } else { prefix };
                    rewritten.push_str(&format!("{origin}{target}{descriptor}"));
                }
                None if html && rooted && !prefix.is_empty() => {
                    changed = true;
                    rewritten.push_str(&format!("{prefix}{url}{descriptor}"));
                }
                None if srcset => rewritten.push_str(&format!("{url}{descriptor}")),
                None => rewritten.push_str(part),
            }
        }
        if html && changed {
            out.push_str(&body[copied..at]);
            out.push_str(&rewritten);
            copied = at + length;
        }
        at += length;
    }
    out.push_str(&body[copied..]);
    (found, html.then_some(out))
}

/// The path of the domain the site lives below (`https://example.org/films` → `/films`), or
/// nothing when it has a domain of its own.
fn site_prefix(base_url: &str) -> String {
    let after_scheme = base_url.split_once("://").map_or(base_url, |(_, rest)| rest);
    match after_scheme.find('/') {
        Some(at) => after_scheme[at..].trim_end_matches('/').to_string(),
        None => String::new(),
    }
}

/// A path with its `%XX` escapes decoded, as a web server looks for its file.
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (bytes[i], bytes.get(i + 1).copied().and_then(hex), bytes.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The site path a static path was made from (`/page/2/` back to `/?page=2`).
fn request_path(path: &str) -> String {
    if let Some((base, page)) = path.trim_end_matches('/').rsplit_once("/page/") {
        if page.parse::<u32>().is_ok() {
            let base = if base.is_empty() { "/" } else { base };
            return format!("{base}?page={page}");
        }
    }
    path.to_string()
}

struct Fetched {
    path: String,
    status: StatusCode,
    html: bool,
    body: bytes::Bytes,
    etag: Option<String>,
    location: Option<String>,
}

/// Renders a path; `held` is the tag of the file an earlier export wrote for it, which the site
/// may answer with "not modified".
async fn fetch(app: axum::Router, path: String, held: Option<String>) -> Result<Fetched, ExportError> {
    let mut request = Request::get(request_path(&path));
    if let Some(tag) = held.as_deref().and_then(|t| axum::http::HeaderValue::from_str(t).ok()) {
        request = request.header(header::IF_NONE_MATCH, tag);
    }
    let request = request.body(Body::empty()).expect("a path makes a request");
    let response = app.oneshot(request).await.unwrap_or_else(|never| match never {});
    let status = response.status();
    let etag = response.headers().get(header::ETAG).and_then(|v| v.to_str().ok()).map(String::from);
    let location = response.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).map(String::from);
    let html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("text/html"));
    let body = to_bytes(response.into_body(), 256 * 1024 * 1024)
        .await
        .map_err(|e| ExportError::Io { path: PathBuf::from(&path), source: std::io::Error::other(e) })?;
    Ok(Fetched { path, status, html, body, etag, location })
}

/// Where `file` is written before it is renamed into place: beside it under its whole name, as
/// files of one folder (`feed.xml`, `feed.json`) are written at once.
fn partial(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".marquee-partial");
    PathBuf::from(name)
}

/// Writes `bytes` to `file` unless it already holds exactly them; says whether it wrote.
fn write_if_changed(file: &Path, bytes: &[u8]) -> Result<bool, ExportError> {
    put(file, bytes, None)
}

/// Puts `bytes` at `file` unless it holds them already; says whether it wrote. A new file is
/// written in place; one being replaced is written beside it and renamed over it, so a server
/// reading the folder meanwhile sends the old file or the new, never half of one. `kept`, a file
/// holding the same bytes, is hard-linked instead where it can be (the same disk).
fn put(file: &Path, bytes: &[u8], kept: Option<&Path>) -> Result<bool, ExportError> {
    let replacing = match std::fs::read(file) {
        Ok(current) if current == bytes => return Ok(false),
        Ok(_) => true,
        Err(e) => e.kind() != std::io::ErrorKind::NotFound,
    };
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(io(parent))?;
    }
    let target = if replacing { partial(file) } else { file.to_path_buf() };
    if replacing {
        let _ = std::fs::remove_file(&target);
    }
    if kept.is_none_or(|kept| std::fs::hard_link(kept, &target).is_err()) {
        std::fs::write(&target, bytes).map_err(io(&target))?;
    }
    if replacing {
        std::fs::rename(&target, file).map_err(io(file))?;
    }
    Ok(true)
}

#[derive(Clone, Copy, PartialEq)]
enum Outcome {
    Written,
    Unchanged,
    /// Answered "not modified": the file an earlier export wrote stays.
    Reused,
    /// The site has nothing there: no file, and a warning for the page that links to it.
    Missing,
    /// The site sends readers elsewhere (an old address): no file of its own.
    Moved,
}

/// One path exported: its file, the links found in it, and the tag it carries.
struct Exported {
    path: String,
    file: PathBuf,
    found: Vec<String>,
    tag: Option<String>,
    outcome: Outcome,
}

/// Where and how pages are written.
struct Out {
    dir: PathBuf,
    base_url: String,
    /// The path of the domain the site lives below (see `site_prefix`).
    prefix: String,
    /// Where the server keeps share images once drawn (see `share`).
    share_dir: Option<PathBuf>,
}

/// Renders one path and writes its file (unless unchanged or not modified).
async fn export_one(app: axum::Router, out: &Out, path: String, held: Option<String>) -> Result<Exported, ExportError> {
    let page = fetch(app, path, held).await?;
    if page.status == StatusCode::NOT_MODIFIED {
        let file = file_for(&page.path, false);
        return Ok(Exported { path: page.path, file, found: Vec::new(), tag: page.etag, outcome: Outcome::Reused });
    }
    if page.status == StatusCode::NOT_FOUND {
        return Ok(Exported {
            path: page.path,
            file: PathBuf::new(),
            found: Vec::new(),
            tag: None,
            outcome: Outcome::Missing,
        });
    }
    if page.status.is_redirection() {
        let found = page.location.into_iter().collect();
        return Ok(Exported { path: page.path, file: PathBuf::new(), found, tag: None, outcome: Outcome::Moved });
    }
    if page.status != StatusCode::OK {
        return Err(ExportError::Status { path: page.path, status: page.status });
    }
    let text = std::str::from_utf8(&page.body).ok();
    let crawlable = page.html || page.path.ends_with(".xml") || page.path.ends_with(".json");
    let (found, rewritten) = match text.filter(|_| crawlable) {
        Some(text) => links(text, &out.base_url, &out.prefix, page.html),
        None => (Vec::new(), None),
    };
    let file = file_for(&page.path, page.html);
    let tag = page.etag.filter(|_| !page.html);
    let bytes = rewritten.map(String::into_bytes).unwrap_or_else(|| page.body.to_vec());
    // A share image the server keeps is linked, not copied, where the folders share a disk.
    let kept = tag.as_deref().zip(out.share_dir.as_deref()).and_then(|(tag, dir)| crate::share::kept(dir, tag));
    // Written in place: a file of a few kilobytes costs less than a hop to a blocking thread.
    let written = put(&out.dir.join(&file), &bytes, kept.as_deref())?;
    let outcome = if written { Outcome::Written } else { Outcome::Unchanged };
    Ok(Exported { path: page.path, file, found, tag, outcome })
}

/// Exports the public site of `state` into `dir`.
pub async fn export(state: Arc<AppState>, dir: &Path, progress: &dyn Progress) -> Result<Report, ExportError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let manifest = dir.join(MANIFEST);
    let previous = std::fs::read_to_string(&manifest).unwrap_or_default();
    let version = marquee_store::content::version(&state.store)
        .await
        .map_err(|e| ExportError::Io { path: dir.to_path_buf(), source: std::io::Error::other(e) })?;
    let stamp = stamp(&state.config.base_url, version);
    if let Some(report) = stamp.as_deref().and_then(|stamp| still_current(dir, &previous, stamp)) {
        progress.start(0, "site");
        progress.finish();
        return Ok(report);
    }
    let base_url = state.config.base_url.clone();
    let prefix = site_prefix(&base_url);
    // About three files (page, feeds or images) per page the sitemap lists.
    let estimate = marquee_store::reviews::sitemap_rows(&state.store)
        .await
        .map(|r| (r.reviews.len() + r.films.len() + r.people.len() + r.writers.len()) * 3)
        .unwrap_or(0);
    let store = state.store.clone();
    let share_dir = state.config.share_dir.clone();
    // Every page is rendered: read what they show at once rather than page by page.
    state
        .hold_published()
        .await
        .map_err(|e| ExportError::Io { path: dir.to_path_buf(), source: std::io::Error::other(e) })?;
    let app = crate::site_renderer(state);
    progress.start(estimate as u64, "site");

    // What the last export wrote, with the tags of files that have one (`PATH<TAB>TAG`).
    let held: HashMap<PathBuf, String> = listed(&previous)
        .filter_map(|line| line.split_once('\t'))
        .map(|(file, tag)| (PathBuf::from(file), tag.to_string()))
        .filter(|(file, _)| dir.join(file).is_file())
        .collect();
    let mut tags: HashMap<PathBuf, String> = HashMap::new();
    let mut queue: VecDeque<String> =
        ["/", "/sitemap.xml", "/robots.txt", "/feed.xml", "/rss.xml", "/feed.json"].map(String::from).into();
    let mut seen: HashSet<String> = queue.iter().cloned().collect();
    // The page each address was first found on, to say where a broken link is.
    let mut found_on: HashMap<String, String> = HashMap::new();
    let mut files = BTreeSet::new();
    let mut report = Report::default();
    // Up to PARALLEL pages render at once, each a task of its own (so on every core) that also
    // finds its links and writes its file; each one done makes room for the next.
    // Dropped on an error, the set stops the tasks still running.
    let mut rendering = tokio::task::JoinSet::new();
    let out = Arc::new(Out { dir: dir.to_path_buf(), base_url, prefix, share_dir: share_dir.clone() });
    loop {
        while rendering.len() < PARALLEL {
            let Some(path) = queue.pop_front() else { break };
            // Only share images are worth asking about: drawing them is the slow part.
            let tag = path.ends_with("/share.png").then(|| held.get(&file_for(&path, false)).cloned()).flatten();
            let (app, out) = (app.clone(), out.clone());
            rendering.spawn(async move { export_one(app, &out, path, tag).await });
        }
        let Some(done) = rendering.join_next().await else { break };
        let done =
            done.map_err(|e| ExportError::Io { path: dir.to_path_buf(), source: std::io::Error::other(e) })??;
        progress.advance(&done.path);
        for link in done.found {
            if let Some(target) = static_path(&link) {
                if seen.insert(target.clone()) {
                    found_on.insert(target.clone(), done.path.clone());
                    queue.push_back(target);
                }
            }
        }
        match done.outcome {
            Outcome::Reused => report.reused += 1,
            Outcome::Written => report.written += 1,
            Outcome::Unchanged => {}
            Outcome::Missing => {
                let page = found_on.get(&done.path).map_or("the site", String::as_str);
                report.warnings.push(format!("{page}: a link to {}, which is not on the site", done.path));
                continue;
            }
            Outcome::Moved => continue,
        }
        if let Some(tag) =
            done.tag.or_else(|| (done.outcome == Outcome::Reused).then(|| held.get(&done.file).cloned()).flatten())
        {
            tags.insert(done.file.clone(), tag);
        }
        files.insert(done.file);
    }
    let Out { base_url, prefix, .. } = Arc::into_inner(out).expect("every page task has ended");
    report.warnings.sort();

    // Old addresses of reviews (from the site they came from): a page at each that sends the
    // reader on, unless the site has a page there itself.
    let moved = marquee_store::redirects::published(&store)
        .await
        .map_err(|e| ExportError::Io { path: dir.to_path_buf(), source: std::io::Error::other(e) })?;
    for (old, target) in moved {
        // WordPress's `/?p=55` names no file: a static server answers it with the home page.
        if old.contains('?') {
            continue;
        }
        let file = file_for(&percent_decoded(&old), true);
        let safe = file.components().all(|c| matches!(c, std::path::Component::Normal(_)));
        if !safe || files.contains(&file) {
            continue;
        }
        let canonical = format!("{base_url}{target}");
        let target = format!("{prefix}{target}");
        let html = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Moved</title>\
             <link rel=\"canonical\" href=\"{canonical}\">\
             <meta http-equiv=\"refresh\" content=\"0; url={target}\"></head>\
             <body><p>This is now at <a href=\"{target}\">{target}</a>.</p></body></html>\n"
        );
        if write_if_changed(&dir.join(&file), html.as_bytes())? {
            report.written += 1;
        }
        files.insert(file);
    }

    // The 404 page, for servers told to use it.
    let missing = fetch(app.clone(), "/this-page-does-not-exist".into(), None).await?;
    let (_, not_found) = links(std::str::from_utf8(&missing.body).unwrap_or(""), &base_url, &prefix, true);
    if write_if_changed(&dir.join("404.html"), not_found.unwrap_or_default().as_bytes())? {
        report.written += 1;
    }
    files.insert(PathBuf::from("404.html"));
    progress.finish();

    // What the last export wrote and the site no longer has goes.
    {
        for line in listed(&previous) {
            let old = PathBuf::from(line.split('\t').next().unwrap_or(line));
            let safe = old.components().all(|c| matches!(c, std::path::Component::Normal(_)));
            if safe && !files.contains(&old) && std::fs::remove_file(dir.join(&old)).is_ok() {
                report.removed += 1;
            }
        }
    }
    let mut listing: String = stamp.map(|stamp| format!("{stamp}\n")).unwrap_or_default();
    for warning in &report.warnings {
        listing.push_str(&format!("{WARNING}{warning}\n"));
    }
    for file in &files {
        match tags.get(file) {
            Some(tag) => listing.push_str(&format!("{}\t{tag}\n", file.display())),
            None => listing.push_str(&format!("{}\n", file.display())),
        }
    }
    write_if_changed(&manifest, listing.as_bytes())?;
    report.files = files.len();
    Ok(report)
}

/// How the manifest marks its first line, what the export was made from; and a warning.
const STAMP: &str = "# marquee export of ";
const WARNING: &str = "! ";

/// What an export is made from: this program (a digest of its own bytes, so any other build,
/// with other templates, renders again), the site's address and the content version, which
/// every change to what pages show moves. `None` when the program cannot read itself.
fn stamp(base_url: &str, version: i64) -> Option<String> {
    static PROGRAM: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let program = PROGRAM.get_or_init(|| {
        let bytes = std::fs::read(std::env::current_exe().ok()?).ok()?;
        let digest = sha2::Sha256::digest(&bytes);
        Some(digest[..12].iter().map(|b| format!("{b:02x}")).collect())
    });
    Some(format!("{STAMP}{base_url} by program {} at content version {version}", program.as_ref()?))
}

/// The files a manifest lists, each `PATH` or `PATH<TAB>TAG`.
fn listed(manifest: &str) -> impl Iterator<Item = &str> {
    manifest.lines().filter(|l| !l.is_empty() && !l.starts_with(STAMP) && !l.starts_with(WARNING))
}

/// The report of the export already in `dir`, when it was made from what an export would be made
/// from now (`stamp`) and every file it lists is still there: nothing to do.
fn still_current(dir: &Path, manifest: &str, stamp: &str) -> Option<Report> {
    if manifest.lines().next() != Some(stamp) {
        return None;
    }
    let mut files = 0;
    for line in listed(manifest) {
        let file = line.split('\t').next().unwrap_or(line);
        if !dir.join(file).is_file() {
            return None;
        }
        files += 1;
    }
    let warnings = manifest.lines().filter_map(|l| l.strip_prefix(WARNING)).map(String::from).collect();
    Some(Report { files, warnings, current: true, ..Report::default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_numbers_become_paths_and_dynamic_pages_stay_out() {
        assert_eq!(static_path("/?page=2").as_deref(), Some("/page/2/"));
        assert_eq!(static_path("/genres/drama?page=3").as_deref(), Some("/genres/drama/page/3/"));
        assert_eq!(static_path("/theme.css?v=123").as_deref(), Some("/theme.css"));
        assert_eq!(static_path("/reviews/x#verdict").as_deref(), Some("/reviews/x"));
        for dynamic in [
            "/search?q=x",
            "/admin",
            "/admin/login",
            "/api/v1/reviews",
            "//evil.example/x",
            "https://x.org/",
            "/a/../b",
        ] {
            assert_eq!(static_path(dynamic), None, "{dynamic}");
        }
        assert_eq!(request_path("/page/2/"), "/?page=2");
        assert_eq!(request_path("/genres/drama/page/3/"), "/genres/drama?page=3");
        assert_eq!(request_path("/reviews/page-one"), "/reviews/page-one");
        assert_eq!(percent_decoded("/caf%C3%A9/%41b%2"), "/café/Ab%2");
        assert_ne!(partial(Path::new("t/feed.xml")), partial(Path::new("t/feed.json")));
    }

    #[test]
    fn links_are_found_and_page_links_rewritten() {
        let html = r#"<a href="/?page=2">Next</a><img src="/media/a/320.png" srcset="/media/a/320.png 320w, /media/a/640.png 640w"><meta property="og:image" content="https://site.example/reviews/x/share.png"><a href="/search?q=x">s</a>"#;
        let (found, rewritten) = links(html, "https://site.example", "", true);
        assert_eq!(
            found,
            ["/?page=2", "/media/a/320.png", "/media/a/320.png", "/media/a/640.png", "/reviews/x/share.png"]
        );
        let rewritten = rewritten.unwrap();
        assert!(rewritten.contains(r#"<a href="/page/2/">Next</a>"#), "{rewritten}");
        assert!(rewritten.contains(r#"srcset="/media/a/320.png 320w, /media/a/640.png 640w""#), "{rewritten}");
        assert!(rewritten.contains(r#"content="https://site.example/reviews/x/share.png""#));
        let (locs, _) = links("<loc>https://site.example/films/a</loc>", "https://site.example", "", false);
        assert_eq!(locs, ["/films/a"]);
    }

    #[test]
    fn below_a_path_every_link_from_the_root_takes_it() {
        assert_eq!(site_prefix("https://site.example"), "");
        assert_eq!(site_prefix("https://site.example/"), "");
        assert_eq!(site_prefix("https://example.org/critic/films/"), "/critic/films");
        let base = "https://example.org/films";
        let html = r##"<a href="/reviews/x">x</a><a href="/?page=2">Next</a><img src="/media/a/320.png" srcset="/media/a/320.png 320w, /media/a/640.png 640w"><form action="/search"><a href="https://other.example/">o</a><a href="https://example.org/films/feed.xml">f</a><a href="#main">m</a>"##;
        let (found, rewritten) = links(html, base, "/films", true);
        assert_eq!(found[..2], ["/reviews/x".to_string(), "/?page=2".to_string()], "found as site paths");
        let rewritten = rewritten.unwrap();
        for expected in [
            r#"href="/films/reviews/x""#,
            r#"href="/films/page/2/""#,
            r#"src="/films/media/a/320.png""#,
            r#"srcset="/films/media/a/320.png 320w, /films/media/a/640.png 640w""#,
            r#"action="/films/search""#,
            r#"href="https://other.example/""#,
            r#"href="https://example.org/films/feed.xml""#,
            r##"href="#main""##,
        ] {
            assert!(rewritten.contains(expected), "{expected} in {rewritten}");
        }
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;

    proptest::proptest! {
        #[test]
        fn any_page_yields_links_that_stay_inside_the_site(body in ".{0,400}", prefix in "(/[a-z]{1,5}){0,2}") {
            let (found, rewritten) = links(&body, "https://site.example", &prefix, true);
            for link in found {
                if let Some(path) = static_path(&link) {
                    proptest::prop_assert!(path.starts_with('/') && !path.starts_with("//") && !path.contains(".."));
                    let file = file_for(&path, true);
                    proptest::prop_assert!(file.components().all(|c| matches!(c, std::path::Component::Normal(_))));
                }
            }
            proptest::prop_assert!(rewritten.is_some());
            let _ = request_path(&body);
            let _ = percent_decoded(&body);
        }
    }
}
