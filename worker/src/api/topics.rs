//! Publishing: number the message in its topic, then fan it out.

use edgehooks_core::access::Permission;
use edgehooks_core::limits::MAX_MESSAGE_BYTES;
use edgehooks_core::{Envelope, Message, message_id, plan_fan_out, validate_name};
use futures_util::future::join_all;
use serde::Serialize;
use worker::Response;

use super::webhooks::target;
use super::{Call, json_response};
use crate::delivery::{AttemptRecord, attempt};
use crate::error::{ApiError, ApiResult};
use crate::platform::{now_ms, sealing_key, url_policy};
use crate::seal::Sealer;
use crate::store::StoredWebhook;

/// What a publish returns.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Published {
    cache: String,
    topic: String,
    topic_sequence_number: u64,
    publish_timestamp: u64,
    token_id: String,
    /// Results of the `sync` webhooks, delivered inside this call.
    sync_deliveries: Vec<AttemptRecord>,
    /// How many `async` webhooks the message is being delivered to.
    async_deliveries: usize,
}

/// `POST /v1/caches/{cache}/topics/{topic}`: the body is the message (text,
/// JSON or bytes, at most 1 MiB).
pub(super) async fn publish(mut call: Call) -> ApiResult<Response> {
    let cache = call.param("cache").to_owned();
    let topic = call.param("topic").to_owned();
    validate_name(&cache, "cache name")?;
    validate_name(&topic, "topic name")?;
    call.caller.authorize(&cache, Permission::Publish)?;
    let body = call.body(MAX_MESSAGE_BYTES).await?;
    let content_type = call.req.headers().get("content-type")?.unwrap_or_default();
    if content_type.starts_with("application/json") {
        serde_json::from_slice::<serde::de::IgnoredAny>(&body)
            .map_err(|e| ApiError::invalid_json(&e))?;
    }
    let next = call.store.next_message(&cache, &topic).await?;
    let (sequence, subscribers) = (next.sequence, next.subscribers);
    let publish_timestamp = now_ms();
    let plan = plan_fan_out(&subscribers, &topic, call.caller.publish_origin());
    let envelope = Envelope {
        cache: cache.clone(),
        topic: topic.clone(),
        event_timestamp: publish_timestamp,
        publish_timestamp,
        topic_sequence_number: sequence,
        token_id: call.caller.token_id().to_owned(),
        message: Message::from_bytes(body),
    };
    let id = message_id(&cache, &topic, sequence);
    let policy = url_policy(&call.env);
    let sealer = if plan.is_empty() {
        None
    } else {
        Some(Sealer::new(&sealing_key(&call.env)?))
    };
    let targets = |list: &[&StoredWebhook]| -> ApiResult<Vec<_>> {
        list.iter()
            .map(|w| {
                let sealer = sealer
                    .as_ref()
                    .ok_or_else(|| ApiError::internal("publish", "no sealer"))?;
                target(w, sealer, &id, publish_timestamp)
            })
            .collect()
    };
    let sync_targets = targets(&plan.sync)?;
    let background_targets = targets(&plan.background)?;
    let async_deliveries = background_targets.len();
    if !background_targets.is_empty() {
        let envelope = envelope.clone();
        call.ctx.wait_until(async move {
            let sends = background_targets
                .iter()
                .map(|t| attempt(t, envelope.clone(), 1, policy));
            join_all(sends).await;
        });
    }
    let sync_deliveries = join_all(
        sync_targets
            .iter()
            .map(|t| attempt(t, envelope.clone(), 1, policy)),
    )
    .await;
    json_response(
        200,
        &Published {
            cache,
            topic,
            topic_sequence_number: sequence,
            publish_timestamp,
            token_id: envelope.token_id,
            sync_deliveries,
            async_deliveries,
        },
    )
}
