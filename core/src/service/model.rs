//! The webhook model: what a user submits, and the validated configuration
//! the service stores and delivers by.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use core::fmt;

use serde::de::value::MapAccessDeserializer;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::auth::{AuthInput, DeliveryAuth};
use super::custom_headers::validate_headers;
use super::error::{NameKind, TopicsProblem, UrlProblem, ValidationError};
use super::post_url::{UrlPolicy, validate_post_url};
use super::retry::RetryPolicy;
use crate::limits::{
    DEFAULT_TIMEOUT_MS, MAX_DESCRIPTION_CHARS, MAX_NAME_CHARS, MAX_RATE_PER_SECOND, MAX_TIMEOUT_MS,
    MAX_TOPICS_PER_WEBHOOK, MIN_TIMEOUT_MS,
};
use crate::scheme::Scheme;
use crate::secret::{SecretString, redacted, validate_secret};

/// A webhook's identity: its cache (namespace) and its name in that cache.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookId {
    /// The cache the webhook belongs to.
    pub cache_name: String,
    /// The webhook's name, unique in its cache.
    pub webhook_name: String,
}

/// Where deliveries go.
///
/// Shown as `{"postUrl": "..."}`; read from that object or, as Momento's
/// `destination` may be given, from the URL string alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Destination {
    /// The URL each delivery is POSTed to.
    pub post_url: String,
}

/// The object form of a [`Destination`]; unknown fields are refused.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DestinationObject {
    post_url: String,
}

impl<'de> Deserialize<'de> for Destination {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = Destination;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a URL string or an object with postUrl")
            }

            fn visit_str<E: de::Error>(self, url: &str) -> Result<Destination, E> {
                Ok(Destination {
                    post_url: url.into(),
                })
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Destination, A::Error> {
                let object = DestinationObject::deserialize(MapAccessDeserializer::new(map))?;
                Ok(Destination {
                    post_url: object.post_url,
                })
            }
        }
        deserializer.deserialize_any(Either)
    }
}

/// Whether the publish call waits for a webhook's delivery.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryMode {
    /// Delivered in the background; publish returns once it is enqueued.
    #[default]
    Async,
    /// Delivered inside the publish call, whose response carries the result.
    Sync,
}

/// In which order a webhook's messages are attempted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ordering {
    /// Messages are attempted independently, several at once; a message
    /// waiting for its retry does not hold back the others.
    #[default]
    None,
    /// One message at a time: the next is attempted only once the previous
    /// one was delivered or given up, so the receiver sees each topic's
    /// sequence numbers in order.
    Fifo,
}

/// A webhook's state as users see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum WebhookStatus {
    /// Receives deliveries.
    Active,
    /// Switched off by its owner: receives nothing, not even later.
    Inactive,
    /// Switched off by the service after failing for too long.
    Disabled {
        /// Why, in words a user can act on.
        reason: String,
    },
}

/// The body of a create-or-replace request (Momento's putWebhook, extended).
///
/// Unknown fields are refused. `topicName` is accepted for a single topic.
/// `Debug` shows whether a `secret` was given, never its value.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookInput {
    /// Momento's identity object; when present it must match the path.
    pub id: Option<WebhookId>,
    /// Topics that trigger the webhook.
    pub topics: Option<Vec<String>>,
    /// A single topic, as in Momento's API.
    pub topic_name: Option<String>,
    /// Where deliveries go: `{"postUrl": ...}` or, as in Momento's API,
    /// the URL string.
    pub destination: Option<Destination>,
    /// Signing scheme; `standard` when absent. Immutable after creation.
    pub scheme: Option<Scheme>,
    /// Whether it receives deliveries (default true).
    pub active: Option<bool>,
    /// Delivery timeout in ms (default 5000, 1000 to 30000).
    pub timeout_ms: Option<u32>,
    /// `async` (default) or `sync`.
    pub mode: Option<DeliveryMode>,
    /// Skip messages published with an external API key (loop guard).
    pub ignore_for_api: Option<bool>,
    /// Retry setting; the default schedule when absent.
    pub retry: Option<RetryPolicy>,
    /// `none` (default) or `fifo`.
    pub ordering: Option<Ordering>,
    /// Most attempts started per second (1 to 1000); unpaced when absent.
    pub max_rate_per_second: Option<u32>,
    /// Free text for people.
    pub description: Option<String>,
    /// A secret supplied by the user instead of a generated one.
    pub secret: Option<String>,
    /// How deliveries authenticate to the endpoint; none when absent or
    /// `null`.
    pub auth: Option<AuthInput>,
    /// Static headers added to every delivery.
    pub headers: Option<BTreeMap<String, String>>,
}

