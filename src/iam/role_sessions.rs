//! Cutting a person's sessions of job-function roles. Leaving a group stops new sessions of the
//! role it let them assume, and the user's deny-all does not reach a role session (AWS judges a
//! role session by the role's policies, not the user's), so a session already issued would
//! outlast the offboarding by up to the role's maximum session. Before anything is removed,
//! each role the person could assume gets an inline policy of its own for them,
//! `iam-onboard-revoked.<user>.<unix time>`, denying their sessions (`aws:userid` is
//! `<role unique id>:<session name>`, and the trust makes the session name the user name)
//! issued before that time. Sessions they start later, back in the role, are not denied.
//!
//! A policy of its own, named with its time, is never rewritten: two offboardings of the same
//! role at once, in one batch or from two terminals, cannot lose each other's entry, as a
//! read, change and write of one shared policy would (IAM has no conditional write). A policy
//! is deleted only once its time, the role's maximum session and a margin have passed, or
//! once a later policy denies every session it denies: when a person's policy would pass the
//! 10,240 characters the role's inline policies hold together, it denies every session of the
//! role issued before now instead (everyone else assumes the role again), which covers every
//! policy of an earlier time. Room for that one is always kept free.

use crate::aws::{AwsError, AwsErrorKind, AwsResult, Iam};
use crate::clock::rfc3339;
use crate::iam::plan::missing_as_empty;
use crate::iam::role::{self, REVOKED_POLICY_PREFIX};
use crate::quotas::{ROLE_INLINE_POLICIES, policy_chars};
use crate::revoke::{REVOKE_OLDER_SID, REVOKE_SID, expiry};
use futures_util::future::try_join_all;
use serde_json::{Value, json};

/// A role a person could assume, as read for cutting their sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AssumableRole {
    pub(crate) name: String,
    pub(crate) arn: String,
    /// The role's unique id (`AROA…`).
    pub(crate) role_id: String,
    pub(crate) max_session_secs: u64,
    /// The role's revocation policies as read.
    pub(crate) revoked: Vec<RevokedPolicy>,
    /// What the role's other inline policies take of its 10,240 characters.
    pub(crate) others_chars: usize,
}

/// One of a role's revocation policies: its name, the time in it, and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RevokedPolicy {
    pub(crate) name: String,
    /// Sessions issued before this time (Unix seconds) are denied.
    pub(crate) at: u64,
    pub(crate) chars: usize,
}

impl AssumableRole {
    /// The `aws:userid` of `user`'s sessions of this role.
    pub(crate) fn session_of(&self, user: &str) -> String {
        format!("{}:{user}", self.role_id)
    }
}

/// The name of the policy denying `user`'s sessions issued before `at`.
pub(crate) fn revoked_policy_name(user: &str, at: u64) -> String {
    format!("{REVOKED_POLICY_PREFIX}{user}.{at}")
}

/// The time in a revocation policy's name; `None` for any other policy.
fn revoked_at(policy_name: &str) -> Option<u64> {
    let (_, at) = policy_name
        .strip_prefix(REVOKED_POLICY_PREFIX)?
        .rsplit_once('.')?;
    at.parse().ok()
}

/// A person's sessions of one role, cut.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleSessionsCut {
    pub(crate) role: String,
    pub(crate) arn: String,
    /// When the entry was added (Unix seconds).
    pub(crate) at: u64,
    /// Set when the person's policy did not fit: every session of the role issued before this
    /// time is denied, so everyone else assumes it again.
    pub(crate) older_sessions_cut: Option<u64>,
}

/// The roles `groups` let their members assume: each group's assume-role policy, then each role
/// it names with its inline policies, read at once (and their documents, for their size, when a
/// role has any). A role that no longer exists is left out.
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

/// One role with the sizes of its inline policies, its revocation policies apart.
async fn read_role(api: &impl Iam, name: &str) -> AwsResult<Option<AssumableRole>> {
    let (info, names) = tokio::join!(
        api.get_role(name),
        missing_as_empty(api.list_role_policies(name))
    );
    let Some(info) = info? else {
        return Ok(None);
    };
    let names = names?;
    let documents =
        try_join_all(names.iter().map(|policy| api.get_role_policy(name, policy))).await?;
    let mut revoked = Vec::new();
    let mut others_chars = 0;
    for (policy, document) in names.into_iter().zip(documents) {
        let chars = document.map_or(0, |d| policy_chars(&d.to_string()));
        match revoked_at(&policy) {
            Some(at) => revoked.push(RevokedPolicy {
                name: policy,
                at,
                chars,
            }),
            None => others_chars += chars,
        }
    }
    Ok(Some(AssumableRole {
        name: info.name,
        arn: info.arn,
        role_id: info.role_id,
        max_session_secs: info.max_session_secs,
        revoked,
        others_chars,
    }))
}

