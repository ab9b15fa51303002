//! What the API answers, and the bodies the client sends.
//!
//! Answers are read leniently: fields the API may leave out default, and
//! fields this version does not know are ignored. Request bodies carry no
//! rules of their own: the service validates them and answers with a
//! stable code.

use core::fmt;
use std::collections::BTreeMap;

use edgehooks_core::service::access::Permission;
use edgehooks_core::service::{
    DeliveryMode, DeliveryStats, HourSummary as HourStatistics, Ordering, WebhookStatus,
};
use serde::{Deserialize, Serialize};

/// A webhook's address: its cache and name.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookId {
    /// The cache (namespace).
    pub cache_name: String,
    /// The webhook's name in the cache.
    pub webhook_name: String,
}

/// Where deliveries are POSTed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Destination {
    /// An absolute http or https URL.
    pub post_url: String,
}

/// A webhook as the API shows it (its secret never included).
#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// Its cache and name.
    pub id: WebhookId,
    /// The topics it receives.
    #[serde(default)]
    pub topics: Vec<String>,
    /// The first of `topics` (Momento's `topicName`).
    #[serde(default)]
    pub topic_name: String,
    /// Where deliveries go.
    #[serde(default)]
    pub destination: Destination,
    /// The signature scheme, e.g. `standard`.
    #[serde(default)]
    pub scheme: String,
    /// Whether its owner switched it on.
    #[serde(default)]
    pub active: bool,
    /// Per-attempt timeout.
    #[serde(default)]
    pub timeout_ms: u64,
    /// Delivered after the publish answers, or during it.
    #[serde(default)]
    pub mode: DeliveryMode,
    /// Whether API-originated messages are skipped.
    #[serde(default)]
    pub ignore_for_api: bool,
    /// The retry setting: `"default"`, `"none"` or `{"scheduleSeconds":[..]}`.
    #[serde(default)]
    pub retry: serde_json::Value,
    /// Whether messages go one at a time, in order.
    #[serde(default)]
    pub ordering: Ordering,
    /// Most attempts started per second, when paced.
    #[serde(default)]
    pub max_rate_per_second: Option<u32>,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Why the service switched it off, when it did.
    #[serde(default)]
    pub disabled_reason: Option<String>,
    /// Active, inactive or disabled.
    pub status: WebhookStatus,
    /// When it was created (ms since the epoch).
    #[serde(default)]
    pub created_at: u64,
    /// When it last changed (ms since the epoch).
    #[serde(default)]
    pub updated_at: u64,
    /// Delivery statistics (in [`get_webhook`](crate::Client::get_webhook) only).
    #[serde(default)]
    pub statistics: Option<DeliveryStats>,
    /// How deliveries authenticate to the receiver, secrets left out.
    #[serde(default)]
    pub auth: Option<serde_json::Value>,
    /// Static headers added to every delivery.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
}

/// The answer to [`put_webhook`](crate::Client::put_webhook).
#[derive(Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PutWebhookResponse {
    /// The secret receivers verify with (shown by `Debug` as `[REDACTED]`).
    #[serde(default)]
    pub secret_string: String,
    /// The webhook as stored.
    pub webhook: Webhook,
}

impl fmt::Debug for PutWebhookResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PutWebhookResponse")
            .field("secret_string", &"[REDACTED]")
            .field("webhook", &self.webhook)
            .finish()
    }
}

/// A webhook's current secret.
#[derive(Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct WebhookSecret {
    /// What receivers verify with (`whpk_` public key for `standard-v1a`).
    pub secret: String,
    /// The webhook's name.
    pub webhook_name: String,
    /// Its cache.
    pub cache_name: String,
    /// When older secrets stop signing (ms), during a grace period.
    pub grace_ends_at: Option<u64>,
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookSecret")
            .field("secret", &"[REDACTED]")
            .field("webhook_name", &self.webhook_name)
            .field("cache_name", &self.cache_name)
            .field("grace_ends_at", &self.grace_ends_at)
            .finish()
    }
}

/// Why an attempt failed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct AttemptError {
    /// A stable code, e.g. `timeout` or `http_status`.
    pub code: String,
    /// Words for people.
    pub message: String,
}

