//! Who a command must never change: the protected users and the identity running it.
//!
//! The protected set is the union of `--protect`, `IAM_ONBOARD_PROTECTED` and the configuration
//! file's `protected_users`, whichever are given. The caller is recognised by its unique id
//! (GetCallerIdentity's `UserId` against GetUser's `UserId`), not by comparing ARN text, which
//! comes in several forms. Every path that creates, changes or removes a person's access
//! (new-user, offboard in each mode, `--sso`, assign, batch rows) asks `Guard::check` first; a
//! refusal is bad input (exit 2) and nothing is changed.

use crate::aws::{CallerIdentity, UserInfo};
use crate::config::Config;
use crate::error::InputError;

/// Environment variable with protected user names, comma-separated; added to `--protect`.
pub(crate) const PROTECTED_ENV: &str = "IAM_ONBOARD_PROTECTED";

/// The protected user names, each with where it came from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Protected {
    names: Vec<(String, &'static str)>,
}

impl Protected {
    /// `--protect` values, `IAM_ONBOARD_PROTECTED` and the configuration file, together.
    pub(crate) fn gather(flags: &[String], config: &Config) -> Self {
        let env = std::env::var(PROTECTED_ENV).ok();
        Self::from_sources(flags, env.as_deref(), config)
    }

    fn from_sources(flags: &[String], env: Option<&str>, config: &Config) -> Self {
        let from_env = env.into_iter().flat_map(|text| text.split(','));
        let names = flags
            .iter()
            .map(|name| (name.as_str(), "--protect"))
            .chain(from_env.map(|name| (name, PROTECTED_ENV)))
            .chain(
                config
                    .protected_users
                    .iter()
                    .map(|name| (name.as_str(), "the configuration file")),
            )
            .map(|(name, source)| (name.trim().to_string(), source))
            .filter(|(name, _)| !name.is_empty())
            .collect();
        Protected { names }
    }

    /// Where `name` is protected, if it is. IAM and identity-store user names are unique
    /// regardless of case, so protection is too.
    fn source_of(&self, name: &str) -> Option<&'static str> {
        self.names
            .iter()
            .find(|(protected, _)| protected.eq_ignore_ascii_case(name))
            .map(|(_, source)| *source)
    }

    /// Refuses a protected name; what only the caller's identity can tell is `Guard::check`'s.
    pub(crate) fn check_name(&self, name: &str) -> Result<(), InputError> {
        match self.source_of(name) {
            Some(source) => Err(InputError::new(
                "username",
                format!(
                    "{name} is protected (by {source}; the protected users are --protect, {PROTECTED_ENV} and the configuration file together)"
                ),
            )),
            None => Ok(()),
        }
    }

    /// The guard for a run by `caller`.
    pub(crate) fn guard(&self, caller: CallerIdentity) -> Guard {
        Guard {
            protected: self.clone(),
            caller,
        }
    }
}

/// A person a command is about to create, change or remove.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Person<'a> {
    /// An IAM user; `found` is what GetUser answered (`None`: the user does not exist).
    IamUser {
        name: &'a str,
        found: Option<&'a UserInfo>,
    },
    /// A user of the Identity Center identity store, by user name.
    Identity { name: &'a str },
}

impl Person<'_> {
    fn name(&self) -> &str {
        match self {
            Person::IamUser { name, .. } | Person::Identity { name } => name,
        }
    }
}

/// The protected set and the caller of one run.
#[derive(Debug, Clone)]
pub(crate) struct Guard {
    protected: Protected,
    caller: CallerIdentity,
}

impl Guard {
    pub(crate) fn caller(&self) -> &CallerIdentity {
        &self.caller
    }

    /// The protected set it checks against.
    pub(crate) fn protected(&self) -> &Protected {
        &self.protected
    }

    /// Refuses a protected person, and the identity running the command.
    pub(crate) fn check(&self, person: Person<'_>) -> Result<(), InputError> {
        let name = person.name();
        if self.is_caller(person) {
            return Err(InputError::new(
                "username",
                format!(
                    "{name} is the identity running this command ({}); change it from another one",
                    self.caller.arn
                ),
            ));
        }
        self.protected.check_name(name)
    }

