//! `IamAccess` with the SDK: managed policies, groups and roles.

use super::*;

impl IamAccess for SdkIam {
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
}
