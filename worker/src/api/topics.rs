//! Publishing and subscribing.

use edgehooks_core::Message;
use edgehooks_core::limits::MAX_MESSAGE_BYTES;
use edgehooks_core::service::access::Permission;
use edgehooks_core::service::{NameKind, validate_name};
use worker::Response;

use super::Call;
use crate::error::{ApiError, ApiResult};
use crate::http::json_response;
use crate::publish::publish as publish_message;
use crate::topic::client::TopicClient;

/// `POST /v1/caches/{cache}/topics/{topic}`: the body is the message (text,
/// JSON or bytes, at most 1 MiB).
pub(super) async fn publish(mut call: Call) -> ApiResult<Response> {
    let cache = call.param("cache").to_owned();
    let topic = call.param("topic").to_owned();
    validate_name(&cache, NameKind::Cache)?;
    validate_name(&topic, NameKind::Topic)?;
    call.caller.authorize(&cache, Permission::Publish)?;
    let body = call.body(MAX_MESSAGE_BYTES).await?;
    let content_type = call.req.headers().get("content-type")?.unwrap_or_default();
    if content_type.starts_with("application/json") {
        serde_json::from_slice::<serde::de::IgnoredAny>(&body)
            .map_err(|e| ApiError::invalid_json(&e))?;
    }
    let published = publish_message(
        &call.env,
        &cache,
        &topic,
        Message::from_bytes(body),
        call.caller.publish_origin(),
        call.caller.token_id(),
    )
    .await?;
    json_response(200, &published)
}

/// `GET /v1/caches/{cache}/topics/{topic}/subscribe`: the topic's messages
/// as Server-Sent Events (`id` = sequence number), resumed after
/// `Last-Event-ID` from the topic's recent buffer.
pub(super) async fn subscribe(call: Call) -> ApiResult<Response> {
    let cache = call.param("cache");
    let topic = call.param("topic");
    validate_name(cache, NameKind::Cache)?;
    validate_name(topic, NameKind::Topic)?;
    call.caller.authorize(cache, Permission::Publish)?;
    let last_event_id = call.req.headers().get("last-event-id")?;
    TopicClient::new(&call.env, cache, topic)?
        .subscribe(last_event_id.as_deref())
        .await
}
