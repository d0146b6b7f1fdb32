//! The JSON API, version 1, under `/api/v1`: published reviews, films, people, lists and search
//! for anyone; writing reviews and diary entries for holders of an API token (created and
//! revoked by its user in the admin, sent as `Authorization: Bearer …`, acting with that user's
//! role). Lists page by opaque cursors; errors are `application/problem+json` (RFC 9457); reads
//! carry ETags and answer `If-None-Match` with 304. The OpenAPI 3.1 document at
//! `/api/v1/openapi.json` is generated from the types and handlers below.

//!
//! - `reviews`: published reviews (and those of a year, genre, tag or writer), and writing one;
//! - `films`: films and people; `lists`: published lists; `search`;
//! - `diary`: the token's user's diary, read, logged and deleted.
//!
//! Every write goes through the changes layer (`marquee_changes`), as the admin's forms do.

mod diary;
mod films;
mod lists;
mod reviews;
mod search;

use crate::auth::{token_hash, ANONYMOUS_BODY_BYTES};
use crate::error::Error;
use crate::state::AppState;
use axum::body::{to_bytes, Body};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{header, request::Parts, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, put};
use axum::Router;
use marquee_changes::{ChangeError, Member, Problem as FieldError};
use marquee_store::tokens::{self, Bearer, Scope};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/reviews", get(reviews::list_reviews).post(reviews::create_review))
        .route("/api/v1/reviews/{slug}", get(reviews::get_review))
        .route("/api/v1/reviews/{id}/draft", put(reviews::update_review))
        .route("/api/v1/years/{year}/reviews", get(reviews::year_reviews))
        .route("/api/v1/genres/{slug}/reviews", get(reviews::genre_reviews))
        .route("/api/v1/tags/{slug}/reviews", get(reviews::tag_reviews))
        .route("/api/v1/writers/{slug}/reviews", get(reviews::writer_reviews))
        .route("/api/v1/films", get(films::list_films))
        .route("/api/v1/films/{slug}", get(films::get_film))
        .route("/api/v1/people", get(films::list_people))
        .route("/api/v1/people/{slug}", get(films::get_person))
        .route("/api/v1/lists", get(lists::list_lists))
        .route("/api/v1/lists/{slug}", get(lists::get_list))
        .route("/api/v1/search", get(search::search_all))
        .route("/api/v1/diary", get(diary::list_diary).post(diary::create_diary_entry))
        .route("/api/v1/diary/{id}", delete(diary::delete_diary_entry))
        .route("/api/v1/{*rest}", any(|| async { Problem::new(StatusCode::NOT_FOUND, "No such API endpoint.") }))
        .layer(middleware::from_fn_with_state(state.clone(), validated))
        .layer(middleware::from_fn_with_state(state.clone(), bearer))
        .with_state(state)
}

// ---------------------------------------------------------------------------------------------
// Problems

/// An error, as RFC 9457 describes: a status, a title, what went wrong, and for refused fields,
/// each field with what to fix.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem this is.
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The fields that were refused, when the request's content was.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field's name in the request.
    pub field: String,
    pub detail: String,
}

impl Problem {
    fn new(status: StatusCode, detail: &str) -> Problem {
        Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    fn fields(errors: Vec<FieldError>) -> Problem {
        let mut problem = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Some fields need fixing.");
        problem.errors =
            errors.into_iter().map(|e| FieldProblem { field: api_field(e.field).into(), detail: e.message }).collect();
        problem
    }
}

/// The API's name for an editor field.
fn api_field(field: &str) -> &str {
    match field {
        "film_title" => "film.title",
        "film_year" => "film.year",
        "film_runtime" => "film.runtime_minutes",
        "verdict_override" => "verdict",
        "rating" => "rating",
        other => other,
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Errors answer with the same status as the site's pages (`Error::status`), in problem+json.
impl From<Error> for Problem {
    fn from(error: Error) -> Problem {
        error.log();
        let status = error.status();
        match error {
            Error::Invalid(problems) => Problem::fields(problems),
            Error::Forbidden => Problem::new(status, "This token's user may not do that."),
            Error::TooLarge(limit) => Problem::new(status, &format!("The body is over {limit} bytes.")),
            other => Problem::new(status, &other.message()),
        }
    }
}

impl From<ChangeError> for Problem {
    fn from(error: ChangeError) -> Problem {
        Problem::from(Error::from(error))
    }
}

impl From<marquee_store::Error> for Problem {
    fn from(error: marquee_store::Error) -> Problem {
        Problem::from(Error::Store(error))
    }
}

impl From<QueryRejection> for Problem {
    fn from(rejection: QueryRejection) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, &format!("The query string was refused: {}", rejection.body_text()))
    }
}

impl From<PathRejection> for Problem {
    fn from(rejection: PathRejection) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, &format!("No such resource: {}", rejection.body_text()))
    }
}

impl From<JsonRejection> for Problem {
    fn from(rejection: JsonRejection) -> Problem {
        let status = match rejection {
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
            JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            JsonRejection::JsonDataError(_) => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::BAD_REQUEST,
        };
        Problem::new(status, &format!("The JSON body was refused: {}", rejection.body_text()))
    }
}

type ApiResult<T> = Result<T, Problem>;

