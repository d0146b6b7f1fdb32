//! The audit log: who published, deleted, merged or changed settings and users, and when.

use crate::{Conn, Result, Store};
use sqlx::Row;

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub at: i64,
    pub actor_name: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

/// Records an action, in the same transaction as the change it describes.
pub async fn record(
    conn: &mut Conn,
    user_id: i64,
    actor_name: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, actor_name, action, subject, detail) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(crate::now())
    .bind(user_id)
    .bind(actor_name)
    .bind(action)
    .bind(subject)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// One page of the log, newest first, and how many entries there are in all.
pub async fn recent(store: &Store, limit: i64, offset: i64) -> Result<(Vec<Entry>, i64)> {
    let rows = sqlx::query(
        "SELECT at, actor_name, action, subject, detail FROM audit_log ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(store.pool())
    .await?;
    let entries = rows
        .iter()
        .map(|row| {
            Ok(Entry {
                at: row.try_get("at")?,
                actor_name: row.try_get("actor_name")?,
                action: row.try_get("action")?,
                subject: row.try_get("subject")?,
                detail: row.try_get("detail")?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log").fetch_one(store.pool()).await?;
    Ok((entries, total))
}
