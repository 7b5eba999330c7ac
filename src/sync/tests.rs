//! Sync and expire: each kind of change, the guard, the scope, end dates and stale plans, planned
//! from accounts built here; and whole runs against the in-memory models, through the batch
//! runner, converging and counted in round trips.

use super::file::{ExportRules, Kind, Wanted, read_export};
use super::plan::{Change, LeaverRules, Leavers, plan_expire, plan_sync};
use super::saved::SavedPlan;
use super::state::{Account, ManagedPerson, ReadScope};
use crate::aws::CallerIdentity;
use crate::aws::memory::MemoryIam;
use crate::aws::memory::sso::{Behaviour, MemorySso};
use crate::batch::check::{Checked, Checking};
use crate::batch::report::ReportSink;
use crate::batch::run::{RowSource, RunOptions, run_rows};
use crate::clock::parse_rfc3339;
use crate::config::Config;
use crate::outcome::RowStatus;
use crate::protect::Protected;
use crate::sso::operations::Patience;
use crate::template::TemplateSet;
use std::sync::Arc;

const NOW: &str = "2026-12-01T10:00:00Z";

fn now() -> u64 {
    parse_rfc3339(NOW).unwrap()
}

fn caller() -> CallerIdentity {
    CallerIdentity {
        account: "123456789012".to_string(),
        arn: "arn:aws:iam::123456789012:user/admin".to_string(),
        user_id: "AIDAADMIN".to_string(),
    }
}

fn managed(name: &str, template: &str) -> ManagedPerson {
    ManagedPerson {
        kind: Kind::Iam,
        name: name.to_string(),
        arn: format!("arn:aws:iam::123456789012:user/{name}"),
        template: Some(template.to_string()),
        until: None,
        disabled_at: None,
    }
}

fn wanted(line: u64, name: &str, template: &str, until: Option<&str>) -> Wanted {
    Wanted {
        line,
        kind: Kind::Iam,
        user_name: name.to_string(),
        template: template.to_string(),
        display_name: None,
        email: None,
        ticket: None,
        tags: Vec::new(),
        console: false,
        until: until.map(str::to_string),
        accounts: Vec::new(),
        given_name: None,
        family_name: None,
        holds: template.to_string(),
    }
}

fn account(people: Vec<ManagedPerson>) -> Account {
    Account {
        caller: caller(),
        managed: people,
        unmanaged: vec!["ops".to_string()],
        scope: ReadScope::iam(),
        identity_users: std::collections::BTreeSet::new(),
    }
}

/// The export's row for a mover: another template (held alone), and the end date given.
fn moves_to(person: &mut Wanted, template: &str, until: Option<&str>) {
    person.template = template.to_string();
    person.holds = template.to_string();
    person.until = until.map(str::to_string);
}

/// The plan of `export` against `account` now, leavers disabled, nobody protected.
fn plan_of(export: &[Wanted], account: &Account) -> super::plan::SyncPlan {
    plan_sync(export, account, &Protected::default(), DISABLE, now())
}

const DISABLE: LeaverRules = LeaverRules {
    leavers: Leavers::Disable,
    delete_after_days: None,
    max_leavers: None,
};

fn kinds(changes: &[Change]) -> Vec<String> {
    changes
        .iter()
        .map(|change| {
            let kind = match change {
                Change::Join { .. } => "join",
                Change::Move { .. } => "move",
                Change::SetUntil { .. } => "until",
                Change::Disable { .. } => "disable",
                Change::Offboard { .. } => "offboard",
            };
            format!("{kind} {}", change.describe())
        })
        .collect()
}

