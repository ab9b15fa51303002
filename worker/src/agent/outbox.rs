//! A webhook's outbox: every message it owes, stored before the hand-off is
//! acknowledged, until it is delivered; then, if it could not be, kept as
//! given up (dead-lettered, timed out, gone, or held back while the webhook
//! was switched off) for replay. A delivered message's body is kept too,
//! for a replay of everything.
//!
//! Tables: `outbox` (one row per message: its envelope's parts, whether a
//! topic handed it off, attempts made, when it is due, when and why it was
//! given up, and its last failure), `delivered` (the delivered messages'
//! envelope parts and when they were delivered), and `received` (per
//! topic, the highest sequence number taken by hand-off, kept by a
//! trigger: topics hand off in order, so anything at or below it is a
//! repeat). The object also keeps the number of pending rows in memory,
//! exact after every change, so a caught-up webhook looks nothing up.
//!
//! Given-up and delivered messages are removed once older than the
//! deployment's retention (since they were given up or delivered), and
//! delivered bodies past [`MAX_KEPT_DELIVERED_BYTES`], oldest first, by
//! the retention sweep. A replay re-queues a window of them in one
//! statement per kind. A cursor of the undelivered list is `message/` and
//! the twelve digits of the last row id of a page.

use edgehooks_core::limits::MAX_KEPT_DELIVERED_BYTES;
use edgehooks_core::service::message_id;
use edgehooks_core::{Message, delivery_id};
use serde::{Deserialize, Serialize};
use worker::Response;

use super::client::{Handed, MESSAGE_CURSOR, ReplayWindow, cursor, cursor_position};
use super::state::{Agent, Due, Ticket};
use crate::error::{ApiError, ApiResult};
use crate::http::json_response;
use crate::platform::now_ms;
use crate::sql::{Sql, Value, as_text, as_u64, int, into_bytes};

/// Outbox rows per insert statement (8 values each; at most 100 a
/// statement).
const ROWS_PER_INSERT: usize = 12;

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

pub(super) fn create_tables(sql: &Sql) -> ApiResult<()> {
    for statement in [
        "CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, \
         seq INTEGER NOT NULL, published_at INTEGER NOT NULL, token_id TEXT NOT NULL, \
         body BLOB NOT NULL, is_text INTEGER NOT NULL, handed INTEGER NOT NULL, \
         attempts INTEGER NOT NULL, due_at INTEGER NOT NULL, given_up_at INTEGER, reason TEXT, \
         epoch INTEGER NOT NULL DEFAULT 0)",
        "CREATE INDEX IF NOT EXISTS outbox_due ON outbox (given_up_at, due_at)",
        "CREATE TABLE IF NOT EXISTS received (topic TEXT PRIMARY KEY, last_seq INTEGER NOT NULL)",
        // A message handed off by its topic marks its number taken, in the
        // statement that stores it.
        "CREATE TRIGGER IF NOT EXISTS outbox_received AFTER INSERT ON outbox \
         WHEN NEW.handed = 1 BEGIN \
         INSERT INTO received (topic, last_seq) VALUES (NEW.topic, NEW.seq) \
         ON CONFLICT (topic) DO UPDATE SET last_seq = MAX(last_seq, excluded.last_seq); END",
        "CREATE TABLE IF NOT EXISTS delivered (id INTEGER PRIMARY KEY, topic TEXT NOT NULL, \
         seq INTEGER NOT NULL, published_at INTEGER NOT NULL, token_id TEXT NOT NULL, \
         body BLOB NOT NULL, is_text INTEGER NOT NULL, size INTEGER NOT NULL, \
         delivered_at INTEGER NOT NULL)",
    ] {
        sql.exec(statement, vec![])?;
    }
    // Version 2 notes each message's last failure (`last_error`), found by
    // topic and number.
    if sql.meta::<u32>("outbox_version")?.unwrap_or(1) < 2 {
        sql.exec("ALTER TABLE outbox ADD COLUMN last_error TEXT", vec![])?;
        sql.exec(
            "CREATE INDEX IF NOT EXISTS outbox_message ON outbox (topic, seq)",
            vec![],
        )?;
        sql.set_meta("outbox_version", &2)?;
    }
    Ok(())
}

