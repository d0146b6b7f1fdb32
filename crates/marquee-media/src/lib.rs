//! Image intake and the media store: checks uploaded or imported bytes by content (format,
//! size, pixel count), re-encodes them (which drops EXIF and GPS metadata, and turns phone
//! photos upright), and writes each image once in several widths, in its own format and in WebP,
//! to storage every server shares: a directory or S3-compatible object storage. Pages then point
//! at those files; nothing is resized per request.
#![forbid(unsafe_code)]

pub mod share_card;
mod storage;
#[cfg(feature = "test-support")]
pub mod testing;

pub use storage::S3Config;

use bytes::Bytes;
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use marquee_core::StoredImage;
use sha2::{Digest, Sha256};
use std::io::Cursor;
use std::path::PathBuf;
use storage::Storage;

#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    #[error("the file is {size} bytes, over the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error(
        "the image is {width}×{height} pixels, over the limit of {limit} pixels (a decompression bomb is refused)"
    )]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("SVG images are not accepted (they can carry script); use PNG, JPEG, GIF or WebP")]
    Svg,
    #[error("the file is not an image Marquee accepts (PNG, JPEG, GIF or WebP)")]
    NotAnImage,
    #[error("the image is corrupt or truncated: {0}")]
    Corrupt(String),
    #[error("media store I/O failed at {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

pub type Result<T, E = MediaError> = std::result::Result<T, E>;

/// What intake accepts.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_pixels: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_bytes: 25 * 1024 * 1024, max_pixels: 40_000_000 }
    }
}

/// The media store. Each image's files sit under `<sha256[0..2]>/<sha256>/`: `<width>.<ext>` per
/// variant, and a `complete` marker written last.
#[derive(Clone)]
pub struct MediaStore {
    storage: Storage,
    limits: Limits,
}

/// An image written to the store.
#[derive(Clone, Debug)]
pub struct Ingested {
    pub image: StoredImage,
    pub byte_size: u64,
}

const COMPLETE: &str = "complete";

impl MediaStore {
    /// A store in a directory (created on first write).
    pub fn new(root: impl Into<PathBuf>) -> MediaStore {
        MediaStore { storage: Storage::Directory(root.into()), limits: Limits::default() }
    }

    /// A store in an S3-compatible bucket.
    pub fn s3(config: &S3Config) -> Result<MediaStore> {
        Ok(MediaStore { storage: Storage::s3(config)?, limits: Limits::default() })
    }

    pub fn with_limits(mut self, limits: Limits) -> MediaStore {
        self.limits = limits;
        self
    }

    /// Where the store is, for messages.
    pub fn describe(&self) -> String {
        self.storage.describe()
    }

    /// Checks and stores an image; the same bytes stored twice are written once.
    pub async fn ingest(&self, bytes: &[u8]) -> Result<Ingested> {
        let (image, format) = self.inspect(bytes)?;
        let marker = format!("{}/{COMPLETE}", prefix(&image.sha256));
        if !self.storage.exists(&marker).await? {
            let (owned, limits, for_encoding) = (bytes.to_vec(), self.limits, image.clone());
            // Decoding and encoding are CPU work: off the async threads.
            let files = tokio::task::spawn_blocking(move || {
                let decoded = decode(&owned, format, limits)?;
                variants(&for_encoding, &decoded)
            })
            .await
            .map_err(|e| MediaError::Corrupt(format!("image processing stopped: {e}")))??;
            for (name, data) in files {
                self.storage.put(&format!("{}/{name}", prefix(&image.sha256)), data).await?;
            }
            self.storage.put(&marker, Vec::new()).await?;
        }
        Ok(Ingested { image, byte_size: bytes.len() as u64 })
    }

    /// Checks an image as `ingest` would (decoding it whole) without writing anything.
    pub fn check(&self, bytes: &[u8]) -> Result<Ingested> {
        let (image, format) = self.inspect(bytes)?;
        decode(bytes, format, self.limits)?;
        Ok(Ingested { image, byte_size: bytes.len() as u64 })
    }

    /// What the bytes are, from their headers alone: format, upright size, content hash.
    fn inspect(&self, bytes: &[u8]) -> Result<(StoredImage, ImageFormat)> {
        let size = bytes.len() as u64;
        if size > self.limits.max_bytes {
            return Err(MediaError::TooLarge { size, limit: self.limits.max_bytes });
        }
        let format = sniff(bytes)?;
        let mut decoder = ImageReader::with_format(Cursor::new(bytes), format)
            .into_decoder()
            .map_err(|e| MediaError::Corrupt(e.to_string()))?;
        let (width, height) = decoder.dimensions();
        if u64::from(width) * u64::from(height) > self.limits.max_pixels {
            return Err(MediaError::TooManyPixels { width, height, limit: self.limits.max_pixels });
        }
        // Phone photos are stored sideways with an EXIF orientation; variants are written upright.
        let (width, height) = match decoder.orientation().unwrap_or(Orientation::NoTransforms) {
            Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH => (height, width),
            _ => (width, height),
        };
        let extension = match format {
            ImageFormat::Jpeg => "jpg",
            _ => "png",
        };
        let image = StoredImage {
            sha256: hex(&Sha256::digest(bytes)),
            extension: extension.to_string(),
            width,
            height,
            widths: StoredImage::widths_for(width),
        };
        Ok((image, format))
    }

