//! `move --sso`: a job change in Identity Center. The person's assignments from the permission sets
//! of this tool's other templates, and their memberships of its other templates' groups, are
//! replaced by the new template's access: first the person's live sessions of the old access are
//! denied in its permission sets (as offboarding denies them), then the old is removed (polled)
//! before the new is granted, so the person never holds both. The new access is direct assignments
//! when the accounts are named (or the configuration says `"sso_access": "users"`), else, as
//! `assign` gives it, the new template's groups. A failure or interrupt while granting removes what
//! this run granted and gives the old access back.

use crate::aws::{
    Assignment, AwsErrorKind, CallerIdentity, Grantee, GroupMembership, Sso, SsoInstance,
};
use crate::clock::Clock;
use crate::config::{Config, SsoAccess};
use crate::error::{Error, InputError};
use crate::names::{validate_account_id, validate_identity_user_name};
use crate::operation::{Operation, Prepared};
use crate::protect::{Person, Protected};
use crate::sso::assign::assign;
use crate::sso::assignments::{AccountOutcome, assign_accounts, unassign};
use crate::sso::cut_sessions::{SetRevocation, plan_revocations, revoke_in_sets};
use crate::sso::end_date::UNTIL_GROUP_PREFIX;
use crate::sso::groups::{group_name, memberships_named};
use crate::sso::instance::choose_instance;
use crate::sso::operations::Patience;
use crate::sso::permission_set::{
    PERMISSION_SET_MARKER, PermissionSetDesign, describe_all, design_permission_set,
    ensure_permission_set,
};
use crate::sso::request::{AssignInput, AssignRequest};
use crate::template::{Template, TemplateSet};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

/// What `move --sso` will change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoMovePlan {
    pub(crate) instance: SsoInstance,
    pub(crate) user_name: String,
    pub(crate) user_id: String,
    /// The new template's permission set, when it exists already.
    pub(crate) new_set: Option<String>,
    /// The accounts the new template is given in.
    pub(crate) accounts: Vec<String>,
    /// Assignments from the permission sets of this tool's other templates: removed first.
    pub(crate) remove: Vec<Assignment>,
    /// Accounts where the person already has the new template's set.
    pub(crate) already: Vec<String>,
    /// The templates (permission set names) of the access removed.
    pub(crate) from: Vec<String>,
    /// Memberships of this tool's other templates' groups (with the group's name): left.
    pub(crate) leave: Vec<(GroupMembership, String)>,
    /// Group mode: the new access's groups the person is not in yet.
    pub(crate) joins: Vec<String>,
    /// The new access is through groups (`SsoMoveRequest::groups`).
    pub(crate) through_groups: bool,
    /// The permission sets of the access removed: the person's sessions of them are denied
    /// first, as offboarding denies them, since removing an assignment or a membership only
    /// stops new sessions.
    pub(crate) revocations: Vec<SetRevocation>,
}

impl SsoMovePlan {
    /// The changes, in order, for the plan and the dry run.
    pub(crate) fn steps(&self, template: &str) -> Vec<String> {
        let mut steps: Vec<String> = self
            .revocations
            .iter()
            .filter_map(|set| set.planned(&self.user_id))
            .collect();
        steps.extend(self.remove.iter().map(|a| {
            format!(
                "sso:DeleteAccountAssignment {} in account {} (the old access, removed first)",
                a.permission_set_arn, a.account
            )
        }));
        steps.extend(self.leave.iter().map(|(membership, name)| {
            format!(
                "identitystore:DeleteGroupMembership {} (group {name}, the old access, left first)",
                membership.membership_id
            )
        }));
        if self.through_groups {
            steps.extend(self.joins.iter().map(|group| {
                format!(
                    "identitystore:CreateGroupMembership {} in group {group} (as assign gives {template}; the group and its access made when missing)",
                    self.user_name
                )
            }));
            return steps;
        }
        let set = self
            .new_set
            .as_deref()
            .unwrap_or("(created from the template)");
        steps.extend(
            self.accounts
                .iter()
                .filter(|account| !self.already.contains(account))
                .map(|account| {
                    format!("sso:CreateAccountAssignment {template} {set} in account {account}")
                }),
        );
        steps
    }

