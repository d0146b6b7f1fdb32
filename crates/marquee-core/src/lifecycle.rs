//! How a review moves between draft, awaiting review, scheduled and published, and who may move
//! it: what each request asks of the member's role, and where the review stands after it.

use crate::{Action, ReviewAccess, ReviewStatus};

/// What a writer or an editor asks of a review when saving it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    /// Keep the text; the review stays where it stands.
    Save,
    /// Send a draft to the editors.
    Submit,
    /// Take a submitted draft back.
    Withdraw,
    Publish,
    /// Publish at a time to come.
    Schedule,
    /// Take a published or scheduled review back to draft.
    Unpublish,
}

impl Intent {
    pub const ALL: [Intent; 6] =
        [Intent::Save, Intent::Submit, Intent::Withdraw, Intent::Publish, Intent::Schedule, Intent::Unpublish];

    /// What the member must be allowed to do to this review to ask this of it.
    pub fn required(self, review: ReviewAccess) -> Vec<Action> {
        match self {
            Intent::Save => vec![Action::EditReview(review)],
            Intent::Submit | Intent::Withdraw => vec![Action::EditReview(review), Action::SubmitReview(review)],
            Intent::Publish | Intent::Schedule | Intent::Unpublish => vec![Action::PublishReview(review)],
        }
    }

    /// The activity log's name for the change, for the ones an owner wants to see.
    pub fn audited(self) -> Option<&'static str> {
        match self {
            Intent::Publish => Some("review.published"),
            Intent::Schedule => Some("review.scheduled"),
            Intent::Unpublish => Some("review.unpublished"),
            Intent::Submit => Some("review.submitted"),
            Intent::Save | Intent::Withdraw => None,
        }
    }

    /// Whether the review goes to readers (now or at its time), so its text must be written.
    pub fn goes_out(self) -> bool {
        matches!(self, Intent::Submit | Intent::Publish | Intent::Schedule)
    }
}

/// Where a review stands: its status, and when it was (or is to be) published.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Standing {
    pub status: ReviewStatus,
    pub published_at: Option<i64>,
}

impl Standing {
    pub const NEW: Standing = Standing { status: ReviewStatus::Draft, published_at: None };
}

/// Where a review goes when `intent` is asked of it. `current` is where it stands (`None` for a
/// new one); `publish_at` is a scheduled time, `backdate` a publication time in the past (an
/// import or the API bringing a review published elsewhere). Publishing a published review keeps
/// its first publication time.
pub fn next_standing(
    intent: Intent,
    current: Option<Standing>,
    now: i64,
    publish_at: Option<i64>,
    backdate: Option<i64>,
) -> Standing {
    let current = current.unwrap_or(Standing::NEW);
    match intent {
        Intent::Submit => Standing { status: ReviewStatus::Pending, published_at: None },
        Intent::Withdraw | Intent::Unpublish => Standing::NEW,
        Intent::Publish if current.status == ReviewStatus::Published => {
            Standing { status: ReviewStatus::Published, published_at: backdate.or(current.published_at) }
        }
        Intent::Publish => Standing { status: ReviewStatus::Published, published_at: Some(backdate.unwrap_or(now)) },
        Intent::Schedule => Standing { status: ReviewStatus::Scheduled, published_at: publish_at },
        Intent::Save => current,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Actor, Role};

    const NOW: i64 = 1_700_000_000;

    fn standing(status: ReviewStatus, published_at: Option<i64>) -> Option<Standing> {
        Some(Standing { status, published_at })
    }

    #[test]
    fn each_request_moves_the_review_where_it_says() {
        use ReviewStatus::*;
        let published = standing(Published, Some(NOW - 100));
        assert_eq!(next_standing(Intent::Save, None, NOW, None, None), Standing::NEW);
        assert_eq!(next_standing(Intent::Save, published, NOW, None, None), published.unwrap(), "saving keeps it out");
        assert_eq!(next_standing(Intent::Submit, standing(Draft, None), NOW, None, None).status, Pending);
        assert_eq!(next_standing(Intent::Withdraw, standing(Pending, None), NOW, None, None), Standing::NEW);
        assert_eq!(
            next_standing(Intent::Publish, standing(Pending, None), NOW, None, None),
            Standing { status: Published, published_at: Some(NOW) }
        );
        assert_eq!(
            next_standing(Intent::Publish, published, NOW, None, None).published_at,
            Some(NOW - 100),
            "published again, it keeps its first date"
        );
        assert_eq!(next_standing(Intent::Publish, None, NOW, None, Some(NOW - 9_000)).published_at, Some(NOW - 9_000));
        assert_eq!(
            next_standing(Intent::Schedule, standing(Draft, None), NOW, Some(NOW + 60), None),
            Standing { status: Scheduled, published_at: Some(NOW + 60) }
        );
        assert_eq!(next_standing(Intent::Unpublish, published, NOW, None, None), Standing::NEW);
        assert_eq!(
            next_standing(Intent::Unpublish, standing(Scheduled, Some(NOW + 60)), NOW, None, None),
            Standing::NEW
        );
    }

    /// Every request, on a review in every status, by every role, as its author or not.
    #[test]
    fn each_role_may_ask_what_its_place_allows() {
        use ReviewStatus::*;
        let allowed = |role: Role, own: bool, status: ReviewStatus, intent: Intent| {
            let actor = Actor { user_id: 1, role };
            let review = ReviewAccess { author_id: Some(if own { 1 } else { 2 }), status };
            intent.required(review).into_iter().all(|action| actor.may(action))
        };
        for status in ReviewStatus::ALL {
            for intent in Intent::ALL {
                for own in [true, false] {
                    for role in [Role::Editor, Role::Owner] {
                        assert!(allowed(role, own, status, intent), "{role:?} {intent:?} on a {status} review");
                    }
                    let writer = allowed(Role::Writer, own, status, intent);
                    let expected = own
                        && matches!(status, Draft | Pending)
                        && matches!(intent, Intent::Save | Intent::Submit | Intent::Withdraw);
                    assert_eq!(writer, expected, "a writer asking {intent:?} of a {status} review (own: {own})");
                }
            }
        }
    }

    #[test]
    fn only_going_out_needs_a_written_review_and_only_some_requests_are_logged() {
        assert!(Intent::Publish.goes_out() && Intent::Schedule.goes_out() && Intent::Submit.goes_out());
        assert!(!Intent::Save.goes_out() && !Intent::Withdraw.goes_out() && !Intent::Unpublish.goes_out());
        assert_eq!(Intent::Publish.audited(), Some("review.published"));
        assert_eq!(Intent::Save.audited(), None);
    }
}
