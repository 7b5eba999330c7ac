//! `reset-mfa` against the in-memory IAM: the new device enabled before any old one goes, and
//! every failure of the enrolment undone with the old devices untouched.

use super::*;
use crate::aws::memory::Simulated;
use crate::aws::memory::{ACCOUNT, Injected, MemoryIam, assert_before};
use crate::aws::settling::Settling;
use crate::aws::{AwsErrorKind, CallerIdentity, tag_value};
use crate::error::exit;
use crate::iam::apply::tests::{FixedClock, NOW, ScriptedCodes};
use std::sync::Arc;
use std::time::Duration;

const OLD_VIRTUAL: &str = "arn:aws:iam::123456789012:mfa/alice";
const HARDWARE: &str = "GAHT12345678";

fn caller() -> CallerIdentity {
    CallerIdentity {
        account: ACCOUNT.to_string(),
        arn: format!("arn:aws:iam::{ACCOUNT}:user/admin"),
        user_id: "AIDAADMIN".to_string(),
    }
}

/// Alice with a virtual and a hardware device, as `add_everything` makes her.
fn account_with_alice() -> MemoryIam {
    let api = MemoryIam::new(NOW);
    api.add_everything("alice", "team", &format!("arn:aws:iam::{ACCOUNT}:policy/p"));
    api
}

async fn plan_for(api: &impl Iam, mode: &ResetMode) -> MfaResetPlan {
    let (_, state) = look(api, "alice").await.unwrap();
    plan_reset(&state.unwrap(), mode, &caller(), NOW).unwrap()
}

/// A reset with the codes an app shows, typed at the prompt.
async fn enrolled(api: &impl Iam) -> Result<MfaResetDone, Error> {
    run(
        api,
        &ResetMode::Enrol(MfaMode::Prompt),
        &mut ScriptedCodes::default(),
    )
    .await
}

async fn run(
    api: &impl Iam,
    mode: &ResetMode,
    codes: &mut ScriptedCodes,
) -> Result<MfaResetDone, Error> {
    let plan = plan_for(api, mode).await;
    reset(
        api,
        &plan,
        mode,
        ACCOUNT,
        codes,
        &FixedClock,
        std::future::pending(),
    )
    .await
}

fn devices_of(api: &MemoryIam, user: &str) -> Vec<String> {
    api.user(user).unwrap().mfa_devices
}

#[tokio::test(start_paused = true)]
async fn a_new_device_is_enabled_once_iam_shows_it() {
    let lagging = MemoryIam::new(NOW).with_consistency_lag(Duration::from_secs(3));
    lagging.add_everything("alice", "team", &format!("arn:aws:iam::{ACCOUNT}:policy/p"));
    let api = Settling::new(lagging, Duration::from_secs(120));
    let done = enrolled(&api).await.unwrap();
    let new = done.enabled.clone().unwrap();
    assert_eq!(devices_of(api.inner(), "alice"), [new]);
    assert!(done.not_removed.is_empty(), "{done:?}");
}

#[tokio::test]
async fn the_new_device_is_enabled_before_the_old_ones_go() {
    let api = account_with_alice();
    let done = enrolled(&api).await.unwrap();
    let new = done.enabled.clone().unwrap();
    assert_eq!(
        new,
        format!("arn:aws:iam::{ACCOUNT}:mfa/alice-20250615T150650Z")
    );
    assert_eq!(devices_of(&api, "alice"), [new]);
    assert!(done.not_removed.is_empty(), "{done:?}");
    let calls = api.calls();
    assert_before(
        &calls,
        "iam:EnableMFADevice",
        "iam:DeactivateMFADevice",
        "the new device works before the old ones go",
    );
    let state = api.state.lock().unwrap();
    assert!(
        !state.devices.contains_key(OLD_VIRTUAL),
        "the old virtual device is deleted"
    );
    assert!(
        calls
            .iter()
            .any(|c| c == &format!("iam:DeactivateMFADevice alice {HARDWARE}")),
        "the hardware device is deactivated: {calls:?}"
    );
}

#[tokio::test]
async fn wrong_codes_undo_the_new_device_and_leave_the_old_ones() {
    let api = account_with_alice();
    let mut codes = ScriptedCodes {
        wrong_pairs: 3,
        ..ScriptedCodes::default()
    };
    let err = run(&api, &ResetMode::Enrol(MfaMode::Prompt), &mut codes)
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit::FAILED, "{err}");
    assert_eq!(devices_of(&api, "alice"), [OLD_VIRTUAL, HARDWARE]);
    assert_eq!(api.device_count(), 1, "only the old virtual device is left");
}

