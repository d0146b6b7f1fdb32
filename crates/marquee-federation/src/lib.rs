//! ActivityPub federation: every writer (`@slug@host`) and the site itself (`@site@host`) are
//! actors that people on Mastodon, NeoDB and the rest of the fediverse follow.
//!
//! - `keys`, `signature`: RSA keys and draft-cavage HTTP signatures, both ways.
//! - `client`: bounded requests to other servers (no private addresses).
//! - `activities`: the JSON sent and served.
//! - `inbox`: what arrives (follows, replies held for moderation, likes, boosts), verified.
//! - `following`: the accounts the site follows, read, replied to and liked by its members.
//! - `outbox`: what followers are sent, worked out from what is published, and the delivery
//!   queue in the database (retries with backoff, across restarts and servers).
//!
//! Marquee implements the protocol itself on `rsa`, `sha2` and `reqwest` rather than on the
//! `activitypub_federation` crate: that crate's delivery queue lives in memory (lost on a
//! restart, unaware of other servers sharing the database), its actor and object traits would
//! wrap Marquee's store in a second model of the same data, and the part Marquee needs from it
//! (signing and verifying) is a page of code over the `rsa` crate.
#![forbid(unsafe_code)]

pub mod activities;
pub mod client;
pub mod following;
pub mod inbox;
pub mod keys;
pub mod outbox;
pub mod signature;

