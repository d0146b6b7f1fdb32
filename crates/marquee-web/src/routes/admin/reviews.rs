//! The review editor: writing a review and its film, previewing it with the public renderer,
//! moving it through draft, awaiting review, scheduled and published, and its revisions (list,
//! compare, restore). Saves are refused, never merged silently, when someone saved meanwhile.

use super::{json, notice, page_of, pager, render, render_status, review_row, see_other, status_param};
use crate::auth::{Admin, FormData};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use marquee_core::markdown::{self, RenderedBody};
use marquee_core::{Action, ReviewAccess, ReviewStatus, Role, Score, Slug};
use marquee_store::films::{self, CreditInput, FilmInput, PictureInput};
use marquee_store::reviews::ReviewInput;
use marquee_store::revisions::{self, EditableReview, Saved};
use marquee_store::{audit, media};
use std::collections::HashMap;
use std::sync::Arc;

pub async fn list(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    let status = status_param(uri.query());
    let (page, offset) = page_of(uri.query());
    let mine = (admin.session.user.role == Role::Writer).then_some(admin.id());
    let (reviews, total) = revisions::list(&state.store, status, mine, super::PAGE_SIZE, offset).await?;
    let base = match status {
        Some(status) => format!("/admin/reviews?status={}", status.as_str()),
        None => "/admin/reviews".to_string(),
    };
    let mut tabs = vec![("/admin/reviews".to_string(), "All", status.is_none())];
    for s in ReviewStatus::ALL {
        tabs.push((format!("/admin/reviews?status={}", s.as_str()), s.label(), status == Some(s)));
    }
    let page = ReviewListPage {
        layout: AdminLayout::new(&state, &admin, if mine.is_some() { "Your reviews" } else { "Reviews" }, "reviews")
            .with_notice(notice(uri.query())),
        tabs,
        rows: reviews.iter().map(review_row).collect(),
        pager: pager(&base, page, total),
    };
    render(&page)
}

/// What the writer asked the editor's form to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Intent {
    Preview,
    Save,
    Submit,
    Withdraw,
    Publish,
    Schedule,
    Unpublish,
}

impl Intent {
    fn from_form(form: &FormData) -> Intent {
        match form.text("action").as_str() {
            "preview" => Intent::Preview,
            "submit" => Intent::Submit,
            "withdraw" => Intent::Withdraw,
            "publish" => Intent::Publish,
            "schedule" => Intent::Schedule,
            "unpublish" => Intent::Unpublish,
            _ => Intent::Save,
        }
    }

    pub(crate) fn required(self, access: ReviewAccess) -> Vec<Action> {
        match self {
            Intent::Preview => vec![Action::ViewReview(access)],
            Intent::Save => vec![Action::EditReview(access)],
            Intent::Submit | Intent::Withdraw => vec![Action::EditReview(access), Action::SubmitReview(access)],
            Intent::Publish | Intent::Schedule | Intent::Unpublish => vec![Action::PublishReview(access)],
        }
    }

    fn notice(self) -> &'static str {
        match self {
            Intent::Preview | Intent::Save => "saved",
            Intent::Submit => "submitted",
            Intent::Withdraw => "withdrawn",
            Intent::Publish => "published",
            Intent::Schedule => "scheduled",
            Intent::Unpublish => "unpublished",
        }
    }

    /// The audit log's name for the change, for the ones the owner wants to see.
    fn audited(self) -> Option<&'static str> {
        match self {
            Intent::Publish => Some("review.published"),
            Intent::Schedule => Some("review.scheduled"),
            Intent::Unpublish => Some("review.unpublished"),
            Intent::Submit => Some("review.submitted"),
            _ => None,
        }
    }
}

