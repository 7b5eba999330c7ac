//! `assign` and `offboard --sso` end to end against the emulator's IAM Identity Center.

use crate::support::{
    DOWN, Run, block_on, exit_code, on_a_terminal, press, sso, strings, unique, utf8_from_pty,
};
use std::sync::Mutex;

/// The emulator has one Identity Center instance, and the permission set of a template is
/// shared by everyone: these tests take turns.
static TURN: Mutex<()> = Mutex::new(());

fn instance() -> (String, String) {
    block_on(async {
        let out = sso().0.list_instances().send().await.unwrap();
        let instance = &out.instances()[0];
        (
            instance.instance_arn().unwrap().to_string(),
            instance.identity_store_id().unwrap().to_string(),
        )
    })
}

fn identity_user_id(store: &str, name: &str) -> Option<String> {
    block_on(async {
        let attribute = aws_sdk_identitystore::types::UniqueAttribute::builder()
            .attribute_path("userName")
            .attribute_value(aws_smithy_types::Document::String(name.to_string()))
            .build()
            .unwrap();
        sso()
            .1
            .get_user_id()
            .identity_store_id(store)
            .alternate_identifier(
                aws_sdk_identitystore::types::AlternateIdentifier::UniqueAttribute(attribute),
            )
            .send()
            .await
            .ok()
            .map(|out| out.user_id().to_string())
    })
}

/// (account, permission set ARN) of every assignment of `user_id`.
fn assignments_of(instance_arn: &str, user_id: &str) -> Vec<(String, String)> {
    block_on(async {
        let out = sso()
            .0
            .list_account_assignments_for_principal()
            .instance_arn(instance_arn)
            .principal_id(user_id)
            .principal_type(aws_sdk_ssoadmin::types::PrincipalType::User)
            .send()
            .await
            .unwrap();
        let mut found: Vec<(String, String)> = out
            .account_assignments()
            .iter()
            .map(|a| {
                (
                    a.account_id().unwrap().to_string(),
                    a.permission_set_arn().unwrap().to_string(),
                )
            })
            .collect();
        found.sort();
        found
    })
}

fn assign_args<'a>(name: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "assign",
        name,
        "--template",
        "developer",
        "--account",
        "111111111111",
        "--account",
        "222222222222",
    ];
    args.extend_from_slice(extra);
    args
}

const CREATE: &[&str] = &[
    "--create-user",
    "--email",
    "bob@example.com",
    "--given-name",
    "Bob",
    "--family-name",
    "Example",
    "-y",
    "--output",
    "json",
];

#[test]
fn assign_creates_person_permission_set_and_assignments_once() {
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let name = unique("bob");
    let (instance_arn, store) = instance();
    let first = Run::new(&assign_args(&name, CREATE)).output();
    let report = first.exits(0).json();
    assert_eq!(report["status"], "assigned");
    assert_eq!(report["user_created"], true);
    assert_eq!(
        report["portal_url"],
        format!("https://{store}.awsapps.com/start").as_str()
    );
    assert!(
        report["first_sign_in"]
            .as_str()
            .unwrap()
            .contains("AWS sends no invitation email"),
        "{report}"
    );
    let user_id = identity_user_id(&store, &name).expect("the identity-store user exists");
    let permission_set = report["permission_sets"][0]["arn"]
        .as_str()
        .unwrap()
        .to_string();

    let policy = block_on(async {
        let out = sso()
            .0
            .get_inline_policy_for_permission_set()
            .instance_arn(&instance_arn)
            .permission_set_arn(&permission_set)
            .send()
            .await
            .unwrap();
        out.inline_policy().unwrap_or_default().to_string()
    });
    assert!(
        policy.contains("ChangeOnlyDevResources"),
        "the template's policy: {policy}"
    );
    assert!(
        !policy.contains("MultiFactorAuthPresent"),
        "force-mfa is not in SSO"
    );
    // moto does not implement PutPermissionsBoundaryToPermissionSet: the gap shows.
    assert!(
        strings(&report["warnings"])
            .iter()
            .any(|w| w.contains("no permissions boundary"))
            || report["permission_sets"][0]["action"] != "created",
        "{report}"
    );
    assert_eq!(
        assignments_of(&instance_arn, &user_id),
        [
            ("111111111111".to_string(), permission_set.clone()),
            ("222222222222".to_string(), permission_set.clone())
        ]
    );

    let again = Run::new(&assign_args(&name, CREATE)).output();
    let report = again.exits(0).json();
    assert_eq!(report["status"], "already-done");
    assert_eq!(
        assignments_of(&instance_arn, &user_id).len(),
        2,
        "no duplicates"
    );

    let out = Run::new(&["offboard", &name, "--sso", "-y", "--output", "json"]).output();
    let report = out.exits(0).json();
    assert_eq!(report["status"], "offboarded");
    assert_eq!(strings(&report["removed"]).len(), 3);
    assert!(
        assignments_of(&instance_arn, &user_id).is_empty(),
        "no assignment left"
    );
    assert!(
        identity_user_id(&store, &name).is_none(),
        "the identity-store user is gone"
    );
}