#[test]
fn each_kind_of_change_is_planned_from_the_export_against_the_account() {
    let mut dated = managed("dora", "finance");
    dated.until = Some("2027-01-31".to_string());
    let account = account(vec![
        managed("ann", "developer"),
        managed("bob", "developer"),
        managed("cid", "finance"),
        dated,
        managed("eve", "developer"),
    ]);
    let export = [
        wanted(2, "ann", "developer", None),
        wanted(3, "bob", "devops", None),
        wanted(4, "cid", "finance", Some("2026-11-30")),
        wanted(5, "dora", "finance", Some("2027-03-31")),
        wanted(6, "fay", "finance", Some("2027-06-30")),
        wanted(7, "gus", "finance", Some("2026-01-01")),
    ];
    let plan = plan_of(&export, &account);
    assert_eq!(
        kinds(&plan.changes),
        [
            "join fay as finance until 2027-06-30",
            "move bob: developer -> devops",
            "until dora: until 2027-03-31",
            "disable cid (end date 2026-11-30 passed)",
            "disable eve (not in the export)",
        ]
    );
    let unchanged: Vec<&str> = plan
        .unchanged
        .iter()
        .map(|u| u.user_name.as_str())
        .collect();
    assert_eq!(unchanged, ["ann", "gus"], "gus ended before joining");
    assert_eq!(plan.leavers(), 2);
    let rows = plan
        .rows(&TemplateSet::embedded().unwrap(), &Config::default())
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|row| row.action_name()).collect();
    assert_eq!(
        actions,
        ["onboard", "move", "set-until", "offboard", "offboard"]
    );
    assert!(rows.iter().all(|row| row.planned));
}

#[test]
fn a_disabled_leaver_is_offboarded_after_the_days_given_or_at_once_when_asked() {
    let mut gone = managed("eve", "developer");
    gone.disabled_at = Some("2026-11-01T09:00:00Z".to_string());
    let account = account(vec![gone, managed("ann", "developer")]);
    let export = [wanted(2, "ann", "developer", None)];
    let plan = plan_of(&export, &account);
    assert!(plan.changes.is_empty(), "disabled already: nothing to do");
    assert!(
        plan.unchanged[1]
            .why
            .contains("disabled since 2026-11-01T09:00:00Z")
    );
    let after = |days| LeaverRules {
        delete_after_days: Some(days),
        ..DISABLE
    };
    let plan = plan_sync(&export, &account, &Protected::default(), after(30), now());
    assert_eq!(
        kinds(&plan.changes),
        [
            "offboard eve (not in the export; disabled since 2026-11-01T09:00:00Z, more than 30 days)"
        ]
    );
    let plan = plan_sync(&export, &account, &Protected::default(), after(31), now());
    assert!(plan.changes.is_empty(), "30 days and a morning: not yet 31");
    let outright = LeaverRules {
        leavers: Leavers::Offboard,
        ..DISABLE
    };
    let plan = plan_sync(&export, &account, &Protected::default(), outright, now());
    assert_eq!(kinds(&plan.changes), ["offboard eve (not in the export)"]);
}

#[test]
fn the_guard_refuses_more_leavers_than_allowed_before_any_change() {
    let people: Vec<ManagedPerson> = (0..40)
        .map(|n| managed(&format!("p{n:02}"), "developer"))
        .collect();
    let account = account(people);
    let five: Vec<Wanted> = (0..5)
        .map(|n| wanted(n + 2, &format!("p{n:02}"), "developer", None))
        .collect();
    let plan = plan_of(&five, &account);
    assert_eq!(plan.leavers(), 35);
    let err = plan.guard(None).unwrap_err();
    assert_eq!(err.field, "--max-leavers");
    assert!(
        err.reason
            .contains("35 leavers of 40 people managed, more than the 10 allowed"),
        "{err}"
    );
    assert!(plan.guard(Some(35)).is_ok());
    let big: Vec<ManagedPerson> = (0..1000)
        .map(|n| managed(&format!("p{n:04}"), "developer"))
        .collect();
    let all_but: Vec<Wanted> = (0..950)
        .map(|n| wanted(n + 2, &format!("p{n:04}"), "developer", None))
        .collect();
    let plan = plan_of(&all_but, &account_of(big.clone()));
    assert_eq!(plan.leavers(), 50);
    assert!(plan.guard(None).is_ok(), "5% of 1,000 is 50");
    let plan = plan_of(&all_but[1..], &account_of(big));
    assert!(plan.guard(None).is_err(), "51 is more");
}

fn account_of(people: Vec<ManagedPerson>) -> Account {
    account(people)
}

