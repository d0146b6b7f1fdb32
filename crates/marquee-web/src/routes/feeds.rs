//! Feeds and the sitemap: Atom, RSS 2.0 and JSON Feed 1.1 for the whole site, each writer, each
//! tag and each genre (full text or summaries, as the site's settings say), and `sitemap.xml`
//! (an index of numbered sitemaps past 50,000 addresses). They pass through the page cache,
//! so each is built once per content change and answered with an ETag.

use crate::error::{Error, Result};
use crate::state::AppState;
use crate::views::score_view;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use marquee_core::html::escape;
use marquee_store::films::{self, NamedKind};
use marquee_store::posts::{self, FeedPost, Filter as PostFilter};
use marquee_store::reviews::{self, FeedReview, Filter};
use marquee_store::users;
use std::sync::Arc;
use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::OffsetDateTime;

/// Items in a feed: the newest reviews.
const FEED_ITEMS: i64 = 30;
/// Addresses in one sitemap file, the protocol's limit.
pub const SITEMAP_URLS: usize = 50_000;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/feed.xml", get(site_atom))
        .route("/rss.xml", get(site_rss))
        .route("/feed.json", get(site_json))
        .route("/writers/{slug}/feed.xml", get(|s, p| scoped(s, p, Scope::Writer, Format::Atom)))
        .route("/writers/{slug}/rss.xml", get(|s, p| scoped(s, p, Scope::Writer, Format::Rss)))
        .route("/writers/{slug}/feed.json", get(|s, p| scoped(s, p, Scope::Writer, Format::Json)))
        .route("/tags/{slug}/feed.xml", get(|s, p| scoped(s, p, Scope::Tag, Format::Atom)))
        .route("/tags/{slug}/rss.xml", get(|s, p| scoped(s, p, Scope::Tag, Format::Rss)))
        .route("/tags/{slug}/feed.json", get(|s, p| scoped(s, p, Scope::Tag, Format::Json)))
        .route("/genres/{slug}/feed.xml", get(|s, p| scoped(s, p, Scope::Genre, Format::Atom)))
        .route("/genres/{slug}/rss.xml", get(|s, p| scoped(s, p, Scope::Genre, Format::Rss)))
        .route("/genres/{slug}/feed.json", get(|s, p| scoped(s, p, Scope::Genre, Format::Json)))
        .route("/sitemap.xml", get(sitemap_index))
        .route("/sitemaps/{file}", get(sitemap_file))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Atom,
    Rss,
    Json,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }

    fn file(self) -> &'static str {
        match self {
            Format::Atom => "feed.xml",
            Format::Rss => "rss.xml",
            Format::Json => "feed.json",
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Scope {
    Writer,
    Tag,
    Genre,
}

/// A feed's frame: what it is of, and where it and its page live.
struct Channel {
    title: String,
    description: String,
    page_path: String,
    feed_path: String,
}

async fn site_atom(State(state): State<Arc<AppState>>) -> Result<Response> {
    site_feed(&state, Format::Atom).await
}

async fn site_rss(State(state): State<Arc<AppState>>) -> Result<Response> {
    site_feed(&state, Format::Rss).await
}

async fn site_json(State(state): State<Arc<AppState>>) -> Result<Response> {
    site_feed(&state, Format::Json).await
}

async fn site_feed(state: &AppState, format: Format) -> Result<Response> {
    let site = state.site();
    let channel = Channel {
        title: site.title.clone(),
        description: site.description.clone(),
        page_path: "/".into(),
        feed_path: format!("/{}", format.file()),
    };
    feed(state, &Filter::All, Some(&PostFilter::All), channel, format).await
}

async fn scoped(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    scope: Scope,
    format: Format,
) -> Result<Response> {
    let site = state.site();
    let (filter, articles, name, base) = match scope {
        Scope::Writer => {
            let user = users::public_by_slug(&state.store, &slug).await?.ok_or(Error::NotFound)?;
            let name = format!("Reviews by {}", user.display_name);
            (Filter::Author(user.id), Some(PostFilter::Author(user.id)), name, format!("/writers/{slug}"))
        }
        Scope::Tag => {
            let name = films::name_of(&state.store, NamedKind::Tag, &slug).await?.ok_or(Error::NotFound)?;
            let articles = Some(PostFilter::TagSlug(slug.clone()));
            (Filter::TagSlug(slug.clone()), articles, format!("Reviews tagged {name}"), format!("/tags/{slug}"))
        }
        Scope::Genre => {
            let name = films::name_of(&state.store, NamedKind::Genre, &slug).await?.ok_or(Error::NotFound)?;
            (Filter::GenreSlug(slug.clone()), None, format!("{name} reviews"), format!("/genres/{slug}"))
        }
    };
    let channel = Channel {
        title: format!("{name} · {}", site.title),
        description: format!("{name}, from {}.", site.title),
        feed_path: format!("{base}/{}", format.file()),
        page_path: base,
    };
    feed(&state, &filter, articles.as_ref(), channel, format).await
}

/// One entry of a feed: a review or an article, as every format writes it.
struct Item {
    path: String,
    title: String,
    summary: String,
    content: String,
    published: i64,
    updated: i64,
    author: String,
    tags: Vec<String>,
}

impl Item {
    fn of_review(state: &AppState, review: &FeedReview) -> Item {
        Item {
            path: format!("/reviews/{}", review.card.slug),
            title: item_title(review),
            summary: item_summary(state, review),
            content: item_content(state, review),
            published: published(review),
            updated: review.updated_at.max(published(review)),
            author: author(state, review),
            tags: review.tags.clone(),
        }
    }

    fn of_article(state: &AppState, post: &FeedPost) -> Item {
        let card = &post.card;
        let published = card.published_at.unwrap_or(card.updated_at);
        Item {
            path: card.path(),
            title: card.title.clone(),
            summary: card.standfirst.clone().unwrap_or_else(|| opening_words(&card.body_start)),
            content: absolute_links(state, post.body_html.as_str()),
            published,
            updated: card.updated_at.max(published),
            author: card.author_name.clone().unwrap_or_else(|| state.site().title.clone()),
            tags: post.tags.clone(),
        }
    }
}

/// A feed's newest reviews (and articles, when `articles` says which), newest first.
async fn feed(
    state: &AppState,
    filter: &Filter,
    articles: Option<&PostFilter>,
    channel: Channel,
    format: Format,
) -> Result<Response> {
    let reviews = crate::reader::Reader::of(state).feed(filter, FEED_ITEMS).await?;
    let mut items: Vec<Item> = reviews.iter().map(|r| Item::of_review(state, r)).collect();
    if let Some(articles) = articles {
        let posts = posts::published_for_feed(&state.store, articles, FEED_ITEMS).await?;
        items.extend(posts.iter().map(|p| Item::of_article(state, p)));
        items.sort_by(|a, b| b.published.cmp(&a.published).then_with(|| a.path.cmp(&b.path)));
        items.truncate(FEED_ITEMS as usize);
    }
    let body = match format {
        Format::Atom => atom(state, &channel, &items),
        Format::Rss => rss(state, &channel, &items),
        Format::Json => json_feed(state, &channel, &items),
    };
    Ok(([(header::CONTENT_TYPE, format.content_type())], body).into_response())
}

/// An item's title: the film, then the headline when there is one.
fn item_title(review: &FeedReview) -> String {
    let card = &review.card;
    let film = match card.film_year {
        Some(year) => format!("{} ({year})", card.film_title),
        None => card.film_title.clone(),
    };
    match &card.headline {
        Some(headline) => format!("{film}: {headline}"),
        None => film,
    }
}

/// The summary a feed reader shows: the review's summary (or opening words) and its score.
fn item_summary(state: &AppState, review: &FeedReview) -> String {
    let card = &review.card;
    let text = card.summary.clone().unwrap_or_else(|| opening_words(&card.body_start));
    match score_view(&state.site(), card.score, card.verdict_override.as_deref()) {
        Some(score) => format!("{text} Score: {}/10, {}.", score.value, score.verdict).trim().to_string(),
        None => text,
    }
}

fn opening_words(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= 40 {
        words.join(" ")
    } else {
        format!("{}…", words[..40].join(" "))
    }
}

/// The body with its site-relative addresses made absolute (feed readers fetch images and
/// follow links from elsewhere), and the score after it.
fn item_content(state: &AppState, review: &FeedReview) -> String {
    let body = absolute_links(state, review.body_html.as_str());
    let card = &review.card;
    let score = match score_view(&state.site(), card.score, card.verdict_override.as_deref()) {
        Some(score) => {
            format!("<p><strong>Score: {}/10, {}</strong></p>", escape(&score.value), escape(&score.verdict))
        }
        None => String::new(),
    };
    let summary = card.summary.as_deref().map(|s| format!("<p><em>{}</em></p>", escape(s))).unwrap_or_default();
    format!("{body}{summary}{score}")
}

/// A body with its site-relative addresses (links, images, their `srcset`s) made absolute.
fn absolute_links(state: &AppState, html: &str) -> String {
    let base = &state.config.base_url;
    html.replace("=\"/", &format!("=\"{base}/")).replace(", /", &format!(", {base}/"))
}

fn rfc3339(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|t| t.format(&Rfc3339).ok()).unwrap_or_default()
}

