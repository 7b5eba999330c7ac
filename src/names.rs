//! The rules for the names and tags people type: IAM and Identity Center user names, tag keys
//! and values, emails, account ids, endpoints and regions.
//!
//! AWS enforces these server-side (moto does not), so they are checked here, before any call,
//! and a violation is an `InputError` naming the field.

use crate::error::InputError;
use crate::fields::{IAM_TAG_KEY, IAM_TAG_VALUE};

/// The longest IAM user name AWS accepts.
pub(crate) const MAX_USER_NAME_LEN: usize = 64;
/// How many tags an IAM user may carry.
pub(crate) const MAX_TAGS: usize = 50;

/// How many characters of a bad value an error message quotes.
const SHOWN_CHARS: usize = 40;

/// A value as an error message quotes it: in quotes, cut to its first characters with its
/// length named, so a huge field never floods the terminal.
pub(crate) fn shown(value: &str) -> String {
    let length = value.chars().count();
    if length <= SHOWN_CHARS {
        return format!("{value:?}");
    }
    let start: String = value.chars().take(SHOWN_CHARS).collect();
    format!("{start:?}… ({length} characters)")
}

/// AWS account ids are 12 digits.
pub(crate) fn validate_account_id(account: &str) -> Result<(), InputError> {
    if account.len() == 12 && account.chars().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(InputError::new(
            "--account",
            format!("{} is not an AWS account id (12 digits)", shown(account)),
        ))
    }
}

/// An email address as people type it: `local@domain.tld`, one `@`, no spaces.
pub(crate) fn validate_email(field: &str, email: &str) -> Result<(), InputError> {
    let well_formed = match email.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if well_formed {
        Ok(())
    } else {
        Err(InputError::new(
            field,
            format!(
                "{} is not an email address (local@domain.tld)",
                shown(email)
            ),
        ))
    }
}

/// IAM user names: 1 to 64 of `A-Z a-z 0-9 + = , . @ _ -`.
pub(crate) fn validate_user_name(name: &str) -> Result<(), InputError> {
    let field = "username";
    if name.is_empty() {
        return Err(InputError::new(field, "must not be empty"));
    }
    if name.chars().count() > MAX_USER_NAME_LEN {
        return Err(InputError::new(
            field,
            format!(
                "{} is {} characters long; IAM allows at most {MAX_USER_NAME_LEN}",
                shown(name),
                name.chars().count()
            ),
        ));
    }
    if let Some(bad) = name.chars().find(|c| !is_user_name_char(*c)) {
        return Err(InputError::new(
            field,
            format!(
                "{} contains {bad:?}; IAM user names allow only A-Z a-z 0-9 + = , . @ _ -",
                shown(name)
            ),
        ));
    }
    Ok(())
}

fn is_user_name_char(c: char) -> bool {
    crate::fields::IAM_USER_NAME.allows(c)
}

/// Identity Center user names, by the identity store's rule: 1 to 128 letters, marks,
/// symbols, digits and punctuation.
pub(crate) fn validate_identity_user_name(name: &str) -> Result<(), InputError> {
    crate::fields::IDENTITY_USER_NAME
        .check(name)
        .map_err(|why| {
            InputError::new(
                "username",
                format!(
                    "{}: {why} (an Identity Center user name has no spaces)",
                    shown(name)
                ),
            )
        })
}

/// One tag as the user typed it, `KEY=VALUE`, split and checked.
pub(crate) fn parse_tag(text: &str) -> Result<(String, String), InputError> {
    let Some((key, value)) = text.split_once('=') else {
        return Err(InputError::new(
            "--tag",
            format!("{} is not KEY=VALUE", shown(text)),
        ));
    };
    validate_tag(key, value)?;
    Ok((key.to_string(), value.to_string()))
}

