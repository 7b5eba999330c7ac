//! The helpdesk's tickets after day one, end to end against the emulator: `reset-mfa` (on a
//! terminal, in one scripted run, and in two), `reset-password`, `show`, `list` and `move`.

use crate::support::{
    Proxy, Run, batch_run, current_and_next_codes, enabled_mfa_devices, groups_of, listed_line,
    mfa_devices_of, mode, on_a_terminal, plain_onboarding, qr_at_the_code_prompt, shown_until,
    strings, tags_of, taken_and_cleared, type_codes, unique, wait_for_file,
};

/// A user onboarded with MFA deferred and no console.
fn deferred(prefix: &str) -> String {
    let name = unique(prefix);
    plain_onboarding(&name, "finance").output().exits(0);
    name
}

/// `reset-mfa --mfa export` as a script that reads the secret file and hands over the codes
/// the app shows, in the same run.
fn reset_by_export(name: &str, secret: &std::path::Path, extra: &[&str]) -> crate::support::Output {
    let mut args = vec![
        "reset-mfa",
        name,
        "--mfa",
        "export",
        "--mfa-secret-file",
        secret.to_str().unwrap(),
        "-y",
    ];
    args.extend_from_slice(extra);
    let mut running = Run::new(&args).spawn();
    let (code1, code2) = current_and_next_codes(&wait_for_file(secret));
    running.write_stdin(&format!("{code1}\n{code2}\n"));
    running.finish()
}

#[test]
fn a_script_enrols_in_two_runs_pending_first_then_enabled_with_the_codes() {
    let name = deferred("two-step");
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("otpauth");
    let secret_file = secret.to_str().unwrap();
    let first = Run::new(&[
        "reset-mfa",
        &name,
        "--mfa",
        "pending",
        "--mfa-secret-file",
        secret_file,
        "-y",
        "--output",
        "json",
    ])
    .output();
    let report = first.exits(0).json();
    assert_eq!(report["status"], "pending");
    let pending = report["pending_device"].as_str().unwrap().to_string();
    assert_eq!(mode(&secret), 0o600);
    assert!(
        tags_of(&name).contains(&("iam-onboard:mfa-pending".to_string(), pending.clone())),
        "{:?}",
        tags_of(&name)
    );
    assert_eq!(enabled_mfa_devices(&name), 0);

    let uri = std::fs::read_to_string(&secret).unwrap();
    let (code1, code2) = current_and_next_codes(&uri);
    let second = Run::new(&[
        "reset-mfa",
        &name,
        "--enable-pending",
        "--mfa-secret-file",
        secret_file,
        "-y",
        "--output",
        "json",
    ])
    .stdin(&format!("{code1}\n{code2}\n"))
    .output();
    let report = second.exits(0).json();
    assert_eq!(report["status"], "enabled");
    assert_eq!(mfa_devices_of(&name), [pending]);
    assert!(
        !tags_of(&name)
            .iter()
            .any(|(k, _)| k == "iam-onboard:mfa-pending")
    );

    Run::new(&["reset-mfa", &name, "--enable-pending", "-y"])
        .stdin("123456\n654321\n")
        .refused("has no pending MFA device");
}

#[test]
fn a_new_phone_replaces_the_old_device_only_once_the_new_one_works() {
    let name = deferred("phone");
    let dir = tempfile::tempdir().unwrap();
    let old_secret = dir.path().join("old");
    reset_by_export(&name, &old_secret, &[])
        .exits(0)
        .stdout_has("enabled");
    let old = mfa_devices_of(&name);
    assert_eq!(old.len(), 1);

    let wrong = dir.path().join("wrong");
    Run::new(&[
        "reset-mfa",
        &name,
        "--mfa",
        "export",
        "--mfa-secret-file",
        wrong.to_str().unwrap(),
        "-y",
    ])
    .stdin("000000\n111111\n000000\n111111\n000000\n111111\n")
    .output()
    .exits(1)
    .stderr_has("undone");
    assert_eq!(
        mfa_devices_of(&name),
        old,
        "a failed reset leaves the old device"
    );
    assert!(!wrong.exists(), "and removes the secret file it wrote");

    let new_secret = dir.path().join("new");
    let report = reset_by_export(&name, &new_secret, &["--output", "json"])
        .exits(0)
        .json();
    let new = mfa_devices_of(&name);
    assert_eq!(new.len(), 1);
    assert_ne!(new, old, "the old device is gone, the new one enabled");
    assert_eq!(report["enabled_device"], new[0].as_str());
    assert!(report["removed"].to_string().contains(&old[0]), "{report}");
}

