//! Filling in films' facts from an outside catalogue (IMDb's datasets): only what a film lacks,
//! never over what a writer entered, so the same catalogue applied twice changes nothing.

use crate::{now, Conn, Result, Store};
use marquee_core::Department;
use sqlx::Row;
use std::collections::HashMap;

/// A department a film has no credits in, or has credits of people not yet identified.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Departments {
    pub directing: bool,
    pub writing: bool,
    pub cast: bool,
}

impl Departments {
    pub fn any(&self) -> bool {
        self.directing || self.writing || self.cast
    }
}

/// A film the catalogue may complete, with what it lacks.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub film_id: i64,
    pub imdb_id: Option<String>,
    pub title: String,
    pub year: Option<i32>,
    pub lacks_runtime: bool,
    pub lacks_original_title: bool,
    pub lacks_genres: bool,
    /// Departments without any credit: the catalogue's people are added.
    pub empty: Departments,
    /// Departments with people lacking an IMDb id: the catalogue's people of the same name are
    /// identified.
    pub unidentified: Departments,
}

/// Whether a film is in use: reviewed, logged, listed, on a watchlist or marked. Only films in
/// use are given people; the rest of a catalogue keeps its directors alone, so a catalogue of
/// hundreds of thousands of films is not completed (and held in memory) on every import.
const IN_USE: &str = "(EXISTS (SELECT 1 FROM reviews r WHERE r.film_id = f.id) \
    OR EXISTS (SELECT 1 FROM diary_entries d WHERE d.film_id = f.id) \
    OR EXISTS (SELECT 1 FROM list_items l WHERE l.film_id = f.id) \
    OR EXISTS (SELECT 1 FROM watchlist w WHERE w.film_id = f.id) \
    OR EXISTS (SELECT 1 FROM film_marks m WHERE m.film_id = f.id))";

/// The films that lack something the catalogue holds (or are not yet linked to it).
pub async fn targets(store: &Store) -> Result<Vec<Target>> {
    let count = |department: Department, unidentified: bool| {
        format!(
            "CASE WHEN {IN_USE} THEN (SELECT COUNT(*) FROM credits c{} WHERE c.film_id = f.id AND c.department = '{department}'{}) \
             ELSE {} END",
            if unidentified { " JOIN people p ON p.id = c.person_id" } else { "" },
            if unidentified { " AND p.imdb_id IS NULL" } else { "" },
            if unidentified { 0 } else { 1 },
        )
    };
    // An original title is only filled beside something else: most films have none to give.
    let sql = format!(
        "SELECT * FROM (SELECT f.id, f.imdb_id, f.title, f.year, f.runtime_minutes, f.original_title, \
           (SELECT COUNT(*) FROM film_genres g WHERE g.film_id = f.id) AS genres, \
           {} AS directing, {} AS writing, {} AS cast_, {} AS directing_unknown, {} AS writing_unknown, {} AS cast_unknown \
         FROM films f) t \
         WHERE imdb_id IS NULL OR runtime_minutes IS NULL OR year IS NULL OR genres = 0 \
           OR directing = 0 OR writing = 0 OR cast_ = 0 \
           OR directing_unknown > 0 OR writing_unknown > 0 OR cast_unknown > 0 \
         ORDER BY id",
        count(Department::Directing, false),
        count(Department::Writing, false),
        count(Department::Cast, false),
        count(Department::Directing, true),
        count(Department::Writing, true),
        count(Department::Cast, true),
    );
    let rows = sqlx::query(&sql).fetch_all(store.pool()).await?;
    rows.iter()
        .map(|row| {
            let year: Option<i64> = row.try_get("year")?;
            let runtime: Option<i64> = row.try_get("runtime_minutes")?;
            let original: Option<String> = row.try_get("original_title")?;
            let number = |column: &str| -> Result<i64> { Ok(row.try_get(column)?) };
            Ok(Target {
                film_id: row.try_get("id")?,
                imdb_id: row.try_get("imdb_id")?,
                title: row.try_get("title")?,
                year: year.map(|y| y as i32),
                lacks_runtime: runtime.is_none(),
                lacks_original_title: original.is_none(),
                lacks_genres: number("genres")? == 0,
                empty: Departments {
                    directing: number("directing")? == 0,
                    writing: number("writing")? == 0,
                    cast: number("cast_")? == 0,
                },
                unidentified: Departments {
                    directing: number("directing_unknown")? > 0,
                    writing: number("writing_unknown")? > 0,
                    cast: number("cast_unknown")? > 0,
                },
            })
        })
        .collect()
}

