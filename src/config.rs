//! The optional configuration file (`--config FILE` or `IAM_ONBOARD_CONFIG`), JSON:
//!
//! ```json
//! {
//!   "account_sets": { "dev": ["111111111111"], "prod": ["333333333333"] },
//!   "protected_users": ["break-glass-admin"],
//!   "sso_region": "eu-west-1",
//!   "portal_url": "https://example.awsapps.com/start",
//!   "sso_access": "groups"
//! }
//! ```
//!
//! Account sets name groups of accounts that templates refer to (`assign` gives each set the
//! access its template says); protected users are never offboarded. `sso_region` is Identity
//! Center's home region, `portal_url` the AWS access portal people sign in at, and `sso_access`
//! whether account-set access goes through a group per template (`groups`, the default) or to
//! each person (`users`).

use crate::error::InputError;
use crate::names::validate_account_id;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    account_sets: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    protected_users: Vec<String>,
    sso_region: Option<String>,
    portal_url: Option<String>,
    #[serde(default)]
    sso_access: SsoAccess,
    /// The role assumed in the organisation's other accounts (`--accounts`).
    member_role: Option<String>,
}

/// One entry of an account set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SetEntry {
    Account(String),
    /// An organizational unit (`ou-…`) or the root (`r-…`): every ACTIVE account below it.
    Unit(String),
    /// `tag:KEY=VALUE`: every ACTIVE account with that tag.
    Tag {
        key: String,
        value: String,
    },
}

impl SetEntry {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        if let Some(tag) = text.strip_prefix("tag:") {
            return match tag.split_once('=') {
                Some((key, value)) if !key.is_empty() => Ok(SetEntry::Tag {
                    key: key.to_string(),
                    value: value.to_string(),
                }),
                _ => Err(format!("{text:?}: a tag entry is tag:KEY=VALUE")),
            };
        }
        if text.starts_with("ou-") || text.starts_with("r-") {
            return crate::fields::check_parent_id(text).map(|()| SetEntry::Unit(text.to_string()));
        }
        validate_account_id(text)
            .map(|()| SetEntry::Account(text.to_string()))
            .map_err(|_| {
                format!(
                    "{text:?} is not an account id (12 digits), an OU id (ou-…), a root (r-…) or tag:KEY=VALUE"
                )
            })
    }
}

/// How `assign` gives the access of a template's account sets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum SsoAccess {
    /// To an identity-store group per template, and the person joins it.
    #[default]
    Groups,
    /// To each person, one assignment an account.
    Users,
}

/// The configuration, checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Config {
    pub(crate) account_sets: BTreeMap<String, Vec<String>>,
    pub(crate) protected_users: Vec<String>,
    pub(crate) sso_region: Option<String>,
    pub(crate) portal_url: Option<String>,
    pub(crate) sso_access: SsoAccess,
    /// The role `--accounts` assumes in other accounts; `None`: the default.
    pub(crate) member_role: Option<String>,
    /// The file it came from, for messages; `None` when there is none.
    pub(crate) source: Option<String>,
}

impl Config {
    /// Reads and checks `path`; no path means an empty configuration.
    pub(crate) fn load(path: Option<&Path>) -> Result<Self, InputError> {
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path)
            .map_err(|err| InputError::new("--config", format!("cannot read {shown}: {err}")))?;
        let file: ConfigFile = serde_json::from_str(&text).map_err(|err| {
            InputError::new(
                format!("line {} column {}", err.line(), err.column()),
                format!("not a valid configuration: {err}"),
            )
            .in_file(&shown)
        })?;
        for (name, entries) in &file.account_sets {
            if entries.is_empty() {
                return Err(
                    InputError::new(format!("account_sets.{name}"), "is empty").in_file(&shown)
                );
            }
            for (index, entry) in entries.iter().enumerate() {
                SetEntry::parse(entry).map_err(|reason| {
                    InputError::new(format!("account_sets.{name}[{index}]"), reason).in_file(&shown)
                })?;
            }
        }
        if let Some(region) = &file.sso_region {
            crate::names::validate_region(region)
                .map_err(|err| InputError::new("sso_region", err.reason).in_file(&shown))?;
        }
        if let Some(url) = &file.portal_url
            && !url.starts_with("https://")
        {
            return Err(
                InputError::new("portal_url", format!("{url:?} is not an https:// URL"))
                    .in_file(&shown),
            );
        }
        if let Some(role) = &file.member_role {
            crate::fields::IAM_ROLE_NAME.check(role).map_err(|why| {
                InputError::new("member_role", format!("{role:?} {why}")).in_file(&shown)
            })?;
        }
        Ok(Config {
            account_sets: file.account_sets,
            member_role: file.member_role,
            protected_users: file.protected_users,
            sso_region: file.sso_region,
            portal_url: file.portal_url,
            sso_access: file.sso_access,
            source: Some(shown),
        })
    }

    /// The accounts of a set, or why there are none.
    pub(crate) fn accounts_of(&self, set: &str) -> Result<&[String], InputError> {
        self.account_sets.get(set).map(Vec::as_slice).ok_or_else(|| {
            let reason = match &self.source {
                Some(_) => format!("the template uses account set {set:?}, which is not defined here"),
                None => format!(
                    "the template uses account set {set:?}: give a configuration file with --config or IAM_ONBOARD_CONFIG"
                ),
            };
            let err = InputError::new(format!("account_sets.{set}"), reason);
            match &self.source {
                Some(source) => err.in_file(source),
                None => err,
            }
        })
    }
}

