//! Search: `/search?q=` over reviews, films and people, ranked by the database's full-text
//! search, narrowed by year or decade, genre, score band or person, a page at a time, with the
//! matched words marked; a misspelt name is corrected. `/search/suggest?q=` feeds the header's
//! as-you-type suggestions. Not cached: every query differs.

use crate::error::{Error, Result};
use crate::query::PageQuery;
use crate::state::AppState;
use crate::views::search::*;
use crate::views::{CardView, Layout, Pagination};
use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use marquee_core::search::{correct, snippet, terms};
use marquee_core::PageNumber;
use marquee_store::search::{self, Hit, Kind, Narrowing};
use marquee_store::{films, people, reviews};
use std::sync::Arc;

const PER_PAGE: i64 = 20;

pub fn router() -> Router<Arc<AppState>> {
    Router::new().route("/search", get(search_page)).route("/search/suggest", get(suggest))
}

/// The longest query searched: longer ones are cut (at a character boundary).
const LONGEST_QUERY: usize = 200;

fn param(query: Option<&str>, name: &str) -> String {
    let value = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.trim().to_string())
        .unwrap_or_default();
    match value.char_indices().nth(LONGEST_QUERY) {
        Some((cut, _)) => value[..cut].to_string(),
        None => value,
    }
}

/// The narrowing the form asked for: `year` (a year, or a decade like `1990s`), `genre`,
/// `band` (a verdict band's slug) and `person` (a person's slug).
pub(crate) fn narrowing(state: &AppState, query: Option<&str>) -> Narrowing {
    let year = param(query, "year");
    let years = match year.strip_suffix('s').and_then(|d| d.parse::<i32>().ok()) {
        Some(decade) => Some((decade, decade + 9)),
        None => year.parse::<i32>().ok().map(|y| (y, y)),
    };
    let band = param(query, "band");
    let site = state.site();
    let score_tenths = site.bands.by_slug(&band).map(|(b, below)| (b.min.tenths(), below.map(|s| s.tenths())));
    let text = |name| Some(param(query, name)).filter(|v| !v.is_empty());
    Narrowing { years, genre_slug: text("genre"), score_tenths, person_slug: text("person") }
}

async fn search_page(State(state): State<Arc<AppState>>, query: PageQuery) -> Result<Html<String>> {
    let raw = query.0.as_deref();
    let q = param(raw, "q");
    let number = match param(raw, "page").as_str() {
        "" => PageNumber::FIRST,
        text => PageNumber::parse(text).ok_or(Error::NotFound)?,
    };
    let narrowing = narrowing(&state, raw);
    let Found { hits, total, words, corrected } =
        find_corrected(&state, &q, &narrowing, PER_PAGE, number.offset(PER_PAGE)).await?;
    let results = results(&state, &hits, &words).await?;
    let (page, pages) = (number.get(), PageNumber::count(total, PER_PAGE));
    let base = search_path(raw);
    let title = if q.is_empty() { "Search".to_string() } else { format!("Search: {q}") };
    let mut layout = Layout::new(&state, &title, "/search").describe("Search the reviews, films and people.");
    layout.canonical = String::new();
    let genres = state.genres().await?;
    let site = state.site();
    render(SearchPage {
        layout,
        query: q,
        total,
        corrected,
        results,
        pagination: Pagination::new(&base, page, pages),
        year: param(raw, "year"),
        genre: param(raw, "genre"),
        band: param(raw, "band"),
        person: param(raw, "person"),
        genres: genres.as_ref().clone(),
        bands: site.bands.bands().iter().map(|b| (b.slug(), b.label.clone())).collect(),
        decades: (1900..=2020).rev().step_by(10).map(|d| format!("{d}s")).collect(),
    })
}

/// A search's matches, and the words they matched.
pub(crate) struct Found {
    pub hits: Vec<Hit>,
    pub total: i64,
    pub words: Vec<String>,
    /// The query as corrected, when nothing matched as typed and a misspelt word was replaced.
    pub corrected: Option<String>,
}

