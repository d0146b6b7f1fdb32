//! What arrives at an inbox. Every activity is signed (the key fetched from the signer's actor
//! document and kept; the `Date` within a window; the `Digest` the body's) and signed by its own
//! actor, or refused with 401. Then: a follow is accepted (and answered with a signed `Accept`);
//! a reply to a review or article is held for moderation; its edits and deletion are honoured;
//! likes and boosts are counted. Mentions, direct messages and everything else are taken and
//! dropped, as is everything from a blocked actor or instance.

use crate::signature::{self, SignatureError};
use crate::{activities, host_of, Federation, Local};
use marquee_store::federation::{self as records, NewComment, NewDelivery, RemoteActor};
use serde_json::Value;

/// Why an activity was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    /// 401: unsigned, wrongly signed, or signed by someone else.
    #[error("{0}")]
    Unsigned(String),
    /// 400: not an activity.
    #[error("{0}")]
    Malformed(String),
    /// 429: the instance sent too many this minute.
    #[error("too many activities from {0} this minute")]
    TooMany(String),
    /// 404: federation is switched off.
    #[error("federation is switched off on this site")]
    Off,
    #[error(transparent)]
    Failed(#[from] crate::Error),
}

impl From<SignatureError> for Refusal {
    fn from(e: SignatureError) -> Refusal {
        Refusal::Unsigned(e.to_string())
    }
}

impl From<marquee_store::Error> for Refusal {
    fn from(e: marquee_store::Error) -> Refusal {
        Refusal::Failed(crate::Error::Store(e))
    }
}

/// A request to an inbox.
pub struct Incoming<'a, H: Fn(&str) -> Option<String>> {
    pub method: &'a str,
    pub path_and_query: &'a str,
    /// A header's value by lower-case name.
    pub header: H,
    pub body: &'a [u8],
}

/// What became of an activity that was taken.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken {
    Followed,
    Unfollowed,
    CommentHeld,
    CommentEdited,
    CommentDeleted,
    Reacted,
    Unreacted,
    ActorForgotten,
    /// The site's follow of the sender was accepted (or refused).
    FollowAnswered,
    /// A post of an account the site follows was kept, changed or removed.
    FollowedPost,
    /// Taken and dropped (a mention, a blocked actor, a type Marquee has no use for).
    Ignored,
}

/// An id given as a string or as an object with an `id`.
fn id_of(value: &Value) -> Option<&str> {
    value.as_str().or_else(|| value.get("id").and_then(Value::as_str))
}

/// The first URL a `url` field gives (a string, a link object, or a list of them).
fn url_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => items.iter().find_map(url_of),
        Value::Object(map) => map.get("href").and_then(Value::as_str).map(str::to_string),
        _ => None,
    }
}

impl Federation {
    /// Takes an activity posted to an inbox, or says why not.
    pub async fn receive<H: Fn(&str) -> Option<String>>(&self, incoming: Incoming<'_, H>) -> Result<Taken, Refusal> {
        if !self.enabled().await? {
            return Err(Refusal::Off);
        }
        let header = &incoming.header;
        let signature = signature::parse(&header("signature").ok_or(SignatureError::Missing)?)?;
        let now = marquee_store::now();
        signature::check_coverage(
            &signature,
            header("date").as_deref(),
            header("digest").as_deref(),
            Some(incoming.body),
            now,
        )?;
        if signature.key_id.len() > 2048 {
            return Err(Refusal::Unsigned("the keyId is over 2 KB".into()));
        }
        let activity: Value = serde_json::from_slice(incoming.body)
            .map_err(|e| Refusal::Malformed(format!("the body is not JSON: {e}")))?;
        if activity.get("type").and_then(Value::as_str).is_none() {
            return Err(Refusal::Malformed("the body is not an activity (an object with a type)".into()));
        }
        let key_address = signature.key_id.split('#').next().unwrap_or_default();
        if records::is_blocked(&self.store, key_address, &host_of(key_address)).await? {
            return Ok(Taken::Ignored);
        }
        let signed_text =
            signature::signing_string(&signature.headers, incoming.method, incoming.path_and_query, header)?;
        let signer = self.verified_signer(&signature, &signed_text).await?;
        // Counted once verified: a stranger's forged requests cannot use up an instance's share.
        let signer_host = host_of(&signer.uri);
        if !self.admit(&signer_host) {
            return Err(Refusal::TooMany(signer_host));
        }
        let actor = activity.get("actor").and_then(id_of).unwrap_or_default();
        if actor != signer.uri {
            return Err(Refusal::Unsigned(format!("the activity is by {actor:?} but signed by {}", signer.uri)));
        }
        if records::is_blocked(&self.store, &signer.uri, &signer_host).await? {
            return Ok(Taken::Ignored);
        }
        self.take(&activity, &signer).await
    }

