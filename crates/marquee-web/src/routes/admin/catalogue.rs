//! Films and people: correcting a film's facts and credits, correcting a person, and merging
//! two people who are the same person.

use super::pages::{notice, page_of, pager, query_value, render, render_status, see_other};
use crate::auth::{Admin, FormData};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use marquee_changes::catalogue::{self, CastMember, FilmEdit, PosterChoice};
use marquee_changes::{ChangeError, Problems};
use marquee_core::{list_of, Action, Day, Department, ImdbId, Runtime, Title, Year};
use marquee_store::films::{self, CreditInput, FilmInput, PictureInput};
use marquee_store::people;
use std::sync::Arc;

pub async fn films(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    admin.require(Action::ManageCatalogue)?;
    let query = query_value(uri.query(), "q");
    let (page, offset) = page_of(uri.query());
    let (found, total) = films::search(&state.store, &query, super::pages::PAGE_SIZE, offset).await?;
    let base = format!("/admin/films?q={}", form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>());
    let page = CataloguePage {
        layout: AdminLayout::new(&state, &admin, "Films", "films").with_notice(notice(uri.query())),
        heading: "Films",
        search_url: "/admin/films",
        query,
        rows: found
            .iter()
            .map(|f| CatalogueRow {
                edit_url: format!("/admin/films/{}", f.id),
                name: match f.year {
                    Some(year) => format!("{} ({year})", f.title),
                    None => f.title.clone(),
                },
                detail: format!("{} review{}", f.reviews, if f.reviews == 1 { "" } else { "s" }),
                public_url: format!("/films/{}", f.slug),
            })
            .collect(),
        pager: pager(&base, page, total),
    };
    render(&page)
}

/// Film titles for the editor's suggestions (JSON), for every role that writes reviews.
pub async fn suggest(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    admin.require(Action::CreateReview)?;
    super::reviews::film_suggestions(&state, &query_value(uri.query(), "q")).await
}

