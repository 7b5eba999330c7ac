//! Reading and checking a batch file before anything changes: the header's columns, each row
//! turned into the same request the single commands build, every bad row named by line and
//! column, one row a person, and no protected person.

use crate::config::{Config, SsoAccess};
use crate::error::InputError;
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
}

/// The column positions of a file.
pub(crate) struct Header {
    columns: HashMap<String, usize>,
}

impl Header {
    pub(crate) fn get<'r>(&self, record: &'r csv::StringRecord, column: &str) -> &'r str {
        self.columns
            .get(column)
            .and_then(|index| record.get(*index))
            .unwrap_or("")
    }
}

pub(super) fn open(
    path: &Path,
    file: &str,
) -> Result<(csv::Reader<std::fs::File>, Header), InputError> {
    open_with(path, file, COLUMNS)
}

/// Opens a CSV file whose header may name `known` columns (in any order) and must name
/// `username`.
pub(crate) fn open_with(
    path: &Path,
    file: &str,
    known: &[&str],
) -> Result<(csv::Reader<std::fs::File>, Header), InputError> {
    // Lines end at \n: the \r of a CRLF file is trimmed with the field's white space. (With
    // the default CRLF terminator, the csv crate counts the lines of CRLF files one short.)
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_path(path)
        .map_err(|err| InputError::new("file", format!("cannot read it: {err}")).in_file(file))?;
    let names = reader
        .headers()
        .map_err(|err| {
            InputError::new("header", err.to_string())
                .in_file(file)
                .at_line(1)
        })?
        .clone();
    let mut columns = HashMap::new();
    for (index, name) in names.iter().enumerate() {
        let name = name.to_ascii_lowercase();
        if !known.contains(&name.as_str()) {
            return Err(InputError::new(
                format!("column {name:?}"),
                format!("unknown column; the columns are {}", known.join(", ")),
            )
            .in_file(file)
            .at_line(1));
        }
        if columns.insert(name.clone(), index).is_some() {
            return Err(InputError::new(format!("column {name:?}"), "appears twice")
                .in_file(file)
                .at_line(1));
        }
    }
    if !columns.contains_key("username") {
        return Err(InputError::new("header", "there is no username column")
            .in_file(file)
            .at_line(1));
    }
    Ok((reader, Header { columns }))
}

/// `a;b;c`, each trimmed, empty ones left out: tags (`k=v;k=v`) and accounts.
pub(crate) fn split_list(text: &str) -> Vec<String> {
    text.split(';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// The column an error of the single commands' checks belongs to.
pub(crate) fn column_of(field: &str) -> String {
    let field = field.trim_start_matches("--");
    let tag_column = [
        (crate::tags::DISPLAY_NAME_TAG, "display_name"),
        (crate::tags::EMAIL_TAG, "email"),
        (crate::tags::TICKET_TAG, "ticket"),
    ]
    .into_iter()
    .find(|(tag, _)| field == format!("tag {tag:?}"));
    if let Some((_, column)) = tag_column {
        column.to_string()
    } else if field.starts_with("tag") {
        "tags".to_string()
    } else if field.starts_with("account") {
        "accounts".to_string()
    } else {
        field.replace('-', "_")
    }
}

pub(crate) fn parse_row(
    record: &csv::StringRecord,
    header: &Header,
    checking: &Checking,
) -> Result<Row, InputError> {
    let line = record.position().map_or(0, csv::Position::line);
    let at = |column: &str, reason: String| {
        InputError::new(column, reason)
            .in_file(checking.file)
            .at_line(line)
    };
    let relocate = |err: InputError| {
        let detail = if err.field.starts_with("tag ") || err.field.starts_with("account_sets") {
            format!("{}: {}", err.field, err.reason)
        } else {
            err.reason
        };
        at(&column_of(&err.field), detail)
    };
    // The columns this row's action reads: a value anywhere else is said to be ignored.
    let read = std::cell::RefCell::new(BTreeSet::new());
    let get = |column: &'static str| {
        read.borrow_mut().insert(column);
        header.get(record, column).to_string()
    };
    let optional = |column: &'static str| Some(get(column)).filter(|value| !value.is_empty());
    let user_name = get("username");
    if user_name.is_empty() {
        return Err(at("username", "is missing".to_string()));
    }
    let template = || {
        let name = get("template");
        if name.is_empty() {
            return Err(at("template", "is missing".to_string()));
        }
        Ok(name)
    };
    let yes_or_no = |column: &'static str| match get(column).to_ascii_lowercase().as_str() {
        "" | "no" => Ok(false),
        "yes" => Ok(true),
        other => Err(at(
            column,
            format!("{} is not yes or no", names::shown(other)),
        )),
    };
    let action = match get("action").to_ascii_lowercase().as_str() {
        "" | "onboard" => {
            let template = template()?;
            let console = yes_or_no("console")?;
            let input = NewUserInput {
                user_name,
                template,
                display_name: optional("display_name"),
                email: optional("email"),
                ticket: optional("ticket"),
                tags: split_list(&get("tags")),
                console,
                mfa: MfaMode::Deferred,
                password_file: None,
                profile_file: None,
                until: optional("until"),
            };
            let request = NewUserRequest::new(input, checking.templates).map_err(relocate)?;
            RowAction::Onboard(Box::new(request))
        }
        "offboard" => RowAction::Offboard(
            OffboardRequest::new(user_name, OffboardMode::Delete, None).map_err(relocate)?,
        ),
        "assign" => {
            let template = template()?;
            let names = [
                optional("email"),
                optional("given_name"),
                optional("family_name"),
            ];
            let create = match names {
                [Some(email), Some(given_name), Some(family_name)] => Some(PersonInput {
                    email,
                    given_name,
                    family_name,
                    display_name: optional("display_name"),
                }),
                [None, None, None] => None,
                _ => {
                    return Err(at(
                        "given_name",
                        "email, given_name and family_name go together (all three create the person when missing)"
                            .to_string(),
                    ));
                }
            };
            let input = AssignInput {
                user_name,
                template,
                accounts: split_list(&get("accounts")),
                create,
                instance_arn: None,
                until: optional("until"),
            };
            let request =
                AssignRequest::new(input, checking.templates, checking.config).map_err(relocate)?;
            RowAction::Assign(Box::new(request))
        }
        "move" => RowAction::Move(Box::new(
            MoveRequest::new(user_name, &template()?, checking.templates).map_err(relocate)?,
        )),
        "offboard-sso" => {
            let keep_identity = yes_or_no("keep_identity")?;
            RowAction::OffboardSso(
                SsoOffboardRequest::new(user_name, None, keep_identity, false).map_err(relocate)?,
            )
        }
        other => {
            return Err(at(
                "action",
                format!(
                    "{} is not onboard, offboard, assign, offboard-sso or move",
                    names::shown(other)
                ),
            ));
        }
    };
    let read = read.into_inner();
    let ignored = COLUMNS
        .iter()
        .copied()
        .filter(|column| !read.contains(column))
        .filter(|column| !header.get(record, column).trim().is_empty())
        .collect();
    Ok(Row {
        line,
        action,
        ignored,
        planned: false,
        then: None,
    })
}

