#![doc = include_str!("../README.md")]

mod body;
mod client;
mod error;
mod model;
mod pages;
mod sse;
mod subscribe;

pub use client::{Client, ClientBuilder};
/// One UTC hour of a webhook's statistics (`HourStatistics` in the API's
/// document): the core's summary of the hour.
pub use edgehooks_core::service::HourSummary as HourStatistics;
pub use edgehooks_core::service::access::Permission;
pub use edgehooks_core::service::{DeliveryMode, DeliveryStats, Ordering, WebhookStatus};
pub use edgehooks_core::{Envelope, Message};
pub use error::Error;
pub use model::{
    Attempt, AttemptError, AttemptFilter, AttemptPage, CreatedKey, Destination, Key, KeyInput,
    KeyPage, PortalSession, PortalSessionInput, Published, PutWebhookResponse, ReplayInput,
    Replayed, Resealed, UndeliveredMessage, UndeliveredPage, Webhook, WebhookId, WebhookInput,
    WebhookPage, WebhookSecret, WebhookStatistics,
};
pub use subscribe::TopicEvent;
