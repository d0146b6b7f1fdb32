//! Reviews: writing them (with tags, images and a revision kept per save) and reading the
//! published ones for pages and lists.

use crate::media::{image_columns, picture_from_row, Picture};
use crate::{content, now, placeholders, Conn, Error, Result, Store};
use marquee_core::related::ReviewFeatures;
use marquee_core::{ReviewStatus, SafeHtml, Score, Slug};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

/// Everything written about a review at once.
#[derive(Clone, Debug)]
pub struct ReviewInput {
    pub slug: Slug,
    pub film_id: i64,
    pub author_id: Option<i64>,
    pub headline: Option<String>,
    pub body_markdown: String,
    pub body_html: SafeHtml,
    pub body_text: String,
    pub word_count: usize,
    pub summary: Option<String>,
    pub score: Option<Score>,
    pub verdict_override: Option<String>,
    pub spoilers: bool,
    pub watched_on: Option<String>,
    pub rewatch: bool,
    pub status: ReviewStatus,
    pub published_at: Option<i64>,
    pub updated_at: Option<i64>,
    pub tags: Vec<String>,
    /// Image destinations in the body and the media they were stored as.
    pub images: Vec<(String, i64)>,
    /// A fingerprint of the source this review was imported from; unchanged sources are skipped.
    pub source_hash: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Created,
    Updated,
}

/// What an importer needs to know of an existing review.
#[derive(Clone, Debug, PartialEq)]
pub struct ImportState {
    pub source_hash: Option<String>,
    pub published_at: Option<i64>,
}

/// The import state of the review with this slug, if it exists.
pub async fn import_state(conn: &mut Conn, slug: &Slug) -> Result<Option<ImportState>> {
    let row = sqlx::query("SELECT source_hash, published_at FROM reviews WHERE slug = $1")
        .bind(slug.as_str())
        .fetch_optional(conn)
        .await?;
    row.map(|row| {
        Ok(ImportState { source_hash: row.try_get("source_hash")?, published_at: row.try_get("published_at")? })
    })
    .transpose()
}

/// Writes a review (matched by slug), replacing its tags and images, keeping a revision, and
/// bumping the content version.
pub async fn upsert(conn: &mut Conn, review: &ReviewInput) -> Result<(i64, Outcome)> {
    let mut batch = crate::Batch::default();
    let written = upsert_into(conn, review, &mut batch).await?;
    batch.finish(conn).await?;
    Ok(written)
}

