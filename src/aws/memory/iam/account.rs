//! The in-memory IAM's answers about the account and the caller: identity, password policy
//! and the account-wide reads.

use super::*;

impl IamAccount for MemoryIam {
    async fn get_caller_identity(&self) -> AwsResult<CallerIdentity> {
        self.wait().await;
        self.read(|s| {
            Ok(s.caller.clone().unwrap_or_else(|| CallerIdentity {
                account: ACCOUNT.to_string(),
                arn: format!("arn:aws:iam::{ACCOUNT}:user/admin"),
                user_id: "AIDAADMIN".to_string(),
            }))
        })
    }

    async fn get_account_password_policy(&self) -> AwsResult<Option<PasswordRules>> {
        self.wait().await;
        self.read(|s| Ok(s.password_rules.clone()))
    }

    async fn root_has_mfa(&self) -> AwsResult<bool> {
        self.wait().await;
        self.read_op("iam:GetAccountSummary", |s| Ok(s.root_mfa))
    }

    async fn list_authorized_users(&self) -> AwsResult<Vec<AuthorizedUser>> {
        self.wait().await;
        self.read_op("iam:GetAccountAuthorizationDetails", |s| {
            Ok(s.users
                .iter()
                .map(|(name, u)| AuthorizedUser {
                    name: name.clone(),
                    arn: u.arn.clone(),
                    created: Some(MEMORY_CREATED.to_string()),
                    tags: u.tags.clone(),
                    groups: u.groups.iter().cloned().collect(),
                    attached_policies: u.attached_policies.iter().cloned().collect(),
                    inline_policies: u.inline_policies.iter().cloned().collect(),
                    permissions_boundary: u.boundary.clone(),
                    group_policies: u
                        .groups
                        .iter()
                        .map(|group| {
                            let attached = s.groups.get(group).cloned().unwrap_or_default();
                            (group.clone(), attached)
                        })
                        .collect(),
                })
                .collect())
        })
    }

    async fn service_last_accessed(&self, arn: &str) -> AwsResult<Vec<ServiceLastAccessed>> {
        self.wait().await;
        const OP: &str = "iam:GenerateServiceLastAccessedDetails";
        self.read_op(OP, |s| {
            let known = s
                .groups
                .keys()
                .chain(s.roles.keys())
                .any(|name| arn.rsplit('/').next() == Some(name.as_str()));
            if !known {
                return Err(not_found(OP, arn));
            }
            Ok(s.last_accessed.get(arn).cloned().unwrap_or_default())
        })
    }

    async fn credential_report(&self) -> AwsResult<Vec<CredentialRow>> {
        self.wait().await;
        self.read_op("iam:GetCredentialReport", |s| {
            Ok(s.users
                .iter()
                .map(|(name, u)| CredentialRow {
                    user: name.clone(),
                    created: Some(MEMORY_CREATED.to_string()),
                    password_enabled: u.login_profile.is_some(),
                    password_last_used: None,
                    mfa_active: !u.mfa_devices.is_empty(),
                    access_keys_active: u.access_keys.iter().map(|k| k.active).collect(),
                    access_keys_last_used: u.access_keys.iter().map(|_| None).collect(),
                    access_keys_last_rotated: u
                        .access_keys
                        .iter()
                        .map(|k| k.created.clone())
                        .collect(),
                })
                .collect())
        })
    }
}
