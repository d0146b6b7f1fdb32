//! The cinephile's side through HTTP: quick logging, public diaries and the year in review,
//! lists, the watchlist, and film pages, against a real store.

mod support;

use support::Browser;

async fn log(browser: &mut Browser, fields: &[(&str, &str)]) -> reqwest::Response {
    browser.post("/admin/diary", fields).await
}

async fn make_public(browser: &mut Browser, name: &str) {
    let response = browser.post("/admin/account", &[("name", name), ("bio", ""), ("diary_public", "1")]).await;
    assert_eq!(response.status(), 303);
}

#[tokio::test]
async fn quick_logging_puts_a_film_in_the_diary_and_takes_it_off_the_watchlist() {
    let site = support::site().await;
    let mut wren = site.sign_in("writer@example.com").await;
    let page = wren.page("/admin/diary").await;
    let today = time::OffsetDateTime::now_utc().date().to_string();
    assert!(page.contains(&format!("value=\"{today}\"")), "the date is today by default");
    assert!(page.contains("autofocus"), "the title field is ready to type in");

    assert_eq!(
        wren.post("/admin/watchlist", &[("film_title", "Night Train"), ("film_year", "1990")]).await.status(),
        303
    );
    assert!(wren.page("/admin/watchlist").await.contains("Night Train (1990)"));
    let logged = log(
        &mut wren,
        &[
            ("film_title", "Night Train"),
            ("film_year", "1990"),
            ("watched_on", "2025-03-14"),
            ("rating", "7"),
            ("rewatch", "1"),
            ("liked", "1"),
            ("tags", "cinema, 35mm"),
            ("review_text", "Better on the big screen."),
            ("leave_watchlist", "1"),
        ],
    )
    .await;
    assert_eq!(logged.status(), 303);
    let diary = wren.page("/admin/diary?notice=logged").await;
    assert!(diary.contains("Logged in your diary."));
    assert!(diary.contains("Night Train (1990)") && diary.contains("★★★½") && diary.contains("3.5 stars out of 5"));
    assert!(!wren.page("/admin/watchlist").await.contains("Night Train"), "watched films leave the watchlist");

    let store = &site.state.store;
    let wren_id = marquee_store::accounts::by_email(store, "writer@example.com").await.unwrap().unwrap().id;
    let entries = marquee_store::diary::recent(store, wren_id, 10).await.unwrap();
    assert_eq!(entries.len(), 1);
    let entry = &entries[0];
    assert_eq!(entry.rating.unwrap().tenths(), 70, "3.5 stars are stored as 7.0 on the 10-point scale");
    assert!(entry.rewatch && entry.liked);
    assert_eq!(entry.tags, ["cinema", "35mm"]);

    // Without a year: the one film of that title is found; a new title creates the film.
    assert_eq!(log(&mut wren, &[("film_title", "night train"), ("watched_on", "2025-03-15")]).await.status(), 303);
    assert_eq!(
        log(
            &mut wren,
            &[("film_title", "Day Boat"), ("film_year", "1994"), ("watched_on", "2025-04-02"), ("rating", "10")]
        )
        .await
        .status(),
        303
    );
    assert_eq!(marquee_store::diary::recent(store, wren_id, 10).await.unwrap()[1].film_title, "Night Train");
    assert_eq!(
        log(&mut wren, &[("film_title", "Night Train"), ("film_year", "2011"), ("watched_on", "2025-05-01")])
            .await
            .status(),
        303
    );
    let ambiguous = log(&mut wren, &[("film_title", "Night Train"), ("watched_on", "2025-05-02")]).await;
    assert_eq!(ambiguous.status(), 422);
    assert!(ambiguous
        .text()
        .await
        .unwrap()
        .contains("Several films are called Night Train (1990, 2011): add the year."));

    let bad = log(&mut wren, &[("film_title", ""), ("watched_on", "yesterday"), ("rating", "11")]).await;
    assert_eq!(bad.status(), 422);
    let html = bad.text().await.unwrap();
    for message in [
        "Enter the film&#39;s title.",
        "is not a date: use YYYY-MM-DD.",
        "Choose a rating from half a star to five stars.",
    ] {
        assert!(html.contains(message), "{message}");
    }
}

