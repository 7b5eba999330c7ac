//! `new-user`'s changes: the apply loop that turns a plan into calls while recording how to
//! undo each change before making it, the handling of answers lost after a change, and the
//! mapping of a failure to a rollback and an exit code.
//!
//! Every outside effect comes in through a parameter: the `Iam` boundary, the `CodeSource` that
//! shows the QR code and reads codes, the clock, the random generator for passwords, and the
//! interrupt signal. So the whole flow runs in unit tests against an in-memory IAM.

use crate::aws::{AwsError, AwsErrorKind, AwsResult, Iam, NewUser, VirtualMfaDevice, tag_value};
use crate::clock::Clock;
use crate::error::Error;
use crate::iam::enrol::{AfterWrongCodes, CodeSource, EnrolFailure, collect_codes, mfa_issuer};
use crate::iam::plan::{Observed, Plan, Step, USER_PATH};
use crate::iam::request::{MfaMode, NewUserRequest};
use crate::iam::undo::{Recorded, Undo, UndoLog};
use crate::password;
use crate::qr;
use crate::secret::{Secret, write_new_private_file};
use crate::tags::{
    self, CREATED_BY_TAG, MANAGED_BY_TAG, PASSWORD_DELIVERED, PASSWORD_PENDING, PASSWORD_TAG,
    TEMPLATE_TAG,
};
use crate::template::IAM_PATH;
use crate::totp::MfaSeed;
use std::future::Future;
use std::path::Path;

/// Why a run stopped part-way.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Failure {
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

impl From<EnrolFailure> for Failure {
    fn from(failure: EnrolFailure) -> Self {
        match failure {
            EnrolFailure::Interrupted => Failure::Interrupted,
            other => Failure::Mfa(other.to_string()),
        }
    }
}

/// What a successful run produced.
#[derive(Debug)]
pub(crate) struct Onboarded {
    /// The one-time console password, when it is to be shown on the terminal.
    pub(crate) password_to_show: Option<Secret>,
    /// The serial number of the MFA device this run enabled.
    pub(crate) mfa_enabled: Option<String>,
    /// The person gave wrong codes and the helper chose to keep them with MFA deferred.
    pub(crate) mfa_deferred: bool,
}

/// The outside parts `apply` uses.
pub(crate) struct Effects<'a, S: CodeSource, R: rand::Rng> {
    pub(crate) codes: &'a mut S,
    pub(crate) clock: &'a dyn Clock,
    pub(crate) rng: &'a mut R,
}

/// Applies `plan`, recording each change's undo in `undo` before making it, in as few round
/// trips as the changes allow: the template's shared resources in order, then the user, then
/// its group membership, console password and virtual MFA device at once (three independent
/// lanes), then the device's enabling with the person's codes.
pub(crate) async fn apply<A: Iam, S: CodeSource, R: rand::Rng>(
    api: &A,
    request: &NewUserRequest,
    observed: &Observed,
    plan: &Plan,
    effects: Effects<'_, S, R>,
    undo: &UndoLog,
) -> Result<Onboarded, Failure> {
    let Effects { codes, clock, rng } = effects;
    let in_lane = |lane: Lane| plan.steps.iter().filter(move |step| Lane::of(step) == lane);
    for step in in_lane(Lane::Shared) {
        tracing::info!(%step, "applying");
        apply_shared(api, step).await?;
    }
    for step in in_lane(Lane::User) {
        tracing::info!(%step, "applying");
        if let Step::CreateUser(user) = step {
            create_user(api, undo, plan, user).await?;
        }
    }
    let password = plan
        .makes_password()
        .then(|| password::generate(&observed.password_rules, rng));
    let (membership, console, device) = tokio::join!(
        run_lane(in_lane(Lane::Group), |step| group_step(api, undo, step)),
        run_lane(in_lane(Lane::Password), |step| {
            password_step(api, undo, request, plan, step, password.as_ref())
        }),
        run_lane(in_lane(Lane::Device), |step| {
            device_step(api, undo, request, observed, step)
        }),
    );
    membership?;
    console?;
    let mut new_device = device?;
    let mut onboarded = Onboarded {
        password_to_show: password.filter(|_| request.password_file.is_none()),
        mfa_enabled: None,
        mfa_deferred: false,
    };
    for step in in_lane(Lane::Enable) {
        tracing::info!(%step, "applying");
        if let Step::EnableMfaDevice { user, .. } = step {
            let (serial, seed) = new_device
                .take()
                .expect("a plan creates the device before enabling it");
            codes.show(&seed.otpauth_uri()).map_err(Failure::Mfa)?;
            let pair = loop {
                match collect_codes(codes, &seed, clock).await {
                    Ok(pair) => break Some(pair),
                    Err(EnrolFailure::WrongCodes) => match codes.after_wrong_codes().await {
                        AfterWrongCodes::TryAgain => continue,
                        AfterWrongCodes::KeepDeferred => break None,
                        AfterWrongCodes::Undo => return Err(EnrolFailure::WrongCodes.into()),
                    },
                    Err(other) => return Err(other.into()),
                }
            };
            match pair {
                Some((code1, code2)) => {
                    enable_device(api, undo, user, &serial, &code1, &code2).await?;
                    onboarded.mfa_enabled = Some(serial);
                }
                None => {
                    // The device is unassigned and its seed is with the person only: it goes,
                    // and the force-MFA policy keeps them to MFA self-service until they enrol.
                    already_done_if_missing(api.delete_virtual_mfa_device(&serial).await)?;
                    onboarded.mfa_deferred = true;
                }
            }
        }
    }
    Ok(onboarded)
}

