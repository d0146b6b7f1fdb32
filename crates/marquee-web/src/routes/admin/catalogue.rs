//! Films and people: correcting a film's facts and credits, correcting a person, and merging
//! two people who are the same person.

use super::{notice, page_of, pager, query_value, render, render_status, see_other};
use crate::auth::{Admin, FormData};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use marquee_core::{Action, Slug};
use marquee_store::films::{self, CreditInput, FilmInput, PictureInput};
use marquee_store::{audit, media, people};
use std::sync::Arc;

pub async fn films(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    admin.require(Action::ManageCatalogue)?;
    let query = query_value(uri.query(), "q");
    let (page, offset) = page_of(uri.query());
    let (found, total) = films::search(&state.store, &query, super::PAGE_SIZE, offset).await?;
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
    let names = |department: &str| -> Vec<&CreditInput> {
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
        directors: names(films::DIRECTING).iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join("\n"),
        writers: names(films::WRITING).iter().map(|c| c.name.as_str()).collect::<Vec<_>>().join("\n"),
        cast: names(films::CAST)
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
    let film = films::editable(&state.store, id).await?.ok_or_else(|| Error::not_found(&state))?;
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

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

fn commas(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect()
}

/// The film form over the film as stored: what the form does not show (backdrop, external ids,
/// crew beyond directors, writers and cast) is kept.
fn film_from_form(stored: &FilmInput, form: &FormData, errors: &mut Vec<FieldError>) -> FilmInput {
    let mut film = stored.clone();
    let mut error = |field: &'static str, message: String| errors.push(FieldError { field, message });
    film.title = form.text("title");
    if film.title.is_empty() {
        error("title", "Enter the film's title.".into());
    }
    film.original_title = form.optional("original_title");
    film.year = match form.text("year").as_str() {
        "" => None,
        text => match text.parse::<i32>() {
            Ok(year) if (1870..=2100).contains(&year) => Some(year),
            _ => {
                error("year", format!("\"{text}\" is not a year: enter four digits."));
                None
            }
        },
    };
    film.runtime_minutes = match form.text("runtime").as_str() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(minutes) if (1..=2000).contains(&minutes) => Some(minutes),
            _ => {
                error("runtime", format!("\"{text}\" is not a runtime in whole minutes."));
                None
            }
        },
    };
    film.release_date = form.optional("release_date");
    if let Some(date) = &film.release_date {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        if time::Date::parse(date, &format).is_err() {
            error("release_date", format!("\"{date}\" is not a date: use YYYY-MM-DD."));
        }
    }
    film.imdb_id = form.optional("imdb_id");
    if let Some(imdb) = &film.imdb_id {
        if !(imdb.starts_with("tt") && imdb.len() > 2 && imdb[2..].bytes().all(|b| b.is_ascii_digit())) {
            error("imdb_id", format!("\"{imdb}\" is not an IMDb title id (tt followed by digits)."));
        }
    }
    film.tagline = form.optional("tagline");
    film.synopsis = form.optional("synopsis");
    film.genres = commas(&form.text("genres"));
    film.countries = commas(&form.text("countries"));
    film.languages = commas(&form.text("languages"));
    if let Some(url) = form.optional("poster_url") {
        if url.starts_with("https://") {
            film.poster = Some(PictureInput::Url(url));
        } else {
            error("poster_url", "A poster address must start with https://.".into());
        }
    } else if matches!(film.poster, Some(PictureInput::Url(_))) {
        film.poster = None;
    }
    let credit = |department: &str, name: String, character: Option<String>| CreditInput {
        name,
        department: department.to_string(),
        job: None,
        character,
    };
    let shown = [films::DIRECTING, films::WRITING, films::CAST];
    let mut credits: Vec<CreditInput> =
        lines(&form.text("directors")).into_iter().map(|n| credit(films::DIRECTING, n, None)).collect();
    credits.extend(lines(&form.text("writers")).into_iter().map(|n| credit(films::WRITING, n, None)));
    credits.extend(lines(&form.text("cast")).into_iter().map(|line| match line.split_once(" as ") {
        Some((name, character)) => credit(films::CAST, name.trim().to_string(), Some(character.trim().to_string())),
        None => credit(films::CAST, line, None),
    }));
    credits.extend(stored.credits.iter().filter(|c| !shown.contains(&c.department.as_str())).cloned());
    film.credits = credits;
    film
}

