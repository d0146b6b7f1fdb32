//! The cinephile's public pages: a writer's diary (by year and month), their year in review,
//! their watchlist, and published lists. Diaries and watchlists show only when their writer
//! made them public.

use crate::error::{Error, Result};
use crate::query::{page_param, BadPage, PageQuery};
use crate::state::AppState;
use crate::views::cinephile::*;
use crate::views::{Layout, Link, Pagination};
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use axum::routing::get;
use axum::Router;
use marquee_core::diary::{most_watched, Watch, YearSummary};
use marquee_store::users::User;
use marquee_store::{diary, lists, users};
use std::sync::Arc;

type AppResult = Result<Html<String>>;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/writers/{slug}/diary", get(diary_recent))
        .route("/writers/{slug}/diary/{year}", get(diary_year))
        .route("/writers/{slug}/diary/{year}/in-review", get(year_in_review))
        .route("/writers/{slug}/diary/{year}/{month}", get(diary_month))
        .route("/writers/{slug}/watchlist", get(watchlist))
        .route("/lists", get(lists_index))
        .route("/lists/{slug}", get(list_page))
}

fn render(page: impl Template) -> AppResult {
    Ok(Html(page.render()?))
}

/// The writer, if their diary is public.
async fn public_writer(state: &AppState, slug: &str) -> Result<User> {
    users::by_slug(&state.store, slug).await?.filter(|u| u.diary_public).ok_or(Error::NotFound)
}

fn writer_link(user: &User) -> Link {
    Link { href: format!("/writers/{}", user.slug), text: user.display_name.clone() }
}

async fn diary_page(
    state: &AppState,
    user: &User,
    entries: Vec<diary::Entry>,
    heading: String,
    path: &str,
    current_year: Option<i32>,
) -> AppResult {
    let years = diary::years(&state.store, user.id).await?;
    let layout = Layout::new(state, &heading, path).describe(&format!("Films {} watched, by date.", user.display_name));
    render(DiaryPage {
        layout,
        writer: writer_link(user),
        years: years
            .iter()
            .map(|(year, n)| {
                let link = Link { href: format!("/writers/{}/diary/{year}", user.slug), text: year.to_string() };
                (link, *n, Some(*year) == current_year)
            })
            .collect(),
        months: by_month(&entries),
        year_review: current_year.map(|year| format!("/writers/{}/diary/{year}/in-review", user.slug)),
        watchlist_href: format!("/writers/{}/watchlist", user.slug),
        heading,
        empty: "No films logged here yet.",
    })
}

