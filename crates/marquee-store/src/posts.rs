//! Articles and pages (`marquee_core::PostKind`): writing one (a save with optimistic concurrency,
//! or an import's upsert by kind and slug), every save kept as a revision, the films an article
//! discusses, old addresses, and the reads of the public site (a post by its slug; lists of
//! articles, newest first, of everything, a writer, a tag or a film; the navigation's pages).

use crate::reviews::Outcome;
use crate::{content, now, placeholders, Conn, Error, Result, Store};
use marquee_core::{PostKind, ReviewStatus, SafeHtml, Slug};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::collections::HashMap;

/// An article or page as it is written.
#[derive(Clone, Debug, PartialEq)]
pub struct PostInput {
    pub kind: PostKind,
    pub slug: Slug,
    pub author_id: Option<i64>,
    pub title: String,
    pub standfirst: Option<String>,
    pub body_markdown: String,
    pub body_html: SafeHtml,
    pub body_text: String,
    pub word_count: usize,
    pub status: ReviewStatus,
    pub published_at: Option<i64>,
    /// When it last changed; now when `None`.
    pub updated_at: Option<i64>,
    /// Where a page stands in the site's navigation (`None`: not in it).
    pub nav_position: Option<i64>,
    pub tags: Vec<String>,
    /// The films an article discusses, in the order it names them.
    pub films: Vec<i64>,
    /// Library images the body shows: destination and media id.
    pub images: Vec<(String, i64)>,
    /// The fingerprint of the file an import read it from.
    pub source_hash: Option<String>,
}

/// A film an article discusses, as its card shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct FilmRef {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub year: Option<i32>,
    pub poster: Option<crate::media::Picture>,
}

/// A post as its editor shows it, whatever its status.
#[derive(Clone, Debug, PartialEq)]
pub struct EditablePost {
    pub id: i64,
    pub kind: PostKind,
    pub slug: String,
    pub author_id: Option<i64>,
    pub author_name: Option<String>,
    pub title: String,
    pub standfirst: Option<String>,
    pub body_markdown: String,
    pub status: ReviewStatus,
    pub published_at: Option<i64>,
    pub updated_at: i64,
    pub revision: i64,
    pub nav_position: Option<i64>,
    pub tags: Vec<String>,
    pub films: Vec<FilmRef>,
}

/// A published article as lists show it.
#[derive(Clone, Debug, PartialEq)]
pub struct PostCard {
    pub id: i64,
    pub kind: PostKind,
    pub slug: String,
    pub title: String,
    pub standfirst: Option<String>,
    /// The first few hundred characters of the body's text, for an excerpt without a standfirst.
    pub body_start: String,
    pub published_at: Option<i64>,
    pub updated_at: i64,
    pub word_count: i64,
    pub author_slug: Option<String>,
    pub author_name: Option<String>,
}

impl PostCard {
    pub fn path(&self) -> String {
        self.kind.path(&self.slug)
    }
}

/// A published post with everything its page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Post {
    pub card: PostCard,
    pub body_html: SafeHtml,
    pub tags: Vec<crate::films::Named>,
    pub films: Vec<FilmRef>,
}

/// Which published articles a list holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Filter {
    All,
    Author(i64),
    TagSlug(String),
    Film(i64),
}

fn kind_from(row: &AnyRow) -> Result<PostKind> {
    let kind: String = row.try_get("kind")?;
    kind.parse().map_err(Error::Corrupt)
}

