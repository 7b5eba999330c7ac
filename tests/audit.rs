//! `audit` end to end against the emulator: the JSON, the CSV and the exit codes. moto drops
//! permissions boundaries at CreateUser, so every user this tool makes there shows as
//! template drift: the gap shows, as it should.

use crate::support::{Run, create_user, plain_onboarding, unique};

#[test]
fn the_json_report_names_each_finding_with_its_fix_and_exit_5_on_high() {
    let made = unique("audited");
    plain_onboarding(&made, "finance").output().exits(0);
    let by_hand = unique("hand");
    create_user(&by_hand);
    let admins = unique("admins");
    let written = unique("written");
    create_user(&written);
    let iam_all = unique("iam-all");
    crate::support::block_on(async {
        let iam = crate::support::iam();
        let policy = iam
            .create_policy()
            .policy_name(&iam_all)
            .policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#,
            )
            .send()
            .await
            .unwrap();
        iam.attach_user_policy()
            .user_name(&written)
            .policy_arn(policy.policy().unwrap().arn().unwrap())
            .send()
            .await
            .unwrap();
        iam.put_user_policy()
            .user_name(&written)
            .policy_name("everything")
            .policy_document(
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
            )
            .send()
            .await
            .unwrap();
        iam.create_group().group_name(&admins).send().await.unwrap();
        iam.attach_group_policy()
            .group_name(&admins)
            .policy_arn("arn:aws:iam::aws:policy/AdministratorAccess")
            .send()
            .await
            .unwrap();
        iam.add_user_to_group()
            .group_name(&admins)
            .user_name(&by_hand)
            .send()
            .await
            .unwrap();
    });
    let out = Run::new(&["audit", "--output", "json"]).output();
    let report = out.exits(5).json();
    assert_eq!(report["account"], "123456789012");
    assert_eq!(report["thresholds"]["key_max_age_days"], 90);
    let findings = report["findings"].as_array().unwrap();
    let about = |check: &str, subject: &str| {
        findings
            .iter()
            .find(|f| f["check"] == check && f["subject"].as_str().unwrap().contains(subject))
            .cloned()
    };
    let drift = about("template-drift", &format!("user/{made}")).expect("moto drops the boundary");
    assert_eq!(drift["severity"], "high");
    assert!(
        drift["fix"]
            .as_str()
            .unwrap()
            .contains("put-user-permissions-boundary")
    );
    let unmanaged = about("unmanaged-user", &format!("user/{by_hand}")).unwrap();
    assert_eq!(unmanaged["severity"], "low");
    let admin = about("standing-admin", &format!("user/{by_hand}")).unwrap();
    assert_eq!(admin["severity"], "high");
    assert!(
        admin["detail"]
            .as_str()
            .unwrap()
            .ends_with(&format!("through the group {admins}")),
        "{admin}"
    );
    let written_admin = about("standing-admin", &format!("user/{written}")).unwrap();
    assert_eq!(
        written_admin["detail"],
        format!(
            "administrator access at all times: arn:aws:iam::123456789012:policy/{iam_all} (Statement[0] allows every IAM action on every resource) on the user itself, inline policy everything (Statement[0] allows every action on every resource) on the user itself"
        ),
        "the documents are read from the account's details"
    );
    assert!(
        about("root-mfa", "root").is_some(),
        "moto answers AccountMFAEnabled 0"
    );
    assert!(
        about("template-wildcard", "template").is_none(),
        "the built-in templates pass their own audit"
    );
    let high = findings.iter().filter(|f| f["severity"] == "high").count();
    assert_eq!(report["counts"]["high"], high);
    out.stderr_has("at or above high");
}

#[test]
fn fail_on_never_reports_without_failing_and_csv_escapes_like_the_batch_report() {
    Run::new(&["audit", "--fail-on", "never"])
        .output()
        .exits(0)
        .stdout_has("findings:")
        .stdout_has("HIGH (");
    let csv = Run::new(&["audit", "--output", "csv", "--fail-on", "never"]).output();
    csv.exits(0)
        .stdout_has("check,severity,subject,detail,fix\n")
        .stdout_has("root-mfa,high,root,");
    let mut reader = csv::Reader::from_reader(csv.stdout.as_bytes());
    for record in reader.records() {
        let record = record.unwrap();
        assert_eq!(record.len(), 5);
        for field in record.iter() {
            assert!(!field.starts_with(['=', '+', '-', '@']), "{field}");
        }
    }
    Run::new(&[
        "new-user",
        "-y",
        "x",
        "--template",
        "finance",
        "--output",
        "csv",
    ])
    .refused("csv is for audit and list");
    Run::new(&["audit", "--fail-on", "sometimes"])
        .output()
        .exits(2);
}

#[test]
fn two_keys_made_with_their_user_are_found_and_key_max_age_0_reports_every_active_key() {
    let account = crate::support::OwnAccount::new(43);
    let name = "keyed";
    account.user_with_keys(name, 2);
    let report = account
        .run(Run::new(&[
            "audit",
            "--key-max-age",
            "0",
            "--fail-on",
            "never",
            "--output",
            "json",
        ]))
        .output()
        .exits(0)
        .json();
    let checks_about = |subject: &str| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["subject"].as_str().unwrap().contains(subject))
            .map(|f| f["check"].as_str().unwrap().to_string())
            .collect()
    };
    let checks = checks_about(&format!("user/{name}"));
    for expected in [
        "two-active-keys",
        "access-key-at-creation",
        "access-key-old",
    ] {
        assert!(
            checks.iter().any(|c| c == expected),
            "{expected} in {checks:?}: {report}"
        );
    }
    assert_eq!(
        checks.iter().filter(|c| *c == "access-key-old").count(),
        2,
        "both active keys reach an age of 0 days: {checks:?}"
    );
}

