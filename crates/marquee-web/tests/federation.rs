//! ActivityPub through real HTTP: a fediverse account (a small peer server on loopback with its
//! own key) finds a writer by WebFinger, follows, gets a signed Accept, receives the writer's
//! review as a signed Create (then Update and Delete), replies, likes; the reply shows under the
//! review only once a moderator approves it. Refusals: unsigned, wrongly signed, stale, altered
//! and blocked activities. Deliveries wait in the database across a restart.

mod support;

use axum::body::Bytes;
use axum::http::HeaderMap;
use marquee_federation::keys::{self, PrivateKey, PublicKey};
use marquee_federation::signature;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};
use support::{input_value, Site};

/// What a peer's inbox received: the signature's headers and the activity.
#[derive(Clone, Debug)]
struct Received {
    headers: Vec<(String, String)>,
    activity: Value,
}

/// A fediverse account on its own server: an actor document with its key, an inbox that keeps
/// what arrives.
struct Peer {
    base: String,
    key: PrivateKey,
    inbox: Arc<Mutex<Vec<Received>>>,
}

impl Peer {
    async fn start() -> Peer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        Peer::start_on(listener).await
    }

    async fn start_on(listener: tokio::net::TcpListener) -> Peer {
        static KEYS: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
        let (public, private) = KEYS.get_or_init(|| keys::generate().unwrap()).clone();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let inbox: Arc<Mutex<Vec<Received>>> = Arc::default();
        let actor = json!({
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": format!("{base}/actor"),
            "type": "Person",
            "preferredUsername": "pasture",
            "name": "Pat <b>Pasture</b>",
            "inbox": format!("{base}/inbox"),
            "url": format!("{base}/@pasture"),
            "publicKey": { "id": format!("{base}/actor#main-key"), "owner": format!("{base}/actor"), "publicKeyPem": public },
        });
        let kept = inbox.clone();
        // A document that claims to be someone on another server, with this peer's key.
        let impostor = json!({
            "id": "https://mastodon.example/users/alice",
            "type": "Person",
            "preferredUsername": "alice",
            "inbox": format!("{base}/inbox"),
            "publicKey": { "id": "https://mastodon.example/users/alice#main-key", "owner": "https://mastodon.example/users/alice", "publicKeyPem": public },
        });
        let app = axum::Router::new()
            .route(
                "/impostor",
                axum::routing::get(move || {
                    let impostor = impostor.clone();
                    async move { ([("content-type", "application/activity+json")], impostor.to_string()) }
                }),
            )
            .route(
                "/actor",
                axum::routing::get(move || {
                    let actor = actor.clone();
                    async move { ([("content-type", "application/activity+json")], actor.to_string()) }
                }),
            )
            .route(
                "/inbox",
                axum::routing::post(move |headers: HeaderMap, body: Bytes| {
                    let kept = kept.clone();
                    async move {
                        let headers = headers
                            .iter()
                            .map(|(n, v)| (n.as_str().to_string(), v.to_str().unwrap_or_default().to_string()))
                            .collect();
                        let activity = serde_json::from_slice(&body).unwrap_or(Value::Null);
                        kept.lock().unwrap().push(Received { headers, activity });
                        axum::http::StatusCode::ACCEPTED
                    }
                }),
            );
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Peer { base, key: PrivateKey::from_pem(&private).unwrap(), inbox }
    }

    fn actor(&self) -> String {
        format!("{}/actor", self.base)
    }

    /// Posts an activity to `inbox`, signed with `key` as this peer's key (or unsigned).
    async fn post_with(
        &self,
        inbox: &str,
        activity: &Value,
        key: Option<&PrivateKey>,
        date: std::time::SystemTime,
    ) -> u16 {
        let url = url::Url::parse(inbox).unwrap();
        let body = activity.to_string();
        let mut request = Site::client().post(inbox).header("content-type", "application/activity+json");
        if let Some(key) = key {
            for (name, value) in
                signature::sign(key, &format!("{}#main-key", self.actor()), "POST", &url, Some(body.as_bytes()), date)
            {
                request = request.header(name, value);
            }
        }
        request.body(body).send().await.unwrap().status().as_u16()
    }

    async fn post(&self, inbox: &str, activity: &Value) -> u16 {
        self.post_with(inbox, activity, Some(&self.key), std::time::SystemTime::now()).await
    }

    /// What arrived, oldest first, each one's signature verified with the key its `keyId`'s
    /// actor document gives (fetched over HTTP, as any server would).
    async fn received(&self) -> Vec<Value> {
        let received = self.inbox.lock().unwrap().clone();
        let mut activities = Vec::new();
        for item in received {
            let header = |name: &str| item.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
            let parsed = signature::parse(&header("signature").expect("every delivery is signed")).unwrap();
            let body = item.activity.to_string();
            let actor: Value = Site::client()
                .get(parsed.key_id.split('#').next().unwrap())
                .header("accept", "application/activity+json")
                .send()
                .await
                .unwrap()
                .text()
                .await
                .map(|text| serde_json::from_str(&text).unwrap())
                .unwrap();
            assert_eq!(actor["publicKey"]["id"], parsed.key_id.as_str());
            let key = PublicKey::from_pem(actor["publicKey"]["publicKeyPem"].as_str().unwrap()).unwrap();
            let text = signature::signing_string(&parsed.headers, "POST", "/inbox", header).unwrap();
            assert!(signature::verify(&key, &parsed, &text), "the delivery's signature verifies: {item:?}");
            assert!(parsed.headers.iter().any(|h| h == "digest"));
            let _ = body;
            assert_eq!(item.activity["actor"], actor["id"], "signed by its own actor");
            activities.push(item.activity);
        }
        activities
    }
}

