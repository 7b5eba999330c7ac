//! `reset-mfa`: a lost or new phone, and enrolling a person whose MFA was deferred. The new
//! virtual device is created and enabled first, each change's undo recorded before it is made,
//! and only then are the old devices deactivated and deleted: a reset that fails (wrong codes,
//! Ctrl-C, an AWS error) undoes the new device and leaves the old ones as they were, so nobody
//! is locked out by it.
//!
//! Scripts enrol in two runs, since the codes depend on a seed made during the first: `--mfa
//! pending` creates the device, writes its otpauth URI to a new 0600 file and tags the user with
//! the device (`iam-onboard:mfa-pending`); `--enable-pending` later reads two codes from
//! standard input (checked locally when given the same file), enables the device, and then
//! removes the old ones.

use crate::aws::{AwsErrorKind, AwsResult, CallerIdentity, Iam, UserInfo};
use crate::clock::Clock;
use crate::error::{Error, InputError};
use crate::iam::apply::{
    Failure, already_done_if_missing, create_device, enable_device, export_device, rolling_back,
};
use crate::iam::enrol::{CodeInput, CodeSource, collect_codes, mfa_issuer};
use crate::iam::plan::{USER_PATH, missing_as_empty};
use crate::iam::request::MfaMode;
use crate::iam::undo::{Undo, UndoLog};
use crate::operation::{Operation, Prepared, existing_user};
use crate::protect::Protected;
use crate::secret::Secret;
use crate::tags::MFA_PENDING_TAG;
use crate::totp::MfaSeed;
use std::fmt;
use std::path::PathBuf;

/// What `reset-mfa` does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ResetMode {
    /// Enrol a new device now: the QR code and codes at a prompt, or (`--mfa export`) the
    /// otpauth URI in a new file and the codes on standard input.
    Enrol(MfaMode),
    /// The first of two runs: the device created, its otpauth URI written, left pending.
    Pending {
        secret_file: PathBuf,
        qr_png: Option<PathBuf>,
    },
    /// The second run: the pending device enabled with two codes from standard input, checked
    /// locally against the otpauth URI when its file is given.
    EnablePending { secret_file: Option<PathBuf> },
    /// Only remove the devices (the person cannot be present).
    RemoveOnly,
}

/// A user's MFA, as found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MfaState {
    pub(crate) user: UserInfo,
    /// Serial numbers of the devices assigned to the user.
    pub(crate) devices: Vec<String>,
    /// Virtual devices named for the user that nobody holds: what an earlier reset could not
    /// delete after deactivating it, or made and lost.
    pub(crate) unassigned: Vec<String>,
}

impl MfaState {
    /// The device an earlier `--mfa pending` left, if its tag is there.
    pub(crate) fn pending(&self) -> Option<&str> {
        self.user.tag(MFA_PENDING_TAG)
    }
}

/// Reads the caller, the user and their MFA devices at once. `None` when there is no such user.
pub(crate) async fn look(
    api: &impl Iam,
    user_name: &str,
) -> AwsResult<(CallerIdentity, Option<MfaState>)> {
    let devices = missing_as_empty(api.list_mfa_devices(user_name));
    let (caller, user, devices, unassigned) = tokio::try_join!(
        api.get_caller_identity(),
        api.get_user(user_name),
        devices,
        api.list_unassigned_virtual_mfa_devices(),
    )?;
    let unassigned: Vec<String> = unassigned
        .into_iter()
        .filter(|serial| named_for(serial, user_name))
        .collect();
    Ok((
        caller,
        user.map(|user| MfaState {
            user,
            devices,
            unassigned,
        }),
    ))
}

/// Whether a virtual device's name is one this tool gives `user`'s devices: the user name
/// (new-user's), or the user name, a dash and the time (`device_name`'s), maybe numbered.
fn named_for(serial: &str, user: &str) -> bool {
    let Some(name) = serial.rsplit('/').next() else {
        return false;
    };
    let Some(rest) = name.strip_prefix(user) else {
        return false;
    };
    let Some(stamp) = rest.strip_prefix('-') else {
        return rest.is_empty();
    };
    let (time, number) = stamp.split_at(stamp.len().min(STAMP_LEN));
    time.len() == STAMP_LEN
        && time
            .chars()
            .all(|c| c.is_ascii_digit() || c == 'T' || c == 'Z')
        && (number.is_empty()
            || number
                .strip_prefix('-')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit())))
}

/// The length of `device_name`'s time (`20261201T100000Z`).
const STAMP_LEN: usize = 16;

