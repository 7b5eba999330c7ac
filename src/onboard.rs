//! `new-user`: the validated request, the apply loop that turns a plan into calls while
//! recording how to undo each change, MFA enrolment with locally checked codes, and the mapping
//! of a failure to a rollback and an exit code.
//!
//! Every outside effect comes in through a parameter: the `Iam` boundary, the `CodeSource` that
//! shows the QR code and reads codes, the clock, the random generator for passwords, and the
//! interrupt signal. So the whole flow runs in unit tests against an in-memory IAM.

use crate::aws::{AwsError, AwsErrorKind, AwsResult, Iam, NewUser};
use crate::error::{Error, InputError};
use crate::names;
use crate::password;
use crate::plan::{Observed, Plan, Step, USER_PATH};
use crate::qr;
use crate::secret::{Secret, write_new_private_file};
use crate::template::{IAM_PATH, Template};
use crate::totp::{CodeRejection, MfaSeed};
use crate::undo::{Undo, UndoLog};
use std::future::Future;
use std::path::{Path, PathBuf};

/// Tag that marks what this tool created; a user without it is never changed.
pub const MANAGED_BY_TAG: &str = "managed-by";
pub const MANAGED_BY_VALUE: &str = "iam-onboard";
pub const TEMPLATE_TAG: &str = "iam-onboard:template";
pub const TICKET_TAG: &str = "iam-onboard:ticket";
pub const CREATED_BY_TAG: &str = "iam-onboard:created-by";
pub const DISPLAY_NAME_TAG: &str = "display-name";
pub const EMAIL_TAG: &str = "email";
/// Whether the one-time console password this tool made has reached anyone: `pending` from
/// before the login profile is made until the password is shown or written, then `delivered`.
/// A run that finds a login profile still `pending` makes a new password and delivers it.
pub const PASSWORD_TAG: &str = "iam-onboard:password";
pub const PASSWORD_PENDING: &str = "pending";
pub const PASSWORD_DELIVERED: &str = "delivered";
/// Tags the tool sets itself; `--tag` may not set them.
pub const RESERVED_TAGS: &[&str] = &[
    MANAGED_BY_TAG,
    TEMPLATE_TAG,
    TICKET_TAG,
    CREATED_BY_TAG,
    DISPLAY_NAME_TAG,
    EMAIL_TAG,
    PASSWORD_TAG,
];
/// How many pairs of codes a person may try before the run is undone.
pub const MAX_CODE_TRIES: u32 = 3;

/// How the new user's MFA device is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MfaMode {
    /// QR code on the terminal, codes typed at a prompt.
    Prompt,
    /// The otpauth URI (and optionally a PNG) written to new 0600 files, codes read from stdin.
    Export {
        secret_file: PathBuf,
        qr_png: Option<PathBuf>,
    },
    /// No device now: the force-MFA policy keeps the user to MFA self-service until they enrol.
    Deferred,
}

impl MfaMode {
    pub fn creates_device(&self) -> bool {
        *self != MfaMode::Deferred
    }

    pub fn name(&self) -> &'static str {
        match self {
            MfaMode::Prompt => "prompt",
            MfaMode::Export { .. } => "export",
            MfaMode::Deferred => "deferred",
        }
    }
}

/// A `new-user` request, validated: every field here is known to be acceptable to IAM.
#[derive(Debug, Clone)]
pub struct NewUserRequest {
    pub user_name: String,
    pub template: Template,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub ticket: Option<String>,
    pub extra_tags: Vec<(String, String)>,
    pub console: bool,
    pub mfa: MfaMode,
    pub password_file: Option<PathBuf>,
}

impl NewUserRequest {
    /// Checks everything that does not need AWS: name rules, tag rules and the tag count,
    /// and that the folders of the files to write exist.
    pub fn validate(self) -> Result<Self, InputError> {
        names::validate_user_name(&self.user_name)?;
        for (key, _) in &self.extra_tags {
            if RESERVED_TAGS.iter().any(|r| r.eq_ignore_ascii_case(key)) {
                return Err(InputError::new(
                    format!("tag {key:?}"),
                    "is set by iam-onboard itself; use --ticket, --display-name or --email",
                ));
            }
        }
        let tags = self.user_tags("arn:aws:iam::000000000000:user/placeholder");
        names::validate_tag_set(&tags)?;
        for file in self.secret_files() {
            check_folder(file.flag, file.path)?;
        }
        Ok(self)
    }

    /// The files a run may write secrets to.
    fn secret_files(&self) -> Vec<SecretFile<'_>> {
        let creates_profile: fn(&Step) -> bool = Step::makes_password;
        let creates_device: fn(&Step) -> bool =
            |s| matches!(s, Step::CreateVirtualMfaDevice { .. });
        let (secret_file, qr_png) = self.export_files();
        [
            (
                "--password-file",
                self.password_file.as_deref(),
                creates_profile,
            ),
            ("--mfa-secret-file", secret_file, creates_device),
            ("--mfa-qr-png", qr_png, creates_device),
        ]
        .into_iter()
        .filter_map(|(flag, path, written_by)| {
            path.map(|path| SecretFile {
                flag,
                path,
                written_by,
            })
        })
        .collect()
    }

    /// Refuses, before any change, to overwrite a file that `plan` would write a secret to.
    /// Files a re-run will not write (the password of a login profile that exists) may exist.
    pub fn check_files_are_new(&self, plan: &Plan) -> Result<(), InputError> {
        for file in self.secret_files() {
            if plan.steps.iter().any(file.written_by) && file.path.exists() {
                return Err(InputError::new(
                    file.flag,
                    format!(
                        "{} exists already; secrets are only written to new files",
                        file.path.display()
                    ),
                ));
            }
        }
        Ok(())
    }

    fn export_files(&self) -> (Option<&Path>, Option<&Path>) {
        match &self.mfa {
            MfaMode::Export {
                secret_file,
                qr_png,
            } => (Some(secret_file), qr_png.as_deref()),
            _ => (None, None),
        }
    }

    /// Whether a one-time password this run makes reaches someone only after its login profile
    /// exists (on the terminal, or in a batch report), so it is `pending` until then. A
    /// `--password-file` is written before the login profile is made.
    pub fn delivers_password_later(&self) -> bool {
        self.console && self.password_file.is_none()
    }

    /// The new user's tags: who made it, from what and why, then the template's, then `--tag`.
    pub fn user_tags(&self, created_by: &str) -> Vec<(String, String)> {
        let mut tags = vec![
            (MANAGED_BY_TAG.to_string(), MANAGED_BY_VALUE.to_string()),
            (TEMPLATE_TAG.to_string(), self.template.name.clone()),
            (CREATED_BY_TAG.to_string(), tag_safe(created_by)),
        ];
        let optional = [
            (TICKET_TAG, &self.ticket),
            (DISPLAY_NAME_TAG, &self.display_name),
            (EMAIL_TAG, &self.email),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                tags.push((key.to_string(), value.clone()));
            }
        }
        if self.delivers_password_later() {
            tags.push((PASSWORD_TAG.to_string(), PASSWORD_PENDING.to_string()));
        }
        tags.extend(self.template.tags.iter().cloned());
        tags.extend(self.extra_tags.iter().cloned());
        tags
    }
}

