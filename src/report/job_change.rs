//! The report of `move`, IAM and `--sso`: the templates moved from and to, what was removed
//! and added.

use super::{Acting, Report, push_indented};
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

impl Report for MoveReport {
    fn human(&self) -> String {
        let from = self.from.as_deref().unwrap_or("no template");
        let mut out = match self.status {
            MoveStatus::Planned => format!(
                "{}\nA move from {from} to {} makes, in order:\n",
                self.acting.dry_run(&self.user),
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
        push_indented(&mut out, &self.changes);
        out
    }
}