    pub(crate) fn is_done(&self) -> bool {
        let granted = if self.through_groups {
            self.joins.is_empty()
        } else {
            self.accounts.iter().all(|a| self.already.contains(a))
        };
        self.remove.is_empty() && self.leave.is_empty() && granted
    }
}

/// Reads the person, their assignments and the permission sets behind them, and their groups,
/// and decides. Through groups (`groups`: the new access's group names), the new access is
/// those groups; else the new template's accounts are `accounts`, or those of the access it
/// replaces. The permission sets of the access removed are read for the denial of the
/// person's sessions of them (at Unix time `now`).
pub(crate) async fn plan_sso_move(
    api: &impl Sso,
    user_name: &str,
    template: &str,
    accounts: &[String],
    instance_arn: Option<&str>,
    groups: Option<&[String]>,
    now: u64,
) -> Result<SsoMovePlan, Error> {
    let instance = choose_instance(api, instance_arn).await?;
    let Some(user_id) = api
        .find_user_id(&instance.identity_store_id, user_name)
        .await
        .map_err(Error::from_aws)?
    else {
        return Err(InputError::new(
            "<USERNAME>",
            format!("{user_name} is not in the identity store"),
        )
        .into());
    };
    let store = &instance.identity_store_id;
    let (assignments, listed, memberships) = tokio::try_join!(
        api.list_assignments_for_user(&instance.arn, &user_id),
        api.list_permission_sets(&instance.arn),
        memberships_named(api, store, &user_id),
    )
    .map_err(Error::from_aws)?;
    let new_groups: &[String] = groups.unwrap_or_default();
    let tool_groups: Vec<(GroupMembership, String)> = memberships
        .into_iter()
        .filter(|(_, name)| {
            name.starts_with("iam-onboard-") && !name.starts_with(UNTIL_GROUP_PREFIX)
        })
        .collect();
    let joins: Vec<String> = new_groups
        .iter()
        .filter(|group| !tool_groups.iter().any(|(_, name)| name == *group))
        .cloned()
        .collect();
    let leave: Vec<(GroupMembership, String)> = tool_groups
        .into_iter()
        .filter(|(_, name)| !new_groups.contains(name))
        .collect();
    let mut managed = Vec::new();
    let mut new_set = None;
    let described = describe_all(api, &instance.arn, &listed)
        .await
        .map_err(Error::from_aws)?;
    for (arn, spec) in described {
        if !spec.description.starts_with(PERMISSION_SET_MARKER) {
            continue;
        }
        if spec.name == template {
            new_set = Some(arn);
        } else {
            managed.push((arn, spec.name));
        }
    }
    let remove: Vec<Assignment> = assignments
        .iter()
        .filter(|a| managed.iter().any(|(arn, _)| *arn == a.permission_set_arn))
        .cloned()
        .collect();
    let old_sets: Vec<String> = managed
        .iter()
        .filter(|(arn, name)| {
            remove.iter().any(|a| a.permission_set_arn == *arn)
                || leave.iter().any(|(_, group)| *group == group_name(name))
        })
        .map(|(arn, _)| arn.clone())
        .collect();
    let revocations = plan_revocations(api, &instance.arn, &old_sets, &user_id, now, false).await?;
    let from: Vec<String> = managed
        .into_iter()
        .filter(|(arn, _)| remove.iter().any(|a| a.permission_set_arn == *arn))
        .map(|(_, name)| name)
        .collect();
    let accounts: Vec<String> = if accounts.is_empty() {
        remove
            .iter()
            .map(|a| a.account.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    } else {
        accounts.to_vec()
    };
    if accounts.is_empty() && groups.is_none() {
        return Err(InputError::new(
            "--account",
            format!(
                "{user_name} has no access from another template to take the accounts from; name them with --account"
            ),
        )
        .into());
    }
    let already = assignments
        .iter()
        .filter(|a| Some(&a.permission_set_arn) == new_set.as_ref())
        .map(|a| a.account.clone())
        .collect();
    Ok(SsoMovePlan {
        instance,
        user_name: user_name.to_string(),
        user_id,
        new_set,
        accounts,
        remove,
        already,
        from,
        leave,
        joins,
        through_groups: groups.is_some(),
        revocations,
    })
}

/// What a move did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoMoved {
    /// The old access's permission sets whose sessions this run denied the person, each with
    /// when (Unix seconds).
    pub(crate) sessions_cut: Vec<(SetRevocation, u64)>,
    pub(crate) permission_set: String,
    pub(crate) removed: Vec<Assignment>,
    pub(crate) granted: Vec<Assignment>,
}

