//! Whole rendered pages, kept in memory until the content version changes, so a page is
//! rendered (and its Markdown never re-rendered) once per change, not once per request.

use crate::compress::{Compressed, Encoding};
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

pub struct CachedPage {
    pub body: Bytes,
    pub content_type: HeaderValue,
    /// The tag of the uncompressed body, quoted; compressed forms add a suffix inside the quotes.
    pub etag: String,
    pub compressed: Compressed,
    /// Unix seconds: the content change this page was rendered after.
    pub last_modified: i64,
    /// What every answer with this page says, made once: the ETag of each encoding (identity,
    /// gzip, brotli) and `Last-Modified`.
    headers: Prepared,
}

struct Prepared {
    etags: [HeaderValue; 3],
    last_modified: Option<HeaderValue>,
}

impl CachedPage {
    pub fn new(body: Bytes, content_type: HeaderValue, etag: String, last_modified: i64) -> CachedPage {
        let tag = |encoding: Encoding| {
            let tag = format!("\"{}{}\"", etag.trim_matches('"'), encoding.etag_suffix());
            HeaderValue::from_str(&tag).expect("hex digits are a valid header value")
        };
        let headers = Prepared {
            etags: [tag(Encoding::Identity), tag(Encoding::Gzip), tag(Encoding::Brotli)],
            last_modified: http_date(last_modified).and_then(|d| HeaderValue::from_str(&d).ok()),
        };
        CachedPage { body, content_type, etag, compressed: Compressed::default(), last_modified, headers }
    }

    fn etag_for(&self, encoding: Encoding) -> &HeaderValue {
        &self.headers.etags[match encoding {
            Encoding::Identity => 0,
            Encoding::Gzip => 1,
            Encoding::Brotli => 2,
        }]
    }
}

pub struct PageCache {
    pages: RwLock<Pages>,
    /// Moves on every clear, so a page rendered before a clear is not stored after it.
    generation: AtomicU64,
    /// The most bytes of page bodies held at once; past it the cache starts over.
    max_bytes: usize,
}

#[derive(Default)]
struct Pages {
    by_key: HashMap<String, Arc<CachedPage>>,
    bytes: usize,
}

impl PageCache {
    pub fn new(max_bytes: usize) -> PageCache {
        PageCache { pages: RwLock::new(Pages::default()), generation: AtomicU64::new(0), max_bytes }
    }

    pub fn get(&self, key: &str) -> Option<Arc<CachedPage>> {
        self.pages.read().expect("cache lock is never poisoned").by_key.get(key).cloned()
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
        let size = key.len() + page.body.len();
        if pages.bytes + size > self.max_bytes {
            *pages = Pages::default();
        }
        pages.bytes += size;
        if let Some(old) = pages.by_key.insert(key.clone(), Arc::new(page)) {
            pages.bytes -= key.len() + old.body.len();
        }
    }

    pub fn clear(&self) {
        let mut pages = self.pages.write().expect("cache lock is never poisoned");
        self.generation.fetch_add(1, Ordering::AcqRel);
        *pages = Pages::default();
    }

    pub fn len(&self) -> usize {
        self.pages.read().expect("cache lock is never poisoned").by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Pages differ only by path and page number; other query parameters must not mint new entries.
/// Most requests have no query, and their key is their path as it is. WordPress's addresses of a
/// post (`/?p=55`, `/?page_id=2`) are old addresses the home page's handler sends on, so they
/// have no key: never answered from the cache, never stored in it.
pub(crate) fn cache_key(uri: &axum::http::Uri) -> Option<Cow<'_, str>> {
    let Some(query) = uri.query() else { return Some(Cow::Borrowed(uri.path())) };
    if uri.path() == "/" && (query.starts_with("p=") || query.starts_with("page_id=")) {
        return None;
    }
    Some(match crate::query::page_param(Some(query)) {
        Ok(Some(page)) => Cow::Owned(format!("{}?page={page}", uri.path())),
        _ => Cow::Borrowed(uri.path()),
    })
}

/// A body's entity tag: the start of its SHA-256, quoted.
pub(crate) fn etag_of(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", digest[..12].iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// What a reader's request says about the copy it holds.
pub(crate) struct Conditions<'a> {
    pub if_none_match: Option<&'a HeaderValue>,
    pub if_modified_since: Option<i64>,
}

impl<'a> Conditions<'a> {
    pub fn of(headers: &'a HeaderMap) -> Conditions<'a> {
        Conditions {
            if_none_match: headers.get(header::IF_NONE_MATCH),
            if_modified_since: headers
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_http_date),
        }
    }