    /// The key of a public media URL's parts, if they name a file the store could hold (anything
    /// else, such as `..`, is refused before touching storage), and its content type.
    pub fn key_for(sha256: &str, file_name: &str) -> Option<(String, &'static str)> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return None;
        }
        let (width, extension) = file_name.split_once('.')?;
        if width.is_empty() || width.len() > 5 || !width.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let content_type = match extension {
            "jpg" => "image/jpeg",
            "png" => "image/png",
            "webp" => "image/webp",
            _ => return None,
        };
        Some((format!("{}/{file_name}", prefix(sha256)), content_type))
    }

    /// A variant's bytes and content type, or `None` when the store does not hold it.
    pub async fn read(&self, sha256: &str, file_name: &str) -> Result<Option<(Bytes, &'static str)>> {
        let Some((key, content_type)) = MediaStore::key_for(sha256, file_name) else { return Ok(None) };
        Ok(self.storage.get(&key).await?.map(|bytes| (bytes, content_type)))
    }

    /// Every media file in the store, as `<prefix>/<sha256>/<file>` keys (for backups); anything
    /// else sharing the directory or bucket is left out.
    pub async fn keys(&self) -> Result<Vec<String>> {
        Ok(self.storage.list().await?.into_iter().filter(|key| is_media_key(key)).collect())
    }

    /// The bytes under a key from `keys`.
    pub async fn read_key(&self, key: &str) -> Result<Option<Bytes>> {
        self.storage.get(key).await
    }

    /// Writes a file under a key from a backup, refusing any key outside the store's layout.
    pub async fn restore_key(&self, key: &str, bytes: Vec<u8>) -> Result<bool> {
        let valid = is_media_key(key);
        if valid {
            self.storage.put(key, bytes).await?;
        }
        Ok(valid)
    }
}

/// Whether a key names a file of this store's layout (a variant or a completion marker).
fn is_media_key(key: &str) -> bool {
    match key.split('/').collect::<Vec<_>>().as_slice() {
        [first, sha, file] if sha.starts_with(first) && first.len() == 2 => {
            (*file == COMPLETE && MediaStore::key_for(sha, "1.png").is_some())
                || MediaStore::key_for(sha, file).is_some()
        }
        _ => false,
    }
}

fn prefix(sha256: &str) -> String {
    format!("{}/{sha256}", &sha256[..2])
}

fn decode(bytes: &[u8], format: ImageFormat, limits: Limits) -> Result<DynamicImage> {
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut image_limits = image::Limits::default();
    image_limits.max_alloc = Some(limits.max_pixels * 8);
    reader.limits(image_limits);
    let mut decoder = reader.into_decoder().map_err(|e| MediaError::Corrupt(e.to_string()))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let mut decoded = DynamicImage::from_decoder(decoder).map_err(|e| MediaError::Corrupt(e.to_string()))?;
    decoded.apply_orientation(orientation);
    Ok(decoded)
}

/// Every variant's file name and bytes: each width in the original's format and in WebP.
fn variants(image: &StoredImage, decoded: &DynamicImage) -> Result<Vec<(String, Vec<u8>)>> {
    let mut files = Vec::new();
    for &width in &image.widths {
        let resized = if width == decoded.width() {
            decoded.clone()
        } else {
            decoded.resize_exact(width, image.height_at(width).max(1), FilterType::CatmullRom)
        };
        files.push((format!("{width}.{}", image.extension), encode(&resized, &image.extension)?));
        files.push((format!("{width}.webp"), encode(&resized, "webp")?));
    }
    Ok(files)
}

/// Finds the format from the bytes themselves, never from a file name.
fn sniff(bytes: &[u8]) -> Result<ImageFormat> {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(512)]).to_ascii_lowercase();
    if head.trim_start_matches('\u{feff}').trim_start().starts_with('<') && head.contains("<svg") {
        return Err(MediaError::Svg);
    }
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP)) => Ok(format),
        _ => Err(MediaError::NotAnImage),
    }
}

