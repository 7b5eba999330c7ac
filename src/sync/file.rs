//! The HR export `sync` reads: a header row, then a row a person, checked whole before anything
//! is read from AWS. Each row is an IAM user (`kind` iam) or an Identity Center person (`kind`
//! sso; `--sso` makes it the default), built into the request `new-user` or `assign` builds
//! (the same constructor), so a value that command refuses is refused here, named by file, line
//! and column. An export with no rows, or whose header lacks `username`, is refused: an empty
//! file must never read as "everyone has left".

use crate::batch::cells::for_each_record;
use crate::config::Config;
use crate::error::InputError;
use crate::iam::request::{MfaMode, NewUserInput, NewUserRequest, PersonDetails};
use crate::names;
use crate::protect::Protected;
use crate::sso::request::{AssignInput, AssignRequest, PersonInput};
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

/// The columns only Identity Center people (`kind` sso) use.
const SSO_COLUMNS: [&str; 3] = ["accounts", "given_name", "family_name"];
/// The columns only IAM users use.
const IAM_COLUMNS: [&str; 2] = ["console", "tags"];

/// Where a person lives: an IAM user, or an Identity Center person.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Kind {
    #[default]
    Iam,
    Sso,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::Iam => "iam",
            Kind::Sso => "sso",
        }
    }
}

/// A person as the export wants them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Wanted {
    pub(crate) line: u64,
    pub(crate) kind: Kind,
    pub(crate) user_name: String,
    pub(crate) template: String,
    #[serde(flatten)]
    pub(crate) details: PersonDetails,
    /// Identity Center: the accounts (none: the template's account sets).
    pub(crate) accounts: Vec<String>,
    /// Identity Center: with `email`, who to create when the person is not in the store.
    pub(crate) given_name: Option<String>,
    pub(crate) family_name: Option<String>,
    /// Identity Center: the templates whose access the person holds once assigned (the
    /// template, and those its account sets give), sorted and joined with `+`, as the
    /// account is read.
    #[serde(default)]
    pub(crate) holds: String,
}

impl Wanted {
    /// The `new-user` request that onboards this person (MFA deferred, as for batch rows).
    pub(crate) fn request(&self, templates: &TemplateSet) -> Result<NewUserRequest, InputError> {
        NewUserRequest::new(
            NewUserInput {
                user_name: self.user_name.clone(),
                template: self.template.clone(),
                details: self.details.clone(),
                mfa: MfaMode::Deferred,
                password_file: None,
                profile_file: None,
            },
            templates,
        )
    }

    /// The `assign` request that gives this Identity Center person their access (and creates
    /// them when the row names them whole: email, given and family name).
    pub(crate) fn assign_request(
        &self,
        templates: &TemplateSet,
        config: &Config,
    ) -> Result<AssignRequest, InputError> {
        let create = PersonInput::named_whole(
            self.details.email.clone(),
            self.given_name.clone(),
            self.family_name.clone(),
            self.details.display_name.clone(),
        )?;
        AssignRequest::new(
            AssignInput {
                user_name: self.user_name.clone(),
                template: self.template.clone(),
                accounts: self.accounts.clone(),
                create,
                instance_arn: None,
                until: self.details.until.clone(),
            },
            templates,
            config,
        )
    }

    /// Checks the row with its command's constructor, and notes what the person holds.
    fn check(&mut self, templates: &TemplateSet, config: &Config) -> Result<(), InputError> {
        self.holds = match self.kind {
            Kind::Iam => self.request(templates).map(|_| self.template.clone())?,
            Kind::Sso => {
                let request = self.assign_request(templates, config)?;
                let mut names: Vec<&str> = request
                    .templates()
                    .iter()
                    .map(|t| t.name.as_str())
                    .collect();
                names.sort_unstable();
                names.dedup();
                names.join("+")
            }
        };
        Ok(())
    }
}

/// What reading an export needs beside the file.
pub(crate) struct ExportRules<'a> {
    pub(crate) templates: &'a TemplateSet,
    pub(crate) config: &'a Config,
    pub(crate) protected: &'a Protected,
    /// The kind of a row without one (`--sso`: sso).
    pub(crate) default_kind: Kind,
}

/// Reads and checks the whole export: every bad row, or every person in it.
pub(crate) fn read_export(
    path: &Path,
    file: &str,
    rules: &ExportRules,
) -> Result<Vec<Wanted>, Vec<InputError>> {
    let mut wanted = Vec::new();
    let mut problems = Vec::new();
    let mut first_line_of: HashMap<(Kind, String), u64> = HashMap::new();
    for_each_record(path, file, COLUMNS, &mut problems, |cells| {
        let user_name = cells.required("username")?;
        let template = cells.required("template")?;
        let kind = match cells.get("kind").to_ascii_lowercase().as_str() {
            "" => rules.default_kind,
            "iam" => Kind::Iam,
            "sso" => Kind::Sso,
            other => {
                return Err(
                    cells.error("kind", format!("{} is not iam or sso", names::shown(other)))
                );
            }
        };
        let (unused, used_by) = match kind {
            Kind::Iam => (&SSO_COLUMNS[..], "Identity Center people (kind sso)"),
            Kind::Sso => (&IAM_COLUMNS[..], "IAM users (kind iam)"),
        };
        if let Some(column) = unused.iter().find(|column| !cells.get(column).is_empty()) {
            return Err(cells.error(
                column,
                format!("is for {used_by}; a {} row leaves it empty", kind.name()),
            ));
        }
        let mut person = Wanted {
            line: cells.line,
            kind,
            user_name,
            template,
            details: cells.person_details()?,
            accounts: cells.list("accounts"),
            given_name: cells.optional("given_name"),
            family_name: cells.optional("family_name"),
            holds: String::new(),
        };
        person
            .check(rules.templates, rules.config)
            .map_err(|err| cells.relocated(err))?;
        rules
            .protected
            .check_name(&person.user_name)
            .map_err(|err| cells.error("username", err.reason))?;
        let key = (person.kind, person.user_name.to_ascii_lowercase());
        if let Some(first) = first_line_of.insert(key, cells.line) {
            return Err(cells.error(
                "username",
                format!(
                    "{} is also on line {first}; one row a person",
                    person.user_name
                ),
            ));
        }
        wanted.push(person);
        Ok(())
    });
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
