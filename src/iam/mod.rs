//! IAM users: `new-user` (the request, the plan from what exists, the apply loop with its undo
//! log, MFA enrolment) and `offboard` (discovery, the phased removal plan, its execution).

pub(crate) mod apply;
pub(crate) mod enrol;
pub(crate) mod mfa_reset;
pub(crate) mod move_user;
pub(crate) mod offboard;
pub(crate) mod onboard;
pub(crate) mod password_reset;
pub(crate) mod people;
pub(crate) mod plan;
pub(crate) mod request;
pub(crate) mod undo;
