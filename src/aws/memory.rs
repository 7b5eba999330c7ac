//! An in-memory IAM for unit tests that enforces the rules AWS enforces and moto does not:
//! DeleteUser's DeleteConflict while anything is attached, DeleteVirtualMFADevice refusing an
//! assigned device, EnableMFADevice checking two consecutive codes, a permissions boundary that
//! must exist and is stored, and the password policy. Any mutating call can be made to fail,
//! either refused or with its answer lost after the change was made.

use super::{
    AccessKey, AwsError, AwsErrorKind, AwsResult, CallerIdentity, GroupRef, Iam, NewUser,
    PasswordRules, PolicyVersion, ServiceCredential, UserInfo, VirtualMfaDevice,
};
use crate::secret::Secret;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

pub const ACCOUNT: &str = "123456789012";

#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemoryUser {
    pub arn: String,
    pub id: String,
    pub tags: Vec<(String, String)>,
    pub boundary: Option<String>,
    pub groups: BTreeSet<String>,
    pub login_profile: Option<(Secret, bool)>,
    pub mfa_devices: Vec<String>,
    pub access_keys: Vec<AccessKey>,
    pub signing_certificates: Vec<String>,
    pub ssh_public_keys: Vec<String>,
    pub service_credentials: Vec<ServiceCredential>,
    pub inline_policies: BTreeSet<String>,
    pub attached_policies: BTreeSet<String>,
}

#[derive(Debug, Clone, Default)]
pub struct MemoryPolicy {
    /// (version id, document, is default)
    pub versions: Vec<(String, serde_json::Value, bool)>,
    pub next_version: u32,
}

#[derive(Debug, Clone)]
pub struct MemoryDevice {
    pub seed: Vec<u8>,
    pub user: Option<String>,
}

#[derive(Debug, Default)]
pub struct State {
    pub users: BTreeMap<String, MemoryUser>,
    pub groups: BTreeMap<String, Vec<String>>,
    pub policies: BTreeMap<String, MemoryPolicy>,
    pub devices: BTreeMap<String, MemoryDevice>,
    pub password_rules: Option<PasswordRules>,
    /// Every mutating call, in order, as `Operation target`.
    pub calls: Vec<String>,
    devices_made: u8,
    users_made: u32,
    /// Who GetCallerIdentity says is calling; `None`: an `admin` user that is not in `users`.
    pub caller: Option<CallerIdentity>,
}

impl State {
    /// A new unique id, as AWS gives each user it creates.
    fn next_user_id(&mut self) -> String {
        self.users_made += 1;
        format!("AIDA{:016}", self.users_made)
    }
}

/// How an injected failure behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Injected {
    /// AWS refuses the call; nothing changes.
    Refused(AwsErrorKind),
    /// The change is made but its answer is lost (a timeout).
    AnswerLost,
    /// The change is made, its answer is lost, and the SDK sends the call again: the caller
    /// sees the second answer (for a create, EntityAlreadyExists).
    AnswerLostThenRetried,
}

#[derive(Debug)]
pub struct MemoryIam {
    pub state: Mutex<State>,
    now: u64,
    failures: Mutex<BTreeMap<usize, Injected>>,
    unimplemented: Mutex<BTreeSet<&'static str>>,
}

impl MemoryIam {
    /// An empty account whose clock (for MFA codes) reads `now`.
    pub fn new(now: u64) -> Self {
        MemoryIam {
            state: Mutex::new(State::default()),
            now,
            failures: Mutex::new(BTreeMap::new()),
            unimplemented: Mutex::new(BTreeSet::new()),
        }
    }

    /// Makes a read call fail as an emulator that lacks it does (HTTP 500).
    pub fn unimplement(&self, operation: &'static str) {
        self.unimplemented.lock().unwrap().insert(operation);
    }

    /// A read call that may be unimplemented.
    fn read_op<T>(
        &self,
        operation: &'static str,
        read: impl FnOnce(&State) -> AwsResult<T>,
    ) -> AwsResult<T> {
        if self.unimplemented.lock().unwrap().contains(operation) {
            return Err(err(operation, AwsErrorKind::Other, "not implemented"));
        }
        read(&self.state.lock().unwrap())
    }

