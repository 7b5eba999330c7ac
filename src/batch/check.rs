//! Checking a batch file before anything changes: each row (its cells read by `cells`) turned
//! into the same request the single commands build, every bad row named by line and column,
//! one row a person, and no protected person.

use crate::batch::cells::{
    Cells, Contents, Header, for_each_record_in, open_file, read_header, unreadable,
};
use crate::config::{Config, SsoAccess};
use crate::error::InputError;
use crate::iam::end_date::refuse_passed;
use crate::iam::job_change::MoveRequest;
use crate::iam::offboard::{OffboardMode, OffboardRequest};
use crate::iam::request::{MfaMode, NewUserInput, NewUserRequest};
use crate::iam::user_tag::UserTagRequest;
use crate::names;
use crate::protect::Protected;
use crate::sso::end_date::SsoEndDateRequest;
use crate::sso::job_change::SsoMoveRequest;
use crate::sso::offboard::SsoOffboardRequest;
use crate::sso::request::{AssignInput, AssignRequest, PersonInput};
use crate::template::TemplateSet;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

/// The columns a file may have, in any order; only `username` is required.
pub(crate) const COLUMNS: &[&str] = &[
    "action",
    "username",
    "template",
    "display_name",
    "email",
    "ticket",
    "tags",
    "console",
    "accounts",
    "given_name",
    "family_name",
    "keep_identity",
    "until",
];

/// What one row asks for, checked.
#[derive(Debug, Clone)]
pub(crate) enum RowAction {
    Onboard(Box<NewUserRequest>),
    Offboard(OffboardRequest),
    Assign(Box<AssignRequest>),
    OffboardSso(SsoOffboardRequest),
    /// A job change of an IAM user this tool made.
    Move(Box<MoveRequest>),
    /// One of the tool's tags on an IAM user it made: a new end date (sync) or the day their
    /// access was reviewed and kept (`review apply`); no batch file row asks for it.
    SetTag(UserTagRequest),
    /// A job change of an Identity Center person (sync only).
    MoveSso(Box<SsoMoveRequest>),
    /// A new end date for an Identity Center person (sync only).
    SetSsoEndDate(SsoEndDateRequest),
}

/// A checked row and the line it starts on.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub(crate) line: u64,
    /// The file the line is in, when the run reads several (a review's sheets); none where
    /// the run's one file (or no file) holds every line.
    pub(crate) sheet: Option<String>,
    pub(crate) action: RowAction,
    /// Columns with a value that this row's action does not use, said in its report.
    pub(crate) ignored: Vec<&'static str>,
    /// Made by a sync or expire plan, not read from a batch file: a person onboarded is
    /// `joined`.
    pub(crate) planned: bool,
    /// A change made once this row's is done (a sync mover's new end date): a failure there
    /// leaves the row's change made, exit 4 naming what is left.
    pub(crate) then: Option<Box<RowAction>>,
}

impl Row {
    pub(crate) fn user_name(&self) -> &str {
        match &self.action {
            RowAction::Onboard(request) => &request.user_name,
            RowAction::Offboard(request) => &request.user_name,
            RowAction::Assign(request) => &request.user_name,
            RowAction::OffboardSso(request) => &request.user_name,
            RowAction::Move(request) => &request.user_name,
            RowAction::SetTag(request) => &request.user_name,
            RowAction::MoveSso(request) => &request.user_name,
            RowAction::SetSsoEndDate(request) => &request.user_name,
        }
    }

    pub(crate) fn action_name(&self) -> &'static str {
        match &self.action {
            RowAction::Onboard(_) => "onboard",
            RowAction::Offboard(_) => "offboard",
            RowAction::Assign(_) => "assign",
            RowAction::OffboardSso(_) => "offboard-sso",
            RowAction::Move(_) => "move",
            RowAction::SetTag(request) if request.key == crate::tags::REVIEWED_TAG => "reviewed",
            RowAction::SetTag(_) => "set-until",
            RowAction::MoveSso(_) => "move-sso",
            RowAction::SetSsoEndDate(_) => "set-until-sso",
        }
    }
}