impl fmt::Debug for WebhookInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every field named, so a new one cannot slip past the redaction.
        let WebhookInput {
            id,
            topics,
            topic_name,
            destination,
            scheme,
            active,
            timeout_ms,
            mode,
            ignore_for_api,
            retry,
            ordering,
            max_rate_per_second,
            description,
            secret,
            auth,
            headers,
        } = self;
        f.debug_struct("WebhookInput")
            .field("id", id)
            .field("topics", topics)
            .field("topic_name", topic_name)
            .field("destination", destination)
            .field("scheme", scheme)
            .field("active", active)
            .field("timeout_ms", timeout_ms)
            .field("mode", mode)
            .field("ignore_for_api", ignore_for_api)
            .field("retry", retry)
            .field("ordering", ordering)
            .field("max_rate_per_second", max_rate_per_second)
            .field("description", description)
            .field("secret", &redacted(secret.as_ref()))
            .field("auth", auth)
            .field("headers", headers)
            .finish()
    }
}

/// A validated webhook configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookConfig {
    /// Cache and name.
    pub id: WebhookId,
    /// Topics that trigger it: one or more, distinct.
    pub topics: Vec<String>,
    /// Where deliveries go.
    pub destination: Destination,
    /// Signing scheme.
    pub scheme: Scheme,
    /// Whether its owner has it switched on.
    pub active: bool,
    /// Delivery timeout in ms.
    pub timeout_ms: u32,
    /// Sync or async delivery.
    pub mode: DeliveryMode,
    /// Skip messages published with an external API key.
    pub ignore_for_api: bool,
    /// Retry setting.
    pub retry: RetryPolicy,
    /// Whether messages are attempted one at a time, in order.
    #[serde(default)]
    pub ordering: Ordering,
    /// Most attempts started per second; `None` when unpaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rate_per_second: Option<u32>,
    /// Free text for people.
    pub description: String,
    /// Set when the service disabled the webhook, with the reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// How deliveries authenticate to the endpoint (its secret is held
    /// apart, sealed, and never shown).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<DeliveryAuth>,
    /// Static headers added to every delivery, names in lowercase.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
}

/// What a change does to the secret of a webhook's `auth` (client secret or
/// password), which is sealed with the signing secrets.
#[derive(Debug)]
pub enum AuthSecret {
    /// Keep the one held.
    Keep,
    /// Hold this one.
    Set(SecretString),
    /// Hold none: the webhook has no `auth`.
    Remove,
}

impl AuthSecret {
    /// Carries a held secret over to a new set of secrets.
    pub fn of_held(held: Option<&SecretString>) -> Self {
        held.map_or(AuthSecret::Remove, |secret| AuthSecret::Set(secret.clone()))
    }

    /// The secret from a checked `auth`, or `Remove` without one.
    pub(crate) fn of(checked: Option<Option<SecretString>>) -> Self {
        match checked {
            None => AuthSecret::Remove,
            Some(None) => AuthSecret::Keep,
            Some(Some(secret)) => AuthSecret::Set(secret),
        }
    }
}

impl WebhookInput {
    /// Validates the request for webhook `cache`/`name` and returns the
    /// configuration, or the first problem found.
    pub fn validate(
        self,
        cache: &str,
        name: &str,
        policy: UrlPolicy,
    ) -> Result<WebhookConfig, ValidationError> {
        self.check(cache, name, None, policy)
            .map(|(config, _)| config)
    }

