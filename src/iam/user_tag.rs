//! `SetUserTag`: one of the tool's own tags set (or cleared) on a person it made, its old value
//! the undo: the end date (`iam-onboard:until`, by sync) and the last access review
//! (`iam-onboard:reviewed`, by `review apply`).

use crate::aws::{CallerIdentity, Iam, UserInfo};
use crate::error::{Error, InputError};
use crate::iam::apply::{Failure, rolling_back};
use crate::iam::end_date::parse_date;
use crate::iam::undo::{Undo, UndoLog};
use crate::operation::{Operation, Prepared, existing_user};
use crate::protect::Protected;
use crate::tags::{MANAGED_BY_TAG, MANAGED_BY_VALUE, REVIEWED_TAG, UNTIL_TAG};

/// A validated request to set (or, with `None`, clear) one of the tool's tags on a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserTagRequest {
    pub(crate) user_name: String,
    pub(crate) key: &'static str,
    pub(crate) value: Option<String>,
}

impl UserTagRequest {
    /// A person's end date, or none: the user name and date checked.
    pub(crate) fn end_date(user_name: String, until: Option<&str>) -> Result<Self, InputError> {
        crate::names::validate_user_name(&user_name)?;
        let value = until.map(|date| parse_date("until", date)).transpose()?;
        Ok(UserTagRequest {
            user_name,
            key: UNTIL_TAG,
            value,
        })
    }

    /// The day a person's access was last reviewed and kept.
    pub(crate) fn reviewed(user_name: String, on: &str) -> Result<Self, InputError> {
        crate::names::validate_user_name(&user_name)?;
        Ok(UserTagRequest {
            user_name,
            key: REVIEWED_TAG,
            value: Some(parse_date("reviewed", on)?),
        })
    }

    /// What the tag keeps, in words.
    pub(crate) fn what(&self) -> &'static str {
        if self.key == UNTIL_TAG {
            "end date"
        } else {
            "access review"
        }
    }
}

/// Setting one tag of a person this tool made: the tag's old value the undo.
pub(crate) struct SetUserTag<'a, A> {
    pub(crate) api: &'a A,
    pub(crate) request: &'a UserTagRequest,
}

impl<A: Iam> Operation for SetUserTag<'_, A> {
    type Plan = UserInfo;
    type Done = ();

    async fn prepare(&self, protected: &Protected) -> Result<Prepared<UserInfo>, Error> {
        let name = &self.request.user_name;
        let key = self.request.key;
        let (caller, found): (CallerIdentity, Option<UserInfo>) =
            tokio::try_join!(self.api.get_caller_identity(), self.api.get_user(name))
                .map_err(Error::from_aws)?;
        let user = existing_user(protected, &caller, name, found, |user| user)?;
        if user.tag(MANAGED_BY_TAG) != Some(MANAGED_BY_VALUE) {
            return Err(InputError::new(
                "username",
                format!(
                    "{name} was not created by iam-onboard; its {} is not this tool's",
                    self.request.what()
                ),
            )
            .into());
        }
        let wanted = self.request.value.as_deref();
        if wanted.is_some() {
            crate::names::check_room_for_tags(name, &user.tags, &[key])?;
        }
        let changes = match wanted {
            _ if user.tag(key) == wanted => Vec::new(),
            Some(value) => vec![format!("iam:TagUser UserName={name} Tags=[{key}={value}]")],
            None => vec![format!("iam:UntagUser UserName={name} TagKeys=[{key}]")],
        };
        Ok(Prepared {
            caller,
            subject: user.arn.clone(),
            done: changes.is_empty(),
            changes,
            plan: user,
        })
    }

    async fn apply(
        &mut self,
        user: &UserInfo,
        interrupted: impl std::future::Future<Output = ()>,
    ) -> Result<(), Error> {
        let api = self.api;
        let name = &self.request.user_name;
        let key = self.request.key;
        let value = self.request.value.clone();
        rolling_back(
            api,
            async |undo: &UndoLog| {
                undo.record(Undo::tags_before(name, [(key, user.tag(key))]));
                match &value {
                    Some(value) => {
                        api.tag_user(name, &[(key.to_string(), value.clone())])
                            .await?
                    }
                    None => api.untag_user(name, &[key]).await?,
                }
                Ok::<(), Failure>(())
            },
            interrupted,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::memory::{ACCOUNT, MemoryIam};
    use crate::names::MAX_TAGS;

    #[tokio::test]
    async fn a_tag_that_would_pass_the_quota_is_refused_and_one_that_replaces_a_value_is_not() {
        let api = MemoryIam::new(1_750_000_000);
        api.add_everything("ann", "g", &format!("arn:aws:iam::{ACCOUNT}:policy/b"));
        api.edit_user("ann", |user| {
            user.tags = vec![(MANAGED_BY_TAG.to_string(), MANAGED_BY_VALUE.to_string())];
            user.tags
                .extend((1..MAX_TAGS).map(|i| (format!("k{i}"), "v".to_string())));
        });
        let request = UserTagRequest::end_date("ann".to_string(), Some("2027-01-31")).unwrap();
        let operation = SetUserTag {
            api: &api,
            request: &request,
        };
        let err = operation.prepare(&Protected::default()).await.unwrap_err();
        assert!(
            err.to_string()
                .contains("ann has 50 tags and this run adds 1 (iam-onboard:until)"),
            "{err}"
        );
        api.edit_user("ann", |user| {
            user.tags[1] = (UNTIL_TAG.to_string(), "2026-12-31".to_string());
        });
        let prepared = operation.prepare(&Protected::default()).await.unwrap();
        assert_eq!(
            prepared.changes,
            ["iam:TagUser UserName=ann Tags=[iam-onboard:until=2027-01-31]"]
        );
    }
}
