//! The report of `new-user`: who was made, their console sign-in and MFA device, what the
//! template gave them, or for `--dry-run` the plan; never the password or the seed.

use super::{Acting, Report, push_indented};
use crate::aws::CallerIdentity;
use crate::iam::apply::Onboarded;
use crate::iam::plan::{Observed, Plan};
use crate::iam::request::{MfaMode, NewUserRequest};
use crate::iam::role::RoleAccess;
use crate::outcome::{MfaState, NewUserStatus};
use crate::terminal::look::Look;
use serde::Serialize;

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
    /// For a role template: the role the person works in, and how they assume it.
    pub(crate) role: Option<RoleAccess>,
    /// Where the role's AWS CLI profile was written (`--aws-profile-out`).
    pub(crate) aws_profile_file: Option<String>,
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
    format!(
        "https://{}.{}/console",
        caller.account,
        caller.sign_in_domain()
    )
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
            (_, Some(_), None) => MfaState::ToEnrol,
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
            role: RoleAccess::of(
                &request.template,
                caller,
                &request.user_name,
                &plan
                    .mfa_serial
                    .clone()
                    .unwrap_or_else(|| observed.mfa_serial(&request.user_name)),
            ),
            aws_profile_file: None,
            changes: plan.steps.iter().map(ToString::to_string).collect(),
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
            MfaState::ToEnrol | MfaState::None => "none",
        };
        line("MFA", mfa);
        if let Some(role) = &self.role {
            line(
                "work in",
                &format!(
                    "the role {} (with MFA): in the console, switch role at {}",
                    role.role_arn, role.switch_role_link
                ),
            );
            let profile = match &self.aws_profile_file {
                Some(path) => format!(
                    "profile {} in {path}: add it to ~/.aws/config beside a profile {} with their access key",
                    role.cli_profile.name, role.cli_profile.source_profile
                ),
                None => format!(
                    "profile {} (printed below): add it to ~/.aws/config",
                    role.cli_profile.name
                ),
            };
            line("AWS CLI", &profile);
        }
        out
    }
}

impl Report for NewUserReport {
    fn human(&self) -> String {
        let mut out = String::new();
        let headline = match self.status {
            NewUserStatus::Planned => self.acting.dry_run(&self.user_name),
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
            (Some(serial), MfaState::ToEnrol) => format!("to enrol: {serial}"),
            (Some(serial), state) => format!("{state}: {serial}"),
            (None, MfaState::Deferred) => {
                "deferred: until the user enrols, policy allows nothing but MFA self-service"
                    .to_string()
            }
            (None, _) => "none".to_string(),
        };
        row("MFA", &mfa);
        if let Some(role) = &self.role {
            row("role", &role.role_arn);
            row("switch", &role.switch_role_link);
            match &self.aws_profile_file {
                Some(path) => row("profile", &format!("written to {path}")),
                None => {
                    out.push_str("  AWS CLI profile (for ~/.aws/config):\n");
                    for line in role.cli_profile.config_block().lines() {
                        out.push_str(&format!("    {line}\n"));
                    }
                }
            }
        }
        if !self.changes.is_empty() {
            out.push_str(if self.status == NewUserStatus::Planned {
                "Calls a real run would make, in order:\n"
            } else {
                "Changes, in order:\n"
            });
            push_indented(&mut out, &self.changes);
        }
        out
    }
}
