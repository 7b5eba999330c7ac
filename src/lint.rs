//! `templates lint`: the published privilege-escalation paths, credential-returning actions and
//! resource-policy writes a template's people hold. The rules are data
//! (`data/privilege-paths.json`, each with its source); a rule holds when every one of its
//! actions is effectively allowed: by an Allow of the template's policies (conditions noted,
//! since they narrow but do not remove a grant), not taken away by an unconditional Deny on
//! every resource, and inside the permissions boundary the same way. A template may carry a
//! finding on purpose (`accepted`, with why): it is shown as accepted, not hidden. Pure.

use crate::policy::{statements, strings, wildcard_match};
use crate::template::{PolicyDocument, Template};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One published path: the actions that together make it, and where it is described.
#[derive(Debug, Clone, Deserialize)]
struct Rule {
    id: String,
    kind: String,
    actions: Vec<String>,
    why: String,
    source: String,
}

#[derive(Debug, Deserialize)]
struct Rules {
    sources: BTreeMap<String, String>,
    rules: Vec<Rule>,
}

fn rules() -> &'static Rules {
    static RULES: OnceLock<Rules> = OnceLock::new();
    RULES.get_or_init(|| {
        serde_json::from_str(include_str!("../data/privilege-paths.json"))
            .expect("data/privilege-paths.json is valid")
    })
}

/// Whether `id` names a rule (for a template's `accepted` list).
pub(crate) fn is_rule(id: &str) -> bool {
    rules().rules.iter().any(|rule| rule.id == id)
}

/// A rule that holds for a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LintFinding {
    pub(crate) template: String,
    pub(crate) finding: String,
    /// `escalation`, `credentials` or `exposure`.
    pub(crate) kind: String,
    /// Each action of the path, with the statement that allows it.
    pub(crate) allowed_by: Vec<String>,
    pub(crate) why: String,
    pub(crate) fix: String,
    pub(crate) source: String,
    /// Why the template carries it, when it does on purpose.
    pub(crate) accepted: Option<String>,
}

/// The statement of `policy` that allows `action`, if one does.
fn allowing<'a>(policy: &'a Value, action: &str) -> Option<(usize, &'a Value)> {
    statements(policy)
        .into_iter()
        .enumerate()
        .find(|(_, s)| s["Effect"] == "Allow" && names(s, action))
}

/// Whether the statement's `Action` (or, with `NotAction`, what it leaves out) covers `action`.
fn names(statement: &Value, action: &str) -> bool {
    let matches = |patterns: &Value| {
        strings(patterns).iter().any(|pattern| {
            wildcard_match(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase())
        })
    };
    if statement.get("NotAction").is_some() {
        !matches(&statement["NotAction"])
    } else {
        matches(&statement["Action"])
    }
}

/// Whether an unconditional Deny of `policy` takes `action` away on every resource.
fn denies(policy: &Value, action: &str) -> bool {
    statements(policy).into_iter().any(|s| {
        s["Effect"] == "Deny"
            && s.get("Condition").is_none()
            && strings(&s["Resource"]).contains(&"*")
            && names(s, action)
    })
}

/// Where the template's people are allowed `action`: `policy Statement[i] (Sid)`, with its
/// condition or narrower resources said, and the policy that says it; `None` when they are not.
fn effective<'a>(template: &'a Template, action: &str) -> Option<(String, &'a PolicyDocument)> {
    let boundary = &template.permissions_boundary.document;
    if allowing(boundary, action).is_none() || denies(boundary, action) {
        return None;
    }
    if template
        .policies
        .iter()
        .any(|p| denies(&p.document, action))
    {
        return None;
    }
    template.policies.iter().find_map(|policy| {
        let (index, statement) = allowing(&policy.document, action)?;
        let sid = statement["Sid"]
            .as_str()
            .map_or(String::new(), |sid| format!(" ({sid})"));
        let mut narrowed = Vec::new();
        if statement.get("Condition").is_some() {
            narrowed.push("under a condition".to_string());
        }
        let resources = strings(&statement["Resource"]);
        if !resources.contains(&"*") && !resources.is_empty() {
            narrowed.push(format!("on {}", resources.join(", ")));
        }
        let narrowed = if narrowed.is_empty() {
            String::new()
        } else {
            format!(", {}", narrowed.join(", "))
        };
        Some((
            format!(
                "{action}: {} Statement[{index}]{sid}{narrowed}",
                policy.name
            ),
            policy,
        ))
    })
}

/// Every rule that holds for `template`.
pub(crate) fn lint(template: &Template) -> Vec<LintFinding> {
    let data = rules();
    data.rules
        .iter()
        .filter_map(|rule| {
            let (allowed_by, policies): (Vec<String>, Vec<&PolicyDocument>) = rule
                .actions
                .iter()
                .map(|action| effective(template, action))
                .collect::<Option<Vec<_>>>()?
                .into_iter()
                .unzip();
            let mut files: Vec<String> = Vec::new();
            for policy in policies {
                let file = template.file_to_edit(&policy.source);
                if !files.contains(&file) {
                    files.push(file);
                }
            }
            let remove = if rule.actions.len() == 1 {
                format!("remove {}", rule.actions[0])
            } else {
                format!("remove one of {}", rule.actions.join(", "))
            };
            Some(LintFinding {
                template: template.name.clone(),
                finding: rule.id.clone(),
                kind: rule.kind.clone(),
                allowed_by,
                why: rule.why.clone(),
                fix: format!(
                    "{remove} from the statements named ({}), or deny it in the boundary ({}); or carry it on purpose in the template ({}): \"accepted\": [{{\"finding\": \"{}\", \"why\": \"...\"}}]{}",
                    files.join(", "),
                    template.file_to_edit(&template.permissions_boundary.source),
                    template.file_to_edit(&template.source),
                    rule.id,
                    template.how_to_edit()
                ),
                source: data
                    .sources
                    .get(&rule.source)
                    .cloned()
                    .unwrap_or_else(|| rule.source.clone()),
                accepted: template
                    .accepted
                    .iter()
                    .find(|a| a.finding == rule.id)
                    .map(|a| a.why.clone()),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests;
