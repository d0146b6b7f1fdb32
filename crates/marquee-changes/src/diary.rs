//! A member's diary: logging a film watched on a day (with a rating, tags and a few words),
//! changing an entry, deleting one. Each diary is its member's alone.

use crate::catalogue::{film_named, FilmName};
use crate::{ChangeError, Desk, Member, Result};
use marquee_core::{Action, Day, Score};
use marquee_store::diary::{self, Entry, EntryInput};
use marquee_store::lists;

/// A viewing as its member logs it.
#[derive(Clone, Debug)]
pub struct EntryDraft {
    pub film: FilmName,
    pub watched_on: Day,
    pub rating: Option<Score>,
    pub rewatch: bool,
    pub liked: bool,
    pub tags: Vec<String>,
    pub review_text: String,
}

fn input(draft: &EntryDraft, film_id: i64) -> EntryInput {
    EntryInput {
        film_id,
        watched_on: draft.watched_on.to_string(),
        rating: draft.rating,
        rewatch: draft.rewatch,
        liked: draft.liked,
        tags: draft.tags.clone(),
        review_text: draft.review_text.trim().to_string(),
    }
}

/// Logs a viewing in the member's diary (the film found or added), taking the film off their
/// watchlist when `leave_watchlist`. Returns the entry's id.
pub async fn log(desk: &Desk, member: &Member, draft: &EntryDraft, leave_watchlist: bool) -> Result<i64> {
    let mut tx = desk.store.begin().await?;
    let film_id = film_named(&mut tx, &draft.film).await?;
    let id = diary::create(&mut tx, member.id, &input(draft, film_id)).await?;
    if leave_watchlist {
        lists::watchlist_remove(&mut tx, member.id, film_id).await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// The member's own entry `id`.
pub async fn own_entry(desk: &Desk, member: &Member, id: i64) -> Result<Entry> {
    let entry = diary::by_id(&desk.store, id).await?.ok_or(ChangeError::NotFound)?;
    member.require(Action::ManageCollection { owner: entry.user_id })?;
    Ok(entry)
}

/// Changes an entry of the member's own.
pub async fn edit(desk: &Desk, member: &Member, id: i64, draft: &EntryDraft) -> Result<()> {
    own_entry(desk, member, id).await?;
    let mut tx = desk.store.begin().await?;
    let film_id = film_named(&mut tx, &draft.film).await?;
    diary::update(&mut tx, id, &input(draft, film_id)).await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes an entry of the member's own.
pub async fn delete(desk: &Desk, member: &Member, id: i64) -> Result<()> {
    own_entry(desk, member, id).await?;
    let mut tx = desk.store.begin().await?;
    diary::delete(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}
