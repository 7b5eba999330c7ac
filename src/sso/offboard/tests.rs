//! `offboard --sso` against the in-memory Identity Center: the person's sessions denied before
//! anything is removed, then groups, assignments and the person; revoke entries kept by later
//! onboardings, pruned after the session duration (on tokio's paused clock), and bounded.

use super::*;
use crate::aws::PermissionSetSpec;
use crate::aws::memory::sso::{Behaviour, INSTANCE_ARN, MemoryPermissionSet, MemorySso};
use crate::aws::memory::{Simulated, assert_before};
use crate::clock::{SystemClock, TokioClock};
use crate::error::{Error, exit};
use crate::outcome::PermissionSetAction;
use crate::revoke::{DELETION_MARGIN_SECS, REVOKE_SID, Revocations};
use crate::sso::tests::{giving, request, run, run_at};
use crate::template::TemplateSet;
use serde_json::{Value, json};
use std::time::Duration;

const T0: u64 = 1_795_846_800;
const HOUR: u64 = 3600;
const DEVELOPER: &str = "arn:aws:sso:::instance/ssoins-test/ps-developer";
const FINANCE: &str = "arn:aws:sso:::instance/ssoins-test/ps-finance";

fn offboarding(user_name: &str, keep_identity: bool) -> SsoOffboardRequest {
    SsoOffboardRequest {
        user_name: user_name.to_string(),
        instance_arn: None,
        keep_identity,
        revoke_unmanaged: false,
    }
}

/// An Identity Center where bob was assigned (and created) in one account, at `clock`'s time.
async fn bob_assigned_at(clock: &dyn Clock) -> Arc<MemorySso> {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    run_at(&api, &request(&["111111111111"], true), clock)
        .await
        .unwrap();
    api
}

/// Bob given developer in two accounts (created on the way) and finance in a third.
async fn assign_bob_two_sets(api: &Arc<MemorySso>) {
    run(api, &request(&["111111111111", "222222222222"], true))
        .await
        .unwrap();
    give_bob_finance(api).await;
}

/// Bob also given finance, in a third account.
async fn give_bob_finance(api: &Arc<MemorySso>) {
    run(api, &giving(request(&["333333333333"], false), finance()))
        .await
        .unwrap();
}

async fn plan_for(api: &MemorySso, request: &SsoOffboardRequest, now: u64) -> SsoOffboardPlan {
    plan_sso_offboard(api, request, now)
        .await
        .unwrap()
        .expect("the person is in the identity store")
}

async fn offboard_bob(api: &Arc<MemorySso>, clock: &dyn Clock) -> SsoOffboarded {
    let plan = plan_for(api, &offboarding("bob", false), clock.unix_now()).await;
    offboard_sso(api.clone(), &plan, clock, Patience::default())
        .await
        .unwrap()
}

/// `offboard --sso` of the plan, at T0.
async fn offboard_at_t0(
    api: &Arc<MemorySso>,
    plan: &SsoOffboardPlan,
) -> Result<SsoOffboarded, Error> {
    offboard_sso(
        api.clone(),
        plan,
        &TokioClock::starting_at(T0),
        Patience::default(),
    )
    .await
}

fn inline(api: &MemorySso, arn: &str) -> Option<Value> {
    api.state.lock().unwrap().permission_sets[arn]
        .inline
        .clone()
}

fn revoked(api: &MemorySso, arn: &str) -> Revocations {
    Revocations::read(inline(api, arn).as_ref(), 0)
}

fn finance() -> crate::template::Template {
    TemplateSet::embedded()
        .unwrap()
        .get("finance")
        .unwrap()
        .clone()
}

/// A person `name` assigned the developer set in one account.
fn carol_too(name: &str) -> crate::sso::request::AssignRequest {
    let mut second = request(&["111111111111"], true);
    second.user_name = name.to_string();
    if let Some(person) = &mut second.create {
        person.user_name = name.to_string();
    }
    second
}

