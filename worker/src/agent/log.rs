//! A webhook's attempt log (its newest 1000 attempts) and delivery
//! statistics.
//!
//! Table `attempts` (`n`: the attempt's number in the log, `record`: the
//! attempt as the API shows it); the counters are `stats` in `meta`. A
//! cursor is `attempt/` and the twelve digits of the last `n` of a page.

use edgehooks_core::DeliveryStats;
use serde::{Deserialize, Serialize};
use worker::Response;

use crate::attempt::AttemptRecord;
use crate::error::{ApiError, ApiResult};
use crate::http::{json_response, json_text};
use crate::sql::{Sql, int};

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
        "CREATE TABLE IF NOT EXISTS attempts (n INTEGER PRIMARY KEY, record TEXT NOT NULL)",
        vec![],
    )
    .map(drop)
}

/// The counters.
pub(super) fn stats(sql: &Sql) -> ApiResult<DeliveryStats> {
    Ok(sql.meta("stats")?.unwrap_or_default())
}

/// Logs `record`; when `counted` (not a test event) it also counts in the
/// statistics, which are returned.
pub(super) fn append(sql: &Sql, record: &AttemptRecord, counted: bool) -> ApiResult<DeliveryStats> {
    let mut stats = stats(sql)?;
    sql.exec(
        "INSERT INTO attempts (n, record) \
         VALUES ((SELECT IFNULL(MAX(n), 0) + 1 FROM attempts), ?)",
        vec![json_text(record, "writing attempt")?.into()],
    )?;
    sql.exec(
        "DELETE FROM attempts WHERE n <= (SELECT MAX(n) FROM attempts) - ?",
        vec![int(KEPT)],
    )?;
    if counted {
        stats.record_attempt(record.delivered, record.sent_at);
        sql.set_meta("stats", &stats)?;
    }
    Ok(stats)
}

#[derive(Deserialize)]
struct Logged {
    n: u64,
    record: String,
}

/// Whether `cursor` is one a page of the attempt log gave out.
pub(crate) fn valid_cursor(cursor: &str) -> bool {
    cursor
        .strip_prefix(CURSOR_PREFIX)
        .is_some_and(|digits| digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// A page of `limit` attempts, newest first, before `cursor`.
pub(super) fn page(sql: &Sql, limit: u64, cursor: Option<&str>) -> ApiResult<Response> {
    let before = match cursor {
        None => u64::MAX >> 12,
        Some(cursor) if valid_cursor(cursor) => cursor[CURSOR_PREFIX.len()..].parse().unwrap_or(0),
        Some(_) => {
            return Err(ApiError::new(
                400,
                "invalid_cursor",
                "cursor is not one this API returned",
            ));
        }
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
pub(super) fn clear(sql: &Sql) -> ApiResult<()> {
    sql.exec("DELETE FROM attempts", vec![])?;
    sql.delete_meta("stats")
}
