//! Batch files against the in-memory models: checking, shared resources once, failures.

use super::check::*;
use super::report::*;
use super::run::*;
use crate::aws::memory::MemoryIam;
use crate::aws::memory::Simulated;
use crate::aws::memory::sso::{Behaviour, MemorySso};
use crate::aws::settling::Settling;
use crate::config::Config;
use crate::error::exit;
use crate::error::{Error, InputError};
use crate::outcome::RowStatus;
use crate::protect::Protected;
use crate::secret::Secret;
use crate::sso::operations::Patience;
use crate::template::TemplateSet;
use std::sync::Arc;

struct File {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

fn file(bytes: &[u8]) -> File {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("people.csv");
    std::fs::write(&path, bytes).unwrap();
    File { _dir: dir, path }
}

/// What a file is checked against in these tests: the built-in templates, no config, no
/// protected people.
struct Defaults {
    templates: TemplateSet,
    config: Config,
    protected: Protected,
}

impl Defaults {
    fn new() -> Self {
        Defaults {
            templates: TemplateSet::embedded().unwrap(),
            config: Config::default(),
            protected: Protected::default(),
        }
    }

    fn checking(&self) -> Checking<'_> {
        Checking {
            file: "people.csv",
            templates: &self.templates,
            config: &self.config,
            protected: &self.protected,
            today: "2026-12-01".to_string(),
        }
    }
}

fn check(bytes: &[u8]) -> Result<Checked, Vec<InputError>> {
    check_file(&file(bytes).path, &Defaults::new().checking())
}

#[test]
fn spreadsheet_exports_parse_bom_crlf_and_quotes() {
    let checked = check(
        b"\xef\xbb\xbfUsername,Template,Display_Name,Tags\r\n\
          ann,developer,\"Ann Example\",\"team=pay;site=lon\"\r\n\
          bob,finance,,\r\n",
    )
    .unwrap();
    assert_eq!(checked.rows, 2);
    assert_eq!(
        checked.onboard_templates.iter().collect::<Vec<_>>(),
        ["developer", "finance"]
    );
    assert!(
        !checked.makes_passwords,
        "console defaults to no in a batch"
    );
}

#[test]
fn an_onboard_row_carries_its_end_date_and_a_bad_one_is_named_by_its_column() {
    let checked = check(b"username,template,until\nann,developer,2027-01-31\n").unwrap();
    assert_eq!(checked.rows, 1);
    let problems = check(b"username,template,until\nann,developer,31/01/2027\n").unwrap_err();
    assert_eq!(
        (problems[0].line, problems[0].field.as_str()),
        (Some(2), "until")
    );
    assert!(problems[0].reason.contains("YYYY-MM-DD"), "{}", problems[0]);
    let passed = check(
        b"username,template,until,action,accounts\nann,developer,2026-11-30,,\nbob,developer,2026-12-01,,\ncid,developer,2026-11-30,assign,111111111111\n",
    )
    .unwrap_err();
    assert_eq!(
        passed
            .iter()
            .map(|p| (p.line, p.field.as_str()))
            .collect::<Vec<_>>(),
        [(Some(2), "until"), (Some(4), "until")],
        "an end date before the day of the check is a bad row, onboard or assign; the day itself is not: {passed:?}"
    );
    assert!(
        passed.iter().all(|p| p
            .reason
            .contains("2026-11-30 has passed (today is 2026-12-01")),
        "{passed:?}"
    );
}

#[test]
fn every_bad_row_is_reported_with_line_and_column() {
    let problems = check(
        b"action,username,template,tags,accounts,email,given_name\n\
          onboard,ok,developer,,,,\n\
          onboard,bad name,developer,,,,\n\
          onboard,x1,intern,,,,\n\
          onboard,OK,developer,,,,\n\
          onboard,x2,developer,novalue,,,\n\
          hire,x3,developer,,,,\n\
          assign,x4,developer,,123,,\n\
          onboard,x5,,,,,\n\
          assign,x6,finance,,111111111111,a@b.c,Ann\n",
    )
    .unwrap_err();
    let found: Vec<(u64, &str)> = problems
        .iter()
        .map(|p| (p.line.unwrap(), p.field.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (3, "username"),
            (4, "template"),
            (5, "username"),
            (6, "tags"),
            (7, "action"),
            (8, "accounts"),
            (9, "template"),
            (10, "given_name"),
        ]
    );
    assert!(
        problems[2].reason.contains("also on line 2"),
        "{}",
        problems[2]
    );
    assert!(
        problems
            .iter()
            .all(|p| p.file.as_deref() == Some("people.csv"))
    );
}

