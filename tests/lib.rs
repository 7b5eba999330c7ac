//! The integration tests: the built binary against a real local AWS emulator (moto's server).
//!
//! `scripts/test` starts the emulator and passes its address in `IAM_ONBOARD_TEST_ENDPOINT`;
//! without it, the first test starts one with `scripts/emulator start` (stop it with
//! `scripts/emulator stop`). Tests share one server, so each uses its own user names.

mod account;
mod accounts;
mod assign;
mod audit;
mod batch;
mod cli;
mod consistency;
mod helpdesk;
mod new_user;
mod offboard;
mod offboard_sso;
mod protection;
mod review;
mod roles;
mod sso_tickets;
mod support;
mod sync;
mod tickets;