fn fields_from_form(form: &FormData) -> EditorFields {
    EditorFields {
        film_title: form.text("film_title"),
        film_year: form.text("film_year"),
        film_runtime: form.text("film_runtime"),
        film_tagline: form.text("film_tagline"),
        film_directors: form.text("film_directors"),
        film_cast: form.text("film_cast"),
        film_genres: form.text("film_genres"),
        poster_alt: form.text("poster_alt"),
        poster_media: form.text("poster_media"),
        poster_name: form.text("poster_name"),
        headline: form.text("headline"),
        body: form.raw("body").replace("\r\n", "\n"),
        summary: form.text("summary"),
        score: form.text("score"),
        verdict_override: form.text("verdict_override"),
        tags: form.text("tags"),
        spoilers: form.checked("spoilers"),
        watched_on: form.text("watched_on"),
        rewatch: form.checked("rewatch"),
        publish_at: form.text("publish_at"),
        revision: form.text("revision"),
        backdate: None,
    }
}

fn fields_from_review(review: &EditableReview) -> EditorFields {
    EditorFields {
        film_title: review.film_title.clone(),
        film_year: review.film_year.map(|y| y.to_string()).unwrap_or_default(),
        headline: review.headline.clone().unwrap_or_default(),
        body: review.body_markdown.clone(),
        summary: review.summary.clone().unwrap_or_default(),
        score: review.score.map(|s| s.to_string()).unwrap_or_default(),
        verdict_override: review.verdict_override.clone().unwrap_or_default(),
        tags: review.tags.join(", "),
        spoilers: review.spoilers,
        watched_on: review.watched_on.clone().unwrap_or_default(),
        rewatch: review.rewatch,
        publish_at: match review.status {
            ReviewStatus::Scheduled => review.published_at.map(datetime_local).unwrap_or_default(),
            _ => String::new(),
        },
        revision: review.revision.to_string(),
        ..EditorFields::default()
    }
}

fn datetime_local(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|t| t.format(&format).ok()).unwrap_or_default()
}

fn parse_datetime_local(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let with_seconds = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text, &format)
        .or_else(|_| time::PrimitiveDateTime::parse(text, &with_seconds))
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

fn list_of(text: &str, separator: char) -> Vec<String> {
    text.split(separator).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
}

/// The editor's fields, checked and typed.
struct Parsed {
    film_slug: Option<Slug>,
    year: Option<i32>,
    runtime: Option<i64>,
    score: Option<Score>,
    watched_on: Option<String>,
    publish_at: Option<i64>,
}

fn parse(fields: &EditorFields, intent: Intent, errors: &mut Vec<FieldError>) -> Parsed {
    let mut error = |field: &'static str, message: String| errors.push(FieldError { field, message });
    let year = match fields.film_year.as_str() {
        "" => None,
        text => match text.parse::<i32>() {
            Ok(year) if (1870..=2100).contains(&year) => Some(year),
            _ => {
                error("film_year", format!("\"{text}\" is not a year: enter four digits, like 1999."));
                None
            }
        },
    };
    let film_slug = if fields.film_title.is_empty() {
        error("film_title", "Enter the film's title.".into());
        None
    } else {
        match revisions::slug_for(&fields.film_title, year) {
            Ok(slug) => Some(slug),
            Err(e) => {
                error("film_title", e.to_string());
                None
            }
        }
    };
    let runtime = match fields.film_runtime.as_str() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(minutes) if (1..=2000).contains(&minutes) => Some(minutes),
            _ => {
                error("film_runtime", format!("\"{text}\" is not a runtime: enter whole minutes, like 104."));
                None
            }
        },
    };
    let score = match fields.score.as_str() {
        "" => None,
        text => match Score::parse(text) {
            Ok(score) => Some(score),
            Err(e) => {
                error("score", format!("{e}. Enter a score from 0 to 10 with at most one decimal, like 7.5."));
                None
            }
        },
    };
    let watched_on = match fields.watched_on.as_str() {
        "" => None,
        text => {
            let format = time::macros::format_description!("[year]-[month]-[day]");
            if time::Date::parse(text, &format).is_ok() {
                Some(text.to_string())
            } else {
                error("watched_on", format!("\"{text}\" is not a date: use YYYY-MM-DD."));
                None
            }
        }
    };
    let publish_at = match fields.publish_at.as_str() {
        "" if intent == Intent::Schedule => {
            error("publish_at", "Choose when the review should publish itself.".into());
            None
        }
        "" => None,
        text => match parse_datetime_local(text) {
            Some(at) if intent == Intent::Schedule && at <= marquee_store::now() => {
                error("publish_at", "That time has passed: choose a time in the future, or publish now.".into());
                None
            }
            Some(at) => Some(at),
            None => {
                error("publish_at", format!("\"{text}\" is not a date and time (YYYY-MM-DDTHH:MM, UTC)."));
                None
            }
        },
    };
    if matches!(intent, Intent::Submit | Intent::Publish | Intent::Schedule) && fields.body.trim().is_empty() {
        error("body", "Write the review before it goes to readers.".into());
    }
    for url in markdown::images_without_alt(&fields.body) {
        error(
            "body",
            format!("The image {url} has no alt text: describe it between the brackets, ![like this]({url})."),
        );
    }
    Parsed { film_slug, year, runtime, score, watched_on, publish_at }
}

