//! AWS Organizations through the SDK: the accounts below an OU and accounts by tag, every page.

use super::calls_log::RetryLog;
use crate::aws::{AwsResult, Org};
use aws_config::SdkConfig;
use aws_sdk_organizations::types::{Account, AccountStatus, ChildType};

#[derive(Debug, Clone)]
pub(crate) struct SdkOrg {
    client: aws_sdk_organizations::Client,
}

impl SdkOrg {
    pub(crate) fn new(config: &SdkConfig) -> Self {
        SdkOrg {
            client: aws_sdk_organizations::Client::from_conf(
                aws_sdk_organizations::config::Builder::from(config)
                    .interceptor(RetryLog)
                    .build(),
            ),
        }
    }
}

impl Org for SdkOrg {
    async fn list_active_accounts_in(&self, parent_id: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "organizations:ListAccountsForParent";
        let pages: Vec<_> = pages!(
            OP,
            self.client.list_accounts_for_parent().parent_id(parent_id)
        )?;
        Ok(active_ids(pages.iter().flat_map(|page| page.accounts())))
    }

    async fn list_child_ous(&self, parent_id: &str) -> AwsResult<Vec<String>> {
        const OP: &str = "organizations:ListChildren";
        let pages: Vec<_> = pages!(
            OP,
            self.client
                .list_children()
                .parent_id(parent_id)
                .child_type(ChildType::OrganizationalUnit)
        )?;
        Ok(pages
            .iter()
            .flat_map(|page| page.children())
            .filter_map(|c| c.id().map(str::to_string))
            .collect())
    }

    async fn list_active_accounts(&self) -> AwsResult<Vec<String>> {
        const OP: &str = "organizations:ListAccounts";
        let pages: Vec<_> = pages!(OP, self.client.list_accounts())?;
        Ok(active_ids(pages.iter().flat_map(|page| page.accounts())))
    }

    async fn account_tags(&self, account_id: &str) -> AwsResult<Vec<(String, String)>> {
        const OP: &str = "organizations:ListTagsForResource";
        let pages: Vec<_> = pages!(
            OP,
            self.client.list_tags_for_resource().resource_id(account_id)
        )?;
        Ok(pages
            .iter()
            .flat_map(|page| page.tags())
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect())
    }
}

/// The ids of the accounts that are active (not suspended, not being closed).
fn active_ids<'a>(accounts: impl Iterator<Item = &'a Account>) -> Vec<String> {
    accounts
        .filter(|a| a.status() == Some(&AccountStatus::Active))
        .filter_map(|a| a.id().map(str::to_string))
        .collect()
}
