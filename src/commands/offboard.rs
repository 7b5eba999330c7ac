//! `offboard`: an IAM user (or with `--disable-only`, only their access), or with `--sso` an
//! Identity Center person.

use super::confirm_typed;
use crate::aws::{Iam, IamAccount};
use crate::cli::OffboardArgs;
use crate::clock::{Clock, SystemClock, rfc3339};
use crate::error::{Error, InputError};
use crate::iam::offboard::{self, OffboardMode, OffboardRequest};
use crate::operation::{Driven, Prepared};
use crate::report::offboard::{AccessCut, OffboardReport};
use crate::report::{self, Acting};
use crate::settings::Settings;
use crate::sso::offboard::{self as sso_offboard, SsoOffboardPlan, SsoOffboardRequest};
use crate::sso::operations::Patience;
use crate::terminal::helpdesk;
use crate::terminal::interrupt::Interrupts;
use crate::terminal::prompt::{Dialogue, Prompter};
use std::sync::Arc;

pub(super) async fn offboard(
    args: OffboardArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    helpdesk::require(
        settings.terminal.interactive,
        &["offboard"],
        &[("<USERNAME>", args.username.is_some())],
    )?;
    if args.sso {
        if args.reason.is_some() {
            return Err(InputError::new(
                "--reason",
                "is kept in a tag only with --disable-only, which keeps an IAM user; offboard --sso keeps no tags",
            )
            .into());
        }
        offboard_sso(args, settings, interrupts).await
    } else if args.across.accounts.is_some() {
        super::offboard_across::offboard_across(args, settings, interrupts).await
    } else {
        offboard_user(args, settings, interrupts).await
    }
}

async fn offboard_user(
    args: OffboardArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let mode = OffboardMode::asked(args.disable_only);
    let request_for = |name: String| OffboardRequest::new(name, mode, args.reason.clone());
    let given = args.username.clone().map(request_for).transpose()?;
    let mut prompter = Dialogue::new(settings.terminal.look);
    let api = Arc::new(settings.iam_api().await?);
    let request = match given {
        Some(request) => request,
        None => {
            request_for(helpdesk::ask_iam_user(api.as_ref(), &mut prompter, "offboard").await?)?
        }
    };
    let mut operation = offboard::OffboardUser {
        api: api.clone(),
        request: &request,
        gaps: None,
        now: rfc3339(SystemClock.unix_now()),
    };
    let driven = super::drive_command(&mut operation, settings, interrupts, |prepared| {
        ask(prepared, settings, &mut prompter)
    })
    .await?;
    let reason = request.reason.as_deref();
    let report = match driven {
        Driven::Planned(Prepared {
            caller,
            plan: Some(found),
            ..
        }) => OffboardReport::planned(&Acting::of(&caller), &found.plan, reason),
        Driven::Planned(prepared) | Driven::AlreadyDone(prepared) => {
            suggest_names(api.as_ref(), &request.user_name, settings, &mut prompter).await;
            OffboardReport::not_found(&Acting::of(&prepared.caller), &request.user_name)
        }
        Driven::Applied(prepared, done) => {
            let found = prepared.plan.expect("an offboarding that ran had a plan");
            let denied_by = if done.removed.denied_by_managed_policy {
                "AWSDenyAll (attached: the user's inline policies were full)"
            } else {
                offboard::DENY_ALL_POLICY
            };
            let acting = Acting::of(&prepared.caller);
            let cut = AccessCut::of_iam_user(done.cut_at, denied_by, &done.removed.roles_cut);
            let mut report = OffboardReport::done(&acting, &found.plan, mode, reason, done.removed);
            report.access_cut = Some(cut);
            report
        }
    };
    report::show(&report, settings.output);
    Ok(())
}

/// On a terminal, the names nearest to one that does not exist.
async fn suggest_names(
    api: &impl Iam,
    user_name: &str,
    settings: &Settings,
    prompter: &mut impl Prompter,
) {
    if settings.terminal.interactive
        && let Ok(users) = api.list_users().await
    {
        let near = helpdesk::closest(user_name, &users);
        if !near.is_empty() {
            prompter.tell(&format!(
                "no user {user_name}; did you mean {}?",
                near.join(", ")
            ));
        }
    }
}

