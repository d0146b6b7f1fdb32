//! A real server on a real store for admin tests, and a small browser that keeps cookies and
//! CSRF tokens the way a person's browser would.
#![allow(dead_code)]

use marquee_core::Role;
use marquee_media::MediaStore;
use marquee_store::accounts;
use marquee_web::{AppState, WebConfig};
use std::sync::Arc;

pub const PASSWORD: &str = "correct horse battery staple";

pub struct Site {
    pub base: String,
    pub state: Arc<AppState>,
    pub test: marquee_store::testing::TestStore,
}

/// A site with an owner, an editor and two writers (all with `PASSWORD`).
pub async fn site() -> Site {
    site_at(None).await
}

pub async fn site_at(base_url: Option<&str>) -> Site {
    let base_url = base_url.map(str::to_string);
    site_with(move |config| {
        if let Some(url) = base_url {
            config.base_url = url;
        }
    })
    .await
}

/// A site whose configuration `configure` changes first (its base URL is the server's address).
pub async fn site_with(configure: impl FnOnce(&mut WebConfig)) -> Site {
    let test = marquee_store::testing::fresh().await;
    let media = MediaStore::new(test.dir.path().join("media"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut config = WebConfig::new(base.clone());
    configure(&mut config);
    let state = AppState::new(test.store.clone(), media, config).await.unwrap();
    tokio::spawn(marquee_web::serve(listener, state.clone(), std::future::pending()));
    let site = Site { base, state, test };
    for (email, name, role) in [
        ("owner@example.com", "Olive Owner", Role::Owner),
        ("editor@example.com", "Eddie Editor", Role::Editor),
        ("writer@example.com", "Wren Writer", Role::Writer),
        ("other@example.com", "Otto Other", Role::Writer),
    ] {
        site.add_user(email, name, role).await;
    }
    site
}

impl Site {
    pub async fn add_user(&self, email: &str, name: &str, role: Role) -> i64 {
        let hash = marquee_changes::accounts::hash_blocking(PASSWORD).unwrap();
        let mut tx = self.state.store.begin().await.unwrap();
        let id = accounts::create(&mut tx, email, name, role, &hash).await.unwrap();
        tx.commit().await.unwrap();
        id
    }

    pub fn client() -> reqwest::Client {
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
    }

    pub async fn anonymous(&self) -> Browser {
        Browser {
            base: self.base.clone(),
            client: Site::client(),
            cookies: Vec::new(),
            csrf: String::new(),
            forwarded_for: None,
        }
    }

    /// A browser whose requests come through the (trusted) loopback proxy from `address`.
    pub async fn anonymous_from(&self, address: &str) -> Browser {
        Browser { forwarded_for: Some(address.to_string()), ..self.anonymous().await }
    }

    /// Signs in through the login form and returns the signed-in browser.
    pub async fn sign_in(&self, email: &str) -> Browser {
        let mut browser = self.anonymous().await;
        let response = browser.try_sign_in(email, PASSWORD).await;
        assert_eq!(response.status(), 303, "signing in as {email}");
        browser.refresh_csrf().await;
        browser
    }

    /// The public page at `path` (status and body), as a reader sees it.
    pub async fn public(&self, path: &str) -> (u16, String) {
        let response = Site::client().get(format!("{}{path}", self.base)).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub cookies: Vec<(String, String)>,
    pub csrf: String,
    /// The `X-Forwarded-For` its requests carry.
    pub forwarded_for: Option<String>,
}

/// The `name="csrf"` value (or the csrf meta tag) in a page.
pub fn csrf_in(html: &str) -> String {
    for marker in ["name=\"csrf\" value=\"", "name=\"csrf-token\" content=\""] {
        if let Some(at) = html.find(marker) {
            let rest = &html[at + marker.len()..];
            return rest[..rest.find('"').unwrap()].to_string();
        }
    }
    String::new()
}

/// An input's value: the `value="…"` in the tag holding `name="…"` (empty when it has none).
pub fn input_value(html: &str, name: &str) -> String {
    let at = html.find(&format!("name=\"{name}\"")).unwrap_or_else(|| panic!("no input {name}"));
    let tag = &html[html[..at].rfind('<').unwrap()..];
    let tag = &tag[..tag.find('>').unwrap()];
    match tag.find(" value=\"") {
        Some(v) => {
            let rest = &tag[v + 8..];
            rest[..rest.find('"').unwrap()].to_string()
        }
        None => String::new(),
    }
}

impl Browser {
    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut request =
            self.client.request(method, format!("{}{path}", self.base)).header("cookie", self.cookie_header());
        if let Some(address) = &self.forwarded_for {
            request = request.header("x-forwarded-for", address);
        }
        request
    }

    fn keep_cookies(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.cookies.push((name.to_string(), value.to_string()));
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> reqwest::Response {
        let response = self.request(reqwest::Method::GET, path).send().await.unwrap();
        self.keep_cookies(&response);
        response
    }

    pub async fn page(&mut self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), 200, "GET {path}");
        response.text().await.unwrap()
    }

    /// Reads the session's CSRF token from the dashboard.
    pub async fn refresh_csrf(&mut self) {
        let html = self.page("/admin").await;
        self.csrf = csrf_in(&html);
        assert_eq!(self.csrf.len(), 64);
    }

    pub async fn try_sign_in(&mut self, email: &str, password: &str) -> reqwest::Response {
        let html = self.get("/admin/login").await.text().await.unwrap();
        let csrf = csrf_in(&html);
        self.post_raw("/admin/login", &[("csrf", &csrf), ("email", email), ("password", password), ("next", "/admin")])
            .await
    }

    /// Posts a urlencoded form exactly as given (no token added).
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let response = self.request(reqwest::Method::POST, path).form(fields).send().await.unwrap();
        self.keep_cookies(&response);
        response
    }

    /// Posts a urlencoded form with the session's CSRF token.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let csrf = self.csrf.clone();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_raw(path, &all).await
    }

    /// Posts a multipart form with the session's CSRF token.
    pub async fn post_multipart(&mut self, path: &str, form: reqwest::multipart::Form) -> reqwest::Response {
        let form = form.text("csrf", self.csrf.clone());
        self.post_multipart_raw(path, form).await
    }

    /// Posts a multipart form exactly as given (no token added), fields in the order built.
    pub async fn post_multipart_raw(&mut self, path: &str, form: reqwest::multipart::Form) -> reqwest::Response {
        let response = self.request(reqwest::Method::POST, path).multipart(form).send().await.unwrap();
        self.keep_cookies(&response);
        response
    }

    /// Creates a review through the editor and returns its id.
    pub async fn create_review(&mut self, fields: &[(&str, &str)]) -> i64 {
        let response = self.post("/admin/reviews/new", fields).await;
        assert_eq!(response.status(), 303, "creating a review: {}", response.text().await.unwrap());
        review_id(&response)
    }
}

/// The review id a save redirected to.
pub fn review_id(response: &reqwest::Response) -> i64 {
    let location = response.headers()["location"].to_str().unwrap();
    let rest = location.strip_prefix("/admin/reviews/").unwrap();
    rest[..rest.find('?').unwrap_or(rest.len())].parse().unwrap()
}

pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = Vec::new();
    image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 120]))
        .write_to(&mut std::io::Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

pub fn part(bytes: Vec<u8>, name: &str) -> reqwest::multipart::Part {
    reqwest::multipart::Part::bytes(bytes).file_name(name.to_string())
}

/// A small PNG whose header claims `width`×`height` pixels (with a correct checksum, so only
/// the pixel limit can refuse it): a decompression bomb's shape.
pub fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = png(1, 1);
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let crc = crc32(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.to_be_bytes());
    bytes
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}
