//! `offboard` end to end against the emulator, on users built by hand with the SDK and on
//! users made by `new-user`.

use crate::support::{
    Run, access_keys_of, block_on, create_user, current_and_next_codes, enabled_mfa_devices,
    exit_code, exporting_onboarding, has_login_profile, iam, inline_policies_of, listed_line,
    mfa_devices_of, on_a_terminal, shown_until, strings, tag_of, unique, user_exists,
    utf8_from_pty, virtual_devices_named, wait_for_file,
};

const INLINE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}]}"#;

/// What a hand-built user holds besides itself, to check that shared things survive.
struct HandBuilt {
    groups: Vec<String>,
    policy_arns: Vec<String>,
}

/// A user with one of each kind of attachment moto supports: login profile, two access keys,
/// an enabled virtual MFA device, a signing certificate, an SSH key, two inline and two
/// managed policies, two groups and tags.
fn build_by_hand(name: &str) -> HandBuilt {
    block_on(async {
        let iam = iam();
        let tag = aws_sdk_iam::types::Tag::builder()
            .key("team")
            .value("payments")
            .build()
            .unwrap();
        iam.create_user()
            .user_name(name)
            .tags(tag)
            .send()
            .await
            .unwrap();
        iam.create_login_profile()
            .user_name(name)
            .password("Initial-Passw0rd!")
            .send()
            .await
            .unwrap();
        for _ in 0..2 {
            iam.create_access_key()
                .user_name(name)
                .send()
                .await
                .unwrap();
        }
        let device = iam
            .create_virtual_mfa_device()
            .virtual_mfa_device_name(name)
            .send()
            .await
            .unwrap();
        let device = device.virtual_mfa_device().unwrap();
        let seed =
            String::from_utf8(device.base32_string_seed().unwrap().as_ref().to_vec()).unwrap();
        let (first, second) = current_and_next_codes(&format!(
            "otpauth://totp/test:{name}?secret={seed}&issuer=test"
        ));
        iam.enable_mfa_device()
            .user_name(name)
            .serial_number(device.serial_number())
            .authentication_code1(first)
            .authentication_code2(second)
            .send()
            .await
            .unwrap();
        iam.upload_signing_certificate()
            .user_name(name)
            .certificate_body(include_str!("fixtures/signing-certificate.pem"))
            .send()
            .await
            .unwrap();
        iam.upload_ssh_public_key()
            .user_name(name)
            .ssh_public_key_body(include_str!("fixtures/ssh-public-key.pub"))
            .send()
            .await
            .unwrap();
        for inline in ["inline-read", "inline-extra"] {
            iam.put_user_policy()
                .user_name(name)
                .policy_name(inline)
                .policy_document(INLINE_POLICY)
                .send()
                .await
                .unwrap();
        }
        let mut policy_arns = Vec::new();
        for index in 0..2 {
            let created = iam
                .create_policy()
                .policy_name(format!("{name}-managed-{index}"))
                .policy_document(INLINE_POLICY)
                .send()
                .await
                .unwrap();
            let arn = created.policy().unwrap().arn().unwrap().to_string();
            iam.attach_user_policy()
                .user_name(name)
                .policy_arn(&arn)
                .send()
                .await
                .unwrap();
            policy_arns.push(arn);
        }
        let mut groups = Vec::new();
        for index in 0..2 {
            let group = format!("{name}-group-{index}");
            iam.create_group().group_name(&group).send().await.unwrap();
            iam.add_user_to_group()
                .group_name(&group)
                .user_name(name)
                .send()
                .await
                .unwrap();
            groups.push(group);
        }
        HandBuilt {
            groups,
            policy_arns,
        }
    })
}

fn shared_things_survive(built: &HandBuilt) {
    block_on(async {
        for group in &built.groups {
            iam()
                .get_group()
                .group_name(group)
                .send()
                .await
                .expect("the group stays");
        }
        for arn in &built.policy_arns {
            iam()
                .get_policy()
                .policy_arn(arn)
                .send()
                .await
                .expect("the policy stays");
        }
    });
}

