//! `review start` and `review apply` end to end against the emulator, in an account of their
//! own (a review reads every user of it): sheets per template and per manager, decisions carried
//! out through the commands' operations, and bad decisions refused before any change.

use crate::support::{OwnAccount, Run, block_on, plain_onboarding};
use std::path::Path;

fn onboard(account: &OwnAccount, name: &str, template: &str, tags: &[&str]) {
    let mut run = plain_onboarding(name, template);
    for tag in tags {
        run = run.arg("--tag").arg(tag);
    }
    account.run(run).output().exits(0);
}

fn tags_of(account: &OwnAccount, user: &str) -> Vec<(String, String)> {
    crate::support::tags_in(&account.iam(), user)
}

fn groups_of(account: &OwnAccount, user: &str) -> Option<Vec<String>> {
    let iam = account.iam();
    block_on(async {
        let out = iam
            .list_groups_for_user()
            .user_name(user)
            .send()
            .await
            .ok()?;
        Some(
            out.groups()
                .iter()
                .map(|g| g.group_name().to_string())
                .collect(),
        )
    })
}

/// The cell of `user`'s line in `sheet` under `column`.
#[track_caller]
fn cell(sheet: &Path, user: &str, column: &str) -> String {
    let text = std::fs::read_to_string(sheet).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let at = reader.headers().unwrap().iter().position(|h| h == column);
    let at = at.unwrap_or_else(|| panic!("{} has no column {column}", sheet.display()));
    reader
        .records()
        .map(Result::unwrap)
        .find(|record| &record[0] == user)
        .unwrap_or_else(|| panic!("{user} is not in {}:\n{text}", sheet.display()))[at]
        .to_string()
}

/// Sets the decision of `user` in `sheet`, as a reviewer would in a spreadsheet.
fn decide(sheet: &Path, user: &str, decision: &str) {
    let text = std::fs::read_to_string(sheet).unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let column = header.iter().position(|h| h == "decision").unwrap();
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for record in reader.records() {
        let mut cells: Vec<String> = record.unwrap().iter().map(str::to_string).collect();
        if cells[0] == user {
            cells[column] = decision.to_string();
        }
        writer.write_record(&cells).unwrap();
    }
    std::fs::write(sheet, writer.into_inner().unwrap()).unwrap();
}

