//! The JSON API through HTTP on a real store: tokens made in the admin, reads with cursors and
//! ETags, writes with roles and revisions, the diary, and problem+json errors.

mod support;

use marquee_store::tokens::Scope;
use serde_json::{json, Value};
use support::*;

struct Api {
    base: String,
    client: reqwest::Client,
}

struct Answer {
    status: u16,
    content_type: String,
    headers: reqwest::header::HeaderMap,
    json: Value,
}

impl Api {
    fn new(site: &Site) -> Api {
        Api { base: site.base.clone(), client: Site::client() }
    }

    async fn send(&self, method: &str, path: &str, token: Option<&str>, body: Option<Value>) -> Answer {
        let url = format!("{}{path}", self.base);
        let mut request = self.client.request(method.parse().unwrap(), url);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let content_type = headers.get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
        let text = response.text().await.unwrap();
        let json =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        Answer { status, content_type, headers, json }
    }

    async fn get(&self, path: &str) -> Answer {
        self.send("GET", path, None, None).await
    }
}

/// A token for the user with this email, made the way the admin makes them.
async fn token(site: &Site, email: &str, scope: Scope) -> String {
    let user = marquee_store::accounts::by_email(&site.state.store, email).await.unwrap().unwrap();
    let name = marquee_changes::accounts::TokenName::parse("test").unwrap();
    let asker = marquee_changes::accounts::Asker::CommandLine;
    marquee_changes::accounts::create_token(&site.state.desk, asker, user.id, &name, scope).await.unwrap().secret
}

fn review(title: &str, year: i64, status: &str) -> Value {
    json!({
        "film": {"title": title, "year": year, "runtime_minutes": 101, "directors": ["Ada Moreau"], "cast": ["Lev Orlov", "Mina Sato"], "genres": ["Drama"]},
        "headline": format!("On {title}"),
        "body": format!("A review of *{title}*, about trains and station clocks."),
        "summary": "Short and sharp.",
        "score": 7.5,
        "tags": ["trains"],
        "status": status,
    })
}

fn assert_problem(answer: &Answer, status: u16) {
    assert_eq!(answer.status, status, "{}", answer.json);
    assert_eq!(answer.content_type, "application/problem+json", "{}", answer.json);
    assert_eq!(answer.json["status"], status);
    assert!(answer.json["title"].is_string() && answer.json["detail"].is_string(), "{}", answer.json);
}

