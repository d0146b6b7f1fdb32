//! The review editor: writing a review and its film, previewing it with the public renderer,
//! moving it through draft, awaiting review, scheduled and published, and its revisions (list,
//! compare, restore). Saves are refused, never merged silently, when someone saved meanwhile.

use super::pages::{json, notice, page_of, pager, render, render_status, review_row, see_other, status_param};
use crate::auth::{Admin, FormData};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use marquee_changes::catalogue::FilmDraft;
use marquee_changes::reviews::{self, ReviewDraft};
use marquee_changes::{media, ChangeError, Problems};
use marquee_core::lifecycle::Intent;
use marquee_core::markdown;
use marquee_core::{list_of, Action, Day, ReviewAccess, ReviewStatus, Role, Runtime, Score, Title, Year};
use marquee_store::films;
use marquee_store::revisions::{self, EditableReview};
use std::sync::Arc;

pub async fn list(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    let status = status_param(uri.query());
    let (page, offset) = page_of(uri.query());
    let mine = (admin.session.user.role == Role::Writer).then_some(admin.id());
    let (reviews, total) = revisions::list(&state.store, status, mine, super::pages::PAGE_SIZE, offset).await?;
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

/// What the writer asked the editor's form to do: see the review as readers will, or change it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Asked {
    Preview,
    Change(Intent),
}

impl Asked {
    fn from_form(form: &FormData) -> Asked {
        match form.text("action").as_str() {
            "preview" => Asked::Preview,
            "submit" => Asked::Change(Intent::Submit),
            "withdraw" => Asked::Change(Intent::Withdraw),
            "publish" => Asked::Change(Intent::Publish),
            "schedule" => Asked::Change(Intent::Schedule),
            "unpublish" => Asked::Change(Intent::Unpublish),
            _ => Asked::Change(Intent::Save),
        }
    }
}

/// The notice the editor shows after a change.
fn notice_after(intent: Intent) -> &'static str {
    match intent {
        Intent::Save => "saved",
        Intent::Submit => "submitted",
        Intent::Withdraw => "withdrawn",
        Intent::Publish => "published",
        Intent::Schedule => "scheduled",
        Intent::Unpublish => "unpublished",
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

/// A time as a `datetime-local` field shows it (UTC).
pub(super) fn datetime_local(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    time::OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|t| t.format(&format).ok()).unwrap_or_default()
}

/// A `datetime-local` field's value (UTC) as Unix seconds.
pub(super) fn parse_datetime_local(text: &str) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let with_seconds = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(text, &format)
        .or_else(|_| time::PrimitiveDateTime::parse(text, &with_seconds))
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// The editor's fields, typed: the review as the changes layer takes it, and a problem for each
/// field that does not parse.
fn draft_from(fields: &EditorFields, problems: &mut Problems) -> ReviewDraft {
    let title = problems.keep("film_title", Title::parse(&fields.film_title, "the film's title"));
    let film = FilmDraft {
        title,
        year: problems.keep("film_year", Year::parse_optional(&fields.film_year)).flatten(),
        runtime: problems.keep("film_runtime", Runtime::parse_optional(&fields.film_runtime)).flatten(),
        tagline: Some(fields.film_tagline.clone()).filter(|t| !t.is_empty()),
        directors: list_of(&fields.film_directors, ','),
        cast: list_of(&fields.film_cast, '\n').iter().flat_map(|line| list_of(line, ',')).collect(),
        genres: list_of(&fields.film_genres, ','),
    };
    let score = match fields.score.as_str() {
        "" => None,
        text => {
            let score = Score::parse(text)
                .map_err(|e| format!("{e}. Enter a score from 0 to 10 with at most one decimal, like 7.5."));
            problems.keep("score", score)
        }
    };
    let publish_at = match fields.publish_at.as_str() {
        "" => None,
        text => {
            let at = parse_datetime_local(text)
                .ok_or_else(|| format!("\"{text}\" is not a date and time (YYYY-MM-DDTHH:MM, UTC)."));
            problems.keep("publish_at", at)
        }
    };
    ReviewDraft {
        film,
        poster: fields.poster_media.parse::<i64>().ok(),
        headline: Some(fields.headline.clone()).filter(|h| !h.is_empty()),
        body: fields.body.clone(),
        summary: Some(fields.summary.clone()).filter(|s| !s.is_empty()),
        score,
        verdict: Some(fields.verdict_override.clone()).filter(|v| !v.is_empty()),
        tags: list_of(&fields.tags, ','),
        spoilers: fields.spoilers,
        watched_on: problems.keep("watched_on", Day::parse_optional(&fields.watched_on)).flatten(),
        rewatch: fields.rewatch,
        publish_at,
        backdate: None,
        based_on: fields.revision.parse::<i64>().ok().filter(|r| *r > 0),
    }
}

