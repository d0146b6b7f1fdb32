//! What every request passes through on its way in and out, outermost first: the front door
//! (`front`: the log line and metrics, and cached pages answered before the router); the
//! refresh after a change, status pages (404 and errors) and the security headers (`finish`,
//! one pass); and the page cache in front of the public pages (`serve_cached`). Also who the
//! client is, behind trusted proxies.

use crate::cache::{cache_key, etag_of, respond, CachedPage};
use crate::compress::Encoding;
use crate::error::StatusPage;
use crate::state::AppState;
use crate::{metrics, views};
use askama::Template;
use axum::body::to_bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

/// Middleware: answers GET requests for public pages from the cache, and stores successful
/// HTML responses in it. Answers `If-None-Match` with 304.
pub async fn serve_cached(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return next.run(request).await;
    }
    // The front door has looked already when it passes a request on (a server); the static
    // export's renderer has no front door.
    if request.extensions().get::<NotCached>().is_none() {
        if let Some(response) = cached(&state, &request) {
            return response;
        }
    }
    let encoding = encoding_of(&request);
    let Some(key) = cache_key(request.uri()).map(|key| key.into_owned()) else { return next.run(request).await };
    state.metrics.cache_misses.fetch_add(1, Ordering::Relaxed);
    let generation = state.cache.generation();
    let last_modified = state.changed_at();
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, 16 * 1024 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("text/html; charset=utf-8"));
    // A handler that knows its response's tag before drawing it (a share image, by its inputs)
    // sets it; otherwise the body's hash is the tag.
    let etag = parts
        .headers
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .filter(|tag| tag.len() > 2 && tag.starts_with('"') && tag.ends_with('"'))
        .map(String::from)
        .unwrap_or_else(|| etag_of(&body));
    let page = CachedPage::new(body, content_type, etag, last_modified);
    let response = respond(&page, crate::cache::Conditions { if_none_match: None, if_modified_since: None }, encoding);
    state.cache.insert(key, page, generation);
    response
}

/// Everything every answer gets on its way out, in one pass: after a request that may have
/// changed something, the refresh; for an answer marked with a `StatusPage`, its page; and the
/// security headers.
pub async fn finish(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let writes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut response = next.run(request).await;
    if writes {
        fresh_after_change(&state).await;
    }
    if response.extensions().get::<StatusPage>().is_some() {
        response = status_page(&state, response);
    }
    security_headers(&state, response.headers_mut());
    response
}

/// After a request that may have changed something (any but GET, HEAD and OPTIONS), drops what
/// the server held of the old content before answering, so whoever made the change sees it on
/// their next page. One place for every form and API write; changes from elsewhere (another
/// server, the command line) are caught by the background's once-a-second look.
async fn fresh_after_change(state: &AppState) {
    if let Err(e) = state.refresh().await {
        tracing::warn!(error = %e, "checking the content version failed");
    }
}

const CONTENT_SECURITY_POLICY: HeaderValue = HeaderValue::from_static(
    "default-src 'self'; img-src 'self' https:; style-src 'self'; \
    script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
);
const NOSNIFF: HeaderValue = HeaderValue::from_static("nosniff");
const REFERRER_POLICY: HeaderValue = HeaderValue::from_static("strict-origin-when-cross-origin");
const DENY: HeaderValue = HeaderValue::from_static("DENY");

/// Gives an answer marked with a `StatusPage` its page: the site's own 404 page, in the site's
/// layout, or a short page saying what went wrong. Errors only mark the answer; the pages are
/// drawn here, where the site's settings are at hand.
fn status_page(state: &AppState, response: Response) -> Response {
    let Some(page) = response.extensions().get::<StatusPage>().cloned() else {
        return response;
    };
    let (mut parts, _) = response.into_parts();
    let rendered = match &page {
        StatusPage::NotFound => {
            let mut layout = views::Layout::new(state, "Page not found", "/");
            layout.canonical = String::new();
            views::NotFoundPage { layout }.render()
        }
        StatusPage::Message(message) => views::ErrorPage { message }.render(),
    };
    let html = rendered.unwrap_or_else(|e| {
        tracing::error!(error = %e, "rendering a status page failed");
        match page {
            StatusPage::NotFound => "Not found".into(),
            StatusPage::Message(message) => message,
        }
    });
    parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(html))
}

/// CSP without inline script or style, `nosniff`, the referrer policy, frame denial, and HSTS
/// when the site asks for it: values made once, copied by reference.
fn security_headers(state: &AppState, headers: &mut HeaderMap) {
    if let Some(hsts) = &state.hsts {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY);
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, NOSNIFF);
    headers.insert(header::REFERRER_POLICY, REFERRER_POLICY);
    headers.insert(header::X_FRAME_OPTIONS, DENY);
}

/// The front door of a serving process: a GET of a page the cache holds is answered at once,
/// without passing the router and its middleware (one lookup, one clone of the page's bytes, the
/// security headers); anything else goes to `router`. Every request gets its log line and its
/// metrics here.
pub async fn front(state: Arc<AppState>, router: axum::Router, request: Request) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let uri = request.uri().clone();
    let peer = request.extensions().get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
    let from = client(peer, request.headers(), &state.config.trusted_proxies);
    let response = match cached(&state, &request) {
        Some(mut response) => {
            security_headers(&state, response.headers_mut());
            response
        }
        None => {
            use tower::ServiceExt;
            let mut request = request;
            request.extensions_mut().insert(NotCached);
            router.oneshot(request).await.unwrap_or_else(|e| match e {})
        }
    };
    log_line(&state, &method, &uri, from, response.status().as_u16(), started);
    response
}

/// Marks a request the front door found no cached page for.
#[derive(Clone, Copy)]
struct NotCached;

/// The answer to a GET or HEAD of a page the cache holds (not yet with the security headers).
fn cached(state: &AppState, request: &Request) -> Option<Response> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return None;
    }
    let page = state.cache.get(&cache_key(request.uri())?)?;
    state.metrics.cache_hits.fetch_add(1, Ordering::Relaxed);
    Some(respond(&page, crate::cache::Conditions::of(request.headers()), encoding_of(request)))
}

fn encoding_of(request: &Request) -> Encoding {
    Encoding::negotiate(request.headers().get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok()))
}

fn log_line(
    state: &AppState,
    method: &Method,
    uri: &axum::http::Uri,
    client: Option<IpAddr>,
    status: u16,
    started: Instant,
) {
    let elapsed = started.elapsed();
    let micros = elapsed.as_micros() as u64;
    let line = crate::access_log::Request { method, path: uri.path(), status, micros, client };
    state.config.access_log.record(&line);
    state.metrics.observe(method, metrics::route_label(uri.path(), status), status, elapsed.as_secs_f64());
}

/// The client of a request from `peer`: the peer itself, or, from a trusted proxy, whom it
/// forwards for (`client_ip`). Headers are read only for a trusted peer.
pub fn client(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
    let forwarded = (!forwarded.is_empty()).then(|| forwarded.join(","));
    Some(client_ip(peer, forwarded.as_deref(), trusted))
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
