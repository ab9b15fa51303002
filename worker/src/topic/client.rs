//! The protocol of the `Topic` object, and the typed client the rest of the
//! Worker calls it with.

use edgehooks_core::Message;
use edgehooks_core::service::WebhookConfig;
use serde::{Deserialize, Serialize};
use worker::{Env, Method, Response, Stub};

use crate::attempt::AttemptRecord;
use crate::error::{ApiError, ApiResult};
use crate::http::{call, json_text, object_url, passed, read_reply};
use crate::platform::TOPICS_DO;

pub(crate) use edgehooks_core::service::access::SYSTEM_TOPIC;

/// A message to number and hand off.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PublishRequest {
    pub(crate) cache: String,
    pub(crate) topic: String,
    /// The publishing key's token id; `""` for the operator.
    pub(crate) token_id: String,
    /// Published with an issued API key (the `ignoreForApi` loop guard).
    pub(crate) external_api: bool,
    /// The caller delivers to `sync` webhooks itself (the publish call);
    /// when false every recipient is handed off.
    pub(crate) sync_by_caller: bool,
    pub(crate) message: Message,
}

/// A publish's `Idempotency-Key` (checked) and the fingerprint of its
/// request (the core's `request_fingerprint`).
#[derive(Clone, Debug)]
pub(crate) struct IdempotencyClaim {
    pub(crate) key: String,
    pub(crate) fingerprint: String,
}

/// What the topic answers: the message's number, how many deliveries it
/// stored for hand-off, and the `sync` webhooks left to the caller.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Numbered {
    pub(crate) sequence: u64,
    pub(crate) publish_timestamp: u64,
    pub(crate) handed_off: usize,
    pub(crate) sync: Vec<Recipient>,
}

/// What the topic answers a publish: the message numbered, or, for a
/// repeat of an idempotent publish, the first call's response.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum Publication {
    Numbered(Numbered),
    Replayed(RecordedReply),
}

/// A response recorded for an `Idempotency-Key`: its status and JSON body,
/// byte for byte.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct RecordedReply {
    pub(crate) status: u16,
    pub(crate) body: String,
}

impl RecordedReply {
    /// The response of a publish that succeeded.
    pub(crate) fn published(published: &Published) -> ApiResult<Self> {
        Ok(RecordedReply {
            status: 200,
            body: json_text(published, "recording the response")?,
        })
    }

    /// The response of a publish that failed after its message was
    /// numbered.
    pub(crate) fn failed(err: &ApiError) -> Self {
        RecordedReply {
            status: err.status,
            body: err.body().to_string(),
        }
    }
}

/// What a publish returns to the API's caller.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Published {
    pub(crate) cache: String,
    pub(crate) topic: String,
    pub(crate) topic_sequence_number: u64,
    pub(crate) publish_timestamp: u64,
    pub(crate) token_id: String,
    /// Results of the `sync` webhooks, delivered inside the call.
    pub(crate) sync_deliveries: Vec<AttemptRecord>,
    /// How many `async` deliveries were durably stored.
    pub(crate) async_deliveries: usize,
}

/// A webhook that receives a message: its name, and the generation of it
/// that the message was published for (a namesake created later is
/// another generation and does not receive it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Recipient {
    pub(crate) name: String,
    pub(crate) generation: u64,
}

/// A webhook as its topics keep it: its configuration (never its secrets),
/// its generation, and the revision of the change that wrote it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Subscription {
    pub(crate) config: WebhookConfig,
    pub(crate) generation: u64,
    pub(crate) revision: u64,
}

impl AsRef<WebhookConfig> for Subscription {
    fn as_ref(&self) -> &WebhookConfig {
        &self.config
    }
}

/// Calls the object of one topic.
pub(crate) struct TopicClient {
    stub: Stub,
}

impl TopicClient {
    /// The client of topic `topic` in `cache`.
    pub(crate) fn new(env: &Env, cache: &str, topic: &str) -> ApiResult<Self> {
        let stub = env
            .durable_object(TOPICS_DO)?
            .id_from_name(&format!("{cache}/{topic}"))?
            .get_stub()?;
        Ok(TopicClient { stub })
    }

