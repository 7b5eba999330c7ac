//! `offboard USER --accounts SET`: the person's offboarding prepared in every account, the plan
//! of each account shown under the caller, one question for all, then the access cut in every
//! account before anything is removed in any; a report per account. A re-run finishes what is
//! left.

use super::across::covered_all;
use super::confirm_typed;
use crate::cli::OffboardArgs;
use crate::clock::{Clock, SystemClock, rfc3339};
use crate::error::{Error, InputError};
use crate::iam::offboard::across::{AccountOffboarding, execute_across, prepare_across};
use crate::iam::offboard::{self, OffboardMode, OffboardRequest};
use crate::report::offboard::{AccessCut, OffboardReport};
use crate::report::{self, Acting, Report};
use crate::settings::Settings;
use crate::terminal::interrupt::Interrupts;
use crate::terminal::prompt::Dialogue;
use serde::Serialize;

/// The report of an offboarding across accounts: one offboarding report an account.
#[derive(Debug, Serialize)]
struct AcrossReport {
    acting: Acting,
    accounts: Vec<AccountReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    not_covered: Vec<(String, String)>,
}

#[derive(Debug, Serialize)]
struct AccountReport {
    account: String,
    report: OffboardReport,
}

impl AcrossReport {
    fn render(&self, settings: &Settings) -> String {
        if settings.output == crate::cli::OutputFormat::Json {
            return report::to_json(self);
        }
        let mut out = format!("{}\n", self.acting.heading());
        for held in &self.accounts {
            out.push_str(&format!("\nIn account {}:\n", held.account));
            out.push_str(&held.report.render(settings.output));
        }
        out
    }
}

pub(super) async fn offboard_across(
    args: OffboardArgs,
    settings: &Settings,
    interrupts: &Interrupts,
) -> Result<(), Error> {
    let Some(name) = args.username.clone() else {
        return Err(InputError::new(
            "<USERNAME>",
            "offboard --accounts looks for one user name in every account: give it",
        )
        .into());
    };
    let mode = OffboardMode::asked(args.disable_only);
    let request = OffboardRequest::new(name, mode, args.reason.clone())?;
    super::confirmable(settings)?;
    let Some(reached) = super::across::reached(&args.across, settings).await? else {
        unreachable!("called with --accounts");
    };
    let now = rfc3339(SystemClock.unix_now());
    let found = prepare_across(&reached.targets(), &request, &settings.protected, &now).await;
    let acting = reached.acting.clone();
    let mut missed = found.missed;
    let mut offboardings = Vec::new();
    for (account, prepared) in found.covered {
        match prepared {
            Ok(offboarding) => offboardings.push(offboarding),
            Err(Error::Input(refused)) => {
                return Err(InputError {
                    reason: format!("in account {account}: {}", refused.reason),
                    ..refused
                }
                .into());
            }
            Err(err) => missed.push((account, err.to_string())),
        }
    }
    let with_user: Vec<&AccountOffboarding<_>> = offboardings
        .iter()
        .filter(|o| o.prepared.plan.is_some())
        .collect();
    let reason = request.reason.as_deref();
    if settings.dry_run || with_user.is_empty() {
        let reports = offboardings
            .iter()
            .map(|o| {
                let there = Acting::of(&o.prepared.caller);
                AccountReport {
                    account: o.account.clone(),
                    report: match &o.prepared.plan {
                        Some(found) => OffboardReport::planned(&there, &found.plan, reason),
                        None => OffboardReport::not_found(&there, &request.user_name),
                    },
                }
            })
            .collect();
        let report = AcrossReport {
            acting,
            accounts: reports,
            not_covered: missed.clone(),
        };
        report::print(&report.render(settings));
        return covered_all(missed, settings);
    }
    let lines: Vec<String> = with_user
        .iter()
        .flat_map(|o| {
            let plan = &o.prepared.plan.as_ref().expect("filtered").plan;
            plan.removals()
                .map(|removal| format!("account {}: {removal}", o.account))
                .collect::<Vec<_>>()
        })
        .chain(
            missed
                .iter()
                .map(|(a, why)| format!("warning: account {a} not covered: {why}")),
        )
        .collect();
    let mut prompter = Dialogue::new(settings.terminal.look);
    if !confirm_typed(&mut prompter, settings, &acting, &request.user_name, &lines)? {
        return Err(Error::Declined);
    }
    let outcomes = tokio::select! {
        outcomes = execute_across(&offboardings) => outcomes,
        () = interrupts.during_changes() => {
            return Err(Error::OffboardInterrupted {
                user_arn: format!("{} in {} accounts", request.user_name, with_user.len()),
            });
        }
    };
    let mut reports = Vec::new();
    for o in &offboardings {
        let there = Acting::of(&o.prepared.caller);
        let report = match (
            &o.prepared.plan,
            outcomes.iter().find(|(a, _)| *a == o.account),
        ) {
            (Some(found), Some((_, Ok(removed)))) => {
                let denied_by = if removed.denied_by_managed_policy {
                    "AWSDenyAll (attached: the user's inline policies were full)"
                } else {
                    offboard::DENY_ALL_POLICY
                };
                let cut_at = offboard::cut_earlier(&found.inventory).unwrap_or_else(|| now.clone());
                let cut = AccessCut::of_iam_user(cut_at, denied_by, &removed.roles_cut);
                let mut report =
                    OffboardReport::done(&there, &found.plan, mode, reason, removed.clone());
                report.access_cut = Some(cut);
                report
            }
            (Some(_), Some((account, Err(err)))) => {
                missed.push((
                    account.clone(),
                    format!("offboarding stopped part-way: {err}"),
                ));
                continue;
            }
            _ => OffboardReport::not_found(&there, &request.user_name),
        };
        reports.push(AccountReport {
            account: o.account.clone(),
            report,
        });
    }
    let report = AcrossReport {
        acting,
        accounts: reports,
        not_covered: missed.clone(),
    };
    report::print(&report.render(settings));
    covered_all(missed, settings)
}
