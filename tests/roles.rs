//! Role templates end to end against the emulator: the role, its trust, its attachments and the
//! group's policy as designed; the person assuming it with the profile `new-user` gives; and
//! offboarding and a move leaving a deny that names the person on the role. moto stores roles and
//! answers AssumeRole without checking any condition; the conditions are the in-memory model's.

use crate::support::{
    Run, access_key_of, block_on, current_and_next_codes, groups_of, iam, mode, path_arg, sts_as,
    unique, wait_for_file,
};
use std::path::Path;

const ROLE: &str = "iam-onboard-devops";

/// A policy document as IAM answers it (URL-encoded JSON).
fn document(text: &str) -> serde_json::Value {
    let decoded = percent_encoding::percent_decode_str(text).decode_utf8_lossy();
    serde_json::from_str(&decoded).unwrap()
}

fn role_id() -> String {
    block_on(async {
        let out = iam().get_role().role_name(ROLE).send().await.unwrap();
        out.role().unwrap().role_id().to_string()
    })
}

/// Checks that the role has a policy of the person's own, `iam-onboard-revoked.<name>.<time>`,
/// denying every action of their sessions (or, when the role's policies were full, of every
/// session) issued before its time.
fn assert_role_denies_sessions_of(name: &str) {
    let session = format!("{}:{name}", role_id());
    let prefix = format!("iam-onboard-revoked.{name}.");
    let documents = block_on(async {
        let names = iam()
            .list_role_policies()
            .role_name(ROLE)
            .send()
            .await
            .unwrap()
            .policy_names()
            .to_vec();
        let mut documents = Vec::new();
        for policy in names.iter().filter(|policy| policy.starts_with(&prefix)) {
            let out = iam()
                .get_role_policy()
                .role_name(ROLE)
                .policy_name(policy)
                .send()
                .await
                .unwrap();
            documents.push(document(out.policy_document()));
        }
        documents
    });
    assert_eq!(documents.len(), 1, "one policy named {prefix}<time>");
    let statement = &documents[0]["Statement"][0];
    assert_eq!(statement["Effect"], "Deny");
    assert_eq!(statement["Action"], "*");
    assert!(
        statement["Condition"]["DateLessThan"]["aws:TokenIssueTime"].is_string(),
        "only sessions issued before the cut: {statement}"
    );
    let named = &statement["Condition"]["StringEquals"]["aws:userid"];
    assert!(
        named == session.as_str()
            || (named.is_null() && statement["Sid"] == "IamOnboardRevokedOlderSessions"),
        "denies {session}: {statement}"
    );
}

/// `new-user -y <name> --template devops --no-console` with `extra`.
fn onboarding(name: &str, extra: &[&str]) -> Run {
    let mut args = vec![
        "new-user",
        "-y",
        name,
        "--template",
        "devops",
        "--no-console",
    ];
    args.extend_from_slice(extra);
    Run::new(&args)
}

/// `new-user` with a role template, MFA exported and the codes typed on standard input.
fn onboard_with_mfa(name: &str, dir: &Path) -> (serde_json::Value, String) {
    let secret_file = dir.join("mfa");
    let profile_file = dir.join("profile");
    let mut running = onboarding(
        name,
        &[
            "--mfa",
            "export",
            "--mfa-secret-file",
            path_arg(&secret_file),
            "--aws-profile-out",
            path_arg(&profile_file),
            "--output",
            "json",
        ],
    )
    .spawn();
    let uri = wait_for_file(&secret_file);
    let (first, second) = current_and_next_codes(&uri);
    running.write_stdin(&format!("{first}\n{second}\n"));
    let out = running.finish();
    out.exits(0);
    (out.json(), uri)
}

fn onboard_deferred(name: &str) {
    onboarding(name, &["--mfa", "deferred"]).output().exits(0);
}