/// One delivery attempt (or a test event's).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Attempt {
    /// The webhook's name.
    pub webhook_name: String,
    /// The delivery's `webhook-id` header.
    pub webhook_id: String,
    /// The topic.
    pub topic: String,
    /// The message's number in its topic, 0 for test events.
    pub topic_sequence_number: u64,
    /// What followed: `delivered`, `retrying`, `dead_lettered`,
    /// `timed_out` or `gone`; absent for test events.
    pub outcome: Option<String>,
    /// When the next attempt is due (ms), if retrying.
    pub next_retry_at: Option<u64>,
    /// Which attempt this was, from 1.
    pub attempt: u32,
    /// When it was sent (ms).
    pub sent_at: u64,
    /// Whether the receiver answered 2xx.
    pub delivered: bool,
    /// The receiver's status, if it answered.
    pub status_code: Option<u16>,
    /// How long it took.
    pub latency_ms: u64,
    /// Why it failed, if it did.
    pub error: Option<AttemptError>,
}

/// A message not delivered (yet) to a webhook.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct UndeliveredMessage {
    /// The delivery's `webhook-id` header.
    pub webhook_id: String,
    /// The topic.
    pub topic: String,
    /// The message's number in its topic.
    pub topic_sequence_number: u64,
    /// When it was published (ms).
    pub publish_timestamp: u64,
    /// `pending` or `given_up`.
    pub state: String,
    /// Attempts made so far.
    pub attempts: u32,
    /// Why the last attempt failed; none before the first.
    pub last_error: Option<AttemptError>,
    /// When the next attempt is due (ms), if pending.
    pub next_retry_at: Option<u64>,
    /// When it was given up (ms).
    pub given_up_at: Option<u64>,
    /// Why it was given up: `dead_lettered`, `timed_out`, `gone` or `switched_off`.
    pub reason: Option<String>,
}

/// An API key as listed (the key itself is shown only at creation).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Key {
    /// Its id, `tok_` and 16 hex digits.
    pub token_id: String,
    /// The caches it covers, or `["*"]`.
    #[serde(default)]
    pub caches: Vec<String>,
    /// What it may do.
    #[serde(default)]
    pub permissions: Vec<Permission>,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// When it was created (ms).
    #[serde(default)]
    pub created_at: u64,
}

/// The answer to [`create_key`](crate::Client::create_key).
#[derive(Clone, Deserialize, Serialize)]
pub struct CreatedKey {
    /// The key's id, scope and description.
    #[serde(flatten)]
    pub info: Key,
    /// The key itself, shown only here (`Debug` prints `[REDACTED]`).
    pub key: String,
}

impl fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedKey")
            .field("info", &self.info)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

/// The answer to [`publish`](crate::Client::publish).
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Published {
    /// The cache.
    pub cache: String,
    /// The topic.
    pub topic: String,
    /// The message's number in its topic, from 1.
    pub topic_sequence_number: u64,
    /// When it was published (ms).
    pub publish_timestamp: u64,
    /// The id of the key that published, or `""`.
    pub token_id: String,
    /// The attempts of `sync` webhooks, made before this answer.
    pub sync_deliveries: Vec<Attempt>,
    /// Deliveries stored durably before this answer.
    pub async_deliveries: u64,
    /// Whether this answers an earlier publish with the same idempotency key
    /// (the `Idempotent-Replayed` header).
    #[serde(skip)]
    pub idempotent_replayed: bool,
}

/// The answer to [`replay_webhook`](crate::Client::replay_webhook).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Replayed {
    /// How many messages are pending again.
    pub replayed: u64,
    /// Of those, how many were waiting or given up.
    pub undelivered: u64,
    /// Of those, how many had been delivered.
    pub delivered: u64,
}

/// The answer to [`reseal_secrets`](crate::Client::reseal_secrets): one page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Resealed {
    /// Webhooks of this page now sealed with the current `SECRETS_KEY`.
    pub resealed: u64,
    /// Webhooks of this page already sealed with it.
    pub already_current: u64,
    /// The next page's cursor; `None` after the last.
    pub cursor: Option<String>,
}

/// A page of webhooks.
#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(default)]
pub struct WebhookPage {
    /// This page's webhooks.
    pub webhooks: Vec<Webhook>,
    /// The next page's cursor; `None` after the last.
    pub cursor: Option<String>,
}

/// A page of attempts, newest first.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct AttemptPage {
    /// This page's attempts.
    pub attempts: Vec<Attempt>,
    /// The next page's cursor; `None` after the last.
    pub cursor: Option<String>,
}

/// The answer to
/// [`get_webhook_statistics`](crate::Client::get_webhook_statistics): one
/// entry per hour, oldest first, ending with the current hour.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct WebhookStatistics {
    /// The hours, hours without attempts included.
    pub hours: Vec<HourStatistics>,
}

/// A page of undelivered messages.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct UndeliveredPage {
    /// This page's messages.
    pub messages: Vec<UndeliveredMessage>,
    /// The next page's cursor; `None` after the last.
    pub cursor: Option<String>,
}

