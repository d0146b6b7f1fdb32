//! The JSON API, version 1, under `/api/v1`: published reviews, films, people, lists and search
//! for anyone; writing reviews and diary entries for holders of an API token (created and
//! revoked by its user in the admin, sent as `Authorization: Bearer …`, acting with that user's
//! role). Lists page by opaque cursors; errors are `application/problem+json` (RFC 9457); reads
//! carry ETags and answer `If-None-Match` with 304. The OpenAPI 3.1 document at
//! `/api/v1/openapi.json` is generated from the types and handlers below.

use crate::auth::{token_hash, ANONYMOUS_BODY_BYTES};
use crate::error::Error;
use crate::routes::admin::cinephile::{entry_input, film_for};
use crate::routes::admin::reviews::{load, save_fields, Intent, SaveOutcome, Saver};
use crate::state::AppState;
use crate::views::admin::{DiaryFields, EditorFields, FieldError};
use crate::views::score_view;
use axum::body::{to_bytes, Body};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequestParts, Path, Query, Request, State};
use axum::http::{header, request::Parts, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, put};
use axum::{Json, Router};
use marquee_core::permissions::{Action, Actor, ReviewAccess};
use marquee_core::ReviewStatus;
use marquee_store::reviews::{self, Filter, ReviewCard};
use marquee_store::tokens::{self, Bearer, Scope};
use marquee_store::{diary, films, lists, people};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, OpenApi, ToSchema};

pub fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi))
        .route("/api/v1/reviews", get(list_reviews).post(create_review))
        .route("/api/v1/reviews/{slug}", get(get_review))
        .route("/api/v1/reviews/{id}/draft", put(update_review))
        .route("/api/v1/years/{year}/reviews", get(year_reviews))
        .route("/api/v1/genres/{slug}/reviews", get(genre_reviews))
        .route("/api/v1/tags/{slug}/reviews", get(tag_reviews))
        .route("/api/v1/writers/{slug}/reviews", get(writer_reviews))
        .route("/api/v1/films", get(list_films))
        .route("/api/v1/films/{slug}", get(get_film))
        .route("/api/v1/people", get(list_people))
        .route("/api/v1/people/{slug}", get(get_person))
        .route("/api/v1/lists", get(list_lists))
        .route("/api/v1/lists/{slug}", get(get_list))
        .route("/api/v1/search", get(search_all))
        .route("/api/v1/diary", get(list_diary).post(create_diary_entry))
        .route("/api/v1/diary/{id}", delete(delete_diary_entry))
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

impl From<Error> for Problem {
    fn from(error: Error) -> Problem {
        match error {
            Error::NotFound(_) => Problem::new(StatusCode::NOT_FOUND, "Nothing is published at this address."),
            Error::Forbidden => Problem::new(StatusCode::FORBIDDEN, "This token's user may not do that."),
            Error::BadRequest(detail) => Problem::new(StatusCode::BAD_REQUEST, &detail),
            Error::TooLarge(limit) => {
                Problem::new(StatusCode::PAYLOAD_TOO_LARGE, &format!("The body is over {limit} bytes."))
            }
            Error::Timeout => Problem::new(StatusCode::REQUEST_TIMEOUT, "The body stopped arriving."),
            Error::Busy(_) => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "Busy; try again shortly."),
            Error::Store(marquee_store::Error::Database(
                e @ (sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)),
            )) => {
                tracing::error!(error = %e, "database unavailable");
                Problem::new(StatusCode::SERVICE_UNAVAILABLE, "The site is briefly unavailable; try again shortly.")
            }
            other => {
                tracing::error!(error = %other, "API request failed");
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong on the server.")
            }
        }
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

