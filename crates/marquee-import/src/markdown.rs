//! `marquee import markdown DIR`: a folder of Markdown reviews with front matter (Hugo and Zola
//! sites, page bundles included), images beside them brought into the media store.

use crate::frontmatter::{self, Problem, ReviewSource};
use crate::{FileProblem, ImportError, Progress, Summary};
use marquee_core::markdown::{self as md, ResponsiveImage};
use marquee_core::{ReviewStatus, Slug, StoredImage};
use marquee_media::MediaStore;
use marquee_store::films::{self, CreditInput, FilmInput, PictureInput};
use marquee_store::{media, reviews, users, Store};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// Who a review is credited to when its file names no author.
pub const DEFAULT_AUTHOR: &str = "Staff";

/// A file read and checked, ready to write.
struct Prepared {
    file: PathBuf,
    source: ReviewSource,
    body: String,
    slug: Slug,
    poster: Option<ImageSource>,
    backdrop: Option<ImageSource>,
    /// Body image destinations found on disk, with their files.
    body_images: Vec<(String, PathBuf)>,
    fingerprint: String,
}

enum ImageSource {
    File(PathBuf),
    Url(String),
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub dry_run: bool,
}

/// Imports every `*.md` under `dir` (section pages `_index.md` excepted).
pub async fn import_dir(
    store: &Store,
    media_store: &MediaStore,
    dir: &Path,
    options: Options,
    progress: &dyn Progress,
) -> Result<Summary, ImportError> {
    let files = markdown_files(dir)?;
    let mut summary = Summary::default();
    let mut problems = Vec::new();
    let mut prepared = Vec::new();
    let mut slugs: HashMap<Slug, PathBuf> = HashMap::new();
    progress.start(files.len() as u64, "reading");
    for file in &files {
        progress.advance(&file.display().to_string());
        match prepare(dir, file) {
            Ok((item, warnings)) => {
                summary
                    .warnings
                    .extend(warnings.into_iter().map(|problem| FileProblem { file: file.clone(), problem }));
                if let Some(other) = slugs.insert(item.slug.clone(), file.clone()) {
                    problems.push(FileProblem {
                        file: file.clone(),
                        problem: Problem {
                            line: None,
                            field: Some("slug".into()),
                            message: format!("\"{}\" is also the slug of {}", item.slug, other.display()),
                        },
                    });
                }
                prepared.push(item);
            }
            Err(errors) => {
                problems.extend(errors.into_iter().map(|problem| FileProblem { file: file.clone(), problem }))
            }
        }
    }
    progress.finish();
    if !problems.is_empty() {
        return Err(ImportError::BadFiles(problems));
    }

    let mut tx = store.begin().await?;
    progress.start(prepared.len() as u64, "importing");
    for item in &prepared {
        progress.advance(&item.file.display().to_string());
        match reviews::source_hash(&mut tx, &item.slug).await? {
            Some(Some(hash)) if hash == item.fingerprint => {
                summary.unchanged += 1;
                continue;
            }
            Some(_) => summary.updated += 1,
            None => summary.created += 1,
        }
        if !options.dry_run {
            write(&mut tx, media_store, item).await.map_err(|e| match e {
                WriteError::Import(e) => e,
                WriteError::File(problem) => {
                    ImportError::BadFiles(vec![FileProblem { file: item.file.clone(), problem }])
                }
            })?;
        }
    }
    progress.finish();
    if options.dry_run {
        tx.rollback().await.map_err(marquee_store::Error::from)?;
    } else {
        tx.commit().await.map_err(marquee_store::Error::from)?;
    }
    Ok(summary)
}

