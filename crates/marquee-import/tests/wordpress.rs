//! `import wordpress` against a WXR 1.2 export written for these tests from the format's published
//! structure (split CDATA, zero GMT dates, attachments, shortcodes, Gutenberg comments, pages),
//! with its uploads beside it, and against hostile XML.

use marquee_core::PostKind;
use marquee_core::ReviewStatus;
use marquee_import::wordpress::{import, Options};
use marquee_import::{ImportError, Silent};
use marquee_media::MediaStore;
use marquee_store::{posts, reviews, revisions, Store};
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wordpress")
}

struct Fixture {
    store: Store,
    media: MediaStore,
    export: PathBuf,
    test: marquee_store::testing::TestStore,
}

/// The export in a folder with its uploads beside it, as a WordPress host's backup holds them.
async fn fixture() -> Fixture {
    let test = marquee_store::testing::fresh().await;
    let folder = test.dir.path().join("backup");
    let uploads = folder.join("wp-content/uploads/2024/03");
    std::fs::create_dir_all(&uploads).unwrap();
    std::fs::copy(fixtures().join("export.xml"), folder.join("export.xml")).unwrap();
    image::RgbImage::from_fn(400, 600, |x, y| image::Rgb([x as u8, y as u8, 20]))
        .save(uploads.join("heat-poster.png"))
        .unwrap();
    image::RgbImage::from_fn(640, 360, |x, y| image::Rgb([y as u8, x as u8, 90]))
        .save(uploads.join("diner.png"))
        .unwrap();
    let media = MediaStore::new(test.dir.path().join("media"));
    Fixture { store: test.store.clone(), media, export: folder.join("export.xml"), test }
}

async fn all_reviews(store: &Store) -> Vec<revisions::EditableReview> {
    let mut out = Vec::new();
    for id in reviews::all_ids(store).await.unwrap() {
        out.push(revisions::editable(store, id).await.unwrap().unwrap());
    }
    out
}

/// Puts Close-Up (1990) in the catalogue, as `import imdb --all` would.
async fn catalogue_knows_close_up(store: &Store) {
    let mut tx = store.begin().await.unwrap();
    let slug = marquee_core::Slug::for_film("Close-Up", 1990).unwrap();
    marquee_store::films::upsert(&mut tx, &marquee_store::films::FilmInput::titled(slug, "Close-Up", Some(1990)))
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn every_post_and_page_arrives_once_as_what_it_is_with_its_facts_images_and_dates() {
    let Fixture { store, media, export, test: _test } = fixture().await;
    catalogue_knows_close_up(&store).await;
    let summary = import(&store, &media, &export, Options::default(), &Silent).await.unwrap();
    assert_eq!(summary.created, 6, "{summary}");
    assert!(summary.skipped.is_empty(), "nothing is dropped: {:?}", summary.skipped);

    let all = all_reviews(&store).await;
    let heat = all.iter().find(|r| r.film_title == "Heat").unwrap();
    assert_eq!((heat.film_year, heat.slug.as_str()), (Some(1995), "heat"), "the post's own slug");
    assert_eq!(heat.status, ReviewStatus::Published);
    assert_eq!(heat.published_at, Some(1709285400), "2024-03-01 09:30 GMT");
    assert_eq!(heat.author_name.as_deref(), Some("Jo Critic"), "the login's display name");
    assert_eq!(heat.tags, ["Crime", "Los Angeles"]);
    assert_eq!(heat.score.map(|s| s.to_string()).as_deref(), Some("9.5"));
    assert_eq!(heat.summary.as_deref(), Some("A crime epic of two professionals."));
    assert!(heat.body_markdown.contains("the code ]]> they live by"), "split CDATA joined: {}", heat.body_markdown);

    let page = reviews::published_by_slug(&store, "heat").await.unwrap().unwrap();
    let html = page.body_html.as_str();
    assert!(html.contains("Michael Mann’s <em>Heat</em>"), "{html}");
    assert!(html.contains("<figcaption>The diner scene.</figcaption>"), "{html}");
    assert!(html.contains("/media/"), "the in-body image came from the uploads beside the export: {html}");
    assert!(!html.contains("<script") && !html.contains("wp:paragraph"), "{html}");
    assert!(page.card.poster.is_some(), "the featured image is the poster");

    let amelie = all.iter().find(|r| r.film_title == "Amélie").unwrap();
    assert_eq!((amelie.status, amelie.film_year), (ReviewStatus::Draft, Some(2001)), "drafts stay drafts");

    // In the "Reviews" category, titled as a film of the catalogue without its year: a review.
    let close_up = all.iter().find(|r| r.film_title == "Close-Up").unwrap();
    assert_eq!(close_up.film_year, Some(1990));
    assert!(close_up.tags.is_empty(), "the category that marked it is not kept as a tag: {:?}", close_up.tags);

    // The others are an article, a draft article and a page.
    let (articles, _) = posts::list(&store, PostKind::Article, None, 10, 0).await.unwrap();
    let mut titles: Vec<(&str, ReviewStatus)> = articles.iter().map(|a| (a.title.as_str(), a.status)).collect();
    titles.sort_by_key(|(title, _)| *title);
    assert_eq!(
        titles,
        [
            ("My ten favourite films of the year", ReviewStatus::Published),
            ("Notes on Tár, unfinished", ReviewStatus::Draft)
        ]
    );
    let (pages, _) = posts::list(&store, PostKind::Page, None, 10, 0).await.unwrap();
    assert_eq!((pages.len(), pages[0].slug.as_str()), (1, "about"));
    let about = posts::published_by_slug(&store, PostKind::Page, "about").await.unwrap().unwrap();
    assert!(about.body_html.as_str().contains("Who writes here."));

    // Old addresses lead to the new pages.
    for (old, new) in [
        ("/2024/03/heat/", "/reviews/heat"),
        ("/?p=10", "/reviews/heat"),
        ("/2024/12/top-ten/", "/articles/top-ten"),
        ("/?p=30", "/articles/top-ten"),
        ("/2024/04/close-up", "/reviews/close-up"),
        ("/?page_id=40", "/about"),
    ] {
        assert_eq!(marquee_store::redirects::target(&store, old).await.unwrap().as_deref(), Some(new), "{old}");
    }
    assert_eq!(marquee_store::redirects::target(&store, "/about/").await.unwrap(), None, "the page answers itself");

    // The same export again changes nothing.
    let again = import(&store, &media, &export, Options::default(), &Silent).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 6), "{again}");
}

