//! Configuration: one typed struct, layered from defaults, then a TOML file, then `MARQUEE_…`
//! environment variables and command-line flags. Nothing else reads the environment.

use anyhow::{bail, Context};
use clap::Args;
use marquee_media::MediaStore;
use marquee_store::Store;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Flags every command takes; each has an environment variable, and each (but `--config`)
/// a key in the config file.
#[derive(Args, Clone, Debug, Default)]
pub struct CommonArgs {
    /// Config file (TOML). Default: marquee.toml in the data directory, when present.
    #[arg(long, env = "MARQUEE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Data directory: the SQLite database and the media store live here [default: ./marquee-data].
    #[arg(long = "data", env = "MARQUEE_DATA", global = true)]
    pub data_dir: Option<PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB [default: marquee.db in the data directory].
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    pub database_url: Option<String>,
    /// Address to serve on [default: 127.0.0.1:8080].
    #[arg(long, env = "MARQUEE_LISTEN", global = true)]
    pub listen: Option<SocketAddr>,
    /// Public URL of the site, for canonical links and social cards [default: http://LISTEN].
    #[arg(long, env = "MARQUEE_BASE_URL", global = true)]
    pub base_url: Option<String>,
    /// Separate address for GET /metrics (Prometheus); without it /metrics is on the main address.
    #[arg(long, env = "MARQUEE_METRICS_LISTEN", global = true)]
    pub metrics_listen: Option<SocketAddr>,
}

/// The config file's keys; an unknown key is an error, so a typo never passes silently.
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    database_url: Option<String>,
    listen: Option<SocketAddr>,
    base_url: Option<String>,
    metrics_listen: Option<SocketAddr>,
    log: Option<String>,
    log_format: Option<LogFormat>,
    trusted_proxies: Option<Vec<String>>,
    metrics_public: Option<bool>,
    hsts_max_age: Option<u64>,
    #[serde(default)]
    limits: LimitSettings,
    #[serde(default)]
    s3: S3Settings,
    #[serde(default)]
    federation: FederationSettings,
}

/// `[federation]` in the file.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FederationSettings {
    /// Lets federation talk to `http://` peers on loopback and private addresses: for tests on
    /// one machine only (`MARQUEE_FEDERATION_ALLOW_PRIVATE=1`).
    pub allow_private_addresses: Option<bool>,
}

/// What keeps slow or greedy clients from holding the server (`[limits]` in the file,
/// `MARQUEE_…` variables); see docs/security.md.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct LimitSettings {
    /// Seconds a request's line and headers may take to arrive, and a kept-alive connection
    /// may wait for its next request [10].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub header_read_timeout: Option<u64>,
    /// Seconds a request's body may go without sending anything [20].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body_read_timeout: Option<u64>,
    /// Connections served at once [1024].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_connections: Option<usize>,
    /// Days a sign-in lasts at most, however much it is used [30].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_lifetime_days: Option<u64>,
}

/// S3-compatible object storage for media (`[s3]` in the file, `MARQUEE_S3_…` variables); media
/// stays in the data directory unless a bucket is named.
#[derive(Deserialize, Serialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bucket: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_key_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_access_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_http: Option<bool>,
}

#[derive(Deserialize, Serialize, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The effective configuration.
#[derive(Serialize, Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub listen: SocketAddr,
    pub base_url: String,
    pub metrics_listen: Option<SocketAddr>,
    pub log: String,
    pub log_format: LogFormat,
    /// Peers whose `X-Forwarded-For`/`-Proto` headers are believed (a reverse proxy).
    pub trusted_proxies: Vec<String>,
    /// Whether `/metrics` on the main address answers anyone (not only this machine).
    pub metrics_public: bool,
    /// `Strict-Transport-Security` max-age in seconds when the base URL is https (0: not sent).
    pub hsts_max_age: u64,
    pub limits: LimitSettings,
    pub s3: S3Settings,
    pub federation: FederationSettings,
    /// Where this configuration came from, for `marquee config`.
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

