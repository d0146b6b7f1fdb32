//! What every handler shares: the store, the media store, the site's settings and the caches,
//! all refreshed when the content version in the database moves.

use crate::cache::PageCache;
use marquee_core::related::RelatedIndex;
use marquee_core::VerdictBands;
use marquee_media::MediaStore;
use marquee_store::published::Published;
use marquee_store::Store;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use tokio::sync::Mutex;

/// Settings the web layer takes from configuration.
#[derive(Clone, Debug)]
pub struct WebConfig {
    /// The public URL of the site, without a trailing slash (canonical URLs, feeds, OpenGraph).
    pub base_url: String,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Who may read `GET /metrics` on the main address.
    pub metrics: MetricsAccess,
    /// Where share images are kept once drawn (a folder of the data directory), so each is drawn
    /// once per change of what it shows; without one they are drawn on request.
    pub share_dir: Option<std::path::PathBuf>,
    /// Timeouts, connection and session limits.
    pub limits: Limits,
    /// `Strict-Transport-Security` max-age in seconds for a site served over https (0: not sent).
    pub hsts_max_age: u64,
    /// Where each request's log line goes.
    pub access_log: crate::AccessLog,
    /// Whether federation may talk to peers on loopback and private addresses (tests only).
    pub federation_allow_private: bool,
}

impl WebConfig {
    /// A configuration with every other setting at its default.
    pub fn new(base_url: impl Into<String>) -> WebConfig {
        WebConfig {
            base_url: base_url.into(),
            trusted_proxies: Vec::new(),
            metrics: MetricsAccess::Loopback,
            share_dir: None,
            limits: Limits::default(),
            hsts_max_age: DEFAULT_HSTS_MAX_AGE,
            access_log: crate::AccessLog::default(),
            federation_allow_private: false,
        }
    }
}

/// A year: what browsers' preload lists ask for.
pub const DEFAULT_HSTS_MAX_AGE: u64 = 365 * 24 * 3600;

/// Who may read `GET /metrics` on the main address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricsAccess {
    /// Not served there (a separate metrics address serves it).
    Off,
    /// Only to a client on this machine that did not come through a proxy.
    Loopback,
    /// To anyone.
    Public,
}

/// How long a connection may take and how many there may be: what keeps a slow or greedy
/// client from holding the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most a request's line and headers may take to arrive, and the most a kept-alive
    /// connection may wait idle for its next request.
    pub header_read_timeout: std::time::Duration,
    /// The most a request body may go without sending anything.
    pub body_read_timeout: std::time::Duration,
    /// Connections served at once; more wait in the kernel's queue.
    pub max_connections: usize,
    /// A session ends this long after sign-in however much it is used (seconds).
    pub session_lifetime: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_read_timeout: std::time::Duration::from_secs(10),
            body_read_timeout: std::time::Duration::from_secs(20),
            max_connections: 1024,
            session_lifetime: 30 * 24 * 3600,
        }
    }
}

/// Site settings as pages use them.
#[derive(Clone, Debug)]
pub struct Site {
    pub title: String,
    pub description: String,
    pub bands: VerdictBands,
    pub accent: String,
    /// Whether feeds carry whole reviews (or only their summaries).
    pub feed_full: bool,
    /// Whether the home page mixes articles with reviews (or shows them in a section of their own).
    pub home_mixed: bool,
    /// Whether any article is published.
    pub has_articles: bool,
    /// The published pages in the navigation, as (slug, title), in their order.
    pub navigation: Vec<(String, String)>,
    /// Whether the site federates (ActivityPub), and the site actor's user name.
    pub federation: bool,
    pub site_handle: String,
}

impl Default for Site {
    fn default() -> Self {
        Site {
            title: "Marquee".into(),
            description: "Film reviews".into(),
            bands: VerdictBands::default(),
            accent: "#b3261e".into(),
            feed_full: true,
            home_mixed: false,
            has_articles: false,
            navigation: Vec::new(),
            federation: true,
            site_handle: marquee_federation::DEFAULT_SITE_HANDLE.into(),
        }
    }
}

/// From how many published reviews the related index is rebuilt in the background.
const RELATED_IN_BACKGROUND_FROM: usize = 2000;

/// The related-reviews index with the content version it was built at, and the lock that makes
/// one build at a time.
#[derive(Default)]
struct Related {
    current: RwLock<Option<(i64, Arc<RelatedIndex>)>>,
    building: Arc<Mutex<()>>,
}

