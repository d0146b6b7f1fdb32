//! IMDb's non-commercial datasets (`title.basics`, `title.crew`, `title.principals`,
//! `name.basics`; `.tsv` or `.tsv.gz`): fills in the year, runtime, original title, genres,
//! directors, writers and cast that films in the store lack, and with `all` adds the whole film
//! catalogue (feature films and TV films, with their genres and directors) for film pickers.
//!
//! The files are read as streams, one row at a time, on a thread of their own; what is kept is
//! bounded by the films in the store (and, with `all`, by the catalogue's films), never by the
//! files' size. Films are matched by IMDb id, then by title and year (when exactly one IMDb
//! title fits). Only what a film lacks is written, in one transaction, so the same files twice
//! change nothing the second time. The format is described in FORMATS.md ("IMDb non-commercial
//! TSV datasets").

use crate::{FileProblem, ImportError, Progress, Summary};
use marquee_core::Department;
use marquee_store::facts::{self, CatalogueFilm, Departments, Facts, NewCredit, Target};
use marquee_store::{Conn, Store};
use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::time::Instant;
use tokio::sync::mpsc;

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    pub dry_run: bool,
    /// Leave bad rows out (reported in the summary) instead of stopping.
    pub skip_bad: bool,
    /// Add every feature film and TV film of the catalogue, not only complete the store's.
    pub all: bool,
}

/// What an IMDb import did, and how much it read how fast.
#[derive(Clone, Debug, Default)]
pub struct Report {
    pub summary: Summary,
    pub rows: u64,
    pub seconds: f64,
}

impl Report {
    pub fn rows_per_second(&self) -> f64 {
        if self.seconds > 0.0 {
            self.rows as f64 / self.seconds
        } else {
            self.rows as f64
        }
    }
}

/// Bad rows listed one by one in a summary; past this many they are only counted.
const LISTED_PROBLEMS: usize = 200;
/// The longest row read; IMDb's rows are a few hundred bytes.
const MAX_ROW: u64 = 1024 * 1024;
/// Rows between two progress reports.
const REPORT_EVERY: u64 = 1 << 16;
/// Title types matched by title and year, best first, and the ones `all` adds.
const MATCHED_TYPES: [&[u8]; 6] = [b"movie", b"tvMovie", b"video", b"tvSpecial", b"short", b"tvMiniSeries"];
const CATALOGUE_TYPES: [&[u8]; 2] = [b"movie", b"tvMovie"];

