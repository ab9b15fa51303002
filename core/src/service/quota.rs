//! A deployment's quotas: how many webhooks a cache and a topic may have,
//! how many topics a webhook, how soon a user's schedule may retry, and how
//! many event streams a topic and a key may hold open. They keep one key
//! from turning one publish into a flood of requests at a third party, and
//! one cache from starving the others. Each is refused with
//! `quota_exceeded` (409), whose message names the quota.

use core::fmt;

use super::model::WebhookConfig;
use super::retry::RetryPolicy;

/// A deployment's quotas; [`Default`] gives the documented defaults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quotas {
    /// Most webhooks in one cache.
    pub webhooks_per_cache: usize,
    /// Most webhooks subscribed to one topic.
    pub webhooks_per_topic: usize,
    /// Most topics of one webhook (at most the model's own limit).
    pub topics_per_webhook: usize,
    /// The shortest delay a user's retry schedule may have, in seconds.
    pub min_retry_delay_seconds: u32,
    /// Most event streams open at once on one topic.
    pub streams_per_topic: usize,
    /// Most event streams one key holds open at once on one topic.
    pub streams_per_key: usize,
}

impl Default for Quotas {
    fn default() -> Self {
        Quotas {
            webhooks_per_cache: 1000,
            webhooks_per_topic: 100,
            topics_per_webhook: 20,
            min_retry_delay_seconds: 5,
            streams_per_topic: 100,
            streams_per_key: 10,
        }
    }
}

/// A quota a request would pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QuotaError {
    /// The cache has this many webhooks already.
    WebhooksPerCache(usize),
    /// A topic of the webhook has this many webhooks already.
    WebhooksPerTopic(usize),
    /// The webhook names more topics than this.
    TopicsPerWebhook(usize),
    /// The webhook's schedule retries sooner than this many seconds.
    RetryDelay(u32),
    /// The topic has this many event streams open.
    StreamsPerTopic(usize),
    /// The key has this many event streams open on the topic.
    StreamsPerKey(usize),
}

impl QuotaError {
    /// Every code a `QuotaError` can have, each once.
    pub const CODES: &'static [&'static str] = &["quota_exceeded"];

    /// The stable machine-readable code of this error.
    pub const fn code(&self) -> &'static str {
        "quota_exceeded"
    }

    /// The HTTP status an API answers with: 409.
    pub const fn http_status(&self) -> u16 {
        409
    }
}

impl fmt::Display for QuotaError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuotaError::WebhooksPerCache(n) => {
                write!(
                    f,
                    "this cache has {n} webhooks, the most this deployment allows"
                )
            }
            QuotaError::WebhooksPerTopic(n) => write!(
                f,
                "a topic of this webhook has {n} webhooks, the most this deployment allows"
            ),
            QuotaError::TopicsPerWebhook(n) => {
                write!(f, "a webhook has at most {n} topics in this deployment")
            }
            QuotaError::RetryDelay(n) => write!(
                f,
                "a retry schedule waits at least {n} seconds between attempts in this deployment"
            ),
            QuotaError::StreamsPerTopic(n) => {
                write!(
                    f,
                    "this topic has {n} event streams open, the most it allows"
                )
            }
            QuotaError::StreamsPerKey(n) => write!(
                f,
                "this API key has {n} event streams open on this topic, the most it allows"
            ),
        }
    }
}

impl core::error::Error for QuotaError {}

impl Quotas {
    /// The quotas a webhook's configuration meets by itself: its number of
    /// topics and its retry delays.
    pub fn check_webhook(&self, config: &WebhookConfig) -> Result<(), QuotaError> {
        if config.topics.len() > self.topics_per_webhook {
            return Err(QuotaError::TopicsPerWebhook(self.topics_per_webhook));
        }
        if let RetryPolicy::Schedule(delays) = &config.retry
            && delays.iter().any(|d| *d < self.min_retry_delay_seconds)
        {
            return Err(QuotaError::RetryDelay(self.min_retry_delay_seconds));
        }
        Ok(())
    }

