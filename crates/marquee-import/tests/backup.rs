//! Backups, restores and copies between stores, on the test backend (and SQLite to it).

use marquee_import::markdown::{import_dir, Options};
use marquee_import::{backup, Silent};
use marquee_media::MediaStore;
use marquee_store::testing::{self, TestStore};
use marquee_store::{dump, reviews, settings, users, Store};
use std::path::Path;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A store with reviews, people, tags, a draft and images.
async fn filled() -> (TestStore, MediaStore) {
    let test = testing::fresh().await;
    let source = test.dir.path().join("content");
    write(
        &source.join("heat.md"),
        "+++\ntitle = \"Heat\"\nyear = 1995\ndirectors = [\"Michael Mann\"]\ncast = [\"Al Pacino\"]\ngenres = [\"Crime\"]\n\
         score = 9.5\ntags = [\"la\"]\nposter = \"heat.png\"\ndate = 2024-03-01\n+++\n## Diner\n\n![Diner](diner.png \"Scene\")\n",
    );
    write(&source.join("ran.md"), "---\ntitle: Ran\nyear: 1985\nrating: 4.5\nspoilers: true\n---\nEpic.\n");
    write(&source.join("draft.md"), "+++\ntitle = \"Draft\"\nyear = 2020\ndraft = true\n+++\nLater.\n");
    // An essay in a section folder of articles, and a page.
    write(
        &source.join("essays/on-mann.md"),
        "---\ntitle: Mann at night\nstandfirst: Los Angeles after dark.\nfilms: [\"Heat (1995)\", tt0000001]\n\
         tags: [la, essays]\ndate: 2024-03-05\n---\nThe city.\n\n![Night](night.png)\n",
    );
    write(&source.join("about.md"), "+++\ntype = \"page\"\ntitle = \"About\"\nnav = 2\n+++\nWho we are.\n");
    image::RgbImage::from_fn(500, 300, |x, y| image::Rgb([y as u8, x as u8, 70]))
        .save(source.join("essays/night.png"))
        .unwrap();
    for (name, w, h) in [("heat.png", 300, 450), ("diner.png", 700, 400)] {
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 9])).save(source.join(name)).unwrap();
    }
    let media = MediaStore::new(test.dir.path().join("media"));
    import_dir(&test.store, &media, &source, Options::default(), &Silent).await.unwrap();
    (test, media)
}

async fn published_reviews(store: &Store) -> Vec<reviews::Review> {
    let (cards, _) = reviews::published(store, &reviews::Filter::All, 100, 0).await.unwrap();
    let mut out = Vec::new();
    for card in cards {
        out.push(reviews::published_by_slug(store, &card.slug).await.unwrap().unwrap());
    }
    out
}

#[tokio::test]
async fn a_backup_restored_into_a_fresh_store_gives_back_every_review_and_media_file() {
    let (original, media) = filled().await;
    let file = original.dir.path().join("site.tar");
    let report = backup::backup(&original.store, &media, &file, &Silent).await.unwrap();
    assert!(report.rows > 10 && report.media_files >= 6, "{report:?}");

    let fresh = testing::fresh().await;
    let fresh_media = MediaStore::new(fresh.dir.path().join("media"));
    let restored = backup::restore(&fresh.store, &fresh_media, &file, &Silent).await.unwrap();
    assert_eq!(restored, report);
    let (before, after) = (dump::read(&original.store).await.unwrap(), dump::read(&fresh.store).await.unwrap());
    assert_eq!(dump::checksums(&before), dump::checksums(&after));
    assert_eq!(published_reviews(&original.store).await, published_reviews(&fresh.store).await);
    assert_eq!(published_reviews(&fresh.store).await.len(), 2);
    assert_eq!(media.keys().await.unwrap(), fresh_media.keys().await.unwrap());
    // The restored store goes on working: new rows get fresh ids.
    write(&fresh.dir.path().join("more/m.md"), "+++\ntitle = \"M\"\nyear = 1931\n+++\nNew.\n");
    let summary = import_dir(&fresh.store, &fresh_media, &fresh.dir.path().join("more"), Options::default(), &Silent)
        .await
        .unwrap();
    assert_eq!(summary.created, 1);
}

