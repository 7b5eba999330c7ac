//! `show --sso`: the identity-store person, their group memberships with what each group gives,
//! and their own assignments, by account and permission set name. Read only.

use crate::aws::{Assignment, Sso};
use crate::error::Error;
use crate::sso::assign::choose_instance;
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
    pub(crate) groups: Vec<GroupView>,
    pub(crate) assignments: Vec<AccessView>,
}

/// Reads the person: the instance and their id, then their assignments and memberships at once,
/// then each group's name and assignments at once, then the permission sets' names (ten at a
/// time). `None` when the person is not in the identity store.
pub(crate) async fn read_person(
    api: &impl Sso,
    user_name: &str,
    instance_arn: Option<&str>,
) -> Result<Option<PersonView>, Error> {
    let instance = choose_instance(api, instance_arn).await?;
    let store = &instance.identity_store_id;
    let Some(user_id) = api
        .find_user_id(store, user_name)
        .await
        .map_err(Error::from_aws)?
    else {
        return Ok(None);
    };
    let (own, memberships) = tokio::try_join!(
        api.list_assignments_for_user(&instance.arn, &user_id),
        api.list_group_memberships_for_member(store, &user_id),
    )
    .map_err(Error::from_aws)?;
    let groups = try_join_all(memberships.iter().map(|m| async {
        tokio::try_join!(
            api.describe_group(store, &m.group_id),
            api.list_assignments_for_group(&instance.arn, &m.group_id),
        )
    }))
    .await
    .map_err(Error::from_aws)?;
    let arns: Vec<String> = own
        .iter()
        .chain(groups.iter().flat_map(|(_, gives)| gives))
        .map(|a| a.permission_set_arn.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let names: BTreeMap<String, String> = describe_all(api, &instance.arn, &arns)
        .await
        .map_err(Error::from_aws)?
        .into_iter()
        .map(|(arn, spec)| (arn, spec.name))
        .collect();
    let access = |assignments: &[Assignment]| {
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
    let mut groups: Vec<GroupView> = groups
        .iter()
        .map(|(name, gives)| GroupView {
            name: name.clone(),
            gives: access(gives),
        })
        .collect();
    groups.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Some(PersonView {
        user_name: user_name.to_string(),
        user_id,
        identity_store_id: store.clone(),
        groups,
        assignments: access(&own),
    }))
}