#[test]
fn on_a_terminal_reset_mfa_shows_the_qr_code_and_takes_typed_codes() {
    let name = deferred("qr-reset");
    let mut session = on_a_terminal(Run::new(&["reset-mfa", &name]));
    let plan = shown_until(&mut session, "Proceed?");
    assert!(
        plan.contains("AWS account 123456789012, acting as"),
        "{plan}"
    );
    assert!(plan.contains("iam:CreateVirtualMFADevice"), "{plan}");
    session.send_line("y").unwrap();
    let uri = qr_at_the_code_prompt(&mut session);
    assert!(uri.contains(&format!(":{name}?secret=")), "{uri}");
    type_codes(&mut session, &uri);
    session
        .exp_string("Press Enter once they have them")
        .unwrap();
    let rest = taken_and_cleared(&mut session);
    assert!(rest.contains("New MFA device"), "{rest}");
    assert_eq!(enabled_mfa_devices(&name), 1);
}

#[test]
fn remove_only_leaves_the_person_to_mfa_self_service() {
    let name = deferred("lost");
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("s");
    reset_by_export(&name, &secret, &[]).exits(0);
    Run::new(&["reset-mfa", &name, "--remove-only", "--dry-run"])
        .output()
        .exits(0)
        .stdout_has("iam:DeactivateMFADevice");
    assert_eq!(enabled_mfa_devices(&name), 1, "a dry run changes nothing");
    Run::new(&["reset-mfa", &name, "--remove-only", "-y"])
        .output()
        .exits(0)
        .stdout_has("MFA self-service");
    assert_eq!(enabled_mfa_devices(&name), 0);
    Run::new(&["reset-mfa", "no-such-person-x", "--remove-only", "-y"])
        .refused("no IAM user named no-such-person-x");
    Run::new(&["reset-mfa", "-y", &name]).refused("--mfa export or --mfa pending");
}

#[test]
fn reset_password_writes_a_new_one_time_password_to_a_new_file() {
    let name = deferred("forgot");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw");
    let file_arg = file.to_str().unwrap();
    Run::new(&["reset-password", &name, "--password-file", file_arg, "-y"]).refused("--create");
    assert!(!file.exists());
    let report = Run::new(&[
        "reset-password",
        &name,
        "--create",
        "--password-file",
        file_arg,
        "-y",
        "--output",
        "json",
    ])
    .output()
    .exits(0)
    .json();
    assert_eq!(report["status"], "created");
    assert_eq!(mode(&file), 0o600);
    let password = std::fs::read_to_string(&file).unwrap();
    assert!(
        !report.to_string().contains(&password),
        "the password is never in the report"
    );
    let again = dir.path().join("pw2");
    Run::new(&[
        "reset-password",
        &name,
        "--password-file",
        again.to_str().unwrap(),
        "-y",
    ])
    .output()
    .exits(0)
    .stdout_has("must be changed at next sign-in");
    assert_ne!(std::fs::read_to_string(&again).unwrap(), password);
    Run::new(&["reset-password", &name, "--password-file", file_arg, "-y"])
        .refused("exists already");
    Run::new(&["reset-password", &name, "--sso"]).refused("no API to reset");
}

#[test]
fn show_tells_everything_about_a_user_and_never_a_secret() {
    let name = unique("shown");
    let dir = tempfile::tempdir().unwrap();
    let password_file = dir.path().join("pw");
    Run::new(&[
        "new-user",
        &name,
        "--template",
        "developer",
        "--mfa",
        "deferred",
        "--email",
        "shown@example.com",
        "--ticket",
        "CHG-7",
        "--password-file",
        password_file.to_str().unwrap(),
        "-y",
    ])
    .output()
    .exits(0);
    let password = std::fs::read_to_string(&password_file).unwrap();
    let human = Run::new(&["show", &name]).output();
    human
        .exits(0)
        .stdout_has("by iam-onboard, template developer")
        .stdout_has("shown@example.com")
        .stdout_has("CHG-7")
        .stdout_has("iam-onboard-developers (as the template gives)")
        .stdout_has("none (deferred: the person sets one up at first sign-in)");
    let report = Run::new(&["show", &name, "--output", "json"])
        .output()
        .exits(0)
        .json();
    let user = &report["user"];
    assert_eq!(user["template"], "developer");
    assert_eq!(user["groups_match_template"], true);
    assert_eq!(user["console"]["last_used"], serde_json::Value::Null);
    assert!(!report.to_string().contains(password.trim()));
    Run::new(&["show", "no-such-user-x"]).refused("no IAM user named no-such-user-x");
}