/// IAM tag rules: key 1-128, value 0-256 characters of letters, digits, spaces and `_ . : / = + - @`;
/// keys starting with `aws:` are reserved.
pub(crate) fn validate_tag(key: &str, value: &str) -> Result<(), InputError> {
    let field = format!("tag {}", shown(key));
    if key.is_empty() || key.chars().count() > 128 {
        return Err(InputError::new(field, "tag keys are 1 to 128 characters"));
    }
    if key.to_ascii_lowercase().starts_with("aws:") {
        return Err(InputError::new(
            field,
            "tag keys starting with aws: are reserved by AWS",
        ));
    }
    if value.chars().count() > 256 {
        return Err(InputError::new(
            field,
            "tag values are at most 256 characters",
        ));
    }
    let bad_in_key = key.chars().find(|c| !IAM_TAG_KEY.allows(*c));
    if let Some(bad) = bad_in_key.or_else(|| value.chars().find(|c| !IAM_TAG_VALUE.allows(*c))) {
        return Err(InputError::new(
            field,
            format!("contains {bad:?}; tags allow letters, digits, spaces and _ . : / = + - @"),
        ));
    }
    Ok(())
}

/// An endpoint URL the SDK can use: http or https, with a host. The reason when not.
pub(crate) fn validate_endpoint_url(url: &str) -> Result<(), String> {
    let unusable = |why: &str| {
        Err(format!(
            "{} is not usable: {why} (unset it to use AWS itself)",
            shown(url)
        ))
    };
    let parsed = match url.parse::<http::Uri>() {
        Ok(parsed) => parsed,
        Err(err) => return unusable(&format!("not a URL ({err})")),
    };
    match parsed.scheme_str() {
        Some("http" | "https") => {}
        _ => return unusable("it must start with http:// or https://"),
    }
    if parsed.host().is_none_or(str::is_empty) {
        return unusable("it names no host");
    }
    Ok(())
}

/// A region name the SDK accepts: a host label of letters, digits and dashes, such as
/// `eu-west-1`.
pub(crate) fn validate_region(region: &str) -> Result<(), InputError> {
    let label = !region.is_empty()
        && region.len() <= 63
        && !region.starts_with('-')
        && !region.ends_with('-')
        && region
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-');
    if label {
        Ok(())
    } else {
        Err(InputError::new(
            "--region",
            format!(
                "{} is not a region name (letters, digits and dashes, such as eu-west-1)",
                shown(region)
            ),
        ))
    }
}

/// Checks a whole tag set: each tag, the count, and keys unique regardless of case (IAM treats
/// `Team` and `team` as the same key).
pub(crate) fn validate_tag_set(tags: &[(String, String)]) -> Result<(), InputError> {
    if tags.len() > MAX_TAGS {
        return Err(InputError::new(
            "tags",
            format!(
                "{} tags; IAM allows at most {MAX_TAGS} on a user",
                tags.len()
            ),
        ));
    }
    for (index, (key, value)) in tags.iter().enumerate() {
        validate_tag(key, value)?;
        if tags[..index]
            .iter()
            .any(|(earlier, _)| earlier.eq_ignore_ascii_case(key))
        {
            return Err(InputError::new(
                format!("tag {}", shown(key)),
                "given twice (IAM tag keys are case-insensitive)",
            ));
        }
    }
    Ok(())
}