#[test]
fn everything_attached_by_hand_is_removed_and_the_user_is_gone() {
    let name = unique("dave");
    let built = build_by_hand(&name);
    let out = Run::new(&["offboard", &name, "-y", "--output", "json"]).output();
    let report = out.exits(0).json();
    assert_eq!(report["status"], "offboarded");
    let removed = strings(&report["removed"]);
    for call in [
        "iam:DeleteLoginProfile",
        "iam:DeleteAccessKey",
        "iam:DeactivateMFADevice",
        "iam:DeleteVirtualMFADevice",
        "iam:DeleteSigningCertificate",
        "iam:DeleteSSHPublicKey",
        "iam:DeleteUserPolicy",
        "iam:DetachUserPolicy",
        "iam:RemoveUserFromGroup",
    ] {
        assert!(
            removed.iter().any(|r| r.starts_with(call)),
            "{call} in {removed:?}"
        );
    }
    let user_arn = report["user_arn"].as_str().unwrap();
    assert_eq!(
        removed.last().unwrap(),
        &format!("iam:DeleteUser {user_arn}")
    );
    assert!(!user_exists(&name));
    assert!(
        virtual_devices_named(&name).is_empty(),
        "no MFA device left for {name}"
    );
    shared_things_survive(&built);
    // moto lacks ListServiceSpecificCredentials: the gap shows as a warning, not a crash.
    let warnings = report["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|w| w
            .as_str()
            .unwrap()
            .contains("ListServiceSpecificCredentials")),
        "{warnings:?}"
    );
}

#[test]
fn dry_run_prints_every_item_and_leaves_everything_in_place() {
    let name = unique("erin");
    build_by_hand(&name);
    let out = Run::new(&["offboard", &name, "--dry-run"]).output();
    out.exits(0).stdout_has("nothing was changed");
    let count = |call: &str| out.stdout.matches(call).count();
    let first_call = out
        .stdout
        .lines()
        .find(|line| line.trim_start().starts_with("iam:"))
        .unwrap();
    assert!(
        first_call.contains("iam:PutUserPolicy PolicyName=iam-onboard-deny-all"),
        "the deny-all comes first: {}",
        out.stdout
    );
    assert_eq!(count("iam:DeleteLoginProfile"), 1);
    assert_eq!(
        count("iam:UpdateAccessKey"),
        0,
        "deleted, not deactivated first"
    );
    assert_eq!(count("iam:DeleteAccessKey"), 2);
    assert_eq!(count("iam:DeactivateMFADevice"), 1);
    assert_eq!(count("iam:DeleteVirtualMFADevice"), 1);
    assert_eq!(count("iam:DeleteSigningCertificate"), 1);
    assert_eq!(count("iam:DeleteSSHPublicKey"), 1);
    assert_eq!(
        count("iam:DeleteUserPolicy"),
        3,
        "two of the user's, then the deny"
    );
    assert_eq!(count("iam:DetachUserPolicy"), 2);
    assert_eq!(count("iam:RemoveUserFromGroup"), 2);
    assert_eq!(count("iam:DeleteUser "), 1);
    assert!(user_exists(&name));
    assert_eq!(access_keys_of(&name).len(), 2);
    assert_eq!(enabled_mfa_devices(&name), 1);
    assert!(has_login_profile(&name), "still there");
}

#[test]
fn disable_only_cuts_access_keeps_the_user_and_a_later_run_finishes() {
    let name = unique("frank");
    build_by_hand(&name);
    let out = Run::new(&[
        "offboard",
        &name,
        "--disable-only",
        "--reason",
        "left 2026-11",
        "-y",
    ])
    .output();
    out.exits(0)
        .stdout_has("access cut, user kept")
        .stdout_has("Added:\n  iam:PutUserPolicy PolicyName=iam-onboard-deny-all")
        .stdout_has("\n  iam:TagUser iam-onboard:offboarded=");
    let removed = out.stdout.split("Removed:").nth(1).unwrap_or_default();
    assert!(
        !removed.contains("iam:TagUser"),
        "the tag is not a removal: {}",
        out.stdout
    );
    assert!(!has_login_profile(&name), "no login profile");
    let keys = access_keys_of(&name);
    assert_eq!(keys.len(), 2);
    assert!(
        keys.iter().all(|(_, status)| status == "Inactive"),
        "{keys:?}"
    );
    assert!(mfa_devices_of(&name).is_empty(), "no enabled MFA device");
    block_on(async {
        let deny = iam()
            .get_user_policy()
            .user_name(&name)
            .policy_name("iam-onboard-deny-all")
            .send()
            .await
            .expect("the deny-all inline policy is kept");
        let text = percent_encoding::percent_decode_str(deny.policy_document()).decode_utf8_lossy();
        let document: serde_json::Value = serde_json::from_str(&text).unwrap();
        let statement = &document["Statement"][0];
        assert_eq!(
            (
                &statement["Effect"],
                &statement["Action"],
                &statement["Resource"]
            ),
            (&"Deny".into(), &"*".into(), &"*".into()),
            "{document}"
        );
        assert!(
            statement.get("Condition").is_none(),
            "no condition: {document}"
        );
    });
    assert_eq!(
        tag_of(&name, "iam-onboard:offboard-reason").as_deref(),
        Some("left 2026-11")
    );
    let at = tag_of(&name, "iam-onboard:offboarded").unwrap();
    Run::new(&["show", &name])
        .output()
        .exits(0)
        .stdout_has(&format!(
            "  access             cut at {at} (left 2026-11): "
        ));
    assert_eq!(
        inline_policies_of(&name).len(),
        3,
        "policies kept for investigation, and the deny-all"
    );
    let line = listed_line(&name);
    assert_eq!(
        line["access_cut"], true,
        "list says the access is cut: {line}"
    );
    let offboarded_tag = tag_of(&name, "iam-onboard:offboarded").expect("the offboarded tag");
    let report = Run::new(&["offboard", &name, "-y", "--output", "json"])
        .output()
        .exits(0)
        .json();
    assert_eq!(report["status"], "offboarded");
    assert_eq!(
        report["access_cut"]["at"],
        offboarded_tag.as_str(),
        "access was cut by the earlier --disable-only"
    );
    assert_eq!(
        report["access_cut"]["inline_policy"],
        "iam-onboard-deny-all"
    );
    assert!(!user_exists(&name));
}

