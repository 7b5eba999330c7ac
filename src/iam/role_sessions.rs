//! Cutting a person's sessions of job-function roles. Leaving a group stops new sessions of the
//! role it let them assume, and the user's deny-all does not reach a role session (AWS judges a
//! role session by the role's policies, not the user's), so a session already issued would
//! outlast the offboarding by up to the role's maximum session. Before anything is removed,
//! each role the person could assume gets a deny entry for their session (`aws:userid` is
//! `<role unique id>:<session name>`, and the trust makes the session name the user name) in
//! its inline policy `iam-onboard-revoked-sessions`, written by `revoke` with the time recorded,
//! pruned once the role's maximum session has passed, and, when the role's inline policies would
//! pass their 10,240 characters, giving way to AWS's revocation of every older session.

use crate::aws::{AwsError, AwsErrorKind, AwsResult, Iam};
use crate::iam::plan::missing_as_empty;
use crate::iam::role::{self, REVOKED_SESSIONS_POLICY};
use crate::quotas::{ROLE_INLINE_POLICIES, policy_chars};
use crate::revoke::{Revocations, RevokedKey};
use futures_util::future::try_join_all;

/// Writes of one role's policy before giving up when concurrent writes keep losing the entry.
const WRITE_ATTEMPTS: usize = 5;

/// A role a person could assume, as read for cutting their sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AssumableRole {
    pub(crate) name: String,
    pub(crate) arn: String,
    /// The role's unique id (`AROA…`).
    pub(crate) role_id: String,
    pub(crate) max_session_secs: u64,
    /// The role's revoked-sessions policy as read.
    pub(crate) revoked: Option<serde_json::Value>,
    /// What the role's other inline policies take of its 10,240 characters.
    pub(crate) others_chars: usize,
}

impl AssumableRole {
    /// The `aws:userid` of `user`'s sessions of this role.
    pub(crate) fn session_of(&self, user: &str) -> String {
        format!("{}:{user}", self.role_id)
    }
}

/// A person's sessions of one role, cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleSessionsCut {
    pub(crate) role: String,
    pub(crate) arn: String,
    /// When the entry was added (Unix seconds).
    pub(crate) at: u64,
    /// Set when the role's entries did not fit: every session of the role issued before this
    /// time is denied, so everyone else assumes it again.
    pub(crate) older_sessions_cut: Option<u64>,
}

/// The roles `groups` let their members assume: each group's assume-role policy, then each role
/// it names with its inline policies, read at once (and the other inline policies' documents,
/// for their size, when a role has any). A role that no longer exists is left out.
pub(crate) async fn assumable_roles(
    api: &impl Iam,
    groups: &[String],
) -> AwsResult<Vec<AssumableRole>> {
    let policies = try_join_all(
        groups
            .iter()
            .map(|group| api.get_group_policy(group, role::ASSUME_POLICY)),
    )
    .await?;
    let mut arns: Vec<String> = policies
        .iter()
        .flatten()
        .flat_map(role::assumable_roles)
        .collect();
    arns.sort();
    arns.dedup();
    let found = try_join_all(arns.iter().map(|arn| read_role(api, role::name_of(arn)))).await?;
    Ok(found.into_iter().flatten().collect())
}

/// One role with its revoked-sessions policy and the size of its other inline policies.
async fn read_role(api: &impl Iam, name: &str) -> AwsResult<Option<AssumableRole>> {
    let (info, names, revoked) = tokio::join!(
        api.get_role(name),
        missing_as_empty(api.list_role_policies(name)),
        api.get_role_policy(name, REVOKED_SESSIONS_POLICY),
    );
    let Some(info) = info? else {
        return Ok(None);
    };
    let others = try_join_all(
        names?
            .iter()
            .filter(|policy| *policy != REVOKED_SESSIONS_POLICY)
            .map(|policy| api.get_role_policy(name, policy)),
    )
    .await?;
    Ok(Some(AssumableRole {
        name: info.name,
        arn: info.arn,
        role_id: info.role_id,
        max_session_secs: info.max_session_secs,
        revoked: revoked?,
        others_chars: others
            .iter()
            .flatten()
            .map(|p| policy_chars(&p.to_string()))
            .sum(),
    }))
}

/// Adds `user`'s deny entry to the role's revoked-sessions policy at `now` (pruning expired
/// ones), within what the role's other inline policies leave of its 10,240 characters, starting
/// from the policy as read; then reads it again to check the entry is there, and writes again
/// when a concurrent change (another offboarding of the same role) lost it.
pub(crate) async fn cut_sessions(
    api: &impl Iam,
    role: &AssumableRole,
    user: &str,
    now: u64,
) -> AwsResult<RoleSessionsCut> {
    const OP: &str = "iam:PutRolePolicy";
    let session = role.session_of(user);
    let mut current = role.revoked.clone();
    let mut older_sessions_cut = None;
    for _ in 0..WRITE_ATTEMPTS {
        let mut entries = Revocations::read(RevokedKey::RoleSession, current.as_ref(), now);
        let fitted = entries
            .fit(
                current.as_ref(),
                Some(&session),
                now,
                role.max_session_secs,
                ROLE_INLINE_POLICIES.saturating_sub(role.others_chars),
            )
            .map_err(|why| AwsError::new(OP, AwsErrorKind::LimitExceeded, "LimitExceeded", &why))?
            .expect("a policy with an entry has a statement");
        older_sessions_cut = fitted.older_sessions_cut.or(older_sessions_cut);
        api.put_role_policy(
            &role.name,
            REVOKED_SESSIONS_POLICY,
            &fitted.policy.to_string(),
        )
        .await?;
        current = api
            .get_role_policy(&role.name, REVOKED_SESSIONS_POLICY)
            .await?;
        let written = Revocations::read(RevokedKey::RoleSession, current.as_ref(), now);
        if written.revoked_at(&session) == Some(now) {
            return Ok(RoleSessionsCut {
                role: role.name.clone(),
                arn: role.arn.clone(),
                at: now,
                older_sessions_cut,
            });
        }
    }
    Err(AwsError::new(
        OP,
        AwsErrorKind::Other,
        "EntryLost",
        &format!(
            "the deny entry for {session} was lost to concurrent changes of the role's policy {WRITE_ATTEMPTS} times"
        ),
    ))
}

#[cfg(test)]
mod tests;
