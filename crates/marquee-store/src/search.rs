//! Full-text search: SQLite FTS5 or PostgreSQL's text search behind one interface. Each
//! published review and article, each film and each person is one document, its text folded (see
//! `marquee_core::search::fold`). Writes that change what is published keep it current.

use crate::{Backend, Conn, Result, Store};
use marquee_core::search::fold;
use sqlx::Row;
use std::collections::{BTreeSet, HashMap};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Review,
    Film,
    Person,
    Article,
}

impl Kind {
    /// The document's key in the index (see the migration).
    fn rowid(self, id: i64) -> i64 {
        id * 4
            + match self {
                Kind::Review => 0,
                Kind::Film => 1,
                Kind::Person => 2,
                Kind::Article => 3,
            }
    }

    fn as_str(self) -> &'static str {
        match self {
            Kind::Review => "review",
            Kind::Film => "film",
            Kind::Person => "person",
            Kind::Article => "article",
        }
    }
}

pub async fn remove(conn: &mut Conn, kind: Kind, id: i64) -> Result<()> {
    sqlx::query("DELETE FROM search_index WHERE rowid = $1").bind(kind.rowid(id)).execute(conn).await?;
    Ok(())
}

/// Indexes a review when it is published (its film, headline, people and text); removes it
/// from the index otherwise.
pub async fn index_review(conn: &mut Conn, id: i64) -> Result<()> {
    let mut pending = Pending::default();
    pending.review(id);
    pending.write(conn).await
}

/// Indexes a film (title, original title, year, directors and cast) and its reviews, whose
/// documents carry the film's title too.
pub async fn index_film(conn: &mut Conn, id: i64) -> Result<()> {
    let mut pending = Pending::default();
    pending.film(id);
    pending.write(conn).await
}

pub async fn index_person(conn: &mut Conn, id: i64) -> Result<()> {
    let mut pending = Pending::default();
    pending.person(id);
    pending.write(conn).await
}

/// Documents to bring up to date, gathered while writes run and written together when they are
/// done. A bulk import touches each film and person many times but indexes each once; and the
/// documents go in rowid order, so SQLite's FTS5 gathers their terms in memory and writes them
/// in a few segments, where writes in any other order flush a small segment each time (and then
/// merge them), which made an import's time grow with the square of its size.
#[derive(Debug, Default)]
pub struct Pending {
    reviews: BTreeSet<i64>,
    films: BTreeSet<i64>,
    people: BTreeSet<i64>,
    posts: BTreeSet<i64>,
}

impl Pending {
    pub fn review(&mut self, id: i64) {
        self.reviews.insert(id);
    }

    /// A film, and so its reviews, whose documents carry its title.
    pub fn film(&mut self, id: i64) {
        self.films.insert(id);
    }

    pub fn person(&mut self, id: i64) {
        self.people.insert(id);
    }

    /// An article (a page is never indexed: it is not in lists, nor in search).
    pub fn post(&mut self, id: i64) {
        self.posts.insert(id);
    }