/// A deny of the sessions issued before `at`: `session`'s alone, or every session of the role.
fn deny_before(session: Option<&str>, at: u64) -> Value {
    let mut condition = json!({ "DateLessThan": { "aws:TokenIssueTime": rfc3339(at) } });
    if let Some(session) = session {
        condition["StringEquals"] = json!({ "aws:userid": session });
    }
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": if session.is_some() { REVOKE_SID } else { REVOKE_OLDER_SID },
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": condition,
        }],
    })
}

/// What cutting one person's sessions of a role writes and deletes, decided from the role as
/// read.
#[derive(Debug, Clone, PartialEq)]
struct CutPlan {
    name: String,
    document: Value,
    older_sessions_cut: Option<u64>,
    /// Deleted before the write, which would not fit beside them: policies past their time.
    delete_first: Vec<String>,
    /// Deleted after it: policies past their time, or denying only what the write denies.
    delete_after: Vec<String>,
}

/// The person's policy at `now` within the role's 10,240 characters, keeping room for the one
/// that denies every older session; that one instead when the person's would not leave it.
fn plan_cut(role: &AssumableRole, user: &str, now: u64) -> Result<CutPlan, String> {
    let name = revoked_policy_name(user, now);
    let others: Vec<&RevokedPolicy> = role.revoked.iter().filter(|p| p.name != name).collect();
    let (expired, live): (Vec<&RevokedPolicy>, Vec<&RevokedPolicy>) = others
        .iter()
        .partition(|p| expiry(p.at, role.max_session_secs) <= now);
    let chars = |policies: &[&RevokedPolicy]| policies.iter().map(|p| p.chars).sum::<usize>();
    let kept = role.others_chars + chars(&live);
    let person = deny_before(Some(&role.session_of(user)), now);
    let everyone = deny_before(None, now);
    let size = |document: &Value| policy_chars(&document.to_string());
    let names = |policies: &[&RevokedPolicy]| -> Vec<String> {
        policies.iter().map(|p| p.name.clone()).collect()
    };
    let (document, older_sessions_cut, covered) = if kept + size(&person) + size(&everyone)
        <= ROLE_INLINE_POLICIES
    {
        (person, None, Vec::new())
    } else {
        let covered: Vec<&RevokedPolicy> = live.iter().copied().filter(|p| p.at <= now).collect();
        (everyone, Some(now), covered)
    };
    if kept + size(&document) > ROLE_INLINE_POLICIES {
        return Err(format!(
            "the role's inline policies take {kept} of its {ROLE_INLINE_POLICIES} non-whitespace characters, leaving no room for the {}-character deny of its older sessions",
            size(&document)
        ));
    }
    let room_beside_expired = kept + chars(&expired) + size(&document) <= ROLE_INLINE_POLICIES;
    let (delete_first, mut delete_after) = if room_beside_expired {
        (Vec::new(), names(&expired))
    } else {
        (names(&expired), Vec::new())
    };
    delete_after.extend(names(&covered));
    Ok(CutPlan {
        name,
        document,
        older_sessions_cut,
        delete_first,
        delete_after,
    })
}

/// Denies `user`'s sessions of the role issued before `now` in a policy of their own, deleting
/// the role's revocation policies that have expired or that it covers. A policy another
/// offboarding deleted first is gone either way.
pub(crate) async fn cut_sessions(
    api: &impl Iam,
    role: &AssumableRole,
    user: &str,
    now: u64,
) -> AwsResult<RoleSessionsCut> {
    let plan = plan_cut(role, user, now).map_err(|why| {
        AwsError::new(
            "iam:PutRolePolicy",
            AwsErrorKind::LimitExceeded,
            "LimitExceeded",
            &why,
        )
    })?;
    let delete_all = |names: Vec<String>| {
        try_join_all(names.into_iter().map(|name| async move {
            match api.delete_role_policy(&role.name, &name).await {
                Err(err) if err.is(AwsErrorKind::NotFound) => Ok(()),
                done => done,
            }
        }))
    };
    delete_all(plan.delete_first).await?;
    api.put_role_policy(&role.name, &plan.name, &plan.document.to_string())
        .await?;
    delete_all(plan.delete_after).await?;
    Ok(RoleSessionsCut {
        role: role.name.clone(),
        arn: role.arn.clone(),
        at: now,
        older_sessions_cut: plan.older_sessions_cut,
    })
}

#[cfg(test)]
mod tests;