#[tokio::test]
async fn ctrl_c_at_the_codes_undoes_the_new_device() {
    let api = account_with_alice();
    let mut codes = ScriptedCodes {
        ctrl_c: true,
        ..ScriptedCodes::default()
    };
    let err = run(&api, &ResetMode::Enrol(MfaMode::Prompt), &mut codes)
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit::INTERRUPTED, "{err}");
    assert_eq!(devices_of(&api, "alice"), [OLD_VIRTUAL, HARDWARE]);
    assert_eq!(api.device_count(), 1);
}

#[tokio::test]
async fn an_aws_failure_at_each_enrolment_step_leaves_the_old_devices() {
    for (index, how) in [
        (0, Injected::Refused(AwsErrorKind::Other)),
        (0, Injected::AnswerLost),
        (1, Injected::Refused(AwsErrorKind::Invalid)),
        (1, Injected::AnswerLost),
    ] {
        let api = account_with_alice();
        api.fail_call(index, how);
        let result = enrolled(&api).await;
        let err = result.unwrap_err();
        assert_ne!(err.exit_code(), exit::DONE, "{index} {how:?}");
        assert_eq!(
            devices_of(&api, "alice"),
            [OLD_VIRTUAL, HARDWARE],
            "{index} {how:?}: {err}"
        );
        assert_eq!(
            api.device_count(),
            1,
            "{index} {how:?}: no new device is left"
        );
    }
}

#[tokio::test]
async fn a_person_whose_mfa_was_deferred_is_enrolled_with_nothing_to_remove() {
    let api = account_with_alice();
    {
        let mut state = api.state.lock().unwrap();
        state.devices.clear();
        state.users.get_mut("alice").unwrap().mfa_devices.clear();
    }
    let plan = plan_for(&api, &ResetMode::Enrol(MfaMode::Prompt)).await;
    assert!(plan.remove.is_empty(), "{plan:?}");
    let done = enrolled(&api).await.unwrap();
    assert_eq!(devices_of(&api, "alice"), [done.enabled.unwrap()]);
}

#[tokio::test]
async fn two_runs_enrol_a_script_pending_first_then_enabled_with_codes() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("alice.otpauth");
    let api = account_with_alice();
    let pending = ResetMode::Pending {
        secret_file: secret_file.clone(),
        qr_png: None,
    };
    let first = run(&api, &pending, &mut ScriptedCodes::default())
        .await
        .unwrap();
    let serial = first.pending.clone().unwrap();
    assert_eq!(first.enabled, None);
    assert_eq!(
        devices_of(&api, "alice"),
        [OLD_VIRTUAL, HARDWARE],
        "the old devices still work until the new one is enabled"
    );
    assert_eq!(
        tag_value(&api.user("alice").unwrap().tags, MFA_PENDING_TAG),
        Some(serial.as_str())
    );
    let uri = std::fs::read_to_string(&secret_file).unwrap();
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");

    let enable = ResetMode::EnablePending {
        secret_file: Some(secret_file.clone()),
    };
    let mut codes = ScriptedCodes {
        uri: Some(uri.trim().to_string()),
        ..ScriptedCodes::default()
    };
    let second = run(&api, &enable, &mut codes).await.unwrap();
    assert_eq!(second.enabled.as_ref(), Some(&serial));
    assert_eq!(devices_of(&api, "alice"), [serial]);
    assert!(
        !api.user("alice")
            .unwrap()
            .tags
            .iter()
            .any(|(k, _)| k == MFA_PENDING_TAG),
        "the pending tag is gone"
    );

    let (_, state) = look(&api, "alice").await.unwrap();
    assert_eq!(
        plan_reset(&state.unwrap(), &enable, &caller(), NOW),
        Err(NothingPending(
            "alice has no pending MFA device; start with reset-mfa alice --mfa pending --mfa-secret-file FILE"
                .to_string()
        ))
    );
}

#[tokio::test]
async fn wrong_codes_for_a_pending_device_leave_it_pending() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("alice.otpauth");
    let api = account_with_alice();
    run(
        &api,
        &ResetMode::Pending {
            secret_file: secret_file.clone(),
            qr_png: None,
        },
        &mut ScriptedCodes::default(),
    )
    .await
    .unwrap();
    let mut codes = ScriptedCodes {
        wrong_pairs: 3,
        ..ScriptedCodes::default()
    };
    let err = run(
        &api,
        &ResetMode::EnablePending {
            secret_file: Some(secret_file),
        },
        &mut codes,
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit_code(), exit::FAILED, "{err}");
    assert_eq!(devices_of(&api, "alice"), [OLD_VIRTUAL, HARDWARE]);
    assert!(
        api.user("alice")
            .unwrap()
            .tags
            .iter()
            .any(|(k, _)| k == MFA_PENDING_TAG),
        "still pending, for another try"
    );
}

