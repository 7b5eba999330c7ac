//! `offboard --sso` end to end against the emulator's IAM Identity Center: the person's
//! sessions denied in each permission set before anything is removed; `--keep-identity`, the
//! dry run, and a batch `offboard-sso` row.

use crate::support::*;

#[test]
fn keep_identity_and_dry_run_leave_the_person() {
    let _turn = sso_turn();
    let name = unique("carl");
    let AssignedPerson {
        instance_arn,
        store,
        permission_set,
        user_id,
    } = assigned_developer(&name);
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
        policy.to_string().contains("ChangeOnlyDevTables"),
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

#[test]
fn a_batch_row_offboards_from_sso_denying_the_persons_sessions_first() {
    let _turn = sso_turn();
    let name = unique("erin");
    let erin = assigned_developer(&name);
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
    assert_eq!(assignments_of(&erin.instance_arn, &erin.user_id).len(), 2);

    let report = dir.path().join("report.csv");
    batch_run(file, &report).output().exits(0);
    let written = std::fs::read_to_string(&report).unwrap();
    assert!(written.contains(",offboarded,"), "{written}");
    assert!(assignments_of(&erin.instance_arn, &erin.user_id).is_empty());
    assert_eq!(
        identity_user_id(&erin.store, &name),
        Some(erin.user_id.clone()),
        "keep_identity=yes"
    );
    assert!(
        inline_policy(&erin.instance_arn, &erin.permission_set).contains(&erin.user_id),
        "the deny names them"
    );
}
