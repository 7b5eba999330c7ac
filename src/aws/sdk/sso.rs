//! The `Sso` boundary implemented with the AWS SDK: SSO Admin for the instance, permission
//! sets and account assignments, Identity Store for people. Errors convert through
//! `sdk::convert`, like IAM's. `SsoAdmin` is here, `IdentityStore` in `identity_store`.

use super::calls_log::RetryLog;
use crate::aws::{
    Assignment, AwsError, AwsErrorKind, AwsResult, Grantee, GroupMembership, IdentityGroup,
    IdentityStore, IdentityUser, NewPerson, OperationState, OperationStatus, PermissionSetSpec,
    Principal, SsoAdmin, SsoInstance,
};
use aws_config::SdkConfig;
use aws_sdk_identitystore::types::{AlternateIdentifier, Email, Name, UniqueAttribute};
use aws_sdk_ssoadmin::types::{
    AccountAssignmentOperationStatus, CustomerManagedPolicyReference, PermissionsBoundary,
    PrincipalType, ProvisionTargetType, StatusValues, Tag, TargetType,
};
use aws_smithy_types::Document;

mod identity_store;

/// An account assignment's request (create or delete: the same members): the instance, the
/// account, the permission set and who.
macro_rules! of_assignment {
    ($request:expr, $instance_arn:expr, $assignment:expr, $grantee:expr) => {
        $request
            .instance_arn($instance_arn)
            .target_id(&$assignment.account)
            .target_type(TargetType::AwsAccount)
            .permission_set_arn(&$assignment.permission_set_arn)
            .principal_type(principal_type($grantee.kind))
            .principal_id(&$grantee.id)
    };
}

/// SSO Admin and Identity Store through the SDK.
#[derive(Debug, Clone)]
pub(crate) struct SdkSso {
    admin: aws_sdk_ssoadmin::Client,
    store: aws_sdk_identitystore::Client,
    region: String,
}

impl SdkSso {
    /// Clients for Identity Center in `region` (its home region), else the configuration's.
    pub(crate) fn new(config: &SdkConfig, region: Option<&str>) -> Self {
        let region = region
            .map(|r| aws_config::Region::new(r.to_string()))
            .or_else(|| config.region().cloned());
        let admin = aws_sdk_ssoadmin::config::Builder::from(config)
            .region(region.clone())
            .interceptor(RetryLog)
            .build();
        let store = aws_sdk_identitystore::config::Builder::from(config)
            .region(region.clone())
            .interceptor(RetryLog)
            .build();
        SdkSso {
            admin: aws_sdk_ssoadmin::Client::from_conf(admin),
            store: aws_sdk_identitystore::Client::from_conf(store),
            region: region.map_or_else(|| "(no region)".to_string(), |r| r.to_string()),
        }
    }

    /// Every assignment of a user or group, all pages.
    async fn assignments_of(
        &self,
        instance_arn: &str,
        kind: PrincipalType,
        principal_id: &str,
    ) -> AwsResult<Vec<Assignment>> {
        const OP: &str = "sso:ListAccountAssignmentsForPrincipal";
        let assigned = every!(
            OP,
            self.admin
                .list_account_assignments_for_principal()
                .instance_arn(instance_arn)
                .principal_id(principal_id)
                .principal_type(kind)
        )?;
        Ok(assigned
            .iter()
            .map(|a| Assignment {
                account: a.account_id().unwrap_or_default().to_string(),
                permission_set_arn: a.permission_set_arn().unwrap_or_default().to_string(),
            })
            .collect())
    }
}

fn status(
    operation: &'static str,
    request_id: Option<&str>,
    state: Option<&StatusValues>,
    failure_reason: Option<&str>,
) -> AwsResult<OperationStatus> {
    let state = match state {
        Some(StatusValues::InProgress) => OperationState::InProgress,
        Some(StatusValues::Succeeded) => OperationState::Succeeded,
        Some(StatusValues::Failed) => {
            OperationState::Failed(failure_reason.unwrap_or("no reason given").to_string())
        }
        other => {
            return Err(AwsError::new(
                operation,
                AwsErrorKind::Other,
                "UnknownStatus",
                &format!("{other:?}"),
            ));
        }
    };
    Ok(OperationStatus {
        request_id: request_id.unwrap_or_default().to_string(),
        state,
    })
}

