//! ActivityPub federation's records: local actors' keys, remote actors as fetched, followers,
//! blocks, what followers were sent of each review, the delivery queue, replies held for
//! moderation, likes and boosts. The protocol itself is `marquee-federation`'s.

use crate::{now, Result, Store};
use sqlx::any::AnyRow;
use sqlx::Row;

// ---------------------------------------------------------------------------------------------
// Keys

/// A local actor's key pair as PEM (public SPKI, private PKCS#8).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyPair {
    pub public_pem: String,
    pub private_pem: String,
}

pub async fn key(store: &Store, actor: &str) -> Result<Option<KeyPair>> {
    let row = sqlx::query("SELECT public_pem, private_pem FROM actor_keys WHERE actor = $1")
        .bind(actor)
        .fetch_optional(store.pool())
        .await?;
    row.map(|row| Ok(KeyPair { public_pem: row.try_get("public_pem")?, private_pem: row.try_get("private_pem")? }))
        .transpose()
}

/// Keeps `pair` for `actor` unless another server kept one first; returns the one kept.
pub async fn keep_key(store: &Store, actor: &str, pair: &KeyPair) -> Result<KeyPair> {
    sqlx::query(
        "INSERT INTO actor_keys (actor, public_pem, private_pem, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (actor) DO NOTHING",
    )
    .bind(actor)
    .bind(&pair.public_pem)
    .bind(&pair.private_pem)
    .bind(now())
    .execute(store.pool())
    .await?;
    Ok(key(store, actor).await?.unwrap_or_else(|| pair.clone()))
}

// ---------------------------------------------------------------------------------------------
// Remote actors

/// A remote actor as its document said when last fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteActor {
    pub uri: String,
    pub inbox: String,
    pub shared_inbox: Option<String>,
    pub key_id: String,
    pub public_pem: String,
    pub name: String,
    /// `user@host`.
    pub handle: String,
    /// Their profile page.
    pub url: Option<String>,
    pub fetched_at: i64,
}

impl RemoteActor {
    /// Where to deliver to them: their instance's shared inbox when it has one.
    pub fn delivery_inbox(&self) -> &str {
        self.shared_inbox.as_deref().unwrap_or(&self.inbox)
    }
}

fn remote_from(row: &AnyRow) -> Result<RemoteActor> {
    Ok(RemoteActor {
        uri: row.try_get("uri")?,
        inbox: row.try_get("inbox")?,
        shared_inbox: row.try_get("shared_inbox")?,
        key_id: row.try_get("key_id")?,
        public_pem: row.try_get("public_pem")?,
        name: row.try_get("name")?,
        handle: row.try_get("handle")?,
        url: row.try_get("url")?,
        fetched_at: row.try_get("fetched_at")?,
    })
}

const REMOTE_COLUMNS: &str = "uri, inbox, shared_inbox, key_id, public_pem, name, handle, url, fetched_at";

pub async fn remote_actor(store: &Store, uri: &str) -> Result<Option<RemoteActor>> {
    let sql = format!("SELECT {REMOTE_COLUMNS} FROM remote_actors WHERE uri = $1");
    sqlx::query(&sql).bind(uri).fetch_optional(store.pool()).await?.as_ref().map(remote_from).transpose()
}

/// The remote actor whose key has this id.
pub async fn remote_actor_by_key(store: &Store, key_id: &str) -> Result<Option<RemoteActor>> {
    let sql = format!("SELECT {REMOTE_COLUMNS} FROM remote_actors WHERE key_id = $1");
    sqlx::query(&sql).bind(key_id).fetch_optional(store.pool()).await?.as_ref().map(remote_from).transpose()
}

pub async fn keep_remote_actor(store: &Store, actor: &RemoteActor) -> Result<()> {
    sqlx::query(
        "INSERT INTO remote_actors (uri, inbox, shared_inbox, key_id, public_pem, name, handle, url, fetched_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (uri) DO UPDATE SET inbox = excluded.inbox, \
         shared_inbox = excluded.shared_inbox, key_id = excluded.key_id, public_pem = excluded.public_pem, \
         name = excluded.name, handle = excluded.handle, url = excluded.url, fetched_at = excluded.fetched_at",
    )
    .bind(&actor.uri)
    .bind(&actor.inbox)
    .bind(&actor.shared_inbox)
    .bind(&actor.key_id)
    .bind(&actor.public_pem)
    .bind(&actor.name)
    .bind(&actor.handle)
    .bind(&actor.url)
    .bind(actor.fetched_at)
    .execute(store.pool())
    .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Followers and blocks

/// Records that `follower` follows the local `actor`; false when they did already.
pub async fn add_follower(store: &Store, actor: &str, follower: &str, follow_id: &str) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO followers (actor, follower, follow_id, created_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (actor, follower) DO UPDATE SET follow_id = excluded.follow_id",
    )
    .bind(actor)
    .bind(follower)
    .bind(follow_id)
    .bind(now())
    .execute(store.pool())
    .await?;
    Ok(done.rows_affected() > 0)
}

pub async fn remove_follower(store: &Store, actor: &str, follower: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM followers WHERE actor = $1 AND follower = $2")
        .bind(actor)
        .bind(follower)
        .execute(store.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes `follower` from every local actor's followers (an account deleted or blocked).
pub async fn remove_follower_everywhere(store: &Store, follower: &str) -> Result<u64> {
    let done = sqlx::query("DELETE FROM followers WHERE follower = $1").bind(follower).execute(store.pool()).await?;
    Ok(done.rows_affected())
}

pub async fn follower_count(store: &Store, actor: &str) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM followers WHERE actor = $1")
        .bind(actor)
        .fetch_one(store.pool())
        .await?)
}

