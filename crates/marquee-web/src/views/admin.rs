//! What the admin's templates print. Built by `routes::admin`; every value is escaped when
//! printed except the rendered preview, which is sanitized Markdown (`SafeHtml`).

use crate::assets::{admin_script_url, admin_stylesheet_url, stylesheet_url};
use crate::auth::Admin;
use crate::state::AppState;
use askama::Template;
use marquee_core::{Action, Role, SafeHtml};

/// The admin's frame: its navigation follows what the signed-in user may do.
#[derive(Clone, Debug)]
pub struct AdminLayout {
    pub site_title: String,
    pub page_title: String,
    pub section: &'static str,
    pub css_url: &'static str,
    pub admin_css_url: &'static str,
    pub admin_js_url: &'static str,
    pub csrf: String,
    pub user_name: Option<String>,
    pub role: Option<Role>,
    pub notice: Option<&'static str>,
}

impl AdminLayout {
    /// The frame for a signed-in user.
    pub fn new(state: &AppState, admin: &Admin, title: &str, section: &'static str) -> AdminLayout {
        let mut layout = AdminLayout::public(state, title, String::new());
        layout.section = section;
        layout.csrf = admin.session.csrf_token.clone();
        layout.user_name = Some(admin.name().to_string());
        layout.role = Some(admin.session.user.role);
        layout
    }

    /// The frame of the login and setup pages, with the form cookie's token.
    pub fn public(state: &AppState, title: &str, csrf: String) -> AdminLayout {
        AdminLayout {
            site_title: state.site().title.clone(),
            page_title: title.to_string(),
            section: "",
            css_url: stylesheet_url(),
            admin_css_url: admin_stylesheet_url(),
            admin_js_url: admin_script_url(),
            csrf,
            user_name: None,
            role: None,
            notice: None,
        }
    }

    pub fn with_notice(mut self, notice: Option<&'static str>) -> AdminLayout {
        self.notice = notice;
        self
    }

    pub fn current(&self, section: &str) -> &'static str {
        if self.section == section {
            "page"
        } else {
            "false"
        }
    }

    fn may(&self, action: Action) -> bool {
        self.role.is_some_and(|role| marquee_core::Actor { user_id: 0, role }.may(action))
    }

    pub fn catalogue(&self) -> bool {
        self.may(Action::ManageCatalogue)
    }

    pub fn owner(&self) -> bool {
        self.may(Action::ManageUsers)
    }

    pub fn moderator(&self) -> bool {
        self.may(Action::ModerateComments)
    }
}

/// A message about one field of a form, tied to it with `aria-describedby`.
/// A field to fix and what to do about it (the changes layer's `Problem`).
pub use marquee_changes::Problem as FieldError;

pub trait FieldErrors {
    fn for_field(&self, field: &str) -> Option<&str>;
    fn invalid(&self, field: &str) -> &'static str;
}

impl FieldErrors for Vec<FieldError> {
    fn for_field(&self, field: &str) -> Option<&str> {
        self.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }

    fn invalid(&self, field: &str) -> &'static str {
        if self.for_field(field).is_some() {
            "true"
        } else {
            "false"
        }
    }
}

/// Links to the previous and next pages of a list.
#[derive(Clone, Debug, Default)]
pub struct Pager {
    pub previous: Option<String>,
    pub next: Option<String>,
    pub summary: String,
}

#[derive(Template)]
#[template(path = "admin/login.html")]
pub struct LoginPage {
    pub layout: AdminLayout,
    pub email: String,
    pub next: String,
    pub error: Option<String>,
    pub setup_open: bool,
}

