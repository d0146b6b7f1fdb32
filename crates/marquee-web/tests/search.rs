//! Search through HTTP on the store's own full-text search (SQLite FTS5, or PostgreSQL with
//! MARQUEE_TEST_DATABASE=postgres): ranking, accents, typos, narrowing, pages and snippets.

mod support;

use support::{Browser, Site};

async fn publish(editor: &mut Browser, fields: &[(&str, &str)]) -> i64 {
    let mut all = fields.to_vec();
    all.extend_from_slice(&[("revision", "0"), ("action", "publish")]);
    editor.create_review(&all).await
}

async fn site_with_reviews() -> (Site, Browser) {
    let site = support::site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    publish(
        &mut editor,
        &[
            ("film_title", "Le Fabuleux Destin d'Amélie Poulain"),
            ("film_year", "2001"),
            ("film_directors", "Jean-Pierre Jeunet"),
            ("film_genres", "Comedy"),
            ("body", "A Montmartre café, a lost box of childhood treasures, and a shy waitress who meddles kindly."),
            ("score", "8.5"),
        ],
    )
    .await;
    publish(
        &mut editor,
        &[
            ("film_title", "The Shining"),
            ("film_year", "1980"),
            ("film_directors", "Stanley Kubrick"),
            ("film_genres", "Horror"),
            ("body", "The Overlook hotel in winter: a family, a typewriter, and the hedge maze."),
            ("score", "9.5"),
        ],
    )
    .await;
    publish(
        &mut editor,
        &[
            ("film_title", "Barry Lyndon"),
            ("film_year", "1975"),
            ("film_directors", "Stanley Kubrick"),
            ("film_genres", "Drama"),
            ("body", "Candlelight, duels and a slow fall. The hotel of history has no vacancies."),
            ("score", "7"),
        ],
    )
    .await;
    editor.create_review(&[("film_title", "Secret Draft"), ("body", "Hotel hotel hotel."), ("revision", "0")]).await;
    (site, editor)
}

async fn search(site: &Site, query: &str) -> String {
    let (status, html) = site.public(&format!("/search?{query}")).await;
    assert_eq!(status, 200, "/search?{query}");
    html
}

