//! The `Iam` boundary implemented with the AWS SDK for Rust: one SDK call per trait method,
//! each error converted by `convert`. The client and `IamAccount` are here; the other three
//! traits each have a file below.

use super::calls_log::RetryLog;
use super::convert::{absent_if_not_found, parse_policy_document};
use crate::aws::{
    AccessKey, AuthorizedUser, AwsError, AwsErrorKind, AwsResult, CallerIdentity, CredentialRow,
    GroupRef, HeldPolicy, IamAccess, IamAccount, IamCredentials, IamUsers, MfaDevice, NewRole,
    NewUser, PasswordRules, PolicyVersion, RoleInfo, ServiceCredential, ServiceLastAccessed,
    UserInfo, VirtualMfaDevice,
};
use crate::secret::Secret;
use aws_config::SdkConfig;
use aws_sdk_iam::primitives::DateTimeFormat;
use aws_sdk_iam::types::{AssignmentStatusType, EntityType, StatusType, SummaryKeyType, Tag};
use std::collections::BTreeMap;

mod access;
mod credentials;
mod users;

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

impl IamAccount for SdkIam {
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

    async fn root_has_mfa(&self) -> AwsResult<bool> {
        const OP: &str = "iam:GetAccountSummary";
        let out = sent!(OP, self.iam.get_account_summary())?;
        Ok(out
            .summary_map()
            .and_then(|summary| summary.get(&SummaryKeyType::AccountMfaEnabled))
            .is_some_and(|enabled| *enabled > 0))
    }

    async fn list_authorized_users(&self) -> AwsResult<Vec<AuthorizedUser>> {
        const OP: &str = "iam:GetAccountAuthorizationDetails";
        let pages: Vec<_> = pages!(
            OP,
            self.iam
                .get_account_authorization_details()
                .filter(EntityType::User)
                .filter(EntityType::Group)
                .filter(EntityType::LocalManagedPolicy)
                .max_items(1000)
        )?;
        let document = |text: Option<&str>| text.and_then(|t| parse_policy_document(OP, t).ok());
        let customer_documents: BTreeMap<&str, serde_json::Value> = pages
            .iter()
            .flat_map(|page| page.policies())
            .filter_map(|policy| {
                let default = policy
                    .policy_version_list()
                    .iter()
                    .find(|version| version.is_default_version())?;
                Some((policy.arn()?, document(default.document())?))
            })
            .collect();
        let held = |group: Option<&str>,
                    attached: &[aws_sdk_iam::types::AttachedPolicy],
                    inline: &[aws_sdk_iam::types::PolicyDetail]| {
            let group = group.map(str::to_string);
            let managed = attached
                .iter()
                .filter_map(|p| p.policy_arn())
                .map(|arn| HeldPolicy {
                    group: group.clone(),
                    policy: arn.to_string(),
                    inline: false,
                    document: customer_documents.get(arn).cloned(),
                });
            let inline = inline.iter().map(|p| HeldPolicy {
                group: group.clone(),
                policy: p.policy_name().unwrap_or_default().to_string(),
                inline: true,
                document: document(p.policy_document()),
            });
            managed.chain(inline).collect::<Vec<_>>()
        };
        let group_held: BTreeMap<&str, Vec<HeldPolicy>> = pages
            .iter()
            .flat_map(|page| page.group_detail_list())
            .filter_map(|group| {
                let name = group.group_name()?;
                let policies = held(
                    Some(name),
                    group.attached_managed_policies(),
                    group.group_policy_list(),
                );
                Some((name, policies))
            })
            .collect();
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
                permissions_boundary: user
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_string),
                held: held(
                    None,
                    user.attached_managed_policies(),
                    user.user_policy_list(),
                )
                .into_iter()
                .chain(
                    user.group_list()
                        .iter()
                        .flat_map(|group| group_held.get(group.as_str()).cloned())
                        .flatten(),
                )
                .collect(),
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