    /// Gives `name` one of everything AWS can attach to a user, as a person built by hand
    /// would: two MFA devices (a virtual one and a hardware one), two access keys, a signing
    /// certificate, an SSH key, a service-specific credential, two inline policies, a managed
    /// policy (also its boundary), a group and a tag.
    pub fn add_everything(&self, name: &str, group: &str, policy_arn: &str) {
        let mut state = self.state.lock().unwrap();
        state.groups.entry(group.to_string()).or_default();
        state.policies.entry(policy_arn.to_string()).or_default();
        let virtual_serial = format!("arn:aws:iam::{ACCOUNT}:mfa/{name}");
        state.devices.insert(
            virtual_serial.clone(),
            MemoryDevice {
                seed: vec![1; 20],
                user: Some(name.to_string()),
            },
        );
        let key = |id: &str, active| AccessKey {
            id: id.to_string(),
            active,
        };
        let id = state.next_user_id();
        state.users.insert(
            name.to_string(),
            MemoryUser {
                arn: format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
                id,
                tags: vec![("team".to_string(), "ops".to_string())],
                boundary: Some(policy_arn.to_string()),
                groups: [group.to_string()].into(),
                login_profile: Some((Secret::new("x"), false)),
                mfa_devices: vec![virtual_serial, "GAHT12345678".to_string()],
                access_keys: vec![key("AKIA1", true), key("AKIA2", false)],
                signing_certificates: vec!["CERT1".to_string()],
                ssh_public_keys: vec!["APKA1".to_string()],
                service_credentials: vec![ServiceCredential {
                    id: "ACCA1".to_string(),
                    service: "codecommit.amazonaws.com".to_string(),
                }],
                inline_policies: ["inline-a".to_string(), "inline-b".to_string()].into(),
                attached_policies: [policy_arn.to_string()].into(),
            },
        );
    }

    /// Makes the `index`-th mutating call (counting from 0) fail.
    pub fn fail_call(&self, index: usize, how: Injected) {
        self.failures.lock().unwrap().insert(index, how);
    }

    pub fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }

    pub fn user(&self, name: &str) -> Option<MemoryUser> {
        self.state.lock().unwrap().users.get(name).cloned()
    }

    pub fn device_count(&self) -> usize {
        self.state.lock().unwrap().devices.len()
    }

    /// Runs a mutating call: logs it, applies the injected failure if any.
    fn mutate<T>(
        &self,
        operation: &'static str,
        target: &str,
        change: impl Fn(&mut State) -> AwsResult<T>,
    ) -> AwsResult<T> {
        let mut state = self.state.lock().unwrap();
        let index = state.calls.len();
        state.calls.push(format!("{operation} {target}"));
        match self.failures.lock().unwrap().get(&index) {
            Some(Injected::Refused(kind)) => Err(err(operation, *kind, "injected")),
            Some(Injected::AnswerLost) => {
                change(&mut state)?;
                Err(err(
                    operation,
                    AwsErrorKind::Uncertain,
                    "injected: no answer",
                ))
            }
            Some(Injected::AnswerLostThenRetried) => {
                change(&mut state)?;
                change(&mut state)
            }
            None => change(&mut state),
        }
    }

    fn read<T>(&self, read: impl FnOnce(&State) -> AwsResult<T>) -> AwsResult<T> {
        read(&self.state.lock().unwrap())
    }
}

fn err(operation: &'static str, kind: AwsErrorKind, message: &str) -> AwsError {
    let code = match kind {
        AwsErrorKind::NotFound => "NoSuchEntity",
        AwsErrorKind::AlreadyExists => "EntityAlreadyExists",
        AwsErrorKind::DeleteConflict => "DeleteConflict",
        AwsErrorKind::AccessDenied => "AccessDenied",
        AwsErrorKind::Invalid => "InvalidInput",
        AwsErrorKind::LimitExceeded => "LimitExceeded",
        AwsErrorKind::Throttled => "Throttling",
        AwsErrorKind::TemporarilyUnmodifiable => "EntityTemporarilyUnmodifiable",
        _ => "ServiceFailure",
    };
    AwsError::new(operation, kind, code, message)
}

