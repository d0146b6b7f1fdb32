//! Deliveries to the fediverse wait in the database: a follower's server that is down when
//! Marquee answers its follow gets the Accept after Marquee restarts, once it is up, and exactly
//! once although two servers share the database. Runs on the test backend (PostgreSQL with
//! MARQUEE_TEST_DATABASE=postgres, else one shared SQLite file).

mod support;

use axum::http::StatusCode;
use marquee_federation::keys::{self, PrivateKey};
use marquee_federation::signature;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use support::{eventually, shared_database, Server};

#[tokio::test(flavor = "multi_thread")]
async fn an_accept_for_a_peer_that_was_down_arrives_once_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _db) = shared_database(dir.path()).await;
    let data = dir.path().join("data");
    let allow = [("MARQUEE_FEDERATION_ALLOW_PRIVATE".to_string(), "1".to_string())];

    // The follower's server: its actor document always answers; its inbox is down at first.
    let (public, private) = keys::generate().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let peer = format!("http://{}", listener.local_addr().unwrap());
    let actor = json!({
        "id": format!("{peer}/actor"), "type": "Person", "preferredUsername": "wren", "inbox": format!("{peer}/inbox"),
        "publicKey": { "id": format!("{peer}/actor#main-key"), "owner": format!("{peer}/actor"), "publicKeyPem": public },
    });
    let up = Arc::new(AtomicBool::new(false));
    let received: Arc<Mutex<Vec<Value>>> = Arc::default();
    let (inbox_up, inbox_received) = (up.clone(), received.clone());
    let app = axum::Router::new()
        .route(
            "/actor",
            axum::routing::get(move || {
                let actor = actor.clone();
                async move { ([("content-type", "application/activity+json")], actor.to_string()) }
            }),
        )
        .route(
            "/inbox",
            axum::routing::post(move |body: axum::body::Bytes| {
                let (up, received) = (inbox_up.clone(), inbox_received.clone());
                async move {
                    if !up.load(Ordering::SeqCst) {
                        return StatusCode::SERVICE_UNAVAILABLE;
                    }
                    received.lock().unwrap().push(serde_json::from_slice(&body).unwrap_or(Value::Null));
                    StatusCode::ACCEPTED
                }
            }),
        );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // It follows the site; the Accept cannot be delivered and waits.
    let server = Server::start_with(&data, &url, "first", &allow);
    let inbox = format!("{}/ap/inbox", server.base());
    let follow = json!({ "id": format!("{peer}/follows/1"), "type": "Follow", "actor": format!("{peer}/actor"),
        "object": format!("{}/ap/site", server.base()) });
    let body = follow.to_string();
    let key = PrivateKey::from_pem(&private).unwrap();
    let target = url::Url::parse(&inbox).unwrap();
    let mut request = reqwest::Client::new().post(&inbox).header("content-type", "application/activity+json");
    for (name, value) in signature::sign(
        &key,
        &format!("{peer}/actor#main-key"),
        "POST",
        &target,
        Some(body.as_bytes()),
        std::time::SystemTime::now(),
    ) {
        request = request.header(name, value);
    }
    assert_eq!(request.body(body).send().await.unwrap().status(), 202);
    let store = marquee_store::Store::open(&url).await.unwrap();
    let attempted = || async {
        sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(attempts), 0) FROM deliveries")
            .fetch_one(store.pool())
            .await
            .unwrap()
    };
    let started = std::time::Instant::now();
    while attempted().await == 0 {
        assert!(started.elapsed().as_secs() < 20, "the Accept was tried: {}", server.log());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    drop(server);
    assert!(received.lock().unwrap().is_empty());

    // Marquee restarts (two servers now, on the same database); the follower's server is up.
    // The retry is due (its first wait, a minute, is over).
    up.store(true, Ordering::SeqCst);
    sqlx::query("UPDATE deliveries SET next_at = 0").execute(store.pool()).await.unwrap();
    let (a, b) = (Server::start_with(&data, &url, "a", &allow), Server::start_with(&data, &url, "b", &allow));
    eventually(30, "the Accept arrives", || !received.lock().unwrap().is_empty());
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 1, "delivered once, not once per server: {got:?}\n{}\n{}", a.log(), b.log());
    assert_eq!(got[0]["type"], "Accept");
    assert_eq!(got[0]["object"]["id"], format!("{peer}/follows/1"));
}
