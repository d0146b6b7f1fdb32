//! Importers and exporters, one module per format, all writing through marquee-store. Each
//! import validates everything first, then writes in one transaction: it completes or leaves
//! the store as it was.
#![forbid(unsafe_code)]

pub mod backup;
pub mod frontmatter;
pub mod ghost;
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
pub trait Progress: Send + Sync {
    fn start(&self, total: u64, what: &str);
    fn advance(&self, item: &str);
    fn finish(&self);
}

/// Progress that goes nowhere (tests, library use).
pub struct Silent;

impl Progress for Silent {
    fn start(&self, _total: u64, _what: &str) {}
    fn advance(&self, _item: &str) {}
    fn finish(&self) {}
}
