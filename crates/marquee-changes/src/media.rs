//! The media library: an image uploaded (checked by its content, re-encoded without its metadata,
//! kept once whatever its name) with the alt text that describes it, and that text changed.

use crate::{ChangeError, Desk, Member, Problem, Result};
use marquee_core::Action;
use marquee_media::MediaError;
use marquee_store::media;

/// Takes an image into the library with its alt text; returns its media id. An image the media
/// store refuses (not an image, too large, SVG …) is a problem of field `field`.
pub async fn upload(
    desk: &Desk,
    member: &Member,
    bytes: &[u8],
    file_name: &str,
    alt: &str,
    field: &'static str,
) -> Result<i64> {
    member.require(Action::UploadMedia)?;
    let ingested = match desk.media.ingest(bytes).await {
        Ok(ingested) => ingested,
        Err(MediaError::Io { path, source }) => {
            return Err(ChangeError::Media(format!("{}: {source}", path.display())));
        }
        Err(e) => {
            return Err(ChangeError::Invalid(vec![Problem::new(field, format!("{file_name} was refused: {e}."))]))
        }
    };
    let mut tx = desk.store.begin().await?;
    let id =
        media::record_upload(&mut tx, &ingested.image, ingested.byte_size as i64, file_name, alt.trim(), member.id)
            .await?;
    tx.commit().await?;
    Ok(id)
}

/// Sets an image's alt text, which may not be empty: readers who cannot see the image hear it.
pub async fn describe(desk: &Desk, member: &Member, id: i64, alt: &str) -> Result<()> {
    member.require(Action::UploadMedia)?;
    media::by_id(&desk.store, id).await?.ok_or(ChangeError::NotFound)?;
    if alt.trim().is_empty() {
        return Err(ChangeError::Invalid(vec![Problem::new("alt", "Alt text cannot be empty.")]));
    }
    let mut tx = desk.store.begin().await?;
    media::set_alt(&mut tx, id, alt.trim()).await?;
    tx.commit().await?;
    Ok(())
}
