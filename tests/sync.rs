//! `sync`, `apply` and `expire` end to end against the emulator, each test in an account of its
//! own (sync reads every user of the account): twenty people synced twice, then an edited
//! export changing exactly four; an export cut short refused; a stale saved plan refused; and
//! the end dates.

use crate::support::{OwnAccount, Run, path_arg, plain_onboarding, tag_user_in, user_exists_in};
use std::path::Path;

/// The export: `username,template,until`, a row a person.
fn export(dir: &Path, name: &str, rows: &[(String, &str, &str)]) -> std::path::PathBuf {
    let mut text = String::from("username,template,until\n");
    for (user, template, until) in rows {
        text.push_str(&format!("{user},{template},{until}\n"));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Every report line of a sync run (JSON lines on standard output), by status.
fn statuses(stdout: &str) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut by_status: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for line in stdout.lines().filter(|line| line.starts_with('{')) {
        let row: serde_json::Value = serde_json::from_str(line).unwrap();
        by_status
            .entry(row["status"].as_str().unwrap().to_string())
            .or_default()
            .push(row["username"].as_str().unwrap().to_string());
    }
    by_status
}

/// Checks that a sync run changed nobody: every line of its report is `unchanged`.
fn assert_only_unchanged(run: &crate::support::Output) {
    let by_status = statuses(&run.stdout);
    assert_eq!(
        by_status.keys().collect::<Vec<_>>(),
        ["unchanged"],
        "{by_status:?} {}",
        run.stderr
    );
}

fn sync(account: &OwnAccount, file: &Path, extra: &[&str]) -> crate::support::Output {
    let mut args = vec!["sync", path_arg(file), "-y", "--output", "json"];
    args.extend_from_slice(extra);
    account.run(Run::new(&args)).output()
}

fn people(n: usize) -> Vec<(String, &'static str, &'static str)> {
    (0..n)
        .map(|i| {
            let template = ["developer", "finance", "devops"][i % 3];
            (format!("hr{i:02}"), template, "")
        })
        .collect()
}

fn tags_of(account: &OwnAccount, user: &str) -> Vec<(String, String)> {
    crate::support::tags_in(&account.iam(), user)
}

fn policies_of(account: &OwnAccount, user: &str) -> Vec<String> {
    crate::support::inline_policies_in(&account.iam(), user)
}

#[test]
fn twenty_people_synced_twice_then_an_edited_export_changes_exactly_four() {
    let account = OwnAccount::new(1);
    let dir = tempfile::tempdir().unwrap();
    let first = export(dir.path(), "hr.csv", &people(20));
    let out = sync(&account, &first, &[]);
    out.exits(0);
    assert_eq!(statuses(&out.stdout)["joined"].len(), 20, "{}", out.stderr);
    let again = sync(&account, &first, &[]);
    again.exits(0);
    assert_only_unchanged(&again);
    assert_eq!(statuses(&again.stdout)["unchanged"].len(), 20);

    let mut edited = people(20);
    edited[0].1 = "finance";
    edited[1].2 = "2026-01-31";
    edited.remove(2);
    edited.push(("hr99".to_string(), "developer", ""));
    let second = export(dir.path(), "hr2.csv", &edited);
    let dry = account
        .run(Run::new(&["sync", path_arg(&second), "--dry-run"]))
        .output();
    dry.exits(0)
        .stderr_has("join: 1\n  hr99 as developer")
        .stderr_has("move: 1\n  hr00: developer -> finance")
        .stderr_has("disable: 2");
    let report = dir.path().join("report.jsonl");
    let out = sync(&account, &second, &["--report", path_arg(&report)]);
    out.exits(0)
        .stderr_has("\noffboard hr01: disabled\n")
        .stderr_has("\noffboard hr02: disabled\n");
    assert!(
        !out.stderr.contains("line 0"),
        "a leaver stands on no line of the export: {}",
        out.stderr
    );
    let by_status = statuses(&std::fs::read_to_string(&report).unwrap());
    assert_eq!(by_status["joined"], ["hr99"]);
    assert_eq!(by_status["moved"], ["hr00"]);
    let mut disabled = by_status["disabled"].clone();
    disabled.sort();
    assert_eq!(disabled, ["hr01", "hr02"], "a past end date and a leaver");
    assert_eq!(by_status["unchanged"].len(), 17);
    assert!(policies_of(&account, "hr02").contains(&"iam-onboard-deny-all".to_string()));
    assert!(
        tags_of(&account, "hr02")
            .iter()
            .any(|(k, v)| k == "iam-onboard:offboard-reason" && v == "not in the export")
    );
    let settled = sync(&account, &second, &[]);
    assert_only_unchanged(&settled);
}

#[test]
fn an_export_cut_short_is_refused_before_any_change() {
    let account = OwnAccount::new(2);
    let dir = tempfile::tempdir().unwrap();
    let all = export(dir.path(), "hr.csv", &people(20));
    sync(&account, &all, &[]).exits(0);
    let cut = export(dir.path(), "cut.csv", &people(20)[..5]);
    let refused = sync(&account, &cut, &[]);
    refused.exits(2);
    let error: serde_json::Value = serde_json::from_str(refused.stdout.trim()).unwrap();
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("15 leavers of 20 people managed"),
        "{error}"
    );
    assert!(
        policies_of(&account, "hr19").is_empty(),
        "nobody was disabled"
    );
    let empty = export(dir.path(), "empty.csv", &[]);
    sync(&account, &empty, &[]).exits(2);
    let headless = dir.path().join("headless.csv");
    std::fs::write(&headless, "name,template\nhr00,developer\n").unwrap();
    sync(&account, &headless, &[]).exits(2);
    sync(&account, &cut, &["--max-leavers", "15"]).exits(0);
    assert!(policies_of(&account, "hr19").contains(&"iam-onboard-deny-all".to_string()));
}

