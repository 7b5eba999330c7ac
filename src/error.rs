//! The tool's expected failures, rendered for people, and the exit code each maps to.
//!
//! A bug is a panic, not a variant here. Every variant names the exit code it ends with; the
//! codes are documented in `--help` and in the README.

use crate::aws::AwsError;
use crate::aws::config::ProfileProblem;
use std::fmt;

/// Exit codes, stable for scripts.
pub(crate) mod exit {
    /// The job is done (or was already done).
    pub(crate) const DONE: u8 = 0;
    /// The job failed and the state is the old one: `new-user` and `assign` undid everything
    /// this run changed; `offboard` failed before its first change.
    pub(crate) const FAILED: u8 = 1;
    /// Bad input or usage: nothing was changed.
    pub(crate) const BAD_INPUT: u8 = 2;
    /// Credentials missing or permission denied before anything was changed.
    pub(crate) const DENIED: u8 = 3;
    /// The job stopped part-way, neither the old state nor the new: the undo did not finish,
    /// an offboarding stopped after its first change, an old MFA device could not be removed,
    /// a change got no answer, or `--accounts` could not reach every account; what is left (or
    /// kept, or missed) is listed, and running it again finishes.
    pub(crate) const UNDO_INCOMPLETE: u8 = 4;
    /// `audit` found something at or above `--fail-on`, or `templates lint` a finding no
    /// template accepts (the report is on standard output).
    pub(crate) const FINDINGS: u8 = 5;
    /// Interrupted (Ctrl-C) or not confirmed; what had been changed was undone first.
    pub(crate) const INTERRUPTED: u8 = 130;
    /// Stopped by SIGHUP (the terminal went away), handled like Ctrl-C.
    pub(crate) const HANGUP: u8 = 129;
    /// Stopped by SIGTERM, handled like Ctrl-C.
    pub(crate) const TERMINATED: u8 = 143;

    /// Every exit code with what it means to a person reading `--help`, in order.
    pub(crate) const MEANINGS: &[(u8, &str)] = &[
        (DONE, "done (or already done)"),
        (
            FAILED,
            "failed, and nothing is changed: new-user and assign undid everything they changed, offboard failed before its first change",
        ),
        (BAD_INPUT, "bad input or usage; nothing was changed"),
        (
            DENIED,
            "credentials missing, a profile that cannot be used, or permission denied; nothing was changed",
        ),
        (
            UNDO_INCOMPLETE,
            "stopped part-way (the undo did not finish, an offboarding stopped after its first change, a change got no answer, or --accounts could not cover every account); what is left is listed, and running it again finishes",
        ),
        (
            FINDINGS,
            "audit found something at or above --fail-on (default high), or templates lint a finding not accepted; the report is on standard output",
        ),
        (
            HANGUP,
            "stopped by SIGHUP (the terminal closed), handled like Ctrl-C",
        ),
        (
            INTERRUPTED,
            "interrupted (Ctrl-C) or not confirmed; new-user and assign undo what they had changed first (secret files included), offboard stops (run it again to finish)",
        ),
        (TERMINATED, "stopped by SIGTERM, handled like Ctrl-C"),
    ];
}

/// The exit-code table of `--help`, from `exit::MEANINGS`, wrapped to `width` columns.
pub(crate) fn exit_codes_help(width: usize) -> String {
    const INDENT: usize = 7;
    let mut out = String::from("Exit codes:\n");
    for (code, meaning) in exit::MEANINGS {
        let mut line = format!("  {code:<4} ");
        for word in meaning.split(' ') {
            if line.len() + word.len() > width && line.len() > INDENT {
                out.push_str(line.trim_end());
                out.push('\n');
                line = " ".repeat(INDENT);
            }
            line.push_str(word);
            line.push(' ');
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Bad input: which file, line and field, and why. Raised before anything changes.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub(crate) struct InputError {
    pub(crate) file: Option<String>,
    pub(crate) line: Option<u64>,
    pub(crate) field: String,
    pub(crate) reason: String,
}

impl InputError {
    pub(crate) fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        InputError {
            file: None,
            line: None,
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub(crate) fn at_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.line) {
            (Some(file), Some(line)) => write!(f, "{file}:{line}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            (None, _) => {}
        }
        // A command's positional value (`<USERNAME>`) is not a flag the person typed: the
        // reason, which names the value, says it all.
        if self.field.starts_with('<') && self.file.is_none() {
            return write!(f, "{}", self.reason);
        }
        write!(f, "{}: {}", self.field, self.reason)
    }
}

impl std::error::Error for InputError {}

/// How a batch fell short of doing every row; the counts are in the summary printed before.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub(crate) enum BatchShortfall {
    #[error("some rows failed or were skipped; each failed row's own changes were undone")]
    RowsFailed,
    #[error("some rows would fail or be skipped (dry run: nothing was changed)")]
    RowsWouldFail,
    #[error(
        "the undo of some rows did not finish; their leftovers are in the report's failed rows"
    )]
    UndoIncomplete,
    #[error("interrupted; the rows in flight were undone and no more were started")]
    Interrupted,
}

