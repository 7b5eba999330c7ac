//! The boundary between the tool and AWS. Each service's calls are a trait with one method per
//! API operation and plain-data arguments and results: `Iam` (IAM and STS, in `iam`), `Sso`
//! (SSO Admin and Identity Store, in `sso`), `Org` (Organizations, in `org`). Everything above
//! (plans, undo, offboarding order) is pure logic over these traits; `sdk` implements them with
//! the AWS SDK (converting every SDK error once into `AwsError`, in `error`: the operation,
//! AWS's code and message, and the kind the tool acts on), `memory` with AWS's rules for the
//! unit tests, and `settling` wraps either to wait out eventual consistency. `config` says where
//! the calls go. Nothing here imports anything above it.

pub(crate) mod config;
mod error;
mod iam;
#[cfg(test)]
pub(crate) mod memory;
mod org;
mod reach;
pub(crate) mod sdk;
pub(crate) mod settling;
mod sso;

pub(crate) use error::*;
pub(crate) use iam::*;
pub(crate) use org::*;
pub(crate) use reach::*;
pub(crate) use sso::*;
