//! What `-v` shows of the AWS calls: each call with how long it took (logged by `sent!` and its
//! kin), and each retry of an attempt the SDK makes, with why the attempt before it failed. The
//! SDK's own internals stay at `-vvv`.

use aws_sdk_iam::config::interceptors::{
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_sdk_iam::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_iam::error::BoxError;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

/// Logs the SDK's retries of a call, within the call's span.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RetryLog;

/// The attempts made so far for the call in flight.
#[derive(Debug, Clone, Copy)]
struct Attempts(u32);

impl Storable for Attempts {
    type Storer = StoreReplace<Self>;
}

impl Intercept for RetryLog {
    fn name(&self) -> &'static str {
        "iam-onboard retry log"
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let attempt = cfg.load::<Attempts>().map_or(1, |seen| seen.0 + 1);
        cfg.interceptor_state().store_put(Attempts(attempt));
        if attempt > 1 {
            tracing::info!(attempt, "retrying");
        }
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let attempt = cfg.load::<Attempts>().map_or(1, |seen| seen.0);
        match context.response() {
            Some(response) if !response.status().is_success() => {
                tracing::info!(
                    attempt,
                    status = response.status().as_u16(),
                    "attempt failed"
                );
            }
            None => tracing::info!(attempt, "attempt got no answer"),
            Some(_) => {}
        }
        Ok(())
    }
}

/// Logs a call's end at `-v`: how long it took, and whether it failed (the error itself is
/// reported by whoever handles it).
pub(crate) fn ended<T, E>(
    operation: &'static str,
    started: std::time::Instant,
    result: &Result<T, E>,
) {
    let ms = started.elapsed().as_millis();
    match result {
        Ok(_) => tracing::info!(operation, ms, "answered"),
        Err(_) => tracing::info!(operation, ms, "failed"),
    }
}