#[test]
fn csv_rows_answer_bad_values_as_flags_and_prompts_do() {
    let problems = check(
        b"action,username,template,email,tags,accounts\n\
          onboard,ann,developer,not-an-email,,\n\
          onboard,bob,developer,,team=a\tb,\n\
          assign,cat,finance,,,12345\n",
    )
    .unwrap_err();
    let shown: Vec<String> = problems.iter().map(ToString::to_string).collect();
    let same = |err: InputError| err.reason;
    assert_eq!(
        shown,
        [
            format!(
                "people.csv:2: email: {}",
                same(crate::names::validate_email("--email", "not-an-email").unwrap_err())
            ),
            format!(
                "people.csv:3: tags: tag \"team\": {}",
                same(crate::names::validate_tag("team", "a\tb").unwrap_err())
            ),
            format!(
                "people.csv:4: accounts: {}",
                same(crate::names::validate_account_id("12345").unwrap_err())
            ),
        ]
    );
}

#[test]
fn unknown_columns_and_a_missing_username_column_are_refused() {
    assert_eq!(
        check(b"username,tempalte\nann,developer\n").unwrap_err()[0].field,
        "column \"tempalte\""
    );
    assert_eq!(
        check(b"template\ndeveloper\n").unwrap_err()[0].field,
        "header"
    );
}

#[test]
fn a_rows_password_is_a_secret_that_only_the_report_serialises() {
    let mut report = RowReport {
        line: 2,
        sheet: None,
        action: "onboard",
        username: "ann".to_string(),
        status: RowStatus::Created,
        arn: String::new(),
        password: None,
        details: Vec::new(),
    };
    report.password = Some(Secret::new("Xy7-hunter2-secret!"));
    assert!(!format!("{report:?}").contains("hunter2"));
    let line = serde_json::to_string(&report).unwrap();
    assert!(
        line.contains("\"password\":\"Xy7-hunter2-secret!\""),
        "{line}"
    );
    report.password = None;
    let line = serde_json::to_string(&report).unwrap();
    assert!(line.contains("\"password\":\"\""), "{line}");
}

/// A call's own words may hold `; ` (offboarding's deny-all says why in brackets): the terminal
/// shows each planned call on a line of its own, whole, and the report keeps them joined.
#[test]
fn a_planned_rows_calls_are_shown_one_a_line_however_they_are_worded() {
    let request = crate::iam::offboard::OffboardRequest::new(
        "ann".to_string(),
        crate::iam::offboard::OffboardMode::Delete,
        None,
    )
    .unwrap();
    let row = Row {
        line: 2,
        sheet: None,
        action: RowAction::Offboard(request),
        ignored: vec!["ticket"],
        planned: false,
        then: None,
    };
    let calls = vec![
        "iam:PutUserPolicy deny-all (at once; else AWSDenyAll)".to_string(),
        "iam:DeleteUser ann".to_string(),
    ];
    let report = RowReport::planned(&row, "arn:aws:iam::1:user/ann".to_string(), calls);
    assert_eq!(
        report.human(),
        "line 2 offboard ann: planned arn:aws:iam::1:user/ann\n    \
         iam:PutUserPolicy deny-all (at once; else AWSDenyAll)\n    \
         iam:DeleteUser ann\n    \
         not used by offboard rows, so ignored: ticket\n"
    );
    assert_eq!(
        report.detail(),
        "iam:PutUserPolicy deny-all (at once; else AWSDenyAll); iam:DeleteUser ann; \
         not used by offboard rows, so ignored: ticket"
    );
}

