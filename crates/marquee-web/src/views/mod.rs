//! View structs: what each template prints, built by handlers from store data. Templates
//! escape everything they print except `SafeHtml` (sanitized Markdown, JSON-LD).
//!
//! `parts` holds what many pages print alike; `public`, `cinephile`, `search` and `admin` the
//! pages of each part of the site; `structured` the JSON-LD for search engines.

pub mod admin;
pub mod cinephile;
pub mod parts;
pub mod public;
pub mod search;
pub mod structured;

pub use parts::*;
pub use public::*;
