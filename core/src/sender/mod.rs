//! The native async sender (feature `tokio`): signed POSTs with connection
//! reuse, a concurrency limit, per-endpoint timeouts and the core's retry
//! policy, retried in-process.

mod auth;
mod endpoint;
mod outcome;
mod resolve;

use alloc::string::{String, ToString};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;
use core::time::Duration;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use tokio::sync::Semaphore;

pub use endpoint::Endpoint;
pub use outcome::{Attempt, Delivery, DeliveryResult};
pub use resolve::{ResolveFuture, Resolver, SystemResolver};

use crate::delivery::{delivery_headers, delivery_id};
use crate::error::VerifyError;
use crate::service::{
    AttemptFailure, NextStep, UrlPolicy, is_success, next_step, parse_retry_after,
};
use resolve::{CheckedResolver, refused_target};

/// Settings of a [`Sender`].
#[derive(Clone, Debug)]
pub struct SenderConfig {
    /// Most requests in flight at once, over all endpoints (default 256).
    pub max_concurrency: usize,
    /// In-process retries stop once the next attempt would start later than
    /// this after the first (default 1 hour); the message is then dead-lettered.
    /// The full default schedule spans about 28 hours.
    pub retry_window: Duration,
    /// Most response body bytes read (and discarded) per attempt, so the
    /// connection can be reused without trusting the receiver (default 64 KiB).
    pub max_response_bytes: usize,
    /// Resolves the host names of destinations and token endpoints (default
    /// [`SystemResolver`]). Whatever it answers, the sender connects only to
    /// the addresses the endpoint's [`UrlPolicy`] allows.
    pub resolver: Arc<dyn Resolver>,
}

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            max_concurrency: 256,
            retry_window: Duration::from_secs(3600),
            max_response_bytes: 64 * 1024,
            resolver: Arc::new(SystemResolver),
        }
    }
}

/// The HTTP client could not be built.
#[derive(Debug)]
pub struct BuildError(String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot build the webhook sender: {}", self.0)
    }
}

impl core::error::Error for BuildError {}

/// Sends signed webhook deliveries. Cheap to clone: clones share their
/// connection pools and one concurrency limit.
#[derive(Clone, Debug)]
pub struct Sender {
    /// For endpoints whose policy refuses private targets: resolves names
    /// to the public addresses only.
    public_client: reqwest::Client,
    /// For endpoints whose policy allows private targets.
    private_client: reqwest::Client,
    permits: Arc<Semaphore>,
    config: SenderConfig,
}