fn rfc2822(unix: i64) -> String {
    OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|t| t.format(&Rfc2822).ok()).unwrap_or_default()
}

fn published(review: &FeedReview) -> i64 {
    review.card.published_at.unwrap_or(review.updated_at)
}

fn newest(items: &[Item]) -> i64 {
    items.iter().map(|item| item.updated).max().unwrap_or(0)
}

fn author(state: &AppState, review: &FeedReview) -> String {
    review.card.author_name.clone().unwrap_or_else(|| state.site().title.clone())
}

fn atom(state: &AppState, channel: &Channel, items: &[Item]) -> String {
    let full = state.site().feed_full;
    let feed_url = state.absolute_url(&channel.feed_path);
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>{}</title>\n<subtitle>{}</subtitle>\n<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<id>{}</id>\n<updated>{}</updated>\n\
         <generator>Marquee</generator>\n",
        escape(&channel.title),
        escape(&channel.description),
        escape(&feed_url),
        escape(&state.absolute_url(&channel.page_path)),
        escape(&feed_url),
        rfc3339(newest(items))
    );
    for item in items {
        let url = state.absolute_url(&item.path);
        xml.push_str(&format!(
            "<entry>\n<title>{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<id>{}</id>\n\
             <published>{}</published>\n<updated>{}</updated>\n<author><name>{}</name></author>\n",
            escape(&item.title),
            escape(&url),
            escape(&url),
            rfc3339(item.published),
            rfc3339(item.updated),
            escape(&item.author),
        ));
        for tag in &item.tags {
            xml.push_str(&format!("<category term=\"{}\"/>\n", escape(tag)));
        }
        xml.push_str(&format!("<summary type=\"text\">{}</summary>\n", escape(&item.summary)));
        if full {
            xml.push_str(&format!("<content type=\"html\">{}</content>\n", escape(&item.content)));
        }
        xml.push_str("</entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

fn rss(state: &AppState, channel: &Channel, items: &[Item]) -> String {
    let full = state.site().feed_full;
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\" xmlns:atom=\"http://www.w3.org/2005/Atom\" \
         xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n\
         <channel>\n<title>{}</title>\n<link>{}</link>\n<description>{}</description>\n<language>en</language>\n\
         <atom:link href=\"{}\" rel=\"self\" type=\"application/rss+xml\"/>\n<generator>Marquee</generator>\n",
        escape(&channel.title),
        escape(&state.absolute_url(&channel.page_path)),
        escape(&channel.description),
        escape(&state.absolute_url(&channel.feed_path)),
    );
    if !items.is_empty() {
        xml.push_str(&format!("<lastBuildDate>{}</lastBuildDate>\n", rfc2822(newest(items))));
    }
    for item in items {
        let url = state.absolute_url(&item.path);
        xml.push_str(&format!(
            "<item>\n<title>{}</title>\n<link>{}</link>\n<guid isPermaLink=\"true\">{}</guid>\n<pubDate>{}</pubDate>\n\
             <dc:creator>{}</dc:creator>\n<description>{}</description>\n",
            escape(&item.title),
            escape(&url),
            escape(&url),
            rfc2822(item.published),
            escape(&item.author),
            // RSS readers take a description for HTML: the plain summary is escaped as HTML
            // first, then as XML.
            escape(&escape(&item.summary)),
        ));
        for tag in &item.tags {
            xml.push_str(&format!("<category>{}</category>\n", escape(tag)));
        }
        if full {
            xml.push_str(&format!("<content:encoded>{}</content:encoded>\n", escape(&item.content)));
        }
        xml.push_str("</item>\n");
    }
    xml.push_str("</channel>\n</rss>\n");
    xml
}

fn json_feed(state: &AppState, channel: &Channel, items: &[Item]) -> String {
    let full = state.site().feed_full;
    let items: Vec<serde_json::Value> = items
        .iter()
        .map(|entry| {
            let url = state.absolute_url(&entry.path);
            let mut item = serde_json::json!({
                "id": url,
                "url": url,
                "title": entry.title,
                "summary": entry.summary,
                "date_published": rfc3339(entry.published),
                "date_modified": rfc3339(entry.updated),
                "authors": [{ "name": entry.author }],
                "tags": entry.tags,
            });
            if full {
                item["content_html"] = serde_json::Value::from(entry.content.clone());
            } else {
                item["content_text"] = serde_json::Value::from(entry.summary.clone());
            }
            item
        })
        .collect();
    let feed = serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": channel.title,
        "home_page_url": state.absolute_url(&channel.page_path),
        "feed_url": state.absolute_url(&channel.feed_path),
        "description": channel.description,
        "language": "en",
        "items": items,
    });
    serde_json::to_string_pretty(&feed).expect("JSON values serialize")
}

