//! A member's lists (ordered films with notes, ranked or not, private until published) and
//! watchlist. Each belongs to its member alone.

use crate::catalogue::{film_named, FilmName};
use crate::{ChangeError, Desk, Member, Problem, Result};
use marquee_core::{Action, Title};
use marquee_store::lists::{self, List, ListInput};

/// A list's own words and settings.
#[derive(Clone, Debug)]
pub struct ListDraft {
    pub title: Title,
    /// Markdown.
    pub description: String,
    pub ranked: bool,
    pub published: bool,
}

fn input(draft: &ListDraft) -> Result<ListInput> {
    if marquee_core::Slug::from_text(draft.title.as_str()).is_err() {
        return Err(ChangeError::Invalid(vec![Problem::new(
            "title",
            "Give the list a title with a letter or digit in it.",
        )]));
    }
    let rendered = marquee_core::markdown::render(&draft.description, &|_| None);
    Ok(ListInput {
        title: draft.title.as_str().to_string(),
        description_markdown: draft.description.trim().to_string(),
        description_html: rendered.html,
        ranked: draft.ranked,
        published: draft.published,
    })
}

/// Starts a list of the member's own (private until they publish it). Returns its id.
pub async fn create(desk: &Desk, member: &Member, draft: &ListDraft) -> Result<i64> {
    let input = input(draft)?;
    let mut tx = desk.store.begin().await?;
    let id = lists::create(&mut tx, member.id, &input).await?;
    tx.commit().await?;
    Ok(id)
}

/// The member's own list `id`.
pub async fn own_list(desk: &Desk, member: &Member, id: i64) -> Result<List> {
    let list = lists::by_id(&desk.store, id).await?.ok_or(ChangeError::NotFound)?;
    member.require(Action::ManageCollection { owner: list.user_id })?;
    Ok(list)
}

pub async fn edit(desk: &Desk, member: &Member, id: i64, draft: &ListDraft) -> Result<()> {
    own_list(desk, member, id).await?;
    let input = input(draft)?;
    let mut tx = desk.store.begin().await?;
    lists::update(&mut tx, id, &input).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn delete(desk: &Desk, member: &Member, id: i64) -> Result<()> {
    own_list(desk, member, id).await?;
    let mut tx = desk.store.begin().await?;
    lists::delete(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a film (found or added) at the end of a list, with a note.
pub async fn add_film(desk: &Desk, member: &Member, id: i64, film: &FilmName, note: &str) -> Result<()> {
    own_list(desk, member, id).await?;
    let mut tx = desk.store.begin().await?;
    let film_id = film_named(&mut tx, film).await?;
    lists::add_item(&mut tx, id, film_id, note.trim()).await?;
    tx.commit().await?;
    Ok(())
}

/// One place up or down in a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    Up,
    Down,
}

/// Moves a film of a list one place up or down (at the top or the bottom, it stays).
pub async fn move_film(desk: &Desk, member: &Member, id: i64, film_id: i64, towards: Move) -> Result<()> {
    own_list(desk, member, id).await?;
    let mut tx = desk.store.begin().await?;
    let mut order = lists::order(&mut tx, id).await?;
    let at = order.iter().position(|f| *f == film_id).ok_or(ChangeError::NotFound)?;
    let to = match towards {
        Move::Up => at.checked_sub(1),
        Move::Down => Some(at + 1).filter(|to| *to < order.len()),
    };
    if let Some(to) = to {
        order.swap(at, to);
        lists::reorder(&mut tx, id, &order).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Puts a list's films in this order (every film of the list, each once).
pub async fn reorder(desk: &Desk, member: &Member, id: i64, order: &[i64]) -> Result<()> {
    own_list(desk, member, id).await?;
    let mut tx = desk.store.begin().await?;
    match lists::reorder(&mut tx, id, order).await {
        Ok(()) => {}
        Err(marquee_store::Error::Invalid(message)) => {
            return Err(ChangeError::Invalid(vec![Problem::new("order", message)]))
        }
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    Ok(())
}

pub async fn set_note(desk: &Desk, member: &Member, id: i64, film_id: i64, note: &str) -> Result<()> {
    own_list(desk, member, id).await?;
    let mut tx = desk.store.begin().await?;
    lists::set_note(&mut tx, id, film_id, note.trim()).await?;
    tx.commit().await?;
    Ok(())
}

pub async fn remove_film(desk: &Desk, member: &Member, id: i64, film_id: i64) -> Result<()> {
    own_list(desk, member, id).await?;
    let mut tx = desk.store.begin().await?;
    lists::remove_item(&mut tx, id, film_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Puts a film (found or added) on the member's watchlist.
pub async fn watch_later(desk: &Desk, member: &Member, film: &FilmName) -> Result<()> {
    let mut tx = desk.store.begin().await?;
    let film_id = film_named(&mut tx, film).await?;
    lists::watchlist_add(&mut tx, member.id, film_id).await?;
    tx.commit().await?;
    Ok(())
}

/// Takes a film off the member's watchlist.
pub async fn unwatch_later(desk: &Desk, member: &Member, film_id: i64) -> Result<()> {
    let mut tx = desk.store.begin().await?;
    lists::watchlist_remove(&mut tx, member.id, film_id).await?;
    tx.commit().await?;
    Ok(())
}
