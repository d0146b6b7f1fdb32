//! `marquee export letterboxd FILE.csv`: a member's diary and published reviews in the CSV that
//! Letterboxd's own importer reads (letterboxd.com/import): `Title`, `Year`, `imdbID`,
//! `LetterboxdURI`, `Directors`, `WatchedDate`, `Rating`, `Rating10`, `Rewatch`, `Tags`, `Review`.
//! One row per diary entry (its rating in stars, its text); a published review no diary entry
//! points to becomes a row of its own, rated out of 10.

use crate::{ImportError, Progress};
use marquee_core::ReviewStatus;
use marquee_store::{diary, films, reviews, revisions, Store};
use std::collections::{HashMap, HashSet};
use std::path::Path;

pub const HEADER: [&str; 11] = [
    "Title",
    "Year",
    "imdbID",
    "LetterboxdURI",
    "Directors",
    "WatchedDate",
    "Rating",
    "Rating10",
    "Rewatch",
    "Tags",
    "Review",
];

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub diary_entries: usize,
    pub reviews: usize,
}

fn io(path: &Path, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ImportError {
    ImportError::Io { path: path.to_path_buf(), source: std::io::Error::other(source) }
}

/// A film's facts for a row: title, year, IMDb id, Letterboxd link, directors; each film read
/// once however many rows name it.
async fn film_cells(
    store: &Store,
    film_id: i64,
    known: &mut HashMap<i64, [String; 5]>,
) -> Result<[String; 5], ImportError> {
    if let Some(cells) = known.get(&film_id) {
        return Ok(cells.clone());
    }
    let Some(film) = films::editable(store, film_id).await? else { return Ok(Default::default()) };
    let directors: Vec<&str> = film
        .credits
        .iter()
        .filter(|c| c.department == marquee_core::Department::Directing)
        .map(|c| c.name.as_str())
        .collect();
    let cells = [
        film.title.clone(),
        film.year.map(|y| y.to_string()).unwrap_or_default(),
        film.imdb_id.clone().unwrap_or_default(),
        film.letterboxd_uri.clone().unwrap_or_default(),
        directors.join(", "),
    ];
    known.insert(film_id, cells.clone());
    Ok(cells)
}

/// Writes `user_id`'s diary and published reviews to `file`.
pub async fn export(store: &Store, user_id: i64, file: &Path, progress: &dyn Progress) -> Result<Report, ImportError> {
    let entries = diary::of_user_after(store, user_id, None, i64::MAX).await?;
    let mut written = Vec::new();
    let mut writer = csv::Writer::from_writer(&mut written);
    writer.write_record(HEADER).map_err(|e| io(file, e))?;
    progress.start(entries.len() as u64, "diary");
    let mut linked = HashSet::new();
    let mut known = HashMap::new();
    for entry in entries.iter().rev() {
        progress.advance(&entry.film_title);
        linked.extend(entry.review_id);
        let [title, year, imdb, uri, directors] = film_cells(store, entry.film_id, &mut known).await?;
        let stars = entry.rating.map(|r| format!("{}", r.as_f64() / 2.0)).unwrap_or_default();
        let rewatch = if entry.rewatch { "Yes" } else { "" };
        let review = entry.review_text.replace("\r\n", "\n");
        let tags = entry.tags.join(", ");
        let record = [
            title,
            year,
            imdb,
            uri,
            directors,
            entry.watched_on.clone(),
            stars,
            String::new(),
            rewatch.into(),
            tags,
            review,
        ];
        writer.write_record(&record).map_err(|e| io(file, e))?;
    }
    progress.finish();
    let mut review_rows = 0;
    for id in reviews::all_ids(store).await? {
        let Some(review) = revisions::editable(store, id).await? else { continue };
        if review.author_id != Some(user_id) || review.status != ReviewStatus::Published || linked.contains(&id) {
            continue;
        }
        let [title, year, imdb, uri, directors] = film_cells(store, review.film_id, &mut known).await?;
        let watched = review
            .watched_on
            .clone()
            .or_else(|| {
                review
                    .published_at
                    .and_then(|at| time::OffsetDateTime::from_unix_timestamp(at).ok())
                    .map(|t| t.date().to_string())
            })
            .unwrap_or_default();
        // Letterboxd rates in half stars: a score out of 10 to the nearest whole point.
        let rating10 = review.score.map(|s| ((s.tenths() + 5) / 10).clamp(1, 10).to_string()).unwrap_or_default();
        let rewatch = if review.rewatch { "Yes" } else { "" };
        let record = [
            title,
            year,
            imdb,
            uri,
            directors,
            watched,
            String::new(),
            rating10,
            rewatch.into(),
            review.tags.join(", "),
            review.body_markdown,
        ];
        writer.write_record(&record).map_err(|e| io(file, e))?;
        review_rows += 1;
    }
    writer.flush().map_err(|e| io(file, e))?;
    drop(writer);
    std::fs::write(file, written).map_err(|e| io(file, e))?;
    Ok(Report { diary_entries: entries.len(), reviews: review_rows })
}