fn actor(bearer: &Bearer) -> Actor {
    Actor { user_id: bearer.user_id, role: bearer.role }
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
// What the API returns

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

/// A published review as lists show it.
#[derive(Serialize, ToSchema)]
pub struct ReviewSummary {
    pub id: i64,
    pub slug: String,
    pub url: String,
    pub headline: Option<String>,
    pub film: FilmRef,
    pub author: Option<WriterRef>,
    /// Out of 10, one decimal.
    pub score: Option<f64>,
    /// The verdict label the score earns on this site (or the writer's own).
    pub verdict: Option<String>,
    pub summary: Option<String>,
    /// RFC 3339.
    pub published_at: Option<String>,
    pub word_count: i64,
}

/// A published review whole.
#[derive(Serialize, ToSchema)]
pub struct Review {
    #[serde(flatten)]
    pub summary: ReviewSummary,
    /// The sanitized HTML the review page shows.
    pub body_html: String,
    pub reading_minutes: usize,
    pub tags: Vec<String>,
    pub spoilers: bool,
    /// `YYYY-MM-DD`, when the writer noted it.
    pub watched_on: Option<String>,
    pub rewatch: bool,
    /// RFC 3339.
    pub updated_at: Option<String>,
    /// The share image (1200×630 PNG).
    pub share_image: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReviewPage {
    pub items: Vec<ReviewSummary>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct FilmSummary {
    pub slug: String,
    pub title: String,
    pub year: Option<i32>,
    pub url: String,
    /// How many published reviews it has.
    pub reviews: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FilmPage {
    pub items: Vec<FilmSummary>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Film {
    pub slug: String,
    pub title: String,
    pub original_title: Option<String>,
    pub year: Option<i32>,
    pub release_date: Option<String>,
    pub runtime_minutes: Option<i64>,
    pub tagline: Option<String>,
    pub synopsis: Option<String>,
    pub imdb_id: Option<String>,
    pub url: String,
    pub poster_url: Option<String>,
    pub genres: Vec<String>,
    pub countries: Vec<String>,
    pub languages: Vec<String>,
    pub directors: Vec<PersonRef>,
    pub writers: Vec<PersonRef>,
    pub cast: Vec<PersonRef>,
    pub reviews: Vec<ReviewSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct PersonSummary {
    pub slug: String,
    pub name: String,
    pub url: String,
    pub imdb_id: Option<String>,
    /// How many film credits they have here.
    pub credits: i64,
}

#[derive(Serialize, ToSchema)]
pub struct PersonPage {
    pub items: Vec<PersonSummary>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct Person {
    pub slug: String,
    pub name: String,
    pub url: String,
    pub imdb_id: Option<String>,
    /// Published reviews of films they worked on.
    pub reviews: Vec<ReviewSummary>,
}

#[derive(Serialize, ToSchema)]
pub struct ListSummary {
    pub slug: String,
    pub title: String,
    pub url: String,
    pub owner: WriterRef,
    pub ranked: bool,
    pub films: i64,
    /// RFC 3339.
    pub updated_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ListPage {
    pub items: Vec<ListSummary>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ListItem {
    /// 1 for the first film.
    pub position: usize,
    pub film: FilmRef,
    pub note: String,
}

#[derive(Serialize, ToSchema)]
pub struct List {
    #[serde(flatten)]
    pub summary: ListSummary,
    pub description_markdown: String,
    pub description_html: String,
    pub items: Vec<ListItem>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchKind {
    Review,
    Film,
    Person,
}

#[derive(Serialize, ToSchema)]
pub struct SearchItem {
    pub kind: SearchKind,
    pub title: String,
    /// Its public page, when it has one.
    pub url: Option<String>,
    /// For reviews: the matching passage, with matched words in `<mark>`.
    pub snippet_html: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SearchPage {
    pub query: String,
    /// The query as corrected, when a misspelt word was replaced.
    pub corrected: Option<String>,
    pub total: i64,
    pub items: Vec<SearchItem>,
    pub next_cursor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DiaryEntry {
    pub id: i64,
    pub film: FilmRef,
    /// `YYYY-MM-DD`.
    pub watched_on: String,
    /// Stars, 0.5 to 5.
    pub rating: Option<f64>,
    pub rewatch: bool,
    pub liked: bool,
    pub tags: Vec<String>,
    pub review_text: String,
}

#[derive(Serialize, ToSchema)]
pub struct DiaryPage {
    pub items: Vec<DiaryEntry>,
    pub next_cursor: Option<String>,
}

/// A review as saved.
#[derive(Serialize, ToSchema)]
pub struct SavedReview {
    pub id: i64,
    pub slug: String,
    pub status: String,
    /// Send this as `revision` with the next change.
    pub revision: i64,
    /// The public page, once published.
    pub url: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Reads

fn rfc3339(unix: i64) -> Option<String> {
    crate::views::DateView::from_unix(unix).map(|d| d.iso)
}

fn review_summary(state: &AppState, card: &ReviewCard) -> ReviewSummary {
    let site = state.site();
    let score = score_view(&site, card.score, card.verdict_override.as_deref());
    ReviewSummary {
        id: card.id,
        slug: card.slug.clone(),
        url: state.absolute_url(&format!("/reviews/{}", card.slug)),
        headline: card.headline.clone(),
        film: FilmRef {
            slug: card.film_slug.clone(),
            title: card.film_title.clone(),
            year: card.film_year,
            url: Some(state.absolute_url(&format!("/films/{}", card.film_slug))),
        },
        author: match (&card.author_slug, &card.author_name) {
            (Some(slug), Some(name)) => Some(WriterRef {
                slug: slug.clone(),
                name: name.clone(),
                url: state.absolute_url(&format!("/writers/{slug}")),
            }),
            _ => None,
        },
        score: card.score.map(|s| s.as_f64()),
        verdict: score.map(|s| s.verdict),
        summary: card.summary.clone(),
        published_at: card.published_at.and_then(rfc3339),
        word_count: card.word_count,
    }
}

/// One page of published reviews, newest first.
async fn review_page(state: &AppState, filter: &Filter, page: &PageParams) -> ApiResult<Json<ReviewPage>> {
    let limit = page.limit()?;
    let after = decode_cursor(page.cursor())?;
    let mut cards = reviews::published_after(&state.store, filter, after, limit + 1).await?;
    let next_cursor = next(&mut cards, limit, |c| encode_cursor(c.published_at.unwrap_or(0), c.id));
    Ok(Json(ReviewPage { items: cards.iter().map(|c| review_summary(state, c)).collect(), next_cursor }))
}

/// Published reviews, newest first.
#[utoipa::path(get, path = "/api/v1/reviews", tag = "reviews", params(PageParams),
    responses(
        (status = 200, description = "A page of reviews", body = ReviewPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_reviews(
    State(state): State<Arc<AppState>>,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<Json<ReviewPage>> {
    let Query(page) = page?;
    review_page(&state, &Filter::All, &page).await
}

/// Published reviews of films released in a year, newest first.
#[utoipa::path(get, path = "/api/v1/years/{year}/reviews", tag = "reviews",
    params(("year" = i32, Path, description = "The year films were released in", minimum = 1800, maximum = 2200), PageParams),
    responses(
        (status = 200, description = "A page of reviews", body = ReviewPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a year", body = Problem, content_type = "application/problem+json"),
    ))]
async fn year_reviews(
    State(state): State<Arc<AppState>>,
    year: Result<Path<i32>, PathRejection>,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<Json<ReviewPage>> {
    let Path(year) = year?;
    let Query(page) = page?;
    if !(1800..=2200).contains(&year) {
        return Err(Problem::new(StatusCode::NOT_FOUND, "Years run from 1800 to 2200."));
    }
    review_page(&state, &Filter::Year(year), &page).await
}

/// Published reviews of a genre's films, newest first.
#[utoipa::path(get, path = "/api/v1/genres/{slug}/reviews", tag = "reviews",
    params(("slug" = String, Path, description = "The genre's slug"), PageParams),
    responses(
        (status = 200, description = "A page of reviews", body = ReviewPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn genre_reviews(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<Json<ReviewPage>> {
    let Query(page) = page?;
    review_page(&state, &Filter::GenreSlug(slug), &page).await
}

/// Published reviews with a tag, newest first.
#[utoipa::path(get, path = "/api/v1/tags/{slug}/reviews", tag = "reviews",
    params(("slug" = String, Path, description = "The tag's slug"), PageParams),
    responses(
        (status = 200, description = "A page of reviews", body = ReviewPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn tag_reviews(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<Json<ReviewPage>> {
    let Query(page) = page?;
    review_page(&state, &Filter::TagSlug(slug), &page).await
}

/// A writer's published reviews, newest first.
#[utoipa::path(get, path = "/api/v1/writers/{slug}/reviews", tag = "reviews",
    params(("slug" = String, Path, description = "The writer's slug"), PageParams),
    responses(
        (status = 200, description = "A page of reviews", body = ReviewPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No writer has this slug", body = Problem, content_type = "application/problem+json"),
    ))]
async fn writer_reviews(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<Json<ReviewPage>> {
    let Query(page) = page?;
    let user = marquee_store::users::public_by_slug(&state.store, &slug)
        .await?
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "No writer has this slug."))?;
    review_page(&state, &Filter::Author(user.id), &page).await
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

/// One published review.
#[utoipa::path(get, path = "/api/v1/reviews/{slug}", tag = "reviews",
    params(("slug" = String, Path, description = "The review's slug")),
    responses(
        (status = 200, description = "The review", body = Review),
        (status = 404, description = "No published review has this slug", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_review(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> ApiResult<Json<Review>> {
    let review = reviews::published_by_slug(&state.store, &slug).await?.ok_or_else(|| not_found("review"))?;
    Ok(Json(Review {
        summary: review_summary(&state, &review.card),
        body_html: review.body_html.as_str().to_string(),
        reading_minutes: marquee_core::reading_minutes(review.card.word_count as usize),
        tags: review.tags.iter().map(|t| t.name.clone()).collect(),
        spoilers: review.spoilers,
        watched_on: review.watched_on,
        rewatch: review.rewatch,
        updated_at: rfc3339(review.updated_at),
        share_image: state.absolute_url(&format!("/reviews/{}/share.png", review.card.slug)),
    }))
}

/// Films with a public page, in the order they were added.
#[utoipa::path(get, path = "/api/v1/films", tag = "films", params(PageParams),
    responses(
        (status = 200, description = "A page of films", body = FilmPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_films(
    State(state): State<Arc<AppState>>,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<Json<FilmPage>> {
    let Query(page) = page?;
    let limit = page.limit()?;
    let mut found = films::public_after(&state.store, after_id(page.cursor())?, limit + 1).await?;
    let next_cursor = next(&mut found, limit, |f| encode_cursor(f.id, 0));
    let items = found
        .into_iter()
        .map(|f| FilmSummary {
            url: state.absolute_url(&format!("/films/{}", f.slug)),
            slug: f.slug,
            title: f.title,
            year: f.year,
            reviews: f.reviews,
        })
        .collect();
    Ok(Json(FilmPage { items, next_cursor }))
}

fn person_ref(state: &AppState, credit: &films::Credit) -> PersonRef {
    PersonRef {
        slug: credit.person_slug.clone(),
        name: credit.person_name.clone(),
        url: state.absolute_url(&format!("/people/{}", credit.person_slug)),
        character: credit.character.clone(),
    }
}

/// One film with its credits and published reviews.
#[utoipa::path(get, path = "/api/v1/films/{slug}", tag = "films",
    params(("slug" = String, Path, description = "The film's slug")),
    responses(
        (status = 200, description = "The film", body = Film),
        (status = 404, description = "No film with a public page has this slug", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_film(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> ApiResult<Json<Film>> {
    let film = films::by_slug(&state.store, &slug).await?.ok_or_else(|| not_found("film"))?;
    let (cards, _) = reviews::published(&state.store, &Filter::Film(film.id), 100, 0).await?;
    let public = !cards.is_empty()
        || !diary::public_for_film(&state.store, film.id).await?.is_empty()
        || !lists::published_with_film(&state.store, film.id).await?.is_empty();
    if !public {
        return Err(not_found("film"));
    }
    let credits = films::credits(&state.store, film.id).await?;
    let genres = films::genres(&state.store, film.id).await?;
    let people = |department: &str| -> Vec<PersonRef> {
        credits.iter().filter(|c| c.department == department).map(|c| person_ref(&state, c)).collect()
    };
    Ok(Json(Film {
        url: state.absolute_url(&format!("/films/{}", film.slug)),
        poster_url: film.poster.as_ref().map(|p| match p {
            marquee_store::media::Picture::Stored(image) => {
                state.absolute_url(&image.url(image.fallback_width(640), &image.extension))
            }
            marquee_store::media::Picture::Url(url) => url.clone(),
        }),
        directors: people(films::DIRECTING),
        writers: people(films::WRITING),
        cast: people(films::CAST),
        genres: genres.into_iter().map(|g| g.name).collect(),
        reviews: cards.iter().map(|c| review_summary(&state, c)).collect(),
        slug: film.slug,
        title: film.title,
        original_title: film.original_title,
        year: film.year,
        release_date: film.release_date,
        runtime_minutes: film.runtime_minutes,
        tagline: film.tagline,
        synopsis: film.synopsis,
        imdb_id: film.imdb_id,
        countries: film.countries,
        languages: film.languages,
    }))
}

/// People credited on reviewed films, in the order they were added.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(PageParams),
    responses(
        (status = 200, description = "A page of people", body = PersonPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_people(
    State(state): State<Arc<AppState>>,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<Json<PersonPage>> {
    let Query(page) = page?;
    let limit = page.limit()?;
    let mut found = people::public_after(&state.store, after_id(page.cursor())?, limit + 1).await?;
    let next_cursor = next(&mut found, limit, |p| encode_cursor(p.id, 0));
    let items = found
        .into_iter()
        .map(|p| PersonSummary {
            url: state.absolute_url(&format!("/people/{}", p.slug)),
            slug: p.slug,
            name: p.name,
            imdb_id: p.imdb_id,
            credits: p.credits,
        })
        .collect();
    Ok(Json(PersonPage { items, next_cursor }))
}

/// One person with the published reviews of their films.
#[utoipa::path(get, path = "/api/v1/people/{slug}", tag = "people",
    params(("slug" = String, Path, description = "The person's slug")),
    responses(
        (status = 200, description = "The person", body = Person),
        (status = 404, description = "No person with a public page has this slug", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_person(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> ApiResult<Json<Person>> {
    let person = people::by_slug(&state.store, &slug).await?.ok_or_else(|| not_found("person"))?;
    let (cards, _) = reviews::published(&state.store, &Filter::Person(person.id), 500, 0).await?;
    if cards.is_empty() {
        return Err(not_found("person"));
    }
    Ok(Json(Person {
        url: state.absolute_url(&format!("/people/{}", person.slug)),
        slug: person.slug,
        name: person.name,
        imdb_id: person.imdb_id,
        reviews: cards.iter().map(|c| review_summary(&state, c)).collect(),
    }))
}

fn list_summary(state: &AppState, list: &lists::List) -> ListSummary {
    ListSummary {
        slug: list.slug.clone(),
        title: list.title.clone(),
        url: state.absolute_url(&format!("/lists/{}", list.slug)),
        owner: WriterRef {
            slug: list.owner_slug.clone(),
            name: list.owner_name.clone(),
            url: state.absolute_url(&format!("/writers/{}", list.owner_slug)),
        },
        ranked: list.ranked,
        films: list.films,
        updated_at: rfc3339(list.updated_at),
    }
}

/// Published lists, in the order they were made.
#[utoipa::path(get, path = "/api/v1/lists", tag = "lists", params(PageParams),
    responses(
        (status = 200, description = "A page of lists", body = ListPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_lists(
    State(state): State<Arc<AppState>>,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<Json<ListPage>> {
    let Query(page) = page?;
    let limit = page.limit()?;
    let mut found = lists::published_after(&state.store, after_id(page.cursor())?, limit + 1).await?;
    let next_cursor = next(&mut found, limit, |l| encode_cursor(l.id, 0));
    Ok(Json(ListPage { items: found.iter().map(|l| list_summary(&state, l)).collect(), next_cursor }))
}

/// One published list with its films in order.
#[utoipa::path(get, path = "/api/v1/lists/{slug}", tag = "lists",
    params(("slug" = String, Path, description = "The list's slug")),
    responses(
        (status = 200, description = "The list", body = List),
        (status = 404, description = "No published list has this slug", body = Problem, content_type = "application/problem+json"),
    ))]
async fn get_list(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> ApiResult<Json<List>> {
    let list = lists::by_slug(&state.store, &slug).await?.filter(|l| l.published).ok_or_else(|| not_found("list"))?;
    let items = lists::items(&state.store, list.id).await?;
    Ok(Json(List {
        summary: list_summary(&state, &list),
        description_markdown: list.description_markdown.clone(),
        description_html: list.description_html.as_str().to_string(),
        items: items
            .into_iter()
            .enumerate()
            .map(|(i, item)| ListItem {
                position: i + 1,
                film: FilmRef {
                    url: item.has_page.then(|| state.absolute_url(&format!("/films/{}", item.film_slug))),
                    slug: item.film_slug,
                    title: item.film_title,
                    year: item.film_year,
                },
                note: item.note,
            })
            .collect(),
    }))
}

/// What to search for, and how to narrow it to reviews. The narrowing fields are read from the
/// query string by the search page's own parser; they are here for the API's document.
#[derive(Debug, Deserialize, IntoParams)]
#[allow(dead_code)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// The words to find (each also as the start of a word).
    q: String,
    /// A year like `1999` or a decade like `1990s`.
    year: Option<String>,
    /// A genre's slug.
    genre: Option<String>,
    /// A verdict band's slug.
    band: Option<String>,
    /// A person's slug.
    person: Option<String>,
}

/// Reviews, films and people matching the words, best first.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams, PageParams),
    responses(
        (status = 200, description = "A page of matches", body = SearchPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
    ))]
async fn search_all(
    State(state): State<Arc<AppState>>,
    params: Result<Query<SearchParams>, QueryRejection>,
    page: Result<Query<PageParams>, QueryRejection>,
    raw: axum::http::Uri,
) -> ApiResult<Json<SearchPage>> {
    let Query(params) = params?;
    let Query(page) = page?;
    let limit = page.limit()?;
    // Search pages by rank, so its position is an offset (capped where no search reaches).
    let offset = after_id(page.cursor())?.min(1_000_000);
    let narrowing = crate::routes::search::narrowing(&state, raw.query());
    let crate::routes::search::Found { hits, total, words, corrected } =
        crate::routes::search::find_corrected(&state, &params.q, &narrowing, limit, offset).await?;
    let results = crate::routes::search::results(&state, &hits, &words).await.map_err(Problem::from)?;
    let items = results
        .into_iter()
        .map(|r| match r {
            crate::views::search::SearchResult::Review { card, snippet } => SearchItem {
                kind: SearchKind::Review,
                title: card.film_title.clone(),
                url: Some(state.absolute_url(&card.href)),
                snippet_html: Some(snippet.as_str().to_string()),
            },
            crate::views::search::SearchResult::Film { href, label } => SearchItem {
                kind: SearchKind::Film,
                title: label,
                url: href.map(|h| state.absolute_url(&h)),
                snippet_html: None,
            },
            crate::views::search::SearchResult::Person { href, name, .. } => SearchItem {
                kind: SearchKind::Person,
                title: name,
                url: href.map(|h| state.absolute_url(&h)),
                snippet_html: None,
            },
        })
        .collect();
    let next_cursor = (offset + limit < total).then(|| encode_cursor(offset + limit, 0));
    Ok(Json(SearchPage { query: params.q, corrected, total, items, next_cursor }))
}

// ---------------------------------------------------------------------------------------------
// Writes

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

/// The film a review is of: found by title and year, or added.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilmInput {
    #[schema(min_length = 1, pattern = "\\S")]
    pub title: String,
    #[schema(minimum = 1870, maximum = 2100)]
    #[serde(default, deserialize_with = "whole")]
    pub year: Option<i32>,
    #[schema(minimum = 1, maximum = 2000)]
    #[serde(default, deserialize_with = "whole")]
    pub runtime_minutes: Option<i64>,
    pub tagline: Option<String>,
    #[serde(default)]
    pub directors: Vec<String>,
    #[serde(default)]
    pub cast: Vec<String>,
    #[serde(default)]
    pub genres: Vec<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StatusInput {
    /// Kept private (taking a submitted or published review back).
    Draft,
    /// Sent to the editors.
    Pending,
    /// Published (editors and owners): now, or at `publish_at` (a time passed dates the review
    /// then; a time to come schedules it).
    Published,
}

/// A review to write: its film, its text and facts, and what should happen to it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewInput {
    pub film: FilmInput,
    pub headline: Option<String>,
    /// Markdown.
    #[schema(min_length = 1, pattern = "\\S")]
    pub body: String,
    pub summary: Option<String>,
    /// Out of 10; rounded to one decimal.
    #[schema(minimum = 0, maximum = 10)]
    pub score: Option<f64>,
    /// A verdict label of the writer's own, instead of the score band's.
    pub verdict: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub spoilers: bool,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub watched_on: Option<String>,
    #[serde(default)]
    pub rewatch: bool,
    pub status: StatusInput,
    /// With `published`: when the review is (or was) published, RFC 3339. Ignored otherwise.
    #[schema(format = DateTime)]
    pub publish_at: Option<String>,
    /// When changing a review: the `revision` the change was made from. A change based on an
    /// older revision is refused (409), so nobody's save is silently lost; left out, the change
    /// is saved over whatever is there.
    #[schema(minimum = 1, maximum = 9_007_199_254_740_991_i64)]
    #[serde(default, deserialize_with = "whole")]
    pub revision: Option<i64>,
}

fn list_text(items: &[String], separator: &str) -> String {
    items.iter().map(|i| i.trim()).filter(|i| !i.is_empty()).collect::<Vec<_>>().join(separator)
}

fn editor_fields(input: &ReviewInput) -> ApiResult<EditorFields> {
    if let Some(date) = &input.watched_on {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        if time::Date::parse(date, &format).is_err() {
            let message = format!("\"{date}\" is not a date: use YYYY-MM-DD.");
            return Err(Problem::fields(vec![FieldError { field: "watched_on", message }]));
        }
    }
    if input.body.trim().is_empty() {
        let message = "Write the review: the body is empty.".to_string();
        return Err(Problem::fields(vec![FieldError { field: "body", message }]));
    }
    if input.revision.is_some_and(|r| r < 1) {
        let message = "A revision is a number from 1.".to_string();
        return Err(Problem::fields(vec![FieldError { field: "revision", message }]));
    }
    let at = publish_time(input)?.filter(|_| input.status == StatusInput::Published);
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let publish_at = match at {
        Some(at) if at > marquee_store::now() => {
            time::OffsetDateTime::from_unix_timestamp(at).ok().and_then(|t| t.format(&format).ok()).unwrap_or_default()
        }
        _ => String::new(),
    };
    Ok(EditorFields {
        film_title: input.film.title.trim().to_string(),
        film_year: input.film.year.map(|y| y.to_string()).unwrap_or_default(),
        film_runtime: input.film.runtime_minutes.map(|m| m.to_string()).unwrap_or_default(),
        film_tagline: input.film.tagline.clone().unwrap_or_default().trim().to_string(),
        film_directors: list_text(&input.film.directors, ", "),
        film_cast: list_text(&input.film.cast, "\n"),
        film_genres: list_text(&input.film.genres, ", "),
        headline: input.headline.clone().unwrap_or_default().trim().to_string(),
        body: input.body.replace("\r\n", "\n"),
        summary: input.summary.clone().unwrap_or_default().trim().to_string(),
        score: match input.score {
            Some(score) if score.is_finite() && (0.0..=10.0).contains(&score) => {
                format!("{:.1}", (score * 10.0).round() / 10.0)
            }
            Some(score) => score.to_string(),
            None => String::new(),
        },
        verdict_override: input.verdict.clone().unwrap_or_default().trim().to_string(),
        tags: list_text(&input.tags, ", "),
        spoilers: input.spoilers,
        watched_on: input.watched_on.clone().unwrap_or_default(),
        rewatch: input.rewatch,
        publish_at,
        backdate: at.filter(|at| *at <= marquee_store::now()),
        ..EditorFields::default()
    })
}

/// `publish_at` as Unix seconds.
fn publish_time(input: &ReviewInput) -> ApiResult<Option<i64>> {
    let Some(text) = &input.publish_at else { return Ok(None) };
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map(|t| Some(t.unix_timestamp()))
        .map_err(|_| {
            let message = format!("\"{text}\" is not an RFC 3339 date and time.");
            Problem::fields(vec![FieldError { field: "publish_at", message }])
        })
}

fn intent_for(status: StatusInput, current: Option<ReviewStatus>, publish_at: Option<i64>) -> Intent {
    match (status, current) {
        (StatusInput::Draft, Some(ReviewStatus::Pending)) => Intent::Withdraw,
        (StatusInput::Draft, Some(ReviewStatus::Published | ReviewStatus::Scheduled)) => Intent::Unpublish,
        (StatusInput::Draft, _) => Intent::Save,
        (StatusInput::Pending, _) => Intent::Submit,
        (StatusInput::Published, _) if publish_at.is_some_and(|at| at > marquee_store::now()) => Intent::Schedule,
        (StatusInput::Published, _) => Intent::Publish,
    }
}

async fn saved_review(state: &AppState, id: i64) -> ApiResult<SavedReview> {
    let review = load(state, id).await?;
    Ok(SavedReview {
        id,
        url: (review.status == ReviewStatus::Published)
            .then(|| state.absolute_url(&format!("/reviews/{}", review.slug))),
        slug: review.slug,
        status: review.status.as_str().to_string(),
        revision: review.revision,
    })
}

async fn write_review(
    state: &AppState,
    bearer: &Bearer,
    existing: Option<&marquee_store::revisions::EditableReview>,
    input: &ReviewInput,
    revision: Option<i64>,
) -> ApiResult<i64> {
    let access = match existing {
        Some(r) => ReviewAccess { author_id: r.author_id, status: r.status },
        None => ReviewAccess { author_id: Some(bearer.user_id), status: ReviewStatus::Draft },
    };
    let intent = intent_for(input.status, existing.map(|r| r.status), publish_time(input)?);
    if !intent.required(access).into_iter().all(|action| actor(bearer).may(action)) {
        return Err(Problem::new(StatusCode::FORBIDDEN, "This token's user may not do that to this review."));
    }
    let mut fields = editor_fields(input)?;
    if let Some(revision) = revision {
        fields.revision = revision.to_string();
    }
    let saver = Saver { id: bearer.user_id, name: &bearer.user_name };
    match save_fields(state, &saver, existing, &fields, intent, Vec::new()).await? {
        SaveOutcome::Saved(id) => Ok(id),
        SaveOutcome::Refused(errors) => Err(Problem::fields(errors)),
        SaveOutcome::Conflict(current) => Err(Problem::new(
            StatusCode::CONFLICT,
            &format!("The review was changed since revision {}: it is at revision {current} now.", fields.revision),
        )),
    }
}

/// Writes a new review (a draft unless asked otherwise, as the token's user's role allows).
#[utoipa::path(post, path = "/api/v1/reviews", tag = "reviews", request_body = ReviewInput,
    security(("token" = [])),
    responses(
        (status = 201, description = "Saved", body = SavedReview),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields to fix", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_review(
    State(state): State<Arc<AppState>>,
    token: Token,
    body: Result<Json<ReviewInput>, JsonRejection>,
) -> ApiResult<Response> {
    let bearer = token.require(Scope::Write)?;
    let Json(input) = body?;
    let id = write_review(&state, &bearer, None, &input, None).await?;
    let saved = saved_review(&state, id).await?;
    let location = format!("/api/v1/reviews/{id}/draft");
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(saved)).into_response())
}

/// Saves a new revision of a review the token's user may edit.
#[utoipa::path(put, path = "/api/v1/reviews/{id}/draft", tag = "reviews", request_body = ReviewInput,
    params(("id" = i64, Path, description = "The review's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "Saved", body = SavedReview),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such review", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since that revision", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields to fix", body = Problem, content_type = "application/problem+json"),
    ))]
async fn update_review(
    State(state): State<Arc<AppState>>,
    token: Token,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<ReviewInput>, JsonRejection>,
) -> ApiResult<Json<SavedReview>> {
    let bearer = token.require(Scope::Write)?;
    let Path(id) = id?;
    let existing = load(&state, id).await.map_err(|_| Problem::new(StatusCode::NOT_FOUND, "No review has this id."))?;
    let access = ReviewAccess { author_id: existing.author_id, status: existing.status };
    if !actor(&bearer).may(Action::ViewReview(access)) {
        return Err(Problem::new(StatusCode::NOT_FOUND, "No review has this id."));
    }
    let Json(change) = body?;
    let revision = change.revision.unwrap_or(existing.revision);
    write_review(&state, &bearer, Some(&existing), &change, Some(revision)).await?;
    Ok(Json(saved_review(&state, id).await?))
}

fn diary_entry(state: &AppState, entry: &diary::Entry) -> DiaryEntry {
    DiaryEntry {
        id: entry.id,
        film: FilmRef {
            slug: entry.film_slug.clone(),
            title: entry.film_title.clone(),
            year: entry.film_year,
            url: Some(state.absolute_url(&format!("/films/{}", entry.film_slug))),
        },
        watched_on: entry.watched_on.clone(),
        rating: entry.rating.map(|r| r.as_f64() / 2.0),
        rewatch: entry.rewatch,
        liked: entry.liked,
        tags: entry.tags.clone(),
        review_text: entry.review_text.clone(),
    }
}

/// The token's user's diary, newest first (private entries included).
#[utoipa::path(get, path = "/api/v1/diary", tag = "diary", params(PageParams),
    security(("token" = [])),
    responses(
        (status = 200, description = "A page of diary entries", body = DiaryPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
    ))]
async fn list_diary(
    State(state): State<Arc<AppState>>,
    token: Token,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<Json<DiaryPage>> {
    let bearer = token.require(Scope::Read)?;
    let Query(page) = page?;
    let limit = page.limit()?;
    // The watch date as the number YYYYMMDD, then the id.
    let after = decode_cursor(page.cursor())?.map(|(date, id)| {
        let date = date.min(99_991_231);
        (format!("{:04}-{:02}-{:02}", date / 10_000, date / 100 % 100, date % 100), id)
    });
    let after = after.as_ref().map(|(date, id)| (date.as_str(), *id));
    let mut entries = diary::of_user_after(&state.store, bearer.user_id, after, limit + 1).await?;
    let next_cursor =
        next(&mut entries, limit, |e| encode_cursor(e.watched_on.replace('-', "").parse().unwrap_or(0), e.id));
    Ok(Json(DiaryPage { items: entries.iter().map(|e| diary_entry(&state, e)).collect(), next_cursor }))
}

/// A film watched, for the diary.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DiaryInput {
    /// The film's title: matched without regard to case or accents, or added.
    #[schema(min_length = 1, pattern = "\\S")]
    pub film_title: String,
    /// Needed when several films share the title.
    #[schema(minimum = 1870, maximum = 2100)]
    #[serde(default, deserialize_with = "whole")]
    pub film_year: Option<i32>,
    /// `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub watched_on: String,
    /// Stars, from 0.5 to 5 in halves.
    #[schema(minimum = 0.5, maximum = 5, multiple_of = 0.5)]
    pub rating: Option<f64>,
    #[serde(default)]
    pub rewatch: bool,
    #[serde(default)]
    pub liked: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub review_text: String,
    /// Take the film off the watchlist.
    #[serde(default)]
    pub leave_watchlist: bool,
}

/// Logs a film in the token's user's diary.
#[utoipa::path(post, path = "/api/v1/diary", tag = "diary", request_body = DiaryInput,
    security(("token" = [])),
    responses(
        (status = 201, description = "Logged", body = DiaryEntry),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may only read", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Several films have this title: add the year", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields to fix", body = Problem, content_type = "application/problem+json"),
    ))]
async fn create_diary_entry(
    State(state): State<Arc<AppState>>,
    token: Token,
    body: Result<Json<DiaryInput>, JsonRejection>,
) -> ApiResult<Response> {
    let bearer = token.require(Scope::Write)?;
    let Json(input) = body?;
    let rating = match input.rating {
        None => String::new(),
        Some(stars) if stars.is_finite() && (stars * 2.0).fract() == 0.0 => ((stars * 2.0) as i64).to_string(),
        Some(stars) => stars.to_string(),
    };
    let fields = DiaryFields {
        film_title: input.film_title.trim().to_string(),
        film_year: input.film_year.map(|y| y.to_string()).unwrap_or_default(),
        watched_on: input.watched_on.trim().to_string(),
        rating,
        rewatch: input.rewatch,
        liked: input.liked,
        tags: list_text(&input.tags, ", "),
        review_text: input.review_text.trim().replace("\r\n", "\n"),
        leave_watchlist: input.leave_watchlist,
    };
    if input.film_year.is_some_and(|y| !(1870..=2100).contains(&y)) {
        let message = "A film's year is from 1870 to 2100.".to_string();
        return Err(Problem::fields(vec![FieldError { field: "film_year", message }]));
    }
    let mut errors = Vec::new();
    let mut tx = state.store.begin().await.map_err(Error::from)?;
    let film = film_for(&mut tx, &fields.film_title, &fields.film_year).await?;
    if let Err(FieldError { field: "film_year", message }) = &film {
        // The year is valid: the title names several films, which the request cannot know.
        let mut problem = Problem::new(StatusCode::CONFLICT, message);
        problem.errors.push(FieldProblem { field: "film_year".into(), detail: message.clone() });
        return Err(problem);
    }
    let entry = entry_input(&fields, *film.as_ref().unwrap_or(&0), &mut errors);
    let film_id = match film {
        Ok(id) if errors.is_empty() => id,
        Ok(_) => return Err(Problem::fields(errors)),
        Err(error) => {
            errors.insert(0, error);
            return Err(Problem::fields(errors));
        }
    };
    let id = diary::create(&mut tx, bearer.user_id, &entry).await?;
    if fields.leave_watchlist {
        lists::watchlist_remove(&mut tx, bearer.user_id, film_id).await?;
    }
    tx.commit().await.map_err(Error::from)?;
    state.refresh().await?;
    let entry =
        diary::by_id(&state.store, id).await?.ok_or_else(|| Problem::from(Error::Internal("entry vanished".into())))?;
    Ok((StatusCode::CREATED, Json(diary_entry(&state, &entry))).into_response())
}

/// Deletes one of the token's user's diary entries.
#[utoipa::path(delete, path = "/api/v1/diary/{id}", tag = "diary",
    params(("id" = i64, Path, description = "The entry's id")),
    security(("token" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may only read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The user has no such entry", body = Problem, content_type = "application/problem+json"),
    ))]
async fn delete_diary_entry(
    State(state): State<Arc<AppState>>,
    token: Token,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<StatusCode> {
    let bearer = token.require(Scope::Write)?;
    let Path(id) = id?;
    let entry = diary::by_id(&state.store, id)
        .await?
        .filter(|e| e.user_id == bearer.user_id)
        .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "This user has no diary entry with this id."))?;
    let mut tx = state.store.begin().await.map_err(Error::from)?;
    diary::delete(&mut tx, entry.id).await?;
    tx.commit().await.map_err(Error::from)?;
    state.refresh().await?;
    Ok(StatusCode::NO_CONTENT)
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
        list_reviews, year_reviews, genre_reviews, tag_reviews, writer_reviews, get_review, create_review, update_review, list_films, get_film, list_people, get_person,
        list_lists, get_list, search_all, list_diary, create_diary_entry, delete_diary_entry
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
