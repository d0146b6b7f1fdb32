//! Accounts: the first owner, members added by an owner or the command line, roles, profiles,
//! passwords (hashed with argon2id, a few at a time) and API tokens. Signing in and sessions are
//! the web layer's; what they store is written here.

use crate::{ChangeError, Desk, Member, Problem, Result};
use marquee_core::permissions::password_problem;
use marquee_core::{Action, Email, Role, Title, ValueError};
use marquee_store::tokens::{self, Scope};
use marquee_store::{accounts, audit};
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

/// 32 random bytes as hex: session tokens, CSRF tokens, API tokens.
pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's random source is available");
    hex(&bytes)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Tokens are stored by their SHA-256, so the tables alone open nothing.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// A new password, checked: long enough, not too long, not the account's email.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(text: &str, email: &str) -> Result<Password, ValueError> {
        match password_problem(text, email) {
            Some(problem) => Err(ValueError(problem)),
            None => Ok(Password(text.to_string())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(…)")
    }
}

/// Argon2's working memory, `blocks` of 1 KiB, allocated so that it goes back to the system when
/// dropped. Past 32 MiB, glibc's malloc always maps a fresh region and unmaps it when freed; a
/// 19 MiB buffer would instead be kept by each thread's arena once freed, and a server whose
/// threads took turns hashing would hold 19 MiB for every one of them. Only the pages used are
/// ever touched.
fn working_memory(blocks: usize) -> Vec<argon2::Block> {
    const ALWAYS_MAPPED: usize = 33 * 1024;
    let mut memory = Vec::with_capacity(blocks.max(ALWAYS_MAPPED));
    memory.resize(blocks, argon2::Block::default());
    memory
}

/// The most memory a stored hash may ask for (256 MiB): one that asks for more is not checked.
const MOST_BLOCKS: usize = 256 * 1024;

fn hashing_failed(e: &dyn std::fmt::Display) -> ChangeError {
    ChangeError::Internal(format!("hashing a password failed: {e}"))
}

/// Hashes a password with argon2id (slow on purpose: run it off the async threads).
pub fn hash_blocking(password: &str) -> Result<String> {
    use argon2::password_hash::{Output, ParamsString, SaltString};
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).expect("the operating system's random source is available");
    let argon = argon2::Argon2::default();
    let params = argon.params().clone();
    let mut out = [0u8; argon2::Params::DEFAULT_OUTPUT_LEN];
    argon
        .hash_password_into_with_memory(password.as_bytes(), &salt, &mut out, working_memory(params.block_count()))
        .map_err(|e| hashing_failed(&e))?;
    let salt = SaltString::encode_b64(&salt).expect("16 bytes make a valid salt");
    let hash = argon2::PasswordHash {
        algorithm: argon2::Algorithm::Argon2id.ident(),
        version: Some(argon2::Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| hashing_failed(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| hashing_failed(&e))?),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches `hash`. Without a hash (no such account) a fixed one is checked
/// instead, so a wrong email takes as long as a wrong password.
pub fn verify_blocking(password: &str, hash: Option<&str>) -> bool {
    static DECOY: OnceLock<String> = OnceLock::new();
    let checked = match hash {
        Some(hash) => hash,
        None => DECOY.get_or_init(|| hash_blocking("not a password anyone has").unwrap_or_default()).as_str(),
    };
    let matches = (|| {
        let parsed = argon2::PasswordHash::new(checked).ok()?;
        let algorithm = argon2::Algorithm::try_from(parsed.algorithm).ok()?;
        let version = parsed.version.map(argon2::Version::try_from).transpose().ok()?.unwrap_or_default();
        let params = argon2::Params::try_from(&parsed).ok()?;
        let expected = parsed.hash?;
        if params.block_count() > MOST_BLOCKS {
            return None;
        }
        let mut salt = [0u8; 64];
        let salt = parsed.salt?.decode_b64(&mut salt).ok()?;
        let mut out = vec![0u8; expected.len()];
        argon2::Argon2::new(algorithm, version, params.clone())
            .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, working_memory(params.block_count()))
            .ok()?;
        // Output compares in constant time.
        Some(argon2::password_hash::Output::new(&out).ok()? == expected)
    })()
    .unwrap_or(false);
    hash.is_some() && matches
}

