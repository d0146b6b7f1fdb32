//! `import letterboxd` against a real-format export (written for these tests from the format's
//! published structure, with its awkward cases) and a real database.

use marquee_core::{Role, Score};
use marquee_import::letterboxd::{import, Options};
use marquee_import::{ImportError, Silent};
use marquee_store::{accounts, diary, lists, marks, Store};
use std::io::Write;
use std::path::{Path, PathBuf};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/letterboxd")
}

struct Fixture {
    store: Store,
    user: i64,
    test: marquee_store::testing::TestStore,
}

async fn fixture() -> Fixture {
    let test = marquee_store::testing::fresh().await;
    let mut tx = test.store.begin().await.unwrap();
    let user = accounts::create(&mut tx, "cine@example.com", "Cine Phile", Role::Writer, "x").await.unwrap();
    tx.commit().await.unwrap();
    Fixture { store: test.store.clone(), user, test }
}

async fn film(store: &Store, slug: &str) -> i64 {
    let mut conn = store.pool().acquire().await.unwrap();
    marquee_store::films::id_by_slug(&mut conn, slug).await.unwrap().unwrap_or_else(|| panic!("no film {slug}"))
}

/// A copy of the sample with `file` replaced.
fn sample_with(dir: &Path, file: &str, text: &str) -> PathBuf {
    let copy = dir.join("export");
    for entry in walkdir(&sample()) {
        let target = copy.join(entry.strip_prefix(sample()).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&entry, target).unwrap();
    }
    std::fs::write(copy.join(file), text).unwrap();
    copy
}

