//! The IAM and STS boundary: every call the tool makes (`Iam`, one method per API operation)
//! and the plain data they take and give.

use super::AwsResult;
use crate::secret::Secret;
use std::future::Future;

/// Who is calling: from STS GetCallerIdentity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallerIdentity {
    pub(crate) account: String,
    pub(crate) arn: String,
    /// The principal's unique id (`AIDA…` for an IAM user, `AROA…:session` for a role
    /// session): the same whatever form its ARN takes.
    pub(crate) user_id: String,
}

impl CallerIdentity {
    /// The ARN partition (`aws`, `aws-cn`, `aws-us-gov`) of the caller's account.
    pub(crate) fn partition(&self) -> &str {
        partition_of(&self.arn)
    }

    /// The console's sign-in domain in the caller's partition.
    pub(crate) fn sign_in_domain(&self) -> &'static str {
        match self.partition() {
            "aws-cn" => "signin.amazonaws.cn",
            "aws-us-gov" => "signin.amazonaws-us-gov.com",
            _ => "signin.aws.amazon.com",
        }
    }
}

/// The value of the tag `key` in `tags`, as IAM lists them (keys are unique).
pub(crate) fn tag_value<'a>(tags: &'a [(String, String)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The partition (`aws`, `aws-cn`, `aws-us-gov`) an ARN is in; `aws` for a string that names
/// none.
pub(crate) fn partition_of(arn: &str) -> &str {
    arn.split(':').nth(1).unwrap_or("aws")
}

/// The path and name of the AWS managed policy an ARN names, in whatever partition
/// (`arn:aws-cn:iam::aws:policy/job-function/Billing` gives `job-function/Billing`), or `None`
/// for any other ARN, such as a customer managed policy's.
pub(crate) fn aws_managed_policy_name(arn: &str) -> Option<&str> {
    let (_partition, rest) = arn.strip_prefix("arn:")?.split_once(':')?;
    rest.strip_prefix("iam::aws:policy/")
}

/// A user as GetUser reports it, tags included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserInfo {
    pub(crate) name: String,
    pub(crate) arn: String,
    /// The user's unique id (`AIDA…`), as GetCallerIdentity reports it for the user's keys.
    pub(crate) user_id: String,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) permissions_boundary: Option<String>,
    /// When the user was created (RFC 3339).
    pub(crate) created: Option<String>,
    /// When the console password was last used (RFC 3339), if ever.
    pub(crate) password_last_used: Option<String>,
}

impl UserInfo {
    pub(crate) fn tag(&self, key: &str) -> Option<&str> {
        tag_value(&self.tags, key)
    }
}

/// What CreateUser needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewUser {
    pub(crate) name: String,
    pub(crate) path: String,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) permissions_boundary: String,
}

/// A role as GetRole reports it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RoleInfo {
    pub(crate) name: String,
    pub(crate) arn: String,
    /// The role's unique id (`AROA…`): a session's `aws:userid` is `<this>:<session name>`.
    pub(crate) role_id: String,
    /// The trust policy (`AssumeRolePolicyDocument`), parsed.
    pub(crate) trust: serde_json::Value,
    pub(crate) max_session_secs: u64,
    pub(crate) permissions_boundary: Option<String>,
}

/// What CreateRole needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewRole {
    pub(crate) name: String,
    pub(crate) path: String,
    pub(crate) trust: String,
    pub(crate) description: String,
    pub(crate) max_session_secs: u64,
    pub(crate) permissions_boundary: String,
    pub(crate) tags: Vec<(String, String)>,
}

/// One version of a managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyVersion {
    pub(crate) version_id: String,
    pub(crate) is_default: bool,
}

/// A virtual MFA device just created: its serial number (an ARN) and its seed.
#[derive(Debug, Clone)]
pub(crate) struct VirtualMfaDevice {
    pub(crate) serial: String,
    pub(crate) base32_seed: Secret,
}