impl Related {
    fn current(&self) -> Option<(i64, Arc<RelatedIndex>)> {
        self.current.read().expect("related lock is never poisoned").clone()
    }

    fn set(&self, version: i64, index: Arc<RelatedIndex>) {
        let mut current = self.current.write().expect("related lock is never poisoned");
        // A slower build of an older version never replaces a newer one.
        if current.as_ref().is_none_or(|(built, _)| *built <= version) {
            *current = Some((version, index));
        }
    }
}

async fn build_related(store: &Store) -> marquee_store::Result<Arc<RelatedIndex>> {
    let features = marquee_store::reviews::related_features(store).await?;
    let index = tokio::task::spawn_blocking(move || RelatedIndex::build(features))
        .await
        .map_err(|e| marquee_store::Error::Corrupt(format!("building the related-reviews index failed: {e}")))?;
    Ok(Arc::new(index))
}

/// Each review's related reviews, by review id.
type RelatedIds = HashMap<i64, Vec<i64>>;

/// How many related reviews a review page shows.
const RELATED: usize = 6;

/// Memory for rendered pages: thousands of review pages.
const PAGE_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Genres as (slug, name).
pub type Genres = Vec<(String, String)>;

pub struct AppState {
    pub store: Store,
    pub media: MediaStore,
    pub config: WebConfig,
    pub cache: Arc<PageCache>,
    pub metrics: crate::metrics::Metrics,
    /// Imports started from the admin, running or recently ended.
    pub jobs: crate::jobs::Jobs,
    /// Where changes are made: the store, the media store and password hashing.
    pub desk: marquee_changes::Desk,
    /// ActivityPub: actors, the inbox, deliveries.
    pub federation: Arc<marquee_federation::Federation>,
    /// Told when the content changes (federation works out what followers are sent).
    pub content_changed: Arc<tokio::sync::Notify>,
    /// The `Strict-Transport-Security` header, for a site served over https.
    pub hsts: Option<axum::http::HeaderValue>,
    /// What `/admin/setup` asks for before it makes the first owner: drawn when the server
    /// starts and shown in its log only, so the first visitor of a new site cannot take it.
    setup_code: String,
    site: RwLock<Arc<Site>>,
    related: Arc<Related>,
    /// From how many published reviews on the related index is rebuilt in the background after
    /// a change, pages going on with the last one meanwhile (below, it takes milliseconds and
    /// is rebuilt at once).
    pub related_in_background_from: std::sync::atomic::AtomicUsize,
    /// The genres the search form offers (slug, name), read once per content change.
    genres: Held<Genres>,
    /// The words search corrects typos to, read once per content change.
    vocabulary: Held<Vec<String>>,
    /// How many addresses the sitemap lists, once counted after a content change.
    sitemap_size: Held<usize>,
    /// The whole published site held in memory while something renders every page (the static
    /// export); dropped when the content changes.
    published: RwLock<Option<Arc<Published>>>,
    /// While the published site is held: each review's related reviews, worked out at once.
    related_held: RwLock<Option<Arc<RelatedIds>>>,
    version: AtomicI64,
    /// When this server last saw the content change (or started): pages' Last-Modified.
    changed_at: AtomicI64,
}

impl AppState {
    pub async fn new(store: Store, media: MediaStore, config: WebConfig) -> marquee_store::Result<Arc<AppState>> {
        let desk = marquee_changes::Desk::new(store.clone(), media.clone());
        let federation =
            marquee_federation::Federation::new(store.clone(), &config.base_url, config.federation_allow_private);
        let state = Arc::new(AppState {
            federation,
            content_changed: Arc::new(tokio::sync::Notify::new()),
            version: AtomicI64::new(marquee_store::content::version(&store).await?),
            site: RwLock::new(Arc::new(load_site(&store).await?)),
            store,
            media,
            config: WebConfig { base_url: config.base_url.trim_end_matches('/').to_string(), ..config },
            metrics: crate::metrics::Metrics::default(),
            jobs: crate::jobs::Jobs::default(),
            desk,
            hsts: (config.base_url.starts_with("https://") && config.hsts_max_age > 0).then(|| {
                axum::http::HeaderValue::from_str(&format!("max-age={}", config.hsts_max_age))
                    .expect("a number makes a valid header value")
            }),
            cache: Arc::new(PageCache::new(PAGE_CACHE_BYTES)),
            setup_code: setup_code(),
            related: Arc::default(),
            related_in_background_from: std::sync::atomic::AtomicUsize::new(RELATED_IN_BACKGROUND_FROM),
            genres: Held::default(),
            vocabulary: Held::default(),
            sitemap_size: Held::default(),
            published: RwLock::new(None),
            related_held: RwLock::new(None),
            changed_at: AtomicI64::new(marquee_store::now()),
        });
        Ok(state)
    }

