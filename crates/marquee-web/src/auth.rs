//! Signing in and staying safe in the admin: password hashing (argon2id), server-side sessions
//! behind an `HttpOnly` cookie, CSRF tokens on every state-changing request, and the guard that
//! every `/admin` request passes through.

use crate::error::{Error, Result};
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use marquee_core::{Action, Actor};
use marquee_store::accounts::{self, Session};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "marquee_session";
/// Before sign-in there is no session to hold a CSRF token: the login and setup forms pair
/// their token with this cookie instead.
pub const FORM_COOKIE: &str = "marquee_form";
/// A session lasts two weeks from its last use (and no longer than `Limits::session_lifetime`
/// from sign-in).
pub const SESSION_SECONDS: i64 = 14 * 24 * 3600;
/// Sessions are extended at most this often, so reading pages does not write on every request.
const TOUCH_SECONDS: i64 = 3600;
/// The largest body read from a request without a session: the sign-in and setup forms.
pub const ANONYMOUS_BODY_BYTES: usize = 64 * 1024;
/// The largest form a signed-in member sends without a file (a long review and its fields).
pub const FORM_BODY_BYTES: usize = 4 * 1024 * 1024;
/// The largest form with an image: an image at the media limit plus the form around it. Only
/// the forms that take an image accept it, from a signed-in member.
pub const UPLOAD_BODY_BYTES: usize = 26 * 1024 * 1024;
/// The largest text field of a form with an image.
const UPLOAD_TEXT_FIELD_BYTES: u64 = 4 * 1024 * 1024;

pub use marquee_changes::accounts::{random_token, token_hash};

/// Whether a sent token is the expected one, compared in constant time.
pub(crate) fn same_token(sent: &str, expected: &str) -> bool {
    !sent.is_empty() && same(sent, expected)
}

fn same(a: &str, b: &str) -> bool {
    // Constant time over the length of the expected token.
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The value of cookie `name` in the request, if sent.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|pair| {
        let (key, value) = pair.trim().split_once('=')?;
        (key == name).then(|| value.to_string())
    })
}

/// A `Set-Cookie` value for the admin's cookies: `HttpOnly`, `SameSite=Lax`, limited to
/// `/admin`, and `Secure` when the site is served over HTTPS.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: i64) -> HeaderValue {
    let secure = if state.config.base_url.starts_with("https://") { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/admin; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
        .expect("cookie values are hex tokens")
}

/// Starts a session for a user and returns the cookie that carries it.
pub async fn start_session(state: &AppState, user_id: i64) -> Result<HeaderValue> {
    let token = random_token();
    let now = marquee_store::now();
    let expires = now + SESSION_SECONDS.min(state.config.limits.session_lifetime);
    accounts::create_session(&state.store, &token_hash(&token), user_id, &random_token(), now, expires).await?;
    Ok(set_cookie(state, SESSION_COOKIE, &token, expires - now))
}

/// Gives a session a new token (and CSRF token) and returns the cookie that carries it: after a
/// password change or a change of role, whoever knew the old token holds nothing.
pub async fn rotate_session(
    state: &AppState,
    conn: &mut marquee_store::Conn,
    session: &mut Session,
) -> Result<HeaderValue> {
    let token = random_token();
    let (hash, csrf) = (token_hash(&token), random_token());
    accounts::rotate_session(conn, &session.token_hash, &hash, &csrf).await?;
    session.token_hash = hash;
    session.csrf_token = csrf;
    session.rotate = false;
    let remaining = (session.expires_at - marquee_store::now()).max(0);
    Ok(set_cookie(state, SESSION_COOKIE, &token, remaining))
}

/// A form as sent, urlencoded or multipart: text fields by name, and files.
#[derive(Clone, Debug, Default)]
pub struct FormData {
    fields: HashMap<String, Vec<String>>,
    pub files: Vec<Upload>,
}

#[derive(Clone, Debug)]
pub struct Upload {
    pub field: String,
    pub file_name: String,
    pub bytes: Bytes,
}

impl FormData {
    /// A field's first value, trimmed; empty when absent.
    pub fn text(&self, name: &str) -> String {
        self.raw(name).trim().to_string()
    }

    /// A field's first value as sent (a Markdown body keeps its leading spaces).
    pub fn raw(&self, name: &str) -> &str {
        self.fields.get(name).and_then(|v| v.first()).map(String::as_str).unwrap_or("")
    }