#[test]
fn protected_people_the_caller_and_unmanaged_users_are_never_in_scope() {
    let mut admin = managed("admin", "devops");
    admin.arn = caller().arn;
    let account = account(vec![
        managed("keeper", "developer"),
        admin,
        managed("ann", "developer"),
    ]);
    let protected = Protected::gather(&["keeper".to_string()], &Config::default());
    let export = [
        wanted(2, "ann", "developer", None),
        wanted(3, "ops", "developer", Some("2026-01-01")),
    ];
    let plan = plan_sync(&export, &account, &protected, DISABLE, now());
    assert!(plan.changes.is_empty(), "{:?}", plan.changes);
    let why = |name: &str| {
        plan.unchanged
            .iter()
            .find(|u| u.user_name == name)
            .unwrap()
            .why
            .clone()
    };
    assert!(why("keeper").contains("protected"));
    assert!(why("admin").contains("protected or the caller"));
    assert!(
        why("ops").contains("did not make"),
        "the unmanaged ops is not this tool's"
    );
}

#[test]
fn expire_disables_the_people_past_their_date_and_nobody_else() {
    let mut past = managed("cid", "finance");
    past.until = Some("2026-11-30".to_string());
    let mut today = managed("dora", "finance");
    today.until = Some("2026-12-01".to_string());
    let mut cut = managed("eve", "finance");
    cut.until = Some("2026-01-01".to_string());
    cut.disabled_at = Some("2026-01-02T00:00:00Z".to_string());
    let account = account(vec![past, today, cut, managed("ann", "developer")]);
    let plan = plan_expire(&account, &Protected::default(), DISABLE, now());
    assert_eq!(
        kinds(&plan.changes),
        ["disable cid (end date 2026-11-30 passed)"]
    );
}

