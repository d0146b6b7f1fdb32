//! Endpoints for load balancers and operators.

use crate::state::AppState;
use crate::state::MetricsAccess;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// `/metrics` for its own (private) address.
pub fn metrics_router() -> Router<Arc<AppState>> {
    Router::new().route("/metrics", get(metrics))
}

/// `/metrics` on the site's address: by default only to a client on this machine that did not
/// come through a proxy (to anyone else it does not exist).
pub fn main_metrics_router() -> Router<Arc<AppState>> {
    Router::new().route("/metrics", get(guarded_metrics))
}

async fn guarded_metrics(State(state): State<Arc<AppState>>, request: Request) -> Response {
    let allowed = match state.config.metrics {
        MetricsAccess::Public => true,
        MetricsAccess::Off => false,
        MetricsAccess::Loopback => {
            let forwarded =
                ["x-forwarded-for", "forwarded", "x-real-ip"].iter().any(|name| request.headers().contains_key(*name));
            !forwarded && crate::server::peer(&request).is_some_and(|peer| peer.ip().is_loopback())
        }
    };
    if !allowed {
        return crate::routes::public::not_found(State(state), request.method().clone(), request.uri().clone())
            .await
            .unwrap_or_else(IntoResponse::into_response);
    }
    metrics(State(state)).await.into_response()
}

async fn metrics(State(state): State<Arc<AppState>>) -> impl axum::response::IntoResponse {
    let pool = state.store.pool();
    let text = state.metrics.render((pool.size(), pool.num_idle(), pool.options().get_max_connections()));
    ([(axum::http::header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], text)
}

/// The process is alive.
async fn healthz() -> &'static str {
    "ok"
}

/// The process can reach its database.
async fn readyz(State(state): State<Arc<AppState>>) -> (StatusCode, &'static str) {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
