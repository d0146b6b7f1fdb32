//! What followers are sent. Federation does not hook into each way a review can be published
//! (the editor, the API, a schedule, an import, another server): it compares what is published
//! with what followers were told (`federated_objects`) and queues what makes them agree:
//! `Create` of a review or article new to them (with the site's `Announce` for the site's own
//! followers), `Update` of one edited, `Delete` of one withdrawn. One published long before
//! federation first saw it (an import of an archive) is recorded and not announced.
//!
//! Deliveries wait in the database, one per inbox (an instance's shared inbox once for all its
//! followers), claimed by one server at a time, and are retried with growing delays for about
//! four days before being given up.

use crate::activities::{self, ArticleObject, ReviewObject};
use crate::keys::PrivateKey;
use crate::{Federation, Local};
use marquee_store::federation::{self as records, Known, NewDelivery};
use serde_json::{json, Value};

/// A review or article published longer ago than this when federation first sees it is not
/// announced (an archive imported at once would otherwise flood every follower).
pub const ANNOUNCE_WITHIN: i64 = 2 * 24 * 3600;

/// Seconds to wait after each failed attempt; given up after the last.
pub const BACKOFF: &[i64] = &[60, 300, 1800, 7200, 21_600, 43_200, 86_400, 172_800];

/// How long a server holds a delivery it claimed before another may take it.
const CLAIM: i64 = 120;

/// How many deliveries go at once.
const BATCH: i64 = 16;

impl Federation {
    /// The local actor who speaks for a review or article by `author_id`: its writer, or the
    /// site for one without a writer who may be followed.
    async fn speaker(&self, author_id: Option<i64>) -> crate::Result<Local> {
        Ok(match author_id {
            Some(id) => self.writer(id).await?.unwrap_or(Local::Site),
            None => Local::Site,
        })
    }

    /// The actor a key name names (`site`, `user:ID`), for signing.
    async fn by_key_name(&self, name: &str) -> crate::Result<Option<Local>> {
        if name == "site" {
            return Ok(Some(Local::Site));
        }
        match name.strip_prefix("user:").and_then(|n| n.parse::<i64>().ok()) {
            Some(id) => Ok(records::writer_by_id(&self.store, id).await?.map(Local::Writer)),
            None => Ok(None),
        }
    }

    fn followers_of(&self, local: &Local) -> String {
        format!("{}/followers", self.actor_id(local))
    }

    /// A published review, article or diary entry as followers get it, when it is published.
    pub async fn object(&self, kind: &str, id: i64) -> crate::Result<Option<Value>> {
        let generation = records::generation(&self.store, kind, id).await?;
        self.object_at(kind, id, generation).await
    }

