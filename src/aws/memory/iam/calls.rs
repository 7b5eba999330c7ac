//! The in-memory IAM's answer to each call of the `Iam` trait, by AWS's rules.

use super::*;

impl Iam for MemoryIam {
    async fn get_caller_identity(&self) -> AwsResult<CallerIdentity> {
        self.wait().await;
        self.read(|s| {
            Ok(s.caller.clone().unwrap_or_else(|| CallerIdentity {
                account: ACCOUNT.to_string(),
                arn: format!("arn:aws:iam::{ACCOUNT}:user/admin"),
                user_id: "AIDAADMIN".to_string(),
            }))
        })
    }

    async fn get_account_password_policy(&self) -> AwsResult<Option<PasswordRules>> {
        self.wait().await;
        self.read(|s| Ok(s.password_rules.clone()))
    }

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
            user_mut(s, OP, user)?.groups.insert(group.to_string());
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

    async fn has_login_profile(&self, user: &str) -> AwsResult<bool> {
        self.wait().await;
        self.read(|s| {
            s.users
                .get(user)
                .map(|u| u.login_profile.is_some())
                .ok_or_else(|| not_found("iam:GetLoginProfile", user))
        })
    }

    async fn create_login_profile(
        &self,
        user: &str,
        password: &Secret,
        password_reset_required: bool,
    ) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:CreateLoginProfile";
        self.mutate(OP, user, |s| {
            check_password_policy(s, OP, password)?;
            let entry = user_mut(s, OP, user)?;
            if entry.login_profile.is_some() {
                return Err(err(OP, AwsErrorKind::AlreadyExists, user));
            }
            entry.login_profile = Some((password.clone(), password_reset_required));
            Ok(())
        })
    }

    async fn update_login_profile(
        &self,
        user: &str,
        password: &Secret,
        password_reset_required: bool,
    ) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:UpdateLoginProfile";
        self.mutate(OP, user, |s| {
            check_password_policy(s, OP, password)?;
            let profile = &mut user_mut(s, OP, user)?.login_profile;
            if profile.is_none() {
                return Err(not_found(OP, "login profile"));
            }
            *profile = Some((password.clone(), password_reset_required));
            Ok(())
        })
    }

    async fn delete_login_profile(&self, user: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteLoginProfile";
        self.mutate(OP, user, |s| {
            user_mut(s, OP, user)?
                .login_profile
                .take()
                .map(|_| ())
                .ok_or_else(|| not_found(OP, "login profile"))
        })
    }

    async fn list_mfa_devices(&self, user: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        self.read(|s| {
            s.users
                .get(user)
                .map(|u| u.mfa_devices.clone())
                .ok_or_else(|| not_found("iam:ListMFADevices", user))
        })
    }

    async fn list_unassigned_virtual_mfa_devices(&self) -> AwsResult<Vec<String>> {
        self.wait().await;
        self.read(|s| {
            Ok(s.devices
                .iter()
                .filter(|(_, d)| d.user.is_none())
                .map(|(serial, _)| serial.clone())
                .collect())
        })
    }

    async fn create_virtual_mfa_device(
        &self,
        name: &str,
        path: &str,
    ) -> AwsResult<VirtualMfaDevice> {
        self.wait().await;
        const OP: &str = "iam:CreateVirtualMFADevice";
        let serial = format!("arn:aws:iam::{ACCOUNT}:mfa{path}{name}");
        self.mutate(OP, name, |s| {
            if s.devices.contains_key(&serial) {
                return Err(err(OP, AwsErrorKind::AlreadyExists, &serial));
            }
            s.devices_made += 1;
            let seed: Vec<u8> = (0..40u8)
                .map(|i| i.wrapping_mul(7) ^ s.devices_made)
                .collect();
            let base32_seed = base32::encode(base32::Alphabet::Rfc4648 { padding: false }, &seed);
            s.devices
                .insert(serial.clone(), MemoryDevice { seed, user: None });
            s.made(&serial);
            Ok(VirtualMfaDevice {
                serial: serial.clone(),
                base32_seed: Secret::new(base32_seed),
            })
        })
    }

    async fn enable_mfa_device(
        &self,
        user: &str,
        serial: &str,
        code1: &str,
        code2: &str,
    ) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:EnableMFADevice";
        let now = self.now;
        self.mutate(OP, &format!("{user} {serial}"), |s| {
            let device = s.devices.get(serial).ok_or_else(|| not_found(OP, serial))?;
            if device.user.is_some() {
                return Err(err(OP, AwsErrorKind::AlreadyExists, "device in use"));
            }
            if !codes_valid(&device.seed, code1, code2, now) {
                return Err(err(OP, AwsErrorKind::Invalid, "InvalidAuthenticationCode"));
            }
            user_mut(s, OP, user)?.mfa_devices.push(serial.to_string());
            s.devices.get_mut(serial).expect("checked above").user = Some(user.to_string());
            Ok(())
        })
    }

    async fn deactivate_mfa_device(&self, user: &str, serial: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeactivateMFADevice";
        self.mutate(OP, &format!("{user} {serial}"), |s| {
            let entry = user_mut(s, OP, user)?;
            let index = entry
                .mfa_devices
                .iter()
                .position(|d| d == serial)
                .ok_or_else(|| not_found(OP, serial))?;
            entry.mfa_devices.remove(index);
            if let Some(device) = s.devices.get_mut(serial) {
                device.user = None;
            }
            Ok(())
        })
    }

    async fn delete_virtual_mfa_device(&self, serial: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteVirtualMFADevice";
        self.mutate(OP, serial, |s| {
            let device = s.devices.get(serial).ok_or_else(|| not_found(OP, serial))?;
            if device.user.is_some() {
                return Err(err(OP, AwsErrorKind::DeleteConflict, "device is assigned"));
            }
            s.devices.remove(serial);
            Ok(())
        })
    }

    async fn list_access_keys(&self, user: &str) -> AwsResult<Vec<AccessKey>> {
        self.wait().await;
        const OP: &str = "iam:ListAccessKeys";
        self.read_op(OP, |s| Ok(user_ref(s, OP, user)?.access_keys.clone()))
    }

    async fn get_access_key_last_used(&self, key_id: &str) -> AwsResult<Option<String>> {
        self.wait().await;
        self.read_op("iam:GetAccessKeyLastUsed", |s| {
            Ok(s.key_last_used
                .get(key_id)
                .cloned()
                .or_else(|| (key_id == "AKIA1").then(|| "2026-11-01T09:30:00Z".to_string())))
        })
    }

    async fn update_access_key_status(
        &self,
        user: &str,
        key_id: &str,
        active: bool,
    ) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:UpdateAccessKey";
        self.mutate(OP, &format!("{user} {key_id}"), |s| {
            let key = user_mut(s, OP, user)?
                .access_keys
                .iter_mut()
                .find(|k| k.id == key_id)
                .ok_or_else(|| not_found(OP, key_id))?;
            key.active = active;
            Ok(())
        })
    }

    async fn create_access_key(&self, user: &str) -> AwsResult<(String, Secret)> {
        self.wait().await;
        const OP: &str = "iam:CreateAccessKey";
        let now = crate::clock::rfc3339(self.now);
        self.mutate(OP, user, |s| {
            s.keys_made += 1;
            let id = format!("AKIAMADE{:04}", s.keys_made);
            let keys = &mut user_mut(s, OP, user)?.access_keys;
            if keys.len() >= 2 {
                return Err(err(
                    OP,
                    AwsErrorKind::LimitExceeded,
                    "a user has at most two access keys",
                ));
            }
            keys.push(AccessKey {
                id: id.clone(),
                active: true,
                created: Some(now.clone()),
            });
            Ok((id.clone(), Secret::new(format!("secret-of-{id}"))))
        })
    }

    async fn delete_access_key(&self, user: &str, key_id: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteAccessKey";
        self.mutate(OP, &format!("{user} {key_id}"), |s| {
            remove_where(
                &mut user_mut(s, OP, user)?.access_keys,
                |k| k.id == key_id,
                OP,
            )
        })
    }

    async fn list_signing_certificates(&self, user: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        const OP: &str = "iam:ListSigningCertificates";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?.signing_certificates.clone())
        })
    }

    async fn delete_signing_certificate(&self, user: &str, certificate_id: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteSigningCertificate";
        self.mutate(OP, &format!("{user} {certificate_id}"), |s| {
            let certificates = &mut user_mut(s, OP, user)?.signing_certificates;
            remove_where(certificates, |c| c == certificate_id, OP)
        })
    }

    async fn list_ssh_public_keys(&self, user: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        const OP: &str = "iam:ListSSHPublicKeys";
        self.read_op(OP, |s| Ok(user_ref(s, OP, user)?.ssh_public_keys.clone()))
    }

    async fn delete_ssh_public_key(&self, user: &str, key_id: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteSSHPublicKey";
        self.mutate(OP, &format!("{user} {key_id}"), |s| {
            remove_where(
                &mut user_mut(s, OP, user)?.ssh_public_keys,
                |k| k == key_id,
                OP,
            )
        })
    }

    async fn list_service_specific_credentials(
        &self,
        user: &str,
    ) -> AwsResult<Vec<ServiceCredential>> {
        self.wait().await;
        const OP: &str = "iam:ListServiceSpecificCredentials";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?.service_credentials.clone())
        })
    }

    async fn delete_service_specific_credential(
        &self,
        user: &str,
        credential_id: &str,
    ) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteServiceSpecificCredential";
        self.mutate(OP, &format!("{user} {credential_id}"), |s| {
            let credentials = &mut user_mut(s, OP, user)?.service_credentials;
            remove_where(credentials, |c| c.id == credential_id, OP)
        })
    }

    async fn list_user_policies(&self, user: &str) -> AwsResult<Vec<String>> {
        self.wait().await;
        const OP: &str = "iam:ListUserPolicies";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?
                .inline_policies
                .iter()
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
            serde_json::from_str::<serde_json::Value>(document)
                .map_err(|_| err(OP, AwsErrorKind::Invalid, "MalformedPolicyDocument"))?;
            let person = user_mut(s, OP, user)?;
            let others: usize = person
                .inline_sizes
                .iter()
                .filter(|(name, _)| *name != policy_name)
                .map(|(_, size)| size)
                .sum();
            let size = crate::quotas::policy_chars(document);
            if others + size > crate::quotas::USER_INLINE_POLICIES {
                return Err(err(
                    OP,
                    AwsErrorKind::LimitExceeded,
                    "the user's inline policies would pass 2,048 characters",
                ));
            }
            person.inline_sizes.insert(policy_name.to_string(), size);
            person.inline_policies.insert(policy_name.to_string());
            Ok(())
        })
    }

    async fn delete_user_policy(&self, user: &str, policy_name: &str) -> AwsResult<()> {
        self.wait().await;
        const OP: &str = "iam:DeleteUserPolicy";
        self.mutate(OP, &format!("{user} {policy_name}"), |s| {
            let person = user_mut(s, OP, user)?;
            person.inline_sizes.remove(policy_name);
            removed(OP, person.inline_policies.remove(policy_name), policy_name)
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
            for (key, value) in tags {
                entry.tags.retain(|(k, _)| k != key);
                entry.tags.push((key.clone(), value.clone()));
            }
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

    async fn root_has_mfa(&self) -> AwsResult<bool> {
        self.wait().await;
        self.read_op("iam:GetAccountSummary", |s| Ok(s.root_mfa))
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

    async fn list_mfa_devices_enabled(&self, user: &str) -> AwsResult<Vec<MfaDevice>> {
        self.wait().await;
        const OP: &str = "iam:ListMFADevices";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?
                .mfa_devices
                .iter()
                .map(|serial| MfaDevice {
                    serial: serial.clone(),
                    enabled: Some(MEMORY_CREATED.to_string()),
                })
                .collect())
        })
    }

    async fn login_profile_created(&self, user: &str) -> AwsResult<Option<Option<String>>> {
        self.wait().await;
        const OP: &str = "iam:GetLoginProfile";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?
                .login_profile
                .as_ref()
                .map(|_| Some(MEMORY_CREATED.to_string())))
        })
    }

    async fn list_authorized_users(&self) -> AwsResult<Vec<AuthorizedUser>> {
        self.wait().await;
        self.read_op("iam:GetAccountAuthorizationDetails", |s| {
            Ok(s.users
                .iter()
                .map(|(name, u)| AuthorizedUser {
                    name: name.clone(),
                    arn: u.arn.clone(),
                    created: Some(MEMORY_CREATED.to_string()),
                    tags: u.tags.clone(),
                    groups: u.groups.iter().cloned().collect(),
                    attached_policies: u.attached_policies.iter().cloned().collect(),
                    inline_policies: u.inline_policies.iter().cloned().collect(),
                    permissions_boundary: u.boundary.clone(),
                })
                .collect())
        })
    }

    async fn service_last_accessed(&self, arn: &str) -> AwsResult<Vec<ServiceLastAccessed>> {
        self.wait().await;
        const OP: &str = "iam:GenerateServiceLastAccessedDetails";
        self.read_op(OP, |s| {
            let known = s
                .groups
                .keys()
                .chain(s.roles.keys())
                .any(|name| arn.rsplit('/').next() == Some(name.as_str()));
            if !known {
                return Err(not_found(OP, arn));
            }
            Ok(s.last_accessed.get(arn).cloned().unwrap_or_default())
        })
    }

    async fn credential_report(&self) -> AwsResult<Vec<CredentialRow>> {
        self.wait().await;
        self.read_op("iam:GetCredentialReport", |s| {
            Ok(s.users
                .iter()
                .map(|(name, u)| CredentialRow {
                    user: name.clone(),
                    created: Some(MEMORY_CREATED.to_string()),
                    password_enabled: u.login_profile.is_some(),
                    password_last_used: None,
                    mfa_active: !u.mfa_devices.is_empty(),
                    access_keys_active: u.access_keys.iter().map(|k| k.active).collect(),
                    access_keys_last_used: u.access_keys.iter().map(|_| None).collect(),
                    access_keys_last_rotated: u
                        .access_keys
                        .iter()
                        .map(|k| k.created.clone())
                        .collect(),
                })
                .collect())
        })
    }
}

