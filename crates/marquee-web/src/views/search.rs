//! What the search page prints.

use super::parts::{CardView, Layout, Pagination};
use askama::Template;
use marquee_core::SafeHtml;

pub enum SearchResult {
    /// A review, or an article (`article`), as a card with the matching words.
    Review {
        card: Box<CardView>,
        snippet: SafeHtml,
        article: bool,
    },
    Film {
        href: Option<String>,
        label: String,
    },
    Person {
        href: Option<String>,
        name: String,
        credits: i64,
    },
}

#[derive(Template)]
#[template(path = "search.html")]
pub struct SearchPage {
    pub layout: Layout,
    pub query: String,
    pub total: i64,
    pub corrected: Option<String>,
    pub results: Vec<SearchResult>,
    pub pagination: Option<Pagination>,
    pub year: String,
    pub genre: String,
    pub band: String,
    pub person: String,
    pub genres: Vec<(String, String)>,
    pub bands: Vec<(String, String)>,
    pub decades: Vec<String>,
}