/// Environment variables for keys that have no flag.
#[derive(Default)]
pub struct Environment {
    pub log: Option<String>,
    pub log_format: Option<String>,
    pub trusted_proxies: Option<String>,
    pub metrics_public: Option<String>,
    pub hsts_max_age: Option<String>,
    /// `MARQUEE_HEADER_READ_TIMEOUT`, `…_BODY_READ_TIMEOUT`, `…_MAX_CONNECTIONS`,
    /// `…_SESSION_LIFETIME_DAYS`, as written.
    pub limits: [Option<String>; 4],
    /// `MARQUEE_S3_BUCKET`, `…_ENDPOINT`, `…_REGION`, `…_ACCESS_KEY_ID`, `…_SECRET_ACCESS_KEY`,
    /// `…_ALLOW_HTTP`.
    pub s3: S3Settings,
    /// `MARQUEE_FEDERATION_ALLOW_PRIVATE`.
    pub federation_allow_private: Option<String>,
}

/// The variables of `[limits]`, in the order of `Environment::limits`.
const LIMIT_VARIABLES: [&str; 4] = [
    "MARQUEE_HEADER_READ_TIMEOUT",
    "MARQUEE_BODY_READ_TIMEOUT",
    "MARQUEE_MAX_CONNECTIONS",
    "MARQUEE_SESSION_LIFETIME_DAYS",
];

/// A number from a variable (named in the error when it is not one), else from the file.
fn number<T: std::str::FromStr>(variable: &str, value: Option<String>, file: Option<T>) -> anyhow::Result<Option<T>> {
    match value {
        Some(text) => match text.trim().parse() {
            Ok(n) => Ok(Some(n)),
            Err(_) => bail!("{variable}: \"{text}\" is not a whole number"),
        },
        None => Ok(file),
    }
}

impl Environment {
    pub fn read() -> Environment {
        Environment {
            log: std::env::var("MARQUEE_LOG").ok(),
            log_format: std::env::var("MARQUEE_LOG_FORMAT").ok(),
            trusted_proxies: std::env::var("MARQUEE_TRUSTED_PROXIES").ok(),
            metrics_public: std::env::var("MARQUEE_METRICS_PUBLIC").ok(),
            hsts_max_age: std::env::var("MARQUEE_HSTS_MAX_AGE").ok(),
            limits: LIMIT_VARIABLES.map(|name| std::env::var(name).ok()),
            s3: S3Settings {
                bucket: std::env::var("MARQUEE_S3_BUCKET").ok(),
                endpoint: std::env::var("MARQUEE_S3_ENDPOINT").ok(),
                region: std::env::var("MARQUEE_S3_REGION").ok(),
                access_key_id: std::env::var("MARQUEE_S3_ACCESS_KEY_ID").ok(),
                secret_access_key: std::env::var("MARQUEE_S3_SECRET_ACCESS_KEY").ok(),
                allow_http: std::env::var("MARQUEE_S3_ALLOW_HTTP").ok().map(|v| v == "true" || v == "1"),
            },
            federation_allow_private: std::env::var("MARQUEE_FEDERATION_ALLOW_PRIVATE").ok(),
        }
    }
}

impl Config {
    pub fn load(args: &CommonArgs) -> anyhow::Result<Config> {
        Config::load_from(args, Environment::read())
    }

