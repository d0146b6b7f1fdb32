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
    pub department: String,
    pub character: Option<String>,
}

/// The person called `name` (matched by slug), created when new.
pub async fn ensure(conn: &mut Conn, name: &str) -> Result<i64> {
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
                department: row.try_get("department")?,
                character: row.try_get("character_name")?,
            })
        })
        .collect()
}
