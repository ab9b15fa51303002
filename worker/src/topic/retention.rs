//! What a topic keeps is removed by its alarm once it has served: expired
//! `Idempotency-Key` records (24 hours), and stored messages older than
//! the deployment's retention (`RETENTION_DAYS`) whose hand-offs are all
//! made (a message normally goes as soon as its last hand-off is made;
//! this removes any that stayed). Each sweep removes bounded batches and
//! sets the alarm for the next thing to expire.

use super::state::TopicState;
use crate::error::ApiResult;
use crate::platform::{now_ms, retention_ms};
use crate::sql::{Value, as_u64, int};

/// Rows of each kind one sweep removes at most.
pub(super) const SWEEP_BATCH: u64 = 256;
/// How soon a sweep that stopped at a batch's end goes on.
const GO_ON_MS: u64 = 1_000;
/// The longest sweeps are apart while something is kept.
const MAX_SPACING_MS: u64 = 3_600_000;

/// Sweeps if one is due, then sets the alarm for the next sweep if
/// anything is kept (called from the alarm, whose own time has passed, so
/// a later time can be set).
pub(super) async fn run(topic: &TopicState) {
    let now = now_ms();
    if topic.next_sweep.get().is_some_and(|at| at <= now) {
        let next = sweep(topic, now).unwrap_or_else(|err| {
            worker::console_error!("topic retention: {}", err.message);
            Some(now + GO_ON_MS)
        });
        topic.next_sweep.set(next);
    }
    if let Some(at) = topic.next_sweep.get()
        && let Err(err) = topic.wake_at(at).await
    {
        worker::console_error!("topic retention: setting the alarm: {}", err.message);
    }
}

/// Something that expires was stored (a key, a message): the next alarm
/// sweeps and plans the sweeps after it. Unless an alarm is set, one is
/// set `soon_ms` ahead (never later: an alarm set before a restart may be
/// due sooner).
pub(super) async fn kept(topic: &TopicState, soon_ms: u64) -> ApiResult<()> {
    let now = now_ms();
    topic
        .next_sweep
        .set(Some(topic.next_sweep.get().map_or(now, |at| at.min(now))));
    if topic.alarm_at.get().is_none() {
        topic.wake_at(now + soon_ms).await?;
    }
    Ok(())
}

/// Removes a batch of what expired by `now`; returns when to sweep next,
/// if anything is kept.
fn sweep(topic: &TopicState, now: u64) -> ApiResult<Option<u64>> {
    let retention = retention_ms(&topic.env);
    let keys = topic.forget_expired(now, SWEEP_BATCH)?;
    let messages = topic.sql.exec(
        "DELETE FROM messages WHERE seq IN (SELECT seq FROM messages WHERE published_at < ? \
         AND NOT EXISTS (SELECT 1 FROM handoffs WHERE handoffs.seq = messages.seq) \
         ORDER BY seq LIMIT ?) RETURNING seq",
        vec![int(now.saturating_sub(retention)), int(SWEEP_BATCH)],
    )? as u64;
    if keys == SWEEP_BATCH || messages == SWEEP_BATCH {
        return Ok(Some(now + GO_ON_MS));
    }
    let rows = topic
        .sql
        .raw("SELECT MIN(published_at) FROM messages", vec![])?;
    let message_expiry = rows
        .first()
        .and_then(|row| row.first())
        .filter(|v| !matches!(v, Value::Null))
        .map(|at| as_u64(at) + retention);
    let next = [topic.next_key_expiry()?, message_expiry]
        .into_iter()
        .flatten()
        .min();
    let spacing = (retention / 10).clamp(100, MAX_SPACING_MS);
    Ok(next.map(|at| at.max(now + spacing)))
}