/// Which part of a run a step belongs to: the parts run in this order, and the three lanes
/// between the user and the enabling run at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    Shared,
    User,
    Group,
    Password,
    Device,
    Enable,
}

impl Lane {
    fn of(step: &Step) -> Lane {
        match step {
            Step::CreatePolicy { .. }
            | Step::DeletePolicyVersion { .. }
            | Step::CreatePolicyVersion { .. }
            | Step::CreateGroup { .. }
            | Step::AttachGroupPolicy { .. }
            | Step::DetachGroupPolicy { .. }
            | Step::DeleteGroupPolicy { .. }
            | Step::PutGroupPolicy { .. }
            | Step::CreateRole(_)
            | Step::UpdateAssumeRolePolicy { .. }
            | Step::UpdateRoleMaxSession { .. }
            | Step::PutRolePermissionsBoundary { .. }
            | Step::AttachRolePolicy { .. }
            | Step::DetachRolePolicy { .. } => Lane::Shared,
            Step::CreateUser(_) => Lane::User,
            Step::AddUserToGroup { .. } => Lane::Group,
            Step::MarkPasswordPending { .. }
            | Step::CreateLoginProfile { .. }
            | Step::ResetUndeliveredPassword { .. } => Lane::Password,
            Step::DeleteStaleMfaDevice { .. } | Step::CreateVirtualMfaDevice { .. } => Lane::Device,
            Step::EnableMfaDevice { .. } => Lane::Enable,
        }
    }
}

/// Runs a lane's steps in order; the last step's result is the lane's.
async fn run_lane<'s, T: Default, Fut>(
    steps: impl Iterator<Item = &'s Step>,
    mut apply_step: impl FnMut(&'s Step) -> Fut,
) -> Result<T, Failure>
where
    Fut: Future<Output = Result<T, Failure>>,
{
    let mut last = T::default();
    for step in steps {
        tracing::info!(%step, "applying");
        last = apply_step(step).await?;
    }
    Ok(last)
}

/// CreateUser; when the answer was lost and the retry met the user, goes on if it is this run's.
async fn create_user(
    api: &impl Iam,
    undo: &UndoLog,
    plan: &Plan,
    user: &NewUser,
) -> Result<(), Failure> {
    let entry = Undo::DeleteUser {
        user: user.name.clone(),
        arn: plan.user_arn.clone(),
    };
    let (recorded, result) = guarded(undo, entry, api.create_user(user)).await;
    match result {
        Err(err) if err.is(AwsErrorKind::AlreadyExists) => {
            Ok(adopt_user(api, undo, recorded, user, err).await?)
        }
        other => Ok(other.map(drop)?),
    }
}

async fn group_step(api: &impl Iam, undo: &UndoLog, step: &Step) -> Result<(), Failure> {
    let Step::AddUserToGroup { group, user } = step else {
        unreachable!("the group lane holds AddUserToGroup only: {step}")
    };
    let entry = Undo::RemoveUserFromGroup {
        user: user.clone(),
        group: group.clone(),
    };
    guarded(undo, entry, api.add_user_to_group(group, user))
        .await
        .1?;
    Ok(())
}