    /// The code the setup page asks for (see `setup_code`).
    pub fn setup_code(&self) -> &str {
        &self.setup_code
    }

    pub fn site(&self) -> Arc<Site> {
        self.site.read().expect("site lock is never poisoned: writers do not panic").clone()
    }

    /// The related-reviews index of the content as it is now, built when it is not.
    pub async fn related_index(&self) -> marquee_store::Result<Arc<RelatedIndex>> {
        let version = self.version.load(Ordering::Acquire);
        if let Some((built, index)) = self.related.current() {
            if built == version {
                return Ok(index);
            }
        }
        let _one = self.related.building.lock().await;
        if let Some((built, index)) = self.related.current() {
            if built == version {
                return Ok(index);
            }
        }
        let index = build_related(&self.store).await?;
        self.related.set(version, index.clone());
        Ok(index)
    }

    /// The related-reviews index for a page: on a large site after a change, the last one while
    /// the new one is built in the background (the page cache is emptied again once it is in), so
    /// that no reader waits for a rebuild of every review's vector.
    async fn related_index_for_page(&self) -> marquee_store::Result<Arc<RelatedIndex>> {
        let version = self.version.load(Ordering::Acquire);
        let Some((built, index)) = self.related.current() else { return self.related_index().await };
        if built == version {
            return Ok(index);
        }
        if index.len() < self.related_in_background_from.load(Ordering::Relaxed) {
            return self.related_index().await;
        }
        if let Ok(one) = self.related.building.clone().try_lock_owned() {
            let (related, store, cache) = (self.related.clone(), self.store.clone(), self.cache.clone());
            tokio::spawn(async move {
                let _one = one;
                match build_related(&store).await {
                    Ok(index) => {
                        related.set(version, index);
                        cache.clear();
                    }
                    Err(e) => tracing::warn!(error = %e, "rebuilding the related-reviews index failed"),
                }
            });
        }
        Ok(index)
    }

    /// Genres with published reviews, as (slug, name), read once per content change.
    pub async fn genres(&self) -> marquee_store::Result<Arc<Genres>> {
        self.genres
            .get_or_load(|| async {
                let genres = marquee_store::films::genres_with_reviews(&self.store).await?;
                Ok(genres.into_iter().map(|g| (g.slug, g.name)).collect())
            })
            .await
    }

    /// The words of public film titles and names, for correcting typos in searches; read once
    /// per content change, so a search with no hits costs no more than one with some.
    pub async fn vocabulary(&self) -> marquee_store::Result<Arc<Vec<String>>> {
        self.vocabulary.get_or_load(|| marquee_store::search::vocabulary(&self.store)).await
    }

    /// How many addresses the sitemap lists, when known since the last content change.
    pub async fn sitemap_size(&self) -> Option<usize> {
        self.sitemap_size.peek().await.map(|n| *n)
    }

    /// Records how many addresses the sitemap lists.
    pub async fn set_sitemap_size(&self, size: usize) {
        self.sitemap_size.set(size).await;
    }

    /// Reads the whole published site into memory, for rendering every page of it: page reads
    /// then come from memory (until the content changes) instead of the store.
    pub async fn hold_published(&self) -> marquee_store::Result<()> {
        let published = Arc::new(Published::load(&self.store).await?);
        let index = self.related_index().await?;
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let related = tokio::task::spawn_blocking(move || index.all_related(RELATED, threads))
            .await
            .map_err(|e| marquee_store::Error::Corrupt(format!("finding related reviews failed: {e}")))?;
        *self.related_held.write().expect("related lock is never poisoned") = Some(Arc::new(related));
        *self.published.write().expect("published lock is never poisoned") = Some(published);
        Ok(())
    }