fn film_fields(film: &FilmInput) -> FilmFields {
    let names = |department: Department| -> Vec<&CreditInput> {
        film.credits.iter().filter(|c| c.department == department).collect()
    };
    FilmFields {
        title: film.title.clone(),
        original_title: film.original_title.clone().unwrap_or_default(),
        year: film.year.map(|y| y.to_string()).unwrap_or_default(),
        release_date: film.release_date.clone().unwrap_or_default(),
        runtime: film.runtime_minutes.map(|r| r.to_string()).unwrap_or_default(),
        tagline: film.tagline.clone().unwrap_or_default(),
        synopsis: film.synopsis.clone().unwrap_or_default(),
        genres: film.genres.join(", "),
        countries: film.countries.join(", "),
        languages: film.languages.join(", "),
        directors: names(Department::Directing).iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join("\n"),
        writers: names(Department::Writing).iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join("\n"),
        cast: names(Department::Cast)
            .iter()
            .map(|c| match &c.character {
                Some(character) => format!("{} as {character}", c.name),
                None => c.name.clone(),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        imdb_id: film.imdb_id.clone().unwrap_or_default(),
        poster_url: match &film.poster {
            Some(PictureInput::Url(url)) => url.clone(),
            _ => String::new(),
        },
        poster_alt: String::new(),
    }
}

async fn poster_thumbnail(state: &AppState, film_id: i64) -> Result<Option<String>> {
    Ok(films::by_id(&state.store, film_id).await?.and_then(|film| match film.poster {
        Some(marquee_store::media::Picture::Stored(image)) => {
            Some(image.url(image.widths.iter().copied().min().unwrap_or(image.width), &image.extension))
        }
        Some(marquee_store::media::Picture::Url(url)) => Some(url),
        None => None,
    }))
}

pub async fn film_page(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response> {
    admin.require(Action::ManageCatalogue)?;
    let film = films::editable(&state.store, id).await?.ok_or(Error::NotFound)?;
    let page = FilmEditPage {
        layout: AdminLayout::new(&state, &admin, &format!("Film: {}", film.title), "films")
            .with_notice(notice(uri.query())),
        film_id: id,
        public_url: format!("/films/{}", film.slug.as_str()),
        poster: poster_thumbnail(&state, id).await?,
        fields: film_fields(&film),
        errors: Vec::new(),
    };
    render(&page)
}

/// The film form as typed, to show again with what to fix.
fn typed_fields(form: &FormData) -> FilmFields {
    let text = |name: &str| form.text(name);
    FilmFields {
        title: text("title"),
        original_title: text("original_title"),
        year: text("year"),
        release_date: text("release_date"),
        runtime: text("runtime"),
        tagline: text("tagline"),
        synopsis: text("synopsis"),
        genres: text("genres"),
        countries: text("countries"),
        languages: text("languages"),
        directors: form.raw("directors").to_string(),
        writers: form.raw("writers").to_string(),
        cast: form.raw("cast").to_string(),
        imdb_id: text("imdb_id"),
        poster_url: text("poster_url"),
        poster_alt: text("poster_alt"),
    }
}

/// The film form's fields, typed; each one that does not parse is a problem.
fn film_edit(form: &FormData, problems: &mut Problems) -> Option<FilmEdit> {
    let title = problems.keep("title", Title::parse(&form.text("title"), "the film's title"));
    let year = problems.keep("year", Year::parse_optional(&form.text("year"))).flatten();
    let runtime = problems.keep("runtime", Runtime::parse_optional(&form.text("runtime"))).flatten();
    let release_date = problems.keep("release_date", Day::parse_optional(&form.text("release_date"))).flatten();
    let imdb = form.optional("imdb_id").and_then(|text| problems.keep("imdb_id", ImdbId::title(&text)));
    let cast = list_of(form.raw("cast"), '\n')
        .into_iter()
        .map(|line| match line.split_once(" as ") {
            Some((name, character)) => {
                CastMember { name: name.trim().into(), character: Some(character.trim().into()) }
            }
            None => CastMember { name: line, character: None },
        })
        .collect();
    Some(FilmEdit {
        title: title?,
        original_title: form.optional("original_title"),
        year,
        runtime,
        release_date,
        imdb,
        tagline: form.optional("tagline"),
        synopsis: form.optional("synopsis"),
        genres: list_of(&form.text("genres"), ','),
        countries: list_of(&form.text("countries"), ','),
        languages: list_of(&form.text("languages"), ','),
        poster: form.optional("poster_url").map_or(PosterChoice::Keep, PosterChoice::Url),
        directors: list_of(form.raw("directors"), '\n'),
        writers: list_of(form.raw("writers"), '\n'),
        cast,
    })
}

pub async fn film_save(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    let (desk, member) = (&state.desk, admin.member());
    let stored = catalogue::film(desk, &member, id).await?;
    let mut problems = Problems::default();
    let edit = film_edit(&form, &mut problems);
    let result = match edit.filter(|_| problems.is_empty()) {
        None => Err(ChangeError::Invalid(problems.into_vec())),
        Some(mut edit) => {
            async {
                if let Some(upload) = form.file("poster_file") {
                    let alt = form.optional("poster_alt").unwrap_or_else(|| format!("Poster for {}", edit.title));
                    let media = marquee_changes::media::upload(
                        desk,
                        &member,
                        &upload.bytes,
                        &upload.file_name,
                        &alt,
                        "poster_file",
                    );
                    edit.poster = PosterChoice::Media(media.await?);
                }
                catalogue::edit_film(desk, &member, id, &edit).await
            }
            .await
        }
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/films/{id}"), "saved")),
        Err(ChangeError::Invalid(errors)) => {
            let page = FilmEditPage {
                layout: AdminLayout::new(&state, &admin, &format!("Film: {}", stored.title), "films"),
                film_id: id,
                public_url: format!("/films/{}", stored.slug.as_str()),
                poster: poster_thumbnail(&state, id).await?,
                fields: typed_fields(&form),
                errors,
            };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn people(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    admin.require(Action::ManageCatalogue)?;
    let query = query_value(uri.query(), "q");
    let (page, offset) = page_of(uri.query());
    let (found, total) = people::search(&state.store, &query, super::pages::PAGE_SIZE, offset).await?;
    let base = format!("/admin/people?q={}", form_urlencoded::byte_serialize(query.as_bytes()).collect::<String>());
    let page = CataloguePage {
        layout: AdminLayout::new(&state, &admin, "People", "people").with_notice(notice(uri.query())),
        heading: "People",
        search_url: "/admin/people",
        query,
        rows: found
            .iter()
            .map(|p| CatalogueRow {
                edit_url: format!("/admin/people/{}", p.id),
                name: p.name.clone(),
                detail: format!("{} credit{}", p.credits, if p.credits == 1 { "" } else { "s" }),
                public_url: format!("/people/{}", p.slug),
            })
            .collect(),
        pager: pager(&base, page, total),
    };
    render(&page)
}

async fn person_page_with(
    state: &AppState,
    admin: &Admin,
    id: i64,
    notice: Option<&'static str>,
    edited: Option<(&FormData, Vec<FieldError>)>,
) -> Result<Response> {
    let person = people::by_id(&state.store, id).await?.ok_or(Error::NotFound)?;
    let (name, imdb_id, merge_into, errors) = match edited {
        Some((form, errors)) => (form.text("name"), form.text("imdb_id"), form.text("into"), errors),
        None => (person.name.clone(), person.imdb_id.clone().unwrap_or_default(), String::new(), Vec::new()),
    };
    let status = super::pages::form_status(&errors);
    let page = PersonEditPage {
        layout: AdminLayout::new(state, admin, &format!("Person: {}", person.name), "people").with_notice(notice),
        person_id: id,
        public_url: format!("/people/{}", person.slug),
        name,
        imdb_id,
        credits: person.credits,
        merge_into,
        errors,
    };
    render_status(status, &page)
}

pub async fn person_page(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response> {
    admin.require(Action::ManageCatalogue)?;
    person_page_with(&state, &admin, id, notice(uri.query()), None).await
}

pub async fn person_save(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    let mut problems = Problems::default();
    let name = problems.keep("name", Title::parse(&form.text("name"), "the person's name"));
    let imdb = form.optional("imdb_id").and_then(|text| problems.keep("imdb_id", ImdbId::name(&text)));
    let result = match name.filter(|_| problems.is_empty()) {
        Some(name) => catalogue::edit_person(&state.desk, &admin.member(), id, &name, imdb.as_ref()).await,
        None => Err(ChangeError::Invalid(problems.into_vec())),
    };
    match result {
        Ok(()) => Ok(see_other(&format!("/admin/people/{id}"), "saved")),
        Err(ChangeError::Invalid(errors)) => person_page_with(&state, &admin, id, None, Some((&form, errors))).await,
        Err(e) => Err(e.into()),
    }
}

/// Merges this person into another, named by the slug of their public page.
pub async fn merge(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    match catalogue::merge_people(&state.desk, &admin.member(), id, &form.text("into")).await {
        Ok(into) => Ok(see_other(&format!("/admin/people/{}", into.id), "merged")),
        Err(ChangeError::Invalid(errors)) => person_page_with(&state, &admin, id, None, Some((&form, errors))).await,
        Err(e) => Err(e.into()),
    }
}
