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

fn unavailable() -> Response {
    let html = ErrorPage { message: "The site is briefly unavailable. Please try again in a moment." }
        .render()
        .unwrap_or_else(|_| "Service unavailable".into());
    (StatusCode::SERVICE_UNAVAILABLE, [("retry-after", "5")], Html(html)).into_response()
}
