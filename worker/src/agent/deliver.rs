//! Deliveries of one webhook: hand-offs taken into the outbox, the delivery
//! task that makes the due attempts, what follows each attempt (by the
//! core's [`next_step`]), and the sync, test and replay operations.
//!
//! A hand-off starts the delivery task at once, in the background (or asks
//! the running one to look again); the alarm starts it for retries that are
//! due later, and as a watchdog. The task starts attempts while they are
//! due: at most [`MAX_IN_FLIGHT`] at once (one for `fifo`, whose next
//! message waits until the previous one is delivered or given up), none
//! before a `Retry-After` pause ends, and no two closer than
//! `maxRatePerSecond` allows. It makes at most [`SUBREQUESTS_PER_RUN`]
//! attempts, waits only for attempts in flight or a paced start at most
//! 2 s away, and then sets the alarm for the next due time.

use core::future::Future;
use core::time::Duration;
use std::rc::Rc;

use edgehooks_core::service::{
    AttemptFailure, GONE_REASON, NextStep, Ordering, message_id, next_step,
};
use edgehooks_core::{Envelope, delivery_id};
use futures_util::FutureExt;
use futures_util::future::{Either, select};
use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::json;
use worker::{Delay, Response};

use super::client::{Handoff, ReplayWindow};
use super::config;
use super::log;
use super::outbox::{self, GiveUp};
use super::state::{Agent, Due, StoredWebhook, Ticket};
use crate::attempt::{AttemptError, AttemptRecord, Attempted, Outcome, attempt};
use crate::error::{ApiError, ApiResult};
use crate::http::{json_response, no_content, parse_json};
use crate::platform::{
    MAX_IN_FLIGHT, SUBREQUESTS_PER_RUN, disable_after_seconds, now_ms, url_policy,
};

/// The longest a task waits for the next start when nothing is in flight.
const MAX_WAIT_IN_RUN_MS: u64 = 2_000;

/// Most message bytes kept in memory for rows just stored.
const FRESH_BYTES: usize = 1024 * 1024;

/// How far ahead the alarm is set while a task runs or messages wait: if
/// the task stops (the runtime restarts), the alarm resumes it.
pub(super) const WATCHDOG_MS: u64 = 10_000;

/// Starts the delivery task in the background, or asks the running one to
/// look again.
fn start_task(agent: &Rc<Agent>) {
    if agent.delivering.replace(true) {
        agent.again.set(true);
        return;
    }
    let agent = Rc::clone(agent);
    worker::wasm_bindgen_futures::spawn_local(async move { work(&agent).await });
}

/// The delivery task (the caller has set `delivering`): finishes an
/// interrupted change, makes the due attempts, and sets the next alarm.
pub(super) async fn work(agent: &Agent) {
    let next = match run(agent).await {
        Ok(next) => next,
        Err(err) => {
            worker::console_error!("webhook deliveries: {}", err.message);
            Some(now_ms() + 5_000)
        }
    };
    agent.delivering.set(false);
    // The watchdog set while the task ran gives way to the next due time
    // or retention sweep, or to no alarm at all: an idle webhook with
    // nothing kept is not woken.
    let sweep = agent.webhook().map(|_| agent.next_sweep.get());
    let next = match (next, sweep) {
        (Some(due), Some(sweep)) => Some(due.min(sweep)),
        (due, sweep) => due.or(sweep),
    };
    let mut set = agent.replace_alarm(next).await;
    if set.is_ok() && agent.delivering.get() {
        // A task started meanwhile: it keeps its watchdog.
        set = agent.wake_at(now_ms() + WATCHDOG_MS).await;
    }
    if let Err(err) = set {
        worker::console_error!("webhook deliveries: setting the alarm: {}", err.message);
    }
}

