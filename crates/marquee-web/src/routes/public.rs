//! The public site: home, review, film, person, year, genre, tag, score band and writer pages,
//! their indexes, and the 404 page. Every page is plain HTML that works without JavaScript.

use crate::error::{Error, Result};
use crate::query::{page_param, BadPage, PageQuery};
use crate::reader::{Reader, ReviewData};
use crate::state::{AppState, Site};
use crate::views::structured::{self, TOP_BILLED};
use crate::views::*;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use marquee_core::PageNumber;
use marquee_core::PostKind;
use marquee_store::films::{self, Credit, Film, Named, NamedKind};
use marquee_store::posts::{self, Entry, Filter as PostFilter, Post, PostCard};
use marquee_store::published::FilmPage as FilmData;
use marquee_store::reviews::{self, Filter};
use marquee_store::{people, users};
use serde_json::json;
use std::sync::Arc;

type AppResult = Result<Html<String>>;

pub fn router() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(home))
        .route("/reviews/{slug}", get(review))
        .route("/reviews/{slug}/share.png", get(share_image))
        .route("/films", get(films_index))
        .route("/films/{slug}", get(film))
        .route("/people/{slug}", get(person))
        .route("/years", get(years_index))
        .route("/years/{year}", get(year))
        .route("/genres", get(genres_index))
        .route("/genres/{slug}", get(genre))
        .route("/tags", get(tags_index))
        .route("/tags/{slug}", get(tag))
        .route("/scores", get(scores_index))
        .route("/scores/{band}", get(score_band))
        .route("/writers/{slug}", get(writer))
        .route("/articles", get(articles_index))
        .route("/articles/{slug}", get(article))
        .route("/tags/{slug}/articles", get(tag_articles))
        .route("/writers/{slug}/articles", get(writer_articles))
}

const PAGE_SIZE: i64 = 12;

fn render(page: impl Template) -> AppResult {
    Ok(Html(page.render()?))
}

/// Any address the site has no page for: an old address of a review (from the site it came
/// from) is sent on to the review for good; anything else is not found.
pub async fn not_found(
    State(state): State<Arc<AppState>>,
    method: axum::http::Method,
    uri: axum::http::Uri,
) -> Result<Response, Error> {
    let reading = method == axum::http::Method::GET || method == axum::http::Method::HEAD;
    // A page is at the root (`/about`): whatever the site does not answer itself. It comes
    // before old addresses, so an imported post's old `/about` never hides the page.
    if let Some(slug) = uri.path().strip_prefix('/').filter(|s| !s.is_empty() && !s.contains('/')) {
        if reading {
            if let Some(page) = marquee_store::posts::published_by_slug(&state.store, PostKind::Page, slug).await? {
                return Ok(render(post_page(&state, &page, Vec::new()))?.into_response());
            }
        }
    }
    if let Some(target) = marquee_store::redirects::target(&state.store, uri.path()).await? {
        return Ok(moved(&target));
    }
    // Hugo and Zola addresses end in a slash (`/years/2009/`): each is sent for good to the
    // address without it, the one the site answers at.
    if let Some(canonical) = without_trailing_slash(&uri).filter(|_| reading) {
        return Ok(
            (axum::http::StatusCode::MOVED_PERMANENTLY, [(axum::http::header::LOCATION, canonical)]).into_response()
        );
    }
    Err(Error::NotFound)
}

/// A 301 to where an old address's review, article or page is now: the permanent redirect every
/// crawler and old browser knows.
fn moved(target: &str) -> Response {
    (axum::http::StatusCode::MOVED_PERMANENTLY, [(axum::http::header::LOCATION, target.to_string())]).into_response()
}

/// `/a/b/?q` as `/a/b?q`; `None` for the root and for addresses without a trailing slash.
fn without_trailing_slash(uri: &axum::http::Uri) -> Option<String> {
    let path = uri.path();
    let trimmed = path.trim_end_matches('/');
    if trimmed.is_empty() || trimmed.len() == path.len() || trimmed.starts_with("//") || path.starts_with("//") {
        return None;
    }
    Some(match uri.query() {
        Some(query) => format!("{trimmed}?{query}"),
        None => trimmed.to_string(),
    })
}

/// A list of reviews as a page shows it.
struct ListSpec {
    filter: Filter,
    path: String,
    layout: Layout,
    heading: String,
    intro: Option<String>,
    kicker: Option<Link>,
    /// The index this list belongs to (Years for a year), for the breadcrumb trail.
    parent: Option<Link>,
    /// Years, genres, tags and writers exist for readers only through their reviews.
    empty_is_not_found: bool,
    /// Articles shown above the reviews on the list's first page.
    articles: Vec<PostCard>,
    articles_more: Option<Link>,
    /// The fediverse handle that follows this list's writer (or the whole site), when
    /// federation is on.
    follow: Option<String>,
}

