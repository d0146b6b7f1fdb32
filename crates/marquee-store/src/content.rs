//! The content version: one number bumped by every write that changes the public site, so every
//! server sharing the database knows when to drop its page cache.

use crate::{Conn, Result, Store};

pub async fn version(store: &Store) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT version FROM content_version WHERE id = 1").fetch_one(store.pool()).await?)
}

pub async fn bump(conn: &mut Conn) -> Result<()> {
    sqlx::query("UPDATE content_version SET version = version + 1 WHERE id = 1").execute(conn).await?;
    Ok(())
}
