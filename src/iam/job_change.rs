//! `move`: a job change for an IAM user this tool made. The new template's shared resources
//! are ensured, then the old template's group is left and the person's sessions of its role
//! (a role template's) are cut before the new group is joined (least privilege: never both at
//! once), the template tags are replaced, and the permissions boundary
//! is changed when the new template names another one. Password, MFA devices and keys stay.
//! Each change's undo is recorded before it is made, so a failure puts back the old group, tags
//! and boundary in reverse order.

use crate::aws::{AwsResult, CallerIdentity, GroupRef, Iam, UserInfo};
use crate::clock::{Clock, SystemClock};
use crate::error::{Error, InputError};
use crate::iam::apply::{Failure, apply_shared, rolling_back};
use crate::iam::plan::Step;
use crate::iam::plan::missing_as_empty;
use crate::iam::role::REVOKED_POLICY_PREFIX;
use crate::iam::role_sessions::{AssumableRole, assumable_roles, cut_sessions};
use crate::iam::shared::{SharedState, observe_shared, plan_shared};
use crate::iam::undo::{Undo, UndoLog};
use crate::operation::{Operation, Prepared, existing_user};
use crate::protect::Protected;
use crate::tags::{MANAGED_BY_TAG, MANAGED_BY_VALUE, TEMPLATE_TAG};
use crate::template::{IAM_PATH, Template, TemplateSet};
use std::fmt;

/// A validated `move` request for an IAM user: who, and the template they move to.
#[derive(Debug, Clone)]
pub(crate) struct MoveRequest {
    pub(crate) user_name: String,
    pub(crate) template: Template,
}

impl MoveRequest {
    /// The one constructor every edge calls (flags, the menu, a CSV row).
    pub(crate) fn new(
        user_name: String,
        template: &str,
        templates: &TemplateSet,
    ) -> Result<Self, InputError> {
        crate::names::validate_user_name(&user_name)?;
        let template = templates.get(template)?.clone();
        template.admits(&user_name)?;
        Ok(MoveRequest {
            template,
            user_name,
        })
    }
}

/// The user and the new template's shared resources, as found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MoveState {
    pub(crate) user: UserInfo,
    pub(crate) groups: Vec<GroupRef>,
    pub(crate) shared: SharedState,
    /// The job-function roles the person's other groups let them assume.
    pub(crate) old_roles: Vec<AssumableRole>,
}

/// Reads the caller, the user, their groups and the new template's policies and group at once,
/// then the roles the person's other groups let them assume. `None` when there is no such user.
pub(crate) async fn look(
    api: &impl Iam,
    user_name: &str,
    template: &Template,
) -> AwsResult<(CallerIdentity, Option<MoveState>)> {
    let groups = missing_as_empty(api.list_groups_for_user(user_name));
    let (caller, user, groups, shared) = tokio::try_join!(
        api.get_caller_identity(),
        api.get_user(user_name),
        groups,
        observe_shared(api, template),
    )?;
    let Some(user) = user else {
        return Ok((caller, None));
    };
    let others: Vec<String> = groups
        .iter()
        .filter(|g| g.name != template.group)
        .map(|g| g.name.clone())
        .collect();
    let new_role = template.role_name();
    let old_roles = assumable_roles(api, &others)
        .await?
        .into_iter()
        .filter(|role| Some(&role.name) != new_role.as_ref())
        .collect();
    Ok((
        caller,
        Some(MoveState {
            user,
            groups,
            shared,
            old_roles,
        }),
    ))
}

/// One change of a move, in the order made.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum MoveStep {
    /// The new template's policies and group, ensured (shared: never undone).
    Shared(Step),
    /// A deny entry for the person's sessions of a role of the old template issued until now,
    /// once its group is left (so no new one starts), before the new group is joined. Not
    /// undone: a person put back in the old group assumes the role again.
    CutRoleSessions {
        user: String,
        role: AssumableRole,
    },
    LeaveGroup {
        user: String,
        group: String,
    },
    JoinGroup {
        user: String,
        group: String,
    },
    Retag {
        user: String,
        set: Vec<(String, String)>,
        remove: Vec<String>,
    },
    Boundary {
        user: String,
        arn: String,
    },
}

