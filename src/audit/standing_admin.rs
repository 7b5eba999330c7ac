//! The `standing-admin` check: administrator access a user holds at all times, on the user
//! itself or through a group, rather than through a role assumed with MFA for a session. AWS's
//! managed policies are known by name; any other policy by what its document allows.

use super::{Check, Finding, is_managed};
use crate::aws::{AuthorizedUser, aws_managed_policy_name};
use crate::iam::offboard::user_access_cut;

/// AWS's managed policies that amount to administrator access, with what each grants: their
/// documents are not in the account's details, so they are known by name (path and name, in
/// any partition).
const ADMINISTRATOR_MANAGED: &[(&str, &str)] = &[
    ("AdministratorAccess", "every action on every resource"),
    (
        "IAMFullAccess",
        "every IAM action: enough to grant itself anything",
    ),
];

/// A user whose access is not cut and who holds administrator access itself or through a
/// group: AWS's AdministratorAccess or IAMFullAccess, or a policy of its own that allows every
/// action (or every IAM action) on every resource; at all times, rather than through a role
/// assumed with MFA for a session. A permissions boundary is named, not weighed: it caps the
/// grant, but the grant stands on the person all the same.
pub(super) fn standing_admin(user: &AuthorizedUser) -> Option<Finding> {
    if user_access_cut(user) {
        return None;
    }
    let held: Vec<String> = user
        .held
        .iter()
        .filter_map(|policy| {
            let grants = match &policy.document {
                Some(document) => crate::policy::administrator_grants(document),
                None => ADMINISTRATOR_MANAGED
                    .iter()
                    .filter(|(name, _)| aws_managed_policy_name(&policy.policy) == Some(name))
                    .map(|(_, grant)| grant.to_string())
                    .collect(),
            };
            if grants.is_empty() {
                return None;
            }
            let name = match (policy.inline, &policy.document) {
                (true, _) => format!("inline policy {}", policy.policy),
                (false, None) => policy.policy.rsplit('/').next()?.to_string(),
                (false, Some(_)) => policy.policy.clone(),
            };
            let place = match &policy.group {
                Some(group) => format!("through the group {group}"),
                None => "on the user itself".to_string(),
            };
            Some(format!("{name} ({}) {place}", grants.join("; ")))
        })
        .collect();
    if held.is_empty() {
        return None;
    }
    let capped = user
        .permissions_boundary
        .as_ref()
        .map_or(String::new(), |boundary| {
            format!("; the permissions boundary {boundary} caps what it grants")
        });
    let name = &user.name;
    let fix = if is_managed(user) {
        format!(
            "give administration through a role template, whose role its people assume with MFA for a session (iam-onboard move {name} --template <T>)"
        )
    } else {
        format!(
            "give administration through a role assumed with MFA, then take the policy away: aws iam detach-user-policy / delete-user-policy --user-name {name}, detach-group-policy / delete-group-policy, or aws iam remove-user-from-group"
        )
    };
    Some(Finding::new(
        Check::StandingAdmin,
        user.arn.clone(),
        format!(
            "administrator access at all times: {}{capped}",
            held.join(", ")
        ),
        fix,
    ))
}