    /// Whether `person` is the caller: the same unique id, or the same user named by the
    /// caller's ARN in another form (an `sts` ARN of an IAM user, an Identity Center role
    /// session named after the person).
    fn is_caller(&self, person: Person<'_>) -> bool {
        let caller = &self.caller;
        match person {
            Person::IamUser { name, found } => {
                found.is_some_and(|user| !user.user_id.is_empty() && user.user_id == caller.user_id)
                    || iam_user_in_arn(&caller.arn).is_some_and(|n| n.eq_ignore_ascii_case(name))
                    || member_account_session(&caller.arn)
                        .is_some_and(|n| n.eq_ignore_ascii_case(name))
            }
            Person::Identity { name } => {
                identity_center_session(&caller.arn).is_some_and(|n| n.eq_ignore_ascii_case(name))
            }
        }
    }
}

/// The IAM user an ARN names (`arn:aws:iam::1:user/path/NAME`, or the `sts` form some
/// emulators answer), if it names one.
fn iam_user_in_arn(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let path = resource.strip_prefix("user/")?;
    path.rsplit('/').next().filter(|name| !name.is_empty())
}

/// The prefix of the session name under which the tool assumes a role in another account of the
/// organisation; the caller's own name follows it.
const MEMBER_SESSION_PREFIX: &str = "iam-onboard.";

/// The session name the tool assumes roles in other accounts under: `iam-onboard.` and the
/// caller's name (an IAM user's name, a role session's name), kept to STS's 64 characters of
/// `A-Z a-z 0-9 + = , . @ _ -`, so that there the person running the command is recognised.
pub(crate) fn member_session_name(caller: &CallerIdentity) -> String {
    let resource = caller.arn.splitn(6, ':').nth(5).unwrap_or_default();
    let name = iam_user_in_arn(&caller.arn)
        .or_else(|| {
            resource
                .strip_prefix("assumed-role/")
                .and_then(|rest| rest.split('/').nth(1))
        })
        .unwrap_or("root");
    let allowed = |c: char| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c);
    let cleaned: String = name
        .chars()
        .map(|c| if allowed(c) { c } else { '_' })
        .collect();
    let mut session = format!("{MEMBER_SESSION_PREFIX}{cleaned}");
    session.truncate(64);
    session
}

/// The person behind the tool's own role session in another account (`member_session_name`).
fn member_account_session(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let session = resource.strip_prefix("assumed-role/")?.split('/').nth(1)?;
    session.strip_prefix(MEMBER_SESSION_PREFIX)
}

