//! What offboarding does to each permission set the person can start sessions from, and a move
//! to each set of the access it removes: add their deny entry (see `revoke`) and re-provision
//! the set, find it done by an earlier run, or leave the set (one this tool does not manage) and
//! say until when its sessions may last. A set whose entries no longer fit its size limit gets
//! AWS's revocation of every older session instead (see `revoke`): the person's sessions are cut
//! all the same.

use crate::aws::{PermissionSetSpec, Sso};
use crate::clock::{Clock, rfc3339};
use crate::error::Error;
use crate::quotas::PERMISSION_SET_INLINE_POLICY;
use crate::revoke::{Fitted, Revocations, session_seconds};
use crate::sso::operations::Patience;
use crate::sso::permission_set::{MAX_DESCRIBES_AT_ONCE, PERMISSION_SET_MARKER, reprovision};
use futures_util::future::{join_all, try_join_all};
use serde_json::Value;

/// Writes of one set's policy before giving up when concurrent writes keep losing the entry.
const WRITE_ATTEMPTS: usize = 5;

/// A permission set the person can start sessions from, and what offboarding does to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SetRevocation {
    pub(crate) arn: String,
    pub(crate) name: String,
    pub(crate) session_secs: u64,
    pub(crate) step: RevokeStep,
}

/// What offboarding does to one permission set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RevokeStep {
    /// The person's deny entry is added and the set re-provisioned; `older_sessions` when the
    /// entries do not fit and every session issued before now is denied instead.
    Add { older_sessions: bool },
    /// An earlier run added the entry at this time (Unix seconds): nothing to do.
    Done { at: u64 },
    /// The set is not edited: sessions from it may last until `until` (Unix seconds).
    Left { until: u64, why: String },
}

impl SetRevocation {
    /// The change a real run makes, for the plan; `None` when there is none.
    pub(crate) fn planned(&self, user_id: &str) -> Option<String> {
        let RevokeStep::Add { older_sessions } = self.step else {
            return None;
        };
        let older = if older_sessions {
            " and, the entries being full, every session issued before now (aws:TokenIssueTime; the others assigned sign in again)"
        } else {
            ""
        };
        Some(format!(
            "sso:PutInlinePolicyToPermissionSet {} ({}): deny identitystore:userId {user_id}{older}, then sso:ProvisionPermissionSet to its accounts",
            self.name, self.arn
        ))
    }

    /// Whether a real run writes this set's policy.
    pub(crate) fn adds(&self) -> bool {
        matches!(self.step, RevokeStep::Add { .. })
    }

    /// For the report: why and until when sessions from this set may go on.
    pub(crate) fn left_open(&self) -> Option<String> {
        match &self.step {
            RevokeStep::Left { until, why } => Some(format!(
                "sessions from permission set {} ({}) may last until {}: {why}",
                self.name,
                self.arn,
                rfc3339(*until)
            )),
            _ => None,
        }
    }
}

/// What a permission set is like, read for the decision.
struct SetSeen {
    arn: String,
    spec: PermissionSetSpec,
    policy: Option<Value>,
}

/// Reads each permission set the person can start sessions from (ten at a time) and decides
/// what offboarding does to it.
pub(crate) async fn plan_revocations(
    api: &impl Sso,
    instance_arn: &str,
    set_arns: &[String],
    user_id: &str,
    now: u64,
    revoke_unmanaged: bool,
) -> Result<Vec<SetRevocation>, Error> {
    let mut decided = Vec::new();
    for batch in set_arns.chunks(MAX_DESCRIBES_AT_ONCE) {
        let seen = try_join_all(batch.iter().map(|arn| async move {
            let (spec, policy) = tokio::try_join!(
                api.describe_permission_set(instance_arn, arn),
                api.get_inline_policy(instance_arn, arn),
            )?;
            Ok(SetSeen {
                arn: arn.clone(),
                spec,
                policy,
            })
        }))
        .await
        .map_err(Error::from_aws)?;
        decided.extend(
            seen.iter()
                .map(|set| decide(set, user_id, now, revoke_unmanaged)),
        );
    }
    Ok(decided)
}

