//! Running a checked batch file: the shared resources once, then the rows streamed from the
//! file, at most `concurrency` at once, each through the single command's flow with its undo.

use crate::aws::{CallerIdentity, Iam, PasswordRules, Sso, SsoInstance};
use crate::batch::check::{Checked, Checking, Row, RowAction, open, parse_row};
use crate::batch::report::{ReportSink, RowReport, Summary};
use crate::clock::{Clock, SystemClock};
use crate::config::SsoAccess;
use crate::error::Error;
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
use crate::sso::operations::Patience;
use crate::sso::permission_set::PermissionSetOutcome;
use crate::sso::request::AssignRequest;
use crate::template::TemplateSet;
use crate::totp::CodeRejection;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::rc::Rc;
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

/// How a batch runs.
#[derive(Debug, Clone)]
pub(crate) struct RunOptions {
    /// Who runs the batch (GetCallerIdentity, asked once before the plan was shown).
    pub(crate) caller: CallerIdentity,
    pub(crate) concurrency: NonZeroUsize,
    pub(crate) continue_on_error: bool,
    pub(crate) dry_run: bool,
    pub(crate) patience: Patience,
    /// A progress bar on a terminal (off with `-q`).
    pub(crate) progress_bar: bool,
    /// A line a row on stderr when it is not a terminal and the rows go to a report file.
    pub(crate) log_rows: bool,
    /// The progress bar may be drawn with Unicode blocks (else `#` and `-`).
    pub(crate) unicode: bool,
}

