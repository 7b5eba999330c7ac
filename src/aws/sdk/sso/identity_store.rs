//! `IdentityStore` with the SDK: people, groups and memberships, looked up by unique attribute.

use super::*;

impl IdentityStore for SdkSso {
    async fn find_user_id(
        &self,
        identity_store_id: &str,
        user_name: &str,
    ) -> AwsResult<Option<String>> {
        const OP: &str = "identitystore:GetUserId";
        let result = sent!(
            OP,
            self.store
                .get_user_id()
                .identity_store_id(identity_store_id)
                .alternate_identifier(unique("userName", user_name))
        );
        match result {
            Ok(out) => Ok(Some(out.user_id().to_string())),
            Err(err) if err.is(AwsErrorKind::NotFound) => Ok(None),
            Err(err) => Err(err),
        }
    }

    async fn describe_user(
        &self,
        identity_store_id: &str,
        user_id: &str,
    ) -> AwsResult<IdentityUser> {
        const OP: &str = "identitystore:DescribeUser";
        let out = sent!(
            OP,
            self.store
                .describe_user()
                .identity_store_id(identity_store_id)
                .user_id(user_id)
        )?;
        let emails = out.emails();
        let email = emails
            .iter()
            .find(|email| email.primary())
            .or_else(|| emails.first())
            .and_then(|email| email.value())
            .map(str::to_string);
        Ok(IdentityUser {
            display_name: out.display_name().map(str::to_string),
            email,
        })
    }

    async fn create_user(&self, identity_store_id: &str, person: &NewPerson) -> AwsResult<String> {
        const OP: &str = "identitystore:CreateUser";
        let out = sent!(
            OP,
            self.store
                .create_user()
                .identity_store_id(identity_store_id)
                .user_name(&person.user_name)
                .display_name(&person.display_name)
                .name(
                    Name::builder()
                        .given_name(&person.given_name)
                        .family_name(&person.family_name)
                        .build(),
                )
                .emails(
                    Email::builder()
                        .value(&person.email)
                        .primary(true)
                        .r#type("work")
                        .build(),
                )
        )?;
        Ok(out.user_id().to_string())
    }

    async fn delete_user(&self, identity_store_id: &str, user_id: &str) -> AwsResult<()> {
        const OP: &str = "identitystore:DeleteUser";
        sent!(
            OP,
            self.store
                .delete_user()
                .identity_store_id(identity_store_id)
                .user_id(user_id)
        )?;
        Ok(())
    }

    async fn list_group_memberships_for_member(
        &self,
        identity_store_id: &str,
        user_id: &str,
    ) -> AwsResult<Vec<GroupMembership>> {
        const OP: &str = "identitystore:ListGroupMembershipsForMember";
        let memberships: Vec<_> = every!(
            OP,
            self.store
                .list_group_memberships_for_member()
                .identity_store_id(identity_store_id)
                .member_id(aws_sdk_identitystore::types::MemberId::UserId(
                    user_id.to_string(),
                ))
        )?;
        Ok(memberships
            .iter()
            .filter_map(|m| {
                Some(GroupMembership {
                    membership_id: m.membership_id()?.to_string(),
                    group_id: m.group_id()?.to_string(),
                })
            })
            .collect())
    }

    async fn describe_group(&self, identity_store_id: &str, group_id: &str) -> AwsResult<String> {
        const OP: &str = "identitystore:DescribeGroup";
        let out = sent!(
            OP,
            self.store
                .describe_group()
                .identity_store_id(identity_store_id)
                .group_id(group_id)
        )?;
        Ok(out.display_name().unwrap_or(group_id).to_string())
    }

    async fn find_group(
        &self,
        identity_store_id: &str,
        display_name: &str,
    ) -> AwsResult<Option<(String, String)>> {
        let result = sent!(
            "identitystore:GetGroupId",
            self.store
                .get_group_id()
                .identity_store_id(identity_store_id)
                .alternate_identifier(unique("displayName", display_name))
        );
        let id = match result {
            Ok(out) => out.group_id().to_string(),
            Err(err) if err.is(AwsErrorKind::NotFound) => return Ok(None),
            Err(err) => return Err(err),
        };
        const DESCRIBE: &str = "identitystore:DescribeGroup";
        let out = sent!(
            DESCRIBE,
            self.store
                .describe_group()
                .identity_store_id(identity_store_id)
                .group_id(&id)
        )?;
        Ok(Some((
            id,
            out.description().unwrap_or_default().to_string(),
        )))
    }

    async fn create_group(
        &self,
        identity_store_id: &str,
        display_name: &str,
        description: &str,
    ) -> AwsResult<String> {
        const OP: &str = "identitystore:CreateGroup";
        let out = sent!(
            OP,
            self.store
                .create_group()
                .identity_store_id(identity_store_id)
                .display_name(display_name)
                .description(description)
        )?;
        Ok(out.group_id().to_string())
    }

    async fn create_group_membership(
        &self,
        identity_store_id: &str,
        group_id: &str,
        user_id: &str,
    ) -> AwsResult<()> {
        const OP: &str = "identitystore:CreateGroupMembership";
        sent!(
            OP,
            self.store
                .create_group_membership()
                .identity_store_id(identity_store_id)
                .group_id(group_id)
                .member_id(aws_sdk_identitystore::types::MemberId::UserId(
                    user_id.to_string(),
                ))
        )?;
        Ok(())
    }

    async fn delete_group_membership(
        &self,
        identity_store_id: &str,
        membership_id: &str,
    ) -> AwsResult<()> {
        const OP: &str = "identitystore:DeleteGroupMembership";
        sent!(
            OP,
            self.store
                .delete_group_membership()
                .identity_store_id(identity_store_id)
                .membership_id(membership_id)
        )?;
        Ok(())
    }

    async fn list_identity_users(
        &self,
        identity_store_id: &str,
    ) -> AwsResult<Vec<(String, String)>> {
        const OP: &str = "identitystore:ListUsers";
        let users = every!(
            OP,
            self.store.list_users().identity_store_id(identity_store_id)
        )?;
        Ok(users
            .iter()
            .map(|u| {
                (
                    u.user_id().to_string(),
                    u.user_name().unwrap_or_default().to_string(),
                )
            })
            .collect())
    }

    async fn list_identity_groups(&self, identity_store_id: &str) -> AwsResult<Vec<IdentityGroup>> {
        const OP: &str = "identitystore:ListGroups";
        let groups = every!(
            OP,
            self.store
                .list_groups()
                .identity_store_id(identity_store_id)
        )?;
        Ok(groups
            .iter()
            .map(|g| IdentityGroup {
                id: g.group_id().to_string(),
                name: g.display_name().unwrap_or_default().to_string(),
                description: g.description().unwrap_or_default().to_string(),
            })
            .collect())
    }

    async fn list_group_members(
        &self,
        identity_store_id: &str,
        group_id: &str,
    ) -> AwsResult<Vec<(String, String)>> {
        const OP: &str = "identitystore:ListGroupMemberships";
        let memberships = every!(
            OP,
            self.store
                .list_group_memberships()
                .identity_store_id(identity_store_id)
                .group_id(group_id)
        )?;
        Ok(memberships
            .iter()
            .filter_map(|m| {
                let aws_sdk_identitystore::types::MemberId::UserId(user) = m.member_id()? else {
                    return None;
                };
                Some((m.membership_id()?.to_string(), user.clone()))
            })
            .collect())
    }
}
