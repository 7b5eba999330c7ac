//! What people read, pinned: each command's report, human and JSON, as snapshots (insta), so a
//! change to the words or the fields shows in review. The reports are made the way the commands
//! make them, from the in-memory models where a plan or a run is needed.

use super::assign::{AssignReport, first_sign_in_steps};
use super::audit::AuditReport;
use super::job_change::MoveReport;
use super::new_user::NewUserReport;
use super::offboard::{AccessCut, OffboardReport};
use super::people::{ListReport, ShowReport};
use super::reset_mfa::MfaResetReport;
use super::reset_password::PasswordResetReport;
use super::*;
use crate::audit::gather::gather_iam;
use crate::audit::{Thresholds, iam_findings, sorted};
use crate::aws::memory::MEMORY_CREATED;
use crate::aws::memory::sso::{Behaviour, MemorySso};
use crate::aws::memory::{ACCOUNT, MemoryIam};
use crate::aws::{Assignment, CallerIdentity, SsoInstance};
use crate::cli::OutputFormat;
use crate::clock::SystemClock;
use crate::iam::offboard::{OffboardMode, discover, execute, plan_offboard};
use crate::iam::plan::{observe, plan_new_user};
use crate::iam::request::NewUserRequest;
use crate::iam::request::{MfaMode, NewUserInput, PersonDetails};
use crate::operation::Operation;
use crate::outcome::{MfaResetStatus, MoveStatus, PasswordResetStatus};
use crate::protect::Protected;
use crate::sso::assign::{AssignPerson, Giving};
use crate::sso::cut_sessions::{RevokeStep, SetRevocation};
use crate::sso::offboard::{SessionsCut, SsoOffboardPlan, SsoOffboarded};
use crate::sso::operations::Patience;
use crate::template::TemplateSet;
use std::sync::Arc;

const NOW: &str = "2026-12-01T10:00:00Z";

/// Who runs every command here: the model's administrator.
fn caller() -> CallerIdentity {
    CallerIdentity {
        account: ACCOUNT.to_string(),
        arn: format!("arn:aws:iam::{ACCOUNT}:user/admin"),
        user_id: "AIDAADMIN".to_string(),
    }
}

fn acting() -> Acting {
    Acting::of(&caller())
}

/// The human and the JSON rendering of a report, one after the other.
fn both(render: impl Fn(OutputFormat) -> String) -> String {
    format!(
        "{}\n--- json ---\n{}",
        render(OutputFormat::Human),
        render(OutputFormat::Json)
    )
}

/// Dave with one of everything, in an account of the in-memory IAM.
fn dave() -> Arc<MemoryIam> {
    let api = Arc::new(MemoryIam::new(0));
    api.add_everything(
        "dave",
        "engineers",
        &format!("arn:aws:iam::{ACCOUNT}:policy/engineering"),
    );
    api
}

#[tokio::test]
async fn offboard_reports_a_dry_run_a_full_run_a_disable_and_a_missing_user() {
    let api = dave();
    let inventory = discover(api.as_ref(), "dave", None).await.unwrap().unwrap();
    let plan = plan_offboard(&inventory, OffboardMode::Delete, NOW, None);
    insta::assert_snapshot!(
        "offboard_dry_run",
        both(|f| OffboardReport::planned(&acting(), &plan, None).render(f))
    );

    let disable = plan_offboard(&inventory, OffboardMode::DisableOnly, NOW, Some("left"));
    let removed = execute(api.clone(), &disable).await.unwrap();
    let mut disabled = OffboardReport::done(
        &acting(),
        &disable,
        OffboardMode::DisableOnly,
        Some("left"),
        removed,
    );
    disabled.access_cut = Some(AccessCut::of_iam_user(
        NOW.to_string(),
        crate::iam::offboard::DENY_ALL_POLICY,
        &[],
    ));
    insta::assert_snapshot!("offboard_disabled", both(|f| disabled.render(f)));

    let inventory = discover(api.as_ref(), "dave", None).await.unwrap().unwrap();
    let finish = plan_offboard(&inventory, OffboardMode::Delete, NOW, None);
    let removed = execute(api.clone(), &finish).await.unwrap();
    let mut offboarded =
        OffboardReport::done(&acting(), &finish, OffboardMode::Delete, None, removed);
    offboarded.access_cut = Some(AccessCut::of_iam_user(
        NOW.to_string(),
        crate::iam::offboard::DENY_ALL_POLICY,
        &[],
    ));
    insta::assert_snapshot!("offboard_done", both(|f| offboarded.render(f)));

    insta::assert_snapshot!(
        "offboard_not_found",
        both(|f| OffboardReport::not_found(&acting(), "nobody").render(f))
    );
}

