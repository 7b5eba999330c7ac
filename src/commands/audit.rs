//! `audit`: the reads (a spinner on a terminal while the credential report is made), the
//! checks, the report, and exit 5 when a finding is at or above `--fail-on`.

use crate::audit::{self, Severity, Thresholds, gather};
use crate::cli::{AuditArgs, FailOn};
use crate::clock::{Clock, SystemClock, rfc3339};
use crate::error::Error;
use crate::report;
use crate::report::audit::AuditReport;
use crate::settings::Settings;

pub(super) async fn audit(args: AuditArgs, settings: &Settings) -> Result<(), Error> {
    let templates = &settings.templates;
    let thresholds = Thresholds {
        key_max_age_days: args.key_max_age,
        unused_days: args.unused_days,
        mfa_grace_days: args.mfa_grace_days,
        review_days: args.review_days,
    };
    let reached = super::across::reached(&args.across, settings).await?;
    let start_spinner = || {
        (settings.terminal.interactive && !settings.quiet).then(|| {
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_message(
                "reading the account (the credential report can take a minute to generate)",
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar
        })
    };
    let now = SystemClock.unix_now();
    if let Some(reached) = reached {
        let spinner = start_spinner();
        let found =
            audit::across::audit_across(&reached.targets(), templates, thresholds, now).await;
        if let Some(bar) = spinner {
            bar.finish_and_clear();
        }
        let report = AuditReport::across(
            rfc3339(now),
            thresholds,
            found.covered,
            found.missed.clone(),
        );
        print_report(&report, settings)?;
        super::across::covered_all(found.missed, settings)?;
        return fail_on(&report, args.fail_on);
    }
    let sdk_config = settings.sdk_config().await?;
    let iam = settings.iam(&sdk_config);
    let spinner = start_spinner();
    let (facts, mut warnings) = gather::gather_iam(&iam, templates).await;
    let mut findings = audit::iam_findings(&facts, templates, thresholds, now);
    if args.sso {
        let sso = settings.sso(&sdk_config);
        let accounts = crate::sync::state::ReadScope::both(&settings.config).accounts;
        match audit::sso::gather_sso(&sso, args.instance_arn.as_deref(), &accounts).await {
            Ok(sso_facts) => {
                findings.extend(audit::sso::sso_findings(&sso_facts));
                let people = crate::sync::state::managed_people(&sso_facts, templates);
                findings.extend(audit::sso::past_end_date(&people.managed, now));
            }
            Err(err) => warnings.push(format!(
                "could not read Identity Center ({err}): skipped sso-orphan-assignment, sso-direct-assignment, access-past-end-date for its people"
            )),
        }
    }
    if let Some(bar) = spinner {
        bar.finish_and_clear();
    }
    let findings = audit::sorted(findings);
    let report = AuditReport::new(
        facts.caller.as_ref().map(|c| c.account.clone()),
        rfc3339(now),
        thresholds,
        findings,
        warnings,
    );
    print_report(&report, settings)?;
    fail_on(&report, args.fail_on)
}

fn print_report(report: &AuditReport, settings: &Settings) -> Result<(), Error> {
    let text = report.render(settings.output).map_err(|err| Error::Io {
        context: "cannot write the CSV".to_string(),
        source: std::io::Error::other(err),
    })?;
    report::print(&text);
    Ok(())
}

/// Exit 5 when a finding is at or above `--fail-on`.
fn fail_on(report: &AuditReport, fail_on: FailOn) -> Result<(), Error> {
    let threshold = match fail_on {
        FailOn::High => Some(Severity::High),
        FailOn::Medium => Some(Severity::Medium),
        FailOn::Low => Some(Severity::Low),
        FailOn::Never => None,
    };
    if let Some(threshold) = threshold {
        let count = report
            .findings
            .iter()
            .filter(|f| f.severity >= threshold)
            .count();
        if count > 0 {
            return Err(Error::Findings {
                count,
                severity: threshold.as_str(),
            });
        }
    }
    Ok(())
}