/// Stores the messages a topic handed off (oldest first), due at `now`,
/// but those taken before, in one statement; returns the stored ones.
pub(super) fn take(agent: &Agent, messages: Vec<Handed>, now: u64) -> ApiResult<Vec<Due>> {
    let mut taken: Vec<Handed> = Vec::new();
    for handed in messages {
        let last = match taken.iter().rev().find(|t| t.topic == handed.topic) {
            Some(previous) => previous.sequence,
            None => last_received(agent, &handed.topic)?,
        };
        if handed.sequence > last {
            taken.push(handed);
        }
    }
    let mut stored = Vec::with_capacity(taken.len());
    for chunk in taken.chunks(ROWS_PER_INSERT) {
        let mut statement = String::from(INSERT);
        let mut values = Vec::with_capacity(chunk.len() * 8);
        for (i, handed) in chunk.iter().enumerate() {
            if i > 0 {
                statement.push_str(", ");
            }
            statement.push_str(ROW);
            values.extend(row_values(handed, true, now));
        }
        statement.push_str(" RETURNING id, seq, topic");
        let ids = agent.sql.raw(&statement, values)?;
        for handed in chunk {
            let id = ids
                .iter()
                .find(|r| {
                    r.len() == 3
                        && as_u64(&r[1]) == handed.sequence
                        && as_text(&r[2]) == handed.topic
                })
                .map(|r| as_u64(&r[0]))
                .ok_or_else(|| ApiError::internal("storing messages", "no id returned"))?;
            stored.push(Due::new(id, handed.clone(), 0));
        }
    }
    due_by(agent, now);
    let mut received = agent.received.borrow_mut();
    for handed in &taken {
        received.insert(handed.topic.clone(), handed.sequence);
    }
    add_pending(agent, stored.len() as u64);
    Ok(stored)
}

/// The statement that stores rows, and one row's placeholders.
const INSERT: &str = "INSERT INTO outbox (topic, seq, published_at, token_id, body, is_text, \
                      handed, attempts, due_at) VALUES ";
const ROW: &str = "(?, ?, ?, ?, ?, ?, ?, 0, ?)";

/// The highest sequence number of `topic` taken so far.
fn last_received(agent: &Agent, topic: &str) -> ApiResult<u64> {
    if let Some(&last) = agent.received.borrow().get(topic) {
        return Ok(last);
    }
    let last = agent.sql.number(
        "SELECT last_seq FROM received WHERE topic = ?",
        vec![topic.into()],
    )?;
    agent.received.borrow_mut().insert(topic.to_owned(), last);
    Ok(last)
}

/// Stores a message due at `now` (a sync delivery: the publish call hands
/// it over once, so it is not checked for repeats).
pub(super) fn insert(agent: &Agent, handed: Handed, now: u64) -> ApiResult<Due> {
    let id = agent.sql.number(
        &format!("{INSERT}{ROW} RETURNING id"),
        row_values(&handed, false, now),
    )?;
    add_pending(agent, 1);
    due_by(agent, now);
    Ok(Due::new(id, handed, 0))
}

/// A new row's values, in the order of the insert statements.
fn row_values(handed: &Handed, from_topic: bool, now: u64) -> Vec<Value> {
    let (body, is_text) = match &handed.message {
        Message::Text(text) => (text.as_bytes().to_vec(), 1),
        Message::Bytes(bytes) => (bytes.clone(), 0),
    };
    vec![
        handed.topic.as_str().into(),
        int(handed.sequence),
        int(handed.publish_timestamp),
        handed.token_id.as_str().into(),
        body.into(),
        is_text.into(),
        i32::from(from_topic).into(),
        int(now),
    ]
}

/// How many messages are pending (in flight included): counted once, then
/// kept in step with every change.
pub(super) fn pending(agent: &Agent) -> ApiResult<u64> {
    if let Some(count) = agent.pending.get() {
        return Ok(count);
    }
    let count = agent.sql.number(
        "SELECT COUNT(*) FROM outbox WHERE given_up_at IS NULL",
        vec![],
    )?;
    agent.pending.set(Some(count));
    Ok(count)
}

fn add_pending(agent: &Agent, added: u64) {
    if let Some(count) = agent.pending.get() {
        agent.pending.set(Some(count + added));
    }
}

fn remove_pending(agent: &Agent) {
    if let Some(count) = agent.pending.get() {
        agent.pending.set(Some(count.saturating_sub(1)));
    }
}

/// The rows in flight, as the JSON array the statements below take (one
/// bound value, so their text never changes).
fn in_flight_value(in_flight: &[u64]) -> Value {
    let ids: Vec<String> = in_flight.iter().map(u64::to_string).collect();
    format!("[{}]", ids.join(",")).into()
}