    /// The remote actor whose key made `signature`, fetched when not known (or known with an
    /// older key: a key that does not verify is fetched again once). A key that cannot be
    /// fetched is not asked for again for a few minutes, and only a few fetches run at once.
    async fn verified_signer(
        &self,
        signature: &signature::SignatureHeader,
        text: &str,
    ) -> Result<RemoteActor, Refusal> {
        let key_id = &signature.key_id;
        let address = key_id.split('#').next().unwrap_or_default();
        let known = match records::remote_actor_by_key(&self.store, key_id).await? {
            Some(actor) => Some(actor),
            // Some servers name the actor itself as the key.
            None => records::remote_actor(&self.store, address).await?.filter(|a| a.uri == *key_id),
        };
        if let Some(actor) = &known {
            if verifies(actor, signature, text) {
                return Ok(actor.clone());
            }
            if marquee_store::now() - actor.fetched_at < 60 {
                return Err(SignatureError::Invalid(key_id.clone()).into());
            }
        }
        if !self.may_fetch(key_id) {
            return Err(Refusal::Unsigned(format!("the key {key_id} could not be fetched a moment ago")));
        }
        let Ok(_permit) = self.fetching.try_acquire() else {
            return Err(Refusal::TooMany("every instance (too many keys being fetched)".into()));
        };
        let actor = match self.fetch_actor(key_id).await {
            Ok(actor) => actor,
            Err(e) => {
                self.fetch_failed(key_id);
                return Err(Refusal::Unsigned(format!("the key {key_id} could not be fetched: {e}")));
            }
        };
        if actor.key_id != *key_id && actor.uri != *key_id {
            return Err(Refusal::Unsigned(format!("{key_id} is not the key of {}", actor.uri)));
        }
        if verifies(&actor, signature, text) {
            Ok(actor)
        } else {
            Err(SignatureError::Invalid(key_id.clone()).into())
        }
    }

    /// Fetches (and keeps) the actor a key id or actor id names. Every document must speak for
    /// the server it came from: an actor's id is on the server that served it (after
    /// redirects), a key document is the key asked for, and its owner is on the same server.
    pub async fn fetch_actor(&self, id: &str) -> Result<RemoteActor, String> {
        let address = id.split('#').next().unwrap_or(id);
        let (mut doc, mut from) = self.client().get_json_from(address).await.map_err(|e| e.to_string())?;
        if doc.get("publicKey").is_none() {
            // A key document: its owner is the actor.
            let key = doc.get("id").and_then(Value::as_str).unwrap_or_default();
            if key != id && key != address {
                return Err(format!("the document at {address} is not the key {id}"));
            }
            let owner = doc.get("owner").and_then(Value::as_str).ok_or("the document has no publicKey")?.to_string();
            if !same_origin(&owner, &from) {
                return Err(format!("the key {id} names an owner on another server"));
            }
            (doc, from) = self.client().get_json_from(&owner).await.map_err(|e| e.to_string())?;
        }
        let actor = remote_actor_from(&doc)?;
        if !same_origin(&actor.uri, &from) {
            return Err(format!("the document at {from} speaks for {} on another server", actor.uri));
        }
        if host_of(&actor.key_id) != host_of(&actor.uri) {
            return Err(format!("the key {} is not on the actor's own server", actor.key_id));
        }
        records::keep_remote_actor(&self.store, &actor).await.map_err(|e| e.to_string())?;
        Ok(actor)
    }