    pub fn load_from(args: &CommonArgs, env: Environment) -> anyhow::Result<Config> {
        let default_data = args.data_dir.clone().unwrap_or_else(|| PathBuf::from("./marquee-data"));
        let (file_path, required) = match &args.config {
            Some(path) => (path.clone(), true),
            None => (default_data.join("marquee.toml"), false),
        };
        let file = if file_path.is_file() {
            read_file(&file_path)?
        } else if required {
            bail!("config file {} does not exist", file_path.display());
        } else {
            FileConfig::default()
        };
        let data_dir = args.data_dir.clone().or(file.data_dir).unwrap_or(default_data);
        let database_url = args
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}?mode=rwc", data_dir.join("marquee.db").display()));
        marquee_store::Backend::from_url(&database_url).context("database_url")?;
        let listen = args.listen.or(file.listen).unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 8080)));
        let base_url = match args.base_url.clone().or(file.base_url) {
            Some(url) => {
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    bail!("base_url: \"{url}\" must start with http:// or https://");
                }
                url.trim_end_matches('/').to_string()
            }
            None => format!("http://{listen}"),
        };
        let log_format = match env.log_format.as_deref() {
            Some("json") => LogFormat::Json,
            Some("text") => LogFormat::Text,
            Some(other) => bail!("MARQUEE_LOG_FORMAT: \"{other}\" is not text or json"),
            None => file.log_format.unwrap_or_default(),
        };
        let trusted_proxies = match env.trusted_proxies {
            Some(list) => list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect(),
            None => file.trusted_proxies.unwrap_or_default(),
        };
        for proxy in &trusted_proxies {
            if proxy.parse::<std::net::IpAddr>().is_err() {
                bail!("trusted_proxies: \"{proxy}\" is not an IP address");
            }
        }
        let metrics_public = match env.metrics_public.as_deref() {
            Some("1" | "true") => true,
            Some("0" | "false") => false,
            Some(other) => bail!("MARQUEE_METRICS_PUBLIC: \"{other}\" is not true or false"),
            None => file.metrics_public.unwrap_or(false),
        };
        let hsts_max_age = number("MARQUEE_HSTS_MAX_AGE", env.hsts_max_age, file.hsts_max_age)?
            .unwrap_or(marquee_web::state::DEFAULT_HSTS_MAX_AGE);
        let [header, body, connections, session] = env.limits;
        let limits = LimitSettings {
            header_read_timeout: number(LIMIT_VARIABLES[0], header, file.limits.header_read_timeout)?,
            body_read_timeout: number(LIMIT_VARIABLES[1], body, file.limits.body_read_timeout)?,
            max_connections: number(LIMIT_VARIABLES[2], connections, file.limits.max_connections)?,
            session_lifetime_days: number(LIMIT_VARIABLES[3], session, file.limits.session_lifetime_days)?,
        };
        for (name, value) in [
            ("limits.header_read_timeout", limits.header_read_timeout),
            ("limits.body_read_timeout", limits.body_read_timeout),
            ("limits.max_connections", limits.max_connections.map(|n| n as u64)),
            ("limits.session_lifetime_days", limits.session_lifetime_days),
        ] {
            if value == Some(0) {
                bail!("{name}: must be at least 1");
            }
        }
        let file_s3 = file.s3;
        let s3 = S3Settings {
            bucket: env.s3.bucket.or(file_s3.bucket),
            endpoint: env.s3.endpoint.or(file_s3.endpoint),
            region: env.s3.region.or(file_s3.region),
            access_key_id: env.s3.access_key_id.or(file_s3.access_key_id),
            secret_access_key: env.s3.secret_access_key.or(file_s3.secret_access_key),
            allow_http: env.s3.allow_http.or(file_s3.allow_http),
        };
        if s3.bucket.is_some() && (s3.access_key_id.is_none() || s3.secret_access_key.is_none()) {
            bail!("s3: a bucket needs access_key_id and secret_access_key");
        }
        let allow_private = match env.federation_allow_private.as_deref() {
            Some("1" | "true") => Some(true),
            Some("0" | "false") => Some(false),
            Some(other) => bail!("MARQUEE_FEDERATION_ALLOW_PRIVATE: \"{other}\" is not true or false"),
            None => file.federation.allow_private_addresses,
        };
        Ok(Config {
            s3,
            federation: FederationSettings { allow_private_addresses: allow_private },
            data_dir,
            database_url,
            listen,
            base_url,
            metrics_listen: args.metrics_listen.or(file.metrics_listen),
            log: env.log.or(file.log).unwrap_or_else(|| "info".into()),
            log_format,
            trusted_proxies,
            metrics_public,
            hsts_max_age,
            limits,
            file: file_path.is_file().then_some(file_path),
        })
    }

    /// The web layer's settings.
    pub fn web(&self) -> marquee_web::WebConfig {
        let defaults = marquee_web::Limits::default();
        let seconds = |value: Option<u64>, default| value.map(std::time::Duration::from_secs).unwrap_or(default);
        marquee_web::WebConfig {
            trusted_proxies: self.trusted_proxies.iter().filter_map(|p| p.parse().ok()).collect(),
            metrics: match (self.metrics_listen, self.metrics_public) {
                (Some(_), _) => marquee_web::MetricsAccess::Off,
                (None, true) => marquee_web::MetricsAccess::Public,
                (None, false) => marquee_web::MetricsAccess::Loopback,
            },
            share_dir: Some(self.share_dir()),
            limits: marquee_web::Limits {
                header_read_timeout: seconds(self.limits.header_read_timeout, defaults.header_read_timeout),
                body_read_timeout: seconds(self.limits.body_read_timeout, defaults.body_read_timeout),
                max_connections: self.limits.max_connections.unwrap_or(defaults.max_connections),
                session_lifetime: self
                    .limits
                    .session_lifetime_days
                    .map_or(defaults.session_lifetime, |days| (days.min(3650) * 24 * 3600) as i64),
            },
            hsts_max_age: self.hsts_max_age,
            federation_allow_private: self.federation.allow_private_addresses.unwrap_or(false),
            ..marquee_web::WebConfig::new(self.base_url.clone())
        }
    }

    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join("media")
    }

    /// Share images once drawn (a cache: deleting it costs only drawing them again).
    pub fn share_dir(&self) -> PathBuf {
        self.data_dir.join("cache").join("share")
    }

    /// Creates the data directory on first run, opens the database (applying migrations) and
    /// the media store.
    pub async fn open(&self) -> anyhow::Result<(Store, MediaStore)> {
        self.open_store(false).await
    }

    /// The store for batch work (imports, exports): reads through SQLite's page cache alone, so
    /// the process's memory stays its own (a memory map of the database, counted once per
    /// pooled connection, made an export of 10,000 reviews hold 2.6 GB).
    pub async fn open_for_batch(&self) -> anyhow::Result<(Store, MediaStore)> {
        self.open_store(true).await
    }

    async fn open_store(&self, batch: bool) -> anyhow::Result<(Store, MediaStore)> {
        std::fs::create_dir_all(self.media_dir())
            .with_context(|| format!("cannot create the data directory {}", self.media_dir().display()))?;
        let store =
            if batch { Store::open_for_batch(&self.database_url).await } else { Store::open(&self.database_url).await };
        let store = store.with_context(|| format!("cannot open the database at {}", mask(&self.database_url)))?;
        let media = match &self.s3.bucket {
            None => MediaStore::new(self.media_dir()),
            Some(bucket) => MediaStore::s3(&marquee_media::S3Config {
                bucket: bucket.clone(),
                endpoint: self.s3.endpoint.clone(),
                region: self.s3.region.clone().unwrap_or_else(|| "us-east-1".into()),
                access_key_id: self.s3.access_key_id.clone().unwrap_or_default(),
                secret_access_key: self.s3.secret_access_key.clone().unwrap_or_default(),
                allow_http: self.s3.allow_http.unwrap_or(false),
            })
            .context("s3")?,
        };
        Ok((store, media))
    }

    /// The effective configuration as TOML, with secrets masked.
    pub fn to_display_toml(&self) -> String {
        let mut shown = self.clone();
        shown.database_url = mask(&self.database_url);
        if shown.s3.secret_access_key.is_some() {
            shown.s3.secret_access_key = Some("***".into());
        }
        let source = match &self.file {
            Some(path) => format!("# from {} and the environment\n", path.display()),
            None => "# no config file; defaults and the environment\n".to_string(),
        };
        source + &toml::to_string(&shown).expect("the configuration serializes to TOML")
    }
}