/// The next message to attempt, if it is due at `now`: for `fifo` the
/// oldest pending one (none while it is in flight), otherwise the earliest
/// due that is not in flight. Read with its body in one statement.
pub(super) fn due(sql: &Sql, fifo: bool, in_flight: &[u64], now: u64) -> ApiResult<Option<Due>> {
    let rows = if fifo {
        sql.raw(
            "SELECT id, due_at, topic, seq, published_at, token_id, attempts, epoch, is_text, body \
             FROM outbox WHERE given_up_at IS NULL ORDER BY id LIMIT 1",
            vec![],
        )?
    } else {
        sql.raw(
            "SELECT id, due_at, topic, seq, published_at, token_id, attempts, epoch, is_text, body \
             FROM outbox WHERE given_up_at IS NULL \
             AND id NOT IN (SELECT value FROM json_each(?)) AND due_at <= ? \
             ORDER BY due_at, id LIMIT 1",
            vec![in_flight_value(in_flight), int(now)],
        )?
    };
    let Some(row) = rows.into_iter().next() else {
        return Ok(None);
    };
    let (id, due_at) = (row.first().map_or(0, as_u64), row.get(1).map_or(0, as_u64));
    if due_at > now || in_flight.contains(&id) {
        return Ok(None);
    }
    read_due(row).map(Some)
}

/// When the next message to attempt is due (see [`due`]), if any.
pub(super) fn next_due_at(sql: &Sql, fifo: bool, in_flight: &[u64]) -> ApiResult<Option<u64>> {
    let rows = if fifo {
        sql.raw(
            "SELECT id, due_at FROM outbox WHERE given_up_at IS NULL ORDER BY id LIMIT 1",
            vec![],
        )?
    } else {
        sql.raw(
            "SELECT 0, MIN(due_at) FROM outbox WHERE given_up_at IS NULL \
             AND id NOT IN (SELECT value FROM json_each(?))",
            vec![in_flight_value(in_flight)],
        )?
    };
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    if fifo
        && row
            .first()
            .is_some_and(|id| in_flight.contains(&as_u64(id)))
    {
        return Ok(None);
    }
    Ok(row.get(1).filter(|v| !matches!(v, Value::Null)).map(as_u64))
}

/// Lowers the bound on when the next waiting message falls due (rows were
/// added or rescheduled to `at`).
pub(super) fn due_by(agent: &Agent, at: u64) {
    if let Some(earliest) = agent.earliest_due.get() {
        agent.earliest_due.set(Some(earliest.min(at)));
    }
}

/// A row of [`due`]'s statement as a message.
fn read_due(mut row: Vec<Value>) -> ApiResult<Due> {
    if row.len() < 10 {
        return Err(ApiError::internal("reading the outbox", "short row"));
    }
    let body = into_bytes(row.pop().unwrap_or(Value::Null));
    let message = if as_u64(&row[8]) == 1 {
        Message::Text(
            String::from_utf8(body).map_err(|e| ApiError::internal("reading message", e))?,
        )
    } else {
        Message::Bytes(body)
    };
    Ok(Due {
        id: as_u64(&row[0]),
        topic: as_text(&row[2]),
        sequence: as_u64(&row[3]),
        publish_timestamp: as_u64(&row[4]),
        token_id: as_text(&row[5]),
        attempts: u32::try_from(as_u64(&row[6])).unwrap_or(u32::MAX),
        epoch: as_u64(&row[7]),
        message,
    })
}

/// Row `id` was delivered: it leaves the outbox, and its body is kept for
/// a replay of everything.
pub(super) fn delivered(agent: &Agent, id: u64) -> ApiResult<()> {
    agent.sql.exec(
        "INSERT INTO delivered (topic, seq, published_at, token_id, body, is_text, size, \
         delivered_at) SELECT topic, seq, published_at, token_id, body, is_text, length(body), ? \
         FROM outbox WHERE id = ?",
        vec![int(now_ms()), int(id)],
    )?;
    let was_pending = agent.sql.exec(
        "DELETE FROM outbox WHERE id = ? AND given_up_at IS NULL RETURNING id",
        vec![int(id)],
    )?;
    if was_pending > 0 {
        remove_pending(agent);
    } else {
        // Given up while in flight, then delivered after all.
        agent
            .sql
            .exec("DELETE FROM outbox WHERE id = ?", vec![int(id)])?;
    }
    Ok(())
}