#[test]
fn keep_identity_and_dry_run_leave_the_person() {
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let name = unique("carl");
    let (instance_arn, store) = instance();
    let assigned = Run::new(&assign_args(&name, CREATE))
        .output()
        .exits(0)
        .json();
    let permission_set = assigned["permission_sets"][0]["arn"]
        .as_str()
        .unwrap()
        .to_string();
    let user_id = identity_user_id(&store, &name).unwrap();
    let group = unique("grp");
    join_group(&store, &group, &user_id);
    assert_eq!(groups_of_person(&store, &user_id).len(), 1);

    let dry = Run::new(&["offboard", &name, "--sso", "--dry-run"]).output();
    dry.exits(0)
        .stdout_has(&format!(
            "sso:PutInlinePolicyToPermissionSet developer ({permission_set}): deny identitystore:userId {user_id}"
        ))
        .stdout_has("sso:DeleteAccountAssignment")
        .stdout_has("identitystore:DeleteGroupMembership")
        .stdout_has(&format!("(group {group})"))
        .stdout_has("identitystore:DeleteUser");
    assert_eq!(assignments_of(&instance_arn, &user_id).len(), 2);
    assert_eq!(groups_of_person(&store, &user_id).len(), 1);
    assert!(!inline_policy(&instance_arn, &permission_set).contains(&user_id));

    let out = Run::new(&[
        "offboard",
        &name,
        "--sso",
        "--keep-identity",
        "-y",
        "--output",
        "json",
    ])
    .output();
    let report = out.exits(0).json();
    assert_eq!(report["status"], "offboarded");
    assert!(
        strings(&report["removed"])
            .iter()
            .any(|r| r.contains(&format!("(group {group})"))),
        "{report}"
    );
    let cut = &report["access_cut"];
    assert_eq!(cut["permission_sets"][0]["arn"], permission_set.as_str());
    assert_eq!(cut["permission_sets"][0]["since"], cut["at"]);
    assert!(cut["at"].as_str().unwrap().ends_with('Z'), "{report}");

    assert!(assignments_of(&instance_arn, &user_id).is_empty());
    assert!(
        groups_of_person(&store, &user_id).is_empty(),
        "with --keep-identity too, the person is in no group"
    );
    assert_eq!(identity_user_id(&store, &name), Some(user_id.clone()));
    let policy: serde_json::Value =
        serde_json::from_str(&inline_policy(&instance_arn, &permission_set)).unwrap();
    let deny = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "IamOnboardRevokedSessions")
        .unwrap_or_else(|| panic!("a revoke statement: {policy}"));
    assert_eq!(deny["Effect"], "Deny");
    assert_eq!(deny["Action"], "*");
    assert!(
        strings(&deny["Condition"]["StringEquals"]["identitystore:userId"]).contains(&user_id),
        "{deny}"
    );
    assert!(
        policy.to_string().contains("ChangeOnlyDevResources"),
        "the template's statements stay: {policy}"
    );

    let again = Run::new(&assign_args(&name, &["-y", "--output", "json"])).output();
    let report = again.exits(0).json();
    assert_eq!(
        report["permission_sets"][0]["action"], "unchanged",
        "the unexpired entry is not drift: {report}"
    );
    assert!(
        strings(&report["warnings"])
            .iter()
            .any(|w| w.contains("their sessions from it stay denied until")),
        "{report}"
    );
    assert!(
        inline_policy(&instance_arn, &permission_set).contains(&user_id),
        "a later assignment does not lift the revocation"
    );
}

