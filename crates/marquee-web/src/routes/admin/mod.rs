//! The admin area under `/admin`: sign-in and accounts (`session`), the review editor with its
//! revisions (`reviews`), the media library (`media`), films and people (`catalogue`), and the
//! owner's settings, users and activity log (`site`). Every request passes `auth::admin_guard`.

mod catalogue;
pub(crate) mod cinephile;
pub(crate) mod imports;
mod media;
pub(crate) mod reviews;
mod session;
mod site;
mod tokens;

use crate::auth::{admin_guard, Admin};
use crate::error::Result;
use crate::state::AppState;
use crate::views::admin::*;
use askama::Template;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, StatusCode};
use axum::middleware;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use marquee_core::ReviewStatus;
use marquee_store::revisions::{self, ListedReview};
use std::sync::Arc;

pub fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin", get(dashboard))
        .route("/admin/login", get(session::login_page).post(session::login))
        .route("/admin/logout", post(session::logout))
        .route("/admin/setup", get(session::setup_page).post(session::setup))
        .route("/admin/account", get(session::account_page).post(session::account_save))
        .route("/admin/account/password", post(session::change_password))
        .route("/admin/account/tokens", get(tokens::index).post(tokens::create))
        .route("/admin/account/tokens/{id}/revoke", post(tokens::revoke))
        .route("/admin/reviews", get(reviews::list))
        .route("/admin/reviews/new", get(reviews::new_page).post(reviews::create))
        .route("/admin/reviews/{id}", get(reviews::edit_page).post(reviews::save))
        .route("/admin/reviews/{id}/delete", get(reviews::delete_page).post(reviews::delete))
        .route("/admin/reviews/{id}/revisions", get(reviews::revisions_page))
        .route("/admin/reviews/{id}/revisions/{revision}/restore", post(reviews::restore))
        .route("/admin/preview", post(reviews::preview))
        .route("/admin/films", get(catalogue::films))
        .route("/admin/films/suggest", get(catalogue::suggest))
        .route("/admin/films/{id}", get(catalogue::film_page).post(catalogue::film_save))
        .route("/admin/people", get(catalogue::people))
        .route("/admin/people/{id}", get(catalogue::person_page).post(catalogue::person_save))
        .route("/admin/people/{id}/merge", post(catalogue::merge))
        .route("/admin/media", get(media::library).post(media::upload))
        .route("/admin/media/{id}", post(media::update_alt))
        .route("/admin/settings", get(site::settings_page).post(site::settings_save))
        .route("/admin/users", get(site::users_page).post(site::user_add))
        .route("/admin/users/{id}", post(site::user_update))
        .route("/admin/activity", get(site::activity))
        .route("/admin/diary", get(cinephile::diary_index).post(cinephile::diary_log))
        .route("/admin/diary/{id}", get(cinephile::diary_entry).post(cinephile::diary_update))
        .route("/admin/diary/{id}/delete", post(cinephile::diary_delete))
        .route("/admin/diary/{id}/promote", post(cinephile::diary_promote))
        .route("/admin/lists", get(cinephile::lists_index).post(cinephile::list_create))
        .route("/admin/lists/{id}", get(cinephile::list_edit).post(cinephile::list_update))
        .route("/admin/lists/{id}/delete", post(cinephile::list_delete))
        .route("/admin/lists/{id}/films", post(cinephile::list_add))
        .route("/admin/lists/{id}/films/{film}", post(cinephile::list_item))
        .route("/admin/lists/{id}/order", post(cinephile::list_order))
        .route("/admin/watchlist", get(cinephile::watchlist_index).post(cinephile::watchlist_add))
        .route("/admin/watchlist/{film}/remove", post(cinephile::watchlist_remove))
        .route(imports::UPLOAD_PATH, get(imports::index).post(imports::start))
        .route("/admin/import/{id}", get(imports::job_page))
        .route("/admin/import/{id}/status", get(imports::job_status))
        // The guard reads bodies itself, within its own limit.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(state, admin_guard))
}

const PAGE_SIZE: i64 = 25;

fn render(template: &impl Template) -> Result<Response> {
    Ok(Html(template.render()?).into_response())
}

fn render_status(status: StatusCode, template: &impl Template) -> Result<Response> {
    Ok((status, Html(template.render()?)).into_response())
}

