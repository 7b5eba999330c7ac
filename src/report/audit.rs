//! The report of `audit`: grouped by severity for people, one JSON object, or CSV a finding a
//! line (formula-escaped like the batch report).

use super::{push_indented, to_json};
use crate::audit::across::AccountAudit;
use crate::audit::{Finding, Severity, Thresholds};
use crate::cli::OutputFormat;
use crate::report::csv::escape_formula;
use serde::Serialize;

/// Findings by severity.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Counts {
    pub(crate) high: usize,
    pub(crate) medium: usize,
    pub(crate) low: usize,
}

/// The outcome of `audit`.
#[derive(Debug, Serialize)]
pub(crate) struct AuditReport {
    pub(crate) account: Option<String>,
    /// When the audit ran (RFC 3339).
    pub(crate) time: String,
    pub(crate) thresholds: Thresholds,
    pub(crate) counts: Counts,
    /// Most severe first.
    pub(crate) findings: Vec<Finding>,
    /// Reads that failed, and the checks they skipped.
    pub(crate) warnings: Vec<String>,
    /// With `--accounts`: each account's counts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) accounts: Vec<AccountCounts>,
    /// With `--accounts`: the accounts not covered, each with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) not_covered: Vec<(String, String)>,
}

/// One account's findings by severity.
#[derive(Debug, Serialize)]
pub(crate) struct AccountCounts {
    pub(crate) account: String,
    pub(crate) counts: Counts,
}

impl Counts {
    fn of(findings: &[Finding]) -> Self {
        let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
        Counts {
            high: count(Severity::High),
            medium: count(Severity::Medium),
            low: count(Severity::Low),
        }
    }
}

impl AuditReport {
    pub(crate) fn new(
        account: Option<String>,
        time: String,
        thresholds: Thresholds,
        findings: Vec<Finding>,
        warnings: Vec<String>,
    ) -> Self {
        AuditReport {
            account,
            time,
            thresholds,
            counts: Counts::of(&findings),
            findings,
            warnings,
            accounts: Vec::new(),
            not_covered: Vec::new(),
        }
    }

    /// One report of an audit across accounts: each account's findings (most severe first
    /// overall) and warnings, its counts, and the accounts not covered.
    pub(crate) fn across(
        time: String,
        thresholds: Thresholds,
        covered: Vec<(String, AccountAudit)>,
        not_covered: Vec<(String, String)>,
    ) -> Self {
        let accounts = covered
            .iter()
            .map(|(account, (findings, _))| AccountCounts {
                account: account.clone(),
                counts: Counts::of(findings),
            })
            .collect();
        let (findings, warnings): (Vec<Vec<Finding>>, Vec<Vec<String>>) =
            covered.into_iter().map(|(_, found)| found).unzip();
        let findings = crate::audit::sorted(findings.into_iter().flatten().collect());
        AuditReport {
            accounts,
            not_covered,
            ..AuditReport::new(None, time, thresholds, findings, warnings.concat())
        }
    }

    pub(crate) fn render(&self, format: OutputFormat) -> Result<String, csv::Error> {
        Ok(match format {
            OutputFormat::Json => to_json(self),
            OutputFormat::Csv => self.csv()?,
            OutputFormat::Human => self.human(),
        })
    }

    fn human(&self) -> String {
        let mut out = match (&self.account, self.accounts.len()) {
            (Some(account), _) => format!("Audit of AWS account {account} at {}\n", self.time),
            (None, 0) => format!("Audit of AWS account (unknown account) at {}\n", self.time),
            (None, n) => format!("Audit of {n} AWS accounts at {}\n", self.time),
        };
        for severity in [Severity::High, Severity::Medium, Severity::Low] {
            let found: Vec<&Finding> = self
                .findings
                .iter()
                .filter(|f| f.severity == severity)
                .collect();
            if found.is_empty() {
                continue;
            }
            out.push_str(&format!(
                "\n{} ({})\n",
                severity.as_str().to_uppercase(),
                found.len()
            ));
            for finding in found {
                let account = finding
                    .account
                    .as_deref()
                    .map_or(String::new(), |a| format!(" (account {a})"));
                out.push_str(&format!(
                    "  {:<22} {}{account}\n  {:<22} {}\n  {:<22} fix: {}\n",
                    finding.check, finding.subject, "", finding.detail, "", finding.fix
                ));
            }
        }
        if !self.warnings.is_empty() {
            out.push_str("\nWarnings:\n");
            push_indented(&mut out, &self.warnings);
        }
        for held in &self.accounts {
            let c = &held.counts;
            out.push_str(&format!(
                "\naccount {}: {} high, {} medium, {} low",
                held.account, c.high, c.medium, c.low
            ));
        }
        for (account, why) in &self.not_covered {
            out.push_str(&format!("\naccount {account}: not covered ({why})"));
        }
        if !self.accounts.is_empty() || !self.not_covered.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!(
            "\n{} findings: {} high, {} medium, {} low.\n",
            self.findings.len(),
            self.counts.high,
            self.counts.medium,
            self.counts.low
        ));
        out
    }

    fn csv(&self) -> Result<String, csv::Error> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        let across = !self.accounts.is_empty() || !self.not_covered.is_empty();
        let columns = ["account", "check", "severity", "subject", "detail", "fix"];
        let skip = usize::from(!across);
        writer.write_record(&columns[skip..])?;
        for f in &self.findings {
            let account = f.account.as_deref().unwrap_or_default();
            let cells = [
                account,
                f.check,
                f.severity.as_str(),
                &f.subject,
                &f.detail,
                &f.fix,
            ]
            .map(escape_formula);
            writer.write_record(&cells[skip..])?;
        }
        let bytes = writer.into_inner().map_err(|err| err.into_error())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}
