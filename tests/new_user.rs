//! `new-user` end to end against the emulator, checked by listing what exists afterwards.

use crate::support::{
    Run, block_on, current_and_next_codes, decode_terminal_qr, enabled_mfa_devices, exit_code,
    exporting_onboarding, groups_of, has_login_profile, iam, mfa_devices_of, mode, on_a_terminal,
    onboarding_at_the_code_prompt, path_arg, plain_onboarding, seed_of, shown_until, strings,
    tags_of, type_codes, unique, user_exists, utf8_from_pty, virtual_devices_named, wait_for_file,
};
use std::path::Path;

#[test]
fn export_mode_makes_a_complete_user_and_private_files() {
    let name = unique("alice");
    let dir = tempfile::tempdir().unwrap();
    let (secret_file, password_file, png) = (
        dir.path().join("F"),
        dir.path().join("P"),
        dir.path().join("qr.png"),
    );
    let args = [
        "new-user",
        "-y",
        &name,
        "--template",
        "developer",
        "--mfa",
        "export",
        "--mfa-secret-file",
        path_arg(&secret_file),
        "--mfa-qr-png",
        path_arg(&png),
        "--password-file",
        path_arg(&password_file),
        "--ticket",
        "CHG-1001",
        "--tag",
        "team=payments",
        "--output",
        "json",
        "-vvv",
    ];
    let mut running = Run::new(&args).env("IAM_ONBOARD_LOG", "trace").spawn();
    let uri = wait_for_file(&secret_file);
    let (first, second) = current_and_next_codes(&uri);
    running.write_stdin(&format!("{first}\n{second}\n"));
    let out = running.finish();
    out.exits(0);

    let report = out.json();
    assert_eq!(report["status"], "created");
    assert_eq!(report["mfa"]["state"], "enabled");
    let serial = report["mfa"]["serial"].as_str().unwrap().to_string();

    assert!(user_exists(&name));
    let tags = tags_of(&name);
    for (key, value) in [
        ("managed-by", "iam-onboard"),
        ("iam-onboard:template", "developer"),
        ("iam-onboard:ticket", "CHG-1001"),
        ("job-function", "developer"),
        ("team", "payments"),
    ] {
        assert!(
            tags.contains(&(key.to_string(), value.to_string())),
            "{key}: {tags:?}"
        );
    }
    assert!(tags.iter().any(|(k, _)| k == "iam-onboard:created-by"));
    assert_eq!(groups_of(&name), ["iam-onboard-developers"]);
    assert!(has_login_profile(&name), "a login profile");
    assert_eq!(
        mfa_devices_of(&name),
        [serial.as_str()],
        "exactly one enabled MFA device"
    );

    assert_eq!(mode(&secret_file), 0o600);
    assert_eq!(mode(&password_file), 0o600);
    assert_eq!(mode(&png), 0o600);
    assert_eq!(decode_png(&png), uri.trim());

    let password = std::fs::read_to_string(&password_file).unwrap();
    let seed = seed_of(&uri);
    for (what, secret) in [("password", password.as_str()), ("seed", seed)] {
        assert!(!out.stdout.contains(secret), "{what} in stdout");
        assert!(!out.stderr.contains(secret), "{what} in the trace log");
    }
    assert!(
        out.stderr.contains("CreateUser"),
        "the trace log is on:\n{}",
        out.stderr
    );

    // The same command again, files and all: nothing to do, nothing overwritten.
    let again = Run::new(&args).output();
    assert_eq!(again.exits(0).json()["status"], "already-done");
    assert_eq!(std::fs::read_to_string(&password_file).unwrap(), password);
}

fn decode_png(path: &Path) -> String {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    let width = info.width as usize;
    let mut image =
        rqrr::PreparedImage::prepare_from_greyscale(width, info.height as usize, |x, y| {
            pixels[y * width + x]
        });
    image.detect_grids()[0].decode().unwrap().1
}

