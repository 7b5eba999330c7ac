//! Many accounts on the in-memory models: the role missing or an account suspended is a miss
//! naming it, the others covered; the accounts go at once, so waves do not add up per account.

use super::*;
use crate::audit::Thresholds;
use crate::audit::across::audit_across;
use crate::aws::IamAccount;
use crate::aws::memory::Simulated;
use crate::aws::memory::reach::{MemoryAccounts, MemoryMember};
use crate::aws::memory::{MEMORY_CREATED, MemoryIam};
use crate::iam::people::{ListFilter, list_people_across};
use crate::template::TemplateSet;
use std::time::Duration;

const OWN: &str = "111111111111";
const ROUND_TRIP: Duration = Duration::from_millis(100);

fn member(with_role: bool, suspended: bool) -> MemoryMember {
    let iam = MemoryIam::new(0).with_latency(ROUND_TRIP);
    if with_role {
        iam.add_role(DEFAULT_MEMBER_ROLE);
    }
    MemoryMember { iam, suspended }
}

fn organisation(members: Vec<(String, MemoryMember)>) -> MemoryAccounts {
    MemoryAccounts {
        own: OWN.to_string(),
        own_iam: MemoryIam::new(0).with_latency(ROUND_TRIP),
        members: members.into_iter().collect(),
    }
}

fn request(concurrency: usize) -> AccountsRequest {
    AccountsRequest::new("ou-abcd-12345678", None, concurrency, &Config::default()).unwrap()
}

#[tokio::test(start_paused = true)]
async fn an_account_without_the_role_or_suspended_is_named_and_the_others_are_covered() {
    let org = organisation(vec![
        ("222222222222".to_string(), member(true, false)),
        ("333333333333".to_string(), member(false, false)),
        ("444444444444".to_string(), member(true, true)),
    ]);
    org.members["222222222222"].iam.add_everything(
        "alice",
        "team",
        "arn:aws:iam::aws:policy/ReadOnlyAccess",
    );
    let accounts: Vec<String> = [OWN, "222222222222", "333333333333", "444444444444"]
        .map(str::to_string)
        .to_vec();
    let found = list_people_across(
        &Targets {
            reach: &org,
            accounts: &accounts,
            request: &request(8),
            session_name: "iam-onboard.admin",
        },
        &ListFilter {
            all: true,
            ..ListFilter::default()
        },
    )
    .await;
    let covered: Vec<&str> = found.covered.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(covered, [OWN, "222222222222"]);
    let alice = &found.covered[1].1[0];
    assert_eq!(
        (alice.account.as_deref(), alice.user_name.as_str()),
        (Some("222222222222"), "alice")
    );
    let missed: Vec<(&str, &str)> = found
        .missed
        .iter()
        .map(|(a, why)| (a.as_str(), why.as_str()))
        .collect();
    assert_eq!(missed.len(), 2, "{missed:?}");
    assert_eq!(missed[0].0, "333333333333");
    assert!(
        missed[0]
            .1
            .contains("cannot assume role OrganizationAccountAccessRole")
            && missed[0].1.contains("AccessDenied"),
        "{missed:?}"
    );
    assert!(missed[1].1.contains("suspended"), "{missed:?}");
    let seen_as = org.members["222222222222"]
        .iam
        .get_caller_identity()
        .await
        .unwrap();
    assert_eq!(
        seen_as.arn,
        "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/iam-onboard.admin",
        "the session there names the caller"
    );
}

#[tokio::test(start_paused = true)]
async fn an_audit_of_fifty_accounts_takes_the_round_trips_of_one_plus_the_role_assumption() {
    let members: Vec<(String, MemoryMember)> = (0..50)
        .map(|n| {
            (
                format!("{:012}", 500_000_000_000u64 + n),
                member(true, false),
            )
        })
        .collect();
    let accounts: Vec<String> = members.iter().map(|(id, _)| id.clone()).collect();
    let org = organisation(members);
    let templates = TemplateSet::embedded().unwrap();
    let now = crate::clock::parse_rfc3339(MEMORY_CREATED).unwrap();
    let audit = async |concurrency: usize, accounts: &[String]| {
        let started = tokio::time::Instant::now();
        let found = audit_across(
            &Targets {
                reach: &org,
                accounts,
                request: &request(concurrency),
                session_name: "iam-onboard.admin",
            },
            &templates,
            Thresholds::default(),
            now,
        )
        .await;
        assert!(found.missed.is_empty(), "{:?}", found.missed);
        started.elapsed()
    };
    let one = audit(1, &accounts[..1]).await;
    let all_at_once = audit(50, &accounts).await;
    let bounded = audit(8, &accounts).await;
    eprintln!(
        "simulated seconds against a 100 ms API: audit --accounts over 50 accounts {:.1} at --account-concurrency 8, {:.1} all at once; one account {:.1}",
        bounded.as_secs_f64(),
        all_at_once.as_secs_f64(),
        one.as_secs_f64()
    );
    assert_eq!(
        all_at_once, one,
        "fifty accounts at once take the waves of one"
    );
    assert!(
        bounded <= one * 7,
        "seven rounds of eight at most: {bounded:?}"
    );
    assert!(
        one <= ROUND_TRIP * 6,
        "an assumption and a few waves: {one:?}"
    );
}