/// The inline policy of a permission set, as stored.
fn inline_policy(instance_arn: &str, permission_set: &str) -> String {
    block_on(async {
        let out = sso()
            .0
            .get_inline_policy_for_permission_set()
            .instance_arn(instance_arn)
            .permission_set_arn(permission_set)
            .send()
            .await
            .unwrap();
        out.inline_policy().unwrap_or_default().to_string()
    })
}

/// A new identity-store group named `group` with the person in it.
fn join_group(store: &str, group: &str, user_id: &str) {
    block_on(async {
        let created = sso()
            .1
            .create_group()
            .identity_store_id(store)
            .display_name(group)
            .send()
            .await
            .unwrap();
        sso()
            .1
            .create_group_membership()
            .identity_store_id(store)
            .group_id(created.group_id())
            .member_id(aws_sdk_identitystore::types::MemberId::UserId(
                user_id.to_string(),
            ))
            .send()
            .await
            .unwrap();
    });
}

/// The ids of the groups the person is a member of.
fn groups_of_person(store: &str, user_id: &str) -> Vec<String> {
    block_on(async {
        let out = sso()
            .1
            .list_group_memberships_for_member()
            .identity_store_id(store)
            .member_id(aws_sdk_identitystore::types::MemberId::UserId(
                user_id.to_string(),
            ))
            .send()
            .await
            .unwrap();
        out.group_memberships()
            .iter()
            .filter_map(|m| m.group_id().map(str::to_string))
            .collect()
    })
}

#[test]
fn bad_input_exits_2_and_changes_nothing() {
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let name = unique("dora");
    let (_, store) = instance();
    Run::new(&assign_args(&name, &["-y"]))
        .output()
        .exits(2)
        .stderr_has("not in the identity store");
    Run::new(&[
        "assign",
        &name,
        "--template",
        "developer",
        "--account",
        "12345",
        "-y",
    ])
    .output()
    .exits(2)
    .stderr_has("12 digits");
    let mut unknown = vec![
        "assign",
        &name,
        "--template",
        "intern",
        "--account",
        "111111111111",
    ];
    unknown.extend_from_slice(CREATE);
    Run::new(&unknown)
        .output()
        .exits(2)
        .stderr_has("no template");
    Run::new(&[
        "assign",
        &name,
        "--template",
        "developer",
        "--account",
        "111111111111",
        "--create-user",
        "-y",
    ])
    .output()
    .exits(2);
    assert!(identity_user_id(&store, &name).is_none());
}

/// The assignments of a principal: a person (`User`) or a group (`Group`).
fn principal_assignments(
    instance_arn: &str,
    kind: aws_sdk_ssoadmin::types::PrincipalType,
    id: &str,
) -> Vec<(String, String)> {
    block_on(async {
        let assigned: Vec<_> = sso()
            .0
            .list_account_assignments_for_principal()
            .instance_arn(instance_arn)
            .principal_id(id)
            .principal_type(kind)
            .into_paginator()
            .items()
            .send()
            .try_collect()
            .await
            .unwrap();
        let mut found: Vec<(String, String)> = assigned
            .iter()
            .map(|a| {
                (
                    a.account_id().unwrap().to_string(),
                    a.permission_set_arn().unwrap().to_string(),
                )
            })
            .collect();
        found.sort();
        found
    })
}

/// The id of the identity-store group with this display name.
fn group_id(store: &str, name: &str) -> Option<String> {
    block_on(async {
        sso()
            .1
            .get_group_id()
            .identity_store_id(store)
            .alternate_identifier(
                aws_sdk_identitystore::types::AlternateIdentifier::UniqueAttribute(
                    aws_sdk_identitystore::types::UniqueAttribute::builder()
                        .attribute_path("displayName")
                        .attribute_value(aws_smithy_types::Document::String(name.to_string()))
                        .build()
                        .unwrap(),
                ),
            )
            .send()
            .await
            .ok()
            .map(|out| out.group_id().to_string())
    })
}

