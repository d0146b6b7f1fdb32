//! Lists (ordered films with a note each, ranked or not, published by choice) and each user's
//! watchlist.

use crate::media::{image_columns, picture_from_row, Picture};
use crate::{content, now, Conn, Error, Result, Store};
use marquee_core::SafeHtml;
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

/// What a list's own fields hold, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct ListInput {
    pub title: String,
    pub description_markdown: String,
    pub description_html: SafeHtml,
    pub ranked: bool,
    pub published: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct List {
    pub id: i64,
    pub user_id: i64,
    pub owner_name: String,
    pub owner_slug: String,
    pub slug: String,
    pub title: String,
    pub description_markdown: String,
    pub description_html: SafeHtml,
    pub ranked: bool,
    pub published: bool,
    pub updated_at: i64,
    pub films: i64,
}

const LIST_SELECT: &str = "SELECT l.id, l.user_id, u.display_name AS owner_name, u.slug AS owner_slug, l.slug, \
    l.title, l.description_markdown, l.description_html, l.ranked, l.published, l.updated_at, \
    (SELECT COUNT(*) FROM list_items i WHERE i.list_id = l.id) AS films FROM lists l JOIN users u ON u.id = l.user_id";

fn list_from_row(row: &AnyRow) -> Result<List> {
    Ok(List {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        owner_name: row.try_get("owner_name")?,
        owner_slug: row.try_get("owner_slug")?,
        slug: row.try_get("slug")?,
        title: row.try_get("title")?,
        description_markdown: row.try_get("description_markdown")?,
        description_html: SafeHtml::from_stored(row.try_get("description_html")?),
        ranked: row.try_get::<i64, _>("ranked")? != 0,
        published: row.try_get::<i64, _>("published")? != 0,
        updated_at: row.try_get("updated_at")?,
        films: row.try_get("films")?,
    })
}

