//! The apply loop against the in-memory IAM: every step's failure, lost answers, undo.

use super::*;
use crate::aws::memory::Simulated;
use crate::aws::memory::{ACCOUNT, Injected, MemoryIam};
use crate::aws::{IamAccess, IamCredentials, PasswordRules};
use crate::error::exit;
use crate::iam::enrol::{AfterWrongCodes, CodeInput, MAX_CODE_TRIES};
use crate::iam::plan::{observe, plan_new_user};
use crate::tags::{MANAGED_BY_VALUE, TICKET_TAG};
use crate::template::TemplateSet;
use crate::totp::CodeRejection;
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

pub(crate) const NOW: u64 = 1_750_000_010;

pub(crate) struct FixedClock;

impl Clock for FixedClock {
    fn unix_now(&self) -> u64 {
        NOW
    }
}

/// A person reading codes off an authenticator app, after `wrong_pairs` mistyped pairs.
/// `shown` is notified when the QR code is shown, so a test can interrupt there.
#[derive(Default)]
pub(crate) struct ScriptedCodes {
    pub(crate) wrong_pairs: u32,
    pub(crate) uri: Option<String>,
    pub(crate) rejections: Vec<CodeRejection>,
    pub(crate) never_answer: bool,
    pub(crate) ctrl_c: bool,
    pub(crate) shown: Arc<Notify>,
    /// The helper's answers after each run of wrong pairs (then: undo).
    pub(crate) after_wrong: Vec<AfterWrongCodes>,
}

impl CodeSource for ScriptedCodes {
    fn show(&mut self, otpauth_uri: &Secret) -> Result<(), String> {
        self.uri = Some(otpauth_uri.expose().to_string());
        self.shown.notify_one();
        Ok(())
    }

    async fn next_pair(&mut self) -> CodeInput {
        if self.never_answer {
            std::future::pending::<()>().await;
        }
        if self.ctrl_c {
            return CodeInput::Interrupted;
        }
        if self.wrong_pairs > 0 {
            self.wrong_pairs -= 1;
            return CodeInput::Pair("000000".to_string(), "111111".to_string());
        }
        let app = totp_rs::TOTP::from_url(self.uri.as_ref().unwrap()).unwrap();
        CodeInput::Pair(app.generate(NOW - 30), app.generate(NOW))
    }

    fn rejected(&mut self, why: &CodeRejection, _tries_left: u32) {
        self.rejections.push(why.clone());
    }

    async fn after_wrong_codes(&mut self) -> AfterWrongCodes {
        if self.after_wrong.is_empty() {
            AfterWrongCodes::Undo
        } else {
            self.after_wrong.remove(0)
        }
    }
}

fn request(mfa: MfaMode, console: bool, password_file: Option<PathBuf>) -> NewUserRequest {
    NewUserRequest {
        user_name: "alice".to_string(),
        template: TemplateSet::embedded()
            .unwrap()
            .get("developer")
            .unwrap()
            .clone(),
        display_name: Some("Alice Example".to_string()),
        email: Some("alice@example.com".to_string()),
        ticket: Some("CHG-42".to_string()),
        extra_tags: vec![("cost-center".to_string(), "CC-7".to_string())],
        console,
        mfa,
        password_file,
        profile_file: None,
        until: None,
    }
}

pub(crate) fn full_request(dir: &Path) -> NewUserRequest {
    request(MfaMode::Prompt, true, Some(dir.join("password")))
}

pub(super) async fn run_with(
    api: &impl Iam,
    request: &NewUserRequest,
    codes: &mut ScriptedCodes,
    interrupted: impl Future<Output = ()>,
) -> Result<Onboarded, Error> {
    let observed = observe(api, request).await.unwrap();
    let plan = plan_new_user(request, &observed).unwrap();
    let mut rng = StdRng::seed_from_u64(3);
    let effects = Effects {
        codes,
        clock: &FixedClock,
        rng: &mut rng,
    };
    apply_or_roll_back(api, request, &observed, &plan, effects, interrupted).await
}

/// The full request (files in `dir`) onboarded with `codes` typed, never interrupted.
pub(super) async fn run_full(
    api: &impl Iam,
    dir: &std::path::Path,
    codes: &mut ScriptedCodes,
) -> Result<Onboarded, Error> {
    run_with(api, &full_request(dir), codes, std::future::pending()).await
}

