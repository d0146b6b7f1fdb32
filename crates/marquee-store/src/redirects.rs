//! Old addresses of reviews (a WordPress permalink, a Hugo alias), each answered with a permanent
//! redirect to the review while it is published.

use crate::{Conn, Result, Store};
use sqlx::Row;

/// The path an old address is kept and looked up as: from the site's root, without a query,
/// fragment or trailing slash (`https://old.example/2019/05/heat/` → `/2019/05/heat`). None for
/// anything else, and for the root itself.
pub fn normalize(address: &str) -> Option<String> {
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

/// The slug of the published review an old address leads to.
pub async fn target(store: &Store, path: &str) -> Result<Option<String>> {
    let Some(path) = normalize(path) else { return Ok(None) };
    Ok(sqlx::query_scalar(
        "SELECT r.slug FROM redirects d JOIN reviews r ON r.id = d.review_id WHERE d.path = $1 AND r.status = 'published'",
    )
    .bind(path)
    .fetch_optional(store.pool())
    .await?)
}

/// Every old address of a published review, with the review's slug, by address.
pub async fn published(store: &Store) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT d.path, r.slug FROM redirects d JOIN reviews r ON r.id = d.review_id \
         WHERE r.status = 'published' ORDER BY d.path",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(|row| Ok((row.try_get("path")?, row.try_get("slug")?))).collect()
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
