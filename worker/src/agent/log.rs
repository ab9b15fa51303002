//! A webhook's attempt log (its newest 1000 attempts) and delivery
//! statistics.
//!
//! Table `attempts` (`n`: the attempt's number in the log, `record`: the
//! attempt as the API shows it, `stats`: the counters after it, so logging
//! and counting are one statement). A cursor is `attempt/` and the twelve
//! digits of the last `n` of a page.

use edgehooks_core::service::DeliveryStats;
use serde::{Deserialize, Serialize};
use worker::Response;

use super::state::Agent;
use crate::attempt::AttemptRecord;
use crate::error::{ApiError, ApiResult};
use crate::http::{json_response, json_text};
use crate::sql::{Sql, as_text, as_u64, int};

/// Attempts kept per webhook.
const KEPT: u64 = 1000;
/// Where a cursor's number starts.
const CURSOR_PREFIX: &str = "attempt/";

/// A page of the attempt log, newest first.
#[derive(Serialize, Deserialize)]
pub(crate) struct AttemptPage {
    pub(crate) attempts: Vec<AttemptRecord>,
    pub(crate) cursor: Option<String>,
}

pub(super) fn create_tables(sql: &Sql) -> ApiResult<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS attempts \
         (n INTEGER PRIMARY KEY, record TEXT NOT NULL, stats TEXT NOT NULL)",
        vec![],
    )
    .map(drop)
}

/// The number of the newest attempt in the log (0 when it is empty) and
/// the counters after it.
pub(super) fn newest(sql: &Sql) -> ApiResult<(u64, DeliveryStats)> {
    let rows = sql.raw(
        "SELECT n, stats FROM attempts ORDER BY n DESC LIMIT 1",
        vec![],
    )?;
    let Some(row) = rows.first().filter(|r| r.len() == 2) else {
        return Ok((0, DeliveryStats::default()));
    };
    let stats = serde_json::from_str(&as_text(&row[1]))
        .map_err(|e| ApiError::internal("reading statistics", e))?;
    Ok((as_u64(&row[0]), stats))
}

/// Logs `record` (the oldest attempt past the newest 1000 goes); when
/// `counted` (not a test event) it also counts in the statistics, which are
/// returned.
pub(super) fn append(
    agent: &Agent,
    record: &AttemptRecord,
    counted: bool,
) -> ApiResult<DeliveryStats> {
    let n = agent.last_logged.get() + 1;
    let mut stats = agent.stats.borrow_mut();
    if counted {
        stats.record_attempt(record.delivered, record.sent_at);
    }
    agent.sql.exec(
        "INSERT INTO attempts (n, record, stats) VALUES (?, ?, ?)",
        vec![
            int(n),
            json_text(record, "writing attempt")?.into(),
            json_text(&*stats, "writing statistics")?.into(),
        ],
    )?;
    agent.last_logged.set(n);
    if n > KEPT {
        agent
            .sql
            .exec("DELETE FROM attempts WHERE n = ?", vec![int(n - KEPT)])?;
    }
    Ok(stats.clone())
}

#[derive(Deserialize)]
struct Logged {
    n: u64,
    record: String,
}

/// Whether `cursor` is one a page of the attempt log gave out.
pub(crate) fn valid_cursor(cursor: &str) -> bool {
    cursor_position(cursor).is_some()
}

/// The log position a cursor stands for, if it is one a page gave out.
fn cursor_position(cursor: &str) -> Option<u64> {
    cursor
        .strip_prefix(CURSOR_PREFIX)
        .filter(|digits| digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse().ok())
}

/// A page of `limit` attempts, newest first, before `cursor`.
pub(super) fn page(sql: &Sql, limit: u64, cursor: Option<&str>) -> ApiResult<Response> {
    let before = match cursor {
        None => u64::MAX >> 12,
        Some(cursor) => cursor_position(cursor).ok_or_else(ApiError::invalid_cursor)?,
    };
    let limit = limit.clamp(1, 100);
    let mut rows: Vec<Logged> = sql.rows(
        "SELECT n, record FROM attempts WHERE n < ? ORDER BY n DESC LIMIT ?",
        vec![int(before), int(limit + 1)],
    )?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let cursor = more
        .then(|| rows.last().map(|r| format!("{CURSOR_PREFIX}{:012}", r.n)))
        .flatten();
    let attempts = rows
        .iter()
        .map(|r| serde_json::from_str(&r.record))
        .collect::<Result<_, _>>()
        .map_err(|e| ApiError::internal("reading attempts", e))?;
    json_response(200, &AttemptPage { attempts, cursor })
}

/// Forgets every attempt and counter (the webhook is gone).
pub(super) fn clear(agent: &Agent) -> ApiResult<()> {
    agent.sql.exec("DELETE FROM attempts", vec![])?;
    agent.last_logged.set(0);
    *agent.stats.borrow_mut() = DeliveryStats::default();
    Ok(())
}
