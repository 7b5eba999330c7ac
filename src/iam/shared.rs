//! A template's shared resources: its customer-managed policies, its group, a role template's
//! role, and the AWS managed policies it names. `observe_shared` reads them with read calls
//! only; `plan_shared` is a pure function of the template and that state, so every command
//! that onboards or moves a person (and a batch, once for all its rows) brings them up to date
//! the same way.

use crate::aws::{
    AwsResult, CallerIdentity, Iam, NewRole, PolicyVersion, RoleInfo, aws_managed_policy_name,
};
use crate::error::{Error, InputError};
use crate::iam::plan::{MAX_POLICY_VERSIONS, Step, missing_as_empty};
use crate::iam::role;
use crate::tags::TEMPLATE_TAG;
use crate::template::{IAM_PATH, PolicyDocument, Template};
use futures_util::future::try_join_all;

/// A managed policy of the template, as found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PolicyState {
    Missing,
    Current,
    Outdated { versions: Vec<PolicyVersion> },
}

/// The template's shared resources as found: its managed policies (in the order of
/// `Template::managed_policies`), its group, and for a role template its role.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SharedState {
    pub(crate) policies: Vec<PolicyState>,
    pub(crate) group_exists: bool,
    pub(crate) group_policies: Vec<String>,
    /// The group's inline policy that allows assuming a role template's role: wanted for a
    /// role template, removed from a group template (one that was a role template before).
    pub(crate) group_assume_policy: Option<serde_json::Value>,
    /// `None` for a group template.
    pub(crate) role: Option<RoleState>,
    /// The ARNs of the AWS managed policies the template names that do not exist: a plan
    /// refuses the template.
    pub(crate) aws_managed_missing: Vec<String>,
}

/// A role template's role as found, and its group's assume-role policy.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RoleState {
    /// `None`: the role does not exist.
    pub(crate) found: Option<RoleInfo>,
    /// The ARNs of the managed policies attached to it.
    pub(crate) attached: Vec<String>,
}

impl SharedState {
    /// The state once a run has ensured the template's policies and group: all up to date.
    pub(crate) fn ensured(template: &Template, caller: &CallerIdentity) -> Self {
        SharedState {
            policies: template
                .managed_policies()
                .map(|_| PolicyState::Current)
                .collect(),
            group_exists: true,
            group_policies: group_policy_arns(template, caller),
            role: template.role_name().map(|name| {
                let arn = role::role_arn(caller, &name);
                RoleState {
                    found: Some(RoleInfo {
                        name,
                        arn: arn.clone(),
                        role_id: String::new(),
                        trust: role::trust_policy(template, caller),
                        max_session_secs: template.session_secs(),
                        permissions_boundary: Some(policy_arn(
                            caller,
                            &template.permissions_boundary,
                        )),
                    }),
                    attached: role_policy_arns(template, caller),
                }
            }),
            group_assume_policy: template
                .role_name()
                .map(|name| role::assume_policy(&role::role_arn(caller, &name))),
            aws_managed_missing: Vec::new(),
        }
    }

    /// Refuses a template that names an AWS managed policy AWS does not have.
    fn refuse_missing(&self, template: &Template) -> Result<(), InputError> {
        refuse_missing_aws_managed(template, &self.aws_managed_missing)
    }
}

/// Refuses, before anything changes, any of `templates` that names an AWS managed policy AWS
/// does not have: each template once, all their policies asked at once (GetPolicy). For the
/// permission sets of `assign` and `move --sso` (in a command, a batch or a sync alike), which
/// Identity Center would refuse only once the change is under way.
pub(crate) async fn refuse_missing_aws_managed_in(
    api: &impl Iam,
    templates: &[&Template],
    caller: &CallerIdentity,
) -> Result<(), Error> {
    let mut distinct = templates.to_vec();
    distinct.sort_by(|a, b| a.name.cmp(&b.name));
    distinct.dedup_by(|a, b| a.name == b.name);
    let missing = try_join_all(
        distinct
            .iter()
            .map(|template| missing_aws_managed(api, template, caller)),
    )
    .await
    .map_err(Error::from_aws)?;
    for (template, missing) in distinct.iter().zip(missing) {
        refuse_missing_aws_managed(template, &missing)?;
    }
    Ok(())
}

