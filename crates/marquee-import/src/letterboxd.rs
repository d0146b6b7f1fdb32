//! Letterboxd account exports (the ZIP, or its unzipped folder): the diary with its reviews,
//! ratings, watched films, likes, the watchlist and lists, for one member of this site.
//!
//! Every file is read and checked first; a bad row stops the import with its file, line and
//! field (or, with `skip_bad`, is left out and reported). Then everything is written in one
//! transaction. Films are found by their Letterboxd link, then by title and year, or added.
//! Diary entries and lists remember their Letterboxd links, so the same export imported again
//! changes nothing. The structure is described in FORMATS.md ("Letterboxd account export").

use crate::{FileProblem, ImportError, Progress, Summary};
use marquee_core::Score;
use marquee_store::diary::EntryInput;
use marquee_store::films::{self, FilmInput};
use marquee_store::lists::ListInput;
use marquee_store::marks::{self, Change, Mark};
use marquee_store::{Conn, Store};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub dry_run: bool,
    /// Leave bad rows out (reported in the summary) instead of stopping.
    pub skip_bad: bool,
}

/// The largest export file read: a heavy member's whole diary with its reviews is a few
/// megabytes, so anything far past that is not a Letterboxd file.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The export's files this importer reads, by their name inside the export: chosen by name
/// before anything is read, each within `MAX_FILE_BYTES`.
struct Export {
    /// What the export was read from, for messages.
    origin: PathBuf,
    files: BTreeMap<String, PathBuf>,
    /// Where a ZIP's chosen members were unpacked (removed with the export).
    _unpacked: Option<tempfile::TempDir>,
}

fn io(path: &Path, source: std::io::Error) -> ImportError {
    ImportError::Io { path: path.to_path_buf(), source }
}

/// Whether an export member is one of the member's own files (not `deleted/…`, `orphaned/…`,
/// or the likes of reviews and lists, which name other members' work).
fn wanted(path: &str) -> bool {
    matches!(path, "diary.csv" | "reviews.csv" | "ratings.csv" | "watched.csv" | "watchlist.csv" | "likes/films.csv")
        || (path.starts_with("lists/") && path.ends_with(".csv") && path.matches('/').count() == 1)
}

/// Of an export's members (paths with `/`), the ones to read, each with its name in the export:
/// members may sit inside one wrapping folder, dropped when nothing sits at the top.
fn chosen(members: Vec<String>) -> Vec<(String, String)> {
    let csv: Vec<String> = members.into_iter().filter(|m| m.ends_with(".csv")).collect();
    let wrapped = !csv.is_empty()
        && csv.iter().all(|name| name.contains('/'))
        && !csv.iter().any(|name| name.starts_with("lists/") || name.starts_with("likes/"));
    csv.into_iter()
        .map(|member| {
            let name = match (wrapped, member.split_once('/')) {
                (true, Some((_, rest))) => rest.to_string(),
                _ => member.clone(),
            };
            (member, name)
        })
        .filter(|(_, name)| wanted(name))
        .collect()
}

impl Export {
    fn open(path: &Path) -> Result<Export, ImportError> {
        if path.is_dir() {
            Export::folder(path)
        } else {
            Export::zip(path)
        }
    }

    fn too_large(&self, name: &str) -> ImportError {
        let message = format!("over {} MB: too large for a Letterboxd export file", MAX_FILE_BYTES / (1024 * 1024));
        ImportError::BadFiles(vec![FileProblem::new(&self.path_of(name), None, None, message)])
    }

