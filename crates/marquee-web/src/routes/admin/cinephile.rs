//! The cinephile's admin: quick logging to the diary (and editing, deleting, promoting an
//! entry's short review to a full review), lists (films with notes, reordered by dragging or
//! with up and down buttons), and the watchlist. Each belongs to one user: only they change it.

use super::pages::{notice, render, render_status, see_other};
use crate::auth::{Admin, FormData};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use marquee_changes::catalogue::FilmName;
use marquee_changes::diary::{self, EntryDraft};
use marquee_changes::lists::{self as changes_lists, ListDraft, Move};
use marquee_changes::{ChangeError, Problems};
use marquee_core::diary::{from_half_stars, half_stars, stars, stars_label};
use marquee_core::{list_of, Day, Title, Year};
use marquee_store::diary::Entry;
use marquee_store::{lists, users};
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

/// The film a form names by its `film_title` and `film_year`.
fn film_name(form: &FormData, problems: &mut Problems) -> Option<FilmName> {
    let title = problems.keep("film_title", Title::parse(&form.text("film_title"), "the film's title"));
    let year = problems.keep("film_year", Year::parse_optional(&form.text("film_year")));
    Some(FilmName { title: title?, year: year? })
}

/// A diary entry as its form sends it, typed: a problem for each field to fix.
fn entry_draft(form: &FormData, problems: &mut Problems) -> Option<EntryDraft> {
    let film = film_name(form, problems);
    let watched_on = problems.keep("watched_on", Day::parse(&form.text("watched_on")));
    let rating = match form.text("rating").as_str() {
        "" => Some(None),
        text => match text.parse::<u8>().ok().and_then(from_half_stars) {
            Some(rating) => Some(Some(rating)),
            None => {
                problems.add("rating", "Choose a rating from half a star to five stars.");
                None
            }
        },
    };
    Some(EntryDraft {
        film: film?,
        watched_on: watched_on?,
        rating: rating?,
        rewatch: form.checked("rewatch"),
        liked: form.checked("liked"),
        tags: list_of(&form.text("tags"), ','),
        review_text: form.raw("review_text").trim().replace("\r\n", "\n"),
    })
}

