//! The in-memory IAM's roles as STS and IAM judge them: AssumeRole evaluated against the
//! caller's group policies and the role's trust policy (its MFA, session-name, principal-tag and
//! principal-ARN conditions, with `${aws:username}` filled in), and each call of a role session
//! evaluated against the deny statements of the role's inline policies (`aws:userid`,
//! `aws:TokenIssueTime`). Only the condition operators the tool writes are understood; any other
//! makes its statement not apply, as a refusal would for an Allow.

use super::*;
use crate::policy::{statements, strings};
use serde_json::Value;

/// A role session STS issued: the role, the session's `aws:userid`, and when it was issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RoleSession {
    pub(crate) role: String,
    pub(crate) user_id: String,
    pub(crate) issued_at: u64,
}

/// The request context of a call, as condition keys to values.
type Context = BTreeMap<String, String>;

impl MemoryIam {
    /// AssumeRole called by `user` (with MFA or not) for `role` with `session_name`, at
    /// `issued_at`: allowed only when one of the user's groups' inline policies allows
    /// `sts:AssumeRole` on the role, and the role's trust policy allows the caller with this
    /// context. The refusal says which side refused.
    pub(crate) fn assume_role(
        &self,
        user: &str,
        role: &str,
        session_name: &str,
        with_mfa: bool,
        issued_at: u64,
    ) -> Result<RoleSession, String> {
        let state = self.state.lock().unwrap();
        let person = state.users.get(user).ok_or("no such user")?;
        let found = state.roles.get(role).ok_or("no such role")?;
        let mut context = Context::new();
        context.insert("aws:username".into(), user.into());
        context.insert("aws:PrincipalArn".into(), person.arn.clone());
        context.insert("aws:MultiFactorAuthPresent".into(), with_mfa.to_string());
        context.insert("sts:RoleSessionName".into(), session_name.into());
        for (key, value) in &person.tags {
            context.insert(format!("aws:PrincipalTag/{key}"), value.clone());
        }
        let identity_allows = person.groups.iter().any(|group| {
            state.group_inline.get(group).is_some_and(|policies| {
                policies
                    .values()
                    .any(|p| allows(p, "sts:AssumeRole", &found.arn, &context))
            })
        });
        if !identity_allows {
            return Err(format!(
                "no policy of {user}'s groups allows sts:AssumeRole on {role}"
            ));
        }
        let trusted = statements(&found.trust).into_iter().any(|statement| {
            statement["Effect"] == "Allow"
                && names_action(&statement["Action"], "sts:AssumeRole")
                && principal_of_account(&statement["Principal"])
                && conditions_hold(&statement["Condition"], &context)
        });
        if !trusted {
            return Err(format!(
                "the trust policy of {role} does not allow this session"
            ));
        }
        Ok(RoleSession {
            role: role.to_string(),
            user_id: format!("{}:{session_name}", found.id),
            issued_at,
        })
    }

    /// Whether a call of `session` is allowed, as far as the role's inline policies deny it.
    pub(crate) fn session_may_act(&self, session: &RoleSession) -> Result<(), String> {
        let state = self.state.lock().unwrap();
        let role = state.roles.get(&session.role).ok_or("the role is gone")?;
        let mut context = Context::new();
        context.insert("aws:userid".into(), session.user_id.clone());
        context.insert(
            "aws:TokenIssueTime".into(),
            crate::clock::rfc3339(session.issued_at),
        );
        for (name, policy) in &role.inline {
            let denied = statements(policy).into_iter().any(|statement| {
                statement["Effect"] == "Deny"
                    && names_action(&statement["Action"], "*")
                    && conditions_hold(&statement["Condition"], &context)
            });
            if denied {
                return Err(format!("denied by the role's inline policy {name}"));
            }
        }
        Ok(())
    }

    pub(crate) fn role(&self, name: &str) -> Option<MemoryRole> {
        self.state.lock().unwrap().roles.get(name).cloned()
    }

    /// The group's inline policy `name`, as stored.
    pub(crate) fn group_policy(&self, group: &str, name: &str) -> Option<Value> {
        let state = self.state.lock().unwrap();
        state.group_inline.get(group)?.get(name).cloned()
    }
}

fn names_action(actions: &Value, action: &str) -> bool {
    strings(actions).iter().any(|a| *a == "*" || *a == action)
}

/// A principal of this account: its root or any of its IAM users.
fn principal_of_account(principal: &Value) -> bool {
    strings(&principal["AWS"]).iter().any(|p| {
        *p == format!("arn:aws:iam::{ACCOUNT}:root")
            || p.starts_with(&format!("arn:aws:iam::{ACCOUNT}:user/"))
    })
}

/// Whether an Allow statement covers `action` on `resource` in `context`.
fn allows(policy: &Value, action: &str, resource: &str, context: &Context) -> bool {
    statements(policy).into_iter().any(|statement| {
        statement["Effect"] == "Allow"
            && names_action(&statement["Action"], action)
            && strings(&statement["Resource"])
                .iter()
                .any(|r| crate::policy::wildcard_match(r, resource))
            && conditions_hold(&statement["Condition"], context)
    })
}

/// Every operator of the condition block holds: each key's context value matches one of the
/// listed values (`StringEquals`, `Bool`, `ArnLike`, `DateLessThan`) or none of them
/// (`StringNotEquals`). A missing key fails all but `StringNotEquals`.
fn conditions_hold(condition: &Value, context: &Context) -> bool {
    let Some(operators) = condition.as_object() else {
        return condition.is_null();
    };
    operators.iter().all(|(operator, keys)| {
        let Some(keys) = keys.as_object() else {
            return false;
        };
        keys.iter().all(|(key, wanted)| {
            let wanted: Vec<String> = strings(wanted)
                .into_iter()
                .map(|w| {
                    w.replace(
                        "${aws:username}",
                        context.get("aws:username").map_or("", String::as_str),
                    )
                })
                .collect();
            let value = context.get(key);
            match operator.as_str() {
                "StringEquals" | "Bool" => value.is_some_and(|v| wanted.iter().any(|w| w == v)),
                "StringNotEquals" => value.is_none_or(|v| wanted.iter().all(|w| w != v)),
                "ArnLike" => value
                    .is_some_and(|v| wanted.iter().any(|w| crate::policy::wildcard_match(w, v))),
                "DateLessThan" => value
                    .and_then(|v| crate::clock::parse_rfc3339(v))
                    .is_some_and(|at| {
                        wanted
                            .iter()
                            .filter_map(|w| crate::clock::parse_rfc3339(w))
                            .any(|limit| at < limit)
                    }),
                _ => false,
            }
        })
    })
}
