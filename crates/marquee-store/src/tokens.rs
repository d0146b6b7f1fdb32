//! API tokens: created and revoked by their users, stored as the SHA-256 of the secret, scoped
//! to reading or to reading and writing.

use crate::{now, Conn, Error, Result, Store};
use marquee_core::Role;
use sqlx::Row;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Read,
    Write,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "read" => Some(Scope::Read),
            "write" => Some(Scope::Write),
            _ => None,
        }
    }
}

/// A token as its owner's token list shows it (never the secret).
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub id: i64,
    pub name: String,
    pub hint: String,
    pub scope: Scope,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Who a presented token speaks for.
#[derive(Clone, Debug, PartialEq)]
pub struct Bearer {
    pub token_id: i64,
    pub scope: Scope,
    pub user_id: i64,
    pub user_name: String,
    pub role: Role,
}

fn token_from(row: &sqlx::any::AnyRow) -> Result<Token> {
    let scope: String = row.try_get("scope")?;
    Ok(Token {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        hint: row.try_get("hint")?,
        scope: Scope::parse(&scope).ok_or_else(|| Error::Invalid(format!("unknown token scope {scope:?}")))?,
        created_at: row.try_get("created_at")?,
        last_used_at: row.try_get("last_used_at")?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

pub async fn create(
    conn: &mut Conn,
    user_id: i64,
    name: &str,
    token_hash: &str,
    hint: &str,
    scope: Scope,
) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO api_tokens (user_id, name, token_hash, hint, scope, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(user_id)
    .bind(name)
    .bind(token_hash)
    .bind(hint)
    .bind(scope.as_str())
    .bind(now())
    .fetch_one(&mut *conn)
    .await?;
    Ok(row.try_get("id")?)
}

/// A user's tokens, newest first, revoked ones included.
pub async fn of_user(store: &Store, user_id: i64) -> Result<Vec<Token>> {
    let rows = sqlx::query(
        "SELECT id, name, hint, scope, created_at, last_used_at, revoked_at FROM api_tokens \
         WHERE user_id = $1 ORDER BY id DESC",
    )
    .bind(user_id)
    .fetch_all(&store.pool)
    .await?;
    rows.iter().map(token_from).collect()
}

/// Revokes one of `user_id`'s tokens; false when they have no such live token.
pub async fn revoke(conn: &mut Conn, user_id: i64, token_id: i64) -> Result<bool> {
    let done =
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(now())
            .bind(token_id)
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    Ok(done.rows_affected() == 1)
}

/// The live token with this hash and its enabled user, noting its use (at most once a minute).
pub async fn bearer(store: &Store, token_hash: &str) -> Result<Option<Bearer>> {
    let row = sqlx::query(
        "SELECT t.id, t.scope, t.last_used_at, u.id AS user_id, u.display_name, u.role FROM api_tokens t \
         JOIN users u ON u.id = t.user_id \
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.disabled = 0",
    )
    .bind(token_hash)
    .fetch_optional(&store.pool)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let token_id: i64 = row.try_get("id")?;
    let last_used: Option<i64> = row.try_get("last_used_at")?;
    let now = now();
    if last_used.is_none_or(|at| now - at >= 60) {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(token_id)
            .execute(&store.pool)
            .await?;
    }
    let scope: String = row.try_get("scope")?;
    let role: String = row.try_get("role")?;
    Ok(Some(Bearer {
        token_id,
        scope: Scope::parse(&scope).unwrap_or(Scope::Read),
        user_id: row.try_get("user_id")?,
        user_name: row.try_get("display_name")?,
        role: role.parse().map_err(Error::Corrupt)?,
    }))
}