// ---------------------------------------------------------------------------------------------
// Tokens

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
async fn bearer(State(state): State<Arc<AppState>>, mut request: Request, next: Next) -> Response {
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
    fn require(self, scope: Scope) -> ApiResult<Bearer> {
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
fn member(bearer: &Bearer) -> Member {
    Member { id: bearer.user_id, name: bearer.user_name.clone(), role: bearer.role }
}

// ---------------------------------------------------------------------------------------------
// ETags for reads

/// Gives every successful read an ETag of its body and the time of the last content change,
/// and answers a matching `If-None-Match` (or, without one, an `If-Modified-Since` not before
/// that change) with 304; reads made with a token are private to the cache of whoever made them.
async fn validated(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        return next.run(request).await;
    }
    let changed_at = state.changed_at();
    let asked = request.headers().clone();
    let private = request.headers().contains_key(header::AUTHORIZATION);
    let response = next.run(request).await;
    if response.status() != StatusCode::OK {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(body) = to_bytes(body, 64 * 1024 * 1024).await else {
        return Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "The response could not be read.").into_response();
    };
    let etag = crate::cache::etag_of(&body);
    let cache = if private { "private, max-age=0, must-revalidate" } else { "public, max-age=0, must-revalidate" };
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    parts.headers.insert(header::ETAG, HeaderValue::from_str(&etag).expect("hex is a valid header value"));
    parts.headers.insert(header::VARY, HeaderValue::from_static("authorization"));
    if let Some(date) = crate::cache::http_date(changed_at).and_then(|d| HeaderValue::from_str(&d).ok()) {
        parts.headers.insert(header::LAST_MODIFIED, date);
    }
    if crate::cache::Conditions::of(&asked).current(&etag, changed_at) {
        parts.headers.remove(header::CONTENT_TYPE);
        parts.status = StatusCode::NOT_MODIFIED;
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(body))
}

// ---------------------------------------------------------------------------------------------
// Cursors

/// A page's position: two numbers (what the list is ordered by, and an id to break ties),
/// written as 32 hex digits. Clients pass back what they were given; every value of that shape
/// names a position, so none is refused.
fn encode_cursor(first: i64, second: i64) -> String {
    format!("{:016x}{:016x}", first.max(0), second.max(0))
}

fn decode_cursor(cursor: Option<&str>) -> ApiResult<Option<(i64, i64)>> {
    let Some(cursor) = cursor else { return Ok(None) };
    let bad = || Problem::new(StatusCode::BAD_REQUEST, "cursor must be the next_cursor of a previous page.");
    if cursor.len() != 32 || !cursor.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(bad());
    }
    let half = |text: &str| u64::from_str_radix(text, 16).map(|n| n.min(i64::MAX as u64) as i64).map_err(|_| bad());
    Ok(Some((half(&cursor[..16])?, half(&cursor[16..])?)))
}

/// The id after which an id-ordered page starts.
fn after_id(cursor: Option<&str>) -> ApiResult<i64> {
    Ok(decode_cursor(cursor)?.map(|(id, _)| id).unwrap_or(0))
}

/// How many items a page holds: 20 unless asked, at most 100.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Where to continue: the `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{32}$")]
    cursor: Option<String>,
    /// Items per page, 1 to 100 (20 when left out).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
}

impl PageParams {
    /// The cursor, when one was given.
    fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    fn limit(&self) -> ApiResult<i64> {
        match self.limit {
            None => Ok(20),
            Some(limit) if (1..=100).contains(&limit) => Ok(limit),
            Some(_) => Err(Problem::new(StatusCode::BAD_REQUEST, "limit must be from 1 to 100.")),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What several resources return

#[derive(Serialize, ToSchema)]
pub struct FilmRef {
    pub slug: String,
    pub title: String,
    pub year: Option<i32>,
    /// The film's public page, when it has one.
    pub url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WriterRef {
    pub slug: String,
    pub name: String,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct PersonRef {
    pub slug: String,
    pub name: String,
    pub url: String,
    /// The part played, for cast members.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub character: Option<String>,
}

fn rfc3339(unix: i64) -> Option<String> {
    crate::views::DateView::from_unix(unix).map(|d| d.iso)
}

/// Cuts the extra item a page query asked for, returning the cursor after the last one kept.
fn next<T>(items: &mut Vec<T>, limit: i64, cursor: impl Fn(&T) -> String) -> Option<String> {
    if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(cursor)
    } else {
        None
    }
}

fn not_found(what: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, &format!("No published {what} has this slug."))
}

/// A whole number as JSON may write it: `2016` or `2016.0`.
fn whole<'de, D: serde::Deserializer<'de>, T: TryFrom<i64>>(deserializer: D) -> Result<Option<T>, D::Error> {
    let number: Option<f64> = Option::deserialize(deserializer)?;
    match number {
        None => Ok(None),
        Some(n) if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 => {
            T::try_from(n as i64).map(Some).map_err(|_| serde::de::Error::custom(format!("{n} is out of range")))
        }
        Some(n) => Err(serde::de::Error::custom(format!("{n} is not a whole number"))),
    }
}

// ---------------------------------------------------------------------------------------------
// The document

struct BearerScheme;

impl utoipa::Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("token", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Marquee API",
        version = "1",
        description = "Published reviews, films, people, lists and search for anyone; reviews and diary entries \
            written with an API token (Admin › API tokens). Lists page with `cursor` and `limit`; errors are \
            application/problem+json."
    ),
    paths(
        reviews::list_reviews, reviews::year_reviews, reviews::genre_reviews, reviews::tag_reviews,
        reviews::writer_reviews, reviews::get_review, reviews::create_review, reviews::update_review,
        films::list_films, films::get_film, films::list_people, films::get_person, lists::list_lists,
        lists::get_list, search::search_all, diary::list_diary, diary::create_diary_entry,
        diary::delete_diary_entry
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "reviews"), (name = "films"), (name = "people"), (name = "lists"), (name = "search"), (name = "diary")
    )
)]
pub struct ApiDoc;

/// The OpenAPI document, built once.
pub fn document() -> &'static str {
    static DOCUMENT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DOCUMENT.get_or_init(|| ApiDoc::openapi().to_pretty_json().expect("the API document serializes"))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], document()).into_response()
}
