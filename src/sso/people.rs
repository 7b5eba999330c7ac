//! What gives an Identity Center person access, read only: the identity-store person, their
//! group memberships with what each group gives, and their own assignments, by account and
//! permission set name (`show --sso`, and what `offboard --sso` removes).

use crate::aws::{Assignment, GroupMembership, Sso, SsoInstance};
use crate::error::Error;
use crate::sso::end_date::UNTIL_GROUP_PREFIX;
use crate::sso::instance::choose_instance;
use crate::sso::permission_set::describe_all;
use futures_util::future::try_join_all;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Access in one account through one permission set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(crate) struct AccessView {
    pub(crate) account: String,
    pub(crate) permission_set: String,
    pub(crate) permission_set_arn: String,
}

/// A group the person is in, and the access it gives its members.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct GroupView {
    pub(crate) name: String,
    pub(crate) gives: Vec<AccessView>,
}

/// An Identity Center person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct PersonView {
    pub(crate) user_name: String,
    pub(crate) user_id: String,
    pub(crate) identity_store_id: String,
    pub(crate) display_name: Option<String>,
    pub(crate) email: Option<String>,
    pub(crate) groups: Vec<GroupView>,
    pub(crate) assignments: Vec<AccessView>,
    /// The end date their `iam-onboard-until-<date>` group records, if any.
    pub(crate) until: Option<String>,
}

/// One of the person's group memberships.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Membership {
    pub(crate) membership: GroupMembership,
    pub(crate) group_name: String,
    /// The group's own assignments: the access it gives its members.
    pub(crate) gives: Vec<Assignment>,
}

/// Everything that gives an Identity Center person access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PersonAccess {
    pub(crate) instance: SsoInstance,
    pub(crate) user_id: String,
    /// Their own assignments, sorted.
    pub(crate) assignments: Vec<Assignment>,
    /// Their group memberships, sorted, each with what the group gives.
    pub(crate) memberships: Vec<Membership>,
}

impl PersonAccess {
    /// Every permission set that gives them access, directly or through a group, each once.
    pub(crate) fn permission_sets(&self) -> Vec<String> {
        self.assignments
            .iter()
            .chain(self.memberships.iter().flat_map(|m| &m.gives))
            .map(|a| a.permission_set_arn.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    }
}

/// Reads what gives the person access: the instance and their id, then their assignments and
/// memberships at once, then each group's name and assignments at once. `None` when the person
/// is not in the identity store.
pub(crate) async fn read_access(
    api: &impl Sso,
    user_name: &str,
    instance_arn: Option<&str>,
) -> Result<Option<PersonAccess>, Error> {
    let instance = choose_instance(api, instance_arn).await?;
    let store = &instance.identity_store_id;
    let Some(user_id) = api
        .find_user_id(store, user_name)
        .await
        .map_err(Error::from_aws)?
    else {
        return Ok(None);
    };
    let (mut assignments, found) = tokio::try_join!(
        api.list_assignments_for_user(&instance.arn, &user_id),
        api.list_group_memberships_for_member(store, &user_id),
    )
    .map_err(Error::from_aws)?;
    assignments.sort();
    let mut memberships = try_join_all(found.into_iter().map(|membership| async {
        let (group_name, mut gives) = tokio::try_join!(
            api.describe_group(store, &membership.group_id),
            api.list_assignments_for_group(&instance.arn, &membership.group_id),
        )?;
        gives.sort();
        Ok(Membership {
            membership,
            group_name,
            gives,
        })
    }))
    .await
    .map_err(Error::from_aws)?;
    memberships.sort();
    Ok(Some(PersonAccess {
        instance,
        user_id,
        assignments,
        memberships,
    }))
}

/// Reads the person's access (see `read_access`), then the permission sets' names (ten at a
/// time) and the person's display name and email, at once. `None` when the person is not in
/// the identity store.
pub(crate) async fn read_person(
    api: &impl Sso,
    user_name: &str,
    instance_arn: Option<&str>,
) -> Result<Option<PersonView>, Error> {
    let Some(access) = read_access(api, user_name, instance_arn).await? else {
        return Ok(None);
    };
    let permission_sets = access.permission_sets();
    let (specs, identity) = tokio::try_join!(
        describe_all(api, &access.instance.arn, &permission_sets),
        api.describe_user(&access.instance.identity_store_id, &access.user_id),
    )
    .map_err(Error::from_aws)?;
    let names: BTreeMap<String, String> = specs
        .into_iter()
        .map(|(arn, spec)| (arn, spec.name))
        .collect();
    let views = |assignments: &[Assignment]| {
        let mut views: Vec<AccessView> = assignments
            .iter()
            .map(|a| AccessView {
                account: a.account.clone(),
                permission_set: names
                    .get(&a.permission_set_arn)
                    .cloned()
                    .unwrap_or_else(|| a.permission_set_arn.clone()),
                permission_set_arn: a.permission_set_arn.clone(),
            })
            .collect();
        views.sort();
        views
    };
    let mut groups: Vec<GroupView> = access
        .memberships
        .iter()
        .map(|m| GroupView {
            name: m.group_name.clone(),
            gives: views(&m.gives),
        })
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Some(PersonView {
        user_name: user_name.to_string(),
        display_name: identity.display_name,
        email: identity.email,
        identity_store_id: access.instance.identity_store_id.clone(),
        until: access
            .memberships
            .iter()
            .filter_map(|m| m.group_name.strip_prefix(UNTIL_GROUP_PREFIX))
            .min()
            .map(str::to_string),
        groups,
        assignments: views(&access.assignments),
        user_id: access.user_id,
    }))
}
