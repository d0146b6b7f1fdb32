//! Films and people: finding (or adding) the film a title and year name, editing a film's facts
//! and credits, correcting a person, merging two entries for the same person.

use crate::{ChangeError, Desk, Member, Problem, Result};
use marquee_core::{Action, Day, Department, ImdbId, Runtime, Slug, SlugError, Title, Year};
use marquee_store::films::{self, CreditInput, FilmInput, PictureInput};
use marquee_store::{audit, people, Conn};

/// The slug a film's (and a new review's) address starts from: its title, then its year.
pub fn film_slug(title: &str, year: Option<Year>) -> Result<Slug, SlugError> {
    Slug::of_film(title, year.map(Year::get))
}

/// A film as a review's writer names it: found by its title and year, or added with these facts.
#[derive(Clone, Debug, Default)]
pub struct FilmDraft {
    pub title: Option<Title>,
    pub year: Option<Year>,
    pub runtime: Option<Runtime>,
    pub tagline: Option<String>,
    pub directors: Vec<String>,
    /// In billing order.
    pub cast: Vec<String>,
    pub genres: Vec<String>,
}

fn credit(department: Department, name: &str, character: Option<String>) -> CreditInput {
    CreditInput { name: name.to_string(), department, job: None, character }
}

/// The film of a review: the one with this slug (given the poster when it has none), or a new one
/// with the draft's facts.
pub(crate) async fn film_for_review(
    conn: &mut Conn,
    draft: &FilmDraft,
    slug: Slug,
    poster: Option<i64>,
) -> Result<i64> {
    if let Some(id) = films::id_by_slug(conn, slug.as_str()).await? {
        if let Some(poster) = poster {
            films::set_poster_if_missing(conn, id, poster).await?;
        }
        return Ok(id);
    }
    let mut credits: Vec<CreditInput> =
        draft.directors.iter().map(|n| credit(Department::Directing, n, None)).collect();
    credits.extend(draft.cast.iter().map(|n| credit(Department::Cast, n, None)));
    let title = draft.title.as_ref().map_or("", |t| t.as_str());
    let film = FilmInput {
        runtime_minutes: draft.runtime.map(Runtime::minutes),
        tagline: draft.tagline.clone().filter(|t| !t.is_empty()),
        poster: poster.map(PictureInput::Media),
        genres: draft.genres.clone(),
        credits,
        ..FilmInput::titled(slug, title, draft.year.map(Year::get))
    };
    Ok(films::upsert(conn, &film).await?)
}

/// A film as a diary entry or a list names it: a title and, when several films share it, a year.
#[derive(Clone, Debug)]
pub struct FilmName {
    pub title: Title,
    pub year: Option<Year>,
}

/// The film a title and year name: found by title and year, or by title alone when only one film
/// has it, or added (title and year) when new. A problem names the field to fix.
pub async fn film_named(conn: &mut Conn, name: &FilmName) -> Result<i64> {
    let title = name.title.as_str();
    if name.year.is_none() {
        match films::titled(conn, title).await?.as_slice() {
            [(id, _)] => return Ok(*id),
            [] => {}
            several => {
                let years: Vec<String> = several.iter().filter_map(|(_, y)| y.map(|y| y.to_string())).collect();
                let message = format!("Several films are called {title} ({}): add the year.", years.join(", "));
                return Err(ChangeError::Invalid(vec![Problem::new("film_year", message)]));
            }
        }
    }
    let slug = film_slug(title, name.year)
        .map_err(|e| ChangeError::Invalid(vec![Problem::new("film_title", e.to_string())]))?;
    if let Some(id) = films::id_by_slug(conn, slug.as_str()).await? {
        return Ok(id);
    }
    Ok(films::upsert(conn, &FilmInput::titled(slug, title, name.year.map(Year::get))).await?)
}

/// A cast member as the film form lists them: a name, and the character after " as ".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CastMember {
    pub name: String,
    pub character: Option<String>,
}

/// The poster a film form asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PosterChoice {
    /// Keep the stored poster if it is from the library; drop one that is an address.
    Keep,
    /// An image on the web (https).
    Url(String),
    /// An image just uploaded to the library.
    Media(i64),
}

/// A film's facts as its form edits them; what the form does not show (backdrop, TMDB and
/// Letterboxd ids, crew beyond directors, writers and cast) is kept.
#[derive(Clone, Debug)]
pub struct FilmEdit {
    pub title: Title,
    pub original_title: Option<String>,
    pub year: Option<Year>,
    pub runtime: Option<Runtime>,
    pub release_date: Option<Day>,
    pub imdb: Option<ImdbId>,
    pub tagline: Option<String>,
    pub synopsis: Option<String>,
    pub genres: Vec<String>,
    pub countries: Vec<String>,
    pub languages: Vec<String>,
    pub poster: PosterChoice,
    pub directors: Vec<String>,
    pub writers: Vec<String>,
    pub cast: Vec<CastMember>,
}

