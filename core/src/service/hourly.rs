//! Delivery statistics per hour: how many attempts were delivered and how
//! many failed in each hour, and a latency histogram from which the median
//! and the 95th percentile are read.
//!
//! Everything here is bounded: a histogram has [`LATENCY_BINS`] counters,
//! and at most [`KEPT_HOURS`] hours are kept per webhook.

use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

/// One hour, in ms.
pub const HOUR_MS: u64 = 3_600_000;

/// How many hours of statistics are kept (and may be asked for): 7 days.
pub const KEPT_HOURS: u32 = 168;

/// How many bins a [`LatencyHistogram`] has.
pub const LATENCY_BINS: usize = 24;

/// The upper bound (ms, included) of each bin of a [`LatencyHistogram`],
/// spaced by a factor of about 1.6 from 1 ms to 50 s. The last bin also
/// holds every latency above 50 s, and reads as 60 s.
pub const LATENCY_BIN_UPPER_MS: [u64; LATENCY_BINS] = [
    1, 2, 3, 5, 8, 13, 20, 32, 50, 80, 125, 200, 320, 500, 800, 1_250, 2_000, 3_200, 5_000, 8_000,
    12_500, 20_000, 32_000, 60_000,
];

/// The start (ms) of the UTC hour `at_ms` falls in.
pub const fn hour_start(at_ms: u64) -> u64 {
    at_ms - at_ms % HOUR_MS
}

/// The oldest hour start kept while `now_ms` is in the newest: the hours
/// before it are removed once a new hour starts.
pub const fn oldest_kept_hour(now_ms: u64) -> u64 {
    hour_start(now_ms).saturating_sub((KEPT_HOURS as u64 - 1) * HOUR_MS)
}

/// Counts of latencies in [`LATENCY_BINS`] fixed, log-spaced bins
/// ([`LATENCY_BIN_UPPER_MS`]). Serialized as the array of counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LatencyHistogram([u64; LATENCY_BINS]);

impl LatencyHistogram {
    /// The index of the bin that counts a latency of `ms`.
    pub fn bin_of(ms: u64) -> usize {
        LATENCY_BIN_UPPER_MS
            .iter()
            .position(|&upper| ms <= upper)
            .unwrap_or(LATENCY_BINS - 1)
    }

    /// Counts one latency of `ms`.
    pub fn record(&mut self, ms: u64) {
        let bin = &mut self.0[Self::bin_of(ms)];
        *bin = bin.saturating_add(1);
    }

    /// How many latencies were counted.
    pub fn count(&self) -> u64 {
        self.0.iter().fold(0, |sum, &n| sum.saturating_add(n))
    }

    /// The counts, bin by bin.
    pub fn bins(&self) -> &[u64; LATENCY_BINS] {
        &self.0
    }

    /// Adds the counts of `other`.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine = mine.saturating_add(theirs);
        }
    }

    /// The `p`th percentile (`p` from 0 to 100, larger reads as 100): the
    /// upper bound of the bin holding the latency at that rank, so never
    /// below the true value and at most one bin (a factor of about 1.6)
    /// above it. `None` when nothing was counted.
    pub fn percentile(&self, p: u8) -> Option<u64> {
        let total = self.count();
        if total == 0 {
            return None;
        }
        let p = u64::from(p.min(100));
        // The rank of the value: ceil(p% of total), at least the first.
        let rank = (u128::from(total) * u128::from(p)).div_ceil(100).max(1);
        let mut seen: u128 = 0;
        for (count, upper) in self.0.iter().zip(LATENCY_BIN_UPPER_MS) {
            seen += u128::from(*count);
            if seen >= rank {
                return Some(upper);
            }
        }
        LATENCY_BIN_UPPER_MS.last().copied()
    }
}

/// The attempts of one hour: counts and latencies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HourBucket {
    /// The start of the hour (ms since the epoch, UTC).
    pub hour: u64,
    /// Attempts answered with a 2xx.
    pub delivered: u64,
    /// Attempts that failed.
    pub failed: u64,
    /// The latencies of all of them.
    pub latency: LatencyHistogram,
}

impl HourBucket {
    /// An empty bucket for the hour `at_ms` falls in.
    pub fn for_time(at_ms: u64) -> Self {
        HourBucket {
            hour: hour_start(at_ms),
            ..HourBucket::default()
        }
    }

    /// Counts one attempt (its outcome and latency).
    pub fn record(&mut self, delivered: bool, latency_ms: u64) {
        if delivered {
            self.delivered = self.delivered.saturating_add(1);
        } else {
            self.failed = self.failed.saturating_add(1);
        }
        self.latency.record(latency_ms);
    }