fn markdown_files(dir: &Path) -> Result<Vec<PathBuf>, ImportError> {
    if !dir.is_dir() {
        return Err(ImportError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a directory"),
        });
    }
    let mut files = Vec::new();
    for entry in WalkDir::new(dir).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|e| ImportError::Io {
            path: e.path().unwrap_or(dir).to_path_buf(),
            source: e.into_io_error().unwrap_or_else(|| std::io::Error::other("directory loop")),
        })?;
        let name = entry.file_name().to_string_lossy();
        let hidden = entry.depth() > 0 && name.starts_with('.');
        if entry.file_type().is_file() && name.ends_with(".md") && name != "_index.md" && !hidden {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

fn prepare(root: &Path, file: &Path) -> Result<(Prepared, Vec<Problem>), Vec<Problem>> {
    let bytes = std::fs::read(file).map_err(|e| vec![problem(None, None, format!("cannot read: {e}"))])?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let line = e.as_bytes()[..e.utf8_error().valid_up_to()].iter().filter(|b| **b == b'\n').count() + 1;
        vec![problem(Some(line), None, "not valid UTF-8 text")]
    })?;
    let doc = frontmatter::parse(&text).map_err(|p| vec![p])?;
    let (mut source, mut warnings) = frontmatter::review_source(&doc)?;
    let dir = file.parent().unwrap_or(root);
    let mut errors = Vec::new();
    let mut image = |field: &str, value: &Option<String>| -> Option<ImageSource> {
        let value = value.as_ref()?;
        match resolve_image(root, dir, value) {
            Some(found) => Some(found),
            None => {
                errors.push(problem(
                    doc.line_of(field),
                    Some(field),
                    format!("image \"{value}\" not found next to the file"),
                ));
                None
            }
        }
    };
    let poster = image("poster", &source.poster);
    let backdrop = image("backdrop", &source.backdrop);
    let (body, more_summary) = split_more(doc.body);
    if source.summary.is_none() {
        source.summary = more_summary;
    }
    let mut body_images = Vec::new();
    for url in md::image_urls(&body) {
        match resolve_image(root, dir, &url) {
            Some(ImageSource::File(path)) => body_images.push((url, path)),
            Some(ImageSource::Url(_)) => {}
            None => warnings.push(problem(None, Some("body"), format!("image \"{url}\" not found; left as written"))),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let slug = match &source.slug {
        Some(slug) => slug.clone(),
        None => Slug::for_film(&source.title, source.year)
            .map_err(|e| vec![problem(doc.line_of("title"), Some("title"), format!("cannot make a slug: {e}"))])?,
    };
    let mut hasher = Sha256::new();
    hasher.update(text.as_bytes());
    for path in [&poster, &backdrop].into_iter().flatten().filter_map(|s| match s {
        ImageSource::File(p) => Some(p),
        ImageSource::Url(_) => None,
    }) {
        hasher.update(std::fs::read(path).map_err(|e| vec![problem(None, Some("poster"), e.to_string())])?);
    }
    for (_, path) in &body_images {
        hasher.update(std::fs::read(path).map_err(|e| vec![problem(None, Some("body"), e.to_string())])?);
    }
    let fingerprint = format!("{:x}", hasher.finalize());
    Ok((
        Prepared { file: file.to_path_buf(), source, body, slug, poster, backdrop, body_images, fingerprint },
        warnings,
    ))
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

/// An image reference: an absolute URL stays as is; a path is looked up beside the file, then
/// (for site-absolute `/…` paths) under the folder root and its `static/` folder.
fn resolve_image(root: &Path, dir: &Path, reference: &str) -> Option<ImageSource> {
    if reference.starts_with("https://") || reference.starts_with("http://") {
        return Some(ImageSource::Url(reference.to_string()));
    }
    let path = reference.split(['?', '#']).next().unwrap_or(reference);
    let path = percent_decode(path);
    let candidates = if let Some(site_absolute) = path.strip_prefix('/') {
        vec![root.join(site_absolute), root.join("static").join(site_absolute)]
    } else {
        vec![dir.join(&path)]
    };
    candidates.into_iter().find(|c| c.is_file()).map(ImageSource::File)
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

enum WriteError {
    Import(ImportError),
    File(Problem),
}

impl From<marquee_store::Error> for WriteError {
    fn from(e: marquee_store::Error) -> Self {
        WriteError::Import(ImportError::Store(e))
    }
}

async fn store_image(
    tx: &mut marquee_store::Conn,
    media_store: &MediaStore,
    path: &Path,
    field: &str,
) -> Result<(i64, StoredImage), WriteError> {
    let bytes = std::fs::read(path)
        .map_err(|e| WriteError::File(problem(None, Some(field), format!("cannot read {}: {e}", path.display()))))?;
    let ingested = media_store
        .ingest(&bytes)
        .map_err(|e| WriteError::File(problem(None, Some(field), format!("{}: {e}", path.display()))))?;
    let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let id = media::insert_or_get(tx, &ingested.image, ingested.byte_size as i64, &name).await?;
    Ok((id, ingested.image))
}

async fn picture_input(
    tx: &mut marquee_store::Conn,
    media_store: &MediaStore,
    source: &Option<ImageSource>,
    field: &str,
) -> Result<Option<PictureInput>, WriteError> {
    Ok(match source {
        Some(ImageSource::File(path)) => Some(PictureInput::Media(store_image(tx, media_store, path, field).await?.0)),
        Some(ImageSource::Url(url)) => Some(PictureInput::Url(url.clone())),
        None => None,
    })
}

async fn write(tx: &mut marquee_store::Conn, media_store: &MediaStore, item: &Prepared) -> Result<(), WriteError> {
    let s = &item.source;
    let poster = picture_input(tx, media_store, &item.poster, "poster").await?;
    let backdrop = picture_input(tx, media_store, &item.backdrop, "backdrop").await?;
    let mut images = Vec::new();
    let mut resolved: HashMap<String, StoredImage> = HashMap::new();
    for (url, path) in &item.body_images {
        let (id, image) = store_image(tx, media_store, path, "body").await?;
        images.push((url.clone(), id));
        resolved.insert(url.clone(), image);
    }
    let credit = |department: &str, name: &String| CreditInput {
        name: name.clone(),
        department: department.to_string(),
        ..CreditInput::default()
    };
    let credits = s
        .directors
        .iter()
        .map(|n| credit(films::DIRECTING, n))
        .chain(s.writers.iter().map(|n| credit(films::WRITING, n)))
        .chain(s.cast.iter().map(|n| credit(films::CAST, n)))
        .collect();
    let film = FilmInput {
        slug: Slug::for_film(&s.title, s.year)
            .map_err(|e| WriteError::File(problem(None, Some("title"), e.to_string())))?,
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
    let film_id = films::upsert(tx, &film).await?;
    let author_id = users::ensure_author(tx, s.author.as_deref().unwrap_or(DEFAULT_AUTHOR)).await?;
    let resolve = |url: &str| -> Option<ResponsiveImage> { resolved.get(url).map(|image| image.responsive(960)) };
    let rendered = md::render(&item.body, &resolve);
    let now = time::OffsetDateTime::now_utc();
    let status = if s.draft {
        ReviewStatus::Draft
    } else if s.date.is_some_and(|d| d > now) {
        ReviewStatus::Scheduled
    } else {
        ReviewStatus::Published
    };
    let published_at = match status {
        ReviewStatus::Draft => s.date.map(|d| d.unix_timestamp()),
        _ => Some(s.date.unwrap_or(now).unix_timestamp()),
    };
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
    reviews::upsert(tx, &review).await?;
    Ok(())
}