/// One page of matches for `q`; when nothing matches, each word is corrected to the nearest
/// film-title or name word and the search runs again.
pub(crate) async fn find_corrected(
    state: &AppState,
    q: &str,
    narrowing: &Narrowing,
    limit: i64,
    offset: i64,
) -> Result<Found> {
    let words = terms(q);
    let (hits, total) = search::find(&state.store, &words, narrowing, limit, offset).await?;
    if total > 0 || words.is_empty() {
        return Ok(Found { hits, total, words, corrected: None });
    }
    let vocabulary = state.vocabulary().await?;
    let fixed: Vec<String> =
        words.iter().map(|w| correct(w, vocabulary.iter().map(String::as_str)).unwrap_or_else(|| w.clone())).collect();
    if fixed == words {
        return Ok(Found { hits, total, words, corrected: None });
    }
    let (hits, total) = search::find(&state.store, &fixed, narrowing, limit, offset).await?;
    Ok(Found { hits, total, corrected: Some(fixed.join(" ")), words: fixed })
}

fn render(page: impl Template) -> Result<Html<String>> {
    Ok(Html(page.render()?))
}

/// This search's address without its page number, for the pagination links.
fn search_path(query: Option<&str>) -> String {
    let kept: Vec<(String, String)> = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .filter(|(key, value)| key != "page" && !value.is_empty())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let encoded = form_urlencoded::Serializer::new(String::new()).extend_pairs(kept).finish();
    format!("/search?{encoded}")
}

/// The hits as the page shows them, in rank order (one query per kind).
pub(crate) async fn results(state: &AppState, hits: &[Hit], words: &[String]) -> Result<Vec<SearchResult>> {
    let ids = |kind| hits.iter().filter(|h| h.kind == kind).map(|h| h.id).collect::<Vec<_>>();
    let cards = reviews::published_by_ids(&state.store, &ids(Kind::Review)).await?;
    let texts = reviews::texts(&state.store, &ids(Kind::Review)).await?;
    let articles = marquee_store::posts::published_by_ids(&state.store, &ids(Kind::Article)).await?;
    let article_texts = marquee_store::posts::texts(&state.store, &ids(Kind::Article)).await?;
    let found_films = films::listed_by_ids(&state.store, &ids(Kind::Film)).await?;
    let found_people = people::listed_by_ids(&state.store, &ids(Kind::Person)).await?;
    let site = state.site();
    let mut results = Vec::new();
    for hit in hits {
        match hit.kind {
            Kind::Review => {
                if let Some(card) = cards.iter().find(|c| c.id == hit.id) {
                    let text = texts.get(&hit.id).map(String::as_str).unwrap_or("");
                    results.push(SearchResult::Review {
                        card: Box::new(CardView::new(&site, card)),
                        snippet: marquee_core::SafeHtml::from_stored(snippet(text, words, 30)),
                        article: false,
                    });
                }
            }
            Kind::Article => {
                if let Some(card) = articles.iter().find(|c| c.id == hit.id) {
                    let text = article_texts.get(&hit.id).map(String::as_str).unwrap_or("");
                    results.push(SearchResult::Review {
                        card: Box::new(CardView::of_article(card)),
                        snippet: marquee_core::SafeHtml::from_stored(snippet(text, words, 30)),
                        article: true,
                    });
                }
            }
            Kind::Film => {
                if let Some(film) = found_films.iter().find(|f| f.id == hit.id) {
                    let label = match film.year {
                        Some(year) => format!("{} ({year})", film.title),
                        None => film.title.clone(),
                    };
                    // Search finds only films with a public page.
                    results.push(SearchResult::Film { href: Some(format!("/films/{}", film.slug)), label });
                }
            }
            Kind::Person => {
                if let Some(person) = found_people.iter().find(|p| p.id == hit.id) {
                    results.push(SearchResult::Person {
                        // Search finds only people with a public page.
                        href: Some(format!("/people/{}", person.slug)),
                        name: person.name.clone(),
                        credits: person.credits,
                    });
                }
            }
        }
    }
    Ok(results)
}

/// Up to eight titles and names starting with what was typed, as JSON.
async fn suggest(State(state): State<Arc<AppState>>, query: PageQuery) -> Result<Response> {
    let words = terms(&param(query.0.as_deref(), "q"));
    let (hits, _) = search::find(&state.store, &words, &Narrowing::default(), 8, 0).await?;
    let results = results(&state, &hits, &words).await?;
    let labels: Vec<String> = results
        .iter()
        .map(|r| match r {
            SearchResult::Review { card, .. } => card.film_title.clone(),
            SearchResult::Film { label, .. } => label.clone(),
            SearchResult::Person { name, .. } => name.clone(),
        })
        .collect();
    let mut unique = Vec::new();
    for label in labels {
        if !unique.contains(&label) {
            unique.push(label);
        }
    }
    Ok(([(header::CONTENT_TYPE, "application/json")], serde_json::to_string(&unique).unwrap_or_default())
        .into_response())
}
