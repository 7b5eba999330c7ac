//! Role templates against the in-memory IAM, which evaluates the trust policy on AssumeRole and
//! the role's inline denies on each call of a session: the role as designed, who may assume it,
//! and offboarding and a move cutting the sessions already issued.

use super::*;
use crate::aws::memory::Simulated;
use crate::aws::memory::{ACCOUNT, MemoryIam, RoleSession};
use crate::aws::{IamAccess, IamAccount};
use crate::clock::{Clock, parse_rfc3339};
use crate::iam::apply::tests::run;
use crate::iam::job_change::{self, MoveRequest};
use crate::iam::offboard::Removed;
use crate::iam::offboard::{OffboardMode, discover, execute_at, plan_offboard};
use crate::iam::request::{MfaMode, NewUserInput, NewUserRequest};
use crate::iam::role::REVOKED_POLICY_PREFIX;
use crate::iam::shared::{observe_shared, plan_shared};
use crate::template::TemplateSet;
use std::sync::Arc;

const ROLE: &str = "iam-onboard-devops";
const NOW: &str = "2026-12-01T10:00:00Z";

fn arn(kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{kind}/iam-onboard/{name}")
}

async fn onboard(api: &MemoryIam, name: &str, template: &str) {
    let request = NewUserRequest::new(
        NewUserInput {
            user_name: name.to_string(),
            template: template.to_string(),
            mfa: MfaMode::Deferred,
            ..NewUserInput::default()
        },
        &TemplateSet::embedded().unwrap(),
    )
    .unwrap();
    run(api, &request).await.unwrap();
}

fn now() -> u64 {
    parse_rfc3339(NOW).unwrap()
}

fn session(api: &MemoryIam, user: &str, issued_at: u64) -> RoleSession {
    api.assume_role(user, ROLE, user, true, issued_at)
        .expect("the person assumes their role with MFA as themselves")
}

/// A clock that always reads one time.
struct At(u64);

impl crate::clock::Clock for At {
    fn unix_now(&self) -> u64 {
        self.0
    }
}

