//! The boundary traits implemented with the AWS SDK for Rust: `SdkIam` (IAM and STS, in
//! `iam`), `SdkSso` (SSO Admin and Identity Store, in `sso`), `SdkOrg` (Organizations, in
//! `org`). Each trait method is one SDK request; sending it, following its pages and converting
//! its error into `AwsError` (in `convert`) are written once, here, as `sent!`, `every!` and
//! `pages!`.

/// Sends one SDK request and converts its error: `sent!(OP, self.iam.delete_user().user_name(n))`.
macro_rules! sent {
    ($operation:expr, $request:expr) => {{
        let started = std::time::Instant::now();
        let answer = tracing::Instrument::instrument(
            $request.send(),
            tracing::info_span!("call", operation = $operation),
        )
        .await;
        crate::aws::sdk::calls_log::ended($operation, started, &answer);
        answer.map_err(|err| crate::aws::sdk::convert::convert($operation, err))
    }};
}

/// Every item of a paged listing, all pages followed: `every!(OP, self.iam.list_users())`.
macro_rules! every {
    ($operation:expr, $request:expr) => {
        collected!($operation, $request.into_paginator().items())
    };
}

/// Every page of a listing whose items the SDK does not flatten: `pages!(OP, request)`.
macro_rules! pages {
    ($operation:expr, $request:expr) => {
        collected!($operation, $request.into_paginator())
    };
}

/// A paginator's stream read to the end, its error converted.
macro_rules! collected {
    ($operation:expr, $paginator:expr) => {{
        let started = std::time::Instant::now();
        let answer = tracing::Instrument::instrument(
            $paginator.send().try_collect(),
            tracing::info_span!("call", operation = $operation),
        )
        .await;
        crate::aws::sdk::calls_log::ended($operation, started, &answer);
        answer.map_err(|err| crate::aws::sdk::convert::convert($operation, err))
    }};
}

/// A call sent with one attempt (the SDK's retries off), retried here only while AWS throttles
/// it: for reads whose failure costs a warning, so an endpoint that lacks the call costs one
/// round trip instead of the SDK's retries with backoff.
pub(super) async fn throttling_waited_out<T, Fut>(
    call: impl FnMut() -> Fut,
) -> crate::aws::AwsResult<T>
where
    Fut: Future<Output = crate::aws::AwsResult<T>>,
{
    use backon::{ExponentialBuilder, Retryable};
    call.retry(
        ExponentialBuilder::default()
            .with_min_delay(std::time::Duration::from_millis(200))
            .with_max_delay(std::time::Duration::from_secs(5))
            .with_max_times(8),
    )
    .sleep(tokio::time::sleep)
    .when(|err: &crate::aws::AwsError| err.is(crate::aws::AwsErrorKind::Throttled))
    .await
}

mod calls_log;
mod convert;
mod credential_report;
mod iam;
mod last_accessed;
mod org;
mod reach;
mod sso;

pub(crate) use iam::SdkIam;
pub(crate) use org::SdkOrg;
pub(crate) use reach::SdkReach;
pub(crate) use sso::SdkSso;
