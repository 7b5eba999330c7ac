//! End dates: the day after which a person's access ends, kept on the IAM user as the tag
//! `iam-onboard:until` (a calendar date, `YYYY-MM-DD`), set by `new-user --until` and a batch or
//! sync file's `until` column; and `SetEndDate`, the operation that changes it on a person this
//! tool made (sync, when the HR export's date differs from the one on the user). `expire` and
//! `sync` disable the people past their date; `audit` reports them.

use crate::aws::{CallerIdentity, Iam, UserInfo};
use crate::error::{Error, InputError};
use crate::iam::apply::{Failure, rolling_back};
use crate::iam::undo::{Undo, UndoLog};
use crate::operation::{Operation, Prepared, existing_user};
use crate::protect::Protected;
use crate::tags::{MANAGED_BY_TAG, MANAGED_BY_VALUE};

pub(crate) use crate::tags::UNTIL_TAG;

/// Checks an end date as given (`field` names where): a real calendar date, `YYYY-MM-DD`.
pub(crate) fn parse_date(field: &str, text: &str) -> Result<String, InputError> {
    let refuse = || {
        InputError::new(
            field,
            format!(
                "{} is not a date: give it as YYYY-MM-DD (ISO 8601)",
                crate::names::shown(text)
            ),
        )
    };
    let parts: Vec<&str> = text.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(refuse());
    };
    let number = |part: &str, digits: usize| {
        (part.len() == digits && part.chars().all(|c| c.is_ascii_digit()))
            .then(|| part.parse::<u32>().ok())
            .flatten()
    };
    let (Some(year), Some(month), Some(day)) = (number(year, 4), number(month, 2), number(day, 2))
    else {
        return Err(refuse());
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(refuse()),
    };
    if day == 0 || day > days {
        return Err(refuse());
    }
    Ok(text.to_string())
}

/// Today's date (UTC) at Unix time `now`.
pub(crate) fn today(now: u64) -> String {
    crate::clock::rfc3339(now)[..10].to_string()
}

/// Whether access that lasts `until` (inclusive) has ended by `today`.
pub(crate) fn has_passed(until: &str, today: &str) -> bool {
    until < today
}

/// A validated request to set (or, with `None`, clear) a person's end date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EndDateRequest {
    pub(crate) user_name: String,
    pub(crate) until: Option<String>,
}

impl EndDateRequest {
    /// The one constructor: the user name and date checked.
    pub(crate) fn new(user_name: String, until: Option<&str>) -> Result<Self, InputError> {
        crate::names::validate_user_name(&user_name)?;
        let until = until.map(|date| parse_date("until", date)).transpose()?;
        Ok(EndDateRequest { user_name, until })
    }
}

/// Setting a person's end date: one tag changed, its old value the undo.
pub(crate) struct SetEndDate<'a, A> {
    pub(crate) api: &'a A,
    pub(crate) request: &'a EndDateRequest,
}

impl<A: Iam> Operation for SetEndDate<'_, A> {
    type Plan = UserInfo;
    type Done = ();

    async fn prepare(&self, protected: &Protected) -> Result<Prepared<UserInfo>, Error> {
        let name = &self.request.user_name;
        let (caller, found): (CallerIdentity, Option<UserInfo>) =
            tokio::try_join!(self.api.get_caller_identity(), self.api.get_user(name))
                .map_err(Error::from_aws)?;
        let user = existing_user(protected, &caller, name, found, |user| user)?;
        if user.tag(MANAGED_BY_TAG) != Some(MANAGED_BY_VALUE) {
            return Err(InputError::new(
                "username",
                format!("{name} was not created by iam-onboard; its end date is not this tool's"),
            )
            .into());
        }
        let wanted = self.request.until.as_deref();
        let changes = match wanted {
            _ if user.tag(UNTIL_TAG) == wanted => Vec::new(),
            Some(date) => vec![format!(
                "iam:TagUser UserName={name} Tags=[{UNTIL_TAG}={date}]"
            )],
            None => vec![format!(
                "iam:UntagUser UserName={name} TagKeys=[{UNTIL_TAG}]"
            )],
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
        let until = self.request.until.clone();
        rolling_back(
            api,
            async |undo: &UndoLog| {
                let old = user.tag(UNTIL_TAG).map(str::to_string);
                undo.record(Undo::RestoreTags {
                    user: name.clone(),
                    tags: old
                        .iter()
                        .map(|date| (UNTIL_TAG.to_string(), date.clone()))
                        .collect(),
                    added: if old.is_none() {
                        vec![UNTIL_TAG.to_string()]
                    } else {
                        Vec::new()
                    },
                });
                match &until {
                    Some(date) => {
                        api.tag_user(name, &[(UNTIL_TAG.to_string(), date.clone())])
                            .await?
                    }
                    None => api.untag_user(name, &[UNTIL_TAG]).await?,
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

    #[test]
    fn dates_are_calendar_days_written_yyyy_mm_dd() {
        for good in ["2026-12-31", "2028-02-29", "2000-02-29"] {
            assert_eq!(parse_date("until", good).unwrap(), good);
        }
        for bad in [
            "2026-02-29",
            "1900-02-29",
            "2026-13-01",
            "2026-1-01",
            "31/12/2026",
            "2026-12-31T00:00:00Z",
            "",
            "tomorrow",
        ] {
            let err = parse_date("until", bad).unwrap_err();
            assert_eq!(err.field, "until", "{bad}");
            assert!(err.reason.contains("YYYY-MM-DD"), "{bad}: {err}");
        }
        assert!(has_passed("2026-11-30", "2026-12-01"));
        assert!(
            !has_passed("2026-12-01", "2026-12-01"),
            "the last day still counts"
        );
        assert_eq!(today(1_795_846_800), "2026-11-28");
    }
}