/// The library image a body's image destination names: `/media/<sha256>/…`.
fn media_hash(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("/media/")?;
    let hash = rest.get(..64)?;
    hash.bytes().all(|b| b.is_ascii_hexdigit()).then_some(hash)
}

/// Renders a body as the public page will, with library images in all their sizes. Returns
/// the images used (destination, media id) and the destinations that are not in the library.
pub(super) async fn render_body(
    state: &AppState,
    body: &str,
) -> Result<(RenderedBody, Vec<(String, i64)>, Vec<String>)> {
    let urls = markdown::image_urls(body);
    let hashes: Vec<String> = urls.iter().filter_map(|u| media_hash(u)).map(str::to_lowercase).collect();
    let known: HashMap<String, media::MediaItem> =
        media::by_sha256(&state.store, &hashes).await?.into_iter().map(|m| (m.image.sha256.clone(), m)).collect();
    let lookup = |url: &str| media_hash(url).and_then(|h| known.get(&h.to_lowercase()));
    let rendered = markdown::render(body, &|url| lookup(url).map(|m| m.image.responsive(960)));
    let images = urls.iter().filter_map(|u| lookup(u).map(|m| (u.clone(), m.id))).collect();
    let unknown = urls
        .iter()
        .filter(|u| lookup(u).is_none() && !u.starts_with("https://") && !u.starts_with("http://"))
        .cloned()
        .collect();
    Ok((rendered, images, unknown))
}

pub(crate) fn access(review: Option<&EditableReview>, admin: &Admin) -> ReviewAccess {
    match review {
        Some(review) => ReviewAccess { author_id: review.author_id, status: review.status },
        None => ReviewAccess { author_id: Some(admin.id()), status: ReviewStatus::Draft },
    }
}

fn editor_actions(admin: &Admin, review: Option<&EditableReview>) -> EditorActions {
    let actor = admin.actor();
    let access = access(review, admin);
    let status = access.status;
    let publisher = actor.may(Action::PublishReview(access));
    EditorActions {
        save_label: match status {
            ReviewStatus::Published => "Update published review",
            ReviewStatus::Scheduled => "Save",
            _ => "Save draft",
        },
        submit: !publisher && actor.may(Action::SubmitReview(access)) && status == ReviewStatus::Draft,
        withdraw: !publisher && actor.may(Action::SubmitReview(access)) && status == ReviewStatus::Pending,
        publish: publisher && status != ReviewStatus::Published,
        schedule: publisher && status != ReviewStatus::Published,
        unpublish: publisher && matches!(status, ReviewStatus::Published | ReviewStatus::Scheduled),
        delete: review.is_some() && actor.may(Action::DeleteReview(access)),
    }
}

struct EditorState<'a> {
    review: Option<&'a EditableReview>,
    fields: EditorFields,
    errors: Vec<FieldError>,
    preview: Option<marquee_core::SafeHtml>,
    conflict: Option<ConflictView>,
    notice: Option<&'static str>,
}

