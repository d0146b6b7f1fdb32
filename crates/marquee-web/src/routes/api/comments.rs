//! Replies from the fediverse, for moderators (editors and owners): the queue of held replies,
//! and approving or rejecting one.

use super::access::*;
use super::problem::*;
use crate::state::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use marquee_changes::comments::{self, Decision};
use marquee_changes::ChangeError;
use marquee_store::federation::{self as records, Comment};
use marquee_store::tokens::Scope;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct CommentAuthor {
    pub name: String,
    /// `user@host`.
    pub handle: String,
    /// Their ActivityPub actor.
    pub actor: String,
    /// Their profile page.
    pub url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiComment {
    pub id: i64,
    /// `review` or `article`.
    pub kind: String,
    /// The review's or article's id.
    pub on: i64,
    /// `held`, `approved` or `rejected`.
    pub status: String,
    pub author: CommentAuthor,
    /// Sanitized: text, paragraphs, emphasis, lists, quotes, code, links (`rel="nofollow ugc"`).
    pub content_html: String,
    /// The reply on its own server.
    pub url: Option<String>,
    /// RFC 3339.
    pub published: String,
}

#[derive(Serialize, ToSchema)]
pub struct CommentList {
    pub items: Vec<ApiComment>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CommentQuery {
    /// Which replies: `held` (waiting for a moderator, oldest first; the default), `approved`
    /// or `rejected` (newest first).
    #[param(pattern = "^(held|approved|rejected)$")]
    status: Option<String>,
}

fn api_comment(comment: Comment) -> ApiComment {
    ApiComment {
        id: comment.id,
        kind: comment.kind,
        on: comment.source_id,
        status: comment.status,
        author: CommentAuthor {
            name: comment.author_name,
            handle: comment.author_handle,
            actor: comment.actor,
            url: comment.author_url,
        },
        content_html: comment.content_html,
        url: comment.url,
        published: marquee_federation::activities::rfc3339(comment.published_at),
    }
}

fn moderator(token: Token, scope: Scope) -> ApiResult<marquee_changes::Member> {
    let member = member(&token.require(scope)?);
    member
        .require(marquee_core::Action::ModerateComments)
        .map_err(|_| Problem::new(StatusCode::FORBIDDEN, "Only editors and owners moderate replies."))?;
    Ok(member)
}

/// Replies from the fediverse with one status (up to 200).
#[utoipa::path(get, path = "/api/v1/comments", tag = "comments", params(CommentQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "The replies", body = CommentList),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token's user does not moderate", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_comments(
    State(state): State<Arc<AppState>>,
    token: Token,
    query: Result<Query<CommentQuery>, QueryRejection>,
) -> ApiResult<Json<CommentList>> {
    moderator(token, Scope::Read)?;
    let Query(query) = query?;
    let status = query.status.as_deref().unwrap_or("held");
    if !matches!(status, "held" | "approved" | "rejected") {
        return Err(Problem::new(StatusCode::BAD_REQUEST, "status is held, approved or rejected."));
    }
    let found = records::comments_with_status(&state.store, status, 200).await?;
    Ok(Json(CommentList { items: found.into_iter().map(api_comment).collect() }))
}

async fn decide(
    state: &AppState,
    token: Token,
    id: Result<Path<i64>, PathRejection>,
    decision: Decision,
) -> ApiResult<Json<ApiComment>> {
    let member = moderator(token, Scope::Write)?;
    let Path(id) = id?;
    match comments::moderate(&state.desk, &member, id, decision).await {
        Ok(comment) => {
            let _ = state.refresh().await;
            Ok(Json(api_comment(comment)))
        }
        Err(ChangeError::NotFound) => Err(Problem::new(StatusCode::NOT_FOUND, "There is no reply with this id.")),
        Err(other) => Err(other.into()),
    }
}

/// Approves a reply: it shows under its review or article.
#[utoipa::path(post, path = "/api/v1/comments/{id}/approve", tag = "comments",
    params(("id" = i64, Path, description = "The reply's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "Approved", body = ApiComment),
        (status = 400, description = "A bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may only read, or its user does not moderate", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such reply", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn approve_comment(
    State(state): State<Arc<AppState>>,
    token: Token,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<ApiComment>> {
    decide(&state, token, id, Decision::Approve).await
}

/// Rejects a reply: it never shows.
#[utoipa::path(post, path = "/api/v1/comments/{id}/reject", tag = "comments",
    params(("id" = i64, Path, description = "The reply's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "Rejected", body = ApiComment),
        (status = 400, description = "A bad id", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may only read, or its user does not moderate", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such reply", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn reject_comment(
    State(state): State<Arc<AppState>>,
    token: Token,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<Json<ApiComment>> {
    decide(&state, token, id, Decision::Reject).await
}
