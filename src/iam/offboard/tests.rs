//! Offboarding against the in-memory IAM: discovery, the phases, AWS's delete conflicts.

use super::*;
use crate::aws::IamCredentials;
use crate::aws::memory::Simulated;
use crate::aws::memory::{ACCOUNT, Injected, MemoryIam, assert_before};
use crate::error::exit;
use std::time::Duration;

const GROUP: &str = "engineers";
const NOW: &str = "2026-11-22T10:00:00Z";

fn policy_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/engineering")
}

fn loaded() -> Arc<MemoryIam> {
    let api = Arc::new(MemoryIam::new(0));
    api.add_everything("dave", GROUP, &policy_arn());
    api
}

async fn plan(api: &MemoryIam, mode: OffboardMode) -> OffboardPlan {
    let inventory = discover(api, "dave", None)
        .await
        .unwrap()
        .expect("dave exists");
    plan_offboard(&inventory, mode, NOW, Some("left the company"))
}

fn operations(phase: &[Removal]) -> Vec<String> {
    let mut ops: Vec<String> = phase
        .iter()
        .map(|r| r.to_string().split_whitespace().next().unwrap().to_string())
        .collect();
    ops.sort();
    ops.dedup();
    ops
}

#[tokio::test]
async fn the_plan_cuts_access_first_and_deletes_the_user_last() {
    let api = loaded();
    let plan = plan(&api, OffboardMode::Delete).await;
    let phases: Vec<Vec<String>> = plan.phases.iter().map(|p| operations(p)).collect();
    assert_eq!(
        phases,
        [
            vec!["iam:PutUserPolicy"],
            vec![
                "iam:DeactivateMFADevice",
                "iam:DeleteAccessKey",
                "iam:DeleteLoginProfile",
                "iam:DeleteSSHPublicKey",
                "iam:DeleteServiceSpecificCredential",
                "iam:DeleteSigningCertificate",
                "iam:DeleteUserPolicy",
                "iam:DetachUserPolicy",
                "iam:RemoveUserFromGroup",
            ],
            vec!["iam:DeleteUserPolicy", "iam:DeleteVirtualMFADevice"],
            vec!["iam:DeleteUser"],
        ]
    );
    assert_eq!(
        plan.phases[0],
        [Removal::DenyEverything {
            fallback_arn: "arn:aws:iam::aws:policy/AWSDenyAll".to_string()
        }],
        "the deny-all goes on before anything else"
    );
    assert_eq!(
        plan.phases[2]
            .iter()
            .filter(|r| matches!(
                r,
                Removal::LiftDeny {
                    attached: false,
                    ..
                }
            ))
            .count(),
        1,
        "the deny goes only after everything that grants access"
    );
    let deletes: Vec<_> = plan.phases[2]
        .iter()
        .filter(|r| matches!(r, Removal::DeleteVirtualMfaDevice { .. }))
        .collect();
    assert_eq!(
        deletes.len(),
        1,
        "the hardware device is deactivated, not deleted"
    );
    assert!(plan.kept[0].contains("permissions boundary"));
}

#[tokio::test(start_paused = true)]
async fn offboarding_takes_six_round_trips() {
    let api = Arc::new(MemoryIam::new(0).with_latency(Duration::from_millis(100)));
    api.add_everything("dave", GROUP, &policy_arn());
    let started = tokio::time::Instant::now();
    let (_, inventory) = look(api.as_ref(), "dave", None).await.unwrap();
    let plan = plan_offboard(&inventory.unwrap(), OffboardMode::Delete, NOW, None);
    execute(api.clone(), &plan).await.unwrap();
    let waited =
        crate::aws::memory::simulated_since(started, "offboard of a user with everything attached");
    assert!(api.user("dave").is_none());
    // Reads; keys' last use; the deny-all; the removals; virtual devices and the deny; the user.
    assert!(waited <= Duration::from_millis(600), "{waited:?}");
}