async fn offboard(api: &Arc<MemoryIam>, user: &str, mode: OffboardMode, at: &str) -> Removed {
    let inventory = discover(api.as_ref(), user, None).await.unwrap().unwrap();
    let plan = plan_offboard(&inventory, mode, at, None);
    let phase = |n: usize| -> Vec<String> {
        plan.phases[n]
            .iter()
            .map(|r| {
                r.to_string()
                    .split(' ')
                    .take(2)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    };
    assert_eq!(
        phase(0),
        ["iam:PutUserPolicy PolicyName=iam-onboard-deny-all"]
    );
    assert_eq!(
        phase(1),
        [format!("iam:PutRolePolicy RoleName={ROLE}")],
        "once the person cannot assume the role, their sessions issued until then are denied, before anything is removed"
    );
    execute_at(api.clone(), &plan, &At(parse_rfc3339(at).unwrap()))
        .await
        .unwrap()
}

/// `move alice --template <template>`, as the command runs it.
async fn move_alice(api: &MemoryIam, template: &str) -> Result<(), crate::error::Error> {
    let templates = TemplateSet::embedded().unwrap();
    let request = MoveRequest::new("alice".to_string(), template, &templates)?;
    let (caller, found) = job_change::look(api, "alice", &request.template)
        .await
        .map_err(crate::error::Error::from_aws)?;
    let state = found.expect("alice exists");
    let plan = job_change::plan_move(&state, &caller, &request.template, &templates)?;
    job_change::apply_move(api, &state, &plan, std::future::pending()).await?;
    Ok(())
}

#[tokio::test]
async fn a_role_template_makes_its_role_and_its_group_only_assumes_it() {
    let api = MemoryIam::new(0);
    onboard(&api, "alice", "devops").await;
    let templates = TemplateSet::embedded().unwrap();
    let devops = templates.get("devops").unwrap();
    let role = api.role(ROLE).expect("the role is made");
    let caller = api.get_caller_identity().await.unwrap();
    assert_eq!(role.arn, arn("role", ROLE));
    assert_eq!(role.trust, crate::iam::role::trust_policy(devops, &caller));
    assert_eq!(role.max_session_secs, 4 * 3600);
    assert_eq!(
        role.boundary,
        Some(arn("policy", "iam-onboard-people-boundary"))
    );
    assert_eq!(
        role.attached.iter().cloned().collect::<Vec<_>>(),
        [arn("policy", "iam-onboard-devops-access")]
    );
    let group = api.state.lock().unwrap().groups["iam-onboard-devops"].clone();
    assert_eq!(group, [arn("policy", "iam-onboard-force-mfa")]);
    assert_eq!(
        api.group_policy("iam-onboard-devops", crate::iam::role::ASSUME_POLICY),
        Some(crate::iam::role::assume_policy(&role.arn))
    );
    let shared = observe_shared(&api, devops).await.unwrap();
    assert!(
        plan_shared(devops, &shared, &caller).unwrap().is_empty(),
        "ensured again, nothing changes"
    );
}

#[tokio::test]
async fn the_role_is_assumed_only_with_mfa_as_oneself_by_its_template_s_people() {
    let api = MemoryIam::new(0);
    onboard(&api, "alice", "devops").await;
    onboard(&api, "bob", "developer").await;
    assert!(api.assume_role("alice", ROLE, "alice", true, now()).is_ok());
    let without_mfa = api.assume_role("alice", ROLE, "alice", false, now());
    assert!(without_mfa.unwrap_err().contains("trust policy"));
    let as_someone_else = api.assume_role("alice", ROLE, "carol", true, now());
    assert!(as_someone_else.unwrap_err().contains("trust policy"));
    let other_template = api.assume_role("bob", ROLE, "bob", true, now());
    assert!(other_template.is_err(), "bob's group allows no role");
}

/// The role's revocation policies, by name.
fn revoked(api: &MemoryIam) -> Vec<String> {
    let role = api.role(ROLE).unwrap();
    role.inline
        .keys()
        .filter(|name| name.starts_with(REVOKED_POLICY_PREFIX))
        .cloned()
        .collect()
}

#[tokio::test]
async fn offboarding_cuts_the_person_s_role_sessions_and_not_a_colleague_s() {
    let api = Arc::new(MemoryIam::new(0));
    onboard(&api, "alice", "devops").await;
    onboard(&api, "carol", "devops").await;
    let alice = session(&api, "alice", now() - 600);
    let carol = session(&api, "carol", now() - 600);
    let removed = offboard(&api, "alice", OffboardMode::Delete, NOW).await;
    assert_eq!(removed.roles_cut.len(), 1);
    assert_eq!(removed.roles_cut[0].role, ROLE);
    assert_eq!(removed.roles_cut[0].at, now());
    assert_eq!(removed.roles_cut[0].older_sessions_cut, None);
    assert!(api.user("alice").is_none(), "the user is gone");
    let name = revoked_policy_name("alice", now());
    assert_eq!(revoked(&api), std::slice::from_ref(&name));
    assert!(api.session_may_act(&alice).unwrap_err().contains(&name));
    assert!(api.session_may_act(&carol).is_ok(), "a colleague goes on");
    let policy = &api.role(ROLE).unwrap().inline[&name];
    assert_eq!(policy, &deny_before(Some(&alice.user_id), now()));
    assert_eq!(
        policy["Statement"][0]["Condition"]["DateLessThan"]["aws:TokenIssueTime"],
        NOW
    );
}

#[tokio::test]
async fn disable_only_cuts_the_role_sessions_too_and_policies_go_after_the_longest_session() {
    let api = Arc::new(MemoryIam::new(0));
    onboard(&api, "alice", "devops").await;
    onboard(&api, "carol", "devops").await;
    let alice = session(&api, "alice", now() - 60);
    offboard(&api, "alice", OffboardMode::DisableOnly, NOW).await;
    assert!(api.session_may_act(&alice).is_err());
    let expired_at = now() + 4 * 3600 + crate::revoke::DELETION_MARGIN_SECS;
    let later = crate::clock::rfc3339(expired_at);
    offboard(&api, "carol", OffboardMode::Delete, &later).await;
    assert_eq!(
        revoked(&api),
        [revoked_policy_name("carol", expired_at)],
        "alice's is deleted once her sessions of four hours and the margin have passed"
    );
}

/// A role as read, with `others_chars` taken by its other inline policies and `revoked`
/// policies of its own at the times given, each of `chars`.
fn role_as_read(others_chars: usize, revoked: &[(&str, u64)], chars: usize) -> AssumableRole {
    AssumableRole {
        name: ROLE.to_string(),
        arn: arn("role", ROLE),
        role_id: "AROAEXAMPLE".to_string(),
        max_session_secs: 3600,
        revoked: revoked
            .iter()
            .map(|(user, at)| RevokedPolicy {
                name: revoked_policy_name(user, *at),
                at: *at,
                chars,
            })
            .collect(),
        others_chars,
    }
}

#[test]
fn a_person_s_policy_is_written_beside_the_others_and_the_expired_go_after_it() {
    let expired_at = now() - 3600 - crate::revoke::DELETION_MARGIN_SECS;
    let role = role_as_read(1000, &[("old", expired_at), ("recent", now() - 60)], 250);
    let plan = plan_cut(&role, "alice", now()).unwrap();
    assert_eq!(plan.name, "iam-onboard-revoked.alice.1796119200");
    assert_eq!(plan.document, deny_before(Some("AROAEXAMPLE:alice"), now()));
    assert_eq!(plan.older_sessions_cut, None);
    assert!(plan.delete_first.is_empty());
    assert_eq!(plan.delete_after, [revoked_policy_name("old", expired_at)]);
}

#[test]
fn with_no_room_beside_them_the_expired_go_first() {
    let expired_at = now() - 3600 - crate::revoke::DELETION_MARGIN_SECS;
    let role = role_as_read(ROLE_INLINE_POLICIES - 300, &[("old", expired_at)], 250);
    let plan = plan_cut(&role, "alice", now()).unwrap();
    assert_eq!(plan.delete_first, [revoked_policy_name("old", expired_at)]);
    assert!(plan.delete_after.is_empty());
    assert_eq!(
        plan.older_sessions_cut,
        Some(now()),
        "300 characters hold the deny of every older session, not the person's beside it"
    );
}

#[test]
fn a_person_s_policy_that_would_not_leave_room_denies_every_older_session_and_covers_the_rest() {
    let later = now() + 5;
    let role = role_as_read(
        ROLE_INLINE_POLICIES - 3 * 250 - 300,
        &[("a", now() - 60), ("b", now() - 30), ("c", later)],
        250,
    );
    let plan = plan_cut(&role, "alice", now()).unwrap();
    assert_eq!(plan.document, deny_before(None, now()));
    assert_eq!(
        plan.document["Statement"][0]["Sid"],
        crate::revoke::REVOKE_OLDER_SID
    );
    assert_eq!(plan.older_sessions_cut, Some(now()));
    assert_eq!(
        plan.delete_after,
        [
            revoked_policy_name("a", now() - 60),
            revoked_policy_name("b", now() - 30)
        ],
        "a policy of a later time (another offboarding this second) is not covered, so it stays"
    );
}

#[test]
fn a_role_whose_own_policies_leave_no_room_is_refused_before_any_write() {
    let role = role_as_read(ROLE_INLINE_POLICIES - 20, &[], 0);
    let err = plan_cut(&role, "alice", now()).unwrap_err();
    assert!(err.contains("leaving no room"), "{err}");
}

#[test]
fn only_the_tool_s_revocation_policies_are_read_as_such() {
    assert_eq!(
        revoked_at("iam-onboard-revoked.first.last.1796119200"),
        Some(1_796_119_200)
    );
    assert_eq!(revoked_at("iam-onboard-revoked.alice"), None);
    assert_eq!(revoked_at("iam-onboard-revoked-sessions"), None);
    assert_eq!(revoked_at("platform-guardrail"), None);
}

#[tokio::test]
async fn entries_that_no_longer_fit_the_role_revoke_every_older_session() {
    let api = Arc::new(MemoryIam::new(0));
    onboard(&api, "alice", "devops").await;
    onboard(&api, "carol", "devops").await;
    let role_id = api.role(ROLE).unwrap().id;
    let leavers: Vec<String> = (0..30).map(|n| format!("leaver{n:02}")).collect();
    let mut taken = 0;
    for leaver in &leavers {
        let at = now() - 2 * 3600;
        let document = deny_before(Some(&format!("{role_id}:{leaver}")), at).to_string();
        taken += policy_chars(&document);
        api.put_role_policy(ROLE, &revoked_policy_name(leaver, at), &document)
            .await
            .unwrap();
    }
    let guardrail = |resource: String| {
        serde_json::json!({"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": resource}
        ]})
    };
    let room = ROLE_INLINE_POLICIES - taken - policy_chars(&guardrail(String::new()).to_string());
    let filler = guardrail("a".repeat(room - 300));
    api.put_role_policy(ROLE, "platform-guardrail", &filler.to_string())
        .await
        .unwrap();
    let carol = session(&api, "carol", now() - 60);
    let removed = offboard(&api, "alice", OffboardMode::Delete, NOW).await;
    assert_eq!(removed.roles_cut[0].older_sessions_cut, Some(now()));
    assert_eq!(
        revoked(&api),
        [revoked_policy_name("alice", now())],
        "the leavers' policies are covered by the one that denies every older session"
    );
    assert!(
        api.session_may_act(&carol).is_err(),
        "everyone's older sessions end"
    );
    let fresh = session(&api, "carol", now() + 1);
    assert!(
        api.session_may_act(&fresh).is_ok(),
        "carol assumes the role again"
    );
}

