//! The reports of the helpdesk's tickets after day one: `move`, `reset-mfa` and
//! `reset-password`.

use super::{Acting, to_json};
use crate::cli::OutputFormat;
use crate::outcome::{MfaResetStatus, MoveStatus, PasswordResetStatus};
use serde::Serialize;

/// The outcome of `reset-mfa`.
#[derive(Debug, Serialize)]
pub(crate) struct MfaResetReport {
    pub(crate) acting: Acting,
    pub(crate) status: MfaResetStatus,
    pub(crate) user_name: String,
    pub(crate) user_arn: String,
    /// The device this run enabled.
    pub(crate) enabled_device: Option<String>,
    /// The device this run left pending, and the file with its otpauth URI.
    pub(crate) pending_device: Option<String>,
    pub(crate) secret_file: Option<String>,
    /// For `--dry-run`: the calls a real run would make, in order.
    pub(crate) planned: Vec<String>,
    /// The removals made once the new device worked.
    pub(crate) removed: Vec<String>,
}

impl MfaResetReport {
    pub(crate) fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Json => to_json(self),
            OutputFormat::Human | OutputFormat::Csv => self.human(),
        }
    }

    fn human(&self) -> String {
        let user = &self.user_arn;
        let mut out = match self.status {
            MfaResetStatus::Planned => {
                format!(
                    "{}\nDry run for {user}: nothing was changed.\n",
                    self.acting.heading()
                )
            }
            MfaResetStatus::AlreadyDone => format!("{user} has no MFA device to remove.\n"),
            MfaResetStatus::Enabled => format!(
                "New MFA device {} enabled for {user}.\n",
                self.enabled_device.as_deref().unwrap_or_default()
            ),
            MfaResetStatus::Pending => format!(
                "MFA device {} created for {user} and left pending; its otpauth URI is in {}.\nOnce the person's app shows codes for it: iam-onboard reset-mfa {} --enable-pending --mfa-secret-file {} < codes.txt (two consecutive codes, one a line)\n",
                self.pending_device.as_deref().unwrap_or_default(),
                self.secret_file.as_deref().unwrap_or_default(),
                self.user_name,
                self.secret_file.as_deref().unwrap_or("FILE"),
            ),
            MfaResetStatus::Removed => format!(
                "MFA devices of {user} removed; the force-mfa policy keeps them to MFA self-service until they enrol.\n"
            ),
        };
        for (title, items) in [
            ("Calls a real run would make, in order:\n", &self.planned),
            ("Removed:\n", &self.removed),
        ] {
            if !items.is_empty() {
                out.push_str(title);
                for item in items {
                    out.push_str(&format!("  {item}\n"));
                }
            }
        }
        out
    }
}

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

impl PasswordResetReport {
    pub(crate) fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Json => to_json(self),
            OutputFormat::Human | OutputFormat::Csv => {
                let user = &self.user_arn;
                let mut out = match self.status {
                    PasswordResetStatus::Planned => format!(
                        "{}\nDry run for {user}: nothing was changed.\nCalls a real run would make:\n",
                        self.acting.heading()
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
                for call in &self.calls {
                    out.push_str(&format!("  {call}\n"));
                }
                out
            }
        }
    }
}

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
                        "{}\nDry run for {}: nothing was changed. A move from {from} to {} makes, in order:\n",
                        self.acting.heading(),
                        self.user,
                        self.to
                    ),
                    MoveStatus::AlreadyDone => {
                        format!("{} is on template {} already.\n", self.user, self.to)
                    }
                    MoveStatus::Moved => format!(
                        "Moved {} from {from} to {}. Changes, in order:\n",
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
