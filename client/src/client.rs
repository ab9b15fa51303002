//! The client and its calls, one per API operation.

use core::fmt;
use core::time::Duration;
use std::sync::Arc;

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, IF_NONE_MATCH};
use reqwest::{Method, RequestBuilder, Url};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::Error;
use crate::body::{MAX_ANSWER_BYTES, read_capped};
use crate::model::{
    Attempt, AttemptFilter, AttemptPage, CreatedKey, KeyInput, KeyPage, PortalSession,
    PortalSessionInput, Published, PutWebhookResponse, ReplayInput, Replayed, Resealed,
    UndeliveredPage, Webhook, WebhookPage, WebhookSecret, WebhookStatistics,
};

/// How long a call may take unless told otherwise.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A client of one edgehooks deployment, authenticated with one API key.
///
/// Cheap to clone (the connection pool is shared). `Debug` never shows
/// the key.
#[derive(Clone)]
pub struct Client {
    pub(crate) base: Url,
    pub(crate) api_key: Arc<str>,
    pub(crate) http: reqwest::Client,
    pub(crate) timeout: Option<Duration>,
    pub(crate) page_size: Option<u32>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base.as_str())
            .field("api_key", &"[REDACTED]")
            .field("timeout", &self.timeout)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

/// Settings of a [`Client`]: a timeout, a page size for the `iter_*`
/// streams, or a `reqwest::Client` of your own.
pub struct ClientBuilder {
    url: String,
    api_key: String,
    http: Option<reqwest::Client>,
    timeout: Option<Duration>,
    page_size: Option<u32>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("url", &self.url)
            .field("api_key", &"[REDACTED]")
            .field("timeout", &self.timeout)
            .field("page_size", &self.page_size)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The time a call may take, from sending to the end of the answer
    /// (30 s unless set). Event streams are not bounded by it.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// No time bound on calls.
    pub fn no_timeout(mut self) -> Self {
        self.timeout = None;
        self
    }

    /// How many items the `iter_*` streams ask for per page (the
    /// service's default when unset).
    pub fn page_size(mut self, limit: u32) -> Self {
        self.page_size = Some(limit);
        self
    }

    /// Sends through `client` (its proxy, TLS and pool settings).
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// The client; fails when the URL is not an absolute http(s) URL.
    pub fn build(self) -> Result<Client, Error> {
        let base = Url::parse(&self.url).map_err(|error| Error::InvalidUrl(error.to_string()))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            return Err(Error::InvalidUrl(format!("not an http(s) URL: {base}")));
        }
        Ok(Client {
            base,
            api_key: self.api_key.into(),
            http: self.http.unwrap_or_default(),
            timeout: self.timeout,
            page_size: self.page_size,
        })
    }
}

impl Client {
    /// A client of the deployment at `url` (e.g. `http://127.0.0.1:8787`)
    /// with `api_key` (the admin key or an issued `ehk_` key).
    pub fn new(url: &str, api_key: impl Into<String>) -> Result<Self, Error> {
        Self::builder(url, api_key).build()
    }

