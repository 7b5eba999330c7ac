//! Sync of Identity Center people against the in-memory models: joiners, movers (by assignment
//! and through groups), leavers whose identity is kept, end dates, and the read of five
//! thousand people in a few round trips.

use super::*;
use crate::aws::memory::Simulated;

fn models() -> (Arc<MemoryIam>, Arc<MemorySso>) {
    (
        Arc::new(MemoryIam::new(now())),
        Arc::new(MemorySso::new(Behaviour::default())),
    )
}

/// The Identity Center people of the models, as sync reads them.
async fn read_sso_account(iam: &MemoryIam, sso: &MemorySso) -> Account {
    Account::read(iam, sso, &sso_scope(), &TemplateSet::embedded().unwrap())
        .await
        .unwrap()
}

/// Identity Center people, with the accounts the tests assign in.
fn sso_scope() -> ReadScope {
    ReadScope {
        kinds: vec![Kind::Sso],
        accounts: ["111122223333".to_string()].into(),
    }
}

/// An Identity Center person as an export row names them, to be created when missing.
fn sso_wanted(line: u64, name: &str, template: &str, until: Option<&str>) -> Wanted {
    let plain = wanted(line, name, template, until);
    Wanted {
        kind: Kind::Sso,
        details: PersonDetails {
            email: Some(format!("{name}@example.com")),
            ..plain.details.clone()
        },
        given_name: Some("Given".to_string()),
        family_name: Some(name.to_string()),
        accounts: vec!["111122223333".to_string()],
        ..plain
    }
}

/// The permission sets (by name) the person is assigned directly, and their end-date groups.
fn sso_access(sso: &MemorySso, name: &str) -> (Vec<String>, Vec<String>) {
    let state = sso.state.lock().unwrap();
    let Some((id, _)) = state.users.iter().find(|(_, p)| p.user_name == name) else {
        return (Vec::new(), Vec::new());
    };
    let sets = state
        .assignments
        .iter()
        .filter(|(_, principal)| principal == id)
        .map(|(a, _)| {
            state.permission_sets[&a.permission_set_arn]
                .spec
                .name
                .clone()
        })
        .collect();
    let groups = state
        .memberships
        .iter()
        .filter(|(_, _, member)| member == id)
        .map(|(_, group, _)| state.groups[group].clone())
        .collect();
    (sets, groups)
}

#[tokio::test]
async fn identity_center_people_are_synced_and_a_second_run_changes_nothing() {
    let (iam, sso) = models();
    let read = || read_sso_account(&iam, &sso);
    let export = vec![
        sso_wanted(2, "ann", "developer", None),
        sso_wanted(3, "bob", "developer", Some("2027-01-31")),
        sso_wanted(4, "cid", "finance", None),
        sso_wanted(5, "dan", "developer", None),
    ];
    let plan = plan_of(&export, &read().await);
    let summary = carry_out_with(&iam, &sso, &Config::default(), &plan).await;
    assert_eq!(summary.count(RowStatus::Joined), 4, "{summary}");
    assert_eq!(
        sso_access(&sso, "bob"),
        (
            vec!["developer".to_string()],
            vec!["iam-onboard-until-2027-01-31".to_string()]
        )
    );
    let again = plan_of(&export, &read().await);
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    assert_eq!(again.unchanged.len(), 4);

    let mut edited = export.clone();
    moves_to(&mut edited[0], "finance", Some("2027-04-30"));
    edited[1].details.until = Some("2027-03-31".to_string());
    edited[3].details.until = Some("2026-11-30".to_string());
    edited.remove(2);
    edited.push(sso_wanted(9, "eve", "developer", None));
    let plan = plan_of(&edited, &read().await);
    assert_eq!(
        kinds(&plan.changes),
        [
            "join eve as developer (sso)",
            "move ann: developer -> finance, until 2027-04-30 (sso)",
            "until bob: until 2027-03-31 (sso)",
            "disable dan (end date 2026-11-30 passed) (sso)",
            "disable cid (not in the export) (sso)",
        ]
    );
    let summary = carry_out_with(&iam, &sso, &Config::default(), &plan).await;
    assert_eq!(
        (
            summary.count(RowStatus::Joined),
            summary.count(RowStatus::Moved),
            summary.count(RowStatus::Updated),
            summary.count(RowStatus::Disabled),
            summary.failed(),
        ),
        (1, 1, 1, 2, 0),
        "{summary}"
    );
    assert_eq!(
        sso_access(&sso, "ann"),
        (
            vec!["finance".to_string()],
            vec!["iam-onboard-until-2027-04-30".to_string()]
        )
    );
    assert_eq!(
        sso_access(&sso, "bob").1,
        ["iam-onboard-until-2027-03-31"],
        "the old date's membership is gone"
    );
    for leaver in ["cid", "dan"] {
        assert!(
            sso_access(&sso, leaver).0.is_empty(),
            "{leaver}'s access is removed"
        );
        assert!(
            sso.state
                .lock()
                .unwrap()
                .users
                .values()
                .any(|p| p.user_name == leaver),
            "{leaver}'s identity is kept"
        );
    }
    let settled = plan_of(&edited, &read().await);
    assert!(settled.changes.is_empty(), "{:?}", settled.changes);
}