#[tokio::test]
async fn a_public_diary_shows_months_years_ratings_rewatches_and_the_year_in_review() {
    let site = support::site().await;
    let mut editor = site.sign_in("editor@example.com").await;
    let film = marquee_store::films::FilmInput {
        slug: marquee_core::Slug::parse("harbour-lights-1971").unwrap(),
        title: "Harbour Lights".into(),
        original_title: None,
        year: Some(1971),
        release_date: None,
        runtime_minutes: Some(90),
        tagline: None,
        synopsis: None,
        poster: None,
        backdrop: None,
        imdb_id: None,
        tmdb_id: None,
        letterboxd_uri: None,
        genres: vec![],
        countries: vec![],
        languages: vec![],
        credits: vec![
            marquee_store::films::CreditInput::new(marquee_core::Department::Directing, "Ada Moreau"),
            marquee_store::films::CreditInput::new(marquee_core::Department::Cast, "Lev Orlov"),
        ],
    };
    let mut tx = site.state.store.begin().await.unwrap();
    marquee_store::films::upsert(&mut tx, &film).await.unwrap();
    tx.commit().await.unwrap();
    for (date, rating, rewatch) in [("2025-01-05", "8", ""), ("2025-01-20", "10", "1"), ("2025-02-11", "3", "")] {
        let fields = [
            ("film_title", "Harbour Lights"),
            ("film_year", "1971"),
            ("watched_on", date),
            ("rating", rating),
            ("rewatch", rewatch),
        ];
        let fields: Vec<(&str, &str)> = fields.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        assert_eq!(log(&mut editor, &fields).await.status(), 303);
    }
    assert_eq!(log(&mut editor, &[("film_title", "Untimed"), ("watched_on", "2025-03-01")]).await.status(), 303);
    assert_eq!(
        log(&mut editor, &[("film_title", "Last Year"), ("watched_on", "2024-12-31"), ("rating", "6")]).await.status(),
        303
    );

    assert_eq!(site.public("/writers/eddie-editor/diary").await.0, 404, "diaries are private until made public");
    make_public(&mut editor, "Eddie Editor").await;
    let (status, diary) = site.public("/writers/eddie-editor/diary").await;
    assert_eq!(status, 200);
    assert!(diary.contains("January 2025") && diary.contains("December 2024"), "grouped by month");
    assert!(diary.contains("★★★★★") && diary.contains("aria-label=\"5 stars out of 5\""));
    assert!(diary.contains("<span class=\"visually-hidden\"> rewatch</span>"));
    let (_, year) = site.public("/writers/eddie-editor/diary/2025").await;
    assert!(year.contains("Harbour Lights (1971)") && !year.contains("Last Year"), "a year's page holds that year");
    assert!(year.contains("href=\"/writers/eddie-editor/diary/2025/in-review\""));
    let (_, month) = site.public("/writers/eddie-editor/diary/2025/02").await;
    assert_eq!(month.matches("class=\"diary-line\"").count(), 1);
    assert_eq!(site.public("/writers/eddie-editor/diary/2025/13").await.0, 404);

    let (status, review) = site.public("/writers/eddie-editor/diary/2025/in-review").await;
    assert_eq!(status, 200);
    for part in [
        "<dt>Films watched</dt><dd>4</dd>",
        "<dt>Different films</dt><dd>2</dd>",
        "<dt>Hours watched</dt><dd>4.5</dd>",
        "<dt>First watches</dt><dd>3</dd>",
        "<dt>Rewatches</dt><dd>1</dd>",
        "Hours count the 3 films whose runtime is known.",
        "<svg role=\"img\" aria-labelledby=\"chart-title chart-desc\"",
        "<caption>Films by rating</caption>",
        "<th scope=\"row\">4 stars out of 5</th><td>1</td>",
        "<th scope=\"row\">1.5 stars out of 5</th><td>1</td>",
        "<li>Ada Moreau <span class=\"count\">3 films</span></li>",
        "<li>Lev Orlov <span class=\"count\">3 films</span></li>",
    ] {
        assert!(review.contains(part), "{part} in the year in review");
    }
    assert!(!review.contains("href=\"/people/ada-moreau\""), "no link to a person page that does not exist");
    assert_eq!(site.public("/writers/eddie-editor/diary/2023/in-review").await.0, 404);

    // The film's page shows the diary entries and the writers' average rating.
    let (status, film_page) = site.public("/films/harbour-lights-1971").await;
    assert_eq!(status, 200, "a film with public diary entries has a page");
    assert!(
        film_page.contains("In the writers’ diaries")
            && film_page.contains("by <a href=\"/writers/eddie-editor/diary\">")
    );
    assert!(film_page.contains("3.0 / 10 from 1 writer"), "the latest rating (1.5 stars) counts: {film_page}");
}

