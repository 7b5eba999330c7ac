//! The command line itself: help, exit codes, templates, and usage errors that need no AWS.

use crate::support::{Run, exported_templates, json_file, path_arg, plain_onboarding};

#[test]
fn help_documents_the_exit_codes() {
    let out = Run::new(&["--help"]).output();
    out.exits(0)
        .stdout_has("Exit codes:")
        .stdout_has("130")
        .stdout_has("new-user");
    Run::new(&["new-user", "--help"])
        .output()
        .exits(0)
        .stdout_has("--mfa <MODE>")
        .stdout_has("--mfa-secret-file");
}

#[test]
fn usage_errors_exit_2() {
    Run::new(&[]).output().exits(2);
    Run::new(&["new-user", "-y", "bob"]).refused("--template");
}

#[test]
fn an_empty_or_malformed_endpoint_is_bad_input_not_a_crash() {
    plain_onboarding("erin", "finance")
        .env("AWS_ENDPOINT_URL", "")
        .refused("AWS_ENDPOINT_URL");
    plain_onboarding("erin", "finance")
        .arg("--endpoint-url")
        .arg("localhost:5000")
        .refused("--endpoint-url");
}

#[test]
fn templates_list_and_show() {
    let list = Run::new(&["templates", "list"]).output();
    for name in ["developer", "devops", "finance", "security-auditor"] {
        list.exits(0).stdout_has(name);
    }
    let bare = Run::new(&["templates"]).output();
    bare.exits(0);
    assert_eq!(bare.stdout, list.stdout, "templates alone lists them");
    Run::new(&["templates", "show", "devops"])
        .output()
        .exits(0)
        .stdout_has("iam-onboard-force-mfa")
        .stdout_has("aws:MultiFactorAuthPresent")
        .stdout_has("Permissions boundary iam-onboard-people-boundary")
        .stdout_has("Trust policy of role iam-onboard-devops")
        .stdout_has("\"sts:RoleSessionName\": \"${aws:username}\"")
        .stdout_has("Policy iam-onboard-devops-access (attached to the role iam-onboard-devops)");
    let json = Run::new(&["templates", "show", "finance", "--output", "json"]).output();
    let template: serde_json::Value = json.exits(0).json();
    assert_eq!(template["group"], "iam-onboard-finance");
    assert_eq!(template["access"], "group");
    assert!(template["role"].is_null());
    let json = Run::new(&["templates", "show", "devops", "--output", "json"]).output();
    let template: serde_json::Value = json.exits(0).json();
    assert_eq!(template["access"], "role");
    assert_eq!(template["role"]["name"], "iam-onboard-devops");
    assert_eq!(template["role"]["max_session_seconds"], 14_400);
    assert_eq!(
        template["role"]["group_policy"]["name"],
        "iam-onboard-assume-role"
    );
    Run::new(&["templates", "show", "nope"]).refused("no template");
}

/// A template written as people write, which AWS's CreatePermissionSet would refuse, is refused
/// alike by `templates show`, a dry run and the real run, before any call.
#[test]
fn a_description_aws_would_refuse_is_exit_2_naming_file_field_and_character() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("dev.json"),
        r#"{"description":"Application developer — reads most services; “dev” writes only","group":"iam-onboard-dev","policies":["read"],"permissions_boundary":"read","console_access":false,"mfa":"optional"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("policies/read.json"),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
    )
    .unwrap();
    let set = dir.path().to_str().unwrap();
    let name = crate::support::unique("em-dash");
    let runs: [&[&str]; 3] = [
        &["templates", "show", "dev", "--templates", set],
        &[
            "assign",
            &name,
            "--template",
            "dev",
            "--account",
            "111111111111",
            "--templates",
            set,
            "--dry-run",
        ],
        &[
            "new-user",
            &name,
            "--template",
            "dev",
            "--templates",
            set,
            "--no-console",
            "--mfa",
            "deferred",
            "-y",
        ],
    ];
    for args in runs {
        Run::new(args)
            .refused("dev.json")
            .stderr_has("description")
            .stderr_has("character 23 ('—', U+2014)")
            .stderr_has("sso-admin CreatePermissionSet.Description");
    }
    assert!(!crate::support::user_exists(&name), "nothing was changed");
}

#[test]
fn without_a_terminal_prompts_and_shown_passwords_are_usage_errors() {
    let cases: [(&[&str], &str); 3] = [
        (
            &["--mfa", "prompt", "--no-console"],
            "--mfa: prompt needs a terminal",
        ),
        (&["--mfa", "deferred"], "--password-file"),
        (&["--mfa", "export"], "--mfa export needs --mfa-secret-file"),
    ];
    for (extra, refusal) in cases {
        let mut args = vec!["new-user", "-y", "carol", "--template", "developer"];
        args.extend_from_slice(extra);
        Run::new(&args).refused(refusal);
    }
}

