//! The `WebhookAgent` Durable Object, one per `cache/webhook`: routing of
//! its protocol, its state, and its alarm.
//!
//! SQLite tables: `meta` (`webhook`: the stored webhook; `lineage`: the
//! last generation and revision given, kept across deletes; `sync`: topic
//! and index updates still to make; `paused_until`), `outbox`, `received`
//! and `attempts` (see `outbox` and `log`).

use core::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

use edgehooks_core::DeliveryStats;
use worker::{DurableObject, Env, Method, Request, Response, Result, State, durable_object};

use super::config::{self, CachedSigner, StoredWebhook};
use super::outbox::{self, Due};
use super::{deliver, log};
use crate::error::{ApiError, ApiResult};
use crate::http::{query, request_body};
use crate::platform::{now_ms, random_bytes, set_alarm};
use crate::sql::Sql;

/// One instance per `cache/webhook`.
#[durable_object(alarm)]
pub struct WebhookAgent {
    agent: Rc<Agent>,
}

/// A webhook object's state, shared with its delivery task.
pub(crate) struct Agent {
    pub(super) env: Env,
    state: State,
    pub(super) sql: Sql,
    /// The tables exist and the state below is read.
    loaded: Cell<bool>,
    /// The stored webhook, kept in step with every change (`None` when
    /// there is none).
    webhook: RefCell<Option<Rc<StoredWebhook>>>,
    /// Changes of the configuration, with their updates of topics and
    /// index, are made one at a time.
    pub(super) changes: async_lock::Mutex<()>,
    /// Outbox rows being attempted now.
    pub(super) in_flight: RefCell<BTreeSet<u64>>,
    /// No attempt starts before this time (ms): the receiver's
    /// `Retry-After`.
    pub(super) paused_until: Cell<u64>,
    /// When the last attempt started (ms), for pacing.
    pub(super) last_start: Cell<u64>,
    /// When the alarm this object set will go off, until it starts.
    alarm_at: Cell<Option<u64>>,
    /// A delivery task is running; `again` asks it to look once more.
    pub(super) delivering: Cell<bool>,
    pub(super) again: Cell<bool>,
    /// The counters, as stored.
    pub(super) stats: RefCell<DeliveryStats>,
    /// The number of the newest attempt in the log.
    pub(super) last_logged: Cell<u64>,
    /// Per topic, the highest sequence number taken (read once per topic).
    pub(super) received: RefCell<BTreeMap<String, u64>>,
    /// The signer of the current secrets, while they stay the same.
    pub(super) signer: RefCell<Option<CachedSigner>>,
    /// How many outbox rows are pending, once counted (see `outbox`).
    pub(super) pending: Cell<Option<u64>>,
    /// Rows just stored and due now, oldest first, with their messages:
    /// when they are all that waits, the next attempt needs no lookup.
    pub(super) fresh: RefCell<VecDeque<Due>>,
    /// A change's updates of topics and index are still to make.
    pub(super) sync_pending: Cell<bool>,
    /// Spreads retry times (the schedule's jitter); seeded once.
    pub(super) jitter: RefCell<fastrand::Rng>,
}

impl DurableObject for WebhookAgent {
    fn new(state: State, env: Env) -> Self {
        WebhookAgent {
            agent: Rc::new(Agent {
                sql: Sql::new(&state),
                state,
                env,
                loaded: Cell::new(false),
                webhook: RefCell::new(None),
                changes: async_lock::Mutex::new(()),
                in_flight: RefCell::new(BTreeSet::new()),
                paused_until: Cell::new(0),
                last_start: Cell::new(0),
                alarm_at: Cell::new(None),
                delivering: Cell::new(false),
                again: Cell::new(false),
                stats: RefCell::new(DeliveryStats::default()),
                last_logged: Cell::new(0),
                received: RefCell::new(BTreeMap::new()),
                signer: RefCell::new(None),
                pending: Cell::new(None),
                fresh: RefCell::new(VecDeque::new()),
                sync_pending: Cell::new(false),
                jitter: RefCell::new(fastrand::Rng::with_seed(0)),
            }),
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
        if let Err(err) = agent.load() {
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
        agent.load()?;
        let body = match req.method() {
            Method::Get | Method::Delete => Vec::new(),
            _ => request_body(&req).await?,
        };
        match (req.method(), req.path().as_str()) {
            (Method::Put, "/webhook") => {
                let cache = query(&req, "cache")?.unwrap_or_default();
                let name = query(&req, "name")?.unwrap_or_default();
                let create_only = query(&req, "createOnly")?.as_deref() == Some("1");
                config::put(agent, &cache, &name, &body, create_only).await
            }
            (Method::Patch, "/webhook") => config::patch(agent, &body).await,
            (Method::Delete, "/webhook") => config::delete(agent).await,
            (Method::Get, "/webhook") => config::get(agent),
            (Method::Get, "/secret") => config::secret(agent),
            (Method::Post, "/secret/rotate") => config::rotate(agent, &body).await,
            (Method::Post, "/test") => {
                let token_id = query(&req, "tokenId")?.unwrap_or_default();
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

impl Agent {
    /// Creates the tables and reads the stored state, once per object
    /// lifetime (all synchronous, so nothing runs in between).
    fn load(&self) -> ApiResult<()> {
        if self.loaded.get() {
            return Ok(());
        }
        self.sql.create_meta()?;
        outbox::create_tables(&self.sql)?;
        log::create_tables(&self.sql)?;
        *self.webhook.borrow_mut() = self.sql.meta::<StoredWebhook>("webhook")?.map(Rc::new);
        self.paused_until
            .set(self.sql.meta::<u64>("paused_until")?.unwrap_or(0));
        let (last_logged, stats) = log::newest(&self.sql)?;
        self.last_logged.set(last_logged);
        *self.stats.borrow_mut() = stats;
        self.sync_pending
            .set(self.sql.meta::<serde_json::Value>("sync")?.is_some());
        self.jitter
            .borrow_mut()
            .seed(u64::from_le_bytes(random_bytes::<8>()?));
        self.loaded.set(true);
        Ok(())
    }

    /// The stored webhook, if there is one.
    pub(super) fn webhook(&self) -> Option<Rc<StoredWebhook>> {
        self.webhook.borrow().clone()
    }

    /// The stored webhook, or `not_found`.
    pub(super) fn existing(&self) -> ApiResult<Rc<StoredWebhook>> {
        self.webhook()
            .ok_or_else(|| ApiError::not_found("no webhook with this name in this cache"))
    }

    /// Replaces the kept copy of the stored webhook (the caller writes it
    /// to storage in the same step).
    pub(super) fn keep(&self, webhook: Option<StoredWebhook>) {
        *self.webhook.borrow_mut() = webhook.map(Rc::new);
    }

    /// Sets the alarm to `at_ms`, unless it is set to go off sooner.
    pub(super) async fn wake_at(&self, at_ms: u64) -> ApiResult<()> {
        if self.alarm_at.get().is_some_and(|set| set <= at_ms) {
            return Ok(());
        }
        set_alarm(&self.state, at_ms).await?;
        self.alarm_at.set(Some(at_ms));
        Ok(())
    }
}
