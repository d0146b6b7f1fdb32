//! `marquee import markdown DIR`: a folder of Markdown reviews, articles and pages with front
//! matter (Hugo and Zola sites, page bundles included), images beside them brought into the
//! media store. A file's `type` says what it is (`review` by default); files in a section folder
//! of articles (`posts`, `articles`, `essays`, `news`) that name no film's year are articles.

use crate::confine::{Folder, Lookup};
use crate::frontmatter::{self, FilmRef, PostSource, Problem, ReviewSource};
use crate::{FileProblem, ImportError, Progress, Summary};
use marquee_core::markdown::{self as md, ResponsiveImage};
use marquee_core::{Department, PostKind, ReviewStatus, Slug, StoredImage};
use marquee_media::MediaStore;
use marquee_store::films::{self, CreditInput, FilmInput, PictureInput};
use marquee_store::{media, posts, reviews, Store};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Who a review is credited to when its file names no author.
pub const DEFAULT_AUTHOR: &str = "Staff";

/// Bumped whenever rendering changes, so unchanged files are rendered again on the next import.
const RENDER_VERSION: &str = "1";

/// A file read and checked: what the import keeps of it until it writes it.
struct Checked {
    file: PathBuf,
    /// An article or page; a review when `None`.
    kind: Option<PostKind>,
    slug: Slug,
    fingerprint: String,
}

/// A file read and checked, with its images already in the media store, ready to write.
struct Prepared {
    file: PathBuf,
    source: ReviewSource,
    /// What an article or page file holds (its `source` is then empty).
    post: Option<PostSource>,
    body: String,
    slug: Slug,
    poster: Option<Picture>,
    backdrop: Option<Picture>,
    /// Body image destinations found on disk, with the images they were stored as.
    body_images: Vec<(String, Stored)>,
    fingerprint: String,
}

enum Picture {
    Stored(Stored),
    Url(String),
}

/// Where an image reference points.
enum ImageSource {
    File(PathBuf),
    Url(String),
}

struct Stored {
    image: StoredImage,
    byte_size: u64,
    name: String,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub dry_run: bool,
    /// Leave out files with problems (reported in the summary) instead of stopping.
    pub skip_bad: bool,
}

