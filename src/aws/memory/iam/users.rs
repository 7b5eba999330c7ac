//! The in-memory IAM's users: lifecycle (DeleteConflict while anything is attached),
//! memberships, their own policies, tags and boundary.

use super::*;

impl IamUsers for MemoryIam {
    async fn list_users(&self) -> AwsResult<Vec<String>> {
        self.wait().await;
        self.read(|s| Ok(s.users.keys().cloned().collect()))
    }

    async fn get_user(&self, name: &str) -> AwsResult<Option<UserInfo>> {
        self.wait().await;
        self.read(|s| {
            Ok(s.users
                .get(name)
                .filter(|_| !s.invisible(name))
                .map(|u| UserInfo {
                    name: name.to_string(),
                    arn: u.arn.clone(),
                    user_id: u.id.clone(),
                    tags: u.tags.clone(),
                    permissions_boundary: u.boundary.clone(),
                    created: Some(MEMORY_CREATED.to_string()),
                    password_last_used: None,
                }))
        })
    }

    async fn create_user(&self, user: &NewUser) -> AwsResult<String> {
        self.wait().await;
        const OP: &str = "iam:CreateUser";
        self.mutate(OP, &user.name, |s| {
            if s.users.keys().any(|k| k.eq_ignore_ascii_case(&user.name)) {
                return Err(err(OP, AwsErrorKind::AlreadyExists, &user.name));
            }
            if !s.policies.contains_key(&user.permissions_boundary) {
                return Err(not_found(OP, &user.permissions_boundary));
            }
            let arn = format!("arn:aws:iam::{ACCOUNT}:user{}{}", user.path, user.name);
            let id = s.next_user_id();
            s.users.insert(
                user.name.clone(),
                MemoryUser {
                    arn: arn.clone(),
                    id,
                    tags: user.tags.clone(),
                    boundary: Some(user.permissions_boundary.clone()),
                    ..MemoryUser::default()
                },
            );
            s.made(&user.name);
            Ok(arn)
        })
    }

    async fn delete_user(&self, name: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteUser";
        self.mutate(OP, name, |s| {
            let user = s.users.get(name).ok_or_else(|| not_found(OP, name))?;
            let attached = [
                ("login profile", user.login_profile.is_some()),
                ("access keys", !user.access_keys.is_empty()),
                (
                    "signing certificates",
                    !user.signing_certificates.is_empty(),
                ),
                ("SSH public keys", !user.ssh_public_keys.is_empty()),
                (
                    "service-specific credentials",
                    !user.service_credentials.is_empty(),
                ),
                ("MFA devices", !user.mfa_devices.is_empty()),
                ("inline policies", !user.inline_policies.is_empty()),
                ("managed policies", !user.attached_policies.is_empty()),
                ("groups", !user.groups.is_empty()),
            ];
            if let Some((what, _)) = attached.iter().find(|(_, present)| *present) {
                return Err(err(
                    OP,
                    AwsErrorKind::DeleteConflict,
                    &format!("must remove {what} first"),
                ));
            }
            s.users.remove(name);
            Ok(())
        })
    }

    async fn list_groups_for_user(&self, user: &str) -> AwsResult<Vec<GroupRef>> {
        self.wait().await;
        self.read(|s| {
            user_ref(s, "iam:ListGroupsForUser", user).map(|u| {
                u.groups
                    .iter()
                    .map(|name| GroupRef {
                        name: name.clone(),
                        arn: format!("arn:aws:iam::{ACCOUNT}:group/{name}"),
                    })
                    .collect()
            })
        })
    }

    async fn add_user_to_group(&self, group: &str, user: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:AddUserToGroup";
        self.mutate(OP, &format!("{group} {user}"), |s| {
            if !s.groups.contains_key(group) {
                return Err(not_found(OP, group));
            }
            let groups = &mut user_mut(s, OP, user)?.groups;
            if groups.len() >= crate::quotas::GROUPS_A_USER && !groups.contains(group) {
                return Err(err(OP, AwsErrorKind::LimitExceeded, "ten groups"));
            }
            groups.insert(group.to_string());
            Ok(())
        })
    }

    async fn remove_user_from_group(&self, group: &str, user: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:RemoveUserFromGroup";
        self.mutate(OP, &format!("{group} {user}"), |s| {
            removed(OP, user_mut(s, OP, user)?.groups.remove(group), group)
        })
    }

