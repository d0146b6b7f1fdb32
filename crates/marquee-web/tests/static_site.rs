//! `export site`: the public site as static files, every link inside it resolving to a file,
//! rewritten only where something changed.

use marquee_import::markdown::{import_dir, Options};
use marquee_import::Silent;
use marquee_media::MediaStore;
use marquee_web::{static_site, AppState, WebConfig};
use std::path::{Path, PathBuf};

const BASE: &str = "https://reviews.example";

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn review(source: &Path, i: usize, body: &str) {
    write(
        &source.join(format!("film-{i}.md")),
        &format!(
            "+++\ntitle = \"Film {i}\"\nyear = {}\ndirectors = [\"Ada Moreau\"]\ngenres = [\"Drama\"]\nscore = {}.5\n\
             tags = [\"trains\"]\nposter = \"poster.png\"\ndate = 2024-01-{:02}\n+++\n{body}\n",
            1990 + i,
            i % 10,
            i + 1
        ),
    );
}

/// Every site path an HTML file links to (href, src, srcset), leaving out other sites and the
/// pages a static site cannot have (search).
fn local_links(html: &str) -> Vec<String> {
    let mut links = Vec::new();
    for marker in ["href=\"", "src=\"", "srcset=\""] {
        for piece in html.split(marker).skip(1) {
            let value = &piece[..piece.find('"').unwrap()];
            for part in value.split(", ") {
                let url = part.split(' ').next().unwrap();
                if url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/search") {
                    // A web server serves a file whatever query string asks for it.
                    links.push(url.split(['#', '?']).next().unwrap().to_string());
                }
            }
        }
    }
    links
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// A site of 14 reviews (two pages of them) with a poster, served at `base_url`, and the folder
/// its Markdown came from.
async fn fourteen_reviews(base_url: &str) -> (marquee_store::testing::TestStore, std::sync::Arc<AppState>, PathBuf) {
    let test = marquee_store::testing::fresh().await;
    let source = test.dir.path().join("content");
    for i in 0..14 {
        review(&source, i, "A review about *trains*.");
    }
    image::RgbImage::from_fn(300, 450, |x, y| image::Rgb([x as u8, y as u8, 60]))
        .save(source.join("poster.png"))
        .unwrap();
    let media = MediaStore::new(test.dir.path().join("media"));
    import_dir(&test.store, &media, &source, Options::default(), &Silent).await.unwrap();
    let config = WebConfig { base_url: base_url.into(), trusted_proxies: vec![], metrics_on_main: false };
    let state = AppState::new(test.store.clone(), media, config).await.unwrap();
    (test, state, source)
}