/// One page of a review list; a page number past the end (or not a number) is a 404.
async fn list(state: &AppState, spec: ListSpec, query: &PageQuery) -> AppResult {
    let number = page_param(query.0.as_deref()).map_err(|BadPage| Error::NotFound)?.unwrap_or_default();
    let (cards, total) = Reader::of(state).cards(&spec.filter, PAGE_SIZE, number.offset(PAGE_SIZE)).await?;
    let (page, pages) = (number.get(), PageNumber::count(total, PAGE_SIZE));
    if (page > 1 && page > pages) || (total == 0 && spec.empty_is_not_found && spec.articles.is_empty()) {
        return Err(Error::NotFound);
    }
    let site = state.site();
    let mut spec = spec;
    if page > 1 {
        spec.articles.clear();
        spec.articles_more = None;
    }
    let mut layout = spec.layout;
    if let (Some(parent), None) = (&spec.parent, &layout.json_ld) {
        let crumbs = [(parent.text.as_str(), parent.href.as_str()), (spec.heading.as_str(), spec.path.as_str())];
        layout.json_ld = Some(structured::graph(state, vec![], &crumbs));
    }
    if page > 1 {
        layout.canonical = state.absolute_url(&format!("{}?page={page}", spec.path));
        layout.page_title = format!("{}, page {page} · {}", spec.heading, site.title);
    }
    render(ListPage {
        layout,
        kicker: spec.kicker,
        heading: spec.heading,
        intro: spec.intro,
        cards: cards.iter().map(|c| CardView::new(&site, c)).collect(),
        pagination: Pagination::new(&spec.path, page, pages),
        total,
        articles: spec.articles.iter().map(PostCardView::new).collect(),
        articles_more: spec.articles_more,
        follow: spec.follow,
    })
}

/// The site as schema.org's WebSite, with its search for search engines' sitelinks search box.
fn website(state: &AppState) -> marquee_core::SafeHtml {
    let site = state.site();
    let node = json!({
        "@type": "WebSite",
        "name": site.title,
        "url": state.absolute_url("/"),
        "potentialAction": {
            "@type": "SearchAction",
            "target": {"@type": "EntryPoint", "urlTemplate": state.absolute_url("/search?q={search_term_string}")},
            "query-input": "required name=search_term_string",
        },
    });
    structured::graph(state, vec![node], &[])
}

/// A writer's page as a ProfilePage about them.
fn writer_profile(state: &AppState, user: &users::User, path: &str) -> marquee_core::SafeHtml {
    let mut writer = json!({"@type": "Person", "name": user.display_name, "url": state.absolute_url(path)});
    if !user.bio.is_empty() {
        writer["description"] = json!(user.bio);
    }
    let node = json!({"@type": "ProfilePage", "url": state.absolute_url(path), "mainEntity": writer});
    structured::graph(state, vec![node], &[(&user.display_name, path)])
}

fn kicker(href: &str, text: &str) -> Option<Link> {
    Some(Link { href: href.into(), text: text.into() })
}

/// How many articles a list of reviews shows above them.
const ARTICLES_BESIDE: i64 = 3;

/// The newest articles matching `filter` for a list's first page, and a link to all of them
/// when there are more.
async fn articles_beside(state: &AppState, filter: &PostFilter, more: Link) -> Result<(Vec<PostCard>, Option<Link>)> {
    let (cards, total) = posts::published(&state.store, filter, ARTICLES_BESIDE, 0).await?;
    Ok((cards, (total > ARTICLES_BESIDE).then_some(more)))
}

async fn home(State(state): State<Arc<AppState>>, query: PageQuery) -> Result<Response> {
    // WordPress's own addresses of a post (`/?p=55`, `/?page_id=2`) lead to where it is now;
    // one that leads nowhere is not found (never the home page drawn afresh: these addresses
    // stay out of the page cache).
    if let Some(old) = query.0.as_deref().filter(|q| q.starts_with("p=") || q.starts_with("page_id=")) {
        return match marquee_store::redirects::target(&state.store, &format!("/?{old}")).await? {
            Some(target) => Ok(moved(&target)),
            None => Err(Error::NotFound),
        };
    }
    let site = state.site();
    if site.home_mixed {
        return Ok(mixed_home(&state, &query).await?.into_response());
    }
    let all = Link { href: "/articles".into(), text: "All articles".into() };
    let (articles, articles_more) = articles_beside(&state, &PostFilter::All, all).await?;
    let spec = ListSpec {
        filter: Filter::All,
        path: "/".into(),
        layout: Layout::new(&state, "", "/").in_section("reviews").with_json_ld(website(&state)),
        heading: if articles.is_empty() { "Latest reviews".into() } else { "Latest".into() },
        intro: None,
        kicker: None,
        parent: None,
        empty_is_not_found: false,
        articles,
        articles_more,
        follow: site.federation.then(|| format!("{}@{}", site.site_handle, state.federation.host)),
    };
    Ok(list(&state, spec, &query).await?.into_response())
}

