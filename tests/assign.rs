//! `assign` end to end against the emulator's IAM Identity Center: the person, the permission
//! set and the assignments, through the template's group or directly, from account sets given
//! as ids, OUs or tags; bad input; the menu.

use crate::support::*;

#[test]
fn assign_creates_person_permission_set_and_assignments_once() {
    let _turn = sso_turn();
    let name = unique("bob");
    let (instance_arn, store) = instance();
    let first = Run::new(&assign_args(&name, CREATE)).output();
    let report = first
        .exits(0)
        .stderr_has(&format!(
            "About to give {name} developer in 111111111111, developer in 222222222222."
        ))
        .json();
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
        policy.contains("ChangeOnlyDevTables"),
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
fn bad_input_exits_2_and_changes_nothing() {
    let _turn = sso_turn();
    let name = unique("dora");
    let (_, store) = instance();
    Run::new(&assign_args(&name, &["-y"])).refused("not in the identity store");
    Run::new(&[
        "assign",
        &name,
        "--template",
        "developer",
        "--account",
        "12345",
        "-y",
    ])
    .refused("12 digits");
    let mut unknown = vec![
        "assign",
        &name,
        "--template",
        "intern",
        "--account",
        "111111111111",
    ];
    unknown.extend_from_slice(CREATE);
    Run::new(&unknown).refused("no template");
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

#[test]
fn account_sets_give_access_through_one_group_per_template() {
    use aws_sdk_ssoadmin::types::PrincipalType;
    let _turn = sso_turn();
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
    let _turn = sso_turn();
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

    Run::new(&["assign", &name, "--template", "developer", "-y"]).refused("account_sets.dev");
}

#[test]
fn the_menu_gives_sso_access_asking_for_each_value() {
    let _turn = sso_turn();
    let name = unique("desk-sso");
    let mut session = on_a_terminal(Run::new(&[]));
    choose_from_menu(&mut session, 1);
    answer(&mut session, "Identity Center user name", &name);
    session.exp_string("security-auditor").unwrap();
    // developer, developer-readonly, devops, finance, security-auditor
    press(&mut session, &format!("{}\r", DOWN.repeat(3)));
    answer(&mut session, "AWS account IDs", "111111111111, 22222222222");
    let refused = shown_until(&mut session, "AWS account IDs");
    assert!(
        refused.contains("\"22222222222\" is not an AWS account id (12 digits)"),
        "{refused}"
    );
    press(&mut session, "\x15");
    session.send_line("111111111111 222222222222").unwrap();
    session.exp_string("in the identity store").unwrap();
    press(&mut session, "y");
    for (prompt, reply) in [
        ("Email", "sam@example.com"),
        ("Given name", "Sam"),
        ("Family name", "Example"),
        ("Display name", ""),
    ] {
        answer(&mut session, prompt, reply);
    }
    let plan = shown_until(&mut session, "Proceed?");
    assert!(
        plan.contains("111111111111") && plan.contains("222222222222"),
        "{plan}"
    );
    press(&mut session, "y");
    finished_with(&mut session, 0);
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
    answer(
        &mut session,
        "Identity Center user to offboard (type to filter)",
        &name,
    );
    session
        .exp_string(&format!("Type {name} to confirm"))
        .unwrap();
    session.send_line(&name).unwrap();
    let rest = finished_with(&mut session, 0);
    assert!(
        identity_user_id(&store, &name).is_none(),
        "picked from the list and offboarded: {rest}"
    );
}

#[test]
fn an_account_set_given_as_an_ou_follows_the_organisation() {
    use aws_sdk_ssoadmin::types::PrincipalType;
    let _turn = sso_turn();
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

#[test]
fn a_template_s_aws_managed_policy_is_checked_before_any_change_and_attached_to_its_permission_set()
{
    let _turn = sso_turn();
    let (instance_arn, store) = instance();
    let dir = tempfile::tempdir().unwrap();
    let set = exported_templates(dir.path());
    let set_arg = path_arg(&set);
    let file = set.join("finance-aws.json");
    let mut template = json_file(&set.join("finance.json"));
    let with = |template: &mut serde_json::Value, policy: &str| {
        template["aws_managed_policies"] = serde_json::json!([policy]);
        std::fs::write(&file, template.to_string()).unwrap();
    };
    let name = unique("carla");
    let assign = |name: &str| {
        let mut args = vec![
            "--templates",
            set_arg,
            "assign",
            name,
            "--template",
            "finance-aws",
        ];
        args.extend(["--account", "111111111111"]);
        args.extend_from_slice(CREATE);
        Run::new(&args).output()
    };
    with(&mut template, "job-function/NoSuchPolicy");
    let refused = |output: Output| {
        output
            .exits(2)
            .stderr_has("finance-aws.json")
            .stderr_has("aws_managed_policies")
            .stderr_has("arn:aws:iam::aws:policy/job-function/NoSuchPolicy");
    };
    refused(assign(&name));
    assert!(identity_user_id(&store, &name).is_none(), "nothing changed");

    let rows = dir.path().join("rows.csv");
    std::fs::write(
        &rows,
        format!(
            "action,username,template,accounts,email,given_name,family_name\n\
             assign,{name},finance-aws,111111111111,carla@example.com,Carla,Example\n"
        ),
    )
    .unwrap();
    refused(Run::new(&["--templates", set_arg, "batch", "-y", path_arg(&rows)]).output());
    assert!(
        identity_user_id(&store, &name).is_none(),
        "a batch row: nothing changed"
    );

    let mover = unique("marta");
    let assigned = assigned_developer(&mover);
    let before = assignments_of(&instance_arn, &assigned.user_id);
    assert_eq!(before.len(), 2, "developer in two accounts: {before:?}");
    let move_args = [
        "--templates",
        set_arg,
        "move",
        &mover,
        "--sso",
        "--template",
        "finance-aws",
        "-y",
    ];
    refused(Run::new(&move_args).output());
    assert_eq!(
        assignments_of(&instance_arn, &assigned.user_id),
        before,
        "a move: the old access is left as it was"
    );

    with(&mut template, "AWSBillingReadOnlyAccess");
    let report = assign(&name).exits(0).json();
    let permission_set = report["permission_sets"][0]["arn"]
        .as_str()
        .unwrap()
        .to_string();
    let attached = block_on(async {
        sso()
            .0
            .list_managed_policies_in_permission_set()
            .instance_arn(&instance_arn)
            .permission_set_arn(&permission_set)
            .send()
            .await
            .unwrap()
    });
    let arns: Vec<&str> = attached
        .attached_managed_policies()
        .iter()
        .filter_map(|p| p.arn())
        .collect();
    assert_eq!(arns, ["arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess"]);
}
