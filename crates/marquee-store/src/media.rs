//! Media records: images in the media store, content-addressed by SHA-256.

use crate::{now, Conn, Error, Result};
use marquee_core::StoredImage;
use sqlx::any::AnyRow;
use sqlx::Row;

/// The image a film shows: one from the media store or an external URL kept as given.
#[derive(Clone, Debug, PartialEq)]
pub enum Picture {
    Stored(StoredImage),
    Url(String),
}

/// Records an image (or finds it, when the same bytes were stored before) and returns its id.
pub async fn insert_or_get(conn: &mut Conn, image: &StoredImage, byte_size: i64, original_name: &str) -> Result<i64> {
    let widths = image.widths.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    sqlx::query(
        "INSERT INTO media (sha256, extension, width, height, widths, byte_size, original_name, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (sha256) DO NOTHING",
    )
    .bind(&image.sha256)
    .bind(&image.extension)
    .bind(i64::from(image.width))
    .bind(i64::from(image.height))
    .bind(widths)
    .bind(byte_size)
    .bind(original_name)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(sqlx::query_scalar("SELECT id FROM media WHERE sha256 = $1").bind(&image.sha256).fetch_one(conn).await?)
}

/// Reads a stored image from columns named with `prefix` (`sha256`, `extension`, `width`,
/// `height`, `widths`), or `None` when the row has no image (a LEFT JOIN that found none).
pub(crate) fn stored_image_from_row(row: &AnyRow, prefix: &str) -> Result<Option<StoredImage>> {
    let sha256: Option<String> = row.try_get(format!("{prefix}sha256").as_str())?;
    let Some(sha256) = sha256 else { return Ok(None) };
    let widths: String = row.try_get(format!("{prefix}widths").as_str())?;
    let widths = widths
        .split(',')
        .map(|w| w.parse::<u32>().map_err(|_| Error::Corrupt(format!("media {sha256} has widths \"{widths}\""))))
        .collect::<Result<Vec<_>>>()?;
    let width: i64 = row.try_get(format!("{prefix}width").as_str())?;
    let height: i64 = row.try_get(format!("{prefix}height").as_str())?;
    Ok(Some(StoredImage {
        sha256,
        extension: row.try_get(format!("{prefix}extension").as_str())?,
        width: width as u32,
        height: height as u32,
        widths,
    }))
}

/// The columns `stored_image_from_row` reads, from the media table aliased `alias`.
pub(crate) fn image_columns(alias: &str, prefix: &str) -> String {
    ["sha256", "extension", "width", "height", "widths"]
        .iter()
        .map(|c| format!("{alias}.{c} AS {prefix}{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A film's picture from a row holding `poster_url` and the poster's media columns.
pub(crate) fn picture_from_row(row: &AnyRow, url_column: &str, prefix: &str) -> Result<Option<Picture>> {
    if let Some(image) = stored_image_from_row(row, prefix)? {
        return Ok(Some(Picture::Stored(image)));
    }
    let url: Option<String> = row.try_get(url_column)?;
    Ok(url.map(Picture::Url))
}