/// A follower as the admin lists them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Follower {
    pub actor: String,
    pub follower: String,
    pub handle: Option<String>,
    pub name: Option<String>,
    pub since: i64,
}

/// Every follower of every local actor, newest first.
pub async fn followers(store: &Store, limit: i64) -> Result<Vec<Follower>> {
    let rows = sqlx::query(
        "SELECT f.actor, f.follower, f.created_at, a.handle, a.name FROM followers f \
         LEFT JOIN remote_actors a ON a.uri = f.follower ORDER BY f.created_at DESC, f.follower LIMIT $1",
    )
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Follower {
                actor: row.try_get("actor")?,
                follower: row.try_get("follower")?,
                handle: row.try_get("handle")?,
                name: row.try_get("name")?,
                since: row.try_get("created_at")?,
            })
        })
        .collect()
}

/// Where to deliver to the followers of any of `actors`: one inbox per instance that has a
/// shared one, each follower's own otherwise.
pub async fn follower_inboxes(store: &Store, actors: &[&str]) -> Result<Vec<String>> {
    let mut inboxes = std::collections::BTreeSet::new();
    for actor in actors {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT COALESCE(a.shared_inbox, a.inbox) FROM followers f JOIN remote_actors a ON a.uri = f.follower \
             WHERE f.actor = $1",
        )
        .bind(*actor)
        .fetch_all(store.pool())
        .await?;
        inboxes.extend(rows);
    }
    Ok(inboxes.into_iter().collect())
}

pub async fn block(store: &Store, target: &str) -> Result<()> {
    sqlx::query("INSERT INTO federation_blocks (target, created_at) VALUES ($1, $2) ON CONFLICT (target) DO NOTHING")
        .bind(target)
        .bind(now())
        .execute(store.pool())
        .await?;
    Ok(())
}

pub async fn unblock(store: &Store, target: &str) -> Result<bool> {
    let done =
        sqlx::query("DELETE FROM federation_blocks WHERE target = $1").bind(target).execute(store.pool()).await?;
    Ok(done.rows_affected() > 0)
}

/// Whether the actor or their host is blocked.
pub async fn is_blocked(store: &Store, actor: &str, host: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM federation_blocks WHERE target = $1 OR target = $2")
        .bind(actor)
        .bind(host)
        .fetch_one(store.pool())
        .await?;
    Ok(n > 0)
}

pub async fn blocks(store: &Store) -> Result<Vec<(String, i64)>> {
    let rows =
        sqlx::query("SELECT target, created_at FROM federation_blocks ORDER BY target").fetch_all(store.pool()).await?;
    rows.iter().map(|row| Ok((row.try_get("target")?, row.try_get("created_at")?))).collect()
}

// ---------------------------------------------------------------------------------------------
// What followers were sent

/// What of a member's goes to the fediverse.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Federating {
    /// Nothing.
    Off,
    /// Their reviews and articles.
    Writing,
    /// Their public diary entries too.
    All,
}

impl Federating {
    pub fn as_str(self) -> &'static str {
        match self {
            Federating::Off => "off",
            Federating::Writing => "reviews",
            Federating::All => "all",
        }
    }

    pub fn parse(text: &str) -> Option<Federating> {
        match text {
            "off" => Some(Federating::Off),
            "reviews" => Some(Federating::Writing),
            "all" => Some(Federating::All),
            _ => None,
        }
    }
}