    /// Like [`validate`](Self::validate), over a webhook whose `auth` is
    /// `current_auth` (whose secret a request may keep by leaving it out),
    /// and says what becomes of the `auth` secret.
    pub fn check(
        self,
        cache: &str,
        name: &str,
        current_auth: Option<&DeliveryAuth>,
        policy: UrlPolicy,
    ) -> Result<(WebhookConfig, AuthSecret), ValidationError> {
        validate_name(cache, NameKind::Cache)?;
        validate_name(name, NameKind::Webhook)?;
        if let Some(id) = &self.id
            && (id.cache_name != cache || id.webhook_name != name)
        {
            return Err(ValidationError::IdMismatch);
        }
        let topics = given_topics(self.topics, self.topic_name)?
            .ok_or(ValidationError::InvalidTopics(TopicsProblem::Missing))?;
        validate_topics(&topics)?;
        let destination = self
            .destination
            .ok_or(ValidationError::InvalidUrl(UrlProblem::Missing))?;
        let post_url = validate_post_url(&destination.post_url, policy)?;
        let scheme = self.scheme.unwrap_or_default();
        if let Some(secret) = &self.secret {
            validate_secret(scheme, secret)?;
        }
        let timeout_ms = self.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS);
        validate_timeout_ms(timeout_ms)?;
        let retry = self.retry.unwrap_or_default();
        retry.validate()?;
        let description = self.description.unwrap_or_default();
        validate_description(&description)?;
        if let Some(rate) = self.max_rate_per_second {
            validate_max_rate(rate)?;
        }
        let auth = self
            .auth
            .map(|auth| auth.check(current_auth, policy))
            .transpose()?;
        let headers = validate_headers(self.headers.unwrap_or_default(), auth.is_some())?;
        let (auth, auth_secret) = match auth {
            Some((auth, secret)) => (Some(auth), AuthSecret::of(Some(secret))),
            None => (None, AuthSecret::Remove),
        };
        let config = WebhookConfig {
            id: WebhookId {
                cache_name: cache.into(),
                webhook_name: name.into(),
            },
            topics,
            destination: Destination {
                post_url: post_url.into(),
            },
            scheme,
            active: self.active.unwrap_or(true),
            timeout_ms,
            mode: self.mode.unwrap_or_default(),
            ignore_for_api: self.ignore_for_api.unwrap_or(false),
            retry,
            ordering: self.ordering.unwrap_or_default(),
            max_rate_per_second: self.max_rate_per_second,
            description,
            disabled_reason: None,
            auth,
            headers,
        };
        config.check_combination()?;
        Ok((config, auth_secret))
    }
}

impl AsRef<WebhookConfig> for WebhookConfig {
    fn as_ref(&self) -> &WebhookConfig {
        self
    }
}

impl WebhookConfig {
    /// Active, inactive, or disabled with its reason.
    pub fn status(&self) -> WebhookStatus {
        match (&self.disabled_reason, self.active) {
            (Some(reason), _) => WebhookStatus::Disabled {
                reason: reason.clone(),
            },
            (None, true) => WebhookStatus::Active,
            (None, false) => WebhookStatus::Inactive,
        }
    }

    /// The first topic: Momento's `topicName`, shown beside `topics`.
    pub fn topic_name(&self) -> &str {
        self.topics.first().map_or("", String::as_str)
    }

    /// Whether a message on `topic` is delivered to this webhook now.
    pub fn listens_to(&self, topic: &str) -> bool {
        self.receiving() && self.topics.iter().any(|t| t == topic)
    }

    /// Whether the webhook takes deliveries at all: active and not
    /// disabled. Messages waiting for one that is not are given up.
    pub fn receiving(&self) -> bool {
        self.active && self.disabled_reason.is_none()
    }

