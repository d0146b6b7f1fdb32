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
    let config = WebConfig::new(base_url);
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

    // Again with nothing changed: the export knows it from its manifest, renders nothing and
    // writes nothing, and still names the files and warnings it has.
    let stamped =
        |dir: &Path| std::fs::metadata(dir.join("reviews/film-3-1993/index.html")).unwrap().modified().unwrap();
    let before = stamped(&out);
    let second = static_site::export(state.clone(), &out, &Silent).await.unwrap();
    assert!(second.current, "{second:?}");
    assert_eq!((second.files, second.written, second.removed, &second.warnings), (first.files, 0, 0, &first.warnings));
    assert_eq!(stamped(&out), before);

    // A file taken out of the folder by hand: the export is no longer whole, and is made again
    // (the rest is compared and left as it was; share images are not drawn again).
    std::fs::remove_file(out.join("genres/drama/index.html")).unwrap();
    let again = static_site::export(state.clone(), &out, &Silent).await.unwrap();
    assert!(!again.current);
    assert_eq!((again.files, again.written, again.removed), (first.files, 1, 0), "{again:?}");
    assert_eq!((first.reused, again.reused), (0, 14), "unchanged share images are not drawn again");
    assert!(out.join("genres/drama/index.html").is_file());

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
    assert!(!third.current, "the content version moved");
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

/// The export reads the published site at once (`AppState::hold_published`); every page it
/// renders so must be the page a reader is served, byte for byte — reviews, films with several
/// reviews, diaries and lists, films known only from a diary or a list, people, lists of
/// reviews on every page, feeds and share images.
#[tokio::test]
async fn pages_read_all_at_once_are_the_pages_served_one_by_one() {
    let (test, held, source) = fourteen_reviews(BASE).await;
    // A second review of film 3 and a film whose only review is a draft.
    write(
        &source.join("again.md"),
        "+++\ntitle = \"Film 3\"\nyear = 1993\nslug = \"film-3-again\"\nscore = 9.5\ntags = [\"rain\"]\n\
         date = 2024-03-01\n+++\nSeen again.\n",
    );
    write(&source.join("draft.md"), "+++\ntitle = \"Unfinished\"\nyear = 2001\ndraft = true\n+++\nNot yet.\n");
    // Two genres and tags, scores on the edges of verdict bands, one without a score.
    for (name, year, score) in [
        ("Harbour", "year = 1993\n", "score = 7\n"),
        ("Letters", "year = 2010\n", ""),
        ("Lanterns", "year = 1950\n", "score = 5\n"),
    ] {
        write(
            &source.join(format!("{name}.md")),
            &format!(
                "+++\ntitle = \"{name}\"\n{year}{score}genres = [\"Comedy\", \"Drama\"]\ntags = [\"rain\", \"boats\"]\n\
                 cast = [\"Ada Moreau\", \"Lev Orlov\"]\ndate = 2024-02-01\n+++\nBy the sea.\n"
            ),
        );
    }
    let media = MediaStore::new(test.dir.path().join("media"));
    import_dir(&test.store, &media, &source, Options::default(), &Silent).await.unwrap();
    // A public diary and a published list, reaching the unreviewed film too.
    let mut tx = test.store.begin().await.unwrap();
    sqlx::query("UPDATE users SET diary_public = 1").execute(&mut *tx).await.unwrap();
    let user: i64 = sqlx::query_scalar("SELECT MIN(id) FROM users").fetch_one(&mut *tx).await.unwrap();
    let film_3 = marquee_store::films::id_by_slug(&mut tx, "film-3-1993").await.unwrap().unwrap();
    let unfinished = marquee_store::films::id_by_slug(&mut tx, "unfinished-2001").await.unwrap().unwrap();
    for (film, day, rating) in [(film_3, "2024-05-01", 70), (unfinished, "2024-05-02", 40), (film_3, "2024-05-03", 80)]
    {
        let entry = marquee_store::diary::EntryInput {
            film_id: film,
            watched_on: day.into(),
            rating: Some(marquee_core::Score::from_tenths(rating).unwrap()),
            rewatch: false,
            liked: true,
            tags: vec!["cinema".into()],
            review_text: String::new(),
        };
        marquee_store::diary::create(&mut tx, user, &entry).await.unwrap();
    }
    let list = marquee_store::lists::ListInput {
        title: "Rain films".into(),
        description_markdown: String::new(),
        description_html: marquee_core::SafeHtml::from_stored(String::new()),
        ranked: true,
        published: true,
    };
    let list = marquee_store::lists::create(&mut tx, user, &list).await.unwrap();
    for film in [unfinished, film_3] {
        marquee_store::lists::add_item(&mut tx, list, film, "").await.unwrap();
    }
    tx.commit().await.unwrap();
    held.refresh().await.unwrap();

    let out = test.dir.path().join("site");
    static_site::export(held.clone(), &out, &Silent).await.unwrap();
    assert!(held.published().is_some(), "the export holds the published site");
    let config = WebConfig::new(BASE);
    let served =
        AppState::new(test.store.clone(), MediaStore::new(test.dir.path().join("media")), config).await.unwrap();
    assert!(served.published().is_none());

    let manifest = std::fs::read_to_string(out.join(".marquee-export")).unwrap();
    let mut compared = Vec::new();
    for file in manifest.lines().map(|l| l.split('\t').next().unwrap()) {
        if file == "404.html" || file.starts_with("static/") || file.starts_with("media/") {
            continue;
        }
        let path = match file.strip_suffix("index.html") {
            Some(dir) => format!("/{}", dir.trim_end_matches('/')),
            None => format!("/{file}"),
        };
        let path = match path.rsplit_once("/page/") {
            Some((base, page)) => format!("{}?page={page}", if base.is_empty() { "/" } else { base }),
            None => path,
        };
        let (one_by_one, at_once) = (body(&served, &path).await, body(&held, &path).await);
        assert!(one_by_one == at_once, "{path} differs read at once:\n{}", String::from_utf8_lossy(&at_once));
        compared.push(path);
    }
    for expected in [
        "/reviews/film-3-again",
        "/films/film-3-1993",
        "/films/unfinished-2001",
        "/people/ada-moreau",
        "/tags/rain",
        "/genres/drama?page=2",
        "/reviews/film-3-1993/share.png",
    ] {
        assert!(compared.iter().any(|p| p == expected), "{expected} compared: {compared:?}");
    }
    let film = String::from_utf8(body(&held, "/films/film-3-1993").await).unwrap();
    for shown in ["film-3-again", "Rain films", "/ 10 from"] {
        assert!(film.contains(shown), "{shown} on the film page");
    }
}