pub async fn film_save(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    admin.require(Action::ManageCatalogue)?;
    let stored = films::editable(&state.store, id).await?.ok_or_else(|| Error::not_found(&state))?;
    let mut errors = Vec::new();
    let mut film = film_from_form(&stored, &form, &mut errors);
    let poster = match form.file("poster_file") {
        Some(upload) => match state.media.ingest(&upload.bytes).await {
            Ok(ingested) => Some((ingested, upload.file_name.clone())),
            Err(e) => {
                errors.push(FieldError { field: "poster_file", message: format!("The poster was refused: {e}.") });
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        let mut fields = film_fields(&film);
        fields.poster_url = form.text("poster_url");
        let page = FilmEditPage {
            layout: AdminLayout::new(&state, &admin, &format!("Film: {}", stored.title), "films"),
            film_id: id,
            public_url: format!("/films/{}", stored.slug.as_str()),
            poster: poster_thumbnail(&state, id).await?,
            fields,
            errors,
        };
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let mut tx = state.store.begin().await?;
    if let Some((ingested, name)) = &poster {
        let alt = form.optional("poster_alt").unwrap_or_else(|| format!("Poster for {}", film.title));
        let media_id =
            media::record_upload(&mut tx, &ingested.image, ingested.byte_size as i64, name, &alt, admin.id()).await?;
        film.poster = Some(PictureInput::Media(media_id));
    }
    films::upsert(&mut tx, &film).await?;
    marquee_store::content::bump(&mut tx).await?;
    audit::record(&mut tx, admin.id(), admin.name(), "film.edited", &film.title, "").await?;
    tx.commit().await?;
    state.refresh().await?;
    Ok(see_other(&format!("/admin/films/{id}"), "saved"))
}

pub async fn people(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    admin.require(Action::ManageCatalogue)?;
    let query = query_value(uri.query(), "q");
    let (page, offset) = page_of(uri.query());
    let (found, total) = people::search(&state.store, &query, super::PAGE_SIZE, offset).await?;
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
    let person = people::by_id(&state.store, id).await?.ok_or_else(|| Error::not_found(state))?;
    let (name, imdb_id, merge_into, errors) = match edited {
        Some((form, errors)) => (form.text("name"), form.text("imdb_id"), form.text("into"), errors),
        None => (person.name.clone(), person.imdb_id.clone().unwrap_or_default(), String::new(), Vec::new()),
    };
    let status = super::form_status(&errors);
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
    admin.require(Action::ManageCatalogue)?;
    let (name, imdb) = (form.text("name"), form.optional("imdb_id"));
    let mut errors = Vec::new();
    if name.is_empty() {
        errors.push(FieldError { field: "name", message: "Enter the person's name.".into() });
    }
    if let Some(imdb) = &imdb {
        if !(imdb.starts_with("nm") && imdb.len() > 2 && imdb[2..].bytes().all(|b| b.is_ascii_digit())) {
            errors.push(FieldError {
                field: "imdb_id",
                message: format!("\"{imdb}\" is not an IMDb name id (nm followed by digits)."),
            });
        }
    }
    if errors.is_empty() {
        let mut tx = state.store.begin().await?;
        match people::update(&mut tx, id, &name, imdb.as_deref()).await {
            Ok(()) => {
                tx.commit().await?;
                state.refresh().await?;
                return Ok(see_other(&format!("/admin/people/{id}"), "saved"));
            }
            Err(marquee_store::Error::Exists(message)) => errors.push(FieldError { field: "imdb_id", message }),
            Err(e) => return Err(e.into()),
        }
    }
    person_page_with(&state, &admin, id, None, Some((&form, errors))).await
}

/// Merges this person into another, named by the slug of their public page.
pub async fn merge(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    admin.require(Action::ManageCatalogue)?;
    let from = people::by_id(&state.store, id).await?.ok_or_else(|| Error::not_found(&state))?;
    let wanted = form.text("into");
    let slug = wanted.trim_start_matches("/people/").trim_matches('/').to_string();
    let into = match Slug::parse(&slug) {
        Ok(slug) => people::by_slug(&state.store, slug.as_str()).await?,
        Err(_) => None,
    };
    let Some(into) = into.filter(|p| p.id != id) else {
        let message = format!(
            "No other person has the address \"{wanted}\": enter the slug from their page's URL, like ada-moreau."
        );
        let errors = vec![FieldError { field: "into", message }];
        return person_page_with(&state, &admin, id, None, Some((&form, errors))).await;
    };
    let mut tx = state.store.begin().await?;
    let moved = people::merge(&mut tx, id, into.id).await?;
    audit::record(
        &mut tx,
        admin.id(),
        admin.name(),
        "person.merged",
        &from.name,
        &format!("into {} ({moved} credits moved)", into.name),
    )
    .await?;
    tx.commit().await?;
    state.refresh().await?;
    Ok(see_other(&format!("/admin/people/{}", into.id), "merged"))
}
