//! The report of `rotate-key`: what this run did to which key, where the new key went; the
//! secret only when `--show-secret` asks for it.

use super::{Acting, Report, push_indented};
use crate::outcome::KeyRotationStatus;
use crate::secret::Secret;
use serde::Serialize;

/// The outcome of one run of `rotate-key`.
#[derive(Debug, Serialize)]
pub(crate) struct KeyRotationReport {
    pub(crate) acting: Acting,
    pub(crate) status: KeyRotationStatus,
    pub(crate) user_name: String,
    pub(crate) user_arn: String,
    /// The key being replaced.
    pub(crate) old_key_id: Option<String>,
    /// The key made by this run, or the rotation's new key.
    pub(crate) new_key_id: Option<String>,
    /// Where the new key was written.
    pub(crate) key_file: Option<String>,
    /// What the next run will do; none for a dry run.
    pub(crate) next: Option<String>,
    /// `--show-secret`: the new key's secret.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::secret::serialize_exposed"
    )]
    pub(crate) secret_access_key: Option<Secret>,
    /// The calls made, or for `--dry-run` to be made.
    pub(crate) calls: Vec<String>,
}

impl Report for KeyRotationReport {
    fn human(&self) -> String {
        let user = &self.user_arn;
        let key = |id: &Option<String>| id.clone().unwrap_or_else(|| "?".to_string());
        let mut out = match self.status {
            KeyRotationStatus::Planned => format!(
                "{}\nCalls a real run would make:\n",
                self.acting.dry_run(user)
            ),
            KeyRotationStatus::Created => format!(
                "New access key {} for {user}, {}; {} stays active.\nCalls made:\n",
                key(&self.new_key_id),
                self.key_file.as_ref().map_or_else(
                    || "shown once above".to_string(),
                    |file| format!("written to {file}")
                ),
                key(&self.old_key_id)
            ),
            KeyRotationStatus::Waiting => format!(
                "Rotation of {} for {user} under way: nothing to do yet.\n",
                key(&self.old_key_id)
            ),
            KeyRotationStatus::Deactivated => format!(
                "Access key {} of {user} deactivated.\nCalls made:\n",
                key(&self.old_key_id)
            ),
            KeyRotationStatus::Deleted => format!(
                "Access key {} of {user} deleted: the rotation is over.\nCalls made:\n",
                key(&self.old_key_id)
            ),
        };
        push_indented(&mut out, &self.calls);
        if let Some(next) = &self.next {
            out.push_str(&format!("Next: {next}\n"));
        }
        out
    }
}