/// `upsert` as part of a batch of writes, which indexes the review when it finishes.
pub async fn upsert_into(conn: &mut Conn, review: &ReviewInput, batch: &mut crate::Batch) -> Result<(i64, Outcome)> {
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM reviews WHERE slug = $1")
        .bind(review.slug.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    let now = now();
    let updated_at = review.updated_at.or(review.published_at).unwrap_or(now);
    let outcome = if existing.is_some() { Outcome::Updated } else { Outcome::Created };
    let sql = sqlx::query(
        "INSERT INTO reviews (slug, film_id, author_id, headline, body_markdown, body_html, body_text, word_count, \
           summary, score_tenths, verdict_override, spoilers, watched_on, rewatch, status, published_at, \
           created_at, updated_at, revision, source_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1, $19) \
         ON CONFLICT (slug) DO UPDATE SET film_id = excluded.film_id, author_id = excluded.author_id, \
           headline = excluded.headline, body_markdown = excluded.body_markdown, body_html = excluded.body_html, \
           body_text = excluded.body_text, word_count = excluded.word_count, summary = excluded.summary, \
           score_tenths = excluded.score_tenths, verdict_override = excluded.verdict_override, \
           spoilers = excluded.spoilers, watched_on = excluded.watched_on, rewatch = excluded.rewatch, \
           status = excluded.status, published_at = excluded.published_at, updated_at = excluded.updated_at, \
           revision = reviews.revision + 1, source_hash = excluded.source_hash \
         RETURNING id",
    )
    .bind(review.slug.as_str());
    let id: i64 = bind_fields(sql, review)
        .bind(now)
        .bind(updated_at)
        .bind(&review.source_hash)
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")?;

    let fresh = crate::added_here(conn, existing.is_none());
    write_parts(conn, id, review, review.author_id, fresh, batch).await?;
    batch.index.review(id);
    batch.changed = true;
    Ok((id, outcome))
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds the fifteen columns every write of a review sets, `film_id` to `published_at` in table
/// order, after whatever `query` has bound already.
pub(crate) fn bind_fields<'q>(query: AnyQuery<'q>, review: &'q ReviewInput) -> AnyQuery<'q> {
    query
        .bind(review.film_id)
        .bind(review.author_id)
        .bind(&review.headline)
        .bind(&review.body_markdown)
        .bind(review.body_html.as_str())
        .bind(&review.body_text)
        .bind(review.word_count as i64)
        .bind(&review.summary)
        .bind(review.score.map(Score::tenths))
        .bind(&review.verdict_override)
        .bind(i64::from(review.spoilers))
        .bind(&review.watched_on)
        .bind(i64::from(review.rewatch))
        .bind(review.status.as_str())
        .bind(review.published_at)
}

/// Replaces a review's tags and images with the input's and keeps the saved state as a revision.
/// Writes a review's tags, images and a revision; `fresh` when the review was just added and so
/// has no tags or images to replace.
pub(crate) async fn write_parts(
    conn: &mut Conn,
    id: i64,
    review: &ReviewInput,
    saved_by: Option<i64>,
    fresh: bool,
    batch: &mut crate::Batch,
) -> Result<()> {
    let now = now();
    if !fresh {
        sqlx::query("DELETE FROM review_tags WHERE review_id = $1").bind(id).execute(&mut *conn).await?;
        sqlx::query("DELETE FROM review_images WHERE review_id = $1").bind(id).execute(&mut *conn).await?;
    }
    let mut tags = Vec::with_capacity(review.tags.len());
    for tag in &review.tags {
        tags.push(batch.id_of(conn, crate::Named::Tag, tag).await?);
    }
    crate::insert_ordered(conn, "review_tags", ("review_id", id), "tag_id", &tags).await?;
    for (src, media_id) in &review.images {
        sqlx::query("INSERT INTO review_images (review_id, src, media_id) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(src)
            .bind(media_id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "INSERT INTO review_revisions (review_id, revision, headline, body_markdown, summary, score_tenths, \
           verdict_override, saved_by, saved_at, film_id, tags, spoilers, status) \
         SELECT id, revision, headline, body_markdown, summary, score_tenths, verdict_override, $2, $3, film_id, $4, \
           spoilers, status FROM reviews WHERE id = $1",
    )
    .bind(id)
    .bind(saved_by)
    .bind(now)
    .bind(review.tags.join(", "))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Publishes scheduled reviews whose time has come. Each flips exactly once, whichever
/// server runs this first. Returns how many were published.
pub async fn publish_due(store: &Store, now: i64) -> Result<u64> {
    // A read first, so servers do not take the write lock every time they look.
    let due: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reviews WHERE status = 'scheduled' AND published_at <= $1")
        .bind(now)
        .fetch_one(store.pool())
        .await?;
    if due == 0 {
        return Ok(0);
    }
    let mut tx = store.begin().await?;
    let due: Vec<i64> = sqlx::query_scalar("SELECT id FROM reviews WHERE status = 'scheduled' AND published_at <= $1")
        .bind(now)
        .fetch_all(&mut *tx)
        .await?;
    let published =
        sqlx::query("UPDATE reviews SET status = 'published' WHERE status = 'scheduled' AND published_at <= $1")
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    for id in due {
        crate::search::index_review(&mut tx, id).await?;
    }
    if published > 0 {
        content::bump(&mut tx).await?;
    }
    tx.commit().await?;
    if published > 0 {
        tracing::info!(published, "published scheduled reviews");
    }
    Ok(published)
}

/// A review as a list shows it: with its film's title, year and poster.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewCard {
    pub id: i64,
    pub slug: String,
    pub headline: Option<String>,
    pub summary: Option<String>,
    /// The first few hundred characters of the body's text, for an excerpt when there is no summary.
    pub body_start: String,
    pub score: Option<Score>,
    pub verdict_override: Option<String>,
    pub published_at: Option<i64>,
    pub word_count: i64,
    pub film_id: i64,
    pub film_slug: String,
    pub film_title: String,
    pub film_year: Option<i32>,
    pub poster: Option<Picture>,
    pub author_slug: Option<String>,
    pub author_name: Option<String>,
}

/// A published review with everything its page shows about the review itself.
#[derive(Clone, Debug, PartialEq)]
pub struct Review {
    pub card: ReviewCard,
    pub body_html: SafeHtml,
    pub spoilers: bool,
    pub watched_on: Option<String>,
    pub rewatch: bool,
    pub updated_at: i64,
    pub tags: Vec<crate::films::Named>,
}

/// Which published reviews a list holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    All,
    Year(i32),
    GenreSlug(String),
    TagSlug(String),
    Author(i64),
    Film(i64),
    /// Reviews of films the person is credited on.
    Person(i64),
    /// Scores from `min` up to, not including, `below`.
    Score {
        min: Score,
        below: Option<Score>,
    },
}

const CARD_COLUMNS: &str = "r.id, r.slug, r.headline, r.summary, SUBSTR(r.body_text, 1, 600) AS body_start, r.score_tenths, r.verdict_override, r.published_at, \
    r.word_count, r.film_id, f.slug AS film_slug, f.title AS film_title, f.year AS film_year, f.poster_url, \
    u.slug AS author_slug, u.display_name AS author_name";

const CARD_FROM: &str = "FROM reviews r JOIN films f ON f.id = r.film_id \
    LEFT JOIN media m ON m.id = f.poster_media_id LEFT JOIN users u ON u.id = r.author_id";

fn card_select() -> String {
    format!("SELECT {CARD_COLUMNS}, {} {CARD_FROM}", image_columns("m", "poster_"))
}

fn card_from_row(row: &AnyRow) -> Result<ReviewCard> {
    let score: Option<i64> = row.try_get("score_tenths")?;
    let year: Option<i64> = row.try_get("film_year")?;
    Ok(ReviewCard {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        headline: row.try_get("headline")?,
        summary: row.try_get("summary")?,
        body_start: row.try_get("body_start")?,
        score: score.map(Score::from_tenths).transpose().map_err(|e| Error::Corrupt(e.to_string()))?,
        verdict_override: row.try_get("verdict_override")?,
        published_at: row.try_get("published_at")?,
        word_count: row.try_get("word_count")?,
        film_id: row.try_get("film_id")?,
        film_slug: row.try_get("film_slug")?,
        film_title: row.try_get("film_title")?,
        film_year: year.map(|y| y as i32),
        poster: picture_from_row(row, "poster_url", "poster_")?,
        author_slug: row.try_get("author_slug")?,
        author_name: row.try_get("author_name")?,
    })
}

/// The SQL condition for a filter and the values it binds, numbered from `$1`.
fn condition(filter: &Filter) -> (String, Vec<FilterValue>) {
    match filter {
        Filter::All => (String::new(), vec![]),
        Filter::Year(year) => (" AND f.year = $1".into(), vec![FilterValue::Int(i64::from(*year))]),
        Filter::GenreSlug(slug) => (
            " AND r.film_id IN (SELECT fg.film_id FROM film_genres fg JOIN genres g ON g.id = fg.genre_id WHERE g.slug = $1)".into(),
            vec![FilterValue::Text(slug.clone())],
        ),
        Filter::TagSlug(slug) => (
            " AND r.id IN (SELECT rt.review_id FROM review_tags rt JOIN tags t ON t.id = rt.tag_id WHERE t.slug = $1)".into(),
            vec![FilterValue::Text(slug.clone())],
        ),
        Filter::Author(id) => (" AND r.author_id = $1".into(), vec![FilterValue::Int(*id)]),
        Filter::Film(id) => (" AND r.film_id = $1".into(), vec![FilterValue::Int(*id)]),
        Filter::Person(id) => (
            " AND r.film_id IN (SELECT c.film_id FROM credits c WHERE c.person_id = $1)".into(),
            vec![FilterValue::Int(*id)],
        ),
        Filter::Score { min, below: Some(below) } => (
            " AND r.score_tenths >= $1 AND r.score_tenths < $2".into(),
            vec![FilterValue::Int(min.tenths()), FilterValue::Int(below.tenths())],
        ),
        Filter::Score { min, below: None } => (" AND r.score_tenths >= $1".into(), vec![FilterValue::Int(min.tenths())]),
    }
}

enum FilterValue {
    Int(i64),
    Text(String),
}

fn bind_all<'q>(
    mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    values: &'q [FilterValue],
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    for value in values {
        query = match value {
            FilterValue::Int(v) => query.bind(*v),
            FilterValue::Text(v) => query.bind(v.as_str()),
        };
    }
    query
}

/// One page of published reviews matching `filter`, newest first, and how many match in all.
pub async fn published(store: &Store, filter: &Filter, limit: i64, offset: i64) -> Result<(Vec<ReviewCard>, i64)> {
    let (condition, values) = condition(filter);
    let n = values.len();
    let sql = format!(
        "{} WHERE r.status = 'published'{condition} ORDER BY r.published_at DESC, r.id DESC LIMIT ${} OFFSET ${}",
        card_select(),
        n + 1,
        n + 2
    );
    let rows = bind_all(sqlx::query(&sql), &values).bind(limit).bind(offset).fetch_all(store.pool()).await?;
    let cards = rows.iter().map(card_from_row).collect::<Result<Vec<_>>>()?;
    let count_sql = format!("SELECT COUNT(*) {CARD_FROM} WHERE r.status = 'published'{condition}");
    let total: i64 = bind_all(sqlx::query(&count_sql), &values).fetch_one(store.pool()).await?.try_get(0)?;
    Ok((cards, total))
}

/// Up to `limit` published reviews, newest first, that come after `after` (the publication
/// time and id of the last one already seen): keyset pages that stay put as reviews are added.
pub async fn published_after(
    store: &Store,
    filter: &Filter,
    after: Option<(i64, i64)>,
    limit: i64,
) -> Result<Vec<ReviewCard>> {
    let (condition, values) = condition(filter);
    let n = values.len();
    let (at, id) = after.unwrap_or((i64::MAX, i64::MAX));
    let sql = format!(
        "{} WHERE r.status = 'published'{condition} AND (r.published_at < ${a} OR (r.published_at = ${a} AND r.id < ${b})) \
         ORDER BY r.published_at DESC, r.id DESC LIMIT ${c}",
        card_select(),
        a = n + 1,
        b = n + 2,
        c = n + 3
    );
    let rows = bind_all(sqlx::query(&sql), &values).bind(at).bind(id).bind(limit).fetch_all(store.pool()).await?;
    rows.iter().map(card_from_row).collect()
}

/// The film (title and year) of the review with this slug, whatever its status.
pub async fn film_of_slug(store: &Store, slug: &str) -> Result<Option<(String, Option<i32>)>> {
    let row = sqlx::query("SELECT f.title, f.year FROM reviews r JOIN films f ON f.id = r.film_id WHERE r.slug = $1")
        .bind(slug)
        .fetch_optional(store.pool())
        .await?;
    row.map(|row| {
        let year: Option<i64> = row.try_get("year")?;
        Ok((row.try_get("title")?, year.map(|y| y as i32)))
    })
    .transpose()
}

/// Every review's id, whatever its status, oldest first (for exports).
pub async fn all_ids(store: &Store) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM reviews ORDER BY id").fetch_all(store.pool()).await?)
}

/// The library images a review's body shows: each destination as written, and its media row.
pub async fn images_of(store: &Store, review_id: i64) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query("SELECT src, media_id FROM review_images WHERE review_id = $1 ORDER BY src")
        .bind(review_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(|row| Ok((row.try_get("src")?, row.try_get("media_id")?))).collect()
}

/// Published reviews with these ids, in the order given.
pub async fn published_by_ids(store: &Store, ids: &[i64]) -> Result<Vec<ReviewCard>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("{} WHERE r.status = 'published' AND r.id IN ({})", card_select(), placeholders(1, ids.len()));
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(store.pool()).await?;
    let mut cards: HashMap<i64, ReviewCard> =
        rows.iter().map(|row| card_from_row(row).map(|c| (c.id, c))).collect::<Result<_>>()?;
    Ok(ids.iter().filter_map(|id| cards.remove(id)).collect())
}

