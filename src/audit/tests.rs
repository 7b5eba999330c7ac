//! The audit's checks: each against facts read from the in-memory IAM, with the time moved on
//! tokio's paused clock (old keys, unused passwords, the MFA grace period).

use super::*;
use crate::audit::gather::gather_iam;
use crate::audit::sso::{FoundAssignment, SsoFacts, sso_findings};
use crate::aws::memory::{ACCOUNT, MEMORY_CREATED, MemoryIam};
use crate::aws::{IamAccess, IamAccount, IamUsers, Principal};
use crate::clock::{Clock, TokioClock};
use std::time::Duration;

const DAY: u64 = 86_400;

/// When the model made everything.
fn created() -> u64 {
    parse_rfc3339(MEMORY_CREATED).unwrap()
}

fn templates() -> TemplateSet {
    TemplateSet::embedded().unwrap()
}

/// An account with a hand-made user (`ops`, console, MFA, two keys, policies on the user) and
/// one this tool made from `developer` (`alice`, console, no MFA yet).
fn account() -> MemoryIam {
    let api = MemoryIam::new(created());
    let boundary = format!("arn:aws:iam::{ACCOUNT}:policy{IAM_PATH}iam-onboard-people-boundary");
    api.add_everything(
        "ops",
        "admins",
        &format!("arn:aws:iam::{ACCOUNT}:policy/admin"),
    );
    api.add_everything(
        "alice",
        "iam-onboard-developers",
        &format!("arn:aws:iam::{ACCOUNT}:policy/other"),
    );
    api.edit_user("alice", |alice| {
        alice.tags = vec![
            (MANAGED_BY_TAG.to_string(), MANAGED_BY_VALUE.to_string()),
            (TEMPLATE_TAG.to_string(), "developer".to_string()),
        ];
        alice.mfa_devices.clear();
        alice.access_keys.clear();
        alice.inline_policies.clear();
        alice.attached_policies.clear();
        alice.boundary = Some(boundary);
    });
    api
}

async fn audit_at(api: &MemoryIam, clock: &TokioClock) -> Vec<Finding> {
    let (facts, warnings) = gather_iam(api, &templates()).await;
    assert!(warnings.is_empty(), "{warnings:?}");
    sorted(iam_findings(
        &facts,
        &templates(),
        Thresholds::default(),
        clock.unix_now(),
    ))
}

fn about<'a>(findings: &'a [Finding], check: Check, subject: &str) -> Vec<&'a Finding> {
    findings
        .iter()
        .filter(|f| f.check == check.id() && f.subject.contains(subject))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_deferred_person_may_go_without_mfa_only_for_the_grace_period() {
    let api = account();
    let clock = TokioClock::starting_at(created());
    let early = audit_at(&api, &clock).await;
    assert!(about(&early, Check::ConsoleWithoutMfa, "user/alice").is_empty());
    tokio::time::advance(Duration::from_secs(8 * DAY)).await;
    let late = audit_at(&api, &clock).await;
    let found = about(&late, Check::ConsoleWithoutMfa, "user/alice");
    assert_eq!(found.len(), 1, "{late:#?}");
    assert_eq!(found[0].severity, Severity::High);
    assert!(
        found[0].fix.contains("iam-onboard reset-mfa alice"),
        "{:?}",
        found[0]
    );
}

#[tokio::test(start_paused = true)]
async fn a_person_no_review_kept_for_90_days_is_found_and_a_review_resets_the_count() {
    let api = account();
    let clock = TokioClock::starting_at(created());
    tokio::time::advance(Duration::from_secs(89 * DAY)).await;
    let young = audit_at(&api, &clock).await;
    assert!(about(&young, Check::NotReviewed, "user/alice").is_empty());
    tokio::time::advance(Duration::from_secs(DAY)).await;
    let due = audit_at(&api, &clock).await;
    let found = about(&due, Check::NotReviewed, "user/alice");
    assert_eq!(found.len(), 1, "{due:#?}");
    assert!(
        found[0].detail.contains("never reviewed, made 90 days ago"),
        "{:?}",
        found[0]
    );
    assert!(
        found[0].fix.contains("iam-onboard review start"),
        "{:?}",
        found[0]
    );
    assert!(
        about(&due, Check::NotReviewed, "user/ops").is_empty(),
        "only people this tool made are reviewed by it"
    );
    let today = crate::iam::end_date::today(clock.unix_now());
    api.tag_user(
        "alice",
        &[(crate::tags::REVIEWED_TAG.to_string(), today.clone())],
    )
    .await
    .unwrap();
    let kept = audit_at(&api, &clock).await;
    assert!(
        about(&kept, Check::NotReviewed, "user/alice").is_empty(),
        "{kept:#?}"
    );
    tokio::time::advance(Duration::from_secs(91 * DAY)).await;
    let again = audit_at(&api, &clock).await;
    let found = about(&again, Check::NotReviewed, "user/alice");
    assert!(
        found[0]
            .detail
            .contains(&format!("last kept by the review of {today}")),
        "{:?}",
        found[0]
    );
}