#[tokio::test]
async fn only_the_owner_of_a_diary_list_or_watchlist_changes_it() {
    let site = support::site().await;
    let mut wren = site.sign_in("writer@example.com").await;
    let mut owner = site.sign_in("owner@example.com").await;
    assert_eq!(
        log(&mut wren, &[("film_title", "Night Train"), ("watched_on", "2025-03-14"), ("review_text", "Short.")])
            .await
            .status(),
        303
    );
    let entry = marquee_store::diary::recent(&site.state.store, wren_id(&site).await, 1).await.unwrap().remove(0);
    let created = wren.post("/admin/lists", &[("title", "Trains")]).await;
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
    assert_eq!(wren.post(&format!("/admin/lists/{list}/films"), &[("film_title", "Night Train")]).await.status(), 303);

    let entry_path = format!("/admin/diary/{}", entry.id);
    let list_path = format!("/admin/lists/{list}");
    assert_eq!(owner.get(&entry_path).await.status(), 403, "not even the site's owner opens someone's diary entry");
    assert_eq!(owner.post(&entry_path, &[("film_title", "Hijack"), ("watched_on", "2025-01-01")]).await.status(), 403);
    assert_eq!(owner.post(&format!("{entry_path}/delete"), &[]).await.status(), 403);
    assert_eq!(owner.post(&format!("{entry_path}/promote"), &[]).await.status(), 403);
    assert_eq!(owner.get(&list_path).await.status(), 403);
    assert_eq!(owner.post(&list_path, &[("title", "Mine now"), ("published", "1")]).await.status(), 403);
    assert_eq!(owner.post(&format!("{list_path}/films"), &[("film_title", "Other")]).await.status(), 403);
    assert_eq!(owner.post(&format!("{list_path}/order"), &[("order", "1")]).await.status(), 403);
    assert_eq!(owner.post(&format!("{list_path}/delete"), &[]).await.status(), 403);
    assert!(!owner.page("/admin/lists").await.contains("Trains"), "lists are listed to their owner only");

    let still = marquee_store::diary::by_id(&site.state.store, entry.id).await.unwrap().unwrap();
    assert_eq!(still.film_title, "Night Train");
    assert_eq!(
        marquee_store::lists::by_id(&site.state.store, list.parse().unwrap()).await.unwrap().unwrap().title,
        "Trains"
    );

    // The writer edits and promotes their own entry; the short review becomes a draft review.
    assert_eq!(
        wren.post(
            &entry_path,
            &[
                ("film_title", "Night Train"),
                ("watched_on", "2025-03-15"),
                ("rating", "9"),
                ("review_text", "Short, then longer.")
            ]
        )
        .await
        .status(),
        303
    );
    let promoted = wren.post(&format!("{entry_path}/promote"), &[]).await;
    assert_eq!(promoted.status(), 303);
    let review_id = support::review_id(&promoted);
    let review = marquee_store::revisions::editable(&site.state.store, review_id).await.unwrap().unwrap();
    assert_eq!(review.body_markdown, "Short, then longer.");
    assert_eq!(review.score.unwrap().tenths(), 90);
    assert_eq!(review.status, marquee_core::ReviewStatus::Draft);
    assert_eq!(review.watched_on.as_deref(), Some("2025-03-15"));
    assert!(wren.page(&entry_path).await.contains(&format!("/admin/reviews/{review_id}")));
    assert_eq!(wren.post(&format!("{entry_path}/delete"), &[]).await.status(), 303);
}

async fn wren_id(site: &support::Site) -> i64 {
    marquee_store::accounts::by_email(&site.state.store, "writer@example.com").await.unwrap().unwrap().id
}