async fn body(state: &std::sync::Arc<AppState>, path: &str) -> Vec<u8> {
    use tower::ServiceExt;
    let request = axum::http::Request::get(path).body(axum::body::Body::empty()).unwrap();
    let response = marquee_web::site_renderer(state.clone()).oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200, "{path}");
    axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap().to_vec()
}

/// Share images are kept in the share folder once drawn: served from there (also after a
/// restart and by the export), drawn for every review by `draw_missing`, and dropped when no
/// review shows them any more.
#[tokio::test]
async fn share_images_are_drawn_once_kept_and_dropped_when_no_review_shows_them() {
    let (test, _, source) = fourteen_reviews(BASE).await;
    let folder = test.dir.path().join("share");
    let state = || async {
        let config = WebConfig { share_dir: Some(folder.clone()), ..WebConfig::new(BASE) };
        AppState::new(test.store.clone(), MediaStore::new(test.dir.path().join("media")), config).await.unwrap()
    };
    let kept = || -> Vec<PathBuf> { files_under(&folder) };
    let first = state().await;
    assert_eq!(marquee_web::share::draw_missing(&first, &Silent).await.unwrap(), 14);
    assert_eq!(kept().len(), 14);
    assert_eq!(marquee_web::share::draw_missing(&first, &Silent).await.unwrap(), 0, "nothing drawn twice");

    // What is served is the kept file: mark one, and a restarted server sends the mark.
    let png = body(&first, "/reviews/film-3-1993/share.png").await;
    let file = kept().into_iter().find(|f| std::fs::read(f).unwrap() == png).expect("the served image is kept");
    std::fs::write(&file, b"kept bytes").unwrap();
    let restarted = state().await;
    assert_eq!(body(&restarted, "/reviews/film-3-1993/share.png").await, b"kept bytes");
    let out = test.dir.path().join("site");
    static_site::export(restarted.clone(), &out, &Silent).await.unwrap();
    let exported = out.join("reviews/film-3-1993/share.png");
    assert_eq!(std::fs::read(&exported).unwrap(), b"kept bytes");
    use std::os::unix::fs::MetadataExt;
    let inode = |f: &Path| std::fs::metadata(f).unwrap().ino();
    assert_eq!(inode(&exported), inode(&file), "linked to the kept image, not copied");

    // A new score is a new image; the old one goes.
    write(
        &source.join("film-3.md"),
        "+++\ntitle = \"Film 3\"\nyear = 1993\ndirectors = [\"Ada Moreau\"]\ngenres = [\"Drama\"]\nscore = 9.5\n\
         tags = [\"trains\"]\nposter = \"poster.png\"\ndate = 2024-01-04\n+++\nA review about *trains*.\n",
    );
    let media = MediaStore::new(test.dir.path().join("media"));
    import_dir(&test.store, &media, &source, Options::default(), &Silent).await.unwrap();
    restarted.refresh().await.unwrap();
    assert_eq!(marquee_web::share::draw_missing(&restarted, &Silent).await.unwrap(), 1);
    assert_eq!(kept().len(), 14);
    assert!(!file.exists(), "the image of the old score is dropped");
    let png = body(&restarted, "/reviews/film-3-1993/share.png").await;
    assert!(png.starts_with(b"\x89PNG") && kept().iter().any(|f| std::fs::read(f).unwrap() == png));
}

