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
    let media_files = media.keys().await.map_err(media_error)?;
    let tmp = file.with_extension("partial");
    let result = write_archive(&tmp, &json, media, &media_files, progress).await;
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result?;
    std::fs::rename(&tmp, file).map_err(io(file))?;
    Ok(Report { rows, media_files: media_files.len() })
}

async fn write_archive(
    tmp: &Path,
    json: &[u8],
    media: &MediaStore,
    media_files: &[String],
    progress: &dyn Progress,
) -> Result<(), ImportError> {
    let out = crate::create_private(tmp).map_err(io(tmp))?;
    let mut archive = tar::Builder::new(std::io::BufWriter::new(out));
    let mut header = tar::Header::new_gnu();
    header.set_size(json.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(marquee_store::now() as u64);
    header.set_cksum();
    archive.append_data(&mut header, DATABASE_ENTRY, json).map_err(io(tmp))?;
    progress.start(media_files.len() as u64, "media");
    for key in media_files {
        progress.advance(key);
        // A file listed but gone since (never the case: media is only added) is skipped.
        let Some(bytes) = media.read_key(key).await.map_err(media_error)? else { continue };
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(marquee_store::now() as u64);
        header.set_cksum();
        archive.append_data(&mut header, format!("media/{key}"), bytes.as_ref()).map_err(io(tmp))?;
    }
    progress.finish();
    let writer = archive.into_inner().map_err(io(tmp))?;
    writer.into_inner().map_err(|e| io(tmp)(e.into_error()))?.sync_all().map_err(io(tmp))?;
    Ok(())
}

fn media_error(e: marquee_media::MediaError) -> ImportError {
    ImportError::Io { path: PathBuf::from("media"), source: std::io::Error::other(e.to_string()) }
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
            // Checked before any media is written, so a refused restore leaves the store alone.
            dump::check_target(store, parsed.schema_version).await?;
            snapshot = Some(parsed);
            continue;
        }
        if snapshot.is_none() {
            return Err(ImportError::Io {
                path: file.into(),
                source: std::io::Error::other("not a Marquee backup: the database must come first"),
            });
        }
        let unexpected = || ImportError::Io {
            path: file.into(),
            source: std::io::Error::other(format!("unexpected entry \"{name}\" in the backup")),
        };
        let key = name.strip_prefix("media/").ok_or_else(unexpected)?;
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(io(file))?;
        if !media.restore_key(key, bytes).await.map_err(media_error)? {
            return Err(unexpected());
        }
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
