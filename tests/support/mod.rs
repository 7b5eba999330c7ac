//! Test support, by concern: running the binary (`run`), a terminal (`pty`), what exists in
//! the emulator (`aws`), an authenticator app (`mfa`), the fault proxies (`proxy`) and
//! Identity Center (`sso`).
//! Assertion helpers carry `#[track_caller]`, so a failure points at the test, not here.

mod aws;
mod mfa;
mod proxy;
mod pty;
mod run;
mod sso;

pub(crate) use aws::*;
pub(crate) use mfa::*;
pub(crate) use proxy::*;
pub(crate) use pty::*;
pub(crate) use run::*;
pub(crate) use sso::*;
