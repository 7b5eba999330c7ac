//! One row of a run: what every row shares (ensured once before the rows), and each row kind
//! driven through its command's operation, undo included, to its line in the report.

use crate::aws::{Iam, PasswordRules, Sso, SsoInstance};
use crate::batch::check::{Checked, Checking, Row, RowAction};
use crate::batch::report::RowReport;
use crate::batch::run::RunOptions;
use crate::clock::{Clock, SystemClock};
use crate::config::SsoAccess;
use crate::error::{Error, InputError};
use crate::iam::apply::{self as onboard};
use crate::iam::enrol::{AfterWrongCodes, CodeInput, CodeSource};
use crate::iam::job_change;
use crate::iam::job_change::MoveRequest;
use crate::iam::offboard::{self, OffboardMode, OffboardRequest};
use crate::iam::onboard::{Onboard, PasswordDelivery, ReadOnce};
use crate::iam::request::NewUserRequest;
use crate::iam::shared::{self, SharedState};
use crate::iam::user_tag::{SetUserTag, UserTagRequest};
use crate::operation::{self, Driven, Operation, drive};
use crate::outcome::RowStatus;
use crate::protect::Guard;
use crate::secret::Secret;
use crate::sso::assign;
use crate::sso::end_date::{SetSsoEndDate, SsoEndDateRequest};
use crate::sso::groups::{TemplateGroup, ensure_group};
use crate::sso::job_change::{self as sso_job_change, SsoMoveRequest};
use crate::sso::offboard::{self as sso_offboard, SsoOffboardRequest};
use crate::sso::permission_set::PermissionSetOutcome;
use crate::sso::request::AssignRequest;
use crate::template::{Template, TemplateSet};
use crate::totp::CodeRejection;
use futures_util::future::try_join_all;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The code source of batch rows: MFA is deferred, so no code is ever asked for.
struct NoCodes;

impl CodeSource for NoCodes {
    fn show(&mut self, _otpauth_uri: &Secret) -> Result<(), String> {
        Err("batch rows enrol no MFA device".to_string())
    }

    async fn next_pair(&mut self) -> CodeInput {
        CodeInput::NoMore
    }

    fn rejected(&mut self, _why: &CodeRejection, _tries_left: u32) {}

    async fn after_wrong_codes(&mut self) -> AfterWrongCodes {
        AfterWrongCodes::Undo
    }
}

/// What every row shares, ensured once before the rows.
pub(super) struct Prepared {
    /// The templates, for move rows' old groups.
    templates: TemplateSet,
    /// The caller, and who no row may change.
    guard: Guard,
    password_rules: PasswordRules,
    /// Template name → the state of its policies and group for onboard rows.
    shared: BTreeMap<String, SharedState>,
    sso: Option<PreparedSso>,
    /// Discovery calls that failed earlier in the run, skipped for later offboard rows.
    gaps: offboard::KnownGaps,
}

impl Prepared {
    /// What ensuring the permission sets warned of, for the summary.
    pub(super) fn warnings(&self) -> std::collections::BTreeSet<String> {
        self.sso
            .iter()
            .flat_map(|prepared| prepared.sets.iter())
            .flat_map(|(_, outcome)| outcome.warnings.iter().cloned())
            .collect()
    }
}

/// Identity Center's shared part, ensured once for assign rows: the instance, each template's
/// permission set, and in group mode each template's group with its assignments.
struct PreparedSso {
    instance: SsoInstance,
    sets: Vec<(String, PermissionSetOutcome)>,
    groups: Vec<TemplateGroup>,
}