/// Refuses `template` when `missing` (AWS managed policies it names) is not empty.
fn refuse_missing_aws_managed(template: &Template, missing: &[String]) -> Result<(), InputError> {
    if missing.is_empty() {
        return Ok(());
    }
    Err(InputError::new(
        "aws_managed_policies",
        format!(
            "AWS has no managed policy {}; name one that exists (aws iam list-policies --scope AWS)",
            missing.join(", ")
        ),
    )
    .in_file(&template.source))
}

/// The AWS managed policies `template` names that AWS does not have, asked at once (GetPolicy).
async fn missing_aws_managed(
    api: &impl Iam,
    template: &Template,
    caller: &CallerIdentity,
) -> AwsResult<Vec<String>> {
    let arns = aws_managed_arns(template, caller);
    let found = try_join_all(arns.iter().map(|arn| api.policy_exists(arn))).await?;
    Ok(arns
        .into_iter()
        .zip(found)
        .filter(|(_, exists)| !exists)
        .map(|(arn, _)| arn)
        .collect())
}

/// The ARNs of the AWS managed policies a template names, in the caller's partition.
fn aws_managed_arns(template: &Template, caller: &CallerIdentity) -> Vec<String> {
    template
        .aws_managed_policies
        .iter()
        .map(|p| p.arn(caller.partition()))
        .collect()
}

/// The managed policies the template's group holds: its group policies, and for a group
/// template the AWS managed ones.
fn group_policy_arns(template: &Template, caller: &CallerIdentity) -> Vec<String> {
    let mut arns: Vec<String> = template
        .group_policies()
        .map(|p| policy_arn(caller, p))
        .collect();
    if template.role_name().is_none() {
        arns.extend(aws_managed_arns(template, caller));
    }
    arns
}

/// The managed policies a role template's role holds: its permission policies and the AWS
/// managed ones.
fn role_policy_arns(template: &Template, caller: &CallerIdentity) -> Vec<String> {
    let mut arns: Vec<String> = template
        .permission_policies()
        .map(|p| policy_arn(caller, p))
        .collect();
    arns.extend(aws_managed_arns(template, caller));
    arns
}

pub(crate) fn policy_arn(caller: &CallerIdentity, policy: &PolicyDocument) -> String {
    format!(
        "arn:{}:iam::{}:policy{IAM_PATH}{}",
        caller.partition(),
        caller.account,
        policy.iam_name
    )
}

/// Reads the state of the template's policies, group and role: the policies under the tool's
/// path, the group and the role at once, then the documents of the template's policies at once.
pub(crate) async fn observe_shared(api: &impl Iam, template: &Template) -> AwsResult<SharedState> {
    let group = &template.group;
    let role = async {
        let Some(name) = template.role_name() else {
            return Ok(None);
        };
        let (found, attached) = tokio::try_join!(
            api.get_role(&name),
            missing_as_empty(api.list_attached_role_policies(&name)),
        )?;
        Ok(Some(RoleState { found, attached }))
    };
    let caller = async {
        if template.aws_managed_policies.is_empty() {
            Ok(None)
        } else {
            api.get_caller_identity().await.map(Some)
        }
    };
    let (listed, group_found, group_policies, group_assume_policy, role, caller) = tokio::try_join!(
        api.list_local_policies(IAM_PATH),
        api.get_group(group),
        missing_as_empty(api.list_attached_group_policies(group)),
        missing_as_empty(api.get_group_policy(group, role::ASSUME_POLICY)),
        role,
        caller,
    )?;
    let aws_managed_missing = async {
        match &caller {
            Some(caller) => missing_aws_managed(api, template, caller).await,
            None => Ok(Vec::new()),
        }
    };
    let documents = try_join_all(template.managed_policies().map(|policy| {
        let suffix = format!(":policy{IAM_PATH}{}", policy.iam_name);
        let found = listed.iter().find(|(arn, _)| arn.ends_with(&suffix));
        async move {
            let Some((arn, version)) = found else {
                return Ok(PolicyState::Missing);
            };
            let current = api.get_policy_version_document(arn, version).await?;
            Ok(if current == policy.document {
                PolicyState::Current
            } else {
                PolicyState::Outdated {
                    versions: api.list_policy_versions(arn).await?,
                }
            })
        }
    }));
    let (policies, aws_managed_missing) = tokio::try_join!(documents, aws_managed_missing)?;
    Ok(SharedState {
        policies,
        group_exists: group_found.is_some(),
        group_policies: group_found.map(|_| group_policies).unwrap_or_default(),
        group_assume_policy,
        role,
        aws_managed_missing,
    })
}

