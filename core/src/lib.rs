#![no_std]
#![warn(clippy::std_instead_of_alloc)]
#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

pub mod access;
mod delivery;
mod envelope;
mod error;
mod fanout;
mod followup;
mod headers;
mod health;
mod keys;
pub mod limits;
mod model;
mod patch;
mod post_url;
pub mod retry;
mod rotation;
mod scheme;
pub mod secret;
#[cfg(feature = "tokio")]
pub mod sender;
mod sign;
mod verify;
mod webhook;

pub use delivery::{AttemptFailure, USER_AGENT, delivery_headers, delivery_id, is_success};
pub use envelope::{Envelope, Message};
pub use error::Error;
pub use fanout::{FanOut, PublishOrigin, message_id, plan_fan_out};
pub use followup::{GONE_REASON, MAX_RETRY_AFTER_SECONDS, NextStep, next_step, parse_retry_after};
pub use headers::HeaderLookup;
pub use health::{DEFAULT_DISABLE_AFTER_SECONDS, DeliveryStats};
pub use model::{
    DeliveryMode, Destination, Ordering, WebhookConfig, WebhookId, WebhookInput, WebhookStatus,
    check_message_size, validate_description, validate_max_rate, validate_name,
    validate_timeout_ms, validate_topics,
};
pub use patch::WebhookPatch;
pub use post_url::{UrlPolicy, validate_post_url};
pub use retry::{RetryDecision, RetryPolicy};
pub use rotation::{WebhookSecrets, validate_grace_seconds};
pub use scheme::{Scheme, header};
pub use secret::{
    KeyPair, SecretString, generate_key_pair, generate_secret, new_webhook_secret,
    verification_secret,
};
/// The repository README's Rust examples, run as doctests.
#[cfg(all(doctest, feature = "tokio"))]
#[doc = include_str!("../../README.md")]
pub struct RepositoryReadme;

#[cfg(feature = "tokio")]
pub use sender::{Attempt, Delivery, DeliveryResult, Endpoint, Sender, SenderConfig};
pub use sign::{MAX_MESSAGE_ID_BYTES, SignedHeaders};
pub use webhook::Webhook;