/// Imports every `*.md` under `dir` (section pages `_index.md` and hidden folders excepted).
/// Every file is read and checked, and its images stored, before one transaction writes them
/// all; a problem anywhere leaves the store as it was.
pub async fn import_dir(
    store: &Store,
    media_store: &MediaStore,
    dir: &Path,
    options: Options,
    progress: &dyn Progress,
) -> Result<Summary, ImportError> {
    let boundary = boundary_of(dir);
    let folder = Folder::new(boundary).map_err(|source| ImportError::Io { path: boundary.to_path_buf(), source })?;
    let mut summary = Summary::default();
    // A file reached through a link that leads out of the folder is not read.
    let (files, elsewhere): (Vec<PathBuf>, Vec<PathBuf>) =
        markdown_files(dir)?.into_iter().partition(|file| folder.found(file).is_some());
    for file in elsewhere {
        let problem = problem(None, None, "a link to a file outside the imported folder: skipped");
        summary.warnings.push(FileProblem { file, problem });
    }
    // First every file is read and checked (its images stored); only what identifies it is
    // kept, so memory does not grow with the folder. The transaction then reads each again.
    let mut problems = Vec::new();
    let mut checked = Vec::new();
    let mut slugs: HashMap<(Option<PostKind>, Slug), PathBuf> = HashMap::new();
    progress.start(files.len() as u64, "reading");
    for file in &files {
        progress.advance(&file.display().to_string());
        match prepare(&folder, dir, file, media_store, options).await {
            Ok((item, warnings)) => {
                let at = |problem| FileProblem { file: file.clone(), problem };
                summary.warnings.extend(warnings.into_iter().map(at));
                let Some(item) = item else { continue };
                let kind = item.post.as_ref().map(|p| p.kind);
                if let Some(other) = slugs.insert((kind, item.slug.clone()), file.clone()) {
                    problems.push(at(problem(
                        None,
                        Some("slug"),
                        format!("\"{}\" is also the slug of {}", item.slug, other.display()),
                    )));
                }
                checked.push(Checked { file: item.file, kind, slug: item.slug, fingerprint: item.fingerprint });
            }
            Err(errors) => {
                problems.extend(errors.into_iter().map(|problem| FileProblem { file: file.clone(), problem }))
            }
        }
    }
    progress.finish();
    if !problems.is_empty() {
        if !options.skip_bad {
            return Err(ImportError::BadFiles(problems));
        }
        let bad: std::collections::HashSet<&Path> = problems.iter().map(|p| p.file.as_path()).collect();
        checked.retain(|item| !bad.contains(item.file.as_path()));
        summary.skipped = problems;
    }

    // Reviews first: an article names films that reviews in the same folder bring.
    checked.sort_by_key(|item| item.kind.is_some());
    let mut tx = store.begin().await?;
    let mut batch = marquee_store::Batch::default();
    progress.start(checked.len() as u64, "importing");
    for item in &checked {
        progress.advance(&item.file.display().to_string());
        let existing = match item.kind {
            Some(kind) => posts::import_state(&mut tx, kind, &item.slug).await?,
            None => reviews::import_state(&mut tx, &item.slug).await?,
        };
        match &existing {
            Some(state) if state.source_hash.as_deref() == Some(item.fingerprint.as_str()) => {
                summary.unchanged += 1;
                continue;
            }
            Some(_) => summary.updated += 1,
            None => summary.created += 1,
        }
        if !options.dry_run {
            let changed = |message: &str| {
                let problem = problem(None, None, message);
                ImportError::BadFiles(vec![FileProblem { file: item.file.clone(), problem }])
            };
            let prepared = match prepare(&folder, dir, &item.file, media_store, options).await {
                Ok((Some(prepared), _)) if prepared.fingerprint == item.fingerprint => prepared,
                _ => return Err(changed("changed while it was being imported; nothing was written, import again")),
            };
            let kept_published_at = existing.and_then(|state| state.published_at);
            let written = match &prepared.post {
                Some(post) => {
                    write_post(&mut tx, &prepared, post, kept_published_at, &mut batch).await.map(|missing| {
                        for film in missing {
                            let message = format!("{film} is not in the catalogue: left out of the article's films");
                            let problem = problem(None, Some("films"), message);
                            summary.warnings.push(FileProblem { file: item.file.clone(), problem });
                        }
                    })
                }
                None => write(&mut tx, &prepared, kept_published_at, &mut batch).await,
            };
            written.map_err(|e| changed(&format!("could not be written: {e}")))?;
        }
    }
    progress.finish();
    progress.start(1, "indexing for search");
    batch.finish(&mut tx).await?;
    progress.finish();
    if options.dry_run {
        tx.rollback().await.map_err(marquee_store::Error::from)?;
    } else {
        tx.commit().await.map_err(marquee_store::Error::from)?;
    }
    Ok(summary)
}

/// The folder an import of `dir` may read files from: `dir` itself, or the site around it when
/// it is a Hugo or Zola site's `content` folder (whose `static` folder is beside it).
fn boundary_of(dir: &Path) -> &Path {
    match (dir.file_name(), dir.parent()) {
        (Some(name), Some(parent)) if name == "content" && !parent.as_os_str().is_empty() => parent,
        _ => dir,
    }
}

