//! Identity Center against the in-memory model: polling, conflicts, undo. Offboarding's tests
//! are beside it, in `offboard/tests.rs`, and use these helpers.

use super::assign::*;
use super::assignments::*;
use super::operations::*;
use super::permission_set::*;
use super::request::*;
use crate::aws::memory::sso::{Behaviour, INSTANCE_ARN, MemorySso};
use crate::aws::memory::{Simulated, assert_before};
use crate::aws::settling::Settling;
use crate::aws::{NewPerson, OperationState, OperationStatus, PermissionSetSpec, SsoAdmin};
use crate::clock::{Clock, SystemClock};
use crate::config::SsoAccess;
use crate::error::Error;
use crate::error::exit;
use crate::names::validate_account_id;
use crate::outcome::PermissionSetAction;
use crate::template::Template;
use crate::template::TemplateSet;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

pub(crate) fn request(accounts: &[&str], create: bool) -> AssignRequest {
    let template = TemplateSet::embedded()
        .unwrap()
        .get("developer")
        .unwrap()
        .clone();
    AssignRequest {
        user_name: "bob".to_string(),
        targets: accounts
            .iter()
            .map(|account| Target {
                account: account.to_string(),
                template: template.clone(),
            })
            .collect(),
        template,
        create: create.then(|| NewPerson {
            user_name: "bob".to_string(),
            display_name: "Bob Example".to_string(),
            given_name: "Bob".to_string(),
            family_name: "Example".to_string(),
            email: "bob@example.com".to_string(),
        }),
        instance_arn: None,
        access: SsoAccess::Users,
        until: None,
    }
}

/// The same request, giving `template` in every account.
pub(crate) fn giving(mut request: AssignRequest, template: Template) -> AssignRequest {
    for target in &mut request.targets {
        target.template = template.clone();
    }
    request.template = template;
    request
}

pub(crate) async fn run(api: &Arc<MemorySso>, request: &AssignRequest) -> Result<Assigned, Error> {
    run_at(api, request, &SystemClock).await
}

/// `assign` with the time read from `clock`.
pub(crate) async fn run_at(
    api: &Arc<MemorySso>,
    request: &AssignRequest,
    clock: &dyn Clock,
) -> Result<Assigned, Error> {
    assign(
        api.clone(),
        request,
        clock,
        Patience::default(),
        std::future::pending(),
    )
    .await
}

fn accounts(n: usize) -> Vec<String> {
    (0..n)
        .map(|i| format!("{:012}", 100_000_000_000u64 + i as u64))
        .collect()
}

fn count(api: &MemorySso, prefix: &str) -> usize {
    api.calls().iter().filter(|c| c.starts_with(prefix)).count()
}

#[test]
fn the_permission_set_merges_the_policies_but_not_force_mfa() {
    let template = TemplateSet::embedded()
        .unwrap()
        .get("developer")
        .unwrap()
        .clone();
    let design = design_permission_set(&template).unwrap();
    assert_eq!(design.spec.name, "developer");
    assert!(design.spec.description.starts_with(PERMISSION_SET_MARKER));
    assert_eq!(design.spec.session_duration, "PT8H");
    let text = design.inline_policy.to_string();
    assert!(
        !text.contains("MultiFactorAuthPresent"),
        "force-mfa is left out"
    );
    assert!(text.contains("ChangeOnlyDevTables"));
    crate::policy::validate(&text).unwrap();
    assert_eq!(
        design.boundary,
        (
            "iam-onboard-people-boundary".to_string(),
            "/iam-onboard/".to_string()
        )
    );
}

#[test]
fn account_ids_and_identity_names_are_checked() {
    validate_account_id("111111111111").unwrap();
    for bad in ["11111111111", "1111111111111", "11111111111a", ""] {
        assert_eq!(validate_account_id(bad).unwrap_err().field, "--account");
    }
    crate::names::validate_identity_user_name("bob@example.com").unwrap();
    assert!(crate::names::validate_identity_user_name("bob smith").is_err());
    assert!(crate::names::validate_identity_user_name("").is_err());
}

