//! Desired state: the HR export says who should hold which job function until when, and `sync`
//! makes AWS equal to it, as Terraform does for infrastructure; `expire` disables the people
//! past their end date.
//!
//! `file` reads the export whole (every row built with the same constructor `new-user` uses,
//! every bad row named by line and column); `state` reads the people this tool manages with
//! account-wide calls (never a call a person); `plan` is pure: joiners, movers, end-date
//! changes, leavers (disabled, later offboarded) and the unchanged, with the blast-radius guard;
//! `saved` writes and reads a plan file with the fingerprint of what it was planned from. The
//! changes then run as batch rows: each through the same operation as its single command, with
//! its undo, at bounded concurrency.

pub(crate) mod file;
pub(crate) mod plan;
pub(crate) mod saved;
pub(crate) mod state;

#[cfg(test)]
mod tests;
