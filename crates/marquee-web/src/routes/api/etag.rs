//! ETags and `Last-Modified` for every read, and 304 for a client whose copy is current.

use super::problem::*;
use crate::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Gives every successful read an ETag of its body and the time of the last content change,
/// and answers a matching `If-None-Match` (or, without one, an `If-Modified-Since` not before
/// that change) with 304; reads made with a token are private to the cache of whoever made them.
pub(super) async fn validated(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return next.run(request).await;
    }
    let changed_at = state.changed_at();
    let asked = request.headers().clone();
    let private = request.headers().contains_key(header::AUTHORIZATION);
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, 64 * 1024 * 1024).await else {
        return Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "The response could not be read.").into_response();
    };
    let etag = crate::cache::etag_of(&body);
    let cache = if private { "private, max-age=0, must-revalidate" } else { "public, max-age=0, must-revalidate" };
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    parts.headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex is a valid header value"));
    parts.headers.insert(header::VARY, HeaderValue::from_static("authorization"));
    if let Some(date) = crate::cache::http_date(changed_at).and_then(|d| HeaderValue::from_str(&d).ok()) {
        parts.headers.insert(header::LAST_MODIFIED, date);
    }
    if crate::cache::Conditions::of(&asked).current(&etag, changed_at) {
        parts.headers.remove(header::CONTENT_TYPE);
        parts.status = StatusCode::NOT_MODIFIED;
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(body))
}