/// The home page with articles among the reviews, newest first.
async fn mixed_home(state: &AppState, query: &PageQuery) -> AppResult {
    let number = page_param(query.0.as_deref()).map_err(|BadPage| Error::NotFound)?.unwrap_or_default();
    let (entries, total) = posts::timeline(&state.store, PAGE_SIZE, number.offset(PAGE_SIZE)).await?;
    let (page, pages) = (number.get(), PageNumber::count(total, PAGE_SIZE));
    if page > 1 && page > pages {
        return Err(Error::NotFound);
    }
    let review_ids: Vec<i64> =
        entries.iter().filter_map(|e| if let Entry::Review(id) = e { Some(*id) } else { None }).collect();
    let article_ids: Vec<i64> =
        entries.iter().filter_map(|e| if let Entry::Article(id) = e { Some(*id) } else { None }).collect();
    let mut reviews: std::collections::HashMap<i64, _> =
        reviews::published_by_ids(&state.store, &review_ids).await?.into_iter().map(|c| (c.id, c)).collect();
    let mut articles: std::collections::HashMap<i64, _> =
        posts::published_by_ids(&state.store, &article_ids).await?.into_iter().map(|c| (c.id, c)).collect();
    let site = state.site();
    let cards = entries
        .iter()
        .filter_map(|entry| match entry {
            Entry::Review(id) => reviews.remove(id).map(|card| CardView::new(&site, &card)),
            Entry::Article(id) => articles.remove(id).map(|card| CardView::of_article(&card)),
        })
        .collect();
    let mut layout = Layout::new(state, "", "/").in_section("reviews").with_json_ld(website(state));
    if page > 1 {
        layout.canonical = state.absolute_url(&format!("/?page={page}"));
        layout.page_title = format!("Latest, page {page} · {}", site.title);
    }
    render(ListPage {
        layout,
        kicker: None,
        heading: "Latest".into(),
        intro: None,
        cards,
        pagination: Pagination::new("/", page, pages),
        total,
        articles: Vec::new(),
        articles_more: None,
        follow: site.federation.then(|| format!("{}@{}", site.site_handle, state.federation.host)),
    })
}

/// Every published article, newest first.
async fn articles_index(State(state): State<Arc<AppState>>, query: PageQuery) -> AppResult {
    let layout = Layout::new(&state, "Articles", "/articles")
        .in_section("articles")
        .describe("Essays, features, interviews and news.");
    articles_list(&state, &PostFilter::All, layout, "Articles", "/articles", &query).await
}

/// The articles of a tag, newest first.
async fn tag_articles(State(state): State<Arc<AppState>>, Path(slug): Path<String>, query: PageQuery) -> AppResult {
    let name = films::name_of(&state.store, NamedKind::Tag, &slug).await?.ok_or(Error::NotFound)?;
    let path = format!("/tags/{slug}/articles");
    let heading = format!("Articles tagged “{name}”");
    let layout = Layout::new(&state, &heading, &path).describe(&format!("Articles tagged {name}."));
    articles_list(&state, &PostFilter::TagSlug(slug), layout, &heading, &path, &query).await
}

/// A writer's articles, newest first.
async fn writer_articles(State(state): State<Arc<AppState>>, Path(slug): Path<String>, query: PageQuery) -> AppResult {
    let user = users::public_by_slug(&state.store, &slug).await?.ok_or(Error::NotFound)?;
    let path = format!("/writers/{slug}/articles");
    let heading = format!("Articles by {}", user.display_name);
    let layout = Layout::new(&state, &heading, &path).describe(&format!("Articles by {}.", user.display_name));
    articles_list(&state, &PostFilter::Author(user.id), layout, &heading, &path, &query).await
}

/// One page of a list of articles; a page past the end (or of an empty list) is not found.
async fn articles_list(
    state: &AppState,
    filter: &PostFilter,
    mut layout: Layout,
    heading: &str,
    path: &str,
    query: &PageQuery,
) -> AppResult {
    let number = page_param(query.0.as_deref()).map_err(|BadPage| Error::NotFound)?.unwrap_or_default();
    let (cards, total) = posts::published(&state.store, filter, PAGE_SIZE, number.offset(PAGE_SIZE)).await?;
    let (page, pages) = (number.get(), PageNumber::count(total, PAGE_SIZE));
    if (page > 1 && page > pages) || (total == 0 && path != "/articles") {
        return Err(Error::NotFound);
    }
    if page > 1 {
        layout.canonical = state.absolute_url(&format!("{path}?page={page}"));
    }
    render(ArticlesPage {
        layout,
        heading: heading.to_string(),
        articles: cards.iter().map(PostCardView::new).collect(),
        pagination: Pagination::new(path, page, pages),
    })
}

