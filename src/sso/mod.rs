//! IAM Identity Center: which instance (`instance`), permission sets from the job-function
//! templates (`permission_set`), account assignments with polling and conflict retries
//! (`assignments`, `operations`), groups for group-mode access (`groups`), and the changes, each
//! an `Operation`: `assign` (on `request`), `offboard` (sessions cut first: `cut_sessions`,
//! `crate::revoke`), `job_change` (move --sso), `end_date` (a person's end date, kept as a
//! group membership); `people` reads what gives a person access (show --sso, and what
//! offboarding removes).

pub(crate) mod assign;
pub(crate) mod assignments;
pub(crate) mod cut_sessions;
pub(crate) mod end_date;
pub(crate) mod groups;
pub(crate) mod instance;
pub(crate) mod job_change;
pub(crate) mod offboard;
pub(crate) mod operations;
pub(crate) mod people;
pub(crate) mod permission_set;
pub(crate) mod request;

#[cfg(test)]
pub(crate) mod tests;