/// The person behind an Identity Center role session: its role is
/// `AWSReservedSSO_<permission set>_<id>` and its session name is the person's user name.
fn identity_center_session(arn: &str) -> Option<&str> {
    let resource = arn.splitn(6, ':').nth(5)?;
    let mut parts = resource.strip_prefix("assumed-role/")?.split('/');
    let role = parts.next()?;
    let session = parts.next()?;
    role.starts_with("AWSReservedSSO_").then_some(session)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(arn: &str, user_id: &str) -> CallerIdentity {
        CallerIdentity {
            account: "123456789012".to_string(),
            arn: arn.to_string(),
            user_id: user_id.to_string(),
        }
    }

    fn user(name: &str, arn: &str, user_id: &str) -> UserInfo {
        UserInfo {
            created: None,
            password_last_used: None,
            name: name.to_string(),
            arn: arn.to_string(),
            user_id: user_id.to_string(),
            tags: Vec::new(),
            permissions_boundary: None,
        }
    }

    fn config(names: &[&str]) -> Config {
        Config {
            protected_users: names.iter().map(ToString::to_string).collect(),
            ..Config::default()
        }
    }

    fn admin() -> CallerIdentity {
        caller("arn:aws:iam::123456789012:user/admin", "AIDAADMIN")
    }

    #[test]
    fn in_another_account_the_caller_is_recognised_by_the_tool_s_session_name() {
        let session = member_session_name(&admin());
        assert_eq!(session, "iam-onboard.admin");
        let there = caller(
            &format!(
                "arn:aws:sts::210987654321:assumed-role/OrganizationAccountAccessRole/{session}"
            ),
            "AROAMEMBER:iam-onboard.admin",
        );
        let guard = Protected::default().guard(there);
        let admin_there = user("admin", "arn:aws:iam::210987654321:user/admin", "AIDAOTHER");
        let refused = guard
            .check(Person::IamUser {
                name: "admin",
                found: Some(&admin_there),
            })
            .unwrap_err();
        assert!(
            refused.reason.contains("the identity running this command"),
            "{refused}"
        );
        let bob = user("bob", "arn:aws:iam::210987654321:user/bob", "AIDABOB");
        assert!(
            guard
                .check(Person::IamUser {
                    name: "bob",
                    found: Some(&bob)
                })
                .is_ok()
        );
        let from_a_role = caller(
            "arn:aws:sts::123456789012:assumed-role/ops/jane@example.com",
            "AROAOPS:jane@example.com",
        );
        assert_eq!(
            member_session_name(&from_a_role),
            "iam-onboard.jane@example.com"
        );
        let long = caller(&format!("arn:aws:iam::1:user/{}", "a".repeat(64)), "AIDA");
        assert_eq!(member_session_name(&long).len(), 64);
    }

    fn iam<'a>(name: &'a str, found: Option<&'a UserInfo>) -> Person<'a> {
        Person::IamUser { name, found }
    }

    #[test]
    fn protect_flags_add_to_the_environment_and_the_file_instead_of_replacing_them() {
        let flags = vec!["someoneelse".to_string()];
        let guard = Protected::from_sources(&flags, Some("keep4, keep5"), &config(&["keep6"]))
            .guard(admin());
        for name in ["someoneelse", "keep4", "KEEP5", "keep6"] {
            let err = guard.check(iam(name, None)).unwrap_err();
            assert!(err.reason.contains("is protected"), "{name}: {err}");
            assert!(guard.check(Person::Identity { name }).is_err(), "{name}");
        }
        let from_env = guard.check(iam("keep4", None)).unwrap_err();
        assert!(from_env.reason.contains(PROTECTED_ENV), "{from_env}");
        guard.check(iam("carol", None)).unwrap();
        let empty = Protected::from_sources(&[], Some(" , "), &Config::default()).guard(admin());
        empty.check(iam("carol", None)).unwrap();
    }

    #[test]
    fn the_caller_is_refused_by_unique_id_whatever_form_its_arn_takes() {
        let guard = Protected::default().guard(caller(
            "arn:aws:sts::123456789012:assumed-role/ops/session",
            "AIDASAME",
        ));
        let same = user(
            "ops-admin",
            "arn:aws:iam::123456789012:user/ops/ops-admin",
            "AIDASAME",
        );
        let err = guard.check(iam("ops-admin", Some(&same))).unwrap_err();
        assert!(
            err.reason.contains("identity running this command"),
            "{err}"
        );
        let other = user(
            "ops-admin",
            "arn:aws:iam::123456789012:user/ops-admin",
            "AIDAOTHER",
        );
        guard.check(iam("ops-admin", Some(&other))).unwrap();
    }

    #[test]
    fn the_caller_is_refused_when_its_arn_names_the_user_in_another_form() {
        let emulator = Protected::default().guard(caller(
            "arn:aws:sts::123456789012:user/moto",
            "AKIAIOSFODNN7EXAMPLE",
        ));
        let moto = user("moto", "arn:aws:iam::123456789012:user/moto", "AIDA1");
        assert!(emulator.check(iam("moto", Some(&moto))).is_err());
        let pathed = Protected::default().guard(caller(
            "arn:aws-cn:iam::123456789012:user/team/a/Dana",
            "AIDAX",
        ));
        assert!(pathed.check(iam("dana", None)).is_err());
        pathed.check(iam("team", None)).unwrap();
    }

    #[test]
    fn an_identity_center_session_protects_its_own_person() {
        let guard = Protected::default().guard(caller(
            "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123abcd/erin",
            "AROAX:erin",
        ));
        assert!(guard.check(Person::Identity { name: "erin" }).is_err());
        guard.check(Person::Identity { name: "frank" }).unwrap();
        let role = Protected::default().guard(caller(
            "arn:aws:sts::123456789012:assumed-role/deployer/erin",
            "AROAY:erin",
        ));
        role.check(Person::Identity { name: "erin" }).unwrap();
    }
}
