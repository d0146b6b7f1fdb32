//! Site settings: a key/value table read whole into memory.

use crate::{Conn, Result, Store};
use sqlx::Row;
use std::collections::HashMap;

pub async fn all(store: &Store) -> Result<HashMap<String, String>> {
    let rows = sqlx::query("SELECT key, value FROM settings").fetch_all(store.pool()).await?;
    rows.iter().map(|row| Ok((row.try_get("key")?, row.try_get("value")?))).collect()
}

/// Sets each of these settings (a key to its value); pages show them once every server sees the
/// change.
pub async fn set_all(conn: &mut Conn, values: &[(&str, String)]) -> Result<()> {
    for (key, value) in values {
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(*key)
        .bind(value)
        .execute(&mut *conn)
        .await?;
    }
    crate::content::bump(conn).await
}