fn walkdir(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walkdir(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test]
async fn a_whole_export_arrives_with_its_awkward_cases() {
    let Fixture { store, user, test: _test } = fixture().await;
    let summary = import(&store, user, &sample(), Options::default(), &Silent).await.unwrap();
    assert!(summary.skipped.is_empty(), "{summary:?}");

    // The diary: seven viewings, ratings doubled, rewatches, tags, the review's HTML as text.
    let entries = diary::recent(&store, user, 100).await.unwrap();
    assert_eq!(entries.len(), 7, "deleted and orphaned viewings stay out");
    let amelie: Vec<_> = entries.iter().filter(|e| e.film_slug == "amelie-2001").collect();
    assert_eq!(amelie.len(), 2, "one film, watched twice");
    let first = amelie.iter().find(|e| e.watched_on == "2024-01-02").unwrap();
    assert_eq!(first.rating, Some(Score::parse("9").unwrap()));
    assert_eq!(first.tags, ["paris", "comfort"]);
    assert!(!first.rewatch && amelie.iter().any(|e| e.rewatch), "\"Yes\" is a rewatch");
    assert!(amelie.iter().all(|e| e.liked), "the film is liked");
    assert_eq!(
        first.review_text,
        "Still the \"best\" breakfast film.\n\nIl faut profiter.\n\nSee this (https://example.com/amelie) & that — twice."
    );
    assert!(entries.iter().any(|e| e.film_title == "Sorry, Baby" && e.film_year == Some(2025)));
    assert!(entries.iter().any(|e| e.film_title == "七人の侍" && e.rating.is_none()));
    let short = entries.iter().find(|e| e.film_title == "An Untitled Short").unwrap();
    assert_eq!((short.film_year, short.watched_on.as_str()), (None, "2024-04-02"), "no year, logged date");

    // Same title, other years: two films. Same title and year, other links: two films.
    assert_ne!(film(&store, "solaris-1972").await, film(&store, "solaris-2002").await);
    let twins = (film(&store, "twin-title-2010").await, film(&store, "twin-title-2010-2").await);
    assert_ne!(twins.0, twins.1);

    // Watched, rated and liked films, apart from viewings.
    let mut conn = store.pool().acquire().await.unwrap();
    let stalker = marks::get(&mut conn, user, film(&store, "stalker-1979").await).await.unwrap().unwrap();
    assert_eq!(
        stalker,
        marks::Mark {
            watched: true,
            rating: Some(Score::parse("10").unwrap()),
            liked: false,
            marked_on: Some("2023-05-01".into())
        }
    );
    let liked = marks::get(&mut conn, user, film(&store, "amelie-2001").await).await.unwrap().unwrap();
    assert!(liked.liked && liked.watched);
    drop(conn);

    // The watchlist, and the lists in order with their notes and descriptions, private.
    let watchlist: Vec<String> =
        lists::watchlist(&store, user).await.unwrap().into_iter().map(|i| i.film_slug).collect();
    assert_eq!(watchlist.len(), 2);
    assert!(watchlist.contains(&"vertigo-1958".to_string()) && watchlist.contains(&"sorry-baby-2025".to_string()));
    let mine = lists::of_user(&store, user).await.unwrap();
    assert_eq!(mine.len(), 2);
    let slow = mine.iter().find(|l| l.title == "Slow cinema").unwrap();
    assert!(!slow.published, "imported lists wait for their member to publish them");
    assert!(
        slow.description_html.as_str().contains("<i>Patience</i> &amp; <i>rewards</i>"),
        "{}",
        slow.description_html.as_str()
    );
    let items = lists::items(&store, slow.id).await.unwrap();
    let order: Vec<(&str, &str)> = items.iter().map(|i| (i.film_title.as_str(), i.note.as_str())).collect();
    assert_eq!(order, [("Stalker", "The zone."), ("Solaris", ""), ("七人の侍", "Long, but never slow.")]);
    assert_eq!(items[1].film_slug, "solaris-1972", "the list's Solaris is the diary's, by title and year");
    let twins_list = mine.iter().find(|l| l.title == "Twins").unwrap();
    let ids: Vec<i64> = lists::items(&store, twins_list.id).await.unwrap().iter().map(|i| i.film_id).collect();
    assert_eq!(ids, [twins.1, twins.0], "each twin by its own link, in the list's order");
}

#[tokio::test]
async fn the_same_export_twice_changes_nothing_the_second_time() {
    let Fixture { store, user, test: _test } = fixture().await;
    let first = import(&store, user, &sample(), Options::default(), &Silent).await.unwrap();
    assert!(first.created > 0);
    let counts = store.row_counts().await.unwrap();
    let second = import(&store, user, &sample(), Options::default(), &Silent).await.unwrap();
    assert_eq!((second.created, second.updated), (0, 0), "{second}");
    assert_eq!(second.unchanged, 7 + 4 + 2 + 2, "viewings, marked films, watchlist, lists: {second}");
    assert_eq!(store.row_counts().await.unwrap(), counts);
}

#[tokio::test]
async fn a_zip_with_a_wrapping_folder_reads_like_the_folder() {
    let Fixture { store, user, test } = fixture().await;
    let zip_path = test.dir.path().join("letterboxd-someone-2026-11-25-10-00-utc.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).unwrap());
    for file in walkdir(&sample()) {
        let name = format!("letterboxd-someone/{}", file.strip_prefix(sample()).unwrap().display());
        zip.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        zip.write_all(&std::fs::read(&file).unwrap()).unwrap();
    }
    zip.finish().unwrap();
    let summary = import(&store, user, &zip_path, Options::default(), &Silent).await.unwrap();
    assert_eq!(diary::recent(&store, user, 100).await.unwrap().len(), 7, "{summary}");
    assert_eq!(lists::of_user(&store, user).await.unwrap().len(), 2);

    let not_zip = test.dir.path().join("export.zip");
    std::fs::write(&not_zip, "these are not the files you are looking for").unwrap();
    let error = import(&store, user, &not_zip, Options::default(), &Silent).await.unwrap_err();
    assert!(error.to_string().contains("not a ZIP archive"), "{error}");
}

#[tokio::test]
async fn a_bad_row_stops_the_import_with_file_line_and_field_or_is_skipped_when_asked() {
    let Fixture { store, user, test } = fixture().await;
    let diary = std::fs::read_to_string(sample().join("diary.csv")).unwrap();
    let broken = diary.replace(
        "2024-03-01,\"Sorry, Baby\",2025,https://boxd.it/6Rb2cd,3.5",
        "2024-03-01,\"Sorry, Baby\",2025,https://boxd.it/6Rb2cd,6",
    );
    let export = sample_with(test.dir.path(), "diary.csv", &broken);
    let before = store.row_counts().await.unwrap();
    let error = import(&store, user, &export, Options::default(), &Silent).await.unwrap_err();
    let ImportError::BadFiles(problems) = &error else { panic!("{error}") };
    assert_eq!(problems.len(), 1, "{error}");
    let message = problems[0].to_string();
    assert!(message.ends_with("diary.csv:4: Rating: \"6\" is not a rating from 0.5 to 5 stars in halves"), "{message}");
    assert_eq!(store.row_counts().await.unwrap(), before, "nothing was written");

    let summary =
        import(&store, user, &export, Options { skip_bad: true, ..Options::default() }, &Silent).await.unwrap();
    assert_eq!(summary.skipped.len(), 1);
    assert_eq!(diary::recent(&store, user, 100).await.unwrap().len(), 6, "the rest came in");

    // A file without a column it needs names the column.
    let export = sample_with(test.dir.path(), "watchlist.csv", "Date,Title,Year\n2024-01-01,Vertigo,1958\n");
    let error = import(&store, user, &export, Options::default(), &Silent).await.unwrap_err();
    assert!(error.to_string().contains("watchlist.csv:1: Name: the header lacks this column"), "{error}");
}

#[tokio::test]
async fn a_dry_run_reports_and_writes_nothing() {
    let Fixture { store, user, test: _test } = fixture().await;
    let before = store.row_counts().await.unwrap();
    let summary =
        import(&store, user, &sample(), Options { dry_run: true, ..Options::default() }, &Silent).await.unwrap();
    assert!(summary.created > 10, "{summary}");
    assert_eq!(store.row_counts().await.unwrap(), before);
}

#[tokio::test]
async fn the_diary_and_reviews_export_in_letterboxds_import_csv() {
    let Fixture { store, user, test } = fixture().await;
    import(&store, user, &sample(), Options::default(), &Silent).await.unwrap();
    // A published review of the member's, and one of someone else's.
    let content = test.dir.path().join("reviews");
    std::fs::create_dir_all(&content).unwrap();
    std::fs::write(
        content.join("heat.md"),
        "+++\ntitle = \"Heat\"\nyear = 1995\ndirectors = [\"Michael Mann\"]\nscore = 8.6\nauthor = \"Cine Phile\"\ntags = [\"la\", \"crime\"]\n\
         watched = 2024-02-01\ndate = 2024-02-02\n+++\nThe diner scene, \"again\".\n",
    )
    .unwrap();
    std::fs::write(
        content.join("other.md"),
        "+++\ntitle = \"Ran\"\nyear = 1985\nauthor = \"Someone Else\"\n+++\nNo.\n",
    )
    .unwrap();
    let media = marquee_media::MediaStore::new(test.dir.path().join("media"));
    marquee_import::markdown::import_dir(&store, &media, &content, Default::default(), &Silent).await.unwrap();

    let file = test.dir.path().join("letterboxd.csv");
    let report = marquee_import::letterboxd_export::export(&store, user, &file, &Silent).await.unwrap();
    assert_eq!((report.diary_entries, report.reviews), (7, 1));
    let mut reader = csv::Reader::from_path(&file).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, marquee_import::letterboxd_export::HEADER);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 8);
    let cell =
        |row: &csv::StringRecord, column: &str| row[header.iter().position(|h| h == column).unwrap()].to_string();
    let amelie = rows.iter().find(|r| cell(r, "Title") == "Amélie" && cell(r, "WatchedDate") == "2024-01-02").unwrap();
    assert_eq!(
        (cell(amelie, "Year"), cell(amelie, "Rating"), cell(amelie, "Rewatch")),
        ("2001".into(), "4.5".into(), "".into())
    );
    assert_eq!(cell(amelie, "Tags"), "paris, comfort");
    assert!(cell(amelie, "Review").starts_with("Still the \"best\" breakfast film.\n\n"));
    assert!(rows.iter().any(|r| cell(r, "Title") == "Amélie" && cell(r, "Rewatch") == "Yes"));
    let heat = rows.iter().find(|r| cell(r, "Title") == "Heat").unwrap();
    assert_eq!(
        (cell(heat, "Rating10"), cell(heat, "WatchedDate"), cell(heat, "Directors"), cell(heat, "Tags")),
        ("9".into(), "2024-02-01".into(), "Michael Mann".into(), "la, crime".into())
    );
    assert_eq!(cell(heat, "Review"), "The diner scene, \"again\".\n");
    assert!(!rows.iter().any(|r| cell(r, "Title") == "Ran"), "only the member's own reviews");
}

