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
    /// Reaching accounts from `base`, the caller's configuration. With `mfa` (the device the
    /// caller's profile names and a code from it), the roles are assumed with a session made
    /// with MFA (GetSessionToken), so roles whose trust asks for MFA can be assumed in every
    /// account with one code.
    pub(crate) async fn new(
        base: &SdkConfig,
        caller: CallerIdentity,
        propagation: Duration,
        mfa: Option<(&str, &str)>,
    ) -> AwsResult<Self> {
        let sts = aws_sdk_sts::Client::new(base);
        let sts = match mfa {
            None => sts,
            Some((serial, code)) => {
                const OP: &str = "sts:GetSessionToken";
                let out = sent!(
                    OP,
                    sts.get_session_token()
                        .serial_number(serial)
                        .token_code(code)
                )?;
                let session = credentials_of(OP, out.credentials())?;
                aws_sdk_sts::Client::new(
                    &base
                        .to_builder()
                        .credentials_provider(SharedCredentialsProvider::new(session))
                        .build(),
                )
            }
        };
        Ok(SdkReach {
            sts,
            base: base.clone(),
            caller,
            propagation,
        })
    }
}

/// The credentials STS answered, for an SDK configuration.
fn credentials_of(
    operation: &'static str,
    given: Option<&aws_sdk_sts::types::Credentials>,
) -> AwsResult<Credentials> {
    let Some(given) = given else {
        return Err(AwsError::new(
            operation,
            AwsErrorKind::Other,
            "NoCredentials",
            "STS answered no credentials",
        ));
    };
    Ok(Credentials::new(
        given.access_key_id(),
        given.secret_access_key(),
        Some(given.session_token().to_string()),
        None,
        "iam-onboard STS",
    ))
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
        let credentials = credentials_of(OP, out.credentials())?;
        let config = self
            .base
            .to_builder()
            .credentials_provider(SharedCredentialsProvider::new(credentials))
            .build();
        Ok(Settling::new(SdkIam::new(&config), self.propagation))
    }
}
