//! What `sync` and `expire` change, decided from the export and the account alone (pure): who
//! joins, moves, gets a new end date, is disabled, is offboarded, and who is unchanged; and the
//! blast-radius guard, which refuses a plan with more leavers than allowed before any change.

use crate::batch::check::{Row, RowAction};
use crate::config::Config;
use crate::error::InputError;
use crate::iam::end_date::{has_passed, today};
use crate::iam::job_change::MoveRequest;
use crate::iam::offboard::{OffboardMode, OffboardRequest};
use crate::iam::user_tag::UserTagRequest;
use crate::protect::Protected;
use crate::sso::end_date::SsoEndDateRequest;
use crate::sso::job_change::SsoMoveRequest;
use crate::sso::offboard::SsoOffboardRequest;
use crate::sync::file::{Kind, Wanted};
use crate::sync::state::{Account, ManagedPerson};
use crate::template::TemplateSet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What happens to leavers: access cut and the user kept, or offboarded outright.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Leavers {
    /// As `offboard --disable-only`: access cut at once, the user kept.
    Disable,
    /// As `offboard`: everything removed, the user deleted.
    Offboard,
}

/// How a sync treats leavers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LeaverRules {
    pub(crate) leavers: Leavers,
    /// A leaver disabled this many days ago or more is offboarded.
    pub(crate) delete_after_days: Option<u64>,
    /// The most leavers a plan may have; `None`: 10, or 5% of the people managed if more.
    pub(crate) max_leavers: Option<usize>,
}

/// An end date to set: a date, or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Until {
    pub(crate) until: Option<String>,
}

/// One change, as a saved plan keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "kebab-case")]
pub(crate) enum Change {
    /// In the export, not in AWS: onboarded.
    Join { person: Wanted },
    /// The export names another template.
    Move {
        #[serde(default)]
        kind: Kind,
        user_name: String,
        line: u64,
        from: Option<String>,
        to: String,
        /// Identity Center: the export's accounts (none: where the old access was).
        #[serde(default)]
        accounts: Vec<String>,
        /// The export's end date, when it differs too: set once the move is made.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        new_until: Option<Until>,
    },
    /// The export gives another end date (or none).
    SetUntil {
        #[serde(default)]
        kind: Kind,
        user_name: String,
        line: u64,
        until: Option<String>,
    },
    /// Access cut, the user kept (an Identity Center person: their access removed, the
    /// identity kept).
    Disable {
        #[serde(default)]
        kind: Kind,
        user_name: String,
        why: String,
    },
    /// Everything removed, the user deleted.
    Offboard {
        #[serde(default)]
        kind: Kind,
        user_name: String,
        why: String,
    },
}

impl Change {
    /// The export's line for the person; 0 for a leaver, who is not in it.
    pub(crate) fn line(&self) -> u64 {
        match self {
            Change::Join { person } => person.line,
            Change::Move { line, .. } | Change::SetUntil { line, .. } => *line,
            Change::Disable { .. } | Change::Offboard { .. } => 0,
        }
    }

    fn group(&self) -> &'static str {
        match self {
            Change::Join { .. } => "join",
            Change::Move { .. } => "move",
            Change::SetUntil { .. } => "new end date",
            Change::Disable { .. } => "disable",
            Change::Offboard { .. } => "offboard",
        }
    }

    pub(crate) fn kind(&self) -> Kind {
        match self {
            Change::Join { person } => person.kind,
            Change::Move { kind, .. }
            | Change::SetUntil { kind, .. }
            | Change::Disable { kind, .. }
            | Change::Offboard { kind, .. } => *kind,
        }
    }

    fn is_leaver(&self) -> bool {
        matches!(self, Change::Disable { .. } | Change::Offboard { .. })
    }

    /// The change in a line, for the plan; an Identity Center person's marked `(sso)`.
    pub(crate) fn describe(&self) -> String {
        let described = self.describe_change();
        match self.kind() {
            Kind::Iam => described,
            Kind::Sso => format!("{described} (sso)"),
        }
    }

    fn describe_change(&self) -> String {
        match self {
            Change::Join { person } => format!(
                "{} as {}{}",
                person.user_name,
                person.template,
                person
                    .details
                    .until
                    .as_deref()
                    .map_or(String::new(), |until| format!(" until {until}"))
            ),
            Change::Move {
                user_name,
                from,
                to,
                new_until,
                ..
            } => {
                let until = new_until.as_ref().map_or(String::new(), |new| {
                    format!(", until {}", new.until.as_deref().unwrap_or("no end date"))
                });
                format!(
                    "{user_name}: {} -> {to}{until}",
                    from.as_deref().unwrap_or("no template")
                )
            }
            Change::SetUntil {
                user_name, until, ..
            } => {
                format!(
                    "{user_name}: until {}",
                    until.as_deref().unwrap_or("no end date")
                )
            }
            Change::Disable { user_name, why, .. } | Change::Offboard { user_name, why, .. } => {
                format!("{user_name} ({why})")
            }
        }
    }
}