    /// Writes every gathered document (or removes it, when its row is gone or its review is not
    /// published), in the caller's transaction: a few statements per thousand documents, a
    /// window of ids at a time so that memory holds one window's texts, in rowid order overall.
    pub async fn write(mut self, conn: &mut Conn) -> Result<()> {
        let films: Vec<i64> = self.films.iter().copied().collect();
        for chunk in films.chunks(CHUNK) {
            let sql = format!("SELECT id FROM reviews WHERE film_id IN ({})", id_list(chunk));
            let reviews: Vec<i64> = sqlx::query_scalar(&sql).fetch_all(&mut *conn).await?;
            self.reviews.extend(reviews);
        }
        let mut ids: Vec<i64> =
            self.people.iter().chain(&self.films).chain(&self.reviews).chain(&self.posts).copied().collect();
        // FTS5 merges its segments as they grow, reading back pages a large transaction has
        // already pushed out of SQLite's small page cache: a large batch gets a larger cache
        // while it writes the index (half the time at 10,000 reviews), then the usual one again.
        let kept_cache: Option<i64> = if ids.len() >= LARGE_BATCH && conn.backend_name() == "SQLite" {
            let size = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut *conn).await?;
            sqlx::query(&format!("PRAGMA cache_size = -{LARGE_BATCH_CACHE_KIB}")).execute(&mut *conn).await?;
            Some(size)
        } else {
            None
        };
        ids.sort_unstable();
        ids.dedup();
        let written = self.write_windows(conn, &ids).await;
        if let Some(size) = kept_cache {
            sqlx::query(&format!("PRAGMA cache_size = {size}")).execute(&mut *conn).await?;
        }
        written
    }

    /// Writes the documents of these ids (sorted), a window of them at a time.
    async fn write_windows(&self, conn: &mut Conn, ids: &[i64]) -> Result<()> {
        for window in ids.chunks(CHUNK) {
            let (first, last) = (window[0], window[window.len() - 1]);
            let mut documents = Vec::with_capacity(3 * window.len());
            let people: Vec<i64> = self.people.range(first..=last).copied().collect();
            if !people.is_empty() {
                let sql = format!("SELECT id, name FROM people WHERE id IN ({})", id_list(&people));
                let mut named: HashMap<i64, String> = HashMap::new();
                for row in sqlx::query(&sql).fetch_all(&mut *conn).await? {
                    named.insert(row.try_get("id")?, row.try_get("name")?);
                }
                for id in people {
                    documents.push((Kind::Person, id, named.remove(&id).map(|name| (name, String::new()))));
                }
            }
            let films: Vec<i64> = self.films.range(first..=last).copied().collect();
            if !films.is_empty() {
                film_documents(conn, &films, &mut documents).await?;
            }
            let reviews: Vec<i64> = self.reviews.range(first..=last).copied().collect();
            if !reviews.is_empty() {
                review_documents(conn, &reviews, &mut documents).await?;
            }
            let posts: Vec<i64> = self.posts.range(first..=last).copied().collect();
            if !posts.is_empty() {
                article_documents(conn, &posts, &mut documents).await?;
            }
            write_documents(conn, documents).await?;
        }
        Ok(())
    }
}

