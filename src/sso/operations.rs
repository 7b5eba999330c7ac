//! Identity Center's asynchronous operations: each polled while IN_PROGRESS with backoff up to
//! a timeout, at most `MAX_IN_FLIGHT` outstanding, and ConflictException (another change to
//! the same account in flight) or throttling retried with backoff.

use crate::aws::{AwsError, AwsErrorKind, AwsResult, OperationState, OperationStatus};
use backon::{ExponentialBuilder, Retryable};
use std::future::Future;
use std::time::Duration;

/// Identity Center allows at most 10 account-assignment operations outstanding.
pub(crate) const MAX_IN_FLIGHT: usize = 10;

/// Runs `each` of every item as a task of its own, at most `MAX_IN_FLIGHT` at once; the
/// results in the items' order.
pub(crate) async fn at_most_in_flight<T, R, Task>(items: Vec<T>, each: impl Fn(T) -> Task) -> Vec<R>
where
    R: Send + 'static,
    Task: std::future::Future<Output = R> + Send + 'static,
{
    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let mut running = tokio::task::JoinSet::new();
    for (index, item) in items.into_iter().enumerate() {
        let (permits, task) = (permits.clone(), each(item));
        running.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .expect("the semaphore stays open");
            (index, task.await)
        });
    }
    let mut results = Vec::with_capacity(running.len());
    while let Some(joined) = running.join_next().await {
        results.push(joined.expect("a task in flight does not panic"));
    }
    results.sort_by_key(|(index, _)| *index);
    results.into_iter().map(|(_, result)| result).collect()
}

/// How long and how often to wait for asynchronous operations and conflicts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Patience {
    pub(crate) first_delay: Duration,
    pub(crate) max_delay: Duration,
    /// How long to poll one operation that stays IN_PROGRESS.
    pub(crate) timeout: Duration,
    /// How many times to retry a ConflictException or throttling.
    pub(crate) conflict_retries: usize,
}

impl Default for Patience {
    fn default() -> Self {
        Patience {
            first_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(10),
            timeout: Duration::from_secs(300),
            conflict_retries: 8,
        }
    }
}

/// Why an asynchronous operation did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OperationFailure {
    #[error("{0}")]
    Aws(AwsError),
    #[error("FAILED: {0}")]
    Failed(String),
    #[error("still IN_PROGRESS after {0:?}")]
    TimedOut(Duration),
}

/// What a poll saw: not finished yet is the one answer worth asking again.
enum Poll {
    StillRunning,
    Done(OperationFailure),
}

/// Waits for an operation: done at once, or polled with `describe` while IN_PROGRESS, backing
/// off from `first_delay` to `max_delay`, for at most `timeout`.
pub(crate) async fn wait_for<F, Fut>(
    first: OperationStatus,
    describe: F,
    patience: Patience,
) -> Result<(), OperationFailure>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = AwsResult<OperationStatus>>,
{
    match first.state {
        OperationState::Succeeded => return Ok(()),
        OperationState::Failed(reason) => return Err(OperationFailure::Failed(reason)),
        OperationState::InProgress => {}
    }
    let backoff = ExponentialBuilder::default()
        .with_min_delay(patience.first_delay)
        .with_max_delay(patience.max_delay)
        .with_max_times(usize::MAX)
        .with_total_delay(Some(patience.timeout));
    let poll = || async {
        let status = describe(first.request_id.clone())
            .await
            .map_err(|err| Poll::Done(OperationFailure::Aws(err)))?;
        match status.state {
            OperationState::InProgress => Err(Poll::StillRunning),
            OperationState::Succeeded => Ok(()),
            OperationState::Failed(reason) => Err(Poll::Done(OperationFailure::Failed(reason))),
        }
    };
    poll.retry(backoff)
        .sleep(tokio::time::sleep)
        .when(|seen| matches!(seen, Poll::StillRunning))
        .await
        .map_err(|seen| match seen {
            Poll::StillRunning => OperationFailure::TimedOut(patience.timeout),
            Poll::Done(failure) => failure,
        })
}

/// Runs `call` again, with backoff, while it meets ConflictException or throttling left after
/// the SDK's own retries.
pub(crate) async fn retrying_conflicts<T, F, Fut>(call: F, patience: Patience) -> AwsResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = AwsResult<T>>,
{
    let backoff = ExponentialBuilder::default()
        .with_min_delay(patience.first_delay)
        .with_max_delay(patience.max_delay)
        .with_max_times(patience.conflict_retries)
        .with_jitter();
    call.retry(backoff)
        .sleep(tokio::time::sleep)
        .when(|err: &AwsError| err.is(AwsErrorKind::Conflict) || err.is(AwsErrorKind::Throttled))
        .notify(|err, delay| tracing::info!(%err, ?delay, "retrying"))
        .await
}