/// Makes the due attempts; returns when the next one is due, if any.
async fn run(agent: &Agent) -> ApiResult<Option<u64>> {
    if agent.sync_pending.get() {
        let _change = agent.changes.lock().await;
        config::finish_sync(agent).await?;
    }
    agent.wake_at(now_ms() + WATCHDOG_MS).await?;
    let mut running = FuturesUnordered::new();
    let mut started = 0;
    loop {
        agent.again.set(false);
        let webhook = agent.webhook();
        let receiving = webhook.as_ref().filter(|w| w.config.receiving());
        if webhook.is_some() && receiving.is_none() {
            // Switched off or disabled: what waits is kept for replay.
            outbox::give_up_pending(agent, now_ms())?;
        }
        // Start what is due; `wait_until` is when the next one may start
        // (a retry falls due, a pause ends, the pacing allows).
        let mut wait_until = None;
        if let Some(webhook) = receiving {
            let fifo = webhook.config.ordering == Ordering::Fifo;
            let limit = if fifo { 1 } else { MAX_IN_FLIGHT };
            while started < SUBREQUESTS_PER_RUN && agent.in_flight.borrow().len() < limit {
                let now = now_ms();
                let gate = start_gate(agent, webhook);
                if gate > now {
                    wait_until = next_due_at(agent, fifo)?.map(|due| due.max(gate));
                    break;
                }
                let Some(due) = next_due(agent, fifo, now)? else {
                    // Nothing due now: wake for the next retry, if it is near.
                    wait_until = next_due_at(agent, fifo)?.map(|due| due.max(gate));
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
                    Delay::from(Duration::from_millis(at.saturating_sub(now))).await;
                    continue;
                }
                _ if agent.again.get() && started < SUBREQUESTS_PER_RUN => continue,
                _ => break,
            }
        }
        let done = match short_wait {
            Some(at) => {
                let pause = Box::pin(Delay::from(Duration::from_millis(at.saturating_sub(now))));
                match select(running.next(), pause).await {
                    Either::Left((done, _)) => done,
                    Either::Right(_) => None,
                }
            }
            None => running.next().await,
        };
        if let Some(first) = done {
            let mut ended = vec![first];
            while let Some(Some(more)) = running.next().now_or_never() {
                ended.push(more);
            }
            settle(agent, ended).await?;
        }
    }
    Ok(match agent.webhook() {
        Some(webhook) if webhook.config.receiving() => {
            if started >= SUBREQUESTS_PER_RUN {
                Some(now_ms())
            } else {
                let fifo = webhook.config.ordering == Ordering::Fifo;
                next_due_at(agent, fifo)?.map(|due| due.max(start_gate(agent, &webhook)))
            }
        }
        _ => None,
    })
}

/// The rows in flight now.
fn in_flight(agent: &Agent) -> Vec<u64> {
    agent.in_flight.borrow().iter().copied().collect()
}

/// How many pending messages are not in flight.
fn waiting(agent: &Agent) -> ApiResult<u64> {
    let in_flight = agent.in_flight.borrow().len() as u64;
    Ok(outbox::pending(agent)?.saturating_sub(in_flight))
}

/// The next message to attempt, if one is due at `now`: the oldest of the
/// rows just stored when they are all that waits (nothing to look up),
/// none while the bound on the next due time is later than now, otherwise
/// by [`outbox::due`].
fn next_due(agent: &Agent, fifo: bool, now: u64) -> ApiResult<Option<Due>> {
    let waiting = waiting(agent)?;
    let mut fresh = agent.fresh.borrow_mut();
    if waiting == 0 || fresh.len() as u64 != waiting {
        fresh.clear();
    }
    if waiting == 0 {
        return Ok(None);
    }
    if let Some(due) = fresh.pop_front() {
        return Ok(Some(due));
    }
    drop(fresh);
    if agent.earliest_due.get().is_some_and(|at| at > now) {
        return Ok(None);
    }
    outbox::due(&agent.sql, fifo, &in_flight(agent), now)
}

/// When the next message to attempt is due, if any waits: the bound when
/// it is still ahead, otherwise looked up (which renews the bound).
fn next_due_at(agent: &Agent, fifo: bool) -> ApiResult<Option<u64>> {
    if waiting(agent)? == 0 {
        return Ok(None);
    }
    if let Some(at) = agent.earliest_due.get().filter(|&at| at > now_ms()) {
        return Ok(Some(at));
    }
    let next = outbox::next_due_at(&agent.sql, fifo, &in_flight(agent))?;
    agent.earliest_due.set(Some(next.unwrap_or(u64::MAX)));
    Ok(next)
}

/// The earliest time an attempt may start: after a `Retry-After` pause,
/// and one pacing interval after the last start.
fn start_gate(agent: &Agent, webhook: &StoredWebhook) -> u64 {
    let paced = match webhook.config.attempt_interval_ms() {
        Some(interval) if agent.last_start.get() > 0 => agent.last_start.get() + interval,
        _ => 0,
    };
    agent.paused_until.get().max(paced)
}

