//! The command line as typed: clap's derive structs, whose doc comments are the `--help` text.
//! Values here are raw; `commands` turns them into validated requests.

use crate::error::Error;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

mod globals_line;
mod rows;

pub(crate) use globals_line::description;
pub(crate) use rows::*;
use std::path::PathBuf;

/// What `--help` says after the options: the exit codes (from `error::exit`), then where
/// credentials and logs come from.
fn after_help() -> String {
    format!(
        "{}\n{}",
        crate::error::exit_codes_help(90),
        "Credentials come from the standard AWS chain: environment, profiles, SSO profiles;
--profile wins over keys in the environment.
Logging: -v, -vv, -vvv, or IAM_ONBOARD_LOG (a tracing filter such as iam_onboard=debug).
Secrets (passwords, MFA seeds) are never logged at any verbosity."
    )
}

/// Onboard and offboard people in AWS IAM and IAM Identity Center from job-function templates:
/// least-privilege groups or permission sets, a permissions boundary, tags, a one-time console
/// password and a verified MFA device in one command, undone in reverse order if anything
/// fails; offboarding removes everything attached, in the order AWS requires.
///
/// On a terminal, run it without a command for a menu; a command missing a required value asks
/// for it. Without a terminal nothing is asked: a missing value is a usage error (exit 2).
#[derive(Debug, Parser)]
#[command(name = "iam-onboard", version = VERSION, after_long_help = after_help(), after_help = after_help())]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,

    #[command(subcommand)]
    pub(crate) command: Option<Command>,
}

/// `--version`: the version, the git commit it was built from and the target.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("IAM_ONBOARD_COMMIT"),
    ", ",
    env!("IAM_ONBOARD_TARGET"),
    ")"
);

/// A command as if typed alone, `words` after `iam-onboard`, with clap's defaults filled in:
/// what a menu choice stands for.
pub(crate) fn bare_command(words: &[&str]) -> Command {
    let line = std::iter::once("iam-onboard").chain(words.iter().copied());
    Cli::try_parse_from(line)
        .ok()
        .and_then(|cli| cli.command)
        .unwrap_or_else(|| panic!("`iam-onboard {}` parses", words.join(" ")))
}

