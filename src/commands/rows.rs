//! Running many changes as rows, for `batch` (rows of a file) and `sync`, `apply`, `expire` and
//! `review apply` (rows of a plan): the report's checks, its sink (a new file, or standard
//! output), the run options, and the signals, which roll back the rows in flight and start no
//! more.

use crate::aws::CallerIdentity;
use crate::aws::sdk::{SdkIam, SdkSso};
use crate::aws::settling::Settling;
use crate::batch;
use crate::batch::check::{Checked, Checking, Row};
use crate::batch::report::{ReportSink, RowReport, Summary};
use crate::batch::run::{RowSource, RowsToRun, RunOptions};
use crate::cli::{ChangeRunArgs, OutputFormat};
use crate::error::{Error, InputError};
use crate::report;
use crate::settings::Settings;
use crate::sso::operations::Patience;
use crate::terminal::interrupt::Interrupts;
use crate::terminal::prompt::{Dialogue, Prompter};
use std::sync::Arc;

/// The same checks for a dry run as for the real one: rows that make one-time passwords need
/// `--report` (they go only there), and a dry run's report path must be one it could make.
pub(super) fn check_report(
    checked: &Checked,
    run: &ChangeRunArgs,
    settings: &Settings,
) -> Result<(), InputError> {
    if checked.makes_passwords && run.report.is_none() {
        return Err(InputError::new(
            "--report",
            "rows with console=yes make one-time passwords, which go only to the report: give --report FILE",
        ));
    }
    if settings.dry_run
        && let Some(path) = &run.report
    {
        crate::iam::request::must_be_new("--report", path)?;
    }
    Ok(())
}

/// The clients of a run of rows, made once (with adaptive retries: many calls in a row) for
/// what the command reads first and for the rows.
pub(super) type Clients = batch::run::Clients<Settling<SdkIam>, Settling<SdkSso>>;

impl Clients {
    pub(super) async fn new(settings: &Settings) -> Result<Self, Error> {
        let sdk_config = settings.with_adaptive_retries().sdk_config().await?;
        Ok(batch::run::Clients {
            iam: Arc::new(settings.iam(&sdk_config)),
            sso: Arc::new(settings.sso(&sdk_config)),
        })
    }
}

/// The question before rows run, once the plan is shown: on a terminal without `-y`, when
/// there is something to change and it is not a dry run.
pub(super) fn proceed(settings: &Settings, something_to_change: bool) -> Result<(), Error> {
    if settings.terminal.interactive
        && !settings.yes
        && !settings.dry_run
        && something_to_change
        && !Dialogue::new(settings.terminal.look).yes_no("Proceed?", false)?
    {
        return Err(Error::Declined);
    }
    Ok(())
}

/// What a run of rows is given.
pub(super) struct Rows<'a> {
    pub(super) clients: &'a Clients,
    pub(super) to_run: RowsToRun<'a>,
    pub(super) caller: CallerIdentity,
    pub(super) patience: Patience,
    /// The rows come from several files (a review's sheets): the report names each line's.
    pub(super) sheets: bool,
}

/// Runs the rows: the report opened (a dry run writes no file: its rows, each with the calls a
/// real run makes, go to the terminal or standard output), `first` writing what comes before
/// the rows, then the rows until they end or a signal stops them.
pub(super) async fn run_rows(
    rows: Rows<'_>,
    run: &ChangeRunArgs,
    settings: &Settings,
    interrupts: &Interrupts,
    first: impl FnOnce(&mut ReportSink) -> Result<(), Error>,
) -> Result<Summary, Error> {
    let written = run.report.as_deref().filter(|_| !settings.dry_run);
    let mut sink = ReportSink::open(written, settings.output == OutputFormat::Json, rows.sheets)?;
    first(&mut sink)?;
    let options = RunOptions {
        caller: rows.caller,
        concurrency: run.concurrency,
        continue_on_error: run.continue_on_error,
        dry_run: settings.dry_run,
        patience: rows.patience,
        // Rows already on standard output (the table, JSON lines) are not repeated on stderr.
        log_rows: !settings.quiet && written.is_some(),
        progress_bar: !settings.quiet,
        unicode: settings.terminal.look.unicode,
    };
    let (cancel, cancelled) = tokio::sync::watch::channel(false);
    let running = batch::run::run_rows(rows.clients, rows.to_run, options, sink, cancelled);
    tokio::pin!(running);
    let mut interrupted = std::pin::pin!(interrupts.during_changes());
    loop {
        tokio::select! {
            summary = &mut running => break summary,
            () = &mut interrupted, if !*cancel.borrow() => {
                report::print_err("\niam-onboard: interrupted; undoing the rows in flight, starting no more\n");
                let _ = cancel.send(true);
            }
        }
    }
}

/// Rows a plan made (sync, apply, expire, review apply), and the people it leaves as they are.
pub(super) struct Planned<'a> {
    pub(super) rows: Vec<Row>,
    /// Reported before the rows, as unchanged.
    pub(super) unchanged: Vec<RowReport>,
    /// What the plan came from, for the last line: a file, `end dates`.
    pub(super) source: &'a str,
    pub(super) caller: CallerIdentity,
}

/// Carries out a plan's rows once it is shown: the report's checks, the question (on a
/// terminal, without `-y`), the rows run through their commands' operations, the unchanged
/// people reported first, a last line of counts; the outcome as a batch's.
pub(super) async fn carry_out(
    planned: Planned<'_>,
    clients: &Clients,
    run: &ChangeRunArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let Planned {
        rows,
        unchanged,
        source,
        caller,
    } = planned;
    let checked = Checked::of_rows(&rows);
    check_report(&checked, run, settings)?;
    proceed(settings, !rows.is_empty())?;
    let checking = Checking {
        file: source,
        templates: &settings.templates,
        config: &settings.config,
        protected: &settings.protected,
        today: crate::iam::end_date::today_by_the_clock(),
    };
    let sheets = rows.iter().any(|row| row.sheet.is_some())
        || unchanged.iter().any(|report| report.sheet.is_some());
    let rows = Rows {
        clients,
        to_run: RowsToRun {
            checking: &checking,
            checked: &checked,
            source: RowSource::Planned(rows),
        },
        caller,
        patience: Patience::default(),
        sheets,
    };
    let left_alone = unchanged.len();
    let summary = run_rows(rows, run, settings, interrupts, |sink| {
        for report in &unchanged {
            sink.write(report)?;
        }
        Ok(())
    })
    .await?;
    if !settings.quiet {
        let changed = if checked.rows == 0 {
            "nothing to change".to_string()
        } else {
            summary.to_string()
        };
        report::print_err(&format!(
            "iam-onboard: {source}: {left_alone} unchanged; {changed}\n"
        ));
    }
    summary.outcome()
}
