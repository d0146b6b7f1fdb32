//! The public site through HTTP, against a real SQLite file filled by the Markdown importer.

use marquee_import::markdown::{import_dir, Options};
use marquee_import::Silent;
use marquee_media::MediaStore;
use marquee_web::{AppState, WebConfig};
use std::path::Path;
use std::sync::Arc;

struct Site {
    base: String,
    client: reqwest::Client,
    state: Arc<AppState>,
    source: std::path::PathBuf,
    _test: marquee_store::testing::TestStore,
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn png(path: &Path, width: u32, height: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 77])).save(path).unwrap();
}

const NIGHT_TRAIN: &str = r#"+++
title = "Night Train"
year = 1990
runtime = 121
tagline = "Every station is a confession."
directors = ["Ada Moreau"]
cast = ["Lev Orlov", "Mina Sato", "Paul Grant"]
genres = ["Drama", "Thriller"]
poster = "night-train.png"
score = 9.5
summary = "A sleeper-car chamber piece that never stops moving."
headline = "All aboard"
author = "Jo Critic"
tags = ["trains", "restoration"]
date = 2024-06-01T12:00:00Z
watched = 2024-05-20
+++

The lights go down on the platform and the film begins.

## The carriage

A long paragraph about *compartments* and **faces**.

![Lev Orlov at the window](stills/window.png "Scene from Night Train: the window")

### Sound

> The rails keep time.

- whistle
- brakes
"#;

/// A site with one rich review, reviews that relate to it, a draft and a hostile file.
async fn site() -> Site {
    let test = marquee_store::testing::fresh().await;
    let dir = test.dir.path();
    let source = dir.join("content");
    write(&source.join("night-train.md"), NIGHT_TRAIN);
    png(&source.join("night-train.png"), 500, 750);
    png(&source.join("stills/window.png"), 960, 540);
    write(
        &source.join("same-director.md"),
        "+++\ntitle = \"Day Boat\"\nyear = 1994\ndirectors = [\"Ada Moreau\"]\ngenres = [\"Comedy\"]\nscore = 8.2\ndate = 2024-05-01\n+++\nA ferry, a feud.\n",
    );
    write(
        &source.join("draft.md"),
        "+++\ntitle = \"Unfinished Tracks\"\nyear = 1991\ndirectors = [\"Ada Moreau\"]\ncast = [\"Lev Orlov\"]\ngenres = [\"Drama\"]\nscore = 7\ndraft = true\n+++\nNot yet.\n",
    );
    write(
        &source.join("hostile.md"),
        "+++\ntitle = \"Evil </script><script>alert(1)</script> \\\"Film\\\"\"\nyear = 2001\ntagline = \"<img src=x onerror=alert(2)>\"\n\
         summary = \"</script><b>bold</b>\"\nscore = 1.5\ndate = 2024-01-01\ndirectors = [\"<script>alert(3)</script>\"]\n+++\n\
         <script>alert(4)</script>\n\n[x](javascript:alert(5))\n\n<img src=y onerror=alert(6)>\n",
    );
    let long_body = "word ".repeat(300);
    write(
        &source.join("long-read.md"),
        &format!("+++\ntitle = \"Long Read\"\nyear = 1980\nscore = 5\ndate = 2022-01-01\n+++\n{long_body}\n"),
    );
    for i in 0..11 {
        write(
            &source.join(format!("filler-{i:02}.md")),
            &format!(
                "+++\ntitle = \"Filler {i}\"\nyear = {}\ngenres = [\"Documentary\"]\nscore = {}\ndate = 2023-01-{:02}\n+++\nWords about filler number {i}.\n",
                2000 + i,
                3 + i % 5,
                i + 1
            ),
        );
    }
    let store = test.store.clone();
    let media = MediaStore::new(dir.join("media"));
    import_dir(&store, &media, &source, Options::default(), &Silent).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(store, media, WebConfig::new(base.clone())).await.unwrap();
    tokio::spawn(marquee_web::serve(listener, state.clone(), std::future::pending()));
    Site { base, client: reqwest::Client::new(), state, source, _test: test }
}

