//! The in-memory IAM's managed policies, groups and roles, by AWS's rules and quotas.

use super::*;

impl IamAccess for MemoryIam {
    async fn list_local_policies(&self, path: &str) -> AwsResult<Vec<(String, String)>> {
        self.wait().await;
        let under = format!(":policy{path}");
        self.read(|s| {
            Ok(s.policies
                .iter()
                .filter(|(arn, _)| arn.contains(&under))
                .map(|(arn, p)| {
                    let default = p.versions.iter().find(|v| v.2).map(|v| v.0.clone());
                    (arn.clone(), default.unwrap_or_default())
                })
                .collect())
        })
    }

    async fn policy_exists(&self, arn: &str) -> AwsResult<bool> {
        self.wait().await;
        self.read(|s| Ok(policy_known(s, arn)))
    }

    async fn get_policy_version_document(
        &self,
        arn: &str,
        version_id: &str,
    ) -> AwsResult<serde_json::Value> {
        self.wait().await;
        self.read(|s| {
            s.policies
                .get(arn)
                .and_then(|p| p.versions.iter().find(|v| v.0 == version_id))
                .map(|v| v.1.clone())
                .ok_or_else(|| not_found("iam:GetPolicyVersion", arn))
        })
    }

    async fn list_policy_versions(&self, arn: &str) -> AwsResult<Vec<PolicyVersion>> {
        self.wait().await;
        self.read(|s| {
            let policy = s
                .policies
                .get(arn)
                .ok_or_else(|| not_found("iam:ListPolicyVersions", arn))?;
            Ok(policy
                .versions
                .iter()
                .map(|v| PolicyVersion {
                    version_id: v.0.clone(),
                    is_default: v.2,
                })
                .collect())
        })
    }

    async fn create_policy(
        &self,
        name: &str,
        path: &str,
        document: &str,
        _description: &str,
        _tags: &[(String, String)],
    ) -> AwsResult<String> {
        self.wait().await;
        const OP: &str = "iam:CreatePolicy";
        let arn = format!("arn:aws:iam::{ACCOUNT}:policy{path}{name}");
        self.mutate(OP, name, |s| {
            if s.policies.contains_key(&arn) {
                return Err(err(OP, AwsErrorKind::AlreadyExists, name));
            }
            check_managed_policy_size(OP, document)?;
            let document = serde_json::from_str(document)
                .map_err(|_| err(OP, AwsErrorKind::Invalid, "MalformedPolicyDocument"))?;
            s.policies.insert(
                arn.clone(),
                MemoryPolicy {
                    versions: vec![("v1".to_string(), document, true)],
                    next_version: 2,
                },
            );
            s.made(&arn);
            Ok(arn.clone())
        })
    }

    async fn create_policy_version(&self, arn: &str, document: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:CreatePolicyVersion";
        self.mutate(OP, arn, |s| {
            let policy = s.policies.get_mut(arn).ok_or_else(|| not_found(OP, arn))?;
            if policy.versions.len() >= 5 {
                return Err(err(OP, AwsErrorKind::LimitExceeded, "five versions"));
            }
            check_managed_policy_size(OP, document)?;
            let document = serde_json::from_str(document)
                .map_err(|_| err(OP, AwsErrorKind::Invalid, "MalformedPolicyDocument"))?;
            for version in &mut policy.versions {
                version.2 = false;
            }
            policy
                .versions
                .push((format!("v{}", policy.next_version), document, true));
            policy.next_version += 1;
            Ok(())
        })
    }

    async fn delete_policy_version(&self, arn: &str, version_id: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeletePolicyVersion";
        self.mutate(OP, &format!("{arn} {version_id}"), |s| {
            let policy = s.policies.get_mut(arn).ok_or_else(|| not_found(OP, arn))?;
            let index = policy
                .versions
                .iter()
                .position(|v| v.0 == version_id)
                .ok_or_else(|| not_found(OP, version_id))?;
            if policy.versions[index].2 {
                return Err(err(OP, AwsErrorKind::DeleteConflict, "default version"));
            }
            policy.versions.remove(index);
            Ok(())
        })
    }

    async fn get_group(&self, name: &str) -> AwsResult<Option<String>> {
        self.wait().await;
        self.read(|s| {
            Ok((s.groups.contains_key(name) && !s.invisible(name))
                .then(|| format!("arn:aws:iam::{ACCOUNT}:group/{name}")))
        })
    }