/// The changes that bring the template's shared policies and group up to date; refuses a
/// template that names an AWS managed policy AWS does not have.
pub(crate) fn plan_shared(
    template: &Template,
    shared: &SharedState,
    caller: &CallerIdentity,
) -> Result<Vec<Step>, InputError> {
    shared.refuse_missing(template)?;
    let mut steps = Vec::new();
    for (policy, state) in template.managed_policies().zip(&shared.policies) {
        let arn = policy_arn(caller, policy);
        let document = policy.document.to_string();
        match state {
            PolicyState::Current => {}
            PolicyState::Missing => steps.push(Step::CreatePolicy {
                name: policy.iam_name.clone(),
                document,
                description: format!("iam-onboard template policy {}", policy.name),
            }),
            PolicyState::Outdated { versions } => {
                if versions.len() >= MAX_POLICY_VERSIONS
                    && let Some(oldest) = oldest_non_default(versions)
                {
                    steps.push(Step::DeletePolicyVersion {
                        arn: arn.clone(),
                        version_id: oldest,
                    });
                }
                steps.push(Step::CreatePolicyVersion { arn, document });
            }
        }
    }
    if let (Some(name), Some(state)) = (template.role_name(), &shared.role) {
        steps.extend(plan_role(template, &name, state, caller));
    }
    if !shared.group_exists {
        steps.push(Step::CreateGroup {
            name: template.group.clone(),
        });
    }
    for policy_arn in group_policy_arns(template, caller) {
        if !shared.group_policies.contains(&policy_arn) {
            steps.push(Step::AttachGroupPolicy {
                group: template.group.clone(),
                policy_arn,
            });
        }
    }
    if template.role_name().is_none() && shared.group_exists && shared.group_assume_policy.is_some()
    {
        steps.push(Step::DeleteGroupPolicy {
            group: template.group.clone(),
            name: role::ASSUME_POLICY.to_string(),
        });
    }
    if let Some(name) = template.role_name() {
        let wanted = role::assume_policy(&role::role_arn(caller, &name));
        if shared.group_assume_policy.as_ref() != Some(&wanted) {
            steps.push(Step::PutGroupPolicy {
                group: template.group.clone(),
                name: role::ASSUME_POLICY.to_string(),
                document: wanted.to_string(),
            });
        }
        let kept = group_policy_arns(template, caller);
        let granted = template
            .managed_policies()
            .map(|p| policy_arn(caller, p))
            .chain(aws_managed_arns(template, caller));
        for arn in granted {
            if shared.group_policies.contains(&arn) && !kept.contains(&arn) {
                steps.push(Step::DetachGroupPolicy {
                    group: template.group.clone(),
                    policy_arn: arn,
                });
            }
        }
    }
    Ok(steps)
}

/// The changes that make a role template's role as the template wants it: made with its trust,
/// maximum session and boundary, or each of those updated when it differs; the template's
/// policies and AWS managed policies attached, and those of the tool's and AWS's it no longer
/// names detached (the role is the tool's own: nothing else is attached to it by design).
fn plan_role(
    template: &Template,
    name: &str,
    state: &RoleState,
    caller: &CallerIdentity,
) -> Vec<Step> {
    let mut steps = Vec::new();
    let trust = role::trust_policy(template, caller);
    let boundary = policy_arn(caller, &template.permissions_boundary);
    let seconds = template.session_secs();
    match &state.found {
        None => steps.push(Step::CreateRole(NewRole {
            name: name.to_string(),
            path: IAM_PATH.to_string(),
            trust: trust.to_string(),
            description: format!(
                "iam-onboard job-function role of template {}",
                template.name
            ),
            max_session_secs: seconds,
            permissions_boundary: boundary,
            tags: {
                let mut tags = crate::tags::managed_by();
                tags.push((TEMPLATE_TAG.to_string(), template.name.clone()));
                tags
            },
        })),
        Some(found) => {
            if found.trust != trust {
                steps.push(Step::UpdateAssumeRolePolicy {
                    role: name.to_string(),
                    document: trust.to_string(),
                });
            }
            if found.max_session_secs != seconds {
                steps.push(Step::UpdateRoleMaxSession {
                    role: name.to_string(),
                    seconds,
                });
            }
            if found.permissions_boundary.as_deref() != Some(boundary.as_str()) {
                steps.push(Step::PutRolePermissionsBoundary {
                    role: name.to_string(),
                    policy_arn: boundary,
                });
            }
        }
    }
    let wanted = role_policy_arns(template, caller);
    for arn in &wanted {
        if !state.attached.contains(arn) {
            steps.push(Step::AttachRolePolicy {
                role: name.to_string(),
                policy_arn: arn.clone(),
            });
        }
    }
    let tool_path = format!(":policy{IAM_PATH}");
    for arn in &state.attached {
        let ours = arn.contains(&tool_path) || aws_managed_policy_name(arn).is_some();
        if ours && !wanted.contains(arn) {
            steps.push(Step::DetachRolePolicy {
                role: name.to_string(),
                policy_arn: arn.clone(),
            });
        }
    }
    steps
}