/// A person with a managed set whose deny entries are full and an unmanaged set left open.
fn carol_plan() -> SsoOffboardPlan {
    SsoOffboardPlan {
        instance: SsoInstance {
            arn: "arn:aws:sso:::instance/ssoins-1".to_string(),
            identity_store_id: "d-1234567890".to_string(),
        },
        user_name: "carol".to_string(),
        user_id: "user-carol".to_string(),
        assignments: vec![Assignment {
            account: "111111111111".to_string(),
            permission_set_arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1".to_string(),
        }],
        memberships: Vec::new(),
        revocations: vec![
            SetRevocation {
                arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1".to_string(),
                name: "developer".to_string(),
                session_secs: 3600,
                step: RevokeStep::Add {
                    older_sessions: true,
                },
            },
            SetRevocation {
                arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-2".to_string(),
                name: "platform".to_string(),
                session_secs: 28_800,
                step: RevokeStep::Left {
                    until: 1_796_148_000,
                    why: "not managed by iam-onboard, so not edited (--revoke-unmanaged edits it too)"
                        .to_string(),
                },
            },
        ],
        delete_identity: true,
    }
}

#[test]
fn an_sso_offboarding_names_the_person_in_the_store_and_says_who_must_sign_in_again() {
    let plan = carol_plan();
    let planned = OffboardReport::sso(&acting(), &plan, false, None);
    insta::assert_snapshot!("offboard_sso_dry_run", both(|f| planned.render(f)));
    let done = SsoOffboarded {
        cut: vec![SessionsCut {
            name: "developer".to_string(),
            arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1".to_string(),
            since: 1_796_119_200,
            older_sessions_cut: Some(1_796_119_200),
        }],
        removed: plan.removals(),
        started: 1_796_119_200,
    };
    let report = OffboardReport::sso(&acting(), &plan, false, Some(done));
    insta::assert_snapshot!("offboard_sso_overflowed", both(|f| report.render(f)));
}

#[tokio::test]
async fn new_user_reports_its_plan_for_a_dry_run() {
    let templates = TemplateSet::embedded().unwrap();
    let request = NewUserRequest::new(
        NewUserInput {
            user_name: "alice".to_string(),
            template: "developer".to_string(),
            details: PersonDetails {
                display_name: Some("Alice Example".to_string()),
                email: Some("alice@example.com".to_string()),
                ticket: Some("CHG-42".to_string()),
                tags: vec!["cost-center=CC-7".to_string()],
                console: false,
                until: None,
            },
            mfa: MfaMode::Deferred,
            password_file: None,
            profile_file: None,
        },
        &templates,
    )
    .unwrap();
    let api = MemoryIam::new(0);
    let observed = observe(&api, &request).await.unwrap();
    let plan = plan_new_user(&request, &observed).unwrap();
    insta::assert_snapshot!(
        "new_user_dry_run",
        both(|f| NewUserReport::new(&request, &observed, &plan, None).render(f))
    );
}

