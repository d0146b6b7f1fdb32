//! The cinephile's admin: quick logging to the diary (and editing, deleting, promoting an
//! entry's short review to a full review), lists (films with notes, reordered by dragging or
//! with up and down buttons), and the watchlist. Each belongs to one user: only they change it.

use super::{notice, render, render_status, see_other};
use crate::auth::{Admin, FormData};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use marquee_core::diary::{from_half_stars, half_stars, stars, stars_label};
use marquee_core::{Action, ReviewStatus, Slug};
use marquee_store::diary::{self, Entry, EntryInput};
use marquee_store::films::{self, FilmInput};
use marquee_store::lists::{self, ListInput};
use marquee_store::reviews::ReviewInput;
use marquee_store::{revisions, users, Conn};
use std::sync::Arc;

fn ratings() -> Vec<(u8, String)> {
    (1..=10u8).map(|h| (h, from_half_stars(h).map(stars_label).unwrap_or_default())).collect()
}

fn today() -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::OffsetDateTime::now_utc().date().format(&format).unwrap_or_default()
}

fn film_label(title: &str, year: Option<i32>) -> String {
    match year {
        Some(year) => format!("{title} ({year})"),
        None => title.to_string(),
    }
}

/// The film a title and year name: found by title and year, or by title alone when only one
/// film has it, or created (title and year) when new. An error names the field to fix.
pub(crate) async fn film_for(conn: &mut Conn, title: &str, year_text: &str) -> Result<Result<i64, FieldError>> {
    if title.is_empty() {
        return Ok(Err(FieldError { field: "film_title", message: "Enter the film's title.".into() }));
    }
    let year = match year_text {
        "" => None,
        text => match text.parse::<i32>() {
            Ok(year) if (1870..=2100).contains(&year) => Some(year),
            _ => {
                let message = format!("\"{text}\" is not a year: enter four digits, like 1999.");
                return Ok(Err(FieldError { field: "film_year", message }));
            }
        },
    };
    if year.is_none() {
        let found = films::titled(conn, title).await?;
        match found.as_slice() {
            [(id, _)] => return Ok(Ok(*id)),
            [] => {}
            several => {
                let years: Vec<String> = several.iter().filter_map(|(_, y)| y.map(|y| y.to_string())).collect();
                let message = format!("Several films are called {title} ({}): add the year.", years.join(", "));
                return Ok(Err(FieldError { field: "film_year", message }));
            }
        }
    }
    let slug = match revisions::slug_for(title, year) {
        Ok(slug) => slug,
        Err(e) => return Ok(Err(FieldError { field: "film_title", message: e.to_string() })),
    };
    if let Some(id) = films::id_by_slug(conn, slug.as_str()).await? {
        return Ok(Ok(id));
    }
    let film = FilmInput::titled(slug, title, year);
    Ok(Ok(films::upsert(conn, &film).await?))
}

fn diary_fields(form: &FormData) -> DiaryFields {
    DiaryFields {
        film_title: form.text("film_title"),
        film_year: form.text("film_year"),
        watched_on: form.text("watched_on"),
        rating: form.text("rating"),
        rewatch: form.checked("rewatch"),
        liked: form.checked("liked"),
        tags: form.text("tags"),
        review_text: form.raw("review_text").trim().replace("\r\n", "\n"),
        leave_watchlist: form.checked("leave_watchlist"),
    }
}

fn entry_fields(entry: &Entry) -> DiaryFields {
    DiaryFields {
        film_title: entry.film_title.clone(),
        film_year: entry.film_year.map(|y| y.to_string()).unwrap_or_default(),
        watched_on: entry.watched_on.clone(),
        rating: entry.rating.and_then(half_stars).map(|h| h.to_string()).unwrap_or_default(),
        rewatch: entry.rewatch,
        liked: entry.liked,
        tags: entry.tags.join(", "),
        review_text: entry.review_text.clone(),
        leave_watchlist: false,
    }
}

