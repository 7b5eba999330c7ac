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
                    permissions_boundary: u.boundary.clone(),
                    held: held_by(s, u),
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

/// What `user` holds, as GetAccountAuthorizationDetails describes it: its own policies, then
/// each group's, with the documents of inline and customer managed policies.
fn held_by(s: &State, user: &MemoryUser) -> Vec<HeldPolicy> {
    let managed = |group: Option<&String>, arn: &String| HeldPolicy {
        group: group.cloned(),
        policy: arn.clone(),
        inline: false,
        document: s.policies.get(arn).and_then(|policy| {
            let (_, document, _) = policy.versions.iter().find(|(_, _, default)| *default)?;
            Some(document.clone())
        }),
    };
    let inline =
        |group: Option<&String>, name: &String, document: Option<&serde_json::Value>| HeldPolicy {
            group: group.cloned(),
            policy: name.clone(),
            inline: true,
            document: document.cloned(),
        };
    let own = user
        .attached_policies
        .iter()
        .map(|arn| managed(None, arn))
        .chain(
            user.inline_policies
                .iter()
                .map(|(name, policy)| inline(None, name, policy.document.as_ref())),
        );
    let through_groups = user.groups.iter().flat_map(|group| {
        let attached = s.groups.get(group).into_iter().flatten();
        let policies = s.group_inline.get(group).into_iter().flatten();
        attached
            .map(|arn| managed(Some(group), arn))
            .chain(policies.map(|(name, document)| inline(Some(group), name, Some(document))))
            .collect::<Vec<_>>()
    });
    own.chain(through_groups).collect()
}