pub(super) async fn prepare<I: Iam, S: Sso + Send + 'static>(
    iam: &I,
    sso: &Arc<S>,
    checked: &Checked,
    checking: &Checking<'_>,
    options: &RunOptions,
) -> Result<Prepared, Error> {
    let caller = options.caller.clone();
    let password_rules = if checked.makes_passwords {
        iam.get_account_password_policy()
            .await
            .map_err(Error::from_aws)?
            .unwrap_or_default()
    } else {
        PasswordRules::default()
    };
    let templates_of = |names: &BTreeSet<String>| -> Result<Vec<&Template>, InputError> {
        names
            .iter()
            .map(|name| checking.templates.get(name))
            .collect()
    };
    let onboarded = templates_of(&checked.onboard_templates)?;
    let mut given_in_sso = templates_of(&checked.assign_templates)?;
    given_in_sso.extend(templates_of(&checked.move_sso_templates)?);
    // Every template is read and planned before anything is ensured: one that AWS would
    // refuse stops the run with nothing changed.
    let (found, ()) = tokio::try_join!(
        async {
            try_join_all(
                onboarded
                    .iter()
                    .map(|template| shared::observe_shared(iam, template)),
            )
            .await
            .map_err(Error::from_aws)
        },
        shared::refuse_missing_aws_managed_in(iam, &given_in_sso, &caller),
    )?;
    let mut planned = Vec::new();
    for (template, found) in onboarded.into_iter().zip(found) {
        let steps = shared::plan_shared(template, &found, &caller)?;
        planned.push((template, found, steps));
    }
    let mut shared = BTreeMap::new();
    for (template, found, steps) in planned {
        let state = if options.dry_run {
            found
        } else {
            for step in steps {
                tracing::info!(%step, "ensuring");
                onboard::apply_shared(iam, &step)
                    .await
                    .map_err(Error::from_aws)?;
            }
            SharedState::ensured(template, &caller)
        };
        shared.insert(template.name.clone(), state);
    }
    let sso = if checked.assign_templates.is_empty() || options.dry_run {
        None
    } else {
        let instance = crate::sso::instance::choose_instance(sso.as_ref(), None).await?;
        let mut sets = Vec::new();
        let mut groups = Vec::new();
        for name in &checked.assign_templates {
            let template = checking.templates.get(name)?;
            let design = crate::sso::permission_set::design_permission_set(template)?;
            let outcome = crate::sso::permission_set::ensure_permission_set(
                sso.as_ref(),
                &instance,
                &design,
                &SystemClock,
                options.patience,
            )
            .await?;
            if let Some(accounts) = checked.group_accounts.get(name) {
                let accounts: Vec<String> = accounts.iter().cloned().collect();
                groups.push(
                    ensure_group(
                        sso.clone(),
                        &instance,
                        template,
                        &outcome.arn,
                        &accounts,
                        options.patience,
                    )
                    .await?,
                );
            }
            sets.push((name.clone(), outcome));
        }
        Some(PreparedSso {
            instance,
            sets,
            groups,
        })
    };
    Ok(Prepared {
        templates: checking.templates.clone(),
        guard: checking.protected.clone().guard(caller),
        password_rules,
        shared,
        sso,
        gaps: offboard::KnownGaps::default(),
    })
}

/// Runs one row; never fails as a whole: a failure is the row's status.
pub(super) async fn run_row<I: Iam + Send + 'static, S: Sso + Send + 'static>(
    iam: Arc<I>,
    sso: Arc<S>,
    row: &Row,
    prepared: &Prepared,
    options: &RunOptions,
    cancelled: tokio::sync::watch::Receiver<bool>,
) -> Finished {
    let interrupted = || {
        let mut cancelled = cancelled.clone();
        async move {
            let _ = cancelled.wait_for(|stop| *stop).await;
        }
    };
    let mut ended = run_action(
        iam.clone(),
        sso.clone(),
        row,
        prepared,
        options,
        interrupted(),
    )
    .await;
    if let (Ok(report), Some(then)) = (&mut ended, &row.then) {
        let follow = Row {
            line: row.line,
            sheet: row.sheet.clone(),
            action: (**then).clone(),
            ignored: Vec::new(),
            planned: row.planned,
            then: None,
        };
        match run_action(iam, sso, &follow, prepared, options, interrupted()).await {
            Ok(done) => report.details.extend(done.details),
            Err(err) => {
                ended = Err(Error::UndoIncomplete {
                    cause: err.to_string(),
                    leftovers: vec![format!(
                        "{} is {}, but {} was not made: run it again",
                        row.user_name(),
                        report.status,
                        follow.action_name()
                    )],
                });
            }
        }
    }
    match ended {
        Ok(report) => Finished {
            report,
            undo_incomplete: false,
            written: None,
        },
        Err(err) => Finished {
            undo_incomplete: err.exit_code() == crate::error::exit::UNDO_INCOMPLETE,
            report: RowReport::new(row, RowStatus::Failed, String::new(), err.to_string()),
            written: None,
        },
    }
}

