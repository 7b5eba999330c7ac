//! One person offboarded in every account of `--accounts`: each account's offboarding prepared
//! as the single command prepares it (looked up, guarded with the caller there, planned), then,
//! after one question, the access cut in every account before anything is removed in any, and
//! the rest of each account's plan at once.

use super::{FoundAndPlanned, OffboardPlan, OffboardRequest, OffboardUser, Removed, execute};
use crate::accounts::{Across, Targets};
use crate::aws::Reach;
use crate::error::Error;
use crate::operation::{Operation, Prepared};
use crate::protect::Protected;
use std::sync::Arc;

/// One account's offboarding, prepared.
pub(crate) struct AccountOffboarding<A> {
    pub(crate) account: String,
    pub(crate) api: Arc<A>,
    /// `plan: None`: no user of that name there.
    pub(crate) prepared: Prepared<Option<FoundAndPlanned>>,
}

/// Prepares the offboarding in each account: the refusal of a protected person or of the
/// caller comes back as that account's error, an account not reached as a miss.
pub(crate) async fn prepare_across<R: Reach>(
    targets: &Targets<'_, R>,
    request: &OffboardRequest,
    protected: &Protected,
    now: &str,
) -> Across<Result<AccountOffboarding<R::Api>, Error>> {
    targets
        .across(|account, api| async move {
            let api = Arc::new(api);
            let operation = OffboardUser {
                api: api.clone(),
                request,
                gaps: None,
                now: now.to_string(),
            };
            Ok(operation
                .prepare(protected)
                .await
                .map(|prepared| AccountOffboarding {
                    account,
                    api,
                    prepared,
                }))
        })
        .await
}

/// Runs the prepared offboardings: the deny-all phase in every account at once, then every
/// account's remaining phases at once (not where the deny failed). Each account's outcome.
pub(crate) async fn execute_across<A: crate::aws::Iam + Send + Sync + 'static>(
    offboardings: &[AccountOffboarding<A>],
) -> Vec<(String, Result<Removed, Error>)> {
    let planned: Vec<(&AccountOffboarding<A>, &OffboardPlan)> = offboardings
        .iter()
        .filter_map(|o| Some((o, &o.prepared.plan.as_ref()?.plan)))
        .collect();
    let phase = |plan: &OffboardPlan, phases: std::ops::Range<usize>| OffboardPlan {
        phases: plan.phases[phases.start.min(plan.phases.len())..phases.end.min(plan.phases.len())]
            .to_vec(),
        ..plan.clone()
    };
    let denied = futures_util::future::join_all(
        planned
            .iter()
            .map(|(o, plan)| async move { execute(o.api.clone(), &phase(plan, 0..1)).await }),
    )
    .await;
    let rest = futures_util::future::join_all(planned.iter().zip(&denied).map(
        |((o, plan), denied)| async move {
            match denied {
                Err(_) => None,
                Ok(_) => Some(execute(o.api.clone(), &phase(plan, 1..usize::MAX)).await),
            }
        },
    ))
    .await;
    planned
        .iter()
        .zip(denied)
        .zip(rest)
        .map(|(((o, _), denied), rest)| {
            let outcome = match (denied, rest) {
                (Err(err), _) => Err(err),
                (Ok(first), Some(Ok(then))) => Ok(merged(first, then)),
                (
                    Ok(first),
                    Some(Err(Error::OffboardIncomplete {
                        user_arn,
                        cause,
                        removed,
                        remaining,
                    })),
                ) => Err(Error::OffboardIncomplete {
                    user_arn,
                    cause,
                    removed: first.done.into_iter().chain(removed).collect(),
                    remaining,
                }),
                (Ok(_), Some(Err(err))) => Err(err),
                (Ok(first), None) => Ok(first),
            };
            (o.account.clone(), outcome)
        })
        .collect()
}

/// What two runs of removals did together.
fn merged(first: Removed, then: Removed) -> Removed {
    Removed {
        done: first.done.into_iter().chain(then.done).collect(),
        already_gone: first
            .already_gone
            .into_iter()
            .chain(then.already_gone)
            .collect(),
        denied_by_managed_policy: first.denied_by_managed_policy || then.denied_by_managed_policy,
        roles_cut: first.roles_cut.into_iter().chain(then.roles_cut).collect(),
    }
}
