//! The `marquee` binary: commands, configuration, wiring and graceful shutdown. Thin: the work
//! lives in the library crates.
#![forbid(unsafe_code)]

mod config;
mod demo;
mod progress;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use config::Config;
use marquee_import::markdown::{self, Options};
use std::path::PathBuf;
use std::sync::Arc;

/// Marquee: a self-hosted publishing platform for film reviews.
#[derive(Parser)]
#[command(name = "marquee", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the public site (creating the data directory and database on first run).
    Serve(ServeArgs),
    /// Bring content in from other tools.
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    common: config::CommonArgs,
    /// Address to listen on.
    #[arg(long, env = "MARQUEE_LISTEN", default_value = "127.0.0.1:8080")]
    listen: std::net::SocketAddr,
    /// Public URL of the site, for canonical links and social cards (default: http://LISTEN).
    #[arg(long, env = "MARQUEE_BASE_URL")]
    base_url: Option<String>,
    /// Fill the store with sample films and reviews written for Marquee.
    #[arg(long)]
    demo: bool,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import a folder of Markdown reviews with TOML (+++) or YAML (---) front matter.
    Markdown(MarkdownArgs),
}

#[derive(Args)]
struct MarkdownArgs {
    #[command(flatten)]
    common: config::CommonArgs,
    /// The folder to read; every *.md below it is imported (Hugo/Zola page bundles too).
    dir: PathBuf,
    /// Report what would change without changing anything.
    #[arg(long)]
    dry_run: bool,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    config::init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(args).await,
            Command::Import(ImportCommand::Markdown(args)) => import_markdown(args).await,
        }
    })
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.common)?;
    let (store, media) = config.open().await?;
    if args.demo {
        demo::fill(&store, &media, &config.data_dir).await.context("filling the demo store")?;
    }
    let base_url = args.base_url.clone().unwrap_or_else(|| format!("http://{}", args.listen));
    if args.base_url.is_none() && args.listen.ip().is_unspecified() {
        tracing::warn!(%base_url, "no --base-url given: canonical and social links will use the listen address");
    }
    let state = marquee_web::AppState::new(store.clone(), media, marquee_web::WebConfig { base_url }).await?;
    let background = marquee_web::spawn_background(state.clone());
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    tracing::info!(address = %listener.local_addr()?, data = %config.data_dir.display(), "Marquee is serving");
    marquee_web::serve(listener, Arc::clone(&state), shutdown_signal()).await?;
    background.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

async fn import_markdown(args: MarkdownArgs) -> anyhow::Result<()> {
    let config = Config::load(&args.common)?;
    let (store, media) = config.open().await?;
    let progress = progress::for_terminal();
    let result =
        markdown::import_dir(&store, &media, &args.dir, Options { dry_run: args.dry_run }, progress.as_ref()).await;
    store.close().await;
    let summary = result?;
    for warning in &summary.warnings {
        eprintln!("warning: {warning}");
    }
    if args.dry_run {
        println!("Dry run, nothing changed: would be {summary}");
    } else {
        println!("Imported {}: {summary}", args.dir.display());
    }
    Ok(())
}
