//! The report of `offboard`, IAM and `--sso`: what was removed, found gone, kept, and when the
//! person's access was cut; for `--dry-run` the removals a real run would make.

use super::{Acting, Report, push_indented};
use crate::clock::rfc3339;
use crate::iam::offboard::{OffboardMode, OffboardPlan, Removed};
use crate::iam::role_sessions::RoleSessionsCut;
use crate::outcome::OffboardStatus;
use crate::sso::cut_sessions::RevokeStep;
use crate::sso::offboard::{SessionsCut, SsoOffboardPlan, SsoOffboarded};
use serde::Serialize;

/// The outcome of `offboard`.
#[derive(Debug, Serialize)]
pub(crate) struct OffboardReport {
    pub(crate) acting: Acting,
    pub(crate) status: OffboardStatus,
    pub(crate) user_name: String,
    /// The IAM user's ARN; `None` for an Identity Center person and a user not found.
    pub(crate) user_arn: Option<String>,
    /// For `--sso`: the person in the identity store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) identity_store_user: Option<IdentityStoreUser>,
    pub(crate) reason: Option<String>,
    /// What offboarding added: the deny-all inline policy, `--disable-only`'s tags.
    pub(crate) added: Vec<String>,
    /// Removals made, as API calls with their targets.
    pub(crate) removed: Vec<String>,
    /// Removals found already done (an earlier run, or someone else).
    pub(crate) already_gone: Vec<String>,
    /// For `--dry-run`: the removals a real run would make, in order.
    pub(crate) planned: Vec<String>,
    /// What is deliberately left in place.
    pub(crate) kept: Vec<String>,
    /// Discovery calls that failed: what they would have found is unknown.
    pub(crate) warnings: Vec<String>,
    /// When the person's access was cut, and by what.
    pub(crate) access_cut: Option<AccessCut>,
    /// Identity Center permission sets whose sessions the person may still use, until when.
    pub(crate) sessions_still_allowed: Vec<StillAllowed>,
}

/// When the person's access was cut, and by what.
#[derive(Debug, Serialize)]
pub(crate) struct AccessCut {
    /// When the first deny took effect (RFC 3339).
    pub(crate) at: String,
    /// The IAM user's deny-all inline policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) inline_policy: Option<String>,
    /// The Identity Center permission sets that deny the person's sessions.
    pub(crate) permission_sets: Vec<SessionsCutReport>,
    /// The job-function roles that deny the person's sessions.
    pub(crate) roles: Vec<SessionsCutReport>,
}

