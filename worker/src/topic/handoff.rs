//! Hand-offs: a topic's stored messages taken to the webhooks that receive
//! them.
//!
//! A publish that stores hand-offs starts a round at once (or asks the
//! running one for another); the alarm, set a few seconds ahead, resumes
//! them after a restart. A round reads the hand-offs grouped by webhook,
//! oldest first, and makes one call per webhook
//! carrying its messages (at most 1 MiB of JSON, measured after encoding;
//! each message encoded once per round), at most [`MAX_IN_FLIGHT`] calls at
//! once and [`SUBREQUESTS_PER_RUN`] per round. A webhook's object answers
//! only once it has stored what it took, and only then are its rows
//! deleted, so a crash on either side makes the hand-off again (the webhook
//! drops what it already has). Every webhook gets its messages in sequence
//! order: only one round runs at a time, and a later row is never sent
//! before an earlier one is acknowledged. A failed call is retried with
//! backoff for that webhook alone. A message is deleted once all its
//! hand-offs are made.

use core::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use futures_util::future::{Either, select};
use futures_util::{StreamExt, stream};
use serde::Deserialize;
use worker::Delay;

use super::state::{TopicName, TopicState};
use crate::agent::client::{AgentClient, Handed};
use crate::error::{ApiError, ApiResult};
use crate::platform::{MAX_IN_FLIGHT, SUBREQUESTS_PER_RUN, now_ms};
use crate::sql::{Value, as_text, as_u64, int, into_bytes};

/// Webhooks read per round (some may be waiting for a retry).
const GROUPS_PER_ROUND: u64 = 2 * SUBREQUESTS_PER_RUN as u64;
/// Rounds one task makes before it leaves the rest to the alarm (each
/// invocation makes a bounded number of calls).
const ROUNDS_PER_TASK: usize = 4;
/// How long a round that follows another waits first: under load it then
/// carries everything published meanwhile, several messages per call
/// (each call costs a commit on the webhook's side). A round after a quiet
/// spell starts at once.
const ROUND_SPACING_MS: u64 = 10;
/// Most JSON bytes in one call (one message always goes, whatever its size).
const CALL_BYTES: usize = 1024 * 1024;
/// Most bytes of encoded messages a round keeps for reuse across calls.
const CACHE_BYTES: usize = 8 * 1024 * 1024;
/// A call not answered in this time counts as failed.
const CALL_TIMEOUT_MS: u64 = 30_000;

/// A webhook (name and generation) with the messages it is owed, in order.
struct Group {
    webhook: String,
    generation: u64,
    sequences: Vec<u64>,
}

/// Starts hand-off rounds in the background, or asks the running task for
/// one more round.
pub(super) fn start(topic: &Rc<TopicState>) {
    if topic.handing_off.replace(true) {
        topic.again.set(true);
        return;
    }
    let topic = Rc::clone(topic);
    worker::wasm_bindgen_futures::spawn_local(async move {
        let mut next = None;
        for round_number in 0..ROUNDS_PER_TASK {
            if round_number > 0 {
                Delay::from(core::time::Duration::from_millis(ROUND_SPACING_MS)).await;
            }
            topic.again.set(false);
            next = match round(&topic).await {
                Ok(next) => next,
                Err(err) => {
                    worker::console_error!("topic hand-off: {}", err.message);
                    Some(now_ms() + 1_000)
                }
            };
            let due_now = next.is_some_and(|at| at <= now_ms());
            if !due_now && !topic.again.get() {
                break;
            }
            next = next.or(Some(now_ms()));
        }
        topic.handing_off.set(false);
        if let Some(at) = next
            && let Err(err) = topic.wake_at(at.max(now_ms())).await
        {
            worker::console_error!("topic hand-off: setting the alarm: {}", err.message);
        }
        if topic.again.get() {
            start(&topic);
        }
    });
}

#[derive(Deserialize)]
struct GroupRow {
    webhook: String,
    generation: u64,
    /// The group's sequence numbers, comma-separated.
    seqs: String,
}

