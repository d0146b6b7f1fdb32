//! The admin area under `/admin`: sign-in and accounts (`session`), the review editor with its
//! revisions (`reviews`), the article and page editors (`posts`), the media library (`media`), films and people (`catalogue`), and the
//! owner's settings, users and activity log (`site`), the diary, lists and watchlist
//! (`cinephile`), imports (`imports`), API tokens (`tokens`), and the fediverse's replies,
//! followers and blocks (`federation`). `pages` holds what the
//! handlers share. Every request passes `auth::admin_guard`.

mod catalogue;
mod cinephile;
mod dashboard;
mod federation;
mod imports;
mod media;
mod pages;
mod posts;
mod reviews;
mod session;
mod site;
mod tokens;

use crate::auth::admin_guard;
use crate::state::AppState;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;
use marquee_core::PostKind;
use std::sync::Arc;

/// The editor's routes for articles (under `/admin/articles`) or pages (`/admin/pages`).
fn post_routes(kind: PostKind) -> Router<Arc<AppState>> {
    let base = match kind {
        PostKind::Article => "/admin/articles",
        PostKind::Page => "/admin/pages",
    };
    Router::new()
        .route(base, get(move |s, a, u| posts::list(s, a, u, kind)))
        .route(
            &format!("{base}/new"),
            get(move |s, a| posts::new_page(s, a, kind)).post(move |s, a, f| posts::create(s, a, f, kind)),
        )
        .route(
            &format!("{base}/{{id}}"),
            get(move |s, a, p, u| posts::edit_page(s, a, p, u, kind))
                .post(move |s, a, p, f| posts::save(s, a, p, f, kind)),
        )
        .route(&format!("{base}/{{id}}/revisions"), get(move |s, a, p, u| posts::revisions_page(s, a, p, u, kind)))
        .route(
            &format!("{base}/{{id}}/revisions/{{revision}}/restore"),
            post(move |s, a, p, f| posts::restore(s, a, p, f, kind)),
        )
        .route(
            &format!("{base}/{{id}}/delete"),
            get(move |s, a, p| posts::delete_page(s, a, p, kind))
                .post(move |s, a, p, f| posts::delete(s, a, p, f, kind)),
        )
}

pub fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .merge(post_routes(PostKind::Article))
        .merge(post_routes(PostKind::Page))
        .route("/admin", get(dashboard::dashboard))
        .route("/admin/login", get(session::login_page).post(session::login))
        .route("/admin/logout", post(session::logout))
        .route("/admin/setup", get(session::setup_page).post(session::setup))
        .route("/admin/account", get(session::account_page).post(session::account_save))
        .route("/admin/account/password", post(session::change_password))
        .route("/admin/account/tokens", get(tokens::index).post(tokens::create))
        .route("/admin/account/tokens/{id}/revoke", post(tokens::revoke))
        .route("/admin/reviews", get(reviews::list))
        .route("/admin/reviews/new", get(reviews::new_page).post(reviews::create))
        .route("/admin/reviews/{id}", get(reviews::edit_page).post(reviews::save))
        .route("/admin/reviews/{id}/delete", get(reviews::delete_page).post(reviews::delete))
        .route("/admin/reviews/{id}/revisions", get(reviews::revisions_page))
        .route("/admin/reviews/{id}/revisions/{revision}/restore", post(reviews::restore))
        .route("/admin/preview", post(reviews::preview))
        .route("/admin/films", get(catalogue::films))
        .route("/admin/films/suggest", get(catalogue::suggest))
        .route("/admin/films/{id}", get(catalogue::film_page).post(catalogue::film_save))
        .route("/admin/people", get(catalogue::people))
        .route("/admin/people/{id}", get(catalogue::person_page).post(catalogue::person_save))
        .route("/admin/people/{id}/merge", post(catalogue::merge))
        .route("/admin/media", get(media::library).post(media::upload))
        .route("/admin/media/{id}", post(media::update_alt))
        .route("/admin/settings", get(site::settings_page).post(site::settings_save))
        .route("/admin/users", get(site::users_page).post(site::user_add))
        .route("/admin/users/{id}", post(site::user_update))
        .route("/admin/activity", get(site::activity))
        .route("/admin/replies", get(federation::replies))
        .route("/admin/replies/{id}", post(federation::decide))
        .route("/admin/federation", get(federation::federation).post(federation::configure))
        .route("/admin/federation/followers/remove", post(federation::remove_follower))
        .route("/admin/federation/blocks", post(federation::block))
        .route("/admin/federation/blocks/remove", post(federation::unblock))
        .route("/admin/federation/follow", post(federation::follow))
        .route("/admin/federation/unfollow", post(federation::unfollow))
        .route("/admin/reading", get(federation::reading))
        .route("/admin/reading/like", post(federation::like))
        .route("/admin/reading/reply", post(federation::reply))
        .route("/admin/diary", get(cinephile::diary_index).post(cinephile::diary_log))
        .route("/admin/diary/{id}", get(cinephile::diary_entry).post(cinephile::diary_update))
        .route("/admin/diary/{id}/delete", post(cinephile::diary_delete))
        .route("/admin/diary/{id}/promote", post(cinephile::diary_promote))
        .route("/admin/lists", get(cinephile::lists_index).post(cinephile::list_create))
        .route("/admin/lists/{id}", get(cinephile::list_edit).post(cinephile::list_update))
        .route("/admin/lists/{id}/delete", post(cinephile::list_delete))
        .route("/admin/lists/{id}/films", post(cinephile::list_add))
        .route("/admin/lists/{id}/films/{film}", post(cinephile::list_item))
        .route("/admin/lists/{id}/order", post(cinephile::list_order))
        .route("/admin/watchlist", get(cinephile::watchlist_index).post(cinephile::watchlist_add))
        .route("/admin/watchlist/{film}/remove", post(cinephile::watchlist_remove))
        .route(crate::auth::IMPORT_UPLOAD_PATH, get(imports::index).post(imports::start))
        .route("/admin/import/{id}", get(imports::job_page))
        .route("/admin/import/{id}/status", get(imports::job_status))
        // The guard reads bodies itself, within its own limit.
        .layer(DefaultBodyLimit::disable())
        .layer(middleware::from_fn_with_state(state, admin_guard))
}
