//! Publishing and subscribing.

use edgehooks_core::Message;
use edgehooks_core::limits::MAX_MESSAGE_BYTES;
use edgehooks_core::service::access::{OPERATOR_TOKEN_ID, Permission, check_publish_topic};
use edgehooks_core::service::{
    IDEMPOTENCY_KEY_HEADER, IDEMPOTENT_REPLAYED_HEADER, NameKind, request_fingerprint,
    validate_idempotency_key, validate_name,
};
use worker::Response;

use super::Call;
use crate::error::{ApiError, ApiResult};
use crate::http::json_response;
use crate::platform::{PUBLISH_RATE_PERIOD_SECONDS, publish_allowed, stream_lifetime_ms};
use crate::publish::{PublishReply, Publisher, publish as publish_message};
use crate::store::OpenedStream;
use crate::topic::client::{IdempotencyClaim, RecordedReply, TopicClient};

/// `POST /v1/caches/{cache}/topics/{topic}`: the body is the message (text,
/// JSON or bytes, at most 1 MiB). With an `Idempotency-Key`, a repeat of
/// the same request on the same topic within 24 hours publishes nothing
/// and gets the first call's response, marked `Idempotent-Replayed: true`.
pub(super) async fn publish(mut call: Call) -> ApiResult<Response> {
    let cache = call.param("cache").to_owned();
    let topic = call.param("topic").to_owned();
    validate_name(&cache, NameKind::Cache)?;
    validate_name(&topic, NameKind::Topic)?;
    call.caller.authorize(&cache, Permission::Publish)?;
    check_publish_topic(&topic)?;
    let token_id = call.caller.token_id();
    if token_id != OPERATOR_TOKEN_ID && !publish_allowed(&call.env, token_id).await? {
        let wait = PUBLISH_RATE_PERIOD_SECONDS;
        let response = ApiError::rate_limited(wait).into_response()?;
        response.headers().set("retry-after", &wait.to_string())?;
        return Ok(response);
    }
    let key = call.req.headers().get(IDEMPOTENCY_KEY_HEADER)?;
    if let Some(key) = &key {
        validate_idempotency_key(key)?;
    }
    let body = call.body(MAX_MESSAGE_BYTES).await?;
    let content_type = call.req.headers().get("content-type")?.unwrap_or_default();
    if content_type.starts_with("application/json") {
        serde_json::from_slice::<serde::de::IgnoredAny>(&body)
            .map_err(|e| ApiError::invalid_json(&e))?;
    }
    let claim = key.map(|key| IdempotencyClaim {
        fingerprint: request_fingerprint(&content_type, &body),
        key,
    });
    let publisher = Publisher {
        origin: call.caller.publish_origin(),
        token_id: call.caller.token_id(),
        claim,
    };
    let reply = publish_message(
        &call.env,
        &cache,
        &topic,
        Message::from_bytes(body),
        publisher,
    )
    .await?;
    match reply {
        PublishReply::Published(published) => json_response(200, &published),
        PublishReply::Replayed(recorded) => replayed(recorded),
    }
}

/// The first call's response, given again.
fn replayed(recorded: RecordedReply) -> ApiResult<Response> {
    let response = Response::from_bytes(recorded.body.into_bytes())?.with_status(recorded.status);
    let headers = response.headers();
    headers.set("content-type", "application/json")?;
    headers.set(IDEMPOTENT_REPLAYED_HEADER, "true")?;
    Ok(response)
}

/// `GET /v1/caches/{cache}/topics/{topic}/subscribe`: the topic's messages
/// as Server-Sent Events (`id` = sequence number), resumed after
/// `Last-Event-ID` from the topic's recent buffer; bounded in number,
/// queue and lifetime by the topic's object.
pub(super) async fn subscribe(call: Call) -> ApiResult<Response> {
    let cache = call.param("cache");
    let topic = call.param("topic");
    validate_name(cache, NameKind::Cache)?;
    validate_name(topic, NameKind::Topic)?;
    call.caller.authorize(cache, Permission::Subscribe)?;
    let last_event_id = call.req.headers().get("last-event-id")?;
    let token_id = call.caller.token_id();
    let response = TopicClient::new(&call.env, cache, topic)?
        .subscribe(token_id, last_event_id.as_deref())
        .await?;
    if token_id != OPERATOR_TOKEN_ID {
        // Revoking the key ends the stream through this note; the stream's
        // lifetime bounds it in any case.
        let opened = OpenedStream {
            cache: cache.to_owned(),
            topic: topic.to_owned(),
        };
        let seconds = stream_lifetime_ms(&call.env).div_ceil(1000) + 60;
        if let Err(err) = call.store.note_stream(token_id, &opened, seconds).await {
            worker::console_error!("noting a stream: {}", err.message);
        }
    }
    Ok(response)
}