#[tokio::test]
async fn a_move_from_a_role_template_ends_the_old_role_s_sessions_before_the_new_group() {
    let api = MemoryIam::new(0);
    onboard(&api, "alice", "devops").await;
    let alice = session(&api, "alice", now() - 60);
    move_alice(&api, "developer").await.unwrap();
    let calls = api.calls();
    let last = |prefix: &str| calls.iter().rposition(|c| c.starts_with(prefix)).unwrap();
    assert!(last("iam:RemoveUserFromGroup") < last("iam:PutRolePolicy"));
    assert!(last("iam:PutRolePolicy") < last("iam:AddUserToGroup"));
    assert!(api.session_may_act(&alice).is_err());
    assert!(
        api.assume_role("alice", ROLE, "alice", true, now())
            .is_err(),
        "no longer in the group, no longer tagged devops"
    );
}

#[tokio::test(start_paused = true)]
async fn offboarding_a_role_template_s_person_takes_eight_round_trips() {
    let api = MemoryIam::new(0);
    onboard(&api, "alice", "devops").await;
    let api = Arc::new(api.with_latency(std::time::Duration::from_millis(100)));
    let started = tokio::time::Instant::now();
    let inventory = discover(api.as_ref(), "alice", None)
        .await
        .unwrap()
        .unwrap();
    let plan = plan_offboard(&inventory, OffboardMode::Delete, NOW, None);
    execute_at(api.clone(), &plan, &At(now())).await.unwrap();
    let waited =
        crate::aws::memory::simulated_since(started, "offboard of a role template's person");
    // Every list; keys' last use and the groups' assume-role policies; the role and its
    // policies (no documents to read: it has none yet); the deny-all; the person's policy on
    // the role; the removals; the deny; the user.
    assert!(
        waited <= std::time::Duration::from_millis(800),
        "{waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn two_offboardings_of_the_same_role_at_once_both_leave_their_entry() {
    let api = MemoryIam::new(0);
    onboard(&api, "alice", "devops").await;
    onboard(&api, "carol", "devops").await;
    let api = Arc::new(api.with_latency(std::time::Duration::from_millis(100)));
    let (alice, carol) = (
        session(&api, "alice", now() - 60),
        session(&api, "carol", now() - 60),
    );
    let (a, c) = tokio::join!(
        offboard(&api, "alice", OffboardMode::Delete, NOW),
        offboard(&api, "carol", OffboardMode::Delete, NOW)
    );
    assert_eq!((a.roles_cut.len(), c.roles_cut.len()), (1, 1));
    assert!(api.session_may_act(&alice).is_err());
    assert!(api.session_may_act(&carol).is_err());
}

#[tokio::test]
async fn every_fault_in_a_move_from_a_role_template_ends_old_new_or_exit_4() {
    let base = MemoryIam::new(0);
    onboard(&base, "alice", "devops").await;
    let alice = session(&base, "alice", now() - 60);
    base.state.lock().unwrap().calls.clear();
    let person = |api: &MemoryIam| {
        let mut user = api.user("alice").unwrap();
        user.tags.sort();
        (user.groups, user.tags)
    };
    let tried = crate::iam::faults::every_fault(
        || Arc::new(base.copy()),
        |api, _| async move { move_alice(api.as_ref(), "finance").await },
        person,
        |api, result| match result {
            Ok(()) if api.session_may_act(&alice).is_ok() => {
                Err("moved, yet the old role's session still works".to_string())
            }
            _ => Ok(()),
        },
    )
    .await;
    assert!(tried > 20, "{tried} runs");
}

#[tokio::test]
async fn every_fault_while_onboarding_the_first_person_of_a_role_template_ends_old_or_new() {
    let tried = crate::iam::faults::every_fault(
        || Arc::new(MemoryIam::new(0)),
        |api, _| async move {
            let request = NewUserRequest::new(
                NewUserInput {
                    user_name: "alice".to_string(),
                    template: "devops".to_string(),
                    mfa: MfaMode::Deferred,
                    ..NewUserInput::default()
                },
                &TemplateSet::embedded().unwrap(),
            )?;
            run(api.as_ref(), &request).await.map(drop)
        },
        |api| api.user("alice").map(|user| user.groups),
        |api, result| {
            let complete = api.role(ROLE).is_some_and(|role| role.attached.len() == 1)
                && api
                    .group_policy("iam-onboard-devops", crate::iam::role::ASSUME_POLICY)
                    .is_some();
            match result {
                Ok(()) if !complete => Err("onboarded, yet the role is not complete".to_string()),
                _ => Ok(()),
            }
        },
    )
    .await;
    assert!(tried > 40, "{tried} runs");
}

#[tokio::test]
async fn a_person_back_in_the_role_works_again_and_their_sessions_from_before_stay_denied() {
    let api = MemoryIam::new(0);
    onboard(&api, "alice", "devops").await;
    let before = session(&api, "alice", now() - 60);
    for template in ["developer", "devops"] {
        move_alice(&api, template).await.unwrap();
    }
    let later = crate::clock::SystemClock.unix_now() + 1;
    let again = session(&api, "alice", later);
    assert!(api.session_may_act(&again).is_ok(), "a new session works");
    assert!(api.session_may_act(&before).is_err());
}

#[tokio::test]
async fn a_role_edited_by_hand_is_put_back_when_ensured_and_its_deny_entries_stay() {
    let api = Arc::new(MemoryIam::new(0));
    onboard(&api, "alice", "devops").await;
    onboard(&api, "carol", "devops").await;
    let alice = session(&api, "alice", now() - 60);
    offboard(&api, "alice", OffboardMode::Delete, NOW).await;
    api.update_assume_role_policy(ROLE, r#"{"Version":"2012-10-17","Statement":[]}"#)
        .await
        .unwrap();
    api.update_role_max_session(ROLE, 43_200).await.unwrap();
    api.detach_role_policy(ROLE, &arn("policy", "iam-onboard-devops-access"))
        .await
        .unwrap();
    let templates = TemplateSet::embedded().unwrap();
    let devops = templates.get("devops").unwrap();
    let caller = api.get_caller_identity().await.unwrap();
    let shared = observe_shared(api.as_ref(), devops).await.unwrap();
    let planned: Vec<String> = plan_shared(devops, &shared, &caller)
        .unwrap()
        .iter()
        .map(|step| step.to_string().split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(
        planned,
        [
            "iam:UpdateAssumeRolePolicy",
            "iam:UpdateRole",
            "iam:AttachRolePolicy"
        ]
    );
    onboard(&api, "erin", "devops").await;
    let role = api.role(ROLE).unwrap();
    assert_eq!(role.trust, crate::iam::role::trust_policy(devops, &caller));
    assert_eq!(role.max_session_secs, 4 * 3600);
    assert_eq!(role.attached.len(), 1);
    assert!(
        api.session_may_act(&alice).is_err(),
        "ensuring the role keeps its deny entries"
    );
}

#[tokio::test]
async fn a_role_template_turned_back_to_group_access_takes_the_assume_policy_from_its_group() {
    let api = MemoryIam::new(0);
    onboard(&api, "alice", "devops").await;
    let templates = TemplateSet::embedded().unwrap();
    let mut devops = templates.get("devops").unwrap().clone();
    devops.access = crate::template::Access::Group;
    let caller = api.get_caller_identity().await.unwrap();
    let shared = observe_shared(&api, &devops).await.unwrap();
    let steps = plan_shared(&devops, &shared, &caller).unwrap();
    let planned: Vec<String> = steps
        .iter()
        .map(|step| step.to_string().split(' ').next().unwrap().to_string())
        .collect();
    assert_eq!(planned, ["iam:AttachGroupPolicy", "iam:DeleteGroupPolicy"]);
    for step in &steps {
        crate::iam::apply::apply_shared(&api, step).await.unwrap();
    }
    assert_eq!(
        api.group_policy("iam-onboard-devops", crate::iam::role::ASSUME_POLICY),
        None
    );
    assert!(
        api.assume_role("alice", ROLE, "alice", true, now())
            .is_err()
    );
}

#[test]
fn a_user_name_sts_would_refuse_as_a_session_name_is_refused_for_a_role_template() {
    let templates = TemplateSet::embedded().unwrap();
    let input = |template: &str| NewUserInput {
        user_name: "a".to_string(),
        template: template.to_string(),
        mfa: MfaMode::Deferred,
        ..NewUserInput::default()
    };
    let err = NewUserRequest::new(input("devops"), &templates).unwrap_err();
    assert_eq!(err.field, "username");
    assert!(
        err.reason.contains("at least 2") && err.reason.contains("template devops"),
        "{err}"
    );
    assert!(NewUserRequest::new(input("developer"), &templates).is_ok());
    let err = MoveRequest::new("a".to_string(), "devops", &templates).unwrap_err();
    assert!(err.reason.contains("at least 2"), "{err}");
}
