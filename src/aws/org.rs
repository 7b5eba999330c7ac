//! The AWS Organizations boundary: what account sets given by OU or tag hold (`Org`).

use super::AwsResult;
use std::future::Future;

/// Every AWS Organizations call the tool makes: what account sets given by OU or tag hold.
pub(crate) trait Org: Sync {
    /// The ACTIVE accounts directly in an OU (or the root), all pages.
    fn list_active_accounts_in(
        &self,
        parent_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    /// The OUs directly below an OU (or the root), all pages.
    fn list_child_ous(
        &self,
        parent_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    /// Every ACTIVE account of the organisation, all pages.
    fn list_active_accounts(&self) -> impl Future<Output = AwsResult<Vec<String>>> + Send;
    /// An account's tags.
    fn account_tags(
        &self,
        account_id: &str,
    ) -> impl Future<Output = AwsResult<Vec<(String, String)>>> + Send;
}
