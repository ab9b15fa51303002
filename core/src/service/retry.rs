//! Retry policy: when a failed delivery is tried again, as pure functions of
//! the attempt number and a caller-supplied random value.

use alloc::vec::Vec;
use core::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::{RetryProblem, ValidationError};
use crate::limits::{DEFAULT_SCHEDULE_SECONDS, MAX_DELAY_SECONDS, MAX_RETRIES};

/// Jitter applied to each delay, in percent, either way.
const JITTER_PERCENT: u64 = 20;

/// How a webhook retries failed deliveries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RetryPolicy {
    /// One attempt only; a failure marks the message timed out (Momento).
    None,
    /// Retry after each of these delays, in seconds, then dead-letter.
    Schedule(Vec<u32>),
}

/// What to do after a failed attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryDecision {
    /// Try again after this delay.
    RetryAfter(Duration),
    /// The schedule is exhausted: keep the message as a dead letter, visible
    /// and replayable.
    DeadLetter,
    /// The policy is `None`: the single attempt failed, the message is marked
    /// timed out.
    TimedOut,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::Schedule(DEFAULT_SCHEDULE_SECONDS.to_vec())
    }
}

impl RetryPolicy {
    /// Checks the schedule's length and delays.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            RetryPolicy::None => Ok(()),
            RetryPolicy::Schedule(delays) if delays.is_empty() => {
                Err(ValidationError::InvalidRetry(RetryProblem::Empty))
            }
            RetryPolicy::Schedule(delays) if delays.len() > MAX_RETRIES => {
                Err(ValidationError::InvalidRetry(RetryProblem::TooMany))
            }
            RetryPolicy::Schedule(delays)
                if delays.iter().any(|d| !(1..=MAX_DELAY_SECONDS).contains(d)) =>
            {
                Err(ValidationError::InvalidRetry(RetryProblem::DelayOutOfRange))
            }
            RetryPolicy::Schedule(_) => Ok(()),
        }
    }

    /// The most attempts a message gets, the first included.
    pub fn max_attempts(&self) -> u32 {
        match self {
            RetryPolicy::None => 1,
            RetryPolicy::Schedule(delays) => 1 + delays.len() as u32,
        }
    }

    /// What follows failed attempt number `attempt` (1 for the first).
    /// `random` is any value from the caller's random source; it places the
    /// delay within ±20% of the scheduled one.
    pub fn after_failure(&self, attempt: u32, random: u32) -> RetryDecision {
        match self {
            RetryPolicy::None => RetryDecision::TimedOut,
            RetryPolicy::Schedule(delays) => match delays.get(attempt.max(1) as usize - 1) {
                Some(&seconds) => RetryDecision::RetryAfter(jittered(seconds, random)),
                None => RetryDecision::DeadLetter,
            },
        }
    }
}

/// `seconds` moved by up to ±20%, uniformly by `random`, at millisecond
/// resolution and never below one second.
pub(crate) fn jittered(seconds: u32, random: u32) -> Duration {
    let base_ms = u64::from(seconds) * 1000;
    let span = base_ms * JITTER_PERCENT * 2 / 100;
    let offset = (span * u64::from(random)) / u64::from(u32::MAX);
    let ms = (base_ms - span / 2 + offset).max(1000);
    Duration::from_millis(ms)
}

/// On the wire: `"none"`, `"default"`, or `{"scheduleSeconds": [5, 300]}`.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum RetryRepr {
    Keyword(alloc::string::String),
    Schedule {
        #[serde(rename = "scheduleSeconds")]
        schedule_seconds: Vec<u32>,
    },
}

impl Serialize for RetryPolicy {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            RetryPolicy::None => serializer.serialize_str("none"),
            RetryPolicy::Schedule(delays) => RetryRepr::Schedule {
                schedule_seconds: delays.clone(),
            }
            .serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for RetryPolicy {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        match RetryRepr::deserialize(deserializer)? {
            RetryRepr::Keyword(word) if word == "none" => Ok(RetryPolicy::None),
            RetryRepr::Keyword(word) if word == "default" => Ok(RetryPolicy::default()),
            RetryRepr::Keyword(_) => Err(D::Error::custom(
                "retry is \"none\", \"default\" or {\"scheduleSeconds\": [...]}",
            )),
            RetryRepr::Schedule { schedule_seconds } => Ok(RetryPolicy::Schedule(schedule_seconds)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn default_schedule_is_the_documented_one() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.max_attempts(), 8);
        let expected = [5u64, 300, 1_800, 7_200, 18_000, 36_000, 36_000];
        for (i, seconds) in expected.iter().enumerate() {
            let mid = policy.after_failure(i as u32 + 1, u32::MAX / 2);
            let RetryDecision::RetryAfter(delay) = mid else {
                panic!("attempt {i}: {mid:?}")
            };
            assert!(
                delay.as_millis().abs_diff(u128::from(seconds * 1000)) <= 1,
                "{delay:?}"
            );
        }
        assert_eq!(policy.after_failure(8, 0), RetryDecision::DeadLetter);
        assert_eq!(
            RetryPolicy::None.after_failure(1, 0),
            RetryDecision::TimedOut
        );
    }

    #[test]
    fn jitter_stays_within_twenty_percent_and_above_one_second() {
        assert_eq!(jittered(300, 0), Duration::from_secs(240));
        assert_eq!(jittered(300, u32::MAX), Duration::from_secs(360));
        assert_eq!(jittered(1, 0), Duration::from_secs(1));
        for random in [0, 1, 12345, u32::MAX / 3, u32::MAX - 1] {
            let d = jittered(5, random).as_millis();
            assert!((4000..=6000).contains(&d), "{d}");
        }
    }

    #[test]
    fn schedules_are_validated() {
        assert!(RetryPolicy::Schedule(vec![]).validate().is_err());
        assert!(RetryPolicy::Schedule(vec![0]).validate().is_err());
        assert!(RetryPolicy::Schedule(vec![43_201]).validate().is_err());
        assert!(RetryPolicy::Schedule(vec![1; 21]).validate().is_err());
        assert_eq!(RetryPolicy::Schedule(vec![1, 2, 3]).validate(), Ok(()));
    }

    #[test]
    fn wire_forms_round_trip() {
        let parse = |s: &str| serde_json::from_str::<RetryPolicy>(s);
        assert_eq!(parse("\"none\"").expect("none"), RetryPolicy::None);
        assert_eq!(
            parse("\"default\"").expect("default"),
            RetryPolicy::default()
        );
        assert_eq!(
            parse(r#"{"scheduleSeconds":[1,2]}"#).expect("schedule"),
            RetryPolicy::Schedule(vec![1, 2])
        );
        assert!(parse("\"sometimes\"").is_err());
        assert!(parse("[1,2]").is_err());
        let json = serde_json::to_string(&RetryPolicy::Schedule(vec![1, 2])).expect("ser");
        assert_eq!(json, r#"{"scheduleSeconds":[1,2]}"#);
    }
}