/// The entry the fields describe (the film resolved separately), or the fields to fix.
pub(crate) fn entry_input(fields: &DiaryFields, film_id: i64, errors: &mut Vec<FieldError>) -> EntryInput {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    if time::Date::parse(&fields.watched_on, &format).is_err() {
        let message = format!("\"{}\" is not a date: use YYYY-MM-DD.", fields.watched_on);
        errors.push(FieldError { field: "watched_on", message });
    }
    let rating = match fields.rating.as_str() {
        "" => None,
        text => match text.parse::<u8>().ok().and_then(from_half_stars) {
            Some(rating) => Some(rating),
            None => {
                errors.push(FieldError {
                    field: "rating",
                    message: "Choose a rating from half a star to five stars.".into(),
                });
                None
            }
        },
    };
    EntryInput {
        film_id,
        watched_on: fields.watched_on.clone(),
        rating,
        rewatch: fields.rewatch,
        liked: fields.liked,
        tags: fields.tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect(),
        review_text: fields.review_text.clone(),
    }
}

async fn diary_page(
    state: &AppState,
    admin: &Admin,
    fields: DiaryFields,
    errors: Vec<FieldError>,
    notice: Option<&'static str>,
) -> Result<Response> {
    let entries = diary::recent(&state.store, admin.id(), 50).await?;
    let public = users::by_slug(&state.store, &admin.session.user.slug).await?.is_some_and(|u| u.diary_public);
    let status = super::form_status(&errors);
    let page = DiaryAdminPage {
        layout: AdminLayout::new(state, admin, "Diary", "diary").with_notice(notice),
        fields,
        errors,
        rows: entries
            .iter()
            .map(|e| DiaryRow {
                edit_url: format!("/admin/diary/{}", e.id),
                date: e.watched_on.clone(),
                film: film_label(&e.film_title, e.film_year),
                stars: e.rating.map(stars).unwrap_or_default(),
                stars_label: e.rating.map(stars_label).unwrap_or_default(),
                rewatch: e.rewatch,
                liked: e.liked,
                review_url: e.review_id.map(|id| format!("/admin/reviews/{id}")),
            })
            .collect(),
        public_url: public.then(|| format!("/writers/{}/diary", admin.session.user.slug)),
        ratings: ratings(),
    };
    render_status(status, &page)
}

pub async fn diary_index(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    let fields = DiaryFields { watched_on: today(), leave_watchlist: true, ..DiaryFields::default() };
    diary_page(&state, &admin, fields, Vec::new(), notice(uri.query())).await
}

/// Quick logging: a film, a date (today unless changed), a rating, and it is in the diary.
pub async fn diary_log(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    let fields = diary_fields(&form);
    let mut errors = Vec::new();
    let mut tx = state.store.begin().await?;
    let film = film_for(&mut tx, &fields.film_title, &fields.film_year).await?;
    let input = entry_input(&fields, *film.as_ref().unwrap_or(&0), &mut errors);
    let film_id = match film {
        Ok(id) if errors.is_empty() => id,
        Ok(_) => return diary_page(&state, &admin, fields, errors, None).await,
        Err(error) => {
            errors.insert(0, error);
            return diary_page(&state, &admin, fields, errors, None).await;
        }
    };
    diary::create(&mut tx, admin.id(), &input).await?;
    if fields.leave_watchlist {
        lists::watchlist_remove(&mut tx, admin.id(), film_id).await?;
    }
    tx.commit().await?;
    state.refresh().await?;
    Ok(see_other("/admin/diary", "logged"))
}

async fn own_entry(state: &AppState, admin: &Admin, id: i64) -> Result<Entry> {
    let entry = diary::by_id(&state.store, id).await?.ok_or_else(|| Error::not_found(state))?;
    admin.require(Action::ManageCollection { owner: entry.user_id })?;
    Ok(entry)
}

fn entry_page(
    state: &AppState,
    admin: &Admin,
    entry: &Entry,
    fields: DiaryFields,
    errors: Vec<FieldError>,
) -> DiaryEntryPage {
    DiaryEntryPage {
        layout: AdminLayout::new(state, admin, &format!("Diary: {}", entry.film_title), "diary"),
        entry_id: entry.id,
        fields,
        errors,
        ratings: ratings(),
        review_url: entry.review_id.map(|id| format!("/admin/reviews/{id}")),
    }
}

