//! What the public diary, year-in-review, list and watchlist pages print.

use super::parts::{Layout, Link, Pagination, PictureView, CARD_SIZES};
use askama::Template;
use marquee_core::diary::{stars, stars_label, YearSummary};

use marquee_core::SafeHtml;
use marquee_store::diary::Entry;
use marquee_store::lists::FilmItem;

/// One diary entry in a list of them.
#[derive(Clone, Debug)]
pub struct DiaryLine {
    pub date_iso: String,
    pub date: String,
    pub film_href: String,
    pub film: String,
    pub stars: String,
    pub stars_label: String,
    pub rewatch: bool,
    pub liked: bool,
    pub tags: String,
    pub text: String,
    pub writer: Option<Link>,
}

fn film_label(title: &str, year: Option<i32>) -> String {
    match year {
        Some(year) => format!("{title} ({year})"),
        None => title.to_string(),
    }
}

/// `2026-11-25` as "25 November 2026".
pub fn human_date(iso: &str) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(iso, &format)
        .ok()
        .and_then(|d| d.format(time::macros::format_description!("[day padding:none] [month repr:long] [year]")).ok())
        .unwrap_or_else(|| iso.to_string())
}

impl DiaryLine {
    pub fn new(entry: &Entry, writer: Option<Link>) -> DiaryLine {
        DiaryLine {
            date_iso: entry.watched_on.clone(),
            date: human_date(&entry.watched_on),
            film_href: format!("/films/{}", entry.film_slug),
            film: film_label(&entry.film_title, entry.film_year),
            stars: entry.rating.map(stars).unwrap_or_default(),
            stars_label: entry.rating.map(stars_label).unwrap_or_default(),
            rewatch: entry.rewatch,
            liked: entry.liked,
            tags: entry.tags.join(", "),
            text: entry.review_text.clone(),
            writer,
        }
    }
}

/// A month of a diary.
#[derive(Clone, Debug)]
pub struct MonthGroup {
    pub id: String,
    pub heading: String,
    pub lines: Vec<DiaryLine>,
}

/// Groups entries (newest first) by the month they were watched in.
pub fn by_month(entries: &[Entry]) -> Vec<MonthGroup> {
    let mut groups: Vec<MonthGroup> = Vec::new();
    for entry in entries {
        let key = entry.watched_on.get(..7).unwrap_or("").to_string();
        if groups.last().is_none_or(|g| g.id != format!("month-{key}")) {
            let heading = human_date(&format!("{key}-01"))
                .split_once(' ')
                .map(|(_, rest)| rest.to_string())
                .unwrap_or(key.clone());
            groups.push(MonthGroup { id: format!("month-{key}"), heading, lines: Vec::new() });
        }
        groups.last_mut().expect("a group was just pushed").lines.push(DiaryLine::new(entry, None));
    }
    groups
}

#[derive(Template)]
#[template(path = "diary.html")]
pub struct DiaryPage {
    pub layout: Layout,
    pub heading: String,
    pub writer: Link,
    pub years: Vec<(Link, i64, bool)>,
    pub months: Vec<MonthGroup>,
    pub year_review: Option<String>,
    pub watchlist_href: String,
    pub empty: &'static str,
}

/// One bar of the ratings chart, in SVG user units.
#[derive(Clone, Debug)]
pub struct Bar {
    pub label: String,
    pub label_text: String,
    pub count: usize,
    pub x: usize,
    pub y: usize,
    pub height: usize,
    pub middle: usize,
}

pub const CHART_HEIGHT: usize = 160;
const BAR_WIDTH: usize = 36;
const BAR_GAP: usize = 8;

/// The rating distribution as bars (tallest = chart height) under labels.
pub fn bars(summary: &YearSummary) -> Vec<Bar> {
    let max = summary.distribution.iter().copied().max().unwrap_or(0).max(1);
    summary
        .distribution
        .iter()
        .enumerate()
        .map(|(i, count)| {
            let height = count * CHART_HEIGHT / max;
            let x = i * (BAR_WIDTH + BAR_GAP);
            let rating = marquee_core::Score::from_tenths((i as i64 + 1) * 10).expect("half-stars are valid scores");
            let halves = i + 1;
            let whole = halves / 2;
            Bar {
                // Short labels fit under narrow bars: "½", "1", "1½" … "5" (stars).
                label: match (whole, halves % 2 == 1) {
                    (0, _) => "½".to_string(),
                    (w, true) => format!("{w}½"),
                    (w, false) => w.to_string(),
                },
                label_text: stars_label(rating),
                count: *count,
                x,
                y: CHART_HEIGHT - height,
                height,
                middle: x + BAR_WIDTH / 2,
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "year_review.html")]
pub struct YearReviewPage {
    pub layout: Layout,
    pub heading: String,
    pub writer: Link,
    pub diary_href: String,
    pub summary: YearSummary,
    pub bars: Vec<Bar>,
    pub chart_width: usize,
    pub chart_height: usize,
    pub directors: Vec<(Link, usize)>,
    pub actors: Vec<(Link, usize)>,
}

impl YearReviewPage {
    pub fn bar_width(&self) -> usize {
        BAR_WIDTH
    }
}

/// A film in a list or a watchlist.
#[derive(Clone, Debug)]
pub struct FilmItemView {
    pub rank: usize,
    pub href: String,
    pub film: String,
    pub poster: Option<PictureView>,
    pub note: String,
}

impl FilmItemView {
    pub fn new(rank: usize, item: &FilmItem) -> FilmItemView {
        FilmItemView {
            rank,
            // A film only on a watchlist has no page yet: its title is then plain text.
            href: if item.has_page { format!("/films/{}", item.film_slug) } else { String::new() },
            film: film_label(&item.film_title, item.film_year),
            poster: item.poster.as_ref().map(|p| PictureView::from_picture(p, String::new(), CARD_SIZES, 320, true)),
            note: item.note.clone(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct ListCard {
    pub href: String,
    pub title: String,
    pub owner: Link,
    pub films: i64,
    pub ranked: bool,
}

#[derive(Template)]
#[template(path = "lists.html")]
pub struct ListsPage {
    pub layout: Layout,
    pub lists: Vec<ListCard>,
    pub pagination: Option<Pagination>,
}

#[derive(Template)]
#[template(path = "film_list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub title: String,
    pub owner: Link,
    pub description: SafeHtml,
    pub ranked: bool,
    pub items: Vec<FilmItemView>,
}

#[derive(Template)]
#[template(path = "watchlist.html")]
pub struct WatchlistPage {
    pub layout: Layout,
    pub heading: String,
    pub writer: Link,
    pub items: Vec<FilmItemView>,
}
