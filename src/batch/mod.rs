//! `batch FILE.csv`: onboard, offboard, assign and move many people from a spreadsheet export.
//!
//! The whole file is read (`cells`) and checked first (`check`: every row's request built
//! with the same constructor the single command uses): every bad row is reported with its
//! line, column and reason, and any bad row means nothing changes. Once confirmed, the file is
//! opened again and must still hold what was checked. Then every template is read and planned,
//! and the shared resources (template policies and groups, permission sets) are ensured once,
//! and the rows run concurrently (`run`), streamed from the file with at most `concurrency` in
//! flight, each driven (`row`) through the same operation, undo included, as the single
//! command. Rows that are already done say so, so a file can be run again after a crash. The
//! report (`report`) is streamed too: memory does not grow with the file.

pub(crate) mod cells;
pub(crate) mod check;
pub(crate) mod report;
mod row;
pub(crate) mod run;

#[cfg(test)]
mod tests;