    pub fn optional(&self, name: &str) -> Option<String> {
        Some(self.text(name)).filter(|v| !v.is_empty())
    }

    pub fn all(&self, name: &str) -> &[String] {
        self.fields.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn checked(&self, name: &str) -> bool {
        !self.raw(name).is_empty()
    }

    /// The first non-empty file sent in field `name`.
    pub fn file(&self, name: &str) -> Option<&Upload> {
        self.files.iter().find(|f| f.field == name && !f.bytes.is_empty())
    }

    /// Builds a form from field pairs (for handlers that re-read a stored state as a form).
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> FormData {
        let mut form = FormData::default();
        for (key, value) in pairs {
            form.fields.entry(key).or_default().push(value);
        }
        form
    }

    /// Parses a multipart form as it arrives, within `limit` bytes in all; text fields and
    /// files not in `IMAGE_FIELDS` each within a few megabytes.
    async fn parse_multipart(content_type: &str, body: Body, limit: u64) -> Result<FormData> {
        let boundary = multer::parse_boundary(content_type)
            .map_err(|e| Error::BadRequest(format!("the form could not be read: {e}")))?;
        let mut sizes = multer::SizeLimit::new().whole_stream(limit).per_field(UPLOAD_TEXT_FIELD_BYTES.min(limit));
        for field in IMAGE_FIELDS {
            sizes = sizes.for_field(field, limit);
        }
        let mut multipart = multer::Multipart::with_constraints(
            body.into_data_stream(),
            boundary,
            multer::Constraints::new().size_limit(sizes),
        );
        let unreadable = |e: multer::Error| match e {
            multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
                Error::TooLarge(limit as usize)
            }
            multer::Error::StreamReadFailed(e) if crate::server::is_body_timeout(e.as_ref()) => Error::Timeout,
            other => Error::BadRequest(format!("the form could not be read: {other}")),
        };
        let mut form = FormData::default();
        while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or_default().to_string();
            let file_name = field.file_name().map(str::to_string);
            let bytes = field.bytes().await.map_err(unreadable)?;
            match file_name {
                Some(file_name) => form.files.push(Upload { field: name, file_name, bytes }),
                None => form.fields.entry(name).or_default().push(String::from_utf8_lossy(&bytes).into_owned()),
            }
        }
        Ok(form)
    }
}

fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(body).into_owned().collect()
}

impl<S: Send + Sync> FromRequestParts<S> for FormData {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        parts.extensions.remove::<FormData>().ok_or_else(|| Error::BadRequest("the request carried no form".into()))
    }
}

/// The signed-in user of an admin request.
#[derive(Clone, Debug)]
pub struct Admin {
    pub session: Session,
}

impl Admin {
    pub fn actor(&self) -> Actor {
        Actor { user_id: self.session.user.id, role: self.session.user.role }
    }

    pub fn id(&self) -> i64 {
        self.session.user.id
    }

    /// The member, as the changes layer knows them.
    pub fn member(&self) -> marquee_changes::Member {
        let user = &self.session.user;
        marquee_changes::Member { id: user.id, name: user.display_name.clone(), role: user.role }
    }

    pub fn name(&self) -> &str {
        &self.session.user.display_name
    }

