//! Each subcommand from raw arguments to printed result: validation at the edge (turning
//! `cli` values into requests), then the AWS work, then the report. One file a command; what
//! they share (the terminal, where AWS is, the typed confirmation) is here.

mod across;
mod assign;
mod audit;
mod batch;
mod install;
mod job_change;
mod new_user;
mod offboard;
mod offboard_across;
mod proposal;
mod reset_mfa;
mod reset_password;
mod review;
mod rightsize;
mod rotate_key;
mod rows;
mod show;
mod sync;
mod templates;

use crate::aws::config::AwsTarget;
use crate::cli::{Command, GlobalArgs, OutputFormat, TemplatesCommand};
use crate::error::{Error, InputError};
use crate::operation::{Driven, Operation, Prepared, drive};
use crate::report::{self, Acting};
use crate::settings::{Settings, Terminal};
use crate::terminal::helpdesk;
use crate::terminal::interrupt::Interrupts;
use crate::terminal::prompt::{Dialogue, Prompter};
use proposal::{Consent, Proposal};

/// Runs `command`; without one, opens the menu on a terminal, else it is a usage error.
pub(crate) async fn dispatch(
    command: Option<Command>,
    global: &GlobalArgs,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let terminal = Terminal::detect();
    let command = match command {
        Some(command) => command,
        None if terminal.interactive => match helpdesk::menu(&mut Dialogue::new(terminal.look))? {
            Some(command) => command,
            None => return Ok(()),
        },
        None => return Err(crate::cli::usage_error(&[], &["a command"])),
    };
    if global.output == OutputFormat::Csv
        && !matches!(command, Command::Audit(_) | Command::List(_))
    {
        return Err(InputError::new("--output", "csv is for audit and list").into());
    }
    if global.output != OutputFormat::Human
        && matches!(command, Command::Completions { .. } | Command::Man { .. })
    {
        return Err(InputError::new(
            "--output",
            "completions and man print a script or a manual page; --output does not apply",
        )
        .into());
    }
    let settings = match command {
        Command::Completions { shell } => return install::completions(shell),
        Command::Man { dir } => return install::man(dir.as_deref()),
        _ => Settings::from_globals(global, terminal)?,
    };
    let lints = matches!(
        &command,
        Command::Templates(args) if matches!(args.which, Some(TemplatesCommand::Lint { .. }))
    );
    if !settings.quiet && !lints {
        crate::settings::warn_of_lint_findings(&settings.templates);
    }
    let settings = &settings;
    match command {
        Command::NewUser(args) => new_user::new_user(args, settings, interrupts).await,
        Command::Assign(args) => assign::assign_person(args, settings, interrupts).await,
        Command::Batch(args) => batch::run_batch(args, settings, interrupts).await,
        Command::Sync(args) => sync::sync(args, settings, interrupts).await,
        Command::Apply(args) => sync::apply(args, settings, interrupts).await,
        Command::Expire(args) => sync::expire(args, settings, interrupts).await,
        Command::Offboard(args) => offboard::offboard(args, settings, interrupts).await,
        Command::Move(args) => job_change::job_change(args, settings, interrupts).await,
        Command::ResetMfa(args) => reset_mfa::reset_mfa(args, settings, interrupts).await,
        Command::ResetPassword(args) => {
            reset_password::reset_password(args, settings, interrupts).await
        }
        Command::RotateKey(args) => rotate_key::rotate_key(args, settings, interrupts).await,
        Command::Show(args) => show::show(args, settings).await,
        Command::List(args) => show::list(args, settings).await,
        Command::Audit(args) => audit::audit(args, settings).await,
        Command::Review(which) => review::review(which, settings, interrupts).await,
        Command::Templates(args) => {
            templates::templates(args.which.unwrap_or(TemplatesCommand::List), settings).await
        }
        Command::Completions { .. } | Command::Man { .. } => unreachable!("run above"),
    }
}

/// Every command that changes a person asks first: without a terminal to ask on, `--yes` must
/// say so up front, or nothing is done (a dry run changes nothing, so it needs no `--yes`).
fn confirmable(settings: &Settings) -> Result<(), InputError> {
    if settings.terminal.interactive || settings.yes || settings.dry_run {
        Ok(())
    } else {
        Err(InputError::new(
            "--yes",
            "this changes a person's access, and there is no terminal to confirm on: pass --yes (or --dry-run to see the plan)",
        ))
    }
}