    /// Numbers `request`'s message, stores it with its hand-offs, and
    /// returns once they are durable.
    pub(crate) async fn publish(&self, request: &PublishRequest) -> ApiResult<Numbered> {
        match self.send(request, &[]).await? {
            Publication::Numbered(numbered) => Ok(numbered),
            Publication::Replayed(_) => Err(ApiError::internal("publish", "replayed without key")),
        }
    }

    /// Like [`publish`](Self::publish), once per `claim.key` on this topic:
    /// a repeat of the same request gets the first call's response instead
    /// (once it is complete), and a reuse of the key for another request
    /// is refused (`idempotency_key_reused`).
    pub(crate) async fn publish_idempotent(
        &self,
        request: &PublishRequest,
        claim: &IdempotencyClaim,
    ) -> ApiResult<Publication> {
        let params = [
            ("key", claim.key.as_str()),
            ("fingerprint", claim.fingerprint.as_str()),
        ];
        self.send(request, &params).await
    }

    async fn send(
        &self,
        request: &PublishRequest,
        params: &[(&str, &str)],
    ) -> ApiResult<Publication> {
        let body = json_text(request, "encoding message")?;
        let url = object_url("/publish", params)?;
        let reply = call(&self.stub, Method::Post, &url, Some(body.into_bytes())).await?;
        read_reply(reply, "reading topic reply").await
    }

    /// Records the response of the idempotent publish that numbered
    /// `sequence` with `key` (one with `sync` webhooks answers only once
    /// they were attempted); repeats waiting for it get it.
    pub(crate) async fn complete_idempotent(
        &self,
        key: &str,
        sequence: u64,
        reply: &RecordedReply,
    ) -> ApiResult<()> {
        let body = json_text(reply, "encoding response")?;
        let sequence = sequence.to_string();
        let url = object_url("/idempotency", &[("key", key), ("sequence", &sequence)])?;
        passed(call(&self.stub, Method::Put, &url, Some(body.into_bytes())).await?).await?;
        Ok(())
    }

    /// The topic's event stream for the key of `token_id`, from
    /// `last_event_id` on.
    pub(crate) async fn subscribe(
        &self,
        token_id: &str,
        last_event_id: Option<&str>,
    ) -> ApiResult<Response> {
        let mut params = vec![("token", token_id)];
        params.extend(last_event_id.map(|id| ("after", id)));
        let url = object_url("/subscribe", &params)?;
        passed(call(&self.stub, Method::Get, &url, None).await?).await
    }

    /// How many webhooks are subscribed to the topic.
    pub(crate) async fn subscriber_count(&self) -> ApiResult<usize> {
        #[derive(Deserialize)]
        struct Count {
            count: usize,
        }
        let url = object_url("/subscribers", &[])?;
        let reply = call(&self.stub, Method::Get, &url, None).await?;
        let count: Count = read_reply(reply, "reading the subscriber count").await?;
        Ok(count.count)
    }

    /// Ends the open streams of the key of `token_id` (revoked).
    pub(crate) async fn end_streams(&self, token_id: &str) -> ApiResult<()> {
        let url = object_url("/streams", &[("token", token_id)])?;
        passed(call(&self.stub, Method::Delete, &url, None).await?).await?;
        Ok(())
    }

    /// Writes webhook `name`'s subscription (ignored if the topic holds a
    /// later revision).
    pub(crate) async fn subscribe_webhook(
        &self,
        name: &str,
        subscription: &Subscription,
    ) -> ApiResult<()> {
        let body = json_text(subscription, "encoding subscription")?;
        let url = object_url("/subscribers", &[("name", name)])?;
        passed(call(&self.stub, Method::Put, &url, Some(body.into_bytes())).await?).await?;
        Ok(())
    }

    /// Removes webhook `name` as of `revision` (a later one stays).
    pub(crate) async fn unsubscribe_webhook(&self, name: &str, revision: u64) -> ApiResult<()> {
        let revision = revision.to_string();
        let url = object_url("/subscribers", &[("name", name), ("revision", &revision)])?;
        passed(call(&self.stub, Method::Delete, &url, None).await?).await?;
        Ok(())
    }
}
