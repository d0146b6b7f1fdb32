//! Every change a person or a program makes to the publication, one function each, with its
//! rules: who may make it, what the input must be (typed values, parsed before they get here),
//! where a review's status goes, revisions and conflicts, the activity log. The admin's forms,
//! the JSON API, the command line and (for accounts) the importers are translators into these
//! functions' inputs and out of their outcomes; none of them holds a rule of its own.
//!
//! - `reviews`: save (with draft, submit, withdraw, publish, schedule, unpublish), delete,
//!   restore a revision, promote a diary entry to a review; rendering a body for a preview.
//! - `posts`: articles and pages, saved and moved as reviews are.
//! - `diary`, `lists`: a member's diary, lists and watchlist.
//! - `catalogue`: films and people (and finding the film a title and year name).
//! - `accounts`: the first owner, members, profiles, passwords (hashing included), API tokens.
//! - `comments`: replies from the fediverse (moderated), blocks, followers, federation's switch.
//! - `settings`, `media`.
//!
//! Every function writes through `marquee-store` in one transaction: a change is whole or not at
//! all. The store bumps the content version with every write, so every server drops what it
//! rendered from the old content within a second; the change's caller asks its own server to
//! notice at once.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod catalogue;
pub mod comments;
pub mod diary;
pub mod lists;
pub mod media;
pub mod posts;
pub mod reviews;
pub mod settings;

use marquee_core::{Action, Actor, Role};
use marquee_media::MediaStore;
use marquee_store::Store;
use std::fmt;

pub use accounts::Passwords;

/// What every change needs: the store, the media store, and password hashing.
#[derive(Clone)]
pub struct Desk {
    pub store: Store,
    pub media: MediaStore,
    pub passwords: std::sync::Arc<Passwords>,
}

impl Desk {
    pub fn new(store: Store, media: MediaStore) -> Desk {
        Desk { store, media, passwords: std::sync::Arc::new(Passwords::default()) }
    }
}

/// Who makes a change: a signed-in member (or the holder of one of their API tokens).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Member {
    pub id: i64,
    pub name: String,
    pub role: Role,
}

impl Member {
    pub fn actor(&self) -> Actor {
        Actor { user_id: self.id, role: self.role }
    }

    /// `Ok` when the member may take `action`.
    pub fn require(&self, action: Action) -> Result<(), ChangeError> {
        if self.actor().may(action) {
            Ok(())
        } else {
            Err(ChangeError::Forbidden)
        }
    }
}

/// A field's value that was refused, and what to do about it. Fields are named as the admin's
/// forms name them (`film_title`, `score` …); the API renames the ones it calls otherwise.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub field: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(field: &'static str, message: impl Into<String>) -> Problem {
        Problem { field, message: message.into() }
    }
}

/// Why a change was not made; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    /// No such thing (or none the member may see).
    #[error("not found")]
    NotFound,
    /// The member's role does not allow it.
    #[error("forbidden")]
    Forbidden,
    /// Fields to fix.
    #[error("{} field(s) to fix: {}", .0.len(), .0.iter().map(|p| format!("{}: {}", p.field, p.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
    /// The address asked for is another's (the field says which, and what to do).
    #[error("{}: {}", .0.field, .0.message)]
    Taken(Problem),
    /// Someone saved the review since the revision the change was based on.
    #[error("the review was saved meanwhile: it is at revision {current_revision}")]
    Conflict { current_revision: i64 },
    #[error(transparent)]
    Store(#[from] marquee_store::Error),
    /// The media store could not keep a file.
    #[error("the media store failed: {0}")]
    Media(String),
    /// Something that should not fail did (a password could not be hashed).
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for ChangeError {
    fn from(e: sqlx::Error) -> ChangeError {
        ChangeError::Store(marquee_store::Error::Database(e))
    }
}

pub type Result<T, E = ChangeError> = std::result::Result<T, E>;

/// Collects the problems of a change's fields, to refuse them all at once.
#[derive(Default, Debug)]
pub struct Problems(Vec<Problem>);

impl Problems {
    pub fn add(&mut self, field: &'static str, message: impl fmt::Display) {
        self.0.push(Problem::new(field, message.to_string()));
    }

    /// The value, or `None` with its problem kept.
    pub fn keep<T, E: fmt::Display>(&mut self, field: &'static str, value: Result<T, E>) -> Option<T> {
        value.map_err(|e| self.add(field, e)).ok()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether a problem with `field` is held already.
    pub fn names(&self, field: &str) -> bool {
        self.0.iter().any(|p| p.field == field)
    }

    /// `Ok` when there is nothing to fix.
    pub fn check(self) -> Result<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ChangeError::Invalid(self.0))
        }
    }

    pub fn into_vec(self) -> Vec<Problem> {
        self.0
    }
}

/// A film named by its title and year, as a film is logged or listed.
pub fn film_label(title: &str, year: Option<i32>) -> String {
    match year {
        Some(year) => format!("{title} ({year})"),
        None => title.to_string(),
    }
}
