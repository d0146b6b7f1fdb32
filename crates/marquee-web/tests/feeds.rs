//! Feeds, the sitemap and the links that point readers and crawlers to them, through HTTP,
//! read back with a feed parser and checked against the formats' required elements.

mod support;

use support::Browser;

async fn publish(editor: &mut Browser, title: &str, year: &str, genres: &str, tags: &str, body: &str, score: &str) {
    editor
        .create_review(&[
            ("film_title", title),
            ("film_year", year),
            ("film_genres", genres),
            ("tags", tags),
            ("headline", &format!("On {title}")),
            ("summary", &format!("{title} in a sentence.")),
            ("body", body),
            ("score", score),
            ("revision", "0"),
            ("action", "publish"),
        ])
        .await;
}

async fn fetch(site: &support::Site, path: &str) -> (String, String) {
    let response = Site::client().get(format!("{}{path}", site.base)).send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {path}");
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    (content_type, response.text().await.unwrap())
}

use support::Site;

async fn site_with_reviews() -> support::Site {
    let site = support::site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    publish(
        &mut editor,
        "Night Train",
        "1990",
        "Drama, Thriller",
        "trains",
        "The lights go down & the film begins.\n\n## The carriage\n\n[Elsewhere](/films/night-train-1990)",
        "9.5",
    )
    .await;
    publish(&mut editor, "Day Boat", "1994", "Comedy", "boats", "A ferry, a feud.", "6").await;
    let mut writer = site.sign_in("writer@example.com").await;
    let id = writer.create_review(&[("film_title", "Unfinished"), ("body", "Not yet."), ("revision", "0")]).await;
    assert!(id > 0);
    site
}

#[tokio::test]
async fn atom_rss_and_json_feeds_parse_and_hold_the_published_reviews() {
    let site = site_with_reviews().await;
    let base = &site.base;
    for (path, content_type) in [
        ("/feed.xml", "application/atom+xml"),
        ("/rss.xml", "application/rss+xml"),
        ("/feed.json", "application/feed+json"),
    ] {
        let (kind, body) = fetch(&site, path).await;
        assert!(kind.starts_with(content_type), "{path}: {kind}");
        let feed =
            feed_rs::parser::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{path} does not parse: {e}\n{body}"));
        assert_eq!(feed.title.as_ref().unwrap().content, "Marquee", "{path}");
        assert_eq!(feed.entries.len(), 2, "{path}: published reviews only, no drafts");
        let first = &feed.entries[0];
        assert_eq!(first.title.as_ref().unwrap().content, "Day Boat (1994): On Day Boat", "{path}: newest first");
        assert_eq!(first.links[0].href, format!("{base}/reviews/day-boat-1994"), "{path}");
        assert!(first.published.is_some(), "{path}: a publication date");
        assert_eq!(first.authors[0].name, "Eddie Editor", "{path}");
        let night = &feed.entries[1];
        let content = night.content.as_ref().and_then(|c| c.body.clone()).unwrap_or_default();
        assert!(content.contains("go down &amp; the film begins"), "{path}: the body as HTML: {content}");
        assert!(content.contains(&format!("href=\"{base}/films/night-train-1990\"")), "{path}: links made absolute");
        assert!(content.contains("Score: 9.5/10, Masterpiece"), "{path}: the score");
        let summary = night.summary.as_ref().map(|s| s.content.clone()).unwrap_or_default();
        assert!(summary.contains("Night Train in a sentence."), "{path}: {summary}");
    }

    // The formats' required elements, beyond what a lenient parser needs.
    let (_, atom) = fetch(&site, "/feed.xml").await;
    for required in
        ["<id>", "<updated>", &format!("<link rel=\"self\" type=\"application/atom+xml\" href=\"{base}/feed.xml\"/>")]
    {
        assert!(atom.contains(required), "Atom needs {required}");
    }
    assert_eq!(
        atom.matches("<entry>").count(),
        atom.matches("<author><name>").count(),
        "every Atom entry has an author"
    );
    let (_, rss) = fetch(&site, "/rss.xml").await;
    for required in [
        "<channel>",
        "<title>Marquee</title>",
        &format!("<link>{base}/</link>"),
        "<description>",
        "<guid isPermaLink=\"true\">",
    ] {
        assert!(rss.contains(required), "RSS needs {required}");
    }
    assert!(rss.contains(" +0000</pubDate>"), "RFC 822 dates");
    let (_, json) = fetch(&site, "/feed.json").await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(json["feed_url"], format!("{base}/feed.json"));
    for item in json["items"].as_array().unwrap() {
        assert!(item["id"].is_string(), "JSON Feed items need an id");
        assert!(item["content_html"].is_string() || item["content_text"].is_string(), "and content");
        assert!(item["date_published"].as_str().unwrap().ends_with('Z'), "RFC 3339 dates");
    }
}

