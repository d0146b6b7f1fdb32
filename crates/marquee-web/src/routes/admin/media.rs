//! The media library: images uploaded once, described with alt text, served in every size the
//! public site uses. Uploads are judged by their content, never by their name.

use super::pages::{json, notice, page_of, pager, render, render_status, see_other};
use crate::auth::{Admin, FormData};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use marquee_core::Action;
use marquee_store::media::{self, MediaItem};
use std::sync::Arc;

fn media_view(item: &MediaItem) -> MediaView {
    let image = &item.image;
    let largest = image.widths.iter().copied().max().unwrap_or(image.width);
    let thumb_width = image.widths.iter().copied().min().unwrap_or(image.width);
    MediaView {
        id: item.id,
        thumbnail: image.url(thumb_width, &image.extension),
        width: image.width,
        height: image.height,
        alt: item.alt.clone(),
        original_name: item.original_name.clone(),
        snippet: format!("![{}]({})", item.alt.replace([']', '['], ""), image.url(largest, &image.extension)),
        size: format!("{} × {} px, {} KB", image.width, image.height, (item.byte_size + 1023) / 1024),
        uploaded: match &item.uploaded_by {
            Some(name) => format!("{} by {name}", admin_time(item.created_at)),
            None => admin_time(item.created_at),
        },
    }
}

async fn library_page(
    state: &AppState,
    admin: &Admin,
    query: Option<&str>,
    error: Option<String>,
    alt: String,
) -> Result<MediaPage> {
    let (page, offset) = page_of(query);
    let (items, total) = media::library(&state.store, super::pages::PAGE_SIZE, offset).await?;
    Ok(MediaPage {
        layout: AdminLayout::new(state, admin, "Media", "media").with_notice(notice(query)),
        items: items.iter().map(media_view).collect(),
        error,
        alt,
        pager: pager("/admin/media", page, total),
    })
}

pub async fn library(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    admin.require(Action::UploadMedia)?;
    render(&library_page(&state, &admin, uri.query(), None, String::new()).await?)
}

/// Whether the editor's script asked (it wants JSON back, not a page).
fn wants_json(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"))
}

pub async fn upload(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response> {
    admin.require(Action::UploadMedia)?;
    let alt = form.text("alt");
    let Some(file) = form.file("file") else {
        return refused(&state, &admin, &headers, "Choose an image file to upload.".into(), alt).await;
    };
    if alt.is_empty() {
        let message = "Describe the image in the alt text field: readers who cannot see it hear that description.";
        return refused(&state, &admin, &headers, message.into(), alt).await;
    }
    let uploaded =
        marquee_changes::media::upload(&state.desk, &admin.member(), &file.bytes, &file.file_name, &alt, "file").await;
    let id = match uploaded {
        Ok(id) => id,
        Err(marquee_changes::ChangeError::Invalid(problems)) => {
            let message = problems.into_iter().map(|p| p.message).collect::<Vec<_>>().join(" ");
            return refused(&state, &admin, &headers, message, alt).await;
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(media = id, user = admin.id(), "image uploaded");
    if wants_json(&headers) {
        let item = media::by_id(&state.store, id).await?.ok_or_else(|| Error::Internal("upload vanished".into()))?;
        let view = media_view(&item);
        let body =
            serde_json::json!({ "id": id, "markdown": view.snippet, "thumbnail": view.thumbnail, "alt": view.alt });
        return Ok(json(&body));
    }
    Ok(see_other(&format!("/admin/media#media-{id}"), "uploaded"))
}

/// An upload refused: the message on the library page (the alt text typed kept), or as JSON.
async fn refused(
    state: &AppState,
    admin: &Admin,
    headers: &HeaderMap,
    message: String,
    alt: String,
) -> Result<Response> {
    if wants_json(headers) {
        let body = serde_json::json!({ "error": message });
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, json(&body)).into_response());
    }
    let page = library_page(state, admin, None, Some(message), alt).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub async fn update_alt(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    match marquee_changes::media::describe(&state.desk, &admin.member(), id, &form.text("alt")).await {
        Ok(()) => Ok(see_other(&format!("/admin/media#media-{id}"), "saved")),
        Err(marquee_changes::ChangeError::Invalid(problems)) => {
            let message = problems.into_iter().map(|p| p.message).collect::<Vec<_>>().join(" ");
            let page = library_page(&state, &admin, None, Some(message), String::new()).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
