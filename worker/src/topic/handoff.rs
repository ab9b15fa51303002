//! Hand-offs: a topic's stored messages taken to the webhooks that receive
//! them.
//!
//! Each alarm run reads the oldest hand-off rows, groups them by webhook in
//! sequence order, and makes one call per webhook carrying its messages (at
//! most 4 MiB of JSON, measured after encoding), at most
//! [`MAX_IN_FLIGHT`] calls at once and [`SUBREQUESTS_PER_RUN`] per run. A
//! webhook's object answers only once it has stored what it took, and only
//! then are its rows deleted, so a crash on either side makes the hand-off
//! again (the webhook drops what it already has). Every webhook gets its
//! messages in sequence order: a later row is never sent before an earlier
//! one is acknowledged. A failed call is retried with backoff for that
//! webhook alone. A message is deleted once all its hand-offs are made.

use core::cell::RefCell;
use std::collections::BTreeMap;

use futures_util::future::{Either, select};
use futures_util::{StreamExt, stream};
use serde::Deserialize;
use worker::Delay;

use super::object::{Topic, TopicName};
use crate::agent::client::{AgentClient, Handoff};
use crate::error::{ApiError, ApiResult};
use crate::platform::{MAX_IN_FLIGHT, SUBREQUESTS_PER_RUN, now_ms};
use crate::sql::{as_text, as_u64, int, into_bytes};

/// Hand-off rows read per run.
const ROWS_PER_RUN: u64 = 5_000;
/// Most JSON bytes in one call (one message always goes, whatever its size).
const CALL_BYTES: usize = 4 * 1024 * 1024;
/// A call not answered in this time counts as failed.
const CALL_TIMEOUT_MS: u64 = 30_000;
/// Longest wait before a failing webhook's hand-offs are tried again.
const MAX_BACKOFF_MS: u64 = 60_000;

/// A webhook (name and generation) with the messages it is owed, in order.
struct Group {
    webhook: String,
    generation: u64,
    sequences: Vec<u64>,
}

/// The webhooks whose hand-offs failed: how many times in a row, and when
/// to try again. Kept in memory: after a restart every hand-off is retried
/// at once.
#[derive(Default)]
pub(super) struct Backoff {
    failing: RefCell<BTreeMap<(String, u64), (u32, u64)>>,
}

impl Backoff {
    fn retry_at(&self, group: &Group) -> Option<u64> {
        let key = (group.webhook.clone(), group.generation);
        self.failing.borrow().get(&key).map(|(_, at)| *at)
    }

    fn failed(&self, group: &Group, now: u64) -> u64 {
        let key = (group.webhook.clone(), group.generation);
        let mut failing = self.failing.borrow_mut();
        let entry = failing.entry(key).or_insert((0, now));
        entry.0 += 1;
        let wait = (1000u64 << entry.0.min(16)).min(MAX_BACKOFF_MS);
        entry.1 = now + wait;
        entry.1
    }

    fn succeeded(&self, group: &Group) {
        let key = (group.webhook.clone(), group.generation);
        self.failing.borrow_mut().remove(&key);
    }
}

/// One alarm run; sets the next alarm when work is left.
pub(super) async fn run(topic: &Topic) {
    let next = match run_once(topic).await {
        Ok(next) => next,
        Err(err) => {
            worker::console_error!("topic hand-off: {}", err.message);
            Some(now_ms() + 5_000)
        }
    };
    if let Some(at) = next
        && let Err(err) = topic.wake_at(at).await
    {
        worker::console_error!("topic hand-off: setting the alarm: {}", err.message);
    }
}

#[derive(Deserialize)]
struct Row {
    webhook: String,
    generation: u64,
    seq: u64,
}