#[tokio::test]
async fn search_finds_reviews_films_and_people_without_accents_and_ranks_titles_first() {
    let (site, _) = site_with_reviews().await;
    let html = search(&site, "q=amelie").await;
    assert!(html.contains("Le Fabuleux Destin d&#39;Amélie Poulain (2001)"), "accent-insensitive: {html}");
    assert!(html.contains("href=\"/reviews/le-fabuleux-destin-d"), "{html}");
    let html = search(&site, "q=AMÉLIE+montmartre").await;
    assert!(html.contains("<mark>Montmartre</mark>"), "the matched word is marked in the snippet");

    let html = search(&site, "q=hotel").await;
    assert!(html.contains("The Shining") && html.contains("Barry Lyndon"), "both reviews mentioning a hotel");
    assert!(!html.contains("Secret Draft"), "drafts are not searchable");
    assert!(html.contains("2 results"));

    let html = search(&site, "q=kubrick").await;
    assert!(html.contains("Stanley Kubrick") && html.contains("href=\"/people/stanley-kubrick\""), "people are found");
    let html = search(&site, "q=stanly+kubrik").await;
    assert!(html.contains("showing results for “stanley kubrick”"), "a typo in a name is corrected: {html}");
    assert!(html.contains("Stanley Kubrick"));

    let html = search(&site, "q=%22%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert!(!html.contains("<script>alert"), "the query is escaped where it is shown");
    assert!(html.contains("0 results"));
    assert_ne!(
        search(&site, "q=shining").await,
        search(&site, "q=lyndon").await,
        "each query answered afresh, not from a page cache"
    );
}

#[tokio::test]
async fn search_narrows_by_decade_genre_verdict_and_person() {
    let (site, _) = site_with_reviews().await;
    let decade = search(&site, "q=hotel&year=1980s").await;
    assert!(decade.contains("The Shining") && !decade.contains("Barry Lyndon"));
    let year = search(&site, "q=hotel&year=1975").await;
    assert!(year.contains("Barry Lyndon") && !year.contains("The Shining"));
    let genre = search(&site, "q=hotel&genre=drama").await;
    assert!(genre.contains("Barry Lyndon") && !genre.contains("The Shining"));
    let band = search(&site, "q=hotel&band=masterpiece").await;
    assert!(band.contains("The Shining") && !band.contains("Barry Lyndon"));
    let person = search(&site, "q=a&person=jean-pierre-jeunet").await;
    assert!(person.contains("Amélie") && !person.contains("The Shining"));
    assert!(
        search(&site, "q=hotel&genre=drama").await.contains("selected>Drama</option>"),
        "the form keeps its choices"
    );
}

#[tokio::test]
async fn the_index_follows_publishing_unpublishing_and_deleting() {
    let (site, mut editor) = site_with_reviews().await;
    let id = publish(
        &mut editor,
        &[("film_title", "Zorns Lemma"), ("film_year", "1970"), ("body", "An alphabet of city signs.")],
    )
    .await;
    assert!(search(&site, "q=alphabet").await.contains("Zorns Lemma"), "found once published");
    let path = format!("/admin/reviews/{id}");
    let revision = support::input_value(&editor.page(&path).await, "revision");
    let back = editor
        .post(
            &path,
            &[
                ("film_title", "Zorns Lemma"),
                ("film_year", "1970"),
                ("body", "An alphabet."),
                ("revision", &revision),
                ("action", "unpublish"),
            ],
        )
        .await;
    assert_eq!(back.status(), 303);
    assert!(!search(&site, "q=alphabet").await.contains("/reviews/zorns-lemma-1970"), "gone when unpublished");
    assert_eq!(editor.post(&format!("{path}/delete"), &[]).await.status(), 303);
    assert!(
        search(&site, "q=alphabet").await.contains("0 results")
            || !search(&site, "q=alphabet").await.contains("/reviews/")
    );
}

#[tokio::test]
async fn results_come_a_page_at_a_time_and_suggestions_as_json() {
    let (site, mut editor) = site_with_reviews().await;
    for n in 0..22 {
        publish(
            &mut editor,
            &[("film_title", &format!("Lighthouse {n}")), ("film_year", "1999"), ("body", "A keeper and the beam.")],
        )
        .await;
    }
    let first = search(&site, "q=keeper").await;
    assert!(first.contains("22 results") && first.contains("Page 1 of 2"));
    assert!(
        first.contains("href=\"/search?q=keeper&#38;page=2\""),
        "the next page keeps the query: {}",
        &first[first.find("pagination").unwrap_or(0)..]
    );
    let second = search(&site, "q=keeper&page=2").await;
    assert_eq!(second.matches("class=\"search-result\"").count(), 2);

    let (status, json) = site.public("/search/suggest?q=shin").await;
    assert_eq!(status, 200);
    let labels: Vec<String> = serde_json::from_str(&json).unwrap();
    assert!(labels.iter().any(|l| l.starts_with("The Shining")), "{labels:?}");
    let (_, home) = site.public("/").await;
    assert!(
        home.contains("<form class=\"site-search\" method=\"get\" action=\"/search\" role=\"search\""),
        "a search box on every page"
    );
}

#[tokio::test]
async fn search_finds_only_what_has_a_public_page() {
    let site = support::site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    let mut writer = site.sign_in("writer@example.com").await;
    // A film known only from a draft review, one only from a private diary, one only from a
    // private list, each with a director known from nowhere else.
    editor
        .create_review(&[
            ("film_title", "Zanzibar Nocturne"),
            ("film_year", "2019"),
            ("film_directors", "Oskar Vellmann"),
            ("body", "Draft."),
            ("revision", "0"),
        ])
        .await;
    let logged = writer
        .post("/admin/diary", &[("film_title", "Quillon Harbour"), ("film_year", "2011"), ("watched_on", "2025-01-02")])
        .await;
    assert_eq!(logged.status(), 303);
    let created = writer.post("/admin/lists", &[("title", "Private")]).await;
    let list = created.headers()["location"]
        .to_str()
        .unwrap()
        .split('/')
        .nth(3)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let added = writer
        .post(&format!("/admin/lists/{list}/films"), &[("film_title", "Morrowgate"), ("film_year", "1999")])
        .await;
    assert_eq!(added.status(), 303);

    let api = |q: &str| format!("/api/v1/search?q={q}");
    for query in ["zanzibar", "nocturne", "vellmann", "quillon", "morrowgate", "zanzibur", "quilon"] {
        let html = search(&site, &format!("q={query}")).await;
        for secret in ["Zanzibar", "Vellmann", "Quillon", "Morrowgate"] {
            assert!(!html.contains(secret), "/search?q={query} shows {secret}");
        }
        let (_, suggestions) = site.public(&format!("/search/suggest?q={query}")).await;
        assert_eq!(suggestions, "[]", "/search/suggest?q={query}");
        let (_, json) = site.public(&api(query)).await;
        assert!(!json.contains("Zanzibar") && !json.contains("Quillon") && !json.contains("Morrowgate"), "{json}");
    }

    // Published, the review's film and its director are found, typos and all.
    let review = marquee_store::revisions::list(&site.state.store, None, None, 10, 0).await.unwrap().0[0].id;
    let revision = "1";
    let published = editor
        .post(
            &format!("/admin/reviews/{review}"),
            &[
                ("film_title", "Zanzibar Nocturne"),
                ("film_year", "2019"),
                ("film_directors", "Oskar Vellmann"),
                ("body", "Now out."),
                ("revision", revision),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(published.status(), 303, "{}", published.text().await.unwrap());
    site.state.refresh().await.unwrap();
    assert!(search(&site, "q=vellmann").await.contains("href=\"/people/oskar-vellmann\""));
    assert!(search(&site, "q=zanzibur").await.contains("Zanzibar Nocturne"), "the typo is corrected to a public title");
    assert!(!search(&site, "q=quillon").await.contains("Quillon"));
}

#[tokio::test]
async fn renaming_or_merging_a_person_reindexes_the_reviews_of_their_films() {
    let (site, _editor) = site_with_reviews().await;
    let store = &site.state.store;
    let kubrick = marquee_store::people::by_slug(store, "stanley-kubrick").await.unwrap().unwrap();
    let mut tx = store.begin().await.unwrap();
    marquee_store::people::update(&mut tx, kubrick.id, "Stanley Kubrik Corrected", None).await.unwrap();
    tx.commit().await.unwrap();
    site.state.refresh().await.unwrap();
    let found = search(&site, "q=corrected").await;
    assert!(found.contains("/reviews/the-shining-1980"), "the review carries the new name: {found}");

    // Merged into another person, the credits' new name is found through the review too.
    let mut tx = store.begin().await.unwrap();
    let other = marquee_store::people::ensure(&mut tx, "Stan Kubrickson").await.unwrap();
    marquee_store::people::merge(&mut tx, kubrick.id, other).await.unwrap();
    tx.commit().await.unwrap();
    site.state.refresh().await.unwrap();
    let found = search(&site, "q=corrected").await;
    assert!(!found.contains("/reviews/the-shining-1980"), "the old name is gone: {found}");
    assert!(search(&site, "q=kubrickson").await.contains("/reviews/the-shining-1980"));
}