async fn get_json(url: &str) -> (u16, Value) {
    let response = Site::client().get(url).header("accept", "application/activity+json").send().await.unwrap();
    let status = response.status().as_u16();
    (status, serde_json::from_str(&response.text().await.unwrap()).unwrap_or(Value::Null))
}

/// Runs what the server's background task runs: notice the change, tell followers, deliver.
async fn settle(site: &Site) {
    site.state.refresh().await.unwrap();
    site.state.federation.sweep().await.unwrap();
    site.state.federation.deliver_due().await.unwrap();
}

fn federating_site() -> impl std::future::Future<Output = Site> {
    support::site_with(|config| config.federation_allow_private = true)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fediverse_account_follows_a_writer_reads_replies_and_likes() {
    let site = federating_site().await;
    let peer = Peer::start().await;
    let host = site.base.trim_start_matches("http://").to_string();

    // WebFinger finds the writer; their actor document has what servers need.
    let (status, finger) =
        get_json(&format!("{}/.well-known/webfinger?resource=acct:eddie-editor@{host}", site.base)).await;
    assert_eq!(status, 200);
    assert_eq!(finger["subject"], format!("acct:eddie-editor@{host}"));
    let actor_id = finger["links"].as_array().unwrap().iter().find(|l| l["rel"] == "self").unwrap()["href"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, actor) = get_json(&actor_id).await;
    assert_eq!(actor["id"], actor_id.as_str());
    assert_eq!(actor["preferredUsername"], "eddie-editor");
    assert_eq!(actor["url"], format!("{}/writers/eddie-editor", site.base));
    assert!(actor["publicKey"]["publicKeyPem"].as_str().unwrap().contains("BEGIN PUBLIC KEY"));
    assert_eq!(actor["endpoints"]["sharedInbox"], format!("{}/ap/inbox", site.base));
    let inbox = actor["inbox"].as_str().unwrap().to_string();
    let (_, nodeinfo) = get_json(&format!("{}/.well-known/nodeinfo", site.base)).await;
    let (status, info) = get_json(nodeinfo["links"][0]["href"].as_str().unwrap()).await;
    assert_eq!((status, info["software"]["name"].as_str()), (200, Some("marquee")));
    assert_eq!(get_json(&format!("{}/.well-known/webfinger?resource=acct:nobody@{host}", site.base)).await.0, 404);

    // Follow → a signed Accept.
    let follow = json!({ "@context": "https://www.w3.org/ns/activitystreams", "id": format!("{}/follows/1", peer.base),
        "type": "Follow", "actor": peer.actor(), "object": actor_id });
    assert_eq!(peer.post(&inbox, &follow).await, 202);
    let (_, followers) = get_json(actor["followers"].as_str().unwrap()).await;
    assert_eq!(followers["totalItems"], 1);
    settle(&site).await;
    let got = peer.received().await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0]["type"], "Accept");
    assert_eq!(got[0]["object"]["id"], follow["id"]);

    // The writer publishes: a signed Create of an Article, as Mastodon and NeoDB read it.
    let mut editor = site.sign_in("editor@example.com").await;
    let fields = |body: &'static str, revision: &str| {
        vec![
            ("film_title", "Night Train".to_string()),
            ("film_year", "1990".to_string()),
            ("body", body.to_string()),
            ("summary", "A long night, well spent.".to_string()),
            ("score", "8.5".to_string()),
            ("tags", "slow cinema".to_string()),
            ("revision", revision.to_string()),
            ("action", "publish".to_string()),
        ]
    };
    let owned = fields("The train leaves at *midnight*.", "0");
    let borrowed: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let id = editor.create_review(&borrowed).await;
    settle(&site).await;
    let got = peer.received().await;
    assert_eq!(got.len(), 2, "{got:#?}");
    let create = &got[1];
    assert_eq!(create["type"], "Create");
    let article = &create["object"];
    assert_eq!(article["type"], "Article");
    assert_eq!(article["name"], "Night Train (1990) — 8.5/10");
    assert_eq!(article["attributedTo"], actor_id.as_str());
    assert_eq!(article["url"], format!("{}/reviews/night-train-1990", site.base));
    assert!(article["content"].as_str().unwrap().contains("<em>midnight</em>"));
    let rating = article["relatedWith"].as_array().unwrap().iter().find(|r| r["type"] == "Rating").unwrap();
    assert_eq!(
        (rating["value"].as_f64(), rating["best"].as_i64(), rating["worst"].as_i64()),
        (Some(8.5), Some(10), Some(0))
    );
    assert!(article["tag"].as_array().unwrap().iter().any(|t| t["name"] == "#SlowCinema"));
    let object_id = article["id"].as_str().unwrap().to_string();
    let (status, served) = get_json(&object_id).await;
    assert_eq!((status, served["name"].clone()), (200, article["name"].clone()), "the object is served at its id");
    let (_, outbox) = get_json(actor["outbox"].as_str().unwrap()).await;
    assert_eq!(outbox["totalItems"], 1);
    let (_, page) = get_json(outbox["first"].as_str().unwrap()).await;
    assert_eq!(page["orderedItems"][0]["object"]["id"], object_id.as_str());
    settle(&site).await;
    assert_eq!(peer.received().await.len(), 2, "nothing is sent twice");

    // An edit sends Update.
    let revision = input_value(&editor.page(&format!("/admin/reviews/{id}")).await, "revision");
    let owned = fields("The train leaves at *dawn*.", &revision);
    let borrowed: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(editor.post(&format!("/admin/reviews/{id}"), &borrowed).await.status(), 303);
    settle(&site).await;
    let got = peer.received().await;
    assert_eq!(got[2]["type"], "Update");
    assert!(got[2]["object"]["content"].as_str().unwrap().contains("dawn"));

    // A reply is held until a moderator approves it; a like is counted.
    let reply_id = format!("{}/notes/1", peer.base);
    let reply = json!({ "id": format!("{reply_id}/activity"), "type": "Create", "actor": peer.actor(),
        "object": { "id": reply_id, "type": "Note", "attributedTo": peer.actor(), "inReplyTo": object_id,
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "content": "<p>Loved the <a href=\"https://example.org/x\">ending</a><script>alert(1)</script><img src=\"https://tracker.example/p.png\"></p>",
            "published": "2026-12-01T10:00:00Z" } });
    assert_eq!(peer.post(&format!("{}/ap/inbox", site.base), &reply).await, 202);
    // A reply that claims an id on another server (someone else's reply, taken first) is refused.
    let mut squatter = reply.clone();
    squatter["object"]["id"] = "https://mastodon.example/users/alice/statuses/1".into();
    assert_eq!(peer.post(&format!("{}/ap/inbox", site.base), &squatter).await, 401);
    let like =
        json!({ "id": format!("{}/likes/1", peer.base), "type": "Like", "actor": peer.actor(), "object": object_id });
    assert_eq!(peer.post(&inbox, &like).await, 202);
    site.state.refresh().await.unwrap();
    let (_, page) = site.public("/reviews/night-train-1990").await;
    assert!(!page.contains("Loved the"), "a held reply is not shown");
    assert!(page.contains("1 like"));
    let held = marquee_store::federation::comments_with_status(&site.state.store, "held", 10).await.unwrap();
    assert_eq!(held.len(), 1);
    let queue = editor.page("/admin/replies").await;
    assert!(queue.contains("Loved the") && queue.contains("pasture@127.0.0.1"), "{queue}");
    let csrf_form = [("decision", "approve")];
    assert_eq!(editor.post(&format!("/admin/replies/{}", held[0].id), &csrf_form).await.status(), 303);
    let (_, page) = site.public("/reviews/night-train-1990").await;
    assert!(page.contains("Loved the"), "an approved reply shows");
    assert!(page.contains("rel=\"nofollow ugc noopener noreferrer\""), "its links are the reader's own");
    assert!(!page.contains("<script>alert") && !page.contains("tracker.example"), "no script, no remote image");
    assert!(page.contains("Pat &lt;b&gt;Pasture&lt;/b&gt;") || page.contains("Pat &#60;b&#62;"), "a name is text");

    // The reply's edit and deletion are honoured; an unlike too.
    let mut edit = reply.clone();
    edit["type"] = "Update".into();
    edit["object"]["content"] = "<p>Loved the final shot.</p>".into();
    assert_eq!(peer.post(&inbox, &edit).await, 202);
    site.state.refresh().await.unwrap();
    let (_, page) = site.public("/reviews/night-train-1990").await;
    assert!(!page.contains("Loved the"), "an approved reply that changed goes back to the moderators");
    assert!(editor.page("/admin/replies").await.contains("Loved the final shot."));
    assert_eq!(editor.post(&format!("/admin/replies/{}", held[0].id), &csrf_form).await.status(), 303);
    assert!(site.public("/reviews/night-train-1990").await.1.contains("Loved the final shot."));
    let undo =
        json!({ "id": format!("{}/likes/1/undo", peer.base), "type": "Undo", "actor": peer.actor(), "object": like });
    assert_eq!(peer.post(&inbox, &undo).await, 202);
    let delete = json!({ "id": format!("{reply_id}/delete"), "type": "Delete", "actor": peer.actor(), "object": { "id": reply_id, "type": "Tombstone" } });
    assert_eq!(peer.post(&inbox, &delete).await, 202);
    site.state.refresh().await.unwrap();
    let (_, page) = site.public("/reviews/night-train-1990").await;
    assert!(!page.contains("Loved the") && !page.contains("1 like"));

    // Unpublishing sends Delete; Undo(Follow) ends the following.
    let revision = input_value(&editor.page(&format!("/admin/reviews/{id}")).await, "revision");
    let mut owned = fields("The train leaves at *dawn*.", &revision);
    owned.last_mut().unwrap().1 = "unpublish".into();
    let borrowed: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(editor.post(&format!("/admin/reviews/{id}"), &borrowed).await.status(), 303);
    settle(&site).await;
    let got = peer.received().await;
    assert_eq!(got.last().unwrap()["type"], "Delete");
    assert_eq!(got.last().unwrap()["object"]["id"], object_id.as_str());
    assert_eq!(get_json(&object_id).await.0, 404);

    // Published again, it goes under a new id: servers keep the old one's tombstone.
    let revision = input_value(&editor.page(&format!("/admin/reviews/{id}")).await, "revision");
    let owned = fields("The train leaves at *dawn*, again.", &revision);
    let borrowed: Vec<(&str, &str)> = owned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(editor.post(&format!("/admin/reviews/{id}"), &borrowed).await.status(), 303);
    settle(&site).await;
    let got = peer.received().await;
    let again = got.last().unwrap();
    assert_eq!(again["type"], "Create");
    assert_eq!(again["object"]["id"], format!("{object_id}/1"));
    assert_eq!(get_json(&format!("{object_id}/1")).await.0, 200);
    assert_eq!(get_json(&format!("{object_id}/2")).await.0, 404);
    let unfollow = json!({ "id": format!("{}/follows/1/undo", peer.base), "type": "Undo", "actor": peer.actor(), "object": follow });
    assert_eq!(peer.post(&inbox, &unfollow).await, 202);
    assert_eq!(get_json(actor["followers"].as_str().unwrap()).await.1["totalItems"], 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn unsigned_forged_stale_altered_and_blocked_activities_are_refused() {
    let site = federating_site().await;
    let peer = Peer::start().await;
    let inbox = format!("{}/ap/inbox", site.base);
    let like = json!({ "id": format!("{}/likes/9", peer.base), "type": "Like", "actor": peer.actor(), "object": format!("{}/ap/site", site.base) });
    let now = std::time::SystemTime::now();
    assert_eq!(peer.post_with(&inbox, &like, None, now).await, 401, "unsigned");
    let (_, other) = keys::generate().unwrap();
    let forger = PrivateKey::from_pem(&other).unwrap();
    assert_eq!(peer.post_with(&inbox, &like, Some(&forger), now).await, 401, "signed with another key");
    let old = now - std::time::Duration::from_secs(13 * 3600);
    assert_eq!(peer.post_with(&inbox, &like, Some(&peer.key), old).await, 401, "signed long ago");
    // A body changed after signing: the digest no longer matches.
    let url = url::Url::parse(&inbox).unwrap();
    let signed = like.to_string();
    let mut request = Site::client().post(&inbox);
    for (name, value) in
        signature::sign(&peer.key, &format!("{}#main-key", peer.actor()), "POST", &url, Some(signed.as_bytes()), now)
    {
        request = request.header(name, value);
    }
    let altered = signed.replace("Like", "Announce");
    assert_eq!(request.body(altered).send().await.unwrap().status(), 401, "altered");
    // Someone else's activity, signed by the peer.
    let mut theirs = like.clone();
    theirs["actor"] = "https://mastodon.example/users/ana".into();
    assert_eq!(peer.post(&inbox, &theirs).await, 401, "signed by another than its actor");
    assert_eq!(peer.post(&inbox, &json!("not an activity")).await, 400);

    // A document that speaks for an account on another server is not believed.
    let alice = "https://mastodon.example/users/alice";
    let mut as_alice = like.clone();
    as_alice["actor"] = alice.into();
    let url = url::Url::parse(&inbox).unwrap();
    let body = as_alice.to_string();
    let mut request = Site::client().post(&inbox);
    for (name, value) in
        signature::sign(&peer.key, &format!("{}/impostor", peer.base), "POST", &url, Some(body.as_bytes()), now)
    {
        request = request.header(name, value);
    }
    assert_eq!(request.body(body).send().await.unwrap().status(), 401, "an impostor's key");
    assert!(
        marquee_store::federation::remote_actor(&site.state.store, alice).await.unwrap().is_none(),
        "alice is not poisoned"
    );

    // Forged requests in a stranger's name do not use up that instance's share of the rate limit.
    for _ in 0..320 {
        assert_eq!(peer.post_with(&inbox, &like, Some(&forger), now).await, 401);
    }
    let welcome = json!({ "id": format!("{}/likes/10", peer.base), "type": "Like", "actor": peer.actor(), "object": format!("{}/ap/site", site.base) });
    assert_eq!(peer.post(&inbox, &welcome).await, 202, "the real account is still heard");

    // An instance that sends more than its share in a minute is told to slow down, many at once.
    // (Counted per minute: not across the turn of one.)
    let second = marquee_store::now() % 60;
    if second > 45 {
        tokio::time::sleep(std::time::Duration::from_secs((61 - second) as u64)).await;
    }
    let sent = marquee_federation::PER_INSTANCE_PER_MINUTE as usize + 20;
    let statuses = futures_util::future::join_all((0..sent).map(|n| {
        let like = json!({ "id": format!("{}/likes/burst-{n}", peer.base), "type": "Like", "actor": peer.actor(),
            "object": format!("{}/ap/site", site.base) });
        let (peer, inbox) = (&peer, &inbox);
        async move { peer.post(inbox, &like).await }
    }))
    .await;
    let refused = statuses.iter().filter(|s| **s == 429).count();
    assert!(refused >= 20, "{refused} of {sent} refused with 429: {statuses:?}");
    assert!(statuses.iter().all(|s| *s == 202 || *s == 429), "{statuses:?}");

    // A follow from a blocked instance is taken and dropped.
    let owner = marquee_changes::Member { id: 1, name: "Olive Owner".into(), role: marquee_core::Role::Owner };
    let target = marquee_changes::comments::block_target("127.0.0.1").unwrap();
    marquee_changes::comments::block(&site.state.desk, &owner, &target).await.unwrap();
    let follow = json!({ "id": format!("{}/follows/2", peer.base), "type": "Follow", "actor": peer.actor(), "object": format!("{}/ap/site", site.base) });
    assert_eq!(peer.post(&inbox, &follow).await, 202);
    assert_eq!(marquee_store::federation::follower_count(&site.state.store, "site").await.unwrap(), 0);

    // Switched off, federation's addresses are not there.
    marquee_changes::comments::configure(&site.state.desk, &owner, false, "site").await.unwrap();
    let host = site.base.trim_start_matches("http://");
    assert_eq!(get_json(&format!("{}/ap/site", site.base)).await.0, 404);
    assert_eq!(get_json(&format!("{}/.well-known/webfinger?resource=acct:site@{host}", site.base)).await.0, 404);
    assert_eq!(peer.post(&inbox, &follow).await, 404);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_site_that_does_not_allow_private_addresses_fetches_no_key_from_one() {
    let site = support::site().await;
    let peer = Peer::start().await;
    let follow = json!({ "id": format!("{}/follows/3", peer.base), "type": "Follow", "actor": peer.actor(), "object": format!("{}/ap/site", site.base) });
    assert_eq!(
        peer.post(&format!("{}/ap/inbox", site.base), &follow).await,
        401,
        "the key on 127.0.0.1 is not fetched"
    );
    assert!(marquee_store::federation::remote_actor(&site.state.store, &peer.actor()).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_delivery_to_a_peer_that_is_down_waits_across_a_restart_and_arrives_once_it_is_up() {
    let site = federating_site().await;
    let peer = Peer::start().await;
    let follow = json!({ "id": format!("{}/follows/4", peer.base), "type": "Follow", "actor": peer.actor(), "object": format!("{}/ap/site", site.base) });
    assert_eq!(peer.post(&format!("{}/ap/inbox", site.base), &follow).await, 202);
    // The follower's inbox moves to a port nothing listens on.
    let gone = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let down = gone.local_addr().unwrap();
    drop(gone);
    let mut actor = marquee_store::federation::remote_actor(&site.state.store, &peer.actor()).await.unwrap().unwrap();
    actor.inbox = format!("http://{down}/inbox");
    marquee_store::federation::keep_remote_actor(&site.state.store, &actor).await.unwrap();
    // (the Accept was queued for the old inbox; queue another to the dead one)
    sqlx::query("UPDATE deliveries SET inbox = $1").bind(&actor.inbox).execute(site.state.store.pool()).await.unwrap();
    assert_eq!(site.state.federation.deliver_due().await.unwrap(), 0);
    let counts = marquee_store::federation::delivery_counts(&site.state.store).await.unwrap();
    assert_eq!((counts.pending, counts.done), (1, 0), "kept for a retry");
    let trouble = marquee_store::federation::troubles(&site.state.store, 5).await.unwrap();
    assert_eq!(trouble[0].attempts, 1);
    assert!(trouble[0].next_at > marquee_store::now() + 30, "retried in a minute, not at once");

    // A restart: a new server on the same database. The peer comes up at that address.
    let media = marquee_media::MediaStore::new(site.test.dir.path().join("media"));
    let mut config = marquee_web::WebConfig::new(site.base.clone());
    config.federation_allow_private = true;
    let restarted = marquee_web::AppState::new(site.state.store.clone(), media, config).await.unwrap();
    let up = Peer::start_on(tokio::net::TcpListener::bind(down).await.unwrap()).await;
    sqlx::query("UPDATE deliveries SET next_at = 0").execute(site.state.store.pool()).await.unwrap();
    assert_eq!(restarted.federation.deliver_due().await.unwrap(), 1);
    assert_eq!(up.received().await[0]["type"], "Accept");
    assert_eq!(restarted.federation.deliver_due().await.unwrap(), 0, "once");

    // An instance that stays down for days is given up: what waits for it, and its followers.
    drop(up);
    let gone =
        format!("http://{}/inbox", tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap());
    actor.inbox = gone.clone();
    marquee_store::federation::keep_remote_actor(&site.state.store, &actor).await.unwrap();
    let deliveries: Vec<_> = (0..2)
        .map(|n| marquee_store::federation::NewDelivery {
            inbox: gone.clone(),
            actor: "site".into(),
            activity: format!("{{\"n\":{n}}}"),
        })
        .collect();
    marquee_store::federation::enqueue(&site.state.store, &deliveries).await.unwrap();
    let last = marquee_federation::outbox::BACKOFF.len() as i64;
    sqlx::query("UPDATE deliveries SET attempts = $1 WHERE inbox = $2 AND activity = '{\"n\":0}'")
        .bind(last)
        .bind(&gone)
        .execute(site.state.store.pool())
        .await
        .unwrap();
    sqlx::query("UPDATE deliveries SET next_at = $1 WHERE inbox = $2 AND activity = '{\"n\":1}'")
        .bind(marquee_store::now() + 3600)
        .bind(&gone)
        .execute(site.state.store.pool())
        .await
        .unwrap();
    assert_eq!(restarted.federation.deliver_due().await.unwrap(), 0);
    let counts = marquee_store::federation::delivery_counts(&site.state.store).await.unwrap();
    assert_eq!(counts.pending, 0, "the delivery waiting for later is given up too");
    assert_eq!(
        marquee_store::federation::follower_count(&site.state.store, "site").await.unwrap(),
        0,
        "its followers are gone"
    );
}

/// The fields of a review saved through the admin's editor.
fn review_fields(body: &str, revision: &str, action: &str) -> Vec<(String, String)> {
    [
        ("film_title", "Night Train"),
        ("film_year", "1990"),
        ("body", body),
        ("score", "8.5"),
        ("revision", revision),
        ("action", action),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

async fn save_review(browser: &mut support::Browser, path: &str, fields: Vec<(String, String)>) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    browser.post(path, &borrowed).await
}

#[tokio::test(flavor = "multi_thread")]
async fn two_marquee_sites_follow_read_reply_to_and_like_each_other() {
    let a = federating_site().await;
    let b = federating_site().await;
    let host_a = a.base.trim_start_matches("http://").to_string();

    // B's owner follows A's editor; A accepts.
    let mut owner_b = b.sign_in("owner@example.com").await;
    let account = format!("@eddie-editor@{host_a}");
    assert_eq!(owner_b.post("/admin/federation/follow", &[("account", &account)]).await.status(), 303);
    let page = owner_b.page("/admin/federation").await;
    assert!(page.contains("eddie-editor@127.0.0.1") && page.contains("waiting for their server"), "{page}");
    settle(&b).await;
    assert_eq!(
        marquee_store::federation::follower_count(&a.state.store, "user:2").await.unwrap(),
        1,
        "A knows its follower"
    );
    settle(&a).await;
    let following = marquee_store::federation::following(&b.state.store).await.unwrap();
    assert!(following[0].accepted, "B heard A's Accept");
    assert!(!owner_b.page("/admin/federation").await.contains("waiting for their server"));

    // A publishes: B's editors read it under Following.
    let mut editor_a = a.sign_in("editor@example.com").await;
    let response =
        save_review(&mut editor_a, "/admin/reviews/new", review_fields("Leaves at *midnight*.", "0", "publish")).await;
    assert_eq!(response.status(), 303);
    let id = support::review_id(&response);
    settle(&a).await;
    let mut editor_b = b.sign_in("editor@example.com").await;
    let reading = editor_b.page("/admin/reading").await;
    assert!(reading.contains("Night Train (1990) — 8.5/10") && reading.contains("<em>midnight</em>"), "{reading}");

    // A edits: B reads the new text.
    let path = format!("/admin/reviews/{id}");
    let revision = input_value(&editor_a.page(&path).await, "revision");
    assert_eq!(
        save_review(&mut editor_a, &path, review_fields("Leaves at *dawn*.", &revision, "publish")).await.status(),
        303
    );
    settle(&a).await;
    let reading = editor_b.page("/admin/reading").await;
    assert!(reading.contains("<em>dawn</em>") && !reading.contains("midnight"), "{reading}");

    // B's editor replies and likes; A holds the reply until its editor approves it.
    let object_id = format!("{}/ap/reviews/{id}", a.base);
    let long = "x".repeat(marquee_federation::following::MAX_REPLY + 1);
    let refused = editor_b.post("/admin/reading/reply", &[("uri", &object_id), ("text", &long)]).await;
    assert_eq!(refused.status(), 422, "a reply over the limit is refused with the form");
    assert!(refused.text().await.unwrap().contains("over 5000 characters"));
    let reply =
        editor_b.post("/admin/reading/reply", &[("uri", &object_id), ("text", "A fine ride through the dark.")]).await;
    assert_eq!(reply.status(), 303);
    assert_eq!(editor_b.post("/admin/reading/like", &[("uri", &object_id)]).await.status(), 303);
    assert!(editor_b.page("/admin/reading").await.contains(">Liked<"));
    settle(&b).await;
    a.state.refresh().await.unwrap();
    let (_, review_page) = a.public("/reviews/night-train-1990").await;
    assert!(review_page.contains("1 like"), "A counts B's like");
    assert!(!review_page.contains("A fine ride"), "held until approved");
    let queue = editor_a.page("/admin/replies").await;
    assert!(queue.contains("A fine ride through the dark.") && queue.contains("Eddie Editor"), "{queue}");
    let held = marquee_store::federation::comments_with_status(&a.state.store, "held", 5).await.unwrap();
    assert_eq!(
        editor_a.post(&format!("/admin/replies/{}", held[0].id), &[("decision", "approve")]).await.status(),
        303
    );
    let (_, review_page) = a.public("/reviews/night-train-1990").await;
    assert!(review_page.contains("A fine ride through the dark."), "approved, it shows on A");
    let (status, note) = get_json(&held[0].uri).await;
    assert_eq!((status, note["inReplyTo"].as_str()), (200, Some(object_id.as_str())), "B serves its reply at its id");

    // A unpublishes: B's reading list lets it go.
    let revision = input_value(&editor_a.page(&path).await, "revision");
    assert_eq!(
        save_review(&mut editor_a, &path, review_fields("Leaves at *dawn*.", &revision, "unpublish")).await.status(),
        303
    );
    settle(&a).await;
    assert!(!editor_b.page("/admin/reading").await.contains("Night Train"));

    // B unfollows: A is told.
    let actor_a = following[0].actor.clone();
    assert_eq!(owner_b.post("/admin/federation/unfollow", &[("actor", &actor_a)]).await.status(), 303);
    settle(&b).await;
    assert_eq!(marquee_store::federation::follower_count(&a.state.store, "user:2").await.unwrap(), 0);

    // Later, what strangers left is forgotten; an actor something still refers to stays.
    let later = marquee_store::now() + 1;
    assert!(marquee_store::federation::prune_remote(&b.state.store, later, later).await.unwrap() > 0);
    assert!(
        marquee_store::federation::remote_actor(&b.state.store, &actor_a).await.unwrap().is_none(),
        "unfollowed, forgotten"
    );
    marquee_store::federation::prune_remote(&a.state.store, later, later).await.unwrap();
    let b_editor = format!("{}/ap/users/2", b.base);
    assert!(
        marquee_store::federation::remote_actor(&a.state.store, &b_editor).await.unwrap().is_some(),
        "the author of an approved reply is kept"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_chooses_what_goes_to_the_fediverse_diary_entries_included() {
    let site = federating_site().await;
    let peer = Peer::start().await;
    // Wren follows the writer's account (user 3) and the editor's (user 2).
    for (n, user) in [(1, 3), (2, 2)] {
        let follow = json!({ "id": format!("{}/follows/{n}", peer.base), "type": "Follow", "actor": peer.actor(),
            "object": format!("{}/ap/users/{user}", site.base) });
        assert_eq!(peer.post(&format!("{}/ap/inbox", site.base), &follow).await, 202);
    }
    settle(&site).await;
    assert_eq!(peer.received().await.len(), 2, "two Accepts");

    // The writer opts in to sending their public diary, and logs a film.
    let mut writer = site.sign_in("writer@example.com").await;
    let profile = [("name", "Wren Writer"), ("bio", ""), ("diary_public", "1"), ("federation", "all")];
    assert_eq!(writer.post("/admin/account", &profile).await.status(), 303);
    assert!(writer.page("/admin/account").await.contains("value=\"all\" checked"));
    let wren = marquee_changes::Member { id: 3, name: "Wren Writer".into(), role: marquee_core::Role::Writer };
    let entry = marquee_changes::diary::EntryDraft {
        film: marquee_changes::catalogue::FilmName {
            title: marquee_core::Title::parse("Close-Up", "title").unwrap(),
            year: marquee_core::Year::parse_optional("1990").unwrap(),
        },
        watched_on: marquee_core::Day::parse("2026-11-30").unwrap(),
        rating: Some(marquee_core::Score::parse("8").unwrap()),
        rewatch: true,
        liked: true,
        tags: Vec::new(),
        review_text: "Kiarostami's <b>trial</b>, again.".into(),
    };
    let entry_id = marquee_changes::diary::log(&site.state.desk, &wren, &entry, false).await.unwrap();
    settle(&site).await;
    let got = peer.received().await;
    let note = &got.last().unwrap()["object"];
    assert_eq!(got.last().unwrap()["type"], "Create");
    assert_eq!(note["type"], "Note");
    assert!(note["content"].as_str().unwrap().contains("Watched again"), "{note}");
    assert!(note["content"].as_str().unwrap().contains("Close-Up (1990)</a>, 8/10"));
    assert!(note["content"].as_str().unwrap().contains("&lt;b&gt;trial&lt;/b&gt;"), "the entry's text is text");
    assert_eq!(note["relatedWith"][0]["value"], 8.0);
    assert_eq!(note["id"], format!("{}/ap/diary/{entry_id}", site.base));

    // Opting out withdraws what was sent; the editor, opted out, publishes without telling anyone.
    let profile = [("name", "Wren Writer"), ("bio", ""), ("diary_public", "1"), ("federation", "off")];
    assert_eq!(writer.post("/admin/account", &profile).await.status(), 303);
    settle(&site).await;
    let got = peer.received().await;
    assert_eq!(got.last().unwrap()["type"], "Delete");
    assert_eq!(got.last().unwrap()["object"]["id"], note["id"]);
    let before = got.len();
    let mut editor = site.sign_in("editor@example.com").await;
    let profile = [("name", "Eddie Editor"), ("bio", ""), ("federation", "off")];
    assert_eq!(editor.post("/admin/account", &profile).await.status(), 303);
    let response = save_review(&mut editor, "/admin/reviews/new", review_fields("Quiet.", "0", "publish")).await;
    assert_eq!(response.status(), 303);
    settle(&site).await;
    assert_eq!(peer.received().await.len(), before, "nothing federates for a member who opted out");
    // A private diary sends nothing either, whatever the choice.
    let profile = [("name", "Wren Writer"), ("bio", ""), ("federation", "all")];
    assert_eq!(writer.post("/admin/account", &profile).await.status(), 303);
    settle(&site).await;
    assert_eq!(peer.received().await.len(), before, "a private diary stays private");
}
