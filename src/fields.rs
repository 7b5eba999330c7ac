//! The field rules of AWS's API models for the values the tool sends that come from a person, a
//! template or a configuration file: each field's length and the characters its pattern allows,
//! copied from the published models (botocore's `service-2.json`), where AWS matches the pattern
//! on the whole value. moto checks none of them, AWS refuses a request that breaks one, so every
//! value is checked here, once, before any change; the emulator suite's contract check compares
//! every request it sends with the models themselves.

use std::sync::OnceLock;

/// One API field's rule: a length range (in characters) and the character class of its
/// pattern, which every character must match.
pub(crate) struct FieldRule {
    /// The operation and member, as the API model names them.
    pub(crate) api_field: &'static str,
    min: usize,
    max: usize,
    /// The pattern's character class, in `regex` syntax.
    class: &'static str,
    /// The class in words, for error messages.
    allowed: &'static str,
    compiled: OnceLock<regex::Regex>,
}

impl FieldRule {
    const fn new(
        api_field: &'static str,
        (min, max): (usize, usize),
        class: &'static str,
        allowed: &'static str,
    ) -> Self {
        FieldRule {
            api_field,
            min,
            max,
            class,
            allowed,
            compiled: OnceLock::new(),
        }
    }

    /// The longest value the field takes.
    pub(crate) fn max(&self) -> usize {
        self.max
    }

    /// Whether one character is allowed.
    pub(crate) fn allows(&self, c: char) -> bool {
        let class = self.compiled.get_or_init(|| {
            regex::Regex::new(&format!("^{}$", self.class)).expect("the class is a valid regex")
        });
        class.is_match(c.encode_utf8(&mut [0; 4]))
    }

    /// Checks `value`; the reason, naming the length or the character at fault and its
    /// position, when AWS would refuse it.
    pub(crate) fn check(&self, value: &str) -> Result<(), String> {
        self.check_within(value, self.max)
    }

    /// Checks `value` as part of a longer one the tool builds: at most `max` characters.
    pub(crate) fn check_within(&self, value: &str, max: usize) -> Result<(), String> {
        let length = value.chars().count();
        if length < self.min {
            return Err(match self.min {
                1 => "must not be empty".to_string(),
                min => format!("must be at least {min} characters"),
            });
        }
        if length > max {
            return Err(format!(
                "is {length} characters; AWS's {} takes at most {max}",
                self.api_field
            ));
        }
        if let Some((at, bad)) = value.chars().enumerate().find(|(_, c)| !self.allows(*c)) {
            return Err(format!(
                "character {} ({bad:?}, U+{:04X}) is not allowed: AWS's {} takes only {}",
                at + 1,
                u32::from(bad),
                self.api_field,
                self.allowed
            ));
        }
        Ok(())
    }
}

/// `CreatePermissionSet` and `UpdatePermissionSet` `Description`.
pub(crate) static PERMISSION_SET_DESCRIPTION: FieldRule = FieldRule::new(
    "sso-admin CreatePermissionSet.Description",
    (1, 700),
    r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]",
    "printable Latin-1 characters (no em dash, curly quotes or letters beyond Latin-1)",
);

/// The identity store's `UserName`.
pub(crate) static IDENTITY_USER_NAME: FieldRule = FieldRule::new(
    "identitystore CreateUser.UserName",
    (1, 128),
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}]",
    "letters, marks, symbols, digits and punctuation (no spaces)",
);

/// The identity store's names, display names, emails and group descriptions
/// (`SensitiveStringType`, `GroupDisplayName`).
pub(crate) static IDENTITY_TEXT: FieldRule = FieldRule::new(
    "identitystore CreateUser.DisplayName",
    (1, 1024),
    r"[\p{L}\p{M}\p{S}\p{N}\p{P}\t\n\r \u00A0\u3000]",
    "letters, marks, symbols, digits, punctuation and spaces (no control or format characters)",
);