/// The row's action through its operation.
async fn run_action<I: Iam + Send + 'static, S: Sso + Send + 'static>(
    iam: Arc<I>,
    sso: Arc<S>,
    row: &Row,
    prepared: &Prepared,
    options: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<RowReport, Error> {
    match &row.action {
        RowAction::Onboard(request) => {
            onboard_row(iam.as_ref(), row, request, prepared, options, interrupted).await
        }
        RowAction::Offboard(request) => offboard_row(iam, row, request, prepared, options).await,
        RowAction::Assign(request) => {
            assign_row(sso, row, request, prepared, options, interrupted).await
        }
        RowAction::OffboardSso(request) => {
            offboard_sso_row(sso, row, request, prepared, options).await
        }
        RowAction::Move(request) => {
            move_row(iam.as_ref(), row, request, prepared, options, interrupted).await
        }
        RowAction::SetTag(request) => {
            tag_row(iam.as_ref(), row, request, prepared, options, interrupted).await
        }
        RowAction::MoveSso(request) => {
            move_sso_row(sso, row, request, prepared, options, interrupted).await
        }
        RowAction::SetSsoEndDate(request) => {
            sso_end_date_row(sso.as_ref(), row, request, prepared, options, interrupted).await
        }
    }
}

/// An onboard row: the person's part of `new-user`, the template's shared part done once.
async fn onboard_row(
    iam: &impl Iam,
    row: &Row,
    request: &NewUserRequest,
    prepared: &Prepared,
    options: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<RowReport, Error> {
    let mut operation = Onboard {
        api: iam,
        request,
        read_once: Some(ReadOnce {
            caller: prepared.guard.caller().clone(),
            shared: prepared.shared[&request.template.name].clone(),
            password_rules: prepared.password_rules.clone(),
        }),
        delivery: PasswordDelivery::Report,
        codes: NoCodes,
        clock: &SystemClock,
    };
    let driven = drive_row(&mut operation, prepared, options, interrupted).await?;
    Ok(row_report(row, driven, |(observed, _), onboarded| {
        let status = if row.planned {
            RowStatus::Joined
        } else if observed.user.is_some() {
            RowStatus::Converged
        } else {
            RowStatus::Created
        };
        let works_in = request
            .template
            .role_name()
            .map(|name| {
                format!(
                    "works in role {} (assumed with MFA, as {})",
                    crate::iam::role::role_arn(&observed.caller, &name),
                    request.user_name
                )
            })
            .unwrap_or_default();
        (status, works_in, onboarded.password_to_show)
    }))
}

/// An offboard row: everything attached removed, the user last.
async fn offboard_row<I: Iam + Send + 'static>(
    iam: Arc<I>,
    row: &Row,
    request: &OffboardRequest,
    prepared: &Prepared,
    options: &RunOptions,
) -> Result<RowReport, Error> {
    let mut operation = offboard::OffboardUser {
        api: iam,
        request,
        gaps: Some(&prepared.gaps),
        now: crate::clock::rfc3339(SystemClock.unix_now()),
    };
    let driven = drive_row(&mut operation, prepared, options, std::future::pending()).await?;
    Ok(match driven {
        Driven::Planned(operation::Prepared { plan: None, .. })
        | Driven::AlreadyDone(operation::Prepared { plan: None, .. }) => RowReport::new(
            row,
            RowStatus::AlreadyDone,
            String::new(),
            "no such user".to_string(),
        ),
        driven => row_report(row, driven, |found, _| {
            let warnings = found.as_ref().map(|f| f.plan.warnings.join("; "));
            let status = match request.mode {
                OffboardMode::Delete => RowStatus::Offboarded,
                OffboardMode::DisableOnly => RowStatus::Disabled,
            };
            (status, warnings.unwrap_or_default(), None)
        }),
    })
}

/// One of the tool's tags on a person: a sync's end date, a review's day.
async fn tag_row(
    iam: &impl Iam,
    row: &Row,
    request: &UserTagRequest,
    prepared: &Prepared,
    options: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<RowReport, Error> {
    let mut operation = SetUserTag { api: iam, request };
    let driven = drive_row(&mut operation, prepared, options, interrupted).await?;
    Ok(row_report(row, driven, |_, ()| {
        let value = request.value.as_deref().unwrap_or("none");
        (
            RowStatus::Updated,
            format!("{} {value}", request.what()),
            None,
        )
    }))
}

/// A sync's end-date change of an Identity Center person: their end-date group.
async fn sso_end_date_row(
    sso: &impl Sso,
    row: &Row,
    request: &SsoEndDateRequest,
    prepared: &Prepared,
    options: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<RowReport, Error> {
    let mut operation = SetSsoEndDate {
        api: sso,
        request,
        caller: prepared.guard.caller(),
    };
    let driven = drive_row(&mut operation, prepared, options, interrupted).await?;
    Ok(row_report(row, driven, |_, ()| {
        let until = request.until.as_deref().unwrap_or("none");
        (RowStatus::Updated, format!("end date {until}"), None)
    }))
}

/// A sync's job change of an Identity Center person: `move --sso`.
async fn move_sso_row<S: Sso + Send + 'static>(
    sso: Arc<S>,
    row: &Row,
    request: &SsoMoveRequest,
    prepared: &Prepared,
    options: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<RowReport, Error> {
    let mut operation = sso_job_change::MovePerson {
        api: sso,
        request,
        caller: prepared.guard.caller(),
        clock: &SystemClock,
        patience: options.patience,
    };
    let driven = drive_row(&mut operation, prepared, options, interrupted).await?;
    Ok(row_report(row, driven, |(plan, _), _| {
        (
            RowStatus::Moved,
            format!("from {} to {}", plan.from.join("+"), request.template.name),
            None,
        )
    }))
}

/// A move row: `move`, the old group left before the new one is joined.
async fn move_row(
    iam: &impl Iam,
    row: &Row,
    request: &MoveRequest,
    prepared: &Prepared,
    options: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<RowReport, Error> {
    let mut operation = job_change::MoveUser {
        api: iam,
        request,
        templates: &prepared.templates,
    };
    let driven = drive_row(&mut operation, prepared, options, interrupted).await?;
    Ok(row_report(row, driven, |(_, plan), _| {
        (
            RowStatus::Moved,
            format!(
                "from {} to {}",
                plan.from.as_deref().unwrap_or("no template"),
                plan.to
            ),
            None,
        )
    }))
}

/// A row through the one flow: the file's question was asked once for every row, so a row
/// asks none.
async fn drive_row<O: Operation>(
    operation: &mut O,
    prepared: &Prepared,
    options: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<Driven<O::Plan, O::Done>, Error> {
    drive(
        operation,
        prepared.guard.protected(),
        options.dry_run,
        |_| Ok(true),
        interrupted,
    )
    .await
}

/// A row's line for a driven operation: a dry run's changes, already done, or what `applied`
/// says of the plan and its outcome (the status, the detail, a password to deliver).
fn row_report<P, D>(
    row: &Row,
    driven: Driven<P, D>,
    applied: impl FnOnce(&P, D) -> (RowStatus, String, Option<Secret>),
) -> RowReport {
    match driven {
        Driven::Planned(prepared) => RowReport::planned(row, prepared.subject, prepared.changes),
        Driven::AlreadyDone(prepared) => {
            RowReport::new(row, RowStatus::AlreadyDone, prepared.subject, String::new())
        }
        Driven::Applied(prepared, done) => {
            let (status, detail, password) = applied(&prepared.plan, done);
            let mut report = RowReport::new(row, status, prepared.subject, detail);
            report.password = password;
            report
        }
    }
}

/// In group mode, the prepared groups of the request's templates; none in user mode.
fn groups_of(request: &AssignRequest, groups: &[TemplateGroup]) -> Vec<TemplateGroup> {
    if request.access != SsoAccess::Groups {
        return Vec::new();
    }
    groups
        .iter()
        .filter(|g| request.templates().iter().any(|t| t.name == g.template))
        .cloned()
        .collect()
}

/// An offboard-sso row: `offboard --sso`, the person's sessions denied first.
async fn offboard_sso_row<S: Sso + Send + 'static>(
    sso: Arc<S>,
    row: &Row,
    request: &SsoOffboardRequest,
    prepared: &Prepared,
    options: &RunOptions,
) -> Result<RowReport, Error> {
    let mut operation = sso_offboard::OffboardPerson {
        api: sso,
        request,
        caller: prepared.guard.caller(),
        clock: &SystemClock,
        patience: options.patience,
    };
    let driven = drive_row(&mut operation, prepared, options, std::future::pending()).await?;
    Ok(match driven {
        Driven::Planned(operation::Prepared {
            plan: Some(plan), ..
        }) => {
            let mut calls = plan.removals();
            calls.extend(plan.left_open());
            RowReport::planned(row, plan.user_id, calls)
        }
        Driven::Planned(_) | Driven::AlreadyDone(_) => RowReport::new(
            row,
            RowStatus::AlreadyDone,
            String::new(),
            "not in the identity store".to_string(),
        ),
        Driven::Applied(prepared, _) => {
            let notes = prepared.plan.map(|plan| plan.left_open().join("; "));
            RowReport::new(
                row,
                if request.keep_identity && row.planned {
                    RowStatus::Disabled
                } else {
                    RowStatus::Offboarded
                },
                prepared.subject,
                notes.unwrap_or_default(),
            )
        }
    })
}

/// An assign row: the person's part of `assign`, the permission sets ensured once.
async fn assign_row<S: Sso + Send + 'static>(
    sso: Arc<S>,
    row: &Row,
    request: &AssignRequest,
    prepared: &Prepared,
    options: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<RowReport, Error> {
    // The shared resources are ensured before the rows of a real run; a dry run ensures none
    // and applies nothing, so it has no shared part to give.
    let giving = match &prepared.sso {
        Some(PreparedSso {
            instance,
            sets,
            groups,
        }) => assign::Giving::PersonOnly {
            instance,
            shared: assign::SharedAccess {
                permission_sets: sets
                    .iter()
                    .filter(|(name, _)| request.templates().iter().any(|t| t.name == *name))
                    .cloned()
                    .collect(),
                groups: groups_of(request, groups),
            },
        },
        None => assign::Giving::Whole {
            clock: &SystemClock,
        },
    };
    let mut operation = assign::AssignPerson {
        api: sso,
        request,
        caller: prepared.guard.caller(),
        notes: Vec::new(),
        preview: options.dry_run,
        giving,
        patience: options.patience,
    };
    let assigned = match drive_row(&mut operation, prepared, options, interrupted).await? {
        Driven::Applied(_, assigned) => assigned,
        Driven::Planned(planned) | Driven::AlreadyDone(planned) => {
            return Ok(RowReport::new(
                row,
                RowStatus::Planned,
                String::new(),
                planned.changes.join("; "),
            ));
        }
    };
    let new = assigned.user_created
        || assigned
            .accounts
            .iter()
            .any(|(_, _, o)| *o == crate::sso::assignments::AccountOutcome::Created);
    let status = if new && row.planned {
        RowStatus::Joined
    } else if new {
        RowStatus::Assigned
    } else {
        RowStatus::AlreadyDone
    };
    let warnings: Vec<String> = assigned
        .permission_sets
        .iter()
        .flat_map(|(_, outcome)| outcome.warnings.iter().cloned())
        .collect();
    Ok(RowReport::new(
        row,
        status,
        assigned.user_id,
        warnings.join("; "),
    ))
}

/// A row's end, on its way to the report.
pub(super) struct Finished {
    pub(super) report: RowReport,
    pub(super) undo_incomplete: bool,
    /// Told once the report line is written: a password in it has then been delivered.
    pub(super) written: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Finished {
    pub(super) fn skipped(row: &Row) -> Self {
        Finished {
            report: RowReport::new(row, RowStatus::Skipped, String::new(), String::new()),
            undo_incomplete: false,
            written: None,
        }
    }
}
