//! The organisation's accounts in memory: each an account of its own, reached as AWS would,
//! refused when the role is missing from it or the account is suspended.

use super::iam::MemoryIam;
use crate::aws::{AwsError, AwsErrorKind, AwsResult, CallerIdentity, Reach};
use std::collections::BTreeMap;

/// A member account: its IAM and whether it is suspended.
#[derive(Debug, Clone)]
pub(crate) struct MemoryMember {
    pub(crate) iam: MemoryIam,
    pub(crate) suspended: bool,
}

/// The caller's own account and the members, by id.
#[derive(Debug, Clone)]
pub(crate) struct MemoryAccounts {
    pub(crate) own: String,
    pub(crate) own_iam: MemoryIam,
    pub(crate) members: BTreeMap<String, MemoryMember>,
}

impl Reach for MemoryAccounts {
    type Api = MemoryIam;

    async fn reach(&self, account: &str, role: &str, session_name: &str) -> AwsResult<MemoryIam> {
        const OP: &str = "sts:AssumeRole";
        if account == self.own {
            return Ok(self.own_iam.clone());
        }
        let refused =
            |why: &str| AwsError::new(OP, AwsErrorKind::AccessDenied, "AccessDenied", why);
        let Some(member) = self.members.get(account) else {
            return Err(refused(&format!(
                "not authorized to perform sts:AssumeRole on arn:aws:iam::{account}:role/{role}"
            )));
        };
        member.iam.wait_a_call().await;
        if member.suspended {
            return Err(refused(&format!("account {account} is suspended")));
        }
        let mut state = member.iam.state.lock().unwrap();
        if !state.roles.contains_key(role) {
            return Err(refused(&format!(
                "not authorized to perform sts:AssumeRole on arn:aws:iam::{account}:role/{role}"
            )));
        }
        state.caller = Some(CallerIdentity {
            account: account.to_string(),
            arn: format!("arn:aws:sts::{account}:assumed-role/{role}/{session_name}"),
            user_id: format!("AROAMEMBER:{session_name}"),
        });
        drop(state);
        Ok(member.iam.clone())
    }
}
