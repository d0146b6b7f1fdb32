//! Imports from the admin: the export uploaded (streamed to a temporary folder, never held in
//! memory), then the same importer the command line runs, as a job whose page shows its
//! progress live and its summary at the end. A Letterboxd export goes into the uploader's own
//! diary; the site-wide imports (Markdown, WordPress, Ghost, IMDb) are for editors and owners.

use super::pages::{notice, render, render_status, see_other};
use crate::auth::{same_token, Admin};
use crate::error::{Error, Result};
use crate::jobs::{Job, Outcome};
use crate::state::AppState;
use crate::views::admin::*;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use marquee_core::Action;
use marquee_import::{ImportError, Summary};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;

/// The most a site-wide import's upload may carry (IMDb's largest dataset file is under this);
/// only editors and owners may send one.
const MAX_SITE_UPLOAD: u64 = 4 * 1024 * 1024 * 1024;
/// The most a member's own Letterboxd export may carry: each file in it is read only up to
/// `letterboxd::MAX_FILE_BYTES`, and a whole account's export is a few megabytes.
const MAX_LETTERBOXD_UPLOAD: u64 = 256 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Letterboxd,
    Markdown,
    Wordpress,
    Ghost,
    Imdb,
}

impl Format {
    pub const ALL: [Format; 5] = [Format::Letterboxd, Format::Markdown, Format::Wordpress, Format::Ghost, Format::Imdb];

    fn parse(text: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.key() == text)
    }

    pub fn key(self) -> &'static str {
        match self {
            Format::Letterboxd => "letterboxd",
            Format::Markdown => "markdown",
            Format::Wordpress => "wordpress",
            Format::Ghost => "ghost",
            Format::Imdb => "imdb",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Format::Letterboxd => "Letterboxd export",
            Format::Markdown => "Markdown reviews",
            Format::Wordpress => "WordPress export",
            Format::Ghost => "Ghost export",
            Format::Imdb => "IMDb datasets",
        }
    }

    /// The most an upload of this format may carry.
    fn max_upload(self) -> u64 {
        match self {
            Format::Letterboxd => MAX_LETTERBOXD_UPLOAD,
            _ => MAX_SITE_UPLOAD,
        }
    }

    /// Whether the signed-in user may run this import.
    fn allowed(self, admin: &Admin) -> bool {
        match self {
            Format::Letterboxd => admin.actor().may(Action::ManageCollection { owner: admin.id() }),
            _ => admin.actor().may(Action::ManageCatalogue),
        }
    }
}

/// What the form asked for besides the files.
#[derive(Clone, Copy, Debug, Default)]
struct Choices {
    dry_run: bool,
    skip_bad: bool,
    all: bool,
}

async fn imports_page(
    state: &AppState,
    admin: &Admin,
    status: StatusCode,
    errors: Vec<FieldError>,
    notice: Option<&'static str>,
) -> Result<Response> {
    let formats = Format::ALL
        .into_iter()
        .filter(|f| f.allowed(admin))
        .map(|f| ImportFormat { key: f.key(), title: f.title() })
        .collect();
    let jobs = state.jobs.list().iter().filter(|j| visible(admin, j)).map(|j| job_row(j)).collect();
    let page = ImportsPage {
        layout: AdminLayout::new(state, admin, "Import", "import").with_notice(notice),
        formats,
        jobs,
        errors,
    };
    render_status(status, &page)
}

/// A job is seen by whoever started it, and by owners.
fn visible(admin: &Admin, job: &Job) -> bool {
    job.user_id == admin.id() || admin.session.user.role == marquee_core::Role::Owner
}

fn job_row(job: &Job) -> JobRow {
    let state = job.snapshot();
    let status = match &state.outcome {
        None => "Running",
        Some(Outcome::Done { .. }) => "Done",
        Some(Outcome::Failed { .. }) => "Stopped",
    };
    JobRow { id: job.id, title: job.title.clone(), started: admin_time(job.started_at), status }
}

pub async fn index(State(state): State<Arc<AppState>>, admin: Admin, uri: Uri) -> Result<Response> {
    imports_page(&state, &admin, StatusCode::OK, Vec::new(), notice(uri.query())).await
}