#[test]
fn a_review_keeps_revokes_and_moves_through_the_commands_and_records_who_was_kept() {
    let account = OwnAccount::new(46);
    onboard(&account, "rv-alice", "developer", &[]);
    onboard(&account, "rv-dave", "developer", &[]);
    onboard(&account, "rv-carol", "finance", &[]);
    onboard(
        &account,
        "rv-bob",
        "developer",
        &["manager=dana@example.com"],
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("q4");
    let out_arg = out.to_str().unwrap();
    account
        .run(Run::new(&["review", "start", "--out", out_arg]))
        .output()
        .exits(0)
        .stdout_has("4 people to review");
    let mut sheets: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    sheets.sort();
    assert_eq!(
        sheets,
        [
            "manager-dana@example.com.csv",
            "template-developer.csv",
            "template-finance.csv"
        ]
    );
    let developers = out.join("template-developer.csv");
    let text = std::fs::read_to_string(&developers).unwrap();
    assert!(
        text.contains("rv-alice,") && text.contains("iam-onboard-developers"),
        "{text}"
    );

    decide(&developers, "rv-alice", "keep");
    decide(&developers, "rv-dave", "sack");
    account
        .run(Run::new(&["review", "apply", out_arg, "-y"]))
        .refused("template-developer.csv:3: decision: \"sack\" is not a decision");
    assert!(
        tags_of(&account, "rv-alice")
            .iter()
            .all(|(k, _)| k != "iam-onboard:reviewed"),
        "nothing changed"
    );

    decide(&developers, "rv-dave", "revoke");
    decide(
        &out.join("template-finance.csv"),
        "rv-carol",
        "move:developer-readonly",
    );
    account
        .run(Run::new(&["review", "apply", out_arg]))
        .refused("--yes");
    let dry = account
        .run(Run::new(&["review", "apply", out_arg, "--dry-run"]))
        .output();
    dry.exits(0)
        .stderr_has("offboard (revoke): 1 (rv-dave)")
        .stderr_has("move, then record the review: 1 (rv-carol to developer-readonly)")
        .stderr_has("keep: record the review: 1 (rv-alice)")
        .stderr_has("no decision, left as they are: 1")
        .stdout_has("iam:TagUser UserName=rv-carol Tags=[iam-onboard:reviewed=");
    assert!(
        groups_of(&account, "rv-dave").is_some(),
        "a dry run changes nothing"
    );

    let done = account
        .run(Run::new(&["review", "apply", out_arg, "-y"]))
        .output();
    let sheet = |name: &str| out.join(name).to_str().unwrap().to_string();
    done.exits(0)
        .stdout_has(&format!(
            "{}:3 offboard rv-dave: offboarded",
            sheet("template-developer.csv")
        ))
        .stdout_has(&format!(
            "{}:2 move rv-carol: moved",
            sheet("template-finance.csv")
        ))
        .stdout_has(&format!(
            "{}:2 review rv-bob: unchanged (no decision)",
            sheet("manager-dana@example.com.csv")
        ));
    let reviewed = |user: &str| {
        tags_of(&account, user)
            .into_iter()
            .find(|(k, _)| k == "iam-onboard:reviewed")
            .map(|(_, v)| v)
    };
    let today = reviewed("rv-alice").expect("alice was kept");
    assert_eq!(today.len(), 10, "a YYYY-MM-DD date: {today}");
    assert_eq!(groups_of(&account, "rv-dave"), None, "dave was offboarded");
    assert_eq!(
        groups_of(&account, "rv-carol").unwrap(),
        ["iam-onboard-developers-readonly"]
    );
    assert_eq!(reviewed("rv-carol").as_deref(), Some(today.as_str()));
    assert_eq!(reviewed("rv-bob"), None, "no decision, no record");
    account
        .run(Run::new(&["show", "rv-carol"]))
        .output()
        .exits(0)
        .stdout_has(&format!("  last reviewed      {today}\n"));

    let audit = account
        .run(Run::new(&[
            "audit",
            "--review-days",
            "0",
            "--fail-on",
            "never",
            "--output",
            "json",
        ]))
        .output();
    let findings = audit.exits(0).json()["findings"].clone();
    let not_reviewed = |user: &str| -> String {
        findings
            .as_array()
            .unwrap()
            .iter()
            .find(|f| {
                f["check"] == "not-reviewed" && f["subject"].as_str().unwrap().ends_with(user)
            })
            .map(|f| f["detail"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };
    assert!(
        not_reviewed("user/rv-bob").starts_with("never reviewed"),
        "{findings:#}"
    );
    assert!(
        not_reviewed("user/rv-alice").starts_with(&format!("last kept by the review of {today}")),
        "{findings:#}"
    );

    let again = account
        .run(Run::new(&["review", "apply", out_arg, "-y"]))
        .output();
    again.exits(0);

    account
        .run(Run::new(&["offboard", "rv-bob", "--disable-only", "-y"]))
        .output()
        .exits(0);
    let next = dir.path().join("q1");
    account
        .run(Run::new(&[
            "review",
            "start",
            "--out",
            next.to_str().unwrap(),
        ]))
        .output()
        .exits(0);
    let access_cut = |sheet: &str, user: &str| cell(&next.join(sheet), user, "access_cut");
    assert_eq!(access_cut("manager-dana@example.com.csv", "rv-bob"), "yes");
    assert_eq!(access_cut("template-developer.csv", "rv-alice"), "no");
}