#[tokio::test(start_paused = true)]
async fn assignments_in_progress_are_polled_until_they_succeed() {
    let api = Arc::new(MemorySso::new(Behaviour {
        polls_before_done: 3,
        ..Behaviour::default()
    }));
    let done = run(&api, &request(&["111111111111", "222222222222"], true))
        .await
        .unwrap();
    assert!(done.user_created);
    assert_eq!(
        done.permission_sets[0].1.action,
        PermissionSetAction::Created
    );
    assert!(
        done.accounts
            .iter()
            .all(|(_, _, o)| *o == AccountOutcome::Created)
    );
    assert_eq!(
        count(&api, "sso:DescribeAccountAssignmentCreationStatus"),
        2 * 4
    );
    assert_eq!(api.state.lock().unwrap().assignments.len(), 2);
    let set = api
        .state
        .lock()
        .unwrap()
        .permission_sets
        .values()
        .next()
        .unwrap()
        .clone();
    assert!(set.inline.is_some() && set.boundary.is_some());
}

#[tokio::test(start_paused = true)]
async fn an_operation_that_stays_in_progress_times_out() {
    let first = OperationStatus {
        request_id: "r".to_string(),
        state: OperationState::InProgress,
    };
    let patience = Patience {
        timeout: Duration::from_secs(60),
        ..Patience::default()
    };
    let polls = std::sync::atomic::AtomicU32::new(0);
    let result = wait_for(
        first,
        |id| {
            polls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            async move {
                Ok(OperationStatus {
                    request_id: id,
                    state: OperationState::InProgress,
                })
            }
        },
        patience,
    )
    .await;
    assert_eq!(
        result,
        Err(OperationFailure::TimedOut(Duration::from_secs(60)))
    );
    let polls = polls.into_inner();
    assert!(
        (5..=60).contains(&polls),
        "backed off, not busy-polled: {polls} polls"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_assignment_reports_its_reason_and_undoes_the_run() {
    let mut failing = BTreeMap::new();
    failing.insert(
        "333333333333".to_string(),
        "the permission set's boundary policy does not exist in the account".to_string(),
    );
    let api = Arc::new(MemorySso::new(Behaviour {
        polls_before_done: 1,
        failing_accounts: failing,
        ..Behaviour::default()
    }));
    let err = run(
        &api,
        &request(&["111111111111", "222222222222", "333333333333"], true),
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit_code(), exit::FAILED, "{err}");
    assert!(
        err.to_string().contains("boundary policy does not exist"),
        "{err}"
    );
    let state = api.state.lock().unwrap();
    assert!(
        state.assignments.is_empty(),
        "this run's assignments are undone"
    );
    assert!(
        state.users.is_empty(),
        "the user this run created is deleted"
    );
    let calls = &state.calls;
    assert_before(
        calls,
        "sso:DeleteAccountAssignment",
        "identitystore:DeleteUser",
        "assignments go before the user",
    );
}

#[tokio::test(start_paused = true)]
async fn conflicts_are_retried_with_backoff() {
    let api = Arc::new(MemorySso::new(Behaviour {
        conflicts: 3,
        ..Behaviour::default()
    }));
    let done = run(&api, &request(&["111111111111"], true)).await.unwrap();
    assert_eq!(done.accounts[0].2, AccountOutcome::Created);
    assert_eq!(count(&api, "sso:CreateAccountAssignment"), 4);
}

#[tokio::test(start_paused = true)]
async fn conflicts_that_never_end_fail_the_account() {
    let api = Arc::new(MemorySso::new(Behaviour {
        conflicts: 100,
        ..Behaviour::default()
    }));
    let err = run(&api, &request(&["111111111111"], true))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("ConflictException"), "{err}");
    assert_eq!(
        count(&api, "sso:CreateAccountAssignment"),
        1 + Patience::default().conflict_retries
    );
}

#[tokio::test(start_paused = true)]
async fn at_most_ten_operations_are_in_flight() {
    let api = Arc::new(MemorySso::new(Behaviour {
        polls_before_done: 3,
        ..Behaviour::default()
    }));
    let many = accounts(25);
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    run(&api, &request(&refs, true)).await.unwrap();
    let state = api.state.lock().unwrap();
    assert_eq!(state.assignments.len(), 25);
    assert_eq!(
        state.max_in_flight, MAX_IN_FLIGHT,
        "the cap is used, and not passed"
    );
}

#[tokio::test(start_paused = true)]
async fn a_second_run_creates_no_duplicates() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    let both = request(&["111111111111", "222222222222"], true);
    run(&api, &both).await.unwrap();
    let again = run(&api, &both).await.unwrap();
    assert!(!again.user_created);
    assert_eq!(
        again.permission_sets[0].1.action,
        PermissionSetAction::Unchanged
    );
    assert!(
        again
            .accounts
            .iter()
            .all(|(_, _, o)| *o == AccountOutcome::AlreadyAssigned)
    );
    assert_eq!(count(&api, "sso:CreateAccountAssignment"), 2);
}

