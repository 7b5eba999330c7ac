//! The boundary between the tool and AWS: the `Iam` trait lists every call the tool makes,
//! one method per API operation, with plain-data arguments and results. Everything above it
//! (plans, undo, offboarding order) is pure logic over this trait; `sdk` implements it with
//! the AWS SDK, and the unit tests implement it with an in-memory model of IAM's rules.
//!
//! Errors from AWS are converted here, once, into `AwsError`: the operation, AWS's error code
//! and message, and the kind the tool acts on.

pub(crate) mod config;
mod convert;
#[cfg(test)]
mod latency;
#[cfg(test)]
pub(crate) mod memory;
#[cfg(test)]
pub(crate) mod memory_org;
#[cfg(test)]
pub(crate) mod memory_sso;
pub(crate) mod sdk;
pub(crate) mod sdk_org;
pub(crate) mod sdk_sso;
pub(crate) mod settling;

use crate::secret::Secret;
use std::fmt;
use std::future::Future;

/// What the tool needs to know about an AWS error to decide what to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AwsErrorKind {
    /// NoSuchEntity: for an undo or a delete, already done.
    NotFound,
    /// EntityAlreadyExists.
    AlreadyExists,
    /// DeleteConflict: something is still attached.
    DeleteConflict,
    /// AccessDenied and friends.
    AccessDenied,
    /// No credentials, or expired or invalid ones.
    Credentials,
    /// LimitExceeded: a quota; retrying will not help.
    LimitExceeded,
    /// ConcurrentModification: another change is in flight; the SDK does not retry it.
    ConcurrentModification,
    /// EntityTemporarilyUnmodifiable: AWS is still settling a recent change to the entity
    /// (DeleteLoginProfile right after CreateLoginProfile); it passes within minutes.
    TemporarilyUnmodifiable,
    /// Throttling left after the SDK's retries.
    Throttled,
    /// ConflictException: Identity Center is busy with another change to the same account.
    Conflict,
    /// The request may or may not have reached AWS (timeout, dropped connection, a 5xx after
    /// the request was sent): a create may have happened.
    Uncertain,
    /// The request was refused as invalid (bad parameter, malformed policy, password policy).
    Invalid,
    /// Anything else.
    Other,
}

/// An AWS call that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AwsError {
    pub(crate) operation: &'static str,
    pub(crate) kind: AwsErrorKind,
    pub(crate) code: String,
    pub(crate) message: String,
}

impl AwsError {
    pub(crate) fn new(
        operation: &'static str,
        kind: AwsErrorKind,
        code: &str,
        message: &str,
    ) -> Self {
        AwsError {
            operation,
            kind,
            code: code.to_string(),
            message: message.to_string(),
        }
    }

    pub(crate) fn is(&self, kind: AwsErrorKind) -> bool {
        self.kind == kind
    }

    /// Credentials missing or permission denied: exit code 3 when nothing has changed yet.
    pub(crate) fn is_denied(&self) -> bool {
        matches!(
            self.kind,
            AwsErrorKind::AccessDenied | AwsErrorKind::Credentials
        )
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {}", self.operation, self.code)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        match self.kind {
            AwsErrorKind::LimitExceeded => write!(f, " (an account quota; raise it or free some)"),
            AwsErrorKind::ConcurrentModification => {
                write!(
                    f,
                    " (another change to this entity was in flight; run again)"
                )
            }
            AwsErrorKind::Credentials => write!(
                f,
                " (check AWS_PROFILE, `aws sso login`, or the AWS_* environment variables)"
            ),
            _ => Ok(()),
        }
    }
}

impl std::error::Error for AwsError {}

pub(crate) type AwsResult<T> = Result<T, AwsError>;

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
        self.arn.split(':').nth(1).unwrap_or("aws")
    }
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
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
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
    /// ARNs of the managed policies attached to the user itself.
    pub(crate) attached_policies: Vec<String>,
    pub(crate) inline_policies: Vec<String>,
    pub(crate) permissions_boundary: Option<String>,
}

