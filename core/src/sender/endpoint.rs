//! [`Endpoint`]: one webhook as the native sender sees it.

use alloc::string::{String, ToString};
use core::fmt;
use core::time::Duration;

use alloc::collections::BTreeMap;
use alloc::sync::Arc;

use url::Url;

use super::auth::EndpointAuth;

use crate::error::SecretProblem;
use crate::limits::DEFAULT_TIMEOUT_MS;
use crate::service::{
    AuthInput, AuthProblem, NameKind, RetryPolicy, UrlPolicy, ValidationError, WebhookConfig,
    validate_headers, validate_name, validate_post_url, validate_timeout_ms,
};
use crate::webhook::Webhook;

/// Where and how to deliver: a named webhook's URL, its signing secrets, its
/// timeout, its retry policy, and optionally its `auth` and static headers.
///
/// `Debug` shows the configuration, never a secret: the signing keys and
/// the `auth` secret and token print as `[REDACTED]`.
#[derive(Clone)]
pub struct Endpoint {
    pub(crate) name: String,
    pub(crate) url: Url,
    pub(crate) webhook: Webhook,
    pub(crate) timeout: Duration,
    pub(crate) retry: RetryPolicy,
    pub(crate) policy: UrlPolicy,
    pub(crate) headers: BTreeMap<String, String>,
    pub(crate) auth: Option<EndpointAuth>,
}

impl fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Endpoint {
            name,
            url,
            webhook,
            timeout,
            retry,
            policy,
            headers,
            auth,
        } = self;
        f.debug_struct("Endpoint")
            .field("name", name)
            .field("url", &url.as_str())
            .field("webhook", webhook)
            .field("timeout", timeout)
            .field("retry", retry)
            .field("policy", policy)
            .field("headers", headers)
            .field("auth", auth)
            .finish()
    }
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
            policy,
            headers: BTreeMap::new(),
            auth: None,
        })
    }

    /// The endpoint of a stored webhook configuration, signing with `webhook`,
    /// with its static headers. A stored `auth` holds no secret: give it
    /// with [`with_auth`](Self::with_auth).
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
        .with_retry(config.retry.clone())?
        .with_headers(config.headers.clone())
    }

    /// Sets the per-attempt timeout (1000 to 30000 ms).
    pub fn with_timeout_ms(mut self, timeout_ms: u32) -> Result<Self, ValidationError> {
        validate_timeout_ms(timeout_ms)?;
        self.timeout = Duration::from_millis(u64::from(timeout_ms));
        Ok(self)
    }

    /// Authenticates every delivery with `auth` (OAuth 2.0 client
    /// credentials or HTTP Basic), checked as the service checks it: its
    /// secret is required, and a token URL passes the endpoint's URL policy.
    /// An OAuth 2.0 token is fetched once and kept until shortly before it
    /// expires, shared by clones of this endpoint; a 401 drops it.
    pub fn with_auth(mut self, auth: AuthInput) -> Result<Self, ValidationError> {
        let (auth, secret) = auth.check(None, self.policy)?;
        let secret = secret.ok_or(ValidationError::InvalidAuth(AuthProblem::MissingSecret))?;
        self.headers = validate_headers(core::mem::take(&mut self.headers), true)?;
        self.auth = Some(EndpointAuth {
            auth,
            secret,
            tokens: Arc::default(),
        });
        Ok(self)
    }

    /// Adds `headers` to every delivery, checked as the service checks
    /// them (no names the sender sets, nor `authorization` beside `auth`).
    pub fn with_headers(
        mut self,
        headers: BTreeMap<String, String>,
    ) -> Result<Self, ValidationError> {
        self.headers = validate_headers(headers, self.auth.is_some())?;
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
