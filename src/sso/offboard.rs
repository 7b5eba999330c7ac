//! `offboard --sso`: first cuts the sessions the person already holds (a deny entry in every
//! permission set they can start sessions from, directly or through a group; see `revoke`),
//! then removes their group memberships (with and without `--keep-identity`, since a group gives
//! access through its own assignments) and every account assignment, then the identity-store
//! user.

use crate::aws::{Assignment, AwsErrorKind, CallerIdentity, Grantee, Sso, SsoInstance};
use crate::clock::Clock;
use crate::error::{Error, InputError};
use crate::names::validate_identity_user_name;
use crate::operation::{Operation, Prepared};
use crate::protect::{Person, Protected};
use crate::sso::assignments::unassign;
use crate::sso::cut_sessions::{RevokeStep, SetRevocation, plan_revocations, revoke_in_sets};
use crate::sso::operations::Patience;
use crate::sso::people::{Membership, PersonAccess, read_access};
use futures_util::future::join_all;
use std::sync::Arc;

/// Who to offboard from Identity Center, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoOffboardRequest {
    pub(crate) user_name: String,
    pub(crate) instance_arn: Option<String>,
    pub(crate) keep_identity: bool,
    /// Also add the deny entry to permission sets this tool does not manage.
    pub(crate) revoke_unmanaged: bool,
}

impl SsoOffboardRequest {
    /// The one constructor every edge calls (flags, the menu, a CSV row): the user name is
    /// checked against the identity store's rules.
    pub(crate) fn new(
        user_name: String,
        instance_arn: Option<String>,
        keep_identity: bool,
        revoke_unmanaged: bool,
    ) -> Result<Self, InputError> {
        validate_identity_user_name(&user_name)?;
        Ok(SsoOffboardRequest {
            user_name,
            instance_arn,
            keep_identity,
            revoke_unmanaged,
        })
    }
}

/// What `offboard --sso` will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoOffboardPlan {
    pub(crate) instance: SsoInstance,
    pub(crate) user_name: String,
    pub(crate) user_id: String,
    pub(crate) assignments: Vec<Assignment>,
    pub(crate) memberships: Vec<Membership>,
    /// Every permission set the person can start sessions from, and what happens to it.
    pub(crate) revocations: Vec<SetRevocation>,
    pub(crate) delete_identity: bool,
}

impl SsoOffboardPlan {
    /// The changes a real run makes, in order.
    pub(crate) fn removals(&self) -> Vec<String> {
        let mut removals: Vec<String> = self
            .revocations
            .iter()
            .filter_map(|set| set.planned(&self.user_id))
            .collect();
        removals.extend(self.memberships.iter().map(|m| self.membership_removal(m)));
        removals.extend(self.assignments.iter().map(|a| self.assignment_removal(a)));
        if self.delete_identity {
            removals.push(self.identity_removal());
        }
        removals
    }

    /// The permission sets whose sessions stay open, and until when.
    pub(crate) fn left_open(&self) -> Vec<String> {
        self.revocations
            .iter()
            .filter_map(SetRevocation::left_open)
            .collect()
    }

    fn set_name<'a>(&'a self, arn: &'a str) -> &'a str {
        self.revocations
            .iter()
            .find(|set| set.arn == arn)
            .map_or(arn, |set| &set.name)
    }

    fn access(&self, assignment: &Assignment) -> String {
        format!(
            "{} in account {}",
            self.set_name(&assignment.permission_set_arn),
            assignment.account
        )
    }

    fn membership_removal(&self, membership: &Membership) -> String {
        let gives: Vec<String> = membership.gives.iter().map(|a| self.access(a)).collect();
        let gives = if gives.is_empty() {
            String::new()
        } else {
            format!(", which gives {}", gives.join(", "))
        };
        format!(
            "identitystore:DeleteGroupMembership {} (group {}{gives})",
            membership.membership.membership_id, membership.group_name
        )
    }