fn read_file(path: &Path) -> anyhow::Result<FileConfig> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read config file {}", path.display()))?;
    toml::from_str(&text).map_err(|e| anyhow::anyhow!("invalid config file {}: {e}", path.display()))
}

/// A database URL with every secret hidden, for messages: each parameter whose name says it
/// holds one (`password`, `sslpassword`, a token …), to the next `&`, and the password of the
/// user part. Where a URL could be read two ways (a password holding `?` or `/`), the most is
/// hidden.
pub fn mask(url: &str) -> String {
    let mut shown = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(at) = rest.find(['?', '&']) {
        shown.push_str(&rest[..=at]);
        rest = &rest[at + 1..];
        let name_end = rest.find(['=', '&', '?']).unwrap_or(rest.len());
        if rest[name_end..].starts_with('=') && secret_name(&rest[..name_end]) {
            shown.push_str(&rest[..=name_end]);
            shown.push_str("***");
            rest = &rest[rest.find('&').unwrap_or(rest.len())..];
        }
    }
    shown.push_str(rest);
    if let Some(scheme_end) = shown.find("://") {
        let start = scheme_end + 3;
        if let Some(at) = shown.rfind('@').filter(|at| *at > start) {
            if let Some(colon) = shown[start..at].find(':') {
                shown = format!("{}***{}", &shown[..start + colon + 1], &shown[at..]);
            }
        }
    }
    shown
}

/// Whether a URL parameter's name says it carries a secret.
fn secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ["password", "passwd", "pwd", "secret", "token", "apikey", "api_key"].iter().any(|word| name.contains(word))
}