#[tokio::test(start_paused = true)]
async fn keys_and_passwords_age_into_findings() {
    let api = account();
    let clock = TokioClock::starting_at(created());
    tokio::time::advance(Duration::from_secs(30 * DAY)).await;
    let young = audit_at(&api, &clock).await;
    assert!(about(&young, Check::AccessKeyOld, "ops").is_empty());
    assert!(about(&young, Check::PasswordUnused, "ops").is_empty());
    tokio::time::advance(Duration::from_secs(61 * DAY)).await;
    let old = audit_at(&api, &clock).await;
    let keys = about(&old, Check::AccessKeyOld, "user/ops");
    assert_eq!(keys.len(), 1, "only the active key: {old:#?}");
    assert!(keys[0].subject.ends_with("(access key 1)"));
    assert!(keys[0].detail.contains("91 days"), "{:?}", keys[0]);
    assert_eq!(about(&old, Check::AccessKeyUnused, "user/ops").len(), 1);
    assert_eq!(about(&old, Check::PasswordUnused, "user/ops").len(), 1);
    assert_eq!(
        about(&old, Check::PasswordUnused, "user/ops")[0].severity,
        Severity::Low
    );
}

/// AdministratorAccess held all the time, on the user or through a group, is high; once
/// offboarding's deny cuts the access, it is not.
#[tokio::test(start_paused = true)]
async fn standing_administrator_access_is_found_on_the_user_and_through_a_group() {
    let api = account();
    let admin = "arn:aws:iam::aws:policy/AdministratorAccess".to_string();
    api.attach_group_policy("admins", &admin).await.unwrap();
    api.edit_user("alice", |user| {
        user.attached_policies.insert(admin.clone());
    });
    api.edit_user("ops", |user| user.boundary = None);
    let clock = TokioClock::starting_at(created());
    let findings = audit_at(&api, &clock).await;
    let ops = about(&findings, Check::StandingAdmin, "user/ops");
    assert_eq!(ops.len(), 1, "{findings:#?}");
    assert_eq!(ops[0].severity, Severity::High);
    assert_eq!(
        ops[0].detail,
        "administrator access at all times: AdministratorAccess (every action on every resource) through the group admins"
    );
    assert!(ops[0].fix.contains("detach-group-policy"), "{ops:?}");
    let alice = about(&findings, Check::StandingAdmin, "user/alice");
    assert_eq!(
        alice[0].detail,
        format!(
            "administrator access at all times: AdministratorAccess (every action on every resource) on the user itself; the permissions boundary arn:aws:iam::{ACCOUNT}:policy{IAM_PATH}iam-onboard-people-boundary caps what it grants"
        ),
        "a boundary is named, not weighed"
    );
    assert!(
        alice[0]
            .fix
            .contains("iam-onboard move alice --template <T>"),
        "{alice:?}"
    );
    api.edit_user("ops", |user| {
        user.inline_policies.insert(
            crate::iam::offboard::DENY_ALL_POLICY.to_string(),
            Default::default(),
        );
    });
    let after = audit_at(&api, &clock).await;
    assert!(
        about(&after, Check::StandingAdmin, "user/ops").is_empty(),
        "access cut: nothing is held"
    );
}

