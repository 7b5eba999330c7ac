//! The report of `reset-mfa`: the device enabled (or left pending, with the file holding its
//! URI), the old devices removed, or for `--dry-run` the calls a real run would make.

use super::{Acting, Report, push_indented};
use crate::outcome::MfaResetStatus;
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

impl Report for MfaResetReport {
    fn human(&self) -> String {
        let user = &self.user_arn;
        let mut out = match self.status {
            MfaResetStatus::Planned => format!("{}\n", self.acting.dry_run(user)),
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
                push_indented(&mut out, items);
            }
        }
        out
    }
}