impl AuthorizedUser {
    pub(crate) fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
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

/// Every IAM and STS call the tool makes. One method per API operation; `Option` results mean
/// NoSuchEntity was an expected answer.
pub(crate) trait Iam: Sync {
    fn get_caller_identity(&self) -> impl Future<Output = AwsResult<CallerIdentity>> + Send;
    fn get_account_password_policy(
        &self,
    ) -> impl Future<Output = AwsResult<Option<PasswordRules>>> + Send;

    /// The customer-managed policies under `path`, all pages: (ARN, default version id) each.
    fn list_local_policies(
        &self,
        path: &str,
    ) -> impl Future<Output = AwsResult<Vec<(String, String)>>> + Send;
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
    /// Every user of the account with what is attached (GetAccountAuthorizationDetails,
    /// Filter=User, all pages).
    fn list_authorized_users(&self) -> impl Future<Output = AwsResult<Vec<AuthorizedUser>>> + Send;
    /// The credential report, generated when needed (GenerateCredentialReport until COMPLETE,
    /// then GetCredentialReport).
    fn credential_report(&self) -> impl Future<Output = AwsResult<Vec<CredentialRow>>> + Send;
    /// Whether the root user has MFA (GetAccountSummary, AccountMFAEnabled).
    fn root_has_mfa(&self) -> impl Future<Output = AwsResult<bool>> + Send;
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

/// An IAM Identity Center instance and its identity store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoInstance {
    pub(crate) arn: String,
    pub(crate) identity_store_id: String,
}

/// A person to create in the identity store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NewPerson {
    pub(crate) user_name: String,
    pub(crate) display_name: String,
    pub(crate) given_name: String,
    pub(crate) family_name: String,
    pub(crate) email: String,
}

/// A person's membership of an identity-store group.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct GroupMembership {
    pub(crate) membership_id: String,
    pub(crate) group_id: String,
}

/// What a permission set is made of, besides its policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PermissionSetSpec {
    pub(crate) name: String,
    pub(crate) description: String,
    /// ISO 8601, such as `PT8H`.
    pub(crate) session_duration: String,
}

/// Who an assignment is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Principal {
    User,
    Group,
}

/// Who an assignment is for: a user or a group of the identity store, by id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Grantee {
    pub(crate) kind: Principal,
    pub(crate) id: String,
}

impl Grantee {
    pub(crate) fn user(id: &str) -> Self {
        Grantee {
            kind: Principal::User,
            id: id.to_string(),
        }
    }

    pub(crate) fn group(id: &str) -> Self {
        Grantee {
            kind: Principal::Group,
            id: id.to_string(),
        }
    }
}

/// One account assignment of a permission set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Assignment {
    pub(crate) account: String,
    pub(crate) permission_set_arn: String,
}

/// Where an asynchronous Identity Center operation stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum OperationState {
    InProgress,
    Succeeded,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OperationStatus {
    pub(crate) request_id: String,
    pub(crate) state: OperationState,
}

