//! Marquee's database. The only crate that holds SQL: one module per domain, each with the
//! queries for that domain, written once for SQLite and PostgreSQL (through sqlx's `Any`
//! driver, with `$N` placeholders both backends accept). What differs per backend stays in
//! this file and in `migrations/sqlite` beside `migrations/postgres`.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod audit;
mod batch;
pub mod content;
pub mod diary;
pub mod dump;
pub mod facts;
pub mod federation;
pub mod films;
pub mod lists;
pub mod marks;
pub mod media;
pub mod people;
pub mod posts;
mod public_pages;
pub mod published;
pub mod redirects;
pub mod reviews;
pub mod revisions;
pub mod search;
pub mod settings;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod tokens;
pub mod users;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{Any, AnyConnection, AnyPool, Executor, Transaction};
use std::borrow::Cow;
use std::str::FromStr;
use std::time::Duration;

pub use batch::Batch;
pub(crate) use batch::Named;

pub type Conn = AnyConnection;
pub type Tx = Transaction<'static, Any>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("the database was written by a newer Marquee (schema version {found}, this one knows up to {known}); upgrade Marquee first")]
    TooNew { found: i64, known: i64 },
    #[error("unsupported database URL \"{0}\": use sqlite://PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// A write refused because it would duplicate something unique (an email, a slug).
    #[error("{0}")]
    Exists(String),
    /// A write refused because its values break a rule the store keeps.
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::UnsupportedUrl(url.to_string()))
        }
    }
}

