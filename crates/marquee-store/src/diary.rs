//! The diary: films a user watched, on a date, with an optional rating (tenths on the 10-point
//! scale), rewatch and like flags, tags and a short review that can become a full one.

use crate::media::{image_columns, picture_from_row, Picture};
use crate::{content, now, Conn, Error, Result, Store};
use marquee_core::Score;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

/// What a diary entry holds, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct EntryInput {
    pub film_id: i64,
    /// `YYYY-MM-DD`.
    pub watched_on: String,
    pub rating: Option<Score>,
    pub rewatch: bool,
    pub liked: bool,
    pub tags: Vec<String>,
    pub review_text: String,
}

/// A diary entry with its film, as pages show it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub id: i64,
    pub user_id: i64,
    pub film_id: i64,
    pub film_slug: String,
    pub film_title: String,
    pub film_year: Option<i32>,
    pub runtime_minutes: Option<i64>,
    pub poster: Option<Picture>,
    pub watched_on: String,
    pub rating: Option<Score>,
    pub rewatch: bool,
    pub liked: bool,
    pub tags: Vec<String>,
    pub review_text: String,
    pub review_id: Option<i64>,
}

fn select() -> String {
    format!(
        "SELECT d.id, d.user_id, d.film_id, f.slug AS film_slug, f.title AS film_title, f.year AS film_year, \
           f.runtime_minutes, f.poster_url, {}, d.watched_on, d.rating_tenths, d.rewatch, d.liked, d.tags, \
           d.review_text, d.review_id \
         FROM diary_entries d JOIN films f ON f.id = d.film_id LEFT JOIN media m ON m.id = f.poster_media_id",
        image_columns("m", "poster_")
    )
}

fn entry_from_row(row: &AnyRow) -> Result<Entry> {
    let year: Option<i64> = row.try_get("film_year")?;
    let rating: Option<i64> = row.try_get("rating_tenths")?;
    let tags: String = row.try_get("tags")?;
    Ok(Entry {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        film_id: row.try_get("film_id")?,
        film_slug: row.try_get("film_slug")?,
        film_title: row.try_get("film_title")?,
        film_year: year.map(|y| y as i32),
        runtime_minutes: row.try_get("runtime_minutes")?,
        poster: picture_from_row(row, "poster_url", "poster_")?,
        watched_on: row.try_get("watched_on")?,
        rating: rating.map(Score::from_tenths).transpose().map_err(|e| Error::Corrupt(e.to_string()))?,
        rewatch: row.try_get::<i64, _>("rewatch")? != 0,
        liked: row.try_get::<i64, _>("liked")? != 0,
        tags: tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect(),
        review_text: row.try_get("review_text")?,
        review_id: row.try_get("review_id")?,
    })
}

pub async fn create(conn: &mut Conn, user_id: i64, entry: &EntryInput) -> Result<i64> {
    let now = now();
    let id = sqlx::query_scalar(
        "INSERT INTO diary_entries (user_id, film_id, watched_on, rating_tenths, rewatch, liked, tags, review_text, \
           created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
    )
    .bind(user_id)
    .bind(entry.film_id)
    .bind(&entry.watched_on)
    .bind(entry.rating.map(Score::tenths))
    .bind(i64::from(entry.rewatch))
    .bind(i64::from(entry.liked))
    .bind(entry.tags.join(", "))
    .bind(&entry.review_text)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    content::bump(conn).await?;
    Ok(id)
}