#[tokio::test]
async fn an_identity_center_person_without_this_tool_s_access_is_never_a_leaver() {
    let (iam, sso) = models();
    let export = vec![sso_wanted(2, "ann", "developer", None)];
    let plan = plan_sync(
        &export,
        &read_sso_account(&iam, &sso).await,
        &Protected::default(),
        DISABLE,
        now(),
    );
    carry_out_with(&iam, &sso, &Config::default(), &plan).await;
    {
        let mut state = sso.state.lock().unwrap();
        state.users.insert(
            "u-ops".to_string(),
            crate::aws::NewPerson {
                user_name: "ops".to_string(),
                display_name: "Ops".to_string(),
                given_name: "O".to_string(),
                family_name: "Ps".to_string(),
                email: "ops@example.com".to_string(),
            },
        );
    }
    let account = read_sso_account(&iam, &sso).await;
    let names: Vec<&str> = account.managed.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["ann"], "ops holds nothing of this tool's");
    let plan = plan_sync(
        &[sso_wanted(2, "zed", "developer", None)],
        &account,
        &Protected::default(),
        DISABLE,
        now(),
    );
    assert_eq!(
        kinds(&plan.changes),
        [
            "join zed as developer (sso)",
            "disable ann (not in the export) (sso)"
        ]
    );
    let mut unknown = sso_wanted(3, "kim", "developer", None);
    unknown.details.email = None;
    unknown.given_name = None;
    unknown.family_name = None;
    let plan = plan_of(&[unknown], &account);
    assert!(
        plan.unchanged
            .iter()
            .any(|u| u.user_name == "kim" && u.why.contains("not in the identity store")),
        "{:?}",
        plan.unchanged
    );
}

#[tokio::test]
async fn people_given_access_through_groups_are_synced_and_a_mover_leaves_the_old_groups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.json");
    std::fs::write(
        &path,
        r#"{"account_sets": {"dev": ["111111111111"], "prod": ["333333333333"]}}"#,
    )
    .unwrap();
    let config = Config::load(Some(&path)).unwrap();
    let (iam, sso) = models();
    let templates = TemplateSet::embedded().unwrap();
    let protected = Protected::default();
    let rules = |default_kind| ExportRules {
        templates: &templates,
        config: &config,
        protected: &protected,
        default_kind,
    };
    let export_file = dir.path().join("hr.csv");
    std::fs::write(
        &export_file,
        "username,template,email,given_name,family_name,until\n\
         ann,developer,ann@example.com,Ann,Lee,2027-01-31\n\
         bob,developer,bob@example.com,Bob,Ray,\n",
    )
    .unwrap();
    let export = read_export(&export_file, "hr.csv", &rules(Kind::Sso)).unwrap();
    assert_eq!(export[0].holds, "developer+developer-readonly");
    let read = || read_sso_account(&iam, &sso);
    let plan = plan_of(&export, &read().await);
    let summary = carry_out_with(&iam, &sso, &config, &plan).await;
    assert_eq!(summary.count(RowStatus::Joined), 2, "{summary}");
    let (sets, mut groups) = sso_access(&sso, "ann");
    groups.sort();
    assert!(sets.is_empty(), "through groups, not to the person");
    assert_eq!(
        groups,
        [
            "iam-onboard-developer",
            "iam-onboard-developer-readonly",
            "iam-onboard-until-2027-01-31"
        ]
    );
    let again = plan_of(&export, &read().await);
    assert!(again.changes.is_empty(), "{:?}", again.changes);

    std::fs::write(
        &export_file,
        "username,template,accounts\nann,developer,\nbob,finance,111111111111\n",
    )
    .unwrap();
    let edited = read_export(&export_file, "hr.csv", &rules(Kind::Sso)).unwrap();
    let plan = plan_of(&edited, &read().await);
    assert_eq!(
        kinds(&plan.changes),
        [
            "move bob: developer+developer-readonly -> finance (sso)",
            "until ann: until no end date (sso)",
        ]
    );
    let summary = carry_out_with(&iam, &sso, &config, &plan).await;
    assert_eq!(summary.failed(), 0, "{summary}");
    assert_eq!(
        sso_access(&sso, "bob"),
        (vec!["finance".to_string()], Vec::new()),
        "bob left the developer groups and holds finance in the account named"
    );
    assert_eq!(sso_access(&sso, "ann").1.len(), 2, "the end date is gone");
    let settled = plan_of(&edited, &read().await);
    assert!(settled.changes.is_empty(), "{:?}", settled.changes);
}

