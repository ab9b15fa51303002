//! From a published message to attempts: numbering, fan-out, sync
//! deliveries, enqueueing the rest, and what follows each attempt
//! (retry, dead letter, auto-disable). Used by the publish call and by the
//! queue consumer alike.

use edgehooks_core::{
    DEFAULT_DISABLE_AFTER_SECONDS, DeliveryStats, Message, PublishOrigin, RetryDecision, UrlPolicy,
    message_id, plan_fan_out,
};
use futures_util::future::join_all;
use serde::Serialize;
use worker::{Env, Method};

use crate::api::target;
use crate::delivery::{AttemptRecord, Outcome, attempt};
use crate::error::{ApiError, ApiResult};
use crate::jobs::{DeliveryJob, enqueue};
use crate::log::AttemptReport;
use crate::platform::{now_ms, random_bytes, sealing_key, url_policy};
use crate::seal::Sealer;
use crate::store::{Store, StoredWebhook, json_reply, json_text};
use crate::topic::PublishRequest;

/// Messages larger than this travel by reference (KV), not in the job.
const MAX_INLINE_MESSAGE_BYTES: usize = 96 * 1024;
/// How long a large message's body is kept for retries and replays.
const MESSAGE_TTL_SECONDS: u64 = 8 * 24 * 3600;
/// The topic of the service's own events, in each cache.
pub(crate) const SYSTEM_TOPIC: &str = "edgehooks.system";

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
    /// How many `async` deliveries were durably enqueued.
    pub(crate) async_deliveries: usize,
}

/// An attempt made and decided: what to log, and the retry to enqueue.
pub(crate) struct Attempted {
    pub(crate) report: AttemptReport,
    pub(crate) retry: Option<(DeliveryJob, u32)>,
}

/// The context of delivery work: state, settings and the sealer.
pub(crate) struct Dispatcher<'a> {
    pub(crate) env: &'a Env,
    pub(crate) store: &'a Store,
    policy: UrlPolicy,
    /// Built once per dispatcher (a consumer batch opens many secrets);
    /// the error when the deployment has no valid sealing key.
    sealer: ApiResult<Sealer>,
}

impl<'a> Dispatcher<'a> {
    pub(crate) fn new(env: &'a Env, store: &'a Store) -> Self {
        Dispatcher {
            env,
            store,
            policy: url_policy(env),
            sealer: sealing_key(env).map(|key| Sealer::new(&key)),
        }
    }

    fn sealer(&self) -> ApiResult<&Sealer> {
        self.sealer
            .as_ref()
            .map_err(|e| ApiError::new(e.status, e.code, e.message.clone()))
    }

    /// Publishes `message`: numbers it, enqueues the `async` deliveries,
    /// delivers to `sync` webhooks, and returns once their retries are
    /// enqueued too.
    pub(crate) async fn publish(
        &self,
        cache: &str,
        topic: &str,
        message: Message,
        origin: PublishOrigin,
        token_id: &str,
    ) -> ApiResult<Published> {
        let request = PublishRequest {
            cache: cache.to_owned(),
            topic: topic.to_owned(),
            message,
            token_id: token_id.to_owned(),
        };
        let next = self.store.next_message(&request).await?;
        let message = request.message;
        let publish_timestamp = next.publish_timestamp;
        let plan = plan_fan_out(&next.subscribers, topic, origin);
        let mut published = Published {
            cache: cache.to_owned(),
            topic: topic.to_owned(),
            topic_sequence_number: next.sequence,
            publish_timestamp,
            token_id: token_id.to_owned(),
            sync_deliveries: Vec::new(),
            async_deliveries: plan.background.len(),
        };
        if plan.is_empty() {
            return Ok(published);
        }
        let mut job = DeliveryJob {
            cache: cache.to_owned(),
            topic: topic.to_owned(),
            webhook: String::new(),
            webhook_created_at: 0,
            sequence: next.sequence,
            publish_timestamp,
            token_id: token_id.to_owned(),
            message: None,
            body_key: None,
            attempt: 1,
            failed_at: None,
        };
        let envelope = job.envelope(message.clone());
        if message.as_bytes().len() > MAX_INLINE_MESSAGE_BYTES {
            let key = format!("message/{cache}/{topic}/{}", next.sequence);
            self.store
                .put_message(&key, &message, MESSAGE_TTL_SECONDS)
                .await?;
            job.body_key = Some(key);
        } else {
            job.message = Some(message);
        }
        let job_for = |webhook: &StoredWebhook| DeliveryJob {
            webhook: webhook.config.id.webhook_name.clone(),
            webhook_created_at: webhook.created_at,
            ..job.clone()
        };
        // The async deliveries are made durable first, before any sync
        // delivery, so a failure here leaves nothing delivered twice.
        let background = plan.background.iter().map(|w| (job_for(w), 0)).collect();
        enqueue(self.env, background).await?;
        let mut retries = Vec::new();

        let sealer = self.sealer()?;
        let id = message_id(cache, topic, next.sequence);
        let sync = plan
            .sync
            .iter()
            .map(|w| Ok((*w, target(w, sealer, &id, publish_timestamp)?)))
            .collect::<ApiResult<Vec<_>>>()?;
        let results = join_all(
            sync.iter()
                .map(|(_, t)| attempt(t, envelope.clone(), 1, self.policy)),
        )
        .await;
        for ((webhook, _), record) in sync.into_iter().zip(results) {
            let attempted = self.decide(webhook, &job_for(webhook), record)?;
            self.log_attempts(webhook, core::slice::from_ref(&attempted.report))
                .await?;
            retries.extend(attempted.retry);
            published.sync_deliveries.push(attempted.report.attempt);
        }
        enqueue(self.env, retries).await?;
        Ok(published)
    }