impl Site {
    async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).send().await.unwrap()
    }

    async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }

    async fn status(&self, path: &str) -> u16 {
        self.get(path).await.status().as_u16()
    }
}

/// Positions of each needle in `html`, asserting each is present and they come in order.
fn assert_in_order(html: &str, needles: &[&str]) {
    let mut from = 0;
    for needle in needles {
        match html[from..].find(needle) {
            Some(at) => from += at + needle.len(),
            None => panic!("{needle:?} missing or out of order (searched from byte {from})"),
        }
    }
}

/// The page's one JSON-LD block: a schema.org `@graph`.
fn json_ld_graph(html: &str) -> serde_json::Value {
    let marker = r#"<script type="application/ld+json">"#;
    assert_eq!(html.matches(marker).count(), 1, "one JSON-LD block per page");
    let start = html.find(marker).unwrap() + marker.len();
    let end = start + html[start..].find("</script>").unwrap();
    let graph: serde_json::Value = serde_json::from_str(&html[start..end]).expect("JSON-LD parses");
    assert_eq!(graph["@context"], "https://schema.org");
    graph
}

/// The node of `kind` in the page's JSON-LD graph.
fn ld_node(html: &str, kind: &str) -> serde_json::Value {
    let graph = json_ld_graph(html);
    let nodes = graph["@graph"].as_array().expect("@graph is a list");
    let found: Vec<_> = nodes.iter().filter(|n| n["@type"] == kind).collect();
    assert_eq!(found.len(), 1, "one {kind} in {graph}");
    found[0].clone()
}

/// The review page's Review.
fn json_ld(html: &str) -> serde_json::Value {
    ld_node(html, "Review")
}

/// What a structured-data validator would say about `node` and everything nested in it, by
/// schema.org type, following Google's rules for review snippets, movies and breadcrumbs:
/// an empty list when it would be accepted.
fn structured_data_problems(node: &serde_json::Value, base: &str, at: &str, problems: &mut Vec<String>) {
    use serde_json::Value;
    let mut problem = |text: String| problems.push(format!("{at}: {text}"));
    let text = |v: &Value| v.as_str().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
    let absolute = |v: &Value| v.as_str().is_some_and(|u| u.starts_with(base) && !u.contains(' '));
    let iso_date = |v: &Value| {
        v.as_str().is_some_and(|d| {
            time::OffsetDateTime::parse(d, &time::format_description::well_known::Rfc3339).is_ok()
                || time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]")).is_ok()
        })
    };
    let kind = node["@type"].as_str().unwrap_or_default().to_string();
    match kind.as_str() {
        "Review" => {
            let author = &node["author"];
            if !matches!(author["@type"].as_str(), Some("Person" | "Organization")) {
                problem(format!("author must be a Person or Organization: {author}"));
            }
            match text(&author["name"]) {
                Some(name) if name.chars().count() < 100 && !name.starts_with("http") => {}
                _ => problem(format!("author needs a short name that is not a URL: {author}")),
            }
            if text(&node["itemReviewed"]["name"]).is_none() {
                problem("itemReviewed needs a name".into());
            }
            let rating = &node["reviewRating"];
            if !rating.is_null() {
                let value = rating["ratingValue"].as_f64();
                let best = rating["bestRating"].as_f64().unwrap_or(5.0);
                let worst = rating["worstRating"].as_f64().unwrap_or(1.0);
                if !value.is_some_and(|v| (worst..=best).contains(&v)) {
                    problem(format!("ratingValue must be a number from worstRating to bestRating: {rating}"));
                }
            }
            for date in ["datePublished", "dateModified"] {
                if !node[date].is_null() && !iso_date(&node[date]) {
                    problem(format!("{date} is not ISO 8601: {}", node[date]));
                }
            }
        }
        "Movie" => {
            if text(&node["name"]).is_none() {
                problem("a Movie needs a name".into());
            }
            if !node["image"].is_null() && !absolute(&node["image"]) {
                problem(format!("image must be an absolute URL: {}", node["image"]));
            }
            if let Some(aggregate) = node.get("aggregateRating") {
                let count = aggregate["ratingCount"].as_u64().unwrap_or(0);
                let value = aggregate["ratingValue"].as_f64();
                if count == 0 || !value.is_some_and(|v| (0.0..=10.0).contains(&v)) {
                    problem(format!("aggregateRating needs a ratingCount and an in-range ratingValue: {aggregate}"));
                }
            }
        }
        "Person" | "Organization" | "WebSite" => {
            if text(&node["name"]).is_none() {
                problem(format!("a {kind} needs a name"));
            }
        }
        "ProfilePage" => {
            if !matches!(node["mainEntity"]["@type"].as_str(), Some("Person" | "Organization")) {
                problem("a ProfilePage's mainEntity must be a Person or Organization".into());
            }
        }
        "BreadcrumbList" => {
            let items = node["itemListElement"].as_array().cloned().unwrap_or_default();
            if items.len() < 2 {
                problem(format!("a BreadcrumbList needs at least two items: {node}"));
            }
            for (i, item) in items.iter().enumerate() {
                if item["@type"] != "ListItem" || item["position"].as_u64() != Some(i as u64 + 1) {
                    problem(format!("item {i} must be a ListItem at position {}: {item}", i + 1));
                }
                if text(&item["name"]).is_none() || !absolute(&item["item"]) {
                    problem(format!("item {i} needs a name and an absolute URL: {item}"));
                }
            }
        }
        "Rating" | "AggregateRating" | "ListItem" | "SearchAction" | "EntryPoint" => {}
        other => problem(format!("unexpected type {other:?}")),
    }
    if let Some(url) = node.get("url") {
        if !absolute(url) {
            problem(format!("url must be absolute on this site: {url}"));
        }
    }
    for (key, value) in node.as_object().into_iter().flatten() {
        let children: Vec<&Value> = match value {
            Value::Array(items) => items.iter().collect(),
            Value::Object(_) => vec![value],
            _ => vec![],
        };
        for child in children.into_iter().filter(|c| c.get("@type").is_some()) {
            structured_data_problems(child, base, &format!("{at}.{key}"), problems);
        }
    }
}

