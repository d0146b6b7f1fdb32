//! The `marquee` binary: commands, configuration, wiring and graceful shutdown. Thin: the work
//! lives in the library crates.
#![deny(unsafe_code)]

mod config;
mod demo;
mod memory;
mod progress;
mod users;

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
    #[command(flatten)]
    common: config::CommonArgs,
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
    /// Take everything out: JSON.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Print the effective configuration (file, environment and flags), secrets masked.
    Config,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Write the whole store (database snapshot and media) to one file, while serving.
    Backup(FileArgs),
    /// Restore a backup into an empty store.
    Restore(FileArgs),
    /// Database maintenance.
    #[command(subcommand)]
    Db(DbCommand),
    /// Accounts that sign in to the admin.
    #[command(subcommand)]
    User(UserCommand),
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add an account (the password is asked for, or read from standard input).
    Add(UserAddArgs),
    /// Set a new password for an account and sign it out everywhere.
    Password(UserPasswordArgs),
    /// List the users.
    List,
    /// Create an API token for an account and print it (it is shown only this once).
    Token(UserTokenArgs),
}

#[derive(Args)]
struct UserTokenArgs {
    /// The account's email.
    email: String,
    /// What the token is for.
    #[arg(long)]
    name: String,
    /// read, or write (read and write).
    #[arg(long, default_value = "read")]
    scope: String,
}