    /// The least time between the starts of two attempts, in ms, when the
    /// webhook is paced by `maxRatePerSecond`.
    pub fn attempt_interval_ms(&self) -> Option<u64> {
        self.max_rate_per_second
            .map(|rate| 1000u64.div_ceil(u64::from(rate.max(1))))
    }

    /// Checks the rules between fields: a `sync` webhook is attempted inside
    /// each publish call, which cannot wait for earlier messages, so it
    /// cannot be `fifo`.
    pub(crate) fn check_combination(&self) -> Result<(), ValidationError> {
        if self.ordering == Ordering::Fifo && self.mode == DeliveryMode::Sync {
            return Err(ValidationError::InvalidOrdering);
        }
        Ok(())
    }
}

/// A pacing limit: 1 to 1000 attempts per second.
pub fn validate_max_rate(rate: u32) -> Result<(), ValidationError> {
    (1..=MAX_RATE_PER_SECOND)
        .contains(&rate)
        .then_some(())
        .ok_or(ValidationError::InvalidRate)
}

/// The topic list a request gives, as `topics` or as Momento's single
/// `topicName` (not both); `None` when it gives neither.
pub(crate) fn given_topics(
    topics: Option<Vec<String>>,
    topic_name: Option<String>,
) -> Result<Option<Vec<String>>, ValidationError> {
    match (topics, topic_name) {
        (Some(_), Some(_)) => Err(ValidationError::InvalidTopics(TopicsProblem::Both)),
        (Some(topics), None) => Ok(Some(topics)),
        (None, Some(topic)) => Ok(Some(alloc::vec![topic])),
        (None, None) => Ok(None),
    }
}

/// A cache, webhook or topic name, as Momento allows them: 1 to
/// [`MAX_NAME_CHARS`] characters (Unicode scalar values) of printable
/// Unicode, that is without control characters ([`char::is_control`],
/// Unicode category Cc) and without `/`; and neither `.` nor `..`, which
/// no URL path can carry (URL parsers resolve them, even percent-encoded).
/// Spaces, punctuation and emoji are allowed. Names are stored and compared
/// exactly: no normalization, no case folding. `kind` says which name it
/// is, for the error.
pub fn validate_name(name: &str, kind: NameKind) -> Result<(), ValidationError> {
    let chars = name.chars().take(MAX_NAME_CHARS + 1).count();
    let ok = (1..=MAX_NAME_CHARS).contains(&chars)
        && !matches!(name, "." | "..")
        && !name.chars().any(|c| c.is_control() || c == '/');
    ok.then_some(()).ok_or(ValidationError::InvalidName(kind))
}

/// A topic list: 1 to 64 distinct valid topic names.
pub fn validate_topics(topics: &[String]) -> Result<(), ValidationError> {
    if topics.is_empty() {
        return Err(ValidationError::InvalidTopics(TopicsProblem::Missing));
    }
    if topics.len() > MAX_TOPICS_PER_WEBHOOK {
        return Err(ValidationError::InvalidTopics(TopicsProblem::TooMany));
    }
    for (i, topic) in topics.iter().enumerate() {
        validate_name(topic, NameKind::Topic)?;
        if topics[..i].contains(topic) {
            return Err(ValidationError::InvalidTopics(TopicsProblem::Repeated));
        }
    }
    Ok(())
}

/// A delivery timeout: 1000 to 30000 ms.
pub fn validate_timeout_ms(timeout_ms: u32) -> Result<(), ValidationError> {
    (MIN_TIMEOUT_MS..=MAX_TIMEOUT_MS)
        .contains(&timeout_ms)
        .then_some(())
        .ok_or(ValidationError::InvalidTimeout)
}

/// A description: at most 1024 characters, no control characters but
/// newline and tab.
pub fn validate_description(description: &str) -> Result<(), ValidationError> {
    let ok = description.chars().count() <= MAX_DESCRIPTION_CHARS
        && description
            .chars()
            .all(|c| !c.is_control() || c == '\n' || c == '\t');
    ok.then_some(()).ok_or(ValidationError::InvalidDescription)
}