fn editor_page(state: &AppState, admin: &Admin, editor: EditorState) -> EditorPage {
    let review = editor.review;
    let site = state.site();
    let verdict = match (editor.fields.verdict_override.as_str(), Score::parse(&editor.fields.score)) {
        ("", Ok(score)) => site.bands.label_for(score).to_string(),
        ("", Err(_)) => String::new(),
        (custom, _) => custom.to_string(),
    };
    let title = match review {
        Some(review) => format!("Edit: {}", review.film_title),
        None => "New review".to_string(),
    };
    EditorPage {
        layout: AdminLayout::new(state, admin, &title, "reviews").with_notice(editor.notice),
        action_url: match review {
            Some(review) => format!("/admin/reviews/{}", review.id),
            None => "/admin/reviews/new".into(),
        },
        review_id: review.map(|r| r.id),
        status_label: review.map(|r| r.status.label()).unwrap_or("New"),
        public_url: review.filter(|r| r.status == ReviewStatus::Published).map(|r| format!("/reviews/{}", r.slug)),
        film_url: review.map(|r| format!("/films/{}", r.film_slug)),
        fields: editor.fields,
        errors: editor.errors,
        preview: editor.preview,
        verdict,
        conflict: editor.conflict,
        actions: editor_actions(admin, review),
        bands: site.bands.bands().iter().map(|b| (b.min.to_string(), b.label.clone())).collect(),
    }
}

pub async fn new_page(State(state): State<Arc<AppState>>, admin: Admin) -> Result<Response> {
    admin.require(Action::CreateReview)?;
    let fields = EditorFields { revision: "0".into(), ..EditorFields::default() };
    let editor = EditorState { review: None, fields, errors: Vec::new(), preview: None, conflict: None, notice: None };
    render(&editor_page(&state, &admin, editor))
}

pub(crate) async fn load(state: &AppState, id: i64) -> Result<EditableReview> {
    revisions::editable(&state.store, id).await?.ok_or_else(|| Error::not_found(state))
}

pub async fn edit_page(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response> {
    let review = load(&state, id).await?;
    admin.require(Action::ViewReview(access(Some(&review), &admin)))?;
    let editor = EditorState {
        review: Some(&review),
        fields: fields_from_review(&review),
        errors: Vec::new(),
        preview: None,
        conflict: None,
        notice: notice(uri.query()),
    };
    render(&editor_page(&state, &admin, editor))
}

pub async fn create(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    admin.require(Action::CreateReview)?;
    write(&state, &admin, None, &form).await
}

pub async fn save(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
) -> Result<Response> {
    let review = load(&state, id).await?;
    write(&state, &admin, Some(&review), &form).await
}

/// Saves the editor's form (or previews it): checks the user may, checks and types every
/// field, stores a poster upload, creates the film when new, and writes the review with a
/// revision, refusing the save when another one came first.
async fn write(state: &AppState, admin: &Admin, review: Option<&EditableReview>, form: &FormData) -> Result<Response> {
    let intent = Intent::from_form(form);
    let access = access(review, admin);
    for action in intent.required(access) {
        admin.require(action)?;
    }
    let mut fields = fields_from_form(form);
    let mut errors = Vec::new();
    // A chosen poster goes into the media library at once, so a preview or a refused save
    // keeps it (a file input cannot be refilled) and no stored file is left unrecorded.
    if let Some(upload) = form.file("poster_file") {
        match state.media.ingest(&upload.bytes).await {
            Ok(ingested) => {
                let alt = match fields.poster_alt.as_str() {
                    "" => format!("Poster for {}", fields.film_title),
                    alt => alt.to_string(),
                };
                let mut tx = state.store.begin().await?;
                let id = media::record_upload(
                    &mut tx,
                    &ingested.image,
                    ingested.byte_size as i64,
                    &upload.file_name,
                    &alt,
                    admin.id(),
                )
                .await?;
                tx.commit().await?;
                fields.poster_media = id.to_string();
                fields.poster_name = upload.file_name.clone();
            }
            Err(marquee_media::MediaError::Io { path, source }) => {
                return Err(Error::Internal(format!("the media store failed at {}: {source}", path.display())))
            }
            Err(e) => {
                errors.push(FieldError { field: "poster_file", message: format!("The poster was refused: {e}.") })
            }
        }
    }
    if intent == Intent::Preview {
        parse(&fields, intent, &mut errors);
        let (rendered, _, unknown) = render_body(state, &fields.body).await?;
        errors.extend(unknown.iter().map(|url| not_in_library(url)));
        let editor = EditorState { review, fields, errors, preview: Some(rendered.html), conflict: None, notice: None };
        return render(&editor_page(state, admin, editor));
    }
    let saver = Saver { id: admin.id(), name: admin.name() };
    match save_fields(state, &saver, review, &fields, intent, errors).await? {
        SaveOutcome::Saved(id) => Ok(see_other(&format!("/admin/reviews/{id}"), intent.notice())),
        SaveOutcome::Refused(errors) => {
            let editor = EditorState { review, fields, errors, preview: None, conflict: None, notice: None };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &editor_page(state, admin, editor))
        }
        SaveOutcome::Conflict(current_revision) => {
            let review = review.expect("only an existing review can conflict");
            conflict(state, admin, review.id, current_revision, fields).await
        }
    }
}