/// A wait or a width beyond what the tool can hold is a usage error, where it overflowed a
/// timer or a semaphore and panicked.
#[test]
fn waits_and_concurrency_out_of_their_ranges_are_refused() {
    let huge = u64::MAX.to_string();
    let cases: [(&[&str], &str); 5] = [
        (&["list", "--call-timeout", &huge], "not in 1..=3600"),
        (
            &["list", "--propagation-timeout", "3601"],
            "not in 0..=3600",
        ),
        (
            &["batch", "people.csv", "--concurrency", "65", "--dry-run"],
            "not in 1..=64",
        ),
        (
            &["batch", "people.csv", "--timeout", "0", "--dry-run"],
            "not in 1..=86400",
        ),
        (
            &[
                "assign",
                "ann",
                "--template",
                "finance",
                "--timeout",
                "86401",
            ],
            "not in 1..=86400",
        ),
    ];
    for (args, refusal) in cases {
        Run::new(args).refused(refusal);
    }
    Run::new(&["list"])
        .env("IAM_ONBOARD_CALL_TIMEOUT", &huge)
        .refused("--call-timeout");
}

#[test]
fn flags_answer_bad_values_as_prompts_and_csv_rows_do() {
    let email = "--email: \"not-an-email\" is not an email address (local@domain.tld)";
    let new_user = ["new-user", "-y", "erin", "--template", "finance"];
    let assign = ["assign", "-y", "erin", "--template", "finance", "--account"];
    let cases: [(&[&str], &[&str], &str); 4] = [
        (
            &new_user,
            &["--no-console", "--email", "not-an-email"],
            email,
        ),
        (
            &assign,
            &[
                "111111111111",
                "--create-user",
                "--email",
                "not-an-email",
                "--given-name",
                "Erin",
                "--family-name",
                "Example",
            ],
            email,
        ),
        (
            &new_user,
            &["--no-console", "--tag", "team=a\tb"],
            "tag \"team\": contains '\\t'",
        ),
        (
            &assign,
            &["12345"],
            "--account: \"12345\" is not an AWS account id (12 digits)",
        ),
    ];
    for (command, extra, refusal) in cases {
        let mut args = command.to_vec();
        args.extend_from_slice(extra);
        Run::new(&args).refused(refusal);
    }
}

#[test]
fn with_output_json_a_failure_is_one_json_object_on_standard_output() {
    let error = Run::new(&["show", "no-such-user-json", "--output", "json"])
        .output()
        .bad_input_json("no IAM user named no-such-user-json");
    assert_eq!(error["leftovers"], serde_json::json!([]));
    assert_eq!(error["bad_input"][0]["field"], "<USERNAME>", "{error}");
    Run::new(&["show", "no-such-user-json"])
        .output()
        .exits(2)
        .stdout_has("");
}

#[test]
fn an_unreachable_endpoint_is_one_plain_line() {
    let out = Run::new(&["list"])
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .output();
    out.exits(1).stderr_has("is the endpoint running?");
    assert!(out.stderr.lines().count() <= 2, "{}", out.stderr);
    assert!(!out.stderr.contains("DispatchFailure"), "{}", out.stderr);
}

#[test]
fn version_completions_and_the_manual_page_are_there_to_install() {
    let version = Run::new(&["--version"]).output();
    version.exits(0).stdout_has("iam-onboard 0.1.0 (commit ");
    assert!(
        version.stdout.contains(std::env::consts::ARCH),
        "the target: {}",
        version.stdout
    );
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        Run::new(&["completions", shell])
            .output()
            .exits(0)
            .stdout_has("reset-mfa");
    }
    Run::new(&["man"])
        .output()
        .exits(0)
        .stdout_has(".TH iam-onboard 1");
    let pages = tempfile::tempdir().unwrap();
    Run::new(&["man", "--dir", pages.path().to_str().unwrap()])
        .output()
        .exits(0);
    for page in [
        "iam-onboard.1",
        "iam-onboard-new-user.1",
        "iam-onboard-templates-show.1",
    ] {
        let text = std::fs::read_to_string(pages.path().join(page)).unwrap();
        assert!(text.starts_with(".ie") || text.contains(".TH"), "{page}");
    }
    Run::new(&["reset-password", "--help"])
        .output()
        .exits(0)
        .stdout_has("Global options (iam-onboard --help describes them)")
        .stdout_has("--dry-run");
    let brief = Run::new(&["reset-password", "--help"]).output();
    assert!(
        brief.stdout.lines().count() < 40,
        "a command's help shows its own options and names the global ones: {}",
        brief.stdout
    );
    Run::new(&["completions", "bash", "--output", "json"]).refused("does not apply");
    let offline = Run::new(&["completions", "--help"]).output();
    assert!(
        !offline.stdout.contains("--profile") && !offline.stdout.contains("--endpoint-url"),
        "an offline command names no AWS option: {}",
        offline.stdout
    );
    Run::new(&["--help"])
        .output()
        .exits(0)
        .stdout_has("Global options:")
        .stdout_has("--propagation-timeout");
    let read_only = Run::new(&["templates", "list", "--help"]).output();
    read_only
        .exits(0)
        .stdout_has("Global options (iam-onboard --help describes them): --output,");
    assert!(
        !read_only.stdout.contains("--dry-run") && !read_only.stdout.contains("--yes"),
        "flags that change nothing there are not offered: {}",
        read_only.stdout
    );
    for (command, named, not_named) in [
        (&["templates", "rightsize"][..], "--profile", "--dry-run"),
        (&["review", "start"], "--dry-run", "-y/--yes"),
        (&["templates", "show"], "--templates", "--profile"),
        (&["completions"], "-q/--quiet", "--output"),
    ] {
        let help = Run::new(&[command, &["--help"]].concat()).output();
        let line = help
            .stdout
            .split("Global options (iam-onboard --help describes them): ")
            .nth(1)
            .unwrap_or_else(|| panic!("{command:?} names no global option: {}", help.stdout));
        assert!(
            line.contains(named) && !line.contains(not_named),
            "{command:?} names {named} and not {not_named}: {line}"
        );
    }
    Run::new(&["templates", "list", "--dry-run", "-y"])
        .output()
        .exits(0)
        .stdout_has("developer");
}