/// A sync's leaver comes from no line of the export: the terminal names no line 0.
#[test]
fn a_row_no_line_asked_for_is_shown_without_a_line() {
    let report = RowReport::unchanged(
        0,
        "sync",
        "ben".to_string(),
        "arn:aws:iam::1:user/ben".to_string(),
        "protected".to_string(),
    );
    assert_eq!(
        report.human(),
        "sync ben: unchanged arn:aws:iam::1:user/ben (protected)\n"
    );
    let from_a_line = RowReport {
        line: 3,
        ..report.clone()
    };
    assert!(from_a_line.human().starts_with("line 3 sync ben: "));
    let without_an_arn = RowReport {
        arn: String::new(),
        ..report
    };
    assert_eq!(
        without_an_arn.human(),
        "sync ben: unchanged (protected)\n",
        "one space between the words, an ARN or not"
    );
    let nothing_to_say = RowReport::unchanged(
        0,
        "expire",
        "ann".to_string(),
        "arn:aws:iam::1:user/ann".to_string(),
        String::new(),
    );
    assert_eq!(
        nothing_to_say.human(),
        "expire ann: unchanged arn:aws:iam::1:user/ann\n",
        "no empty brackets"
    );
}

#[test]
fn the_summary_counts_one_row_as_one_row() {
    let mut summary = Summary::default();
    summary.by_status.insert(RowStatus::Moved, 1);
    assert_eq!(summary.to_string(), "1 row: 1 moved");
    summary.by_status.insert(RowStatus::Failed, 2);
    assert_eq!(summary.to_string(), "3 rows: 1 moved, 2 failed");
}

fn settings(continue_on_error: bool) -> RunOptions {
    RunOptions {
        caller: crate::aws::CallerIdentity {
            account: crate::aws::memory::ACCOUNT.to_string(),
            arn: format!("arn:aws:iam::{}:user/admin", crate::aws::memory::ACCOUNT),
            user_id: "AIDAADMIN".to_string(),
        },
        concurrency: std::num::NonZeroUsize::new(4).unwrap(),
        continue_on_error,
        dry_run: false,
        patience: Patience::default(),
        log_rows: false,
        progress_bar: false,
        unicode: false,
    }
}

async fn run_file(
    iam: &Arc<MemoryIam>,
    bytes: &[u8],
    settings: RunOptions,
) -> Result<(Summary, String), Error> {
    let sso = Arc::new(MemorySso::new(Behaviour::default()));
    run_file_with(iam, sso, bytes, settings).await
}

async fn run_file_with<I: crate::aws::Iam + Send + 'static>(
    iam: &Arc<I>,
    sso: Arc<MemorySso>,
    bytes: &[u8],
    settings: RunOptions,
) -> Result<(Summary, String), Error> {
    let defaults = Defaults::new();
    let checking = defaults.checking();
    let input = file(bytes);
    let checked = check_file(&input.path, &checking).unwrap();
    let handle = checked.reopen(checking.file).unwrap();
    run_checked(
        iam,
        sso,
        &checking,
        &checked,
        RowSource::File(handle),
        settings,
    )
    .await
}

/// Runs checked rows from `source`, as `batch` does once they are confirmed; the report too.
async fn run_checked<I: crate::aws::Iam + Send + 'static>(
    iam: &Arc<I>,
    sso: Arc<MemorySso>,
    checking: &Checking<'_>,
    checked: &Checked,
    source: RowSource,
    settings: RunOptions,
) -> Result<(Summary, String), Error> {
    let report_dir = tempfile::tempdir().unwrap();
    let report_path = report_dir.path().join("report.csv");
    let sink = ReportSink::open(Some(&report_path), false, false)?;
    let (_cancel, cancelled) = tokio::sync::watch::channel(false);
    let clients = Clients {
        iam: iam.clone(),
        sso,
    };
    let to_run = RowsToRun {
        checking,
        checked,
        source,
    };
    let summary = run_rows(&clients, to_run, settings, sink, cancelled).await?;
    Ok((summary, std::fs::read_to_string(report_path).unwrap()))
}