/// IAM's `policyDocumentType`: what a policy document may hold.
pub(crate) static IAM_POLICY_DOCUMENT: FieldRule = FieldRule::new(
    "iam CreatePolicy.PolicyDocument",
    (1, 131_072),
    r"[\u0009\u000A\u000D\u0020-\u00FF]",
    "Latin-1 characters (write others as \\u escapes)",
);

/// IAM user names (`userNameType`); `\w` is ASCII in AWS's patterns.
pub(crate) static IAM_USER_NAME: FieldRule = FieldRule::new(
    "iam CreateUser.UserName",
    (1, 64),
    r"[A-Za-z0-9_+=,.@-]",
    "A-Z a-z 0-9 + = , . @ _ -",
);

/// STS role session names (`roleSessionNameType`): a role template's people assume its role
/// under their user name, so that name must be one.
pub(crate) static STS_ROLE_SESSION_NAME: FieldRule = FieldRule::new(
    "sts AssumeRole.RoleSessionName",
    (2, 64),
    r"[A-Za-z0-9_+=,.@-]",
    "A-Z a-z 0-9 + = , . @ _ -",
);

/// IAM role names (`roleNameType`): the role `--accounts` assumes in other accounts.
pub(crate) static IAM_ROLE_NAME: FieldRule = FieldRule::new(
    "iam GetRole.RoleName",
    (1, 64),
    r"[A-Za-z0-9_+=,.@-]",
    "A-Z a-z 0-9 + = , . @ _ -",
);

/// The MFA device of STS GetSessionToken (`serialNumberType`): the caller's profile's
/// `mfa_serial`, used by `--accounts`.
pub(crate) static STS_MFA_SERIAL: FieldRule = FieldRule::new(
    "sts GetSessionToken.SerialNumber",
    (9, 256),
    r"[A-Za-z0-9_+=/:,.@-]",
    "A-Z a-z 0-9 + = / : , . @ _ -",
);

/// IAM group names (`groupNameType`).
pub(crate) static IAM_GROUP_NAME: FieldRule = FieldRule::new(
    "iam CreateGroup.GroupName",
    (1, 128),
    r"[A-Za-z0-9_+=,.@-]",
    "A-Z a-z 0-9 + = , . @ _ -",
);

/// IAM policy names (`policyNameType`), as an AWS managed policy's ARN ends.
pub(crate) static IAM_POLICY_NAME: FieldRule = FieldRule::new(
    "iam GetPolicy.PolicyArn (policy name)",
    (1, 128),
    r"[A-Za-z0-9_+=,.@-]",
    "A-Z a-z 0-9 + = , . @ _ -",
);

/// IAM tag keys (`tagKeyType`).
pub(crate) static IAM_TAG_KEY: FieldRule = FieldRule::new(
    "iam TagUser.Tags.Key",
    (1, 128),
    r"[\p{L}\p{Z}\p{N}_.:/=+\-@]",
    "letters, digits, spaces and _ . : / = + - @",
);

/// IAM tag values (`tagValueType`).
pub(crate) static IAM_TAG_VALUE: FieldRule = FieldRule::new(
    "iam TagUser.Tags.Value",
    (0, 256),
    r"[\p{L}\p{Z}\p{N}_.:/=+\-@]",
    "letters, digits, spaces and _ . : / = + - @",
);

