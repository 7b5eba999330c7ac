//! Review sheets from made-up account reads, and decisions read back into rows.

use super::*;
use crate::batch::check::RowAction;

fn user(name: &str, template: &str, tags: &[(&str, &str)]) -> AuthorizedUser {
    let mut all = vec![
        (MANAGED_BY_TAG.to_string(), MANAGED_BY_VALUE.to_string()),
        (TEMPLATE_TAG.to_string(), template.to_string()),
    ];
    all.extend(tags.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    AuthorizedUser {
        name: name.to_string(),
        arn: format!("arn:aws:iam::1:user/{name}"),
        created: Some("2026-01-01T00:00:00Z".to_string()),
        tags: all,
        groups: vec![format!("iam-onboard-{template}s")],
        permissions_boundary: None,
        held: Vec::new(),
    }
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn sheets_go_per_template_or_per_manager_and_leave_out_people_the_tool_did_not_make() {
    let mut stranger = user("root-ish", "developer", &[]);
    stranger.tags.clear();
    let mut disabled = user("bob", "developer", &[]);
    disabled.held.push(crate::aws::HeldPolicy {
        group: None,
        policy: crate::iam::offboard::DENY_ALL_POLICY.to_string(),
        inline: true,
        document: None,
    });
    let users = [
        disabled,
        user("alice", "developer", &[(REVIEWED_TAG, "2026-06-01")]),
        user("carol", "finance", &[(MANAGER_TAG, "dana@example.com")]),
        stranger,
    ];
    let report = [CredentialRow {
        user: "alice".to_string(),
        password_enabled: true,
        password_last_used: Some("2026-11-20T08:00:00+00:00".to_string()),
        mfa_active: true,
        access_keys_active: vec![true, false],
        access_keys_last_used: vec![Some("2026-11-25T08:00:00+00:00".to_string()), None],
        ..CredentialRow::default()
    }];
    let sheets = sheets(&users, &report, None);
    let names: Vec<&str> = sheets.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        ["manager-dana@example.com.csv", "template-developer.csv"]
    );
    let developers = &sheets["template-developer.csv"];
    assert_eq!(developers[0].username, "alice");
    assert_eq!(developers[0].last_used, "2026-11-25T08:00:00+00:00");
    assert_eq!(developers[0].active_keys, 1);
    assert_eq!(developers[0].reviewed, "2026-06-01");
    assert!(developers[0].console && developers[0].mfa);
    assert_eq!(developers[1].username, "bob");
    assert_eq!(developers[1].last_used, "", "never used");
    assert!(!developers[0].access_cut);
    assert!(developers[1].access_cut, "offboarding's deny is on bob");
    let finance_only = super::sheets(&users, &report, Some("finance"));
    assert_eq!(finance_only.len(), 1);

    let dir = tempfile::tempdir().unwrap();
    let written = write_sheets(dir.path(), &sheets).unwrap();
    assert_eq!(written.len(), 2);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&written[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let text = std::fs::read_to_string(dir.path().join("template-developer.csv")).unwrap();
    assert!(
        text.starts_with("username,display_name,email,template,manager,groups"),
        "{text}"
    );
    assert!(
        text.contains("\nalice,,,developer,,iam-onboard-developers,,yes,yes,1,no,2026-01-01")
            && text.contains("\nbob,,,developer,,iam-onboard-developers,iam-onboard-deny-all,no,no,0,yes,2026-01-01"),
        "alice holds one active key, bob's access is cut: {text}"
    );
    let again = write_sheets(dir.path(), &sheets).unwrap_err();
    assert!(again.reason.contains("exists already"), "{again}");
}

#[test]
fn decisions_become_the_commands_rows_and_bad_ones_are_named_by_file_line_and_column() {
    let templates = TemplateSet::embedded().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let header = COLUMNS.join(",");
    let blank =
        |name: &str, decision: &str| format!("{name},,,developer,,,,no,no,0,no,,,,,{decision},\n");
    write(
        dir.path(),
        "template-developer.csv",
        &format!(
            "{header}\n{}{}{}{}",
            blank("alice", "keep"),
            blank("bob", "Revoke"),
            blank("carol", "move:devops"),
            blank("dave", "")
        ),
    );
    let (decided, undecided) = read_decisions(dir.path(), &templates).unwrap();
    assert_eq!(undecided.len(), 1);
    assert_eq!(undecided[0].2, "dave");
    let rows = rows(
        &decided,
        &templates,
        OffboardMode::DisableOnly,
        "2026-12-02",
    )
    .unwrap();
    let shapes: Vec<(&str, &str, u64)> = rows
        .iter()
        .map(|r| (r.user_name(), r.action_name(), r.line))
        .collect();
    assert_eq!(
        shapes,
        [
            ("alice", "reviewed", 2),
            ("bob", "offboard", 3),
            ("carol", "move", 4)
        ]
    );
    let sheet = dir.path().join("template-developer.csv");
    assert!(
        rows.iter()
            .all(|r| r.sheet.as_deref() == Some(&*sheet.to_string_lossy())),
        "each row names the sheet its line is in: {rows:?}"
    );
    match &rows[1].action {
        RowAction::Offboard(request) => assert_eq!(request.mode, OffboardMode::DisableOnly),
        other => panic!("{other:?}"),
    }
    match rows[2].then.as_deref() {
        Some(RowAction::SetTag(tag)) => {
            assert_eq!(tag.key, REVIEWED_TAG);
            assert_eq!(tag.value.as_deref(), Some("2026-12-02"));
        }
        other => panic!("a move records the review after: {other:?}"),
    }

    write(
        dir.path(),
        "template-developer.csv",
        &format!(
            "{header}\n{}{}{}{}",
            blank("alice", "fire"),
            blank("bob", "keep"),
            blank("al ice", "keep"),
            blank("carol", "move:wizard")
        ),
    );
    write(
        dir.path(),
        "manager-x.csv",
        &format!("{header}\n{}", blank("bob", "keep")),
    );
    let problems = read_decisions(dir.path(), &templates).unwrap_err();
    let said: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems.len(), 4, "{said:#?}");
    assert!(
        said.iter()
            .any(|s| s.contains("decision") && s.contains("\"fire\" is not a decision")),
        "{said:#?}"
    );
    assert!(
        said.iter().any(|s| s.contains("no template \"wizard\"")),
        "{said:#?}"
    );
    assert!(
        said.iter()
            .any(|s| s.contains("template-developer.csv:4: username")),
        "{said:#?}"
    );
    assert!(
        said.iter()
            .any(|s| s.contains("bob is on") && s.contains("decide once")),
        "{said:#?}"
    );

    let empty = tempfile::tempdir().unwrap();
    let none = read_decisions(empty.path(), &templates).unwrap_err();
    assert!(
        none[0].reason.contains("holds no review sheet"),
        "{}",
        none[0]
    );
}