/// Starts the attempt of `due` now: marks it in flight and returns the
/// attempt, to be settled when it ends.
fn start(
    agent: &Agent,
    webhook: &Rc<StoredWebhook>,
    due: Due,
) -> impl Future<Output = (Ticket, Attempted)> + use<> {
    let ticket = Ticket {
        id: due.id,
        attempts: due.attempts,
        epoch: due.epoch,
    };
    agent.in_flight.borrow_mut().insert(due.id);
    let now = now_ms();
    agent.last_start.set(now);
    let number = due.attempts + 1;
    let config = &webhook.config;
    let id = message_id(&config.id.cache_name, &due.topic, due.sequence);
    let signer = config::signer(agent, webhook, now);
    let envelope = Envelope {
        cache: config.id.cache_name.clone(),
        topic: due.topic,
        event_timestamp: due.publish_timestamp,
        publish_timestamp: due.publish_timestamp,
        topic_sequence_number: due.sequence,
        token_id: due.token_id,
        message: due.message,
    };
    let policy = url_policy(&agent.env);
    let webhook = Rc::clone(webhook);
    let tokens = Rc::clone(&agent.tokens);
    async move {
        let delivery_id = delivery_id(&id, &webhook.config.id.webhook_name);
        let attempted = match signer {
            Ok(signer) => {
                let target = signer.target(&webhook, &tokens, policy, delivery_id);
                attempt(&target, envelope, number, policy).await
            }
            Err(err) => not_signed(&webhook.config.id.webhook_name, &envelope, number, now, err),
        };
        (ticket, attempted)
    }
}

/// The record of an attempt that could not be made (the webhook's secrets
/// could not be opened): a failure like any other.
fn not_signed(name: &str, envelope: &Envelope, number: u32, now: u64, err: ApiError) -> Attempted {
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
                code: err.code.into_owned(),
                message: "the request could not be signed".into(),
            }),
            outcome: None,
            next_retry_at: None,
        },
        failure: Some(AttemptFailure::RequestFailed),
        retry_after: None,
    }
}

/// A webhook to disable after an attempt: its generation, why, and since
/// when it has been failing.
struct Disable {
    generation: u64,
    reason: String,
    failing_since: Option<u64>,
}

/// Records what follows an attempt, by the core's rule: the message leaves
/// the outbox, waits for its retry (and a `Retry-After` pauses the
/// endpoint), or is given up; the attempt is logged and counted. All in
/// one synchronous step, so the attempts that ended together commit
/// together. A `410 Gone`, or failures for longer than the deployment
/// allows, ask for the webhook to be disabled.
fn record(
    agent: &Agent,
    due: &Ticket,
    attempted: Attempted,
) -> ApiResult<(AttemptRecord, Option<Disable>)> {
    agent.in_flight.borrow_mut().remove(&due.id);
    let mut record = attempted.record;
    let Some(webhook) = agent.webhook() else {
        return Ok((record, None)); // deleted meanwhile: nothing is kept
    };
    let number = due.attempts + 1;
    let random = agent.jitter.borrow_mut().u32(..);
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
            outbox::delivered(agent, due.id)?;
            Outcome::Delivered
        }
        NextStep::Retry {
            delay,
            pause_endpoint,
        } => {
            let at = now + delay.as_millis() as u64;
            record.next_retry_at = Some(at);
            outbox::retry(agent, due, number, at)?;
            if pause_endpoint && at > agent.paused_until.get() {
                agent.paused_until.set(at);
                sql.set_meta("paused_until", &at)?;
            }
            Outcome::Retrying
        }
        NextStep::DeadLetter => {
            outbox::give_up(agent, due, number, now, GiveUp::DeadLettered)?;
            Outcome::DeadLettered
        }
        NextStep::TimedOut => {
            outbox::give_up(agent, due, number, now, GiveUp::TimedOut)?;
            Outcome::TimedOut
        }
        NextStep::Gone => {
            outbox::give_up(agent, due, number, now, GiveUp::Gone)?;
            Outcome::Gone
        }
    });
    let stats = log::append(agent, &record, true)?;
    let reason = if step == NextStep::Gone {
        Some(GONE_REASON.to_owned())
    } else if record.delivered {
        None
    } else {
        stats.disable_reason(now, disable_after_seconds(&agent.env))
    };
    let disable = reason.map(|reason| Disable {
        generation: webhook.generation,
        reason,
        failing_since: stats.failing_since,
    });
    Ok((record, disable))
}

/// Records `done` and every other attempt that has ended by now, in one
/// step; then disables the webhook if one of them asked for it.
async fn settle(agent: &Agent, done: Vec<(Ticket, Attempted)>) -> ApiResult<Vec<AttemptRecord>> {
    let mut records = Vec::with_capacity(done.len());
    let mut disable = None;
    for (due, attempted) in done {
        let (record, asked) = record(agent, &due, attempted)?;
        records.push(record);
        disable = disable.or(asked);
    }
    if let Some(Disable {
        generation,
        reason,
        failing_since,
    }) = disable
    {
        config::disable(agent, generation, reason, failing_since).await?;
    }
    Ok(records)
}