#[tokio::test]
async fn remove_only_removes_every_device_without_enrolling() {
    let api = account_with_alice();
    let done = run(&api, &ResetMode::RemoveOnly, &mut ScriptedCodes::default())
        .await
        .unwrap();
    assert_eq!(done.enabled, None);
    assert!(devices_of(&api, "alice").is_empty());
    assert_eq!(api.device_count(), 0);
    assert_eq!(done.removed.len(), 3, "{done:?}");
}

#[test]
fn a_device_made_the_same_second_gets_the_next_number() {
    let first = device_name("alice", NOW, &[]);
    assert_eq!(first, "alice-20250615T150650Z");
    let serial = format!("arn:aws:iam::{ACCOUNT}:mfa/{first}");
    assert_eq!(
        device_name("alice", NOW, &[&serial]),
        "alice-20250615T150650Z-2"
    );
}

/// AWS lets a user hold eight MFA devices; the new one is enabled before the old go, so a user
/// with eight is refused before anything is made, and removing them all is not.
#[tokio::test]
async fn a_user_holding_eight_devices_is_refused_an_enrolment_but_not_a_removal() {
    let api = account_with_alice();
    api.edit_user("alice", |alice| {
        alice
            .mfa_devices
            .extend((3..=8).map(|n| format!("GAHT0000000{n}")));
    });
    let prepare = |mode: ResetMode| {
        let request = ResetMfaRequest::new("alice".to_string(), mode).unwrap();
        let api = &api;
        async move {
            ResetMfa {
                api,
                request: &request,
                codes: ScriptedCodes::default(),
                clock: &FixedClock,
            }
            .prepare(&Protected::default())
            .await
        }
    };
    let err = prepare(ResetMode::Enrol(MfaMode::Prompt))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("alice holds 8 MFA devices, as many as IAM allows"),
        "{err}"
    );
    assert_eq!(err.exit_code(), exit::BAD_INPUT);
    let removal = prepare(ResetMode::RemoveOnly).await.unwrap();
    assert_eq!(
        removal
            .changes
            .iter()
            .filter(|change| change.starts_with("iam:DeactivateMFADevice"))
            .count(),
        8
    );
}

#[test]
fn a_reset_mfa_request_checks_the_name() {
    let request = ResetMfaRequest::new("alice".to_string(), ResetMode::RemoveOnly).unwrap();
    assert_eq!(request.mode, ResetMode::RemoveOnly);
    let err = ResetMfaRequest::new("alice bob".to_string(), ResetMode::RemoveOnly).unwrap_err();
    assert_eq!(err.field, "username");
}

#[test]
fn a_pending_secret_file_that_is_no_otpauth_uri_is_bad_input_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let reason = |path: &std::path::Path| {
        let err = read_pending_seed(path).unwrap_err();
        assert_eq!(err.field, "--mfa-secret-file");
        assert!(err.reason.starts_with(&path.display().to_string()), "{err}");
        err.reason
    };
    assert!(reason(&dir.path().join("missing")).contains("cannot be read"));
    assert!(reason(dir.path()).contains("cannot be read"), "a directory");
    let garbage = dir.path().join("garbage");
    std::fs::write(&garbage, "hello").unwrap();
    assert!(reason(&garbage).contains("not an otpauth URI"));
    let nul = dir.path().join("nul");
    std::fs::write(&nul, "otpauth://totp/x\0y").unwrap();
    assert!(reason(&nul).contains("NUL"));
    let dangling = dir.path().join("dangling");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    assert!(reason(&dangling).contains("cannot be read"));
    let uri = dir.path().join("uri");
    std::fs::write(
        &uri,
        "otpauth://totp/iam-onboard:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=iam-onboard\n",
    )
    .unwrap();
    assert!(read_pending_seed(&uri).is_ok());
}

/// What a reset is about: which old devices alice still has, how many new ones are enabled,
/// and whether a device is left pending for a later run.
fn mfa_of(api: &MemoryIam) -> (Vec<String>, usize, bool) {
    let alice = api.user("alice").unwrap();
    let old: Vec<String> = alice
        .mfa_devices
        .iter()
        .filter(|d| [OLD_VIRTUAL, HARDWARE].contains(&d.as_str()))
        .cloned()
        .collect();
    let new = alice.mfa_devices.len() - old.len();
    let pending = tag_value(&alice.tags, MFA_PENDING_TAG)
        .is_some_and(|serial| !alice.mfa_devices.iter().any(|device| device == serial));
    (old, new, pending)
}