/// Ensures the new template's permission set, denies the person's sessions of the old access,
/// removes the old assignments (each polled), then grants the new ones. When a denial fails,
/// the person's access is left as it was; when granting fails or is interrupted, what it granted is removed
/// and the old access granted again (the denials stay: the person signs in again).
pub(crate) async fn apply_sso_move<A: Sso + Send + 'static>(
    api: Arc<A>,
    plan: &SsoMovePlan,
    design: &PermissionSetDesign,
    groups: Option<&AssignRequest>,
    clock: &dyn Clock,
    patience: Patience,
    interrupted: impl std::future::Future<Output = ()>,
) -> Result<SsoMoved, Error> {
    let instance_arn = &plan.instance.arn;
    let set = ensure_permission_set(api.as_ref(), &plan.instance, design, clock, patience).await?;
    let (denied, failed) = revoke_in_sets(
        api.as_ref(),
        instance_arn,
        &plan.revocations,
        &plan.user_id,
        clock,
        patience,
    )
    .await;
    if !failed.is_empty() {
        return Err(Error::RolledBack {
            cause: format!(
                "could not deny the person's sessions of the old access in {}; their access is as it was (a deny entry written stays: it only makes them sign in again; the new template's permission set, shared, stays too)",
                failed.join("; ")
            ),
            undone: Vec::new(),
        });
    }
    let sessions_cut: Vec<(SetRevocation, u64)> = denied
        .into_iter()
        .map(|(set, revoked)| (set.clone(), revoked.at))
        .collect();
    let person = Grantee::user(&plan.user_id);
    let store = &plan.instance.identity_store_id;
    let mut left: Vec<&GroupMembership> = Vec::new();
    for (membership, name) in &plan.leave {
        match api
            .delete_group_membership(store, &membership.membership_id)
            .await
        {
            Err(err) if !err.is(AwsErrorKind::NotFound) => {
                let leftovers = rejoin(api.as_ref(), store, &plan.user_id, &left).await;
                let cause = format!("leaving group {name}: {err}");
                return Err(if leftovers.is_empty() {
                    Error::RolledBack {
                        cause,
                        undone: vec!["the groups left were joined again".to_string()],
                    }
                } else {
                    Error::UndoIncomplete { cause, leftovers }
                });
            }
            _ => left.push(membership),
        }
    }
    let not_removed = unassign(
        api.clone(),
        instance_arn,
        &person,
        plan.remove.clone(),
        patience,
    )
    .await;
    if !not_removed.is_empty() {
        let why: Vec<String> = not_removed
            .iter()
            .map(|(a, why)| format!("account {}: {why}", a.account))
            .collect();
        let leftovers = rejoin(api.as_ref(), store, &plan.user_id, &left).await;
        if !leftovers.is_empty() {
            return Err(Error::UndoIncomplete {
                cause: why.join("; "),
                leftovers,
            });
        }
        return Err(Error::RolledBack {
            cause: format!(
                "the old access could not all be removed ({}); nothing new was granted, run it again to finish",
                why.join("; ")
            ),
            undone: Vec::new(),
        });
    }
    if let Some(request) = groups {
        return match assign(api.clone(), request, clock, patience, interrupted).await {
            Ok(_) => Ok(SsoMoved {
                sessions_cut,
                permission_set: set.arn,
                removed: plan.remove.clone(),
                granted: Vec::new(),
            }),
            Err(err) => Err(give_back(api, plan, &left, err, patience).await),
        };
    }
    let wanted: Vec<Assignment> = plan
        .accounts
        .iter()
        .filter(|account| !plan.already.contains(account))
        .map(|account| Assignment {
            account: account.clone(),
            permission_set_arn: set.arn.clone(),
        })
        .collect();
    let created = Arc::new(Mutex::new(Vec::new()));
    let outcomes = tokio::select! {
        outcomes = assign_accounts(api.clone(), instance_arn, &person, wanted, patience, created.clone()) => Some(outcomes),
        () = interrupted => None,
    };
    let failed: Vec<String> = match &outcomes {
        None => vec!["interrupted".to_string()],
        Some(outcomes) => outcomes
            .iter()
            .filter_map(|(a, outcome)| match outcome {
                AccountOutcome::Failed(why) => Some(format!("account {}: {why}", a.account)),
                _ => None,
            })
            .collect(),
    };
    let granted = created.lock().expect("not poisoned").clone();
    if failed.is_empty() {
        return Ok(SsoMoved {
            sessions_cut,
            permission_set: set.arn,
            removed: plan.remove.clone(),
            granted,
        });
    }
    let mut leftovers: Vec<String> =
        unassign(api.clone(), instance_arn, &person, granted, patience)
            .await
            .into_iter()
            .map(|(a, why)| format!("new assignment in account {} ({why})", a.account))
            .collect();
    leftovers.extend(old_access_back(api, plan, &left, patience).await);
    let cause = failed.join("; ");
    let undone = vec!["the new assignments removed, the old access granted again".to_string()];
    match (leftovers.is_empty(), outcomes.is_none()) {
        (false, _) => Err(Error::UndoIncomplete { cause, leftovers }),
        (true, true) => Err(Error::Interrupted { undone }),
        (true, false) => Err(Error::RolledBack { cause, undone }),
    }
}

