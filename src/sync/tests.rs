//! Sync and expire: each kind of change, the guard, the scope, end dates and stale plans, planned
//! from accounts built here; and whole runs against the in-memory models, through the batch
//! runner, converging and counted in round trips.

use super::file::{ExportRules, Kind, Wanted, read_export};
use super::plan::{Change, LeaverRules, Leavers, plan_expire, plan_sync};
use super::saved::SavedPlan;
use super::state::{Account, ManagedPerson, ReadScope};
use crate::aws::CallerIdentity;
use crate::aws::memory::MemoryIam;
use crate::aws::memory::Simulated;
use crate::aws::memory::sso::{Behaviour, MemorySso};
use crate::batch::check::{Checked, Checking};
use crate::batch::report::ReportSink;
use crate::batch::run::{Clients, RowSource, RowsToRun, RunOptions, run_rows};
use crate::clock::parse_rfc3339;
use crate::config::Config;
use crate::iam::request::PersonDetails;
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
        details: PersonDetails {
            until: until.map(str::to_string),
            ..PersonDetails::default()
        },
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
    person.details.until = until.map(str::to_string);
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
    let wraps_to_a_day = u64::MAX / 86_400 + 1;
    let plan = plan_sync(
        &export,
        &account,
        &Protected::default(),
        after(wraps_to_a_day),
        now(),
    );
    assert!(
        plan.changes.is_empty(),
        "days whose seconds overflow are never, not a wrapped few: {:?}",
        kinds(&plan.changes)
    );
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
    assert_eq!(people[0].details.until.as_deref(), Some("2027-01-31"));
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
    let reserved = read("username,template,tags\nann,developer,iam-onboard:template=admin\n");
    assert_eq!(
        reserved.unwrap_err()[0].to_string(),
        "hr.csv:2: tags: tag \"iam-onboard:template\": is one of the tags iam-onboard sets itself (managed-by, display-name, email, and every key under iam-onboard:); use --ticket, --display-name or --email",
        "named as a batch file names it: the column, then which tag"
    );
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
        today: "2026-12-01".to_string(),
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
    let sink = ReportSink::open(Some(&dir.path().join("report.csv")), false, false).unwrap();
    let (_cancel, cancelled) = tokio::sync::watch::channel(false);
    let clients = Clients {
        iam: iam.clone(),
        sso: sso.clone(),
    };
    let to_run = RowsToRun {
        checking: &checking,
        checked: &checked,
        source: RowSource::Planned(rows),
    };
    run_rows(&clients, to_run, options, sink, cancelled)
        .await
        .unwrap()
}

/// The IAM people of the model, as sync reads them.
async fn read_iam_account(iam: &MemoryIam) -> Account {
    let sso = MemorySso::new(Behaviour::default());
    Account::read(
        iam,
        &sso,
        &ReadScope::iam(),
        &TemplateSet::embedded().unwrap(),
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
    let plan = plan_of(&export, &read_iam_account(&iam).await);
    let summary = carry_out(&iam, &plan).await;
    assert_eq!(summary.count(RowStatus::Joined), 6, "{summary}");
    let again = plan_of(&export, &read_iam_account(&iam).await);
    assert!(again.changes.is_empty(), "{:?}", again.changes);

    let mut edited = export.clone();
    moves_to(&mut edited[0], "devops", Some("2027-05-31"));
    edited[1].details.until = Some("2026-11-30".to_string());
    edited[2].details.until = Some("2027-02-28".to_string());
    edited.remove(3);
    edited.push(wanted(9, "newcomer", "finance", None));
    let plan = plan_of(&edited, &read_iam_account(&iam).await);
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
            .contains_key("iam-onboard-deny-all")
    );
    assert!(
        iam.user("p3")
            .unwrap()
            .inline_policies
            .contains_key("iam-onboard-deny-all")
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
    let settled = plan_of(&edited, &read_iam_account(&iam).await);
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
    let waited =
        crate::aws::memory::simulated_since(started, "sync of 5,000 people with nothing to change");
    assert!(plan.changes.is_empty());
    assert_eq!(plan.unchanged.len(), 5_000);
    assert!(
        waited <= std::time::Duration::from_millis(100),
        "{waited:?}"
    );
}

/// An empty account and Identity Center.
#[tokio::test]
async fn a_mover_whose_new_end_date_cannot_be_set_is_moved_and_exit_4_names_the_date() {
    let iam = Arc::new(MemoryIam::new(now()));
    let export = vec![wanted(2, "mo", "developer", Some("2027-01-31"))];
    carry_out(&iam, &plan_of(&export, &read_iam_account(&iam).await)).await;
    let mut moved = export.clone();
    moves_to(&mut moved[0], "finance", None);
    let plan = plan_of(&moved, &read_iam_account(&iam).await);
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
    let settled = plan_of(&moved, &read_iam_account(&iam).await);
    assert_eq!(
        kinds(&settled.changes),
        ["until mo: until no end date"],
        "the next run sets what is left"
    );
}

mod identity_center;
