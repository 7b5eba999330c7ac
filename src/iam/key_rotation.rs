//! `rotate-key`: an IAM user's access key replaced without cutting off what uses it, over
//! runs. The first run makes the new key, delivered like a password (a new 0600 file, or shown
//! once on the terminal; the secret in the JSON output only with `--show-secret`), and records
//! the key it replaces in the tag `iam-onboard:rotating`. A later run deactivates the old key
//! once the new one has been used (GetAccessKeyLastUsed) or the grace has passed since it was
//! made, and records when in `iam-onboard:rotating-deactivated`; a run once the old key has
//! been inactive for the grace too deletes it and the tags (until then it can be made active
//! again by hand). AWS allows two keys: a user holding two without a rotation under way is
//! refused. `plan_rotation` decides from what was read (pure).

use crate::aws::{AccessKey, CallerIdentity, Iam, UserInfo};
use crate::clock::{Clock, parse_rfc3339, rfc3339};
use crate::error::{Error, InputError};
use crate::iam::apply::{Failure, rolling_back};
use crate::iam::undo::{Undo, UndoLog};
use crate::operation::{Operation, Prepared, existing_user};
use crate::protect::Protected;
use crate::secret::Secret;
use futures_util::future::try_join_all;
use std::path::PathBuf;

/// The tag naming the key a rotation replaces.
pub(crate) const ROTATING_TAG: &str = "iam-onboard:rotating";
/// The tag recording when the rotation deactivated the old key (RFC 3339).
pub(crate) const DEACTIVATED_TAG: &str = "iam-onboard:rotating-deactivated";

/// A validated `rotate-key` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RotateKeyRequest {
    pub(crate) user_name: String,
    /// Where the new key goes (a new file); without it, the run that makes the key shows it on
    /// the terminal, or is refused off one.
    pub(crate) key_file: Option<PathBuf>,
    /// How long the old key stays active when the new one is not seen in use, and then how
    /// long it stays inactive before it is deleted.
    pub(crate) grace_secs: u64,
}

impl RotateKeyRequest {
    /// The one constructor: the user name, and the key file, which must not exist yet.
    pub(crate) fn new(
        user_name: String,
        key_file: Option<PathBuf>,
        grace_hours: u64,
    ) -> Result<Self, InputError> {
        crate::names::validate_user_name(&user_name)?;
        if let Some(path) = &key_file {
            crate::iam::request::must_be_new("--key-file", path)?;
        }
        Ok(RotateKeyRequest {
            user_name,
            key_file,
            grace_secs: grace_hours.saturating_mul(3600),
        })
    }
}

/// A key as read: its state and when it was last used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReadKey {
    pub(crate) key: AccessKey,
    pub(crate) last_used: Option<String>,
}

/// What this run of the rotation does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RotationStep {
    /// Make the new key and record `old` as the one it replaces.
    Create { old: String },
    /// The new key is in use (or the grace has passed): deactivate `old`, recording `at`.
    Deactivate {
        old: String,
        new: String,
        why: String,
        at: u64,
    },
    /// `old` has been inactive for the grace (or was deactivated by hand): delete it and end
    /// the rotation.
    Delete { old: String },
    /// The rotation's old key is gone already: end it.
    Finish,
    /// The new key is neither used nor past the grace: nothing yet.
    WaitForUse { new: String, until: u64 },
    /// `old` was deactivated by this rotation and may still be made active again by hand if
    /// something needs it: deleted from `until`.
    WaitToDelete { old: String, until: u64 },
}

