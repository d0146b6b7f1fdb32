//! The web layer's one error type: what went wrong, and the HTTP status each case answers with.
//! Pages render it as a short status page (details go to the log, not to the reader); the API
//! renders the same status as problem+json (`routes::api::Problem`). An error only marks its
//! answer with a `StatusPage`; the page itself is drawn at the edge (`edge::finish`), where
//! the site's settings are at hand.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use marquee_changes::ChangeError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("not found")]
    NotFound,
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
    /// Fields to fix (a change refused), each with what to do about it.
    #[error("{}", .0.iter().map(|p| format!("{}: {}", p.field, p.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<marquee_changes::Problem>),
    /// Someone saved first: the thing is at this revision now.
    #[error("changed meanwhile: now at revision {0}")]
    Conflict(i64),
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Error {
        Error::Store(marquee_store::Error::Database(e))
    }
}

impl From<ChangeError> for Error {
    fn from(e: ChangeError) -> Error {
        match e {
            ChangeError::NotFound => Error::NotFound,
            ChangeError::Forbidden => Error::Forbidden,
            ChangeError::Invalid(problems) => Error::Invalid(problems),
            ChangeError::Taken(problem) => Error::Invalid(vec![problem]),
            ChangeError::Conflict { current_revision } => Error::Conflict(current_revision),
            ChangeError::Store(e) => Error::Store(e),
            ChangeError::Media(message) | ChangeError::Internal(message) => Error::Internal(message),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Marks an answer for the edge to give it a page: the site's 404 page, or a short page saying
/// what went wrong (the body is that sentence in plain text until then).
#[derive(Clone, Debug)]
pub enum StatusPage {
    NotFound,
    Message(String),
}

impl Error {
    /// The status this error answers with, the same for pages and the API.
    pub fn status(&self) -> StatusCode {
        match self {
            Error::NotFound => StatusCode::NOT_FOUND,
            Error::Forbidden | Error::Csrf => StatusCode::FORBIDDEN,
            Error::SignIn(_) => StatusCode::SEE_OTHER,
            Error::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::Timeout => StatusCode::REQUEST_TIMEOUT,
            Error::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Conflict(_) => StatusCode::CONFLICT,
            Error::Store(marquee_store::Error::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_),
            )) => StatusCode::SERVICE_UNAVAILABLE,
            Error::Store(_) | Error::Template(_) | Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What to tell the reader, in a sentence (never internal details, which go to the log).
    pub fn message(&self) -> String {
        match self {
            Error::NotFound => "Nothing is published at this address.".into(),
            Error::Forbidden => "You do not have permission to do that.".into(),
            Error::Csrf => {
                "This form has expired or was sent from another site. Go back, reload the page and try again.".into()
            }
            Error::SignIn(_) => "Sign in first.".into(),
            Error::TooLarge(limit) => {
                let limit = if *limit >= 1024 * 1024 {
                    format!("{} MB", limit / (1024 * 1024))
                } else {
                    format!("{} KB", limit / 1024)
                };
                format!("The request is too large: the limit is {limit}.")
            }
            Error::Timeout => "The request stopped arriving before it was complete. Please try again.".into(),
            Error::Busy(_) => "The site is busy with other requests. Please try again in a moment.".into(),
            Error::BadRequest(message) => message.clone(),
            Error::Invalid(problems) => problems.iter().map(|p| p.message.clone()).collect::<Vec<_>>().join(" "),
            Error::Conflict(revision) => {
                format!("This was saved by someone else meanwhile: it is at revision {revision} now.")
            }
            Error::Store(marquee_store::Error::Database(
                sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Io(_),
            )) => "The site is briefly unavailable. Please try again in a moment.".into(),
            Error::Store(_) | Error::Template(_) | Error::Internal(_) => {
                "Something went wrong on our side. Please try again in a moment.".into()
            }
        }
    }

    /// Logs what the reader is not told: the details of a failure on our side.
    pub fn log(&self) {
        match self.status() {
            StatusCode::INTERNAL_SERVER_ERROR => tracing::error!(error = %self, "request failed"),
            StatusCode::SERVICE_UNAVAILABLE if matches!(self, Error::Store(_)) => {
                tracing::error!(error = %self, "database unavailable")
            }
            _ => {}
        }
    }

    /// Seconds to wait before trying again, for the answers that say so.
    pub fn retry_after(&self) -> Option<u64> {
        match self {
            Error::Busy(seconds) => Some(*seconds),
            Error::Store(_) if self.status() == StatusCode::SERVICE_UNAVAILABLE => Some(5),
            _ => None,
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        self.log();
        let status = self.status();
        let mut response = match &self {
            Error::SignIn(next) => {
                let location = format!(
                    "/admin/login?next={}",
                    form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                return (status, [(axum::http::header::LOCATION, location)]).into_response();
            }
            Error::NotFound => {
                let mut response = (status, "Not found").into_response();
                response.extensions_mut().insert(StatusPage::NotFound);
                return response;
            }
            _ => {
                let message = self.message();
                let mut response = (status, message.clone()).into_response();
                response.extensions_mut().insert(StatusPage::Message(message));
                response
            }
        };
        if let Some(seconds) = self.retry_after() {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}
