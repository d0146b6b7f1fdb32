//! What only the embedded SQLite backend promises: WAL mode, foreign keys, migrations on open.

use marquee_store::{Error, Store};

#[tokio::test]
async fn the_sqlite_database_runs_in_wal_mode_with_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&dir.path().join("marquee.db")).await.unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode").fetch_one(store.pool()).await.unwrap();
    assert_eq!(mode, "wal");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys").fetch_one(store.pool()).await.unwrap();
    assert_eq!(foreign_keys, 1);
}

#[tokio::test]
async fn migrations_are_applied_on_open_and_opening_again_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marquee.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    let counts = store.row_counts().await.unwrap();
    assert!(counts.values().all(|n| *n == 0), "{counts:?}");
    store.close().await;
    let again = Store::open_sqlite(&path).await.unwrap();
    let applied: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations").fetch_one(again.pool()).await.unwrap();
    let known = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite")).unwrap().count();
    assert_eq!(applied as usize, known, "each migration applied once");
}

#[tokio::test]
async fn a_database_written_by_a_newer_marquee_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marquee.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (999, 'future', CURRENT_TIMESTAMP, TRUE, x'00', 0)",
    )
    .execute(store.pool())
    .await
    .unwrap();
    store.close().await;
    match Store::open_sqlite(&path).await {
        Err(Error::TooNew { found: 999, known }) if known < 999 => {}
        Err(other) => panic!("wrong error: {other}"),
        Ok(_) => panic!("a newer database was opened"),
    }
}

/// The plan SQLite picks for a film's published reviews, as `EXPLAIN QUERY PLAN` words it.
async fn plan_for_a_films_reviews(store: &Store) -> String {
    let rows: Vec<(i64, i64, i64, String)> = sqlx::query_as(
        "EXPLAIN QUERY PLAN SELECT r.id FROM reviews r WHERE r.status = 'published' AND r.film_id = 7 \
         ORDER BY r.published_at DESC LIMIT 12",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    rows.into_iter().map(|row| row.3).collect::<Vec<_>>().join("; ")
}

#[tokio::test]
async fn the_planner_keeps_statistics_so_a_films_reviews_are_read_by_film() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("marquee.db");
    let store = Store::open_sqlite(&path).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    for film in 0..400 {
        sqlx::query("INSERT INTO films (slug, title, created_at, updated_at) VALUES ($1, 'F', 0, 0)")
            .bind(format!("f-{film}"))
            .execute(&mut *tx)
            .await
            .unwrap();
    }
    for review in 0..2000 {
        sqlx::query(
            "INSERT INTO reviews (slug, film_id, body_markdown, body_html, body_text, word_count, status, \
               published_at, created_at, updated_at) VALUES ($1, $2, '', '', '', 0, 'published', $3, 0, 0)",
        )
        .bind(format!("r-{review}"))
        .bind(1 + review % 400)
        .bind(review)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    // Without statistics the status index (every published review) looks as good as the film's.
    assert!(plan_for_a_films_reviews(&store).await.contains("reviews_status_published"));
    // Closing measures what changed; the next open plans by film.
    store.close().await;
    let store = Store::open_sqlite(&path).await.unwrap();
    let plan = plan_for_a_films_reviews(&store).await;
    assert!(plan.contains("INDEX reviews_film"), "{plan}");
}
