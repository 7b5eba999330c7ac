//! A simulated round trip for the in-memory models: each call waits this long on tokio's clock,
//! so a test on a paused clock measures what a person would wait for against AWS.

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