#[tokio::test(start_paused = true)]
async fn a_changed_template_updates_and_reprovisions_the_permission_set() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    run(&api, &request(&["111111111111"], true)).await.unwrap();
    let mut shorter = request(&["111111111111"], false).template;
    shorter.session_duration = "PT2H".to_string();
    let changed = giving(request(&["111111111111"], false), shorter);
    let done = run(&api, &changed).await.unwrap();
    assert_eq!(
        done.permission_sets[0].1.action,
        PermissionSetAction::Updated
    );
    assert_eq!(count(&api, "sso:ProvisionPermissionSet"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_template_s_aws_managed_policies_are_attached_to_its_permission_set_and_kept_in_step() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    let managed = |names: &[&str]| {
        let mut template = request(&["111111111111"], false).template;
        template.aws_managed_policies = names
            .iter()
            .map(|n| crate::template::AwsManagedPolicy::parse(n).unwrap())
            .collect();
        giving(request(&["111111111111"], true), template)
    };
    let attached = |api: &MemorySso| -> Vec<String> {
        let state = api.state.lock().unwrap();
        state
            .permission_sets
            .values()
            .next()
            .unwrap()
            .managed
            .clone()
    };
    run(&api, &managed(&["job-function/ViewOnlyAccess"]))
        .await
        .unwrap();
    assert_eq!(
        attached(&api),
        ["arn:aws:iam::aws:policy/job-function/ViewOnlyAccess"]
    );
    let same = run(&api, &managed(&["job-function/ViewOnlyAccess"]))
        .await
        .unwrap();
    assert_eq!(
        same.permission_sets[0].1.action,
        PermissionSetAction::Unchanged
    );
    let swapped = run(&api, &managed(&["SecurityAudit"])).await.unwrap();
    assert_eq!(
        swapped.permission_sets[0].1.action,
        PermissionSetAction::Updated
    );
    assert_eq!(attached(&api), ["arn:aws:iam::aws:policy/SecurityAudit"]);
    assert_eq!(count(&api, "sso:DetachManagedPolicyFromPermissionSet"), 1);
    assert_eq!(count(&api, "sso:ProvisionPermissionSet"), 1);
    let unknown = run(&api, &managed(&["NoSuchPolicy"])).await.unwrap_err();
    assert!(unknown.to_string().contains("NoSuchPolicy"), "{unknown}");
}

#[tokio::test(start_paused = true)]
async fn a_person_whose_creation_answer_was_lost_is_adopted_and_undone_on_failure() {
    let api = Arc::new(MemorySso::new(Behaviour {
        create_user_answer_lost: true,
        ..Behaviour::default()
    }));
    let done = run(&api, &request(&["111111111111"], true)).await.unwrap();
    assert!(done.user_created);
    assert_eq!(api.state.lock().unwrap().users.len(), 1);

    let mut failing = BTreeMap::new();
    failing.insert("333333333333".to_string(), "refused".to_string());
    let api = Arc::new(MemorySso::new(Behaviour {
        create_user_answer_lost: true,
        failing_accounts: failing,
        ..Behaviour::default()
    }));
    let err = run(&api, &request(&["111111111111", "333333333333"], true))
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit::FAILED, "{err}");
    let state = api.state.lock().unwrap();
    assert!(state.users.is_empty(), "nothing half-made: {err}");
    assert!(state.assignments.is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_permission_set_left_without_its_boundary_is_repaired_and_reprovisioned() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    run(&api, &request(&["111111111111"], true)).await.unwrap();
    for set in api.state.lock().unwrap().permission_sets.values_mut() {
        set.boundary = None;
    }
    let done = run(&api, &request(&["111111111111"], false)).await.unwrap();
    assert_eq!(
        done.permission_sets[0].1.action,
        PermissionSetAction::Updated
    );
    assert!(done.permission_sets[0].1.warnings.is_empty());
    let state = api.state.lock().unwrap();
    let set = state.permission_sets.values().next().unwrap();
    assert_eq!(
        set.boundary,
        Some((
            "iam-onboard-people-boundary".to_string(),
            "/iam-onboard/".to_string()
        ))
    );
    drop(state);
    assert_eq!(count(&api, "sso:ProvisionPermissionSet"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_boundary_that_cannot_be_set_or_checked_is_a_warning_every_time() {
    let api = Arc::new(MemorySso::new(Behaviour {
        no_boundary_calls: true,
        ..Behaviour::default()
    }));
    let created = run(&api, &request(&["111111111111"], true)).await.unwrap();
    assert!(
        created.permission_sets[0].1.warnings[0].contains("has no permissions boundary"),
        "{:?}",
        created.permission_sets[0].1.warnings
    );
    let again = run(&api, &request(&["111111111111"], false)).await.unwrap();
    assert_eq!(
        again.permission_sets[0].1.action,
        PermissionSetAction::Unchanged
    );
    assert!(
        again.permission_sets[0].1.warnings[0].contains("could not check the permissions boundary"),
        "{:?}",
        again.permission_sets[0].1.warnings
    );
}

#[tokio::test(start_paused = true)]
async fn a_permission_set_this_tool_did_not_make_is_refused() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    let spec = PermissionSetSpec {
        name: "developer".to_string(),
        description: "hand-made".to_string(),
        session_duration: "PT1H".to_string(),
    };
    api.create_permission_set(INSTANCE_ARN, &spec, &[])
        .await
        .unwrap();
    let err = run(&api, &request(&["111111111111"], true))
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit::BAD_INPUT, "{err}");
    assert!(
        api.state.lock().unwrap().users.is_empty(),
        "nothing created"
    );
}

#[tokio::test(start_paused = true)]
async fn a_missing_person_without_create_user_is_bad_input() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    let err = run(&api, &request(&["111111111111"], false))
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit::BAD_INPUT);
    assert!(api.calls().is_empty(), "nothing changed: {:?}", api.calls());
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_undoes_the_assignments_made() {
    // Each operation takes 20 polls (about a minute of backoff): Ctrl-C comes after 2 s,
    // while the assignment is IN_PROGRESS; undoing it then takes its own 20 polls.
    let api = Arc::new(MemorySso::new(Behaviour {
        polls_before_done: 20,
        ..Behaviour::default()
    }));
    let interrupted = tokio::time::sleep(Duration::from_secs(2));
    let err = assign(
        api.clone(),
        &request(&["111111111111"], true),
        &SystemClock,
        Patience::default(),
        interrupted,
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit_code(), exit::INTERRUPTED, "{err}");
    let state = api.state.lock().unwrap();
    assert!(state.assignments.is_empty());
    assert!(state.users.is_empty());
}

#[tokio::test(start_paused = true)]
async fn assigning_a_new_person_in_two_accounts_takes_few_round_trips() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    run(&api, &request(&["111111111111"], true)).await.unwrap();
    let api = Arc::new(
        Arc::into_inner(api)
            .unwrap()
            .with_latency(Duration::from_millis(100)),
    );
    let mut second = request(&["111111111111", "222222222222"], true);
    second.user_name = "carol".to_string();
    if let Some(person) = &mut second.create {
        person.user_name = "carol".to_string();
    }
    let started = tokio::time::Instant::now();
    run(&api, &second).await.unwrap();
    let waited =
        crate::aws::memory::simulated_since(started, "assign with a new person, two accounts");
    assert!(waited <= Duration::from_millis(800), "{waited:?}");
}