fn markdown_files(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    if !dir.is_dir() {
        return Err(ImportError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
        });
    }
    let mut files = Vec::new();
    let walk = WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| entry.depth() == 0 || !entry.file_name().to_string_lossy().starts_with('.'));
    for entry in walk {
        let entry = entry.map_err(|e| ImportError::Io {
            path: e.path().unwrap_or(dir).to_path_buf(),
            source: e.into_io_error().unwrap_or_else(|| std::io::Error::other("directory loop")),
        })?;
        let name = entry.file_name().to_string_lossy();
        // `_index.md` (and `_index.fr.md`) are Hugo/Zola section pages, not reviews.
        let section = name.starts_with("_index.");
        if entry.file_type().is_file() && name.ends_with(".md") && !section {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

type Prepare = Result<(Option<Prepared>, Vec<Problem>), Vec<Problem>>;

async fn prepare(folder: &Folder, root: &Path, file: &Path, media_store: &MediaStore, options: Options) -> Prepare {
    let bytes = std::fs::read(file).map_err(|e| vec![problem(None, None, format!("cannot read: {e}"))])?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = e.as_bytes()[..e.utf8_error().valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        vec![problem(Some(line), None, "not valid UTF-8 text")]
    })?;
    if !frontmatter::has_front_matter(&text) {
        return Ok((None, vec![problem(Some(1), None, "no +++ or --- front matter: not a review, skipped")]));
    }
    let doc = frontmatter::parse(&text).map_err(|p| vec![p])?;
    let section = section_of(root, file);
    let (kind, kind_warning) = frontmatter::post_kind(&doc, section.as_deref()).map_err(|p| vec![p])?;
    if let Some(kind) = kind {
        let prepared = prepare_post(folder, root, file, &text, &doc, kind, media_store, options).await;
        return prepared.map(|(item, mut warnings)| {
            warnings.extend(kind_warning);
            (item, warnings)
        });
    }
    let (mut source, mut warnings) = frontmatter::review_source(&doc)?;
    warnings.extend(kind_warning);
    let dir = file.parent().unwrap_or(root);
    let mut errors = Vec::new();
    let mut hasher = Sha256::new();
    hasher.update(RENDER_VERSION.as_bytes());
    hasher.update(text.as_bytes());
    let mut pictures = Vec::new();
    for (field, value) in [("poster", &source.poster), ("backdrop", &source.backdrop)] {
        let Some(value) = value else {
            pictures.push(None);
            continue;
        };
        let line = doc.line_of(field);
        pictures.push(match resolve_image(folder, root, dir, value) {
            Ok(ImageSource::Url(url)) => {
                if url.starts_with("http://") {
                    warnings.push(problem(line, Some(field), "an http:// image is blocked on https pages; use https"));
                }
                Some(Picture::Url(url))
            }
            Ok(ImageSource::File(path)) => match store_file(media_store, &path, value, options, &mut hasher).await {
                Ok(stored) => Some(Picture::Stored(stored)),
                Err(message) => {
                    errors.push(problem(line, Some(field), message));
                    None
                }
            },
            Err(refusal) => {
                errors.push(problem(line, Some(field), refusal.message(value)));
                None
            }
        });
    }
    let backdrop = pictures.pop().flatten();
    let poster = pictures.pop().flatten();
    let (body, more_summary) = split_more(doc.body);
    if source.summary.is_none() {
        source.summary = more_summary;
    }
    let body_images =
        body_images(folder, root, dir, &body, media_store, options, &mut hasher, &mut errors, &mut warnings).await;
    let slug = match &source.slug {
        Some(slug) => Some(slug.clone()),
        None => match Slug::for_film(&source.title, source.year) {
            Ok(slug) => Some(slug),
            Err(e) => {
                errors.push(problem(doc.line_of("title"), Some("title"), format!("cannot make a slug: {e}")));
                None
            }
        },
    };
    check_names(&doc, &source, &mut errors);
    match slug {
        Some(slug) if errors.is_empty() => {
            let fingerprint = format!("{:x}", hasher.finalize());
            let item = Prepared {
                file: file.to_path_buf(),
                source,
                post: None,
                body,
                slug,
                poster,
                backdrop,
                body_images,
                fingerprint,
            };
            Ok((Some(item), warnings))
        }
        _ => Err(errors),
    }
}

/// The section folder a file sits in under the imported folder (`posts` for `posts/a.md` and
/// `posts/a/index.md`), or the imported folder's own name for a file at its top.
fn section_of(root: &Path, file: &Path) -> Option<String> {
    let relative = file.strip_prefix(root).ok()?;
    let mut parts = relative.components();
    let first = parts.next()?;
    if parts.next().is_some() {
        return Some(first.as_os_str().to_string_lossy().to_lowercase());
    }
    root.file_name().map(|name| name.to_string_lossy().to_lowercase())
}

/// Reads and checks an article or page file, storing the images its body shows.
#[allow(clippy::too_many_arguments)]
async fn prepare_post(
    folder: &Folder,
    root: &Path,
    file: &Path,
    text: &str,
    doc: &frontmatter::Document<'_>,
    kind: PostKind,
    media_store: &MediaStore,
    options: Options,
) -> Prepare {
    let (post, mut warnings) = frontmatter::post_source(doc, kind)?;
    let dir = file.parent().unwrap_or(root);
    let mut errors = Vec::new();
    let mut hasher = Sha256::new();
    hasher.update(RENDER_VERSION.as_bytes());
    hasher.update(text.as_bytes());
    let (body, _) = split_more(doc.body);
    let body_images =
        body_images(folder, root, dir, &body, media_store, options, &mut hasher, &mut errors, &mut warnings).await;
    let slug = match &post.slug {
        Some(slug) => Some(slug.clone()),
        None => match Slug::from_text(&post.title) {
            Ok(slug) => Some(slug),
            Err(e) => {
                errors.push(problem(doc.line_of("title"), Some("title"), format!("cannot make a slug: {e}")));
                None
            }
        },
    };
    if let Some(slug) =
        slug.as_ref().filter(|s| kind == PostKind::Page && !marquee_core::post::page_slug_is_free(s.as_str()))
    {
        errors.push(problem(
            doc.line_of("slug").or(doc.line_of("title")),
            Some("slug"),
            format!("/{slug} is a part of the site: give the page another slug"),
        ));
    }
    for (field, names) in [("tags", &post.tags), ("author", &post.author.iter().cloned().collect::<Vec<_>>())] {
        for name in names {
            if Slug::from_text(name).is_err() {
                errors.push(problem(doc.line_of(field), Some(field), format!("\"{name}\" has no letters or digits")));
            }
        }
    }
    match slug {
        Some(slug) if errors.is_empty() => {
            let fingerprint = format!("{:x}", hasher.finalize());
            let item = Prepared {
                file: file.to_path_buf(),
                source: ReviewSource::default(),
                post: Some(post),
                body,
                slug,
                poster: None,
                backdrop: None,
                body_images,
                fingerprint,
            };
            Ok((Some(item), warnings))
        }
        _ => Err(errors),
    }
}

/// The images a body shows that are files in the imported folder, stored (or, in a dry run,
/// checked); a missing one is a warning, one outside the folder or not an image a problem.
#[allow(clippy::too_many_arguments)]
async fn body_images(
    folder: &Folder,
    root: &Path,
    dir: &Path,
    body: &str,
    media_store: &MediaStore,
    options: Options,
    hasher: &mut Sha256,
    errors: &mut Vec<Problem>,
    warnings: &mut Vec<Problem>,
) -> Vec<(String, Stored)> {
    let mut found = Vec::new();
    for url in md::image_urls(body) {
        match resolve_image(folder, root, dir, &url) {
            Ok(ImageSource::File(path)) => match store_file(media_store, &path, &url, options, hasher).await {
                Ok(stored) => found.push((url, stored)),
                Err(message) => errors.push(problem(None, Some("body"), message)),
            },
            Ok(ImageSource::Url(_)) => {}
            Err(Refusal::Missing) => warnings.push(problem(
                None,
                Some("body"),
                format!("{}; left as written", Refusal::Missing.message(&url)),
            )),
            Err(refusal) => errors.push(problem(None, Some("body"), refusal.message(&url))),
        }
    }
    found
}

/// Names become slugs (people, genres, tags, the author): each must keep a letter or digit.
fn check_names(doc: &frontmatter::Document, source: &ReviewSource, errors: &mut Vec<Problem>) {
    let lists: [(&str, &Vec<String>); 6] = [
        ("directors", &source.directors),
        ("cast", &source.cast),
        ("writers", &source.writers),
        ("genres", &source.genres),
        ("tags", &source.tags),
        ("author", &source.author.iter().cloned().collect()),
    ];
    for (field, names) in lists {
        for name in names {
            if Slug::from_text(name).is_err() {
                errors.push(problem(doc.line_of(field), Some(field), format!("\"{name}\" has no letters or digits")));
            }
        }
    }
}

/// Reads an image file and stores it (or, in a dry run, only checks it), adding its bytes to
/// the file's fingerprint. Messages name the image as the file wrote it, never a server path.
async fn store_file(
    media_store: &MediaStore,
    path: &Path,
    written: &str,
    options: Options,
    hasher: &mut Sha256,
) -> Result<Stored, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("image \"{written}\" cannot be read: {}", e.kind()))?;
    hasher.update(&bytes);
    let ingested = if options.dry_run { media_store.check(&bytes) } else { media_store.ingest(&bytes).await };
    let ingested = ingested.map_err(|e| format!("image \"{written}\": {e}"))?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    Ok(Stored { image: ingested.image, byte_size: ingested.byte_size, name })
}

