//! Marquee's HTTP layer.
//!
//! - `edge`: what every request passes through (log line, security headers, status pages, the
//!   page cache in front of public pages, the refresh after a change).
//! - `state`: what every handler shares (store, media store, site settings, caches).
//! - `cache`: whole rendered pages, kept until the content version changes.
//! - `error`: the one error type and its mapping to status pages.
//! - `views`: view structs that templates print (templates render data, never fetch it).
//! - `routes::public`: the public site; `routes::assets`: CSS and media files.
//! - `auth` and `routes::admin`: sign-in, sessions, CSRF, and the admin area under `/admin`.
#![forbid(unsafe_code)]

pub mod access_log;
pub mod assets;
pub mod auth;
pub mod cache;
pub mod compress;
pub mod edge;
pub mod error;
pub mod jobs;
pub mod metrics;
pub mod query;
pub mod reader;
pub mod routes;
pub mod server;
pub mod share;
pub mod state;
pub mod static_site;
pub mod views;

use axum::middleware;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;

pub use access_log::AccessLog;
pub use state::{AppState, Limits, MetricsAccess, WebConfig};

/// The public site alone as the static export renders it (no request log lines).
pub fn site_renderer(state: Arc<AppState>) -> Router {
    routes_of(state.clone()).with_state(state)
}

fn routes_of(state: Arc<AppState>) -> Router<Arc<AppState>> {
    let mut router = Router::new()
        .merge(routes::public::router())
        .merge(routes::cinephile::router())
        .merge(routes::feeds::router())
        .layer(middleware::from_fn_with_state(state.clone(), edge::serve_cached))
        .merge(routes::admin::router(state.clone()))
        .merge(routes::search::router())
        .merge(routes::api::router(state.clone()))
        .merge(routes::assets::router())
        .merge(routes::federation::router())
        .merge(routes::ops::router());
    if state.config.metrics != MetricsAccess::Off {
        router = router.merge(routes::ops::main_metrics_router());
    }
    router.fallback(routes::public::not_found).layer(middleware::from_fn_with_state(state, edge::finish))
}

/// Starts the background work a server does: following the content version (so a change made
/// by another server or a CLI import shows within a second) and publishing scheduled reviews.
pub fn spawn_background(state: Arc<AppState>) -> tokio::task::JoinHandle<()> {
    // Deliveries to followers run beside, in the same task: stopping it stops both.
    let federation = state.federation.clone().run(state.content_changed.clone());
    let chores = async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        let mut ticks: u64 = 0;
        let mut drawing = None;
        loop {
            tick.tick().await;
            ticks += 1;
            if ticks.is_multiple_of(2) {
                if let Err(e) = marquee_store::reviews::publish_due(&state.store, marquee_store::now()).await {
                    tracing::warn!(error = %e, "publishing scheduled reviews failed");
                }
                if let Err(e) = marquee_store::posts::publish_due(&state.store, marquee_store::now()).await {
                    tracing::warn!(error = %e, "publishing scheduled articles and pages failed");
                }
            }
            let changed = match state.refresh().await {
                Ok(changed) => changed,
                Err(e) => {
                    tracing::warn!(error = %e, "checking the content version failed");
                    false
                }
            };
            // Share images of new or changed reviews are drawn now rather than when first
            // asked for (one drawing at a time; a change during it is caught on the next).
            if (changed || ticks == 1) && drawing.as_ref().is_none_or(|d: &tokio::task::JoinHandle<()>| d.is_finished())
            {
                let state = state.clone();
                drawing = Some(tokio::spawn(async move {
                    if let Err(e) = share::draw_missing(&state, &marquee_import::Silent).await {
                        tracing::warn!(error = %e, "drawing share images failed");
                    }
                }));
            }
            // Hourly, the query planner's statistics of tables that grew much (a cheap check
            // when nothing did).
            if ticks.is_multiple_of(3600) {
                if let Err(e) = state.store.optimize().await {
                    tracing::warn!(error = %e, "refreshing the database's statistics failed");
                }
            }
        }
    };
    tokio::spawn(async move {
        tokio::join!(federation, chores);
    })
}

/// Serves the application on `listener` until `shutdown` resolves, then finishes in-flight
/// requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.config.limits;
    let router = routes_of(state.clone()).with_state(state.clone());
    let answer = move |request| edge::front(state.clone(), router.clone(), request);
    server::run_with(listener, answer, limits, shutdown).await
}

/// Serves only `GET /metrics`, for a separate (private) metrics address.
pub async fn serve_metrics(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    let limits = state.config.limits;
    server::run(listener, routes::ops::metrics_router().with_state(state), limits, std::future::pending()).await
}
