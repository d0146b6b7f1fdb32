//! Errors as RFC 9457 problems (`application/problem+json`), with the same status mapping as
//! the HTML error pages (`crate::error`).

use crate::error::Error;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use marquee_changes::{ChangeError, Problem as FieldError};
use serde::Serialize;
use utoipa::ToSchema;

/// An error, as RFC 9457 describes: a status, a title, what went wrong, and for refused fields,
/// each field with what to fix.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status says what kind of problem this is.
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The fields that were refused, when the request's content was.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field's name in the request.
    pub field: String,
    pub detail: String,
}

impl Problem {
    pub(super) fn new(status: StatusCode, detail: &str) -> Problem {
        Problem {
            kind: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    pub(super) fn fields(errors: Vec<FieldError>) -> Problem {
        let mut problem = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "Some fields need fixing.");
        problem.errors =
            errors.into_iter().map(|e| FieldProblem { field: api_field(e.field).into(), detail: e.message }).collect();
        problem
    }
}

/// The API's name for an editor field.
pub(super) fn api_field(field: &str) -> &str {
    match field {
        "film_title" => "film.title",
        "film_year" => "film.year",
        "film_runtime" => "film.runtime_minutes",
        "verdict_override" => "verdict",
        "rating" => "rating",
        other => other,
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, [(header::CONTENT_TYPE, "application/problem+json")], body).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

/// Errors answer with the same status as the site's pages (`Error::status`), in problem+json.
impl From<Error> for Problem {
    fn from(error: Error) -> Problem {
        error.log();
        let status = error.status();
        match error {
            Error::Invalid(problems) => Problem::fields(problems),
            Error::Forbidden => Problem::new(status, "This token's user may not do that."),
            Error::TooLarge(limit) => Problem::new(status, &format!("The body is over {limit} bytes.")),
            other => Problem::new(status, &other.message()),
        }
    }
}

impl From<ChangeError> for Problem {
    fn from(error: ChangeError) -> Problem {
        Problem::from(Error::from(error))
    }
}

impl From<marquee_store::Error> for Problem {
    fn from(error: marquee_store::Error) -> Problem {
        Problem::from(Error::Store(error))
    }
}

impl From<QueryRejection> for Problem {
    fn from(rejection: QueryRejection) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, &format!("The query string was refused: {}", rejection.body_text()))
    }
}

impl From<PathRejection> for Problem {
    fn from(rejection: PathRejection) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, &format!("No such resource: {}", rejection.body_text()))
    }
}

impl From<JsonRejection> for Problem {
    fn from(rejection: JsonRejection) -> Problem {
        let status = match rejection {
            _ if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => StatusCode::PAYLOAD_TOO_LARGE,
            JsonRejection::MissingJsonContentType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            JsonRejection::JsonDataError(_) => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::BAD_REQUEST,
        };
        Problem::new(status, &format!("The JSON body was refused: {}", rejection.body_text()))
    }
}

pub(super) type ApiResult<T> = Result<T, Problem>;

pub(super) fn not_found(what: &str) -> Problem {
    Problem::new(StatusCode::NOT_FOUND, &format!("No published {what} has this slug."))
}
