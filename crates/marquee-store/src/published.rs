//! The published site read at once, for a renderer that visits every page (the static export):
//! a dozen queries over everything public instead of several for each page, with lists of
//! reviews read whole once and paged from memory. Each part is read by the same SQL and row
//! code as the per-page reads, only for many films or reviews at a time.

use crate::diary::Entry;
use crate::films::{Credit, Film, FilmSet, Named};
use crate::lists::List;
use crate::reviews::{self, Filter, Review, ReviewCard};
use crate::{Result, Store};
use marquee_core::Score;
use sqlx::Row;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

pub struct Published {
    /// Every published review, newest first.
    reviews: Vec<Review>,
    by_slug: HashMap<String, usize>,
    by_id: HashMap<i64, usize>,
    /// Each film's published reviews, newest first.
    by_film: HashMap<i64, Vec<usize>>,
    films: HashMap<i64, Film>,
    film_slugs: HashMap<String, i64>,
    credits: HashMap<i64, Vec<Credit>>,
    genres: HashMap<i64, Vec<Named>>,
    diary: HashMap<i64, Vec<(String, String, Entry)>>,
    lists: HashMap<i64, Vec<List>>,
    ratings: HashMap<i64, Vec<Score>>,
    /// The films each person is credited on.
    credited: HashMap<i64, HashSet<i64>>,
    /// The reviews each filter asked for so far selects, as positions in `reviews`.
    listed: Mutex<HashMap<String, Arc<Vec<usize>>>>,
}

/// What `map` holds for a film, or nothing.
fn of_film<T: Clone>(map: &HashMap<i64, Vec<T>>, film_id: i64) -> Vec<T> {
    map.get(&film_id).cloned().unwrap_or_default()
}

/// What a film's page shows.
pub struct FilmPage {
    pub film: Film,
    pub cards: Vec<ReviewCard>,
    pub diary: Vec<(String, String, Entry)>,
    pub lists: Vec<List>,
    pub ratings: Vec<Score>,
    pub credits: Vec<Credit>,
    pub genres: Vec<Named>,
}

