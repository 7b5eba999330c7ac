//! `--accounts` end to end against the emulator: three member accounts of an organisation's OU
//! (moto answers AssumeRole into any account with credentials that act there), a user named
//! alice in two of them, found by show, listed with their account, audited per account and
//! offboarded from both; and a profile that asks for MFA.

use crate::support::{OwnAccount, Run, plain_onboarding};

#[test]
fn show_list_and_audit_reach_every_account_of_an_ou_and_say_which_holds_what() {
    let (ou, ids) = crate::support::ou_with_accounts(3);
    let members: Vec<OwnAccount> = ids.into_iter().map(OwnAccount::with_id).collect();
    for holder in &members[..2] {
        holder
            .run(plain_onboarding("alice", "developer"))
            .output()
            .exits(0);
    }
    let set = ou;
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

#[test]
fn offboard_across_accounts_removes_the_person_in_each_and_nothing_else() {
    let members = [
        OwnAccount::new(50),
        OwnAccount::new(51),
        OwnAccount::new(52),
    ];
    for holder in &members[..2] {
        holder
            .run(plain_onboarding("alice", "developer"))
            .output()
            .exits(0);
    }
    members[0]
        .run(plain_onboarding("bob", "developer"))
        .output()
        .exits(0);
    let set = members
        .iter()
        .map(|m| m.id.clone())
        .collect::<Vec<_>>()
        .join(",");
    let users_of = |member: &OwnAccount| -> Vec<String> {
        let iam = member.iam();
        crate::support::block_on(async {
            iam.list_users()
                .send()
                .await
                .unwrap()
                .users()
                .iter()
                .map(|u| u.user_name().to_string())
                .collect()
        })
    };
    Run::new(&["offboard", "alice", "--accounts", &set]).refused("--yes");
    let dry = Run::new(&[
        "offboard",
        "alice",
        "--accounts",
        &set,
        "--dry-run",
        "--output",
        "json",
    ])
    .output();
    let planned = dry.exits(0).json();
    assert_eq!(
        planned["accounts"].as_array().unwrap().len(),
        3,
        "{planned:#}"
    );
    assert_eq!(planned["accounts"][0]["report"]["status"], "planned");
    assert_eq!(planned["accounts"][2]["report"]["status"], "not-found");
    assert!(
        users_of(&members[0]).contains(&"alice".to_string()),
        "a dry run changes nothing"
    );

    let done = Run::new(&[
        "offboard",
        "alice",
        "--accounts",
        &set,
        "-y",
        "--output",
        "json",
    ])
    .output();
    let report = done
        .exits(0)
        .stderr_has("About to offboard alice, in this order:")
        .json();
    let statuses: Vec<&str> = report["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["report"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["offboarded", "offboarded", "not-found"],
        "{report:#}"
    );
    assert_eq!(users_of(&members[0]), ["bob"], "nothing else is removed");
    assert!(users_of(&members[1]).is_empty());
    let again = Run::new(&["offboard", "alice", "--accounts", &set, "-y"]).output();
    again.exits(0).stdout_has("alice does not exist");
}

#[test]
fn a_profile_that_asks_for_mfa_gets_one_code_typed_for_every_account() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let credentials = dir.path().join("credentials");
    std::fs::write(
        &config,
        "[profile mfa-user]\nmfa_serial = arn:aws:iam::123456789012:mfa/ops\n",
    )
    .unwrap();
    std::fs::write(
        &credentials,
        "[mfa-user]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    )
    .unwrap();
    let member = OwnAccount::new(53);
    let with_profile = |run: Run| {
        run.env("AWS_CONFIG_FILE", config.to_str().unwrap())
            .env("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap())
    };
    with_profile(Run::new(&[
        "--profile",
        "mfa-user",
        "list",
        "--accounts",
        &member.id,
    ]))
    .refused("the profile asks for MFA (arn:aws:iam::123456789012:mfa/ops)");
    let mut session = crate::support::on_a_terminal(with_profile(Run::new(&[
        "--profile",
        "mfa-user",
        "list",
        "--accounts",
        &member.id,
        "--all",
    ])));
    session
        .exp_string("MFA code from arn:aws:iam::123456789012:mfa/ops")
        .unwrap();
    session.send_line("123 456").unwrap();
    session.exp_string("0 people").unwrap();
    assert_eq!(crate::support::exit_code(&mut session), 0);
}