pub(crate) async fn run(api: &impl Iam, request: &NewUserRequest) -> Result<Onboarded, Error> {
    run_with(
        api,
        request,
        &mut ScriptedCodes::default(),
        std::future::pending(),
    )
    .await
}

fn operation(call: &str) -> &str {
    call.split_whitespace().next().unwrap()
}

/// The call that undoes each per-person change.
fn undo_of(operation: &str) -> Option<&'static str> {
    Some(match operation {
        "iam:CreateUser" => "iam:DeleteUser",
        "iam:AddUserToGroup" => "iam:RemoveUserFromGroup",
        "iam:CreateLoginProfile" => "iam:DeleteLoginProfile",
        "iam:CreateVirtualMFADevice" => "iam:DeleteVirtualMFADevice",
        "iam:EnableMFADevice" => "iam:DeactivateMFADevice",
        _ => return None,
    })
}

/// The calls on shared resources before the user's own: the template's policies and its
/// boundary created, the group created, and each policy attached.
fn shared_calls() -> usize {
    let template = TemplateSet::embedded()
        .unwrap()
        .get("developer")
        .unwrap()
        .clone();
    template.policies.len() + 1 + 1 + template.policies.len()
}

#[tokio::test]
async fn a_full_onboarding_creates_everything_aws_requires() {
    let dir = tempfile::tempdir().unwrap();
    let api = MemoryIam::new(NOW);
    let request = full_request(dir.path());
    let done = run(&api, &request).await.unwrap();

    let user = api.user("alice").unwrap();
    let boundary = format!("arn:aws:iam::{ACCOUNT}:policy/iam-onboard/iam-onboard-people-boundary");
    assert_eq!(user.boundary.as_deref(), Some(boundary.as_str()));
    assert!(user.groups.contains("iam-onboard-developers"));
    let (password, reset_required) = user.login_profile.clone().unwrap();
    assert!(reset_required);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("password")).unwrap(),
        password.expose()
    );
    assert!(
        done.password_to_show.is_none(),
        "the password went to the file only"
    );
    let serial = format!("arn:aws:iam::{ACCOUNT}:mfa/alice");
    assert_eq!(user.mfa_devices, std::slice::from_ref(&serial));
    assert_eq!(done.mfa_enabled, Some(serial));
    let tag = |key: &str| crate::aws::tag_value(&user.tags, key).map(str::to_string);
    assert_eq!(tag(MANAGED_BY_TAG).as_deref(), Some(MANAGED_BY_VALUE));
    assert_eq!(tag(TEMPLATE_TAG).as_deref(), Some("developer"));
    assert_eq!(tag(TICKET_TAG).as_deref(), Some("CHG-42"));
    assert_eq!(
        tag(CREATED_BY_TAG).as_deref(),
        Some("arn:aws:iam::123456789012:user/admin")
    );
    assert_eq!(tag("job-function").as_deref(), Some("developer"));
    assert_eq!(tag("cost-center").as_deref(), Some("CC-7"));
    assert_eq!(api.calls().len(), shared_calls() + 5);
}

#[tokio::test]
async fn a_failure_at_every_step_undoes_this_runs_changes_in_reverse_order() {
    let steps = {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        run(&api, &full_request(dir.path())).await.unwrap();
        api.calls()
    };
    for (failing, step) in steps.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        api.fail_call(failing, Injected::Refused(AwsErrorKind::AccessDenied));
        let err = run(&api, &full_request(dir.path())).await.unwrap_err();

        // Changes made at once in other lanes still finish; everything made is undone, newest
        // first, once the changes have stopped.
        let calls = api.calls();
        let undo_calls = [
            "iam:CreateUser",
            "iam:AddUserToGroup",
            "iam:CreateLoginProfile",
            "iam:CreateVirtualMFADevice",
            "iam:EnableMFADevice",
        ]
        .map(|op| undo_of(op).unwrap());
        let is_undo = |call: &&String| undo_calls.contains(&operation(call));
        let first_undo = calls
            .iter()
            .enumerate()
            .position(|(index, call)| index > failing && is_undo(&call))
            .unwrap_or(calls.len());
        let expected_undo: Vec<&str> = calls[..first_undo]
            .iter()
            .enumerate()
            .filter(|(index, _)| *index != failing)
            .rev()
            .filter_map(|(_, call)| undo_of(operation(call)))
            .collect();
        let actual_undo: Vec<&str> = calls[first_undo..].iter().map(|c| operation(c)).collect();
        assert_eq!(actual_undo, expected_undo, "failure at {}", step);
        assert_nothing_left(&api, dir.path(), &format!("failure at {step}"));
        // Denied before the user existed (shared steps, or CreateUser itself): nothing of
        // the person's was made, so it is a permission problem, exit 3.
        let expected_exit = if failing <= shared_calls() {
            exit::DENIED
        } else {
            exit::FAILED
        };
        assert_eq!(err.exit_code(), expected_exit, "failure at {}: {err}", step);
    }
}

