//! IAM's last-accessed data through the SDK: a job asked for at action level, polled with
//! backoff while AWS prepares it (seconds to a minute), then read page by page.

use super::convert::convert;
use crate::aws::{AwsError, AwsErrorKind, AwsResult, ServiceLastAccessed};
use aws_sdk_iam::primitives::DateTimeFormat;
use aws_sdk_iam::types::{AccessAdvisorUsageGranularityType, JobStatusType};
use backon::{ExponentialBuilder, Retryable};

const GENERATE: &str = "iam:GenerateServiceLastAccessedDetails";
const GET: &str = "iam:GetServiceLastAccessedDetails";

/// What a poll of the job found: done, or a reason to stop.
enum Polled {
    InProgress,
    Failed(AwsError),
}

/// Asks for the report of the group or role `arn`, waits for it and reads every page.
pub(super) async fn generate_and_read(
    iam: &aws_sdk_iam::Client,
    arn: &str,
) -> AwsResult<Vec<ServiceLastAccessed>> {
    let job = sent!(
        GENERATE,
        iam.generate_service_last_accessed_details()
            .arn(arn)
            .granularity(AccessAdvisorUsageGranularityType::ActionLevel)
    )?;
    let job_id = job.job_id().unwrap_or_default().to_string();
    let first_page = || async {
        let out = iam
            .get_service_last_accessed_details()
            .job_id(&job_id)
            .send()
            .await
            .map_err(|e| Polled::Failed(convert(GET, e)))?;
        match out.job_status() {
            JobStatusType::Completed => Ok(out),
            JobStatusType::Failed => Err(Polled::Failed(AwsError::new(
                GET,
                AwsErrorKind::Other,
                "JobFailed",
                out.error()
                    .map(|e| e.message())
                    .unwrap_or("the last-accessed job failed"),
            ))),
            _ => Err(Polled::InProgress),
        }
    };
    let polled = first_page
        .retry(
            ExponentialBuilder::default()
                .with_min_delay(std::time::Duration::from_millis(500))
                .with_max_delay(std::time::Duration::from_secs(5))
                .with_max_times(30),
        )
        .sleep(tokio::time::sleep)
        .when(|seen| matches!(seen, Polled::InProgress))
        .await;
    let mut page = match polled {
        Ok(page) => page,
        Err(Polled::Failed(err)) => return Err(err),
        Err(Polled::InProgress) => {
            return Err(AwsError::new(
                GET,
                AwsErrorKind::Other,
                "JobNotReady",
                "the last-accessed report was still being prepared after two minutes",
            ));
        }
    };
    let mut services = Vec::new();
    loop {
        services.extend(page.services_last_accessed().iter().map(|service| {
            ServiceLastAccessed {
                namespace: service.service_namespace().to_string(),
                last_authenticated: date(service.last_authenticated()),
                tracked_actions: service
                    .tracked_actions_last_accessed()
                    .iter()
                    .filter_map(|action| {
                        let name = action.action_name()?.to_string();
                        Some((name, date(action.last_accessed_time())))
                    })
                    .collect(),
            }
        }));
        let Some(marker) = page.marker().filter(|_| page.is_truncated()) else {
            break;
        };
        let marker = marker.to_string();
        page = sent!(
            GET,
            iam.get_service_last_accessed_details()
                .job_id(&job_id)
                .marker(marker)
        )?;
    }
    Ok(services)
}

fn date(value: Option<&aws_sdk_iam::primitives::DateTime>) -> Option<String> {
    value.and_then(|d| d.fmt(DateTimeFormat::DateTime).ok())
}
