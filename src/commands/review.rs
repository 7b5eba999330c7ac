//! `review start` and `review apply`: the sheets written from the two account-wide reads; the
//! decisions read back, shown as a plan headed by the account and caller, asked, and carried out
//! as rows, each through its command's operation (offboard, move, the review tag).

use super::rows::{Clients, Planned};
use crate::aws::IamAccount;
use crate::batch::report::RowReport;
use crate::cli::{OutputFormat, ReviewApplyArgs, ReviewCommand};
use crate::error::{Error, InputError};
use crate::iam::end_date::today_by_the_clock;
use crate::iam::offboard::OffboardMode;
use crate::report::{self, Acting};
use crate::review::{self, Decided, Decision};
use crate::settings::Settings;
use crate::terminal::interrupt::Interrupts;
use std::path::Path;

pub(super) async fn review(
    which: ReviewCommand,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    match which {
        ReviewCommand::Start { template, out } => start(template.as_deref(), &out, settings).await,
        ReviewCommand::Apply(args) => apply(args, settings, interrupts).await,
    }
}

async fn start(template: Option<&str>, out: &Path, settings: &Settings) -> Result<(), Error> {
    if let Some(name) = template {
        settings.templates.get(name).map_err(|err| InputError {
            field: "--template".to_string(),
            ..err
        })?;
    }
    let api = settings.iam_api().await?;
    let (users, credentials) =
        tokio::try_join!(api.list_authorized_users(), api.credential_report())
            .map_err(Error::from_aws)?;
    let sheets = review::sheets(&users, &credentials, template);
    let people: usize = sheets.values().map(Vec::len).sum();
    let written = if settings.dry_run {
        review::sheet_paths(out, &sheets)?;
        Vec::new()
    } else {
        review::write_sheets(out, &sheets)?
    };
    let text = match settings.output {
        OutputFormat::Json => report::to_json(&serde_json::json!({
            "sheets": sheets,
            "written": written,
            "dry_run": settings.dry_run,
        })),
        OutputFormat::Human | OutputFormat::Csv => {
            let mut text = String::new();
            for (name, lines) in &sheets {
                let verb = if settings.dry_run {
                    "would write"
                } else {
                    "wrote"
                };
                text.push_str(&format!(
                    "{verb} {} ({})\n",
                    out.join(name).display(),
                    people_count(lines.len())
                ));
            }
            if sheets.is_empty() {
                text.push_str("nobody to review: this tool manages no one here\n");
            } else {
                text.push_str(&format!(
                    "{} to review: fill in each decision (keep, revoke, move:TEMPLATE), then iam-onboard review apply {}\n",
                    people_count(people),
                    out.display()
                ));
            }
            text
        }
    };
    report::print(&text);
    Ok(())
}

async fn apply(
    args: ReviewApplyArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let (decided, undecided) =
        review::read_decisions(&args.dir, &settings.templates).map_err(Error::BadRows)?;
    let mode = OffboardMode::asked(args.disable_only);
    let today = today_by_the_clock();
    let rows = review::rows(&decided, &settings.templates, mode, &today).map_err(Error::BadRows)?;
    super::confirmable(settings)?;
    let clients = Clients::new(settings).await?;
    let caller = clients
        .iam
        .get_caller_identity()
        .await
        .map_err(Error::from_aws)?;
    let source = args.dir.display().to_string();
    if super::proposal::shows(settings) {
        report::print_err(&format!(
            "{}\nThe review in {source}:\n{}",
            Acting::of(&caller).heading(),
            summary(&decided, undecided.len(), mode)
        ));
    }
    let unchanged = undecided
        .into_iter()
        .map(|(file, line, username)| {
            RowReport::unchanged(
                line,
                "review",
                username,
                String::new(),
                "no decision".to_string(),
            )
            .in_sheet(file)
        })
        .collect();
    let planned = Planned {
        rows,
        unchanged,
        source: &source,
        caller,
    };
    super::rows::carry_out(planned, &clients, &args.run, settings, interrupts).await
}

fn people_count(n: usize) -> String {
    if n == 1 {
        "1 person".to_string()
    } else {
        format!("{n} people")
    }
}

/// The plan in words: each decision's people, counted.
fn summary(decided: &[Decided], undecided: usize, mode: OffboardMode) -> String {
    let named = |wanted: fn(&Decision) -> bool| -> Vec<String> {
        decided
            .iter()
            .filter(|d| wanted(&d.decision))
            .map(|d| match &d.decision {
                Decision::Move(to) => format!("{} to {to}", d.user_name),
                _ => d.user_name.clone(),
            })
            .collect()
    };
    let revoke = if mode == OffboardMode::DisableOnly {
        "disable (revoke, --disable-only)"
    } else {
        "offboard (revoke)"
    };
    let mut out = String::new();
    for (what, people) in [
        (revoke, named(|d| *d == Decision::Revoke)),
        (
            "move, then record the review",
            named(|d| matches!(d, Decision::Move(_))),
        ),
        ("keep: record the review", named(|d| *d == Decision::Keep)),
    ] {
        if !people.is_empty() {
            out.push_str(&format!(
                "  {what}: {} ({})\n",
                people.len(),
                people.join(", ")
            ));
        }
    }
    if undecided > 0 {
        out.push_str(&format!("  no decision, left as they are: {undecided}\n"));
    }
    out
}