/// Replaces these documents in the index (each removed, then written again unless it is none).
async fn write_documents(conn: &mut Conn, mut documents: Vec<(Kind, i64, Document)>) -> Result<()> {
    documents.sort_unstable_by_key(|(kind, id, _)| kind.rowid(*id));
    for chunk in documents.chunks(CHUNK) {
        let rowids: Vec<i64> = chunk.iter().map(|(kind, id, _)| kind.rowid(*id)).collect();
        sqlx::query(&format!("DELETE FROM search_index WHERE rowid IN ({})", id_list(&rowids)))
            .execute(&mut *conn)
            .await?;
    }
    let written: Vec<_> = documents.into_iter().filter_map(|(kind, id, doc)| Some((kind, id, doc?))).collect();
    // SQLite's index is contentless: the rowid says the kind and id. PostgreSQL's keeps them.
    let sqlite = conn.backend_name() == "SQLite";
    let (columns, per_row) = if sqlite { ("rowid, title, body", 3) } else { ("rowid, kind, ref, title, body", 5) };
    for chunk in written.chunks(ROWS_PER_INSERT) {
        let sql = format!("INSERT INTO search_index ({columns}) VALUES {}", crate::value_rows(1, chunk.len(), per_row));
        let mut insert = sqlx::query(&sql);
        for (kind, id, (title, body)) in chunk {
            insert = insert.bind(kind.rowid(*id));
            if !sqlite {
                insert = insert.bind(kind.as_str()).bind(*id);
            }
            insert = insert.bind(fold(title)).bind(fold(body));
        }
        insert.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Documents from which a batch gets a larger page cache while it writes them.
const LARGE_BATCH: usize = 2000;
/// That cache, in KiB.
const LARGE_BATCH_CACHE_KIB: i64 = 128 * 1024;
/// Ids per `IN (…)` list.
const CHUNK: usize = 500;
/// Documents per `INSERT` (five parameters each, well under every database's limit).
const ROWS_PER_INSERT: usize = 100;

/// Ids written into SQL as a list: they are numbers, so they need no binding.
fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")
}

/// A document's title and body, before folding; none when it has no place in the index.
type Document = Option<(String, String)>;

/// The people credited on these films, in billing order, by film.
async fn credited_names(conn: &mut Conn, films: &[i64]) -> Result<HashMap<i64, Vec<String>>> {
    let sql = format!(
        "SELECT c.film_id, p.name FROM credits c JOIN people p ON p.id = c.person_id \
         WHERE c.film_id IN ({}) ORDER BY c.film_id, c.billing_order",
        id_list(films)
    );
    let mut names: HashMap<i64, Vec<String>> = HashMap::new();
    for row in sqlx::query(&sql).fetch_all(&mut *conn).await? {
        names.entry(row.try_get("film_id")?).or_default().push(row.try_get("name")?);
    }
    Ok(names)
}

/// Published reviews' documents: their film, headline, people and text.
async fn review_documents(conn: &mut Conn, ids: &[i64], into: &mut Vec<(Kind, i64, Document)>) -> Result<()> {
    let sql = format!(
        "SELECT r.id, r.headline, r.summary, r.body_text, r.film_id, f.title, f.original_title, f.year, \
           u.display_name FROM reviews r JOIN films f ON f.id = r.film_id LEFT JOIN users u ON u.id = r.author_id \
         WHERE r.status = 'published' AND r.id IN ({})",
        id_list(ids)
    );
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    let films: Vec<i64> = rows.iter().map(|row| row.try_get("film_id")).collect::<std::result::Result<_, _>>()?;
    let names = if films.is_empty() { HashMap::new() } else { credited_names(conn, &films).await? };
    let mut found: HashMap<i64, (String, String)> = HashMap::new();
    for row in rows {
        let year: Option<i64> = row.try_get("year")?;
        let title = [
            row.try_get::<String, _>("title")?,
            row.try_get::<Option<String>, _>("original_title")?.unwrap_or_default(),
            year.map(|y| y.to_string()).unwrap_or_default(),
            row.try_get::<Option<String>, _>("headline")?.unwrap_or_default(),
        ]
        .join(" ");
        let people = names.get(&row.try_get::<i64, _>("film_id")?).map(|n| n.join(" ")).unwrap_or_default();
        let body = [
            row.try_get::<Option<String>, _>("summary")?.unwrap_or_default(),
            row.try_get::<String, _>("body_text")?,
            people,
            row.try_get::<Option<String>, _>("display_name")?.unwrap_or_default(),
        ]
        .join(" ");
        found.insert(row.try_get("id")?, (title, body));
    }
    into.extend(ids.iter().map(|&id| (Kind::Review, id, found.remove(&id))));
    Ok(())
}

/// Published articles' documents: headline, standfirst, text, the films they discuss and their
/// author.
async fn article_documents(conn: &mut Conn, ids: &[i64], into: &mut Vec<(Kind, i64, Document)>) -> Result<()> {
    let sql = format!(
        "SELECT p.id, p.title, p.standfirst, p.body_text, u.display_name FROM posts p \
         LEFT JOIN users u ON u.id = p.author_id \
         WHERE p.kind = 'article' AND p.status = 'published' AND p.id IN ({})",
        id_list(ids)
    );
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    let films = format!(
        "SELECT pf.post_id, f.title FROM post_films pf JOIN films f ON f.id = pf.film_id WHERE pf.post_id IN ({})",
        id_list(ids)
    );
    let mut film_titles: HashMap<i64, Vec<String>> = HashMap::new();
    for row in sqlx::query(&films).fetch_all(&mut *conn).await? {
        film_titles.entry(row.try_get("post_id")?).or_default().push(row.try_get("title")?);
    }
    let mut found: HashMap<i64, (String, String)> = HashMap::new();
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let body = [
            row.try_get::<Option<String>, _>("standfirst")?.unwrap_or_default(),
            row.try_get::<String, _>("body_text")?,
            film_titles.remove(&id).unwrap_or_default().join(" "),
            row.try_get::<Option<String>, _>("display_name")?.unwrap_or_default(),
        ]
        .join(" ");
        found.insert(id, (row.try_get("title")?, body));
    }
    into.extend(ids.iter().map(|&id| (Kind::Article, id, found.remove(&id))));
    Ok(())
}

/// Films' documents: title, original title, year, directors and cast.
async fn film_documents(conn: &mut Conn, ids: &[i64], into: &mut Vec<(Kind, i64, Document)>) -> Result<()> {
    let sql = format!("SELECT id, title, original_title, year FROM films WHERE id IN ({})", id_list(ids));
    let rows = sqlx::query(&sql).fetch_all(&mut *conn).await?;
    let mut names = credited_names(conn, ids).await?;
    let mut found: HashMap<i64, (String, String)> = HashMap::new();
    for row in rows {
        let id: i64 = row.try_get("id")?;
        let year: Option<i64> = row.try_get("year")?;
        let title = format!(
            "{} {} {}",
            row.try_get::<String, _>("title")?,
            row.try_get::<Option<String>, _>("original_title")?.unwrap_or_default(),
            year.map(|y| y.to_string()).unwrap_or_default()
        );
        found.insert(id, (title, names.remove(&id).unwrap_or_default().join(" ")));
    }
    into.extend(ids.iter().map(|&id| (Kind::Film, id, found.remove(&id))));
    Ok(())
}

