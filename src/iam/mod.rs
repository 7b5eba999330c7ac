//! IAM users, one module a change, each an `Operation` with its request (one constructor), a
//! pure plan and an apply that records each undo first: `onboard` (new-user, on `request`,
//! `plan`, `apply` with `undo`, and MFA enrolment in `enrol`), `offboard` (discovery, the phased
//! removal plan, its execution), `job_change` (move), `mfa_reset`, `password_reset`; `role`
//! (a role template's role and how a person uses it) and `role_sessions` (cutting a person's
//! sessions of it, which offboarding and move do); `shared`, a template's policies, group and
//! role, which onboarding and move bring up to date; `user_tag`, the tool's own tags on a person
//! (end date, last review); and `people`, what show and list read.

pub(crate) mod apply;
pub(crate) mod end_date;
pub(crate) mod enrol;
#[cfg(test)]
pub(crate) mod faults;
pub(crate) mod job_change;
pub(crate) mod key_rotation;
pub(crate) mod mfa_reset;
pub(crate) mod offboard;
pub(crate) mod onboard;
pub(crate) mod password_reset;
pub(crate) mod people;
pub(crate) mod plan;
pub(crate) mod request;
pub(crate) mod role;
pub(crate) mod role_sessions;
pub(crate) mod shared;
pub(crate) mod undo;
pub(crate) mod user_tag;