/// A group a user belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GroupRef {
    pub(crate) name: String,
    pub(crate) arn: String,
}

/// An access key of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccessKey {
    pub(crate) id: String,
    pub(crate) active: bool,
    /// When it was created (RFC 3339).
    pub(crate) created: Option<String>,
}

/// An MFA device assigned to a user.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct MfaDevice {
    pub(crate) serial: String,
    /// When it was enabled (RFC 3339).
    pub(crate) enabled: Option<String>,
}

/// A user as GetAccountAuthorizationDetails describes it: everything attached, in one call a
/// page for the whole account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthorizedUser {
    pub(crate) name: String,
    pub(crate) arn: String,
    pub(crate) created: Option<String>,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) groups: Vec<String>,
    pub(crate) permissions_boundary: Option<String>,
    /// Every policy the user holds, on the user itself and through each of its groups.
    pub(crate) held: Vec<HeldPolicy>,
}

/// A policy a user holds, as GetAccountAuthorizationDetails describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeldPolicy {
    /// The group it comes through; `None` when it is on the user itself.
    pub(crate) group: Option<String>,
    /// A managed policy's ARN, or an inline policy's name.
    pub(crate) policy: String,
    pub(crate) inline: bool,
    /// An inline policy's document, or a customer managed policy's default version; `None`
    /// for AWS's managed policies, which the details name by ARN only.
    pub(crate) document: Option<serde_json::Value>,
}

impl AuthorizedUser {
    pub(crate) fn tag(&self, key: &str) -> Option<&str> {
        tag_value(&self.tags, key)
    }

    /// ARNs of the managed policies attached to the user itself (not through a group).
    pub(crate) fn attached_policies(&self) -> Vec<String> {
        self.own_policies(false)
    }

    /// Names of the user's own inline policies (not its groups').
    pub(crate) fn inline_policies(&self) -> Vec<String> {
        self.own_policies(true)
    }

    fn own_policies(&self, inline: bool) -> Vec<String> {
        self.held
            .iter()
            .filter(|held| held.group.is_none() && held.inline == inline)
            .map(|held| held.policy.clone())
            .collect()
    }
}

/// One service of IAM's last-accessed report (action level) for a group or role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServiceLastAccessed {
    /// The service prefix, as actions write it (`s3`, `ec2`).
    pub(crate) namespace: String,
    /// When a member or session last used the service (RFC 3339); `None`: not in the
    /// tracking period.
    pub(crate) last_authenticated: Option<String>,
    /// The service's tracked actions (a few services report actions): the action's name and
    /// when it was last used.
    pub(crate) tracked_actions: Vec<(String, Option<String>)>,
}

/// One user's row of the credential report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CredentialRow {
    pub(crate) user: String,
    /// When the user was created.
    pub(crate) created: Option<String>,
    pub(crate) password_enabled: bool,
    pub(crate) password_last_used: Option<String>,
    pub(crate) mfa_active: bool,
    /// Whether each of the (at most two) access keys is active.
    pub(crate) access_keys_active: Vec<bool>,
    /// When each access key was last used (RFC 3339), if ever.
    pub(crate) access_keys_last_used: Vec<Option<String>>,
    /// When each access key was created or last rotated.
    pub(crate) access_keys_last_rotated: Vec<Option<String>>,
}

/// A service-specific credential (CodeCommit, Keyspaces, Bedrock...) of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServiceCredential {
    pub(crate) id: String,
    pub(crate) service: String,
}

/// The account's password policy, as far as generating a password goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PasswordRules {
    pub(crate) minimum_length: usize,
    pub(crate) require_uppercase: bool,
    pub(crate) require_lowercase: bool,
    pub(crate) require_numbers: bool,
    pub(crate) require_symbols: bool,
    /// Days before a password expires; `None`: never.
    pub(crate) max_age_days: Option<u32>,
    /// How many earlier passwords may not be reused; `None`: any may.
    pub(crate) reuse_prevention: Option<u32>,
}

