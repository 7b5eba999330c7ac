//! The batch report: one line a row (CSV for spreadsheets, formula-escaped, or JSON lines), to
//! a new 0600 file or standard output, and the counts of row outcomes.

use crate::batch::check::{Row, counted_rows};
use crate::error::{BatchShortfall, Error, InputError};
use crate::outcome::RowStatus;
use crate::report::csv::escape_formula;
use crate::secret::Secret;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct RowReport {
    /// The line of the file the row came from; 0 for a change no line asked for (a sync's
    /// leaver, who is not in the export; an end date passed).
    pub(crate) line: u64,
    /// The file the line is in, when the run reads several (a review's sheets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sheet: Option<String>,
    pub(crate) action: &'static str,
    pub(crate) username: String,
    pub(crate) status: RowStatus,
    pub(crate) arn: String,
    /// The one-time console password of a user this row created; only ever in the report.
    #[serde(serialize_with = "crate::secret::serialize_exposed")]
    pub(crate) password: Option<Secret>,
    /// What failed, or for `--dry-run` the calls a real run would make, each as it was said (a
    /// call may hold `; ` itself): the terminal shows a planned row's calls one a line; the
    /// report file joins them with `; ` as `detail`.
    #[serde(rename = "detail", serialize_with = "joined")]
    pub(crate) details: Vec<String>,
}

/// The details as the report file's one `detail` cell.
fn joined<S: serde::Serializer>(details: &[String], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&details.join("; "))
}

impl RowReport {
    /// A row's report line; columns the row's action does not use are said after the detail.
    pub(super) fn new(row: &Row, status: RowStatus, arn: String, detail: String) -> Self {
        Self::of_details(row, status, arn, said(detail))
    }

    /// A dry-run row's report line: the calls a real run would make, in order.
    pub(super) fn planned(row: &Row, arn: String, calls: Vec<String>) -> Self {
        Self::of_details(row, RowStatus::Planned, arn, calls)
    }

    fn of_details(row: &Row, status: RowStatus, arn: String, mut details: Vec<String>) -> Self {
        if !row.ignored.is_empty() {
            details.push(format!(
                "not used by {} rows, so ignored: {}",
                row.action_name(),
                row.ignored.join(", ")
            ));
        }
        RowReport {
            line: row.line,
            sheet: row.sheet.clone(),
            action: row.action_name(),
            username: row.user_name().to_string(),
            status,
            arn,
            password: None,
            details,
        }
    }

    /// The details joined, as the report file has them.
    pub(crate) fn detail(&self) -> String {
        self.details.join("; ")
    }

    /// The line a terminal shows: a planned row's calls one a line below it, else the detail
    /// in brackets.
    pub(crate) fn human(&self) -> String {
        let detail = match (self.details.is_empty(), self.status) {
            (true, _) => String::new(),
            (false, RowStatus::Planned) => self
                .details
                .iter()
                .map(|call| format!("\n    {call}"))
                .collect(),
            (false, _) => format!(" ({})", self.detail()),
        };
        let arn = match self.arn.as_str() {
            "" => String::new(),
            arn => format!(" {arn}"),
        };
        format!(
            "{}{} {}: {}{arn}{detail}\n",
            self.line_said(),
            self.action,
            self.username,
            self.status,
        )
    }

    /// Where the row came from: `line N ` of the run's one file, `FILE:N ` of one of its
    /// files (a review's sheets), or nothing for a person no line stands for (a sync's leaver,
    /// not in the export).
    pub(crate) fn line_said(&self) -> String {
        match (&self.sheet, self.line) {
            (Some(sheet), line) => format!("{sheet}:{line} "),
            (None, 0) => String::new(),
            (None, line) => format!("line {line} "),
        }
    }

    /// A line of the report for a person no row is needed for (unchanged), with why.
    pub(crate) fn unchanged(
        line: u64,
        action: &'static str,
        username: String,
        arn: String,
        why: String,
    ) -> Self {
        RowReport {
            line,
            sheet: None,
            action,
            username,
            status: RowStatus::Unchanged,
            arn,
            password: None,
            details: said(why),
        }
    }

    /// The same line, said to be of `sheet`, one of the run's files.
    pub(crate) fn in_sheet(self, sheet: String) -> Self {
        RowReport {
            sheet: Some(sheet),
            ..self
        }
    }
}

/// A detail as the report's list of them: none when there is nothing to say.
fn said(detail: String) -> Vec<String> {
    if detail.is_empty() {
        Vec::new()
    } else {
        vec![detail]
    }
}

