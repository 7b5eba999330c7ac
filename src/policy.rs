//! IAM policy documents in templates: structure checked before any of them reaches AWS.
//!
//! A template's policies are identity policies (attached to a group, or used as a permissions
//! boundary), so they have no `Principal`. Beyond structure, least privilege is enforced:
//! no statement may `Allow` the action `*`, nor `Allow` with `NotAction` (everything but a list).

use crate::fields::IAM_POLICY_DOCUMENT;
use crate::quotas::{MANAGED_POLICY, too_large};
use serde_json::{Map, Value};

/// What is wrong with a document: the field (`Statement[1].Action`) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyProblem {
    pub(crate) field: String,
    pub(crate) reason: String,
}

impl PolicyProblem {
    fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        PolicyProblem {
            field: field.into(),
            reason: reason.into(),
        }
    }
}

/// Parses and checks a policy document; returns it parsed.
pub(crate) fn validate(text: &str) -> Result<Value, PolicyProblem> {
    let document: Value = serde_json::from_str(text).map_err(|err| {
        PolicyProblem::new(
            format!("line {} column {}", err.line(), err.column()),
            format!("not valid JSON: {err}"),
        )
    })?;
    if let Some(why) = too_large("a managed policy", text, MANAGED_POLICY) {
        return Err(PolicyProblem::new("document", why));
    }
    IAM_POLICY_DOCUMENT
        .check(&document.to_string())
        .map_err(|why| PolicyProblem::new("document", format!("as sent, {why}")))?;
    let top = document
        .as_object()
        .ok_or_else(|| PolicyProblem::new("document", "must be a JSON object"))?;
    refuse_unknown_keys(top, "", &["Version", "Id", "Statement"])?;
    match top.get("Version") {
        Some(Value::String(version)) if version == "2012-10-17" => {}
        Some(_) => return Err(PolicyProblem::new("Version", "must be \"2012-10-17\"")),
        None => {
            return Err(PolicyProblem::new(
                "Version",
                "is missing (use \"2012-10-17\")",
            ));
        }
    }
    let statements = match top.get("Statement") {
        Some(Value::Array(items)) if !items.is_empty() => items.iter().collect::<Vec<_>>(),
        Some(Value::Object(_)) => vec![&top["Statement"]],
        Some(_) => {
            return Err(PolicyProblem::new(
                "Statement",
                "must be an object or a non-empty array of objects",
            ));
        }
        None => return Err(PolicyProblem::new("Statement", "is missing")),
    };
    for (index, statement) in statements.into_iter().enumerate() {
        validate_statement(statement, &format!("Statement[{index}]"))?;
    }
    Ok(document)
}

fn validate_statement(statement: &Value, at: &str) -> Result<(), PolicyProblem> {
    let fields = statement
        .as_object()
        .ok_or_else(|| PolicyProblem::new(at, "must be an object"))?;
    if fields.contains_key("Principal") || fields.contains_key("NotPrincipal") {
        return Err(PolicyProblem::new(
            format!("{at}.Principal"),
            "identity policies have no Principal",
        ));
    }
    refuse_unknown_keys(
        fields,
        at,
        &[
            "Sid",
            "Effect",
            "Action",
            "NotAction",
            "Resource",
            "NotResource",
            "Condition",
        ],
    )?;
    let allow = match fields.get("Effect") {
        Some(Value::String(effect)) if effect == "Allow" => true,
        Some(Value::String(effect)) if effect == "Deny" => false,
        _ => {
            return Err(PolicyProblem::new(
                format!("{at}.Effect"),
                "must be \"Allow\" or \"Deny\"",
            ));
        }
    };
    let (action_key, actions) = exactly_one_of(fields, at, "Action", "NotAction")?;
    for action in &actions {
        if *action != "*" && !action.contains(':') {
            return Err(PolicyProblem::new(
                format!("{at}.{action_key}"),
                format!(
                    "{} is not of the form service:Action",
                    crate::names::shown(action)
                ),
            ));
        }
    }
    let (_, resources) = exactly_one_of(fields, at, "Resource", "NotResource")?;
    if let Some(condition) = fields.get("Condition")
        && !condition.is_object()
    {
        return Err(PolicyProblem::new(
            format!("{at}.Condition"),
            "must be an object",
        ));
    }
    if allow && action_key == "NotAction" {
        return Err(PolicyProblem::new(
            format!("{at}.NotAction"),
            "Allow with NotAction grants every action not listed; name the actions instead",
        ));
    }
    if allow && actions.iter().any(|action| grants_every_action(action)) {
        let reason = if resources.contains(&"*") {
            "Allow of \"*\" on \"*\" is full administrator access; templates must be least privilege"
        } else {
            "Allow of the action \"*\" is refused; name the actions"
        };
        return Err(PolicyProblem::new(format!("{at}.Action"), reason));
    }
    Ok(())
}