/// What rows are checked against.
pub(crate) struct Checking<'a> {
    pub(crate) file: &'a str,
    pub(crate) templates: &'a TemplateSet,
    pub(crate) config: &'a Config,
    /// Rows for these people are bad rows: no row may change a protected person.
    pub(crate) protected: &'a Protected,
    /// The day (UTC) the rows are checked: a row that gives access ending before it is bad.
    pub(crate) today: String,
}

/// The header of the batch file open in `handle`, checked.
pub(super) fn open(handle: File, file: &str) -> Result<(csv::Reader<File>, Header), InputError> {
    read_header(handle, file, COLUMNS)
}

/// Checks one record of a batch file: the request its action asks for, built with the
/// constructor the single command uses.
pub(crate) fn parse_row(cells: &Cells, checking: &Checking) -> Result<Row, InputError> {
    let user_name = cells.required("username")?;
    let template = || cells.required("template");
    let action = match cells.get("action").to_ascii_lowercase().as_str() {
        "" | "onboard" => {
            let template = template()?;
            let input = NewUserInput {
                user_name,
                template,
                details: cells.person_details()?,
                mfa: MfaMode::Deferred,
                password_file: None,
                profile_file: None,
            };
            let request = NewUserRequest::new(input, checking.templates)
                .and_then(|request| {
                    refuse_passed("--until", request.until.as_deref(), &checking.today)?;
                    Ok(request)
                })
                .map_err(|err| cells.relocated(err))?;
            RowAction::Onboard(Box::new(request))
        }
        "offboard" => RowAction::Offboard(
            OffboardRequest::new(user_name, OffboardMode::Delete, None)
                .map_err(|err| cells.relocated(err))?,
        ),
        "assign" => {
            let template = template()?;
            let create = PersonInput::named_whole(
                cells.optional("email"),
                cells.optional("given_name"),
                cells.optional("family_name"),
                cells.optional("display_name"),
            )
            .map_err(|err| cells.relocated(err))?;
            let input = AssignInput {
                user_name,
                template,
                accounts: cells.list("accounts"),
                create,
                instance_arn: None,
                until: cells.optional("until"),
            };
            let request = AssignRequest::new(input, checking.templates, checking.config)
                .and_then(|request| {
                    refuse_passed("--until", request.until.as_deref(), &checking.today)?;
                    Ok(request)
                })
                .map_err(|err| cells.relocated(err))?;
            RowAction::Assign(Box::new(request))
        }
        "move" => RowAction::Move(Box::new(
            MoveRequest::new(user_name, &template()?, checking.templates)
                .map_err(|err| cells.relocated(err))?,
        )),
        "offboard-sso" => {
            let keep_identity = cells.yes_or_no("keep_identity")?;
            RowAction::OffboardSso(
                SsoOffboardRequest::new(user_name, None, keep_identity, false)
                    .map_err(|err| cells.relocated(err))?,
            )
        }
        other => {
            return Err(cells.error(
                "action",
                format!(
                    "{} is not onboard, offboard, assign, offboard-sso or move",
                    names::shown(other)
                ),
            ));
        }
    };
    Ok(Row {
        line: cells.line,
        sheet: None,
        action,
        ignored: cells.unread(COLUMNS),
        planned: false,
        then: None,
    })
}

/// What the check of a whole file found out.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// The file, read again row by row when the rows run.
    pub(crate) path: PathBuf,
    /// What it held when it was checked: the rows that run must be the rows confirmed.
    pub(crate) contents: Contents,
    pub(crate) rows: u64,
    /// Templates whose policies and groups onboard rows need.
    pub(crate) onboard_templates: BTreeSet<String>,
    /// Templates whose permission sets assign rows need.
    pub(crate) assign_templates: BTreeSet<String>,
    /// Templates whose permission sets move-sso rows (a sync's Identity Center movers) give.
    pub(crate) move_sso_templates: BTreeSet<String>,
    /// Group mode: the accounts each template's group is given (from its account sets).
    pub(crate) group_accounts: BTreeMap<String, BTreeSet<String>>,
    /// Whether some row makes a console password (which goes only to the report).
    pub(crate) makes_passwords: bool,
    /// How many rows of each action.
    pub(crate) actions: BTreeMap<&'static str, u64>,
}

