//! What a command prints on standard output: the human summary or one JSON object with the
//! same facts. Never a secret: the one-time password goes to the terminal (stderr) or a file.

pub(crate) use crate::terminal::output::{print, print_err};

pub(crate) mod audit;
pub(crate) mod csv;
pub(crate) mod people;
pub(crate) mod tickets;

use crate::aws::CallerIdentity;
use crate::cli::OutputFormat;
use crate::iam::apply::Onboarded;
use crate::iam::offboard::{OffboardMode, OffboardPlan, Removed};
use crate::iam::plan::{Observed, Plan};
use crate::iam::request::{MfaMode, NewUserRequest};
use crate::outcome::{
    AccountStatus, AssignStatus, MfaState, NewUserStatus, OffboardStatus, PermissionSetAction,
};
use crate::sso::assign::Assigned;
use crate::sso::assignments::AccountOutcome;
use crate::sso::request::AssignRequest;
use crate::terminal::look::Look;
use serde::Serialize;

/// The account a command acts on and the identity it acts as: the first thing every plan shows,
/// so the person confirming sees which account they are about to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Acting {
    pub(crate) account: String,
    pub(crate) caller_arn: String,
}

impl Acting {
    pub(crate) fn of(caller: &CallerIdentity) -> Self {
        Acting {
            account: caller.account.clone(),
            caller_arn: caller.arn.clone(),
        }
    }

    /// The plan's heading line.
    pub(crate) fn heading(&self) -> String {
        format!(
            "AWS account {}, acting as {}",
            self.account, self.caller_arn
        )
    }
}

/// The outcome of `new-user`.
#[derive(Debug, Serialize)]
pub(crate) struct NewUserReport {
    pub(crate) acting: Acting,
    pub(crate) status: NewUserStatus,
    pub(crate) user_name: String,
    pub(crate) user_arn: String,
    pub(crate) template: String,
    pub(crate) group: String,
    pub(crate) permissions_boundary: String,
    pub(crate) console: Option<ConsoleReport>,
    pub(crate) mfa: MfaReport,
    /// The changes made (or, for `--dry-run`, that would be made), as API calls.
    pub(crate) changes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ConsoleReport {
    pub(crate) sign_in_url: String,
    pub(crate) password_reset_required: bool,
    /// Where the one-time password went; never the password itself.
    pub(crate) password: String,
    #[serde(skip)]
    delivery: PasswordDelivery,
}

/// What became of the console password, for the words said to the new hire.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PasswordDelivery {
    OnTheTerminal,
    File(String),
    Unchanged,
}

#[derive(Debug, Serialize)]
pub(crate) struct MfaReport {
    pub(crate) mode: &'static str,
    pub(crate) serial: Option<String>,
    pub(crate) state: MfaState,
}

/// The console sign-in URL of an account, by partition.
pub(crate) fn sign_in_url(caller: &CallerIdentity) -> String {
    let domain = match caller.partition() {
        "aws-cn" => "signin.amazonaws.cn",
        "aws-us-gov" => "signin.amazonaws-us-gov.com",
        _ => "signin.aws.amazon.com",
    };
    format!("https://{}.{domain}/console", caller.account)
}

