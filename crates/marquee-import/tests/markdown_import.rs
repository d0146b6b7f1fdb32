//! `import markdown` against real files and a real SQLite database.

use marquee_core::PostKind;
use marquee_core::ReviewStatus;
use marquee_import::markdown::{import_dir, Options};
use marquee_import::{ImportError, Silent};
use marquee_media::MediaStore;
use marquee_store::{content, posts, reviews, Store};
use std::path::Path;

struct Fixture {
    source: std::path::PathBuf,
    store: Store,
    media: MediaStore,
    _test: marquee_store::testing::TestStore,
}

/// An empty store on the test backend (SQLite, or PostgreSQL with MARQUEE_TEST_DATABASE=postgres).
async fn fixture() -> Fixture {
    let test = marquee_store::testing::fresh().await;
    let source = test.dir.path().join("content");
    std::fs::create_dir_all(&source).unwrap();
    let media = MediaStore::new(test.dir.path().join("media"));
    Fixture { source, store: test.store.clone(), media, _test: test }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn png(path: &Path, width: u32, height: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 128])).save(path).unwrap();
}

async fn count(store: &Store, table: &str) -> i64 {
    store.row_counts().await.unwrap()[table]
}

fn sample_site(root: &Path) {
    write(
        &root.join("heat.md"),
        "+++\ntitle = \"Heat\"\nyear = 1995\nruntime = 170\ndirectors = [\"Michael Mann\"]\ncast = [\"Al Pacino\", \"Robert De Niro\"]\n\
         genres = [\"Crime\", \"Thriller\"]\nscore = 9.5\nsummary = \"A city symphony.\"\nposter = \"heat.png\"\ndate = 2024-03-01T10:00:00Z\n+++\n\
         ## The diner\n\nTwo men at a table.\n\n![The diner](stills/diner.png \"Scene from Heat: the diner\")\n",
    );
    png(&root.join("heat.png"), 400, 600);
    png(&root.join("stills/diner.png"), 800, 450);
    write(
        &root.join("ran/index.md"),
        "---\ntitle: Ran\nyear: 1985\ndirectors: [Akira Kurosawa]\ngenres: [Drama]\nrating: 4.5\nposter: poster.png\ndate: 2024-02-01\n---\nEpic.\n",
    );
    png(&root.join("ran/poster.png"), 300, 450);
    write(&root.join("_index.md"), "+++\ntitle = \"Section\"\n+++\n");
    write(
        &root.join("drafts/secret.md"),
        "+++\ntitle = \"Secret\"\nyear = 2020\ndraft = true\nscore = 3\n+++\nNot yet.\n",
    );
}

#[tokio::test]
async fn a_folder_imports_with_page_bundles_images_and_drafts() {
    let f = fixture().await;
    sample_site(&f.source);
    let summary = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap();
    assert_eq!((summary.created, summary.updated, summary.unchanged), (3, 0, 0), "{summary}");
    assert_eq!(count(&f.store, "films").await, 3);
    assert_eq!(count(&f.store, "media").await, 3);
    assert_eq!(reviews::count_by_status(&f.store, ReviewStatus::Published).await.unwrap(), 2);
    assert_eq!(reviews::count_by_status(&f.store, ReviewStatus::Draft).await.unwrap(), 1);
    let heat = reviews::published_by_slug(&f.store, "heat-1995").await.unwrap().unwrap();
    assert_eq!(heat.card.score.unwrap().to_string(), "9.5");
    assert!(heat.body_html.as_str().contains("<figcaption>Scene from Heat: the diner</figcaption>"));
    assert!(heat.body_html.as_str().contains("image/webp"));
    let ran = reviews::published_by_slug(&f.store, "ran-1985").await.unwrap().unwrap();
    assert_eq!(ran.card.score.unwrap().to_string(), "9.0", "4.5 stars double to 9.0");
    assert!(reviews::published_by_slug(&f.store, "secret-2020").await.unwrap().is_none());
    let files = f.media.keys().await.unwrap().len();
    // 400 px wide: 320 and 400; 800 px: 320, 640 and 800; 300 px: 300. Each width in its own
    // format and in WebP, and a marker per image.
    assert_eq!(files, (2 + 3 + 1) * 2 + 3, "{files}");
}

