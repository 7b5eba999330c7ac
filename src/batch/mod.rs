//! `batch FILE.csv`: onboard, offboard and assign many people from a spreadsheet export.
//!
//! The whole file is read and checked first: every bad row is reported with its line, column
//! and reason, and any bad row means nothing changes. Then the shared resources (template
//! policies and groups, permission sets) are ensured once, and the rows run concurrently,
//! streamed from the file with at most `concurrency` in flight, each through the same flow,
//! undo included, as the single command. Rows that are already done say so, so a file can be
//! run again after a crash. The report is streamed too: memory does not grow with the file.

pub(crate) mod check;
pub(crate) mod report;
pub(crate) mod run;

#[cfg(test)]
mod tests;