#[test]
fn three_wrong_pairs_of_codes_leave_nothing_behind() {
    let name = unique("wrong");
    let dir = tempfile::tempdir().unwrap();
    let (secret_file, password_file) = (dir.path().join("F"), dir.path().join("P"));
    let out = exporting_onboarding(&name, "developer", &secret_file, &password_file)
        .stdin("000000\n111111\n000000\n111111\n000000\n111111\n")
        .output();
    out.exits(1)
        .stderr_has("3 pairs of codes were wrong")
        .stderr_has("undone:");
    assert!(!user_exists(&name), "no user");
    assert!(virtual_devices_named(&name).is_empty(), "no MFA device");
    assert!(!secret_file.exists() && !password_file.exists(), "no files");
}

#[test]
fn dry_run_lists_the_calls_and_changes_nothing() {
    let name = unique("dry");
    let out = Run::new(&[
        "new-user",
        &name,
        "--template",
        "devops",
        "--dry-run",
        "--no-console",
        "--mfa",
        "deferred",
    ])
    .output();
    out.exits(0)
        .stdout_has("nothing was changed")
        .stdout_has(&format!("iam:CreateUser UserName={name} "))
        .stdout_has(&format!(
            "iam:AddUserToGroup GroupName=iam-onboard-devops UserName={name}"
        ));
    assert!(!out.stdout.contains("CreateLoginProfile"));
    assert!(!user_exists(&name));

    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("F");
    let json = Run::new(&[
        "new-user",
        &name,
        "--template",
        "devops",
        "--dry-run",
        "--mfa",
        "export",
        "--mfa-secret-file",
        path_arg(&secret_file),
        "--password-file",
        path_arg(&dir.path().join("P")),
        "--output",
        "json",
    ])
    .output();
    let report = json.exits(0).json();
    assert_eq!(report["status"], "planned");
    let changes = strings(&report["changes"]);
    let user_calls: Vec<&str> = changes
        .iter()
        .map(|c| c.split_whitespace().next().unwrap())
        .skip_while(|op| *op != "iam:CreateUser")
        .collect();
    assert_eq!(
        user_calls,
        [
            "iam:CreateUser",
            "iam:AddUserToGroup",
            "iam:CreateLoginProfile",
            "iam:CreateVirtualMFADevice",
            "iam:EnableMFADevice"
        ]
    );
    assert!(!user_exists(&name));
    assert!(!secret_file.exists());
}

#[test]
fn a_second_run_finds_the_job_done() {
    let name = unique("again");
    let onboard = || {
        plain_onboarding(&name, "finance")
            .arg("--output")
            .arg("json")
    };
    let first = onboard().output();
    assert_eq!(first.exits(0).json()["status"], "created");
    assert_eq!(first.json()["mfa"]["state"], "deferred");
    let second = onboard().output();
    let report = second.exits(0).json();
    assert_eq!(report["status"], "already-done");
    assert_eq!(report["changes"].as_array().unwrap().len(), 0);
}

#[test]
fn a_user_made_by_hand_is_refused_and_left_alone() {
    let name = unique("byhand");
    block_on(async { iam().create_user().user_name(&name).send().await.unwrap() });
    plain_onboarding(&name, "developer").refused("not created by iam-onboard");
    assert!(groups_of(&name).is_empty());
}

#[test]
fn bad_input_exits_2_and_changes_nothing() {
    let name = unique("bad");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec!["bad name!".into(), "--template".into(), "developer".into()],
            "username",
        ),
        (
            vec!["x".repeat(65), "--template".into(), "developer".into()],
            "at most 64",
        ),
        (
            vec![name.clone(), "--template".into(), "intern".into()],
            "no template \"intern\"",
        ),
        (
            vec![
                name.clone(),
                "--template".into(),
                "developer".into(),
                "--tag".into(),
                "aws:x=1".into(),
            ],
            "reserved by AWS",
        ),
    ];
    for (args, message) in cases {
        let mut all = vec!["new-user".to_string()];
        all.extend(args);
        all.extend(["--no-console".into(), "--mfa".into(), "deferred".into()]);
        let refs: Vec<&str> = all.iter().map(String::as_str).collect();
        Run::new(&refs).refused(message);
    }
    assert!(!user_exists(&name));
}

