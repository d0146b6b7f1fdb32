//! Old addresses of reviews, articles and pages (a WordPress permalink, a Hugo alias), each
//! answered with a permanent redirect to where it is now while it is published.

use crate::{Conn, Result, Store};
use sqlx::Row;

/// The path an old address is kept and looked up as: from the site's root, without a query,
/// fragment or trailing slash (`https://old.example/2019/05/heat/` → `/2019/05/heat`). None for
/// anything else, and for the root itself, except WordPress's own addresses of a post or page
/// (`/?p=55`, `/?page_id=2`), kept as they are.
pub fn normalize(address: &str) -> Option<String> {
    if let Some(wordpress) = wordpress_id(address) {
        return Some(wordpress);
    }
    let address = address.trim();
    let path = match address.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") => {
            &rest[rest.find('/')?..]
        }
        Some(_) => return None,
        None => address,
    };
    let path = path.split(['?', '#']).next().unwrap_or_default().trim_end_matches('/');
    let valid = path.starts_with('/')
        && !path.starts_with("//")
        && !path.split('/').any(|segment| segment == "..")
        && !path.chars().any(|c| c.is_whitespace() || c.is_control());
    valid.then(|| path.to_string())
}

/// `/?p=55` (or `/?page_id=2`) from an address of a site's root with that query alone.
fn wordpress_id(address: &str) -> Option<String> {
    let address = address.trim();
    let (before, query) = address.split_once('?')?;
    let root = match before.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |at| &rest[at..]),
        None => before,
    };
    if !root.trim_end_matches('/').is_empty() {
        return None;
    }
    let query = query.split('#').next().unwrap_or_default();
    let (key, value) = query.split_once('=')?;
    let numeric = !value.is_empty() && value.len() <= 18 && value.bytes().all(|b| b.is_ascii_digit());
    (matches!(key, "p" | "page_id") && numeric).then(|| format!("/?{key}={value}"))
}

/// Replaces a review's old addresses; an address another review had moves to this one.
pub async fn set(conn: &mut Conn, review_id: i64, paths: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM redirects WHERE review_id = $1").bind(review_id).execute(&mut *conn).await?;
    for path in paths {
        sqlx::query(
            "INSERT INTO redirects (path, review_id) VALUES ($1, $2) \
             ON CONFLICT (path) DO UPDATE SET review_id = excluded.review_id",
        )
        .bind(path)
        .bind(review_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A review's old addresses.
pub async fn of_review(store: &Store, review_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT path FROM redirects WHERE review_id = $1 ORDER BY path")
        .bind(review_id)
        .fetch_all(store.pool())
        .await?)
}

/// Where the published review, article or page an old address leads to is now.
pub async fn target(store: &Store, path: &str) -> Result<Option<String>> {
    let Some(path) = normalize(path) else { return Ok(None) };
    let review: Option<String> = sqlx::query_scalar(
        "SELECT r.slug FROM redirects d JOIN reviews r ON r.id = d.review_id WHERE d.path = $1 AND r.status = 'published'",
    )
    .bind(&path)
    .fetch_optional(store.pool())
    .await?;
    if let Some(slug) = review {
        return Ok(Some(format!("/reviews/{slug}")));
    }
    let post = sqlx::query(
        "SELECT p.kind, p.slug FROM post_redirects d JOIN posts p ON p.id = d.post_id \
         WHERE d.path = $1 AND p.status = 'published'",
    )
    .bind(&path)
    .fetch_optional(store.pool())
    .await?;
    let Some(post) = post else { return Ok(None) };
    let kind: String = post.try_get("kind")?;
    let kind: marquee_core::PostKind = kind.parse().map_err(crate::Error::Corrupt)?;
    let slug: String = post.try_get("slug")?;
    // A page moved to the address it had (`/about/` → `/about`) is answered by the page itself.
    Ok(Some(kind.path(&slug)).filter(|target| *target != path))
}

/// Every old address of a published review, article or page, with where it is now, by address.
pub async fn published(store: &Store) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT d.path, 'review' AS kind, r.slug FROM redirects d JOIN reviews r ON r.id = d.review_id \
         WHERE r.status = 'published' \
         UNION ALL SELECT d.path, p.kind, p.slug FROM post_redirects d JOIN posts p ON p.id = d.post_id \
         WHERE p.status = 'published' ORDER BY 1",
    )
    .fetch_all(store.pool())
    .await?;
    let mut moved = Vec::with_capacity(rows.len());
    for row in &rows {
        let (path, kind, slug): (String, String, String) =
            (row.try_get("path")?, row.try_get("kind")?, row.try_get("slug")?);
        let target = match kind.parse::<marquee_core::PostKind>() {
            Ok(kind) => kind.path(&slug),
            Err(_) => format!("/reviews/{slug}"),
        };
        if target != path {
            moved.push((path, target));
        }
    }
    Ok(moved)
}

#[cfg(test)]
mod tests {

    use super::normalize;

    #[test]
    fn old_addresses_are_kept_as_paths_from_the_root() {
        assert_eq!(normalize("https://old.example/2019/05/heat/").as_deref(), Some("/2019/05/heat"));
        assert_eq!(normalize("http://old.example/heat-review?utm=x#top").as_deref(), Some("/heat-review"));
        assert_eq!(normalize("/reviews/heat/").as_deref(), Some("/reviews/heat"));
        assert_eq!(normalize("/caf%C3%A9").as_deref(), Some("/caf%C3%A9"));
        for refused in [
            "https://old.example/",
            "https://old.example",
            "/",
            "heat",
            "//evil.example/x",
            "/a/../b",
            "ftp://x/y",
            "/a b",
        ] {
            assert_eq!(normalize(refused), None, "{refused}");
        }
    }

    #[test]
    fn wordpress_addresses_of_a_post_keep_their_number() {
        assert_eq!(normalize("https://old.example/?p=55").as_deref(), Some("/?p=55"));
        assert_eq!(normalize("/?page_id=2#top").as_deref(), Some("/?page_id=2"));
        assert_eq!(normalize("http://old.example?p=7").as_deref(), Some("/?p=7"));
        for other in ["/?p=abc", "/?s=heat", "/blog/?p=5", "/?p=", "/?p=1&q=2"] {
            assert_ne!(normalize(other).as_deref().map(|p| p.contains('?')), Some(true), "{other}");
        }
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;

    proptest::proptest! {
        #[test]
        fn an_old_address_is_kept_only_as_a_path_of_this_site(address in ".{0,80}") {
            if let Some(path) = normalize(&address) {
                proptest::prop_assert!(path.starts_with('/') && !path.starts_with("//"));
                proptest::prop_assert!(!path.split('/').any(|segment| segment == ".."));
                proptest::prop_assert_eq!(normalize(&path), Some(path.clone()), "normalizing twice changes nothing");
            }
        }
    }
}
