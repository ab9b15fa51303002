//! A webhook's attempt log (its newest 1000 attempts, none older than the
//! deployment's retention) and delivery statistics.
//!
//! Table `attempts` (`n`: the attempt's number in the log, `record`: the
//! attempt as the API shows it, `stats`: the counters after it, so logging
//! and counting are one statement). When the retention sweep removes
//! entries, the counters are also kept in `meta` (`counters`), so they
//! outlive the log. A cursor is `attempt/` and the twelve digits of the
//! last `n` of a page.
//!
//! Table `hourly` (`hour`: the start of a UTC hour in ms, `bucket`: that
//! hour's counts and latency histogram, an [`HourBucket`]): the counted
//! attempts of the last 168 hours; older hours go when a new one starts.

use edgehooks_core::service::hourly::{HOUR_MS, hour_series, hour_start, oldest_kept_hour};
use edgehooks_core::service::{DeliveryStats, HourBucket, HourSummary};
use serde::{Deserialize, Serialize};
use worker::Response;

use super::client::{ATTEMPT_CURSOR, AttemptFilter, cursor, cursor_position};
use super::outbox;
use super::state::Agent;
use crate::attempt::AttemptRecord;
use crate::error::{ApiError, ApiResult};
use crate::http::{json_response, json_text};
use crate::sql::{Sql, Value, as_text, as_u64, int};

/// Attempts kept per webhook.
const KEPT: u64 = 1000;

/// A page of the attempt log, newest first.
#[derive(Serialize, Deserialize)]
pub(crate) struct AttemptPage {
    pub(crate) attempts: Vec<AttemptRecord>,
    pub(crate) cursor: Option<String>,
}

/// The statistics of the last hours, oldest first, as the API shows them.
#[derive(Serialize)]
struct HourlyStatistics {
    hours: Vec<HourSummary>,
}

/// The counters as of log entry `n`, kept apart from the log.
#[derive(Serialize, Deserialize)]
struct Counters {
    n: u64,
    stats: DeliveryStats,
}

pub(super) fn create_tables(sql: &Sql) -> ApiResult<()> {
    sql.exec(
        "CREATE TABLE IF NOT EXISTS attempts \
         (n INTEGER PRIMARY KEY, record TEXT NOT NULL, stats TEXT NOT NULL)",
        vec![],
    )?;
    sql.exec(
        "CREATE TABLE IF NOT EXISTS hourly (hour INTEGER PRIMARY KEY, bucket TEXT NOT NULL)",
        vec![],
    )
    .map(drop)
}

/// The number of the newest attempt logged (0 before the first) and the
/// counters after it: from the log, or from `meta` when the retention
/// sweep removed the newest entries.
pub(super) fn newest(sql: &Sql) -> ApiResult<(u64, DeliveryStats)> {
    let rows = sql.raw(
        "SELECT n, stats FROM attempts ORDER BY n DESC LIMIT 1",
        vec![],
    )?;
    let logged = match rows.first().filter(|r| r.len() == 2) {
        Some(row) => Some(Counters {
            n: as_u64(&row[0]),
            stats: serde_json::from_str(&as_text(&row[1]))
                .map_err(|e| ApiError::internal("reading statistics", e))?,
        }),
        None => None,
    };
    let kept = sql.meta::<Counters>("counters")?;
    let newest = match (logged, kept) {
        (Some(logged), Some(kept)) if kept.n > logged.n => Some(kept),
        (Some(logged), _) => Some(logged),
        (None, kept) => kept,
    };
    Ok(newest.map_or((0, DeliveryStats::default()), |c| (c.n, c.stats)))
}