async fn diary_recent(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> AppResult {
    let user = public_writer(&state, &slug).await?;
    let entries = diary::recent(&state.store, user.id, 100).await?;
    let heading = format!("{}’s diary", user.display_name);
    diary_page(&state, &user, entries, heading, &format!("/writers/{slug}/diary"), None).await
}

fn year_of(text: &str) -> Result<i32> {
    text.parse::<i32>().ok().filter(|y| (1000..=9999).contains(y)).ok_or(Error::NotFound)
}

async fn diary_year(State(state): State<Arc<AppState>>, Path((slug, year)): Path<(String, String)>) -> AppResult {
    let user = public_writer(&state, &slug).await?;
    let year = year_of(&year)?;
    let entries =
        diary::between(&state.store, user.id, &format!("{year}-01-01"), &format!("{}-01-01", year + 1)).await?;
    let heading = format!("{}’s diary: {year}", user.display_name);
    diary_page(&state, &user, entries, heading, &format!("/writers/{slug}/diary/{year}"), Some(year)).await
}

async fn diary_month(
    State(state): State<Arc<AppState>>,
    Path((slug, year, month)): Path<(String, String, String)>,
) -> AppResult {
    let user = public_writer(&state, &slug).await?;
    let year = year_of(&year)?;
    let month = month.parse::<u8>().ok().filter(|m| (1..=12).contains(m)).ok_or(Error::NotFound)?;
    let until = if month == 12 { format!("{}-01-01", year + 1) } else { format!("{year}-{:02}-01", month + 1) };
    let entries = diary::between(&state.store, user.id, &format!("{year}-{month:02}-01"), &until).await?;
    let month_name =
        human_date(&format!("{year}-{month:02}-01")).split_once(' ').map(|(_, m)| m.to_string()).unwrap_or_default();
    let heading = format!("{}’s diary: {month_name}", user.display_name);
    diary_page(&state, &user, entries, heading, &format!("/writers/{slug}/diary/{year}/{month:02}"), Some(year)).await
}

async fn year_in_review(State(state): State<Arc<AppState>>, Path((slug, year)): Path<(String, String)>) -> AppResult {
    let user = public_writer(&state, &slug).await?;
    let year = year_of(&year)?;
    let entries =
        diary::between(&state.store, user.id, &format!("{year}-01-01"), &format!("{}-01-01", year + 1)).await?;
    if entries.is_empty() {
        return Err(Error::NotFound);
    }
    let watches: Vec<Watch> = entries
        .iter()
        .map(|e| Watch { film_id: e.film_id, runtime_minutes: e.runtime_minutes, rating: e.rating, rewatch: e.rewatch })
        .collect();
    let mut film_ids: Vec<i64> = entries.iter().map(|e| e.film_id).collect();
    film_ids.sort_unstable();
    film_ids.dedup();
    let credits = diary::people_of_films(&state.store, &film_ids).await?;
    let slugs: Vec<String> = credits.iter().map(|c| c.1.clone()).collect();
    let with_pages = marquee_store::people::with_pages(&state.store, &slugs).await?;
    let top = |department: marquee_core::Department| -> Vec<(Link, usize)> {
        let of_department: Vec<(i64, String, String)> = credits
            .iter()
            .filter(|c| c.3 == department)
            .map(|(film, slug, name, _)| (*film, slug.clone(), name.clone()))
            .collect();
        most_watched(&watches, &of_department, 5)
            .into_iter()
            .map(|(slug, name, n)| {
                // Only people credited on a reviewed film have a page to link to.
                let href = if with_pages.contains(&slug) { format!("/people/{slug}") } else { String::new() };
                (Link { href, text: name }, n)
            })
            .collect()
    };
    let summary = YearSummary::of(&watches);
    let heading = format!("{}’s {year} in film", user.display_name);
    let path = format!("/writers/{slug}/diary/{year}/in-review");
    let bars = bars(&summary);
    render(YearReviewPage {
        layout: Layout::new(&state, &heading, &path).describe(&format!(
            "{} films, {} hours, in {year}.",
            summary.watches,
            summary.hours()
        )),
        writer: writer_link(&user),
        diary_href: format!("/writers/{slug}/diary/{year}"),
        chart_width: bars.last().map(|b| b.x + 36).unwrap_or(0),
        chart_height: CHART_HEIGHT,
        bars,
        directors: top(marquee_core::Department::Directing),
        actors: top(marquee_core::Department::Cast),
        summary,
        heading,
    })
}

async fn watchlist(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> AppResult {
    let user = public_writer(&state, &slug).await?;
    let items = lists::watchlist(&state.store, user.id).await?;
    let heading = format!("{}’s watchlist", user.display_name);
    render(WatchlistPage {
        layout: Layout::new(&state, &heading, &format!("/writers/{slug}/watchlist")),
        writer: writer_link(&user),
        items: items.iter().enumerate().map(|(i, item)| FilmItemView::new(i + 1, item)).collect(),
        heading,
    })
}

const LISTS_PER_PAGE: i64 = 24;

async fn lists_index(State(state): State<Arc<AppState>>, query: PageQuery) -> AppResult {
    let number = page_param(query.0.as_deref()).map_err(|BadPage| Error::NotFound)?.unwrap_or_default();
    let (found, total) = lists::published(&state.store, LISTS_PER_PAGE, number.offset(LISTS_PER_PAGE)).await?;
    let (page, pages) = (number.get(), marquee_core::PageNumber::count(total, LISTS_PER_PAGE));
    if page > 1 && page > pages {
        return Err(Error::NotFound);
    }
    render(ListsPage {
        layout: Layout::new(&state, "Lists", "/lists").in_section("lists").describe("Lists of films, ranked and not."),
        lists: found
            .iter()
            .map(|l| ListCard {
                href: format!("/lists/{}", l.slug),
                title: l.title.clone(),
                owner: Link { href: format!("/writers/{}", l.owner_slug), text: l.owner_name.clone() },
                films: l.films,
                ranked: l.ranked,
            })
            .collect(),
        pagination: Pagination::new("/lists", page, pages),
    })
}

async fn list_page(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> AppResult {
    let list = lists::by_slug(&state.store, &slug).await?.filter(|l| l.published).ok_or(Error::NotFound)?;
    let items = lists::items(&state.store, list.id).await?;
    let layout = Layout::new(&state, &list.title, &format!("/lists/{slug}")).in_section("lists").describe(&format!(
        "A list of {} films by {}.",
        items.len(),
        list.owner_name
    ));
    render(ListPage {
        layout,
        owner: Link { href: format!("/writers/{}", list.owner_slug), text: list.owner_name.clone() },
        description: list.description_html.clone(),
        ranked: list.ranked,
        items: items.iter().enumerate().map(|(i, item)| FilmItemView::new(i + 1, item)).collect(),
        title: list.title,
    })
}
