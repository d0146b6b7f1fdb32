use super::paging::*;
use super::problem::*;
use super::refs::*;
use super::reviews::{review_summary, ReviewSummary};
use crate::state::AppState;
use axum::extract::rejection::QueryRejection;
use axum::extract::State;
use axum::extract::{Path, Query};
use axum::Json;
use marquee_store::reviews::{self, Filter};
use marquee_store::{diary, films, lists, people};
use serde::Serialize;
use std::sync::Arc;
use utoipa::ToSchema;

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

/// Films with a public page, in the order they were added.
#[utoipa::path(get, path = "/api/v1/films", tag = "films", params(PageParams),
    responses(
        (status = 200, description = "A page of films", body = FilmPage),
        (status = 400, description = "A bad parameter", body = Problem, content_type = "application/problem+json"),
    ))]
pub(super) async fn list_films(
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
pub(super) async fn get_film(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> ApiResult<Json<Film>> {
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
    let people = |department: marquee_core::Department| -> Vec<PersonRef> {
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
        directors: people(marquee_core::Department::Directing),
        writers: people(marquee_core::Department::Writing),
        cast: people(marquee_core::Department::Cast),
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
pub(super) async fn list_people(
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
pub(super) async fn get_person(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
) -> ApiResult<Json<Person>> {
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
