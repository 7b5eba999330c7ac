//! The undo log: for every change a run makes to a person's resources, the call that reverses
//! it, run in reverse order when the run fails or is interrupted.
//!
//! An entry is recorded *before* its change is attempted and forgotten only when AWS said no
//! for certain; a change whose answer never came (timeout, Ctrl-C mid-call) stays in the log,
//! and undoing it treats NoSuchEntity as already undone. Shared resources (template policies
//! and groups) are never in the log.

use crate::aws::{AwsErrorKind, AwsResult, Iam};
use backon::{ExponentialBuilder, Retryable};
use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Deletes a login profile, asking again with backoff for about two minutes while AWS answers
/// EntityTemporarilyUnmodifiable, as it does shortly after CreateLoginProfile (exactly when an
/// undo runs).
pub(crate) async fn delete_login_profile(api: &impl Iam, user: &str) -> AwsResult<()> {
    let backoff = ExponentialBuilder::default()
        .with_min_delay(Duration::from_secs(1))
        .with_max_delay(Duration::from_secs(16))
        .with_max_times(10)
        .with_jitter();
    (|| api.delete_login_profile(user))
        .retry(backoff)
        .sleep(tokio::time::sleep)
        .when(|err| err.is(AwsErrorKind::TemporarilyUnmodifiable))
        .notify(|err, delay| tracing::info!(%err, ?delay, "asking again"))
        .await
}

/// One reversal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Undo {
    DeleteUser {
        user: String,
        arn: String,
    },
    RemoveUserFromGroup {
        user: String,
        group: String,
    },
    DeleteLoginProfile {
        user: String,
        user_arn: String,
    },
    DeleteVirtualMfaDevice {
        serial: String,
    },
    DeactivateMfaDevice {
        user: String,
        serial: String,
    },
    RemoveFile {
        path: PathBuf,
    },
    AddUserToGroup {
        user: String,
        group: String,
    },
    /// Puts back the tags a change replaced, and removes the keys it added.
    RestoreTags {
        user: String,
        tags: Vec<(String, String)>,
        added: Vec<String>,
    },
    /// Puts back the boundary a change replaced (`None`: there was none).
    RestoreBoundary {
        user: String,
        arn: Option<String>,
    },
    /// Deletes every access key of the user but `keep`: a key this run made, found by listing,
    /// so even one whose answer was lost.
    DeleteAccessKeysBut {
        user: String,
        keep: String,
    },
    /// Makes a key this run deactivated active again.
    ReactivateAccessKey {
        user: String,
        key_id: String,
    },
}

impl fmt::Display for Undo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Undo::DeleteUser { arn, .. } => write!(f, "user {arn}"),
            Undo::RemoveUserFromGroup { user, group } => {
                write!(f, "membership of {user} in group {group}")
            }
            Undo::DeleteLoginProfile { user_arn, .. } => write!(f, "login profile of {user_arn}"),
            Undo::DeleteVirtualMfaDevice { serial } => write!(f, "virtual MFA device {serial}"),
            Undo::DeactivateMfaDevice { serial, .. } => write!(f, "enabled MFA device {serial}"),
            Undo::RemoveFile { path } => write!(f, "file {}", path.display()),
            Undo::AddUserToGroup { user, group } => {
                write!(f, "removal of {user} from group {group}")
            }
            Undo::RestoreTags { user, .. } => write!(f, "the tags of {user} this run changed"),
            Undo::RestoreBoundary { user, .. } => {
                write!(f, "the permissions boundary of {user} this run changed")
            }
            Undo::DeleteAccessKeysBut { user, .. } => {
                write!(f, "the access key this run made for {user}")
            }
            Undo::ReactivateAccessKey { key_id, .. } => {
                write!(f, "access key {key_id}, deactivated by this run")
            }
        }
    }
}

