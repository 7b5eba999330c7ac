//! `assign`: a person's access through IAM Identity Center, from the same job-function
//! templates as IAM users. The instance is chosen, the person created when asked, the template's
//! permission sets ensured, and the account assignments made; a failure undoes this run's
//! assignments, then the identity-store user it created.

use crate::aws::{
    Assignment, AwsError, AwsErrorKind, CallerIdentity, Grantee, NewPerson, Sso, SsoInstance,
};
use crate::clock::{Clock, rfc3339};
use crate::config::SsoAccess;
use crate::error::{Error, InputError};
use crate::operation::{Operation, Prepared};
use crate::protect::{Person, Protected};
use crate::sso::assignments::{AccountOutcome, assign_accounts, is_assigned, unassign};
use crate::sso::end_date::{UntilChange, read_until, record, until_group};
use crate::sso::groups::{TemplateGroup, ensure_group, group_name, join, leave};
use crate::sso::instance::choose_instance;
use crate::sso::operations::Patience;
use crate::sso::permission_set::{
    PermissionSetOutcome, describe_all, design_permission_set, ensure_permission_set,
};
use crate::sso::request::AssignRequest;
use std::future::Future;
use std::sync::{Arc, Mutex};

/// What `assign` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Assigned {
    pub(crate) instance_arn: String,
    pub(crate) identity_store_id: String,
    pub(crate) user_id: String,
    pub(crate) user_created: bool,
    /// Template name and what happened to its permission set.
    pub(crate) permission_sets: Vec<(String, PermissionSetOutcome)>,
    /// Account, template name, outcome (in group mode, the group's assignment).
    pub(crate) accounts: Vec<(String, String, AccountOutcome)>,
    /// Group mode: each template's group, and whether the person joined it now.
    pub(crate) groups: Vec<GroupJoin>,
}

/// The whole `assign`: instance, person, permission set, assignments; on failure or
/// interrupt, this run's assignments and the person it created are undone, newest first.
pub(crate) async fn assign<A: Sso + Send + 'static>(
    api: Arc<A>,
    request: &AssignRequest,
    clock: &dyn Clock,
    patience: Patience,
    interrupted: impl Future<Output = ()>,
) -> Result<Assigned, Error> {
    let instance = choose_instance(api.as_ref(), request.instance_arn.as_deref()).await?;
    let store = &instance.identity_store_id;
    let designs = request
        .templates()
        .into_iter()
        .map(|t| Ok((t.name.clone(), design_permission_set(t)?)))
        .collect::<Result<Vec<_>, InputError>>()?;
    let found = api
        .find_user_id(store, &request.user_name)
        .await
        .map_err(Error::from_aws)?;
    if found.is_none() && request.create.is_none() {
        return Err(InputError::new(
            "username",
            format!(
                "{} is not in the identity store; add --create-user with --email, --given-name and --family-name",
                request.user_name
            ),
        )
        .into());
    }
    let mut permission_sets = Vec::new();
    for (name, design) in &designs {
        let outcome =
            ensure_permission_set(api.as_ref(), &instance, design, clock, patience).await?;
        permission_sets.push((name.clone(), outcome));
    }
    let mut groups = Vec::new();
    if request.access == SsoAccess::Groups {
        for template in request.templates() {
            let (_, set) = permission_sets
                .iter()
                .find(|(name, _)| *name == template.name)
                .expect("every template's permission set is ensured");
            let accounts: Vec<String> = request
                .targets
                .iter()
                .filter(|t| t.template.name == template.name)
                .map(|t| t.account.clone())
                .collect();
            groups.push(
                ensure_group(
                    api.clone(),
                    &instance,
                    template,
                    &set.arn,
                    &accounts,
                    patience,
                )
                .await?,
            );
        }
    }
    assign_person(
        api,
        &instance,
        request,
        found,
        SharedAccess {
            permission_sets,
            groups,
        },
        patience,
        interrupted,
    )
    .await
}

/// What every person of a template shares, ensured before the person's part: each template's
/// permission set and, in group mode, its group with the group's assignments.
#[derive(Debug, Clone)]
pub(crate) struct SharedAccess {
    pub(crate) permission_sets: Vec<(String, PermissionSetOutcome)>,
    pub(crate) groups: Vec<TemplateGroup>,
}

