//! `reset-password`: the user (given, or chosen on a terminal), the plan, the question, the
//! new one-time password shown once on the terminal or written to a new 0600 file.

use super::show_password;
use crate::cli::{OutputFormat, ResetPasswordArgs};
use crate::error::{Error, InputError};
use crate::iam::password_reset::{self, PasswordChange, ResetPasswordRequest};
use crate::operation::Driven;
use crate::outcome::PasswordResetStatus;
use crate::report::reset_password::PasswordResetReport;
use crate::report::{self, Acting};
use crate::settings::Settings;
use crate::terminal::helpdesk;
use crate::terminal::interrupt::Interrupts;
use crate::terminal::prompt::Dialogue;

/// What to do for an Identity Center user: AWS has no API to reset their password.
const SSO_PASSWORD_HELP: &str = "IAM Identity Center has no API to reset a user's password. In the IAM Identity Center console: Users, choose the person, Reset password; then either send them an email with instructions, or generate a one-time password to give them (they set a new one at sign-in). With an external identity provider, reset it there.";

pub(super) async fn reset_password(
    args: ResetPasswordArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    if args.sso {
        return Err(InputError::new("--sso", SSO_PASSWORD_HELP).into());
    }
    helpdesk::require(
        settings.terminal.interactive,
        &["reset-password"],
        &[("<USERNAME>", args.username.is_some())],
    )?;
    let request_for = |user_name: String| {
        ResetPasswordRequest::new(user_name, args.create, args.password_file.clone())
    };
    let given = args.username.clone().map(request_for).transpose()?;
    if args.password_file.is_none() && !settings.terminal.interactive {
        return Err(InputError::new(
            "--password-file",
            "the one-time password is only shown on a terminal; give --password-file FILE",
        )
        .into());
    }
    let mut prompter = Dialogue::new(settings.terminal.look);
    let api = settings.iam_api().await?;
    let request = match given {
        Some(request) => request,
        None => {
            request_for(helpdesk::ask_iam_user(&api, &mut prompter, "give a new password").await?)?
        }
    };
    let mut operation = password_reset::ResetPassword {
        api: &api,
        request: &request,
    };
    let driven = super::drive_command(&mut operation, settings, interrupts, |prepared| {
        let action = format!("give {} a new one-time console password", prepared.subject);
        super::ask_yes_no(prepared, action, settings, &mut prompter)
    })
    .await?;
    let (prepared, shown) = match driven {
        Driven::Planned(prepared) | Driven::AlreadyDone(prepared) => (prepared, None),
        Driven::Applied(prepared, shown) => (prepared, Some(shown)),
    };
    let (_, change) = &prepared.plan;
    let mut report = PasswordResetReport {
        acting: Acting::of(&prepared.caller),
        status: PasswordResetStatus::Planned,
        user_name: request.user_name.clone(),
        user_arn: prepared.subject.clone(),
        password_file: args.password_file.as_ref().map(|p| p.display().to_string()),
        calls: prepared.changes.clone(),
    };
    let Some(shown) = shown else {
        report::show(&report, settings.output);
        return Ok(());
    };
    if let Some(password) = &shown.password {
        show_password(&request.user_name, password, "next sign-in");
        if settings.output == OutputFormat::Human && !settings.yes {
            super::clear_secrets_when_done(&mut prompter)?;
        }
    }
    if let Some(err) = shown.unconfirmed {
        let held = match &request.password_file {
            Some(file) => format!("in {}", file.display()),
            None => "shown above".to_string(),
        };
        return Err(Error::ChangeUnconfirmed {
            change: change.to_string(),
            cause: err.to_string(),
            kept: format!(
                "the new password, {held}: try it at sign-in; if AWS did not take it, the old password still works, and reset-password {} gives another",
                request.user_name
            ),
        });
    }
    report.status = match change {
        PasswordChange::Update { .. } => PasswordResetStatus::Reset,
        PasswordChange::Create { .. } => PasswordResetStatus::Created,
    };
    report::show(&report, settings.output);
    Ok(())
}
