//! The stylesheet (fingerprinted, cached for a year), the theme colours, and media files.

use crate::assets::{FINGERPRINTED, ICON, IMMUTABLE};
use crate::compress::Encoding;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use bytes::Bytes;
use std::sync::Arc;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/static/{file}", get(static_file))
        .route("/theme.css", get(theme))
        .route("/media/{sha256}/{file}", get(media_file))
        .route("/robots.txt", get(robots))
}

async fn static_file(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let path = format!("/static/{file}");
    if let Some(asset) = FINGERPRINTED.iter().find(|asset| asset.url() == path) {
        let accept = headers.get(header::ACCEPT_ENCODING).and_then(|v| v.to_str().ok());
        let encoding = Encoding::negotiate(accept);
        let body = asset.compressed.get(&Bytes::from_static(asset.body.as_bytes()), encoding);
        let mut response = (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, IMMUTABLE),
                (header::VARY, "accept-encoding"),
            ],
            body,
        )
            .into_response();
        if let Some(name) = encoding.header() {
            response.headers_mut().insert(header::CONTENT_ENCODING, axum::http::HeaderValue::from_static(name));
        }
        return response;
    }
    if file == "icon.svg" {
        return ([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "public, max-age=86400")], ICON)
            .into_response();
    }
    crate::error::Error::NotFound.into_response()
}

/// The site's accent colour as a CSS custom property (a stylesheet, since the CSP allows no
/// inline styles). Only a hex colour is ever printed.
async fn theme(State(state): State<Arc<AppState>>) -> Response {
    let site = state.site();
    let accent = site.accent.trim();
    let valid = accent.len() <= 9
        && accent.starts_with('#')
        && matches!(accent.len(), 4 | 7 | 9)
        && accent[1..].bytes().all(|b| b.is_ascii_hexdigit());
    let css = if valid { format!(":root {{ --accent: {accent}; }}\n") } else { String::new() };
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, IMMUTABLE)], css).into_response()
}

async fn media_file(State(state): State<Arc<AppState>>, Path((sha256, file)): Path<(String, String)>) -> Response {
    match state.media.read(&sha256, &file).await {
        Ok(Some((bytes, content_type))) => {
            ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, IMMUTABLE)], bytes).into_response()
        }
        Ok(None) => crate::error::Error::NotFound.into_response(),
        Err(e) => {
            tracing::error!(error = %e, "reading a media file failed");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}

async fn robots(State(state): State<Arc<AppState>>) -> Response {
    let body =
        format!("User-agent: *\nAllow: /\nDisallow: /admin\n\nSitemap: {}\n", state.absolute_url("/sitemap.xml"));
    ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body).into_response()
}
