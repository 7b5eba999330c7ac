//! `move`: a job change. The person (given, or asked for on a terminal) and the new template
//! (given, or chosen from the list), the plan, the question, then the change, undone on failure.

use crate::aws::IamAccount;
use crate::cli::MoveArgs;
use crate::clock::{SystemClock, rfc3339};
use crate::error::Error;
use crate::iam::job_change::{MoveRequest, MoveUser};
use crate::names;
use crate::names::validate_identity_user_name;
use crate::operation::{Driven, Prepared};
use crate::outcome::MoveStatus;
use crate::report::job_change::MoveReport;
use crate::report::{self, Acting};
use crate::settings::Settings;
use crate::sso::job_change::{MovePerson, SsoMoveRequest};
use crate::sso::operations::Patience;
use crate::terminal::helpdesk;
use crate::terminal::interrupt::Interrupts;
use crate::terminal::prompt::{Dialogue, Prompter};
use std::sync::Arc;

pub(super) async fn job_change(
    args: MoveArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    helpdesk::require(
        settings.terminal.interactive,
        &["move"],
        &[
            ("<USERNAME>", args.username.is_some()),
            ("--template <NAME>", args.template.is_some()),
        ],
    )?;
    if let Some(name) = &args.username {
        if args.sso {
            validate_identity_user_name(name)?;
        } else {
            names::validate_user_name(name)?;
        }
    }
    for account in &args.accounts {
        names::validate_account_id(account)?;
    }
    let templates = &settings.templates;
    if let Some(name) = &args.template {
        templates.get(name)?;
    }
    let sdk_config = settings.sdk_config().await?;
    let iam = settings.iam(&sdk_config);
    let mut prompter = Dialogue::new(settings.terminal.look);
    let sso = Arc::new(settings.sso(&sdk_config));
    let user_name = match (args.username.clone(), args.sso) {
        (Some(name), _) => name,
        (None, true) => {
            helpdesk::ask_sso_person(
                sso.as_ref(),
                args.instance_arn.as_deref(),
                &mut prompter,
                "move",
            )
            .await?
        }
        (None, false) => helpdesk::ask_iam_user(&iam, &mut prompter, "move").await?,
    };
    let template = match &args.template {
        Some(name) => name.clone(),
        None => helpdesk::choose_template(templates, &mut prompter)?
            .name
            .clone(),
    };
    if args.sso {
        let request = SsoMoveRequest::new(
            user_name,
            &template,
            templates,
            &settings.config,
            args.accounts.clone(),
            args.instance_arn.clone(),
        )?;
        let caller = iam.get_caller_identity().await.map_err(Error::from_aws)?;
        crate::iam::shared::refuse_missing_aws_managed_in(&iam, &request.templates(), &caller)
            .await?;
        let mut operation = MovePerson {
            api: sso,
            request: &request,
            caller: &caller,
            clock: &SystemClock,
            patience: Patience::default(),
        };
        let driven = super::drive_command(&mut operation, settings, interrupts, |prepared| {
            ask(prepared, settings, &mut prompter)
        })
        .await?;
        let (prepared, status, changes) = moved(driven, |moved| {
            let denied = moved.sessions_cut.iter().map(|(set, at)| {
                format!(
                    "sso:PutInlinePolicyToPermissionSet {} ({}): the person's sessions issued until {} denied, then sso:ProvisionPermissionSet",
                    set.name,
                    set.arn,
                    rfc3339(*at)
                )
            });
            let removed = moved.removed.iter().map(|a| {
                format!(
                    "sso:DeleteAccountAssignment {} in account {}",
                    a.permission_set_arn, a.account
                )
            });
            let granted = moved.granted.iter().map(|a| {
                format!(
                    "sso:CreateAccountAssignment {} in account {}",
                    a.permission_set_arn, a.account
                )
            });
            denied.chain(removed).chain(granted).collect()
        });
        let (plan, _) = &prepared.plan;
        let report = MoveReport {
            acting: Acting::of(&caller),
            status,
            user_name: request.user_name.clone(),
            user: prepared.subject.clone(),
            from: (!plan.from.is_empty()).then(|| plan.from.join(", ")),
            to: request.template.name.clone(),
            changes,
        };
        report::show(&report, settings.output);
        return Ok(());
    }
    let request = MoveRequest::new(user_name, &template, templates)?;
    let mut operation = MoveUser {
        api: &iam,
        request: &request,
        templates,
    };
    let driven = super::drive_command(&mut operation, settings, interrupts, |prepared| {
        ask(prepared, settings, &mut prompter)
    })
    .await?;
    let (prepared, status, changes) = moved(driven, |made| made);
    let (_, plan) = &prepared.plan;
    let report = MoveReport {
        acting: Acting::of(&prepared.caller),
        status,
        user_name: request.user_name.clone(),
        user: prepared.subject.clone(),
        from: plan.from.clone(),
        to: plan.to.clone(),
        changes,
    };
    report::show(&report, settings.output);
    Ok(())
}

/// A move's plan, then its question on a terminal (not with `-y`): yes or no.
fn ask<P>(
    prepared: &Prepared<P>,
    settings: &Settings,
    prompter: &mut impl Prompter,
) -> Result<bool, Error> {
    let action = format!("move {}", prepared.subject);
    super::ask_yes_no(prepared, action, settings, prompter)
}

/// How a driven move ended, for its report: the status and the changes (planned, or made as
/// `made` says).
fn moved<P, D>(
    driven: Driven<P, D>,
    made: impl FnOnce(D) -> Vec<String>,
) -> (Prepared<P>, MoveStatus, Vec<String>) {
    match driven {
        Driven::Planned(prepared) => {
            let changes = prepared.changes.clone();
            (prepared, MoveStatus::Planned, changes)
        }
        Driven::AlreadyDone(prepared) => (prepared, MoveStatus::AlreadyDone, Vec::new()),
        Driven::Applied(prepared, done) => (prepared, MoveStatus::Moved, made(done)),
    }
}
