//! `import wordpress` against a WXR 1.2 export written for these tests from the format's published
//! structure (split CDATA, zero GMT dates, attachments, shortcodes, Gutenberg comments, pages),
//! with its uploads beside it, and against hostile XML.

use marquee_core::ReviewStatus;
use marquee_import::wordpress::{import, Options};
use marquee_import::{ImportError, Silent};
use marquee_media::MediaStore;
use marquee_store::{reviews, revisions, Store};
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

#[tokio::test]
async fn posts_that_review_a_film_become_reviews_with_their_facts_images_and_dates() {
    let Fixture { store, media, export, test: _test } = fixture().await;
    let summary = import(&store, &media, &export, Options::default(), &Silent).await.unwrap();
    assert_eq!(summary.created, 2, "{summary}");
    assert_eq!(summary.skipped.len(), 1, "the top-ten post names no film: {:?}", summary.skipped);
    assert!(summary.skipped[0].to_string().contains("My ten favourite films of the year"));

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
    assert!(!all.iter().any(|r| r.film_title == "About"), "pages only when asked");

    // The same export again changes nothing.
    let again = import(&store, &media, &export, Options::default(), &Silent).await.unwrap();
    assert_eq!((again.created, again.updated, again.unchanged), (0, 0, 2), "{again}");
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
async fn pages_come_too_when_asked_and_a_dry_run_writes_nothing() {
    let Fixture { store, media, export, test: _test } = fixture().await;
    let dry = import(&store, &media, &export, Options { dry_run: true, ..Options::default() }, &Silent).await.unwrap();
    assert_eq!(dry.created, 2);
    assert_eq!(store.row_counts().await.unwrap()["reviews"], 0);
    // "About" names no film, so even asked for, it is reported rather than imported.
    let with_pages =
        import(&store, &media, &export, Options { include_pages: true, ..Options::default() }, &Silent).await.unwrap();
    assert_eq!(with_pages.skipped.len(), 2, "{:?}", with_pages.skipped);
}