/// `due` failed its attempt number `attempts` and is due again at
/// `due_at` (unless it was given up or replayed meanwhile).
pub(super) fn retry(agent: &Agent, due: &Ticket, attempts: u32, due_at: u64) -> ApiResult<()> {
    due_by(agent, due_at);
    agent
        .sql
        .exec(
            "UPDATE outbox SET attempts = ?, due_at = ? WHERE id = ? AND epoch = ?",
            vec![
                int(u64::from(attempts)),
                int(due_at),
                int(due.id),
                int(due.epoch),
            ],
        )
        .map(drop)
}

/// `due` is given up after `attempts` attempts (unless it was given up or
/// replayed meanwhile).
pub(super) fn give_up(
    agent: &Agent,
    due: &Ticket,
    attempts: u32,
    now: u64,
    why: GiveUp,
) -> ApiResult<()> {
    let was_pending = agent.sql.exec(
        "UPDATE outbox SET attempts = ?, given_up_at = ?, reason = ? \
         WHERE id = ? AND epoch = ? AND given_up_at IS NULL RETURNING id",
        vec![
            int(u64::from(attempts)),
            int(now),
            why.as_str().into(),
            int(due.id),
            int(due.epoch),
        ],
    )?;
    if was_pending > 0 {
        remove_pending(agent);
    }
    Ok(())
}

/// Gives up every pending message (the webhook was switched off or
/// disabled); returns how many.
pub(super) fn give_up_pending(agent: &Agent, now: u64) -> ApiResult<usize> {
    if pending(agent)? == 0 {
        return Ok(0);
    }
    agent.fresh.borrow_mut().clear();
    let given_up = agent.sql.exec(
        "UPDATE outbox SET given_up_at = ?, reason = ? WHERE given_up_at IS NULL RETURNING id",
        vec![int(now), GiveUp::SwitchedOff.as_str().into()],
    )?;
    agent.pending.set(Some(0));
    Ok(given_up)
}

/// Notes the failure of the last attempt (`error`, JSON) on message
/// `sequence` of `topic`, while it waits or once it was given up.
pub(super) fn note_error(
    agent: &Agent,
    topic: &str,
    sequence: u64,
    error: String,
) -> ApiResult<()> {
    agent
        .sql
        .exec(
            "UPDATE outbox SET last_error = ? WHERE topic = ? AND seq = ?",
            vec![error.into(), topic.into(), int(sequence)],
        )
        .map(drop)
}

/// Re-queues the messages of `window` (by publish time), due at `now`
/// with a fresh schedule: those waiting or given up, in one statement,
/// and with `window.all` the delivered ones still kept, moved back in one
/// statement. Returns how many of each.
pub(super) fn requeue(agent: &Agent, window: &ReplayWindow, now: u64) -> ApiResult<(usize, usize)> {
    agent.pending.set(None);
    // Rows just stored may be among them: their copies in memory would
    // carry the schedule they had.
    agent.fresh.borrow_mut().clear();
    due_by(agent, now);
    let (since, until) = (int(window.since), int(window.until));
    let undelivered = agent.sql.exec(
        "UPDATE outbox SET given_up_at = NULL, reason = NULL, attempts = 0, due_at = ?, \
         epoch = epoch + 1 WHERE published_at BETWEEN ? AND ? RETURNING id",
        vec![int(now), since.clone(), until.clone()],
    )?;
    if !window.all {
        return Ok((undelivered, 0));
    }
    let delivered = agent.sql.exec(
        "INSERT INTO outbox (topic, seq, published_at, token_id, body, is_text, handed, \
         attempts, due_at) SELECT topic, seq, published_at, token_id, body, is_text, 0, 0, ? \
         FROM delivered WHERE published_at BETWEEN ? AND ? ORDER BY published_at, id \
         RETURNING id",
        vec![int(now), since.clone(), until.clone()],
    )?;
    agent.sql.exec(
        "DELETE FROM delivered WHERE published_at BETWEEN ? AND ?",
        vec![since, until],
    )?;
    Ok((undelivered, delivered))
}

/// An outbox row as the undelivered list reads it.
#[derive(Deserialize)]
struct Owed {
    id: u64,
    topic: String,
    seq: u64,
    published_at: u64,
    attempts: u64,
    due_at: u64,
    given_up_at: Option<u64>,
    reason: Option<String>,
    last_error: Option<String>,
}

/// A message not delivered, as the API lists it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Undelivered {
    webhook_id: String,
    topic: String,
    topic_sequence_number: u64,
    publish_timestamp: u64,
    /// `pending` or `given_up`.
    state: &'static str,
    attempts: u64,
    last_error: Option<serde_json::Value>,
    next_retry_at: Option<u64>,
    given_up_at: Option<u64>,
    reason: Option<String>,
}

