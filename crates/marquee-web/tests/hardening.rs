//! What a stranger can learn or cost the site through its public doors: operational endpoints,
//! transport security, addresses that should not exist, numbers out of range. Each through real
//! HTTP against a served store.

mod support;

use marquee_web::MetricsAccess;

#[tokio::test]
async fn metrics_answer_only_this_machine_unless_the_operator_opens_them() {
    let site = support::site().await;
    let client = support::Site::client();
    let metrics = format!("{}/metrics", site.base);
    let direct = client.get(&metrics).send().await.unwrap();
    assert_eq!(direct.status(), 200, "a client on this machine reads them");
    for (header, value) in
        [("x-forwarded-for", "203.0.113.5"), ("forwarded", "for=203.0.113.5"), ("x-real-ip", "1.2.3.4")]
    {
        let proxied = client.get(&metrics).header(header, value).send().await.unwrap();
        assert_eq!(proxied.status(), 404, "through a proxy ({header}) they do not exist");
        assert!(!proxied.text().await.unwrap().contains("marquee_http_requests_total"));
    }

    let open = support::site_with(|config| config.metrics = MetricsAccess::Public).await;
    let proxied = client.get(format!("{}/metrics", open.base)).header("x-forwarded-for", "203.0.113.5").send().await;
    assert_eq!(proxied.unwrap().status(), 200, "opened by the operator, anyone reads them");

    let separate = support::site_with(|config| config.metrics = MetricsAccess::Off).await;
    assert_eq!(client.get(format!("{}/metrics", separate.base)).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn an_https_site_asks_browsers_to_keep_to_https() {
    let https = support::site_with(|config| config.base_url = "https://reviews.example".into()).await;
    let client = support::Site::client();
    for path in ["/", "/admin/login", "/nope"] {
        let response = client.get(format!("{}{path}", https.base)).send().await.unwrap();
        assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000", "{path}");
    }
    let off = support::site_with(|config| {
        config.base_url = "https://reviews.example".into();
        config.hsts_max_age = 0;
    })
    .await;
    let response = client.get(format!("{}/", off.base)).send().await.unwrap();
    assert!(!response.headers().contains_key("strict-transport-security"));
    let plain = support::site().await;
    let response = client.get(format!("{}/", plain.base)).send().await.unwrap();
    assert!(!response.headers().contains_key("strict-transport-security"), "never over plain http");
}

/// Sends a request's head alone and returns the first bytes of the answer: a server that reads
/// the body before refusing it never answers.
async fn answer_to_head(base: &str, head: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut bytes = vec![0; 2048];
    let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read(&mut bytes)).await;
    let n = read.map(|r| r.unwrap_or(0)).unwrap_or(0);
    String::from_utf8_lossy(&bytes[..n]).to_string()
}

/// The head of an import upload from `browser`'s session, declaring `length` bytes.
fn import_head(browser: &support::Browser, length: u64) -> String {
    let cookies = browser.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    format!(
        "POST /admin/import HTTP/1.1\r\nHost: localhost\r\nCookie: {cookies}\r\n\
         Content-Type: multipart/form-data; boundary=x\r\nContent-Length: {length}\r\n\r\n"
    )
}

#[tokio::test]
async fn a_writer_cannot_upload_gigabytes_to_the_import_form() {
    let site = support::site().await;
    let writer = site.sign_in("writer@example.com").await;
    let answer = answer_to_head(&site.base, &import_head(&writer, 4 * 1024 * 1024 * 1024)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "a writer's upload is a Letterboxd export, a few MB: {answer:?}");
    let editor = site.sign_in("editor@example.com").await;
    let answer = answer_to_head(&site.base, &import_head(&editor, 5_000_000_000)).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "past the largest import anyone may send: {answer:?}");
}

#[tokio::test]
async fn sitemap_files_past_the_end_are_refused_without_listing_the_site_again() {
    let site = support::site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    editor
        .create_review(&[
            ("film_title", "Heat"),
            ("film_year", "1995"),
            ("body", "B"),
            ("revision", "0"),
            ("action", "publish"),
        ])
        .await;
    site.state.refresh().await.unwrap();
    assert_eq!(site.public("/sitemap.xml").await.0, 200);
    // With the store gone, only an answer that needs no reading can be given.
    site.state.store.close().await;
    assert_eq!(site.public("/sitemaps/2.xml").await.0, 404);
    assert_eq!(site.public("/sitemaps/9223372036854775807.xml").await.0, 404);
}