    async fn take(&self, activity: &Value, actor: &RemoteActor) -> Result<Taken, Refusal> {
        let kind = activity.get("type").and_then(Value::as_str).unwrap_or_default();
        let object = activity.get("object").cloned().unwrap_or(Value::Null);
        let activity_id = activity.get("id").and_then(Value::as_str).unwrap_or_default();
        match kind {
            "Follow" => {
                let Some(local) = self.by_id(id_of(&object).unwrap_or_default()).await? else {
                    return Ok(Taken::Ignored);
                };
                self.accept_follow(&local, activity, actor).await?;
                Ok(Taken::Followed)
            }
            "Undo" => {
                let inner = object.get("type").and_then(Value::as_str).unwrap_or_default();
                match inner {
                    "Follow" => {
                        let Some(local) = self.by_id(object.get("object").and_then(id_of).unwrap_or_default()).await?
                        else {
                            return Ok(Taken::Ignored);
                        };
                        records::remove_follower(&self.store, &local.key_name(), &actor.uri).await?;
                        Ok(Taken::Unfollowed)
                    }
                    _ => {
                        let id = id_of(&object).unwrap_or_default();
                        Ok(if records::unreact(&self.store, id, &actor.uri).await? {
                            Taken::Unreacted
                        } else {
                            Taken::Ignored
                        })
                    }
                }
            }
            "Accept" | "Reject" => {
                // The answer to a follow the site sent: its object is that Follow (or its id).
                let by_site = object.get("actor").and_then(id_of).is_none_or(|a| a == self.site_id());
                if !by_site || !records::is_following(&self.store, &actor.uri).await? {
                    return Ok(Taken::Ignored);
                }
                if kind == "Accept" {
                    records::accept_following(&self.store, &actor.uri).await?;
                } else {
                    records::remove_following(&self.store, &actor.uri).await?;
                }
                Ok(Taken::FollowAnswered)
            }
            "Create" => match self.take_reply(&object, actor).await? {
                Taken::Ignored if self.keep_followed_post(&object, actor).await? => Ok(Taken::FollowedPost),
                taken => Ok(taken),
            },
            "Update" => {
                let (Some(id), Some(content)) = (id_of(&object), object.get("content").and_then(Value::as_str)) else {
                    return Ok(Taken::Ignored);
                };
                let content = marquee_core::markdown::sanitize_remote(content);
                Ok(if records::edit_comment(&self.store, id, &actor.uri, content.as_str()).await? {
                    Taken::CommentEdited
                } else if self.keep_followed_post(&object, actor).await? {
                    Taken::FollowedPost
                } else {
                    Taken::Ignored
                })
            }
            "Delete" => {
                let id = id_of(&object).unwrap_or_default();
                if id == actor.uri {
                    records::forget_actor(&self.store, &actor.uri).await?;
                    return Ok(Taken::ActorForgotten);
                }
                Ok(if records::delete_comment(&self.store, id, &actor.uri).await? {
                    Taken::CommentDeleted
                } else if records::delete_remote_post(&self.store, id, &actor.uri).await? {
                    Taken::FollowedPost
                } else {
                    Taken::Ignored
                })
            }
            "Like" | "Announce" => {
                let Some(target) = self.local_object(id_of(&object).unwrap_or_default()).await? else {
                    return Ok(Taken::Ignored);
                };
                if !activity_id.is_empty() && host_of(activity_id) != host_of(&actor.uri) {
                    return Ok(Taken::Ignored);
                }
                let reaction = if kind == "Like" { "like" } else { "boost" };
                let id = if activity_id.is_empty() {
                    format!("{}#{reaction}-{}-{}", actor.uri, target.0, target.1)
                } else {
                    activity_id.to_string()
                };
                records::react(&self.store, &id, (target.0, target.1), reaction, &actor.uri).await?;
                Ok(Taken::Reacted)
            }
            _ => Ok(Taken::Ignored),
        }
    }

    /// Records a follower and queues the signed `Accept` that tells them.
    async fn accept_follow(&self, local: &Local, follow: &Value, follower: &RemoteActor) -> Result<(), Refusal> {
        let follow_id = follow.get("id").and_then(Value::as_str).unwrap_or_default();
        records::add_follower(&self.store, &local.key_name(), &follower.uri, follow_id).await?;
        let actor_id = self.actor_id(local);
        let accept_id = format!("{actor_id}#accepts/{}", short_hash(&format!("{}{follow_id}", follower.uri)));
        let accept = activities::accept(&accept_id, &actor_id, follow);
        records::enqueue(
            &self.store,
            &[NewDelivery { inbox: follower.inbox.clone(), actor: local.key_name(), activity: accept.to_string() }],
        )
        .await?;
        self.wake.notify_one();
        Ok(())
    }