    /// The same, under the id of one generation.
    async fn object_at(&self, kind: &str, id: i64, generation: i64) -> crate::Result<Option<Value>> {
        let base = &self.base_url;
        match kind {
            "review" => {
                let Some(review) = marquee_store::reviews::published_by_id(&self.store, id).await? else {
                    return Ok(None);
                };
                let Some((imdb_id, author_id, _)) = records::review_refs(&self.store, id).await? else {
                    return Ok(None);
                };
                let local = self.speaker(author_id).await?;
                let card = &review.card;
                let bands = verdict_bands(&self.store).await?;
                let summary = card.summary.clone().unwrap_or_else(|| excerpt(&card.body_start));
                let object = ReviewObject {
                    id: self.object_id("review", id, generation),
                    url: format!("{base}/reviews/{}", card.slug),
                    actor: self.actor_id(&local),
                    followers: self.followers_of(&local),
                    film_title: card.film_title.clone(),
                    film_year: card.film_year,
                    headline: card.headline.clone(),
                    score: card.score.map(f64::from),
                    verdict: card
                        .verdict_override
                        .clone()
                        .or_else(|| card.score.map(|s| bands.label_for(s).to_string())),
                    summary,
                    content_html: review.body_html.as_str().to_string(),
                    published: card.published_at.unwrap_or(review.updated_at),
                    updated: Some(review.updated_at),
                    poster: card.poster.as_ref().map(|p| match p {
                        marquee_store::media::Picture::Stored(image) => {
                            format!("{base}{}", image.url(image.fallback_width(480), &image.extension))
                        }
                        marquee_store::media::Picture::Url(url) => url.clone(),
                    }),
                    tags: review.tags.iter().map(|t| (t.name.clone(), format!("{base}/tags/{}", t.slug))).collect(),
                    imdb_id,
                    film_page: format!("{base}/films/{}", card.film_slug),
                    spoilers: review.spoilers,
                };
                Ok(Some(activities::review_article(&object)))
            }
            "article" => {
                let Some(post) = marquee_store::posts::published_by_id(&self.store, id).await? else {
                    return Ok(None);
                };
                if post.card.kind != marquee_core::post::PostKind::Article {
                    return Ok(None);
                }
                let author = match &post.card.author_slug {
                    Some(slug) => records::writer_by_slug(&self.store, slug).await?.map(|w| w.id),
                    None => None,
                };
                let local = self.speaker(author).await?;
                let card = &post.card;
                let object = ArticleObject {
                    id: self.object_id("article", id, generation),
                    url: format!("{base}{}", card.path()),
                    actor: self.actor_id(&local),
                    followers: self.followers_of(&local),
                    title: card.title.clone(),
                    summary: card.standfirst.clone().unwrap_or_else(|| excerpt(&card.body_start)),
                    content_html: post.body_html.as_str().to_string(),
                    published: card.published_at.unwrap_or(card.updated_at),
                    updated: Some(card.updated_at),
                    tags: post.tags.iter().map(|t| (t.name.clone(), format!("{base}/tags/{}", t.slug))).collect(),
                };
                Ok(Some(activities::article(&object)))
            }
            "diary" => self.diary_note(id, generation).await,
            _ => Ok(None),
        }
    }

    /// A public diary entry of a member who opted in, as a `Note` (with its rating for NeoDB).
    async fn diary_note(&self, id: i64, generation: i64) -> crate::Result<Option<Value>> {
        let base = &self.base_url;
        let Some(entry) = marquee_store::diary::by_id(&self.store, id).await? else { return Ok(None) };
        if records::federating(&self.store, entry.user_id).await? != records::Federating::All {
            return Ok(None);
        }
        let Some(local @ Local::Writer(_)) = self.writer(entry.user_id).await? else { return Ok(None) };
        let Local::Writer(writer) = &local else { return Ok(None) };
        if !marquee_store::users::public_by_slug(&self.store, &writer.slug).await?.is_some_and(|u| u.diary_public) {
            return Ok(None);
        }
        let film = match entry.film_year {
            Some(year) => format!("{} ({year})", entry.film_title),
            None => entry.film_title.clone(),
        };
        let film_page = format!("{base}/films/{}", entry.film_slug);
        let item = match records::film_imdb(&self.store, entry.film_id).await? {
            Some(imdb) => format!("https://www.imdb.com/title/{imdb}/"),
            None => film_page.clone(),
        };
        let escape = marquee_core::html::escape;
        let rating = entry.rating.map(|r| format!(", {}/10", activities::score_text(f64::from(r)))).unwrap_or_default();
        let again = if entry.rewatch { " again" } else { "" };
        let mut content =
            format!("<p>Watched{again} <a href=\"{}\">{}</a>{rating}.</p>", escape(&film_page), escape(&film));
        for paragraph in entry.review_text.split("\n\n").filter(|p| !p.trim().is_empty()) {
            content.push_str(&format!("<p>{}</p>", escape(paragraph.trim()).replace('\n', "<br>")));
        }
        let actor = self.actor_id(&local);
        let mut related = Vec::new();
        if let Some(rating) = entry.rating {
            related.push(
                json!({ "type": "Rating", "value": f64::from(rating), "best": 10, "worst": 0, "withRegardTo": item }),
            );
        }
        let published =
            activities::parse_time(&format!("{}T12:00:00Z", entry.watched_on)).unwrap_or_else(marquee_store::now);
        Ok(Some(json!({
            "@context": activities::context(),
            "id": self.object_id("diary", id, generation),
            "type": "Note",
            "content": content,
            "url": format!("{base}/writers/{}/diary", writer.slug),
            "published": activities::rfc3339(published),
            "updated": activities::rfc3339(records::diary_updated_at(&self.store, id).await?.unwrap_or(published)),
            "attributedTo": actor,
            "to": [activities::PUBLIC],
            "cc": [format!("{actor}/followers")],
            "tag": [{ "type": "Movie", "name": entry.film_title, "href": item }],
            "relatedWith": related,
        })))
    }

