//! Right-sizing on reports made by hand: service use, tracked actions, the narrowed copy.

use super::*;
use crate::clock::rfc3339;
use crate::template::TemplateSet;
use serde_json::json;

const NOW: u64 = 1_800_000_000;
const DAY: u64 = 86_400;

fn template_with(policy: &Value) -> Template {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("team.json"),
        r#"{"description":"d","group":"team","policies":["work"],"permissions_boundary":"work","console_access":false,"mfa":"optional"}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("policies/work.json"), policy.to_string()).unwrap();
    TemplateSet::from_dir(dir.path())
        .unwrap()
        .get("team")
        .unwrap()
        .clone()
}

fn service(
    namespace: &str,
    days_ago: Option<u64>,
    tracked: &[(&str, Option<u64>)],
) -> ServiceLastAccessed {
    let at = |days: Option<u64>| days.map(|d| rfc3339(NOW - d * DAY));
    ServiceLastAccessed {
        namespace: namespace.to_string(),
        last_authenticated: at(days_ago),
        tracked_actions: tracked
            .iter()
            .map(|(name, days)| (name.to_string(), at(*days)))
            .collect(),
    }
}

fn group_use(services: Vec<ServiceLastAccessed>) -> Vec<EntityUse> {
    vec![EntityUse {
        entity: "group team".to_string(),
        services,
    }]
}

#[test]
fn unused_services_and_tracked_actions_are_named_and_taken_out_of_the_copy() {
    let template = template_with(&json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject", "ec2:Describe*", "lambda:InvokeFunction"], "Resource": "*"},
            {"Sid": "Databases", "Effect": "Allow", "Action": "rds:DescribeDBInstances", "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
        ]
    }));
    let uses = group_use(vec![
        service(
            "s3",
            Some(10),
            &[("GetObject", Some(10)), ("PutObject", None)],
        ),
        service("ec2", Some(200), &[]),
        service("rds", None, &[]),
    ]);
    let found = rightsize(&template, &uses, NOW, 90);
    assert_eq!(found.unused_services, ["ec2", "rds"]);
    assert_eq!(found.not_reported, ["lambda"]);
    assert_eq!(
        found.used_services,
        [("s3".to_string(), rfc3339(NOW - 10 * DAY))]
    );
    let unused: Vec<(&str, &str, &str)> = found
        .unused
        .iter()
        .map(|u| (u.action.as_str(), u.granted_by.as_str(), u.why.as_str()))
        .collect();
    assert_eq!(
        unused,
        [
            (
                "s3:PutObject",
                "work Statement[0]",
                "tracked action not used"
            ),
            ("ec2:Describe*", "work Statement[0]", "service not used"),
            (
                "rds:DescribeDBInstances",
                "work Statement[1]",
                "service not used"
            ),
        ]
    );
    assert_eq!(
        found.narrowed,
        [Narrowed {
            policy: "work".to_string(),
            document: Some(json!({
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["s3:GetObject", "lambda:InvokeFunction"], "Resource": "*"},
                    {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}
                ]
            })),
        }]
    );
    let longer = rightsize(&template, &uses, NOW, 365);
    assert_eq!(longer.unused_services, ["rds"], "ec2 was used 200 days ago");
}

#[test]
fn a_policy_nobody_used_is_to_be_dropped_and_one_fully_used_is_left_as_it_is() {
    let template = template_with(&json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["ce:Get*", "budgets:View*"], "Resource": "*"}]
    }));
    let idle = rightsize(
        &template,
        &group_use(vec![
            service("ce", None, &[]),
            service("budgets", Some(91), &[]),
        ]),
        NOW,
        90,
    );
    assert_eq!(
        idle.narrowed,
        [Narrowed {
            policy: "work".to_string(),
            document: None
        }]
    );
    let busy = rightsize(
        &template,
        &group_use(vec![
            service("ce", Some(1), &[]),
            service("budgets", Some(3), &[]),
        ]),
        NOW,
        90,
    );
    assert!(
        busy.unused.is_empty() && busy.narrowed.is_empty(),
        "{busy:?}"
    );
}

#[test]
fn a_service_used_through_the_role_counts_as_used_and_only_an_exact_tracked_action_is_judged() {
    let template = template_with(&json!({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["iam:Get*", "iam:CreateUser", "s3:List*"], "Resource": "*"}]
    }));
    let uses = vec![
        EntityUse {
            entity: "group team".to_string(),
            services: vec![
                service("s3", None, &[]),
                service(
                    "iam",
                    Some(5),
                    &[("iam:GetUser", None), ("CreateUser", Some(120))],
                ),
            ],
        },
        EntityUse {
            entity: "role team".to_string(),
            services: vec![service("s3", Some(2), &[("ListBucket", Some(2))])],
        },
    ];
    let found = rightsize(&template, &uses, NOW, 90);
    assert!(found.unused_services.is_empty(), "{found:?}");
    assert_eq!(
        found
            .unused
            .iter()
            .map(|u| u.action.as_str())
            .collect::<Vec<_>>(),
        ["iam:CreateUser"],
        "iam:Get* is a pattern (untracked actions it covers may be in use); s3 was used through the role"
    );
}