/// Structured logs to stderr, filtered by `log` (e.g. `info`, `marquee_web=debug`), as text or
/// one JSON object per line. Lines gather in a 64 KB buffer written out when full and four
/// times a second (as nginx buffers its access log), so a request costs a copy into memory, not
/// a system call or a wakeup of another thread. Keep the returned guard until the program
/// ends: dropping it writes out what is still buffered.
pub fn init_logging(config: &Config) -> LogGuard {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let filter = filter.add_directive("sqlx=warn".parse().expect("a valid directive"));
    let writer = BufferedStderr::default();
    let flusher = writer.clone();
    std::thread::Builder::new()
        .name("log-flush".into())
        .spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_millis(250));
            flusher.flush();
        })
        .expect("a thread for the log");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer.clone())
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    match config.log_format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
    LogGuard(writer)
}

/// Standard error behind a shared buffer (see `init_logging`).
#[derive(Clone)]
pub struct BufferedStderr(std::sync::Arc<std::sync::Mutex<std::io::BufWriter<std::io::Stderr>>>);

impl Default for BufferedStderr {
    fn default() -> Self {
        BufferedStderr(std::sync::Arc::new(std::sync::Mutex::new(std::io::BufWriter::with_capacity(
            64 * 1024,
            std::io::stderr(),
        ))))
    }
}

impl BufferedStderr {
    /// Adds bytes to the buffer (written out when it fills, and four times a second).
    fn append(&self, bytes: &[u8]) {
        let mut buffer = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = std::io::Write::write_all(&mut *buffer, bytes);
    }

    fn flush(&self) {
        let mut buffer = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = std::io::Write::flush(&mut *buffer);
    }
}

