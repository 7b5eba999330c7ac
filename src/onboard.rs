//! `new-user`: the validated request, the apply loop that turns a plan into calls while
//! recording how to undo each change, MFA enrolment with locally checked codes, and the mapping
//! of a failure to a rollback and an exit code.
//!
//! Every outside effect comes in through a parameter: the `Iam` boundary, the `CodeSource` that
//! shows the QR code and reads codes, the clock, the random generator for passwords, and the
//! interrupt signal. So the whole flow runs in unit tests against an in-memory IAM.

use crate::aws::{AwsError, AwsErrorKind, AwsResult, Iam};
use crate::error::{Error, InputError};
use crate::names;
use crate::password;
use crate::plan::{Observed, Plan, Step, USER_PATH};
use crate::qr;
use crate::secret::{Secret, write_new_private_file};
use crate::template::{IAM_PATH, PolicyDocument, Template};
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
/// Tags the tool sets itself; `--tag` may not set them.
pub const RESERVED_TAGS: &[&str] = &[
    MANAGED_BY_TAG,
    TEMPLATE_TAG,
    TICKET_TAG,
    CREATED_BY_TAG,
    DISPLAY_NAME_TAG,
    EMAIL_TAG,
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
    /// and that no file this run would create exists already.
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
        let files = [
            ("--password-file", self.password_file.as_deref()),
            ("--mfa-secret-file", self.export_files().0),
            ("--mfa-qr-png", self.export_files().1),
        ];
        for (flag, path) in files {
            if let Some(path) = path {
                check_new_file(flag, path)?;
            }
        }
        Ok(self)
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

    /// The template's policies and its boundary: every customer-managed policy it needs.
    pub fn managed_policies(&self) -> impl Iterator<Item = &PolicyDocument> {
        let boundary = &self.template.permissions_boundary;
        let boundary_listed = self.template.policies.contains(boundary);
        self.template
            .policies
            .iter()
            .chain((!boundary_listed).then_some(boundary))
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
        tags.extend(self.template.tags.iter().cloned());
        tags.extend(self.extra_tags.iter().cloned());
        tags
    }
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

fn check_new_file(flag: &str, path: &Path) -> Result<(), InputError> {
    if path.exists() {
        return Err(InputError::new(
            flag,
            format!(
                "{} exists already; secrets are only written to new files",
                path.display()
            ),
        ));
    }
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

/// Where the two MFA codes come from: a person at a prompt, a script on standard input, or a
/// test.
pub trait CodeSource {
    /// Shows the device to the person enrolling it (the QR code on a terminal).
    fn show(&mut self, otpauth_uri: &Secret) -> Result<(), String>;
    /// The next pair of codes, or `None` when no more will come.
    fn next_pair(&mut self) -> impl Future<Output = Option<(String, String)>>;
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
            Step::CreateUser(user) => {
                let entry = Undo::DeleteUser {
                    user: user.name.clone(),
                    arn: plan.user_arn.clone(),
                };
                guarded(undo, entry, api.create_user(user)).await?;
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
                guarded(undo, entry, api.create_login_profile(user, &password, true)).await?;
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
                let device =
                    guarded(undo, entry, api.create_virtual_mfa_device(user, USER_PATH)).await?;
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
                guarded(
                    undo,
                    entry,
                    api.enable_mfa_device(user, &serial, &code1, &code2),
                )
                .await?;
                onboarded.mfa_enabled = Some(serial);
            }
        }
    }
    Ok(onboarded)
}

/// Records `entry` and makes the change. When AWS certainly refused, the entry is dropped;
/// when the answer is unknown, it stays, so a rollback removes whatever may have been made.
async fn guarded<T>(
    undo: &mut UndoLog,
    entry: Undo,
    change: impl Future<Output = AwsResult<T>>,
) -> Result<T, AwsError> {
    undo.record(entry);
    let result = change.await;
    if let Err(err) = &result
        && !err.is(AwsErrorKind::Uncertain)
    {
        undo.forget_last();
    }
    result
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
        let Some((first, second)) = codes.next_pair().await else {
            return Err(Failure::Mfa("no more codes were given".to_string()));
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
        result = apply(api, request, observed, plan, effects, &mut undo) => result.map_err(Some),
        () = interrupted => Err(None),
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
