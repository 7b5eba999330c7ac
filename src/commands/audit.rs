//! `audit`: the reads (a spinner on a terminal while the credential report is made), the
//! checks, the report, and exit 5 when a finding is at or above `--fail-on`.

use super::{Terminal, aws_target, load_templates};
use crate::audit::{self, Severity, Thresholds, gather};
use crate::aws::config::load_config;
use crate::aws::sdk::SdkIam;
use crate::cli::{AuditArgs, FailOn, GlobalArgs};
use crate::clock::{Clock, SystemClock, rfc3339};
use crate::error::Error;
use crate::report::audit::AuditReport;
use crate::report::{self};

pub(super) async fn audit(
    args: AuditArgs,
    global: &GlobalArgs,
    terminal: Terminal,
) -> Result<(), Error> {
    let templates = load_templates(global)?;
    let thresholds = Thresholds {
        key_max_age_days: args.key_max_age,
        unused_days: args.unused_days,
        mfa_grace_days: args.mfa_grace_days,
    };
    let sdk_config = load_config(&aws_target(global)?).await?;
    let iam = super::settling(SdkIam::new(&sdk_config), global);
    let spinner = (terminal.interactive && !global.quiet).then(|| {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message(
            "reading the account (the credential report can take a minute to generate)",
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        bar
    });
    let (facts, mut warnings) = gather::gather_iam(&iam, &templates).await;
    let now = SystemClock.unix_now();
    let mut findings = audit::iam_findings(&facts, &templates, thresholds, now);
    if args.sso {
        let config = crate::config::Config::load(global.config.as_deref())?;
        let sso = super::sso_api(&sdk_config, global, &config)?;
        match audit::sso::gather_sso(&sso, args.instance_arn.as_deref()).await {
            Ok(sso_facts) => findings.extend(audit::sso::sso_findings(&sso_facts)),
            Err(err) => warnings.push(format!(
                "could not read Identity Center ({err}): skipped sso-orphan-assignment, sso-direct-assignment"
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
    let text = report.render(global.output).map_err(|err| Error::Io {
        context: "cannot write the CSV".to_string(),
        source: std::io::Error::other(err),
    })?;
    report::print(&text);
    let threshold = match args.fail_on {
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