/// Password hashing for a server: each argon2id hash holds 19 MiB while it runs, so no more run
/// at once than the machine has cores. A sign-in that finds them all busy waits a moment in a
/// short queue (a burst passes); past the queue it is answered at once (`try_verify`). Members
/// changing passwords wait their turn (`hash`, `verify`).
pub struct Passwords {
    permits: Arc<tokio::sync::Semaphore>,
    /// Sign-ins waiting for a turn now, and how many may.
    waiting: AtomicUsize,
    queue: usize,
}

/// How long a sign-in waits in the queue for a turn.
const QUEUE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl Default for Passwords {
    fn default() -> Self {
        Passwords::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
    }
}

/// Counts a sign-in in the queue while it waits.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Passwords {
    pub fn new(at_once: usize) -> Passwords {
        let at_once = at_once.max(1);
        Passwords {
            permits: Arc::new(tokio::sync::Semaphore::new(at_once)),
            waiting: AtomicUsize::new(0),
            queue: at_once * 4,
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        permit: tokio::sync::OwnedSemaphorePermit,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        tokio::task::spawn_blocking(move || {
            let result = work();
            drop(permit);
            result
        })
        .await
        .map_err(|e| hashing_failed(&e))
    }

    async fn wait(&self) -> Result<tokio::sync::OwnedSemaphorePermit> {
        self.permits.clone().acquire_owned().await.map_err(|e| hashing_failed(&e))
    }

    /// A turn now, or after a short wait in the queue; `None` when the queue is full too.
    async fn turn_soon(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        if let Ok(permit) = self.permits.clone().try_acquire_owned() {
            return Some(permit);
        }
        let _waiting = Waiting(&self.waiting);
        if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.queue {
            return None;
        }
        tokio::time::timeout(QUEUE_WAIT, self.permits.clone().acquire_owned()).await.ok()?.ok()
    }

    /// Hashes a new password, waiting for a free turn.
    pub async fn hash(&self, password: &Password) -> Result<String> {
        let permit = self.wait().await?;
        let password = password.as_str().to_string();
        self.run(permit, move || hash_blocking(&password)).await?
    }

    /// Checks a password, waiting for a free turn.
    pub async fn verify(&self, password: &str, hash: Option<&str>) -> Result<bool> {
        let permit = self.wait().await?;
        let (password, hash) = (password.to_string(), hash.map(str::to_string));
        self.run(permit, move || verify_blocking(&password, hash.as_deref())).await
    }

    /// Checks a password if a turn comes soon; `None` when every turn and the queue are taken.
    pub async fn try_verify(&self, password: &str, hash: Option<&str>) -> Result<Option<bool>> {
        let Some(permit) = self.turn_soon().await else { return Ok(None) };
        let (password, hash) = (password.to_string(), hash.map(str::to_string));
        self.run(permit, move || verify_blocking(&password, hash.as_deref())).await.map(Some)
    }

    /// Hashes a new password if a turn comes soon (the first-run setup, open to anyone).
    pub async fn try_hash(&self, password: &Password) -> Result<Option<String>> {
        let Some(permit) = self.turn_soon().await else { return Ok(None) };
        let password = password.as_str().to_string();
        self.run(permit, move || hash_blocking(&password)).await?.map(Some)
    }
}

/// Who asks for an account change: a member in the admin (whose role must allow it), or the
/// server's operator at the command line.
#[derive(Clone, Copy, Debug)]
pub enum Asker<'a> {
    Member(&'a Member),
    CommandLine,
}

impl Asker<'_> {
    fn require(self, action: Action) -> Result<()> {
        match self {
            Asker::Member(member) => member.require(action),
            Asker::CommandLine => Ok(()),
        }
    }

    /// The activity log's actor: the member, or the account itself named "command line".
    fn logged_as(self, account_id: i64) -> (i64, String) {
        match self {
            Asker::Member(member) => (member.id, member.name.clone()),
            Asker::CommandLine => (account_id, "command line".to_string()),
        }
    }
}

/// A new account's details.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub email: Email,
    /// The name readers see.
    pub name: Title,
    pub role: Role,
    pub password: Password,
}

