//! The folder an import may read. Every path a file names (an image beside a review, an upload
//! beside a blog export) is resolved inside it or refused, and a path that leaves it is refused
//! before the file system is asked anything about it: an import cannot publish, or even test for,
//! a file elsewhere on the server.

use std::path::{Component, Path, PathBuf};

/// A folder, and the files inside it.
#[derive(Clone, Debug)]
pub struct Folder {
    /// Absolute, with `.` and `..` worked out as written.
    lexical: PathBuf,
    /// As the file system resolves it (symbolic links followed).
    real: PathBuf,
}

/// Where a path leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// A file inside the folder, by its real path.
    File(PathBuf),
    /// Nothing inside the folder by that name (or a link that leads out of it).
    Missing,
    /// The path, as written, leaves the folder: nothing was looked up.
    Outside,
}

impl Folder {
    pub fn new(path: &Path) -> std::io::Result<Folder> {
        let lexical = lexical(&std::path::absolute(path)?);
        let real = path.canonicalize()?;
        Ok(Folder { lexical, real })
    }

    /// The folder as given (absolute).
    pub fn path(&self) -> &Path {
        &self.lexical
    }

    /// Whether `path` (absolute, or relative to the working directory) names a file inside
    /// the folder.
    pub fn file(&self, path: &Path) -> Lookup {
        let Ok(absolute) = std::path::absolute(path) else { return Lookup::Missing };
        let written = lexical(&absolute);
        if !written.starts_with(&self.lexical) {
            return Lookup::Outside;
        }
        match written.canonicalize() {
            Ok(real) if real.starts_with(&self.real) && real.is_file() => Lookup::File(real),
            _ => Lookup::Missing,
        }
    }

    /// The real path of the file `path` names inside the folder, if there is one.
    pub fn found(&self, path: &Path) -> Option<PathBuf> {
        match self.file(path) {
            Lookup::File(file) => Some(file),
            Lookup::Missing | Lookup::Outside => None,
        }
    }

    /// `path` shown relative to the folder (what a message may say of it), or its last part.
    pub fn shown(&self, path: &Path) -> String {
        let relative = path
            .strip_prefix(&self.lexical)
            .or_else(|_| path.strip_prefix(&self.real))
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| path.file_name().map(PathBuf::from).unwrap_or_default());
        relative.display().to_string()
    }
}

/// `path` with `.` dropped and each `..` taking away the part before it, as written (a `..`
/// above the root stays at the root).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_leave_the_folder_are_refused_without_being_looked_up() {
        let dir = tempfile::tempdir().unwrap();
        let upload = dir.path().join("upload");
        std::fs::create_dir_all(upload.join("site/static")).unwrap();
        std::fs::write(upload.join("site/poster.png"), b"x").unwrap();
        std::fs::write(dir.path().join("secret.png"), b"s").unwrap();
        let folder = Folder::new(&upload).unwrap();
        assert_eq!(
            folder.file(&upload.join("site/static/../poster.png")),
            Lookup::File(upload.canonicalize().unwrap().join("site/poster.png"))
        );
        assert_eq!(folder.file(&upload.join("site/../../secret.png")), Lookup::Outside);
        assert_eq!(folder.file(&upload.join("../upload/../secret.png")), Lookup::Outside);
        assert_eq!(folder.file(Path::new("/etc/passwd")), Lookup::Outside);
        assert_eq!(folder.file(&upload.join("site/missing.png")), Lookup::Missing);
        assert_eq!(folder.file(&upload.join("site")), Lookup::Missing, "a folder is not a file");
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.png"), upload.join("site/link.png")).unwrap();
            assert_eq!(folder.file(&upload.join("site/link.png")), Lookup::Missing, "a link out leads nowhere");
        }
        assert_eq!(folder.shown(&upload.join("site/poster.png")), "site/poster.png");
        assert_eq!(folder.shown(Path::new("/somewhere/else.png")), "else.png");
    }
}
