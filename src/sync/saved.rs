//! A saved plan (`sync --plan-out FILE`, carried out by `apply FILE`): the exact changes, and
//! the fingerprint of the account they were planned from, with the lines it digests, so a
//! stale plan is refused naming what changed. It holds names, templates and dates, no secret.

use crate::error::InputError;
use crate::sync::plan::Change;
use crate::sync::state::{Account, ReadScope};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The format's version, refused when it is not this one.
const VERSION: u32 = 1;

/// A plan as written to its file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SavedPlan {
    pub(crate) version: u32,
    /// The export it was planned from, for the record.
    pub(crate) source: String,
    pub(crate) account: String,
    pub(crate) planned_by: String,
    pub(crate) planned_at: String,
    /// SHA-256 of `read`.
    pub(crate) fingerprint: String,
    /// What the plan depends on, a line a managed person.
    pub(crate) read: Vec<String>,
    /// What was read, read again by `apply`.
    #[serde(default = "ReadScope::iam")]
    pub(crate) scope: ReadScope,
    pub(crate) changes: Vec<Change>,
}

impl SavedPlan {
    pub(crate) fn new(
        source: &str,
        account: &Account,
        planned_at: String,
        changes: Vec<Change>,
    ) -> Self {
        SavedPlan {
            version: VERSION,
            source: source.to_string(),
            account: account.caller.account.clone(),
            planned_by: account.caller.arn.clone(),
            planned_at,
            fingerprint: account.fingerprint(),
            read: account.read_lines(),
            scope: account.scope.clone(),
            changes,
        }
    }

    /// Writes the plan to `path`, a new file (mode 0600).
    pub(crate) fn write(&self, path: &Path) -> Result<(), InputError> {
        let text = serde_json::to_string_pretty(self).expect("a plan serialises");
        crate::secret::write_new_private_file(path, format!("{text}\n").as_bytes()).map_err(|err| {
            InputError::new(
                "--plan-out",
                format!(
                    "cannot write {} (it must not exist yet): {err}",
                    path.display()
                ),
            )
        })
    }

    /// Reads a plan file.
    pub(crate) fn read(path: &Path) -> Result<Self, InputError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|err| {
            InputError::new("<PLAN>", format!("cannot read it: {err}")).in_file(&shown)
        })?;
        let plan: SavedPlan = serde_json::from_str(&text).map_err(|err| {
            InputError::new(
                format!("line {} column {}", err.line(), err.column()),
                format!("not a plan written by sync --plan-out: {err}"),
            )
            .in_file(&shown)
        })?;
        if plan.version != VERSION {
            return Err(InputError::new(
                "version",
                format!(
                    "version {} is not {VERSION}: make the plan again with this iam-onboard",
                    plan.version
                ),
            )
            .in_file(&shown));
        }
        Ok(plan)
    }

    /// Refuses the plan when the account now differs from what it was planned from: another
    /// account, or any managed person's template, end date or access changed, or a person
    /// added or removed since.
    pub(crate) fn still_holds(&self, now: &Account, file: &str) -> Result<(), InputError> {
        if now.caller.account != self.account {
            return Err(InputError::new(
                "account",
                format!(
                    "the plan is for account {}, these credentials are for {}",
                    self.account, now.caller.account
                ),
            )
            .in_file(file));
        }
        if now.fingerprint() == self.fingerprint {
            return Ok(());
        }
        let lines = now.read_lines();
        let gone = self.read.iter().find(|line| !lines.contains(line));
        let new = lines.iter().find(|line| !self.read.contains(line));
        let what = match (gone, new) {
            (Some(was), Some(is)) => format!("it read \"{was}\", now \"{is}\""),
            (Some(was), None) => format!("it read \"{was}\", now gone"),
            (None, Some(is)) => format!("now also \"{is}\""),
            (None, None) => "the plan file's lines do not match its fingerprint".to_string(),
        };
        Err(InputError::new(
            "fingerprint",
            format!(
                "the account changed since the plan was made at {} ({what}): nothing was changed; run sync again for a new plan",
                self.planned_at
            ),
        )
        .in_file(file))
    }
}
