//! `move` against the in-memory IAM: the old group left before the new one is joined, and a
//! failure at any step of the person's put back in reverse order.

use super::*;
use crate::aws::memory::Simulated;
use crate::aws::memory::{ACCOUNT, Injected, MemoryIam, assert_before};
use crate::aws::settling::Settling;
use crate::aws::{AwsErrorKind, IamUsers};
use crate::error::exit;
use crate::template::PolicyDocument;
use std::sync::Arc;

/// Alice, made from the developer template.
fn account_with_alice() -> MemoryIam {
    let api = MemoryIam::new(1_750_000_000);
    api.add_everything(
        "alice",
        "iam-onboard-developers",
        &format!("arn:aws:iam::{ACCOUNT}:policy/people-boundary"),
    );
    api.edit_user("alice", |user| {
        user.tags = vec![
            (MANAGED_BY_TAG.to_string(), MANAGED_BY_VALUE.to_string()),
            (TEMPLATE_TAG.to_string(), "developer".to_string()),
            ("job-function".to_string(), "developer".to_string()),
        ];
    });
    api
}

fn templates() -> TemplateSet {
    TemplateSet::embedded().unwrap()
}

/// Why the plan of alice's move to `template` is refused.
async fn refused_move(api: &impl Iam, template: &Template) -> InputError {
    let (caller, state) = look(api, "alice", template).await.unwrap();
    plan_move(&state.unwrap(), &caller, template, &templates()).unwrap_err()
}

/// Whether the plan of alice's move to `template` has a step that `wanted` picks.
async fn plans_a(api: &impl Iam, template: &Template, wanted: fn(&MoveStep) -> bool) -> bool {
    plan_to(api, template).await.1.steps.iter().any(wanted)
}

async fn plan_to(api: &impl Iam, template: &Template) -> (MoveState, MovePlan) {
    let (caller, state) = look(api, "alice", template).await.unwrap();
    let state = state.unwrap();
    let plan = plan_move(&state, &caller, template, &templates()).unwrap();
    (state, plan)
}

fn tags_of(api: &MemoryIam) -> Vec<(String, String)> {
    let mut tags = api.user("alice").unwrap().tags;
    tags.sort();
    tags
}

fn groups_of(api: &MemoryIam) -> Vec<String> {
    api.user("alice").unwrap().groups.into_iter().collect()
}

