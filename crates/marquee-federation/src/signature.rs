//! HTTP signatures as the fediverse signs requests (draft-cavage-http-signatures-12):
//! `Signature: keyId="…",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="…"`
//! over the listed headers, with `Digest: SHA-256=…` of the body.

use crate::keys::{PrivateKey, PublicKey};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use sha2::{Digest, Sha256};

/// The headers Marquee signs, in order.
pub const SIGNED_HEADERS: &str = "(request-target) host date digest";

/// A `Signature` header, parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignatureHeader {
    pub key_id: String,
    pub algorithm: Option<String>,
    /// Lower-case header names, `(request-target)` among them; `date` alone when none are named.
    pub headers: Vec<String>,
    pub signature: Vec<u8>,
}

/// Why a request's signature was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the request is not signed (no Signature header)")]
    Missing,
    #[error("the Signature header cannot be read: {0}")]
    Malformed(String),
    #[error("the signature does not cover {0}")]
    Uncovered(&'static str),
    #[error("the algorithm {0} is not supported (rsa-sha256 and hs2019 are)")]
    Algorithm(String),
    #[error("the signed header {0} is missing from the request")]
    MissingHeader(String),
    #[error("the Date header {0}")]
    Date(String),
    #[error("the Digest header does not match the body")]
    Digest,
    #[error("the signature does not verify with the key {0}")]
    Invalid(String),
}

/// Parses a `Signature` header's `name="value"` pairs.
pub fn parse(header: &str) -> Result<SignatureHeader, SignatureError> {
    let mut key_id = None;
    let mut algorithm = None;
    let mut headers = None;
    let mut signature = None;
    let mut rest = header.trim();
    while !rest.is_empty() {
        let (name, after) =
            rest.split_once('=').ok_or_else(|| SignatureError::Malformed(format!("no '=' in {rest:?}")))?;
        let after =
            after.strip_prefix('"').ok_or_else(|| SignatureError::Malformed(format!("{name} is not quoted")))?;
        let end = after.find('"').ok_or_else(|| SignatureError::Malformed(format!("{name} is not closed")))?;
        let value = &after[..end];
        match name.trim() {
            "keyId" => key_id = Some(value.to_string()),
            "algorithm" => algorithm = Some(value.to_string()),
            "headers" => headers = Some(value.split_whitespace().map(str::to_ascii_lowercase).collect::<Vec<_>>()),
            "signature" => {
                signature =
                    Some(BASE64.decode(value).map_err(|e| SignatureError::Malformed(format!("signature: {e}")))?)
            }
            _ => {}
        }
        rest = after[end + 1..].trim_start().trim_start_matches(',').trim_start();
    }
    Ok(SignatureHeader {
        key_id: key_id.ok_or_else(|| SignatureError::Malformed("no keyId".into()))?,
        algorithm,
        headers: headers.unwrap_or_else(|| vec!["date".into()]),
        signature: signature.ok_or_else(|| SignatureError::Malformed("no signature".into()))?,
    })
}

/// The string a signature covers: one `name: value` line per signed header.
/// `header` gives a request header's value by lower-case name.
pub fn signing_string(
    names: &[String],
    method: &str,
    path_and_query: &str,
    header: impl Fn(&str) -> Option<String>,
) -> Result<String, SignatureError> {
    let mut lines = Vec::with_capacity(names.len());
    for name in names {
        let value = if name == "(request-target)" {
            format!("{} {}", method.to_ascii_lowercase(), path_and_query)
        } else {
            header(name).ok_or_else(|| SignatureError::MissingHeader(name.clone()))?
        };
        lines.push(format!("{name}: {value}"));
    }
    Ok(lines.join("\n"))
}

/// `SHA-256=…` of a body, as the `Digest` header carries it.
pub fn digest(body: &[u8]) -> String {
    format!("SHA-256={}", BASE64.encode(Sha256::digest(body)))
}

/// Whether a `Digest` header (one or several `alg=value`, comma-separated) holds the body's
/// SHA-256.
pub fn digest_matches(header: &str, body: &[u8]) -> bool {
    let expected = BASE64.encode(Sha256::digest(body));
    header.split(',').any(|part| {
        part.trim().split_once('=').is_some_and(|(alg, value)| alg.eq_ignore_ascii_case("sha-256") && value == expected)
    })
}

/// The headers that sign a request: `Host`, `Date`, `Digest` (with a body) and `Signature`.
pub fn sign(
    key: &PrivateKey,
    key_id: &str,
    method: &str,
    url: &url::Url,
    body: Option<&[u8]>,
    date: std::time::SystemTime,
) -> Vec<(&'static str, String)> {
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let date = httpdate::fmt_http_date(date);
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    let mut headers = vec![("host", host), ("date", date)];
    let names: &str = match body {
        Some(body) => {
            headers.push(("digest", digest(body)));
            SIGNED_HEADERS
        }
        None => "(request-target) host date",
    };
    let list: Vec<String> = names.split(' ').map(str::to_string).collect();
    let text =
        signing_string(&list, method, &path, |name| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()))
            .expect("every signed header is set above");
    let signature = BASE64.encode(key.sign(text.as_bytes()));
    headers.push((
        "signature",
        format!("keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{names}\",signature=\"{signature}\""),
    ));
    headers
}