#[tokio::test]
async fn restore_refuses_a_store_that_is_not_empty_and_leaves_it_alone() {
    let (original, media) = filled().await;
    let file = original.dir.path().join("site.tar");
    backup::backup(&original.store, &media, &file, &Silent).await.unwrap();
    // Another site, with a review and no images yet: neither its rows nor its media may change.
    let other = testing::fresh().await;
    let other_media = MediaStore::new(other.dir.path().join("media"));
    write(&other.dir.path().join("c/x.md"), "+++\ntitle = \"X\"\nyear = 2000\n+++\nX.\n");
    import_dir(&other.store, &other_media, &other.dir.path().join("c"), Options::default(), &Silent).await.unwrap();
    let before = dump::checksums(&dump::read(&other.store).await.unwrap());
    let err = backup::restore(&other.store, &other_media, &file, &Silent).await.unwrap_err();
    assert!(err.to_string().contains("not empty"), "{err}");
    assert_eq!(dump::checksums(&dump::read(&other.store).await.unwrap()), before);
    assert!(other_media.keys().await.unwrap().is_empty(), "no media was written");
}

#[tokio::test]
async fn an_archive_entry_outside_the_media_store_is_refused() {
    let (original, media) = filled().await;
    let real = original.dir.path().join("site.tar");
    backup::backup(&original.store, &media, &real, &Silent).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("evil.tar");
    let mut archive = tar::Builder::new(std::fs::File::create(&file).unwrap());
    // A genuine database entry first, then the hostile one.
    let mut genuine = tar::Archive::new(std::fs::File::open(&real).unwrap());
    let mut first = genuine.entries().unwrap().next().unwrap().unwrap();
    let mut json = Vec::new();
    std::io::Read::read_to_end(&mut first, &mut json).unwrap();
    let mut db_header = tar::Header::new_gnu();
    db_header.set_size(json.len() as u64);
    db_header.set_mode(0o600);
    db_header.set_cksum();
    archive.append_data(&mut db_header, "marquee-backup.json", json.as_slice()).unwrap();
    // tar's builder refuses `..`, so the name is written into the header by hand, as an
    // attacker's tool would.
    let name = b"media/../../escaped.txt";
    let mut header = tar::Header::new_gnu();
    header.as_gnu_mut().unwrap().name[..name.len()].copy_from_slice(name);
    header.set_size(4);
    header.set_mode(0o644);
    header.set_cksum();
    archive.append(&header, &b"evil"[..]).unwrap();
    archive.finish().unwrap();
    let test = testing::fresh().await;
    let media = MediaStore::new(dir.path().join("data/media"));
    let err = backup::restore(&test.store, &media, &file, &Silent).await.unwrap_err();
    assert!(err.to_string().contains("unexpected entry"), "{err}");
    assert!(!dir.path().join("escaped.txt").exists());
}

#[tokio::test]
async fn a_snapshot_taken_while_writes_go_on_is_consistent() {
    let test = testing::fresh().await;
    let store = test.store.clone();
    // Each write adds a row to two tables in one transaction; a snapshot must hold both or neither.
    let writer = tokio::spawn(async move {
        for i in 0..150 {
            let mut tx = store.begin().await.unwrap();
            let key = format!("k{i:03}");
            settings::set_all(&mut tx, &[(key.as_str(), "x".to_string())]).await.unwrap();
            users::ensure_author(&mut tx, &format!("Writer {i}")).await.unwrap();
            tx.commit().await.unwrap();
        }
    });
    let mut sizes = Vec::new();
    while !writer.is_finished() {
        let snapshot = dump::read(&test.store).await.unwrap();
        let rows = |name: &str| snapshot.tables.iter().find(|t| t.name == name).unwrap().rows.len();
        assert_eq!(rows("settings"), rows("users"), "a snapshot split a transaction");
        sizes.push(rows("users"));
    }
    writer.await.unwrap();
    assert!(sizes.len() > 1, "the snapshot ran while writing");
}

