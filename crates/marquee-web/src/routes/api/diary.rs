use super::access::*;
use super::paging::*;
use super::problem::*;
use super::refs::*;
use crate::state::AppState;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::State;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use marquee_changes as changes;
use marquee_changes::catalogue::FilmName;
use marquee_changes::diary::EntryDraft;
use marquee_changes::ChangeError;
use marquee_changes::Problems;
use marquee_core::{Day, Score, Title, Year};
use marquee_store::diary;
use marquee_store::tokens::Scope;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

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
pub(super) async fn list_diary(
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
pub(super) async fn create_diary_entry(
    State(state): State<Arc<AppState>>,
    token: Token,
    body: Result<Json<DiaryInput>, JsonRejection>,
) -> ApiResult<Response> {
    let member = member(&token.require(Scope::Write)?);
    let Json(input) = body?;
    let mut problems = Problems::default();
    let title = problems.keep("film_title", Title::parse(&input.film_title, "the film's title"));
    let year = input.film_year.and_then(|year| problems.keep("film_year", Year::new(year.into())));
    let watched_on = problems.keep("watched_on", Day::parse(input.watched_on.trim()));
    let rating = match input.rating {
        None => Some(None),
        Some(stars) => problems
            .keep("rating", Score::from_stars(stars).map_err(|_| "Send a rating from 0.5 to 5 stars, in halves."))
            .map(Some),
    };
    let (Some(title), Some(watched_on), Some(rating)) = (title, watched_on, rating) else {
        return Err(Problem::fields(problems.into_vec()));
    };
    if !problems.is_empty() {
        return Err(Problem::fields(problems.into_vec()));
    }
    let draft = EntryDraft {
        film: FilmName { title, year },
        watched_on,
        rating,
        rewatch: input.rewatch,
        liked: input.liked,
        tags: input.tags.iter().map(|t| t.trim()).filter(|t| !t.is_empty()).map(str::to_string).collect(),
        review_text: input.review_text.trim().replace("\r\n", "\n"),
    };
    let id = match changes::diary::log(&state.desk, &member, &draft, input.leave_watchlist).await {
        Err(ChangeError::Invalid(problems)) if problems.iter().any(|p| p.field == "film_year") => {
            // The year is valid: the title names several films, which the request cannot know.
            let message = problems.iter().map(|p| p.message.as_str()).collect::<Vec<_>>().join(" ");
            let mut problem = Problem::new(StatusCode::CONFLICT, &message);
            problem.errors = problems
                .into_iter()
                .map(|p| FieldProblem { field: api_field(p.field).into(), detail: p.message })
                .collect();
            return Err(problem);
        }
        other => other?,
    };
    let entry = changes::diary::own_entry(&state.desk, &member, id).await?;
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
pub(super) async fn delete_diary_entry(
    State(state): State<Arc<AppState>>,
    token: Token,
    id: Result<Path<i64>, PathRejection>,
) -> ApiResult<StatusCode> {
    let member = member(&token.require(Scope::Write)?);
    let Path(id) = id?;
    match changes::diary::delete(&state.desk, &member, id).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT),
        Err(ChangeError::NotFound | ChangeError::Forbidden) => {
            Err(Problem::new(StatusCode::NOT_FOUND, "This user has no diary entry with this id."))
        }
        Err(other) => Err(other.into()),
    }
}