    fn assignment_removal(&self, assignment: &Assignment) -> String {
        format!(
            "sso:DeleteAccountAssignment {} ({})",
            assignment.permission_set_arn,
            self.access(assignment)
        )
    }

    fn identity_removal(&self) -> String {
        format!(
            "identitystore:DeleteUser {} ({})",
            self.user_id, self.user_name
        )
    }
}

/// Finds every assignment and group membership of the person, what each group gives, and
/// what offboarding does to each permission set they can start sessions from. `None` when the
/// person is not in the identity store.
pub(crate) async fn plan_sso_offboard(
    api: &impl Sso,
    request: &SsoOffboardRequest,
    now: u64,
) -> Result<Option<SsoOffboardPlan>, Error> {
    let Some(access) =
        read_access(api, &request.user_name, request.instance_arn.as_deref()).await?
    else {
        return Ok(None);
    };
    let set_arns = access.permission_sets();
    let PersonAccess {
        instance,
        user_id,
        assignments,
        memberships,
    } = access;
    let revocations = plan_revocations(
        api,
        &instance.arn,
        &set_arns,
        &user_id,
        now,
        request.revoke_unmanaged,
    )
    .await?;
    Ok(Some(SsoOffboardPlan {
        instance,
        user_name: request.user_name.clone(),
        user_id,
        assignments,
        memberships,
        revocations,
        delete_identity: !request.keep_identity,
    }))
}

/// A permission set whose sessions are denied to the person, and since when (Unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SessionsCut {
    pub(crate) name: String,
    pub(crate) arn: String,
    pub(crate) since: u64,
    /// Set when the set's entries were full: every session from it issued before this time
    /// is denied, so the people still assigned must sign in again.
    pub(crate) older_sessions_cut: Option<u64>,
}

/// What `offboard --sso` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoOffboarded {
    /// The permission sets that deny the person's sessions (this run's entries and earlier
    /// runs').
    pub(crate) cut: Vec<SessionsCut>,
    pub(crate) removed: Vec<String>,
    /// When the offboarding started (Unix seconds): when access was cut, if no set had an
    /// entry to add.
    pub(crate) started: u64,
}

/// `offboard --sso`, as the command, a batch row and the menu run it. A person not in the
/// identity store is already offboarded: the plan is `None`.
pub(crate) struct OffboardPerson<'a, A> {
    pub(crate) api: Arc<A>,
    pub(crate) request: &'a SsoOffboardRequest,
    /// Who runs it (read once by the edge, from STS).
    pub(crate) caller: &'a CallerIdentity,
    pub(crate) clock: &'a dyn Clock,
    pub(crate) patience: Patience,
}

impl<A: Sso + Send + 'static> Operation for OffboardPerson<'_, A> {
    type Plan = Option<SsoOffboardPlan>;
    type Done = SsoOffboarded;

    async fn prepare(&self, protected: &Protected) -> Result<Prepared<Self::Plan>, Error> {
        let name = &self.request.user_name;
        protected
            .guard(self.caller.clone())
            .check(Person::Identity { name })?;
        let plan =
            plan_sso_offboard(self.api.as_ref(), self.request, self.clock.unix_now()).await?;
        Ok(Prepared {
            caller: self.caller.clone(),
            subject: plan
                .as_ref()
                .map_or_else(|| name.clone(), |plan| plan.user_id.clone()),
            changes: plan
                .as_ref()
                .map(SsoOffboardPlan::removals)
                .unwrap_or_default(),
            done: plan.is_none(),
            plan,
        })
    }

    async fn apply(
        &mut self,
        plan: &Self::Plan,
        interrupted: impl std::future::Future<Output = ()>,
    ) -> Result<SsoOffboarded, Error> {
        let Some(plan) = plan else {
            return Ok(SsoOffboarded {
                cut: Vec::new(),
                removed: Vec::new(),
                started: self.clock.unix_now(),
            });
        };
        tokio::select! {
            done = offboard_sso(self.api.clone(), plan, self.clock, self.patience) => done,
            () = interrupted => Err(Error::OffboardInterrupted { user_arn: plan.user_id.clone() }),
        }
    }
}

