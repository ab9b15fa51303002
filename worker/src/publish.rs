//! Publishing: the topic numbers the message and stores it with its
//! hand-offs before it answers; the `sync` webhooks are then attempted
//! inside the call, each by its own object. With an `Idempotency-Key` the
//! topic answers a repeat with the first call's response instead, and the
//! first call of a publish with `sync` webhooks records its whole response
//! there once they were attempted.

use edgehooks_core::Message;
use edgehooks_core::service::PublishOrigin;
use futures_util::future::join_all;
use worker::Env;

use crate::agent::client::{AgentClient, Handed, Handoff};
use crate::attempt::AttemptRecord;
use crate::error::ApiResult;
use crate::topic::client::{
    IdempotencyClaim, Numbered, Publication, PublishRequest, Published, RecordedReply, TopicClient,
};

/// Who publishes, and how.
pub(crate) struct Publisher<'a> {
    pub(crate) origin: PublishOrigin,
    pub(crate) token_id: &'a str,
    /// The call's `Idempotency-Key`, if it sent one.
    pub(crate) claim: Option<IdempotencyClaim>,
}

/// What a publish answers.
pub(crate) enum PublishReply {
    /// The message was published now.
    Published(Published),
    /// A repeat of an idempotent publish: the first call's response.
    Replayed(RecordedReply),
}

/// Publishes `message` on `cache/topic`: returns once every async delivery
/// is stored durably and every sync one attempted.
pub(crate) async fn publish(
    env: &Env,
    cache: &str,
    topic: &str,
    message: Message,
    publisher: Publisher<'_>,
) -> ApiResult<PublishReply> {
    let request = PublishRequest {
        cache: cache.to_owned(),
        topic: topic.to_owned(),
        token_id: publisher.token_id.to_owned(),
        external_api: publisher.origin == PublishOrigin::ExternalApi,
        sync_by_caller: true,
        message,
    };
    let client = TopicClient::new(env, cache, topic)?;
    let numbered = match &publisher.claim {
        None => client.publish(&request).await?,
        Some(claim) => match client.publish_idempotent(&request, claim).await? {
            Publication::Numbered(numbered) => numbered,
            Publication::Replayed(reply) => return Ok(PublishReply::Replayed(reply)),
        },
    };
    let published = attempt_sync(env, &request, &numbered)
        .await
        .map(|sync_deliveries| Published {
            cache: cache.to_owned(),
            topic: topic.to_owned(),
            topic_sequence_number: numbered.sequence,
            publish_timestamp: numbered.publish_timestamp,
            token_id: request.token_id.clone(),
            sync_deliveries,
            async_deliveries: numbered.handed_off,
        });
    if let Some(claim) = &publisher.claim
        && !numbered.sync.is_empty()
    {
        let reply = match &published {
            Ok(published) => RecordedReply::published(published)?,
            Err(err) => RecordedReply::failed(err),
        };
        if let Err(err) = client
            .complete_idempotent(&claim.key, numbered.sequence, &reply)
            .await
        {
            // Repeats get the response recorded when the message was
            // numbered (without the sync results).
            worker::console_error!("recording an idempotent response: {}", err.message);
        }
    }
    published.map(PublishReply::Published)
}

/// Attempts message `numbered` on the `sync` webhooks, each by its own
/// object; returns their attempts.
async fn attempt_sync(
    env: &Env,
    request: &PublishRequest,
    numbered: &Numbered,
) -> ApiResult<Vec<AttemptRecord>> {
    let attempts = join_all(numbered.sync.iter().map(|recipient| {
        let handoff = Handoff {
            generation: recipient.generation,
            messages: vec![Handed {
                topic: request.topic.clone(),
                sequence: numbered.sequence,
                publish_timestamp: numbered.publish_timestamp,
                token_id: request.token_id.clone(),
                message: request.message.clone(),
            }],
        };
        async move {
            AgentClient::new(env, &request.cache, &recipient.name)?
                .deliver(&handoff)
                .await
        }
    }))
    .await;
    Ok(attempts
        .into_iter()
        .collect::<ApiResult<Vec<Option<AttemptRecord>>>>()?
        .into_iter()
        .flatten()
        .collect())
}
