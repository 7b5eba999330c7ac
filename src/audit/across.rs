//! The IAM audit in every account of `--accounts`: the same reads and checks in each account,
//! the accounts at once, each finding and warning carrying its account.

use super::gather::gather_iam;
use super::{Finding, Thresholds, iam_findings};
use crate::accounts::{Across, Targets};
use crate::aws::Reach;
use crate::template::TemplateSet;

/// One account's findings and the warnings of its reads.
pub(crate) type AccountAudit = (Vec<Finding>, Vec<String>);

/// Each account's findings and warnings.
pub(crate) async fn audit_across<R: Reach>(
    targets: &Targets<'_, R>,
    templates: &TemplateSet,
    thresholds: Thresholds,
    now: u64,
) -> Across<AccountAudit> {
    targets
        .across(|account, api| async move {
            let (facts, warnings) = gather_iam(&api, templates).await;
            let mut findings = iam_findings(&facts, templates, thresholds, now);
            for finding in &mut findings {
                finding.account = Some(account.clone());
            }
            let warnings = warnings
                .into_iter()
                .map(|warning| format!("account {account}: {warning}"))
                .collect();
            Ok((findings, warnings))
        })
        .await
}
