//! Access reviews: the review sheets (`review start`), one CSV per reviewer, a line per person
//! this tool manages with what they hold and when they last used it, and an empty `decision`
//! column; and the decisions read back (`review apply`) as rows for the same operations the
//! commands use: `revoke` offboards (or disables), `move:TEMPLATE` moves, `keep` records the
//! review on the person (`iam-onboard:reviewed`, the day), and a moved person is recorded as
//! reviewed too. A sheet is per template, or per the person's `manager` tag when present. Pure
//! but for reading and writing the sheets.

use crate::aws::{AuthorizedUser, CredentialRow};
use crate::batch::cells::for_each_record;
use crate::batch::check::{Row, RowAction};
use crate::error::InputError;
use crate::iam::job_change::MoveRequest;
use crate::iam::offboard::{OffboardMode, OffboardRequest, user_access_cut};
use crate::iam::people::last_activity;
use crate::iam::user_tag::UserTagRequest;
use crate::report::csv::escape_formula;
use crate::tags::{
    DISPLAY_NAME_TAG, EMAIL_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE, REVIEWED_TAG, TEMPLATE_TAG,
    UNTIL_TAG,
};
use crate::template::TemplateSet;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The tag that names a person's manager, who then reviews them.
pub(crate) const MANAGER_TAG: &str = "manager";

/// The columns of a review sheet, in order.
pub(crate) const COLUMNS: &[&str] = &[
    "username",
    "display_name",
    "email",
    "template",
    "manager",
    "groups",
    "direct_policies",
    "console",
    "mfa",
    "active_keys",
    "access_cut",
    "created",
    "last_used",
    "until",
    "reviewed",
    "decision",
    "note",
];

/// One person of a review sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ReviewLine {
    pub(crate) username: String,
    pub(crate) display_name: String,
    pub(crate) email: String,
    pub(crate) template: String,
    pub(crate) manager: String,
    /// `;`-separated.
    pub(crate) groups: String,
    /// Policies on the user itself, `;`-separated: least privilege gives none.
    pub(crate) direct_policies: String,
    pub(crate) console: bool,
    pub(crate) mfa: bool,
    pub(crate) active_keys: usize,
    /// An offboarding's deny is on them (disabled, a sync leaver, expired): nothing they hold
    /// works, so what is left to decide is revoking outright or keeping them disabled.
    pub(crate) access_cut: bool,
    pub(crate) created: String,
    /// The latest console sign-in or access key use; empty: never.
    pub(crate) last_used: String,
    pub(crate) until: String,
    /// The last review that kept them.
    pub(crate) reviewed: String,
}

/// The sheets to write: file name → its people, sorted by name. Only people this tool made;
/// with `template`, only that template's.
pub(crate) fn sheets(
    users: &[AuthorizedUser],
    report: &[CredentialRow],
    template: Option<&str>,
) -> BTreeMap<String, Vec<ReviewLine>> {
    let mut sheets: BTreeMap<String, Vec<ReviewLine>> = BTreeMap::new();
    for user in users {
        if user.tag(MANAGED_BY_TAG) != Some(MANAGED_BY_VALUE) {
            continue;
        }
        let of_template = user.tag(TEMPLATE_TAG).unwrap_or_default();
        if template.is_some_and(|wanted| wanted != of_template) {
            continue;
        }
        let row = report.iter().find(|row| row.user == user.name);
        let tag = |key: &str| user.tag(key).unwrap_or_default().to_string();
        let line = ReviewLine {
            username: user.name.clone(),
            display_name: tag(DISPLAY_NAME_TAG),
            email: tag(EMAIL_TAG),
            template: of_template.to_string(),
            manager: tag(MANAGER_TAG),
            groups: user.groups.join(";"),
            direct_policies: [user.attached_policies(), user.inline_policies()]
                .concat()
                .join(";"),
            console: row.is_some_and(|r| r.password_enabled),
            mfa: row.is_some_and(|r| r.mfa_active),
            active_keys: row.map_or(0, |r| r.access_keys_active.iter().filter(|a| **a).count()),
            access_cut: user_access_cut(user),
            created: user.created.clone().unwrap_or_default(),
            last_used: row.and_then(last_activity).unwrap_or_default(),
            until: tag(UNTIL_TAG),
            reviewed: tag(REVIEWED_TAG),
        };
        let file = match line.manager.as_str() {
            "" => format!("template-{}.csv", file_part(&line.template)),
            manager => format!("manager-{}.csv", file_part(manager)),
        };
        sheets.entry(file).or_default().push(line);
    }
    for lines in sheets.values_mut() {
        lines.sort_by(|a, b| a.username.cmp(&b.username));
    }
    sheets
}