    fn folder(path: &Path) -> Result<Export, ImportError> {
        let mut members = Vec::new();
        for entry in walkdir::WalkDir::new(path) {
            let entry = entry.map_err(|e| io(path, e.into()))?;
            if entry.file_type().is_file() {
                let relative = entry.path().strip_prefix(path).unwrap_or(entry.path());
                members.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
        let mut export = Export { origin: path.to_path_buf(), files: BTreeMap::new(), _unpacked: None };
        for (member, name) in chosen(members) {
            let file = path.join(&member);
            let size = std::fs::metadata(&file).map_err(|e| io(&file, e))?.len();
            if size > MAX_FILE_BYTES {
                return Err(export.too_large(&name));
            }
            export.files.insert(name, file);
        }
        Ok(export)
    }

    /// Unpacks only the chosen members of a ZIP (a few megabytes), each stopped at the limit
    /// whatever size the archive claims for it.
    fn zip(path: &Path) -> Result<Export, ImportError> {
        use std::io::Read as _;
        let bad = |message: String| ImportError::BadFiles(vec![FileProblem::new(path, None, None, message)]);
        let archive = std::fs::File::open(path).map_err(|e| io(path, e))?;
        let mut zip = zip::ZipArchive::new(archive).map_err(|e| bad(format!("not a ZIP archive: {e}")))?;
        let members: Vec<String> = zip.file_names().filter(|n| !n.ends_with('/')).map(String::from).collect();
        let unpacked = tempfile::tempdir().map_err(|e| io(path, e))?;
        let mut export = Export { origin: path.to_path_buf(), files: BTreeMap::new(), _unpacked: None };
        for (n, (member, name)) in chosen(members).into_iter().enumerate() {
            let entry = zip.by_name(&member).map_err(|e| bad(format!("\"{member}\" cannot be read: {e}")))?;
            if entry.size() > MAX_FILE_BYTES {
                return Err(export.too_large(&name));
            }
            let target = unpacked.path().join(format!("{n}.csv"));
            let mut out = std::fs::File::create(&target).map_err(|e| io(&target, e))?;
            let copied = std::io::copy(&mut entry.take(MAX_FILE_BYTES + 1), &mut out)
                .map_err(|e| bad(format!("\"{member}\" cannot be unpacked: {e}")))?;
            if copied > MAX_FILE_BYTES {
                return Err(export.too_large(&name));
            }
            export.files.insert(name, target);
        }
        export._unpacked = Some(unpacked);
        Ok(export)
    }

    fn path_of(&self, name: &str) -> PathBuf {
        self.origin.join(name)
    }

    /// A chosen file's records, read as they are needed, with the path messages name it by.
    fn reader(&self, name: &str) -> Option<Result<(PathBuf, csv::Reader<std::fs::File>), FileProblem>> {
        let file = self.files.get(name)?;
        let path = self.path_of(name);
        Some(match std::fs::File::open(file) {
            Ok(opened) => Ok((path, csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(opened))),
            Err(e) => Err(FileProblem::new(&path, None, None, format!("cannot be read: {e}"))),
        })
    }
}

/// One CSV record with its line and the file's header, read by column name.
struct Row<'a> {
    file: &'a Path,
    line: usize,
    header: Rc<csv::StringRecord>,
    record: csv::StringRecord,
}

impl Row<'_> {
    fn get(&self, column: &str) -> &str {
        self.header.iter().position(|h| h == column).and_then(|i| self.record.get(i)).unwrap_or("").trim()
    }

    fn problem(&self, field: &str, message: String) -> FileProblem {
        FileProblem::new(self.file, Some(self.line), Some(field), message)
    }

    fn year(&self) -> Result<Option<i32>, FileProblem> {
        match self.get("Year") {
            "" => Ok(None),
            text => text
                .parse::<i64>()
                .ok()
                .and_then(|y| marquee_core::Year::new(y).ok())
                .map(|y| Some(y.get()))
                .ok_or_else(|| self.problem("Year", format!("\"{text}\" is not a year"))),
        }
    }

    fn date(&self, column: &str) -> Result<Option<String>, FileProblem> {
        let text = self.get(column);
        if text.is_empty() {
            return Ok(None);
        }
        let format = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(text, &format)
            .map(|_| Some(text.to_string()))
            .map_err(|_| self.problem(column, format!("\"{text}\" is not a date (YYYY-MM-DD)")))
    }

