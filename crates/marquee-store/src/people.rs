//! People: directors, cast and crew, and the roles they hold on reviewed films.

use crate::{Conn, Result, Store};
use sqlx::Row;

#[derive(Clone, Debug, PartialEq)]
pub struct Person {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub imdb_id: Option<String>,
}

/// One role a person holds on a film that has a published review.
#[derive(Clone, Debug, PartialEq)]
pub struct Role {
    pub film_id: i64,
    pub department: marquee_core::Department,
    pub character: Option<String>,
}

/// The person called `name` (matched by name, then by slug), created when new. Matching the
/// name first keeps a person whose name was corrected (their slug kept) from being duplicated.
pub async fn ensure(conn: &mut Conn, name: &str) -> Result<i64> {
    let named: Option<i64> = sqlx::query_scalar("SELECT MIN(id) FROM people WHERE name = $1")
        .bind(name.trim())
        .fetch_one(&mut *conn)
        .await?;
    if let Some(id) = named {
        return Ok(id);
    }
    let insert = "INSERT INTO people (slug, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (slug) DO NOTHING";
    crate::ensure_slugged(conn, "people", "person", name, insert).await
}

pub async fn by_slug(store: &Store, slug: &str) -> Result<Option<Person>> {
    let row = sqlx::query("SELECT id, slug, name, imdb_id FROM people WHERE slug = $1")
        .bind(slug)
        .fetch_optional(store.pool())
        .await?;
    row.map(|row| {
        Ok(Person {
            id: row.try_get("id")?,
            slug: row.try_get("slug")?,
            name: row.try_get("name")?,
            imdb_id: row.try_get("imdb_id")?,
        })
    })
    .transpose()
}

/// The person's roles on films with at least one published review.
pub async fn roles_on_reviewed_films(store: &Store, person_id: i64) -> Result<Vec<Role>> {
    let rows = sqlx::query(
        "SELECT c.film_id, c.department, c.character_name FROM credits c \
         WHERE c.person_id = $1 AND EXISTS (SELECT 1 FROM reviews r WHERE r.film_id = c.film_id AND r.status = 'published') \
         ORDER BY c.department, c.billing_order",
    )
    .bind(person_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Role {
                film_id: row.try_get("film_id")?,
                department: marquee_core::Department::parse(&row.try_get::<String, _>("department")?),
                character: row.try_get("character_name")?,
            })
        })
        .collect()
}

/// A person in the admin's lists.
#[derive(Clone, Debug, PartialEq)]
pub struct ListedPerson {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub imdb_id: Option<String>,
    pub credits: i64,
}

const LISTED_SELECT: &str = "SELECT p.id, p.slug, p.name, p.imdb_id, \
    (SELECT COUNT(*) FROM credits c WHERE c.person_id = p.id) AS credits FROM people p";

fn listed_from_row(row: &sqlx::any::AnyRow) -> Result<ListedPerson> {
    Ok(ListedPerson {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("name")?,
        imdb_id: row.try_get("imdb_id")?,
        credits: row.try_get("credits")?,
    })
}

/// People whose name contains `query` (any case), by name, a page at a time.
pub async fn search(store: &Store, query: &str, limit: i64, offset: i64) -> Result<(Vec<ListedPerson>, i64)> {
    let pattern = crate::contains_pattern(query);
    let folded = format!("%{}%", marquee_core::slug::slugify(query));
    let rows = sqlx::query(&format!(
        "{LISTED_SELECT} WHERE (LOWER(p.name) LIKE $1 OR p.slug LIKE $4) ORDER BY LOWER(p.name), p.id LIMIT $2 OFFSET $3"
    ))
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .bind(&folded)
    .fetch_all(store.pool())
    .await?;
    let people = rows.iter().map(listed_from_row).collect::<Result<Vec<_>>>()?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM people p WHERE LOWER(p.name) LIKE $1 OR p.slug LIKE $2")
        .bind(&pattern)
        .bind(&folded)
        .fetch_one(store.pool())
        .await?;
    Ok((people, total))
}

pub async fn by_id(store: &Store, id: i64) -> Result<Option<ListedPerson>> {
    let row = sqlx::query(&format!("{LISTED_SELECT} WHERE p.id = $1")).bind(id).fetch_optional(store.pool()).await?;
    row.as_ref().map(listed_from_row).transpose()
}