    /// Whether one more webhook fits in a cache that has `webhooks`.
    pub fn check_cache(&self, webhooks: usize) -> Result<(), QuotaError> {
        if webhooks >= self.webhooks_per_cache {
            Err(QuotaError::WebhooksPerCache(self.webhooks_per_cache))
        } else {
            Ok(())
        }
    }

    /// Whether one more webhook fits on a topic that has `webhooks`.
    pub fn check_topic(&self, webhooks: usize) -> Result<(), QuotaError> {
        if webhooks >= self.webhooks_per_topic {
            Err(QuotaError::WebhooksPerTopic(self.webhooks_per_topic))
        } else {
            Ok(())
        }
    }

    /// Whether one more event stream fits on a topic with `open` streams,
    /// `of_key` of them the caller's key's.
    pub fn check_streams(&self, open: usize, of_key: usize) -> Result<(), QuotaError> {
        if open >= self.streams_per_topic {
            Err(QuotaError::StreamsPerTopic(self.streams_per_topic))
        } else if of_key >= self.streams_per_key {
            Err(QuotaError::StreamsPerKey(self.streams_per_key))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::{UrlPolicy, WebhookInput};
    use alloc::string::ToString;

    fn config(json: &str) -> WebhookConfig {
        let input: WebhookInput = serde_json::from_str(json).unwrap();
        input
            .check(
                "c",
                "w",
                None,
                UrlPolicy {
                    allow_private: false,
                },
            )
            .unwrap()
            .0
    }

    #[test]
    fn a_webhook_meets_its_own_quotas() {
        let quotas = Quotas {
            topics_per_webhook: 2,
            min_retry_delay_seconds: 5,
            ..Quotas::default()
        };
        let ok = r#"{"topics":["a","b"],"destination":{"postUrl":"https://example.com/h"},"retry":{"scheduleSeconds":[5,60]}}"#;
        assert_eq!(quotas.check_webhook(&config(ok)), Ok(()));
        let many = r#"{"topics":["a","b","c"],"destination":{"postUrl":"https://example.com/h"}}"#;
        assert_eq!(
            quotas.check_webhook(&config(many)),
            Err(QuotaError::TopicsPerWebhook(2))
        );
        let soon = r#"{"topics":["a"],"destination":{"postUrl":"https://example.com/h"},"retry":{"scheduleSeconds":[60,4]}}"#;
        let refused = quotas.check_webhook(&config(soon)).unwrap_err();
        assert_eq!(refused, QuotaError::RetryDelay(5));
        assert_eq!(
            (refused.code(), refused.http_status()),
            ("quota_exceeded", 409)
        );
        assert!(refused.to_string().contains("at least 5 seconds"));
        // The default schedule and no retries always pass.
        for json in [
            r#"{"topics":["a"],"destination":{"postUrl":"https://example.com/h"}}"#,
            r#"{"topics":["a"],"destination":{"postUrl":"https://example.com/h"},"retry":"none"}"#,
        ] {
            assert_eq!(Quotas::default().check_webhook(&config(json)), Ok(()));
        }
    }

    #[test]
    fn counts_stop_at_their_quota() {
        let quotas = Quotas {
            webhooks_per_cache: 2,
            webhooks_per_topic: 3,
            streams_per_topic: 4,
            streams_per_key: 2,
            ..Quotas::default()
        };
        assert_eq!(quotas.check_cache(1), Ok(()));
        assert_eq!(quotas.check_cache(2), Err(QuotaError::WebhooksPerCache(2)));
        assert_eq!(quotas.check_topic(2), Ok(()));
        assert_eq!(quotas.check_topic(3), Err(QuotaError::WebhooksPerTopic(3)));
        assert_eq!(quotas.check_streams(3, 1), Ok(()));
        assert_eq!(
            quotas.check_streams(4, 0),
            Err(QuotaError::StreamsPerTopic(4))
        );
        assert_eq!(
            quotas.check_streams(2, 2),
            Err(QuotaError::StreamsPerKey(2))
        );
    }
}
