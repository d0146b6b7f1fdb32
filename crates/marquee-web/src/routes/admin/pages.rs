//! What the admin's handlers share: rendering a page, form statuses, redirects with a notice,
//! paging, query values, and the rows of the reviews list.

use crate::error::Result;
use crate::views::admin::*;
use askama::Template;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use marquee_core::ReviewStatus;
use marquee_store::revisions::ListedReview;

pub(super) const PAGE_SIZE: i64 = 25;

pub(super) fn render(template: &impl Template) -> Result<Response> {
    Ok(Html(template.render()?).into_response())
}

pub(super) fn render_status(status: StatusCode, template: &impl Template) -> Result<Response> {
    Ok((status, Html(template.render()?)).into_response())
}

/// A form page's status: 422 while it shows problems to fix, 200 otherwise.
pub(super) fn form_status(errors: &[FieldError]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// After a successful POST: back to a page, with a notice it shows once.
pub(super) fn see_other(path: &str, notice: &str) -> Response {
    let (path, fragment) = match path.split_once('#') {
        Some((path, fragment)) => (path, format!("#{fragment}")),
        None => (path, String::new()),
    };
    let separator = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{separator}notice={notice}{fragment}")).into_response()
}

/// The fixed notices a redirect can ask for (never text from the query string itself).
pub(super) fn notice(query: Option<&str>) -> Option<&'static str> {
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
        "changed-meanwhile" => "Not restored: someone saved meanwhile. Look again, then restore.",
        "uploaded" => "Uploaded.",
        "started" => "Started. You can leave this page; the import goes on.",
        "merged" => "Merged: the credits moved to this person.",
        "password" => "Password changed. Your other sessions were signed out.",
        "signed-out" => "Signed out.",
        "logged" => "Logged in your diary.",
        "revoked" => "Revoked: the token no longer works.",
        "approved" => "Approved: the reply shows under its review.",
        "rejected" => "Rejected: the reply will not show.",
        "blocked" => "Blocked: nothing from there is taken, and what came from there is removed.",
        "unblocked" => "Unblocked.",
        "removed" => "Removed: they are sent nothing more.",
        "following" => "Followed: their new posts arrive under Following once their server accepts.",
        "unfollowed" => "Unfollowed.",
        "liked" => "Liked.",
        "replied" => "Replied: the reply is on its way to them.",
        _ => return None,
    })
}

/// A `?page=N` (1 when absent or not a page number) and the offset it starts at.
pub(super) fn page_of(query: Option<&str>) -> (i64, i64) {
    let page = query
        .and_then(|q| q.split('&').find_map(|pair| pair.strip_prefix("page=")))
        .and_then(marquee_core::PageNumber::parse)
        .unwrap_or_default();
    (page.get(), page.offset(PAGE_SIZE))
}

/// A query parameter's decoded value.
pub(super) fn query_value(query: Option<&str>, name: &str) -> String {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim().to_string())
        .unwrap_or_default()
}

pub(super) fn pager(base: &str, page: i64, total: i64) -> Pager {
    let pages = marquee_core::PageNumber::count(total, PAGE_SIZE).max(1);
    let separator = if base.contains('?') { '&' } else { '?' };
    Pager {
        previous: (page > 1).then(|| format!("{base}{separator}page={}", page - 1)),
        next: (page < pages).then(|| format!("{base}{separator}page={}", page + 1)),
        summary: format!("Page {page} of {pages} ({total} in all)"),
    }
}

pub(super) fn review_row(review: &ListedReview) -> ReviewRow {
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

/// The `status` filter of the reviews list.
pub(super) fn status_param(query: Option<&str>) -> Option<ReviewStatus> {
    query_value(query, "status").parse().ok()
}

/// JSON for the editor's script.
pub(super) fn json(value: &impl serde::Serialize) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], serde_json::to_string(value).unwrap_or_else(|_| "[]".into()))
        .into_response()
}
