//! A review's changes: saving it (and moving it between draft, awaiting review, scheduled and
//! published on the way), deleting it, restoring a kept revision, and promoting a diary entry's
//! short review to a draft of its own. A save names the revision it was made from and is refused
//! when someone saved since: nothing is ever overwritten silently.

use crate::catalogue::{self, FilmDraft};
use crate::{ChangeError, Desk, Member, Problems, Result};
use marquee_core::lifecycle::{next_standing, Intent, Standing};
use marquee_core::markdown::{self, RenderedBody};
use marquee_core::{Action, Day, ReviewAccess, ReviewStatus, Score, Slug};
use marquee_store::reviews::ReviewInput;
use marquee_store::revisions::{self, EditableReview, Saved as Written};
use marquee_store::{audit, diary, media, Store};
use std::collections::HashMap;

/// A review as its writer sends it, every value typed.
#[derive(Clone, Debug, Default)]
pub struct ReviewDraft {
    /// The film, found by its title and year or created with these facts.
    pub film: FilmDraft,
    /// A poster from the media library, for a film that has none yet.
    pub poster: Option<i64>,
    pub headline: Option<String>,
    /// Markdown.
    pub body: String,
    pub summary: Option<String>,
    pub score: Option<Score>,
    /// A verdict of the writer's own, instead of the score band's.
    pub verdict: Option<String>,
    pub tags: Vec<String>,
    pub spoilers: bool,
    pub watched_on: Option<Day>,
    pub rewatch: bool,
    /// When a scheduled review publishes itself (Unix seconds).
    pub publish_at: Option<i64>,
    /// A publication time in the past, for a review published elsewhere first.
    pub backdate: Option<i64>,
    /// The revision the change was made from; `None` takes the current one (last save wins).
    pub based_on: Option<i64>,
}

/// What a save did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub revision: i64,
}

/// What permissions need to know of a review (or, for a new one, of the member writing it).
pub fn access(review: Option<&EditableReview>, member: &Member) -> ReviewAccess {
    match review {
        Some(review) => ReviewAccess { author_id: review.author_id, status: review.status },
        None => ReviewAccess { author_id: Some(member.id), status: ReviewStatus::Draft },
    }
}

/// The review with id `id` as its editor shows it, if the member may see it.
pub async fn editable(desk: &Desk, member: &Member, id: i64) -> Result<EditableReview> {
    let review = revisions::editable(&desk.store, id).await?.ok_or(ChangeError::NotFound)?;
    member.require(Action::ViewReview(access(Some(&review), member))).map_err(|_| ChangeError::NotFound)?;
    Ok(review)
}

/// The library image a body's image destination names: `/media/<sha256>/…`.
fn media_hash(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("/media/")?;
    let hash = rest.get(..64)?;
    hash.bytes().all(|b| b.is_ascii_hexdigit()).then_some(hash)
}

/// A body rendered as the public page renders it, with its library images in all their sizes.
pub struct Rendered {
    pub body: RenderedBody,
    /// Each library image the body shows: its destination and its media id.
    pub images: Vec<(String, i64)>,
    /// Image destinations that are neither in the library nor on the web.
    pub unknown: Vec<String>,
}

/// Renders a body as the public page will (the editor's preview, and every save).
pub async fn render(store: &Store, body: &str) -> Result<Rendered> {
    let urls = markdown::image_urls(body);
    let hashes: Vec<String> = urls.iter().filter_map(|u| media_hash(u)).map(str::to_lowercase).collect();
    let known: HashMap<String, media::MediaItem> =
        media::by_sha256(store, &hashes).await?.into_iter().map(|m| (m.image.sha256.clone(), m)).collect();
    let lookup = |url: &str| media_hash(url).and_then(|h| known.get(&h.to_lowercase()));
    let body = markdown::render(body, &|url| lookup(url).map(|m| m.image.responsive(960)));
    let images = urls.iter().filter_map(|u| lookup(u).map(|m| (u.clone(), m.id))).collect();
    let unknown = urls
        .iter()
        .filter(|u| lookup(u).is_none() && !u.starts_with("https://") && !u.starts_with("http://"))
        .cloned()
        .collect();
    Ok(Rendered { body, images, unknown })
}

/// The problems of a body whatever the review's fields: images without alt text, and images that
/// are neither in the library nor on the web.
pub fn body_problems(body: &str, rendered: &Rendered, problems: &mut Problems) {
    for url in markdown::images_without_alt(body) {
        problems.add(
            "body",
            format!("The image {url} has no alt text: describe it between the brackets, ![like this]({url})."),
        );
    }
    for url in &rendered.unknown {
        problems.add(
            "body",
            format!("The image {url} is not in the media library: upload it under Media and paste its Markdown."),
        );
    }
}

