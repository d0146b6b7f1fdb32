//! Reviews as the admin sees them, whatever their status: reading one to edit, listing them,
//! saving with optimistic concurrency (a save names the revision it was based on and is refused
//! when another save came first), every save kept as a revision, and deleting.

use crate::reviews::{bind_fields, write_parts, ReviewInput};
use crate::{content, now, Conn, Error, Result, Store};
use marquee_core::{ReviewStatus, Score, Slug};
use sqlx::any::AnyRow;
use sqlx::Row;

/// A review with everything its editor shows.
#[derive(Clone, Debug, PartialEq)]
pub struct EditableReview {
    pub id: i64,
    pub slug: String,
    pub film_id: i64,
    pub film_slug: String,
    pub film_title: String,
    pub film_year: Option<i32>,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub headline: Option<String>,
    pub body_markdown: String,
    pub summary: Option<String>,
    pub score: Option<Score>,
    pub verdict_override: Option<String>,
    pub tags: Vec<String>,
    pub spoilers: bool,
    pub watched_on: Option<String>,
    pub rewatch: bool,
    pub status: ReviewStatus,
    pub published_at: Option<i64>,
    pub updated_at: i64,
    pub revision: i64,
}

fn score_from(tenths: Option<i64>) -> Result<Option<Score>> {
    tenths.map(Score::from_tenths).transpose().map_err(|e| Error::Corrupt(e.to_string()))
}

fn status_from(row: &AnyRow) -> Result<ReviewStatus> {
    let status: String = row.try_get("status")?;
    status.parse().map_err(Error::Corrupt)
}

