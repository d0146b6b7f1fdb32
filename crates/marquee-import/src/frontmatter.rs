//! Markdown files with front matter, as Hugo and Zola keep them: TOML between `+++` lines or
//! YAML between `---` lines, read into one typed record per the import contract in DESIGN.md.

use marquee_core::{Score, Slug};
use serde_json::{Map, Value};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime};

/// A problem in one file: which line (1-based, in the whole file) and which field, when known.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(line) = self.line {
            write!(f, "line {line}: ")?;
        }
        if let Some(field) = &self.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.message)
    }
}

fn problem(line: Option<usize>, field: Option<&str>, message: impl Into<String>) -> Problem {
    Problem { line, field: field.map(str::to_string), message: message.into() }
}

/// A file split into its front matter and body.
#[derive(Debug)]
pub struct Document<'a> {
    pub front: Map<String, Value>,
    front_text: &'a str,
    /// The line the front matter's text starts on (the line after the opening delimiter).
    front_first_line: usize,
    pub body: &'a str,
}

impl Document<'_> {
    /// The line a top-level key (or a key inside `[params]`/`[extra]`/`[taxonomies]`) is on.
    pub fn line_of(&self, key: &str) -> Option<usize> {
        self.front_text
            .lines()
            .position(|line| {
                let line = line.trim_start().trim_start_matches(['"', '\'']).to_lowercase();
                line.strip_prefix(key)
                    .map(|rest| {
                        let rest = rest.trim_start_matches(['"', '\'']).trim_start();
                        rest.starts_with('=') || rest.starts_with(':')
                    })
                    .unwrap_or(false)
            })
            .map(|i| i + self.front_first_line)
    }
}

/// Whether the text opens with a `+++` or `---` line (other files in a content folder, such as a
/// README, are not reviews).
pub fn has_front_matter(text: &str) -> bool {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first = text.lines().next().unwrap_or("").trim_end();
    first == "+++" || first == "---"
}

/// Splits front matter from the body and parses it (TOML or YAML), with nested `params`,
/// `extra` and `taxonomies` tables read as if their keys stood at the top level.
pub fn parse(text: &str) -> Result<Document<'_>, Problem> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let first_line_end = text.find('\n').map(|i| i + 1).unwrap_or(text.len());
    let delimiter = text[..first_line_end].trim_end();
    let format = match delimiter {
        "+++" => Format::Toml,
        "---" => Format::Yaml,
        _ => {
            return Err(problem(
                Some(1),
                None,
                "no front matter: the file must start with a +++ (TOML) or --- (YAML) line",
            ))
        }
    };
    let rest = &text[first_line_end..];
    let mut offset = 0;
    let mut close = None;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == delimiter {
            close = Some((offset, offset + line.len()));
            break;
        }
        offset += line.len();
    }
    let Some((front_end, body_start)) = close else {
        return Err(problem(
            Some(1),
            None,
            format!("the front matter opened with {delimiter} on line 1 is never closed"),
        ));
    };
    let front_text = &rest[..front_end];
    let body = &rest[body_start..];
    let front_first_line = 2;
    let value = match format {
        Format::Toml => parse_toml(front_text, front_first_line)?,
        Format::Yaml => parse_yaml(front_text, front_first_line)?,
    };
    let Value::Object(top) = value else {
        return Err(problem(Some(front_first_line), None, "the front matter must be a table of keys and values"));
    };
    // Hugo reads keys case-insensitively (`Title`, `Date`); so does Marquee.
    let mut front: Map<String, Value> = top.into_iter().map(|(k, v)| (k.to_lowercase(), v)).collect();
    for nested in ["params", "extra", "taxonomies"] {
        if let Some(Value::Object(inner)) = front.remove(nested) {
            for (key, value) in inner {
                front.entry(key.to_lowercase()).or_insert(value);
            }
        }
    }
    Ok(Document { front, front_text, front_first_line, body })
}

enum Format {
    Toml,
    Yaml,
}

fn parse_toml(text: &str, first_line: usize) -> Result<Value, Problem> {
    let table: toml::Table = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|span| text[..span.start.min(text.len())].matches('\n').count() + first_line);
        problem(line, None, format!("invalid TOML: {}", e.message()))
    })?;
    Ok(toml_to_json(toml::Value::Table(table)))
}

