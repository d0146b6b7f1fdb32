//! The article and page editors: the same form for both (an article has a standfirst, tags and
//! the films it discusses; a page a place in the navigation), previewed with the public renderer
//! and moved through draft, awaiting review, scheduled and published as reviews are.

use super::pages::{notice, page_of, pager, render, render_status, see_other};
use super::reviews::{datetime_local, editor_actions, parse_datetime_local};
use crate::auth::{Admin, FormData};
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::views::admin::*;
use axum::extract::{Path, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use marquee_changes::catalogue::FilmName;
use marquee_changes::posts::{self, PostDraft};
use marquee_changes::reviews::{body_problems, render as render_body};
use marquee_changes::{ChangeError, Problems};
use marquee_core::lifecycle::Intent;
use marquee_core::{list_of, Action, PostKind, ReviewAccess, ReviewStatus, Role, Slug, Title, Year};
use marquee_store::posts::EditablePost;
use std::sync::Arc;

/// `/admin/articles` or `/admin/pages`.
fn base(kind: PostKind) -> &'static str {
    match kind {
        PostKind::Article => "/admin/articles",
        PostKind::Page => "/admin/pages",
    }
}

fn section(kind: PostKind) -> &'static str {
    match kind {
        PostKind::Article => "articles",
        PostKind::Page => "pages",
    }
}

pub async fn list(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri, kind: PostKind) -> Result<Response> {
    let (page, offset) = page_of(uri.query());
    let mine = (admin.session.user.role == Role::Writer).then_some(admin.id());
    let (rows, total) = marquee_store::posts::list(&state.store, kind, mine, super::pages::PAGE_SIZE, offset).await?;
    let title = match kind {
        PostKind::Article => "Articles",
        PostKind::Page => "Pages",
    };
    render(&PostListPage {
        layout: AdminLayout::new(&state, &admin, title, section(kind)).with_notice(notice(uri.query())),
        kind: kind.as_str(),
        new_label: match kind {
            PostKind::Article => "Write an article",
            PostKind::Page => "Add a page",
        },
        rows: rows
            .iter()
            .map(|row| PostRow {
                edit_url: format!("{}/{}", base(kind), row.id),
                title: row.title.clone(),
                author: row.author_name.clone().unwrap_or_default(),
                status: row.status.label(),
                status_key: row.status.as_str(),
                nav: row.nav_position.map(|n| n.to_string()).unwrap_or_default(),
                updated: admin_time(row.updated_at),
            })
            .collect(),
        pager: pager(base(kind), page, total),
    })
}

fn access(post: Option<&EditablePost>, admin: &Admin) -> ReviewAccess {
    match post {
        Some(post) => ReviewAccess { author_id: post.author_id, status: post.status },
        None => ReviewAccess { author_id: Some(admin.id()), status: ReviewStatus::Draft },
    }
}

fn actions(admin: &Admin, post: Option<&EditablePost>) -> EditorActions {
    editor_actions(admin, access(post, admin), post.is_some(), "Update the published text")
}

fn fields_from_post(post: &EditablePost) -> PostFields {
    PostFields {
        title: post.title.clone(),
        slug: post.slug.clone(),
        standfirst: post.standfirst.clone().unwrap_or_default(),
        body: post.body_markdown.clone(),
        tags: post.tags.join(", "),
        films: post.films.iter().map(|f| marquee_changes::film_label(&f.title, f.year)).collect::<Vec<_>>().join("\n"),
        nav_position: post.nav_position.map(|n| n.to_string()).unwrap_or_default(),
        publish_at: match post.status {
            ReviewStatus::Scheduled => post.published_at.map(datetime_local).unwrap_or_default(),
            _ => String::new(),
        },
        revision: post.revision.to_string(),
    }
}

fn fields_from_form(form: &FormData) -> PostFields {
    PostFields {
        title: form.text("title"),
        slug: form.text("slug"),
        standfirst: form.text("standfirst"),
        body: form.raw("body").replace("\r\n", "\n"),
        tags: form.text("tags"),
        films: form.raw("films").replace("\r\n", "\n"),
        nav_position: form.text("nav_position"),
        publish_at: form.text("publish_at"),
        revision: form.text("revision"),
    }
}

/// A film named on one line: "Heat (1995)", or "Heat" when only one film has the title.
fn film_name(line: &str) -> std::result::Result<FilmName, String> {
    let line = line.trim();
    let (title, year) = match line.rsplit_once('(') {
        Some((title, rest)) if rest.trim_end().ends_with(')') => {
            let year = rest.trim_end().trim_end_matches(')').trim();
            match Year::parse_optional(year) {
                Ok(year) => (title.trim(), year),
                Err(_) => (line, None),
            }
        }
        _ => (line, None),
    };
    let title = Title::parse(title, "the film's title").map_err(|e| format!("\"{line}\": {e}"))?;
    Ok(FilmName { title, year })
}