fn config_file(dir: &std::path::Path, text: &str) -> String {
    let path = dir.join("config.json");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn assign_from_sets(name: &str, config: &str) -> serde_json::Value {
    let mut args = vec![
        "assign",
        name,
        "--template",
        "developer",
        "--config",
        config,
    ];
    args.extend_from_slice(CREATE);
    Run::new(&args).output().exits(0).json()
}

#[test]
fn account_sets_give_access_through_one_group_per_template() {
    use aws_sdk_ssoadmin::types::PrincipalType;
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (instance_arn, store) = instance();
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(
        dir.path(),
        r#"{"account_sets": {"dev": ["444444444444", "555555555555"], "prod": ["666666666666"]}}"#,
    );
    let (first, second) = (unique("grp-a"), unique("grp-b"));
    let report = assign_from_sets(&first, &config);
    assert_eq!(
        report["groups"][0]["group"], "iam-onboard-developer",
        "{report}"
    );
    assert_eq!(report["groups"][0]["joined"], true);
    let again = assign_from_sets(&second, &config);
    assert_eq!(
        again["groups"][0]["group_created"], false,
        "one group: {again}"
    );
    let write = report["permission_sets"][0]["arn"]
        .as_str()
        .unwrap()
        .to_string();

    let developers = group_id(&store, "iam-onboard-developer").expect("the group exists");
    let group_access = principal_assignments(&instance_arn, PrincipalType::Group, &developers);
    for account in ["444444444444", "555555555555"] {
        let times = group_access
            .iter()
            .filter(|(a, set)| a == account && *set == write)
            .count();
        assert_eq!(
            times, 1,
            "the group is assigned in {account}, once: {group_access:?}"
        );
    }
    let (first_id, second_id) = (
        identity_user_id(&store, &first).unwrap(),
        identity_user_id(&store, &second).unwrap(),
    );
    for id in [&first_id, &second_id] {
        assert!(
            assignments_of(&instance_arn, id).is_empty(),
            "no direct user assignment"
        );
        assert!(groups_of_person(&store, id).contains(&developers));
    }

    Run::new(&["offboard", &first, "--sso", "-y"])
        .output()
        .exits(0);
    assert!(
        groups_of_person(&store, &second_id).contains(&developers),
        "offboarding one removes only their membership"
    );
    assert_eq!(
        principal_assignments(&instance_arn, PrincipalType::Group, &developers),
        group_access,
        "the group keeps its access"
    );
    Run::new(&["offboard", &second, "--sso", "-y"])
        .output()
        .exits(0);
}

#[test]
fn sso_access_users_keeps_direct_assignments_per_person() {
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let name = unique("erin");
    let (instance_arn, store) = instance();
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(
        dir.path(),
        r#"{"sso_access": "users", "account_sets": {"dev": ["444444444444", "555555555555"], "prod": ["666666666666"]}}"#,
    );
    let report = assign_from_sets(&name, &config);
    let by_template = |template: &str| {
        report["permission_sets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["template"] == template)
            .map(|p| p["arn"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{template} in {report}"))
    };
    let (write, read) = (by_template("developer"), by_template("developer-readonly"));
    let user_id = identity_user_id(&store, &name).unwrap();
    assert_eq!(
        assignments_of(&instance_arn, &user_id),
        [
            ("444444444444".to_string(), write.clone()),
            ("555555555555".to_string(), write),
            ("666666666666".to_string(), read),
        ]
    );
    Run::new(&["offboard", &name, "--sso", "-y"])
        .output()
        .exits(0);
    assert!(assignments_of(&instance_arn, &user_id).is_empty());

    Run::new(&["assign", &name, "--template", "developer", "-y"])
        .output()
        .exits(2)
        .stderr_has("account_sets.dev");
}

#[test]
fn the_menu_gives_sso_access_asking_for_each_value() {
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let name = unique("desk-sso");
    let mut session = on_a_terminal(Run::new(&[]));
    session.exp_string("What do you want to do?").unwrap();
    press(&mut session, &format!("{DOWN}\r"));
    session.exp_string("Identity Center user name").unwrap();
    session.send_line(&name).unwrap();
    session.exp_string("security-auditor").unwrap();
    // developer, developer-readonly, devops, finance, security-auditor
    press(&mut session, &format!("{}\r", DOWN.repeat(3)));
    session.exp_string("AWS account IDs").unwrap();
    session.send_line("111111111111, 22222222222").unwrap();
    let refused = utf8_from_pty(&session.exp_string("AWS account IDs").unwrap());
    assert!(
        refused.contains("\"22222222222\" is not an AWS account id (12 digits)"),
        "{refused}"
    );
    press(&mut session, "\x15");
    session.send_line("111111111111 222222222222").unwrap();
    session.exp_string("in the identity store").unwrap();
    press(&mut session, "y");
    for (prompt, answer) in [
        ("Email", "sam@example.com"),
        ("Given name", "Sam"),
        ("Family name", "Example"),
        ("Display name", ""),
    ] {
        session.exp_string(prompt).unwrap();
        session.send_line(answer).unwrap();
    }
    let plan = utf8_from_pty(&session.exp_string("Proceed?").unwrap());
    assert!(
        plan.contains("111111111111") && plan.contains("222222222222"),
        "{plan}"
    );
    press(&mut session, "y");
    let rest = utf8_from_pty(&session.exp_eof().unwrap());
    assert_eq!(exit_code(&mut session), 0, "{rest}");
    let (instance_arn, store) = instance();
    let user_id = identity_user_id(&store, &name).expect("the person was created");
    let accounts: Vec<String> = assignments_of(&instance_arn, &user_id)
        .into_iter()
        .map(|(account, _)| account)
        .collect();
    assert_eq!(accounts, ["111111111111", "222222222222"]);

    let mut session = on_a_terminal(Run::new(&[]));
    session.exp_string("What do you want to do?").unwrap();
    press(&mut session, &format!("{}\r", DOWN.repeat(3)));
    session
        .exp_string("Identity Center user to offboard (type to filter)")
        .unwrap();
    press(&mut session, &name);
    press(&mut session, "\r");
    session
        .exp_string(&format!("Type {name} to confirm"))
        .unwrap();
    session.send_line(&name).unwrap();
    let rest = utf8_from_pty(&session.exp_eof().unwrap());
    assert_eq!(exit_code(&mut session), 0, "{rest}");
    assert!(
        identity_user_id(&store, &name).is_none(),
        "picked from the list and offboarded: {rest}"
    );
}

#[test]
fn a_batch_row_offboards_from_sso_denying_the_persons_sessions_first() {
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let name = unique("erin");
    let (instance_arn, store) = instance();
    let assigned = Run::new(&assign_args(&name, CREATE))
        .output()
        .exits(0)
        .json();
    let permission_set = assigned["permission_sets"][0]["arn"]
        .as_str()
        .unwrap()
        .to_string();
    let user_id = identity_user_id(&store, &name).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("leavers.csv");
    std::fs::write(
        &file,
        format!("action,username,keep_identity\noffboard-sso,{name},yes\n"),
    )
    .unwrap();
    let file = file.to_str().unwrap();

    Run::new(&["batch", file, "--dry-run", "-q"])
        .output()
        .exits(0)
        .stdout_has("sso:PutInlinePolicyToPermissionSet developer");
    assert_eq!(assignments_of(&instance_arn, &user_id).len(), 2);

    let report = dir.path().join("report.csv");
    Run::new(&["batch", file, "--report", report.to_str().unwrap(), "-q"])
        .output()
        .exits(0);
    let written = std::fs::read_to_string(&report).unwrap();
    assert!(written.contains(",offboarded,"), "{written}");
    assert!(assignments_of(&instance_arn, &user_id).is_empty());
    assert_eq!(
        identity_user_id(&store, &name),
        Some(user_id.clone()),
        "keep_identity=yes"
    );
    assert!(
        inline_policy(&instance_arn, &permission_set).contains(&user_id),
        "the deny names them"
    );
}

#[test]
fn show_sso_lists_groups_and_assignments_by_name() {
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let name = unique("seen");
    let (_, store) = instance();
    Run::new(&assign_args(&name, CREATE)).output().exits(0);
    let user_id = identity_user_id(&store, &name).unwrap();
    let group = unique("grp");
    join_group(&store, &group, &user_id);
    let report = Run::new(&["show", &name, "--sso", "--output", "json"])
        .output()
        .exits(0)
        .json();
    let person = &report["person"];
    assert_eq!(person["user_id"], user_id.as_str());
    assert_eq!(person["groups"][0]["name"], group.as_str());
    let assignments: Vec<(String, String)> = person["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["account"].as_str().unwrap().to_string(),
                a["permission_set"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        assignments,
        [
            ("111111111111".to_string(), "developer".to_string()),
            ("222222222222".to_string(), "developer".to_string())
        ]
    );
    Run::new(&["show", &name, "--sso"])
        .output()
        .exits(0)
        .stdout_has("developer in account 111111111111")
        .stdout_has(&format!("{group} (gives no access)"));
}

#[test]
fn move_sso_replaces_the_old_templates_assignments_in_the_same_accounts() {
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let name = unique("sso-mover");
    let (instance_arn, store) = instance();
    Run::new(&assign_args(&name, CREATE)).output().exits(0);
    let user_id = identity_user_id(&store, &name).unwrap();
    let report = Run::new(&[
        "move",
        &name,
        "--sso",
        "--template",
        "finance",
        "-y",
        "--output",
        "json",
    ])
    .output()
    .exits(0)
    .json();
    assert_eq!(report["status"], "moved");
    assert_eq!(report["from"], "developer");
    let now = assignments_of(&instance_arn, &user_id);
    assert_eq!(now.len(), 2, "{now:?}");
    assert!(
        now.iter()
            .all(|(_, set)| report["changes"].to_string().contains(set.as_str())),
        "only the finance set is left: {now:?} {report}"
    );
    let accounts: Vec<&str> = now.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(accounts, ["111111111111", "222222222222"]);
    Run::new(&["offboard", &name, "--sso", "-y"])
        .output()
        .exits(0);
}

/// The organisation's root (made when the emulator has none), and a new OU below it holding
/// `accounts` new accounts: (OU id, account ids).
fn ou_with_accounts(accounts: usize) -> (String, Vec<String>) {
    block_on(async {
        let org = crate::support::organizations();
        let _ = org.create_organization().send().await;
        let roots = org.list_roots().send().await.unwrap();
        let root = roots.roots()[0].id().unwrap().to_string();
        let ou = org
            .create_organizational_unit()
            .parent_id(&root)
            .name(unique("ou"))
            .send()
            .await
            .unwrap();
        let ou_id = ou.organizational_unit().unwrap().id().unwrap().to_string();
        let mut ids = Vec::new();
        for _ in 0..accounts {
            let name = unique("acct");
            let made = org
                .create_account()
                .account_name(&name)
                .email(format!("{name}@example.com"))
                .send()
                .await
                .unwrap();
            let id = made
                .create_account_status()
                .unwrap()
                .account_id()
                .unwrap()
                .to_string();
            org.move_account()
                .account_id(&id)
                .source_parent_id(&root)
                .destination_parent_id(&ou_id)
                .send()
                .await
                .unwrap();
            ids.push(id);
        }
        ids.sort();
        (ou_id, ids)
    })
}

#[test]
fn an_account_set_given_as_an_ou_follows_the_organisation() {
    use aws_sdk_ssoadmin::types::PrincipalType;
    let _turn = TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let (instance_arn, store) = instance();
    let (ou, accounts) = ou_with_accounts(2);
    let dir = tempfile::tempdir().unwrap();
    let config = config_file(
        dir.path(),
        &format!(r#"{{"account_sets": {{"dev": ["{ou}"], "prod": ["666666666666"]}}}}"#),
    );
    let name = unique("ou-dev");
    let dry = Run::new(&[
        "assign",
        &name,
        "--template",
        "developer",
        "--config",
        &config,
        "--create-user",
        "--email",
        "d@example.com",
        "--given-name",
        "D",
        "--family-name",
        "E",
        "--dry-run",
    ])
    .output();
    dry.exits(0)
        .stdout_has(&format!("account set dev ({ou}): {}", accounts.join(", ")));
    Run::new(&["templates", "show", "developer", "--config", &config])
        .output()
        .exits(0)
        .stdout_has(&format!(
            "account set     dev gives developer: {}",
            accounts.join(", ")
        ))
        .stdout_has("session         PT8H");
    let (first, second) = (unique("ou-a"), unique("ou-b"));
    assign_from_sets(&first, &config);
    let report = assign_from_sets(&second, &config);
    let write = report["permission_sets"][0]["arn"]
        .as_str()
        .unwrap()
        .to_string();
    let developers = group_id(&store, "iam-onboard-developer").unwrap();
    let group_access = principal_assignments(&instance_arn, PrincipalType::Group, &developers);
    for account in &accounts {
        assert!(
            group_access.contains(&(account.clone(), write.clone())),
            "the group is assigned in {account}: {group_access:?}"
        );
    }
    for person in [&first, &second] {
        let id = identity_user_id(&store, person).unwrap();
        assert!(
            assignments_of(&instance_arn, &id).is_empty(),
            "no direct assignment"
        );
        assert!(groups_of_person(&store, &id).contains(&developers));
    }
    Run::new(&["offboard", &first, "--sso", "-y"])
        .output()
        .exits(0);
    let second_id = identity_user_id(&store, &second).unwrap();
    assert!(groups_of_person(&store, &second_id).contains(&developers));
    Run::new(&["offboard", &second, "--sso", "-y"])
        .output()
        .exits(0);
}