#[test]
fn entries_names_of_the_configuration_and_the_role_are_checked() {
    let config = Config {
        member_role: Some("AuditRole".to_string()),
        ..Config::of_account_sets(&[("prod", &["222222222222"])])
    };
    let asked = AccountsRequest::new("prod, 333333333333,tag:team=red", None, 8, &config).unwrap();
    assert_eq!(
        asked.entries,
        ["222222222222", "333333333333", "tag:team=red"]
    );
    assert_eq!(asked.role, "AuditRole");
    let given = AccountsRequest::new("prod", Some("Reader"), 8, &config).unwrap();
    assert_eq!(given.role, "Reader");
    let bad = AccountsRequest::new("prod,staging", None, 8, &config).unwrap_err();
    assert_eq!(bad.field, "--accounts");
    assert!(bad.reason.contains("\"staging\""), "{bad}");
    let role = AccountsRequest::new("prod", Some("has space"), 8, &config).unwrap_err();
    assert_eq!(role.field, "--role");
    assert!(AccountsRequest::new(" , ", None, 8, &config).is_err());
}

mod offboarding {
    use super::*;
    use crate::aws::AwsErrorKind;
    use crate::error::Error;
    use crate::iam::offboard::across::{execute_across, prepare_across};
    use crate::iam::offboard::{OffboardMode, OffboardRequest};
    use crate::protect::Protected;

    const A: &str = "222222222222";
    const B: &str = "333333333333";
    const C: &str = "444444444444";

    fn with_alice(with_role: bool) -> MemoryMember {
        let member = member(with_role, false);
        member
            .iam
            .add_everything("alice", "team", "arn:aws:iam::aws:policy/ReadOnlyAccess");
        member
    }

    fn accounts() -> Vec<String> {
        [OWN, A, B, C].map(str::to_string).to_vec()
    }

    fn alice() -> OffboardRequest {
        OffboardRequest::new("alice".to_string(), OffboardMode::Delete, None).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn the_person_is_offboarded_where_they_have_a_user_and_an_account_without_the_role_is_missed()
     {
        let org = organisation(vec![
            (A.to_string(), with_alice(true)),
            (B.to_string(), with_alice(true)),
            (C.to_string(), with_alice(false)),
        ]);
        org.members[B]
            .iam
            .refuse_always("iam:DeleteAccessKey", AwsErrorKind::AccessDenied);
        let found = prepare_across(
            &Targets {
                reach: &org,
                accounts: &accounts(),
                request: &request(8),
                session_name: "iam-onboard.admin",
            },
            &alice(),
            &Protected::default(),
            "2026-12-01T00:00:00Z",
        )
        .await;
        assert_eq!(found.missed.len(), 1);
        assert_eq!(found.missed[0].0, C);
        let prepared: Vec<_> = found.covered.into_iter().map(|(_, p)| p.unwrap()).collect();
        assert!(
            prepared[0].prepared.plan.is_none(),
            "no alice in the caller's own account"
        );
        let outcomes = execute_across(&prepared).await;
        let by_account: Vec<(&str, bool)> = outcomes
            .iter()
            .map(|(account, outcome)| (account.as_str(), outcome.is_ok()))
            .collect();
        assert_eq!(by_account, [(A, true), (B, false)]);
        assert!(org.members[A].iam.state.lock().unwrap().users.is_empty());
        let b = &org.members[B].iam;
        assert!(
            b.calls()
                .iter()
                .any(|c| c.starts_with("iam:PutUserPolicy alice")),
            "B's access was cut before its removals stopped: {:?}",
            b.calls()
        );
        match &outcomes[1].1 {
            Err(Error::OffboardIncomplete {
                removed, remaining, ..
            }) => {
                assert!(
                    removed.iter().any(|r| r.contains("PutUserPolicy")),
                    "{removed:?}"
                );
                assert!(
                    remaining.iter().any(|r| r.contains("DeleteUser")),
                    "{remaining:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(b.state.lock().unwrap().users.contains_key("alice"));
    }

    #[tokio::test(start_paused = true)]
    async fn the_caller_is_refused_in_another_account_by_the_session_name() {
        let org = organisation(vec![(A.to_string(), member(true, false))]);
        org.members[A].iam.add_everything(
            "admin",
            "team",
            "arn:aws:iam::aws:policy/ReadOnlyAccess",
        );
        let caller = org.own_iam.get_caller_identity().await.unwrap();
        let session = crate::protect::member_session_name(&caller);
        let admin = OffboardRequest::new("admin".to_string(), OffboardMode::Delete, None).unwrap();
        let found = prepare_across(
            &Targets {
                reach: &org,
                accounts: &[A.to_string()],
                request: &request(8),
                session_name: &session,
            },
            &admin,
            &Protected::default(),
            "2026-12-01T00:00:00Z",
        )
        .await;
        match &found.covered[0].1 {
            Err(Error::Input(refused)) => {
                assert!(
                    refused.reason.contains("the identity running this command"),
                    "{refused}"
                )
            }
            Err(other) => panic!("{other}"),
            Ok(_) => panic!("the caller must be refused"),
        }
    }
}