fn decide(set: &SetSeen, user_id: &str, now: u64, revoke_unmanaged: bool) -> SetRevocation {
    let session_secs = session_seconds(&set.spec.session_duration);
    let revocation = |step| SetRevocation {
        arn: set.arn.clone(),
        name: set.spec.name.clone(),
        session_secs,
        step,
    };
    let left = |why: String| {
        revocation(RevokeStep::Left {
            until: now.saturating_add(session_secs),
            why,
        })
    };
    if !set.spec.description.starts_with(PERMISSION_SET_MARKER) && !revoke_unmanaged {
        return left(
            "not managed by iam-onboard, so not edited (--revoke-unmanaged edits it too)"
                .to_string(),
        );
    }
    let mut entries = Revocations::read(set.policy.as_ref(), now);
    if let Some(at) = entries.fresh(user_id, now) {
        return revocation(RevokeStep::Done { at });
    }
    match written_with(
        &mut entries,
        set.policy.as_ref(),
        user_id,
        now,
        session_secs,
    ) {
        Ok(fitted) => revocation(RevokeStep::Add {
            older_sessions: fitted.older_sessions_cut.is_some(),
        }),
        Err(why) => left(why),
    }
}

/// The policy with the person's entry added and expired ones pruned, within the size limit.
fn written_with(
    entries: &mut Revocations,
    policy: Option<&Value>,
    user_id: &str,
    now: u64,
    session_secs: u64,
) -> Result<Fitted, String> {
    entries
        .fit(
            policy,
            Some(user_id),
            now,
            session_secs,
            PERMISSION_SET_INLINE_POLICY,
        )
        .map(|fitted| fitted.expect("a policy with an entry has a statement"))
}

/// How a person's entry went into a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Revoked {
    /// When the entry was added (Unix seconds).
    pub(crate) at: u64,
    /// Set when the entries did not fit: every session of the set issued before this time is
    /// denied, so the people still assigned must sign in again.
    pub(crate) older_sessions_cut: Option<u64>,
}

/// Adds the person's deny entry to the set (pruning expired ones), re-provisions it to its
/// accounts, and reads the policy again to check the entry is there; writes again when a
/// concurrent change lost it. Returns when the entry was added, or why it could not be.
pub(crate) async fn revoke_in_set(
    api: &impl Sso,
    instance_arn: &str,
    set: &SetRevocation,
    user_id: &str,
    clock: &dyn Clock,
    patience: Patience,
) -> Result<Revoked, String> {
    let mut writes = 0;
    let mut older_sessions_cut = None;
    loop {
        let now = clock.unix_now();
        let policy = api
            .get_inline_policy(instance_arn, &set.arn)
            .await
            .map_err(|err| err.to_string())?;
        let mut entries = Revocations::read(policy.as_ref(), now);
        if writes > 0
            && let Some(at) = entries.fresh(user_id, now)
        {
            return Ok(Revoked {
                at,
                older_sessions_cut,
            });
        }
        if writes == WRITE_ATTEMPTS {
            return Err(format!(
                "the deny entry was lost to concurrent changes of the policy {WRITE_ATTEMPTS} times"
            ));
        }
        let written = written_with(
            &mut entries,
            policy.as_ref(),
            user_id,
            now,
            set.session_secs,
        )?;
        older_sessions_cut = written.older_sessions_cut.or(older_sessions_cut);
        api.put_inline_policy(instance_arn, &set.arn, &written.policy.to_string())
            .await
            .map_err(|err| err.to_string())?;
        reprovision(api, instance_arn, &set.arn, patience)
            .await
            .map_err(|err| err.to_string())?;
        writes += 1;
    }
}

