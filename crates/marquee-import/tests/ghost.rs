//! `import ghost` against a Ghost 5 export written for these tests from Ghost's published export
//! structure (html, lexical and mobiledoc bodies, internal tags, several authors, statuses), with
//! its content/images beside it.

use marquee_core::PostKind;
use marquee_core::ReviewStatus;
use marquee_import::ghost::{import, Options};
use marquee_import::Silent;
use marquee_media::MediaStore;
use marquee_store::{posts, reviews, revisions, Store};
use std::path::{Path, PathBuf};

const EXPORT: &str = "long-take.ghost.2024-11-25-10-00-00.json";

fn fixture_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ghost").join(EXPORT)
}

async fn all_reviews(store: &Store) -> Vec<revisions::EditableReview> {
    let mut out = Vec::new();
    for id in reviews::all_ids(store).await.unwrap() {
        out.push(revisions::editable(store, id).await.unwrap().unwrap());
    }
    out
}

/// The export with its content/images beside it, as a Ghost backup holds them.
fn backup(dir: &Path) -> PathBuf {
    let folder = dir.join("ghost-backup");
    for (name, w, h) in
        [("2024/03/heat.png", 400, 600), ("2024/03/diner.png", 640, 360), ("2024/05/dance.png", 640, 360)]
    {
        let path = folder.join("content/images").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 44])).save(path).unwrap();
    }
    std::fs::copy(fixture_file(), folder.join(EXPORT)).unwrap();
    folder.join(EXPORT)
}

#[tokio::test]
async fn every_post_and_page_arrives_bodies_html_lexical_or_mobiledoc() {
    let test = marquee_store::testing::fresh().await;
    let media = MediaStore::new(test.dir.path().join("media"));
    let export = backup(test.dir.path());
    let summary = import(&test.store, &media, &export, Options::default(), &Silent).await.unwrap();
    assert_eq!(summary.created, 8, "{summary}");
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    // "Close-Up", tagged Review, names no film the catalogue has: an article, with a warning.
    let warning = summary.warnings.iter().map(|w| w.to_string()).find(|w| w.contains("Close-Up")).unwrap();
    assert!(warning.contains("taken for an article"), "{warning}");

    let all = all_reviews(&test.store).await;
    let heat = all.iter().find(|r| r.film_title == "Heat").unwrap();
    assert_eq!((heat.slug.as_str(), heat.status), ("heat", ReviewStatus::Published));
    assert_eq!(heat.published_at, Some(1709285400), "2024-03-01 09:30:00 UTC");
    assert_eq!(heat.author_name.as_deref(), Some("Jo Critic"));
    assert_eq!(heat.tags, ["Crime"], "internal #tags stay out");
    assert_eq!(heat.summary.as_deref(), Some("A crime epic."));
    let page = reviews::published_by_slug(&test.store, "heat").await.unwrap().unwrap();
    assert!(page.card.poster.is_some(), "the feature image from content/images");
    assert!(page.body_html.as_str().contains("/media/"), "the in-body image too: {}", page.body_html.as_str());

    // A post for members only on Ghost comes as a draft, with a warning, for its owner to decide.
    let beau = all.iter().find(|r| r.film_title == "Beau Travail").unwrap();
    assert_eq!(beau.author_name.as_deref(), Some("Sam Guest"), "the primary author");
    assert_eq!(beau.tags, ["French cinema"]);
    assert_eq!(beau.status, ReviewStatus::Draft);
    let warnings: Vec<String> = summary.warnings.iter().map(|w| w.to_string()).collect();
    assert!(
        warnings.iter().any(|w| w.contains("was for members only on the old site: imported as a draft")),
        "{warnings:?}"
    );
    let html = &beau.body_markdown;
    assert!(html.contains("<em>like a ballet</em>") && html.contains("<h2"), "lexical rendered: {html}");
    assert!(html.contains("The ending."), "{html}");

    let vertigo = all.iter().find(|r| r.film_title == "Vertigo").unwrap();
    assert_eq!(vertigo.status, ReviewStatus::Draft);
    assert!(
        vertigo.body_markdown.contains("<em>Vertigo</em>") && vertigo.body_markdown.contains("A **card** of Markdown.")
    );
    assert_eq!(vertigo.author_name.as_deref(), Some("Jo Critic"), "the legacy author_id");
    let anatomy = all.iter().find(|r| r.film_title == "Anatomy of a Fall").unwrap();
    assert_eq!(anatomy.status, ReviewStatus::Scheduled);
    assert!(!all.iter().any(|r| r.film_title.starts_with("Newsletter") || r.film_title == "About"));

    // The essay and the draft essay are articles; About is a page; each old /slug/ redirects.
    let (articles, _) = posts::list(&test.store, PostKind::Article, None, 10, 0).await.unwrap();
    let mut found: Vec<(&str, ReviewStatus)> = articles.iter().map(|a| (a.slug.as_str(), a.status)).collect();
    found.sort_by_key(|(slug, _)| *slug);
    assert_eq!(
        found,
        [
            ("close-up", ReviewStatus::Published),
            ("tar-unfinished", ReviewStatus::Draft),
            ("year", ReviewStatus::Published)
        ]
    );
    assert!(posts::published_by_slug(&test.store, PostKind::Page, "about").await.unwrap().is_some());
    for (old, new) in [("/heat/", "/reviews/heat"), ("/year/", "/articles/year"), ("/close-up/", "/articles/close-up")]
    {
        assert_eq!(marquee_store::redirects::target(&test.store, old).await.unwrap().as_deref(), Some(new), "{old}");
    }

    let again = import(&test.store, &media, &export, Options::default(), &Silent).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 8), "{again}");

    // Nothing of the accounts' password hashes came in.
    let hashes: Vec<Option<String>> =
        sqlx::query_scalar("SELECT password_hash FROM users").fetch_all(test.store.pool()).await.unwrap();
    assert!(hashes.iter().all(Option::is_none), "{hashes:?}");
}

#[tokio::test]
async fn the_exporters_bare_shape_reads_too_and_other_json_is_refused_by_name() {
    let test = marquee_store::testing::fresh().await;
    let media = MediaStore::new(test.dir.path().join("media"));
    let wrapped: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(fixture_file()).unwrap()).unwrap();
    let bare = test.dir.path().join("bare.json");
    std::fs::write(&bare, serde_json::to_string(&wrapped["db"][0]).unwrap()).unwrap();
    let summary = import(&test.store, &media, &bare, Options::default(), &Silent).await.unwrap();
    assert_eq!(summary.created, 8);

    let other = test.dir.path().join("other.json");
    std::fs::write(&other, r#"{"posts": []}"#).unwrap();
    let error = import(&test.store, &media, &other, Options::default(), &Silent).await.unwrap_err();
    assert!(error.to_string().contains("not a Ghost export: it has no data.posts"), "{error}");
    std::fs::write(&other, "{ not json").unwrap();
    let error = import(&test.store, &media, &other, Options::default(), &Silent).await.unwrap_err();
    assert!(error.to_string().contains("not JSON (line 1, column 3)"), "{error}");
}
