//! An in-memory IAM for unit tests that enforces the rules AWS enforces and moto does not:
//! DeleteUser's DeleteConflict while anything is attached, DeleteVirtualMFADevice refusing an
//! assigned device, EnableMFADevice checking two consecutive codes, a permissions boundary that
//! must exist and is stored, the password policy, the size quotas of a managed policy and of a
//! user's inline policies together, and ten managed policies a user; for roles the trust
//! policy's size and conditions (evaluated on AssumeRole), the maximum session, the inline
//! policies' size together, and the deny statements of a role's inline policies on each call
//! of one of its sessions.
//! With a consistency lag, what a create made stays invisible to every other call (NoSuchEntity)
//! for that long on tokio's clock, as IAM's eventual consistency may leave it. Any mutating call can be made to fail,
//! either refused or with its answer lost after the change was made. The state and its checks are
//! here; each of the four `Iam` traits is answered in a file below, AssumeRole in `roles`.

use super::latency::{Latency, Simulated};
use crate::aws::{
    AccessKey, AuthorizedUser, AwsError, AwsErrorKind, AwsResult, CallerIdentity, CredentialRow,
    GroupRef, HeldPolicy, IamAccess, IamAccount, IamCredentials, IamUsers, MfaDevice, NewRole,
    NewUser, PasswordRules, PolicyVersion, RoleInfo, ServiceCredential, ServiceLastAccessed,
    UserInfo, VirtualMfaDevice, aws_managed_policy_name,
};
use crate::secret::Secret;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

mod access;
mod account;
mod credentials;
mod roles;
mod users;

pub(crate) use roles::RoleSession;

pub(crate) const ACCOUNT: &str = "123456789012";
/// When every user, key, profile and device of the model was made.
pub(crate) const MEMORY_CREATED: &str = "2026-11-01T09:00:00Z";

#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MemoryUser {
    pub(crate) arn: String,
    pub(crate) id: String,
    pub(crate) tags: Vec<(String, String)>,
    pub(crate) boundary: Option<String>,
    pub(crate) groups: BTreeSet<String>,
    pub(crate) login_profile: Option<(Secret, bool)>,
    pub(crate) mfa_devices: Vec<String>,
    pub(crate) access_keys: Vec<AccessKey>,
    pub(crate) signing_certificates: Vec<String>,
    pub(crate) ssh_public_keys: Vec<String>,
    pub(crate) service_credentials: Vec<ServiceCredential>,
    /// The user's inline policies by name.
    pub(crate) inline_policies: BTreeMap<String, MemoryInlinePolicy>,
    pub(crate) attached_policies: BTreeSet<String>,
}

/// A user's inline policy: its size as AWS counts it and, when PutUserPolicy made it, its
/// document. A test may seed one by name alone (size 0, no document).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MemoryInlinePolicy {
    pub(crate) size: usize,
    pub(crate) document: Option<serde_json::Value>,
}

/// A role: its trust, maximum session, boundary, attached and inline policies.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct MemoryRole {
    pub(crate) arn: String,
    pub(crate) id: String,
    pub(crate) trust: serde_json::Value,
    pub(crate) max_session_secs: u64,
    pub(crate) boundary: Option<String>,
    pub(crate) attached: BTreeSet<String>,
    pub(crate) inline: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct MemoryPolicy {
    /// (version id, document, is default)
    pub(crate) versions: Vec<(String, serde_json::Value, bool)>,
    pub(crate) next_version: u32,
}

#[derive(Debug, Clone)]
pub(crate) struct MemoryDevice {
    pub(crate) seed: Vec<u8>,
    pub(crate) user: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct State {
    pub(crate) users: BTreeMap<String, MemoryUser>,
    pub(crate) groups: BTreeMap<String, Vec<String>>,
    /// Each group's inline policies, by name.
    pub(crate) group_inline: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    pub(crate) roles: BTreeMap<String, MemoryRole>,
    pub(crate) policies: BTreeMap<String, MemoryPolicy>,
    pub(crate) devices: BTreeMap<String, MemoryDevice>,
    pub(crate) password_rules: Option<PasswordRules>,
    /// Whether the root user has MFA (GetAccountSummary).
    pub(crate) root_mfa: bool,
    /// When each access key was last used, by id (AKIA1 of `add_everything` answers a fixed
    /// time besides).
    pub(crate) key_last_used: BTreeMap<String, String>,
    keys_made: u32,
    /// IAM's last-accessed data of each group or role, by ARN.
    pub(crate) last_accessed: BTreeMap<String, Vec<ServiceLastAccessed>>,
    /// Every mutating call, in order, as `Operation target`.
    pub(crate) calls: Vec<String>,
    devices_made: u8,
    users_made: u32,
    /// Who GetCallerIdentity says is calling; `None`: an `admin` user that is not in `users`.
    pub(crate) caller: Option<CallerIdentity>,
    /// How long a created entity stays invisible to other calls.
    lag: std::time::Duration,
    /// Entities made within the lag (user and group names, policy ARNs, device serials), and
    /// from when each is visible.
    visible_from: BTreeMap<String, tokio::time::Instant>,
}

impl State {
    /// Records an entity just made: invisible to other calls for the lag.
    fn made(&mut self, name: &str) {
        if !self.lag.is_zero() {
            let visible = tokio::time::Instant::now() + self.lag;
            self.visible_from.insert(name.to_string(), visible);
        }
    }

