//! Idempotent publishes: a topic remembers each `Idempotency-Key` it was
//! sent, with the fingerprint of its request, the number it gave and the
//! response, for 24 hours. The key is looked up and recorded in the
//! synchronous step that numbers the message (see `object`), so of
//! concurrent repeats exactly one publishes; the others get its response.
//!
//! Table `idempotency` (`key`, `fingerprint`, `recorded_at`, `seq`, `done`,
//! `status`, `reply`). A publish without `sync` webhooks records its whole
//! response in that step. One with `sync` webhooks records its response
//! without their results (`done` = 0), and its caller completes it once
//! they were attempted; repeats meanwhile wait for it, at most
//! [`FIRST_CALL_WAIT_MS`] after the first call began. Expired keys are
//! removed a few at a time by each idempotent publish, and in batches by
//! the alarm (see `retention`).

use core::time::Duration;

use edgehooks_core::limits::{IDEMPOTENCY_KEY_TTL_SECONDS, MAX_TIMEOUT_MS};
use edgehooks_core::service::{Repeat, repeat_of};
use futures_channel::oneshot;
use futures_util::future::select;
use serde::Deserialize;
use worker::{Delay, Request};

use super::client::{IdempotencyClaim, RecordedReply};
use super::state::TopicState;
use crate::error::{ApiError, ApiResult};
use crate::http::query;
use crate::platform::now_ms;
use crate::sql::{Value, as_u64, int};

/// The statements that create the table and its index.
pub(super) const TABLES: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS idempotency (key TEXT PRIMARY KEY, \
     fingerprint TEXT NOT NULL, recorded_at INTEGER NOT NULL, seq INTEGER NOT NULL, \
     done INTEGER NOT NULL, status INTEGER NOT NULL, reply TEXT NOT NULL)",
    "CREATE INDEX IF NOT EXISTS idempotency_by_age ON idempotency (recorded_at)",
];

/// Expired keys each idempotent publish removes: more than it adds, so
/// they never pile up while keys are used.
const FORGET_PER_PUBLISH: u64 = 2;

/// How long a repeat waits for the first call to record its response: the
/// first call attempts its `sync` webhooks at once, each within its
/// timeout.
const FIRST_CALL_WAIT_MS: u64 = 2 * MAX_TIMEOUT_MS as u64;

/// A key's record.
#[derive(Deserialize)]
pub(super) struct Recorded {
    fingerprint: String,
    recorded_at: u64,
    seq: u64,
    /// 1 once the response is the first call's whole response.
    done: u64,
    status: u16,
    reply: String,
}

impl Recorded {
    fn into_reply(self) -> RecordedReply {
        RecordedReply {
            status: self.status,
            body: self.reply,
        }
    }
}

/// The claim of a publish call to the object: `key` and `fingerprint`
/// query parameters, both or neither.
pub(super) fn claim_of(req: &Request) -> ApiResult<Option<IdempotencyClaim>> {
    match (query(req, "key")?, query(req, "fingerprint")?) {
        (Some(key), Some(fingerprint)) => Ok(Some(IdempotencyClaim { key, fingerprint })),
        (None, None) => Ok(None),
        _ => Err(ApiError::invalid_request("key and fingerprint go together")),
    }
}

impl TopicState {
    /// The record of the request `claim` repeats: `None` if its key is new
    /// here (or expired), `idempotency_key_reused` if it was recorded for
    /// another request.
    pub(super) fn recorded(
        &self,
        claim: &IdempotencyClaim,
        now: u64,
    ) -> ApiResult<Option<Recorded>> {
        self.forget_expired(now, FORGET_PER_PUBLISH)?;
        let found: Vec<Recorded> = self.sql.rows(
            "SELECT fingerprint, recorded_at, seq, done, status, reply FROM idempotency \
             WHERE key = ?",
            vec![claim.key.as_str().into()],
        )?;
        let Some(found) = found.into_iter().next() else {
            return Ok(None);
        };
        match repeat_of(
            &found.fingerprint,
            found.recorded_at,
            &claim.fingerprint,
            now,
        )? {
            Repeat::Same => Ok(Some(found)),
            Repeat::Expired => Ok(None),
        }
    }