    /// Stars out of five in halves, as a score out of ten (doubled).
    fn rating(&self) -> Result<Option<Score>, FileProblem> {
        let text = self.get("Rating");
        if text.is_empty() {
            return Ok(None);
        }
        let stars: f64 = text.parse().map_err(|_| self.problem("Rating", format!("\"{text}\" is not a rating")))?;
        let halves = stars * 2.0;
        if !(1.0..=10.0).contains(&halves) || halves.fract() != 0.0 {
            return Err(self.problem("Rating", format!("\"{text}\" is not a rating from 0.5 to 5 stars in halves")));
        }
        Score::from_tenths(halves as i64 * 10).map(Some).map_err(|e| self.problem("Rating", e.to_string()))
    }

    fn film(&self, uri_column: &str) -> Result<FilmKey, FileProblem> {
        let title = self.get("Name");
        if title.is_empty() {
            return Err(self.problem("Name", "the film's title is empty".into()));
        }
        Ok(FilmKey {
            title: title.to_string(),
            year: self.year()?,
            uri: Some(self.get(uri_column).to_string()).filter(|u| !u.is_empty()),
        })
    }
}

/// A CSV record that could not be read, as a problem at its line.
fn unreadable(file: &Path, error: &csv::Error) -> FileProblem {
    let line = error.position().map(|p| p.line() as usize);
    let message = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
        _ => format!("unreadable row: {error}"),
    };
    FileProblem::new(file, line, None, message)
}

/// A CSV file's records from the line after its header, which must have `required`, read one
/// at a time as they are asked for (blank rows passed over). A record that cannot be read is a
/// problem at its line; one that breaks the reading itself (not text) ends the file.
fn table<'a, R: std::io::Read + 'a>(
    file: &'a Path,
    reader: csv::Reader<R>,
    required: &[&str],
) -> Result<impl Iterator<Item = Result<Row<'a>, FileProblem>> + 'a, FileProblem> {
    let mut records = reader.into_records();
    let header = match records.next() {
        Some(Ok(header)) => header,
        Some(Err(e)) => return Err(unreadable(file, &e)),
        None => csv::StringRecord::new(),
    };
    for column in required {
        if !header.iter().any(|h| h.trim() == *column) {
            let found = header.iter().collect::<Vec<_>>().join(",");
            return Err(FileProblem::new(
                file,
                Some(1),
                Some(column),
                format!("the header lacks this column (it has: {found})"),
            ));
        }
    }
    let header = Rc::new(csv::StringRecord::from(header.iter().map(str::trim).collect::<Vec<_>>()));
    let mut ended = false;
    Ok(std::iter::from_fn(move || loop {
        if ended {
            return None;
        }
        match records.next()? {
            Ok(record) if record.iter().all(|cell| cell.trim().is_empty()) => continue,
            Ok(record) => {
                let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
                return Some(Ok(Row { file, line, header: header.clone(), record }));
            }
            Err(e) => {
                ended = !matches!(e.kind(), csv::ErrorKind::Utf8 { .. } | csv::ErrorKind::UnequalLengths { .. });
                return Some(Err(unreadable(file, &e)));
            }
        }
    }))
}

/// How a row names its film.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct FilmKey {
    title: String,
    year: Option<i32>,
    uri: Option<String>,
}

impl FilmKey {
    fn by_title(&self) -> (String, Option<i32>) {
        (self.title.clone(), self.year)
    }
}

struct Viewing {
    source: String,
    film: FilmKey,
    entry: EntryInput,
}

struct ListFile {
    source: String,
    title: String,
    description: String,
    items: Vec<(FilmKey, String)>,
}

