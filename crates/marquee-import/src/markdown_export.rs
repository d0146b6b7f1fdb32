//! `marquee export markdown DIR`: every review as a Hugo/Zola page bundle, `DIR/<slug>/index.md`
//! with TOML front matter in the import contract (DESIGN.md "Markdown front matter") and its
//! poster and body images beside it, every article under `DIR/articles/<slug>/` and every page
//! under `DIR/pages/<slug>/` (with `type = "article"` or `"page"`), so `marquee import markdown
//! DIR` brings the same site back.

use crate::{ImportError, Progress};
use marquee_core::Department;
use marquee_core::PostKind;
use marquee_core::ReviewStatus;
use marquee_media::MediaStore;
use marquee_store::films::{self, FilmInput, PictureInput};
use marquee_store::{media, posts, reviews, revisions, Store};
use std::path::{Component, Path, PathBuf};
use toml::{Table, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub reviews: usize,
    /// Articles and pages.
    pub posts: usize,
    pub images: usize,
}

fn io(path: &Path, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ImportError {
    ImportError::Io { path: path.to_path_buf(), source: std::io::Error::other(source) }
}

fn rfc3339(unix: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(unix).ok()?.format(&time::format_description::well_known::Rfc3339).ok()
}

/// A relative image path as written in a body, when it stays inside the bundle.
fn inside(src: &str) -> Option<PathBuf> {
    let path = Path::new(src);
    let clean = path.components().all(|c| matches!(c, Component::Normal(_)));
    (clean && !src.contains("://")).then(|| path.to_path_buf())
}

/// The largest prepared width of a library image, in its own format, and its bytes.
async fn image_file(store: &Store, media: &MediaStore, id: i64) -> Result<Option<(String, Vec<u8>)>, ImportError> {
    let Some(item) = media::by_id(store, id).await? else { return Ok(None) };
    let width = item.image.widths.last().copied().unwrap_or(item.image.width);
    let file = format!("{width}.{}", item.image.extension);
    let bytes = media
        .read(&item.image.sha256, &file)
        .await
        .map_err(|e| io(Path::new("media"), e.to_string()))?
        .map(|(bytes, _)| bytes.to_vec());
    Ok(bytes.map(|b| (item.image.extension.clone(), b)))
}

fn names(film: &FilmInput, department: &Department) -> Value {
    Value::Array(
        film.credits.iter().filter(|c| c.department == *department).map(|c| Value::String(c.name.clone())).collect(),
    )
}

fn strings(items: &[String]) -> Value {
    Value::Array(items.iter().cloned().map(Value::String).collect())
}

/// Writes every review (drafts marked `draft = true`) under `dir`.
pub async fn export(
    store: &Store,
    media: &MediaStore,
    dir: &Path,
    progress: &dyn Progress,
) -> Result<Report, ImportError> {
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let ids = reviews::all_ids(store).await?;
    progress.start(ids.len() as u64, "reviews");
    let mut report = Report { reviews: 0, posts: 0, images: 0 };
    for id in ids {
        let Some(review) = revisions::editable(store, id).await? else { continue };
        let Some(film) = films::editable(store, review.film_id).await? else { continue };
        progress.advance(&review.slug);
        let bundle = dir.join(&review.slug);
        std::fs::create_dir_all(&bundle).map_err(|e| io(&bundle, e))?;

        let mut front = Table::new();
        let mut set = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                front.insert(key.to_string(), value);
            }
        };
        set("title", Some(Value::String(film.title.clone())));
        set("year", film.year.map(|y| Value::Integer(i64::from(y))));
        set("original_title", film.original_title.clone().map(Value::String));
        set("release_date", film.release_date.clone().map(Value::String));
        set("imdb", film.imdb_id.clone().map(Value::String));
        set("tmdb", film.tmdb_id.map(Value::Integer));
        set("letterboxd", film.letterboxd_uri.clone().map(Value::String));
        set("runtime", film.runtime_minutes.map(Value::Integer));
        set("tagline", film.tagline.clone().map(Value::String));
        set("synopsis", film.synopsis.clone().map(Value::String));
        for (key, department) in
            [("directors", Department::Directing), ("writers", Department::Writing), ("cast", Department::Cast)]
        {
            let list = names(&film, &department);
            set(key, list.as_array().is_some_and(|a| !a.is_empty()).then_some(list));
        }
        for (key, items) in [("genres", &film.genres), ("countries", &film.countries), ("languages", &film.languages)] {
            set(key, (!items.is_empty()).then(|| strings(items)));
        }
        let poster = match &film.poster {
            Some(PictureInput::Url(url)) => Some(Value::String(url.clone())),
            Some(PictureInput::Media(media_id)) => match image_file(store, media, *media_id).await? {
                Some((extension, bytes)) => {
                    let name = format!("poster.{extension}");
                    std::fs::write(bundle.join(&name), bytes).map_err(|e| io(&bundle, e))?;
                    report.images += 1;
                    Some(Value::String(name))
                }
                None => None,
            },
            None => None,
        };
        let mut set = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                front.insert(key.to_string(), value);
            }
        };
        set("poster", poster);
        set("slug", Some(Value::String(review.slug.clone())));
        set("headline", review.headline.clone().map(Value::String));
        set("author", review.author_name.clone().map(Value::String));
        set("score", review.score.map(|s| Value::Float(s.as_f64())));
        set("verdict", review.verdict_override.clone().map(Value::String));
        set("summary", review.summary.clone().map(Value::String));
        set("tags", (!review.tags.is_empty()).then(|| strings(&review.tags)));
        let aliases = marquee_store::redirects::of_review(store, id).await?;
        set("aliases", (!aliases.is_empty()).then(|| strings(&aliases)));
        set("spoilers", review.spoilers.then_some(Value::Boolean(true)));
        set("watched", review.watched_on.clone().map(Value::String));
        set("rewatch", review.rewatch.then_some(Value::Boolean(true)));
        set("date", review.published_at.and_then(rfc3339).map(Value::String));
        set("updated", rfc3339(review.updated_at).map(Value::String));
        set("draft", (review.status != ReviewStatus::Published).then_some(Value::Boolean(true)));

        let images = reviews::images_of(store, id).await?;
        let body = write_images(store, media, &bundle, &review.body_markdown, &images, &mut report).await?;
        write_bundle(&bundle, &front, &body)?;
        report.reviews += 1;
    }
    progress.finish();
    export_posts(store, media, dir, &mut report, progress).await?;
    Ok(report)
}

