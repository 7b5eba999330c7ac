//! What the in-memory models simulate of AWS's timing: a round trip each call waits on tokio's
//! clock, so a test on a paused clock measures what a person would wait for against AWS, and
//! the lag before what a create makes is seen by other calls.

use std::time::Duration;

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Latency(Option<Duration>);

impl Latency {
    pub(crate) fn of(round_trip: Duration) -> Self {
        Latency(Some(round_trip))
    }

    /// One round trip.
    pub(crate) async fn wait(self) {
        if let Some(round_trip) = self.0 {
            tokio::time::sleep(round_trip).await;
        }
    }
}

/// A model whose calls take a round trip and whose creates are seen after a lag.
pub(crate) trait Simulated: Sized {
    /// The round trip each call waits.
    fn latency_mut(&mut self) -> &mut Latency;

    /// How long what a create makes stays unseen by other calls.
    fn set_consistency_lag(&self, lag: Duration);

    /// What a create makes stays unseen by other calls for `lag` (on tokio's clock).
    fn with_consistency_lag(self, lag: Duration) -> Self {
        self.set_consistency_lag(lag);
        self
    }

    /// Every call takes `round_trip` (on tokio's clock; pause it to measure round trips).
    fn with_latency(mut self, round_trip: Duration) -> Self {
        *self.latency_mut() = Latency::of(round_trip);
        self
    }
}

/// The simulated time since `started` (on tokio's clock), said on stderr as the figure of a
/// 100 ms API for `what`, as the README quotes it.
pub(crate) fn simulated_since(started: tokio::time::Instant, what: &str) -> Duration {
    let waited = started.elapsed();
    eprintln!(
        "simulated seconds against a 100 ms API: {what} {:.1}",
        waited.as_secs_f64()
    );
    waited
}
