//! The JSON API, version 1, under `/api/v1`: published reviews, films, people, lists and search
//! for anyone; writing reviews and diary entries for holders of an API token (created and
//! revoked by its user in the admin, sent as `Authorization: Bearer …`, acting with that user's
//! role). Lists page by opaque cursors; errors are `application/problem+json` (RFC 9457); reads
//! carry ETags and answer `If-None-Match` with 304. The OpenAPI 3.1 document at
//! `/api/v1/openapi.json` is generated from the types and handlers below.

//!
//! - `reviews`: published reviews (and those of a year, genre, tag or writer), and writing one;
//! - `posts`: published articles and pages, and writing an article;
//! - `films`: films and people; `lists`: published lists; `search`;
//! - `diary`: the token's user's diary, read, logged and deleted.
//!
//! Every write goes through the changes layer (`marquee_changes`), as the admin's forms do.

mod access;
mod comments;
mod diary;
mod etag;
mod films;
mod lists;
mod paging;
mod posts;
mod problem;
mod refs;
mod reviews;
mod search;

use crate::state::AppState;
use axum::http::{header, StatusCode};
use axum::middleware;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post, put};
use axum::Router;
use std::sync::Arc;
use utoipa::OpenApi;

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
        .route("/api/v1/articles", get(posts::list_articles).post(posts::create_article))
        .route("/api/v1/articles/{slug}", get(posts::get_article))
        .route("/api/v1/articles/{id}/draft", put(posts::update_article))
        .route("/api/v1/pages/{slug}", get(posts::get_page))
        .route("/api/v1/films", get(films::list_films))
        .route("/api/v1/films/{slug}", get(films::get_film))
        .route("/api/v1/people", get(films::list_people))
        .route("/api/v1/people/{slug}", get(films::get_person))
        .route("/api/v1/lists", get(lists::list_lists))
        .route("/api/v1/lists/{slug}", get(lists::get_list))
        .route("/api/v1/search", get(search::search_all))
        .route("/api/v1/diary", get(diary::list_diary).post(diary::create_diary_entry))
        .route("/api/v1/diary/{id}", delete(diary::delete_diary_entry))
        .route("/api/v1/comments", get(comments::list_comments))
        .route("/api/v1/comments/{id}/approve", post(comments::approve_comment))
        .route("/api/v1/comments/{id}/reject", post(comments::reject_comment))
        .route(
            "/api/v1/{*rest}",
            any(|| async { problem::Problem::new(StatusCode::NOT_FOUND, "No such API endpoint.") }),
        )
        .layer(middleware::from_fn_with_state(state.clone(), etag::validated))
        .layer(middleware::from_fn_with_state(state.clone(), access::bearer))
        .with_state(state)
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
        description = "Published reviews, articles, pages, films, people, lists and search for anyone; reviews, \
            articles and diary entries written with an API token (Admin › API tokens). Lists page with `cursor` and `limit`; errors are \
            application/problem+json."
    ),
    paths(
        reviews::list_reviews, reviews::year_reviews, reviews::genre_reviews, reviews::tag_reviews,
        reviews::writer_reviews, reviews::get_review, reviews::create_review, reviews::update_review,
        posts::list_articles, posts::get_article, posts::get_page, posts::create_article, posts::update_article,
        films::list_films, films::get_film, films::list_people, films::get_person, lists::list_lists,
        lists::get_list, search::search_all, diary::list_diary, diary::create_diary_entry,
        diary::delete_diary_entry, comments::list_comments, comments::approve_comment, comments::reject_comment
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "reviews"), (name = "articles"), (name = "films"), (name = "people"), (name = "lists"), (name = "search"), (name = "diary"), (name = "comments")
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