#[tokio::test]
async fn lists_keep_their_order_and_notes_and_show_once_published() {
    let site = support::site().await;
    let mut wren = site.sign_in("writer@example.com").await;
    make_public(&mut wren, "Wren Writer").await;
    let created = wren.post("/admin/lists", &[("title", "Best trains on film"), ("ranked", "1")]).await;
    assert_eq!(created.status(), 303);
    let id: i64 = created.headers()["location"]
        .to_str()
        .unwrap()
        .split('/')
        .nth(3)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let path = format!("/admin/lists/{id}");
    for (title, year, note) in
        [("Night Train", "1990", "The sleeper car."), ("Day Boat", "1994", ""), ("Steam", "1950", "Pure noise.")]
    {
        assert_eq!(
            wren.post(&format!("{path}/films"), &[("film_title", title), ("film_year", year), ("note", note)])
                .await
                .status(),
            303
        );
    }
    let ids: Vec<i64> =
        marquee_store::lists::items(&site.state.store, id).await.unwrap().iter().map(|i| i.film_id).collect();
    let titles = |store: marquee_store::Store| async move {
        marquee_store::lists::items(&store, id).await.unwrap().into_iter().map(|i| i.film_title).collect::<Vec<_>>()
    };
    assert_eq!(titles(site.state.store.clone()).await, ["Night Train", "Day Boat", "Steam"]);

    // Without JavaScript: up and down buttons.
    assert_eq!(wren.post(&format!("{path}/films/{}", ids[2]), &[("do", "up")]).await.status(), 303);
    assert_eq!(titles(site.state.store.clone()).await, ["Night Train", "Steam", "Day Boat"]);
    assert_eq!(
        wren.post(&format!("{path}/films/{}", ids[0]), &[("do", "up")]).await.status(),
        303,
        "the first stays first"
    );
    assert_eq!(titles(site.state.store.clone()).await, ["Night Train", "Steam", "Day Boat"]);
    // Dragging sends the whole order.
    let order = format!("{},{},{}", ids[1], ids[0], ids[2]);
    assert_eq!(wren.post(&format!("{path}/order"), &[("order", &order)]).await.status(), 303);
    assert_eq!(titles(site.state.store.clone()).await, ["Day Boat", "Night Train", "Steam"]);
    let partial = format!("{},{}", ids[1], ids[0]);
    assert_eq!(
        wren.post(&format!("{path}/order"), &[("order", &partial)]).await.status(),
        400,
        "an order must name every film"
    );
    assert_eq!(titles(site.state.store.clone()).await, ["Day Boat", "Night Train", "Steam"]);
    assert_eq!(
        wren.post(&format!("{path}/films/{}", ids[0]), &[("do", "note"), ("note", "The sleeper car, at night.")])
            .await
            .status(),
        303
    );
    assert_eq!(wren.post(&format!("{path}/films/{}", ids[2]), &[("do", "remove")]).await.status(), 303);

    assert_eq!(site.public("/lists/best-trains-on-film").await.0, 404, "unpublished lists are private");
    let published = wren
        .post(
            &path,
            &[
                ("title", "Best trains on film"),
                ("description", "Films *about* trains."),
                ("ranked", "1"),
                ("published", "1"),
            ],
        )
        .await;
    assert_eq!(published.status(), 303);
    let (status, page) = site.public("/lists/best-trains-on-film").await;
    assert_eq!(status, 200);
    assert!(page.contains("<em>about</em>"), "the description is Markdown");
    let day_boat = page.find("Day Boat (1994)").unwrap();
    let night_train = page.find("Night Train (1990)").unwrap();
    assert!(day_boat < night_train, "in the list's order");
    assert!(page.contains("Number 1: </span>Day Boat") && page.contains("The sleeper car, at night."));
    assert!(!page.contains("Steam"));
    assert!(site.public("/lists").await.1.contains("href=\"/lists/best-trains-on-film\""));
    let (status, film) = site.public("/films/day-boat-1994").await;
    assert_eq!(status, 200, "a film in a published list has a page");
    assert!(film.contains("In lists") && film.contains("href=\"/lists/best-trains-on-film\""));

    // The watchlist is public with the diary.
    assert_eq!(wren.post("/admin/watchlist", &[("film_title", "Steam"), ("film_year", "1950")]).await.status(), 303);
    let (status, watchlist) = site.public("/writers/wren-writer/watchlist").await;
    assert_eq!(status, 200);
    assert!(watchlist.contains("Steam (1950)"));
    let steam = ids[2];
    assert_eq!(wren.post(&format!("/admin/watchlist/{steam}/remove"), &[]).await.status(), 303);
    assert!(!site.public("/writers/wren-writer/watchlist").await.1.contains("Steam (1950)"));
}

