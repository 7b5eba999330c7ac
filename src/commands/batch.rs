//! `batch FILE.csv`: the file checked, then run, then summed up.

use super::{Terminal, aws_target, load_templates};
use crate::aws::Iam;
use crate::aws::config::{AwsTarget, load_config};
use crate::aws::sdk::SdkIam;
use crate::batch;
use crate::cli::{BatchArgs, GlobalArgs, OutputFormat};
use crate::config::Config;
use crate::error::{Error, InputError};
use crate::helpdesk::{self, Dialogue, Prompter};
use crate::interrupt::Interrupts;
use crate::protect::Protected;
use crate::report::{self, Acting};
use crate::sso::operations::Patience;
use std::sync::Arc;

pub(super) async fn run_batch(
    args: BatchArgs,
    global: &GlobalArgs,
    terminal: Terminal,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let set = load_templates(global)?;
    let (config, resolved) = super::with_resolved_sets(
        Config::load(global.config.as_deref())?,
        &aws_target(global)?,
    )
    .await?;
    if global.dry_run {
        for line in &resolved {
            report::print_err(&format!("{line}\n"));
        }
    }
    let missing = helpdesk::missing(&[("<FILE>", args.file.is_some())]);
    helpdesk::usage_unless_asked(terminal.interactive, &["batch"], &missing)?;
    let path = match args.file.clone() {
        Some(path) => path,
        None => helpdesk::ask_batch_file(&mut Dialogue::new(terminal.look))?,
    };
    let file = path.display().to_string();
    let protected = Protected::gather(&global.protect, &config);
    let checking = batch::check::Checking {
        file: &file,
        templates: &set,
        config: &config,
        protected: &protected,
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
    let target = AwsTarget {
        adaptive_retries: true,
        ..aws_target(global)?
    };
    let sdk_config = load_config(&target).await?;
    let iam = Arc::new(super::settling(SdkIam::new(&sdk_config), global));
    let sso = Arc::new(super::sso_api(&sdk_config, global, &config)?);
    let caller = iam.get_caller_identity().await.map_err(Error::from_aws)?;
    let acting = Acting::of(&caller);
    if !global.quiet || terminal.interactive {
        report::print_err(&format!(
            "{}\n{file}: {}\n",
            acting.heading(),
            checked.counts()
        ));
    }
    if terminal.interactive
        && !global.yes
        && !global.dry_run
        && !Dialogue::new(terminal.look).yes_no("Proceed?", false)?
    {
        return Err(Error::Declined);
    }
    let sink = batch::report::ReportSink::open(
        args.report.as_deref(),
        global.output == OutputFormat::Json,
    )?;
    let settings = batch::run::Settings {
        caller,
        concurrency: args.concurrency,
        continue_on_error: args.continue_on_error,
        dry_run: global.dry_run,
        patience: Patience {
            timeout: std::time::Duration::from_secs(args.timeout),
            ..Patience::default()
        },
        // Rows already on standard output (the table, JSON lines) are not repeated on stderr.
        log_rows: !global.quiet && args.report.is_some(),
        progress_bar: !global.quiet,
        unicode: terminal.look.unicode,
    };
    let (cancel, cancelled) = tokio::sync::watch::channel(false);
    let running = batch::run::run(iam, sso, &checking, &checked, settings, sink, cancelled);
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
    if !global.quiet {
        report::print_err(&format!("iam-onboard: batch {file}: {summary}\n"));
    }
    summary.outcome()
}