/// Drives a command's change through the one flow (`operation::drive`): off a terminal only
/// with `--yes`, `--dry-run` and the protected set from the settings, `ask` for the person's
/// consent, and the signals handed to the change once it starts.
async fn drive_command<O: Operation>(
    operation: &mut O,
    settings: &Settings,
    interrupts: &Interrupts,
    ask: impl FnOnce(&Prepared<O::Plan>) -> Result<bool, Error>,
) -> Result<Driven<O::Plan, O::Done>, Error> {
    confirmable(settings)?;
    drive(
        operation,
        &settings.protected,
        settings.dry_run,
        ask,
        interrupts.during_changes(),
    )
    .await
}

/// A change's plan, then its question on a terminal (not with `-y`, never off one): yes or no.
fn ask_yes_no<P>(
    prepared: &Prepared<P>,
    action: String,
    settings: &Settings,
    prompter: &mut impl Prompter,
) -> Result<bool, Error> {
    Proposal {
        acting: &Acting::of(&prepared.caller),
        action,
        changes: prepared.changes.clone(),
    }
    .agreed(Consent::YesNo, settings, prompter)
}

/// Before a QR code is drawn for `user_name`'s device: it must fit the terminal.
fn qr_fits(account: &str, user_name: &str, settings: &Settings) -> Result<(), Error> {
    crate::terminal::code_input::check_qr_fits(
        &crate::iam::enrol::mfa_issuer(account),
        user_name,
        settings.terminal.look.unicode,
        crate::terminal::code_input::terminal_columns(),
    )?;
    Ok(())
}

/// Shows `lines` under the account and caller, and asks for `user_name`, typed (on a terminal,
/// without `-y`).
fn confirm_typed(
    prompter: &mut impl Prompter,
    settings: &Settings,
    acting: &Acting,
    user_name: &str,
    lines: &[String],
) -> Result<bool, Error> {
    Proposal {
        acting,
        action: format!("offboard {user_name}"),
        changes: lines.to_vec(),
    }
    .agreed(Consent::TypedName(user_name), settings, prompter)
}

/// Shows the one-time password once, on the terminal; whether it got there.
/// `when` the person must change it: "first sign-in", "next sign-in".
pub(super) fn show_password(user_name: &str, password: &crate::secret::Secret, when: &str) -> bool {
    show_secret_once(
        &format!(
            "One-time console password for {user_name} (shown once, not stored; it must be changed at {when}):"
        ),
        password,
    )
    .is_ok()
}

/// Shows a secret once, on the terminal (stderr): `heading`, then each line of the secret
/// indented, written piece by piece so that no copy of it is made.
fn show_secret_once(heading: &str, secret: &crate::secret::Secret) -> std::io::Result<()> {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    write!(stderr, "\n{heading}\n\n")?;
    for line in secret.expose().lines() {
        stderr.write_all(b"    ")?;
        stderr.write_all(line.as_bytes())?;
        stderr.write_all(b"\n")?;
    }
    stderr.write_all(b"\n")?;
    stderr.flush()
}

/// The configuration with its account sets resolved to account ids: sets that name an OU or a
/// tag are read from AWS Organizations (with a line each saying what they hold); plain ids need
/// no call.
async fn with_resolved_sets(
    config: crate::config::Config,
    target: &AwsTarget,
) -> Result<(crate::config::Config, Vec<String>), Error> {
    if !crate::account_sets::needs_organizations(&config) {
        return Ok((config, Vec::new()));
    }
    let sdk_config = crate::aws::config::load_config(target).await?;
    crate::account_sets::resolve(&crate::aws::sdk::SdkOrg::new(&sdk_config), &config).await
}

/// Once the helper says the person has what was shown (the one-time password, the QR code),
/// clears the screen and its scrollback so neither stays on it.
fn clear_secrets_when_done(prompter: &mut impl Prompter) -> Result<(), Error> {
    prompter.text(
        "Press Enter once they have them (the screen is then cleared)",
        true,
        &|_| Ok(()),
    )?;
    report::print_err("\x1b[2J\x1b[3J\x1b[H");
    Ok(())
}
