//! Deliveries of one webhook: hand-offs taken into the outbox, the alarm's
//! run that makes the due attempts, what follows each attempt (by the
//! core's [`next_step`]), and the sync, test and replay operations.
//!
//! A run starts attempts while they are due: at most [`MAX_IN_FLIGHT`] at
//! once (one for `fifo`, whose next message waits until the previous one is
//! delivered or given up), none before a `Retry-After` pause ends, and no
//! two closer than `maxRatePerSecond` allows. It makes at most
//! [`SUBREQUESTS_PER_RUN`] attempts, waits inside the run only for
//! attempts in flight or a start at most 2 s away, and then sets the alarm
//! for the next due time.

use core::future::Future;
use core::time::Duration;

use edgehooks_core::{Envelope, GONE_REASON, NextStep, Ordering, message_id, next_step};
use futures_util::future::{Either, select};
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde::Deserialize;
use serde_json::json;
use worker::{Delay, Response};

use super::client::{Accepted, Handoff};
use super::config::{self, StoredWebhook};
use super::log;
use super::object::WebhookAgent;
use super::outbox::{self, Due, GiveUp};
use crate::attempt::{AttemptError, AttemptRecord, Attempted, Outcome, attempt};
use crate::error::ApiResult;
use crate::http::{json_response, parse_json};
use crate::platform::{
    MAX_IN_FLIGHT, SUBREQUESTS_PER_RUN, disable_after_seconds, now_ms, random_bytes, url_policy,
};

/// The longest a run waits for the next start when nothing is in flight.
const MAX_WAIT_IN_RUN_MS: u64 = 2_000;

/// One alarm run; sets the next alarm when work is left.
pub(super) async fn run(agent: &WebhookAgent) {
    let next = match run_once(agent).await {
        Ok(next) => next,
        Err(err) => {
            worker::console_error!("webhook deliveries: {}", err.message);
            Some(now_ms() + 5_000)
        }
    };
    if let Some(at) = next
        && let Err(err) = agent.wake_at(at).await
    {
        worker::console_error!("webhook deliveries: setting the alarm: {}", err.message);
    }
}

/// Makes the due attempts; returns when the next one is due, if any.
async fn run_once(agent: &WebhookAgent) -> ApiResult<Option<u64>> {
    {
        let _change = agent.changes.lock().await;
        config::finish_sync(agent).await?;
    }
    let mut running = FuturesUnordered::new();
    let mut started = 0;
    loop {
        let webhook = agent.webhook();
        let receiving = webhook.as_ref().filter(|w| w.config.receiving());
        if webhook.is_some() && receiving.is_none() {
            // Switched off or disabled: what waits is kept for replay.
            outbox::give_up_pending(&agent.sql, now_ms())?;
        }
        let mut wait_until = None;
        if let Some(webhook) = receiving {
            while started < SUBREQUESTS_PER_RUN {
                let Some((id, at)) = next_start(agent, webhook, true)? else {
                    break;
                };
                if at > now_ms() {
                    wait_until = Some(at);
                    break;
                }
                let Some(due) = outbox::load(&agent.sql, id)? else {
                    break;
                };
                started += 1;
                running.push(start(agent, webhook, due));
            }
        }
        let now = now_ms();
        let short_wait = wait_until.filter(|&at| at <= now + MAX_WAIT_IN_RUN_MS);
        if running.is_empty() {
            match short_wait {
                Some(at) if started < SUBREQUESTS_PER_RUN => {
                    Delay::from(Duration::from_millis(at - now)).await;
                    continue;
                }
                _ => break,
            }
        }
        let done = match short_wait {
            Some(at) => {
                let pause = Box::pin(Delay::from(Duration::from_millis(at - now)));
                match select(running.next(), pause).await {
                    Either::Left((done, _)) => done,
                    Either::Right(_) => None,
                }
            }
            None => running.next().await,
        };
        if let Some((due, attempted)) = done {
            settle(agent, due, attempted).await?;
        }
    }
    let pending_left = started >= SUBREQUESTS_PER_RUN;
    Ok(match agent.webhook() {
        Some(webhook) if webhook.config.receiving() => {
            if pending_left {
                Some(now_ms())
            } else {
                next_start(agent, &webhook, false)?.map(|(_, at)| at)
            }
        }
        _ => None,
    })
}