/// The person's part of `assign`, once the instance is chosen and the permission sets of every
/// target's template are ensured: create the person if `found` is `None`, assign, and on
/// failure undo this run's assignments, then the person it created.
pub(crate) async fn assign_person<A: Sso + Send + 'static>(
    api: Arc<A>,
    instance: &SsoInstance,
    request: &AssignRequest,
    found: Option<String>,
    shared: SharedAccess,
    patience: Patience,
    interrupted: impl Future<Output = ()>,
) -> Result<Assigned, Error> {
    let SharedAccess {
        permission_sets,
        groups,
    } = shared;
    let groups = groups.as_slice();
    let store = &instance.identity_store_id;
    let arn_of = |template: &str| {
        permission_sets
            .iter()
            .find(|(name, _)| name == template)
            .map(|(_, outcome)| outcome.arn.clone())
            .expect("every target's template has a permission set")
    };
    let (user_id, user_created) = match (found, &request.create) {
        (Some(id), _) => (id, false),
        (None, Some(person)) => (create_person(api.as_ref(), store, person).await?, true),
        (None, None) => {
            return Err(Error::Aws(AwsError::new(
                "identitystore:GetUserId",
                AwsErrorKind::NotFound,
                "ResourceNotFoundException",
                &format!("{} is not in the identity store", request.user_name),
            )));
        }
    };
    let assignments: Vec<Assignment> = request
        .targets
        .iter()
        .map(|target| Assignment {
            account: target.account.clone(),
            permission_set_arn: arn_of(&target.template.name),
        })
        .collect();
    let permission_sets = with_revocation_warnings(permission_sets, request, &user_id);
    if !groups.is_empty() {
        return join_groups(
            api.as_ref(),
            instance,
            request,
            (user_id, user_created),
            permission_sets,
            groups,
            interrupted,
        )
        .await;
    }
    let created = Arc::new(Mutex::new(Vec::new()));
    let person = Grantee::user(&user_id);
    let outcomes = tokio::select! {
        outcomes = assign_accounts(api.clone(), &instance.arn, &person, assignments, patience, created.clone()) => Some(outcomes),
        () = interrupted => None,
    };
    let interrupted = outcomes.is_none();
    let failed: Vec<String> = match &outcomes {
        None => vec!["interrupted".to_string()],
        Some(outcomes) => outcomes
            .iter()
            .filter_map(|(a, outcome)| match outcome {
                AccountOutcome::Failed(reason) => Some(format!("account {}: {reason}", a.account)),
                _ => None,
            })
            .collect(),
    };
    if let Some(outcomes) = outcomes.filter(|_| failed.is_empty()) {
        let accounts = outcomes
            .into_iter()
            .zip(&request.targets)
            .map(|((assignment, outcome), target)| {
                (assignment.account, target.template.name.clone(), outcome)
            })
            .collect();
        return Ok(Assigned {
            instance_arn: instance.arn.clone(),
            identity_store_id: instance.identity_store_id.clone(),
            user_id,
            user_created,
            permission_sets,
            accounts,
            groups: Vec::new(),
        });
    }
    let cause = failed.join("; ");
    let mut to_undo = created.lock().expect("not poisoned").clone();
    to_undo.reverse();
    let mut undone: Vec<String> = to_undo
        .iter()
        .map(|a| {
            format!(
                "assignment of {} in account {}",
                a.permission_set_arn, a.account
            )
        })
        .collect();
    let mut leftovers: Vec<String> =
        unassign(api.clone(), &instance.arn, &person, to_undo, patience)
            .await
            .into_iter()
            .map(|(a, reason)| {
                let what = format!(
                    "assignment of {} in account {}",
                    a.permission_set_arn, a.account
                );
                undone.retain(|u| *u != what);
                format!("{what} ({reason})")
            })
            .collect();
    if user_created {
        let what = format!("identity-store user {user_id} ({})", request.user_name);
        match api.delete_user(store, &user_id).await {
            Ok(()) => undone.push(what),
            Err(err) => leftovers.push(format!("{what} ({err})")),
        }
    }
    Err(match (leftovers.is_empty(), interrupted) {
        (false, _) => Error::UndoIncomplete { cause, leftovers },
        (true, true) => Error::Interrupted { undone },
        (true, false) => Error::RolledBack { cause, undone },
    })
}