fn review_select(condition: &str) -> String {
    format!(
        "SELECT {CARD_COLUMNS}, {}, r.body_html, r.spoilers, r.watched_on, r.rewatch, r.updated_at {CARD_FROM} \
         WHERE {condition} AND r.status = 'published'",
        image_columns("m", "poster_")
    )
}

fn review_from_row(row: &AnyRow, tags: Vec<crate::films::Named>) -> Result<Review> {
    Ok(Review {
        card: card_from_row(row)?,
        body_html: SafeHtml::from_stored(row.try_get("body_html")?),
        spoilers: row.try_get::<i64, _>("spoilers")? != 0,
        watched_on: row.try_get("watched_on")?,
        rewatch: row.try_get::<i64, _>("rewatch")? != 0,
        updated_at: row.try_get("updated_at")?,
        tags,
    })
}

/// The published review with this slug.
pub async fn published_by_slug(store: &Store, slug: &str) -> Result<Option<Review>> {
    let Some(row) = sqlx::query(&review_select("r.slug = $1")).bind(slug).fetch_optional(store.pool()).await? else {
        return Ok(None);
    };
    let id: i64 = row.try_get("id")?;
    let tags = tags_where(store, "rt.review_id = $1", Some(id)).await?.remove(&id).unwrap_or_default();
    review_from_row(&row, tags).map(Some)
}