fn toml_to_json(value: toml::Value) -> Value {
    match value {
        toml::Value::String(s) => Value::String(s),
        toml::Value::Integer(i) => Value::from(i),
        toml::Value::Float(f) => Value::from(f),
        toml::Value::Boolean(b) => Value::Bool(b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => Value::Array(items.into_iter().map(toml_to_json).collect()),
        toml::Value::Table(table) => Value::Object(table.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect()),
    }
}

fn parse_yaml(text: &str, first_line: usize) -> Result<Value, Problem> {
    if text.trim().is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    let yaml: serde_yaml_ng::Value = serde_yaml_ng::from_str(text).map_err(|e| {
        let line = e.location().map(|l| l.line() + first_line - 1);
        problem(line, None, format!("invalid YAML: {e}"))
    })?;
    yaml_to_json(yaml).map_err(|m| problem(Some(first_line), None, m))
}

fn yaml_to_json(value: serde_yaml_ng::Value) -> Result<Value, String> {
    use serde_yaml_ng::Value as Y;
    Ok(match value {
        Y::Null => Value::Null,
        Y::Bool(b) => Value::Bool(b),
        Y::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else {
                Value::from(n.as_f64().unwrap_or(f64::NAN))
            }
        }
        Y::String(s) => Value::String(s),
        Y::Sequence(items) => Value::Array(items.into_iter().map(yaml_to_json).collect::<Result<_, _>>()?),
        Y::Mapping(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                let key = match k {
                    Y::String(s) => s,
                    Y::Number(n) => n.to_string(),
                    Y::Bool(b) => b.to_string(),
                    other => return Err(format!("unsupported key {other:?} in the front matter")),
                };
                out.insert(key, yaml_to_json(v)?);
            }
            Value::Object(out)
        }
        Y::Tagged(tagged) => yaml_to_json(tagged.value)?,
    })
}

/// The review a file describes, with every value parsed.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ReviewSource {
    pub title: String,
    pub year: i32,
    pub original_title: Option<String>,
    pub release_date: Option<String>,
    pub imdb: Option<String>,
    pub tmdb: Option<i64>,
    pub letterboxd: Option<String>,
    pub runtime: Option<i64>,
    pub directors: Vec<String>,
    pub cast: Vec<String>,
    pub writers: Vec<String>,
    pub genres: Vec<String>,
    pub countries: Vec<String>,
    pub languages: Vec<String>,
    pub tagline: Option<String>,
    pub synopsis: Option<String>,
    pub poster: Option<String>,
    pub backdrop: Option<String>,
    pub score: Option<Score>,
    pub verdict: Option<String>,
    pub summary: Option<String>,
    pub headline: Option<String>,
    pub slug: Option<Slug>,
    pub author: Option<String>,
    pub tags: Vec<String>,
    /// Addresses the review had before (Hugo's and Zola's `aliases`), as paths from the root.
    pub aliases: Vec<String>,
    pub spoilers: bool,
    pub watched: Option<String>,
    pub rewatch: bool,
    pub date: Option<OffsetDateTime>,
    pub updated: Option<OffsetDateTime>,
    pub draft: bool,
}

#[rustfmt::skip]
/// Keys read from the front matter, and aliases other generators write for them.
const KNOWN_KEYS: &[&str] = &[
    "title", "year", "original_title", "release_date", "imdb", "tmdb", "letterboxd", "runtime", "directors",
    "director", "cast", "writers", "genres", "countries", "languages", "tagline", "synopsis", "poster", "backdrop",
    "score", "rating", "verdict", "summary", "description", "headline", "slug", "author", "authors", "tags",
    "spoilers", "watched", "rewatch", "date", "updated", "lastmod", "modified", "draft", "publishdate", "pubdate",
    "published", "cover", "image", "images", "featured_image", "categories", "aliases", "type",
];

