//! What `new-user` will change, decided before anything changes.
//!
//! `observe` makes only read calls and records what exists; `plan_new_user` is a pure function
//! of the request and that observation, so re-runs converge (only what is missing is planned)
//! and `--dry-run` can print exactly the calls a real run would make.

use crate::aws::{
    AwsErrorKind, AwsResult, CallerIdentity, GroupRef, Iam, NewRole, NewUser, PasswordRules,
    UserInfo,
};
use crate::error::InputError;
use crate::iam::request::{NewUserRequest, WrittenWith};
use crate::iam::shared::{SharedState, observe_shared, plan_shared, policy_arn};
use crate::tags::{MANAGED_BY_TAG, MANAGED_BY_VALUE, PASSWORD_PENDING, PASSWORD_TAG, TEMPLATE_TAG};
use crate::template::{IAM_PATH, PolicyDocument};
use std::fmt;

/// AWS keeps at most five versions of a managed policy.
pub(crate) const MAX_POLICY_VERSIONS: usize = 5;
/// The IAM path of the people this tool onboards. Kept at `/` so that policies can name a
/// person's own user as `user/${aws:username}`.
pub(crate) const USER_PATH: &str = "/";

/// A user that already exists.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ExistingUser {
    pub(crate) info: UserInfo,
    pub(crate) groups: Vec<GroupRef>,
    pub(crate) has_login_profile: bool,
    pub(crate) mfa_devices: Vec<String>,
}

/// Everything `plan_new_user` needs to know about the account.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Observed {
    pub(crate) caller: CallerIdentity,
    /// The template's policies, group and role.
    pub(crate) shared: SharedState,
    pub(crate) user: Option<ExistingUser>,
    /// A virtual MFA device with this user's device name that no user holds: left by a run that
    /// was killed before it enabled the device. Its seed is lost, so it is replaced.
    pub(crate) stale_mfa_device: Option<String>,
    pub(crate) password_rules: PasswordRules,
}

impl Observed {
    /// Everything read, put together.
    pub(crate) fn of(
        caller: CallerIdentity,
        shared: SharedState,
        password_rules: PasswordRules,
        person: PersonState,
    ) -> Self {
        Observed {
            caller,
            shared,
            user: person.user,
            stale_mfa_device: person.stale_mfa_device,
            password_rules,
        }
    }

    pub(crate) fn policy_arn(&self, policy: &PolicyDocument) -> String {
        policy_arn(&self.caller, policy)
    }

    pub(crate) fn user_arn(&self, user_name: &str) -> String {
        format!(
            "arn:{}:iam::{}:user{USER_PATH}{user_name}",
            self.caller.partition(),
            self.caller.account
        )
    }

    /// The serial number AWS gives the virtual MFA device named after the user.
    pub(crate) fn mfa_serial(&self, user_name: &str) -> String {
        format!(
            "arn:{}:iam::{}:mfa{USER_PATH}{user_name}",
            self.caller.partition(),
            self.caller.account
        )
    }
}

/// Reads what exists, with read calls only, in two round trips: everything that needs no answer
/// first at once (who is calling, the template's policies and group, the user and what it has,
/// the password policy), then the documents of the template's policies.
pub(crate) async fn observe(api: &impl Iam, request: &NewUserRequest) -> AwsResult<Observed> {
    let password_rules = async {
        if request.console {
            Ok(api.get_account_password_policy().await?.unwrap_or_default())
        } else {
            Ok(PasswordRules::default())
        }
    };
    let (caller, shared, password_rules, person) = tokio::try_join!(
        api.get_caller_identity(),
        observe_shared(api, &request.template),
        password_rules,
        observe_person(api, request),
    )?;
    Ok(Observed::of(caller, shared, password_rules, person))
}

/// What a person has: the user and its groups, login profile and MFA devices, and a virtual MFA
/// device named after it that nobody holds.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PersonState {
    user: Option<ExistingUser>,
    stale_mfa_device: Option<String>,
}