/// The published review with this id.
pub async fn published_by_id(store: &Store, id: i64) -> Result<Option<Review>> {
    let Some(row) = sqlx::query(&review_select("r.id = $1")).bind(id).fetch_optional(store.pool()).await? else {
        return Ok(None);
    };
    let id: i64 = row.try_get("id")?;
    let tags = tags_where(store, "rt.review_id = $1", Some(id)).await?.remove(&id).unwrap_or_default();
    review_from_row(&row, tags).map(Some)
}

/// Every published review as `published_by_slug` reads it, newest first (the order of every
/// list), in two queries.
pub async fn all_published(store: &Store) -> Result<Vec<Review>> {
    let sql = format!("{} ORDER BY r.published_at DESC, r.id DESC", review_select("1 = 1"));
    let rows = sqlx::query(&sql).fetch_all(store.pool()).await?;
    let mut tags =
        tags_where(store, "rt.review_id IN (SELECT id FROM reviews WHERE status = 'published')", None).await?;
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            review_from_row(row, tags.remove(&id).unwrap_or_default())
        })
        .collect()
}

/// Tags of the reviews `condition` (over `rt`) selects, by review, in order.
async fn tags_where(
    store: &Store,
    condition: &str,
    review_id: Option<i64>,
) -> Result<HashMap<i64, Vec<crate::films::Named>>> {
    let sql = format!(
        "SELECT rt.review_id, t.slug, t.name FROM review_tags rt JOIN tags t ON t.id = rt.tag_id \
         WHERE {condition} ORDER BY rt.review_id, rt.position"
    );
    let rows = crate::rows_for(store, &sql, review_id).await?;
    crate::grouped(&rows, "review_id", |row| {
        Ok(crate::films::Named { slug: row.try_get("slug")?, name: row.try_get("name")?, reviews: 0 })
    })
}