/// A file a run may write a secret to: its flag, its path, and the step that writes it.
struct SecretFile<'a> {
    flag: &'static str,
    path: &'a Path,
    written_by: fn(&Step) -> bool,
}

/// An ARN as a tag value: characters tags do not allow become `_`, and it is cut to 256.
fn tag_safe(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || "_.:/=+-@ ".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(256)
        .collect()
}

fn check_folder(flag: &str, path: &Path) -> Result<(), InputError> {
    let parent = path.parent().filter(|p| !p.as_os_str().is_empty());
    if parent.is_some_and(|p| !p.is_dir()) {
        return Err(InputError::new(
            flag,
            format!("the folder of {} does not exist", path.display()),
        ));
    }
    Ok(())
}

/// The current time, injected so code checking can be tested.
pub trait Clock: Sync {
    fn unix_now(&self) -> u64;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn unix_now(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
    }
}

/// What a code source hands over when asked for codes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeInput {
    Pair(String, String),
    /// No more codes will come (end of input).
    NoMore,
    /// The person pressed Ctrl-C at the prompt.
    Interrupted,
}

/// Where the two MFA codes come from: a person at a prompt, a script on standard input, or a
/// test.
pub trait CodeSource {
    /// Shows the device to the person enrolling it (the QR code on a terminal).
    fn show(&mut self, otpauth_uri: &Secret) -> Result<(), String>;
    /// The next pair of codes.
    fn next_pair(&mut self) -> impl Future<Output = CodeInput>;
    /// Tells the person why a pair was refused.
    fn rejected(&mut self, why: &CodeRejection, tries_left: u32);
}

/// Why a run stopped part-way.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    #[error("{0}")]
    Aws(#[from] AwsError),
    #[error("MFA enrolment failed: {0}")]
    Mfa(String),
    #[error("{context}: {source}")]
    File {
        context: String,
        source: std::io::Error,
    },
    #[error("interrupted")]
    Interrupted,
}

/// What a successful run produced.
#[derive(Debug)]
pub struct Onboarded {
    /// The one-time console password, when it is to be shown on the terminal.
    pub password_to_show: Option<Secret>,
    /// The serial number of the MFA device this run enabled.
    pub mfa_enabled: Option<String>,
}

/// The outside parts `apply` uses.
pub struct Effects<'a, S: CodeSource, R: rand::Rng> {
    pub codes: &'a mut S,
    pub clock: &'a dyn Clock,
    pub rng: &'a mut R,
}

/// The issuer shown in authenticator apps: the account, so people with several can tell.
pub fn mfa_issuer(account: &str) -> String {
    format!("AWS-{account}")
}