    /// The review or article (kind, id) an object id of this site names, when it is published.
    pub async fn local_object(&self, id: &str) -> Result<Option<(&'static str, i64)>, Refusal> {
        let Some(rest) = id.strip_prefix(&format!("{}/ap/", self.base_url)) else { return Ok(None) };
        let (kind, number) = match rest.split_once('/') {
            Some(("reviews", n)) => ("review", n),
            Some(("articles", n)) => ("article", n),
            _ => return Ok(None),
        };
        // `ID`, or `ID/GENERATION` for one published again after a Delete.
        let Ok(number) = number.split('/').next().unwrap_or_default().parse::<i64>() else { return Ok(None) };
        let published = match kind {
            "review" => marquee_store::reviews::published_by_id(&self.store, number).await?.is_some(),
            _ => marquee_store::posts::published_by_id(&self.store, number).await?.is_some(),
        };
        Ok(published.then_some((kind, number)))
    }

    /// A `Create` of a reply to a review or article: held for moderation. Anything else created
    /// (a post that mentions a writer, a direct message) is not for Marquee.
    async fn take_reply(&self, object: &Value, actor: &RemoteActor) -> Result<Taken, Refusal> {
        let in_reply_to = object.get("inReplyTo").and_then(id_of).unwrap_or_default();
        let Some(target) = self.local_object(in_reply_to).await? else { return Ok(Taken::Ignored) };
        let (Some(uri), Some(content)) =
            (object.get("id").and_then(Value::as_str), object.get("content").and_then(Value::as_str))
        else {
            return Err(Refusal::Malformed("a reply needs an id and content".into()));
        };
        if object.get("attributedTo").and_then(id_of).is_some_and(|by| by != actor.uri) {
            return Err(Refusal::Unsigned("the reply is attributed to someone other than its sender".into()));
        }
        if host_of(uri) != host_of(&actor.uri) {
            return Err(Refusal::Unsigned("the reply's id is not on its author's server".into()));
        }
        let addressed = |field: &str| {
            object.get(field).is_some_and(|v| match v {
                Value::String(s) => s == activities::PUBLIC || s == "as:Public" || s == "Public",
                Value::Array(items) => {
                    items.iter().any(|i| i.as_str().is_some_and(|s| s == activities::PUBLIC || s == "as:Public"))
                }
                _ => false,
            })
        };
        if !addressed("to") && !addressed("cc") {
            // A direct or followers-only reply: not for a public page.
            return Ok(Taken::Ignored);
        }
        let comment = NewComment {
            kind: target.0.to_string(),
            source_id: target.1,
            uri: uri.to_string(),
            actor: actor.uri.clone(),
            author_name: actor.name.clone(),
            author_handle: actor.handle.clone(),
            author_url: actor.url.clone(),
            content_html: marquee_core::markdown::sanitize_remote(content).into_string(),
            url: object.get("url").and_then(url_of),
            published_at: object
                .get("published")
                .and_then(Value::as_str)
                .and_then(activities::parse_time)
                .unwrap_or_else(marquee_store::now),
        };
        records::hold_comment(&self.store, &comment).await?;
        Ok(Taken::CommentHeld)
    }
}

/// Whether an address is on the same server (scheme, host, port) as `url`.
fn same_origin(address: &str, url: &url::Url) -> bool {
    url::Url::parse(address).is_ok_and(|a| {
        a.scheme() == url.scheme()
            && a.host_str() == url.host_str()
            && a.port_or_known_default() == url.port_or_known_default()
    })
}

fn verifies(actor: &RemoteActor, signature: &signature::SignatureHeader, text: &str) -> bool {
    crate::keys::PublicKey::from_pem(&actor.public_pem).is_ok_and(|key| signature::verify(&key, signature, text))
}