/// Everything read from an export, checked, before anything is written.
#[derive(Default)]
struct Checked {
    viewings: Vec<Viewing>,
    /// Per film: watched on (first marked), rating, liked.
    marks: BTreeMap<FilmKey, Mark>,
    watchlist: Vec<FilmKey>,
    lists: Vec<ListFile>,
    problems: Vec<FileProblem>,
    /// What was read but could not be kept whole, said with its file and line.
    warnings: Vec<FileProblem>,
}

impl Checked {
    /// A row's problem: kept to report (and, unless skipping, to stop the import).
    fn keep<T>(&mut self, result: Result<T, FileProblem>) -> Option<T> {
        result.map_err(|p| self.problems.push(p)).ok()
    }

    fn mark(&mut self, film: FilmKey) -> &mut Mark {
        self.marks.entry(film).or_default()
    }
}

/// Letterboxd reviews are HTML; diary text is plain. Keeps the words, paragraphs and links.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    let mut link: Option<String> = None;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_ascii_lowercase();
        let name = tag.trim_start_matches('/').split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        match (name, tag.starts_with('/')) {
            ("br", _) => out.push('\n'),
            ("p" | "blockquote", true) => out.push_str("\n\n"),
            ("a", false) => {
                let raw = &rest[start + 1..start + end];
                link = raw.split("href=\"").nth(1).and_then(|h| h.split('"').next()).map(String::from);
            }
            ("a", true) => {
                if let Some(href) = link.take() {
                    out.push_str(&format!(" ({href})"));
                }
            }
            _ => {}
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    let decoded = decode_entities(&out);
    let lines: Vec<&str> = decoded.lines().map(str::trim_end).collect();
    let mut text = lines.join("\n");
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    text.trim().to_string()
}

fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let end = tail.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|end| {
            let entity = &tail[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                _ => entity
                    .strip_prefix("#x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn tags_of(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|t| !t.is_empty()).map(String::from).collect()
}

/// A row of `reviews.csv`: a diary entry that has text.
struct ReviewRow {
    line: usize,
    source: String,
    film: FilmKey,
    /// The day watched (or, without one, the day logged).
    watched_on: Option<String>,
    rating: Option<Score>,
    rewatch: bool,
    tags: Vec<String>,
    text: String,
}

fn rewatch_of(row: &Row) -> Result<bool, FileProblem> {
    match row.get("Rewatch") {
        "Yes" | "yes" | "true" => Ok(true),
        "" | "No" | "no" | "false" => Ok(false),
        other => Err(row.problem("Rewatch", format!("\"{other}\" is neither Yes nor empty"))),
    }
}

/// The day a diary or review row was watched: `Watched Date`, else `Date`.
fn watched_on(row: &Row) -> Result<Option<String>, FileProblem> {
    Ok(match row.date("Watched Date")? {
        Some(date) => Some(date),
        None => row.date("Date")?,
    })
}

/// Each row of a file, read one at a time: `each` is given the rows that could be read, and
/// every problem (a bad header, an unreadable row) is kept.
fn each_row(
    export: &Export,
    read: &mut Checked,
    name: &str,
    required: &[&str],
    mut each: impl FnMut(&mut Checked, Row),
) {
    let Some(opened) = export.reader(name) else { return };
    let (path, reader) = match opened {
        Ok(opened) => opened,
        Err(problem) => return read.problems.push(problem),
    };
    match table(&path, reader, required) {
        Ok(rows) => {
            for row in rows {
                match row {
                    Ok(row) => each(read, row),
                    Err(problem) => read.problems.push(problem),
                }
            }
        }
        Err(problem) => read.problems.push(problem),
    };
}

/// Reads and checks every file of the export.
fn read(export: &Export) -> Checked {
    let mut read = Checked::default();
    let reviews_file = export.path_of("reviews.csv");
    let mut reviews: Vec<ReviewRow> = Vec::new();
    each_row(export, &mut read, "reviews.csv", &["Name", "Year", "Letterboxd URI", "Review"], |read, row| {
        let review = (|| {
            Ok(ReviewRow {
                line: row.line,
                source: row.get("Letterboxd URI").to_string(),
                film: row.film("")?,
                watched_on: watched_on(&row)?,
                rating: row.rating()?,
                rewatch: rewatch_of(&row)?,
                tags: tags_of(row.get("Tags")),
                text: html_to_text(row.get("Review")),
            })
        })();
        if let Some(review) = read.keep(review) {
            reviews.push(review);
        }
    });

    let required = ["Date", "Name", "Year", "Letterboxd URI", "Rating", "Rewatch", "Tags", "Watched Date"];
    each_row(export, &mut read, "diary.csv", &required, |read, row| {
        let viewing = (|| {
            let film = row.film("")?;
            let watched_on = watched_on(&row)?.ok_or_else(|| row.problem("Watched Date", "no date".into()))?;
            let source = row.get("Letterboxd URI").to_string();
            if source.is_empty() {
                return Err(row.problem("Letterboxd URI", "the viewing has no link".into()));
            }
            let entry = EntryInput {
                film_id: 0,
                watched_on,
                rating: row.rating()?,
                rewatch: rewatch_of(&row)?,
                liked: false,
                tags: tags_of(row.get("Tags")),
                review_text: String::new(),
            };
            Ok(Viewing { source, film, entry })
        })();
        if let Some(viewing) = read.keep(viewing) {
            read.viewings.push(viewing);
        }
    });
    join_reviews(&mut read, reviews, &reviews_file);

    // Per-film files: watched, ratings, likes. Their links are the films' own.
    for (name, what) in [("watched.csv", "watched"), ("ratings.csv", "rating"), ("likes/films.csv", "like")] {
        let mut required = vec!["Date", "Name", "Year", "Letterboxd URI"];
        if what == "rating" {
            required.push("Rating");
        }
        each_row(export, &mut read, name, &required, |read, row| {
            let parsed = (|| {
                Ok((
                    row.film("Letterboxd URI")?,
                    row.date("Date")?,
                    if what == "rating" { row.rating()? } else { None },
                ))
            })();
            let Some((film, date, rating)) = read.keep(parsed) else { return };
            let mark = read.mark(film);
            match what {
                "watched" => {
                    mark.watched = true;
                    mark.marked_on = date;
                }
                "rating" => {
                    mark.watched = true;
                    mark.rating = rating;
                }
                _ => mark.liked = true,
            }
        });
    }

    each_row(export, &mut read, "watchlist.csv", &["Name", "Year", "Letterboxd URI"], |read, row| {
        if let Some(film) = read.keep(row.film("Letterboxd URI")) {
            read.watchlist.push(film);
        }
    });

    let list_names: Vec<String> = export.files.keys().filter(|n| n.starts_with("lists/")).cloned().collect();
    for name in list_names {
        let Some(opened) = export.reader(&name) else { continue };
        let list = opened.and_then(|(path, reader)| list_file(&path, reader));
        if let Some(list) = read.keep(list) {
            read.lists.push(list);
        }
    }
    read
}

/// Gives each review its diary entry: the entry with the review's link, else the one of the same
/// film watched the same day that has no text yet. A review with no such entry becomes an entry
/// of its own; one that cannot (no date) is named in a warning, never dropped unsaid.
fn join_reviews(read: &mut Checked, reviews: Vec<ReviewRow>, file: &Path) {
    let mut by_source: HashMap<String, usize> = HashMap::new();
    let mut by_day: HashMap<(String, Option<i32>, String), Vec<usize>> = HashMap::new();
    for (at, viewing) in read.viewings.iter().enumerate() {
        by_source.insert(viewing.source.clone(), at);
        let (title, year) = viewing.film.by_title();
        by_day.entry((title, year, viewing.entry.watched_on.clone())).or_default().push(at);
    }
    for review in reviews {
        if review.text.is_empty() {
            continue;
        }
        let free = |at: &usize, viewings: &[Viewing]| viewings[*at].entry.review_text.is_empty();
        let same_link = by_source.get(&review.source).copied().filter(|at| free(at, &read.viewings));
        let same_day = || {
            let day = review.watched_on.clone()?;
            let (title, year) = review.film.by_title();
            by_day.get(&(title, year, day))?.iter().copied().find(|at| free(at, &read.viewings))
        };
        if let Some(at) = same_link.or_else(same_day) {
            read.viewings[at].entry.review_text = review.text;
            continue;
        }
        let Some(watched_on) = review.watched_on else {
            let message = format!(
                "the review of {} has no date and no diary entry: its text was not imported",
                review.film.title
            );
            read.warnings.push(FileProblem::new(file, Some(review.line), Some("Watched Date"), message));
            continue;
        };
        // Its own entry, known by its link (or, without one, by the film and the day).
        let source = match review.source.is_empty() {
            false => review.source,
            true => format!("review:{}:{}:{watched_on}", review.film.title, review.film.year.unwrap_or(0)),
        };
        let entry = EntryInput {
            film_id: 0,
            watched_on,
            rating: review.rating,
            rewatch: review.rewatch,
            liked: false,
            tags: review.tags,
            review_text: review.text,
        };
        read.viewings.push(Viewing { source, film: review.film, entry });
    }
}

/// A list file: a banner line, a one-row table about the list, a blank line, the films.
fn list_file<R: std::io::Read>(path: &Path, reader: csv::Reader<R>) -> Result<ListFile, FileProblem> {
    let mut reader = reader;
    let records: Vec<csv::StringRecord> =
        reader.records().collect::<Result<_, _>>().map_err(|e| unreadable(path, &e))?;
    let starts = |r: &csv::StringRecord, first: &str| r.get(0).map(str::trim) == Some(first);
    let meta_at = records.iter().position(|r| starts(r, "Date") && r.iter().any(|c| c == "URL")).ok_or_else(|| {
        FileProblem::new(path, Some(1), None, "no Date,Name,Tags,URL,Description header: not a Letterboxd list".into())
    })?;
    let meta_header = &records[meta_at];
    let meta = records
        .get(meta_at + 1)
        .ok_or_else(|| FileProblem::new(path, Some(2), None, "the list's own row is missing".into()))?;
    let column = |header: &csv::StringRecord, record: &csv::StringRecord, name: &str| -> String {
        header.iter().position(|h| h == name).and_then(|i| record.get(i)).unwrap_or("").trim().to_string()
    };
    let title = column(meta_header, meta, "Name");
    let line_of = |r: &csv::StringRecord| r.position().map(|p| p.line() as usize);
    if title.is_empty() {
        return Err(FileProblem::new(path, line_of(meta), Some("Name"), "the list has no name".into()));
    }
    let source = column(meta_header, meta, "URL");
    if source.is_empty() {
        return Err(FileProblem::new(path, line_of(meta), Some("URL"), "the list has no link".into()));
    }
    let films_at = records.iter().position(|r| starts(r, "Position")).ok_or_else(|| {
        FileProblem::new(path, None, None, "no Position,Name,Year,URL header for the list's films".into())
    })?;
    let header = Rc::new(records[films_at].clone());
    let mut items = Vec::new();
    for record in &records[films_at + 1..] {
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let row =
            Row { file: path, line: line_of(record).unwrap_or(0), header: header.clone(), record: record.clone() };
        let film = row.film("URL")?;
        items.push((film, html_to_text(row.get("Description"))));
    }
    Ok(ListFile { source, title, description: column(meta_header, meta, "Description"), items })
}

/// The film a key names: by Letterboxd link, then by title and year (unless that film has
/// another link: two films can share a title and a year), or added.
async fn film_id(
    conn: &mut Conn,
    key: &FilmKey,
    known: &mut HashMap<FilmKey, i64>,
    summary: &mut Summary,
) -> Result<i64, ImportError> {
    if let Some(id) = known.get(key) {
        return Ok(*id);
    }
    if let Some(uri) = &key.uri {
        if let Some(id) = films::id_by_letterboxd(conn, uri).await? {
            known.insert(key.clone(), id);
            return Ok(id);
        }
    }
    let mut slug = marquee_store::revisions::slug_for(&key.title, key.year)?;
    let found = match films::id_by_slug(conn, slug.as_str()).await? {
        Some(id) => match (&key.uri, films::letterboxd_of(conn, id).await?) {
            (Some(uri), Some(other)) if *uri != other => {
                slug = films::free_slug(conn, slug.as_str()).await?;
                None
            }
            (Some(uri), None) => {
                films::set_letterboxd_if_missing(conn, id, uri).await?;
                Some(id)
            }
            _ => Some(id),
        },
        None => None,
    };
    let id = match found {
        Some(id) => id,
        None => {
            summary.created += 1;
            let film = FilmInput { letterboxd_uri: key.uri.clone(), ..FilmInput::titled(slug, &key.title, key.year) };
            films::upsert(conn, &film).await?
        }
    };
    known.insert(key.clone(), id);
    Ok(id)
}

fn count(summary: &mut Summary, change: Change) {
    match change {
        Change::Created => summary.created += 1,
        Change::Updated => summary.updated += 1,
        Change::Unchanged => summary.unchanged += 1,
    }
}

/// Imports a Letterboxd export (a ZIP or its folder) for the member `user_id`.
pub async fn import(
    store: &Store,
    user_id: i64,
    path: &Path,
    options: Options,
    progress: &dyn Progress,
) -> Result<Summary, ImportError> {
    let export = Export::open(path)?;
    if export.files.is_empty() {
        return Err(ImportError::BadFiles(vec![FileProblem::new(
            path,
            None,
            None,
            "no Letterboxd export files here (diary.csv, watched.csv, lists/…)".into(),
        )]));
    }
    let mut read = read(&export);
    let mut summary = Summary { warnings: std::mem::take(&mut read.warnings), ..Summary::default() };
    if !read.problems.is_empty() {
        if !options.skip_bad {
            return Err(ImportError::BadFiles(read.problems));
        }
        summary.skipped = std::mem::take(&mut read.problems);
    }
    // Likes belong to films; a viewing of a liked film is a liked viewing.
    let liked: std::collections::HashSet<(String, Option<i32>)> =
        read.marks.iter().filter(|(_, m)| m.liked).map(|(k, _)| k.by_title()).collect();
    let total = read.viewings.len() + read.marks.len() + read.watchlist.len() + read.lists.len();
    progress.start(total as u64, "letterboxd");

    let mut tx = store.begin().await?;
    let mut known = HashMap::new();
    for viewing in &mut read.viewings {
        viewing.entry.film_id = film_id(&mut tx, &viewing.film, &mut known, &mut summary).await?;
        viewing.entry.liked = liked.contains(&viewing.film.by_title());
        let change = marquee_store::diary::import(&mut tx, user_id, &viewing.source, &viewing.entry).await?;
        count(&mut summary, change);
        progress.advance(&viewing.film.title);
    }
    for (film, mark) in &read.marks {
        let id = film_id(&mut tx, film, &mut known, &mut summary).await?;
        count(&mut summary, marks::set(&mut tx, user_id, id, mark).await?);
        progress.advance(&film.title);
    }
    for film in &read.watchlist {
        let id = film_id(&mut tx, film, &mut known, &mut summary).await?;
        let change = if marquee_store::lists::watchlist_has(&mut tx, user_id, id).await? {
            Change::Unchanged
        } else {
            marquee_store::lists::watchlist_add(&mut tx, user_id, id).await?;
            Change::Created
        };
        count(&mut summary, change);
        progress.advance(&film.title);
    }
    for list in &read.lists {
        let mut items: Vec<(i64, String)> = Vec::new();
        for (film, note) in &list.items {
            let id = film_id(&mut tx, film, &mut known, &mut summary).await?;
            if !items.iter().any(|(seen, _)| *seen == id) {
                items.push((id, note.trim().to_string()));
            }
        }
        let rendered = marquee_core::markdown::render(&list.description, &|_| None);
        let input = ListInput {
            title: list.title.clone(),
            description_markdown: list.description.clone(),
            description_html: rendered.html,
            ranked: false,
            // Imported lists stay private until their member publishes them.
            published: false,
        };
        count(&mut summary, marquee_store::lists::import(&mut tx, user_id, &list.source, &input, &items).await?);
        progress.advance(&list.title);
    }
    progress.finish();
    if options.dry_run {
        tx.rollback().await.map_err(marquee_store::Error::from)?;
    } else {
        tx.commit().await.map_err(marquee_store::Error::from)?;
    }
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn review_html_becomes_text_with_its_paragraphs_and_links() {
        assert_eq!(html_to_text("<p>One</p><p>Two<br>three</p>"), "One\n\nTwo\nthree");
        assert_eq!(
            html_to_text("See <a href=\"https://x.org/a?b=1&amp;c=2\">it</a>."),
            "See it (https://x.org/a?b=1&c=2)."
        );
        assert_eq!(
            html_to_text("&lt;b&gt; &amp; &quot;q&quot; &#233;t&#xe9; &unknown; & alone"),
            "<b> & \"q\" été &unknown; & alone"
        );
        assert_eq!(html_to_text("<script>alert(1)</script>x"), "alert(1)x", "tags go; the words stay, as text");
        assert_eq!(html_to_text("unclosed <i tag"), "unclosed <i tag");
        assert_eq!(html_to_text("<i><i>nested twice</i>"), "nested twice");
    }

    #[test]
    fn only_the_members_own_files_are_read() {
        for name in ["diary.csv", "lists/top-10.csv", "likes/films.csv", "watchlist.csv"] {
            assert!(wanted(name), "{name}");
        }
        for name in [
            "deleted/diary.csv",
            "orphaned/reviews.csv",
            "likes/reviews.csv",
            "likes/lists.csv",
            "profile.csv",
            "deleted/lists/a.csv",
            "comments.csv",
        ] {
            assert!(!wanted(name), "{name}");
        }
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::fuzzing::text_of;
    use proptest::prelude::*;

    const PIECES: &[&str] = &[
        "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n",
        "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Review,Tags,Watched Date\n",
        "2024-01-03,Amélie,2001,https://boxd.it/4P7hnr,4.5,,\"paris, comfort\",2024-01-02\n",
        "2024-02-10,\"Sorry, Baby\",2025,https://boxd.it/5Qa1bc,5,Yes,,2024-02-09\n",
        "\"unterminated",
        "\"\"",
        ",,,,,,,,\n",
        "\r\n",
        "\u{feff}",
        "Letterboxd list export v7\n",
        "Date,Name,Tags,URL,Description\n",
        "Position,Name,Year,URL,Description\n",
        "1,Heat,1995,https://boxd.it/2b0k,\"<i>note</i>\"\n",
        "2024-13-45",
        "99999999999",
        "-1",
        "5.5",
        "0.25",
        "\u{ff}\u{fe}",
    ];

    proptest! {
        #[test]
        fn export_files_are_read_or_refused_by_line_never_a_panic(text in text_of(PIECES, 30), bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let path = Path::new("diary.csv");
            for input in [text.as_bytes(), &bytes[..]] {
                let reader = || csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
                if let Ok(rows) = table(path, reader(), &["Name"]) {
                    for row in rows.flatten() {
                        let _ = (row.film("Letterboxd URI"), row.rating(), row.date("Date"), row.year(), watched_on(&row));
                        let _ = rewatch_of(&row);
                    }
                }
                let _ = list_file(path, reader());
            }
            let _ = html_to_text(&text);
        }
    }
}