#[derive(Template)]
#[template(path = "admin/setup.html")]
pub struct SetupPage {
    pub layout: AdminLayout,
    pub email: String,
    pub name: String,
    pub errors: Vec<FieldError>,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
pub struct DashboardPage {
    pub layout: AdminLayout,
    pub counts: Vec<(&'static str, i64, String)>,
    pub recent: Vec<ReviewRow>,
}

/// A review in the admin's lists.
#[derive(Clone, Debug)]
pub struct ReviewRow {
    pub edit_url: String,
    pub film: String,
    pub headline: String,
    pub author: String,
    pub status: &'static str,
    pub status_key: &'static str,
    pub score: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "admin/reviews.html")]
pub struct ReviewListPage {
    pub layout: AdminLayout,
    pub tabs: Vec<(String, &'static str, bool)>,
    pub rows: Vec<ReviewRow>,
    pub pager: Pager,
}

/// The editor's fields as text, exactly as the writer left them (re-shown after an error, a
/// preview or a conflict, so nothing typed is lost).
#[derive(Clone, Debug, Default)]
pub struct EditorFields {
    pub film_title: String,
    pub film_year: String,
    pub film_runtime: String,
    pub film_tagline: String,
    pub film_directors: String,
    pub film_cast: String,
    pub film_genres: String,
    pub poster_alt: String,
    /// A poster already uploaded from this form (kept across previews and refused saves).
    pub poster_media: String,
    pub poster_name: String,
    pub headline: String,
    pub body: String,
    pub summary: String,
    pub score: String,
    pub verdict_override: String,
    pub tags: String,
    pub spoilers: bool,
    pub watched_on: String,
    pub rewatch: bool,
    pub publish_at: String,
    pub revision: String,
    /// When a review published now was in fact first published (an API client bringing its
    /// archive); the admin's form never sets it.
    pub backdate: Option<i64>,
}

/// The other side of a conflict: what was saved meanwhile.
#[derive(Clone, Debug)]
pub struct ConflictView {
    pub saved_by: String,
    pub saved_at: String,
    pub revision: i64,
    pub their_body: String,
    pub their_headline: String,
    pub their_summary: String,
}

/// Which buttons the editor offers, from the review's status and the user's role.
#[derive(Clone, Debug, Default)]
pub struct EditorActions {
    pub save_label: &'static str,
    pub submit: bool,
    pub withdraw: bool,
    pub publish: bool,
    pub schedule: bool,
    pub unpublish: bool,
    pub delete: bool,
}

#[derive(Template)]
#[template(path = "admin/editor.html")]
pub struct EditorPage {
    pub layout: AdminLayout,
    pub action_url: String,
    pub review_id: Option<i64>,
    pub status_label: &'static str,
    pub public_url: Option<String>,
    pub film_url: Option<String>,
    pub fields: EditorFields,
    pub errors: Vec<FieldError>,
    pub preview: Option<SafeHtml>,
    pub verdict: String,
    pub conflict: Option<ConflictView>,
    pub actions: EditorActions,
    pub bands: Vec<(String, String)>,
}

#[derive(Clone, Debug)]
pub struct RevisionRow {
    pub revision: i64,
    pub saved_by: String,
    pub saved_at: String,
    pub status: String,
    pub words: usize,
    pub current: bool,
}

/// One line of a diff: `kind` is `same`, `added` or `removed`.
#[derive(Clone, Debug)]
pub struct DiffLine {
    pub kind: &'static str,
    pub text: String,
}

#[derive(Clone, Debug)]
pub struct DiffView {
    pub from: i64,
    pub to: i64,
    pub lines: Vec<DiffLine>,
    pub added: usize,
    pub removed: usize,
}

#[derive(Template)]
#[template(path = "admin/revisions.html")]
pub struct RevisionsPage {
    pub layout: AdminLayout,
    pub heading: String,
    /// The editor's address (`/admin/reviews/5`); the revisions are under it.
    pub base: String,
    pub rows: Vec<RevisionRow>,
    pub diff: Option<DiffView>,
    pub can_restore: bool,
}

#[derive(Template)]
#[template(path = "admin/confirm_delete.html")]
pub struct DeletePage {
    pub layout: AdminLayout,
    pub review_id: i64,
    pub film: String,
    pub status: &'static str,
}

/// An image in the library.
#[derive(Clone, Debug)]
pub struct MediaView {
    pub id: i64,
    pub thumbnail: String,
    pub width: u32,
    pub height: u32,
    pub alt: String,
    pub original_name: String,
    pub snippet: String,
    pub size: String,
    pub uploaded: String,
}

#[derive(Template)]
#[template(path = "admin/media.html")]
pub struct MediaPage {
    pub layout: AdminLayout,
    pub items: Vec<MediaView>,
    pub error: Option<String>,
    pub alt: String,
    pub pager: Pager,
}

#[derive(Clone, Debug)]
pub struct CatalogueRow {
    pub edit_url: String,
    pub name: String,
    pub detail: String,
    pub public_url: String,
}

#[derive(Template)]
#[template(path = "admin/catalogue.html")]
pub struct CataloguePage {
    pub layout: AdminLayout,
    pub heading: &'static str,
    pub search_url: &'static str,
    pub query: String,
    pub rows: Vec<CatalogueRow>,
    pub pager: Pager,
}

/// The film form's fields as text.
#[derive(Clone, Debug, Default)]
pub struct FilmFields {
    pub title: String,
    pub original_title: String,
    pub year: String,
    pub release_date: String,
    pub runtime: String,
    pub tagline: String,
    pub synopsis: String,
    pub genres: String,
    pub countries: String,
    pub languages: String,
    pub directors: String,
    pub writers: String,
    pub cast: String,
    pub imdb_id: String,
    pub poster_url: String,
    pub poster_alt: String,
}

#[derive(Template)]
#[template(path = "admin/film.html")]
pub struct FilmEditPage {
    pub layout: AdminLayout,
    pub film_id: i64,
    pub public_url: String,
    pub poster: Option<String>,
    pub fields: FilmFields,
    pub errors: Vec<FieldError>,
}

#[derive(Template)]
#[template(path = "admin/person.html")]
pub struct PersonEditPage {
    pub layout: AdminLayout,
    pub person_id: i64,
    pub public_url: String,
    pub name: String,
    pub imdb_id: String,
    pub credits: i64,
    pub merge_into: String,
    pub errors: Vec<FieldError>,
}

#[derive(Template)]
#[template(path = "admin/settings.html")]
pub struct SettingsPage {
    pub layout: AdminLayout,
    pub title: String,
    pub description: String,
    pub accent: String,
    pub bands: Vec<(String, String)>,
    pub feed_full: bool,
    pub home_mixed: bool,
    pub errors: Vec<FieldError>,
}

#[derive(Clone, Debug)]
pub struct UserRow {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub disabled: bool,
    pub can_sign_in: bool,
    pub is_self: bool,
}

#[derive(Template)]
#[template(path = "admin/users.html")]
pub struct UsersPage {
    pub layout: AdminLayout,
    pub users: Vec<UserRow>,
    pub roles: [Role; 3],
    pub email: String,
    pub name: String,
    pub role: String,
    pub errors: Vec<FieldError>,
}

#[derive(Template)]
#[template(path = "admin/account.html")]
pub struct AccountPage {
    pub layout: AdminLayout,
    pub name: String,
    pub bio: String,
    pub diary_public: bool,
    /// What of theirs goes to the fediverse: `reviews`, `all` or `off`.
    pub federating: &'static str,
    pub slug: String,
    pub email: String,
    pub errors: Vec<FieldError>,
}

#[derive(Clone, Debug)]
pub struct ActivityRow {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

#[derive(Template)]
#[template(path = "admin/activity.html")]
pub struct ActivityPage {
    pub layout: AdminLayout,
    pub rows: Vec<ActivityRow>,
    pub pager: Pager,
}

/// A time as the admin shows it: `2026-11-25 14:03 UTC`.
pub fn admin_time(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|t| t.format(&format).ok()).unwrap_or_default()
}

/// The diary form's fields as typed.
#[derive(Clone, Debug, Default)]
pub struct DiaryFields {
    pub film_title: String,
    pub film_year: String,
    pub watched_on: String,
    pub rating: String,
    pub rewatch: bool,
    pub liked: bool,
    pub tags: String,
    pub review_text: String,
    pub leave_watchlist: bool,
}

/// A diary entry in the admin's list.
#[derive(Clone, Debug)]
pub struct DiaryRow {
    pub edit_url: String,
    pub date: String,
    pub film: String,
    pub stars: String,
    pub stars_label: String,
    pub rewatch: bool,
    pub liked: bool,
    pub review_url: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/diary.html")]
pub struct DiaryAdminPage {
    pub layout: AdminLayout,
    pub fields: DiaryFields,
    pub errors: Vec<FieldError>,
    pub rows: Vec<DiaryRow>,
    pub public_url: Option<String>,
    pub ratings: Vec<(u8, String)>,
}

#[derive(Template)]
#[template(path = "admin/diary_entry.html")]
pub struct DiaryEntryPage {
    pub layout: AdminLayout,
    pub entry_id: i64,
    pub fields: DiaryFields,
    pub errors: Vec<FieldError>,
    pub ratings: Vec<(u8, String)>,
    pub review_url: Option<String>,
}

#[derive(Clone, Debug)]
pub struct ListRow {
    pub edit_url: String,
    pub title: String,
    pub films: i64,
    pub published: bool,
    pub public_url: String,
}

#[derive(Template)]
#[template(path = "admin/lists.html")]
pub struct ListsAdminPage {
    pub layout: AdminLayout,
    pub rows: Vec<ListRow>,
    pub title: String,
    pub errors: Vec<FieldError>,
}

/// A film in a list or watchlist being edited.
#[derive(Clone, Debug)]
pub struct ItemRow {
    pub film_id: i64,
    pub rank: usize,
    pub film: String,
    pub note: String,
    pub first: bool,
    pub last: bool,
}

#[derive(Template)]
#[template(path = "admin/list.html")]
pub struct ListEditPage {
    pub layout: AdminLayout,
    pub list_id: i64,
    pub public_url: Option<String>,
    pub title: String,
    pub description: String,
    pub ranked: bool,
    pub published: bool,
    pub items: Vec<ItemRow>,
    pub errors: Vec<FieldError>,
    pub film_title: String,
    pub film_year: String,
    pub note: String,
}

#[derive(Template)]
#[template(path = "admin/watchlist.html")]
pub struct WatchlistAdminPage {
    pub layout: AdminLayout,
    pub items: Vec<ItemRow>,
    pub errors: Vec<FieldError>,
    pub film_title: String,
    pub film_year: String,
    pub public_url: Option<String>,
}

/// A token in its owner's list.
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    pub hint: String,
    pub scope: &'static str,
    pub created: String,
    pub last_used: String,
    pub revoked: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/tokens.html")]
pub struct TokensPage {
    pub layout: AdminLayout,
    pub tokens: Vec<TokenRow>,
    pub errors: Vec<FieldError>,
    pub name: String,
    /// A token just created: shown this once, never again.
    pub created: Option<String>,
}

/// An import the signed-in user may run.
pub struct ImportFormat {
    pub key: &'static str,
    pub title: &'static str,
}

pub struct JobRow {
    pub id: u64,
    pub title: String,
    pub started: String,
    pub status: &'static str,
}

#[derive(Template)]
#[template(path = "admin/imports.html")]
pub struct ImportsPage {
    pub layout: AdminLayout,
    pub formats: Vec<ImportFormat>,
    pub jobs: Vec<JobRow>,
    pub errors: Vec<FieldError>,
}

impl ImportsPage {
    pub fn offers(&self, key: &str) -> bool {
        self.formats.iter().any(|f| f.key == key)
    }
}

/// A job as its page and its JSON show it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct JobView {
    pub id: u64,
    pub title: String,
    /// running, done or failed
    pub status: &'static str,
    pub step: String,
    pub done: u64,
    /// 0 when the step's size is not known ahead.
    pub total: u64,
    /// Items per second in this step.
    pub rate: u64,
    pub item: String,
    pub summary: String,
    pub details: Vec<String>,
    pub failure: String,
}

#[derive(Template)]
#[template(path = "admin/import_job.html")]
pub struct JobPage {
    pub layout: AdminLayout,
    pub job: JobView,
}

/// The list of articles or of pages.
#[derive(Template)]
#[template(path = "admin/posts.html")]
pub struct PostListPage {
    pub layout: AdminLayout,
    /// "article" or "page", for the new one's address.
    pub kind: &'static str,
    pub new_label: &'static str,
    pub rows: Vec<PostRow>,
    pub pager: Pager,
}

pub struct PostRow {
    pub edit_url: String,
    pub title: String,
    pub author: String,
    pub status: &'static str,
    pub status_key: &'static str,
    pub nav: String,
    pub updated: String,
}

/// What the article or page editor's form holds, as typed.
#[derive(Clone, Debug, Default)]
pub struct PostFields {
    pub title: String,
    pub slug: String,
    pub standfirst: String,
    pub body: String,
    pub tags: String,
    /// One film per line: "Title (Year)".
    pub films: String,
    pub nav_position: String,
    pub publish_at: String,
    pub revision: String,
}

#[derive(Template)]
#[template(path = "admin/post_editor.html")]
pub struct PostEditorPage {
    pub layout: AdminLayout,
    pub is_article: bool,
    pub action_url: String,
    pub post_id: Option<i64>,
    pub status_label: &'static str,
    pub public_url: Option<String>,
    pub fields: PostFields,
    pub errors: Vec<FieldError>,
    pub preview: Option<marquee_core::SafeHtml>,
    /// Someone saved meanwhile: their text, beside the writer's (which stays in the form).
    pub conflict: Option<String>,
    pub actions: EditorActions,
}

#[derive(Template)]
#[template(path = "admin/confirm_post_delete.html")]
pub struct PostDeletePage {
    pub layout: AdminLayout,
    pub title: String,
    pub status: &'static str,
    pub edit_url: String,
}

/// A reply waiting for a moderator.
pub struct ReplyRow {
    pub id: i64,
    pub name: String,
    pub handle: String,
    pub host: String,
    pub content: marquee_core::SafeHtml,
    pub received: String,
    /// The review or article it answers.
    pub on: super::parts::Link,
}

#[derive(Template)]
#[template(path = "admin/replies.html")]
pub struct RepliesPage {
    pub layout: AdminLayout,
    pub rows: Vec<ReplyRow>,
}

pub struct FollowerRow {
    pub handle: String,
    pub name: String,
    /// The local actor followed (`site`, `user:ID`) and its handle.
    pub actor: String,
    pub of: String,
    pub follower: String,
    pub since: String,
}

pub struct TroubleRow {
    pub inbox: String,
    pub state: String,
    pub attempts: i64,
    pub error: String,
}

#[derive(Template)]
#[template(path = "admin/federation.html")]
pub struct FederationPage {
    pub layout: AdminLayout,
    pub enabled: bool,
    pub handle: String,
    pub host: String,
    pub pending: i64,
    pub done: i64,
    pub failed: i64,
    pub troubles: Vec<TroubleRow>,
    pub followers: Vec<FollowerRow>,
    pub blocks: Vec<(String, String)>,
    pub following: Vec<FollowingRow>,
    pub errors: Vec<FieldError>,
}

/// An account the site follows.
pub struct FollowingRow {
    pub actor: String,
    pub handle: String,
    pub name: String,
    pub accepted: bool,
    pub since: String,
}

/// A post of an account the site follows.
pub struct RemotePostRow {
    /// Its place in the list, for unique ids.
    pub n: usize,
    pub uri: String,
    pub name: String,
    pub handle: String,
    pub title: Option<String>,
    pub content: marquee_core::SafeHtml,
    pub link: Option<String>,
    pub published: String,
    pub liked: bool,
}

#[derive(Template)]
#[template(path = "admin/reading.html")]
pub struct ReadingPage {
    pub layout: AdminLayout,
    pub following: usize,
    pub posts: Vec<RemotePostRow>,
    pub errors: Vec<FieldError>,
}
