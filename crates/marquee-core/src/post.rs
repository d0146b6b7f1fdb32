//! Articles and pages: what a publication writes besides reviews. An article (essay, feature,
//! interview, festival report, news) is written, scheduled and revised like a review but is
//! about no one film and has no score; a page (About, Masthead, Contact) is a titled text at a
//! stable address outside feeds and lists.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PostKind {
    Article,
    Page,
}

impl PostKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PostKind::Article => "article",
            PostKind::Page => "page",
        }
    }

    /// How the admin names one of the kind.
    pub fn label(self) -> &'static str {
        match self {
            PostKind::Article => "Article",
            PostKind::Page => "Page",
        }
    }

    /// The public address of the post with this slug: `/articles/slug`, or `/slug` for a page.
    pub fn path(self, slug: &str) -> String {
        match self {
            PostKind::Article => format!("/articles/{slug}"),
            PostKind::Page => format!("/{slug}"),
        }
    }
}

impl fmt::Display for PostKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PostKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "article" => Ok(PostKind::Article),
            "page" => Ok(PostKind::Page),
            other => Err(format!("unknown kind of post: {other:?} (expected article or page)")),
        }
    }
}

/// The first parts of addresses the site answers itself: a page is never given one as its slug,
/// so that a page can never hide a part of the site (nor the site a page).
pub const RESERVED_PAGE_SLUGS: &[&str] = &[
    "admin", "api", "articles", "films", "genres", "healthz", "inbox", "lists", "media", "metrics", "people", "readyz",
    "reviews", "scores", "search", "sitemaps", "static", "tags", "users", "writers", "years",
];

/// Whether a page may take this slug (see `RESERVED_PAGE_SLUGS`).
pub fn page_slug_is_free(slug: &str) -> bool {
    !RESERVED_PAGE_SLUGS.contains(&slug)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_read_back_what_they_write_and_name_their_address() {
        for kind in [PostKind::Article, PostKind::Page] {
            assert_eq!(kind.as_str().parse::<PostKind>(), Ok(kind));
        }
        assert!("review".parse::<PostKind>().unwrap_err().contains("article or page"));
        assert_eq!(PostKind::Article.path("on-tar"), "/articles/on-tar");
        assert_eq!(PostKind::Page.path("about"), "/about");
    }

    #[test]
    fn a_page_cannot_take_the_name_of_a_part_of_the_site() {
        assert!(page_slug_is_free("about"));
        assert!(page_slug_is_free("masthead"));
        for taken in ["films", "reviews", "admin", "search", "articles"] {
            assert!(!page_slug_is_free(taken), "{taken}");
        }
    }
}