#[test]
fn a_template_that_allows_everything_is_refused_with_file_and_field() {
    let name = unique("admin");
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("root.json"),
        r#"{"description":"all","group":"roots","policies":["admin"],"permissions_boundary":"admin","console_access":false,"mfa":"optional"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("policies/admin.json"),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
    )
    .unwrap();
    Run::new(&[
        "new-user",
        "-y",
        &name,
        "--template",
        "root",
        "--templates",
        path_arg(dir.path()),
        "--mfa",
        "deferred",
    ])
    .refused("policies/admin.json")
    .stderr_has("Statement[0].Action")
    .stderr_has("Allow of \"*\" on \"*\"");
    assert!(!user_exists(&name));
}

#[test]
fn on_a_terminal_the_qr_code_decodes_and_typed_codes_enable_the_device() {
    let name = unique("pat");
    let mut session = on_a_terminal(Run::new(&[
        "new-user",
        &name,
        "--template",
        "finance",
        "--yes",
    ]));
    let screen = shown_until(&mut session, "First code");
    let uri = decode_terminal_qr(&screen);
    assert!(uri.starts_with("otpauth://totp/AWS-123456789012:"), "{uri}");
    assert!(uri.contains(&format!(":{name}?secret=")), "{uri}");
    let secret = seed_of(&uri);
    let shown_key = screen
        .split("by hand: key ")
        .nth(1)
        .expect("the key for typing by hand")
        .split(" (time-based")
        .next()
        .unwrap()
        .replace(' ', "");
    assert_eq!(
        shown_key, secret,
        "the key in groups of four is the QR code's"
    );
    type_codes(&mut session, &uri);
    let rest = utf8_from_pty(&session.exp_eof().unwrap());
    assert!(rest.contains("One-time console password"), "{rest}");
    assert!(rest.contains(&format!("Onboarded {name}.")), "{rest}");
    assert_eq!(enabled_mfa_devices(&name), 1);
}

#[test]
fn ctrl_c_at_the_code_prompt_undoes_everything_and_exits_130() {
    let name = unique("ctrlc");
    let (mut session, _) = onboarding_at_the_code_prompt(&name, &[]);
    assert!(user_exists(&name), "the user exists while enrolment waits");
    session.send_control('c').unwrap();
    let rest = utf8_from_pty(&session.exp_eof().unwrap());
    assert!(rest.contains("interrupted; undone:"), "{rest}");
    assert_eq!(exit_code(&mut session), 130);
    assert!(!user_exists(&name));
    assert!(virtual_devices_named(&name).is_empty());
}

#[test]
fn ctrl_c_at_the_confirmation_creates_nothing_and_exits_130() {
    let name = unique("nope");
    let mut session = on_a_terminal(Run::new(&["new-user", &name, "--template", "finance"]));
    let plan = shown_until(&mut session, "Proceed?");
    assert!(
        plan.contains(&format!("iam:CreateUser UserName={name} ")),
        "{plan}"
    );
    assert!(
        plan.contains("AWS account 123456789012, acting as arn:aws:sts::123456789012:user/moto"),
        "the plan names the account and the caller: {plan}"
    );
    session.send_control('c').unwrap();
    let rest = utf8_from_pty(&session.exp_eof().unwrap());
    assert!(rest.contains("nothing was changed"), "{rest}");
    assert!(
        rest.contains("\x1b[?25h"),
        "the cursor is shown again: {rest:?}"
    );
    assert_eq!(exit_code(&mut session), 130);
    assert!(!user_exists(&name));
}