/// Reads the typed review out of a parsed document; all field problems are returned together,
/// and unknown keys come back as warnings.
pub fn review_source(doc: &Document) -> Result<(ReviewSource, Vec<Problem>), Vec<Problem>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for key in doc.front.keys() {
        if !KNOWN_KEYS.contains(&key.as_str()) {
            warnings.push(problem(doc.line_of(key), Some(key), "unknown key, ignored"));
        }
    }
    let mut field = Fields { doc, errors: &mut errors };
    let title = field.text("title");
    let year = field.year("year");
    let mut source = ReviewSource {
        original_title: field.text("original_title"),
        release_date: field.date("release_date").map(|d| d.date().to_string()),
        imdb: field.imdb("imdb"),
        tmdb: field.integer("tmdb", 1, i64::MAX),
        letterboxd: field.text("letterboxd"),
        runtime: field.integer("runtime", 1, 10_000),
        directors: {
            let mut directors = field.list("directors");
            directors.extend(field.list("director"));
            directors
        },
        cast: field.list("cast"),
        writers: field.list("writers"),
        genres: field.split_list("genres"),
        countries: field.split_list("countries"),
        languages: field.split_list("languages"),
        tagline: field.text("tagline"),
        synopsis: field.text("synopsis"),
        poster: field
            .text("poster")
            .or_else(|| ["cover", "featured_image", "image"].iter().find_map(|key| field.image_text(key)))
            .or_else(|| field.list("images").into_iter().next()),
        backdrop: field.text("backdrop"),
        score: field.score(),
        verdict: field.text("verdict"),
        summary: field.text("summary").or_else(|| field.text("description")),
        headline: field.text("headline"),
        slug: field.slug(),
        author: field.list("author").into_iter().next().or_else(|| field.list("authors").into_iter().next()),
        tags: {
            let mut tags = field.split_list("tags");
            tags.extend(field.split_list("categories"));
            tags
        },
        aliases: field.aliases(),
        spoilers: field.boolean("spoilers"),
        watched: field.date("watched").map(|d| d.date().to_string()),
        rewatch: field.boolean("rewatch"),
        date: ["date", "publishdate", "pubdate", "published"].iter().find_map(|key| field.date(key)),
        updated: ["updated", "lastmod", "modified"].iter().find_map(|key| field.date(key)),
        draft: field.boolean("draft"),
        ..ReviewSource::default()
    };
    let already_reported = |errors: &Vec<Problem>, key: &str| errors.iter().any(|e| e.field.as_deref() == Some(key));
    match title {
        Some(title) => source.title = title,
        None if !already_reported(&errors, "title") => {
            errors.push(problem(doc.line_of("title"), Some("title"), "required, missing or empty"))
        }
        None => {}
    }
    match year {
        Some(year) => source.year = year,
        None if !already_reported(&errors, "year") => {
            errors.push(problem(doc.line_of("year"), Some("year"), "required, missing or empty"))
        }
        None => {}
    }
    if errors.is_empty() {
        Ok((source, warnings))
    } else {
        Err(errors)
    }
}

/// A film an article names in its `films`: "Title (Year)" or an IMDb id.
#[derive(Clone, Debug, PartialEq)]
pub enum FilmRef {
    Titled { title: String, year: Option<i32> },
    Imdb(String),
}

/// An article or page a file describes (`type = "article"` or `"page"`), every value parsed.
#[derive(Clone, Debug, PartialEq)]
pub struct PostSource {
    pub kind: marquee_core::PostKind,
    pub title: String,
    pub slug: Option<Slug>,
    pub standfirst: Option<String>,
    pub author: Option<String>,
    pub tags: Vec<String>,
    pub films: Vec<FilmRef>,
    pub aliases: Vec<String>,
    /// A page's place in the site's navigation.
    pub nav: Option<i64>,
    pub date: Option<OffsetDateTime>,
    pub updated: Option<OffsetDateTime>,
    pub draft: bool,
}

#[rustfmt::skip]
/// Keys an article's or page's front matter is read for.
const POST_KEYS: &[&str] = &[
    "type", "title", "slug", "standfirst", "summary", "description", "author", "authors", "tags", "categories",
    "films", "aliases", "nav", "weight", "menu", "date", "publishdate", "pubdate", "published", "updated", "lastmod",
    "modified", "draft", "headline",
];

