//! Marquee's HTTP layer.
//!
//! - `state`: what every handler shares (store, media store, site settings, caches).
//! - `cache`: whole rendered pages, kept until the content version changes.
//! - `error`: the one error type and its mapping to status pages.
//! - `views`: view structs that templates print (templates render data, never fetch it).
//! - `routes::public`: the public site; `routes::assets`: CSS and media files.
#![forbid(unsafe_code)]

pub mod cache;
pub mod error;
pub mod routes;
pub mod state;
pub mod views;

use axum::extract::Request;
use axum::http::{header, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use state::{AppState, WebConfig};

/// The whole application: public pages, assets and operations endpoints, with caching,
/// security headers and one log line per request.
pub fn app(state: Arc<AppState>) -> Router {
    Router::new()
        .merge(routes::public::router())
        .layer(middleware::from_fn_with_state(state.clone(), cache::serve_cached))
        .merge(routes::assets::router())
        .merge(routes::ops::router())
        .fallback(routes::public::not_found)
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(log_request))
        .with_state(state)
}

/// Starts the background work a server does: following the content version (so a change made
/// by another server or a CLI import shows within a second) and publishing scheduled reviews.
pub fn spawn_background(state: Arc<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut ticks: u64 = 0;
        loop {
            tick.tick().await;
            ticks += 1;
            if ticks.is_multiple_of(5) {
                if let Err(e) = marquee_store::reviews::publish_due(&state.store, marquee_store::now()).await {
                    tracing::warn!(error = %e, "publishing scheduled reviews failed");
                }
            }
            if let Err(e) = state.refresh().await {
                tracing::warn!(error = %e, "checking the content version failed");
            }
        }
    })
}

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' https:; style-src 'self'; \
    script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let micros = started.elapsed().as_micros() as u64;
    tracing::info!(%method, %path, status, micros, "request");
    response
}

/// Serves the application on `listener` until `shutdown` resolves, then finishes in-flight
/// requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app(state)).with_graceful_shutdown(shutdown).await
}