fn not_in_library(url: &str) -> FieldError {
    FieldError {
        field: "body",
        message: format!("The image {url} is not in the media library: upload it under Media and paste its Markdown."),
    }
}

/// Who saves a review (the permission checks are the caller's).
pub(crate) struct Saver<'a> {
    pub id: i64,
    pub name: &'a str,
}

pub(crate) enum SaveOutcome {
    Saved(i64),
    /// Fields that are wrong, each with what to do about it; nothing was written.
    Refused(Vec<FieldError>),
    /// Another save came first; the review is at this revision now.
    Conflict(i64),
}

/// Checks and types a review's fields, creates its film when new, and writes the review with a
/// revision (refused when `fields.revision` is not the current one), all in one transaction.
pub(crate) async fn save_fields(
    state: &AppState,
    saver: &Saver<'_>,
    review: Option<&EditableReview>,
    fields: &EditorFields,
    intent: Intent,
    mut errors: Vec<FieldError>,
) -> Result<SaveOutcome> {
    let poster_id = match fields.poster_media.parse::<i64>() {
        Ok(id) => media::by_id(&state.store, id).await?.map(|m| m.id),
        Err(_) => None,
    };
    let parsed = parse(fields, intent, &mut errors);
    let (rendered, images, unknown) = render_body(state, &fields.body).await?;
    errors.extend(unknown.iter().map(|url| not_in_library(url)));
    let (Some(film_slug), true) = (parsed.film_slug.clone(), errors.is_empty()) else {
        return Ok(SaveOutcome::Refused(errors));
    };

    let now = marquee_store::now();
    let (status, published_at) = match (intent, review) {
        (Intent::Submit, _) => (ReviewStatus::Pending, None),
        (Intent::Withdraw | Intent::Unpublish, _) => (ReviewStatus::Draft, None),
        (Intent::Publish, Some(r)) if r.status == ReviewStatus::Published => {
            (r.status, fields.backdate.or(r.published_at))
        }
        (Intent::Publish, _) => (ReviewStatus::Published, Some(fields.backdate.unwrap_or(now))),
        (Intent::Schedule, _) => (ReviewStatus::Scheduled, parsed.publish_at),
        (_, Some(r)) => (r.status, r.published_at),
        (_, None) => (ReviewStatus::Draft, None),
    };
    let mut tx = state.store.begin().await?;
    let film_id = match films::id_by_slug(&mut tx, film_slug.as_str()).await? {
        Some(id) => {
            if let Some(poster_id) = poster_id {
                films::set_poster_if_missing(&mut tx, id, poster_id).await?;
            }
            id
        }
        None => films::upsert(&mut tx, &new_film(fields, &parsed, film_slug.clone(), poster_id)).await?,
    };
    let input = ReviewInput {
        slug: match review {
            Some(r) => Slug::parse(&r.slug).map_err(|e| Error::Internal(e.to_string()))?,
            None => film_slug,
        },
        film_id,
        author_id: review.map(|r| r.author_id).unwrap_or(Some(saver.id)),
        headline: Some(fields.headline.clone()).filter(|h| !h.is_empty()),
        body_markdown: fields.body.clone(),
        body_html: rendered.html,
        body_text: rendered.plain_text,
        word_count: rendered.words,
        summary: Some(fields.summary.clone()).filter(|s| !s.is_empty()),
        score: parsed.score,
        verdict_override: Some(fields.verdict_override.clone()).filter(|v| !v.is_empty()),
        spoilers: fields.spoilers,
        watched_on: parsed.watched_on,
        rewatch: fields.rewatch,
        status,
        published_at,
        updated_at: Some(now),
        tags: list_of(&fields.tags, ','),
        images,
        source_hash: None,
    };
    let saved = match review {
        Some(r) => {
            let based_on = fields.revision.parse::<i64>().unwrap_or(0);
            revisions::update(&mut tx, r.id, based_on, &input, saver.id).await?
        }
        None => revisions::create(&mut tx, &input, saver.id).await?,
    };
    let id = match saved {
        Saved::Written { id, .. } => id,
        Saved::Conflict { current_revision } => return Ok(SaveOutcome::Conflict(current_revision)),
    };
    if let Some(action) = intent.audited() {
        let detail = match (intent, published_at) {
            (Intent::Schedule, Some(at)) => format!("for {}", admin_time(at)),
            _ => String::new(),
        };
        audit::record(&mut tx, saver.id, saver.name, action, &subject(fields), &detail).await?;
    }
    tx.commit().await?;
    state.refresh().await?;
    Ok(SaveOutcome::Saved(id))
}

