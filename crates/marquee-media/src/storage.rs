//! Where media bytes live: a directory (local, or shared by several servers over a network file
//! system) or S3-compatible object storage. Keys are `<sha256[0..2]>/<sha256>/<file>`.

use crate::{MediaError, Result};
use bytes::Bytes;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};
use std::path::PathBuf;
use std::sync::Arc;

/// Settings for S3-compatible object storage.
#[derive(Clone, Debug, Default)]
pub struct S3Config {
    pub bucket: String,
    /// The service's URL, e.g. `http://127.0.0.1:9000` for a local server; default AWS.
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Allow a plain-http endpoint (a server on the same private network).
    pub allow_http: bool,
}

#[derive(Clone)]
pub(crate) enum Storage {
    Directory(PathBuf),
    Object { store: Arc<dyn ObjectStore>, description: String },
}

fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> MediaError {
    let path = path.into();
    move |source| MediaError::Io { path, source }
}

fn object_error(key: &str) -> impl FnOnce(object_store::Error) -> MediaError + '_ {
    move |e| MediaError::Io { path: PathBuf::from(key), source: std::io::Error::other(e.to_string()) }
}

impl Storage {
    pub(crate) fn s3(config: &S3Config) -> Result<Storage> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&config.bucket)
            .with_region(&config.region)
            .with_access_key_id(&config.access_key_id)
            .with_secret_access_key(&config.secret_access_key)
            .with_allow_http(config.allow_http);
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint).with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(|e| MediaError::Io {
            path: PathBuf::from(format!("s3://{}", config.bucket)),
            source: std::io::Error::other(e.to_string()),
        })?;
        let description = match &config.endpoint {
            Some(endpoint) => format!("s3://{} at {endpoint}", config.bucket),
            None => format!("s3://{}", config.bucket),
        };
        Ok(Storage::Object { store: Arc::new(store), description })
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Storage::Directory(root) => root.display().to_string(),
            Storage::Object { description, .. } => description.clone(),
        }
    }

    pub(crate) async fn exists(&self, key: &str) -> Result<bool> {
        match self {
            Storage::Directory(root) => Ok(tokio::fs::try_exists(root.join(key)).await.map_err(io(root.join(key)))?),
            Storage::Object { store, .. } => match store.head(&ObjectPath::from(key)).await {
                Ok(_) => Ok(true),
                Err(object_store::Error::NotFound { .. }) => Ok(false),
                Err(e) => Err(object_error(key)(e)),
            },
        }
    }

    /// Writes whole (a directory write goes through a temporary file and a rename), so a reader
    /// never sees half a file.
    pub(crate) async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<()> {
        match self {
            Storage::Directory(root) => {
                let path = root.join(key);
                let dir = path.parent().expect("keys have folders").to_path_buf();
                tokio::fs::create_dir_all(&dir).await.map_err(io(&dir))?;
                // Unique per write, even across hosts sharing the directory with the same pid.
                static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
                let nanos = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.subsec_nanos())
                    .unwrap_or_default();
                let n = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let tmp = path.with_extension(format!("tmp{}-{n}-{nanos}", std::process::id()));
                tokio::fs::write(&tmp, bytes).await.map_err(io(&tmp))?;
                tokio::fs::rename(&tmp, &path).await.map_err(io(&path))
            }
            Storage::Object { store, .. } => {
                store.put(&ObjectPath::from(key), PutPayload::from(bytes)).await.map_err(object_error(key))?;
                Ok(())
            }
        }
    }

    pub(crate) async fn get(&self, key: &str) -> Result<Option<Bytes>> {
        match self {
            Storage::Directory(root) => match tokio::fs::read(root.join(key)).await {
                Ok(bytes) => Ok(Some(Bytes::from(bytes))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(io(root.join(key))(e)),
            },
            Storage::Object { store, .. } => match store.get(&ObjectPath::from(key)).await {
                Ok(result) => Ok(Some(result.bytes().await.map_err(object_error(key))?)),
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(object_error(key)(e)),
            },
        }
    }

    /// Every key, sorted.
    pub(crate) async fn list(&self) -> Result<Vec<String>> {
        let mut keys = match self {
            Storage::Directory(root) => {
                let root = root.clone();
                tokio::task::spawn_blocking(move || list_directory(&root))
                    .await
                    .map_err(|e| MediaError::Io { path: PathBuf::new(), source: std::io::Error::other(e) })??
            }
            Storage::Object { store, .. } => {
                use futures_util::TryStreamExt;
                let objects: Vec<_> = store.list(None).try_collect().await.map_err(object_error(""))?;
                objects.into_iter().map(|o| o.location.to_string()).collect()
            }
        };
        keys.sort();
        Ok(keys)
    }
}

fn list_directory(root: &std::path::Path) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(io(&dir)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io(&dir))?;
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if !entry.file_name().to_string_lossy().contains(".tmp") {
                let key = path.strip_prefix(root).expect("under the root").to_string_lossy().replace('\\', "/");
                keys.push(key);
            }
        }
    }
    Ok(keys)
}