    async fn create_group(&self, name: &str, _path: &str) -> AwsResult<String> {
        self.wait().await;
        const OP: &str = "iam:CreateGroup";
        self.mutate(OP, name, |s| {
            if s.groups.contains_key(name) {
                return Err(err(OP, AwsErrorKind::AlreadyExists, name));
            }
            s.groups.insert(name.to_string(), Vec::new());
            s.made(name);
            Ok(format!("arn:aws:iam::{ACCOUNT}:group/{name}"))
        })
    }

    async fn list_attached_group_policies(&self, group: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        self.read(|s| {
            s.groups
                .get(group)
                .filter(|_| !s.invisible(group))
                .cloned()
                .ok_or_else(|| not_found("iam:ListAttachedGroupPolicies", group))
        })
    }

    async fn attach_group_policy(&self, group: &str, policy_arn: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:AttachGroupPolicy";
        self.mutate(OP, &format!("{group} {policy_arn}"), |s| {
            if !policy_known(s, policy_arn) {
                return Err(not_found(OP, policy_arn));
            }
            let attached = s
                .groups
                .get_mut(group)
                .ok_or_else(|| not_found(OP, group))?;
            if !attached.iter().any(|a| a == policy_arn)
                && attached.len() >= MANAGED_POLICIES_A_USER
            {
                return Err(err(
                    OP,
                    AwsErrorKind::LimitExceeded,
                    "ten managed policies a group",
                ));
            }
            if !attached.iter().any(|a| a == policy_arn) {
                attached.push(policy_arn.to_string());
            }
            Ok(())
        })
    }

    async fn get_group_policy(
        &self,
        group: &str,
        name: &str,
    ) -> AwsResult<Option<serde_json::Value>> {
        self.wait().await;
        const OP: &str = "iam:GetGroupPolicy";
        self.read(|s| {
            if !s.groups.contains_key(group) || s.invisible(group) {
                return Err(not_found(OP, group));
            }
            Ok(s.group_inline.get(group).and_then(|p| p.get(name)).cloned())
        })
    }

    async fn put_group_policy(&self, group: &str, name: &str, document: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:PutGroupPolicy";
        self.mutate(OP, &format!("{group} {name}"), |s| {
            let document = parsed(OP, document)?;
            if !s.groups.contains_key(group) {
                return Err(not_found(OP, group));
            }
            let policies = s.group_inline.entry(group.to_string()).or_default();
            within_inline_quota(
                OP,
                policies,
                name,
                &document,
                crate::quotas::GROUP_INLINE_POLICIES,
            )?;
            policies.insert(name.to_string(), document);
            Ok(())
        })
    }

    async fn detach_group_policy(&self, group: &str, policy_arn: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DetachGroupPolicy";
        self.mutate(OP, &format!("{group} {policy_arn}"), |s| {
            let attached = s
                .groups
                .get_mut(group)
                .ok_or_else(|| not_found(OP, group))?;
            let before = attached.len();
            attached.retain(|a| a != policy_arn);
            removed(OP, attached.len() < before, policy_arn)
        })
    }

    async fn delete_group_policy(&self, group: &str, name: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteGroupPolicy";
        self.mutate(OP, &format!("{group} {name}"), |s| {
            let policies = s.group_inline.entry(group.to_string()).or_default();
            removed(OP, policies.remove(name).is_some(), name)
        })
    }

    async fn get_role(&self, name: &str) -> AwsResult<Option<RoleInfo>> {
        self.wait().await;
        self.read(|s| {
            Ok(s.roles
                .get(name)
                .filter(|_| !s.invisible(name))
                .map(|r| RoleInfo {
                    name: name.to_string(),
                    arn: r.arn.clone(),
                    role_id: r.id.clone(),
                    trust: r.trust.clone(),
                    max_session_secs: r.max_session_secs,
                    permissions_boundary: r.boundary.clone(),
                }))
        })
    }

