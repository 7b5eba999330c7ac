//! The tags this tool puts on what it makes and reads back: a user, policy or permission set
//! without `managed-by=iam-onboard` is someone else's and is never changed.

/// Tag that marks what this tool created; a user without it is never changed.
pub(crate) const MANAGED_BY_TAG: &str = "managed-by";
pub(crate) const MANAGED_BY_VALUE: &str = "iam-onboard";
pub(crate) const TEMPLATE_TAG: &str = "iam-onboard:template";
pub(crate) const TICKET_TAG: &str = "iam-onboard:ticket";
pub(crate) const CREATED_BY_TAG: &str = "iam-onboard:created-by";
pub(crate) const DISPLAY_NAME_TAG: &str = "display-name";
pub(crate) const EMAIL_TAG: &str = "email";
/// Whether the one-time console password this tool made has reached anyone: `pending` from
/// before the login profile is made until the password is shown or written, then `delivered`.
/// A run that finds a login profile still `pending` makes a new password and delivers it.
pub(crate) const PASSWORD_TAG: &str = "iam-onboard:password";
pub(crate) const PASSWORD_PENDING: &str = "pending";
pub(crate) const PASSWORD_DELIVERED: &str = "delivered";
/// The virtual MFA device a `reset-mfa --mfa pending` left for a later `--enable-pending`.
pub(crate) const MFA_PENDING_TAG: &str = "iam-onboard:mfa-pending";
/// The last day of a person's access (`YYYY-MM-DD`); see `iam::end_date`.
pub(crate) const UNTIL_TAG: &str = "iam-onboard:until";
/// The day (`YYYY-MM-DD`) a person's access was last reviewed and kept (`review apply`).
pub(crate) const REVIEWED_TAG: &str = "iam-onboard:reviewed";

/// The prefix of the tags in which the tool keeps its own records (template, ticket, end date,
/// rotation, offboarding, ...).
const OWN_PREFIX: &str = "iam-onboard:";

/// Why a reserved tag key is refused.
pub(crate) const RESERVED_REASON: &str = "is one of the tags iam-onboard sets itself (managed-by, display-name, email, and every key under iam-onboard:)";

/// Whether a tag key is one the tool sets itself, which `--tag` and a template may not set:
/// `managed-by`, `display-name`, `email`, and every key under `iam-onboard:`, in any case (IAM
/// tag keys are case-insensitive).
pub(crate) fn is_reserved(key: &str) -> bool {
    [MANAGED_BY_TAG, DISPLAY_NAME_TAG, EMAIL_TAG]
        .iter()
        .any(|own| own.eq_ignore_ascii_case(key))
        || key
            .get(..OWN_PREFIX.len())
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case(OWN_PREFIX))
}

/// The tag every resource this tool creates carries.
pub(crate) fn managed_by() -> Vec<(String, String)> {
    vec![(MANAGED_BY_TAG.to_string(), MANAGED_BY_VALUE.to_string())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tools_own_tags_are_reserved_in_any_case() {
        for own in [
            MANAGED_BY_TAG,
            "Display-Name",
            "EMAIL",
            TEMPLATE_TAG,
            "iam-onboard:offboarded",
            "IAM-Onboard:Rotating",
        ] {
            assert!(is_reserved(own), "{own}");
        }
        for free in [
            "team",
            "manager",
            "cost-center",
            "iam-onboard",
            "iam-onboarding",
        ] {
            assert!(!is_reserved(free), "{free}");
        }
    }
}