/// The problems a draft has for `intent`, beyond its fields' own: a review going to readers must
/// be written, a scheduled one needs a time to come.
/// Whether the member may save a review or article with this `access` (`exists` when it is saved
/// already) and move it as `intent` asks; one they may not see is not found.
pub(crate) fn may_save(member: &Member, access: ReviewAccess, exists: bool, intent: Intent) -> Result<()> {
    if exists {
        member.require(Action::ViewReview(access)).map_err(|_| ChangeError::NotFound)?;
    } else {
        member.require(Action::CreateReview)?;
    }
    for action in intent.required(access) {
        member.require(action)?;
    }
    Ok(())
}

/// The problems a review's or an article's text and time have for `intent`: one going to readers
/// must be written, a scheduled one needs a time to come.
pub(crate) fn intent_problems(body: &str, publish_at: Option<i64>, intent: Intent, now: i64, problems: &mut Problems) {
    if intent == Intent::Schedule {
        match publish_at {
            None => problems.add("publish_at", "Choose when it should publish itself."),
            Some(at) if at <= now => {
                problems.add("publish_at", "That time has passed: choose a time in the future, or publish now.")
            }
            Some(_) => {}
        }
    }
    if intent.goes_out() && body.trim().is_empty() {
        problems.add("body", "Write it before it goes to readers.");
    }
}

/// Saves a review: a new one (`review` is `None`) or a new revision of one, moving it as
/// `intent` asks. `problems` holds what the caller already found wrong in the fields it typed;
/// every problem is reported at once and nothing is written while there is one.
pub async fn save(
    desk: &Desk,
    member: &Member,
    review: Option<&EditableReview>,
    draft: &ReviewDraft,
    intent: Intent,
    mut problems: Problems,
) -> Result<Saved> {
    may_save(member, access(review, member), review.is_some(), intent)?;
    let now = marquee_store::now();
    intent_problems(&draft.body, draft.publish_at, intent, now, &mut problems);
    let rendered = render(&desk.store, &draft.body).await?;
    body_problems(&draft.body, &rendered, &mut problems);
    let film_slug = match &draft.film.title {
        Some(title) => problems.keep("film_title", catalogue::film_slug(title.as_str(), draft.film.year)),
        None => None,
    };
    let poster = match draft.poster {
        Some(id) => media::by_id(&desk.store, id).await?.map(|m| m.id),
        None => None,
    };
    if draft.film.title.is_none() && !problems.names("film_title") {
        problems.add("film_title", "Enter the film's title.");
    }
    problems.check()?;
    let film_slug = film_slug.expect("checked above");

    let standing = next_standing(
        intent,
        review.map(|r| Standing { status: r.status, published_at: r.published_at }),
        now,
        draft.publish_at,
        draft.backdate,
    );
    let mut tx = desk.store.begin().await?;
    let film_id = catalogue::film_for_review(&mut tx, &draft.film, film_slug.clone(), poster).await?;
    let input = ReviewInput {
        slug: match review {
            Some(r) => Slug::parse(&r.slug).map_err(|e| marquee_store::Error::Corrupt(e.to_string()))?,
            None => film_slug,
        },
        film_id,
        author_id: review.map(|r| r.author_id).unwrap_or(Some(member.id)),
        headline: draft.headline.clone().filter(|h| !h.is_empty()),
        body_markdown: draft.body.clone(),
        body_html: rendered.body.html,
        body_text: rendered.body.plain_text,
        word_count: rendered.body.words,
        summary: draft.summary.clone().filter(|s| !s.is_empty()),
        score: draft.score,
        verdict_override: draft.verdict.clone().filter(|v| !v.is_empty()),
        spoilers: draft.spoilers,
        watched_on: draft.watched_on.map(|d| d.to_string()),
        rewatch: draft.rewatch,
        status: standing.status,
        published_at: standing.published_at,
        updated_at: Some(now),
        tags: draft.tags.clone(),
        images: rendered.images,
        source_hash: None,
    };
    let written = match review {
        Some(r) => revisions::update(&mut tx, r.id, draft.based_on.unwrap_or(r.revision), &input, member.id).await?,
        None => revisions::create(&mut tx, &input, member.id).await?,
    };
    let (id, revision) = match written {
        Written::Written { id, revision } => (id, revision),
        Written::Conflict { current_revision } => return Err(ChangeError::Conflict { current_revision }),
    };
    if let Some(action) = intent.audited() {
        let detail = match (intent, standing.published_at) {
            (Intent::Schedule, Some(at)) => format!("for {}", audit_time(at)),
            _ => String::new(),
        };
        let subject =
            crate::film_label(draft.film.title.as_ref().map_or("", |t| t.as_str()), draft.film.year.map(|y| y.get()));
        audit::record(&mut tx, member.id, &member.name, action, &subject, &detail).await?;
    }
    tx.commit().await?;
    Ok(Saved { id, revision })
}