#[tokio::test]
async fn a_change_whose_answer_was_lost_is_undone_too() {
    let step_count = shared_calls() + 5;
    for failing in shared_calls()..step_count {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        api.fail_call(failing, Injected::AnswerLost);
        let err = run(&api, &full_request(dir.path())).await.unwrap_err();
        assert_eq!(err.exit_code(), exit::FAILED, "{err}");
        assert!(
            api.user("alice").is_none(),
            "answer lost at call {failing}: {err}"
        );
        assert_eq!(api.device_count(), 0, "answer lost at call {failing}");
    }
}

/// What a complete onboarding of `full_request` leaves: the user in the group, one login
/// profile holding the password written to the file, one enabled device and no other.
#[track_caller]
fn assert_complete(api: &MemoryIam, dir: &Path, context: &str) {
    let user = api.user("alice").unwrap_or_else(|| panic!("{context}"));
    assert!(user.groups.contains("iam-onboard-developers"), "{context}");
    let (password, reset_required) = user.login_profile.clone().expect(context);
    assert!(reset_required, "{context}");
    assert_eq!(
        std::fs::read_to_string(dir.join("password")).unwrap(),
        password.expose(),
        "{context}: the password delivered is the one AWS holds"
    );
    assert_eq!(user.mfa_devices.len(), 1, "{context}");
    assert_eq!(
        api.device_count(),
        1,
        "{context}: no device left unassigned"
    );
}

/// What an undone onboarding of `full_request` leaves: no user, no device, no password file.
#[track_caller]
pub(super) fn assert_nothing_left(api: &MemoryIam, dir: &Path, context: &str) {
    assert!(api.user("alice").is_none(), "{context}");
    assert_eq!(api.device_count(), 0, "{context}");
    assert!(!dir.join("password").exists(), "{context}");
}

#[tokio::test]
async fn an_answer_lost_after_the_change_and_retried_goes_on_as_if_it_had_succeeded() {
    let step_count = shared_calls() + 5;
    for lost in shared_calls()..step_count {
        let dir = tempfile::tempdir().unwrap();
        let api = MemoryIam::new(NOW);
        api.fail_call(lost, Injected::AnswerLostThenRetried);
        run(&api, &full_request(dir.path()))
            .await
            .unwrap_or_else(|err| panic!("answer lost at call {lost}: {err}"));
        assert_complete(&api, dir.path(), &format!("answer lost at call {lost}"));
    }
}

#[tokio::test]
async fn after_a_lost_answer_at_any_step_a_later_failure_still_leaves_nothing() {
    let step_count = shared_calls() + 4;
    for how in [Injected::AnswerLostThenRetried, Injected::AnswerLost] {
        for lost in shared_calls()..step_count {
            let dir = tempfile::tempdir().unwrap();
            let api = MemoryIam::new(NOW);
            api.fail_call(lost, how);
            let mut codes = ScriptedCodes {
                wrong_pairs: MAX_CODE_TRIES,
                ..ScriptedCodes::default()
            };
            let err = run_full(&api, dir.path(), &mut codes).await.unwrap_err();
            let context = format!("{how:?} at call {lost}: {err}");
            assert_eq!(err.exit_code(), exit::FAILED, "{context}");
            assert_nothing_left(&api, dir.path(), &context);
        }
    }
}

#[tokio::test]
async fn a_user_someone_else_made_in_the_meantime_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let api = MemoryIam::new(NOW);
    let request = full_request(dir.path());
    let observed = observe(&api, &request).await.unwrap();
    let plan = plan_new_user(&request, &observed).unwrap();
    api.state.lock().unwrap().users.insert(
        "alice".to_string(),
        crate::aws::memory::MemoryUser {
            arn: format!("arn:aws:iam::{ACCOUNT}:user/alice"),
            tags: vec![("team".to_string(), "theirs".to_string())],
            ..Default::default()
        },
    );
    let mut rng = StdRng::seed_from_u64(3);
    let effects = Effects {
        codes: &mut ScriptedCodes::default(),
        clock: &FixedClock,
        rng: &mut rng,
    };
    let err = apply_or_roll_back(
        &api,
        &request,
        &observed,
        &plan,
        effects,
        std::future::pending(),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("EntityAlreadyExists"), "{err}");
    let theirs = api.user("alice").expect("their user stays");
    assert_eq!(theirs.tags, [("team".to_string(), "theirs".to_string())]);
}