#[tokio::test]
async fn a_site_copies_from_sqlite_to_the_test_backend_with_matching_checksums() {
    let (source, _media) = {
        let dir = tempfile::tempdir().unwrap();
        let sqlite = Store::open_sqlite(&dir.path().join("source.db")).await.unwrap();
        let (filled, media) = filled().await;
        // Move the filled content into a SQLite store through a dump, then copy that onwards.
        dump::write(&sqlite, &dump::read(&filled.store).await.unwrap()).await.unwrap();
        ((sqlite, dir), media)
    };
    let target = testing::fresh().await;
    let snapshot = dump::read(&source.0).await.unwrap();
    dump::write(&target.store, &snapshot).await.unwrap();
    let copied = dump::read(&target.store).await.unwrap();
    assert_eq!(dump::checksums(&snapshot), dump::checksums(&copied));
    assert_eq!(source.0.row_counts().await.unwrap(), target.store.row_counts().await.unwrap());
    assert_eq!(published_reviews(&source.0).await, published_reviews(&target.store).await);
}

#[tokio::test]
async fn a_json_export_imported_into_an_empty_store_gives_the_identical_site() {
    let (original, media) = filled().await;
    // A member with a diary, lists and a watchlist from Letterboxd, and an API token.
    let mut tx = original.store.begin().await.unwrap();
    let user = marquee_store::accounts::create(&mut tx, "c@example.com", "Cine", marquee_core::Role::Writer, "x")
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let letterboxd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/letterboxd");
    marquee_import::letterboxd::import(&original.store, user, &letterboxd, Default::default(), &Silent).await.unwrap();

    let file = original.dir.path().join("site.json");
    let report = marquee_import::json::export(&original.store, &media, &file, &Silent).await.unwrap();
    assert!(report.rows > 40 && report.media_files >= 6, "{report:?}");
    let document: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!((document["format"].as_str(), document["version"].as_u64()), (Some("marquee-export"), Some(1)));
    let tables: Vec<&str> =
        document["tables"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    for table in [
        "users",
        "films",
        "reviews",
        "review_revisions",
        "diary_entries",
        "lists",
        "list_items",
        "watchlist",
        "film_marks",
        "media",
    ] {
        assert!(tables.contains(&table), "{table} in {tables:?}");
    }

    let fresh = testing::fresh().await;
    let fresh_media = MediaStore::new(fresh.dir.path().join("media"));
    let dry = marquee_import::json::import(&fresh.store, &fresh_media, &file, true, &Silent).await.unwrap();
    assert_eq!(dry, report, "a dry run counts what would come");
    assert_eq!(fresh.store.row_counts().await.unwrap().values().sum::<i64>(), 0, "and writes nothing");
    assert!(fresh_media.keys().await.unwrap().is_empty());
    let imported = marquee_import::json::import(&fresh.store, &fresh_media, &file, false, &Silent).await.unwrap();
    assert_eq!(imported, report);
    let (before, after) = (dump::read(&original.store).await.unwrap(), dump::read(&fresh.store).await.unwrap());
    assert_eq!(dump::checksums(&before), dump::checksums(&after), "every table, row for row");
    assert_eq!(published_reviews(&original.store).await, published_reviews(&fresh.store).await);
    for key in media.keys().await.unwrap() {
        assert_eq!(media.read_key(&key).await.unwrap(), fresh_media.read_key(&key).await.unwrap(), "{key}");
    }

    // Only into an empty store; other files are refused by name.
    let again = marquee_import::json::import(&fresh.store, &fresh_media, &file, false, &Silent).await.unwrap_err();
    assert!(again.to_string().contains("not empty"), "{again}");
    let other = fresh.dir.path().join("other.json");
    std::fs::write(&other, r#"{"format": "something-else", "version": 1}"#).unwrap();
    let empty = testing::fresh().await;
    let refused = marquee_import::json::import(&empty.store, &fresh_media, &other, false, &Silent).await.unwrap_err();
    assert!(refused.to_string().contains("not a Marquee JSON export"), "{refused}");
    assert_eq!(empty.store.row_counts().await.unwrap().values().sum::<i64>(), 0);
}

/// Every `.md` file under `dir`, by path, with its text.
fn markdown_files(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let mut files = std::collections::BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "md") {
            let name = entry.path().strip_prefix(dir).unwrap().display().to_string();
            files.insert(name, std::fs::read_to_string(entry.path()).unwrap());
        }
    }
    files
}