#[test]
fn list_gives_a_line_a_person_as_a_table_json_or_csv() {
    let name = deferred("listed");
    let table = Run::new(&["list", "--template", "finance"]).output();
    table.exits(0).stdout_has("USER").stdout_has(&name);
    let line = listed_line(&name);
    assert_eq!(line["template"], "finance");
    assert_eq!(line["mfa"], "deferred");
    assert_eq!(line["console"], false);
    let csv = Run::new(&["list", "--all", "--output", "csv"]).output();
    csv.exits(0)
        .stdout_has("user_name,template,managed,console,mfa,created,until,last_activity")
        .stdout_has(&format!("{name},finance,yes,no,deferred,"));
    Run::new(&["list", "--template", "no-such-template"])
        .output()
        .exits(2);
}

#[test]
fn move_changes_the_group_and_tags_and_keeps_the_rest() {
    let name = deferred("mover");
    Run::new(&["move", &name, "--template", "developer", "--dry-run"])
        .output()
        .exits(0)
        .stdout_has("iam:RemoveUserFromGroup GroupName=iam-onboard-finance")
        .stdout_has("iam:AddUserToGroup GroupName=iam-onboard-developers");
    assert_eq!(
        groups_of(&name),
        ["iam-onboard-finance"],
        "a dry run changes nothing"
    );
    let move_to_developer = [
        "move",
        &name,
        "--template",
        "developer",
        "-y",
        "--output",
        "json",
    ];
    let report = Run::new(&move_to_developer).output().exits(0).json();
    assert_eq!(report["status"], "moved");
    assert_eq!(report["from"], "finance");
    assert_eq!(groups_of(&name), ["iam-onboard-developers"]);
    let tags = tags_of(&name);
    assert!(tags.contains(&("iam-onboard:template".to_string(), "developer".to_string())));
    assert!(tags.contains(&("job-function".to_string(), "developer".to_string())));
    Run::new(&move_to_developer)
        .output()
        .exits(0)
        .stdout_has("\"already-done\"");

    let hand_made = unique("by-hand");
    crate::support::create_user(&hand_made);
    Run::new(&["move", &hand_made, "--template", "developer", "-y"])
        .refused("not created by iam-onboard");
    Run::new(&["move", "no-such-user-y", "--template", "developer", "-y"])
        .refused("no IAM user named no-such-user-y");
    Run::new(&["move", &name, "--template", "nope", "-y"])
        .output()
        .exits(2);
}

/// A batch file, in `dir`, with one row that moves `name` to devops.
fn moving_to_devops(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let file = dir.join("moves.csv");
    std::fs::write(
        &file,
        format!("action,username,template\nmove,{name},devops\n"),
    )
    .unwrap();
    file
}

#[test]
fn a_batch_move_row_moves_the_person() {
    let name = deferred("row-mover");
    let dir = tempfile::tempdir().unwrap();
    let file = moving_to_devops(dir.path(), &name);
    let report = dir.path().join("report.csv");
    batch_run(file.to_str().unwrap(), &report).output().exits(0);
    let written = std::fs::read_to_string(&report).unwrap();
    assert!(written.contains(",moved,"), "{written}");
    assert_eq!(groups_of(&name), ["iam-onboard-devops"]);
}

