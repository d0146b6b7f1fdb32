//! A whole store as data: every content table's rows read in one consistent snapshot, written
//! into another (empty) store in one transaction, with a checksum per table to prove the two
//! alike. Backups, restores and `db copy` between SQLite and PostgreSQL all go through here.

use crate::{Backend, Error, Result, Store, TABLES};
use serde_json::Value;
use sha2::{Digest, Sha256};
use sqlx::{Column, Row};
use std::collections::BTreeMap;

/// One table's rows, columns in table order.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TableDump {
    pub name: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Dump {
    /// The schema version the rows fit; a dump restores only into the same version.
    pub schema_version: i64,
    pub tables: Vec<TableDump>,
}

/// Primary-key order per table, so the same data always dumps the same way.
fn order_by(table: &str) -> &'static str {
    match table {
        "film_genres" => "film_id, genre_id",
        "film_countries" | "film_languages" => "film_id, position",
        "review_tags" => "review_id, tag_id",
        "review_images" => "review_id, src",
        "settings" => "key",
        "redirects" => "review_id, path",
        "post_tags" => "post_id, tag_id",
        "post_films" => "post_id, film_id",
        "post_images" => "post_id, src",
        "post_redirects" => "post_id, path",
        "list_items" => "list_id, film_id",
        "watchlist" | "film_marks" => "user_id, film_id",
        "actor_keys" => "actor",
        "remote_actors" | "remote_posts" => "uri",
        "following" => "actor",
        "followers" => "actor, follower",
        "federation_blocks" => "target",
        "federated_objects" => "kind, source_id",
        "reactions" => "activity",
        _ => "id",
    }
}

/// Reads every content table in one snapshot: writes that commit meanwhile are wholly in it or
/// wholly out of it.
pub async fn read(store: &Store) -> Result<Dump> {
    let mut tx = store.begin_read().await?;
    if store.backend() == Backend::Postgres {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    }
    let schema_version: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_one(&mut *tx)
        .await?;
    let mut tables = Vec::new();
    for table in TABLES {
        let rows =
            sqlx::query(&format!("SELECT * FROM {table} ORDER BY {}", order_by(table))).fetch_all(&mut *tx).await?;
        let columns = match rows.first() {
            Some(row) => row.columns().iter().map(|c| c.name().to_string()).collect(),
            None => Vec::new(),
        };
        let rows = rows.iter().map(|row| (0..row.len()).map(|i| value_at(row, i)).collect()).collect::<Result<_>>()?;
        tables.push(TableDump { name: table.to_string(), columns, rows });
    }
    tx.commit().await?;
    Ok(Dump { schema_version, tables })
}

/// A column value as JSON: every column is an integer, a float, text or NULL.
fn value_at(row: &sqlx::any::AnyRow, i: usize) -> Result<Value> {
    if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
        return Ok(v.map(Value::from).unwrap_or(Value::Null));
    }
    if let Ok(v) = row.try_get::<Option<String>, _>(i) {
        return Ok(v.map(Value::from).unwrap_or(Value::Null));
    }
    if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
        return Ok(v.map(Value::from).unwrap_or(Value::Null));
    }
    Err(Error::Corrupt(format!("column {} holds a value of an unexpected type", row.columns()[i].name())))
}

/// Checks that a dump of `schema_version` may be written into `store`: same schema, and an
/// empty store (its settings aside).
pub async fn check_target(store: &Store, schema_version: i64) -> Result<()> {
    let known: i64 = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
        .fetch_one(store.pool())
        .await?;
    if schema_version != known {
        return Err(Error::Invalid(format!(
            "the data is of schema version {schema_version}, this store is at {known}: use the Marquee that wrote it, \
             or a store of the same version"
        )));
    }
    let counts = store.row_counts().await?;
    if let Some((table, n)) = counts.iter().find(|(table, n)| **n > 0 && **table != "settings") {
        return Err(Error::Invalid(format!(
            "the target store is not empty ({table} has {n} rows): use a new data directory or database"
        )));
    }
    Ok(())
}

/// Refuses a dump that is not whole or whose names could be anything but columns.
fn check_shape(dump: &Dump) -> Result<()> {
    check_tables(&dump.tables)
}

/// Refuses tables that are not the store's whole set, in order, or whose names could be
/// anything but columns, or whose rows do not fit their columns.
pub fn check_tables(tables: &[TableDump]) -> Result<()> {
    let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    if names != TABLES {
        return Err(Error::Corrupt(format!("the dump's tables are {names:?}, expected {TABLES:?}")));
    }
    for table in tables {
        let identifier =
            |c: &String| !c.is_empty() && c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !table.columns.iter().all(identifier) {
            return Err(Error::Corrupt(format!("table {} has an invalid column name", table.name)));
        }
        if table.rows.iter().any(|row| row.len() != table.columns.len()) {
            return Err(Error::Corrupt(format!("table {} has a row of the wrong length", table.name)));
        }
    }
    Ok(())
}

/// Writes a dump into an empty store in one transaction; on any error nothing is written.
pub async fn write(store: &Store, dump: &Dump) -> Result<()> {
    check_shape(dump)?;
    check_target(store, dump.schema_version).await?;
    let mut tx = store.begin().await?;
    sqlx::query("DELETE FROM settings").execute(&mut *tx).await?;
    for table in &dump.tables {
        if table.rows.is_empty() {
            continue;
        }
        for row in &table.rows {
            // NULLs are written as literals: a bound NULL carries a type, which PostgreSQL
            // checks against the column's.
            let mut n = 0;
            let values: Vec<String> = row
                .iter()
                .map(|value| match value {
                    Value::Null => "NULL".to_string(),
                    _ => {
                        n += 1;
                        format!("${n}")
                    }
                })
                .collect();
            let sql =
                format!("INSERT INTO {} ({}) VALUES ({})", table.name, table.columns.join(", "), values.join(", "));
            let mut query = sqlx::query(&sql);
            for value in row {
                query = match value {
                    Value::Null => query,
                    Value::Number(n) if n.is_i64() => query.bind(n.as_i64()),
                    Value::Number(n) => query.bind(n.as_f64()),
                    Value::String(s) => query.bind(s.as_str()),
                    other => return Err(Error::Corrupt(format!("unexpected value {other} in table {}", table.name))),
                };
            }
            query.execute(&mut *tx).await?;
        }
        if store.backend() == Backend::Postgres && table.columns.iter().any(|c| c == "id") {
            // Identity columns must continue after the ids written explicitly.
            sqlx::query(&format!(
                "SELECT setval(pg_get_serial_sequence('{0}', 'id'), (SELECT MAX(id) FROM {0}))",
                table.name
            ))
            .execute(&mut *tx)
            .await?;
        }
    }
    crate::search::rebuild(&mut tx).await?;
    crate::content::bump(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

/// A SHA-256 per table over its rows, to show two stores hold the same data.
pub fn checksums(dump: &Dump) -> BTreeMap<String, String> {
    dump.tables
        .iter()
        .map(|table| {
            // Rows are sorted here, not by the database: text collates differently per backend.
            let mut rows: Vec<Vec<u8>> =
                table.rows.iter().map(|row| serde_json::to_vec(row).expect("JSON values serialize")).collect();
            rows.sort();
            let mut hasher = Sha256::new();
            for row in &rows {
                hasher.update(row);
                hasher.update(b"\n");
            }
            (table.name.clone(), format!("{:x}", hasher.finalize()))
        })
        .collect()
}
