//! The owner's pages: site settings (title, description, verdict bands, accent colour), users
//! and their roles, and the activity log.

use super::{notice, page_of, pager, render, render_status, see_other};
use crate::auth::{Admin, FormData};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use marquee_core::permissions::password_problem;
use marquee_core::{Action, Role, Score, VerdictBand, VerdictBands};
use marquee_store::{accounts, audit, settings};
use std::sync::Arc;

/// Rows the settings form offers for verdict bands (empty ones are ignored).
const BAND_ROWS: usize = 10;

fn settings_form(state: &AppState, admin: &Admin, errors: Vec<FieldError>, form: Option<&FormData>) -> SettingsPage {
    let site = state.site();
    let feed_full = match form {
        Some(form) => form.text("feed_content") != "summary",
        None => site.feed_full,
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
        errors,
    }
}

pub async fn settings_page(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    admin.require(Action::ManageSettings)?;
    let mut page = settings_form(&state, &admin, Vec::new(), None);
    page.layout = page.layout.with_notice(notice(uri.query()));
    render(&page)
}

fn valid_accent(accent: &str) -> bool {
    accent.len() == 7 && accent.starts_with('#') && accent[1..].bytes().all(|b| b.is_ascii_hexdigit())
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
    let mut errors = Vec::new();
    let (title, description, accent) =
        (form.text("title"), form.text("description"), form.text("accent").to_lowercase());
    if title.is_empty() {
        errors.push(FieldError { field: "title", message: "Enter the site's title.".into() });
    }
    if !valid_accent(&accent) {
        errors.push(FieldError { field: "accent", message: format!("\"{accent}\" is not a colour like #b3261e.") });
    }
    let bands = bands_from(&form, &mut errors);
    let Some(bands) = bands.filter(|_| errors.is_empty()) else {
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &settings_form(&state, &admin, errors, Some(&form)));
    };
    let bands_json = serde_json::to_string(&bands).map_err(|e| Error::Internal(e.to_string()))?;
    let feed_content = if form.text("feed_content") == "summary" { "summary" } else { "full" };
    let before = state.site();
    let mut changed = Vec::new();
    let mut tx = state.store.begin().await?;
    for (key, value, old) in [
        ("title", title.as_str(), before.title.clone()),
        ("description", description.as_str(), before.description.clone()),
        ("accent", accent.as_str(), before.accent.clone()),
        ("verdict_bands", bands_json.as_str(), serde_json::to_string(&before.bands).unwrap_or_default()),
        ("feed_content", feed_content, (if before.feed_full { "full" } else { "summary" }).to_string()),
    ] {
        settings::set(&mut tx, key, value).await?;
        if value != old {
            changed.push(key);
        }
    }
    marquee_store::content::bump(&mut tx).await?;
    audit::record(&mut tx, admin.id(), admin.name(), "settings.changed", "site settings", &changed.join(", ")).await?;
    tx.commit().await?;
    // This server shows the change at once; the others within a second.
    state.refresh().await?;
    Ok(see_other("/admin/settings", "saved"))
}

async fn users_page_with(
    state: &AppState,
    admin: &Admin,
    notice: Option<&'static str>,
    form: Option<&FormData>,
    errors: Vec<FieldError>,
) -> Result<Response> {
    let users = accounts::list(&state.store).await?;
    let status = super::form_status(&errors);
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
    let (email, name, password) = (form.text("email"), form.text("name"), form.raw("password"));
    let mut errors = Vec::new();
    if !email.contains('@') || email.chars().any(char::is_whitespace) {
        errors.push(FieldError { field: "email", message: "Enter an email address, like name@example.com.".into() });
    }
    if name.is_empty() {
        errors.push(FieldError { field: "name", message: "Enter the name readers will see.".into() });
    }
    let role = form.text("role").parse::<Role>();
    if let Err(e) = &role {
        errors.push(FieldError { field: "role", message: e.clone() });
    }
    if let Some(problem) = password_problem(password, &email) {
        errors.push(FieldError { field: "password", message: problem });
    }
    if let (Ok(role), true) = (role, errors.is_empty()) {
        let hash = state.passwords.hash(password).await?;
        let mut tx = state.store.begin().await?;
        match accounts::create(&mut tx, &email, &name, role, &hash).await {
            Ok(_) => {
                audit::record(
                    &mut tx,
                    admin.id(),
                    admin.name(),
                    "user.added",
                    &name,
                    &format!("{email} as {}", role.as_str()),
                )
                .await?;
                tx.commit().await?;
                return Ok(see_other("/admin/users", "created"));
            }
            Err(marquee_store::Error::Exists(message)) => errors.push(FieldError { field: "email", message }),
            Err(e) => return Err(e.into()),
        }
    }
    users_page_with(&state, &admin, None, Some(&form), errors).await
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
    let user = accounts::by_id(&state.store, id).await?.ok_or_else(|| Error::not_found(&state))?;
    let mut errors = Vec::new();
    let mut tx = state.store.begin().await?;
    let new_password = form.raw("password");
    if !new_password.is_empty() {
        match password_problem(new_password, user.email.as_deref().unwrap_or("")) {
            Some(problem) => {
                errors.push(FieldError { field: "password", message: format!("{}: {problem}", user.display_name) })
            }
            None => {
                let hash = state.passwords.hash(new_password).await?;
                accounts::set_password(&mut tx, id, &hash).await?;
                accounts::end_sessions(&mut tx, id, None).await?;
                audit::record(&mut tx, admin.id(), admin.name(), "user.password_set", &user.display_name, "").await?;
            }
        }
    }
    let role = form.text("role").parse::<Role>().unwrap_or(user.role);
    let disabled = form.checked("disabled");
    if errors.is_empty() && (role != user.role || disabled != user.disabled) {
        match accounts::set_role(&mut tx, id, role, disabled).await {
            Ok(()) => {
                let detail = format!("role {}{}", role.as_str(), if disabled { ", disabled" } else { "" });
                audit::record(&mut tx, admin.id(), admin.name(), "user.changed", &user.display_name, &detail).await?;
            }
            Err(marquee_store::Error::Invalid(message)) => errors.push(FieldError { field: "role", message }),
            Err(e) => return Err(e.into()),
        }
    }
    if !errors.is_empty() {
        drop(tx);
        return users_page_with(&state, &admin, None, None, errors).await;
    }
    tx.commit().await?;
    Ok(see_other("/admin/users", "saved"))
}

pub async fn activity(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    admin.require(Action::ViewActivity)?;
    let (page, offset) = page_of(uri.query());
    let (entries, total) = audit::recent(&state.store, super::PAGE_SIZE, offset).await?;
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
