//! An in-memory AWS Organizations for unit tests: OUs in a tree, accounts (ACTIVE or not) in
//! them, tags on accounts, and every call counted.

use crate::aws::{AwsResult, Org};
use std::collections::BTreeMap;
use std::sync::Mutex;

#[derive(Debug, Default)]
pub(crate) struct MemoryOrg {
    /// Parent (OU or root) → child OUs.
    pub(crate) ous: BTreeMap<String, Vec<String>>,
    /// Parent (OU or root) → (account id, active).
    pub(crate) accounts: BTreeMap<String, Vec<(String, bool)>>,
    /// Account → tags.
    pub(crate) tags: BTreeMap<String, Vec<(String, String)>>,
    pub(crate) calls: Mutex<Vec<String>>,
}

impl MemoryOrg {
    fn called(&self, call: String) {
        self.calls.lock().unwrap().push(call);
    }
}

impl Org for MemoryOrg {
    async fn list_active_accounts_in(&self, parent_id: &str) -> AwsResult<Vec<String>> {
        self.called(format!("ListAccountsForParent {parent_id}"));
        Ok(self
            .accounts
            .get(parent_id)
            .into_iter()
            .flatten()
            .filter(|(_, active)| *active)
            .map(|(id, _)| id.clone())
            .collect())
    }

    async fn list_child_ous(&self, parent_id: &str) -> AwsResult<Vec<String>> {
        self.called(format!("ListChildren {parent_id}"));
        Ok(self.ous.get(parent_id).cloned().unwrap_or_default())
    }

    async fn list_active_accounts(&self) -> AwsResult<Vec<String>> {
        self.called("ListAccounts".to_string());
        Ok(self
            .accounts
            .values()
            .flatten()
            .filter(|(_, active)| *active)
            .map(|(id, _)| id.clone())
            .collect())
    }

    async fn account_tags(&self, account_id: &str) -> AwsResult<Vec<(String, String)>> {
        self.called(format!("ListTagsForResource {account_id}"));
        Ok(self.tags.get(account_id).cloned().unwrap_or_default())
    }
}