/// A connection pool on one database, with migrations applied.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens (creating if needed) the SQLite database file at `path`.
    pub async fn open_sqlite(path: &std::path::Path) -> Result<Store> {
        Store::open(&format!("sqlite://{}?mode=rwc", path.display())).await
    }

    /// Connects to `url` (`sqlite://…` or `postgres://…`) and applies pending migrations.
    pub async fn open(url: &str) -> Result<Store> {
        Store::connect(url, true).await
    }

    /// Like `open`, for batch work (imports) that reads much of the database once: SQLite reads
    /// through its page cache alone, without mapping the file into the process, so the
    /// process's resident memory stays its own.
    pub async fn open_for_batch(url: &str) -> Result<Store> {
        Store::connect(url, false).await
    }

    async fn connect(url: &str, mapped: bool) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        let options = AnyConnectOptions::from_str(url)?;
        let pool = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            })
            .acquire_timeout(Duration::from_secs(3))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers go on while a writer commits; NORMAL sync is safe with WAL.
                        conn.execute(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000;",
                        )
                        .await?;
                        // A server reads through a memory map (no read call per page, pages shared
                        // with the kernel's cache), so each connection keeps only a small cache of
                        // its own (2 MB) for what it writes; a batch reads through a cache of 16 MB.
                        if mapped {
                            conn.execute("PRAGMA mmap_size = 268435456; PRAGMA cache_size = -2000;").await?;
                        } else {
                            conn.execute("PRAGMA cache_size = -16000;").await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect_with(options)
            .await?;
        let store = Store { pool, backend };
        store.migrate().await?;
        search::rebuild_if_empty(&store).await?;
        store.optimize().await?;
        Ok(store)
    }

    /// Keeps SQLite's query planner informed: without statistics it may read a list of reviews
    /// through the status index (every published review) instead of the film's or the ids'
    /// own, which makes pages slower the bigger the site. At open, tables whose size changed
    /// much since they were last measured (or never were) are measured again, within a bounded
    /// effort: at open, before closing, and now and then while serving. PostgreSQL keeps its
    /// statistics itself.
    pub async fn optimize(&self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA optimize = 0x10002").execute(&self.pool).await?;
        }
        Ok(())
    }

    fn migrator(&self) -> Migrator {
        let sources: &[(i64, &str, &str)] = match self.backend {
            Backend::Sqlite => &[
                (1, "initial", include_str!("../migrations/sqlite/0001_initial.sql")),
                (2, "authoring", include_str!("../migrations/sqlite/0002_authoring.sql")),
                (3, "cinephile", include_str!("../migrations/sqlite/0003_cinephile.sql")),
                (4, "search", include_str!("../migrations/sqlite/0004_search.sql")),
                (5, "api", include_str!("../migrations/sqlite/0005_api.sql")),
                (6, "letterboxd", include_str!("../migrations/sqlite/0006_letterboxd.sql")),
                (7, "catalogue", include_str!("../migrations/sqlite/0007_catalogue.sql")),
                (8, "redirects", include_str!("../migrations/sqlite/0008_redirects.sql")),
                (9, "session_rotation", include_str!("../migrations/sqlite/0009_session_rotation.sql")),
                (10, "search_contentless", include_str!("../migrations/sqlite/0010_search_contentless.sql")),
                (11, "posts", include_str!("../migrations/sqlite/0011_posts.sql")),
                (12, "federation", include_str!("../migrations/sqlite/0012_federation.sql")),
            ],
            Backend::Postgres => &[
                (1, "initial", include_str!("../migrations/postgres/0001_initial.sql")),
                (2, "authoring", include_str!("../migrations/postgres/0002_authoring.sql")),
                (3, "cinephile", include_str!("../migrations/postgres/0003_cinephile.sql")),
                (4, "search", include_str!("../migrations/postgres/0004_search.sql")),
                (5, "api", include_str!("../migrations/postgres/0005_api.sql")),
                (6, "letterboxd", include_str!("../migrations/postgres/0006_letterboxd.sql")),
                (7, "catalogue", include_str!("../migrations/postgres/0007_catalogue.sql")),
                (8, "redirects", include_str!("../migrations/postgres/0008_redirects.sql")),
                (9, "session_rotation", include_str!("../migrations/postgres/0009_session_rotation.sql")),
                (10, "search_contentless", include_str!("../migrations/postgres/0010_search_contentless.sql")),
                (11, "posts", include_str!("../migrations/postgres/0011_posts.sql")),
                (12, "federation", include_str!("../migrations/postgres/0012_federation.sql")),
            ],
        };
        let migrations = sources
            .iter()
            .map(|(version, description, sql)| {
                Migration::new(*version, Cow::Borrowed(*description), MigrationType::Simple, Cow::Borrowed(*sql), false)
            })
            .collect();
        let mut migrator = Migrator::DEFAULT;
        migrator.migrations = Cow::Owned(migrations);
        migrator
    }

    /// Applies pending migrations; refuses a database that a newer Marquee has migrated.
    pub async fn migrate(&self) -> Result<()> {
        let migrator = self.migrator();
        let known = migrator.iter().map(|m| m.version).max().unwrap_or(0);
        let found: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success = TRUE")
            .fetch_optional(&self.pool)
            .await
            .ok()
            .flatten();
        if let Some(found) = found {
            if found > known {
                return Err(Error::TooNew { found, known });
            }
        }
        migrator.run(&self.pool).await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Starts a transaction: an import or a save either commits whole or leaves the store as it was.
    /// On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`): a transaction that read
    /// first and wrote later would fail outright, busy timeout or not, whenever another writer
    /// committed in between; taken up front, the lock is waited for like any other.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    /// Starts a transaction that only reads: one consistent snapshot, taking no write lock.
    pub async fn begin_read(&self) -> Result<Tx> {
        Ok(self.pool.begin().await?)
    }

    /// Answers whether the database is reachable.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// How many rows each content table holds (for checks after imports and copies).
    pub async fn row_counts(&self) -> Result<std::collections::BTreeMap<&'static str, i64>> {
        let mut counts = std::collections::BTreeMap::new();
        for table in TABLES {
            let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&self.pool).await?;
            counts.insert(*table, n);
        }
        Ok(counts)
    }

    pub async fn close(&self) {
        if let Err(e) = self.optimize().await {
            tracing::warn!(error = %e, "the database's statistics could not be refreshed");
        }
        self.pool.close().await;
    }
}

/// Every content table, parents before children.
pub const TABLES: &[&str] = &[
    "users",
    "api_tokens",
    "media",
    "films",
    "genres",
    "film_genres",
    "film_countries",
    "film_languages",
    "people",
    "credits",
    "tags",
    "reviews",
    "review_tags",
    "review_images",
    "review_revisions",
    "redirects",
    "posts",
    "post_tags",
    "post_films",
    "post_images",
    "post_revisions",
    "post_redirects",
    "settings",
    "audit_log",
    "diary_entries",
    "lists",
    "list_items",
    "watchlist",
    "film_marks",
    "actor_keys",
    "remote_actors",
    "followers",
    "federation_blocks",
    "federated_objects",
    "comments",
    "reactions",
    "following",
    "remote_posts",
    "outgoing_notes",
];

