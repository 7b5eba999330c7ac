//! Account assignments of a grantee (a person or a group): made and removed in many accounts
//! at once, at most `MAX_IN_FLIGHT` outstanding, each polled to its end, with ConflictException
//! and throttling retried, and no duplicate made (AWS accepts them).

use crate::aws::{Assignment, AwsErrorKind, AwsResult, Grantee, Sso};
use crate::sso::operations::{MAX_IN_FLIGHT, Patience, retrying_conflicts, wait_for};
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
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut running = tokio::task::JoinSet::new();
    for (index, assignment) in assignments.into_iter().enumerate() {
        let (api, permits, created) = (api.clone(), permits.clone(), created.clone());
        let (instance_arn, grantee) = (instance_arn.to_string(), grantee.clone());
        running.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .expect("the semaphore stays open");
            let outcome = assign_one(
                api.as_ref(),
                &instance_arn,
                &grantee,
                &assignment,
                patience,
                &created,
            )
            .await;
            (index, assignment, outcome)
        });
    }
    let mut outcomes = Vec::new();
    while let Some(joined) = running.join_next().await {
        outcomes.push(joined.expect("an assignment task does not panic"));
    }
    outcomes.sort_by_key(|(index, _, _)| *index);
    outcomes
        .into_iter()
        .map(|(_, assignment, outcome)| (assignment, outcome))
        .collect()
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
    let permits = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut running = tokio::task::JoinSet::new();
    for assignment in assignments {
        let (api, permits) = (api.clone(), permits.clone());
        let (instance_arn, grantee) = (instance_arn.to_string(), grantee.clone());
        running.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .expect("the semaphore stays open");
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
        });
    }
    let mut failures = Vec::new();
    while let Some(joined) = running.join_next().await {
        if let (assignment, Err(reason)) = joined.expect("an unassign task does not panic") {
            failures.push((assignment, reason));
        }
    }
    failures.sort();
    failures
}