/// Streams the upload to a temporary folder (the CSRF token, the form's first field, is checked
/// before any file is read), then starts the import as a job and shows its page.
pub async fn start(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    headers: HeaderMap,
    body: Body,
) -> Result<Response> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|_| Error::BadRequest("send the import form as multipart/form-data".into()))?;
    // The most this member may send: a writer only their own Letterboxd export.
    let most = Format::ALL.into_iter().filter(|f| f.allowed(&admin)).map(Format::max_upload).max().unwrap_or(0);
    if crate::auth::declared_length(&headers).is_some_and(|length| length > most) {
        return Err(Error::TooLarge(most as usize));
    }
    let limits = multer::SizeLimit::new().whole_stream(most).per_field(most);
    let mut form = multer::Multipart::with_constraints(
        body.into_data_stream(),
        boundary,
        multer::Constraints::new().size_limit(limits),
    );
    let unreadable = |e: multer::Error| match e {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            Error::TooLarge(most as usize)
        }
        other => Error::BadRequest(format!("the upload could not be read: {other}")),
    };
    let folder = tempfile::Builder::new()
        .prefix("marquee-import-")
        .tempdir()
        .map_err(|e| Error::Internal(format!("no room for the upload: {e}")))?;
    let mut token_checked = false;
    let mut format: Option<Format> = None;
    let mut choices = Choices::default();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut received: u64 = 0;
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "csrf" {
            let sent = small_text(&mut field).await?;
            token_checked = same_token(&sent, &admin.session.csrf_token);
            continue;
        }
        if !token_checked {
            return Err(Error::Csrf);
        }
        match field.file_name().map(str::to_string) {
            Some(file_name) if !file_name.is_empty() => {
                // Files are read only once it is known what they are and that this user may
                // import them.
                let Some(format) = format else {
                    return Err(Error::BadRequest("the form names its format before its files".into()));
                };
                let path = free_path(folder.path(), &safe_name(&file_name, files.len()));
                let mut out = tokio::fs::File::create(&path).await.map_err(|e| Error::Internal(e.to_string()))?;
                let mut size = 0;
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    size += chunk.len();
                    received += chunk.len() as u64;
                    if received > format.max_upload() {
                        return Err(Error::TooLarge(format.max_upload() as usize));
                    }
                    out.write_all(&chunk).await.map_err(|e| Error::Internal(e.to_string()))?;
                }
                out.flush().await.map_err(|e| Error::Internal(e.to_string()))?;
                if size > 0 {
                    files.push(path);
                }
            }
            Some(_) => {}
            None => {
                let value = small_text(&mut field).await?;
                match name.as_str() {
                    "format" => {
                        format = Format::parse(value.trim());
                        if format.is_some_and(|f| !f.allowed(&admin)) {
                            return Err(Error::Forbidden);
                        }
                    }
                    "dry_run" => choices.dry_run = !value.is_empty(),
                    "skip_bad" => choices.skip_bad = !value.is_empty(),
                    "all" => choices.all = !value.is_empty(),
                    _ => {}
                }
            }
        }
    }
    if !token_checked {
        return Err(Error::Csrf);
    }
    let Some(format) = format else {
        let errors = vec![FieldError { field: "format", message: "Choose what the upload is.".into() }];
        return imports_page(&state, &admin, StatusCode::UNPROCESSABLE_ENTITY, errors, None).await;
    };
    if !format.allowed(&admin) {
        return Err(Error::Forbidden);
    }
    if files.is_empty() {
        let errors = vec![FieldError { field: "file", message: format!("Choose the file of the {}.", format.title()) }];
        return imports_page(&state, &admin, StatusCode::UNPROCESSABLE_ENTITY, errors, None).await;
    }
    let title = match choices.dry_run {
        true => format!("{} (dry run)", format.title()),
        false => format.title().to_string(),
    };
    let job = state.jobs.start(admin.id(), title);
    let (running, user_id, who) = (job.clone(), admin.id(), admin.name().to_string());
    let task_state = state.clone();
    tokio::spawn(async move {
        // The import runs as a task of its own, so that even a panic in it ends the job.
        let work = {
            let (state, job, path) = (task_state.clone(), running.clone(), folder.path().to_path_buf());
            tokio::spawn(async move {
                let _turn = state.jobs.turn(&job).await;
                run(&state, format, choices, &path, &files, user_id, &job).await
            })
        };
        let outcome = work.await.unwrap_or_else(|e| {
            tracing::error!(error = %e, "an import stopped unexpectedly");
            Outcome::Failed {
                message: "The import stopped unexpectedly; nothing was changed. The server log says more.".into(),
            }
        });
        if let (Outcome::Done { summary, .. }, false) = (&outcome, choices.dry_run) {
            let recorded = async {
                let mut tx = task_state.store.begin().await?;
                marquee_store::audit::record(&mut tx, user_id, &who, "import", format.key(), summary).await?;
                tx.commit().await.map_err(marquee_store::Error::from)
            };
            if let Err(e) = recorded.await {
                tracing::warn!(error = %e, "the import's activity entry could not be written");
            }
        }
        running.end(outcome);
        // The uploaded files go with the folder.
        drop(folder);
    });
    Ok(see_other(&format!("/admin/import/{}", job.id), "started"))
}

