//! IAM's eventual consistency, end to end: through `scripts/consistency-proxy`, which answers
//! NoSuchEntity for three seconds about whatever a create just made (as AWS may), every creating
//! command completes instead of failing and undoing the person.

use crate::support::{
    Output, Proxy, Run, current_and_next_codes, enabled_mfa_devices, groups_of, unique,
    user_exists, wait_for_file,
};
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

/// A template set of two templates whose groups and policies no earlier run made, so this
/// run creates them: each template's name and group. They share their boundary, since the
/// emulator cannot change a user's (PutUserPermissionsBoundary is missing there).
fn fresh_templates(dir: &Path) -> [(String, String); 2] {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let stamp = format!("{}{}", std::process::id() % 10_000, nanos % 1_000_000_000);
    std::fs::create_dir_all(dir.join("policies")).unwrap();
    ["a", "b"].map(|which| {
        let suffix = format!("{which}{stamp}");
        let group = format!("iam-onboard-lag-{suffix}");
        let template = format!("lag-{suffix}");
        std::fs::write(
            dir.join(format!("{template}.json")),
            format!(
                r#"{{"description":"read-only, made through a lagging IAM","group":"{group}","policies":["read-{suffix}"],"permissions_boundary":"bound-{stamp}","console_access":true,"mfa":"optional"}}"#
            ),
        )
        .unwrap();
        let policies = [(format!("read-{suffix}"), "s3:GetObject"), (format!("bound-{stamp}"), "s3:*")];
        for (name, action) in policies {
            std::fs::write(
                dir.join("policies").join(format!("{name}.json")),
                format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
                ),
            )
            .unwrap();
        }
        (template, group)
    })
}

fn through(proxy: &Proxy, args: &[&str]) -> Run {
    Run::new(args).env("AWS_ENDPOINT_URL", &proxy.url)
}

#[test]
fn every_creating_command_completes_through_a_three_second_read_after_create_lag() {
    let proxy = Proxy::start("consistency-proxy", "3");
    let dir = tempfile::tempdir().unwrap();
    let set = dir.path().join("templates");
    let [(template, group), (other, other_group)] = fresh_templates(&set);
    let templates = set.to_str().unwrap();

    let name = unique("lagged");
    let password = dir.path().join("password");
    through(
        &proxy,
        &[
            "new-user",
            &name,
            "--template",
            &template,
            "--templates",
            templates,
            "--mfa",
            "deferred",
            "--password-file",
            password.to_str().unwrap(),
            "-y",
        ],
    )
    .output()
    .exits(0);
    assert_eq!(groups_of(&name), [group], "made, not undone");

    let secret = dir.path().join("otpauth");
    let mut running = through(
        &proxy,
        &[
            "reset-mfa",
            &name,
            "--mfa",
            "export",
            "--mfa-secret-file",
            secret.to_str().unwrap(),
            "-y",
        ],
    )
    .spawn();
    let (code1, code2) = current_and_next_codes(&wait_for_file(&secret));
    running.write_stdin(&format!("{code1}\n{code2}\n"));
    let enrolled: Output = running.finish();
    enrolled.exits(0);
    assert_eq!(enabled_mfa_devices(&name), 1, "the new device, enabled");

    through(
        &proxy,
        &[
            "move",
            &name,
            "--template",
            &other,
            "--templates",
            templates,
            "-y",
        ],
    )
    .output()
    .exits(0);
    assert_eq!(
        groups_of(&name),
        [other_group],
        "moved into a group made moments ago"
    );

    let rows: String = (0..6)
        .map(|i| format!("{name}-row{i},{template}\n"))
        .collect();
    let file = dir.path().join("people.csv");
    std::fs::write(&file, format!("username,template\n{rows}")).unwrap();
    through(
        &proxy,
        &[
            "batch",
            "-y",
            file.to_str().unwrap(),
            "--templates",
            templates,
            "-q",
        ],
    )
    .output()
    .exits(0);
    for i in 0..6 {
        assert!(user_exists(&format!("{name}-row{i}")), "row {i}");
    }
}
