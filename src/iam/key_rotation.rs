//! `rotate-key`: an IAM user's access key replaced without cutting off what uses it, over
//! runs. The first run makes the new key, delivered like a password (a new 0600 file, or shown
//! once on the terminal; the secret in the JSON output only with `--show-secret`), and records
//! the key it replaces in the tag `iam-onboard:rotating`. A later run deactivates the old key
//! once the new one has been used (GetAccessKeyLastUsed) or the grace has passed since it was
//! made; a run after that deletes the old key and the tag. AWS allows two keys: a user holding
//! two without a rotation under way is refused. `plan_rotation` decides from what was read
//! (pure).

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

/// A validated `rotate-key` request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RotateKeyRequest {
    pub(crate) user_name: String,
    /// Where the new key goes (a new file); without it, the run that makes the key shows it on
    /// the terminal, or is refused off one.
    pub(crate) key_file: Option<PathBuf>,
    /// How long the old key stays active when the new one is not seen in use.
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
    /// The new key is in use (or the grace has passed): deactivate `old`.
    Deactivate {
        old: String,
        new: String,
        why: String,
    },
    /// `old` is inactive: delete it and end the rotation.
    Delete { old: String },
    /// The rotation's old key is gone already: end it.
    Finish,
    /// The new key is neither used nor past the grace: nothing yet.
    Wait { new: String, until: u64 },
}

/// The rotation's next step for the user's keys and rotation tag at `now`.
pub(crate) fn plan_rotation(
    user: &str,
    keys: &[ReadKey],
    rotating: Option<&str>,
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
    if !old.key.active {
        return Ok(RotationStep::Delete {
            old: old_id.to_string(),
        });
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
            return Ok(RotationStep::Wait {
                new: new.key.id.clone(),
                until,
            });
        }
    };
    Ok(RotationStep::Deactivate {
        old: old_id.to_string(),
        new: new.key.id.clone(),
        why,
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
            RotationStep::Deactivate { old, why, .. } => vec![format!(
                "iam:UpdateAccessKey UserName={user} AccessKeyId={old} Status=Inactive ({why})"
            )],
            RotationStep::Delete { old } => vec![
                format!("iam:DeleteAccessKey UserName={user} AccessKeyId={old}"),
                format!("iam:UntagUser UserName={user} TagKeys=[{ROTATING_TAG}]"),
            ],
            RotationStep::Finish => {
                vec![format!(
                    "iam:UntagUser UserName={user} TagKeys=[{ROTATING_TAG}]"
                )]
            }
            RotationStep::Wait { .. } => Vec::new(),
        }
    }
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
            self.clock.unix_now(),
            self.request.grace_secs,
        )?;
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
            done: matches!(step, RotationStep::Wait { .. }),
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
                        undo.record(Undo::RestoreTags {
                            user: name.clone(),
                            tags: Vec::new(),
                            added: vec![ROTATING_TAG.to_string()],
                        });
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
                    RotationStep::Deactivate { old, .. } => {
                        undo.record(Undo::ReactivateAccessKey {
                            user: name.clone(),
                            key_id: old.clone(),
                        });
                        api.update_access_key_status(name, old, false).await?;
                        Ok(Rotated { new_key: None })
                    }
                    RotationStep::Delete { old } => {
                        api.delete_access_key(name, old).await?;
                        api.untag_user(name, &[ROTATING_TAG]).await?;
                        Ok(Rotated { new_key: None })
                    }
                    RotationStep::Finish => {
                        api.untag_user(name, &[ROTATING_TAG]).await?;
                        Ok(Rotated { new_key: None })
                    }
                    RotationStep::Wait { .. } => Ok(Rotated { new_key: None }),
                }
            },
            interrupted,
        )
        .await
    }
}

#[cfg(test)]
mod tests;