impl Checked {
    /// The checked file opened again for the run, refused if it no longer holds what was
    /// checked (and confirmed). The run reads the handle returned, so a file saved over it
    /// from now on (a new file renamed into its place, as editors save) is not what runs.
    pub(crate) fn reopen(&self, file: &str) -> Result<File, InputError> {
        let (handle, now) = open_regular(&self.path, file)?;
        if now != self.contents {
            return Err(InputError::new(
                "file",
                "changed since it was checked; nothing was run: run the batch again to check and confirm what it holds now",
            )
            .in_file(file));
        }
        Ok(handle)
    }

    /// What running `rows` (made by a plan, not read from a file) needs.
    pub(crate) fn of_rows(rows: &[Row]) -> Self {
        let mut checked = Checked {
            rows: rows.len() as u64,
            ..Checked::default()
        };
        for row in rows {
            checked.note(row);
        }
        checked
    }

    /// Counts a row in, and notes what running it needs.
    fn note(&mut self, row: &Row) {
        *self.actions.entry(row.action_name()).or_default() += 1;
        match &row.action {
            RowAction::Onboard(request) => {
                self.onboard_templates.insert(request.template.name.clone());
                self.makes_passwords |= request.console;
            }
            RowAction::Assign(request) => {
                for template in request.templates() {
                    self.assign_templates.insert(template.name.clone());
                }
                if request.access == SsoAccess::Groups {
                    for target in &request.targets {
                        self.group_accounts
                            .entry(target.template.name.clone())
                            .or_default()
                            .insert(target.account.clone());
                    }
                }
            }
            RowAction::MoveSso(request) => {
                for template in request.templates() {
                    self.move_sso_templates.insert(template.name.clone());
                }
            }
            RowAction::Offboard(_)
            | RowAction::OffboardSso(_)
            | RowAction::Move { .. }
            | RowAction::SetTag(_)
            | RowAction::SetSsoEndDate(_) => {}
        }
    }

    /// The file's rows by action, for the plan.
    pub(crate) fn counts(&self) -> String {
        let parts: Vec<String> = self
            .actions
            .iter()
            .map(|(action, n)| format!("{n} {action}"))
            .collect();
        counted_rows(self.rows, &parts)
    }
}

/// `12 rows: 10 onboard, 2 offboard`, `1 row: 1 moved`, `no rows`: how many rows, and of what.
pub(crate) fn counted_rows(rows: u64, parts: &[String]) -> String {
    match rows {
        0 => "no rows".to_string(),
        1 => format!("1 row: {}", parts.join(", ")),
        n => format!("{n} rows: {}", parts.join(", ")),
    }
}

/// Reads and checks the whole file without changing anything. Returns every bad row, or
/// what running it needs.
pub(crate) fn check_file(path: &Path, checking: &Checking) -> Result<Checked, Vec<InputError>> {
    let mut checked = Checked {
        path: path.to_path_buf(),
        ..Checked::default()
    };
    let (handle, contents) = open_regular(path, checking.file).map_err(|problem| vec![problem])?;
    checked.contents = contents;
    let mut problems = Vec::new();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    for_each_record_in(handle, checking.file, COLUMNS, &mut problems, |cells| {
        checked.rows += 1;
        let row = parse_row(cells, checking)?;
        checking
            .protected
            .check_name(row.user_name())
            .map_err(|err| err.in_file(checking.file).at_line(row.line))?;
        let key = row.user_name().to_ascii_lowercase();
        if let Some(first) = first_line_of.get(&key) {
            return Err(cells.error(
                "username",
                format!(
                    "{} is also on line {first}; one row a person",
                    row.user_name()
                ),
            ));
        }
        first_line_of.insert(key, row.line);
        checked.note(&row);
        Ok(())
    });
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}

/// The batch file at `path` opened, and what it holds. It must be a regular file: a batch
/// reads it twice (checked whole, then streamed), and a pipe would give the run nothing the
/// second time.
fn open_regular(path: &Path, file: &str) -> Result<(File, Contents), InputError> {
    let cannot = |err: std::io::Error| unreadable(file, &err);
    let mut handle = open_file(path, file)?;
    if !handle.metadata().map_err(cannot)?.is_file() {
        return Err(InputError::new(
            "file",
            "is not a regular file (a pipe, say): a batch reads its file once to check it and again to run it; save it to a file first",
        )
        .in_file(file));
    }
    let contents = Contents::of(&mut handle).map_err(cannot)?;
    Ok((handle, contents))
}
