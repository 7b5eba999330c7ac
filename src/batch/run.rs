//! Running checked rows: the shared resources once, then the rows streamed from the file (or a
//! plan), at most `concurrency` at once, reported in order as they end, the progress shown;
//! each row itself is driven in `row`.

use super::row::{Finished, prepare, run_row};
use crate::aws::{CallerIdentity, Iam, Sso};
use crate::batch::cells::Cells;
use crate::batch::check::{Checked, Checking, Row, open, parse_row};
use crate::batch::report::{ReportSink, RowReport, Summary};
use crate::error::Error;
use crate::iam::apply::{self as onboard};
use crate::outcome::RowStatus;
use crate::sso::operations::Patience;
use std::cell::Cell;
use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::rc::Rc;
use std::sync::Arc;

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

/// Shows progress: a bar on a terminal, a line a row otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    log_rows: bool,
}

impl Progress {
    /// A bar when stderr is a terminal (not with `-q`).
    fn new(rows: u64, terminal: bool, options: &RunOptions) -> Self {
        let bar = (terminal && options.progress_bar).then(|| {
            let bar = indicatif::ProgressBar::new(rows);
            let style = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} rows  {msg}  {per_sec}  ETA {eta}",
            )
            .expect("a valid template");
            bar.set_style(if options.unicode {
                style
            } else {
                style.progress_chars("#>-")
            });
            bar
        });
        Progress {
            bar,
            log_rows: options.log_rows,
        }
    }

    fn row(&self, report: &RowReport, summary: &Summary) {
        match &self.bar {
            Some(bar) => {
                bar.set_message(format!("{} failed", summary.failed()));
                bar.inc(1);
            }
            None if self.log_rows => crate::report::print_err(&format!(
                "{}{} {}: {}\n",
                report.line_said(),
                report.action,
                report.username,
                report.status
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

/// Where the rows come from: the checked file opened again (`Checked::reopen`), streamed, or
/// made by a plan (`sync`, `expire`).
pub(crate) enum RowSource {
    File(std::fs::File),
    Planned(Vec<Row>),
}

/// The boundary a run of rows calls, shared by the rows in flight.
pub(crate) struct Clients<I, S> {
    pub(crate) iam: Arc<I>,
    pub(crate) sso: Arc<S>,
}

/// The rows of a run: the file's checks they were checked with, what the check found, and
/// where the rows come from.
pub(crate) struct RowsToRun<'a> {
    pub(crate) checking: &'a Checking<'a>,
    pub(crate) checked: &'a Checked,
    pub(crate) source: RowSource,
}

/// Runs checked rows from `source`: shared resources once, then the rows, at most
/// `concurrency` at once, each reported to `sink` as it ends. Without `continue_on_error`, no
/// new row starts after a failure (the rest are reported skipped). Setting `cancel` rolls back
/// the rows in flight.
pub(crate) async fn run_rows<I: Iam + Send + 'static, S: Sso + Send + 'static>(
    clients: &Clients<I, S>,
    rows: RowsToRun<'_>,
    options: RunOptions,
    mut sink: ReportSink,
    cancel: tokio::sync::watch::Receiver<bool>,
) -> Result<Summary, Error> {
    let RowsToRun {
        checking,
        checked,
        source,
    } = rows;
    let (iam, sso) = (&clients.iam, &clients.sso);
    let prepared = Rc::new(prepare(iam.as_ref(), sso, checked, checking, &options).await?);
    let options = Rc::new(options);
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = Progress::new(checked.rows, terminal, &options);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<(u64, Finished)>();
    let stop = Rc::new(Cell::new(false));
    let local = tokio::task::LocalSet::new();
    let summary = local
        .run_until(async {
            let rows: Box<dyn Iterator<Item = Result<Row, Error>>> = match source {
                RowSource::Planned(rows) => Box::new(rows.into_iter().map(Ok)),
                RowSource::File(handle) => {
                    let (reader, header) = open(handle, checking.file)?;
                    Box::new(reader.into_records().map(move |record| {
                        let record = record.map_err(|err| Error::io("cannot read the file", err.into()))?;
                        Ok(parse_row(&Cells::new(&header, &record, checking.file), checking)?)
                    }))
                }
            };
            let permits = Arc::new(tokio::sync::Semaphore::new(options.concurrency.get()));
            let mut summary = Summary {
                dry_run: options.dry_run,
                ..Summary::default()
            };
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
                    if report.status == RowStatus::Failed && !options.continue_on_error {
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
                let (iam, sso, prepared, options, cancel, done_tx) = (
                    iam.clone(),
                    sso.clone(),
                    prepared.clone(),
                    options.clone(),
                    cancel.clone(),
                    done_tx.clone(),
                );
                tokio::task::spawn_local(async move {
                    let mut finished =
                        run_row(iam.clone(), sso, &row, &prepared, &options, cancel).await;
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
            summary.warnings = prepared.warnings();
            Ok::<Summary, Error>(summary)
        })
        .await?;
    progress.finish();
    Ok(summary)
}
