//! IAM and Identity Center are eventually consistent: right after a create, other calls may
//! still answer NoSuchEntity (Identity Center: ResourceNotFoundException) for what was just
//! made. `Settling` wraps either boundary and remembers what this run created (or found already
//! made by a create whose first answer was lost); a not-found answer for a call that names one
//! of those is asked again with backoff, up to a bound (two minutes by default, as Terraform
//! waits for IAM). A not-found answer about anything else is passed on at once, so a missing
//! user is still missing, without a wait.

use super::{
    AccessKey, Assignment, AuthorizedUser, AwsError, AwsErrorKind, AwsResult, CallerIdentity,
    CredentialRow, Grantee, GroupMembership, GroupRef, Iam, IamAccess, IamAccount, IamCredentials,
    IamUsers, IdentityGroup, IdentityStore, IdentityUser, MfaDevice, NewPerson, NewRole, NewUser,
    OperationStatus, PasswordRules, PermissionSetSpec, PolicyVersion, Principal, RoleInfo,
    ServiceCredential, ServiceLastAccessed, Sso, SsoAdmin, SsoInstance, UserInfo, VirtualMfaDevice,
};
use crate::secret::Secret;
use backon::{ExponentialBuilder, Retryable};
use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

/// The code of the not-found answer made from an empty lookup while waiting.
const NOT_VISIBLE: &str = "NotVisibleYet";

/// A boundary (`Iam` or `Sso`) that waits out eventual consistency for what this run made.
#[derive(Debug)]
pub(crate) struct Settling<A> {
    inner: A,
    made: Mutex<BTreeSet<String>>,
    patience: Duration,
}

impl<A> Settling<A> {
    /// Waits at most `patience` for each entity this run made to become visible.
    pub(crate) fn new(inner: A, patience: Duration) -> Self {
        Settling {
            inner,
            made: Mutex::new(BTreeSet::new()),
            patience,
        }
    }

    /// The wrapped boundary.
    #[cfg(test)]
    pub(crate) fn inner(&self) -> &A {
        &self.inner
    }

    /// Remembers the names of what a create made: when it succeeded, or answered that the
    /// entity exists (a create whose first answer was lost, or one made by an earlier run).
    fn remember<T>(&self, result: &AwsResult<T>, names: &[&str]) {
        if result.is_ok()
            || result
                .as_ref()
                .is_err_and(|e| e.is(AwsErrorKind::AlreadyExists))
        {
            let mut made = self.made.lock().expect("not poisoned");
            made.extend(names.iter().map(|name| (*name).to_string()));
        }
    }

    fn made_here(&self, names: &[&str]) -> bool {
        let made = self.made.lock().expect("not poisoned");
        names.iter().any(|name| made.contains(*name))
    }

    /// Runs `call`; when it names something this run made and answers not found, asks again
    /// with backoff until it is found or the patience is spent.
    async fn settled<T, F, Fut>(&self, names: &[&str], call: F) -> AwsResult<T>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = AwsResult<T>>,
    {
        let mut call = call;
        if !self.made_here(names) {
            return call().await;
        }
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_millis(500))
            .with_max_delay(Duration::from_secs(8))
            .with_total_delay(Some(self.patience))
            .without_max_times()
            .with_jitter();
        call.retry(backoff)
            .sleep(tokio::time::sleep)
            .when(|err| err.is(AwsErrorKind::NotFound))
            .notify(|err, delay| {
                tracing::info!(%err, ?delay, "not visible yet (AWS is eventually consistent); asking again");
            })
            .await
    }

    /// `settled` for a lookup whose `None` means not found.
    async fn settled_lookup<T, F, Fut>(&self, names: &[&str], call: F) -> AwsResult<Option<T>>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = AwsResult<Option<T>>>,
    {
        let found = self
            .settled(names, || async {
                match call().await {
                    Ok(None) => Err(AwsError::new(
                        "lookup",
                        AwsErrorKind::NotFound,
                        NOT_VISIBLE,
                        "",
                    )),
                    other => other,
                }
            })
            .await;
        match found {
            Err(err) if err.code == NOT_VISIBLE => Ok(None),
            other => other,
        }
    }
}

