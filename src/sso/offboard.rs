//! `offboard --sso`: every account assignment of the person, then the identity-store user.

use crate::aws::{Assignment, AwsErrorKind, Sso, SsoInstance};
use crate::error::Error;
use crate::sso::assign::{choose_instance, unassign};
use crate::sso::operations::Patience;
use std::sync::Arc;

/// What `offboard --sso` will remove.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoOffboardPlan {
    pub(crate) instance: SsoInstance,
    pub(crate) user_name: String,
    pub(crate) user_id: String,
    pub(crate) assignments: Vec<Assignment>,
    pub(crate) delete_identity: bool,
}

impl SsoOffboardPlan {
    pub(crate) fn removals(&self) -> Vec<String> {
        let mut removals: Vec<String> = self
            .assignments
            .iter()
            .map(|a| {
                format!(
                    "sso:DeleteAccountAssignment {} in account {}",
                    a.permission_set_arn, a.account
                )
            })
            .collect();
        if self.delete_identity {
            removals.push(self.identity_removal());
        }
        removals
    }

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
    let mut assignments = api
        .list_assignments_for_user(&instance.arn, &user_id)
        .await
        .map_err(Error::from_aws)?;
    assignments.sort();
    Ok(Some(SsoOffboardPlan {
        instance,
        user_name: user_name.to_string(),
        user_id,
        assignments,
        delete_identity: !keep_identity,
    }))
}

/// Deletes every assignment, each polled to the end, then the identity-store user. Stops
/// before the user when an assignment could not be deleted, so none is left orphaned.
pub(crate) async fn offboard_sso<A: Sso + Send + 'static>(
    api: Arc<A>,
    plan: &SsoOffboardPlan,
    patience: Patience,
) -> Result<Vec<String>, Error> {
    let failures = unassign(
        api.clone(),
        &plan.instance.arn,
        &plan.user_id,
        plan.assignments.clone(),
        patience,
    )
    .await;
    let mut removed: Vec<String> = plan
        .assignments
        .iter()
        .filter(|a| !failures.iter().any(|(failed, _)| failed == *a))
        .map(|a| {
            format!(
                "sso:DeleteAccountAssignment {} in account {}",
                a.permission_set_arn, a.account
            )
        })
        .collect();
    let incomplete =
        |cause: String, removed: Vec<String>, remaining: Vec<String>| Error::OffboardIncomplete {
            user_arn: format!("identity-store user {} ({})", plan.user_id, plan.user_name),
            cause,
            removed,
            remaining,
        };
    if !failures.is_empty() {
        let cause = failures
            .iter()
            .map(|(a, why)| format!("account {}: {why}", a.account))
            .collect::<Vec<_>>()
            .join("; ");
        let mut remaining: Vec<String> = failures
            .iter()
            .map(|(a, _)| {
                format!(
                    "sso:DeleteAccountAssignment {} in account {}",
                    a.permission_set_arn, a.account
                )
            })
            .collect();
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
