//! `batch FILE.csv`: the file checked, then run, then summed up.

use crate::aws::Iam;
use crate::batch;
use crate::cli::{BatchArgs, OutputFormat};
use crate::error::{Error, InputError};
use crate::report::{self, Acting};
use crate::settings::Settings;
use crate::sso::operations::Patience;
use crate::terminal::helpdesk;
use crate::terminal::interrupt::Interrupts;
use crate::terminal::prompt::{Dialogue, Prompter};
use std::sync::Arc;

pub(super) async fn run_batch(
    args: BatchArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let set = &settings.templates;
    let (config, resolved) =
        super::with_resolved_sets(settings.config.clone(), &settings.aws).await?;
    if settings.dry_run {
        for line in &resolved {
            report::print_err(&format!("{line}\n"));
        }
    }
    helpdesk::require(
        settings.terminal.interactive,
        &["batch"],
        &[("<FILE>", args.file.is_some())],
    )?;
    let path = match args.file.clone() {
        Some(path) => path,
        None => helpdesk::ask_batch_file(&mut Dialogue::new(settings.terminal.look))?,
    };
    let file = path.display().to_string();
    let protected = &settings.protected;
    let checking = batch::check::Checking {
        file: &file,
        templates: set,
        config: &config,
        protected,
    };
    let checked = batch::check::check_file(&path, &checking).map_err(Error::BadRows)?;
    // The same check for a dry run as for the real one: a dry run answers what the run would.
    if checked.makes_passwords && args.report.is_none() {
        return Err(InputError::new(
            "--report",
            "rows with console=yes make one-time passwords, which go only to the report: give --report FILE",
        )
        .into());
    }
    super::confirmable(settings)?;
    if settings.dry_run
        && let Some(path) = &args.report
    {
        crate::iam::request::must_be_new("--report", path)?;
    }
    let sdk_config = settings.with_adaptive_retries().sdk_config().await?;
    let iam = Arc::new(settings.iam(&sdk_config));
    let sso = Arc::new(settings.sso(&sdk_config));
    let caller = iam.get_caller_identity().await.map_err(Error::from_aws)?;
    let acting = Acting::of(&caller);
    if !settings.quiet || settings.terminal.interactive {
        report::print_err(&format!(
            "{}\n{file}: {}\n",
            acting.heading(),
            checked.counts()
        ));
    }
    if settings.terminal.interactive
        && !settings.yes
        && !settings.dry_run
        && !Dialogue::new(settings.terminal.look).yes_no("Proceed?", false)?
    {
        return Err(Error::Declined);
    }
    // A dry run writes no file: its rows, each with the calls a real run makes, go to the
    // terminal (or standard output as JSON lines), and the report's path is only checked.
    let written = args.report.as_deref().filter(|_| !settings.dry_run);
    let sink = batch::report::ReportSink::open(written, settings.output == OutputFormat::Json)?;
    let options = batch::run::RunOptions {
        caller,
        concurrency: args.concurrency,
        continue_on_error: args.continue_on_error,
        dry_run: settings.dry_run,
        patience: Patience {
            timeout: std::time::Duration::from_secs(args.timeout),
            ..Patience::default()
        },
        // Rows already on standard output (the table, JSON lines) are not repeated on stderr.
        log_rows: !settings.quiet && written.is_some(),
        progress_bar: !settings.quiet,
        unicode: settings.terminal.look.unicode,
    };
    let (cancel, cancelled) = tokio::sync::watch::channel(false);
    let running = batch::run::run(iam, sso, &checking, &checked, options, sink, cancelled);
    tokio::pin!(running);
    let mut interrupted = std::pin::pin!(interrupts.during_changes());
    let summary = loop {
        tokio::select! {
            summary = &mut running => break summary?,
            () = &mut interrupted, if !*cancel.borrow() => {
                report::print_err("\niam-onboard: interrupted; undoing the rows in flight, starting no more\n");
                let _ = cancel.send(true);
            }
        }
    };
    if !settings.quiet {
        report::print_err(&format!("iam-onboard: batch {file}: {summary}\n"));
    }
    summary.outcome()
}