    /// `Ok` when the user may take `action`; a 403 otherwise.
    pub fn require(&self, action: Action) -> Result<()> {
        if self.actor().may(action) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Admin {
    type Rejection = Error;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self> {
        match parts.extensions.get::<Option<Session>>().cloned().flatten() {
            Some(session) => Ok(Admin { session }),
            None => {
                let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/admin");
                Err(Error::SignIn(next.to_string()))
            }
        }
    }
}

impl<S: Send + Sync> axum::extract::OptionalFromRequestParts<S> for Admin {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Option<Self>, Self::Rejection> {
        Ok(parts.extensions.get::<Option<Session>>().cloned().flatten().map(|session| Admin { session }))
    }
}

/// Every `/admin` request passes here: the session is looked up (and extended now and then);
/// a state-changing request must come from this site (`Origin`, `Sec-Fetch-Site`) and carry the
/// CSRF token of its session (or, before sign-in, of the form cookie); its body is read once,
/// within a limit, into a `FormData`. Responses are never stored by caches.
pub async fn admin_guard(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    match guard(&state, request, next).await {
        Ok(response) => response,
        Err(e) => e.into_response(),
    }
    .tap_no_store()
}

trait NoStore {
    fn tap_no_store(self) -> Self;
}

impl NoStore for Response {
    fn tap_no_store(mut self) -> Self {
        self.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        self
    }
}

async fn guard(state: &AppState, request: Request, next: Next) -> Result<Response> {
    let (mut parts, body) = request.into_parts();
    let now = marquee_store::now();
    let token = cookie(&parts.headers, SESSION_COOKIE);
    let begun_after = now - state.config.limits.session_lifetime;
    let mut session = match &token {
        Some(token) => accounts::session(&state.store, &token_hash(token), now, begun_after).await?,
        None => None,
    };
    let mut new_cookie = None;
    if let Some(current) = &mut session {
        if current.rotate {
            let mut tx = state.store.begin().await?;
            new_cookie = Some(rotate_session(state, &mut tx, current).await?);
            tx.commit().await?;
        } else if now - current.last_seen_at > TOUCH_SECONDS {
            let expires = (now + SESSION_SECONDS).min(current.created_at + state.config.limits.session_lifetime);
            accounts::touch_session(&state.store, &current.token_hash, now, expires).await?;
            let token = token.as_deref().unwrap_or_default();
            new_cookie = Some(set_cookie(state, SESSION_COOKIE, token, expires - now));
        }
    }
    let body = if matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        Body::empty()
    } else if streamed_upload(&parts, session.is_some()) {
        // An import's upload can be far larger than a form: its handler streams it to disk,
        // checking the CSRF token (the form's first field) before it reads any file.
        check_origin(state, &parts.headers)?;
        body
    } else {
        check_origin(state, &parts.headers)?;
        let form = read_form(&parts, body, session.is_some()).await?;
        let sent = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .unwrap_or_else(|| form.text("csrf"));
        let expected = match &session {
            Some(session) => Some(session.csrf_token.clone()),
            None => cookie(&parts.headers, FORM_COOKIE),
        };
        match expected {
            Some(expected) if !sent.is_empty() && same(&sent, &expected) => {}
            _ => return Err(Error::Csrf),
        }
        parts.extensions.insert(form);
        Body::empty()
    };
    let address = client_address(state, &parts.headers, parts.extensions.get::<ConnectInfo<SocketAddr>>());
    parts.extensions.insert(ClientAddress(address));
    parts.extensions.insert(session);
    let mut response = next.run(Request::from_parts(parts, body)).await;
    if let Some(cookie) = new_cookie {
        if !response.headers().contains_key(header::SET_COOKIE) {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
    }
    Ok(response)
}

/// Forms that may carry an image (the media library, the review editor and its preview, a
/// film's page), and the fields that hold it.
fn takes_image(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    matches!(
        segments.as_slice(),
        ["admin", "media"] | ["admin", "preview"] | ["admin", "reviews", _] | ["admin", "films", _]
    )
}

const IMAGE_FIELDS: [&str; 2] = ["file", "poster_file"];

/// Reads a form's body within the limit for who sends it and where: a request without a
/// session gets a small one, refused from its `Content-Length` before anything is read; only
/// a signed-in member's forms that take an image may be large, and those are parsed as they
/// arrive, each text field within its own limit.
async fn read_form(parts: &axum::http::request::Parts, body: Body, signed_in: bool) -> Result<FormData> {
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let multipart = content_type.starts_with("multipart/form-data");
    let limit = match (signed_in, multipart && takes_image(parts.uri.path())) {
        (false, _) => ANONYMOUS_BODY_BYTES,
        (true, false) => FORM_BODY_BYTES,
        (true, true) => UPLOAD_BODY_BYTES,
    };
    if declared_length(&parts.headers).is_some_and(|length| length > limit as u64) {
        return Err(Error::TooLarge(limit));
    }
    if multipart {
        FormData::parse_multipart(content_type, body, limit as u64).await
    } else {
        let bytes = axum::body::to_bytes(body, limit).await.map_err(|e| body_error(&e, limit))?;
        Ok(FormData::from_pairs(form_urlencoded_pairs(&bytes)))
    }
}

/// The body's length as its `Content-Length` declares it.
pub fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok())
}