/// The sets whose step adds the person's entry, each written at once (`revoke_in_set`): those
/// done with how, and those that could not be with why (`permission set NAME (ARN): why`).
pub(crate) async fn revoke_in_sets<'a>(
    api: &impl Sso,
    instance_arn: &str,
    revocations: &'a [SetRevocation],
    user_id: &str,
    clock: &dyn Clock,
    patience: Patience,
) -> (Vec<(&'a SetRevocation, Revoked)>, Vec<String>) {
    let adding = revocations.iter().filter(|set| set.adds());
    let added = join_all(adding.map(|set| async move {
        let result = revoke_in_set(api, instance_arn, set, user_id, clock, patience).await;
        (set, result)
    }))
    .await;
    let mut done = Vec::new();
    let mut failed = Vec::new();
    for (set, result) in added {
        match result {
            Ok(revoked) => done.push((set, revoked)),
            Err(why) => failed.push(format!("permission set {} ({}): {why}", set.name, set.arn)),
        }
    }
    (done, failed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revoke::Revocations;
    use crate::revoke::tests::policy_with;

    const HOUR: u64 = 3600;
    const T0: u64 = 1_795_846_800;

    fn seen(description: &str, policy: Option<Value>) -> SetSeen {
        SetSeen {
            arn: "arn:ps".to_string(),
            spec: PermissionSetSpec {
                name: "developer".to_string(),
                description: description.to_string(),
                session_duration: "PT4H".to_string(),
            },
            policy,
        }
    }

    #[test]
    fn unmanaged_sets_are_left_unless_asked_and_say_until_when() {
        let unmanaged = seen("the platform team's", None);
        let left = decide(&unmanaged, "id-a", T0, false);
        assert_eq!(
            left.step,
            RevokeStep::Left {
                until: T0 + 4 * HOUR,
                why: "not managed by iam-onboard, so not edited (--revoke-unmanaged edits it too)"
                    .to_string()
            }
        );
        assert!(
            left.left_open()
                .unwrap()
                .contains("may last until 2026-11-28T10:20:00Z")
        );
        assert_eq!(left.planned("id-a"), None);
        assert_eq!(
            decide(&unmanaged, "id-a", T0, true).step,
            RevokeStep::Add {
                older_sessions: false
            }
        );
    }

    #[test]
    fn a_fresh_entry_is_done_and_an_old_one_is_added_again() {
        let mut entries = Revocations::default();
        entries.add("id-a", T0);
        let set = seen("[iam-onboard] dev", Some(policy_with(&entries)));
        assert_eq!(
            decide(&set, "id-a", T0 + 60, false).step,
            RevokeStep::Done { at: T0 }
        );
        assert_eq!(
            decide(&set, "id-a", T0 + 2 * HOUR, false).step,
            RevokeStep::Add {
                older_sessions: false
            },
            "a return and a second offboarding: the entry counts from now"
        );
    }

    #[test]
    fn entries_that_no_longer_fit_give_way_to_revoking_every_older_session() {
        let mut entries = Revocations::default();
        for n in 0..500 {
            entries.add(&format!("{n:010}-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"), T0);
        }
        let set = seen("[iam-onboard] dev", Some(policy_with(&entries)));
        let step = decide(&set, "id-new", T0 + 60, false).step;
        assert_eq!(
            step,
            RevokeStep::Add {
                older_sessions: true
            }
        );
        let planned = SetRevocation {
            arn: "arn:ps".to_string(),
            name: "developer".to_string(),
            session_secs: 4 * HOUR,
            step,
        }
        .planned("id-new")
        .unwrap();
        assert!(planned.contains("aws:TokenIssueTime"), "{planned}");
        assert_eq!(
            decide(&set, "id-new", T0 + 5 * HOUR, false).step,
            RevokeStep::Add {
                older_sessions: false
            },
            "once the old entries have expired, they make room"
        );
    }
}
