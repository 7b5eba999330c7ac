//! The report of `move`, IAM and `--sso`: the templates moved from and to, what was removed
//! and added.

use super::{Acting, to_json};
use crate::cli::OutputFormat;
use crate::outcome::MoveStatus;
use serde::Serialize;

/// The outcome of `move`.
#[derive(Debug, Serialize)]
pub(crate) struct MoveReport {
    pub(crate) acting: Acting,
    pub(crate) status: MoveStatus,
    pub(crate) user_name: String,
    /// The IAM user's ARN, or the identity-store user id.
    pub(crate) user: String,
    pub(crate) from: Option<String>,
    pub(crate) to: String,
    /// The changes made, or for `--dry-run` to be made, in order.
    pub(crate) changes: Vec<String>,
}

impl MoveReport {
    pub(crate) fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Json => to_json(self),
            OutputFormat::Human | OutputFormat::Csv => {
                let from = self.from.as_deref().unwrap_or("no template");
                let mut out = match self.status {
                    MoveStatus::Planned => format!(
                        "{}\nDry run for {}: nothing was changed.\nA move from {from} to {} makes, in order:\n",
                        self.acting.heading(),
                        self.user,
                        self.to
                    ),
                    MoveStatus::AlreadyDone => {
                        format!("{} is on template {} already.\n", self.user, self.to)
                    }
                    MoveStatus::Moved => format!(
                        "Moved {} from {from} to {}.\nChanges, in order:\n",
                        self.user, self.to
                    ),
                };
                for change in &self.changes {
                    out.push_str(&format!("  {change}\n"));
                }
                out
            }
        }
    }
}