pub async fn federating(store: &Store, user_id: i64) -> Result<Federating> {
    let value: Option<String> = sqlx::query_scalar("SELECT federation FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(store.pool())
        .await?;
    Ok(value.as_deref().and_then(Federating::parse).unwrap_or(Federating::Writing))
}

pub async fn set_federating(conn: &mut crate::Conn, user_id: i64, value: Federating) -> Result<()> {
    sqlx::query("UPDATE users SET federation = $1 WHERE id = $2")
        .bind(value.as_str())
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A published review, article or diary entry whose federated state lags behind it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pending {
    pub kind: String,
    pub source_id: i64,
    pub author_id: Option<i64>,
    pub revision: i64,
    pub published_at: i64,
    /// What followers knew of it before, and which local actor told them.
    pub known: Option<Known>,
    pub known_actor: Option<String>,
}

/// What federates, per kind: (kind, rows, which of them go out, their revision, their time,
/// their author). A review or article goes unless its writer opted out; a diary entry only when
/// its member's diary is public and they opted in.
const FEDERATED: [(&str, &str, &str, &str, &str, &str); 3] = [
    (
        "review",
        "reviews s",
        "s.status = 'published' AND NOT EXISTS (SELECT 1 FROM users ou WHERE ou.id = s.author_id AND ou.federation = 'off')",
        "s.revision",
        "s.published_at",
        "s.author_id",
    ),
    (
        "article",
        "posts s",
        "s.status = 'published' AND s.kind = 'article' \
         AND NOT EXISTS (SELECT 1 FROM users ou WHERE ou.id = s.author_id AND ou.federation = 'off')",
        "s.revision",
        "s.published_at",
        "s.author_id",
    ),
    (
        "diary",
        "diary_entries s JOIN users du ON du.id = s.user_id",
        "du.diary_public = 1 AND du.federation = 'all'",
        "s.updated_at",
        "s.created_at",
        "s.user_id",
    ),
];

/// What federates and followers were never told of, told of an older revision, or told was
/// withdrawn.
pub async fn pending_objects(store: &Store, limit: i64) -> Result<Vec<Pending>> {
    let mut pending = Vec::new();
    for (kind, from, goes, revision, time, author) in FEDERATED {
        let sql = format!(
            "SELECT s.id, {author} AS author_id, {revision} AS revision, {time} AS published_at, \
             o.revision AS o_revision, o.sent, o.deleted, o.actor AS o_actor, o.generation \
             FROM {from} LEFT JOIN federated_objects o ON o.kind = $1 AND o.source_id = s.id \
             WHERE {goes} AND (o.source_id IS NULL OR o.revision <> {revision} OR o.deleted <> 0) \
             ORDER BY {time}, s.id LIMIT $2"
        );
        let rows = sqlx::query(&sql).bind(kind).bind(limit).fetch_all(store.pool()).await?;
        for row in rows {
            let o_revision: Option<i64> = row.try_get("o_revision")?;
            let sent: Option<i64> = row.try_get("sent")?;
            let deleted: Option<i64> = row.try_get("deleted")?;
            let generation: Option<i64> = row.try_get("generation")?;
            pending.push(Pending {
                kind: kind.to_string(),
                source_id: row.try_get("id")?,
                author_id: row.try_get("author_id")?,
                revision: row.try_get("revision")?,
                published_at: row.try_get::<Option<i64>, _>("published_at")?.unwrap_or_else(now),
                known: o_revision.map(|revision| Known {
                    revision,
                    sent: sent.unwrap_or(0) != 0,
                    deleted: deleted.unwrap_or(0) != 0,
                    generation: generation.unwrap_or(0),
                }),
                known_actor: row.try_get("o_actor")?,
            });
        }
    }
    Ok(pending)
}

/// A recorded object that no longer federates (unpublished, deleted, made private, or its
/// member opted out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawn {
    pub kind: String,
    pub source_id: i64,
    pub actor: String,
    pub known: Known,
}

pub async fn withdrawn_objects(store: &Store, limit: i64) -> Result<Vec<Withdrawn>> {
    let mut withdrawn = Vec::new();
    for (kind, from, goes, ..) in FEDERATED {
        let sql = format!(
            "SELECT o.source_id, o.actor, o.revision, o.sent, o.generation FROM federated_objects o \
             WHERE o.kind = $1 AND o.deleted = 0 AND NOT EXISTS (SELECT 1 FROM {from} WHERE s.id = o.source_id AND {goes}) \
             ORDER BY o.source_id LIMIT $2"
        );
        let rows = sqlx::query(&sql).bind(kind).bind(limit).fetch_all(store.pool()).await?;
        for row in rows {
            withdrawn.push(Withdrawn {
                kind: kind.to_string(),
                source_id: row.try_get("source_id")?,
                actor: row.try_get("actor")?,
                known: Known {
                    revision: row.try_get("revision")?,
                    sent: row.try_get::<i64, _>("sent")? != 0,
                    deleted: false,
                    generation: row.try_get("generation")?,
                },
            });
        }
    }
    Ok(withdrawn)
}

/// What followers know of an object: the revision they were told of, whether they were told at
/// all, whether it was withdrawn since.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Known {
    pub revision: i64,
    pub sent: bool,
    pub deleted: bool,
    /// How many times it was published again after a Delete was sent (its id's suffix).
    pub generation: i64,
}