/// Logs `record` (the oldest attempt past the newest 1000 goes); when
/// `counted` (not a test event) it also counts in the statistics, which are
/// returned, and a failure is noted on its message in the outbox.
pub(super) fn append(
    agent: &Agent,
    record: &AttemptRecord,
    counted: bool,
) -> ApiResult<DeliveryStats> {
    let n = agent.last_logged.get() + 1;
    let mut stats = agent.stats.borrow_mut();
    if counted {
        stats.record_attempt(record.delivered, record.sent_at);
        count_in_hour(agent, record)?;
        if let Some(error) = record.error.as_ref().filter(|_| !record.delivered) {
            let error = json_text(error, "writing attempt")?;
            outbox::note_error(agent, &record.topic, record.topic_sequence_number, error)?;
        }
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

/// Counts `record` in the statistics of the hour it was sent in. The
/// newest hour is kept in memory too; when a later one starts, the hours
/// before the kept window are removed.
fn count_in_hour(agent: &Agent, record: &AttemptRecord) -> ApiResult<()> {
    let hour = hour_start(record.sent_at);
    let newest = *agent.hour.borrow();
    let mut bucket = match newest {
        Some(bucket) if bucket.hour == hour => bucket,
        _ => stored_hour(&agent.sql, hour)?.unwrap_or_else(|| HourBucket::for_time(hour)),
    };
    let later = newest.is_none_or(|newest| hour > newest.hour);
    if later {
        agent.sql.exec(
            "DELETE FROM hourly WHERE hour < ?",
            vec![int(oldest_kept_hour(hour))],
        )?;
    }
    bucket.record(record.delivered, record.latency_ms);
    agent.sql.exec(
        "INSERT INTO hourly (hour, bucket) VALUES (?, ?) \
         ON CONFLICT (hour) DO UPDATE SET bucket = excluded.bucket",
        vec![int(hour), json_text(&bucket, "writing statistics")?.into()],
    )?;
    if later || newest.is_some_and(|newest| newest.hour == hour) {
        *agent.hour.borrow_mut() = Some(bucket);
    }
    Ok(())
}

#[derive(Deserialize)]
struct StoredHour {
    bucket: String,
}

fn read_hour(row: &StoredHour) -> ApiResult<HourBucket> {
    serde_json::from_str(&row.bucket).map_err(|e| ApiError::internal("reading statistics", e))
}

/// The stored statistics of the hour starting at `hour`, if it has any.
fn stored_hour(sql: &Sql, hour: u64) -> ApiResult<Option<HourBucket>> {
    let rows: Vec<StoredHour> =
        sql.rows("SELECT bucket FROM hourly WHERE hour = ?", vec![int(hour)])?;
    rows.first().map(read_hour).transpose()
}

/// `GET .../statistics`: the last `hours` hours up to the one `now` is
/// in, oldest first, one entry per hour (zeros for those without
/// attempts).
pub(super) fn hourly(sql: &Sql, now: u64, hours: u32) -> ApiResult<Response> {
    let since = hour_start(now).saturating_sub(u64::from(hours.saturating_sub(1)) * HOUR_MS);
    let rows: Vec<StoredHour> = sql.rows(
        "SELECT bucket FROM hourly WHERE hour >= ? ORDER BY hour",
        vec![int(since)],
    )?;
    let kept = rows.iter().map(read_hour).collect::<ApiResult<Vec<_>>>()?;
    json_response(
        200,
        &HourlyStatistics {
            hours: hour_series(&kept, now, hours),
        },
    )
}

#[derive(Deserialize)]
struct Logged {
    n: u64,
    record: String,
}

/// Whether `cursor` is one a page of the attempt log gave out.
pub(crate) fn valid_cursor(cursor: &str) -> bool {
    cursor_position(ATTEMPT_CURSOR, cursor).is_some()
}

/// A page of `limit` attempts that pass `filter`, newest first, before
/// `cursor`.
pub(super) fn page(
    sql: &Sql,
    limit: u64,
    cursor_text: Option<&str>,
    filter: &AttemptFilter,
) -> ApiResult<Response> {
    let before = match cursor_text {
        None => u64::MAX >> 12,
        Some(text) => cursor_position(ATTEMPT_CURSOR, text).ok_or_else(ApiError::invalid_cursor)?,
    };
    let limit = limit.clamp(1, 100);
    // -1: any outcome; 1: delivered; 0: failed (`json_extract` reads a
    // JSON boolean as 1 or 0).
    let outcome: Value = filter.delivered.map_or(-1, i32::from).into();
    let mut rows: Vec<Logged> = sql.rows(
        "SELECT n, record FROM attempts WHERE n < ? \
         AND (? = -1 OR json_extract(record, '$.delivered') = ?) \
         AND json_extract(record, '$.sentAt') BETWEEN ? AND ? \
         ORDER BY n DESC LIMIT ?",
        vec![
            int(before),
            outcome.clone(),
            outcome,
            int(filter.since),
            int(filter.until),
            int(limit + 1),
        ],
    )?;
    let more = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let next = more
        .then(|| rows.last().map(|r| cursor(ATTEMPT_CURSOR, r.n)))
        .flatten();
    let attempts = rows
        .iter()
        .map(|r| serde_json::from_str(&r.record))
        .collect::<Result<_, _>>()
        .map_err(|e| ApiError::internal("reading attempts", e))?;
    json_response(
        200,
        &AttemptPage {
            attempts,
            cursor: next,
        },
    )
}

/// Removes up to `batch` of the oldest entries sent before `cutoff` (ms);
/// returns whether a whole batch went (more may be due). The counters are
/// kept in `meta` first.
pub(super) fn sweep(agent: &Agent, cutoff: u64, batch: u64) -> ApiResult<bool> {
    let removed = agent.sql.exec(
        "DELETE FROM attempts WHERE n IN (SELECT n FROM attempts ORDER BY n LIMIT ?) \
         AND json_extract(record, '$.sentAt') < ? RETURNING n",
        vec![int(batch), int(cutoff)],
    )?;
    if removed > 0 {
        let counters = Counters {
            n: agent.last_logged.get(),
            stats: agent.stats.borrow().clone(),
        };
        agent.sql.set_meta("counters", &counters)?;
    }
    Ok(removed as u64 == batch)
}

/// When the oldest entry was sent, if the log holds any.
pub(super) fn oldest(sql: &Sql) -> ApiResult<Option<u64>> {
    let rows = sql.raw(
        "SELECT json_extract(record, '$.sentAt') FROM attempts ORDER BY n LIMIT 1",
        vec![],
    )?;
    Ok(rows.first().and_then(|row| row.first()).map(as_u64))
}

/// Forgets every attempt, counter and hour (the webhook is gone).
pub(super) fn clear(agent: &Agent) -> ApiResult<()> {
    agent.sql.exec("DELETE FROM attempts", vec![])?;
    agent.sql.exec("DELETE FROM hourly", vec![])?;
    *agent.hour.borrow_mut() = None;
    agent.sql.delete_meta("counters")?;
    agent.last_logged.set(0);
    *agent.stats.borrow_mut() = DeliveryStats::default();
    Ok(())
}