#[tokio::test(start_paused = true)]
async fn an_undo_waits_out_a_login_profile_that_is_temporarily_unmodifiable() {
    let dir = tempfile::tempdir().unwrap();
    let api = MemoryIam::new(NOW);
    let enable = shared_calls() + 4;
    api.fail_call(enable, Injected::Refused(AwsErrorKind::AccessDenied));
    // Undo runs DeleteVirtualMFADevice, then DeleteLoginProfile: refused four times.
    for attempt in 0..4 {
        api.fail_call(
            enable + 2 + attempt,
            Injected::Refused(AwsErrorKind::TemporarilyUnmodifiable),
        );
    }
    let started = tokio::time::Instant::now();
    let err = run(&api, &full_request(dir.path())).await.unwrap_err();
    assert_eq!(err.exit_code(), exit::FAILED, "{err}");
    assert!(api.user("alice").is_none());
    assert!(
        started.elapsed() >= Duration::from_secs(4),
        "it waited between tries"
    );
    assert!(started.elapsed() <= Duration::from_secs(150));
}

#[tokio::test]
async fn an_undo_that_fails_leaves_a_list_of_leftovers_and_exit_4() {
    let dir = tempfile::tempdir().unwrap();
    let api = MemoryIam::new(NOW);
    let enable = shared_calls() + 4;
    api.fail_call(enable, Injected::Refused(AwsErrorKind::AccessDenied));
    // Undo runs: DeleteVirtualMFADevice, then DeleteLoginProfile, which fails too.
    api.fail_call(enable + 2, Injected::Refused(AwsErrorKind::AccessDenied));
    let err = run(&api, &full_request(dir.path())).await.unwrap_err();
    assert_eq!(err.exit_code(), exit::UNDO_INCOMPLETE);
    let Error::UndoIncomplete { leftovers, .. } = &err else {
        panic!("{err}");
    };
    let user_arn = format!("arn:aws:iam::{ACCOUNT}:user/alice");
    assert!(
        leftovers[0].starts_with(&format!("login profile of {user_arn}")),
        "{leftovers:?}"
    );
    assert!(
        leftovers[1].starts_with(&format!("user {user_arn}")),
        "{leftovers:?}"
    );
    assert!(leftovers[1].contains("DeleteConflict"), "{leftovers:?}");
    assert_eq!(leftovers.len(), 2);
}