/// The ensured permission sets, each with a warning when the person was offboarded from it less
/// than a session ago (their sessions from it stay denied).
fn with_revocation_warnings(
    mut permission_sets: Vec<(String, PermissionSetOutcome)>,
    request: &AssignRequest,
    user_id: &str,
) -> Vec<(String, PermissionSetOutcome)> {
    for (name, outcome) in &mut permission_sets {
        if let Some(until) = outcome.denied_until.get(user_id) {
            outcome.warnings.push(format!(
                "{} was offboarded from permission set {name} less than a session ago: their sessions from it stay denied until {} (the revocation is not lifted early)",
                request.user_name,
                rfc3339(*until)
            ));
        }
    }
    permission_sets
}

/// Group mode: the person joins each template's group (whose access is in place). On failure or
/// interrupt, the memberships this run made are removed, then the person it created.
async fn join_groups(
    api: &impl Sso,
    instance: &SsoInstance,
    request: &AssignRequest,
    (user_id, user_created): (String, bool),
    permission_sets: Vec<(String, PermissionSetOutcome)>,
    groups: &[TemplateGroup],
    interrupted: impl Future<Output = ()>,
) -> Result<Assigned, Error> {
    let store = &instance.identity_store_id;
    let joined: Mutex<Vec<String>> = Mutex::new(Vec::new());
    let joining = async {
        for group in groups {
            if join(api, store, &group.id, &user_id).await? {
                joined.lock().expect("not poisoned").push(group.id.clone());
            }
        }
        Ok::<(), Error>(())
    };
    let result = tokio::select! {
        result = joining => Some(result),
        () = interrupted => None,
    };
    let joined = joined.into_inner().expect("not poisoned");
    let cause = match result {
        Some(Ok(())) => {
            return Ok(Assigned {
                instance_arn: instance.arn.clone(),
                identity_store_id: store.clone(),
                user_id,
                user_created,
                permission_sets,
                accounts: groups
                    .iter()
                    .flat_map(|g| {
                        g.accounts.iter().map(|(a, outcome)| {
                            (a.account.clone(), g.template.clone(), outcome.clone())
                        })
                    })
                    .collect(),
                groups: groups
                    .iter()
                    .map(|g| GroupJoin {
                        group: g.clone(),
                        joined: joined.contains(&g.id),
                    })
                    .collect(),
            });
        }
        Some(Err(err)) => Some(err.to_string()),
        None => None,
    };
    let mut undone = Vec::new();
    let mut leftovers = Vec::new();
    for group_id in joined.iter().rev() {
        let what = format!("membership of {} in group {group_id}", request.user_name);
        match leave(api, store, group_id, &user_id).await {
            Ok(()) => undone.push(what),
            Err(why) => leftovers.push(format!("{what} ({why})")),
        }
    }
    if user_created {
        let what = format!("identity-store user {user_id} ({})", request.user_name);
        match api.delete_user(store, &user_id).await {
            Ok(()) => undone.push(what),
            Err(err) => leftovers.push(format!("{what} ({err})")),
        }
    }
    let interrupted = cause.is_none();
    let cause = cause.unwrap_or_else(|| "interrupted".to_string());
    Err(match (leftovers.is_empty(), interrupted) {
        (false, _) => Error::UndoIncomplete { cause, leftovers },
        (true, true) => Error::Interrupted { undone },
        (true, false) => Error::RolledBack { cause, undone },
    })
}

/// A template's group and whether this run made the person a member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupJoin {
    pub(crate) group: TemplateGroup,
    pub(crate) joined: bool,
}

/// Creates the person, who was not there a moment ago. A ConflictException (the name is taken)
/// is what the SDK's retry of a CreateUser whose answer was lost meets: the person found under
/// that name now is this run's, and is undone with the rest if the run fails.
async fn create_person(api: &impl Sso, store: &str, person: &NewPerson) -> Result<String, Error> {
    match api.create_user(store, person).await {
        Ok(id) => Ok(id),
        Err(err) if err.is(AwsErrorKind::Conflict) => {
            match api
                .find_user_id(store, &person.user_name)
                .await
                .map_err(Error::from_aws)?
            {
                Some(id) => Ok(id),
                None => Err(Error::from_aws(err)),
            }
        }
        Err(err) => Err(Error::from_aws(err)),
    }
}

