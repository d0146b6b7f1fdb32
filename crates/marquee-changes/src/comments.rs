//! Federation's changes: a moderator approves or rejects replies from the fediverse and blocks
//! their authors or whole instances; the owner removes followers and switches federation on or
//! off and names the site's account.

use crate::{ChangeError, Desk, Member, Problems, Result};
use marquee_core::Action;
use marquee_store::federation::{self as records, Comment};
use marquee_store::{audit, settings};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
}

impl Decision {
    fn status(self) -> &'static str {
        match self {
            Decision::Approve => "approved",
            Decision::Reject => "rejected",
        }
    }
}

async fn log(desk: &Desk, member: &Member, what: &str, subject: &str, detail: &str) -> Result<()> {
    let mut tx = desk.store.begin().await?;
    audit::record(&mut tx, member.id, &member.name, what, subject, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Approves (it shows under its review) or rejects (it never does) a reply.
pub async fn moderate(desk: &Desk, member: &Member, id: i64, decision: Decision) -> Result<Comment> {
    member.require(Action::ModerateComments)?;
    if !records::moderate(&desk.store, id, decision.status()).await? {
        return Err(ChangeError::NotFound);
    }
    let comment = records::comment(&desk.store, id).await?.ok_or(ChangeError::NotFound)?;
    log(desk, member, &format!("comment.{}", decision.status()), &comment.author_handle, &comment.uri).await?;
    Ok(comment)
}

/// What a block names: one account (by its actor id) or a whole instance (by its host).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BlockTarget {
    Actor(String),
    Instance(String),
}

/// A block as typed: an actor's address (`https://…`) or a host name (`mastodon.example`).
pub fn block_target(text: &str) -> Result<BlockTarget> {
    let text = text.trim();
    let mut problems = Problems::default();
    if text.starts_with("https://") || text.starts_with("http://") {
        return Ok(BlockTarget::Actor(text.to_string()));
    }
    // `@name@host`, `host` or `host:port`: the host alone (blocks compare hosts).
    let host = text.trim_start_matches('@').rsplit('@').next().unwrap_or_default().to_ascii_lowercase();
    let host = host.split(':').next().unwrap_or_default().to_string();
    if host.is_empty()
        || host.len() > 253
        || !host.contains('.')
        || !host.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == ':')
    {
        problems.add("target", format!("\"{text}\" is neither an account's address (https://…) nor an instance's host name (mastodon.example)."));
        problems.check()?;
    }
    Ok(BlockTarget::Instance(host))
}

/// Blocks an account or an instance: what it sends is dropped from now on, and what it sent
/// (replies, likes, boosts, follows) is removed.
pub async fn block(desk: &Desk, member: &Member, target: &BlockTarget) -> Result<()> {
    member.require(Action::ModerateComments)?;
    let text = match target {
        BlockTarget::Actor(uri) => {
            records::block(&desk.store, uri).await?;
            records::forget_actor(&desk.store, uri).await?;
            uri.clone()
        }
        BlockTarget::Instance(host) => {
            records::block(&desk.store, host).await?;
            records::forget_instance(&desk.store, host).await?;
            host.clone()
        }
    };
    log(desk, member, "federation.blocked", &text, "").await
}

pub async fn unblock(desk: &Desk, member: &Member, target: &str) -> Result<()> {
    member.require(Action::ModerateComments)?;
    if !records::unblock(&desk.store, target).await? {
        return Err(ChangeError::NotFound);
    }
    log(desk, member, "federation.unblocked", target, "").await
}

/// Removes a follower of a local actor (`site` or `user:ID`): they are sent nothing more.
pub async fn remove_follower(desk: &Desk, member: &Member, actor: &str, follower: &str) -> Result<()> {
    member.require(Action::ManageSettings)?;
    if !records::remove_follower(&desk.store, actor, follower).await? {
        return Err(ChangeError::NotFound);
    }
    log(desk, member, "federation.follower_removed", follower, actor).await
}

/// Switches federation on or off, and names the site's own account.
pub async fn configure(desk: &Desk, member: &Member, enabled: bool, handle: &str) -> Result<()> {
    member.require(Action::ManageSettings)?;
    let handle = handle.trim().trim_start_matches('@').to_ascii_lowercase();
    let mut problems = Problems::default();
    if handle.is_empty()
        || handle.len() > 40
        || !handle.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        problems.add(
            "federation_handle",
            "The site's account name is letters, digits, - and _ (at most 40), like \"site\" or \"reviews\".",
        );
    } else if records::writer_by_slug(&desk.store, &handle).await?.is_some() {
        problems.add(
            "federation_handle",
            format!("\"{handle}\" is a writer's account already: choose another name for the site's."),
        );
    }
    problems.check()?;
    let values = [("federation", if enabled { "on" } else { "off" }.to_string()), ("federation_handle", handle)];
    let mut tx = desk.store.begin().await?;
    settings::set_all(&mut tx, &values).await?;
    audit::record(
        &mut tx,
        member.id,
        &member.name,
        "settings.changed",
        "federation",
        if enabled { "on" } else { "off" },
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// What of a member's own goes to the fediverse (their reviews and articles, their public
/// diary too, or nothing: what was sent is then withdrawn).
pub async fn set_federating(desk: &Desk, member: &Member, value: records::Federating) -> Result<()> {
    let mut tx = desk.store.begin().await?;
    records::set_federating(&mut tx, member.id, value).await?;
    marquee_store::content::bump(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}