/// Rebuilds the whole index from the content tables.
pub async fn rebuild(conn: &mut Conn) -> Result<()> {
    let empty = match conn.backend_name() {
        // A contentless index empties at once this way, not row by row.
        "SQLite" => "INSERT INTO search_index (search_index) VALUES ('delete-all')",
        _ => "DELETE FROM search_index",
    };
    sqlx::query(empty).execute(&mut *conn).await?;
    let mut pending = Pending::default();
    let people: Vec<i64> = sqlx::query_scalar("SELECT id FROM people").fetch_all(&mut *conn).await?;
    people.into_iter().for_each(|id| pending.person(id));
    let films: Vec<i64> = sqlx::query_scalar("SELECT id FROM films").fetch_all(&mut *conn).await?;
    films.into_iter().for_each(|id| pending.film(id));
    let posts: Vec<i64> = sqlx::query_scalar("SELECT id FROM posts").fetch_all(&mut *conn).await?;
    posts.into_iter().for_each(|id| pending.post(id));
    pending.write(conn).await
}

/// Rebuilds the index when it is empty but the store is not (after the migration that adds it,
/// or a restore).
pub async fn rebuild_if_empty(store: &Store) -> Result<()> {
    let indexed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM search_index").fetch_one(store.pool()).await?;
    let films: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM films").fetch_one(store.pool()).await?;
    let posts: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM posts").fetch_one(store.pool()).await?;
    if indexed == 0 && films + posts > 0 {
        let mut tx = store.begin().await?;
        rebuild(&mut tx).await?;
        tx.commit().await?;
        tracing::info!(films, "search index built");
    }
    Ok(())
}

/// Narrows a search to reviews.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Narrowing {
    /// Film years from `.0` to `.1`, both included (a year, or a decade).
    pub years: Option<(i32, i32)>,
    pub genre_slug: Option<String>,
    /// Scores from `.0` up to, not including, `.1` (tenths).
    pub score_tenths: Option<(i64, Option<i64>)>,
    pub person_slug: Option<String>,
}

impl Narrowing {
    pub fn is_empty(&self) -> bool {
        *self == Narrowing::default()
    }
}

/// A match: a document's kind and id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub kind: Kind,
    pub id: i64,
}

/// The documents a reader may find: published reviews (only those are indexed), and films and
/// people that have a public page. A film known only from a draft, a private diary or a private
/// list stays out, and so do the words of its title.
fn public_documents() -> String {
    format!(
        "(kind = 'review' OR kind = 'article' \
          OR (kind = 'film' AND EXISTS (SELECT 1 FROM films f WHERE f.id = matched.ref AND {})) \
          OR (kind = 'person' AND EXISTS (SELECT 1 FROM people p WHERE p.id = matched.ref AND {})))",
        *crate::public_pages::FILM,
        crate::public_pages::PERSON
    )
}

/// The best matches for all of `terms` (each a prefix), a page at a time, and how many there
/// are. With a narrowing, only reviews match. Only what has a public page is found.
pub async fn find(
    store: &Store,
    terms: &[String],
    narrowing: &Narrowing,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Hit>, i64)> {
    if terms.is_empty() {
        return Ok((Vec::new(), 0));
    }
    // The matching documents as (kind, ref, score), named `matched` for the conditions after.
    let (matches, rank, query) = match store.backend() {
        Backend::Sqlite => (
            "search_index MATCH $1",
            "bm25(search_index, 8.0, 1.0)",
            terms.iter().map(|t| format!("\"{t}\"*")).collect::<Vec<_>>().join(" "),
        ),
        Backend::Postgres => (
            "document @@ to_tsquery('simple', $1)",
            "-ts_rank_cd(document, to_tsquery('simple', $1))",
            terms.iter().map(|t| format!("{t}:*")).collect::<Vec<_>>().join(" & "),
        ),
    };
    let (narrow, values) = narrowing_sql(narrowing, 2);
    let (kind, id) = match store.backend() {
        Backend::Sqlite => (
            "CASE search_index.rowid % 4 WHEN 0 THEN 'review' WHEN 1 THEN 'film' WHEN 2 THEN 'person' \
             ELSE 'article' END",
            "search_index.rowid / 4",
        ),
        Backend::Postgres => ("kind", "ref"),
    };
    let matched = format!(
        "(SELECT {kind} AS kind, {id} AS ref, {rank} AS score FROM search_index WHERE {matches}) matched \
         WHERE {}{narrow}",
        public_documents()
    );
    let n = values.len();
    // One pass: the page of matches and, beside each, how many match in all.
    let sql = format!(
        "SELECT kind, ref, COUNT(*) OVER () AS total FROM {matched} ORDER BY score, ref LIMIT ${} OFFSET ${}",
        n + 2,
        n + 3
    );
    let mut select = sqlx::query(&sql).bind(&query);
    for value in &values {
        select = bind_value(select, value);
    }
    let rows = select.bind(limit).bind(offset).fetch_all(store.pool()).await?;
    let mut total: i64 = match rows.first() {
        Some(row) => row.try_get("total")?,
        None => 0,
    };
    let hits = rows
        .iter()
        .filter_map(|row| {
            let kind: String = row.try_get("kind").ok()?;
            let id: i64 = row.try_get("ref").ok()?;
            let kind = match kind.as_str() {
                "review" => Kind::Review,
                "film" => Kind::Film,
                "article" => Kind::Article,
                _ => Kind::Person,
            };
            Some(Hit { kind, id })
        })
        .collect::<Vec<_>>();
    if hits.is_empty() && offset > 0 {
        // Past the last page: count without the page, so the page can say how many there are.
        let count_sql = format!("SELECT COUNT(*) FROM {matched}");
        let mut count = sqlx::query(&count_sql).bind(&query);
        for value in &values {
            count = bind_value(count, value);
        }
        total = count.fetch_one(store.pool()).await?.try_get(0)?;
    }
    Ok((hits, total))
}