    async fn create_role(&self, role: &NewRole) -> AwsResult<String> {
        self.wait().await;
        const OP: &str = "iam:CreateRole";
        self.mutate(OP, &role.name, |s| {
            if s.roles.keys().any(|k| k.eq_ignore_ascii_case(&role.name)) {
                return Err(err(OP, AwsErrorKind::AlreadyExists, &role.name));
            }
            let trust = trust_checked(OP, &role.trust)?;
            max_session_checked(OP, role.max_session_secs)?;
            if !s.policies.contains_key(&role.permissions_boundary) {
                return Err(not_found(OP, &role.permissions_boundary));
            }
            let arn = format!("arn:aws:iam::{ACCOUNT}:role{}{}", role.path, role.name);
            let id = s.next_user_id().replacen("AIDA", "AROA", 1);
            s.roles.insert(
                role.name.clone(),
                MemoryRole {
                    arn: arn.clone(),
                    id,
                    trust,
                    max_session_secs: role.max_session_secs,
                    boundary: Some(role.permissions_boundary.clone()),
                    ..MemoryRole::default()
                },
            );
            s.made(&role.name);
            Ok(arn)
        })
    }

    async fn update_assume_role_policy(&self, role: &str, document: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:UpdateAssumeRolePolicy";
        self.mutate(OP, role, |s| {
            let trust = trust_checked(OP, document)?;
            role_mut(s, OP, role)?.trust = trust;
            Ok(())
        })
    }

    async fn update_role_max_session(&self, role: &str, seconds: u64) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:UpdateRole";
        self.mutate(OP, role, |s| {
            max_session_checked(OP, seconds)?;
            role_mut(s, OP, role)?.max_session_secs = seconds;
            Ok(())
        })
    }

    async fn put_role_permissions_boundary(&self, role: &str, policy_arn: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:PutRolePermissionsBoundary";
        self.mutate(OP, &format!("{role} {policy_arn}"), |s| {
            if !s.policies.contains_key(policy_arn) {
                return Err(not_found(OP, policy_arn));
            }
            role_mut(s, OP, role)?.boundary = Some(policy_arn.to_string());
            Ok(())
        })
    }

    async fn list_attached_role_policies(&self, role: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        const OP: &str = "iam:ListAttachedRolePolicies";
        self.read(|s| Ok(role_ref(s, OP, role)?.attached.iter().cloned().collect()))
    }

    async fn attach_role_policy(&self, role: &str, policy_arn: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:AttachRolePolicy";
        self.mutate(OP, &format!("{role} {policy_arn}"), |s| {
            if !policy_known(s, policy_arn) {
                return Err(not_found(OP, policy_arn));
            }
            let found = role_mut(s, OP, role)?;
            if !found.attached.contains(policy_arn)
                && found.attached.len() >= MANAGED_POLICIES_A_USER
            {
                return Err(err(
                    OP,
                    AwsErrorKind::LimitExceeded,
                    "ten managed policies a role",
                ));
            }
            found.attached.insert(policy_arn.to_string());
            Ok(())
        })
    }

    async fn detach_role_policy(&self, role: &str, policy_arn: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DetachRolePolicy";
        self.mutate(OP, &format!("{role} {policy_arn}"), |s| {
            let found = role_mut(s, OP, role)?;
            removed(OP, found.attached.remove(policy_arn), policy_arn)
        })
    }

    async fn list_role_policies(&self, role: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        const OP: &str = "iam:ListRolePolicies";
        self.read(|s| Ok(role_ref(s, OP, role)?.inline.keys().cloned().collect()))
    }

    async fn get_role_policy(
        &self,
        role: &str,
        name: &str,
    ) -> AwsResult<Option<serde_json::Value>> {
        self.wait().await;
        const OP: &str = "iam:GetRolePolicy";
        self.read(|s| Ok(role_ref(s, OP, role)?.inline.get(name).cloned()))
    }

    async fn put_role_policy(&self, role: &str, name: &str, document: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:PutRolePolicy";
        self.mutate(OP, &format!("{role} {name}"), |s| {
            let document = parsed(OP, document)?;
            let found = role_mut(s, OP, role)?;
            within_inline_quota(
                OP,
                &found.inline,
                name,
                &document,
                crate::quotas::ROLE_INLINE_POLICIES,
            )?;
            found.inline.insert(name.to_string(), document);
            Ok(())
        })
    }

    async fn delete_role_policy(&self, role: &str, name: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteRolePolicy";
        self.mutate(OP, &format!("{role} {name}"), |s| {
            let found = role_mut(s, OP, role)?;
            removed(OP, found.inline.remove(name).is_some(), name)
        })
    }
}