fn not_found(operation: &'static str, what: &str) -> AwsError {
    err(
        operation,
        AwsErrorKind::NotFound,
        &format!("{what} not found"),
    )
}

fn user_ref<'a>(
    state: &'a State,
    operation: &'static str,
    name: &str,
) -> AwsResult<&'a MemoryUser> {
    state
        .users
        .get(name)
        .ok_or_else(|| not_found(operation, name))
}

fn user_mut<'a>(
    state: &'a mut State,
    operation: &'static str,
    name: &str,
) -> AwsResult<&'a mut MemoryUser> {
    state
        .users
        .get_mut(name)
        .ok_or_else(|| not_found(operation, name))
}

fn remove_where<T>(
    items: &mut Vec<T>,
    matches: impl Fn(&T) -> bool,
    operation: &'static str,
) -> AwsResult<()> {
    let before = items.len();
    items.retain(|item| !matches(item));
    if items.len() == before {
        Err(not_found(operation, "entity"))
    } else {
        Ok(())
    }
}

/// AWS's EnableMFADevice rule: two codes of consecutive steps, current within a step.
fn codes_valid(seed: &[u8], code1: &str, code2: &str, now: u64) -> bool {
    let totp = totp_rs::TOTP::new_unchecked(
        totp_rs::Algorithm::SHA1,
        6,
        0,
        30,
        seed.to_vec(),
        None,
        String::new(),
    );
    let step = now / 30;
    (step.saturating_sub(2)..=step)
        .any(|first| totp.generate(first * 30) == code1 && totp.generate((first + 1) * 30) == code2)
}

impl Iam for MemoryIam {
    async fn get_caller_identity(&self) -> AwsResult<CallerIdentity> {
        self.read(|s| {
            Ok(s.caller.clone().unwrap_or_else(|| CallerIdentity {
                account: ACCOUNT.to_string(),
                arn: format!("arn:aws:iam::{ACCOUNT}:user/admin"),
                user_id: "AIDAADMIN".to_string(),
            }))
        })
    }

    async fn get_account_password_policy(&self) -> AwsResult<Option<PasswordRules>> {
        self.read(|s| Ok(s.password_rules.clone()))
    }

    async fn get_policy_default_version(&self, arn: &str) -> AwsResult<Option<String>> {
        self.read(|s| {
            Ok(s.policies.get(arn).map(|p| {
                p.versions
                    .iter()
                    .find(|v| v.2)
                    .map(|v| v.0.clone())
                    .unwrap_or_default()
            }))
        })
    }

    async fn get_policy_version_document(
        &self,
        arn: &str,
        version_id: &str,
    ) -> AwsResult<serde_json::Value> {
        self.read(|s| {
            s.policies
                .get(arn)
                .and_then(|p| p.versions.iter().find(|v| v.0 == version_id))
                .map(|v| v.1.clone())
                .ok_or_else(|| not_found("iam:GetPolicyVersion", arn))
        })
    }

    async fn list_policy_versions(&self, arn: &str) -> AwsResult<Vec<PolicyVersion>> {
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
    ) -> AwsResult<String> {
        const OP: &str = "iam:CreatePolicy";
        let arn = format!("arn:aws:iam::{ACCOUNT}:policy{path}{name}");
        self.mutate(OP, name, |s| {
            if s.policies.contains_key(&arn) {
                return Err(err(OP, AwsErrorKind::AlreadyExists, name));
            }
            let document = serde_json::from_str(document)
                .map_err(|_| err(OP, AwsErrorKind::Invalid, "MalformedPolicyDocument"))?;
            s.policies.insert(
                arn.clone(),
                MemoryPolicy {
                    versions: vec![("v1".to_string(), document, true)],
                    next_version: 2,
                },
            );
            Ok(arn.clone())
        })
    }

