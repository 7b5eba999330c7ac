//! IAM and Identity Center are eventually consistent: right after a create, other calls may
//! still answer NoSuchEntity (Identity Center: ResourceNotFoundException) for what was just
//! made. `Settling` wraps either boundary and remembers what this run created (or found already
//! made by a create whose first answer was lost); a not-found answer for a call that names one
//! of those is asked again with backoff, up to a bound (two minutes by default, as Terraform
//! waits for IAM). A not-found answer about anything else is passed on at once, so a missing
//! user is still missing, without a wait.

use super::{
    AccessKey, Assignment, AuthorizedUser, AwsError, AwsErrorKind, AwsResult, CallerIdentity,
    CredentialRow, Grantee, GroupMembership, GroupRef, Iam, MfaDevice, NewPerson, NewUser,
    OperationStatus, PasswordRules, PermissionSetSpec, PolicyVersion, Principal, ServiceCredential,
    Sso, SsoInstance, UserInfo, VirtualMfaDevice,
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

impl<A: Iam + Send + Sync> Iam for Settling<A> {
    async fn get_caller_identity(&self) -> AwsResult<CallerIdentity> {
        self.inner.get_caller_identity().await
    }

    async fn get_account_password_policy(&self) -> AwsResult<Option<PasswordRules>> {
        self.inner.get_account_password_policy().await
    }

    async fn list_local_policies(&self, path: &str) -> AwsResult<Vec<(String, String)>> {
        self.inner.list_local_policies(path).await
    }

    async fn get_policy_version_document(
        &self,
        arn: &str,
        version_id: &str,
    ) -> AwsResult<serde_json::Value> {
        self.settled(&[arn], || {
            self.inner.get_policy_version_document(arn, version_id)
        })
        .await
    }

    async fn list_policy_versions(&self, arn: &str) -> AwsResult<Vec<PolicyVersion>> {
        self.settled(&[arn], || self.inner.list_policy_versions(arn))
            .await
    }

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

    async fn create_policy_version(&self, arn: &str, document: &str) -> AwsResult<()> {
        self.settled(&[arn], || self.inner.create_policy_version(arn, document))
            .await
    }

    async fn delete_policy_version(&self, arn: &str, version_id: &str) -> AwsResult<()> {
        self.settled(&[arn], || self.inner.delete_policy_version(arn, version_id))
            .await
    }

    async fn get_group(&self, name: &str) -> AwsResult<Option<String>> {
        self.settled_lookup(&[name], || self.inner.get_group(name))
            .await
    }

    async fn create_group(&self, name: &str, path: &str) -> AwsResult<String> {
        let created = self.inner.create_group(name, path).await;
        self.remember(&created, &[name]);
        created
    }

    async fn list_attached_group_policies(&self, group: &str) -> AwsResult<Vec<String>> {
        self.settled(&[group], || self.inner.list_attached_group_policies(group))
            .await
    }

    async fn attach_group_policy(&self, group: &str, policy_arn: &str) -> AwsResult<()> {
        self.settled(&[group, policy_arn], || {
            self.inner.attach_group_policy(group, policy_arn)
        })
        .await
    }

    async fn list_users(&self) -> AwsResult<Vec<String>> {
        self.inner.list_users().await
    }

    async fn get_user(&self, name: &str) -> AwsResult<Option<UserInfo>> {
        self.settled_lookup(&[name], || self.inner.get_user(name))
            .await
    }

    async fn create_user(&self, user: &NewUser) -> AwsResult<String> {
        let created = self.inner.create_user(user).await;
        self.remember(&created, &[user.name.as_str()]);
        created
    }

    async fn delete_user(&self, name: &str) -> AwsResult<()> {
        self.settled(&[name], || self.inner.delete_user(name)).await
    }

    async fn list_groups_for_user(&self, user: &str) -> AwsResult<Vec<GroupRef>> {
        self.settled(&[user], || self.inner.list_groups_for_user(user))
            .await
    }

    async fn add_user_to_group(&self, group: &str, user: &str) -> AwsResult<()> {
        self.settled(&[group, user], || self.inner.add_user_to_group(group, user))
            .await
    }

    async fn remove_user_from_group(&self, group: &str, user: &str) -> AwsResult<()> {
        self.settled(&[group, user], || {
            self.inner.remove_user_from_group(group, user)
        })
        .await
    }

    async fn has_login_profile(&self, user: &str) -> AwsResult<bool> {
        self.inner.has_login_profile(user).await
    }

    async fn create_login_profile(
        &self,
        user: &str,
        password: &Secret,
        password_reset_required: bool,
    ) -> AwsResult<()> {
        self.settled(&[user], || {
            self.inner
                .create_login_profile(user, password, password_reset_required)
        })
        .await
    }

    async fn update_login_profile(
        &self,
        user: &str,
        password: &Secret,
        password_reset_required: bool,
    ) -> AwsResult<()> {
        self.settled(&[user], || {
            self.inner
                .update_login_profile(user, password, password_reset_required)
        })
        .await
    }

    async fn delete_login_profile(&self, user: &str) -> AwsResult<()> {
        self.inner.delete_login_profile(user).await
    }

    async fn list_mfa_devices(&self, user: &str) -> AwsResult<Vec<String>> {
        self.settled(&[user], || self.inner.list_mfa_devices(user))
            .await
    }

    async fn list_mfa_devices_enabled(&self, user: &str) -> AwsResult<Vec<MfaDevice>> {
        self.settled(&[user], || self.inner.list_mfa_devices_enabled(user))
            .await
    }

    async fn login_profile_created(&self, user: &str) -> AwsResult<Option<Option<String>>> {
        self.inner.login_profile_created(user).await
    }

    async fn list_authorized_users(&self) -> AwsResult<Vec<AuthorizedUser>> {
        self.inner.list_authorized_users().await
    }

    async fn credential_report(&self) -> AwsResult<Vec<CredentialRow>> {
        self.inner.credential_report().await
    }

    async fn root_has_mfa(&self) -> AwsResult<bool> {
        self.inner.root_has_mfa().await
    }

    async fn list_unassigned_virtual_mfa_devices(&self) -> AwsResult<Vec<String>> {
        self.inner.list_unassigned_virtual_mfa_devices().await
    }

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

    async fn enable_mfa_device(
        &self,
        user: &str,
        serial: &str,
        code1: &str,
        code2: &str,
    ) -> AwsResult<()> {
        self.settled(&[user, serial], || {
            self.inner.enable_mfa_device(user, serial, code1, code2)
        })
        .await
    }

    async fn deactivate_mfa_device(&self, user: &str, serial: &str) -> AwsResult<()> {
        self.settled(&[user, serial], || {
            self.inner.deactivate_mfa_device(user, serial)
        })
        .await
    }

    async fn delete_virtual_mfa_device(&self, serial: &str) -> AwsResult<()> {
        self.settled(&[serial], || self.inner.delete_virtual_mfa_device(serial))
            .await
    }

    async fn list_access_keys(&self, user: &str) -> AwsResult<Vec<AccessKey>> {
        self.settled(&[user], || self.inner.list_access_keys(user))
            .await
    }

    async fn get_access_key_last_used(&self, key_id: &str) -> AwsResult<Option<String>> {
        self.inner.get_access_key_last_used(key_id).await
    }

    async fn update_access_key_status(
        &self,
        user: &str,
        key_id: &str,
        active: bool,
    ) -> AwsResult<()> {
        self.inner
            .update_access_key_status(user, key_id, active)
            .await
    }

    async fn delete_access_key(&self, user: &str, key_id: &str) -> AwsResult<()> {
        self.inner.delete_access_key(user, key_id).await
    }

    async fn list_signing_certificates(&self, user: &str) -> AwsResult<Vec<String>> {
        self.settled(&[user], || self.inner.list_signing_certificates(user))
            .await
    }

    async fn delete_signing_certificate(&self, user: &str, certificate_id: &str) -> AwsResult<()> {
        self.inner
            .delete_signing_certificate(user, certificate_id)
            .await
    }

    async fn list_ssh_public_keys(&self, user: &str) -> AwsResult<Vec<String>> {
        self.settled(&[user], || self.inner.list_ssh_public_keys(user))
            .await
    }

    async fn delete_ssh_public_key(&self, user: &str, key_id: &str) -> AwsResult<()> {
        self.inner.delete_ssh_public_key(user, key_id).await
    }

    async fn list_service_specific_credentials(
        &self,
        user: &str,
    ) -> AwsResult<Vec<ServiceCredential>> {
        self.settled(&[user], || {
            self.inner.list_service_specific_credentials(user)
        })
        .await
    }

    async fn delete_service_specific_credential(
        &self,
        user: &str,
        credential_id: &str,
    ) -> AwsResult<()> {
        self.inner
            .delete_service_specific_credential(user, credential_id)
            .await
    }

    async fn list_user_policies(&self, user: &str) -> AwsResult<Vec<String>> {
        self.settled(&[user], || self.inner.list_user_policies(user))
            .await
    }

    async fn put_user_policy(
        &self,
        user: &str,
        policy_name: &str,
        document: &str,
    ) -> AwsResult<()> {
        self.settled(&[user], || {
            self.inner.put_user_policy(user, policy_name, document)
        })
        .await
    }

    async fn delete_user_policy(&self, user: &str, policy_name: &str) -> AwsResult<()> {
        self.inner.delete_user_policy(user, policy_name).await
    }

    async fn list_attached_user_policies(&self, user: &str) -> AwsResult<Vec<String>> {
        self.settled(&[user], || self.inner.list_attached_user_policies(user))
            .await
    }

    async fn attach_user_policy(&self, user: &str, policy_arn: &str) -> AwsResult<()> {
        self.settled(&[user], || self.inner.attach_user_policy(user, policy_arn))
            .await
    }

    async fn detach_user_policy(&self, user: &str, policy_arn: &str) -> AwsResult<()> {
        self.inner.detach_user_policy(user, policy_arn).await
    }

    async fn tag_user(&self, user: &str, tags: &[(String, String)]) -> AwsResult<()> {
        self.settled(&[user], || self.inner.tag_user(user, tags))
            .await
    }

    async fn put_user_permissions_boundary(&self, user: &str, policy_arn: &str) -> AwsResult<()> {
        self.settled(&[user, policy_arn], || {
            self.inner.put_user_permissions_boundary(user, policy_arn)
        })
        .await
    }

    async fn delete_user_permissions_boundary(&self, user: &str) -> AwsResult<()> {
        self.settled(&[user], || {
            self.inner.delete_user_permissions_boundary(user)
        })
        .await
    }

    async fn untag_user(&self, user: &str, keys: &[&str]) -> AwsResult<()> {
        self.settled(&[user], || self.inner.untag_user(user, keys))
            .await
    }
}

impl<A: Sso + Send + Sync> Sso for Settling<A> {
    fn region(&self) -> String {
        self.inner.region()
    }

    async fn list_instances(&self) -> AwsResult<Vec<SsoInstance>> {
        self.inner.list_instances().await
    }

    async fn find_user_id(
        &self,
        identity_store_id: &str,
        user_name: &str,
    ) -> AwsResult<Option<String>> {
        self.settled_lookup(&[user_name], || {
            self.inner.find_user_id(identity_store_id, user_name)
        })
        .await
    }

    async fn create_user(&self, identity_store_id: &str, person: &NewPerson) -> AwsResult<String> {
        let created = self.inner.create_user(identity_store_id, person).await;
        let id = created.as_ref().map(String::as_str).unwrap_or_default();
        self.remember(&created, &[person.user_name.as_str(), id]);
        created
    }

    async fn delete_user(&self, identity_store_id: &str, user_id: &str) -> AwsResult<()> {
        self.settled(&[user_id], || {
            self.inner.delete_user(identity_store_id, user_id)
        })
        .await
    }

    async fn list_group_memberships_for_member(
        &self,
        identity_store_id: &str,
        user_id: &str,
    ) -> AwsResult<Vec<GroupMembership>> {
        self.settled(&[user_id], || {
            self.inner
                .list_group_memberships_for_member(identity_store_id, user_id)
        })
        .await
    }

    async fn describe_group(&self, identity_store_id: &str, group_id: &str) -> AwsResult<String> {
        self.settled(&[group_id], || {
            self.inner.describe_group(identity_store_id, group_id)
        })
        .await
    }

    async fn find_group(
        &self,
        identity_store_id: &str,
        display_name: &str,
    ) -> AwsResult<Option<(String, String)>> {
        self.settled_lookup(&[display_name], || {
            self.inner.find_group(identity_store_id, display_name)
        })
        .await
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

    async fn create_group_membership(
        &self,
        identity_store_id: &str,
        group_id: &str,
        user_id: &str,
    ) -> AwsResult<()> {
        self.settled(&[group_id, user_id], || {
            self.inner
                .create_group_membership(identity_store_id, group_id, user_id)
        })
        .await
    }

    async fn delete_group_membership(
        &self,
        identity_store_id: &str,
        membership_id: &str,
    ) -> AwsResult<()> {
        self.inner
            .delete_group_membership(identity_store_id, membership_id)
            .await
    }

    async fn list_permission_sets(&self, instance_arn: &str) -> AwsResult<Vec<String>> {
        self.inner.list_permission_sets(instance_arn).await
    }

    async fn describe_permission_set(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> AwsResult<PermissionSetSpec> {
        self.settled(&[permission_set_arn], || {
            self.inner
                .describe_permission_set(instance_arn, permission_set_arn)
        })
        .await
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

    async fn update_permission_set(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
        spec: &PermissionSetSpec,
    ) -> AwsResult<()> {
        self.settled(&[permission_set_arn], || {
            self.inner
                .update_permission_set(instance_arn, permission_set_arn, spec)
        })
        .await
    }

    async fn get_inline_policy(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> AwsResult<Option<serde_json::Value>> {
        self.settled(&[permission_set_arn], || {
            self.inner
                .get_inline_policy(instance_arn, permission_set_arn)
        })
        .await
    }

    async fn put_inline_policy(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
        document: &str,
    ) -> AwsResult<()> {
        self.settled(&[permission_set_arn], || {
            self.inner
                .put_inline_policy(instance_arn, permission_set_arn, document)
        })
        .await
    }

    async fn get_permissions_boundary(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> AwsResult<Option<(String, String)>> {
        self.settled(&[permission_set_arn], || {
            self.inner
                .get_permissions_boundary(instance_arn, permission_set_arn)
        })
        .await
    }

    async fn put_permissions_boundary(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
        policy_name: &str,
        policy_path: &str,
    ) -> AwsResult<()> {
        self.settled(&[permission_set_arn], || {
            self.inner.put_permissions_boundary(
                instance_arn,
                permission_set_arn,
                policy_name,
                policy_path,
            )
        })
        .await
    }

    async fn provision_permission_set(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> AwsResult<OperationStatus> {
        self.settled(&[permission_set_arn], || {
            self.inner
                .provision_permission_set(instance_arn, permission_set_arn)
        })
        .await
    }

    async fn describe_provisioning_status(
        &self,
        instance_arn: &str,
        request_id: &str,
    ) -> AwsResult<OperationStatus> {
        self.inner
            .describe_provisioning_status(instance_arn, request_id)
            .await
    }

    async fn list_assignments_for_user(
        &self,
        instance_arn: &str,
        user_id: &str,
    ) -> AwsResult<Vec<Assignment>> {
        self.settled(&[user_id], || {
            self.inner.list_assignments_for_user(instance_arn, user_id)
        })
        .await
    }

    async fn list_accounts_for_permission_set(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> AwsResult<Vec<String>> {
        self.settled(&[permission_set_arn], || {
            self.inner
                .list_accounts_for_permission_set(instance_arn, permission_set_arn)
        })
        .await
    }

    async fn list_account_assignments(
        &self,
        instance_arn: &str,
        account: &str,
        permission_set_arn: &str,
    ) -> AwsResult<Vec<(Principal, String)>> {
        self.settled(&[permission_set_arn], || {
            self.inner
                .list_account_assignments(instance_arn, account, permission_set_arn)
        })
        .await
    }

    async fn list_identity_users(
        &self,
        identity_store_id: &str,
    ) -> AwsResult<Vec<(String, String)>> {
        self.inner.list_identity_users(identity_store_id).await
    }

    async fn list_identity_groups(&self, identity_store_id: &str) -> AwsResult<Vec<String>> {
        self.inner.list_identity_groups(identity_store_id).await
    }

    async fn list_assignments_for_group(
        &self,
        instance_arn: &str,
        group_id: &str,
    ) -> AwsResult<Vec<Assignment>> {
        self.settled(&[group_id], || {
            self.inner
                .list_assignments_for_group(instance_arn, group_id)
        })
        .await
    }

    async fn create_account_assignment(
        &self,
        instance_arn: &str,
        assignment: &Assignment,
        grantee: &Grantee,
    ) -> AwsResult<OperationStatus> {
        self.settled(
            &[grantee.id.as_str(), assignment.permission_set_arn.as_str()],
            || {
                self.inner
                    .create_account_assignment(instance_arn, assignment, grantee)
            },
        )
        .await
    }

    async fn describe_assignment_creation(
        &self,
        instance_arn: &str,
        request_id: &str,
    ) -> AwsResult<OperationStatus> {
        self.inner
            .describe_assignment_creation(instance_arn, request_id)
            .await
    }

    async fn delete_account_assignment(
        &self,
        instance_arn: &str,
        assignment: &Assignment,
        grantee: &Grantee,
    ) -> AwsResult<OperationStatus> {
        self.settled(
            &[grantee.id.as_str(), assignment.permission_set_arn.as_str()],
            || {
                self.inner
                    .delete_account_assignment(instance_arn, assignment, grantee)
            },
        )
        .await
    }

    async fn describe_assignment_deletion(
        &self,
        instance_arn: &str,
        request_id: &str,
    ) -> AwsResult<OperationStatus> {
        self.inner
            .describe_assignment_deletion(instance_arn, request_id)
            .await
    }
}
