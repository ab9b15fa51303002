//! [`Endpoint`]: one webhook as the native sender sees it.

use alloc::string::{String, ToString};
use core::time::Duration;

use url::Url;

use crate::error::SecretProblem;
use crate::limits::DEFAULT_TIMEOUT_MS;
use crate::service::{
    NameKind, RetryPolicy, UrlPolicy, ValidationError, WebhookConfig, validate_name,
    validate_post_url, validate_timeout_ms,
};
use crate::webhook::Webhook;

/// Where and how to deliver: a named webhook's URL, its signing secrets, its
/// timeout and its retry policy.
#[derive(Clone, Debug)]
pub struct Endpoint {
    pub(crate) name: String,
    pub(crate) url: Url,
    pub(crate) webhook: Webhook,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
}

impl Endpoint {
    /// An endpoint with the default timeout (5 s) and retry schedule.
    ///
    /// `name` is a webhook name (it keys the `webhook-id`); `url` is checked
    /// with [`validate_post_url`] under `policy`; `webhook` must be able to
    /// sign (for `standard-v1a`, a `whsk_` key).
    pub fn new(
        name: &str,
        url: &str,
        webhook: Webhook,
        policy: UrlPolicy,
    ) -> Result<Self, ValidationError> {
        validate_name(name, NameKind::Webhook)?;
        if !webhook.can_sign() {
            return Err(SecretProblem::CannotSign.into());
        }
        Ok(Endpoint {
            name: name.to_string(),
            url: validate_post_url(url, policy)?,
            webhook,
            timeout: Duration::from_millis(u64::from(DEFAULT_TIMEOUT_MS)),
            retry: RetryPolicy::default(),
        })
    }

    /// The endpoint of a stored webhook configuration, signing with `webhook`.
    pub fn from_config(
        config: &WebhookConfig,
        webhook: Webhook,
        policy: UrlPolicy,
    ) -> Result<Self, ValidationError> {
        if webhook.scheme() != config.scheme {
            return Err(ValidationError::InvalidScheme);
        }
        Endpoint::new(
            &config.id.webhook_name,
            &config.destination.post_url,
            webhook,
            policy,
        )?
        .with_timeout_ms(config.timeout_ms)?
        .with_retry(config.retry.clone())
    }

    /// Sets the per-attempt timeout (1000 to 30000 ms).
    pub fn with_timeout_ms(mut self, timeout_ms: u32) -> Result<Self, ValidationError> {
        validate_timeout_ms(timeout_ms)?;
        self.timeout = Duration::from_millis(u64::from(timeout_ms));
        Ok(self)
    }

    /// Sets the retry policy.
    pub fn with_retry(mut self, retry: RetryPolicy) -> Result<Self, ValidationError> {
        retry.validate()?;
        self.retry = retry;
        Ok(self)
    }

    /// The webhook's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The destination URL.
    pub fn url(&self) -> &Url {
        &self.url
    }
}
