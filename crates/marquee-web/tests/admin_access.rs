//! The admin's doors through HTTP: first-run setup, sessions, roles, forged requests and
//! sign-in throttling, against a real store (SQLite, or PostgreSQL with MARQUEE_TEST_DATABASE).

mod support;

use support::{csrf_in, Browser, Site, PASSWORD};

const REVIEW: &[(&str, &str)] = &[
    ("film_title", "Night Train"),
    ("film_year", "1990"),
    ("body", "The lights go down.\n\n## The carriage\n\nFaces at windows."),
    ("score", "8.5"),
];

#[tokio::test]
async fn setup_creates_the_first_owner_once_and_never_again() {
    let test = marquee_store::testing::fresh().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let media = marquee_media::MediaStore::new(test.dir.path().join("media"));
    let config = marquee_web::WebConfig::new(base.clone());
    let state = marquee_web::AppState::new(test.store.clone(), media, config).await.unwrap();
    let code = state.setup_code().to_string();
    tokio::spawn(marquee_web::serve(listener, state, std::future::pending()));
    let mut browser =
        Browser { base, client: Site::client(), cookies: Vec::new(), csrf: String::new(), forwarded_for: None };

    let to_login = browser.get("/admin").await;
    assert_eq!(to_login.status(), 303);
    assert_eq!(to_login.headers()["location"], "/admin/login?next=%2Fadmin");
    assert!(browser.page("/admin/login").await.contains("href=\"/admin/setup\""), "the login page points to setup");

    let csrf = csrf_in(&browser.page("/admin/setup").await);
    // Without the code the server printed, nobody becomes the owner of a new site.
    for wrong in ["", "aaaa-bbbb-cccc", &code[..code.len() - 1]] {
        let refused = browser
            .post_raw(
                "/admin/setup",
                &[
                    ("csrf", &csrf),
                    ("setup_code", wrong),
                    ("name", "Mallory"),
                    ("email", "mallory@example.com"),
                    ("password", PASSWORD),
                    ("confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(refused.status(), 422, "{wrong:?}");
        assert!(refused.text().await.unwrap().contains("That is not the setup code this server printed"));
    }
    assert!(marquee_store::accounts::by_email(&test.store, "mallory@example.com").await.unwrap().is_none());
    let mismatch = browser
        .post_raw(
            "/admin/setup",
            &[
                ("csrf", &csrf),
                ("setup_code", &code),
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
                ("confirm", "other"),
            ],
        )
        .await;
    assert_eq!(mismatch.status(), 422);
    assert!(mismatch.text().await.unwrap().contains("The two passwords differ."));
    let short = browser
        .post_raw(
            "/admin/setup",
            &[
                ("csrf", &csrf),
                ("setup_code", &code),
                ("name", "Ada"),
                ("email", "ada@example.com"),
                ("password", "short"),
                ("confirm", "short"),
            ],
        )
        .await;
    assert_eq!(short.status(), 422);
    assert!(short.text().await.unwrap().contains("at least 10 characters"));

    let created = browser
        .post_raw(
            "/admin/setup",
            &[
                ("csrf", &csrf),
                ("setup_code", &code),
                ("name", "Ada"),
                ("email", "Ada@Example.com"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(created.status(), 303, "the owner is created and signed in");
    assert!(browser.page("/admin").await.contains("Ada"));
    let owner = marquee_store::accounts::by_email(&test.store, "ada@example.com").await.unwrap().unwrap();
    assert_eq!(owner.role, marquee_core::Role::Owner);
    assert!(owner.password_hash.as_deref().unwrap().starts_with("$argon2id$"), "argon2id, never the password");

    let mut stranger = Browser {
        base: browser.base.clone(),
        client: Site::client(),
        cookies: Vec::new(),
        csrf: String::new(),
        forwarded_for: None,
    };
    assert_eq!(stranger.get("/admin/setup").await.status(), 404, "setup is gone once an owner exists");
    let csrf = csrf_in(&stranger.page("/admin/login").await);
    let again = stranger
        .post_raw(
            "/admin/setup",
            &[
                ("csrf", &csrf),
                ("name", "Eve"),
                ("email", "eve@example.com"),
                ("password", PASSWORD),
                ("confirm", PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status(), 404);
    assert!(marquee_store::accounts::by_email(&test.store, "eve@example.com").await.unwrap().is_none());
}

#[tokio::test]
async fn sessions_live_in_the_database_behind_an_http_only_cookie_and_end_on_sign_out() {
    let site = support::site().await;
    let mut browser = site.anonymous().await;
    let response = browser.try_sign_in("writer@example.com", PASSWORD).await;
    let cookie = response.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("marquee_session="));
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/admin", "Max-Age="] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP sites cannot use Secure cookies");
    browser.refresh_csrf().await;

    // Another server process on the same database (or this one restarted) knows the session.
    let media = marquee_media::MediaStore::new(site.test.dir.path().join("media"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let other_base = format!("http://{}", listener.local_addr().unwrap());
    let config = marquee_web::WebConfig::new(other_base.clone());
    let restarted = marquee_web::AppState::new(site.state.store.clone(), media, config).await.unwrap();
    tokio::spawn(marquee_web::serve(listener, restarted, std::future::pending()));
    let mut elsewhere = Browser {
        base: other_base,
        client: Site::client(),
        cookies: browser.cookies.clone(),
        csrf: String::new(),
        forwarded_for: None,
    };
    assert!(elsewhere.page("/admin").await.contains("Wren Writer"));

    let out = browser.post("/admin/logout", &[]).await;
    assert_eq!(out.status(), 303);
    assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(elsewhere.get("/admin").await.status(), 303, "the session ended on every server");
}

#[tokio::test]
async fn cookies_are_secure_when_the_site_is_served_over_https() {
    let site = support::site_at(Some("https://reviews.example.com")).await;
    let mut browser = site.anonymous().await;
    let response = browser.try_sign_in("writer@example.com", PASSWORD).await;
    assert!(response.headers()["set-cookie"].to_str().unwrap().contains("; Secure"));
}

#[tokio::test]
async fn changing_a_password_ends_the_other_sessions_only() {
    let site = support::site().await;
    let mut laptop = site.sign_in("editor@example.com").await;
    let mut phone = site.sign_in("editor@example.com").await;
    let wrong = laptop
        .post(
            "/admin/account/password",
            &[("current", "not it at all"), ("password", "a new long password"), ("confirm", "a new long password")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert_eq!(phone.get("/admin").await.status(), 200, "a refused change ends nothing");
    let old_cookies = laptop.cookies.clone();
    let changed = laptop
        .post(
            "/admin/account/password",
            &[("current", PASSWORD), ("password", "a new long password"), ("confirm", "a new long password")],
        )
        .await;
    assert_eq!(changed.status(), 303);
    let renewed = changed.headers()["set-cookie"].to_str().unwrap();
    assert!(renewed.starts_with("marquee_session="), "this session takes a new token: {renewed}");
    assert_ne!(laptop.cookies, old_cookies);
    assert_eq!(laptop.get("/admin").await.status(), 200, "this session stays");
    let mut stolen = Browser { cookies: old_cookies, ..site.anonymous().await };
    assert_eq!(stolen.get("/admin").await.status(), 303, "the old token opens nothing");
    assert_eq!(phone.get("/admin").await.status(), 303, "the other session ended");
    let mut fresh = site.anonymous().await;
    assert_eq!(fresh.try_sign_in("editor@example.com", PASSWORD).await.status(), 401);
    assert_eq!(fresh.try_sign_in("editor@example.com", "a new long password").await.status(), 303);
}

#[tokio::test]
async fn each_role_is_refused_what_it_may_not_do() {
    let site = support::site().await;
    let mut owner = site.sign_in("owner@example.com").await;
    let mut editor = site.sign_in("editor@example.com").await;
    let mut writer = site.sign_in("writer@example.com").await;
    let mut other = site.sign_in("other@example.com").await;

    let own = writer.create_review(REVIEW).await;
    let editors =
        editor.create_review(&[("film_title", "Day Boat"), ("film_year", "1994"), ("body", "A ferry.")]).await;
    let published = editor
        .create_review(&[
            ("film_title", "Harbour Lights"),
            ("film_year", "1971"),
            ("body", "Fog."),
            ("action", "publish"),
        ])
        .await;
    let own_path = format!("/admin/reviews/{own}");
    let revision = |html: &str| support::input_value(html, "revision");

    // Owner-only pages.
    for path in ["/admin/settings", "/admin/users", "/admin/activity"] {
        assert_eq!(writer.get(path).await.status(), 403, "writer GET {path}");
        assert_eq!(editor.get(path).await.status(), 403, "editor GET {path}");
        assert_eq!(owner.get(path).await.status(), 200, "owner GET {path}");
    }
    assert_eq!(editor.post("/admin/settings", &[("title", "Taken"), ("accent", "#000000")]).await.status(), 403);
    assert_eq!(
        writer
            .post(
                "/admin/users",
                &[("email", "x@example.com"), ("name", "X"), ("role", "owner"), ("password", PASSWORD)]
            )
            .await
            .status(),
        403
    );
    // The catalogue is for editors.
    for path in ["/admin/films", "/admin/films/1", "/admin/people"] {
        assert_eq!(writer.get(path).await.status(), 403, "writer GET {path}");
        assert_eq!(editor.get(path).await.status(), 200, "editor GET {path}");
    }
    assert_eq!(writer.post("/admin/films/1", &[("title", "Renamed")]).await.status(), 403);

    // Writers: their own drafts only, never publishing.
    let html = writer.page(&own_path).await;
    assert!(!html.contains("value=\"publish\""), "no publish button for a writer");
    let rev = revision(&html);
    assert_eq!(
        writer
            .post(
                &own_path,
                &[
                    ("film_title", "Night Train"),
                    ("film_year", "1990"),
                    ("body", "x"),
                    ("revision", &rev),
                    ("action", "publish")
                ]
            )
            .await
            .status(),
        403
    );
    assert_eq!(
        writer
            .post(
                &own_path,
                &[
                    ("film_title", "Night Train"),
                    ("film_year", "1990"),
                    ("body", "x"),
                    ("revision", &rev),
                    ("action", "schedule"),
                    ("publish_at", "2099-01-01T10:00")
                ]
            )
            .await
            .status(),
        403
    );
    assert_eq!(other.get(&own_path).await.status(), 403, "another writer cannot open it");
    assert_eq!(
        other
            .post(&own_path, &[("film_title", "Night Train"), ("body", "mine now"), ("revision", &rev)])
            .await
            .status(),
        403
    );
    assert_eq!(other.post(&format!("{own_path}/delete"), &[]).await.status(), 403);
    assert_eq!(writer.get(&format!("/admin/reviews/{editors}")).await.status(), 403, "nor an editor's draft");
    assert_eq!(writer.get(&format!("/admin/reviews/{published}")).await.status(), 403);
    let own_list = writer.page("/admin/reviews").await;
    assert!(own_list.contains("Night Train") && !own_list.contains("Day Boat"), "writers list their own reviews");

    // A writer submits; the draft stays off the public site until an editor publishes.
    assert_eq!(
        writer
            .post(
                &own_path,
                &[
                    ("film_title", "Night Train"),
                    ("film_year", "1990"),
                    ("body", "Ready."),
                    ("revision", &rev),
                    ("action", "submit")
                ]
            )
            .await
            .status(),
        303
    );
    let rev = revision(&writer.page(&own_path).await);
    assert_eq!(
        writer
            .post(
                &own_path,
                &[
                    ("film_title", "Night Train"),
                    ("film_year", "1990"),
                    ("body", "Ready."),
                    ("revision", &rev),
                    ("action", "publish")
                ]
            )
            .await
            .status(),
        403
    );
    assert_eq!(site.public("/reviews/night-train-1990").await.0, 404, "drafts and submitted reviews are not public");
    let rev = revision(&editor.page(&own_path).await);
    assert_eq!(
        editor
            .post(
                &own_path,
                &[
                    ("film_title", "Night Train"),
                    ("film_year", "1990"),
                    ("body", "Ready."),
                    ("revision", &rev),
                    ("action", "publish")
                ]
            )
            .await
            .status(),
        303
    );
    assert_eq!(site.public("/reviews/night-train-1990").await.0, 200);
    // Published, it is no longer the writer's to change or delete.
    let rev = revision(&editor.page(&own_path).await);
    assert_eq!(
        writer
            .post(
                &own_path,
                &[("film_title", "Night Train"), ("film_year", "1990"), ("body", "Sneaky edit."), ("revision", &rev)]
            )
            .await
            .status(),
        403
    );
    assert_eq!(writer.post(&format!("{own_path}/delete"), &[]).await.status(), 403);
    assert_eq!(editor.post(&format!("/admin/reviews/{editors}/delete"), &[]).await.status(), 303, "editors delete");
    assert_eq!(owner.page("/admin/activity").await.matches("review.published").count(), 2);
}

#[tokio::test]
async fn forged_and_cross_site_requests_are_refused_and_change_nothing() {
    let site = support::site().await;
    let mut owner = site.sign_in("owner@example.com").await;
    let editor = site.sign_in("editor@example.com").await;
    let settings =
        [("title", "Hijacked"), ("description", "x"), ("accent", "#000000"), ("band_label", "All"), ("band_min", "0")];

    let no_token = owner.post_raw("/admin/settings", &settings).await;
    assert_eq!(no_token.status(), 403);
    assert!(no_token.text().await.unwrap().contains("expired or was sent from another site"));
    let mut wrong = vec![("csrf", "0".repeat(64))];
    wrong.extend(settings.iter().map(|(k, v)| (*k, v.to_string())));
    let wrong: Vec<(&str, &str)> = wrong.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(owner.post_raw("/admin/settings", &wrong).await.status(), 403, "a made-up token");
    let mut borrowed = vec![("csrf", editor.csrf.as_str())];
    borrowed.extend_from_slice(&settings);
    assert_eq!(owner.post_raw("/admin/settings", &borrowed).await.status(), 403, "another session's token");

    let mut with_token = vec![("csrf", owner.csrf.as_str())];
    with_token.extend_from_slice(&settings);
    let cookie = owner.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ");
    let cross_origin = Site::client()
        .post(format!("{}/admin/settings", site.base))
        .header("cookie", &cookie)
        .header("origin", "https://evil.example")
        .form(&with_token)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_origin.status(), 403, "a foreign Origin");
    let cross_site = Site::client()
        .post(format!("{}/admin/settings", site.base))
        .header("cookie", &cookie)
        .header("sec-fetch-site", "cross-site")
        .form(&with_token)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403, "Sec-Fetch-Site: cross-site");
    let multipart_forged = owner
        .client
        .post(format!("{}/admin/reviews/new", site.base))
        .header("cookie", &cookie)
        .multipart(reqwest::multipart::Form::new().text("film_title", "Forged").text("body", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(multipart_forged.status(), 403, "a multipart form without the token");

    // A login form posted from elsewhere (no form cookie) is refused too.
    let login = Site::client()
        .post(format!("{}/admin/login", site.base))
        .form(&[("csrf", "whatever"), ("email", "owner@example.com"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 403);

    assert_ne!(site.state.site().title, "Hijacked");
    assert_eq!(marquee_store::settings::all(&site.state.store).await.unwrap().get("title"), None);
    assert_eq!(marquee_store::revisions::list(&site.state.store, None, None, 10, 0).await.unwrap().1, 0);
    // The real form still works.
    assert_eq!(owner.post("/admin/settings", &settings).await.status(), 303);
    assert_eq!(site.state.site().title, "Hijacked");
}

/// A site that believes the loopback proxy's `X-Forwarded-For`, so tests can sign in from
/// several addresses.
async fn site_behind_a_proxy() -> Site {
    support::site_with(|config| config.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await
}

#[tokio::test]
async fn sign_in_is_throttled_per_account_and_address_and_per_address_without_revealing_accounts() {
    let site = site_behind_a_proxy().await;
    let mut attacker = site.anonymous_from("203.0.113.7").await;
    let unknown = attacker.try_sign_in("nobody@example.com", PASSWORD).await;
    let (unknown_status, unknown_text) = (unknown.status(), unknown.text().await.unwrap());
    let wrong = attacker.try_sign_in("writer@example.com", "not the password").await;
    let (wrong_status, wrong_text) = (wrong.status(), wrong.text().await.unwrap());
    assert_eq!(unknown_status, 401);
    assert_eq!(unknown_status, wrong_status, "the same answer for an unknown account");
    assert!(unknown_text.contains("The email or password is incorrect."));
    assert!(wrong_text.contains("The email or password is incorrect."));

    for _ in 0..4 {
        assert_eq!(attacker.try_sign_in("writer@example.com", "still wrong").await.status(), 401);
    }
    let held = attacker.try_sign_in("writer@example.com", PASSWORD).await;
    assert_eq!(held.status(), 429, "five failures hold the account back from that address, right password or not");
    let retry: i64 = held.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((60..=900).contains(&retry), "Retry-After: {retry}");
    assert!(held
        .text()
        .await
        .unwrap()
        .contains("Too many failed sign-ins for this account from your network address."));
    let unknown_held = {
        for _ in 0..5 {
            attacker.try_sign_in("ghost@example.com", "wrong").await;
        }
        attacker.try_sign_in("ghost@example.com", "wrong").await
    };
    let status = unknown_held.status();
    assert_eq!(status, 429, "unknown accounts are held alike: {}", unknown_held.text().await.unwrap());

    // The account's own member, from their own address, is not locked out by the attacker.
    let mut writer = site.anonymous_from("198.51.100.20").await;
    assert_eq!(writer.try_sign_in("writer@example.com", PASSWORD).await.status(), 303, "the writer gets in");

    // Twenty attempts from one address hold that address back, whatever the account ...
    for n in 0..9 {
        attacker.try_sign_in(&format!("spray{n}@example.com"), "wrong").await;
    }
    let by_address = attacker.try_sign_in("owner@example.com", PASSWORD).await;
    assert_eq!(by_address.status(), 429);
    assert!(by_address.text().await.unwrap().contains("from your network address"));
    // ... and no one else: the owner at another address behind no such history gets in.
    let mut owner = site.anonymous_from("192.0.2.10").await;
    assert_eq!(owner.try_sign_in("owner@example.com", PASSWORD).await.status(), 303);
}

#[tokio::test]
async fn an_account_tried_from_everywhere_is_slowed_down_never_locked() {
    let site = site_behind_a_proxy().await;
    // Fifteen wrong passwords for the owner from three addresses: each address is now held back
    // for this account, and the account is slowed down everywhere.
    for address in ["203.0.113.1", "203.0.113.2", "203.0.113.3"] {
        let mut attacker = site.anonymous_from(address).await;
        for _ in 0..5 {
            assert_eq!(attacker.try_sign_in("owner@example.com", "guess").await.status(), 401);
        }
        assert_eq!(attacker.try_sign_in("owner@example.com", PASSWORD).await.status(), 429);
    }
    let mut owner = site.anonymous_from("192.0.2.99").await;
    assert_eq!(owner.try_sign_in("owner@example.com", PASSWORD).await.status(), 303, "the owner still gets in");
    let mut wrong = site.anonymous_from("192.0.2.98").await;
    assert_eq!(wrong.try_sign_in("owner@example.com", "guess").await.status(), 401, "slowed, not refused");
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_much_it_is_used() {
    let site = support::site().await;
    let mut writer = site.sign_in("writer@example.com").await;
    assert_eq!(writer.get("/admin").await.status(), 200);
    // Signed in 29 days ago and used every day since: still on.
    let pool = site.state.store.pool();
    let back = "UPDATE sessions SET created_at = created_at - $1";
    sqlx::query(back).bind(29 * 24 * 3600_i64).execute(pool).await.unwrap();
    assert_eq!(writer.get("/admin").await.status(), 200);
    sqlx::query(back).bind(2 * 24 * 3600_i64).execute(pool).await.unwrap();
    assert_eq!(writer.get("/admin").await.status(), 303, "past 30 days from sign-in, the session is over");
}

#[tokio::test]
async fn a_change_of_role_gives_the_members_sessions_new_tokens() {
    let site = support::site().await;
    let mut owner = site.sign_in("owner@example.com").await;
    let mut writer = site.sign_in("writer@example.com").await;
    let before = writer.cookies.clone();
    let writer_id =
        marquee_store::accounts::by_email(&site.state.store, "writer@example.com").await.unwrap().unwrap().id;
    assert_eq!(owner.post(&format!("/admin/users/{writer_id}"), &[("role", "editor")]).await.status(), 303);
    let next = writer.get("/admin").await;
    assert_eq!(next.status(), 200, "the member goes on");
    let renewed = next.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(renewed.starts_with("marquee_session="), "{renewed}");
    assert_ne!(writer.cookies, before);
    let mut stolen = Browser { cookies: before, ..site.anonymous().await };
    assert_eq!(stolen.get("/admin").await.status(), 303, "the token from before the change opens nothing");
    writer.refresh_csrf().await;
    assert_eq!(writer.get("/admin").await.status(), 200);
}

#[tokio::test]
async fn admin_pages_carry_the_security_headers_and_are_never_cached() {
    let site = support::site().await;
    let mut owner = site.sign_in("owner@example.com").await;
    for path in ["/admin", "/admin/login", "/admin/reviews/new", "/admin/settings"] {
        let response = owner.get(path).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["cache-control"], "no-store", "{path}");
        let html = response.text().await.unwrap();
        assert!(!html.contains("<script>") && !html.contains(" onclick="), "{path}: no inline script");
    }
}

#[tokio::test]
async fn the_command_line_and_the_owner_manage_accounts() {
    let site = support::site().await;
    let mut owner = site.sign_in("owner@example.com").await;
    let added = owner
        .post(
            "/admin/users",
            &[
                ("email", "New@Example.com"),
                ("name", "Nia New"),
                ("role", "editor"),
                ("password", "a long first password"),
            ],
        )
        .await;
    assert_eq!(added.status(), 303);
    let duplicate = owner
        .post(
            "/admin/users",
            &[
                ("email", "new@example.com"),
                ("name", "Nia Again"),
                ("role", "writer"),
                ("password", "a long first password"),
            ],
        )
        .await;
    assert_eq!(duplicate.status(), 422);
    assert!(duplicate.text().await.unwrap().contains("already exists"));
    let nia = marquee_store::accounts::by_email(&site.state.store, "new@example.com").await.unwrap().unwrap();
    let mut nia_browser = site.anonymous().await;
    assert_eq!(nia_browser.try_sign_in("new@example.com", "a long first password").await.status(), 303);

    // Disabling signs them out and keeps them out.
    assert_eq!(
        owner.post(&format!("/admin/users/{}", nia.id), &[("role", "editor"), ("disabled", "1")]).await.status(),
        303
    );
    assert_eq!(nia_browser.get("/admin").await.status(), 303);
    assert_eq!(nia_browser.try_sign_in("new@example.com", "a long first password").await.status(), 401);

    // The last owner cannot be demoted.
    let me = marquee_store::accounts::by_email(&site.state.store, "owner@example.com").await.unwrap().unwrap();
    let demote = owner.post(&format!("/admin/users/{}", me.id), &[("role", "writer")]).await;
    assert_eq!(demote.status(), 422);
    assert!(demote.text().await.unwrap().contains("at least one owner"));
    let activity = owner.page("/admin/activity").await;
    assert!(activity.contains("user.added") && activity.contains("user.changed"));
}