/// The first owner of a new site, by whoever opens the setup page first; once an owner exists,
/// there is no setup (not found). Hashing takes a turn only if one comes soon (`None`: busy).
pub async fn set_up(desk: &Desk, account: &NewAccount) -> Result<Option<i64>> {
    if accounts::owner_exists(&desk.store).await? {
        return Err(ChangeError::NotFound);
    }
    let Some(hash) = desk.passwords.try_hash(&account.password).await? else { return Ok(None) };
    let mut tx = desk.store.begin().await?;
    // Two first visitors at once: the owner check inside the transaction lets only one through.
    if accounts::owners(&mut tx).await? > 0 {
        return Err(ChangeError::NotFound);
    }
    let name = account.name.as_str();
    let id = accounts::create(&mut tx, account.email.as_str(), name, Role::Owner, &hash).await?;
    audit::record(&mut tx, id, name, "site.setup", account.email.as_str(), "first owner created").await?;
    tx.commit().await?;
    Ok(Some(id))
}

/// Adds an account (an owner in the admin, or the operator); a writer credited by an import under
/// the same name becomes this account.
pub async fn add(desk: &Desk, by: Asker<'_>, account: &NewAccount) -> Result<i64> {
    by.require(Action::ManageUsers)?;
    let hash = desk.passwords.hash(&account.password).await?;
    let mut tx = desk.store.begin().await?;
    let name = account.name.as_str();
    let id = match accounts::create(&mut tx, account.email.as_str(), name, account.role, &hash).await {
        Ok(id) => id,
        Err(marquee_store::Error::Exists(message)) => {
            return Err(ChangeError::Invalid(vec![Problem::new("email", message)]))
        }
        Err(e) => return Err(e.into()),
    };
    let (actor, actor_name) = by.logged_as(id);
    let detail = format!("{} as {}", account.email, account.role.as_str());
    audit::record(&mut tx, actor, &actor_name, "user.added", name, &detail).await?;
    tx.commit().await?;
    Ok(id)
}

/// An account's role, whether it is disabled, and a new password, as the owner sets them.
#[derive(Clone, Debug)]
pub struct AccountChange {
    pub role: Role,
    pub disabled: bool,
    /// A new password (which signs the member out everywhere).
    pub password: Option<Password>,
}

/// Changes an account as an owner (or the operator, for its password) asks. The site keeps at
/// least one owner who can sign in. Returns how many sessions a new password ended.
pub async fn change(desk: &Desk, by: Asker<'_>, id: i64, change: &AccountChange) -> Result<u64> {
    by.require(Action::ManageUsers)?;
    let account = accounts::by_id(&desk.store, id).await?.ok_or(ChangeError::NotFound)?;
    let hash = match &change.password {
        Some(password) => Some(desk.passwords.hash(password).await?),
        None => None,
    };
    let (actor, actor_name) = by.logged_as(id);
    let mut tx = desk.store.begin().await?;
    let mut ended = 0;
    if let Some(hash) = &hash {
        accounts::set_password(&mut tx, id, hash).await?;
        ended = accounts::end_sessions(&mut tx, id, None).await?;
        audit::record(&mut tx, actor, &actor_name, "user.password_set", &account.display_name, "").await?;
    }
    if change.role != account.role || change.disabled != account.disabled {
        match accounts::set_role(&mut tx, id, change.role, change.disabled).await {
            Ok(()) => {}
            Err(marquee_store::Error::Invalid(message)) => {
                return Err(ChangeError::Invalid(vec![Problem::new("role", message)]))
            }
            Err(e) => return Err(e.into()),
        }
        let detail = format!("role {}{}", change.role.as_str(), if change.disabled { ", disabled" } else { "" });
        audit::record(&mut tx, actor, &actor_name, "user.changed", &account.display_name, &detail).await?;
    }
    tx.commit().await?;
    Ok(ended)
}

/// A member's own profile: the name readers see, a short bio, and whether their diary is public.
pub async fn save_profile(desk: &Desk, member: &Member, name: &Title, bio: &str, diary_public: bool) -> Result<()> {
    let mut tx = desk.store.begin().await?;
    accounts::set_profile(&mut tx, member.id, name.as_str(), bio.trim(), diary_public).await?;
    tx.commit().await?;
    Ok(())
}

