//! `batch FILE.csv`: onboard, offboard and assign many people from a spreadsheet export.
//!
//! The whole file is read and checked first: every bad row is reported with its line, column
//! and reason, and any bad row means nothing changes. Then the shared resources (template
//! policies and groups, permission sets) are ensured once, and the rows run concurrently,
//! streamed from the file with at most `concurrency` in flight, each through the same flow,
//! undo included, as the single command. Rows that are already done say so, so a file can be
//! run again after a crash. The report is streamed too: memory does not grow with the file.

use crate::assign::{
    self, AssignRequest, Patience, PermissionSetOutcome, validate_account_id,
    validate_identity_user_name,
};
use crate::aws::{Iam, NewPerson, PasswordRules, Sso, SsoInstance};
use crate::config::Config;
use crate::error::{Error, InputError};
use crate::names;
use crate::offboard::{self, OffboardMode};
use crate::onboard::{self, CodeInput, CodeSource, Effects, MfaMode, NewUserRequest, SystemClock};
use crate::plan::{self, SharedState};
use crate::protect::{Guard, Person, Protected};
use crate::secret::Secret;
use crate::template::TemplateSet;
use crate::totp::CodeRejection;
use serde::Serialize;
use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

/// The columns a file may have, in any order; only `username` is required.
pub const COLUMNS: &[&str] = &[
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
];

/// What one row asks for, checked.
#[derive(Debug, Clone)]
pub enum RowAction {
    Onboard(Box<NewUserRequest>),
    Offboard { user_name: String },
    Assign(Box<AssignRequest>),
}

/// A checked row and the line it starts on.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub action: RowAction,
}

impl Row {
    pub fn user_name(&self) -> &str {
        match &self.action {
            RowAction::Onboard(request) => &request.user_name,
            RowAction::Offboard { user_name } => user_name,
            RowAction::Assign(request) => &request.user_name,
        }
    }

    pub fn action_name(&self) -> &'static str {
        match &self.action {
            RowAction::Onboard(_) => "onboard",
            RowAction::Offboard { .. } => "offboard",
            RowAction::Assign(_) => "assign",
        }
    }
}

/// What rows are checked against.
pub struct Checking<'a> {
    pub file: &'a str,
    pub templates: &'a TemplateSet,
    pub config: &'a Config,
    /// Rows for these people are bad rows: no row may change a protected person.
    pub protected: &'a Protected,
}

/// The column positions of a file.
struct Header {
    columns: HashMap<String, usize>,
}

impl Header {
    fn get<'r>(&self, record: &'r csv::StringRecord, column: &str) -> &'r str {
        self.columns
            .get(column)
            .and_then(|index| record.get(*index))
            .unwrap_or("")
    }
}