pub async fn diary_entry(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response> {
    let entry = own_entry(&state, &admin, id).await?;
    let mut page = entry_page(&state, &admin, &entry, entry_fields(&entry), Vec::new());
    page.layout = page.layout.with_notice(notice(uri.query()));
    render(&page)
}

pub async fn diary_update(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    let entry = own_entry(&state, &admin, id).await?;
    let fields = diary_fields(&form);
    let mut errors = Vec::new();
    let mut tx = state.store.begin().await?;
    let film = film_for(&mut tx, &fields.film_title, &fields.film_year).await?;
    let input = entry_input(&fields, *film.as_ref().unwrap_or(&0), &mut errors);
    if let Err(error) = film {
        errors.insert(0, error);
    }
    if !errors.is_empty() {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &entry_page(&state, &admin, &entry, fields, errors));
    }
    diary::update(&mut tx, id, &input).await?;
    tx.commit().await?;
    state.refresh().await?;
    Ok(see_other(&format!("/admin/diary/{id}"), "saved"))
}

pub async fn diary_delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    _form: FormData,
) -> Result<Response> {
    own_entry(&state, &admin, id).await?;
    let mut tx = state.store.begin().await?;
    diary::delete(&mut tx, id).await?;
    tx.commit().await?;
    state.refresh().await?;
    Ok(see_other("/admin/diary", "deleted"))
}

/// Turns an entry's short review into a draft full review (its text, rating, date and rewatch
/// flag), opened in the editor.
pub async fn diary_promote(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    _form: FormData,
) -> Result<Response> {
    let entry = own_entry(&state, &admin, id).await?;
    admin.require(Action::CreateReview)?;
    if let Some(review_id) = entry.review_id {
        return Ok(see_other(&format!("/admin/reviews/{review_id}"), "saved"));
    }
    let (rendered, images, _) = super::reviews::render_body(&state, &entry.review_text).await?;
    let input = ReviewInput {
        slug: revisions::slug_for(&entry.film_title, entry.film_year)
            .unwrap_or_else(|_| Slug::parse("review").expect("a valid slug")),
        film_id: entry.film_id,
        author_id: Some(admin.id()),
        headline: None,
        body_markdown: entry.review_text.clone(),
        body_html: rendered.html,
        body_text: rendered.plain_text,
        word_count: rendered.words,
        summary: None,
        score: entry.rating,
        verdict_override: None,
        spoilers: false,
        watched_on: Some(entry.watched_on.clone()),
        rewatch: entry.rewatch,
        status: ReviewStatus::Draft,
        published_at: None,
        updated_at: None,
        tags: entry.tags.clone(),
        images,
        source_hash: None,
    };
    let mut tx = state.store.begin().await?;
    let review_id = match revisions::create(&mut tx, &input, admin.id()).await? {
        revisions::Saved::Written { id, .. } => id,
        revisions::Saved::Conflict { .. } => return Err(Error::Internal("a new review cannot conflict".into())),
    };
    diary::set_review(&mut tx, id, review_id).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/admin/reviews/{review_id}"), "created"))
}

async fn lists_page(
    state: &AppState,
    admin: &Admin,
    title: String,
    errors: Vec<FieldError>,
    notice: Option<&'static str>,
) -> Result<Response> {
    let own = lists::of_user(&state.store, admin.id()).await?;
    let status = super::form_status(&errors);
    let page = ListsAdminPage {
        layout: AdminLayout::new(state, admin, "Lists", "lists").with_notice(notice),
        rows: own
            .iter()
            .map(|l| ListRow {
                edit_url: format!("/admin/lists/{}", l.id),
                title: l.title.clone(),
                films: l.films,
                published: l.published,
                public_url: format!("/lists/{}", l.slug),
            })
            .collect(),
        title,
        errors,
    };
    render_status(status, &page)
}

