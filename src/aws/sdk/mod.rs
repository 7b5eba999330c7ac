//! The boundary traits implemented with the AWS SDK for Rust: `SdkIam` (IAM and STS, in
//! `iam`), `SdkSso` (SSO Admin and Identity Store, in `sso`), `SdkOrg` (Organizations, in
//! `org`). Each trait method is one SDK request; sending it, following its pages and converting
//! its error into `AwsError` (in `convert`) are written once, here, as `sent!`, `every!` and
//! `pages!`.

/// Sends one SDK request and converts its error: `sent!(OP, self.iam.delete_user().user_name(n))`.
macro_rules! sent {
    ($operation:expr, $request:expr) => {
        $request
            .send()
            .await
            .map_err(|err| crate::aws::sdk::convert::convert($operation, err))
    };
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
    ($operation:expr, $paginator:expr) => {
        $paginator
            .send()
            .try_collect()
            .await
            .map_err(|err| crate::aws::sdk::convert::convert($operation, err))
    };
}

mod convert;
mod credential_report;
mod iam;
mod org;
mod sso;

pub(crate) use iam::SdkIam;
pub(crate) use org::SdkOrg;
pub(crate) use sso::SdkSso;
