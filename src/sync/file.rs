//! The HR export `sync` reads: a header row, then a row a person, checked whole before anything
//! is read from AWS. Each row is built into the request `new-user` builds (the same
//! constructor), so a value that command refuses is refused here, named by file, line and
//! column. An export with no rows, or whose header lacks `username`, is refused: an empty file
//! must never read as "everyone has left".

use crate::batch::check::{column_of, open_with, readable, split_list};
use crate::error::InputError;
use crate::iam::request::{MfaMode, NewUserInput, NewUserRequest};
use crate::names;
use crate::protect::Protected;
use crate::template::TemplateSet;
use std::collections::HashMap;
use std::path::Path;

/// The columns an export may have, in any order; `username` and `template` are required.
pub(crate) const COLUMNS: &[&str] = &[
    "username",
    "template",
    "display_name",
    "email",
    "ticket",
    "tags",
    "console",
    "kind",
    "until",
    "accounts",
    "given_name",
    "family_name",
];

/// The columns of Identity Center people (`kind` sso), which sync does not keep yet.
const SSO_COLUMNS: [&str; 3] = ["accounts", "given_name", "family_name"];

/// A person as the export wants them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Wanted {
    pub(crate) line: u64,
    pub(crate) user_name: String,
    pub(crate) template: String,
    pub(crate) display_name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) ticket: Option<String>,
    pub(crate) tags: Vec<String>,
    pub(crate) console: bool,
    pub(crate) until: Option<String>,
}

impl Wanted {
    /// The `new-user` request that onboards this person (MFA deferred, as for batch rows).
    pub(crate) fn request(&self, templates: &TemplateSet) -> Result<NewUserRequest, InputError> {
        NewUserRequest::new(
            NewUserInput {
                user_name: self.user_name.clone(),
                template: self.template.clone(),
                display_name: self.display_name.clone(),
                email: self.email.clone(),
                ticket: self.ticket.clone(),
                tags: self.tags.clone(),
                console: self.console,
                mfa: MfaMode::Deferred,
                password_file: None,
                profile_file: None,
                until: self.until.clone(),
            },
            templates,
        )
    }
}

/// Reads and checks the whole export: every bad row, or every person in it.
pub(crate) fn read_export(
    path: &Path,
    file: &str,
    templates: &TemplateSet,
    protected: &Protected,
) -> Result<Vec<Wanted>, Vec<InputError>> {
    let (mut reader, header) = open_with(path, file, COLUMNS).map_err(|err| vec![err])?;
    let mut wanted = Vec::new();
    let mut problems = Vec::new();
    let mut first_line_of: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match readable(record, file) {
            Ok(record) => record,
            Err(problem) => {
                problems.push(problem);
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        let at = |column: &str, reason: String| {
            InputError::new(column, reason).in_file(file).at_line(line)
        };
        let get = |column: &str| header.get(&record, column).to_string();
        let optional = |column: &str| Some(get(column)).filter(|value| !value.is_empty());
        let person = (|| {
            let user_name = get("username");
            if user_name.is_empty() {
                return Err(at("username", "is missing".to_string()));
            }
            let template = get("template");
            if template.is_empty() {
                return Err(at("template", "is missing".to_string()));
            }
            match get("kind").to_ascii_lowercase().as_str() {
                "" | "iam" => {}
                "sso" => {
                    return Err(at(
                        "kind",
                        "sso: sync keeps IAM users only for now; give Identity Center people with batch (assign, offboard-sso)".to_string(),
                    ));
                }
                other => {
                    return Err(at("kind", format!("{} is not iam", names::shown(other))));
                }
            }
            if let Some(column) = SSO_COLUMNS.iter().find(|column| !get(column).is_empty()) {
                return Err(at(
                    column,
                    "is for Identity Center people (kind sso), which sync does not keep yet; an IAM row leaves it empty".to_string(),
                ));
            }
            let console = match get("console").to_ascii_lowercase().as_str() {
                "" | "no" => false,
                "yes" => true,
                other => {
                    return Err(at(
                        "console",
                        format!("{} is not yes or no", names::shown(other)),
                    ));
                }
            };
            let person = Wanted {
                line,
                user_name,
                template,
                display_name: optional("display_name"),
                email: optional("email"),
                ticket: optional("ticket"),
                tags: split_list(&get("tags")),
                console,
                until: optional("until"),
            };
            person
                .request(templates)
                .map_err(|err| at(&column_of(&err.field), err.reason))?;
            protected
                .check_name(&person.user_name)
                .map_err(|err| at("username", err.reason))?;
            Ok(person)
        })();
        match person {
            Err(problem) => problems.push(problem),
            Ok(person) => {
                let key = person.user_name.to_ascii_lowercase();
                if let Some(first) = first_line_of.insert(key, line) {
                    problems.push(at(
                        "username",
                        format!(
                            "{} is also on line {first}; one row a person",
                            person.user_name
                        ),
                    ));
                } else {
                    wanted.push(person);
                }
            }
        }
    }
    if problems.is_empty() && wanted.is_empty() {
        problems.push(
            InputError::new(
                "file",
                "holds no person: an empty export would make everyone a leaver, so it is refused",
            )
            .in_file(file),
        );
    }
    if problems.is_empty() {
        Ok(wanted)
    } else {
        Err(problems)
    }
}