/// A member changes their own password, knowing the current one; every other session of theirs
/// ends (the one with `keep`, their token's hash, goes on).
pub async fn change_own_password(
    desk: &Desk,
    member: &Member,
    current: &str,
    new: &Password,
    keep: &str,
) -> Result<()> {
    let account = accounts::by_id(&desk.store, member.id).await?.ok_or(ChangeError::NotFound)?;
    if !desk.passwords.verify(current, account.password_hash.as_deref()).await? {
        return Err(ChangeError::Invalid(vec![Problem::new("current", "Your current password is not that.")]));
    }
    let hash = desk.passwords.hash(new).await?;
    let mut tx = desk.store.begin().await?;
    accounts::set_password(&mut tx, member.id, &hash).await?;
    accounts::end_sessions(&mut tx, member.id, Some(keep)).await?;
    tx.commit().await?;
    Ok(())
}

/// What an API token is for, in a few words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenName(String);

impl TokenName {
    pub fn parse(text: &str) -> Result<TokenName, ValueError> {
        let text = text.trim();
        if text.is_empty() || text.chars().count() > 100 {
            return Err(ValueError("Say what the token is for, in up to 100 characters.".into()));
        }
        Ok(TokenName(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new API token: its secret, shown to its member once.
pub struct NewToken {
    pub secret: String,
}

/// Creates an API token for account `id` (a member's own, or any from the command line). Every
/// token starts with `mq_`, so a leaked one is recognisable.
pub async fn create_token(desk: &Desk, by: Asker<'_>, id: i64, name: &TokenName, scope: Scope) -> Result<NewToken> {
    if let Asker::Member(member) = by {
        if member.id != id {
            return Err(ChangeError::Forbidden);
        }
    }
    let secret = format!("mq_{}", random_token());
    let (hash, hint) = (token_hash(&secret), secret[..9].to_string());
    let (actor, actor_name) = by.logged_as(id);
    let mut tx = desk.store.begin().await?;
    tokens::create(&mut tx, id, name.as_str(), &hash, &hint, scope).await?;
    audit::record(&mut tx, actor, &actor_name, "token.created", name.as_str(), scope.as_str()).await?;
    tx.commit().await?;
    Ok(NewToken { secret })
}

/// Revokes one of the member's own tokens; says whether there was one.
pub async fn revoke_token(desk: &Desk, member: &Member, token_id: i64) -> Result<bool> {
    let mut tx = desk.store.begin().await?;
    let revoked = tokens::revoke(&mut tx, member.id, token_id).await?;
    if revoked {
        audit::record(&mut tx, member.id, &member.name, "token.revoked", &token_id.to_string(), "").await?;
    }
    tx.commit().await?;
    Ok(revoked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::{PasswordHasher, SaltString};

    #[test]
    fn passwords_hash_and_verify_with_memory_that_goes_back_to_the_system() {
        let hash = hash_blocking("correct horse battery staple").unwrap();
        assert!(hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{hash}");
        assert!(verify_blocking("correct horse battery staple", Some(&hash)));
        assert!(!verify_blocking("correct horse battery stapler", Some(&hash)));
        assert!(!verify_blocking("correct horse battery staple", None), "no account, no sign-in");
        // Hashes stored before (made by the argon2 crate's own hasher) still verify.
        let salt = SaltString::encode_b64(b"sixteen byte slt").unwrap();
        let older = argon2::Argon2::default().hash_password(b"an older password", &salt).unwrap().to_string();
        assert!(verify_blocking("an older password", Some(&older)));
        // A stored hash asking for a gigabyte of memory is not worked out.
        let greedy = older.replace("m=19456", "m=1048576");
        assert!(!verify_blocking("an older password", Some(&greedy)));
        assert!(!verify_blocking("x", Some("not a hash")));
    }

    #[test]
    fn new_passwords_and_token_names_keep_to_their_rules() {
        assert!(Password::parse("short", "a@b.c").is_err());
        assert!(Password::parse("writer@example.com", "writer@example.com").is_err());
        assert!(Password::parse("correct horse battery", "a@b.c").is_ok());
        assert_eq!(format!("{:?}", Password::parse("correct horse battery", "").unwrap()), "Password(…)");
        assert!(TokenName::parse("  ").is_err() && TokenName::parse(&"x".repeat(101)).is_err());
        assert_eq!(TokenName::parse(" my script ").unwrap().as_str(), "my script");
    }
}