/// One change of a reset, in the order made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum MfaStep {
    CreateDevice {
        user: String,
        name: String,
        serial: String,
    },
    MarkPending {
        user: String,
        /// The device an earlier pending run left in the tag, put back if this run is undone.
        replaces: Option<String>,
    },
    Enable {
        user: String,
        serial: String,
    },
    ClearPending {
        user: String,
    },
    Deactivate {
        user: String,
        serial: String,
    },
    DeleteDevice {
        serial: String,
    },
}

impl fmt::Display for MfaStep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MfaStep::CreateDevice { name, .. } => write!(
                f,
                "iam:CreateVirtualMFADevice {name} (the new device; its QR code or otpauth URI goes only to the person)"
            ),
            MfaStep::MarkPending { user, .. } => write!(
                f,
                "iam:TagUser {user} {MFA_PENDING_TAG}=<the new device> (enabled by a later --enable-pending)"
            ),
            MfaStep::Enable { user, serial } => write!(
                f,
                "iam:EnableMFADevice {serial} for {user} (two consecutive codes, checked here first)"
            ),
            MfaStep::ClearPending { user } => write!(f, "iam:UntagUser {user} {MFA_PENDING_TAG}"),
            MfaStep::Deactivate { user, serial } => {
                write!(
                    f,
                    "iam:DeactivateMFADevice {serial} of {user} (the old device)"
                )
            }
            MfaStep::DeleteDevice { serial } => write!(f, "iam:DeleteVirtualMFADevice {serial}"),
        }
    }
}

/// What a reset will change, in order: the enrolment (undone on failure), then the removal
/// of what it replaces (only once the new device is enabled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MfaResetPlan {
    pub(crate) user_name: String,
    pub(crate) user_arn: String,
    pub(crate) enrol: Vec<MfaStep>,
    pub(crate) remove: Vec<MfaStep>,
    /// The enabled device the removals keep (an `--enable-pending` run's, or an earlier reset's
    /// being finished).
    pub(crate) keeps: Option<String>,
}

impl MfaResetPlan {
    pub(crate) fn steps(&self) -> impl Iterator<Item = &MfaStep> {
        self.enrol.iter().chain(&self.remove)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.enrol.is_empty() && self.remove.is_empty()
    }
}

/// Why a reset cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct NothingPending(String);

/// A virtual device's serial number is an ARN with `:mfa/`; a hardware device's is not, and it
/// can only be deactivated.
fn is_virtual(serial: &str) -> bool {
    serial.starts_with("arn:") && serial.contains(":mfa/")
}

/// The name of the new device: the user's name and the time, since a user may hold several
/// devices and each needs its own name; with a number after it when one of `taken` (serial
/// numbers) already ends so, as a device made the same second would.
pub(crate) fn device_name(user_name: &str, now: u64, taken: &[&str]) -> String {
    let stamp: String = crate::clock::rfc3339(now)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let base = format!("{user_name}-{stamp}");
    let free = |name: &String| {
        !taken
            .iter()
            .any(|serial| serial.ends_with(&format!("/{name}")))
    };
    std::iter::once(base.clone())
        .chain((2..).map(|n| format!("{base}-{n}")))
        .find(free)
        .expect("some number is free")
}