    async fn create_policy_version(&self, arn: &str, document: &str) -> AwsResult<()> {
        const OP: &str = "iam:CreatePolicyVersion";
        self.mutate(OP, arn, |s| {
            let policy = s.policies.get_mut(arn).ok_or_else(|| not_found(OP, arn))?;
            if policy.versions.len() >= 5 {
                return Err(err(OP, AwsErrorKind::LimitExceeded, "five versions"));
            }
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
        self.read(|s| {
            Ok(s.groups
                .contains_key(name)
                .then(|| format!("arn:aws:iam::{ACCOUNT}:group/{name}")))
        })
    }

    async fn create_group(&self, name: &str, _path: &str) -> AwsResult<String> {
        const OP: &str = "iam:CreateGroup";
        self.mutate(OP, name, |s| {
            if s.groups.contains_key(name) {
                return Err(err(OP, AwsErrorKind::AlreadyExists, name));
            }
            s.groups.insert(name.to_string(), Vec::new());
            Ok(format!("arn:aws:iam::{ACCOUNT}:group/{name}"))
        })
    }

    async fn list_attached_group_policies(&self, group: &str) -> AwsResult<Vec<String>> {
        self.read(|s| {
            s.groups
                .get(group)
                .cloned()
                .ok_or_else(|| not_found("iam:ListAttachedGroupPolicies", group))
        })
    }

    async fn attach_group_policy(&self, group: &str, policy_arn: &str) -> AwsResult<()> {
        const OP: &str = "iam:AttachGroupPolicy";
        self.mutate(OP, &format!("{group} {policy_arn}"), |s| {
            if !s.policies.contains_key(policy_arn) {
                return Err(not_found(OP, policy_arn));
            }
            let attached = s
                .groups
                .get_mut(group)
                .ok_or_else(|| not_found(OP, group))?;
            if !attached.iter().any(|a| a == policy_arn) {
                attached.push(policy_arn.to_string());
            }
            Ok(())
        })
    }

    async fn list_users(&self) -> AwsResult<Vec<String>> {
        self.read(|s| Ok(s.users.keys().cloned().collect()))
    }

    async fn get_user(&self, name: &str) -> AwsResult<Option<UserInfo>> {
        self.read(|s| {
            Ok(s.users.get(name).map(|u| UserInfo {
                name: name.to_string(),
                arn: u.arn.clone(),
                user_id: u.id.clone(),
                tags: u.tags.clone(),
                permissions_boundary: u.boundary.clone(),
            }))
        })
    }

    async fn create_user(&self, user: &NewUser) -> AwsResult<String> {
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
            Ok(arn)
        })
    }

    async fn delete_user(&self, name: &str) -> AwsResult<()> {
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
        self.read(|s| {
            s.users
                .get(user)
                .map(|u| {
                    u.groups
                        .iter()
                        .map(|name| GroupRef {
                            name: name.clone(),
                            arn: format!("arn:aws:iam::{ACCOUNT}:group/{name}"),
                        })
                        .collect()
                })
                .ok_or_else(|| not_found("iam:ListGroupsForUser", user))
        })
    }

    async fn add_user_to_group(&self, group: &str, user: &str) -> AwsResult<()> {
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
        const OP: &str = "iam:RemoveUserFromGroup";
        self.mutate(OP, &format!("{group} {user}"), |s| {
            if user_mut(s, OP, user)?.groups.remove(group) {
                Ok(())
            } else {
                Err(not_found(OP, group))
            }
        })
    }