/// Records what followers now know of an object, with the deliveries that tell them, in one
/// transaction, when what was known is still `before`: of two servers that saw the same change,
/// one records it and queues its deliveries, the other finds it done (false) and sends nothing.
pub async fn record_object(
    store: &Store,
    object: (&str, i64),
    actor: &str,
    before: Option<Known>,
    now_known: Known,
    deliveries: &[NewDelivery],
) -> Result<bool> {
    let mut tx = store.begin().await?;
    let done = match before {
        None => sqlx::query(
            "INSERT INTO federated_objects (kind, source_id, actor, revision, sent, deleted, generation, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (kind, source_id) DO NOTHING",
        )
        .bind(object.0)
        .bind(object.1)
        .bind(actor)
        .bind(now_known.revision)
        .bind(i64::from(now_known.sent))
        .bind(i64::from(now_known.deleted))
        .bind(now_known.generation)
        .bind(now())
        .execute(&mut *tx)
        .await?,
        Some(before) => {
            sqlx::query(
                "UPDATE federated_objects SET actor = $1, revision = $2, sent = $3, deleted = $4, updated_at = $5, \
                 generation = $11 WHERE kind = $6 AND source_id = $7 AND revision = $8 AND sent = $9 AND deleted = $10 \
                 AND generation = $12",
            )
            .bind(actor)
            .bind(now_known.revision)
            .bind(i64::from(now_known.sent))
            .bind(i64::from(now_known.deleted))
            .bind(now())
            .bind(object.0)
            .bind(object.1)
            .bind(before.revision)
            .bind(i64::from(before.sent))
            .bind(i64::from(before.deleted))
            .bind(now_known.generation)
            .bind(before.generation)
            .execute(&mut *tx)
            .await?
        }
    };
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    for delivery in deliveries {
        insert_delivery(&mut tx, delivery).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// Reviews and articles that followers were sent, newest first: the outbox.
pub async fn sent_objects(
    store: &Store,
    actor: Option<&str>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<(String, i64)>, i64)> {
    let condition = if actor.is_some() { " AND actor = $3" } else { "" };
    let sql = format!(
        "SELECT kind, source_id FROM federated_objects WHERE sent <> 0 AND deleted = 0{condition} \
         ORDER BY updated_at DESC, source_id DESC LIMIT $1 OFFSET $2"
    );
    let mut query = sqlx::query(&sql).bind(limit).bind(offset);
    if let Some(actor) = actor {
        query = query.bind(actor);
    }
    let rows = query.fetch_all(store.pool()).await?;
    let items = rows.iter().map(|row| Ok((row.try_get("kind")?, row.try_get("source_id")?))).collect::<Result<_>>()?;
    let count_sql = format!(
        "SELECT COUNT(*) FROM federated_objects WHERE sent <> 0 AND deleted = 0{}",
        condition.replace("$3", "$1")
    );
    let mut count = sqlx::query_scalar(&count_sql);
    if let Some(actor) = actor {
        count = count.bind(actor);
    }
    Ok((items, count.fetch_one(store.pool()).await?))
}

// ---------------------------------------------------------------------------------------------
// Deliveries

/// An activity to deliver to one inbox, signed by the local `actor`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDelivery {
    pub inbox: String,
    pub actor: String,
    pub activity: String,
}

async fn insert_delivery(conn: &mut crate::Conn, delivery: &NewDelivery) -> Result<()> {
    let now = now();
    sqlx::query(
        "INSERT INTO deliveries (inbox, actor, activity, state, attempts, next_at, created_at) \
         VALUES ($1, $2, $3, 'pending', 0, $4, $4)",
    )
    .bind(&delivery.inbox)
    .bind(&delivery.actor)
    .bind(&delivery.activity)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn enqueue(store: &Store, deliveries: &[NewDelivery]) -> Result<()> {
    let mut tx = store.begin().await?;
    for delivery in deliveries {
        insert_delivery(&mut tx, delivery).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A delivery claimed by this server for a while.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub id: i64,
    pub inbox: String,
    pub actor: String,
    pub activity: String,
    /// Attempts before this one.
    pub attempts: i64,
}

/// Claims up to `limit` deliveries that are due, each for `hold` seconds: a delivery is claimed
/// by one server only, however many share the database (the claim is a conditional update of
/// its row, which one writer wins).
pub async fn claim_due(store: &Store, limit: i64, hold: i64) -> Result<Vec<Delivery>> {
    let now = now();
    let rows = sqlx::query(
        "SELECT id, inbox, actor, activity, attempts FROM deliveries WHERE state = 'pending' AND next_at <= $1 \
         AND (claimed_until IS NULL OR claimed_until < $1) ORDER BY next_at, id LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    let mut claimed = Vec::new();
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let done = sqlx::query(
            "UPDATE deliveries SET claimed_until = $1 WHERE id = $2 AND state = 'pending' \
             AND (claimed_until IS NULL OR claimed_until < $3)",
        )
        .bind(now + hold)
        .bind(id)
        .bind(now)
        .execute(store.pool())
        .await?;
        if done.rows_affected() == 1 {
            claimed.push(Delivery {
                id,
                inbox: row.try_get("inbox")?,
                actor: row.try_get("actor")?,
                activity: row.try_get("activity")?,
                attempts: row.try_get("attempts")?,
            });
        }
    }
    Ok(claimed)
}

pub async fn delivered(store: &Store, id: i64) -> Result<()> {
    sqlx::query("UPDATE deliveries SET state = 'done', attempts = attempts + 1, claimed_until = NULL, done_at = $1, last_error = NULL WHERE id = $2")
        .bind(now())
        .bind(id)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// Records a failed attempt: tried again at `retry_at`, or given up for good when `None`.
pub async fn failed(store: &Store, id: i64, error: &str, retry_at: Option<i64>) -> Result<()> {
    let (state, next) = match retry_at {
        Some(at) => ("pending", at),
        None => ("failed", now()),
    };
    sqlx::query(
        "UPDATE deliveries SET state = $1, attempts = attempts + 1, next_at = $2, claimed_until = NULL, last_error = $3, \
         done_at = CASE WHEN $1 = 'failed' THEN $2 ELSE NULL END WHERE id = $4",
    )
    .bind(state)
    .bind(next)
    .bind(error)
    .bind(id)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// How many deliveries are waiting, went, and were given up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeliveryCounts {
    pub pending: i64,
    pub done: i64,
    pub failed: i64,
}

pub async fn delivery_counts(store: &Store) -> Result<DeliveryCounts> {
    let rows =
        sqlx::query("SELECT state, COUNT(*) AS n FROM deliveries GROUP BY state").fetch_all(store.pool()).await?;
    let mut counts = DeliveryCounts::default();
    for row in rows {
        let state: String = row.try_get("state")?;
        let n: i64 = row.try_get("n")?;
        match state.as_str() {
            "pending" => counts.pending = n,
            "done" => counts.done = n,
            _ => counts.failed += n,
        }
    }
    Ok(counts)
}

/// A delivery that has failed at least once, as the admin lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trouble {
    pub inbox: String,
    pub state: String,
    pub attempts: i64,
    pub next_at: i64,
    pub last_error: String,
}

pub async fn troubles(store: &Store, limit: i64) -> Result<Vec<Trouble>> {
    let rows = sqlx::query(
        "SELECT inbox, state, attempts, next_at, last_error FROM deliveries WHERE last_error IS NOT NULL \
         ORDER BY id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Trouble {
                inbox: row.try_get("inbox")?,
                state: row.try_get("state")?,
                attempts: row.try_get("attempts")?,
                next_at: row.try_get("next_at")?,
                last_error: row.try_get("last_error")?,
            })
        })
        .collect()
}

