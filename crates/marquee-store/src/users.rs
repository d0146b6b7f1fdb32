//! Users: the writers a review is credited to (and, with authoring, accounts).

use crate::{Conn, Result, Store};
use sqlx::Row;

#[derive(Clone, Debug, PartialEq)]
pub struct User {
    pub id: i64,
    pub slug: String,
    pub display_name: String,
    pub bio: String,
    /// Whether their diary and watchlist are public.
    pub diary_public: bool,
}

/// The user called `name`, created as a writer without a login when new (imported authors).
pub async fn ensure_author(conn: &mut Conn, name: &str) -> Result<i64> {
    let insert = "INSERT INTO users (slug, display_name, role, created_at) VALUES ($1, $2, 'writer', $3) \
                  ON CONFLICT (slug) DO NOTHING";
    crate::ensure_slugged(conn, "users", "author", name, insert).await
}

pub async fn by_slug(store: &Store, slug: &str) -> Result<Option<User>> {
    let row = sqlx::query("SELECT id, slug, display_name, bio, diary_public FROM users WHERE slug = $1")
        .bind(slug)
        .fetch_optional(store.pool())
        .await?;
    row.map(|row| {
        Ok(User {
            id: row.try_get("id")?,
            slug: row.try_get("slug")?,
            display_name: row.try_get("display_name")?,
            bio: row.try_get("bio")?,
            diary_public: row.try_get::<i64, _>("diary_public")? != 0,
        })
    })
    .transpose()
}
