//! The service's model and rules: what a webhook is and how it is checked,
//! changed and rotated; who may call the API; how a message fans out; how an
//! attempt is judged and what follows it; when an endpoint is disabled;
//! delivery statistics per hour.
//!
//! The edgehooks Worker is built on these, and so is anything else that
//! runs the service's rules (the native [`Sender`](crate::Sender) follows
//! the same retry rule). A receiver needs none of it: see the crate root.

pub mod access;
mod attempt;
mod auth;
mod custom_headers;
mod error;
mod fanout;
mod followup;
mod health;
pub mod hourly;
mod idempotency;
mod model;
mod patch;
pub mod portal;
mod post_url;
mod quota;
mod retry;
mod rotation;

pub use crate::secret::{new_webhook_secret, validate_secret, verification_secret};
pub use attempt::{AttemptFailure, is_success};
pub use auth::{
    AccessToken, AuthFailure, AuthInput, Basic, CheckedAuth, ClientAuth, DeliveryAuth, OAuth2,
    TokenCache, TokenRefusal, TokenRequest, basic_authorization, bearer_authorization,
    read_token_answer,
};
pub use custom_headers::validate_headers;
pub use error::{
    AccessError, AuthProblem, HeaderNameProblem, HeadersProblem, NameKind, Needed, PrivateTarget,
    RetryProblem, ScopeProblem, TopicsProblem, UrlProblem, ValidationError,
};
pub use fanout::{FanOut, PublishOrigin, message_id, plan_fan_out};
pub use followup::{GONE_REASON, NextStep, next_step, parse_retry_after};
pub use health::DeliveryStats;
pub use hourly::{HourBucket, HourSummary, LatencyHistogram};
pub use idempotency::{
    IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, IdempotencyError, Repeat,
    idempotency_key_expired, repeat_of, request_fingerprint, validate_idempotency_key,
};
pub use model::{
    AuthSecret, DeliveryMode, Destination, Ordering, WebhookConfig, WebhookId, WebhookInput,
    WebhookStatus, validate_description, validate_max_rate, validate_name, validate_timeout_ms,
    validate_topics,
};
pub use patch::WebhookPatch;
pub use post_url::{UrlPolicy, validate_post_url};
pub use quota::{QuotaError, Quotas};
pub use retry::{RetryDecision, RetryPolicy};
pub use rotation::{WebhookSecrets, validate_grace_seconds};
