//! An article's or a page's changes: saving it (moving it between draft, awaiting review,
//! scheduled and published as a review moves), and deleting it. Articles and pages follow the
//! rules of reviews: a writer writes their own, an editor publishes anything; a save names the
//! revision it was made from and is refused when someone saved since.

use crate::catalogue::{film_named, FilmName};
use crate::reviews::{body_problems, intent_problems, may_save, render};
use crate::{ChangeError, Desk, Member, Problems, Result};
use marquee_core::lifecycle::{next_standing, Intent, Standing};
use marquee_core::{Action, PostKind, ReviewAccess, ReviewStatus, Slug};
use marquee_store::audit;
use marquee_store::posts::{self, EditablePost, PostInput, Saved as Written};

/// An article or page as its writer sends it, every value typed.
#[derive(Clone, Debug)]
pub struct PostDraft {
    pub kind: PostKind,
    pub title: String,
    /// The address it gets when new (from the title when empty); kept afterwards.
    pub slug: Option<Slug>,
    pub standfirst: Option<String>,
    /// Markdown.
    pub body: String,
    pub tags: Vec<String>,
    /// The films an article discusses, each found in the catalogue (or added by title and year).
    pub films: Vec<FilmName>,
    /// A page's place in the site's navigation.
    pub nav_position: Option<i64>,
    pub publish_at: Option<i64>,
    pub backdate: Option<i64>,
    /// The revision the change was made from; `None` takes the current one.
    pub based_on: Option<i64>,
}

/// What a save did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Saved {
    pub id: i64,
    pub revision: i64,
}

fn access(post: Option<&EditablePost>, member: &Member) -> ReviewAccess {
    match post {
        Some(post) => ReviewAccess { author_id: post.author_id, status: post.status },
        None => ReviewAccess { author_id: Some(member.id), status: ReviewStatus::Draft },
    }
}

/// The post with id `id` as its editor shows it, if the member may see it.
pub async fn editable(desk: &Desk, member: &Member, id: i64) -> Result<EditablePost> {
    let post = posts::editable(&desk.store, id).await?.ok_or(ChangeError::NotFound)?;
    member.require(Action::ViewReview(access(Some(&post), member))).map_err(|_| ChangeError::NotFound)?;
    Ok(post)
}

/// Saves an article or page: a new one (`post` is `None`) or a new revision of one, moving it as
/// `intent` asks. Every problem is reported at once and nothing is written while there is one.
pub async fn save(
    desk: &Desk,
    member: &Member,
    post: Option<&EditablePost>,
    draft: &PostDraft,
    intent: Intent,
    mut problems: Problems,
) -> Result<Saved> {
    may_save(member, access(post, member), post.is_some(), intent)?;
    let now = marquee_store::now();
    let kind = post.map(|p| p.kind).unwrap_or(draft.kind);
    if draft.title.trim().is_empty() {
        problems.add("title", "Give it a title.");
    }
    intent_problems(&draft.body, draft.publish_at, intent, now, &mut problems);
    let rendered = render(&desk.store, &draft.body).await?;
    body_problems(&draft.body, &rendered, &mut problems);
    let mut tx = desk.store.begin().await?;
    // A new post's address: the one asked for, which must be free, or one made from its title,
    // numbered when another post has it.
    let mut taken = false;
    let slug = match (post, &draft.slug) {
        (Some(post), _) => Slug::parse(&post.slug).map_err(|e| marquee_store::Error::Corrupt(e.to_string()))?,
        (None, Some(asked)) => {
            taken = posts::slug_taken(&mut tx, kind, asked.as_str()).await?;
            asked.clone()
        }
        (None, None) => {
            let base = Slug::from_text(&draft.title).unwrap_or_else(|_| Slug::parse(kind.as_str()).expect("a slug"));
            let base = match kind == PostKind::Page && !marquee_core::post::page_slug_is_free(base.as_str()) {
                true => base.suffixed("page"),
                false => base,
            };
            posts::free_slug(&mut tx, kind, &base).await?
        }
    };
    if kind == PostKind::Page && !marquee_core::post::page_slug_is_free(slug.as_str()) {
        problems.add("slug", format!("/{slug} is a part of the site already: choose another address."));
    }
    problems.check()?;
    if taken {
        let message = format!("{} is taken: choose another address.", kind.path(slug.as_str()));
        return Err(ChangeError::Taken(crate::Problem::new("slug", message)));
    }
    let mut film_ids = Vec::new();
    if kind == PostKind::Article {
        for name in &draft.films {
            // A film the post names already is the one it links, even when the film's address
            // no longer follows its (corrected) title and year.
            let linked = post.and_then(|p| {
                p.films.iter().find(|f| f.title == name.title.as_str() && f.year == name.year.map(|y| y.get()))
            });
            if let Some(film) = linked {
                if !film_ids.contains(&film.id) {
                    film_ids.push(film.id);
                }
                continue;
            }
            // The film's problems are the `films` field's.
            let id = film_named(&mut tx, name).await.map_err(|e| match e {
                ChangeError::Invalid(problems) => ChangeError::Invalid(
                    problems.into_iter().map(|p| crate::Problem::new("films", p.message)).collect(),
                ),
                other => other,
            })?;
            if !film_ids.contains(&id) {
                film_ids.push(id);
            }
        }
    }

    let standing = next_standing(
        intent,
        post.map(|p| Standing { status: p.status, published_at: p.published_at }),
        now,
        draft.publish_at,
        draft.backdate,
    );
    let input = PostInput {
        kind,
        slug,
        author_id: post.map(|p| p.author_id).unwrap_or(Some(member.id)),
        title: draft.title.trim().to_string(),
        standfirst: draft.standfirst.clone().filter(|s| !s.trim().is_empty()),
        body_markdown: draft.body.clone(),
        body_html: rendered.body.html,
        body_text: rendered.body.plain_text,
        word_count: rendered.body.words,
        status: standing.status,
        published_at: standing.published_at,
        updated_at: Some(now),
        nav_position: if kind == PostKind::Page { draft.nav_position } else { None },
        tags: if kind == PostKind::Article { draft.tags.clone() } else { Vec::new() },
        films: if kind == PostKind::Article { film_ids } else { Vec::new() },
        images: rendered.images,
        source_hash: None,
    };
    let (id, revision) = match post {
        Some(p) => match posts::update(&mut tx, p.id, draft.based_on.unwrap_or(p.revision), &input, member.id).await? {
            Written::Written { id, revision } => (id, revision),
            Written::Conflict { current_revision } => return Err(ChangeError::Conflict { current_revision }),
        },
        None => (posts::insert(&mut tx, &input, member.id).await?, 1),
    };
    if let Some(action) = intent.audited() {
        let action = action.replacen("review", kind.as_str(), 1);
        audit::record(&mut tx, member.id, &member.name, &action, &input.title, "").await?;
    }
    tx.commit().await?;
    Ok(Saved { id, revision })
}

