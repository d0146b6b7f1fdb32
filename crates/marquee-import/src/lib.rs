//! Importers and exporters, one module per format, all writing through marquee-store. Each
//! import validates everything first, then writes in one transaction: it completes or leaves
//! the store as it was.
#![forbid(unsafe_code)]

pub mod backup;
pub mod confine;
pub mod frontmatter;
pub mod ghost;
pub mod imdb;
pub mod json;
pub mod letterboxd;
pub mod letterboxd_export;
pub mod markdown;
pub mod markdown_export;
pub mod posts;
pub mod wordpress;

use std::fmt;
use std::path::PathBuf;

/// A problem tied to a file: where it is and what is wrong.
#[derive(Clone, Debug, PartialEq)]
pub struct FileProblem {
    pub file: PathBuf,
    pub problem: frontmatter::Problem,
}

impl FileProblem {
    /// A problem at `line` (and `field`) of `file`.
    pub fn new(file: &std::path::Path, line: Option<usize>, field: Option<&str>, message: String) -> FileProblem {
        FileProblem {
            file: file.to_path_buf(),
            problem: frontmatter::Problem { line, field: field.map(String::from), message },
        }
    }
}

/// `path` without `base` in front (and as it was when `base` is not in front), so that messages
/// shown to a member do not reveal where the server keeps an upload.
fn relative(path: PathBuf, base: &std::path::Path) -> PathBuf {
    let real = base.canonicalize().unwrap_or_else(|_| base.to_path_buf());
    match path.strip_prefix(base).or_else(|_| path.strip_prefix(&real)) {
        Ok(rest) => rest.to_path_buf(),
        Err(_) => path,
    }
}

impl FileProblem {
    /// The problem with its file named relative to `base`.
    pub fn relative_to(self, base: &std::path::Path) -> FileProblem {
        FileProblem { file: relative(self.file, base), problem: self.problem }
    }
}

impl fmt::Display for FileProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.problem.line {
            write!(f, ":{line}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.problem.field {
            write!(f, "{field}: ")?;
        }
        f.write_str(&self.problem.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{} file(s) could not be imported; nothing was changed:\n{}", .0.len(), list(.0))]
    BadFiles(Vec<FileProblem>),
    #[error("cannot read {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error(transparent)]
    Store(#[from] marquee_store::Error),
}

impl ImportError {
    /// The error with every file named relative to `base` (an upload's folder).
    pub fn relative_to(self, base: &std::path::Path) -> ImportError {
        match self {
            ImportError::BadFiles(problems) => {
                ImportError::BadFiles(problems.into_iter().map(|p| p.relative_to(base)).collect())
            }
            ImportError::Io { path, source } => ImportError::Io { path: relative(path, base), source },
            other => other,
        }
    }
}

impl Summary {
    /// The summary with every file named relative to `base` (an upload's folder).
    pub fn relative_to(self, base: &std::path::Path) -> Summary {
        let relative = |problems: Vec<FileProblem>| problems.into_iter().map(|p| p.relative_to(base)).collect();
        Summary { warnings: relative(self.warnings), skipped: relative(self.skipped), ..self }
    }
}

fn list(problems: &[FileProblem]) -> String {
    problems.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
}

/// What an import did (or, in a dry run, would do).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub warnings: Vec<FileProblem>,
    /// Rows left out (with `--skip-bad`), each with where it is and why.
    pub skipped: Vec<FileProblem>,
    /// How each post of a blog export is taken (review, article or page), in its order.
    pub taken: Vec<String>,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} created, {} updated, {} unchanged, {} skipped, {} warning(s)",
            self.created,
            self.updated,
            self.unchanged,
            self.skipped.len(),
            self.warnings.len()
        )
    }
}

/// Creates (or truncates) a file readable by its owner only: backups and exports hold accounts'
/// e-mail addresses and password hashes.
pub(crate) fn create_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Where long work reports how far it has got (a terminal bar, log lines, the admin).
/// A `total` of 0 means the amount of work is not known ahead (rows of a stream).
pub trait Progress: Send + Sync {
    fn start(&self, total: u64, what: &str);
    fn advance(&self, item: &str);
    /// Many items done at once (rows of a stream, reported in batches).
    fn advance_by(&self, count: u64, item: &str) {
        for _ in 0..count {
            self.advance(item);
        }
    }
    fn finish(&self);
}

/// Progress that goes nowhere (tests, library use).
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _total: u64, _what: &str) {}
    fn advance(&self, _item: &str) {}
    fn advance_by(&self, _count: u64, _item: &str) {}
    fn finish(&self) {}
}

/// The most an uploaded archive may unpack to: far above a site's history, far below a ZIP bomb's.
pub const MAX_UNPACKED: u64 = 2 * 1024 * 1024 * 1024;

/// Unpacks a ZIP archive into `into`, refusing members that would land outside it and stopping
/// once `MAX_UNPACKED` bytes are written (a ZIP bomb). Returns the bytes written.
pub fn unpack_zip(archive: &std::path::Path, into: &std::path::Path) -> Result<u64, ImportError> {
    unpack_zip_within(archive, into, MAX_UNPACKED)
}

