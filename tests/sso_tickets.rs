//! Identity Center after day one, end to end: `show --sso` and `move --sso`.

use crate::support::*;

#[test]
fn show_sso_lists_groups_and_assignments_by_name() {
    let _turn = sso_turn();
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
    let _turn = sso_turn();
    let name = unique("sso-mover");
    let (instance_arn, store) = instance();
    Run::new(&assign_args(&name, CREATE)).output().exits(0);
    let user_id = identity_user_id(&store, &name).unwrap();
    let old_sets: Vec<String> = assignments_of(&instance_arn, &user_id)
        .into_iter()
        .map(|(_, set)| set)
        .collect();
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
    assert!(
        report["changes"][0]
            .as_str()
            .unwrap()
            .starts_with("sso:PutInlinePolicyToPermissionSet developer"),
        "the old access's live sessions are denied first: {report}"
    );
    assert!(
        inline_policy(&instance_arn, &old_sets[0]).contains(&user_id),
        "the developer set denies the mover's sessions issued before the move"
    );
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
