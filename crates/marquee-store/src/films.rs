//! Films: their facts, genres, countries, languages and credits.

use crate::media::{image_columns, picture_from_row, Picture};
use crate::{now, Conn, Result, Store};
use marquee_core::Department;
use marquee_core::Slug;
use sqlx::Row;
use std::collections::HashMap;

/// An image given for a film when writing it.
#[derive(Clone, Debug, PartialEq)]
pub enum PictureInput {
    Media(i64),
    Url(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct CreditInput {
    pub name: String,
    pub department: Department,
    pub job: Option<String>,
    pub character: Option<String>,
}

impl CreditInput {
    /// A credit by name in a department, without a job or a character.
    pub fn new(department: Department, name: &str) -> CreditInput {
        CreditInput { name: name.to_string(), department, job: None, character: None }
    }
}

/// Everything written about a film at once (an import or an edit).
#[derive(Clone, Debug, PartialEq)]
pub struct FilmInput {
    pub slug: Slug,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub release_date: Option<String>,
    pub runtime_minutes: Option<i64>,
    pub tagline: Option<String>,
    pub synopsis: Option<String>,
    pub poster: Option<PictureInput>,
    pub backdrop: Option<PictureInput>,
    pub imdb_id: Option<String>,
    pub tmdb_id: Option<i64>,
    pub letterboxd_uri: Option<String>,
    pub genres: Vec<String>,
    pub countries: Vec<String>,
    pub languages: Vec<String>,
    /// In billing order within each department.
    pub credits: Vec<CreditInput>,
}

impl FilmInput {
    /// A film known only by its title and year (and slug).
    pub fn titled(slug: Slug, title: &str, year: Option<i32>) -> FilmInput {
        FilmInput {
            slug,
            title: title.to_string(),
            original_title: None,
            year,
            release_date: None,
            runtime_minutes: None,
            tagline: None,
            synopsis: None,
            poster: None,
            backdrop: None,
            imdb_id: None,
            tmdb_id: None,
            letterboxd_uri: None,
            genres: Vec::new(),
            countries: Vec::new(),
            languages: Vec::new(),
            credits: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Film {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub release_date: Option<String>,
    pub runtime_minutes: Option<i64>,
    pub tagline: Option<String>,
    pub synopsis: Option<String>,
    pub poster: Option<Picture>,
    pub imdb_id: Option<String>,
    pub countries: Vec<String>,
    pub languages: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Credit {
    pub person_slug: String,
    pub person_name: String,
    pub department: Department,
    pub job: Option<String>,
    pub character: Option<String>,
}

/// A genre, tag or year with how many published reviews it has.
#[derive(Clone, Debug, PartialEq)]
pub struct Named {
    pub slug: String,
    pub name: String,
    pub reviews: i64,
}

fn split_picture(picture: &Option<PictureInput>) -> (Option<i64>, Option<&str>) {
    match picture {
        Some(PictureInput::Media(id)) => (Some(*id), None),
        Some(PictureInput::Url(url)) => (None, Some(url.as_str())),
        None => (None, None),
    }
}

/// Writes a film (matched by slug) with its genres, countries, languages and credits, which
/// replace the ones it had, and reindexes it. Returns the film's id.
pub async fn upsert(conn: &mut Conn, film: &FilmInput) -> Result<i64> {
    let mut batch = crate::Batch::default();
    let id = upsert_into(conn, film, &mut batch).await?;
    batch.finish(conn).await?;
    Ok(id)
}

/// `upsert` as part of a batch of writes, which indexes the film and its people when it finishes.
pub async fn upsert_into(conn: &mut Conn, film: &FilmInput, batch: &mut crate::Batch) -> Result<i64> {
    let existed: Option<i64> = sqlx::query_scalar("SELECT id FROM films WHERE slug = $1")
        .bind(film.slug.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    let (poster_media, poster_url) = split_picture(&film.poster);
    let (backdrop_media, backdrop_url) = split_picture(&film.backdrop);
    let now = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO films (slug, title, original_title, year, release_date, runtime_minutes, tagline, synopsis, \
           poster_media_id, poster_url, backdrop_media_id, backdrop_url, imdb_id, tmdb_id, letterboxd_uri, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $16) \
         ON CONFLICT (slug) DO UPDATE SET title = excluded.title, original_title = excluded.original_title, \
           year = excluded.year, release_date = excluded.release_date, runtime_minutes = excluded.runtime_minutes, \
           tagline = excluded.tagline, synopsis = excluded.synopsis, poster_media_id = excluded.poster_media_id, \
           poster_url = excluded.poster_url, backdrop_media_id = excluded.backdrop_media_id, \
           backdrop_url = excluded.backdrop_url, imdb_id = excluded.imdb_id, tmdb_id = excluded.tmdb_id, \
           letterboxd_uri = excluded.letterboxd_uri, updated_at = excluded.updated_at \
         RETURNING id",
    )
    .bind(film.slug.as_str())
    .bind(&film.title)
    .bind(&film.original_title)
    .bind(film.year.map(i64::from))
    .bind(&film.release_date)
    .bind(film.runtime_minutes)
    .bind(&film.tagline)
    .bind(&film.synopsis)
    .bind(poster_media)
    .bind(poster_url)
    .bind(backdrop_media)
    .bind(backdrop_url)
    .bind(&film.imdb_id)
    .bind(film.tmdb_id)
    .bind(&film.letterboxd_uri)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;

    // A film just added has no genres, countries, languages or credits to replace.
    if !crate::added_here(conn, existed.is_none()) {
        for table in ["film_genres", "film_countries", "film_languages", "credits"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE film_id = $1")).bind(id).execute(&mut *conn).await?;
        }
    }
    let mut genres = Vec::with_capacity(film.genres.len());
    for name in &film.genres {
        genres.push(batch.id_of(conn, crate::Named::Genre, name).await?);
    }
    link_genres(conn, id, &genres).await?;
    for (table, values) in [("film_countries", &film.countries), ("film_languages", &film.languages)] {
        for (position, name) in values.iter().enumerate() {
            sqlx::query(&format!("INSERT INTO {table} (film_id, position, name) VALUES ($1, $2, $3)"))
                .bind(id)
                .bind(position as i64)
                .bind(name)
                .execute(&mut *conn)
                .await?;
        }
    }
    let mut people = Vec::with_capacity(film.credits.len());
    for credit in &film.credits {
        let person_id = batch.id_of(conn, crate::Named::Person, &credit.name).await?;
        batch.index.person(person_id);
        people.push(person_id);
    }
    // All the film's credits in one statement per hundred.
    let credits: Vec<(usize, &CreditInput, i64)> =
        film.credits.iter().zip(people).enumerate().map(|(order, (credit, person))| (order, credit, person)).collect();
    for chunk in credits.chunks(100) {
        let sql = format!(
            "INSERT INTO credits (film_id, person_id, department, job, character_name, billing_order) VALUES {}",
            crate::value_rows(1, chunk.len(), 6)
        );
        let mut insert = sqlx::query(&sql);
        for (order, credit, person_id) in chunk {
            insert = insert
                .bind(id)
                .bind(*person_id)
                .bind(credit.department.as_str())
                .bind(&credit.job)
                .bind(&credit.character)
                .bind(*order as i64);
        }
        insert.execute(&mut *conn).await?;
    }
    batch.index.film(id);
    batch.changed = true;
    Ok(id)
}

/// Gives a film (without genres) its genres in order; `known` keeps genre ids between calls.
pub(crate) async fn add_genres(
    conn: &mut Conn,
    film_id: i64,
    names: &[String],
    known: &mut std::collections::HashMap<String, i64>,
) -> Result<()> {
    let mut genres = Vec::with_capacity(names.len());
    for name in names {
        let genre_id = match known.get(name) {
            Some(id) => *id,
            None => {
                let id = ensure_named(conn, "genres", name).await?;
                known.insert(name.clone(), id);
                id
            }
        };
        genres.push(genre_id);
    }
    link_genres(conn, film_id, &genres).await
}

/// Links a film (without genres) to these genres, in this order.
async fn link_genres(conn: &mut Conn, film_id: i64, genres: &[i64]) -> Result<()> {
    for (position, genre_id) in genres.iter().enumerate() {
        sqlx::query("INSERT INTO film_genres (film_id, genre_id, position) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(film_id)
            .bind(*genre_id)
            .bind(position as i64)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The id of the genre or tag called `name` (matched by slug), created when new.
pub(crate) async fn ensure_named(conn: &mut Conn, table: &str, name: &str) -> Result<i64> {
    let insert = format!("INSERT INTO {table} (slug, name) VALUES ($1, $2) ON CONFLICT (slug) DO NOTHING");
    crate::ensure_slugged(conn, table, table, name, &insert).await
}

fn film_select(condition: &str) -> String {
    format!(
        "SELECT f.*, {} FROM films f LEFT JOIN media m ON m.id = f.poster_media_id WHERE {condition}",
        image_columns("m", "poster_")
    )
}

pub async fn by_slug(store: &Store, slug: &str) -> Result<Option<Film>> {
    let Some(row) = sqlx::query(&film_select("f.slug = $1")).bind(slug).fetch_optional(store.pool()).await? else {
        return Ok(None);
    };
    by_row(store, &row).await.map(Some)
}

pub async fn by_id(store: &Store, id: i64) -> Result<Option<Film>> {
    let Some(row) = sqlx::query(&film_select("f.id = $1")).bind(id).fetch_optional(store.pool()).await? else {
        return Ok(None);
    };
    by_row(store, &row).await.map(Some)
}

async fn by_row(store: &Store, row: &sqlx::any::AnyRow) -> Result<Film> {
    let id: i64 = row.try_get("id")?;
    let countries = ordered_names(store, "film_countries", id).await?;
    let languages = ordered_names(store, "film_languages", id).await?;
    film_from_row(row, countries, languages)
}

fn film_from_row(row: &sqlx::any::AnyRow, countries: Vec<String>, languages: Vec<String>) -> Result<Film> {
    let year: Option<i64> = row.try_get("year")?;
    Ok(Film {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        title: row.try_get("title")?,
        original_title: row.try_get("original_title")?,
        year: year.map(|y| y as i32),
        release_date: row.try_get("release_date")?,
        runtime_minutes: row.try_get("runtime_minutes")?,
        tagline: row.try_get("tagline")?,
        synopsis: row.try_get("synopsis")?,
        poster: picture_from_row(row, "poster_url", "poster_")?,
        imdb_id: row.try_get("imdb_id")?,
        countries,
        languages,
    })
}

async fn ordered_names(store: &Store, table: &str, film_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar(&format!("SELECT name FROM {table} WHERE film_id = $1 ORDER BY position"))
        .bind(film_id)
        .fetch_all(store.pool())
        .await?)
}

/// `table`'s names (countries or languages) of the films `film_ids` (SQL giving film ids)
/// selects, in order, by film.
async fn ordered_names_of(store: &Store, table: &str, film_ids: &str) -> Result<HashMap<i64, Vec<String>>> {
    let rows = sqlx::query(&format!(
        "SELECT film_id, name FROM {table} WHERE film_id IN ({film_ids}) ORDER BY film_id, position"
    ))
    .fetch_all(store.pool())
    .await?;
    crate::grouped(&rows, "film_id", |row| Ok(row.try_get("name")?))
}

/// The films of `set`, by id: what `by_id` reads for each, in three queries for all of them.
pub async fn many(store: &Store, set: FilmSet) -> Result<HashMap<i64, Film>> {
    let film_ids = set.ids();
    let rows = sqlx::query(&film_select(&format!("f.id IN ({film_ids})"))).fetch_all(store.pool()).await?;
    let mut countries = ordered_names_of(store, "film_countries", &film_ids).await?;
    let mut languages = ordered_names_of(store, "film_languages", &film_ids).await?;
    rows.iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            let film = film_from_row(
                row,
                countries.remove(&id).unwrap_or_default(),
                languages.remove(&id).unwrap_or_default(),
            )?;
            Ok((id, film))
        })
        .collect()
}

const CREDIT_SELECT: &str = "SELECT c.film_id, p.slug, p.name, c.department, c.job, c.character_name \
    FROM credits c JOIN people p ON p.id = c.person_id";

/// Credits of the films `condition` (over `c`) selects, by film, in billing order.
async fn credits_where(store: &Store, condition: &str, film_id: Option<i64>) -> Result<HashMap<i64, Vec<Credit>>> {
    let sql = format!("{CREDIT_SELECT} WHERE {condition} ORDER BY c.film_id, c.billing_order, c.id");
    let rows = crate::rows_for(store, &sql, film_id).await?;
    crate::grouped(&rows, "film_id", |row| {
        Ok(Credit {
            person_slug: row.try_get("slug")?,
            person_name: row.try_get("name")?,
            department: Department::parse(&row.try_get::<String, _>("department")?),
            job: row.try_get("job")?,
            character: row.try_get("character_name")?,
        })
    })
}

/// The film's credits, directors first, then writers, then cast in billing order.
pub async fn credits(store: &Store, film_id: i64) -> Result<Vec<Credit>> {
    Ok(credits_where(store, "c.film_id = $1", Some(film_id)).await?.remove(&film_id).unwrap_or_default())
}

/// The credits of the films of `set`, by film.
pub async fn credits_of(store: &Store, set: FilmSet) -> Result<HashMap<i64, Vec<Credit>>> {
    credits_where(store, &format!("c.film_id IN ({})", set.ids()), None).await
}

/// Genres of the films `condition` (over `fg`) selects, by film, in order.
async fn genres_where(store: &Store, condition: &str, film_id: Option<i64>) -> Result<HashMap<i64, Vec<Named>>> {
    let sql = format!(
        "SELECT fg.film_id, g.slug, g.name FROM film_genres fg JOIN genres g ON g.id = fg.genre_id \
         WHERE {condition} ORDER BY fg.film_id, fg.position"
    );
    let rows = crate::rows_for(store, &sql, film_id).await?;
    crate::grouped(&rows, "film_id", |row| {
        Ok(Named { slug: row.try_get("slug")?, name: row.try_get("name")?, reviews: 0 })
    })
}

pub async fn genres(store: &Store, film_id: i64) -> Result<Vec<Named>> {
    Ok(genres_where(store, "fg.film_id = $1", Some(film_id)).await?.remove(&film_id).unwrap_or_default())
}

/// The genres of the films of `set`, by film.
pub async fn genres_of(store: &Store, set: FilmSet) -> Result<HashMap<i64, Vec<Named>>> {
    genres_where(store, &format!("fg.film_id IN ({})", set.ids()), None).await
}

/// Genres that have published reviews, with their counts, by name.
pub async fn genres_with_reviews(store: &Store) -> Result<Vec<Named>> {
    named_counts(
        store,
        "SELECT g.slug, g.name, COUNT(DISTINCT r.id) AS reviews FROM genres g \
         JOIN film_genres fg ON fg.genre_id = g.id JOIN reviews r ON r.film_id = fg.film_id AND r.status = 'published' \
         GROUP BY g.slug, g.name ORDER BY g.name",
    )
    .await
}

/// Tags that have published reviews, with their counts, by name.
pub async fn tags_with_reviews(store: &Store) -> Result<Vec<Named>> {
    named_counts(
        store,
        "SELECT t.slug, t.name, COUNT(DISTINCT r.id) AS reviews FROM tags t \
         JOIN review_tags rt ON rt.tag_id = t.id JOIN reviews r ON r.id = rt.review_id AND r.status = 'published' \
         GROUP BY t.slug, t.name ORDER BY t.name",
    )
    .await
}

/// Release years that have published reviews, newest first, with their counts.
pub async fn years_with_reviews(store: &Store) -> Result<Vec<(i32, i64)>> {
    let rows = sqlx::query(
        "SELECT f.year, COUNT(r.id) AS reviews FROM films f JOIN reviews r ON r.film_id = f.id AND r.status = 'published' \
         WHERE f.year IS NOT NULL GROUP BY f.year ORDER BY f.year DESC",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let year: i64 = row.try_get("year")?;
            Ok((year as i32, row.try_get("reviews")?))
        })
        .collect()
}

async fn named_counts(store: &Store, sql: &str) -> Result<Vec<Named>> {
    let rows = sqlx::query(sql).fetch_all(store.pool()).await?;
    rows.iter()
        .map(|row| {
            Ok(Named { slug: row.try_get("slug")?, name: row.try_get("name")?, reviews: row.try_get("reviews")? })
        })
        .collect()
}

/// The name of the genre or tag with this slug.
pub async fn name_of(store: &Store, kind: NamedKind, slug: &str) -> Result<Option<String>> {
    let table = match kind {
        NamedKind::Genre => "genres",
        NamedKind::Tag => "tags",
    };
    Ok(sqlx::query_scalar(&format!("SELECT name FROM {table} WHERE slug = $1"))
        .bind(slug)
        .fetch_optional(store.pool())
        .await?)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NamedKind {
    Genre,
    Tag,
}

/// Films with published reviews, by title, named "Title (Year)", with their review counts.
pub async fn with_reviews(store: &Store) -> Result<Vec<Named>> {
    let rows = sqlx::query(
        "SELECT f.slug, f.title, f.year, COUNT(r.id) AS reviews FROM films f \
         JOIN reviews r ON r.film_id = f.id AND r.status = 'published' \
         GROUP BY f.id, f.slug, f.title, f.year ORDER BY f.title, f.year",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let title: String = row.try_get("title")?;
            let year: Option<i64> = row.try_get("year")?;
            Ok(Named {
                slug: row.try_get("slug")?,
                name: match year {
                    Some(year) => format!("{title} ({year})"),
                    None => title,
                },
                reviews: row.try_get("reviews")?,
            })
        })
        .collect()
}

/// Films chosen by what they are, for reads over many films at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilmSet {
    /// Films with a published review.
    Reviewed,
    /// Films with a public page.
    WithPublicPage,
}

impl FilmSet {
    /// SQL giving the set's film ids.
    pub(crate) fn ids(self) -> String {
        match self {
            FilmSet::Reviewed => "SELECT film_id FROM reviews WHERE status = 'published'".to_string(),
            FilmSet::WithPublicPage => crate::public_pages::FILM_BECAUSE
                .iter()
                .map(|(rows, film)| format!("SELECT {film} FROM {rows}"))
                .collect::<Vec<_>>()
                .join(" UNION "),
        }
    }
}

/// Whether the film with id `film_id` has a public page.
pub async fn has_public_page(store: &Store, film_id: i64) -> Result<bool> {
    let sql = format!("SELECT COUNT(*) FROM films f WHERE f.id = $1 AND {}", *crate::public_pages::FILM);
    let n: i64 = sqlx::query_scalar(&sql).bind(film_id).fetch_one(store.pool()).await?;
    Ok(n > 0)
}

/// A film as it stands, in the shape it is written in: for an editor to change and write back.
pub async fn editable(store: &Store, id: i64) -> Result<Option<FilmInput>> {
    let Some(row) = sqlx::query("SELECT * FROM films WHERE id = $1").bind(id).fetch_optional(store.pool()).await?
    else {
        return Ok(None);
    };
    let picture =
        |media: Option<i64>, url: Option<String>| media.map(PictureInput::Media).or(url.map(PictureInput::Url));
    let slug: String = row.try_get("slug")?;
    let year: Option<i64> = row.try_get("year")?;
    let credits = sqlx::query(
        "SELECT p.name, c.department, c.job, c.character_name FROM credits c JOIN people p ON p.id = c.person_id \
         WHERE c.film_id = $1 ORDER BY c.billing_order",
    )
    .bind(id)
    .fetch_all(store.pool())
    .await?
    .iter()
    .map(|row| {
        Ok(CreditInput {
            name: row.try_get("name")?,
            department: Department::parse(&row.try_get::<String, _>("department")?),
            job: row.try_get("job")?,
            character: row.try_get("character_name")?,
        })
    })
    .collect::<Result<Vec<_>>>()?;
    Ok(Some(FilmInput {
        slug: Slug::parse(&slug).map_err(|e| crate::Error::Corrupt(format!("film {id} slug: {e}")))?,
        title: row.try_get("title")?,
        original_title: row.try_get("original_title")?,
        year: year.map(|y| y as i32),
        release_date: row.try_get("release_date")?,
        runtime_minutes: row.try_get("runtime_minutes")?,
        tagline: row.try_get("tagline")?,
        synopsis: row.try_get("synopsis")?,
        poster: picture(row.try_get("poster_media_id")?, row.try_get("poster_url")?),
        backdrop: picture(row.try_get("backdrop_media_id")?, row.try_get("backdrop_url")?),
        imdb_id: row.try_get("imdb_id")?,
        tmdb_id: row.try_get("tmdb_id")?,
        letterboxd_uri: row.try_get("letterboxd_uri")?,
        genres: genres(store, id).await?.into_iter().map(|g| g.name).collect(),
        countries: ordered_names(store, "film_countries", id).await?,
        languages: ordered_names(store, "film_languages", id).await?,
        credits,
    }))
}

/// A film in the admin's lists and pickers.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ListedFilm {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub year: Option<i32>,
    pub reviews: i64,
}

/// Films whose title or original title contains `query` (any case), by title, a page at a time.
pub async fn search(store: &Store, query: &str, limit: i64, offset: i64) -> Result<(Vec<ListedFilm>, i64)> {
    let pattern = crate::contains_pattern(query);
    // The slug holds the title without accents or case: "elodie" finds "Élodie".
    let folded = format!("%{}%", marquee_core::slug::slugify(query));
    let condition = "(LOWER(f.title) LIKE $1 OR LOWER(COALESCE(f.original_title, '')) LIKE $1 OR f.slug LIKE $4)";
    let rows = sqlx::query(&format!(
        "SELECT f.id, f.slug, f.title, f.year, (SELECT COUNT(*) FROM reviews r WHERE r.film_id = f.id) AS reviews \
         FROM films f WHERE {condition} ORDER BY LOWER(f.title), f.year, f.id LIMIT $2 OFFSET $3"
    ))
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .bind(&folded)
    .fetch_all(store.pool())
    .await?;
    let films = rows
        .iter()
        .map(|row| {
            let year: Option<i64> = row.try_get("year")?;
            Ok(ListedFilm {
                id: row.try_get("id")?,
                slug: row.try_get("slug")?,
                title: row.try_get("title")?,
                year: year.map(|y| y as i32),
                reviews: row.try_get("reviews")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let total: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM films f WHERE {}", condition.replace("$4", "$2")))
            .bind(&pattern)
            .bind(&folded)
            .fetch_one(store.pool())
            .await?;
    Ok((films, total))
}

/// Up to `limit` films for a picker as someone types: titles that start with `query` first,
/// then those that contain it, alphabetically. Without a count, and with reviews counted for the
/// films shown only, so a whole catalogue in the store stays quick to pick from.
pub async fn suggestions(store: &Store, query: &str, limit: i64) -> Result<Vec<ListedFilm>> {
    let pattern = crate::contains_pattern(query);
    let folded = marquee_core::slug::slugify(query);
    let starts = format!("{}%", pattern.trim_start_matches('%'));
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT f.id FROM films f \
         WHERE LOWER(f.title) LIKE $1 OR LOWER(COALESCE(f.original_title, '')) LIKE $1 OR f.slug LIKE $2 \
         ORDER BY CASE WHEN LOWER(f.title) LIKE $3 OR f.slug LIKE $4 THEN 0 ELSE 1 END, LOWER(f.title), f.year, f.id \
         LIMIT $5",
    )
    .bind(&pattern)
    .bind(format!("%{folded}%"))
    .bind(&starts)
    .bind(format!("{folded}%"))
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    let mut films = listed_by_ids(store, &ids).await?;
    films.sort_by_key(|f| ids.iter().position(|id| *id == f.id));
    Ok(films)
}

pub async fn id_by_slug(conn: &mut Conn, slug: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM films WHERE slug = $1").bind(slug).fetch_optional(conn).await?)
}

/// The film with this Letterboxd link (links are case-sensitive).
pub async fn id_by_imdb(conn: &mut Conn, imdb_id: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM films WHERE imdb_id = $1").bind(imdb_id).fetch_optional(conn).await?)
}

pub async fn id_by_letterboxd(conn: &mut Conn, uri: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM films WHERE letterboxd_uri = $1 ORDER BY id LIMIT 1")
        .bind(uri)
        .fetch_optional(conn)
        .await?)
}

/// A film's Letterboxd link, when it has one.
pub async fn letterboxd_of(conn: &mut Conn, film_id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT letterboxd_uri FROM films WHERE id = $1")
        .bind(film_id)
        .fetch_optional(conn)
        .await?
        .flatten())
}

/// `base`, or `base-2`, `base-3`, …: the first film slug not yet taken.
pub async fn free_slug(conn: &mut Conn, base: &str) -> Result<Slug> {
    let slug = crate::unique_slug(conn, "films", base).await?;
    Slug::parse(&slug).map_err(|e| crate::Error::Invalid(format!("film slug {slug}: {e}")))
}

/// Records a film's Letterboxd link when it has none.
pub async fn set_letterboxd_if_missing(conn: &mut Conn, film_id: i64, uri: &str) -> Result<()> {
    sqlx::query("UPDATE films SET letterboxd_uri = $1 WHERE id = $2 AND letterboxd_uri IS NULL")
        .bind(uri)
        .bind(film_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Gives a film a poster from the media store when it has none.
pub async fn set_poster_if_missing(conn: &mut Conn, film_id: i64, media_id: i64) -> Result<()> {
    sqlx::query(
        "UPDATE films SET poster_media_id = $1, updated_at = $2 \
         WHERE id = $3 AND poster_media_id IS NULL AND poster_url IS NULL",
    )
    .bind(media_id)
    .bind(now())
    .bind(film_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Of these titles, those that exactly one film of the catalogue has (any case or accents),
/// with that film's title and year (a film without a year is left out).
pub async fn single_films_titled(store: &Store, titles: &[String]) -> Result<HashMap<String, (String, i32)>> {
    let mut found = HashMap::new();
    if titles.is_empty() {
        return Ok(found);
    }
    let mut conn = store.pool().acquire().await?;
    for title in titles {
        if let [(id, Some(year))] = titled(&mut conn, title).await?.as_slice() {
            let name: String =
                sqlx::query_scalar("SELECT title FROM films WHERE id = $1").bind(id).fetch_one(&mut *conn).await?;
            found.insert(title.clone(), (name, *year));
        }
    }
    Ok(found)
}

/// Films titled exactly `title` (any case), as (id, year), for matching a title typed without
/// its year.
pub async fn titled(conn: &mut Conn, title: &str) -> Result<Vec<(i64, Option<i32>)>> {
    // Compared by slug, so case and accents do not matter ("the nights of elodie" finds
    // "The Nights of Élodie"): a film's slug is its title's, then its year's.
    let base = marquee_core::slug::slugify(title);
    if base.is_empty() {
        return Ok(Vec::new());
    }
    let rows = sqlx::query("SELECT id, slug, year FROM films WHERE slug = $1 OR slug LIKE $2 ORDER BY year, id")
        .bind(&base)
        .bind(format!("{base}-%"))
        .fetch_all(conn)
        .await?;
    let mut found = Vec::new();
    for row in &rows {
        let slug: String = row.try_get("slug")?;
        let suffix = &slug[base.len()..];
        let is_year = suffix.len() == 5 && suffix[1..].bytes().all(|b| b.is_ascii_digit());
        if suffix.is_empty() || is_year {
            let year: Option<i64> = row.try_get("year")?;
            found.push((row.try_get("id")?, year.map(|y| y as i32)));
        }
    }
    Ok(found)
}

/// Up to `limit` films with a public page whose id is above `after`, by id.
pub async fn public_after(store: &Store, after: i64, limit: i64) -> Result<Vec<ListedFilm>> {
    let sql =
        format!("SELECT f.id FROM films f WHERE f.id > $1 AND {} ORDER BY f.id LIMIT $2", *crate::public_pages::FILM);
    let ids: Vec<i64> = sqlx::query_scalar(&sql).bind(after).bind(limit).fetch_all(store.pool()).await?;
    let mut films = listed_by_ids(store, &ids).await?;
    films.sort_by_key(|f| f.id);
    Ok(films)
}

/// These films, with how many published reviews each has.
pub async fn listed_by_ids(store: &Store, ids: &[i64]) -> Result<Vec<ListedFilm>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT f.id, f.slug, f.title, f.year, \
           (SELECT COUNT(*) FROM reviews r WHERE r.film_id = f.id AND r.status = 'published') AS reviews \
         FROM films f WHERE f.id IN ({})",
        crate::placeholders(1, ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    query
        .fetch_all(store.pool())
        .await?
        .iter()
        .map(|row| {
            let year: Option<i64> = row.try_get("year")?;
            Ok(ListedFilm {
                id: row.try_get("id")?,
                slug: row.try_get("slug")?,
                title: row.try_get("title")?,
                year: year.map(|y| y as i32),
                reviews: row.try_get("reviews")?,
            })
        })
        .collect()
}