#[tokio::test]
async fn writers_tags_and_genres_have_their_own_feeds_and_every_page_links_to_them() {
    let site = site_with_reviews().await;
    for (path, titles) in [
        ("/writers/eddie-editor/feed.xml", 2),
        ("/tags/trains/rss.xml", 1),
        ("/genres/comedy/feed.json", 1),
        ("/genres/drama/feed.xml", 1),
    ] {
        let (_, body) = fetch(&site, path).await;
        let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
        assert_eq!(feed.entries.len(), titles, "{path}");
    }
    assert_eq!(site.public("/tags/nothing/feed.xml").await.0, 404);
    assert_eq!(site.public("/writers/nobody/feed.json").await.0, 404);

    let (_, home) = site.public("/").await;
    assert!(home.contains(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"Marquee (Atom)\" href=\"/feed.xml\">"
    ));
    assert!(home.contains("type=\"application/feed+json\"") && home.contains("type=\"application/rss+xml\""));
    let (_, tag) = site.public("/tags/trains").await;
    assert!(tag.contains("href=\"/tags/trains/feed.xml\""), "a tag page offers its own feed");
    let (_, review) = site.public("/reviews/night-train-1990").await;
    assert!(review.contains("href=\"/feed.xml\""), "every page offers the site's feed");
}

