//! The audit's Identity Center checks, and the one account-wide reading of Identity Center they
//! and `sync` plan from: every assignment of every permission set in every account it is
//! provisioned to (and the accounts named besides), the identity store's users and groups, and
//! the members of the groups this tool made. The calls grow with permission sets, accounts and
//! the tool's groups, not with people.

use super::{Check, Finding};
use crate::aws::{IdentityGroup, Principal, Sso};
use crate::error::Error;
use crate::sso::instance::choose_instance;
use crate::sso::permission_set::{MAX_DESCRIBES_AT_ONCE, PERMISSION_SET_MARKER};
use crate::sync::state::ManagedPerson;
use futures_util::future::try_join_all;
use std::collections::{BTreeMap, BTreeSet};

/// One assignment, as found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FoundAssignment {
    pub(crate) account: String,
    pub(crate) permission_set: String,
    pub(crate) permission_set_arn: String,
    pub(crate) managed: bool,
    pub(crate) principal: Principal,
    pub(crate) principal_id: String,
}

/// What was read of Identity Center.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SsoFacts {
    pub(crate) instance_arn: String,
    pub(crate) assignments: Vec<FoundAssignment>,
    /// User id → user name.
    pub(crate) users: BTreeMap<String, String>,
    pub(crate) groups: Vec<String>,
    /// Each group this tool made (its description starts with the marker), with its members'
    /// user ids.
    pub(crate) tool_groups: Vec<(IdentityGroup, Vec<String>)>,
}

/// Reads the store's users and groups and the permission sets at once; then, at once, the
/// members of this tool's groups, and the permission sets (ten at a time) with the accounts
/// each is provisioned to and every assignment there and in `known_accounts` (a set assigned
/// moments ago may not be listed as provisioned yet).
pub(crate) async fn gather_sso(
    api: &impl Sso,
    instance_arn: Option<&str>,
    known_accounts: &BTreeSet<String>,
) -> Result<SsoFacts, Error> {
    let instance = choose_instance(api, instance_arn).await?;
    let store = &instance.identity_store_id;
    let (sets, users, groups) = tokio::try_join!(
        api.list_permission_sets(&instance.arn),
        api.list_identity_users(store),
        api.list_identity_groups(store),
    )
    .map_err(Error::from_aws)?;
    let tool_groups: Vec<IdentityGroup> = groups
        .iter()
        .filter(|g| g.description.starts_with(PERMISSION_SET_MARKER))
        .cloned()
        .collect();
    let members = try_join_all(tool_groups.iter().map(|group| async {
        let members = api.list_group_members(store, &group.id).await?;
        Ok::<_, crate::aws::AwsError>(members.into_iter().map(|(_, user)| user).collect())
    }));
    let assignments = async {
        let mut assignments = Vec::new();
        for batch in sets.chunks(MAX_DESCRIBES_AT_ONCE) {
            let found = try_join_all(batch.iter().map(|arn| async {
                let (spec, provisioned) = tokio::try_join!(
                    api.describe_permission_set(&instance.arn, arn),
                    api.list_accounts_for_permission_set(&instance.arn, arn),
                )?;
                let accounts: BTreeSet<&String> =
                    provisioned.iter().chain(known_accounts).collect();
                let per_account = try_join_all(accounts.into_iter().map(|account| async {
                    let principals = api
                        .list_account_assignments(&instance.arn, account, arn)
                        .await?;
                    Ok::<_, crate::aws::AwsError>((account.clone(), principals))
                }))
                .await?;
                Ok::<_, crate::aws::AwsError>((arn.clone(), spec, per_account))
            }))
            .await?;
            for (arn, spec, per_account) in found {
                let managed = spec.description.starts_with(PERMISSION_SET_MARKER);
                for (account, principals) in per_account {
                    for (principal, principal_id) in principals {
                        assignments.push(FoundAssignment {
                            account: account.clone(),
                            permission_set: spec.name.clone(),
                            permission_set_arn: arn.clone(),
                            managed,
                            principal,
                            principal_id,
                        });
                    }
                }
            }
        }
        Ok(assignments)
    };
    let (members, assignments) = tokio::try_join!(members, assignments).map_err(Error::from_aws)?;
    Ok(SsoFacts {
        instance_arn: instance.arn,
        assignments,
        users: users.into_iter().collect(),
        groups: groups.into_iter().map(|group| group.id).collect(),
        tool_groups: tool_groups.into_iter().zip(members).collect(),
    })
}

/// Assignments whose principal is gone (high), and people given a permission set this tool
/// does not manage (low).
pub(crate) fn sso_findings(facts: &SsoFacts) -> Vec<Finding> {
    let mut findings = Vec::new();
    for a in &facts.assignments {
        let kind = match a.principal {
            Principal::User => "USER",
            Principal::Group => "GROUP",
        };
        let delete = format!(
            "aws sso-admin delete-account-assignment --instance-arn {} --target-id {} --target-type AWS_ACCOUNT --permission-set-arn {} --principal-type {kind} --principal-id {}",
            facts.instance_arn, a.account, a.permission_set_arn, a.principal_id
        );
        let exists = match a.principal {
            Principal::User => facts.users.contains_key(&a.principal_id),
            Principal::Group => facts.groups.contains(&a.principal_id),
        };
        if !exists {
            findings.push(Finding::new(
                Check::SsoOrphanAssignment,
                format!(
                    "{} in account {} to {kind} {}",
                    a.permission_set, a.account, a.principal_id
                ),
                "the assignment's principal is no longer in the identity store".to_string(),
                delete,
            ));
            continue;
        }
        if a.principal == Principal::User && !a.managed {
            let name = &facts.users[&a.principal_id];
            findings.push(Finding::new(
                Check::SsoDirectAssignment,
                name.clone(),
                format!(
                    "assigned {} in account {}, a permission set iam-onboard does not manage",
                    a.permission_set, a.account
                ),
                format!("give the access from a template (iam-onboard assign {name} --template <T>), then {delete}"),
            ));
        }
    }
    findings
}

/// Identity Center people of this tool's whose end date (their `iam-onboard-until-<date>`
/// group) has passed while they still hold its access (high).
pub(crate) fn past_end_date(people: &[ManagedPerson], now: u64) -> Vec<Finding> {
    let today = crate::iam::end_date::today(now);
    people
        .iter()
        .filter_map(|person| {
            let until = person.until.as_deref()?;
            crate::iam::end_date::has_passed(until, &today).then(|| {
                Finding::new(
                    Check::AccessPastEndDate,
                    format!("identity-store user {}", person.name),
                    format!(
                        "end date {until} has passed (today is {today}), and they still hold {}",
                        person.template.as_deref().unwrap_or("this tool's access")
                    ),
                    format!(
                        "iam-onboard expire --sso (removes the access of everyone past their date), or iam-onboard offboard --sso {} --keep-identity",
                        person.name
                    ),
                )
            })
        })
        .collect()
}