/// A time as the activity log writes it (UTC).
fn audit_time(unix: i64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time::OffsetDateTime::from_unix_timestamp(unix).ok().and_then(|t| t.format(&format).ok()).unwrap_or_default()
}

/// Deletes a review with its revisions.
pub async fn delete(desk: &Desk, member: &Member, id: i64) -> Result<()> {
    let review = editable(desk, member, id).await?;
    member.require(Action::DeleteReview(access(Some(&review), member)))?;
    let mut tx = desk.store.begin().await?;
    revisions::delete(&mut tx, id).await?;
    let subject = crate::film_label(&review.film_title, review.film_year);
    audit::record(&mut tx, member.id, &member.name, "review.deleted", &subject, review.status.label()).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes a kept revision's text the review's newest revision (its film, status and dates stay).
/// `based_on` is the revision the member was looking at when they asked.
pub async fn restore(desk: &Desk, member: &Member, id: i64, revision: i64, based_on: i64) -> Result<Saved> {
    let review = editable(desk, member, id).await?;
    member.require(Action::EditReview(access(Some(&review), member)))?;
    let old = revisions::revision(&desk.store, id, revision).await?.ok_or(ChangeError::NotFound)?;
    let rendered = render(&desk.store, &old.body_markdown).await?;
    let input = ReviewInput {
        slug: Slug::parse(&review.slug).map_err(|e| marquee_store::Error::Corrupt(e.to_string()))?,
        film_id: review.film_id,
        author_id: review.author_id,
        headline: old.headline.clone(),
        body_markdown: old.body_markdown.clone(),
        body_html: rendered.body.html,
        body_text: rendered.body.plain_text,
        word_count: rendered.body.words,
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
        images: rendered.images,
        source_hash: None,
    };
    let mut tx = desk.store.begin().await?;
    match revisions::update(&mut tx, id, based_on, &input, member.id).await? {
        Written::Written { id, revision: now_at } => {
            let detail = format!("revision {revision}");
            audit::record(&mut tx, member.id, &member.name, "review.restored", &review.film_title, &detail).await?;
            tx.commit().await?;
            Ok(Saved { id, revision: now_at })
        }
        Written::Conflict { current_revision } => Err(ChangeError::Conflict { current_revision }),
    }
}

/// Turns a diary entry's short review into a draft review of the member's own (its text, rating,
/// date and rewatch flag), or gives the review it was promoted to before.
pub async fn promote(desk: &Desk, member: &Member, entry_id: i64) -> Result<i64> {
    let entry = diary::by_id(&desk.store, entry_id).await?.ok_or(ChangeError::NotFound)?;
    member.require(Action::ManageCollection { owner: entry.user_id })?;
    member.require(Action::CreateReview)?;
    if let Some(review_id) = entry.review_id {
        return Ok(review_id);
    }
    let rendered = render(&desk.store, &entry.review_text).await?;
    let input = ReviewInput {
        slug: Slug::of_film(&entry.film_title, entry.film_year)
            .unwrap_or_else(|_| Slug::parse("review").expect("a valid slug")),
        film_id: entry.film_id,
        author_id: Some(member.id),
        headline: None,
        body_markdown: entry.review_text.clone(),
        body_html: rendered.body.html,
        body_text: rendered.body.plain_text,
        word_count: rendered.body.words,
        summary: None,
        score: entry.rating,
        verdict_override: None,
        spoilers: false,
        watched_on: Some(entry.watched_on.clone()),
        rewatch: entry.rewatch,
        status: ReviewStatus::Draft,
        published_at: None,
        updated_at: None,
        tags: entry.tags.clone(),
        images: rendered.images,
        source_hash: None,
    };
    let mut tx = desk.store.begin().await?;
    let review_id = match revisions::create(&mut tx, &input, member.id).await? {
        Written::Written { id, .. } => id,
        Written::Conflict { current_revision } => return Err(ChangeError::Conflict { current_revision }),
    };
    diary::set_review(&mut tx, entry_id, review_id).await?;
    tx.commit().await?;
    Ok(review_id)
}
