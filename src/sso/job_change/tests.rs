//! `move --sso` against the in-memory Identity Center: the old access removed before the new is
//! granted, and a failed grant undone with the old access back.

use super::*;
use crate::aws::memory::assert_before;
use crate::aws::memory::sso::{Behaviour, MemorySso};
use crate::clock::{Clock, SystemClock};
use crate::error::exit;
use crate::sso::permission_set::design_permission_set;
use crate::sso::tests::{grouped, request, run};
use crate::template::TemplateSet;

const DEVELOPER: &str = "arn:aws:sso:::instance/ssoins-test/ps-developer";
const FINANCE: &str = "arn:aws:sso:::instance/ssoins-test/ps-finance";

fn now() -> u64 {
    SystemClock.unix_now()
}

fn finance() -> PermissionSetDesign {
    design_permission_set(TemplateSet::embedded().unwrap().get("finance").unwrap()).unwrap()
}

fn assigned(api: &MemorySso) -> Vec<(String, String)> {
    api.state
        .lock()
        .unwrap()
        .assignments
        .iter()
        .map(|(a, _)| (a.account.clone(), a.permission_set_arn.clone()))
        .collect()
}

/// The planned move to finance carried out, uninterrupted.
async fn move_to_finance(api: &Arc<MemorySso>, plan: &SsoMovePlan) -> Result<SsoMoved, Error> {
    apply_sso_move(
        api.clone(),
        plan,
        &finance(),
        None,
        &SystemClock,
        Patience::default(),
        std::future::pending(),
    )
    .await
}

#[tokio::test(start_paused = true)]
async fn the_old_access_goes_before_the_new_is_granted_in_the_same_accounts() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    run(&api, &request(&["111111111111", "222222222222"], true))
        .await
        .unwrap();
    let plan = plan_sso_move(api.as_ref(), "bob", "finance", &[], None, None, now())
        .await
        .unwrap();
    assert_eq!(plan.remove.len(), 2);
    assert_eq!(plan.accounts, ["111111111111", "222222222222"]);
    let steps = plan.steps("finance");
    assert!(
        steps[0].starts_with(&format!(
            "sso:PutInlinePolicyToPermissionSet developer ({DEVELOPER}): deny identitystore:userId"
        )),
        "the old access's live sessions are denied first: {steps:#?}"
    );
    let before = api.calls().len();
    let moved = move_to_finance(&api, &plan).await.unwrap();
    let calls = &api.calls()[before..];
    assert_before(
        calls,
        &format!("sso:PutInlinePolicyToPermissionSet {DEVELOPER}"),
        "sso:DeleteAccountAssignment",
        "removing an assignment only stops new sessions: the live ones are denied first",
    );
    assert_before(
        calls,
        "sso:DeleteAccountAssignment",
        "sso:CreateAccountAssignment",
        "the old access goes before the new comes",
    );
    let denied: Vec<&str> = moved
        .sessions_cut
        .iter()
        .map(|(set, _)| set.arn.as_str())
        .collect();
    assert_eq!(denied, [DEVELOPER]);
    assert_eq!(
        assigned(&api),
        [
            ("111111111111".to_string(), FINANCE.to_string()),
            ("222222222222".to_string(), FINANCE.to_string())
        ]
    );
    let again = plan_sso_move(api.as_ref(), "bob", "finance", &[], None, None, now()).await;
    assert!(
        again.is_err(),
        "no other template's access is left to take accounts from"
    );
    let again = plan_sso_move(
        api.as_ref(),
        "bob",
        "finance",
        &["111111111111".to_string()],
        None,
        None,
        now(),
    )
    .await
    .unwrap();
    assert!(again.is_done());
}

#[tokio::test(start_paused = true)]
async fn a_person_leaving_the_old_templates_group_has_its_sessions_denied_first() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    run(&api, &grouped(request(&["111111111111"], true)))
        .await
        .unwrap();
    let groups = ["iam-onboard-finance".to_string()];
    let plan = plan_sso_move(
        api.as_ref(),
        "bob",
        "finance",
        &[],
        None,
        Some(&groups),
        now(),
    )
    .await
    .unwrap();
    assert_eq!(plan.leave.len(), 1, "{plan:#?}");
    let denied: Vec<&str> = plan
        .revocations
        .iter()
        .filter(|set| set.adds())
        .map(|set| set.arn.as_str())
        .collect();
    assert_eq!(
        denied,
        [DEVELOPER],
        "the set the old group gives: leaving the group only stops new sessions"
    );
}

#[tokio::test(start_paused = true)]
async fn a_denial_that_fails_leaves_the_persons_access_as_it_was() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    run(&api, &request(&["111111111111"], true)).await.unwrap();
    let plan = plan_sso_move(api.as_ref(), "bob", "finance", &[], None, None, now())
        .await
        .unwrap();
    api.behaviour
        .lock()
        .unwrap()
        .failing_provisioning
        .insert(DEVELOPER.to_string(), "account closed".to_string());
    let err = move_to_finance(&api, &plan).await.unwrap_err();
    assert_eq!(err.exit_code(), exit::FAILED, "{err}");
    assert!(
        err.to_string()
            .contains("could not deny the person's sessions of the old access"),
        "{err}"
    );
    assert_eq!(
        assigned(&api),
        [("111111111111".to_string(), DEVELOPER.to_string())],
        "the old access stays and nothing new is given"
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_grant_removes_the_new_access_and_gives_the_old_back() {
    let api = Arc::new(MemorySso::new(Behaviour::default()));
    run(&api, &request(&["111111111111", "222222222222"], true))
        .await
        .unwrap();
    let accounts = ["111111111111".to_string(), "333333333333".to_string()];
    let plan = plan_sso_move(api.as_ref(), "bob", "finance", &accounts, None, None, now())
        .await
        .unwrap();
    api.behaviour
        .lock()
        .unwrap()
        .failing_accounts
        .insert("333333333333".to_string(), "account suspended".to_string());
    let err = move_to_finance(&api, &plan).await.unwrap_err();
    assert_eq!(err.exit_code(), exit::FAILED, "{err}");
    assert!(err.to_string().contains("account suspended"), "{err}");
    api.behaviour.lock().unwrap().failing_accounts.clear();
    assert_eq!(
        assigned(&api),
        [
            ("111111111111".to_string(), DEVELOPER.to_string()),
            ("222222222222".to_string(), DEVELOPER.to_string())
        ],
        "the old access is back, the new gone"
    );
}

#[test]
fn an_sso_move_request_checks_the_name_accounts_and_template() {
    let templates = TemplateSet::embedded().unwrap();
    let request = |name: &str, template: &str, account: &str| {
        SsoMoveRequest::new(
            name.to_string(),
            template,
            &templates,
            &crate::config::Config::default(),
            vec![account.to_string()],
            None,
        )
    };
    assert!(request("bob", "developer", "111111111111").is_ok());
    assert_eq!(
        request("bob", "developer", "1111").unwrap_err().field,
        "--account"
    );
    assert_eq!(
        request("bob", "nope", "111111111111").unwrap_err().field,
        "--template"
    );
    assert!(request("", "developer", "111111111111").is_err());
}
