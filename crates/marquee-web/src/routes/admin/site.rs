//! The owner's pages: site settings (title, description, verdict bands, accent colour), users
//! and their roles, and the activity log.

use super::pages::{notice, page_of, pager, render, render_status, see_other};
use crate::auth::{Admin, FormData};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use marquee_changes::accounts::{AccountChange, Asker, NewAccount, Password};
use marquee_changes::settings::SiteSettings;
use marquee_changes::{ChangeError, Problems};
use marquee_core::{Action, Colour, Email, Role, Score, Title, VerdictBand, VerdictBands};
use marquee_store::{accounts, audit};
use std::sync::Arc;

/// Rows the settings form offers for verdict bands (empty ones are ignored).
const BAND_ROWS: usize = 10;

fn settings_form(state: &AppState, admin: &Admin, errors: Vec<FieldError>, form: Option<&FormData>) -> SettingsPage {
    let site = state.site();
    let feed_full = match form {
        Some(form) => form.text("feed_content") != "summary",
        None => site.feed_full,
    };
    let home_mixed = match form {
        Some(form) => form.text("home_articles") == "mixed",
        None => site.home_mixed,
    };
    let (title, description, accent, mut bands) = match form {
        Some(form) => (
            form.text("title"),
            form.text("description"),
            form.text("accent"),
            form.all("band_label")
                .iter()
                .zip(form.all("band_min"))
                .map(|(l, m)| (l.trim().to_string(), m.trim().to_string()))
                .collect(),
        ),
        None => (
            site.title.clone(),
            site.description.clone(),
            site.accent.clone(),
            site.bands.bands().iter().map(|b| (b.label.clone(), b.min.to_string())).collect::<Vec<_>>(),
        ),
    };
    bands.resize(BAND_ROWS.max(bands.len()), (String::new(), String::new()));
    SettingsPage {
        layout: AdminLayout::new(state, admin, "Site settings", "settings"),
        title,
        description,
        accent,
        bands,
        feed_full,
        home_mixed,
        errors,
    }
}

pub async fn settings_page(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    admin.require(Action::ManageSettings)?;
    let mut page = settings_form(&state, &admin, Vec::new(), None);
    page.layout = page.layout.with_notice(notice(uri.query()));
    render(&page)
}

/// The bands typed into the form, checked: each a label and a lowest score from 0 to 10,
/// thresholds all different, one starting at 0.
fn bands_from(form: &FormData, errors: &mut Vec<FieldError>) -> Option<VerdictBands> {
    let mut bands = Vec::new();
    for (row, (label, min)) in form.all("band_label").iter().zip(form.all("band_min")).enumerate() {
        let (label, min) = (label.trim(), min.trim());
        if label.is_empty() && min.is_empty() {
            continue;
        }
        let row = row + 1;
        if label.is_empty() {
            errors.push(FieldError { field: "bands", message: format!("Row {row}: give the band a label.") });
            continue;
        }
        match Score::parse(min) {
            Ok(min) => bands.push(VerdictBand { label: label.to_string(), min }),
            Err(e) => errors.push(FieldError {
                field: "bands",
                message: format!("Row {row} (\"{label}\"): the lowest score \"{min}\" is not valid: {e}."),
            }),
        }
    }
    match VerdictBands::new(bands) {
        Ok(bands) => Some(bands),
        Err(e) => {
            errors.push(FieldError { field: "bands", message: format!("The verdict bands are not valid: {e}.") });
            None
        }
    }
}

pub async fn settings_save(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    admin.require(Action::ManageSettings)?;
    let mut problems = Problems::default();
    let title = problems.keep("title", Title::parse(&form.text("title"), "the site's title"));
    let accent = problems.keep("accent", Colour::parse(&form.text("accent")));
    let mut errors = Vec::new();
    let bands = bands_from(&form, &mut errors);
    for error in errors {
        problems.add(error.field, error.message);
    }
    let result = match (title, accent, bands) {
        (Some(title), Some(accent), Some(bands)) if problems.is_empty() => {
            let new = SiteSettings {
                title,
                description: form.text("description"),
                accent,
                bands,
                feed_full: form.text("feed_content") != "summary",
                home_mixed: form.text("home_articles") == "mixed",
            };
            marquee_changes::settings::save(&state.desk, &admin.member(), &new).await
        }
        _ => Err(ChangeError::Invalid(problems.into_vec())),
    };
    match result {
        Ok(()) => Ok(see_other("/admin/settings", "saved")),
        Err(ChangeError::Invalid(errors)) => {
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &settings_form(&state, &admin, errors, Some(&form)))
        }
        Err(e) => Err(e.into()),
    }
}

