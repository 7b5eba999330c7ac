//! The report of `reset-password`: how the new password was handed over, never the password.

use super::{Acting, Report, push_indented};
use crate::outcome::PasswordResetStatus;
use serde::Serialize;

/// The outcome of `reset-password`. The password itself is never in it.
#[derive(Debug, Serialize)]
pub(crate) struct PasswordResetReport {
    pub(crate) acting: Acting,
    pub(crate) status: PasswordResetStatus,
    pub(crate) user_name: String,
    pub(crate) user_arn: String,
    /// Where the one-time password was written (else it was shown on the terminal).
    pub(crate) password_file: Option<String>,
    /// The calls made, or for `--dry-run` to be made.
    pub(crate) calls: Vec<String>,
}

impl Report for PasswordResetReport {
    fn human(&self) -> String {
        let user = &self.user_arn;
        let mut out = match self.status {
            PasswordResetStatus::Planned => format!(
                "{}\nCalls a real run would make:\n",
                self.acting.dry_run(user)
            ),
            PasswordResetStatus::Reset | PasswordResetStatus::Created => {
                let to = match &self.password_file {
                    Some(file) => format!("written to {file}"),
                    None => "shown above".to_string(),
                };
                format!(
                    "New one-time console password for {user} ({to}); it must be changed at next sign-in.\nCalls made:\n"
                )
            }
        };
        push_indented(&mut out, &self.calls);
        out
    }
}
