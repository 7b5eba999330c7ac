//! The boundary between the tool and AWS. Each service's calls are a trait with one method per
//! API operation and plain-data arguments and results: `Iam` (IAM and STS, in `iam`), `Sso`
//! (SSO Admin and Identity Store, in `sso`), `Org` (Organizations, in `org`). Everything above
//! (plans, undo, offboarding order) is pure logic over these traits; `sdk`, `sdk_sso` and
//! `sdk_org` implement them with the AWS SDK, the in-memory models (`memory`, `memory_sso`,
//! `memory_org`) with AWS's rules for the unit tests, and `settling` wraps either to wait out
//! eventual consistency. `config` says where the calls go; errors are converted once, in
//! `convert`, into `AwsError` (`error`): the operation, AWS's code and message, and the kind
//! the tool acts on. Nothing here imports anything above it.

pub(crate) mod config;
mod convert;
mod error;
mod iam;
#[cfg(test)]
mod latency;
#[cfg(test)]
pub(crate) mod memory;
#[cfg(test)]
pub(crate) mod memory_org;
#[cfg(test)]
pub(crate) mod memory_sso;
mod org;
pub(crate) mod sdk;
pub(crate) mod sdk_org;
pub(crate) mod sdk_sso;
pub(crate) mod settling;
mod sso;

pub(crate) use error::*;
pub(crate) use iam::*;
pub(crate) use org::*;
pub(crate) use sso::*;