impl Published {
    pub async fn load(store: &Store) -> Result<Published> {
        let reviews = reviews::all_published(store).await?;
        let public = FilmSet::WithPublicPage;
        let films = crate::films::many(store, public).await?;
        let mut by_film: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, review) in reviews.iter().enumerate() {
            by_film.entry(review.card.film_id).or_default().push(i);
        }
        let mut credited: HashMap<i64, HashSet<i64>> = HashMap::new();
        for row in sqlx::query(&format!("SELECT person_id, film_id FROM credits WHERE film_id IN ({})", public.ids()))
            .fetch_all(store.pool())
            .await?
        {
            credited.entry(row.try_get("person_id")?).or_default().insert(row.try_get("film_id")?);
        }
        Ok(Published {
            credited,
            by_slug: reviews.iter().enumerate().map(|(i, r)| (r.card.slug.clone(), i)).collect(),
            by_id: reviews.iter().enumerate().map(|(i, r)| (r.card.id, i)).collect(),
            by_film,
            film_slugs: films.values().map(|f| (f.slug.clone(), f.id)).collect(),
            credits: crate::films::credits_of(store, public).await?,
            genres: crate::films::genres_of(store, public).await?,
            diary: crate::diary::public_for_films(store, public).await?,
            lists: crate::lists::published_with_films(store, public).await?,
            ratings: crate::diary::ratings_for_films(store, public).await?,
            films,
            reviews,
            listed: Mutex::new(HashMap::new()),
        })
    }

    /// Every published review, newest first.
    pub fn reviews(&self) -> &[Review] {
        &self.reviews
    }

    /// As `reviews::published_by_slug`.
    pub fn review(&self, slug: &str) -> Option<&Review> {
        self.by_slug.get(slug).map(|&i| &self.reviews[i])
    }

    /// As `films::by_id`, for films with a public page.
    pub fn film(&self, id: i64) -> Option<&Film> {
        self.films.get(&id)
    }

    /// As `films::credits`.
    pub fn credits(&self, film_id: i64) -> &[Credit] {
        self.credits.get(&film_id).map_or(&[], Vec::as_slice)
    }

    /// As `films::genres`.
    pub fn genres(&self, film_id: i64) -> &[Named] {
        self.genres.get(&film_id).map_or(&[], Vec::as_slice)
    }

    /// As `reviews::published_by_ids`.
    pub fn cards_by_ids(&self, ids: &[i64]) -> Vec<ReviewCard> {
        ids.iter().filter_map(|id| self.by_id.get(id)).map(|&i| self.reviews[i].card.clone()).collect()
    }

    /// What the page of the film with this slug shows (its first `limit` reviews), when it is a
    /// film with a public page.
    pub fn film_page(&self, slug: &str, limit: usize) -> Option<FilmPage> {
        let film = self.films.get(self.film_slugs.get(slug)?)?;
        Some(FilmPage {
            cards: self
                .by_film
                .get(&film.id)
                .into_iter()
                .flatten()
                .take(limit)
                .map(|&i| self.reviews[i].card.clone())
                .collect(),
            diary: of_film(&self.diary, film.id),
            lists: of_film(&self.lists, film.id),
            ratings: of_film(&self.ratings, film.id),
            credits: self.credits(film.id).to_vec(),
            genres: self.genres(film.id).to_vec(),
            film: film.clone(),
        })
    }

    /// Whether `filter` selects `review`, or `None` when that is not known here (a writer's
    /// reviews: the store is asked).
    fn selects(&self, filter: &Filter, review: &Review) -> Option<bool> {
        let card = &review.card;
        Some(match filter {
            Filter::All => true,
            Filter::Year(year) => card.film_year == Some(*year),
            Filter::GenreSlug(slug) => self.genres(card.film_id).iter().any(|g| g.slug == *slug),
            Filter::TagSlug(slug) => review.tags.iter().any(|t| t.slug == *slug),
            Filter::Film(id) => card.film_id == *id,
            Filter::Person(id) => self.credited.get(id).is_some_and(|films| films.contains(&card.film_id)),
            Filter::Score { min, below } => card.score.is_some_and(|score| {
                score.tenths() >= min.tenths() && below.is_none_or(|below| score.tenths() < below.tenths())
            }),
            Filter::Author(_) => return None,
        })
    }

    /// The reviews `filter` selects, newest first, as positions in `reviews`; read from the
    /// store only for a writer's.
    async fn selected(&self, store: &Store, filter: &Filter) -> Result<Arc<Vec<usize>>> {
        if let Filter::Film(id) = filter {
            return Ok(Arc::new(self.by_film.get(id).cloned().unwrap_or_default()));
        }
        let key = format!("{filter:?}");
        if let Some(held) = self.listed.lock().expect("list memo lock is never poisoned").get(&key) {
            return Ok(held.clone());
        }
        let mut selected = Vec::new();
        let mut unknown = false;
        for (i, review) in self.reviews.iter().enumerate() {
            match self.selects(filter, review) {
                Some(true) => selected.push(i),
                Some(false) => {}
                None => {
                    unknown = true;
                    break;
                }
            }
        }
        if unknown {
            let (cards, _) = reviews::published(store, filter, i64::MAX, 0).await?;
            selected = cards.iter().filter_map(|c| self.by_id.get(&c.id).copied()).collect();
        }
        let selected = Arc::new(selected);
        self.listed.lock().expect("list memo lock is never poisoned").insert(key, selected.clone());
        Ok(selected)
    }

    /// As `reviews::published`: one page of the reviews `filter` selects and how many it
    /// selects, each filter's reviews found once.
    pub async fn page(
        &self,
        store: &Store,
        filter: &Filter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ReviewCard>, i64)> {
        let selected = self.selected(store, filter).await?;
        let start = usize::try_from(offset).unwrap_or(0).min(selected.len());
        let end = start.saturating_add(usize::try_from(limit).unwrap_or(0)).min(selected.len());
        Ok((selected[start..end].iter().map(|&i| self.reviews[i].card.clone()).collect(), selected.len() as i64))
    }

    /// As `reviews::published_for_feed`.
    pub async fn feed(&self, store: &Store, filter: &Filter, limit: i64) -> Result<Vec<reviews::FeedReview>> {
        let selected = self.selected(store, filter).await?;
        Ok(selected
            .iter()
            .take(usize::try_from(limit).unwrap_or(0))
            .map(|&i| {
                let review = &self.reviews[i];
                reviews::FeedReview {
                    card: review.card.clone(),
                    body_html: review.body_html.clone(),
                    updated_at: review.updated_at,
                    tags: review.tags.iter().map(|t| t.name.clone()).collect(),
                }
            })
            .collect())
    }
}