impl Undo {
    /// The undo of setting tags on `user`, from each key's value before (`None`: the user did
    /// not have the key, so the undo removes it).
    pub(crate) fn tags_before<'a>(
        user: &str,
        before: impl IntoIterator<Item = (&'a str, Option<&'a str>)>,
    ) -> Undo {
        let mut tags = Vec::new();
        let mut added = Vec::new();
        for (key, value) in before {
            match value {
                Some(value) => tags.push((key.to_string(), value.to_string())),
                None => added.push(key.to_string()),
            }
        }
        Undo::RestoreTags {
            user: user.to_string(),
            tags,
            added,
        }
    }

    /// What is left when this reversal fails: the change it would have reversed, in words a
    /// person can act on.
    fn left(&self) -> String {
        match self {
            Undo::DeleteUser { arn, .. } => format!("user {arn} (made by this run)"),
            Undo::RemoveUserFromGroup { user, group } => {
                format!("{user} still in group {group} (added by this run)")
            }
            Undo::DeleteLoginProfile { user_arn, .. } => {
                format!("login profile of {user_arn} (made by this run)")
            }
            Undo::DeleteVirtualMfaDevice { serial } => {
                format!("virtual MFA device {serial} (made by this run)")
            }
            Undo::DeactivateMfaDevice { user, serial } => {
                format!("MFA device {serial} still enabled for {user} (enabled by this run)")
            }
            Undo::RemoveFile { path } => format!("file {} (written by this run)", path.display()),
            Undo::DeleteAccessKeysBut { user, keep } => format!(
                "an access key of {user} besides {keep} (made by this run; aws iam list-access-keys --user-name {user})"
            ),
            Undo::ReactivateAccessKey { user, key_id } => format!(
                "access key {key_id} of {user} inactive (this run deactivated it and could not make it active again)"
            ),
            Undo::AddUserToGroup { user, group } => format!(
                "{user} out of group {group}: this run removed them and could not put them back"
            ),
            Undo::RestoreTags { user, tags, added } => {
                let mut wanted = Vec::new();
                if !tags.is_empty() {
                    let pairs: Vec<String> = tags.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    wanted.push(format!("put back {}", pairs.join(", ")));
                }
                if !added.is_empty() {
                    wanted.push(format!("remove {}", added.join(", ")));
                }
                format!(
                    "tags of {user} as this run left them (to restore them: {})",
                    wanted.join("; ")
                )
            }
            Undo::RestoreBoundary { user, arn } => format!(
                "permissions boundary of {user} as this run set it (it was {})",
                arn.as_deref().unwrap_or("none")
            ),
        }
    }

    /// Runs the reversal. Something already gone counts as undone.
    async fn run(&self, api: &impl Iam) -> Result<(), String> {
        let result = match self {
            Undo::DeleteUser { user, .. } => api.delete_user(user).await,
            Undo::RemoveUserFromGroup { user, group } => {
                api.remove_user_from_group(group, user).await
            }
            Undo::DeleteLoginProfile { user, .. } => delete_login_profile(api, user).await,
            Undo::DeleteVirtualMfaDevice { serial } => api.delete_virtual_mfa_device(serial).await,
            Undo::DeactivateMfaDevice { user, serial } => {
                api.deactivate_mfa_device(user, serial).await
            }
            Undo::AddUserToGroup { user, group } => api.add_user_to_group(group, user).await,
            Undo::RestoreTags { user, tags, added } => restore_tags(api, user, tags, added).await,
            Undo::RestoreBoundary { user, arn } => match arn {
                Some(arn) => api.put_user_permissions_boundary(user, arn).await,
                None => api.delete_user_permissions_boundary(user).await,
            },
            Undo::DeleteAccessKeysBut { user, keep } => match api.list_access_keys(user).await {
                Ok(keys) => {
                    let mut deleted = Ok(());
                    for key in keys.iter().filter(|k| k.id != *keep) {
                        deleted = deleted.and(api.delete_access_key(user, &key.id).await);
                    }
                    deleted
                }
                Err(err) => Err(err),
            },
            Undo::ReactivateAccessKey { user, key_id } => {
                api.update_access_key_status(user, key_id, true).await
            }
            Undo::RemoveFile { path } => {
                return match std::fs::remove_file(path) {
                    Err(err) if err.kind() != std::io::ErrorKind::NotFound => Err(err.to_string()),
                    _ => Ok(()),
                };
            }
        };
        match result {
            Err(err) if !err.is(AwsErrorKind::NotFound) => Err(err.to_string()),
            _ => Ok(()),
        }
    }
}

/// Puts back the tags a change replaced and removes the keys it added, as far as they differ
/// now: a change that never reached AWS leaves nothing to restore, and no call is made for it.
async fn restore_tags(
    api: &impl Iam,
    user: &str,
    tags: &[(String, String)],
    added: &[String],
) -> AwsResult<()> {
    let Some(now) = api.get_user(user).await? else {
        return Ok(());
    };
    let keys: Vec<&str> = added
        .iter()
        .map(String::as_str)
        .filter(|key| now.tag(key).is_some())
        .collect();
    if !keys.is_empty() {
        api.untag_user(user, &keys).await?;
    }
    let changed: Vec<(String, String)> = tags
        .iter()
        .filter(|(key, value)| now.tag(key) != Some(value.as_str()))
        .cloned()
        .collect();
    if changed.is_empty() {
        Ok(())
    } else {
        api.tag_user(user, &changed).await
    }
}

/// What a rollback did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RollbackReport {
    /// Undone, in the order they were undone.
    pub(crate) undone: Vec<String>,
    /// Left behind, each with the reason its undo failed.
    pub(crate) leftovers: Vec<String>,
}

/// Reversals of this run's changes, in the order the changes were made. Changes made at once
/// (in concurrent lanes) record through a shared reference.
#[derive(Debug, Default)]
pub(crate) struct UndoLog {
    /// `None` where a change certainly did not happen.
    entries: Mutex<Vec<Option<Undo>>>,
}

/// An entry of the log, to forget when its change certainly did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Recorded(usize);

impl UndoLog {
    pub(crate) fn new() -> Self {
        UndoLog::default()
    }

    pub(crate) fn record(&self, undo: Undo) -> Recorded {
        let mut entries = self.entries.lock().expect("not poisoned");
        entries.push(Some(undo));
        Recorded(entries.len() - 1)
    }

    /// Drops an entry: its change certainly did not happen.
    pub(crate) fn forget(&self, recorded: Recorded) {
        self.entries.lock().expect("not poisoned")[recorded.0] = None;
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries
            .lock()
            .expect("not poisoned")
            .iter()
            .all(Option::is_none)
    }

    /// Undoes everything, newest first. A failed undo does not stop the others: every leftover
    /// is reported.
    pub(crate) async fn roll_back(self, api: &impl Iam) -> RollbackReport {
        let mut report = RollbackReport::default();
        let entries = self.entries.into_inner().expect("not poisoned");
        for undo in entries.into_iter().flatten().rev() {
            tracing::info!(%undo, "undoing");
            match undo.run(api).await {
                Ok(()) => report.undone.push(undo.to_string()),
                Err(reason) => report.leftovers.push(format!("{} ({reason})", undo.left())),
            }
        }
        report
    }
}