/// The kind a file is: its `type` (`review`, `article`, `page`), or an article when it sits in a
/// section folder of articles (`posts`, `articles`, `essays`, `news`) and names no film's year.
/// `None` for a review. Any other `type` (Hugo's layout types: `post`, `reviews` …) is left to
/// the folder rule, with a warning.
pub fn post_kind(
    doc: &Document,
    section: Option<&str>,
) -> Result<(Option<marquee_core::PostKind>, Option<Problem>), Problem> {
    let by_folder = || {
        let in_articles = section.is_some_and(|s| matches!(s, "posts" | "post" | "articles" | "essays" | "news"));
        (in_articles && !doc.front.contains_key("year")).then_some(marquee_core::PostKind::Article)
    };
    match doc.front.get("type") {
        Some(Value::String(kind)) => match kind.trim().to_ascii_lowercase().as_str() {
            "review" => Ok((None, None)),
            other => match other.parse() {
                Ok(kind) => Ok((Some(kind), None)),
                Err(_) => {
                    let kind = by_folder();
                    let taken = if kind.is_some() { "an article" } else { "a review" };
                    let message =
                        format!("\"{other}\" is not a kind of text here (review, article or page): read as {taken}");
                    Ok((kind, Some(problem(doc.line_of("type"), Some("type"), message))))
                }
            },
        },
        Some(Value::Null) | None => Ok((by_folder(), None)),
        Some(_) => Err(problem(doc.line_of("type"), Some("type"), "expected review, article or page")),
    }
}

/// Reads an article or page out of a parsed document; only `title` is required.
pub fn post_source(doc: &Document, kind: marquee_core::PostKind) -> Result<(PostSource, Vec<Problem>), Vec<Problem>> {
    let mut errors = Vec::new();
    let mut warnings = Vec::new();
    for key in doc.front.keys() {
        if !POST_KEYS.contains(&key.as_str()) {
            warnings.push(problem(doc.line_of(key), Some(key), "unknown key for an article or page, ignored"));
        }
    }
    let mut field = Fields { doc, errors: &mut errors };
    let title = field.text("title").or_else(|| field.text("headline"));
    let mut films = Vec::new();
    for film in field.list("films") {
        let imdb = film.len() >= 9 && film.starts_with("tt") && film[2..].bytes().all(|b| b.is_ascii_digit());
        films.push(if imdb {
            FilmRef::Imdb(film)
        } else {
            match film.rsplit_once('(') {
                Some((name, rest)) if rest.trim_end().ends_with(')') => {
                    let year = rest.trim_end().trim_end_matches(')').trim().parse::<i32>().ok();
                    match year.filter(|y| marquee_core::Year::new((*y).into()).is_ok()) {
                        Some(year) => FilmRef::Titled { title: name.trim().to_string(), year: Some(year) },
                        None => FilmRef::Titled { title: film.clone(), year: None },
                    }
                }
                _ => FilmRef::Titled { title: film.clone(), year: None },
            }
        });
    }
    let source = PostSource {
        kind,
        title: title.clone().unwrap_or_default(),
        slug: field.slug(),
        standfirst: ["standfirst", "summary", "description"].iter().find_map(|key| field.text(key)),
        author: field.list("author").into_iter().next().or_else(|| field.list("authors").into_iter().next()),
        tags: {
            let mut tags = field.split_list("tags");
            tags.extend(field.split_list("categories"));
            tags.dedup();
            tags
        },
        films,
        aliases: field.aliases(),
        nav: field.integer("nav", 0, 1000).or_else(|| {
            let in_menu = field.get("menu").is_some();
            if in_menu {
                field.integer("weight", i64::MIN, i64::MAX).map(|w| w.clamp(0, 1000)).or(Some(0))
            } else {
                None
            }
        }),
        date: ["date", "publishdate", "pubdate", "published"].iter().find_map(|key| field.date(key)),
        updated: ["updated", "lastmod", "modified"].iter().find_map(|key| field.date(key)),
        draft: field.boolean("draft"),
    };
    if title.is_none() && !errors.iter().any(|e| e.field.as_deref() == Some("title")) {
        errors.push(problem(doc.line_of("title"), Some("title"), "required, missing or empty"));
    }
    if errors.is_empty() {
        Ok((source, warnings))
    } else {
        Err(errors)
    }
}

struct Fields<'d, 'e> {
    doc: &'d Document<'d>,
    errors: &'e mut Vec<Problem>,
}

impl Fields<'_, '_> {
    fn fail(&mut self, key: &str, message: impl Into<String>) {
        let line = self.doc.line_of(key);
        self.errors.push(problem(line, Some(key), message));
    }

    fn get(&self, key: &str) -> Option<&Value> {
        self.doc.front.get(key).filter(|v| !v.is_null())
    }