pub async fn lists_index(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    lists_page(&state, &admin, String::new(), Vec::new(), notice(uri.query())).await
}

fn list_input(title: &str, description: &str, ranked: bool, published: bool) -> ListInput {
    let rendered = marquee_core::markdown::render(description, &|_| None);
    ListInput {
        title: title.to_string(),
        description_markdown: description.to_string(),
        description_html: rendered.html,
        ranked,
        published,
    }
}

pub async fn list_create(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    let title = form.text("title");
    if title.is_empty() || marquee_core::Slug::from_text(&title).is_err() {
        let errors =
            vec![FieldError { field: "title", message: "Give the list a title with a letter or digit in it.".into() }];
        return lists_page(&state, &admin, title, errors, None).await;
    }
    let mut tx = state.store.begin().await?;
    let id = lists::create(&mut tx, admin.id(), &list_input(&title, "", form.checked("ranked"), false)).await?;
    tx.commit().await?;
    Ok(see_other(&format!("/admin/lists/{id}"), "created"))
}

async fn own_list(state: &AppState, admin: &Admin, id: i64) -> Result<lists::List> {
    let list = lists::by_id(&state.store, id).await?.ok_or_else(|| Error::not_found(state))?;
    admin.require(Action::ManageCollection { owner: list.user_id })?;
    Ok(list)
}

fn item_rows(items: &[lists::FilmItem]) -> Vec<ItemRow> {
    let last = items.len().saturating_sub(1);
    items
        .iter()
        .enumerate()
        .map(|(i, item)| ItemRow {
            film_id: item.film_id,
            rank: i + 1,
            film: film_label(&item.film_title, item.film_year),
            note: item.note.clone(),
            first: i == 0,
            last: i == last,
        })
        .collect()
}

async fn list_page(
    state: &AppState,
    admin: &Admin,
    list: &lists::List,
    typed: Option<&FormData>,
    errors: Vec<FieldError>,
    notice: Option<&'static str>,
) -> Result<Response> {
    let items = lists::items(&state.store, list.id).await?;
    let status = super::form_status(&errors);
    let page = ListEditPage {
        layout: AdminLayout::new(state, admin, &format!("List: {}", list.title), "lists").with_notice(notice),
        list_id: list.id,
        public_url: list.published.then(|| format!("/lists/{}", list.slug)),
        title: list.title.clone(),
        description: list.description_markdown.clone(),
        ranked: list.ranked,
        published: list.published,
        items: item_rows(&items),
        errors,
        film_title: typed.map(|f| f.text("film_title")).unwrap_or_default(),
        film_year: typed.map(|f| f.text("film_year")).unwrap_or_default(),
        note: typed.map(|f| f.text("note")).unwrap_or_default(),
    };
    render_status(status, &page)
}

pub async fn list_edit(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response> {
    let list = own_list(&state, &admin, id).await?;
    list_page(&state, &admin, &list, None, Vec::new(), notice(uri.query())).await
}

pub async fn list_update(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    let list = own_list(&state, &admin, id).await?;
    let title = form.text("title");
    if title.is_empty() {
        let errors = vec![FieldError { field: "title", message: "Give the list a title.".into() }];
        return list_page(&state, &admin, &list, None, errors, None).await;
    }
    let input = list_input(&title, form.raw("description").trim(), form.checked("ranked"), form.checked("published"));
    let mut tx = state.store.begin().await?;
    lists::update(&mut tx, id, &input).await?;
    tx.commit().await?;
    state.refresh().await?;
    Ok(see_other(&format!("/admin/lists/{id}"), "saved"))
}

pub async fn list_delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    _form: FormData,
) -> Result<Response> {
    own_list(&state, &admin, id).await?;
    let mut tx = state.store.begin().await?;
    lists::delete(&mut tx, id).await?;
    tx.commit().await?;
    state.refresh().await?;
    Ok(see_other("/admin/lists", "deleted"))
}