impl Default for PasswordRules {
    /// For accounts without a policy: long, and every character class.
    fn default() -> Self {
        PasswordRules {
            minimum_length: 20,
            require_uppercase: true,
            require_lowercase: true,
            require_numbers: true,
            require_symbols: true,
            max_age_days: None,
            reuse_prevention: None,
        }
    }
}

/// Every IAM and STS call the tool makes, as four traits by what the call touches. One method per
/// API operation; `Option` results mean NoSuchEntity was an expected answer. Everything above the
/// boundary asks for `Iam`, which every implementation of the four is.
pub(crate) trait Iam: IamAccount + IamAccess + IamUsers + IamCredentials {}

impl<T: IamAccount + IamAccess + IamUsers + IamCredentials> Iam for T {}

/// The account and the caller: who is calling, the password policy, and the account-wide reads
/// (authorization details, credential report, last-accessed data, root MFA).
pub(crate) trait IamAccount: Sync {
    fn get_caller_identity(&self) -> impl Future<Output = AwsResult<CallerIdentity>> + Send;
    fn get_account_password_policy(
        &self,
    ) -> impl Future<Output = AwsResult<Option<PasswordRules>>> + Send;
    /// Every user of the account with what is attached (GetAccountAuthorizationDetails,
    /// Filter=User, all pages).
    fn list_authorized_users(&self) -> impl Future<Output = AwsResult<Vec<AuthorizedUser>>> + Send;
    /// The credential report, generated when needed (GenerateCredentialReport until COMPLETE,
    /// then GetCredentialReport).
    fn credential_report(&self) -> impl Future<Output = AwsResult<Vec<CredentialRow>>> + Send;
    /// IAM's last-accessed data for a group or role, at action level
    /// (GenerateServiceLastAccessedDetails, polled until done with GetServiceLastAccessedDetails,
    /// every page).
    fn service_last_accessed(
        &self,
        arn: &str,
    ) -> impl Future<Output = AwsResult<Vec<ServiceLastAccessed>>> + Send;
    /// Whether the root user has MFA (GetAccountSummary, AccountMFAEnabled).
    fn root_has_mfa(&self) -> impl Future<Output = AwsResult<bool>> + Send;
}