/// The version to delete to make room: the oldest that is not the default.
fn oldest_non_default(versions: &[PolicyVersion]) -> Option<String> {
    versions
        .iter()
        .filter(|v| !v.is_default)
        .min_by_key(|v| {
            v.version_id
                .trim_start_matches('v')
                .parse::<u64>()
                .unwrap_or(u64::MAX)
        })
        .map(|v| v.version_id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::memory::MemoryIam;
    use crate::aws::{IamAccess, IamAccount};
    use crate::iam::apply::apply_shared;
    use crate::template::{AwsManagedPolicy, TemplateSet};

    fn with_aws_managed(name: &str, policies: &[&str]) -> Template {
        let mut template = TemplateSet::embedded().unwrap().get(name).unwrap().clone();
        template.aws_managed_policies = policies
            .iter()
            .map(|p| AwsManagedPolicy::parse(p).unwrap())
            .collect();
        template
    }

    async fn ensure(api: &MemoryIam, template: &Template) -> Vec<String> {
        let caller = api.get_caller_identity().await.unwrap();
        let found = observe_shared(api, template).await.unwrap();
        let steps = plan_shared(template, &found, &caller).unwrap();
        for step in &steps {
            apply_shared(api, step).await.unwrap();
        }
        steps.iter().map(ToString::to_string).collect()
    }

    #[tokio::test]
    async fn a_group_template_s_aws_managed_policies_are_attached_to_its_group_once() {
        let api = MemoryIam::new(0);
        let auditor = with_aws_managed("security-auditor", &["SecurityAudit"]);
        let made = ensure(&api, &auditor).await;
        let attach = "iam:AttachGroupPolicy GroupName=iam-onboard-security-auditors PolicyArn=arn:aws:iam::aws:policy/SecurityAudit";
        assert!(made.iter().any(|s| s == attach), "{made:#?}");
        let attached = api
            .list_attached_group_policies("iam-onboard-security-auditors")
            .await
            .unwrap();
        assert!(attached.contains(&"arn:aws:iam::aws:policy/SecurityAudit".to_string()));
        assert_eq!(ensure(&api, &auditor).await, Vec::<String>::new());
    }

    #[tokio::test]
    async fn a_role_template_s_aws_managed_policies_go_to_its_role_and_leave_it_when_dropped() {
        let api = MemoryIam::new(0);
        let role = "iam-onboard-devops";
        let devops = with_aws_managed("devops", &["job-function/ViewOnlyAccess"]);
        ensure(&api, &devops).await;
        let view_only = "arn:aws:iam::aws:policy/job-function/ViewOnlyAccess".to_string();
        assert!(
            api.list_attached_role_policies(role)
                .await
                .unwrap()
                .contains(&view_only)
        );
        let group = api
            .list_attached_group_policies(&devops.group)
            .await
            .unwrap();
        assert!(
            !group.contains(&view_only),
            "the group holds only force-mfa"
        );
        let dropped = with_aws_managed("devops", &[]);
        let steps = ensure(&api, &dropped).await;
        assert_eq!(
            steps,
            [format!(
                "iam:DetachRolePolicy RoleName={role} PolicyArn={view_only} (not in the template)"
            )]
        );
    }

    #[tokio::test]
    async fn an_aws_managed_policy_aws_does_not_have_is_refused_before_any_change() {
        let api = MemoryIam::new(0);
        let typo = with_aws_managed("finance", &["job-function/BilIing"]);
        let caller = api.get_caller_identity().await.unwrap();
        let found = observe_shared(&api, &typo).await.unwrap();
        let err = plan_shared(&typo, &found, &caller).unwrap_err();
        assert_eq!(err.field, "aws_managed_policies");
        assert!(
            err.reason
                .contains("no managed policy arn:aws:iam::aws:policy/job-function/BilIing"),
            "{}",
            err.reason
        );
        assert!(api.calls().is_empty(), "{:?}", api.calls());
    }
}
