//! The command line of the commands that run many changes as rows: `batch`, `sync`, `apply`,
//! `expire` and `review`, with the run options they share (`ChangeRunArgs`) and what happens to
//! leavers (`LeaverArgs`).

use clap::builder::TypedValueParser as _;
use clap::{Args, Subcommand};
use std::num::NonZeroUsize;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub(crate) struct BatchArgs {
    /// The CSV file: a header row, then a row a person. Columns (any order; only username is
    /// required): action (onboard, offboard, assign, offboard-sso, move; default onboard), username,
    /// template, display_name, email, ticket, tags (k=v;k=v), console (yes/no, default no),
    /// accounts (;-separated, for assign), given_name, family_name, keep_identity (yes/no, for
    /// offboard-sso), until (YYYY-MM-DD, for onboard and assign). A regular file, not a pipe: it
    /// is read to check it, then again to run what was confirmed. Asked for on a terminal when
    /// missing
    pub(crate) file: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) run: ChangeRunArgs,

    /// How long to wait for one Identity Center assignment that stays IN_PROGRESS (at most a day)
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 300,
        value_parser = clap::value_parser!(u64).range(1..=86_400)
    )]
    pub(crate) timeout: u64,
}

/// How batch, sync, apply and expire run their rows of changes.
#[derive(Debug, Args)]
pub(crate) struct ChangeRunArgs {
    /// Rows at once (1 to 64: IAM's request rate, not the machine, is what limits a batch)
    #[arg(
        long,
        value_name = "N",
        default_value = "4",
        value_parser = clap::value_parser!(u8).range(1..=64).map(|n| {
            NonZeroUsize::new(usize::from(n)).expect("the range starts at 1")
        })
    )]
    pub(crate) concurrency: NonZeroUsize,

    /// Write the report (CSV, or JSON lines with --output json) to this new file, mode 0600;
    /// one-time console passwords appear only there
    #[arg(long, value_name = "FILE")]
    pub(crate) report: Option<PathBuf>,

    /// Keep starting rows after one fails (by default the rest are skipped)
    #[arg(long)]
    pub(crate) continue_on_error: bool,
}

/// What happens to leavers.
#[derive(Debug, Args)]
pub(crate) struct LeaverArgs {
    /// Leavers are disabled (access cut at once, the user kept, as offboard --disable-only) or
    /// offboarded outright
    #[arg(long, value_enum, value_name = "HOW", default_value = "disable")]
    pub(crate) leavers: crate::sync::plan::Leavers,

    /// Offboard a leaver once this many days have passed since they were disabled
    #[arg(long, value_name = "DAYS")]
    pub(crate) delete_after: Option<u64>,
}

#[derive(Debug, Args)]
pub(crate) struct SyncArgs {
    /// The HR export (CSV): a header row, then a row a person. Columns (any order; username
    /// and template required): username, template, display_name, email, ticket, tags
    /// (k=v;k=v, IAM), console (yes/no, default no, IAM), kind (iam or sso), until
    /// (YYYY-MM-DD, the last day), accounts (;-separated, sso), given_name and family_name
    /// (sso: with email, who to create when missing)
    pub(crate) file: PathBuf,

    /// Rows without a kind are Identity Center people (kind sso). Only the kinds the file
    /// holds are read and changed
    #[arg(long)]
    pub(crate) sso: bool,

    #[command(flatten)]
    pub(crate) leaver: LeaverArgs,

    /// Refuse the run, before any change, when it would make more leavers than this (default:
    /// 10, or 5% of the people managed if that is more)
    #[arg(long, value_name = "N")]
    pub(crate) max_leavers: Option<usize>,

    /// Write the plan (the exact changes and a fingerprint of what was read) to this new file
    /// and change nothing; `iam-onboard apply FILE` carries it out
    #[arg(long, value_name = "FILE")]
    pub(crate) plan_out: Option<PathBuf>,

    #[command(flatten)]
    pub(crate) run: ChangeRunArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// A plan written by `sync --plan-out`
    pub(crate) plan: PathBuf,

    #[command(flatten)]
    pub(crate) run: ChangeRunArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ExpireArgs {
    /// Also remove the access of the Identity Center people past their end date
    #[arg(long)]
    pub(crate) sso: bool,

    #[command(flatten)]
    pub(crate) leaver: LeaverArgs,

    #[command(flatten)]
    pub(crate) run: ChangeRunArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ReviewCommand {
    /// Write one review sheet per template, or per manager (a person's `manager` tag): each
    /// person this tool manages, what they hold, when they last used it, and an empty decision
    /// column (keep, revoke, move:TEMPLATE); new files, mode 0600
    Start {
        /// Only the people of this template
        #[arg(long, value_name = "NAME")]
        template: Option<String>,
        /// The folder to write the sheets into (made when missing)
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Carry out the decisions of the sheets in DIR, each through its command's operation after
    /// the plan and the question: revoke offboards (or, with --disable-only, disables), move:T
    /// moves, keep records the day in iam-onboard:reviewed (a moved person too); an empty
    /// decision leaves the person as they are
    Apply(ReviewApplyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ReviewApplyArgs {
    /// The folder of review sheets (every *.csv in it)
    pub(crate) dir: PathBuf,

    /// revoke disables (access cut at once, the user kept, as offboard --disable-only) instead
    /// of offboarding outright
    #[arg(long)]
    pub(crate) disable_only: bool,

    #[command(flatten)]
    pub(crate) run: ChangeRunArgs,
}
