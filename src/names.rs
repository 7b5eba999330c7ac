//! IAM's rules for the names and tags people type: user names, tag keys and values.
//!
//! AWS enforces these server-side (moto does not), so they are checked here, before any call,
//! and a violation is an `InputError` naming the field.

use crate::error::InputError;

/// The longest IAM user name AWS accepts.
pub const MAX_USER_NAME_LEN: usize = 64;
/// How many tags an IAM user may carry.
pub const MAX_TAGS: usize = 50;

/// IAM user names: 1 to 64 of `A-Z a-z 0-9 + = , . @ _ -`.
pub fn validate_user_name(name: &str) -> Result<(), InputError> {
    let field = "username";
    if name.is_empty() {
        return Err(InputError::new(field, "must not be empty"));
    }
    if name.chars().count() > MAX_USER_NAME_LEN {
        return Err(InputError::new(
            field,
            format!(
                "{name:?} is {} characters long; IAM allows at most {MAX_USER_NAME_LEN}",
                name.chars().count()
            ),
        ));
    }
    if let Some(bad) = name.chars().find(|c| !is_user_name_char(*c)) {
        return Err(InputError::new(
            field,
            format!(
                "{name:?} contains {bad:?}; IAM user names allow only A-Z a-z 0-9 + = , . @ _ -"
            ),
        ));
    }
    Ok(())
}

fn is_user_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "+=,.@_-".contains(c)
}

/// One tag as the user typed it, `KEY=VALUE`, split and checked.
pub fn parse_tag(text: &str) -> Result<(String, String), InputError> {
    let Some((key, value)) = text.split_once('=') else {
        return Err(InputError::new(
            "--tag",
            format!("{text:?} is not KEY=VALUE"),
        ));
    };
    validate_tag(key, value)?;
    Ok((key.to_string(), value.to_string()))
}

/// IAM tag rules: key 1-128, value 0-256 characters of letters, digits, spaces and `_ . : / = + - @`;
/// keys starting with `aws:` are reserved.
pub fn validate_tag(key: &str, value: &str) -> Result<(), InputError> {
    let field = format!("tag {key:?}");
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
    if let Some(bad) = key.chars().chain(value.chars()).find(|c| !is_tag_char(*c)) {
        return Err(InputError::new(
            field,
            format!("contains {bad:?}; tags allow letters, digits, spaces and _ . : / = + - @"),
        ));
    }
    Ok(())
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// Checks a whole tag set: each tag, the count, and keys unique regardless of case (IAM treats
/// `Team` and `team` as the same key).
pub fn validate_tag_set(tags: &[(String, String)]) -> Result<(), InputError> {
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
                format!("tag {key:?}"),
                "given twice (IAM tag keys are case-insensitive)",
            ));
        }
    }
    Ok(())
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
    fn tag_keys_are_unique_regardless_of_case() {
        let tags = vec![
            ("Team".to_string(), "a".to_string()),
            ("team".to_string(), "b".to_string()),
        ];
        let err = validate_tag_set(&tags).unwrap_err();
        assert!(err.reason.contains("twice"));
    }
}