/// Forgets what strangers left behind: posts of followed accounts received before `posts_before`,
/// and remote actors fetched before `actors_before` that nothing here refers to any more (no
/// follow either way, reply, reaction or kept post). Returns how many rows went.
pub async fn prune_remote(store: &Store, posts_before: i64, actors_before: i64) -> Result<u64> {
    let mut tx = store.begin().await?;
    let posts =
        sqlx::query("DELETE FROM remote_posts WHERE received_at < $1").bind(posts_before).execute(&mut *tx).await?;
    let actors = sqlx::query(
        "DELETE FROM remote_actors WHERE fetched_at < $1 \
         AND NOT EXISTS (SELECT 1 FROM followers f WHERE f.follower = remote_actors.uri) \
         AND NOT EXISTS (SELECT 1 FROM following g WHERE g.actor = remote_actors.uri) \
         AND NOT EXISTS (SELECT 1 FROM comments c WHERE c.actor = remote_actors.uri) \
         AND NOT EXISTS (SELECT 1 FROM reactions r WHERE r.actor = remote_actors.uri) \
         AND NOT EXISTS (SELECT 1 FROM remote_posts p WHERE p.actor = remote_actors.uri)",
    )
    .bind(actors_before)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(posts.rows_affected() + actors.rows_affected())
}

/// Forgets deliveries that went (or were given up) before `before`.
pub async fn prune_deliveries(store: &Store, before: i64) -> Result<u64> {
    let done = sqlx::query("DELETE FROM deliveries WHERE state <> 'pending' AND done_at < $1")
        .bind(before)
        .execute(store.pool())
        .await?;
    Ok(done.rows_affected())
}

// ---------------------------------------------------------------------------------------------
// Comments and reactions

/// A reply from the fediverse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub id: i64,
    pub kind: String,
    pub source_id: i64,
    pub uri: String,
    pub actor: String,
    pub author_name: String,
    pub author_handle: String,
    pub author_url: Option<String>,
    /// Sanitized when it arrived.
    pub content_html: String,
    pub url: Option<String>,
    pub published_at: i64,
    pub status: String,
}

/// A reply as it arrives (content sanitized already).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewComment {
    pub kind: String,
    pub source_id: i64,
    pub uri: String,
    pub actor: String,
    pub author_name: String,
    pub author_handle: String,
    pub author_url: Option<String>,
    pub content_html: String,
    pub url: Option<String>,
    pub published_at: i64,
}

const COMMENT_COLUMNS: &str = "id, kind, source_id, uri, actor, author_name, author_handle, author_url, content_html, \
    url, published_at, status";

fn comment_from(row: &AnyRow) -> Result<Comment> {
    Ok(Comment {
        id: row.try_get("id")?,
        kind: row.try_get("kind")?,
        source_id: row.try_get("source_id")?,
        uri: row.try_get("uri")?,
        actor: row.try_get("actor")?,
        author_name: row.try_get("author_name")?,
        author_handle: row.try_get("author_handle")?,
        author_url: row.try_get("author_url")?,
        content_html: row.try_get("content_html")?,
        url: row.try_get("url")?,
        published_at: row.try_get("published_at")?,
        status: row.try_get("status")?,
    })
}

/// Holds a reply for moderation; one that arrived already is left as it is.
pub async fn hold_comment(store: &Store, comment: &NewComment) -> Result<bool> {
    let now = now();
    let done = sqlx::query(
        "INSERT INTO comments (kind, source_id, uri, actor, author_name, author_handle, author_url, content_html, url, \
         published_at, status, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'held', $11, $11) \
         ON CONFLICT (uri) DO NOTHING",
    )
    .bind(&comment.kind)
    .bind(comment.source_id)
    .bind(&comment.uri)
    .bind(&comment.actor)
    .bind(&comment.author_name)
    .bind(&comment.author_handle)
    .bind(&comment.author_url)
    .bind(&comment.content_html)
    .bind(&comment.url)
    .bind(comment.published_at)
    .bind(now)
    .execute(store.pool())
    .await?;
    Ok(done.rows_affected() > 0)
}

