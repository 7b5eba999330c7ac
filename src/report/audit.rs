//! The report of `audit`: grouped by severity for people, one JSON object, or CSV a finding a
//! line (formula-escaped like the batch report).

use super::to_json;
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
}

impl AuditReport {
    pub(crate) fn new(
        account: Option<String>,
        time: String,
        thresholds: Thresholds,
        findings: Vec<Finding>,
        warnings: Vec<String>,
    ) -> Self {
        let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
        AuditReport {
            account,
            time,
            thresholds,
            counts: Counts {
                high: count(Severity::High),
                medium: count(Severity::Medium),
                low: count(Severity::Low),
            },
            findings,
            warnings,
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
        let account = self.account.as_deref().unwrap_or("(unknown account)");
        let mut out = format!("Audit of AWS account {account} at {}\n", self.time);
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
                out.push_str(&format!(
                    "  {:<22} {}\n  {:<22} {}\n  {:<22} fix: {}\n",
                    finding.check, finding.subject, "", finding.detail, "", finding.fix
                ));
            }
        }
        if !self.warnings.is_empty() {
            out.push_str("\nWarnings:\n");
            for warning in &self.warnings {
                out.push_str(&format!("  {warning}\n"));
            }
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
        writer.write_record(["check", "severity", "subject", "detail", "fix"])?;
        for f in &self.findings {
            writer.write_record(
                [f.check, f.severity.as_str(), &f.subject, &f.detail, &f.fix].map(escape_formula),
            )?;
        }
        let bytes = writer.into_inner().map_err(|err| err.into_error())?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }
}
