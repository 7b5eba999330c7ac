//! iam-onboard: onboard and offboard people in AWS IAM from job-function templates.
//!
//! `run` is the whole program: parse the command line, run the command, map the outcome to a
//! documented exit code (see `error::exit`).

pub mod aws;
pub mod cli;
pub mod codes;
pub mod commands;
pub mod error;
pub mod names;
pub mod onboard;
pub mod password;
pub mod plan;
pub mod policy;
pub mod qr;
pub mod report;
pub mod secret;
pub mod template;
pub mod totp;
pub mod undo;

use clap::Parser;
use std::io::IsTerminal;
use std::process::ExitCode;

/// Environment variable with a `tracing` filter that overrides `-v`/`-q`.
pub const LOG_ENV: &str = "IAM_ONBOARD_LOG";

pub fn run() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                error::exit::BAD_INPUT
            } else {
                error::exit::DONE
            });
        }
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
    let result = runtime.block_on(commands::dispatch(cli.command, &cli.global));
    // A prompt may still be waiting on the terminal after Ctrl-C: do not wait for it.
    runtime.shutdown_background();
    match result {
        Ok(()) => ExitCode::from(error::exit::DONE),
        Err(err) => {
            eprintln!("iam-onboard: {err}");
            ExitCode::from(err.exit_code())
        }
    }
}

/// Caps applied after any filter, so that no verbosity (nor `IAM_ONBOARD_LOG=trace`) turns on
/// the HTTP layers' trace output, which can hold request bodies with passwords and seeds.
const SECRET_SAFE_CAPS: &[&str] = &[
    "aws_smithy=debug",
    "aws_sigv4=debug",
    "aws_config=debug",
    "aws_runtime=debug",
    "hyper=info",
    "hyper_util=info",
    "rustls=info",
    "h2=info",
];

/// Logs go to stderr.
fn init_logging(global: &cli::GlobalArgs) {
    let default = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "warn,iam_onboard=info",
        (false, 2) => "warn,iam_onboard=debug,aws_config=info,aws_smithy_runtime=info",
        (false, _) => "warn,iam_onboard=trace,aws_config=debug,aws_smithy_runtime=debug",
    };
    let mut filter = tracing_subscriber::EnvFilter::try_from_env(LOG_ENV)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    for cap in SECRET_SAFE_CAPS {
        filter = filter.add_directive(cap.parse().expect("the caps are valid directives"));
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none())
        .with_target(false)
        .init();
}
