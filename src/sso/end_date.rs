//! Identity Center end dates. The identity store keeps no free field on a person that a tool
//! may write and read back in bulk, so an end date is a membership: the person is in the group
//! `iam-onboard-until-<YYYY-MM-DD>` (made by this tool, its description starting with the
//! tool's marker, and given no assignment, so it grants nothing). The store's group listing and
//! one membership listing a date read everyone's dates, whatever the number of people; the
//! console shows the date on the person. `assign --until`, a batch or sync row's `until` and
//! sync's end-date changes set it (`SetSsoEndDate`, and `record` inside `assign`); `sync` and
//! `expire --sso` remove the access of the people past it.

use crate::aws::{AwsErrorKind, CallerIdentity, Sso, SsoInstance};
use crate::error::{Error, InputError};
use crate::iam::end_date::parse_date;
use crate::names::validate_identity_user_name;
use crate::operation::{Operation, Prepared};
use crate::protect::{Person, Protected};
use crate::sso::groups::{find_or_make_group, memberships_named};
use crate::sso::instance::choose_instance;
use crate::sso::permission_set::PERMISSION_SET_MARKER;

/// How an end date's group is named: the prefix, then the date.
pub(crate) const UNTIL_GROUP_PREFIX: &str = "iam-onboard-until-";

/// The group whose members' access ends after `date`.
pub(crate) fn until_group(date: &str) -> String {
    format!("{UNTIL_GROUP_PREFIX}{date}")
}

/// The date of an end date's group, from its name and description: `None` for any other
/// group (a group of that name this tool did not make included).
pub(crate) fn date_of_group<'a>(name: &'a str, description: &str) -> Option<&'a str> {
    let date = name.strip_prefix(UNTIL_GROUP_PREFIX)?;
    (description.starts_with(PERMISSION_SET_MARKER) && parse_date("until", date).is_ok())
        .then_some(date)
}

/// One of a person's end-date memberships.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UntilMembership {
    pub(crate) membership_id: String,
    pub(crate) group_id: String,
    pub(crate) date: String,
}

/// The person's end-date memberships.
pub(crate) async fn read_until(
    api: &impl Sso,
    store: &str,
    user_id: &str,
) -> Result<Vec<UntilMembership>, Error> {
    let named = memberships_named(api, store, user_id)
        .await
        .map_err(Error::from_aws)?;
    let mut found: Vec<UntilMembership> = named
        .into_iter()
        .filter_map(|(membership, name)| {
            Some(UntilMembership {
                date: name.strip_prefix(UNTIL_GROUP_PREFIX)?.to_string(),
                membership_id: membership.membership_id,
                group_id: membership.group_id,
            })
        })
        .collect();
    found.sort_by(|a, b| a.date.cmp(&b.date));
    Ok(found)
}

/// What makes `wanted` the person's only end date: the group to join (none when they are in
/// it already, or no date is wanted) and the memberships to leave.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct UntilChange {
    pub(crate) join: Option<String>,
    pub(crate) leave: Vec<UntilMembership>,
}

