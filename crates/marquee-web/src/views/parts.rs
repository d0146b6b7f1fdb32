//! What many pages print alike: the page frame (`Layout`), links, pictures, dates, scores,
//! review cards and pagination.

use crate::assets::stylesheet_url;
use crate::state::{AppState, Site};
use marquee_core::markdown::ResponsiveImage;
use marquee_core::{reading_minutes, SafeHtml};
use marquee_store::media::Picture;
use marquee_store::reviews::ReviewCard;
use time::macros::format_description;
use time::OffsetDateTime;

/// What every page's frame needs: titles, canonical URL, social and structured data.
#[derive(Clone, Debug)]
pub struct Layout {
    pub site_title: String,
    pub site_description: String,
    pub page_title: String,
    pub description: String,
    pub canonical: String,
    pub css_url: &'static str,
    pub js_url: &'static str,
    pub theme_url: String,
    pub section: &'static str,
    pub og: Option<OpenGraph>,
    pub json_ld: Option<SafeHtml>,
    /// `<link rel="alternate">` feeds: this page's own first, then the site's.
    pub feeds: Vec<FeedLink>,
    /// The page's own address, from the site's root.
    pub path: String,
    /// Whether the navigation leads to the articles (once there are some).
    pub articles_in_nav: bool,
    /// The pages the owner put in the navigation, in their order.
    pub pages: Vec<Link>,
}

#[derive(Clone, Debug)]
pub struct FeedLink {
    pub href: String,
    pub title: String,
    pub kind: &'static str,
}

/// The three feeds under `base` (`""` for the site's): Atom, RSS and JSON Feed.
pub fn feed_links(base: &str, title: &str) -> Vec<FeedLink> {
    [
        ("feed.xml", "application/atom+xml", "Atom"),
        ("rss.xml", "application/rss+xml", "RSS"),
        ("feed.json", "application/feed+json", "JSON Feed"),
    ]
    .iter()
    .map(|(file, kind, name)| FeedLink { href: format!("{base}/{file}"), title: format!("{title} ({name})"), kind })
    .collect()
}

impl Layout {
    pub fn new(state: &AppState, title: &str, path: &str) -> Layout {
        let site = state.site();
        let page_title = if title.is_empty() { site.title.clone() } else { format!("{title} · {}", site.title) };
        Layout {
            site_title: site.title.clone(),
            site_description: site.description.clone(),
            page_title,
            description: site.description.clone(),
            canonical: state.absolute_url(path),
            css_url: stylesheet_url(),
            js_url: crate::assets::site_script_url(),
            theme_url: format!("/theme.css?v={}", theme_version(&site)),
            section: "",
            og: None,
            json_ld: None,
            feeds: feed_links("", &site.title),
            path: path.to_string(),
            articles_in_nav: site.has_articles,
            pages: site
                .navigation
                .iter()
                .map(|(slug, title)| Link { href: marquee_core::PostKind::Page.path(slug), text: title.clone() })
                .collect(),
        }
    }

    /// Adds the feeds of this page's writer, tag or genre before the site's.
    pub fn with_feeds(mut self, base: &str, title: &str) -> Layout {
        let mut feeds = feed_links(base, title);
        feeds.append(&mut self.feeds);
        self.feeds = feeds;
        self
    }

    pub fn with_json_ld(mut self, json_ld: SafeHtml) -> Layout {
        self.json_ld = Some(json_ld);
        self
    }

    pub fn in_section(mut self, section: &'static str) -> Layout {
        self.section = section;
        self
    }

    pub fn describe(mut self, description: &str) -> Layout {
        if !description.trim().is_empty() {
            self.description = description.trim().to_string();
        }
        self
    }

    pub fn nav_current(&self, section: &str) -> &'static str {
        if self.section == section {
            "page"
        } else {
            "false"
        }
    }
}

/// Changes when the accent colour does, so the theme stylesheet can be cached for long.
fn theme_version(site: &Site) -> String {
    site.accent.bytes().fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b))).to_string()
}

#[derive(Clone, Debug)]
pub struct OpenGraph {
    pub kind: &'static str,
    pub title: String,
    pub description: String,
    pub image: Option<String>,
    /// Width and height, when known.
    pub image_size: Option<(u32, u32)>,
    pub image_alt: String,
    pub published_time: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Link {
    pub href: String,
    pub text: String,
}

/// An image as `<picture>` prints it.
#[derive(Clone, Debug)]
pub struct PictureView {
    pub src: String,
    pub srcset: String,
    pub modern_srcset: Option<String>,
    pub modern_type: &'static str,
    pub sizes: &'static str,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub lazy: bool,
}

/// Poster sizes: the column beside the title on wide screens, most of the width on phones.
pub const POSTER_SIZES: &str = "(min-width: 48rem) 18rem, 60vw";
pub const CARD_SIZES: &str = "(min-width: 48rem) 8rem, 6rem";

impl PictureView {
    pub fn from_picture(picture: &Picture, alt: String, sizes: &'static str, preferred_width: u32, lazy: bool) -> Self {
        match picture {
            Picture::Stored(image) => {
                let ResponsiveImage { src, srcset, modern_srcset, modern_type, width, height } =
                    image.responsive(preferred_width);
                PictureView { src, srcset, modern_srcset, modern_type, sizes, width, height, alt, lazy }
            }
            // An external poster's size is unknown: reserve a 2:3 box so nothing shifts.
            Picture::Url(url) => PictureView {
                src: url.clone(),
                srcset: String::new(),
                modern_srcset: None,
                modern_type: "",
                sizes,
                width: 400,
                height: 600,
                alt,
                lazy,
            },
        }
    }