/// A step of the console lane, with the password this run made.
async fn password_step(
    api: &impl Iam,
    undo: &UndoLog,
    request: &NewUserRequest,
    plan: &Plan,
    step: &Step,
    password: Option<&Secret>,
) -> Result<(), Failure> {
    let written = |password: &Secret| match &request.password_file {
        Some(path) => write_secret_file(undo, path, password.expose().as_bytes(), "password"),
        None => Ok(()),
    };
    match step {
        Step::MarkPasswordPending { user } => {
            let pending = [(PASSWORD_TAG.to_string(), PASSWORD_PENDING.to_string())];
            api.tag_user(user, &pending).await?;
        }
        Step::CreateLoginProfile { user } => {
            let password = password.expect("a plan that makes a login profile has a password");
            written(password)?;
            let entry = Undo::DeleteLoginProfile {
                user: user.clone(),
                user_arn: plan.user_arn.clone(),
            };
            match guarded(undo, entry, api.create_login_profile(user, password, true))
                .await
                .1
            {
                // The plan saw none: the profile is this run's, its answer lost. Setting the
                // password again makes it certainly the one delivered.
                Err(err) if err.is(AwsErrorKind::AlreadyExists) => {
                    api.update_login_profile(user, password, true).await?
                }
                other => other?,
            }
        }
        Step::ResetUndeliveredPassword { user } => {
            let password = password.expect("a plan that resets a password has one");
            written(password)?;
            api.update_login_profile(user, password, true).await?;
        }
        other => unreachable!("not a step of the console lane: {other}"),
    }
    Ok(())
}

/// A step of the device lane; creating the device hands it on for enabling.
async fn device_step(
    api: &impl Iam,
    undo: &UndoLog,
    request: &NewUserRequest,
    observed: &Observed,
    step: &Step,
) -> Result<Option<(String, MfaSeed)>, Failure> {
    match step {
        Step::DeleteStaleMfaDevice { serial } => {
            already_done_if_missing(api.delete_virtual_mfa_device(serial).await)?;
            Ok(None)
        }
        Step::CreateVirtualMfaDevice { user, serial } => {
            let device = create_device(api, undo, user, serial).await?;
            let seed = MfaSeed::from_base32(
                &device.base32_seed,
                &mfa_issuer(&observed.caller.account),
                user,
            )
            .map_err(|err| Failure::Mfa(err.to_string()))?;
            export_device(undo, &request.mfa, &seed)?;
            Ok(Some((device.serial, seed)))
        }
        other => unreachable!("not a step of the device lane: {other}"),
    }
}

/// CreateVirtualMFADevice `name`, which the plan saw free and expects as `serial`, its undo
/// recorded first. EntityAlreadyExists is this run's device whose answer was lost (the SDK
/// retried): its seed was in that answer, and it is unassigned, so it is deleted and made again.
pub(crate) async fn create_device(
    api: &impl Iam,
    undo: &UndoLog,
    name: &str,
    serial: &str,
) -> Result<VirtualMfaDevice, AwsError> {
    let entry = Undo::DeleteVirtualMfaDevice {
        serial: serial.to_string(),
    };
    let (recorded, result) =
        guarded(undo, entry, api.create_virtual_mfa_device(name, USER_PATH)).await;
    let device = match result {
        Err(err) if err.is(AwsErrorKind::AlreadyExists) => {
            already_done_if_missing(api.delete_virtual_mfa_device(serial).await)?;
            api.create_virtual_mfa_device(name, USER_PATH).await?
        }
        other => other?,
    };
    if device.serial != serial {
        undo.forget(recorded);
        undo.record(Undo::DeleteVirtualMfaDevice {
            serial: device.serial.clone(),
        });
    }
    Ok(device)
}

/// EnableMFADevice with the two checked codes. Already in use by this user is this run's
/// enable whose answer was lost.
pub(crate) async fn enable_device(
    api: &impl Iam,
    undo: &UndoLog,
    user: &str,
    serial: &str,
    code1: &str,
    code2: &str,
) -> Result<(), Failure> {
    let entry = Undo::DeactivateMfaDevice {
        user: user.to_string(),
        serial: serial.to_string(),
    };
    let (recorded, result) = guarded(
        undo,
        entry,
        api.enable_mfa_device(user, serial, code1, code2),
    )
    .await;
    match result {
        Err(err) if err.is(AwsErrorKind::AlreadyExists) => {
            if api
                .list_mfa_devices(user)
                .await?
                .iter()
                .any(|s| s == serial)
            {
                Ok(())
            } else {
                undo.forget(recorded);
                Err(err.into())
            }
        }
        other => Ok(other?),
    }
}

/// Records on the user that the one-time password this run made has been shown or written,
/// so no later run replaces it. Called once the password is delivered.
pub(crate) async fn record_password_delivered(api: &impl Iam, user: &str) -> AwsResult<()> {
    let delivered = [(PASSWORD_TAG.to_string(), PASSWORD_DELIVERED.to_string())];
    api.tag_user(user, &delivered).await
}