/// `move` and a batch `move` row are one operation: the same checks and the same plan, so a
/// dry run of each lists the same changes, in the same order.
#[test]
fn a_batch_move_row_plans_exactly_what_the_move_command_plans() {
    let name = deferred("same-plan");
    let command = Run::new(&[
        "move",
        &name,
        "--template",
        "devops",
        "--dry-run",
        "--output",
        "json",
    ])
    .output()
    .exits(0)
    .json();
    let changes = strings(&command["changes"]);
    assert!(!changes.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let file = moving_to_devops(dir.path(), &name);
    let out = Run::new(&[
        "batch",
        file.to_str().unwrap(),
        "--dry-run",
        "--output",
        "json",
        "-q",
    ])
    .output();
    out.exits(0);
    let row: serde_json::Value = serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(row["status"], "planned");
    assert_eq!(row["arn"], command["user"]);
    assert_eq!(
        row["detail"],
        changes.join("; "),
        "the same plan, in the same order"
    );
    assert_eq!(groups_of(&name), ["iam-onboard-finance"], "nothing changed");
}

#[test]
fn a_new_password_whose_answer_is_lost_is_kept_and_the_run_says_it_may_be_in_effect() {
    let name = deferred("lost-answer");
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("pw");
    Run::new(&[
        "reset-password",
        &name,
        "--create",
        "--password-file",
        first.to_str().unwrap(),
        "-y",
    ])
    .output()
    .exits(0);
    let proxy = Proxy::start("lost-answer-proxy", "UpdateLoginProfile");
    let file = dir.path().join("pw2");
    let out = Run::new(&[
        "reset-password",
        &name,
        "--password-file",
        file.to_str().unwrap(),
        "-y",
        "--output",
        "json",
    ])
    .env("AWS_ENDPOINT_URL", &proxy.url)
    .env("AWS_MAX_ATTEMPTS", "2")
    .output();
    out.exits(4)
        .stderr_has("may or may not have been made")
        .stderr_has("connection to AWS was lost");
    let error = &out.json()["error"];
    assert_eq!(error["kind"], "unconfirmed");
    assert!(
        error["leftovers"][0]
            .as_str()
            .unwrap()
            .contains(file.to_str().unwrap()),
        "{error}"
    );
    assert_eq!(
        mode(&file),
        0o600,
        "the file that may hold the password stays"
    );
    let password = std::fs::read_to_string(&file).unwrap();
    assert!(!out.stdout.contains(&password) && !out.stderr.contains(&password));
}

#[test]
fn off_a_terminal_every_change_needs_yes_and_without_it_nothing_changes() {
    let name = deferred("confirm");
    let groups = groups_of(&name);
    for args in [
        vec!["move", name.as_str(), "--template", "devops"],
        vec!["reset-mfa", name.as_str(), "--remove-only"],
        vec![
            "reset-password",
            name.as_str(),
            "--create",
            "--password-file",
            "/tmp/never-written",
        ],
        vec!["offboard", name.as_str()],
    ] {
        Run::new(&args).refused("pass --yes");
    }
    assert_eq!(groups_of(&name), groups, "nothing changed");
    assert!(!std::path::Path::new("/tmp/never-written").exists());
    Run::new(&["move", &name, "--template", "devops", "--dry-run"])
        .output()
        .exits(0);
}

#[test]
fn a_secret_file_that_cannot_be_made_is_exit_2_before_any_device_or_password_is_made() {
    let name = deferred("badpath");
    let dir = tempfile::tempdir().unwrap();
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    let missing_folder = dir.path().join("no-such-folder").join("f");
    let long = dir.path().join("x".repeat(300));
    for path in [&dangling, &missing_folder, &long] {
        let path = path.to_str().unwrap();
        for mode in ["pending", "export"] {
            Run::new(&[
                "reset-mfa",
                &name,
                "--mfa",
                mode,
                "--mfa-secret-file",
                path,
                "-y",
            ])
            .refused("--mfa-secret-file");
        }
        Run::new(&[
            "reset-password",
            &name,
            "--create",
            "--password-file",
            path,
            "-y",
        ])
        .refused("--password-file");
    }
    assert!(mfa_devices_of(&name).is_empty(), "no device was made");
    let garbage = dir.path().join("garbage.otpauth");
    std::fs::write(&garbage, "not a uri\0").unwrap();
    Run::new(&[
        "reset-mfa",
        &name,
        "--enable-pending",
        "--mfa-secret-file",
        garbage.to_str().unwrap(),
        "-y",
    ])
    .refused("garbage.otpauth");
}

#[test]
fn verbose_shows_each_call_once_and_an_unknown_name_is_said_without_a_placeholder() {
    let name = deferred("verbose");
    let out = Run::new(&["offboard", &name, "-y", "-v"]).output();
    out.exits(0)
        .stderr_has("answered operation=\"iam:DeleteUser\"");
    let attempts = out
        .stderr
        .lines()
        .filter(|line| {
            line.contains("iam:ListServiceSpecificCredentials") && line.contains("attempt")
        })
        .count();
    assert!(
        attempts <= 1 && !out.stderr.contains("retrying"),
        "a lookup the emulator lacks (HTTP 500) costs one attempt, no retries: {}",
        out.stderr
    );
    assert!(!out.stderr.contains("WARN"), "{}", out.stderr);
    Run::new(&["show", "nobody-at-all"]).refused("iam-onboard: no IAM user named nobody-at-all");
}