/// Every IAM Identity Center (SSO Admin) and Identity Store call the tool makes.
pub(crate) trait Sso: Sync {
    /// The region the calls go to: Identity Center's home region, for messages.
    fn region(&self) -> String;
    fn list_instances(&self) -> impl Future<Output = AwsResult<Vec<SsoInstance>>> + Send;
    /// GetUserId by `userName`; `None` when there is no such person.
    fn find_user_id(
        &self,
        identity_store_id: &str,
        user_name: &str,
    ) -> impl Future<Output = AwsResult<Option<String>>> + Send;
    fn create_user(
        &self,
        identity_store_id: &str,
        person: &NewPerson,
    ) -> impl Future<Output = AwsResult<String>> + Send;
    fn delete_user(
        &self,
        identity_store_id: &str,
        user_id: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    /// The person's group memberships, all pages.
    fn list_group_memberships_for_member(
        &self,
        identity_store_id: &str,
        user_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<GroupMembership>>> + Send;
    /// A group's display name.
    fn describe_group(
        &self,
        identity_store_id: &str,
        group_id: &str,
    ) -> impl Future<Output = AwsResult<String>> + Send;
    /// A group by display name: its id and description; `None` when there is none.
    fn find_group(
        &self,
        identity_store_id: &str,
        display_name: &str,
    ) -> impl Future<Output = AwsResult<Option<(String, String)>>> + Send;
    /// Creates a group; its id.
    fn create_group(
        &self,
        identity_store_id: &str,
        display_name: &str,
        description: &str,
    ) -> impl Future<Output = AwsResult<String>> + Send;
    /// Makes the person a member of the group; ConflictException when they are already.
    fn create_group_membership(
        &self,
        identity_store_id: &str,
        group_id: &str,
        user_id: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_group_membership(
        &self,
        identity_store_id: &str,
        membership_id: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;

    fn list_permission_sets(
        &self,
        instance_arn: &str,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    fn describe_permission_set(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> impl Future<Output = AwsResult<PermissionSetSpec>> + Send;
    fn create_permission_set(
        &self,
        instance_arn: &str,
        spec: &PermissionSetSpec,
        tags: &[(String, String)],
    ) -> impl Future<Output = AwsResult<String>> + Send;
    fn update_permission_set(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
        spec: &PermissionSetSpec,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    /// The inline policy, `None` when there is none.
    fn get_inline_policy(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> impl Future<Output = AwsResult<Option<serde_json::Value>>> + Send;
    fn put_inline_policy(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
        document: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    /// The customer-managed policy (name, path) set as the boundary; `None` when there is none.
    fn get_permissions_boundary(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> impl Future<Output = AwsResult<Option<(String, String)>>> + Send;
    /// Sets a customer-managed policy (by name and path, in each account) as the boundary.
    fn put_permissions_boundary(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
        policy_name: &str,
        policy_path: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    /// Re-provisions to every account the permission set is provisioned to.
    fn provision_permission_set(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> impl Future<Output = AwsResult<OperationStatus>> + Send;
    fn describe_provisioning_status(
        &self,
        instance_arn: &str,
        request_id: &str,
    ) -> impl Future<Output = AwsResult<OperationStatus>> + Send;

    /// Every assignment of one user, across accounts and permission sets.
    fn list_assignments_for_user(
        &self,
        instance_arn: &str,
        user_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<Assignment>>> + Send;
    /// The accounts a permission set is provisioned to.
    fn list_accounts_for_permission_set(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    /// Every assignment of a permission set in an account: (principal, principal id).
    fn list_account_assignments(
        &self,
        instance_arn: &str,
        account: &str,
        permission_set_arn: &str,
    ) -> impl Future<Output = AwsResult<Vec<(Principal, String)>>> + Send;
    /// Every user of the identity store: (user id, user name).
    fn list_identity_users(
        &self,
        identity_store_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<(String, String)>>> + Send;
    /// Every group id of the identity store.
    fn list_identity_groups(
        &self,
        identity_store_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    /// Every assignment of one identity-store group, across accounts and permission sets.
    fn list_assignments_for_group(
        &self,
        instance_arn: &str,
        group_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<Assignment>>> + Send;
    fn create_account_assignment(
        &self,
        instance_arn: &str,
        assignment: &Assignment,
        grantee: &Grantee,
    ) -> impl Future<Output = AwsResult<OperationStatus>> + Send;
    fn describe_assignment_creation(
        &self,
        instance_arn: &str,
        request_id: &str,
    ) -> impl Future<Output = AwsResult<OperationStatus>> + Send;
    fn delete_account_assignment(
        &self,
        instance_arn: &str,
        assignment: &Assignment,
        grantee: &Grantee,
    ) -> impl Future<Output = AwsResult<OperationStatus>> + Send;
    fn describe_assignment_deletion(
        &self,
        instance_arn: &str,
        request_id: &str,
    ) -> impl Future<Output = AwsResult<OperationStatus>> + Send;
}

/// Every AWS Organizations call the tool makes: what account sets given by OU or tag hold.
pub(crate) trait Org: Sync {
    /// The ACTIVE accounts directly in an OU (or the root), all pages.
    fn list_active_accounts_in(
        &self,
        parent_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    /// The OUs directly below an OU (or the root), all pages.
    fn list_child_ous(
        &self,
        parent_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    /// Every ACTIVE account of the organisation, all pages.
    fn list_active_accounts(&self) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    /// An account's tags.
    fn account_tags(
        &self,
        account_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<(String, String)>>> + Send;
}