fn open(path: &Path, file: &str) -> Result<(csv::Reader<std::fs::File>, Header), InputError> {
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
        if !COLUMNS.contains(&name.as_str()) {
            return Err(InputError::new(
                format!("column {name:?}"),
                format!("unknown column; the columns are {}", COLUMNS.join(", ")),
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

/// `k=v;k=v`.
fn parse_tags(text: &str) -> Result<Vec<(String, String)>, InputError> {
    text.split(';')
        .map(str::trim)
        .filter(|tag| !tag.is_empty())
        .map(names::parse_tag)
        .collect()
}

fn split_list(text: &str) -> Vec<String> {
    text.split(';')
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// The column an error of the single commands' checks belongs to.
fn column_of(field: &str) -> String {
    let field = field.trim_start_matches("--");
    let tag_column = [
        (onboard::DISPLAY_NAME_TAG, "display_name"),
        (onboard::EMAIL_TAG, "email"),
        (onboard::TICKET_TAG, "ticket"),
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

fn parse_row(
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
    let get = |column: &str| header.get(record, column).to_string();
    let optional = |column: &str| Some(get(column)).filter(|value| !value.is_empty());
    let user_name = get("username");
    if user_name.is_empty() {
        return Err(at("username", "is missing".to_string()));
    }
    let template = || {
        let name = get("template");
        if name.is_empty() {
            return Err(at("template", "is missing".to_string()));
        }
        checking
            .templates
            .get(&name)
            .cloned()
            .map_err(|err| at("template", err.reason))
    };
    let action = match get("action").to_ascii_lowercase().as_str() {
        "" | "onboard" => {
            let template = template()?;
            let console = match get("console").to_ascii_lowercase().as_str() {
                "" | "no" => false,
                "yes" => template.console_access,
                other => {
                    return Err(at(
                        "console",
                        format!("{} is not yes or no", names::shown(other)),
                    ));
                }
            };
            let request = NewUserRequest {
                user_name,
                template,
                display_name: optional("display_name"),
                email: optional("email"),
                ticket: optional("ticket"),
                extra_tags: parse_tags(&get("tags")).map_err(relocate)?,
                console,
                mfa: MfaMode::Deferred,
                password_file: None,
            }
            .validate()
            .map_err(relocate)?;
            RowAction::Onboard(Box::new(request))
        }
        "offboard" => {
            names::validate_user_name(&user_name).map_err(relocate)?;
            RowAction::Offboard { user_name }
        }
        "assign" => {
            validate_identity_user_name(&user_name).map_err(relocate)?;
            let template = template()?;
            let accounts = split_list(&get("accounts"));
            for account in &accounts {
                validate_account_id(account).map_err(relocate)?;
            }
            let targets =
                assign::resolve_targets(&template, &accounts, checking.templates, checking.config)
                    .map_err(relocate)?;
            let names = [
                optional("email"),
                optional("given_name"),
                optional("family_name"),
            ];
            let create = match names {
                [Some(email), Some(given_name), Some(family_name)] => Some(NewPerson {
                    user_name: user_name.clone(),
                    display_name: optional("display_name")
                        .unwrap_or_else(|| format!("{given_name} {family_name}")),
                    given_name,
                    family_name,
                    email,
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
            RowAction::Assign(Box::new(AssignRequest {
                user_name,
                template,
                targets,
                create,
                instance_arn: None,
            }))
        }
        other => {
            return Err(at(
                "action",
                format!("{} is not onboard, offboard or assign", names::shown(other)),
            ));
        }
    };
    Ok(Row { line, action })
}

/// What the check of a whole file found out.
#[derive(Debug, Default)]
pub struct Checked {
    pub rows: u64,
    /// Templates whose policies and groups onboard rows need.
    pub onboard_templates: BTreeSet<String>,
    /// Templates whose permission sets assign rows need.
    pub assign_templates: BTreeSet<String>,
    /// Whether some row makes a console password (which goes only to the report).
    pub makes_passwords: bool,
}

/// Reads and checks the whole file without changing anything. Returns every bad row, or
/// what running it needs.
pub fn check_file(path: &Path, checking: &Checking) -> Result<Checked, Vec<InputError>> {
    let (mut reader, header) = open(path, checking.file).map_err(|err| vec![err])?;
    let mut checked = Checked::default();
    let mut problems = Vec::new();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(err) => {
                let line = err.position().map_or(0, csv::Position::line);
                problems.push(
                    InputError::new("row", err.to_string())
                        .in_file(checking.file)
                        .at_line(line),
                );
                continue;
            }
        };
        checked.rows += 1;
        let row = parse_row(&record, &header, checking).and_then(|row| {
            checking
                .protected
                .check_name(row.user_name())
                .map_err(|err| err.in_file(checking.file).at_line(row.line))?;
            Ok(row)
        });
        match row {
            Err(problem) => problems.push(problem),
            Ok(row) => {
                let key = row.user_name().to_ascii_lowercase();
                if let Some(first) = first_line_of.get(&key) {
                    problems.push(
                        InputError::new(
                            "username",
                            format!(
                                "{} is also on line {first}; one row a person",
                                row.user_name()
                            ),
                        )
                        .in_file(checking.file)
                        .at_line(row.line),
                    );
                    continue;
                }
                first_line_of.insert(key, row.line);
                match &row.action {
                    RowAction::Onboard(request) => {
                        checked
                            .onboard_templates
                            .insert(request.template.name.clone());
                        checked.makes_passwords |= request.console;
                    }
                    RowAction::Assign(request) => {
                        for template in request.templates() {
                            checked.assign_templates.insert(template.name.clone());
                        }
                    }
                    RowAction::Offboard { .. } => {}
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}

/// One line of the report.
#[derive(Debug, Clone, Serialize)]
pub struct RowReport {
    pub line: u64,
    pub action: &'static str,
    pub username: String,
    /// `created`, `converged`, `already-done`, `offboarded`, `assigned`, `failed`, `skipped`,
    /// or `planned` for `--dry-run`.
    pub status: &'static str,
    pub arn: String,
    /// The one-time console password of a user this row created; only ever in the report.
    #[serde(serialize_with = "crate::secret::serialize_exposed")]
    pub password: Option<Secret>,
    /// What failed, or for `--dry-run` the calls a real run would make.
    pub detail: String,
}

impl RowReport {
    fn new(row: &Row, status: &'static str, arn: String, detail: String) -> Self {
        RowReport {
            line: row.line,
            action: row.action_name(),
            username: row.user_name().to_string(),
            status,
            arn,
            password: None,
            detail,
        }
    }
}

/// Where report lines go.
pub enum ReportSink {
    /// CSV, formula-escaped, to a new 0600 file.
    Csv(Box<csv::Writer<std::fs::File>>),
    /// One JSON object a line, to a new 0600 file or standard output.
    JsonLines(Box<dyn std::io::Write>),
    /// A line a row for people, on standard output.
    Human,
}

/// A value a spreadsheet would run as a formula gets a leading apostrophe.
pub fn escape_formula(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    }
}

impl ReportSink {
    /// Opens the sink: `path` is created new with mode 0600.
    pub fn open(path: Option<&Path>, json: bool) -> Result<Self, Error> {
        let Some(path) = path else {
            return Ok(if json {
                ReportSink::JsonLines(Box::new(std::io::stdout()))
            } else {
                ReportSink::Human
            });
        };
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(path).map_err(|err| {
            Error::from(InputError::new(
                "--report",
                format!(
                    "cannot create {} (it must not exist yet): {err}",
                    path.display()
                ),
            ))
        })?;
        if json {
            return Ok(ReportSink::JsonLines(Box::new(std::io::BufWriter::new(
                file,
            ))));
        }
        let mut writer = csv::Writer::from_writer(file);
        writer
            .write_record([
                "line", "action", "username", "status", "arn", "password", "detail",
            ])
            .map_err(|err| Error::io("cannot write the report", err.into()))?;
        Ok(ReportSink::Csv(Box::new(writer)))
    }

    fn write(&mut self, report: &RowReport) -> Result<(), Error> {
        let failed = |err: std::io::Error| Error::io("cannot write the report", err);
        match self {
            ReportSink::Csv(writer) => {
                let line = report.line.to_string();
                let fields = [
                    line.as_str(),
                    report.action,
                    &report.username,
                    report.status,
                    &report.arn,
                    report.password.as_ref().map_or("", Secret::expose),
                    &report.detail,
                ];
                writer
                    .write_record(fields.iter().map(|field| escape_formula(field)))
                    .and_then(|()| writer.flush().map_err(Into::into))
                    .map_err(|err| failed(err.into()))
            }
            ReportSink::JsonLines(out) => {
                let text = serde_json::to_string(report).expect("reports serialise");
                writeln!(out, "{text}")
                    .and_then(|()| out.flush())
                    .map_err(failed)
            }
            ReportSink::Human => {
                let detail = if report.detail.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", report.detail)
                };
                crate::report::print(&format!(
                    "line {} {} {}: {} {}{detail}\n",
                    report.line, report.action, report.username, report.status, report.arn
                ));
                Ok(())
            }
        }
    }
}

/// Counts of row outcomes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Summary {
    pub by_status: BTreeMap<&'static str, u64>,
    pub undo_incomplete: bool,
    pub interrupted: bool,
    /// What the rows share and went wrong without failing them (a permission set left without
    /// its boundary), each once.
    pub warnings: BTreeSet<String>,
}

impl Summary {
    pub fn failed(&self) -> u64 {
        self.by_status.get("failed").copied().unwrap_or_default()
    }

    /// The run's outcome: 0 when every row is done, else the error with its exit code.
    pub fn outcome(&self) -> Result<(), Error> {
        let text = self.to_string();
        if self.interrupted {
            Err(Error::Interrupted { undone: vec![text] })
        } else if self.undo_incomplete {
            Err(Error::UndoIncomplete {
                cause: text,
                leftovers: vec!["see the rows marked failed in the report".to_string()],
            })
        } else if self.failed() > 0 || self.by_status.contains_key("skipped") {
            Err(Error::RolledBack {
                cause: text,
                undone: vec!["each failed row's own changes".to_string()],
            })
        } else {
            Ok(())
        }
    }
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let total: u64 = self.by_status.values().sum();
        let parts: Vec<String> = self
            .by_status
            .iter()
            .map(|(s, n)| format!("{n} {s}"))
            .collect();
        write!(f, "{total} rows: {}", parts.join(", "))?;
        for warning in &self.warnings {
            write!(f, "\n  warning: {warning}")?;
        }
        Ok(())
    }
}

/// The code source of batch rows: MFA is deferred, so no code is ever asked for.
struct NoCodes;

impl CodeSource for NoCodes {
    fn show(&mut self, _otpauth_uri: &Secret) -> Result<(), String> {
        Err("batch rows enrol no MFA device".to_string())
    }

    async fn next_pair(&mut self) -> CodeInput {
        CodeInput::NoMore
    }

    fn rejected(&mut self, _why: &CodeRejection, _tries_left: u32) {}
}

/// How a batch runs.
#[derive(Debug, Clone)]
pub struct Settings {
    pub concurrency: usize,
    pub continue_on_error: bool,
    pub dry_run: bool,
    pub patience: Patience,
    /// A line a row on stderr when it is not a terminal (off with `-q`).
    pub log_rows: bool,
    /// The progress bar may be drawn with Unicode blocks (else `#` and `-`).
    pub unicode: bool,
}

/// What every row shares, ensured once before the rows.
struct Prepared {
    /// The caller, and who no row may change.
    guard: Guard,
    password_rules: PasswordRules,
    /// Template name → the state of its policies and group for onboard rows.
    shared: BTreeMap<String, SharedState>,
    sso: Option<(SsoInstance, Vec<(String, PermissionSetOutcome)>)>,
    /// Discovery calls that failed earlier in the run, skipped for later offboard rows.
    gaps: offboard::KnownGaps,
}

async fn prepare<I: Iam, S: Sso>(
    iam: &I,
    sso: &S,
    checked: &Checked,
    checking: &Checking<'_>,
    settings: &Settings,
) -> Result<Prepared, Error> {
    let caller = iam.get_caller_identity().await.map_err(Error::from_aws)?;
    let password_rules = if checked.makes_passwords {
        iam.get_account_password_policy()
            .await
            .map_err(Error::from_aws)?
            .unwrap_or_default()
    } else {
        PasswordRules::default()
    };
    let mut shared = BTreeMap::new();
    for name in &checked.onboard_templates {
        let template = checking.templates.get(name)?;
        let found = plan::observe_shared(iam, &caller, template)
            .await
            .map_err(Error::from_aws)?;
        let state = if settings.dry_run {
            found
        } else {
            for step in plan::plan_shared(template, &found, &caller) {
                tracing::info!(%step, "ensuring");
                onboard::apply_shared(iam, &step)
                    .await
                    .map_err(Error::from_aws)?;
            }
            SharedState::ensured(template, &caller)
        };
        shared.insert(name.clone(), state);
    }
    let sso = if checked.assign_templates.is_empty() || settings.dry_run {
        None
    } else {
        let instance = assign::choose_instance(sso, None).await?;
        let mut sets = Vec::new();
        for name in &checked.assign_templates {
            let design = assign::design_permission_set(checking.templates.get(name)?)?;
            let outcome =
                assign::ensure_permission_set(sso, &instance, &design, settings.patience).await?;
            sets.push((name.clone(), outcome));
        }
        Some((instance, sets))
    };
    Ok(Prepared {
        guard: checking.protected.clone().guard(caller),
        password_rules,
        shared,
        sso,
        gaps: offboard::KnownGaps::default(),
    })
}

/// Runs one row; never fails as a whole: a failure is the row's status.
async fn run_row<I: Iam + Send + 'static, S: Sso + Send + 'static>(
    iam: Arc<I>,
    sso: Arc<S>,
    row: Row,
    prepared: Rc<Prepared>,
    settings: Rc<Settings>,
    cancelled: tokio::sync::watch::Receiver<bool>,
) -> (RowReport, bool) {
    let mut cancelled = cancelled;
    let interrupted = async move {
        let _ = cancelled.wait_for(|stop| *stop).await;
    };
    let failed = |row: &Row, err: Error| {
        let incomplete = matches!(err, Error::UndoIncomplete { .. });
        (
            RowReport::new(row, "failed", String::new(), err.to_string()),
            incomplete,
        )
    };
    match &row.action {
        RowAction::Onboard(request) => {
            let shared = prepared.shared[&request.template.name].clone();
            let observed = match plan::observe_person(
                iam.as_ref(),
                request,
                prepared.guard.caller().clone(),
                shared,
                prepared.password_rules.clone(),
            )
            .await
            {
                Ok(observed) => observed,
                Err(err) => return failed(&row, Error::from_aws(err)),
            };
            if let Err(err) = prepared.guard.check(Person::IamUser {
                name: &request.user_name,
                found: observed.user.as_ref().map(|user| &user.info),
            }) {
                return failed(&row, err.into());
            }
            let plan = match plan::plan_new_user(request, &observed) {
                Ok(plan) => plan,
                Err(err) => return failed(&row, err.into()),
            };
            if settings.dry_run {
                let calls: Vec<String> = plan.steps.iter().map(ToString::to_string).collect();
                return (
                    RowReport::new(&row, "planned", plan.user_arn.clone(), calls.join("; ")),
                    false,
                );
            }
            if plan.is_empty() {
                return (
                    RowReport::new(&row, "already-done", plan.user_arn.clone(), String::new()),
                    false,
                );
            }
            let effects = Effects {
                codes: &mut NoCodes,
                clock: &SystemClock,
                rng: &mut rand::rng(),
            };
            match onboard::apply_or_roll_back(
                iam.as_ref(),
                request,
                &observed,
                &plan,
                effects,
                interrupted,
            )
            .await
            {
                Ok(onboarded) => {
                    let status = if observed.user.is_some() {
                        "converged"
                    } else {
                        "created"
                    };
                    let mut report =
                        RowReport::new(&row, status, plan.user_arn.clone(), String::new());
                    report.password = onboarded.password_to_show;
                    (report, false)
                }
                Err(err) => failed(&row, err),
            }
        }
        RowAction::Offboard { user_name } => {
            let inventory =
                match offboard::discover(iam.as_ref(), user_name, Some(&prepared.gaps)).await {
                    Ok(Some(inventory)) => inventory,
                    Ok(None) => {
                        return (
                            RowReport::new(
                                &row,
                                "already-done",
                                String::new(),
                                "no such user".to_string(),
                            ),
                            false,
                        );
                    }
                    Err(err) => return failed(&row, Error::from_aws(err)),
                };
            if let Err(err) = prepared.guard.check(Person::IamUser {
                name: user_name,
                found: Some(&inventory.user),
            }) {
                return failed(&row, err.into());
            }
            let plan = offboard::plan_offboard(&inventory, OffboardMode::Delete, "", None);
            if settings.dry_run {
                let calls: Vec<String> = plan.removals().map(ToString::to_string).collect();
                return (
                    RowReport::new(&row, "planned", plan.user_arn.clone(), calls.join("; ")),
                    false,
                );
            }
            match offboard::execute(iam, &plan).await {
                Ok(_) => (
                    RowReport::new(
                        &row,
                        "offboarded",
                        plan.user_arn.clone(),
                        plan.warnings.join("; "),
                    ),
                    false,
                ),
                Err(err) => failed(&row, err),
            }
        }
        RowAction::Assign(request) => {
            if let Err(err) = prepared.guard.check(Person::Identity {
                name: &request.user_name,
            }) {
                return failed(&row, err.into());
            }
            if settings.dry_run {
                return match assign::preview(sso.as_ref(), request).await {
                    Ok(planned) => (
                        RowReport::new(&row, "planned", String::new(), planned.join("; ")),
                        false,
                    ),
                    Err(err) => failed(&row, err),
                };
            }
            let (instance, sets) = prepared.sso.as_ref().expect("prepared for assign rows");
            let found = match sso
                .find_user_id(&instance.identity_store_id, &request.user_name)
                .await
            {
                Ok(found) => found,
                Err(err) => return failed(&row, Error::from_aws(err)),
            };
            let sets: Vec<(String, PermissionSetOutcome)> = sets
                .iter()
                .filter(|(name, _)| request.templates().iter().any(|t| t.name == *name))
                .cloned()
                .collect();
            match assign::assign_person(
                sso,
                instance,
                request,
                found,
                sets,
                settings.patience,
                interrupted,
            )
            .await
            {
                Ok(assigned) => {
                    let new = assigned.user_created
                        || assigned
                            .accounts
                            .iter()
                            .any(|(_, _, o)| *o == assign::AccountOutcome::Created);
                    let status = if new { "assigned" } else { "already-done" };
                    let warnings: Vec<String> = assigned
                        .permission_sets
                        .iter()
                        .flat_map(|(_, outcome)| outcome.warnings.iter().cloned())
                        .collect();
                    (
                        RowReport::new(&row, status, assigned.user_id.clone(), warnings.join("; ")),
                        false,
                    )
                }
                Err(err) => failed(&row, err),
            }
        }
    }
}

/// A row's end, on its way to the report.
struct Finished {
    report: RowReport,
    undo_incomplete: bool,
    /// Told once the report line is written: a password in it has then been delivered.
    written: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Finished {
    fn skipped(row: &Row) -> Self {
        Finished {
            report: RowReport::new(row, "skipped", String::new(), String::new()),
            undo_incomplete: false,
            written: None,
        }
    }
}

/// Shows progress: a bar on a terminal, a line a row otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    log_rows: bool,
}

impl Progress {
    /// A bar when stderr is a terminal and rows are to be shown (not `-q`).
    fn new(rows: u64, terminal: bool, settings: &Settings) -> Self {
        let bar = (terminal && settings.log_rows).then(|| {
            let bar = indicatif::ProgressBar::new(rows);
            let style = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} rows  {msg}  {per_sec}  ETA {eta}",
            )
            .expect("a valid template");
            bar.set_style(if settings.unicode {
                style
            } else {
                style.progress_chars("#>-")
            });
            bar
        });
        Progress {
            bar,
            log_rows: settings.log_rows,
        }
    }

    fn row(&self, report: &RowReport, summary: &Summary) {
        match &self.bar {
            Some(bar) => {
                bar.set_message(format!("{} failed", summary.failed()));
                bar.inc(1);
            }
            None if self.log_rows => crate::report::print_err(&format!(
                "iam-onboard: line {} {} {}: {}\n",
                report.line, report.action, report.username, report.status
            )),
            None => {}
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

/// Runs a checked file: shared resources once, then the rows, at most `concurrency` at once,
/// each reported to `sink` as it ends. Without `continue_on_error`, no new row starts after a
/// failure (the rest are reported skipped). Setting `cancel` rolls back the rows in flight.
#[allow(clippy::too_many_arguments)]
pub async fn run<I: Iam + Send + 'static, S: Sso + Send + 'static>(
    iam: Arc<I>,
    sso: Arc<S>,
    path: &Path,
    checking: &Checking<'_>,
    checked: &Checked,
    settings: Settings,
    mut sink: ReportSink,
    cancel: tokio::sync::watch::Receiver<bool>,
) -> Result<Summary, Error> {
    let prepared =
        Rc::new(prepare(iam.as_ref(), sso.as_ref(), checked, checking, &settings).await?);
    let settings = Rc::new(settings);
    let terminal = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let progress = Progress::new(checked.rows, terminal, &settings);
    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<Finished>();
    let stop = Rc::new(Cell::new(false));
    let local = tokio::task::LocalSet::new();
    let summary = local
        .run_until(async {
            let (mut reader, header) = open(path, checking.file)?;
            let permits = Arc::new(tokio::sync::Semaphore::new(settings.concurrency.max(1)));
            let mut summary = Summary::default();
            let mut record_row = |Finished { report, undo_incomplete: incomplete, written }: Finished, summary: &mut Summary| -> Result<(), Error> {
                *summary.by_status.entry(report.status).or_default() += 1;
                summary.undo_incomplete |= incomplete;
                if report.status == "failed" && !settings.continue_on_error {
                    stop.set(true);
                }
                progress.row(&report, summary);
                sink.write(&report)?;
                if let Some(written) = written {
                    let _ = written.send(());
                }
                Ok(())
            };
            for record in reader.records() {
                let record = record.map_err(|err| Error::io("cannot read the file", err.into()))?;
                let row = parse_row(&record, &header, checking)?;
                while let Ok(done) = done_rx.try_recv() {
                    record_row(done, &mut summary)?;
                }
                if stop.get() || *cancel.borrow() {
                    record_row(Finished::skipped(&row), &mut summary)?;
                    continue;
                }
                let permit = loop {
                    tokio::select! {
                        permit = permits.clone().acquire_owned() => break permit.expect("the semaphore stays open"),
                        Some(done) = done_rx.recv() => record_row(done, &mut summary)?,
                    }
                };
                while let Ok(done) = done_rx.try_recv() {
                    record_row(done, &mut summary)?;
                }
                if stop.get() {
                    record_row(Finished::skipped(&row), &mut summary)?;
                    continue;
                }
                let (iam, sso, prepared, settings, cancel, done_tx) = (
                    iam.clone(),
                    sso.clone(),
                    prepared.clone(),
                    settings.clone(),
                    cancel.clone(),
                    done_tx.clone(),
                );
                tokio::task::spawn_local(async move {
                    let (report, undo_incomplete) =
                        run_row(iam.clone(), sso, row, prepared, settings, cancel).await;
                    let delivers = report.password.is_some().then(|| report.username.clone());
                    let (written, in_the_report) = tokio::sync::oneshot::channel();
                    // The outcome goes out before the permit is released, so the next row
                    // starts only after this one's failure can stop it.
                    let _ = done_tx.send(Finished { report, undo_incomplete, written: Some(written) });
                    if let Some(user) = delivers
                        && in_the_report.await.is_ok()
                        && let Err(err) = onboard::record_password_delivered(iam.as_ref(), &user).await
                    {
                        tracing::warn!(%err, user, "could not record that the password was delivered; a re-run will make a new one");
                    }
                    drop(permit);
                });
            }
            drop(done_tx);
            while let Some(done) = done_rx.recv().await {
                record_row(done, &mut summary)?;
            }
            summary.interrupted = *cancel.borrow();
            summary.warnings = prepared
                .sso
                .iter()
                .flat_map(|(_, sets)| sets.iter().flat_map(|(_, outcome)| outcome.warnings.iter().cloned()))
                .collect();
            Ok::<Summary, Error>(summary)
        })
        .await?;
    progress.finish();
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::memory::MemoryIam;
    use crate::aws::memory_sso::{Behaviour, MemorySso};
    use crate::error::exit;

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

    fn check(bytes: &[u8]) -> Result<Checked, Vec<InputError>> {
        let set = TemplateSet::embedded().unwrap();
        let config = Config::default();
        let checking = Checking {
            file: "people.csv",
            templates: &set,
            config: &config,
            protected: &Protected::default(),
        };
        check_file(&file(bytes).path, &checking)
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
            action: "onboard",
            username: "ann".to_string(),
            status: "created",
            arn: String::new(),
            password: None,
            detail: String::new(),
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

    #[test]
    fn formulas_are_escaped_for_spreadsheets() {
        assert_eq!(escape_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        for risky in ["+1", "-1", "@SUM(A1)", "\tx"] {
            assert!(escape_formula(risky).starts_with('\''), "{risky}");
        }
        assert_eq!(escape_formula("alice"), "alice");
    }

    fn settings(continue_on_error: bool) -> Settings {
        Settings {
            concurrency: 4,
            continue_on_error,
            dry_run: false,
            patience: Patience::default(),
            log_rows: false,
            unicode: false,
        }
    }

    async fn run_file(
        iam: &Arc<MemoryIam>,
        bytes: &[u8],
        settings: Settings,
    ) -> Result<(Summary, String), Error> {
        let sso = Arc::new(MemorySso::new(Behaviour::default()));
        run_file_with(iam, sso, bytes, settings).await
    }

    async fn run_file_with(
        iam: &Arc<MemoryIam>,
        sso: Arc<MemorySso>,
        bytes: &[u8],
        settings: Settings,
    ) -> Result<(Summary, String), Error> {
        let set = TemplateSet::embedded().unwrap();
        let config = Config::default();
        let checking = Checking {
            file: "people.csv",
            templates: &set,
            config: &config,
            protected: &Protected::default(),
        };
        let input = file(bytes);
        let checked = check_file(&input.path, &checking).unwrap();
        let report_dir = tempfile::tempdir().unwrap();
        let report_path = report_dir.path().join("report.csv");
        let sink = ReportSink::open(Some(&report_path), false)?;
        let (_cancel, cancelled) = tokio::sync::watch::channel(false);
        let summary = run(
            iam.clone(),
            sso,
            &input.path,
            &checking,
            &checked,
            settings,
            sink,
            cancelled,
        )
        .await?;
        Ok((summary, std::fs::read_to_string(report_path).unwrap()))
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

    #[tokio::test]
    async fn shared_resources_are_ensured_once_and_every_row_is_done() {
        let iam = Arc::new(MemoryIam::new(0));
        let (summary, report) = run_file(&iam, &people(12), settings(false)).await.unwrap();
        assert_eq!(summary.by_status.get("created"), Some(&12));
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
        assert_eq!(again.by_status.get("already-done"), Some(&12));
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
        one_at_a_time.concurrency = 1;
        let (stopped, _) = run_file(&iam, rows, one_at_a_time).await.unwrap();
        assert_eq!(stopped.failed(), 1);
        assert_eq!(stopped.by_status.get("skipped"), Some(&6));
        assert_eq!(stopped.outcome().unwrap_err().exit_code(), exit::FAILED);

        let (kept_going, _) = run_file(&iam, rows, settings(true)).await.unwrap();
        assert_eq!(kept_going.failed(), 1);
        assert_eq!(kept_going.by_status.get("created"), Some(&6));
    }
}