    async fn has_login_profile(&self, user: &str) -> AwsResult<bool> {
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
        const OP: &str = "iam:CreateLoginProfile";
        self.mutate(OP, user, |s| {
            let rules = s.password_rules.clone();
            if let Some(rules) = rules
                && !crate::password::satisfies(password.expose(), &rules)
            {
                return Err(err(OP, AwsErrorKind::Invalid, "PasswordPolicyViolation"));
            }
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
        const OP: &str = "iam:UpdateLoginProfile";
        self.mutate(OP, user, |s| {
            let rules = s.password_rules.clone();
            if let Some(rules) = rules
                && !crate::password::satisfies(password.expose(), &rules)
            {
                return Err(err(OP, AwsErrorKind::Invalid, "PasswordPolicyViolation"));
            }
            let profile = &mut user_mut(s, OP, user)?.login_profile;
            if profile.is_none() {
                return Err(not_found(OP, "login profile"));
            }
            *profile = Some((password.clone(), password_reset_required));
            Ok(())
        })
    }

    async fn delete_login_profile(&self, user: &str) -> AwsResult<()> {
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
        self.read(|s| {
            s.users
                .get(user)
                .map(|u| u.mfa_devices.clone())
                .ok_or_else(|| not_found("iam:ListMFADevices", user))
        })
    }

    async fn list_unassigned_virtual_mfa_devices(&self) -> AwsResult<Vec<String>> {
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
        const OP: &str = "iam:ListAccessKeys";
        self.read_op(OP, |s| Ok(user_ref(s, OP, user)?.access_keys.clone()))
    }

    async fn get_access_key_last_used(&self, key_id: &str) -> AwsResult<Option<String>> {
        self.read_op("iam:GetAccessKeyLastUsed", |_| {
            Ok((key_id == "AKIA1").then(|| "2026-11-01T09:30:00Z".to_string()))
        })
    }

    async fn update_access_key_status(
        &self,
        user: &str,
        key_id: &str,
        active: bool,
    ) -> AwsResult<()> {
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

    async fn delete_access_key(&self, user: &str, key_id: &str) -> AwsResult<()> {
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
        const OP: &str = "iam:ListSigningCertificates";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?.signing_certificates.clone())
        })
    }

    async fn delete_signing_certificate(&self, user: &str, certificate_id: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteSigningCertificate";
        self.mutate(OP, &format!("{user} {certificate_id}"), |s| {
            let certificates = &mut user_mut(s, OP, user)?.signing_certificates;
            remove_where(certificates, |c| c == certificate_id, OP)
        })
    }

    async fn list_ssh_public_keys(&self, user: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListSSHPublicKeys";
        self.read_op(OP, |s| Ok(user_ref(s, OP, user)?.ssh_public_keys.clone()))
    }

    async fn delete_ssh_public_key(&self, user: &str, key_id: &str) -> AwsResult<()> {
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
        const OP: &str = "iam:DeleteServiceSpecificCredential";
        self.mutate(OP, &format!("{user} {credential_id}"), |s| {
            let credentials = &mut user_mut(s, OP, user)?.service_credentials;
            remove_where(credentials, |c| c.id == credential_id, OP)
        })
    }

    async fn list_user_policies(&self, user: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListUserPolicies";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?
                .inline_policies
                .iter()
                .cloned()
                .collect())
        })
    }

    async fn delete_user_policy(&self, user: &str, policy_name: &str) -> AwsResult<()> {
        const OP: &str = "iam:DeleteUserPolicy";
        self.mutate(OP, &format!("{user} {policy_name}"), |s| {
            if user_mut(s, OP, user)?.inline_policies.remove(policy_name) {
                Ok(())
            } else {
                Err(not_found(OP, policy_name))
            }
        })
    }

    async fn list_attached_user_policies(&self, user: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "iam:ListAttachedUserPolicies";
        self.read_op(OP, |s| {
            Ok(user_ref(s, OP, user)?
                .attached_policies
                .iter()
                .cloned()
                .collect())
        })
    }

    async fn detach_user_policy(&self, user: &str, policy_arn: &str) -> AwsResult<()> {
        const OP: &str = "iam:DetachUserPolicy";
        self.mutate(OP, &format!("{user} {policy_arn}"), |s| {
            if user_mut(s, OP, user)?.attached_policies.remove(policy_arn) {
                Ok(())
            } else {
                Err(not_found(OP, policy_arn))
            }
        })
    }

    async fn tag_user(&self, user: &str, tags: &[(String, String)]) -> AwsResult<()> {
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
}