impl NewUserReport {
    /// `outcome` is `None` for a dry run.
    pub(crate) fn new(
        request: &NewUserRequest,
        observed: &Observed,
        plan: &Plan,
        outcome: Option<&Onboarded>,
    ) -> Self {
        let caller = &observed.caller;
        let had_login_profile = observed.user.as_ref().is_some_and(|u| u.has_login_profile);
        let status = match (outcome, plan.is_empty(), observed.user.is_some()) {
            (None, _, _) => NewUserStatus::Planned,
            (Some(_), true, _) => NewUserStatus::AlreadyDone,
            (Some(_), false, true) => NewUserStatus::Converged,
            (Some(_), false, false) => NewUserStatus::Created,
        };
        let creates_profile = plan.makes_password();
        let delivery = match (&request.password_file, creates_profile) {
            (_, false) => PasswordDelivery::Unchanged,
            (Some(path), true) => PasswordDelivery::File(path.display().to_string()),
            (None, true) => PasswordDelivery::OnTheTerminal,
        };
        let password = match (&delivery, outcome) {
            (PasswordDelivery::Unchanged, _) => "unchanged: the login profile existed".to_string(),
            (PasswordDelivery::File(path), _) => format!("written to {path}"),
            (PasswordDelivery::OnTheTerminal, None) => {
                "to be shown once on the terminal".to_string()
            }
            (PasswordDelivery::OnTheTerminal, Some(_)) => "shown once on the terminal".to_string(),
        };
        let console = (request.console || had_login_profile).then(|| ConsoleReport {
            sign_in_url: sign_in_url(caller),
            password_reset_required: true,
            password,
            delivery,
        });
        let mfa_state = match (&request.mfa, &plan.mfa_serial, outcome) {
            (_, Some(_), None) => MfaState::Pending,
            (_, Some(_), Some(done)) if done.mfa_deferred => MfaState::Deferred,
            (_, Some(_), Some(_)) => MfaState::Enabled,
            (MfaMode::Deferred, None, _) => MfaState::Deferred,
            (_, None, _) => MfaState::None,
        };
        NewUserReport {
            acting: Acting::of(caller),
            status,
            user_name: request.user_name.clone(),
            user_arn: plan.user_arn.clone(),
            template: request.template.name.clone(),
            group: request.template.group.clone(),
            permissions_boundary: plan.boundary_arn.clone(),
            console,
            mfa: MfaReport {
                mode: request.mfa.name(),
                serial: plan
                    .mfa_serial
                    .clone()
                    .filter(|_| mfa_state != MfaState::Deferred),
                state: mfa_state,
            },
            changes: plan.steps.iter().map(ToString::to_string).collect(),
        }
    }

    pub(crate) fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Json => to_json(self),
            OutputFormat::Human | OutputFormat::Csv => self.human(),
        }
    }

    /// What the helpdesk tells the new hire, shown on a terminal at the end: where to sign in,
    /// with which user name, and what happens at first sign-in. The password itself was shown
    /// once, earlier, and is not repeated.
    pub(crate) fn handover(&self, look: Look) -> String {
        let mut out = format!("{} Tell {}:\n", look.ok(), self.user_name);
        let mut line = |label: &str, text: &str| out.push_str(&format!("  {label:<10} {text}\n"));
        let Some(console) = &self.console else {
            line(
                "access",
                "no console password: API keys or SSO only, as the job needs",
            );
            return out;
        };
        line("sign in at", &console.sign_in_url);
        line("user name", &self.user_name);
        let password = match &console.delivery {
            PasswordDelivery::OnTheTerminal => {
                "the one-time password shown above; AWS asks for a new one at first sign-in"
                    .to_string()
            }
            PasswordDelivery::File(path) => {
                format!("the one-time password in {path}; AWS asks for a new one at first sign-in")
            }
            PasswordDelivery::Unchanged => "unchanged (the login profile existed)".to_string(),
        };
        line("password", &password);
        let mfa = match self.mfa.state {
            MfaState::Enabled => {
                "sign-in also asks for a code from the authenticator app just set up"
            }
            MfaState::Deferred => {
                "set up an MFA device under Security credentials first: until then nothing else is allowed"
            }
            MfaState::Pending | MfaState::None => "none",
        };
        line("MFA", mfa);
        out
    }

    fn human(&self) -> String {
        let mut out = String::new();
        let headline = match self.status {
            NewUserStatus::Planned => format!(
                "{}\nDry run for {}: nothing was changed.",
                self.acting.heading(),
                self.user_name
            ),
            NewUserStatus::AlreadyDone => format!(
                "{} is already onboarded; nothing to change.",
                self.user_name
            ),
            NewUserStatus::Converged => format!("Completed the onboarding of {}.", self.user_name),
            NewUserStatus::Created => format!("Onboarded {}.", self.user_name),
        };
        out.push_str(&headline);
        out.push('\n');
        let mut row = |label: &str, value: &str| out.push_str(&format!("  {label:<10} {value}\n"));
        row("user", &self.user_arn);
        row(
            "template",
            &format!("{} (group {})", self.template, self.group),
        );
        row("boundary", &self.permissions_boundary);
        match &self.console {
            Some(console) => {
                row("sign-in", &console.sign_in_url);
                row(
                    "password",
                    &format!("{}; must be changed at first sign-in", console.password),
                );
            }
            None => row("console", "no console access"),
        }
        let mfa = match (&self.mfa.serial, self.mfa.state) {
            (Some(serial), state) => format!("{state}: {serial}"),
            (None, MfaState::Deferred) => {
                "deferred: until the user enrols, policy allows nothing but MFA self-service"
                    .to_string()
            }
            (None, _) => "none".to_string(),
        };
        row("MFA", &mfa);
        if !self.changes.is_empty() {
            out.push_str(if self.status == NewUserStatus::Planned {
                "Calls a real run would make, in order:\n"
            } else {
                "Changes, in order:\n"
            });
            for change in &self.changes {
                out.push_str(&format!("  {change}\n"));
            }
        }
        out
    }
}

