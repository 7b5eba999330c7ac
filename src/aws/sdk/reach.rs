//! Other accounts through the SDK: STS AssumeRole from the caller's configuration, and IAM
//! clients made from the credentials it answers.

use super::iam::SdkIam;
use crate::aws::settling::Settling;
use crate::aws::{AwsError, AwsErrorKind, AwsResult, CallerIdentity, Reach};
use aws_config::SdkConfig;
use aws_sdk_sts::config::{Credentials, SharedCredentialsProvider};
use std::time::Duration;

/// The caller's configuration and identity, from which every account is reached.
pub(crate) struct SdkReach {
    base: SdkConfig,
    caller: CallerIdentity,
    sts: aws_sdk_sts::Client,
    propagation: Duration,
}

impl SdkReach {
    pub(crate) fn new(base: &SdkConfig, caller: CallerIdentity, propagation: Duration) -> Self {
        SdkReach {
            sts: aws_sdk_sts::Client::new(base),
            base: base.clone(),
            caller,
            propagation,
        }
    }
}

impl Reach for SdkReach {
    type Api = Settling<SdkIam>;

    async fn reach(
        &self,
        account: &str,
        role: &str,
        session_name: &str,
    ) -> AwsResult<Settling<SdkIam>> {
        if account == self.caller.account {
            return Ok(Settling::new(SdkIam::new(&self.base), self.propagation));
        }
        const OP: &str = "sts:AssumeRole";
        let role_arn = format!("arn:{}:iam::{account}:role/{role}", self.caller.partition());
        let out = sent!(
            OP,
            self.sts
                .assume_role()
                .role_arn(&role_arn)
                .role_session_name(session_name)
        )?;
        let Some(given) = out.credentials() else {
            return Err(AwsError::new(
                OP,
                AwsErrorKind::Other,
                "NoCredentials",
                "AssumeRole answered no credentials",
            ));
        };
        let credentials = Credentials::new(
            given.access_key_id(),
            given.secret_access_key(),
            Some(given.session_token().to_string()),
            None,
            "iam-onboard AssumeRole",
        );
        let config = self
            .base
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build();
        Ok(Settling::new(SdkIam::new(&config), self.propagation))
    }
}
