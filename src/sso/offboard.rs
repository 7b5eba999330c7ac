//! `offboard --sso`: the person's group memberships (with and without `--keep-identity`, since a
//! group gives access through its own assignments) and every account assignment, then the
//! identity-store user.

use crate::aws::{Assignment, AwsErrorKind, GroupMembership, Sso, SsoInstance};
use crate::error::Error;
use crate::sso::assign::{choose_instance, unassign};
use crate::sso::operations::Patience;
use futures_util::future::{join_all, try_join_all};
use std::sync::Arc;

/// What `offboard --sso` will remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoOffboardPlan {
    pub(crate) instance: SsoInstance,
    pub(crate) user_name: String,
    pub(crate) user_id: String,
    pub(crate) assignments: Vec<Assignment>,
    /// The person's group memberships, each with its group's name.
    pub(crate) memberships: Vec<(GroupMembership, String)>,
    pub(crate) delete_identity: bool,
}

impl SsoOffboardPlan {
    pub(crate) fn removals(&self) -> Vec<String> {
        let mut removals: Vec<String> = self
            .memberships
            .iter()
            .map(|(membership, name)| membership_removal(membership, name))
            .collect();
        removals.extend(self.assignments.iter().map(|a| {
            format!(
                "sso:DeleteAccountAssignment {} in account {}",
                a.permission_set_arn, a.account
            )
        }));
        if self.delete_identity {
            removals.push(self.identity_removal());
        }
        removals
    }
}

fn membership_removal(membership: &GroupMembership, group_name: &str) -> String {
    format!(
        "identitystore:DeleteGroupMembership {} (group {group_name})",
        membership.membership_id
    )
}

impl SsoOffboardPlan {
    fn identity_removal(&self) -> String {
        format!(
            "identitystore:DeleteUser {} ({})",
            self.user_id, self.user_name
        )
    }
}

/// Finds every assignment of the person, across the instance's accounts and permission sets.
/// `None` when the person is not in the identity store.
pub(crate) async fn plan_sso_offboard(
    api: &impl Sso,
    user_name: &str,
    instance_arn: Option<&str>,
    keep_identity: bool,
) -> Result<Option<SsoOffboardPlan>, Error> {
    let instance = choose_instance(api, instance_arn).await?;
    let Some(user_id) = api
        .find_user_id(&instance.identity_store_id, user_name)
        .await
        .map_err(Error::from_aws)?
    else {
        return Ok(None);
    };
    let store = &instance.identity_store_id;
    let (assignments, memberships) = tokio::try_join!(
        api.list_assignments_for_user(&instance.arn, &user_id),
        api.list_group_memberships_for_member(store, &user_id),
    )
    .map_err(Error::from_aws)?;
    let mut assignments = assignments;
    assignments.sort();
    let names = try_join_all(
        memberships
            .iter()
            .map(|m| api.describe_group(store, &m.group_id)),
    )
    .await
    .map_err(Error::from_aws)?;
    let mut memberships: Vec<(GroupMembership, String)> =
        memberships.into_iter().zip(names).collect();
    memberships.sort();
    Ok(Some(SsoOffboardPlan {
        instance,
        user_name: user_name.to_string(),
        user_id,
        assignments,
        memberships,
        delete_identity: !keep_identity,
    }))
}

/// Removes every group membership and deletes every assignment (each polled to the end) at
/// once, then the identity-store user. Stops before the user when anything could not be
/// removed, so nothing is left orphaned.
pub(crate) async fn offboard_sso<A: Sso + Send + 'static>(
    api: Arc<A>,
    plan: &SsoOffboardPlan,
    patience: Patience,
) -> Result<Vec<String>, Error> {
    let store = &plan.instance.identity_store_id;
    let leave_groups = join_all(plan.memberships.iter().map(|(membership, name)| {
        let api = api.clone();
        async move {
            let result = api
                .delete_group_membership(store, &membership.membership_id)
                .await;
            let removal = membership_removal(membership, name);
            match result {
                Err(err) if !err.is(AwsErrorKind::NotFound) => Err((removal, err.to_string())),
                _ => Ok(removal),
            }
        }
    }));
    let unassigning = unassign(
        api.clone(),
        &plan.instance.arn,
        &plan.user_id,
        plan.assignments.clone(),
        patience,
    );
    let (left, failures) = tokio::join!(leave_groups, unassigning);
    let (left, not_left): (Vec<_>, Vec<_>) = left.into_iter().partition(Result::is_ok);
    let mut removed: Vec<String> = left.into_iter().filter_map(Result::ok).collect();
    let not_left: Vec<(String, String)> = not_left.into_iter().filter_map(Result::err).collect();
    removed.extend(
        plan.assignments
            .iter()
            .filter(|a| !failures.iter().any(|(failed, _)| failed == *a))
            .map(|a| {
                format!(
                    "sso:DeleteAccountAssignment {} in account {}",
                    a.permission_set_arn, a.account
                )
            }),
    );
    let incomplete =
        |cause: String, removed: Vec<String>, remaining: Vec<String>| Error::OffboardIncomplete {
            user_arn: format!("identity-store user {} ({})", plan.user_id, plan.user_name),
            cause,
            removed,
            remaining,
        };
    if !failures.is_empty() || !not_left.is_empty() {
        let cause = failures
            .iter()
            .map(|(a, why)| format!("account {}: {why}", a.account))
            .chain(
                not_left
                    .iter()
                    .map(|(removal, why)| format!("{removal}: {why}")),
            )
            .collect::<Vec<_>>()
            .join("; ");
        let mut remaining: Vec<String> = not_left.into_iter().map(|(removal, _)| removal).collect();
        remaining.extend(failures.iter().map(|(a, _)| {
            format!(
                "sso:DeleteAccountAssignment {} in account {}",
                a.permission_set_arn, a.account
            )
        }));
        if plan.delete_identity {
            remaining.push(plan.identity_removal());
        }
        return Err(incomplete(cause, removed, remaining));
    }
    if plan.delete_identity {
        match api
            .delete_user(&plan.instance.identity_store_id, &plan.user_id)
            .await
        {
            Ok(()) => removed.push(plan.identity_removal()),
            Err(err) if err.is(AwsErrorKind::NotFound) => {}
            Err(err) => {
                return Err(incomplete(
                    err.to_string(),
                    removed,
                    vec![plan.identity_removal()],
                ));
            }
        }
    }
    Ok(removed)
}