pub async fn update(conn: &mut Conn, id: i64, entry: &EntryInput) -> Result<()> {
    sqlx::query(
        "UPDATE diary_entries SET film_id = $1, watched_on = $2, rating_tenths = $3, rewatch = $4, liked = $5, \
           tags = $6, review_text = $7, updated_at = $8 WHERE id = $9",
    )
    .bind(entry.film_id)
    .bind(&entry.watched_on)
    .bind(entry.rating.map(Score::tenths))
    .bind(i64::from(entry.rewatch))
    .bind(i64::from(entry.liked))
    .bind(entry.tags.join(", "))
    .bind(&entry.review_text)
    .bind(now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    content::bump(conn).await
}

pub async fn delete(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM diary_entries WHERE id = $1").bind(id).execute(&mut *conn).await?;
    crate::federation::forget_source(conn, "diary", id).await?;
    content::bump(conn).await
}

/// Links an entry to the full review its short review became.
pub async fn set_review(conn: &mut Conn, id: i64, review_id: i64) -> Result<()> {
    sqlx::query("UPDATE diary_entries SET review_id = $1 WHERE id = $2").bind(review_id).bind(id).execute(conn).await?;
    Ok(())
}

pub async fn by_id(store: &Store, id: i64) -> Result<Option<Entry>> {
    let row = sqlx::query(&format!("{} WHERE d.id = $1", select())).bind(id).fetch_optional(store.pool()).await?;
    row.as_ref().map(entry_from_row).transpose()
}

/// A user's entries watched from `from` up to, not including, `until` (dates as `YYYY-MM-DD`),
/// newest first.
pub async fn between(store: &Store, user_id: i64, from: &str, until: &str) -> Result<Vec<Entry>> {
    let rows = sqlx::query(&format!(
        "{} WHERE d.user_id = $1 AND d.watched_on >= $2 AND d.watched_on < $3 ORDER BY d.watched_on DESC, d.id DESC",
        select()
    ))
    .bind(user_id)
    .bind(from)
    .bind(until)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(entry_from_row).collect()
}

/// A user's most recent entries.
pub async fn recent(store: &Store, user_id: i64, limit: i64) -> Result<Vec<Entry>> {
    let rows =
        sqlx::query(&format!("{} WHERE d.user_id = $1 ORDER BY d.watched_on DESC, d.id DESC LIMIT $2", select()))
            .bind(user_id)
            .bind(limit)
            .fetch_all(store.pool())
            .await?;
    rows.iter().map(entry_from_row).collect()
}

/// Up to `limit` of a user's entries, newest first (by watch date, then id), after `after`
/// (the watch date and id of the last one already seen).
pub async fn of_user_after(store: &Store, user_id: i64, after: Option<(&str, i64)>, limit: i64) -> Result<Vec<Entry>> {
    let (date, id) = after.unwrap_or(("9999-99-99", i64::MAX));
    let rows = sqlx::query(&format!(
        "{} WHERE d.user_id = $1 AND (d.watched_on < $2 OR (d.watched_on = $2 AND d.id < $3)) \
         ORDER BY d.watched_on DESC, d.id DESC LIMIT $4",
        select()
    ))
    .bind(user_id)
    .bind(date)
    .bind(id)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(entry_from_row).collect()
}

/// The years a user logged films in, newest first, with how many entries each.
pub async fn years(store: &Store, user_id: i64) -> Result<Vec<(i32, i64)>> {
    let rows = sqlx::query(
        "SELECT SUBSTR(watched_on, 1, 4) AS year, COUNT(*) AS n FROM diary_entries WHERE user_id = $1 \
         GROUP BY SUBSTR(watched_on, 1, 4) ORDER BY year DESC",
    )
    .bind(user_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let year: String = row.try_get("year")?;
            let year = year.parse().map_err(|_| Error::Corrupt(format!("diary year \"{year}\"")))?;
            Ok((year, row.try_get("n")?))
        })
        .collect()
}

/// A film's entries in public diaries, with their writers' names and slugs, newest first.
pub async fn public_for_film(store: &Store, film_id: i64) -> Result<Vec<(String, String, Entry)>> {
    Ok(public_where(store, "d.film_id = $1", Some(film_id)).await?.remove(&film_id).unwrap_or_default())
}

/// `public_for_film` for each of the films of `set`, by film.
pub async fn public_for_films(
    store: &Store,
    set: crate::films::FilmSet,
) -> Result<HashMap<i64, Vec<(String, String, Entry)>>> {
    public_where(store, &format!("d.film_id IN ({})", set.ids()), None).await
}

async fn public_where(
    store: &Store,
    condition: &str,
    film_id: Option<i64>,
) -> Result<HashMap<i64, Vec<(String, String, Entry)>>> {
    let sql = format!(
        "{} JOIN users u ON u.id = d.user_id WHERE {condition} AND u.diary_public = 1 \
         ORDER BY d.watched_on DESC, d.id DESC",
        select().replace("SELECT d.id", "SELECT u.display_name AS writer_name, u.slug AS writer_slug, d.id")
    );
    let rows = crate::rows_for(store, &sql, film_id).await?;
    crate::grouped(&rows, "film_id", |row| {
        Ok((row.try_get("writer_name")?, row.try_get("writer_slug")?, entry_from_row(row)?))
    })
}

/// Every public rating the site's writers gave a film: each writer's latest rating in their
/// public diary, or their published review's score when their diary holds none (a private
/// diary's ratings stay private). One per writer.
pub async fn ratings_for_film(store: &Store, film_id: i64) -> Result<Vec<Score>> {
    Ok(ratings_where(store, "= $1", Some(film_id)).await?.remove(&film_id).unwrap_or_default())
}

