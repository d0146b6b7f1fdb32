//! Old addresses keep working: a review's `aliases` (Hugo's, Zola's) and the permalinks of posts
//! imported from WordPress and Ghost answer with a permanent redirect to the review, on the
//! server and in the static export.

mod support;

use marquee_import::markdown::{import_dir, Options};
use marquee_import::{ImportError, Silent};
use marquee_store::{redirects, revisions};
use std::path::Path;
use support::*;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

async fn status_and_location(site: &Site, path: &str) -> (u16, String) {
    let response = Site::client().get(format!("{}{path}", site.base)).send().await.unwrap();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (response.status().as_u16(), location)
}

#[tokio::test]
async fn a_reviews_old_addresses_lead_to_it_while_it_is_published() {
    let site = site().await;
    let source = site.test.dir.path().join("content");
    write(
        &source.join("heat.md"),
        "+++\ntitle = \"Heat\"\nyear = 1995\nscore = 9\naliases = [\"/2019/05/heat/\", \"https://old.example/heat-review\"]\n+++\nThe diner.\n",
    );
    let media = site.state.media.clone();
    import_dir(&site.state.store, &media, &source, Options::default(), &Silent).await.unwrap();

    for old in ["/2019/05/heat", "/2019/05/heat/", "/heat-review", "/heat-review?utm_source=x"] {
        assert_eq!(status_and_location(&site, old).await, (301, "/reviews/heat-1995".to_string()), "{old}");
    }
    assert_eq!(status_and_location(&site, "/2019/05/other").await.0, 404);
    // The site's own pages are never shadowed.
    assert_eq!(status_and_location(&site, "/reviews/heat-1995").await.0, 200);

    // Exported as Markdown, the addresses come along; imported again, nothing changes.
    let out = site.test.dir.path().join("export");
    marquee_import::markdown_export::export(&site.state.store, &media, &out, &Silent).await.unwrap();
    let exported = std::fs::read_to_string(out.join("heat-1995/index.md")).unwrap();
    assert!(exported.contains("aliases = [\"/2019/05/heat\", \"/heat-review\"]"), "{exported}");

    // The static export has a page at each old address sending the reader on.
    let static_out = site.test.dir.path().join("static");
    marquee_web::static_site::export(site.state.clone(), &static_out, &Silent).await.unwrap();
    let stub = std::fs::read_to_string(static_out.join("2019/05/heat/index.html")).unwrap();
    assert!(stub.contains(r#"<meta http-equiv="refresh" content="0; url=/reviews/heat-1995">"#), "{stub}");
    assert!(stub.contains(&format!(r#"<link rel="canonical" href="{}/reviews/heat-1995">"#, site.base)), "{stub}");

    // Unpublished, the review's old addresses are not found either.
    let mut tx = site.state.store.begin().await.unwrap();
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM reviews WHERE slug = 'heat-1995'").fetch_one(&mut *tx).await.unwrap();
    revisions::delete(&mut tx, id).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(status_and_location(&site, "/2019/05/heat").await.0, 404);
    assert!(redirects::published(&site.state.store).await.unwrap().is_empty());
}

#[tokio::test]
async fn an_address_that_is_not_on_the_site_is_refused_with_its_place() {
    let site = site().await;
    let source = site.test.dir.path().join("content");
    write(&source.join("heat.md"), "---\ntitle: Heat\nyear: 1995\naliases:\n  - heat review\n---\nx\n");
    let error =
        import_dir(&site.state.store, &site.state.media, &source, Options::default(), &Silent).await.unwrap_err();
    let ImportError::BadFiles(problems) = error else { panic!("{error}") };
    let message = problems[0].to_string();
    assert!(message.contains("heat.md:4: aliases: \"heat review\" is not an address on the site"), "{message}");
}

#[tokio::test]
async fn wordpress_and_ghost_permalinks_lead_to_the_imported_reviews() {
    let site = site().await;
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../marquee-import/tests/fixtures");
    let options = marquee_import::wordpress::Options::default();
    let export = fixtures.join("wordpress/export.xml");
    marquee_import::wordpress::import(&site.state.store, &site.state.media, &export, options, &Silent).await.unwrap();
    let (status, location) = status_and_location(&site, "/2024/03/heat/").await;
    assert_eq!(status, 301);
    assert!(location.starts_with("/reviews/"), "{location}");
    assert_eq!(status_and_location(&site, &location).await.0, 200);
    // The articles and the page of the export: their permalinks and WordPress's own addresses.
    for (old, new) in [
        ("/2024/12/top-ten/", "/articles/top-ten"),
        ("/?p=30", "/articles/top-ten"),
        ("/?p=10", "/reviews/heat"),
        ("/?page_id=40", "/about"),
    ] {
        assert_eq!(status_and_location(&site, old).await, (301, new.to_string()), "{old}");
        assert_eq!(status_and_location(&site, new).await.0, 200, "{new}");
    }
    assert_eq!(status_and_location(&site, "/about/").await, (301, "/about".to_string()));
    // A draft article's WordPress address leads nowhere, and neither does a made-up one.
    assert_eq!(status_and_location(&site, "/?p=60").await.0, 404);
    assert_eq!(status_and_location(&site, "/?p=999999").await.0, 404);
    assert_eq!(status_and_location(&site, "/?page=2").await.0, 404, "a page past the end, as before");
    // Imported again, nothing changes and the addresses still lead where they did.
    let again = marquee_import::wordpress::import(&site.state.store, &site.state.media, &export, options, &Silent)
        .await
        .unwrap();
    assert_eq!((again.created, again.updated), (0, 0), "{again}");
    assert_eq!(status_and_location(&site, "/?p=30").await, (301, "/articles/top-ten".to_string()));

    let ghost = site.test.dir.path().join("ghost.json");
    std::fs::copy(fixtures.join("ghost/long-take.ghost.2024-11-25-10-00-00.json"), &ghost).unwrap();
    let options = marquee_import::ghost::Options::default();
    marquee_import::ghost::import(&site.state.store, &site.state.media, &ghost, options, &Silent).await.unwrap();
    let (status, location) = status_and_location(&site, "/year/").await;
    assert_eq!((status, location.as_str()), (301, "/articles/year"), "{location}");
    // A draft's old address leads nowhere until it is published: written with its slash, it is
    // sent to the address without one, which answers 404.
    assert_eq!(status_and_location(&site, "/vertigo/").await, (301, "/vertigo".to_string()));
    assert_eq!(status_and_location(&site, "/vertigo").await.0, 404);
}