/// Reads the person's own state: the user (and a stale device) in one round trip, and only for
/// a user that exists its groups, login profile and MFA devices in a second, so a new person,
/// the common case and a batch's every row, costs one call.
pub(crate) async fn observe_person(
    api: &impl Iam,
    request: &NewUserRequest,
) -> AwsResult<PersonState> {
    let name = &request.user_name;
    let unassigned = async {
        if request.mfa.creates_device() {
            api.list_unassigned_virtual_mfa_devices().await
        } else {
            Ok(Vec::new())
        }
    };
    let (info, unassigned) = tokio::try_join!(api.get_user(name), unassigned)?;
    let user = match info {
        None => None,
        Some(info) => {
            let (groups, has_login_profile, mfa_devices) = tokio::try_join!(
                api.list_groups_for_user(name),
                api.has_login_profile(name),
                api.list_mfa_devices(name),
            )?;
            Some(ExistingUser {
                info,
                groups,
                has_login_profile,
                mfa_devices,
            })
        }
    };
    let own_device = format!(":mfa{USER_PATH}{name}");
    Ok(PersonState {
        user,
        stale_mfa_device: unassigned.into_iter().find(|s| s.ends_with(&own_device)),
    })
}

/// NoSuchEntity read as nothing: what a read of something that does not exist (a user, a
/// group, a role, a key) finds of it.
pub(crate) async fn missing_as_empty<T: Default>(
    call: impl Future<Output = AwsResult<T>>,
) -> AwsResult<T> {
    match call.await {
        Err(err) if err.is(AwsErrorKind::NotFound) => Ok(T::default()),
        other => other,
    }
}

/// One change, in the words of the API call that makes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Step {
    CreatePolicy {
        name: String,
        document: String,
        description: String,
    },
    DeletePolicyVersion {
        arn: String,
        version_id: String,
    },
    CreatePolicyVersion {
        arn: String,
        document: String,
    },
    CreateGroup {
        name: String,
    },
    AttachGroupPolicy {
        group: String,
        policy_arn: String,
    },
    /// A role template's group gives up a template policy its role now holds.
    DetachGroupPolicy {
        group: String,
        policy_arn: String,
    },
    /// A group template's group gives up the right to assume a role (the template was a role
    /// template before).
    DeleteGroupPolicy {
        group: String,
        name: String,
    },
    /// The group's inline policy that allows assuming the template's role.
    PutGroupPolicy {
        group: String,
        name: String,
        document: String,
    },
    CreateRole(NewRole),
    UpdateAssumeRolePolicy {
        role: String,
        document: String,
    },
    UpdateRoleMaxSession {
        role: String,
        seconds: u64,
    },
    PutRolePermissionsBoundary {
        role: String,
        policy_arn: String,
    },
    AttachRolePolicy {
        role: String,
        policy_arn: String,
    },
    DetachRolePolicy {
        role: String,
        policy_arn: String,
    },
    CreateUser(NewUser),
    AddUserToGroup {
        group: String,
        user: String,
    },
    /// Marks the one-time password about to be made as not yet delivered.
    MarkPasswordPending {
        user: String,
    },
    CreateLoginProfile {
        user: String,
    },
    /// A new one-time password for a login profile whose password was never delivered (a run
    /// stopped between making it and showing or writing it).
    ResetUndeliveredPassword {
        user: String,
    },
    DeleteStaleMfaDevice {
        serial: String,
    },
    CreateVirtualMfaDevice {
        user: String,
        serial: String,
    },
    EnableMfaDevice {
        user: String,
        serial: String,
    },
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::CreatePolicy { name, .. } => write!(
                f,
                "iam:CreatePolicy PolicyName={name} Path={IAM_PATH} PolicyDocument=<template document>"
            ),
            Step::DeletePolicyVersion { arn, version_id } => write!(
                f,
                "iam:DeletePolicyVersion PolicyArn={arn} VersionId={version_id} (oldest of {MAX_POLICY_VERSIONS})"
            ),
            Step::CreatePolicyVersion { arn, .. } => write!(
                f,
                "iam:CreatePolicyVersion PolicyArn={arn} SetAsDefault=true PolicyDocument=<template document>"
            ),
            Step::CreateGroup { name } => {
                write!(f, "iam:CreateGroup GroupName={name} Path={IAM_PATH}")
            }
            Step::AttachGroupPolicy { group, policy_arn } => write!(
                f,
                "iam:AttachGroupPolicy GroupName={group} PolicyArn={policy_arn}"
            ),
            Step::DetachGroupPolicy { group, policy_arn } => write!(
                f,
                "iam:DetachGroupPolicy GroupName={group} PolicyArn={policy_arn} (the role holds it)"
            ),
            Step::DeleteGroupPolicy { group, name } => write!(
                f,
                "iam:DeleteGroupPolicy GroupName={group} PolicyName={name} (the template gives its access through the group now)"
            ),
            Step::PutGroupPolicy {
                group,
                name,
                document,
            } => write!(
                f,
                "iam:PutGroupPolicy GroupName={group} PolicyName={name} PolicyDocument={document}"
            ),
            Step::CreateRole(role) => write!(
                f,
                "iam:CreateRole RoleName={} Path={} MaxSessionDuration={} PermissionsBoundary={} AssumeRolePolicyDocument=<MFA, session named after the person, template tag>",
                role.name, role.path, role.max_session_secs, role.permissions_boundary
            ),
            Step::UpdateAssumeRolePolicy { role, .. } => write!(
                f,
                "iam:UpdateAssumeRolePolicy RoleName={role} PolicyDocument=<MFA, session named after the person, template tag>"
            ),
            Step::UpdateRoleMaxSession { role, seconds } => write!(
                f,
                "iam:UpdateRole RoleName={role} MaxSessionDuration={seconds}"
            ),
            Step::PutRolePermissionsBoundary { role, policy_arn } => write!(
                f,
                "iam:PutRolePermissionsBoundary RoleName={role} PermissionsBoundary={policy_arn}"
            ),
            Step::AttachRolePolicy { role, policy_arn } => write!(
                f,
                "iam:AttachRolePolicy RoleName={role} PolicyArn={policy_arn}"
            ),
            Step::DetachRolePolicy { role, policy_arn } => write!(
                f,
                "iam:DetachRolePolicy RoleName={role} PolicyArn={policy_arn} (not in the template)"
            ),
            Step::CreateUser(user) => {
                let tags: Vec<String> = user.tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                write!(
                    f,
                    "iam:CreateUser UserName={} Path={} PermissionsBoundary={} Tags=[{}]",
                    user.name,
                    user.path,
                    user.permissions_boundary,
                    tags.join(", ")
                )
            }
            Step::AddUserToGroup { group, user } => {
                write!(f, "iam:AddUserToGroup GroupName={group} UserName={user}")
            }
            Step::MarkPasswordPending { user } => write!(
                f,
                "iam:TagUser UserName={user} Tags=[{PASSWORD_TAG}={PASSWORD_PENDING}]"
            ),
            Step::CreateLoginProfile { user } => write!(
                f,
                "iam:CreateLoginProfile UserName={user} Password=<generated> PasswordResetRequired=true"
            ),
            Step::ResetUndeliveredPassword { user } => write!(
                f,
                "iam:UpdateLoginProfile UserName={user} Password=<generated> PasswordResetRequired=true (the one-time password made earlier was never delivered)"
            ),
            Step::DeleteStaleMfaDevice { serial } => write!(
                f,
                "iam:DeleteVirtualMFADevice SerialNumber={serial} (left unassigned by an earlier run)"
            ),
            Step::CreateVirtualMfaDevice { user, .. } => write!(
                f,
                "iam:CreateVirtualMFADevice VirtualMFADeviceName={user} Path={USER_PATH}"
            ),
            Step::EnableMfaDevice { user, serial } => write!(
                f,
                "iam:EnableMFADevice UserName={user} SerialNumber={serial} AuthenticationCode1/2=<two consecutive codes, checked locally first>"
            ),
        }
    }
}