    /// Compares what is published with what followers were told, and queues what tells them the
    /// difference. Returns how many objects it recorded.
    pub async fn sweep(&self) -> crate::Result<usize> {
        if !self.enabled().await? {
            return Ok(0);
        }
        let now = marquee_store::now();
        let mut recorded = 0;
        for pending in records::pending_objects(&self.store, 200).await? {
            let generation = match pending.known {
                // Its old id was deleted where it was sent: servers refuse it for good.
                Some(Known { deleted: true, sent: true, generation, .. }) => generation + 1,
                Some(known) => known.generation,
                None => 0,
            };

            // Once followers were told of it, the same actor goes on speaking for it.
            let local = match (&pending.known, &pending.known_actor) {
                (Some(Known { sent: true, deleted: false, .. }), Some(actor)) => match self.by_key_name(actor).await? {
                    Some(local) => local,
                    None => self.speaker(pending.author_id).await?,
                },
                _ => self.speaker(pending.author_id).await?,
            };
            let actor = local.key_name();
            let revision = pending.revision;
            let object_id = self.object_id(&pending.kind, pending.source_id, generation);
            let (activity, sent) = match pending.known {
                None | Some(Known { deleted: true, .. }) => {
                    if pending.published_at < now - ANNOUNCE_WITHIN {
                        (None, false)
                    } else {
                        (Some("Create"), true)
                    }
                }
                Some(Known { sent: true, .. }) => (Some("Update"), true),
                Some(Known { sent: false, .. }) => (None, false),
            };
            // The object is built only when it is sent (an archive recorded as not sent costs a row).
            let deliveries = match activity {
                Some(kind) => match self.object_at(&pending.kind, pending.source_id, generation).await? {
                    Some(object) => self.deliveries_for(kind, &local, &object_id, object, revision).await?,
                    None => continue,
                },
                None => Vec::new(),
            };
            let now_known = Known { revision, sent, deleted: false, generation };
            let object_key = (pending.kind.as_str(), pending.source_id);
            if records::record_object(&self.store, object_key, &actor, pending.known, now_known, &deliveries).await? {
                recorded += 1;
            }
        }
        for withdrawn in records::withdrawn_objects(&self.store, 200).await? {
            let object_id = self.object_id(&withdrawn.kind, withdrawn.source_id, withdrawn.known.generation);
            let deliveries = if withdrawn.known.sent {
                match self.by_key_name(&withdrawn.actor).await? {
                    Some(local) => {
                        let tombstone = activities::tombstone(&object_id);
                        self.deliveries_for("Delete", &local, &object_id, tombstone, withdrawn.known.revision).await?
                    }
                    None => Vec::new(),
                }
            } else {
                Vec::new()
            };
            let now_known = Known { deleted: true, ..withdrawn.known };
            let object_key = (withdrawn.kind.as_str(), withdrawn.source_id);
            if records::record_object(
                &self.store,
                object_key,
                &withdrawn.actor,
                Some(withdrawn.known),
                now_known,
                &deliveries,
            )
            .await?
            {
                recorded += 1;
            }
        }
        if recorded > 0 {
            self.wake.notify_one();
        }
        Ok(recorded)
    }

