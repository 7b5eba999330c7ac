//! `new-user`: the request from flags (or prompts), the plan, the question, the apply, the
//! one-time password and the handover.

use super::show_password;
use crate::cli::{MfaArg, NewUserArgs, OutputFormat};
use crate::clock::SystemClock;
use crate::error::{Error, InputError};
use crate::iam::apply::{self as onboard};
use crate::iam::onboard::{Onboard, PasswordDelivery};
use crate::iam::plan;
use crate::iam::plan::Observed;
use crate::iam::request::{MfaMode, NewUserInput, NewUserRequest, PersonDetails};
use crate::operation::{Driven, Prepared};
use crate::report;
use crate::report::new_user::NewUserReport;
use crate::settings::{Settings, Terminal};
use crate::template::TemplateSet;
use crate::terminal::code_input::AnyCodes;
use crate::terminal::helpdesk;
use crate::terminal::interrupt::Interrupts;
use crate::terminal::prompt::{Dialogue, Prompter};

/// Turns `new-user` arguments into a validated request. Nothing here talks to AWS.
pub(crate) fn new_user_request(
    args: NewUserArgs,
    set: &TemplateSet,
    terminal: Terminal,
) -> Result<NewUserRequest, InputError> {
    let (Some(user_name), Some(template)) = (args.username.clone(), args.template.clone()) else {
        return Err(InputError::new(
            "<USERNAME> and --template",
            "both are required",
        ));
    };
    let mfa = mfa_mode(&args, terminal)?;
    let request = NewUserRequest::new(
        NewUserInput {
            user_name,
            template,
            details: PersonDetails {
                display_name: args.display_name,
                email: args.email,
                ticket: args.ticket,
                tags: args.tags,
                console: !args.no_console,
                until: args.until,
            },
            mfa,
            password_file: args.password_file,
            profile_file: args.aws_profile_out,
        },
        set,
    )?;
    Ok(request)
}

fn mfa_mode(args: &NewUserArgs, terminal: Terminal) -> Result<MfaMode, InputError> {
    let chosen = args.mfa.unwrap_or(if terminal.interactive {
        MfaArg::Prompt
    } else {
        MfaArg::Deferred
    });
    if chosen != MfaArg::Export {
        for (flag, given) in [
            ("--mfa-secret-file", args.mfa_secret_file.is_some()),
            ("--mfa-qr-png", args.mfa_qr_png.is_some()),
        ] {
            if given {
                return Err(InputError::new(flag, "goes with --mfa export"));
            }
        }
    }
    match chosen {
        MfaArg::Prompt if !terminal.interactive => Err(InputError::new(
            "--mfa",
            "prompt needs a terminal; use --mfa export (codes on standard input) or --mfa deferred",
        )),
        MfaArg::Prompt => Ok(MfaMode::Prompt),
        MfaArg::Deferred => Ok(MfaMode::Deferred),
        MfaArg::Export => match &args.mfa_secret_file {
            Some(secret_file) => Ok(MfaMode::Export {
                secret_file: secret_file.clone(),
                qr_png: args.mfa_qr_png.clone(),
            }),
            None => Err(InputError::new(
                "--mfa-secret-file",
                "--mfa export needs --mfa-secret-file FILE for the otpauth URI",
            )),
        },
    }
}

pub(super) async fn new_user(
    mut args: NewUserArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let set = &settings.templates;
    let missing = helpdesk::require(
        settings.terminal.interactive,
        &["new-user"],
        &[
            ("<USERNAME>", args.username.is_some()),
            ("--template <NAME>", args.template.is_some()),
        ],
    )?;
    let mut prompter = Dialogue::new(settings.terminal.look);
    let api = settings.iam_api().await?;
    if missing {
        helpdesk::ask_new_user(&mut args, set, &api, &mut prompter).await?;
    }
    let request = new_user_request(args, set, settings.terminal)?;
    crate::iam::end_date::refuse_passed(
        "--until",
        request.until.as_deref(),
        &crate::iam::end_date::today_by_the_clock(),
    )?;

    let codes = AnyCodes::new(
        request.mfa == MfaMode::Prompt,
        &request.user_name,
        settings.terminal.look,
    );
    let mut operation = Onboard {
        api: &api,
        request: &request,
        read_once: None,
        delivery: if settings.terminal.interactive {
            PasswordDelivery::Terminal
        } else {
            PasswordDelivery::FileOnly
        },
        codes,
        clock: &SystemClock,
    };
    let driven = super::drive_command(&mut operation, settings, interrupts, |prepared| {
        ask(prepared, &request, settings, &mut prompter)
    })
    .await?;
    let (prepared, onboarded) = match driven {
        Driven::Applied(prepared, onboarded) => (prepared, onboarded),
        Driven::Planned(prepared) | Driven::AlreadyDone(prepared) => {
            let (observed, plan) = &prepared.plan;
            let outcome = (!settings.dry_run).then_some(onboard::Onboarded {
                password_to_show: None,
                mfa_enabled: None,
                mfa_deferred: false,
            });
            let mut report = NewUserReport::new(&request, observed, plan, outcome.as_ref());
            if !settings.dry_run {
                write_profile(&request, &mut report)?;
            }
            report::show(&report, settings.output);
            return Ok(());
        }
    };
    let (observed, plan) = &prepared.plan;
    let delivered = match &onboarded.password_to_show {
        Some(password) => show_password(&request.user_name, password, "first sign-in"),
        None => true,
    };
    if plan.leaves_password_pending(&request)
        && delivered
        && let Err(err) = onboard::record_password_delivered(&api, &request.user_name).await
    {
        tracing::warn!(%err, "could not record that the password was delivered; a re-run will make a new one");
    }
    let mut report = NewUserReport::new(&request, observed, plan, Some(&onboarded));
    write_profile(&request, &mut report)?;
    let secrets_on_screen = onboarded.password_to_show.is_some() || request.mfa == MfaMode::Prompt;
    if settings.terminal.interactive && settings.output == OutputFormat::Human {
        eprintln!("\n{}", report.handover(settings.terminal.look));
        if secrets_on_screen && !settings.yes {
            super::clear_secrets_when_done(&mut prompter)?;
        }
    }
    report::show(&report, settings.output);
    Ok(())
}

/// Writes the role's AWS CLI profile to `--aws-profile-out` (checked new before any change),
/// and says so in the report.
fn write_profile(request: &NewUserRequest, report: &mut NewUserReport) -> Result<(), Error> {
    let (Some(path), Some(role)) = (&request.profile_file, &report.role) else {
        return Ok(());
    };
    crate::secret::write_new_private_file(path, role.cli_profile.config_block().as_bytes())
        .map_err(|err| {
            InputError::new(
                crate::iam::request::PROFILE_FILE_FLAG,
                format!("cannot write {}: {err}", path.display()),
            )
        })?;
    report.aws_profile_file = Some(path.display().to_string());
    Ok(())
}

/// `new-user`'s plan and its question on a terminal (not with `-y`): the QR code must fit the
/// terminal first when it will be shown; then the plan, and yes or no.
fn ask(
    prepared: &Prepared<(Observed, plan::Plan)>,
    request: &NewUserRequest,
    settings: &Settings,
    prompter: &mut impl Prompter,
) -> Result<bool, Error> {
    let (observed, plan) = &prepared.plan;
    if request.mfa == MfaMode::Prompt && plan.creates_device() {
        super::qr_fits(&observed.caller.account, &request.user_name, settings)?;
    }
    let action = format!("onboard {} as {}", request.user_name, request.template.name);
    super::ask_yes_no(prepared, action, settings, prompter)
}