#[tokio::test]
async fn a_password_made_but_never_delivered_is_replaced_and_delivered_on_the_rerun() {
    let api = MemoryIam::new(NOW);
    let on_the_terminal = request(MfaMode::Deferred, true, None);
    let first = run(&api, &on_the_terminal).await.unwrap();
    assert!(first.password_to_show.is_some());
    let tag = |api: &MemoryIam| {
        let user = api.user("alice").unwrap();
        crate::aws::tag_value(&user.tags, PASSWORD_TAG).map(str::to_string)
    };
    assert_eq!(tag(&api).as_deref(), Some(PASSWORD_PENDING));

    // Killed before the password was shown: the re-run makes a new one to show.
    let observed = observe(&api, &on_the_terminal).await.unwrap();
    let plan = plan_new_user(&on_the_terminal, &observed).unwrap();
    assert!(matches!(
        plan.steps.as_slice(),
        [Step::ResetUndeliveredPassword { .. }]
    ));
    assert!(plan.leaves_password_pending(&on_the_terminal));
    let dir = tempfile::tempdir().unwrap();
    let to_a_file = full_request(dir.path());
    let fresh = MemoryIam::new(NOW);
    let plan_for_a_file =
        plan_new_user(&to_a_file, &observe(&fresh, &to_a_file).await.unwrap()).unwrap();
    assert!(
        !plan_for_a_file.leaves_password_pending(&to_a_file),
        "a password file is written before the login profile exists"
    );
    let again = run(&api, &on_the_terminal).await.unwrap();
    let shown = again.password_to_show.expect("a new password to show");
    assert!(
        api.calls()
            .last()
            .unwrap()
            .starts_with("iam:UpdateLoginProfile")
    );
    let (stored, reset_required) = api.user("alice").unwrap().login_profile.unwrap();
    assert_eq!(stored, shown);
    assert!(reset_required);

    record_password_delivered(&api, "alice").await.unwrap();
    assert_eq!(tag(&api).as_deref(), Some(PASSWORD_DELIVERED));
    let observed = observe(&api, &on_the_terminal).await.unwrap();
    assert!(
        plan_new_user(&on_the_terminal, &observed)
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_rerun_converges_only_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let api = MemoryIam::new(NOW);
    run(&api, &request(MfaMode::Deferred, false, None))
        .await
        .unwrap();
    let before = api.calls().len();

    let complete = full_request(dir.path());
    let observed = observe(&api, &complete).await.unwrap();
    let plan = plan_new_user(&complete, &observed).unwrap();
    let planned: Vec<String> = plan
        .steps
        .iter()
        .map(|s| operation(&s.to_string()).to_string())
        .collect();
    assert_eq!(
        planned,
        [
            "iam:CreateLoginProfile",
            "iam:CreateVirtualMFADevice",
            "iam:EnableMFADevice"
        ]
    );
    run(&api, &complete).await.unwrap();
    assert_eq!(api.calls().len(), before + 3);

    let again = request(MfaMode::Prompt, true, None);
    let observed = observe(&api, &again).await.unwrap();
    assert!(plan_new_user(&again, &observed).unwrap().is_empty());
}

/// A rerun for a user someone took out of the template's group and put in ten others: IAM's
/// limit is ten groups, so the plan refuses before any change.
#[tokio::test]
async fn a_rerun_that_would_put_the_user_in_an_eleventh_group_is_refused() {
    let api = MemoryIam::new(NOW);
    let first = request(MfaMode::Deferred, false, None);
    run(&api, &first).await.unwrap();
    let user = first.user_name.clone();
    api.edit_user(&user, |person| {
        person.groups = (1..=10).map(|n| format!("team-{n}")).collect();
    });
    let observed = observe(&api, &first).await.unwrap();
    let err = plan_new_user(&first, &observed).unwrap_err();
    assert!(
        err.reason.starts_with(&format!(
            "{user} is in 10 groups, and IAM allows a user in at most 10"
        )),
        "{err}"
    );
}

#[tokio::test]
async fn a_failed_rerun_keeps_what_earlier_runs_made() {
    let api = MemoryIam::new(NOW);
    run(&api, &request(MfaMode::Deferred, false, None))
        .await
        .unwrap();
    let mut codes = ScriptedCodes {
        wrong_pairs: 3,
        ..ScriptedCodes::default()
    };
    let err = run_with(
        &api,
        &request(MfaMode::Prompt, false, None),
        &mut codes,
        std::future::pending(),
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit_code(), exit::FAILED);
    let user = api
        .user("alice")
        .expect("the user from the first run stays");
    assert!(user.groups.contains("iam-onboard-developers"));
    assert_eq!(api.device_count(), 0);
}

#[tokio::test]
async fn a_user_this_tool_did_not_create_is_refused() {
    let api = MemoryIam::new(NOW);
    run(&api, &request(MfaMode::Deferred, false, None))
        .await
        .unwrap();
    api.edit_user("alice", |user| user.tags.clear());
    let request = request(MfaMode::Deferred, false, None);
    let observed = observe(&api, &request).await.unwrap();
    let err = plan_new_user(&request, &observed).unwrap_err();
    assert_eq!(err.field, "username");
    assert!(err.reason.contains("not created by iam-onboard"), "{err}");
}

#[tokio::test]
async fn a_user_of_another_template_is_refused() {
    let api = MemoryIam::new(NOW);
    run(&api, &request(MfaMode::Deferred, false, None))
        .await
        .unwrap();
    let mut finance = request(MfaMode::Deferred, false, None);
    finance.template = TemplateSet::embedded()
        .unwrap()
        .get("finance")
        .unwrap()
        .clone();
    let observed = observe(&api, &finance).await.unwrap();
    assert_eq!(
        plan_new_user(&finance, &observed).unwrap_err().field,
        "--template"
    );
}

#[tokio::test]
async fn a_device_left_unassigned_by_a_killed_run_is_replaced() {
    let api = MemoryIam::new(NOW);
    run(&api, &request(MfaMode::Deferred, false, None))
        .await
        .unwrap();
    api.create_virtual_mfa_device("alice", "/").await.unwrap();
    let request = request(MfaMode::Prompt, false, None);
    let observed = observe(&api, &request).await.unwrap();
    let plan = plan_new_user(&request, &observed).unwrap();
    assert!(
        matches!(plan.steps[0], Step::DeleteStaleMfaDevice { .. }),
        "{:?}",
        plan.steps
    );
    run(&api, &request).await.unwrap();
    assert_eq!(api.user("alice").unwrap().mfa_devices.len(), 1);
}

#[tokio::test]
async fn a_changed_policy_gets_a_new_default_version_making_room_at_five() {
    let api = MemoryIam::new(NOW);
    let request = request(MfaMode::Deferred, false, None);
    let policy = &request.template.policies[1];
    let arn = format!(
        "arn:aws:iam::{ACCOUNT}:policy/iam-onboard/{}",
        policy.iam_name
    );
    let old = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;
    api.create_policy(&policy.iam_name, "/iam-onboard/", old, "old", &[])
        .await
        .unwrap();
    for _ in 0..4 {
        api.create_policy_version(&arn, old).await.unwrap();
    }
    run(&api, &request).await.unwrap();
    let state = api.state.lock().unwrap();
    let versions = &state.policies[&arn].versions;
    assert_eq!(versions.len(), 5);
    assert!(!versions.iter().any(|v| v.0 == "v1"), "the oldest went");
    let default = versions.iter().find(|v| v.2).unwrap();
    assert_eq!(default.1, policy.document);
}

#[tokio::test]
async fn the_accounts_password_policy_is_followed() {
    let api = MemoryIam::new(NOW);
    api.state.lock().unwrap().password_rules = Some(PasswordRules {
        minimum_length: 48,
        ..PasswordRules::default()
    });
    let dir = tempfile::tempdir().unwrap();
    run(&api, &full_request(dir.path())).await.unwrap();
    let (password, _) = api.user("alice").unwrap().login_profile.unwrap();
    assert!(password.expose().len() >= 48);
}

#[tokio::test]
async fn only_files_the_plan_writes_must_be_new() {
    let dir = tempfile::tempdir().unwrap();
    let (password, seed) = (dir.path().join("P"), dir.path().join("F"));
    std::fs::write(&password, "from the first run").unwrap();
    std::fs::write(&seed, "from the first run").unwrap();
    let export = |password: &Path, seed: &Path| {
        request(
            MfaMode::Export {
                secret_file: seed.to_path_buf(),
                qr_png: None,
            },
            true,
            Some(password.to_path_buf()),
        )
    };
    let api = MemoryIam::new(NOW);
    let fresh = export(&password, &seed);
    let plan = plan_new_user(&fresh, &observe(&api, &fresh).await.unwrap()).unwrap();
    assert_eq!(
        plan.check_files_are_new(&fresh).unwrap_err().field,
        "--password-file"
    );

    let done = export(&dir.path().join("P2"), &dir.path().join("F2"));
    run(&api, &done).await.unwrap();
    let again = export(&password, &seed);
    let plan = plan_new_user(&again, &observe(&api, &again).await.unwrap()).unwrap();
    assert!(plan.is_empty());
    plan.check_files_are_new(&again).unwrap();
}

#[test]
fn creator_arns_become_valid_tag_values() {
    let tags = request(MfaMode::Deferred, false, None)
        .user_tags("arn:aws:sts::123456789012:assumed-role/Admin/j.doe,extra");
    let created_by = crate::aws::tag_value(&tags, CREATED_BY_TAG).unwrap();
    assert_eq!(
        created_by,
        "arn:aws:sts::123456789012:assumed-role/Admin/j.doe_extra"
    );
    crate::names::validate_tag_set(&tags).unwrap();
}

/// 100 ms a call, as against AWS: what a person waits for is the number of round trips.
const ROUND_TRIP: Duration = Duration::from_millis(100);

#[tokio::test(start_paused = true)]
async fn new_user_takes_five_round_trips_once_the_template_exists() {
    let dir = tempfile::tempdir().unwrap();
    let api = MemoryIam::new(NOW);
    run(&api, &request(MfaMode::Deferred, false, None))
        .await
        .unwrap();
    let api = api.with_latency(ROUND_TRIP);
    let mut second = full_request(dir.path());
    second.user_name = "bob".to_string();
    let started = tokio::time::Instant::now();
    run(&api, &second).await.unwrap();
    let waited = crate::aws::memory::simulated_since(started, "new-user with MFA");
    assert!(waited <= ROUND_TRIP * 5, "{waited:?}");
}