#[tokio::test]
async fn importing_the_same_folder_twice_changes_nothing() {
    let f = fixture().await;
    sample_site(&f.source);
    import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap();
    let version = content::version(&f.store).await.unwrap();
    let revisions = count(&f.store, "review_revisions").await;
    let summary = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap();
    assert_eq!((summary.created, summary.updated, summary.unchanged), (0, 0, 3), "{summary}");
    assert_eq!(content::version(&f.store).await.unwrap(), version);
    assert_eq!(count(&f.store, "review_revisions").await, revisions);
    assert_eq!(count(&f.store, "films").await, 3);
    assert_eq!(count(&f.store, "people").await, 4);

    // An edited file updates its review in place and keeps a revision.
    let path = f.source.join("ran/index.md");
    let text = std::fs::read_to_string(&path).unwrap().replace("Epic.", "Epic and sad.");
    std::fs::write(&path, text).unwrap();
    let summary = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap();
    assert_eq!((summary.created, summary.updated, summary.unchanged), (0, 1, 2), "{summary}");
    assert_eq!(count(&f.store, "reviews").await, 3);
    assert_eq!(count(&f.store, "review_revisions").await, revisions + 1);
}

#[tokio::test]
async fn a_bad_file_is_reported_with_path_line_and_field_and_nothing_is_written() {
    let f = fixture().await;
    sample_site(&f.source);
    write(&f.source.join("zz-bad-score.md"), "+++\ntitle = \"Too Good\"\nyear = 2001\nscore = 11\n+++\nBody\n");
    write(&f.source.join("zz-no-title.md"), "---\nyear: 2001\n---\nBody\n");
    write(&f.source.join("zz-broken.md"), "+++\ntitle = \"Broken\nyear = 2001\n+++\n");
    let err = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap_err();
    let ImportError::BadFiles(problems) = &err else { panic!("{err}") };
    assert_eq!(problems.len(), 3, "{err}");
    let message = err.to_string();
    assert!(message.contains("zz-bad-score.md:4: score: score 11 is outside 0 to 10"), "{message}");
    assert!(message.contains("zz-no-title.md: title: required, missing"), "{message}");
    assert!(message.contains("zz-broken.md:2: invalid TOML"), "{message}");
    assert!(message.contains("nothing was changed"), "{message}");
    assert_eq!(count(&f.store, "reviews").await, 0);
    assert_eq!(count(&f.store, "films").await, 0);
}

#[tokio::test]
async fn a_corrupt_image_is_reported_before_anything_is_written() {
    let f = fixture().await;
    sample_site(&f.source);
    write(&f.source.join("zz-fake.md"), "+++\ntitle = \"Fake\"\nyear = 2001\nposter = \"fake.png\"\n+++\nBody\n");
    write(&f.source.join("fake.png"), "this is not a picture");
    let message = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap_err().to_string();
    assert!(message.contains("zz-fake.md:4: poster:") && message.contains("not an image"), "{message}");
    assert_eq!(count(&f.store, "reviews").await, 0);
    assert_eq!(count(&f.store, "media").await, 0);
}

#[tokio::test]
async fn a_failure_while_writing_rolls_the_whole_import_back() {
    let f = fixture().await;
    sample_site(&f.source);
    // Two different films claiming one IMDb id: only the database's unique index can tell.
    write(&f.source.join("zz-a.md"), "+++\ntitle = \"Alpha\"\nyear = 2001\nimdb = \"tt0000001\"\n+++\nA\n");
    write(&f.source.join("zz-b.md"), "+++\ntitle = \"Beta\"\nyear = 2002\nimdb = \"tt0000001\"\n+++\nB\n");
    let message = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap_err().to_string();
    assert!(message.contains("zz-b.md") && message.contains("could not be written"), "{message}");
    assert_eq!(count(&f.store, "reviews").await, 0, "the earlier files were rolled back too");
    assert_eq!(count(&f.store, "films").await, 0);
    assert_eq!(count(&f.store, "media").await, 0);
}