/// The rotation's next step for the user's keys and rotation tags at `now`: `rotating`, the
/// key being replaced; `deactivated`, when this rotation deactivated it.
pub(crate) fn plan_rotation(
    user: &str,
    keys: &[ReadKey],
    rotating: Option<&str>,
    deactivated: Option<u64>,
    now: u64,
    grace_secs: u64,
) -> Result<RotationStep, InputError> {
    let refuse = |reason: String| Err(InputError::new("<USERNAME>", reason));
    let Some(old_id) = rotating else {
        return match keys {
            [] => refuse(format!("{user} has no access key to rotate")),
            [only] if !only.key.active => refuse(format!(
                "{user}'s only key {} is inactive: delete it (aws iam delete-access-key) instead of rotating it",
                only.key.id
            )),
            [only] => Ok(RotationStep::Create {
                old: only.key.id.clone(),
            }),
            _ => refuse(format!(
                "{user} holds two access keys, as many as AWS allows: find the one in use (aws iam get-access-key-last-used), deactivate and delete the other, then rotate"
            )),
        };
    };
    let Some(old) = keys.iter().find(|k| k.key.id == old_id) else {
        return Ok(RotationStep::Finish);
    };
    match (old.key.active, deactivated) {
        // Within the grace, a key read as active may be a read from before the deactivation
        // settled, or one made active again by hand: either way, nothing to do yet.
        (_, Some(at)) if now < at.saturating_add(grace_secs) => {
            return Ok(RotationStep::WaitToDelete {
                old: old_id.to_string(),
                until: at.saturating_add(grace_secs),
            });
        }
        (false, _) => {
            return Ok(RotationStep::Delete {
                old: old_id.to_string(),
            });
        }
        (true, Some(at)) => {
            return refuse(format!(
                "{user}'s old key {old_id} is active again since this rotation deactivated it {}: once nothing uses it, deactivate it (aws iam update-access-key --status Inactive) and run rotate-key again, which deletes it after the grace",
                rfc3339(at)
            ));
        }
        (true, None) => {}
    }
    let Some(new) = keys.iter().find(|k| k.key.id != old_id) else {
        return refuse(format!(
            "{user}'s rotation of {old_id} has no new key (deleted by hand?): remove the tag {ROTATING_TAG} and rotate again"
        ));
    };
    let made = new.key.created.as_deref().and_then(parse_rfc3339);
    let until = made.map_or(now, |made| made.saturating_add(grace_secs));
    let why = match (&new.last_used, now >= until) {
        (Some(used), _) => format!("the new key was used {used}"),
        (None, true) => format!("the grace ended {}", rfc3339(until)),
        (None, false) => {
            return Ok(RotationStep::WaitForUse {
                new: new.key.id.clone(),
                until,
            });
        }
    };
    Ok(RotationStep::Deactivate {
        old: old_id.to_string(),
        new: new.key.id.clone(),
        why,
        at: now,
    })
}

impl RotationStep {
    /// The step in the words of its API calls, for the plan and the dry run; `secret_to`: where
    /// a new key's secret goes.
    pub(crate) fn changes(&self, user: &str, secret_to: &str) -> Vec<String> {
        match self {
            RotationStep::Create { old } => vec![
                format!("iam:TagUser UserName={user} Tags=[{ROTATING_TAG}={old}]"),
                format!(
                    "iam:CreateAccessKey UserName={user} (the secret goes to {secret_to}; {old} stays active until the new key is used)"
                ),
            ],
            RotationStep::Deactivate { old, why, at, .. } => vec![
                format!(
                    "iam:UpdateAccessKey UserName={user} AccessKeyId={old} Status=Inactive ({why})"
                ),
                format!(
                    "iam:TagUser UserName={user} Tags=[{DEACTIVATED_TAG}={}]",
                    rfc3339(*at)
                ),
            ],
            RotationStep::Delete { old } => vec![
                format!("iam:DeleteAccessKey UserName={user} AccessKeyId={old}"),
                untag_rotation(user),
            ],
            RotationStep::Finish => vec![untag_rotation(user)],
            RotationStep::WaitForUse { .. } | RotationStep::WaitToDelete { .. } => Vec::new(),
        }
    }
}

/// The call that ends a rotation: its tags removed.
fn untag_rotation(user: &str) -> String {
    format!("iam:UntagUser UserName={user} TagKeys=[{ROTATING_TAG}, {DEACTIVATED_TAG}]")
}

/// What prepare found: the user and the step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RotationPlan {
    pub(crate) user: UserInfo,
    pub(crate) step: RotationStep,
}

/// What a run did.
#[derive(Debug)]
pub(crate) struct Rotated {
    /// The new key's id and secret, when this run made it.
    pub(crate) new_key: Option<(String, Secret)>,
}

/// Shows a new key's credentials section once, on the terminal.
pub(crate) type ShowKey<'a> = &'a dyn Fn(&Secret) -> std::io::Result<()>;

/// `rotate-key`, as the command runs it.
pub(crate) struct RotateKey<'a, A> {
    pub(crate) api: &'a A,
    pub(crate) request: &'a RotateKeyRequest,
    pub(crate) clock: &'a dyn Clock,
    /// Where a new key goes without a key file: the terminal the command runs on, if any.
    pub(crate) terminal: Option<ShowKey<'a>>,
}

/// The new key as an AWS credentials file section, the profile named after the user.
fn credentials_section(user: &str, id: &str, secret: &Secret) -> Secret {
    Secret::new(format!(
        "[{user}]\naws_access_key_id = {id}\naws_secret_access_key = {}\n",
        secret.expose()
    ))
}

