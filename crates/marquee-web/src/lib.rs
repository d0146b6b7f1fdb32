//! Marquee's HTTP layer.
//!
//! - `state`: what every handler shares (store, media store, site settings, caches).
//! - `cache`: whole rendered pages, kept until the content version changes.
//! - `error`: the one error type and its mapping to status pages.
//! - `views`: view structs that templates print (templates render data, never fetch it).
//! - `routes::public`: the public site; `routes::assets`: CSS and media files.
//! - `auth` and `routes::admin`: sign-in, sessions, CSRF, and the admin area under `/admin`.
#![forbid(unsafe_code)]

pub mod auth;
pub mod cache;
pub mod compress;
pub mod error;
pub mod jobs;
pub mod metrics;
pub mod routes;
pub mod server;
pub mod share;
pub mod state;
pub mod static_site;
pub mod views;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::Router;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub use state::{AppState, Limits, MetricsAccess, WebConfig};

/// The whole application: public pages, assets and operations endpoints, with caching,
/// security headers and one log line per request.
pub fn app(state: Arc<AppState>) -> Router {
    routes_of(state.clone()).layer(middleware::from_fn_with_state(state.clone(), log_request)).with_state(state)
}

/// The public site alone as the static export renders it (no request log lines).
pub fn site_renderer(state: Arc<AppState>) -> Router {
    routes_of(state.clone()).with_state(state)
}

fn routes_of(state: Arc<AppState>) -> Router<Arc<AppState>> {
    let mut router = Router::new()
        .merge(routes::public::router())
        .merge(routes::cinephile::router())
        .merge(routes::feeds::router())
        .layer(middleware::from_fn_with_state(state.clone(), cache::serve_cached))
        .merge(routes::admin::router(state.clone()))
        .merge(routes::search::router())
        .merge(routes::api::router(state.clone()))
        .merge(routes::assets::router())
        .merge(routes::ops::router());
    if state.config.metrics != MetricsAccess::Off {
        router = router.merge(routes::ops::main_metrics_router());
    }
    router
        .fallback(routes::public::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), not_found_page))
        .layer(middleware::from_fn_with_state(state.clone(), fresh_after_change))
        .layer(middleware::from_fn_with_state(state, security_headers))
}

/// Starts the background work a server does: following the content version (so a change made
/// by another server or a CLI import shows within a second) and publishing scheduled reviews.
pub fn spawn_background(state: Arc<AppState>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
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
    })
}

/// After a request that may have changed something (any but GET, HEAD and OPTIONS), drops what
/// the server held of the old content before answering, so whoever made the change sees it on
/// their next page. One place for every form and API write; changes from elsewhere (another
/// server, the command line) are caught by the background's once-a-second look.
async fn fresh_after_change(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let reads = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let response = next.run(request).await;
    if !reads {
        if let Err(e) = state.refresh().await {
            tracing::warn!(error = %e, "checking the content version failed");
        }
    }
    response
}

const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' https:; style-src 'self'; \
    script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Gives an answer marked "not found" (`error::NotFoundMarker`) the site's own 404 page, in the
/// site's layout, which only the edge has at hand.
async fn not_found_page(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.extensions().get::<error::NotFoundMarker>().is_none() {
        return response;
    }
    let mut layout = views::Layout::new(&state, "Page not found", "/");
    layout.canonical = String::new();
    let (mut parts, _) = response.into_parts();
    let html = askama::Template::render(&views::NotFoundPage { layout }).unwrap_or_else(|e| {
        tracing::error!(error = %e, "rendering the 404 page failed");
        "Not found".into()
    });
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(html))
}

async fn security_headers(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if let Some(hsts) = &state.hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// One structured log line per request, and the request metrics.
async fn log_request(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let forwarded: Vec<&str> =
        request.headers().get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    let forwarded = (!forwarded.is_empty()).then(|| forwarded.join(","));
    let client = peer.map(|peer| client_ip(peer, forwarded.as_deref(), &state.config.trusted_proxies));
    let response = next.run(request).await;
    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    let micros = elapsed.as_micros() as u64;
    let client = client.map(|ip| ip.to_string()).unwrap_or_default();
    tracing::info!(%method, %path, status, micros, %client, "request");
    state.metrics.observe(method.as_str(), metrics::route_label(&path, status), status, elapsed.as_secs_f64());
    response
}

/// The reader's address: the peer's, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy (an entry that does not
/// parse stops the walk: nothing to its left can be believed).
pub fn client_ip(peer: IpAddr, forwarded_for: Option<&str>, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    let Some(list) = forwarded_for else { return peer };
    let mut client = peer;
    for entry in list.rsplit(',') {
        match entry.trim().parse::<IpAddr>() {
            Ok(ip) if trusted.contains(&ip) => client = ip,
            Ok(ip) => return ip,
            Err(_) => return client,
        }
    }
    client
}

/// Serves the application on `listener` until `shutdown` resolves, then finishes in-flight
/// requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = state.config.limits;
    server::run(listener, app(state), limits, shutdown).await
}

/// Serves only `GET /metrics`, for a separate (private) metrics address.
pub async fn serve_metrics(listener: tokio::net::TcpListener, state: Arc<AppState>) -> std::io::Result<()> {
    let limits = state.config.limits;
    server::run(listener, routes::ops::metrics_router().with_state(state), limits, std::future::pending()).await
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use std::net::IpAddr;

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let proxy = ip("10.0.0.1");
        let trusted = [proxy];
        assert_eq!(client_ip(ip("203.0.113.9"), Some("1.2.3.4"), &trusted), ip("203.0.113.9"), "forged by a reader");
        assert_eq!(client_ip(proxy, Some("198.51.100.7"), &trusted), ip("198.51.100.7"));
        assert_eq!(
            client_ip(proxy, Some("6.6.6.6, 198.51.100.7"), &trusted),
            ip("198.51.100.7"),
            "right-most untrusted"
        );
        assert_eq!(client_ip(proxy, None, &trusted), proxy);
        assert_eq!(client_ip(proxy, Some("garbage"), &trusted), proxy);
        assert_eq!(
            client_ip(proxy, Some("6.6.6.6, 1.2.3.4:99"), &trusted),
            proxy,
            "an unparsable entry stops the walk"
        );
        assert_eq!(client_ip(proxy, Some("1.2.3.4"), &[]), proxy);
    }
}

#[cfg(test)]
mod fuzz {
    use super::client_ip;
    use std::net::IpAddr;

    proptest::proptest! {
        #[test]
        fn a_forwarded_address_is_believed_only_from_a_trusted_peer(header in ".{0,80}", trusted in proptest::prelude::any::<bool>()) {
            let ip = |s: &str| s.parse::<IpAddr>().unwrap();
            let peer = ip("10.0.0.1");
            let trust = if trusted { vec![peer] } else { Vec::new() };
            let client = client_ip(peer, Some(&header), &trust);
            if !trusted {
                proptest::prop_assert_eq!(client, peer);
            } else {
                proptest::prop_assert!(client == peer || header.contains(&client.to_string()));
            }
        }
    }
}
