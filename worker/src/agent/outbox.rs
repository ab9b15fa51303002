//! A webhook's outbox: every message it owes, stored before the hand-off is
//! acknowledged, until it is delivered; then, if it could not be, kept as
//! given up (dead-lettered, timed out, gone, or held back while the webhook
//! was switched off) for replay.
//!
//! Tables: `outbox` (one row per message: its envelope's parts, attempts
//! made, when it is due, and when and why it was given up), and `received`
//! (per topic, the highest sequence number taken by hand-off: topics hand
//! off in order, so anything at or below it is a repeat).

use edgehooks_core::Message;
use serde::Deserialize;

use super::client::Handoff;
use crate::error::{ApiError, ApiResult};
use crate::sql::{Sql, Value, as_text, as_u64, int, into_bytes};

/// Why a message was given up, as the outbox records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum GiveUp {
    /// Every attempt of the schedule failed.
    DeadLettered,
    /// The single attempt of `retry: none` failed.
    TimedOut,
    /// The endpoint answered 410 Gone.
    Gone,
    /// The webhook was switched off or disabled while it waited.
    SwitchedOff,
}

impl GiveUp {
    fn as_str(self) -> &'static str {
        match self {
            GiveUp::DeadLettered => "dead_lettered",
            GiveUp::TimedOut => "timed_out",
            GiveUp::Gone => "gone",
            GiveUp::SwitchedOff => "switched_off",
        }
    }
}

/// A message due for an attempt.
pub(super) struct Due {
    pub(super) id: u64,
    pub(super) topic: String,
    pub(super) sequence: u64,
    pub(super) publish_timestamp: u64,
    pub(super) token_id: String,
    /// Attempts made so far.
    pub(super) attempts: u32,
    pub(super) message: Message,
}

pub(super) fn create_tables(sql: &Sql) -> ApiResult<()> {
    for statement in [
        "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, \
         seq INTEGER NOT NULL, published_at INTEGER NOT NULL, token_id TEXT NOT NULL, \
         body BLOB NOT NULL, is_text INTEGER NOT NULL, attempts INTEGER NOT NULL, \
         due_at INTEGER NOT NULL, given_up_at INTEGER, reason TEXT)",
        "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (given_up_at, due_at)",
        "CREATE TABLE IF NOT EXISTS received (topic TEXT PRIMARY KEY, last_seq INTEGER NOT NULL)",
    ] {
        sql.exec(statement, vec![])?;
    }
    Ok(())
}

/// Stores a message handed off by its topic, due at `now`, unless it was
/// taken before; returns whether it was stored.
pub(super) fn take(sql: &Sql, handoff: &Handoff, now: u64) -> ApiResult<bool> {
    let last = sql.number(
        "SELECT last_seq FROM received WHERE topic = ?",
        vec![handoff.topic.as_str().into()],
    )?;
    if handoff.sequence <= last {
        return Ok(false);
    }
    sql.exec(
        "INSERT INTO received (topic, last_seq) VALUES (?, ?) \
         ON CONFLICT (topic) DO UPDATE SET last_seq = excluded.last_seq",
        vec![handoff.topic.as_str().into(), int(handoff.sequence)],
    )?;
    insert(sql, handoff, now)?;
    Ok(true)
}

/// Stores a message due at `now` and returns its row id (a sync delivery:
/// the publish call hands it over once, so it is not checked for repeats).
pub(super) fn insert(sql: &Sql, handoff: &Handoff, now: u64) -> ApiResult<u64> {
    let (body, is_text) = match &handoff.message {
        Message::Text(text) => (text.as_bytes().to_vec(), 1),
        Message::Bytes(bytes) => (bytes.clone(), 0),
    };
    sql.number(
        "INSERT INTO outbox (topic, seq, published_at, token_id, body, is_text, attempts, due_at) \
         VALUES (?, ?, ?, ?, ?, ?, 0, ?) RETURNING id",
        vec![
            handoff.topic.as_str().into(),
            int(handoff.sequence),
            int(handoff.publish_timestamp),
            handoff.token_id.as_str().into(),
            body.into(),
            is_text.into(),
            int(now),
        ],
    )
}

#[derive(Deserialize)]
struct Next {
    id: u64,
    due_at: u64,
}

