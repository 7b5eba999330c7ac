//! The reports of `show` (one person in full) and `list` (a line a person: a table, JSON or
//! CSV).

use super::{Acting, Report};
use crate::iam::people::{PersonLine, UserView};
use crate::sso::people::{AccessView, PersonView};
use serde::Serialize;

/// The outcome of `show`: an IAM user, or with `--sso` an Identity Center person.
#[derive(Debug, Serialize)]
pub(crate) struct ShowReport {
    pub(crate) acting: Acting,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) user: Option<UserView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) person: Option<PersonView>,
    /// With `--accounts`: the person's user in each account that has one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) accounts: Vec<AccountUser>,
    /// With `--accounts`: the accounts not covered, each with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) not_covered: Vec<(String, String)>,
}

/// A person's user in one account.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct AccountUser {
    pub(crate) account: String,
    pub(crate) user: UserView,
}

impl Report for ShowReport {
    fn human(&self) -> String {
        let mut out = format!("{}\n", self.acting.heading());
        if let Some(user) = &self.user {
            out.push_str(&human_user(user));
        }
        if let Some(person) = &self.person {
            out.push_str(&human_person(person));
        }
        for held in &self.accounts {
            out.push_str(&format!("\nIn account {}:", held.account));
            out.push_str(&human_user(&held.user));
        }
        out
    }
}

fn row(out: &mut String, label: &str, value: &str) {
    out.push_str(&format!("  {label:<18} {value}\n"));
}

fn or_none(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or("-")
}

fn human_user(user: &UserView) -> String {
    let mut out = format!("\n{} ({})\n", user.user_name, user.arn);
    let origin = match (&user.template, user.managed) {
        (Some(template), true) => format!("by iam-onboard, template {template}"),
        (_, true) => "by iam-onboard".to_string(),
        (_, false) => "not by iam-onboard".to_string(),
    };
    let by = user
        .created_by
        .as_ref()
        .map(|who| format!(", run by {who}"))
        .unwrap_or_default();
    row(
        &mut out,
        "created",
        &format!("{} {origin}{by}", or_none(&user.created)),
    );
    row(&mut out, "display name", or_none(&user.display_name));
    row(&mut out, "email", or_none(&user.email));
    row(&mut out, "ticket", or_none(&user.ticket));
    row(&mut out, "until", or_none(&user.until));
    row(&mut out, "last reviewed", or_none(&user.reviewed));
    let groups = if user.groups.is_empty() {
        "none".to_string()
    } else {
        user.groups.join(", ")
    };
    let fit = match (&user.groups_match_template, &user.template_group) {
        (Some(true), _) => " (as the template gives)".to_string(),
        (Some(false), Some(group)) => format!(" (differs: the template gives {group} only)"),
        _ => String::new(),
    };
    row(&mut out, "groups", &format!("{groups}{fit}"));
    for role in &user.roles {
        row(
            &mut out,
            "can assume",
            &format!(
                "{} (with MFA, as themselves; sessions up to {} h)",
                role.arn,
                role.max_session_secs / 3600
            ),
        );
    }
    if user.direct_policies.is_empty() {
        row(&mut out, "direct policies", "none");
    }
    for policy in &user.direct_policies {
        row(
            &mut out,
            "direct policy",
            &format!("{policy}  ! attached to the user, not through a group"),
        );
    }
    let boundary = match (&user.permissions_boundary, user.managed) {
        (Some(arn), _) => arn.clone(),
        (None, true) => "none: new-user sets one, so it was removed since (or an emulator dropped it); audit reports it".to_string(),
        (None, false) => "none".to_string(),
    };
    row(&mut out, "boundary", &boundary);
    let console = match &user.console {
        Some(console) => format!(
            "password created {}, last used {}",
            or_none(&console.created),
            console.last_used.as_deref().unwrap_or("never")
        ),
        None => "no console access".to_string(),
    };
    row(&mut out, "console", &console);
    if user.mfa_devices.is_empty() {
        let none = match (&user.mfa_pending, user.managed) {
            (Some(serial), _) => {
                format!("none enabled; {serial} pending (reset-mfa --enable-pending)")
            }
            (None, true) if user.console.is_some() => {
                "none (deferred: the person sets one up at first sign-in)".to_string()
            }
            (None, true) => {
                "none (no console access; reset-mfa sets one up when needed)".to_string()
            }
            (None, false) => "none".to_string(),
        };
        row(&mut out, "MFA", &none);
    }
    for device in &user.mfa_devices {
        row(
            &mut out,
            "MFA",
            &format!("{} (enabled {})", device.serial, or_none(&device.enabled)),
        );
    }
    if user.access_keys.is_empty() {
        row(&mut out, "access keys", "none");
    }
    for key in &user.access_keys {
        let age = key
            .age_days
            .map(|days| format!(", {days} days old"))
            .unwrap_or_default();
        row(
            &mut out,
            "access key",
            &format!(
                "{} {}{age}, last used {}",
                key.id,
                key.status,
                key.last_used.as_deref().unwrap_or("never")
            ),
        );
    }
    if let Some(old_key) = crate::aws::tag_value(&user.tags, crate::iam::key_rotation::ROTATING_TAG)
    {
        let next =
            match crate::aws::tag_value(&user.tags, crate::iam::key_rotation::DEACTIVATED_TAG) {
                Some(at) => format!(
                    "deactivated {at}; rotate-key {} deletes it once the grace has passed",
                    user.user_name
                ),
                None => format!(
                    "rotate-key {} deactivates it once the new key is used",
                    user.user_name
                ),
            };
        row(
            &mut out,
            "key rotation",
            &format!("{old_key} is being replaced: {next}"),
        );
    }
    if user.access_cut {
        let tag = |key| crate::aws::tag_value(&user.tags, key);
        let when = tag(crate::iam::offboard::OFFBOARDED_TAG)
            .map(|at| format!(" at {at}"))
            .unwrap_or_default();
        let why = tag(crate::iam::offboard::OFFBOARD_REASON_TAG)
            .map(|reason| format!(" ({reason})"))
            .unwrap_or_default();
        row(
            &mut out,
            "access",
            &format!(
                "cut{when}{why}: offboarding's deny-all denies everything (offboard --disable-only, a sync leaver or expire); offboard removes the user"
            ),
        );
    }
    out
}

