//! Whole rendered pages, kept in memory until the content version changes, so a page is
//! rendered (and its Markdown never re-rendered) once per change, not once per request.

use crate::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

pub struct CachedPage {
    pub body: Bytes,
    pub content_type: HeaderValue,
    pub etag: HeaderValue,
}

pub struct PageCache {
    pages: RwLock<HashMap<String, Arc<CachedPage>>>,
    /// Moves on every clear, so a page rendered before a clear is not stored after it.
    generation: AtomicU64,
    capacity: usize,
}

impl PageCache {
    pub fn new(capacity: usize) -> PageCache {
        PageCache { pages: RwLock::new(HashMap::new()), generation: AtomicU64::new(0), capacity }
    }

    pub fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        self.pages.read().expect("cache lock is never poisoned").get(key).cloned()
    }

    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Stores a page rendered during `generation`, unless the cache was cleared since.
    pub fn insert(&self, key: String, page: CachedPage, generation: u64) {
        let mut pages = self.pages.write().expect("cache lock is never poisoned");
        if self.generation() != generation {
            return;
        }
        if pages.len() >= self.capacity {
            pages.clear();
        }
        pages.insert(key, Arc::new(page));
    }

    pub fn clear(&self) {
        let mut pages = self.pages.write().expect("cache lock is never poisoned");
        self.generation.fetch_add(1, Ordering::AcqRel);
        pages.clear();
    }

    pub fn len(&self) -> usize {
        self.pages.read().expect("cache lock is never poisoned").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Middleware: answers GET requests for public pages from the cache, and stores successful
/// HTML responses in it. Answers `If-None-Match` with 304.
pub async fn serve_cached(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return next.run(request).await;
    }
    let key = request.uri().path_and_query().map(|pq| pq.as_str().to_string()).unwrap_or_default();
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).cloned();
    if let Some(page) = state.cache.get(&key) {
        return respond(&page, if_none_match.as_ref());
    }
    let generation = state.cache.generation();
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
    let digest = Sha256::digest(&body);
    let etag = format!("\"{}\"", digest[..12].iter().map(|b| format!("{b:02x}")).collect::<String>());
    let page = CachedPage {
        body,
        content_type,
        etag: HeaderValue::from_str(&etag).expect("hex digits are a valid header value"),
    };
    let response = respond(&page, None);
    state.cache.insert(key, page, generation);
    response
}

fn respond(page: &CachedPage, if_none_match: Option<&HeaderValue>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, page.content_type.clone());
    headers.insert(header::ETAG, page.etag.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=0, must-revalidate"));
    if if_none_match.is_some_and(|v| v == page.etag) {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (StatusCode::OK, headers, Body::from(page.body.clone())).into_response()
}
