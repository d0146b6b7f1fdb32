//! Fresh stores for tests, on the backend the environment names. With
//! `MARQUEE_TEST_DATABASE=postgres` each store is a new database on the server at
//! `MARQUEE_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`), dropped when
//! the test ends; otherwise a SQLite file in a temporary directory.

use crate::{Backend, Store};
use std::sync::atomic::{AtomicU32, Ordering};

pub struct TestStore {
    pub store: Store,
    url: String,
    /// A scratch directory for the test (the SQLite file lives here, and media can too).
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

/// The backend tests run against.
pub fn backend() -> Backend {
    match std::env::var("MARQUEE_TEST_DATABASE").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Sqlite,
    }
}

fn admin_url() -> String {
    std::env::var("MARQUEE_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A URL for a new, empty database on the test backend (created here for PostgreSQL).
pub async fn fresh_url(dir: &std::path::Path) -> (String, Option<(String, String)>) {
    match backend() {
        Backend::Sqlite => (format!("sqlite://{}?mode=rwc", dir.join("marquee.db").display()), None),
        Backend::Postgres => {
            static COUNTER: AtomicU32 = AtomicU32::new(0);
            let name = format!(
                "marquee_test_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                time::OffsetDateTime::now_utc().unix_timestamp_nanos() % 1_000_000
            );
            let admin = admin_url();
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&admin).await.expect("the test PostgreSQL server is reachable");
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.expect("creating a test database");
            pool.close().await;
            let base = admin.rsplit_once('/').map(|(base, _)| base.to_string()).unwrap_or(admin.clone());
            (format!("{base}/{name}"), Some((admin, name)))
        }
    }
}

/// A new, empty, migrated store for one test.
pub async fn fresh() -> TestStore {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (url, postgres) = fresh_url(dir.path()).await;
    let store = Store::open(&url).await.expect("opening the test store");
    TestStore { store, dir, postgres, url }
}

impl TestStore {
    /// The URL the store was opened with, for other processes to share the database.
    pub fn database_url(&self) -> &str {
        &self.url
    }
}

impl Drop for TestStore {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.postgres.take() {
            // Drop runs inside the test's runtime, which cannot block: use a thread of our own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().ok()?;
                runtime.block_on(async {
                    let pool = sqlx::AnyPool::connect(&admin).await.ok()?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await.ok()?;
                    pool.close().await;
                    Some(())
                })
            })
            .join();
        }
    }
}