fn access(review: Option<&EditableReview>, admin: &Admin) -> ReviewAccess {
    reviews::access(review, &admin.member())
}

/// The buttons an editor offers the member for a review or article with this `access`
/// (`exists` when it is saved already); `published_label` names the save of a published one.
pub(super) fn editor_actions(
    admin: &Admin,
    access: ReviewAccess,
    exists: bool,
    published_label: &'static str,
) -> EditorActions {
    let actor = admin.actor();
    let status = access.status;
    let publisher = actor.may(Action::PublishReview(access));
    EditorActions {
        save_label: match status {
            ReviewStatus::Published => published_label,
            ReviewStatus::Scheduled => "Save",
            _ => "Save draft",
        },
        submit: !publisher && actor.may(Action::SubmitReview(access)) && status == ReviewStatus::Draft,
        withdraw: !publisher && actor.may(Action::SubmitReview(access)) && status == ReviewStatus::Pending,
        publish: publisher && status != ReviewStatus::Published,
        schedule: publisher && status != ReviewStatus::Published,
        unpublish: publisher && matches!(status, ReviewStatus::Published | ReviewStatus::Scheduled),
        delete: exists && actor.may(Action::DeleteReview(access)),
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
        actions: editor_actions(admin, access(review, admin), review.is_some(), "Update published review"),
        bands: site.bands.bands().iter().map(|b| (b.min.to_string(), b.label.clone())).collect(),
    }
}

pub async fn new_page(State(state): State<Arc<AppState>>, admin: Admin) -> Result<Response> {
    admin.require(Action::CreateReview)?;
    let fields = EditorFields { revision: "0".into(), ..EditorFields::default() };
    let editor = EditorState { review: None, fields, errors: Vec::new(), preview: None, conflict: None, notice: None };
    render(&editor_page(&state, &admin, editor))
}

