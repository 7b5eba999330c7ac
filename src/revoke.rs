//! Cutting an Identity Center person's sessions already handed out, written into the
//! permission set's inline policy, which AWS evaluates on every request of every session of
//! the set. Deleting an assignment stops new sessions, but a session already issued lasts its
//! duration; the deny entry added before the assignments are deleted ends it at once. (A job
//! function role's sessions are cut with a policy of its own per person, in
//! `iam::role_sessions`, which shares the Sids and the expiry.)
//!
//! The statement (Sid `IamOnboardRevokedSessions`) denies every action on every resource when
//! `identitystore:userId` is one of the revoked ids. Beside that, under `StringNotEquals` on the
//! same key, each id is written again with the time it was added (`<id> revoked at <time>`): no
//! user id ever equals such a text, so that part never changes what is denied, and the policy
//! itself records when each entry may go. An entry is pruned once the session duration, plus a
//! margin for the removals that follow it, has passed since it was added, whenever the tool
//! next writes the policy (offboarding, or ensuring the set from its template, which keeps
//! every unexpired entry). What offboarding does to each set is in `sso::cut_sessions`.
//!
//! A permission set's inline policy holds at most 10,240 non-whitespace characters, about a
//! hundred entries beside a template's policy. When one more does not fit, the entries give
//! way to AWS's own revocation of older sessions: a second statement (Sid
//! `IamOnboardRevokedOlderSessions`) denies every session issued before that time
//! (`DateLessThan` on `aws:TokenIssueTime`). The leavers' sessions are cut with everyone's; the
//! people still assigned sign in again from the portal and go on, the leavers cannot, their
//! assignments being gone. Only the entries added within the deletion margin stay beside it
//! (their assignments may still be being deleted), or, when even they do not fit, the person
//! being offboarded alone. The statement is pruned like an entry, a session duration and the
//! margin after its time.

use crate::clock::{parse_rfc3339, rfc3339};
use crate::policy::{statements, strings};
use crate::quotas::policy_chars;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The Sid of the revoke statement in a permission set's inline policy.
pub(crate) const REVOKE_SID: &str = "IamOnboardRevokedSessions";
/// The Sid of the statement that denies every session issued before a time.
pub(crate) const REVOKE_OLDER_SID: &str = "IamOnboardRevokedOlderSessions";

/// The condition key a permission set's entries are matched on.
const USER_ID_KEY: &str = "identitystore:userId";
const TOKEN_ISSUE_TIME_KEY: &str = "aws:TokenIssueTime";
const REVOKED_AT: &str = " revoked at ";
/// How long an entry outlives the session duration: it is added before the person's
/// assignments are deleted, and a session can still start until they are gone.
pub(crate) const DELETION_MARGIN_SECS: u64 = 15 * 60;
/// The longest session Identity Center allows, assumed for a duration that cannot be read.
const LONGEST_SESSION_SECS: u64 = 12 * 3600;

/// The people revoked from one permission set: identity-store user id → when the entry was
/// added (Unix seconds); and, once the entries have overflowed, the time before which every
/// session is denied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Revocations {
    entries: BTreeMap<String, u64>,
    older_than: Option<u64>,
}

/// A policy with the revocations written into it, within the size limit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fitted {
    pub(crate) policy: Value,
    /// Set when the entries did not fit: every session issued before this time (Unix
    /// seconds) is denied, so the people still assigned must sign in again.
    pub(crate) older_sessions_cut: Option<u64>,
}

impl Revocations {
    /// The entries in a permission set's inline policy. An id without its time (a statement
    /// edited by hand) counts as added `now`, so it is kept a whole session duration.
    pub(crate) fn read(policy: Option<&Value>, now: u64) -> Self {
        let older_than = policy
            .and_then(|p| find_statement(p, REVOKE_OLDER_SID))
            .and_then(|s| s["Condition"]["DateLessThan"][TOKEN_ISSUE_TIME_KEY].as_str())
            .map(|at| parse_rfc3339(at).unwrap_or(now));
        let Some(statement) = policy.and_then(|p| find_statement(p, REVOKE_SID)) else {
            return Revocations {
                entries: BTreeMap::new(),
                older_than,
            };
        };
        let condition = &statement["Condition"];
        let times: BTreeMap<&str, u64> = strings(&condition["StringNotEquals"][USER_ID_KEY])
            .into_iter()
            .filter_map(|note| {
                let (id, at) = note.split_once(REVOKED_AT)?;
                Some((id, parse_rfc3339(at)?))
            })
            .collect();
        Revocations {
            entries: strings(&condition["StringEquals"][USER_ID_KEY])
                .into_iter()
                .map(|id| (id.to_string(), times.get(id).copied().unwrap_or(now)))
                .collect(),
            older_than,
        }
    }

    /// When the person's entry was added, if there is one.
    pub(crate) fn revoked_at(&self, user_id: &str) -> Option<u64> {
        self.entries.get(user_id).copied()
    }

    /// When every session issued before it was denied, if the entries have overflowed.
    #[cfg(test)]
    pub(crate) fn older_than(&self) -> Option<u64> {
        self.older_than
    }

