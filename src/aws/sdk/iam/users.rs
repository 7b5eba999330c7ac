//! `IamUsers` with the SDK: users, memberships, their own policies, tags and boundary.

use super::*;

impl IamUsers for SdkIam {
    async fn list_users(&self) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListUsers";
        let users: Vec<_> = every!(OP, self.iam.list_users())?;
        Ok(users.iter().map(|u| u.user_name().to_string()).collect())
    }

    /// GetUser answers the user's tags too (at most 50), so no ListUserTags is needed.
    async fn get_user(&self, name: &str) -> AwsResult<Option<UserInfo>> {
        const OP: &str = "iam:GetUser";
        let result = sent!(OP, self.iam.get_user().user_name(name));
        let Some(out) = absent_if_not_found(result)? else {
            return Ok(None);
        };
        let Some(user) = out.user() else {
            return Ok(None);
        };
        Ok(Some(UserInfo {
            name: user.user_name().to_string(),
            arn: user.arn().to_string(),
            user_id: user.user_id().to_string(),
            tags: user
                .tags()
                .iter()
                .map(|t| (t.key().to_string(), t.value().to_string()))
                .collect(),
            permissions_boundary: user
                .permissions_boundary()
                .and_then(|b| b.permissions_boundary_arn())
                .map(str::to_string),
            created: date(Some(user.create_date())),
            password_last_used: date(user.password_last_used()),
        }))
    }

    async fn create_user(&self, user: &NewUser) -> AwsResult<String> {
        const OP: &str = "iam:CreateUser";
        let out = sent!(
            OP,
            self.iam
                .create_user()
                .user_name(&user.name)
                .path(&user.path)
                .permissions_boundary(&user.permissions_boundary)
                .set_tags(Some(user.tags.iter().map(|(k, v)| tag(k, v)).collect()))
        )?;
        Ok(out.user().map(|u| u.arn().to_string()).unwrap_or_default())
    }

    async fn delete_user(&self, name: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteUser";
        sent!(OP, self.iam.delete_user().user_name(name))?;
        Ok(())
    }

    async fn list_groups_for_user(&self, user: &str) -> AwsResult<Vec<GroupRef>> {
        const OP: &str = "iam:ListGroupsForUser";
        let groups = every!(OP, self.iam.list_groups_for_user().user_name(user))?;
        Ok(groups
            .iter()
            .map(|g| GroupRef {
                name: g.group_name().to_string(),
                arn: g.arn().to_string(),
            })
            .collect())
    }

    async fn add_user_to_group(&self, group: &str, user: &str) -> AwsResult<()> {
        const OP: &str = "iam:AddUserToGroup";
        sent!(
            OP,
            self.iam
                .add_user_to_group()
                .group_name(group)
                .user_name(user)
        )?;
        Ok(())
    }

    async fn remove_user_from_group(&self, group: &str, user: &str) -> AwsResult<()> {
        const OP: &str = "iam:RemoveUserFromGroup";
        sent!(
            OP,
            self.iam
                .remove_user_from_group()
                .group_name(group)
                .user_name(user)
        )?;
        Ok(())
    }

    async fn list_user_policies(&self, user: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListUserPolicies";
        every!(OP, self.iam.list_user_policies().user_name(user))
    }

    async fn put_user_policy(
        &self,
        user: &str,
        policy_name: &str,
        document: &str,
    ) -> AwsResult<()> {
        const OP: &str = "iam:PutUserPolicy";
        sent!(
            OP,
            self.iam
                .put_user_policy()
                .user_name(user)
                .policy_name(policy_name)
                .policy_document(document)
        )?;
        Ok(())
    }

    async fn delete_user_policy(&self, user: &str, policy_name: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteUserPolicy";
        sent!(
            OP,
            self.iam
                .delete_user_policy()
                .user_name(user)
                .policy_name(policy_name)
        )?;
        Ok(())
    }

    async fn list_attached_user_policies(&self, user: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListAttachedUserPolicies";
        let attached = every!(OP, self.iam.list_attached_user_policies().user_name(user))?;
        Ok(attached
            .iter()
            .filter_map(|p| p.policy_arn().map(str::to_string))
            .collect())
    }

    async fn attach_user_policy(&self, user: &str, policy_arn: &str) -> AwsResult<()> {
        const OP: &str = "iam:AttachUserPolicy";
        sent!(
            OP,
            self.iam
                .attach_user_policy()
                .user_name(user)
                .policy_arn(policy_arn)
        )?;
        Ok(())
    }

    async fn detach_user_policy(&self, user: &str, policy_arn: &str) -> AwsResult<()> {
        const OP: &str = "iam:DetachUserPolicy";
        sent!(
            OP,
            self.iam
                .detach_user_policy()
                .user_name(user)
                .policy_arn(policy_arn)
        )?;
        Ok(())
    }

    async fn tag_user(&self, user: &str, tags: &[(String, String)]) -> AwsResult<()> {
        const OP: &str = "iam:TagUser";
        sent!(
            OP,
            self.iam
                .tag_user()
                .user_name(user)
                .set_tags(Some(tags.iter().map(|(k, v)| tag(k, v)).collect()))
        )?;
        Ok(())
    }

    async fn put_user_permissions_boundary(&self, user: &str, policy_arn: &str) -> AwsResult<()> {
        const OP: &str = "iam:PutUserPermissionsBoundary";
        sent!(
            OP,
            self.iam
                .put_user_permissions_boundary()
                .user_name(user)
                .permissions_boundary(policy_arn)
        )?;
        Ok(())
    }

    async fn delete_user_permissions_boundary(&self, user: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteUserPermissionsBoundary";
        sent!(
            OP,
            self.iam.delete_user_permissions_boundary().user_name(user)
        )?;
        Ok(())
    }

    async fn untag_user(&self, user: &str, keys: &[&str]) -> AwsResult<()> {
        const OP: &str = "iam:UntagUser";
        sent!(
            OP,
            self.iam
                .untag_user()
                .user_name(user)
                .set_tag_keys(Some(keys.iter().map(|k| (*k).to_string()).collect()))
        )?;
        Ok(())
    }
}