/// A tag value as part of a file name: letters, digits and `. _ @ -` kept, anything else `_`.
fn file_part(value: &str) -> String {
    if value.is_empty() {
        return "none".to_string();
    }
    value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._@-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Writes the sheets into `dir` (made when missing) as new files, readable by their owner only
/// (they name people and what they hold); none is written when one exists already.
pub(crate) fn write_sheets(
    dir: &Path,
    sheets: &BTreeMap<String, Vec<ReviewLine>>,
) -> Result<Vec<PathBuf>, InputError> {
    let refuse = |why: String| InputError::new("--out", why);
    let paths = sheet_paths(dir, sheets)?;
    std::fs::create_dir_all(dir)
        .map_err(|err| refuse(format!("cannot make {}: {err}", dir.display())))?;
    for (path, lines) in paths.iter().zip(sheets.values()) {
        write_sheet(path, lines)
            .map_err(|err| refuse(format!("cannot write {}: {err}", path.display())))?;
    }
    Ok(paths)
}

/// Where the sheets go; refused when one of them exists already (a dry run checks it too).
pub(crate) fn sheet_paths(
    dir: &Path,
    sheets: &BTreeMap<String, Vec<ReviewLine>>,
) -> Result<Vec<PathBuf>, InputError> {
    let paths: Vec<PathBuf> = sheets.keys().map(|name| dir.join(name)).collect();
    if let Some(taken) = paths.iter().find(|path| path.exists()) {
        return Err(InputError::new(
            "--out",
            format!(
                "{} exists already; review start writes new files only",
                taken.display()
            ),
        ));
    }
    Ok(paths)
}

fn write_sheet(path: &Path, lines: &[ReviewLine]) -> Result<(), Box<dyn std::error::Error>> {
    use std::os::unix::fs::OpenOptionsExt;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    let mut writer = csv::Writer::from_writer(file);
    writer.write_record(COLUMNS)?;
    for line in lines {
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
        let cells = [
            line.username.clone(),
            line.display_name.clone(),
            line.email.clone(),
            line.template.clone(),
            line.manager.clone(),
            line.groups.clone(),
            line.direct_policies.clone(),
            yes_no(line.console),
            yes_no(line.mfa),
            line.active_keys.to_string(),
            yes_no(line.access_cut),
            line.created.clone(),
            line.last_used.clone(),
            line.until.clone(),
            line.reviewed.clone(),
            String::new(),
            String::new(),
        ];
        writer.write_record(cells.iter().map(|cell| escape_formula(cell)))?;
    }
    writer.flush()?;
    Ok(())
}

/// What a reviewer decided for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    Keep,
    Revoke,
    Move(String),
}

/// A decision as read, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decided {
    pub(crate) file: String,
    pub(crate) line: u64,
    pub(crate) user_name: String,
    pub(crate) decision: Decision,
}