/// Makes one round of hand-offs; returns when to run again, if ever.
async fn round(topic: &TopicState) -> ApiResult<Option<u64>> {
    let Some(name) = topic.name.borrow().clone() else {
        return Ok(None);
    };
    // One row per webhook, oldest first; sorted and bounded in SQLite.
    let rows: Vec<GroupRow> = topic.sql.rows(
        "SELECT webhook, generation, group_concat(seq) AS seqs FROM handoffs \
         GROUP BY webhook, generation ORDER BY MIN(seq) LIMIT ?",
        vec![int(GROUPS_PER_ROUND)],
    )?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut more = rows.len() as u64 == GROUPS_PER_ROUND;
    let now = now_ms();
    let mut next: Option<u64> = None;
    let mut ready = Vec::new();
    for row in rows {
        let mut sequences: Vec<u64> = row.seqs.split(',').filter_map(|s| s.parse().ok()).collect();
        sequences.sort_unstable();
        let group = Group {
            webhook: row.webhook,
            generation: row.generation,
            sequences,
        };
        match topic.backoff.retry_at(&group.webhook, group.generation) {
            Some(at) if at > now => next = Some(next.map_or(at, |n| n.min(at))),
            _ => ready.push(group),
        }
    }
    if ready.len() > SUBREQUESTS_PER_RUN {
        ready.truncate(SUBREQUESTS_PER_RUN);
        more = true;
    }
    let (first, last) = ready
        .iter()
        .filter_map(|g| Some((*g.sequences.first()?, *g.sequences.last()?)))
        .fold((u64::MAX, 0), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)));
    let messages = Messages::new(topic, &name);
    let results: Vec<(Group, ApiResult<u64>)> = stream::iter(ready)
        .map(|group| {
            let (messages, name) = (&messages, &name);
            async move {
                let result = hand_off(topic, name, messages, &group).await;
                (group, result)
            }
        })
        .buffer_unordered(MAX_IN_FLIGHT)
        .collect()
        .await;
    for (group, result) in results {
        match result {
            Ok(sent) => {
                topic.sql.exec(
                    "DELETE FROM handoffs WHERE webhook = ? AND generation = ? AND seq <= ?",
                    vec![
                        group.webhook.as_str().into(),
                        int(group.generation),
                        int(sent),
                    ],
                )?;
                topic.backoff.succeeded(&group.webhook, group.generation);
                more |= group.sequences.last().is_some_and(|&l| l > sent);
            }
            Err(err) => {
                worker::console_error!("hand-off to {}: {}", group.webhook, err.message);
                let at = topic
                    .backoff
                    .failed(&group.webhook, group.generation, now_ms());
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
    }
    if first <= last {
        topic.sql.exec(
            "DELETE FROM messages WHERE seq BETWEEN ? AND ? \
             AND NOT EXISTS (SELECT 1 FROM handoffs WHERE handoffs.seq = messages.seq)",
            vec![int(first), int(last)],
        )?;
    }
    Ok(if more { Some(now_ms()) } else { next })
}

/// The round's messages, each read and encoded once (up to
/// [`CACHE_BYTES`]; past that, again for each call).
struct Messages<'a> {
    topic: &'a TopicState,
    name: &'a TopicName,
    encoded: RefCell<BTreeMap<u64, Option<Rc<Vec<u8>>>>>,
    bytes: RefCell<usize>,
}

impl<'a> Messages<'a> {
    fn new(topic: &'a TopicState, name: &'a TopicName) -> Self {
        Messages {
            topic,
            name,
            encoded: RefCell::new(BTreeMap::new()),
            bytes: RefCell::new(0),
        }
    }

    /// Message `sequence` as JSON, or `None` if it is not stored.
    fn get(&self, sequence: u64) -> ApiResult<Option<Rc<Vec<u8>>>> {
        if let Some(found) = self.encoded.borrow().get(&sequence) {
            return Ok(found.clone());
        }
        let encoded = self.read(sequence)?.map(Rc::new);
        let size = encoded.as_ref().map_or(0, |e| e.len());
        if *self.bytes.borrow() + size <= CACHE_BYTES {
            *self.bytes.borrow_mut() += size;
            self.encoded.borrow_mut().insert(sequence, encoded.clone());
        }
        Ok(encoded)
    }

    fn read(&self, sequence: u64) -> ApiResult<Option<Vec<u8>>> {
        let rows = self.topic.sql.raw(
            "SELECT published_at, token_id, is_text, body FROM messages WHERE seq = ?",
            vec![int(sequence)],
        )?;
        let Some(mut row) = rows.into_iter().next().filter(|r| r.len() == 4) else {
            return Ok(None);
        };
        let body = into_bytes(row.pop().unwrap_or(Value::Null));
        let message = if as_u64(&row[2]) == 1 {
            edgehooks_core::Message::Text(
                String::from_utf8(body).map_err(|e| ApiError::internal("reading message", e))?,
            )
        } else {
            edgehooks_core::Message::Bytes(body)
        };
        let handed = Handed {
            topic: self.name.topic.clone(),
            sequence,
            publish_timestamp: as_u64(&row[0]),
            token_id: as_text(&row[1]),
            message,
        };
        serde_json::to_vec(&handed)
            .map(Some)
            .map_err(|e| ApiError::internal("encoding hand-off", e))
    }
}

/// Sends `group`'s messages, oldest first, up to [`CALL_BYTES`]; returns the
/// last sequence number the webhook took.
async fn hand_off(
    topic: &TopicState,
    name: &TopicName,
    messages: &Messages<'_>,
    group: &Group,
) -> ApiResult<u64> {
    let mut body = format!("{{\"generation\":{},\"messages\":[", group.generation).into_bytes();
    let mut last = None;
    let mut any = false;
    for &sequence in &group.sequences {
        let Some(encoded) = messages.get(sequence)? else {
            // Not stored apart from its hand-offs: nothing to send.
            last = Some(sequence);
            continue;
        };
        if any && body.len() + encoded.len() + 3 > CALL_BYTES {
            break;
        }
        if any {
            body.push(b',');
        }
        body.extend_from_slice(&encoded);
        any = true;
        last = Some(sequence);
    }
    body.extend_from_slice(b"]}");
    let last = last.unwrap_or(0);
    if !any {
        return Ok(last);
    }
    let agent = AgentClient::new(&topic.env, &name.cache, &group.webhook)?;
    let call = Box::pin(agent.enqueue(body));
    let timeout = Box::pin(Delay::from(core::time::Duration::from_millis(
        CALL_TIMEOUT_MS,
    )));
    match select(call, timeout).await {
        Either::Left((reply, _)) => reply.map(|()| last),
        Either::Right(_) => Err(ApiError::internal("hand-off", "no answer in time")),
    }
}