#[test]
fn a_saved_plan_is_refused_when_what_it_read_has_changed() {
    let before = account(vec![
        managed("ann", "developer"),
        managed("bob", "developer"),
    ]);
    let saved = SavedPlan::new("people.csv", &before, NOW.to_string(), Vec::new());
    assert!(saved.still_holds(&before, "plan.json").is_ok());
    let mut moved = before.clone();
    moved.managed[1].template = Some("devops".to_string());
    let err = saved.still_holds(&moved, "plan.json").unwrap_err();
    assert_eq!(err.field, "fingerprint");
    assert!(
        err.reason.contains("bob template=developer") && err.reason.contains("bob template=devops"),
        "{err}"
    );
    let mut elsewhere = before.clone();
    elsewhere.caller.account = "999999999999".to_string();
    assert_eq!(
        saved
            .still_holds(&elsewhere, "plan.json")
            .unwrap_err()
            .field,
        "account"
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    saved.write(&path).unwrap();
    assert_eq!(SavedPlan::read(&path).unwrap(), saved);
    assert!(saved.write(&path).is_err(), "a plan file is new");
}

#[test]
fn an_export_is_checked_whole_and_an_empty_one_is_refused() {
    let templates = TemplateSet::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let read = |text: &str| {
        let path = dir.path().join("hr.csv");
        std::fs::write(&path, text).unwrap();
        let rules = ExportRules {
            templates: &templates,
            config: &Config::default(),
            protected: &Protected::default(),
            default_kind: Kind::Iam,
        };
        read_export(&path, "hr.csv", &rules)
    };
    let people = read("username,template,until\nann,developer,2027-01-31\nbob,finance,\n").unwrap();
    assert_eq!(people.len(), 2);
    assert_eq!(people[0].until.as_deref(), Some("2027-01-31"));
    for (text, field) in [
        ("username,template\n", "file"),
        ("", "header"),
        ("name,template\nann,developer\n", "column \"name\""),
        ("template\ndeveloper\n", "header"),
        (
            "username,template,until\nann,developer,31/01/2027\n",
            "until",
        ),
        ("username,template\nann,intern\n", "template"),
        ("username,template,kind\nann,developer,ldap\n", "kind"),
        (
            "username,template,kind,accounts,console\nann,developer,sso,111122223333,yes\n",
            "console",
        ),
        (
            "username,template,kind,accounts,email\nann,developer,sso,111122223333,ann@example.com\n",
            "given_name",
        ),
        (
            "username,template,accounts\nann,developer,111122223333\n",
            "accounts",
        ),
        (
            "username,template\nann,developer\nANN,finance\n",
            "username",
        ),
    ] {
        let errors = read(text).unwrap_err();
        assert_eq!(errors[0].field, field, "{text:?}: {}", errors[0]);
    }
}

/// Runs a plan's changes as a sync does: the batch runner over its rows.
async fn carry_out(
    iam: &Arc<MemoryIam>,
    plan: &super::plan::SyncPlan,
) -> crate::batch::report::Summary {
    carry_out_with(
        iam,
        &Arc::new(MemorySso::new(Behaviour::default())),
        &Config::default(),
        plan,
    )
    .await
}

/// Runs the plan's rows as `sync` does, against both in-memory models.
async fn carry_out_with(
    iam: &Arc<MemoryIam>,
    sso: &Arc<MemorySso>,
    config: &Config,
    plan: &super::plan::SyncPlan,
) -> crate::batch::report::Summary {
    let templates = TemplateSet::embedded().unwrap();
    let protected = Protected::default();
    let checking = Checking {
        file: "hr.csv",
        templates: &templates,
        config,
        protected: &protected,
    };
    let rows = plan.rows(&templates, config).unwrap();
    let checked = Checked::of_rows(&rows);
    let options = RunOptions {
        caller: caller(),
        concurrency: std::num::NonZeroUsize::new(4).unwrap(),
        continue_on_error: true,
        dry_run: false,
        patience: Patience::default(),
        progress_bar: false,
        log_rows: false,
        unicode: false,
    };
    let dir = tempfile::tempdir().unwrap();
    let sink = ReportSink::open(Some(&dir.path().join("report.csv")), false).unwrap();
    let (_cancel, cancelled) = tokio::sync::watch::channel(false);
    run_rows(
        iam.clone(),
        sso.clone(),
        &checking,
        &checked,
        RowSource::Planned(rows),
        options,
        sink,
        cancelled,
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_sync_converges_and_a_second_run_changes_nothing() {
    let iam = Arc::new(MemoryIam::new(now()));
    let export: Vec<Wanted> = (0..6)
        .map(|n| {
            wanted(
                n + 2,
                &format!("p{n}"),
                if n % 2 == 0 { "developer" } else { "devops" },
                None,
            )
        })
        .collect();
    let sso = MemorySso::new(Behaviour::default());
    let templates = TemplateSet::embedded().unwrap();
    let read = || async {
        Account::read(iam.as_ref(), &sso, &ReadScope::iam(), &templates)
            .await
            .unwrap()
    };
    let plan = plan_of(&export, &read().await);
    let summary = carry_out(&iam, &plan).await;
    assert_eq!(summary.count(RowStatus::Joined), 6, "{summary}");
    let again = plan_of(&export, &read().await);
    assert!(again.changes.is_empty(), "{:?}", again.changes);

    let mut edited = export.clone();
    moves_to(&mut edited[0], "devops", Some("2027-05-31"));
    edited[1].until = Some("2026-11-30".to_string());
    edited[2].until = Some("2027-02-28".to_string());
    edited.remove(3);
    edited.push(wanted(9, "newcomer", "finance", None));
    let plan = plan_of(&edited, &read().await);
    let summary = carry_out(&iam, &plan).await;
    assert_eq!(
        (
            summary.count(RowStatus::Joined),
            summary.count(RowStatus::Moved),
            summary.count(RowStatus::Updated),
            summary.count(RowStatus::Disabled),
        ),
        (1, 1, 1, 2),
        "{summary}"
    );
    assert_eq!(
        iam.user("p0")
            .unwrap()
            .groups
            .into_iter()
            .collect::<Vec<_>>(),
        ["iam-onboard-devops"]
    );
    assert!(
        iam.user("p1")
            .unwrap()
            .inline_policies
            .contains("iam-onboard-deny-all")
    );
    assert!(
        iam.user("p3")
            .unwrap()
            .inline_policies
            .contains("iam-onboard-deny-all")
    );
    assert!(
        iam.user("p2")
            .unwrap()
            .tags
            .contains(&("iam-onboard:until".to_string(), "2027-02-28".to_string()))
    );
    assert!(
        iam.user("p0")
            .unwrap()
            .tags
            .contains(&("iam-onboard:until".to_string(), "2027-05-31".to_string())),
        "a mover whose end date changed too gets it in the same run"
    );
    let settled = plan_of(&edited, &read().await);
    assert!(settled.changes.is_empty(), "{:?}", settled.changes);
}

#[tokio::test(start_paused = true)]
async fn a_sync_with_nothing_to_change_over_five_thousand_people_takes_one_wave_of_round_trips() {
    let iam = MemoryIam::new(now());
    {
        let mut state = iam.state.lock().unwrap();
        for n in 0..5_000 {
            let name = format!("p{n:04}");
            state.users.insert(
                name.clone(),
                crate::aws::memory::MemoryUser {
                    arn: format!("arn:aws:iam::123456789012:user/{name}"),
                    tags: vec![
                        ("managed-by".to_string(), "iam-onboard".to_string()),
                        ("iam-onboard:template".to_string(), "developer".to_string()),
                    ],
                    ..Default::default()
                },
            );
        }
    }
    let iam = iam.with_latency(std::time::Duration::from_millis(100));
    let export: Vec<Wanted> = (0..5_000)
        .map(|n| wanted(n + 2, &format!("p{n:04}"), "developer", None))
        .collect();
    let started = tokio::time::Instant::now();
    let templates = TemplateSet::embedded().unwrap();
    let sso = MemorySso::new(Behaviour::default());
    let account = Account::read(&iam, &sso, &ReadScope::iam(), &templates)
        .await
        .unwrap();
    let plan = plan_of(&export, &account);
    let waited = started.elapsed();
    eprintln!(
        "simulated seconds against a 100 ms API: sync of 5,000 people with nothing to change {:.1}",
        waited.as_secs_f64()
    );
    assert!(plan.changes.is_empty());
    assert_eq!(plan.unchanged.len(), 5_000);
    assert!(
        waited <= std::time::Duration::from_millis(100),
        "{waited:?}"
    );
}

/// An empty account and Identity Center.
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
    Wanted {
        kind: Kind::Sso,
        email: Some(format!("{name}@example.com")),
        given_name: Some("Given".to_string()),
        family_name: Some(name.to_string()),
        accounts: vec!["111122223333".to_string()],
        ..wanted(line, name, template, until)
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
    edited[1].until = Some("2027-03-31".to_string());
    edited[3].until = Some("2026-11-30".to_string());
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
    unknown.email = None;
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
    let people = super::state::read_sso(sso.as_ref(), None, &templates, &sso_scope().accounts)
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
    let waited = started.elapsed();
    eprintln!(
        "simulated seconds against a 100 ms API: reading 5,000 Identity Center people {:.1}",
        waited.as_secs_f64()
    );
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

#[tokio::test]
async fn a_mover_whose_new_end_date_cannot_be_set_is_moved_and_exit_4_names_the_date() {
    let iam = Arc::new(MemoryIam::new(now()));
    let sso = MemorySso::new(Behaviour::default());
    let templates = TemplateSet::embedded().unwrap();
    let read = || async {
        Account::read(iam.as_ref(), &sso, &ReadScope::iam(), &templates)
            .await
            .unwrap()
    };
    let export = vec![wanted(2, "mo", "developer", Some("2027-01-31"))];
    carry_out(&iam, &plan_of(&export, &read().await)).await;
    let mut moved = export.clone();
    moves_to(&mut moved[0], "finance", None);
    let plan = plan_of(&moved, &read().await);
    assert_eq!(
        kinds(&plan.changes),
        ["move mo: developer -> finance, until no end date"]
    );
    iam.refuse_always("iam:UntagUser", crate::aws::AwsErrorKind::AccessDenied);
    let summary = carry_out(&iam, &plan).await;
    assert_eq!(summary.failed(), 1, "{summary}");
    assert_eq!(
        summary.outcome().unwrap_err().exit_code(),
        crate::error::exit::UNDO_INCOMPLETE,
        "moved without its new end date: neither the old state nor the new"
    );
    assert_eq!(
        iam.user("mo")
            .unwrap()
            .groups
            .into_iter()
            .collect::<Vec<_>>(),
        ["iam-onboard-finance"],
        "the move stays made"
    );
    iam.heal();
    let settled = plan_of(&moved, &read().await);
    assert_eq!(
        kinds(&settled.changes),
        ["until mo: until no end date"],
        "the next run sets what is left"
    );
}
