//! iam-onboard: onboard and offboard people in AWS, as IAM users or IAM Identity Center people,
//! from job-function templates.
//!
//! `run` is the whole program: parse the command line, run the command, map the outcome to a
//! documented exit code (see `error::exit`). Every change a person can ask for is an
//! `operation::Operation`, which the command, a batch row and the menu drive alike.

mod account_sets;
mod accounts;
mod audit;
mod aws;
mod batch;
mod cli;
mod clock;
mod commands;
mod config;
mod error;
mod fields;
mod iam;
mod lint;
mod names;
mod operation;
mod outcome;
mod password;
mod policy;
mod protect;
mod qr;
mod quotas;
mod report;
mod review;
mod revoke;
mod rightsize;
mod secret;
mod settings;
mod sso;
mod sync;
mod tags;
mod template;
mod terminal;
mod totp;

use std::io::IsTerminal;
use std::process::ExitCode;
use tracing_subscriber::Layer;
use tracing_subscriber::filter::{FilterExt, LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Environment variable with a `tracing` filter that overrides `-v`/`-q`.
pub(crate) const LOG_ENV: &str = "IAM_ONBOARD_LOG";

pub fn run() -> ExitCode {
    let cli = match cli::parse() {
        Ok(cli) => cli,
        Err(err) => return command_line_refused(&err),
    };
    init_logging(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("iam-onboard: cannot start the async runtime: {err}");
            return ExitCode::from(error::exit::FAILED);
        }
    };
    let (result, signal) = runtime.block_on(async {
        let interrupts = terminal::interrupt::Interrupts::listen();
        let result = commands::dispatch(cli.command, &cli.global, &interrupts).await;
        (result, interrupts.received())
    });
    // A prompt may still be waiting on the terminal after Ctrl-C: do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::from(error::exit::DONE),
        Err(err) => {
            terminal::interrupt::restore_terminal();
            let code = match signal.filter(|_| err.yields_to_signal()) {
                Some(signal) => {
                    let what = match signal {
                        terminal::interrupt::Signal::Interrupt => String::new(),
                        other => format!("{}: ", other.what()),
                    };
                    terminal::output::print_err(&format!("iam-onboard: {what}{err}\n"));
                    signal.exit_code()
                }
                None => {
                    terminal::output::print_err(&format!("iam-onboard: {err}\n"));
                    err.exit_code()
                }
            };
            // The audit's and the lint's report is the document even when it fails on findings, and a
            // report across accounts is when it could not cover them all (it names those).
            let reported = matches!(
                err,
                error::Error::Findings { .. }
                    | error::Error::LintFindings { .. }
                    | error::Error::AccountsNotCovered { .. }
            );
            if cli.global.output == cli::OutputFormat::Json && !reported {
                terminal::output::print(&err.to_json(code));
            }
            ExitCode::from(code)
        }
    }
}

/// A command line clap refused (or `--help`, `--version`, which are not errors): its message,
/// with any value too long to read cut short; with `--output json`, the one error object too.
fn command_line_refused(err: &clap::Error) -> ExitCode {
    if !err.use_stderr() {
        let _ = err.print();
        return ExitCode::from(error::exit::DONE);
    }
    let rendered = err.render().to_string();
    let message = cli::shorten_long_words(&rendered);
    if message == rendered {
        let _ = err.print();
    } else {
        terminal::output::print_err(&message);
    }
    if cli::json_asked(std::env::args_os()) {
        let code = error::exit::BAD_INPUT;
        let plain = message.trim_end().trim_start_matches("error: ");
        terminal::output::print(&error::Error::Usage(plain.to_string()).to_json(code));
    }
    ExitCode::from(error::exit::BAD_INPUT)
}

/// Ceilings on the HTTP layers' logging, applied on top of any filter (including
/// `IAM_ONBOARD_LOG=trace`): their trace output can hold request bodies, and so passwords and
/// MFA seeds. Both filters must let a line through.
const SECRET_SAFE_CEILINGS: &[(&str, LevelFilter)] = &[
    ("aws_smithy", LevelFilter::DEBUG),
    ("aws_sigv4", LevelFilter::DEBUG),
    ("aws_config", LevelFilter::DEBUG),
    ("aws_runtime", LevelFilter::DEBUG),
    ("aws_sdk", LevelFilter::DEBUG),
    ("hyper", LevelFilter::INFO),
    ("hyper_util", LevelFilter::INFO),
    ("h2", LevelFilter::INFO),
    ("rustls", LevelFilter::INFO),
];

/// Logs go to stderr: `-v`/`-q` choose the level, `IAM_ONBOARD_LOG` overrides them.
fn init_logging(global: &cli::GlobalArgs) {
    // -v: the tool's own steps, each AWS call with its duration, and the SDK's retries;
    // -vv: more of the tool's, and the SDK's warnings; -vvv: the SDK's internals too.
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "error,iam_onboard=warn",
        (false, 1) => "error,iam_onboard=info",
        (false, 2) => "warn,iam_onboard=debug",
        (false, _) => "warn,iam_onboard=trace,aws_config=debug,aws_smithy_runtime=debug",
    };
    let chosen = tracing_subscriber::EnvFilter::try_from_env(LOG_ENV)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let ceilings = Targets::new()
        .with_default(LevelFilter::TRACE)
        .with_targets(SECRET_SAFE_CEILINGS.iter().copied());
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_target(false)
        .with_filter(chosen.and(ceilings));
    tracing_subscriber::registry().with(layer).init();
}