/// The number in an IMDb id (`tt0113277` → 113277), the key films and people are held by.
fn number(id: &[u8], prefix: &[u8]) -> Option<u32> {
    let digits = id.strip_prefix(prefix)?;
    if digits.is_empty() || digits.len() > 9 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

fn title_id(n: u32) -> String {
    format!("tt{n:07}")
}

fn name_id(n: u32) -> String {
    format!("nm{n:07}")
}

/// A title and year as compared: the title's slug, so case, accents and punctuation do not matter.
fn title_key(title: &str, year: i32) -> (String, i32) {
    (marquee_core::slug::slugify(title), year)
}

/// One dataset file, read a row at a time.
struct Table {
    path: PathBuf,
    reader: Box<dyn BufRead + Send>,
    columns: Vec<String>,
    line: usize,
    buffer: Vec<u8>,
    fields: Vec<(usize, usize)>,
}

impl Table {
    /// `NAME.tsv.gz` or `NAME.tsv` in `dir`, when there is one.
    fn open(dir: &Path, name: &str) -> Result<Option<Table>, ImportError> {
        let Some(path) =
            [format!("{name}.tsv.gz"), format!("{name}.tsv")].iter().map(|f| dir.join(f)).find(|p| p.is_file())
        else {
            return Ok(None);
        };
        let io = |source| ImportError::Io { path: path.clone(), source };
        let mut file = BufReader::with_capacity(1 << 16, std::fs::File::open(&path).map_err(io)?);
        // Compressed or not is told by the content, not the name.
        let gzipped = file.fill_buf().map_err(io)?.starts_with(&[0x1f, 0x8b]);
        let reader: Box<dyn BufRead + Send> = if gzipped {
            Box::new(BufReader::with_capacity(1 << 16, flate2::bufread::MultiGzDecoder::new(file)))
        } else {
            Box::new(file)
        };
        Table::from_reader(path, reader).map(Some)
    }

    /// A table read from `reader` (named `path` in messages), its header row read.
    fn from_reader(path: PathBuf, reader: Box<dyn BufRead + Send>) -> Result<Table, ImportError> {
        let mut table = Table { path, reader, columns: Vec::new(), line: 0, buffer: Vec::new(), fields: Vec::new() };
        if !table.next()? {
            return Err(ImportError::BadFiles(vec![table.problem(None, "the file is empty (no header row)".into())]));
        }
        let header = String::from_utf8_lossy(&table.buffer).trim_start_matches('\u{feff}').to_string();
        table.columns = header.split('\t').map(|c| c.trim().to_string()).collect();
        Ok(table)
    }

    /// The position of each named column, or a problem naming the missing one.
    fn columns(&self, names: &[&str]) -> Result<Vec<usize>, ImportError> {
        names
            .iter()
            .map(|name| {
                self.columns.iter().position(|c| c == name).ok_or_else(|| {
                    ImportError::BadFiles(vec![FileProblem::new(
                        &self.path,
                        Some(1),
                        Some(name),
                        format!("no {name} column in the header ({})", self.columns.join(", ")),
                    )])
                })
            })
            .collect()
    }

    /// Reads the next row; false at the end of the file.
    fn next(&mut self) -> Result<bool, ImportError> {
        self.buffer.clear();
        let read = std::io::Read::take(&mut self.reader, MAX_ROW)
            .read_until(b'\n', &mut self.buffer)
            .map_err(|source| ImportError::Io { path: self.path.clone(), source })?;
        if read == 0 {
            return Ok(false);
        }
        self.line += 1;
        if read as u64 == MAX_ROW && self.buffer.last() != Some(&b'\n') {
            // Not a dataset file (or a damaged one): rows are a few hundred bytes.
            let message = format!("a row longer than {} KB: not an IMDb dataset file", MAX_ROW / 1024);
            return Err(ImportError::BadFiles(vec![self.problem(None, message)]));
        }
        while matches!(self.buffer.last(), Some(b'\n' | b'\r')) {
            self.buffer.pop();
        }
        self.fields.clear();
        let mut start = 0;
        for (at, byte) in self.buffer.iter().enumerate() {
            if *byte == b'\t' {
                self.fields.push((start, at));
                start = at + 1;
            }
        }
        self.fields.push((start, self.buffer.len()));
        Ok(true)
    }

    /// A row with a field too many or too few is a bad row (a truncated or garbled file).
    fn check_width(&self) -> Result<(), FileProblem> {
        if self.fields.len() == self.columns.len() {
            Ok(())
        } else {
            Err(self.problem(
                None,
                format!("{} tab-separated fields where the header has {}", self.fields.len(), self.columns.len()),
            ))
        }
    }

    fn raw(&self, column: usize) -> &[u8] {
        let (start, end) = self.fields[column];
        &self.buffer[start..end]
    }

    /// A field's text, or None for IMDb's `\N`.
    fn text(&self, column: usize) -> Result<Option<&str>, FileProblem> {
        match self.raw(column) {
            b"\\N" => Ok(None),
            raw => std::str::from_utf8(raw).map(Some).map_err(|_| self.problem(Some(column), "not UTF-8 text".into())),
        }
    }

    /// A field holding a whole number, or `\N`.
    fn whole(&self, column: usize) -> Result<Option<i64>, FileProblem> {
        match self.text(column)? {
            None => Ok(None),
            Some(text) => {
                text.parse().map(Some).map_err(|_| self.problem(Some(column), format!("\"{text}\" is not a number")))
            }
        }
    }

    /// A field holding one IMDb id.
    fn id(&self, column: usize, prefix: &[u8]) -> Result<u32, FileProblem> {
        number(self.raw(column), prefix).ok_or_else(|| {
            self.problem(
                Some(column),
                format!(
                    "\"{}\" is not an IMDb id ({} followed by digits)",
                    String::from_utf8_lossy(self.raw(column)),
                    String::from_utf8_lossy(prefix)
                ),
            )
        })
    }

    /// A field holding comma-separated IMDb ids, or `\N`.
    fn ids(&self, column: usize, prefix: &[u8]) -> Result<Vec<u32>, FileProblem> {
        match self.raw(column) {
            b"\\N" | b"" => Ok(Vec::new()),
            raw => raw
                .split(|b| *b == b',')
                .map(|id| {
                    number(id, prefix).ok_or_else(|| {
                        self.problem(Some(column), format!("\"{}\" is not an IMDb id", String::from_utf8_lossy(id)))
                    })
                })
                .collect(),
        }
    }

    fn problem(&self, column: Option<usize>, message: String) -> FileProblem {
        let field = column.and_then(|c| self.columns.get(c)).map(String::as_str);
        FileProblem::new(&self.path, Some(self.line), field, message)
    }
}

/// What the reading thread tells the writer: how far it has got.
enum Message {
    Reading(&'static str),
    Rows(u64),
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Basics {
    kind_rank: usize,
    /// A feature or TV film for adults or not: what `all` may add.
    for_catalogue: bool,
    title: String,
    original_title: Option<String>,
    year: Option<i32>,
    runtime: Option<i64>,
    genres: Vec<String>,
}

/// A film in the store and what it lacks, as the reader sees it.
struct Wanted {
    target: Target,
    basics: Option<Basics>,
    directors: Vec<u32>,
    writers: Vec<u32>,
    /// (billing order, person, character)
    cast: Vec<(i64, u32, Option<String>)>,
    /// Directors and writers named only in title.principals, used when title.crew is absent.
    principal_directors: Vec<(i64, u32)>,
    principal_writers: Vec<(i64, u32)>,
}

impl Wanted {
    fn departments(&self) -> Departments {
        let (empty, unknown) = (self.target.empty, self.target.unidentified);
        Departments {
            directing: empty.directing || unknown.directing,
            writing: empty.writing || unknown.writing,
            cast: empty.cast || unknown.cast,
        }
    }
}

/// Catalogue films to add, kept on disk (one JSON line each) while the files are read, so
/// memory stays bounded and the store is not written (nor locked) until reading is done.
struct Staged {
    file: std::io::BufWriter<tempfile::NamedTempFile>,
    films: usize,
}

impl Staged {
    fn new() -> Result<Staged, ImportError> {
        let file =
            tempfile::NamedTempFile::new().map_err(|source| ImportError::Io { path: std::env::temp_dir(), source })?;
        Ok(Staged { file: std::io::BufWriter::new(file), films: 0 })
    }

    fn push(&mut self, id: u32, basics: &Basics) -> Result<(), ImportError> {
        use std::io::Write as _;
        let line = serde_json::to_string(&(id, basics)).expect("a film serializes");
        writeln!(self.file, "{line}")
            .map_err(|source| ImportError::Io { path: self.file.get_ref().path().into(), source })?;
        self.films += 1;
        Ok(())
    }

    /// The staged films, to read back in order.
    fn finish(self) -> Result<(tempfile::NamedTempFile, usize), ImportError> {
        let films = self.films;
        let file = self
            .file
            .into_inner()
            .map_err(|e| ImportError::Io { path: std::env::temp_dir(), source: e.into_error() })?;
        Ok((file, films))
    }
}

/// What the reader gathered for the writer, once every file is read.
struct Gathered {
    /// Catalogue films to add (with `all`), and how many.
    catalogue: (tempfile::NamedTempFile, usize),
    wanted: Vec<Wanted>,
    /// Directors of catalogue films: (title, person).
    catalogue_directors: Vec<(u32, u32)>,
    names: HashMap<u32, String>,
    skipped: Vec<FileProblem>,
    unlisted_skipped: usize,
    warnings: Vec<FileProblem>,
    rows: u64,
    /// Films in the store that lack nothing, found in title.basics.
    complete: usize,
}

struct Reader<'a> {
    options: Options,
    sender: &'a mpsc::Sender<Message>,
    skipped: Vec<FileProblem>,
    unlisted_skipped: usize,
    rows: u64,
    unreported: u64,
}

impl Reader<'_> {
    /// Reports a bad row: an error that stops the import, or (with `skip_bad`) a skipped row.
    fn bad(&mut self, problem: FileProblem) -> Result<(), ImportError> {
        if !self.options.skip_bad {
            return Err(ImportError::BadFiles(vec![problem]));
        }
        if self.skipped.len() < LISTED_PROBLEMS {
            self.skipped.push(problem);
        } else {
            self.unlisted_skipped += 1;
        }
        Ok(())
    }

    fn send(&self, message: Message) -> Result<(), ImportError> {
        // The writer has stopped (it failed): its error is the one to report.
        self.sender.blocking_send(message).map_err(|_| ImportError::Io {
            path: PathBuf::from("imdb"),
            source: std::io::Error::other("the import stopped while reading"),
        })
    }

    fn start(&mut self, table: &Table) -> Result<(), ImportError> {
        let name = ["title.basics", "title.crew", "title.principals", "name.basics"]
            .into_iter()
            .find(|n| table.path.file_name().is_some_and(|f| f.to_string_lossy().starts_with(n)))
            .unwrap_or("imdb");
        self.send(Message::Reading(name))
    }

    /// The next good row of `table` and its id in `column`: a row of the wrong width or with a
    /// bad id is reported (or, with `skip_bad`, skipped). None at the end of the file.
    fn row(&mut self, table: &mut Table, column: usize, prefix: &[u8]) -> Result<Option<u32>, ImportError> {
        while table.next()? {
            self.counted()?;
            match table.check_width().and_then(|()| table.id(column, prefix)) {
                Ok(id) => return Ok(Some(id)),
                Err(problem) => self.bad(problem)?,
            }
        }
        Ok(None)
    }

    /// Counts a row read, telling the writer now and then.
    fn counted(&mut self) -> Result<(), ImportError> {
        self.rows += 1;
        self.unreported += 1;
        if self.unreported == REPORT_EVERY {
            self.unreported = 0;
            self.send(Message::Rows(REPORT_EVERY))?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ImportError> {
        let rows = std::mem::take(&mut self.unreported);
        if rows > 0 {
            self.send(Message::Rows(rows))?;
        }
        Ok(())
    }
}

/// Reads every file in turn, keeping only what the store's films (or the catalogue) need.
fn read(
    dir: &Path,
    options: Options,
    targets: Vec<Target>,
    present: HashSet<u32>,
    sender: mpsc::Sender<Message>,
) -> Result<Gathered, ImportError> {
    let mut reader =
        Reader { options, sender: &sender, skipped: Vec::new(), unlisted_skipped: 0, rows: 0, unreported: 0 };
    let mut warnings = Vec::new();
    let mut wanted: Vec<Wanted> = Vec::new();
    let mut by_imdb: HashMap<u32, usize> = HashMap::new();
    let mut by_title: HashMap<(String, i32), Vec<usize>> = HashMap::new();
    for target in targets {
        let index = wanted.len();
        match target.imdb_id.as_deref().and_then(|id| number(id.as_bytes(), b"tt")) {
            Some(n) => {
                by_imdb.insert(n, index);
            }
            None => {
                if let (None, Some(year)) = (&target.imdb_id, target.year) {
                    by_title.entry(title_key(&target.title, year)).or_default().push(index);
                }
            }
        }
        wanted.push(Wanted {
            target,
            basics: None,
            directors: Vec::new(),
            writers: Vec::new(),
            cast: Vec::new(),
            principal_directors: Vec::new(),
            principal_writers: Vec::new(),
        });
    }

    // title.basics: the films' facts, title matches, and the catalogue.
    let Some(mut table) = Table::open(dir, "title.basics")? else {
        return Err(ImportError::BadFiles(vec![FileProblem::new(
            dir,
            None,
            None,
            "no title.basics.tsv.gz (or title.basics.tsv) here: download IMDb's datasets into this folder".into(),
        )]));
    };
    let [tconst, kind, primary, original, adult, start_year, runtime, genres] = table.columns(&[
        "tconst",
        "titleType",
        "primaryTitle",
        "originalTitle",
        "isAdult",
        "startYear",
        "runtimeMinutes",
        "genres",
    ])?[..] else {
        unreachable!("eight columns asked, eight given")
    };
    reader.start(&table)?;
    // Title matches: for each store film, the IMDb titles of its title and year.
    let mut candidates: HashMap<usize, Vec<(u32, Basics)>> = HashMap::new();
    let mut catalogue: HashSet<u32> = HashSet::new();
    let mut complete = 0;
    let mut staged = Staged::new()?;
    while let Some(id) = reader.row(&mut table, tconst, b"tt")? {
        let raw_kind = table.raw(kind);
        let rank = MATCHED_TYPES.iter().position(|k| *k == raw_kind);
        let linked = by_imdb.get(&id).copied();
        if linked.is_none() && present.contains(&id) {
            complete += 1;
            continue;
        }
        let for_catalogue = CATALOGUE_TYPES.contains(&raw_kind) && table.raw(adult) == b"0";
        if linked.is_none() && rank.is_none() {
            continue;
        }
        // Only rows that may be used are read beyond their id and type.
        let parsed = (|| -> Result<Basics, FileProblem> {
            let year = table.whole(start_year)?.map(|y| y as i32);
            let title = table.text(primary)?.unwrap_or_default().to_string();
            Ok(Basics {
                kind_rank: rank.unwrap_or(MATCHED_TYPES.len()),
                for_catalogue: for_catalogue && !title.trim().is_empty(),
                title,
                original_title: table.text(original)?.map(str::to_string),
                year,
                runtime: table.whole(runtime)?.filter(|m| *m > 0),
                genres: table.text(genres)?.map(|g| g.split(',').map(str::to_string).collect()).unwrap_or_default(),
            })
        })();
        let basics = match parsed {
            Ok(basics) => basics,
            Err(problem) => {
                reader.bad(problem)?;
                continue;
            }
        };
        if let Some(index) = linked {
            wanted[index].basics = Some(basics);
            continue;
        }
        let mut matched = false;
        if let Some(year) = basics.year {
            let mut keys = vec![title_key(&basics.title, year)];
            if let Some(original) = &basics.original_title {
                keys.push(title_key(original, year));
            }
            keys.dedup();
            for key in keys {
                for index in by_title.get(&key).into_iter().flatten() {
                    let found = candidates.entry(*index).or_default();
                    if !found.iter().any(|(seen, _)| *seen == id) {
                        found.push((id, basics.clone()));
                    }
                    matched = true;
                }
            }
        }
        if options.all && basics.for_catalogue && !matched {
            catalogue.insert(id);
            staged.push(id, &basics)?;
        }
    }

    // Each store film takes the one best-typed title of its title and year; two of the same
    // type leave it unlinked (twins of a title and year are told apart by id only), and so does
    // a title two store films would take.
    let mut picks: HashMap<u32, Vec<usize>> = HashMap::new();
    // Titles that may be a store film's own (tied, or wanted by two): never added beside it.
    let mut doubtful: HashSet<u32> = HashSet::new();
    for (index, found) in &mut candidates {
        found.sort_by_key(|(id, basics)| (basics.kind_rank, *id));
        let best = found[0].1.kind_rank;
        let tied: Vec<u32> = found.iter().filter(|(_, b)| b.kind_rank == best).map(|(id, _)| *id).collect();
        if tied.len() > 1 {
            let target = &wanted[*index].target;
            warnings.push(FileProblem::new(
                &table.path,
                None,
                None,
                format!(
                    "{} ({}) could be any of {}: give the film its IMDb id to fill it in",
                    target.title,
                    target.year.unwrap_or_default(),
                    tied.iter().map(|id| title_id(*id)).collect::<Vec<_>>().join(", ")
                ),
            ));
            doubtful.extend(tied);
        } else {
            picks.entry(found[0].0).or_default().push(*index);
        }
    }
    let mut picked: HashSet<u32> = HashSet::new();
    for (id, takers) in &picks {
        if let [index] = takers[..] {
            let basics = candidates[&index][0].1.clone();
            by_imdb.insert(*id, index);
            wanted[index].target.imdb_id = Some(title_id(*id));
            wanted[index].basics = Some(basics);
            picked.insert(*id);
        } else {
            let names: Vec<String> = takers.iter().map(|i| wanted[*i].target.title.clone()).collect();
            warnings.push(FileProblem::new(
                &table.path,
                None,
                None,
                format!(
                    "{} fits {} films of the store ({}): none is given it",
                    title_id(*id),
                    takers.len(),
                    names.join(", ")
                ),
            ));
            doubtful.insert(*id);
        }
    }
    // Other titles of the same name and year (another kind of film) still belong in the catalogue.
    if options.all {
        let mut left: Vec<(u32, Basics)> = candidates
            .into_values()
            .flatten()
            .filter(|(id, basics)| {
                basics.for_catalogue && !picked.contains(id) && !doubtful.contains(id) && !present.contains(id)
            })
            .collect();
        left.sort_by_key(|(id, _)| *id);
        for (id, basics) in left {
            if catalogue.insert(id) {
                staged.push(id, &basics)?;
            }
        }
    }
    reader.flush()?;
    // Only films linked to IMDb go on; the rest have nothing more to gain.
    let linked: HashMap<u32, usize> =
        by_imdb.into_iter().filter(|(_, index)| wanted[*index].basics.is_some()).collect();

    // title.crew: directors and writers.
    let mut catalogue_directors = Vec::new();
    let crew = Table::open(dir, "title.crew")?;
    let has_crew = crew.is_some();
    if let Some(mut table) = crew {
        let [tconst, directors, writers] = table.columns(&["tconst", "directors", "writers"])?[..] else {
            unreachable!("three columns asked, three given")
        };
        reader.start(&table)?;
        while let Some(id) = reader.row(&mut table, tconst, b"tt")? {
            let index = linked.get(&id).copied();
            let in_catalogue = catalogue.contains(&id);
            if index.is_none() && !in_catalogue {
                continue;
            }
            let people = table.ids(directors, b"nm").and_then(|d| Ok((d, table.ids(writers, b"nm")?)));
            let (directing, writing) = match people {
                Ok(people) => people,
                Err(problem) => {
                    reader.bad(problem)?;
                    continue;
                }
            };
            if let Some(index) = index {
                let departments = wanted[index].departments();
                if departments.directing {
                    wanted[index].directors = directing;
                }
                if departments.writing {
                    wanted[index].writers = writing;
                }
            } else {
                catalogue_directors.extend(directing.into_iter().map(|person| (id, person)));
            }
        }
        reader.flush()?;
    }

    // title.principals: the cast in billing order (and directors and writers without title.crew).
    if let Some(mut table) = Table::open(dir, "title.principals")? {
        let [tconst, ordering, nconst, category, characters] =
            table.columns(&["tconst", "ordering", "nconst", "category", "characters"])?[..]
        else {
            unreachable!("five columns asked, five given")
        };
        reader.start(&table)?;
        while let Some(id) = reader.row(&mut table, tconst, b"tt")? {
            let Some(&index) = linked.get(&id) else { continue };
            let departments = wanted[index].departments();
            let role = match table.raw(category) {
                b"actor" | b"actress" | b"self" if departments.cast => Department::Cast,
                b"director" if departments.directing && !has_crew => Department::Directing,
                b"writer" if departments.writing && !has_crew => Department::Writing,
                _ => continue,
            };
            let parsed = (|| -> Result<_, FileProblem> {
                let order = table.whole(ordering)?.unwrap_or(i64::MAX);
                let person = table.id(nconst, b"nm")?;
                let character = table.text(characters)?.and_then(character_of);
                Ok((order, person, character))
            })();
            let (order, person, character) = match parsed {
                Ok(parsed) => parsed,
                Err(problem) => {
                    reader.bad(problem)?;
                    continue;
                }
            };
            let film = &mut wanted[index];
            match role {
                Department::Cast => film.cast.push((order, person, character)),
                Department::Directing => film.principal_directors.push((order, person)),
                _ => film.principal_writers.push((order, person)),
            }
        }
        reader.flush()?;
    }
    for film in &mut wanted {
        film.cast.sort_by_key(|(order, _, _)| *order);
        film.principal_directors.sort();
        film.principal_writers.sort();
        if !has_crew {
            film.directors = film.principal_directors.drain(..).map(|(_, p)| p).collect();
            film.writers = film.principal_writers.drain(..).map(|(_, p)| p).collect();
        }
    }

    // name.basics: the names of everyone kept.
    let mut wanted_people: HashSet<u32> = catalogue_directors.iter().map(|(_, p)| *p).collect();
    for film in &wanted {
        wanted_people.extend(film.directors.iter().chain(&film.writers).chain(film.cast.iter().map(|(_, p, _)| p)));
    }
    let mut names = HashMap::with_capacity(wanted_people.len());
    if !wanted_people.is_empty() {
        let Some(mut table) = Table::open(dir, "name.basics")? else {
            return Err(ImportError::BadFiles(vec![FileProblem::new(
                dir,
                None,
                None,
                "no name.basics.tsv.gz (or name.basics.tsv) here: the people credited cannot be named".into(),
            )]));
        };
        let [nconst, name] = table.columns(&["nconst", "primaryName"])?[..] else {
            unreachable!("two columns asked, two given")
        };
        reader.start(&table)?;
        while let Some(id) = reader.row(&mut table, nconst, b"nm")? {
            if !wanted_people.contains(&id) {
                continue;
            }
            match table.text(name) {
                Ok(Some(text)) if !text.trim().is_empty() => {
                    names.insert(id, text.trim().to_string());
                }
                Ok(_) => reader.bad(table.problem(Some(name), "the person has no name".into()))?,
                Err(problem) => reader.bad(problem)?,
            }
        }
        reader.flush()?;
        let unnamed = wanted_people.len() - names.len();
        if unnamed > 0 {
            warnings.push(FileProblem::new(
                &table.path,
                None,
                None,
                format!(
                    "{unnamed} people credited in the title files are not in this file; their credits are left out"
                ),
            ));
        }
    }
    Ok(Gathered {
        catalogue: staged.finish()?,
        wanted,
        catalogue_directors,
        names,
        skipped: reader.skipped,
        unlisted_skipped: reader.unlisted_skipped,
        warnings,
        rows: reader.rows,
        complete,
    })
}

/// The character a cast member plays: IMDb writes a JSON array (`["Neil McCauley"]`); several
/// characters are joined with " / ".
fn character_of(text: &str) -> Option<String> {
    let joined = match serde_json::from_str::<Vec<String>>(text) {
        Ok(characters) => characters.join(" / "),
        // Not an array after all: the text stands as the character.
        Err(_) => text.trim_matches(|c| c == '[' || c == ']' || c == '"').to_string(),
    };
    let joined = joined.trim();
    (!joined.is_empty()).then(|| joined.to_string())
}

/// Imports IMDb's datasets from `dir`.
pub async fn import(
    store: &Store,
    dir: &Path,
    options: Options,
    progress: &dyn Progress,
) -> Result<Report, ImportError> {
    let started = Instant::now();
    if !dir.is_dir() {
        return Err(ImportError::Io {
            path: dir.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a folder of IMDb dataset files"),
        });
    }
    let targets = facts::targets(store).await?;
    let present: HashSet<u32> =
        facts::imdb_ids(store).await?.iter().filter_map(|id| number(id.as_bytes(), b"tt")).collect();
    let (sender, mut receiver) = mpsc::channel(64);
    let folder = dir.to_path_buf();
    let reading = tokio::task::spawn_blocking(move || read(&folder, options, targets, present, sender));

    while let Some(message) = receiver.recv().await {
        match message {
            Message::Reading(what) => progress.start(0, what),
            Message::Rows(rows) => progress.advance_by(rows, ""),
        }
    }
    let gathered = reading.await.map_err(|e| ImportError::Io {
        path: dir.to_path_buf(),
        source: std::io::Error::other(format!("the reader stopped: {e}")),
    })??;
    progress.finish();

    // Everything is read: now the store is written, in one transaction.
    let mut summary = Summary::default();
    let mut tx = store.begin().await?;
    let (staged, staged_films) = &gathered.catalogue;
    let completing = gathered.wanted.iter().filter(|w| w.basics.is_some()).count();
    if staged_films + completing > 0 {
        progress.start((staged_films + completing) as u64, "writing");
    }
    let mut catalogue: HashMap<u32, i64> = HashMap::new();
    let mut genres = HashMap::new();
    let lines = BufReader::new(
        std::fs::File::open(staged.path()).map_err(|source| ImportError::Io { path: staged.path().into(), source })?,
    );
    for line in lines.lines() {
        let line = line.map_err(|source| ImportError::Io { path: staged.path().into(), source })?;
        let (id, basics): (u32, Basics) = serde_json::from_str(&line)
            .map_err(|e| ImportError::Io { path: staged.path().into(), source: std::io::Error::other(e) })?;
        let film = describe(id, &basics);
        let film_id = add_film(&mut tx, id, basics, &mut genres).await.map_err(naming(dir, &film))?;
        catalogue.insert(id, film_id);
        summary.created += 1;
        progress.advance(&film);
    }
    let mut people = People::new();
    for film in &gathered.wanted {
        let Some(basics) = &film.basics else { continue };
        let described = format!("{} (film {})", film.target.title, film.target.film_id);
        let change = complete(&mut tx, film, basics, &gathered.names, &mut people, &mut summary)
            .await
            .map_err(naming(dir, &described))?;
        if change {
            summary.updated += 1;
        } else {
            summary.unchanged += 1;
        }
        progress.advance(&film.target.title);
    }
    progress.finish();
    let mut directors = gathered.catalogue_directors;
    directors.sort_unstable();
    let chunks: Vec<&[(u32, u32)]> =
        directors.chunk_by(|a, b| a.0 == b.0).filter(|chunk| catalogue.contains_key(&chunk[0].0)).collect();
    if !chunks.is_empty() {
        progress.start(chunks.len() as u64, "directors");
    }
    for chunk in chunks {
        let film_id = catalogue[&chunk[0].0];
        let mut credits = Vec::new();
        for (_, person) in chunk {
            if let Some(name) = gathered.names.get(person) {
                let person_id = person_id(&mut tx, *person, name, false, &mut people, &mut summary)
                    .await
                    .map_err(naming(dir, &format!("{} ({name})", name_id(*person))))?;
                credits.push(NewCredit { person_id, department: Department::Directing, character: None });
            }
        }
        facts::add_credits(&mut tx, film_id, &credits)
            .await
            .map_err(|e| naming(dir, &title_id(chunk[0].0))(e.into()))?;
        progress.advance("");
    }
    progress.finish();
    // Films already complete, found again in the catalogue, are unchanged too.
    summary.unchanged += gathered.complete;
    summary.warnings = gathered.warnings;
    summary.skipped = gathered.skipped;
    if gathered.unlisted_skipped > 0 {
        summary.warnings.push(FileProblem::new(
            dir,
            None,
            None,
            format!(
                "{} more bad rows were skipped (only the first {LISTED_PROBLEMS} are listed)",
                gathered.unlisted_skipped
            ),
        ));
    }
    if summary.created + summary.updated > 0 {
        marquee_store::content::bump(&mut tx).await?;
    }
    if options.dry_run {
        tx.rollback().await.map_err(marquee_store::Error::from)?;
    } else {
        tx.commit().await.map_err(marquee_store::Error::from)?;
    }
    Ok(Report { summary, rows: gathered.rows, seconds: started.elapsed().as_secs_f64() })
}

/// A catalogue film as messages name it: `tt0113277 (Heat, 1995)`.
fn describe(id: u32, basics: &Basics) -> String {
    match basics.year {
        Some(year) => format!("{} ({}, {year})", title_id(id), basics.title),
        None => format!("{} ({})", title_id(id), basics.title),
    }
}

/// A store error while writing one film or person, naming what was being written.
fn naming<'a>(dir: &'a Path, what: &'a str) -> impl FnOnce(ImportError) -> ImportError + 'a {
    move |error| match error {
        ImportError::Store(e) => {
            ImportError::BadFiles(vec![FileProblem::new(dir, None, None, format!("{what} could not be written: {e}"))])
        }
        other => other,
    }
}

/// Adds a catalogue film with its facts and genres.
async fn add_film(
    conn: &mut Conn,
    id: u32,
    basics: Basics,
    genres: &mut HashMap<String, i64>,
) -> Result<i64, ImportError> {
    let film = CatalogueFilm {
        imdb_id: title_id(id),
        original_title: basics.original_title.filter(|o| *o != basics.title),
        title: basics.title,
        year: basics.year,
        runtime_minutes: basics.runtime,
        genres: basics.genres,
    };
    Ok(facts::add_film(conn, &film, genres).await?)
}

/// The people written so far, by IMDb id, with whether they are in the search index.
type People = HashMap<u32, (i64, bool)>;

/// The store's person for an IMDb id, added when new; `indexed` puts them in the search index
/// (people of films in use).
async fn person_id(
    conn: &mut Conn,
    id: u32,
    name: &str,
    indexed: bool,
    people: &mut People,
    summary: &mut Summary,
) -> Result<i64, ImportError> {
    let (person, in_index) = match people.get(&id) {
        Some(known) => *known,
        None => {
            let (person, created) = facts::person(conn, &name_id(id), name).await?;
            if created {
                summary.created += 1;
            }
            // Not known to be in the search index: a catalogue's people are left out of it.
            (person, false)
        }
    };
    if indexed && !in_index {
        marquee_store::search::index_person(conn, person).await?;
    }
    people.insert(id, (person, in_index || indexed));
    Ok(person)
}

/// Writes what one store film lacks; returns whether it changed.
async fn complete(
    conn: &mut Conn,
    film: &Wanted,
    basics: &Basics,
    names: &HashMap<u32, String>,
    people: &mut People,
    summary: &mut Summary,
) -> Result<bool, ImportError> {
    let target = &film.target;
    let film_facts = Facts {
        imdb_id: target.imdb_id.clone(),
        year: basics.year,
        runtime_minutes: basics.runtime,
        original_title: basics.original_title.clone(),
        genres: basics.genres.clone(),
    };
    let mut changed = facts::fill(conn, target.film_id, &film_facts).await?;
    let cast: Vec<(u32, Option<String>)> = film.cast.iter().map(|(_, p, c)| (*p, c.clone())).collect();
    let directing: Vec<(u32, Option<String>)> = film.directors.iter().map(|p| (*p, None)).collect();
    let writing: Vec<(u32, Option<String>)> = film.writers.iter().map(|p| (*p, None)).collect();
    let mut added = Vec::new();
    for (department, people_of, empty, unknown) in [
        (Department::Directing, &directing, target.empty.directing, target.unidentified.directing),
        (Department::Writing, &writing, target.empty.writing, target.unidentified.writing),
        (Department::Cast, &cast, target.empty.cast, target.unidentified.cast),
    ] {
        let mut seen = HashSet::new();
        for (person, character) in people_of {
            let Some(name) = names.get(person) else { continue };
            if !seen.insert(*person) {
                continue;
            }
            if empty {
                let person_id = person_id(conn, *person, name, true, people, summary).await?;
                added.push(NewCredit { person_id, department: department.clone(), character: character.clone() });
            } else if unknown && facts::identify(conn, target.film_id, &department, &name_id(*person), name).await? {
                changed = true;
            }
        }
    }
    if !added.is_empty() {
        facts::add_credits(conn, target.film_id, &added).await?;
        changed = true;
    }
    if changed {
        marquee_store::search::index_film(conn, target.film_id).await?;
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_their_prefix_and_digits() {
        assert_eq!(number(b"tt0113277", b"tt"), Some(113277));
        assert_eq!(number(b"tt10070612", b"tt"), Some(10070612));
        assert_eq!(number(b"nm0000520", b"nm"), Some(520));
        for bad in [&b"tt"[..], b"nm0000520", b"tt12a4", b"\\N", b"tt1234567890123", b" tt0113277"] {
            assert_eq!(number(bad, b"tt"), None, "{}", String::from_utf8_lossy(bad));
        }
        assert_eq!(title_id(113277), "tt0113277");
        assert_eq!(title_id(10070612), "tt10070612");
    }

    #[test]
    fn characters_come_from_imdbs_json_arrays() {
        assert_eq!(character_of(r#"["Neil McCauley"]"#).as_deref(), Some("Neil McCauley"));
        assert_eq!(character_of(r#"["Self","Host"]"#).as_deref(), Some("Self / Host"));
        assert_eq!(character_of(r#"["Agent \"K\""]"#).as_deref(), Some("Agent \"K\""));
        assert_eq!(character_of(r#"["Broken"#).as_deref(), Some("Broken"));
        assert_eq!(character_of("[]"), None);
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::fuzzing::text_of;
    use proptest::prelude::*;

    const PIECES: &[&str] = &[
        "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\truntimeMinutes\tgenres\n",
        "tt0113277\tmovie\tHeat\tHeat\t0\t1995\t\\N\t170\tCrime,Drama\n",
        "nm0000134",
        "tt",
        "nm",
        "\\N",
        "\t",
        "\n",
        "\r\n",
        "99999999999999999999",
        "tt00000001,tt2",
        "[\"Neil\",\"Vincent\"]",
        "[\"unclosed",
        "\u{feff}",
    ];

    proptest! {
        #[test]
        fn dataset_rows_are_read_or_refused_by_line_never_a_panic(text in text_of(PIECES, 40)) {
            let reader: Box<dyn BufRead + Send> = Box::new(std::io::Cursor::new(text.clone().into_bytes()));
            if let Ok(mut table) = Table::from_reader(PathBuf::from("title.basics.tsv"), reader) {
                let mut rows = 0;
                while let Ok(true) = table.next() {
                    rows += 1;
                    prop_assert!(rows <= text.len() + 1);
                    if table.check_width().is_ok() {
                        for column in 0..table.columns.len() {
                            let _ = (table.text(column), table.whole(column), table.id(column, b"tt"), table.ids(column, b"nm"));
                        }
                    }
                }
            }
            let _ = character_of(&text);
        }
    }
}