/// The request in group mode, as when the accounts come from the template's account sets.
pub(crate) fn grouped(mut request: AssignRequest) -> AssignRequest {
    request.access = SsoAccess::Groups;
    request
}

#[tokio::test(start_paused = true)]
async fn group_mode_makes_the_group_once_and_each_person_joins_it() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    let first = run(
        &api,
        &grouped(request(&["111111111111", "222222222222"], true)),
    )
    .await
    .unwrap();
    assert!(first.groups[0].group.created && first.groups[0].joined);
    let mut carol = grouped(request(&["111111111111", "222222222222"], true));
    carol.user_name = "carol".to_string();
    if let Some(person) = &mut carol.create {
        person.user_name = "carol".to_string();
    }
    let second = run(&api, &carol).await.unwrap();
    assert!(!second.groups[0].group.created, "one group");
    let group = "g-iam-onboard-developer";
    {
        let state = api.state.lock().unwrap();
        let principals: Vec<&str> = state.assignments.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(
            principals,
            [group, group],
            "only the group is assigned, once an account"
        );
        let members: Vec<&str> = state
            .memberships
            .iter()
            .filter(|(_, g, _)| g == group)
            .map(|(_, _, user)| user.as_str())
            .collect();
        assert_eq!(members, ["user-bob", "user-carol"]);
        assert!(state.group_descriptions[group].starts_with(PERMISSION_SET_MARKER));
    }
    let again = run(&api, &carol).await.unwrap();
    assert!(!again.groups[0].joined, "a member already");
}