#[tokio::test]
async fn a_markdown_export_imports_back_as_the_same_reviews_and_exports_the_same_again() {
    let (original, media) = filled().await;
    let out = original.dir.path().join("exported");
    let report = marquee_import::markdown_export::export(&original.store, &media, &out, &Silent).await.unwrap();
    assert_eq!(report.reviews, 3, "drafts too");
    assert!(report.images >= 2, "{report:?}");
    let heat = std::fs::read_to_string(out.join("heat-1995/index.md")).unwrap();
    for line in [
        "title = \"Heat\"",
        "year = 1995",
        "directors = [\"Michael Mann\"]",
        "cast = [\"Al Pacino\"]",
        "genres = [\"Crime\"]",
        "score = 9.5",
        "tags = [\"la\"]",
        "poster = \"poster.png\"",
        "date = \"2024-03-01T00:00:00Z\"",
        "slug = \"heat-1995\"",
    ] {
        assert!(heat.contains(line), "{line} in\n{heat}");
    }
    assert!(heat.contains("![Diner](diner.png \"Scene\")"), "{heat}");
    assert!(out.join("heat-1995/poster.png").is_file() && out.join("heat-1995/diner.png").is_file());
    assert!(std::fs::read_to_string(out.join("draft-2020/index.md")).unwrap().contains("draft = true"));
    assert_eq!(report.posts, 2, "the essay and the page");
    let essay = std::fs::read_to_string(out.join("articles/mann-at-night/index.md")).unwrap();
    for line in [
        "type = \"article\"",
        "films = [\"Heat (1995)\"]",
        "standfirst = \"Los Angeles after dark.\"",
        "tags = [\"la\", \"essays\"]",
    ] {
        assert!(essay.contains(line), "{line} in\n{essay}");
    }
    assert!(essay.contains("![Night](night.png)") && out.join("articles/mann-at-night/night.png").is_file(), "{essay}");
    let about = std::fs::read_to_string(out.join("pages/about/index.md")).unwrap();
    assert!(about.contains("type = \"page\"") && about.contains("nav = 2"), "{about}");

    // Imported into an empty store: the same reviews, the same films, the same text.
    let fresh = testing::fresh().await;
    let fresh_media = MediaStore::new(fresh.dir.path().join("media"));
    let summary = import_dir(&fresh.store, &fresh_media, &out, Options::default(), &Silent).await.unwrap();
    assert!(summary.warnings.is_empty(), "{:?}", summary.warnings);
    let strip = |reviews: Vec<reviews::Review>| -> Vec<_> {
        reviews
            .into_iter()
            .map(|r| {
                let c = r.card;
                (
                    c.slug,
                    c.headline,
                    c.summary,
                    c.score,
                    c.published_at,
                    c.word_count,
                    c.film_title,
                    c.film_year,
                    r.tags,
                    r.spoilers,
                )
            })
            .collect()
    };
    assert_eq!(strip(published_reviews(&original.store).await), strip(published_reviews(&fresh.store).await));
    let texts = |store: Store| async move {
        let ids = reviews::all_ids(&store).await.unwrap();
        reviews::texts(&store, &ids).await.unwrap().into_values().collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(texts(original.store.clone()).await, texts(fresh.store.clone()).await);
    let posts_of = |store: Store| async move {
        let all = marquee_store::posts::all_published(&store).await.unwrap();
        all.into_iter()
            .map(|p| {
                let films: Vec<(String, Option<i32>)> = p.films.into_iter().map(|f| (f.title, f.year)).collect();
                let tags: Vec<String> = p.tags.into_iter().map(|t| t.name).collect();
                let c = p.card;
                (c.kind, c.slug, c.title, c.standfirst, c.published_at, c.word_count, c.author_name, films, tags)
            })
            .collect::<Vec<_>>()
    };
    let posts = posts_of(original.store.clone()).await;
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert_eq!(posts, posts_of(fresh.store.clone()).await, "articles and pages come back as they were");
    assert_eq!(
        marquee_store::posts::navigation(&fresh.store).await.unwrap(),
        [("about".to_string(), "About".to_string())]
    );

    // And exported again, the same files word for word.
    let again = fresh.dir.path().join("again");
    marquee_import::markdown_export::export(&fresh.store, &fresh_media, &again, &Silent).await.unwrap();
    assert_eq!(markdown_files(&out), markdown_files(&again));
}