#[tokio::test]
async fn a_server_draws_the_share_images_of_its_reviews_without_being_asked() {
    let (test, _, _) = fourteen_reviews(BASE).await;
    let folder = test.dir.path().join("share");
    let config = WebConfig { share_dir: Some(folder.clone()), ..WebConfig::new(BASE) };
    let state =
        AppState::new(test.store.clone(), MediaStore::new(test.dir.path().join("media")), config).await.unwrap();
    let background = marquee_web::spawn_background(state);
    let mut kept = 0;
    for _ in 0..600 {
        kept = if folder.is_dir() {
            files_under(&folder).iter().filter(|f| f.extension().is_some_and(|e| e == "png")).count()
        } else {
            0
        };
        if kept == 14 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    background.abort();
    assert_eq!(kept, 14, "share images drawn after start");
}

#[tokio::test]
async fn a_writers_own_links_never_stop_the_export_and_broken_ones_are_named_with_their_page() {
    let test = marquee_store::testing::fresh().await;
    let source = test.dir.path().join("content");
    review(
        &source,
        0,
        "See [2009](/years/2009/), [a lost page](/films/no-such-film) and [an old post](/2009/01/old-post/).",
    );
    review(&source, 19, "The year's best.");
    image::RgbImage::new(300, 450).save(source.join("poster.png")).unwrap();
    let media = MediaStore::new(test.dir.path().join("media"));
    import_dir(&test.store, &media, &source, Options::default(), &Silent).await.unwrap();
    let state = AppState::new(test.store.clone(), media, WebConfig::new(BASE)).await.unwrap();
    let out = test.dir.path().join("public");
    let report = static_site::export(state, &out, &Silent).await.unwrap();
    assert_eq!(
        report.warnings,
        [
            "/reviews/film-0-1990: a link to /2009/01/old-post, which is not on the site",
            "/reviews/film-0-1990: a link to /films/no-such-film, which is not on the site",
        ]
    );
    assert!(out.join("years/2009/index.html").is_file(), "a link ending in a slash reaches its page");
    assert!(!out.join("films/no-such-film").exists());
}