fn person_calls(api: &MemoryIam) -> Vec<String> {
    api.calls()
        .into_iter()
        .filter(|c| c.contains("alice"))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_move_to_a_group_made_moments_ago_waits_until_iam_shows_it() {
    let lagging = account_with_alice().with_consistency_lag(std::time::Duration::from_secs(3));
    let api = Settling::new(lagging, std::time::Duration::from_secs(120));
    let finance = templates().get("finance").unwrap().clone();
    let (state, plan) = plan_to(&api, &finance).await;
    apply_move(&api, &state, &plan, std::future::pending())
        .await
        .unwrap();
    assert!(
        api.inner()
            .calls()
            .iter()
            .any(|c| c.starts_with("iam:CreateGroup iam-onboard-finance")),
        "the group was made by this run"
    );
    assert_eq!(groups_of(api.inner()), ["iam-onboard-finance"]);
}

#[tokio::test]
async fn the_old_group_is_left_before_the_new_one_is_joined() {
    let api = account_with_alice();
    let finance = templates().get("finance").unwrap().clone();
    let (state, plan) = plan_to(&api, &finance).await;
    assert_eq!(plan.from.as_deref(), Some("developer"));
    apply_move(&api, &state, &plan, std::future::pending())
        .await
        .unwrap();
    let calls = person_calls(&api);
    assert_before(
        &calls,
        "iam:RemoveUserFromGroup",
        "iam:AddUserToGroup",
        "never in both groups",
    );
    assert_eq!(groups_of(&api), ["iam-onboard-finance"]);
    let tags = tags_of(&api);
    assert!(tags.contains(&(TEMPLATE_TAG.to_string(), "finance".to_string())));
    assert!(tags.contains(&("job-function".to_string(), "finance".to_string())));
    let alice = api.user("alice").unwrap();
    assert!(alice.login_profile.is_some() && alice.mfa_devices.len() == 2);
    assert_eq!(alice.access_keys.len(), 2, "password, MFA and keys stay");

    let (_, again) = plan_to(&api, &finance).await;
    assert!(again.is_done(), "{again:?}");
}

/// IAM lets a user be in ten groups: the old template's group is left before the new one is
/// joined, so only a user already in ten others is refused.
#[tokio::test]
async fn a_move_that_would_put_the_user_in_an_eleventh_group_is_refused() {
    let api = account_with_alice();
    let others: Vec<String> = (1..=9).map(|n| format!("team-{n}")).collect();
    for group in &others {
        api.state
            .lock()
            .unwrap()
            .groups
            .entry(group.clone())
            .or_default();
    }
    api.edit_user("alice", |user| user.groups.extend(others.iter().cloned()));
    let finance = templates().get("finance").unwrap().clone();
    assert!(
        plans_a(&api, &finance, |step| matches!(
            step,
            MoveStep::JoinGroup { .. }
        ))
        .await,
        "ten groups before and after: the developers' left, the finance one joined"
    );
    api.edit_user("alice", |user| {
        user.groups.remove("iam-onboard-developers");
        user.groups.insert("team-10".to_string());
    });
    api.state
        .lock()
        .unwrap()
        .groups
        .entry("team-10".to_string())
        .or_default();
    let err = refused_move(&api, &finance).await;
    assert!(
        err.reason.starts_with(
            "alice is in 10 groups, and IAM allows a user in at most 10: remove them from one"
        ),
        "{err}"
    );
    api.state
        .lock()
        .unwrap()
        .groups
        .entry("team-11".to_string())
        .or_default();
    let refused = api.add_user_to_group("team-11", "alice").await.unwrap_err();
    assert!(
        refused.is(AwsErrorKind::LimitExceeded),
        "AWS's answer once the change is under way: {refused}"
    );
}

/// The move's tags replace the old template's before they are counted against IAM's 50.
#[tokio::test]
async fn a_move_whose_new_tags_would_pass_the_quota_is_refused() {
    let api = account_with_alice();
    api.edit_user("alice", |user| {
        user.tags.truncate(2);
        let room = crate::names::MAX_TAGS - user.tags.len();
        user.tags
            .extend((0..room).map(|i| (format!("k{i}"), "v".to_string())));
    });
    let finance = templates().get("finance").unwrap().clone();
    let err = refused_move(&api, &finance).await;
    assert!(
        err.reason
            .starts_with("alice has 50 tags and this run adds 1 (job-function)"),
        "{err}"
    );
    api.edit_user("alice", |user| {
        user.tags[2] = ("job-function".to_string(), "developer".to_string());
    });
    assert!(
        plans_a(&api, &finance, |step| matches!(
            step,
            MoveStep::Retag { .. }
        ))
        .await,
        "job-function and the template replaced in place: room enough"
    );
}

#[tokio::test]
async fn a_user_this_tool_did_not_make_is_refused() {
    let api = account_with_alice();
    api.edit_user("alice", |user| user.tags.clear());
    let finance = templates().get("finance").unwrap().clone();
    let err = refused_move(&api, &finance).await;
    assert!(err.reason.contains("not created by iam-onboard"), "{err}");
}

#[tokio::test]
async fn a_failure_at_each_step_of_the_person_puts_everything_back() {
    let finance = templates().get("finance").unwrap().clone();
    let shared_calls = {
        let api = account_with_alice();
        let (_, plan) = plan_to(&api, &finance).await;
        plan.steps
            .iter()
            .filter(|s| matches!(s, MoveStep::Shared(_)))
            .count()
    };
    for (offset, how) in [
        (0, Injected::Refused(AwsErrorKind::Other)),
        (1, Injected::Refused(AwsErrorKind::Other)),
        (1, Injected::AnswerLost),
        (2, Injected::Refused(AwsErrorKind::Other)),
        (2, Injected::AnswerLost),
    ] {
        let api = account_with_alice();
        let before = tags_of(&api);
        let (state, plan) = plan_to(&api, &finance).await;
        api.fail_call(shared_calls + offset, how);
        let err = apply_move(&api, &state, &plan, std::future::pending())
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), exit::FAILED, "{offset} {how:?}: {err}");
        assert_eq!(
            groups_of(&api),
            ["iam-onboard-developers"],
            "{offset} {how:?}"
        );
        assert_eq!(tags_of(&api), before, "{offset} {how:?}");
    }
}