/// Decides the changes: a pure function of the state, the mode and the time.
pub(crate) fn plan_reset(
    state: &MfaState,
    mode: &ResetMode,
    caller: &CallerIdentity,
    now: u64,
) -> Result<MfaResetPlan, NothingPending> {
    let user = state.user.name.clone();
    let pending = state.pending().map(str::to_string);
    let mut enrol = Vec::new();
    let mut remove = Vec::new();
    let mut keeps = None;
    let removing = |keep: Option<&str>, remove: &mut Vec<MfaStep>| {
        for serial in state.devices.iter().filter(|s| Some(s.as_str()) != keep) {
            remove.push(MfaStep::Deactivate {
                user: user.clone(),
                serial: serial.clone(),
            });
            if is_virtual(serial) {
                remove.push(MfaStep::DeleteDevice {
                    serial: serial.clone(),
                });
            }
        }
    };
    let taken: Vec<&str> = state
        .devices
        .iter()
        .map(String::as_str)
        .chain(pending.as_deref())
        .collect();
    let name = device_name(&user, now, &taken);
    let new_device = MfaStep::CreateDevice {
        user: user.clone(),
        serial: format!(
            "arn:{}:iam::{}:mfa{USER_PATH}{name}",
            caller.partition(),
            caller.account
        ),
        name,
    };
    let new_serial = "<the new device>".to_string();
    match mode {
        ResetMode::Enrol(_) if pending.as_ref().is_some_and(|p| state.devices.contains(p)) => {
            // An earlier reset enabled this device but could not remove the old ones (it left
            // the tag naming it): finish that, with no new device.
            keeps = pending.clone();
            remove.push(MfaStep::ClearPending { user: user.clone() });
            removing(keeps.as_deref(), &mut remove);
        }
        ResetMode::Enrol(_) => {
            enrol.push(new_device);
            enrol.push(MfaStep::Enable {
                user: user.clone(),
                serial: new_serial,
            });
            removing(None, &mut remove);
            drop_pending(&user, pending.as_deref(), &state.devices, &mut remove);
        }
        ResetMode::Pending { .. } => {
            enrol.push(new_device);
            enrol.push(MfaStep::MarkPending {
                user: user.clone(),
                replaces: pending.clone(),
            });
            if let Some(earlier) = pending.filter(|p| !state.devices.contains(p)) {
                remove.push(MfaStep::DeleteDevice { serial: earlier });
            }
        }
        ResetMode::EnablePending { .. } => {
            let Some(serial) = pending else {
                return Err(NothingPending(format!(
                    "{user} has no pending MFA device; start with reset-mfa {user} --mfa pending --mfa-secret-file FILE"
                )));
            };
            if !state.devices.contains(&serial) {
                enrol.push(MfaStep::Enable {
                    user: user.clone(),
                    serial: serial.clone(),
                });
            }
            remove.push(MfaStep::ClearPending { user: user.clone() });
            removing(Some(&serial), &mut remove);
            keeps = Some(serial);
        }
        ResetMode::RemoveOnly => {
            removing(None, &mut remove);
            drop_pending(&user, pending.as_deref(), &state.devices, &mut remove);
        }
    }
    for leftover in state
        .unassigned
        .iter()
        .filter(|serial| Some(serial.as_str()) != state.pending())
    {
        remove.push(MfaStep::DeleteDevice {
            serial: leftover.clone(),
        });
    }
    Ok(MfaResetPlan {
        user_name: user,
        user_arn: state.user.arn.clone(),
        enrol,
        remove,
        keeps,
    })
}

/// An earlier pending device that was never enabled goes, with its tag.
fn drop_pending(user: &str, pending: Option<&str>, devices: &[String], remove: &mut Vec<MfaStep>) {
    let Some(serial) = pending else {
        return;
    };
    remove.push(MfaStep::ClearPending {
        user: user.to_string(),
    });
    if !devices.iter().any(|d| d == serial) {
        remove.push(MfaStep::DeleteDevice {
            serial: serial.to_string(),
        });
    }
}

/// What a reset did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct MfaResetDone {
    /// The device enabled by this run.
    pub(crate) enabled: Option<String>,
    /// The device left pending by this run.
    pub(crate) pending: Option<String>,
    /// The removals made, as calls.
    pub(crate) removed: Vec<String>,
    /// Removals that failed, with why: the new device works, the old one is still there.
    pub(crate) not_removed: Vec<String>,
}

/// The enrolment half of a reset, its undo recorded in `undo`: the new device created (and
/// exported), then enabled with checked codes or left pending.
pub(crate) async fn enrol(
    api: &impl Iam,
    plan: &MfaResetPlan,
    mode: &ResetMode,
    issuer_account: &str,
    codes: &mut impl CodeSource,
    clock: &dyn Clock,
    undo: &UndoLog,
) -> Result<MfaResetDone, Failure> {
    let mut done = MfaResetDone::default();
    let mut seed = None;
    let mut serial = None;
    for step in &plan.enrol {
        tracing::info!(%step, "applying");
        match step {
            MfaStep::CreateDevice {
                user,
                name,
                serial: expected,
            } => {
                let device = create_device(api, undo, name, expected).await?;
                let made =
                    MfaSeed::from_base32(&device.base32_seed, &mfa_issuer(issuer_account), user)
                        .map_err(|err| Failure::Mfa(err.to_string()))?;
                export_device(undo, &export_mode(mode), &made)?;
                seed = Some(made);
                serial = Some(device.serial);
            }
            MfaStep::MarkPending { user, replaces } => {
                let serial = serial.clone().expect("the device is created first");
                undo.record(Undo::tags_before(
                    user,
                    [(MFA_PENDING_TAG, replaces.as_deref())],
                ));
                api.tag_user(user, &[(MFA_PENDING_TAG.to_string(), serial.clone())])
                    .await?;
                done.pending = Some(serial);
            }
            MfaStep::Enable {
                user,
                serial: planned,
            } => {
                let serial = serial.clone().unwrap_or_else(|| planned.clone());
                let (code1, code2) = match &seed {
                    Some(seed) => {
                        codes.show(&seed.otpauth_uri()).map_err(Failure::Mfa)?;
                        collect_codes(codes, seed, clock).await?
                    }
                    None => pending_codes(mode, codes, clock).await?,
                };
                enable_device(api, undo, user, &serial, &code1, &code2).await?;
                done.enabled = Some(serial);
            }
            other => unreachable!("not an enrolment step: {other}"),
        }
    }
    Ok(done)
}