/// The methods of a boundary trait for `Settling`, each delegated to the wrapped boundary:
/// `pass` as it is, `named [..]` asking again while what it names (made by this run) is not
/// found, `lookup [..]` likewise for a lookup whose `None` means not found.
macro_rules! settled {
    ($(fn $method:ident($($arg:ident: $ty:ty),*) -> $out:ty: $how:ident $([$($name:expr),*])?;)*) => {
        $(
            async fn $method(&self, $($arg: $ty),*) -> AwsResult<$out> {
                settled!(@call self, $how, [$($($name),*)?], $method($($arg),*))
            }
        )*
    };
    (@call $self:ident, pass, [], $method:ident($($arg:ident),*)) => {
        $self.inner.$method($($arg),*).await
    };
    (@call $self:ident, named, [$($name:expr),*], $method:ident($($arg:ident),*)) => {
        $self.settled(&[$($name),*], || $self.inner.$method($($arg),*)).await
    };
    (@call $self:ident, lookup, [$($name:expr),*], $method:ident($($arg:ident),*)) => {
        $self.settled_lookup(&[$($name),*], || $self.inner.$method($($arg),*)).await
    };
}

impl<A: Iam + Send + Sync> IamAccount for Settling<A> {
    settled! {
        fn get_caller_identity() -> CallerIdentity: pass;
        fn get_account_password_policy() -> Option<PasswordRules>: pass;
        fn list_authorized_users() -> Vec<AuthorizedUser>: pass;
        fn credential_report() -> Vec<CredentialRow>: pass;
        fn service_last_accessed(arn: &str) -> Vec<ServiceLastAccessed>: pass;
        fn root_has_mfa() -> bool: pass;
    }
}

impl<A: Iam + Send + Sync> IamAccess for Settling<A> {
    async fn create_policy(
        &self,
        name: &str,
        path: &str,
        document: &str,
        description: &str,
        tags: &[(String, String)],
    ) -> AwsResult<String> {
        let created = self
            .inner
            .create_policy(name, path, document, description, tags)
            .await;
        if let Ok(arn) = &created {
            self.remember(&created, &[arn.as_str()]);
        }
        created
    }

    async fn create_group(&self, name: &str, path: &str) -> AwsResult<String> {
        let created = self.inner.create_group(name, path).await;
        self.remember(&created, &[name]);
        created
    }

    async fn create_role(&self, role: &NewRole) -> AwsResult<String> {
        let created = self.inner.create_role(role).await;
        self.remember(&created, &[role.name.as_str()]);
        created
    }

    settled! {
        fn list_local_policies(path: &str) -> Vec<(String, String)>: pass;
        fn policy_exists(arn: &str) -> bool: pass;
        fn get_policy_version_document(arn: &str, version_id: &str) -> serde_json::Value: named [arn];
        fn list_policy_versions(arn: &str) -> Vec<PolicyVersion>: named [arn];
        fn create_policy_version(arn: &str, document: &str) -> (): named [arn];
        fn delete_policy_version(arn: &str, version_id: &str) -> (): named [arn];
        fn get_group(name: &str) -> Option<String>: lookup [name];
        fn list_attached_group_policies(group: &str) -> Vec<String>: named [group];
        fn attach_group_policy(group: &str, policy_arn: &str) -> (): named [group, policy_arn];
        fn get_group_policy(group: &str, name: &str) -> Option<serde_json::Value>: named [group];
        fn put_group_policy(group: &str, name: &str, document: &str) -> (): named [group];
        fn detach_group_policy(group: &str, policy_arn: &str) -> (): named [group, policy_arn];
        fn delete_group_policy(group: &str, name: &str) -> (): named [group];
        fn get_role(name: &str) -> Option<RoleInfo>: lookup [name];
        fn update_assume_role_policy(role: &str, document: &str) -> (): named [role];
        fn update_role_max_session(role: &str, seconds: u64) -> (): named [role];
        fn put_role_permissions_boundary(role: &str, policy_arn: &str) -> (): named [role, policy_arn];
        fn list_attached_role_policies(role: &str) -> Vec<String>: named [role];
        fn attach_role_policy(role: &str, policy_arn: &str) -> (): named [role, policy_arn];
        fn detach_role_policy(role: &str, policy_arn: &str) -> (): named [role];
        fn list_role_policies(role: &str) -> Vec<String>: named [role];
        fn get_role_policy(role: &str, name: &str) -> Option<serde_json::Value>: named [role];
        fn put_role_policy(role: &str, name: &str, document: &str) -> (): named [role];
        fn delete_role_policy(role: &str, name: &str) -> (): named [role];
    }
}

impl<A: Iam + Send + Sync> IamUsers for Settling<A> {
    async fn create_user(&self, user: &NewUser) -> AwsResult<String> {
        let created = self.inner.create_user(user).await;
        self.remember(&created, &[user.name.as_str()]);
        created
    }

