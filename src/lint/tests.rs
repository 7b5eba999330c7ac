//! The lint's rules, each with a policy that holds it and one that does not; how Allow,
//! NotAction, Deny, conditions and the boundary count; and the built-in set as it stands.

use super::*;
use crate::template::{Accepted, PolicyDocument, TemplateSet};
use serde_json::json;

fn document(name: &str, document: Value) -> PolicyDocument {
    PolicyDocument {
        name: name.to_string(),
        iam_name: format!("iam-onboard-{name}"),
        document,
        source: format!("templates/policies/{name}.json"),
    }
}

/// A template whose one policy is `policy`, inside `boundary`.
fn template(policy: Value, boundary: Value) -> Template {
    let mut template = TemplateSet::embedded()
        .unwrap()
        .get("finance")
        .unwrap()
        .clone();
    template.policies = vec![document("access", policy)];
    template.permissions_boundary = document("boundary", boundary);
    template
}

fn allow(actions: &[&str]) -> Value {
    json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "Work", "Effect": "Allow", "Action": actions, "Resource": "*"}
    ]})
}

fn everything() -> Value {
    allow(&["*"])
}

/// The finding `passrole-ec2` of `template`, which holds.
fn passrole_ec2(template: &Template) -> LintFinding {
    lint(template)
        .into_iter()
        .find(|f| f.finding == "passrole-ec2")
        .expect("passrole-ec2 holds")
}

fn found(template: &Template) -> Vec<String> {
    lint(template).into_iter().map(|f| f.finding).collect()
}

#[test]
fn every_rule_holds_with_its_actions_and_not_without_one_of_them() {
    for rule in &rules().rules {
        let actions: Vec<&str> = rule.actions.iter().map(String::as_str).collect();
        let holding = template(allow(&actions), everything());
        assert!(
            found(&holding).contains(&rule.id),
            "{} with {actions:?}",
            rule.id
        );
        let missing = template(allow(&actions[1..]), everything());
        assert!(
            !found(&missing).contains(&rule.id),
            "{} without {}",
            rule.id,
            actions[0]
        );
        assert!(
            rules().sources.contains_key(&rule.source),
            "{}: source {}",
            rule.id,
            rule.source
        );
    }
}

#[test]
fn wildcards_and_not_action_grant_and_an_unconditional_deny_or_the_boundary_takes_away() {
    assert!(
        found(&template(allow(&["lambda:*"]), everything()))
            .contains(&"lambda-update-function-code".to_string())
    );
    let not_action = json!({"Statement": [
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    ]});
    let held = found(&template(not_action, everything()));
    assert!(held.contains(&"ssm-send-command".to_string()));
    assert!(!held.contains(&"iam-create-access-key".to_string()));
    let denied = json!({"Statement": [
        {"Effect": "Allow", "Action": "ssm:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ssm:SendCommand", "Resource": "*"}
    ]});
    assert!(!found(&template(denied, everything())).contains(&"ssm-send-command".to_string()));
    let denied_sometimes = json!({"Statement": [
        {"Effect": "Allow", "Action": "ssm:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "ssm:SendCommand", "Resource": "*",
         "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}}
    ]});
    assert!(
        found(&template(denied_sometimes, everything())).contains(&"ssm-send-command".to_string()),
        "a conditional deny leaves the grant"
    );
    let boundary = json!({"Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]});
    assert!(
        !found(&template(allow(&["ssm:SendCommand"]), boundary))
            .contains(&"ssm-send-command".to_string()),
        "outside the boundary"
    );
}

#[test]
fn a_finding_names_the_statements_a_narrowed_grant_and_the_fix_and_can_be_carried_on_purpose() {
    let policy = json!({"Statement": [
        {"Sid": "Pass", "Effect": "Allow", "Action": "iam:PassRole",
         "Resource": "arn:aws:iam::*:role/workload/*"},
        {"Sid": "Run", "Effect": "Allow", "Action": "ec2:RunInstances", "Resource": "*",
         "Condition": {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}}
    ]});
    let mut subject = template(policy.clone(), everything());
    let finding = passrole_ec2(&subject);
    assert_eq!(
        finding.allowed_by,
        [
            "iam:PassRole: access Statement[0] (Pass), on arn:aws:iam::*:role/workload/*",
            "ec2:RunInstances: access Statement[1] (Run), under a condition"
        ]
    );
    assert_eq!(finding.kind, "escalation");
    assert_eq!(
        finding.fix,
        "remove one of iam:PassRole, ec2:RunInstances from the statements named \
         (policies/access.json), or deny it in the boundary (policies/boundary.json); or carry \
         it on purpose in the template (finance.json): \
         \"accepted\": [{\"finding\": \"passrole-ec2\", \"why\": \"...\"}]; \
         edit a copy of the built-in set (iam-onboard templates export DIR), then run with \
         --templates DIR",
        "a built-in template's files, as they are in a copy of the set"
    );
    let mut own = subject.clone();
    own.built_in = false;
    own.source = "/srv/tpl/finance.json".to_string();
    own.permissions_boundary.source = "/srv/tpl/policies/boundary.json".to_string();
    own.policies = vec![
        PolicyDocument {
            source: "/srv/tpl/policies/pass.json".to_string(),
            document: json!({"Statement": [policy["Statement"][0].clone()]}),
            ..document("pass", Value::Null)
        },
        PolicyDocument {
            source: "/srv/tpl/policies/run.json".to_string(),
            document: json!({"Statement": [policy["Statement"][1].clone()]}),
            ..document("run", Value::Null)
        },
    ];
    let finding = passrole_ec2(&own);
    assert_eq!(
        finding.fix,
        "remove one of iam:PassRole, ec2:RunInstances from the statements named \
         (/srv/tpl/policies/pass.json, /srv/tpl/policies/run.json), or deny it in the boundary \
         (/srv/tpl/policies/boundary.json); or carry it on purpose in the template \
         (/srv/tpl/finance.json): \"accepted\": [{\"finding\": \"passrole-ec2\", \"why\": \"...\"}]",
        "each policy file that allows one of the actions, the boundary's and the template's own"
    );
    assert!(finding.source.starts_with("https://"));
    assert_eq!(finding.accepted, None);
    subject.accepted = vec![Accepted {
        finding: "passrole-ec2".to_string(),
        why: "the platform team launches workload instances".to_string(),
    }];
    let carried = passrole_ec2(&subject);
    assert_eq!(
        carried.accepted.as_deref(),
        Some("the platform team launches workload instances")
    );
}

#[test]
fn the_people_boundary_keeps_the_iam_paths_out_of_every_built_in_template() {
    for template in TemplateSet::embedded().unwrap().iter() {
        let found = found(template);
        assert!(
            !found.iter().any(|id| id.starts_with("iam-")),
            "{}: {found:?}",
            template.name
        );
    }
}
