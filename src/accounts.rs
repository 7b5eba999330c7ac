//! Many accounts: `--accounts SET` (account ids, `ou-…`, `r-…`, `tag:KEY=VALUE` or a set name of
//! the configuration file, comma-separated) as the entries of one account set, the role the
//! tool assumes in each (`--role`, the configuration's `member_role`, else
//! `OrganizationAccountAccessRole`), and `across`, which runs the same work in every account, at
//! most `--account-concurrency` at once, each account with clients of its own. An account that
//! cannot be reached (the role missing, access denied, suspended) or whose work fails is named
//! with the reason, and the others go on.

use crate::aws::Reach;
use crate::config::{Config, SetEntry};
use crate::error::InputError;
use futures_util::StreamExt;
use std::future::Future;

/// The role assumed in another account when neither `--role` nor `member_role` names one: the
/// role AWS Organizations makes in every account it creates.
pub(crate) const DEFAULT_MEMBER_ROLE: &str = "OrganizationAccountAccessRole";

/// The name the resolved `--accounts` entries go under, for messages.
pub(crate) const ACCOUNTS_SET: &str = "--accounts";

/// What `--accounts`, `--role` and `--account-concurrency` ask, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AccountsRequest {
    /// The entries, configuration set names expanded.
    pub(crate) entries: Vec<String>,
    pub(crate) role: String,
    pub(crate) concurrency: usize,
}

impl AccountsRequest {
    /// The one constructor: each entry a set of the configuration or an entry an account set
    /// takes, the role a role name IAM takes.
    pub(crate) fn new(
        set: &str,
        role: Option<&str>,
        concurrency: usize,
        config: &Config,
    ) -> Result<Self, InputError> {
        let mut entries = Vec::new();
        for entry in set.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            match config.account_sets.get(entry) {
                Some(named) => entries.extend(named.iter().cloned()),
                None => {
                    SetEntry::parse(entry).map_err(|reason| {
                        InputError::new(
                            ACCOUNTS_SET,
                            format!("{reason}, nor a set of the configuration file"),
                        )
                    })?;
                    entries.push(entry.to_string());
                }
            }
        }
        if entries.is_empty() {
            return Err(InputError::new(ACCOUNTS_SET, "names no account"));
        }
        let role = role
            .or(config.member_role.as_deref())
            .unwrap_or(DEFAULT_MEMBER_ROLE)
            .to_string();
        crate::fields::IAM_ROLE_NAME
            .check(&role)
            .map_err(|why| InputError::new("--role", format!("{role:?} {why}")))?;
        Ok(AccountsRequest {
            entries,
            role,
            concurrency: concurrency.max(1),
        })
    }

    /// The entries as a configuration whose one account set is `--accounts`, for resolving.
    pub(crate) fn as_config(&self) -> Config {
        Config {
            account_sets: [(ACCOUNTS_SET.to_string(), self.entries.clone())].into(),
            ..Config::default()
        }
    }
}

/// What a run across accounts found: each account's result, in the order of the accounts, and
/// the accounts it could not cover, each with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Across<T> {
    pub(crate) covered: Vec<(String, T)>,
    pub(crate) missed: Vec<(String, String)>,
}

/// Where a run across accounts goes: the accounts, the way to reach them, the role and bound
/// asked, and the session name the roles are assumed under.
pub(crate) struct Targets<'a, R> {
    pub(crate) reach: &'a R,
    pub(crate) accounts: &'a [String],
    pub(crate) request: &'a AccountsRequest,
    pub(crate) session_name: &'a str,
}

impl<R: Reach> Targets<'_, R> {
    /// Runs `work` in each account, reached with the role asked, at most `request.concurrency`
    /// accounts at once.
    pub(crate) async fn across<T, F, Fut>(&self, work: F) -> Across<T>
    where
        F: Fn(String, R::Api) -> Fut,
        Fut: Future<Output = Result<T, String>>,
    {
        let work = &work;
        let role = &self.request.role;
        let results: Vec<(String, Result<T, String>)> =
            futures_util::stream::iter(self.accounts.iter().cloned())
                .map(|account| async move {
                    let outcome = match self.reach.reach(&account, role, self.session_name).await {
                        Ok(api) => work(account.clone(), api).await,
                        Err(err) => Err(format!("cannot assume role {role} there: {err}")),
                    };
                    (account, outcome)
                })
                .buffered(self.request.concurrency)
                .collect()
                .await;
        let mut done = Across {
            covered: Vec::new(),
            missed: Vec::new(),
        };
        for (account, outcome) in results {
            match outcome {
                Ok(value) => done.covered.push((account, value)),
                Err(why) => done.missed.push((account, why)),
            }
        }
        done
    }
}

#[cfg(test)]
mod tests;