/// Creates a list; its slug comes from the title, made unique. Returns its id.
pub async fn create(conn: &mut Conn, user_id: i64, list: &ListInput) -> Result<i64> {
    let base = marquee_core::Slug::naming(&list.title).map_err(|e| Error::Invalid(format!("list title: {e}")))?;
    let slug = crate::unique_slug(conn, "lists", base.as_str()).await?;
    let now = now();
    let id = sqlx::query_scalar(
        "INSERT INTO lists (user_id, slug, title, description_markdown, description_html, ranked, published, \
           created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(user_id)
    .bind(slug)
    .bind(list.title.trim())
    .bind(&list.description_markdown)
    .bind(list.description_html.as_str())
    .bind(i64::from(list.ranked))
    .bind(i64::from(list.published))
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    content::bump(conn).await?;
    Ok(id)
}

/// Changes a list's own fields; its slug (its public address) stays.
pub async fn update(conn: &mut Conn, id: i64, list: &ListInput) -> Result<()> {
    sqlx::query(
        "UPDATE lists SET title = $1, description_markdown = $2, description_html = $3, ranked = $4, published = $5, \
           updated_at = $6 WHERE id = $7",
    )
    .bind(list.title.trim())
    .bind(&list.description_markdown)
    .bind(list.description_html.as_str())
    .bind(i64::from(list.ranked))
    .bind(i64::from(list.published))
    .bind(now())
    .bind(id)
    .execute(&mut *conn)
    .await?;
    content::bump(conn).await
}

pub async fn delete(conn: &mut Conn, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM lists WHERE id = $1").bind(id).execute(&mut *conn).await?;
    content::bump(conn).await
}

pub async fn by_id(store: &Store, id: i64) -> Result<Option<List>> {
    let row = sqlx::query(&format!("{LIST_SELECT} WHERE l.id = $1")).bind(id).fetch_optional(store.pool()).await?;
    row.as_ref().map(list_from_row).transpose()
}

pub async fn by_slug(store: &Store, slug: &str) -> Result<Option<List>> {
    let row = sqlx::query(&format!("{LIST_SELECT} WHERE l.slug = $1")).bind(slug).fetch_optional(store.pool()).await?;
    row.as_ref().map(list_from_row).transpose()
}

/// A user's lists, most recently changed first.
pub async fn of_user(store: &Store, user_id: i64) -> Result<Vec<List>> {
    let rows = sqlx::query(&format!("{LIST_SELECT} WHERE l.user_id = $1 ORDER BY l.updated_at DESC, l.id DESC"))
        .bind(user_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(list_from_row).collect()
}

/// One page of published lists, most recently changed first, and how many there are.
pub async fn published(store: &Store, limit: i64, offset: i64) -> Result<(Vec<List>, i64)> {
    let rows = sqlx::query(&format!(
        "{LIST_SELECT} WHERE l.published = 1 ORDER BY l.updated_at DESC, l.id DESC LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(store.pool())
    .await?;
    let lists = rows.iter().map(list_from_row).collect::<Result<Vec<_>>>()?;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM lists WHERE published = 1").fetch_one(store.pool()).await?;
    Ok((lists, total))
}

/// Up to `limit` published lists whose id is above `after`, by id.
pub async fn published_after(store: &Store, after: i64, limit: i64) -> Result<Vec<List>> {
    let rows = sqlx::query(&format!("{LIST_SELECT} WHERE l.published = 1 AND l.id > $1 ORDER BY l.id LIMIT $2"))
        .bind(after)
        .bind(limit)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(list_from_row).collect()
}

/// Published lists that include a film.
pub async fn published_with_film(store: &Store, film_id: i64) -> Result<Vec<List>> {
    Ok(published_with_where(store, "= $1", Some(film_id)).await?.remove(&film_id).unwrap_or_default())
}

/// `published_with_film` for each of the films of `set`, by film.
pub async fn published_with_films(store: &Store, set: crate::films::FilmSet) -> Result<HashMap<i64, Vec<List>>> {
    published_with_where(store, &format!("IN ({})", set.ids()), None).await
}

/// Published lists holding the films whose id is `film_test` (`= $1` or `IN (…)`), by film.
async fn published_with_where(store: &Store, film_test: &str, film_id: Option<i64>) -> Result<HashMap<i64, Vec<List>>> {
    let sql = format!(
        "{} JOIN list_items li ON li.list_id = l.id WHERE l.published = 1 AND li.film_id {film_test} \
         ORDER BY l.updated_at DESC, l.id DESC",
        LIST_SELECT.replacen("SELECT l.id", "SELECT li.film_id AS item_film_id, l.id", 1)
    );
    let rows = crate::rows_for(store, &sql, film_id).await?;
    crate::grouped(&rows, "item_film_id", list_from_row)
}

/// A film in a list or a watchlist.
#[derive(Clone, Debug, PartialEq)]
pub struct FilmItem {
    pub film_id: i64,
    pub film_slug: String,
    pub film_title: String,
    pub film_year: Option<i32>,
    pub poster: Option<Picture>,
    pub note: String,
    /// Whether the film has a public page to link to.
    pub has_page: bool,
}

fn item_select(from: &str) -> String {
    format!(
        "SELECT f.id AS film_id, f.slug AS film_slug, f.title AS film_title, f.year AS film_year, f.poster_url, {}, \
           CASE WHEN {} THEN 1 ELSE 0 END AS has_page, {from} JOIN films f ON f.id = i.film_id \
           LEFT JOIN media m ON m.id = f.poster_media_id",
        image_columns("m", "poster_"),
        *crate::public_pages::FILM
    )
}

fn item_from_row(row: &AnyRow) -> Result<FilmItem> {
    let year: Option<i64> = row.try_get("film_year")?;
    Ok(FilmItem {
        film_id: row.try_get("film_id")?,
        film_slug: row.try_get("film_slug")?,
        film_title: row.try_get("film_title")?,
        film_year: year.map(|y| y as i32),
        poster: picture_from_row(row, "poster_url", "poster_")?,
        note: row.try_get("note")?,
        has_page: row.try_get::<i64, _>("has_page")? != 0,
    })
}

/// A list's films in order.
pub async fn items(store: &Store, list_id: i64) -> Result<Vec<FilmItem>> {
    let sql = format!("{} WHERE i.list_id = $1 ORDER BY i.position", item_select("i.note FROM list_items i"));
    let rows = sqlx::query(&sql).bind(list_id).fetch_all(store.pool()).await?;
    rows.iter().map(item_from_row).collect()
}

async fn touch(conn: &mut Conn, list_id: i64) -> Result<()> {
    sqlx::query("UPDATE lists SET updated_at = $1 WHERE id = $2").bind(now()).bind(list_id).execute(&mut *conn).await?;
    content::bump(conn).await
}

/// Adds a film at the end of a list (a film already in it keeps its place and takes the note).
pub async fn add_item(conn: &mut Conn, list_id: i64, film_id: i64, note: &str) -> Result<()> {
    let next: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM list_items WHERE list_id = $1")
        .bind(list_id)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO list_items (list_id, film_id, position, note) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (list_id, film_id) DO UPDATE SET note = excluded.note",
    )
    .bind(list_id)
    .bind(film_id)
    .bind(next)
    .bind(note.trim())
    .execute(&mut *conn)
    .await?;
    touch(conn, list_id).await
}

pub async fn remove_item(conn: &mut Conn, list_id: i64, film_id: i64) -> Result<()> {
    sqlx::query("DELETE FROM list_items WHERE list_id = $1 AND film_id = $2")
        .bind(list_id)
        .bind(film_id)
        .execute(&mut *conn)
        .await?;
    touch(conn, list_id).await
}

pub async fn set_note(conn: &mut Conn, list_id: i64, film_id: i64, note: &str) -> Result<()> {
    sqlx::query("UPDATE list_items SET note = $1 WHERE list_id = $2 AND film_id = $3")
        .bind(note.trim())
        .bind(list_id)
        .bind(film_id)
        .execute(&mut *conn)
        .await?;
    touch(conn, list_id).await
}

/// Puts a list's films in the order given. The order must name exactly the list's films.
pub async fn reorder(conn: &mut Conn, list_id: i64, film_ids: &[i64]) -> Result<()> {
    let mut current: Vec<i64> = sqlx::query_scalar("SELECT film_id FROM list_items WHERE list_id = $1")
        .bind(list_id)
        .fetch_all(&mut *conn)
        .await?;
    let mut wanted = film_ids.to_vec();
    current.sort_unstable();
    wanted.sort_unstable();
    if current != wanted {
        return Err(Error::Invalid("the new order must name each film of the list once".into()));
    }
    for (position, film_id) in film_ids.iter().enumerate() {
        sqlx::query("UPDATE list_items SET position = $1 WHERE list_id = $2 AND film_id = $3")
            .bind(position as i64 + 1)
            .bind(list_id)
            .bind(film_id)
            .execute(&mut *conn)
            .await?;
    }
    touch(conn, list_id).await
}

/// The list's films in order, by id (for moving one up or down).
pub async fn order(conn: &mut Conn, list_id: i64) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT film_id FROM list_items WHERE list_id = $1 ORDER BY position")
        .bind(list_id)
        .fetch_all(conn)
        .await?)
}

/// Puts a film on a user's watchlist (once).
/// Whether a film is on a user's watchlist.
pub async fn watchlist_has(conn: &mut Conn, user_id: i64, film_id: i64) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM watchlist WHERE user_id = $1 AND film_id = $2")
        .bind(user_id)
        .bind(film_id)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

pub async fn watchlist_add(conn: &mut Conn, user_id: i64, film_id: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO watchlist (user_id, film_id, added_at) VALUES ($1, $2, $3) ON CONFLICT (user_id, film_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(film_id)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    content::bump(conn).await
}

/// Takes a film off a user's watchlist; answers whether it was on it.
pub async fn watchlist_remove(conn: &mut Conn, user_id: i64, film_id: i64) -> Result<bool> {
    let removed = sqlx::query("DELETE FROM watchlist WHERE user_id = $1 AND film_id = $2")
        .bind(user_id)
        .bind(film_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    if removed > 0 {
        content::bump(conn).await?;
    }
    Ok(removed > 0)
}

/// A user's watchlist, most recently added first.
pub async fn watchlist(store: &Store, user_id: i64) -> Result<Vec<FilmItem>> {
    let sql = format!(
        "{} WHERE i.user_id = $1 ORDER BY i.added_at DESC, f.title",
        item_select("'' AS note FROM watchlist i")
    );
    let rows = sqlx::query(&sql).bind(user_id).fetch_all(store.pool()).await?;
    rows.iter().map(item_from_row).collect()
}

/// Writes a list that came from elsewhere under its source's identifier (a Letterboxd list's
/// link) with its films in order and their notes: created the first time, rewritten when it
/// changed, kept when it did not.
pub async fn import(
    conn: &mut Conn,
    user_id: i64,
    source: &str,
    list: &ListInput,
    items: &[(i64, String)],
) -> Result<crate::marks::Change> {
    use crate::marks::Change;
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM lists WHERE user_id = $1 AND letterboxd_uri = $2")
        .bind(user_id)
        .bind(source)
        .fetch_optional(&mut *conn)
        .await?;
    let id = match existing {
        Some(id) => {
            let row = sqlx::query("SELECT title, description_markdown, ranked FROM lists WHERE id = $1")
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
            let current: Vec<(i64, String)> =
                sqlx::query("SELECT film_id, note FROM list_items WHERE list_id = $1 ORDER BY position")
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get("film_id")?, r.try_get("note")?)))
                    .collect::<Result<_>>()?;
            let same = row.try_get::<String, _>("title")? == list.title.trim()
                && row.try_get::<String, _>("description_markdown")? == list.description_markdown
                && (row.try_get::<i64, _>("ranked")? != 0) == list.ranked
                && current == items;
            if same {
                return Ok(Change::Unchanged);
            }
            // The member's own choice of publishing stays.
            let published: i64 =
                sqlx::query_scalar("SELECT published FROM lists WHERE id = $1").bind(id).fetch_one(&mut *conn).await?;
            update(conn, id, &ListInput { published: published != 0, ..list.clone() }).await?;
            sqlx::query("DELETE FROM list_items WHERE list_id = $1").bind(id).execute(&mut *conn).await?;
            id
        }
        None => {
            let id = create(conn, user_id, list).await?;
            sqlx::query("UPDATE lists SET letterboxd_uri = $1 WHERE id = $2")
                .bind(source)
                .bind(id)
                .execute(&mut *conn)
                .await?;
            id
        }
    };
    for (film_id, note) in items {
        add_item(conn, id, *film_id, note).await?;
    }
    Ok(if existing.is_some() { Change::Updated } else { Change::Created })
}