    /// The deliveries of one activity: the speaker's own to their followers' inboxes; for a new
    /// object by a writer, the site's `Announce` to the site's followers they do not reach; an
    /// `Update` or `Delete` to both.
    async fn deliveries_for(
        &self,
        kind: &str,
        local: &Local,
        object_id: &str,
        object: Value,
        revision: i64,
    ) -> crate::Result<Vec<NewDelivery>> {
        let actor_id = self.actor_id(local);
        let stamp = marquee_store::now();
        let id = format!("{object_id}/activities/{}-{revision}-{stamp}", kind.to_ascii_lowercase());
        let activity = activities::activity(kind, &id, &actor_id, &self.followers_of(local), object).to_string();
        let own_inboxes = records::follower_inboxes(&self.store, &[&local.key_name()]).await?;
        let mut deliveries: Vec<NewDelivery> = own_inboxes
            .iter()
            .map(|inbox| NewDelivery { inbox: inbox.clone(), actor: local.key_name(), activity: activity.clone() })
            .collect();
        if *local != Local::Site {
            let site_inboxes = records::follower_inboxes(&self.store, &["site"]).await?;
            if kind == "Create" {
                // Every inbox of the site's followers hears from the site itself, even one the
                // writer's delivery reaches: an instance shows a writer's Create only to the
                // writer's own followers there.
                let site = self.site_id();
                let announce_id = format!("{object_id}/activities/announce-{revision}-{stamp}");
                let announce = activities::activity(
                    "Announce",
                    &announce_id,
                    &site,
                    &format!("{site}/followers"),
                    Value::String(object_id.to_string()),
                )
                .to_string();
                deliveries.extend(site_inboxes.into_iter().map(|inbox| NewDelivery {
                    inbox,
                    actor: "site".into(),
                    activity: announce.clone(),
                }));
            } else {
                // An edit or a withdrawal reaches every instance that was told of the object.
                deliveries.extend(
                    site_inboxes.into_iter().filter(|inbox| !own_inboxes.contains(inbox)).map(|inbox| NewDelivery {
                        inbox,
                        actor: local.key_name(),
                        activity: activity.clone(),
                    }),
                );
            }
        }
        Ok(deliveries)
    }

    /// Sends the deliveries that are due (a few at once); returns how many went.
    pub async fn deliver_due(&self) -> crate::Result<usize> {
        Ok(self.deliver_batch().await?.1)
    }

    /// Claims a batch of due deliveries and sends them: (how many were claimed, how many went).
    /// Every outcome is recorded, whatever happens to the others.
    async fn deliver_batch(&self) -> crate::Result<(usize, usize)> {
        let due = records::claim_due(&self.store, BATCH, CLAIM).await?;
        let claimed = due.len();
        let attempts = due.into_iter().map(|delivery| async move {
            let outcome = self.deliver(&delivery).await;
            (delivery, outcome)
        });
        let mut sent = 0;
        let mut trouble = None;
        for (delivery, outcome) in futures_util::future::join_all(attempts).await {
            let recorded = match outcome {
                Ok(()) => {
                    sent += 1;
                    records::delivered(&self.store, delivery.id).await
                }
                Err((error, temporary)) => self.record_failure(&delivery, &error, temporary).await,
            };
            if let Err(e) = recorded {
                trouble = Some(e);
            }
        }
        match trouble {
            Some(e) => Err(e.into()),
            None => Ok((claimed, sent)),
        }
    }

    async fn record_failure(
        &self,
        delivery: &records::Delivery,
        error: &str,
        temporary: bool,
    ) -> marquee_store::Result<()> {
        let retry = BACKOFF.get(delivery.attempts as usize).filter(|_| temporary);
        let retry_at = retry.map(|delay| marquee_store::now() + delay);
        tracing::info!(inbox = %delivery.inbox, attempt = delivery.attempts + 1, %error, retry_at, "a delivery failed");
        records::failed(&self.store, delivery.id, error, retry_at).await?;
        if temporary && retry_at.is_none() {
            // Days of failures: the instance is gone for good.
            let removed = records::give_up_inbox(&self.store, &delivery.inbox).await?;
            tracing::warn!(inbox = %delivery.inbox, followers_removed = removed, "an inbox failed for days; given up");
        }
        Ok(())
    }

    async fn deliver(&self, delivery: &records::Delivery) -> Result<(), (String, bool)> {
        let local = self
            .by_key_name(&delivery.actor)
            .await
            .map_err(|e| (e.to_string(), true))?
            .ok_or_else(|| (format!("the actor {} is gone", delivery.actor), false))?;
        let keys = self.keys(&local).await.map_err(|e| (e.to_string(), true))?;
        let key = PrivateKey::from_pem(&keys.private_pem).map_err(|e| (e, false))?;
        let key_id = format!("{}#main-key", self.actor_id(&local));
        self.client()
            .post_signed(&delivery.inbox, delivery.activity.as_bytes(), &key_id, &key)
            .await
            .map_err(|e| (e.to_string(), e.is_temporary()))
    }

