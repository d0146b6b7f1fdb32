//! The public site's pages: review, film, person, lists of reviews, and the status pages.

use super::cinephile;
use super::parts::*;
use askama::Template;
use marquee_core::SafeHtml;

#[derive(Clone, Debug)]
pub struct Fact {
    pub label: &'static str,
    pub text: Option<String>,
    pub links: Vec<Link>,
}

#[derive(Template)]
#[template(path = "review.html")]
pub struct ReviewPage {
    pub layout: Layout,
    /// The breadcrumb's first step.
    pub crumb: Link,
    pub film_title: String,
    pub film_href: String,
    pub year: Option<i32>,
    /// Whether the year links to its page (films without published reviews are not on one).
    pub year_linked: bool,
    pub tagline: Option<String>,
    pub poster: Option<PictureView>,
    pub facts: Vec<Fact>,
    pub reading: String,
    pub headline: Option<String>,
    pub spoilers: bool,
    pub body: SafeHtml,
    pub score: Option<ScoreView>,
    pub summary: Option<String>,
    pub related: Vec<CardView>,
    pub author: Option<Link>,
    pub published: Option<DateView>,
    pub updated: Option<DateView>,
    pub watched: Option<String>,
    pub rewatch: bool,
    pub tags: Vec<Link>,
    /// What the fediverse said: approved replies, likes and boosts.
    pub fediverse: Fediverse,
}

/// Replies from the fediverse under a review (approved by a moderator), and its likes and boosts.
#[derive(Clone, Debug, Default)]
pub struct Fediverse {
    pub replies: Vec<ReplyView>,
    pub likes: i64,
    pub boosts: i64,
}

impl Fediverse {
    pub fn is_empty(&self) -> bool {
        self.replies.is_empty() && self.likes == 0 && self.boosts == 0
    }
}

/// One approved reply: who wrote it (their handle, linked to their profile), when, and what
/// (sanitized when it arrived; its links `rel="nofollow ugc"`, no images).
#[derive(Clone, Debug)]
pub struct ReplyView {
    pub id: i64,
    pub name: String,
    pub handle: String,
    pub profile: Option<String>,
    pub link: Option<String>,
    pub content: SafeHtml,
    pub date: Option<DateView>,
}

#[derive(Template)]
#[template(path = "list.html")]
pub struct ListPage {
    pub layout: Layout,
    pub kicker: Option<Link>,
    pub heading: String,
    pub intro: Option<String>,
    pub cards: Vec<CardView>,
    pub pagination: Option<Pagination>,
    pub total: i64,
    /// Articles shown beside the reviews (the home page's section, a writer's or a tag's).
    pub articles: Vec<PostCardView>,
    /// Where all of them are, when there are more than shown.
    pub articles_more: Option<Link>,
    /// The fediverse handle that follows this writer (or the site).
    pub follow: Option<String>,
}

/// An article or page.
#[derive(Template)]
#[template(path = "article.html")]
pub struct ArticlePage {
    pub layout: Layout,
    /// Articles have a byline, tags, films and related reading; pages only their text.
    pub is_article: bool,
    pub title: String,
    pub standfirst: Option<String>,
    pub body: marquee_core::SafeHtml,
    pub reading: String,
    pub author: Option<Link>,
    pub published: Option<DateView>,
    pub updated: Option<DateView>,
    pub tags: Vec<Link>,
    pub films: Vec<FilmCardView>,
    pub related: Vec<PostCardView>,
    /// Replies from the fediverse and likes (articles only).
    pub fediverse: Fediverse,
}

/// A film an article discusses, as a small card.
#[derive(Clone, Debug)]
pub struct FilmCardView {
    pub href: String,
    pub title: String,
    pub year: Option<i32>,
    pub poster: Option<PictureView>,
}

/// The list of every article.
#[derive(Template)]
#[template(path = "articles.html")]
pub struct ArticlesPage {
    pub layout: Layout,
    pub heading: String,
    pub articles: Vec<PostCardView>,
    pub pagination: Option<Pagination>,
}

#[derive(Template)]
#[template(path = "film.html")]
pub struct FilmPage {
    pub layout: Layout,
    pub crumb: Link,
    pub film_title: String,
    pub year: Option<i32>,
    pub year_linked: bool,
    pub tagline: Option<String>,
    pub poster: Option<PictureView>,
    pub facts: Vec<Fact>,
    pub synopsis: Option<String>,
    pub cards: Vec<CardView>,
    /// Entries of public diaries, newest first.
    pub diary: Vec<cinephile::DiaryLine>,
    /// "7.4 / 10 from 3 writers".
    pub average: Option<String>,
    pub lists: Vec<Link>,
    /// Articles that discuss the film.
    pub articles: Vec<PostCardView>,
}

#[derive(Clone, Debug)]
pub struct RoleGroup {
    pub heading: String,
    pub cards: Vec<CardView>,
}

#[derive(Template)]
#[template(path = "person.html")]
pub struct PersonPage {
    pub layout: Layout,
    pub name: String,
    pub summary: String,
    pub groups: Vec<RoleGroup>,
}

#[derive(Clone, Debug)]
pub struct IndexItem {
    pub href: String,
    pub label: String,
    pub count: i64,
}

#[derive(Template)]
#[template(path = "index.html")]
pub struct IndexPage {
    pub layout: Layout,
    pub heading: String,
    pub intro: String,
    pub items: Vec<IndexItem>,
}

#[derive(Template)]
#[template(path = "not_found.html")]
pub struct NotFoundPage {
    pub layout: Layout,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub message: &'a str,
}