/// `POST /enqueue`: stores the messages a topic hands off (if they are for
/// this generation of the webhook, and not taken before) and starts
/// delivering them. The reply leaves only once they are durable.
pub(super) async fn enqueue(agent: &Rc<Agent>, body: &[u8]) -> ApiResult<Response> {
    let handoff: Handoff = parse_json(body, false)?;
    let Some(webhook) = agent.webhook() else {
        return no_content();
    };
    if handoff.generation != webhook.generation {
        return no_content();
    }
    let stored = outbox::take(agent, handoff.messages, now_ms())?;
    if stored.is_empty() {
        return no_content();
    }
    {
        let mut fresh = agent.fresh.borrow_mut();
        let kept: usize = fresh.iter().map(Due::size).sum();
        if kept + stored.iter().map(Due::size).sum::<usize>() <= FRESH_BYTES {
            fresh.extend(stored);
        } else {
            fresh.clear();
        }
    }
    agent.wake_at(now_ms() + WATCHDOG_MS).await?;
    start_task(agent);
    no_content()
}

/// `POST /deliver`: a sync webhook's message, stored and attempted at once
/// (pauses and pacing do not hold it back: the publisher is waiting). A
/// failure continues on the retry path. Replies with the attempt, or
/// `null` when this webhook no longer takes the message.
pub(super) async fn deliver_now(agent: &Rc<Agent>, body: &[u8]) -> ApiResult<Response> {
    let handoff: Handoff = parse_json(body, false)?;
    let webhook = match agent.webhook() {
        Some(w) if w.generation == handoff.generation && w.config.receiving() => w,
        _ => return json_response(200, &None::<AttemptRecord>),
    };
    let Some(handed) = handoff.messages.into_iter().next() else {
        return json_response(200, &None::<AttemptRecord>);
    };
    let due = outbox::insert(agent, handed, now_ms())?;
    let ended = start(agent, &webhook, due).await;
    let Some(record) = settle(agent, vec![ended]).await?.pop() else {
        return json_response(200, &None::<AttemptRecord>);
    };
    if let Some(at) = record.next_retry_at {
        agent.wake_at(at).await?;
    }
    json_response(200, &Some(record))
}

/// `POST /test`: sends a test event now, whatever the webhook's state, and
/// returns the attempt (logged, not counted). The event is on the
/// webhook's first topic, with sequence number 0 and a text that says it is
/// a test.
pub(super) async fn test(agent: &Agent, token_id: &str) -> ApiResult<Response> {
    let stored = agent.existing()?;
    let id = &stored.config.id;
    let now = now_ms();
    let signer = config::signer(agent, &stored, now)?;
    let policy = url_policy(&agent.env);
    let target = signer.target(
        &stored,
        &agent.tokens,
        policy,
        delivery_id(
            &format!("test/{}/{}/{now}", id.cache_name, id.webhook_name),
            &id.webhook_name,
        ),
    );
    let text = json!({"type": "edgehooks.test", "webhook": id.webhook_name}).to_string();
    let envelope = Envelope {
        cache: id.cache_name.clone(),
        // A stored configuration always has at least one topic.
        topic: stored.config.topics[0].clone(),
        event_timestamp: now,
        publish_timestamp: now,
        topic_sequence_number: 0,
        token_id: token_id.to_owned(),
        message: edgehooks_core::Message::Text(text),
    };
    let attempted = attempt(&target, envelope, 1, policy).await;
    log::append(agent, &attempted.record, false)?;
    json_response(200, &attempted.record)
}

/// `POST /requeue`: the messages of a [`ReplayWindow`] are pending again,
/// due now with a fresh schedule and their original `webhook-id`; replies
/// how many (`replayed`), of which `undelivered` were waiting or given up
/// and `delivered` had been delivered.
pub(super) async fn replay(agent: &Rc<Agent>, body: &[u8]) -> ApiResult<Response> {
    let window: ReplayWindow = parse_json(body, false)?;
    agent.existing()?;
    let (undelivered, delivered) = outbox::requeue(agent, &window, now_ms())?;
    if undelivered + delivered > 0 {
        agent.wake_at(now_ms() + WATCHDOG_MS).await?;
        start_task(agent);
    }
    json_response(
        200,
        &json!({
            "replayed": undelivered + delivered,
            "undelivered": undelivered,
            "delivered": delivered,
        }),
    )
}
