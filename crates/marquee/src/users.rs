//! `marquee user …`: adding accounts and setting passwords from the command line (the way to
//! create the first owner on a server without a browser, or to recover a lost password).

use crate::config::Config;
use crate::{UserAddArgs, UserCommand, UserPasswordArgs, UserTokenArgs};
use anyhow::{bail, Context};
use marquee_core::permissions::password_problem;
use marquee_core::Role;
use marquee_store::{accounts, audit};
use std::io::BufRead;

pub async fn run(config: Config, command: UserCommand) -> anyhow::Result<()> {
    match command {
        UserCommand::Add(args) => add(config, args).await,
        UserCommand::Password(args) => password(config, args).await,
        UserCommand::List => list(config).await,
        UserCommand::Token(args) => token(config, args).await,
    }
}

/// The new password: the first line of standard input, or typed twice at a prompt that does
/// not echo.
fn read_password(from_stdin: bool, email: &str) -> anyhow::Result<String> {
    let password = if from_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line).context("reading the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        let first = rpassword::prompt_password("Password: ").context("reading the password")?;
        let again = rpassword::prompt_password("The password again: ").context("reading the password")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    };
    if let Some(problem) = password_problem(&password, email) {
        bail!("{problem}");
    }
    Ok(password)
}

async fn add(config: Config, args: UserAddArgs) -> anyhow::Result<()> {
    let role: Role = args.role.parse().map_err(|e: String| anyhow::anyhow!("--role: {e}"))?;
    if !args.email.contains('@') || args.email.chars().any(char::is_whitespace) {
        bail!("--email: \"{}\" is not an email address", args.email);
    }
    if args.name.trim().is_empty() {
        bail!("--name: give the name readers will see");
    }
    let password = read_password(args.password_stdin, &args.email)?;
    let (store, _) = config.open().await?;
    let hash = marquee_web::auth::hash_password(&password).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = store.begin().await?;
    let id = accounts::create(&mut tx, &args.email, &args.name, role, &hash).await?;
    audit::record(&mut tx, id, "command line", "user.added", args.name.trim(), &format!("as {}", role.as_str()))
        .await?;
    tx.commit().await?;
    println!("Added {} <{}> as {}.", args.name.trim(), accounts::normalize_email(&args.email), role.as_str());
    Ok(())
}

async fn password(config: Config, args: UserPasswordArgs) -> anyhow::Result<()> {
    let (store, _) = config.open().await?;
    let Some(account) = accounts::by_email(&store, &args.email).await? else {
        bail!("no account has the email {}", accounts::normalize_email(&args.email));
    };
    let password = read_password(args.password_stdin, &args.email)?;
    let hash = marquee_web::auth::hash_password(&password).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut tx = store.begin().await?;
    accounts::set_password(&mut tx, account.id, &hash).await?;
    let ended = accounts::end_sessions(&mut tx, account.id, None).await?;
    audit::record(&mut tx, account.id, "command line", "user.password_set", &account.display_name, "").await?;
    tx.commit().await?;
    println!("Password set for {}; {ended} session(s) signed out.", account.display_name);
    Ok(())
}

async fn list(config: Config) -> anyhow::Result<()> {
    let (store, _) = config.open().await?;
    for user in accounts::list(&store).await? {
        let email = user.email.as_deref().unwrap_or("(no sign-in)");
        let disabled = if user.disabled { " (disabled)" } else { "" };
        println!("{:<8} {:<32} {}{disabled}", user.role.as_str(), email, user.display_name);
    }
    Ok(())
}

async fn token(config: Config, args: UserTokenArgs) -> anyhow::Result<()> {
    let Some(scope) = marquee_store::tokens::Scope::parse(&args.scope) else {
        bail!("--scope: \"{}\" is neither read nor write", args.scope);
    };
    if args.name.trim().is_empty() {
        bail!("--name: say what the token is for");
    }
    let (store, _) = config.open().await?;
    let Some(account) = accounts::by_email(&store, &args.email).await? else {
        bail!("no account has the email {}", accounts::normalize_email(&args.email));
    };
    let token = marquee_web::auth::new_api_token();
    let mut tx = store.begin().await?;
    marquee_store::tokens::create(&mut tx, account.id, args.name.trim(), &token.hash, &token.hint, scope).await?;
    audit::record(&mut tx, account.id, "command line", "token.created", args.name.trim(), scope.as_str()).await?;
    tx.commit().await?;
    println!("{}", token.secret);
    Ok(())
}