/// How the person's access is given: the whole of `assign` (the instance, the permission sets,
/// the person, the assignments), or a batch row's part once the batch has ensured the shared
/// resources for every row.
pub(crate) enum Giving<'a> {
    Whole {
        clock: &'a dyn Clock,
    },
    PersonOnly {
        instance: &'a SsoInstance,
        shared: SharedAccess,
    },
}

/// `assign`, as the command, a batch row and the menu run it.
pub(crate) struct AssignPerson<'a, A> {
    pub(crate) api: Arc<A>,
    pub(crate) request: &'a AssignRequest,
    /// Who runs it (read once by the edge, from STS).
    pub(crate) caller: &'a CallerIdentity,
    /// Lines before the preview: what the account sets given by OU or tag hold.
    pub(crate) notes: Vec<String>,
    /// Whether to read what would be done (a dry run, or a question to ask): it costs calls.
    pub(crate) preview: bool,
    pub(crate) giving: Giving<'a>,
    pub(crate) patience: Patience,
}

impl<A: Sso + Send + 'static> Operation for AssignPerson<'_, A> {
    type Plan = ();
    type Done = Assigned;

    async fn prepare(&self, protected: &Protected) -> Result<Prepared<()>, Error> {
        protected
            .guard(self.caller.clone())
            .check(Person::Identity {
                name: &self.request.user_name,
            })?;
        let mut changes = self.notes.clone();
        if self.preview {
            changes.extend(preview(self.api.as_ref(), self.request).await?);
        }
        Ok(Prepared {
            caller: self.caller.clone(),
            subject: self.request.user_name.clone(),
            changes,
            done: false,
            plan: (),
        })
    }

    /// The access, then the end date (`--until`) once the access is given: a failure there
    /// leaves the access, so it is exit 4 naming the date left to record (running it again
    /// records it).
    async fn apply(
        &mut self,
        (): &(),
        interrupted: impl Future<Output = ()>,
    ) -> Result<Assigned, Error> {
        let assigned = self.give(interrupted).await?;
        if let Some(date) = &self.request.until {
            let store = &assigned.identity_store_id;
            let recorded = async {
                let found = read_until(self.api.as_ref(), store, &assigned.user_id).await?;
                let change = UntilChange::of(&found, Some(date));
                record(self.api.as_ref(), store, &assigned.user_id, &change).await
            };
            if let Err(err) = recorded.await {
                return Err(Error::UndoIncomplete {
                    cause: err.to_string(),
                    leftovers: vec![format!(
                        "{} has the access, without the end date {date} (group {}): run the same command again to record it",
                        self.request.user_name,
                        until_group(date)
                    )],
                });
            }
        }
        Ok(assigned)
    }
}

impl<A: Sso + Send + 'static> AssignPerson<'_, A> {
    async fn give(&self, interrupted: impl Future<Output = ()>) -> Result<Assigned, Error> {
        match &self.giving {
            Giving::Whole { clock } => {
                assign(
                    self.api.clone(),
                    self.request,
                    *clock,
                    self.patience,
                    interrupted,
                )
                .await
            }
            Giving::PersonOnly { instance, shared } => {
                let found = self
                    .api
                    .find_user_id(&instance.identity_store_id, &self.request.user_name)
                    .await
                    .map_err(Error::from_aws)?;
                assign_person(
                    self.api.clone(),
                    instance,
                    self.request,
                    found,
                    shared.clone(),
                    self.patience,
                    interrupted,
                )
                .await
            }
        }
    }
}