/// The next message to start and when it may start (its due time, the end
/// of a pause, the pacing interval); `None` when nothing is pending or, if
/// `within_limit`, when as many attempts as allowed are in flight.
fn next_start(
    agent: &WebhookAgent,
    webhook: &StoredWebhook,
    within_limit: bool,
) -> ApiResult<Option<(u64, u64)>> {
    let fifo = webhook.config.ordering == Ordering::Fifo;
    let in_flight: Vec<u64> = agent.in_flight.borrow().iter().copied().collect();
    let limit = if fifo { 1 } else { MAX_IN_FLIGHT };
    if within_limit && in_flight.len() >= limit {
        return Ok(None);
    }
    let Some((id, due)) = outbox::next(&agent.sql, fifo, &in_flight)? else {
        return Ok(None);
    };
    let mut at = due.max(agent.paused_until.get());
    if let Some(interval) = webhook.config.attempt_interval_ms()
        && agent.last_start.get() > 0
    {
        at = at.max(agent.last_start.get() + interval);
    }
    Ok(Some((id, at)))
}

/// Starts the attempt of `due` now: marks it in flight and returns the
/// attempt, to be settled when it ends.
fn start(
    agent: &WebhookAgent,
    webhook: &StoredWebhook,
    due: Due,
) -> impl Future<Output = (Due, Attempted)> + use<> {
    agent.in_flight.borrow_mut().insert(due.id);
    let now = now_ms();
    agent.last_start.set(now);
    let number = due.attempts + 1;
    let id = message_id(&webhook.config.id.cache_name, &due.topic, due.sequence);
    let target = config::target(agent, webhook, &id, now);
    let envelope = Envelope {
        cache: webhook.config.id.cache_name.clone(),
        topic: due.topic.clone(),
        event_timestamp: due.publish_timestamp,
        publish_timestamp: due.publish_timestamp,
        topic_sequence_number: due.sequence,
        token_id: due.token_id.clone(),
        message: due.message.clone(),
    };
    let policy = url_policy(&agent.env);
    let name = webhook.config.id.webhook_name.clone();
    async move {
        let attempted = match target {
            Ok(target) => attempt(&target, envelope, number, policy).await,
            Err(err) => not_attempted(&name, &envelope, number, now, err.code.into_owned()),
        };
        (due, attempted)
    }
}

/// The record of an attempt that could not be made (the webhook's secrets
/// could not be opened): a failure like any other.
fn not_attempted(
    name: &str,
    envelope: &Envelope,
    number: u32,
    now: u64,
    code: String,
) -> Attempted {
    Attempted {
        record: AttemptRecord {
            webhook_name: name.to_owned(),
            webhook_id: String::new(),
            topic: envelope.topic.clone(),
            topic_sequence_number: envelope.topic_sequence_number,
            attempt: number,
            sent_at: now,
            delivered: false,
            status_code: None,
            latency_ms: 0,
            error: Some(AttemptError {
                code,
                message: "the request could not be signed".into(),
            }),
            outcome: None,
            next_retry_at: None,
        },
        failure: Some(edgehooks_core::AttemptFailure::RequestFailed),
        retry_after: None,
    }
}

/// Records what follows an attempt, by the core's rule: the message leaves
/// the outbox, waits for its retry (and a `Retry-After` pauses the
/// endpoint), or is given up; the attempt is logged and counted. A `410
/// Gone`, or failures for longer than the deployment allows, disable the
/// webhook. Returns the record as logged.
async fn settle(agent: &WebhookAgent, due: Due, attempted: Attempted) -> ApiResult<AttemptRecord> {
    agent.in_flight.borrow_mut().remove(&due.id);
    let mut record = attempted.record;
    let Some(webhook) = agent.webhook() else {
        return Ok(record); // deleted meanwhile: nothing is kept
    };
    let number = due.attempts + 1;
    let random = u32::from_le_bytes(random_bytes::<4>()?);
    let step = next_step(
        &webhook.config.retry,
        number,
        attempted.failure,
        attempted.retry_after,
        random,
    );
    let now = now_ms();
    let sql = &agent.sql;
    record.outcome = Some(match step {
        NextStep::Delivered => {
            outbox::delivered(sql, due.id)?;
            Outcome::Delivered
        }
        NextStep::Retry {
            delay,
            pause_endpoint,
        } => {
            let at = now + delay.as_millis() as u64;
            record.next_retry_at = Some(at);
            outbox::retry(sql, due.id, number, at)?;
            if pause_endpoint && at > agent.paused_until.get() {
                agent.paused_until.set(at);
                sql.set_meta("paused_until", &at)?;
            }
            Outcome::Retrying
        }
        NextStep::DeadLetter => {
            outbox::give_up(sql, due.id, number, now, GiveUp::DeadLettered)?;
            Outcome::DeadLettered
        }
        NextStep::TimedOut => {
            outbox::give_up(sql, due.id, number, now, GiveUp::TimedOut)?;
            Outcome::TimedOut
        }
        NextStep::Gone => {
            outbox::give_up(sql, due.id, number, now, GiveUp::Gone)?;
            Outcome::Gone
        }
    });
    let stats = log::append(sql, &record, true)?;
    let disable = if step == NextStep::Gone {
        Some(GONE_REASON.to_owned())
    } else if record.delivered {
        None
    } else {
        stats.disable_reason(now, disable_after_seconds(&agent.env))
    };
    if let Some(reason) = disable {
        config::disable(agent, webhook.generation, reason, stats.failing_since).await?;
    }
    Ok(record)
}