/// Where report lines go.
pub(crate) enum ReportSink {
    /// CSV, formula-escaped, to a new 0600 file; with a first column `sheet` when the run
    /// reads several files.
    Csv {
        writer: Box<csv::Writer<std::fs::File>>,
        sheets: bool,
    },
    /// One JSON object a line, to a new 0600 file or standard output.
    JsonLines(Box<dyn std::io::Write>),
    /// A line a row for people, on standard output.
    Human,
}

impl ReportSink {
    /// Opens the sink: `path` is created new with mode 0600; `sheets`, the run reads several
    /// files, so each line names its own.
    pub(crate) fn open(path: Option<&Path>, json: bool, sheets: bool) -> Result<Self, Error> {
        let Some(path) = path else {
            return Ok(if json {
                ReportSink::JsonLines(Box::new(std::io::stdout()))
            } else {
                ReportSink::Human
            });
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path).map_err(|err| {
            Error::from(InputError::new(
                "--report",
                format!(
                    "cannot create {} (it must not exist yet): {err}",
                    path.display()
                ),
            ))
        })?;
        if json {
            return Ok(ReportSink::JsonLines(Box::new(std::io::BufWriter::new(
                file,
            ))));
        }
        let mut writer = csv::Writer::from_writer(file);
        let columns = [
            "line", "action", "username", "status", "arn", "password", "detail",
        ];
        let sheet_column = sheets.then_some("sheet");
        writer
            .write_record(sheet_column.iter().chain(&columns))
            .map_err(|err| Error::io("cannot write the report", err.into()))?;
        Ok(ReportSink::Csv {
            writer: Box::new(writer),
            sheets,
        })
    }

    pub(crate) fn write(&mut self, report: &RowReport) -> Result<(), Error> {
        let failed = |err: std::io::Error| Error::io("cannot write the report", err);
        match self {
            ReportSink::Csv { writer, sheets } => {
                let line = report.line.to_string();
                let detail = report.detail();
                let sheet = sheets.then(|| report.sheet.as_deref().unwrap_or_default());
                let fields = [
                    line.as_str(),
                    report.action,
                    &report.username,
                    report.status.as_str(),
                    &report.arn,
                    report.password.as_ref().map_or("", Secret::expose),
                    &detail,
                ];
                writer
                    .write_record(
                        sheet
                            .iter()
                            .chain(&fields)
                            .map(|field| escape_formula(field)),
                    )
                    .and_then(|()| writer.flush().map_err(Into::into))
                    .map_err(|err| failed(err.into()))
            }
            ReportSink::JsonLines(out) => {
                let text = serde_json::to_string(report).expect("reports serialise");
                writeln!(out, "{text}")
                    .and_then(|()| out.flush())
                    .map_err(failed)
            }
            ReportSink::Human => {
                crate::report::print(&report.human());
                Ok(())
            }
        }
    }
}

/// Counts of row outcomes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Summary {
    pub(crate) by_status: BTreeMap<RowStatus, u64>,
    pub(crate) undo_incomplete: bool,
    pub(crate) interrupted: bool,
    /// A `--dry-run`: a failed row is one that would fail, and nothing was changed.
    pub(crate) dry_run: bool,
    /// What the rows share and went wrong without failing them (a permission set left without
    /// its boundary), each once.
    pub(crate) warnings: BTreeSet<String>,
}

impl Summary {
    pub(crate) fn failed(&self) -> u64 {
        self.count(RowStatus::Failed)
    }

    pub(crate) fn count(&self, status: RowStatus) -> u64 {
        self.by_status.get(&status).copied().unwrap_or_default()
    }

    /// The run's outcome: 0 when every row is done, else how it fell short, with its exit code.
    pub(crate) fn outcome(&self) -> Result<(), Error> {
        let short = if self.interrupted {
            BatchShortfall::Interrupted
        } else if self.undo_incomplete {
            BatchShortfall::UndoIncomplete
        } else if self.failed() > 0 || self.count(RowStatus::Skipped) > 0 {
            match self.dry_run {
                true => BatchShortfall::RowsWouldFail,
                false => BatchShortfall::RowsFailed,
            }
        } else {
            return Ok(());
        };
        Err(Error::Batch(short))
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let total: u64 = self.by_status.values().sum();
        let parts: Vec<String> = self
            .by_status
            .iter()
            .map(|(status, n)| format!("{n} {status}"))
            .collect();
        f.write_str(&counted_rows(total, &parts))?;
        for warning in &self.warnings {
            write!(f, "\n  warning: {warning}")?;
        }
        Ok(())
    }
}