/// Every public address with its last change, for search engines.
async fn sitemap_urls(state: &AppState) -> Result<Vec<(String, Option<i64>)>> {
    let rows = reviews::sitemap_rows(&state.store).await?;
    let newest = rows.reviews.iter().map(|(_, t)| *t).max();
    let mut urls: Vec<(String, Option<i64>)> = vec![("/".into(), newest)];
    for path in ["/films", "/years", "/genres", "/tags", "/scores", "/lists"] {
        urls.push((path.into(), newest));
    }
    urls.extend(rows.reviews.iter().map(|(slug, t)| (format!("/reviews/{slug}"), Some(*t))));
    urls.extend(rows.films.iter().map(|(slug, t)| (format!("/films/{slug}"), Some(*t))));
    urls.extend(rows.writers.iter().map(|(slug, t)| (format!("/writers/{slug}"), Some(*t))));
    urls.extend(rows.people.iter().map(|slug| (format!("/people/{slug}"), None)));
    let posts = posts::sitemap_rows(&state.store).await?;
    if posts.iter().any(|(kind, _, _)| *kind == marquee_core::PostKind::Article) {
        urls.push(("/articles".into(), posts.iter().map(|(_, _, t)| *t).max()));
    }
    urls.extend(posts.iter().map(|(kind, slug, t)| (kind.path(slug), Some(*t))));
    urls.extend(
        films::years_with_reviews(&state.store).await?.iter().map(|(year, _)| (format!("/years/{year}"), None)),
    );
    urls.extend(films::genres_with_reviews(&state.store).await?.iter().map(|g| (format!("/genres/{}", g.slug), None)));
    urls.extend(films::tags_with_reviews(&state.store).await?.iter().map(|t| (format!("/tags/{}", t.slug), None)));
    let (lists, _) = marquee_store::lists::published(&state.store, i64::MAX, 0).await?;
    urls.extend(lists.iter().map(|l| (format!("/lists/{}", l.slug), Some(l.updated_at))));
    Ok(urls)
}