/// `--enable-pending`: the codes, checked locally when the otpauth URI's file is given, else
/// handed to AWS as they are (it checks them).
async fn pending_codes(
    mode: &ResetMode,
    codes: &mut impl CodeSource,
    clock: &dyn Clock,
) -> Result<(String, String), Failure> {
    let ResetMode::EnablePending {
        secret_file: Some(path),
    } = mode
    else {
        return match codes.next_pair().await {
            CodeInput::Pair(first, second) => {
                Ok((first.trim().to_string(), second.trim().to_string()))
            }
            CodeInput::NoMore => Err(Failure::Mfa("no codes were given".to_string())),
            CodeInput::Interrupted => Err(Failure::Interrupted),
        };
    };
    let seed = read_pending_seed(path).map_err(|err| Failure::Mfa(err.to_string()))?;
    Ok(collect_codes(codes, &seed, clock).await?)
}

/// The otpauth URI an earlier `--mfa pending` wrote, read from `--mfa-secret-file`: checked
/// before any change, so a missing, unreadable or garbled file is bad input naming the file.
pub(crate) fn read_pending_seed(path: &std::path::Path) -> Result<MfaSeed, InputError> {
    let bad =
        |why: String| InputError::new("--mfa-secret-file", format!("{}: {why}", path.display()));
    let bytes = std::fs::read(path).map_err(|err| bad(format!("cannot be read ({err})")))?;
    if bytes.len() > MAX_URI_BYTES {
        return Err(bad(format!(
            "is {} bytes long; an otpauth URI is a line of text",
            bytes.len()
        )));
    }
    let text = String::from_utf8(bytes).map_err(|_| bad("is not text".to_string()))?;
    if text.contains('\0') {
        return Err(bad(
            "holds NUL bytes; an otpauth URI is a line of text".to_string()
        ));
    }
    MfaSeed::from_otpauth_uri(&Secret::new(text)).map_err(bad)
}

/// More than any otpauth URI this tool writes (its secret, issuer and name).
const MAX_URI_BYTES: usize = 4096;

/// Where `--mfa export` and `--mfa pending` write the otpauth URI; nothing for a prompt.
fn export_mode(mode: &ResetMode) -> MfaMode {
    match mode {
        ResetMode::Enrol(mfa) => mfa.clone(),
        ResetMode::Pending {
            secret_file,
            qr_png,
        } => MfaMode::Export {
            secret_file: secret_file.clone(),
            qr_png: qr_png.clone(),
        },
        _ => MfaMode::Deferred,
    }
}

/// The whole reset: the enrolment, undone on failure or interrupt (exit 1, 4 or 130, the old
/// devices untouched), then the removals. Removals left undone end the run with exit 4 naming
/// each; the new device is then named in the pending tag, so the same command run again
/// finishes them without making another device.
pub(crate) async fn reset(
    api: &impl Iam,
    plan: &MfaResetPlan,
    mode: &ResetMode,
    issuer_account: &str,
    codes: &mut impl CodeSource,
    clock: &dyn Clock,
    interrupted: impl std::future::Future<Output = ()>,
) -> Result<MfaResetDone, Error> {
    let mut done = rolling_back(
        api,
        async |undo: &UndoLog| enrol(api, plan, mode, issuer_account, codes, clock, undo).await,
        interrupted,
    )
    .await?;
    remove_old(api, plan, &mut done).await;
    if done.not_removed.is_empty() {
        return Ok(done);
    }
    let kept = done
        .enabled
        .clone()
        .or_else(|| plan.keeps.clone())
        .unwrap_or_default();
    let resumable = !kept.is_empty()
        && api
            .tag_user(
                &plan.user_name,
                &[(MFA_PENDING_TAG.to_string(), kept.clone())],
            )
            .await
            .is_ok();
    Err(Error::MfaOldDevicesLeft {
        user: plan.user_name.clone(),
        enabled: kept,
        leftovers: done.not_removed,
        resumable,
    })
}