/// Replaces a reply's text, when `actor` wrote it; an approved reply goes back to the
/// moderators (what they approved was the old text).
pub async fn edit_comment(store: &Store, uri: &str, actor: &str, content_html: &str) -> Result<bool> {
    let mut tx = store.begin().await?;
    let done = sqlx::query(
        "UPDATE comments SET content_html = $1, updated_at = $2, \
         status = CASE WHEN status = 'approved' THEN 'held' ELSE status END \
         WHERE uri = $3 AND actor = $4 AND content_html <> $1",
    )
    .bind(content_html)
    .bind(now())
    .bind(uri)
    .bind(actor)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() > 0 {
        crate::content::bump(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

/// Removes a reply, when `actor` wrote it.
pub async fn delete_comment(store: &Store, uri: &str, actor: &str) -> Result<bool> {
    let mut tx = store.begin().await?;
    let done = sqlx::query("DELETE FROM comments WHERE uri = $1 AND actor = $2")
        .bind(uri)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() > 0 {
        crate::content::bump(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

/// Removes every reply and reaction of an actor (their account deleted, or blocked).
pub async fn forget_actor(store: &Store, actor: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    let mut removed = 0;
    for (table, column) in [("comments", "actor"), ("reactions", "actor"), ("followers", "follower")] {
        let done =
            sqlx::query(&format!("DELETE FROM {table} WHERE {column} = $1")).bind(actor).execute(&mut *tx).await?;
        removed += done.rows_affected();
    }
    // Pages change only when something shown went (a stranger's Delete of themselves is free).
    if removed > 0 {
        crate::content::bump(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Sets a reply's status (`approved`, `rejected`); false when there is no such reply.
pub async fn moderate(store: &Store, id: i64, status: &str) -> Result<bool> {
    let mut tx = store.begin().await?;
    let done = sqlx::query("UPDATE comments SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() > 0 {
        crate::content::bump(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

pub async fn comment(store: &Store, id: i64) -> Result<Option<Comment>> {
    let sql = format!("SELECT {COMMENT_COLUMNS} FROM comments WHERE id = $1");
    sqlx::query(&sql).bind(id).fetch_optional(store.pool()).await?.as_ref().map(comment_from).transpose()
}

/// Replies with this status, oldest first (the moderation queue) or newest first.
pub async fn comments_with_status(store: &Store, status: &str, limit: i64) -> Result<Vec<Comment>> {
    let order = if status == "held" { "ASC" } else { "DESC" };
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} FROM comments WHERE status = $1 ORDER BY created_at {order}, id {order} LIMIT $2"
    );
    let rows = sqlx::query(&sql).bind(status).bind(limit).fetch_all(store.pool()).await?;
    rows.iter().map(comment_from).collect()
}

/// The approved replies to a review or article, oldest first.
pub async fn approved_comments(store: &Store, kind: &str, source_id: i64) -> Result<Vec<Comment>> {
    let sql = format!(
        "SELECT {COMMENT_COLUMNS} FROM comments WHERE kind = $1 AND source_id = $2 AND status = 'approved' \
         ORDER BY published_at, id"
    );
    let rows = sqlx::query(&sql).bind(kind).bind(source_id).fetch_all(store.pool()).await?;
    rows.iter().map(comment_from).collect()
}

pub async fn held_count(store: &Store) -> Result<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM comments WHERE status = 'held'").fetch_one(store.pool()).await?)
}

/// Counts a like or a boost (once per actor).
pub async fn react(store: &Store, activity: &str, object: (&str, i64), reaction: &str, actor: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    let done = sqlx::query(
        "INSERT INTO reactions (activity, kind, source_id, reaction, actor, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT DO NOTHING",
    )
    .bind(activity)
    .bind(object.0)
    .bind(object.1)
    .bind(reaction)
    .bind(actor)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() > 0 {
        crate::content::bump(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Takes back a like or boost by its activity's id, when `actor` made it.
pub async fn unreact(store: &Store, activity: &str, actor: &str) -> Result<bool> {
    let mut tx = store.begin().await?;
    let done = sqlx::query("DELETE FROM reactions WHERE activity = $1 AND actor = $2")
        .bind(activity)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() > 0 {
        crate::content::bump(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(done.rows_affected() > 0)
}

/// How many likes and boosts a review or article has.
pub async fn reaction_counts(store: &Store, kind: &str, source_id: i64) -> Result<(i64, i64)> {
    let rows = sqlx::query(
        "SELECT reaction, COUNT(*) AS n FROM reactions WHERE kind = $1 AND source_id = $2 GROUP BY reaction",
    )
    .bind(kind)
    .bind(source_id)
    .fetch_all(store.pool())
    .await?;
    let (mut likes, mut boosts) = (0, 0);
    for row in rows {
        let reaction: String = row.try_get("reaction")?;
        let n: i64 = row.try_get("n")?;
        if reaction == "like" {
            likes = n;
        } else {
            boosts = n;
        }
    }
    Ok((likes, boosts))
}

// ---------------------------------------------------------------------------------------------
// What activities describe

/// What an `Article` of a review needs beyond its page: its film's IMDb id and its author.
pub async fn review_refs(store: &Store, review_id: i64) -> Result<Option<(Option<String>, Option<i64>, String)>> {
    let row = sqlx::query(
        "SELECT f.imdb_id, r.author_id, r.slug FROM reviews r JOIN films f ON f.id = r.film_id WHERE r.id = $1",
    )
    .bind(review_id)
    .fetch_optional(store.pool())
    .await?;
    row.map(|row| Ok((row.try_get("imdb_id")?, row.try_get("author_id")?, row.try_get("slug")?))).transpose()
}

/// A writer who may be followed: one who writes (owner, editor, writer) or has a public page
/// (`/writers/slug`), and whose account is not disabled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocalWriter {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub bio: String,
}

fn writer_from(row: &AnyRow) -> Result<LocalWriter> {
    Ok(LocalWriter {
        id: row.try_get("id")?,
        slug: row.try_get("slug")?,
        name: row.try_get("display_name")?,
        bio: row.try_get("bio")?,
    })
}

pub async fn writer_by_slug(store: &Store, slug: &str) -> Result<Option<LocalWriter>> {
    let sql = format!("SELECT u.id, u.slug, u.display_name, u.bio FROM users u WHERE u.slug = $1 AND u.disabled = 0 AND (u.role IN ('owner', 'editor', 'writer') OR {})", crate::public_pages::MEMBER);
    sqlx::query(&sql).bind(slug).fetch_optional(store.pool()).await?.as_ref().map(writer_from).transpose()
}

pub async fn writer_by_id(store: &Store, id: i64) -> Result<Option<LocalWriter>> {
    let sql = "SELECT u.id, u.slug, u.display_name, u.bio FROM users u WHERE u.id = $1";
    sqlx::query(sql).bind(id).fetch_optional(store.pool()).await?.as_ref().map(writer_from).transpose()
}

/// Removes what every actor of an instance sent (replies, likes, boosts, follows).
pub async fn forget_instance(store: &Store, host: &str) -> Result<()> {
    let mut tx = store.begin().await?;
    // Actors' ids are URLs on their host: `https://host/…`, with a port or (on one machine, in
    // tests) over http. Compared in lower case, with `%` and `_` of the host taken literally.
    let host = host.to_ascii_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    let patterns = ["https://{}/%", "https://{}:%", "http://{}/%", "http://{}:%"].map(|p| p.replace("{}", &host));
    let mut removed = 0;
    for (table, column) in [("comments", "actor"), ("reactions", "actor"), ("followers", "follower")] {
        let sql = format!(
            "DELETE FROM {table} WHERE LOWER({column}) LIKE $1 ESCAPE '\\' OR LOWER({column}) LIKE $2 ESCAPE '\\' \
             OR LOWER({column}) LIKE $3 ESCAPE '\\' OR LOWER({column}) LIKE $4 ESCAPE '\\'"
        );
        let mut query = sqlx::query(&sql);
        for pattern in &patterns {
            query = query.bind(pattern.as_str());
        }
        removed += query.execute(&mut *tx).await?.rows_affected();
    }
    if removed > 0 {
        crate::content::bump(&mut tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Accounts the site follows, what they publish, and the replies written to them

/// Records a follow the site sent (waiting for the other server's Accept).
pub async fn follow_remote(store: &Store, actor: &str, follow_id: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO following (actor, follow_id, accepted, created_at) VALUES ($1, $2, 0, $3) \
         ON CONFLICT (actor) DO UPDATE SET follow_id = excluded.follow_id",
    )
    .bind(actor)
    .bind(follow_id)
    .bind(now())
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Marks the follow of `actor` accepted; false when the site does not follow them.
pub async fn accept_following(store: &Store, actor: &str) -> Result<bool> {
    let done =
        sqlx::query("UPDATE following SET accepted = 1 WHERE actor = $1").bind(actor).execute(store.pool()).await?;
    Ok(done.rows_affected() > 0)
}

/// Stops following `actor` (and forgets what they sent); the follow's id, when there was one.
pub async fn remove_following(store: &Store, actor: &str) -> Result<Option<String>> {
    let mut tx = store.begin().await?;
    let follow_id: Option<String> = sqlx::query_scalar("SELECT follow_id FROM following WHERE actor = $1")
        .bind(actor)
        .fetch_optional(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM following WHERE actor = $1").bind(actor).execute(&mut *tx).await?;
    sqlx::query("DELETE FROM remote_posts WHERE actor = $1").bind(actor).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(follow_id)
}

pub async fn is_following(store: &Store, actor: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM following WHERE actor = $1")
        .bind(actor)
        .fetch_one(store.pool())
        .await?;
    Ok(n > 0)
}

/// An account the site follows, as the admin lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Followed {
    pub actor: String,
    pub accepted: bool,
    pub handle: Option<String>,
    pub name: Option<String>,
    pub since: i64,
}

pub async fn following(store: &Store) -> Result<Vec<Followed>> {
    let rows = sqlx::query(
        "SELECT f.actor, f.accepted, f.created_at, a.handle, a.name FROM following f \
         LEFT JOIN remote_actors a ON a.uri = f.actor ORDER BY f.created_at DESC, f.actor",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Followed {
                actor: row.try_get("actor")?,
                accepted: row.try_get::<i64, _>("accepted")? != 0,
                handle: row.try_get("handle")?,
                name: row.try_get("name")?,
                since: row.try_get("created_at")?,
            })
        })
        .collect()
}

/// A post by an account the site follows (content sanitized when it arrived).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemotePost {
    pub uri: String,
    pub actor: String,
    /// `Article`, `Note`…
    pub kind: String,
    pub name: Option<String>,
    pub summary: Option<String>,
    pub content_html: String,
    pub url: Option<String>,
    pub published_at: i64,
    pub updated_at: i64,
    /// Who of the site liked it.
    pub liked_by: Option<i64>,
    /// The author, as last fetched.
    pub author_name: Option<String>,
    pub author_handle: Option<String>,
}

/// Keeps (or replaces, when its author sends it again) a post of a followed account.
pub async fn keep_remote_post(store: &Store, post: &RemotePost) -> Result<()> {
    let now = now();
    sqlx::query(
        "INSERT INTO remote_posts (uri, actor, kind, name, summary, content_html, url, published_at, updated_at, received_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (uri) DO UPDATE SET kind = excluded.kind, \
         name = excluded.name, summary = excluded.summary, content_html = excluded.content_html, url = excluded.url, \
         updated_at = excluded.updated_at WHERE remote_posts.actor = excluded.actor",
    )
    .bind(&post.uri)
    .bind(&post.actor)
    .bind(&post.kind)
    .bind(&post.name)
    .bind(&post.summary)
    .bind(&post.content_html)
    .bind(&post.url)
    .bind(post.published_at)
    .bind(post.updated_at)
    .bind(now)
    .execute(store.pool())
    .await?;
    Ok(())
}

/// Removes a post of a followed account, when `actor` wrote it.
pub async fn delete_remote_post(store: &Store, uri: &str, actor: &str) -> Result<bool> {
    let done = sqlx::query("DELETE FROM remote_posts WHERE uri = $1 AND actor = $2")
        .bind(uri)
        .bind(actor)
        .execute(store.pool())
        .await?;
    Ok(done.rows_affected() > 0)
}

const REMOTE_POST_SELECT: &str = "SELECT p.uri, p.actor, p.kind, p.name, p.summary, p.content_html, p.url, \
    p.published_at, p.updated_at, p.liked_by, a.name AS author_name, a.handle AS author_handle \
    FROM remote_posts p LEFT JOIN remote_actors a ON a.uri = p.actor";

fn remote_post_from(row: &AnyRow) -> Result<RemotePost> {
    Ok(RemotePost {
        uri: row.try_get("uri")?,
        actor: row.try_get("actor")?,
        kind: row.try_get("kind")?,
        name: row.try_get("name")?,
        summary: row.try_get("summary")?,
        content_html: row.try_get("content_html")?,
        url: row.try_get("url")?,
        published_at: row.try_get("published_at")?,
        updated_at: row.try_get("updated_at")?,
        liked_by: row.try_get("liked_by")?,
        author_name: row.try_get("author_name")?,
        author_handle: row.try_get("author_handle")?,
    })
}

/// The newest posts of the accounts the site follows.
pub async fn remote_posts(store: &Store, limit: i64) -> Result<Vec<RemotePost>> {
    let sql = format!("{REMOTE_POST_SELECT} ORDER BY p.published_at DESC, p.uri LIMIT $1");
    let rows = sqlx::query(&sql).bind(limit).fetch_all(store.pool()).await?;
    rows.iter().map(remote_post_from).collect()
}

pub async fn remote_post(store: &Store, uri: &str) -> Result<Option<RemotePost>> {
    let sql = format!("{REMOTE_POST_SELECT} WHERE p.uri = $1");
    sqlx::query(&sql).bind(uri).fetch_optional(store.pool()).await?.as_ref().map(remote_post_from).transpose()
}

pub async fn mark_liked(store: &Store, uri: &str, user_id: i64) -> Result<()> {
    sqlx::query("UPDATE remote_posts SET liked_by = $1 WHERE uri = $2")
        .bind(user_id)
        .bind(uri)
        .execute(store.pool())
        .await?;
    Ok(())
}

/// A reply a member wrote to a post elsewhere.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingNote {
    pub id: i64,
    pub author_id: i64,
    pub in_reply_to: String,
    pub content_html: String,
    pub created_at: i64,
}

pub async fn insert_outgoing_note(
    store: &Store,
    author_id: i64,
    in_reply_to: &str,
    content_html: &str,
) -> Result<OutgoingNote> {
    let created_at = now();
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO outgoing_notes (author_id, in_reply_to, content_html, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(author_id)
    .bind(in_reply_to)
    .bind(content_html)
    .bind(created_at)
    .fetch_one(store.pool())
    .await?;
    Ok(OutgoingNote {
        id,
        author_id,
        in_reply_to: in_reply_to.to_string(),
        content_html: content_html.to_string(),
        created_at,
    })
}

pub async fn outgoing_note(store: &Store, id: i64) -> Result<Option<OutgoingNote>> {
    let row =
        sqlx::query("SELECT id, author_id, in_reply_to, content_html, created_at FROM outgoing_notes WHERE id = $1")
            .bind(id)
            .fetch_optional(store.pool())
            .await?;
    row.map(|row| {
        Ok(OutgoingNote {
            id: row.try_get("id")?,
            author_id: row.try_get("author_id")?,
            in_reply_to: row.try_get("in_reply_to")?,
            content_html: row.try_get("content_html")?,
            created_at: row.try_get("created_at")?,
        })
    })
    .transpose()
}

/// A film's IMDb id, when known.
pub async fn film_imdb(store: &Store, film_id: i64) -> Result<Option<String>> {
    Ok(sqlx::query_scalar::<_, Option<String>>("SELECT imdb_id FROM films WHERE id = $1")
        .bind(film_id)
        .fetch_optional(store.pool())
        .await?
        .flatten())
}

/// An inbox that failed for days: what waits for it is given up, and the followers it served
/// are removed (their instance is gone; a follow from there starts afresh).
pub async fn give_up_inbox(store: &Store, inbox: &str) -> Result<u64> {
    let mut tx = store.begin().await?;
    sqlx::query(
        "UPDATE deliveries SET state = 'failed', claimed_until = NULL, done_at = $1, \
         last_error = COALESCE(last_error, 'the instance is gone') WHERE inbox = $2 AND state = 'pending'",
    )
    .bind(now())
    .bind(inbox)
    .execute(&mut *tx)
    .await?;
    let removed = sqlx::query(
        "DELETE FROM followers WHERE follower IN (SELECT uri FROM remote_actors WHERE COALESCE(shared_inbox, inbox) = $1)",
    )
    .bind(inbox)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(removed.rows_affected())
}

/// When a diary entry was last changed.
pub async fn diary_updated_at(store: &Store, id: i64) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar("SELECT updated_at FROM diary_entries WHERE id = $1")
        .bind(id)
        .fetch_optional(store.pool())
        .await?)
}

/// The generation an object's id is at (0 until it is published again after a Delete).
pub async fn generation(store: &Store, kind: &str, source_id: i64) -> Result<i64> {
    Ok(sqlx::query_scalar::<_, i64>("SELECT generation FROM federated_objects WHERE kind = $1 AND source_id = $2")
        .bind(kind)
        .bind(source_id)
        .fetch_optional(store.pool())
        .await?
        .unwrap_or(0))
}

/// Forgets the replies and reactions of a review, article or diary entry being deleted (in the
/// deleting transaction): on SQLite a later row may be given the same id.
pub(crate) async fn forget_source(conn: &mut crate::Conn, kind: &str, source_id: i64) -> Result<()> {
    for table in ["comments", "reactions"] {
        sqlx::query(&format!("DELETE FROM {table} WHERE kind = $1 AND source_id = $2"))
            .bind(kind)
            .bind(source_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