/// Gives the old access back after the new could not be granted: its assignments granted
/// again, its groups joined again. What could not be is returned.
async fn old_access_back<A: Sso + Send + 'static>(
    api: Arc<A>,
    plan: &SsoMovePlan,
    left: &[&GroupMembership],
    patience: Patience,
) -> Vec<String> {
    let person = Grantee::user(&plan.user_id);
    let restored = assign_accounts(
        api.clone(),
        &plan.instance.arn,
        &person,
        plan.remove.clone(),
        patience,
        Arc::new(Mutex::new(Vec::new())),
    )
    .await;
    let mut leftovers: Vec<String> = restored
        .iter()
        .filter_map(|(a, outcome)| match outcome {
            AccountOutcome::Failed(why) => Some(format!(
                "old assignment of {} in account {} not granted again ({why})",
                a.permission_set_arn, a.account
            )),
            _ => None,
        })
        .collect();
    leftovers.extend(
        rejoin(
            api.as_ref(),
            &plan.instance.identity_store_id,
            &plan.user_id,
            left,
        )
        .await,
    );
    leftovers
}

/// The groups left joined again; what could not be is returned.
async fn rejoin(
    api: &impl Sso,
    store: &str,
    user_id: &str,
    left: &[&GroupMembership],
) -> Vec<String> {
    let mut leftovers = Vec::new();
    for membership in left {
        match api
            .create_group_membership(store, &membership.group_id, user_id)
            .await
        {
            Err(err) if !err.is(AwsErrorKind::Conflict) => leftovers.push(format!(
                "old membership of group {} not made again ({err})",
                membership.group_id
            )),
            _ => {}
        }
    }
    leftovers
}

/// The error of a move whose new group access failed (`assign` undid its own part): the old
/// access given back, and what could not be added to what `assign` left.
async fn give_back<A: Sso + Send + 'static>(
    api: Arc<A>,
    plan: &SsoMovePlan,
    left: &[&GroupMembership],
    failed: Error,
    patience: Patience,
) -> Error {
    let mut leftovers = old_access_back(api, plan, left, patience).await;
    let undone = "the old access given back".to_string();
    match failed {
        Error::UndoIncomplete {
            cause,
            leftovers: theirs,
        } => {
            leftovers.extend(theirs);
            Error::UndoIncomplete { cause, leftovers }
        }
        _ if !leftovers.is_empty() => Error::UndoIncomplete {
            cause: failed.to_string(),
            leftovers,
        },
        Error::Interrupted { mut undone } => {
            undone.push("the old access given back".to_string());
            Error::Interrupted { undone }
        }
        Error::RolledBack { cause, mut undone } => {
            undone.push("the old access given back".to_string());
            Error::RolledBack { cause, undone }
        }
        other => Error::RolledBack {
            cause: other.to_string(),
            undone: vec![undone],
        },
    }
}