/// Every IMDb title id films in the store carry.
pub async fn imdb_ids(store: &Store) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT imdb_id FROM films WHERE imdb_id IS NOT NULL").fetch_all(store.pool()).await?)
}

/// Facts for one film; each is written only where the film has none.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Facts {
    pub imdb_id: Option<String>,
    pub year: Option<i32>,
    pub runtime_minutes: Option<i64>,
    pub original_title: Option<String>,
    pub genres: Vec<String>,
}

/// Writes the facts a film lacks; returns whether anything changed.
pub async fn fill(conn: &mut Conn, film_id: i64, facts: &Facts) -> Result<bool> {
    let row = sqlx::query(
        "SELECT title, imdb_id, year, runtime_minutes, original_title, \
           (SELECT COUNT(*) FROM film_genres g WHERE g.film_id = films.id) AS genres FROM films WHERE id = $1",
    )
    .bind(film_id)
    .fetch_one(&mut *conn)
    .await?;
    let title: String = row.try_get("title")?;
    let mut changed = false;
    // The id is given only when the film has none and no other film holds it.
    let imdb_free = match &facts.imdb_id {
        Some(imdb) => {
            let holder: Option<i64> = sqlx::query_scalar("SELECT id FROM films WHERE imdb_id = $1")
                .bind(imdb)
                .fetch_optional(&mut *conn)
                .await?;
            holder.is_none()
        }
        None => false,
    };
    let imdb = row.try_get::<Option<String>, _>("imdb_id")?.is_none() && imdb_free;
    let year = row.try_get::<Option<i64>, _>("year")?.is_none() && facts.year.is_some();
    let runtime = row.try_get::<Option<i64>, _>("runtime_minutes")?.is_none() && facts.runtime_minutes.is_some();
    // An original title the same as the title says nothing.
    let original = row.try_get::<Option<String>, _>("original_title")?.is_none()
        && facts.original_title.as_deref().is_some_and(|o| o != title);
    if imdb || year || runtime || original {
        sqlx::query(
            "UPDATE films SET imdb_id = CASE WHEN $1 THEN $2 ELSE imdb_id END, \
               year = CASE WHEN $3 THEN $4 ELSE year END, \
               runtime_minutes = CASE WHEN $5 THEN $6 ELSE runtime_minutes END, \
               original_title = CASE WHEN $7 THEN $8 ELSE original_title END, updated_at = $9 WHERE id = $10",
        )
        .bind(imdb)
        .bind(&facts.imdb_id)
        .bind(year)
        .bind(facts.year.map(i64::from))
        .bind(runtime)
        .bind(facts.runtime_minutes)
        .bind(original)
        .bind(&facts.original_title)
        .bind(now())
        .bind(film_id)
        .execute(&mut *conn)
        .await?;
        changed = true;
    }
    if row.try_get::<i64, _>("genres")? == 0 && !facts.genres.is_empty() {
        crate::films::add_genres(conn, film_id, &facts.genres, &mut HashMap::new()).await?;
        changed = true;
    }
    Ok(changed)
}

/// The person with this IMDb id: found by the id, else the one person of this name without an
/// id (who is given it), else created. Returns the id and whether the person is new (and so not
/// yet in the search index: a catalogue's people stay out of it until a film in use names them).
pub async fn person(conn: &mut Conn, imdb_id: &str, name: &str) -> Result<(i64, bool)> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM people WHERE imdb_id = $1").bind(imdb_id).fetch_optional(&mut *conn).await?;
    if let Some(id) = found {
        return Ok((id, false));
    }
    let named: Vec<i64> = sqlx::query_scalar("SELECT id FROM people WHERE name = $1 AND imdb_id IS NULL LIMIT 2")
        .bind(name.trim())
        .fetch_all(&mut *conn)
        .await?;
    if let [id] = named[..] {
        sqlx::query("UPDATE people SET imdb_id = $1 WHERE id = $2").bind(imdb_id).bind(id).execute(&mut *conn).await?;
        return Ok((id, false));
    }
    let base =
        marquee_core::Slug::naming(name).map_err(|e| crate::Error::Invalid(format!("person \"{name}\": {e}")))?;
    let slug = crate::unique_slug(conn, "people", base.as_str()).await?;
    let id: i64 =
        sqlx::query_scalar("INSERT INTO people (slug, name, imdb_id, created_at) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(&slug)
            .bind(name.trim())
            .bind(imdb_id)
            .bind(now())
            .fetch_one(&mut *conn)
            .await?;
    Ok((id, true))
}