/// A review reads several sheets, each with its own line 2: each report line names its sheet,
/// on the terminal, in the report file (a first column) and in JSON; a run of one file keeps
/// the columns it always had.
#[test]
fn a_line_of_one_of_several_files_names_its_file() {
    let kept = RowReport::unchanged(
        2,
        "review",
        "ann".to_string(),
        String::new(),
        "no decision".to_string(),
    );
    let of_a_sheet = kept.clone().in_sheet("q4/template-finance.csv".to_string());
    assert_eq!(
        of_a_sheet.human(),
        "q4/template-finance.csv:2 review ann: unchanged (no decision)\n"
    );
    assert_eq!(kept.human(), "line 2 review ann: unchanged (no decision)\n");
    let json = serde_json::to_value(&of_a_sheet).unwrap();
    assert_eq!(json["sheet"], "q4/template-finance.csv");
    assert_eq!(json["line"], 2);
    let json = serde_json::to_value(&kept).unwrap();
    assert!(json.get("sheet").is_none(), "{json}");

    let dir = tempfile::tempdir().unwrap();
    let written = |name: &str, sheets: bool, report: &RowReport| {
        let path = dir.path().join(name);
        let mut sink = ReportSink::open(Some(&path), false, sheets).unwrap();
        sink.write(report).unwrap();
        drop(sink);
        std::fs::read_to_string(path).unwrap()
    };
    assert_eq!(
        written("review.csv", true, &of_a_sheet),
        "sheet,line,action,username,status,arn,password,detail\n\
         q4/template-finance.csv,2,review,ann,unchanged,,,no decision\n"
    );
    assert_eq!(
        written("batch.csv", false, &kept),
        "line,action,username,status,arn,password,detail\n\
         2,review,ann,unchanged,,,no decision\n"
    );
}

#[test]
fn a_batch_file_must_be_a_regular_file() {
    let dir = tempfile::tempdir().unwrap();
    let problems = check_file(dir.path(), &Defaults::new().checking()).unwrap_err();
    assert_eq!(
        problems.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "people.csv: file: is not a regular file (a pipe, say): a batch reads its file once to check it and again to run it; save it to a file first"
        ]
    );
}

#[tokio::test]
async fn the_rows_that_run_are_the_rows_checked_and_confirmed() {
    let defaults = Defaults::new();
    let checking = defaults.checking();
    let checked_text = b"username,template\nann,developer\n";
    let input = file(checked_text);
    let checked = check_file(&input.path, &checking).unwrap();

    std::fs::write(
        &input.path,
        b"username,template\nann,developer\neve,developer\n",
    )
    .unwrap();
    assert_eq!(
        checked.reopen(checking.file).unwrap_err().to_string(),
        "people.csv: file: changed since it was checked; nothing was run: run the batch again to check and confirm what it holds now",
        "a file edited in place after the check"
    );

    std::fs::write(&input.path, checked_text).unwrap();
    let handle = checked.reopen(checking.file).unwrap();
    let saved_over = input.path.with_extension("saved");
    std::fs::write(&saved_over, b"username,template\neve,developer\n").unwrap();
    std::fs::rename(&saved_over, &input.path).unwrap();
    let iam = Arc::new(MemoryIam::new(0));
    let sso = Arc::new(MemorySso::new(Behaviour::default()));
    let (summary, _) = run_checked(
        &iam,
        sso,
        &checking,
        &checked,
        RowSource::File(handle),
        settings(false),
    )
    .await
    .unwrap();
    assert_eq!(summary.by_status.get(&RowStatus::Created), Some(&1));
    assert!(iam.user("ann").is_some(), "the checked row ran");
    assert!(iam.user("eve").is_none(), "the file saved over it did not");
}

fn people(n: usize) -> Vec<u8> {
    let mut text = String::from("username,template,console\n");
    for i in 0..n {
        text.push_str(&format!(
            "p{i},developer,{}\n",
            if i % 2 == 0 { "yes" } else { "no" }
        ));
    }
    text.into_bytes()
}

#[tokio::test(start_paused = true)]
async fn every_row_completes_while_iam_still_hides_what_the_run_just_made() {
    let lagging = MemoryIam::new(0).with_consistency_lag(std::time::Duration::from_secs(3));
    let iam = Arc::new(Settling::new(lagging, std::time::Duration::from_secs(120)));
    let sso = Arc::new(MemorySso::new(Behaviour::default()));
    let (summary, _) = run_file_with(&iam, sso, &people(6), settings(false))
        .await
        .unwrap();
    assert_eq!(summary.by_status.get(&RowStatus::Created), Some(&6));
    summary.outcome().unwrap();
    for i in 0..6 {
        let person = iam.inner().user(&format!("p{i}")).unwrap();
        assert!(person.groups.contains("iam-onboard-developers"), "p{i}");
    }
}

