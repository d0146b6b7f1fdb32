//! The site as a reader of the fediverse: it follows accounts elsewhere (a critic, another
//! Marquee, a NeoDB user), keeps what they publish for its editors to read in the admin, and
//! lets a member reply to a post or like it, as themselves.

use crate::{activities, Federation, Local};
use marquee_store::federation::{self as records, NewDelivery, OutgoingNote, RemoteActor};
use serde_json::{json, Value};

/// The longest reply a member sends (Mastodon's own limit is 500; other servers take more).
pub const MAX_REPLY: usize = 5000;

/// Why an account could not be followed, replied to or liked.
#[derive(Debug, thiserror::Error)]
pub enum FollowError {
    #[error("\"{0}\" is neither @name@host nor an account's address (https://…)")]
    NotAnAccount(String),
    #[error("{0}")]
    Unreachable(String),
    #[error("no such post among those of the accounts the site follows")]
    UnknownPost,
    #[error("the reply is empty")]
    Empty,
    #[error("the reply is over {MAX_REPLY} characters")]
    TooLong,
    #[error(transparent)]
    Failed(#[from] crate::Error),
}

impl From<marquee_store::Error> for FollowError {
    fn from(e: marquee_store::Error) -> FollowError {
        FollowError::Failed(crate::Error::Store(e))
    }
}

impl Federation {
    /// The account `@name@host` (WebFinger) or `https://…` (its actor) names, fetched and kept.
    pub async fn resolve(&self, account: &str) -> Result<RemoteActor, FollowError> {
        let account = account.trim();
        if account.len() > 300 {
            return Err(FollowError::NotAnAccount(account.chars().take(40).collect::<String>() + "…"));
        }
        if account.starts_with("https://") || account.starts_with("http://") {
            return self.fetch_actor(account).await.map_err(FollowError::Unreachable);
        }
        let bare = account.trim_start_matches('@');
        let Some((name, host)) =
            bare.split_once('@').filter(|(n, h)| !n.is_empty() && !h.is_empty() && !h.contains('/'))
        else {
            return Err(FollowError::NotAnAccount(account.to_string()));
        };
        let schemes: &[&str] = if self.client().allows_private() { &["https", "http"] } else { &["https"] };
        let mut last = String::new();
        for scheme in schemes {
            let url = format!("{scheme}://{host}/.well-known/webfinger?resource=acct:{name}@{host}");
            match self.client().get_json(&url).await {
                Ok(jrd) => {
                    let link = jrd.get("links").and_then(Value::as_array).and_then(|links| {
                        links.iter().find(|l| {
                            l.get("rel").and_then(Value::as_str) == Some("self")
                                && l.get("type")
                                    .and_then(Value::as_str)
                                    .is_some_and(|t| t.contains("activity+json") || t.contains("ld+json"))
                        })
                    });
                    let Some(href) = link.and_then(|l| l.get("href")).and_then(Value::as_str) else {
                        return Err(FollowError::Unreachable(format!("{host} knows no ActivityPub account {name}")));
                    };
                    return self.fetch_actor(href).await.map_err(FollowError::Unreachable);
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(FollowError::Unreachable(last))
    }

    /// Follows an account as the site: a signed Follow goes to them; what they publish arrives
    /// once their server accepts.
    pub async fn follow(&self, account: &str) -> Result<RemoteActor, FollowError> {
        let remote = self.resolve(account).await?;
        let site = self.site_id();
        let follow_id =
            format!("{site}#follows/{}", crate::inbox::short_hash(&format!("{}{}", remote.uri, marquee_store::now())));
        let follow = json!({
            "@context": activities::AS_CONTEXT,
            "id": follow_id,
            "type": "Follow",
            "actor": site,
            "object": remote.uri,
        });
        records::follow_remote(&self.store, &remote.uri, &follow_id).await?;
        records::enqueue(
            &self.store,
            &[NewDelivery { inbox: remote.inbox.clone(), actor: "site".into(), activity: follow.to_string() }],
        )
        .await?;
        self.wake.notify_one();
        Ok(remote)
    }

    /// Stops following an account: an Undo of the follow goes to them.
    pub async fn unfollow(&self, actor: &str) -> Result<bool, FollowError> {
        let Some(follow_id) = records::remove_following(&self.store, actor).await? else { return Ok(false) };
        if let Some(remote) = records::remote_actor(&self.store, actor).await? {
            let site = self.site_id();
            let undo = json!({
                "@context": activities::AS_CONTEXT,
                "id": format!("{follow_id}/undo"),
                "type": "Undo",
                "actor": site,
                "object": { "id": follow_id, "type": "Follow", "actor": site, "object": actor },
            });
            records::enqueue(
                &self.store,
                &[NewDelivery { inbox: remote.inbox, actor: "site".into(), activity: undo.to_string() }],
            )
            .await?;
            self.wake.notify_one();
        }
        Ok(true)
    }

    /// The id of a reply a member wrote.
    pub fn note_id(&self, id: i64) -> String {
        format!("{}/ap/notes/{id}", self.base_url)
    }

    /// A member's reply as the `Note` it is.
    pub async fn note(&self, note: &OutgoingNote) -> crate::Result<Option<Value>> {
        let Some(local) = self.writer(note.author_id).await? else { return Ok(None) };
        let actor = self.actor_id(&local);
        let author = records::remote_post(&self.store, &note.in_reply_to).await?.map(|p| p.actor);
        let mut cc = vec![Value::String(format!("{actor}/followers"))];
        let mut tags = Vec::new();
        if let Some(author) = &author {
            cc.push(Value::String(author.clone()));
            if let Some(remote) = records::remote_actor(&self.store, author).await? {
                tags.push(json!({ "type": "Mention", "href": author, "name": format!("@{}", remote.handle) }));
            }
        }
        Ok(Some(json!({
            "@context": activities::AS_CONTEXT,
            "id": self.note_id(note.id),
            "type": "Note",
            "attributedTo": actor,
            "inReplyTo": note.in_reply_to,
            "content": note.content_html,
            "published": activities::rfc3339(note.created_at),
            "to": [activities::PUBLIC],
            "cc": cc,
            "tag": tags,
        })))
    }

    /// A member replies to a post of an account the site follows: a Create of a Note goes to
    /// its author.
    pub async fn reply(&self, member_id: i64, in_reply_to: &str, text: &str) -> Result<Value, FollowError> {
        let post = records::remote_post(&self.store, in_reply_to).await?.ok_or(FollowError::UnknownPost)?;
        let text = text.trim();
        if text.is_empty() {
            return Err(FollowError::Empty);
        }
        if text.chars().count() > MAX_REPLY {
            return Err(FollowError::TooLong);
        }
        let local = self.writer(member_id).await?.ok_or(FollowError::UnknownPost)?;
        let html: String = text
            .split("\n\n")
            .filter(|p| !p.trim().is_empty())
            .map(|p| format!("<p>{}</p>", marquee_core::html::escape(p.trim()).replace('\n', "<br>")))
            .collect();
        let note = records::insert_outgoing_note(&self.store, member_id, in_reply_to, &html).await?;
        let object = self.note(&note).await?.ok_or(FollowError::UnknownPost)?;
        let actor = self.actor_id(&local);
        let create = activities::activity(
            "Create",
            &format!("{}/activity", self.note_id(note.id)),
            &actor,
            &format!("{actor}/followers"),
            object.clone(),
        );
        self.send_to_author(&local, &post.actor, &create).await?;
        Ok(object)
    }

    /// A member likes a post of an account the site follows.
    pub async fn like(&self, member_id: i64, uri: &str) -> Result<(), FollowError> {
        let post = records::remote_post(&self.store, uri).await?.ok_or(FollowError::UnknownPost)?;
        let local = self.writer(member_id).await?.ok_or(FollowError::UnknownPost)?;
        let actor = self.actor_id(&local);
        let like = json!({
            "@context": activities::AS_CONTEXT,
            "id": format!("{actor}#likes/{}", crate::inbox::short_hash(uri)),
            "type": "Like",
            "actor": actor,
            "object": uri,
        });
        self.send_to_author(&local, &post.actor, &like).await?;
        records::mark_liked(&self.store, uri, member_id).await?;
        Ok(())
    }

    async fn send_to_author(&self, local: &Local, author: &str, activity: &Value) -> Result<(), FollowError> {
        let remote = match records::remote_actor(&self.store, author).await? {
            Some(remote) => remote,
            None => self.fetch_actor(author).await.map_err(FollowError::Unreachable)?,
        };
        records::enqueue(
            &self.store,
            &[NewDelivery { inbox: remote.inbox, actor: local.key_name(), activity: activity.to_string() }],
        )
        .await?;
        self.wake.notify_one();
        Ok(())
    }

    /// A post an account the site follows sent (Create or Update): kept for the reading list.
    pub(crate) async fn keep_followed_post(&self, object: &Value, actor: &RemoteActor) -> Result<bool, crate::Error> {
        if !records::is_following(&self.store, &actor.uri).await? {
            return Ok(false);
        }
        let kind = object.get("type").and_then(Value::as_str).unwrap_or_default();
        if !matches!(kind, "Note" | "Article" | "Review" | "Page") {
            return Ok(false);
        }
        let (Some(uri), Some(content)) =
            (object.get("id").and_then(Value::as_str), object.get("content").and_then(Value::as_str))
        else {
            return Ok(false);
        };
        if object
            .get("attributedTo")
            .and_then(|a| a.as_str().or_else(|| a.get("id").and_then(Value::as_str)))
            .is_some_and(|by| by != actor.uri)
        {
            return Ok(false);
        }
        let text = |field: &str| {
            object
                .get(field)
                .and_then(Value::as_str)
                .map(|s| s.chars().take(500).collect::<String>())
                .filter(|s| !s.is_empty())
        };
        let time = |field: &str| object.get(field).and_then(Value::as_str).and_then(activities::parse_time);
        let published = time("published").unwrap_or_else(marquee_store::now);
        let url = object.get("url").and_then(|u| match u {
            Value::String(s) => Some(s.clone()),
            other => other.get("href").and_then(Value::as_str).map(str::to_string),
        });
        records::keep_remote_post(
            &self.store,
            &records::RemotePost {
                uri: uri.to_string(),
                actor: actor.uri.clone(),
                kind: kind.to_string(),
                name: text("name"),
                summary: text("summary"),
                content_html: marquee_core::markdown::sanitize_remote(content).into_string(),
                url,
                published_at: published,
                updated_at: time("updated").unwrap_or(published),
                liked_by: None,
                author_name: None,
                author_handle: None,
            },
        )
        .await?;
        Ok(true)
    }
}