#[test]
fn the_role_its_trust_and_the_group_are_as_designed_and_the_profile_assumes_it() {
    let name = unique("rolf");
    let dir = tempfile::tempdir().unwrap();
    let (report, uri) = onboard_with_mfa(&name, dir.path());
    let account = report["acting"]["account"].as_str().unwrap().to_string();
    let role_arn = format!("arn:aws:iam::{account}:role/iam-onboard/{ROLE}");
    let serial = report["mfa"]["serial"].as_str().unwrap().to_string();
    assert_eq!(report["role"]["role_arn"], role_arn.as_str());
    assert_eq!(
        report["role"]["switch_role_link"],
        format!(
            "https://signin.aws.amazon.com/switchrole?account={account}&roleName=iam-onboard/{ROLE}&displayName=devops"
        )
    );
    let profile = &report["role"]["cli_profile"];
    assert_eq!(profile["role_arn"], role_arn.as_str());
    assert_eq!(profile["source_profile"], name.as_str());
    assert_eq!(profile["mfa_serial"], serial.as_str());
    assert_eq!(profile["role_session_name"], name.as_str());
    assert_eq!(profile["duration_seconds"], 14_400);
    let written = dir.path().join("profile");
    assert_eq!(mode(&written), 0o600);
    let block = std::fs::read_to_string(&written).unwrap();
    assert!(
        block.starts_with(&format!("[profile {name}-devops]\n"))
            && block.contains(&format!("mfa_serial = {serial}\n"))
            && block.contains(&format!("role_session_name = {name}\n")),
        "{block}"
    );

    let (role, attached, group_attached, group_policy) = block_on(async {
        let iam = iam();
        let role = iam.get_role().role_name(ROLE).send().await.unwrap();
        let attached = iam
            .list_attached_role_policies()
            .role_name(ROLE)
            .send()
            .await
            .unwrap();
        let group_attached = iam
            .list_attached_group_policies()
            .group_name("iam-onboard-devops")
            .send()
            .await
            .unwrap();
        let group_policy = iam
            .get_group_policy()
            .group_name("iam-onboard-devops")
            .policy_name("iam-onboard-assume-role")
            .send()
            .await
            .unwrap();
        (role, attached, group_attached, group_policy)
    });
    let role = role.role().unwrap();
    assert_eq!(role.path(), "/iam-onboard/");
    assert_eq!(role.max_session_duration(), Some(14_400));
    let trust = document(role.assume_role_policy_document().unwrap());
    let condition = &trust["Statement"][0]["Condition"];
    assert_eq!(trust["Statement"][0]["Action"], "sts:AssumeRole");
    assert_eq!(
        trust["Statement"][0]["Principal"]["AWS"],
        format!("arn:aws:iam::{account}:root")
    );
    assert_eq!(condition["Bool"]["aws:MultiFactorAuthPresent"], "true");
    assert_eq!(
        condition["StringEquals"]["sts:RoleSessionName"],
        "${aws:username}"
    );
    assert_eq!(
        condition["StringEquals"]["aws:PrincipalTag/iam-onboard:template"],
        "devops"
    );
    let names = |policies: &[aws_sdk_iam::types::AttachedPolicy]| -> Vec<String> {
        policies
            .iter()
            .map(|p| p.policy_name().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(attached.attached_policies()),
        ["iam-onboard-devops-access"]
    );
    assert_eq!(
        names(group_attached.attached_policies()),
        ["iam-onboard-force-mfa"],
        "the group keeps only MFA self-service"
    );
    let allowed = document(group_policy.policy_document());
    assert_eq!(allowed["Statement"][0]["Action"], "sts:AssumeRole");
    assert_eq!(allowed["Statement"][0]["Resource"], role_arn.as_str());
    assert_eq!(groups_of(&name), ["iam-onboard-devops"]);

    let (key_id, secret) = access_key_of(&name);
    let (code, _) = current_and_next_codes(&uri);
    let assumed = block_on(async {
        sts_as(&key_id, &secret)
            .assume_role()
            .role_arn(profile["role_arn"].as_str().unwrap())
            .role_session_name(profile["role_session_name"].as_str().unwrap())
            .serial_number(profile["mfa_serial"].as_str().unwrap())
            .token_code(code)
            .duration_seconds(i32::try_from(profile["duration_seconds"].as_i64().unwrap()).unwrap())
            .send()
            .await
            .expect("the person assumes the role with the profile's values")
    });
    let user = assumed.assumed_role_user().unwrap();
    assert!(
        user.arn()
            .ends_with(&format!(":assumed-role/{ROLE}/{name}")),
        "{}",
        user.arn()
    );

    let shown = Run::new(&["show", &name, "--output", "json"]).output();
    shown.exits(0);
    assert_eq!(shown.json()["user"]["roles"][0]["arn"], role_arn.as_str());
}

#[test]
fn offboarding_leaves_a_deny_naming_the_person_on_the_role() {
    let name = unique("roff");
    onboard_deferred(&name);
    let out = Run::new(&["offboard", "-y", &name, "--output", "json"]).output();
    out.exits(0);
    let report = out.json();
    let roles = report["access_cut"]["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 1, "{report}");
    assert_eq!(roles[0]["name"], ROLE);
    assert_role_denies_sessions_of(&name);
    assert!(
        report["added"]
            .as_array()
            .unwrap()
            .iter()
            .any(|call| call.as_str().unwrap().starts_with("iam:PutRolePolicy")),
        "{report}"
    );
}

#[test]
fn a_move_from_the_role_template_denies_the_old_role_s_sessions_and_changes_the_group() {
    let name = unique("rmov");
    onboard_deferred(&name);
    let dry = Run::new(&["move", &name, "--template", "developer", "--dry-run"]).output();
    dry.exits(0)
        .stdout_has(&format!("iam:PutRolePolicy RoleName={ROLE}"));
    let out = Run::new(&["move", "-y", &name, "--template", "developer"]).output();
    out.exits(0);
    assert_eq!(groups_of(&name), ["iam-onboard-developers"]);
    assert_role_denies_sessions_of(&name);
}

#[test]
fn a_profile_file_that_exists_or_a_group_template_is_refused_before_any_change() {
    let name = unique("rprf");
    let dir = tempfile::tempdir().unwrap();
    let taken = dir.path().join("taken");
    std::fs::write(&taken, "[profile mine]\n").unwrap();
    let args = |template: &str, file: &Path| {
        Run::new(&[
            "new-user",
            "-y",
            &name,
            "--template",
            template,
            "--no-console",
            "--mfa",
            "deferred",
            "--aws-profile-out",
            path_arg(file),
        ])
    };
    args("devops", &taken).refused("--aws-profile-out");
    assert_eq!(std::fs::read_to_string(&taken).unwrap(), "[profile mine]\n");
    args("finance", &dir.path().join("new")).refused("not a role");
    assert!(!crate::support::user_exists(&name), "nothing was made");
}
