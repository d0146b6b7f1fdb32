//! Accounts: users who sign in, their server-side sessions, and failed sign-ins counted for
//! throttling. Password hashing happens in the web layer; this module stores the hashes.

use crate::{Conn, Error, Result, Store};
use marquee_core::Role;
use sqlx::any::AnyRow;
use sqlx::Row;

#[derive(Clone, Debug, PartialEq)]
pub struct Account {
    pub id: i64,
    pub slug: String,
    pub email: Option<String>,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub password_hash: Option<String>,
    pub created_at: i64,
}

const ACCOUNT_COLUMNS: &str =
    "u.id, u.slug, u.email, u.display_name, u.role, u.disabled, u.password_hash, u.created_at";

fn account_from_row(row: &AnyRow) -> Result<Account> {
    let role: String = row.try_get("role")?;
    Ok(Account {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        email: row.try_get("email")?,
        display_name: row.try_get("display_name")?,
        role: role.parse().map_err(Error::Corrupt)?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        password_hash: row.try_get("password_hash")?,
        created_at: row.try_get("created_at")?,
    })
}

/// Emails are kept trimmed and lower-cased, so sign-in matches however they are typed.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn by_email(store: &Store, email: &str) -> Result<Option<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users u WHERE u.email = $1");
    let row = sqlx::query(&sql).bind(normalize_email(email)).fetch_optional(store.pool()).await?;
    row.as_ref().map(account_from_row).transpose()
}

pub async fn by_id(store: &Store, id: i64) -> Result<Option<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users u WHERE u.id = $1");
    let row = sqlx::query(&sql).bind(id).fetch_optional(store.pool()).await?;
    row.as_ref().map(account_from_row).transpose()
}

/// Every user: accounts that sign in, and writers credited by imports without a login.
pub async fn list(store: &Store) -> Result<Vec<Account>> {
    let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users u ORDER BY u.display_name, u.id");
    let rows = sqlx::query(&sql).fetch_all(store.pool()).await?;
    rows.iter().map(account_from_row).collect()
}

/// Whether an owner who can sign in exists (when none does, the setup page is open).
pub async fn owner_exists(store: &Store) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role = 'owner' AND password_hash IS NOT NULL AND disabled = 0",
    )
    .fetch_one(store.pool())
    .await?;
    Ok(n > 0)
}