#[test]
fn move_reset_mfa_and_reset_password_reports() {
    let moved = MoveReport {
        acting: acting(),
        status: MoveStatus::Moved,
        user_name: "dan".to_string(),
        user: format!("arn:aws:iam::{ACCOUNT}:user/dan"),
        from: Some("developer".to_string()),
        to: "devops".to_string(),
        changes: vec![
            "iam:RemoveUserFromGroup GroupName=iam-onboard-developers UserName=dan".to_string(),
            "iam:AddUserToGroup GroupName=iam-onboard-devops UserName=dan".to_string(),
        ],
    };
    insta::assert_snapshot!("move_done", both(|f| moved.render(f)));

    let mfa = MfaResetReport {
        acting: acting(),
        status: MfaResetStatus::Pending,
        user_name: "erin".to_string(),
        user_arn: format!("arn:aws:iam::{ACCOUNT}:user/erin"),
        enabled_device: None,
        pending_device: Some(format!("arn:aws:iam::{ACCOUNT}:mfa/erin-20261201T100000Z")),
        secret_file: Some("erin.otpauth".to_string()),
        planned: Vec::new(),
        removed: Vec::new(),
    };
    insta::assert_snapshot!("reset_mfa_pending", both(|f| mfa.render(f)));

    let password = PasswordResetReport {
        acting: acting(),
        status: PasswordResetStatus::Reset,
        user_name: "frank".to_string(),
        user_arn: format!("arn:aws:iam::{ACCOUNT}:user/frank"),
        password_file: Some("frank.password".to_string()),
        calls: vec!["iam:UpdateLoginProfile frank PasswordResetRequired=true".to_string()],
    };
    insta::assert_snapshot!("reset_password_to_a_file", both(|f| password.render(f)));
}

#[test]
fn a_rotation_report_says_where_the_new_key_went_and_never_holds_its_secret() {
    let mut created = super::rotate_key::KeyRotationReport {
        acting: acting(),
        status: crate::outcome::KeyRotationStatus::Created,
        user_name: "ci-bot".to_string(),
        user_arn: format!("arn:aws:iam::{ACCOUNT}:user/ci-bot"),
        old_key_id: Some("AKIAOLD".to_string()),
        new_key_id: Some("AKIANEW".to_string()),
        key_file: Some("ci-bot.key".to_string()),
        next: Some("switch what uses AKIAOLD to the new key".to_string()),
        secret_access_key: None,
        calls: vec!["iam:CreateAccessKey UserName=ci-bot".to_string()],
    };
    insta::assert_snapshot!("rotate_key_to_a_file", both(|f| created.render(f)));
    created.key_file = None;
    let human = created.render(OutputFormat::Human);
    assert!(
        human.starts_with(&format!(
            "New access key AKIANEW for arn:aws:iam::{ACCOUNT}:user/ci-bot, shown once above; AKIAOLD stays active."
        )),
        "{human}"
    );
    let planned = super::rotate_key::KeyRotationReport {
        status: crate::outcome::KeyRotationStatus::Planned,
        new_key_id: None,
        key_file: None,
        next: None,
        ..created
    };
    let human = planned.render(OutputFormat::Human);
    assert!(
        human.ends_with("  iam:CreateAccessKey UserName=ci-bot\n"),
        "a dry run ends with its calls, no empty Next: {human}"
    );
}

/// `show dave`'s report, read from `api`.
async fn show_dave(api: &MemoryIam) -> ShowReport {
    let templates = TemplateSet::embedded().unwrap();
    let user = crate::iam::people::read_user(api, "dave", &templates, 1_795_000_000)
        .await
        .unwrap();
    ShowReport {
        acting: acting(),
        user,
        person: None,
        accounts: Vec::new(),
        not_covered: Vec::new(),
    }
}

#[tokio::test]
async fn show_and_list_report_a_person_without_a_secret() {
    let api = dave();
    let shown = show_dave(&api).await;
    insta::assert_snapshot!("show_iam_user", both(|f| shown.render(f)));

    let people = crate::iam::people::list_people(
        api.as_ref(),
        &crate::iam::people::ListFilter {
            template: None,
            all: true,
        },
    )
    .await
    .unwrap();
    let listed = ListReport {
        not_covered: Vec::new(),
        acting: acting(),
        people,
    };
    insta::assert_snapshot!("list_all", both(|f| listed.render(f)));
}