    /// A string field; numbers and booleans are taken as their text (YAML reads `title: 1917`
    /// as a number). Blank strings count as absent.
    fn text(&mut self, key: &str) -> Option<String> {
        let value = self.get(key)?.clone();
        let text = match value {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                self.fail(key, "expected text");
                return None;
            }
        };
        let text = text.trim().to_string();
        (!text.is_empty()).then_some(text)
    }

    /// A list of names; a single string is a list of one.
    fn list(&mut self, key: &str) -> Vec<String> {
        let Some(value) = self.get(key).cloned() else { return Vec::new() };
        let items = match value {
            Value::Array(items) => items,
            single => vec![single],
        };
        let mut out = Vec::new();
        for item in items {
            match item {
                Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_string()),
                Value::String(_) | Value::Null => {}
                Value::Number(n) => out.push(n.to_string()),
                _ => {
                    self.fail(key, "expected a list of names");
                    return Vec::new();
                }
            }
        }
        out
    }

    /// Old addresses: paths from the site's root or full URLs, kept as paths.
    fn aliases(&mut self) -> Vec<String> {
        let mut paths = Vec::new();
        for alias in self.list("aliases") {
            match marquee_store::redirects::normalize(&alias) {
                Some(path) if !paths.contains(&path) => paths.push(path),
                Some(_) => {}
                None => {
                    self.fail(
                        "aliases",
                        format!("\"{alias}\" is not an address on the site (a path like /2019/05/heat/)"),
                    );
                    return Vec::new();
                }
            }
        }
        paths
    }

    /// A list where a single string may hold several comma-separated values (`tags: "a, b"`).
    fn split_list(&mut self, key: &str) -> Vec<String> {
        let single_string = matches!(self.get(key), Some(Value::String(_)));
        let items = self.list(key);
        if !single_string {
            return items;
        }
        items.iter().flat_map(|s| s.split(',')).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
    }

    /// An image given as a string or as a theme's table with a path (`cover.image`, `image.src`).
    fn image_text(&mut self, key: &str) -> Option<String> {
        match self.get(key)? {
            Value::Object(table) => ["image", "src", "url", "path"]
                .iter()
                .find_map(|k| table.get(*k).and_then(Value::as_str))
                .map(str::to_string),
            Value::String(_) => self.text(key),
            _ => None,
        }
    }

    fn integer(&mut self, key: &str, min: i64, max: i64) -> Option<i64> {
        let value = self.get(key)?.clone();
        let n = match &value {
            Value::Number(n) if n.is_i64() => n.as_i64(),
            Value::Number(n) => n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        match n {
            Some(n) if (min..=max).contains(&n) => Some(n),
            Some(n) => {
                self.fail(key, format!("{n} is outside {min} to {max}"));
                None
            }
            None => {
                self.fail(key, format!("expected a whole number, found {value}"));
                None
            }
        }
    }

    fn year(&mut self, key: &str) -> Option<i32> {
        let (first, last) = (marquee_core::Year::FIRST, marquee_core::Year::LAST);
        self.integer(key, first.into(), last.into()).map(|y| y as i32)
    }

    fn boolean(&mut self, key: &str) -> bool {
        match self.get(key).cloned() {
            None => false,
            Some(Value::Bool(b)) => b,
            Some(Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" => true,
                "false" | "no" | "" => false,
                other => {
                    self.fail(key, format!("expected true or false, found \"{other}\""));
                    false
                }
            },
            Some(other) => {
                self.fail(key, format!("expected true or false, found {other}"));
                false
            }
        }
    }

    fn number(&mut self, key: &str) -> Option<f64> {
        let value = self.get(key)?.clone();
        let n = match &value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        };
        if n.is_none() {
            self.fail(key, format!("expected a number, found {value}"));
        }
        n
    }

    fn score(&mut self) -> Option<Score> {
        if self.get("score").is_some() {
            let n = self.number("score")?;
            return match Score::from_f64(n) {
                Ok(score) => Some(score),
                Err(e) => {
                    self.fail("score", format!("{e} (a score is 0 to 10 with one decimal)"));
                    None
                }
            };
        }
        if self.get("rating").is_some() {
            let n = self.number("rating")?;
            return match Score::from_stars(n) {
                Ok(score) => Some(score),
                Err(e) => {
                    self.fail("rating", e.to_string());
                    None
                }
            };
        }
        None
    }

    fn slug(&mut self) -> Option<Slug> {
        let text = self.text("slug")?;
        match Slug::from_text(&text) {
            Ok(slug) => Some(slug),
            Err(e) => {
                self.fail("slug", e.to_string());
                None
            }
        }
    }

    fn imdb(&mut self, key: &str) -> Option<String> {
        let text = self.text(key)?;
        let valid = text.len() >= 9 && text.starts_with("tt") && text[2..].bytes().all(|b| b.is_ascii_digit());
        if !valid {
            self.fail(key, format!("\"{text}\" is not an IMDb title id (tt followed by at least 7 digits)"));
            return None;
        }
        Some(text)
    }

    fn date(&mut self, key: &str) -> Option<OffsetDateTime> {
        let text = self.text(key)?;
        match parse_datetime(&text) {
            Some(date) => Some(date),
            None => {
                self.fail(key, format!("\"{text}\" is not a date (YYYY-MM-DD) or an RFC 3339 time"));
                None
            }
        }
    }
}