/// What every row shares, ensured once before the rows.
struct Prepared {
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

/// Identity Center's shared part, ensured once for assign rows: the instance, each template's
/// permission set, and in group mode each template's group with its assignments.
struct PreparedSso {
    instance: SsoInstance,
    sets: Vec<(String, PermissionSetOutcome)>,
    groups: Vec<TemplateGroup>,
}

async fn prepare<I: Iam, S: Sso + Send + 'static>(
    iam: &I,
    sso: &Arc<S>,
    checked: &Checked,
    checking: &Checking<'_>,
    settings: &RunOptions,
) -> Result<Prepared, Error> {
    let caller = settings.caller.clone();
    let password_rules = if checked.makes_passwords {
        iam.get_account_password_policy()
            .await
            .map_err(Error::from_aws)?
            .unwrap_or_default()
    } else {
        PasswordRules::default()
    };
    let mut shared = BTreeMap::new();
    for name in &checked.onboard_templates {
        let template = checking.templates.get(name)?;
        let found = shared::observe_shared(iam, template)
            .await
            .map_err(Error::from_aws)?;
        let steps = shared::plan_shared(template, &found, &caller)?;
        let state = if settings.dry_run {
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
        shared.insert(name.clone(), state);
    }
    let sso = if checked.assign_templates.is_empty() || settings.dry_run {
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
                settings.patience,
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
                        settings.patience,
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
async fn run_row<I: Iam + Send + 'static, S: Sso + Send + 'static>(
    iam: Arc<I>,
    sso: Arc<S>,
    row: &Row,
    prepared: &Prepared,
    settings: &RunOptions,
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
        settings,
        interrupted(),
    )
    .await;
    if let (Ok(report), Some(then)) = (&mut ended, &row.then) {
        let follow = Row {
            line: row.line,
            action: (**then).clone(),
            ignored: Vec::new(),
            planned: row.planned,
            then: None,
        };
        match run_action(iam, sso, &follow, prepared, settings, interrupted()).await {
            Ok(done) if !done.detail.is_empty() && !settings.dry_run => {
                report.detail = format!("{}; {}", report.detail, done.detail);
            }
            Ok(_) => {}
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
    settings: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<RowReport, Error> {
    match &row.action {
        RowAction::Onboard(request) => {
            onboard_row(iam.as_ref(), row, request, prepared, settings, interrupted).await
        }
        RowAction::Offboard(request) => offboard_row(iam, row, request, prepared, settings).await,
        RowAction::Assign(request) => {
            assign_row(sso, row, request, prepared, settings, interrupted).await
        }
        RowAction::OffboardSso(request) => {
            offboard_sso_row(sso, row, request, prepared, settings).await
        }
        RowAction::Move(request) => {
            move_row(iam.as_ref(), row, request, prepared, settings, interrupted).await
        }
        RowAction::SetTag(request) => {
            tag_row(iam.as_ref(), row, request, prepared, settings, interrupted).await
        }
        RowAction::MoveSso(request) => {
            move_sso_row(sso, row, request, prepared, settings, interrupted).await
        }
        RowAction::SetSsoEndDate(request) => {
            sso_end_date_row(sso.as_ref(), row, request, prepared, settings, interrupted).await
        }
    }
}

/// An onboard row: the person's part of `new-user`, the template's shared part done once.
async fn onboard_row(
    iam: &impl Iam,
    row: &Row,
    request: &NewUserRequest,
    prepared: &Prepared,
    settings: &RunOptions,
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
    let driven = drive_row(&mut operation, prepared, settings, interrupted).await?;
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
    settings: &RunOptions,
) -> Result<RowReport, Error> {
    let mut operation = offboard::OffboardUser {
        api: iam,
        request,
        gaps: Some(&prepared.gaps),
        now: crate::clock::rfc3339(SystemClock.unix_now()),
    };
    let driven = drive_row(&mut operation, prepared, settings, std::future::pending()).await?;
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
    settings: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<RowReport, Error> {
    let mut operation = SetUserTag { api: iam, request };
    let driven = drive_row(&mut operation, prepared, settings, interrupted).await?;
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
    settings: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<RowReport, Error> {
    let mut operation = SetSsoEndDate {
        api: sso,
        request,
        caller: prepared.guard.caller(),
    };
    let driven = drive_row(&mut operation, prepared, settings, interrupted).await?;
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
    settings: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<RowReport, Error> {
    let mut operation = sso_job_change::MovePerson {
        api: sso,
        request,
        caller: prepared.guard.caller(),
        clock: &SystemClock,
        patience: settings.patience,
    };
    let driven = drive_row(&mut operation, prepared, settings, interrupted).await?;
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
    settings: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<RowReport, Error> {
    let mut operation = job_change::MoveUser {
        api: iam,
        request,
        templates: &prepared.templates,
    };
    let driven = drive_row(&mut operation, prepared, settings, interrupted).await?;
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
    settings: &RunOptions,
    interrupted: impl Future<Output = ()>,
) -> Result<Driven<O::Plan, O::Done>, Error> {
    drive(
        operation,
        prepared.guard.protected(),
        settings.dry_run,
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
        Driven::Planned(prepared) => RowReport::new(
            row,
            RowStatus::Planned,
            prepared.subject,
            prepared.changes.join("; "),
        ),
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
    settings: &RunOptions,
) -> Result<RowReport, Error> {
    let mut operation = sso_offboard::OffboardPerson {
        api: sso,
        request,
        caller: prepared.guard.caller(),
        clock: &SystemClock,
        patience: settings.patience,
    };
    let driven = drive_row(&mut operation, prepared, settings, std::future::pending()).await?;
    Ok(match driven {
        Driven::Planned(operation::Prepared {
            plan: Some(plan), ..
        }) => {
            let mut calls = plan.removals();
            calls.extend(plan.left_open());
            RowReport::new(row, RowStatus::Planned, plan.user_id, calls.join("; "))
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
    settings: &RunOptions,
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
        preview: settings.dry_run,
        giving,
        patience: settings.patience,
    };
    let assigned = match drive_row(&mut operation, prepared, settings, interrupted).await? {
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
struct Finished {
    report: RowReport,
    undo_incomplete: bool,
    /// Told once the report line is written: a password in it has then been delivered.
    written: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Finished {
    fn skipped(row: &Row) -> Self {
        Finished {
            report: RowReport::new(row, RowStatus::Skipped, String::new(), String::new()),
            undo_incomplete: false,
            written: None,
        }
    }
}

/// Shows progress: a bar on a terminal, a line a row otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    log_rows: bool,
}

impl Progress {
    /// A bar when stderr is a terminal (not with `-q`).
    fn new(rows: u64, terminal: bool, settings: &RunOptions) -> Self {
        let bar = (terminal && settings.progress_bar).then(|| {
            let bar = indicatif::ProgressBar::new(rows);
            let style = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} rows  {msg}  {per_sec}  ETA {eta}",
            )
            .expect("a valid template");
            bar.set_style(if settings.unicode {
                style
            } else {
                style.progress_chars("#>-")
            });
            bar
        });
        Progress {
            bar,
            log_rows: settings.log_rows,
        }
    }

    fn row(&self, report: &RowReport, summary: &Summary) {
        match &self.bar {
            Some(bar) => {
                bar.set_message(format!("{} failed", summary.failed()));
                bar.inc(1);
            }
            None if self.log_rows => crate::report::print_err(&format!(
                "line {} {} {}: {}\n",
                report.line, report.action, report.username, report.status
            )),
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }

    /// Runs `write` with the bar taken off the screen, so a line written meanwhile leaves no
    /// stale copy of the bar behind.
    fn suspended<T>(&self, write: impl FnOnce() -> T) -> T {
        match &self.bar {
            Some(bar) => bar.suspend(write),
            None => write(),
        }
    }
}

/// Where the rows come from: read again from the checked file, streamed, or made by a plan
/// (`sync`, `expire`).
pub(crate) enum RowSource {
    File,
    Planned(Vec<Row>),
}

/// Runs checked rows from `source`: shared resources once, then the rows, at most
/// `concurrency` at once, each reported to `sink` as it ends. Without `continue_on_error`, no
/// new row starts after a failure (the rest are reported skipped). Setting `cancel` rolls back
/// the rows in flight.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run_rows<I: Iam + Send + 'static, S: Sso + Send + 'static>(
    iam: Arc<I>,
    sso: Arc<S>,
    checking: &Checking<'_>,
    checked: &Checked,
    source: RowSource,
    settings: RunOptions,
    mut sink: ReportSink,
    cancel: tokio::sync::watch::Receiver<bool>,
) -> Result<Summary, Error> {
    let prepared = Rc::new(prepare(iam.as_ref(), &sso, checked, checking, &settings).await?);
    let settings = Rc::new(settings);
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = Progress::new(checked.rows, terminal, &settings);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<(u64, Finished)>();
    let stop = Rc::new(Cell::new(false));
    let local = tokio::task::LocalSet::new();
    let summary = local
        .run_until(async {
            let rows: Box<dyn Iterator<Item = Result<Row, Error>>> = match source {
                RowSource::Planned(rows) => Box::new(rows.into_iter().map(Ok)),
                RowSource::File => {
                    let (reader, header) = open(&checked.path, checking.file)?;
                    Box::new(reader.into_records().map(move |record| {
                        let record = record.map_err(|err| Error::io("cannot read the file", err.into()))?;
                        Ok(parse_row(&record, &header, checking)?)
                    }))
                }
            };
            let permits = Arc::new(tokio::sync::Semaphore::new(settings.concurrency.get()));
            let mut summary = Summary::default();
            // Rows end in any order but are reported in the file's: a row's outcome waits here
            // until every row before it is reported. Each row keeps its permit until its line
            // is written, so at most `concurrency` rows are running or waiting.
            let mut waiting: BTreeMap<u64, Finished> = BTreeMap::new();
            let mut next_to_report = 0u64;
            let mut record_row = |seq: u64, finished: Finished, summary: &mut Summary| -> Result<(), Error> {
                waiting.insert(seq, finished);
                while let Some(Finished { report, undo_incomplete: incomplete, written }) =
                    waiting.remove(&next_to_report)
                {
                    next_to_report += 1;
                    *summary.by_status.entry(report.status).or_default() += 1;
                    summary.undo_incomplete |= incomplete;
                    if report.status == RowStatus::Failed && !settings.continue_on_error {
                        stop.set(true);
                    }
                    progress.row(&report, summary);
                    progress.suspended(|| sink.write(&report))?;
                    if let Some(written) = written {
                        let _ = written.send(());
                    }
                }
                Ok(())
            };
            for (seq, row) in (0u64..).zip(rows) {
                let row = row?;
                while let Ok((done_seq, done)) = done_rx.try_recv() {
                    record_row(done_seq, done, &mut summary)?;
                }
                if stop.get() || *cancel.borrow() {
                    record_row(seq, Finished::skipped(&row), &mut summary)?;
                    continue;
                }
                let permit = loop {
                    tokio::select! {
                        permit = permits.clone().acquire_owned() => break permit.expect("the semaphore stays open"),
                        Some((done_seq, done)) = done_rx.recv() => record_row(done_seq, done, &mut summary)?,
                    }
                };
                while let Ok((done_seq, done)) = done_rx.try_recv() {
                    record_row(done_seq, done, &mut summary)?;
                }
                if stop.get() {
                    record_row(seq, Finished::skipped(&row), &mut summary)?;
                    continue;
                }
                let (iam, sso, prepared, settings, cancel, done_tx) = (
                    iam.clone(),
                    sso.clone(),
                    prepared.clone(),
                    settings.clone(),
                    cancel.clone(),
                    done_tx.clone(),
                );
                tokio::task::spawn_local(async move {
                    let mut finished =
                        run_row(iam.clone(), sso, &row, &prepared, &settings, cancel).await;
                    let delivers = finished.report.password.is_some().then(|| finished.report.username.clone());
                    let (written, in_the_report) = tokio::sync::oneshot::channel();
                    finished.written = Some(written);
                    // The outcome goes out, and the permit is held until its line is written:
                    // the next row starts only after this one's failure can stop it, and the
                    // rows waiting for an earlier one stay within the concurrency.
                    let _ = done_tx.send((seq, finished));
                    let reported = in_the_report.await.is_ok();
                    if let Some(user) = delivers.filter(|_| reported)
                        && let Err(err) = onboard::record_password_delivered(iam.as_ref(), &user).await
                    {
                        tracing::warn!(%err, user, "could not record that the password was delivered; a re-run will make a new one");
                    }
                    drop(permit);
                });
            }
            drop(done_tx);
            while let Some((done_seq, done)) = done_rx.recv().await {
                record_row(done_seq, done, &mut summary)?;
            }
            summary.interrupted = *cancel.borrow();
            summary.warnings = prepared
                .sso
                .iter()
                .flat_map(|prepared| prepared.sets.iter().flat_map(|(_, outcome)| outcome.warnings.iter().cloned()))
                .collect();
            Ok::<Summary, Error>(summary)
        })
        .await?;
    progress.finish();
    Ok(summary)
}