fn encode(image: &DynamicImage, extension: &str) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let result = match extension {
        "jpg" => image.to_rgb8().write_with_encoder(JpegEncoder::new_with_quality(&mut out, 82)),
        "webp" => {
            if image.color().has_alpha() {
                image.to_rgba8().write_with_encoder(WebPEncoder::new_lossless(&mut out))
            } else {
                image.to_rgb8().write_with_encoder(WebPEncoder::new_lossless(&mut out))
            }
        }
        _ => {
            if image.color().has_alpha() {
                image.to_rgba8().write_with_encoder(PngEncoder::new(&mut out))
            } else {
                image.to_rgb8().write_with_encoder(PngEncoder::new(&mut out))
            }
        }
    };
    result.map_err(|e| MediaError::Corrupt(e.to_string()))?;
    Ok(out)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{ImageBuffer, Rgb};

    fn png(width: u32, height: u32) -> Vec<u8> {
        let img = ImageBuffer::from_fn(width, height, |x, y| Rgb([(x % 256) as u8, (y % 256) as u8, 90]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img).write_to(&mut Cursor::new(&mut out), ImageFormat::Png).unwrap();
        out
    }

    #[tokio::test]
    async fn an_image_is_stored_once_in_every_width_and_in_webp() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path());
        let stored = store.ingest(&png(700, 1050)).await.unwrap().image;
        assert_eq!(stored.widths, vec![320, 640, 700]);
        for w in &stored.widths {
            for ext in ["png", "webp"] {
                let (bytes, content_type) = store.read(&stored.sha256, &format!("{w}.{ext}")).await.unwrap().unwrap();
                assert_eq!(content_type, if ext == "png" { "image/png" } else { "image/webp" });
                let decoded = image::load_from_memory(&bytes).unwrap();
                assert_eq!(decoded.width(), *w, "{w}.{ext}");
            }
        }
        let keys = store.keys().await.unwrap();
        assert_eq!(keys.len(), 7, "six variants and the marker: {keys:?}");
        let again = store.ingest(&png(700, 1050)).await.unwrap().image;
        assert_eq!(again, stored);
    }

    #[tokio::test]
    async fn corrupt_svg_oversized_and_non_images_are_refused_with_reasons() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path()).with_limits(Limits { max_bytes: 200_000, max_pixels: 1_000_000 });
        let mut truncated = png(64, 64);
        truncated.truncate(truncated.len() / 2);
        assert!(matches!(store.ingest(&truncated).await, Err(MediaError::Corrupt(_))));
        let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#;
        assert!(matches!(store.ingest(svg).await, Err(MediaError::Svg)));
        assert!(matches!(store.ingest(b"just some text, not a picture").await, Err(MediaError::NotAnImage)));
        assert!(matches!(store.ingest(&vec![0u8; 300_000]).await, Err(MediaError::TooLarge { .. })));
        assert!(matches!(store.ingest(&png(1200, 1000)).await, Err(MediaError::TooManyPixels { .. })));
    }

    #[tokio::test]
    async fn a_decompression_bomb_is_refused_before_decoding() {
        // A tiny PNG whose header claims 30000×30000 pixels.
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path());
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&30000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&30000u32.to_be_bytes());
        let err = store.ingest(&bomb).await.unwrap_err();
        assert!(matches!(err, MediaError::TooManyPixels { .. } | MediaError::Corrupt(_)), "{err}");
    }

    #[test]
    fn check_refuses_what_ingest_refuses_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path().join("media"));
        let mut truncated = png(64, 64);
        truncated.truncate(truncated.len() - 30);
        assert!(matches!(store.check(&truncated), Err(MediaError::Corrupt(_))));
        assert_eq!(store.check(&png(50, 80)).unwrap().image.width, 50);
        assert!(!dir.path().join("media").exists());
    }

    #[tokio::test]
    async fn media_keys_cannot_name_files_outside_the_store() {
        let sha = "a".repeat(64);
        assert_eq!(MediaStore::key_for(&sha, "640.webp").unwrap().0, format!("aa/{sha}/640.webp"));
        assert!(MediaStore::key_for(&sha, "../../etc/passwd").is_none());
        assert!(MediaStore::key_for("../x", "640.webp").is_none());
        assert!(MediaStore::key_for(&sha, "640.svg").is_none());
        assert!(MediaStore::key_for(&sha, ".webp").is_none());
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::new(dir.path().join("media"));
        assert!(!store.restore_key("../escaped", vec![1]).await.unwrap());
        assert!(!store.restore_key(&format!("aa/{sha}/../../x.png"), vec![1]).await.unwrap());
        assert!(store.restore_key(&format!("aa/{sha}/640.png"), vec![1]).await.unwrap());
        assert!(!dir.path().join("escaped").exists());
    }
}
