//! In-memory models of the AWS services for the unit tests, each enforcing the rules AWS
//! enforces and the emulator does not: IAM and STS (`iam`), Identity Center (`sso`),
//! Organizations (`org`), and the organisation's accounts reached by AssumeRole (`reach`). Each
//! call waits a simulated round trip (`latency`) on tokio's clock; `calls` reads the order of
//! the calls a model recorded.

mod calls;
mod iam;
mod latency;
pub(crate) mod org;
pub(crate) mod reach;
pub(crate) mod sso;

pub(crate) use calls::assert_before;
pub(crate) use iam::*;
pub(crate) use latency::{Simulated, simulated_since};