/// Organizations' `ParentId`, as account sets give it: a root (`r-` and 4 to 32 lower-case
/// letters or digits) or an OU (`ou-`, 4 to 32 of them, `-`, 8 to 32 more).
pub(crate) fn check_parent_id(id: &str) -> Result<(), String> {
    static PARENT_ID: OnceLock<regex::Regex> = OnceLock::new();
    let rule = PARENT_ID.get_or_init(|| {
        regex::Regex::new(r"^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[0-9a-z]{8,32})$")
            .expect("a valid regex")
    });
    if rule.is_match(id) {
        Ok(())
    } else {
        Err(format!(
            "{}: AWS's organizations ListChildren.ParentId takes a root (r-, then 4 to 32 lower-case letters or digits) or an OU (ou-, 4 to 32 of them, a dash, 8 to 32 more)",
            crate::names::shown(id)
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_description_as_people_write_it_is_refused_at_the_character_at_fault() {
        let written = "Application developer — reads most services";
        let why = PERMISSION_SET_DESCRIPTION.check(written).unwrap_err();
        assert!(
            why.starts_with("character 23 ('—', U+2014) is not allowed"),
            "{why}"
        );
        assert!(
            PERMISSION_SET_DESCRIPTION
                .check("Café crème, naïve")
                .is_ok()
        );
        assert!(
            PERMISSION_SET_DESCRIPTION
                .check("“dev” writes only")
                .is_err()
        );
        assert!(
            PERMISSION_SET_DESCRIPTION
                .check(&"a".repeat(701))
                .unwrap_err()
                .contains("at most 700")
        );
        assert!(PERMISSION_SET_DESCRIPTION.check("").is_err());
    }

    #[test]
    fn identity_store_text_takes_any_script_but_no_control_or_format_character() {
        assert!(IDENTITY_TEXT.check("Zoë O’Brien — 佐藤").is_ok());
        assert!(IDENTITY_TEXT.check("tab\tand line\nbreaks").is_ok());
        for bad in ["zero\u{200b}width", "bell\u{7}", "thin\u{2009}space"] {
            assert!(IDENTITY_TEXT.check(bad).is_err(), "{bad:?}");
        }
        assert!(IDENTITY_USER_NAME.check("zoë.o’brien@example.com").is_ok());
        assert!(IDENTITY_USER_NAME.check("two words").is_err());
    }

    #[test]
    fn roots_and_ous_are_checked_in_aws_s_form() {
        for good in ["r-ab12", "ou-ab12-abcdefgh", "ou-4r7z-1a2b3c4d5e"] {
            assert!(check_parent_id(good).is_ok(), "{good}");
        }
        for bad in [
            "ou-xyz",
            "r-x",
            "ou-ab12-short",
            "OU-AB12-ABCDEFGH",
            "ou-ab12-abcdefgh-",
        ] {
            assert!(check_parent_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_mfa_serial_is_a_device_arn_or_a_hardware_serial_of_9_to_256_characters() {
        assert!(
            STS_MFA_SERIAL
                .check("arn:aws:iam::123456789012:mfa/ops")
                .is_ok()
        );
        assert!(STS_MFA_SERIAL.check("GAHT12345678").is_ok());
        assert!(
            STS_MFA_SERIAL
                .check("short")
                .unwrap_err()
                .contains("at least 9")
        );
        let spaced = STS_MFA_SERIAL
            .check("arn:aws:iam::1:mfa/my device")
            .unwrap_err();
        assert!(spaced.contains("' '"), "{spaced}");
    }

    #[test]
    fn iam_names_and_tags_keep_their_patterns() {
        assert!(IAM_USER_NAME.check("alice.example+ops@corp").is_ok());
        assert!(
            IAM_USER_NAME.check("zoë").is_err(),
            "\\w is ASCII in AWS's patterns"
        );
        assert!(IAM_USER_NAME.check(&"a".repeat(65)).is_err());
        assert!(IAM_TAG_VALUE.check("").is_ok());
        assert!(IAM_TAG_VALUE.check("Zoë Müller").is_ok());
        assert!(IAM_TAG_VALUE.check("a;b").is_err());
        assert!(IAM_TAG_KEY.check("").is_err());
        assert!(IAM_POLICY_DOCUMENT.check("{\"x\": \"é\"}").is_ok());
        assert!(IAM_POLICY_DOCUMENT.check("{\"x\": \"—\"}").is_err());
    }
}