#[tokio::test]
async fn a_films_average_rating_counts_each_writer_once() {
    let site = support::site().await;
    let mut wren = site.sign_in("writer@example.com").await;
    let mut editor = site.sign_in("editor@example.com").await;
    make_public(&mut wren, "Wren Writer").await;
    // The editor's published review scores 6.0; Wren rates it 4 stars (8.0), then 5 stars (10.0).
    editor
        .create_review(&[
            ("film_title", "Night Train"),
            ("film_year", "1990"),
            ("body", "Fine."),
            ("score", "6"),
            ("revision", "0"),
            ("action", "publish"),
        ])
        .await;
    for (date, rating) in [("2025-01-01", "8"), ("2025-02-01", "10")] {
        assert_eq!(
            log(
                &mut wren,
                &[("film_title", "Night Train"), ("film_year", "1990"), ("watched_on", date), ("rating", rating)]
            )
            .await
            .status(),
            303
        );
    }
    let (_, page) = site.public("/films/night-train-1990").await;
    assert!(page.contains("8.0 / 10 from 2 writers"), "Wren's latest (10) and the editor's review (6)");
}

#[tokio::test]
async fn titles_match_without_case_or_accents_and_private_ratings_stay_private() {
    let site = support::site().await;
    let mut wren = site.sign_in("writer@example.com").await;
    assert_eq!(
        log(
            &mut wren,
            &[
                ("film_title", "The Nights of Élodie"),
                ("film_year", "1962"),
                ("watched_on", "2025-01-01"),
                ("rating", "6")
            ]
        )
        .await
        .status(),
        303
    );
    assert_eq!(
        log(&mut wren, &[("film_title", "the nights of elodie"), ("watched_on", "2025-02-01"), ("rating", "8")])
            .await
            .status(),
        303
    );
    let entries = marquee_store::diary::recent(&site.state.store, wren_id(&site).await, 10).await.unwrap();
    assert_eq!(entries[0].film_id, entries[1].film_id, "the same film, typed without its accent, case or year");
    let suggestions = wren.page("/admin/films/suggest?q=elodie").await;
    assert!(suggestions.contains("The Nights of Élodie"), "{suggestions}");

    // A film page exists through a published list; the private diary's ratings are not shown.
    let created = wren.post("/admin/lists", &[("title", "Sixties")]).await;
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
    let added = wren
        .post(&format!("/admin/lists/{list}/films"), &[("film_title", "The Nights of Élodie"), ("film_year", "1962")])
        .await;
    assert_eq!(added.status(), 303);
    let film_id = entries[0].film_id;
    let moved = wren
        .post(&format!("/admin/lists/{list}/films/{film_id}"), &[("do", "note"), ("note", "Black and white.")])
        .await;
    assert_eq!(
        moved.headers()["location"],
        format!("/admin/lists/{list}?notice=saved#film-{film_id}"),
        "the notice before the fragment"
    );
    let publish = wren.post(&format!("/admin/lists/{list}"), &[("title", "Sixties"), ("published", "1")]).await;
    assert_eq!(publish.status(), 303);
    let (status, page) = site.public("/films/the-nights-of-elodie-1962").await;
    assert_eq!(status, 200);
    assert!(!page.contains("Average rating"), "ratings in a private diary are not public");
    assert!(!page.contains("href=\"/years/1962\""), "no link to a year page the film is not on");
    make_public(&mut wren, "Wren Writer").await;
    let (_, page) = site.public("/films/the-nights-of-elodie-1962").await;
    assert!(page.contains("8.0 / 10 from 1 writer"), "public once the diary is");

    // A film only on a watchlist has no page: the public watchlist names it without a link.
    assert_eq!(
        wren.post("/admin/watchlist", &[("film_title", "Nowhere Yet"), ("film_year", "2020")]).await.status(),
        303
    );
    let (_, watchlist) = site.public("/writers/wren-writer/watchlist").await;
    assert!(watchlist.contains("Nowhere Yet (2020)") && !watchlist.contains("href=\"/films/nowhere-yet-2020\""));
    assert_eq!(site.public("/writers/wren-writer").await.0, 200, "the list's owner link leads somewhere");
}