/// Published reviews' scores, for counting reviews per verdict band.
pub async fn published_scores(store: &Store) -> Result<Vec<Score>> {
    let tenths: Vec<i64> =
        sqlx::query_scalar("SELECT score_tenths FROM reviews WHERE status = 'published' AND score_tenths IS NOT NULL")
            .fetch_all(store.pool())
            .await?;
    tenths.into_iter().map(|t| Score::from_tenths(t).map_err(|e| Error::Corrupt(e.to_string()))).collect()
}

/// What related reviews are judged on, for every published review (three queries in all).
pub async fn related_features(store: &Store) -> Result<Vec<ReviewFeatures>> {
    let rows = sqlx::query(
        "SELECT r.id, r.film_id, f.year, r.body_text FROM reviews r JOIN films f ON f.id = r.film_id WHERE r.status = 'published'",
    )
    .fetch_all(store.pool())
    .await?;
    let mut features = Vec::with_capacity(rows.len());
    for row in &rows {
        let year: Option<i64> = row.try_get("year")?;
        features.push(ReviewFeatures {
            review_id: row.try_get("id")?,
            film_id: row.try_get("film_id")?,
            year: year.map(|y| y as i32),
            text: row.try_get("body_text")?,
            ..ReviewFeatures::default()
        });
    }
    let mut by_film: HashMap<i64, Vec<usize>> = HashMap::new();
    for (i, f) in features.iter().enumerate() {
        by_film.entry(f.film_id).or_default().push(i);
    }
    let credits = sqlx::query(
        "SELECT c.film_id, c.person_id, c.department FROM credits c \
         WHERE c.film_id IN (SELECT film_id FROM reviews WHERE status = 'published') ORDER BY c.film_id, c.billing_order",
    )
    .fetch_all(store.pool())
    .await?;
    for row in &credits {
        let film_id: i64 = row.try_get("film_id")?;
        let person_id: i64 = row.try_get("person_id")?;
        let department = marquee_core::Department::parse(&row.try_get::<String, _>("department")?);
        for &i in by_film.get(&film_id).into_iter().flatten() {
            match department {
                marquee_core::Department::Directing => features[i].directors.push(person_id),
                marquee_core::Department::Cast => features[i].cast.push(person_id),
                _ => {}
            }
        }
    }
    let genres = sqlx::query(
        "SELECT film_id, genre_id FROM film_genres WHERE film_id IN (SELECT film_id FROM reviews WHERE status = 'published')",
    )
    .fetch_all(store.pool())
    .await?;
    for row in &genres {
        let film_id: i64 = row.try_get("film_id")?;
        let genre_id: i64 = row.try_get("genre_id")?;
        for &i in by_film.get(&film_id).into_iter().flatten() {
            features[i].genres.push(genre_id);
        }
    }
    Ok(features)
}