/// A removal's answer: done when it was there, else NoSuchEntity naming what was not.
fn removed(operation: &'static str, was_there: bool, what: &str) -> AwsResult<()> {
    if was_there {
        Ok(())
    } else {
        Err(not_found(operation, what))
    }
}

fn parsed(operation: &'static str, document: &str) -> AwsResult<serde_json::Value> {
    serde_json::from_str(document)
        .map_err(|_| err(operation, AwsErrorKind::Invalid, "MalformedPolicyDocument"))
}

/// AWS's quota on the inline policies of one group or role together, `name` written anew.
fn within_inline_quota(
    operation: &'static str,
    policies: &BTreeMap<String, serde_json::Value>,
    name: &str,
    document: &serde_json::Value,
    limit: usize,
) -> AwsResult<()> {
    let size = |p: &serde_json::Value| crate::quotas::policy_chars(&p.to_string());
    let others: usize = policies
        .iter()
        .filter(|(n, _)| *n != name)
        .map(|(_, p)| size(p))
        .sum();
    if others + size(document) > limit {
        return Err(err(
            operation,
            AwsErrorKind::LimitExceeded,
            &format!("the inline policies together would pass {limit} characters"),
        ));
    }
    Ok(())
}

/// AWS's rules for a trust policy: a JSON document of at most 2,048 characters.
fn trust_checked(operation: &'static str, document: &str) -> AwsResult<serde_json::Value> {
    if let Some(why) =
        crate::quotas::too_large("the trust policy", document, crate::quotas::TRUST_POLICY)
    {
        return Err(err(operation, AwsErrorKind::LimitExceeded, &why));
    }
    parsed(operation, document)
}

/// CreateRole's and UpdateRole's `MaxSessionDuration`: 3,600 to 43,200 seconds.
fn max_session_checked(operation: &'static str, seconds: u64) -> AwsResult<()> {
    if crate::quotas::ROLE_MAX_SESSION_SECS.contains(&seconds) {
        Ok(())
    } else {
        Err(err(
            operation,
            AwsErrorKind::Invalid,
            "MaxSessionDuration must be 3600 to 43200",
        ))
    }
}

fn role_ref<'a>(
    state: &'a State,
    operation: &'static str,
    name: &str,
) -> AwsResult<&'a MemoryRole> {
    state
        .roles
        .get(name)
        .filter(|_| !state.invisible(name))
        .ok_or_else(|| not_found(operation, name))
}

fn role_mut<'a>(
    state: &'a mut State,
    operation: &'static str,
    name: &str,
) -> AwsResult<&'a mut MemoryRole> {
    if state.invisible(name) {
        return Err(not_found(operation, name));
    }
    state
        .roles
        .get_mut(name)
        .ok_or_else(|| not_found(operation, name))
}
