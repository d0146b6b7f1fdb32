//! The admin's first page: counts of reviews by status and the latest changed.

use super::pages::{notice, render, review_row};
use crate::auth::Admin;
use crate::error::Result;
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::State;
use axum::response::Response;
use marquee_store::revisions;
use std::sync::Arc;

pub(super) async fn dashboard(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    uri: axum::http::Uri,
) -> Result<Response> {
    let counts = revisions::counts(&state.store).await?;
    let mine = (admin.session.user.role == marquee_core::Role::Writer).then_some(admin.id());
    let (recent, _) = revisions::list(&state.store, None, mine, 10, 0).await?;
    let page = DashboardPage {
        layout: AdminLayout::new(&state, &admin, "Dashboard", "dashboard").with_notice(notice(uri.query())),
        counts: counts
            .iter()
            .map(|(status, n)| (status.label(), *n, format!("/admin/reviews?status={}", status.as_str())))
            .collect(),
        recent: recent.iter().map(review_row).collect(),
    };
    render(&page)
}