#[tokio::test]
async fn a_review_post_naming_no_film_that_can_be_found_is_an_article_with_a_warning() {
    let Fixture { store, media, export, test: _test } = fixture().await;
    let summary = import(&store, &media, &export, Options::default(), &Silent).await.unwrap();
    assert_eq!(summary.created, 6, "{summary}");
    let warning = summary.warnings.iter().map(|w| w.to_string()).find(|w| w.contains("Close-Up")).unwrap();
    assert!(warning.contains("looks like a review") && warning.contains("taken for an article"), "{warning}");
    assert!(warning.contains("export.xml:"), "says where: {warning}");
    assert!(posts::published_by_slug(&store, PostKind::Article, "close-up").await.unwrap().is_some());

    // Once the film is in the catalogue, importing again leaves the post what it was taken for:
    // never an article and a review of the same post.
    catalogue_knows_close_up(&store).await;
    let again = import(&store, &media, &export, Options::default(), &Silent).await.unwrap();
    assert_eq!((again.created, again.unchanged), (0, 6), "{again}");
    assert!(reviews::published_by_slug(&store, "close-up").await.unwrap().is_none());
}

#[tokio::test]
async fn doctype_entities_are_refused_before_anything_is_read() {
    let Fixture { store, media, test, .. } = fixture().await;
    for (file, words) in [("xxe.xml", "DOCTYPE"), ("billion-laughs.xml", "DOCTYPE")] {
        let path = test.dir.path().join(file);
        std::fs::copy(fixtures().join(file), &path).unwrap();
        let error = import(&store, &media, &path, Options::default(), &Silent).await.unwrap_err();
        let ImportError::BadFiles(problems) = &error else { panic!("{error}") };
        let message = problems[0].to_string();
        assert!(message.contains(words) && message.contains(":2:"), "{message}");
        assert!(!message.contains("root:"), "nothing was read from /etc/passwd");
    }
    assert_eq!(store.row_counts().await.unwrap()["reviews"], 0);

    // A file that is not XML says where it breaks.
    let broken = test.dir.path().join("broken.xml");
    std::fs::write(&broken, "<rss><channel><item><title>Heat (1995)</title></channel></rss>").unwrap();
    let error = import(&store, &media, &broken, Options::default(), &Silent).await.unwrap_err();
    assert!(error.to_string().contains("not well-formed XML"), "{error}");
}

#[tokio::test]
async fn a_dry_run_says_how_each_post_is_taken_and_writes_nothing() {
    let Fixture { store, media, export, test: _test } = fixture().await;
    catalogue_knows_close_up(&store).await;
    let dry = import(&store, &media, &export, Options { dry_run: true, ..Options::default() }, &Silent).await.unwrap();
    assert_eq!(dry.created, 6);
    let counts = store.row_counts().await.unwrap();
    assert_eq!((counts["reviews"], counts["posts"]), (0, 0));
    let taken = dry.taken.join("\n");
    for line in [
        "\"Heat (1995)\" → a review of Heat (1995)",
        "\"Amélie (2001) & me\" → a review of Amélie (2001) (draft)",
        "\"Close-Up\" → a review of Close-Up (1990)",
        "\"My ten favourite films of the year\" → an article",
        "\"Notes on Tár, unfinished\" → an article (draft)",
        "\"About\" → a page",
    ] {
        assert!(taken.contains(line), "{line} in:\n{taken}");
    }
}