#[test]
fn a_refused_command_line_is_one_json_error_with_output_json_and_long_values_are_cut() {
    let out = Run::new(&["audit", "--key-max-age", "abc", "--output", "json"]).output();
    out.stderr_has("--key-max-age");
    out.bad_input_json("invalid value 'abc'");
    let long = "9".repeat(100_000);
    let out = Run::new(&["audit", "--key-max-age", &long]).output();
    out.exits(2).stderr_has("(100002 characters)");
    assert!(out.stderr.len() < 1_000, "{} bytes", out.stderr.len());
}

#[test]
fn offboard_sso_refuses_a_reason_which_only_disable_only_keeps() {
    Run::new(&["offboard", "carol", "--sso", "--reason", "left", "--yes"]).refused("--reason");
}

#[test]
fn templates_export_starts_a_set_of_ones_own_that_templates_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("mine");
    let set_arg = set.to_str().unwrap();
    Run::new(&["templates", "export", set_arg])
        .output()
        .exits(0)
        .stderr_has("--templates");
    assert!(set.join("developer.json").is_file());
    Run::new(&["--templates", set_arg, "templates", "list"])
        .output()
        .exits(0)
        .stdout_has("security-auditor");
    Run::new(&["templates", "export", set_arg]).refused("exists already");
}

#[test]
fn templates_lint_passes_the_built_in_set_and_finds_a_path_added_or_carried_on_purpose() {
    let built_in = Run::new(&["templates", "lint", "--output", "json"]).output();
    let report = built_in.exits(0).json();
    assert_eq!(report["findings"], serde_json::json!([]), "{report}");
    assert_eq!(report["templates"].as_array().unwrap().len(), 5);

    let dir = tempfile::tempdir().unwrap();
    let set = exported_templates(dir.path());
    let set_arg = path_arg(&set);
    let file = set.join("developer.json");
    let mut template = json_file(&file);
    let write = set.join("policies/developer-dev-write.json");
    let mut policy = json_file(&write);
    policy["Statement"][0]["Action"]
        .as_array_mut()
        .unwrap()
        .push("lambda:UpdateFunctionCode".into());
    policy["Statement"][0]["Resource"] = "*".into();
    std::fs::write(&write, policy.to_string()).unwrap();
    let linted = Run::new(&["--templates", set_arg, "templates", "lint", "developer"]).output();
    linted
        .exits(5)
        .stdout_has("escalation lambda-update-function-code")
        .stdout_has("allowed by lambda:UpdateFunctionCode: developer-dev-write Statement[0] (ChangeOnlyDevTables), under a condition")
        .stdout_has(&format!(
            "from the statements named ({}), or deny it in the boundary ({}); or carry it on purpose in the template ({}):",
            write.display(),
            set.join("policies/people-boundary.json").display(),
            file.display()
        ))
        .stderr_has("1 lint finding(s) not accepted");
    assert!(
        !linted.stderr.contains("warning: template developer holds"),
        "the lint's own findings are not warned of again: {}",
        linted.stderr
    );
    Run::new(&["--templates", set_arg, "templates", "list"])
        .output()
        .exits(0)
        .stderr_has("warning: template developer holds 1 privilege path(s) it does not accept");
    template["accepted"] = serde_json::json!([
        {"finding": "lambda-update-function-code", "why": "dev functions run with dev roles only"}
    ]);
    std::fs::write(&file, template.to_string()).unwrap();
    Run::new(&["--templates", set_arg, "templates", "lint", "developer"])
        .output()
        .exits(0)
        .stdout_has("(accepted: dev functions run with dev roles only)");
    template["accepted"] = serde_json::json!([{"finding": "no-such-path", "why": "x"}]);
    std::fs::write(&file, template.to_string()).unwrap();
    Run::new(&["--templates", set_arg, "templates", "lint", "developer"])
        .refused("accepted[0].finding");
}
