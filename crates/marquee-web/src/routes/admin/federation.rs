//! The fediverse in the admin: the queue of replies waiting for a moderator (editors and
//! owners), and the owner's federation page (on or off, the site's account name, followers,
//! blocks, deliveries and their failures).

use super::pages::{form_status, notice, render_status, see_other};
use crate::auth::{Admin, FormData};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::views::admin::*;
use crate::views::Link;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use marquee_changes::comments::{self, Decision};
use marquee_changes::ChangeError;
use marquee_store::federation as records;
use std::sync::Arc;

pub async fn replies(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    admin.member().require(marquee_core::Action::ModerateComments)?;
    let held = records::comments_with_status(&state.store, "held", 200).await?;
    let mut rows = Vec::with_capacity(held.len());
    for comment in held {
        let on = reply_target(&state, &comment.kind, comment.source_id).await?;
        rows.push(ReplyRow {
            id: comment.id,
            name: comment.author_name,
            handle: comment.author_handle,
            host: marquee_federation::host_of(&comment.actor),
            content: marquee_core::SafeHtml::from_stored(comment.content_html),
            received: admin_time(comment.published_at),
            on,
        });
    }
    let page = RepliesPage {
        layout: AdminLayout::new(&state, &admin, "Replies", "replies").with_notice(notice(uri.query())),
        rows,
    };
    render_status(axum::http::StatusCode::OK, &page)
}

/// What a reply answers, as a link to it.
async fn reply_target(state: &AppState, kind: &str, id: i64) -> Result<Link> {
    Ok(match kind {
        "review" => match marquee_store::reviews::published_by_id(&state.store, id).await? {
            Some(review) => Link { href: format!("/reviews/{}", review.card.slug), text: review.card.film_title },
            None => Link { href: format!("/admin/reviews/{id}"), text: "an unpublished review".into() },
        },
        _ => match marquee_store::posts::published_by_id(&state.store, id).await? {
            Some(post) => Link { href: post.card.path(), text: post.card.title },
            None => Link { href: format!("/admin/articles/{id}"), text: "an unpublished article".into() },
        },
    })
}

pub async fn decide(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    let member = admin.member();
    let notice = match form.text("decision").as_str() {
        "approve" => {
            comments::moderate(&state.desk, &member, id, Decision::Approve).await?;
            "approved"
        }
        "reject" => {
            comments::moderate(&state.desk, &member, id, Decision::Reject).await?;
            "rejected"
        }
        "block-account" | "block-instance" => {
            let comment = records::comment(&state.store, id).await?.ok_or(Error::NotFound)?;
            let target = if form.text("decision") == "block-account" {
                comments::BlockTarget::Actor(comment.actor)
            } else {
                comments::BlockTarget::Instance(marquee_federation::host_of(&comment.actor))
            };
            comments::block(&state.desk, &member, &target).await?;
            "blocked"
        }
        other => return Err(Error::BadRequest(format!("unknown decision {other:?}"))),
    };
    state.refresh().await?;
    Ok(see_other("/admin/replies", notice))
}

async fn federation_page(
    state: &AppState,
    admin: &Admin,
    errors: Vec<FieldError>,
    notice: Option<&'static str>,
) -> Result<Response> {
    admin.member().require(marquee_core::Action::ManageSettings)?;
    let site = state.site();
    let counts = records::delivery_counts(&state.store).await?;
    let followers = records::followers(&state.store, 500).await?;
    let mut follower_rows = Vec::with_capacity(followers.len());
    for follower in followers {
        let of = match follower.actor.strip_prefix("user:").and_then(|id| id.parse::<i64>().ok()) {
            Some(id) => {
                records::writer_by_id(&state.store, id).await?.map(|w| format!("@{}", w.slug)).unwrap_or_default()
            }
            None => format!("@{}", site.site_handle),
        };
        follower_rows.push(FollowerRow {
            handle: follower.handle.unwrap_or_else(|| follower.follower.clone()),
            name: follower.name.unwrap_or_default(),
            actor: follower.actor,
            follower: follower.follower,
            of,
            since: admin_time(follower.since),
        });
    }
    let page = FederationPage {
        layout: AdminLayout::new(state, admin, "Federation", "federation").with_notice(notice),
        enabled: site.federation,
        handle: site.site_handle.clone(),
        host: state.federation.host.clone(),
        pending: counts.pending,
        done: counts.done,
        failed: counts.failed,
        troubles: records::troubles(&state.store, 20)
            .await?
            .into_iter()
            .map(|t| TroubleRow {
                inbox: t.inbox,
                state: if t.state == "pending" {
                    format!("retried {}", admin_time(t.next_at))
                } else {
                    "given up".into()
                },
                attempts: t.attempts,
                error: t.last_error,
            })
            .collect(),
        followers: follower_rows,
        blocks: records::blocks(&state.store).await?.into_iter().map(|(target, at)| (target, admin_time(at))).collect(),
        following: records::following(&state.store)
            .await?
            .into_iter()
            .map(|f| FollowingRow {
                handle: f.handle.unwrap_or_else(|| f.actor.clone()),
                name: f.name.unwrap_or_default(),
                accepted: f.accepted,
                since: admin_time(f.since),
                actor: f.actor,
            })
            .collect(),
        errors: errors.clone(),
    };
    render_status(form_status(&errors), &page)
}

