//! `marquee export json FILE` and `marquee import json FILE`: everything a site holds in one
//! JSON document (described in docs/export-json.md): every table's rows, by column, and every
//! media file, base64-encoded. Imported into an empty store, it gives the identical site.

use crate::{ImportError, Progress};
use base64::Engine;
use marquee_media::MediaStore;
use marquee_store::dump::{self, Dump};
use marquee_store::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the document says it is, so other files are refused with a clear message.
pub const FORMAT: &str = "marquee-export";
/// This document layout's version (the tables' own columns follow `schema_version`).
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
pub struct Export {
    pub format: String,
    pub version: u32,
    /// RFC 3339.
    pub exported_at: String,
    /// The database schema the rows fit (Marquee's migration number).
    pub schema_version: i64,
    /// Every table, parents before children: its columns and rows.
    pub tables: Vec<dump::TableDump>,
    /// Every media file by its store key (`<sha256 prefix>/<sha256>/<file>`), base64.
    pub media: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub rows: usize,
    pub media_files: usize,
}

fn io(path: &Path, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ImportError {
    ImportError::Io { path: path.to_path_buf(), source: std::io::Error::other(source) }
}

fn media_error(e: marquee_media::MediaError) -> ImportError {
    io(&PathBuf::from("media"), e.to_string())
}

/// Writes everything to `file` (through a temporary file renamed at the end; readable by its
/// owner only, as it holds accounts' e-mail addresses and password hashes).
pub async fn export(
    store: &Store,
    media: &MediaStore,
    file: &Path,
    progress: &dyn Progress,
) -> Result<Report, ImportError> {
    let snapshot = dump::read(store).await?;
    let keys = media.keys().await.map_err(media_error)?;
    progress.start(keys.len() as u64, "media");
    let mut files = BTreeMap::new();
    for key in &keys {
        progress.advance(key);
        if let Some(bytes) = media.read_key(key).await.map_err(media_error)? {
            files.insert(key.clone(), base64::engine::general_purpose::STANDARD.encode(&bytes));
        }
    }
    progress.finish();
    let rows = snapshot.tables.iter().map(|t| t.rows.len()).sum();
    let media_files = files.len();
    let Dump { schema_version, tables } = snapshot;
    let document = Export {
        format: FORMAT.into(),
        version: VERSION,
        exported_at: time::OffsetDateTime::now_utc()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
        schema_version,
        tables,
        media: files,
    };
    let tmp = file.with_extension("partial");
    let written = (|| {
        let out = crate::create_private(&tmp).map_err(|e| io(&tmp, e))?;
        let mut writer = std::io::BufWriter::new(out);
        serde_json::to_writer(&mut writer, &document).map_err(|e| io(&tmp, e))?;
        let out = writer.into_inner().map_err(|e| io(&tmp, e.into_error()))?;
        out.sync_all().map_err(|e| io(&tmp, e))
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    std::fs::rename(&tmp, file).map_err(|e| io(file, e))?;
    Ok(Report { rows, media_files })
}

/// An export's bytes read and checked whole: the document's format and version, the shape of
/// every table, and every media file's encoding (decoded, by key).
/// Media files by their store key, decoded.
type DecodedMedia = Vec<(String, Vec<u8>)>;

fn read_document(file: &Path, bytes: &[u8]) -> Result<(Export, DecodedMedia), ImportError> {
    let document: Export = serde_json::from_slice(bytes)
        .map_err(|e| io(file, format!("not a Marquee JSON export (line {}, column {}): {e}", e.line(), e.column())))?;
    if document.format != FORMAT {
        return Err(io(file, format!("\"format\" is \"{}\", not \"{FORMAT}\"", document.format)));
    }
    if document.version != VERSION {
        return Err(io(
            file,
            format!("export version {} cannot be read by this Marquee (it reads {VERSION})", document.version),
        ));
    }
    dump::check_tables(&document.tables)?;
    let mut decoded = Vec::with_capacity(document.media.len());
    for (key, text) in &document.media {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(text)
            .map_err(|e| io(file, format!("media \"{key}\": not base64: {e}")))?;
        decoded.push((key.clone(), bytes));
    }
    Ok((document, decoded))
}

/// Imports an export into an empty store: checked whole first (format, schema, every media
/// file's key and encoding), then media, then every row in one transaction. A dry run checks
/// and counts, and writes nothing.
pub async fn import(
    store: &Store,
    media: &MediaStore,
    file: &Path,
    dry_run: bool,
    progress: &dyn Progress,
) -> Result<Report, ImportError> {
    let bytes = std::fs::read(file).map_err(|e| io(file, e))?;
    let (document, decoded) = read_document(file, &bytes)?;
    dump::check_target(store, document.schema_version).await?;
    let report = Report { rows: document.tables.iter().map(|t| t.rows.len()).sum(), media_files: document.media.len() };
    if dry_run {
        return Ok(report);
    }
    progress.start(decoded.len() as u64, "media");
    for (key, bytes) in decoded {
        progress.advance(&key);
        if !media.restore_key(&key, bytes).await.map_err(media_error)? {
            return Err(io(file, format!("media \"{key}\" is not a media file's name")));
        }
    }
    progress.finish();
    let snapshot = Dump { schema_version: document.schema_version, tables: document.tables };
    dump::write(store, &snapshot).await?;
    Ok(report)
}

#[cfg(test)]
mod fuzz {
    use super::*;
    use crate::fuzzing::json;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn an_export_document_is_read_or_refused_never_a_panic(value in json(), tables in proptest::collection::vec(json(), 0..4)) {
            let file = Path::new("site.json");
            let shaped = serde_json::json!({
                "format": FORMAT, "version": VERSION, "exported_at": "2026-01-01T00:00:00Z", "schema_version": 9,
                "tables": tables, "media": {"ab/cd/x.png": "not base64!", "../x": "AAAA"},
            });
            for document in [value, shaped] {
                if let Ok((export, media)) = read_document(file, document.to_string().as_bytes()) {
                    prop_assert!(dump::check_tables(&export.tables).is_ok());
                    prop_assert_eq!(media.len(), export.media.len());
                }
            }
        }
    }
}