/// How far a request's `Date` may be from now: twelve hours old, one hour ahead (as Mastodon).
pub const DATE_PAST: i64 = 12 * 3600;
pub const DATE_FUTURE: i64 = 3600;

/// Checks what a signature must cover and when it was made, before any key is fetched: the
/// request target, the host, a date within the window and, for a body, its digest.
pub fn check_coverage(
    signature: &SignatureHeader,
    date: Option<&str>,
    digest: Option<&str>,
    body: Option<&[u8]>,
    now: i64,
) -> Result<(), SignatureError> {
    if let Some(algorithm) = &signature.algorithm {
        if !matches!(algorithm.to_ascii_lowercase().as_str(), "rsa-sha256" | "hs2019") {
            return Err(SignatureError::Algorithm(algorithm.clone()));
        }
    }
    for (name, what) in [("(request-target)", "(request-target)"), ("host", "host"), ("date", "date")] {
        if !signature.headers.iter().any(|h| h == name) {
            return Err(SignatureError::Uncovered(what));
        }
    }
    let date = date.ok_or_else(|| SignatureError::MissingHeader("date".into()))?;
    let at =
        httpdate::parse_http_date(date).map_err(|_| SignatureError::Date(format!("{date:?} is not an HTTP date")))?;
    let at = at.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
    if at < now - DATE_PAST || at > now + DATE_FUTURE {
        return Err(SignatureError::Date(format!("{date:?} is too far from now")));
    }
    if let Some(body) = body {
        if !signature.headers.iter().any(|h| h == "digest") {
            return Err(SignatureError::Uncovered("digest"));
        }
        let digest = digest.ok_or_else(|| SignatureError::MissingHeader("digest".into()))?;
        if !digest_matches(digest, body) {
            return Err(SignatureError::Digest);
        }
    }
    Ok(())
}

/// Whether `signature` verifies `text` with `key`.
pub fn verify(key: &PublicKey, signature: &SignatureHeader, text: &str) -> bool {
    key.verify(text.as_bytes(), &signature.signature)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_mastodon_signature_header_is_read() {
        let header = r#"keyId="https://mastodon.example/users/ana#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest content-type",signature="AAEC""#;
        let parsed = parse(header).unwrap();
        assert_eq!(parsed.key_id, "https://mastodon.example/users/ana#main-key");
        assert_eq!(parsed.headers, ["(request-target)", "host", "date", "digest", "content-type"]);
        assert_eq!(parsed.signature, vec![0, 1, 2]);
        assert!(matches!(parse("keyId=x"), Err(SignatureError::Malformed(_))));
        assert!(matches!(parse(r#"keyId="x""#), Err(SignatureError::Malformed(_))));
    }

    #[test]
    fn a_digest_is_checked_against_the_body() {
        let body = b"{\"type\":\"Follow\"}";
        assert!(digest_matches(&digest(body), body));
        assert!(digest_matches(&format!("MD5=abc, {}", digest(body)), body));
        assert!(!digest_matches(&digest(b"other"), body));
    }

    #[test]
    fn a_signature_made_here_verifies_and_a_changed_request_does_not() {
        let (public, private) = crate::keys::generate().unwrap();
        let key = PrivateKey::from_pem(&private).unwrap();
        let url = url::Url::parse("http://127.0.0.1:9000/ap/inbox").unwrap();
        let body = br#"{"type":"Like"}"#;
        let headers =
            sign(&key, "http://a.example/ap/site#main-key", "POST", &url, Some(body), std::time::SystemTime::now());
        let get = |name: &str| headers.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        let parsed = parse(&get("signature").unwrap()).unwrap();
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        check_coverage(&parsed, get("date").as_deref(), get("digest").as_deref(), Some(body), now).unwrap();
        let public = PublicKey::from_pem(&public).unwrap();
        let text = signing_string(&parsed.headers, "POST", "/ap/inbox", get).unwrap();
        assert!(verify(&public, &parsed, &text));
        let moved = signing_string(&parsed.headers, "POST", "/ap/users/1/inbox", get).unwrap();
        assert!(!verify(&public, &parsed, &moved));
        assert_eq!(
            check_coverage(&parsed, get("date").as_deref(), get("digest").as_deref(), Some(b"{}"), now),
            Err(SignatureError::Digest)
        );
        assert!(matches!(
            check_coverage(&parsed, get("date").as_deref(), get("digest").as_deref(), Some(body), now + DATE_PAST + 60),
            Err(SignatureError::Date(_))
        ));
    }

    proptest! {
        #[test]
        fn any_header_is_read_or_refused_without_panicking(header in ".{0,300}") {
            let _ = parse(&header);
        }

        #[test]
        fn pairs_in_any_order_are_read(key in "[a-z:/.#-]{1,40}", sig in proptest::collection::vec(any::<u8>(), 1..64), swap in any::<bool>()) {
            let encoded = BASE64.encode(&sig);
            let header = if swap {
                format!("signature=\"{encoded}\", keyId=\"{key}\"")
            } else {
                format!("keyId=\"{key}\",signature=\"{encoded}\"")
            };
            let parsed = parse(&header).unwrap();
            prop_assert_eq!(parsed.key_id, key);
            prop_assert_eq!(parsed.signature, sig);
            prop_assert_eq!(parsed.headers, vec!["date".to_string()]);
        }
    }
}
