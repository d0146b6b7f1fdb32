//! Where public pages read published content: from the whole published site while it is held in
//! memory (`AppState::hold_published`, while the static export renders every page), from the
//! store otherwise. The choice is made here, once per page (`Reader::of`), and no handler makes
//! it: each read is written once for each source, side by side.

use crate::state::AppState;
use marquee_store::films::{self, Credit, Film, FilmSet, Named};
use marquee_store::published::{FilmPage, Published};
use marquee_store::reviews::{self, FeedReview, Filter, Review, ReviewCard};
use marquee_store::{diary, lists, Result};
use std::sync::Arc;

/// How many reviews a film's page lists.
const FILM_PAGE_REVIEWS: usize = 100;

/// Everything a review page shows.
pub struct ReviewData {
    pub review: Review,
    pub film: Film,
    pub credits: Vec<Credit>,
    pub genres: Vec<Named>,
    pub related: Vec<ReviewCard>,
}

pub struct Reader<'a> {
    state: &'a AppState,
    held: Option<Arc<Published>>,
}

impl<'a> Reader<'a> {
    /// Reads for one page: from the held site if it is held now, for the whole page.
    pub fn of(state: &'a AppState) -> Reader<'a> {
        Reader { state, held: state.published() }
    }

    /// The published review with this slug and its film.
    pub async fn review_and_film(&self, slug: &str) -> Result<Option<(Review, Film)>> {
        if let Some(held) = &self.held {
            let review = held.review(slug);
            return Ok(review.and_then(|r| Some((r.clone(), held.film(r.card.film_id)?.clone()))));
        }
        let store = &self.state.store;
        let Some(review) = reviews::published_by_slug(store, slug).await? else { return Ok(None) };
        Ok(films::by_id(store, review.card.film_id).await?.map(|film| (review, film)))
    }

    /// The published review with this slug, with its film's credits and genres and its related
    /// reviews.
    pub async fn review(&self, slug: &str) -> Result<Option<ReviewData>> {
        let Some((review, film)) = self.review_and_film(slug).await? else { return Ok(None) };
        let related_ids = self.state.related_reviews(review.card.id).await?;
        let store = &self.state.store;
        Ok(Some(match &self.held {
            Some(held) => ReviewData {
                credits: held.credits(film.id).to_vec(),
                genres: held.genres(film.id).to_vec(),
                related: held.cards_by_ids(&related_ids),
                review,
                film,
            },
            None => ReviewData {
                credits: films::credits(store, film.id).await?,
                genres: films::genres(store, film.id).await?,
                related: reviews::published_by_ids(store, &related_ids).await?,
                review,
                film,
            },
        }))
    }

    /// Everything the film's page shows, when the film exists.
    pub async fn film(&self, slug: &str) -> Result<Option<FilmPage>> {
        if let Some(page) = self.held.as_ref().and_then(|held| held.film_page(slug, FILM_PAGE_REVIEWS)) {
            return Ok(Some(page));
        }
        let store = &self.state.store;
        let Some(film) = films::by_slug(store, slug).await? else { return Ok(None) };
        Ok(Some(FilmPage {
            cards: reviews::published(store, &Filter::Film(film.id), FILM_PAGE_REVIEWS as i64, 0).await?.0,
            diary: diary::public_for_film(store, film.id).await?,
            lists: lists::published_with_film(store, film.id).await?,
            ratings: diary::ratings_for_film(store, film.id).await?,
            credits: films::credits(store, film.id).await?,
            genres: films::genres(store, film.id).await?,
            film,
        }))
    }

    /// One page of published reviews `filter` selects, and how many it selects.
    pub async fn cards(&self, filter: &Filter, limit: i64, offset: i64) -> Result<(Vec<ReviewCard>, i64)> {
        match &self.held {
            Some(held) => held.page(&self.state.store, filter, limit, offset).await,
            None => reviews::published(&self.state.store, filter, limit, offset).await,
        }
    }

    /// The newest `limit` published reviews `filter` selects, with what a feed item shows.
    pub async fn feed(&self, filter: &Filter, limit: i64) -> Result<Vec<FeedReview>> {
        match &self.held {
            Some(held) => held.feed(&self.state.store, filter, limit).await,
            None => reviews::published_for_feed(&self.state.store, filter, limit).await,
        }
    }

    /// What `each` makes of every published review's card and film (reviews whose film is gone
    /// are left out, as is whatever `each` declines).
    pub async fn each_reviewed<T>(&self, mut each: impl FnMut(&ReviewCard, &Film) -> Option<T>) -> Result<Vec<T>> {
        if let Some(held) = &self.held {
            return Ok(held
                .reviews()
                .iter()
                .filter_map(|review| each(&review.card, held.film(review.card.film_id)?))
                .collect());
        }
        let store = &self.state.store;
        let (cards, _) = reviews::published(store, &Filter::All, i64::MAX, 0).await?;
        let films = films::many(store, FilmSet::Reviewed).await?;
        Ok(cards.iter().filter_map(|card| each(card, films.get(&card.film_id)?)).collect())
    }
}
