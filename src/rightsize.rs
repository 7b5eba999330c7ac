//! `templates rightsize`: what a template grants that nobody of its job function used, from
//! IAM's last-accessed data for its group (and a role template's role), and a narrowed copy of
//! its policies for review. Pure: the reports come in, the findings and the narrowed documents
//! go out.
//!
//! A service counts as used when the group or the role used it within the period. Within a used
//! service an action is judged only where the policy names it exactly and IAM tracks it
//! (action-level data exists for a few services); a pattern (`s3:Get*`) and any untracked
//! action of a used service are kept, since nothing says they went unused. The force-MFA policy
//! is the tool's own guard and is never narrowed.

use crate::aws::ServiceLastAccessed;
use crate::clock::parse_rfc3339;
use crate::policy::{statements, strings};
use crate::template::{FORCE_MFA_POLICY, PolicyDocument, Template};
use serde::Serialize;
use serde_json::Value;

/// What IAM answered for one of the template's entities (its group, its role).
#[derive(Debug, Clone)]
pub(crate) struct EntityUse {
    /// `group NAME` or `role NAME`.
    pub(crate) entity: String,
    pub(crate) services: Vec<ServiceLastAccessed>,
}

/// An action a template's policy grants, where it stands, and why it is unused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Unused {
    /// The action or pattern as the policy writes it.
    pub(crate) action: String,
    /// `POLICY Statement[i]`.
    pub(crate) granted_by: String,
    /// `service not used` or `tracked action not used`.
    pub(crate) why: String,
}

/// A policy of the template with what nobody used taken out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Narrowed {
    pub(crate) policy: String,
    /// `None`: nothing of it was used; drop it from the template.
    pub(crate) document: Option<Value>,
}

/// The right-sizing of one template.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct Rightsizing {
    pub(crate) template: String,
    pub(crate) days: u32,
    /// The entities whose use was read.
    pub(crate) entities: Vec<String>,
    /// Services the policies grant that were used in the period, with when they were last.
    pub(crate) used_services: Vec<(String, String)>,
    /// Services the policies grant that nobody used in the period.
    pub(crate) unused_services: Vec<String>,
    /// Services the policies grant that IAM said nothing of: kept.
    pub(crate) not_reported: Vec<String>,
    pub(crate) unused: Vec<Unused>,
    /// Only the policies that change.
    pub(crate) narrowed: Vec<Narrowed>,
}

/// The service prefix of an action (`s3` of `s3:GetObject`), lower-cased.
fn service_of(action: &str) -> String {
    action
        .split_once(':')
        .map_or(action, |(service, _)| service)
        .to_ascii_lowercase()
}

/// When the entities last used `service`; `Some(None)`: reported, never used.
fn last_use<'a>(uses: &'a [EntityUse], service: &str) -> Option<Option<&'a str>> {
    let reported: Vec<&ServiceLastAccessed> = uses
        .iter()
        .flat_map(|u| &u.services)
        .filter(|s| s.namespace.eq_ignore_ascii_case(service))
        .collect();
    if reported.is_empty() {
        return None;
    }
    Some(
        reported
            .iter()
            .filter_map(|s| s.last_authenticated.as_deref())
            .max_by_key(|at| parse_rfc3339(at).unwrap_or(0)),
    )
}

/// Whether IAM's tracked action `action` (a name without wildcards) was used since `cutoff`;
/// `None`: IAM does not track it, so nothing is known.
fn tracked_use(uses: &[EntityUse], action: &str, cutoff: u64) -> Option<bool> {
    if action.contains(['*', '?']) {
        return None;
    }
    let (service, name) = action.split_once(':')?;
    let tracked: Vec<&Option<String>> = uses
        .iter()
        .flat_map(|u| &u.services)
        .filter(|s| s.namespace.eq_ignore_ascii_case(service))
        .flat_map(|s| &s.tracked_actions)
        .filter(|(tracked, _)| {
            let bare = tracked.rsplit(':').next().unwrap_or(tracked);
            bare.eq_ignore_ascii_case(name)
        })
        .map(|(_, at)| at)
        .collect();
    if tracked.is_empty() {
        return None;
    }
    Some(tracked.iter().any(|at| {
        at.as_deref()
            .and_then(parse_rfc3339)
            .is_some_and(|t| t >= cutoff)
    }))
}

/// The template's policies that right-sizing may narrow (and `--write` may write): all but the
/// tool's MFA guard.
pub(crate) fn narrowable(template: &Template) -> impl Iterator<Item = &PolicyDocument> {
    template
        .policies
        .iter()
        .filter(|p| p.name != FORCE_MFA_POLICY)
}

/// Right-sizes `template` from what its entities used, `now` and `days` setting the period.
pub(crate) fn rightsize(
    template: &Template,
    uses: &[EntityUse],
    now: u64,
    days: u32,
) -> Rightsizing {
    let cutoff = now.saturating_sub(u64::from(days) * 86_400);
    let used_in_period = |at: Option<&str>| at.and_then(parse_rfc3339).is_some_and(|t| t >= cutoff);
    let mut result = Rightsizing {
        template: template.name.clone(),
        days,
        entities: uses.iter().map(|u| u.entity.clone()).collect(),
        used_services: Vec::new(),
        unused_services: Vec::new(),
        not_reported: Vec::new(),
        unused: Vec::new(),
        narrowed: Vec::new(),
    };
    for policy in narrowable(template) {
        let mut document = policy.document.clone();
        let mut changed = false;
        let mut kept_statements = Vec::new();
        for (index, statement) in statements(&policy.document).into_iter().enumerate() {
            if statement["Effect"] != "Allow" || statement.get("Action").is_none() {
                kept_statements.push(statement.clone());
                continue;
            }
            let mut kept_actions = Vec::new();
            for action in strings(&statement["Action"]) {
                let service = service_of(action);
                let why = match last_use(uses, &service) {
                    None => {
                        if !result.not_reported.contains(&service) {
                            result.not_reported.push(service);
                        }
                        None
                    }
                    Some(at) if !used_in_period(at) => {
                        if !result.unused_services.contains(&service) {
                            result.unused_services.push(service);
                        }
                        Some("service not used")
                    }
                    Some(at) => {
                        if !result.used_services.iter().any(|(s, _)| *s == service) {
                            result
                                .used_services
                                .push((service, at.unwrap_or_default().to_string()));
                        }
                        (tracked_use(uses, action, cutoff) == Some(false))
                            .then_some("tracked action not used")
                    }
                };
                match why {
                    Some(why) => result.unused.push(Unused {
                        action: action.to_string(),
                        granted_by: format!("{} Statement[{index}]", policy.name),
                        why: why.to_string(),
                    }),
                    None => kept_actions.push(Value::String(action.to_string())),
                }
            }
            let all_kept = kept_actions.len() == strings(&statement["Action"]).len();
            changed |= !all_kept;
            if all_kept {
                kept_statements.push(statement.clone());
            } else if !kept_actions.is_empty() {
                let mut narrowed = statement.clone();
                narrowed["Action"] = Value::Array(kept_actions);
                kept_statements.push(narrowed);
            }
        }
        if changed {
            let grants = kept_statements.iter().any(|s| s["Effect"] == "Allow");
            document["Statement"] = Value::Array(kept_statements);
            result.narrowed.push(Narrowed {
                policy: policy.name.clone(),
                document: grants.then_some(document),
            });
        }
    }
    for list in [&mut result.unused_services, &mut result.not_reported] {
        list.sort();
    }
    result.used_services.sort();
    result
}

#[cfg(test)]
mod tests;
