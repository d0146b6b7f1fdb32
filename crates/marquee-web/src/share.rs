//! Share images: the 1200×630 picture a review shows when its link is posted to a social network
//! or a chat (drawn by `marquee_media::share_card`). Here: which card a review has, and where a
//! drawn card is kept. Each is tagged by what it shows and, where the server has a
//! folder for them (`WebConfig::share_dir`), kept there as `share-TAG.png` once drawn: drawn once
//! per change of what it shows, whoever asks first (a reader, the static export, or the server's
//! drawing of missing images after each content change), and not again after a restart.

use crate::reader::Reader;
use crate::state::{AppState, Site};
use futures_util::StreamExt;
use marquee_import::Progress;
use marquee_media::share_card::{render, Card, DRAWING};
pub use marquee_media::share_card::{HEIGHT, WIDTH};
use marquee_store::films::Film;
use marquee_store::media::Picture;
use marquee_store::reviews::ReviewCard;
use std::path::{Path, PathBuf};

/// A review's share image before it is drawn: what it shows, and its tag (a quoted ETag) made
/// from that.
#[derive(Clone)]
pub struct Planned {
    pub tag: String,
    site_title: String,
    film_title: String,
    year: Option<i32>,
    /// The score ("8.5") and its verdict.
    score: Option<(String, String)>,
    accent: String,
    /// The poster as stored: its image's SHA-256 and the file of the size drawn from.
    poster: Option<(String, String)>,
}

/// What the share image of the review `card` (of `film`) shows on `site`.
pub fn plan(site: &Site, card: &ReviewCard, film: &Film) -> Planned {
    let score =
        crate::views::score_view(site, card.score, card.verdict_override.as_deref()).map(|s| (s.value, s.verdict));
    let poster = match &film.poster {
        Some(Picture::Stored(image)) => {
            Some((image.sha256.clone(), format!("{}.{}", image.fallback_width(640), image.extension)))
        }
        // Posters elsewhere on the web are not fetched by the server.
        _ => None,
    };
    let inputs = format!(
        "{DRAWING}|{}|{}|{}|{:?}|{:?}|{:?}|{}",
        site.title,
        film.title,
        film.year.map(|y| y.to_string()).unwrap_or_default(),
        score.as_ref().map(|s| &s.0),
        score.as_ref().map(|s| &s.1),
        poster.as_ref().map(|(sha, file)| format!("{sha}/{file}")),
        site.accent,
    );
    Planned {
        tag: format!("\"share-{}\"", &crate::cache::etag_of(inputs.as_bytes()).trim_matches('"')[..16]),
        site_title: site.title.clone(),
        film_title: film.title.clone(),
        year: film.year,
        score,
        accent: site.accent.clone(),
        poster,
    }
}

fn kept_file(dir: &Path, tag: &str) -> PathBuf {
    dir.join(format!("{}.png", tag.trim_matches('"')))
}

/// The file in the share folder `dir` holding the image tagged `tag`, if it is there.
pub fn kept(dir: &Path, tag: &str) -> Option<PathBuf> {
    let file = kept_file(dir, tag);
    (tag.starts_with("\"share-") && file.is_file()).then_some(file)
}

/// The planned image as PNG: the one kept in the share folder, or drawn now (off the async
/// threads) and kept there.
pub async fn png(state: &AppState, planned: &Planned) -> Result<Vec<u8>, crate::error::Error> {
    let kept = state.config.share_dir.as_deref().map(|dir| kept_file(dir, &planned.tag));
    if let Some(bytes) = kept.as_ref().and_then(|file| std::fs::read(file).ok()) {
        return Ok(bytes);
    }
    let poster = match &planned.poster {
        Some((sha256, file)) => match state.media.read(sha256, file).await {
            Ok(Some((bytes, _))) => Some(bytes),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, sha256 = %sha256, "reading a poster for a share image failed");
                None
            }
        },
        None => None,
    };
    let planned = planned.clone();
    tokio::task::spawn_blocking(move || {
        let png = render(&Card {
            site_title: &planned.site_title,
            film_title: &planned.film_title,
            year: planned.year,
            score: planned.score.as_ref().map(|s| s.0.as_str()),
            verdict: planned.score.as_ref().map(|s| s.1.as_str()),
            accent: &planned.accent,
            poster: poster.and_then(|bytes| image::load_from_memory(&bytes).ok()),
        });
        if let Some(file) = kept {
            keep(&file, &png);
        }
        png
    })
    .await
    .map_err(|e| crate::error::Error::Internal(format!("drawing a share image stopped: {e}")))
}

/// Writes a drawn image to the share folder whole (a reader never sees half of one); a folder
/// that cannot be written only costs drawing again.
fn keep(file: &Path, png: &[u8]) {
    let partial = file.with_extension(format!("{}.partial", std::process::id()));
    let written = file
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| std::fs::write(&partial, png))
        .and_then(|()| std::fs::rename(&partial, file));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&partial);
        tracing::warn!(error = %e, file = %file.display(), "keeping a share image failed");
    }
}

/// Draws the share images of published reviews that the share folder lacks, two at a time per
/// core, and removes the images no review shows any more. Returns how many it drew.
pub async fn draw_missing(state: &AppState, progress: &dyn Progress) -> marquee_store::Result<usize> {
    let Some(dir) = state.config.share_dir.clone() else { return Ok(0) };
    let site = state.site();
    // What the images show: the cards and films of published reviews, not their bodies.
    let planned = Reader::of(state).each_reviewed(|card, film| Some(plan(&site, card, film))).await?;
    let wanted: std::collections::HashSet<PathBuf> = planned.iter().map(|p| kept_file(&dir, &p.tag)).collect();
    if let Ok(entries) = std::fs::read_dir(&dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with("share-") && !wanted.contains(&entry.path()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    let missing: Vec<&Planned> = planned.iter().filter(|p| !kept_file(&dir, &p.tag).is_file()).collect();
    if missing.is_empty() {
        return Ok(0);
    }
    progress.start(missing.len() as u64, "share images");
    let at_once = std::thread::available_parallelism().map_or(2, |n| n.get()) * 2;
    let mut waiting = missing.into_iter();
    let mut drawing = futures_util::stream::FuturesUnordered::new();
    let mut drawn = 0;
    loop {
        while drawing.len() < at_once {
            let Some(planned) = waiting.next() else { break };
            drawing.push(png(state, planned));
        }
        let Some(result) = drawing.next().await else { break };
        if let Err(e) = result {
            tracing::warn!(error = %e, "drawing a share image failed");
        }
        drawn += 1;
        progress.advance("share image");
    }
    progress.finish();
    Ok(drawn)
}