/// The changes a `new-user` run will make, in order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Plan {
    pub(crate) steps: Vec<Step>,
    pub(crate) user_arn: String,
    pub(crate) boundary_arn: String,
    pub(crate) mfa_serial: Option<String>,
}

impl Plan {
    pub(crate) fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Whether the run makes a one-time password, which must then be delivered.
    pub(crate) fn makes_password(&self) -> bool {
        self.steps.iter().any(Step::makes_password)
    }

    /// Whether a run creates a virtual MFA device (and so shows a QR code in prompt mode).
    pub(crate) fn creates_device(&self) -> bool {
        self.steps
            .iter()
            .any(|s| matches!(s, Step::CreateVirtualMfaDevice { .. }))
    }

    /// Whether the user is tagged with a pending password once the run is done, so that
    /// delivering it must be recorded: a password made for the terminal or a report, or one that
    /// replaces an undelivered password. A `--password-file` is written before the login profile
    /// exists, so a password made for it is never pending.
    pub(crate) fn leaves_password_pending(&self, request: &NewUserRequest) -> bool {
        let replaces = |s: &Step| matches!(s, Step::ResetUndeliveredPassword { .. });
        (self.makes_password() && request.delivers_password_later())
            || self.steps.iter().any(replaces)
    }
}

impl Plan {
    /// Refuses, before any change, to overwrite a file this plan would write a secret to, or
    /// the AWS CLI profile's file. Files a re-run will not write (the password of a login
    /// profile that exists) may exist.
    pub(crate) fn check_files_are_new(&self, request: &NewUserRequest) -> Result<(), InputError> {
        for file in request.secret_files() {
            let written = match file.written_with {
                WrittenWith::Password => self.makes_password(),
                WrittenWith::MfaDevice => self.creates_device(),
            };
            if written {
                crate::iam::request::must_be_new(file.flag, file.path)?;
            }
        }
        if let Some(path) = &request.profile_file {
            crate::iam::request::must_be_new(crate::iam::request::PROFILE_FILE_FLAG, path)?;
        }
        Ok(())
    }
}