#[test]
fn a_saved_plan_is_carried_out_or_refused_when_the_account_changed() {
    let account = OwnAccount::new(3);
    let dir = tempfile::tempdir().unwrap();
    let first = export(dir.path(), "hr.csv", &people(4));
    sync(&account, &first, &[]).exits(0);
    let mut edited = people(4);
    edited[0].1 = "finance";
    let second = export(dir.path(), "hr2.csv", &edited);
    let plan = dir.path().join("plan.json");
    sync(&account, &second, &["--plan-out", path_arg(&plan)]).exits(0);
    let saved = std::fs::read_to_string(&plan).unwrap();
    assert!(saved.contains("\"fingerprint\"") && saved.contains("\"change\": \"move\""));
    assert!(
        !saved.to_lowercase().contains("password"),
        "no secret in a plan"
    );
    account
        .run(Run::new(&["move", "-y", "hr03", "--template", "devops"]))
        .output()
        .exits(0);
    let stale = account
        .run(Run::new(&["apply", path_arg(&plan), "-y"]))
        .output();
    stale
        .exits(2)
        .stderr_has("the account changed since the plan was made")
        .stderr_has("hr03 template=devops");
    assert!(
        tags_of(&account, "hr00")
            .contains(&("iam-onboard:template".to_string(), "developer".to_string())),
        "nothing was changed"
    );
    let fresh = dir.path().join("fresh.json");
    sync(&account, &second, &["--plan-out", path_arg(&fresh)]).exits(0);
    let applied = account
        .run(Run::new(&[
            "apply",
            path_arg(&fresh),
            "-y",
            "--output",
            "json",
        ]))
        .output();
    applied.exits(0);
    assert_eq!(
        statuses(&applied.stdout)["moved"].len(),
        2,
        "hr00 and hr03 back"
    );
}

#[test]
fn expire_disables_the_people_past_their_end_date_and_nobody_else() {
    let account = OwnAccount::new(4);
    account
        .run(
            plain_onboarding("ex-past", "finance")
                .arg("--until")
                .arg("2026-01-31"),
        )
        .refused("--until: 2026-01-31 has passed");
    assert!(
        !user_exists_in(&account.iam(), "ex-past"),
        "an end date that has passed makes no user"
    );
    for name in ["ex-past", "ex-future"] {
        account
            .run(
                plain_onboarding(name, "finance")
                    .arg("--until")
                    .arg("2099-12-31"),
            )
            .output()
            .exits(0);
    }
    tag_user_in(&account.iam(), "ex-past", "iam-onboard:until", "2026-01-31");
    account
        .run(Run::new(&["audit", "--output", "json"]))
        .output()
        .stdout_has("access-past-end-date");
    let listed = account.run(Run::new(&["list", "--output", "csv"])).output();
    listed.exits(0).stdout_has("2026-01-31");
    let planned = account.run(Run::new(&["expire", "--dry-run"])).output();
    planned
        .exits(0)
        .stdout_has("expire ex-future: unchanged arn:")
        .stdout_has("offboard ex-past: planned arn:");
    assert!(
        !planned.stdout.contains("()") && !planned.stdout.contains("sync "),
        "a person expire leaves alone is said as expire's, with no empty brackets: {}",
        planned.stdout
    );
    let out = account
        .run(Run::new(&["expire", "-y", "--output", "json"]))
        .output();
    out.exits(0);
    let by_status = statuses(&out.stdout);
    assert_eq!(by_status["disabled"], ["ex-past"]);
    assert_eq!(by_status["unchanged"], ["ex-future"]);
    assert!(policies_of(&account, "ex-past").contains(&"iam-onboard-deny-all".to_string()));
    assert!(policies_of(&account, "ex-future").is_empty());
    account
        .run(Run::new(&[
            "new-user",
            "-y",
            "ex-bad",
            "--template",
            "finance",
            "--until",
            "31/01/2026",
        ]))
        .refused("--until");
}

