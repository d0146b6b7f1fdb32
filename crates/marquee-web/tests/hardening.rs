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