impl<A: Iam> Operation for RotateKey<'_, A> {
    type Plan = RotationPlan;
    type Done = Rotated;

    async fn prepare(&self, protected: &Protected) -> Result<Prepared<RotationPlan>, Error> {
        let name = &self.request.user_name;
        let (caller, found, keys): (CallerIdentity, Option<UserInfo>, Vec<AccessKey>) =
            tokio::try_join!(
                self.api.get_caller_identity(),
                self.api.get_user(name),
                async {
                    match self.api.list_access_keys(name).await {
                        Err(err) if err.is(crate::aws::AwsErrorKind::NotFound) => Ok(Vec::new()),
                        other => other,
                    }
                }
            )
            .map_err(Error::from_aws)?;
        let user = existing_user(protected, &caller, name, found, |user| user)?;
        let read = try_join_all(keys.into_iter().map(|key| async {
            let last_used = self.api.get_access_key_last_used(&key.id).await?;
            Ok::<_, crate::aws::AwsError>(ReadKey { key, last_used })
        }))
        .await
        .map_err(Error::from_aws)?;
        let step = plan_rotation(
            name,
            &read,
            user.tag(ROTATING_TAG),
            user.tag(DEACTIVATED_TAG).and_then(parse_rfc3339),
            self.clock.unix_now(),
            self.request.grace_secs,
        )?;
        let tagging: &[&str] = match step {
            RotationStep::Create { .. } => &[ROTATING_TAG],
            RotationStep::Deactivate { .. } => &[DEACTIVATED_TAG],
            _ => &[],
        };
        crate::names::check_room_for_tags(name, &user.tags, tagging)?;
        let secret_to = match (&self.request.key_file, self.terminal) {
            (Some(path), _) => format!("the new file {}", path.display()),
            (None, Some(_)) => "this terminal, shown once".to_string(),
            (None, None) if matches!(step, RotationStep::Create { .. }) => {
                return Err(InputError::new(
                    "--key-file",
                    "this run makes the new key, and off a terminal it cannot be shown: give --key-file FILE (a new file) for its secret",
                )
                .into());
            }
            (None, None) => String::new(),
        };
        Ok(Prepared {
            caller,
            subject: user.arn.clone(),
            changes: step.changes(name, &secret_to),
            done: matches!(
                step,
                RotationStep::WaitForUse { .. } | RotationStep::WaitToDelete { .. }
            ),
            plan: RotationPlan { user, step },
        })
    }

    async fn apply(
        &mut self,
        plan: &RotationPlan,
        interrupted: impl std::future::Future<Output = ()>,
    ) -> Result<Rotated, Error> {
        let api = self.api;
        let name = &self.request.user_name;
        let key_file = self.request.key_file.clone();
        let terminal = self.terminal;
        rolling_back(
            api,
            async |undo: &UndoLog| {
                match &plan.step {
                    RotationStep::Create { old } => {
                        undo.record(Undo::tags_before(
                            name,
                            [(ROTATING_TAG, plan.user.tag(ROTATING_TAG))],
                        ));
                        api.tag_user(name, &[(ROTATING_TAG.to_string(), old.clone())])
                            .await?;
                        undo.record(Undo::DeleteAccessKeysBut {
                            user: name.clone(),
                            keep: old.clone(),
                        });
                        let (id, secret) = api.create_access_key(name).await?;
                        let section = credentials_section(name, &id, &secret);
                        match (key_file, terminal) {
                            (Some(path), _) => {
                                crate::secret::write_new_private_file(
                                    &path,
                                    section.expose().as_bytes(),
                                )
                                .map_err(|source| {
                                    Failure::File {
                                        context: format!(
                                            "writing the new key to {}",
                                            path.display()
                                        ),
                                        source,
                                    }
                                })?;
                                // Recorded once written: a file that could not be made new is
                                // not ours.
                                undo.record(Undo::RemoveFile { path });
                            }
                            (None, Some(show)) => {
                                show(&section).map_err(|source| Failure::File {
                                    context: "showing the new key on the terminal".to_string(),
                                    source,
                                })?;
                            }
                            (None, None) => unreachable!("refused in prepare"),
                        }
                        Ok(Rotated {
                            new_key: Some((id, secret)),
                        })
                    }
                    RotationStep::Deactivate { old, at, .. } => {
                        undo.record(Undo::ReactivateAccessKey {
                            user: name.clone(),
                            key_id: old.clone(),
                        });
                        api.update_access_key_status(name, old, false).await?;
                        undo.record(Undo::tags_before(
                            name,
                            [(DEACTIVATED_TAG, plan.user.tag(DEACTIVATED_TAG))],
                        ));
                        api.tag_user(name, &[(DEACTIVATED_TAG.to_string(), rfc3339(*at))])
                            .await?;
                        Ok(Rotated { new_key: None })
                    }
                    RotationStep::Delete { old } => {
                        api.delete_access_key(name, old).await?;
                        api.untag_user(name, &[ROTATING_TAG, DEACTIVATED_TAG])
                            .await?;
                        Ok(Rotated { new_key: None })
                    }
                    RotationStep::Finish => {
                        api.untag_user(name, &[ROTATING_TAG, DEACTIVATED_TAG])
                            .await?;
                        Ok(Rotated { new_key: None })
                    }
                    RotationStep::WaitForUse { .. } | RotationStep::WaitToDelete { .. } => {
                        Ok(Rotated { new_key: None })
                    }
                }
            },
            interrupted,
        )
        .await
    }
}

#[cfg(test)]
mod tests;