#[tokio::test(start_paused = true)]
async fn offboarding_from_sso_removes_every_assignment_then_the_person() {
    let api = Arc::new(MemorySso::new(Behaviour {
        polls_before_done: 2,
        ..Behaviour::default()
    }));
    assign_bob_two_sets(&api).await;

    let plan = plan_for(&api, &offboarding("bob", false), T0).await;
    assert_eq!(
        plan.assignments.len(),
        3,
        "across accounts and permission sets"
    );
    let done = offboard_at_t0(&api, &plan).await.unwrap();
    assert_eq!(done.removed.len(), 4);
    assert!(
        done.removed
            .last()
            .unwrap()
            .starts_with("identitystore:DeleteUser")
    );
    assert_eq!(done.cut.len(), 2, "{:?}", done.cut);
    {
        let state = api.state.lock().unwrap();
        assert!(state.assignments.is_empty() && state.users.is_empty());
    }
    assert!(
        plan_sso_offboard(api.as_ref(), &offboarding("bob", false), T0)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test(start_paused = true)]
async fn the_persons_sessions_are_denied_in_each_set_before_anything_is_removed() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    assign_bob_two_sets(&api).await;
    let template_policy = inline(&api, DEVELOPER).unwrap();
    let before = api.calls().len();

    let plan = plan_for(&api, &offboarding("bob", false), T0).await;
    let planned = plan.removals();
    assert!(
        planned[0].starts_with("sso:PutInlinePolicyToPermissionSet developer")
            && planned[1].starts_with("sso:PutInlinePolicyToPermissionSet finance"),
        "{planned:?}"
    );
    assert!(planned[0].contains("deny identitystore:userId user-bob"));
    let done = offboard_at_t0(&api, &plan).await.unwrap();

    let calls = &api.calls()[before..];
    assert_before(
        calls,
        "sso:ProvisionPermissionSet",
        "sso:DeleteAccountAssignment",
        "sessions are denied before access is removed",
    );
    for arn in [DEVELOPER, FINANCE] {
        assert_eq!(revoked(&api, arn).revoked_at("user-bob"), Some(T0), "{arn}");
    }
    let policy = inline(&api, DEVELOPER).unwrap();
    assert_eq!(
        crate::revoke::without_revocations(&policy),
        template_policy,
        "the template's statements are untouched"
    );
    let statement = policy["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == REVOKE_SID)
        .unwrap();
    assert_eq!(statement["Effect"], "Deny");
    assert_eq!(
        statement["Condition"]["StringEquals"]["identitystore:userId"],
        json!(["user-bob"])
    );
    let cut: Vec<(&str, u64)> = done
        .cut
        .iter()
        .map(|c| (c.name.as_str(), c.since))
        .collect();
    assert_eq!(cut, [("developer", T0), ("finance", T0)]);
}

#[tokio::test(start_paused = true)]
async fn later_onboardings_keep_an_entry_until_the_session_duration_has_passed() {
    let clock = TokioClock::starting_at(T0);
    let api = bob_assigned_at(&clock).await;
    offboard_bob(&api, &clock).await;
    assert_eq!(revoked(&api, DEVELOPER).revoked_at("user-bob"), Some(T0));

    tokio::time::advance(Duration::from_secs(HOUR)).await;
    let kept = run_at(&api, &carol_too("carol"), &clock).await.unwrap();
    assert_eq!(
        kept.permission_sets[0].1.action,
        PermissionSetAction::Unchanged,
        "an unexpired entry is not drift"
    );
    assert_eq!(revoked(&api, DEVELOPER).revoked_at("user-bob"), Some(T0));

    tokio::time::advance(Duration::from_secs(7 * HOUR + DELETION_MARGIN_SECS)).await;
    let provisions_before = api
        .calls()
        .iter()
        .filter(|c| c.starts_with("sso:ProvisionPermissionSet"))
        .count();
    let pruned = run_at(&api, &carol_too("dave"), &clock).await.unwrap();
    assert_eq!(
        pruned.permission_sets[0].1.action,
        PermissionSetAction::Updated
    );
    assert!(
        revoked(&api, DEVELOPER) == Revocations::default(),
        "eight hours and the margin after: {:?}",
        inline(&api, DEVELOPER)
    );
    assert!(
        !inline(&api, DEVELOPER)
            .unwrap()
            .to_string()
            .contains(REVOKE_SID),
        "no empty statement is left"
    );
    let provisions_after = api
        .calls()
        .iter()
        .filter(|c| c.starts_with("sso:ProvisionPermissionSet"))
        .count();
    assert_eq!(
        provisions_after,
        provisions_before + 1,
        "re-provisioned once"
    );
}

#[tokio::test(start_paused = true)]
async fn an_offboarding_prunes_expired_entries_and_keeps_the_others() {
    let clock = TokioClock::starting_at(T0);
    let api = bob_assigned_at(&clock).await;
    run_at(&api, &carol_too("carol"), &clock).await.unwrap();
    run_at(&api, &carol_too("dave"), &clock).await.unwrap();
    offboard_bob(&api, &clock).await;
    tokio::time::advance(Duration::from_secs(5 * HOUR)).await;
    let carol = plan_for(&api, &offboarding("carol", false), clock.unix_now()).await;
    offboard_sso(api.clone(), &carol, &clock, Patience::default())
        .await
        .unwrap();
    tokio::time::advance(Duration::from_secs(4 * HOUR)).await;
    let dave = plan_for(&api, &offboarding("dave", false), clock.unix_now()).await;
    offboard_sso(api.clone(), &dave, &clock, Patience::default())
        .await
        .unwrap();
    let entries = revoked(&api, DEVELOPER);
    assert_eq!(entries.revoked_at("user-bob"), None, "nine hours old: gone");
    assert_eq!(entries.revoked_at("user-carol"), Some(T0 + 5 * HOUR));
    assert_eq!(entries.revoked_at("user-dave"), Some(T0 + 9 * HOUR));
}

#[tokio::test(start_paused = true)]
async fn a_rerun_finds_the_entry_done_and_finishes() {
    let clock = TokioClock::starting_at(T0);
    let api = bob_assigned_at(&clock).await;
    let plan = plan_for(&api, &offboarding("bob", false), T0).await;
    cut_sessions(api.as_ref(), &plan, &clock, Patience::default())
        .await
        .unwrap();
    tokio::time::advance(Duration::from_secs(120)).await;
    let again = plan_for(&api, &offboarding("bob", false), clock.unix_now()).await;
    assert_eq!(again.revocations[0].step, RevokeStep::Done { at: T0 });
    assert!(
        !again
            .removals()
            .iter()
            .any(|r| r.starts_with("sso:PutInlinePolicyToPermissionSet")),
        "{:?}",
        again.removals()
    );
    let puts_before = api
        .calls()
        .iter()
        .filter(|c| c.starts_with("sso:PutInlinePolicy"))
        .count();
    let done = offboard_sso(api.clone(), &again, &clock, Patience::default())
        .await
        .unwrap();
    assert_eq!(done.cut[0].since, T0);
    let puts_after = api
        .calls()
        .iter()
        .filter(|c| c.starts_with("sso:PutInlinePolicy"))
        .count();
    assert_eq!(puts_after, puts_before, "nothing written again");
    assert!(api.state.lock().unwrap().users.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_failed_provisioning_stops_before_any_removal_and_keeps_the_other_entries() {
    let api = bob_assigned_at(&SystemClock).await;
    give_bob_finance(&api).await;
    api.behaviour.lock().unwrap().failing_provisioning.insert(
        FINANCE.to_string(),
        "account 333333333333 is busy".to_string(),
    );
    let plan = plan_for(&api, &offboarding("bob", false), T0).await;
    let err = offboard_at_t0(&api, &plan).await.unwrap_err();
    let message = err.to_string();
    assert_eq!(err.exit_code(), exit::FAILED, "{message}");
    assert!(
        message.contains("account 333333333333 is busy"),
        "{message}"
    );
    assert!(
        message.contains("the deny entries in developer stay: they are harmless"),
        "{message}"
    );
    let state = api.state.lock().unwrap();
    assert_eq!(state.assignments.len(), 2, "nothing removed");
    assert_eq!(state.users.len(), 1);
    drop(state);
    assert_eq!(revoked(&api, DEVELOPER).revoked_at("user-bob"), Some(T0));
}

#[tokio::test(start_paused = true)]
async fn an_entry_lost_to_a_concurrent_write_is_written_again_a_few_times() {
    for (overwritten, succeeds) in [(1, true), (4, true), (5, false)] {
        let api = bob_assigned_at(&SystemClock).await;
        api.behaviour.lock().unwrap().overwritten_puts = overwritten;
        let plan = plan_for(&api, &offboarding("bob", false), T0).await;
        let result = offboard_at_t0(&api, &plan).await;
        assert_eq!(result.is_ok(), succeeds, "{overwritten}: {result:?}");
        let entry = revoked(&api, DEVELOPER).revoked_at("user-bob");
        assert_eq!(entry.is_some(), succeeds, "{overwritten}");
    }
}

fn add_unmanaged_set(api: &MemorySso, assigned_to: &str) -> String {
    let arn = format!("{INSTANCE_ARN}/ps-platform-admin");
    let mut state = api.state.lock().unwrap();
    state.permission_sets.insert(
        arn.clone(),
        MemoryPermissionSet {
            spec: PermissionSetSpec {
                name: "PlatformAdmin".to_string(),
                description: "made by the platform team".to_string(),
                session_duration: "PT2H".to_string(),
            },
            inline: None,
            managed: Vec::new(),
            boundary: None,
        },
    );
    state.assignments.insert((
        Assignment {
            account: "444444444444".to_string(),
            permission_set_arn: arn.clone(),
        },
        assigned_to.to_string(),
    ));
    arn
}

#[tokio::test(start_paused = true)]
async fn sets_of_others_are_left_and_reported_unless_revoke_unmanaged() {
    for revoke_unmanaged in [false, true] {
        let api = bob_assigned_at(&SystemClock).await;
        let unmanaged = add_unmanaged_set(&api, "user-bob");
        let request = SsoOffboardRequest {
            revoke_unmanaged,
            ..offboarding("bob", false)
        };
        let plan = plan_for(&api, &request, T0).await;
        let left = plan.left_open();
        let done = offboard_at_t0(&api, &plan).await.unwrap();
        let denied = revoked(&api, &unmanaged).revoked_at("user-bob");
        if revoke_unmanaged {
            assert!(left.is_empty(), "{left:?}");
            assert_eq!(denied, Some(T0));
            assert_eq!(done.cut.len(), 2);
        } else {
            assert_eq!(left.len(), 1, "{left:?}");
            assert!(
                left[0].contains("PlatformAdmin")
                    && left[0].contains("may last until 2026-11-28T08:20:00Z")
                    && left[0].contains("--revoke-unmanaged"),
                "{left:?}"
            );
            assert_eq!(denied, None);
            assert_eq!(inline(&api, &unmanaged), None, "not edited");
            assert_eq!(done.cut.len(), 1);
        }
        assert!(
            api.state.lock().unwrap().assignments.is_empty(),
            "its assignment goes either way"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn group_memberships_go_with_and_without_keep_identity_and_their_sets_are_denied() {
    for keep_identity in [true, false] {
        let api = bob_assigned_at(&SystemClock).await;
        give_bob_finance(&api).await;
        {
            let mut state = api.state.lock().unwrap();
            state
                .assignments
                .retain(|(a, _)| a.permission_set_arn != FINANCE);
            state.assignments.insert((
                Assignment {
                    account: "333333333333".to_string(),
                    permission_set_arn: FINANCE.to_string(),
                },
                "g-2".to_string(),
            ));
            for (id, name) in [("g-1", "engineers"), ("g-2", "accounts")] {
                state.groups.insert(id.to_string(), name.to_string());
                state.memberships.insert((
                    format!("m-{id}"),
                    id.to_string(),
                    "user-bob".to_string(),
                ));
            }
            state.memberships.insert((
                "m-other".to_string(),
                "g-1".to_string(),
                "user-carol".to_string(),
            ));
        }
        let plan = plan_for(&api, &offboarding("bob", keep_identity), T0).await;
        let planned = plan.removals();
        assert!(
            planned.iter().any(|r| r
                == "identitystore:DeleteGroupMembership m-g-2 (group accounts, which gives finance in account 333333333333)"),
            "{planned:?}"
        );
        assert!(
            planned
                .iter()
                .any(|r| r == "identitystore:DeleteGroupMembership m-g-1 (group engineers)"),
            "{planned:?}"
        );
        let done = offboard_at_t0(&api, &plan).await.unwrap();
        assert!(
            done.removed.iter().any(|r| r.contains("(group accounts")),
            "{:?}",
            done.removed
        );
        assert_eq!(
            revoked(&api, FINANCE).revoked_at("user-bob"),
            Some(T0),
            "the set a group gave is denied too"
        );
        let state = api.state.lock().unwrap();
        let left: Vec<_> = state.memberships.iter().map(|m| m.0.as_str()).collect();
        assert_eq!(left, ["m-other"], "only bob's memberships go");
        let group_access: Vec<_> = state.assignments.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(group_access, ["g-2"], "the group keeps its own access");
        assert_eq!(state.users.len(), usize::from(keep_identity));
    }
}

#[tokio::test(start_paused = true)]
async fn ensuring_a_crowded_set_revokes_older_sessions_instead_of_refusing_the_hire() {
    let api = bob_assigned_at(&SystemClock).await;
    let mut entries = Revocations::default();
    for n in 0..400 {
        entries.add(&format!("{n:010}-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"), T0);
    }
    api.state
        .lock()
        .unwrap()
        .permission_sets
        .get_mut(DEVELOPER)
        .unwrap()
        .inline = entries.written_into(inline(&api, DEVELOPER).as_ref());
    run_at(
        &api,
        &carol_too("carol"),
        &TokioClock::starting_at(T0 + HOUR),
    )
    .await
    .unwrap();
    let after = revoked(&api, DEVELOPER);
    assert_eq!(
        after.older_than(),
        Some(T0 + HOUR),
        "every session before the hire is denied"
    );
    assert_eq!(
        after.revoked_at("0000000000-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
        None
    );
    assert!(
        api.state
            .lock()
            .unwrap()
            .assignments
            .iter()
            .any(|(_, principal)| principal == "user-carol"),
        "carol is assigned"
    );
}

/// Whether the set's policy denies the sessions `user_id` started before `at`.
fn denies_sessions_before(api: &MemorySso, user_id: &str, at: u64) -> bool {
    let entries = revoked(api, DEVELOPER);
    entries.revoked_at(user_id).is_some() || entries.older_than().is_some_and(|t| t >= at)
}

#[tokio::test(start_paused = true)]
async fn a_layoff_of_two_hundred_cuts_every_leaver_and_the_next_hire_is_assigned() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    let clock = TokioClock::starting_at(T0);
    let leavers: Vec<String> = (0..200).map(|n| format!("leaver{n:03}")).collect();
    for name in &leavers {
        run_at(&api, &carol_too(name), &clock).await.unwrap();
    }
    let mut offboarded_at = Vec::new();
    for name in &leavers {
        tokio::time::advance(Duration::from_secs(20)).await;
        let now = clock.unix_now();
        let plan = plan_for(&api, &offboarding(name, false), now).await;
        assert!(
            plan.revocations.iter().all(SetRevocation::adds),
            "{name}: {:?}",
            plan.revocations
        );
        let done = offboard_sso(api.clone(), &plan, &clock, Patience::default())
            .await
            .unwrap();
        assert_eq!(done.cut.len(), 1, "{name}");
        offboarded_at.push((plan.user_id.clone(), now));
        for (user_id, at) in &offboarded_at {
            assert!(
                denies_sessions_before(&api, user_id, *at),
                "{user_id}'s sessions are still allowed after {name} left"
            );
        }
    }
    {
        let state = api.state.lock().unwrap();
        assert!(
            state.inline_sizes.iter().all(|size| *size <= 10_240),
            "every write within the limit"
        );
        assert!(
            state.inline_sizes.iter().any(|size| *size > 9_000),
            "the entries did fill the policy: {:?}",
            state.inline_sizes.iter().max()
        );
        assert!(
            state.assignments.is_empty(),
            "no leaver keeps an assignment"
        );
    }
    let overflowed = revoked(&api, DEVELOPER).older_than();
    assert!(overflowed.is_some(), "the entries overflowed at least once");
    tokio::time::advance(Duration::from_secs(60)).await;
    run_at(&api, &carol_too("hire"), &clock).await.unwrap();
    assert!(
        api.state
            .lock()
            .unwrap()
            .assignments
            .iter()
            .any(|(_, principal)| principal == "user-hire"),
        "the next hire is assigned"
    );
    assert!(!denies_sessions_before(&api, "user-hire", T0 + 10 * HOUR));
}

#[tokio::test(start_paused = true)]
async fn offboarding_from_sso_takes_ten_round_trips() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    assign_bob_two_sets(&api).await;
    let api = Arc::new(
        Arc::into_inner(api)
            .unwrap()
            .with_latency(Duration::from_millis(100)),
    );
    let started = tokio::time::Instant::now();
    offboard_bob(&api, &SystemClock).await;
    let waited = crate::aws::memory::simulated_since(
        started,
        "offboard --sso, two permission sets, three accounts",
    );
    assert_eq!(waited, Duration::from_millis(1000));
}

#[tokio::test(start_paused = true)]
async fn assigning_a_revoked_person_again_says_until_when_they_stay_denied() {
    let clock = TokioClock::starting_at(T0);
    let api = bob_assigned_at(&clock).await;
    let plan = plan_for(&api, &offboarding("bob", true), T0).await;
    offboard_sso(api.clone(), &plan, &clock, Patience::default())
        .await
        .unwrap();
    tokio::time::advance(Duration::from_secs(HOUR)).await;
    let back = run_at(&api, &request(&["111111111111"], false), &clock)
        .await
        .unwrap();
    let warnings = &back.permission_sets[0].1.warnings;
    assert!(
        warnings.iter().any(|w| w.contains(
            "bob was offboarded from permission set developer less than a session ago: their sessions from it stay denied until 2026-11-28T14:35:00Z"
        )),
        "{warnings:?}"
    );
    assert_eq!(revoked(&api, DEVELOPER).revoked_at("user-bob"), Some(T0));
}