/// The removal half, once the new device is enabled (or with `--remove-only`): each old
/// device deactivated, then deleted when virtual. Not undone; a removal whose answer was lost
/// is sent once more (one already made answers NoSuchEntity, which counts as done), one that
/// fails is reported, and the next ones still run.
pub(crate) async fn remove_old(api: &impl Iam, plan: &MfaResetPlan, done: &mut MfaResetDone) {
    for step in &plan.remove {
        tracing::info!(%step, "applying");
        let result = match remove_step(api, step).await {
            Err(err) if err.is(AwsErrorKind::Uncertain) => remove_step(api, step).await,
            other => other,
        };
        match result {
            Ok(()) => done.removed.push(step.to_string()),
            Err(err) => done.not_removed.push(format!("{step}: {err}")),
        }
    }
}

async fn remove_step(api: &impl Iam, step: &MfaStep) -> AwsResult<()> {
    match step {
        MfaStep::ClearPending { user } => api.untag_user(user, &[MFA_PENDING_TAG]).await,
        MfaStep::Deactivate { user, serial } => {
            already_done_if_missing(api.deactivate_mfa_device(user, serial).await)
        }
        MfaStep::DeleteDevice { serial } => {
            already_done_if_missing(api.delete_virtual_mfa_device(serial).await)
        }
        other => unreachable!("not a removal step: {other}"),
    }
}

/// A validated `reset-mfa` request: whose devices, and what to do with them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ResetMfaRequest {
    pub(crate) user_name: String,
    pub(crate) mode: ResetMode,
}

impl ResetMfaRequest {
    /// The one constructor every edge calls; the mode comes checked against the terminal and
    /// the files already.
    pub(crate) fn new(user_name: String, mode: ResetMode) -> Result<Self, InputError> {
        crate::names::validate_user_name(&user_name)?;
        Ok(ResetMfaRequest { user_name, mode })
    }
}

/// `reset-mfa` of an IAM user, as the command and the menu run it.
pub(crate) struct ResetMfa<'a, A, C> {
    pub(crate) api: &'a A,
    pub(crate) request: &'a ResetMfaRequest,
    /// Where the codes come from.
    pub(crate) codes: C,
    pub(crate) clock: &'a dyn Clock,
}

impl<A: Iam, C: CodeSource> Operation for ResetMfa<'_, A, C> {
    /// The caller's account (the issuer the authenticator app shows) and the plan.
    type Plan = (String, MfaResetPlan);
    type Done = MfaResetDone;

    async fn prepare(&self, protected: &Protected) -> Result<Prepared<Self::Plan>, Error> {
        let (caller, found) = look(self.api, &self.request.user_name)
            .await
            .map_err(Error::from_aws)?;
        let state = existing_user(protected, &caller, &self.request.user_name, found, |s| {
            &s.user
        })?;
        let plan = plan_reset(&state, &self.request.mode, &caller, self.clock.unix_now())
            .map_err(|err| InputError::new("--enable-pending", err.to_string()))?;
        let enables = plan
            .steps()
            .any(|step| matches!(step, MfaStep::Enable { .. }));
        if enables && state.devices.len() >= crate::quotas::MFA_DEVICES_A_USER {
            return Err(InputError::new(
                "<USERNAME>",
                format!(
                    "{} holds {} MFA devices, as many as IAM allows; the new device is enabled before the old ones go, so deactivate one first (aws iam deactivate-mfa-device)",
                    state.user.name,
                    state.devices.len()
                ),
            )
            .into());
        }
        if plan
            .steps()
            .any(|step| matches!(step, MfaStep::MarkPending { .. }))
        {
            crate::names::check_room_for_tags(
                &state.user.name,
                &state.user.tags,
                &[MFA_PENDING_TAG],
            )?;
        }
        Ok(Prepared {
            subject: plan.user_arn.clone(),
            changes: plan.steps().map(ToString::to_string).collect(),
            done: plan.is_empty(),
            plan: (caller.account.clone(), plan),
            caller,
        })
    }

    async fn apply(
        &mut self,
        (account, plan): &Self::Plan,
        interrupted: impl std::future::Future<Output = ()>,
    ) -> Result<MfaResetDone, Error> {
        reset(
            self.api,
            plan,
            &self.request.mode,
            account,
            &mut self.codes,
            self.clock,
            interrupted,
        )
        .await
    }
}

#[cfg(test)]
mod tests;