fn problem(line: Option<usize>, field: Option<&str>, message: impl Into<String>) -> Problem {
    Problem { line, field: field.map(str::to_string), message: message.into() }
}

/// Hugo's `<!--more-->` (Zola's `<!-- more -->`) ends the summary; the text before it becomes
/// the summary when the front matter gives none.
fn split_more(body: &str) -> (String, Option<String>) {
    for marker in ["<!--more-->", "<!-- more -->"] {
        if let Some(at) = body.find(marker) {
            let before = &body[..at];
            let summary = md::render(before, &|_| None).plain_text.split_whitespace().collect::<Vec<_>>().join(" ");
            let body = format!("{}{}", before, &body[at + marker.len()..]);
            return (body, (!summary.is_empty()).then_some(summary));
        }
    }
    (body.to_string(), None)
}

/// Why an image reference leads to no file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Refusal {
    Missing,
    Outside,
}

impl Refusal {
    fn message(self, written: &str) -> String {
        match self {
            Refusal::Missing => format!("image \"{written}\" not found in the imported folder"),
            Refusal::Outside => format!("image \"{written}\" is outside the imported folder: refused"),
        }
    }
}

/// An image reference: an absolute URL stays as is; a path is looked up beside the file, then
/// (for site-absolute `/…` paths) under the folder root and the site's `static/` folder, always
/// inside the import's folder.
fn resolve_image(folder: &Folder, root: &Path, dir: &Path, reference: &str) -> Result<ImageSource, Refusal> {
    if reference.starts_with("https://") || reference.starts_with("http://") {
        return Ok(ImageSource::Url(reference.to_string()));
    }
    let path = reference.split(['?', '#']).next().unwrap_or(reference);
    let path = percent_decode(path);
    if path.contains('\0') || path.contains("://") {
        return Err(Refusal::Outside);
    }
    let candidates = if let Some(site_absolute) = path.strip_prefix('/') {
        // Hugo and Zola keep site-wide files in `static/` beside `content/`.
        vec![
            root.join(site_absolute),
            root.join("static").join(site_absolute),
            folder.path().join("static").join(site_absolute),
        ]
    } else {
        vec![dir.join(&path)]
    };
    let mut refusal = Refusal::Missing;
    for candidate in candidates {
        match folder.file(&candidate) {
            Lookup::File(file) => return Ok(ImageSource::File(file)),
            Lookup::Outside => refusal = Refusal::Outside,
            Lookup::Missing => {}
        }
    }
    Err(refusal)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| text.to_string())
}

