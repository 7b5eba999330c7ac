//! AWS's quotas on what the tool writes: the sizes of policies, counted as AWS counts them
//! (every character but whitespace: IAM and Identity Center leave whitespace out of a policy's
//! size, so the API's own length constraints, which count it, are not the binding ones), and
//! how many groups and MFA devices one user may have. Each writer checks here before sending,
//! and the in-memory models refuse what AWS would.

/// A permission set's inline policy (IAM Identity Center quotas).
pub(crate) const PERMISSION_SET_INLINE_POLICY: usize = 10_240;
/// A customer-managed policy (IAM and AWS STS quotas).
pub(crate) const MANAGED_POLICY: usize = 6_144;
/// All inline policies of one IAM user together (IAM and AWS STS quotas). Offboarding meets it
/// as AWS's LimitExceeded (the sizes of a user's own policies are not read); the in-memory IAM
/// enforces it.
#[cfg(test)]
pub(crate) const USER_INLINE_POLICIES: usize = 2_048;

/// All inline policies of one role together (IAM and AWS STS quotas).
pub(crate) const ROLE_INLINE_POLICIES: usize = 10_240;
/// A role's trust policy (IAM and AWS STS quotas; 4,096 only on request).
pub(crate) const TRUST_POLICY: usize = 2_048;
/// All inline policies of one group together (IAM and AWS STS quotas). The tool's one group
/// inline policy is far below it; the in-memory IAM enforces it.
#[cfg(test)]
pub(crate) const GROUP_INLINE_POLICIES: usize = 5_120;
/// A role's `MaxSessionDuration`, in seconds (CreateRole). Template session durations (1 to 12
/// hours) are within it; the in-memory IAM enforces it.
#[cfg(test)]
pub(crate) const ROLE_MAX_SESSION_SECS: std::ops::RangeInclusive<u64> = 3_600..=43_200;

/// The groups one IAM user may be in (IAM and AWS STS quotas).
pub(crate) const GROUPS_A_USER: usize = 10;
/// The MFA devices one IAM user may hold (IAM and AWS STS quotas).
pub(crate) const MFA_DEVICES_A_USER: usize = 8;

/// Checks that a user would be in no more groups than IAM allows once it joins `group`.
pub(crate) fn check_room_for_group(
    user: &str,
    groups_after: usize,
    group: &str,
) -> Result<(), crate::error::InputError> {
    if groups_after <= GROUPS_A_USER {
        return Ok(());
    }
    Err(crate::error::InputError::new(
        "<USERNAME>",
        format!(
            "{user} is in {} groups, and IAM allows a user in at most {GROUPS_A_USER}: remove them from one it does not need (aws iam remove-user-from-group) before it joins {group}",
            groups_after - 1
        ),
    ))
}

/// A policy document's size as AWS counts it: its characters less whitespace.
pub(crate) fn policy_chars(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// A policy too large for its quota: what to say, naming the size and the limit.
pub(crate) fn too_large(what: &str, document: &str, limit: usize) -> Option<String> {
    let size = policy_chars(document);
    (size > limit).then(|| {
        format!("{what} would be {size} non-whitespace characters; AWS takes at most {limit}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_does_not_count_towards_a_policy_s_size() {
        let pretty = "{\n  \"Version\": \"2012-10-17\",\n\t\"Statement\": []\n}";
        assert_eq!(
            policy_chars(pretty),
            r#"{"Version":"2012-10-17","Statement":[]}"#.len()
        );
    }

    #[test]
    fn a_policy_over_its_quota_is_named_with_its_size_and_the_limit() {
        let document = format!("{{\"x\": \"{}\"}}", "a".repeat(20));
        assert_eq!(too_large("the policy", &document, 100), None);
        assert_eq!(
            too_large("the policy", &document, 10).as_deref(),
            Some("the policy would be 28 non-whitespace characters; AWS takes at most 10")
        );
    }
}