fn access_lines(access: &[AccessView]) -> Vec<String> {
    access
        .iter()
        .map(|a| format!("{} in account {}", a.permission_set, a.account))
        .collect()
}

fn human_person(person: &PersonView) -> String {
    let mut out = format!(
        "\n{} (identity-store user {} in {})\n",
        person.user_name, person.user_id, person.identity_store_id
    );
    row(&mut out, "display name", or_none(&person.display_name));
    row(&mut out, "email", or_none(&person.email));
    if person.groups.is_empty() {
        row(&mut out, "groups", "none");
    }
    for group in &person.groups {
        let gives = access_lines(&group.gives);
        let gives = if gives.is_empty() {
            "no access".to_string()
        } else {
            gives.join(", ")
        };
        row(
            &mut out,
            "group",
            &format!("{} (gives {gives})", group.name),
        );
    }
    if let Some(until) = &person.until {
        row(&mut out, "until", until);
    }
    if person.assignments.is_empty() {
        row(&mut out, "assignments", "none");
    }
    for line in access_lines(&person.assignments) {
        row(&mut out, "assignment", &line);
    }
    out
}

/// The outcome of `list`.
#[derive(Debug, Serialize)]
pub(crate) struct ListReport {
    pub(crate) acting: Acting,
    pub(crate) people: Vec<PersonLine>,
    /// With `--accounts`: the accounts not covered, each with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) not_covered: Vec<(String, String)>,
}

/// The columns of `list --output csv`, in order (`account` first across accounts).
const CSV_COLUMNS: [&str; 10] = [
    "account",
    "user_name",
    "template",
    "managed",
    "console",
    "mfa",
    "created",
    "until",
    "last_activity",
    "access_cut",
];

/// The table's headers, in the same order.
const HEADERS: [&str; 10] = [
    "ACCOUNT",
    "USER",
    "TEMPLATE",
    "MANAGED",
    "CONSOLE",
    "MFA",
    "CREATED",
    "UNTIL",
    "LAST ACTIVITY",
    "ACCESS CUT",
];

impl Report for ListReport {
    /// The table; `--output csv` has a writer of its own.
    fn human(&self) -> String {
        self.table()
    }
}

impl ListReport {
    /// Whether the lines name their account: a list across accounts.
    fn across(&self) -> bool {
        self.people.iter().any(|p| p.account.is_some()) || !self.not_covered.is_empty()
    }

    /// The columns shown: every one across accounts, all but the account otherwise.
    fn shown<T: Clone>(&self, cells: [T; 10]) -> Vec<T> {
        let skip = usize::from(!self.across());
        cells[skip..].to_vec()
    }

    fn fields(person: &PersonLine) -> [String; 10] {
        let yes_no = |value: bool| if value { "yes" } else { "no" }.to_string();
        [
            person.account.clone().unwrap_or_default(),
            person.user_name.clone(),
            person.template.clone().unwrap_or_default(),
            yes_no(person.managed),
            yes_no(person.console),
            person.mfa.to_string(),
            person.created.clone().unwrap_or_default(),
            person.until.clone().unwrap_or_default(),
            person.last_activity.clone().unwrap_or_default(),
            yes_no(person.access_cut),
        ]
    }

    fn table(&self) -> String {
        let rows: Vec<Vec<String>> = self
            .people
            .iter()
            .map(|p| self.shown(Self::fields(p)))
            .collect();
        let headers = self.shown(HEADERS);
        let widths: Vec<usize> = (0..headers.len())
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].chars().count())
                    .chain([headers[i].len()])
                    .max()
                    .unwrap_or_default()
            })
            .collect();
        let line = |cells: &[String]| {
            let padded: Vec<String> = cells
                .iter()
                .zip(&widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            format!("{}\n", padded.join("  ").trim_end())
        };
        let mut out = line(&headers.iter().map(|h| h.to_string()).collect::<Vec<_>>());
        for row in &rows {
            out.push_str(&line(row));
        }
        let people = if self.people.len() == 1 {
            "person"
        } else {
            "people"
        };
        out.push_str(&format!("{} {people}\n", self.people.len()));
        out
    }

    /// CSV with a header row; a cell that a spreadsheet would run as a formula is escaped.
    pub(crate) fn csv(&self) -> Result<String, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(self.shown(CSV_COLUMNS))?;
        for person in &self.people {
            writer.write_record(
                self.shown(Self::fields(person))
                    .iter()
                    .map(|cell| crate::report::csv::escape_formula(cell)),
            )?;
        }
        let bytes = writer.into_inner().map_err(|err| err.into_error())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}