    /// The reviews shown as related to this one, best first.
    pub async fn related_reviews(&self, review_id: i64) -> marquee_store::Result<Vec<i64>> {
        let held = self.related_held.read().expect("related lock is never poisoned").clone();
        Ok(match held {
            Some(held) => held.get(&review_id).cloned().unwrap_or_default(),
            None => self.related_index_for_page().await?.related(review_id, RELATED),
        })
    }

    /// The published site held by `hold_published`, if it is (read through `reader::Reader`).
    pub fn published(&self) -> Option<Arc<Published>> {
        self.published.read().expect("published lock is never poisoned").clone()
    }

    /// Drops caches when the content version has moved since the last look; says whether it had.
    pub async fn refresh(&self) -> marquee_store::Result<bool> {
        let current = marquee_store::content::version(&self.store).await?;
        if current != self.version.load(Ordering::Acquire) {
            let site = load_site(&self.store).await?;
            *self.site.write().expect("site lock is never poisoned") = Arc::new(site);
            self.genres.clear().await;
            self.vocabulary.clear().await;
            self.sitemap_size.clear().await;
            *self.published.write().expect("published lock is never poisoned") = None;
            *self.related_held.write().expect("related lock is never poisoned") = None;
            self.cache.clear();
            self.version.store(current, Ordering::Release);
            self.changed_at.store(marquee_store::now(), Ordering::Release);
            self.content_changed.notify_one();
            tracing::info!(version = current, "content changed; caches dropped");
            return Ok(true);
        }
        Ok(false)
    }

    /// When the content last changed, as far as this server knows (Unix seconds).
    pub fn changed_at(&self) -> i64 {
        self.changed_at.load(Ordering::Acquire)
    }

    pub fn absolute_url(&self, path: &str) -> String {
        format!("{}{}", self.config.base_url, path)
    }
}

/// A new setup code: twelve letters and digits in three groups (`k7qm-2xwd-9hta`), easy to copy
/// from a log, about 60 bits of chance.
fn setup_code() -> String {
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    let chars: Vec<char> = bytes.iter().map(|b| LETTERS[usize::from(*b) % LETTERS.len()] as char).collect();
    chars.chunks(4).map(|group| group.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// Something worked out from the store once per content change, and dropped when it changes.
struct Held<T>(Mutex<Option<Arc<T>>>);

impl<T> Default for Held<T> {
    fn default() -> Self {
        Held(Mutex::new(None))
    }
}

impl<T> Held<T> {
    /// The value held, or the one `load` works out (then held). Callers at once wait for one load.
    async fn get_or_load<F, Fut>(&self, load: F) -> marquee_store::Result<Arc<T>>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = marquee_store::Result<T>>,
    {
        let mut slot = self.0.lock().await;
        if let Some(value) = slot.as_ref() {
            return Ok(value.clone());
        }
        let value = Arc::new(load().await?);
        *slot = Some(value.clone());
        Ok(value)
    }

    async fn peek(&self) -> Option<Arc<T>> {
        self.0.lock().await.clone()
    }

    async fn set(&self, value: T) {
        *self.0.lock().await = Some(Arc::new(value));
    }

    async fn clear(&self) {
        *self.0.lock().await = None;
    }
}

async fn load_site(store: &Store) -> marquee_store::Result<Site> {
    let settings = marquee_store::settings::all(store).await?;
    let mut site = Site::default();
    if let Some(title) = settings.get("title") {
        site.title = title.clone();
    }
    if let Some(description) = settings.get("description") {
        site.description = description.clone();
    }
    if let Some(accent) = settings.get("accent") {
        site.accent = accent.clone();
    }
    if let Some(content) = settings.get("feed_content") {
        site.feed_full = content != "summary";
    }
    site.federation = settings.get("federation").is_none_or(|v| v != "off");
    if let Some(handle) = settings.get("federation_handle").filter(|h| !h.is_empty()) {
        site.site_handle = handle.clone();
    }
    site.home_mixed = settings.get("home_articles").is_some_and(|placing| placing == "mixed");
    site.navigation = marquee_store::posts::navigation(store).await?;
    let filter = marquee_store::posts::Filter::All;
    site.has_articles = marquee_store::posts::published(store, &filter, 1, 0).await?.1 > 0;
    if let Some(bands) = settings.get("verdict_bands") {
        match serde_json::from_str::<VerdictBands>(bands) {
            Ok(bands) => site.bands = bands,
            Err(e) => tracing::warn!(error = %e, "stored verdict bands are invalid; using the defaults"),
        }
    }
    Ok(site)
}