    /// The entry added within the deletion margin before `now`: one this offboarding (or a run
    /// of it moments ago) wrote, which needs no refresh.
    pub(crate) fn fresh(&self, user_id: &str, now: u64) -> Option<u64> {
        self.revoked_at(user_id)
            .filter(|at| now < at.saturating_add(DELETION_MARGIN_SECS))
    }

    /// Adds the person's entry, or moves an older one to `now`: sessions they started since
    /// (after a return) must stay denied a whole session duration from now.
    pub(crate) fn add(&mut self, user_id: &str, now: u64) {
        self.entries.insert(user_id.to_string(), now);
    }

    /// Drops the entries whose sessions have all expired by `now`, and the older-sessions
    /// statement once every session it denies has; returns the ids dropped.
    pub(crate) fn prune(&mut self, now: u64, session_secs: u64) -> Vec<String> {
        let expired: Vec<String> = self
            .entries
            .iter()
            .filter(|(_, at)| expiry(**at, session_secs) <= now)
            .map(|(id, _)| id.clone())
            .collect();
        for id in &expired {
            self.entries.remove(id);
        }
        self.older_than = self.older_than.filter(|at| now < expiry(*at, session_secs));
        expired
    }

    /// `policy` with these revocations (expired ones pruned, and `adding`'s entry added at
    /// `now`) within `limit` non-whitespace characters. When the entries do not fit, every
    /// session issued before `now` is denied instead, and only the entries added within the
    /// deletion margin are kept (their assignments may still be being deleted), or, when even
    /// those do not fit, `adding`'s alone. Refused only when the policy itself leaves no room.
    pub(crate) fn fit(
        &mut self,
        policy: Option<&Value>,
        adding: Option<&str>,
        now: u64,
        session_secs: u64,
        limit: usize,
    ) -> Result<Option<Fitted>, String> {
        self.prune(now, session_secs);
        if let Some(id) = adding {
            self.add(id, now);
        }
        let fits = |written: &Option<Value>| {
            written
                .as_ref()
                .is_none_or(|p| policy_chars(&p.to_string()) <= limit)
        };
        let written = self.written_into(policy);
        if fits(&written) {
            return Ok(written.map(|policy| Fitted {
                policy,
                older_sessions_cut: None,
            }));
        }
        self.older_than = Some(now);
        self.entries.retain(|id, at| {
            Some(id.as_str()) == adding || now < at.saturating_add(DELETION_MARGIN_SECS)
        });
        let mut written = self.written_into(policy);
        if !fits(&written) {
            self.entries.retain(|id, _| Some(id.as_str()) == adding);
            written = self.written_into(policy);
        }
        match written {
            Some(policy) if fits(&Some(policy.clone())) => Ok(Some(Fitted {
                policy,
                older_sessions_cut: Some(now),
            })),
            written => Err(format!(
                "even with every older session revoked at once, the inline policy would be {} non-whitespace characters; {limit} are left for it",
                written.map_or(0, |p| policy_chars(&p.to_string()))
            )),
        }
    }

    /// Until when each listed person stays denied.
    pub(crate) fn denied_until(&self, session_secs: u64) -> BTreeMap<String, u64> {
        self.entries
            .iter()
            .map(|(id, at)| (id.clone(), expiry(*at, session_secs)))
            .collect()
    }

    /// `policy` with these entries as its revoke statement, in place of any earlier one, and
    /// none when there are no entries. `None` when that leaves no policy at all.
    pub(crate) fn written_into(&self, policy: Option<&Value>) -> Option<Value> {
        let mut kept: Vec<Value> = policy
            .map(without_revocations)
            .map(|p| statements(&p).into_iter().cloned().collect())
            .unwrap_or_default();
        if !self.entries.is_empty() {
            kept.push(self.statement());
        }
        if let Some(at) = self.older_than {
            kept.push(json!({
                "Sid": REVOKE_OLDER_SID,
                "Effect": "Deny",
                "Action": "*",
                "Resource": "*",
                "Condition": { "DateLessThan": { TOKEN_ISSUE_TIME_KEY: rfc3339(at) } },
            }));
        }
        if kept.is_empty() && policy.is_none() {
            return None;
        }
        let version = policy
            .and_then(|p| p.get("Version").cloned())
            .unwrap_or_else(|| json!("2012-10-17"));
        Some(json!({ "Version": version, "Statement": kept }))
    }

    fn statement(&self) -> Value {
        let key = USER_ID_KEY;
        let ids: Vec<&String> = self.entries.keys().collect();
        let notes: Vec<String> = self
            .entries
            .iter()
            .map(|(id, at)| format!("{id}{REVOKED_AT}{}", rfc3339(*at)))
            .collect();
        json!({
            "Sid": REVOKE_SID,
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {
                "StringEquals": { key: ids },
                "StringNotEquals": { key: notes },
            },
        })
    }
}

/// When the sessions of a person revoked at `at` have all expired.
pub(crate) fn expiry(at: u64, session_secs: u64) -> u64 {
    at.saturating_add(session_secs)
        .saturating_add(DELETION_MARGIN_SECS)
}

