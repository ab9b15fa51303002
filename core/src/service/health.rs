//! A webhook's delivery statistics, and the rule that disables a webhook
//! that keeps failing.

use alloc::format;
use alloc::string::String;

use serde::{Deserialize, Serialize};

/// Counters and times kept per webhook (times in ms since the epoch).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryStats {
    /// Attempts answered with a 2xx.
    pub delivered: u64,
    /// Attempts that failed (each retry counts).
    pub failed: u64,
    /// Messages not delivered now: `pending` plus `given_up`.
    #[serde(default)]
    pub undelivered: u64,
    /// Messages waiting for their first attempt or a retry now.
    #[serde(default)]
    pub pending: u64,
    /// Messages given up on and not replayed: dead-lettered, timed out, or
    /// held back when the webhook was switched off or disabled.
    #[serde(default)]
    pub given_up: u64,
    /// When the last attempt succeeded.
    pub last_success_at: Option<u64>,
    /// When the last attempt failed.
    pub last_failure_at: Option<u64>,
    /// When the current run of failures began; `None` after a success.
    pub failing_since: Option<u64>,
}

impl DeliveryStats {
    /// Counts an attempt made at `at_ms`.
    pub fn record_attempt(&mut self, delivered: bool, at_ms: u64) {
        if delivered {
            self.delivered += 1;
            self.last_success_at = Some(at_ms);
            self.failing_since = None;
        } else {
            self.failed += 1;
            self.last_failure_at = Some(at_ms);
            self.failing_since.get_or_insert(at_ms);
        }
    }

    /// These statistics with what is undelivered now: `pending` messages
    /// waiting for an attempt and `given_up` ones kept for replay.
    #[must_use]
    pub fn with_backlog(mut self, pending: u64, given_up: u64) -> Self {
        self.pending = pending;
        self.given_up = given_up;
        self.undelivered = pending + given_up;
        self
    }

    /// The reason to disable the webhook at `now_ms`, if it has failed for
    /// at least `disable_after_seconds` without a success in between. It
    /// states durations only: when the failures began is
    /// [`failing_since`](Self::failing_since), for clients to show in their
    /// reader's time.
    pub fn disable_reason(&self, now_ms: u64, disable_after_seconds: u64) -> Option<String> {
        let since = self.failing_since?;
        let failing_ms = now_ms.saturating_sub(since);
        (failing_ms >= disable_after_seconds.saturating_mul(1000)).then(|| {
            format!(
                "every delivery failed for {} s, at least {disable_after_seconds} s without a success",
                failing_ms / 1000
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_success_ends_a_failing_run() {
        let mut stats = DeliveryStats::default();
        stats.record_attempt(false, 1_000);
        stats.record_attempt(false, 2_000);
        assert_eq!(stats.failing_since, Some(1_000));
        assert_eq!(stats.disable_reason(5_000, 10), None);
        assert_eq!(
            stats.disable_reason(11_000, 10).as_deref(),
            Some("every delivery failed for 10 s, at least 10 s without a success")
        );
        stats.record_attempt(true, 12_000);
        assert_eq!(stats.failing_since, None);
        assert_eq!(stats.disable_reason(100_000, 10), None);
        assert_eq!((stats.delivered, stats.failed), (1, 2));
        let stats = stats.with_backlog(3, 4);
        assert_eq!(
            (stats.pending, stats.given_up, stats.undelivered),
            (3, 4, 7)
        );
        assert_eq!(stats.last_success_at, Some(12_000));
        assert_eq!(stats.last_failure_at, Some(2_000));
    }
}