#[cfg(test)]
impl Config {
    /// A configuration of these account sets (name, entries) and nothing else.
    pub(crate) fn of_account_sets(sets: &[(&str, &[&str])]) -> Self {
        Config {
            account_sets: sets
                .iter()
                .map(|(name, entries)| {
                    (
                        name.to_string(),
                        entries.iter().map(ToString::to_string).collect(),
                    )
                })
                .collect(),
            ..Config::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, InputError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.json");
        std::fs::write(&path, text).unwrap();
        Config::load(Some(&path))
    }

    #[test]
    fn account_sets_and_protected_users_load() {
        let config =
            load(r#"{"account_sets":{"dev":["111111111111"]},"protected_users":["root-admin"]}"#)
                .unwrap();
        assert_eq!(config.accounts_of("dev").unwrap(), ["111111111111"]);
        assert_eq!(config.protected_users, ["root-admin"]);
        assert_eq!(
            config.accounts_of("prod").unwrap_err().field,
            "account_sets.prod"
        );
        assert_eq!(Config::load(None).unwrap(), Config::default());
    }

    #[test]
    fn identity_centers_region_portal_and_access_mode_load_and_are_checked() {
        let config = load(
            r#"{"sso_region":"eu-west-1","portal_url":"https://acme.awsapps.com/start","sso_access":"users"}"#,
        )
        .unwrap();
        assert_eq!(config.sso_region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            config.portal_url.as_deref(),
            Some("https://acme.awsapps.com/start")
        );
        assert_eq!(config.sso_access, SsoAccess::Users);
        assert_eq!(
            load("{}").unwrap().sso_access,
            SsoAccess::Groups,
            "groups by default"
        );
        assert_eq!(
            load(r#"{"sso_region":"eu west"}"#).unwrap_err().field,
            "sso_region"
        );
        assert_eq!(
            load(r#"{"portal_url":"http://x"}"#).unwrap_err().field,
            "portal_url"
        );
        assert!(load(r#"{"sso_access":"everyone"}"#).is_err());
    }

    #[test]
    fn mistakes_name_the_file_and_field() {
        let bad_account = load(r#"{"account_sets":{"dev":["111111111111","12345"]}}"#).unwrap_err();
        assert_eq!(bad_account.field, "account_sets.dev[1]");
        assert!(bad_account.file.unwrap().ends_with("config.json"));
        assert_eq!(
            load(r#"{"account_sets":{"dev":[]}}"#).unwrap_err().field,
            "account_sets.dev"
        );
        let bad_ou = load(r#"{"account_sets":{"dev":["ou-xyz"]}}"#).unwrap_err();
        assert_eq!(bad_ou.field, "account_sets.dev[0]");
        assert!(
            bad_ou.reason.contains("ListChildren.ParentId"),
            "{}",
            bad_ou.reason
        );
        load(r#"{"account_sets":{"dev":["ou-ab12-abcdefgh","r-ab12"]}}"#).unwrap();
        assert!(
            load(r#"{"accounts":{}}"#)
                .unwrap_err()
                .reason
                .contains("unknown field")
        );
    }
}
