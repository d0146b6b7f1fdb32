//! Compression for what the server sends again and again: each cached page and each
//! fingerprinted asset is compressed once (gzip and brotli, on first request for each) and the
//! compressed bytes are kept beside the original, so compression never costs a request twice.

use bytes::Bytes;
use std::io::Write;

/// What a response body is sent as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The best encoding a request's `Accept-Encoding` allows: brotli, then gzip, then none.
    /// A coding listed with `q=0` is refused.
    pub fn negotiate(accept: Option<&str>) -> Encoding {
        let Some(accept) = accept else { return Encoding::Identity };
        let accepted = |name: &str| {
            accept.split(',').any(|part| {
                let mut pieces = part.split(';');
                let coding = pieces.next().unwrap_or("").trim();
                let refused = pieces.any(|p| {
                    let p = p.trim();
                    p.strip_prefix("q=").and_then(|q| q.parse::<f32>().ok()).is_some_and(|q| q <= 0.0)
                });
                (coding.eq_ignore_ascii_case(name) || coding == "*") && !refused
            })
        };
        if accepted("br") {
            Encoding::Brotli
        } else if accepted("gzip") {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }

    pub fn header(self) -> Option<&'static str> {
        match self {
            Encoding::Identity => None,
            Encoding::Gzip => Some("gzip"),
            Encoding::Brotli => Some("br"),
        }
    }

    /// The ETag suffix that keeps each representation's tag distinct.
    pub fn etag_suffix(self) -> &'static str {
        match self {
            Encoding::Identity => "",
            Encoding::Gzip => "-gz",
            Encoding::Brotli => "-br",
        }
    }

    pub fn compress(self, body: &[u8]) -> Bytes {
        match self {
            Encoding::Identity => Bytes::copy_from_slice(body),
            Encoding::Gzip => {
                let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
                encoder.write_all(body).expect("writing to memory cannot fail");
                Bytes::from(encoder.finish().expect("writing to memory cannot fail"))
            }
            Encoding::Brotli => {
                let mut out = Vec::new();
                {
                    // Quality 6: most of brotli's gain over gzip at a few milliseconds per page.
                    let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 6, 22);
                    writer.write_all(body).expect("writing to memory cannot fail");
                }
                Bytes::from(out)
            }
        }
    }
}

/// A body with its compressed forms, made when first asked for.
#[derive(Debug, Default)]
pub struct Compressed {
    gzip: std::sync::OnceLock<Bytes>,
    brotli: std::sync::OnceLock<Bytes>,
}

impl Compressed {
    pub const fn new() -> Compressed {
        Compressed { gzip: std::sync::OnceLock::new(), brotli: std::sync::OnceLock::new() }
    }

    pub fn get(&self, body: &Bytes, encoding: Encoding) -> Bytes {
        match encoding {
            Encoding::Identity => body.clone(),
            Encoding::Gzip => self.gzip.get_or_init(|| Encoding::Gzip.compress(body)).clone(),
            Encoding::Brotli => self.brotli.get_or_init(|| Encoding::Brotli.compress(body)).clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_best_accepted_encoding_is_chosen() {
        assert_eq!(Encoding::negotiate(None), Encoding::Identity);
        assert_eq!(Encoding::negotiate(Some("gzip, deflate, br")), Encoding::Brotli);
        assert_eq!(Encoding::negotiate(Some("gzip")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(Some("br;q=0, gzip;q=0.8")), Encoding::Gzip);
        assert_eq!(Encoding::negotiate(Some("identity")), Encoding::Identity);
        assert_eq!(Encoding::negotiate(Some("*")), Encoding::Brotli);
    }

    #[test]
    fn compressed_bodies_decompress_to_the_original() {
        let body = Bytes::from("<p>Marquee</p>".repeat(500));
        let gz = Encoding::Gzip.compress(&body);
        let mut out = String::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut out).unwrap();
        assert_eq!(out.as_bytes(), &body[..]);
        let br = Encoding::Brotli.compress(&body);
        let mut out = Vec::new();
        brotli::Decompressor::new(&br[..], 4096).read_to_end(&mut out).unwrap();
        assert_eq!(out, &body[..]);
        assert!(br.len() < body.len() / 10 && gz.len() < body.len() / 10);
    }
}