    /// Runs until the process ends: sweeps when nudged (a content change) and every minute,
    /// delivers what is due when woken and every few seconds, forgets old deliveries daily.
    pub async fn run(self: std::sync::Arc<Self>, changes: std::sync::Arc<tokio::sync::Notify>) {
        let mut last_sweep = 0;
        let mut last_prune = 0;
        loop {
            tokio::select! {
                _ = changes.notified() => { last_sweep = 0; }
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(std::time::Duration::from_secs(3)) => {}
            }
            let now = marquee_store::now();
            if now - last_sweep >= 60 {
                last_sweep = now;
                if let Err(e) = self.sweep().await {
                    tracing::warn!(error = %e, "working out what followers are sent failed");
                }
            }
            // Switched off, nothing goes out (what waits goes once it is on again).
            if !self.enabled().await.unwrap_or(false) {
                continue;
            }
            loop {
                match self.deliver_batch().await {
                    // A full batch: more may be due at once.
                    Ok((claimed, _)) if claimed as i64 == BATCH => continue,
                    Ok(_) => break,
                    Err(e) => {
                        tracing::warn!(error = %e, "delivering to followers failed");
                        break;
                    }
                }
            }
            if now - last_prune >= 24 * 3600 {
                last_prune = now;
                if let Err(e) = records::prune_deliveries(&self.store, now - 14 * 24 * 3600).await {
                    tracing::warn!(error = %e, "forgetting old deliveries failed");
                }
                if let Err(e) = records::prune_remote(&self.store, now - 90 * 24 * 3600, now - 30 * 24 * 3600).await {
                    tracing::warn!(error = %e, "forgetting old posts and unknown actors failed");
                }
            }
        }
    }

    /// The outbox of a local actor: its newest reviews and articles as `Create` activities,
    /// `page` (from 1) of them, or the collection itself for `None`.
    pub async fn outbox(&self, local: &Local, page: Option<i64>) -> crate::Result<Value> {
        const PER_PAGE: i64 = 20;
        let id = format!("{}/outbox", self.actor_id(local));
        let filter = Some(local.key_name());
        let Some(page) = page else {
            let (_, total) = records::sent_objects(&self.store, filter.as_deref(), 1, 0).await?;
            return Ok(activities::collection(&id, total, Some(&format!("{id}?page=1"))));
        };
        // Beyond any outbox there is; also keeps the offset from overflowing.
        let page = page.clamp(1, 1_000_000);
        let (items, total) =
            records::sent_objects(&self.store, filter.as_deref(), PER_PAGE, (page - 1) * PER_PAGE).await?;
        let mut activities_out = Vec::new();
        for (kind, source_id) in items {
            if let Some(object) = self.object(&kind, source_id).await? {
                let object_id = object.get("id").and_then(Value::as_str).unwrap_or_default().to_string();
                let actor = object.get("attributedTo").and_then(Value::as_str).unwrap_or_default().to_string();
                activities_out.push(activities::activity(
                    "Create",
                    &format!("{object_id}/activities/create"),
                    &actor,
                    &format!("{actor}/followers"),
                    object,
                ));
            }
        }
        let next = (page * PER_PAGE < total).then(|| format!("{id}?page={}", page + 1));
        Ok(activities::collection_page(&format!("{id}?page={page}"), &id, activities_out, next.as_deref()))
    }
}

/// The verdict bands the owner set (the defaults otherwise).
async fn verdict_bands(store: &marquee_store::Store) -> crate::Result<marquee_core::VerdictBands> {
    let settings = marquee_store::settings::all(store).await?;
    Ok(settings.get("verdict_bands").and_then(|b| serde_json::from_str(b).ok()).unwrap_or_default())
}

/// The start of a text, cut at a word, for a summary.
fn excerpt(text: &str) -> String {
    const MAX: usize = 280;
    if text.chars().count() <= MAX {
        return text.trim().to_string();
    }
    let cut: String = text.chars().take(MAX).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end())
}
