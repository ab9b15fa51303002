//! What the sender reports: one [`Attempt`] per request, one [`Delivery`]
//! per message and endpoint.

use alloc::string::String;
use alloc::vec::Vec;
use core::time::Duration;
use std::time::SystemTime;

use crate::service::AttemptFailure;

/// One HTTP request to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// 1 for the first attempt, 2 for the first retry, ...
    pub number: u32,
    /// When the request was sent (wall clock, as signed in `webhook-timestamp`).
    pub sent_at: SystemTime,
    /// The response status, if a response arrived in time.
    pub status: Option<u16>,
    /// From sending the request to the response (or to the failure).
    pub latency: Duration,
    /// Why the attempt failed; `None` when it succeeded.
    pub failure: Option<AttemptFailure>,
    /// The wait the response's `Retry-After` asked for, if it had one.
    pub retry_after: Option<Duration>,
    /// The delay before the next attempt, when one is scheduled.
    pub next_retry_in: Option<Duration>,
}

impl Attempt {
    /// Whether the receiver accepted the delivery (2xx in time).
    pub fn succeeded(&self) -> bool {
        self.failure.is_none()
    }
}

/// How a delivery ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryResult {
    /// An attempt succeeded.
    Delivered,
    /// Every allowed attempt failed (schedule exhausted, or the sender's
    /// retry window reached): the message is a dead letter.
    DeadLettered,
    /// The single attempt of a `retry: none` webhook failed (Momento's
    /// "timed out").
    TimedOut,
    /// The endpoint answered `410 Gone`: stop sending to it.
    Gone,
}

/// The whole story of one message to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The endpoint's webhook name.
    pub endpoint: String,
    /// The `webhook-id` sent on every attempt.
    pub webhook_id: String,
    /// Every attempt, in order.
    pub attempts: Vec<Attempt>,
    /// How it ended.
    pub result: DeliveryResult,
}

impl Delivery {
    /// Whether the message was delivered.
    pub fn delivered(&self) -> bool {
        self.result == DeliveryResult::Delivered
    }
}