impl fmt::Display for MoveStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MoveStep::Shared(step) => write!(f, "{step}"),
            MoveStep::CutRoleSessions { user, role } => write!(
                f,
                "iam:PutRolePolicy RoleName={} PolicyName={REVOKED_POLICY_PREFIX}{user}.<now> (denies aws:userid {} issued until now: the old role's sessions end before the new group)",
                role.name,
                role.session_of(user)
            ),
            MoveStep::LeaveGroup { user, group } => write!(
                f,
                "iam:RemoveUserFromGroup GroupName={group} UserName={user} (the old template's group, left first)"
            ),
            MoveStep::JoinGroup { user, group } => {
                write!(f, "iam:AddUserToGroup GroupName={group} UserName={user}")
            }
            MoveStep::Retag { user, set, remove } => {
                if !remove.is_empty() {
                    write!(
                        f,
                        "iam:UntagUser UserName={user} TagKeys=[{}], then ",
                        remove.join(", ")
                    )?;
                }
                let set: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(f, "iam:TagUser UserName={user} Tags=[{}]", set.join(", "))
            }
            MoveStep::Boundary { user, arn } => write!(
                f,
                "iam:PutUserPermissionsBoundary UserName={user} PermissionsBoundary={arn}"
            ),
        }
    }
}

/// What a move changes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MovePlan {
    pub(crate) user_name: String,
    pub(crate) user_arn: String,
    /// The template the user was made from (its tag).
    pub(crate) from: Option<String>,
    pub(crate) to: String,
    pub(crate) steps: Vec<MoveStep>,
}

impl MovePlan {
    /// Nothing of the person changes (shared resources may still be ensured).
    pub(crate) fn is_done(&self) -> bool {
        self.steps
            .iter()
            .all(|step| matches!(step, MoveStep::Shared(_)))
    }
}

fn policy_arn(caller: &CallerIdentity, iam_name: &str) -> String {
    format!(
        "arn:{}:iam::{}:policy{IAM_PATH}{iam_name}",
        caller.partition(),
        caller.account
    )
}

/// Decides the changes: a pure function of what was found and the templates. A user this tool
/// did not make is refused.
pub(crate) fn plan_move(
    state: &MoveState,
    caller: &CallerIdentity,
    new: &Template,
    templates: &TemplateSet,
) -> Result<MovePlan, InputError> {
    let user = &state.user;
    let name = user.name.clone();
    if user.tag(MANAGED_BY_TAG) != Some(MANAGED_BY_VALUE) {
        return Err(InputError::new(
            "<USERNAME>",
            format!(
                "{name} was not created by iam-onboard (no {MANAGED_BY_TAG}={MANAGED_BY_VALUE} tag); move only changes people this tool made"
            ),
        ));
    }
    let from = user.tag(TEMPLATE_TAG).map(str::to_string);
    let old = from.as_deref().and_then(|t| templates.get(t).ok());
    let mut steps: Vec<MoveStep> = plan_shared(new, &state.shared, caller)?
        .into_iter()
        .map(MoveStep::Shared)
        .collect();
    let template_groups: Vec<&str> = templates.iter().map(|t| t.group.as_str()).collect();
    for group in &state.groups {
        if group.name != new.group && template_groups.contains(&group.name.as_str()) {
            steps.push(MoveStep::LeaveGroup {
                user: name.clone(),
                group: group.name.clone(),
            });
        }
    }
    steps.extend(
        state
            .old_roles
            .iter()
            .map(|role| MoveStep::CutRoleSessions {
                user: name.clone(),
                role: role.clone(),
            }),
    );
    if !state.groups.iter().any(|g| g.name == new.group) {
        let leaving = steps
            .iter()
            .filter(|step| matches!(step, MoveStep::LeaveGroup { .. }))
            .count();
        crate::quotas::check_room_for_group(&name, state.groups.len() - leaving + 1, &new.group)?;
        steps.push(MoveStep::JoinGroup {
            user: name.clone(),
            group: new.group.clone(),
        });
    }
    let mut wanted = vec![(TEMPLATE_TAG.to_string(), new.name.clone())];
    wanted.extend(new.tags.iter().cloned());
    let set: Vec<(String, String)> = wanted
        .into_iter()
        .filter(|(key, value)| user.tag(key) != Some(value.as_str()))
        .collect();
    let remove: Vec<String> = old
        .map(|old| {
            old.tags
                .iter()
                .filter(|(key, _)| !new.tags.iter().any(|(k, _)| k == key))
                .filter(|(key, _)| user.tag(key).is_some())
                .map(|(key, _)| key.clone())
                .collect()
        })
        .unwrap_or_default();
    if !set.is_empty() || !remove.is_empty() {
        let kept: Vec<(String, String)> = user
            .tags
            .iter()
            .filter(|(key, _)| !remove.contains(key))
            .cloned()
            .collect();
        let adding: Vec<&str> = set.iter().map(|(key, _)| key.as_str()).collect();
        crate::names::check_room_for_tags(&name, &kept, &adding)?;
        steps.push(MoveStep::Retag {
            user: name.clone(),
            set,
            remove,
        });
    }
    let boundary_changes = old
        .is_some_and(|old| old.permissions_boundary.iam_name != new.permissions_boundary.iam_name);
    if boundary_changes {
        steps.push(MoveStep::Boundary {
            user: name.clone(),
            arn: policy_arn(caller, &new.permissions_boundary.iam_name),
        });
    }
    Ok(MovePlan {
        user_name: name,
        user_arn: user.arn.clone(),
        from,
        to: new.name.clone(),
        steps,
    })
}