    /// Whether `name` was made too recently for other calls to see it.
    fn invisible(&self, name: &str) -> bool {
        self.visible_from
            .get(name)
            .is_some_and(|from| tokio::time::Instant::now() < *from)
    }

    /// A new unique id, as AWS gives each user it creates.
    fn next_user_id(&mut self) -> String {
        self.users_made += 1;
        format!("AIDA{:016}", self.users_made)
    }
}

/// How an injected failure behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Injected {
    /// AWS refuses the call; nothing changes.
    Refused(AwsErrorKind),
    /// The change is made but its answer is lost (a timeout).
    AnswerLost,
    /// The change is made, its answer is lost, and the SDK sends the call again: the caller
    /// sees the second answer (for a create, EntityAlreadyExists).
    AnswerLostThenRetried,
}

/// One account's IAM; a clone is another handle to the same account (as another client of it
/// would be).
#[derive(Debug, Clone)]
pub(crate) struct MemoryIam {
    pub(crate) state: Arc<Mutex<State>>,
    now: u64,
    failures: Arc<Mutex<BTreeMap<usize, Injected>>>,
    /// Operations refused on every call (a permission missing, a proxy that refuses them).
    refused_always: Arc<Mutex<BTreeMap<String, AwsErrorKind>>>,
    unimplemented: Arc<Mutex<BTreeSet<&'static str>>>,
    /// How long each call takes, as a round trip to AWS would (on tokio's clock).
    latency: Latency,
}

impl MemoryIam {
    /// An empty account whose clock (for MFA codes) reads `now`.
    pub(crate) fn new(now: u64) -> Self {
        MemoryIam {
            state: Arc::new(Mutex::new(State::default())),
            now,
            failures: Arc::new(Mutex::new(BTreeMap::new())),
            refused_always: Arc::new(Mutex::new(BTreeMap::new())),
            unimplemented: Arc::new(Mutex::new(BTreeSet::new())),
            latency: Latency::default(),
        }
    }

    async fn wait(&self) {
        self.latency.wait().await;
    }

    /// One round trip, for a call another model answers about this account (AssumeRole).
    pub(crate) async fn wait_a_call(&self) {
        self.wait().await;
    }