/// Action verbs that only read: an action starting with one of them is not a write.
const READ_VERBS: &[&str] = &[
    "Get", "List", "Describe", "View", "Search", "Lookup", "BatchGet", "Query", "Scan", "Select",
    "Read", "Simulate", "Filter",
];
/// Actions that only read, or make a report to read, though their verb says otherwise.
const READ_ACTIONS: &[&str] = &[
    "cloudformation:ValidateTemplate",
    "iam:GenerateCredentialReport",
    "iam:GenerateServiceLastAccessedDetails",
];

/// A document's statements: its `Statement` list, or its one statement object; none when it
/// has no `Statement`.
pub(crate) fn statements(document: &Value) -> Vec<&Value> {
    match &document["Statement"] {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        single => vec![single],
    }
}

/// A policy element's values (`Action`, `Resource`, a condition's value): one string or a list
/// of them.
pub(crate) fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
        single => single.as_str().into_iter().collect(),
    }
}

/// What an Allow statement grants more broadly than a job should: a whole service (`svc:*`), or
/// a write action on every resource (`*`). Each entry names the statement and the grant.
pub(crate) fn broad_grants(document: &Value) -> Vec<String> {
    let mut broad = Vec::new();
    for (index, statement) in statements(document).iter().enumerate() {
        if statement["Effect"] != "Allow" {
            continue;
        }
        let actions = strings(&statement["Action"]);
        let on_everything = strings(&statement["Resource"]).contains(&"*");
        let scoped = if statement.get("Condition").is_some() {
            " (under a condition)"
        } else {
            ""
        };
        for action in &actions {
            let (service, verb) = action.split_once(':').unwrap_or((action, "*"));
            if verb == "*" {
                broad.push(format!(
                    "Statement[{index}] allows all of {service} ({action})"
                ));
            } else if on_everything
                && !READ_VERBS.iter().any(|read| verb.starts_with(read))
                && !READ_ACTIONS.contains(action)
            {
                broad.push(format!(
                    "Statement[{index}] allows the write action {action} on every resource (\"*\"){scoped}"
                ));
            }
        }
    }
    broad
}

/// What an Allow statement on every resource grants that amounts to administrator access: every
/// action, every action but those a `NotAction` lists when they leave some of IAM in, or every
/// IAM action (with which its holder can grant itself anything). Each entry names the
/// statement and the grant.
pub(crate) fn administrator_grants(document: &Value) -> Vec<String> {
    let mut grants = Vec::new();
    for (index, statement) in statements(document).iter().enumerate() {
        if statement["Effect"] != "Allow" || !strings(&statement["Resource"]).contains(&"*") {
            continue;
        }
        let actions = strings(&statement["Action"]);
        let grant = if statement.get("NotAction").is_some() {
            let left_out = strings(&statement["NotAction"]);
            if left_out.iter().any(|action| covers_iam(action)) {
                continue;
            }
            format!("every action but {}", left_out.join(", "))
        } else if actions.iter().any(|action| grants_every_action(action)) {
            "every action".to_string()
        } else if actions.iter().any(|action| covers_iam(action)) {
            "every IAM action".to_string()
        } else {
            continue;
        };
        let scoped = if statement.get("Condition").is_some() {
            " (under a condition)"
        } else {
            ""
        };
        grants.push(format!(
            "Statement[{index}] allows {grant} on every resource{scoped}"
        ));
    }
    grants
}

