//! New-user's MFA enrolment at the apply step: wrong codes, retries, and interrupts while the
//! person is typing, each leaving nothing behind or a person whose MFA is deferred.

use super::tests::*;
use crate::aws::memory::MemoryIam;
use crate::error::exit;
use crate::iam::enrol::AfterWrongCodes;
use crate::totp::CodeRejection;
use std::sync::Arc;
use tokio::sync::Notify;

#[tokio::test]
async fn three_wrong_pairs_of_codes_undo_everything_without_calling_enable() {
    let dir = tempfile::tempdir().unwrap();
    let api = MemoryIam::new(NOW);
    let mut codes = ScriptedCodes {
        wrong_pairs: 3,
        ..ScriptedCodes::default()
    };
    let err = run_full(&api, dir.path(), &mut codes).await.unwrap_err();
    assert_eq!(err.exit_code(), exit::FAILED);
    assert!(
        err.to_string().contains("3 pairs of codes were wrong"),
        "{err}"
    );
    assert_eq!(codes.rejections.len(), 3);
    assert!(
        !api.calls()
            .iter()
            .any(|c| c.starts_with("iam:EnableMFADevice"))
    );
    assert!(api.user("alice").is_none());
    assert_eq!(api.device_count(), 0);
}

#[tokio::test]
async fn a_wrong_pair_then_a_right_one_enrols() {
    let dir = tempfile::tempdir().unwrap();
    let api = MemoryIam::new(NOW);
    let mut codes = ScriptedCodes {
        wrong_pairs: 1,
        ..ScriptedCodes::default()
    };
    run_full(&api, dir.path(), &mut codes).await.unwrap();
    assert_eq!(codes.rejections, [CodeRejection::FirstNotCurrent]);
    assert_eq!(api.user("alice").unwrap().mfa_devices.len(), 1);
}

#[tokio::test]
async fn an_interrupt_while_waiting_for_codes_undoes_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let api = MemoryIam::new(NOW);
    let shown = Arc::new(Notify::new());
    let mut codes = ScriptedCodes {
        never_answer: true,
        shown: shown.clone(),
        ..ScriptedCodes::default()
    };
    let interrupted = async move { shown.notified().await };
    let err = run_with(&api, &full_request(dir.path()), &mut codes, interrupted)
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit::INTERRUPTED, "{err}");
    assert_nothing_left(&api, dir.path(), "interrupted");
}

#[tokio::test]
async fn ctrl_c_at_the_code_prompt_undoes_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let api = MemoryIam::new(NOW);
    let mut codes = ScriptedCodes {
        ctrl_c: true,
        ..ScriptedCodes::default()
    };
    let err = run_full(&api, dir.path(), &mut codes).await.unwrap_err();
    assert_eq!(err.exit_code(), exit::INTERRUPTED, "{err}");
    assert!(api.user("alice").is_none());
    assert_eq!(api.device_count(), 0);
}

#[tokio::test]
async fn after_three_wrong_pairs_the_helper_may_try_again_or_keep_the_person_deferred() {
    for choice in [AfterWrongCodes::TryAgain, AfterWrongCodes::KeepDeferred] {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        let mut codes = ScriptedCodes {
            wrong_pairs: 3,
            after_wrong: vec![choice],
            ..ScriptedCodes::default()
        };
        let onboarded = run_full(&api, dir.path(), &mut codes).await.unwrap();
        let alice = api.user("alice").expect("the person is kept");
        assert!(alice.groups.contains("iam-onboard-developers"));
        if choice == AfterWrongCodes::TryAgain {
            assert!(onboarded.mfa_enabled.is_some(), "the fourth pair was right");
        } else {
            assert!(onboarded.mfa_deferred && onboarded.mfa_enabled.is_none());
            assert!(alice.mfa_devices.is_empty());
            assert_eq!(api.device_count(), 0, "the unenabled device is gone");
        }
    }
}