#[derive(Args)]
struct UserAddArgs {
    /// The email the user signs in with.
    #[arg(long)]
    email: String,
    /// The name readers see on their reviews.
    #[arg(long)]
    name: String,
    /// owner (users and settings), editor (publishes anything) or writer (own drafts).
    #[arg(long, default_value = "writer")]
    role: String,
    /// Read the password from the first line of standard input instead of asking.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Args)]
struct UserPasswordArgs {
    /// The account's email.
    email: String,
    /// Read the password from the first line of standard input instead of asking.
    #[arg(long)]
    password_stdin: bool,
}

#[derive(Args)]
struct FileArgs {
    /// The file to write or read.
    file: PathBuf,
}

#[derive(Subcommand)]
enum DbCommand {
    /// Copy a whole site's database into an empty one (e.g. SQLite to PostgreSQL) in one
    /// transaction, then verify row counts and a checksum per table.
    Copy(CopyArgs),
}

#[derive(Args)]
struct CopyArgs {
    /// The database to read, e.g. sqlite://marquee-data/marquee.db
    #[arg(long)]
    from: String,
    /// The empty database to write, e.g. postgres://marquee@db/marquee
    #[arg(long)]
    to: String,
}

#[derive(Args)]
struct ServeArgs {
    /// Fill the store with sample films and reviews written for Marquee.
    #[arg(long)]
    demo: bool,
}

#[derive(Args)]
struct JsonImportArgs {
    /// The export to read.
    file: PathBuf,
    /// Check the file and report what would be imported without changing anything.
    #[arg(long)]
    dry_run: bool,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Import a folder of Markdown reviews with TOML (+++) or YAML (---) front matter.
    Markdown(MarkdownArgs),
    /// Import a `marquee export json` file into an empty store: the identical site.
    Json(JsonImportArgs),
    /// Import a WordPress export (WXR): posts whose title names a film and year become reviews;
    /// images come from the wp-content/uploads files beside the export, or stay as URLs.
    Wordpress(PostsArgs),
    /// Import a Ghost export (JSON): posts whose title names a film and year become reviews;
    /// images come from the content/images folder beside the export, or stay as URLs.
    Ghost(PostsArgs),
    /// Import a Letterboxd account export (the ZIP or its folder) into a member's diary,
    /// watchlist and lists.
    Letterboxd(LetterboxdArgs),
    /// Fill in films' year, runtime, genres, directors, writers and cast from IMDb's datasets
    /// (title.basics, title.crew, title.principals, name.basics; .tsv.gz or .tsv) in DIR.
    Imdb(ImdbArgs),
}

#[derive(Args)]
struct ImdbArgs {
    /// The folder holding the downloaded dataset files.
    dir: PathBuf,
    /// Also add every feature film and TV film of the catalogue (with genres and directors), so
    /// film pickers know them.
    #[arg(long)]
    all: bool,
    /// Report what would change without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Leave out rows that cannot be read (each is reported) instead of stopping.
    #[arg(long)]
    skip_bad: bool,
}

#[derive(Args)]
struct PostsArgs {
    /// The export file (WordPress: Tools › Export; Ghost: Settings › Advanced › Export).
    file: PathBuf,
    /// Report what would change without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Leave out posts that cannot be imported (each is reported) instead of stopping.
    #[arg(long)]
    skip_bad: bool,
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Everything (every table and media file) as one JSON document; see docs/export-json.md.
    Json(FileArgs),
    /// Every review as a Markdown page bundle (DIR/SLUG/index.md with its images), in the
    /// front matter `marquee import markdown` reads.
    Markdown(DirArgs),
    /// A member's diary and published reviews in the CSV Letterboxd's importer reads.
    Letterboxd(LetterboxdExportArgs),
    /// The whole public site as static files for any web server (links from the domain's root;
    /// canonical and social links use --base-url). Only changed files are rewritten.
    Site(DirArgs),
}

#[derive(Args)]
struct LetterboxdExportArgs {
    /// The CSV file to write.
    file: PathBuf,
    /// The account (email) whose diary and reviews to export; may be left out when the site
    /// has one account.
    #[arg(long)]
    user: Option<String>,
}

#[derive(Args)]
struct DirArgs {
    /// The folder to write into (created when missing).
    dir: PathBuf,
}

#[derive(Args)]
struct LetterboxdArgs {
    /// The export: letterboxd-NAME-….zip, or the folder it unzips to.
    path: PathBuf,
    /// The account (email) it belongs to; may be left out when the site has one account.
    #[arg(long)]
    user: Option<String>,
    /// Report what would change without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Leave out rows that cannot be read (each is reported) instead of stopping.
    #[arg(long)]
    skip_bad: bool,
}

#[derive(Args)]
struct MarkdownArgs {
    /// The folder to read; every *.md below it is imported (Hugo/Zola page bundles too).
    dir: PathBuf,
    /// Report what would change without changing anything.
    #[arg(long)]
    dry_run: bool,
    /// Leave out files that cannot be imported (each is reported) instead of stopping.
    #[arg(long)]
    skip_bad: bool,
}

fn main() -> anyhow::Result<()> {
    memory::give_back_freed_memory();
    let cli = Cli::parse();
    let config = Config::load(&cli.common)?;
    if let Command::Config = cli.command {
        print!("{}", config.to_display_toml());
        return Ok(());
    }
    let logs = config::init_logging(&config);
    let access_log = logs.access_log(config.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("starting the runtime")?;
    runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => serve(config, args, access_log).await,
            Command::Import(ImportCommand::Markdown(args)) => import_markdown(config, args).await,
            Command::Import(ImportCommand::Letterboxd(args)) => import_letterboxd(config, args).await,
            Command::Import(ImportCommand::Json(args)) => import_json(config, args).await,
            Command::Import(ImportCommand::Imdb(args)) => import_imdb(config, args).await,
            Command::Import(ImportCommand::Wordpress(args)) => import_posts(config, args, Blog::Wordpress).await,
            Command::Import(ImportCommand::Ghost(args)) => import_posts(config, args, Blog::Ghost).await,
            Command::Export(ExportCommand::Json(args)) => export_json(config, args).await,
            Command::Export(ExportCommand::Markdown(args)) => export_markdown(config, args).await,
            Command::Export(ExportCommand::Letterboxd(args)) => export_letterboxd(config, args).await,
            Command::Export(ExportCommand::Site(args)) => export_site(config, args).await,
            Command::Migrate => migrate(config).await,
            Command::Backup(args) => backup(config, args).await,
            Command::Restore(args) => restore(config, args).await,
            Command::Db(DbCommand::Copy(args)) => db_copy(args).await,
            Command::User(command) => users::run(config, command).await,
            Command::Config => Ok(()),
        }
    })
}

