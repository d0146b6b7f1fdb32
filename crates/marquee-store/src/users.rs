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

const USER_SELECT: &str = "SELECT u.id, u.slug, u.display_name, u.bio, u.diary_public FROM users u";

pub async fn by_slug(store: &Store, slug: &str) -> Result<Option<User>> {
    let row = sqlx::query(&format!("{USER_SELECT} WHERE u.slug = $1")).bind(slug).fetch_optional(store.pool()).await?;
    row.as_ref().map(user_from_row).transpose()
}

/// The member with this slug, if they have a public page.
pub async fn public_by_slug(store: &Store, slug: &str) -> Result<Option<User>> {
    let sql = format!("{USER_SELECT} WHERE u.slug = $1 AND {}", crate::public_pages::MEMBER);
    let row = sqlx::query(&sql).bind(slug).fetch_optional(store.pool()).await?;
    row.as_ref().map(user_from_row).transpose()
}

fn user_from_row(row: &sqlx::any::AnyRow) -> Result<User> {
    {
        Ok(User {
            id: row.try_get("id")?,
            slug: row.try_get("slug")?,
            display_name: row.try_get("display_name")?,
            bio: row.try_get("bio")?,
            diary_public: row.try_get::<i64, _>("diary_public")? != 0,
        })
    }
}
