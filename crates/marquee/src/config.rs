//! Configuration: typed settings from flags and `MARQUEE_…` environment variables, and
//! opening the store and media store they name. Nothing else reads the environment.

use anyhow::Context;
use clap::Args;
use marquee_media::MediaStore;
use marquee_store::Store;
use std::path::PathBuf;

#[derive(Args, Clone, Debug)]
pub struct CommonArgs {
    /// Data directory: the SQLite database and the media store live here.
    #[arg(long = "data", env = "MARQUEE_DATA", default_value = "./marquee-data")]
    pub data_dir: PathBuf,
    /// Database URL (sqlite://… or postgres://…); default: marquee.db in the data directory.
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: String,
    pub media_dir: PathBuf,
}

impl Config {
    pub fn load(args: &CommonArgs) -> anyhow::Result<Config> {
        let data_dir = args.data_dir.clone();
        let database_url = match &args.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}?mode=rwc", data_dir.join("marquee.db").display()),
        };
        Ok(Config { media_dir: data_dir.join("media"), data_dir, database_url })
    }

    /// Creates the data directory on first run, opens the database (applying migrations) and
    /// the media store.
    pub async fn open(&self) -> anyhow::Result<(Store, MediaStore)> {
        std::fs::create_dir_all(&self.media_dir)
            .with_context(|| format!("cannot create the data directory {}", self.media_dir.display()))?;
        let store = Store::open(&self.database_url)
            .await
            .with_context(|| format!("cannot open the database at {}", mask(&self.database_url)))?;
        Ok((store, MediaStore::new(&self.media_dir)))
    }
}

/// A database URL with any password hidden, for messages.
fn mask(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Structured logs to stderr: `MARQUEE_LOG` sets the filter (default `info`),
/// `MARQUEE_LOG_FORMAT=json` writes one JSON object per line.
pub fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("MARQUEE_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if std::env::var("MARQUEE_LOG_FORMAT").is_ok_and(|f| f == "json") {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn passwords_in_database_urls_are_masked() {
        assert_eq!(mask("postgres://app:s3cret@db:5432/marquee"), "postgres://app:***@db:5432/marquee");
        assert_eq!(mask("sqlite://data/marquee.db"), "sqlite://data/marquee.db");
    }
}
