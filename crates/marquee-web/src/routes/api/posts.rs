use super::access::*;
use super::paging::*;
use super::problem::*;
use super::refs::*;
use super::reviews::{intent_for, items, text, StatusInput};
use crate::state::AppState;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use marquee_changes as changes;
use marquee_changes::posts::PostDraft;
use marquee_changes::{ChangeError, Member, Problems};
use marquee_core::{PostKind, ReviewStatus, Slug, Title, Year};
use marquee_store::posts::{self, EditablePost, Filter, PostCard};
use marquee_store::tokens::Scope;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::ToSchema;

/// A published article (or page) as lists show it.
#[derive(Serialize, ToSchema)]
pub struct ArticleSummary {
    pub id: i64,
    pub slug: String,
    pub url: String,
    pub title: String,
    pub standfirst: Option<String>,
    pub author: Option<WriterRef>,
    /// RFC 3339.
    pub published_at: Option<String>,
    pub word_count: i64,
}

/// A published article or page whole.
#[derive(Serialize, ToSchema)]
pub struct Article {
    #[serde(flatten)]
    pub summary: ArticleSummary,
    /// The sanitized HTML its page shows.
    pub body_html: String,
    pub reading_minutes: usize,
    pub tags: Vec<String>,
    /// The films it discusses.
    pub films: Vec<FilmRef>,
    /// RFC 3339.
    pub updated_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ArticlePage {
    pub items: Vec<ArticleSummary>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// An article as saved.
#[derive(Serialize, ToSchema)]
pub struct SavedArticle {
    pub id: i64,
    pub slug: String,
    pub status: String,
    /// Send this as `revision` with the next change.
    pub revision: i64,
    /// The public page, once published.
    pub url: Option<String>,
}

fn summary(state: &AppState, card: &PostCard) -> ArticleSummary {
    ArticleSummary {
        id: card.id,
        slug: card.slug.clone(),
        url: state.absolute_url(&card.path()),
        title: card.title.clone(),
        standfirst: card.standfirst.clone(),
        author: match (&card.author_slug, &card.author_name) {
            (Some(slug), Some(name)) => Some(WriterRef {
                slug: slug.clone(),
                name: name.clone(),
                url: state.absolute_url(&format!("/writers/{slug}")),
            }),
            _ => None,
        },
        published_at: card.published_at.and_then(rfc3339),
        word_count: card.word_count,
    }
}

/// Published articles, newest first.
#[utoipa::path(get, path = "/api/v1/articles", tag = "articles", params(PageParams),
    responses(
        (status = 200, description = "A page of articles", body = ArticlePage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_articles(
    State(state): State<Arc<AppState>>,
    page: Result<Query<PageParams>, QueryRejection>,
) -> ApiResult<Json<ArticlePage>> {
    let Query(page) = page?;
    let limit = page.limit()?;
    let after = decode_cursor(page.cursor())?;
    let mut cards = posts::published_after(&state.store, &Filter::All, after, limit + 1).await?;
    let next_cursor = next(&mut cards, limit, |c| encode_cursor(c.published_at.unwrap_or(0), c.id));
    Ok(Json(ArticlePage { items: cards.iter().map(|c| summary(&state, c)).collect(), next_cursor }))
}

async fn whole(state: &AppState, kind: PostKind, slug: &str) -> ApiResult<Json<Article>> {
    let not_found = || Problem::new(StatusCode::NOT_FOUND, &format!("No published {kind} has this slug."));
    let post = posts::published_by_slug(&state.store, kind, slug).await?.ok_or_else(not_found)?;
    let card = &post.card;
    Ok(Json(Article {
        summary: summary(state, card),
        body_html: post.body_html.as_str().to_string(),
        reading_minutes: marquee_core::reading_minutes(card.word_count.max(0) as usize),
        tags: post.tags.iter().map(|t| t.name.clone()).collect(),
        films: post
            .films
            .iter()
            .map(|f| FilmRef {
                slug: f.slug.clone(),
                title: f.title.clone(),
                year: f.year,
                url: Some(state.absolute_url(&format!("/films/{}", f.slug))),
            })
            .collect(),
        updated_at: rfc3339(card.updated_at),
    }))
}

/// A published article.
#[utoipa::path(get, path = "/api/v1/articles/{slug}", tag = "articles",
    params(("slug" = String, Path, description = "The article's slug")),
    responses(
        (status = 200, description = "The article", body = Article),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn get_article(
    State(state): State<Arc<AppState>>,
    slug: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<Article>> {
    let Path(slug) = slug?;
    whole(&state, PostKind::Article, &slug).await
}

/// A published page (About, Masthead …).
#[utoipa::path(get, path = "/api/v1/pages/{slug}", tag = "articles",
    params(("slug" = String, Path, description = "The page's slug")),
    responses(
        (status = 200, description = "The page", body = Article),
        (status = 404, description = "No such page", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn get_page(
    State(state): State<Arc<AppState>>,
    slug: Result<Path<String>, PathRejection>,
) -> ApiResult<Json<Article>> {
    let Path(slug) = slug?;
    whole(&state, PostKind::Page, &slug).await
}

/// An article to write: its text, the films it discusses, and what should happen to it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    #[schema(min_length = 1, pattern = "\\S")]
    pub title: String,
    /// Its address (`/articles/slug`) when new: letters, digits and hyphens; made from the title
    /// (and numbered when taken) when left out. One another article has is a conflict (409).
    #[schema(pattern = "[A-Za-z0-9]")]
    pub slug: Option<String>,
    pub standfirst: Option<String>,
    /// Markdown.
    #[schema(min_length = 1, pattern = "\\S")]
    pub body: String,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The films it discusses: each found in the catalogue, or added to it.
    #[serde(default)]
    pub films: Vec<FilmName>,
    pub status: StatusInput,
    /// With `published`: when it is (or was) published, RFC 3339. Ignored otherwise.
    #[schema(format = DateTime)]
    pub publish_at: Option<String>,
    /// When changing an article: the `revision` the change was made from (409 when older).
    #[schema(minimum = 1, maximum = 9_007_199_254_740_991_i64)]
    #[serde(default, deserialize_with = "super::refs::whole")]
    pub revision: Option<i64>,
}

/// A film an article discusses: found by its title and year, or added to the catalogue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FilmName {
    #[schema(min_length = 1, max_length = 300, pattern = "\\S")]
    pub title: String,
    #[schema(minimum = 1870, maximum = 2100)]
    #[serde(deserialize_with = "whole_year")]
    pub year: i32,
}

/// A year as JSON may write it (`1995` or `1995.0`); never null.
fn whole_year<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i32, D::Error> {
    super::refs::whole::<D, i32>(deserializer)?.ok_or_else(|| serde::de::Error::custom("a film's year is needed"))
}

fn film_name(film: &FilmName) -> Result<changes::catalogue::FilmName, String> {
    let title = Title::parse(&film.title, "the film's title").map_err(|e| e.to_string())?;
    let year = Some(Year::new(film.year.into()).map_err(|e| e.to_string())?);
    Ok(changes::catalogue::FilmName { title, year })
}

fn draft_from(input: &ArticleInput, problems: &mut Problems) -> PostDraft {
    let at = input.publish_at.as_deref().and_then(|text| {
        let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map(|t| t.unix_timestamp())
            .map_err(|_| format!("\"{text}\" is not an RFC 3339 date and time."));
        problems.keep("publish_at", at)
    });
    let at = at.filter(|_| input.status == StatusInput::Published);
    if input.body.trim().is_empty() {
        problems.add("body", "Write the article: the body is empty.");
    }
    if input.revision.is_some_and(|r| r < 1) {
        problems.add("revision", "A revision is a number from 1.");
    }
    let slug = input
        .slug
        .as_deref()
        .and_then(|s| problems.keep("slug", Slug::from_text(s).map_err(|e| format!("\"{s}\": {e}."))));
    let now = marquee_store::now();
    PostDraft {
        kind: PostKind::Article,
        title: input.title.clone(),
        slug,
        standfirst: text(&input.standfirst),
        body: input.body.replace("\r\n", "\n"),
        tags: items(&input.tags),
        films: input.films.iter().filter_map(|f| problems.keep("films", film_name(f))).collect(),
        nav_position: None,
        publish_at: at.filter(|at| *at > now),
        backdate: at.filter(|at| *at <= now),
        based_on: input.revision.filter(|r| *r >= 1),
    }
}

async fn write(
    state: &AppState,
    member: &Member,
    existing: Option<&EditablePost>,
    input: &ArticleInput,
) -> ApiResult<SavedArticle> {
    let mut problems = Problems::default();
    let draft = draft_from(input, &mut problems);
    let intent = intent_for(input.status, existing.map(|p| p.status), draft.publish_at.is_some());
    let saved = match changes::posts::save(&state.desk, member, existing, &draft, intent, problems).await {
        Ok(saved) => saved,
        Err(ChangeError::Forbidden) => {
            return Err(Problem::new(StatusCode::FORBIDDEN, "This token's user may not do that to this article."))
        }
        Err(ChangeError::Taken(problem)) => {
            let detail = format!("{} Or leave the slug out: one is made from the title.", problem.message);
            return Err(Problem::new(StatusCode::CONFLICT, &detail));
        }
        Err(ChangeError::Conflict { current_revision }) => {
            return Err(Problem::new(
                StatusCode::CONFLICT,
                &format!("The article was changed since: it is at revision {current_revision} now."),
            ))
        }
        Err(other) => return Err(other.into()),
    };
    let post = changes::posts::editable(&state.desk, member, saved.id).await?;
    Ok(SavedArticle {
        id: post.id,
        url: (post.status == ReviewStatus::Published).then(|| state.absolute_url(&post.kind.path(&post.slug))),
        slug: post.slug,
        status: post.status.as_str().to_string(),
        revision: post.revision,
    })
}

/// Writes a new article (a draft unless asked otherwise, as the token's user's role allows).
#[utoipa::path(post, path = "/api/v1/articles", tag = "articles", request_body = ArticleInput,
    security(("token" = [])),
    responses(
        (status = 201, description = "Saved", body = SavedArticle),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another article has that slug", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields to fix", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn create_article(
    State(state): State<Arc<AppState>>,
    token: Token,
    body: Result<Json<ArticleInput>, JsonRejection>,
) -> ApiResult<Response> {
    let member = member(&token.require(Scope::Write)?);
    let Json(input) = body?;
    let saved = write(&state, &member, None, &input).await?;
    let location = format!("/api/v1/articles/{}/draft", saved.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(saved)).into_response())
}

/// Saves a new revision of an article the token's user may edit.
#[utoipa::path(put, path = "/api/v1/articles/{id}/draft", tag = "articles", request_body = ArticleInput,
    params(("id" = i64, Path, description = "The article's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "Saved", body = SavedArticle),
        (status = 400, description = "Not JSON", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token may not do this", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Changed since that revision", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not sent as application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Fields to fix", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn update_article(
    State(state): State<Arc<AppState>>,
    token: Token,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Json<ArticleInput>, JsonRejection>,
) -> ApiResult<Json<SavedArticle>> {
    let member = member(&token.require(Scope::Write)?);
    let Path(id) = id?;
    let existing = match changes::posts::editable(&state.desk, &member, id).await {
        Ok(post) if post.kind == PostKind::Article => post,
        Ok(_) | Err(ChangeError::NotFound) => {
            return Err(Problem::new(StatusCode::NOT_FOUND, "No article has this id."))
        }
        Err(other) => return Err(other.into()),
    };
    let Json(mut change) = body?;
    change.revision = change.revision.or(Some(existing.revision));
    Ok(Json(write(&state, &member, Some(&existing), &change).await?))
}
