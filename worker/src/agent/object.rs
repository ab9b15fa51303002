//! The `WebhookAgent` Durable Object, one per `cache/webhook`: routing of
//! its protocol, reading its state once, its alarm, and the retention
//! sweep the alarm makes.
//!
//! SQLite tables: `meta` (`webhook`: the stored webhook; `lineage`: the
//! last generation and revision given, kept across deletes; `sync`: topic
//! and index updates still to make; `paused_until`; `counters`;
//! `outbox_version`), `outbox`, `delivered`, `received`, `attempts` and
//! `hourly` (see `outbox` and `log`).

use std::rc::Rc;

use worker::{DurableObject, Env, Method, Request, Response, Result, State, durable_object};

use edgehooks_core::service::hourly::validate_hours;

use super::client::AttemptFilter;
use super::state::{Agent, StoredWebhook};
use super::{config, deliver, log, outbox};
use crate::error::{ApiError, ApiResult};
use crate::http::{query, request_body, required_query};
use crate::platform::{now_ms, random_bytes, retention_ms};

/// Rows of each kind one retention sweep removes at most.
const SWEEP_BATCH: u64 = 256;
/// How soon a sweep that stopped at a batch's end goes on.
const GO_ON_MS: u64 = 1_000;
/// The longest sweeps are apart while something is kept.
const MAX_SPACING_MS: u64 = 3_600_000;

/// One instance per `cache/webhook`.
#[durable_object(alarm)]
pub struct WebhookAgent {
    agent: Rc<Agent>,
}

impl DurableObject for WebhookAgent {
    fn new(state: State, env: Env) -> Self {
        WebhookAgent {
            agent: Rc::new(Agent::new(state, env)),
        }
    }

    /// The management operations (`PUT`, `PATCH`, `GET`, `DELETE
    /// /webhook`, `GET /secret`, `POST /secret/rotate`, `POST /test`,
    /// `GET /attempts?limit=&cursor=&status=&since=&until=`,
    /// `GET /statistics?hours=`, `GET /undelivered?limit=&cursor=`,
    /// `POST /requeue` with a `ReplayWindow`, `POST /reseal`), each
    /// answered as the API answers it, and the
    /// delivery operations `POST /enqueue` (hand-offs from a topic) and
    /// `POST /deliver` (a sync delivery). Every call names the webhook:
    /// `?cache=&name=`.
    async fn fetch(&self, req: Request) -> Result<Response> {
        match self.route(req).await {
            Ok(response) => Ok(response),
            Err(err) => err.into_response(),
        }
    }

    /// Finishes an interrupted change, makes due attempts unless a
    /// delivery task is already at work, and removes what outlived the
    /// retention. Failures never escape (the platform retries a failing
    /// alarm only a few times): the run sets its own next alarm.
    async fn alarm(&self) -> Result<Response> {
        let agent = &self.agent;
        agent.alarm_at.set(None);
        if let Err(err) = load(agent) {
            worker::console_error!("webhook alarm: {}", err.message);
            return Response::empty();
        }
        self.sweep_if_due();
        if agent.delivering.replace(true) {
            agent.again.set(true);
            if let Err(err) = agent.wake_at(now_ms() + deliver::WATCHDOG_MS).await {
                worker::console_error!("webhook alarm: {}", err.message);
            }
        } else {
            deliver::work(agent).await;
        }
        // The alarm that went off is spent, so a later one may be set.
        if agent.webhook().is_some()
            && let Err(err) = agent.wake_at(self.agent.next_sweep.get()).await
        {
            worker::console_error!("webhook alarm: {}", err.message);
        }
        Response::empty()
    }
}

