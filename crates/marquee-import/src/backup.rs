//! `marquee backup FILE` and `marquee restore FILE`: the whole store (one consistent snapshot of
//! the database, on either backend) and its media, in one tar file.

use crate::{ImportError, Progress};
use marquee_media::MediaStore;
use marquee_store::{dump, Store};
use std::io::Read;
use std::path::{Path, PathBuf};

const DATABASE_ENTRY: &str = "marquee-backup.json";

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub rows: usize,
    pub media_files: usize,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ImportError + '_ {
    move |source| ImportError::Io { path: path.to_path_buf(), source }
}

/// Writes the backup to `file` (through a temporary file, renamed at the end, so a failed
/// backup never leaves a half-written file under the final name).
pub async fn backup(
    store: &Store,
    media: &MediaStore,
    file: &Path,
    progress: &dyn Progress,
) -> Result<Report, ImportError> {
    // The database first: media files are only ever added, and each is written before the row
    // that points at it, so every file the snapshot needs is on disk by the time media is copied.
    let snapshot = dump::read(store).await?;
    let json = serde_json::to_vec(&snapshot).map_err(|e| ImportError::Io { path: file.into(), source: e.into() })?;
    let rows = snapshot.tables.iter().map(|t| t.rows.len()).sum();
    let media_files = media_files(media.root());
    let tmp = file.with_extension("partial");
    let out = std::fs::File::create(&tmp).map_err(io(&tmp))?;
    let mut archive = tar::Builder::new(std::io::BufWriter::new(out));
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(marquee_store::now() as u64);
    header.set_cksum();
    archive.append_data(&mut header, DATABASE_ENTRY, json.as_slice()).map_err(io(&tmp))?;
    progress.start(media_files.len() as u64, "media");
    for path in &media_files {
        let relative = path.strip_prefix(media.root()).expect("listed under the media root");
        progress.advance(&relative.display().to_string());
        archive.append_path_with_name(path, Path::new("media").join(relative)).map_err(io(path))?;
    }
    progress.finish();
    let writer = archive.into_inner().map_err(io(&tmp))?;
    writer.into_inner().map_err(|e| io(&tmp)(e.into_error()))?.sync_all().map_err(io(&tmp))?;
    std::fs::rename(&tmp, file).map_err(io(file))?;
    Ok(Report { rows, media_files: media_files.len() })
}

fn media_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && !e.file_name().to_string_lossy().contains(".tmp"))
        .map(|e| e.into_path())
        .collect();
    files.sort();
    files
}

/// Restores a backup into an empty store: media files first (each checked to be a media path,
/// so an archive cannot write elsewhere), then every row in one transaction.
pub async fn restore(
    store: &Store,
    media: &MediaStore,
    file: &Path,
    progress: &dyn Progress,
) -> Result<Report, ImportError> {
    let input = std::fs::File::open(file).map_err(io(file))?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(input));
    let mut snapshot = None;
    let mut media_files = 0;
    progress.start(0, "restoring");
    for entry in archive.entries().map_err(io(file))? {
        let mut entry = entry.map_err(io(file))?;
        let name = entry.path().map_err(io(file))?.to_string_lossy().to_string();
        if name == DATABASE_ENTRY {
            let mut json = Vec::new();
            entry.read_to_end(&mut json).map_err(io(file))?;
            let parsed: dump::Dump = serde_json::from_slice(&json)
                .map_err(|e| ImportError::Io { path: file.into(), source: std::io::Error::other(e) })?;
            snapshot = Some(parsed);
            continue;
        }
        let parts: Vec<&str> = name.split('/').collect();
        let target = match parts.as_slice() {
            ["media", prefix, sha, file_name] if sha.starts_with(prefix) => media.file_for(sha, file_name),
            _ => None,
        };
        let Some((target, _)) = target else {
            return Err(ImportError::Io {
                path: file.into(),
                source: std::io::Error::other(format!("unexpected entry \"{name}\" in the backup")),
            });
        };
        std::fs::create_dir_all(target.parent().expect("media files sit in a folder")).map_err(io(&target))?;
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(io(file))?;
        std::fs::write(&target, bytes).map_err(io(&target))?;
        media_files += 1;
        progress.advance(&name);
    }
    progress.finish();
    let snapshot = snapshot.ok_or_else(|| ImportError::Io {
        path: file.into(),
        source: std::io::Error::other("not a Marquee backup: it holds no database"),
    })?;
    dump::write(store, &snapshot).await?;
    let rows = snapshot.tables.iter().map(|t| t.rows.len()).sum();
    Ok(Report { rows, media_files })
}
