//! End dates: the day after which a person's access ends, kept on the IAM user as the tag
//! `iam-onboard:until` (a calendar date, `YYYY-MM-DD`), set by `new-user --until` and a batch or
//! sync file's `until` column, and changed by `user_tag::SetUserTag` (sync, when the HR export's
//! date differs from the one on the user). `expire` and `sync` disable the people past their
//! date; `audit` reports them.

use crate::error::InputError;

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

/// Refuses an end date that has passed by `today` (`field` names where it was given): the
/// person would be given access for `expire` or `sync` to cut at once. The last day itself
/// still counts.
pub(crate) fn refuse_passed(
    field: &str,
    until: Option<&str>,
    today: &str,
) -> Result<(), InputError> {
    match until {
        Some(until) if has_passed(until, today) => Err(InputError::new(
            field,
            format!(
                "{until} has passed (today is {today}, UTC): access that has already ended is not given"
            ),
        )),
        _ => Ok(()),
    }
}

/// Today's date (UTC) at Unix time `now`.
pub(crate) fn today(now: u64) -> String {
    crate::clock::rfc3339(now)[..10].to_string()
}

/// Today's date (UTC) by the machine's clock.
pub(crate) fn today_by_the_clock() -> String {
    use crate::clock::Clock;
    today(crate::clock::SystemClock.unix_now())
}

/// Whether access that lasts `until` (inclusive) has ended by `today`.
pub(crate) fn has_passed(until: &str, today: &str) -> bool {
    until < today
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

    #[test]
    fn an_end_date_that_has_passed_is_refused_and_today_is_not() {
        let err = refuse_passed("--until", Some("2026-11-30"), "2026-12-01").unwrap_err();
        assert_eq!(err.field, "--until");
        assert!(
            err.reason
                .contains("2026-11-30 has passed (today is 2026-12-01"),
            "{err}"
        );
        refuse_passed("--until", Some("2026-12-01"), "2026-12-01").unwrap();
        refuse_passed("--until", None, "2026-12-01").unwrap();
    }
}