#[test]
fn sigterm_and_sighup_while_waiting_for_codes_undo_everything_and_remove_the_secret_files() {
    for (signal, code) in [("TERM", 143), ("HUP", 129)] {
        let name = unique(&format!("sig{}", signal.to_lowercase()));
        let dir = tempfile::tempdir().unwrap();
        let (secret_file, password_file) = (dir.path().join("F"), dir.path().join("P"));
        let running =
            exporting_onboarding(&name, "developer", &secret_file, &password_file).spawn();
        wait_for_file(&secret_file);
        assert!(user_exists(&name), "the user exists while enrolment waits");
        let sent = std::process::Command::new("kill")
            .args([&format!("-{signal}"), &running.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
        let out = running.finish();
        out.exits(code).stderr_has("undone:");
        assert!(!user_exists(&name), "SIG{signal}");
        assert!(virtual_devices_named(&name).is_empty(), "SIG{signal}");
        assert!(
            !secret_file.exists() && !password_file.exists(),
            "SIG{signal}"
        );
    }
}

#[test]
fn a_dry_run_asks_exactly_what_the_real_run_asks() {
    let name = unique("same-checks");
    for extra in [&["--dry-run"][..], &[][..]] {
        let mut args = vec!["new-user", name.as_str(), "--template", "finance", "-y"];
        args.extend_from_slice(extra);
        Run::new(&args).refused("--password-file");
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("pw");
    Run::new(&[
        "new-user",
        &name,
        "--template",
        "finance",
        "--mfa",
        "deferred",
        "--password-file",
        file.to_str().unwrap(),
        "-y",
    ])
    .output()
    .exits(0);
    for extra in [&["--dry-run"][..], &[][..]] {
        let mut args = vec![
            "new-user",
            name.as_str(),
            "--template",
            "finance",
            "--mfa",
            "deferred",
            "-y",
        ];
        args.extend_from_slice(extra);
        Run::new(&args).output().exits(0);
    }
    let csv = dir.path().join("people.csv");
    std::fs::write(
        &csv,
        format!("username,template,console\n{}-b,finance,yes\n", name),
    )
    .unwrap();
    for extra in [&["--dry-run"][..], &[][..]] {
        let mut args = vec!["batch", "-y", csv.to_str().unwrap()];
        args.extend_from_slice(extra);
        Run::new(&args).refused("--report");
    }
}

#[test]
fn a_qr_code_wider_than_the_terminal_is_refused_before_anything_is_created() {
    let name = unique("narrow");
    let mut session = on_a_terminal(
        Run::new(&["new-user", &name, "--template", "finance", "--yes"])
            .env("LC_ALL", "C")
            .env("LANG", "C")
            .env("COLUMNS", "80"),
    );
    let rest = utf8_from_pty(&session.exp_eof().unwrap());
    assert!(rest.contains("the QR code needs"), "{rest}");
    assert!(rest.contains("--mfa-qr-png"), "{rest}");
    assert_eq!(exit_code(&mut session), 2);
    assert!(!user_exists(&name), "nothing was created");
}

#[test]
fn a_template_s_aws_managed_policies_are_checked_to_exist_and_attached_to_its_group() {
    let dir = tempfile::tempdir().unwrap();
    let write_template = |managed: &str| {
        std::fs::create_dir_all(dir.path().join("policies")).unwrap();
        std::fs::write(
            dir.path().join("auditor.json"),
            format!(
                r#"{{"description":"auditor","group":"iam-onboard-aws-managed-test","policies":["read"],"aws_managed_policies":{managed},"permissions_boundary":"read","console_access":false,"mfa":"optional"}}"#
            ),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("policies/read.json"),
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}"#,
        )
        .unwrap();
    };
    let onboard = |name: &str| {
        Run::new(&[
            "new-user",
            "-y",
            name,
            "--template",
            "auditor",
            "--templates",
            path_arg(dir.path()),
            "--mfa",
            "deferred",
        ])
    };
    let typo = unique("aud");
    write_template(r#"["SecurityAudit","job-function/ViewOnlyAcess"]"#);
    onboard(&typo)
        .refused("auditor.json")
        .stderr_has("aws_managed_policies")
        .stderr_has("arn:aws:iam::aws:policy/job-function/ViewOnlyAcess");
    assert!(!user_exists(&typo));

    let name = unique("aud");
    write_template(r#"["SecurityAudit","arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]"#);
    onboard(&name).output().exits(0);
    let attached = block_on(async {
        iam()
            .list_attached_group_policies()
            .group_name("iam-onboard-aws-managed-test")
            .send()
            .await
            .unwrap()
    });
    let arns: Vec<&str> = attached
        .attached_policies()
        .iter()
        .filter_map(|p| p.policy_arn())
        .collect();
    assert!(
        arns.contains(&"arn:aws:iam::aws:policy/SecurityAudit"),
        "{arns:?}"
    );
    assert!(
        arns.contains(&"arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"),
        "{arns:?}"
    );
}