#[tokio::test]
async fn a_template_with_another_boundary_changes_it_and_a_failure_restores_it() {
    let mut other = templates().get("finance").unwrap().clone();
    other.permissions_boundary = PolicyDocument {
        name: "strict-boundary".to_string(),
        iam_name: "strict-boundary".to_string(),
        document: other.permissions_boundary.document.clone(),
        source: "set/policies/strict-boundary.json".to_string(),
    };
    let old_boundary = format!("arn:aws:iam::{ACCOUNT}:policy/people-boundary");
    let api = account_with_alice();
    let (state, plan) = plan_to(&api, &other).await;
    let boundary = plan
        .steps
        .iter()
        .position(|s| matches!(s, MoveStep::Boundary { .. }))
        .expect("the boundary changes");
    api.fail_call(boundary, Injected::Refused(AwsErrorKind::Other));
    apply_move(&api, &state, &plan, std::future::pending())
        .await
        .unwrap_err();
    assert_eq!(api.user("alice").unwrap().boundary, Some(old_boundary));

    let api = account_with_alice();
    let (state, plan) = plan_to(&api, &other).await;
    apply_move(&api, &state, &plan, std::future::pending())
        .await
        .unwrap();
    assert_eq!(
        api.user("alice").unwrap().boundary,
        Some(format!(
            "arn:aws:iam::{ACCOUNT}:policy{IAM_PATH}strict-boundary"
        ))
    );
}

#[test]
fn a_move_request_is_checked_before_any_call() {
    let templates = TemplateSet::embedded().unwrap();
    let request = MoveRequest::new("alice".to_string(), "devops", &templates).unwrap();
    assert_eq!(request.template.name, "devops");
    let bad_name = MoveRequest::new("al ice".to_string(), "devops", &templates).unwrap_err();
    assert_eq!(bad_name.field, "username");
    let no_template = MoveRequest::new("alice".to_string(), "nope", &templates).unwrap_err();
    assert_eq!(no_template.field, "--template");
    assert!(no_template.reason.contains("developer"), "{no_template}");
}

/// What a move is about: the person's groups, tags and boundary.
fn person_of(api: &MemoryIam) -> (Vec<String>, Vec<(String, String)>, Option<String>) {
    (
        groups_of(api),
        tags_of(api),
        api.user("alice").unwrap().boundary,
    )
}

#[tokio::test]
async fn every_fault_at_every_step_ends_old_new_or_exit_4_and_a_run_again_finishes() {
    let tried = crate::iam::faults::every_fault(
        || Arc::new(account_with_alice()),
        |api, _| async move {
            let finance = templates().get("finance").unwrap().clone();
            let (caller, found) = look(api.as_ref(), "alice", &finance)
                .await
                .map_err(Error::from_aws)?;
            let state = found.unwrap();
            let plan = plan_move(&state, &caller, &finance, &templates())?;
            apply_move(api.as_ref(), &state, &plan, std::future::pending()).await?;
            Ok(())
        },
        person_of,
        |_, _| Ok(()),
    )
    .await;
    assert!(tried > 20, "{tried} runs");
}
