//! The `Iam` boundary implemented with the AWS SDK for Rust: one SDK call per trait method,
//! each error converted by `convert`.

use super::calls_log::RetryLog;
use super::convert::{absent_if_not_found, parse_policy_document};
use crate::aws::{
    AccessKey, AuthorizedUser, AwsError, AwsErrorKind, AwsResult, CallerIdentity, CredentialRow,
    GroupRef, Iam, MfaDevice, NewRole, NewUser, PasswordRules, PolicyVersion, RoleInfo,
    ServiceCredential, ServiceLastAccessed, UserInfo, VirtualMfaDevice,
};
use crate::secret::Secret;
use aws_config::SdkConfig;
use aws_sdk_iam::primitives::DateTimeFormat;
use aws_sdk_iam::types::{AssignmentStatusType, EntityType, StatusType, SummaryKeyType, Tag};

/// IAM and STS through the SDK.
#[derive(Debug, Clone)]
pub(crate) struct SdkIam {
    iam: aws_sdk_iam::Client,
    sts: aws_sdk_sts::Client,
}

impl SdkIam {
    pub(crate) fn new(config: &SdkConfig) -> Self {
        let iam = aws_sdk_iam::config::Builder::from(config).interceptor(RetryLog);
        let sts = aws_sdk_sts::config::Builder::from(config).interceptor(RetryLog);
        SdkIam {
            iam: aws_sdk_iam::Client::from_conf(iam.build()),
            sts: aws_sdk_sts::Client::from_conf(sts.build()),
        }
    }
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("key and value are set")
}

impl Iam for SdkIam {
    async fn get_caller_identity(&self) -> AwsResult<CallerIdentity> {
        const OP: &str = "sts:GetCallerIdentity";
        let out = sent!(OP, self.sts.get_caller_identity())?;
        Ok(CallerIdentity {
            account: out.account().unwrap_or_default().to_string(),
            arn: out.arn().unwrap_or_default().to_string(),
            user_id: out.user_id().unwrap_or_default().to_string(),
        })
    }

    async fn get_account_password_policy(&self) -> AwsResult<Option<PasswordRules>> {
        const OP: &str = "iam:GetAccountPasswordPolicy";
        let result = sent!(OP, self.iam.get_account_password_policy());
        Ok(absent_if_not_found(result)?.and_then(|out| {
            out.password_policy().map(|policy| PasswordRules {
                minimum_length: policy
                    .minimum_password_length()
                    .and_then(|n| usize::try_from(n).ok())
                    .unwrap_or(8),
                require_uppercase: policy.require_uppercase_characters(),
                require_lowercase: policy.require_lowercase_characters(),
                require_numbers: policy.require_numbers(),
                require_symbols: policy.require_symbols(),
                max_age_days: policy
                    .max_password_age()
                    .and_then(|days| u32::try_from(days).ok()),
                reuse_prevention: policy
                    .password_reuse_prevention()
                    .and_then(|n| u32::try_from(n).ok()),
            })
        }))
    }

    async fn list_local_policies(&self, path: &str) -> AwsResult<Vec<(String, String)>> {
        const OP: &str = "iam:ListPolicies";
        let policies: Vec<_> = every!(
            OP,
            self.iam
                .list_policies()
                .scope(aws_sdk_iam::types::PolicyScopeType::Local)
                .path_prefix(path)
        )?;
        Ok(policies
            .iter()
            .filter_map(|p| {
                let arn = p.arn()?.to_string();
                Some((arn, p.default_version_id().unwrap_or("v1").to_string()))
            })
            .collect())
    }

    async fn get_policy_version_document(
        &self,
        arn: &str,
        version_id: &str,
    ) -> AwsResult<serde_json::Value> {
        const OP: &str = "iam:GetPolicyVersion";
        let out = sent!(
            OP,
            self.iam
                .get_policy_version()
                .policy_arn(arn)
                .version_id(version_id)
        )?;
        let text = out
            .policy_version()
            .and_then(|v| v.document())
            .unwrap_or_default();
        parse_policy_document(OP, text)
    }

    async fn list_policy_versions(&self, arn: &str) -> AwsResult<Vec<PolicyVersion>> {
        const OP: &str = "iam:ListPolicyVersions";
        let versions = every!(OP, self.iam.list_policy_versions().policy_arn(arn))?;
        Ok(versions
            .iter()
            .map(|v| PolicyVersion {
                version_id: v.version_id().unwrap_or_default().to_string(),
                is_default: v.is_default_version(),
            })
            .collect())
    }

