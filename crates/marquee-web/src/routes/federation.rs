//! ActivityPub's addresses: WebFinger and NodeInfo, each actor's document, outbox, followers
//! and inbox, the shared inbox, and each review and article as an object. All of them answer
//! 404 while federation is switched off. The protocol is `marquee-federation`'s.

use crate::error::Error;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use marquee_federation::inbox::{Incoming, Refusal};
use marquee_federation::{activities, Local};
use serde_json::Value;
use std::sync::Arc;

/// The most an activity may weigh.
const MAX_ACTIVITY: usize = 256 * 1024;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/2.1", get(nodeinfo))
        .route("/ap/site", get(site_actor))
        .route("/ap/site/outbox", get(site_outbox))
        .route("/ap/site/followers", get(site_followers))
        .route("/ap/site/inbox", post(inbox))
        .route("/ap/users/{id}", get(writer_actor))
        .route("/ap/users/{id}/outbox", get(writer_outbox))
        .route("/ap/users/{id}/followers", get(writer_followers))
        .route("/ap/users/{id}/inbox", post(inbox))
        .route("/ap/inbox", post(inbox))
        .route("/ap/reviews/{id}", get(review_object))
        .route("/ap/reviews/{id}/{generation}", get(review_object_at))
        .route("/ap/articles/{id}", get(article_object))
        .route("/ap/articles/{id}/{generation}", get(article_object_at))
        .route("/ap/notes/{id}", get(note_object))
        .route("/ap/diary/{id}", get(diary_object))
        .route("/ap/diary/{id}/{generation}", get(diary_object_at))
        .layer(DefaultBodyLimit::max(MAX_ACTIVITY))
}

fn json_as(content_type: &'static str, value: &Value) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*")),
            (header::VARY, HeaderValue::from_static("Accept")),
        ],
        value.to_string(),
    )
        .into_response()
}

fn activity_json(value: &Value) -> Response {
    json_as("application/activity+json; charset=utf-8", value)
}