    /// Records `claim` for the message numbered `sequence` at `now`, with
    /// `reply` (whole when `done`).
    pub(super) fn record(
        &self,
        claim: &IdempotencyClaim,
        sequence: u64,
        now: u64,
        done: bool,
        reply: &RecordedReply,
    ) -> ApiResult<()> {
        self.sql.exec(
            "INSERT INTO idempotency (key, fingerprint, recorded_at, seq, done, status, reply) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET \
             fingerprint = excluded.fingerprint, recorded_at = excluded.recorded_at, \
             seq = excluded.seq, done = excluded.done, status = excluded.status, \
             reply = excluded.reply",
            vec![
                claim.key.as_str().into(),
                claim.fingerprint.as_str().into(),
                int(now),
                int(sequence),
                i32::from(done).into(),
                i32::from(reply.status).into(),
                reply.body.as_str().into(),
            ],
        )?;
        Ok(())
    }

    /// The first call of `key`, which numbered `sequence`, answered
    /// `reply`: recorded, and given to the repeats waiting for it.
    pub(super) fn complete(
        &self,
        key: &str,
        sequence: u64,
        reply: &RecordedReply,
    ) -> ApiResult<()> {
        self.sql.exec(
            "UPDATE idempotency SET done = 1, status = ?, reply = ? WHERE key = ? AND seq = ?",
            vec![
                i32::from(reply.status).into(),
                reply.body.as_str().into(),
                key.into(),
                int(sequence),
            ],
        )?;
        let waiting = self.waiting.borrow_mut().remove(key);
        for waiter in waiting.into_iter().flatten() {
            let _ = waiter.send(());
        }
        Ok(())
    }

    /// Removes up to `batch` keys expired at `now`; returns how many.
    pub(super) fn forget_expired(&self, now: u64, batch: u64) -> ApiResult<u64> {
        let cutoff = now.saturating_sub(IDEMPOTENCY_KEY_TTL_SECONDS * 1000);
        let removed = self.sql.exec(
            "DELETE FROM idempotency WHERE key IN (SELECT key FROM idempotency \
             WHERE recorded_at <= ? ORDER BY recorded_at LIMIT ?) RETURNING key",
            vec![int(cutoff), int(batch)],
        )?;
        Ok(removed as u64)
    }

    /// When the oldest key kept expires, if any is kept.
    pub(super) fn next_key_expiry(&self) -> ApiResult<Option<u64>> {
        let rows = self
            .sql
            .raw("SELECT MIN(recorded_at) FROM idempotency", vec![])?;
        Ok(rows
            .first()
            .and_then(|row| row.first())
            .filter(|v| !matches!(v, Value::Null))
            .map(|at| as_u64(at) + IDEMPOTENCY_KEY_TTL_SECONDS * 1000))
    }
}

/// The first call's response, for a repeat: at once when it is whole;
/// otherwise once the first call records it, or, if it has not after
/// [`FIRST_CALL_WAIT_MS`] (the runtime stopped it), as recorded when the
/// message was numbered (without the `sync` results).
pub(super) async fn reply(
    topic: &TopicState,
    key: &str,
    recorded: Recorded,
) -> ApiResult<RecordedReply> {
    if recorded.done == 1 {
        return Ok(recorded.into_reply());
    }
    let until = recorded.recorded_at + FIRST_CALL_WAIT_MS;
    let now = now_ms();
    if now < until {
        let (sender, receiver) = oneshot::channel();
        topic
            .waiting
            .borrow_mut()
            .entry(key.to_owned())
            .or_default()
            .push(sender);
        let timeout = Box::pin(Delay::from(Duration::from_millis(until - now)));
        let _ = select(receiver, timeout).await;
        let mut waiting = topic.waiting.borrow_mut();
        if let Some(senders) = waiting.get_mut(key) {
            senders.retain(|s| !s.is_canceled());
            if senders.is_empty() {
                waiting.remove(key);
            }
        }
    }
    let again: Vec<Recorded> = topic.sql.rows(
        "SELECT fingerprint, recorded_at, seq, done, status, reply FROM idempotency \
         WHERE key = ? AND seq = ?",
        vec![key.into(), int(recorded.seq)],
    )?;
    Ok(again.into_iter().next().unwrap_or(recorded).into_reply())
}
