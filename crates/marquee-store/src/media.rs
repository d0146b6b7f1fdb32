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

/// An image in the media library.
#[derive(Clone, Debug, PartialEq)]
pub struct MediaItem {
    pub id: i64,
    pub image: StoredImage,
    pub alt: String,
    pub original_name: String,
    pub byte_size: i64,
    pub created_at: i64,
    pub uploaded_by: Option<String>,
}

const ITEM_SELECT: &str = "SELECT m.id, m.sha256, m.extension, m.width, m.height, m.widths, m.alt, m.original_name, \
    m.byte_size, m.created_at, u.display_name AS uploaded_by FROM media m LEFT JOIN users u ON u.id = m.uploaded_by";

fn item_from_row(row: &AnyRow) -> Result<MediaItem> {
    Ok(MediaItem {
        id: row.try_get("id")?,
        image: stored_image_from_row(row, "")?.ok_or_else(|| Error::Corrupt("a media row without a hash".into()))?,
        alt: row.try_get("alt")?,
        original_name: row.try_get("original_name")?,
        byte_size: row.try_get("byte_size")?,
        created_at: row.try_get("created_at")?,
        uploaded_by: row.try_get("uploaded_by")?,
    })
}

/// One page of the library, newest first, and how many images there are in all.
pub async fn library(store: &crate::Store, limit: i64, offset: i64) -> Result<(Vec<MediaItem>, i64)> {
    let rows = sqlx::query(&format!("{ITEM_SELECT} ORDER BY m.created_at DESC, m.id DESC LIMIT $1 OFFSET $2"))
        .bind(limit)
        .bind(offset)
        .fetch_all(store.pool())
        .await?;
    let items = rows.iter().map(item_from_row).collect::<Result<Vec<_>>>()?;
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM media").fetch_one(store.pool()).await?;
    Ok((items, total))
}

pub async fn by_id(store: &crate::Store, id: i64) -> Result<Option<MediaItem>> {
    let row = sqlx::query(&format!("{ITEM_SELECT} WHERE m.id = $1")).bind(id).fetch_optional(store.pool()).await?;
    row.as_ref().map(item_from_row).transpose()
}

/// The library's images with these content hashes (in any order; unknown hashes are left out).
pub async fn by_sha256(store: &crate::Store, hashes: &[String]) -> Result<Vec<MediaItem>> {
    if hashes.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!("{ITEM_SELECT} WHERE m.sha256 IN ({})", crate::placeholders(1, hashes.len()));
    let mut query = sqlx::query(&sql);
    for hash in hashes {
        query = query.bind(hash.as_str());
    }
    let rows = query.fetch_all(store.pool()).await?;
    rows.iter().map(item_from_row).collect()
}

/// Records an upload: the image (stored once, whoever uploads it again), its uploader when
/// new, and its alt text.
pub async fn record_upload(
    conn: &mut Conn,
    image: &StoredImage,
    byte_size: i64,
    original_name: &str,
    alt: &str,
    uploaded_by: i64,
) -> Result<i64> {
    let id = insert_or_get(conn, image, byte_size, original_name).await?;
    sqlx::query("UPDATE media SET uploaded_by = COALESCE(uploaded_by, $1) WHERE id = $2")
        .bind(uploaded_by)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    set_alt(conn, id, alt).await?;
    Ok(id)
}

pub async fn set_alt(conn: &mut Conn, id: i64, alt: &str) -> Result<()> {
    sqlx::query("UPDATE media SET alt = $1 WHERE id = $2").bind(alt.trim()).bind(id).execute(conn).await?;
    Ok(())
}
