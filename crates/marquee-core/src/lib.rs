//! Marquee's domain: the types every other crate speaks (scores, verdict bands, slugs, review status)
//! and the pure logic behind a review page (Markdown to sanitized HTML, reading time, related reviews).
//! No I/O, no async, no SQL.
#![forbid(unsafe_code)]

pub mod diary;
pub mod html;
pub mod image;
pub mod lifecycle;
pub mod markdown;
pub mod page;
pub mod permissions;
pub mod post;
pub mod related;
pub mod score;
pub mod search;
pub mod slug;
pub mod status;
pub mod values;

pub use html::SafeHtml;
pub use image::StoredImage;
pub use page::PageNumber;
pub use permissions::{Action, Actor, ReviewAccess};
pub use post::PostKind;
pub use score::{Score, ScoreError, VerdictBand, VerdictBands, VerdictBandsError};
pub use slug::{Slug, SlugError};
pub use status::{ReviewStatus, Role};
pub use values::{list_of, Colour, Day, Department, Email, ImdbId, Runtime, Title, ValueError, Year};

/// Words a reader reads per minute; the convention Hugo uses.
pub const WORDS_PER_MINUTE: usize = 213;

/// Minutes a reader needs for `words` words: rounded up, never less than one.
pub fn reading_minutes(words: usize) -> usize {
    words.div_ceil(WORDS_PER_MINUTE).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_time_rounds_up_and_is_at_least_one_minute() {
        assert_eq!(reading_minutes(0), 1);
        assert_eq!(reading_minutes(1), 1);
        assert_eq!(reading_minutes(213), 1);
        assert_eq!(reading_minutes(214), 2);
        assert_eq!(reading_minutes(1065), 5);
        assert_eq!(reading_minutes(1066), 6);
    }
}