/// How many reviews the store holds, by status (for summaries and checks).
pub async fn count_by_status(store: &Store, status: ReviewStatus) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM reviews WHERE status = $1")
        .bind(status.as_str())
        .fetch_one(store.pool())
        .await?)
}

/// A published review as a feed carries it: its card, its body and its tags.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedReview {
    pub card: ReviewCard,
    pub body_html: SafeHtml,
    pub updated_at: i64,
    pub tags: Vec<String>,
}

/// The newest `limit` published reviews matching `filter`, with their bodies and tags (two
/// queries).
pub async fn published_for_feed(store: &Store, filter: &Filter, limit: i64) -> Result<Vec<FeedReview>> {
    let (condition, values) = condition(filter);
    let sql = format!(
        "SELECT {CARD_COLUMNS}, {}, r.body_html, r.updated_at {CARD_FROM} WHERE r.status = 'published'{condition} \
         ORDER BY r.published_at DESC, r.id DESC LIMIT ${}",
        image_columns("m", "poster_"),
        values.len() + 1
    );
    let rows = bind_all(sqlx::query(&sql), &values).bind(limit).fetch_all(store.pool()).await?;
    let mut reviews = rows
        .iter()
        .map(|row| {
            Ok(FeedReview {
                card: card_from_row(row)?,
                body_html: SafeHtml::from_stored(row.try_get("body_html")?),
                updated_at: row.try_get("updated_at")?,
                tags: Vec::new(),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if reviews.is_empty() {
        return Ok(reviews);
    }
    let ids: Vec<i64> = reviews.iter().map(|r| r.card.id).collect();
    let sql = format!(
        "SELECT rt.review_id, t.name FROM review_tags rt JOIN tags t ON t.id = rt.tag_id \
         WHERE rt.review_id IN ({}) ORDER BY rt.review_id, rt.position",
        placeholders(1, ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in &ids {
        query = query.bind(*id);
    }
    let mut by_review: HashMap<i64, Vec<String>> = HashMap::new();
    for row in query.fetch_all(store.pool()).await? {
        by_review.entry(row.try_get("review_id")?).or_default().push(row.try_get("name")?);
    }
    for review in &mut reviews {
        review.tags = by_review.remove(&review.card.id).unwrap_or_default();
    }
    Ok(reviews)
}

/// What a sitemap lists: each public page's slug and when it last changed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SitemapRows {
    pub reviews: Vec<(String, i64)>,
    pub films: Vec<(String, i64)>,
    pub people: Vec<String>,
    pub writers: Vec<(String, i64)>,
}

pub async fn sitemap_rows(store: &Store) -> Result<SitemapRows> {
    let pairs = |rows: Vec<AnyRow>| -> Result<Vec<(String, i64)>> {
        rows.iter().map(|row| Ok((row.try_get("slug")?, row.try_get("changed")?))).collect()
    };
    let reviews = sqlx::query(
        "SELECT slug, updated_at AS changed FROM reviews WHERE status = 'published' ORDER BY published_at DESC, id DESC",
    )
    .fetch_all(store.pool())
    .await?;
    let films = sqlx::query(
        "SELECT f.slug, MAX(r.updated_at) AS changed FROM films f JOIN reviews r ON r.film_id = f.id \
         WHERE r.status = 'published' GROUP BY f.slug ORDER BY f.slug",
    )
    .fetch_all(store.pool())
    .await?;
    let writers = sqlx::query(
        "SELECT u.slug, MAX(r.updated_at) AS changed FROM users u JOIN reviews r ON r.author_id = u.id \
         WHERE r.status = 'published' GROUP BY u.slug ORDER BY u.slug",
    )
    .fetch_all(store.pool())
    .await?;
    let people: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT p.slug FROM people p JOIN credits c ON c.person_id = p.id \
         WHERE c.film_id IN (SELECT film_id FROM reviews WHERE status = 'published') ORDER BY p.slug",
    )
    .fetch_all(store.pool())
    .await?;
    Ok(SitemapRows { reviews: pairs(reviews)?, films: pairs(films)?, people, writers: pairs(writers)? })
}

/// The plain text of these published reviews, by id (for search snippets).
pub async fn texts(store: &Store, ids: &[i64]) -> Result<HashMap<i64, String>> {
    published_texts(store, "reviews", ids).await
}

/// The plain text of these published rows of `table` (reviews or posts), by id.
pub(crate) async fn published_texts(store: &Store, table: &str, ids: &[i64]) -> Result<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT id, body_text FROM {table} WHERE status = 'published' AND id IN ({})",
        placeholders(1, ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    query.fetch_all(store.pool()).await?.iter().map(|row| Ok((row.try_get("id")?, row.try_get("body_text")?))).collect()
}

/// How many members have a published review.
pub async fn count_writers(store: &Store) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(DISTINCT author_id) FROM reviews WHERE status = 'published'")
        .fetch_one(store.pool())
        .await?)
}