/// No virtual device that nobody can use unless the run named it as left (exit 4): each is
/// assigned, or the one the pending tag names; and the tag names a device that exists.
fn no_orphan_device(api: &MemoryIam, result: &Result<(), Error>) -> Result<(), String> {
    let named = |serial: &str| {
        result
            .as_ref()
            .err()
            .is_some_and(|err| err.leftovers().iter().any(|left| left.contains(serial)))
    };
    let state = api.state.lock().unwrap();
    let pending = tag_value(&state.users["alice"].tags, MFA_PENDING_TAG).map(str::to_string);
    if let Some(serial) = &pending
        && !state.devices.contains_key(serial)
    {
        return Err(format!("the pending tag names {serial}, which is gone"));
    }
    match state.devices.iter().find(|(serial, device)| {
        device.user.is_none() && pending.as_ref() != Some(*serial) && !named(serial)
    }) {
        Some((serial, _)) => Err(format!("{serial} is assigned to nobody")),
        None => Ok(()),
    }
}

#[tokio::test]
async fn every_fault_in_a_reset_ends_old_new_or_exit_4_never_with_an_orphan_device() {
    let tried = crate::iam::faults::every_fault(
        || Arc::new(account_with_alice()),
        |api, _| async move {
            let mode = ResetMode::Enrol(MfaMode::Prompt);
            run(api.as_ref(), &mode, &mut ScriptedCodes::default()).await?;
            Ok(())
        },
        mfa_of,
        no_orphan_device,
    )
    .await;
    assert!(tried > 20, "{tried} runs");
}

#[tokio::test]
async fn every_fault_in_a_pending_reset_ends_old_new_or_exit_4_never_with_a_stale_tag() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_path_buf();
    let runs = std::sync::atomic::AtomicUsize::new(0);
    crate::iam::faults::every_fault(
        || Arc::new(account_with_alice()),
        |api, _| {
            let n = runs.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let mode = ResetMode::Pending {
                secret_file: folder.join(format!("alice-{n}.otpauth")),
                qr_png: None,
            };
            async move {
                run(api.as_ref(), &mode, &mut ScriptedCodes::default()).await?;
                Ok(())
            }
        },
        mfa_of,
        no_orphan_device,
    )
    .await;
}

#[tokio::test]
async fn every_fault_in_enabling_a_pending_device_ends_old_new_or_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("alice.otpauth");
    let with_pending = || {
        let api = Arc::new(account_with_alice());
        let _ = std::fs::remove_file(&secret_file);
        let pending = ResetMode::Pending {
            secret_file: secret_file.clone(),
            qr_png: None,
        };
        let made = futures_util::FutureExt::now_or_never(run(
            api.as_ref(),
            &pending,
            &mut ScriptedCodes::default(),
        ))
        .expect("the model answers at once")
        .unwrap();
        assert!(made.pending.is_some());
        api
    };
    let uri = || std::fs::read_to_string(&secret_file).unwrap();
    crate::iam::faults::every_fault(
        with_pending,
        |api, _| {
            let mode = ResetMode::EnablePending {
                secret_file: Some(secret_file.clone()),
            };
            let mut codes = ScriptedCodes {
                uri: Some(uri().trim().to_string()),
                ..ScriptedCodes::default()
            };
            async move {
                let (_, state) = look(api.as_ref(), "alice").await.map_err(Error::from_aws)?;
                let Ok(plan) = plan_reset(&state.unwrap(), &mode, &caller(), NOW) else {
                    return Ok(()); // nothing pending: an earlier run finished it
                };
                reset(
                    api.as_ref(),
                    &plan,
                    &mode,
                    ACCOUNT,
                    &mut codes,
                    &FixedClock,
                    std::future::pending(),
                )
                .await?;
                Ok(())
            }
        },
        mfa_of,
        no_orphan_device,
    )
    .await;
}

#[test]
fn only_devices_named_the_way_this_tool_names_the_users_count_as_theirs() {
    let serial = |name: &str| format!("arn:aws:iam::{ACCOUNT}:mfa/{name}");
    for theirs in [
        "alice",
        "alice-20261201T100000Z",
        "alice-20261201T100000Z-2",
    ] {
        assert!(named_for(&serial(theirs), "alice"), "{theirs}");
    }
    for not_theirs in [
        "alice2",
        "alice-bob",
        "alice-20261201T100000Z-",
        "alice-2026",
        "bob-20261201T100000Z",
    ] {
        assert!(!named_for(&serial(not_theirs), "alice"), "{not_theirs}");
    }
}
