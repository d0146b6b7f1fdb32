//! Signing in and out, the first-run setup that creates the owner, and a user's own account
//! (profile and password).

use super::pages::{notice, render, render_status, see_other};
use crate::auth::{
    cookie, random_token, rotate_session, set_cookie, start_session, Admin, ClientAddress, FormData, FORM_COOKIE,
    SESSION_COOKIE,
};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Extension;
use marquee_changes::accounts::{NewAccount, Password};
use marquee_changes::{ChangeError, Problems};
use marquee_core::{Email, Role, Title};
use marquee_store::accounts;
use std::sync::Arc;

/// Sign-in attempts allowed within the window: for one account from one address, and from one
/// address whatever the accounts. An account tried from everywhere is slowed down, never locked:
/// its owner with the right password from a fresh address always gets in.
const PAIR_LIMIT: i64 = 5;
const ADDRESS_LIMIT: i64 = 20;
const WINDOW_SECONDS: i64 = 15 * 60;
/// Failed attempts at one account from anywhere before each further attempt waits, a second
/// more for each, up to `MOST_DELAY_SECONDS`.
const ACCOUNT_UNSLOWED: i64 = 10;
const MOST_DELAY_SECONDS: i64 = 5;

/// The same words whether the email is unknown, the password wrong or the account disabled.
const WRONG: &str = "The email or password is incorrect.";

/// The form cookie's token, set when the browser has none yet.
fn form_token(state: &AppState, headers: &HeaderMap) -> (String, Option<axum::http::HeaderValue>) {
    match cookie(headers, FORM_COOKIE).filter(|t| t.len() == 64) {
        Some(token) => (token, None),
        None => {
            let token = random_token();
            let set = set_cookie(state, FORM_COOKIE, &token, 24 * 3600);
            (token, Some(set))
        }
    }
}

/// Only paths inside the admin are followed after sign-in (never another site).
fn safe_next(next: &str) -> String {
    if next.starts_with("/admin") && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        "/admin".to_string()
    }
}

fn with_cookie(mut response: Response, cookie: Option<axum::http::HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

pub async fn login_page(
    State(state): State<Arc<AppState>>,
    admin: Option<Admin>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response> {
    if admin.is_some() {
        return Ok(Redirect::to("/admin").into_response());
    }
    let setup_open = !accounts::owner_exists(&state.store).await?;
    let (token, set) = form_token(&state, &headers);
    let page = LoginPage {
        layout: AdminLayout::public(&state, "Sign in", token).with_notice(notice(uri.query())),
        email: String::new(),
        next: safe_next(&super::pages::query_value(uri.query(), "next")),
        error: None,
        setup_open,
    };
    Ok(with_cookie(render(&page)?, set))
}

pub async fn login(
    State(state): State<Arc<AppState>>,
    Extension(ClientAddress(address)): Extension<ClientAddress>,
    headers: HeaderMap,
    form: FormData,
) -> Result<Response> {
    let email = accounts::normalize_email(&form.text("email"));
    let password = form.raw("password").to_string();
    let next = safe_next(&form.text("next"));
    let now = marquee_store::now();
    let refuse = |status: StatusCode, message: String| -> Result<Response> {
        let page = LoginPage {
            layout: AdminLayout::public(&state, "Sign in", cookie(&headers, FORM_COOKIE).unwrap_or_default()),
            email: email.clone(),
            next: next.clone(),
            error: Some(message),
            setup_open: false,
        };
        render_status(status, &page)
    };
    let attempt = accounts::begin_attempt(&state.store, &email, &address, now, now - WINDOW_SECONDS).await?;
    for (tally, limit, whom) in [
        (attempt.pair, PAIR_LIMIT, "for this account from your network address"),
        (attempt.address, ADDRESS_LIMIT, "from your network address"),
    ] {
        if tally.attempts > limit {
            tracing::info!(%address, pair = attempt.pair.attempts, from_address = attempt.address.attempts, "sign-in held back");
            accounts::withdraw_attempt(&state.store, &attempt).await?;
            let wait = tally.oldest.map(|t| t + WINDOW_SECONDS - now).unwrap_or(WINDOW_SECONDS).max(60);
            let minutes = (wait + 59) / 60;
            let message = format!("Too many failed sign-ins {whom}. Try again in {minutes} minutes.");
            return retry_after(refuse(StatusCode::TOO_MANY_REQUESTS, message), wait);
        }
    }
    let delay = (attempt.account.attempts - 1 - ACCOUNT_UNSLOWED).clamp(0, MOST_DELAY_SECONDS);
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_secs(delay as u64)).await;
    }
    let account = accounts::by_email(&state.store, &email).await?.filter(|a| !a.disabled);
    let hash = account.as_ref().and_then(|a| a.password_hash.as_deref());
    let Some(verified) = state.desk.passwords.try_verify(&password, hash).await? else {
        accounts::withdraw_attempt(&state.store, &attempt).await?;
        let message = "The site is busy signing other people in. Try again in a moment.".to_string();
        return retry_after(refuse(StatusCode::SERVICE_UNAVAILABLE, message), 2);
    };
    let Some(account) = account.filter(|_| verified) else {
        tracing::info!(%address, "failed sign-in");
        return refuse(StatusCode::UNAUTHORIZED, WRONG.to_string());
    };
    accounts::attempt_succeeded(&state.store, &attempt, &email, &address).await?;
    let cookie = start_session(&state, account.id).await?;
    tracing::info!(user = account.id, "signed in");
    Ok(with_cookie(Redirect::to(&next).into_response(), Some(cookie)))
}