/// The current time as Unix seconds, the form every time is stored in.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// The id of the row of `table` whose slug comes from `name`, inserted first when absent.
/// Insert-if-absent then read is safe when two servers or imports add the same name at once.
/// `insert` takes `$1` the slug, `$2` the name and, when it has a `$3`, the current time.
pub(crate) async fn ensure_slugged(conn: &mut Conn, table: &str, what: &str, name: &str, insert: &str) -> Result<i64> {
    let slug = marquee_core::Slug::naming(name).map_err(|e| Error::Corrupt(format!("{what} \"{name}\": {e}")))?;
    let mut query = sqlx::query(insert).bind(slug.as_str()).bind(name.trim());
    if insert.contains("$3") {
        query = query.bind(now());
    }
    query.execute(&mut *conn).await?;
    Ok(sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE slug = $1"))
        .bind(slug.as_str())
        .fetch_one(conn)
        .await?)
}

/// Whether an upsert that found no row by its key before writing surely added the row, so that
/// it has no parts to replace. On SQLite, yes: a transaction that writes holds the database's one
/// write lock (or fails with a busy snapshot when another wrote since it read). On PostgreSQL
/// another transaction may add the row between the read and the upsert, which then updates it:
/// there, parts are always replaced.
pub(crate) fn added_here(conn: &Conn, absent_before: bool) -> bool {
    absent_before && conn.backend_name() == "SQLite"
}

/// `base`, or `base-2`, `base-3`, … : the first slug not yet used in `table`.
pub(crate) async fn unique_slug(conn: &mut Conn, table: &str, base: &str) -> Result<String> {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE slug = $1");
    let mut candidate = base.to_string();
    for n in 2.. {
        let taken: i64 = sqlx::query_scalar(&sql).bind(&candidate).fetch_one(&mut *conn).await?;
        if taken == 0 {
            break;
        }
        candidate = format!("{base}-{n}");
    }
    Ok(candidate)
}

/// A `LIKE` pattern matching text that contains `query`, compared lower-cased (wildcards typed
/// in the query are dropped, rather than matching anything).
pub(crate) fn contains_pattern(query: &str) -> String {
    format!("%{}%", query.trim().to_lowercase().replace(['\\', '%', '_'], ""))
}

/// The rows of `sql`, with `$1` bound to `id` when one is given: the reads that serve one film
/// or review (`… = $1`) and all of them (`… IN (…)`) share their SQL and row code.
pub(crate) async fn rows_for(store: &Store, sql: &str, id: Option<i64>) -> Result<Vec<sqlx::any::AnyRow>> {
    let query = sqlx::query(sql);
    let query = match id {
        Some(id) => query.bind(id),
        None => query,
    };
    Ok(query.fetch_all(store.pool()).await?)
}

/// Rows made into items and gathered by the id in their `key` column, in the rows' order.
pub(crate) fn grouped<T>(
    rows: &[sqlx::any::AnyRow],
    key: &str,
    item: impl Fn(&sqlx::any::AnyRow) -> Result<T>,
) -> Result<std::collections::HashMap<i64, Vec<T>>> {
    let mut groups: std::collections::HashMap<i64, Vec<T>> = std::collections::HashMap::new();
    for row in rows {
        groups.entry(sqlx::Row::try_get(row, key)?).or_default().push(item(row)?);
    }
    Ok(groups)
}

/// A placeholder list `$first, $first+1, …` for `count` values.
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    (first..first + count).map(|n| format!("${n}")).collect::<Vec<_>>().join(", ")
}

/// `($1, $2), ($3, $4), …`: the `VALUES` of a multi-row insert of `rows` rows of `width`
/// parameters each, numbered from `$first`.
/// Links `owner` to each of `ids` in `table` (`owner_column`, `other_column`, position), in
/// their order, in one statement; links already there stay.
pub(crate) async fn insert_ordered(
    conn: &mut Conn,
    table: &str,
    (owner_column, owner): (&str, i64),
    other_column: &str,
    ids: &[i64],
) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO {table} ({owner_column}, {other_column}, position) VALUES {} ON CONFLICT DO NOTHING",
        value_rows(1, ids.len(), 3)
    );
    let mut insert = sqlx::query(&sql);
    for (position, id) in ids.iter().enumerate() {
        insert = insert.bind(owner).bind(*id).bind(position as i64);
    }
    insert.execute(&mut *conn).await?;
    Ok(())
}

pub(crate) fn value_rows(first: usize, rows: usize, width: usize) -> String {
    (0..rows).map(|row| format!("({})", placeholders(first + row * width, width))).collect::<Vec<_>>().join(", ")
}