    async fn create_policy(
        &self,
        name: &str,
        path: &str,
        document: &str,
        description: &str,
        tags: &[(String, String)],
    ) -> AwsResult<String> {
        const OP: &str = "iam:CreatePolicy";
        let out = sent!(
            OP,
            self.iam
                .create_policy()
                .policy_name(name)
                .path(path)
                .policy_document(document)
                .description(description)
                .set_tags(Some(tags.iter().map(|(k, v)| tag(k, v)).collect()))
        )?;
        Ok(out
            .policy()
            .and_then(|p| p.arn())
            .unwrap_or_default()
            .to_string())
    }

    async fn create_policy_version(&self, arn: &str, document: &str) -> AwsResult<()> {
        const OP: &str = "iam:CreatePolicyVersion";
        sent!(
            OP,
            self.iam
                .create_policy_version()
                .policy_arn(arn)
                .policy_document(document)
                .set_as_default(true)
        )?;
        Ok(())
    }

    async fn delete_policy_version(&self, arn: &str, version_id: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeletePolicyVersion";
        sent!(
            OP,
            self.iam
                .delete_policy_version()
                .policy_arn(arn)
                .version_id(version_id)
        )?;
        Ok(())
    }

    async fn policy_exists(&self, arn: &str) -> AwsResult<bool> {
        const OP: &str = "iam:GetPolicy";
        let result = sent!(OP, self.iam.get_policy().policy_arn(arn));
        Ok(absent_if_not_found(result)?.is_some())
    }

    async fn get_group(&self, name: &str) -> AwsResult<Option<String>> {
        const OP: &str = "iam:GetGroup";
        let result = sent!(OP, self.iam.get_group().group_name(name).max_items(1));
        Ok(absent_if_not_found(result)?
            .map(|out| out.group().map(|g| g.arn().to_string()).unwrap_or_default()))
    }

    async fn create_group(&self, name: &str, path: &str) -> AwsResult<String> {
        const OP: &str = "iam:CreateGroup";
        let out = sent!(OP, self.iam.create_group().group_name(name).path(path))?;
        Ok(out.group().map(|g| g.arn().to_string()).unwrap_or_default())
    }

    async fn list_attached_group_policies(&self, group: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListAttachedGroupPolicies";
        let attached = every!(
            OP,
            self.iam.list_attached_group_policies().group_name(group)
        )?;
        Ok(attached
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect())
    }

    async fn attach_group_policy(&self, group: &str, policy_arn: &str) -> AwsResult<()> {
        const OP: &str = "iam:AttachGroupPolicy";
        sent!(
            OP,
            self.iam
                .attach_group_policy()
                .group_name(group)
                .policy_arn(policy_arn)
        )?;
        Ok(())
    }

    async fn get_group_policy(
        &self,
        group: &str,
        name: &str,
    ) -> AwsResult<Option<serde_json::Value>> {
        const OP: &str = "iam:GetGroupPolicy";
        let result = sent!(
            OP,
            self.iam
                .get_group_policy()
                .group_name(group)
                .policy_name(name)
        );
        absent_if_not_found(result)?
            .map(|out| parse_policy_document(OP, out.policy_document()))
            .transpose()
    }

    async fn put_group_policy(&self, group: &str, name: &str, document: &str) -> AwsResult<()> {
        const OP: &str = "iam:PutGroupPolicy";
        sent!(
            OP,
            self.iam
                .put_group_policy()
                .group_name(group)
                .policy_name(name)
                .policy_document(document)
        )?;
        Ok(())
    }

    async fn detach_group_policy(&self, group: &str, policy_arn: &str) -> AwsResult<()> {
        const OP: &str = "iam:DetachGroupPolicy";
        sent!(
            OP,
            self.iam
                .detach_group_policy()
                .group_name(group)
                .policy_arn(policy_arn)
        )?;
        Ok(())
    }

    async fn delete_group_policy(&self, group: &str, name: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteGroupPolicy";
        sent!(
            OP,
            self.iam
                .delete_group_policy()
                .group_name(group)
                .policy_name(name)
        )?;
        Ok(())
    }