fn field_errors(answer: &Answer) -> Vec<String> {
    answer.json["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn tokens_are_made_in_the_admin_shown_once_stored_hashed_and_revocable() {
    let site = site().await;
    let api = Api::new(&site);
    let mut writer = site.sign_in("writer@example.com").await;
    let response = writer.post("/admin/account/tokens", &[("name", "My script"), ("scope", "read")]).await;
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    let secret = input_value(&html, "new-token");
    assert!(secret.starts_with("mq_") && secret.len() == 67, "{secret}");
    let listed = writer.page("/admin/account/tokens").await;
    assert!(!listed.contains(&secret), "the secret is shown once only");
    assert!(listed.contains(&secret[..9]) && listed.contains("My script"));

    // Only the SHA-256 of the secret is stored.
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT token_hash, hint FROM api_tokens").fetch_all(site.state.store.pool()).await.unwrap();
    assert_eq!(stored, vec![(marquee_web::auth::token_hash(&secret), secret[..9].to_string())]);

    // Read scope reads the user's own diary but writes nothing.
    assert_eq!(api.send("GET", "/api/v1/diary", Some(&secret), None).await.status, 200);
    let entry = json!({"film_title": "Night Train", "film_year": 1990, "watched_on": "2024-05-01"});
    assert_problem(&api.send("POST", "/api/v1/diary", Some(&secret), Some(entry.clone())).await, 403);

    // No token, a made-up token, a malformed header: 401 with a Bearer challenge.
    let none = api.send("POST", "/api/v1/diary", None, Some(entry.clone())).await;
    assert_problem(&none, 401);
    assert_eq!(none.headers["www-authenticate"], "Bearer");
    assert_problem(&api.send("GET", "/api/v1/diary", Some("mq_made_up"), None).await, 401);
    let basic = api.client.get(format!("{}/api/v1/reviews", site.base)).header("authorization", "Basic eDp5");
    assert_eq!(basic.send().await.unwrap().status(), 401, "a token that cannot be read is refused, not ignored");

    // Someone else cannot revoke it; its owner can, and then it stops working at once.
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_tokens").fetch_one(site.state.store.pool()).await.unwrap();
    let mut other = site.sign_in("other@example.com").await;
    other.post(&format!("/admin/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(api.send("GET", "/api/v1/diary", Some(&secret), None).await.status, 200);
    let revoked = writer.post(&format!("/admin/account/tokens/{id}/revoke"), &[]).await;
    assert_eq!(revoked.status(), 303);
    assert_problem(&api.send("GET", "/api/v1/diary", Some(&secret), None).await, 401);
    assert!(writer.page("/admin/account/tokens").await.contains("Revoked"));

    // A disabled account's tokens stop working too.
    let editor_token = token(&site, "editor@example.com", Scope::Write).await;
    assert_eq!(api.send("GET", "/api/v1/diary", Some(&editor_token), None).await.status, 200);
    let editor = marquee_store::accounts::by_email(&site.state.store, "editor@example.com").await.unwrap().unwrap();
    let mut tx = site.state.store.begin().await.unwrap();
    marquee_store::accounts::set_role(&mut tx, editor.id, editor.role, true).await.unwrap();
    tx.commit().await.unwrap();
    assert_problem(&api.send("GET", "/api/v1/diary", Some(&editor_token), None).await, 401);

    // A bad form names its field and keeps the page.
    let refused = writer.post("/admin/account/tokens", &[("name", ""), ("scope", "admin")]).await;
    assert_eq!(refused.status(), 422);
}

#[tokio::test]
async fn reads_page_by_stable_cursors_with_etags_and_problem_errors() {
    let site = site().await;
    let api = Api::new(&site);
    let editor = token(&site, "editor@example.com", Scope::Write).await;
    // Seven published reviews, each dated a day apart through `publish_at`.
    for i in 0..7 {
        let mut body = review(&format!("Station {i}"), 1990 + i, "published");
        body["publish_at"] = json!(format!("2024-03-{:02}T12:00:00Z", 10 + i));
        let saved = api.send("POST", "/api/v1/reviews", Some(&editor), Some(body)).await;
        assert_eq!(saved.status, 201, "{}", saved.json);
        assert_eq!(saved.json["status"], "published");
        assert!(saved.headers["location"].to_str().unwrap().starts_with("/api/v1/reviews/"));
    }

    // Newest first, three at a time; a review published between pages does not shift them.
    let first = api.get("/api/v1/reviews?limit=3").await;
    assert_eq!(first.status, 200);
    let slugs = |answer: &Answer| -> Vec<String> {
        answer.json["items"].as_array().unwrap().iter().map(|i| i["slug"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(slugs(&first), ["station-6-1996", "station-5-1995", "station-4-1994"]);
    assert_eq!(first.json["items"][0]["published_at"], "2024-03-16T12:00:00Z", "publish_at dates the review");
    let newer =
        api.send("POST", "/api/v1/reviews", Some(&editor), Some(review("Late Arrival", 2001, "published"))).await;
    assert_eq!(newer.status, 201);
    let cursor = first.json["next_cursor"].as_str().unwrap();
    let second = api.get(&format!("/api/v1/reviews?limit=3&cursor={cursor}")).await;
    assert_eq!(slugs(&second), ["station-3-1993", "station-2-1992", "station-1-1991"]);
    let cursor = second.json["next_cursor"].as_str().unwrap();
    let last = api.get(&format!("/api/v1/reviews?limit=3&cursor={cursor}")).await;
    assert_eq!(slugs(&last), ["station-0-1990"]);
    assert!(last.json["next_cursor"].is_null());

    // One review whole, with its film, score and verdict; the film and its people.
    let one = api.get("/api/v1/reviews/station-3-1993").await;
    assert_eq!(one.json["film"]["title"], "Station 3");
    assert_eq!(one.json["score"], 7.5);
    assert!(one.json["verdict"].is_string());
    assert!(one.json["body_html"].as_str().unwrap().contains("<em>Station 3</em>"));
    assert_eq!(one.json["share_image"], format!("{}/reviews/station-3-1993/share.png", site.base));
    let film = api.get("/api/v1/films/station-3-1993").await;
    assert_eq!(film.json["runtime_minutes"], 101);
    assert_eq!(film.json["directors"][0]["name"], "Ada Moreau");
    assert_eq!(film.json["cast"][1]["name"], "Mina Sato");
    assert_eq!(film.json["reviews"][0]["slug"], "station-3-1993");
    let films = api.get("/api/v1/films?limit=100").await;
    assert_eq!(films.json["items"].as_array().unwrap().len(), 8);
    let person = api.get("/api/v1/people/ada-moreau").await;
    assert_eq!(person.json["reviews"].as_array().unwrap().len(), 8);
    let people = api.get("/api/v1/people?limit=1").await;
    assert_eq!(people.json["items"].as_array().unwrap().len(), 1);
    assert!(people.json["next_cursor"].is_string());

    // A published list, its films in order.
    let user = marquee_store::accounts::by_email(&site.state.store, "editor@example.com").await.unwrap().unwrap();
    let mut tx = site.state.store.begin().await.unwrap();
    let list = marquee_store::lists::ListInput {
        title: "Best stations".into(),
        description_markdown: "By *platform*.".into(),
        description_html: marquee_core::SafeHtml::from_stored("<p>By <em>platform</em>.</p>".into()),
        ranked: true,
        published: true,
    };
    let list_id = marquee_store::lists::create(&mut tx, user.id, &list).await.unwrap();
    for slug in ["station-2-1992", "station-5-1995"] {
        let film = marquee_store::films::id_by_slug(&mut tx, slug).await.unwrap().unwrap();
        marquee_store::lists::add_item(&mut tx, list_id, film, "A note").await.unwrap();
    }
    tx.commit().await.unwrap();
    let lists = api.get("/api/v1/lists").await;
    let slug = lists.json["items"][0]["slug"].as_str().unwrap().to_string();
    assert_eq!(lists.json["items"][0]["films"], 2);
    let list = api.get(&format!("/api/v1/lists/{slug}")).await;
    assert_eq!(list.json["items"][1]["film"]["slug"], "station-5-1995");
    assert_eq!((list.json["items"][1]["position"].as_i64(), list.json["ranked"].as_bool()), (Some(2), Some(true)));

    // Narrowed lists and search.
    assert_eq!(slugs(&api.get("/api/v1/years/1992/reviews").await), ["station-2-1992"]);
    assert_eq!(api.get("/api/v1/genres/drama/reviews?limit=100").await.json["items"].as_array().unwrap().len(), 8);
    assert_eq!(api.get("/api/v1/tags/trains/reviews?limit=2").await.json["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        api.get("/api/v1/writers/eddie-editor/reviews?limit=100").await.json["items"].as_array().unwrap().len(),
        8
    );
    let found = api.get("/api/v1/search?q=clocks&limit=2").await;
    assert_eq!(found.json["total"], 8);
    assert_eq!(found.json["items"][0]["kind"], "review");
    assert!(found.json["items"][0]["snippet_html"].as_str().unwrap().contains("<mark>clocks"));
    let cursor = found.json["next_cursor"].as_str().unwrap();
    let rest = api.get(&format!("/api/v1/search?q=clocks&limit=10&cursor={cursor}")).await;
    assert_eq!(rest.json["items"].as_array().unwrap().len(), 6);

    // ETags: the same read again is a 304; a change makes a new tag.
    let first = api.get("/api/v1/reviews/station-3-1993").await;
    let etag = first.headers["etag"].to_str().unwrap().to_string();
    let again = api.client.get(format!("{}/api/v1/reviews/station-3-1993", site.base)).header("if-none-match", &etag);
    assert_eq!(again.send().await.unwrap().status(), 304);
    assert_eq!(first.headers["cache-control"], "public, max-age=0, must-revalidate");
    let modified = first.headers["last-modified"].to_str().unwrap().to_string();
    let since = api.client.get(format!("{}/api/v1/reviews", site.base)).header("if-modified-since", &modified);
    assert_eq!(since.send().await.unwrap().status(), 304, "nothing changed since {modified}");

    // Errors say what went wrong, as problem+json.
    assert_problem(&api.get("/api/v1/reviews/no-such-review").await, 404);
    assert_problem(&api.get("/api/v1/reviews?limit=0").await, 400);
    assert_problem(&api.get("/api/v1/reviews?limit=ten").await, 400);
    assert_problem(&api.get("/api/v1/reviews?cursor=not-a-cursor").await, 400);
    assert_problem(&api.get("/api/v1/writers/nobody/reviews").await, 404);
    assert_problem(&api.get("/api/v1/no-such-thing").await, 404);
    assert_problem(&api.get("/api/v1/years/1066/reviews").await, 404);
}

#[tokio::test]
async fn writes_follow_roles_and_revisions_and_refuse_bad_fields_by_name() {
    let site = site().await;
    let api = Api::new(&site);
    let writer = token(&site, "writer@example.com", Scope::Write).await;
    let other = token(&site, "other@example.com", Scope::Write).await;
    let editor = token(&site, "editor@example.com", Scope::Write).await;

    // A writer may submit but not publish.
    let refused =
        api.send("POST", "/api/v1/reviews", Some(&writer), Some(review("Night Train", 1990, "published"))).await;
    assert_problem(&refused, 403);
    let submitted =
        api.send("POST", "/api/v1/reviews", Some(&writer), Some(review("Night Train", 1990, "pending"))).await;
    assert_eq!(submitted.status, 201, "{}", submitted.json);
    assert_eq!(submitted.json["status"], "pending");
    assert!(submitted.json["url"].is_null());
    let id = submitted.json["id"].as_i64().unwrap();
    assert_eq!(api.get("/api/v1/reviews/night-train-1990").await.status, 404, "not public yet");

    // Another writer cannot see it to change it.
    let path = format!("/api/v1/reviews/{id}/draft");
    assert_problem(&api.send("PUT", &path, Some(&other), Some(review("Night Train", 1990, "draft"))).await, 404);

    // Changes name the revision they were made from; a stale one is refused and changes nothing.
    let mut change = review("Night Train", 1990, "draft");
    change["headline"] = json!("Withdrawn to rework");
    change["revision"] = json!(1);
    let saved = api.send("PUT", &path, Some(&writer), Some(change.clone())).await;
    assert_eq!(saved.status, 200, "{}", saved.json);
    assert_eq!((saved.json["revision"].as_i64(), saved.json["status"].as_str()), (Some(2), Some("draft")));
    change["headline"] = json!("A stale save");
    assert_problem(&api.send("PUT", &path, Some(&writer), Some(change)).await, 409);
    let stored: String = sqlx::query_scalar("SELECT headline FROM reviews WHERE id = $1")
        .bind(id)
        .fetch_one(site.state.store.pool())
        .await
        .unwrap();
    assert_eq!(stored, "Withdrawn to rework");

    // An editor publishes it; hostile Markdown is sanitized like the editor's.
    let mut publish = review("Night Train", 1990, "published");
    publish["body"] =
        json!("Fine.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))\n\n<img src=x onerror=alert(3)>");
    publish["revision"] = json!(2);
    let published = api.send("PUT", &path, Some(&editor), Some(publish)).await;
    assert_eq!(published.status, 200, "{}", published.json);
    assert_eq!(published.json["url"], format!("{}/reviews/night-train-1990", site.base));
    let html = api.get("/api/v1/reviews/night-train-1990").await.json["body_html"].as_str().unwrap().to_string();
    assert!(!html.contains("<script") && !html.contains("javascript:") && !html.contains("onerror"), "{html}");
    assert_eq!(site.public("/reviews/night-train-1990").await.0, 200);

    // A time to come schedules instead.
    let mut later = review("Day Boat", 1994, "published");
    later["publish_at"] = json!("2999-01-01T09:00:00Z");
    let scheduled = api.send("POST", "/api/v1/reviews", Some(&editor), Some(later)).await;
    assert_eq!(scheduled.json["status"], "scheduled", "{}", scheduled.json);

    // Bad fields are named, nothing is written.
    let before: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM reviews").fetch_one(site.state.store.pool()).await.unwrap();
    let mut bad = review("Some Film", 2000, "draft");
    bad["score"] = json!(11);
    bad["watched_on"] = json!("yesterday");
    let refused = api.send("POST", "/api/v1/reviews", Some(&writer), Some(bad)).await;
    assert_problem(&refused, 422);
    assert_eq!(field_errors(&refused), ["score", "watched_on"], "every bad field is named at once");
    let mut bad = review("Some Film", 2000, "draft");
    bad["score"] = json!(11);
    bad["film"]["year"] = json!(1700);
    let refused = api.send("POST", "/api/v1/reviews", Some(&writer), Some(bad)).await;
    assert_eq!(field_errors(&refused), ["film.year", "score"]);
    let mut bad = review("Some Film", 2000, "draft");
    bad["body"] = json!("   ");
    assert_eq!(field_errors(&api.send("POST", "/api/v1/reviews", Some(&writer), Some(bad)).await), ["body"]);
    let mut unknown = review("Some Film", 2000, "draft");
    unknown["colour"] = json!("red");
    assert_problem(&api.send("POST", "/api/v1/reviews", Some(&writer), Some(unknown)).await, 422);
    let not_json =
        api.client.post(format!("{}/api/v1/reviews", site.base)).header("authorization", format!("Bearer {writer}"));
    assert_eq!(not_json.body("film=x").send().await.unwrap().status(), 415);
    let after: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM reviews").fetch_one(site.state.store.pool()).await.unwrap();
    assert_eq!(before, after);
}

#[tokio::test]
async fn diary_entries_are_logged_listed_and_deleted_by_their_owner_only() {
    let site = site().await;
    let api = Api::new(&site);
    let writer = token(&site, "writer@example.com", Scope::Write).await;
    let other = token(&site, "other@example.com", Scope::Write).await;

    // Logged at once from several clients: every one is saved.
    let mut logging = Vec::new();
    for day in 1..=8 {
        let entry = json!({
            "film_title": "Amélie", "film_year": 2001, "watched_on": format!("2024-06-{day:02}"),
            "rating": 4.5, "rewatch": day > 1, "tags": ["paris"], "review_text": "Again.",
        });
        let api = Api::new(&site);
        let writer = writer.clone();
        logging.push(tokio::spawn(async move { api.send("POST", "/api/v1/diary", Some(&writer), Some(entry)).await }));
    }
    for logged in logging {
        let answer = logged.await.unwrap();
        assert_eq!(answer.status, 201, "{}", answer.json);
        assert_eq!(answer.json["rating"], 4.5);
    }
    // Accents and case do not matter to find the film.
    let found = json!({"film_title": "amelie", "watched_on": "2024-07-01"});
    let logged = api.send("POST", "/api/v1/diary", Some(&writer), Some(found)).await;
    assert_eq!(logged.json["film"]["slug"], "amelie-2001", "{}", logged.json);

    let page = api.send("GET", "/api/v1/diary?limit=5", Some(&writer), None).await;
    assert_eq!(page.headers["cache-control"], "private, max-age=0, must-revalidate");
    let dates: Vec<&str> =
        page.json["items"].as_array().unwrap().iter().map(|e| e["watched_on"].as_str().unwrap()).collect();
    assert_eq!(dates, ["2024-07-01", "2024-06-08", "2024-06-07", "2024-06-06", "2024-06-05"]);
    let cursor = page.json["next_cursor"].as_str().unwrap();
    let rest = api.send("GET", &format!("/api/v1/diary?limit=5&cursor={cursor}"), Some(&writer), None).await;
    assert_eq!(rest.json["items"].as_array().unwrap().len(), 4);
    assert_eq!(api.send("GET", "/api/v1/diary", Some(&other), None).await.json["items"], json!([]));

    // Only the owner deletes an entry.
    let id = logged.json["id"].as_i64().unwrap();
    assert_problem(&api.send("DELETE", &format!("/api/v1/diary/{id}"), Some(&other), None).await, 404);
    assert_eq!(api.send("DELETE", &format!("/api/v1/diary/{id}"), Some(&writer), None).await.status, 204);
    assert_problem(&api.send("DELETE", &format!("/api/v1/diary/{id}"), Some(&writer), None).await, 404);

    // Ratings come in half stars; a title shared by two films needs its year.
    let half = json!({"film_title": "Amélie", "film_year": 2001, "watched_on": "2024-07-02", "rating": 4.25});
    assert_eq!(field_errors(&api.send("POST", "/api/v1/diary", Some(&writer), Some(half)).await), ["rating"]);
    let again = json!({"film_title": "Amélie", "film_year": 1950, "watched_on": "2024-07-02"});
    assert_eq!(api.send("POST", "/api/v1/diary", Some(&writer), Some(again)).await.status, 201);
    let ambiguous = json!({"film_title": "Amélie", "watched_on": "2024-07-03"});
    let refused = api.send("POST", "/api/v1/diary", Some(&writer), Some(ambiguous)).await;
    assert_problem(&refused, 409);
    assert!(refused.json["detail"].as_str().unwrap().contains("add the year"));
}

#[tokio::test]
async fn the_openapi_document_is_3_1_and_describes_every_route() {
    let site = site().await;
    let document = Api::new(&site).get("/api/v1/openapi.json").await;
    assert_eq!(document.status, 200);
    assert_eq!(document.json["openapi"], "3.1.0");
    let paths: Vec<&String> = document.json["paths"].as_object().unwrap().keys().collect();
    for path in [
        "/api/v1/reviews",
        "/api/v1/reviews/{slug}",
        "/api/v1/reviews/{id}/draft",
        "/api/v1/years/{year}/reviews",
        "/api/v1/genres/{slug}/reviews",
        "/api/v1/tags/{slug}/reviews",
        "/api/v1/writers/{slug}/reviews",
        "/api/v1/films",
        "/api/v1/films/{slug}",
        "/api/v1/people",
        "/api/v1/people/{slug}",
        "/api/v1/lists",
        "/api/v1/lists/{slug}",
        "/api/v1/search",
        "/api/v1/diary",
        "/api/v1/diary/{id}",
    ] {
        assert!(paths.iter().any(|p| *p == path), "{path} missing from {paths:?}");
    }
    assert_eq!(document.json["components"]["securitySchemes"]["token"]["scheme"], "bearer");
    let post = &document.json["paths"]["/api/v1/reviews"]["post"];
    assert_eq!(post["security"][0]["token"], json!([]));
    assert!(post["responses"]["422"]["content"]["application/problem+json"].is_object());

    // The document's bounds on what clients send are the values' own (marquee_core::values),
    // wherever a year or a runtime is asked for.
    let mut bounded = Vec::new();
    bounds_of(&document.json["paths"], &mut bounded);
    for (name, schema) in document.json["components"]["schemas"].as_object().unwrap() {
        if name.ends_with("Input") {
            bounds_of(schema, &mut bounded);
        }
    }
    let years: Vec<_> = bounded.iter().filter(|(name, ..)| name.ends_with("year")).collect();
    assert!(years.len() >= 3, "the year path parameter, a review's film and a diary entry: {bounded:?}");
    for (name, minimum, maximum) in &years {
        let (first, last) = (marquee_core::Year::FIRST, marquee_core::Year::LAST);
        assert_eq!((*minimum, *maximum), (Some(first.into()), Some(last.into())), "{name}");
    }
    let runtimes: Vec<_> = bounded.iter().filter(|(name, ..)| name.starts_with("runtime")).collect();
    assert!(!runtimes.is_empty());
    for (name, _, maximum) in runtimes {
        assert_eq!(*maximum, Some(marquee_core::Runtime::MOST), "{name}");
    }
}

/// Every whole-number property and parameter below `value` with its minimum and maximum.
fn bounds_of(value: &Value, found: &mut Vec<(String, Option<i64>, Option<i64>)>) {
    let bounds = |schema: &Value| (schema["minimum"].as_i64(), schema["maximum"].as_i64());
    let whole = |schema: &Value| {
        schema["type"] == "integer" || schema["type"].as_array().is_some_and(|t| t.contains(&json!("integer")))
    };
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(properties)) = map.get("properties") {
                for (name, schema) in properties.iter().filter(|(_, schema)| whole(schema)) {
                    let (minimum, maximum) = bounds(schema);
                    found.push((name.clone(), minimum, maximum));
                }
            }
            if let (Some(Value::String(name)), Some(schema)) = (map.get("name"), map.get("schema").filter(|s| whole(s)))
            {
                let (minimum, maximum) = bounds(schema);
                found.push((name.clone(), minimum, maximum));
            }
            map.values().for_each(|v| bounds_of(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| bounds_of(v, found)),
        _ => {}
    }
}

#[tokio::test]
async fn articles_are_written_with_a_token_and_read_by_anyone_pages_too() {
    let site = site().await;
    let api = Api::new(&site);
    let editor = token(&site, "editor@example.com", Scope::Write).await;
    let writer = token(&site, "writer@example.com", Scope::Write).await;
    let created =
        api.send("POST", "/api/v1/reviews", Some(&editor), Some(review("Night Train", 1961, "published"))).await;
    assert_eq!(created.status, 201, "{}", created.json);

    let essay = json!({
        "title": "Trains at night",
        "standfirst": "A short essay.",
        "body": "On *Night Train* and others.",
        "tags": ["trains"],
        "films": [{"title": "Night Train", "year": 1961}],
        "status": "published",
    });
    // A writer may not publish; an address another article has is a conflict.
    assert_problem(&api.send("POST", "/api/v1/articles", Some(&writer), Some(essay.clone())).await, 403);
    let mut draft = essay.clone();
    draft["status"] = json!("draft");
    draft["slug"] = json!("taken");
    assert_eq!(api.send("POST", "/api/v1/articles", Some(&writer), Some(draft.clone())).await.status, 201);
    assert_problem(&api.send("POST", "/api/v1/articles", Some(&writer), Some(draft)).await, 409);
    assert_problem(&api.send("POST", "/api/v1/articles", None, Some(essay.clone())).await, 401);

    let saved = api.send("POST", "/api/v1/articles", Some(&editor), Some(essay.clone())).await;
    assert_eq!(saved.status, 201, "{}", saved.json);
    assert_eq!(saved.json["slug"], "trains-at-night");
    assert_eq!(saved.json["status"], "published");
    site.state.refresh().await.unwrap();

    let list = api.get("/api/v1/articles").await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json["items"][0]["title"], "Trains at night");
    let one = api.get("/api/v1/articles/trains-at-night").await;
    assert_eq!(one.status, 200, "{}", one.json);
    assert_eq!(one.json["films"][0]["slug"], "night-train-1961");
    assert!(one.json["body_html"].as_str().unwrap().contains("<em>Night Train</em>"));
    assert_eq!(one.json["tags"], json!(["trains"]));

    // A change from an old revision is refused; one from the current revision is saved.
    let id = saved.json["id"].as_i64().unwrap();
    let mut stale = essay.clone();
    stale["revision"] = saved.json["revision"].clone();
    stale["body"] = json!("Changed.");
    let changed = api.send("PUT", &format!("/api/v1/articles/{id}/draft"), Some(&editor), Some(stale.clone())).await;
    assert_eq!(changed.status, 200, "{}", changed.json);
    assert_problem(&api.send("PUT", &format!("/api/v1/articles/{id}/draft"), Some(&editor), Some(stale)).await, 409);
    assert_problem(&api.get("/api/v1/pages/about").await, 404);

    // The OpenAPI document describes them.
    let document = api.get("/api/v1/openapi.json").await;
    for path in ["/api/v1/articles", "/api/v1/articles/{slug}", "/api/v1/pages/{slug}", "/api/v1/articles/{id}/draft"] {
        assert!(document.json["paths"][path].is_object(), "{path}");
    }
}