/// The draft, or the problems found typing it.
fn checked<T>(draft: Option<T>, problems: Problems) -> Result<T, ChangeError> {
    match draft {
        Some(draft) if problems.is_empty() => Ok(draft),
        _ => Err(ChangeError::Invalid(problems.into_vec())),
    }
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

async fn diary_page(
    state: &AppState,
    admin: &Admin,
    fields: DiaryFields,
    errors: Vec<FieldError>,
    notice: Option<&'static str>,
) -> Result<Response> {
    let entries = marquee_store::diary::recent(&state.store, admin.id(), 50).await?;
    let public = users::by_slug(&state.store, &admin.session.user.slug).await?.is_some_and(|u| u.diary_public);
    let status = super::pages::form_status(&errors);
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
    let mut problems = Problems::default();
    let draft = checked(entry_draft(&form, &mut problems), problems);
    let leave_watchlist = form.checked("leave_watchlist");
    let logged = match draft {
        Ok(draft) => diary::log(&state.desk, &admin.member(), &draft, leave_watchlist).await,
        Err(e) => Err(e),
    };
    match logged {
        Ok(_) => Ok(see_other("/admin/diary", "logged")),
        Err(ChangeError::Invalid(errors)) => diary_page(&state, &admin, diary_fields(&form), errors, None).await,
        Err(e) => Err(e.into()),
    }
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
    let entry = diary::own_entry(&state.desk, &admin.member(), id).await?;
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
    let member = admin.member();
    let entry = diary::own_entry(&state.desk, &member, id).await?;
    let mut problems = Problems::default();
    let edited = match checked(entry_draft(&form, &mut problems), problems) {
        Ok(draft) => diary::edit(&state.desk, &member, id, &draft).await,
        Err(e) => Err(e),
    };
    match edited {
        Ok(()) => Ok(see_other(&format!("/admin/diary/{id}"), "saved")),
        Err(ChangeError::Invalid(errors)) => {
            let page = entry_page(&state, &admin, &entry, diary_fields(&form), errors);
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn diary_delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    _form: FormData,
) -> Result<Response> {
    diary::delete(&state.desk, &admin.member(), id).await?;
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
    let review_id = marquee_changes::reviews::promote(&state.desk, &admin.member(), id).await?;
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
    let status = super::pages::form_status(&errors);
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

/// A list's form, typed: its title (which must name it), description and settings.
fn list_draft(form: &FormData, problems: &mut Problems) -> Option<ListDraft> {
    let title = problems.keep("title", Title::parse(&form.text("title"), "the list's title"))?;
    Some(ListDraft {
        title,
        description: form.raw("description").trim().to_string(),
        ranked: form.checked("ranked"),
        published: form.checked("published"),
    })
}

pub async fn list_create(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    let mut problems = Problems::default();
    let created = match checked(list_draft(&form, &mut problems), problems) {
        // A new list starts empty and private, whatever the form says.
        Ok(draft) => {
            let draft = ListDraft { description: String::new(), published: false, ..draft };
            changes_lists::create(&state.desk, &admin.member(), &draft).await
        }
        Err(e) => Err(e),
    };
    match created {
        Ok(id) => Ok(see_other(&format!("/admin/lists/{id}"), "created")),
        Err(ChangeError::Invalid(errors)) => lists_page(&state, &admin, form.text("title"), errors, None).await,
        Err(e) => Err(e.into()),
    }
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
    let status = super::pages::form_status(&errors);
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
    let list = changes_lists::own_list(&state.desk, &admin.member(), id).await?;
    list_page(&state, &admin, &list, None, Vec::new(), notice(uri.query())).await
}

pub async fn list_update(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    let member = admin.member();
    let list = changes_lists::own_list(&state.desk, &member, id).await?;
    let mut problems = Problems::default();
    let updated = match checked(list_draft(&form, &mut problems), problems) {
        Ok(draft) => changes_lists::edit(&state.desk, &member, id, &draft).await,
        Err(e) => Err(e),
    };
    match updated {
        Ok(()) => Ok(see_other(&format!("/admin/lists/{id}"), "saved")),
        Err(ChangeError::Invalid(errors)) => list_page(&state, &admin, &list, None, errors, None).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn list_delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    _form: FormData,
) -> Result<Response> {
    changes_lists::delete(&state.desk, &admin.member(), id).await?;
    Ok(see_other("/admin/lists", "deleted"))
}

pub async fn list_add(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    let member = admin.member();
    let list = changes_lists::own_list(&state.desk, &member, id).await?;
    let mut problems = Problems::default();
    let added = match checked(film_name(&form, &mut problems), problems) {
        Ok(film) => changes_lists::add_film(&state.desk, &member, id, &film, &form.text("note")).await,
        Err(e) => Err(e),
    };
    match added {
        Ok(()) => Ok(see_other(&format!("/admin/lists/{id}"), "saved")),
        Err(ChangeError::Invalid(errors)) => list_page(&state, &admin, &list, Some(&form), errors, None).await,
        Err(e) => Err(e.into()),
    }
}

/// One film's change in a list: `move` up or down, `note`, or `remove`.
pub async fn list_item(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path((id, film_id)): Path<(i64, i64)>,
    form: FormData,
) -> Result<Response> {
    let (desk, member) = (&state.desk, admin.member());
    match form.text("do").as_str() {
        "up" => changes_lists::move_film(desk, &member, id, film_id, Move::Up).await?,
        "down" => changes_lists::move_film(desk, &member, id, film_id, Move::Down).await?,
        "remove" => changes_lists::remove_film(desk, &member, id, film_id).await?,
        _ => changes_lists::set_note(desk, &member, id, film_id, &form.text("note")).await?,
    }
    Ok(see_other(&format!("/admin/lists/{id}#film-{film_id}"), "saved"))
}

/// The whole order at once, from dragging: `order` holds the film ids, comma-separated.
pub async fn list_order(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    let order: Vec<i64> = form.text("order").split(',').filter_map(|s| s.trim().parse().ok()).collect();
    match changes_lists::reorder(&state.desk, &admin.member(), id, &order).await {
        Ok(()) => Ok(see_other(&format!("/admin/lists/{id}"), "saved")),
        Err(ChangeError::Invalid(problems)) => {
            Err(Error::BadRequest(problems.into_iter().map(|p| p.message).collect::<Vec<_>>().join(" ")))
        }
        Err(e) => Err(e.into()),
    }
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
    let status = super::pages::form_status(&errors);
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
    let mut problems = Problems::default();
    let added = match checked(film_name(&form, &mut problems), problems) {
        Ok(film) => changes_lists::watch_later(&state.desk, &admin.member(), &film).await,
        Err(e) => Err(e),
    };
    match added {
        Ok(()) => Ok(see_other("/admin/watchlist", "saved")),
        Err(ChangeError::Invalid(errors)) => watchlist_page(&state, &admin, Some(&form), errors, None).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn watchlist_remove(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(film_id): Path<i64>,
    _form: FormData,
) -> Result<Response> {
    changes_lists::unwatch_later(&state.desk, &admin.member(), film_id).await?;
    Ok(see_other("/admin/watchlist", "deleted"))
}