/// Administrator access written in a policy is found as AWS's is: an inline policy of the
/// user or of a group, or a customer managed policy's default version, that allows every
/// action, every action but a few, or every IAM action on every resource; and IAMFullAccess.
/// A narrow or denying policy is not, nor one that leaves IAM out (a power user's).
#[tokio::test(start_paused = true)]
async fn administrator_access_written_in_a_policy_or_through_iam_full_access_is_found() {
    let api = account();
    let allow = |action: &str, resource: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}]}}"#
        )
    };
    api.put_user_policy("ops", "everything", &allow("*", "*"))
        .await
        .unwrap();
    api.put_user_policy("ops", "reads", &allow("s3:GetObject", "*"))
        .await
        .unwrap();
    api.put_group_policy("admins", "iam-all", &allow("iam:*", "*"))
        .await
        .unwrap();
    api.put_group_policy(
        "admins",
        "one-bucket",
        &allow("s3:*", "arn:aws:s3:::logs/*"),
    )
    .await
    .unwrap();
    api.put_group_policy(
        "admins",
        "power-user",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}]}"#,
    )
    .await
    .unwrap();
    let but = api
        .create_policy(
            "all-but-billing",
            "/",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"},{"Effect":"Allow","NotAction":["aws-portal:*","account:*"],"Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#,
            "",
            &[],
        )
        .await
        .unwrap();
    api.attach_user_policy("alice", &but).await.unwrap();
    api.attach_group_policy(
        "iam-onboard-developers",
        "arn:aws:iam::aws:policy/IAMFullAccess",
    )
    .await
    .unwrap();
    let clock = TokioClock::starting_at(created());
    let findings = audit_at(&api, &clock).await;
    let ops = about(&findings, Check::StandingAdmin, "user/ops");
    assert_eq!(
        ops[0].detail,
        format!(
            "administrator access at all times: inline policy everything (Statement[0] allows every action on every resource) on the user itself, inline policy iam-all (Statement[0] allows every IAM action on every resource) through the group admins; the permissions boundary arn:aws:iam::{ACCOUNT}:policy/admin caps what it grants"
        )
    );
    let alice = about(&findings, Check::StandingAdmin, "user/alice");
    assert_eq!(
        alice[0].detail,
        format!(
            "administrator access at all times: {but} (Statement[1] allows every action but aws-portal:*, account:* on every resource (under a condition)) on the user itself, IAMFullAccess (every IAM action: enough to grant itself anything) through the group iam-onboard-developers; the permissions boundary arn:aws:iam::{ACCOUNT}:policy{IAM_PATH}iam-onboard-people-boundary caps what it grants"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn drift_policies_on_users_and_unmanaged_users_are_found() {
    let api = account();
    api.edit_user("alice", |user| {
        user.groups = ["admins".to_string()].into();
        user.inline_policies
            .insert("inline-b".to_string(), Default::default());
    });
    let clock = TokioClock::starting_at(created());
    let findings = audit_at(&api, &clock).await;
    let drift = about(&findings, Check::TemplateDrift, "user/alice");
    assert_eq!(drift.len(), 1, "{findings:#?}");
    assert!(
        drift[0].detail.contains("iam-onboard-developers"),
        "{:?}",
        drift[0]
    );
    assert!(
        drift[0]
            .fix
            .contains("iam-onboard move alice --template developer")
    );
    let on_user = about(&findings, Check::PolicyOnUser, "user/ops");
    assert!(on_user[0].detail.contains("inline inline-a"), "{on_user:?}");
    assert!(
        !on_user[0].fix.contains("iam-onboard move") && on_user[0].fix.contains("unmanaged-user"),
        "move refuses a user this tool did not make, so the fix does not offer it: {on_user:?}"
    );
    let managed_on_user = about(&findings, Check::PolicyOnUser, "user/alice");
    assert!(
        managed_on_user[0]
            .fix
            .contains("iam-onboard move alice --template <T>"),
        "{managed_on_user:?}"
    );
    assert_eq!(about(&findings, Check::UnmanagedUser, "user/ops").len(), 1);
    assert!(about(&findings, Check::UnmanagedUser, "user/alice").is_empty());
    assert!(
        about(&findings, Check::TemplateDrift, ":policy/").len() >= 3,
        "the template policies are missing in AWS: {findings:#?}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_root_user_and_the_password_policy_are_checked() {
    let api = account();
    let clock = TokioClock::starting_at(created());
    let findings = audit_at(&api, &clock).await;
    assert_eq!(about(&findings, Check::RootMfa, "root").len(), 1);
    let policy = about(&findings, Check::PasswordPolicy, "password policy");
    assert_eq!(policy[0].detail, "the account has no password policy");
    {
        let mut state = api.state.lock().unwrap();
        state.root_mfa = true;
        state.password_rules = Some(PasswordRules {
            minimum_length: 14,
            max_age_days: Some(90),
            reuse_prevention: Some(24),
            ..PasswordRules::default()
        });
    }
    let good = audit_at(&api, &clock).await;
    assert!(about(&good, Check::RootMfa, "root").is_empty());
    assert!(
        about(&good, Check::PasswordPolicy, "").is_empty(),
        "{good:#?}"
    );
    api.state.lock().unwrap().password_rules = Some(PasswordRules {
        minimum_length: 8,
        require_symbols: false,
        ..PasswordRules::default()
    });
    let weak = audit_at(&api, &clock).await;
    let detail = &about(&weak, Check::PasswordPolicy, "")[0].detail;
    assert!(
        detail.contains("minimum length 8")
            && detail.contains("symbols not required")
            && detail.contains("never expire")
            && detail.contains("reused"),
        "{detail}"
    );
}

#[test]
fn the_built_in_templates_pass_their_own_audit_and_a_whole_service_or_writes_everywhere_are_found()
{
    let findings = iam_findings(&IamFacts::default(), &templates(), Thresholds::default(), 0);
    assert!(
        findings.is_empty(),
        "no facts, and the built-in set passes: {findings:#?}"
    );
    let mut set = templates();
    let mut wide = set.get("finance").unwrap().clone();
    wide.name = "wide".to_string();
    wide.policies[1].document = serde_json::json!({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["s3:*", "ec2:StopInstances", "ec2:DescribeInstances"],
         "Resource": "*"}
    ]});
    set.insert_for_tests(wide);
    let findings = iam_findings(&IamFacts::default(), &set, Thresholds::default(), 0);
    let wild: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.check == "template-wildcard")
        .collect();
    assert_eq!(wild.len(), 1, "{wild:#?}");
    assert!(
        wild[0].detail.contains("allows all of s3 (s3:*)"),
        "{wild:#?}"
    );
    assert!(
        wild[0]
            .detail
            .contains("the write action ec2:StopInstances on every resource"),
        "{wild:#?}"
    );
    assert!(
        !wild[0].detail.contains("DescribeInstances"),
        "a read on * is no finding"
    );
    assert_eq!(
        wild[0].fix,
        "name the actions and resources the job needs in policies/finance-access.json (then any \
         iam-onboard run with the template updates the policy in AWS); edit a copy of the \
         built-in set (iam-onboard templates export DIR), then run with --templates DIR",
        "the policy's file, not the template's"
    );
}