use marquee_store::federation::{self as records, KeyPair, LocalWriter};
use marquee_store::Store;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use client::Client;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] marquee_store::Error),
    #[error("keys: {0}")]
    Keys(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A local actor: the site, or one writer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Local {
    Site,
    Writer(LocalWriter),
}

impl Local {
    /// How its keys are named in the store.
    pub fn key_name(&self) -> String {
        match self {
            Local::Site => "site".into(),
            Local::Writer(writer) => format!("user:{}", writer.id),
        }
    }
}

/// Everything federation needs, shared by the web layer's handlers and the delivery task.
pub struct Federation {
    pub store: Store,
    /// The site's public URL, no trailing slash.
    pub base_url: String,
    /// The host handles end in (`host` or `host:port`).
    pub host: String,
    /// Made on first use: building it reads the system's certificates, which a server that
    /// never federates (or a command that only renders) has no need of.
    client: std::sync::OnceLock<Client>,
    allow_private: bool,
    agent: String,
    /// Wakes the delivery task when something was queued.
    pub wake: tokio::sync::Notify,
    /// Requests per instance in the current minute (the inbox's rate limit).
    counts: Mutex<(i64, HashMap<String, u32>)>,
    /// Keys that could not be fetched lately, and when.
    failed_fetches: Mutex<HashMap<String, i64>>,
    /// Key fetches running at once.
    fetching: tokio::sync::Semaphore,
    /// One key pair made at a time (a burst of first requests makes one, not one each).
    making_keys: tokio::sync::Mutex<()>,
}

/// How long a key that could not be fetched is not asked for again.
const FETCH_FAILURE_MEMORY: i64 = 300;

/// The site actor's user name until the owner chooses another.
pub const DEFAULT_SITE_HANDLE: &str = "site";

/// How many activities one instance may send per minute before it is told to slow down.
pub const PER_INSTANCE_PER_MINUTE: u32 = 300;

impl Federation {
    pub fn new(store: Store, base_url: &str, allow_private: bool) -> Arc<Federation> {
        let base_url = base_url.trim_end_matches('/').to_string();
        let host = url::Url::parse(&base_url)
            .ok()
            .and_then(|u| {
                u.host_str().map(|h| match u.port() {
                    Some(port) => format!("{h}:{port}"),
                    None => h.to_string(),
                })
            })
            .unwrap_or_else(|| "localhost".into());
        let agent = format!("Marquee/{} (+{base_url})", env!("CARGO_PKG_VERSION"));
        Arc::new(Federation {
            store,
            client: std::sync::OnceLock::new(),
            allow_private,
            agent,
            base_url,
            host,
            wake: tokio::sync::Notify::new(),
            counts: Mutex::new((0, HashMap::new())),
            failed_fetches: Mutex::new(HashMap::new()),
            fetching: tokio::sync::Semaphore::new(8),
            making_keys: tokio::sync::Mutex::new(()),
        })
    }

    /// The client for other servers.
    pub fn client(&self) -> &Client {
        self.client.get_or_init(|| Client::new(self.allow_private, &self.agent))
    }

    /// Whether the owner has federation on (it is, unless switched off in the settings).
    pub async fn enabled(&self) -> Result<bool> {
        Ok(marquee_store::settings::all(&self.store).await?.get("federation").is_none_or(|v| v != "off"))
    }

    /// The site actor's user name (`site` unless the owner chose another).
    pub async fn site_username(&self) -> Result<String> {
        Ok(marquee_store::settings::all(&self.store)
            .await?
            .get("federation_handle")
            .filter(|h| !h.is_empty())
            .cloned()
            .unwrap_or_else(|| DEFAULT_SITE_HANDLE.into()))
    }

    pub fn site_id(&self) -> String {
        format!("{}/ap/site", self.base_url)
    }

    pub fn writer_id(&self, user_id: i64) -> String {
        format!("{}/ap/users/{user_id}", self.base_url)
    }

    pub fn actor_id(&self, local: &Local) -> String {
        match local {
            Local::Site => self.site_id(),
            Local::Writer(writer) => self.writer_id(writer.id),
        }
    }

    pub fn shared_inbox(&self) -> String {
        format!("{}/ap/inbox", self.base_url)
    }

    /// The id of a review, article or diary entry (`/ap/reviews/ID`, `/ap/articles/ID`,
    /// `/ap/diary/ID`), with `/N` after it once it was published again after a Delete.
    pub fn object_id(&self, kind: &str, id: i64, generation: i64) -> String {
        let folder = match kind {
            "review" => "reviews",
            "article" => "articles",
            _ => "diary",
        };
        match generation {
            0 => format!("{}/ap/{folder}/{id}", self.base_url),
            n => format!("{}/ap/{folder}/{id}/{n}", self.base_url),
        }
    }

    /// The local actor a user name names (`acct:NAME@host`): the site's, or a writer's slug.
    pub async fn by_username(&self, name: &str) -> Result<Option<Local>> {
        if name.eq_ignore_ascii_case(&self.site_username().await?) {
            return Ok(Some(Local::Site));
        }
        Ok(records::writer_by_slug(&self.store, &name.to_ascii_lowercase()).await?.map(Local::Writer))
    }

    /// The local actor an actor id names.
    pub async fn by_id(&self, id: &str) -> Result<Option<Local>> {
        if id == self.site_id() {
            return Ok(Some(Local::Site));
        }
        let Some(user) = id.strip_prefix(&format!("{}/ap/users/", self.base_url)).and_then(|n| n.parse::<i64>().ok())
        else {
            return Ok(None);
        };
        self.writer(user).await
    }

    /// The writer with this id, when they may be followed.
    pub async fn writer(&self, user_id: i64) -> Result<Option<Local>> {
        let Some(writer) = records::writer_by_id(&self.store, user_id).await? else { return Ok(None) };
        Ok(records::writer_by_slug(&self.store, &writer.slug).await?.map(Local::Writer))
    }

    /// A local actor's keys, made (and kept) when first needed.
    pub async fn keys(&self, local: &Local) -> Result<KeyPair> {
        let name = local.key_name();
        if let Some(pair) = records::key(&self.store, &name).await? {
            return Ok(pair);
        }
        let _making = self.making_keys.lock().await;
        if let Some(pair) = records::key(&self.store, &name).await? {
            return Ok(pair);
        }
        let (public_pem, private_pem) = tokio::task::spawn_blocking(keys::generate)
            .await
            .map_err(|e| Error::Keys(e.to_string()))?
            .map_err(Error::Keys)?;
        Ok(records::keep_key(&self.store, &name, &KeyPair { public_pem, private_pem }).await?)
    }

    /// Counts a request from `host`; false when it has sent too many this minute.
    pub fn admit(&self, host: &str) -> bool {
        let minute = time::OffsetDateTime::now_utc().unix_timestamp() / 60;
        let mut counts = self.counts.lock().expect("the rate counter's lock is never poisoned");
        if counts.0 != minute {
            *counts = (minute, HashMap::new());
        }
        if counts.1.len() > 100_000 {
            counts.1.clear();
        }
        let n = counts.1.entry(host.chars().take(253).collect::<String>().to_ascii_lowercase()).or_insert(0);
        *n += 1;
        *n <= PER_INSTANCE_PER_MINUTE
    }

    /// Whether a key may be fetched (it did not fail to be a moment ago).
    pub(crate) fn may_fetch(&self, key_id: &str) -> bool {
        let failed = self.failed_fetches.lock().expect("the failures' lock is never poisoned");
        failed.get(key_id).is_none_or(|at| marquee_store::now() - at > FETCH_FAILURE_MEMORY)
    }

    pub(crate) fn fetch_failed(&self, key_id: &str) {
        let mut failed = self.failed_fetches.lock().expect("the failures' lock is never poisoned");
        if failed.len() > 10_000 {
            failed.clear();
        }
        failed.insert(key_id.to_string(), marquee_store::now());
    }

    /// The actor document of a local actor.
    pub async fn actor_document(&self, local: &Local) -> Result<serde_json::Value> {
        let keys = self.keys(local).await?;
        let settings = marquee_store::settings::all(&self.store).await?;
        let doc = match local {
            Local::Site => activities::ActorDoc {
                id: self.site_id(),
                username: self.site_username().await?,
                name: settings.get("title").cloned().unwrap_or_else(|| "Marquee".into()),
                summary: marquee_core::html::escape(settings.get("description").map_or("", String::as_str)),
                url: format!("{}/", self.base_url),
                shared_inbox: self.shared_inbox(),
                public_pem: keys.public_pem,
                icon: None,
                published: None,
            },
            Local::Writer(writer) => activities::ActorDoc {
                id: self.writer_id(writer.id),
                username: writer.slug.clone(),
                name: writer.name.clone(),
                summary: marquee_core::html::escape(&writer.bio),
                url: format!("{}/writers/{}", self.base_url, writer.slug),
                shared_inbox: self.shared_inbox(),
                public_pem: keys.public_pem,
                icon: None,
                published: None,
            },
        };
        Ok(activities::actor(&doc))
    }
}

/// A remote actor's host (`mastodon.example`), from their id.
pub fn host_of(uri: &str) -> String {
    url::Url::parse(uri).ok().and_then(|u| u.host_str().map(str::to_ascii_lowercase)).unwrap_or_default()
}