fn related_hrefs(html: &str) -> Vec<String> {
    let start = html.find("id=\"related-heading\"").expect("related section");
    let end = start + html[start..].find("</section>").unwrap();
    html[start..end]
        .split("class=\"card-title\"><a href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .collect()
}

#[tokio::test]
async fn review_page_shows_all_eleven_parts_in_order() {
    let site = site().await;
    let html = site.page("/reviews/night-train-1990").await;
    assert_in_order(
        &html,
        &[
            r##"<a class="skip-link" href="#main">Skip to main content</a>"##,
            r#"<main id="main""#,
            r#"<a class="kicker" href="/years/1990">1990</a>"#,
            r#"<h1 class="film-title">Night Train</h1>"#,
            "<q>Every station is a confession.</q>",
            r#"alt="Night Train poster""#,
            "<dt>Runtime</dt>",
            "121 minutes",
            r#"<a href="/people/ada-moreau">Ada Moreau</a>"#,
            r#"<a href="/people/lev-orlov">Lev Orlov</a>"#,
            r#"<p class="reading-time">1-minute read</p>"#,
            r#"<div class="review-body">"#,
            "<h2>The carriage</h2>",
            "<figcaption>Scene from Night Train: the window</figcaption>",
            "<h3>Sound</h3>",
            r#"<span class="score-value">9.5 <span class="score-max">/10</span></span>"#,
            r#"<span class="verdict"><a href="/scores/masterpiece">Masterpiece</a></span>"#,
            r#"<div class="closing-verdict"><p>A sleeper-car chamber piece that never stops moving.</p>"#,
            "Keep exploring",
            r#"rel="author" href="/writers/jo-critic">Jo Critic</a>"#,
            r#"<time datetime="2024-06-01T12:00:00Z">1 June 2024</time>"#,
            r#"<a href="/tags/trains" rel="tag">trains</a>"#,
        ],
    );
    assert_eq!(html.matches("<h1").count(), 1, "one h1");
    let poster_tag = &html[html.find(r#"alt="Night Train poster""#).unwrap() - 700..];
    let poster_tag = &poster_tag[poster_tag.find("<img").unwrap()..];
    let poster_tag = &poster_tag[..poster_tag.find('>').unwrap()];
    for attribute in ["srcset=\"", "sizes=\"", "width=\"", "height=\""] {
        assert!(poster_tag.contains(attribute), "poster lacks {attribute}: {poster_tag}");
    }
    assert!(!poster_tag.contains("loading=\"lazy\""), "the poster is above the fold");
    assert!(html.contains(r#"<source type="image/webp""#));
    assert!(html.contains(&format!(r#"<link rel="canonical" href="{}/reviews/night-train-1990">"#, site.base)));
    assert!(html.contains(r#"<meta property="og:title" content="All aboard">"#));
    assert!(html.contains(&format!(
        r#"<meta property="og:image" content="{}/reviews/night-train-1990/share.png">"#,
        site.base
    )));
    assert!(html.contains(r#"<meta property="og:image:width" content="1200">"#));
    assert!(html.contains(r#"<meta property="og:image:alt" content="Night Train (1990) review: 9.5/10, "#));
    assert!(html.contains(r#"<meta name="twitter:card" content="summary_large_image">"#));
}

#[tokio::test]
async fn review_json_ld_is_a_review_of_a_movie_with_a_rating() {
    let site = site().await;
    let ld = json_ld(&site.page("/reviews/night-train-1990").await);
    assert_eq!(ld["@type"], "Review");
    assert_eq!(ld["itemReviewed"]["@type"], "Movie");
    assert_eq!(ld["itemReviewed"]["name"], "Night Train");
    assert_eq!(ld["itemReviewed"]["director"][0]["name"], "Ada Moreau");
    assert_eq!(ld["itemReviewed"]["duration"], "PT121M");
    assert!(ld["itemReviewed"]["image"].as_str().unwrap().starts_with(&site.base));
    assert_eq!(ld["reviewRating"]["@type"], "Rating");
    assert_eq!(ld["reviewRating"]["ratingValue"], 9.5);
    assert_eq!(ld["reviewRating"]["bestRating"], 10);
    assert_eq!(ld["reviewRating"]["worstRating"], 0);
    assert_eq!(ld["author"]["name"], "Jo Critic");
    assert_eq!(ld["datePublished"], "2024-06-01T12:00:00Z");
}

#[tokio::test]
async fn structured_data_on_every_page_type_passes_the_rich_result_rules() {
    let site = site().await;
    let pages = [
        ("/", vec!["WebSite"]),
        ("/reviews/night-train-1990", vec!["Review", "BreadcrumbList"]),
        ("/films/night-train-1990", vec!["Movie", "BreadcrumbList"]),
        ("/people/ada-moreau", vec!["Person", "BreadcrumbList"]),
        ("/writers/jo-critic", vec!["ProfilePage", "BreadcrumbList"]),
        ("/years/1990", vec!["BreadcrumbList"]),
        ("/genres/drama", vec!["BreadcrumbList"]),
        ("/tags/trains", vec!["BreadcrumbList"]),
    ];
    for (path, kinds) in pages {
        let graph = json_ld_graph(&site.page(path).await);
        let nodes = graph["@graph"].as_array().unwrap();
        let found: Vec<&str> = nodes.iter().map(|n| n["@type"].as_str().unwrap()).collect();
        assert_eq!(found, kinds, "{path}");
        let mut problems = Vec::new();
        for node in nodes {
            structured_data_problems(node, &site.base, path, &mut problems);
        }
        assert!(problems.is_empty(), "{problems:#?}");
    }

    let review = site.page("/reviews/night-train-1990").await;
    let crumbs = ld_node(&review, "BreadcrumbList");
    let trail: Vec<(&str, &str)> = crumbs["itemListElement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap(), i["item"].as_str().unwrap().strip_prefix(&site.base).unwrap()))
        .collect();
    assert_eq!(
        trail,
        [
            ("Marquee", "/"),
            ("Films", "/films"),
            ("Night Train (1990)", "/films/night-train-1990"),
            ("All aboard", "/reviews/night-train-1990")
        ]
    );
    let person = ld_node(&site.page("/people/ada-moreau").await, "Person");
    assert_eq!(person["name"], "Ada Moreau");
    assert_eq!(person["url"], format!("{}/people/ada-moreau", site.base));
    let writer = ld_node(&site.page("/writers/jo-critic").await, "ProfilePage");
    assert_eq!(writer["mainEntity"]["name"], "Jo Critic");
    let movie = ld_node(&site.page("/films/night-train-1990").await, "Movie");
    assert_eq!(movie["director"][0]["name"], "Ada Moreau");
    let search = &ld_node(&site.page("/").await, "WebSite")["potentialAction"];
    assert_eq!(search["target"]["urlTemplate"], format!("{}/search?q={{search_term_string}}", site.base));

    // The validator itself refuses what Google would.
    let mut problems = Vec::new();
    let bad = serde_json::json!({
        "@type": "Review",
        "author": {"@type": "Person", "name": "https://example.com/someone"},
        "itemReviewed": {"@type": "Movie"},
        "reviewRating": {"@type": "Rating", "ratingValue": 11, "bestRating": 10, "worstRating": 0},
        "datePublished": "June 1st",
    });
    structured_data_problems(&bad, &site.base, "bad", &mut problems);
    assert_eq!(problems.len(), 5, "{problems:#?}");
}

#[tokio::test]
async fn each_review_has_a_share_image_with_its_poster_title_and_score() {
    let site = site().await;
    let response = site.get("/reviews/night-train-1990/share.png").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert!(response.headers().get("etag").is_some(), "cached and validated like a page");
    let with_poster = image::load_from_memory(&response.bytes().await.unwrap()).unwrap().to_rgb8();
    assert_eq!(with_poster.dimensions(), (1200, 630));
    // The test poster's blue channel is 77 everywhere; the card's background is near black.
    let poster_pixels = (100..500).step_by(50).filter(|y| with_poster.get_pixel(150, *y).0[2] == 77).count();
    assert_eq!(poster_pixels, 8, "the poster fills the left of the card");
    let inked = |image: &image::RgbImage| image.pixels().filter(|p| p.0.iter().all(|c| *c > 200)).count();
    assert!(inked(&with_poster) > 2_000, "the title is drawn in light ink");

    // A review without a poster still gets a card; the score's accent colour is on it.
    let bytes = site.get("/reviews/day-boat-1994/share.png").await.bytes().await.unwrap();
    let without = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!(without.get_pixel(150, 300).0[2], 0x12, "no poster: background where it would be");
    assert!(without.pixels().filter(|p| p.0 == [0xb3, 0x26, 0x1e]).count() > 1_000);

    // Compressed formats are not compressed again.
    let brotli = site.client.get(format!("{}/reviews/day-boat-1994/share.png", site.base));
    let brotli = brotli.header("accept-encoding", "br, gzip").send().await.unwrap();
    assert!(brotli.headers().get("content-encoding").is_none());
    assert_eq!(site.status("/reviews/unfinished-tracks-1991/share.png").await, 404, "drafts have none");
    assert_eq!(site.status("/reviews/no-such-review/share.png").await, 404);

    // Tagged by what it shows: a holder of the same image is answered "not modified", from the
    // cache and, after a restart (an empty cache), without drawing it again.
    let tag = site.get("/reviews/day-boat-1994/share.png").await.headers()["etag"].to_str().unwrap().to_string();
    assert!(tag.starts_with("\"share-"), "{tag}");
    let again = |tag: String| {
        let request = site.client.get(format!("{}/reviews/day-boat-1994/share.png", site.base));
        async move { request.header("if-none-match", tag).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(again(tag.clone()).await, 304);
    site.state.cache.clear();
    assert_eq!(again(tag.clone()).await, 304, "the handler itself answers before drawing");
    assert_eq!(again("\"share-0000000000000000\"".into()).await, 200);
}

#[tokio::test]
async fn related_reviews_rank_shared_people_first_and_never_show_itself_or_drafts() {
    let site = site().await;
    let html = site.page("/reviews/night-train-1990").await;
    let related = related_hrefs(&html);
    assert!(!related.is_empty() && related.len() <= 6, "{related:?}");
    assert_eq!(related[0], "/reviews/day-boat-1994", "shared director first: {related:?}");
    assert!(!related.contains(&"/reviews/night-train-1990".to_string()));
    assert!(!related.contains(&"/reviews/unfinished-tracks-1991".to_string()), "a draft leaked: {related:?}");
}

#[tokio::test]
async fn drafts_are_not_public() {
    let site = site().await;
    assert_eq!(site.status("/reviews/unfinished-tracks-1991").await, 404);
    assert_eq!(site.status("/films/unfinished-tracks-1991").await, 404);
    assert_eq!(site.status("/years/1991").await, 404);
    let person = site.page("/people/ada-moreau").await;
    assert!(!person.contains("Unfinished Tracks"));
    for path in ["/", "/films", "/genres/drama", "/writers/staff"] {
        assert!(!site.page(path).await.contains("Unfinished Tracks"), "{path}");
    }
}

#[tokio::test]
async fn hostile_front_matter_and_bodies_are_escaped_or_removed() {
    let site = site().await;
    let html = site.page("/reviews/evil-script-script-alert-1-script-film-2001").await;
    assert_eq!(html.matches("<script").count(), 2, "only the JSON-LD and the site's own script file");
    assert_eq!(html.matches("<script src=\"/static/site.").count(), 1);
    for forbidden in
        ["alert(1)</script>", "<img src=x onerror", "<img src=y", "javascript:", "<script>alert", "<b>bold</b>"]
    {
        assert!(!html.contains(forbidden), "{forbidden} survived");
    }
    let body = &html[html.find("class=\"review-body\"").unwrap()..html.find("id=\"verdict-heading\"").unwrap()];
    assert!(!body.contains("onerror") && !body.contains("alert(4)"), "{body}");
    let h1 = &html[html.find("<h1").unwrap()..html.find("</h1>").unwrap()];
    assert!(h1.contains("Evil &#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62; &#34;Film&#34;"), "{h1}");
    assert!(html.contains("<q>&#60;img src=x onerror=alert(2)&#62;</q>"), "the tagline is shown as text");
    let ld = json_ld(&html);
    assert_eq!(ld["itemReviewed"]["name"], "Evil </script><script>alert(1)</script> \"Film\"");
    assert_eq!(ld["description"], "</script><b>bold</b>");
    let home = site.page("/").await;
    assert!(!home.contains("<script>alert") && !home.contains("onerror="));
}

#[tokio::test]
async fn every_page_type_renders_in_the_site_layout() {
    let site = site().await;
    let checks: &[(&str, &[&str])] = &[
        ("/", &["<h1>Latest reviews</h1>", "Night Train", "review-card", "Page 1 of 2"]),
        ("/?page=2", &["Page 2 of 2", "rel=\"prev\""]),
        (
            "/films/night-train-1990",
            &["<h1 class=\"film-title\">Night Train</h1>", "121 minutes", "/reviews/night-train-1990"],
        ),
        ("/people/lev-orlov", &["<h1>Lev Orlov</h1>", "Cast", "Night Train"]),
        ("/people/ada-moreau", &["Director", "Night Train", "Day Boat"]),
        ("/years/1990", &["Films of 1990", "Night Train"]),
        ("/genres/drama", &["<h1>Drama</h1>", "Night Train"]),
        ("/tags/trains", &["Tagged “trains”", "Night Train"]),
        ("/scores/masterpiece", &["<h1>Masterpiece</h1>", "Night Train"]),
        ("/writers/jo-critic", &["Reviews by Jo Critic", "Night Train"]),
        ("/films", &["Night Train (1990)"]),
        ("/years", &["/years/1990"]),
        ("/genres", &["/genres/drama"]),
        ("/tags", &["/tags/trains"]),
        ("/scores", &["/scores/masterpiece", "Awful"]),
    ];
    for (path, needles) in checks {
        let html = site.page(path).await;
        assert!(html.contains("class=\"skip-link\"") && html.contains("<main id=\"main\""), "{path} layout");
        for needle in *needles {
            assert!(html.contains(needle), "{path} lacks {needle}");
        }
    }
    let excellent = site.page("/scores/excellent").await;
    assert!(excellent.contains("Day Boat") && !excellent.contains("Night Train"));
}

#[tokio::test]
async fn unknown_pages_get_a_real_404_in_the_layout() {
    let site = site().await;
    for path in [
        "/nope",
        "/reviews/nope",
        "/films/nope",
        "/people/nope",
        "/years/abc",
        "/genres/nope",
        "/scores/nope",
        "/?page=99",
        "/?page=abc",
        "/media/zz/1.png",
    ] {
        let response = site.get(path).await;
        assert_eq!(response.status(), 404, "{path}");
        let html = response.text().await.unwrap();
        assert!(html.contains("class=\"skip-link\"") && html.contains("href=\"/\""), "{path} 404 has the layout");
        assert!(html.contains("This page is not showing"), "{path}");
    }
}

#[tokio::test]
async fn responses_carry_a_strict_content_security_policy_and_safety_headers() {
    let site = site().await;
    // The first answer is rendered; the second comes from the page cache at the server's front
    // door, before the router and its middleware, and carries the same headers.
    for round in ["rendered", "from the cache"] {
        for path in ["/", "/reviews/night-train-1990", "/nope"] {
            let response = site.get(path).await;
            let headers = response.headers();
            let csp = headers["content-security-policy"].to_str().unwrap();
            assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{round} {path}: {csp}");
            assert!(csp.contains("object-src 'none'") && csp.contains("style-src 'self'"), "{csp}");
            assert_eq!(headers["x-content-type-options"], "nosniff", "{round} {path}");
            assert_eq!(headers["referrer-policy"], "strict-origin-when-cross-origin", "{round} {path}");
            assert_eq!(headers["x-frame-options"], "DENY", "{round} {path}");
        }
    }
    let hits = site.state.metrics.cache_hits.load(std::sync::atomic::Ordering::Relaxed);
    assert!(hits >= 2, "the second round of / and the review came from the cache: {hits} hits");
    let html = site.page("/reviews/night-train-1990").await;
    assert!(!html.contains(" style="), "no inline styles");
}

#[tokio::test]
async fn images_are_served_in_two_widths_and_webp_with_long_cache_headers() {
    let site = site().await;
    let html = site.page("/reviews/night-train-1990").await;
    let srcset_start = html.find(r#"<source type="image/webp" srcset=""#).unwrap() + 34;
    let srcset = &html[srcset_start..srcset_start + html[srcset_start..].find('"').unwrap()];
    let urls: Vec<&str> = srcset.split(", ").map(|c| c.split(' ').next().unwrap()).collect();
    assert!(urls.len() >= 2, "{srcset}");
    for url in urls {
        let response = site.get(url).await;
        assert_eq!(response.status(), 200, "{url}");
        assert_eq!(response.headers()["content-type"], "image/webp");
        assert!(response.headers()["cache-control"].to_str().unwrap().contains("immutable"));
        assert!(response.bytes().await.unwrap().starts_with(b"RIFF"));
    }
    let png_url = urls_of_fallback(&html);
    let response = site.get(&png_url).await;
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(site.status("/media/..%2F..%2Fetc/passwd").await, 404);
}

fn urls_of_fallback(html: &str) -> String {
    let at = html.find(r#"alt="Night Train poster""#).unwrap();
    let img = &html[..at];
    let img = &img[img.rfind("<img src=\"").unwrap() + 10..];
    img[..img.find('"').unwrap()].to_string()
}

#[tokio::test]
async fn pages_answer_conditional_requests_with_304() {
    let site = site().await;
    let first = site.get("/reviews/night-train-1990").await;
    let etag = first.headers()["etag"].clone();
    let again = site
        .client
        .get(format!("{}/reviews/night-train-1990", site.base))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn an_import_while_serving_shows_once_the_content_version_moves() {
    let site = site().await;
    assert!(!site.page("/").await.contains("Late Arrival"), "cached before the import");
    write(
        &site.source.join("late.md"),
        "+++\ntitle = \"Late Arrival\"\nyear = 2005\nscore = 6\ndate = 2025-01-01\n+++\nJust in.\n",
    );
    import_dir(&site.state.store, &site.state.media, &site.source, Options::default(), &Silent).await.unwrap();
    site.state.refresh().await.unwrap();
    assert!(site.page("/").await.contains("Late Arrival"));
    assert_eq!(site.status("/reviews/late-arrival-2005").await, 200);
}

#[tokio::test]
async fn health_endpoints_answer() {
    let site = site().await;
    assert_eq!(site.page("/healthz").await, "ok");
    assert_eq!(site.page("/readyz").await, "ready");
}

#[tokio::test]
async fn the_stylesheet_url_is_fingerprinted_and_cached_for_a_year() {
    let site = site().await;
    let html = site.page("/").await;
    let start = html.find("href=\"/static/site.").unwrap() + 6;
    let url = &html[start..start + html[start..].find('"').unwrap()];
    let response = site.get(url).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(site.status("/static/site.000000000000.css").await, 404);
}

#[tokio::test]
async fn reading_time_rounds_up_at_213_words_a_minute() {
    let site = site().await;
    let html = site.page("/reviews/long-read-1980").await;
    assert!(html.contains(r#"<p class="reading-time">2-minute read</p>"#), "300 words");
}

#[tokio::test]
async fn list_cards_show_excerpt_score_and_poster_or_the_opening_words() {
    let site = site().await;
    let html = site.page("/").await;
    let card = |title: &str| {
        let at = html.find(&format!(">{title} <span")).unwrap_or_else(|| panic!("{title} card"));
        let start = html[..at].rfind("<article").unwrap();
        let end = at + html[at..].find("</article>").unwrap();
        html[start..end].to_string()
    };
    let night_train = card("Night Train");
    assert!(night_train.contains("<picture>") && night_train.contains("alt=\"\""), "{night_train}");
    assert!(night_train.contains("A sleeper-car chamber piece that never stops moving."));
    assert!(night_train.contains(r#"<span class="badge-score">9.5</span>"#));
    assert!(night_train.contains("Masterpiece"));
    let day_boat = card("Day Boat");
    assert!(day_boat.contains(r#"<p class="card-excerpt">A ferry, a feud.</p>"#), "{day_boat}");
}

#[tokio::test]
async fn query_strings_other_than_page_do_not_mint_cache_entries() {
    let site = site().await;
    site.page("/").await;
    let before = site.state.cache.len();
    for i in 0..20 {
        site.page(&format!("/?utm_source={i}")).await;
    }
    assert_eq!(site.state.cache.len(), before);
}

#[tokio::test]
async fn metrics_count_requests_by_route_cache_hits_and_pool_use() {
    let site = site().await;
    site.page("/reviews/night-train-1990").await;
    site.page("/reviews/night-train-1990").await;
    site.status("/nope").await;
    let response = site.get("/metrics").await;
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/plain; version=0.0.4"));
    let text = response.text().await.unwrap();
    for needle in [
        r#"marquee_http_requests_total{method="GET",route="/reviews/{slug}",status="200"} 2"#,
        r#"marquee_http_requests_total{method="GET",route="unmatched",status="404"} 1"#,
        r#"marquee_http_request_duration_seconds_count{method="GET",route="/reviews/{slug}"} 2"#,
        "marquee_page_cache_hits_total 1",
        "marquee_db_pool_max_connections",
        r#"marquee_db_pool_connections{state="idle"}"#,
    ] {
        assert!(text.contains(needle), "{needle} missing from\n{text}");
    }
}