#[tokio::test]
async fn every_review_keeps_its_text_joined_by_link_then_by_film_and_day_or_as_its_own_entry() {
    let Fixture { store, user, test } = fixture().await;
    let reviews = "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\n\
        2024-01-03,Amélie,2001,https://boxd.it/4P7hnr,4.5,,By its link.,,2024-01-02\n\
        2024-03-05,Solaris,1972,https://boxd.it/zzOther,4,,By the film and the day.,,2024-03-04\n\
        2024-05-01,Stalker,1979,https://boxd.it/noDiary,5,,\"A review with no diary row, <i>kept</i>.\",zone,2024-04-30\n\
        ,Mirror,1975,,,,No date and no diary row.,,\n";
    let export = sample_with(test.dir.path(), "reviews.csv", reviews);
    let summary = import(&store, user, &export, Options::default(), &Silent).await.unwrap();
    let entries = diary::recent(&store, user, 100).await.unwrap();
    let text_of = |slug: &str, day: &str| {
        entries.iter().find(|e| e.film_slug == slug && e.watched_on == day).map(|e| e.review_text.clone())
    };
    assert_eq!(text_of("amelie-2001", "2024-01-02").as_deref(), Some("By its link."));
    assert_eq!(text_of("solaris-1972", "2024-03-04").as_deref(), Some("By the film and the day."));
    let stalker = entries.iter().find(|e| e.film_slug == "stalker-1979").expect("the review became an entry");
    assert_eq!(stalker.review_text, "A review with no diary row, kept.");
    assert_eq!((stalker.watched_on.as_str(), stalker.rating), ("2024-04-30", Some(Score::parse("10").unwrap())));
    assert_eq!(stalker.tags, ["zone"]);
    assert_eq!(entries.len(), 8, "seven viewings and the review's own");
    let warnings: Vec<String> = summary.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("reviews.csv:5: Watched Date: the review of Mirror has no date and no diary entry"),
        "{warnings:?}"
    );

    // Imported again, nothing changes: the review's own entry is known by its link.
    let again = import(&store, user, &export, Options::default(), &Silent).await.unwrap();
    assert_eq!((again.created, again.updated), (0, 0), "{again}");
}