impl std::io::Write for BufferedStderr {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.append(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        BufferedStderr::flush(self);
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for BufferedStderr {
    type Writer = BufferedStderr;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// Writes out the log's buffer when dropped.
pub struct LogGuard(BufferedStderr);

impl LogGuard {
    /// Where the server writes its line per request: formatted by the web layer straight into
    /// this log's buffer, in the log's format, when the filter lets INFO of `marquee_web::edge`
    /// through; otherwise nowhere.
    pub fn access_log(&self, format: LogFormat) -> marquee_web::AccessLog {
        use marquee_web::access_log::{Format, Sink};
        if !tracing::enabled!(target: "marquee_web::edge", tracing::Level::INFO) {
            return marquee_web::AccessLog::Off;
        }
        let writer = self.0.clone();
        let sink: Sink = std::sync::Arc::new(move |bytes: &[u8]| writer.append(bytes));
        let format = match format {
            LogFormat::Json => Format::Json,
            LogFormat::Text => Format::Text,
        };
        marquee_web::AccessLog::Direct { sink, format }
    }
}

impl Drop for LogGuard {
    fn drop(&mut self) {
        self.0.flush();
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    fn no_env() -> Environment {
        Environment::default()
    }

    #[test]
    fn passwords_in_database_urls_are_masked() {
        assert_eq!(mask("postgres://app:s3cret@db:5432/marquee"), "postgres://app:***@db:5432/marquee");
        assert_eq!(mask("sqlite://data/marquee.db"), "sqlite://data/marquee.db");
        assert_eq!(mask("sqlite://data/marquee.db?mode=rwc"), "sqlite://data/marquee.db?mode=rwc");
        assert_eq!(
            mask("postgres://db/marquee?user=app&password=s3cret&sslmode=require&sslpassword=k3y&PassWord=x"),
            "postgres://db/marquee?user=app&password=***&sslmode=require&sslpassword=***&PassWord=***"
        );
        assert_eq!(
            mask("postgres://app:pw@db/m?application_name=a&auth_token=t"),
            "postgres://app:***@db/m?application_name=a&auth_token=***"
        );
        // A password with an `@` or `?` in it is still hidden whole.
        assert_eq!(mask("postgres://app:p@ss@db/m"), "postgres://app:***@db/m");
        assert_eq!(mask("postgres://app:p?ss@db/m?password=x"), "postgres://app:***@db/m?password=***");
        assert_eq!(mask("postgres://db/m?user=a@b&password=x"), "postgres://db/m?user=a@b&password=***");
        // Found by the property test below: a `?` in the password of the user part, or in a
        // password parameter.
        assert_eq!(mask("postgres://a:?Aa*a!@db/marquee"), "postgres://a:***@db/marquee");
        assert_eq!(
            mask("postgres://db/marquee?user=a&password=?=~A##&sslmode=require"),
            "postgres://db/marquee?user=a&password=***&sslmode=require"
        );
    }

    #[test]
    fn defaults_then_file_then_environment_and_flags() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("marquee.toml"),
            "listen = \"0.0.0.0:9000\"\nbase_url = \"https://reviews.example/\"\nlog = \"debug\"\n\
             database_url = \"postgres://app:pw@db/marquee\"\ntrusted_proxies = [\"10.0.0.1\"]\n",
        )
        .unwrap();
        let args = CommonArgs { data_dir: Some(dir.path().to_path_buf()), ..CommonArgs::default() };
        let config = Config::load_from(&args, no_env()).unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(config.base_url, "https://reviews.example");
        assert_eq!(config.log, "debug");
        assert_eq!(config.trusted_proxies, vec!["10.0.0.1"]);
        let shown = config.to_display_toml();
        assert!(shown.contains("postgres://app:***@db/marquee") && !shown.contains("pw@"), "{shown}");
        let s3 = Environment {
            s3: S3Settings {
                bucket: Some("media".into()),
                access_key_id: Some("AKIA".into()),
                secret_access_key: Some("s3cr3t".into()),
                ..S3Settings::default()
            },
            ..Environment::default()
        };
        let shown = Config::load_from(&args, s3).unwrap().to_display_toml();
        assert!(shown.contains("[s3]") && shown.contains("bucket = \"media\"") && !shown.contains("s3cr3t"), "{shown}");

        let args = CommonArgs { listen: Some("127.0.0.1:7000".parse().unwrap()), ..args };
        let env = Environment { log: Some("warn".into()), log_format: Some("json".into()), ..Environment::default() };
        let config = Config::load_from(&args, env).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:7000", "flags and environment beat the file");
        assert_eq!(config.log, "warn");
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn without_a_file_the_defaults_apply() {
        let dir = tempfile::tempdir().unwrap();
        let args = CommonArgs { data_dir: Some(dir.path().join("none")), ..CommonArgs::default() };
        let config = Config::load_from(&args, no_env()).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.base_url, "http://127.0.0.1:8080");
        assert!(config.database_url.starts_with("sqlite://") && config.database_url.contains("marquee.db"));
    }

    #[test]
    fn invalid_configuration_names_the_key_and_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        let args = CommonArgs { config: Some(file.clone()), ..CommonArgs::default() };
        for (text, expected) in [
            ("listen = \"nowhere\"\n", "listen"),
            ("lisen = \"127.0.0.1:80\"\n", "unknown field `lisen`"),
            ("base_url = \"reviews.example\"\n", "base_url: \"reviews.example\" must start with http"),
            ("database_url = \"mysql://x\"\n", "database_url"),
            ("log_format = \"xml\"\n", "log_format"),
            ("trusted_proxies = [\"proxy.local\"]\n", "trusted_proxies: \"proxy.local\" is not an IP address"),
            ("[s3]\nbucket = \"media\"\n", "s3: a bucket needs access_key_id and secret_access_key"),
            ("[s3]\nbuckett = \"media\"\n", "unknown field `buckett`"),
        ] {
            std::fs::write(&file, text).unwrap();
            let message = format!("{:#}", Config::load_from(&args, no_env()).unwrap_err());
            assert!(message.contains(expected), "{text}: {message}");
        }
        let missing = CommonArgs { config: Some(dir.path().join("missing.toml")), ..CommonArgs::default() };
        assert!(Config::load_from(&missing, no_env()).unwrap_err().to_string().contains("does not exist"));
    }
}

#[cfg(test)]
mod fuzz {
    use super::*;

    proptest::proptest! {
        #[test]
        fn a_password_never_survives_masking(password in "[A-Za-z0-9!$%*+,;=~@?#/:]{6,20}", user in "[a-z]{1,8}", as_parameter in proptest::prelude::any::<bool>()) {
            let url = if as_parameter {
                format!("postgres://db/marquee?user={user}&password={password}&sslmode=require")
            } else {
                format!("postgres://{user}:{password}@db/marquee")
            };
            let shown = mask(&url);
            proptest::prop_assert!(!shown.contains(&password), "{shown}");
        }
    }
}