/// What the check of a whole file found out.
#[derive(Debug, Default)]
pub(crate) struct Checked {
    /// The file, read again row by row when the rows run.
    pub(crate) path: PathBuf,
    pub(crate) rows: u64,
    /// Templates whose policies and groups onboard rows need.
    pub(crate) onboard_templates: BTreeSet<String>,
    /// Templates whose permission sets assign rows need.
    pub(crate) assign_templates: BTreeSet<String>,
    /// Group mode: the accounts each template's group is given (from its account sets).
    pub(crate) group_accounts: BTreeMap<String, BTreeSet<String>>,
    /// Whether some row makes a console password (which goes only to the report).
    pub(crate) makes_passwords: bool,
    /// How many rows of each action.
    pub(crate) actions: BTreeMap<&'static str, u64>,
}

impl Checked {
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
            RowAction::Offboard(_)
            | RowAction::OffboardSso(_)
            | RowAction::Move { .. }
            | RowAction::SetTag(_)
            | RowAction::MoveSso(_)
            | RowAction::SetSsoEndDate(_) => {}
        }
    }

    /// The file's rows by action, for the plan: `12 rows: 10 onboard, 2 offboard`.
    pub(crate) fn counts(&self) -> String {
        let parts: Vec<String> = self
            .actions
            .iter()
            .map(|(action, n)| format!("{n} {action}"))
            .collect();
        match self.rows {
            0 => "no rows".to_string(),
            1 => format!("1 row: {}", parts.join(", ")),
            n => format!("{n} rows: {}", parts.join(", ")),
        }
    }
}

/// Reads each row of the CSV file at `path` (its header checked as [`open_with`] checks it),
/// giving `each` the row and the line it starts on. Every problem goes to `problems`, in the
/// file's order, and the reading goes on: the file's own, a row that cannot be read (more
/// fields than the header, bytes that are not UTF-8), named by file and line, and what `each`
/// finds.
pub(crate) fn for_each_record(
    path: &Path,
    file: &str,
    known: &[&str],
    problems: &mut Vec<InputError>,
    mut each: impl FnMut(&Header, &csv::StringRecord, u64) -> Result<(), InputError>,
) {
    let (mut reader, header) = match open_with(path, file, known) {
        Ok(opened) => opened,
        Err(problem) => return problems.push(problem),
    };
    for record in reader.records() {
        let outcome = record
            .map_err(|err| {
                let line = err.position().map_or(0, csv::Position::line);
                InputError::new("row", err.to_string())
                    .in_file(file)
                    .at_line(line)
            })
            .and_then(|record| {
                let line = record.position().map_or(0, csv::Position::line);
                each(&header, &record, line)
            });
        if let Err(problem) = outcome {
            problems.push(problem);
        }
    }
}

/// Reads and checks the whole file without changing anything. Returns every bad row, or
/// what running it needs.
pub(crate) fn check_file(path: &Path, checking: &Checking) -> Result<Checked, Vec<InputError>> {
    let mut checked = Checked {
        path: path.to_path_buf(),
        ..Checked::default()
    };
    let mut problems = Vec::new();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    for_each_record(
        path,
        checking.file,
        COLUMNS,
        &mut problems,
        |header, record, _| {
            checked.rows += 1;
            let row = parse_row(record, header, checking)?;
            checking
                .protected
                .check_name(row.user_name())
                .map_err(|err| err.in_file(checking.file).at_line(row.line))?;
            let key = row.user_name().to_ascii_lowercase();
            if let Some(first) = first_line_of.get(&key) {
                return Err(InputError::new(
                    "username",
                    format!(
                        "{} is also on line {first}; one row a person",
                        row.user_name()
                    ),
                )
                .in_file(checking.file)
                .at_line(row.line));
            }
            first_line_of.insert(key, row.line);
            checked.note(&row);
            Ok(())
        },
    );
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}