#[tokio::test]
async fn shared_resources_are_ensured_once_and_every_row_is_done() {
    let iam = Arc::new(MemoryIam::new(0));
    let (summary, report) = run_file(&iam, &people(12), settings(false)).await.unwrap();
    assert_eq!(summary.by_status.get(&RowStatus::Created), Some(&12));
    summary.outcome().unwrap();
    let calls = iam.calls();
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("iam:CreateGroup"))
            .count(),
        1
    );
    assert_eq!(
        calls
            .iter()
            .filter(|c| c.starts_with("iam:CreatePolicy"))
            .count(),
        4
    );
    let with_password = report
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(5).is_some_and(|p| !p.is_empty()));
    assert_eq!(
        with_password.count(),
        6,
        "console=yes rows have their password in the report"
    );

    let (again, _) = run_file(&iam, &people(12), settings(false)).await.unwrap();
    assert_eq!(again.by_status.get(&RowStatus::AlreadyDone), Some(&12));
}

#[tokio::test]
async fn a_permission_set_left_without_its_boundary_is_named_in_the_row_and_the_summary() {
    let iam = Arc::new(MemoryIam::new(0));
    let sso = Arc::new(MemorySso::new(Behaviour {
        no_boundary_calls: true,
        ..Behaviour::default()
    }));
    let file = b"action,username,template,accounts,email,given_name,family_name\n\
        assign,erin,finance,111111111111,erin@example.com,Erin,Example\n";
    let (summary, report) = run_file_with(&iam, sso, file, settings(false))
        .await
        .unwrap();
    let row = report.lines().nth(1).unwrap();
    summary
        .outcome()
        .unwrap_or_else(|err| panic!("{err}\n{row}"));
    assert!(row.contains("has no permissions boundary"), "{row}");
    assert!(
        summary.to_string().contains("warning: permission set"),
        "{summary}"
    );
}

#[tokio::test]
async fn after_a_failure_the_rest_is_skipped_unless_continue_on_error() {
    let iam = Arc::new(MemoryIam::new(0));
    run_file(
        &iam,
        b"username,template\nshared-first,developer\n",
        settings(false),
    )
    .await
    .unwrap();
    iam.state
        .lock()
        .unwrap()
        .users
        .insert("taken".to_string(), Default::default());
    let rows = b"username,template\ntaken,developer\nq1,developer\nq2,developer\nq3,developer\nq4,developer\nq5,developer\nq6,developer\n";
    let mut one_at_a_time = settings(false);
    one_at_a_time.concurrency = std::num::NonZeroUsize::MIN;
    let (stopped, _) = run_file(&iam, rows, one_at_a_time).await.unwrap();
    assert_eq!(stopped.failed(), 1);
    assert_eq!(stopped.by_status.get(&RowStatus::Skipped), Some(&6));
    assert_eq!(stopped.outcome().unwrap_err().exit_code(), exit::FAILED);

    let (kept_going, _) = run_file(&iam, rows, settings(true)).await.unwrap();
    assert_eq!(kept_going.failed(), 1);
    assert_eq!(kept_going.by_status.get(&RowStatus::Created), Some(&6));
    assert!(
        kept_going
            .outcome()
            .unwrap_err()
            .to_string()
            .contains("each failed row's own changes were undone")
    );

    let dry_run = RunOptions {
        dry_run: true,
        ..settings(true)
    };
    let (would_fail, _) = run_file(&iam, rows, dry_run).await.unwrap();
    assert_eq!(would_fail.failed(), 1);
    let err = would_fail.outcome().unwrap_err();
    assert_eq!(
        (err.exit_code(), err.to_string().as_str()),
        (
            exit::FAILED,
            "some rows would fail or be skipped (dry run: nothing was changed)"
        ),
        "a dry run changed nothing, so it undid nothing"
    );
}

#[tokio::test]
async fn a_rows_columns_that_its_action_does_not_use_are_named_in_its_report() {
    let iam = Arc::new(MemoryIam::new(1_750_000_000));
    let (summary, report) = run_file(
        &iam,
        b"action,username,template,email,console,keep_identity\n\
          offboard,gone,,gone@example.com,yes,\n\
          offboard,also-gone,,,,\n",
        settings(false),
    )
    .await
    .unwrap();
    assert_eq!(summary.by_status.values().sum::<u64>(), 2, "{report}");
    let lines: Vec<&str> = report.lines().collect();
    assert!(
        lines[1].contains("not used by offboard rows, so ignored: email, console"),
        "{report}"
    );
    assert!(!lines[2].contains("ignored"), "{report}");
}