/// A remote actor from their document.
pub fn remote_actor_from(doc: &Value) -> Result<RemoteActor, String> {
    let field = |name: &str| doc.get(name).and_then(Value::as_str).map(str::to_string);
    let uri = field("id").ok_or("the actor has no id")?;
    let inbox = field("inbox").ok_or("the actor has no inbox")?;
    let key = doc.get("publicKey").ok_or("the actor has no publicKey")?;
    let key = if let Value::Array(keys) = key { keys.first().ok_or("the actor's publicKey is empty")? } else { key };
    let key_id = key.get("id").and_then(Value::as_str).ok_or("the actor's key has no id")?.to_string();
    let public_pem =
        key.get("publicKeyPem").and_then(Value::as_str).ok_or("the actor's key has no publicKeyPem")?.to_string();
    if key.get("owner").and_then(Value::as_str).is_some_and(|owner| owner != uri) {
        return Err("the actor's key belongs to someone else".into());
    }
    let username = field("preferredUsername").unwrap_or_else(|| uri.rsplit('/').next().unwrap_or_default().to_string());
    let name = field("name").filter(|n| !n.trim().is_empty()).unwrap_or_else(|| username.clone());
    Ok(RemoteActor {
        handle: format!("{username}@{}", host_of(&uri)),
        name: name.chars().take(200).collect(),
        shared_inbox: doc
            .get("endpoints")
            .and_then(|e| e.get("sharedInbox"))
            .and_then(Value::as_str)
            .map(str::to_string),
        url: doc.get("url").and_then(url_of),
        key_id,
        public_pem,
        inbox,
        uri,
        fetched_at: marquee_store::now(),
    })
}

/// A short stable digest of a text, for ids derived from others.
pub fn short_hash(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).iter().take(8).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_actor_document_gives_its_inboxes_key_and_handle() {
        let doc = serde_json::json!({
            "id": "https://mastodon.example/users/ana",
            "type": "Person",
            "preferredUsername": "ana",
            "name": "",
            "inbox": "https://mastodon.example/users/ana/inbox",
            "endpoints": { "sharedInbox": "https://mastodon.example/inbox" },
            "url": "https://mastodon.example/@ana",
            "publicKey": { "id": "https://mastodon.example/users/ana#main-key", "owner": "https://mastodon.example/users/ana", "publicKeyPem": "PEM" }
        });
        let actor = remote_actor_from(&doc).unwrap();
        assert_eq!(actor.handle, "ana@mastodon.example");
        assert_eq!(actor.name, "ana");
        assert_eq!(actor.delivery_inbox(), "https://mastodon.example/inbox");
        let mut stolen = doc.clone();
        stolen["publicKey"]["owner"] = "https://other.example/users/eve".into();
        assert!(remote_actor_from(&stolen).is_err());
    }

    /// Any JSON value, a few levels deep.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            ".{0,40}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-zA-Z]{1,12}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// An actor document with every field an actor has, each present, absent or of any type.
    fn actor_document() -> impl Strategy<Value = Value> {
        let fields = ["id", "inbox", "preferredUsername", "name", "url", "endpoints", "publicKey"];
        proptest::collection::vec(proptest::option::of(json_value()), fields.len()).prop_map(move |values| {
            let mut doc = serde_json::Map::new();
            for (field, value) in fields.iter().zip(values) {
                if let Some(value) = value {
                    doc.insert(field.to_string(), value);
                }
            }
            Value::Object(doc)
        })
    }

    proptest! {
        #[test]
        fn any_actor_document_is_read_or_refused_without_panicking(doc in actor_document()) {
            if let Ok(actor) = remote_actor_from(&doc) {
                // What is read comes from the document, whole.
                prop_assert_eq!(Some(actor.uri.as_str()), doc.get("id").and_then(Value::as_str));
                prop_assert!(actor.name.chars().count() <= 200);
            }
        }

        #[test]
        fn well_formed_actors_are_read(user in "[a-z][a-z0-9_]{0,15}", host in "[a-z]{1,10}\\.example", name in ".{0,300}") {
            let id = format!("https://{host}/users/{user}");
            let doc = serde_json::json!({
                "id": id, "inbox": format!("{id}/inbox"), "preferredUsername": user, "name": name,
                "publicKey": { "id": format!("{id}#main-key"), "owner": id, "publicKeyPem": "PEM" },
            });
            let actor = remote_actor_from(&doc).unwrap();
            prop_assert_eq!(actor.delivery_inbox(), format!("{id}/inbox"));
            prop_assert_eq!(actor.handle, format!("{user}@{host}"));
        }
    }
}
