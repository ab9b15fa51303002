//! The `WebhookAgent` Durable Object, one per `cache/webhook`: routing of
//! its protocol, reading its state once, and its alarm.
//!
//! SQLite tables: `meta` (`webhook`: the stored webhook; `lineage`: the
//! last generation and revision given, kept across deletes; `sync`: topic
//! and index updates still to make; `paused_until`), `outbox`, `received`
//! and `attempts` (see `outbox` and `log`).

use std::rc::Rc;

use worker::{DurableObject, Env, Method, Request, Response, Result, State, durable_object};

use super::state::{Agent, StoredWebhook};
use super::{config, deliver, log, outbox};
use crate::error::{ApiError, ApiResult};
use crate::http::{query, request_body, required_query};
use crate::platform::{now_ms, random_bytes};

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
    /// `GET /attempts`, `POST /replay`), each answered as the API answers
    /// it, and the delivery operations `POST /enqueue` (hand-offs from a
    /// topic) and `POST /deliver` (a sync delivery). Every call names the
    /// webhook: `?cache=&name=`.
    async fn fetch(&self, req: Request) -> Result<Response> {
        match self.route(req).await {
            Ok(response) => Ok(response),
            Err(err) => err.into_response(),
        }
    }

    /// Finishes an interrupted change, and makes due attempts unless a
    /// delivery task is already at work. Failures never escape (the
    /// platform retries a failing alarm only a few times): the run sets its
    /// own next alarm.
    async fn alarm(&self) -> Result<Response> {
        let agent = &self.agent;
        agent.alarm_at.set(None);
        if let Err(err) = load(agent) {
            worker::console_error!("webhook alarm: {}", err.message);
            return Response::empty();
        }
        if agent.delivering.replace(true) {
            agent.again.set(true);
            if let Err(err) = agent.wake_at(now_ms() + deliver::WATCHDOG_MS).await {
                worker::console_error!("webhook alarm: {}", err.message);
            }
        } else {
            deliver::work(agent).await;
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
            (Method::Post, "/test") => {
                let token_id = required_query(&req, "tokenId")?;
                deliver::test(agent, &token_id).await
            }
            (Method::Get, "/attempts") => {
                let limit = query(&req, "limit")?.and_then(|l| l.parse().ok());
                let cursor = query(&req, "cursor")?;
                agent.existing()?;
                log::page(&agent.sql, limit.unwrap_or(50), cursor.as_deref())
            }
            (Method::Post, "/replay") => deliver::replay(agent, &body).await,
            (Method::Post, "/enqueue") => deliver::enqueue(agent, &body).await,
            (Method::Post, "/deliver") => deliver::deliver_now(agent, &body).await,
            _ => Err(ApiError::not_found("no such webhook operation")),
        }
    }
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