/// What grants access: customer and AWS managed policies, groups and roles, with their policies.
pub(crate) trait IamAccess: Sync {
    /// The customer-managed policies under `path`, all pages: (ARN, default version id) each.
    fn list_local_policies(
        &self,
        path: &str,
    ) -> impl Future<Output = AwsResult<Vec<(String, String)>>> + Send;
    /// Whether a managed policy exists (GetPolicy): an AWS managed one a template names.
    fn policy_exists(&self, arn: &str) -> impl Future<Output = AwsResult<bool>> + Send;
    fn get_policy_version_document(
        &self,
        arn: &str,
        version_id: &str,
    ) -> impl Future<Output = AwsResult<serde_json::Value>> + Send;
    fn list_policy_versions(
        &self,
        arn: &str,
    ) -> impl Future<Output = AwsResult<Vec<PolicyVersion>>> + Send;
    fn create_policy(
        &self,
        name: &str,
        path: &str,
        document: &str,
        description: &str,
        tags: &[(String, String)],
    ) -> impl Future<Output = AwsResult<String>> + Send;
    fn create_policy_version(
        &self,
        arn: &str,
        document: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_policy_version(
        &self,
        arn: &str,
        version_id: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn get_group(&self, name: &str) -> impl Future<Output = AwsResult<Option<String>>> + Send;
    fn create_group(
        &self,
        name: &str,
        path: &str,
    ) -> impl Future<Output = AwsResult<String>> + Send;
    fn list_attached_group_policies(
        &self,
        group: &str,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    fn attach_group_policy(
        &self,
        group: &str,
        policy_arn: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    /// The group's inline policy `name`; `None` when the group has none of that name.
    fn get_group_policy(
        &self,
        group: &str,
        name: &str,
    ) -> impl Future<Output = AwsResult<Option<serde_json::Value>>> + Send;
    /// Creates or replaces an inline policy of the group.
    fn put_group_policy(
        &self,
        group: &str,
        name: &str,
        document: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn detach_group_policy(
        &self,
        group: &str,
        policy_arn: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_group_policy(
        &self,
        group: &str,
        name: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn get_role(&self, name: &str) -> impl Future<Output = AwsResult<Option<RoleInfo>>> + Send;
    /// Returns the new role's ARN.
    fn create_role(&self, role: &NewRole) -> impl Future<Output = AwsResult<String>> + Send;
    fn update_assume_role_policy(
        &self,
        role: &str,
        document: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    /// UpdateRole with a new `MaxSessionDuration`.
    fn update_role_max_session(
        &self,
        role: &str,
        seconds: u64,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn put_role_permissions_boundary(
        &self,
        role: &str,
        policy_arn: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn list_attached_role_policies(
        &self,
        role: &str,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    fn attach_role_policy(
        &self,
        role: &str,
        policy_arn: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn detach_role_policy(
        &self,
        role: &str,
        policy_arn: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn list_role_policies(&self, role: &str)
    -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    /// The role's inline policy `name`; `None` when the role has none of that name.
    fn get_role_policy(
        &self,
        role: &str,
        name: &str,
    ) -> impl Future<Output = AwsResult<Option<serde_json::Value>>> + Send;
    /// Creates or replaces an inline policy of the role.
    fn put_role_policy(
        &self,
        role: &str,
        name: &str,
        document: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_role_policy(
        &self,
        role: &str,
        name: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
}

/// The users themselves: their lifecycle, group memberships, own policies, tags and boundary.
pub(crate) trait IamUsers: Sync {
    /// Every IAM user's name, all pages.
    fn list_users(&self) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    fn get_user(&self, name: &str) -> impl Future<Output = AwsResult<Option<UserInfo>>> + Send;
    fn create_user(&self, user: &NewUser) -> impl Future<Output = AwsResult<String>> + Send;
    fn delete_user(&self, name: &str) -> impl Future<Output = AwsResult<()>> + Send;
    fn list_groups_for_user(
        &self,
        user: &str,
    ) -> impl Future<Output = AwsResult<Vec<GroupRef>>> + Send;
    fn add_user_to_group(
        &self,
        group: &str,
        user: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn remove_user_from_group(
        &self,
        group: &str,
        user: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn list_user_policies(&self, user: &str)
    -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    /// Creates or replaces an inline policy of the user.
    fn put_user_policy(
        &self,
        user: &str,
        policy_name: &str,
        document: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_user_policy(
        &self,
        user: &str,
        policy_name: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn list_attached_user_policies(
        &self,
        user: &str,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    fn attach_user_policy(
        &self,
        user: &str,
        policy_arn: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn detach_user_policy(
        &self,
        user: &str,
        policy_arn: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn tag_user(
        &self,
        user: &str,
        tags: &[(String, String)],
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn put_user_permissions_boundary(
        &self,
        user: &str,
        policy_arn: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_user_permissions_boundary(
        &self,
        user: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn untag_user(&self, user: &str, keys: &[&str]) -> impl Future<Output = AwsResult<()>> + Send;
}

/// How a user signs in and calls: login profile, MFA devices, access keys, signing
/// certificates, SSH keys and service-specific credentials.
pub(crate) trait IamCredentials: Sync {
    fn has_login_profile(&self, user: &str) -> impl Future<Output = AwsResult<bool>> + Send;
    fn create_login_profile(
        &self,
        user: &str,
        password: &Secret,
        password_reset_required: bool,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    /// A new password for an existing login profile.
    fn update_login_profile(
        &self,
        user: &str,
        password: &Secret,
        password_reset_required: bool,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_login_profile(&self, user: &str) -> impl Future<Output = AwsResult<()>> + Send;
    fn list_mfa_devices(&self, user: &str) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    /// The user's MFA devices with when each was enabled.
    fn list_mfa_devices_enabled(
        &self,
        user: &str,
    ) -> impl Future<Output = AwsResult<Vec<MfaDevice>>> + Send;
    /// When the login profile was created; `None` when there is none.
    fn login_profile_created(
        &self,
        user: &str,
    ) -> impl Future<Output = AwsResult<Option<Option<String>>>> + Send;
    fn list_unassigned_virtual_mfa_devices(
        &self,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    fn create_virtual_mfa_device(
        &self,
        name: &str,
        path: &str,
    ) -> impl Future<Output = AwsResult<VirtualMfaDevice>> + Send;
    fn enable_mfa_device(
        &self,
        user: &str,
        serial: &str,
        code1: &str,
        code2: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn deactivate_mfa_device(
        &self,
        user: &str,
        serial: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_virtual_mfa_device(&self, serial: &str)
    -> impl Future<Output = AwsResult<()>> + Send;
    fn list_access_keys(
        &self,
        user: &str,
    ) -> impl Future<Output = AwsResult<Vec<AccessKey>>> + Send;
    /// When the key was last used (RFC 3339), if ever.
    fn get_access_key_last_used(
        &self,
        key_id: &str,
    ) -> impl Future<Output = AwsResult<Option<String>>> + Send;
    /// Makes an access key for the user: its id and secret.
    fn create_access_key(
        &self,
        user: &str,
    ) -> impl Future<Output = AwsResult<(String, crate::secret::Secret)>> + Send;
    fn update_access_key_status(
        &self,
        user: &str,
        key_id: &str,
        active: bool,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_access_key(
        &self,
        user: &str,
        key_id: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn list_signing_certificates(
        &self,
        user: &str,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    fn delete_signing_certificate(
        &self,
        user: &str,
        certificate_id: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn list_ssh_public_keys(
        &self,
        user: &str,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    fn delete_ssh_public_key(
        &self,
        user: &str,
        key_id: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn list_service_specific_credentials(
        &self,
        user: &str,
    ) -> impl Future<Output = AwsResult<Vec<ServiceCredential>>> + Send;
    fn delete_service_specific_credential(
        &self,
        user: &str,
        credential_id: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
}

#[cfg(test)]
mod tests {
    use super::{aws_managed_policy_name, partition_of};

    #[test]
    fn an_arns_partition_is_its_second_field_and_aws_when_there_is_none() {
        assert_eq!(
            partition_of("arn:aws-cn:iam::123456789012:user/ann"),
            "aws-cn"
        );
        assert_eq!(
            partition_of("arn:aws-us-gov:sso:::instance/ssoins-1"),
            "aws-us-gov"
        );
        assert_eq!(partition_of("not-an-arn"), "aws");
    }

    #[test]
    fn an_aws_managed_policy_is_named_in_every_partition_and_path() {
        let named = aws_managed_policy_name;
        assert_eq!(
            named("arn:aws:iam::aws:policy/AWSDenyAll"),
            Some("AWSDenyAll")
        );
        assert_eq!(
            named("arn:aws-cn:iam::aws:policy/job-function/Billing"),
            Some("job-function/Billing")
        );
        assert_eq!(
            named("arn:aws-us-gov:iam::aws:policy/IAMFullAccess"),
            Some("IAMFullAccess")
        );
        assert_eq!(
            named("arn:aws:iam::123456789012:policy/iam-onboard/AWSDenyAll"),
            None,
            "a customer managed policy of the same name is not AWS's"
        );
        assert_eq!(named("arn:aws:iam::aws:role/AWSDenyAll"), None);
        assert_eq!(named("iam::aws:policy/AWSDenyAll"), None, "not an ARN");
    }
}