/// A form's text field, which is never long: read up to a few kilobytes, refused beyond.
async fn small_text(field: &mut multer::Field<'_>) -> Result<String> {
    const MAX: usize = 4096;
    let mut bytes = Vec::new();
    while let Some(chunk) =
        field.chunk().await.map_err(|e| Error::BadRequest(format!("the upload could not be read: {e}")))?
    {
        if bytes.len() + chunk.len() > MAX {
            return Err(Error::BadRequest(format!("a form field over {MAX} bytes")));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| Error::BadRequest("a form field is not UTF-8 text".into()))
}

/// `folder/name`, or `folder/stem-2.ext`, … when two uploaded files share a name.
fn free_path(folder: &std::path::Path, name: &str) -> PathBuf {
    let first = folder.join(name);
    if !first.exists() {
        return first;
    }
    let (stem, extension) = match name.split_once('.') {
        Some((stem, extension)) => (stem, format!(".{extension}")),
        None => (name, String::new()),
    };
    (2..).map(|n| folder.join(format!("{stem}-{n}{extension}"))).find(|p| !p.exists()).expect("a free name")
}

/// A file name kept for the importers that look for names (IMDb's `title.basics.tsv.gz`),
/// reduced to letters, digits, dots, dashes and underscores.
fn safe_name(sent: &str, index: usize) -> String {
    let base = sent.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String =
        base.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    let cleaned = cleaned.trim_start_matches('.');
    if cleaned.is_empty() {
        format!("upload-{index}")
    } else {
        cleaned.to_string()
    }
}

/// The file of an upload to read as `extension`: the upload itself, or the first such file in
/// it when it is a ZIP (an export with its images beside it).
async fn unpacked(folder: &std::path::Path, file: &std::path::Path, extension: &str) -> Result<PathBuf, ImportError> {
    if file.extension().is_some_and(|e| e.eq_ignore_ascii_case(extension)) {
        return Ok(file.to_path_buf());
    }
    let into = folder.join("unpacked");
    unpack(file, &into).await?;
    walkdir::WalkDir::new(&into)
        .sort_by_file_name()
        .into_iter()
        .filter_map(|e| e.ok())
        .find(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x.eq_ignore_ascii_case(extension)))
        .map(|e| e.into_path())
        .ok_or_else(|| {
            ImportError::BadFiles(vec![marquee_import::FileProblem::new(
                file,
                None,
                None,
                format!("no .{extension} file in the archive"),
            )])
        })
}

/// Unpacks a ZIP on a blocking thread (decompressing is long work for the async threads).
async fn unpack(archive: &std::path::Path, into: &std::path::Path) -> Result<u64, ImportError> {
    let (archive, into) = (archive.to_path_buf(), into.to_path_buf());
    tokio::task::spawn_blocking(move || marquee_import::unpack_zip(&archive, &into))
        .await
        .unwrap_or_else(|e| Err(ImportError::Io { path: PathBuf::new(), source: std::io::Error::other(e) }))
}