/// Offboarding's plan, and its question on a terminal (not with `-y`): who the person is, the
/// plan, and their name typed.
fn ask(
    prepared: &Prepared<Option<offboard::FoundAndPlanned>>,
    settings: &Settings,
    prompter: &mut impl Prompter,
) -> Result<bool, Error> {
    match &prepared.plan {
        Some(found) => confirm_offboard(
            prompter,
            settings,
            &Acting::of(&prepared.caller),
            &found.inventory.user,
            &found.plan,
        ),
        None => Ok(true),
    }
}

async fn offboard_sso(
    args: OffboardArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let request_for = |user_name: String| {
        SsoOffboardRequest::new(
            user_name,
            args.instance_arn.clone(),
            args.keep_identity,
            args.revoke_unmanaged,
        )
    };
    let given = args.username.clone().map(request_for).transpose()?;
    let mut prompter = Dialogue::new(settings.terminal.look);
    let sdk_config = settings.sdk_config().await?;
    let api = Arc::new(settings.sso(&sdk_config));
    let request = match given {
        Some(request) => request,
        None => request_for(
            helpdesk::ask_sso_person(
                api.as_ref(),
                args.instance_arn.as_deref(),
                &mut prompter,
                "offboard",
            )
            .await?,
        )?,
    };
    let caller = settings
        .iam(&sdk_config)
        .get_caller_identity()
        .await
        .map_err(Error::from_aws)?;
    let mut operation = sso_offboard::OffboardPerson {
        api,
        request: &request,
        caller: &caller,
        clock: &SystemClock,
        patience: Patience::default(),
    };
    let acting = Acting::of(&caller);
    let driven = super::drive_command(&mut operation, settings, interrupts, |prepared| {
        ask_sso(prepared, &acting, settings, &mut prompter)
    })
    .await?;
    let (prepared, done) = match driven {
        Driven::Planned(prepared) | Driven::AlreadyDone(prepared) => (prepared, None),
        Driven::Applied(prepared, done) => (prepared, Some(done)),
    };
    let Some(plan) = prepared.plan else {
        report::show(
            &OffboardReport::not_found(&acting, &request.user_name),
            settings.output,
        );
        return Ok(());
    };
    let report = OffboardReport::sso(&acting, &plan, request.keep_identity, done);
    report::show(&report, settings.output);
    Ok(())
}

/// `offboard --sso`'s plan with the sets left open, and its question on a terminal (not with
/// `-y`): the name typed.
fn ask_sso(
    prepared: &Prepared<Option<SsoOffboardPlan>>,
    acting: &Acting,
    settings: &Settings,
    prompter: &mut impl Prompter,
) -> Result<bool, Error> {
    let Some(plan) = &prepared.plan else {
        return Ok(true);
    };
    let mut lines = plan.removals();
    lines.extend(
        plan.left_open()
            .into_iter()
            .map(|l| format!("warning: {l}")),
    );
    confirm_typed(prompter, settings, acting, &plan.user_name, &lines)
}

/// Shows who the person is and the plan, and asks for the user name, typed, before removing
/// anything.
fn confirm_offboard(
    prompter: &mut impl Prompter,
    settings: &Settings,
    acting: &Acting,
    user: &crate::aws::UserInfo,
    plan: &offboard::OffboardPlan,
) -> Result<bool, Error> {
    if super::proposal::shows(settings) {
        report::print_err(&format!("{}\n", who(user)));
    }
    let mut lines: Vec<String> = plan.removals().map(ToString::to_string).collect();
    lines.extend(plan.warnings.iter().map(|w| format!("warning: {w}")));
    confirm_typed(prompter, settings, acting, &plan.user_name, &lines)
}

/// Who the person is, so the helper can check it is the right one: name and email, template,
/// who created them when, and when they last signed in.
fn who(user: &crate::aws::UserInfo) -> String {
    use crate::tags::{CREATED_BY_TAG, DISPLAY_NAME_TAG, EMAIL_TAG, TEMPLATE_TAG};
    let tag = |key: &str| user.tag(key).unwrap_or("-");
    format!(
        "{} ({}): {} <{}>, template {}, created {} by {}, last console sign-in {}",
        user.name,
        user.arn,
        tag(DISPLAY_NAME_TAG),
        tag(EMAIL_TAG),
        tag(TEMPLATE_TAG),
        user.created.as_deref().unwrap_or("-"),
        tag(CREATED_BY_TAG),
        user.password_last_used.as_deref().unwrap_or("never"),
    )
}