/// The policy without its revoke statement: what a template's design is compared with.
pub(crate) fn without_revocations(policy: &Value) -> Value {
    let mut policy = policy.clone();
    match &mut policy["Statement"] {
        Value::Array(items) => items.retain(|s| !is_revoke_statement(s)),
        single if is_revoke_statement(single) => *single = Value::Array(Vec::new()),
        _ => {}
    }
    policy
}

fn is_revoke_statement(statement: &Value) -> bool {
    statement["Sid"]
        .as_str()
        .is_some_and(|sid| sid.starts_with(REVOKE_SID) || sid == REVOKE_OLDER_SID)
}

fn find_statement<'a>(policy: &'a Value, sid: &str) -> Option<&'a Value> {
    statements(policy).into_iter().find(|s| s["Sid"] == sid)
}

/// An ISO 8601 session duration (`PT8H`, `PT1H30M`) in seconds; the longest Identity Center
/// allows when it cannot be read, so an entry is never pruned too early.
pub(crate) fn session_seconds(duration: &str) -> u64 {
    let Some(mut rest) = duration.strip_prefix("PT") else {
        return LONGEST_SESSION_SECS;
    };
    let mut total = 0u64;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (number, unit) = rest.split_at(digits);
        let Ok(number) = number.parse::<u64>() else {
            return LONGEST_SESSION_SECS;
        };
        let scale = match unit.chars().next() {
            Some('H') => 3600,
            Some('M') => 60,
            Some('S') => 1,
            _ => return LONGEST_SESSION_SECS,
        };
        total = total.saturating_add(number.saturating_mul(scale));
        rest = &unit[1..];
    }
    if total == 0 {
        LONGEST_SESSION_SECS
    } else {
        total
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    const HOUR: u64 = 3600;
    const T0: u64 = 1_795_846_800;

    /// A template's policy with `entries` written into it.
    pub(crate) fn policy_with(entries: &Revocations) -> Value {
        let template = json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        ]});
        entries.written_into(Some(&template)).unwrap()
    }

    #[test]
    fn the_statement_denies_the_listed_ids_and_records_when_each_was_added() {
        let mut entries = Revocations::default();
        entries.add("id-b", T0 + HOUR);
        entries.add("id-a", T0);
        let policy = policy_with(&entries);
        let statement = &policy["Statement"][1];
        assert_eq!(statement["Sid"], REVOKE_SID);
        assert_eq!(statement["Effect"], "Deny");
        assert_eq!(statement["Action"], "*");
        assert_eq!(statement["Resource"], "*");
        assert_eq!(
            statement["Condition"]["StringEquals"][USER_ID_KEY],
            json!(["id-a", "id-b"])
        );
        assert_eq!(
            statement["Condition"]["StringNotEquals"][USER_ID_KEY],
            json!([
                "id-a revoked at 2026-11-28T06:20:00Z",
                "id-b revoked at 2026-11-28T07:20:00Z"
            ])
        );
        assert_eq!(policy["Statement"][0]["Action"], "s3:GetObject");
        assert_eq!(Revocations::read(Some(&policy), T0 + 5 * HOUR), entries);
    }

    #[test]
    fn entries_go_once_the_session_duration_and_the_margin_have_passed() {
        let mut entries = Revocations::default();
        entries.add("old", T0);
        entries.add("new", T0 + 2 * HOUR);
        let session = 8 * HOUR;
        assert!(entries.prune(T0 + session, session).is_empty());
        assert_eq!(
            entries.prune(T0 + session + DELETION_MARGIN_SECS, session),
            ["old"]
        );
        assert_eq!(entries.revoked_at("new"), Some(T0 + 2 * HOUR));
        assert_eq!(
            entries.prune(T0 + 11 * HOUR, session),
            ["new"],
            "ten hours and a quarter after it was added"
        );
        let template = json!({"Version": "2012-10-17", "Statement": []});
        assert_eq!(
            entries.written_into(Some(&template)),
            Some(template.clone()),
            "no entries, no statement"
        );
    }

    #[test]
    fn an_id_without_its_time_is_kept_a_whole_session_from_now() {
        let policy = json!({"Statement": {"Sid": REVOKE_SID, "Effect": "Deny", "Action": "*",
            "Resource": "*", "Condition": {"StringEquals": {USER_ID_KEY: "by-hand"}}}});
        let entries = Revocations::read(Some(&policy), T0);
        assert_eq!(entries.revoked_at("by-hand"), Some(T0));
        assert_eq!(
            without_revocations(&policy)["Statement"],
            json!([]),
            "a single statement object is recognised too"
        );
    }

    #[test]
    fn session_durations_are_read_in_seconds_and_the_unreadable_count_as_the_longest() {
        assert_eq!(session_seconds("PT8H"), 8 * HOUR);
        assert_eq!(session_seconds("PT1H30M"), 90 * 60);
        assert_eq!(session_seconds("PT45M10S"), 45 * 60 + 10);
        for unreadable in ["", "P1D", "PT", "PTxH", "8 hours", "PT8"] {
            assert_eq!(session_seconds(unreadable), 12 * HOUR, "{unreadable:?}");
        }
    }
}
