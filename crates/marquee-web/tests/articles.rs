//! Articles and pages beside reviews, through the admin's editor and the public site: an article
//! about a film is written, refused while its film is not in the catalogue, published, and found
//! on its page, the home page, its film's page, its writer's and tag's pages, the feeds, search
//! and the sitemap; a page is at its own address and in the navigation, never in lists or feeds;
//! lists of reviews stay lists of reviews.

mod support;

use support::*;

/// The id an article or page save redirected to.
fn post_id(response: &reqwest::Response, base: &str) -> i64 {
    let location = response.headers()["location"].to_str().unwrap();
    let rest = location.strip_prefix(base).and_then(|r| r.strip_prefix('/')).unwrap();
    rest[..rest.find('?').unwrap_or(rest.len())].parse().unwrap()
}

#[tokio::test]
async fn an_article_about_a_film_is_written_published_and_found_everywhere_a_reader_looks() {
    let site = site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    editor
        .create_review(&[
            ("film_title", "Heat"),
            ("film_year", "1995"),
            ("body", "The diner scene."),
            ("score", "9"),
            ("tags", "crime"),
            ("action", "publish"),
        ])
        .await;

    // A film named without its year that several films have is refused, with what to do.
    editor
        .create_review(&[("film_title", "Heat"), ("film_year", "1986"), ("body", "Another Heat."), ("action", "save")])
        .await;
    let refused = editor
        .post(
            "/admin/articles/new",
            &[
                ("title", "Michael Mann’s Los Angeles"),
                ("standfirst", "A city of night and glass."),
                ("body", "## The city\n\nMann films **Los Angeles** at night."),
                ("films", "Heat"),
                ("tags", "crime, essays"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("Several films are called Heat (1986, 1995): add the year."), "{page}");
    assert!(page.contains("Mann films **Los Angeles** at night."), "the text stays in the form");

    let published = editor
        .post(
            "/admin/articles/new",
            &[
                ("title", "Michael Mann’s Los Angeles"),
                ("standfirst", "A city of night and glass."),
                ("body", "## The city\n\nMann films **Los Angeles** at night.<script>alert(1)</script>"),
                ("films", "Heat (1995)\nThief (1981)"),
                ("tags", "crime, essays"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(published.status(), 303, "{}", published.text().await.unwrap());
    let id = post_id(&published, "/admin/articles");
    site.state.refresh().await.unwrap();

    let (status, article) = site.public("/articles/michael-manns-los-angeles").await;
    assert_eq!(status, 200, "{article}");
    assert!(article.contains("<h1>Michael Mann’s Los Angeles</h1>"), "{article}");
    assert!(article.contains("A city of night and glass."));
    assert!(article.contains("<strong>Los Angeles</strong>"));
    assert!(!article.contains("<script>alert"), "the body is sanitized");
    assert!(article.contains("href=\"/films/heat-1995\""), "the film's card links to its page");
    assert!(article.contains("href=\"/films/thief-1981\""), "a film not in the catalogue was added to it");
    assert!(article.contains("\"@type\":\"Article\""), "structured data");
    assert!(article.contains("rel=\"author\" href=\"/writers/eddie-editor\""));
    assert!(article.contains("1-minute read"));
    assert!(article.contains("href=\"/tags/essays\""));

    for (path, what) in [
        ("/", "the home page"),
        ("/films/heat-1995", "the film's page"),
        ("/writers/eddie-editor", "the writer's page"),
        ("/tags/crime", "the tag's page"),
        ("/articles", "the articles"),
        ("/feed.xml", "the site's feed"),
        ("/writers/eddie-editor/feed.xml", "the writer's feed"),
        ("/tags/essays/feed.json", "the tag's feed"),
        ("/tags/essays/articles", "the tag's articles"),
        ("/writers/eddie-editor/articles", "the writer's articles"),
        ("/sitemaps/1.xml", "the sitemap"),
        ("/sitemap.xml", "the sitemap"),
        ("/search?q=glass", "search"),
    ] {
        let (status, body) = site.public(path).await;
        if path == "/sitemaps/1.xml" && status == 404 {
            continue;
        }
        assert_eq!(status, 200, "{what}: {body}");
        assert!(body.contains("/articles/michael-manns-los-angeles"), "{what} ({path}) shows the article: {body}");
    }
    let (_, found) = site.public("/search?q=glass").await;
    assert!(found.contains("<p class=\"result-kind\">Article</p>"), "named as an article in search: {found}");
    let api = Site::client().get(format!("{}/api/v1/search?q=glass", site.base)).send().await.unwrap();
    let api: serde_json::Value = serde_json::from_str(&api.text().await.unwrap()).unwrap();
    assert_eq!(api["items"][0]["kind"], "article", "{api}");

    // A second article sharing a tag is the first one's further reading.
    let second = editor
        .post(
            "/admin/articles/new",
            &[("title", "Heat at thirty"), ("body", "Still the diner."), ("tags", "crime"), ("action", "publish")],
        )
        .await;
    assert_eq!(second.status(), 303);
    site.state.refresh().await.unwrap();
    let (_, first) = site.public("/articles/michael-manns-los-angeles").await;
    let further = &first[first.find("Further reading").expect("a further reading section")..];
    assert!(further.contains("href=\"/articles/heat-at-thirty\""), "{further}");

    // Lists of reviews stay lists of reviews.
    for path in ["/years/1995", "/scores", "/genres"] {
        let (_, body) = site.public(path).await;
        assert!(!body.contains("/articles/michael-manns-los-angeles"), "{path}");
    }

    // Unpublished, it is gone from the site (and search) but kept for its writer.
    let response = editor
        .post(
            &format!("/admin/articles/{id}"),
            &[("title", "Michael Mann’s Los Angeles"), ("body", "x"), ("revision", "1"), ("action", "unpublish")],
        )
        .await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    site.state.refresh().await.unwrap();
    assert_eq!(site.public("/articles/michael-manns-los-angeles").await.0, 404);
    assert!(!site.public("/search?q=glass").await.1.contains("/articles/"));
    let feed = site.public("/feed.xml").await.1;
    assert!(
        !feed.contains("/articles/michael-manns-los-angeles") && feed.contains("/articles/heat-at-thirty"),
        "{feed}"
    );

    // Saving from an old revision is refused, never merged silently.
    let stale = editor
        .post(
            &format!("/admin/articles/{id}"),
            &[("title", "Stale"), ("body", "old"), ("revision", "1"), ("action", "save")],
        )
        .await;
    assert_eq!(stale.status(), 409);
}

#[tokio::test]
async fn a_page_is_at_its_address_and_in_the_navigation_but_not_in_lists_or_feeds() {
    let site = site().await;
    let mut owner = site.sign_in("owner@example.com").await;
    let response = owner
        .post(
            "/admin/pages/new",
            &[("title", "About"), ("body", "We write about films."), ("nav_position", "1"), ("action", "publish")],
        )
        .await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    site.state.refresh().await.unwrap();

    let (status, about) = site.public("/about").await;
    assert_eq!(status, 200, "{about}");
    assert!(about.contains("We write about films."));
    assert!(about.contains("<a href=\"/about\" aria-current=\"page\">About</a>"), "in the navigation: {about}");
    let (_, home) = site.public("/").await;
    assert!(home.contains("<a href=\"/about\" aria-current=\"false\">About</a>"), "{home}");
    for path in ["/feed.xml", "/articles", "/search?q=films"] {
        let (_, body) = site.public(path).await;
        assert!(!body.contains("We write about films"), "{path}");
    }
    // `/about/` leads to `/about`; a page may not take the name of a part of the site.
    let response = Site::client().get(format!("{}/about/", site.base)).send().await.unwrap();
    assert_eq!(response.status(), 301);
    assert_eq!(response.headers()["location"], "/about");
    let taken = owner
        .post("/admin/pages/new", &[("title", "Our films"), ("slug", "films"), ("body", "x"), ("action", "save")])
        .await;
    assert_eq!(taken.status(), 422);
    assert!(taken.text().await.unwrap().contains("/films is a part of the site already"));
    let again = owner.post("/admin/pages/new", &[("title", "About"), ("body", "Twice."), ("action", "save")]).await;
    assert_eq!(again.status(), 303, "a title another page has gets a numbered address");
    let asked = owner
        .post("/admin/pages/new", &[("title", "About us"), ("slug", "about"), ("body", "x"), ("action", "save")])
        .await;
    assert_eq!(asked.status(), 422, "an address asked for and taken is refused, not renumbered");
    assert!(asked.text().await.unwrap().contains("/about is taken: choose another address."));
    let (pages, _) =
        marquee_store::posts::list(&site.state.store, marquee_core::PostKind::Page, None, 10, 0).await.unwrap();
    assert!(pages.iter().any(|p| p.slug == "about-2"), "{pages:?}");

    // A writer's draft page is not public.
    let mut writer = site.sign_in("writer@example.com").await;
    let draft = writer.post("/admin/pages/new", &[("title", "Masthead"), ("body", "Us."), ("action", "save")]).await;
    assert_eq!(draft.status(), 303);
    assert_eq!(site.public("/masthead").await.0, 404);
    let forbidden =
        writer.post("/admin/pages/new", &[("title", "Contact"), ("body", "Write."), ("action", "publish")]).await;
    assert_eq!(forbidden.status(), 403, "a writer cannot publish");
}

#[tokio::test]
async fn the_home_page_mixes_articles_with_reviews_when_the_owner_says_so() {
    let site = site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    editor
        .create_review(&[("film_title", "Heat"), ("film_year", "1995"), ("body", "The diner."), ("action", "publish")])
        .await;
    let response = editor
        .post(
            "/admin/articles/new",
            &[("title", "Festival notes"), ("body", "Cannes, day one."), ("action", "publish")],
        )
        .await;
    assert_eq!(response.status(), 303);
    site.state.refresh().await.unwrap();
    let (_, home) = site.public("/").await;
    assert!(home.contains("id=\"articles-heading\""), "a section of their own by default: {home}");

    let mut owner = site.sign_in("owner@example.com").await;
    let settings = owner.page("/admin/settings").await;
    let mut fields: Vec<(String, String)> = vec![
        ("title".into(), input_value(&settings, "title")),
        ("accent".into(), input_value(&settings, "accent")),
        ("feed_content".into(), "full".into()),
        ("home_articles".into(), "mixed".into()),
    ];
    for (label, min) in [("Masterpiece", "9"), ("Good", "6"), ("Poor", "0")] {
        fields.push(("band_label".into(), label.into()));
        fields.push(("band_min".into(), min.into()));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let saved = owner.post("/admin/settings", &fields).await;
    assert_eq!(saved.status(), 303, "{}", saved.text().await.unwrap());
    site.state.refresh().await.unwrap();
    let (_, home) = site.public("/").await;
    assert!(!home.contains("id=\"articles-heading\""), "{home}");
    assert!(home.contains("href=\"/articles/festival-notes\""), "the article is in the list: {home}");
    assert!(home.contains("href=\"/reviews/heat-1995\""), "and so is the review");
    assert!(home.contains("<p class=\"card-note\">Article</p>"), "marked as an article");
}

#[tokio::test]
async fn the_static_export_holds_the_articles_and_pages() {
    let site = site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    editor
        .create_review(&[("film_title", "Heat"), ("film_year", "1995"), ("body", "The diner."), ("action", "publish")])
        .await;
    for (path, fields) in [
        (
            "/admin/articles/new",
            vec![("title", "Festival notes"), ("body", "Cannes, day one."), ("films", "Heat (1995)")],
        ),
        ("/admin/pages/new", vec![("title", "Contact"), ("body", "Write to us."), ("nav_position", "1")]),
    ] {
        let mut fields = fields;
        fields.push(("action", "publish"));
        let response = editor.post(path, &fields).await;
        assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    }
    site.state.refresh().await.unwrap();
    let out = site.test.dir.path().join("static");
    marquee_web::static_site::export(site.state.clone(), &out, &marquee_import::Silent).await.unwrap();
    let article = std::fs::read_to_string(out.join("articles/festival-notes/index.html")).unwrap();
    assert!(article.contains("Cannes, day one."), "{article}");
    assert!(std::fs::read_to_string(out.join("articles/index.html")).unwrap().contains("/articles/festival-notes"));
    let contact = std::fs::read_to_string(out.join("contact/index.html")).unwrap();
    assert!(contact.contains("Write to us."), "{contact}");
    let film = std::fs::read_to_string(out.join("films/heat-1995/index.html")).unwrap();
    assert!(film.contains("/articles/festival-notes"), "the film's page links to the article");
}

#[tokio::test]
async fn a_scheduled_article_publishes_itself_once_at_its_time() {
    let site = site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    let at = marquee_store::now() + 3600;
    let when = time::OffsetDateTime::from_unix_timestamp(at).unwrap();
    let local = format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        when.year(),
        u8::from(when.month()),
        when.day(),
        when.hour(),
        when.minute()
    );
    let response = editor
        .post(
            "/admin/articles/new",
            &[("title", "Coming soon"), ("body", "Next week."), ("publish_at", &local), ("action", "schedule")],
        )
        .await;
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    site.state.refresh().await.unwrap();
    assert_eq!(site.public("/articles/coming-soon").await.0, 404, "not before its time");
    let due = at - at % 60;
    let store = &site.state.store;
    assert_eq!(marquee_store::posts::publish_due(store, due - 1).await.unwrap(), 0);
    assert_eq!(marquee_store::posts::publish_due(store, due).await.unwrap(), 1);
    assert_eq!(marquee_store::posts::publish_due(store, due + 60).await.unwrap(), 0, "once");
    site.state.refresh().await.unwrap();
    assert_eq!(site.public("/articles/coming-soon").await.0, 200);
}

#[tokio::test]
async fn an_articles_revisions_are_listed_compared_and_restored() {
    let site = site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    let first = editor
        .post("/admin/articles/new", &[("title", "Drafting"), ("body", "First words."), ("action", "save")])
        .await;
    assert_eq!(first.status(), 303);
    let id = post_id(&first, "/admin/articles");
    let second = editor
        .post(
            &format!("/admin/articles/{id}"),
            &[("title", "Drafting"), ("body", "Second words."), ("revision", "1"), ("action", "save")],
        )
        .await;
    assert_eq!(second.status(), 303, "{}", second.text().await.unwrap());
    let page = editor.page(&format!("/admin/articles/{id}/revisions")).await;
    assert!(page.contains("Revisions of “Drafting”"), "{page}");
    assert!(page.contains("<del>- First words.</del>") && page.contains("<ins>+ Second words.</ins>"), "{page}");

    // Restoring the first revision makes its text the newest; a stale restore is refused.
    let restored = editor.post(&format!("/admin/articles/{id}/revisions/1/restore"), &[("revision", "2")]).await;
    assert_eq!(restored.status(), 303);
    assert!(restored.headers()["location"].to_str().unwrap().ends_with("notice=restored"));
    let post = marquee_store::posts::editable(&site.state.store, id).await.unwrap().unwrap();
    assert_eq!((post.body_markdown.as_str(), post.revision), ("First words.", 3));
    let stale = editor.post(&format!("/admin/articles/{id}/revisions/2/restore"), &[("revision", "2")]).await;
    assert!(stale.headers()["location"].to_str().unwrap().ends_with("notice=changed-meanwhile"));
    // Another writer may not look.
    let mut other = site.sign_in("other@example.com").await;
    assert_eq!(other.get(&format!("/admin/articles/{id}/revisions")).await.status(), 403);
}
