//! State: webhooks and API keys in Workers KV, and each webhook's copy in
//! the Durable Objects of its topics (what publishing reads).
//!
//! KV keys: `webhook/{cache}/{name}` holds a webhook, `apikey/{token_id}` an
//! API key. Names cannot contain `/`, so the prefixes never overlap. Topic
//! copies are written before KV and removed before KV, so deliveries follow
//! a change as soon as it is acknowledged.

use edgehooks_core::access::KeyScope;
use edgehooks_core::{Message, WebhookConfig};
use futures_util::future::try_join_all;
use serde::{Deserialize, Serialize};
use worker::kv::KvStore;
use worker::{Env, Method, ObjectNamespace, Request, RequestInit};

use crate::error::{ApiError, ApiResult};
use crate::platform::{LOGS_DO, STATE_KV, TOPICS_DO};
use crate::topic::{NextMessage, PublishRequest};

/// A webhook as stored: its configuration and its sealed secrets.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredWebhook {
    pub(crate) config: WebhookConfig,
    pub(crate) sealed_secrets: String,
    pub(crate) created_at: u64,
    pub(crate) updated_at: u64,
}

impl AsRef<WebhookConfig> for StoredWebhook {
    fn as_ref(&self) -> &WebhookConfig {
        &self.config
    }
}

impl StoredWebhook {
    /// `cache/name`: what its sealed secrets are bound to.
    pub(crate) fn owner(&self) -> String {
        owner(&self.config.id.cache_name, &self.config.id.webhook_name)
    }
}

/// The sealing owner of webhook `name` in `cache`.
pub(crate) fn owner(cache: &str, name: &str) -> String {
    format!("{cache}/{name}")
}

/// An API key as stored: never the key itself, only its digest.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredKey {
    pub(crate) token_id: String,
    pub(crate) digest: String,
    #[serde(flatten)]
    pub(crate) scope: KeyScope,
    pub(crate) description: String,
    pub(crate) created_at: u64,
}

/// One page of a listing.
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) cursor: Option<String>,
}

/// Webhooks and keys in KV; subscribers in the topics' Durable Objects.
pub(crate) struct Store {
    kv: KvStore,
    topics: ObjectNamespace,
    logs: ObjectNamespace,
}

fn webhook_key(cache: &str, name: &str) -> String {
    format!("webhook/{cache}/{name}")
}

fn api_key_key(token_id: &str) -> String {
    format!("apikey/{token_id}")
}

/// `value` as JSON text; `what` names it in the log if it cannot be encoded.
pub(crate) fn json_text<T: Serialize + ?Sized>(value: &T, what: &'static str) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|e| ApiError::internal(what, e))
}

/// A Durable Object's JSON reply as `T`; `what` names it in the log if it
/// cannot be read.
pub(crate) async fn json_reply<T: serde::de::DeserializeOwned>(
    mut response: worker::Response,
    what: &'static str,
) -> ApiResult<T> {
    let text = response.text().await?;
    serde_json::from_str(&text).map_err(|e| ApiError::internal(what, e))
}

/// Calls the Durable Object named `name` in `namespace`; a non-2xx reply is
/// a platform error.
async fn object_call(
    namespace: &ObjectNamespace,
    name: &str,
    method: Method,
    path: &str,
    body: Option<String>,
) -> ApiResult<worker::Response> {
    let stub = namespace.id_from_name(name)?.get_stub()?;
    let mut init = RequestInit::new();
    init.with_method(method)
        .with_body(body.map(worker::wasm_bindgen::JsValue::from));
    let request = Request::new_with_init(&format!("https://object{path}"), &init)?;
    let response = stub.fetch_with_request(request).await?;
    if response.status_code() >= 300 {
        return Err(ApiError::internal(
            "object call failed",
            response.status_code(),
        ));
    }
    Ok(response)
}

