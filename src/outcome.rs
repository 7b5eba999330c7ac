//! What a command or a batch row ended as, as types: each outcome is an enum whose text (in
//! JSON, CSV and for people) is fixed here, once, so scripts can rely on it and code never
//! compares strings.

use serde::Serialize;
use std::fmt;

/// An enum of outcomes, each variant with its stable text.
macro_rules! outcome {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub(crate) enum $name {
            $($(#[$vmeta])* #[serde(rename = $text)] $variant,)+
        }

        impl $name {
            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

outcome! {
    /// How `new-user` ended.
    NewUserStatus {
        /// `--dry-run`: nothing was changed.
        Planned => "planned",
        /// Everything was there already.
        AlreadyDone => "already-done",
        /// An earlier, partial run was completed.
        Converged => "converged",
        Created => "created",
    }
}

outcome! {
    /// Where the user's MFA stands after `new-user`.
    MfaState {
        /// `--dry-run`: a device would be enrolled by the real run.
        ToEnrol => "to-enrol",
        Enabled => "enabled",
        /// No device yet: the person sets one up themselves (the force-mfa policy allows
        /// nothing else until then).
        Deferred => "deferred",
        None => "none",
    }
}

outcome! {
    /// How `offboard` ended.
    OffboardStatus {
        /// Everything removed, the user (or identity-store person) deleted.
        Offboarded => "offboarded",
        /// `--disable-only`: access cut, the user kept.
        Disabled => "disabled",
        /// No such person: nothing to do.
        NotFound => "not-found",
        /// `--dry-run`.
        Planned => "planned",
    }
}

outcome! {
    /// How `assign` ended.
    AssignStatus {
        Assigned => "assigned",
        AlreadyDone => "already-done",
        /// `--dry-run`.
        Planned => "planned",
    }
}

outcome! {
    /// What became of one account's assignment.
    AccountStatus {
        Assigned => "assigned",
        AlreadyAssigned => "already-assigned",
    }
}

outcome! {
    /// What became of a template's permission set.
    PermissionSetAction {
        Created => "created",
        /// Brought up to date and re-provisioned.
        Updated => "updated",
        Unchanged => "unchanged",
    }
}

outcome! {
    /// How one batch row ended: the report's `status` column.
    RowStatus {
        Created => "created",
        Converged => "converged",
        AlreadyDone => "already-done",
        Offboarded => "offboarded",
        Assigned => "assigned",
        /// A `move` row: the person is on the new template.
        Moved => "moved",
        /// Sync: a person new in the file, onboarded.
        Joined => "joined",
        /// Access cut, the user kept (`offboard --disable-only`): a sync or expire leaver.
        Disabled => "disabled",
        /// Sync: the person's end date changed.
        Updated => "updated",
        /// Sync: the person is as the file says.
        Unchanged => "unchanged",
        Failed => "failed",
        /// Not started: an earlier row failed (without `--continue-on-error`) or the run was
        /// interrupted.
        Skipped => "skipped",
        /// `--dry-run`.
        Planned => "planned",
    }
}

outcome! {
    /// How `move` ended.
    MoveStatus {
        /// `--dry-run`: nothing was changed.
        Planned => "planned",
        /// The person was on the template already.
        AlreadyDone => "already-done",
        Moved => "moved",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_serialise_as_the_text_scripts_read() {
        for (status, text) in [
            (RowStatus::AlreadyDone, "already-done"),
            (RowStatus::Failed, "failed"),
        ] {
            assert_eq!(
                serde_json::to_string(&status).unwrap(),
                format!("\"{text}\"")
            );
            assert_eq!(status.to_string(), text);
        }
        assert_eq!(
            serde_json::to_string(&OffboardStatus::NotFound).unwrap(),
            "\"not-found\""
        );
        assert_eq!(AccountStatus::AlreadyAssigned.as_str(), "already-assigned");
    }
}

outcome! {
    /// How `reset-mfa` ended.
    MfaResetStatus {
        /// `--dry-run`: nothing was changed.
        Planned => "planned",
        /// Nothing to do (`--remove-only` of a user without devices).
        AlreadyDone => "already-done",
        /// A new device is enabled and the old ones are gone.
        Enabled => "enabled",
        /// A new device waits for `--enable-pending`.
        Pending => "pending",
        /// `--remove-only`: the devices are gone, none enrolled.
        Removed => "removed",
    }
}

outcome! {
    /// How a run of `rotate-key` ended.
    KeyRotationStatus {
        /// `--dry-run`: nothing was changed.
        Planned => "planned",
        /// The new key was made and written to its file; the old one stays active.
        Created => "created",
        /// The new key is neither used nor past the grace: nothing changed.
        Waiting => "waiting",
        /// The old key was deactivated.
        Deactivated => "deactivated",
        /// The old key was deleted: the rotation is over.
        Deleted => "deleted",
    }
}

outcome! {
    /// How `reset-password` ended.
    PasswordResetStatus {
        /// `--dry-run`: nothing was changed.
        Planned => "planned",
        /// A new one-time password replaced the old one.
        Reset => "reset",
        /// `--create`: the user had no console access and now has.
        Created => "created",
    }
}