/// A person the plan leaves as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unchanged {
    pub(crate) user_name: String,
    /// Their line in the export; 0 when they are not in it.
    pub(crate) line: u64,
    /// The IAM user's ARN; empty when there is none.
    pub(crate) arn: String,
    /// Why, when it is not plain (a leaver already disabled, a person in the export whose
    /// access is cut, a protected person).
    pub(crate) why: String,
}

/// A plan: the changes in order (joiners, movers, end dates, leavers), and who is unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SyncPlan {
    pub(crate) changes: Vec<Change>,
    pub(crate) unchanged: Vec<Unchanged>,
    /// How many people this tool manages in the account.
    pub(crate) managed: usize,
}

impl SyncPlan {
    /// The plan grouped with counts, as shown before the question.
    pub(crate) fn summary(&self) -> String {
        let mut groups: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
        for change in &self.changes {
            groups
                .entry(change.group())
                .or_default()
                .push(change.describe());
        }
        let mut out = String::new();
        for name in ["join", "move", "new end date", "disable", "offboard"] {
            if let Some(items) = groups.get(name) {
                out.push_str(&format!("{name}: {}\n", items.len()));
                for item in items {
                    out.push_str(&format!("  {item}\n"));
                }
            }
        }
        out.push_str(&format!("unchanged: {}\n", self.unchanged.len()));
        out
    }

    /// Each change as the batch row that makes it, built with its command's constructor.
    pub(crate) fn rows(
        &self,
        templates: &TemplateSet,
        config: &Config,
    ) -> Result<Vec<Row>, InputError> {
        self.changes
            .iter()
            .map(|change| {
                let action = match change {
                    Change::Join { person } if person.kind == Kind::Sso => {
                        RowAction::Assign(Box::new(person.assign_request(templates, config)?))
                    }
                    Change::Join { person } => {
                        RowAction::Onboard(Box::new(person.request(templates)?))
                    }
                    Change::Move {
                        kind: Kind::Sso,
                        user_name,
                        to,
                        accounts,
                        ..
                    } => RowAction::MoveSso(Box::new(SsoMoveRequest::new(
                        user_name.clone(),
                        to,
                        templates,
                        config,
                        accounts.clone(),
                        None,
                    )?)),
                    Change::Move { user_name, to, .. } => RowAction::Move(Box::new(
                        MoveRequest::new(user_name.clone(), to, templates)?,
                    )),
                    Change::SetUntil {
                        kind: Kind::Sso,
                        user_name,
                        until,
                        ..
                    } => RowAction::SetSsoEndDate(SsoEndDateRequest::new(
                        user_name.clone(),
                        until.as_deref(),
                    )?),
                    Change::SetUntil {
                        user_name, until, ..
                    } => RowAction::SetTag(UserTagRequest::end_date(
                        user_name.clone(),
                        until.as_deref(),
                    )?),
                    Change::Disable {
                        kind: Kind::Sso,
                        user_name,
                        ..
                    } => RowAction::OffboardSso(SsoOffboardRequest::new(
                        user_name.clone(),
                        None,
                        true,
                        false,
                    )?),
                    Change::Offboard {
                        kind: Kind::Sso,
                        user_name,
                        ..
                    } => RowAction::OffboardSso(SsoOffboardRequest::new(
                        user_name.clone(),
                        None,
                        false,
                        false,
                    )?),
                    Change::Disable { user_name, why, .. } => {
                        RowAction::Offboard(OffboardRequest::new(
                            user_name.clone(),
                            OffboardMode::DisableOnly,
                            Some(why.clone()),
                        )?)
                    }
                    Change::Offboard { user_name, .. } => RowAction::Offboard(
                        OffboardRequest::new(user_name.clone(), OffboardMode::Delete, None)?,
                    ),
                };
                let then = match change {
                    Change::Move {
                        kind,
                        user_name,
                        new_until: Some(new),
                        ..
                    } => Some(Box::new(match kind {
                        Kind::Iam => RowAction::SetTag(UserTagRequest::end_date(
                            user_name.clone(),
                            new.until.as_deref(),
                        )?),
                        Kind::Sso => RowAction::SetSsoEndDate(SsoEndDateRequest::new(
                            user_name.clone(),
                            new.until.as_deref(),
                        )?),
                    })),
                    _ => None,
                };
                Ok(Row {
                    line: change.line(),
                    sheet: None,
                    action,
                    ignored: Vec::new(),
                    planned: true,
                    then,
                })
            })
            .collect()
    }

