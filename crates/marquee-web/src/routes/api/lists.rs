use super::paging::*;
use super::problem::*;
use super::refs::*;
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::State;
use axum::extract::{Path, Query};
use axum::Json;
use marquee_store::lists;
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

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
pub(super) async fn list_lists(
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
pub(super) async fn get_list(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> ApiResult<Json<List>> {
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
