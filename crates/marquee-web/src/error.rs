//! The web layer's one error type and how it becomes a response: a real 404 page, and a 500
//! page whose details go to the log, not to the reader.

use crate::state::AppState;
use crate::views::{ErrorPage, Layout, NotFoundPage};
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound(Box<Layout>),
    #[error(transparent)]
    Store(#[from] marquee_store::Error),
    #[error("template failed: {0}")]
    Template(#[from] askama::Error),
    /// Signed in, but the role does not allow it.
    #[error("forbidden")]
    Forbidden,
    /// A state-changing request without this site's CSRF token, or from another site.
    #[error("forged or expired form")]
    Csrf,
    /// Not signed in: to the login page, then back to this path.
    #[error("sign-in required")]
    SignIn(String),
    #[error("request body over {0} bytes")]
    TooLarge(usize),
    /// The client stopped sending the request's body.
    #[error("request body timed out")]
    Timeout,
    /// Too much at once: try again after this many seconds.
    #[error("busy; retry in {0} s")]
    Busy(u64),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        Error::Store(marquee_store::Error::Database(e))
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A 404 that renders in the site's layout.
    pub fn not_found(state: &AppState) -> Error {
        let mut layout = Layout::new(state, "Page not found", "/");
        layout.canonical = String::new();
        Error::NotFound(Box::new(layout))
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::NotFound(layout) => {
                let page = NotFoundPage { layout: *layout };
                match page.render() {
                    Ok(html) => (StatusCode::NOT_FOUND, Html(html)).into_response(),
                    Err(e) => {
                        tracing::error!(error = %e, "rendering the 404 page failed");
                        (StatusCode::NOT_FOUND, "Not found").into_response()
                    }
                }
            }
            Error::Forbidden => status_page(StatusCode::FORBIDDEN, "You do not have permission to do that."),
            Error::Csrf => status_page(
                StatusCode::FORBIDDEN,
                "This form has expired or was sent from another site. Go back, reload the page and try again.",
            ),
            Error::SignIn(next) => {
                let location = format!(
                    "/admin/login?next={}",
                    form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                (StatusCode::SEE_OTHER, [(axum::http::header::LOCATION, location)]).into_response()
            }
            Error::TooLarge(limit) => {
                let limit = if limit >= 1024 * 1024 {
                    format!("{} MB", limit / (1024 * 1024))
                } else {
                    format!("{} KB", limit / 1024)
                };
                status_page(StatusCode::PAYLOAD_TOO_LARGE, &format!("The request is too large: the limit is {limit}."))
            }
            Error::Timeout => status_page(
                StatusCode::REQUEST_TIMEOUT,
                "The request stopped arriving before it was complete. Please try again.",
            ),
            Error::Busy(seconds) => {
                let mut response = status_page(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "The site is busy with other requests. Please try again in a moment.",
                );
                response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
                response
            }
            Error::BadRequest(message) => status_page(StatusCode::BAD_REQUEST, &message),
            Error::Store(marquee_store::Error::Database(
                e @ (sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_)),
            )) => {
                tracing::error!(error = %e, "database unavailable");
                unavailable()
            }
            other => {
                tracing::error!(error = %other, "request failed");
                let html = ErrorPage { message: "Something went wrong on our side. Please try again in a moment." }
                    .render()
                    .unwrap_or_else(|_| "Internal error".into());
                (StatusCode::INTERNAL_SERVER_ERROR, Html(html)).into_response()
            }
        }
    }
}

fn status_page(status: StatusCode, message: &str) -> Response {
    let html = ErrorPage { message }.render().unwrap_or_else(|_| message.to_string());
    (status, Html(html)).into_response()
}

fn unavailable() -> Response {
    let html = ErrorPage { message: "The site is briefly unavailable. Please try again in a moment." }
        .render()
        .unwrap_or_else(|_| "Service unavailable".into());
    (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "5")], Html(html)).into_response()
}