/// Deletes an article or page with its revisions.
pub async fn delete(desk: &Desk, member: &Member, id: i64) -> Result<()> {
    let post = editable(desk, member, id).await?;
    member.require(Action::DeleteReview(access(Some(&post), member)))?;
    let mut tx = desk.store.begin().await?;
    posts::delete(&mut tx, id).await?;
    let action = format!("{}.deleted", post.kind);
    audit::record(&mut tx, member.id, &member.name, &action, &post.title, post.status.label()).await?;
    tx.commit().await?;
    Ok(())
}

/// Makes a kept revision's text the post's newest revision (its status, dates, films and place
/// stay). `based_on` is the revision the member was looking at when they asked.
pub async fn restore(desk: &Desk, member: &Member, id: i64, revision: i64, based_on: i64) -> Result<Saved> {
    let post = editable(desk, member, id).await?;
    member.require(Action::EditReview(access(Some(&post), member)))?;
    let old = posts::revisions(&desk.store, id)
        .await?
        .into_iter()
        .find(|r| r.revision == revision)
        .ok_or(ChangeError::NotFound)?;
    let rendered = render(&desk.store, &old.body_markdown).await?;
    let input = PostInput {
        kind: post.kind,
        slug: Slug::parse(&post.slug).map_err(|e| marquee_store::Error::Corrupt(e.to_string()))?,
        author_id: post.author_id,
        title: old.title.clone(),
        standfirst: old.standfirst.clone(),
        body_markdown: old.body_markdown.clone(),
        body_html: rendered.body.html,
        body_text: rendered.body.plain_text,
        word_count: rendered.body.words,
        status: post.status,
        published_at: post.published_at,
        updated_at: Some(marquee_store::now()),
        nav_position: post.nav_position,
        tags: old.tags.clone(),
        films: post.films.iter().map(|f| f.id).collect(),
        images: rendered.images,
        source_hash: None,
    };
    let mut tx = desk.store.begin().await?;
    match posts::update(&mut tx, id, based_on, &input, member.id).await? {
        Written::Written { id, revision: now_at } => {
            let action = format!("{}.restored", post.kind);
            audit::record(&mut tx, member.id, &member.name, &action, &post.title, &format!("revision {revision}"))
                .await?;
            tx.commit().await?;
            Ok(Saved { id, revision: now_at })
        }
        Written::Conflict { current_revision } => Err(ChangeError::Conflict { current_revision }),
    }
}
