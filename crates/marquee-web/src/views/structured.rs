//! Structured data for search engines: one JSON-LD `@graph` per page, holding the page's main
//! thing (a Review, Movie, Person or ProfilePage) and the BreadcrumbList that places it.

use crate::state::AppState;
use marquee_core::html::json_for_script;
use marquee_core::SafeHtml;
use marquee_store::films::{Credit, Film, Named};
use serde_json::{json, Value};

/// How many cast members a Movie names (the page's "Starring" shows as many).
pub const TOP_BILLED: usize = 6;

/// The page's graph: its nodes, then a BreadcrumbList from the site's home page through
/// `crumbs` (name and site path; the last is the page itself).
pub fn graph(state: &AppState, mut nodes: Vec<Value>, crumbs: &[(&str, &str)]) -> SafeHtml {
    let site = state.site();
    let items: Vec<Value> = std::iter::once((site.title.as_str(), "/"))
        .chain(crumbs.iter().copied())
        .enumerate()
        .map(|(i, (name, path))| {
            json!({"@type": "ListItem", "position": i + 1, "name": name, "item": state.absolute_url(path)})
        })
        .collect();
    if items.len() > 1 {
        nodes.push(json!({"@type": "BreadcrumbList", "itemListElement": items}));
    }
    json_for_script(&json!({"@context": "https://schema.org", "@graph": nodes}))
}

pub fn person(state: &AppState, name: &str, slug: &str, imdb_id: Option<&str>) -> Value {
    let mut person = json!({"@type": "Person", "name": name, "url": state.absolute_url(&format!("/people/{slug}"))});
    if let Some(imdb) = imdb_id {
        person["sameAs"] = json!(format!("https://www.imdb.com/name/{imdb}/"));
    }
    person
}

/// A film as schema.org's Movie: title, link, director, top-billed cast, genres, date, runtime,
/// poster and IMDb page, each only when known.
pub fn movie(state: &AppState, film: &Film, credits: &[Credit], genres: &[Named], image: Option<String>) -> Value {
    let people = |department: marquee_core::Department, limit: usize| -> Vec<Value> {
        credits
            .iter()
            .filter(|c| c.department == department)
            .take(limit)
            .map(|c| person(state, &c.person_name, &c.person_slug, None))
            .collect()
    };
    let mut movie = json!({
        "@type": "Movie",
        "name": film.title,
        "url": state.absolute_url(&format!("/films/{}", film.slug)),
        "director": people(marquee_core::Department::Directing, usize::MAX),
        "actor": people(marquee_core::Department::Cast, TOP_BILLED),
        "genre": genres.iter().map(|g| g.name.clone()).collect::<Vec<_>>(),
    });
    if let Some(year) = film.year {
        movie["dateCreated"] = json!(film.release_date.clone().unwrap_or_else(|| year.to_string()));
    }
    if let Some(minutes) = film.runtime_minutes {
        movie["duration"] = json!(format!("PT{minutes}M"));
    }
    if let Some(image) = image {
        movie["image"] = json!(image);
    }
    if let Some(synopsis) = &film.synopsis {
        movie["description"] = json!(synopsis);
    }
    if let Some(imdb) = &film.imdb_id {
        movie["sameAs"] = json!(format!("https://www.imdb.com/title/{imdb}/"));
    }
    movie
}