impl Store {
    pub(crate) fn new(env: &Env) -> ApiResult<Self> {
        Ok(Store {
            kv: env.kv(STATE_KV)?,
            topics: env.durable_object(TOPICS_DO)?,
            logs: env.durable_object(LOGS_DO)?,
        })
    }

    /// Calls the Durable Object of `cache/topic`.
    async fn topic_call(
        &self,
        cache: &str,
        topic: &str,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> ApiResult<worker::Response> {
        object_call(
            &self.topics,
            &format!("{cache}/{topic}"),
            method,
            path,
            body,
        )
        .await
    }

    /// Calls the log object of webhook `cache/name`.
    pub(crate) async fn log_call(
        &self,
        cache: &str,
        name: &str,
        method: Method,
        path: &str,
        body: Option<String>,
    ) -> ApiResult<worker::Response> {
        object_call(&self.logs, &owner(cache, name), method, path, body).await
    }

    /// The webhooks subscribed to `cache/topic` now, as its object keeps them.
    pub(crate) async fn subscribers(
        &self,
        cache: &str,
        topic: &str,
    ) -> ApiResult<Vec<StoredWebhook>> {
        let response = self
            .topic_call(cache, topic, Method::Get, "/subscribers", None)
            .await?;
        json_reply(response, "reading topic reply").await
    }

    /// Keeps a large message for `ttl_seconds`, for its queued deliveries.
    pub(crate) async fn put_message(
        &self,
        key: &str,
        message: &Message,
        ttl_seconds: u64,
    ) -> ApiResult<()> {
        let text = json_text(message, "writing message")?;
        Ok(self
            .kv
            .put(key, text)?
            .expiration_ttl(ttl_seconds)
            .execute()
            .await?)
    }

    /// A message kept by [`put_message`](Self::put_message).
    pub(crate) async fn message(&self, key: &str) -> ApiResult<Option<Message>> {
        self.get_json(key).await
    }

    /// Numbers `request`'s message in its topic, hands it to the topic's
    /// subscription streams, and returns the topic's subscribers.
    pub(crate) async fn next_message(&self, request: &PublishRequest) -> ApiResult<NextMessage> {
        let body = json_text(request, "encoding message")?;
        let response = self
            .topic_call(
                &request.cache,
                &request.topic,
                Method::Post,
                "/publish",
                Some(body),
            )
            .await?;
        json_reply(response, "reading topic reply").await
    }

    /// The Server-Sent Events stream of `cache/topic`, from `last_event_id` on.
    pub(crate) async fn subscribe(
        &self,
        cache: &str,
        topic: &str,
        last_event_id: Option<String>,
    ) -> ApiResult<worker::Response> {
        let stub = self
            .topics
            .id_from_name(&format!("{cache}/{topic}"))?
            .get_stub()?;
        let headers = worker::Headers::new();
        if let Some(id) = last_event_id {
            headers.set("last-event-id", &id)?;
        }
        let mut init = RequestInit::new();
        init.with_headers(headers);
        let request = Request::new_with_init("https://object/subscribe", &init)?;
        Ok(stub.fetch_with_request(request).await?)
    }

    pub(crate) async fn webhook(
        &self,
        cache: &str,
        name: &str,
    ) -> ApiResult<Option<StoredWebhook>> {
        self.get_json(&webhook_key(cache, name)).await
    }

    /// Writes `webhook`, whose topics were `previous_topics` before: its
    /// copy in each of its topics, the removal from topics it left, then KV.
    pub(crate) async fn put_webhook(
        &self,
        webhook: &StoredWebhook,
        previous_topics: &[String],
    ) -> ApiResult<()> {
        let id = &webhook.config.id;
        let (cache, name) = (&id.cache_name, &id.webhook_name);
        let text = json_text(webhook, "writing state")?;
        let path = format!("/subscribers/{name}");
        let topics = &webhook.config.topics;
        let puts = topics
            .iter()
            .map(|t| self.topic_call(cache, t, Method::Put, &path, Some(text.clone())));
        try_join_all(puts).await?;
        let removed = previous_topics.iter().filter(|t| !topics.contains(t));
        try_join_all(removed.map(|t| self.topic_call(cache, t, Method::Delete, &path, None)))
            .await?;
        Ok(self
            .kv
            .put(&webhook_key(cache, name), text)?
            .execute()
            .await?)
    }

    /// Deletes `webhook`: from its topics first, so nothing more is sent
    /// (queued retries included), then from KV, then its log.
    pub(crate) async fn delete_webhook(&self, webhook: &StoredWebhook) -> ApiResult<()> {
        let id = &webhook.config.id;
        let (cache, name) = (&id.cache_name, &id.webhook_name);
        let path = format!("/subscribers/{name}");
        let topics = webhook.config.topics.iter();
        try_join_all(topics.map(|t| self.topic_call(cache, t, Method::Delete, &path, None)))
            .await?;
        self.kv.delete(&webhook_key(cache, name)).await?;
        self.log_call(cache, name, Method::Delete, "/", None)
            .await?;
        Ok(())
    }

    /// A page of the webhooks of `cache`, by name.
    pub(crate) async fn list_webhooks(
        &self,
        cache: &str,
        limit: u64,
        cursor: Option<String>,
    ) -> ApiResult<Page<StoredWebhook>> {
        self.list_page(format!("webhook/{cache}/"), limit, cursor)
            .await
    }

    /// A page of the JSON values under `prefix`, by key.
    async fn list_page<T: serde::de::DeserializeOwned>(
        &self,
        prefix: String,
        limit: u64,
        cursor: Option<String>,
    ) -> ApiResult<Page<T>> {
        let mut list = self.kv.list().prefix(prefix).limit(limit);
        if let Some(cursor) = cursor {
            list = list.cursor(cursor);
        }
        let listed = list.execute().await?;
        let names: Vec<String> = listed.keys.into_iter().map(|k| k.name).collect();
        let items = self.get_all::<T>(&names).await?;
        let cursor = if listed.list_complete {
            None
        } else {
            listed.cursor
        };
        Ok(Page { items, cursor })
    }

    async fn get_all<T: serde::de::DeserializeOwned>(&self, keys: &[String]) -> ApiResult<Vec<T>> {
        let values = try_join_all(keys.iter().map(|k| self.get_json::<T>(k))).await?;
        Ok(values.into_iter().flatten().collect())
    }

    /// Stores `value` as JSON text written by serde_json.
    async fn put_json<T: Serialize>(&self, key: &str, value: &T) -> ApiResult<()> {
        let text = json_text(value, "writing state")?;
        Ok(self.kv.put(key, text)?.execute().await?)
    }

    /// A JSON value, parsed by serde_json from the stored text (the
    /// JS bridge cannot carry flattened fields).
    async fn get_json<T: serde::de::DeserializeOwned>(&self, key: &str) -> ApiResult<Option<T>> {
        match self.kv.get(key).text().await? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| ApiError::internal("reading stored state", e)),
        }
    }

    pub(crate) async fn api_key(&self, token_id: &str) -> ApiResult<Option<StoredKey>> {
        self.get_json(&api_key_key(token_id)).await
    }

    pub(crate) async fn put_api_key(&self, key: &StoredKey) -> ApiResult<()> {
        self.put_json(&api_key_key(&key.token_id), key).await
    }

    pub(crate) async fn delete_api_key(&self, token_id: &str) -> ApiResult<()> {
        Ok(self.kv.delete(&api_key_key(token_id)).await?)
    }

    pub(crate) async fn list_api_keys(
        &self,
        limit: u64,
        cursor: Option<String>,
    ) -> ApiResult<Page<StoredKey>> {
        self.list_page("apikey/".into(), limit, cursor).await
    }
}