impl Step {
    /// Whether this step makes a one-time password.
    pub(crate) fn makes_password(&self) -> bool {
        matches!(
            self,
            Step::CreateLoginProfile { .. } | Step::ResetUndeliveredPassword { .. }
        )
    }
}

/// Decides the changes. Refuses (as bad input, before any change) to touch a user that this
/// tool did not create, or that it created from another template.
pub(crate) fn plan_new_user(
    request: &NewUserRequest,
    observed: &Observed,
) -> Result<Plan, InputError> {
    let name = &request.user_name;
    let template = &request.template;
    if let Some(existing) = &observed.user {
        if existing.info.tag(MANAGED_BY_TAG) != Some(MANAGED_BY_VALUE) {
            return Err(InputError::new(
                "username",
                format!(
                    "{name} already exists and was not created by iam-onboard (no {MANAGED_BY_TAG}={MANAGED_BY_VALUE} tag); refusing to change it"
                ),
            ));
        }
        if let Some(other) = existing
            .info
            .tag(TEMPLATE_TAG)
            .filter(|t| *t != template.name)
        {
            return Err(InputError::new(
                "--template",
                format!(
                    "{name} was onboarded with template {other:?}, not {:?}; offboard it first to change its job function",
                    template.name
                ),
            ));
        }
    }

    let mut steps = plan_shared(template, &observed.shared, &observed.caller)?;

    let boundary_arn = observed.policy_arn(&template.permissions_boundary);
    let existing = observed.user.as_ref();
    if existing.is_none() {
        steps.push(Step::CreateUser(NewUser {
            name: name.clone(),
            path: USER_PATH.to_string(),
            tags: request.user_tags(&observed.caller.arn),
            permissions_boundary: boundary_arn.clone(),
        }));
    }
    if !existing.is_some_and(|u| u.groups.iter().any(|g| g.name == template.group)) {
        if let Some(user) = existing {
            crate::quotas::check_room_for_group(name, user.groups.len() + 1, &template.group)?;
        }
        steps.push(Step::AddUserToGroup {
            group: template.group.clone(),
            user: name.clone(),
        });
    }
    match existing {
        _ if !request.console => {}
        None => steps.push(Step::CreateLoginProfile { user: name.clone() }),
        Some(user) if !user.has_login_profile => {
            if request.delivers_password_later() {
                crate::names::check_room_for_tags(name, &user.info.tags, &[PASSWORD_TAG])?;
                steps.push(Step::MarkPasswordPending { user: name.clone() });
            }
            steps.push(Step::CreateLoginProfile { user: name.clone() });
        }
        Some(user) if user.info.tag(PASSWORD_TAG) == Some(PASSWORD_PENDING) => {
            steps.push(Step::ResetUndeliveredPassword { user: name.clone() });
        }
        Some(_) => {}
    }
    let mut mfa_serial = existing.and_then(|u| u.mfa_devices.first().cloned());
    if request.mfa.creates_device() && mfa_serial.is_none() {
        if let Some(stale) = &observed.stale_mfa_device {
            steps.push(Step::DeleteStaleMfaDevice {
                serial: stale.clone(),
            });
        }
        let serial = observed.mfa_serial(name);
        steps.push(Step::CreateVirtualMfaDevice {
            user: name.clone(),
            serial: serial.clone(),
        });
        steps.push(Step::EnableMfaDevice {
            user: name.clone(),
            serial: serial.clone(),
        });
        mfa_serial = Some(serial);
    }
    Ok(Plan {
        steps,
        user_arn: existing
            .map(|u| u.info.arn.clone())
            .unwrap_or_else(|| observed.user_arn(name)),
        boundary_arn,
        mfa_serial,
    })
}