impl SsoAdmin for SdkSso {
    fn region(&self) -> String {
        self.region.clone()
    }

    async fn list_instances(&self) -> AwsResult<Vec<SsoInstance>> {
        const OP: &str = "sso:ListInstances";
        let instances = every!(OP, self.admin.list_instances())?;
        Ok(instances
            .iter()
            .map(|i| SsoInstance {
                arn: i.instance_arn().unwrap_or_default().to_string(),
                identity_store_id: i.identity_store_id().unwrap_or_default().to_string(),
            })
            .collect())
    }

    async fn list_permission_sets(&self, instance_arn: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "sso:ListPermissionSets";
        every!(
            OP,
            self.admin.list_permission_sets().instance_arn(instance_arn)
        )
    }

    async fn describe_permission_set(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> AwsResult<PermissionSetSpec> {
        const OP: &str = "sso:DescribePermissionSet";
        let out = sent!(
            OP,
            self.admin
                .describe_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(permission_set_arn)
        )?;
        let set = out.permission_set();
        Ok(PermissionSetSpec {
            name: set.and_then(|s| s.name()).unwrap_or_default().to_string(),
            description: set
                .and_then(|s| s.description())
                .unwrap_or_default()
                .to_string(),
            session_duration: set
                .and_then(|s| s.session_duration())
                .unwrap_or_default()
                .to_string(),
        })
    }

    async fn create_permission_set(
        &self,
        instance_arn: &str,
        spec: &PermissionSetSpec,
        tags: &[(String, String)],
    ) -> AwsResult<String> {
        const OP: &str = "sso:CreatePermissionSet";
        let tags = tags
            .iter()
            .map(|(key, value)| {
                Tag::builder()
                    .key(key)
                    .value(value)
                    .build()
                    .expect("key and value are set")
            })
            .collect();
        let out = sent!(
            OP,
            self.admin
                .create_permission_set()
                .instance_arn(instance_arn)
                .name(&spec.name)
                .description(&spec.description)
                .session_duration(&spec.session_duration)
                .set_tags(Some(tags))
        )?;
        Ok(out
            .permission_set()
            .and_then(|s| s.permission_set_arn())
            .unwrap_or_default()
            .to_string())
    }

    async fn update_permission_set(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
        spec: &PermissionSetSpec,
    ) -> AwsResult<()> {
        const OP: &str = "sso:UpdatePermissionSet";
        sent!(
            OP,
            self.admin
                .update_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(permission_set_arn)
                .description(&spec.description)
                .session_duration(&spec.session_duration)
        )?;
        Ok(())
    }

    async fn get_inline_policy(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> AwsResult<Option<serde_json::Value>> {
        const OP: &str = "sso:GetInlinePolicyForPermissionSet";
        let out = sent!(
            OP,
            self.admin
                .get_inline_policy_for_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(permission_set_arn)
        )?;
        match out.inline_policy().filter(|text| !text.trim().is_empty()) {
            None => Ok(None),
            Some(text) => serde_json::from_str(text).map(Some).map_err(|err| {
                AwsError::new(OP, AwsErrorKind::Other, "BadDocument", &err.to_string())
            }),
        }
    }

    async fn put_inline_policy(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
        document: &str,
    ) -> AwsResult<()> {
        const OP: &str = "sso:PutInlinePolicyToPermissionSet";
        sent!(
            OP,
            self.admin
                .put_inline_policy_to_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(permission_set_arn)
                .inline_policy(document)
        )?;
        Ok(())
    }

    async fn get_permissions_boundary(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> AwsResult<Option<(String, String)>> {
        const OP: &str = "sso:GetPermissionsBoundaryForPermissionSet";
        let result = sent!(
            OP,
            self.admin
                .get_permissions_boundary_for_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(permission_set_arn)
                .customize()
                // A read whose failure costs only a warning: one attempt, so an endpoint that
                // lacks the call (moto) costs one round trip instead of the SDK's retries.
                .config_override(
                    aws_sdk_ssoadmin::config::Builder::default()
                        .retry_config(aws_smithy_types::retry::RetryConfig::disabled()),
                )
        );
        let found = match result {
            Ok(out) => out,
            Err(err) if err.is(AwsErrorKind::NotFound) => return Ok(None),
            Err(err) => return Err(err),
        };
        Ok(found
            .permissions_boundary()
            .and_then(|b| b.customer_managed_policy_reference())
            .map(|r| (r.name().to_string(), r.path().unwrap_or("/").to_string())))
    }

    async fn put_permissions_boundary(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
        policy_name: &str,
        policy_path: &str,
    ) -> AwsResult<()> {
        const OP: &str = "sso:PutPermissionsBoundaryToPermissionSet";
        let reference = CustomerManagedPolicyReference::builder()
            .name(policy_name)
            .path(policy_path)
            .build()
            .expect("the name is set");
        sent!(
            OP,
            self.admin
                .put_permissions_boundary_to_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(permission_set_arn)
                .permissions_boundary(
                    PermissionsBoundary::builder()
                        .customer_managed_policy_reference(reference)
                        .build(),
                )
        )?;
        Ok(())
    }

    async fn list_managed_policies(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> AwsResult<Vec<String>> {
        const OP: &str = "sso:ListManagedPoliciesInPermissionSet";
        let attached = every!(
            OP,
            self.admin
                .list_managed_policies_in_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(permission_set_arn)
        )?;
        Ok(attached
            .iter()
            .filter_map(|p| p.arn().map(str::to_string))
            .collect())
    }

    async fn attach_managed_policy(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
        policy_arn: &str,
    ) -> AwsResult<()> {
        const OP: &str = "sso:AttachManagedPolicyToPermissionSet";
        sent!(
            OP,
            self.admin
                .attach_managed_policy_to_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(permission_set_arn)
                .managed_policy_arn(policy_arn)
        )?;
        Ok(())
    }

    async fn detach_managed_policy(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
        policy_arn: &str,
    ) -> AwsResult<()> {
        const OP: &str = "sso:DetachManagedPolicyFromPermissionSet";
        sent!(
            OP,
            self.admin
                .detach_managed_policy_from_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(permission_set_arn)
                .managed_policy_arn(policy_arn)
        )?;
        Ok(())
    }

    async fn provision_permission_set(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> AwsResult<OperationStatus> {
        const OP: &str = "sso:ProvisionPermissionSet";
        let out = sent!(
            OP,
            self.admin
                .provision_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(permission_set_arn)
                .target_type(ProvisionTargetType::AllProvisionedAccounts)
        )?;
        let s = out.permission_set_provisioning_status();
        status(
            OP,
            s.and_then(|s| s.request_id()),
            s.and_then(|s| s.status()),
            s.and_then(|s| s.failure_reason()),
        )
    }

    async fn describe_provisioning_status(
        &self,
        instance_arn: &str,
        request_id: &str,
    ) -> AwsResult<OperationStatus> {
        const OP: &str = "sso:DescribePermissionSetProvisioningStatus";
        let out = sent!(
            OP,
            self.admin
                .describe_permission_set_provisioning_status()
                .instance_arn(instance_arn)
                .provision_permission_set_request_id(request_id)
        )?;
        let s = out.permission_set_provisioning_status();
        status(
            OP,
            s.and_then(|s| s.request_id()),
            s.and_then(|s| s.status()),
            s.and_then(|s| s.failure_reason()),
        )
    }

    async fn list_assignments_for_user(
        &self,
        instance_arn: &str,
        user_id: &str,
    ) -> AwsResult<Vec<Assignment>> {
        self.assignments_of(instance_arn, PrincipalType::User, user_id)
            .await
    }

    async fn list_accounts_for_permission_set(
        &self,
        instance_arn: &str,
        permission_set_arn: &str,
    ) -> AwsResult<Vec<String>> {
        const OP: &str = "sso:ListAccountsForProvisionedPermissionSet";
        every!(
            OP,
            self.admin
                .list_accounts_for_provisioned_permission_set()
                .instance_arn(instance_arn)
                .permission_set_arn(permission_set_arn)
        )
    }

    async fn list_account_assignments(
        &self,
        instance_arn: &str,
        account: &str,
        permission_set_arn: &str,
    ) -> AwsResult<Vec<(Principal, String)>> {
        const OP: &str = "sso:ListAccountAssignments";
        let assigned = every!(
            OP,
            self.admin
                .list_account_assignments()
                .instance_arn(instance_arn)
                .account_id(account)
                .permission_set_arn(permission_set_arn)
        )?;
        Ok(assigned
            .iter()
            .map(|a| {
                let kind = match a.principal_type() {
                    Some(PrincipalType::Group) => Principal::Group,
                    _ => Principal::User,
                };
                (kind, a.principal_id().unwrap_or_default().to_string())
            })
            .collect())
    }

    async fn list_assignments_for_group(
        &self,
        instance_arn: &str,
        group_id: &str,
    ) -> AwsResult<Vec<Assignment>> {
        self.assignments_of(instance_arn, PrincipalType::Group, group_id)
            .await
    }

    async fn create_account_assignment(
        &self,
        instance_arn: &str,
        assignment: &Assignment,
        grantee: &Grantee,
    ) -> AwsResult<OperationStatus> {
        const OP: &str = "sso:CreateAccountAssignment";
        let out = sent!(
            OP,
            of_assignment!(
                self.admin.create_account_assignment(),
                instance_arn,
                assignment,
                grantee
            )
        )?;
        assignment_status(OP, out.account_assignment_creation_status())
    }

    async fn describe_assignment_creation(
        &self,
        instance_arn: &str,
        request_id: &str,
    ) -> AwsResult<OperationStatus> {
        const OP: &str = "sso:DescribeAccountAssignmentCreationStatus";
        let out = sent!(
            OP,
            self.admin
                .describe_account_assignment_creation_status()
                .instance_arn(instance_arn)
                .account_assignment_creation_request_id(request_id)
        )?;
        assignment_status(OP, out.account_assignment_creation_status())
    }

    async fn delete_account_assignment(
        &self,
        instance_arn: &str,
        assignment: &Assignment,
        grantee: &Grantee,
    ) -> AwsResult<OperationStatus> {
        const OP: &str = "sso:DeleteAccountAssignment";
        let out = sent!(
            OP,
            of_assignment!(
                self.admin.delete_account_assignment(),
                instance_arn,
                assignment,
                grantee
            )
        )?;
        assignment_status(OP, out.account_assignment_deletion_status())
    }

    async fn describe_assignment_deletion(
        &self,
        instance_arn: &str,
        request_id: &str,
    ) -> AwsResult<OperationStatus> {
        const OP: &str = "sso:DescribeAccountAssignmentDeletionStatus";
        let out = sent!(
            OP,
            self.admin
                .describe_account_assignment_deletion_status()
                .instance_arn(instance_arn)
                .account_assignment_deletion_request_id(request_id)
        )?;
        assignment_status(OP, out.account_assignment_deletion_status())
    }
}

/// An account assignment's creation or deletion, as the tool follows it.
fn assignment_status(
    operation: &'static str,
    found: Option<&AccountAssignmentOperationStatus>,
) -> AwsResult<OperationStatus> {
    status(
        operation,
        found.and_then(|s| s.request_id()),
        found.and_then(|s| s.status()),
        found.and_then(|s| s.failure_reason()),
    )
}

fn principal_type(kind: Principal) -> PrincipalType {
    match kind {
        Principal::User => PrincipalType::User,
        Principal::Group => PrincipalType::Group,
    }
}

/// The identity store's lookup by a unique attribute (`userName`, `displayName`).
fn unique(path: &str, value: &str) -> AlternateIdentifier {
    AlternateIdentifier::UniqueAttribute(
        UniqueAttribute::builder()
            .attribute_path(path)
            .attribute_value(Document::String(value.to_string()))
            .build()
            .expect("path and value are set"),
    )
}
