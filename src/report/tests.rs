//! What people read, pinned: each command's report, human and JSON, as snapshots (insta), so a
//! change to the words or the fields shows in review. The reports are made the way the commands
//! make them, from the in-memory models where a plan or a run is needed.

use super::people::{ListReport, ShowReport};
use super::tickets::{MfaResetReport, MoveReport, PasswordResetReport};
use super::*;
use crate::aws::memory::{ACCOUNT, MemoryIam};
use crate::iam::offboard::{OffboardMode, discover, execute, plan_offboard};
use crate::iam::plan::{observe, plan_new_user};
use crate::iam::request::{MfaMode, NewUserInput};
use crate::outcome::{MfaResetStatus, MoveStatus, PasswordResetStatus};
use crate::template::TemplateSet;
use std::sync::Arc;

const NOW: &str = "2026-12-01T10:00:00Z";

fn acting() -> Acting {
    Acting {
        account: ACCOUNT.to_string(),
        caller_arn: format!("arn:aws:iam::{ACCOUNT}:user/admin"),
    }
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
    disabled.access_cut = Some(AccessCut {
        at: NOW.to_string(),
        inline_policy: Some(crate::iam::offboard::DENY_ALL_POLICY.to_string()),
        permission_sets: Vec::new(),
    });
    insta::assert_snapshot!("offboard_disabled", both(|f| disabled.render(f)));

    let inventory = discover(api.as_ref(), "dave", None).await.unwrap().unwrap();
    let finish = plan_offboard(&inventory, OffboardMode::Delete, NOW, None);
    let removed = execute(api.clone(), &finish).await.unwrap();
    let mut offboarded =
        OffboardReport::done(&acting(), &finish, OffboardMode::Delete, None, removed);
    offboarded.access_cut = Some(AccessCut {
        at: NOW.to_string(),
        inline_policy: Some(crate::iam::offboard::DENY_ALL_POLICY.to_string()),
        permission_sets: Vec::new(),
    });
    insta::assert_snapshot!("offboard_done", both(|f| offboarded.render(f)));

    insta::assert_snapshot!(
        "offboard_not_found",
        both(|f| OffboardReport::not_found(&acting(), "nobody").render(f))
    );
}

#[test]
fn an_sso_offboarding_whose_entries_overflowed_says_the_others_sign_in_again() {
    let mut report = OffboardReport::not_found(&acting(), "carol");
    report.status = OffboardStatus::Offboarded;
    report.user_arn = Some("identity-store user user-carol (carol)".to_string());
    report.access_cut = Some(AccessCut {
        at: NOW.to_string(),
        inline_policy: None,
        permission_sets: vec![SessionsCutReport {
            name: "developer".to_string(),
            arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1".to_string(),
            since: NOW.to_string(),
            older_sessions_cut: Some(NOW.to_string()),
        }],
    });
    report.sessions_still_allowed = vec![StillAllowed {
        permission_set: "platform".to_string(),
        arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-2".to_string(),
        until: "2026-12-01T18:00:00Z".to_string(),
        why: "not managed by iam-onboard, so not edited (--revoke-unmanaged edits it too)"
            .to_string(),
    }];
    report.removed = vec![
        "sso:DeleteAccountAssignment developer in account 111111111111".to_string(),
        "identitystore:DeleteUser user-carol".to_string(),
    ];
    insta::assert_snapshot!("offboard_sso_overflowed", both(|f| report.render(f)));
}

#[tokio::test]
async fn new_user_reports_its_plan_for_a_dry_run() {
    let templates = TemplateSet::embedded().unwrap();
    let request = NewUserRequest::new(
        NewUserInput {
            user_name: "alice".to_string(),
            template: "developer".to_string(),
            display_name: Some("Alice Example".to_string()),
            email: Some("alice@example.com".to_string()),
            ticket: Some("CHG-42".to_string()),
            tags: vec!["cost-center=CC-7".to_string()],
            console: false,
            mfa: MfaMode::Deferred,
            password_file: None,
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
            "iam:RemoveUserFromGroup iam-onboard-developers dan".to_string(),
            "iam:AddUserToGroup iam-onboard-devops dan".to_string(),
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

#[tokio::test]
async fn show_and_list_report_a_person_without_a_secret() {
    let api = dave();
    let templates = TemplateSet::embedded().unwrap();
    let user = crate::iam::people::read_user(api.as_ref(), "dave", &templates, 1_795_000_000)
        .await
        .unwrap();
    let shown = ShowReport {
        acting: acting(),
        user,
        person: None,
    };
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
        acting: acting(),
        people,
    };
    insta::assert_snapshot!("list_all", both(|f| listed.render(f)));
}
