//! `rotate-key USER`: the user (given, or chosen on a terminal), the rotation's next step
//! planned, asked, made; a new key written to the key file or shown once on the terminal; the
//! report says what the next run will do.

use crate::cli::{OutputFormat, RotateKeyArgs};
use crate::clock::{SystemClock, rfc3339};
use crate::error::Error;
use crate::iam::key_rotation::{ROTATING_TAG, RotateKey, RotateKeyRequest, RotationStep, ShowKey};
use crate::operation::Driven;
use crate::outcome::KeyRotationStatus;
use crate::report::rotate_key::KeyRotationReport;
use crate::report::{self, Acting};
use crate::secret::Secret;
use crate::settings::Settings;
use crate::terminal::helpdesk;
use crate::terminal::interrupt::Interrupts;
use crate::terminal::prompt::Dialogue;

pub(super) async fn rotate_key(
    args: RotateKeyArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    helpdesk::require(
        settings.terminal.interactive,
        &["rotate-key"],
        &[("<USERNAME>", args.username.is_some())],
    )?;
    let request_for =
        |user_name: String| RotateKeyRequest::new(user_name, args.key_file.clone(), args.grace);
    let given = args.username.clone().map(request_for).transpose()?;
    let api = settings.iam_api().await?;
    let mut prompter = Dialogue::new(settings.terminal.look);
    let request = match given {
        Some(request) => request,
        None => request_for(
            helpdesk::ask_iam_user(&api, &mut prompter, "rotate the access key of").await?,
        )?,
    };
    let show_on_terminal = |section: &Secret| {
        super::show_secret_once(
            &format!(
                "New access key for {} (shown once, not stored; AWS cannot show its secret again), as a section of an AWS credentials file:",
                request.user_name
            ),
            section,
        )
    };
    let mut operation = RotateKey {
        api: &api,
        request: &request,
        clock: &SystemClock,
        terminal: settings
            .terminal
            .interactive
            .then_some(&show_on_terminal as ShowKey),
    };
    let driven = super::drive_command(&mut operation, settings, interrupts, |prepared| {
        let action = format!(
            "take the next step of rotating the access key of {}",
            prepared.subject
        );
        super::ask_yes_no(prepared, action, settings, &mut prompter)
    })
    .await?;
    let (prepared, made) = match driven {
        Driven::Planned(prepared) => (prepared, None),
        Driven::AlreadyDone(prepared) => (prepared, None),
        Driven::Applied(prepared, rotated) => (prepared, Some(rotated)),
    };
    let step = &prepared.plan.step;
    let new_key = made.and_then(|rotated| rotated.new_key);
    // A new key without a key file was shown on the terminal (or the run would have failed).
    let shown_on_terminal = new_key.is_some() && request.key_file.is_none();
    if shown_on_terminal && settings.output == OutputFormat::Human && !settings.yes {
        super::clear_secrets_when_done(&mut prompter)?;
    }
    let deleted_from = |old: &str, until: u64| {
        format!(
            "{old} is deleted by a run from {}; until then it can be made active again by hand if something still needs it",
            rfc3339(until)
        )
    };
    let (status, old, new, next) = match step {
        RotationStep::Create { old } => (
            KeyRotationStatus::Created,
            Some(old.clone()),
            new_key.as_ref().map(|(id, _)| id.clone()),
            format!(
                "switch what uses {old} to the new key; run rotate-key again: it deactivates {old} once the new key is used, or after {} hours",
                args.grace
            ),
        ),
        RotationStep::WaitForUse { new, until } => (
            KeyRotationStatus::Waiting,
            prepared.plan.user.tag(ROTATING_TAG).map(str::to_string),
            Some(new.clone()),
            format!(
                "the new key {new} has not been used; the old one is deactivated by a run once it is, or from {}",
                rfc3339(*until)
            ),
        ),
        RotationStep::WaitToDelete { old, until } => (
            KeyRotationStatus::Waiting,
            Some(old.clone()),
            None,
            deleted_from(old, *until),
        ),
        RotationStep::Deactivate { old, new, at, .. } => (
            KeyRotationStatus::Deactivated,
            Some(old.clone()),
            Some(new.clone()),
            deleted_from(old, at.saturating_add(request.grace_secs)),
        ),
        RotationStep::Delete { old } => (
            KeyRotationStatus::Deleted,
            Some(old.clone()),
            None,
            "nothing: the next rotate-key starts a new rotation".to_string(),
        ),
        RotationStep::Finish => (
            KeyRotationStatus::Deleted,
            None,
            None,
            "nothing: the next rotate-key starts a new rotation".to_string(),
        ),
    };
    let (status, next) = match settings.dry_run {
        true => (KeyRotationStatus::Planned, None),
        false => (status, Some(next)),
    };
    let report = KeyRotationReport {
        acting: Acting::of(&prepared.caller),
        status,
        user_name: request.user_name.clone(),
        user_arn: prepared.subject.clone(),
        old_key_id: old,
        new_key_id: new,
        key_file: args
            .key_file
            .filter(|_| new_key.is_some())
            .map(|path| path.display().to_string()),
        next,
        secret_access_key: new_key
            .filter(|_| args.show_secret)
            .map(|(_, secret)| secret),
        calls: prepared.changes.clone(),
    };
    report::show(&report, settings.output);
    Ok(())
}