/// Applies `plan` in order, recording each change's undo in `undo` before making it.
pub async fn apply<A: Iam, S: CodeSource, R: rand::Rng>(
    api: &A,
    request: &NewUserRequest,
    observed: &Observed,
    plan: &Plan,
    effects: Effects<'_, S, R>,
    undo: &mut UndoLog,
) -> Result<Onboarded, Failure> {
    let Effects { codes, clock, rng } = effects;
    let mut onboarded = Onboarded {
        password_to_show: None,
        mfa_enabled: None,
    };
    let mut new_device: Option<(String, MfaSeed)> = None;
    for step in &plan.steps {
        tracing::info!(%step, "applying");
        match step {
            Step::CreatePolicy { .. }
            | Step::DeletePolicyVersion { .. }
            | Step::CreatePolicyVersion { .. }
            | Step::CreateGroup { .. }
            | Step::AttachGroupPolicy { .. } => apply_shared(api, step).await?,
            Step::CreateUser(user) => {
                let entry = Undo::DeleteUser {
                    user: user.name.clone(),
                    arn: plan.user_arn.clone(),
                };
                match guarded(undo, entry, api.create_user(user)).await {
                    Err(err) if err.is(AwsErrorKind::AlreadyExists) => {
                        adopt_user(api, undo, user, err).await?
                    }
                    other => {
                        other?;
                    }
                }
            }
            Step::AddUserToGroup { group, user } => {
                let entry = Undo::RemoveUserFromGroup {
                    user: user.clone(),
                    group: group.clone(),
                };
                guarded(undo, entry, api.add_user_to_group(group, user)).await?;
            }
            Step::CreateLoginProfile { user } => {
                let password = password::generate(&observed.password_rules, rng);
                if let Some(path) = &request.password_file {
                    write_secret_file(undo, path, password.expose().as_bytes(), "password")?;
                }
                let entry = Undo::DeleteLoginProfile {
                    user: user.clone(),
                    user_arn: plan.user_arn.clone(),
                };
                match guarded(undo, entry, api.create_login_profile(user, &password, true)).await {
                    // The plan saw none: the profile is this run's, its answer lost. Setting the
                    // password again makes it certainly the one delivered.
                    Err(err) if err.is(AwsErrorKind::AlreadyExists) => {
                        api.update_login_profile(user, &password, true).await?
                    }
                    other => other?,
                }
                if request.password_file.is_none() {
                    onboarded.password_to_show = Some(password);
                }
            }
            Step::MarkPasswordPending { user } => {
                let pending = [(PASSWORD_TAG.to_string(), PASSWORD_PENDING.to_string())];
                api.tag_user(user, &pending).await?;
            }
            Step::ResetUndeliveredPassword { user } => {
                let password = password::generate(&observed.password_rules, rng);
                if let Some(path) = &request.password_file {
                    write_secret_file(undo, path, password.expose().as_bytes(), "password")?;
                }
                api.update_login_profile(user, &password, true).await?;
                if request.password_file.is_none() {
                    onboarded.password_to_show = Some(password);
                }
            }
            Step::DeleteStaleMfaDevice { serial } => {
                already_done_if_missing(api.delete_virtual_mfa_device(serial).await)?
            }
            Step::CreateVirtualMfaDevice { user, serial } => {
                let entry = Undo::DeleteVirtualMfaDevice {
                    serial: serial.clone(),
                };
                let device = match guarded(
                    undo,
                    entry,
                    api.create_virtual_mfa_device(user, USER_PATH),
                )
                .await
                {
                    // The plan saw none: the device is this run's, but its seed was in the
                    // lost answer. It is unassigned, so it is replaced.
                    Err(err) if err.is(AwsErrorKind::AlreadyExists) => {
                        already_done_if_missing(api.delete_virtual_mfa_device(serial).await)?;
                        api.create_virtual_mfa_device(user, USER_PATH).await?
                    }
                    other => other?,
                };
                if device.serial != *serial {
                    undo.forget_last();
                    undo.record(Undo::DeleteVirtualMfaDevice {
                        serial: device.serial.clone(),
                    });
                }
                let seed = MfaSeed::from_base32(
                    &device.base32_seed,
                    &mfa_issuer(&observed.caller.account),
                    user,
                )
                .map_err(|err| Failure::Mfa(err.to_string()))?;
                export_device(undo, &request.mfa, &seed)?;
                new_device = Some((device.serial, seed));
            }
            Step::EnableMfaDevice { user, .. } => {
                let (serial, seed) = new_device
                    .take()
                    .expect("a plan creates the device before enabling it");
                codes.show(&seed.otpauth_uri()).map_err(Failure::Mfa)?;
                let (code1, code2) = collect_codes(codes, &seed, clock).await?;
                let entry = Undo::DeactivateMfaDevice {
                    user: user.clone(),
                    serial: serial.clone(),
                };
                match guarded(
                    undo,
                    entry,
                    api.enable_mfa_device(user, &serial, &code1, &code2),
                )
                .await
                {
                    // Already in use: by this user it is this run's enable, its answer lost.
                    Err(err) if err.is(AwsErrorKind::AlreadyExists) => {
                        if !api.list_mfa_devices(user).await?.contains(&serial) {
                            undo.forget_last();
                            return Err(err.into());
                        }
                    }
                    other => other?,
                }
                onboarded.mfa_enabled = Some(serial);
            }
        }
    }
    Ok(onboarded)
}

/// Records on the user that the one-time password this run made has been shown or written,
/// so no later run replaces it. Called once the password is delivered.
pub async fn record_password_delivered(api: &impl Iam, user: &str) -> AwsResult<()> {
    let delivered = [(PASSWORD_TAG.to_string(), PASSWORD_DELIVERED.to_string())];
    api.tag_user(user, &delivered).await
}

/// Makes one change to the template's shared resources (policies and group). These are never
/// undone; one that another run made first counts as made.
pub async fn apply_shared(api: &impl Iam, step: &Step) -> AwsResult<()> {
    match step {
        Step::CreatePolicy {
            name,
            document,
            description,
        } => shared(
            api.create_policy(name, IAM_PATH, document, description)
                .await,
        )?,
        Step::DeletePolicyVersion { arn, version_id } => {
            already_done_if_missing(api.delete_policy_version(arn, version_id).await)?
        }
        Step::CreatePolicyVersion { arn, document } => {
            api.create_policy_version(arn, document).await?
        }
        Step::CreateGroup { name } => shared(api.create_group(name, IAM_PATH).await)?,
        Step::AttachGroupPolicy { group, policy_arn } => {
            api.attach_group_policy(group, policy_arn).await?
        }
        other => unreachable!("not a shared step: {other}"),
    }
    Ok(())
}

/// Records `entry` and makes the change, a create whose target the plan saw missing. When AWS
/// certainly refused, the entry is dropped. It stays when the answer is unknown, and when AWS
/// says the target exists: the SDK retried a call whose first answer was lost after the change
/// was made, so it was probably this run's. The caller then checks that and goes on.
async fn guarded<T>(
    undo: &mut UndoLog,
    entry: Undo,
    change: impl Future<Output = AwsResult<T>>,
) -> Result<T, AwsError> {
    undo.record(entry);
    let result = change.await;
    if let Err(err) = &result
        && !err.is(AwsErrorKind::Uncertain)
        && !err.is(AwsErrorKind::AlreadyExists)
    {
        undo.forget_last();
    }
    result
}

/// After CreateUser answered EntityAlreadyExists for a user the plan saw missing: a user that
/// carries this run's tags (made by this tool, from this template, by this caller) is this
/// run's, its answer lost, and the run goes on. Anyone else's is left alone: its undo entry is
/// dropped and the run fails.
async fn adopt_user(
    api: &impl Iam,
    undo: &mut UndoLog,
    wanted: &NewUser,
    err: AwsError,
) -> Result<(), AwsError> {
    let found = api.get_user(&wanted.name).await?;
    let ours = found.is_some_and(|user| {
        [MANAGED_BY_TAG, TEMPLATE_TAG, CREATED_BY_TAG]
            .iter()
            .all(|key| user.tag(key).is_some() && user.tag(key) == tag_value(&wanted.tags, key))
    });
    if ours {
        Ok(())
    } else {
        undo.forget_last();
        Err(err)
    }
}

fn tag_value<'a>(tags: &'a [(String, String)], key: &str) -> Option<&'a str> {
    tags.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// A shared resource that another run created first is as good as one this run created.