/// Every decision of the sheets in `dir` (each `*.csv`), and the people left undecided (file,
/// line, user name). Each mistake is named by file, line and column; a person decided in two
/// places is refused.
#[allow(clippy::type_complexity)]
pub(crate) fn read_decisions(
    dir: &Path,
    templates: &TemplateSet,
) -> Result<(Vec<Decided>, Vec<(String, u64, String)>), Vec<InputError>> {
    let unreadable = |err: std::io::Error| {
        vec![InputError::new(
            "<DIR>",
            format!("cannot read {}: {err}", dir.display()),
        )]
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(unreadable)?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "csv") && path.is_file())
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(vec![InputError::new(
            "<DIR>",
            format!(
                "{} holds no review sheet (*.csv); make them with review start --out DIR",
                dir.display()
            ),
        )]);
    }
    let mut decided = Vec::new();
    let mut undecided = Vec::new();
    let mut problems = Vec::new();
    let mut first_seen: HashMap<String, (String, u64)> = HashMap::new();
    for path in &files {
        let file = path.display().to_string();
        for_each_record(path, &file, COLUMNS, &mut problems, |cells| {
            let line = cells.line;
            let user_name = cells.get("username");
            crate::names::validate_user_name(&user_name)
                .map_err(|err| cells.error("username", err.reason))?;
            if let Some((other, other_line)) = first_seen.get(&user_name) {
                return Err(cells.error(
                    "username",
                    format!("{user_name} is on {other} line {other_line} too; decide once"),
                ));
            }
            first_seen.insert(user_name.clone(), (file.clone(), line));
            let text = cells.get("decision").to_ascii_lowercase();
            let decision = match text.as_str() {
                "" => {
                    undecided.push((file.clone(), line, user_name));
                    return Ok(());
                }
                "keep" => Decision::Keep,
                "revoke" => Decision::Revoke,
                other => match other.strip_prefix("move:") {
                    Some(to) => {
                        templates
                            .get(to)
                            .map_err(|err| cells.error("decision", err.reason))?;
                        Decision::Move(to.to_string())
                    }
                    None => {
                        return Err(cells.error(
                            "decision",
                            format!(
                                "{} is not a decision: keep, revoke, move:TEMPLATE, or empty for undecided",
                                crate::names::shown(other)
                            ),
                        ));
                    }
                },
            };
            decided.push(Decided {
                file: file.clone(),
                line,
                user_name,
                decision,
            });
            Ok(())
        });
    }
    if problems.is_empty() {
        Ok((decided, undecided))
    } else {
        Err(problems)
    }
}

/// The rows that carry out the decisions: `revoke` an offboarding (`mode`), `move:T` a move
/// then the review recorded, `keep` the review recorded, `today` its date.
pub(crate) fn rows(
    decided: &[Decided],
    templates: &TemplateSet,
    mode: OffboardMode,
    today: &str,
) -> Result<Vec<Row>, Vec<InputError>> {
    let mut rows = Vec::new();
    let mut problems = Vec::new();
    for decision in decided {
        let name = decision.user_name.clone();
        let reviewed = || UserTagRequest::reviewed(name.clone(), today);
        let made = match &decision.decision {
            Decision::Keep => reviewed().map(|r| (RowAction::SetTag(r), None)),
            Decision::Revoke => {
                let reason =
                    (mode == OffboardMode::DisableOnly).then(|| format!("access review {today}"));
                OffboardRequest::new(name.clone(), mode, reason)
                    .map(|r| (RowAction::Offboard(r), None))
            }
            Decision::Move(to) => MoveRequest::new(name.clone(), to, templates).and_then(|r| {
                Ok((
                    RowAction::Move(Box::new(r)),
                    Some(Box::new(RowAction::SetTag(reviewed()?))),
                ))
            }),
        };
        match made {
            Ok((action, then)) => rows.push(Row {
                line: decision.line,
                sheet: Some(decision.file.clone()),
                action,
                ignored: Vec::new(),
                planned: true,
                then,
            }),
            Err(err) => problems.push(
                InputError::new("decision", err.reason)
                    .in_file(&decision.file)
                    .at_line(decision.line),
            ),
        }
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests;