#[tokio::test]
async fn an_identity_center_person_past_their_end_date_is_found_by_audit_and_expire_alone() {
    let (iam, sso) = models();
    let templates = TemplateSet::embedded().unwrap();
    let export = vec![
        sso_wanted(2, "ann", "developer", Some("2026-12-15")),
        sso_wanted(3, "bob", "developer", None),
    ];
    let read = || read_sso_account(&iam, &sso);
    let plan = plan_of(&export, &read().await);
    carry_out_with(&iam, &sso, &Config::default(), &plan).await;
    let later = now() + 30 * 86_400;
    let people =
        crate::sync::state::read_sso(sso.as_ref(), None, &templates, &sso_scope().accounts)
            .await
            .unwrap();
    assert!(crate::audit::sso::past_end_date(&people.managed, now()).is_empty());
    let found = crate::audit::sso::past_end_date(&people.managed, later);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].subject, "identity-store user ann");
    let expire = plan_expire(&read().await, &Protected::default(), DISABLE, later);
    assert_eq!(
        kinds(&expire.changes),
        ["disable ann (end date 2026-12-15 passed) (sso)"]
    );
    let summary = carry_out_with(&iam, &sso, &Config::default(), &expire).await;
    assert_eq!(summary.count(RowStatus::Disabled), 1, "{summary}");
    assert!(sso_access(&sso, "ann").0.is_empty());
    assert_eq!(sso_access(&sso, "bob").0, ["developer"], "bob is untouched");
}

#[tokio::test(start_paused = true)]
async fn five_thousand_identity_center_people_are_read_in_a_few_round_trips() {
    use crate::aws::memory::sso::MemoryPermissionSet;
    use crate::aws::{Assignment, NewPerson, PermissionSetSpec};
    let sso = MemorySso::new(Behaviour::default());
    {
        let mut state = sso.state.lock().unwrap();
        let marker = crate::sso::permission_set::PERMISSION_SET_MARKER;
        state
            .groups
            .insert("g-dev".to_string(), "iam-onboard-developer".to_string());
        state
            .group_descriptions
            .insert("g-dev".to_string(), format!("{marker} developers"));
        state.groups.insert(
            "g-until".to_string(),
            "iam-onboard-until-2027-01-31".to_string(),
        );
        state
            .group_descriptions
            .insert("g-until".to_string(), format!("{marker} end date"));
        let set = "arn:aws:sso:::permissionSet/ssoins-test/ps-finance".to_string();
        state.permission_sets.insert(
            set.clone(),
            MemoryPermissionSet {
                spec: PermissionSetSpec {
                    name: "finance".to_string(),
                    description: format!("{marker} finance"),
                    session_duration: "PT8H".to_string(),
                },
                inline: None,
                managed: Vec::new(),
                boundary: None,
            },
        );
        for n in 0..5_000 {
            let id = format!("u-{n:04}");
            state.users.insert(
                id.clone(),
                NewPerson {
                    user_name: format!("p{n:04}"),
                    display_name: format!("P {n}"),
                    given_name: "P".to_string(),
                    family_name: format!("{n}"),
                    email: format!("p{n}@example.com"),
                },
            );
            if n % 10 == 0 {
                state.assignments.insert((
                    Assignment {
                        account: "111122223333".to_string(),
                        permission_set_arn: set.clone(),
                    },
                    id.clone(),
                ));
            } else {
                state
                    .memberships
                    .insert((format!("m-{n}"), "g-dev".to_string(), id.clone()));
            }
            if n % 7 == 0 {
                state
                    .memberships
                    .insert((format!("mu-{n}"), "g-until".to_string(), id));
            }
        }
    }
    let sso = sso.with_latency(std::time::Duration::from_millis(100));
    let iam = MemoryIam::new(now()).with_latency(std::time::Duration::from_millis(100));
    let templates = TemplateSet::embedded().unwrap();
    let started = tokio::time::Instant::now();
    let account = Account::read(&iam, &sso, &sso_scope(), &templates)
        .await
        .unwrap();
    let waited =
        crate::aws::memory::simulated_since(started, "reading 5,000 Identity Center people");
    assert_eq!(account.managed.len(), 5_000);
    assert_eq!(
        account.managed.iter().filter(|p| p.until.is_some()).count(),
        715
    );
    // The instance; users, groups and permission sets; the groups' members and the sets
    // described; each set's accounts; the assignments there.
    assert!(
        waited <= std::time::Duration::from_millis(500),
        "{waited:?}"
    );
}