    async fn get_role(&self, name: &str) -> AwsResult<Option<RoleInfo>> {
        const OP: &str = "iam:GetRole";
        let result = sent!(OP, self.iam.get_role().role_name(name));
        let Some(role) = absent_if_not_found(result)?.and_then(|out| out.role) else {
            return Ok(None);
        };
        let trust = match role.assume_role_policy_document() {
            Some(text) => parse_policy_document(OP, text)?,
            None => serde_json::Value::Null,
        };
        Ok(Some(RoleInfo {
            name: role.role_name().to_string(),
            arn: role.arn().to_string(),
            role_id: role.role_id().to_string(),
            trust,
            max_session_secs: role
                .max_session_duration()
                .and_then(|secs| u64::try_from(secs).ok())
                .unwrap_or(3600),
            permissions_boundary: role
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string),
        }))
    }

    async fn create_role(&self, role: &NewRole) -> AwsResult<String> {
        const OP: &str = "iam:CreateRole";
        let out = sent!(
            OP,
            self.iam
                .create_role()
                .role_name(&role.name)
                .path(&role.path)
                .assume_role_policy_document(&role.trust)
                .description(&role.description)
                .max_session_duration(i32::try_from(role.max_session_secs).unwrap_or(i32::MAX))
                .permissions_boundary(&role.permissions_boundary)
                .set_tags(Some(role.tags.iter().map(|(k, v)| tag(k, v)).collect()))
        )?;
        Ok(out.role().map(|r| r.arn().to_string()).unwrap_or_default())
    }

    async fn update_assume_role_policy(&self, role: &str, document: &str) -> AwsResult<()> {
        const OP: &str = "iam:UpdateAssumeRolePolicy";
        sent!(
            OP,
            self.iam
                .update_assume_role_policy()
                .role_name(role)
                .policy_document(document)
        )?;
        Ok(())
    }

    async fn update_role_max_session(&self, role: &str, seconds: u64) -> AwsResult<()> {
        const OP: &str = "iam:UpdateRole";
        sent!(
            OP,
            self.iam
                .update_role()
                .role_name(role)
                .max_session_duration(i32::try_from(seconds).unwrap_or(i32::MAX))
        )?;
        Ok(())
    }

    async fn put_role_permissions_boundary(&self, role: &str, policy_arn: &str) -> AwsResult<()> {
        const OP: &str = "iam:PutRolePermissionsBoundary";
        sent!(
            OP,
            self.iam
                .put_role_permissions_boundary()
                .role_name(role)
                .permissions_boundary(policy_arn)
        )?;
        Ok(())
    }

    async fn list_attached_role_policies(&self, role: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListAttachedRolePolicies";
        let attached = every!(OP, self.iam.list_attached_role_policies().role_name(role))?;
        Ok(attached
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect())
    }

    async fn attach_role_policy(&self, role: &str, policy_arn: &str) -> AwsResult<()> {
        const OP: &str = "iam:AttachRolePolicy";
        sent!(
            OP,
            self.iam
                .attach_role_policy()
                .role_name(role)
                .policy_arn(policy_arn)
        )?;
        Ok(())
    }

    async fn detach_role_policy(&self, role: &str, policy_arn: &str) -> AwsResult<()> {
        const OP: &str = "iam:DetachRolePolicy";
        sent!(
            OP,
            self.iam
                .detach_role_policy()
                .role_name(role)
                .policy_arn(policy_arn)
        )?;
        Ok(())
    }

    async fn list_role_policies(&self, role: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListRolePolicies";
        every!(OP, self.iam.list_role_policies().role_name(role))
    }

    async fn get_role_policy(
        &self,
        role: &str,
        name: &str,
    ) -> AwsResult<Option<serde_json::Value>> {
        const OP: &str = "iam:GetRolePolicy";
        let result = sent!(
            OP,
            self.iam.get_role_policy().role_name(role).policy_name(name)
        );
        absent_if_not_found(result)?
            .map(|out| parse_policy_document(OP, out.policy_document()))
            .transpose()
    }

    async fn put_role_policy(&self, role: &str, name: &str, document: &str) -> AwsResult<()> {
        const OP: &str = "iam:PutRolePolicy";
        sent!(
            OP,
            self.iam
                .put_role_policy()
                .role_name(role)
                .policy_name(name)
                .policy_document(document)
        )?;
        Ok(())
    }

    async fn delete_role_policy(&self, role: &str, name: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteRolePolicy";
        sent!(
            OP,
            self.iam
                .delete_role_policy()
                .role_name(role)
                .policy_name(name)
        )?;
        Ok(())
    }

    async fn list_users(&self) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListUsers";
        let users: Vec<_> = every!(OP, self.iam.list_users())?;
        Ok(users.iter().map(|u| u.user_name().to_string()).collect())
    }

    /// GetUser answers the user's tags too (at most 50), so no ListUserTags is needed.
    async fn get_user(&self, name: &str) -> AwsResult<Option<UserInfo>> {
        const OP: &str = "iam:GetUser";
        let result = sent!(OP, self.iam.get_user().user_name(name));
        let Some(out) = absent_if_not_found(result)? else {
            return Ok(None);
        };
        let Some(user) = out.user() else {
            return Ok(None);
        };
        Ok(Some(UserInfo {
            name: user.user_name().to_string(),
            arn: user.arn().to_string(),
            user_id: user.user_id().to_string(),
            tags: user
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect(),
            permissions_boundary: user
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string),
            created: date(Some(user.create_date())),
            password_last_used: date(user.password_last_used()),
        }))
    }

    async fn create_user(&self, user: &NewUser) -> AwsResult<String> {
        const OP: &str = "iam:CreateUser";
        let out = sent!(
            OP,
            self.iam
                .create_user()
                .user_name(&user.name)
                .path(&user.path)
                .permissions_boundary(&user.permissions_boundary)
                .set_tags(Some(user.tags.iter().map(|(k, v)| tag(k, v)).collect()))
        )?;
        Ok(out.user().map(|u| u.arn().to_string()).unwrap_or_default())
    }

    async fn delete_user(&self, name: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteUser";
        sent!(OP, self.iam.delete_user().user_name(name))?;
        Ok(())
    }

    async fn list_groups_for_user(&self, user: &str) -> AwsResult<Vec<GroupRef>> {
        const OP: &str = "iam:ListGroupsForUser";
        let groups = every!(OP, self.iam.list_groups_for_user().user_name(user))?;
        Ok(groups
            .iter()
            .map(|g| GroupRef {
                name: g.group_name().to_string(),
                arn: g.arn().to_string(),
            })
            .collect())
    }

    async fn add_user_to_group(&self, group: &str, user: &str) -> AwsResult<()> {
        const OP: &str = "iam:AddUserToGroup";
        sent!(
            OP,
            self.iam
                .add_user_to_group()
                .group_name(group)
                .user_name(user)
        )?;
        Ok(())
    }

    async fn remove_user_from_group(&self, group: &str, user: &str) -> AwsResult<()> {
        const OP: &str = "iam:RemoveUserFromGroup";
        sent!(
            OP,
            self.iam
                .remove_user_from_group()
                .group_name(group)
                .user_name(user)
        )?;
        Ok(())
    }

    async fn has_login_profile(&self, user: &str) -> AwsResult<bool> {
        const OP: &str = "iam:GetLoginProfile";
        let result = sent!(OP, self.iam.get_login_profile().user_name(user));
        Ok(absent_if_not_found(result)?.is_some())
    }

    async fn create_login_profile(
        &self,
        user: &str,
        password: &Secret,
        password_reset_required: bool,
    ) -> AwsResult<()> {
        const OP: &str = "iam:CreateLoginProfile";
        sent!(
            OP,
            self.iam
                .create_login_profile()
                .user_name(user)
                .password(password.expose())
                .password_reset_required(password_reset_required)
        )?;
        Ok(())
    }

    async fn update_login_profile(
        &self,
        user: &str,
        password: &Secret,
        password_reset_required: bool,
    ) -> AwsResult<()> {
        const OP: &str = "iam:UpdateLoginProfile";
        sent!(
            OP,
            self.iam
                .update_login_profile()
                .user_name(user)
                .password(password.expose())
                .password_reset_required(password_reset_required)
        )?;
        Ok(())
    }

    async fn delete_login_profile(&self, user: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteLoginProfile";
        sent!(OP, self.iam.delete_login_profile().user_name(user))?;
        Ok(())
    }

    async fn list_mfa_devices(&self, user: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListMFADevices";
        let devices = every!(OP, self.iam.list_mfa_devices().user_name(user))?;
        Ok(devices
            .iter()
            .map(|d| d.serial_number().to_string())
            .collect())
    }

    async fn list_unassigned_virtual_mfa_devices(&self) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListVirtualMFADevices";
        let devices = every!(
            OP,
            self.iam
                .list_virtual_mfa_devices()
                .assignment_status(AssignmentStatusType::Unassigned)
        )?;
        Ok(devices
            .iter()
            .map(|d| d.serial_number().to_string())
            .collect())
    }

    async fn create_virtual_mfa_device(
        &self,
        name: &str,
        path: &str,
    ) -> AwsResult<VirtualMfaDevice> {
        const OP: &str = "iam:CreateVirtualMFADevice";
        let out = sent!(
            OP,
            self.iam
                .create_virtual_mfa_device()
                .virtual_mfa_device_name(name)
                .path(path)
        )?;
        let device = out.virtual_mfa_device().ok_or_else(|| {
            AwsError::new(
                OP,
                AwsErrorKind::Other,
                "NoDevice",
                "the answer held no device",
            )
        })?;
        let seed = device
            .base32_string_seed()
            .map(|blob| String::from_utf8_lossy(blob.as_ref()).into_owned())
            .unwrap_or_default();
        Ok(VirtualMfaDevice {
            serial: device.serial_number().to_string(),
            base32_seed: Secret::new(seed),
        })
    }

    async fn enable_mfa_device(
        &self,
        user: &str,
        serial: &str,
        code1: &str,
        code2: &str,
    ) -> AwsResult<()> {
        const OP: &str = "iam:EnableMFADevice";
        sent!(
            OP,
            self.iam
                .enable_mfa_device()
                .user_name(user)
                .serial_number(serial)
                .authentication_code1(code1)
                .authentication_code2(code2)
        )?;
        Ok(())
    }

    async fn deactivate_mfa_device(&self, user: &str, serial: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeactivateMFADevice";
        sent!(
            OP,
            self.iam
                .deactivate_mfa_device()
                .user_name(user)
                .serial_number(serial)
        )?;
        Ok(())
    }

    async fn delete_virtual_mfa_device(&self, serial: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteVirtualMFADevice";
        sent!(
            OP,
            self.iam.delete_virtual_mfa_device().serial_number(serial)
        )?;
        Ok(())
    }

    async fn list_access_keys(&self, user: &str) -> AwsResult<Vec<AccessKey>> {
        const OP: &str = "iam:ListAccessKeys";
        let keys = every!(OP, self.iam.list_access_keys().user_name(user))?;
        Ok(keys
            .iter()
            .map(|k| AccessKey {
                id: k.access_key_id().unwrap_or_default().to_string(),
                active: k.status() == Some(&StatusType::Active),
                created: date(k.create_date()),
            })
            .collect())
    }

    async fn get_access_key_last_used(&self, key_id: &str) -> AwsResult<Option<String>> {
        const OP: &str = "iam:GetAccessKeyLastUsed";
        let out = sent!(
            OP,
            self.iam.get_access_key_last_used().access_key_id(key_id)
        )?;
        Ok(out
            .access_key_last_used()
            .and_then(|used| used.last_used_date())
            .and_then(|date| date.fmt(DateTimeFormat::DateTime).ok()))
    }

    async fn update_access_key_status(
        &self,
        user: &str,
        key_id: &str,
        active: bool,
    ) -> AwsResult<()> {
        const OP: &str = "iam:UpdateAccessKey";
        let status = if active {
            StatusType::Active
        } else {
            StatusType::Inactive
        };
        sent!(
            OP,
            self.iam
                .update_access_key()
                .user_name(user)
                .access_key_id(key_id)
                .status(status)
        )?;
        Ok(())
    }

    async fn create_access_key(&self, user: &str) -> AwsResult<(String, Secret)> {
        const OP: &str = "iam:CreateAccessKey";
        let out = sent!(OP, self.iam.create_access_key().user_name(user))?;
        let key = out.access_key().ok_or_else(|| {
            AwsError::new(
                OP,
                AwsErrorKind::Uncertain,
                "NoAccessKey",
                "no key in the answer",
            )
        })?;
        Ok((
            key.access_key_id().to_string(),
            Secret::new(key.secret_access_key()),
        ))
    }

    async fn delete_access_key(&self, user: &str, key_id: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteAccessKey";
        sent!(
            OP,
            self.iam
                .delete_access_key()
                .user_name(user)
                .access_key_id(key_id)
        )?;
        Ok(())
    }

    async fn list_signing_certificates(&self, user: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListSigningCertificates";
        let certificates = every!(OP, self.iam.list_signing_certificates().user_name(user))?;
        Ok(certificates
            .iter()
            .map(|c| c.certificate_id().to_string())
            .collect())
    }

    async fn delete_signing_certificate(&self, user: &str, certificate_id: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteSigningCertificate";
        sent!(
            OP,
            self.iam
                .delete_signing_certificate()
                .user_name(user)
                .certificate_id(certificate_id)
        )?;
        Ok(())
    }

    async fn list_ssh_public_keys(&self, user: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListSSHPublicKeys";
        let keys = every!(OP, self.iam.list_ssh_public_keys().user_name(user))?;
        Ok(keys
            .iter()
            .map(|k| k.ssh_public_key_id().to_string())
            .collect())
    }

    async fn delete_ssh_public_key(&self, user: &str, key_id: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteSSHPublicKey";
        sent!(
            OP,
            self.iam
                .delete_ssh_public_key()
                .user_name(user)
                .ssh_public_key_id(key_id)
        )?;
        Ok(())
    }

    async fn list_service_specific_credentials(
        &self,
        user: &str,
    ) -> AwsResult<Vec<ServiceCredential>> {
        const OP: &str = "iam:ListServiceSpecificCredentials";
        // The SDK generates no paginator for this call: follow the marker by hand. Offboarding
        // only warns when it fails, and some endpoints lack it (HTTP 500), so each page is one
        // attempt, with throttling alone waited out.
        let mut credentials = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = || async {
                sent!(
                    OP,
                    self.iam
                        .list_service_specific_credentials()
                        .user_name(user)
                        .set_marker(marker.clone())
                        .customize()
                        .config_override(
                            aws_sdk_iam::config::Builder::default()
                                .retry_config(aws_smithy_types::retry::RetryConfig::disabled())
                        )
                )
            };
            let out = super::throttling_waited_out(page).await?;
            credentials.extend(out.service_specific_credentials().iter().map(|c| {
                ServiceCredential {
                    id: c.service_specific_credential_id().to_string(),
                    service: c.service_name().to_string(),
                }
            }));
            match out.marker() {
                Some(next) if out.is_truncated() => marker = Some(next.to_string()),
                _ => return Ok(credentials),
            }
        }
    }

    async fn delete_service_specific_credential(
        &self,
        user: &str,
        credential_id: &str,
    ) -> AwsResult<()> {
        const OP: &str = "iam:DeleteServiceSpecificCredential";
        sent!(
            OP,
            self.iam
                .delete_service_specific_credential()
                .user_name(user)
                .service_specific_credential_id(credential_id)
        )?;
        Ok(())
    }

    async fn list_user_policies(&self, user: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListUserPolicies";
        every!(OP, self.iam.list_user_policies().user_name(user))
    }

    async fn put_user_policy(
        &self,
        user: &str,
        policy_name: &str,
        document: &str,
    ) -> AwsResult<()> {
        const OP: &str = "iam:PutUserPolicy";
        sent!(
            OP,
            self.iam
                .put_user_policy()
                .user_name(user)
                .policy_name(policy_name)
                .policy_document(document)
        )?;
        Ok(())
    }

    async fn delete_user_policy(&self, user: &str, policy_name: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteUserPolicy";
        sent!(
            OP,
            self.iam
                .delete_user_policy()
                .user_name(user)
                .policy_name(policy_name)
        )?;
        Ok(())
    }

    async fn list_attached_user_policies(&self, user: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListAttachedUserPolicies";
        let attached = every!(OP, self.iam.list_attached_user_policies().user_name(user))?;
        Ok(attached
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect())
    }

    async fn attach_user_policy(&self, user: &str, policy_arn: &str) -> AwsResult<()> {
        const OP: &str = "iam:AttachUserPolicy";
        sent!(
            OP,
            self.iam
                .attach_user_policy()
                .user_name(user)
                .policy_arn(policy_arn)
        )?;
        Ok(())
    }

    async fn detach_user_policy(&self, user: &str, policy_arn: &str) -> AwsResult<()> {
        const OP: &str = "iam:DetachUserPolicy";
        sent!(
            OP,
            self.iam
                .detach_user_policy()
                .user_name(user)
                .policy_arn(policy_arn)
        )?;
        Ok(())
    }

    async fn tag_user(&self, user: &str, tags: &[(String, String)]) -> AwsResult<()> {
        const OP: &str = "iam:TagUser";
        sent!(
            OP,
            self.iam
                .tag_user()
                .user_name(user)
                .set_tags(Some(tags.iter().map(|(k, v)| tag(k, v)).collect()))
        )?;
        Ok(())
    }

    async fn put_user_permissions_boundary(&self, user: &str, policy_arn: &str) -> AwsResult<()> {
        const OP: &str = "iam:PutUserPermissionsBoundary";
        sent!(
            OP,
            self.iam
                .put_user_permissions_boundary()
                .user_name(user)
                .permissions_boundary(policy_arn)
        )?;
        Ok(())
    }

    async fn delete_user_permissions_boundary(&self, user: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteUserPermissionsBoundary";
        sent!(
            OP,
            self.iam.delete_user_permissions_boundary().user_name(user)
        )?;
        Ok(())
    }

    async fn root_has_mfa(&self) -> AwsResult<bool> {
        const OP: &str = "iam:GetAccountSummary";
        let out = sent!(OP, self.iam.get_account_summary())?;
        Ok(out
            .summary_map()
            .and_then(|summary| summary.get(&SummaryKeyType::AccountMfaEnabled))
            .is_some_and(|enabled| *enabled > 0))
    }

    async fn untag_user(&self, user: &str, keys: &[&str]) -> AwsResult<()> {
        const OP: &str = "iam:UntagUser";
        sent!(
            OP,
            self.iam
                .untag_user()
                .user_name(user)
                .set_tag_keys(Some(keys.iter().map(|k| (*k).to_string()).collect()))
        )?;
        Ok(())
    }

    async fn list_mfa_devices_enabled(&self, user: &str) -> AwsResult<Vec<MfaDevice>> {
        const OP: &str = "iam:ListMFADevices";
        let devices = every!(OP, self.iam.list_mfa_devices().user_name(user))?;
        Ok(devices
            .iter()
            .map(|d| MfaDevice {
                serial: d.serial_number().to_string(),
                enabled: date(Some(d.enable_date())),
            })
            .collect())
    }

    async fn login_profile_created(&self, user: &str) -> AwsResult<Option<Option<String>>> {
        const OP: &str = "iam:GetLoginProfile";
        let result = sent!(OP, self.iam.get_login_profile().user_name(user));
        Ok(absent_if_not_found(result)?
            .map(|out| date(out.login_profile().map(|profile| profile.create_date()))))
    }

    async fn list_authorized_users(&self) -> AwsResult<Vec<AuthorizedUser>> {
        const OP: &str = "iam:GetAccountAuthorizationDetails";
        let pages: Vec<_> = pages!(
            OP,
            self.iam
                .get_account_authorization_details()
                .filter(EntityType::User)
                .max_items(1000)
        )?;
        Ok(pages
            .iter()
            .flat_map(|page| page.user_detail_list())
            .map(|user| AuthorizedUser {
                name: user.user_name().unwrap_or_default().to_string(),
                arn: user.arn().unwrap_or_default().to_string(),
                created: date(user.create_date()),
                tags: user
                    .tags()
                    .iter()
                    .map(|t| (t.key().to_string(), t.value().to_string()))
                    .collect(),
                groups: user.group_list().to_vec(),
                attached_policies: user
                    .attached_managed_policies()
                    .iter()
                    .filter_map(|p| p.policy_arn().map(str::to_string))
                    .collect(),
                inline_policies: user
                    .user_policy_list()
                    .iter()
                    .filter_map(|p| p.policy_name().map(str::to_string))
                    .collect(),
                permissions_boundary: user
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_string),
            })
            .collect())
    }

    async fn service_last_accessed(&self, arn: &str) -> AwsResult<Vec<ServiceLastAccessed>> {
        super::last_accessed::generate_and_read(&self.iam, arn).await
    }

    async fn credential_report(&self) -> AwsResult<Vec<CredentialRow>> {
        super::credential_report::generate_and_read(&self.iam).await
    }
}

/// A date as AWS writes it in JSON (RFC 3339).
fn date(value: Option<&aws_sdk_iam::primitives::DateTime>) -> Option<String> {
    value.and_then(|d| d.fmt(DateTimeFormat::DateTime).ok())
}
