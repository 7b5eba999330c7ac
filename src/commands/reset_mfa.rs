//! `reset-mfa`: the user (given, or chosen on a terminal), the plan, the question, the new
//! device enrolled (QR code and codes on a terminal, or the file and codes on standard input,
//! or left pending for a second run), then the old devices removed.

use crate::cli::{OutputFormat, ResetMfaArg, ResetMfaArgs};
use crate::clock::SystemClock;
use crate::error::{Error, InputError};
use crate::iam::mfa_reset::{self, MfaResetPlan, ResetMfaRequest, ResetMode};
use crate::iam::request::MfaMode;
use crate::operation::{Driven, Prepared};
use crate::outcome::MfaResetStatus;
use crate::report::reset_mfa::MfaResetReport;
use crate::report::{self, Acting};
use crate::settings::{Settings, Terminal};
use crate::terminal::code_input::AnyCodes;
use crate::terminal::helpdesk;
use crate::terminal::interrupt::Interrupts;
use crate::terminal::prompt::{Dialogue, Prompter};
use std::path::Path;

/// The mode asked for, checked against the terminal and the files before any call.
fn reset_mode(args: &ResetMfaArgs, terminal: Terminal) -> Result<ResetMode, InputError> {
    if args.remove_only {
        return Ok(ResetMode::RemoveOnly);
    }
    if args.enable_pending {
        if let Some(path) = &args.mfa_secret_file {
            mfa_reset::read_pending_seed(path)?;
        }
        return Ok(ResetMode::EnablePending {
            secret_file: args.mfa_secret_file.clone(),
        });
    }
    let chosen = match args.mfa {
        Some(chosen) => chosen,
        None if terminal.interactive => ResetMfaArg::Prompt,
        None => {
            return Err(InputError::new(
                "--mfa",
                "without a terminal, give --mfa export or --mfa pending with --mfa-secret-file FILE",
            ));
        }
    };
    let secret_file = || {
        let path = args.mfa_secret_file.clone().ok_or_else(|| {
            InputError::new(
                "--mfa-secret-file",
                "--mfa export and --mfa pending need --mfa-secret-file FILE for the otpauth URI",
            )
        })?;
        for (flag, file) in [
            ("--mfa-secret-file", Some(path.as_path())),
            ("--mfa-qr-png", args.mfa_qr_png.as_deref()),
        ] {
            new_file(flag, file)?;
        }
        Ok(path)
    };
    match chosen {
        ResetMfaArg::Prompt if !terminal.interactive => Err(InputError::new(
            "--mfa",
            "prompt needs a terminal; use --mfa export or --mfa pending",
        )),
        ResetMfaArg::Prompt => {
            for (flag, given) in [
                ("--mfa-secret-file", args.mfa_secret_file.is_some()),
                ("--mfa-qr-png", args.mfa_qr_png.is_some()),
            ] {
                if given {
                    return Err(InputError::new(flag, "goes with --mfa export or pending"));
                }
            }
            Ok(ResetMode::Enrol(MfaMode::Prompt))
        }
        ResetMfaArg::Export => Ok(ResetMode::Enrol(MfaMode::Export {
            secret_file: secret_file()?,
            qr_png: args.mfa_qr_png.clone(),
        })),
        ResetMfaArg::Pending => Ok(ResetMode::Pending {
            secret_file: secret_file()?,
            qr_png: args.mfa_qr_png.clone(),
        }),
    }
}

fn new_file(flag: &'static str, path: Option<&Path>) -> Result<(), InputError> {
    path.map_or(Ok(()), |path| crate::iam::request::must_be_new(flag, path))
}

pub(super) async fn reset_mfa(
    args: ResetMfaArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    helpdesk::require(
        settings.terminal.interactive,
        &["reset-mfa"],
        &[("<USERNAME>", args.username.is_some())],
    )?;
    let mode = reset_mode(&args, settings.terminal)?;
    let request_for = |user_name: String| ResetMfaRequest::new(user_name, mode.clone());
    let given = args.username.clone().map(request_for).transpose()?;
    let mut prompter = Dialogue::new(settings.terminal.look);
    let api = settings.iam_api().await?;
    let request = match given {
        Some(request) => request,
        None => {
            request_for(helpdesk::ask_iam_user(&api, &mut prompter, "reset the MFA of").await?)?
        }
    };
    let codes = AnyCodes::new(
        request.mode == ResetMode::Enrol(MfaMode::Prompt),
        &request.user_name,
        settings.terminal.look,
    );
    let mut operation = mfa_reset::ResetMfa {
        api: &api,
        request: &request,
        codes,
        clock: &SystemClock,
    };
    let driven = super::drive_command(&mut operation, settings, interrupts, |prepared| {
        ask(prepared, &request.mode, settings, &mut prompter)
    })
    .await?;
    let (prepared, done) = match driven {
        Driven::Planned(prepared) | Driven::AlreadyDone(prepared) => (prepared, None),
        Driven::Applied(prepared, done) => (prepared, Some(done)),
    };
    let mut report = MfaResetReport {
        acting: Acting::of(&prepared.caller),
        status: MfaResetStatus::Planned,
        user_name: request.user_name.clone(),
        user_arn: prepared.subject.clone(),
        enabled_device: None,
        pending_device: None,
        secret_file: None,
        planned: prepared.changes.clone(),
        removed: Vec::new(),
    };
    let Some(done) = done else {
        if !settings.dry_run {
            report.status = MfaResetStatus::AlreadyDone;
            report.planned = Vec::new();
        }
        report::show(&report, settings.output);
        return Ok(());
    };
    report.planned = Vec::new();
    report.status = match (&done.enabled, &done.pending, &request.mode) {
        (Some(_), _, _) => MfaResetStatus::Enabled,
        (None, Some(_), _) => MfaResetStatus::Pending,
        (None, None, ResetMode::EnablePending { .. }) => MfaResetStatus::Enabled,
        (None, None, _) => MfaResetStatus::Removed,
    };
    report.secret_file = match &request.mode {
        ResetMode::Pending { secret_file, .. } => Some(secret_file.display().to_string()),
        ResetMode::Enrol(MfaMode::Export { secret_file, .. }) => {
            Some(secret_file.display().to_string())
        }
        _ => None,
    };
    if request.mode == ResetMode::Enrol(MfaMode::Prompt)
        && settings.terminal.interactive
        && settings.output == OutputFormat::Human
        && !settings.yes
    {
        super::clear_secrets_when_done(&mut prompter)?;
    }
    report.enabled_device = done.enabled;
    report.pending_device = done.pending;
    report.removed = done.removed;
    report::show(&report, settings.output);
    Ok(())
}

/// `reset-mfa`'s plan and its question on a terminal (not with `-y`): the QR code must fit the
/// terminal first when it will be shown; then the plan, and yes or no.
fn ask(
    prepared: &Prepared<(String, MfaResetPlan)>,
    mode: &ResetMode,
    settings: &Settings,
    prompter: &mut impl Prompter,
) -> Result<bool, Error> {
    let (account, plan) = &prepared.plan;
    if *mode == ResetMode::Enrol(MfaMode::Prompt) {
        super::qr_fits(account, &plan.user_name, settings)?;
    }
    let action = format!("reset the MFA of {}", prepared.subject);
    super::ask_yes_no(prepared, action, settings, prompter)
}