fn unpack_zip_within(archive: &std::path::Path, into: &std::path::Path, limit: u64) -> Result<u64, ImportError> {
    use std::io::Read as _;
    let io = |source| ImportError::Io { path: archive.to_path_buf(), source };
    let bad = |message: String| ImportError::BadFiles(vec![FileProblem::new(archive, None, None, message)]);
    let file = std::fs::File::open(archive).map_err(io)?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| bad(format!("not a ZIP archive: {e}")))?;
    let mut written = 0u64;
    for i in 0..zip.len() {
        let member = zip.by_index(i).map_err(|e| bad(format!("member {i} cannot be read: {e}")))?;
        let Some(relative) = member.enclosed_name() else {
            return Err(bad(format!("\"{}\" would be written outside the archive's folder", member.name())));
        };
        let target = into.join(relative);
        if member.is_dir() {
            std::fs::create_dir_all(&target).map_err(io)?;
            continue;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let mut out = std::fs::File::create(&target).map_err(io)?;
        let room = limit - written;
        let copied = std::io::copy(&mut member.take(room + 1), &mut out).map_err(io)?;
        written += copied;
        if written > limit {
            return Err(bad(format!("unpacks to more than {} MB", limit / (1024 * 1024))));
        }
    }
    Ok(written)
}

/// Inputs for the property tests of each importer's parsers: the format's own pieces, broken
/// ones and arbitrary text, shuffled together. `PROPTEST_CASES` sets how many are tried.
#[cfg(test)]
pub(crate) mod fuzzing {
    use proptest::prelude::*;

    /// Text made of up to `most` pieces: the given fragments, arbitrary strings, and runs of the
    /// characters formats are built from.
    pub fn text_of(fragments: &'static [&'static str], most: usize) -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            4 => proptest::sample::select(fragments).prop_map(str::to_string),
            1 => any::<String>(),
            2 => "[<>\"'=&:;,/\\ a-zA-Z0-9\\-\\[\\]{}()!#*\n\r\t]{0,30}",
        ];
        proptest::collection::vec(piece, 0..most).prop_map(|pieces| pieces.concat())
    }

    /// Arbitrary JSON values, nested a few levels.
    pub fn json() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::from),
            ".{0,20}".prop_map(Value::String),
            proptest::sample::select(&["post", "page", "published", "draft", "paragraph", "text", "image"][..])
                .prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::btree_map(
                    proptest::sample::select(
                        &[
                            "db",
                            "data",
                            "posts",
                            "users",
                            "tags",
                            "posts_tags",
                            "posts_authors",
                            "posts_meta",
                            "id",
                            "post_id",
                            "tag_id",
                            "author_id",
                            "title",
                            "slug",
                            "html",
                            "lexical",
                            "mobiledoc",
                            "markdown",
                            "type",
                            "status",
                            "root",
                            "children",
                            "text",
                            "format",
                            "src",
                            "cards",
                            "sections",
                            "markups",
                            "atoms",
                            "published_at",
                            "feature_image",
                            "name",
                            "visibility",
                        ][..]
                    )
                    .prop_map(String::from),
                    inner,
                    0..6
                )
                .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn archive(dir: &std::path::Path, members: &[(&str, Vec<u8>)]) -> std::path::PathBuf {
        let path = dir.join("upload.zip");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        for (name, bytes) in members {
            zip.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
        path
    }

    #[test]
    fn an_archive_unpacks_inside_its_folder_and_within_its_limit() {
        let dir = tempfile::tempdir().unwrap();
        let good = archive(dir.path(), &[("site/a.md", b"a".to_vec()), ("site/img/b.png", b"bb".to_vec())]);
        let into = dir.path().join("out");
        assert_eq!(unpack_zip(&good, &into).unwrap(), 3);
        assert_eq!(std::fs::read(into.join("site/img/b.png")).unwrap(), b"bb");

        let climbing = archive(dir.path(), &[("../../x.md", b"x".to_vec())]);
        let error = unpack_zip(&climbing, &dir.path().join("out2")).unwrap_err().to_string();
        assert!(error.contains("\"../../x.md\" would be written outside the archive's folder"), "{error}");
        assert!(!dir.path().join("x.md").exists());

        // A bomb: a few kilobytes that would unpack to far more than allowed.
        let bomb = archive(dir.path(), &[("zeros.bin", vec![0; 3 * 1024 * 1024])]);
        assert!(std::fs::metadata(&bomb).unwrap().len() < 64 * 1024);
        let error = unpack_zip_within(&bomb, &dir.path().join("out3"), 1024 * 1024).unwrap_err().to_string();
        assert!(error.contains("unpacks to more than 1 MB"), "{error}");
        let written = std::fs::metadata(dir.path().join("out3/zeros.bin")).unwrap().len();
        assert!(written <= 1024 * 1024 + 1, "stopped at the limit: {written}");

        let error = unpack_zip(&dir.path().join("out/site/a.md"), &dir.path().join("out4")).unwrap_err().to_string();
        assert!(error.contains("not a ZIP archive"), "{error}");
    }
}