    settled! {
        fn list_users() -> Vec<String>: pass;
        fn get_user(name: &str) -> Option<UserInfo>: lookup [name];
        fn delete_user(name: &str) -> (): named [name];
        fn list_groups_for_user(user: &str) -> Vec<GroupRef>: named [user];
        fn add_user_to_group(group: &str, user: &str) -> (): named [group, user];
        fn remove_user_from_group(group: &str, user: &str) -> (): named [group, user];
        fn list_user_policies(user: &str) -> Vec<String>: named [user];
        fn put_user_policy(user: &str, policy_name: &str, document: &str) -> (): named [user];
        fn delete_user_policy(user: &str, policy_name: &str) -> (): pass;
        fn list_attached_user_policies(user: &str) -> Vec<String>: named [user];
        fn attach_user_policy(user: &str, policy_arn: &str) -> (): named [user];
        fn detach_user_policy(user: &str, policy_arn: &str) -> (): pass;
        fn tag_user(user: &str, tags: &[(String, String)]) -> (): named [user];
        fn put_user_permissions_boundary(user: &str, policy_arn: &str) -> (): named [user, policy_arn];
        fn delete_user_permissions_boundary(user: &str) -> (): named [user];
        fn untag_user(user: &str, keys: &[&str]) -> (): named [user];
    }
}

impl<A: Iam + Send + Sync> IamCredentials for Settling<A> {
    async fn create_virtual_mfa_device(
        &self,
        name: &str,
        path: &str,
    ) -> AwsResult<VirtualMfaDevice> {
        let created = self.inner.create_virtual_mfa_device(name, path).await;
        if let Ok(device) = &created {
            self.remember(&created, &[device.serial.as_str()]);
        }
        created
    }

    settled! {
        fn has_login_profile(user: &str) -> bool: pass;
        fn create_login_profile(user: &str, password: &Secret, password_reset_required: bool) -> (): named [user];
        fn update_login_profile(user: &str, password: &Secret, password_reset_required: bool) -> (): named [user];
        fn delete_login_profile(user: &str) -> (): pass;
        fn list_mfa_devices(user: &str) -> Vec<String>: named [user];
        fn list_mfa_devices_enabled(user: &str) -> Vec<MfaDevice>: named [user];
        fn login_profile_created(user: &str) -> Option<Option<String>>: pass;
        fn list_unassigned_virtual_mfa_devices() -> Vec<String>: pass;
        fn enable_mfa_device(user: &str, serial: &str, code1: &str, code2: &str) -> (): named [user, serial];
        fn deactivate_mfa_device(user: &str, serial: &str) -> (): named [user, serial];
        fn delete_virtual_mfa_device(serial: &str) -> (): named [serial];
        fn list_access_keys(user: &str) -> Vec<AccessKey>: named [user];
        fn get_access_key_last_used(key_id: &str) -> Option<String>: pass;
        fn update_access_key_status(user: &str, key_id: &str, active: bool) -> (): pass;
        fn delete_access_key(user: &str, key_id: &str) -> (): pass;
        fn create_access_key(user: &str) -> (String, crate::secret::Secret): named [user];
        fn list_signing_certificates(user: &str) -> Vec<String>: named [user];
        fn delete_signing_certificate(user: &str, certificate_id: &str) -> (): pass;
        fn list_ssh_public_keys(user: &str) -> Vec<String>: named [user];
        fn delete_ssh_public_key(user: &str, key_id: &str) -> (): pass;
        fn list_service_specific_credentials(user: &str) -> Vec<ServiceCredential>: named [user];
        fn delete_service_specific_credential(user: &str, credential_id: &str) -> (): pass;
    }
}

impl<A: Sso + Send + Sync> SsoAdmin for Settling<A> {
    fn region(&self) -> String {
        self.inner.region()
    }

    async fn create_permission_set(
        &self,
        instance_arn: &str,
        spec: &PermissionSetSpec,
        tags: &[(String, String)],
    ) -> AwsResult<String> {
        let created = self
            .inner
            .create_permission_set(instance_arn, spec, tags)
            .await;
        if let Ok(arn) = &created {
            self.remember(&created, &[arn.as_str()]);
        }
        created
    }