#[test]
fn an_assignment_to_someone_gone_and_one_outside_the_templates_are_found() {
    let assignment = |principal_id: &str, managed: bool| FoundAssignment {
        account: "111111111111".to_string(),
        permission_set: if managed { "developer" } else { "AdminAccess" }.to_string(),
        permission_set_arn: "arn:ps".to_string(),
        managed,
        principal: Principal::User,
        principal_id: principal_id.to_string(),
    };
    let facts = SsoFacts {
        instance_arn: "arn:ins".to_string(),
        assignments: vec![
            assignment("gone", true),
            assignment("u-1", false),
            assignment("u-1", true),
        ],
        users: [("u-1".to_string(), "bob".to_string())].into(),
        groups: Vec::new(),
        tool_groups: Vec::new(),
    };
    let findings = sso_findings(&facts);
    assert_eq!(findings.len(), 2, "{findings:#?}");
    assert_eq!(findings[0].check, "sso-orphan-assignment");
    assert_eq!(findings[0].severity, Severity::High);
    assert!(findings[0].fix.contains("--principal-id gone"));
    assert_eq!(findings[1].check, "sso-direct-assignment");
    assert_eq!(findings[1].subject, "bob");
}

#[tokio::test]
async fn a_read_the_caller_may_not_make_is_a_warning_naming_the_checks_skipped() {
    let api = account();
    api.unimplement("iam:GetCredentialReport");
    let (facts, warnings) = gather_iam(&api, &templates()).await;
    assert!(facts.report.is_none());
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("console-without-mfa"), "{warnings:?}");
}

#[tokio::test(start_paused = true)]
async fn only_a_template_in_use_drifts_when_its_policies_are_missing() {
    let api = account();
    let clock = TokioClock::starting_at(created());
    let findings = audit_at(&api, &clock).await;
    let missing = |template: &str| {
        findings
            .iter()
            .filter(|f| {
                f.check == "template-drift" && f.fix.contains(&format!("template {template} "))
            })
            .count()
    };
    assert!(
        missing("developer") > 0,
        "alice uses developer: {findings:#?}"
    );
    assert_eq!(missing("finance"), 0, "nobody uses finance: {findings:#?}");
    assert_eq!(missing("devops"), 0, "nobody uses devops");
}