async fn run(
    state: &AppState,
    format: Format,
    choices: Choices,
    folder: &std::path::Path,
    files: &[PathBuf],
    user_id: i64,
    job: &Job,
) -> Outcome {
    let (store, media) = (&state.store, &state.media);
    let first = &files[0];
    let blog = marquee_import::posts::Options { dry_run: choices.dry_run, skip_bad: choices.skip_bad };
    let result: Result<(Summary, Option<String>), ImportError> = async {
        match format {
            Format::Letterboxd => {
                let options =
                    marquee_import::letterboxd::Options { dry_run: choices.dry_run, skip_bad: choices.skip_bad };
                Ok((marquee_import::letterboxd::import(store, user_id, first, options, job).await?, None))
            }
            Format::Wordpress => {
                let export = unpacked(folder, first, "xml").await?;
                Ok((marquee_import::wordpress::import(store, media, &export, blog, job).await?, None))
            }
            Format::Ghost => {
                let export = unpacked(folder, first, "json").await?;
                Ok((marquee_import::ghost::import(store, media, &export, blog, job).await?, None))
            }
            Format::Markdown => {
                // Markdown files (with their images) as they are, or a ZIP of the folder.
                let dir = if files.iter().any(|f| f.extension().is_some_and(|e| e == "zip")) {
                    let into = folder.join("unpacked");
                    for file in files.iter().filter(|f| f.extension().is_some_and(|e| e == "zip")) {
                        unpack(file, &into).await?;
                    }
                    into
                } else {
                    folder.to_path_buf()
                };
                let options =
                    marquee_import::markdown::Options { dry_run: choices.dry_run, skip_bad: choices.skip_bad };
                Ok((marquee_import::markdown::import_dir(store, media, &dir, options, job).await?, None))
            }
            Format::Imdb => {
                let options = marquee_import::imdb::Options {
                    dry_run: choices.dry_run,
                    skip_bad: choices.skip_bad,
                    all: choices.all,
                };
                let report = marquee_import::imdb::import(store, folder, options, job).await?;
                let speed = format!(
                    "Read {} rows in {:.1} s ({:.0} rows/s).",
                    report.rows,
                    report.seconds,
                    report.rows_per_second()
                );
                Ok((report.summary, Some(speed)))
            }
        }
    }
    .await;
    // Messages name files as they are in the upload, never where the server keeps it.
    match result.map(|(summary, note)| (summary.relative_to(folder), note)).map_err(|e| e.relative_to(folder)) {
        Ok((summary, note)) => {
            let mut details: Vec<String> = note.into_iter().collect();
            if choices.dry_run {
                details.extend(summary.taken.iter().map(|taken| format!("Would take {taken}")));
            }
            details.extend(summary.warnings.iter().map(|w| format!("Warning: {w}")));
            details.extend(summary.skipped.iter().map(|s| format!("Skipped: {s}")));
            let summary = match choices.dry_run {
                true => format!("Dry run, nothing changed: would be {summary}."),
                false => format!("{summary}."),
            };
            Outcome::Done { summary: capitalised(&summary), details }
        }
        Err(error) => Outcome::Failed { message: error.to_string() },
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn job_view(job: &Job) -> JobView {
    let state = job.snapshot();
    let (status, summary, details, failure) = match state.outcome {
        None => ("running", String::new(), Vec::new(), String::new()),
        Some(Outcome::Done { summary, details }) => ("done", summary, details, String::new()),
        Some(Outcome::Failed { message }) => ("failed", String::new(), Vec::new(), message),
    };
    JobView {
        id: job.id,
        title: job.title.clone(),
        status,
        step: state.step,
        done: state.done,
        total: state.total,
        rate: state.rate.round() as u64,
        item: state.item,
        summary,
        details,
        failure,
    }
}

fn find_job(state: &AppState, admin: &Admin, id: u64) -> Result<Arc<Job>> {
    state.jobs.get(id).filter(|j| visible(admin, j)).ok_or(Error::NotFound)
}

/// The job's page: a progress bar the admin script keeps current (without the script, the page
/// reloads itself while the job runs).
pub async fn job_page(
    State(state): State<Arc<AppState>>,
    admin: Admin,
    Path(id): Path<u64>,
    uri: Uri,
) -> Result<Response> {
    let job = find_job(&state, &admin, id)?;
    let view = job_view(&job);
    // "Started" is news only while the job runs; a quick one may be over by now.
    let notice = notice(uri.query()).filter(|_| view.status == "running");
    let page =
        JobPage { layout: AdminLayout::new(&state, &admin, &job.title, "import").with_notice(notice), job: view };
    render(&page)
}

/// The job's state as JSON, for the page's live progress.
pub async fn job_status(State(state): State<Arc<AppState>>, admin: Admin, Path(id): Path<u64>) -> Result<Response> {
    let job = find_job(&state, &admin, id)?;
    Ok(Json(job_view(&job)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uploaded_names_keep_their_shape_and_lose_their_paths() {
        assert_eq!(safe_name("title.basics.tsv.gz", 0), "title.basics.tsv.gz");
        assert_eq!(safe_name("../../etc/passwd", 0), "passwd");
        assert_eq!(safe_name("C:\\Users\\me\\export.xml", 0), "export.xml");
        assert_eq!(safe_name("..", 3), "upload-3");
        assert_eq!(safe_name(".hidden", 0), "hidden");
        assert_eq!(safe_name("mon export été.json", 0), "mon_export__t_.json");
    }

    #[test]
    fn files_of_the_same_name_are_all_kept() {
        let dir = tempfile::tempdir().unwrap();
        let first = free_path(dir.path(), "index.md");
        std::fs::write(&first, "a").unwrap();
        let second = free_path(dir.path(), "index.md");
        assert_eq!(second, dir.path().join("index-2.md"));
        std::fs::write(&second, "b").unwrap();
        assert_eq!(free_path(dir.path(), "index.md"), dir.path().join("index-3.md"));
        assert_eq!(free_path(dir.path(), "title.basics.tsv.gz"), dir.path().join("title.basics.tsv.gz"));
    }
}