pub async fn federation(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    federation_page(&state, &admin, Vec::new(), notice(uri.query())).await
}

pub async fn configure(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    let enabled = form.text("enabled") == "on";
    match comments::configure(&state.desk, &admin.member(), enabled, &form.text("federation_handle")).await {
        Ok(()) => {
            state.refresh().await?;
            Ok(see_other("/admin/federation", "saved"))
        }
        Err(ChangeError::Invalid(problems)) => federation_page(&state, &admin, problems, None).await,
        Err(other) => Err(other.into()),
    }
}

pub async fn remove_follower(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    comments::remove_follower(&state.desk, &admin.member(), &form.text("actor"), &form.text("follower")).await?;
    Ok(see_other("/admin/federation", "removed"))
}

pub async fn block(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    let member = admin.member();
    let target = match comments::block_target(&form.text("target")) {
        Ok(target) => target,
        Err(ChangeError::Invalid(problems)) => return federation_page(&state, &admin, problems, None).await,
        Err(other) => return Err(other.into()),
    };
    comments::block(&state.desk, &member, &target).await?;
    state.refresh().await?;
    Ok(see_other("/admin/federation", "blocked"))
}

pub async fn unblock(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    comments::unblock(&state.desk, &admin.member(), &form.text("target")).await?;
    Ok(see_other("/admin/federation", "unblocked"))
}

fn follow_error(e: marquee_federation::following::FollowError) -> Result<FieldError, Error> {
    use marquee_federation::following::FollowError;
    match e {
        FollowError::Failed(marquee_federation::Error::Store(e)) => Err(Error::Store(e)),
        FollowError::Failed(other) => Err(Error::Internal(other.to_string())),
        other => Ok(FieldError::new("account", other.to_string())),
    }
}

/// The site follows an account elsewhere (`@name@host` or its address).
pub async fn follow(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    admin.member().require(marquee_core::Action::ManageSettings)?;
    match state.federation.follow(&form.text("account")).await {
        Ok(_) => Ok(see_other("/admin/federation", "following")),
        Err(e) => {
            let problem = follow_error(e)?;
            federation_page(&state, &admin, vec![problem], None).await
        }
    }
}

pub async fn unfollow(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    admin.member().require(marquee_core::Action::ManageSettings)?;
    match state.federation.unfollow(&form.text("actor")).await {
        Ok(true) => Ok(see_other("/admin/federation", "unfollowed")),
        Ok(false) => Err(Error::NotFound),
        Err(e) => Err(match follow_error(e) {
            Ok(problem) => Error::BadRequest(problem.message),
            Err(e) => e,
        }),
    }
}

/// What the accounts the site follows published: read, liked and replied to by editors.
pub async fn reading(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    reading_page(&state, &admin, notice(uri.query()), Vec::new()).await
}

async fn reading_page(
    state: &AppState,
    admin: &Admin,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
) -> Result<Response> {
    admin.member().require(marquee_core::Action::ModerateComments)?;
    let posts = records::remote_posts(&state.store, 100).await?;
    let page = ReadingPage {
        layout: AdminLayout::new(state, admin, "Following", "reading").with_notice(notice),
        following: records::following(&state.store).await?.len(),
        posts: posts
            .into_iter()
            .enumerate()
            .map(|(i, p)| RemotePostRow {
                n: i + 1,
                name: p.author_name.unwrap_or_else(|| p.actor.clone()),
                handle: p.author_handle.unwrap_or_default(),
                title: p.name,
                content: marquee_core::SafeHtml::from_stored(p.content_html),
                link: p.url.filter(|u| u.starts_with("https://") || u.starts_with("http://")),
                published: admin_time(p.published_at),
                liked: p.liked_by.is_some(),
                uri: p.uri,
            })
            .collect(),
        errors: errors.clone(),
    };
    render_status(form_status(&errors), &page)
}

pub async fn like(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    admin.member().require(marquee_core::Action::ModerateComments)?;
    match state.federation.like(admin.id(), &form.text("uri")).await {
        Ok(()) => Ok(see_other("/admin/reading", "liked")),
        Err(e) => {
            let problem = follow_error(e)?;
            reading_page(&state, &admin, None, vec![problem]).await
        }
    }
}

pub async fn reply(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    admin.member().require(marquee_core::Action::ModerateComments)?;
    match state.federation.reply(admin.id(), &form.text("uri"), &form.text("text")).await {
        Ok(_) => Ok(see_other("/admin/reading", "replied")),
        Err(e) => {
            let problem = follow_error(e)?;
            reading_page(&state, &admin, None, vec![problem]).await
        }
    }
}