/// A page of the messages not delivered (waiting or given up), oldest
/// first, after `cursor_text`.
pub(super) fn page(agent: &Agent, limit: u64, cursor_text: Option<&str>) -> ApiResult<Response> {
    let webhook = agent.existing()?;
    let after = match cursor_text {
        None => 0,
        Some(text) => cursor_position(MESSAGE_CURSOR, text).ok_or_else(ApiError::invalid_cursor)?,
    };
    let limit = limit.clamp(1, 100);
    let mut rows: Vec<Owed> = agent.sql.rows(
        "SELECT id, topic, seq, published_at, attempts, due_at, given_up_at, reason, last_error \
         FROM outbox WHERE id > ? ORDER BY id LIMIT ?",
        vec![int(after), int(limit + 1)],
    )?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next = more
        .then(|| rows.last().map(|r| cursor(MESSAGE_CURSOR, r.id)))
        .flatten();
    let id = &webhook.config.id;
    let messages: Vec<Undelivered> = rows
        .into_iter()
        .map(|row| Undelivered {
            webhook_id: delivery_id(
                &message_id(&id.cache_name, &row.topic, row.seq),
                &id.webhook_name,
            ),
            state: if row.given_up_at.is_some() {
                "given_up"
            } else {
                "pending"
            },
            next_retry_at: row.given_up_at.is_none().then_some(row.due_at),
            last_error: row.last_error.and_then(|e| serde_json::from_str(&e).ok()),
            topic: row.topic,
            topic_sequence_number: row.seq,
            publish_timestamp: row.published_at,
            attempts: row.attempts,
            given_up_at: row.given_up_at,
            reason: row.reason,
        })
        .collect();
    json_response(
        200,
        &serde_json::json!({ "messages": messages, "cursor": next }),
    )
}

/// Removes up to `batch` given-up messages given up before `cutoff` (ms),
/// up to `batch` delivered ones delivered before it, and up to `batch` of
/// the oldest delivered ones past [`MAX_KEPT_DELIVERED_BYTES`]; returns
/// whether a whole batch went (more may be due).
pub(super) fn sweep(sql: &Sql, cutoff: u64, batch: u64) -> ApiResult<bool> {
    let given_up = sql.exec(
        "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE given_up_at < ? \
         ORDER BY given_up_at LIMIT ?) RETURNING id",
        vec![int(cutoff), int(batch)],
    )?;
    // Delivered rows are stored in the order they were delivered.
    let delivered = sql.exec(
        "DELETE FROM delivered WHERE id IN (SELECT id FROM delivered ORDER BY id LIMIT ?) \
         AND delivered_at < ? RETURNING id",
        vec![int(batch), int(cutoff)],
    )?;
    let past_budget = sql.exec(
        "DELETE FROM delivered WHERE id IN (SELECT id FROM (SELECT id, \
         SUM(size) OVER (ORDER BY id DESC) AS newer FROM delivered) WHERE newer > ? \
         ORDER BY id LIMIT ?) RETURNING id",
        vec![int(MAX_KEPT_DELIVERED_BYTES), int(batch)],
    )?;
    Ok([given_up, delivered, past_budget]
        .iter()
        .any(|&n| n as u64 == batch))
}

/// The earliest time a given-up or delivered message was given up or
/// delivered, if any is kept.
pub(super) fn oldest_kept(sql: &Sql) -> ApiResult<Option<u64>> {
    let rows = sql.raw(
        "SELECT MIN(at) FROM (SELECT MIN(given_up_at) AS at FROM outbox \
         UNION ALL SELECT delivered_at FROM (SELECT delivered_at FROM delivered \
         ORDER BY id LIMIT 1))",
        vec![],
    )?;
    Ok(rows
        .first()
        .and_then(|row| row.first())
        .filter(|v| !matches!(v, Value::Null))
        .map(as_u64))
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

/// Empties the outbox, drops the delivered messages kept, and forgets what
/// was received (the webhook is gone).
pub(super) fn clear(agent: &Agent) -> ApiResult<()> {
    agent.sql.exec("DELETE FROM outbox", vec![])?;
    agent.sql.exec("DELETE FROM delivered", vec![])?;
    agent.sql.exec("DELETE FROM received", vec![])?;
    agent.received.borrow_mut().clear();
    agent.fresh.borrow_mut().clear();
    agent.pending.set(Some(0));
    agent.earliest_due.set(Some(u64::MAX));
    Ok(())
}