/// Makes the changes, each undo recorded first; on failure or interrupt the person's changes
/// are undone in reverse order (the shared resources stay).
pub(crate) async fn apply_move(
    api: &impl Iam,
    state: &MoveState,
    plan: &MovePlan,
    interrupted: impl std::future::Future<Output = ()>,
) -> Result<Vec<String>, Error> {
    rolling_back(
        api,
        async |undo: &UndoLog| {
            let mut made = Vec::new();
            for step in &plan.steps {
                tracing::info!(%step, "applying");
                apply_step(api, state, step, undo).await?;
                made.push(step.to_string());
            }
            Ok::<_, Failure>(made)
        },
        interrupted,
    )
    .await
}

async fn apply_step(
    api: &impl Iam,
    state: &MoveState,
    step: &MoveStep,
    undo: &UndoLog,
) -> Result<(), Failure> {
    match step {
        MoveStep::Shared(step) => apply_shared(api, step).await?,
        MoveStep::CutRoleSessions { user, role } => {
            cut_sessions(api, role, user, SystemClock.unix_now()).await?;
        }
        MoveStep::LeaveGroup { user, group } => {
            undo.record(Undo::AddUserToGroup {
                user: user.clone(),
                group: group.clone(),
            });
            api.remove_user_from_group(group, user).await?;
        }
        MoveStep::JoinGroup { user, group } => {
            undo.record(Undo::RemoveUserFromGroup {
                user: user.clone(),
                group: group.clone(),
            });
            api.add_user_to_group(group, user).await?;
        }
        MoveStep::Retag { user, set, remove } => {
            let touched = set.iter().map(|(k, _)| k).chain(remove);
            undo.record(Undo::tags_before(
                user,
                touched.map(|key| (key.as_str(), state.user.tag(key))),
            ));
            if !remove.is_empty() {
                let keys: Vec<&str> = remove.iter().map(String::as_str).collect();
                api.untag_user(user, &keys).await?;
            }
            api.tag_user(user, set).await?;
        }
        MoveStep::Boundary { user, arn } => {
            undo.record(Undo::RestoreBoundary {
                user: user.clone(),
                arn: state.user.permissions_boundary.clone(),
            });
            api.put_user_permissions_boundary(user, arn).await?;
        }
    }
    Ok(())
}

/// `move` of an IAM user to another template, as the command, a batch row and the menu run it.
pub(crate) struct MoveUser<'a, A> {
    pub(crate) api: &'a A,
    pub(crate) request: &'a MoveRequest,
    pub(crate) templates: &'a TemplateSet,
}

impl<A: Iam> Operation for MoveUser<'_, A> {
    type Plan = (MoveState, MovePlan);
    /// The changes made, in order.
    type Done = Vec<String>;

    async fn prepare(&self, protected: &Protected) -> Result<Prepared<Self::Plan>, Error> {
        let MoveRequest {
            user_name,
            template,
        } = self.request;
        let (caller, found) = look(self.api, user_name, template)
            .await
            .map_err(Error::from_aws)?;
        let state = existing_user(protected, &caller, user_name, found, |s| &s.user)?;
        let plan = plan_move(&state, &caller, template, self.templates)?;
        Ok(Prepared {
            caller,
            subject: plan.user_arn.clone(),
            changes: plan.steps.iter().map(ToString::to_string).collect(),
            done: plan.is_done(),
            plan: (state, plan),
        })
    }

    async fn apply(
        &mut self,
        (state, plan): &Self::Plan,
        interrupted: impl std::future::Future<Output = ()>,
    ) -> Result<Vec<String>, Error> {
        apply_move(self.api, state, plan, interrupted).await
    }
}

#[cfg(test)]
mod tests;
