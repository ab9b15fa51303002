//! Publishing: the topic numbers the message and stores it with its
//! hand-offs before it answers; the `sync` webhooks are then attempted
//! inside the call, each by its own object.

use edgehooks_core::Message;
use edgehooks_core::service::PublishOrigin;
use futures_util::future::join_all;
use serde::Serialize;
use worker::Env;

use crate::agent::client::{AgentClient, Handed, Handoff};
use crate::attempt::AttemptRecord;
use crate::error::ApiResult;
use crate::topic::client::{PublishRequest, TopicClient};

/// What a publish returns.
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

/// Publishes `message` on `cache/topic`: returns once every async delivery
/// is stored durably and every sync one attempted.
pub(crate) async fn publish(
    env: &Env,
    cache: &str,
    topic: &str,
    message: Message,
    origin: PublishOrigin,
    token_id: &str,
) -> ApiResult<Published> {
    let request = PublishRequest {
        cache: cache.to_owned(),
        topic: topic.to_owned(),
        token_id: token_id.to_owned(),
        external_api: origin == PublishOrigin::ExternalApi,
        sync_by_caller: true,
        message,
    };
    let numbered = TopicClient::new(env, cache, topic)?
        .publish(&request)
        .await?;
    let attempts = join_all(numbered.sync.iter().map(|recipient| {
        let handoff = Handoff {
            generation: recipient.generation,
            messages: vec![Handed {
                topic: topic.to_owned(),
                sequence: numbered.sequence,
                publish_timestamp: numbered.publish_timestamp,
                token_id: token_id.to_owned(),
                message: request.message.clone(),
            }],
        };
        async move {
            AgentClient::new(env, cache, &recipient.name)?
                .deliver(&handoff)
                .await
        }
    }))
    .await;
    let sync_deliveries = attempts
        .into_iter()
        .collect::<ApiResult<Vec<Option<AttemptRecord>>>>()?
        .into_iter()
        .flatten()
        .collect();
    Ok(Published {
        cache: cache.to_owned(),
        topic: topic.to_owned(),
        topic_sequence_number: numbered.sequence,
        publish_timestamp: numbered.publish_timestamp,
        token_id: token_id.to_owned(),
        sync_deliveries,
        async_deliveries: numbered.handed_off,
    })
}