async fn require_enabled(state: &AppState) -> Result<(), Error> {
    if state.federation.enabled().await.map_err(federation_error)? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

fn federation_error(e: marquee_federation::Error) -> Error {
    match e {
        marquee_federation::Error::Store(e) => Error::Store(e),
        other => Error::Internal(other.to_string()),
    }
}

#[derive(serde::Deserialize)]
struct Resource {
    resource: Option<String>,
}

/// `acct:name@host` (or the actor's own id) → the actor's document's address.
async fn webfinger(State(state): State<Arc<AppState>>, Query(query): Query<Resource>) -> Result<Response, Error> {
    require_enabled(&state).await?;
    let fed = &state.federation;
    let resource =
        query.resource.ok_or_else(|| Error::BadRequest("WebFinger needs ?resource=acct:name@host".into()))?;
    let local = if resource.starts_with("http://") || resource.starts_with("https://") {
        fed.by_id(&resource).await.map_err(federation_error)?
    } else {
        let account = resource.strip_prefix("acct:").unwrap_or(&resource).trim_start_matches('@');
        let (name, host) = account.rsplit_once('@').ok_or(Error::NotFound)?;
        if !host.eq_ignore_ascii_case(&fed.host) {
            return Err(Error::NotFound);
        }
        fed.by_username(name).await.map_err(federation_error)?
    };
    let local = local.ok_or(Error::NotFound)?;
    let (username, profile) = match &local {
        Local::Site => (fed.site_username().await.map_err(federation_error)?, format!("{}/", fed.base_url)),
        Local::Writer(writer) => (writer.slug.clone(), format!("{}/writers/{}", fed.base_url, writer.slug)),
    };
    let subject = format!("acct:{username}@{}", fed.host);
    Ok(json_as(
        "application/jrd+json; charset=utf-8",
        &activities::webfinger(&subject, &fed.actor_id(&local), &profile),
    ))
}

async fn nodeinfo_links(State(state): State<Arc<AppState>>) -> Result<Response, Error> {
    let links = serde_json::json!({
        "links": [{
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": state.absolute_url("/nodeinfo/2.1"),
        }]
    });
    Ok(json_as("application/json", &links))
}

async fn nodeinfo(State(state): State<Arc<AppState>>) -> Result<Response, Error> {
    let enabled = state.federation.enabled().await.map_err(federation_error)?;
    let writers = marquee_store::reviews::count_writers(&state.store).await?;
    let posts = marquee_store::reviews::count_by_status(&state.store, marquee_core::ReviewStatus::Published).await?;
    let site = state.site();
    Ok(json_as(
        "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"",
        &activities::nodeinfo(writers, posts, &site.title, enabled),
    ))
}

async fn writer(state: &AppState, id: i64) -> Result<Local, Error> {
    require_enabled(state).await?;
    state.federation.writer(id).await.map_err(federation_error)?.ok_or(Error::NotFound)
}

async fn site(state: &AppState) -> Result<Local, Error> {
    require_enabled(state).await?;
    Ok(Local::Site)
}

async fn actor_response(state: &AppState, local: Local) -> Result<Response, Error> {
    Ok(activity_json(&state.federation.actor_document(&local).await.map_err(federation_error)?))
}

async fn site_actor(State(state): State<Arc<AppState>>) -> Result<Response, Error> {
    let local = site(&state).await?;
    actor_response(&state, local).await
}

async fn writer_actor(State(state): State<Arc<AppState>>, Path(id): Path<i64>) -> Result<Response, Error> {
    let local = writer(&state, id).await?;
    actor_response(&state, local).await
}

#[derive(serde::Deserialize)]
struct Paging {
    page: Option<i64>,
}

async fn outbox_response(state: &AppState, local: Local, page: Option<i64>) -> Result<Response, Error> {
    Ok(activity_json(&state.federation.outbox(&local, page).await.map_err(federation_error)?))
}

async fn site_outbox(State(state): State<Arc<AppState>>, Query(paging): Query<Paging>) -> Result<Response, Error> {
    let local = site(&state).await?;
    outbox_response(&state, local, paging.page).await
}

async fn writer_outbox(
    State(state): State<Arc<AppState>>,
    Path(id): Path<i64>,
    Query(paging): Query<Paging>,
) -> Result<Response, Error> {
    let local = writer(&state, id).await?;
    outbox_response(&state, local, paging.page).await
}

/// A followers collection: how many, not who (followers' names are theirs).
async fn followers_response(state: &AppState, local: Local) -> Result<Response, Error> {
    let total = marquee_store::federation::follower_count(&state.store, &local.key_name()).await?;
    let id = format!("{}/followers", state.federation.actor_id(&local));
    Ok(activity_json(&activities::collection(&id, total, None)))
}

async fn site_followers(State(state): State<Arc<AppState>>) -> Result<Response, Error> {
    let local = site(&state).await?;
    followers_response(&state, local).await
}

async fn writer_followers(State(state): State<Arc<AppState>>, Path(id): Path<i64>) -> Result<Response, Error> {
    let local = writer(&state, id).await?;
    followers_response(&state, local).await
}

async fn object_response(state: &AppState, kind: &str, id: i64) -> Result<Response, Error> {
    require_enabled(state).await?;
    let object = state.federation.object(kind, id).await.map_err(federation_error)?.ok_or(Error::NotFound)?;
    Ok(activity_json(&object))
}

/// An object at one generation of its id: only the current one is served.
async fn object_at(state: &AppState, kind: &str, id: i64, generation: i64) -> Result<Response, Error> {
    if marquee_store::federation::generation(&state.store, kind, id).await? != generation {
        return Err(Error::NotFound);
    }
    object_response(state, kind, id).await
}

async fn review_object_at(
    State(state): State<Arc<AppState>>,
    Path((id, generation)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    object_at(&state, "review", id, generation).await
}

async fn article_object_at(
    State(state): State<Arc<AppState>>,
    Path((id, generation)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    object_at(&state, "article", id, generation).await
}

async fn diary_object_at(
    State(state): State<Arc<AppState>>,
    Path((id, generation)): Path<(i64, i64)>,
) -> Result<Response, Error> {
    object_at(&state, "diary", id, generation).await
}

async fn review_object(State(state): State<Arc<AppState>>, Path(id): Path<i64>) -> Result<Response, Error> {
    object_response(&state, "review", id).await
}

async fn article_object(State(state): State<Arc<AppState>>, Path(id): Path<i64>) -> Result<Response, Error> {
    object_response(&state, "article", id).await
}

async fn diary_object(State(state): State<Arc<AppState>>, Path(id): Path<i64>) -> Result<Response, Error> {
    object_response(&state, "diary", id).await
}

/// A member's reply to a post elsewhere.
async fn note_object(State(state): State<Arc<AppState>>, Path(id): Path<i64>) -> Result<Response, Error> {
    require_enabled(&state).await?;
    let note = marquee_store::federation::outgoing_note(&state.store, id).await?.ok_or(Error::NotFound)?;
    let object = state.federation.note(&note).await.map_err(federation_error)?.ok_or(Error::NotFound)?;
    Ok(activity_json(&object))
}

/// An activity from another server: 202 when taken (even when dropped), 401 unsigned or
/// wrongly signed, 400 not an activity, 413 over 256 KB (refused by its declared length before
/// it is read), 429 too many from one instance.
async fn inbox(State(state): State<Arc<AppState>>, request: axum::extract::Request) -> Response {
    if crate::auth::declared_length(request.headers()).is_some_and(|n| n > MAX_ACTIVITY as u64) {
        return Error::TooLarge(MAX_ACTIVITY).into_response();
    }
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_ACTIVITY).await else {
        return Error::TooLarge(MAX_ACTIVITY).into_response();
    };
    let (method, uri, headers) = (parts.method, parts.uri, parts.headers);
    let path = uri.path_and_query().map_or_else(|| uri.path().to_string(), |p| p.as_str().to_string());
    let incoming = Incoming {
        method: method.as_str(),
        path_and_query: &path,
        header: |name: &str| {
            let values: Vec<&str> = headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
            (!values.is_empty()).then(|| values.join(", "))
        },
        body: &body,
    };
    match state.federation.receive(incoming).await {
        Ok(taken) => {
            tracing::debug!(?taken, "activity taken");
            StatusCode::ACCEPTED.into_response()
        }
        Err(refusal) => {
            let status = match &refusal {
                Refusal::Unsigned(_) => StatusCode::UNAUTHORIZED,
                Refusal::Malformed(_) => StatusCode::BAD_REQUEST,
                Refusal::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
                Refusal::Off => StatusCode::NOT_FOUND,
                Refusal::Failed(e) => {
                    tracing::warn!(error = %e, "an activity could not be taken");
                    StatusCode::INTERNAL_SERVER_ERROR
                }
            };
            if status != StatusCode::INTERNAL_SERVER_ERROR {
                tracing::info!(%refusal, status = status.as_u16(), "an activity was refused");
            }
            (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], format!("{refusal}\n")).into_response()
        }
    }
}