#[tokio::test]
async fn executing_the_plan_ends_in_a_successful_delete_user() {
    let api = loaded();
    let plan = plan(&api, OffboardMode::Delete).await;
    let removed = execute(api.clone(), &plan).await.unwrap();
    assert!(api.user("dave").is_none());
    assert_eq!(
        api.device_count(),
        0,
        "the virtual device is deleted, so its name is free"
    );
    assert!(
        removed
            .done
            .last()
            .unwrap()
            .starts_with("iam:DeleteUser arn:aws:iam::")
    );
    let state = api.state.lock().unwrap();
    assert!(state.groups.contains_key(GROUP), "the group stays");
    assert!(
        state.policies.contains_key(&policy_arn()),
        "the policy stays"
    );
}

#[tokio::test]
async fn leaving_out_any_kind_of_attachment_makes_delete_user_fail() {
    let api = loaded();
    let full = plan(&api, OffboardMode::Delete).await;
    let kinds = [1, 2].into_iter().flat_map(|phase| {
        operations(&full.phases[phase])
            .into_iter()
            .map(move |k| (phase, k))
    });
    for (phase, kind) in kinds {
        let api = loaded();
        let mut partial = plan(&api, OffboardMode::Delete).await;
        partial.phases[phase].retain(|r| !r.to_string().starts_with(&format!("{kind} ")));
        let result = execute(api.clone(), &partial).await;
        if kind == "iam:DeleteVirtualMFADevice" {
            // Deactivated, the device is no longer the user's: DeleteUser succeeds, but the
            // device would be left behind with the user's name.
            result.unwrap();
            assert_eq!(api.device_count(), 1, "an orphaned device");
        } else {
            let err = result.unwrap_err();
            assert!(
                err.to_string().contains("DeleteConflict"),
                "without {kind} in phase {phase}: {err}"
            );
        }
    }
}

#[tokio::test]
async fn a_failure_at_any_step_leaves_a_state_that_a_rerun_finishes() {
    let total = {
        let api = loaded();
        let plan = plan(&api, OffboardMode::Delete).await;
        execute(api.clone(), &plan).await.unwrap();
        api.calls().len()
    };
    for failing in 0..total {
        for how in [
            Injected::Refused(AwsErrorKind::AccessDenied),
            Injected::AnswerLost,
        ] {
            let api = loaded();
            api.fail_call(failing, how);
            let first = plan(&api, OffboardMode::Delete).await;
            let err = execute(api.clone(), &first).await.unwrap_err();
            let Error::OffboardIncomplete {
                remaining, removed, ..
            } = &err
            else {
                panic!("{err}");
            };
            let part_way = if removed.is_empty() {
                exit::FAILED
            } else {
                exit::UNDO_INCOMPLETE
            };
            assert_eq!(err.exit_code(), part_way, "{err}");
            assert!(
                remaining.iter().any(|r| r.starts_with("iam:DeleteUser "))
                    || api.user("dave").is_none()
            );

            if let Some(left) = discover(api.as_ref(), "dave", None).await.unwrap() {
                let second = plan_offboard(&left, OffboardMode::Delete, NOW, None);
                execute(api.clone(), &second)
                    .await
                    .unwrap_or_else(|err| panic!("re-run after call {failing} {how:?}: {err}"));
            }
            assert!(api.user("dave").is_none(), "call {failing} {how:?}");
        }
    }
}

#[tokio::test]
async fn disable_only_cuts_access_and_tags_then_a_full_run_finishes() {
    let api = loaded();
    let plan_disable = plan(&api, OffboardMode::DisableOnly).await;
    execute(api.clone(), &plan_disable).await.unwrap();
    let dave = api.user("dave").expect("the user stays");
    assert!(dave.login_profile.is_none());
    assert!(dave.access_keys.iter().all(|k| !k.active));
    assert_eq!(dave.access_keys.len(), 2, "keys are kept, inactive");
    assert!(dave.mfa_devices.is_empty());
    assert_eq!(
        dave.inline_policies.len(),
        3,
        "policies are kept, and the deny-all added"
    );
    assert!(dave.inline_policies.contains_key(DENY_ALL_POLICY));
    assert!(
        dave.tags
            .contains(&(OFFBOARDED_TAG.to_string(), NOW.to_string()))
    );
    assert!(dave.tags.contains(&(
        OFFBOARD_REASON_TAG.to_string(),
        "left the company".to_string()
    )));

    let finish = plan(&api, OffboardMode::Delete).await;
    execute(api.clone(), &finish).await.unwrap();
    assert!(api.user("dave").is_none());
}