    /// Decides what follows `record`, an attempt of `job` to `webhook`:
    /// the report for the webhook's log, and the retry to enqueue, if any.
    fn decide(
        &self,
        webhook: &StoredWebhook,
        job: &DeliveryJob,
        mut record: AttemptRecord,
    ) -> ApiResult<Attempted> {
        let mut retry = None;
        let mut undelivered = None;
        if record.delivered {
            record.outcome = Some(Outcome::Delivered);
        } else {
            let random = u32::from_le_bytes(random_bytes::<4>()?);
            match webhook.config.retry.after_failure(job.attempt, random) {
                RetryDecision::RetryAfter(delay) => {
                    record.outcome = Some(Outcome::Retrying);
                    record.next_retry_at = Some(record.sent_at + delay.as_millis() as u64);
                    let next = DeliveryJob {
                        attempt: job.attempt + 1,
                        ..job.clone()
                    };
                    retry = Some((next, delay.as_secs_f64().round().max(1.0) as u32));
                }
                decision => {
                    record.outcome = Some(if decision == RetryDecision::TimedOut {
                        Outcome::TimedOut
                    } else {
                        Outcome::DeadLettered
                    });
                    undelivered = Some(DeliveryJob {
                        failed_at: Some(record.sent_at),
                        ..job.clone()
                    });
                }
            }
        }
        Ok(Attempted {
            retry,
            report: AttemptReport {
                attempt: record,
                undelivered,
                test: false,
            },
        })
    }

    /// Writes attempts of `webhook` to its log in one call, then disables
    /// the webhook if it has failed for too long.
    pub(crate) async fn log_attempts(
        &self,
        webhook: &StoredWebhook,
        reports: &[AttemptReport],
    ) -> ApiResult<()> {
        let stats = self.report(webhook, reports).await?;
        if reports.iter().any(|r| !r.attempt.delivered && !r.test) {
            self.disable_if_failing(webhook, &stats).await?;
        }
        Ok(())
    }

    /// Writes attempts to the webhook's log; returns its statistics.
    async fn report(
        &self,
        webhook: &StoredWebhook,
        reports: &[AttemptReport],
    ) -> ApiResult<DeliveryStats> {
        let body = json_text(reports, "encoding attempt")?;
        let id = &webhook.config.id;
        let response = self
            .store
            .log_call(
                &id.cache_name,
                &id.webhook_name,
                Method::Post,
                "/attempts",
                Some(body),
            )
            .await?;
        json_reply(response, "reading statistics").await
    }

    /// Disables a webhook that failed for the configured period without a
    /// success, and publishes a `webhook.disabled` event on the cache's
    /// system topic.
    async fn disable_if_failing(
        &self,
        webhook: &StoredWebhook,
        stats: &DeliveryStats,
    ) -> ApiResult<()> {
        let period = self
            .env
            .var("AUTO_DISABLE_AFTER_SECONDS")
            .ok()
            .and_then(|v| v.to_string().parse().ok())
            .unwrap_or(DEFAULT_DISABLE_AFTER_SECONDS);
        let Some(reason) = stats.disable_reason(now_ms(), period) else {
            return Ok(());
        };
        let id = &webhook.config.id;
        let Some(mut current) = self.store.webhook(&id.cache_name, &id.webhook_name).await? else {
            return Ok(());
        };
        if current.config.disabled_reason.is_some() || current.created_at != webhook.created_at {
            return Ok(());
        }
        current.config.disabled_reason = Some(reason.clone());
        current.updated_at = now_ms();
        self.store
            .put_webhook(&current, &current.config.topics)
            .await?;
        let event = serde_json::json!({
            "type": "webhook.disabled",
            "cache": id.cache_name,
            "webhook": id.webhook_name,
            "reason": reason,
            "failingSince": stats.failing_since,
        });
        Box::pin(self.publish(
            &id.cache_name,
            SYSTEM_TOPIC,
            Message::Text(event.to_string()),
            PublishOrigin::Operator,
            "",
        ))
        .await?;
        Ok(())
    }

    /// Makes the attempt a queued job asks for, if its webhook (`webhook`:
    /// the topic's current copy, `None` once deleted or moved off the topic)
    /// still wants it; the caller logs the report and enqueues the retry.
    pub(crate) async fn deliver(
        &self,
        job: DeliveryJob,
        webhook: Option<&StoredWebhook>,
    ) -> ApiResult<Option<Attempted>> {
        let Some(webhook) = webhook else {
            return Ok(None);
        };
        let origin = if job.token_id.is_empty() {
            PublishOrigin::Operator
        } else {
            PublishOrigin::ExternalApi
        };
        if webhook.created_at != job.webhook_created_at
            || !webhook.config.receives(&job.topic, origin)
        {
            return Ok(None); // replaced by a namesake, inactive or disabled
        }
        let message = match (&job.message, &job.body_key) {
            (Some(message), _) => message.clone(),
            (None, Some(key)) => match self.store.message(key).await? {
                Some(message) => message,
                None => return Ok(None), // expired
            },
            (None, None) => return Ok(None),
        };
        let now = now_ms();
        let id = message_id(&job.cache, &job.topic, job.sequence);
        let target = target(webhook, self.sealer()?, &id, now)?;
        let record = attempt(&target, job.envelope(message), job.attempt, self.policy).await;
        self.decide(webhook, &job, record).map(Some)
    }
}
