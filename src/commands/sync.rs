//! `sync FILE`, `apply PLAN` and `expire`: the export (or the end dates) against the account,
//! the plan shown grouped with counts, the guard, the question; then the changes run as batch
//! rows, each through its single command's operation, and a report line a person.

use super::rows::Clients;
use crate::batch::report::RowReport;
use crate::cli::{ApplyArgs, ChangeRunArgs, ExpireArgs, LeaverArgs, SyncArgs};
use crate::clock::{Clock, SystemClock, rfc3339};
use crate::error::Error;
use crate::report::{self, Acting};
use crate::settings::Settings;
use crate::sync::file::{ExportRules, Kind, read_export};
use crate::sync::plan::{LeaverRules, SyncPlan, plan_expire, plan_sync};
use crate::sync::saved::SavedPlan;
use crate::sync::state::Account;
use crate::sync::state::ReadScope;
use crate::terminal::interrupt::Interrupts;

fn rules(leaver: &LeaverArgs, max_leavers: Option<usize>) -> LeaverRules {
    LeaverRules {
        leavers: leaver.leavers,
        delete_after_days: leaver.delete_after,
        max_leavers,
    }
}

pub(super) async fn sync(
    args: SyncArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let file = args.file.display().to_string();
    let export = ExportRules {
        templates: &settings.templates,
        config: &settings.config,
        protected: &settings.protected,
        default_kind: if args.sso { Kind::Sso } else { Kind::Iam },
    };
    let wanted = read_export(&args.file, &file, &export).map_err(Error::BadRows)?;
    let scope = ReadScope::of(&wanted, &settings.config);
    if let Some(path) = &args.plan_out {
        crate::iam::request::must_be_new("--plan-out", path)?;
    } else {
        super::confirmable(settings)?;
    }
    let (clients, account) = read(settings, &scope).await?;
    let now = SystemClock.unix_now();
    let rules = rules(&args.leaver, args.max_leavers);
    let plan = plan_sync(&wanted, &account, &settings.protected, rules, now);
    plan.guard(rules.max_leavers)?;
    show_plan(&account, &file, &plan, settings);
    if let Some(path) = &args.plan_out {
        if settings.dry_run {
            report::print_err(&format!(
                "dry run: the plan would be written to {}; nothing was written\n",
                path.display()
            ));
            return Ok(());
        }
        SavedPlan::new(&file, &account, rfc3339(now), plan.changes).write(path)?;
        report::print_err(&format!(
            "wrote the plan to {}: nothing was changed; carry it out with iam-onboard apply {}\n",
            path.display(),
            path.display()
        ));
        return Ok(());
    }
    let rows_of = RowsOf::File(&file);
    carry_out(
        plan, &clients, &account, rows_of, &args.run, settings, interrupts,
    )
    .await
}

/// The clients for the run, and the account's people of `scope` read with them.
async fn read(settings: &Settings, scope: &ReadScope) -> Result<(Clients, Account), Error> {
    let clients = Clients::new(settings).await?;
    let account = Account::read(
        clients.iam.as_ref(),
        clients.sso.as_ref(),
        scope,
        &settings.templates,
    )
    .await?;
    Ok((clients, account))
}

pub(super) async fn apply(
    args: ApplyArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let file = args.plan.display().to_string();
    let saved = SavedPlan::read(&args.plan)?;
    super::confirmable(settings)?;
    let (clients, account) = read(settings, &saved.scope).await?;
    saved.still_holds(&account, &file)?;
    let plan = SyncPlan {
        changes: saved.changes,
        unchanged: Vec::new(),
        managed: account.managed.len(),
    };
    show_plan(&account, &file, &plan, settings);
    let rows_of = RowsOf::File(&file);
    carry_out(
        plan, &clients, &account, rows_of, &args.run, settings, interrupts,
    )
    .await
}

pub(super) async fn expire(
    args: ExpireArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    super::confirmable(settings)?;
    let scope = if args.sso {
        ReadScope::both(&settings.config)
    } else {
        ReadScope::iam()
    };
    let (clients, account) = read(settings, &scope).await?;
    let plan = plan_expire(
        &account,
        &settings.protected,
        rules(&args.leaver, None),
        SystemClock.unix_now(),
    );
    show_plan(&account, "end dates", &plan, settings);
    let rows_of = RowsOf::Expire;
    carry_out(
        plan, &clients, &account, rows_of, &args.run, settings, interrupts,
    )
    .await
}

/// The plan, grouped with counts, on standard error (not with `-q`, unless it asks).
fn show_plan(account: &Account, source: &str, plan: &SyncPlan, settings: &Settings) {
    if super::proposal::shows(settings) {
        report::print_err(&format!(
            "{}\n{source}, against {} people this tool manages:\n{}",
            Acting::of(&account.caller).heading(),
            plan.managed,
            plan.summary()
        ));
    }
}

/// What a run's rows come from: an export or a saved plan (its file), or `expire`.
#[derive(Clone, Copy)]
enum RowsOf<'a> {
    File(&'a str),
    Expire,
}

impl<'a> RowsOf<'a> {
    /// The name the run's summary gives its rows.
    fn source(self) -> &'a str {
        match self {
            RowsOf::File(file) => file,
            RowsOf::Expire => "expire",
        }
    }

    /// The action said of a person the run leaves as they are.
    fn unchanged_action(self) -> &'static str {
        match self {
            RowsOf::File(_) => "sync",
            RowsOf::Expire => "expire",
        }
    }
}

/// The plan's changes as rows, its unchanged people reported first, carried out as a batch's.
async fn carry_out(
    plan: SyncPlan,
    clients: &Clients,
    account: &Account,
    rows_of: RowsOf<'_>,
    run: &ChangeRunArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let planned = plan.rows(&settings.templates, &settings.config)?;
    let unchanged = plan
        .unchanged
        .iter()
        .map(|person| {
            RowReport::unchanged(
                person.line,
                rows_of.unchanged_action(),
                person.user_name.clone(),
                person.arn.clone(),
                person.why.clone(),
            )
        })
        .collect();
    let planned = super::rows::Planned {
        rows: planned,
        unchanged,
        source: rows_of.source(),
        caller: account.caller.clone(),
    };
    super::rows::carry_out(planned, clients, run, settings, interrupts).await
}