fn status_from(row: &AnyRow) -> Result<ReviewStatus> {
    let status: String = row.try_get("status")?;
    status.parse().map_err(Error::Corrupt)
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds the columns every write sets, `author_id` to `nav_position` in table order.
fn bind_fields<'q>(query: AnyQuery<'q>, post: &'q PostInput) -> AnyQuery<'q> {
    query
        .bind(post.author_id)
        .bind(&post.title)
        .bind(&post.standfirst)
        .bind(&post.body_markdown)
        .bind(post.body_html.as_str())
        .bind(&post.body_text)
        .bind(post.word_count as i64)
        .bind(post.status.as_str())
        .bind(post.published_at)
        .bind(post.nav_position)
}

/// The id of the post of this kind and slug, with the fingerprint and publication time an
/// import compares and keeps.
pub async fn import_state(conn: &mut Conn, kind: PostKind, slug: &Slug) -> Result<Option<crate::reviews::ImportState>> {
    let row = sqlx::query("SELECT source_hash, published_at FROM posts WHERE kind = $1 AND slug = $2")
        .bind(kind.as_str())
        .bind(slug.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|row| {
        Ok(crate::reviews::ImportState {
            source_hash: row.try_get("source_hash")?,
            published_at: row.try_get("published_at")?,
        })
    })
    .transpose()
}

/// Writes a post matched by kind and slug (an import), replacing its tags, films and images,
/// keeping a revision; its search document and the content version are left to the batch.
pub async fn upsert_into(conn: &mut Conn, post: &PostInput, batch: &mut crate::Batch) -> Result<(i64, Outcome)> {
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM posts WHERE kind = $1 AND slug = $2")
        .bind(post.kind.as_str())
        .bind(post.slug.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    let now = now();
    let updated_at = post.updated_at.or(post.published_at).unwrap_or(now);
    let insert = sqlx::query(
        "INSERT INTO posts (kind, slug, author_id, title, standfirst, body_markdown, body_html, body_text, \
           word_count, status, published_at, nav_position, created_at, updated_at, revision, source_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, 1, $15) \
         ON CONFLICT (kind, slug) DO UPDATE SET author_id = excluded.author_id, title = excluded.title, \
           standfirst = excluded.standfirst, body_markdown = excluded.body_markdown, \
           body_html = excluded.body_html, body_text = excluded.body_text, word_count = excluded.word_count, \
           status = excluded.status, published_at = excluded.published_at, \
           nav_position = excluded.nav_position, updated_at = excluded.updated_at, \
           revision = posts.revision + 1, source_hash = excluded.source_hash \
         RETURNING id",
    )
    .bind(post.kind.as_str())
    .bind(post.slug.as_str());
    let id: i64 = bind_fields(insert, post)
        .bind(now)
        .bind(updated_at)
        .bind(&post.source_hash)
        .fetch_one(&mut *conn)
        .await?
        .try_get("id")?;
    write_parts(conn, id, post, post.author_id, existing.is_none(), batch).await?;
    batch.index.post(id);
    batch.changed = true;
    Ok((id, if existing.is_some() { Outcome::Updated } else { Outcome::Created }))
}

/// What a save did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Saved {
    Written {
        id: i64,
        revision: i64,
    },
    /// Someone saved since the revision the change was made from.
    Conflict {
        current_revision: i64,
    },
}

/// A new post (from the editor or the API), saved by `saved_by`. Fails on a slug its kind has.
pub async fn insert(conn: &mut Conn, post: &PostInput, saved_by: i64) -> Result<i64> {
    let now = now();
    let insert = sqlx::query(
        "INSERT INTO posts (kind, slug, author_id, title, standfirst, body_markdown, body_html, body_text, \
           word_count, status, published_at, nav_position, created_at, updated_at, revision) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, 1) RETURNING id",
    )
    .bind(post.kind.as_str())
    .bind(post.slug.as_str());
    let id: i64 = bind_fields(insert, post).bind(now).fetch_one(&mut *conn).await?.try_get("id")?;
    let mut batch = crate::Batch::default();
    write_parts(conn, id, post, Some(saved_by), true, &mut batch).await?;
    batch.index.post(id);
    batch.finish(conn).await?;
    content::bump(conn).await?;
    Ok(id)
}

/// A new revision of post `id`, when `based_on` is still its revision (nothing is overwritten
/// silently). The slug and kind stay as they are.
pub async fn update(conn: &mut Conn, id: i64, based_on: i64, post: &PostInput, saved_by: i64) -> Result<Saved> {
    let update = sqlx::query(
        "UPDATE posts SET author_id = $1, title = $2, standfirst = $3, body_markdown = $4, body_html = $5, \
           body_text = $6, word_count = $7, status = $8, published_at = $9, nav_position = $10, updated_at = $11, \
           revision = revision + 1, source_hash = NULL \
         WHERE id = $12 AND revision = $13",
    );
    let written =
        bind_fields(update, post).bind(now()).bind(id).bind(based_on).execute(&mut *conn).await?.rows_affected();
    let current: Option<i64> =
        sqlx::query_scalar("SELECT revision FROM posts WHERE id = $1").bind(id).fetch_optional(&mut *conn).await?;
    let Some(current) = current else { return Err(Error::Invalid(format!("post {id} no longer exists"))) };
    if written == 0 {
        return Ok(Saved::Conflict { current_revision: current });
    }
    let mut batch = crate::Batch::default();
    write_parts(conn, id, post, Some(saved_by), false, &mut batch).await?;
    batch.index.post(id);
    batch.finish(conn).await?;
    content::bump(conn).await?;
    Ok(Saved::Written { id, revision: current })
}

/// Replaces a post's tags, films and images and keeps the saved state as a revision.
async fn write_parts(
    conn: &mut Conn,
    id: i64,
    post: &PostInput,
    saved_by: Option<i64>,
    fresh: bool,
    batch: &mut crate::Batch,
) -> Result<()> {
    if !fresh {
        for table in ["post_tags", "post_films", "post_images"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE post_id = $1")).bind(id).execute(&mut *conn).await?;
        }
    }
    let mut tags = Vec::with_capacity(post.tags.len());
    for tag in &post.tags {
        let tag_id = batch.id_of(conn, crate::Named::Tag, tag).await?;
        if !tags.contains(&tag_id) {
            tags.push(tag_id);
        }
    }
    let mut films = post.films.clone();
    films.dedup();
    crate::insert_ordered(conn, "post_tags", ("post_id", id), "tag_id", &tags).await?;
    crate::insert_ordered(conn, "post_films", ("post_id", id), "film_id", &films).await?;
    for (src, media_id) in &post.images {
        sqlx::query("INSERT INTO post_images (post_id, src, media_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(src)
            .bind(media_id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "INSERT INTO post_revisions (post_id, revision, title, standfirst, body_markdown, tags, status, saved_by, \
           saved_at) \
         SELECT id, revision, title, standfirst, body_markdown, $2, status, $3, $4 FROM posts WHERE id = $1",
    )
    .bind(id)
    .bind(post.tags.join(", "))
    .bind(saved_by)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Deletes a post with its revisions, links and old addresses. The caller commits.
pub async fn delete(conn: &mut Conn, id: i64) -> Result<bool> {
    let deleted = sqlx::query("DELETE FROM posts WHERE id = $1").bind(id).execute(&mut *conn).await?.rows_affected();
    crate::search::remove(conn, crate::search::Kind::Article, id).await?;
    crate::federation::forget_source(conn, "article", id).await?;
    content::bump(conn).await?;
    Ok(deleted > 0)
}

/// Publishes scheduled posts whose time has come, each exactly once whichever server runs this
/// first. Returns how many were published.
pub async fn publish_due(store: &Store, now: i64) -> Result<u64> {
    let due: Vec<i64> = sqlx::query_scalar("SELECT id FROM posts WHERE status = 'scheduled' AND published_at <= $1")
        .bind(now)
        .fetch_all(store.pool())
        .await?;
    if due.is_empty() {
        return Ok(0);
    }
    let mut tx = store.begin().await?;
    let mut batch = crate::Batch::default();
    let mut published = 0;
    for id in due {
        let flipped = sqlx::query(
            "UPDATE posts SET status = 'published', updated_at = $2 \
             WHERE id = $1 AND status = 'scheduled' AND published_at <= $2",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if flipped > 0 {
            batch.index.post(id);
            batch.changed = true;
            published += flipped;
        }
    }
    batch.finish(&mut tx).await?;
    tx.commit().await?;
    Ok(published)
}

async fn film_refs(store: &Store, ids: &[i64]) -> Result<HashMap<i64, Vec<FilmRef>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT pf.post_id, f.id, f.slug, f.title, f.year, f.poster_url, {} FROM post_films pf \
         JOIN films f ON f.id = pf.film_id LEFT JOIN media m ON m.id = f.poster_media_id \
         WHERE pf.post_id IN ({}) ORDER BY pf.post_id, pf.position",
        crate::media::image_columns("m", "poster_"),
        placeholders(1, ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    let mut refs: HashMap<i64, Vec<FilmRef>> = HashMap::new();
    for row in query.fetch_all(store.pool()).await? {
        let year: Option<i64> = row.try_get("year")?;
        refs.entry(row.try_get("post_id")?).or_default().push(FilmRef {
            id: row.try_get("id")?,
            slug: row.try_get("slug")?,
            title: row.try_get("title")?,
            year: year.map(|y| y as i32),
            poster: crate::media::picture_from_row(&row, "poster_url", "poster_")?,
        });
    }
    Ok(refs)
}

async fn tag_names(store: &Store, ids: &[i64]) -> Result<HashMap<i64, Vec<crate::films::Named>>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT pt.post_id, t.slug, t.name FROM post_tags pt JOIN tags t ON t.id = pt.tag_id \
         WHERE pt.post_id IN ({}) ORDER BY pt.post_id, pt.position",
        placeholders(1, ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    let mut names: HashMap<i64, Vec<crate::films::Named>> = HashMap::new();
    for row in query.fetch_all(store.pool()).await? {
        names.entry(row.try_get("post_id")?).or_default().push(crate::films::Named {
            slug: row.try_get("slug")?,
            name: row.try_get("name")?,
            reviews: 0,
        });
    }
    Ok(names)
}

pub async fn editable(store: &Store, id: i64) -> Result<Option<EditablePost>> {
    let row = sqlx::query(
        "SELECT p.id, p.kind, p.slug, p.author_id, u.display_name AS author_name, p.title, p.standfirst, \
           p.body_markdown, p.status, p.published_at, p.updated_at, p.revision, p.nav_position \
         FROM posts p LEFT JOIN users u ON u.id = p.author_id WHERE p.id = $1",
    )
    .bind(id)
    .fetch_optional(store.pool())
    .await?;
    let Some(row) = row else { return Ok(None) };
    let tags = tag_names(store, &[id]).await?.remove(&id).unwrap_or_default();
    Ok(Some(EditablePost {
        id,
        kind: kind_from(&row)?,
        slug: row.try_get("slug")?,
        author_id: row.try_get("author_id")?,
        author_name: row.try_get("author_name")?,
        title: row.try_get("title")?,
        standfirst: row.try_get("standfirst")?,
        body_markdown: row.try_get("body_markdown")?,
        status: status_from(&row)?,
        published_at: row.try_get("published_at")?,
        updated_at: row.try_get("updated_at")?,
        revision: row.try_get("revision")?,
        nav_position: row.try_get("nav_position")?,
        tags: tags.into_iter().map(|t| t.name).collect(),
        films: film_refs(store, &[id]).await?.remove(&id).unwrap_or_default(),
    }))
}

/// A line in the admin's list of posts.
#[derive(Clone, Debug, PartialEq)]
pub struct ListedPost {
    pub id: i64,
    pub kind: PostKind,
    pub slug: String,
    pub title: String,
    pub author_name: Option<String>,
    pub status: ReviewStatus,
    pub published_at: Option<i64>,
    pub updated_at: i64,
    pub nav_position: Option<i64>,
}

/// One page of posts of a kind, most recently changed first, optionally of one author.
pub async fn list(
    store: &Store,
    kind: PostKind,
    author_id: Option<i64>,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ListedPost>, i64)> {
    let condition = "p.kind = $1 AND ($2 = 0 OR p.author_id = $2)";
    let author = author_id.unwrap_or(0);
    let rows = sqlx::query(&format!(
        "SELECT p.id, p.kind, p.slug, p.title, u.display_name AS author_name, p.status, p.published_at, \
           p.updated_at, p.nav_position \
         FROM posts p LEFT JOIN users u ON u.id = p.author_id \
         WHERE {condition} ORDER BY p.updated_at DESC, p.id DESC LIMIT $3 OFFSET $4"
    ))
    .bind(kind.as_str())
    .bind(author)
    .bind(limit)
    .bind(offset)
    .fetch_all(store.pool())
    .await?;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM posts p WHERE {condition}"))
        .bind(kind.as_str())
        .bind(author)
        .fetch_one(store.pool())
        .await?;
    let posts = rows
        .iter()
        .map(|row| {
            Ok(ListedPost {
                id: row.try_get("id")?,
                kind: kind_from(row)?,
                slug: row.try_get("slug")?,
                title: row.try_get("title")?,
                author_name: row.try_get("author_name")?,
                status: status_from(row)?,
                published_at: row.try_get("published_at")?,
                updated_at: row.try_get("updated_at")?,
                nav_position: row.try_get("nav_position")?,
            })
        })
        .collect::<Result<_>>()?;
    Ok((posts, total))
}

/// The columns of a card (and, with its HTML, of a whole post).
macro_rules! card_columns {
    () => {
        "p.id, p.kind, p.slug, p.title, p.standfirst, SUBSTR(p.body_text, 1, 600) AS body_start, p.published_at, \
         p.updated_at, p.word_count, u.slug AS author_slug, u.display_name AS author_name"
    };
}

const CARD_SELECT: &str = concat!("SELECT ", card_columns!(), " FROM posts p LEFT JOIN users u ON u.id = p.author_id");
const POST_SELECT: &str =
    concat!("SELECT ", card_columns!(), ", p.body_html FROM posts p LEFT JOIN users u ON u.id = p.author_id");

fn card_from_row(row: &AnyRow) -> Result<PostCard> {
    Ok(PostCard {
        id: row.try_get("id")?,
        kind: kind_from(row)?,
        slug: row.try_get("slug")?,
        title: row.try_get("title")?,
        standfirst: row.try_get("standfirst")?,
        body_start: row.try_get("body_start")?,
        published_at: row.try_get("published_at")?,
        updated_at: row.try_get("updated_at")?,
        word_count: row.try_get("word_count")?,
        author_slug: row.try_get("author_slug")?,
        author_name: row.try_get("author_name")?,
    })
}

/// The published post of this kind and slug, with its body, tags and films.
pub async fn published_by_slug(store: &Store, kind: PostKind, slug: &str) -> Result<Option<Post>> {
    let row = sqlx::query(&format!("{POST_SELECT} WHERE p.kind = $1 AND p.slug = $2 AND p.status = 'published'"))
        .bind(kind.as_str())
        .bind(slug)
        .fetch_optional(store.pool())
        .await?;
    post_from(store, row).await
}

/// The published article or page with this id.
pub async fn published_by_id(store: &Store, id: i64) -> Result<Option<Post>> {
    let row = sqlx::query(&format!("{POST_SELECT} WHERE p.id = $1 AND p.status = 'published'"))
        .bind(id)
        .fetch_optional(store.pool())
        .await?;
    post_from(store, row).await
}

async fn post_from(store: &Store, row: Option<AnyRow>) -> Result<Option<Post>> {
    let Some(row) = row else { return Ok(None) };
    let card = card_from_row(&row)?;
    let id = card.id;
    Ok(Some(Post {
        body_html: SafeHtml::from_stored(row.try_get("body_html")?),
        tags: tag_names(store, &[id]).await?.remove(&id).unwrap_or_default(),
        films: film_refs(store, &[id]).await?.remove(&id).unwrap_or_default(),
        card,
    }))
}

/// The SQL condition for a filter (its value is `$2`) and the value it binds.
fn condition(filter: &Filter) -> (&'static str, Option<FilterValue>) {
    match filter {
        Filter::All => ("", None),
        Filter::Author(id) => (" AND p.author_id = $2", Some(FilterValue::Int(*id))),
        Filter::Film(id) => {
            (" AND p.id IN (SELECT pf.post_id FROM post_films pf WHERE pf.film_id = $2)", Some(FilterValue::Int(*id)))
        }
        Filter::TagSlug(slug) => (
            " AND p.id IN (SELECT pt.post_id FROM post_tags pt JOIN tags t ON t.id = pt.tag_id WHERE t.slug = $2)",
            Some(FilterValue::Text(slug.clone())),
        ),
    }
}

enum FilterValue {
    Int(i64),
    Text(String),
}

fn bind_filter<'q>(query: AnyQuery<'q>, value: &'q Option<FilterValue>) -> AnyQuery<'q> {
    let query = query.bind(PostKind::Article.as_str());
    match value {
        Some(FilterValue::Int(v)) => query.bind(*v),
        Some(FilterValue::Text(v)) => query.bind(v.as_str()),
        None => query,
    }
}

/// One page of published articles matching `filter`, newest first, and how many match in all.
pub async fn published(store: &Store, filter: &Filter, limit: i64, offset: i64) -> Result<(Vec<PostCard>, i64)> {
    let (condition, value) = condition(filter);
    let next = if value.is_some() { 3 } else { 2 };
    let rest = format!("WHERE p.kind = $1 AND p.status = 'published'{condition}");
    let sql =
        format!("{CARD_SELECT} {rest} ORDER BY p.published_at DESC, p.id DESC LIMIT ${next} OFFSET ${}", next + 1);
    let rows = bind_filter(sqlx::query(&sql), &value).bind(limit).bind(offset).fetch_all(store.pool()).await?;
    let count = format!("SELECT COUNT(*) AS n FROM posts p {rest}");
    let total: i64 = bind_filter(sqlx::query(&count), &value).fetch_one(store.pool()).await?.try_get("n")?;
    let cards = rows.iter().map(card_from_row).collect::<Result<_>>()?;
    Ok((cards, total))
}

/// Published articles by id, in the order given (search results).
pub async fn published_by_ids(store: &Store, ids: &[i64]) -> Result<Vec<PostCard>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "{CARD_SELECT} WHERE p.status = 'published' AND p.kind = 'article' AND p.id IN ({})",
        placeholders(1, ids.len())
    );
    let mut query = sqlx::query(&sql);
    for id in ids {
        query = query.bind(*id);
    }
    let mut found: HashMap<i64, PostCard> = HashMap::new();
    for row in query.fetch_all(store.pool()).await? {
        let card = card_from_row(&row)?;
        found.insert(card.id, card);
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

/// A published article as a feed carries it.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedPost {
    pub card: PostCard,
    pub body_html: SafeHtml,
    pub tags: Vec<String>,
}

/// The newest `limit` published articles matching `filter`, with their bodies and tags.
pub async fn published_for_feed(store: &Store, filter: &Filter, limit: i64) -> Result<Vec<FeedPost>> {
    let (condition, value) = condition(filter);
    let next = if value.is_some() { 3 } else { 2 };
    let sql = format!(
        "{POST_SELECT} WHERE p.kind = $1 AND p.status = 'published'{condition} \
         ORDER BY p.published_at DESC, p.id DESC LIMIT ${next}"
    );
    let rows = bind_filter(sqlx::query(&sql), &value).bind(limit).fetch_all(store.pool()).await?;
    let mut posts = Vec::with_capacity(rows.len());
    for row in &rows {
        posts.push(FeedPost {
            card: card_from_row(row)?,
            body_html: SafeHtml::from_stored(row.try_get("body_html")?),
            tags: Vec::new(),
        });
    }
    let ids: Vec<i64> = posts.iter().map(|p| p.card.id).collect();
    let mut tags = tag_names(store, &ids).await?;
    for post in &mut posts {
        post.tags = tags.remove(&post.card.id).unwrap_or_default().into_iter().map(|t| t.name).collect();
    }
    Ok(posts)
}

/// Every published post of either kind, oldest first, with its body, tags and films (the
/// static export and the search index's rebuild).
pub async fn all_published(store: &Store) -> Result<Vec<Post>> {
    let rows = sqlx::query(&format!("{POST_SELECT} WHERE p.status = 'published' ORDER BY p.published_at, p.id"))
        .fetch_all(store.pool())
        .await?;
    let ids: Vec<i64> = rows.iter().map(|row| row.try_get("id")).collect::<std::result::Result<_, _>>()?;
    let mut tags = HashMap::new();
    let mut films = HashMap::new();
    for chunk in ids.chunks(500) {
        tags.extend(tag_names(store, chunk).await?);
        films.extend(film_refs(store, chunk).await?);
    }
    rows.iter()
        .map(|row| {
            let card = card_from_row(row)?;
            Ok(Post {
                body_html: SafeHtml::from_stored(row.try_get("body_html")?),
                tags: tags.remove(&card.id).unwrap_or_default(),
                films: films.remove(&card.id).unwrap_or_default(),
                card,
            })
        })
        .collect()
}

/// The published pages the site's navigation shows, in their order: (slug, title).
pub async fn navigation(store: &Store) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT slug, title FROM posts WHERE kind = 'page' AND status = 'published' AND nav_position IS NOT NULL \
         ORDER BY nav_position, title",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(|row| Ok((row.try_get("slug")?, row.try_get("title")?))).collect()
}

/// Each published post's slug, kind and last change (the sitemap).
pub async fn sitemap_rows(store: &Store) -> Result<Vec<(PostKind, String, i64)>> {
    let rows = sqlx::query(
        "SELECT kind, slug, updated_at FROM posts WHERE status = 'published' ORDER BY kind, published_at DESC, id",
    )
    .fetch_all(store.pool())
    .await?;
    rows.iter().map(|row| Ok((kind_from(row)?, row.try_get("slug")?, row.try_get("updated_at")?))).collect()
}

/// Replaces a post's old addresses; an address another post had moves to this one.
pub async fn set_redirects(conn: &mut Conn, post_id: i64, paths: &[String]) -> Result<()> {
    sqlx::query("DELETE FROM post_redirects WHERE post_id = $1").bind(post_id).execute(&mut *conn).await?;
    for path in paths {
        sqlx::query(
            "INSERT INTO post_redirects (path, post_id) VALUES ($1, $2) \
             ON CONFLICT (path) DO UPDATE SET post_id = excluded.post_id",
        )
        .bind(path)
        .bind(post_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A post's old addresses.
pub async fn redirects_of(store: &Store, post_id: i64) -> Result<Vec<String>> {
    Ok(sqlx::query_scalar("SELECT path FROM post_redirects WHERE post_id = $1 ORDER BY path")
        .bind(post_id)
        .fetch_all(store.pool())
        .await?)
}

/// A kept revision of a post.
#[derive(Clone, Debug, PartialEq)]
pub struct Revision {
    pub revision: i64,
    pub title: String,
    pub standfirst: Option<String>,
    pub body_markdown: String,
    pub tags: Vec<String>,
    pub status: String,
    pub saved_by: Option<String>,
    pub saved_at: i64,
}

/// Every kept revision of a post, newest first.
pub async fn revisions(store: &Store, post_id: i64) -> Result<Vec<Revision>> {
    let rows = sqlx::query(
        "SELECT rv.revision, rv.title, rv.standfirst, rv.body_markdown, rv.tags, rv.status, \
           u.display_name AS saved_by, rv.saved_at \
         FROM post_revisions rv LEFT JOIN users u ON u.id = rv.saved_by WHERE rv.post_id = $1 \
         ORDER BY rv.revision DESC",
    )
    .bind(post_id)
    .fetch_all(store.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let tags: String = row.try_get("tags")?;
            Ok(Revision {
                revision: row.try_get("revision")?,
                title: row.try_get("title")?,
                standfirst: row.try_get("standfirst")?,
                body_markdown: row.try_get("body_markdown")?,
                tags: tags.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect(),
                status: row.try_get("status")?,
                saved_by: row.try_get("saved_by")?,
                saved_at: row.try_get("saved_at")?,
            })
        })
        .collect()
}

/// `base`, or `base-2`, `base-3` … : the first slug no post of this kind has.
pub async fn free_slug(conn: &mut Conn, kind: PostKind, base: &Slug) -> Result<Slug> {
    let mut slug = base.clone();
    let mut n = 2;
    while slug_taken(conn, kind, slug.as_str()).await? {
        slug = base.suffixed(&n.to_string());
        n += 1;
    }
    Ok(slug)
}

/// Whether a post of this kind, whatever its status, has this slug.
pub async fn slug_in_use(store: &Store, kind: PostKind, slug: &str) -> Result<bool> {
    let mut conn = store.pool().acquire().await?;
    slug_taken(&mut conn, kind, slug).await
}

/// Whether a post of this kind already has this slug.
pub async fn slug_taken(conn: &mut Conn, kind: PostKind, slug: &str) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT id FROM posts WHERE kind = $1 AND slug = $2")
        .bind(kind.as_str())
        .bind(slug)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

/// The plain text of these published articles, by id (for search snippets).
pub async fn texts(store: &Store, ids: &[i64]) -> Result<HashMap<i64, String>> {
    crate::reviews::published_texts(store, "posts", ids).await
}

/// One entry of the home page's mixed list: a review or an article, by id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Entry {
    Review(i64),
    Article(i64),
}

/// One page of published reviews and articles together, newest first, and how many in all.
pub async fn timeline(store: &Store, limit: i64, offset: i64) -> Result<(Vec<Entry>, i64)> {
    let union = "SELECT 0 AS article, id, published_at FROM reviews WHERE status = 'published' \
        UNION ALL SELECT 1 AS article, id, published_at FROM posts WHERE kind = 'article' AND status = 'published'";
    let rows = sqlx::query(&format!(
        "SELECT article, id FROM ({union}) entries ORDER BY published_at DESC, article, id DESC LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(store.pool())
    .await?;
    let total: i64 =
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({union}) entries")).fetch_one(store.pool()).await?;
    let entries = rows
        .iter()
        .map(|row| {
            let id: i64 = row.try_get("id")?;
            Ok(if row.try_get::<i64, _>("article")? == 1 { Entry::Article(id) } else { Entry::Review(id) })
        })
        .collect::<Result<_>>()?;
    Ok((entries, total))
}

/// Every post's id, oldest first (the Markdown export).
pub async fn all_ids(store: &Store) -> Result<Vec<i64>> {
    Ok(sqlx::query_scalar("SELECT id FROM posts ORDER BY id").fetch_all(store.pool()).await?)
}

/// The library images a post's body shows: destination and media id.
pub async fn images_of(store: &Store, post_id: i64) -> Result<Vec<(String, i64)>> {
    let rows = sqlx::query("SELECT src, media_id FROM post_images WHERE post_id = $1 ORDER BY src")
        .bind(post_id)
        .fetch_all(store.pool())
        .await?;
    rows.iter().map(|row| Ok((row.try_get("src")?, row.try_get("media_id")?))).collect()
}

/// Published articles matching `filter` after a cursor (publication time and id), newest first.
pub async fn published_after(
    store: &Store,
    filter: &Filter,
    after: Option<(i64, i64)>,
    limit: i64,
) -> Result<Vec<PostCard>> {
    let (condition, value) = condition(filter);
    let n = if value.is_some() { 2 } else { 1 };
    let (at, id) = after.unwrap_or((i64::MAX, i64::MAX));
    let sql = format!(
        "{CARD_SELECT} WHERE p.kind = $1 AND p.status = 'published'{condition} \
         AND (p.published_at < ${a} OR (p.published_at = ${a} AND p.id < ${b})) \
         ORDER BY p.published_at DESC, p.id DESC LIMIT ${c}",
        a = n + 1,
        b = n + 2,
        c = n + 3
    );
    let rows = bind_filter(sqlx::query(&sql), &value).bind(at).bind(id).bind(limit).fetch_all(store.pool()).await?;
    rows.iter().map(card_from_row).collect()
}
