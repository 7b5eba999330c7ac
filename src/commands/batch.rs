//! `batch FILE.csv`: the file checked, then run, then summed up.

use crate::aws::IamAccount;
use crate::batch;
use crate::cli::BatchArgs;
use crate::error::Error;
use crate::report::{self, Acting};
use crate::settings::Settings;
use crate::sso::operations::Patience;
use crate::terminal::helpdesk;
use crate::terminal::interrupt::Interrupts;
use crate::terminal::prompt::Dialogue;

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
        today: crate::iam::end_date::today_by_the_clock(),
    };
    let checked = batch::check::check_file(&path, &checking).map_err(Error::BadRows)?;
    super::rows::check_report(&checked, &args.run, settings)?;
    super::confirmable(settings)?;
    let clients = super::rows::Clients::new(settings).await?;
    let caller = clients
        .iam
        .get_caller_identity()
        .await
        .map_err(Error::from_aws)?;
    if super::proposal::shows(settings) {
        report::print_err(&format!(
            "{}\n{file}: {}\n",
            Acting::of(&caller).heading(),
            checked.counts()
        ));
    }
    super::rows::proceed(settings, true)?;
    let handle = checked.reopen(&file)?;
    let rows = super::rows::Rows {
        clients: &clients,
        to_run: batch::run::RowsToRun {
            checking: &checking,
            checked: &checked,
            source: batch::run::RowSource::File(handle),
        },
        caller,
        patience: Patience {
            timeout: std::time::Duration::from_secs(args.timeout),
            ..Patience::default()
        },
        sheets: false,
    };
    let summary = super::rows::run_rows(rows, &args.run, settings, interrupts, |_| Ok(())).await?;
    if !settings.quiet {
        report::print_err(&format!("iam-onboard: batch {file}: {summary}\n"));
    }
    summary.outcome()
}