/// Everything that can stop a command.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("{0}")]
    Input(#[from] InputError),

    #[error("{}", refused_input(.0))]
    BadRows(Vec<InputError>),

    #[error("{0}")]
    Denied(AwsError),

    #[error("{0}")]
    Profile(#[from] ProfileProblem),

    #[error("{0}")]
    Aws(AwsError),

    #[error("{cause}; undone: {}", list_or_nothing(undone))]
    RolledBack { cause: String, undone: Vec<String> },

    #[error(
        "{cause}; the undo did not finish, left behind:\n{}",
        bullet_list(leftovers)
    )]
    UndoIncomplete {
        cause: String,
        leftovers: Vec<String>,
    },

    #[error("interrupted; undone: {}", list_or_nothing(undone))]
    Interrupted { undone: Vec<String> },

    #[error("{0}")]
    Batch(BatchShortfall),

    #[error("not confirmed; nothing was changed")]
    Declined,

    #[error("interrupted; nothing was changed")]
    InterruptedBeforeChanges,

    #[error("{0}")]
    Usage(String),

    #[error("interrupted part-way through offboarding {user_arn}; run it again to finish")]
    OffboardInterrupted { user_arn: String },

    #[error(
        "offboarding {user_arn} stopped: {cause}\nremoved: {}\nstill there (run again to finish):\n{}",
        list_or_nothing(removed),
        bullet_list(remaining)
    )]
    OffboardIncomplete {
        user_arn: String,
        cause: String,
        removed: Vec<String>,
        remaining: Vec<String>,
    },

    #[error("{change} got no answer ({cause}), so it may or may not have been made; kept: {kept}")]
    ChangeUnconfirmed {
        change: String,
        cause: String,
        kept: String,
    },

    #[error(
        "the MFA device {enabled} of {user} works, but these removals did not happen ({}):\n{}",
        if *resumable { "run the same reset-mfa again: it finishes them and makes no new device" } else { "deactivate and delete the old devices in the console, IAM > Users > {user} > Security credentials" },
        bullet_list(leftovers)
    )]
    MfaOldDevicesLeft {
        user: String,
        enabled: String,
        leftovers: Vec<String>,
        /// The user's pending tag names the device kept, so a re-run finishes.
        resumable: bool,
    },

    #[error(
        "{count} audit finding(s) at or above {severity} (--fail-on never reports without failing)"
    )]
    Findings {
        count: usize,
        severity: &'static str,
    },

    #[error(
        "{count} lint finding(s) not accepted by their template (a template carries one on purpose with \"accepted\")"
    )]
    LintFindings { count: usize },

    #[error(
        "no last-accessed data: this endpoint answers IAM's GenerateServiceLastAccessedDetails with {cause} (AWS answers it; the emulator lacks it), and right-sizing reads nothing else; nothing was changed"
    )]
    NoLastAccessedData { cause: String },

    #[error(
        "{} account(s) not covered (the report covers the others):\n{}",
        missed.len(),
        bullet_list(&missed.iter().map(|(account, why)| format!("{account}: {why}")).collect::<Vec<_>>())
    )]
    AccountsNotCovered { missed: Vec<(String, String)> },

    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl Error {
    /// The documented exit code for this failure.
    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Error::Input(_) | Error::BadRows(_) | Error::Usage(_) => exit::BAD_INPUT,
            Error::Denied(_) | Error::Profile(_) => exit::DENIED,
            Error::OffboardIncomplete { removed, .. } if removed.is_empty() => exit::FAILED,
            Error::Aws(_)
            | Error::RolledBack { .. }
            | Error::Io { .. }
            | Error::NoLastAccessedData { .. } => exit::FAILED,
            Error::UndoIncomplete { .. }
            | Error::OffboardIncomplete { .. }
            | Error::MfaOldDevicesLeft { .. }
            | Error::ChangeUnconfirmed { .. }
            | Error::AccountsNotCovered { .. } => exit::UNDO_INCOMPLETE,
            Error::Findings { .. } | Error::LintFindings { .. } => exit::FINDINGS,
            Error::Batch(BatchShortfall::RowsFailed | BatchShortfall::RowsWouldFail) => {
                exit::FAILED
            }
            Error::Batch(BatchShortfall::UndoIncomplete) => exit::UNDO_INCOMPLETE,
            Error::Batch(BatchShortfall::Interrupted)
            | Error::Interrupted { .. }
            | Error::Declined
            | Error::InterruptedBeforeChanges
            | Error::OffboardInterrupted { .. } => exit::INTERRUPTED,
        }
    }

    /// A stable name for the kind of failure, for `--output json`.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Error::Input(_) | Error::BadRows(_) | Error::Usage(_) => "bad-input",
            Error::Denied(_) | Error::Profile(_) => "denied",
            Error::Aws(_) | Error::Io { .. } => "failed",
            Error::NoLastAccessedData { .. } => "unsupported",
            Error::RolledBack { .. } => "rolled-back",
            Error::UndoIncomplete { .. } | Error::Batch(BatchShortfall::UndoIncomplete) => {
                "undo-incomplete"
            }
            Error::Batch(BatchShortfall::RowsFailed | BatchShortfall::RowsWouldFail) => {
                "rows-failed"
            }
            Error::OffboardIncomplete { .. } | Error::MfaOldDevicesLeft { .. } => "incomplete",
            Error::AccountsNotCovered { .. } => "accounts-not-covered",
            Error::ChangeUnconfirmed { .. } => "unconfirmed",
            Error::Findings { .. } | Error::LintFindings { .. } => "findings",
            Error::Batch(BatchShortfall::Interrupted)
            | Error::Interrupted { .. }
            | Error::InterruptedBeforeChanges
            | Error::OffboardInterrupted { .. } => "interrupted",
            Error::Declined => "declined",
        }
    }

    /// What is left behind that someone must see to: undo leftovers, removals not made.
    pub(crate) fn leftovers(&self) -> &[String] {
        match self {
            Error::UndoIncomplete { leftovers, .. }
            | Error::MfaOldDevicesLeft { leftovers, .. } => leftovers,
            Error::OffboardIncomplete { remaining, .. } => remaining,
            Error::ChangeUnconfirmed { kept, .. } => std::slice::from_ref(kept),
            _ => &[],
        }
    }

    /// Each bad value, for a script to point at: the file, line and field, and why.
    pub(crate) fn bad_input(&self) -> &[InputError] {
        match self {
            Error::Input(err) => std::slice::from_ref(err),
            Error::BadRows(errs) => errs,
            _ => &[],
        }
    }

    /// The failure as `--output json` prints it on standard output.
    pub(crate) fn to_json(&self, exit_code: u8) -> String {
        let document = serde_json::json!({
            "error": {
                "kind": self.kind(),
                "message": self.to_string(),
                "exit_code": exit_code,
                "leftovers": self.leftovers(),
                "bad_input": self.bad_input(),
            }
        });
        format!(
            "{}\n",
            serde_json::to_string_pretty(&document).expect("errors serialise")
        )
    }

    /// Whether the exit code is the signal's (130, 143, 129) when a signal arrived during the
    /// run: a failure then is the signal's doing (a read cut short by it, say), unless the undo
    /// did not finish, whose exit code 4 matters more.
    pub(crate) fn yields_to_signal(&self) -> bool {
        !matches!(
            self,
            Error::UndoIncomplete { .. } | Error::Batch(BatchShortfall::UndoIncomplete)
        )
    }

    /// An AWS failure before anything changed: denied and credential problems get their own code.
    pub(crate) fn from_aws(err: AwsError) -> Self {
        if err.is_denied() {
            Error::Denied(err)
        } else {
            Error::Aws(err)
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

fn list_or_nothing(items: &[String]) -> String {
    if items.is_empty() {
        "nothing".to_string()
    } else {
        items.join(", ")
    }
}

/// Line 1 of every CSV file this tool reads is its header: a problem there is the file's own.
const HEADER_LINE: u64 = 1;

/// A file refused: "3 bad rows; nothing was changed:" and each, or the file's one problem
/// (no person in it, a header without `username` or with an unknown column) said as it is,
/// not counted as a row.
fn refused_input(errors: &[InputError]) -> String {
    let rows = errors
        .iter()
        .filter(|err| err.line.is_some_and(|line| line > HEADER_LINE))
        .count();
    let counted = match (errors.len(), rows) {
        (1, 0) => return format!("{}; nothing was changed", errors[0]),
        (1, 1) => "1 bad row".to_string(),
        (all, rows) if rows == all => format!("{all} bad rows"),
        (all, _) => format!("{all} problems"),
    };
    let each: Vec<String> = errors.iter().map(ToString::to_string).collect();
    format!("{counted}; nothing was changed:\n{}", bullet_list(&each))
}

fn bullet_list(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("  - {item}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_table_lists_every_exit_code_once_aligned_and_wrapped() {
        let table = exit_codes_help(80);
        for (code, _) in exit::MEANINGS {
            let rows = table
                .lines()
                .filter(|line| line.starts_with(&format!("  {code:<4} ")))
                .count();
            assert_eq!(rows, 1, "{code}:\n{table}");
        }
        assert!(table.lines().all(|line| line.len() <= 80), "{table}");
        let row_or_continuation = |line: &str| {
            line.starts_with("       ") || line[2..].starts_with(|c: char| c.is_ascii_digit())
        };
        assert!(table.lines().skip(1).all(row_or_continuation), "{table}");
    }

    #[test]
    fn input_error_names_file_line_and_field() {
        let err = InputError::new("username", "must not be empty")
            .in_file("people.csv")
            .at_line(7);
        assert_eq!(err.to_string(), "people.csv:7: username: must not be empty");
        assert_eq!(Error::from(err).exit_code(), exit::BAD_INPUT);
    }

    #[test]
    fn a_failure_as_json_names_its_kind_exit_code_and_leftovers() {
        let err = Error::UndoIncomplete {
            cause: "boom".to_string(),
            leftovers: vec!["user arn:aws:iam::1:user/x (AccessDenied)".to_string()],
        };
        let json: serde_json::Value = serde_json::from_str(&err.to_json(err.exit_code())).unwrap();
        assert_eq!(json["error"]["kind"], "undo-incomplete");
        assert_eq!(json["error"]["exit_code"], 4);
        assert_eq!(
            json["error"]["leftovers"][0],
            "user arn:aws:iam::1:user/x (AccessDenied)"
        );
        assert!(json["error"]["message"].as_str().unwrap().contains("boom"));
        assert_eq!(json["error"]["bad_input"], serde_json::json!([]));
    }

    #[test]
    fn a_files_own_problem_is_not_counted_as_a_bad_row() {
        let problem = |field: &str, reason: &str, line: Option<u64>| {
            let err = InputError::new(field, reason).in_file("hr.csv");
            Error::BadRows(vec![match line {
                Some(line) => err.at_line(line),
                None => err,
            }])
            .to_string()
        };
        let cases = [
            (
                problem("file", "holds no person", None),
                "hr.csv: file: holds no person; nothing was changed",
            ),
            (
                problem("column \"shoe_size\"", "unknown column", Some(1)),
                "hr.csv:1: column \"shoe_size\": unknown column; nothing was changed",
            ),
            (
                problem("username", "is empty", Some(2)),
                "1 bad row; nothing was changed:\n  - hr.csv:2: username: is empty",
            ),
        ];
        for (said, expected) in cases {
            assert_eq!(said, expected);
        }
    }

    #[test]
    fn bad_rows_as_json_name_each_file_line_and_field() {
        let err = Error::BadRows(vec![
            InputError::new("username", "contains ' '")
                .in_file("people.csv")
                .at_line(3),
            InputError::new("template", "no template \"nosuch\"")
                .in_file("people.csv")
                .at_line(4),
        ]);
        let json: serde_json::Value = serde_json::from_str(&err.to_json(err.exit_code())).unwrap();
        assert_eq!(json["error"]["kind"], "bad-input");
        assert_eq!(
            json["error"]["bad_input"],
            serde_json::json!([
                {"file": "people.csv", "line": 3, "field": "username", "reason": "contains ' '"},
                {"file": "people.csv", "line": 4, "field": "template", "reason": "no template \"nosuch\""},
            ])
        );
        let flag = Error::from(InputError::new("--mfa", "give --mfa export"));
        let json: serde_json::Value = serde_json::from_str(&flag.to_json(2)).unwrap();
        assert_eq!(
            json["error"]["bad_input"],
            serde_json::json!([{"file": null, "line": null, "field": "--mfa", "reason": "give --mfa export"}])
        );
    }
}