enum Value {
    Int(i64),
    Text(String),
}

fn bind_value<'q>(
    query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    value: &'q Value,
) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
    match value {
        Value::Int(v) => query.bind(*v),
        Value::Text(v) => query.bind(v.as_str()),
    }
}

/// The SQL that keeps only reviews matching the narrowing, with its values numbered from `$first`.
fn narrowing_sql(narrowing: &Narrowing, first: usize) -> (String, Vec<Value>) {
    if narrowing.is_empty() {
        return (String::new(), Vec::new());
    }
    let mut conditions = vec!["r.status = 'published'".to_string()];
    let mut values = Vec::new();
    let next = |value: Value, values: &mut Vec<Value>| {
        values.push(value);
        format!("${}", first + values.len() - 1)
    };
    if let Some((from, to)) = narrowing.years {
        let a = next(Value::Int(i64::from(from)), &mut values);
        let b = next(Value::Int(i64::from(to)), &mut values);
        conditions.push(format!("f.year >= {a} AND f.year <= {b}"));
    }
    if let Some(genre) = &narrowing.genre_slug {
        let p = next(Value::Text(genre.clone()), &mut values);
        conditions.push(format!(
            "r.film_id IN (SELECT fg.film_id FROM film_genres fg JOIN genres g ON g.id = fg.genre_id WHERE g.slug = {p})"
        ));
    }
    if let Some((min, below)) = narrowing.score_tenths {
        let p = next(Value::Int(min), &mut values);
        conditions.push(format!("r.score_tenths >= {p}"));
        if let Some(below) = below {
            let p = next(Value::Int(below), &mut values);
            conditions.push(format!("r.score_tenths < {p}"));
        }
    }
    if let Some(person) = &narrowing.person_slug {
        let p = next(Value::Text(person.clone()), &mut values);
        conditions.push(format!(
            "r.film_id IN (SELECT c.film_id FROM credits c JOIN people p ON p.id = c.person_id WHERE p.slug = {p})"
        ));
    }
    (
        format!(
            " AND kind = 'review' AND ref IN (SELECT r.id FROM reviews r JOIN films f ON f.id = r.film_id WHERE {})",
            conditions.join(" AND ")
        ),
        values,
    )
}

/// Folded words of the titles of films and names of people with a public page, for correcting
/// typos in queries.
pub async fn vocabulary(store: &Store) -> Result<Vec<String>> {
    let films = format!("SELECT f.title, f.original_title, f.year FROM films f WHERE {}", *crate::public_pages::FILM);
    let mut titles = Vec::new();
    for row in sqlx::query(&films).fetch_all(store.pool()).await? {
        titles.push(row.try_get::<String, _>("title")?);
        titles.extend(row.try_get::<Option<String>, _>("original_title")?);
        titles.extend(row.try_get::<Option<i64>, _>("year")?.map(|year| year.to_string()));
    }
    let people = format!("SELECT p.name FROM people p WHERE {}", crate::public_pages::PERSON);
    titles.extend(sqlx::query_scalar::<_, String>(&people).fetch_all(store.pool()).await?);
    let mut words: Vec<String> = titles
        .iter()
        .flat_map(|t| {
            fold(t)
                .split(|c: char| !c.is_ascii_alphanumeric())
                .filter(|w| w.len() >= 4)
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    words.sort_unstable();
    words.dedup();
    Ok(words)
}