/// The film as stored, to fill its form.
pub async fn film(desk: &Desk, member: &Member, id: i64) -> Result<FilmInput> {
    member.require(Action::ManageCatalogue)?;
    films::editable(&desk.store, id).await?.ok_or(ChangeError::NotFound)
}

/// `edit` applied over the film as stored.
pub fn edited(stored: &FilmInput, edit: &FilmEdit) -> FilmInput {
    let mut film = stored.clone();
    film.title = edit.title.as_str().to_string();
    film.original_title = edit.original_title.clone();
    film.year = edit.year.map(Year::get);
    film.runtime_minutes = edit.runtime.map(Runtime::minutes);
    film.release_date = edit.release_date.map(|d| d.to_string());
    film.imdb_id = edit.imdb.as_ref().map(|i| i.as_str().to_string());
    film.tagline = edit.tagline.clone();
    film.synopsis = edit.synopsis.clone();
    film.genres = edit.genres.clone();
    film.countries = edit.countries.clone();
    film.languages = edit.languages.clone();
    film.poster = match &edit.poster {
        PosterChoice::Url(url) => Some(PictureInput::Url(url.clone())),
        PosterChoice::Media(id) => Some(PictureInput::Media(*id)),
        PosterChoice::Keep => stored.poster.clone().filter(|p| matches!(p, PictureInput::Media(_))),
    };
    let mut credits: Vec<CreditInput> = edit.directors.iter().map(|n| credit(Department::Directing, n, None)).collect();
    credits.extend(edit.writers.iter().map(|n| credit(Department::Writing, n, None)));
    credits.extend(edit.cast.iter().map(|c| credit(Department::Cast, &c.name, c.character.clone())));
    credits.extend(stored.credits.iter().filter(|c| !Department::SHOWN.contains(&c.department)).cloned());
    film.credits = credits;
    film
}

/// Saves a film's facts and credits.
pub async fn edit_film(desk: &Desk, member: &Member, id: i64, edit: &FilmEdit) -> Result<()> {
    let stored = film(desk, member, id).await?;
    if let PosterChoice::Url(url) = &edit.poster {
        if !url.starts_with("https://") {
            return Err(ChangeError::Invalid(vec![Problem::new(
                "poster_url",
                "A poster address must start with https://.",
            )]));
        }
    }
    let film = edited(&stored, edit);
    let mut tx = desk.store.begin().await?;
    films::upsert(&mut tx, &film).await?;
    audit::record(&mut tx, member.id, &member.name, "film.edited", &film.title, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Corrects a person's name and IMDb id; their address stays.
pub async fn edit_person(desk: &Desk, member: &Member, id: i64, name: &Title, imdb: Option<&ImdbId>) -> Result<()> {
    member.require(Action::ManageCatalogue)?;
    people::by_id(&desk.store, id).await?.ok_or(ChangeError::NotFound)?;
    let mut tx = desk.store.begin().await?;
    match people::update(&mut tx, id, name.as_str(), imdb.map(ImdbId::as_str)).await {
        Ok(()) => {}
        Err(marquee_store::Error::Exists(message)) => {
            return Err(ChangeError::Invalid(vec![Problem::new("imdb_id", message)]))
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(())
}

/// Merges person `id` into the person whose address is `/people/<into>`: their credits move
/// there. Returns the person merged into.
pub async fn merge_people(desk: &Desk, member: &Member, id: i64, into: &str) -> Result<people::Person> {
    member.require(Action::ManageCatalogue)?;
    let from = people::by_id(&desk.store, id).await?.ok_or(ChangeError::NotFound)?;
    let slug = into.trim().trim_start_matches("/people/").trim_matches('/');
    let target = match Slug::parse(slug) {
        Ok(slug) => people::by_slug(&desk.store, slug.as_str()).await?,
        Err(_) => None,
    };
    let Some(target) = target.filter(|p| p.id != id) else {
        let message = format!(
            "No other person has the address \"{}\": enter the slug from their page's URL, like ada-moreau.",
            into.trim()
        );
        return Err(ChangeError::Invalid(vec![Problem::new("into", message)]));
    };
    let mut tx = desk.store.begin().await?;
    let moved = people::merge(&mut tx, id, target.id).await?;
    let detail = format!("into {} ({moved} credits moved)", target.name);
    audit::record(&mut tx, member.id, &member.name, "person.merged", &from.name, &detail).await?;
    tx.commit().await?;
    Ok(target)
}
