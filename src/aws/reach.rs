//! Reaching the other accounts of the organisation: the caller's own account with the caller's
//! own credentials, any other through a role assumed there (STS AssumeRole, under a session
//! name that names the caller), each account with IAM clients of its own.

use super::{AwsResult, Iam};
use std::future::Future;

pub(crate) trait Reach: Sync {
    /// One account's IAM.
    type Api: Iam + Send + Sync + 'static;

    /// IAM in `account`: the caller's own as it is; another through `role` assumed there as
    /// `session_name`.
    fn reach(
        &self,
        account: &str,
        role: &str,
        session_name: &str,
    ) -> impl Future<Output = AwsResult<Self::Api>> + Send;
}
