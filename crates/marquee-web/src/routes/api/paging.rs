//! Pages of a list: opaque cursors, `limit`, and the cursor after a page.

use super::problem::*;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

/// A page's position: two numbers (what the list is ordered by, and an id to break ties),
/// written as 32 hex digits. Clients pass back what they were given; every value of that shape
/// names a position, so none is refused.
pub(super) fn encode_cursor(first: i64, second: i64) -> String {
    format!("{:016x}{:016x}", first.max(0), second.max(0))
}

pub(super) fn decode_cursor(cursor: Option<&str>) -> ApiResult<Option<(i64, i64)>> {
    let Some(cursor) = cursor else { return Ok(None) };
    let bad = || Problem::new(StatusCode::BAD_REQUEST, "cursor must be the next_cursor of a previous page.");
    if cursor.len() != 32 || !cursor.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(bad());
    }
    let half = |text: &str| u64::from_str_radix(text, 16).map(|n| n.min(i64::MAX as u64) as i64).map_err(|_| bad());
    Ok(Some((half(&cursor[..16])?, half(&cursor[16..])?)))
}

/// The id after which an id-ordered page starts.
pub(super) fn after_id(cursor: Option<&str>) -> ApiResult<i64> {
    Ok(decode_cursor(cursor)?.map(|(id, _)| id).unwrap_or(0))
}

/// How many items a page holds: 20 unless asked, at most 100.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Where to continue: the `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{32}$")]
    cursor: Option<String>,
    /// Items per page, 1 to 100 (20 when left out).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
}

impl PageParams {
    /// The cursor, when one was given.
    pub(super) fn cursor(&self) -> Option<&str> {
        self.cursor.as_deref()
    }

    pub(super) fn limit(&self) -> ApiResult<i64> {
        match self.limit {
            None => Ok(20),
            Some(limit) if (1..=100).contains(&limit) => Ok(limit),
            Some(_) => Err(Problem::new(StatusCode::BAD_REQUEST, "limit must be from 1 to 100.")),
        }
    }
}

/// Cuts the extra item a page query asked for, returning the cursor after the last one kept.
pub(super) fn next<T>(items: &mut Vec<T>, limit: i64, cursor: impl Fn(&T) -> String) -> Option<String> {
    if items.len() as i64 > limit {
        items.truncate(limit as usize);
        items.last().map(cursor)
    } else {
        None
    }
}
