//! API tokens: each user creates and revokes their own, reading or also writing. The secret is
//! shown once when created; the store keeps its SHA-256 and its first characters.

use super::pages::{form_status, notice, render_status, see_other};
use crate::auth::{Admin, FormData};
use crate::error::Result;
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::{Path, State};
use axum::http::Uri;
use axum::response::Response;
use marquee_changes::accounts::{self, Asker, TokenName};
use marquee_changes::Problems;
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
    let mut problems = Problems::default();
    let name = problems.keep("name", TokenName::parse(&form.text("name")));
    let scope = Scope::parse(&form.text("scope"));
    if scope.is_none() {
        problems.add("scope", "Choose whether it may read, or read and write.");
    }
    let (Some(name), Some(scope), true) = (name, scope, problems.is_empty()) else {
        return tokens_page(&state, &admin, form.text("name"), problems.into_vec(), None, None).await;
    };
    let member = admin.member();
    let token = accounts::create_token(&state.desk, Asker::Member(&member), member.id, &name, scope).await?;
    tokens_page(&state, &admin, String::new(), Vec::new(), Some(token.secret), Some("Created.")).await
}

pub async fn revoke(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    _form: FormData,
) -> Result<Response> {
    accounts::revoke_token(&state.desk, &admin.member(), id).await?;
    Ok(see_other("/admin/account/tokens", "revoked"))
}