#[tokio::test(start_paused = true)]
async fn a_group_of_that_name_made_by_someone_else_is_refused() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    {
        let mut state = api.state.lock().unwrap();
        state
            .groups
            .insert("g-x".to_string(), "iam-onboard-developer".to_string());
        state
            .group_descriptions
            .insert("g-x".to_string(), "the admins' own".to_string());
    }
    let err = run(&api, &grouped(request(&["111111111111"], true)))
        .await
        .unwrap_err();
    assert_eq!(err.exit_code(), exit::BAD_INPUT, "{err}");
    assert!(err.to_string().contains("not made by iam-onboard"), "{err}");
    let state = api.state.lock().unwrap();
    assert!(state.users.is_empty() && state.memberships.is_empty());
}

#[tokio::test(start_paused = true)]
async fn an_interrupt_while_joining_undoes_the_person_it_made() {
    let api =
        Arc::new(MemorySso::new(Behaviour::default()).with_latency(Duration::from_millis(100)));
    let err = assign(
        api.clone(),
        &grouped(request(&["111111111111"], true)),
        &SystemClock,
        Patience::default(),
        tokio::time::sleep(Duration::from_millis(1150)),
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit_code(), exit::INTERRUPTED, "{err}");
    let state = api.state.lock().unwrap();
    assert!(state.users.is_empty(), "the person this run made is gone");
    assert!(state.memberships.is_empty());
    assert_eq!(state.groups.len(), 1, "the shared group stays");
}

#[tokio::test(start_paused = true)]
async fn a_new_person_is_assigned_while_sso_admin_does_not_know_them_yet() {
    for group_mode in [false, true] {
        let lagging =
            MemorySso::new(Behaviour::default()).with_consistency_lag(Duration::from_secs(3));
        let unwaited = Arc::new(lagging);
        let mut asked = request(&["111111111111", "222222222222"], true);
        if group_mode {
            asked = grouped(asked);
        }
        let err = assign(
            unwaited.clone(),
            &asked,
            &SystemClock,
            Patience::default(),
            std::future::pending(),
        )
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("NotFound"),
            "the lag is real: {err}"
        );

        let api = Arc::new(Settling::new(
            MemorySso::new(Behaviour::default()).with_consistency_lag(Duration::from_secs(3)),
            Duration::from_secs(120),
        ));
        let done = assign(
            api.clone(),
            &asked,
            &SystemClock,
            Patience::default(),
            std::future::pending(),
        )
        .await
        .unwrap();
        assert!(done.user_created, "group mode {group_mode}");
        let state = api.inner().state.lock().unwrap();
        assert_eq!(state.assignments.len(), 2, "group mode {group_mode}");
        assert_eq!(state.memberships.len(), usize::from(group_mode));
    }
}

/// `show --sso` reads the person's display name and email beside the permission sets' names,
/// in the same wave: four round trips in all (the instance, the person's id, their
/// assignments and groups, then the names and the person).
#[tokio::test(start_paused = true)]
async fn a_person_is_shown_with_their_name_and_email_in_four_round_trips() {
    let latency = Duration::from_millis(100);
    let api = Arc::new(MemorySso::new(Behaviour::default()).with_latency(latency));
    run(&api, &request(&["111111111111"], true)).await.unwrap();
    let started = tokio::time::Instant::now();
    let person = super::people::read_person(api.as_ref(), "bob", None)
        .await
        .unwrap()
        .expect("bob is in the identity store");
    assert_eq!(started.elapsed(), 4 * latency);
    assert_eq!(person.display_name.as_deref(), Some("Bob Example"));
    assert_eq!(person.email.as_deref(), Some("bob@example.com"));
    assert_eq!(person.assignments.len(), 1, "{person:?}");
}
