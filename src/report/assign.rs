//! The report of `assign`: the person, each template's permission set and account assignments
//! with their outcome, and what the person needs for a first sign-in.

use super::{Acting, Report, push_indented};
use crate::outcome::{AccountStatus, AssignStatus, PermissionSetAction};
use crate::sso::assign::Assigned;
use crate::sso::assignments::AccountOutcome;
use crate::sso::request::AssignRequest;
use serde::Serialize;

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
}

/// What an administrator must do so a person created through the identity-store API can sign
/// in: AWS sends them no invitation.
pub(crate) fn first_sign_in_steps(user_name: &str, portal_url: &str) -> String {
    format!(
        "AWS sends no invitation email to people created through the API. In the IAM Identity Center console, Users, {user_name}, Reset password: send them an email with instructions, or generate a one-time password and hand it over; they then sign in at {portal_url} and set their own password and MFA. (Or turn on Settings, Authentication, \"Send email OTP for users created from API\" once, so AWS emails new people a one-time password at their first sign-in.)"
    )
}

impl Report for AssignReport {
    fn human(&self) -> String {
        let mut out = match self.status {
            AssignStatus::Planned => format!(
                "{} A real run would:\n",
                self.acting.dry_run(&self.user_name)
            ),
            AssignStatus::AlreadyDone => format!(
                "{} already has this access; nothing to change.\n",
                self.user_name
            ),
            AssignStatus::Assigned => {
                format!("Gave {} the {} access.\n", self.user_name, self.template)
            }
        };
        push_indented(&mut out, &self.planned);
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