/// Adds the deny entries (every set at once, each re-provisioned), then removes every group
/// membership and deletes every assignment (each polled to the end) at once, then the
/// identity-store user. Stops before removing anything when a deny entry could not be added,
/// and before the user when anything could not be removed, so nothing is left orphaned.
pub(crate) async fn offboard_sso<A: Sso + Send + 'static>(
    api: Arc<A>,
    plan: &SsoOffboardPlan,
    clock: &dyn Clock,
    patience: Patience,
) -> Result<SsoOffboarded, Error> {
    let started = clock.unix_now();
    let cut = cut_sessions(api.as_ref(), plan, clock, patience).await?;
    let removed = remove_access(api, plan, patience).await?;
    Ok(SsoOffboarded {
        cut,
        removed,
        started,
    })
}

async fn cut_sessions(
    api: &impl Sso,
    plan: &SsoOffboardPlan,
    clock: &dyn Clock,
    patience: Patience,
) -> Result<Vec<SessionsCut>, Error> {
    let (added, failed) = revoke_in_sets(
        api,
        &plan.instance.arn,
        &plan.revocations,
        &plan.user_id,
        clock,
        patience,
    )
    .await;
    let cut_in = |set: &SetRevocation, since: u64, older_sessions_cut| SessionsCut {
        name: set.name.clone(),
        arn: set.arn.clone(),
        since,
        older_sessions_cut,
    };
    let mut cut: Vec<SessionsCut> = plan
        .revocations
        .iter()
        .filter_map(|set| match set.step {
            RevokeStep::Done { at } => Some(cut_in(set, at, None)),
            _ => None,
        })
        .collect();
    cut.extend(
        added
            .iter()
            .map(|(set, done)| cut_in(set, done.at, done.older_sessions_cut)),
    );
    if failed.is_empty() {
        return Ok(cut);
    }
    let kept = if cut.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = cut.iter().map(|c| c.name.as_str()).collect();
        format!(
            "; the deny entries in {} stay: they are harmless, and what offboarding asks for",
            names.join(", ")
        )
    };
    Err(Error::OffboardIncomplete {
        user_arn: identity(plan),
        cause: format!(
            "could not deny the person's sessions in {}{kept}",
            failed.join("; ")
        ),
        removed: Vec::new(),
        remaining: plan
            .removals()
            .into_iter()
            .filter(|removal| !removal.starts_with("sso:PutInlinePolicyToPermissionSet"))
            .collect(),
    })
}

fn identity(plan: &SsoOffboardPlan) -> String {
    format!("identity-store user {} ({})", plan.user_id, plan.user_name)
}

async fn remove_access<A: Sso + Send + 'static>(
    api: Arc<A>,
    plan: &SsoOffboardPlan,
    patience: Patience,
) -> Result<Vec<String>, Error> {
    let store = &plan.instance.identity_store_id;
    let leave_groups = join_all(plan.memberships.iter().map(|membership| {
        let api = api.clone();
        async move {
            let result = api
                .delete_group_membership(store, &membership.membership.membership_id)
                .await;
            let removal = plan.membership_removal(membership);
            match result {
                Err(err) if !err.is(AwsErrorKind::NotFound) => Err((removal, err.to_string())),
                _ => Ok(removal),
            }
        }
    }));
    let person = Grantee::user(&plan.user_id);
    let unassigning = unassign(
        api.clone(),
        &plan.instance.arn,
        &person,
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
            .map(|a| plan.assignment_removal(a)),
    );
    let incomplete =
        |cause: String, removed: Vec<String>, remaining: Vec<String>| Error::OffboardIncomplete {
            user_arn: identity(plan),
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
        remaining.extend(failures.iter().map(|(a, _)| plan.assignment_removal(a)));
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

#[cfg(test)]
mod tests;