/// Creates an account. A writer an import credited under the same name, who has no login yet,
/// becomes this account, so their reviews are theirs. Refuses an email already in use.
pub async fn create(conn: &mut Conn, email: &str, name: &str, role: Role, password_hash: &str) -> Result<i64> {
    let email = normalize_email(email);
    let taken: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE email = $1").bind(&email).fetch_optional(&mut *conn).await?;
    if taken.is_some() {
        return Err(Error::Exists(format!("an account with the email {email} already exists")));
    }
    let base = marquee_core::Slug::from_text(name).map_err(|e| Error::Invalid(format!("name \"{name}\": {e}")))?;
    let claimable: Option<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE slug = $1 AND email IS NULL AND password_hash IS NULL")
            .bind(base.as_str())
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(id) = claimable {
        sqlx::query("UPDATE users SET email = $1, display_name = $2, role = $3, password_hash = $4 WHERE id = $5")
            .bind(&email)
            .bind(name.trim())
            .bind(role.as_str())
            .bind(password_hash)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        return Ok(id);
    }
    let slug = crate::unique_slug(conn, "users", base.as_str()).await?;
    Ok(sqlx::query_scalar(
        "INSERT INTO users (slug, email, display_name, role, password_hash, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(slug)
    .bind(&email)
    .bind(name.trim())
    .bind(role.as_str())
    .bind(password_hash)
    .bind(crate::now())
    .fetch_one(conn)
    .await?)
}

pub async fn set_password(conn: &mut Conn, user_id: i64, password_hash: &str) -> Result<()> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_profile(
    conn: &mut Conn,
    user_id: i64,
    display_name: &str,
    bio: &str,
    diary_public: bool,
) -> Result<()> {
    sqlx::query("UPDATE users SET display_name = $1, bio = $2, diary_public = $3 WHERE id = $4")
        .bind(display_name.trim())
        .bind(bio.trim())
        .bind(i64::from(diary_public))
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    crate::content::bump(conn).await
}

/// Changes a user's role or disables them; refuses to leave the site without an owner.
pub async fn set_role(conn: &mut Conn, user_id: i64, role: Role, disabled: bool) -> Result<()> {
    sqlx::query("UPDATE users SET role = $1, disabled = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(i64::from(disabled))
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    if owners(conn).await? == 0 {
        return Err(Error::Invalid("the site must keep at least one owner who can sign in".into()));
    }
    if disabled {
        end_sessions(conn, user_id, None).await?;
    }
    Ok(())
}

/// How many owners can sign in (read inside a transaction, to keep the site from losing its last).
pub async fn owners(conn: &mut Conn) -> Result<i64> {
    Ok(sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE role = 'owner' AND disabled = 0 AND password_hash IS NOT NULL",
    )
    .fetch_one(conn)
    .await?)
}

/// A signed-in session with its user.
#[derive(Clone, Debug, PartialEq)]
pub struct Session {
    pub token_hash: String,
    pub csrf_token: String,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub user: Account,
}

pub async fn create_session(
    store: &Store,
    token_hash: &str,
    user_id: i64,
    csrf_token: &str,
    now: i64,
    expires_at: i64,
) -> Result<()> {
    // Expired sessions go when new ones come, so the table stays the size of the active ones.
    sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(store.pool()).await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $4, $5)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(csrf_token)
    .bind(now)
    .bind(expires_at)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// The live session with this token hash: not expired, its user not disabled.
pub async fn session(store: &Store, token_hash: &str, now: i64) -> Result<Option<Session>> {
    let sql = format!(
        "SELECT s.token_hash, s.csrf_token, s.last_seen_at, s.expires_at, {ACCOUNT_COLUMNS} \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0 AND u.password_hash IS NOT NULL"
    );
    let row = sqlx::query(&sql).bind(token_hash).bind(now).fetch_optional(store.pool()).await?;
    row.map(|row| {
        Ok(Session {
            token_hash: row.try_get("token_hash")?,
            csrf_token: row.try_get("csrf_token")?,
            last_seen_at: row.try_get("last_seen_at")?,
            expires_at: row.try_get("expires_at")?,
            user: account_from_row(&row)?,
        })
    })
    .transpose()
}

/// Moves a session's expiry on (sessions slide while they are used).
pub async fn touch_session(store: &Store, token_hash: &str, now: i64, expires_at: i64) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3")
        .bind(now)
        .bind(expires_at)
        .bind(token_hash)
        .execute(store.pool())
        .await?;
    Ok(())
}

pub async fn end_session(store: &Store, token_hash: &str) -> Result<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(store.pool()).await?;
    Ok(())
}

/// Ends a user's sessions, all of them or all but `keep`.
pub async fn end_sessions(conn: &mut Conn, user_id: i64, keep: Option<&str>) -> Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(keep.unwrap_or(""))
        .execute(conn)
        .await?
        .rows_affected())
}

/// What failed sign-ins are counted against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    Account,
    Address,
}

impl Throttle {
    fn as_str(self) -> &'static str {
        match self {
            Throttle::Account => "account",
            Throttle::Address => "address",
        }
    }
}

/// Failed sign-ins against `subject` since `since`, and when the oldest of them happened.
pub async fn failures_since(store: &Store, scope: Throttle, subject: &str, since: i64) -> Result<(i64, Option<i64>)> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(failed_at) AS oldest FROM login_failures \
         WHERE scope = $1 AND subject = $2 AND failed_at > $3",
    )
    .bind(scope.as_str())
    .bind(subject)
    .bind(since)
    .fetch_one(store.pool())
    .await?;
    Ok((row.try_get("n")?, row.try_get("oldest")?))
}

/// Counts a failed sign-in against the account and the address, and forgets day-old ones.
pub async fn record_failure(store: &Store, account: &str, address: &str, now: i64) -> Result<()> {
    let mut tx = store.begin().await?;
    for (scope, subject) in [(Throttle::Account, account), (Throttle::Address, address)] {
        sqlx::query("INSERT INTO login_failures (scope, subject, failed_at) VALUES ($1, $2, $3)")
            .bind(scope.as_str())
            .bind(subject)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("DELETE FROM login_failures WHERE failed_at < $1").bind(now - 86_400).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

/// Forgets an account's failed sign-ins (after a successful one).
pub async fn clear_failures(store: &Store, account: &str) -> Result<()> {
    sqlx::query("DELETE FROM login_failures WHERE scope = 'account' AND subject = $1")
        .bind(account)
        .execute(store.pool())
        .await?;
    Ok(())
}