/// Dave, whose own inline policies leave no room for the deny-all (2,048 characters together).
fn with_full_inline_policies() -> Arc<MemoryIam> {
    let api = loaded();
    api.edit_user("dave", |dave| {
        dave.inline_policies.get_mut("inline-a").unwrap().size = 2_000;
    });
    api
}

#[tokio::test]
async fn when_the_users_inline_policies_are_full_aws_deny_all_is_attached_instead() {
    let api = with_full_inline_policies();
    let plan_disable = plan(&api, OffboardMode::DisableOnly).await;
    let removed = execute(api.clone(), &plan_disable).await.unwrap();
    assert!(removed.denied_by_managed_policy);
    let calls = api.calls();
    assert_before(
        &calls,
        "iam:AttachUserPolicy dave arn:aws:iam::aws:policy/AWSDenyAll",
        "iam:DeleteLoginProfile",
        "denied before anything is removed",
    );
    let dave = api.user("dave").unwrap();
    assert!(!dave.inline_policies.contains_key(DENY_ALL_POLICY));
    assert!(
        dave.attached_policies
            .contains("arn:aws:iam::aws:policy/AWSDenyAll")
    );

    let finish = plan(&api, OffboardMode::Delete).await;
    assert!(
        finish.phases[1]
            .iter()
            .all(|r| !r.to_string().contains("AWSDenyAll")),
        "the deny stays until nothing grants anything"
    );
    execute(api.clone(), &finish).await.unwrap();
    assert!(
        api.user("dave").is_none(),
        "AWSDenyAll detached just before the user"
    );
}

#[tokio::test]
async fn a_full_offboarding_that_falls_back_to_aws_deny_all_still_deletes_the_user() {
    let api = with_full_inline_policies();
    let plan = plan(&api, OffboardMode::Delete).await;
    let removed = execute(api.clone(), &plan).await.unwrap();
    assert!(removed.denied_by_managed_policy);
    assert!(api.user("dave").is_none());
    assert!(
        api.calls()
            .iter()
            .any(|c| c.starts_with("iam:DetachUserPolicy dave arn:aws:iam::aws:policy/AWSDenyAll"))
    );
}

#[tokio::test]
async fn an_orphaned_virtual_device_named_after_the_user_is_deleted() {
    let api = loaded();
    api.create_virtual_mfa_device("erin", "/").await.unwrap();
    api.add_everything("erin", GROUP, &policy_arn());
    let serial = format!("arn:aws:iam::{ACCOUNT}:mfa/erin");
    {
        let mut state = api.state.lock().unwrap();
        state.users.get_mut("erin").unwrap().mfa_devices.clear();
        state.devices.get_mut(&serial).unwrap().user = None;
    }
    let inventory = discover(api.as_ref(), "erin", None).await.unwrap().unwrap();
    assert_eq!(
        inventory.orphan_virtual_mfa.as_deref(),
        Some(serial.as_str())
    );
    let plan = plan_offboard(&inventory, OffboardMode::Delete, NOW, None);
    execute(api.clone(), &plan).await.unwrap();
    assert!(!api.state.lock().unwrap().devices.contains_key(&serial));
}

#[tokio::test]
async fn a_discovery_call_that_fails_is_a_warning() {
    let api = Arc::new(MemoryIam::new(0));
    api.add_everything("dave", GROUP, &policy_arn());
    api.edit_user("dave", |user| user.service_credentials.clear());
    api.unimplement("iam:ListServiceSpecificCredentials");
    let plan = plan(&api, OffboardMode::Delete).await;
    assert_eq!(plan.warnings.len(), 1);
    assert!(plan.warnings[0].contains("ListServiceSpecificCredentials"));
    execute(api.clone(), &plan).await.unwrap();
    assert!(api.user("dave").is_none());
}

#[tokio::test]
async fn a_missing_user_is_reported_as_none() {
    let api = MemoryIam::new(0);
    assert!(discover(&api, "nobody", None).await.unwrap().is_none());
}