    /// The URL a social card points at (absolute).
    pub fn absolute_src(&self, state: &AppState) -> String {
        if self.src.starts_with('/') {
            state.absolute_url(&self.src)
        } else {
            self.src.clone()
        }
    }
}

#[derive(Clone, Debug)]
pub struct DateView {
    pub iso: String,
    pub human: String,
}

impl DateView {
    pub fn from_unix(seconds: i64) -> Option<DateView> {
        let t = OffsetDateTime::from_unix_timestamp(seconds).ok()?;
        Some(DateView {
            iso: t.format(&time::format_description::well_known::Rfc3339).ok()?,
            human: t.format(format_description!("[day padding:none] [month repr:long] [year]")).ok()?,
        })
    }
}

#[derive(Clone, Debug)]
pub struct ScoreView {
    pub value: String,
    pub verdict: String,
    pub band_href: String,
}

/// A review in a list.
#[derive(Clone, Debug)]
pub struct CardView {
    pub href: String,
    pub film_title: String,
    pub year: Option<i32>,
    pub headline: Option<String>,
    pub excerpt: Option<String>,
    pub score: Option<ScoreView>,
    pub poster: Option<PictureView>,
    pub published: Option<DateView>,
    pub author: Option<String>,
    pub reading: String,
    /// Extra context in some lists, e.g. the character a person played.
    pub note: Option<String>,
}

pub fn score_view(
    site: &Site,
    score: Option<marquee_core::Score>,
    verdict_override: Option<&str>,
) -> Option<ScoreView> {
    let score = score?;
    let band = site.bands.band_for(score);
    Some(ScoreView {
        value: score.to_string(),
        verdict: verdict_override.map(str::to_string).unwrap_or_else(|| band.label.clone()),
        band_href: format!("/scores/{}", band.slug()),
    })
}

/// The opening words of a body, about forty, ending with an ellipsis when cut.
fn excerpt_of(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.is_empty() {
        return None;
    }
    let cut = words.len() > 40;
    let mut excerpt = words[..words.len().min(40)].join(" ");
    if cut {
        excerpt.push('…');
    }
    Some(excerpt)
}

pub fn reading_label(words: i64) -> String {
    format!("{}-minute read", reading_minutes(words.max(0) as usize))
}

impl CardView {
    pub fn new(site: &Site, card: &ReviewCard) -> CardView {
        CardView {
            href: format!("/reviews/{}", card.slug),
            film_title: card.film_title.clone(),
            year: card.film_year,
            headline: card.headline.clone(),
            excerpt: card.summary.clone().or_else(|| excerpt_of(&card.body_start)),
            score: score_view(site, card.score, card.verdict_override.as_deref()),
            // The title link beside it names the film: the thumbnail is decorative.
            poster: card.poster.as_ref().map(|p| PictureView::from_picture(p, String::new(), CARD_SIZES, 320, true)),
            published: card.published_at.and_then(DateView::from_unix),
            author: card.author_name.clone(),
            reading: reading_label(card.word_count),
            note: None,
        }
    }

    /// An article among reviews (the home page's mixed list).
    pub fn of_article(card: &marquee_store::posts::PostCard) -> CardView {
        CardView {
            href: card.path(),
            film_title: card.title.clone(),
            year: None,
            headline: None,
            excerpt: card.standfirst.clone().or_else(|| excerpt_of(&card.body_start)),
            score: None,
            poster: None,
            published: card.published_at.and_then(DateView::from_unix),
            author: card.author_name.clone(),
            reading: reading_label(card.word_count),
            note: Some("Article".into()),
        }
    }
}

/// An article in a list.
#[derive(Clone, Debug)]
pub struct PostCardView {
    pub href: String,
    pub title: String,
    pub excerpt: Option<String>,
    pub author: Option<String>,
    pub published: Option<DateView>,
    pub reading: String,
}

impl PostCardView {
    pub fn new(card: &marquee_store::posts::PostCard) -> PostCardView {
        PostCardView {
            href: card.path(),
            title: card.title.clone(),
            excerpt: card.standfirst.clone().or_else(|| excerpt_of(&card.body_start)),
            author: card.author_name.clone(),
            published: card.published_at.and_then(DateView::from_unix),
            reading: reading_label(card.word_count),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Pagination {
    pub current: i64,
    pub pages: i64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pagination {
    /// Links for page `current` of `pages` under `path` (`?page=N`); `None` for one page.
    pub fn new(path: &str, current: i64, pages: i64) -> Option<Pagination> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let href = |page: i64| if page == 1 { path.to_string() } else { format!("{path}{separator}page={page}") };
        (pages > 1).then(|| Pagination {
            current,
            pages,
            prev: (current > 1).then(|| href(current - 1)),
            next: (current < pages).then(|| href(current + 1)),
        })
    }
}
