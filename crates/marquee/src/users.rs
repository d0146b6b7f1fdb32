//! `marquee user …`: adding accounts and setting passwords from the command line (the way to
//! create the first owner on a server without a browser, or to recover a lost password).

use crate::config::Config;
use crate::{UserAddArgs, UserCommand, UserPasswordArgs, UserTokenArgs};
use anyhow::{bail, Context};
use marquee_changes::accounts::{self, AccountChange, Asker, NewAccount, Password, TokenName};
use marquee_changes::{ChangeError, Desk};
use marquee_core::{Email, Role, Title};
use marquee_store::accounts as store_accounts;
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
fn read_password(from_stdin: bool, email: &str) -> anyhow::Result<Password> {
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
    Ok(Password::parse(&password, email)?)
}

/// The changes desk over the configured store.
async fn desk(config: &Config) -> anyhow::Result<Desk> {
    let (store, media) = config.open().await?;
    Ok(Desk::new(store, media))
}

/// Says what a refused change was, field by field.
fn refused(error: ChangeError) -> anyhow::Error {
    match error {
        ChangeError::Invalid(problems) => {
            anyhow::anyhow!(
                "{}",
                problems.iter().map(|p| format!("{}: {}", p.field, p.message)).collect::<Vec<_>>().join("; ")
            )
        }
        other => anyhow::anyhow!("{other}"),
    }
}

async fn add(config: Config, args: UserAddArgs) -> anyhow::Result<()> {
    let role: Role = args.role.parse().map_err(|e: String| anyhow::anyhow!("--role: {e}"))?;
    let email = Email::parse(&args.email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let name = Title::parse(&args.name, "the name readers will see").map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let password = read_password(args.password_stdin, email.as_str())?;
    let desk = desk(&config).await?;
    let account = NewAccount { email, name, role, password };
    accounts::add(&desk, Asker::CommandLine, &account).await.map_err(refused)?;
    println!("Added {} <{}> as {}.", account.name, account.email, role.as_str());
    Ok(())
}

async fn password(config: Config, args: UserPasswordArgs) -> anyhow::Result<()> {
    let desk = desk(&config).await?;
    let Some(account) = store_accounts::by_email(&desk.store, &args.email).await? else {
        bail!("no account has the email {}", store_accounts::normalize_email(&args.email));
    };
    let password = read_password(args.password_stdin, &args.email)?;
    let change = AccountChange { role: account.role, disabled: account.disabled, password: Some(password) };
    let ended = accounts::change(&desk, Asker::CommandLine, account.id, &change).await.map_err(refused)?;
    println!("Password set for {}; {ended} session(s) signed out.", account.display_name);
    Ok(())
}

async fn list(config: Config) -> anyhow::Result<()> {
    let (store, _) = config.open().await?;
    for user in store_accounts::list(&store).await? {
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
    let name = TokenName::parse(&args.name).map_err(|e| anyhow::anyhow!("--name: {e}"))?;
    let desk = desk(&config).await?;
    let Some(account) = store_accounts::by_email(&desk.store, &args.email).await? else {
        bail!("no account has the email {}", store_accounts::normalize_email(&args.email));
    };
    let token = accounts::create_token(&desk, Asker::CommandLine, account.id, &name, scope).await.map_err(refused)?;
    println!("{}", token.secret);
    Ok(())
}