/// A usage error for values that were not given and cannot be asked for (no terminal), with
/// the usage line of the subcommand at `path` (empty: the program) as clap prints it.
pub(crate) fn usage_error(path: &[&str], missing: &[&str]) -> Error {
    let mut program = Cli::command();
    program.build();
    let mut command = &mut program;
    for name in path {
        command = command
            .find_subcommand_mut(name)
            .unwrap_or_else(|| panic!("`{name}` is a subcommand"));
    }
    let help = std::iter::once("iam-onboard")
        .chain(path.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    Error::Usage(format!(
        "missing {} (asked for only on a terminal)\n\n{}\n\nFor more information, try '{help} --help'.",
        missing.join(", "),
        command.render_usage()
    ))
}

#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// AWS profile to use (default: AWS_PROFILE or the default profile)
    #[arg(long, global = true, value_name = "NAME")]
    pub(crate) profile: Option<String>,

    /// AWS region (IAM is global; default: the profile's region, else us-east-1)
    #[arg(long, global = true, value_name = "REGION")]
    pub(crate) region: Option<String>,

    /// IAM Identity Center's home region (default: sso_region in the configuration file, else
    /// the region above)
    #[arg(long, global = true, value_name = "REGION")]
    pub(crate) sso_region: Option<String>,

    /// Send AWS calls to this endpoint, e.g. a local emulator (AWS_ENDPOINT_URL also works)
    #[arg(long, global = true, value_name = "URL")]
    pub(crate) endpoint_url: Option<String>,

    /// How long one attempt of an AWS call may take before it counts as unanswered (1 to 3600);
    /// a call's retries each get as long
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        default_value_t = 30,
        env = "IAM_ONBOARD_CALL_TIMEOUT",
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub(crate) call_timeout: u64,

    /// How long to keep asking when AWS answers "not found" for something this run has just
    /// created (IAM and Identity Center are eventually consistent; 0 to 3600); anything else not
    /// found is an answer at once
    #[arg(
        long,
        global = true,
        value_name = "SECONDS",
        default_value_t = 120,
        env = "IAM_ONBOARD_PROPAGATION_TIMEOUT",
        value_parser = clap::value_parser!(u64).range(0..=3600)
    )]
    pub(crate) propagation_timeout: u64,

    /// Result format on standard output
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Human)]
    pub(crate) output: OutputFormat,

    /// More log lines on stderr (-v info, -vv debug, -vvv trace)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,

    /// Only errors on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,

    /// Print the plan of API calls and change nothing (only read calls are made)
    #[arg(long, global = true)]
    pub(crate) dry_run: bool,

    /// Do not ask for confirmation on a terminal (the plan is still shown, on stderr, unless
    /// -q); off a terminal, required for any change
    #[arg(short = 'y', long, global = true)]
    pub(crate) yes: bool,

    /// Use the templates in DIR (NAME.json and policies/*.json) instead of the built-in ones
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) templates: Option<PathBuf>,

    /// Configuration file (JSON): account sets for `assign`, users never to change
    #[arg(long, global = true, value_name = "FILE", env = "IAM_ONBOARD_CONFIG")]
    pub(crate) config: Option<PathBuf>,

    /// A user no command may create, change or offboard (repeatable, or comma-separated);
    /// added to IAM_ONBOARD_PROTECTED and the configuration file's protected_users. The
    /// identity running the command is always protected
    #[arg(long, global = true, value_name = "NAME", value_delimiter = ',')]
    pub(crate) protect: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum OutputFormat {
    /// Text for people
    Human,
    /// One JSON object, for scripts
    Json,
    /// CSV with a header row (audit and list only)
    Csv,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create an IAM user from a job-function template, with console password and MFA
    NewUser(NewUserArgs),
    /// Give a person IAM Identity Center (SSO) access to accounts from a job-function template
    Assign(AssignArgs),
    /// Onboard, offboard and assign many people from a CSV file, checked first, concurrently
    Batch(BatchArgs),
    /// Make AWS equal to the HR export: joiners onboarded, movers moved, end dates set,
    /// leavers (gone from the export or past their end date) disabled, later offboarded
    Sync(SyncArgs),
    /// Carry out a plan saved by `sync --plan-out`, refused if the account changed since
    Apply(ApplyArgs),
    /// Disable everyone this tool manages whose end date (iam-onboard:until) has passed, and
    /// nobody else (for a scheduled job)
    Expire(ExpireArgs),
    /// Cut an IAM user's access at once (a deny-all inline policy), then remove the user and
    /// everything attached to it, in the order AWS requires (with --sso: deny the person's live
    /// sessions in their permission sets, then remove their groups, assignments and identity)
    Offboard(OffboardArgs),
    /// Enrol a new virtual MFA device for an IAM user (lost or new phone, or MFA deferred at
    /// onboarding), and only once it works remove the old ones
    ResetMfa(ResetMfaArgs),
    /// Move a person to another job-function template (a job change): the old template's
    /// group or assignments removed before the new ones are given
    Move(MoveArgs),
    /// Give an IAM user a new one-time console password (changed at next sign-in)
    ResetPassword(ResetPasswordArgs),
    /// Rotate an IAM user's access key over runs: make the new one (to a new 0600 file, or shown
    /// once on the terminal), then deactivate the old once the new is used or the grace has
    /// passed, then delete it once it has been inactive for the grace
    RotateKey(RotateKeyArgs),
    /// Show everything about one person, read only: tags, groups, policies, boundary, console,
    /// MFA devices, access keys (with --sso: identity-store user, groups, assignments)
    Show(ShowArgs),
    /// List the people this tool manages, a line each (two account-wide reads, whatever the
    /// number of users)
    List(ListArgs),
    /// The monthly IAM audit: MFA, old and unused keys and passwords, policies on users, the
    /// password policy, broad template policies, and drift from the templates (exit 5 on
    /// findings at or above --fail-on)
    Audit(AuditArgs),
    /// Access reviews: a sheet (CSV) per reviewer of the people this tool manages, then the
    /// reviewers' decisions carried out (revoke, move:TEMPLATE, keep)
    #[command(subcommand)]
    Review(ReviewCommand),
    /// List or show the job-function templates (without a command: list them)
    Templates(TemplatesArgs),
    /// Print the shell completion script (e.g. `iam-onboard completions bash > ~/.local/share/bash-completion/completions/iam-onboard`)
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page, or with --dir write it and one page a subcommand (roff; e.g.
    /// `iam-onboard man --dir ~/.local/share/man/man1`, then `man iam-onboard-new-user`)
    Man {
        /// Write iam-onboard.1 and iam-onboard-COMMAND.1 for every subcommand into this folder
        #[arg(long, value_name = "DIR")]
        dir: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Args)]
pub(crate) struct OffboardArgs {
    /// IAM user name (on a terminal, when missing: chosen from the account's users)
    pub(crate) username: Option<String>,

    /// Only cut access (a deny-all inline policy that stops what the person already holds, then
    /// console password, access keys, MFA) and tag the user offboarded; keep the user and its
    /// policies for investigation. A later run without it finishes the job.
    #[arg(long)]
    pub(crate) disable_only: bool,

    /// Why, stored in the iam-onboard:offboard-reason tag with --disable-only
    #[arg(long, value_name = "TEXT")]
    pub(crate) reason: Option<String>,

    /// Offboard from IAM Identity Center instead: deny the person's live sessions in every
    /// permission set of this tool they can use (an entry in its inline policy, re-provisioned),
    /// then remove their group memberships and account assignments, then the identity-store user
    #[arg(long, conflicts_with_all = ["disable_only", "accounts"])]
    pub(crate) sso: bool,

    /// With --sso: also deny the person's sessions in permission sets this tool does not
    /// manage (by default they are not edited, and the report says until when their sessions
    /// may last)
    #[arg(long, requires = "sso")]
    pub(crate) revoke_unmanaged: bool,

    /// With --sso: keep the identity-store user (e.g. when an external identity provider owns it)
    #[arg(long, requires = "sso")]
    pub(crate) keep_identity: bool,

    /// With --sso: the Identity Center instance, when the account has several
    #[arg(long, value_name = "ARN", requires = "sso")]
    pub(crate) instance_arn: Option<String>,

    #[command(flatten)]
    pub(crate) across: AccountsArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ResetMfaArgs {
    /// IAM user name (on a terminal, when missing: chosen from the account's users)
    pub(crate) username: Option<String>,

    /// How to enrol the new device
    #[arg(long, value_enum, value_name = "MODE", conflicts_with_all = ["enable_pending", "remove_only"])]
    pub(crate) mfa: Option<ResetMfaArg>,

    /// With --mfa export or pending: new file (mode 0600) for the otpauth:// URI. With
    /// --enable-pending: that file, read to check the codes before AWS is asked
    #[arg(long, value_name = "FILE", conflicts_with = "remove_only")]
    pub(crate) mfa_secret_file: Option<PathBuf>,

    /// With --mfa export or pending: also write the QR code as a PNG (new file, mode 0600)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["enable_pending", "remove_only"])]
    pub(crate) mfa_qr_png: Option<PathBuf>,

    /// The second run of a scripted enrolment: enable the device an earlier --mfa pending left,
    /// with two consecutive codes on standard input, then remove the old devices
    #[arg(long, conflicts_with = "remove_only")]
    pub(crate) enable_pending: bool,

    /// Only remove the user's MFA devices, without enrolling a new one (the person cannot be
    /// there); the force-mfa policy keeps them to MFA self-service until they enrol
    #[arg(long)]
    pub(crate) remove_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ResetMfaArg {
    /// QR code on this terminal, then type two consecutive codes (default on a terminal)
    Prompt,
    /// Write the otpauth URI to --mfa-secret-file, read two codes from standard input in the
    /// same run
    Export,
    /// Write the otpauth URI to --mfa-secret-file and leave the device pending; a later
    /// `reset-mfa USER --enable-pending` with two codes on standard input enables it
    Pending,
}

#[derive(Debug, Args)]
pub(crate) struct ResetPasswordArgs {
    /// IAM user name (on a terminal, when missing: chosen from the account's users)
    pub(crate) username: Option<String>,

    /// Write the one-time password to this new file (mode 0600) instead of showing it
    #[arg(long, value_name = "FILE")]
    pub(crate) password_file: Option<PathBuf>,

    /// Give console access to a user that has none
    #[arg(long)]
    pub(crate) create: bool,

    /// The person is an IAM Identity Center user: explains what to do (AWS has no API for it)
    #[arg(long, conflicts_with_all = ["password_file", "create"])]
    pub(crate) sso: bool,
}

#[derive(Debug, Args)]
pub(crate) struct RotateKeyArgs {
    /// IAM user name (on a terminal, when missing: chosen from the account's users)
    pub(crate) username: Option<String>,

    /// Write the new key (an AWS credentials file section) to this new file, mode 0600. Without
    /// it, the run that makes the key shows it once on the terminal; off a terminal that run
    /// needs it
    #[arg(long, value_name = "FILE")]
    pub(crate) key_file: Option<PathBuf>,

    /// How long the old key stays active when the new one is not seen in use, and then
    /// inactive (to be made active again by hand if need be) before a run deletes it
    #[arg(long, value_name = "HOURS", default_value_t = 24)]
    pub(crate) grace: u64,

    /// Also put the new secret access key in the JSON output
    #[arg(long)]
    pub(crate) show_secret: bool,
}

#[derive(Debug, Args)]
pub(crate) struct MoveArgs {
    /// IAM user name, or with --sso the Identity Center user name (on a terminal, when
    /// missing: asked for)
    pub(crate) username: Option<String>,

    /// The new job-function template (on a terminal, when missing: chosen from a list)
    #[arg(long, value_name = "NAME")]
    pub(crate) template: Option<String>,

    /// Move an IAM Identity Center person: their assignments from this tool's other templates
    /// are replaced by the new template's
    #[arg(long)]
    pub(crate) sso: bool,

    /// With --sso: the accounts to give the new template in (repeatable); default: the
    /// accounts of the access it replaces
    #[arg(long = "account", value_name = "ID", requires = "sso")]
    pub(crate) accounts: Vec<String>,

    /// With --sso: the Identity Center instance, when the account has several
    #[arg(long, value_name = "ARN", requires = "sso")]
    pub(crate) instance_arn: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// IAM user name, or with --sso the Identity Center user name (on a terminal, when
    /// missing: asked for)
    pub(crate) username: Option<String>,

    /// Show an IAM Identity Center person instead
    #[arg(long, conflicts_with = "accounts")]
    pub(crate) sso: bool,

    /// With --sso: the Identity Center instance, when the account has several
    #[arg(long, value_name = "ARN", requires = "sso")]
    pub(crate) instance_arn: Option<String>,

    #[command(flatten)]
    pub(crate) across: AccountsArgs,
}

/// Reaching the other accounts of the organisation.
#[derive(Debug, Args)]
pub(crate) struct AccountsArgs {
    /// Every account of SET, comma-separated: account ids, ou-..., r-..., tag:KEY=VALUE or set
    /// names of the configuration file. The tool assumes --role in each (the caller's own
    /// account with the caller's own credentials) and reads them at once
    #[arg(long, value_name = "SET")]
    pub(crate) accounts: Option<String>,

    /// With --accounts: the role to assume in each account (default: the configuration's
    /// member_role, else OrganizationAccountAccessRole)
    #[arg(long, value_name = "NAME", requires = "accounts")]
    pub(crate) role: Option<String>,

    /// With --accounts: how many accounts at once
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub(crate) account_concurrency: u16,
}

#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only the people onboarded from this template
    #[arg(long, value_name = "NAME")]
    pub(crate) template: Option<String>,

    /// Also the users this tool did not create
    #[arg(long)]
    pub(crate) all: bool,

    #[command(flatten)]
    pub(crate) across: AccountsArgs,
}

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// Also audit IAM Identity Center: assignments whose principal is gone, and people given
    /// permission sets this tool does not manage
    #[arg(long, conflicts_with = "accounts")]
    pub(crate) sso: bool,

    /// Exit 5 when a finding is at or above this severity
    #[arg(long, value_enum, value_name = "SEVERITY", default_value_t = FailOn::High)]
    pub(crate) fail_on: FailOn,

    /// An active access key whose age reaches this is a finding (0: every active key)
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    pub(crate) key_max_age: u64,

    /// A key or console password not used for this long is a finding
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    pub(crate) unused_days: u64,

    /// How long a person onboarded with --mfa deferred may have a console password without MFA
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    pub(crate) mfa_grace_days: u64,

    /// Report people this tool manages whom no access review (review apply) has kept for this
    /// many days
    #[arg(long, value_name = "DAYS", default_value_t = 90)]
    pub(crate) review_days: u64,

    #[command(flatten)]
    pub(crate) across: AccountsArgs,

    /// With --sso: the Identity Center instance, when the account has several
    #[arg(long, value_name = "ARN", requires = "sso")]
    pub(crate) instance_arn: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    High,
    Medium,
    Low,
    /// Report only: exit 0 whatever is found
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum MfaArg {
    /// QR code on this terminal, then type two consecutive codes (default on a terminal)
    Prompt,
    /// Write the otpauth URI to --mfa-secret-file, read two codes from standard input
    Export,
    /// No device now; the force-MFA policy keeps the user to MFA self-service until they
    /// enrol (default when not on a terminal)
    Deferred,
}

#[derive(Debug, Args)]
pub(crate) struct NewUserArgs {
    /// IAM user name: 1-64 of A-Z a-z 0-9 + = , . @ _ - (asked for on a terminal when missing)
    pub(crate) username: Option<String>,

    /// Job-function template (see `iam-onboard templates list`; on a terminal, when missing,
    /// chosen from a list)
    #[arg(long, value_name = "NAME")]
    pub(crate) template: Option<String>,

    /// The person's name, stored as the display-name tag
    #[arg(long, value_name = "TEXT")]
    pub(crate) display_name: Option<String>,

    /// The person's email, stored as the email tag
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) email: Option<String>,

    /// Change ticket that authorised this, stored as the iam-onboard:ticket tag
    #[arg(long, value_name = "ID")]
    pub(crate) ticket: Option<String>,

    /// Extra tag KEY=VALUE (repeatable); not one of the tool's own (managed-by, display-name,
    /// email, iam-onboard:*)
    #[arg(long = "tag", value_name = "KEY=VALUE")]
    pub(crate) tags: Vec<String>,

    /// No console password (API-only or SSO-only person)
    #[arg(long)]
    pub(crate) no_console: bool,

    /// How to set up the MFA device
    #[arg(long, value_enum, value_name = "MODE")]
    pub(crate) mfa: Option<MfaArg>,

    /// With --mfa export: new file (mode 0600) for the otpauth:// URI
    #[arg(long, value_name = "FILE")]
    pub(crate) mfa_secret_file: Option<PathBuf>,

    /// With --mfa export: also write the QR code as a PNG (new file, mode 0600)
    #[arg(long, value_name = "FILE")]
    pub(crate) mfa_qr_png: Option<PathBuf>,

    /// Write the one-time console password to this new file (mode 0600) instead of showing it
    #[arg(long, value_name = "FILE")]
    pub(crate) password_file: Option<PathBuf>,

    /// For a role template: write the AWS CLI profile that assumes the role (with the MFA
    /// device, as the person) to this new file, to append to ~/.aws/config
    #[arg(long, value_name = "FILE")]
    pub(crate) aws_profile_out: Option<PathBuf>,

    /// The last day of the person's access (YYYY-MM-DD, today or later), kept in the
    /// iam-onboard:until tag; `expire` and `sync` disable them after it
    #[arg(long, value_name = "DATE")]
    pub(crate) until: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct AssignArgs {
    /// The person's Identity Center user name (asked for on a terminal when missing)
    pub(crate) username: Option<String>,

    /// Job-function template (see `iam-onboard templates list`; on a terminal, when missing,
    /// chosen from a list)
    #[arg(long, value_name = "NAME")]
    pub(crate) template: Option<String>,

    /// AWS account to give the template's access in (repeatable). Without it, the template's
    /// account sets from the configuration file are used
    #[arg(long = "account", value_name = "ID")]
    pub(crate) accounts: Vec<String>,

    /// Create the person in the identity store when missing
    #[arg(long, requires_all = ["email", "given_name", "family_name"])]
    pub(crate) create_user: bool,

    /// With --create-user: the person's email
    #[arg(long, value_name = "ADDRESS")]
    pub(crate) email: Option<String>,

    /// With --create-user: the person's given name
    #[arg(long, value_name = "NAME")]
    pub(crate) given_name: Option<String>,

    /// With --create-user: the person's family name
    #[arg(long, value_name = "NAME")]
    pub(crate) family_name: Option<String>,

    /// With --create-user: the display name (default: given and family name)
    #[arg(long, value_name = "TEXT")]
    pub(crate) display_name: Option<String>,

    /// The Identity Center instance, when the account has several
    #[arg(long, value_name = "ARN")]
    pub(crate) instance_arn: Option<String>,

    /// The last day of the person's access (YYYY-MM-DD, today or later), kept as their
    /// membership of the identity-store group iam-onboard-until-<DATE>; `expire --sso` and
    /// `sync` remove their access after it
    #[arg(long, value_name = "DATE")]
    pub(crate) until: Option<String>,

    /// How long to wait for one assignment that stays IN_PROGRESS (at most a day)
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 300,
        value_parser = clap::value_parser!(u64).range(1..=86_400)
    )]
    pub(crate) timeout: u64,
}

