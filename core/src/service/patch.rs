//! Changing a webhook: partial updates (PATCH) and replacement (PUT over an
//! existing webhook).

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Deserializer};

use super::auth::AuthInput;
use super::custom_headers::validate_headers;
use super::error::ValidationError;
use super::model::given_topics;
use super::model::{
    AuthSecret, DeliveryMode, Destination, Ordering, WebhookConfig, WebhookInput,
    validate_description, validate_max_rate, validate_timeout_ms, validate_topics,
};
use super::post_url::{UrlPolicy, validate_post_url};
use super::retry::RetryPolicy;
use crate::scheme::Scheme;

/// The body of a partial update: every field optional, unknown fields
/// refused. The secret changes only by rotation; the scheme never changes.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookPatch {
    /// New topic list.
    pub topics: Option<Vec<String>>,
    /// New single topic, as in Momento's API.
    pub topic_name: Option<String>,
    /// New destination: `{"postUrl": ...}` or the URL string.
    pub destination: Option<Destination>,
    /// Accepted only when equal to the current scheme.
    pub scheme: Option<Scheme>,
    /// Switch deliveries on or off; `true` also clears a disabled state.
    pub active: Option<bool>,
    /// New delivery timeout in ms.
    pub timeout_ms: Option<u32>,
    /// New delivery mode.
    pub mode: Option<DeliveryMode>,
    /// New loop-guard setting.
    pub ignore_for_api: Option<bool>,
    /// New retry setting.
    pub retry: Option<RetryPolicy>,
    /// New ordering.
    pub ordering: Option<Ordering>,
    /// New pacing limit; `Some(None)` (JSON `null`) removes it.
    #[serde(default, deserialize_with = "present")]
    pub max_rate_per_second: Option<Option<u32>>,
    /// New description.
    pub description: Option<String>,
    /// New `auth`; `Some(None)` (JSON `null`) removes it.
    #[serde(default, deserialize_with = "present")]
    pub auth: Option<Option<AuthInput>>,
    /// New static headers, replacing all of them (`{}` removes them).
    pub headers: Option<BTreeMap<String, String>>,
}

/// A field that is present, `null` included: `null` (clear) stays apart
/// from absent (unchanged).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

fn check_scheme(requested: Option<Scheme>, current: Scheme) -> Result<(), ValidationError> {
    match requested {
        Some(scheme) if scheme != current => Err(ValidationError::ImmutableField("scheme")),
        _ => Ok(()),
    }
}

impl WebhookPatch {
    /// The configuration after this update, or the first problem found.
    pub fn apply(
        self,
        current: &WebhookConfig,
        policy: UrlPolicy,
    ) -> Result<WebhookConfig, ValidationError> {
        self.check(current, policy).map(|(config, _)| config)
    }

    /// Like [`apply`](Self::apply), and says what becomes of the `auth`
    /// secret.
    pub fn check(
        self,
        current: &WebhookConfig,
        policy: UrlPolicy,
    ) -> Result<(WebhookConfig, AuthSecret), ValidationError> {
        check_scheme(self.scheme, current.scheme)?;
        let mut next = current.clone();
        if let Some(topics) = given_topics(self.topics, self.topic_name)? {
            next.topics = topics;
        }
        validate_topics(&next.topics)?;
        if let Some(destination) = self.destination {
            next.destination.post_url = validate_post_url(&destination.post_url, policy)?.into();
        }
        if let Some(active) = self.active {
            next.active = active;
            if active {
                next.disabled_reason = None;
            }
        }
        if let Some(timeout_ms) = self.timeout_ms {
            validate_timeout_ms(timeout_ms)?;
            next.timeout_ms = timeout_ms;
        }
        if let Some(mode) = self.mode {
            next.mode = mode;
        }
        if let Some(ignore) = self.ignore_for_api {
            next.ignore_for_api = ignore;
        }
        if let Some(retry) = self.retry {
            retry.validate()?;
            next.retry = retry;
        }
        if let Some(ordering) = self.ordering {
            next.ordering = ordering;
        }
        if let Some(rate) = self.max_rate_per_second {
            if let Some(rate) = rate {
                validate_max_rate(rate)?;
            }
            next.max_rate_per_second = rate;
        }
        if let Some(description) = self.description {
            validate_description(&description)?;
            next.description = description;
        }
        let auth_secret = match self.auth {
            None => AuthSecret::Keep,
            Some(None) => {
                next.auth = None;
                AuthSecret::Remove
            }
            Some(Some(input)) => {
                let (auth, secret) = input.check(current.auth.as_ref(), policy)?;
                next.auth = Some(auth);
                AuthSecret::of(Some(secret))
            }
        };
        let headers = self.headers.unwrap_or_else(|| next.headers.clone());
        next.headers = validate_headers(headers, next.auth.is_some())?;
        next.check_combination()?;
        Ok((next, auth_secret))
    }
}

impl WebhookInput {
    /// Validates a create-or-replace request over the existing webhook
    /// `current`: the scheme must stay the same (absent means unchanged).
    pub fn replace(
        self,
        current: &WebhookConfig,
        policy: UrlPolicy,
    ) -> Result<WebhookConfig, ValidationError> {
        self.check_replace(current, policy)
            .map(|(config, _)| config)
    }