/// Gives the person credited on a film in a department under this name the IMDb id, when they
/// have none and nobody else holds it. Returns whether anyone was identified.
pub async fn identify(
    conn: &mut Conn,
    film_id: i64,
    department: &Department,
    imdb_id: &str,
    name: &str,
) -> Result<bool> {
    let holder: Option<i64> =
        sqlx::query_scalar("SELECT id FROM people WHERE imdb_id = $1").bind(imdb_id).fetch_optional(&mut *conn).await?;
    if holder.is_some() {
        return Ok(false);
    }
    let done = sqlx::query(
        "UPDATE people SET imdb_id = $1 WHERE imdb_id IS NULL AND name = $2 AND id IN \
           (SELECT person_id FROM credits WHERE film_id = $3 AND department = $4) \
           AND id = (SELECT MIN(p.id) FROM people p JOIN credits c ON c.person_id = p.id \
                     WHERE c.film_id = $3 AND c.department = $4 AND p.name = $2 AND p.imdb_id IS NULL)",
    )
    .bind(imdb_id)
    .bind(name.trim())
    .bind(film_id)
    .bind(department.as_str())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// One credit to add to a film.
#[derive(Clone, Debug, PartialEq)]
pub struct NewCredit {
    pub person_id: i64,
    pub department: Department,
    pub character: Option<String>,
}

/// Adds credits after the film's own, in the order given, and reindexes the film for search.
pub async fn add_credits(conn: &mut Conn, film_id: i64, credits: &[NewCredit]) -> Result<()> {
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(billing_order) FROM credits WHERE film_id = $1")
        .bind(film_id)
        .fetch_one(&mut *conn)
        .await?;
    let first = last.map_or(0, |n| n + 1);
    for (offset, credit) in credits.iter().enumerate() {
        sqlx::query(
            "INSERT INTO credits (film_id, person_id, department, job, character_name, billing_order) \
             VALUES ($1, $2, $3, NULL, $4, $5)",
        )
        .bind(film_id)
        .bind(credit.person_id)
        .bind(credit.department.as_str())
        .bind(&credit.character)
        .bind(first + offset as i64)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A film of the catalogue, added to the store for film pickers.
#[derive(Clone, Debug, PartialEq)]
pub struct CatalogueFilm {
    pub imdb_id: String,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub runtime_minutes: Option<i64>,
    pub genres: Vec<String>,
}

/// Adds a catalogue film with its genres (`genres` remembers their ids between calls). It has no
/// page and stays out of the search index until it is reviewed.
pub async fn add_film(conn: &mut Conn, film: &CatalogueFilm, genres: &mut HashMap<String, i64>) -> Result<i64> {
    let base = crate::revisions::slug_for(&film.title, film.year)?;
    let insert =
        "INSERT INTO films (slug, title, original_title, year, runtime_minutes, imdb_id, created_at, updated_at) \
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (slug) DO NOTHING RETURNING id";
    let write = |slug: String| {
        sqlx::query_scalar(insert)
            .bind(slug)
            .bind(&film.title)
            .bind(&film.original_title)
            .bind(film.year.map(i64::from))
            .bind(film.runtime_minutes)
            .bind(&film.imdb_id)
            .bind(now())
    };
    let id: i64 = match write(base.as_str().to_string()).fetch_optional(&mut *conn).await? {
        Some(id) => id,
        None => {
            let slug = crate::unique_slug(conn, "films", base.as_str()).await?;
            write(slug).fetch_one(&mut *conn).await?
        }
    };
    crate::films::add_genres(conn, id, &film.genres, genres).await?;
    Ok(id)
}