/// Makes one round of hand-offs; returns when to run again, if ever.
async fn run_once(topic: &Topic) -> ApiResult<Option<u64>> {
    let Some(name) = topic.sql.meta::<TopicName>("name")? else {
        return Ok(None);
    };
    let rows: Vec<Row> = topic.sql.rows(
        "SELECT webhook, generation, seq FROM handoffs ORDER BY seq, webhook LIMIT ?",
        vec![int(ROWS_PER_RUN)],
    )?;
    let mut more = rows.len() as u64 == ROWS_PER_RUN;
    let mut groups: Vec<Group> = Vec::new();
    let mut index: BTreeMap<(String, u64), usize> = BTreeMap::new();
    for row in rows {
        let key = (row.webhook, row.generation);
        match index.get(&key) {
            Some(&i) => groups[i].sequences.push(row.seq),
            None => {
                index.insert(key.clone(), groups.len());
                groups.push(Group {
                    webhook: key.0,
                    generation: key.1,
                    sequences: vec![row.seq],
                });
            }
        }
    }
    let now = now_ms();
    let mut next: Option<u64> = None;
    let mut ready = Vec::new();
    for group in groups {
        match topic.handoff.retry_at(&group) {
            Some(at) if at > now => next = Some(next.map_or(at, |n| n.min(at))),
            _ => ready.push(group),
        }
    }
    if ready.len() > SUBREQUESTS_PER_RUN {
        ready.truncate(SUBREQUESTS_PER_RUN);
        more = true;
    }
    let results: Vec<(Group, ApiResult<u64>)> = stream::iter(ready)
        .map(|group| async {
            let result = hand_off(topic, &name, &group).await;
            (group, result)
        })
        .buffer_unordered(MAX_IN_FLIGHT)
        .collect()
        .await;
    for (group, result) in results {
        match result {
            Ok(last) => {
                topic.sql.exec(
                    "DELETE FROM handoffs WHERE webhook = ? AND generation = ? AND seq <= ?",
                    vec![
                        group.webhook.as_str().into(),
                        int(group.generation),
                        int(last),
                    ],
                )?;
                topic.handoff.succeeded(&group);
                more |= group.sequences.last().is_some_and(|&l| l > last);
            }
            Err(err) => {
                worker::console_error!("hand-off to {}: {}", group.webhook, err.message);
                let at = topic.handoff.failed(&group, now_ms());
                next = Some(next.map_or(at, |n| n.min(at)));
            }
        }
    }
    topic.sql.exec(
        "DELETE FROM messages WHERE seq NOT IN (SELECT seq FROM handoffs)",
        vec![],
    )?;
    Ok(if more { Some(now_ms()) } else { next })
}

/// Sends `group`'s messages, oldest first, up to [`CALL_BYTES`]; returns the
/// last sequence number the webhook took.
async fn hand_off(topic: &Topic, name: &TopicName, group: &Group) -> ApiResult<u64> {
    let mut body = b"[".to_vec();
    let mut last = None;
    for &sequence in &group.sequences {
        let Some(handoff) = message(topic, name, sequence, group.generation)? else {
            // Never stored apart from its hand-offs; nothing to send.
            last = Some(sequence);
            continue;
        };
        let encoded =
            serde_json::to_vec(&handoff).map_err(|e| ApiError::internal("encoding hand-off", e))?;
        if last.is_some() && body.len() + encoded.len() + 1 > CALL_BYTES {
            break;
        }
        if body.len() > 1 {
            body.push(b',');
        }
        body.extend_from_slice(&encoded);
        last = Some(sequence);
    }
    body.push(b']');
    let last = last.unwrap_or(0);
    if body.len() == 2 {
        return Ok(last);
    }
    let agent = AgentClient::new(&topic.env, &name.cache, &group.webhook)?;
    let call = Box::pin(agent.enqueue(body));
    let timeout = Box::pin(Delay::from(core::time::Duration::from_millis(
        CALL_TIMEOUT_MS,
    )));
    match select(call, timeout).await {
        Either::Left((reply, _)) => reply.map(|_| last),
        Either::Right(_) => Err(ApiError::internal("hand-off", "no answer in time")),
    }
}

/// The stored message `sequence` as a hand-off for `generation`.
fn message(
    topic: &Topic,
    name: &TopicName,
    sequence: u64,
    generation: u64,
) -> ApiResult<Option<Handoff>> {
    let rows = topic.sql.raw(
        "SELECT published_at, token_id, body, is_text FROM messages WHERE seq = ?",
        vec![int(sequence)],
    )?;
    let Some(mut row) = rows.into_iter().next() else {
        return Ok(None);
    };
    if row.len() < 4 {
        return Ok(None);
    }
    let is_text = as_u64(&row[3]) == 1;
    let body = into_bytes(row.swap_remove(2));
    let message = if is_text {
        edgehooks_core::Message::Text(
            String::from_utf8(body).map_err(|e| ApiError::internal("reading message", e))?,
        )
    } else {
        edgehooks_core::Message::Bytes(body)
    };
    Ok(Some(Handoff {
        topic: name.topic.clone(),
        sequence,
        publish_timestamp: as_u64(&row[0]),
        token_id: as_text(&row[1]),
        generation,
        message,
    }))
}
