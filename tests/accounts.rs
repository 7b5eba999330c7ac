//! `--accounts` end to end against the emulator: three member accounts of their own (moto
//! answers AssumeRole into any account with credentials that act there), a user named alice in
//! two of them, found by show, listed with their account, and audited per account.

use crate::support::{OwnAccount, Run, plain_onboarding};

#[test]
fn show_list_and_audit_reach_every_account_and_say_which_holds_what() {
    let members = [
        OwnAccount::new(47),
        OwnAccount::new(48),
        OwnAccount::new(49),
    ];
    for holder in &members[..2] {
        holder
            .run(plain_onboarding("alice", "developer"))
            .output()
            .exits(0);
    }
    let set = members
        .iter()
        .map(|m| m.id.clone())
        .collect::<Vec<_>>()
        .join(",");
    let shown = Run::new(&["show", "alice", "--accounts", &set, "--output", "json"]).output();
    let report = shown.exits(0).json();
    let holders: Vec<&str> = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|held| held["account"].as_str().unwrap())
        .collect();
    assert_eq!(
        holders,
        [members[0].id.as_str(), members[1].id.as_str()],
        "{report:#}"
    );
    assert_eq!(report["accounts"][0]["user"]["template"], "developer");
    assert!(
        report["acting"]["caller_arn"].as_str().is_some(),
        "{report:#}"
    );

    let listed = Run::new(&["list", "--accounts", &set, "--output", "csv"]).output();
    listed.exits(0);
    let lines: Vec<&str> = listed.stdout.lines().collect();
    assert!(
        lines[0].starts_with("account,user_name,template"),
        "{}",
        listed.stdout
    );
    assert_eq!(
        lines
            .iter()
            .filter(|l| l.contains(",alice,developer,"))
            .count(),
        2,
        "{}",
        listed.stdout
    );

    let audited = Run::new(&[
        "audit",
        "--accounts",
        &set,
        "--fail-on",
        "never",
        "--output",
        "json",
    ])
    .output();
    let audit = audited.exits(0).json();
    let counted: Vec<&str> = audit["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["account"].as_str().unwrap())
        .collect();
    assert_eq!(counted.len(), 3, "{audit:#}");
    for holder in &members[..2] {
        assert!(
            audit["findings"].as_array().unwrap().iter().any(|f| {
                f["account"] == holder.id.as_str()
                    && f["subject"].as_str().unwrap().ends_with("user/alice")
            }),
            "a finding about alice in {}: {audit:#}",
            holder.id
        );
    }
    let text = Run::new(&["audit", "--accounts", &set, "--fail-on", "never"]).output();
    text.exits(0)
        .stdout_has("Audit of 3 AWS accounts")
        .stdout_has(&format!("(account {})", members[0].id));
}
