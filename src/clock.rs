//! The wall clock, injected wherever a rule depends on the time (MFA codes, when a revoked
//! person's sessions have all expired), so those rules can be tested at any moment.

/// The current time.
pub(crate) trait Clock: Sync {
    /// Seconds since the Unix epoch.
    fn unix_now(&self) -> u64;
}

/// The machine's clock.
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn unix_now(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
    }
}

/// A clock that starts at a given Unix time and follows tokio's clock, so a test on a paused
/// clock moves it with `tokio::time::advance`.
#[cfg(test)]
pub(crate) struct TokioClock {
    unix_at_start: u64,
    start: tokio::time::Instant,
}

#[cfg(test)]
impl TokioClock {
    pub(crate) fn starting_at(unix: u64) -> Self {
        TokioClock {
            unix_at_start: unix,
            start: tokio::time::Instant::now(),
        }
    }
}

#[cfg(test)]
impl Clock for TokioClock {
    fn unix_now(&self) -> u64 {
        self.unix_at_start + self.start.elapsed().as_secs()
    }
}

/// A Unix time as AWS writes it: `2026-11-28T06:20:00Z`.
pub(crate) fn rfc3339(unix: u64) -> String {
    aws_smithy_types::DateTime::from_secs(i64::try_from(unix).unwrap_or(i64::MAX))
        .fmt(aws_smithy_types::date_time::Format::DateTime)
        .unwrap_or_default()
}

/// The Unix time of an RFC 3339 date such as `2026-11-28T06:20:00Z` or, as the credential
/// report writes them, `2026-11-28T06:20:00+00:00`; `None` when it is not one.
pub(crate) fn parse_rfc3339(text: &str) -> Option<u64> {
    let zone_at = text
        .len()
        .checked_sub(6)
        .filter(|at| text.is_char_boundary(*at));
    let (utc, offset) = match zone_at.map(|at| text.split_at(at)) {
        Some((time, zone)) if zone.starts_with(['+', '-']) && zone.as_bytes()[3] == b':' => {
            let hours: i64 = zone[1..3].parse().ok()?;
            let minutes: i64 = zone[4..].parse().ok()?;
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            (format!("{time}Z"), sign * (hours * 3600 + minutes * 60))
        }
        _ => (text.to_string(), 0),
    };
    aws_smithy_types::DateTime::from_str(&utc, aws_smithy_types::date_time::Format::DateTime)
        .ok()
        .and_then(|time| u64::try_from(time.secs() - offset).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_and_read_back_as_aws_writes_them() {
        assert_eq!(rfc3339(1_795_846_800), "2026-11-28T06:20:00Z");
        assert_eq!(parse_rfc3339("2026-11-28T06:20:00Z"), Some(1_795_846_800));
        assert_eq!(
            parse_rfc3339("2026-11-28T06:20:00+00:00"),
            Some(1_795_846_800),
            "as the credential report writes them"
        );
        assert_eq!(
            parse_rfc3339("2026-11-28T08:20:00.25+02:00"),
            Some(1_795_846_800)
        );
        assert_eq!(parse_rfc3339("yesterday"), None);
    }
}
