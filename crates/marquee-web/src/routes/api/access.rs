//! Who a request acts for: the `Authorization: Bearer` token, checked before any handler.

use super::problem::*;
use crate::auth::{token_hash, ANONYMOUS_BODY_BYTES};
use crate::error::Error;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, request::Parts, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use marquee_changes::Member;
use marquee_store::tokens::{self, Bearer, Scope};
use std::sync::Arc;

/// The token a request carries, when it carries one (checked by `bearer` before any handler).
#[derive(Clone)]
pub struct Token(Option<Bearer>);

impl FromRequestParts<Arc<AppState>> for Token {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        Ok(parts.extensions.get::<Token>().cloned().unwrap_or(Token(None)))
    }
}

/// Reads the request's `Authorization: Bearer` token, if any, for the handlers. A token that
/// is malformed, unknown, revoked or whose user is disabled is refused (401) on every endpoint,
/// even one that needs none: a client with a broken token hears so at once.
pub(super) async fn bearer(State(state): State<Arc<AppState>>, mut request: Request, next: Next) -> Response {
    let Some(value) = request.headers().get(header::AUTHORIZATION) else {
        // Without a token nothing can be written: a body is read only within the small limit
        // of an anonymous request, and refused from its declared length when over it.
        if !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
            if crate::auth::declared_length(request.headers()).is_some_and(|n| n > ANONYMOUS_BODY_BYTES as u64) {
                return Problem::from(Error::TooLarge(ANONYMOUS_BODY_BYTES)).into_response();
            }
            request = request.map(|body| Body::new(http_body_util::Limited::new(body, ANONYMOUS_BODY_BYTES)));
        }
        return next.run(request).await;
    };
    let secret = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let Some(secret) = secret else {
        return Problem::new(StatusCode::UNAUTHORIZED, "Send the token as `Authorization: Bearer <token>`.")
            .into_response();
    };
    match tokens::bearer(&state.store, &token_hash(secret)).await {
        Ok(Some(bearer)) => {
            request.extensions_mut().insert(Token(Some(bearer)));
            next.run(request).await
        }
        Ok(None) => Problem::new(StatusCode::UNAUTHORIZED, "This token is unknown or was revoked.").into_response(),
        Err(e) => Problem::from(e).into_response(),
    }
}

impl Token {
    /// The bearer, who must hold a token with at least `scope`.
    pub(super) fn require(self, scope: Scope) -> ApiResult<Bearer> {
        let bearer = self.0.ok_or_else(|| {
            Problem::new(StatusCode::UNAUTHORIZED, "This needs an API token: create one under Admin › API tokens.")
        })?;
        if scope == Scope::Write && bearer.scope == Scope::Read {
            return Err(Problem::new(StatusCode::FORBIDDEN, "This token may only read: create one that may write."));
        }
        Ok(bearer)
    }
}

/// The member a token acts for, as the changes layer knows them.
pub(super) fn member(bearer: &Bearer) -> Member {
    Member { id: bearer.user_id, name: bearer.user_name.clone(), role: bearer.role }
}