/// Why a body could not be read: over its limit, stalled, or broken.
fn body_error(error: &(dyn std::error::Error + 'static), limit: usize) -> Error {
    if crate::server::is_body_timeout(error) {
        return Error::Timeout;
    }
    let mut source = Some(error);
    while let Some(e) = source {
        if e.is::<http_body_util::LengthLimitError>() {
            return Error::TooLarge(limit);
        }
        source = e.source();
    }
    Error::BadRequest(format!("the form could not be read: {error}"))
}

/// Where the admin takes an import's file: the one form whose body its handler streams.
pub const IMPORT_UPLOAD_PATH: &str = "/admin/import";

/// Whether a request is an import's upload from a signed-in user, which its handler streams.
fn streamed_upload(parts: &axum::http::request::Parts, signed_in: bool) -> bool {
    signed_in
        && parts.method == Method::POST
        && parts.uri.path() == IMPORT_UPLOAD_PATH
        && parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("multipart/form-data"))
}

/// Refuses a request a browser says came from another site.
fn check_origin(state: &AppState, headers: &HeaderMap) -> Result<()> {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return Err(Error::Csrf);
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return Ok(()) };
    let origin_host = origin.split_once("://").map(|(_, host)| host).unwrap_or("");
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let base_host = state.config.base_url.split_once("://").map(|(_, host)| host).unwrap_or("");
    if origin_host.is_empty() || (origin_host != host && origin_host != base_host) {
        return Err(Error::Csrf);
    }
    Ok(())
}

/// The client's address (as the log line names it, `edge::client`), for throttling sign-ins.
#[derive(Clone, Debug)]
pub struct ClientAddress(pub String);

fn client_address(state: &AppState, parts_headers: &HeaderMap, connect: Option<&ConnectInfo<SocketAddr>>) -> String {
    crate::edge::client(connect.map(|c| c.0.ip()), parts_headers, &state.config.trusted_proxies)
        .map_or_else(|| "unknown".into(), |ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencoded_forms_decode_plus_percent_and_utf8() {
        let pairs = form_urlencoded_pairs(b"title=Am%C3%A9lie+%282001%29&empty=&flag&bad=%zz%4");
        assert_eq!(pairs[0], ("title".into(), "Amélie (2001)".into()));
        assert_eq!(pairs[1], ("empty".into(), String::new()));
        assert_eq!(pairs[2], ("flag".into(), String::new()));
        assert_eq!(pairs[3].0, "bad");
    }

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("xmarquee_session=1; marquee_session=abc; other=2"));
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn tokens_are_compared_whole() {
        assert!(same("abc", "abc"));
        assert!(!same("abc", "abd"));
        assert!(!same("ab", "abc"));
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    const PIECES: &[&str] = &[
        "--x\r\n",
        "--x--\r\n",
        "Content-Disposition: form-data; name=\"csrf\"\r\n\r\n",
        "Content-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n",
        "Content-Disposition: form-data; name=\"body\"\r\n",
        "Content-Disposition: form-data; name*=UTF-8''%E2%82%AC\r\n",
        "Content-Type: image/png\r\n\r\n",
        "\r\n",
        "value",
        "\u{0}",
        "--",
        "%",
        "%zz",
        "+",
        "=",
        "&",
        ";",
    ];

    fn text() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            3 => proptest::sample::select(PIECES).prop_map(str::to_string),
            1 => any::<String>(),
        ];
        proptest::collection::vec(piece, 0..30).prop_map(|pieces| pieces.concat())
    }

    proptest! {
        #[test]
        fn forms_and_cookies_are_read_within_their_limit_or_refused_never_a_panic(body in text(), limit in 0u64..512) {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let parsed = runtime.block_on(FormData::parse_multipart("multipart/form-data; boundary=x", Body::from(body.clone()), limit));
            match parsed {
                Ok(form) => {
                    let held: usize = form.files.iter().map(|f| f.bytes.len()).sum::<usize>()
                        + form.fields.values().flatten().map(String::len).sum::<usize>();
                    // Text is read lossily (a bad byte becomes three), never beyond the limit.
                    prop_assert!(held as u64 <= limit * 3, "{held} bytes held from a {limit}-byte limit");
                }
                Err(Error::TooLarge(_) | Error::BadRequest(_)) => {}
                Err(other) => prop_assert!(false, "unexpected {other:?}"),
            }
            let pairs = form_urlencoded_pairs(body.as_bytes());
            prop_assert!(pairs.len() <= body.len() + 1);
            let mut headers = HeaderMap::new();
            if let Ok(value) = HeaderValue::from_str(&body) {
                headers.insert(header::COOKIE, value);
                let _ = cookie(&headers, SESSION_COOKIE);
            }
            let _ = declared_length(&headers);
        }
    }
}
