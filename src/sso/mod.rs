//! IAM Identity Center: permission sets from the job-function templates, account assignments
//! with polling and conflict retries, `assign`, and `offboard --sso`.

pub(crate) mod assign;
pub(crate) mod assignments;
pub(crate) mod cut_sessions;
pub(crate) mod groups;
pub(crate) mod instance;
pub(crate) mod move_person;
pub(crate) mod offboard;
pub(crate) mod operations;
pub(crate) mod permission_set;
pub(crate) mod request;
pub(crate) mod revoke;
pub(crate) mod show;

#[cfg(test)]
pub(crate) mod tests;