pub async fn list_add(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    let list = own_list(&state, &admin, id).await?;
    let mut tx = state.store.begin().await?;
    match film_for(&mut tx, &form.text("film_title"), &form.text("film_year")).await? {
        Ok(film_id) => {
            lists::add_item(&mut tx, id, film_id, &form.text("note")).await?;
            tx.commit().await?;
            state.refresh().await?;
            Ok(see_other(&format!("/admin/lists/{id}"), "saved"))
        }
        Err(error) => list_page(&state, &admin, &list, Some(&form), vec![error], None).await,
    }
}

/// One film's change in a list: `move` up or down, `note`, or `remove`.
pub async fn list_item(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path((id, film_id)): Path<(i64, i64)>,
    form: FormData,
) -> Result<Response> {
    own_list(&state, &admin, id).await?;
    let mut tx = state.store.begin().await?;
    match form.text("do").as_str() {
        "up" | "down" => {
            let mut order = lists::order(&mut tx, id).await?;
            let Some(at) = order.iter().position(|f| *f == film_id) else { return Err(Error::not_found(&state)) };
            let to =
                if form.text("do") == "up" { at.checked_sub(1) } else { Some(at + 1).filter(|t| *t < order.len()) };
            if let Some(to) = to {
                order.swap(at, to);
                lists::reorder(&mut tx, id, &order).await?;
            }
        }
        "remove" => lists::remove_item(&mut tx, id, film_id).await?,
        _ => lists::set_note(&mut tx, id, film_id, &form.text("note")).await?,
    }
    tx.commit().await?;
    state.refresh().await?;
    Ok(see_other(&format!("/admin/lists/{id}#film-{film_id}"), "saved"))
}

/// The whole order at once, from dragging: `order` holds the film ids, comma-separated.
pub async fn list_order(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    own_list(&state, &admin, id).await?;
    let order: Vec<i64> = form.text("order").split(',').filter_map(|s| s.trim().parse().ok()).collect();
    let mut tx = state.store.begin().await?;
    match lists::reorder(&mut tx, id, &order).await {
        Ok(()) => {}
        Err(marquee_store::Error::Invalid(message)) => return Err(Error::BadRequest(message)),
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    state.refresh().await?;
    Ok(see_other(&format!("/admin/lists/{id}"), "saved"))
}

async fn watchlist_page(
    state: &AppState,
    admin: &Admin,
    typed: Option<&FormData>,
    errors: Vec<FieldError>,
    notice: Option<&'static str>,
) -> Result<Response> {
    let items = lists::watchlist(&state.store, admin.id()).await?;
    let public = users::by_slug(&state.store, &admin.session.user.slug).await?.is_some_and(|u| u.diary_public);
    let status = super::form_status(&errors);
    let page = WatchlistAdminPage {
        layout: AdminLayout::new(state, admin, "Watchlist", "watchlist").with_notice(notice),
        items: item_rows(&items),
        errors,
        film_title: typed.map(|f| f.text("film_title")).unwrap_or_default(),
        film_year: typed.map(|f| f.text("film_year")).unwrap_or_default(),
        public_url: public.then(|| format!("/writers/{}/watchlist", admin.session.user.slug)),
    };
    render_status(status, &page)
}

pub async fn watchlist_index(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    watchlist_page(&state, &admin, None, Vec::new(), notice(uri.query())).await
}

pub async fn watchlist_add(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    let mut tx = state.store.begin().await?;
    match film_for(&mut tx, &form.text("film_title"), &form.text("film_year")).await? {
        Ok(film_id) => {
            lists::watchlist_add(&mut tx, admin.id(), film_id).await?;
            tx.commit().await?;
            state.refresh().await?;
            Ok(see_other("/admin/watchlist", "saved"))
        }
        Err(error) => watchlist_page(&state, &admin, Some(&form), vec![error], None).await,
    }
}

pub async fn watchlist_remove(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(film_id): Path<i64>,
    _form: FormData,
) -> Result<Response> {
    let mut tx = state.store.begin().await?;
    lists::watchlist_remove(&mut tx, admin.id(), film_id).await?;
    tx.commit().await?;
    state.refresh().await?;
    Ok(see_other("/admin/watchlist", "deleted"))
}