fn urlset(state: &AppState, urls: &[(String, Option<i64>)]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for (path, changed) in urls {
        xml.push_str(&format!("<url><loc>{}</loc>", escape(&state.absolute_url(path))));
        if let Some(changed) = changed {
            xml.push_str(&format!("<lastmod>{}</lastmod>", rfc3339(*changed)));
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

const XML: &str = "application/xml; charset=utf-8";

/// One sitemap while the site fits in one, an index of numbered sitemaps past that.
async fn sitemap_index(State(state): State<Arc<AppState>>) -> Result<Response> {
    let urls = sitemap_urls(&state).await?;
    state.set_sitemap_size(urls.len()).await;
    if urls.len() <= SITEMAP_URLS {
        return Ok(([(header::CONTENT_TYPE, XML)], urlset(&state, &urls)).into_response());
    }
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (n, chunk) in urls.chunks(SITEMAP_URLS).enumerate() {
        let newest = chunk.iter().filter_map(|(_, t)| *t).max();
        xml.push_str(&format!(
            "<sitemap><loc>{}</loc>",
            escape(&state.absolute_url(&format!("/sitemaps/{}.xml", n + 1)))
        ));
        if let Some(newest) = newest {
            xml.push_str(&format!("<lastmod>{}</lastmod>", rfc3339(newest)));
        }
        xml.push_str("</sitemap>\n");
    }
    xml.push_str("</sitemapindex>\n");
    Ok(([(header::CONTENT_TYPE, XML)], xml).into_response())
}

async fn sitemap_file(State(state): State<Arc<AppState>>, Path(file): Path<String>) -> Result<Response> {
    let n =
        file.strip_suffix(".xml").and_then(|n| n.parse::<usize>().ok()).filter(|n| *n >= 1).ok_or(Error::NotFound)?;
    // Past the last file is a 404 without listing the site again: the count is known once any
    // sitemap was built since the content changed.
    if let Some(size) = state.sitemap_size().await {
        if size <= SITEMAP_URLS || n > size.div_ceil(SITEMAP_URLS) {
            return Err(Error::NotFound);
        }
    }
    let urls = sitemap_urls(&state).await?;
    state.set_sitemap_size(urls.len()).await;
    let chunk = urls.chunks(SITEMAP_URLS).nth(n - 1).filter(|_| urls.len() > SITEMAP_URLS).ok_or(Error::NotFound)?;
    Ok(([(header::CONTENT_TYPE, XML)], urlset(&state, chunk)).into_response())
}