#[tokio::test]
async fn unknown_keys_are_warnings_and_the_import_goes_on() {
    let f = fixture().await;
    write(
        &f.source.join("m.md"),
        "+++\ntitle = \"M\"\nyear = 1931\nweight = 2\n[params]\nmood = \"dark\"\n+++\nBody\n",
    );
    let summary = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap();
    assert_eq!(summary.created, 1);
    let warnings: Vec<String> = summary.warnings.iter().map(|w| w.to_string()).collect();
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("m.md:4: weight: unknown key")), "{warnings:?}");
    assert!(warnings.iter().any(|w| w.contains("mood: unknown key")), "{warnings:?}");
}

#[tokio::test]
async fn a_dry_run_reports_without_writing() {
    let f = fixture().await;
    sample_site(&f.source);
    let summary = import_dir(&f.store, &f.media, &f.source, Options { dry_run: true, ..Options::default() }, &Silent)
        .await
        .unwrap();
    assert_eq!(summary.created, 3);
    assert_eq!(count(&f.store, "reviews").await, 0);
    assert_eq!(count(&f.store, "media").await, 0);
}

#[tokio::test]
async fn a_missing_poster_is_an_error_naming_the_field() {
    let f = fixture().await;
    write(&f.source.join("x.md"), "+++\ntitle = \"X\"\nyear = 2000\nposter = \"nope.jpg\"\n+++\n");
    let message = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap_err().to_string();
    assert!(message.contains("x.md:4: poster: image \"nope.jpg\" not found"), "{message}");
}

#[tokio::test]
async fn images_outside_the_imported_folder_are_refused_alike_whether_they_exist_or_not() {
    let f = fixture().await;
    let upload = f._test.dir.path().join("upload");
    png(&f._test.dir.path().join("secret.png"), 40, 40);
    png(&f._test.dir.path().join("static/secret.png"), 40, 40);
    write(&upload.join("a.md"), "+++\ntitle = \"A\"\nyear = 2000\nposter = \"../secret.png\"\n+++\nBody\n");
    write(&upload.join("b.md"), "+++\ntitle = \"B\"\nyear = 2000\nposter = \"../missing.png\"\n+++\nBody\n");
    write(&upload.join("c/index.md"), "+++\ntitle = \"C\"\nyear = 2000\n+++\n![s](../../secret.png)\n");
    write(&upload.join("d.md"), "+++\ntitle = \"D\"\nyear = 2000\nposter = \"/../secret.png\"\n+++\nBody\n");
    write(&upload.join("e.md"), "+++\ntitle = \"E\"\nyear = 2000\nposter = \"%2e%2e/secret.png\"\n+++\nBody\n");
    // A site-absolute path is looked for in the imported folder's own `static/`, not above it.
    write(&upload.join("f.md"), "+++\ntitle = \"F\"\nyear = 2000\nposter = \"/secret.png\"\n+++\nBody\n");
    let error = import_dir(&f.store, &f.media, &upload, Options::default(), &Silent).await.unwrap_err();
    let message = error.to_string();
    for (file, written) in [("a.md", "../secret.png"), ("b.md", "../missing.png"), ("d.md", "/../secret.png")] {
        let expected = format!("{file}:4: poster: image \"{written}\" is outside the imported folder: refused");
        assert!(message.contains(&expected), "{expected} in {message}");
    }
    assert!(message.contains("index.md: body: image \"../../secret.png\" is outside the imported folder"), "{message}");
    assert!(message.contains("e.md:4: poster: image \"%2e%2e/secret.png\" is outside"), "{message}");
    assert!(message.contains("f.md:4: poster: image \"/secret.png\" not found in the imported folder"), "{message}");
    assert_eq!(count(&f.store, "media").await, 0, "nothing from outside was stored");
    assert_eq!(count(&f.store, "reviews").await, 0);
}