    /// The hour as the API shows it.
    pub fn summary(&self) -> HourSummary {
        HourSummary {
            hour: self.hour,
            delivered: self.delivered,
            failed: self.failed,
            p50_ms: self.latency.percentile(50),
            p95_ms: self.latency.percentile(95),
        }
    }
}

/// One hour as the API shows it: counts, and the median and 95th
/// percentile latency (`None` for an hour without attempts).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HourSummary {
    /// The start of the hour (ms since the epoch, UTC).
    pub hour: u64,
    /// Attempts answered with a 2xx.
    pub delivered: u64,
    /// Attempts that failed.
    pub failed: u64,
    /// The median latency (upper bound of its bin, ms).
    #[serde(rename = "p50Ms")]
    pub p50_ms: Option<u64>,
    /// The 95th percentile latency (upper bound of its bin, ms).
    #[serde(rename = "p95Ms")]
    pub p95_ms: Option<u64>,
}

/// Checks a number of hours asked for: 1 to [`KEPT_HOURS`].
pub fn validate_hours(hours: u32) -> Option<u32> {
    (1..=KEPT_HOURS).contains(&hours).then_some(hours)
}

/// The last `hours` hours up to the one `now_ms` falls in, oldest first,
/// one entry per hour: from the matching bucket of `kept` (any order; those
/// outside the window are left out), or zeros. `hours` is bounded by
/// [`KEPT_HOURS`].
pub fn hour_series(kept: &[HourBucket], now_ms: u64, hours: u32) -> Vec<HourSummary> {
    let hours = u64::from(hours.min(KEPT_HOURS));
    let newest = hour_start(now_ms);
    (0..hours)
        .rev()
        .filter_map(|back| newest.checked_sub(back * HOUR_MS))
        .map(|hour| {
            kept.iter().find(|bucket| bucket.hour == hour).map_or(
                HourSummary {
                    hour,
                    ..HourSummary::default()
                },
                HourBucket::summary,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bins_are_increasing_and_cover_one_ms_to_a_minute() {
        assert!(LATENCY_BIN_UPPER_MS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(LATENCY_BIN_UPPER_MS[0], 1);
        assert_eq!(LATENCY_BIN_UPPER_MS[LATENCY_BINS - 1], 60_000);
        assert_eq!(LatencyHistogram::bin_of(0), 0);
        assert_eq!(LatencyHistogram::bin_of(1), 0);
        assert_eq!(LatencyHistogram::bin_of(2), 1);
        assert_eq!(LatencyHistogram::bin_of(51), 9);
        assert_eq!(LatencyHistogram::bin_of(60_000), LATENCY_BINS - 1);
        assert_eq!(LatencyHistogram::bin_of(u64::MAX), LATENCY_BINS - 1);
    }

    #[test]
    fn percentiles_read_the_upper_bound_of_their_bin() {
        let mut h = LatencyHistogram::default();
        assert_eq!(h.percentile(50), None);
        for _ in 0..9 {
            h.record(40); // (32, 50]
        }
        h.record(700); // (500, 800]
        assert_eq!(h.count(), 10);
        assert_eq!(h.percentile(50), Some(50));
        assert_eq!(h.percentile(90), Some(50));
        assert_eq!(h.percentile(95), Some(800));
        assert_eq!(h.percentile(100), Some(800));
        assert_eq!(h.percentile(0), Some(50));
        assert_eq!(h.percentile(250), Some(800));
        // Far beyond the last bound: the last bin.
        h.record(10_000_000);
        assert_eq!(h.percentile(100), Some(60_000));
    }

    #[test]
    fn histograms_serialize_as_their_counts() {
        let mut h = LatencyHistogram::default();
        h.record(3);
        h.record(3);
        let text = serde_json::to_string(&h).unwrap();
        assert!(text.starts_with("[0,0,2,0,"), "{text}");
        assert_eq!(serde_json::from_str::<LatencyHistogram>(&text).unwrap(), h);
        // Another number of bins is not this histogram.
        assert!(serde_json::from_str::<LatencyHistogram>("[1,2]").is_err());
    }

    #[test]
    fn buckets_count_outcomes_and_summarize_as_the_api_shows_them() {
        let mut bucket = HourBucket::for_time(5 * HOUR_MS + 1234);
        assert_eq!(bucket.hour, 5 * HOUR_MS);
        bucket.record(true, 10);
        bucket.record(false, 300);
        bucket.record(true, 12);
        let summary = bucket.summary();
        assert_eq!(
            serde_json::to_value(summary).unwrap(),
            serde_json::json!({"hour": 5 * HOUR_MS, "delivered": 2, "failed": 1, "p50Ms": 13, "p95Ms": 320})
        );
        let empty = HourBucket::for_time(0).summary();
        assert_eq!(
            serde_json::to_value(empty).unwrap(),
            serde_json::json!({"hour": 0, "delivered": 0, "failed": 0, "p50Ms": null, "p95Ms": null})
        );
    }

    #[test]
    fn a_series_has_one_entry_per_hour_ending_with_the_current_one() {
        let now = 1_000 * HOUR_MS + 42;
        let mut recent = HourBucket::for_time(now - HOUR_MS);
        recent.record(true, 5);
        let mut current = HourBucket::for_time(now);
        current.record(false, 5);
        let stale = HourBucket::for_time(now - 500 * HOUR_MS);
        let series = hour_series(&[current, stale, recent], now, 168);
        assert_eq!(series.len(), 168);
        assert!(series.windows(2).all(|w| w[1].hour == w[0].hour + HOUR_MS));
        assert_eq!(series[167].hour, 1_000 * HOUR_MS);
        assert_eq!((series[167].delivered, series[167].failed), (0, 1));
        assert_eq!((series[166].delivered, series[166].failed), (1, 0));
        assert!(series[..166].iter().all(|s| s.delivered + s.failed == 0));
        assert_eq!(hour_series(&[], now, 1).len(), 1);
        // Never more than what is kept, nor hours before the epoch.
        assert_eq!(hour_series(&[], now, 10_000).len(), 168);
        assert_eq!(hour_series(&[], 2 * HOUR_MS, 168).len(), 3);
    }

    #[test]
    fn rotation_keeps_the_last_168_hours() {
        let now = 10_000 * HOUR_MS + 5;
        assert_eq!(oldest_kept_hour(now), (10_000 - 167) * HOUR_MS);
        assert_eq!(oldest_kept_hour(HOUR_MS), 0);
        assert_eq!(hour_start(now), 10_000 * HOUR_MS);
        assert_eq!(hour_start(HOUR_MS - 1), 0);
    }

    #[test]
    fn hours_asked_for_are_one_to_168() {
        assert_eq!(validate_hours(0), None);
        assert_eq!(validate_hours(1), Some(1));
        assert_eq!(validate_hours(168), Some(168));
        assert_eq!(validate_hours(169), None);
    }

    proptest! {
        /// A percentile is never below the true value at its rank, and at
        /// most the upper bound of the value's own bin; percentiles never
        /// decrease with `p`.
        #[test]
        fn percentiles_bound_the_true_value(
            mut values in proptest::collection::vec(0u64..200_000, 1..200),
            p in 0u8..=100,
        ) {
            let mut h = LatencyHistogram::default();
            for &v in &values {
                h.record(v);
            }
            prop_assert_eq!(h.count(), values.len() as u64);
            values.sort_unstable();
            let rank = (values.len() * usize::from(p)).div_ceil(100).max(1);
            let truth = values[rank - 1];
            let read = h.percentile(p).unwrap();
            let own_bin = LATENCY_BIN_UPPER_MS[LatencyHistogram::bin_of(truth)];
            prop_assert_eq!(read, own_bin);
            prop_assert!(read >= truth.min(60_000));
            if p < 100 {
                prop_assert!(h.percentile(p + 1).unwrap() >= read);
            }
        }

        /// Merging equals recording both sets into one histogram.
        #[test]
        fn merging_adds_counts(
            a in proptest::collection::vec(0u64..100_000, 0..50),
            b in proptest::collection::vec(0u64..100_000, 0..50),
        ) {
            let mut ha = LatencyHistogram::default();
            let mut hb = LatencyHistogram::default();
            let mut both = LatencyHistogram::default();
            for &v in &a {
                ha.record(v);
                both.record(v);
            }
            for &v in &b {
                hb.record(v);
                both.record(v);
            }
            ha.merge(&hb);
            prop_assert_eq!(ha, both);
        }

        /// A series always has the hours asked for (bounded by what is
        /// kept and the epoch), consecutive, ending with the current hour.
        #[test]
        fn series_are_consecutive_hours(now in 0u64..4_000_000_000_000, hours in 1u32..=168) {
            let series = hour_series(&[], now, hours);
            let possible = (hour_start(now) / HOUR_MS + 1).min(u64::from(hours));
            prop_assert_eq!(series.len() as u64, possible);
            prop_assert_eq!(series.last().map(|s| s.hour), Some(hour_start(now)));
            prop_assert!(series.windows(2).all(|w| w[1].hour == w[0].hour + HOUR_MS));
        }
    }
}