/// The next message to attempt and when it is due: for `fifo` the oldest
/// pending one (none while it is in flight); otherwise the earliest due
/// that is not in flight.
pub(super) fn next(sql: &Sql, fifo: bool, in_flight: &[u64]) -> ApiResult<Option<(u64, u64)>> {
    let rows: Vec<Next> = if fifo {
        sql.rows(
            "SELECT id, due_at FROM outbox WHERE given_up_at IS NULL ORDER BY id LIMIT 1",
            vec![],
        )?
    } else {
        // At most 5 in flight: read one more than that and skip them.
        sql.rows(
            "SELECT id, due_at FROM outbox WHERE given_up_at IS NULL \
             ORDER BY due_at, id LIMIT ?",
            vec![int(in_flight.len() as u64 + 1)],
        )?
    };
    Ok(rows
        .into_iter()
        .find(|row| !in_flight.contains(&row.id))
        .map(|row| (row.id, row.due_at)))
}

/// The message in row `id`, if it is still pending.
pub(super) fn load(sql: &Sql, id: u64) -> ApiResult<Option<Due>> {
    let rows = sql.raw(
        "SELECT topic, seq, published_at, token_id, attempts, is_text, body FROM outbox \
         WHERE id = ? AND given_up_at IS NULL",
        vec![int(id)],
    )?;
    let Some(mut row) = rows.into_iter().next() else {
        return Ok(None);
    };
    if row.len() < 7 {
        return Ok(None);
    }
    let body = into_bytes(row.pop().unwrap_or(Value::Null));
    let message = if as_u64(&row[5]) == 1 {
        Message::Text(
            String::from_utf8(body).map_err(|e| ApiError::internal("reading message", e))?,
        )
    } else {
        Message::Bytes(body)
    };
    Ok(Some(Due {
        id,
        topic: as_text(&row[0]),
        sequence: as_u64(&row[1]),
        publish_timestamp: as_u64(&row[2]),
        token_id: as_text(&row[3]),
        attempts: u32::try_from(as_u64(&row[4])).unwrap_or(u32::MAX),
        message,
    }))
}

/// Row `id` was delivered: it leaves the outbox.
pub(super) fn delivered(sql: &Sql, id: u64) -> ApiResult<()> {
    sql.exec("DELETE FROM outbox WHERE id = ?", vec![int(id)])
        .map(drop)
}

/// Row `id` failed its attempt number `attempts` and is due again at
/// `due_at` (unless it was given up meanwhile).
pub(super) fn retry(sql: &Sql, id: u64, attempts: u32, due_at: u64) -> ApiResult<()> {
    sql.exec(
        "UPDATE outbox SET attempts = ?, due_at = ? WHERE id = ?",
        vec![int(u64::from(attempts)), int(due_at), int(id)],
    )
    .map(drop)
}

/// Row `id` is given up after `attempts` attempts.
pub(super) fn give_up(sql: &Sql, id: u64, attempts: u32, now: u64, why: GiveUp) -> ApiResult<()> {
    sql.exec(
        "UPDATE outbox SET attempts = ?, given_up_at = ?, reason = ? WHERE id = ?",
        vec![
            int(u64::from(attempts)),
            int(now),
            why.as_str().into(),
            int(id),
        ],
    )
    .map(drop)
}

/// Gives up every pending message (the webhook was switched off or
/// disabled); returns how many.
pub(super) fn give_up_pending(sql: &Sql, now: u64) -> ApiResult<usize> {
    sql.exec(
        "UPDATE outbox SET given_up_at = ?, reason = ? WHERE given_up_at IS NULL RETURNING id",
        vec![int(now), GiveUp::SwitchedOff.as_str().into()],
    )
}

/// Makes every message given up at or after `since` (ms) pending again,
/// due now with a fresh schedule; returns how many.
pub(super) fn replay(sql: &Sql, since: u64, now: u64) -> ApiResult<usize> {
    sql.exec(
        "UPDATE outbox SET given_up_at = NULL, reason = NULL, attempts = 0, due_at = ? \
         WHERE given_up_at IS NOT NULL AND given_up_at >= ? RETURNING id",
        vec![int(now), int(since)],
    )
}

#[derive(Deserialize)]
struct Backlog {
    pending: Option<u64>,
    given_up: Option<u64>,
}

/// How many messages are pending and how many given up.
pub(super) fn backlog(sql: &Sql) -> ApiResult<(u64, u64)> {
    let rows: Vec<Backlog> = sql.rows(
        "SELECT SUM(given_up_at IS NULL) AS pending, SUM(given_up_at IS NOT NULL) AS given_up \
         FROM outbox",
        vec![],
    )?;
    Ok(rows.first().map_or((0, 0), |b| {
        (b.pending.unwrap_or(0), b.given_up.unwrap_or(0))
    }))
}

/// Empties the outbox and forgets what was received (the webhook is gone).
pub(super) fn clear(sql: &Sql) -> ApiResult<()> {
    sql.exec("DELETE FROM outbox", vec![])?;
    sql.exec("DELETE FROM received", vec![])?;
    Ok(())
}