async fn load(state: &AppState, id: i64) -> Result<EditableReview> {
    revisions::editable(&state.store, id).await?.ok_or(Error::NotFound)
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

/// Saves the editor's form (or previews it): a poster chosen goes into the media library at once
/// (so a preview or a refused save keeps it: a file input cannot be refilled), the fields are
/// typed, and the changes layer saves the review, or says what to fix, or that someone saved
/// first.
async fn write(state: &AppState, admin: &Admin, review: Option<&EditableReview>, form: &FormData) -> Result<Response> {
    let asked = Asked::from_form(form);
    let member = admin.member();
    if let Some(review) = review {
        admin.require(Action::ViewReview(access(Some(review), admin)))?;
    }
    if let Asked::Change(intent) = asked {
        for action in intent.required(access(review, admin)) {
            admin.require(action)?;
        }
    }
    let mut fields = fields_from_form(form);
    let mut problems = Problems::default();
    if let Some(upload) = form.file("poster_file") {
        let alt = match fields.poster_alt.as_str() {
            "" => format!("Poster for {}", fields.film_title),
            alt => alt.to_string(),
        };
        let uploaded = media::upload(&state.desk, &member, &upload.bytes, &upload.file_name, &alt, "poster_file");
        match uploaded.await {
            Ok(id) => {
                fields.poster_media = id.to_string();
                fields.poster_name = upload.file_name.clone();
            }
            Err(ChangeError::Invalid(refused)) => {
                for problem in refused {
                    problems.add(problem.field, format!("The poster was refused: {}", problem.message));
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    let draft = draft_from(&fields, &mut problems);
    let intent = match asked {
        Asked::Change(intent) => intent,
        Asked::Preview => {
            let rendered = reviews::render(&state.store, &draft.body).await?;
            reviews::body_problems(&draft.body, &rendered, &mut problems);
            let preview = Some(rendered.body.html);
            let editor =
                EditorState { review, fields, errors: problems.into_vec(), preview, conflict: None, notice: None };
            return render(&editor_page(state, admin, editor));
        }
    };
    match reviews::save(&state.desk, &member, review, &draft, intent, problems).await {
        Ok(saved) => Ok(see_other(&format!("/admin/reviews/{}", saved.id), notice_after(intent))),
        Err(ChangeError::Invalid(errors)) => {
            let editor = EditorState { review, fields, errors, preview: None, conflict: None, notice: None };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &editor_page(state, admin, editor))
        }
        Err(ChangeError::Conflict { current_revision }) => {
            let review = review.ok_or_else(|| Error::Internal("only an existing review can conflict".into()))?;
            conflict(state, admin, review.id, current_revision, fields).await
        }
        Err(e) => Err(e.into()),
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
    let rendered = reviews::render(&state.store, &form.raw("body").replace("\r\n", "\n")).await?;
    let minutes = marquee_core::reading_minutes(rendered.body.words);
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::HeaderName::from_static("x-reading-minutes"), &minutes.to_string()),
        ],
        rendered.body.html.into_string(),
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
    reviews::delete(&state.desk, &admin.member(), id).await?;
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
    let pick = |name: &str| super::pages::query_value(uri.query(), name).parse::<i64>().ok();
    let newest = kept.first().map(|r| r.revision);
    let (from, to) = match (pick("from"), pick("to")) {
        (Some(from), Some(to)) => (Some(from), Some(to)),
        _ => (kept.get(1).map(|r| r.revision), newest),
    };
    let find = |n: Option<i64>| n.and_then(|n| kept.iter().find(|r| r.revision == n));
    let diff = match (find(from), find(to)) {
        (Some(a), Some(b)) => Some(diff_view(a.revision, b.revision, &revision_text(a), &revision_text(b))),
        _ => None,
    };
    let page = RevisionsPage {
        layout: AdminLayout::new(&state, &admin, &format!("Revisions: {}", review.film_title), "reviews")
            .with_notice(notice(uri.query())),
        heading: format!("Revisions of the review of {}", review.film_title),
        base: format!("/admin/reviews/{id}"),
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

/// A revision's text as a diff compares it: headline, body, summary and score.
fn revision_text(r: &revisions::Revision) -> String {
    format!(
        "# {}\n\n{}\n\nSummary: {}\nScore: {}\n",
        r.headline.clone().unwrap_or_default(),
        r.body_markdown.trim_end(),
        r.summary.clone().unwrap_or_default(),
        r.score.map(|s| s.to_string()).unwrap_or_default()
    )
}

/// A line diff of two revisions' texts.
pub(super) fn diff_view(from: i64, to: i64, old: &str, new: &str) -> DiffView {
    let diff = similar::TextDiff::from_lines(old, new);
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
        from,
        to,
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
    let based_on = form.text("revision").parse::<i64>().unwrap_or(0);
    match reviews::restore(&state.desk, &admin.member(), id, revision, based_on).await {
        Ok(_) => Ok(see_other(&format!("/admin/reviews/{id}"), "restored")),
        Err(ChangeError::Conflict { current_revision }) => {
            let old = revisions::revision(&state.store, id, revision).await?.ok_or(Error::NotFound)?;
            let mut fields = fields_from_review(&review);
            fields.headline = old.headline.clone().unwrap_or_default();
            fields.body = old.body_markdown.clone();
            fields.summary = old.summary.clone().unwrap_or_default();
            fields.score = old.score.map(|s| s.to_string()).unwrap_or_default();
            fields.verdict_override = old.verdict_override.clone().unwrap_or_default();
            fields.tags = old.tags.join(", ");
            fields.spoilers = old.spoilers;
            conflict(&state, &admin, id, current_revision, fields).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Films for the editor's title field, as the writer types.
pub async fn film_suggestions(state: &AppState, query: &str) -> Result<Response> {
    Ok(json(&films::suggestions(&state.store, query, 8).await?))
}