pub async fn editable(store: &Store, id: i64) -> Result<Option<EditableReview>> {
    let row = sqlx::query(
        "SELECT r.id, r.slug, r.film_id, f.slug AS film_slug, f.title AS film_title, f.year AS film_year, r.author_id, \
           u.display_name AS author_name, r.headline, r.body_markdown, r.summary, r.score_tenths, r.verdict_override, \
           r.spoilers, r.watched_on, r.rewatch, r.status, r.published_at, r.updated_at, r.revision \
         FROM reviews r JOIN films f ON f.id = r.film_id LEFT JOIN users u ON u.id = r.author_id WHERE r.id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let tags: Vec<String> = sqlx::query_scalar(
        "SELECT t.name FROM review_tags rt JOIN tags t ON t.id = rt.tag_id WHERE rt.review_id = $1 ORDER BY rt.position",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?;
    let year: Option<i64> = row.try_get("film_year")?;
    Ok(Some(EditableReview {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        film_id: row.try_get("film_id")?,
        film_slug: row.try_get("film_slug")?,
        film_title: row.try_get("film_title")?,
        film_year: year.map(|y| y as i32),
        author_id: row.try_get("author_id")?,
        author_name: row.try_get("author_name")?,
        headline: row.try_get("headline")?,
        body_markdown: row.try_get("body_markdown")?,
        summary: row.try_get("summary")?,
        score: score_from(row.try_get("score_tenths")?)?,
        verdict_override: row.try_get("verdict_override")?,
        tags,
        spoilers: row.try_get::<i64, _>("spoilers")? != 0,
        watched_on: row.try_get("watched_on")?,
        rewatch: row.try_get::<i64, _>("rewatch")? != 0,
        status: status_from(&row)?,
        published_at: row.try_get("published_at")?,
        updated_at: row.try_get("updated_at")?,
        revision: row.try_get("revision")?,
    }))
}

/// A line in the admin's list of reviews.
#[derive(Clone, Debug, PartialEq)]
pub struct ListedReview {
    pub id: i64,
    pub slug: String,
    pub film_title: String,
    pub film_year: Option<i32>,
    pub headline: Option<String>,
    pub author_name: Option<String>,
    pub status: ReviewStatus,
    pub score: Option<Score>,
    pub published_at: Option<i64>,
    pub updated_at: i64,
}

/// One page of reviews, most recently changed first, optionally of one status or one author.
pub async fn list(
    store: &Store,
    status: Option<ReviewStatus>,
    author_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ListedReview>, i64)> {
    let condition = "($1 = '' OR r.status = $1) AND ($2 = 0 OR r.author_id = $2)";
    let status = status.map(ReviewStatus::as_str).unwrap_or("");
    let author = author_id.unwrap_or(0);
    let rows = sqlx::query(&format!(
        "SELECT r.id, r.slug, f.title AS film_title, f.year AS film_year, r.headline, u.display_name AS author_name, \
           r.status, r.score_tenths, r.published_at, r.updated_at \
         FROM reviews r JOIN films f ON f.id = r.film_id LEFT JOIN users u ON u.id = r.author_id \
         WHERE {condition} ORDER BY r.updated_at DESC, r.id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(status)
    .bind(author)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.pool())
    .await?;
    let reviews = rows
        .iter()
        .map(|row| {
            let year: Option<i64> = row.try_get("film_year")?;
            Ok(ListedReview {
                id: row.try_get("id")?,
                slug: row.try_get("slug")?,
                film_title: row.try_get("film_title")?,
                film_year: year.map(|y| y as i32),
                headline: row.try_get("headline")?,
                author_name: row.try_get("author_name")?,
                status: status_from(row)?,
                score: score_from(row.try_get("score_tenths")?)?,
                published_at: row.try_get("published_at")?,
                updated_at: row.try_get("updated_at")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM reviews r WHERE {condition}"))
        .bind(status)
        .bind(author)
        .fetch_one(store.pool())
        .await?;
    Ok((reviews, total))
}

/// How many reviews there are of each status.
pub async fn counts(store: &Store) -> Result<Vec<(ReviewStatus, i64)>> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS n FROM reviews GROUP BY status").fetch_all(store.pool()).await?;
    let mut counts: Vec<(ReviewStatus, i64)> = ReviewStatus::ALL.iter().map(|s| (*s, 0)).collect();
    for row in &rows {
        let status = status_from(row)?;
        let n: i64 = row.try_get("n")?;
        if let Some(slot) = counts.iter_mut().find(|(s, _)| *s == status) {
            slot.1 = n;
        }
    }
    Ok(counts)
}

/// What a save did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    /// Written; the review is now at this revision.
    Written { id: i64, revision: i64 },
    /// Refused: someone saved since the revision the editor was based on.
    Conflict { current_revision: i64 },
}

/// Creates a review from the editor. Its slug is made unique (a second review of a film gets
/// `-2`). The caller commits.
pub async fn create(conn: &mut Conn, review: &ReviewInput, saved_by: i64) -> Result<Saved> {
    let slug = crate::unique_slug(conn, "reviews", review.slug.as_str()).await?;
    let now = now();
    let insert = sqlx::query(
        "INSERT INTO reviews (slug, film_id, author_id, headline, body_markdown, body_html, body_text, word_count, \
           summary, score_tenths, verdict_override, spoilers, watched_on, rewatch, status, published_at, \
           created_at, updated_at, revision) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17, 1) RETURNING id",
    )
    .bind(slug);
    let id: i64 = bind_fields(insert, review).bind(now).fetch_one(&mut *conn).await?.try_get("id")?;
    let mut batch = crate::Batch::default();
    write_parts(conn, id, review, Some(saved_by), true, &mut batch).await?;
    batch.index.review(id);
    batch.finish(conn).await?;
    content::bump(conn).await?;
    Ok(Saved::Written { id, revision: 1 })
}

/// Saves over review `id` if it is still at `based_on`; otherwise changes nothing and reports
/// the conflict. The slug never changes here: published URLs stay put. The caller commits.
pub async fn update(conn: &mut Conn, id: i64, based_on: i64, review: &ReviewInput, saved_by: i64) -> Result<Saved> {
    let update = sqlx::query(
        "UPDATE reviews SET film_id = $1, author_id = $2, headline = $3, body_markdown = $4, body_html = $5, \
           body_text = $6, word_count = $7, summary = $8, score_tenths = $9, verdict_override = $10, spoilers = $11, \
           watched_on = $12, rewatch = $13, status = $14, published_at = $15, updated_at = $16, \
           revision = revision + 1, source_hash = NULL \
         WHERE id = $17 AND revision = $18",
    );
    let written =
        bind_fields(update, review).bind(now()).bind(id).bind(based_on).execute(&mut *conn).await?.rows_affected();
    let current: Option<i64> =
        sqlx::query_scalar("SELECT revision FROM reviews WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
    let Some(current) = current else {
        return Err(Error::Invalid(format!("review {id} no longer exists")));
    };
    if written == 0 {
        return Ok(Saved::Conflict { current_revision: current });
    }
    let mut batch = crate::Batch::default();
    write_parts(conn, id, review, Some(saved_by), false, &mut batch).await?;
    batch.index.review(id);
    batch.finish(conn).await?;
    content::bump(conn).await?;
    Ok(Saved::Written { id, revision: current })
}

/// Deletes a review with its tags, images links and revisions. The caller commits.
pub async fn delete(conn: &mut Conn, id: i64) -> Result<bool> {
    let deleted = sqlx::query("DELETE FROM reviews WHERE id = $1").bind(id).execute(&mut *conn).await?.rows_affected();
    crate::search::remove(conn, crate::search::Kind::Review, id).await?;
    crate::federation::forget_source(conn, "review", id).await?;
    content::bump(conn).await?;
    Ok(deleted > 0)
}

/// A kept revision, as the list of revisions shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub revision: i64,
    pub headline: Option<String>,
    pub body_markdown: String,
    pub summary: Option<String>,
    pub score: Option<Score>,
    pub verdict_override: Option<String>,
    pub film_id: Option<i64>,
    pub tags: Vec<String>,
    pub spoilers: bool,
    pub status: String,
    pub saved_by: Option<String>,
    pub saved_at: i64,
}

const REVISION_SELECT: &str = "SELECT rv.revision, rv.headline, rv.body_markdown, rv.summary, rv.score_tenths, \
    rv.verdict_override, rv.film_id, rv.tags, rv.spoilers, rv.status, u.display_name AS saved_by, rv.saved_at \
    FROM review_revisions rv LEFT JOIN users u ON u.id = rv.saved_by WHERE rv.review_id = $1";

fn revision_from_row(row: &AnyRow) -> Result<Revision> {
    let tags: String = row.try_get("tags")?;
    Ok(Revision {
        revision: row.try_get("revision")?,
        headline: row.try_get("headline")?,
        body_markdown: row.try_get("body_markdown")?,
        summary: row.try_get("summary")?,
        score: score_from(row.try_get("score_tenths")?)?,
        verdict_override: row.try_get("verdict_override")?,
        film_id: row.try_get("film_id")?,
        tags: tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect(),
        spoilers: row.try_get::<i64, _>("spoilers")? != 0,
        status: row.try_get("status")?,
        saved_by: row.try_get("saved_by")?,
        saved_at: row.try_get("saved_at")?,
    })
}

/// Every kept revision of a review, newest first.
pub async fn revisions(store: &Store, review_id: i64) -> Result<Vec<Revision>> {
    let rows = sqlx::query(&format!("{REVISION_SELECT} ORDER BY rv.revision DESC"))
        .bind(review_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(revision_from_row).collect()
}

pub async fn revision(store: &Store, review_id: i64, revision: i64) -> Result<Option<Revision>> {
    let row = sqlx::query(&format!("{REVISION_SELECT} AND rv.revision = $2"))
        .bind(review_id)
        .bind(revision)
        .fetch_optional(store.pool())
        .await?;
    row.as_ref().map(revision_from_row).transpose()
}

/// The slug a new review of a film starts from (see `Slug::of_film`).
pub fn slug_for(film_title: &str, film_year: Option<i32>) -> Result<Slug> {
    Slug::of_film(film_title, film_year).map_err(|e| Error::Invalid(format!("film title \"{film_title}\": {e}")))
}