#[tokio::test]
async fn a_role_template_s_role_is_checked_against_its_design_and_a_weakened_trust_is_high() {
    let api = MemoryIam::new(created());
    let request = crate::iam::request::NewUserRequest::new(
        crate::iam::request::NewUserInput {
            user_name: "dana".to_string(),
            template: "devops".to_string(),
            mfa: crate::iam::request::MfaMode::Deferred,
            ..Default::default()
        },
        &templates(),
    )
    .unwrap();
    crate::iam::apply::tests::run(&api, &request).await.unwrap();
    let role_findings = |findings: Vec<Finding>| -> Vec<Finding> {
        findings
            .into_iter()
            .filter(|f| f.subject.contains(":role/"))
            .collect()
    };
    let clock = TokioClock::starting_at(created());
    assert!(role_findings(audit_at(&api, &clock).await).is_empty());

    let caller = api.get_caller_identity().await.unwrap();
    let mut trust = crate::iam::role::trust_policy(templates().get("devops").unwrap(), &caller);
    trust["Statement"][0]["Condition"]
        .as_object_mut()
        .unwrap()
        .remove("Bool");
    api.update_assume_role_policy("iam-onboard-devops", &trust.to_string())
        .await
        .unwrap();
    api.update_role_max_session("iam-onboard-devops", 43_200)
        .await
        .unwrap();
    let found = role_findings(audit_at(&api, &clock).await);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].check, "template-drift");
    assert_eq!(found[0].severity, Severity::High);
    assert!(
        found[0].detail.contains("no longer requires MFA")
            && found[0].detail.contains("maximum session 43200 s"),
        "{}",
        found[0].detail
    );
}

/// A credential report row: created at `created()`, no password, the keys as given (active,
/// made at, last used).
fn row(user: &str, keys: &[(bool, u64, Option<u64>)]) -> CredentialRow {
    let at = |t: u64| crate::clock::rfc3339(t);
    CredentialRow {
        user: user.to_string(),
        created: Some(at(created())),
        password_enabled: false,
        password_last_used: None,
        mfa_active: false,
        access_keys_active: keys.iter().map(|k| k.0).collect(),
        access_keys_last_rotated: keys.iter().map(|k| Some(at(k.1))).collect(),
        access_keys_last_used: keys.iter().map(|k| k.2.map(at)).collect(),
    }
}

fn checks(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.check).collect()
}

#[test]
fn root_keys_and_recent_root_use_are_high_and_root_gets_no_user_key_checks() {
    let now = created() + 200 * DAY;
    let keyed = row("<root_account>", &[(true, created(), Some(now - 3 * DAY))]);
    let found = credential_findings(&keyed, None, Thresholds::default(), now);
    assert_eq!(checks(&found), ["root-access-key", "root-used"]);
    assert!(found.iter().all(|f| f.severity == Severity::High));
    assert!(found[1].detail.contains("3 days ago"), "{found:?}");
    let mut quiet = row("<root_account>", &[(false, created(), None)]);
    quiet.password_last_used = Some(crate::clock::rfc3339(now - 120 * DAY));
    assert!(
        credential_findings(&quiet, None, Thresholds::default(), now).is_empty(),
        "no key, and no use in the last 90 days"
    );
    quiet.password_last_used = Some(crate::clock::rfc3339(now - 89 * DAY));
    assert_eq!(
        checks(&credential_findings(
            &quiet,
            None,
            Thresholds::default(),
            now
        )),
        ["root-used"]
    );
}

#[test]
fn two_active_keys_and_a_key_made_with_its_user_and_never_used_are_found() {
    let now = created() + 10 * DAY;
    let both = row(
        "ops",
        &[
            (true, created() + 60, None),
            (true, created() + 5 * DAY, Some(now - DAY)),
        ],
    );
    let found = credential_findings(&both, None, Thresholds::default(), now);
    assert_eq!(
        checks(&found),
        ["access-key-at-creation", "two-active-keys"]
    );
    assert!(found[0].subject.ends_with("(access key 1)"));
    let later = row("ops", &[(true, created() + DAY, None)]);
    assert!(
        credential_findings(&later, None, Thresholds::default(), now).is_empty(),
        "a key made a day later is not one made with the user"
    );
}

#[test]
fn a_key_is_old_once_its_age_reaches_the_maximum_so_zero_reports_every_active_key() {
    let now = created() + 60;
    let fresh = row(
        "ops",
        &[(true, created(), Some(now)), (false, created(), None)],
    );
    let every = Thresholds {
        key_max_age_days: 0,
        ..Thresholds::default()
    };
    assert_eq!(
        checks(&credential_findings(&fresh, None, every, now)),
        ["access-key-old"],
        "a key made a minute ago is reported at 0; the inactive one is not"
    );
    let at_limit = created() + 90 * DAY;
    let aged = row("ops", &[(true, created(), Some(at_limit))]);
    assert_eq!(
        checks(&credential_findings(
            &aged,
            None,
            Thresholds::default(),
            at_limit
        )),
        ["access-key-old"]
    );
}