fn picture_input(id: Option<i64>, picture: &Option<Picture>) -> Option<PictureInput> {
    match picture {
        Some(Picture::Stored(_)) => id.map(PictureInput::Media),
        Some(Picture::Url(url)) => Some(PictureInput::Url(url.clone())),
        None => None,
    }
}

async fn media_id(tx: &mut marquee_store::Conn, picture: &Option<Picture>) -> marquee_store::Result<Option<i64>> {
    match picture {
        Some(Picture::Stored(stored)) => Ok(Some(record(tx, stored).await?)),
        _ => Ok(None),
    }
}

async fn record(tx: &mut marquee_store::Conn, stored: &Stored) -> marquee_store::Result<i64> {
    media::insert_or_get(tx, &stored.image, stored.byte_size as i64, &stored.name).await
}

async fn write(
    tx: &mut marquee_store::Conn,
    item: &Prepared,
    kept_published_at: Option<i64>,
    batch: &mut marquee_store::Batch,
) -> marquee_store::Result<()> {
    let s = &item.source;
    let poster = picture_input(media_id(tx, &item.poster).await?, &item.poster);
    let backdrop = picture_input(media_id(tx, &item.backdrop).await?, &item.backdrop);
    let mut images = Vec::new();
    let mut resolved: HashMap<&str, &StoredImage> = HashMap::new();
    for (url, stored) in &item.body_images {
        images.push((url.clone(), record(tx, stored).await?));
        resolved.insert(url.as_str(), &stored.image);
    }
    let credits = s
        .directors
        .iter()
        .map(|n| CreditInput::new(Department::Directing, n))
        .chain(s.writers.iter().map(|n| CreditInput::new(Department::Writing, n)))
        .chain(s.cast.iter().map(|n| CreditInput::new(Department::Cast, n)))
        .collect();
    let film = FilmInput {
        slug: Slug::for_film(&s.title, s.year).map_err(|e| marquee_store::Error::Corrupt(e.to_string()))?,
        title: s.title.clone(),
        original_title: s.original_title.clone(),
        year: Some(s.year),
        release_date: s.release_date.clone(),
        runtime_minutes: s.runtime,
        tagline: s.tagline.clone(),
        synopsis: s.synopsis.clone(),
        poster,
        backdrop,
        imdb_id: s.imdb.clone(),
        tmdb_id: s.tmdb,
        letterboxd_uri: s.letterboxd.clone(),
        genres: s.genres.clone(),
        countries: s.countries.clone(),
        languages: s.languages.clone(),
        credits,
    };
    let film_id = films::upsert_into(tx, &film, batch).await?;
    let author_id = batch.author(tx, s.author.as_deref().unwrap_or(DEFAULT_AUTHOR)).await?;
    let resolve = |url: &str| -> Option<ResponsiveImage> { resolved.get(url).map(|image| image.responsive(960)) };
    let rendered = md::render(&item.body, &resolve);
    // A file without a date keeps the time it was first published, however often it is re-imported.
    let (status, published_at) = standing(s.draft, s.date, kept_published_at);
    let review = reviews::ReviewInput {
        slug: item.slug.clone(),
        film_id,
        author_id: Some(author_id),
        headline: s.headline.clone(),
        body_markdown: item.body.clone(),
        body_html: rendered.html,
        body_text: rendered.plain_text,
        word_count: rendered.words,
        summary: s.summary.clone(),
        score: s.score,
        verdict_override: s.verdict.clone(),
        spoilers: s.spoilers,
        watched_on: s.watched.clone(),
        rewatch: s.rewatch,
        status,
        published_at,
        updated_at: s.updated.map(|d| d.unix_timestamp()),
        tags: s.tags.clone(),
        images,
        source_hash: Some(item.fingerprint.clone()),
    };
    let (review_id, _) = reviews::upsert_into(tx, &review, batch).await?;
    marquee_store::redirects::set(tx, review_id, &s.aliases).await?;
    Ok(())
}