#[tokio::test]
async fn feeds_can_carry_summaries_only_and_answer_conditional_requests() {
    let site = site_with_reviews().await;
    let mut owner = site.sign_in("owner@example.com").await;
    let settings = [
        ("title", "Marquee"),
        ("description", "Film reviews"),
        ("accent", "#b3261e"),
        ("feed_content", "summary"),
        ("band_label", "Masterpiece"),
        ("band_min", "9"),
        ("band_label", "Rest"),
        ("band_min", "0"),
    ];
    assert_eq!(owner.post("/admin/settings", &settings).await.status(), 303);
    let (_, atom) = fetch(&site, "/feed.xml").await;
    assert!(!atom.contains("<content"), "summaries only");
    let (_, json) = fetch(&site, "/feed.json").await;
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(json["items"][0]["content_html"].is_null() && json["items"][0]["content_text"].is_string());

    let first = Site::client().get(format!("{}/feed.xml", site.base)).send().await.unwrap();
    let etag = first.headers()["etag"].clone();
    let again =
        Site::client().get(format!("{}/feed.xml", site.base)).header("if-none-match", etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn the_sitemap_lists_every_public_page_with_its_last_change() {
    let site = site_with_reviews().await;
    let (kind, sitemap) = fetch(&site, "/sitemap.xml").await;
    assert!(kind.starts_with("application/xml"));
    let base = &site.base;
    for url in [
        format!("{base}/"),
        format!("{base}/reviews/night-train-1990"),
        format!("{base}/films/day-boat-1994"),
        format!("{base}/writers/eddie-editor"),
        format!("{base}/genres/comedy"),
        format!("{base}/tags/trains"),
        format!("{base}/years/1990"),
    ] {
        assert!(sitemap.contains(&format!("<loc>{url}</loc>")), "{url} in the sitemap");
    }
    assert!(!sitemap.contains("unfinished"), "drafts stay out");
    assert!(sitemap.contains("<lastmod>"));
    let (_, robots) = site.public("/robots.txt").await;
    assert!(robots.contains(&format!("Sitemap: {base}/sitemap.xml")) && robots.contains("Disallow: /admin"));
    assert_eq!(site.public("/sitemaps/1.xml").await.0, 404, "no numbered sitemaps while one file holds everything");
}

fn brotli_text(bytes: &[u8]) -> String {
    use std::io::Read;
    let mut out = String::new();
    brotli::Decompressor::new(bytes, 4096).read_to_string(&mut out).unwrap();
    out
}

#[tokio::test]
async fn pages_feeds_and_assets_are_compressed_once_for_readers_who_accept_it() {
    let site = site_with_reviews().await;
    let client = Site::client();
    let get = |path: &str, encoding: &str| {
        client.get(format!("{}{path}", site.base)).header("accept-encoding", encoding).send()
    };
    let plain = get("/reviews/night-train-1990", "identity").await.unwrap();
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_etag = plain.headers()["etag"].to_str().unwrap().to_string();
    let html = plain.text().await.unwrap();

    let br = get("/reviews/night-train-1990", "gzip, deflate, br").await.unwrap();
    assert_eq!(br.headers()["content-encoding"], "br");
    assert_eq!(br.headers()["vary"], "accept-encoding");
    let br_etag = br.headers()["etag"].to_str().unwrap().to_string();
    assert_ne!(br_etag, plain_etag, "each encoding has its own tag");
    let bytes = br.bytes().await.unwrap();
    assert!(bytes.len() < html.len() / 2, "smaller on the wire");
    assert_eq!(brotli_text(&bytes), html, "the same page once decompressed");

    let gz = get("/reviews/night-train-1990", "gzip").await.unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz.bytes().await.unwrap()[..]), &mut text)
        .unwrap();
    assert_eq!(text, html);

    let revalidated = client
        .get(format!("{}/reviews/night-train-1990", site.base))
        .header("accept-encoding", "br")
        .header("if-none-match", &br_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(revalidated.status(), 304);
    let feed = get("/feed.xml", "br").await.unwrap();
    assert_eq!(feed.headers()["content-encoding"], "br");
    assert!(brotli_text(&feed.bytes().await.unwrap()).contains("<feed xmlns=\"http://www.w3.org/2005/Atom\">"));

    let (_, home) = site.public("/").await;
    let css = &home[home.find("/static/site.").unwrap()..];
    let css = &css[..css.find('"').unwrap()];
    let response = get(css, "br").await.unwrap();
    assert_eq!(response.headers()["content-encoding"], "br");
    assert!(response.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert!(brotli_text(&response.bytes().await.unwrap()).contains("--accent"));
}

#[tokio::test]
async fn past_50000_addresses_the_sitemap_becomes_an_index_of_numbered_files() {
    let site = site_with_reviews().await;
    // 25,000 more reviews of as many films, written in bulk: each adds a review and a film page.
    let mut tx = site.state.store.begin().await.unwrap();
    sqlx::query(
        "INSERT INTO films (slug, title, year, created_at, updated_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25000) \
         SELECT 'bulk-film-' || i, 'Bulk Film ' || i, 2000, 0, 0 FROM n",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO reviews (slug, film_id, body_markdown, body_html, body_text, word_count, status, published_at, \
           created_at, updated_at) \
         SELECT 'bulk-review-' || SUBSTR(slug, 11), id, 'Text.', '<p>Text.</p>', 'Text.', 1, 'published', 1700000000, \
           1700000000, 1700000000 FROM films WHERE slug LIKE 'bulk-film-%'",
    )
    .execute(&mut *tx)
    .await
    .unwrap();
    marquee_store::content::bump(&mut tx).await.unwrap();
    tx.commit().await.unwrap();
    site.state.refresh().await.unwrap();

    let count_urls = |xml: &str| xml.matches("<url>").count();
    let (_, index) = fetch(&site, "/sitemap.xml").await;
    assert!(index.contains("<sitemapindex"), "{}", &index[..index.len().min(300)]);
    let files: Vec<String> = index
        .split("<loc>")
        .skip(1)
        .map(|s| s[..s.find("</loc>").unwrap()].strip_prefix(&site.base).unwrap().to_string())
        .collect();
    assert_eq!(files, ["/sitemaps/1.xml", "/sitemaps/2.xml"]);
    assert_eq!(index.matches("<lastmod>").count(), 2, "each file says when it last changed");
    let (kind, first) = fetch(&site, "/sitemaps/1.xml").await;
    assert!(kind.starts_with("application/xml"));
    assert_eq!(count_urls(&first), 50_000, "the protocol's limit per file");
    assert!(first.len() < 50 * 1024 * 1024, "and its size limit");
    let (_, second) = fetch(&site, "/sitemaps/2.xml").await;
    let total = count_urls(&first) + count_urls(&second);
    assert!(total > 50_000 && count_urls(&second) > 0, "{total}");
    for url in ["/reviews/bulk-review-25000", "/films/bulk-film-1", "/reviews/night-train-1990"] {
        let loc = format!("<loc>{}{url}</loc>", site.base);
        assert_eq!(first.matches(&loc).count() + second.matches(&loc).count(), 1, "{url} once");
    }
    assert_eq!(site.public("/sitemaps/3.xml").await.0, 404);
    assert_eq!(site.public("/sitemaps/0.xml").await.0, 404);
}

#[tokio::test]
async fn plain_text_in_a_feed_is_never_read_as_markup() {
    let site = support::site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    let hostile = "<script>alert(1)</script> & <b>bold</b>";
    editor
        .create_review(&[
            ("film_title", "<img src=x onerror=alert(1)>"),
            ("film_year", "2001"),
            ("headline", "<i>Headline</i>"),
            ("summary", hostile),
            ("body", "Words."),
            ("score", "7"),
            ("revision", "0"),
            ("action", "publish"),
        ])
        .await;
    for path in ["/rss.xml", "/feed.xml", "/feed.json"] {
        let (_, body) = fetch(&site, path).await;
        let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
        let entry = &feed.entries[0];
        // Whatever a reader takes for HTML (RSS descriptions, Atom and JSON Feed content) shows
        // the summary as text: its angle brackets arrive escaped.
        let summary = entry.summary.as_ref().unwrap().content.clone();
        let content = entry.content.as_ref().and_then(|c| c.body.clone()).unwrap_or_default();
        if path == "/rss.xml" {
            assert!(summary.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;"), "{path}: {summary}");
        } else {
            assert_eq!(summary.split(" Score:").next().unwrap(), hostile, "{path}: a text summary stays text");
        }
        assert!(content.contains("&lt;script&gt;") && !content.contains("<script"), "{path}: {content}");
        assert!(!content.contains("<img src=x"), "{path}: {content}");
    }
}