/// A refusal that says when to try again.
fn retry_after(response: Result<Response>, seconds: i64) -> Result<Response> {
    let mut response = response?;
    response.headers_mut().insert(header::RETRY_AFTER, seconds.max(1).into());
    Ok(response)
}

pub async fn logout(State(state): State<Arc<AppState>>, admin: Admin) -> Result<Response> {
    accounts::end_session(&state.store, &admin.session.token_hash).await?;
    let cleared = set_cookie(&state, SESSION_COOKIE, "", 0);
    Ok(with_cookie(Redirect::to("/admin/login?notice=signed-out").into_response(), Some(cleared)))
}

/// The setup page exists only while the site has no owner.
pub async fn setup_page(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Result<Response> {
    if accounts::owner_exists(&state.store).await? {
        return Err(Error::NotFound);
    }
    let (token, set) = form_token(&state, &headers);
    let page = SetupPage {
        layout: AdminLayout::public(&state, "Set up your site", token),
        email: String::new(),
        name: String::new(),
        errors: Vec::new(),
    };
    Ok(with_cookie(render(&page)?, set))
}

/// A new password typed twice, checked: a problem for each field to fix.
fn new_password(email: &str, form: &FormData, problems: &mut Problems) -> Option<Password> {
    let password = problems.keep("password", Password::parse(form.raw("password"), email))?;
    if form.raw("password") != form.raw("confirm") {
        problems.add("confirm", "The two passwords differ.");
        return None;
    }
    Some(password)
}

/// The first owner's account, as the setup form sends it.
fn new_owner(form: &FormData, problems: &mut Problems) -> Option<NewAccount> {
    let email = problems.keep("email", Email::parse(&form.text("email")));
    let password = new_password(&form.text("email"), form, problems);
    let name = problems.keep("name", Title::parse(&form.text("name"), "the name readers will see on your reviews"));
    Some(NewAccount { email: email?, name: name?, role: Role::Owner, password: password? })
}

pub async fn setup(State(state): State<Arc<AppState>>, headers: HeaderMap, form: FormData) -> Result<Response> {
    if accounts::owner_exists(&state.store).await? {
        return Err(Error::NotFound);
    }
    let mut problems = Problems::default();
    // Compared in constant time: the code is the one secret standing between a new site and
    // whoever finds it first.
    let typed = form.text("setup_code");
    let expected = state.setup_code();
    let same = typed.len() == expected.len()
        && typed.bytes().zip(expected.bytes()).fold(0u8, |diff, (a, b)| diff | (a ^ b)) == 0;
    if !same {
        problems.add(
            "setup_code",
            "That is not the setup code this server printed when it started: copy it from its log (setup_code=…).",
        );
    }
    let account = new_owner(&form, &mut problems).filter(|_| problems.is_empty());
    let result = match &account {
        Some(account) => marquee_changes::accounts::set_up(&state.desk, account).await,
        None => Err(ChangeError::Invalid(problems.into_vec())),
    };
    match result {
        Ok(Some(id)) => {
            let cookie = start_session(&state, id).await?;
            Ok(with_cookie(Redirect::to("/admin").into_response(), Some(cookie)))
        }
        Ok(None) => Err(Error::Busy(2)),
        Err(ChangeError::Invalid(errors)) => {
            let token = cookie(&headers, FORM_COOKIE).unwrap_or_default();
            let page = SetupPage {
                layout: AdminLayout::public(&state, "Set up your site", token),
                email: form.text("email"),
                name: form.text("name"),
                errors,
            };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}

/// The account page, with the profile as stored or as just typed.
async fn account_view(
    state: &AppState,
    admin: &Admin,
    typed: Option<&FormData>,
    errors: Vec<FieldError>,
    notice: Option<&'static str>,
) -> Result<Response> {
    let user = &admin.session.user;
    let stored = marquee_store::users::by_slug(&state.store, &user.slug).await?;
    let page = AccountPage {
        layout: AdminLayout::new(state, admin, "Your account", "account").with_notice(notice),
        name: typed.map(|f| f.text("name")).unwrap_or_else(|| user.display_name.clone()),
        bio: typed.map(|f| f.text("bio")).unwrap_or_else(|| stored.as_ref().map(|u| u.bio.clone()).unwrap_or_default()),
        diary_public: typed
            .map(|f| f.checked("diary_public"))
            .unwrap_or_else(|| stored.as_ref().is_some_and(|u| u.diary_public)),
        federating: match typed.and_then(|f| marquee_store::federation::Federating::parse(&f.text("federation"))) {
            Some(value) => value.as_str(),
            None => marquee_store::federation::federating(&state.store, user.id).await?.as_str(),
        },
        slug: user.slug.clone(),
        email: user.email.clone().unwrap_or_default(),
        errors,
    };
    let status = super::pages::form_status(&page.errors);
    render_status(status, &page)
}

pub async fn account_page(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    account_view(&state, &admin, None, Vec::new(), notice(uri.query())).await
}

pub async fn account_save(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    let name = match Title::parse(&form.text("name"), "the name readers see") {
        Ok(name) => name,
        Err(e) => {
            let errors = vec![FieldError::new("name", e.to_string())];
            return account_view(&state, &admin, Some(&form), errors, None).await;
        }
    };
    let (desk, member) = (&state.desk, admin.member());
    marquee_changes::accounts::save_profile(desk, &member, &name, &form.text("bio"), form.checked("diary_public"))
        .await?;
    if let Some(value) = marquee_store::federation::Federating::parse(&form.text("federation")) {
        marquee_changes::comments::set_federating(desk, &member, value).await?;
    }
    Ok(see_other("/admin/account", "saved"))
}

/// Changing one's password ends every other session of the account, and gives this one a new
/// token.
pub async fn change_password(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    let email = admin.session.user.email.clone().unwrap_or_default();
    let mut problems = Problems::default();
    let password = new_password(&email, &form, &mut problems);
    let mut session = admin.session.clone();
    let result = match password.filter(|_| problems.is_empty()) {
        Some(password) => {
            let (desk, member) = (&state.desk, admin.member());
            let current = form.raw("current");
            marquee_changes::accounts::change_own_password(desk, &member, current, &password, &session.token_hash).await
        }
        None => Err(ChangeError::Invalid(problems.into_vec())),
    };
    match result {
        Ok(()) => {
            let mut tx = state.store.begin().await?;
            let cookie = rotate_session(&state, &mut tx, &mut session).await?;
            tx.commit().await?;
            tracing::info!(user = admin.id(), "password changed; other sessions ended, this one's token renewed");
            Ok(with_cookie(see_other("/admin/account", "password"), Some(cookie)))
        }
        Err(ChangeError::Invalid(errors)) => account_view(&state, &admin, None, errors, None).await,
        Err(e) => Err(e.into()),
    }
}