fn shared<T>(result: AwsResult<T>) -> AwsResult<()> {
    match result {
        Err(err) if !err.is(AwsErrorKind::AlreadyExists) => Err(err),
        _ => Ok(()),
    }
}

fn already_done_if_missing(result: AwsResult<()>) -> AwsResult<()> {
    match result {
        Err(err) if !err.is(AwsErrorKind::NotFound) => Err(err),
        _ => Ok(()),
    }
}

fn write_secret_file(
    undo: &mut UndoLog,
    path: &Path,
    contents: &[u8],
    what: &str,
) -> Result<(), Failure> {
    write_new_private_file(path, contents).map_err(|source| Failure::File {
        context: format!("cannot write the {what} to {}", path.display()),
        source,
    })?;
    undo.record(Undo::RemoveFile {
        path: path.to_path_buf(),
    });
    Ok(())
}

/// In export mode, the otpauth URI (and the PNG, if asked) go to new 0600 files.
fn export_device(undo: &mut UndoLog, mode: &MfaMode, seed: &MfaSeed) -> Result<(), Failure> {
    let MfaMode::Export {
        secret_file,
        qr_png,
    } = mode
    else {
        return Ok(());
    };
    let uri = seed.otpauth_uri();
    let line = format!("{}\n", uri.expose());
    write_secret_file(undo, secret_file, line.as_bytes(), "MFA secret")?;
    if let Some(png_path) = qr_png {
        let png = qr::png(uri.expose()).map_err(|err| Failure::Mfa(err.to_string()))?;
        write_secret_file(undo, png_path, &png, "MFA QR code")?;
    }
    Ok(())
}

/// Asks for pairs of codes until one is accepted, at most `MAX_CODE_TRIES` times.
pub async fn collect_codes(
    codes: &mut impl CodeSource,
    seed: &MfaSeed,
    clock: &dyn Clock,
) -> Result<(String, String), Failure> {
    for attempt in 1..=MAX_CODE_TRIES {
        let (first, second) = match codes.next_pair().await {
            CodeInput::Pair(first, second) => (first, second),
            CodeInput::NoMore => return Err(Failure::Mfa("no more codes were given".to_string())),
            CodeInput::Interrupted => return Err(Failure::Interrupted),
        };
        match seed.check_consecutive(&first, &second, clock.unix_now()) {
            Ok(_) => {
                let digits = |code: &str| code.chars().filter(|c| !c.is_whitespace()).collect();
                return Ok((digits(&first), digits(&second)));
            }
            Err(why) => codes.rejected(&why, MAX_CODE_TRIES - attempt),
        }
    }
    Err(Failure::Mfa(format!(
        "{MAX_CODE_TRIES} pairs of codes were wrong"
    )))
}

