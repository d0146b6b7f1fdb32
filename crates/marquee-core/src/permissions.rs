//! Who may do what in the admin. Every handler asks here; nothing else decides.
//!
//! - An owner manages users and site settings, and may do everything an editor may.
//! - An editor edits, publishes, schedules, unpublishes and deletes any review, and manages films,
//!   people and media.
//! - A writer writes their own reviews while they are drafts (or awaiting review), submits them
//!   for review and withdraws them; a writer never publishes and never touches others' work.

use crate::{ReviewStatus, Role};

/// The signed-in user, as permissions see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: i64,
    pub role: Role,
}

/// What permissions need to know of a review.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReviewAccess {
    pub author_id: Option<i64>,
    pub status: ReviewStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Open the admin at all: every role.
    UseAdmin,
    CreateReview,
    /// See a review in the admin (its editor, its revisions).
    ViewReview(ReviewAccess),
    /// Save changes to a review's text and facts.
    EditReview(ReviewAccess),
    /// Send one's draft to the editors, or take it back.
    SubmitReview(ReviewAccess),
    /// Publish, schedule or unpublish.
    PublishReview(ReviewAccess),
    DeleteReview(ReviewAccess),
    /// Upload images and set their alt text.
    UploadMedia,
    /// Edit films and people, merge people.
    ManageCatalogue,
    /// Change a diary, list or watchlist: only the user it belongs to.
    ManageCollection {
        owner: i64,
    },
    ManageUsers,
    ManageSettings,
    ViewActivity,
    /// Approve or reject replies from the fediverse, block their authors or instances.
    ModerateComments,
}

impl Actor {
    pub fn may(&self, action: Action) -> bool {
        let at_least_editor = self.role >= Role::Editor;
        let own = |review: ReviewAccess| review.author_id == Some(self.user_id);
        let unpublished = |review: ReviewAccess| matches!(review.status, ReviewStatus::Draft | ReviewStatus::Pending);
        match action {
            Action::UseAdmin | Action::CreateReview | Action::UploadMedia => true,
            Action::ViewReview(review) => at_least_editor || own(review),
            Action::EditReview(review) | Action::SubmitReview(review) => {
                at_least_editor || (own(review) && unpublished(review))
            }
            Action::DeleteReview(review) => at_least_editor || (own(review) && review.status == ReviewStatus::Draft),
            Action::PublishReview(_) | Action::ManageCatalogue | Action::ModerateComments => at_least_editor,
            Action::ManageCollection { owner } => owner == self.user_id,
            Action::ManageUsers | Action::ManageSettings | Action::ViewActivity => self.role == Role::Owner,
        }
    }
}

/// The shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Why a new password is refused, or `None` when it is acceptable.
pub fn password_problem(password: &str, email: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Some(format!("The password must be at least {MIN_PASSWORD_CHARS} characters long."));
    }
    if chars > 1024 {
        return Some("The password must be at most 1024 characters long.".into());
    }
    if !email.is_empty() && password.trim().eq_ignore_ascii_case(email.trim()) {
        return Some("The password must not be your email address.".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn review(author: i64, status: ReviewStatus) -> ReviewAccess {
        ReviewAccess { author_id: Some(author), status }
    }

    #[test]
    fn writers_edit_only_their_own_unpublished_reviews() {
        let writer = Actor { user_id: 1, role: Role::Writer };
        assert!(writer.may(Action::EditReview(review(1, ReviewStatus::Draft))));
        assert!(writer.may(Action::EditReview(review(1, ReviewStatus::Pending))));
        assert!(!writer.may(Action::EditReview(review(1, ReviewStatus::Published))));
        assert!(!writer.may(Action::EditReview(review(1, ReviewStatus::Scheduled))));
        assert!(!writer.may(Action::EditReview(review(2, ReviewStatus::Draft))));
        assert!(!writer.may(Action::ViewReview(review(2, ReviewStatus::Draft))));
        assert!(writer.may(Action::SubmitReview(review(1, ReviewStatus::Draft))));
        assert!(!writer.may(Action::PublishReview(review(1, ReviewStatus::Pending))));
        assert!(writer.may(Action::DeleteReview(review(1, ReviewStatus::Draft))));
        assert!(!writer.may(Action::DeleteReview(review(1, ReviewStatus::Pending))));
        assert!(!writer.may(Action::ManageCatalogue));
        assert!(!writer.may(Action::ManageSettings));
    }

    #[test]
    fn editors_publish_anything_but_only_owners_manage_users_and_settings() {
        let editor = Actor { user_id: 5, role: Role::Editor };
        let owner = Actor { user_id: 6, role: Role::Owner };
        for actor in [editor, owner] {
            assert!(actor.may(Action::PublishReview(review(1, ReviewStatus::Pending))));
            assert!(actor.may(Action::EditReview(review(1, ReviewStatus::Published))));
            assert!(actor.may(Action::DeleteReview(review(1, ReviewStatus::Published))));
            assert!(actor.may(Action::ManageCatalogue));
        }
        assert!(!owner.may(Action::ManageCollection { owner: 5 }), "not even the owner edits someone's diary");
        assert!(editor.may(Action::ManageCollection { owner: 5 }));
        for action in [Action::ManageUsers, Action::ManageSettings, Action::ViewActivity] {
            assert!(!editor.may(action));
            assert!(owner.may(action));
        }
    }

    #[test]
    fn short_passwords_and_the_email_as_password_are_refused() {
        assert!(password_problem("short", "a@b.c").is_some());
        assert!(password_problem("writer@example.com", "writer@example.com").is_some());
        assert!(password_problem("correct horse battery", "a@b.c").is_none());
    }
}