/// The status and publication time a file's `draft` and `date` give it, keeping the time an
/// earlier import published it when the file has no date.
fn standing(draft: bool, date: Option<time::OffsetDateTime>, kept: Option<i64>) -> (ReviewStatus, Option<i64>) {
    let now = time::OffsetDateTime::now_utc();
    let status = if draft {
        ReviewStatus::Draft
    } else if date.is_some_and(|d| d > now) {
        ReviewStatus::Scheduled
    } else {
        ReviewStatus::Published
    };
    let published_at = match (status, date) {
        (_, Some(date)) => Some(date.unix_timestamp()),
        (ReviewStatus::Draft, None) => kept,
        (_, None) => Some(kept.unwrap_or(now.unix_timestamp())),
    };
    (status, published_at)
}

/// Writes an article or page; returns the films it names that the catalogue does not have.
async fn write_post(
    tx: &mut marquee_store::Conn,
    item: &Prepared,
    post: &PostSource,
    kept_published_at: Option<i64>,
    batch: &mut marquee_store::Batch,
) -> marquee_store::Result<Vec<String>> {
    let mut images = Vec::new();
    let mut resolved: HashMap<&str, &StoredImage> = HashMap::new();
    for (url, stored) in &item.body_images {
        images.push((url.clone(), record(tx, stored).await?));
        resolved.insert(url.as_str(), &stored.image);
    }
    let mut film_ids = Vec::new();
    let mut missing = Vec::new();
    for film in &post.films {
        let found = match film {
            FilmRef::Imdb(id) => films::id_by_imdb(tx, id).await?,
            FilmRef::Titled { title, year: Some(year) } => match Slug::for_film(title, *year) {
                Ok(slug) => films::id_by_slug(tx, slug.as_str()).await?,
                Err(_) => None,
            },
            FilmRef::Titled { title, year: None } => match films::titled(tx, title).await?.as_slice() {
                [(id, _)] => Some(*id),
                _ => None,
            },
        };
        match found {
            Some(id) => film_ids.push(id),
            None => missing.push(match film {
                FilmRef::Imdb(id) => id.clone(),
                FilmRef::Titled { title, year: Some(year) } => format!("{title} ({year})"),
                FilmRef::Titled { title, year: None } => title.clone(),
            }),
        }
    }
    let author_id = batch.author(tx, post.author.as_deref().unwrap_or(DEFAULT_AUTHOR)).await?;
    let resolve = |url: &str| -> Option<ResponsiveImage> { resolved.get(url).map(|image| image.responsive(960)) };
    let rendered = md::render(&item.body, &resolve);
    let (status, published_at) = standing(post.draft, post.date, kept_published_at);
    let input = posts::PostInput {
        kind: post.kind,
        slug: item.slug.clone(),
        author_id: Some(author_id),
        title: post.title.clone(),
        standfirst: post.standfirst.clone(),
        body_markdown: item.body.clone(),
        body_html: rendered.html,
        body_text: rendered.plain_text,
        word_count: rendered.words,
        status,
        published_at,
        updated_at: post.updated.map(|d| d.unix_timestamp()),
        nav_position: if post.kind == PostKind::Page { post.nav } else { None },
        tags: if post.kind == PostKind::Article { post.tags.clone() } else { Vec::new() },
        films: if post.kind == PostKind::Article { film_ids } else { Vec::new() },
        images,
        source_hash: Some(item.fingerprint.clone()),
    };
    let (id, _) = posts::upsert_into(tx, &input, batch).await?;
    posts::set_redirects(tx, id, &post.aliases).await?;
    Ok(missing)
}