/// Parses the date forms Hugo and Zola sites hold: `2016-10-10`, `2002-10-02T15:00:00Z`,
/// `2002-10-02T15:00:00` (taken as UTC), `2002-10-02 15:00:00+02:00`, with fractions of seconds.
pub fn parse_datetime(text: &str) -> Option<OffsetDateTime> {
    let text = text.trim();
    if let Ok(t) = OffsetDateTime::parse(text, &Rfc3339) {
        return Some(t);
    }
    let with_t = text.replacen(' ', "T", 1);
    if let Ok(t) = OffsetDateTime::parse(&with_t, &Rfc3339) {
        return Some(t);
    }
    // `2024-05-01 10:00:00 +02:00` (YAML timestamps) and `…T10:00:00-0700` (Go layouts).
    let normalised = normalise_offset(&with_t);
    if let Ok(t) = OffsetDateTime::parse(&normalised, &Rfc3339) {
        return Some(t);
    }
    let local = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]");
    if let Ok(t) = PrimitiveDateTime::parse(&with_t, local) {
        return Some(t.assume_utc());
    }
    let local_no_seconds = format_description!("[year]-[month]-[day]T[hour]:[minute]");
    if let Ok(t) = PrimitiveDateTime::parse(&with_t, local_no_seconds) {
        return Some(t.assume_utc());
    }
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok().map(|d| d.midnight().assume_utc())
}