async fn article(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> AppResult {
    let post = posts::published_by_slug(&state.store, PostKind::Article, &slug).await?.ok_or(Error::NotFound)?;
    // Further reading: the newest other articles sharing a tag (or else the newest of all).
    let mut related = Vec::new();
    for tag in &post.tags {
        let (cards, _) = posts::published(&state.store, &PostFilter::TagSlug(tag.slug.clone()), 4, 0).await?;
        related.extend(cards.into_iter().filter(|c| c.id != post.card.id));
    }
    if related.is_empty() {
        let (cards, _) = posts::published(&state.store, &PostFilter::All, 4, 0).await?;
        related.extend(cards.into_iter().filter(|c| c.id != post.card.id));
    }
    let mut seen = std::collections::HashSet::new();
    related.retain(|c| seen.insert(c.id));
    related.truncate(3);
    let mut page = post_page(&state, &post, related);
    if state.published().is_none() {
        page.fediverse = fediverse(&state, "article", post.card.id).await?;
    }
    render(page)
}

/// An article's or a page's page.
fn post_page(state: &AppState, post: &Post, related: Vec<PostCard>) -> ArticlePage {
    let card = &post.card;
    let path = card.path();
    let is_article = card.kind == PostKind::Article;
    let description = card.standfirst.clone().unwrap_or_else(|| card.body_start.chars().take(200).collect());
    let mut layout = Layout::new(state, &card.title, &path).describe(&description);
    if is_article {
        layout = layout.in_section("articles");
    }
    let published = card.published_at.and_then(DateView::from_unix);
    let films: Vec<FilmCardView> = post
        .films
        .iter()
        .map(|film| FilmCardView {
            href: format!("/films/{}", film.slug),
            title: film.title.clone(),
            year: film.year,
            poster: film.poster.as_ref().map(|p| PictureView::from_picture(p, String::new(), CARD_SIZES, 320, true)),
        })
        .collect();
    let author = match (&card.author_slug, &card.author_name) {
        (Some(slug), Some(name)) => Some(Link { href: format!("/writers/{slug}"), text: name.clone() }),
        _ => None,
    };
    let image = post
        .films
        .iter()
        .find_map(|f| f.poster.as_ref())
        .map(|p| PictureView::from_picture(p, String::new(), POSTER_SIZES, 640, false).absolute_src(state));
    layout.og = Some(OpenGraph {
        kind: if is_article { "article" } else { "website" },
        title: card.title.clone(),
        description: layout.description.clone(),
        image,
        image_size: None,
        image_alt: String::new(),
        published_time: published.as_ref().filter(|_| is_article).map(|d| d.iso.clone()),
    });
    let site = state.site();
    let mut ld = json!({
        "@type": if is_article { "Article" } else { "WebPage" },
        "url": layout.canonical,
        if is_article { "headline" } else { "name" }: card.title,
        "publisher": {"@type": "Organization", "name": site.title, "url": state.absolute_url("/")},
    });
    if is_article {
        ld["author"] =
            json!({"@type": "Person", "name": card.author_name.clone().unwrap_or_else(|| site.title.clone())});
        if let Some(slug) = &card.author_slug {
            ld["author"]["url"] = json!(state.absolute_url(&format!("/writers/{slug}")));
        }
        if let Some(date) = &published {
            ld["datePublished"] = json!(date.iso);
        }
        if let Some(date) = DateView::from_unix(card.updated_at) {
            ld["dateModified"] = json!(date.iso);
        }
        ld["wordCount"] = json!(card.word_count);
        if let Some(standfirst) = &card.standfirst {
            ld["description"] = json!(standfirst);
        }
        if !post.films.is_empty() {
            ld["about"] = json!(post
                .films
                .iter()
                .map(|f| json!({"@type": "Movie", "name": f.title, "url": state.absolute_url(&format!("/films/{}", f.slug))}))
                .collect::<Vec<_>>());
        }
        if let Some(image) = &layout.og.as_ref().and_then(|og| og.image.clone()) {
            ld["image"] = json!(image);
        }
    }
    let crumbs: Vec<(&str, &str)> =
        if is_article { vec![("Articles", "/articles"), (&card.title, &path)] } else { vec![(&card.title, &path)] };
    layout.json_ld = Some(structured::graph(state, vec![ld], &crumbs));
    ArticlePage {
        layout,
        is_article,
        title: card.title.clone(),
        standfirst: card.standfirst.clone(),
        body: post.body_html.clone(),
        reading: reading_label(card.word_count),
        author,
        updated: DateView::from_unix(card.updated_at)
            .filter(|u| published.as_ref().is_some_and(|p| p.human != u.human)),
        published,
        tags: post.tags.iter().map(|t| Link { href: format!("/tags/{}", t.slug), text: t.name.clone() }).collect(),
        films,
        related: related.iter().map(PostCardView::new).collect(),
        fediverse: Fediverse::default(),
    }
}

async fn review(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> AppResult {
    let data = Reader::of(&state).review(&slug).await?.ok_or(Error::NotFound)?;
    let mut page = review_page(&state, &data);
    // Replies and reactions are the live site's; the static export is the publication alone.
    if state.published().is_none() {
        page.fediverse = fediverse(&state, "review", data.review.card.id).await?;
    }
    render(page)
}

/// The approved replies to a review or article, and its likes and boosts.
pub(crate) async fn fediverse(state: &AppState, kind: &str, id: i64) -> Result<Fediverse> {
    use marquee_store::federation as records;
    let (likes, boosts) = records::reaction_counts(&state.store, kind, id).await?;
    let replies = records::approved_comments(&state.store, kind, id)
        .await?
        .into_iter()
        .map(|c| ReplyView {
            id: c.id,
            name: c.author_name,
            handle: c.author_handle,
            profile: c.author_url.filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            link: c.url.filter(|u| u.starts_with("https://") || u.starts_with("http://")),
            content: marquee_core::html::SafeHtml::from_stored(c.content_html),
            date: DateView::from_unix(c.published_at),
        })
        .collect();
    Ok(Fediverse { replies, likes, boosts })
}

/// The review's share image (OpenGraph and Twitter cards): poster, title, year, score, verdict.
async fn share_image(
    State(state): State<Arc<AppState>>,
    Path(slug): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response> {
    use axum::response::IntoResponse;
    let (review, film) = Reader::of(&state).review_and_film(&slug).await?.ok_or(Error::NotFound)?;
    // The image's tag comes from what it shows, so a reader (or the static export) holding the
    // same image is answered without drawing it again.
    let planned = crate::share::plan(&state.site(), &review.card, &film);
    if crate::cache::Conditions::of(&headers).holds(&planned.tag) {
        return Ok((axum::http::StatusCode::NOT_MODIFIED, [(axum::http::header::ETAG, planned.tag)]).into_response());
    }
    let png = crate::share::png(&state, &planned).await?;
    Ok(([(axum::http::header::CONTENT_TYPE, "image/png".to_string()), (axum::http::header::ETAG, planned.tag)], png)
        .into_response())
}

fn review_page(state: &AppState, data: &ReviewData) -> ReviewPage {
    let ReviewData { review, film, credits, genres, related } = data;
    let site = state.site();
    let card = &review.card;
    let path = format!("/reviews/{}", card.slug);
    let poster = film
        .poster
        .as_ref()
        .map(|p| PictureView::from_picture(p, format!("{} poster", film.title), POSTER_SIZES, 640, false));
    let score = score_view(&site, card.score, card.verdict_override.as_deref());
    let title = match film.year {
        Some(year) => format!("{} ({year}) review", film.title),
        None => format!("{} review", film.title),
    };
    let description = card.summary.clone().or_else(|| film.synopsis.clone()).unwrap_or_default();
    let published = card.published_at.and_then(DateView::from_unix);
    let mut layout = Layout::new(state, &title, &path).in_section("reviews").describe(&description);
    let share_alt = match &score {
        Some(score) => format!("{title}: {}/10, {}", score.value, score.verdict),
        None => title.clone(),
    };
    layout.og = Some(OpenGraph {
        kind: "article",
        title: card.headline.clone().unwrap_or_else(|| title.clone()),
        description: layout.description.clone(),
        image: Some(state.absolute_url(&format!("{path}/share.png"))),
        image_size: Some((crate::share::WIDTH, crate::share::HEIGHT)),
        image_alt: share_alt,
        published_time: published.as_ref().map(|d| d.iso.clone()),
    });
    layout.json_ld = Some(review_json_ld(state, &site, data, poster.as_ref(), &layout.canonical));
    ReviewPage {
        layout,
        crumb: Link { href: "/".into(), text: "Reviews".into() },
        film_title: film.title.clone(),
        film_href: format!("/films/{}", film.slug),
        year: film.year,
        year_linked: true,
        tagline: film.tagline.clone(),
        poster,
        facts: film_facts(film, credits, genres),
        reading: reading_label(card.word_count),
        headline: card.headline.clone(),
        spoilers: review.spoilers,
        body: review.body_html.clone(),
        score,
        summary: card.summary.clone(),
        related: related.iter().map(|c| CardView::new(&site, c)).collect(),
        author: match (&card.author_slug, &card.author_name) {
            (Some(slug), Some(name)) => Some(Link { href: format!("/writers/{slug}"), text: name.clone() }),
            _ => None,
        },
        updated: DateView::from_unix(review.updated_at)
            .filter(|u| published.as_ref().is_some_and(|p| p.human != u.human)),
        published,
        watched: review.watched_on.clone(),
        rewatch: review.rewatch,
        tags: review.tags.iter().map(|t| Link { href: format!("/tags/{}", t.slug), text: t.name.clone() }).collect(),
        fediverse: Fediverse::default(),
    }
}

fn people_links(credits: &[Credit], department: marquee_core::Department, limit: usize) -> Vec<Link> {
    credits
        .iter()
        .filter(|c| c.department == department)
        .take(limit)
        .map(|c| Link { href: format!("/people/{}", c.person_slug), text: c.person_name.clone() })
        .collect()
}

/// The facts a film shows beside its title, in reading order; empty facts are left out.
fn film_facts(film: &Film, credits: &[Credit], genres: &[Named]) -> Vec<Fact> {
    let text = |label, value: Option<String>| Fact { label, text: value, links: vec![] };
    let links = |label, links: Vec<Link>| Fact { label, text: None, links };
    let facts = vec![
        text("Original title", film.original_title.clone().filter(|o| *o != film.title)),
        text("Runtime", film.runtime_minutes.map(|m| format!("{m} minutes"))),
        links("Directed by", people_links(credits, marquee_core::Department::Directing, usize::MAX)),
        links("Written by", people_links(credits, marquee_core::Department::Writing, usize::MAX)),
        links("Starring", people_links(credits, marquee_core::Department::Cast, TOP_BILLED)),
        links(
            "Genres",
            genres.iter().map(|g| Link { href: format!("/genres/{}", g.slug), text: g.name.clone() }).collect(),
        ),
        text("Country", (!film.countries.is_empty()).then(|| film.countries.join(", "))),
        text("Language", (!film.languages.is_empty()).then(|| film.languages.join(", "))),
    ];
    facts.into_iter().filter(|f| f.text.is_some() || !f.links.is_empty()).collect()
}

fn review_json_ld(
    state: &AppState,
    site: &Site,
    data: &ReviewData,
    poster: Option<&PictureView>,
    canonical: &str,
) -> marquee_core::SafeHtml {
    let ReviewData { review, film, credits, genres, .. } = data;
    let card = &review.card;
    let name = card.headline.clone().unwrap_or_else(|| format!("{} review", film.title));
    let mut ld = json!({
        "@type": "Review",
        "url": canonical,
        "name": name,
        "itemReviewed": structured::movie(state, film, credits, genres, poster.map(|p| p.absolute_src(state))),
        "author": {
            "@type": "Person",
            "name": card.author_name.clone().unwrap_or_else(|| site.title.clone()),
        },
        "publisher": {"@type": "Organization", "name": site.title, "url": state.absolute_url("/")},
    });
    if let Some(slug) = &card.author_slug {
        ld["author"]["url"] = json!(state.absolute_url(&format!("/writers/{slug}")));
    }
    if let Some(score) = card.score {
        ld["reviewRating"] =
            json!({"@type": "Rating", "ratingValue": score.as_f64(), "bestRating": 10, "worstRating": 0});
    }
    if let Some(date) = card.published_at.and_then(DateView::from_unix) {
        ld["datePublished"] = json!(date.iso);
    }
    if let Some(date) = DateView::from_unix(review.updated_at) {
        ld["dateModified"] = json!(date.iso);
    }
    if let Some(summary) = &card.summary {
        ld["description"] = json!(summary);
    }
    let film_path = format!("/films/{}", film.slug);
    let review_path = format!("/reviews/{}", card.slug);
    structured::graph(state, vec![ld], &[("Films", "/films"), (&film_title(film), &film_path), (&name, &review_path)])
}

/// "Title (1990)", or the title alone when the year is unknown.
fn film_title(film: &Film) -> String {
    match film.year {
        Some(year) => format!("{} ({year})", film.title),
        None => film.title.clone(),
    }
}

async fn film(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> AppResult {
    let page = Reader::of(&state).film(&slug).await?.ok_or(Error::NotFound)?;
    let FilmData { film, cards, diary, lists, ratings, credits, genres } = page;
    let (articles, _) = posts::published(&state.store, &PostFilter::Film(film.id), 50, 0).await?;
    // A film has a page once something public is written about it.
    if cards.is_empty() && diary.is_empty() && lists.is_empty() && articles.is_empty() {
        return Err(Error::NotFound);
    }
    let site = state.site();
    let title = film_title(&film);
    let path = format!("/films/{}", film.slug);
    let mut layout =
        Layout::new(&state, &title, &path).in_section("films").describe(film.synopsis.as_deref().unwrap_or_default());
    let poster = film
        .poster
        .as_ref()
        .map(|p| PictureView::from_picture(p, format!("{} poster", film.title), POSTER_SIZES, 640, false));
    let mut movie =
        structured::movie(&state, &film, &credits, &genres, poster.as_ref().map(|p| p.absolute_src(&state)));
    if let Some(mean) = mean_rating(&ratings) {
        movie["aggregateRating"] = json!({
            "@type": "AggregateRating",
            "ratingValue": (mean * 10.0).round() / 10.0,
            "ratingCount": ratings.len(),
            "bestRating": 10,
            "worstRating": 0,
        });
    }
    layout.json_ld = Some(structured::graph(&state, vec![movie], &[("Films", "/films"), (&title, &path)]));
    let mut facts = film_facts(&film, &credits, &genres);
    let reviewed = !cards.is_empty();
    if !reviewed {
        // People, genre and year pages gather reviewed films: an unreviewed film's facts are text.
        for fact in &mut facts {
            for link in &mut fact.links {
                link.href.clear();
            }
        }
    }
    render(FilmPage {
        layout,
        poster,
        facts,
        crumb: Link { href: "/films".into(), text: "Films".into() },
        film_title: film.title,
        year: film.year,
        year_linked: reviewed,
        tagline: film.tagline,
        synopsis: film.synopsis,
        cards: cards.iter().map(|c| CardView::new(&site, c)).collect(),
        diary: diary
            .iter()
            .map(|(name, slug, entry)| {
                let writer = Link { href: format!("/writers/{slug}/diary"), text: name.clone() };
                crate::views::cinephile::DiaryLine::new(entry, Some(writer))
            })
            .collect(),
        average: average_rating(&ratings),
        lists: lists.iter().map(|l| Link { href: format!("/lists/{}", l.slug), text: l.title.clone() }).collect(),
        articles: articles.iter().map(PostCardView::new).collect(),
    })
}

/// The mean of the writers' ratings out of 10, when anyone rated the film.
fn mean_rating(ratings: &[marquee_core::Score]) -> Option<f64> {
    (!ratings.is_empty()).then(|| ratings.iter().map(|s| s.tenths()).sum::<i64>() as f64 / ratings.len() as f64 / 10.0)
}

/// "7.4 / 10 from 3 writers", or nothing when nobody rated the film.
fn average_rating(ratings: &[marquee_core::Score]) -> Option<String> {
    let mean = mean_rating(ratings)?;
    let writers = if ratings.len() == 1 { "1 writer".to_string() } else { format!("{} writers", ratings.len()) };
    Some(format!("{mean:.1} / 10 from {writers}"))
}

async fn person(State(state): State<Arc<AppState>>, Path(slug): Path<String>) -> AppResult {
    let person = people::by_slug(&state.store, &slug).await?.ok_or(Error::NotFound)?;
    let roles = people::roles_on_reviewed_films(&state.store, person.id).await?;
    if roles.is_empty() {
        return Err(Error::NotFound);
    }
    let (cards, _) = Reader::of(&state).cards(&Filter::Person(person.id), 500, 0).await?;
    let site = state.site();
    let mut groups = Vec::new();
    for (department, heading) in [
        (marquee_core::Department::Directing, "Director"),
        (marquee_core::Department::Writing, "Writer"),
        (marquee_core::Department::Cast, "Cast"),
    ] {
        let mut group_cards = Vec::new();
        for card in &cards {
            if let Some(role) = roles.iter().find(|r| r.film_id == card.film_id && r.department == department) {
                let mut view = CardView::new(&site, card);
                view.note = role.character.as_ref().map(|c| format!("as {c}"));
                group_cards.push(view);
            }
        }
        if !group_cards.is_empty() {
            groups.push(RoleGroup { heading: heading.into(), cards: group_cards });
        }
    }
    let films_count = roles.iter().map(|r| r.film_id).collect::<std::collections::HashSet<_>>().len();
    let summary = match films_count {
        1 => format!("One film with {} reviewed here.", person.name),
        n => format!("{n} films with {} reviewed here.", person.name),
    };
    let path = format!("/people/{}", person.slug);
    let mut layout = Layout::new(&state, &person.name, &path).describe(&summary);
    let node = structured::person(&state, &person.name, &person.slug, person.imdb_id.as_deref());
    layout.json_ld = Some(structured::graph(&state, vec![node], &[(&person.name, &path)]));
    render(PersonPage { layout, name: person.name, summary, groups })
}

async fn year(State(state): State<Arc<AppState>>, Path(year): Path<String>, query: PageQuery) -> AppResult {
    let year = year.parse().ok().and_then(|y| marquee_core::Year::new(y).ok()).ok_or(Error::NotFound)?.get();
    let path = format!("/years/{year}");
    let heading = format!("Films of {year}");
    let spec = ListSpec {
        filter: Filter::Year(year),
        layout: Layout::new(&state, &heading, &path)
            .in_section("years")
            .describe(&format!("Reviews of films released in {year}.")),
        path,
        heading,
        intro: None,
        kicker: kicker("/years", "Years"),
        parent: kicker("/years", "Years"),
        empty_is_not_found: true,
        articles: Vec::new(),
        articles_more: None,
        follow: None,
    };
    list(&state, spec, &query).await
}

async fn genre(State(state): State<Arc<AppState>>, Path(slug): Path<String>, query: PageQuery) -> AppResult {
    let name = films::name_of(&state.store, NamedKind::Genre, &slug).await?.ok_or(Error::NotFound)?;
    let path = format!("/genres/{slug}");
    let spec = ListSpec {
        filter: Filter::GenreSlug(slug),
        layout: Layout::new(&state, &name, &path)
            .in_section("genres")
            .describe(&format!("{name} films reviewed."))
            .with_feeds(&path, &format!("{name} reviews")),
        path,
        heading: name,
        intro: None,
        kicker: kicker("/genres", "Genres"),
        parent: kicker("/genres", "Genres"),
        empty_is_not_found: true,
        articles: Vec::new(),
        articles_more: None,
        follow: None,
    };
    list(&state, spec, &query).await
}

async fn tag(State(state): State<Arc<AppState>>, Path(slug): Path<String>, query: PageQuery) -> AppResult {
    let name = films::name_of(&state.store, NamedKind::Tag, &slug).await?.ok_or(Error::NotFound)?;
    let path = format!("/tags/{slug}");
    let heading = format!("Tagged “{name}”");
    let more = Link { href: format!("/tags/{slug}/articles"), text: format!("All articles tagged {name}") };
    let (articles, articles_more) = articles_beside(&state, &PostFilter::TagSlug(slug.clone()), more).await?;
    let spec = ListSpec {
        articles,
        articles_more,
        filter: Filter::TagSlug(slug),
        layout: Layout::new(&state, &heading, &path)
            .describe(&format!("Reviews tagged {name}."))
            .with_feeds(&path, &format!("Reviews tagged {name}")),
        path,
        heading,
        intro: None,
        kicker: kicker("/tags", "Tags"),
        parent: kicker("/tags", "Tags"),
        empty_is_not_found: true,
        follow: None,
    };
    list(&state, spec, &query).await
}

async fn score_band(State(state): State<Arc<AppState>>, Path(band): Path<String>, query: PageQuery) -> AppResult {
    let site = state.site();
    let (found, below) = site.bands.by_slug(&band).ok_or(Error::NotFound)?;
    let range = match below {
        Some(below) => format!("Scores from {} up to {}.", found.min, below),
        None => format!("Scores of {} and above.", found.min),
    };
    let path = format!("/scores/{band}");
    let spec = ListSpec {
        filter: Filter::Score { min: found.min, below },
        layout: Layout::new(&state, &found.label, &path).in_section("scores").describe(&range),
        path,
        heading: found.label.clone(),
        intro: Some(range),
        kicker: kicker("/scores", "Scores"),
        parent: kicker("/scores", "Scores"),
        empty_is_not_found: false,
        articles: Vec::new(),
        articles_more: None,
        follow: None,
    };
    list(&state, spec, &query).await
}

async fn writer(State(state): State<Arc<AppState>>, Path(slug): Path<String>, query: PageQuery) -> AppResult {
    let user = users::public_by_slug(&state.store, &slug).await?.ok_or(Error::NotFound)?;
    let path = format!("/writers/{slug}");
    let heading = format!("Reviews by {}", user.display_name);
    let more =
        Link { href: format!("/writers/{slug}/articles"), text: format!("All articles by {}", user.display_name) };
    let (articles, articles_more) = articles_beside(&state, &PostFilter::Author(user.id), more).await?;
    let spec = ListSpec {
        articles,
        articles_more,
        filter: Filter::Author(user.id),
        layout: Layout::new(&state, &user.display_name, &path)
            .describe(&format!("Reviews by {}.", user.display_name))
            .with_json_ld(writer_profile(&state, &user, &path))
            .with_feeds(&path, &format!("Reviews by {}", user.display_name)),
        path,
        heading,
        intro: (!user.bio.is_empty()).then(|| user.bio.clone()),
        kicker: user
            .diary_public
            .then(|| Link { href: format!("/writers/{slug}/diary"), text: format!("{}’s diary", user.display_name) }),
        parent: None,
        // A writer with a public diary or a published list has a page before their first review.
        empty_is_not_found: false,
        follow: state.site().federation.then(|| format!("{}@{}", user.slug, state.federation.host)),
    };
    list(&state, spec, &query).await
}

fn index_page(
    state: &AppState,
    section: &'static str,
    heading: &str,
    intro: &str,
    path: &str,
    items: Vec<IndexItem>,
) -> AppResult {
    let layout = Layout::new(state, heading, path).in_section(section).describe(intro);
    render(IndexPage { layout, heading: heading.into(), intro: intro.into(), items })
}

fn named_items(prefix: &str, named: Vec<Named>) -> Vec<IndexItem> {
    named
        .into_iter()
        .map(|n| IndexItem { href: format!("{prefix}/{}", n.slug), label: n.name, count: n.reviews })
        .collect()
}

async fn films_index(State(state): State<Arc<AppState>>) -> AppResult {
    let items = named_items("/films", films::with_reviews(&state.store).await?);
    index_page(&state, "films", "Films", "Every film reviewed here, by title.", "/films", items)
}

async fn years_index(State(state): State<Arc<AppState>>) -> AppResult {
    let items = films::years_with_reviews(&state.store)
        .await?
        .into_iter()
        .map(|(year, count)| IndexItem { href: format!("/years/{year}"), label: year.to_string(), count })
        .collect();
    index_page(&state, "years", "Years", "Reviews by the year the film was released.", "/years", items)
}

async fn genres_index(State(state): State<Arc<AppState>>) -> AppResult {
    let items = named_items("/genres", films::genres_with_reviews(&state.store).await?);
    index_page(&state, "genres", "Genres", "Reviews by genre.", "/genres", items)
}

async fn tags_index(State(state): State<Arc<AppState>>) -> AppResult {
    let items = named_items("/tags", films::tags_with_reviews(&state.store).await?);
    index_page(&state, "", "Tags", "Reviews by tag.", "/tags", items)
}

async fn scores_index(State(state): State<Arc<AppState>>) -> AppResult {
    let site = state.site();
    let scores = reviews::published_scores(&state.store).await?;
    let items = site
        .bands
        .bands()
        .iter()
        .map(|band| IndexItem {
            href: format!("/scores/{}", band.slug()),
            label: format!("{} ({} and above)", band.label, band.min),
            count: scores.iter().filter(|s| site.bands.band_for(**s) == band).count() as i64,
        })
        .collect();
    index_page(&state, "scores", "Scores", "Reviews by verdict, from the highest band down.", "/scores", items)
}
