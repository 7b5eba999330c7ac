//! What a command prints on standard output: the human summary or one JSON object with the
//! same facts, one file a command (`people` holds show and list, which share their views);
//! `csv` escapes formulas in every CSV cell. Never a secret: the one-time password goes to the
//! terminal (stderr) or a file.

pub(crate) use crate::terminal::output::{print, print_err};

pub(crate) mod assign;
pub(crate) mod audit;
pub(crate) mod csv;
pub(crate) mod job_change;
pub(crate) mod new_user;
pub(crate) mod offboard;
pub(crate) mod people;
pub(crate) mod reset_mfa;
pub(crate) mod reset_password;
pub(crate) mod rightsize;
pub(crate) mod rotate_key;

use crate::aws::CallerIdentity;
use serde::Serialize;

/// The account a command acts on and the identity it acts as: the first thing every plan shows,
/// so the person confirming sees which account they are about to change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Acting {
    pub(crate) account: String,
    pub(crate) caller_arn: String,
}

impl Acting {
    pub(crate) fn of(caller: &CallerIdentity) -> Self {
        Acting {
            account: caller.account.clone(),
            caller_arn: caller.arn.clone(),
        }
    }

    /// The plan's heading line.
    pub(crate) fn heading(&self) -> String {
        format!(
            "AWS account {}, acting as {}",
            self.account, self.caller_arn
        )
    }
}

pub(crate) fn to_json(value: &impl Serialize) -> String {
    let mut text = serde_json::to_string_pretty(value).expect("reports serialise");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests;
