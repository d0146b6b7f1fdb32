//! What several resources return: short references to films, writers and people, dates, and
//! whole numbers as JSON may write them.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct FilmRef {
    pub slug: String,
    pub title: String,
    pub year: Option<i32>,
    /// The film's public page, when it has one.
    pub url: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WriterRef {
    pub slug: String,
    pub name: String,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct PersonRef {
    pub slug: String,
    pub name: String,
    pub url: String,
    /// The part played, for cast members.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub character: Option<String>,
}

pub(super) fn rfc3339(unix: i64) -> Option<String> {
    crate::views::DateView::from_unix(unix).map(|d| d.iso)
}

/// A whole number as JSON may write it: `2016` or `2016.0`.
pub(super) fn whole<'de, D: serde::Deserializer<'de>, T: TryFrom<i64>>(deserializer: D) -> Result<Option<T>, D::Error> {
    let number: Option<f64> = Option::deserialize(deserializer)?;
    match number {
        None => Ok(None),
        Some(n) if n.fract() == 0.0 && n.abs() <= 9_007_199_254_740_991.0 => {
            T::try_from(n as i64).map(Some).map_err(|_| serde::de::Error::custom(format!("{n} is out of range")))
        }
        Some(n) => Err(serde::de::Error::custom(format!("{n} is not a whole number"))),
    }
}
