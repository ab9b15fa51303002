//! Delivery jobs: one message for one webhook, carried by the Cloudflare
//! Queue until it is delivered, dead-lettered or timed out.

use edgehooks_core::{Envelope, Message};
use serde::{Deserialize, Serialize};
use worker::{BatchMessageBuilder, Env, MessageBuilder, QueueContentType, SendMessage};

use crate::error::{ApiError, ApiResult};
use crate::store::json_text;

/// The queue binding (producer and consumer).
pub(crate) const DELIVERIES_QUEUE: &str = "DELIVERIES";
/// The most messages one `sendBatch` takes.
const MAX_BATCH_MESSAGES: usize = 100;
/// Stay under the 256 KB batch and 128 KB message limits.
const MAX_BATCH_BYTES: usize = 200 * 1024;

/// One message to deliver to one webhook, and how far it got.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryJob {
    pub(crate) cache: String,
    pub(crate) topic: String,
    pub(crate) webhook: String,
    /// The webhook's creation time: a job outlives neither its webhook nor
    /// a namesake created later.
    pub(crate) webhook_created_at: u64,
    pub(crate) sequence: u64,
    pub(crate) publish_timestamp: u64,
    pub(crate) token_id: String,
    /// Inline when small; large messages are read from KV by `body_key`.
    pub(crate) message: Option<Message>,
    pub(crate) body_key: Option<String>,
    /// The attempt this job makes (1 for the first).
    pub(crate) attempt: u32,
    /// When it was last tried and failed, for replays "since".
    #[serde(default)]
    pub(crate) failed_at: Option<u64>,
}

impl DeliveryJob {
    /// The envelope (its `event_timestamp` is set when sent), given the
    /// message read from wherever it is kept.
    pub(crate) fn envelope(&self, message: Message) -> Envelope {
        Envelope {
            cache: self.cache.clone(),
            topic: self.topic.clone(),
            event_timestamp: self.publish_timestamp,
            publish_timestamp: self.publish_timestamp,
            topic_sequence_number: self.sequence,
            token_id: self.token_id.clone(),
            message,
        }
    }
}

/// Enqueues `jobs`, each after its delay in seconds, and returns once the
/// queue has accepted them all.
pub(crate) async fn enqueue(env: &Env, jobs: Vec<(DeliveryJob, u32)>) -> ApiResult<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let queue = env.queue(DELIVERIES_QUEUE)?;
    let mut batch: Vec<SendMessage<String>> = Vec::new();
    let mut bytes = 0;
    for (job, delay) in jobs {
        let text = json_text(&job, "encoding job")?;
        if !batch.is_empty()
            && (batch.len() == MAX_BATCH_MESSAGES || bytes + text.len() > MAX_BATCH_BYTES)
        {
            send(&queue, core::mem::take(&mut batch)).await?;
            bytes = 0;
        }
        bytes += text.len();
        batch.push(
            MessageBuilder::new(text)
                .delay_seconds(delay)
                .content_type(QueueContentType::Text)
                .build(),
        );
    }
    send(&queue, batch).await
}

async fn send(queue: &worker::Queue, batch: Vec<SendMessage<String>>) -> ApiResult<()> {
    let batch = BatchMessageBuilder::new().messages(batch).build();
    queue
        .send_batch(batch)
        .await
        .map_err(|e| ApiError::internal("enqueueing deliveries", e))
}