fn draft_from(kind: PostKind, fields: &PostFields, problems: &mut Problems) -> PostDraft {
    let publish_at = match fields.publish_at.as_str() {
        "" => None,
        text => problems.keep(
            "publish_at",
            parse_datetime_local(text)
                .ok_or_else(|| format!("\"{text}\" is not a date and time (YYYY-MM-DDTHH:MM, UTC).")),
        ),
    };
    let slug = match fields.slug.as_str() {
        "" => None,
        text => problems.keep("slug", Slug::from_text(text).map_err(|e| format!("\"{text}\": {e}."))),
    };
    let nav_position = match fields.nav_position.as_str() {
        "" => None,
        text => problems.keep(
            "nav_position",
            text.parse::<i64>()
                .ok()
                .filter(|n| (0..=1000).contains(n))
                .ok_or_else(|| format!("\"{text}\" is not a place: enter a whole number from 0 to 1000, or nothing.")),
        ),
    };
    let films = fields
        .films
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|line| problems.keep("films", film_name(line)))
        .collect();
    PostDraft {
        kind,
        title: fields.title.clone(),
        slug,
        standfirst: Some(fields.standfirst.clone()).filter(|s| !s.is_empty()),
        body: fields.body.clone(),
        tags: list_of(&fields.tags, ','),
        films,
        nav_position,
        publish_at,
        backdate: None,
        based_on: fields.revision.parse::<i64>().ok().filter(|r| *r > 0),
    }
}

struct Editor<'a> {
    kind: PostKind,
    post: Option<&'a EditablePost>,
    fields: PostFields,
    errors: Vec<FieldError>,
    preview: Option<marquee_core::SafeHtml>,
    conflict: Option<String>,
    notice: Option<&'static str>,
}

fn editor_page(state: &AppState, admin: &Admin, editor: Editor) -> PostEditorPage {
    let Editor { kind, post, .. } = editor;
    let title = match (post, kind) {
        (Some(post), _) => format!("Edit: {}", post.title),
        (None, PostKind::Article) => "New article".into(),
        (None, PostKind::Page) => "New page".into(),
    };
    PostEditorPage {
        layout: AdminLayout::new(state, admin, &title, section(kind)).with_notice(editor.notice),
        is_article: kind == PostKind::Article,
        action_url: match post {
            Some(post) => format!("{}/{}", base(kind), post.id),
            None => format!("{}/new", base(kind)),
        },
        post_id: post.map(|p| p.id),
        status_label: post.map(|p| p.status.label()).unwrap_or("New"),
        public_url: post.filter(|p| p.status == ReviewStatus::Published).map(|p| kind.path(&p.slug)),
        fields: editor.fields,
        errors: editor.errors,
        preview: editor.preview,
        conflict: editor.conflict,
        actions: actions(admin, post),
    }
}

async fn load(state: &AppState, kind: PostKind, id: i64) -> Result<EditablePost> {
    marquee_store::posts::editable(&state.store, id).await?.filter(|p| p.kind == kind).ok_or(Error::NotFound)
}

pub async fn new_page(State(state): State<Arc<AppState>>, admin: Admin, kind: PostKind) -> Result<Response> {
    admin.require(Action::CreateReview)?;
    let fields = PostFields { revision: "0".into(), ..PostFields::default() };
    let editor = Editor { kind, post: None, fields, errors: Vec::new(), preview: None, conflict: None, notice: None };
    render(&editor_page(&state, &admin, editor))
}

pub async fn edit_page(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    uri: Uri,
    kind: PostKind,
) -> Result<Response> {
    let post = load(&state, kind, id).await?;
    admin.require(Action::ViewReview(access(Some(&post), &admin)))?;
    let editor = Editor {
        kind,
        post: Some(&post),
        fields: fields_from_post(&post),
        errors: Vec::new(),
        preview: None,
        conflict: None,
        notice: notice(uri.query()),
    };
    render(&editor_page(&state, &admin, editor))
}

pub async fn create(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    form: FormData,
    kind: PostKind,
) -> Result<Response> {
    admin.require(Action::CreateReview)?;
    write(&state, &admin, kind, None, &form).await
}

pub async fn save(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    form: FormData,
    kind: PostKind,
) -> Result<Response> {
    let post = load(&state, kind, id).await?;
    write(&state, &admin, kind, Some(&post), &form).await
}

