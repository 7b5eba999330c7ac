//! Account sets by organisation structure: an entry of `account_sets` may name an OU (every
//! ACTIVE account below it, recursively) or a tag (every ACTIVE account with it), resolved
//! through AWS Organizations when a command runs, so a set follows the organisation as accounts
//! are added. Plain account ids need no call.

use crate::aws::{AwsError, Org};
use crate::config::{Config, SetEntry};
use crate::error::Error;
use futures_util::future::try_join_all;
use std::collections::{BTreeMap, BTreeSet};

/// Tags of accounts read at once: Organizations answers a few requests a second.
const TAG_READS_AT_ONCE: usize = 10;

/// Whether any entry needs Organizations.
pub(crate) fn needs_organizations(config: &Config) -> bool {
    config
        .account_sets
        .values()
        .flatten()
        .any(|entry| !matches!(SetEntry::parse(entry), Ok(SetEntry::Account(_))))
}

/// The configuration with every set's entries resolved to account ids (sorted, each once), and
/// a line a set that names an OU or a tag, saying what it holds.
pub(crate) async fn resolve(
    org: &impl Org,
    config: &Config,
) -> Result<(Config, Vec<String>), Error> {
    let mut tagged: Option<Vec<String>> = None;
    let mut resolved = BTreeMap::new();
    let mut notes = Vec::new();
    for (name, entries) in &config.account_sets {
        let mut accounts = BTreeSet::new();
        let mut by_structure = false;
        for entry in entries {
            match SetEntry::parse(entry).map_err(|reason| {
                crate::error::InputError::new(format!("account_sets.{name}"), reason)
            })? {
                SetEntry::Account(id) => {
                    accounts.insert(id);
                }
                SetEntry::Unit(id) => {
                    by_structure = true;
                    accounts.extend(below(org, &id).await.map_err(Error::from_aws)?);
                }
                SetEntry::Tag { key, value } => {
                    by_structure = true;
                    if tagged.is_none() {
                        tagged = Some(org.list_active_accounts().await.map_err(Error::from_aws)?);
                    }
                    let all = tagged.as_deref().unwrap_or_default();
                    accounts.extend(
                        with_tag(org, all, &key, &value)
                            .await
                            .map_err(Error::from_aws)?,
                    );
                }
            }
        }
        let accounts: Vec<String> = accounts.into_iter().collect();
        if by_structure {
            let held = if accounts.is_empty() {
                "no account".to_string()
            } else {
                accounts.join(", ")
            };
            notes.push(format!(
                "account set {name} ({}): {held}",
                entries.join(", ")
            ));
        }
        if accounts.is_empty() {
            return Err(crate::error::InputError::new(
                format!("account_sets.{name}"),
                format!("{} holds no ACTIVE account", entries.join(", ")),
            )
            .into());
        }
        resolved.insert(name.clone(), accounts);
    }
    Ok((
        Config {
            account_sets: resolved,
            ..config.clone()
        },
        notes,
    ))
}

/// Every ACTIVE account below an OU or the root: each level's OUs read at once.
async fn below(org: &impl Org, unit: &str) -> Result<Vec<String>, AwsError> {
    let mut accounts = Vec::new();
    let mut level = vec![unit.to_string()];
    while !level.is_empty() {
        let found = try_join_all(level.iter().map(|parent| async move {
            tokio::try_join!(
                org.list_active_accounts_in(parent),
                org.list_child_ous(parent)
            )
        }))
        .await?;
        level = Vec::new();
        for (here, children) in found {
            accounts.extend(here);
            level.extend(children);
        }
    }
    Ok(accounts)
}

/// The accounts of `all` that carry the tag, their tags read ten at a time.
async fn with_tag(
    org: &impl Org,
    all: &[String],
    key: &str,
    value: &str,
) -> Result<Vec<String>, AwsError> {
    let mut matching = Vec::new();
    for batch in all.chunks(TAG_READS_AT_ONCE) {
        let tags = try_join_all(batch.iter().map(|account| org.account_tags(account))).await?;
        matching.extend(
            batch
                .iter()
                .zip(tags)
                .filter(|(_, tags)| tags.iter().any(|(k, v)| k == key && v == value))
                .map(|(account, _)| account.clone()),
        );
    }
    Ok(matching)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::memory::org::MemoryOrg;

    fn organisation() -> MemoryOrg {
        let mut org = MemoryOrg::default();
        org.ous
            .insert("r-a1b2".to_string(), vec!["ou-a1b2-devteam1".to_string()]);
        org.ous.insert(
            "ou-a1b2-devteam1".to_string(),
            vec!["ou-a1b2-deveuro1".to_string()],
        );
        let account = |id: &str, active| (id.to_string(), active);
        org.accounts.insert(
            "ou-a1b2-devteam1".to_string(),
            vec![
                account("111111111111", true),
                account("222222222222", false),
            ],
        );
        org.accounts.insert(
            "ou-a1b2-deveuro1".to_string(),
            vec![account("333333333333", true)],
        );
        org.accounts
            .insert("r-a1b2".to_string(), vec![account("444444444444", true)]);
        org.tags.insert(
            "444444444444".to_string(),
            vec![("env".to_string(), "prod".to_string())],
        );
        org.tags.insert(
            "333333333333".to_string(),
            vec![("env".to_string(), "dev".to_string())],
        );
        org
    }

    #[tokio::test]
    async fn an_ou_holds_every_active_account_below_it_and_a_tag_the_accounts_with_it() {
        let org = organisation();
        let config = Config::of_account_sets(&[
            ("dev", &["ou-a1b2-devteam1", "555555555555"]),
            ("prod", &["tag:env=prod"]),
        ]);
        assert!(needs_organizations(&config));
        let (resolved, notes) = resolve(&org, &config).await.unwrap();
        assert_eq!(
            resolved.accounts_of("dev").unwrap(),
            ["111111111111", "333333333333", "555555555555"],
            "recursively, ACTIVE only, with the plain id"
        );
        assert_eq!(resolved.accounts_of("prod").unwrap(), ["444444444444"]);
        assert_eq!(
            notes,
            [
                "account set dev (ou-a1b2-devteam1, 555555555555): 111111111111, 333333333333, 555555555555",
                "account set prod (tag:env=prod): 444444444444"
            ]
        );
    }

    #[tokio::test]
    async fn plain_account_ids_need_no_call_and_an_empty_unit_is_refused() {
        let org = organisation();
        let plain = Config::of_account_sets(&[("dev", &["111111111111"])]);
        assert!(!needs_organizations(&plain));
        let (resolved, notes) = resolve(&org, &plain).await.unwrap();
        assert_eq!(resolved, plain);
        assert!(notes.is_empty());
        assert!(org.calls.lock().unwrap().is_empty());
        let empty = Config::of_account_sets(&[("lab", &["tag:env=lab"])]);
        let err = resolve(&org, &empty).await.unwrap_err();
        assert!(err.to_string().contains("holds no ACTIVE account"), "{err}");
    }
}
