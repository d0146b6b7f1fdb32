use super::paging::*;
use super::problem::*;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::Query;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SearchKind {
    Review,
    Article,
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
pub(super) async fn search_all(
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
            crate::views::search::SearchResult::Review { card, snippet, article } => SearchItem {
                kind: if article { SearchKind::Article } else { SearchKind::Review },
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