/// A page of API keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct KeyPage {
    /// This page's keys.
    pub keys: Vec<Key>,
    /// The next page's cursor; `None` after the last.
    pub cursor: Option<String>,
}

/// The body of [`put_webhook`](crate::Client::put_webhook): the common
/// fields, and any other field of the API's `WebhookInput` in `extra`
/// (`auth`, `headers`, `secret`, `maxRatePerSecond`, ...).
///
/// Any `Serialize` value (e.g. `serde_json::json!`) may be passed instead.
#[derive(Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookInput {
    /// The topics it receives.
    pub topics: Vec<String>,
    /// The URL deliveries are POSTed to.
    pub destination: String,
    /// The signature scheme (`standard` when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheme: Option<String>,
    /// Whether it receives deliveries (`true` when absent).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `async` or `sync`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mode: Option<DeliveryMode>,
    /// `none` or `fifo`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ordering: Option<Ordering>,
    /// Per-attempt timeout.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
    /// `"default"`, `"none"` or `{"scheduleSeconds":[..]}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<serde_json::Value>,
    /// Other fields of the API's `WebhookInput`, sent as they are.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl WebhookInput {
    /// A webhook on `topics` posting to `post_url`, everything else default.
    pub fn new<T: Into<String>>(
        topics: impl IntoIterator<Item = T>,
        post_url: impl Into<String>,
    ) -> Self {
        Self {
            topics: topics.into_iter().map(Into::into).collect(),
            destination: post_url.into(),
            ..Self::default()
        }
    }
}

impl fmt::Debug for WebhookInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `extra` may hold a secret or credentials: only its field names.
        f.debug_struct("WebhookInput")
            .field("topics", &self.topics)
            .field("destination", &self.destination)
            .field("scheme", &self.scheme)
            .field("active", &self.active)
            .field("description", &self.description)
            .field("mode", &self.mode)
            .field("ordering", &self.ordering)
            .field("timeout_ms", &self.timeout_ms)
            .field("retry", &self.retry)
            .field("extra", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// The body of [`create_key`](crate::Client::create_key).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KeyInput {
    /// Cache names, or `["*"]` for every cache.
    pub caches: Vec<String>,
    /// What the key may do.
    pub permissions: Vec<Permission>,
    /// Free text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// The window of [`replay_webhook`](crate::Client::replay_webhook).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ReplayInput {
    /// Only messages published at or after this time (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<u64>,
    /// Only messages published at or before this time (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<u64>,
    /// `undelivered` (the default) or `all` (delivered ones too).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// Which attempts [`list_attempts`](crate::Client::list_attempts) answers;
/// the default is every attempt.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttemptFilter {
    /// Only attempts that delivered (`true`) or only those that failed.
    pub delivered: Option<bool>,
    /// Only attempts sent at or after this time (ms).
    pub since: Option<u64>,
    /// Only attempts sent at or before this time (ms).
    pub until: Option<u64>,
}

impl AttemptFilter {
    /// The query pairs of the filter.
    pub(crate) fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = Vec::new();
        if let Some(delivered) = self.delivered {
            let status = if delivered { "delivered" } else { "failed" };
            pairs.push(("status", status.to_owned()));
        }
        if let Some(since) = self.since {
            pairs.push(("since", since.to_string()));
        }
        if let Some(until) = self.until {
            pairs.push(("until", until.to_string()));
        }
        pairs
    }
}

/// The body of [`create_portal_session`](crate::Client::create_portal_session).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalSessionInput {
    /// How long the session lasts, in seconds (60-86400; an hour unless
    /// given).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<u64>,
    /// Only reading: no change of any webhook, and no secrets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// Only these webhooks of the cache; every webhook when `None`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub webhooks: Option<Vec<String>>,
}

/// A portal session, as started: its token is shown only here (`Debug`
/// prints neither it nor the `url` that carries it).
#[derive(Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PortalSession {
    /// A bearer token scoped to the cache (and webhooks).
    pub token: String,
    /// The management page in portal mode, signed in with the token (in
    /// the fragment): open it, or embed it in a frame.
    pub url: String,
    /// When the token stops working (ms since the epoch).
    pub expires_at: u64,
    /// Whether it only reads.
    pub read_only: bool,
    /// The webhooks it covers; empty for every webhook of the cache.
    pub webhooks: Vec<String>,
}

impl fmt::Debug for PortalSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortalSession")
            .field("token", &"[REDACTED]")
            .field("url", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .field("read_only", &self.read_only)
            .field("webhooks", &self.webhooks)
            .finish()
    }
}