    /// Like [`replace`](Self::replace), and says what becomes of the `auth`
    /// secret (an `auth` of the same type may leave its secret out to keep
    /// the one held).
    pub fn check_replace(
        mut self,
        current: &WebhookConfig,
        policy: UrlPolicy,
    ) -> Result<(WebhookConfig, AuthSecret), ValidationError> {
        check_scheme(self.scheme, current.scheme)?;
        self.scheme = Some(current.scheme);
        let id = &current.id;
        self.check(
            &id.cache_name,
            &id.webhook_name,
            current.auth.as_ref(),
            policy,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn current() -> WebhookConfig {
        let input: WebhookInput = serde_json::from_value(serde_json::json!({
            "topics": ["orders"], "scheme": "github",
            "destination": {"postUrl": "https://example.com/hook"},
        }))
        .unwrap();
        input
            .validate("shop", "hook", UrlPolicy::default())
            .unwrap()
    }

    fn patch(json: serde_json::Value) -> Result<WebhookConfig, ValidationError> {
        serde_json::from_value::<WebhookPatch>(json)
            .unwrap()
            .apply(&current(), UrlPolicy::default())
    }

    #[test]
    fn changes_only_what_is_given() {
        let next = patch(serde_json::json!({"active": false, "timeoutMs": 2000})).unwrap();
        assert!(!next.active);
        assert_eq!(next.timeout_ms, 2000);
        assert_eq!(next.topics, ["orders"]);
        assert_eq!(next.scheme, Scheme::Github);
        let next = patch(serde_json::json!({"topicName": "refunds", "scheme": "github"})).unwrap();
        assert_eq!(next.topics, ["refunds"]);
        let next = patch(
            serde_json::json!({"destination": "https://example.com/other",
            "topics": ["a topic", "caf\u{e9} \u{1f980}"]}),
        )
        .unwrap();
        assert_eq!(next.destination.post_url, "https://example.com/other");
        assert_eq!(next.topics, ["a topic", "caf\u{e9} \u{1f980}"]);
        assert_eq!(
            patch(serde_json::json!({"topicName": "a/b"}))
                .unwrap_err()
                .code(),
            "invalid_name"
        );
    }

    #[test]
    fn refuses_scheme_changes_and_bad_values() {
        let code = |json| patch(json).unwrap_err().code();
        assert_eq!(
            code(serde_json::json!({"scheme": "standard"})),
            "immutable_field"
        );
        assert_eq!(code(serde_json::json!({"topics": []})), "invalid_topics");
        assert_eq!(
            code(serde_json::json!({"timeoutMs": 10})),
            "invalid_timeout"
        );
        assert_eq!(
            code(serde_json::json!({"destination": {"postUrl": "http://10.0.0.1/x"}})),
            "url_not_allowed"
        );
        assert!(
            serde_json::from_value::<WebhookPatch>(serde_json::json!({"secret": "x"})).is_err()
        );
    }

    #[test]
    fn ordering_and_pacing_change_and_clear() {
        let next = patch(serde_json::json!({"ordering": "fifo", "maxRatePerSecond": 10})).unwrap();
        assert_eq!(next.ordering, Ordering::Fifo);
        assert_eq!(next.max_rate_per_second, Some(10));
        assert_eq!(next.attempt_interval_ms(), Some(100));
        let cleared =
            serde_json::from_value::<WebhookPatch>(serde_json::json!({"maxRatePerSecond": null}))
                .unwrap()
                .apply(&next, UrlPolicy::default())
                .unwrap();
        assert_eq!(cleared.max_rate_per_second, None);
        assert_eq!(cleared.ordering, Ordering::Fifo, "absent fields stay");
        let code = |json| patch(json).unwrap_err().code();
        assert_eq!(
            code(serde_json::json!({"maxRatePerSecond": 0})),
            "invalid_rate"
        );
        assert_eq!(
            code(serde_json::json!({"maxRatePerSecond": 1001})),
            "invalid_rate"
        );
        assert_eq!(
            code(serde_json::json!({"ordering": "fifo", "mode": "sync"})),
            "invalid_ordering"
        );
        assert!(
            serde_json::from_value::<WebhookPatch>(serde_json::json!({"ordering": "lifo"}))
                .is_err()
        );
    }

    #[test]
    fn activating_clears_a_disabled_state() {
        let mut disabled = current();
        disabled.disabled_reason = Some("failing for 5 days".into());
        let next = WebhookPatch {
            active: Some(true),
            ..Default::default()
        }
        .apply(&disabled, UrlPolicy::default())
        .unwrap();
        assert_eq!(next.disabled_reason, None);
    }

    #[test]
    fn replacement_keeps_the_scheme() {
        let input = |json| serde_json::from_value::<WebhookInput>(json).unwrap();
        let body =
            serde_json::json!({"topicName": "x", "destination": {"postUrl": "https://e.com/"}});
        let next = input(body)
            .replace(&current(), UrlPolicy::default())
            .unwrap();
        assert_eq!(next.scheme, Scheme::Github);
        let body = serde_json::json!({"topicName": "x", "scheme": "stripe",
            "destination": {"postUrl": "https://e.com/"}});
        assert_eq!(
            input(body)
                .replace(&current(), UrlPolicy::default())
                .unwrap_err()
                .code(),
            "immutable_field"
        );
    }
}