/// Whether an action pattern matches every IAM action (`iam:*`, `i*`, `*`).
fn covers_iam(action: &str) -> bool {
    wildcard_match(&action.to_ascii_lowercase(), "iam:*")
}

/// IAM's `*` wildcard (any run of characters) in actions, ARNs and resources.
pub(crate) fn wildcard_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, rest)) => {
            text.starts_with(head)
                && (0..=text.len() - head.len())
                    .filter(|at| text.is_char_boundary(head.len() + at))
                    .any(|at| wildcard_match(rest, &text[head.len() + at..]))
        }
    }
}

/// `*` and `*:*` both match every action of every service.
fn grants_every_action(action: &str) -> bool {
    action == "*" || action == "*:*"
}

fn refuse_unknown_keys(
    fields: &Map<String, Value>,
    at: &str,
    known: &[&str],
) -> Result<(), PolicyProblem> {
    match fields.keys().find(|key| !known.contains(&key.as_str())) {
        Some(key) => Err(PolicyProblem::new(
            if at.is_empty() {
                key.clone()
            } else {
                format!("{at}.{key}")
            },
            format!(
                "is not a policy element (expected one of {})",
                known.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

/// The one of two alternative keys that is present, with its values (a string or a non-empty
/// array of strings).
fn exactly_one_of<'a>(
    fields: &'a Map<String, Value>,
    at: &str,
    key: &'static str,
    not_key: &'static str,
) -> Result<(&'static str, Vec<&'a str>), PolicyProblem> {
    let (name, value) = match (fields.get(key), fields.get(not_key)) {
        (Some(value), None) => (key, value),
        (None, Some(value)) => (not_key, value),
        (Some(_), Some(_)) => {
            return Err(PolicyProblem::new(
                format!("{at}.{key}"),
                format!("give {key} or {not_key}, not both"),
            ));
        }
        (None, None) => {
            return Err(PolicyProblem::new(
                format!("{at}.{key}"),
                format!("is missing (give {key} or {not_key})"),
            ));
        }
    };
    let strings = match value {
        Value::String(single) => vec![single.as_str()],
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(Value::as_str)
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| PolicyProblem::new(format!("{at}.{name}"), "must hold only strings"))?,
        _ => {
            return Err(PolicyProblem::new(
                format!("{at}.{name}"),
                "must be a string or a non-empty array of strings",
            ));
        }
    };
    Ok((name, strings))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem(text: &str) -> PolicyProblem {
        validate(text).unwrap_err()
    }

    #[test]
    fn wildcards_match_any_run_of_characters() {
        assert!(wildcard_match(
            "arn:aws:iam::1:user/*",
            "arn:aws:iam::1:user/alice"
        ));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*c*e", "abcde"));
        assert!(!wildcard_match(
            "arn:aws:iam::1:user/*",
            "arn:aws:iam::1:role/x"
        ));
        assert!(!wildcard_match("abc", "abcd"));
    }

    #[test]
    fn a_scoped_policy_is_accepted() {
        validate(
            r#"{"Version":"2012-10-17","Statement":[
                {"Sid":"Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"*"},
                {"Effect":"Deny","NotAction":"iam:ChangePassword","Resource":"*",
                 "Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]}"#,
        )
        .unwrap();
        validate(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}}"#)
            .unwrap();
    }

    #[test]
    fn allow_star_on_star_is_refused_and_named() {
        let found = problem(
            r#"{"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"s3:GetObject","Resource":"*"},
                {"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        );
        assert_eq!(found.field, "Statement[1].Action");
        assert!(
            found.reason.contains("Allow of \"*\" on \"*\""),
            "{}",
            found.reason
        );
        let in_array = problem(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","*"],"Resource":["*"]}]}"#,
        );
        assert_eq!(in_array.field, "Statement[0].Action");
        let service_star = problem(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*:*","Resource":"*"}]}"#,
        );
        assert_eq!(service_star.field, "Statement[0].Action");
        assert!(
            service_star.reason.contains("administrator"),
            "{}",
            service_star.reason
        );
    }

    #[test]
    fn deny_of_everything_is_fine_but_allow_not_action_is_not() {
        validate(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]}"#)
            .unwrap();
        let found = problem(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#,
        );
        assert_eq!(found.field, "Statement[0].NotAction");
    }

    #[test]
    fn structural_mistakes_name_the_field() {
        for (text, field) in [
            ("{", "line 1 column 1"),
            (r#"{"Statement":[]}"#, "Version"),
            (r#"{"Version":"2008-10-17","Statement":[]}"#, "Version"),
            (r#"{"Version":"2012-10-17"}"#, "Statement"),
            (r#"{"Version":"2012-10-17","Statement":[]}"#, "Statement"),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Action":"s3:GetObject","Resource":"*"}]}"#,
                "Statement[0].Effect",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}"#,
                "Statement[0].Action",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}"#,
                "Statement[0].Resource",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","NotAction":"s3:Put*","Resource":"*"}]}"#,
                "Statement[0].Action",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetObject","Resource":"*"}]}"#,
                "Statement[0].Action",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[1],"Resource":"*"}]}"#,
                "Statement[0].Action",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Principal":"*"}]}"#,
                "Statement[0].Principal",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Actions":"s3:GetObject","Resource":"*"}]}"#,
                "Statement[0].Actions",
            ),
            (
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":[]}]}"#,
                "Statement[0].Condition",
            ),
        ] {
            assert_eq!(problem(text).field, field, "{text}");
        }
    }

    #[test]
    fn oversized_documents_are_refused() {
        let actions: Vec<String> = (0..400).map(|i| format!("\"s3:Action{i:04}\"")).collect();
        let text = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"*"}}]}}"#,
            actions.join(",")
        );
        assert_eq!(problem(&text).field, "document");
    }

    #[test]
    fn administrator_grants_are_every_action_or_every_iam_action_on_every_resource() {
        let grants = |statement: &str| {
            administrator_grants(
                &serde_json::from_str(&format!(r#"{{"Statement":[{statement}]}}"#)).unwrap(),
            )
        };
        assert_eq!(
            grants(r#"{"Effect":"Allow","Action":["s3:GetObject","*:*"],"Resource":"*"}"#),
            ["Statement[0] allows every action on every resource"]
        );
        assert_eq!(
            grants(r#"{"Effect":"Allow","Action":"IAM:*","Resource":["arn:aws:s3:::x","*"]}"#),
            ["Statement[0] allows every IAM action on every resource"]
        );
        assert_eq!(
            grants(r#"{"Effect":"Allow","Action":"ia*","Resource":"*","Condition":{}}"#),
            ["Statement[0] allows every IAM action on every resource (under a condition)"]
        );
        assert_eq!(
            grants(r#"{"Effect":"Allow","NotAction":["s3:*","iam:CreateUser"],"Resource":"*"}"#),
            ["Statement[0] allows every action but s3:*, iam:CreateUser on every resource"]
        );
        for not_admin in [
            r#"{"Effect":"Deny","Action":"*","Resource":"*"}"#,
            r#"{"Effect":"Allow","Action":"*","Resource":"arn:aws:s3:::x"}"#,
            r#"{"Effect":"Allow","Action":["iam:Get*","iam:List*"],"Resource":"*"}"#,
            r#"{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}"#,
        ] {
            assert!(grants(not_admin).is_empty(), "{not_admin}");
        }
    }
}