/// Checks that the tags a run adds to an existing user fit beside the user's own: a key the
/// user has already (in any case) is replaced, a new one counts against IAM's quota, which
/// TagUser enforces with LimitExceeded once the change is under way.
pub(crate) fn check_room_for_tags(
    user: &str,
    existing: &[(String, String)],
    adding: &[&str],
) -> Result<(), InputError> {
    let new: Vec<&str> = adding
        .iter()
        .copied()
        .filter(|key| !existing.iter().any(|(k, _)| k.eq_ignore_ascii_case(key)))
        .collect();
    let total = existing.len() + new.len();
    if total <= MAX_TAGS {
        return Ok(());
    }
    Err(InputError::new(
        "<USERNAME>",
        format!(
            "{user} has {} tags and this run adds {} ({}); IAM allows at most {MAX_TAGS} on a user: remove {} of its other tags first (aws iam untag-user)",
            existing.len(),
            new.len(),
            new.join(", "),
            total - MAX_TAGS
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_character_iam_allows() {
        validate_user_name("alice").unwrap();
        validate_user_name("a.b-c_d+e=f,g@example.com").unwrap();
        validate_user_name(&"x".repeat(64)).unwrap();
    }

    #[test]
    fn refuses_empty_long_and_foreign_characters() {
        assert!(validate_user_name("").is_err());
        let long = validate_user_name(&"x".repeat(65)).unwrap_err();
        assert!(long.reason.contains("at most 64"), "{long}");
        for bad in ["al ice", "alice!", "bob/admin", "zoë", "a;b", "a*"] {
            let err = validate_user_name(bad).unwrap_err();
            assert_eq!(err.field, "username", "{bad}");
        }
    }

    #[test]
    fn tags_parse_and_follow_iam_rules() {
        assert_eq!(
            parse_tag("cost-center=CC 1234").unwrap(),
            ("cost-center".to_string(), "CC 1234".to_string())
        );
        assert_eq!(parse_tag("empty=").unwrap().1, "");
        assert!(parse_tag("novalue").is_err());
        assert!(parse_tag("=value").is_err());
        assert!(parse_tag("aws:team=x").is_err());
        assert!(parse_tag("AWS:team=x").is_err());
        assert!(parse_tag("team=a;b").is_err());
        assert!(parse_tag(&format!("k={}", "v".repeat(257))).is_err());
    }

    #[test]
    fn tag_values_with_tabs_or_line_breaks_are_refused_but_unicode_spaces_pass() {
        for bad in ["a\tb", "a\nb", "a\rb", "a\u{0b}b"] {
            let err = parse_tag(&format!("team={bad}")).unwrap_err();
            assert!(err.reason.contains("contains"), "{bad:?}: {err}");
        }
        parse_tag("team=a\u{a0}b\u{3000}c").unwrap();
        parse_tag("name=Zoë Ünal").unwrap();
    }

    #[test]
    fn email_addresses_need_a_local_part_and_a_dotted_domain() {
        validate_email("--email", "ann@example.com").unwrap();
        validate_email("--email", "a.b+c@mail.example.co.uk").unwrap();
        for bad in [
            "not-an-email",
            "@example.com",
            "ann@",
            "ann@example",
            "ann@@example.com",
            "ann @example.com",
            "ann@example.com.",
            "ann@.com",
        ] {
            let err = validate_email("--email", bad).unwrap_err();
            assert_eq!(err.field, "--email", "{bad}");
        }
    }

    #[test]
    fn a_huge_bad_value_is_quoted_cut() {
        let huge = format!("{}!", "x".repeat(10_000_000));
        let err = validate_user_name(&huge).unwrap_err();
        assert!(err.to_string().len() < 200, "{}", err.to_string().len());
        assert!(err.reason.contains("(10000001 characters)"), "{err}");
        assert_eq!(shown("short"), "\"short\"");
    }

    #[test]
    fn endpoint_urls_and_regions_are_checked_before_the_sdk_sees_them() {
        for bad in [
            "http://",
            "http://[::1",
            "ftp://example.com",
            "localhost:4566",
            "",
        ] {
            assert!(validate_endpoint_url(bad).is_err(), "{bad:?}");
        }
        for good in [
            "http://127.0.0.1:4566",
            "https://iam.amazonaws.com",
            "http://[::1]:5000",
        ] {
            validate_endpoint_url(good).unwrap();
        }
        for bad in ["not a region!", "", "-eu", "eu_west_1"] {
            assert_eq!(
                validate_region(bad).unwrap_err().field,
                "--region",
                "{bad:?}"
            );
        }
        validate_region("eu-west-1").unwrap();
    }

    #[test]
    fn tag_keys_are_unique_regardless_of_case() {
        let tags = vec![
            ("Team".to_string(), "a".to_string()),
            ("team".to_string(), "b".to_string()),
        ];
        let err = validate_tag_set(&tags).unwrap_err();
        assert!(err.reason.contains("twice"));
    }

    #[test]
    fn a_run_adding_tags_must_leave_the_user_within_the_quota() {
        let tags = |n: usize| -> Vec<(String, String)> {
            (0..n).map(|i| (format!("k{i}"), "v".to_string())).collect()
        };
        check_room_for_tags("ann", &tags(49), &["iam-onboard:rotating"]).unwrap();
        check_room_for_tags("ann", &tags(50), &["K3"]).unwrap();
        let err = check_room_for_tags("ann", &tags(49), &["a", "b", "k7"]).unwrap_err();
        assert_eq!(err.field, "<USERNAME>");
        assert!(
            err.reason
                .starts_with("ann has 49 tags and this run adds 2 (a, b); IAM allows at most 50"),
            "{}",
            err.reason
        );
        assert!(
            err.reason.contains("remove 1 of its other tags"),
            "{}",
            err.reason
        );
    }
}