#[test]
fn a_user_onboarded_by_new_user_offboards_cleanly() {
    let name = unique("gina");
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("F");
    let mut running =
        exporting_onboarding(&name, "devops", &secret_file, &dir.path().join("P")).spawn();
    let (first, second) = current_and_next_codes(&wait_for_file(&secret_file));
    running.write_stdin(&format!("{first}\n{second}\n"));
    running.finish().exits(0);

    Run::new(&["offboard", &name, "-y"])
        .output()
        .exits(0)
        .stdout_has("Offboarded");
    assert!(!user_exists(&name));
    assert!(virtual_devices_named(&name).is_empty());
    Run::new(&["offboard", &name, "-y", "--output", "json"])
        .output()
        .exits(0)
        .stdout_has("\"not-found\"");
}

#[test]
fn without_a_terminal_or_yes_and_for_protected_users_nothing_changes() {
    let name = unique("hank");
    build_by_hand(&name);
    Run::new(&["offboard", &name]).refused("--yes");
    Run::new(&["offboard", &name, "-y"])
        .env("IAM_ONBOARD_PROTECTED", &format!("break-glass,{name}"))
        .refused("protected");
    Run::new(&["offboard", &name, "-y", "--protect", &name])
        .output()
        .exits(2);
    Run::new(&["offboard", "bad name!", "-y"]).refused("username");
    assert!(user_exists(&name));
}

#[test]
fn on_a_terminal_the_user_name_must_be_typed_to_confirm() {
    let name = unique("ivy");
    build_by_hand(&name);
    let ask = |answers: &[&str]| {
        let mut session = on_a_terminal(Run::new(&["offboard", &name]));
        let shown = shown_until(&mut session, &format!("Type {name} to confirm"));
        assert!(
            shown.contains("iam:DeleteUser"),
            "the plan is shown first: {shown}"
        );
        assert!(
            shown.contains(&format!("{name} (arn:aws:iam::123456789012:user/{name})"))
                && shown.contains("last console sign-in"),
            "who the person is: {shown}"
        );
        for answer in answers {
            session.send_line(answer).unwrap();
        }
        let rest = utf8_from_pty(&session.exp_eof().unwrap());
        (rest, exit_code(&mut session))
    };
    let (rest, code) = ask(&["ivy-typo", ""]);
    assert!(rest.contains("type it exactly"), "asked again: {rest}");
    assert!(
        rest.contains("not confirmed; nothing was changed"),
        "{rest}"
    );
    assert_eq!(code, 130);
    assert!(user_exists(&name));

    let (rest, code) = ask(&["ivy-typo", &name]);
    assert!(rest.contains("Offboarded"), "{rest}");
    assert_eq!(code, 0);
    assert!(!user_exists(&name));

    let typo = unique("ivx");
    create_user(&typo);
    let mut session = on_a_terminal(Run::new(&["offboard", &format!("{typo}z")]));
    let rest = utf8_from_pty(&session.exp_eof().unwrap());
    assert!(rest.contains(&format!("did you mean {typo}")), "{rest}");
    assert_eq!(
        exit_code(&mut session),
        0,
        "the exit code re-runs depend on"
    );
}