impl AccessCut {
    /// An IAM user's: the deny-all policy named `inline_policy`, and the roles' denies.
    pub(crate) fn of_iam_user(at: String, inline_policy: &str, roles: &[RoleSessionsCut]) -> Self {
        AccessCut {
            at,
            inline_policy: Some(inline_policy.to_string()),
            permission_sets: Vec::new(),
            roles: roles
                .iter()
                .map(|cut| SessionsCutReport {
                    name: cut.role.clone(),
                    arn: cut.arn.clone(),
                    since: rfc3339(cut.at),
                    older_sessions_cut: cut.older_sessions_cut.map(rfc3339),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
pub(crate) struct SessionsCutReport {
    pub(crate) name: String,
    pub(crate) arn: String,
    /// When the deny entry was added (RFC 3339).
    pub(crate) since: String,
    /// When the set's entries were full: every session from it issued before this time (RFC
    /// 3339) is denied, so the people still assigned must sign in again from the portal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) older_sessions_cut: Option<String>,
}

/// An Identity Center person, as the identity store knows them.
#[derive(Debug, Serialize)]
pub(crate) struct IdentityStoreUser {
    pub(crate) identity_store_id: String,
    pub(crate) user_id: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct StillAllowed {
    pub(crate) permission_set: String,
    pub(crate) arn: String,
    /// The latest a session from it may last (RFC 3339).
    pub(crate) until: String,
    pub(crate) why: String,
}

impl OffboardReport {
    pub(crate) fn not_found(acting: &Acting, user_name: &str) -> Self {
        OffboardReport {
            acting: acting.clone(),
            status: OffboardStatus::NotFound,
            user_name: user_name.to_string(),
            user_arn: None,
            identity_store_user: None,
            reason: None,
            added: Vec::new(),
            removed: Vec::new(),
            already_gone: Vec::new(),
            planned: Vec::new(),
            kept: Vec::new(),
            warnings: Vec::new(),
            access_cut: None,
            sessions_still_allowed: Vec::new(),
        }
    }

    pub(crate) fn planned(acting: &Acting, plan: &OffboardPlan, reason: Option<&str>) -> Self {
        OffboardReport {
            planned: plan.removals().map(ToString::to_string).collect(),
            ..Self::from_plan(acting, plan, OffboardStatus::Planned, reason)
        }
    }

    pub(crate) fn done(
        acting: &Acting,
        plan: &OffboardPlan,
        mode: OffboardMode,
        reason: Option<&str>,
        removed: Removed,
    ) -> Self {
        let status = match mode {
            OffboardMode::Delete => OffboardStatus::Offboarded,
            OffboardMode::DisableOnly => OffboardStatus::Disabled,
        };
        let (added, removed_now): (Vec<String>, Vec<String>) =
            removed.done.into_iter().partition(|call| {
                ["iam:PutUserPolicy", "iam:PutRolePolicy", "iam:TagUser"]
                    .iter()
                    .any(|added| call.starts_with(added))
            });
        OffboardReport {
            added,
            removed: removed_now,
            already_gone: removed.already_gone,
            ..Self::from_plan(acting, plan, status, reason)
        }
    }

    fn from_plan(
        acting: &Acting,
        plan: &OffboardPlan,
        status: OffboardStatus,
        reason: Option<&str>,
    ) -> Self {
        OffboardReport {
            status,
            user_name: plan.user_name.clone(),
            user_arn: Some(plan.user_arn.clone()),
            reason: reason.map(str::to_string),
            kept: plan.kept.clone(),
            warnings: plan.warnings.clone(),
            ..Self::not_found(acting, &plan.user_name)
        }
    }

    /// `offboard --sso`'s report: for a dry run (`done` is `None`) the removals a real run would
    /// make, else what was cut and removed; either way the sessions left open.
    pub(crate) fn sso(
        acting: &Acting,
        plan: &SsoOffboardPlan,
        keep_identity: bool,
        done: Option<SsoOffboarded>,
    ) -> Self {
        let mut report = OffboardReport {
            identity_store_user: Some(IdentityStoreUser {
                identity_store_id: plan.instance.identity_store_id.clone(),
                user_id: plan.user_id.clone(),
            }),
            sessions_still_allowed: still_allowed(plan),
            ..Self::not_found(acting, &plan.user_name)
        };
        if keep_identity {
            report.kept.push(format!(
                "identity-store user {} (--keep-identity)",
                plan.user_id
            ));
        }
        match done {
            None => {
                report.status = OffboardStatus::Planned;
                report.planned = plan.removals();
            }
            Some(done) => {
                report.access_cut = Some(sessions_cut(&done.cut, done.started));
                report.removed = done.removed;
                report.status = OffboardStatus::Offboarded;
            }
        }
        report
    }

    /// Who was offboarded, as the human report names them.
    fn subject(&self) -> String {
        match (&self.user_arn, &self.identity_store_user) {
            (Some(arn), _) => arn.clone(),
            (None, Some(person)) => format!(
                "{} (identity-store user {} in {})",
                self.user_name, person.user_id, person.identity_store_id
            ),
            (None, None) => self.user_name.clone(),
        }
    }
}

/// The permission sets whose sessions are left open, and until when.
fn still_allowed(plan: &SsoOffboardPlan) -> Vec<StillAllowed> {
    plan.revocations
        .iter()
        .filter_map(|set| match &set.step {
            RevokeStep::Left { until, why } => Some(StillAllowed {
                permission_set: set.name.clone(),
                arn: set.arn.clone(),
                until: rfc3339(*until),
                why: why.clone(),
            }),
            _ => None,
        })
        .collect()
}

/// When and where the person's sessions were cut: at the earliest deny entry, or when the run
/// started when there was none to add (no permission set left to deny in).
fn sessions_cut(cut: &[SessionsCut], started: u64) -> AccessCut {
    let at = cut.iter().map(|c| c.since).min().unwrap_or(started);
    AccessCut {
        at: rfc3339(at),
        inline_policy: None,
        roles: Vec::new(),
        permission_sets: cut
            .iter()
            .map(|c| SessionsCutReport {
                name: c.name.clone(),
                arn: c.arn.clone(),
                since: rfc3339(c.since),
                older_sessions_cut: c.older_sessions_cut.map(rfc3339),
            })
            .collect(),
    }
}

impl Report for OffboardReport {
    fn human(&self) -> String {
        let arn = self.subject();
        let mut out = match self.status {
            OffboardStatus::NotFound => {
                format!("{} does not exist; nothing to offboard.\n", self.user_name)
            }
            OffboardStatus::Planned => format!("{}\n", self.acting.dry_run(&arn)),
            OffboardStatus::Disabled => format!("Disabled {arn}: access cut, user kept.\n"),
            OffboardStatus::Offboarded => format!("Offboarded {arn}.\n"),
        };
        let mut section = |title: &str, items: &[String]| {
            if !items.is_empty() {
                out.push_str(title);
                push_indented(&mut out, items);
            }
        };
        section("Calls a real run would make, in order:\n", &self.planned);
        if let Some(cut) = &self.access_cut {
            let mut by: Vec<String> = cut
                .inline_policy
                .iter()
                .map(|name| {
                    let kind = if name.starts_with("AWSDenyAll") {
                        "managed policy"
                    } else {
                        "inline policy"
                    };
                    format!("{kind} {name} denies everything")
                })
                .collect();
            by.extend(cut.permission_sets.iter().map(|set| {
                let older = set.older_sessions_cut.as_ref().map_or(String::new(), |at| {
                    format!(
                        "; its deny entries were full, so every session from it issued before {at} is denied: the others still assigned must sign in again from the access portal"
                    )
                });
                format!(
                    "permission set {} ({}) denies the person's sessions since {}{older}",
                    set.name, set.arn, set.since
                )
            }));
            by.extend(cut.roles.iter().map(|role| {
                let older = role.older_sessions_cut.as_ref().map_or(String::new(), |at| {
                    format!(
                        "; its deny entries were full, so every session of it issued before {at} is denied: the others assume it again"
                    )
                });
                format!(
                    "role {} ({}) denies the person's sessions since {}{older}",
                    role.name, role.arn, role.since
                )
            }));
            section(&format!("Access cut at {}:\n", cut.at), &by);
        }
        let open: Vec<String> = self
            .sessions_still_allowed
            .iter()
            .map(|s| {
                format!(
                    "permission set {} ({}) until {}: {}",
                    s.permission_set, s.arn, s.until, s.why
                )
            })
            .collect();
        section("Sessions still allowed:\n", &open);
        section("Added:\n", &self.added);
        section("Removed:\n", &self.removed);
        section("Already gone:\n", &self.already_gone);
        section("Kept:\n", &self.kept);
        section("Warnings:\n", &self.warnings);
        out
    }
}