/// `show` says what is under way or done to a person that only tags and policies record: a key
/// rotation half-way, access cut (when and why), the last access review.
#[tokio::test]
async fn show_says_a_key_rotation_is_under_way_the_access_is_cut_and_the_last_review() {
    let api = dave();
    let tag = |key: &str, value: &str| {
        api.edit_user("dave", |dave| {
            dave.tags.push((key.to_string(), value.to_string()));
        });
    };
    tag(crate::iam::key_rotation::ROTATING_TAG, "AKIAOLD");
    tag(crate::tags::REVIEWED_TAG, "2026-11-30");
    tag(crate::iam::offboard::OFFBOARDED_TAG, "2026-12-01T09:00:00Z");
    tag(
        crate::iam::offboard::OFFBOARD_REASON_TAG,
        "end date 2026-11-30 passed",
    );
    api.edit_user("dave", |dave| {
        dave.inline_policies.insert(
            crate::iam::offboard::DENY_ALL_POLICY.to_string(),
            Default::default(),
        );
    });
    let shown = show_dave(&api).await.human();
    assert!(
        shown.contains(
            "  key rotation       AKIAOLD is being replaced: rotate-key dave deactivates it once the new key is used\n"
        ),
        "{shown}"
    );
    assert!(
        shown.contains("  access             cut at 2026-12-01T09:00:00Z (end date 2026-11-30 passed): offboarding's deny-all"),
        "{shown}"
    );
    assert!(
        shown.contains("  last reviewed      2026-11-30\n"),
        "{shown}"
    );
    tag(
        crate::iam::key_rotation::DEACTIVATED_TAG,
        "2026-12-02T10:00:00Z",
    );
    let shown = show_dave(&api).await.human();
    assert!(
        shown.contains(
            "  key rotation       AKIAOLD is being replaced: deactivated 2026-12-02T10:00:00Z; rotate-key dave deletes it once the grace has passed\n"
        ),
        "{shown}"
    );
}

#[tokio::test]
async fn assign_reports_its_plan_and_what_it_gave() {
    let request = crate::sso::tests::request(&["111111111111", "222222222222"], true);
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    let caller = caller();
    let operation = |preview| AssignPerson {
        api: api.clone(),
        request: &request,
        caller: &caller,
        notes: Vec::new(),
        preview,
        giving: Giving::Whole {
            clock: &SystemClock,
        },
        patience: Patience::default(),
    };
    let protected = Protected::default();
    let prepared = operation(true).prepare(&protected).await.unwrap();
    let planned = AssignReport::planned(&acting(), &request, prepared.changes);
    insta::assert_snapshot!("assign_dry_run", both(|f| planned.render(f)));
    let mut real = operation(false);
    let prepared = real.prepare(&protected).await.unwrap();
    let assigned = real
        .apply(&prepared.plan, std::future::pending())
        .await
        .unwrap();
    let mut report = AssignReport::done(&acting(), &request, &assigned);
    report.portal_url = Some("https://d-test.awsapps.com/start".to_string());
    report.first_sign_in = Some(first_sign_in_steps(
        &request.user_name,
        "https://d-test.awsapps.com/start",
    ));
    insta::assert_snapshot!("assign_done", both(|f| report.render(f)));
}

#[tokio::test]
async fn the_audit_reports_findings_by_severity_as_text_json_and_csv() {
    let api = MemoryIam::new(crate::clock::parse_rfc3339(MEMORY_CREATED).unwrap());
    api.add_everything(
        "ops",
        "admins",
        &format!("arn:aws:iam::{ACCOUNT}:policy/admin"),
    );
    let templates = TemplateSet::embedded().unwrap();
    let (facts, warnings) = gather_iam(&api, &templates).await;
    let now = crate::clock::parse_rfc3339(NOW).unwrap();
    let findings = sorted(iam_findings(&facts, &templates, Thresholds::default(), now));
    assert!(
        findings.len() > 3,
        "a hand-made admin with keys and policies on the user has findings"
    );
    let report = AuditReport::new(
        Some(ACCOUNT.to_string()),
        NOW.to_string(),
        Thresholds::default(),
        findings,
        warnings,
    );
    let csv = report.render(OutputFormat::Csv).unwrap();
    insta::assert_snapshot!(
        "audit",
        format!(
            "{}\n--- csv ---\n{csv}",
            both(|f| report.render(f).unwrap())
        )
    );
}