/// A validated `move --sso` request.
#[derive(Debug, Clone)]
pub(crate) struct SsoMoveRequest {
    pub(crate) user_name: String,
    pub(crate) template: Template,
    /// `--account`: where the new template is given; none, the accounts of the old access.
    pub(crate) accounts: Vec<String>,
    pub(crate) instance_arn: Option<String>,
    /// Without `--account`, when the configuration gives access through groups and the
    /// template names account sets: the new access as `assign` gives it, through groups.
    pub(crate) groups: Option<AssignRequest>,
}

impl SsoMoveRequest {
    /// The templates whose access the move gives: the new one, and through groups those its
    /// account sets give.
    pub(crate) fn templates(&self) -> Vec<&Template> {
        let mut given = vec![&self.template];
        if let Some(groups) = &self.groups {
            given.extend(groups.templates());
        }
        given
    }

    /// The one constructor every edge calls: the name by the identity store's rules, each
    /// account id, the template by name (and its account sets, for access through groups).
    pub(crate) fn new(
        user_name: String,
        template: &str,
        templates: &TemplateSet,
        config: &Config,
        accounts: Vec<String>,
        instance_arn: Option<String>,
    ) -> Result<Self, InputError> {
        validate_identity_user_name(&user_name)?;
        for account in &accounts {
            validate_account_id(account)?;
        }
        let template = templates.get(template)?.clone();
        let through_groups = accounts.is_empty()
            && config.sso_access == SsoAccess::Groups
            && !template.account_sets.is_empty();
        let groups = through_groups
            .then(|| {
                AssignRequest::new(
                    AssignInput {
                        user_name: user_name.clone(),
                        template: template.name.clone(),
                        accounts: Vec::new(),
                        create: None,
                        instance_arn: instance_arn.clone(),
                        until: None,
                    },
                    templates,
                    config,
                )
            })
            .transpose()?;
        Ok(SsoMoveRequest {
            template,
            user_name,
            accounts,
            instance_arn,
            groups,
        })
    }

    /// Through groups: the names of the new access's groups.
    fn group_names(&self) -> Option<Vec<String>> {
        self.groups.as_ref().map(|request| {
            request
                .templates()
                .iter()
                .map(|t| group_name(&t.name))
                .collect()
        })
    }
}

/// `move --sso`, as the command and the menu run it.
pub(crate) struct MovePerson<'a, A> {
    pub(crate) api: Arc<A>,
    pub(crate) request: &'a SsoMoveRequest,
    /// Who runs it (read once by the edge, from STS).
    pub(crate) caller: &'a CallerIdentity,
    pub(crate) clock: &'a dyn Clock,
    pub(crate) patience: Patience,
}

impl<A: Sso + Send + 'static> Operation for MovePerson<'_, A> {
    type Plan = (SsoMovePlan, PermissionSetDesign);
    type Done = SsoMoved;

    async fn prepare(&self, protected: &Protected) -> Result<Prepared<Self::Plan>, Error> {
        let request = self.request;
        protected
            .guard(self.caller.clone())
            .check(Person::Identity {
                name: &request.user_name,
            })?;
        let design = design_permission_set(&request.template)?;
        let groups = request.group_names();
        let plan = plan_sso_move(
            self.api.as_ref(),
            &request.user_name,
            &request.template.name,
            &request.accounts,
            request.instance_arn.as_deref(),
            groups.as_deref(),
            self.clock.unix_now(),
        )
        .await?;
        Ok(Prepared {
            caller: self.caller.clone(),
            subject: plan.user_id.clone(),
            changes: plan.steps(&request.template.name),
            done: plan.is_done(),
            plan: (plan, design),
        })
    }

    async fn apply(
        &mut self,
        (plan, design): &Self::Plan,
        interrupted: impl std::future::Future<Output = ()>,
    ) -> Result<SsoMoved, Error> {
        apply_sso_move(
            self.api.clone(),
            plan,
            design,
            self.request.groups.as_ref(),
            self.clock,
            self.patience,
            interrupted,
        )
        .await
    }
}

#[cfg(test)]
mod tests;
