//! The files built into the binary (stylesheets, scripts, the icon) and the fingerprinted URLs
//! pages link to them by; `routes::assets` serves them.

use crate::compress::Compressed;
use sha2::{Digest, Sha256};
use std::sync::OnceLock;

const STYLESHEET: &str = include_str!("../static/site.css");
const ADMIN_STYLESHEET: &str = include_str!("../static/admin.css");
const ADMIN_SCRIPT: &str = include_str!("../static/admin.js");
const SITE_SCRIPT: &str = include_str!("../static/site.js");
pub const ICON: &str = include_str!("../static/icon.svg");
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A file whose URL carries a hash of its content, so it can be cached for a year.
pub struct Fingerprinted {
    stem: &'static str,
    extension: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
    url: OnceLock<String>,
    pub compressed: Compressed,
}

impl Fingerprinted {
    const fn new(stem: &'static str, extension: &'static str, content_type: &'static str, body: &'static str) -> Self {
        Fingerprinted { stem, extension, content_type, body, url: OnceLock::new(), compressed: Compressed::new() }
    }

    pub fn url(&self) -> &str {
        self.url.get_or_init(|| {
            let digest = Sha256::digest(self.body.as_bytes());
            let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
            format!("/static/{}.{hex}.{}", self.stem, self.extension)
        })
    }
}

pub static FINGERPRINTED: [Fingerprinted; 4] = [
    Fingerprinted::new("site", "css", "text/css; charset=utf-8", STYLESHEET),
    Fingerprinted::new("admin", "css", "text/css; charset=utf-8", ADMIN_STYLESHEET),
    Fingerprinted::new("admin", "js", "text/javascript; charset=utf-8", ADMIN_SCRIPT),
    Fingerprinted::new("site", "js", "text/javascript; charset=utf-8", SITE_SCRIPT),
];

/// `/static/site.<hash>.css`: the URL changes whenever the stylesheet does.
pub fn stylesheet_url() -> &'static str {
    FINGERPRINTED[0].url()
}

/// The admin's own stylesheet and script (a file: the CSP allows no inline script).
pub fn admin_stylesheet_url() -> &'static str {
    FINGERPRINTED[1].url()
}

pub fn admin_script_url() -> &'static str {
    FINGERPRINTED[2].url()
}

/// The public site's one script: search suggestions as the reader types (pages work without it).
pub fn site_script_url() -> &'static str {
    FINGERPRINTED[3].url()
}