    async fn list_user_policies(&self, user: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        const OP: &str = "iam:ListUserPolicies";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?
                .inline_policies
                .keys()
                .cloned()
                .collect())
        })
    }

    async fn put_user_policy(
        &self,
        user: &str,
        policy_name: &str,
        document: &str,
    ) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:PutUserPolicy";
        self.mutate(OP, &format!("{user} {policy_name}"), |s| {
            let parsed = serde_json::from_str::<serde_json::Value>(document)
                .map_err(|_| err(OP, AwsErrorKind::Invalid, "MalformedPolicyDocument"))?;
            let person = user_mut(s, OP, user)?;
            let others: usize = person
                .inline_policies
                .iter()
                .filter(|(name, _)| *name != policy_name)
                .map(|(_, policy)| policy.size)
                .sum();
            let size = crate::quotas::policy_chars(document);
            if others + size > crate::quotas::USER_INLINE_POLICIES {
                return Err(err(
                    OP,
                    AwsErrorKind::LimitExceeded,
                    "the user's inline policies would pass 2,048 characters",
                ));
            }
            let policy = MemoryInlinePolicy {
                size,
                document: Some(parsed),
            };
            person
                .inline_policies
                .insert(policy_name.to_string(), policy);
            Ok(())
        })
    }

    async fn delete_user_policy(&self, user: &str, policy_name: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteUserPolicy";
        self.mutate(OP, &format!("{user} {policy_name}"), |s| {
            let person = user_mut(s, OP, user)?;
            let policy = person.inline_policies.remove(policy_name);
            removed(OP, policy.is_some(), policy_name)
        })
    }

    async fn list_attached_user_policies(&self, user: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        const OP: &str = "iam:ListAttachedUserPolicies";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?
                .attached_policies
                .iter()
                .cloned()
                .collect())
        })
    }

    async fn attach_user_policy(&self, user: &str, policy_arn: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:AttachUserPolicy";
        self.mutate(OP, &format!("{user} {policy_arn}"), |s| {
            if !policy_known(s, policy_arn) {
                return Err(not_found(OP, policy_arn));
            }
            let attached = &mut user_mut(s, OP, user)?.attached_policies;
            if attached.len() >= MANAGED_POLICIES_A_USER && !attached.contains(policy_arn) {
                return Err(err(OP, AwsErrorKind::LimitExceeded, "ten managed policies"));
            }
            attached.insert(policy_arn.to_string());
            Ok(())
        })
    }

    async fn detach_user_policy(&self, user: &str, policy_arn: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DetachUserPolicy";
        self.mutate(OP, &format!("{user} {policy_arn}"), |s| {
            removed(
                OP,
                user_mut(s, OP, user)?.attached_policies.remove(policy_arn),
                policy_arn,
            )
        })
    }

    async fn tag_user(&self, user: &str, tags: &[(String, String)]) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:TagUser";
        self.mutate(OP, user, |s| {
            let entry = user_mut(s, OP, user)?;
            // A key the user has in another case is the same key: its value is replaced.
            let mut merged = entry.tags.clone();
            for (key, value) in tags {
                merged.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
                merged.push((key.clone(), value.clone()));
            }
            if merged.len() > crate::names::MAX_TAGS {
                return Err(err(
                    OP,
                    AwsErrorKind::LimitExceeded,
                    &format!(
                        "{user} would carry {} tags; a user may carry {}",
                        merged.len(),
                        crate::names::MAX_TAGS
                    ),
                ));
            }
            entry.tags = merged;
            Ok(())
        })
    }

    async fn put_user_permissions_boundary(&self, user: &str, policy_arn: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:PutUserPermissionsBoundary";
        self.mutate(OP, &format!("{user} {policy_arn}"), |s| {
            user_mut(s, OP, user)?.boundary = Some(policy_arn.to_string());
            Ok(())
        })
    }

    async fn delete_user_permissions_boundary(&self, user: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteUserPermissionsBoundary";
        self.mutate(OP, user, |s| {
            user_mut(s, OP, user)?.boundary = None;
            Ok(())
        })
    }

    async fn untag_user(&self, user: &str, keys: &[&str]) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:UntagUser";
        self.mutate(OP, user, |s| {
            let entry = user_mut(s, OP, user)?;
            entry.tags.retain(|(k, _)| !keys.contains(&k.as_str()));
            Ok(())
        })
    }
}
