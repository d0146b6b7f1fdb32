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
    } else {
        // New rights, new token: each of the member's sessions takes one on its next request.
        sqlx::query("UPDATE sessions SET rotate = 1 WHERE user_id = $1").bind(user_id).execute(&mut *conn).await?;
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
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    /// Whether the session must take a new token before it goes on (its member's role changed).
    pub rotate: bool,
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

/// The live session with this token hash: not expired, begun after `begun_after` (sessions
/// have an absolute lifetime), its user not disabled.
pub async fn session(store: &Store, token_hash: &str, now: i64, begun_after: i64) -> Result<Option<Session>> {
    let sql = format!(
        "SELECT s.token_hash, s.csrf_token, s.created_at AS session_created_at, s.last_seen_at, s.expires_at, \
           s.rotate, {ACCOUNT_COLUMNS} \
         FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.created_at > $3 \
           AND u.disabled = 0 AND u.password_hash IS NOT NULL"
    );
    let row = sqlx::query(&sql).bind(token_hash).bind(now).bind(begun_after).fetch_optional(store.pool()).await?;
    row.map(|row| {
        Ok(Session {
            token_hash: row.try_get("token_hash")?,
            csrf_token: row.try_get("csrf_token")?,
            created_at: row.try_get("session_created_at")?,
            last_seen_at: row.try_get("last_seen_at")?,
            expires_at: row.try_get("expires_at")?,
            rotate: row.try_get::<i64, _>("rotate")? != 0,
            user: account_from_row(&row)?,
        })
    })
    .transpose()
}

/// Gives a session a new token (and CSRF token), so whatever knew the old one holds nothing.
pub async fn rotate_session(conn: &mut Conn, token_hash: &str, new_token_hash: &str, new_csrf: &str) -> Result<()> {
    sqlx::query("UPDATE sessions SET token_hash = $1, csrf_token = $2, rotate = 0 WHERE token_hash = $3")
        .bind(new_token_hash)
        .bind(new_csrf)
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
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

/// What sign-in attempts are counted against: the account from one address, the address
/// whatever account it tries, and the account from anywhere.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Throttle {
    Pair,
    Address,
    Account,
}

impl Throttle {
    const ALL: [Throttle; 3] = [Throttle::Pair, Throttle::Address, Throttle::Account];

    fn as_str(self) -> &'static str {
        match self {
            Throttle::Pair => "pair",
            Throttle::Address => "address",
            Throttle::Account => "account",
        }
    }

    fn subject(self, account: &str, address: &str) -> String {
        match self {
            Throttle::Pair => format!("{account} {address}"),
            Throttle::Address => address.to_string(),
            Throttle::Account => account.to_string(),
        }
    }
}

/// How many attempts a scope has seen within the window (this one included), and when the
/// oldest of them was made.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub attempts: i64,
    pub oldest: Option<i64>,
}

/// A sign-in attempt, counted before its password is checked: it stays counted as a failure
/// unless it is withdrawn (refused unchecked) or succeeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    ids: Vec<i64>,
    pub pair: Tally,
    pub address: Tally,
    pub account: Tally,
}

/// Counts an attempt against the account and the address, then tallies each scope since
/// `since`. Each count is written (and committed) before the tallies are read, so of many
/// attempts at once the n-th to be written sees at least n: a limit holds however many run in
/// parallel. Day-old attempts are forgotten.
pub async fn begin_attempt(store: &Store, account: &str, address: &str, now: i64, since: i64) -> Result<Attempt> {
    let mut tx = store.begin().await?;
    let mut ids = Vec::with_capacity(3);
    for scope in Throttle::ALL {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO login_failures (scope, subject, failed_at) VALUES ($1, $2, $3) RETURNING id",
        )
        .bind(scope.as_str())
        .bind(scope.subject(account, address))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        ids.push(id);
    }
    sqlx::query("DELETE FROM login_failures WHERE failed_at < $1").bind(now - 86_400).execute(&mut *tx).await?;
    tx.commit().await?;
    let mut attempt = Attempt { ids, pair: Tally::default(), address: Tally::default(), account: Tally::default() };
    for scope in Throttle::ALL {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(failed_at) AS oldest FROM login_failures \
             WHERE scope = $1 AND subject = $2 AND failed_at > $3",
        )
        .bind(scope.as_str())
        .bind(scope.subject(account, address))
        .bind(since)
        .fetch_one(store.pool())
        .await?;
        let tally = Tally { attempts: row.try_get("n")?, oldest: row.try_get("oldest")? };
        match scope {
            Throttle::Pair => attempt.pair = tally,
            Throttle::Address => attempt.address = tally,
            Throttle::Account => attempt.account = tally,
        }
    }
    Ok(attempt)
}

/// Takes back an attempt refused before its password was checked: it was never a failure.
pub async fn withdraw_attempt(store: &Store, attempt: &Attempt) -> Result<()> {
    for id in &attempt.ids {
        sqlx::query("DELETE FROM login_failures WHERE id = $1").bind(id).execute(store.pool()).await?;
    }
    Ok(())
}

/// After a successful sign-in: the attempt was no failure, and the account's failures from this
/// address are forgotten (those from elsewhere still slow the account down).
pub async fn attempt_succeeded(store: &Store, attempt: &Attempt, account: &str, address: &str) -> Result<()> {
    withdraw_attempt(store, attempt).await?;
    sqlx::query("DELETE FROM login_failures WHERE scope = $1 AND subject = $2")
        .bind(Throttle::Pair.as_str())
        .bind(Throttle::Pair.subject(account, address))
        .execute(store.pool())
        .await?;
    Ok(())
}
