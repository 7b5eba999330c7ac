//! Account assignments of a grantee (a person or a group): made and removed in many accounts
//! at once, at most `MAX_IN_FLIGHT` outstanding, each polled to its end, with ConflictException
//! and throttling retried, and no duplicate made (AWS accepts them).

use crate::aws::{Assignment, AwsErrorKind, AwsResult, Grantee, Sso};
use crate::sso::operations::{Patience, at_most_in_flight, retrying_conflicts, wait_for};
use std::sync::{Arc, Mutex};

/// What happened in one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AccountOutcome {
    Created,
    AlreadyAssigned,
    Failed(String),
}

/// Assigns the permission set to the grantee (a person or a group) in each account, at most
/// `MAX_IN_FLIGHT` at once. Every assignment this run created is pushed to `created` as soon as
/// AWS accepted it.
pub(crate) async fn assign_accounts<A: Sso + Send + 'static>(
    api: Arc<A>,
    instance_arn: &str,
    grantee: &Grantee,
    assignments: Vec<Assignment>,
    patience: Patience,
    created: Arc<Mutex<Vec<Assignment>>>,
) -> Vec<(Assignment, AccountOutcome)> {
    let (instance_arn, grantee) = (instance_arn.to_string(), grantee.clone());
    at_most_in_flight(assignments, |assignment| {
        let (api, created) = (api.clone(), created.clone());
        let (instance_arn, grantee) = (instance_arn.clone(), grantee.clone());
        async move {
            let outcome = assign_one(
                api.as_ref(),
                &instance_arn,
                &grantee,
                &assignment,
                patience,
                &created,
            )
            .await;
            (assignment, outcome)
        }
    })
    .await
}

async fn assign_one(
    api: &impl Sso,
    instance_arn: &str,
    grantee: &Grantee,
    assignment: &Assignment,
    patience: Patience,
    created: &Mutex<Vec<Assignment>>,
) -> AccountOutcome {
    match is_assigned(api, instance_arn, assignment, grantee).await {
        Ok(true) => return AccountOutcome::AlreadyAssigned,
        Ok(false) => {}
        Err(err) => return AccountOutcome::Failed(err.to_string()),
    }
    let started = retrying_conflicts(
        || api.create_account_assignment(instance_arn, assignment, grantee),
        patience,
    )
    .await;
    let started = match started {
        Ok(started) => started,
        Err(err) => return AccountOutcome::Failed(err.to_string()),
    };
    created
        .lock()
        .expect("not poisoned")
        .push(assignment.clone());
    let waited = wait_for(
        started,
        |id| async move { api.describe_assignment_creation(instance_arn, &id).await },
        patience,
    )
    .await;
    match waited {
        Ok(()) => AccountOutcome::Created,
        Err(failure) => AccountOutcome::Failed(failure.to_string()),
    }
}

/// Whether the grantee has the assignment already (AWS accepts duplicates).
pub(crate) async fn is_assigned(
    api: &impl Sso,
    instance_arn: &str,
    assignment: &Assignment,
    grantee: &Grantee,
) -> AwsResult<bool> {
    let assigned = api
        .list_account_assignments(
            instance_arn,
            &assignment.account,
            &assignment.permission_set_arn,
        )
        .await?;
    Ok(assigned
        .iter()
        .any(|(kind, id)| *kind == grantee.kind && *id == grantee.id))
}

/// Deletes assignments, at most `MAX_IN_FLIGHT` at once, each polled to the end. Returns the
/// ones that could not be deleted, with why.
pub(crate) async fn unassign<A: Sso + Send + 'static>(
    api: Arc<A>,
    instance_arn: &str,
    grantee: &Grantee,
    assignments: Vec<Assignment>,
    patience: Patience,
) -> Vec<(Assignment, String)> {
    let (instance_arn, grantee) = (instance_arn.to_string(), grantee.clone());
    let results = at_most_in_flight(assignments, |assignment| {
        let api = api.clone();
        let (instance_arn, grantee) = (instance_arn.clone(), grantee.clone());
        async move {
            let api = api.as_ref();
            let started = retrying_conflicts(
                || api.delete_account_assignment(&instance_arn, &assignment, &grantee),
                patience,
            )
            .await;
            let result = match started {
                Err(err) if err.is(AwsErrorKind::NotFound) => Ok(()),
                Err(err) => Err(err.to_string()),
                Ok(started) => wait_for(
                    started,
                    |id| {
                        let instance_arn = instance_arn.clone();
                        async move { api.describe_assignment_deletion(&instance_arn, &id).await }
                    },
                    patience,
                )
                .await
                .map_err(|failure| failure.to_string()),
            };
            (assignment, result)
        }
    })
    .await;
    let mut failures: Vec<(Assignment, String)> = results
        .into_iter()
        .filter_map(|(assignment, result)| result.err().map(|reason| (assignment, reason)))
        .collect();
    failures.sort();
    failures
}
