use super::access::*;
use super::paging::*;
use super::problem::*;
use super::refs::*;
use crate::state::AppState;
use crate::views::score_view;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::State;
use axum::extract::{Path, Query};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use marquee_changes as changes;
use marquee_changes::catalogue::FilmDraft;
use marquee_changes::reviews::ReviewDraft;
use marquee_changes::Problems;
use marquee_changes::{ChangeError, Member};
use marquee_core::lifecycle::Intent;
use marquee_core::{Day, ReviewStatus, Runtime, Score, Title, Year};
use marquee_store::reviews::{self, Filter, ReviewCard};
use marquee_store::revisions::EditableReview;
use marquee_store::tokens::Scope;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

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

pub(super) fn review_summary(state: &AppState, card: &ReviewCard) -> ReviewSummary {
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
pub(super) async fn review_page(state: &AppState, filter: &Filter, page: &PageParams) -> ApiResult<Json<ReviewPage>> {
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
pub(super) async fn list_reviews(
    State(state): State<Arc<AppState>>,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<Json<ReviewPage>> {
    let Query(page) = page?;
    review_page(&state, &Filter::All, &page).await
}

/// Published reviews of films released in a year, newest first.
#[utoipa::path(get, path = "/api/v1/years/{year}/reviews", tag = "reviews",
    params(("year" = i32, Path, description = "The year films were released in", minimum = 1870, maximum = 2100), PageParams),
    responses(
        (status = 200, description = "A page of reviews", body = ReviewPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Not a year", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn year_reviews(
    State(state): State<Arc<AppState>>,
    year: Result<Path<i32>, PathRejection>,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<Json<ReviewPage>> {
    let Path(year) = year?;
    let Query(page) = page?;
    let year = Year::new(year.into()).map_err(|e| Problem::new(StatusCode::NOT_FOUND, &e.to_string()))?;
    review_page(&state, &Filter::Year(year.get()), &page).await
}

/// Published reviews of a genre's films, newest first.
#[utoipa::path(get, path = "/api/v1/genres/{slug}/reviews", tag = "reviews",
    params(("slug" = String, Path, description = "The genre's slug"), PageParams),
    responses(
        (status = 200, description = "A page of reviews", body = ReviewPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn genre_reviews(
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
pub(super) async fn tag_reviews(
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
pub(super) async fn writer_reviews(
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

/// One published review.
#[utoipa::path(get, path = "/api/v1/reviews/{slug}", tag = "reviews",
    params(("slug" = String, Path, description = "The review's slug")),
    responses(
        (status = 200, description = "The review", body = Review),
        (status = 404, description = "No published review has this slug", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn get_review(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
) -> ApiResult<Json<Review>> {
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

/// The film a review is of: found by title and year, or added.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilmInput {
    #[schema(min_length = 1, pattern = "\\S")]
    pub title: String,
    #[schema(minimum = 1870, maximum = 2100)]
    #[serde(default, deserialize_with = "whole")]
    pub year: Option<i32>,
    #[schema(minimum = 1, maximum = 10000)]
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

/// The review the request describes, every value typed; what cannot be is added to `problems`
/// under the API's field names.
fn draft_from(input: &ReviewInput, problems: &mut Problems) -> ReviewDraft {
    let film = FilmDraft {
        title: problems.keep("film_title", Title::parse(&input.film.title, "the film's title")),
        year: input.film.year.and_then(|year| problems.keep("film_year", Year::new(year.into()))),
        runtime: input.film.runtime_minutes.and_then(|minutes| problems.keep("film_runtime", Runtime::new(minutes))),
        tagline: text(&input.film.tagline),
        directors: items(&input.film.directors),
        cast: items(&input.film.cast),
        genres: items(&input.film.genres),
    };
    let score = input.score.and_then(|score| {
        let rounded = if score.is_finite() { (score * 10.0).round() / 10.0 } else { score };
        let score = Score::from_f64(rounded)
            .map_err(|e| format!("{e}. Send a score from 0 to 10; it is rounded to one decimal."));
        problems.keep("score", score)
    });
    let watched_on = input.watched_on.as_deref().and_then(|day| {
        problems.keep("watched_on", Day::parse(day).map_err(|_| format!("\"{day}\" is not a date: use YYYY-MM-DD.")))
    });
    if input.body.trim().is_empty() {
        problems.add("body", "Write the review: the body is empty.");
    }
    if input.revision.is_some_and(|r| r < 1) {
        problems.add("revision", "A revision is a number from 1.");
    }
    let at = input.publish_at.as_deref().and_then(|text| {
        let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map(|t| t.unix_timestamp())
            .map_err(|_| format!("\"{text}\" is not an RFC 3339 date and time."));
        problems.keep("publish_at", at)
    });
    let at = at.filter(|_| input.status == StatusInput::Published);
    let now = marquee_store::now();
    ReviewDraft {
        film,
        poster: None,
        headline: text(&input.headline),
        body: input.body.replace("\r\n", "\n"),
        summary: text(&input.summary),
        score,
        verdict: text(&input.verdict),
        tags: items(&input.tags),
        spoilers: input.spoilers,
        watched_on,
        rewatch: input.rewatch,
        publish_at: at.filter(|at| *at > now),
        backdate: at.filter(|at| *at <= now),
        based_on: input.revision.filter(|r| *r >= 1),
    }
}

/// A text field, trimmed; `None` when empty.
pub(super) fn text(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string)
}

/// A list field's items, trimmed, empty ones left out.
pub(super) fn items(values: &[String]) -> Vec<String> {
    values.iter().map(|v| v.trim()).filter(|v| !v.is_empty()).map(str::to_string).collect()
}

/// What the request's `status` asks of a review or article now in `current` (a new one:
/// `None`); `scheduled` when it names a time to come.
pub(super) fn intent_for(status: StatusInput, current: Option<ReviewStatus>, scheduled: bool) -> Intent {
    match (status, current) {
        (StatusInput::Draft, Some(ReviewStatus::Pending)) => Intent::Withdraw,
        (StatusInput::Draft, Some(ReviewStatus::Published | ReviewStatus::Scheduled)) => Intent::Unpublish,
        (StatusInput::Draft, _) => Intent::Save,
        (StatusInput::Pending, _) => Intent::Submit,
        (StatusInput::Published, _) if scheduled => Intent::Schedule,
        (StatusInput::Published, _) => Intent::Publish,
    }
}

pub(super) async fn saved_review(state: &AppState, member: &Member, id: i64) -> ApiResult<SavedReview> {
    let review = changes::reviews::editable(&state.desk, member, id).await?;
    Ok(SavedReview {
        id,
        url: (review.status == ReviewStatus::Published)
            .then(|| state.absolute_url(&format!("/reviews/{}", review.slug))),
        slug: review.slug,
        status: review.status.as_str().to_string(),
        revision: review.revision,
    })
}

/// Saves the review `input` describes, new or over `existing`, and answers what was saved.
pub(super) async fn write_review(
    state: &AppState,
    member: &Member,
    existing: Option<&EditableReview>,
    input: &ReviewInput,
) -> ApiResult<SavedReview> {
    let mut problems = Problems::default();
    let draft = draft_from(input, &mut problems);
    let intent = intent_for(input.status, existing.map(|r| r.status), draft.publish_at.is_some());
    match changes::reviews::save(&state.desk, member, existing, &draft, intent, problems).await {
        Ok(saved) => saved_review(state, member, saved.id).await,
        Err(ChangeError::Forbidden) => {
            Err(Problem::new(StatusCode::FORBIDDEN, "This token's user may not do that to this review."))
        }
        Err(ChangeError::Conflict { current_revision }) => Err(Problem::new(
            StatusCode::CONFLICT,
            &format!(
                "The review was changed since revision {}: it is at revision {current_revision} now.",
                draft.based_on.unwrap_or_default()
            ),
        )),
        Err(other) => Err(other.into()),
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
pub(super) async fn create_review(
    State(state): State<Arc<AppState>>,
    token: Token,
    body: Result<Json<ReviewInput>, JsonRejection>,
) -> ApiResult<Response> {
    let member = member(&token.require(Scope::Write)?);
    let Json(input) = body?;
    let saved = write_review(&state, &member, None, &input).await?;
    let location = format!("/api/v1/reviews/{}/draft", saved.id);
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
pub(super) async fn update_review(
    State(state): State<Arc<AppState>>,
    token: Token,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<ReviewInput>, JsonRejection>,
) -> ApiResult<Json<SavedReview>> {
    let member = member(&token.require(Scope::Write)?);
    let Path(id) = id?;
    let existing = match changes::reviews::editable(&state.desk, &member, id).await {
        Err(ChangeError::NotFound) => return Err(Problem::new(StatusCode::NOT_FOUND, "No review has this id.")),
        other => other?,
    };
    let Json(mut change) = body?;
    change.revision = change.revision.or(Some(existing.revision));
    Ok(Json(write_review(&state, &member, Some(&existing), &change).await?))
}