/// Corrects a person's name and IMDb id; their slug (and so their page's URL) stays.
pub async fn update(conn: &mut Conn, id: i64, name: &str, imdb_id: Option<&str>) -> Result<()> {
    let taken: Option<i64> = match imdb_id {
        Some(imdb) => {
            sqlx::query_scalar("SELECT id FROM people WHERE imdb_id = $1 AND id <> $2")
                .bind(imdb)
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?
        }
        None => None,
    };
    if taken.is_some() {
        return Err(crate::Error::Exists(format!("another person already has the IMDb id {}", imdb_id.unwrap_or(""))));
    }
    sqlx::query("UPDATE people SET name = $1, imdb_id = $2 WHERE id = $3")
        .bind(name.trim())
        .bind(imdb_id)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    reindex_with_films(conn, id).await?;
    crate::content::bump(conn).await
}

/// Brings a person's search document up to date, and those of the films crediting them and so
/// of those films' reviews, which carry the names of the people credited.
async fn reindex_with_films(conn: &mut Conn, id: i64) -> Result<()> {
    let films: Vec<i64> = sqlx::query_scalar("SELECT DISTINCT film_id FROM credits WHERE person_id = $1")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    let mut pending = crate::search::Pending::default();
    pending.person(id);
    films.into_iter().for_each(|film| pending.film(film));
    pending.write(conn).await
}

/// Merges person `from` into person `into`: their credits move (a credit `into` already has on
/// the same film and job is not doubled), `into` takes the IMDb id it lacked, and `from` is
/// removed. The caller commits.
pub async fn merge(conn: &mut Conn, from: i64, into: i64) -> Result<u64> {
    if from == into {
        return Err(crate::Error::Invalid("a person cannot be merged into themselves".into()));
    }
    sqlx::query(
        "DELETE FROM credits WHERE person_id = $1 AND EXISTS (SELECT 1 FROM credits k WHERE k.person_id = $2 \
           AND k.film_id = credits.film_id AND k.department = credits.department \
           AND COALESCE(k.job, '') = COALESCE(credits.job, ''))",
    )
    .bind(from)
    .bind(into)
    .execute(&mut *conn)
    .await?;
    let moved = sqlx::query("UPDATE credits SET person_id = $1 WHERE person_id = $2")
        .bind(into)
        .bind(from)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let imdb: Option<String> =
        sqlx::query_scalar("SELECT imdb_id FROM people WHERE id = $1").bind(from).fetch_one(&mut *conn).await?;
    let tmdb: Option<i64> =
        sqlx::query_scalar("SELECT tmdb_id FROM people WHERE id = $1").bind(from).fetch_one(&mut *conn).await?;
    sqlx::query("DELETE FROM people WHERE id = $1").bind(from).execute(&mut *conn).await?;
    crate::search::remove(conn, crate::search::Kind::Person, from).await?;
    sqlx::query("UPDATE people SET imdb_id = COALESCE(imdb_id, $1), tmdb_id = COALESCE(tmdb_id, $2) WHERE id = $3")
        .bind(imdb)
        .bind(tmdb)
        .bind(into)
        .execute(&mut *conn)
        .await?;
    reindex_with_films(conn, into).await?;
    crate::content::bump(conn).await?;
    Ok(moved)
}

/// Of these people, the ones with a public page (credited on a film with a published review).
pub async fn with_pages(store: &Store, slugs: &[String]) -> Result<std::collections::HashSet<String>> {
    if slugs.is_empty() {
        return Ok(Default::default());
    }
    let sql = format!(
        "SELECT p.slug FROM people p WHERE p.slug IN ({}) AND {}",
        crate::placeholders(1, slugs.len()),
        crate::public_pages::PERSON
    );
    let mut query = sqlx::query_scalar::<_, String>(&sql);
    for slug in slugs {
        query = query.bind(slug.as_str());
    }
    Ok(query.fetch_all(store.pool()).await?.into_iter().collect())
}

/// Up to `limit` people with a public page (a credit on a reviewed film) whose id is above
/// `after`, by id, with their credit counts.
pub async fn public_after(store: &Store, after: i64, limit: i64) -> Result<Vec<ListedPerson>> {
    let sql =
        format!("SELECT p.id FROM people p WHERE p.id > $1 AND {} ORDER BY p.id LIMIT $2", crate::public_pages::PERSON);
    let ids: Vec<i64> = sqlx::query_scalar(&sql).bind(after).bind(limit).fetch_all(store.pool()).await?;
    let mut people = listed_by_ids(store, &ids).await?;
    people.sort_by_key(|p| p.id);
    Ok(people)
}

/// These people, with their credit counts.
pub async fn listed_by_ids(store: &Store, ids: &[i64]) -> Result<Vec<ListedPerson>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("{LISTED_SELECT} WHERE p.id IN ({})", crate::placeholders(1, ids.len()));
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    query.fetch_all(store.pool()).await?.iter().map(listed_from_row).collect()
}