    /// Makes a read call fail as an emulator that lacks it does (HTTP 500).
    pub(crate) fn unimplement(&self, operation: &'static str) {
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

    /// A role made outside the tool (as Organizations makes `OrganizationAccountAccessRole`
    /// in each account it creates), trusting the management account.
    pub(crate) fn add_role(&self, name: &str) {
        self.state.lock().unwrap().roles.insert(
            name.to_string(),
            MemoryRole {
                arn: format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
                id: format!("AROA{name}"),
                max_session_secs: 3_600,
                ..MemoryRole::default()
            },
        );
    }

    /// Gives `name` one of everything AWS can attach to a user, as a person built by hand
    /// would: two MFA devices (a virtual one and a hardware one), two access keys, a signing
    /// certificate, an SSH key, a service-specific credential, two inline policies, a managed
    /// policy (also its boundary), a group and a tag.
    pub(crate) fn add_everything(&self, name: &str, group: &str, policy_arn: &str) {
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
            created: Some(MEMORY_CREATED.to_string()),
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
                inline_policies: ["inline-a", "inline-b"]
                    .map(|name| (name.to_string(), MemoryInlinePolicy::default()))
                    .into(),
                attached_policies: [policy_arn.to_string()].into(),
            },
        );
    }

    /// A new account holding what this one holds (its calls included), with no failures
    /// injected: the start of each run of a fault matrix over a state made by other runs.
    pub(crate) fn copy(&self) -> MemoryIam {
        let copied = MemoryIam::new(self.now);
        *copied.state.lock().unwrap() = self.state.lock().unwrap().clone();
        copied
    }

    /// Makes the `index`-th mutating call (counting from 0) fail.
    pub(crate) fn fail_call(&self, index: usize, how: Injected) {
        self.failures.lock().unwrap().insert(index, how);
    }

    /// Refuses every call of `operation` from now on, as AWS would without the permission.
    pub(crate) fn refuse_always(&self, operation: &str, kind: AwsErrorKind) {
        self.refused_always
            .lock()
            .unwrap()
            .insert(operation.to_string(), kind);
    }

    /// Takes every injected failure away, for the run that follows a failed one.
    pub(crate) fn heal(&self) {
        self.failures.lock().unwrap().clear();
        self.refused_always.lock().unwrap().clear();
    }

    pub(crate) fn calls(&self) -> Vec<String> {
        self.state.lock().unwrap().calls.clone()
    }

    pub(crate) fn user(&self, name: &str) -> Option<MemoryUser> {
        self.state.lock().unwrap().users.get(name).cloned()
    }

    /// Changes a user behind the API's back, as someone in the console would.
    pub(crate) fn edit_user(&self, name: &str, edit: impl FnOnce(&mut MemoryUser)) {
        edit(
            self.state
                .lock()
                .unwrap()
                .users
                .get_mut(name)
                .expect("the user exists"),
        );
    }

    pub(crate) fn device_count(&self) -> usize {
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
        if !CREATES.contains(&operation)
            && let Some(unseen) = target.split(' ').find(|name| state.invisible(name))
        {
            return Err(not_found(operation, unseen));
        }
        if let Some(kind) = self.refused_always.lock().unwrap().get(operation) {
            return Err(err(operation, *kind, "injected: refused on every call"));
        }
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

/// AWS's default quota of managed policies attached to one user, group or role.
const MANAGED_POLICIES_A_USER: usize = 10;

/// The AWS managed policies the model knows (a sample of AWS's several hundred): the
/// job-function ones templates use, the deny-all that offboarding attaches, and the
/// administrator policies the audit looks for.
const AWS_MANAGED_POLICIES: [&str; 9] = [
    "AWSDenyAll",
    "AdministratorAccess",
    "IAMFullAccess",
    "SecurityAudit",
    "ReadOnlyAccess",
    "AWSBillingReadOnlyAccess",
    "job-function/ViewOnlyAccess",
    "job-function/Billing",
    "job-function/SupportUser",
];

/// Whether `arn` is an AWS managed policy the model knows.
pub(crate) fn is_known_aws_managed(arn: &str) -> bool {
    aws_managed_policy_name(arn).is_some_and(|name| AWS_MANAGED_POLICIES.contains(&name))
}

/// Whether a managed policy exists: one made in the account, or a known AWS managed one.
fn policy_known(state: &State, arn: &str) -> bool {
    state.policies.contains_key(arn) || is_known_aws_managed(arn)
}

/// The calls that make an entity: they see what exists (EntityAlreadyExists) at once.
const CREATES: [&str; 5] = [
    "iam:CreateUser",
    "iam:CreateRole",
    "iam:CreateGroup",
    "iam:CreatePolicy",
    "iam:CreateVirtualMFADevice",
];

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

/// The user or role `name` as IAM answers for it: not found while it is not yet visible.
fn visible<T>(
    entity: Option<T>,
    invisible: bool,
    operation: &'static str,
    name: &str,
) -> AwsResult<T> {
    entity
        .filter(|_| !invisible)
        .ok_or_else(|| not_found(operation, name))
}

fn user_ref<'a>(
    state: &'a State,
    operation: &'static str,
    name: &str,
) -> AwsResult<&'a MemoryUser> {
    visible(
        state.users.get(name),
        state.invisible(name),
        operation,
        name,
    )
}

fn user_mut<'a>(
    state: &'a mut State,
    operation: &'static str,
    name: &str,
) -> AwsResult<&'a mut MemoryUser> {
    let invisible = state.invisible(name);
    visible(state.users.get_mut(name), invisible, operation, name)
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

/// AWS's quota on a managed policy's size (LimitExceeded, as CreatePolicy answers).
fn check_managed_policy_size(operation: &'static str, document: &str) -> AwsResult<()> {
    match crate::quotas::too_large("the policy", document, crate::quotas::MANAGED_POLICY) {
        Some(why) => Err(err(operation, AwsErrorKind::LimitExceeded, &why)),
        None => Ok(()),
    }
}

/// AWS's password policy rule for CreateLoginProfile and UpdateLoginProfile.
fn check_password_policy(
    state: &State,
    operation: &'static str,
    password: &Secret,
) -> AwsResult<()> {
    match &state.password_rules {
        Some(rules) if !crate::password::satisfies(password.expose(), rules) => Err(err(
            operation,
            AwsErrorKind::Invalid,
            "PasswordPolicyViolation",
        )),
        _ => Ok(()),
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
    visible(
        state.roles.get(name),
        state.invisible(name),
        operation,
        name,
    )
}

fn role_mut<'a>(
    state: &'a mut State,
    operation: &'static str,
    name: &str,
) -> AwsResult<&'a mut MemoryRole> {
    let invisible = state.invisible(name);
    visible(state.roles.get_mut(name), invisible, operation, name)
}

impl Simulated for MemoryIam {
    fn latency_mut(&mut self) -> &mut Latency {
        &mut self.latency
    }

    fn set_consistency_lag(&self, lag: std::time::Duration) {
        self.state.lock().unwrap().lag = lag;
    }
}