/// The outcome of `offboard`.
#[derive(Debug, Serialize)]
pub(crate) struct OffboardReport {
    pub(crate) acting: Acting,
    pub(crate) status: OffboardStatus,
    pub(crate) user_name: String,
    pub(crate) user_arn: Option<String>,
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
                call.starts_with("iam:PutUserPolicy") || call.starts_with("iam:TagUser")
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

    pub(crate) fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Json => to_json(self),
            OutputFormat::Human | OutputFormat::Csv => self.human(),
        }
    }

    fn human(&self) -> String {
        let arn = self.user_arn.as_deref().unwrap_or(&self.user_name);
        let mut out = match self.status {
            OffboardStatus::NotFound => {
                format!("{} does not exist; nothing to offboard.\n", self.user_name)
            }
            OffboardStatus::Planned => format!(
                "{}\nDry run for {arn}: nothing was changed.\n",
                self.acting.heading()
            ),
            OffboardStatus::Disabled => format!("Disabled {arn}: access cut, user kept.\n"),
            OffboardStatus::Offboarded => format!("Offboarded {arn}.\n"),
        };
        let mut section = |title: &str, items: &[String]| {
            if !items.is_empty() {
                out.push_str(title);
                for item in items {
                    out.push_str(&format!("  {item}\n"));
                }
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

/// The outcome of `assign`.
#[derive(Debug, Serialize)]
pub(crate) struct AssignReport {
    pub(crate) acting: Acting,
    pub(crate) status: AssignStatus,
    pub(crate) user_name: String,
    pub(crate) template: String,
    pub(crate) user_id: Option<String>,
    pub(crate) user_created: bool,
    pub(crate) instance_arn: Option<String>,
    pub(crate) permission_sets: Vec<PermissionSetReport>,
    pub(crate) accounts: Vec<AccountReport>,
    /// Group mode: the groups that give the access, and the person's memberships.
    pub(crate) groups: Vec<GroupReport>,
    /// Where the person signs in: the AWS access portal.
    pub(crate) portal_url: Option<String>,
    /// For a person this run created: what the administrator must do before they can sign in.
    pub(crate) first_sign_in: Option<String>,
    /// For `--dry-run`: what a real run would do.
    pub(crate) planned: Vec<String>,
    pub(crate) warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct PermissionSetReport {
    pub(crate) template: String,
    pub(crate) arn: String,
    pub(crate) action: PermissionSetAction,
}

#[derive(Debug, Serialize)]
pub(crate) struct AccountReport {
    pub(crate) account: String,
    pub(crate) template: String,
    pub(crate) status: AccountStatus,
    /// In group mode: the group the assignment is for.
    pub(crate) group: Option<String>,
}

/// Group mode: a template's group and the person's membership.
#[derive(Debug, Serialize)]
pub(crate) struct GroupReport {
    pub(crate) template: String,
    pub(crate) group: String,
    pub(crate) group_id: String,
    /// This run made the group.
    pub(crate) group_created: bool,
    /// This run made the person a member (else they were one).
    pub(crate) joined: bool,
}

impl AssignReport {
    pub(crate) fn planned(acting: &Acting, request: &AssignRequest, planned: Vec<String>) -> Self {
        AssignReport {
            acting: acting.clone(),
            status: AssignStatus::Planned,
            user_name: request.user_name.clone(),
            template: request.template.name.clone(),
            user_id: None,
            user_created: false,
            instance_arn: None,
            permission_sets: Vec::new(),
            accounts: Vec::new(),
            groups: Vec::new(),
            portal_url: None,
            first_sign_in: None,
            planned,
            warnings: Vec::new(),
        }
    }

    pub(crate) fn done(acting: &Acting, request: &AssignRequest, assigned: &Assigned) -> Self {
        let accounts: Vec<AccountReport> = assigned
            .accounts
            .iter()
            .map(|(account, template, outcome)| AccountReport {
                account: account.clone(),
                template: template.clone(),
                status: match outcome {
                    AccountOutcome::Created => AccountStatus::Assigned,
                    _ => AccountStatus::AlreadyAssigned,
                },
                group: assigned
                    .groups
                    .iter()
                    .find(|g| g.group.template == *template)
                    .map(|g| g.group.name.clone()),
            })
            .collect();
        let groups: Vec<GroupReport> = assigned
            .groups
            .iter()
            .map(|g| GroupReport {
                template: g.group.template.clone(),
                group: g.group.name.clone(),
                group_id: g.group.id.clone(),
                group_created: g.group.created,
                joined: g.joined,
            })
            .collect();
        let permission_sets: Vec<PermissionSetReport> = assigned
            .permission_sets
            .iter()
            .map(|(template, outcome)| PermissionSetReport {
                template: template.clone(),
                arn: outcome.arn.clone(),
                action: outcome.action,
            })
            .collect();
        let nothing_new = !assigned.user_created
            && !groups.iter().any(|g| g.joined || g.group_created)
            && permission_sets
                .iter()
                .all(|p| p.action == PermissionSetAction::Unchanged)
            && accounts
                .iter()
                .all(|a| a.status == AccountStatus::AlreadyAssigned);
        AssignReport {
            status: if nothing_new {
                AssignStatus::AlreadyDone
            } else {
                AssignStatus::Assigned
            },
            user_id: Some(assigned.user_id.clone()),
            user_created: assigned.user_created,
            instance_arn: Some(assigned.instance_arn.clone()),
            warnings: assigned
                .permission_sets
                .iter()
                .flat_map(|(_, outcome)| outcome.warnings.iter().cloned())
                .collect(),
            permission_sets,
            accounts,
            groups,
            ..Self::planned(acting, request, Vec::new())
        }
    }

    pub(crate) fn render(&self, format: OutputFormat) -> String {
        match format {
            OutputFormat::Json => to_json(self),
            OutputFormat::Human | OutputFormat::Csv => self.human(),
        }
    }

    fn human(&self) -> String {
        let mut out = match self.status {
            AssignStatus::Planned => format!(
                "{}\nDry run for {}: nothing was changed. A real run would:\n",
                self.acting.heading(),
                self.user_name
            ),
            AssignStatus::AlreadyDone => format!(
                "{} already has this access; nothing to change.\n",
                self.user_name
            ),
            AssignStatus::Assigned => {
                format!("Gave {} the {} access.\n", self.user_name, self.template)
            }
        };
        for step in &self.planned {
            out.push_str(&format!("  {step}\n"));
        }
        if let Some(id) = &self.user_id {
            let created = if self.user_created { " (created)" } else { "" };
            out.push_str(&format!("  person          {id}{created}\n"));
        }
        for set in &self.permission_sets {
            out.push_str(&format!(
                "  permission set  {} {} ({})\n",
                set.template, set.arn, set.action
            ));
        }
        for group in &self.groups {
            let membership = if group.joined {
                "joined"
            } else {
                "already a member"
            };
            out.push_str(&format!(
                "  group           {} ({}) {membership}\n",
                group.group, group.group_id
            ));
        }
        for account in &self.accounts {
            let through = account
                .group
                .as_ref()
                .map(|g| format!(" (to group {g})"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  account {}  {} {}{through}\n",
                account.account, account.template, account.status
            ));
        }
        for warning in &self.warnings {
            out.push_str(&format!("  warning: {warning}\n"));
        }
        if let Some(url) = &self.portal_url {
            out.push_str(&format!("  sign-in at      {url}\n"));
        }
        if let Some(first) = &self.first_sign_in {
            out.push_str(&format!("\nBefore the first sign-in: {first}\n"));
        }
        out
    }
}

/// What an administrator must do so a person created through the identity-store API can sign
/// in: AWS sends them no invitation.
pub(crate) fn first_sign_in_steps(user_name: &str, portal_url: &str) -> String {
    format!(
        "AWS sends no invitation email to people created through the API. In the IAM Identity Center console, Users, {user_name}, Reset password: send them an email with instructions, or generate a one-time password and hand it over; they then sign in at {portal_url} and set their own password and MFA. (Or turn on Settings, Authentication, \"Send email OTP for users created from API\" once, so AWS emails new people a one-time password at their first sign-in.)"
    )
}

pub(crate) fn to_json(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("reports serialise");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