/// What `assign` would do, found with read calls only: for `--dry-run` and the confirmation.
pub(crate) async fn preview(api: &impl Sso, request: &AssignRequest) -> Result<Vec<String>, Error> {
    let instance = choose_instance(api, request.instance_arn.as_deref()).await?;
    let mut planned = Vec::new();
    let user_id = api
        .find_user_id(&instance.identity_store_id, &request.user_name)
        .await
        .map_err(Error::from_aws)?;
    match (&user_id, &request.create) {
        (Some(id), _) => planned.push(format!(
            "use identity-store user {id} ({})",
            request.user_name
        )),
        (None, Some(_)) => planned.push(format!(
            "identitystore:CreateUser UserName={} IdentityStoreId={}",
            request.user_name, instance.identity_store_id
        )),
        (None, None) => {
            return Err(InputError::new(
                "username",
                format!(
                    "{} is not in the identity store; add --create-user",
                    request.user_name
                ),
            )
            .into());
        }
    }
    let mut permission_sets: Vec<(String, Option<String>)> = Vec::new();
    let listed = api
        .list_permission_sets(&instance.arn)
        .await
        .map_err(Error::from_aws)?;
    let sets_by_name: Vec<(String, String)> = describe_all(api, &instance.arn, &listed)
        .await
        .map_err(Error::from_aws)?
        .into_iter()
        .map(|(arn, spec)| (spec.name, arn))
        .collect();
    for template in request.templates() {
        let design = design_permission_set(template)?;
        let existing = sets_by_name
            .iter()
            .find(|(name, _)| *name == design.spec.name)
            .map(|(_, arn)| arn.clone());
        planned.push(match &existing {
            Some(arn) => format!("keep or update permission set {arn} to template {}", template.name),
            None => format!(
                "sso:CreatePermissionSet Name={} SessionDuration={} with the template's inline policy and boundary {}{}",
                design.spec.name, design.spec.session_duration, design.boundary.1, design.boundary.0
            ),
        });
        permission_sets.push((template.name.clone(), existing));
    }
    let mut groups: Vec<(String, Option<String>)> = Vec::new();
    let mut group_access: Vec<Assignment> = Vec::new();
    if request.access == SsoAccess::Groups {
        for template in request.templates() {
            let name = group_name(&template.name);
            let found = api
                .find_group(&instance.identity_store_id, &name)
                .await
                .map_err(Error::from_aws)?;
            let id = found.map(|(id, _)| id);
            planned.push(match &id {
                Some(id) => format!("use group {name} ({id})"),
                None => format!("identitystore:CreateGroup DisplayName={name}"),
            });
            if let Some(id) = &id {
                group_access.extend(
                    api.list_assignments_for_group(&instance.arn, id)
                        .await
                        .map_err(Error::from_aws)?,
                );
            }
            groups.push((template.name.clone(), id));
        }
    }
    for target in &request.targets {
        let existing = permission_sets
            .iter()
            .find(|(name, _)| *name == target.template.name)
            .and_then(|(_, arn)| arn.clone());
        let group = groups
            .iter()
            .find(|(template, _)| *template == target.template.name);
        let grantee = match group {
            Some((_, id)) => id.as_deref().map(Grantee::group),
            None => user_id.as_deref().map(Grantee::user),
        };
        let assigned = match (&existing, &grantee) {
            (Some(arn), Some(grantee)) => {
                let assignment = Assignment {
                    account: target.account.clone(),
                    permission_set_arn: arn.clone(),
                };
                if group.is_some() {
                    group_access.contains(&assignment)
                } else {
                    is_assigned(api, &instance.arn, &assignment, grantee)
                        .await
                        .map_err(Error::from_aws)?
                }
            }
            _ => false,
        };
        let shown =
            existing.unwrap_or_else(|| format!("<new permission set {}>", target.template.name));
        let to = match group {
            Some(_) => format!(" to group {}", group_name(&target.template.name)),
            None => String::new(),
        };
        planned.push(if assigned {
            format!("account {}: already assigned {shown}{to}", target.account)
        } else {
            format!(
                "sso:CreateAccountAssignment TargetId={} PermissionSetArn={shown}{to}",
                target.account
            )
        });
    }
    for (template, _) in &groups {
        planned.push(format!(
            "identitystore:CreateGroupMembership {} in group {} (unless a member already)",
            request.user_name,
            group_name(template)
        ));
    }
    if let Some(date) = &request.until {
        let found = match &user_id {
            Some(id) => read_until(api, &instance.identity_store_id, id).await?,
            None => Vec::new(),
        };
        planned.extend(UntilChange::of(&found, Some(date)).steps(&request.user_name));
    }
    Ok(planned)
}