/// How the audit log names a review.
fn subject(fields: &EditorFields) -> String {
    match fields.film_year.as_str() {
        "" => fields.film_title.clone(),
        year => format!("{} ({year})", fields.film_title),
    }
}

fn new_film(fields: &EditorFields, parsed: &Parsed, slug: Slug, poster: Option<i64>) -> FilmInput {
    let credit = |department: &str, name: &String| CreditInput {
        name: name.clone(),
        department: department.to_string(),
        job: None,
        character: None,
    };
    let mut credits: Vec<CreditInput> =
        list_of(&fields.film_directors, ',').iter().map(|n| credit(films::DIRECTING, n)).collect();
    credits.extend(
        list_of(&fields.film_cast, '\n').iter().flat_map(|line| list_of(line, ',')).map(|n| credit(films::CAST, &n)),
    );
    FilmInput {
        slug,
        title: fields.film_title.clone(),
        original_title: None,
        year: parsed.year,
        release_date: None,
        runtime_minutes: parsed.runtime,
        tagline: Some(fields.film_tagline.clone()).filter(|t| !t.is_empty()),
        synopsis: None,
        poster: poster.map(PictureInput::Media),
        backdrop: None,
        imdb_id: None,
        tmdb_id: None,
        letterboxd_uri: None,
        genres: list_of(&fields.film_genres, ','),
        countries: Vec::new(),
        languages: Vec::new(),
        credits,
    }
}