/// Applies the plan; on failure or interrupt, undoes this run's changes in reverse order and
/// returns the error with its exit code: 1 undone, 4 undo incomplete, 130 interrupted.
pub async fn apply_or_roll_back<A: Iam, S: CodeSource, R: rand::Rng>(
    api: &A,
    request: &NewUserRequest,
    observed: &Observed,
    plan: &Plan,
    effects: Effects<'_, S, R>,
    interrupted: impl Future<Output = ()>,
) -> Result<Onboarded, Error> {
    let mut undo = UndoLog::new();
    let outcome = tokio::select! {
        biased;
        () = interrupted => Err(None),
        result = apply(api, request, observed, plan, effects, &mut undo) => match result {
            Err(Failure::Interrupted) => Err(None),
            other => other.map_err(Some),
        },
    };
    let failure = match outcome {
        Ok(onboarded) => return Ok(onboarded),
        Err(failure) => failure,
    };
    if undo.is_empty() {
        return Err(match failure {
            Some(Failure::Aws(err)) => Error::from_aws(err),
            Some(other) => Error::RolledBack {
                cause: other.to_string(),
                undone: Vec::new(),
            },
            None => Error::Interrupted { undone: Vec::new() },
        });
    }
    let cause = failure
        .as_ref()
        .map_or_else(|| "interrupted".to_string(), ToString::to_string);
    tracing::warn!(%cause, "undoing this run's changes");
    let report = undo.roll_back(api).await;
    if !report.leftovers.is_empty() {
        return Err(Error::UndoIncomplete {
            cause,
            leftovers: report.leftovers,
        });
    }
    Err(match failure {
        Some(_) => Error::RolledBack {
            cause,
            undone: report.undone,
        },
        None => Error::Interrupted {
            undone: report.undone,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::PasswordRules;
    use crate::aws::memory::{ACCOUNT, Injected, MemoryIam};
    use crate::error::exit;
    use crate::plan::{observe, plan_new_user};
    use crate::template::TemplateSet;
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::sync::Notify;

    const NOW: u64 = 1_750_000_010;

    struct FixedClock;

    impl Clock for FixedClock {
        fn unix_now(&self) -> u64 {
            NOW
        }
    }

    /// A person reading codes off an authenticator app, after `wrong_pairs` mistyped pairs.
    /// `shown` is notified when the QR code is shown, so a test can interrupt there.
    #[derive(Default)]
    struct ScriptedCodes {
        wrong_pairs: u32,
        uri: Option<String>,
        rejections: Vec<CodeRejection>,
        never_answer: bool,
        ctrl_c: bool,
        shown: Arc<Notify>,
    }

    impl CodeSource for ScriptedCodes {
        fn show(&mut self, otpauth_uri: &Secret) -> Result<(), String> {
            self.uri = Some(otpauth_uri.expose().to_string());
            self.shown.notify_one();
            Ok(())
        }

        async fn next_pair(&mut self) -> CodeInput {
            if self.never_answer {
                std::future::pending::<()>().await;
            }
            if self.ctrl_c {
                return CodeInput::Interrupted;
            }
            if self.wrong_pairs > 0 {
                self.wrong_pairs -= 1;
                return CodeInput::Pair("000000".to_string(), "111111".to_string());
            }
            let app = totp_rs::TOTP::from_url(self.uri.as_ref().unwrap()).unwrap();
            CodeInput::Pair(app.generate(NOW - 30), app.generate(NOW))
        }

        fn rejected(&mut self, why: &CodeRejection, _tries_left: u32) {
            self.rejections.push(why.clone());
        }
    }

    fn request(mfa: MfaMode, console: bool, password_file: Option<PathBuf>) -> NewUserRequest {
        NewUserRequest {
            user_name: "alice".to_string(),
            template: TemplateSet::embedded()
                .unwrap()
                .get("developer")
                .unwrap()
                .clone(),
            display_name: Some("Alice Example".to_string()),
            email: Some("alice@example.com".to_string()),
            ticket: Some("CHG-42".to_string()),
            extra_tags: vec![("cost-center".to_string(), "CC-7".to_string())],
            console,
            mfa,
            password_file,
        }
    }

    fn full_request(dir: &Path) -> NewUserRequest {
        request(MfaMode::Prompt, true, Some(dir.join("password")))
    }

    async fn run_with(
        api: &MemoryIam,
        request: &NewUserRequest,
        codes: &mut ScriptedCodes,
        interrupted: impl Future<Output = ()>,
    ) -> Result<Onboarded, Error> {
        let observed = observe(api, request).await.unwrap();
        let plan = plan_new_user(request, &observed).unwrap();
        let mut rng = StdRng::seed_from_u64(3);
        let effects = Effects {
            codes,
            clock: &FixedClock,
            rng: &mut rng,
        };
        apply_or_roll_back(api, request, &observed, &plan, effects, interrupted).await
    }

    async fn run(api: &MemoryIam, request: &NewUserRequest) -> Result<Onboarded, Error> {
        run_with(
            api,
            request,
            &mut ScriptedCodes::default(),
            std::future::pending(),
        )
        .await
    }

    fn operation(call: &str) -> &str {
        call.split_whitespace().next().unwrap()
    }

    /// The call that undoes each per-person change.
    fn undo_of(operation: &str) -> Option<&'static str> {
        Some(match operation {
            "iam:CreateUser" => "iam:DeleteUser",
            "iam:AddUserToGroup" => "iam:RemoveUserFromGroup",
            "iam:CreateLoginProfile" => "iam:DeleteLoginProfile",
            "iam:CreateVirtualMFADevice" => "iam:DeleteVirtualMFADevice",
            "iam:EnableMFADevice" => "iam:DeactivateMFADevice",
            _ => return None,
        })
    }

    /// The calls on shared resources before the user's own: the template's policies and its
    /// boundary created, the group created, and each policy attached.
    fn shared_calls() -> usize {
        let template = TemplateSet::embedded()
            .unwrap()
            .get("developer")
            .unwrap()
            .clone();
        template.policies.len() + 1 + 1 + template.policies.len()
    }

    #[tokio::test]
    async fn a_full_onboarding_creates_everything_aws_requires() {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        let request = full_request(dir.path());
        let done = run(&api, &request).await.unwrap();

        let user = api.user("alice").unwrap();
        let boundary =
            format!("arn:aws:iam::{ACCOUNT}:policy/iam-onboard/iam-onboard-people-boundary");
        assert_eq!(user.boundary.as_deref(), Some(boundary.as_str()));
        assert!(user.groups.contains("iam-onboard-developers"));
        let (password, reset_required) = user.login_profile.clone().unwrap();
        assert!(reset_required);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("password")).unwrap(),
            password.expose()
        );
        assert!(
            done.password_to_show.is_none(),
            "the password went to the file only"
        );
        let serial = format!("arn:aws:iam::{ACCOUNT}:mfa/alice");
        assert_eq!(user.mfa_devices, std::slice::from_ref(&serial));
        assert_eq!(done.mfa_enabled, Some(serial));
        let tag = |key: &str| {
            user.tags
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(tag(MANAGED_BY_TAG).as_deref(), Some(MANAGED_BY_VALUE));
        assert_eq!(tag(TEMPLATE_TAG).as_deref(), Some("developer"));
        assert_eq!(tag(TICKET_TAG).as_deref(), Some("CHG-42"));
        assert_eq!(
            tag(CREATED_BY_TAG).as_deref(),
            Some("arn:aws:iam::123456789012:user/admin")
        );
        assert_eq!(tag("job-function").as_deref(), Some("developer"));
        assert_eq!(tag("cost-center").as_deref(), Some("CC-7"));
        assert_eq!(api.calls().len(), shared_calls() + 5);
    }

    #[tokio::test]
    async fn a_failure_at_every_step_undoes_this_runs_changes_in_reverse_order() {
        let steps = {
            let dir = tempfile::tempdir().unwrap();
            let api = MemoryIam::new(NOW);
            run(&api, &full_request(dir.path())).await.unwrap();
            api.calls()
        };
        for failing in 0..steps.len() {
            let dir = tempfile::tempdir().unwrap();
            let api = MemoryIam::new(NOW);
            api.fail_call(failing, Injected::Refused(AwsErrorKind::AccessDenied));
            let err = run(&api, &full_request(dir.path())).await.unwrap_err();

            let calls = api.calls();
            let expected_undo: Vec<&str> = steps[..failing]
                .iter()
                .rev()
                .filter_map(|call| undo_of(operation(call)))
                .collect();
            let actual_undo: Vec<&str> =
                calls[failing + 1..].iter().map(|c| operation(c)).collect();
            assert_eq!(actual_undo, expected_undo, "failure at {}", steps[failing]);
            assert!(api.user("alice").is_none(), "failure at {}", steps[failing]);
            assert_eq!(api.device_count(), 0, "failure at {}", steps[failing]);
            assert!(
                !dir.path().join("password").exists(),
                "failure at {}",
                steps[failing]
            );
            // Denied before the user existed (shared steps, or CreateUser itself): nothing of
            // the person's was made, so it is a permission problem, exit 3.
            let expected_exit = if failing <= shared_calls() {
                exit::DENIED
            } else {
                exit::FAILED
            };
            assert_eq!(
                err.exit_code(),
                expected_exit,
                "failure at {}: {err}",
                steps[failing]
            );
        }
    }

    #[tokio::test]
    async fn a_change_whose_answer_was_lost_is_undone_too() {
        let step_count = shared_calls() + 5;
        for failing in shared_calls()..step_count {
            let dir = tempfile::tempdir().unwrap();
            let api = MemoryIam::new(NOW);
            api.fail_call(failing, Injected::AnswerLost);
            let err = run(&api, &full_request(dir.path())).await.unwrap_err();
            assert_eq!(err.exit_code(), exit::FAILED, "{err}");
            assert!(
                api.user("alice").is_none(),
                "answer lost at call {failing}: {err}"
            );
            assert_eq!(api.device_count(), 0, "answer lost at call {failing}");
        }
    }

    /// What a complete onboarding of `full_request` leaves: the user in the group, one login
    /// profile holding the password written to the file, one enabled device and no other.
    fn assert_complete(api: &MemoryIam, dir: &Path, context: &str) {
        let user = api.user("alice").unwrap_or_else(|| panic!("{context}"));
        assert!(user.groups.contains("iam-onboard-developers"), "{context}");
        let (password, reset_required) = user.login_profile.clone().expect(context);
        assert!(reset_required, "{context}");
        assert_eq!(
            std::fs::read_to_string(dir.join("password")).unwrap(),
            password.expose(),
            "{context}: the password delivered is the one AWS holds"
        );
        assert_eq!(user.mfa_devices.len(), 1, "{context}");
        assert_eq!(
            api.device_count(),
            1,
            "{context}: no device left unassigned"
        );
    }

    #[tokio::test]
    async fn an_answer_lost_after_the_change_and_retried_goes_on_as_if_it_had_succeeded() {
        let step_count = shared_calls() + 5;
        for lost in shared_calls()..step_count {
            let dir = tempfile::tempdir().unwrap();
            let api = MemoryIam::new(NOW);
            api.fail_call(lost, Injected::AnswerLostThenRetried);
            run(&api, &full_request(dir.path()))
                .await
                .unwrap_or_else(|err| panic!("answer lost at call {lost}: {err}"));
            assert_complete(&api, dir.path(), &format!("answer lost at call {lost}"));
        }
    }

    #[tokio::test]
    async fn after_a_lost_answer_at_any_step_a_later_failure_still_leaves_nothing() {
        let step_count = shared_calls() + 4;
        for how in [Injected::AnswerLostThenRetried, Injected::AnswerLost] {
            for lost in shared_calls()..step_count {
                let dir = tempfile::tempdir().unwrap();
                let api = MemoryIam::new(NOW);
                api.fail_call(lost, how);
                let mut codes = ScriptedCodes {
                    wrong_pairs: MAX_CODE_TRIES,
                    ..ScriptedCodes::default()
                };
                let err = run_with(
                    &api,
                    &full_request(dir.path()),
                    &mut codes,
                    std::future::pending(),
                )
                .await
                .unwrap_err();
                let context = format!("{how:?} at call {lost}: {err}");
                assert_eq!(err.exit_code(), exit::FAILED, "{context}");
                assert!(api.user("alice").is_none(), "{context}");
                assert_eq!(api.device_count(), 0, "{context}");
                assert!(!dir.path().join("password").exists(), "{context}");
            }
        }
    }

    #[tokio::test]
    async fn a_user_someone_else_made_in_the_meantime_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        let request = full_request(dir.path());
        let observed = observe(&api, &request).await.unwrap();
        let plan = plan_new_user(&request, &observed).unwrap();
        api.state.lock().unwrap().users.insert(
            "alice".to_string(),
            crate::aws::memory::MemoryUser {
                arn: format!("arn:aws:iam::{ACCOUNT}:user/alice"),
                tags: vec![("team".to_string(), "theirs".to_string())],
                ..Default::default()
            },
        );
        let mut rng = StdRng::seed_from_u64(3);
        let effects = Effects {
            codes: &mut ScriptedCodes::default(),
            clock: &FixedClock,
            rng: &mut rng,
        };
        let err = apply_or_roll_back(
            &api,
            &request,
            &observed,
            &plan,
            effects,
            std::future::pending(),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("EntityAlreadyExists"), "{err}");
        let theirs = api.user("alice").expect("their user stays");
        assert_eq!(theirs.tags, [("team".to_string(), "theirs".to_string())]);
    }

    #[tokio::test(start_paused = true)]
    async fn an_undo_waits_out_a_login_profile_that_is_temporarily_unmodifiable() {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        let enable = shared_calls() + 4;
        api.fail_call(enable, Injected::Refused(AwsErrorKind::AccessDenied));
        // Undo runs DeleteVirtualMFADevice, then DeleteLoginProfile: refused four times.
        for attempt in 0..4 {
            api.fail_call(
                enable + 2 + attempt,
                Injected::Refused(AwsErrorKind::TemporarilyUnmodifiable),
            );
        }
        let started = tokio::time::Instant::now();
        let err = run(&api, &full_request(dir.path())).await.unwrap_err();
        assert_eq!(err.exit_code(), exit::FAILED, "{err}");
        assert!(api.user("alice").is_none());
        assert!(
            started.elapsed() >= Duration::from_secs(4),
            "it waited between tries"
        );
        assert!(started.elapsed() <= Duration::from_secs(150));
    }

    #[tokio::test]
    async fn three_wrong_pairs_of_codes_undo_everything_without_calling_enable() {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        let mut codes = ScriptedCodes {
            wrong_pairs: 3,
            ..ScriptedCodes::default()
        };
        let err = run_with(
            &api,
            &full_request(dir.path()),
            &mut codes,
            std::future::pending(),
        )
        .await
        .unwrap_err();
        assert_eq!(err.exit_code(), exit::FAILED);
        assert!(
            err.to_string().contains("3 pairs of codes were wrong"),
            "{err}"
        );
        assert_eq!(codes.rejections.len(), 3);
        assert!(
            !api.calls()
                .iter()
                .any(|c| c.starts_with("iam:EnableMFADevice"))
        );
        assert!(api.user("alice").is_none());
        assert_eq!(api.device_count(), 0);
    }

    #[tokio::test]
    async fn a_wrong_pair_then_a_right_one_enrols() {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        let mut codes = ScriptedCodes {
            wrong_pairs: 1,
            ..ScriptedCodes::default()
        };
        run_with(
            &api,
            &full_request(dir.path()),
            &mut codes,
            std::future::pending(),
        )
        .await
        .unwrap();
        assert_eq!(codes.rejections, [CodeRejection::FirstNotCurrent]);
        assert_eq!(api.user("alice").unwrap().mfa_devices.len(), 1);
    }

    #[tokio::test]
    async fn an_undo_that_fails_leaves_a_list_of_leftovers_and_exit_4() {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        let enable = shared_calls() + 4;
        api.fail_call(enable, Injected::Refused(AwsErrorKind::AccessDenied));
        // Undo runs: DeleteVirtualMFADevice, then DeleteLoginProfile, which fails too.
        api.fail_call(enable + 2, Injected::Refused(AwsErrorKind::AccessDenied));
        let err = run(&api, &full_request(dir.path())).await.unwrap_err();
        assert_eq!(err.exit_code(), exit::UNDO_INCOMPLETE);
        let Error::UndoIncomplete { leftovers, .. } = &err else {
            panic!("{err}");
        };
        let user_arn = format!("arn:aws:iam::{ACCOUNT}:user/alice");
        assert!(
            leftovers[0].starts_with(&format!("login profile of {user_arn}")),
            "{leftovers:?}"
        );
        assert!(
            leftovers[1].starts_with(&format!("user {user_arn}")),
            "{leftovers:?}"
        );
        assert!(leftovers[1].contains("DeleteConflict"), "{leftovers:?}");
        assert_eq!(leftovers.len(), 2);
    }

    #[tokio::test]
    async fn an_interrupt_while_waiting_for_codes_undoes_and_exits_130() {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        let shown = Arc::new(Notify::new());
        let mut codes = ScriptedCodes {
            never_answer: true,
            shown: shown.clone(),
            ..ScriptedCodes::default()
        };
        let interrupted = async move { shown.notified().await };
        let err = run_with(&api, &full_request(dir.path()), &mut codes, interrupted)
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), exit::INTERRUPTED, "{err}");
        assert!(api.user("alice").is_none());
        assert_eq!(api.device_count(), 0);
        assert!(!dir.path().join("password").exists());
    }

    #[tokio::test]
    async fn ctrl_c_at_the_code_prompt_undoes_and_exits_130() {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        let mut codes = ScriptedCodes {
            ctrl_c: true,
            ..ScriptedCodes::default()
        };
        let err = run_with(
            &api,
            &full_request(dir.path()),
            &mut codes,
            std::future::pending(),
        )
        .await
        .unwrap_err();
        assert_eq!(err.exit_code(), exit::INTERRUPTED, "{err}");
        assert!(api.user("alice").is_none());
        assert_eq!(api.device_count(), 0);
    }

    #[tokio::test]
    async fn a_password_made_but_never_delivered_is_replaced_and_delivered_on_the_rerun() {
        let api = MemoryIam::new(NOW);
        let on_the_terminal = request(MfaMode::Deferred, true, None);
        let first = run(&api, &on_the_terminal).await.unwrap();
        assert!(first.password_to_show.is_some());
        let tag = |api: &MemoryIam| {
            let user = api.user("alice").unwrap();
            user.tags
                .iter()
                .find(|(k, _)| k == PASSWORD_TAG)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(tag(&api).as_deref(), Some(PASSWORD_PENDING));

        // Killed before the password was shown: the re-run makes a new one to show.
        let observed = observe(&api, &on_the_terminal).await.unwrap();
        let plan = plan_new_user(&on_the_terminal, &observed).unwrap();
        assert!(matches!(
            plan.steps.as_slice(),
            [Step::ResetUndeliveredPassword { .. }]
        ));
        let again = run(&api, &on_the_terminal).await.unwrap();
        let shown = again.password_to_show.expect("a new password to show");
        assert!(
            api.calls()
                .last()
                .unwrap()
                .starts_with("iam:UpdateLoginProfile")
        );
        let (stored, reset_required) = api.user("alice").unwrap().login_profile.unwrap();
        assert_eq!(stored, shown);
        assert!(reset_required);

        record_password_delivered(&api, "alice").await.unwrap();
        assert_eq!(tag(&api).as_deref(), Some(PASSWORD_DELIVERED));
        let observed = observe(&api, &on_the_terminal).await.unwrap();
        assert!(
            plan_new_user(&on_the_terminal, &observed)
                .unwrap()
                .is_empty()
        );
    }

    #[tokio::test]
    async fn a_rerun_converges_only_what_is_missing() {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        run(&api, &request(MfaMode::Deferred, false, None))
            .await
            .unwrap();
        let before = api.calls().len();

        let complete = full_request(dir.path());
        let observed = observe(&api, &complete).await.unwrap();
        let plan = plan_new_user(&complete, &observed).unwrap();
        let planned: Vec<String> = plan
            .steps
            .iter()
            .map(|s| operation(&s.to_string()).to_string())
            .collect();
        assert_eq!(
            planned,
            [
                "iam:CreateLoginProfile",
                "iam:CreateVirtualMFADevice",
                "iam:EnableMFADevice"
            ]
        );
        run(&api, &complete).await.unwrap();
        assert_eq!(api.calls().len(), before + 3);

        let again = request(MfaMode::Prompt, true, None);
        let observed = observe(&api, &again).await.unwrap();
        assert!(plan_new_user(&again, &observed).unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_failed_rerun_keeps_what_earlier_runs_made() {
        let api = MemoryIam::new(NOW);
        run(&api, &request(MfaMode::Deferred, false, None))
            .await
            .unwrap();
        let mut codes = ScriptedCodes {
            wrong_pairs: 3,
            ..ScriptedCodes::default()
        };
        let err = run_with(
            &api,
            &request(MfaMode::Prompt, false, None),
            &mut codes,
            std::future::pending(),
        )
        .await
        .unwrap_err();
        assert_eq!(err.exit_code(), exit::FAILED);
        let user = api
            .user("alice")
            .expect("the user from the first run stays");
        assert!(user.groups.contains("iam-onboard-developers"));
        assert_eq!(api.device_count(), 0);
    }

    #[tokio::test]
    async fn a_user_this_tool_did_not_create_is_refused() {
        let api = MemoryIam::new(NOW);
        run(&api, &request(MfaMode::Deferred, false, None))
            .await
            .unwrap();
        api.state
            .lock()
            .unwrap()
            .users
            .get_mut("alice")
            .unwrap()
            .tags
            .clear();
        let request = request(MfaMode::Deferred, false, None);
        let observed = observe(&api, &request).await.unwrap();
        let err = plan_new_user(&request, &observed).unwrap_err();
        assert_eq!(err.field, "username");
        assert!(err.reason.contains("not created by iam-onboard"), "{err}");
    }

    #[tokio::test]
    async fn a_user_of_another_template_is_refused() {
        let api = MemoryIam::new(NOW);
        run(&api, &request(MfaMode::Deferred, false, None))
            .await
            .unwrap();
        let mut finance = request(MfaMode::Deferred, false, None);
        finance.template = TemplateSet::embedded()
            .unwrap()
            .get("finance")
            .unwrap()
            .clone();
        let observed = observe(&api, &finance).await.unwrap();
        assert_eq!(
            plan_new_user(&finance, &observed).unwrap_err().field,
            "--template"
        );
    }

    #[tokio::test]
    async fn a_device_left_unassigned_by_a_killed_run_is_replaced() {
        let api = MemoryIam::new(NOW);
        run(&api, &request(MfaMode::Deferred, false, None))
            .await
            .unwrap();
        api.create_virtual_mfa_device("alice", "/").await.unwrap();
        let request = request(MfaMode::Prompt, false, None);
        let observed = observe(&api, &request).await.unwrap();
        let plan = plan_new_user(&request, &observed).unwrap();
        assert!(
            matches!(plan.steps[0], Step::DeleteStaleMfaDevice { .. }),
            "{:?}",
            plan.steps
        );
        run(&api, &request).await.unwrap();
        assert_eq!(api.user("alice").unwrap().mfa_devices.len(), 1);
    }

    #[tokio::test]
    async fn a_changed_policy_gets_a_new_default_version_making_room_at_five() {
        let api = MemoryIam::new(NOW);
        let request = request(MfaMode::Deferred, false, None);
        let policy = &request.template.policies[1];
        let arn = format!(
            "arn:aws:iam::{ACCOUNT}:policy/iam-onboard/{}",
            policy.iam_name
        );
        let old = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
        api.create_policy(&policy.iam_name, "/iam-onboard/", old, "old")
            .await
            .unwrap();
        for _ in 0..4 {
            api.create_policy_version(&arn, old).await.unwrap();
        }
        run(&api, &request).await.unwrap();
        let state = api.state.lock().unwrap();
        let versions = &state.policies[&arn].versions;
        assert_eq!(versions.len(), 5);
        assert!(!versions.iter().any(|v| v.0 == "v1"), "the oldest went");
        let default = versions.iter().find(|v| v.2).unwrap();
        assert_eq!(default.1, policy.document);
    }

    #[tokio::test]
    async fn the_accounts_password_policy_is_followed() {
        let api = MemoryIam::new(NOW);
        api.state.lock().unwrap().password_rules = Some(PasswordRules {
            minimum_length: 48,
            ..PasswordRules::default()
        });
        let dir = tempfile::tempdir().unwrap();
        run(&api, &full_request(dir.path())).await.unwrap();
        let (password, _) = api.user("alice").unwrap().login_profile.unwrap();
        assert!(password.expose().len() >= 48);
    }

    #[test]
    fn validation_refuses_reserved_tags_long_names_and_missing_folders() {
        let mut tagged = request(MfaMode::Deferred, false, None);
        tagged.extra_tags = vec![("Managed-By".to_string(), "me".to_string())];
        assert_eq!(tagged.validate().unwrap_err().field, "tag \"Managed-By\"");

        let dir = tempfile::tempdir().unwrap();
        let nowhere = request(
            MfaMode::Deferred,
            true,
            Some(dir.path().join("no/such/dir/p")),
        );
        assert_eq!(nowhere.validate().unwrap_err().field, "--password-file");

        let mut long_name = request(MfaMode::Deferred, false, None);
        long_name.user_name = "x".repeat(65);
        assert_eq!(long_name.validate().unwrap_err().field, "username");
    }

    #[tokio::test]
    async fn only_files_the_plan_writes_must_be_new() {
        let dir = tempfile::tempdir().unwrap();
        let (password, seed) = (dir.path().join("P"), dir.path().join("F"));
        std::fs::write(&password, "from the first run").unwrap();
        std::fs::write(&seed, "from the first run").unwrap();
        let export = |password: &Path, seed: &Path| {
            request(
                MfaMode::Export {
                    secret_file: seed.to_path_buf(),
                    qr_png: None,
                },
                true,
                Some(password.to_path_buf()),
            )
        };
        let api = MemoryIam::new(NOW);
        let fresh = export(&password, &seed);
        let plan = plan_new_user(&fresh, &observe(&api, &fresh).await.unwrap()).unwrap();
        assert_eq!(
            fresh.check_files_are_new(&plan).unwrap_err().field,
            "--password-file"
        );

        let done = export(&dir.path().join("P2"), &dir.path().join("F2"));
        run(&api, &done).await.unwrap();
        let again = export(&password, &seed);
        let plan = plan_new_user(&again, &observe(&api, &again).await.unwrap()).unwrap();
        assert!(plan.is_empty());
        again.check_files_are_new(&plan).unwrap();
    }

    #[test]
    fn creator_arns_become_valid_tag_values() {
        let tags = request(MfaMode::Deferred, false, None)
            .user_tags("arn:aws:sts::123456789012:assumed-role/Admin/j.doe,extra");
        let created_by = &tags.iter().find(|(k, _)| k == CREATED_BY_TAG).unwrap().1;
        assert_eq!(
            created_by,
            "arn:aws:sts::123456789012:assumed-role/Admin/j.doe_extra"
        );
        crate::names::validate_tag_set(&tags).unwrap();
    }
}
