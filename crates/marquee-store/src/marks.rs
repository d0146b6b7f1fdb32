//! A member's own marks on a film, apart from the diary's viewings: watched (and when first
//! marked), a rating, a like. Letterboxd keeps these per film; imports bring them here.

use crate::{Conn, Result};
use marquee_core::Score;
use sqlx::Row;

/// What an import did to one thing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Created,
    Updated,
    Unchanged,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mark {
    pub watched: bool,
    pub rating: Option<Score>,
    pub liked: bool,
    /// `YYYY-MM-DD`.
    pub marked_on: Option<String>,
}

/// Sets a member's mark on a film, saying whether that created, changed or kept it.
pub async fn set(conn: &mut Conn, user_id: i64, film_id: i64, mark: &Mark) -> Result<Change> {
    let current = sqlx::query(
        "SELECT watched, rating_tenths, liked, marked_on FROM film_marks WHERE user_id = $1 AND film_id = $2",
    )
    .bind(user_id)
    .bind(film_id)
    .fetch_optional(&mut *conn)
    .await?;
    let rating = mark.rating.map(Score::tenths);
    if let Some(row) = &current {
        let same = (row.try_get::<i64, _>("watched")? != 0) == mark.watched
            && row.try_get::<Option<i64>, _>("rating_tenths")? == rating
            && (row.try_get::<i64, _>("liked")? != 0) == mark.liked
            && row.try_get::<Option<String>, _>("marked_on")? == mark.marked_on;
        if same {
            return Ok(Change::Unchanged);
        }
    }
    sqlx::query(
        "INSERT INTO film_marks (user_id, film_id, watched, rating_tenths, liked, marked_on) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, film_id) DO UPDATE SET watched = excluded.watched, \
           rating_tenths = excluded.rating_tenths, liked = excluded.liked, marked_on = excluded.marked_on",
    )
    .bind(user_id)
    .bind(film_id)
    .bind(i64::from(mark.watched))
    .bind(rating)
    .bind(i64::from(mark.liked))
    .bind(&mark.marked_on)
    .execute(&mut *conn)
    .await?;
    Ok(if current.is_some() { Change::Updated } else { Change::Created })
}

/// A member's mark on a film, if any.
pub async fn get(conn: &mut Conn, user_id: i64, film_id: i64) -> Result<Option<Mark>> {
    let row = sqlx::query(
        "SELECT watched, rating_tenths, liked, marked_on FROM film_marks WHERE user_id = $1 AND film_id = $2",
    )
    .bind(user_id)
    .bind(film_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|row| {
        let rating: Option<i64> = row.try_get("rating_tenths")?;
        Ok(Mark {
            watched: row.try_get::<i64, _>("watched")? != 0,
            rating: rating.map(Score::from_tenths).transpose().map_err(|e| crate::Error::Corrupt(e.to_string()))?,
            liked: row.try_get::<i64, _>("liked")? != 0,
            marked_on: row.try_get("marked_on")?,
        })
    })
    .transpose()
}
