//! Review statuses and user roles.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReviewStatus {
    Draft,
    /// Submitted by its writer for an editor to publish.
    Pending,
    Scheduled,
    Published,
}

impl ReviewStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Draft => "draft",
            ReviewStatus::Pending => "pending",
            ReviewStatus::Scheduled => "scheduled",
            ReviewStatus::Published => "published",
        }
    }
}

impl ReviewStatus {
    /// How the admin names the status.
    pub fn label(self) -> &'static str {
        match self {
            ReviewStatus::Draft => "Draft",
            ReviewStatus::Pending => "Awaiting review",
            ReviewStatus::Scheduled => "Scheduled",
            ReviewStatus::Published => "Published",
        }
    }

    pub const ALL: [ReviewStatus; 4] =
        [ReviewStatus::Draft, ReviewStatus::Pending, ReviewStatus::Scheduled, ReviewStatus::Published];
}

impl FromStr for ReviewStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "draft" => Ok(ReviewStatus::Draft),
            "pending" => Ok(ReviewStatus::Pending),
            "scheduled" => Ok(ReviewStatus::Scheduled),
            "published" => Ok(ReviewStatus::Published),
            other => Err(format!("unknown review status \"{other}\"")),
        }
    }
}

impl fmt::Display for ReviewStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Writer,
    Editor,
    Owner,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Owner, Role::Editor, Role::Writer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Writer => "writer",
            Role::Editor => "editor",
            Role::Owner => "owner",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "writer" => Ok(Role::Writer),
            "editor" => Ok(Role::Editor),
            "owner" => Ok(Role::Owner),
            other => Err(format!("unknown role \"{other}\" (owner, editor or writer)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_roles_round_trip_through_text() {
        for status in ReviewStatus::ALL {
            assert_eq!(status.as_str().parse::<ReviewStatus>().unwrap(), status);
        }
        for role in [Role::Writer, Role::Editor, Role::Owner] {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("admin".parse::<Role>().is_err());
        assert!("live".parse::<ReviewStatus>().is_err());
    }
}
