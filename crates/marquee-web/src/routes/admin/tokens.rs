//! API tokens: each user creates and revokes their own, reading or also writing. The secret is
//! shown once when created; the store keeps its SHA-256 and its first characters.

use super::{form_status, notice, render_status, see_other};
use crate::auth::{new_api_token, Admin, FormData};
use crate::error::Result;
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use marquee_store::tokens::{self, Scope};
use std::sync::Arc;

async fn tokens_page(
    state: &AppState,
    admin: &Admin,
    name: String,
    errors: Vec<FieldError>,
    created: Option<String>,
    notice: Option<&'static str>,
) -> Result<Response> {
    let tokens = tokens::of_user(&state.store, admin.id()).await?;
    let page = TokensPage {
        layout: AdminLayout::new(state, admin, "API tokens", "account").with_notice(notice),
        tokens: tokens
            .into_iter()
            .map(|t| TokenRow {
                id: t.id,
                name: t.name,
                hint: t.hint,
                scope: match t.scope {
                    Scope::Read => "Read",
                    Scope::Write => "Read and write",
                },
                created: admin_time(t.created_at),
                last_used: t.last_used_at.map(admin_time).unwrap_or_else(|| "Never".into()),
                revoked: t.revoked_at.map(admin_time),
            })
            .collect(),
        name,
        created,
        errors: errors.clone(),
    };
    render_status(form_status(&errors), &page)
}

pub async fn index(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    tokens_page(&state, &admin, String::new(), Vec::new(), None, notice(uri.query())).await
}

pub async fn create(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    let name = form.text("name");
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors
            .push(FieldError { field: "name", message: "Say what the token is for, in up to 100 characters.".into() });
    }
    let scope = Scope::parse(&form.text("scope"));
    if scope.is_none() {
        errors.push(FieldError { field: "scope", message: "Choose whether it may read, or read and write.".into() });
    }
    let Some(scope) = scope.filter(|_| errors.is_empty()) else {
        return tokens_page(&state, &admin, name, errors, None, None).await;
    };
    let token = new_api_token();
    let mut tx = state.store.begin().await?;
    tokens::create(&mut tx, admin.id(), &name, &token.hash, &token.hint, scope).await?;
    marquee_store::audit::record(&mut tx, admin.id(), admin.name(), "token.created", &name, scope.as_str()).await?;
    tx.commit().await?;
    tokens_page(&state, &admin, String::new(), Vec::new(), Some(token.secret), Some("Created.")).await
}

pub async fn revoke(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    _form: FormData,
) -> Result<Response> {
    let mut tx = state.store.begin().await?;
    if tokens::revoke(&mut tx, admin.id(), id).await? {
        marquee_store::audit::record(&mut tx, admin.id(), admin.name(), "token.revoked", &id.to_string(), "").await?;
    }
    tx.commit().await?;
    Ok(see_other("/admin/account/tokens", "revoked"))
}