#[tokio::test]
async fn a_hugo_site_finds_its_site_wide_images_in_its_static_folder() {
    let f = fixture().await;
    write(
        &f.source.join("x.md"),
        "+++\ntitle = \"X\"\nyear = 2000\nposter = \"/images/x.png\"\n+++\n![A still](/images/still.png)\n",
    );
    png(&f._test.dir.path().join("static/images/x.png"), 300, 450);
    png(&f._test.dir.path().join("static/images/still.png"), 300, 200);
    let summary = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap();
    assert_eq!(summary.created, 1, "{summary}");
    assert!(summary.warnings.is_empty(), "{summary:?}");
    assert_eq!(count(&f.store, "media").await, 2);
}

/// What a search for `word` finds, as (kind, id) pairs sorted.
async fn found(store: &Store, word: &str) -> Vec<(String, i64)> {
    use marquee_store::search::{find, Narrowing};
    let (hits, _) = find(store, &[word.to_string()], &Narrowing::default(), 50, 0).await.unwrap();
    let mut hits: Vec<_> = hits.into_iter().map(|hit| (format!("{:?}", hit.kind), hit.id)).collect();
    hits.sort();
    hits
}

#[tokio::test]
async fn an_import_indexes_once_at_its_end_and_a_reimport_replaces_credits_tags_and_words() {
    let f = fixture().await;
    sample_site(&f.source);
    // A second review of another film with the same director: one person, indexed once.
    write(
        &f.source.join("thief.md"),
        "+++\ntitle = \"Thief\"\nyear = 1981\ndirectors = [\"Michael Mann\"]\ncast = [\"James Caan\"]\ntags = [\"heists\"]\n\
         score = 8\ndate = 2024-01-01T10:00:00Z\n+++\nSafecracking at night.\n",
    );
    import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap();
    let heat = reviews::published_by_slug(&f.store, "heat-1995").await.unwrap().unwrap();
    let thief = reviews::published_by_slug(&f.store, "thief-1981").await.unwrap().unwrap();
    let mann = found(&f.store, "mann").await;
    assert_eq!(mann.iter().filter(|(kind, _)| kind == "Person").count(), 1, "{mann:?}");
    assert_eq!(mann.iter().filter(|(kind, _)| kind == "Review").count(), 2, "{mann:?}");
    assert_eq!(mann.iter().filter(|(kind, _)| kind == "Film").count(), 2, "{mann:?}");
    assert!(found(&f.store, "diner").await.contains(&("Review".to_string(), heat.card.id)));
    assert!(found(&f.store, "safecracking").await.contains(&("Review".to_string(), thief.card.id)));
    let (credits, tags) = (count(&f.store, "credits").await, count(&f.store, "review_tags").await);

    // Thief's cast, tags and words change: the old ones leave the tables and the index.
    let path = f.source.join("thief.md");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("James Caan", "Tuesday Weld")
        .replace("heists", "chicago")
        .replace("Safecracking", "Burglary");
    std::fs::write(&path, text).unwrap();
    let summary = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap();
    assert_eq!((summary.created, summary.updated), (0, 1), "{summary}");
    assert_eq!(count(&f.store, "credits").await, credits);
    assert_eq!(count(&f.store, "review_tags").await, tags);
    assert!(found(&f.store, "safecracking").await.is_empty());
    let weld = found(&f.store, "weld").await;
    assert!(weld.contains(&("Review".to_string(), thief.card.id)), "{weld:?}");
    assert!(weld.iter().any(|(kind, _)| kind == "Person"), "{weld:?}");
    assert!(found(&f.store, "caan").await.is_empty(), "credited nowhere now, so no public page");
    assert!(found(&f.store, "burglary").await.contains(&("Review".to_string(), thief.card.id)));
    let thief = reviews::published_by_slug(&f.store, "thief-1981").await.unwrap().unwrap();
    assert_eq!(thief.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["chicago"]);
}