/// Writes a bundle's `index.md`: the front matter, then the body.
fn write_bundle(bundle: &Path, front: &Table, body: &str) -> Result<(), ImportError> {
    let toml = toml::to_string(front).map_err(|e| io(bundle, e))?;
    let text = format!("+++\n{toml}+++\n{body}{}", if body.ends_with('\n') { "" } else { "\n" });
    std::fs::write(bundle.join("index.md"), text).map_err(|e| io(bundle, e))
}

/// Writes the library images a body shows beside it: relative ones where the body names them,
/// library URLs under images/ with the body pointed at them. Returns the body as written.
async fn write_images(
    store: &Store,
    media: &MediaStore,
    bundle: &Path,
    body: &str,
    images: &[(String, i64)],
    report: &mut Report,
) -> Result<String, ImportError> {
    let mut body = body.to_string();
    for (src, media_id) in images {
        let Some((extension, bytes)) = image_file(store, media, *media_id).await? else { continue };
        let relative = match inside(src) {
            Some(path) => path,
            None => {
                let hash = src.trim_start_matches("/media/").chars().take(12).collect::<String>();
                let path = PathBuf::from(format!("images/{hash}.{extension}"));
                body = body.replace(src, &path.to_string_lossy());
                path
            }
        };
        let target = bundle.join(&relative);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
        }
        std::fs::write(&target, bytes).map_err(|e| io(&target, e))?;
        report.images += 1;
    }
    Ok(body)
}

/// Writes every article under `dir/articles/` and every page under `dir/pages/`.
async fn export_posts(
    store: &Store,
    media: &MediaStore,
    dir: &Path,
    report: &mut Report,
    progress: &dyn Progress,
) -> Result<(), ImportError> {
    let ids = posts::all_ids(store).await?;
    progress.start(ids.len() as u64, "articles and pages");
    for id in ids {
        let Some(post) = posts::editable(store, id).await? else { continue };
        progress.advance(&post.slug);
        let folder = match post.kind {
            PostKind::Article => "articles",
            PostKind::Page => "pages",
        };
        let bundle = dir.join(folder).join(&post.slug);
        std::fs::create_dir_all(&bundle).map_err(|e| io(&bundle, e))?;
        let mut front = Table::new();
        let mut set = |key: &str, value: Option<Value>| {
            if let Some(value) = value {
                front.insert(key.to_string(), value);
            }
        };
        set("type", Some(Value::String(post.kind.as_str().into())));
        set("title", Some(Value::String(post.title.clone())));
        set("slug", Some(Value::String(post.slug.clone())));
        set("standfirst", post.standfirst.clone().map(Value::String));
        set("author", post.author_name.clone().map(Value::String));
        set("tags", (!post.tags.is_empty()).then(|| strings(&post.tags)));
        let films: Vec<String> = post
            .films
            .iter()
            .map(|f| match f.year {
                Some(year) => format!("{} ({year})", f.title),
                None => f.title.clone(),
            })
            .collect();
        set("films", (!films.is_empty()).then(|| strings(&films)));
        let aliases = posts::redirects_of(store, id).await?;
        set("aliases", (!aliases.is_empty()).then(|| strings(&aliases)));
        set("nav", post.nav_position.map(Value::Integer));
        set("date", post.published_at.and_then(rfc3339).map(Value::String));
        set("updated", rfc3339(post.updated_at).map(Value::String));
        set("draft", (post.status != ReviewStatus::Published).then_some(Value::Boolean(true)));
        let images = posts::images_of(store, id).await?;
        let body = write_images(store, media, &bundle, &post.body_markdown, &images, report).await?;
        write_bundle(&bundle, &front, &body)?;
        report.posts += 1;
    }
    progress.finish();
    Ok(())
}