#[test]
fn rotate_key_makes_the_new_key_then_deactivates_and_deletes_the_old_over_runs() {
    let account = crate::support::OwnAccount::new(44);
    let iam = account.iam();
    let name = "rotated";
    let old = account.user_with_keys(name, 1).remove(0);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rotated.key");
    let file_arg = file.to_str().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec!["rotate-key", name, "-y", "--output", "json"];
        args.extend_from_slice(extra);
        account.run(Run::new(&args)).output()
    };
    let dry = account
        .run(Run::new(&[
            "rotate-key",
            name,
            "--key-file",
            file_arg,
            "--dry-run",
        ]))
        .output();
    dry.exits(0).stdout_has("iam:CreateAccessKey");
    assert!(!file.exists(), "a dry run writes no file");
    let made = run(&["--key-file", file_arg]).exits(0).json();
    assert_eq!(made["status"], "created", "{made}");
    assert_eq!(made["old_key_id"], old.as_str());
    assert!(
        made.get("secret_access_key").is_none(),
        "no secret without --show-secret"
    );
    let new = made["new_key_id"].as_str().unwrap().to_string();
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&format!("aws_access_key_id = {new}")));
    assert_eq!(crate::support::mode(&file), 0o600);
    let waiting = run(&[]).exits(0).json();
    assert_eq!(waiting["status"], "waiting", "{waiting}");
    let deactivated = run(&["--grace", "0"]).exits(0).json();
    assert_eq!(deactivated["status"], "deactivated", "{deactivated}");
    let kept = run(&[]).exits(0).json();
    assert_eq!(kept["status"], "waiting", "{kept}");
    assert!(
        kept["next"]
            .as_str()
            .is_some_and(|next| next.contains("can be made active again by hand")),
        "inactive for less than the grace, the old key is kept: {kept}"
    );
    assert_eq!(crate::support::access_keys_in(&iam, name).len(), 2);
    let deleted = run(&["--grace", "0"]).exits(0).json();
    assert_eq!(deleted["status"], "deleted", "{deleted}");
    let keys: Vec<String> = crate::support::access_keys_in(&iam, name)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(keys, [new]);
    run(&[])
        .exits(2)
        .stderr_has("off a terminal it cannot be shown: give --key-file FILE");
    let again = dir.path().join("again.key");
    let shown = run(&["--key-file", again.to_str().unwrap(), "--show-secret"])
        .exits(0)
        .json();
    assert!(
        shown["secret_access_key"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
    run(&["--key-file", again.to_str().unwrap()])
        .exits(2)
        .stderr_has("--key-file");
}

/// IAM refuses a 51st tag with LimitExceeded once the change is under way; the tool sees it
/// coming and changes nothing.
#[test]
fn a_user_at_the_tag_quota_is_refused_before_any_change_by_a_run_that_would_tag_them() {
    let account = crate::support::OwnAccount::new(55);
    let iam = account.iam();
    let name = "tagged-full";
    let old = account.user_with_keys(name, 1);
    for i in 0..50 {
        crate::support::tag_user_in(&iam, name, &format!("k{i}"), "v");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tagged-full.key");
    account
        .run(Run::new(&[
            "rotate-key",
            name,
            "--key-file",
            file.to_str().unwrap(),
            "-y",
        ]))
        .output()
        .exits(2)
        .stderr_has("tagged-full has 50 tags and this run adds 1 (iam-onboard:rotating); IAM allows at most 50 on a user");
    account
        .run(Run::new(&["offboard", name, "--disable-only", "-y"]))
        .output()
        .exits(2)
        .stderr_has("this run adds 1 (iam-onboard:offboarded)");
    assert!(!file.exists());
    assert_eq!(crate::support::tags_in(&iam, name).len(), 50);
    assert_eq!(
        crate::support::access_keys_in(&iam, name),
        [(old[0].clone(), "Active".to_string())],
        "no new key, none deactivated"
    );
    assert!(
        crate::support::inline_policies_in(&iam, name).is_empty(),
        "no deny"
    );
}

#[test]
fn rightsize_says_in_one_line_that_the_emulator_has_no_last_accessed_data() {
    let account = crate::support::OwnAccount::new(45);
    account
        .run(Run::new(&["templates", "rightsize", "finance"]))
        .refused("no group iam-onboard-finance");
    account
        .run(plain_onboarding(&unique("rightsized"), "finance"))
        .output()
        .exits(0);
    let dir = tempfile::tempdir().unwrap();
    let out = account
        .run(Run::new(&[
            "templates",
            "rightsize",
            "finance",
            "--days",
            "30",
            "--write",
            dir.path().to_str().unwrap(),
        ]))
        .output();
    out.exits(1)
        .stderr_has("no last-accessed data: this endpoint answers IAM's GenerateServiceLastAccessedDetails with HTTP 500");
    assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    assert!(!dir.path().join("policies").exists(), "nothing written");
    let json = account
        .run(Run::new(&[
            "templates",
            "rightsize",
            "finance",
            "--output",
            "json",
        ]))
        .output();
    assert_eq!(json.exits(1).json()["error"]["kind"], "unsupported");
}