/// A form page's status: 422 while it shows problems to fix, 200 otherwise.
fn form_status(errors: &[FieldError]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// After a successful POST: back to a page, with a notice it shows once.
fn see_other(path: &str, notice: &str) -> Response {
    let (path, fragment) = match path.split_once('#') {
        Some((path, fragment)) => (path, format!("#{fragment}")),
        None => (path, String::new()),
    };
    let separator = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{separator}notice={notice}{fragment}")).into_response()
}

/// The fixed notices a redirect can ask for (never text from the query string itself).
fn notice(query: Option<&str>) -> Option<&'static str> {
    let key = query?.split('&').find_map(|pair| pair.strip_prefix("notice="))?;
    Some(match key {
        "saved" => "Saved.",
        "created" => "Created.",
        "submitted" => "Submitted for review. An editor will publish it.",
        "withdrawn" => "Withdrawn: the review is a draft again.",
        "published" => "Published.",
        "scheduled" => "Scheduled: it publishes itself at the time set.",
        "unpublished" => "Unpublished: the review is a draft again and no longer public.",
        "deleted" => "Deleted.",
        "restored" => "Restored as a new revision.",
        "uploaded" => "Uploaded.",
        "started" => "Started. You can leave this page; the import goes on.",
        "merged" => "Merged: the credits moved to this person.",
        "password" => "Password changed. Your other sessions were signed out.",
        "signed-out" => "Signed out.",
        "logged" => "Logged in your diary.",
        "revoked" => "Revoked: the token no longer works.",
        _ => return None,
    })
}

/// A `?page=N` (1 when absent or not a page number) and the offset it starts at.
fn page_of(query: Option<&str>) -> (i64, i64) {
    let page = query
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("page=")))
        .and_then(marquee_core::PageNumber::parse)
        .unwrap_or_default();
    (page.get(), page.offset(PAGE_SIZE))
}

/// A query parameter's decoded value.
fn query_value(query: Option<&str>, name: &str) -> String {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim().to_string())
        .unwrap_or_default()
}

fn pager(base: &str, page: i64, total: i64) -> Pager {
    let pages = marquee_core::PageNumber::count(total, PAGE_SIZE).max(1);
    let separator = if base.contains('?') { '&' } else { '?' };
    Pager {
        previous: (page > 1).then(|| format!("{base}{separator}page={}", page - 1)),
        next: (page < pages).then(|| format!("{base}{separator}page={}", page + 1)),
        summary: format!("Page {page} of {pages} ({total} in all)"),
    }
}

fn review_row(review: &ListedReview) -> ReviewRow {
    ReviewRow {
        edit_url: format!("/admin/reviews/{}", review.id),
        film: match review.film_year {
            Some(year) => format!("{} ({year})", review.film_title),
            None => review.film_title.clone(),
        },
        headline: review.headline.clone().unwrap_or_default(),
        author: review.author_name.clone().unwrap_or_else(|| "—".into()),
        status: review.status.label(),
        status_key: review.status.as_str(),
        score: review.score.map(|s| s.to_string()).unwrap_or_default(),
        updated: admin_time(review.updated_at),
    }
}

async fn dashboard(State(state): State<Arc<AppState>>, admin: Admin, uri: axum::http::Uri) -> Result<Response> {
    let counts = revisions::counts(&state.store).await?;
    let mine = (admin.session.user.role == marquee_core::Role::Writer).then_some(admin.id());
    let (recent, _) = revisions::list(&state.store, None, mine, 10, 0).await?;
    let page = DashboardPage {
        layout: AdminLayout::new(&state, &admin, "Dashboard", "dashboard").with_notice(notice(uri.query())),
        counts: counts
            .iter()
            .map(|(status, n)| (status.label(), *n, format!("/admin/reviews?status={}", status.as_str())))
            .collect(),
        recent: recent.iter().map(review_row).collect(),
    };
    render(&page)
}

/// The `status` filter of the reviews list.
fn status_param(query: Option<&str>) -> Option<ReviewStatus> {
    query_value(query, "status").parse().ok()
}

/// JSON for the editor's script.
fn json(value: &impl serde::Serialize) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], serde_json::to_string(value).unwrap_or_else(|_| "[]".into()))
        .into_response()
}