#[tokio::test]
async fn the_whole_site_exports_as_linked_static_files_rewritten_only_when_changed() {
    let (test, state, source) = fourteen_reviews(BASE).await;
    let out = test.dir.path().join("site");

    let first = static_site::export(state.clone(), &out, &Silent).await.unwrap();
    assert_eq!(first.written, first.files, "{first:?}");
    for file in [
        "index.html",
        "page/2/index.html",
        "404.html",
        "reviews/film-3-1993/index.html",
        "reviews/film-3-1993/share.png",
        "films/film-3-1993/index.html",
        "people/ada-moreau/index.html",
        "genres/drama/index.html",
        "genres/drama/page/2/index.html",
        "tags/trains/feed.xml",
        "writers/staff/index.html",
        "feed.xml",
        "rss.xml",
        "feed.json",
        "sitemap.xml",
        "robots.txt",
        "theme.css",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    assert!(files_under(&out.join("static")).iter().any(|f| f.extension().is_some_and(|e| e == "css")));

    // Every link in every page resolves to an exported file.
    let mut broken = Vec::new();
    let html_files: Vec<PathBuf> =
        files_under(&out).into_iter().filter(|f| f.extension().is_some_and(|e| e == "html")).collect();
    for file in &html_files {
        let html = std::fs::read_to_string(file).unwrap();
        assert!(!html.contains("?page="), "{}: page links are paths", file.display());
        for link in local_links(&html) {
            let target = out.join(link.trim_start_matches('/'));
            if !(target.is_file() || target.join("index.html").is_file()) {
                broken.push(format!("{} -> {link}", file.strip_prefix(&out).unwrap().display()));
            }
        }
    }
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    let page = std::fs::read_to_string(out.join("reviews/film-3-1993/index.html")).unwrap();
    assert!(page.contains(&format!(r#"<link rel="canonical" href="{BASE}/reviews/film-3-1993">"#)));
    assert!(std::fs::read_to_string(out.join("index.html")).unwrap().contains("href=\"/page/2/\""));
    let sitemap = std::fs::read_to_string(out.join("sitemap.xml")).unwrap();
    assert!(sitemap.contains(&format!("<loc>{BASE}/reviews/film-3-1993</loc>")));

    // Again with nothing changed: nothing is written.
    let second = static_site::export(state.clone(), &out, &Silent).await.unwrap();
    assert_eq!((second.files, second.written, second.removed), (first.files, 0, 0));
    assert_eq!((first.reused, second.reused), (0, 14), "unchanged share images are not drawn again");

    // One review edited, one deleted: only what shows them is written; the deleted one goes.
    review(&source, 5, "A review about *trains*, revised.");
    std::fs::remove_file(source.join("film-9.md")).unwrap();
    let mut tx = test.store.begin().await.unwrap();
    let id: i64 =
        sqlx::query_scalar("SELECT id FROM reviews WHERE slug = 'film-9-1999'").fetch_one(&mut *tx).await.unwrap();
    marquee_store::revisions::delete(&mut tx, id).await.unwrap();
    tx.commit().await.unwrap();
    let media = MediaStore::new(test.dir.path().join("media"));
    import_dir(&test.store, &media, &source, Options::default(), &Silent).await.unwrap();
    state.refresh().await.unwrap();
    let third = static_site::export(state.clone(), &out, &Silent).await.unwrap();
    assert!(third.written > 0 && third.written < first.files / 2, "{third:?} of {first:?}");
    assert!(third.removed > 0, "{third:?}");
    assert!(!out.join("reviews/film-9-1999/index.html").exists());
    assert!(std::fs::read_to_string(out.join("reviews/film-5-1995/index.html")).unwrap().contains("revised"));
}

#[tokio::test]
async fn a_site_below_a_path_of_its_domain_links_within_that_path() {
    let base = "https://example.org/critic/films";
    let (test, state, _) = fourteen_reviews(base).await;
    // Served from the domain's root, the export sits in critic/films/.
    let root = test.dir.path().join("www");
    let out = root.join("critic/films");
    static_site::export(state, &out, &Silent).await.unwrap();

    let mut broken = Vec::new();
    let mut outside = Vec::new();
    for file in files_under(&out).into_iter().filter(|f| f.extension().is_some_and(|e| e == "html")) {
        let html = std::fs::read_to_string(&file).unwrap();
        for link in local_links(&html) {
            if !link.starts_with("/critic/films/") {
                outside.push(format!("{} -> {link}", file.strip_prefix(&out).unwrap().display()));
                continue;
            }
            let target = root.join(link.trim_start_matches('/'));
            if !(target.is_file() || target.join("index.html").is_file()) {
                broken.push(format!("{} -> {link}", file.strip_prefix(&out).unwrap().display()));
            }
        }
    }
    assert!(outside.is_empty(), "links leaving the site's path: {outside:#?}");
    assert!(broken.is_empty(), "broken links: {broken:#?}");
    let home = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert!(home.contains(r#"href="/critic/films/page/2/""#), "page links take the path");
    assert!(home.contains(r#"action="/critic/films/search""#), "so does the search form");
    let review = std::fs::read_to_string(out.join("reviews/film-3-1993/index.html")).unwrap();
    assert!(review.contains(&format!(r#"<link rel="canonical" href="{base}/reviews/film-3-1993">"#)));
    let feed = std::fs::read_to_string(out.join("feed.xml")).unwrap();
    assert!(feed.contains(&format!("{base}/reviews/film-3-1993")), "feeds carry absolute links with the path");
}