async fn write(
    state: &AppState,
    admin: &Admin,
    kind: PostKind,
    post: Option<&EditablePost>,
    form: &FormData,
) -> Result<Response> {
    let fields = fields_from_form(form);
    let mut problems = Problems::default();
    let draft = draft_from(kind, &fields, &mut problems);
    let intent = match form.text("action").as_str() {
        "preview" => {
            if let Some(post) = post {
                admin.require(Action::ViewReview(access(Some(post), admin)))?;
            }
            let rendered = render_body(&state.store, &draft.body).await?;
            body_problems(&draft.body, &rendered, &mut problems);
            let editor = Editor {
                kind,
                post,
                fields,
                errors: problems.into_vec(),
                preview: Some(rendered.body.html),
                conflict: None,
                notice: None,
            };
            return render(&editor_page(state, admin, editor));
        }
        "submit" => Intent::Submit,
        "withdraw" => Intent::Withdraw,
        "publish" => Intent::Publish,
        "schedule" => Intent::Schedule,
        "unpublish" => Intent::Unpublish,
        _ => Intent::Save,
    };
    match posts::save(&state.desk, &admin.member(), post, &draft, intent, problems).await {
        Ok(saved) => {
            state.refresh().await?;
            let notice = match intent {
                Intent::Save => "saved",
                Intent::Submit => "submitted",
                Intent::Withdraw => "withdrawn",
                Intent::Publish => "published",
                Intent::Schedule => "scheduled",
                Intent::Unpublish => "unpublished",
            };
            Ok(see_other(&format!("{}/{}", base(kind), saved.id), notice))
        }
        Err(ChangeError::Invalid(errors)) => {
            let editor = Editor { kind, post, fields, errors, preview: None, conflict: None, notice: None };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &editor_page(state, admin, editor))
        }
        Err(ChangeError::Taken(problem)) => {
            let editor =
                Editor { kind, post, fields, errors: vec![problem], preview: None, conflict: None, notice: None };
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &editor_page(state, admin, editor))
        }
        Err(ChangeError::Conflict { current_revision }) => {
            let current = load(state, kind, post.map(|p| p.id).unwrap_or_default()).await?;
            let mut fields = fields;
            fields.revision = current_revision.to_string();
            let editor = Editor {
                kind,
                post: Some(&current),
                fields,
                errors: Vec::new(),
                preview: None,
                conflict: Some(current.body_markdown.clone()),
                notice: None,
            };
            render_status(StatusCode::CONFLICT, &editor_page(state, admin, editor))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete_page(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    kind: PostKind,
) -> Result<Response> {
    let post = load(&state, kind, id).await?;
    admin.require(Action::DeleteReview(access(Some(&post), &admin)))?;
    render(&PostDeletePage {
        layout: AdminLayout::new(&state, &admin, "Delete", section(kind)),
        title: post.title.clone(),
        status: post.status.label(),
        edit_url: format!("{}/{id}", base(kind)),
    })
}

pub async fn delete(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    _form: FormData,
    kind: PostKind,
) -> Result<Response> {
    load(&state, kind, id).await?;
    posts::delete(&state.desk, &admin.member(), id).await?;
    state.refresh().await?;
    Ok(see_other(base(kind), "deleted"))
}

pub async fn revisions_page(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<i64>,
    uri: Uri,
    kind: PostKind,
) -> Result<Response> {
    let post = load(&state, kind, id).await?;
    admin.require(Action::ViewReview(access(Some(&post), &admin)))?;
    let kept = marquee_store::posts::revisions(&state.store, id).await?;
    let pick = |name: &str| super::pages::query_value(uri.query(), name).parse::<i64>().ok();
    let newest = kept.first().map(|r| r.revision);
    let (from, to) = match (pick("from"), pick("to")) {
        (Some(from), Some(to)) => (Some(from), Some(to)),
        _ => (kept.get(1).map(|r| r.revision), newest),
    };
    let text = |r: &marquee_store::posts::Revision| {
        format!("# {}\n\n{}\n\n{}\n", r.title, r.standfirst.clone().unwrap_or_default(), r.body_markdown.trim_end())
    };
    let find = |n: Option<i64>| n.and_then(|n| kept.iter().find(|r| r.revision == n));
    let diff = match (find(from), find(to)) {
        (Some(a), Some(b)) => Some(super::reviews::diff_view(a.revision, b.revision, &text(a), &text(b))),
        _ => None,
    };
    render(&RevisionsPage {
        layout: AdminLayout::new(&state, &admin, &format!("Revisions: {}", post.title), section(kind))
            .with_notice(notice(uri.query())),
        heading: format!("Revisions of “{}”", post.title),
        base: format!("{}/{id}", base(kind)),
        rows: kept
            .iter()
            .map(|r| RevisionRow {
                revision: r.revision,
                saved_by: r.saved_by.clone().unwrap_or_else(|| "import".into()),
                saved_at: admin_time(r.saved_at),
                status: r.status.parse::<ReviewStatus>().map(|s| s.label().to_string()).unwrap_or_default(),
                words: marquee_core::markdown::count_words(&r.body_markdown),
                current: Some(r.revision) == newest,
            })
            .collect(),
        diff,
        can_restore: admin.actor().may(Action::EditReview(access(Some(&post), &admin))),
    })
}

/// Restoring a revision saves its text as a new revision; the text it replaces stays listed.
pub async fn restore(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path((id, revision)): Path<(i64, i64)>,
    form: FormData,
    kind: PostKind,
) -> Result<Response> {
    load(&state, kind, id).await?;
    let based_on = form.text("revision").parse::<i64>().unwrap_or(0);
    match posts::restore(&state.desk, &admin.member(), id, revision, based_on).await {
        Ok(_) => {
            state.refresh().await?;
            Ok(see_other(&format!("{}/{id}", base(kind)), "restored"))
        }
        Err(ChangeError::Conflict { .. }) => {
            Ok(see_other(&format!("{}/{id}/revisions", base(kind)), "changed-meanwhile"))
        }
        Err(e) => Err(e.into()),
    }
}
