//! The query parameters the public pages share: `?page=N` of a list.

use marquee_core::PageNumber;

/// A `page` query parameter that is not one page number.
#[derive(Debug)]
pub struct BadPage;

/// The `?page=N` of a list: `Ok(None)` when absent, `Err` when not a page number (a 404).
pub fn page_param(query: Option<&str>) -> Result<Option<PageNumber>, BadPage> {
    let Some(query) = query else { return Ok(None) };
    let mut found = None;
    for pair in query.split('&') {
        if let Some(value) = pair.strip_prefix("page=") {
            if found.is_some() {
                return Err(BadPage);
            }
            found = Some(PageNumber::parse(value).ok_or(BadPage)?);
        }
    }
    Ok(found)
}

pub struct PageQuery(pub Option<String>);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PageQuery {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(PageQuery(parts.uri.query().map(str::to_string)))
    }
}