async fn serve(config: Config, args: ServeArgs, access_log: marquee_web::AccessLog) -> anyhow::Result<()> {
    let (store, media) = config.open().await?;
    if args.demo {
        demo::fill(&store, &media, &config.data_dir).await.context("filling the demo store")?;
    }
    if config.base_url.starts_with("http://0.0.0.0") || config.base_url.starts_with("http://[::]") {
        tracing::warn!(base_url = %config.base_url, "no base_url set: canonical and social links use the listen address");
    }
    let web = marquee_web::WebConfig { access_log, ..config.web() };
    let state = marquee_web::AppState::new(store.clone(), media, web).await?;
    let background = marquee_web::spawn_background(state.clone());
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    if let Some(address) = config.metrics_listen {
        let metrics = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on {address} for metrics"))?;
        let metrics_state = state.clone();
        tokio::spawn(async move {
            if let Err(e) = marquee_web::serve_metrics(metrics, metrics_state).await {
                tracing::error!(error = %e, "the metrics server stopped");
            }
        });
        tracing::info!(%address, "metrics on their own address");
    }
    tracing::info!(address = %listener.local_addr()?, data = %config.data_dir.display(), "Marquee is serving");
    if !marquee_store::accounts::owner_exists(&state.store).await? {
        tracing::warn!(
            setup_code = state.setup_code(),
            "no owner yet: open /admin/setup and enter this setup code, or run `marquee user add --role owner`"
        );
    }
    marquee_web::serve(listener, Arc::clone(&state), shutdown_signal()).await?;
    background.abort();
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn migrate(config: Config) -> anyhow::Result<()> {
    let (store, _) = config.open().await?;
    store.close().await;
    println!("The database at {} is up to date.", config::mask(&config.database_url));
    Ok(())
}

async fn backup(config: Config, args: FileArgs) -> anyhow::Result<()> {
    let (store, media) = config.open_for_batch().await?;
    let progress = progress::for_terminal();
    let report = marquee_import::backup::backup(&store, &media, &args.file, progress.as_ref()).await;
    store.close().await;
    let report = report?;
    println!("Backed up {} rows and {} media files to {}", report.rows, report.media_files, args.file.display());
    Ok(())
}

async fn restore(config: Config, args: FileArgs) -> anyhow::Result<()> {
    let (store, media) = config.open().await?;
    let progress = progress::for_terminal();
    let report = marquee_import::backup::restore(&store, &media, &args.file, progress.as_ref()).await;
    store.close().await;
    let report = report?;
    println!("Restored {} rows and {} media files from {}", report.rows, report.media_files, args.file.display());
    Ok(())
}

async fn db_copy(args: CopyArgs) -> anyhow::Result<()> {
    let from = marquee_store::Store::open(&args.from)
        .await
        .with_context(|| format!("cannot open {}", config::mask(&args.from)))?;
    let to = marquee_store::Store::open(&args.to)
        .await
        .with_context(|| format!("cannot open {}", config::mask(&args.to)))?;
    let snapshot = marquee_store::dump::read(&from).await?;
    marquee_store::dump::write(&to, &snapshot).await.context("copying (nothing was written)")?;
    let copied = marquee_store::dump::read(&to).await?;
    let (expected, found) = (marquee_store::dump::checksums(&snapshot), marquee_store::dump::checksums(&copied));
    let mut all_match = true;
    println!("{:<18} {:>8} {:>8}  checksum", "table", "source", "copy");
    for (source, copy) in snapshot.tables.iter().zip(&copied.tables) {
        let same = source.rows.len() == copy.rows.len() && expected[&source.name] == found[&copy.name];
        all_match &= same;
        println!(
            "{:<18} {:>8} {:>8}  {}",
            source.name,
            source.rows.len(),
            copy.rows.len(),
            if same { &expected[&source.name][..16] } else { "MISMATCH" }
        );
    }
    from.close().await;
    to.close().await;
    if !all_match {
        anyhow::bail!("the copy differs from the source");
    }
    println!(
        "Copied and verified. Media files are not in the database: point the new servers at the same media directory."
    );
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

async fn export_json(config: Config, args: FileArgs) -> anyhow::Result<()> {
    let (store, media) = config.open_for_batch().await?;
    let progress = progress::for_terminal();
    let report = marquee_import::json::export(&store, &media, &args.file, progress.as_ref()).await;
    store.close().await;
    let report = report?;
    println!("Exported {} rows and {} media files to {}", report.rows, report.media_files, args.file.display());
    Ok(())
}

async fn export_site(config: Config, args: DirArgs) -> anyhow::Result<()> {
    let (store, media) = config.open_for_batch().await?;
    // Share images drawn by the server (or an earlier export) are kept, not drawn again.
    let web =
        marquee_web::WebConfig { share_dir: Some(config.share_dir()), ..marquee_web::WebConfig::new(&config.base_url) };
    let state = marquee_web::AppState::new(store.clone(), media, web).await?;
    let progress = progress::for_terminal();
    let started = std::time::Instant::now();
    let report = marquee_web::static_site::export(state, &args.dir, progress.as_ref()).await;
    store.close().await;
    let report = report?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if report.current {
        println!(
            "The site in {} is current: nothing changed since it was exported ({} files, {} broken link(s)).",
            args.dir.display(),
            report.files,
            report.warnings.len()
        );
        return Ok(());
    }
    println!(
        "Exported the site to {} in {:.1} s: {} files, {} written, {} removed, {} unchanged share images kept, {} broken link(s)",
        args.dir.display(),
        started.elapsed().as_secs_f64(),
        report.files,
        report.written,
        report.removed,
        report.reused,
        report.warnings.len()
    );
    Ok(())
}

async fn export_markdown(config: Config, args: DirArgs) -> anyhow::Result<()> {
    let (store, media) = config.open_for_batch().await?;
    let progress = progress::for_terminal();
    let report = marquee_import::markdown_export::export(&store, &media, &args.dir, progress.as_ref()).await;
    store.close().await;
    let report = report?;
    println!(
        "Exported {} reviews, {} articles and pages and {} images to {}",
        report.reviews,
        report.posts,
        report.images,
        args.dir.display()
    );
    Ok(())
}

enum Blog {
    Wordpress,
    Ghost,
}

async fn import_posts(config: Config, args: PostsArgs, blog: Blog) -> anyhow::Result<()> {
    let (store, media) = config.open_for_batch().await?;
    let progress = progress::for_terminal();
    let options = marquee_import::posts::Options { dry_run: args.dry_run, skip_bad: args.skip_bad };
    let result = match blog {
        Blog::Wordpress => {
            marquee_import::wordpress::import(&store, &media, &args.file, options, progress.as_ref()).await
        }
        Blog::Ghost => marquee_import::ghost::import(&store, &media, &args.file, options, progress.as_ref()).await,
    };
    store.close().await;
    print_summary(&result?, args.dry_run, &format!("Imported {}", args.file.display()));
    Ok(())
}

async fn import_json(config: Config, args: JsonImportArgs) -> anyhow::Result<()> {
    let (store, media) = config.open_for_batch().await?;
    let progress = progress::for_terminal();
    let report = marquee_import::json::import(&store, &media, &args.file, args.dry_run, progress.as_ref()).await;
    store.close().await;
    let report = report?;
    let done = if args.dry_run { "Dry run, nothing changed: would import" } else { "Imported" };
    println!("{done} {} rows and {} media files from {}", report.rows, report.media_files, args.file.display());
    Ok(())
}

/// The account an import or export is for: `--user`, or the site's only account.
async fn account_for(
    store: &marquee_store::Store,
    user: Option<&str>,
) -> anyhow::Result<marquee_store::accounts::Account> {
    let accounts = marquee_store::accounts::list(store).await?;
    Ok(match user {
        Some(email) => marquee_store::accounts::by_email(store, email)
            .await?
            .with_context(|| format!("--user: no account has the email {email}"))?,
        None => match accounts.as_slice() {
            [only] => only.clone(),
            [] => anyhow::bail!("the site has no accounts yet: add one with `marquee user add`"),
            _ => anyhow::bail!("--user: say whose it is (the site has {} accounts)", accounts.len()),
        },
    })
}

async fn export_letterboxd(config: Config, args: LetterboxdExportArgs) -> anyhow::Result<()> {
    let (store, _) = config.open_for_batch().await?;
    let account = account_for(&store, args.user.as_deref()).await?;
    let progress = progress::for_terminal();
    let report = marquee_import::letterboxd_export::export(&store, account.id, &args.file, progress.as_ref()).await;
    store.close().await;
    let report = report?;
    println!(
        "Exported {} diary entries and {} reviews of {} to {}",
        report.diary_entries,
        report.reviews,
        account.display_name,
        args.file.display()
    );
    Ok(())
}

async fn import_letterboxd(config: Config, args: LetterboxdArgs) -> anyhow::Result<()> {
    let (store, _) = config.open_for_batch().await?;
    let account = account_for(&store, args.user.as_deref()).await?;
    let progress = progress::for_terminal();
    let options = marquee_import::letterboxd::Options { dry_run: args.dry_run, skip_bad: args.skip_bad };
    let result = marquee_import::letterboxd::import(&store, account.id, &args.path, options, progress.as_ref()).await;
    store.close().await;
    let done = format!("Imported {} for {}", args.path.display(), account.display_name);
    print_summary(&result?, args.dry_run, &done);
    Ok(())
}

async fn import_imdb(config: Config, args: ImdbArgs) -> anyhow::Result<()> {
    let (store, _) = config.open_for_batch().await?;
    let progress = progress::for_terminal();
    let options = marquee_import::imdb::Options { dry_run: args.dry_run, skip_bad: args.skip_bad, all: args.all };
    let result = marquee_import::imdb::import(&store, &args.dir, options, progress.as_ref()).await;
    store.close().await;
    let report = result?;
    print_summary(&report.summary, args.dry_run, &format!("Imported {}", args.dir.display()));
    println!("Read {} rows in {:.1} s ({:.0} rows/s)", report.rows, report.seconds, report.rows_per_second());
    Ok(())
}

/// Prints an import's warnings, skipped rows and summary.
fn print_summary(summary: &marquee_import::Summary, dry_run: bool, done: &str) {
    for warning in &summary.warnings {
        eprintln!("warning: {warning}");
    }
    for skipped in &summary.skipped {
        eprintln!("skipped: {skipped}");
    }
    if dry_run {
        for taken in &summary.taken {
            println!("{taken}");
        }
        println!("Dry run, nothing changed: would be {summary}");
    } else {
        println!("{done}: {summary}");
    }
}

async fn import_markdown(config: Config, args: MarkdownArgs) -> anyhow::Result<()> {
    let (store, media) = config.open_for_batch().await?;
    let progress = progress::for_terminal();
    let result = markdown::import_dir(
        &store,
        &media,
        &args.dir,
        Options { dry_run: args.dry_run, skip_bad: args.skip_bad },
        progress.as_ref(),
    )
    .await;
    store.close().await;
    print_summary(&result?, args.dry_run, &format!("Imported {}", args.dir.display()));
    Ok(())
}