#[tokio::test]
async fn members_without_a_public_page_are_not_known_to_readers() {
    let site = support::site().await;
    let mut writer = site.sign_in("writer@example.com").await;
    writer
        .create_review(&[("film_title", "Unfinished"), ("film_year", "2020"), ("body", "Draft."), ("revision", "0")])
        .await;
    for slug in ["wren-writer", "otto-other"] {
        for path in ["", "/feed.xml", "/rss.xml", "/feed.json"] {
            assert_eq!(site.public(&format!("/writers/{slug}{path}")).await.0, 404, "/writers/{slug}{path}");
        }
        let (status, body) = site.public(&format!("/api/v1/writers/{slug}/reviews")).await;
        assert_eq!(status, 404, "{body}");
        assert!(!body.contains("Wren") && !body.contains("Otto"), "{body}");
    }
    let mut editor = site.sign_in("editor@example.com").await;
    editor
        .create_review(&[
            ("film_title", "Out"),
            ("film_year", "2021"),
            ("body", "B"),
            ("revision", "0"),
            ("action", "publish"),
        ])
        .await;
    site.state.refresh().await.unwrap();
    for path in ["/writers/eddie-editor", "/writers/eddie-editor/feed.xml", "/api/v1/writers/eddie-editor/reviews"] {
        assert_eq!(site.public(path).await.0, 200, "{path}");
    }
}

#[tokio::test]
async fn page_numbers_out_of_range_are_not_found_never_wrapped() {
    let site = support::site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    editor
        .create_review(&[
            ("film_title", "Heat Film"),
            ("film_year", "1995"),
            ("body", "A film."),
            ("revision", "0"),
            ("action", "publish"),
        ])
        .await;
    site.state.refresh().await.unwrap();
    let huge = ["9223372036854775807", "9223372036854775808", "4611686018427387904", "1000001", "0", "-3", "1e3"];
    for page in huge {
        for path in ["/", "/years/1995", "/lists", "/search?q=film&"] {
            let separator = if path.ends_with('&') { "" } else { "?" };
            let address = format!("{path}{separator}page={page}");
            let (status, html) = site.public(&address).await;
            assert_eq!(status, 404, "{address}");
            assert!(!html.contains("Heat Film"), "{address} shows no results");
        }
        let admin = editor.get(&format!("/admin/reviews?page={page}")).await;
        assert_eq!(admin.status(), 200, "the admin's lists fall back to their first page");
    }
    let (status, html) = site.public("/search?q=film&page=2").await;
    assert_eq!(status, 200, "a page past the results, in range, is an empty page");
    assert!(!html.contains("Heat Film"));
}

#[tokio::test]
async fn addresses_ending_in_a_slash_are_sent_for_good_to_the_address_without_it() {
    let site = support::site().await;
    let client = support::Site::client();
    for (asked, sent) in [
        ("/years/2009/", "/years/2009"),
        ("/reviews/heat-1995//", "/reviews/heat-1995"),
        ("/genres/drama/?page=2", "/genres/drama?page=2"),
        ("/feed.xml/", "/feed.xml"),
    ] {
        let response = client.get(format!("{}{asked}", site.base)).send().await.unwrap();
        assert_eq!(response.status(), 301, "{asked}");
        assert_eq!(response.headers()["location"], sent, "{asked}");
    }
    assert_eq!(client.get(format!("{}/", site.base)).send().await.unwrap().status(), 200, "the home page stays");
    let posted = client.post(format!("{}/years/2009/", site.base)).send().await.unwrap();
    assert_eq!(posted.status(), 404, "only reading is sent on");
    let scheme_relative = client.get(format!("{}//evil.example/", site.base)).send().await.unwrap();
    assert_ne!(scheme_relative.status(), 301, "never a redirect to another site");
}