    pub(crate) fn leavers(&self) -> usize {
        self.changes.iter().filter(|c| c.is_leaver()).count()
    }

    /// The blast-radius guard: more leavers than `max` (by default 10, or 5% of the people
    /// managed if that is more) is refused, before any change.
    pub(crate) fn guard(&self, max: Option<usize>) -> Result<(), InputError> {
        let allowed = max.unwrap_or_else(|| 10.max(self.managed.div_ceil(20)));
        let leavers = self.leavers();
        if leavers > allowed {
            return Err(InputError::new(
                "--max-leavers",
                format!(
                    "the plan has {leavers} leavers of {} people managed, more than the {allowed} allowed: an export cut short must not offboard the company. Check the export; if it is right, give --max-leavers {leavers}",
                    self.managed
                ),
            ));
        }
        Ok(())
    }
}

const NEVER_CHANGED: &str = "protected or the caller: never changed";

/// A managed person left as they are (not in the export).
fn left_alone(person: &ManagedPerson, why: String) -> Unchanged {
    Unchanged {
        user_name: person.name.clone(),
        line: 0,
        arn: person.arn.clone(),
        why,
    }
}

/// Whether `person` is outside what sync may touch: protected, or the caller.
fn out_of_scope(person: &ManagedPerson, account: &Account, protected: &Protected) -> bool {
    protected.check_name(&person.name).is_err()
        || (person.kind == Kind::Iam && person.arn == account.caller.arn)
}

/// The leaver decision for a managed person the export no longer wants (`why`).
fn leaver(
    person: &ManagedPerson,
    why: String,
    rules: LeaverRules,
    now: u64,
) -> Result<Change, String> {
    let user_name = person.name.clone();
    let kind = person.kind;
    match (&person.disabled_at, rules.leavers) {
        (_, Leavers::Offboard) => Ok(Change::Offboard {
            kind,
            user_name,
            why,
        }),
        (None, Leavers::Disable) => Ok(Change::Disable {
            kind,
            user_name,
            why,
        }),
        (Some(at), Leavers::Disable) => {
            let since = crate::clock::parse_rfc3339(at);
            match (rules.delete_after_days, since) {
                (Some(days), Some(since))
                    if now >= since.saturating_add(days.saturating_mul(86_400)) =>
                {
                    Ok(Change::Offboard {
                        kind,
                        user_name,
                        why: format!("{why}; disabled since {at}, more than {days} days"),
                    })
                }
                _ => Err(format!(
                    "{why}; disabled since {}",
                    if at.is_empty() { "an unknown time" } else { at }
                )),
            }
        }
    }
}