/// Joins a space-separated offset to the time and puts a colon into a `+hhmm` offset.
fn normalise_offset(text: &str) -> String {
    let text = text.replace(" +", "+").replace(" -", "-").replace(" Z", "Z");
    let Some(sign_at) = text.rfind(['+', '-']).filter(|at| *at > 10) else { return text };
    let offset = &text[sign_at + 1..];
    if offset.len() == 4 && offset.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}{}:{}", &text[..sign_at + 1], &offset[..2], &offset[2..])
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Result<(ReviewSource, Vec<Problem>), Vec<Problem>> {
        let doc = parse(text).map_err(|p| vec![p])?;
        review_source(&doc)
    }

    #[test]
    fn toml_front_matter_with_every_key() {
        let text = "+++\ntitle = \"Vertigo\"\nyear = 1958\nruntime = 128\ndirectors = [\"Alfred Hitchcock\"]\n\
                    cast = [\"James Stewart\", \"Kim Novak\"]\ngenres = [\"Thriller\"]\nscore = 9.5\n\
                    date = 2024-05-01T10:00:00Z\nwatched = 2024-04-30\ndraft = false\ntags = [\"classic\"]\n+++\nBody here.\n";
        let (review, warnings) = source(text).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(review.title, "Vertigo");
        assert_eq!(review.year, 1958);
        assert_eq!(review.runtime, Some(128));
        assert_eq!(review.cast, vec!["James Stewart", "Kim Novak"]);
        assert_eq!(review.score.unwrap().to_string(), "9.5");
        assert_eq!(review.date.unwrap().unix_timestamp(), 1714557600);
        assert_eq!(review.watched.as_deref(), Some("2024-04-30"));
        assert_eq!(parse(text).unwrap().body, "Body here.\n");
    }

    #[test]
    fn yaml_front_matter_coerces_numeric_titles_and_reads_stars() {
        let text = "---\ntitle: 1917\nyear: \"2019\"\nrating: 4.5\ndirectors: Sam Mendes\ndraft: yes\n---\n\nWar.\n";
        let (review, _) = source(text).unwrap();
        assert_eq!(review.title, "1917");
        assert_eq!(review.year, 2019);
        assert_eq!(review.score.unwrap().to_string(), "9.0");
        assert_eq!(review.directors, vec!["Sam Mendes"]);
        assert!(review.draft);
    }

    #[test]
    fn hugo_params_and_zola_extra_and_taxonomies_read_as_top_level() {
        let hugo = "+++\ntitle = \"Heat\"\ndate = 2020-01-02\n[params]\nyear = 1995\nscore = 8\n+++\n";
        let (review, _) = source(hugo).unwrap();
        assert_eq!(review.year, 1995);
        assert_eq!(review.score.unwrap().tenths(), 80);
        let zola =
            "+++\ntitle = \"Ran\"\n[extra]\nyear = 1985\n[taxonomies]\ntags = [\"epic\"]\ngenres = [\"Drama\"]\n+++\n";
        let (review, _) = source(zola).unwrap();
        assert_eq!(review.year, 1985);
        assert_eq!(review.tags, vec!["epic"]);
        assert_eq!(review.genres, vec!["Drama"]);
    }

    #[test]
    fn hugo_style_keys_any_case_aliases_and_theme_images_are_read() {
        let text = "---\r\nTitle: Heat\r\nYear: 1995\r\npublishDate: 2024-05-01 10:00:00 +02:00\r\n\
                    tags: \"crime, la\"\r\ncategories: [Reviews]\r\nauthor: [Jane Doe]\r\ncover:\r\n  image: heat.jpg\r\n---\r\nBody\r\n";
        let (review, warnings) = source(text).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(review.title, "Heat");
        assert_eq!(review.date.unwrap().unix_timestamp(), 1714550400);
        assert_eq!(review.tags, vec!["crime", "la", "Reviews"]);
        assert_eq!(review.author.as_deref(), Some("Jane Doe"));
        assert_eq!(review.poster.as_deref(), Some("heat.jpg"));
    }

    #[test]
    fn empty_required_fields_are_errors() {
        let errors = source("---\ntitle: \"\"\nyear:\n---\n").unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| (e.field.clone().unwrap(), e.line)).collect();
        assert_eq!(fields, vec![("title".to_string(), Some(2)), ("year".to_string(), Some(3))]);
    }

    #[test]
    fn crlf_and_bom_are_accepted() {
        let text = "\u{feff}+++\r\ntitle = \"M\"\r\nyear = 1931\r\n+++\r\nBody\r\n";
        let (review, _) = source(text).unwrap();
        assert_eq!(review.title, "M");
    }

    #[test]
    fn unknown_keys_are_warnings_with_their_lines() {
        let text = "+++\ntitle = \"M\"\nyear = 1931\nweight = 3\n+++\n";
        let (_, warnings) = source(text).unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].field.as_deref(), Some("weight"));
        assert_eq!(warnings[0].line, Some(4));
    }

    #[test]
    fn bad_fields_name_their_line_and_field() {
        let errors = source("+++\ntitle = \"M\"\nyear = 1931\nscore = 11\n+++\n").unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field.as_deref(), Some("score"));
        assert_eq!(errors[0].line, Some(4));
        assert!(errors[0].message.contains("outside 0 to 10"), "{}", errors[0]);

        let errors = source("---\nyear: 1931\n---\n").unwrap_err();
        assert_eq!(errors[0].field.as_deref(), Some("title"));
        assert!(errors[0].message.contains("missing"));

        let errors = source("+++\ntitle = \"M\"\nyear = \"soon\"\nimdb = \"123\"\n+++\n").unwrap_err();
        assert_eq!(errors.len(), 2);
        assert_eq!(errors[0].line, Some(3));
        assert_eq!(errors[1].field.as_deref(), Some("imdb"));
    }

    #[test]
    fn broken_front_matter_reports_its_line() {
        let err = parse("+++\ntitle = \"M\"\nyear = = 1931\n+++\n").unwrap_err();
        assert_eq!(err.line, Some(3), "{err}");
        let err = parse("---\ntitle: M\nyear: [1931\n---\n").unwrap_err();
        assert!(err.line.is_some(), "{err}");
        let err = parse("+++\ntitle = \"M\"\n").unwrap_err();
        assert!(err.message.contains("never closed"));
        let err = parse("Just text\n").unwrap_err();
        assert!(err.message.contains("no front matter"));
    }

    #[test]
    fn dates_in_every_accepted_form() {
        for (text, unix) in [
            ("2016-10-10", 1476057600),
            ("2002-10-02T15:00:00Z", 1033570800),
            ("2002-10-02T15:00:00", 1033570800),
            ("2002-10-02 15:00:00+02:00", 1033563600),
            ("2002-10-02T15:00:00.123456Z", 1033570800),
            ("2002-10-02 15:00:00 +02:00", 1033563600),
            ("2002-10-02T15:00:00+0200", 1033563600),
            ("2002-10-02 15:00", 1033570800),
        ] {
            assert_eq!(parse_datetime(text).map(|d| d.unix_timestamp()), Some(unix), "{text}");
        }
        assert!(parse_datetime("2002/10/12").is_none());
        assert!(parse_datetime("2002-14-01").is_none());
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::fuzzing::text_of;
    use proptest::prelude::*;

    const PIECES: &[&str] = &[
        "+++\n",
        "---\n",
        "title = \"Heat\"\n",
        "year = 1995\n",
        "year = 99999999999999999999\n",
        "score = 9.5\n",
        "score = -1e308\n",
        "rating = 4.5\n",
        "date = 2024-03-01T10:00:00Z\n",
        "date = 2024-13-45\n",
        "tags = [\"a\", \"b\"]\n",
        "directors = [[[[[]]]]]\n",
        "[params]\n",
        "[extra]\n",
        "[taxonomies]\n",
        "title: Ran\n",
        "year: 1985\n",
        "cast: [A, B]\n",
        "a: &a [x, x, x, x, x, x, x, x]\n",
        "b: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n",
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b]\n",
        "d: [*c, *c, *c, *c, *c, *c, *c, *c]\n",
        "!!binary aGVsbG8=\n",
        "? complex\n: key\n",
        "\u{feff}",
        "runtime = \"long\"\n",
        "draft = true\n",
        "poster = \"../../etc/passwd\"\n",
        "imdb = \"tt0113277\"\n",
        "<!--more-->",
        "Body text.\n",
        "type = \"article\"\n",
        "type = \"page\"\n",
        "type = \"posts\"\n",
        "type: [page]\n",
        "films = [\"Heat (1995)\", \"tt0113277\", \"(\", \"x (99999)\"]\n",
        "films: Heat (1995)\n",
        "nav = -7\n",
        "menu = \"main\"\n",
        "weight = 9223372036854775807\n",
        "standfirst = \"\"\n",
    ];

    proptest! {
        #[test]
        fn front_matter_is_read_or_refused_with_its_line_never_a_panic(text in text_of(PIECES, 24)) {
            if let Ok(document) = parse(&text) {
                match review_source(&document) {
                    Ok((source, _warnings)) => {
                        prop_assert!(!source.title.is_empty());
                        if let Some(score) = source.score {
                            prop_assert!((0..=100).contains(&score.tenths()));
                        }
                    }
                    Err(problems) => prop_assert!(!problems.is_empty()),
                }
            }
            let _ = parse_datetime(&text);
        }

        #[test]
        fn an_articles_or_pages_front_matter_is_read_or_refused_never_a_panic(
            text in text_of(PIECES, 24),
            section in prop::sample::select(vec![None, Some("posts"), Some("reviews"), Some("news")]),
        ) {
            if let Ok(document) = parse(&text) {
                if let Ok((Some(kind), _)) = post_kind(&document, section) {
                    match post_source(&document, kind) {
                        Ok((post, _warnings)) => {
                            prop_assert!(!post.title.is_empty());
                            prop_assert!(post.nav.is_none_or(|n| (0..=1000).contains(&n)));
                        }
                        Err(problems) => prop_assert!(!problems.is_empty()),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod bombs {
    use super::*;

    #[test]
    fn a_yaml_alias_bomb_is_refused_not_expanded() {
        let mut yaml =
            String::from("---\ntitle: Bomb\nyear: 2000\na0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for level in 1..10 {
            let previous = format!("*a{}", level - 1);
            yaml.push_str(&format!("a{level}: &a{level} [{}]\n", vec![previous; 9].join(", ")));
        }
        yaml.push_str("---\nBody\n");
        let result = parse(&yaml);
        assert!(result.is_err(), "nine levels of nine aliases would be 387 million strings");
    }
}