    /// Settings beyond the URL and key; finish with [`ClientBuilder::build`].
    pub fn builder(url: &str, api_key: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            url: url.to_owned(),
            api_key: api_key.into(),
            http: None,
            timeout: Some(DEFAULT_TIMEOUT),
            page_size: None,
        }
    }

    /// The URL of `segments` under the base, each percent-encoded.
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// A request with the key, without the call timeout.
    pub(crate) fn request_untimed(&self, method: Method, url: Url) -> RequestBuilder {
        self.http.request(method, url).bearer_auth(&*self.api_key)
    }

    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let request = self
            .request_untimed(method, url)
            .header(ACCEPT, "application/json");
        match self.timeout {
            Some(timeout) => request.timeout(timeout),
            None => request,
        }
    }

    /// Sends `request`; an answer that is not 2xx becomes [`Error::Api`].
    async fn send(request: RequestBuilder) -> Result<reqwest::Response, Error> {
        let response = request.send().await?;
        if response.status().is_success() {
            Ok(response)
        } else {
            Err(Error::from_response(response).await)
        }
    }

    async fn read<T: DeserializeOwned>(
        response: reqwest::Response,
        what: &str,
    ) -> Result<T, Error> {
        let body = read_capped(response, MAX_ANSWER_BYTES)
            .await?
            .ok_or_else(|| Error::decode(what, "the answer is over 16 MiB"))?;
        serde_json::from_slice(&body).map_err(|error| Error::decode(what, error))
    }

    async fn call<T: DeserializeOwned>(request: RequestBuilder, what: &str) -> Result<T, Error> {
        Self::read(Self::send(request).await?, what).await
    }

    fn json_body(request: RequestBuilder, body: &impl Serialize) -> Result<RequestBuilder, Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|error| Error::decode("the request body does not serialize", error))?;
        Ok(request.header(CONTENT_TYPE, "application/json").body(bytes))
    }

    fn webhook_url(&self, cache: &str, name: &str, rest: &[&str]) -> Url {
        let mut segments = vec!["v1", "caches", cache, "webhooks", name];
        segments.extend_from_slice(rest);
        self.url(&segments)
    }

    /// Creates or replaces the webhook `name` of `cache` (`putWebhook`).
    /// `input` is a [`WebhookInput`](crate::WebhookInput) or any value
    /// serializing to the API's `WebhookInput`.
    pub async fn put_webhook(
        &self,
        cache: &str,
        name: &str,
        input: &impl Serialize,
    ) -> Result<PutWebhookResponse, Error> {
        let request = self.request(Method::PUT, self.webhook_url(cache, name, &[]));
        Self::call(Self::json_body(request, input)?, "webhook").await
    }

    /// Creates the webhook `name` of `cache` only if no webhook has that
    /// name (`putWebhook` with `If-None-Match: *`); otherwise the answer is
    /// [`Error::Api`] with code `already_exists` (412).
    pub async fn create_webhook(
        &self,
        cache: &str,
        name: &str,
        input: &impl Serialize,
    ) -> Result<PutWebhookResponse, Error> {
        let request = self
            .request(Method::PUT, self.webhook_url(cache, name, &[]))
            .header(IF_NONE_MATCH, "*");
        Self::call(Self::json_body(request, input)?, "webhook").await
    }

    /// A page of the webhooks of `cache` (`listWebhooks`).
    pub async fn list_webhooks(
        &self,
        cache: &str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<WebhookPage, Error> {
        let url = self.url(&["v1", "caches", cache, "webhooks"]);
        Self::call(
            self.request(Method::GET, paged(url, limit, cursor)),
            "webhook page",
        )
        .await
    }

    /// The webhook `name` of `cache`, with its statistics (`getWebhook`).
    pub async fn get_webhook(&self, cache: &str, name: &str) -> Result<Webhook, Error> {
        let url = self.webhook_url(cache, name, &[]);
        Self::call(self.request(Method::GET, url), "webhook").await
    }

    /// Changes the fields of the webhook present in `patch` (`patchWebhook`),
    /// e.g. `serde_json::json!({"active": false})`.
    pub async fn patch_webhook(
        &self,
        cache: &str,
        name: &str,
        patch: &impl Serialize,
    ) -> Result<Webhook, Error> {
        let request = self.request(Method::PATCH, self.webhook_url(cache, name, &[]));
        Self::call(Self::json_body(request, patch)?, "webhook").await
    }

    /// Deletes the webhook (`deleteWebhook`).
    pub async fn delete_webhook(&self, cache: &str, name: &str) -> Result<(), Error> {
        let url = self.webhook_url(cache, name, &[]);
        Self::send(self.request(Method::DELETE, url)).await?;
        Ok(())
    }

    /// The secret receivers verify the webhook's deliveries with
    /// (`getWebhookSecret`).
    pub async fn get_webhook_secret(
        &self,
        cache: &str,
        name: &str,
    ) -> Result<WebhookSecret, Error> {
        let url = self.webhook_url(cache, name, &["secret"]);
        Self::call(self.request(Method::GET, url), "secret").await
    }

    /// Replaces the webhook's secret with a generated one; the old one
    /// keeps signing for `grace_seconds` (`rotateWebhookSecret`).
    pub async fn rotate_webhook_secret(
        &self,
        cache: &str,
        name: &str,
        grace_seconds: Option<u32>,
    ) -> Result<WebhookSecret, Error> {
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Rotate {
            #[serde(skip_serializing_if = "Option::is_none")]
            grace_seconds: Option<u32>,
        }
        let request = self.request(
            Method::POST,
            self.webhook_url(cache, name, &["secret", "rotate"]),
        );
        Self::call(
            Self::json_body(request, &Rotate { grace_seconds })?,
            "secret",
        )
        .await
    }

    /// Sends a test event to the webhook now and answers its attempt
    /// (`testWebhook`).
    pub async fn test_webhook(&self, cache: &str, name: &str) -> Result<Attempt, Error> {
        let url = self.webhook_url(cache, name, &["test"]);
        Self::call(self.request(Method::POST, url), "attempt").await
    }

    /// A page of the webhook's attempts that `filter` keeps, newest first
    /// (`listAttempts`).
    pub async fn list_attempts(
        &self,
        cache: &str,
        name: &str,
        filter: &AttemptFilter,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<AttemptPage, Error> {
        let mut url = self.webhook_url(cache, name, &["attempts"]);
        let pairs = filter.pairs();
        if !pairs.is_empty() {
            url.query_pairs_mut().extend_pairs(pairs);
        }
        Self::call(
            self.request(Method::GET, paged(url, limit, cursor)),
            "attempt page",
        )
        .await
    }

    /// Attempts delivered and failed, and latency percentiles, per UTC hour
    /// for the last `hours` hours (1 to 168; by default 168), oldest first,
    /// ending with the current hour (`getWebhookStatistics`).
    pub async fn get_webhook_statistics(
        &self,
        cache: &str,
        name: &str,
        hours: Option<u32>,
    ) -> Result<WebhookStatistics, Error> {
        let mut url = self.webhook_url(cache, name, &["statistics"]);
        if let Some(hours) = hours {
            url.query_pairs_mut()
                .append_pair("hours", &hours.to_string());
        }
        Self::call(self.request(Method::GET, url), "statistics").await
    }

    /// A page of the messages waiting for or given up by the webhook
    /// (`listUndelivered`).
    pub async fn list_undelivered(
        &self,
        cache: &str,
        name: &str,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<UndeliveredPage, Error> {
        let url = self.webhook_url(cache, name, &["undelivered"]);
        Self::call(
            self.request(Method::GET, paged(url, limit, cursor)),
            "undelivered page",
        )
        .await
    }

    /// Sends the messages of a window again (`replayWebhook`).
    pub async fn replay_webhook(
        &self,
        cache: &str,
        name: &str,
        window: &ReplayInput,
    ) -> Result<Replayed, Error> {
        let request = self.request(Method::POST, self.webhook_url(cache, name, &["replay"]));
        Self::call(Self::json_body(request, window)?, "replay answer").await
    }

    /// Publishes `message` to `topic` (`publish`): sent as `text/plain`
    /// when it is UTF-8, `application/octet-stream` otherwise. With an
    /// `idempotency_key`, a repeat answers the first publish again
    /// ([`Published::idempotent_replayed`]).
    pub async fn publish(
        &self,
        cache: &str,
        topic: &str,
        message: impl Into<Vec<u8>>,
        idempotency_key: Option<&str>,
    ) -> Result<Published, Error> {
        let message = message.into();
        let content_type = if core::str::from_utf8(&message).is_ok() {
            "text/plain; charset=utf-8"
        } else {
            "application/octet-stream"
        };
        let url = self.url(&["v1", "caches", cache, "topics", topic]);
        let mut request = self
            .request(Method::POST, url)
            .header(CONTENT_TYPE, content_type)
            .body(message);
        if let Some(key) = idempotency_key {
            request = request.header("idempotency-key", key);
        }
        let response = Self::send(request).await?;
        let replayed = response.headers().get("idempotent-replayed")
            == Some(&HeaderValue::from_static("true"));
        let mut published: Published = Self::read(response, "publish answer").await?;
        published.idempotent_replayed = replayed;
        Ok(published)
    }

    /// Issues an API key (`createKey`); the answer is the only time the
    /// key itself is shown.
    pub async fn create_key(&self, input: &KeyInput) -> Result<CreatedKey, Error> {
        let request = self.request(Method::POST, self.url(&["v1", "keys"]));
        Self::call(Self::json_body(request, input)?, "key").await
    }

    /// A page of the issued keys (`listKeys`).
    pub async fn list_keys(
        &self,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<KeyPage, Error> {
        let url = self.url(&["v1", "keys"]);
        Self::call(
            self.request(Method::GET, paged(url, limit, cursor)),
            "key page",
        )
        .await
    }

    /// Revokes the key `token_id` (`deleteKey`); its event streams end.
    pub async fn delete_key(&self, token_id: &str) -> Result<(), Error> {
        let url = self.url(&["v1", "keys", token_id]);
        Self::send(self.request(Method::DELETE, url)).await?;
        Ok(())
    }

    /// Starts a portal session for `cache` (`createPortalSession`): a token
    /// scoped to the cache (and the input's webhooks), and the page's `url`
    /// signed in with it, to hand to a customer or embed in a frame.
    pub async fn create_portal_session(
        &self,
        cache: &str,
        input: &PortalSessionInput,
    ) -> Result<PortalSession, Error> {
        let url = self.url(&["v1", "caches", cache, "portal-sessions"]);
        let request = self.request(Method::POST, url);
        Self::call(Self::json_body(request, input)?, "portal session").await
    }

    /// Seals one page of webhook secrets with the current `SECRETS_KEY`
    /// (`resealSecrets`, admin key only); call again with the answer's
    /// cursor until it is `None`.
    pub async fn reseal_secrets(
        &self,
        limit: Option<u32>,
        cursor: Option<&str>,
    ) -> Result<Resealed, Error> {
        let url = self.url(&["v1", "admin", "reseal"]);
        Self::call(
            self.request(Method::POST, paged(url, limit, cursor)),
            "reseal answer",
        )
        .await
    }
}

/// `url` with the page's `limit` and `cursor`.
fn paged(mut url: Url, limit: Option<u32>, cursor: Option<&str>) -> Url {
    if limit.is_some() || cursor.is_some() {
        let mut query = url.query_pairs_mut();
        if let Some(limit) = limit {
            query.append_pair("limit", &limit.to_string());
        }
        if let Some(cursor) = cursor {
            query.append_pair("cursor", cursor);
        }
    }
    url
}