    /// Whether the reader's copy is the one with `etag`, changed at `last_modified` (an ETag,
    /// when sent, decides).
    pub fn current(&self, etag: &str, last_modified: i64) -> bool {
        match self.if_none_match {
            Some(_) => self.holds(etag),
            None => self.if_modified_since.is_some_and(|since| last_modified <= since),
        }
    }

    /// Whether the reader's `If-None-Match` names `etag` (or any: `*`).
    pub fn holds(&self, etag: &str) -> bool {
        self.if_none_match.is_some_and(|tags| {
            tags.to_str()
                .is_ok_and(|tags| tags.split(',').any(|t| t.trim() == "*" || t.trim().trim_start_matches("W/") == etag))
        })
    }
}

const HTTP_DATE: &[time::format_description::FormatItem<'static>] = time::macros::format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

pub(crate) fn http_date(unix: i64) -> Option<String> {
    time::OffsetDateTime::from_unix_timestamp(unix).ok()?.format(HTTP_DATE).ok()
}

pub(crate) fn parse_http_date(text: &str) -> Option<i64> {
    time::PrimitiveDateTime::parse(text.trim(), HTTP_DATE).ok().map(|t| t.assume_utc().unix_timestamp())
}

/// The page in the encoding the reader accepts, with its ETag (one per encoding) and
/// Last-Modified, or a 304 when the reader's copy is current (an ETag, when sent, decides).
/// Every header value was made when the page was stored: answering copies a few references.
pub(crate) fn respond(page: &CachedPage, conditions: Conditions, encoding: Encoding) -> Response {
    // Images are compressed already.
    let encoding = if page.content_type.as_bytes().starts_with(b"image/") { Encoding::Identity } else { encoding };
    let etag = page.etag_for(encoding);
    let mut headers = HeaderMap::with_capacity(12);
    headers.insert(header::CONTENT_TYPE, page.content_type.clone());
    headers.insert(header::ETAG, etag.clone());
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=0, must-revalidate"));
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(date) = &page.headers.last_modified {
        headers.insert(header::LAST_MODIFIED, date.clone());
    }
    let current = match etag.to_str() {
        Ok(etag) => conditions.current(etag, page.last_modified),
        Err(_) => false,
    };
    if current {
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        *response.headers_mut() = headers;
        return response;
    }
    if let Some(name) = encoding.header() {
        headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(name));
    }
    let mut response = Response::new(Body::from(page.compressed.get(&page.body, encoding)));
    *response.headers_mut() = headers;
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(size: usize) -> CachedPage {
        CachedPage::new(Bytes::from(vec![b'x'; size]), HeaderValue::from_static("text/html"), "\"e\"".into(), 0)
    }

    #[test]
    fn http_dates_round_trip() {
        assert_eq!(http_date(784111777).as_deref(), Some("Sun, 06 Nov 1994 08:49:37 GMT"));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784111777));
        assert_eq!(parse_http_date("yesterday"), None);
    }

    #[test]
    fn the_cache_stays_within_its_byte_budget() {
        let cache = PageCache::new(1000);
        for i in 0..50 {
            cache.insert(format!("/{i}"), page(100), cache.generation());
            let held = cache.pages.read().unwrap().bytes;
            assert!(held <= 1000, "{held}");
        }
        assert!(!cache.is_empty());
    }

    #[test]
    fn a_page_rendered_before_a_clear_is_not_stored_after_it() {
        let cache = PageCache::new(10_000);
        let generation = cache.generation();
        cache.clear();
        cache.insert("/".into(), page(10), generation);
        assert!(cache.get("/").is_none());
        cache.insert("/".into(), page(10), cache.generation());
        assert!(cache.get("/").is_some());
    }
}