#[derive(Debug, Args)]
pub(crate) struct TemplatesArgs {
    #[command(subcommand)]
    pub(crate) which: Option<TemplatesCommand>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum TemplatesCommand {
    /// List the templates with their descriptions
    List,
    /// Show one template, policy documents included
    Show {
        /// Template name (on a terminal, when missing: chosen from a list)
        name: Option<String>,
    },
    /// Find the privilege-escalation paths, credential-returning actions and resource-policy
    /// writes a template's people hold (inside its boundary); exit 5 on a finding the template
    /// does not accept
    Lint {
        /// One template (default: every template of the set)
        name: Option<String>,
    },
    /// Find what a template grants that nobody of its job function used in the last DAYS, from
    /// IAM's last-accessed data for its group (and a role template's role); with --write, a
    /// narrowed copy of its policies for review
    Rightsize {
        /// Template name
        name: String,
        /// The period of use: a service or tracked action unused for this many days is reported
        #[arg(long, default_value_t = 90, value_parser = clap::value_parser!(u32).range(1..=400))]
        days: u32,
        /// Write the narrowed policies into DIR/policies/ (new files), to review and copy into a set
        #[arg(long, value_name = "DIR")]
        write: Option<std::path::PathBuf>,
    },
    /// Write the built-in templates into DIR, to start a set of your own (then --templates DIR)
    Export {
        /// A new or empty folder
        dir: std::path::PathBuf,
    },
}

/// Whether a command line (that clap may have refused) asks for `--output json`, so that even
/// a usage error is one JSON error object on standard output.
pub(crate) fn json_asked(args: impl IntoIterator<Item = std::ffi::OsString>) -> bool {
    let args: Vec<std::ffi::OsString> = args.into_iter().collect();
    args.iter().enumerate().any(|(index, arg)| {
        arg == "--output=json"
            || (arg == "--output" && args.get(index + 1).is_some_and(|next| next == "json"))
    })
}

/// A message with every word over `LONG_WORD` characters (a pasted value echoed back) cut to its
/// start and its length, so a 100 KB argument does not fill the terminal.
pub(crate) fn shorten_long_words(message: &str) -> String {
    const LONG_WORD: usize = 200;
    let mut out = String::with_capacity(message.len().min(4096));
    let mut rest = message;
    while let Some(start) = rest.find(|c: char| !c.is_whitespace()) {
        out.push_str(&rest[..start]);
        let word = &rest[start..];
        let end = word.find(char::is_whitespace).unwrap_or(word.len());
        let (word, after) = word.split_at(end);
        let length = word.chars().count();
        if length > LONG_WORD {
            let head: String = word.chars().take(40).collect();
            out.push_str(&format!("{head}… ({length} characters)"));
        } else {
            out.push_str(word);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Parses the process's command line, as `description` describes it.
pub(crate) fn parse() -> Result<Cli, clap::Error> {
    let matches = description().try_get_matches()?;
    <Cli as clap::FromArgMatches>::from_arg_matches(&matches)
}