/// An Identity Center export: `username,template,accounts,email,given_name,family_name,until`,
/// each person given access in `account` (moto lists a provisioned permission set in its own
/// account only, where AWS lists every account it is assigned in).
fn sso_export(
    dir: &Path,
    name: &str,
    account: &str,
    rows: &[(&str, &str, &str)],
) -> std::path::PathBuf {
    let mut text = String::from("username,template,accounts,email,given_name,family_name,until\n");
    for (user, template, until) in rows {
        text.push_str(&format!(
            "{user},{template},{account},{user}@example.com,Given,{user},{until}\n"
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn identity_center_people_are_synced_twice_then_a_mover_a_new_date_and_a_leaver_change() {
    let account = OwnAccount::new(41);
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        ("ic-ann", "developer", ""),
        ("ic-bob", "developer", "2027-01-31"),
        ("ic-cid", "finance", ""),
    ];
    let first = sso_export(dir.path(), "ic.csv", &account.id, &rows);
    let out = sync(&account, &first, &["--sso"]);
    out.exits(0);
    let mut joined = statuses(&out.stdout)["joined"].clone();
    joined.sort();
    assert_eq!(joined, ["ic-ann", "ic-bob", "ic-cid"], "{}", out.stderr);
    let again = sync(&account, &first, &["--sso"]);
    again.exits(0);
    assert_only_unchanged(&again);

    let edited = sso_export(
        dir.path(),
        "ic2.csv",
        &account.id,
        &[
            ("ic-ann", "finance", ""),
            ("ic-bob", "developer", "2027-03-31"),
        ],
    );
    let dry = account
        .run(Run::new(&["sync", path_arg(&edited), "--sso", "--dry-run"]))
        .output();
    dry.exits(0)
        .stderr_has("move: 1\n  ic-ann: developer -> finance (sso)")
        .stderr_has("new end date: 1\n  ic-bob: until 2027-03-31 (sso)")
        .stderr_has("disable: 1\n  ic-cid (not in the export) (sso)");
    let out = sync(&account, &edited, &["--sso"]);
    out.exits(0);
    let by_status = statuses(&out.stdout);
    assert_eq!(by_status["moved"], ["ic-ann"], "{}", out.stderr);
    assert_eq!(by_status["updated"], ["ic-bob"]);
    assert_eq!(by_status["disabled"], ["ic-cid"]);
    let shown = account
        .run(Run::new(&["show", "--sso", "ic-cid", "--output", "json"]))
        .output();
    shown.exits(0);
    let person = shown.json();
    assert_eq!(
        person["person"]["assignments"],
        serde_json::json!([]),
        "the leaver's access is removed and the identity kept: {person}"
    );
    let bob = account
        .run(Run::new(&["show", "--sso", "ic-bob", "--output", "json"]))
        .output()
        .json();
    let groups: Vec<&str> = bob["person"]["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["name"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["iam-onboard-until-2027-03-31"], "{bob}");
    let settled = sync(&account, &edited, &["--sso"]);
    assert_only_unchanged(&settled);
}

#[test]
fn assign_until_records_the_end_date_as_a_group_membership_and_a_bad_date_changes_nothing() {
    let account = OwnAccount::new(42);
    let assign = |until: &str| {
        account
            .run(Run::new(&[
                "assign",
                "ic-dee",
                "--template",
                "finance",
                "--account",
                &account.id,
                "--until",
                until,
                "--create-user",
                "--email",
                "dee@example.com",
                "--given-name",
                "Dee",
                "--family-name",
                "Example",
                "-y",
                "--output",
                "json",
            ]))
            .output()
    };
    assign("31/12/2027").exits(2).stderr_has("YYYY-MM-DD");
    let shown = account
        .run(Run::new(&["show", "--sso", "ic-dee", "--output", "json"]))
        .output();
    assert!(
        shown.json()["person"].is_null(),
        "nothing was made: {}",
        shown.stdout
    );
    assign("2027-12-31").exits(0);
    let shown = account
        .run(Run::new(&["show", "--sso", "ic-dee", "--output", "json"]))
        .output()
        .json();
    assert_eq!(shown["person"]["until"], "2027-12-31", "{shown}");
    assert_eq!(
        (&shown["person"]["display_name"], &shown["person"]["email"]),
        (&"Dee Example".into(), &"dee@example.com".into()),
        "the identity store's name and email: {shown}"
    );
}
