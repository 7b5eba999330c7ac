//! The IAM Identity Center boundary: every SSO Admin and Identity Store call the tool makes
//! (`Sso`) and the plain data they take and give.

use super::AwsResult;
use std::future::Future;

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

/// What the identity store says of a person besides their user name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdentityUser {
    pub(crate) display_name: Option<String>,
    /// The primary email, or the first when none is marked primary.
    pub(crate) email: Option<String>,
}

/// A group of the identity store, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IdentityGroup {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: String,
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

/// Every IAM Identity Center call the tool makes, as the two services AWS splits it into. Everything
/// above the boundary asks for `Sso`, which every implementation of both is.
pub(crate) trait Sso: SsoAdmin + IdentityStore {}

impl<T: SsoAdmin + IdentityStore> Sso for T {}

/// SSO Admin: the instance, permission sets (policies, boundary, provisioning) and account
/// assignments, whose creation and deletion are asynchronous.
pub(crate) trait SsoAdmin: Sync {
    /// The region the calls go to: Identity Center's home region, for messages.
    fn region(&self) -> String;
    fn list_instances(&self) -> impl Future<Output = AwsResult<Vec<SsoInstance>>> + Send;
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
    /// The ARNs of the AWS managed policies attached to the permission set.
    fn list_managed_policies(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    fn attach_managed_policy(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
        policy_arn: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn detach_managed_policy(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
        policy_arn: &str,
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

/// Identity Store: the people and groups of the instance's store, and group memberships.
pub(crate) trait IdentityStore: Sync {
    /// GetUserId by `userName`; `None` when there is no such person.
    fn find_user_id(
        &self,
        identity_store_id: &str,
        user_name: &str,
    ) -> impl Future<Output = AwsResult<Option<String>>> + Send;
    /// DescribeUser: the person's display name and email.
    fn describe_user(
        &self,
        identity_store_id: &str,
        user_id: &str,
    ) -> impl Future<Output = AwsResult<IdentityUser>> + Send;
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
    /// Every user of the identity store: (user id, user name).
    fn list_identity_users(
        &self,
        identity_store_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<(String, String)>>> + Send;
    /// Every group of the identity store.
    fn list_identity_groups(
        &self,
        identity_store_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<IdentityGroup>>> + Send;
    /// Every member of one group: (membership id, user id).
    fn list_group_members(
        &self,
        identity_store_id: &str,
        group_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<(String, String)>>> + Send;
}