    settled! {
        fn list_instances() -> Vec<SsoInstance>: pass;
        fn list_permission_sets(instance_arn: &str) -> Vec<String>: pass;
        fn describe_permission_set(instance_arn: &str, permission_set_arn: &str) -> PermissionSetSpec: named [permission_set_arn];
        fn update_permission_set(instance_arn: &str, permission_set_arn: &str, spec: &PermissionSetSpec) -> (): named [permission_set_arn];
        fn get_inline_policy(instance_arn: &str, permission_set_arn: &str) -> Option<serde_json::Value>: named [permission_set_arn];
        fn put_inline_policy(instance_arn: &str, permission_set_arn: &str, document: &str) -> (): named [permission_set_arn];
        fn get_permissions_boundary(instance_arn: &str, permission_set_arn: &str) -> Option<(String, String)>: named [permission_set_arn];
        fn put_permissions_boundary(instance_arn: &str, permission_set_arn: &str, policy_name: &str, policy_path: &str) -> (): named [permission_set_arn];
        fn list_managed_policies(instance_arn: &str, permission_set_arn: &str) -> Vec<String>: named [permission_set_arn];
        fn attach_managed_policy(instance_arn: &str, permission_set_arn: &str, policy_arn: &str) -> (): named [permission_set_arn];
        fn detach_managed_policy(instance_arn: &str, permission_set_arn: &str, policy_arn: &str) -> (): named [permission_set_arn];
        fn provision_permission_set(instance_arn: &str, permission_set_arn: &str) -> OperationStatus: named [permission_set_arn];
        fn describe_provisioning_status(instance_arn: &str, request_id: &str) -> OperationStatus: pass;
        fn list_assignments_for_user(instance_arn: &str, user_id: &str) -> Vec<Assignment>: named [user_id];
        fn list_accounts_for_permission_set(instance_arn: &str, permission_set_arn: &str) -> Vec<String>: named [permission_set_arn];
        fn list_account_assignments(instance_arn: &str, account: &str, permission_set_arn: &str) -> Vec<(Principal, String)>: named [permission_set_arn];
        fn list_assignments_for_group(instance_arn: &str, group_id: &str) -> Vec<Assignment>: named [group_id];
        fn create_account_assignment(instance_arn: &str, assignment: &Assignment, grantee: &Grantee) -> OperationStatus: named [grantee.id.as_str(), assignment.permission_set_arn.as_str()];
        fn describe_assignment_creation(instance_arn: &str, request_id: &str) -> OperationStatus: pass;
        fn delete_account_assignment(instance_arn: &str, assignment: &Assignment, grantee: &Grantee) -> OperationStatus: named [grantee.id.as_str(), assignment.permission_set_arn.as_str()];
        fn describe_assignment_deletion(instance_arn: &str, request_id: &str) -> OperationStatus: pass;
    }
}

impl<A: Sso + Send + Sync> IdentityStore for Settling<A> {
    async fn create_user(&self, identity_store_id: &str, person: &NewPerson) -> AwsResult<String> {
        let created = self.inner.create_user(identity_store_id, person).await;
        let id = created.as_ref().map(String::as_str).unwrap_or_default();
        self.remember(&created, &[person.user_name.as_str(), id]);
        created
    }

    async fn create_group(
        &self,
        identity_store_id: &str,
        display_name: &str,
        description: &str,
    ) -> AwsResult<String> {
        let created = self
            .inner
            .create_group(identity_store_id, display_name, description)
            .await;
        let id = created.as_ref().map(String::as_str).unwrap_or_default();
        self.remember(&created, &[display_name, id]);
        created
    }

    settled! {
        fn find_user_id(identity_store_id: &str, user_name: &str) -> Option<String>: lookup [user_name];
        fn describe_user(identity_store_id: &str, user_id: &str) -> IdentityUser: named [user_id];
        fn delete_user(identity_store_id: &str, user_id: &str) -> (): named [user_id];
        fn list_group_memberships_for_member(identity_store_id: &str, user_id: &str) -> Vec<GroupMembership>: named [user_id];
        fn describe_group(identity_store_id: &str, group_id: &str) -> String: named [group_id];
        fn find_group(identity_store_id: &str, display_name: &str) -> Option<(String, String)>: lookup [display_name];
        fn create_group_membership(identity_store_id: &str, group_id: &str, user_id: &str) -> (): named [group_id, user_id];
        fn delete_group_membership(identity_store_id: &str, membership_id: &str) -> (): pass;
        fn list_identity_users(identity_store_id: &str) -> Vec<(String, String)>: pass;
        fn list_identity_groups(identity_store_id: &str) -> Vec<IdentityGroup>: pass;
        fn list_group_members(identity_store_id: &str, group_id: &str) -> Vec<(String, String)>: named [group_id];
    }
}