#[tokio::test]
async fn a_sync_mover_to_a_template_aws_lacks_a_policy_of_is_refused_before_any_change() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("policies")).unwrap();
    std::fs::write(
        dir.path().join("policies/read.json"),
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"}]}"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("auditor.json"),
        r#"{"description":"auditor","group":"iam-onboard-auditors","policies":["read"],"aws_managed_policies":["job-function/NoSuchPolicy"],"permissions_boundary":"read","console_access":false,"mfa":"optional"}"#,
    )
    .unwrap();
    let templates = TemplateSet::from_dir(dir.path()).unwrap();
    let (config, protected) = (Config::default(), Protected::default());
    let checking = Checking {
        file: "hr.csv",
        templates: &templates,
        config: &config,
        protected: &protected,
        today: "2026-12-01".to_string(),
    };
    let request = crate::sso::job_change::SsoMoveRequest::new(
        "ann".to_string(),
        "auditor",
        &templates,
        &config,
        vec!["111111111111".to_string()],
        None,
    )
    .unwrap();
    let rows = vec![Row {
        line: 2,
        sheet: None,
        action: RowAction::MoveSso(Box::new(request)),
        ignored: Vec::new(),
        planned: true,
        then: None,
    }];
    let checked = Checked::of_rows(&rows);
    let iam = Arc::new(MemoryIam::new(0));
    let sso = Arc::new(MemorySso::new(Behaviour::default()));
    let source = RowSource::Planned(rows);
    let err = run_checked(
        &iam,
        sso.clone(),
        &checking,
        &checked,
        source,
        settings(false),
    )
    .await
    .unwrap_err();
    assert_eq!(err.exit_code(), exit::BAD_INPUT, "{err}");
    assert!(
        err.to_string().contains(
            "AWS has no managed policy arn:aws:iam::aws:policy/job-function/NoSuchPolicy"
        ),
        "{err}"
    );
    assert!(sso.calls().is_empty(), "{:?}", sso.calls());
    assert!(
        iam.calls().iter().all(|c| c.starts_with("iam:GetPolicy")),
        "{:?}",
        iam.calls()
    );
}

#[tokio::test]
async fn a_dry_run_plans_a_rows_follow_up_after_its_action() {
    let iam = Arc::new(MemoryIam::new(0));
    run_file(&iam, &people(1), settings(false)).await.unwrap();
    let defaults = Defaults::new();
    let checking = defaults.checking();
    let request =
        crate::iam::job_change::MoveRequest::new("p0".to_string(), "finance", &defaults.templates)
            .unwrap();
    let reviewed =
        crate::iam::user_tag::UserTagRequest::reviewed("p0".to_string(), "2026-12-04").unwrap();
    let rows = vec![Row {
        line: 2,
        sheet: None,
        action: RowAction::Move(Box::new(request)),
        ignored: Vec::new(),
        planned: true,
        then: Some(Box::new(RowAction::SetTag(reviewed))),
    }];
    let checked = Checked::of_rows(&rows);
    let sso = Arc::new(MemorySso::new(Behaviour::default()));
    let dry_run = RunOptions {
        dry_run: true,
        ..settings(false)
    };
    let before = iam.calls().len();
    let (_, report) = run_checked(
        &iam,
        sso,
        &checking,
        &checked,
        RowSource::Planned(rows),
        dry_run,
    )
    .await
    .unwrap();
    let row = report.lines().nth(1).unwrap();
    let moved = row
        .find("iam:AddUserToGroup GroupName=iam-onboard-finance UserName=p0")
        .unwrap_or_else(|| panic!("the move is planned: {row}"));
    let tagged = row
        .find("iam:TagUser UserName=p0 Tags=[iam-onboard:reviewed=2026-12-04]")
        .unwrap_or_else(|| panic!("the review's tag is planned: {row}"));
    assert!(moved < tagged, "the follow-up after the action: {row}");
    assert!(
        iam.calls()[before..]
            .iter()
            .all(|call| !call.starts_with("iam:TagUser") && !call.starts_with("iam:AddUserToGroup")),
        "a dry run changes nothing: {:?}",
        &iam.calls()[before..]
    );
}