impl Sender {
    /// A sender with `config`.
    ///
    /// Every name is resolved with `config.resolver`, and a connection is
    /// made only to an address the endpoint's [`UrlPolicy`] allows
    /// ([`UrlPolicy::check_ip`]): a name that resolves only to refused
    /// addresses fails the attempt with
    /// [`AttemptFailure::UrlNotAllowed`]. Redirects are not followed (a 3xx
    /// is a failed attempt), so a receiver cannot bounce deliveries
    /// elsewhere, and proxies from the environment (`HTTPS_PROXY`, ...) are
    /// not used, so the address checked is the address connected to.
    pub fn new(config: SenderConfig) -> Result<Self, BuildError> {
        if config.max_concurrency == 0 {
            return Err(BuildError("max_concurrency must be at least 1".to_string()));
        }
        let client = |allow_private| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .dns_resolver(CheckedResolver {
                    resolver: config.resolver.clone(),
                    policy: UrlPolicy { allow_private },
                })
                .pool_max_idle_per_host(config.max_concurrency)
                .build()
                .map_err(|e| BuildError(e.to_string()))
        };
        Ok(Sender {
            public_client: client(false)?,
            private_client: client(true)?,
            permits: Arc::new(Semaphore::new(config.max_concurrency)),
            config,
        })
    }

    /// The HTTP client that connects where `policy` allows.
    fn client(&self, policy: UrlPolicy) -> &reqwest::Client {
        if policy.allow_private {
            &self.private_client
        } else {
            &self.public_client
        }
    }

    /// Delivers `body` (message `message_id`) to `endpoint`, retrying on the
    /// endpoint's schedule, and returns every attempt.
    pub async fn send(&self, endpoint: &Endpoint, message_id: &str, body: Bytes) -> Delivery {
        self.send_observed(endpoint, message_id, body, |_| {}).await
    }

    /// Like [`send`](Sender::send), calling `on_attempt` after each attempt
    /// (before waiting for the next), for live logs.
    pub async fn send_observed(
        &self,
        endpoint: &Endpoint,
        message_id: &str,
        body: Bytes,
        mut on_attempt: impl FnMut(&Attempt),
    ) -> Delivery {
        let webhook_id = delivery_id(message_id, &endpoint.name);
        let first = tokio::time::Instant::now();
        let mut attempts = Vec::new();
        let mut number = 1;
        loop {
            let mut attempt = self
                .attempt(endpoint, &webhook_id, number, &body)
                .await
                .expect("delivery ids are header-safe, and endpoints are checked to sign");
            let step = next_step(
                &endpoint.retry,
                number,
                attempt.failure,
                attempt.retry_after,
                fastrand::u32(..),
            );
            let result = match step {
                NextStep::Delivered => Some(DeliveryResult::Delivered),
                NextStep::Retry { delay, .. }
                    if first.elapsed() + delay <= self.config.retry_window =>
                {
                    attempt.next_retry_in = Some(delay);
                    None
                }
                NextStep::Retry { .. } | NextStep::DeadLetter => Some(DeliveryResult::DeadLettered),
                NextStep::TimedOut => Some(DeliveryResult::TimedOut),
                NextStep::Gone => Some(DeliveryResult::Gone),
            };
            on_attempt(&attempt);
            let delay = attempt.next_retry_in.unwrap_or_default();
            attempts.push(attempt);
            if let Some(result) = result {
                return Delivery {
                    endpoint: endpoint.name.clone(),
                    webhook_id,
                    attempts,
                    result,
                };
            }
            tokio::time::sleep(delay).await;
            number += 1;
        }
    }

    /// Sends one message to many endpoints concurrently (within the
    /// concurrency limit) and returns each delivery, in the endpoints' order.
    pub async fn fan_out(
        &self,
        endpoints: &[Endpoint],
        message_id: &str,
        body: Bytes,
    ) -> Vec<Delivery> {
        futures_util::future::join_all(
            endpoints
                .iter()
                .map(|endpoint| self.send(endpoint, message_id, body.clone())),
        )
        .await
    }

    /// One signed POST of `body` to `endpoint` with `webhook_id`, without
    /// retrying: a test trigger, or a building block for a custom retry loop.
    ///
    /// Fails, without sending anything, when `webhook_id` cannot travel in a
    /// header ([`VerifyError::InvalidHeader`]): no retry could succeed.
    pub async fn attempt(
        &self,
        endpoint: &Endpoint,
        webhook_id: &str,
        number: u32,
        body: &Bytes,
    ) -> Result<Attempt, VerifyError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .expect("the sender never closes its semaphore");
        let sent_at = SystemTime::now();
        let timestamp = sent_at
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let clock = Instant::now();
        let headers = delivery_headers(&endpoint.webhook, webhook_id, timestamp, body)?;
        let client = self.client(endpoint.policy);
        let mut request = client.post(endpoint.url.clone()).body(body.clone());
        for (name, value) in &endpoint.headers {
            request = request.header(name, value);
        }
        let authorization = match &endpoint.auth {
            Some(auth) => Some(auth.authorization(client, endpoint.timeout).await),
            None => None,
        };
        let (outcome, retry_after) = match authorization {
            Some(Err(why)) => (Err(AttemptFailure::AuthFailed(why)), None),
            authorization => {
                if let Some(Ok(value)) = authorization {
                    request = request.header("authorization", value.expose());
                }
                for (name, value) in headers.iter() {
                    request = request.header(name, value);
                }
                self.exchange(request, endpoint.timeout, timestamp).await
            }
        };
        if let (Err(AttemptFailure::HttpStatus(401)), Some(auth)) = (outcome, &endpoint.auth) {
            auth.drop_token().await;
        }
        let status = match outcome {
            Ok(status) | Err(AttemptFailure::HttpStatus(status)) => Some(status),
            Err(_) => None,
        };
        Ok(Attempt {
            number,
            sent_at,
            status,
            latency: clock.elapsed(),
            failure: outcome.err(),
            retry_after,
            next_retry_in: None,
        })
    }

    /// Sends `request` and judges the response: any 2xx status within
    /// `timeout` succeeds. The body is then drained (bounded, within what is
    /// left of the timeout) so the connection returns to the pool. Also
    /// returns the response's `Retry-After`, as a wait from `now_unix`.
    async fn exchange(
        &self,
        request: reqwest::RequestBuilder,
        timeout: Duration,
        now_unix: u64,
    ) -> (Result<u16, AttemptFailure>, Option<Duration>) {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut response = match tokio::time::timeout_at(deadline, request.send()).await {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => return (Err(classify(error)), None),
            Err(_) => return (Err(AttemptFailure::Timeout), None),
        };
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, now_unix));
        let mut read = 0;
        while read <= self.config.max_response_bytes {
            match tokio::time::timeout_at(deadline, response.chunk()).await {
                Ok(Ok(Some(chunk))) => read += chunk.len(),
                _ => break,
            }
        }
        let outcome = if is_success(status) {
            Ok(status)
        } else {
            Err(AttemptFailure::HttpStatus(status))
        };
        (outcome, retry_after)
    }
}

fn classify(error: reqwest::Error) -> AttemptFailure {
    if let Some(target) = refused_target(&error) {
        AttemptFailure::UrlNotAllowed(target)
    } else if error.is_timeout() {
        AttemptFailure::Timeout
    } else if error.is_connect() {
        AttemptFailure::ConnectionFailed
    } else {
        AttemptFailure::RequestFailed
    }
}