/// Makes one change to the template's shared resources (policies, group and role). These are never
/// undone; one that another run made first counts as made.
pub(crate) async fn apply_shared(api: &impl Iam, step: &Step) -> AwsResult<()> {
    match step {
        Step::CreatePolicy {
            name,
            document,
            description,
        } => shared(
            api.create_policy(name, IAM_PATH, document, description, &tags::managed_by())
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
        Step::DetachGroupPolicy { group, policy_arn } => {
            already_done_if_missing(api.detach_group_policy(group, policy_arn).await)?
        }
        Step::PutGroupPolicy {
            group,
            name,
            document,
        } => api.put_group_policy(group, name, document).await?,
        Step::DeleteGroupPolicy { group, name } => {
            already_done_if_missing(api.delete_group_policy(group, name).await)?
        }
        Step::CreateRole(role) => shared(api.create_role(role).await)?,
        Step::UpdateAssumeRolePolicy { role, document } => {
            api.update_assume_role_policy(role, document).await?
        }
        Step::UpdateRoleMaxSession { role, seconds } => {
            api.update_role_max_session(role, *seconds).await?
        }
        Step::PutRolePermissionsBoundary { role, policy_arn } => {
            api.put_role_permissions_boundary(role, policy_arn).await?
        }
        Step::AttachRolePolicy { role, policy_arn } => {
            api.attach_role_policy(role, policy_arn).await?
        }
        Step::DetachRolePolicy { role, policy_arn } => {
            already_done_if_missing(api.detach_role_policy(role, policy_arn).await)?
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
    undo: &UndoLog,
    entry: Undo,
    change: impl Future<Output = AwsResult<T>>,
) -> (Recorded, Result<T, AwsError>) {
    let recorded = undo.record(entry);
    let result = change.await;
    if let Err(err) = &result
        && !err.is(AwsErrorKind::Uncertain)
        && !err.is(AwsErrorKind::AlreadyExists)
    {
        undo.forget(recorded);
    }
    (recorded, result)
}

/// After CreateUser answered EntityAlreadyExists for a user the plan saw missing: a user that
/// carries this run's tags (made by this tool, from this template, by this caller) is this
/// run's, its answer lost, and the run goes on. Anyone else's is left alone: its undo entry is
/// dropped and the run fails.
async fn adopt_user(
    api: &impl Iam,
    undo: &UndoLog,
    recorded: Recorded,
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
        undo.forget(recorded);
        Err(err)
    }
}

/// A shared resource that another run created first is as good as one this run created.
fn shared<T>(result: AwsResult<T>) -> AwsResult<()> {
    match result {
        Err(err) if !err.is(AwsErrorKind::AlreadyExists) => Err(err),
        _ => Ok(()),
    }
}

pub(crate) fn already_done_if_missing(result: AwsResult<()>) -> AwsResult<()> {
    match result {
        Err(err) if !err.is(AwsErrorKind::NotFound) => Err(err),
        _ => Ok(()),
    }
}

pub(crate) fn write_secret_file(
    undo: &UndoLog,
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
pub(crate) fn export_device(undo: &UndoLog, mode: &MfaMode, seed: &MfaSeed) -> Result<(), Failure> {
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

/// Applies the plan; on failure or interrupt, undoes this run's changes in reverse order and
/// returns the error with its exit code: 1 undone, 4 undo incomplete, 130 interrupted.
pub(crate) async fn apply_or_roll_back<A: Iam, S: CodeSource, R: rand::Rng>(
    api: &A,
    request: &NewUserRequest,
    observed: &Observed,
    plan: &Plan,
    effects: Effects<'_, S, R>,
    interrupted: impl Future<Output = ()>,
) -> Result<Onboarded, Error> {
    rolling_back(
        api,
        async |undo: &UndoLog| apply(api, request, observed, plan, effects, undo).await,
        interrupted,
    )
    .await
}

/// Runs `work` with a new undo log; on failure or interrupt, undoes what it recorded in reverse
/// order and returns the error with its exit code: 1 undone, 4 undo incomplete, 130
/// interrupted.
pub(crate) async fn rolling_back<A: Iam, T>(
    api: &A,
    work: impl AsyncFnOnce(&UndoLog) -> Result<T, Failure>,
    interrupted: impl Future<Output = ()>,
) -> Result<T, Error> {
    let undo = UndoLog::new();
    let outcome = tokio::select! {
        biased;
        () = interrupted => Err(None),
        result = work(&undo) => match result {
            Err(Failure::Interrupted) => Err(None),
            other => other.map_err(Some),
        },
    };
    let failure = match outcome {
        Ok(done) => return Ok(done),
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
mod code_tests;
#[cfg(test)]
mod lag_tests;
#[cfg(test)]
pub(crate) mod tests;