/// The sync plan: the export against the account at `now`.
pub(crate) fn plan_sync(
    wanted: &[Wanted],
    account: &Account,
    protected: &Protected,
    rules: LeaverRules,
    now: u64,
) -> SyncPlan {
    let today = today(now);
    let by_name: BTreeMap<(Kind, String), &ManagedPerson> = account
        .managed
        .iter()
        .map(|p| ((p.kind, p.name.to_ascii_lowercase()), p))
        .collect();
    let mut joins = Vec::new();
    let mut moves = Vec::new();
    let mut dates = Vec::new();
    let mut leavers = Vec::new();
    let mut unchanged = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let unmanaged: std::collections::BTreeSet<String> = account
        .unmanaged
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    for person in wanted {
        let key = (person.kind, person.user_name.to_ascii_lowercase());
        seen.insert(key.clone());
        let ended = person
            .details
            .until
            .as_deref()
            .is_some_and(|until| has_passed(until, &today));
        let Some(found) = by_name.get(&key) else {
            let cannot_join = match person.kind {
                Kind::Iam if unmanaged.contains(&key.1) => Some(
                    "an IAM user of this name exists that this tool did not make: never changed"
                        .to_string(),
                ),
                Kind::Sso if !account.identity_users.contains(&key.1) && person.details.email.is_none() => {
                    Some("not in the identity store: give email, given_name and family_name to create them".to_string())
                }
                _ => None,
            };
            if let Some(why) = cannot_join {
                unchanged.push(Unchanged {
                    user_name: person.user_name.clone(),
                    line: person.line,
                    arn: String::new(),
                    why,
                });
            } else if ended {
                unchanged.push(Unchanged {
                    user_name: person.user_name.clone(),
                    line: person.line,
                    arn: String::new(),
                    why: format!(
                        "not in AWS; end date {} passed",
                        person.details.until.as_deref().unwrap_or_default()
                    ),
                });
            } else {
                joins.push(Change::Join {
                    person: person.clone(),
                });
            }
            continue;
        };
        let stays = |why: String| Unchanged {
            user_name: found.name.clone(),
            line: person.line,
            arn: found.arn.clone(),
            why,
        };
        if out_of_scope(found, account, protected) {
            unchanged.push(stays(NEVER_CHANGED.to_string()));
            continue;
        }
        if ended {
            let why = format!(
                "end date {} passed",
                person.details.until.as_deref().unwrap_or_default()
            );
            match leaver(found, why, rules, now) {
                Ok(change) => leavers.push(change),
                Err(why) => unchanged.push(stays(why)),
            }
            continue;
        }
        if let Some(at) = &found.disabled_at {
            unchanged.push(stays(format!(
                "in the export, but access was cut {at}: re-enable by hand (offboard, then new-user)"
            )));
            continue;
        }
        let holds = match person.kind {
            Kind::Iam => person.template.as_str(),
            Kind::Sso => person.holds.as_str(),
        };
        if found.template.as_deref() != Some(holds) {
            moves.push(Change::Move {
                kind: person.kind,
                user_name: found.name.clone(),
                line: person.line,
                from: found.template.clone(),
                to: person.template.clone(),
                accounts: person.accounts.clone(),
                new_until: (found.until != person.details.until).then(|| Until {
                    until: person.details.until.clone(),
                }),
            });
        } else if found.until != person.details.until {
            dates.push(Change::SetUntil {
                kind: person.kind,
                user_name: found.name.clone(),
                line: person.line,
                until: person.details.until.clone(),
            });
        } else {
            unchanged.push(stays(String::new()));
        }
    }
    for person in &account.managed {
        if seen.contains(&(person.kind, person.name.to_ascii_lowercase())) {
            continue;
        }
        if out_of_scope(person, account, protected) {
            unchanged.push(left_alone(person, NEVER_CHANGED.to_string()));
            continue;
        }
        match leaver(person, "not in the export".to_string(), rules, now) {
            Ok(change) => leavers.push(change),
            Err(why) => unchanged.push(left_alone(person, why)),
        }
    }
    let changes = joins
        .into_iter()
        .chain(moves)
        .chain(dates)
        .chain(leavers)
        .collect();
    SyncPlan {
        changes,
        unchanged,
        managed: account.managed.len(),
    }
}

/// The expire plan: every managed person past their end date, disabled (or offboarded, by the
/// rules); nobody else.
pub(crate) fn plan_expire(
    account: &Account,
    protected: &Protected,
    rules: LeaverRules,
    now: u64,
) -> SyncPlan {
    let today = today(now);
    let mut changes = Vec::new();
    let mut unchanged = Vec::new();
    for person in &account.managed {
        let Some(until) = person
            .until
            .as_deref()
            .filter(|until| has_passed(until, &today))
        else {
            unchanged.push(left_alone(person, String::new()));
            continue;
        };
        if out_of_scope(person, account, protected) {
            unchanged.push(left_alone(person, NEVER_CHANGED.to_string()));
            continue;
        }
        match leaver(person, format!("end date {until} passed"), rules, now) {
            Ok(change) => changes.push(change),
            Err(why) => unchanged.push(left_alone(person, why)),
        }
    }
    SyncPlan {
        changes,
        unchanged,
        managed: account.managed.len(),
    }
}
