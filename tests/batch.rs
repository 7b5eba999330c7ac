//! `batch` end to end against the emulator: a mixed file and its re-run, bad files, a run
//! killed part-way and run again, and throttling through the project's own fault proxy.

use crate::support::{
    Output, Proxy, Run, batch_run, block_on, finished_with, groups_of, has_login_profile, iam,
    mode, on_a_terminal, project_root, shown_until, tag_of, tag_user_in, unique, user_exists,
};
use std::fmt::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// The report's rows as (status, username) pairs, from a CSV report.
fn statuses(report: &Path) -> Vec<(String, String)> {
    let mut reader = csv::Reader::from_path(report).unwrap();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[3].to_string(), r[2].to_string())
        })
        .collect()
}

#[test]
fn a_mixed_file_of_200_rows_is_done_and_a_rerun_finds_it_all_done() {
    let prefix = unique("mix");
    for i in 0..40 {
        block_on(async {
            iam()
                .create_user()
                .user_name(format!("{prefix}-leaver-{i}"))
                .send()
                .await
                .unwrap()
        });
    }
    let mut text = String::from(
        "action,username,template,display_name,email,ticket,tags,console,accounts,given_name,family_name\r\n",
    );
    for i in 0..120 {
        let console = if i % 10 == 0 { "yes" } else { "no" };
        writeln!(
            text,
            "onboard,{prefix}-new-{i},developer,\"New Person {i}\",new{i}@example.com,CHG-{i},\"team=t{};site=lon\",{console},,,\r",
            i % 5
        )
        .unwrap();
    }
    for i in 0..40 {
        writeln!(text, "offboard,{prefix}-leaver-{i},,,,,,,,,\r").unwrap();
    }
    for i in 0..40 {
        writeln!(
            text,
            "assign,{prefix}-sso-{i},finance,,sso{i}@example.com,,,,111111111111;222222222222,Sso,Person{i}\r"
        )
        .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    // A spreadsheet export: UTF-8 with a byte-order mark, CRLF, quoted fields.
    let file = write(dir.path(), "people.csv", &format!("\u{feff}{text}"));
    let report = dir.path().join("report.csv");
    let out = batch_run(&file, &report).output();
    out.exits(0);
    assert_eq!(crate::support::mode(&report), 0o600);
    let rows = statuses(&report);
    assert_eq!(rows.len(), 200);
    let lines: Vec<u64> = csv::Reader::from_path(&report)
        .unwrap()
        .records()
        .map(|r| r.unwrap()[0].parse().unwrap())
        .collect();
    assert!(
        lines.windows(2).all(|pair| pair[0] < pair[1]),
        "the report keeps the file's order: {lines:?}"
    );
    let count = |status: &str| rows.iter().filter(|(s, _)| s == status).count();
    assert_eq!(
        (count("created"), count("offboarded"), count("assigned")),
        (120, 40, 40),
        "{rows:?}"
    );
    assert!(user_exists(&format!("{prefix}-new-7")));
    assert!(!user_exists(&format!("{prefix}-leaver-7")));
    let with_password = csv::Reader::from_path(&report)
        .unwrap()
        .records()
        .filter(|r| !r.as_ref().unwrap()[5].is_empty())
        .count();
    assert_eq!(
        with_password, 12,
        "the console=yes rows, and only those, have a password"
    );

    let again = dir.path().join("again.csv");
    batch_run(&file, &again).output().exits(0);
    let rows = statuses(&again);
    assert_eq!(rows.len(), 200);
    assert!(rows.iter().all(|(s, _)| s == "already-done"), "{rows:?}");
}

#[test]
fn a_file_with_five_kinds_of_bad_rows_changes_nothing() {
    let prefix = unique("bad");
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "bad.csv",
        &format!(
            "action,username,template,tags,accounts\n\
             onboard,{prefix}-ok,developer,,\n\
             onboard,{prefix} spaced,developer,,\n\
             onboard,{prefix}-t,intern,,\n\
             onboard,{prefix}-ok,finance,,\n\
             fire,{prefix}-f,developer,,\n\
             assign,{prefix}-a,developer,,12345\n\
             onboard,{prefix}-g,developer,novalue,\n"
        ),
    );
    let out = Run::new(&["batch", "-y", &file]).output();
    out.exits(2).stderr_has("6 bad rows; nothing was changed");
    let bad = [
        (3, "username"),
        (4, "template"),
        (5, "username"),
        (6, "action"),
        (7, "accounts"),
        (8, "tags"),
    ];
    for (line, column) in bad {
        out.stderr_has(&format!("bad.csv:{line}: {column}: "));
    }
    let as_json = Run::new(&["batch", "-y", &file, "--output", "json"]).output();
    let named: Vec<(u64, String, String)> = as_json.exits(2).json()["error"]["bad_input"]
        .as_array()
        .unwrap()
        .iter()
        .map(|bad| {
            (
                bad["line"].as_u64().unwrap(),
                bad["field"].as_str().unwrap().to_string(),
                bad["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(u64, String, String)> = bad
        .into_iter()
        .map(|(line, field)| (line, field.to_string(), file.clone()))
        .collect();
    assert_eq!(named, expected, "each bad row, for a script to point at");
    assert!(!user_exists(&format!("{prefix}-ok")), "nothing in AWS");
}

#[test]
fn a_batch_killed_part_way_finishes_when_run_again() {
    let prefix = unique("kill");
    let mut text = String::from("username,template,console\n");
    for i in 0..100 {
        writeln!(text, "{prefix}-{i},devops,yes").unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "wave.csv", &text);
    let first = dir.path().join("first.csv");
    let mut child = batch_run(&file, &first).command();
    let mut child = child
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&first).map_or(0, |t| t.lines().count()) < 15 {
        assert!(Instant::now() < deadline, "the batch never got going");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done_before = statuses(&first).len();
    assert!(
        done_before < 100,
        "killed part-way ({done_before} rows done)"
    );

    let second = dir.path().join("second.csv");
    batch_run(&file, &second).output().exits(0);
    let rows = statuses(&second);
    assert_eq!(rows.len(), 100);
    assert!(
        rows.iter()
            .all(|(s, _)| ["created", "converged", "already-done"].contains(&s.as_str())),
        "{rows:?}"
    );
    for i in 0..100 {
        let user = format!("{prefix}-{i}");
        assert_eq!(groups_of(&user), ["iam-onboard-devops"], "{user}");
        assert!(has_login_profile(&user), "{user} has its login profile");
        assert!(tag_of(&user, "managed-by").is_some(), "{user} has its tags");
    }
}

/// Every row done through 15% throttling: the SDK's adaptive retries slow the client down
/// instead of failing rows. 20 rows make over a hundred calls, so over a dozen are throttled
/// (adaptive mode's client-side limiter then slows the whole run down: about 2 s a row here);
/// the retry and backoff logic itself is covered by the in-memory tests.
#[test]
fn a_20_row_batch_completes_through_15_percent_throttling() {
    let prefix = unique("thr");
    let proxy = Proxy::start("throttle-proxy", "0.15");
    let mut text = String::from("username,template\n");
    for i in 0..20 {
        writeln!(text, "{prefix}-{i},security-auditor").unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "many.csv", &text);
    let report = dir.path().join("report.csv");
    let out: Output = Run::new(&[
        "batch",
        "-y",
        &file,
        "--report",
        report.to_str().unwrap(),
        "--concurrency",
        "8",
        "-q",
    ])
    .env("AWS_ENDPOINT_URL", &proxy.url)
    .output();
    out.exits(0);
    let rows = statuses(&report);
    assert_eq!(rows.len(), 20);
    assert!(rows.iter().all(|(s, _)| s == "created"), "{rows:?}");
}

#[test]
fn a_password_never_written_to_the_report_is_replaced_and_written_on_the_rerun() {
    let name = unique("lost-pw");
    let dir = tempfile::tempdir().unwrap();
    let file = write(
        dir.path(),
        "people.csv",
        &format!("username,template,console\n{name},developer,yes\n"),
    );
    let first = dir.path().join("first.csv");
    batch_run(&file, &first).output().exits(0);
    assert_eq!(
        tag_of(&name, "iam-onboard:password").as_deref(),
        Some("delivered")
    );

    // The state a kill -9 leaves between CreateLoginProfile and the report line.
    tag_user_in(&iam(), &name, "iam-onboard:password", "pending");
    let second = dir.path().join("second.csv");
    batch_run(&file, &second).output().exits(0);
    let row = csv::Reader::from_path(&second)
        .unwrap()
        .records()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(&row[3], "converged");
    assert!(row[5].len() >= 20, "a new password in the report");
    assert_eq!(
        tag_of(&name, "iam-onboard:password").as_deref(),
        Some("delivered")
    );

    let third = dir.path().join("third.csv");
    batch_run(&file, &third).output().exits(0);
    assert_eq!(statuses(&third), [("already-done".to_string(), name)]);
}

#[test]
fn one_bad_row_reads_well_and_quiet_prints_no_summary_nor_rows_twice() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(
        dir.path(),
        "bad.csv",
        "username,template\nbad name,finance\n",
    );
    Run::new(&["batch", "-y", &bad]).refused("1 bad row; nothing was changed");
    let header = write(
        dir.path(),
        "header.csv",
        "username,template,shoe_size\nann,finance,42\n",
    );
    let refused = Run::new(&["batch", "-y", &header])
        .refused("header.csv:1: column \"shoe_size\": unknown column; the columns are ");
    assert!(
        !refused.stderr.contains("bad row"),
        "the header is not a row: {}",
        refused.stderr
    );
    let name = unique("quiet");
    let good = write(
        dir.path(),
        "good.csv",
        &format!("username,template\n{name},finance\n"),
    );
    let quiet = Run::new(&["batch", "-y", &good, "-q"]).output();
    quiet.exits(0);
    assert!(quiet.stderr.trim().is_empty(), "-q: {}", quiet.stderr);
    let offboard = write(
        dir.path(),
        "leave.csv",
        &format!("action,username\noffboard,{name}\n"),
    );
    let loud = Run::new(&["batch", "-y", &offboard]).output();
    loud.exits(0).stdout_has(&name);
    assert!(
        !loud.stderr.contains(&format!("offboard {name}")),
        "the row is on stdout only: {}",
        loud.stderr
    );
}

#[test]
fn a_file_edited_while_its_plan_waits_for_a_yes_is_refused_and_nothing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (confirmed, edited) = (unique("confirmed"), unique("edited"));
    let rows = |name: &str| format!("username,template\n{name},finance\n");
    let file = write(dir.path(), "people.csv", &rows(&confirmed));
    let mut session = on_a_terminal(Run::new(&["batch", &file]));
    let plan = shown_until(&mut session, "Proceed?");
    assert!(plan.contains("1 row: 1 onboard"), "{plan}");
    write(dir.path(), "people.csv", &rows(&edited));
    session.send_line("y").unwrap();
    let rest = finished_with(&mut session, 2);
    assert!(
        rest.contains("people.csv: file: changed since it was checked; nothing was run"),
        "{rest}"
    );
    assert!(!user_exists(&confirmed), "{rest}");
    assert!(!user_exists(&edited), "{rest}");
}

#[test]
fn a_file_piped_in_is_refused_as_it_cannot_be_read_twice() {
    let name = unique("piped");
    Run::new(&["batch", "-y", "/dev/stdin"])
        .stdin(&format!("username,template\n{name},finance\n"))
        .refused("/dev/stdin: file: is not a regular file (a pipe, say)");
    assert!(!user_exists(&name));
}

#[test]
fn the_readmes_batch_examples_run_as_written_the_dry_run_writing_nothing() {
    let readme = std::fs::read_to_string(project_root().join("README.md")).unwrap();
    let examples: Vec<Vec<&str>> = readme
        .lines()
        .filter(|line| line.starts_with("iam-onboard batch scripts/example-people.csv"))
        .map(|line| {
            let command = line.split(" #").next().unwrap();
            command.split_whitespace().skip(1).collect()
        })
        .collect();
    assert_eq!(examples.len(), 2, "the dry run, then the run");
    let here = tempfile::tempdir().unwrap();
    std::fs::create_dir(here.path().join("scripts")).unwrap();
    std::fs::copy(
        project_root().join("scripts/example-people.csv"),
        here.path().join("scripts/example-people.csv"),
    )
    .unwrap();
    let report = here.path().join("report.csv");
    let run = |args: &[&str]| {
        let mut command = Run::new(args).command();
        command.current_dir(here.path());
        Output::from(command.output().unwrap())
    };
    let dry = run(&examples[0]);
    dry.exits(0)
        .stdout_has("line 2 onboard ann.example")
        .stdout_has("line 4 assign lee@example.com");
    assert!(
        dry.stdout.contains("\n    "),
        "the calls a real run makes are shown under the rows: {}",
        dry.stdout
    );
    assert!(!report.exists(), "a dry run writes no file");
    run(&examples[1]).exits(0);
    assert_eq!(mode(&report), 0o600);
    let rows = statuses(&report);
    assert_eq!(rows.len(), 4, "{rows:?}");
}
