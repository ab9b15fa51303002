//! What follows an attempt: the one rule every sender applies (the
//! Worker's webhook objects and the native `Sender`).
//!
//! A 2xx delivers. `410 Gone` gives the message up and disables the
//! webhook (the Standard Webhooks recommendation). Any other failure
//! follows the retry policy: the next delay of the schedule, stretched to
//! the receiver's `Retry-After` on 429 and 503 (never sooner than the
//! schedule, never later than 24 hours); then a dead letter, or with
//! `retry: none` the single attempt is marked timed out.

use core::time::Duration;

use super::attempt::AttemptFailure;
use super::retry::{RetryDecision, RetryPolicy};
use crate::limits::MAX_RETRY_AFTER_SECONDS;

/// Why a webhook is disabled when its endpoint answers `410 Gone`.
pub const GONE_REASON: &str = "endpoint answered 410 Gone";

/// What to do after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// The receiver accepted the message.
    Delivered,
    /// Try the message again after `delay`.
    Retry {
        /// How long to wait.
        delay: Duration,
        /// The receiver asked to be left alone (`Retry-After` on 429 or
        /// 503): no attempt of any message to it before `delay` is over.
        pause_endpoint: bool,
    },
    /// The schedule is exhausted: keep the message as a dead letter,
    /// visible and replayable.
    DeadLetter,
    /// The policy is `none`: the single attempt failed, the message is
    /// marked timed out (Momento).
    TimedOut,
    /// The endpoint answered `410 Gone`: give the message up (replayable)
    /// and disable the webhook with [`GONE_REASON`].
    Gone,
}

/// What follows attempt number `attempt` (1 for the first) under `policy`:
/// `failure` is `None` when it succeeded; `retry_after` is the response's
/// `Retry-After` (see [`parse_retry_after`]); `random` is any value from the
/// caller's random source, for the schedule's jitter.
pub fn next_step(
    policy: &RetryPolicy,
    attempt: u32,
    failure: Option<AttemptFailure>,
    retry_after: Option<Duration>,
    random: u32,
) -> NextStep {
    let Some(failure) = failure else {
        return NextStep::Delivered;
    };
    if failure == AttemptFailure::HttpStatus(410) {
        return NextStep::Gone;
    }
    match policy.after_failure(attempt, random) {
        RetryDecision::RetryAfter(scheduled) => match honoured_retry_after(failure, retry_after) {
            Some(asked) if asked > scheduled => NextStep::Retry {
                delay: asked,
                pause_endpoint: true,
            },
            Some(_) => NextStep::Retry {
                delay: scheduled,
                pause_endpoint: true,
            },
            None => NextStep::Retry {
                delay: scheduled,
                pause_endpoint: false,
            },
        },
        RetryDecision::DeadLetter => NextStep::DeadLetter,
        RetryDecision::TimedOut => NextStep::TimedOut,
    }
}

/// The wait a failed attempt's `Retry-After` asks for, capped at 24 hours;
/// only 429 and 503 answers are asked about.
fn honoured_retry_after(
    failure: AttemptFailure,
    retry_after: Option<Duration>,
) -> Option<Duration> {
    match failure {
        AttemptFailure::HttpStatus(429 | 503) => {
            retry_after.map(|d| d.min(Duration::from_secs(MAX_RETRY_AFTER_SECONDS)))
        }
        _ => None,
    }
}

/// A `Retry-After` header value as a wait from `now_unix_seconds`: a number
/// of seconds, or (with feature `std`) an HTTP date. A date in the past is
/// no wait; anything malformed is `None`.
pub fn parse_retry_after(value: &str, now_unix_seconds: u64) -> Option<Duration> {
    let value = value.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Past 24 hours the number no longer matters, so overlong ones cap.
        let seconds = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(Duration::from_secs(seconds.min(MAX_RETRY_AFTER_SECONDS)));
    }
    retry_after_date(value, now_unix_seconds)
}

#[cfg(feature = "std")]
fn retry_after_date(value: &str, now_unix_seconds: u64) -> Option<Duration> {
    let at = httpdate::parse_http_date(value).ok()?;
    let at = at.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    Some(Duration::from_secs(at.saturating_sub(now_unix_seconds)))
}

#[cfg(not(feature = "std"))]
fn retry_after_date(_value: &str, _now_unix_seconds: u64) -> Option<Duration> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    const MID: u32 = u32::MAX / 2;

    /// The schedule's delay of `seconds` with the tests' jitter.
    fn scheduled(seconds: u32) -> Duration {
        crate::service::retry::jittered(seconds, MID)
    }

    fn schedule() -> RetryPolicy {
        RetryPolicy::Schedule(vec![5, 300])
    }

    fn step(failure: Option<AttemptFailure>, retry_after: Option<u64>, attempt: u32) -> NextStep {
        next_step(
            &schedule(),
            attempt,
            failure,
            retry_after.map(Duration::from_secs),
            MID,
        )
    }

    #[test]
    fn success_delivers_and_410_gives_up() {
        assert_eq!(step(None, Some(60), 1), NextStep::Delivered);
        let gone = Some(AttemptFailure::HttpStatus(410));
        assert_eq!(step(gone, None, 1), NextStep::Gone);
        assert_eq!(
            step(gone, None, 3),
            NextStep::Gone,
            "even past the schedule"
        );
    }

    #[test]
    fn failures_follow_the_schedule_then_dead_letter_or_time_out() {
        let failure = Some(AttemptFailure::Timeout);
        assert_eq!(
            step(failure, None, 1),
            NextStep::Retry {
                delay: scheduled(5),
                pause_endpoint: false
            }
        );
        assert_eq!(step(failure, None, 3), NextStep::DeadLetter);
        assert_eq!(
            next_step(&RetryPolicy::None, 1, failure, None, MID),
            NextStep::TimedOut
        );
    }

    #[test]
    fn retry_after_stretches_429_and_503_within_bounds() {
        let busy = Some(AttemptFailure::HttpStatus(503));
        let limited = Some(AttemptFailure::HttpStatus(429));
        let retry = |delay| NextStep::Retry {
            delay,
            pause_endpoint: true,
        };
        let secs = Duration::from_secs;
        assert_eq!(step(busy, Some(60), 1), retry(secs(60)));
        assert_eq!(
            step(limited, Some(1), 1),
            retry(scheduled(5)),
            "never sooner than the schedule"
        );
        assert_eq!(step(limited, Some(1), 2), retry(scheduled(300)));
        assert_eq!(
            step(busy, Some(10 * 86_400), 1),
            retry(secs(86_400)),
            "at most 24 h"
        );
        assert_eq!(
            step(busy, Some(60), 3),
            NextStep::DeadLetter,
            "no extra attempts"
        );
        let other = Some(AttemptFailure::HttpStatus(500));
        assert_eq!(
            step(other, Some(60), 1),
            NextStep::Retry {
                delay: scheduled(5),
                pause_endpoint: false
            },
            "only 429 and 503 are asked"
        );
    }

    #[test]
    fn retry_after_values_parse_as_seconds_or_dates() {
        let now = 1_445_412_480; // Wed, 21 Oct 2015 07:28:00 GMT
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("99999999999999999999999", now),
            Some(Duration::from_secs(MAX_RETRY_AFTER_SECONDS))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:29:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO),
            "a past date is no wait"
        );
        for bad in ["", "-5", "1.5", "soon", "Wed, 99 Oct 2015 07:29:00 GMT"] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad}");
        }
    }
}