impl WebhookAgent {
    async fn route(&self, req: Request) -> ApiResult<Response> {
        let agent = &self.agent;
        load(agent)?;
        let body = match req.method() {
            Method::Get | Method::Delete => Vec::new(),
            _ => request_body(&req).await?,
        };
        match (req.method(), req.path().as_str()) {
            (Method::Put, "/webhook") => {
                let cache = required_query(&req, "cache")?;
                let name = required_query(&req, "name")?;
                let create_only = query(&req, "createOnly")?.as_deref() == Some("1");
                config::put(agent, &cache, &name, &body, create_only).await
            }
            (Method::Patch, "/webhook") => config::patch(agent, &body).await,
            (Method::Delete, "/webhook") => config::delete(agent).await,
            (Method::Get, "/webhook") => config::get(agent),
            (Method::Get, "/secret") => config::secret(agent),
            (Method::Post, "/secret/rotate") => config::rotate(agent, &body).await,
            (Method::Post, "/reseal") => config::reseal(agent).await,
            (Method::Post, "/test") => {
                let token_id = required_query(&req, "tokenId")?;
                let reply = deliver::test(agent, &token_id).await;
                self.kept().await?;
                reply
            }
            (Method::Get, "/attempts") => {
                let limit = query(&req, "limit")?.and_then(|l| l.parse().ok());
                let cursor = query(&req, "cursor")?;
                let filter = AttemptFilter::from_query(|name| query(&req, name))?;
                agent.existing()?;
                log::page(&agent.sql, limit.unwrap_or(50), cursor.as_deref(), &filter)
            }
            (Method::Get, "/statistics") => {
                let hours = query(&req, "hours")?
                    .and_then(|h| h.parse().ok())
                    .and_then(validate_hours)
                    .ok_or_else(ApiError::invalid_hours)?;
                agent.existing()?;
                log::hourly(&agent.sql, now_ms(), hours)
            }
            (Method::Get, "/undelivered") => {
                let limit = query(&req, "limit")?.and_then(|l| l.parse().ok());
                let cursor = query(&req, "cursor")?;
                outbox::page(agent, limit.unwrap_or(50), cursor.as_deref())
            }
            (Method::Post, "/requeue") => deliver::replay(agent, &body).await,
            (Method::Post, "/enqueue") => deliver::enqueue(agent, &body).await,
            (Method::Post, "/deliver") => {
                let reply = deliver::deliver_now(agent, &body).await;
                self.kept().await?;
                reply
            }
            _ => Err(ApiError::not_found("no such webhook operation")),
        }
    }

    /// A sweep, if one is due; plans the next one.
    fn sweep_if_due(&self) {
        let now = now_ms();
        if now < self.agent.next_sweep.get() {
            return;
        }
        let next = sweep(&self.agent, now).unwrap_or_else(|err| {
            worker::console_error!("webhook retention: {}", err.message);
            now + GO_ON_MS
        });
        self.agent.next_sweep.set(next);
    }

    /// An attempt was logged outside the delivery task (which sets the
    /// alarm itself): the next alarm sweeps. Unless an alarm is set, one
    /// is set soon (never later: an alarm set before a restart may be due
    /// sooner).
    async fn kept(&self) -> ApiResult<()> {
        self.agent
            .next_sweep
            .set(self.agent.next_sweep.get().min(now_ms()));
        if self.agent.alarm_at.get().is_none() {
            self.agent.wake_at(now_ms() + deliver::WATCHDOG_MS).await?;
        }
        Ok(())
    }
}

/// Removes a batch of the attempt log, given-up messages and delivered
/// bodies older than the retention; returns when to sweep next: soon if a
/// batch was full, else when the oldest left expires (or one retention
/// ahead, when nothing is kept), never sooner than a tenth of the
/// retention (at most an hour) from now.
fn sweep(agent: &Agent, now: u64) -> ApiResult<u64> {
    let retention = retention_ms(&agent.env);
    let cutoff = now.saturating_sub(retention);
    let log_full = log::sweep(agent, cutoff, SWEEP_BATCH)?;
    let outbox_full = outbox::sweep(&agent.sql, cutoff, SWEEP_BATCH)?;
    if log_full || outbox_full {
        return Ok(now + GO_ON_MS);
    }
    let oldest = [log::oldest(&agent.sql)?, outbox::oldest_kept(&agent.sql)?]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(now);
    let spacing = (retention / 10).clamp(100, MAX_SPACING_MS);
    Ok((oldest + retention).max(now + spacing))
}

/// Creates the tables and reads the stored state, once per object
/// lifetime (all synchronous, so nothing runs in between).
fn load(agent: &Agent) -> ApiResult<()> {
    if agent.loaded.get() {
        return Ok(());
    }
    agent.sql.create_meta()?;
    outbox::create_tables(&agent.sql)?;
    log::create_tables(&agent.sql)?;
    *agent.webhook.borrow_mut() = agent.sql.meta::<StoredWebhook>("webhook")?.map(Rc::new);
    agent
        .paused_until
        .set(agent.sql.meta::<u64>("paused_until")?.unwrap_or(0));
    let (last_logged, stats) = log::newest(&agent.sql)?;
    agent.last_logged.set(last_logged);
    *agent.stats.borrow_mut() = stats;
    agent
        .sync_pending
        .set(agent.sql.meta::<serde_json::Value>("sync")?.is_some());
    agent
        .jitter
        .borrow_mut()
        .seed(u64::from_le_bytes(random_bytes::<8>()?));
    agent.loaded.set(true);
    Ok(())
}