impl UntilChange {
    pub(crate) fn of(found: &[UntilMembership], wanted: Option<&str>) -> Self {
        UntilChange {
            join: wanted
                .filter(|date| !found.iter().any(|m| m.date == *date))
                .map(str::to_string),
            leave: found
                .iter()
                .filter(|m| Some(m.date.as_str()) != wanted)
                .cloned()
                .collect(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.join.is_none() && self.leave.is_empty()
    }

    /// The changes in the words of their API calls, for the plan.
    pub(crate) fn steps(&self, user_name: &str) -> Vec<String> {
        let mut steps: Vec<String> = self
            .join
            .iter()
            .map(|date| {
                format!(
                    "identitystore:CreateGroupMembership {} (the end date of {user_name}; the group is made when missing)",
                    until_group(date)
                )
            })
            .collect();
        steps.extend(self.leave.iter().map(|m| {
            format!(
                "identitystore:DeleteGroupMembership {} ({}, the end date before)",
                m.membership_id,
                until_group(&m.date)
            )
        }));
        steps
    }
}

/// The end date's group: found, or made (shared, never undone).
async fn ensure_until_group(api: &impl Sso, store: &str, date: &str) -> Result<String, Error> {
    let description = format!(
        "{PERMISSION_SET_MARKER} end date: its members' access ends after {date}; it is given no access"
    );
    let (id, _) = find_or_make_group(api, store, &until_group(date), &description, "until").await?;
    Ok(id)
}

/// Makes the change: the new date's group joined first, then the old ones left. On a failure,
/// what it did is undone (the new membership removed, the old ones restored); what could not
/// be is in the error.
pub(crate) async fn record(
    api: &impl Sso,
    store: &str,
    user_id: &str,
    change: &UntilChange,
) -> Result<(), Error> {
    let mut joined: Option<String> = None;
    let mut left: Vec<&UntilMembership> = Vec::new();
    let made = async {
        if let Some(date) = &change.join {
            let group = ensure_until_group(api, store, date).await?;
            api.create_group_membership(store, &group, user_id)
                .await
                .map_err(Error::from_aws)?;
            joined = Some(group);
        }
        for membership in &change.leave {
            match api
                .delete_group_membership(store, &membership.membership_id)
                .await
            {
                Err(err) if !err.is(AwsErrorKind::NotFound) => return Err(Error::from_aws(err)),
                _ => left.push(membership),
            }
        }
        Ok(())
    }
    .await;
    let Err(err) = made else {
        return Ok(());
    };
    let mut leftovers = Vec::new();
    let mut undone = Vec::new();
    if let Some(group) = &joined {
        let what = format!("membership of {user_id} in group {group}");
        match crate::sso::groups::leave(api, store, group, user_id).await {
            Ok(()) => undone.push(what),
            Err(why) => leftovers.push(format!("{what} ({why})")),
        }
    }
    for membership in left {
        let what = format!(
            "membership of {user_id} in {} (put back)",
            until_group(&membership.date)
        );
        match api
            .create_group_membership(store, &membership.group_id, user_id)
            .await
        {
            Ok(()) => undone.push(what),
            Err(why) => leftovers.push(format!("{what} ({why})")),
        }
    }
    let cause = err.to_string();
    Err(if leftovers.is_empty() {
        Error::RolledBack { cause, undone }
    } else {
        Error::UndoIncomplete { cause, leftovers }
    })
}

/// A validated request to set (or, with `None`, clear) an Identity Center person's end date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoEndDateRequest {
    pub(crate) user_name: String,
    pub(crate) until: Option<String>,
}

impl SsoEndDateRequest {
    /// The one constructor: the user name by the identity store's rules, the date checked.
    pub(crate) fn new(user_name: String, until: Option<&str>) -> Result<Self, InputError> {
        validate_identity_user_name(&user_name)?;
        let until = until.map(|date| parse_date("until", date)).transpose()?;
        Ok(SsoEndDateRequest { user_name, until })
    }
}

/// What setting an end date found: where, who, and the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SsoEndDatePlan {
    pub(crate) instance: SsoInstance,
    pub(crate) user_id: String,
    pub(crate) change: UntilChange,
}

/// Setting an Identity Center person's end date (a sync row).
pub(crate) struct SetSsoEndDate<'a, A> {
    pub(crate) api: &'a A,
    pub(crate) request: &'a SsoEndDateRequest,
    pub(crate) caller: &'a CallerIdentity,
}

impl<A: Sso> Operation for SetSsoEndDate<'_, A> {
    type Plan = SsoEndDatePlan;
    type Done = ();

    async fn prepare(&self, protected: &Protected) -> Result<Prepared<SsoEndDatePlan>, Error> {
        let name = &self.request.user_name;
        protected
            .guard(self.caller.clone())
            .check(Person::Identity { name })?;
        let instance = choose_instance(self.api, None).await?;
        let store = &instance.identity_store_id;
        let user_id = self
            .api
            .find_user_id(store, name)
            .await
            .map_err(Error::from_aws)?
            .ok_or_else(|| {
                InputError::new("username", format!("{name} is not in the identity store"))
            })?;
        let found = read_until(self.api, store, &user_id).await?;
        let change = UntilChange::of(&found, self.request.until.as_deref());
        Ok(Prepared {
            caller: self.caller.clone(),
            subject: user_id.clone(),
            changes: change.steps(name),
            done: change.is_empty(),
            plan: SsoEndDatePlan {
                instance,
                user_id,
                change,
            },
        })
    }

    /// Two calls at most, left to finish when a signal comes (a row's signal starts no more
    /// rows); a failure is undone by `record`.
    async fn apply(
        &mut self,
        plan: &SsoEndDatePlan,
        _interrupted: impl std::future::Future<Output = ()>,
    ) -> Result<(), Error> {
        record(
            self.api,
            &plan.instance.identity_store_id,
            &plan.user_id,
            &plan.change,
        )
        .await
    }
}
