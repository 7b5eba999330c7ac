//! Access through groups: a template's access in its account sets is given once to an
//! identity-store group named `iam-onboard-<template>`, and a person gets it by joining the
//! group. The group and its assignments are shared (made when missing, never undone); a group of
//! that name this tool did not make is refused.

use crate::aws::{Assignment, AwsErrorKind, AwsResult, Grantee, GroupMembership, Sso, SsoInstance};
use crate::error::{Error, InputError};
use crate::sso::assignments::{AccountOutcome, assign_accounts};
use crate::sso::operations::Patience;
use crate::sso::permission_set::PERMISSION_SET_MARKER;
use crate::template::Template;
use futures_util::future::try_join_all;
use std::sync::{Arc, Mutex};

/// The name of a template's group.
pub(crate) fn group_name(template: &str) -> String {
    format!("iam-onboard-{template}")
}

/// A template's group, ensured, and what happened to its assignments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TemplateGroup {
    pub(crate) template: String,
    pub(crate) name: String,
    pub(crate) id: String,
    pub(crate) created: bool,
    /// The group's assignment in each account of the template's sets.
    pub(crate) accounts: Vec<(Assignment, AccountOutcome)>,
}

/// Finds the template's group, or creates it; then gives it the template's permission set in
/// each of `accounts` (polled, no duplicates). A group of that name without the tool's marker
/// in its description is refused.
pub(crate) async fn ensure_group<A: Sso + Send + 'static>(
    api: Arc<A>,
    instance: &SsoInstance,
    template: &Template,
    permission_set_arn: &str,
    accounts: &[String],
    patience: Patience,
) -> Result<TemplateGroup, Error> {
    let store = &instance.identity_store_id;
    let name = group_name(&template.name);
    let description = format!("{PERMISSION_SET_MARKER} {}", template.description);
    let (id, created) =
        find_or_make_group(api.as_ref(), store, &name, &description, "--template").await?;
    let wanted: Vec<Assignment> = accounts
        .iter()
        .map(|account| Assignment {
            account: account.clone(),
            permission_set_arn: permission_set_arn.to_string(),
        })
        .collect();
    // One listing of the group's assignments instead of a check per account: the second
    // person of a template in a hundred accounts costs a call here, not a hundred.
    let existing = api
        .list_assignments_for_group(&instance.arn, &id)
        .await
        .map_err(Error::from_aws)?;
    let (present, missing): (Vec<Assignment>, Vec<Assignment>) =
        wanted.into_iter().partition(|a| existing.contains(a));
    let mut outcomes: Vec<(Assignment, AccountOutcome)> = present
        .into_iter()
        .map(|a| (a, AccountOutcome::AlreadyAssigned))
        .collect();
    outcomes.extend(
        assign_accounts(
            api,
            &instance.arn,
            &Grantee::group(&id),
            missing,
            patience,
            Arc::new(Mutex::new(Vec::new())),
        )
        .await,
    );
    outcomes.sort_by(|a, b| a.0.cmp(&b.0));
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|(a, outcome)| match outcome {
            AccountOutcome::Failed(why) => Some(format!("account {}: {why}", a.account)),
            _ => None,
        })
        .collect();
    if !failed.is_empty() {
        return Err(Error::RolledBack {
            cause: format!(
                "group {name} could not be given its access ({}); the person was not changed, run it again to finish",
                failed.join("; ")
            ),
            undone: Vec::new(),
        });
    }
    Ok(TemplateGroup {
        template: template.name.clone(),
        name,
        id,
        created,
        accounts: outcomes,
    })
}

/// A group this tool makes, found by name, or created with `description` (which starts with
/// the marker); its id, and whether this call made it. A group of that name without the marker
/// is refused, for `field`: it is someone else's.
pub(crate) async fn find_or_make_group(
    api: &impl Sso,
    store: &str,
    name: &str,
    description: &str,
    field: &str,
) -> Result<(String, bool), Error> {
    match api.find_group(store, name).await.map_err(Error::from_aws)? {
        Some((id, found)) if found.starts_with(PERMISSION_SET_MARKER) => Ok((id, false)),
        Some(_) => Err(InputError::new(
            field,
            format!(
                "an identity-store group named {name:?} exists and was not made by iam-onboard (its description does not start with {PERMISSION_SET_MARKER}); refusing to use it"
            ),
        )
        .into()),
        None => match api.create_group(store, name, description).await {
            Ok(id) => Ok((id, true)),
            Err(err) if err.is(AwsErrorKind::Conflict) => {
                let (id, _) = api
                    .find_group(store, name)
                    .await
                    .map_err(Error::from_aws)?
                    .ok_or_else(|| Error::from_aws(err))?;
                Ok((id, false))
            }
            Err(err) => Err(Error::from_aws(err)),
        },
    }
}

/// The person's memberships, each with its group's name: listed, then described at once.
pub(crate) async fn memberships_named(
    api: &impl Sso,
    store: &str,
    user_id: &str,
) -> AwsResult<Vec<(GroupMembership, String)>> {
    let memberships = api
        .list_group_memberships_for_member(store, user_id)
        .await?;
    let names = try_join_all(
        memberships
            .iter()
            .map(|m| api.describe_group(store, &m.group_id)),
    )
    .await?;
    Ok(memberships.into_iter().zip(names).collect())
}

/// Makes the person a member of the group. `true` when this call made them one, `false` when
/// they were one already.
pub(crate) async fn join(
    api: &impl Sso,
    store: &str,
    group_id: &str,
    user_id: &str,
) -> Result<bool, Error> {
    let memberships = api
        .list_group_memberships_for_member(store, user_id)
        .await
        .map_err(Error::from_aws)?;
    if memberships.iter().any(|m| m.group_id == group_id) {
        return Ok(false);
    }
    match api.create_group_membership(store, group_id, user_id).await {
        Ok(()) => Ok(true),
        Err(err) if err.is(AwsErrorKind::Conflict) => Ok(false),
        Err(err) => Err(Error::from_aws(err)),
    }
}

/// Removes the person from the group (an undo): the membership found by listing theirs.
pub(crate) async fn leave(
    api: &impl Sso,
    store: &str,
    group_id: &str,
    user_id: &str,
) -> Result<(), String> {
    let memberships: Vec<GroupMembership> = api
        .list_group_memberships_for_member(store, user_id)
        .await
        .map_err(|err| err.to_string())?;
    for membership in memberships.iter().filter(|m| m.group_id == group_id) {
        match api
            .delete_group_membership(store, &membership.membership_id)
            .await
        {
            Err(err) if !err.is(AwsErrorKind::NotFound) => return Err(err.to_string()),
            _ => {}
        }
    }
    Ok(())
}
