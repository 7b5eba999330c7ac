//! The account acted on: `--profile` wins over keys in the environment, a missing profile is
//! named, every plan is headed by the account and the caller, and a bad endpoint or region is
//! one line of bad input.

use crate::support::{Run, access_key_of, block_on, create_user, iam, plain_onboarding, unique};

/// A credentials file with one profile, `work`, holding an access key of a new user.
fn profile_of_new_user(dir: &std::path::Path) -> (String, std::path::PathBuf) {
    let name = unique("profiled");
    create_user(&name);
    let (key_id, secret) = access_key_of(&name);
    let file = dir.join("credentials");
    std::fs::write(
        &file,
        format!("[work]\naws_access_key_id = {key_id}\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
    (name, file)
}

#[test]
fn profile_wins_over_access_keys_in_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let (owner, credentials) = profile_of_new_user(dir.path());
    let out = Run::new(&[
        "--profile",
        "work",
        "new-user",
        &unique("pat"),
        "--template",
        "developer",
        "--no-console",
        "--dry-run",
        "--output",
        "json",
    ])
    .env("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap())
    .output();
    out.exits(0);
    let caller = out.json()["acting"]["caller_arn"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(caller.ends_with(&format!("user/{owner}")), "{caller}");
}

#[test]
fn a_profile_that_does_not_exist_is_exit_3_naming_it_and_the_files_looked_in() {
    let dir = tempfile::tempdir().unwrap();
    let (_, credentials) = profile_of_new_user(dir.path());
    let out = Run::new(&["--profile", "no-such-profile", "offboard", "anyone", "-y"])
        .env("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str().unwrap())
        .output();
    out.exits(3)
        .stderr_has("\"no-such-profile\"")
        .stderr_has(credentials.to_str().unwrap())
        .stderr_has("config");
}

#[test]
fn every_plan_is_headed_by_the_account_and_the_caller() {
    let heading = "AWS account 123456789012, acting as arn:aws:sts::123456789012:user/moto";
    Run::new(&[
        "new-user",
        &unique("quinn"),
        "--template",
        "developer",
        "--no-console",
        "--dry-run",
    ])
    .output()
    .exits(0)
    .stdout_has(heading);
    let leaver = unique("rita");
    block_on(async { iam().create_user().user_name(&leaver).send().await.unwrap() });
    Run::new(&["offboard", &leaver, "--dry-run"])
        .output()
        .exits(0)
        .stdout_has(heading);
}

/// `-y` gives the yes, not the plan: a real run off a terminal still shows the plan on stderr,
/// headed by the account and the caller, so its log says what was done where; `-q` leaves it out.
#[test]
fn with_yes_the_plan_still_goes_to_stderr_before_the_change() {
    let heading = "AWS account 123456789012, acting as arn:aws:sts::123456789012:user/moto";
    let name = unique("yes-plan");
    let out = plain_onboarding(&name, "finance")
        .arg("--output")
        .arg("json")
        .output();
    out.exits(0)
        .stderr_has(heading)
        .stderr_has(&format!(
            "About to onboard {name} as finance, in this order:"
        ))
        .stderr_has(&format!("  iam:CreateUser UserName={name} "));
    assert_eq!(
        out.json()["status"],
        "created",
        "stdout is the report alone"
    );
    let offboarded = Run::new(&["offboard", &name, "-y"]).output();
    offboarded
        .exits(0)
        .stderr_has(heading)
        .stderr_has(&format!("About to offboard {name}, in this order:"))
        .stderr_has("  iam:PutUserPolicy PolicyName=iam-onboard-deny-all");
    let quiet = plain_onboarding(&unique("yes-quiet"), "finance")
        .arg("-q")
        .output();
    quiet.exits(0);
    assert!(quiet.stderr.trim().is_empty(), "-q: {}", quiet.stderr);
}

#[test]
fn a_bad_endpoint_or_region_is_one_line_of_bad_input() {
    for args in [
        ["--endpoint-url", "http://"],
        ["--endpoint-url", "http://[::1"],
        ["--region", "not a region!"],
    ] {
        let out = Run::new(&[args[0], args[1], "offboard", "anyone", "-y"]).output();
        out.exits(2).stderr_has(args[0]);
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
    }
}

#[test]
fn an_answer_that_never_comes_ends_in_a_timeout_instead_of_a_hang() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let mut child = Run::new(&[
        "--call-timeout",
        "1",
        "new-user",
        &unique("sam"),
        "--template",
        "developer",
        "--no-console",
        "-y",
    ])
    .env("AWS_ENDPOINT_URL", &url)
    .command()
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("still waiting for an answer after 90 s with --call-timeout 1");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("NoAnswer") && stderr.contains("did not answer in time"),
        "{stderr}"
    );
}