#[tokio::test]
async fn articles_and_pages_come_by_their_type_or_their_section_folder() {
    let f = fixture().await;
    write(&f.source.join("heat.md"), "+++\ntitle = \"Heat\"\nyear = 1995\n+++\nThe diner.\n");
    // `type` says it; an article needs only a title.
    write(&f.source.join("festival.md"), "+++\ntype = \"article\"\ntitle = \"Cannes, day one\"\n+++\nQueues.\n");
    write(&f.source.join("masthead.md"), "---\ntype: page\ntitle: Masthead\nnav: 3\n---\nWho edits.\n");
    // A section folder of articles implies one, unless the file names a film's year.
    write(
        &f.source.join("posts/mann.md"),
        "---\ntitle: Mann at night\nfilms: [\"Heat (1995)\", tt0000001, \"Thief (1981)\"]\n---\nThe city.\n",
    );
    write(&f.source.join("posts/ran.md"), "---\ntitle: Ran\nyear: 1985\n---\nEpic.\n");
    let summary = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap();
    assert_eq!(summary.created, 5, "{summary}");
    assert_eq!((count(&f.store, "reviews").await, count(&f.store, "posts").await), (2, 3));
    let missing: Vec<String> =
        summary.warnings.iter().map(|w| w.to_string()).filter(|w| w.contains("films:")).collect();
    assert_eq!(missing.len(), 2, "{missing:?}");
    assert!(missing[0].contains("posts/mann.md") && missing[0].contains("is not in the catalogue"), "{missing:?}");

    let mann = posts::published_by_slug(&f.store, PostKind::Article, "mann-at-night").await.unwrap().unwrap();
    assert_eq!(mann.films.iter().map(|f| f.slug.as_str()).collect::<Vec<_>>(), ["heat-1995"]);
    assert!(posts::published_by_slug(&f.store, PostKind::Article, "cannes-day-one").await.unwrap().is_some());
    assert_eq!(posts::navigation(&f.store).await.unwrap(), [("masthead".to_string(), "Masthead".to_string())]);

    // Again: nothing changes.
    let again = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 5), "{again}");
}

#[tokio::test]
async fn a_page_named_like_a_part_of_the_site_or_an_article_without_title_is_refused_with_its_place() {
    let f = fixture().await;
    write(&f.source.join("b.md"), "+++\ntype = \"page\"\ntitle = \"Films\"\n+++\nx\n");
    write(&f.source.join("c.md"), "+++\ntype = \"article\"\n+++\nno title\n");
    let error = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap_err();
    let ImportError::BadFiles(problems) = error else { panic!("{error}") };
    let messages: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    assert!(messages.iter().any(|m| m.contains("b.md:3: slug: /films is a part of the site")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("c.md") && m.contains("title: required")), "{messages:?}");
    assert_eq!(count(&f.store, "posts").await, 0);
}

#[tokio::test]
async fn hugos_own_layout_types_are_read_by_the_folder_rule_with_a_warning() {
    let f = fixture().await;
    write(&f.source.join("heat.md"), "+++\ntitle = \"Heat\"\nyear = 1995\ntype = \"reviews\"\n+++\nThe diner.\n");
    write(&f.source.join("posts/notes.md"), "+++\ntitle = \"Notes\"\ntype = \"post\"\n+++\nOn the week.\n");
    let summary = import_dir(&f.store, &f.media, &f.source, Options::default(), &Silent).await.unwrap();
    assert_eq!((count(&f.store, "reviews").await, count(&f.store, "posts").await), (1, 1), "{summary}");
    let warnings: Vec<String> = summary.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings.iter().any(|w| w.contains(
            "heat.md:4: type: \"reviews\" is not a kind of text here (review, article or page): read as a review"
        )),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("notes.md:3: type: \"post\"") && w.contains("read as an article")),
        "{warnings:?}"
    );
}