/// The save was refused: show what was saved meanwhile beside the writer's text, which stays in
/// the form, now based on the latest revision so a second save is a deliberate choice.
async fn conflict(
    state: &AppState,
    admin: &Admin,
    id: i64,
    current_revision: i64,
    mut fields: EditorFields,
) -> Result<Response> {
    let current = load(state, id).await?;
    let theirs = revisions::revision(&state.store, id, current_revision).await?;
    let view = ConflictView {
        saved_by: theirs.as_ref().and_then(|r| r.saved_by.clone()).unwrap_or_else(|| "someone".into()),
        saved_at: theirs.as_ref().map(|r| admin_time(r.saved_at)).unwrap_or_default(),
        revision: current_revision,
        their_body: current.body_markdown.clone(),
        their_headline: current.headline.clone().unwrap_or_default(),
        their_summary: current.summary.clone().unwrap_or_default(),
    };
    fields.revision = current_revision.to_string();
    tracing::info!(review = id, revision = current_revision, "save refused: edited meanwhile");
    let editor = EditorState {
        review: Some(&current),
        fields,
        errors: Vec::new(),
        preview: None,
        conflict: Some(view),
        notice: None,
    };
    render_status(StatusCode::CONFLICT, &editor_page(state, admin, editor))
}

/// The live preview's HTML: the same renderer and sanitizer as the public page.
pub async fn preview(State(state): State<Arc<AppState>>, admin: Admin, form: FormData) -> Result<Response> {
    admin.require(Action::CreateReview)?;
    let (rendered, _, _) = render_body(&state, &form.raw("body").replace("\r\n", "\n")).await?;
    let minutes = marquee_core::reading_minutes(rendered.words);
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::HeaderName::from_static("x-reading-minutes"), &minutes.to_string()),
        ],
        rendered.html.into_string(),
    )
        .into_response())
}

pub async fn delete_page(State(state): State<Arc<AppState>>, admin: Admin, Path(id): Path<i64>) -> Result<Response> {
    let review = load(&state, id).await?;
    admin.require(Action::DeleteReview(access(Some(&review), &admin)))?;
    let page = DeletePage {
        layout: AdminLayout::new(&state, &admin, "Delete review", "reviews"),
        review_id: id,
        film: review.film_title.clone(),
        status: review.status.label(),
    };
    render(&page)
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    _form: FormData,
) -> Result<Response> {
    let review = load(&state, id).await?;
    admin.require(Action::DeleteReview(access(Some(&review), &admin)))?;
    let mut tx = state.store.begin().await?;
    revisions::delete(&mut tx, id).await?;
    let subject = match review.film_year {
        Some(year) => format!("{} ({year})", review.film_title),
        None => review.film_title.clone(),
    };
    audit::record(&mut tx, admin.id(), admin.name(), "review.deleted", &subject, review.status.label()).await?;
    tx.commit().await?;
    state.refresh().await?;
    Ok(see_other("/admin/reviews", "deleted"))
}

pub async fn revisions_page(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    uri: Uri,
) -> Result<Response> {
    let review = load(&state, id).await?;
    admin.require(Action::ViewReview(access(Some(&review), &admin)))?;
    let kept = revisions::revisions(&state.store, id).await?;
    let pick = |name: &str| super::query_value(uri.query(), name).parse::<i64>().ok();
    let newest = kept.first().map(|r| r.revision);
    let (from, to) = match (pick("from"), pick("to")) {
        (Some(from), Some(to)) => (Some(from), Some(to)),
        _ => (kept.get(1).map(|r| r.revision), newest),
    };
    let find = |n: Option<i64>| n.and_then(|n| kept.iter().find(|r| r.revision == n));
    let diff = match (find(from), find(to)) {
        (Some(a), Some(b)) => Some(diff_view(a, b)),
        _ => None,
    };
    let page = RevisionsPage {
        layout: AdminLayout::new(&state, &admin, &format!("Revisions: {}", review.film_title), "reviews")
            .with_notice(notice(uri.query())),
        review_id: id,
        film: review.film_title.clone(),
        rows: kept
            .iter()
            .map(|r| RevisionRow {
                revision: r.revision,
                saved_by: r.saved_by.clone().unwrap_or_else(|| "import".into()),
                saved_at: admin_time(r.saved_at),
                status: r.status.parse::<ReviewStatus>().map(|s| s.label().to_string()).unwrap_or_default(),
                words: markdown::count_words(&r.body_markdown),
                current: Some(r.revision) == newest,
            })
            .collect(),
        diff,
        can_restore: admin.actor().may(Action::EditReview(access(Some(&review), &admin))),
    };
    render(&page)
}

