//! What a command prints on standard output: the human summary or one JSON object with the
//! same facts, one file a command (`people` holds show and list, which share their views);
//! `csv` escapes formulas in every CSV cell. Never a secret: the one-time password goes to the
//! terminal (stderr) or a file.

pub(crate) use crate::terminal::output::{print, print_err};

pub(crate) mod assign;
pub(crate) mod audit;
pub(crate) mod csv;
pub(crate) mod job_change;
pub(crate) mod new_user;
pub(crate) mod offboard;
pub(crate) mod people;
pub(crate) mod reset_mfa;
pub(crate) mod reset_password;
pub(crate) mod rightsize;
pub(crate) mod rotate_key;

use crate::aws::CallerIdentity;
use crate::cli::OutputFormat;
use serde::Serialize;

/// The account a command acts on and the identity it acts as: the first thing every plan shows,
/// so the person confirming sees which account they are about to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Acting {
    pub(crate) account: String,
    pub(crate) caller_arn: String,
}

impl Acting {
    pub(crate) fn of(caller: &CallerIdentity) -> Self {
        Acting {
            account: caller.account.clone(),
            caller_arn: caller.arn.clone(),
        }
    }

    /// The plan's heading line.
    pub(crate) fn heading(&self) -> String {
        format!(
            "AWS account {}, acting as {}",
            self.account, self.caller_arn
        )
    }

    /// The first lines of every dry run's report: the heading, then that nothing changed for
    /// `subject` (the person, or their ARN).
    pub(crate) fn dry_run(&self, subject: &str) -> String {
        format!(
            "{}\nDry run for {subject}: nothing was changed.",
            self.heading()
        )
    }
}

/// The report of a command that acts on one person: one JSON document with `--output json`,
/// else the summary people read (`--output csv` is for lists, so it reads the summary too).
pub(crate) trait Report: Serialize {
    fn human(&self) -> String;

    fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Json => to_json(self),
            OutputFormat::Human | OutputFormat::Csv => self.human(),
        }
    }
}

/// Prints the report on standard output, in `format`.
pub(crate) fn show(report: &impl Report, format: OutputFormat) {
    print(&report.render(format));
}

/// Each item on a line of its own, indented under the line before.
pub(crate) fn push_indented(
    out: &mut String,
    items: impl IntoIterator<Item = impl std::fmt::Display>,
) {
    for item in items {
        out.push_str(&format!("  {item}\n"));
    }
}

pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("reports serialise");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