/// `POST /enqueue`: stores the messages a topic hands off (those for this
/// generation of the webhook, not taken before) and wakes the alarm. The
/// reply leaves only once they are durable.
pub(super) async fn enqueue(agent: &WebhookAgent, body: &[u8]) -> ApiResult<Response> {
    let handoffs: Vec<Handoff> = parse_json(body, false)?;
    let mut accepted = 0;
    if let Some(webhook) = agent.webhook() {
        let now = now_ms();
        for handoff in handoffs
            .iter()
            .filter(|h| h.generation == webhook.generation)
        {
            accepted += usize::from(outbox::take(&agent.sql, handoff, now)?);
        }
    }
    if accepted > 0 {
        agent.wake().await?;
    }
    json_response(200, &Accepted { accepted })
}

/// `POST /deliver`: a sync webhook's message, stored and attempted at once
/// (pauses and pacing do not hold it back: the publisher is waiting). A
/// failure continues on the retry path. Replies with the attempt, or
/// `null` when this webhook no longer takes the message.
pub(super) async fn deliver_now(agent: &WebhookAgent, body: &[u8]) -> ApiResult<Response> {
    let handoff: Handoff = parse_json(body, false)?;
    let webhook = match agent.webhook() {
        Some(w) if w.generation == handoff.generation && w.config.receiving() => w,
        _ => return json_response(200, &None::<AttemptRecord>),
    };
    let id = outbox::insert(&agent.sql, &handoff, now_ms())?;
    let due = Due {
        id,
        topic: handoff.topic,
        sequence: handoff.sequence,
        publish_timestamp: handoff.publish_timestamp,
        token_id: handoff.token_id,
        attempts: 0,
        message: handoff.message,
    };
    let (due, attempted) = start(agent, &webhook, due).await;
    let record = settle(agent, due, attempted).await?;
    if let Some(at) = record.next_retry_at {
        agent.wake_at(at).await?;
    }
    json_response(200, &Some(record))
}

/// `POST /test`: sends a test event now, whatever the webhook's state, and
/// returns the attempt (logged, not counted). The event is on the
/// webhook's first topic, with sequence number 0 and a text that says it is
/// a test.
pub(super) async fn test(agent: &WebhookAgent, token_id: &str) -> ApiResult<Response> {
    let stored = agent.existing()?;
    let id = &stored.config.id;
    let now = now_ms();
    let target = config::target(
        agent,
        &stored,
        &format!("test/{}/{}/{now}", id.cache_name, id.webhook_name),
        now,
    )?;
    let text = json!({"type": "edgehooks.test", "webhook": id.webhook_name}).to_string();
    let envelope = Envelope {
        cache: id.cache_name.clone(),
        topic: stored.config.topics.first().cloned().unwrap_or_default(),
        event_timestamp: now,
        publish_timestamp: now,
        topic_sequence_number: 0,
        token_id: token_id.to_owned(),
        message: edgehooks_core::Message::Text(text),
    };
    let attempted = attempt(&target, envelope, 1, url_policy(&agent.env)).await;
    log::append(&agent.sql, &attempted.record, false)?;
    json_response(200, &attempted.record)
}

/// The body of a replay.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReplayInput {
    /// Only messages given up at or after this time (ms).
    #[serde(default)]
    since: u64,
}

/// `POST .../replay`: every message given up (since a time) is pending
/// again, with a fresh schedule and its original `webhook-id`.
pub(super) async fn replay(agent: &WebhookAgent, body: &[u8]) -> ApiResult<Response> {
    let input: ReplayInput = parse_json(body, true)?;
    agent.existing()?;
    let replayed = outbox::replay(&agent.sql, input.since, now_ms())?;
    if replayed > 0 {
        agent.wake().await?;
    }
    json_response(200, &json!({ "replayed": replayed }))
}