/// A line diff of two revisions' text: headline, summary and body.
fn diff_view(from: &revisions::Revision, to: &revisions::Revision) -> DiffView {
    let text = |r: &revisions::Revision| {
        format!(
            "# {}\n\n{}\n\nSummary: {}\nScore: {}\n",
            r.headline.clone().unwrap_or_default(),
            r.body_markdown.trim_end(),
            r.summary.clone().unwrap_or_default(),
            r.score.map(|s| s.to_string()).unwrap_or_default()
        )
    };
    let (old, new) = (text(from), text(to));
    let diff = similar::TextDiff::from_lines(&old, &new);
    let lines: Vec<DiffLine> = diff
        .iter_all_changes()
        .map(|change| DiffLine {
            kind: match change.tag() {
                similar::ChangeTag::Equal => "same",
                similar::ChangeTag::Insert => "added",
                similar::ChangeTag::Delete => "removed",
            },
            text: change.value().trim_end_matches('\n').to_string(),
        })
        .collect();
    DiffView {
        from: from.revision,
        to: to.revision,
        added: lines.iter().filter(|l| l.kind == "added").count(),
        removed: lines.iter().filter(|l| l.kind == "removed").count(),
        lines,
    }
}

/// Restoring a revision saves its text as a new revision (nothing is lost: the text it replaces
/// stays in the list).
pub async fn restore(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path((id, revision)): Path<(i64, i64)>,
    form: FormData,
) -> Result<Response> {
    let review = load(&state, id).await?;
    admin.require(Action::EditReview(access(Some(&review), &admin)))?;
    let old = revisions::revision(&state.store, id, revision).await?.ok_or_else(|| Error::not_found(&state))?;
    let mut fields = fields_from_review(&review);
    fields.headline = old.headline.clone().unwrap_or_default();
    fields.body = old.body_markdown.clone();
    fields.summary = old.summary.clone().unwrap_or_default();
    fields.score = old.score.map(|s| s.to_string()).unwrap_or_default();
    fields.verdict_override = old.verdict_override.clone().unwrap_or_default();
    fields.tags = old.tags.join(", ");
    fields.spoilers = old.spoilers;
    fields.revision = form.text("revision");
    let (rendered, images, _) = render_body(&state, &fields.body).await?;
    let input = ReviewInput {
        slug: Slug::parse(&review.slug).map_err(|e| Error::Internal(e.to_string()))?,
        film_id: review.film_id,
        author_id: review.author_id,
        headline: old.headline.clone(),
        body_markdown: old.body_markdown.clone(),
        body_html: rendered.html,
        body_text: rendered.plain_text,
        word_count: rendered.words,
        summary: old.summary.clone(),
        score: old.score,
        verdict_override: old.verdict_override.clone(),
        spoilers: old.spoilers,
        watched_on: review.watched_on.clone(),
        rewatch: review.rewatch,
        status: review.status,
        published_at: review.published_at,
        updated_at: Some(marquee_store::now()),
        tags: old.tags.clone(),
        images,
        source_hash: None,
    };
    let based_on = fields.revision.parse::<i64>().unwrap_or(0);
    let mut tx = state.store.begin().await?;
    match revisions::update(&mut tx, id, based_on, &input, admin.id()).await? {
        Saved::Written { .. } => {
            audit::record(
                &mut tx,
                admin.id(),
                admin.name(),
                "review.restored",
                &review.film_title,
                &format!("revision {revision}"),
            )
            .await?;
            tx.commit().await?;
            state.refresh().await?;
            Ok(see_other(&format!("/admin/reviews/{id}"), "restored"))
        }
        Saved::Conflict { current_revision } => {
            drop(tx);
            conflict(&state, &admin, id, current_revision, fields).await
        }
    }
}

/// Films for the editor's title field, as the writer types.
pub async fn film_suggestions(state: &AppState, query: &str) -> Result<Response> {
    Ok(json(&films::suggestions(&state.store, query, 8).await?))
}