/// `ratings_for_film` for each of the films of `set`, by film.
pub async fn ratings_for_films(store: &Store, set: crate::films::FilmSet) -> Result<HashMap<i64, Vec<Score>>> {
    ratings_where(store, &format!("IN ({})", set.ids()), None).await
}

/// Ratings of the films whose id is `film_test` (`= $1` or `IN (…)`), by film.
async fn ratings_where(store: &Store, film_test: &str, film_id: Option<i64>) -> Result<HashMap<i64, Vec<Score>>> {
    let diary_sql = format!(
        "SELECT d.film_id, d.user_id, d.rating_tenths FROM diary_entries d JOIN users u ON u.id = d.user_id \
         WHERE d.film_id {film_test} AND d.rating_tenths IS NOT NULL AND u.diary_public = 1 \
         ORDER BY d.watched_on DESC, d.id DESC"
    );
    let reviews_sql = format!(
        "SELECT film_id, author_id AS user_id, score_tenths AS rating_tenths FROM reviews \
         WHERE film_id {film_test} AND status = 'published' AND score_tenths IS NOT NULL AND author_id IS NOT NULL \
         ORDER BY published_at DESC, id DESC"
    );
    let diary = crate::rows_for(store, &diary_sql, film_id).await?;
    let reviews = crate::rows_for(store, &reviews_sql, film_id).await?;
    let mut seen = std::collections::HashSet::new();
    let mut ratings: HashMap<i64, Vec<Score>> = HashMap::new();
    for row in diary.iter().chain(reviews.iter()) {
        let film: i64 = row.try_get("film_id")?;
        let user: i64 = row.try_get("user_id")?;
        let tenths: i64 = row.try_get("rating_tenths")?;
        if seen.insert((film, user)) {
            ratings
                .entry(film)
                .or_default()
                .push(Score::from_tenths(tenths).map_err(|e| Error::Corrupt(e.to_string()))?);
        }
    }
    Ok(ratings)
}

/// Directors and cast of these films: (film id, person slug, person name, department).
pub async fn people_of_films(
    store: &Store,
    film_ids: &[i64],
) -> Result<Vec<(i64, String, String, marquee_core::Department)>> {
    if film_ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT c.film_id, p.slug, p.name, c.department FROM credits c JOIN people p ON p.id = c.person_id \
         WHERE c.department IN ('directing', 'cast') AND c.film_id IN ({})",
        crate::placeholders(1, film_ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in film_ids {
        query = query.bind(*id);
    }
    let rows = query.fetch_all(store.pool()).await?;
    rows.iter()
        .map(|row| {
            let department = marquee_core::Department::parse(&row.try_get::<String, _>("department")?);
            Ok((row.try_get("film_id")?, row.try_get("slug")?, row.try_get("name")?, department))
        })
        .collect()
}

/// Writes an entry that came from elsewhere under its source's identifier (a Letterboxd
/// viewing's link): created the first time, updated when it changed, kept when it did not.
pub async fn import(conn: &mut Conn, user_id: i64, source: &str, entry: &EntryInput) -> Result<crate::marks::Change> {
    use crate::marks::Change;
    let existing = sqlx::query(
        "SELECT id, film_id, watched_on, rating_tenths, rewatch, liked, tags, review_text FROM diary_entries \
         WHERE user_id = $1 AND letterboxd_uri = $2",
    )
    .bind(user_id)
    .bind(source)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = existing else {
        let id = create(conn, user_id, entry).await?;
        sqlx::query("UPDATE diary_entries SET letterboxd_uri = $1 WHERE id = $2")
            .bind(source)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        return Ok(Change::Created);
    };
    let same = row.try_get::<i64, _>("film_id")? == entry.film_id
        && row.try_get::<String, _>("watched_on")? == entry.watched_on
        && row.try_get::<Option<i64>, _>("rating_tenths")? == entry.rating.map(Score::tenths)
        && (row.try_get::<i64, _>("rewatch")? != 0) == entry.rewatch
        && (row.try_get::<i64, _>("liked")? != 0) == entry.liked
        && row.try_get::<String, _>("tags")? == entry.tags.join(", ")
        && row.try_get::<String, _>("review_text")? == entry.review_text;
    if same {
        return Ok(Change::Unchanged);
    }
    update(conn, row.try_get("id")?, entry).await?;
    Ok(Change::Updated)
}