async fn users_page_with(
    state: &AppState,
    admin: &Admin,
    notice: Option<&'static str>,
    form: Option<&FormData>,
    errors: Vec<FieldError>,
) -> Result<Response> {
    let users = accounts::list(&state.store).await?;
    let status = super::pages::form_status(&errors);
    let page = UsersPage {
        layout: AdminLayout::new(state, admin, "Users", "users").with_notice(notice),
        users: users
            .iter()
            .map(|u| UserRow {
                id: u.id,
                name: u.display_name.clone(),
                email: u.email.clone().unwrap_or_default(),
                role: u.role,
                disabled: u.disabled,
                can_sign_in: u.password_hash.is_some(),
                is_self: u.id == admin.id(),
            })
            .collect(),
        roles: Role::ALL,
        email: form.map(|f| f.text("email")).unwrap_or_default(),
        name: form.map(|f| f.text("name")).unwrap_or_default(),
        role: form.map(|f| f.text("role")).unwrap_or_else(|| "writer".into()),
        errors,
    };
    render_status(status, &page)
}

pub async fn users_page(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    admin.require(Action::ManageUsers)?;
    users_page_with(&state, &admin, notice(uri.query()), None, Vec::new()).await
}

/// The owner adds an account with a first password, which they pass on to its user.
pub async fn user_add(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    admin.require(Action::ManageUsers)?;
    let mut problems = Problems::default();
    let email = problems.keep("email", Email::parse(&form.text("email")));
    let name = problems.keep("name", Title::parse(&form.text("name"), "the name readers will see"));
    let role = problems.keep("role", form.text("role").parse::<Role>());
    let password = problems.keep("password", Password::parse(form.raw("password"), &form.text("email")));
    let result = match (email, name, role, password) {
        (Some(email), Some(name), Some(role), Some(password)) if problems.is_empty() => {
            let account = NewAccount { email, name, role, password };
            marquee_changes::accounts::add(&state.desk, Asker::Member(&admin.member()), &account).await.map(|_| ())
        }
        _ => Err(ChangeError::Invalid(problems.into_vec())),
    };
    match result {
        Ok(()) => Ok(see_other("/admin/users", "created")),
        Err(ChangeError::Invalid(errors)) => users_page_with(&state, &admin, None, Some(&form), errors).await,
        Err(e) => Err(e.into()),
    }
}

/// Changes a user's role, disables or re-enables them, or sets a new password for them (which
/// signs them out everywhere).
pub async fn user_update(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    admin.require(Action::ManageUsers)?;
    let user = accounts::by_id(&state.store, id).await?.ok_or(Error::NotFound)?;
    let mut problems = Problems::default();
    let password = match form.raw("password") {
        "" => None,
        typed => {
            let parsed = Password::parse(typed, user.email.as_deref().unwrap_or(""));
            let named = parsed.map_err(|e| format!("{}: {e}", user.display_name));
            problems.keep("password", named)
        }
    };
    let role = match form.text("role").as_str() {
        "" => user.role,
        text => problems.keep("role", text.parse::<Role>()).unwrap_or(user.role),
    };
    let change = AccountChange { role, disabled: form.checked("disabled"), password };
    let result = match problems.is_empty() {
        true => marquee_changes::accounts::change(&state.desk, Asker::Member(&admin.member()), id, &change).await,
        false => Err(ChangeError::Invalid(problems.into_vec())),
    };
    match result {
        Ok(_) => Ok(see_other("/admin/users", "saved")),
        Err(ChangeError::Invalid(errors)) => users_page_with(&state, &admin, None, None, errors).await,
        Err(e) => Err(e.into()),
    }
}

pub async fn activity(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    admin.require(Action::ViewActivity)?;
    let (page, offset) = page_of(uri.query());
    let (entries, total) = audit::recent(&state.store, super::pages::PAGE_SIZE, offset).await?;
    let page = ActivityPage {
        layout: AdminLayout::new(&state, &admin, "Activity", "activity"),
        rows: entries
            .iter()
            .map(|e| ActivityRow {
                at: admin_time(e.at),
                actor: e.actor_name.clone(),
                action: e.action.clone(),
                subject: e.subject.clone(),
                detail: e.detail.clone(),
            })
            .collect(),
        pager: pager("/admin/activity", page, total),
    };
    render(&page)
}
