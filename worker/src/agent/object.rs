//! The `WebhookAgent` Durable Object, one per `cache/webhook`: routing of
//! its protocol, its tables, and its alarm.
//!
//! SQLite tables: `meta` (`webhook`: the stored webhook; `lineage`: the
//! last generation and revision given, kept across deletes; `sync`: topic
//! and index updates still to make; `stats`; `paused_until`), `outbox`,
//! `received` and `attempts` (see `outbox` and `log`).

use core::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;

use worker::{DurableObject, Env, Method, Request, Response, Result, State, durable_object};

use super::config::{self, StoredWebhook};
use super::{deliver, log, outbox};
use crate::error::{ApiError, ApiResult};
use crate::http::query;
use crate::platform::{now_ms, set_alarm};
use crate::sql::Sql;

/// One instance per `cache/webhook`.
#[durable_object(alarm)]
pub struct WebhookAgent {
    pub(super) env: Env,
    state: State,
    pub(super) sql: Sql,
    /// The tables exist and the stored webhook is read.
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
}

impl DurableObject for WebhookAgent {
    fn new(state: State, env: Env) -> Self {
        WebhookAgent {
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

    /// Makes due attempts. Failures never escape (the platform retries a
    /// failing alarm only a few times): the run sets its own next alarm.
    async fn alarm(&self) -> Result<Response> {
        self.alarm_at.set(None);
        match self.load() {
            Ok(()) => deliver::run(self).await,
            Err(err) => worker::console_error!("webhook alarm: {}", err.message),
        }
        Response::empty()
    }
}

impl WebhookAgent {
    async fn route(&self, mut req: Request) -> ApiResult<Response> {
        self.load()?;
        let cache = query(&req, "cache")?.unwrap_or_default();
        let name = query(&req, "name")?.unwrap_or_default();
        let body = match req.method() {
            Method::Get | Method::Delete => Vec::new(),
            _ => req.bytes().await?,
        };
        match (req.method(), req.path().as_str()) {
            (Method::Put, "/webhook") => {
                let create_only = query(&req, "createOnly")?.as_deref() == Some("1");
                config::put(self, &cache, &name, &body, create_only).await
            }
            (Method::Patch, "/webhook") => config::patch(self, &body).await,
            (Method::Delete, "/webhook") => config::delete(self).await,
            (Method::Get, "/webhook") => config::get(self),
            (Method::Get, "/secret") => config::secret(self),
            (Method::Post, "/secret/rotate") => config::rotate(self, &body).await,
            (Method::Post, "/test") => {
                let token_id = query(&req, "tokenId")?.unwrap_or_default();
                deliver::test(self, &token_id).await
            }
            (Method::Get, "/attempts") => {
                let limit = query(&req, "limit")?.and_then(|l| l.parse().ok());
                let cursor = query(&req, "cursor")?;
                self.existing()?;
                log::page(&self.sql, limit.unwrap_or(50), cursor.as_deref())
            }
            (Method::Post, "/replay") => deliver::replay(self, &body).await,
            (Method::Post, "/enqueue") => deliver::enqueue(self, &body).await,
            (Method::Post, "/deliver") => deliver::deliver_now(self, &body).await,
            _ => Err(ApiError::not_found("no such webhook operation")),
        }
    }

    /// Creates the tables and reads the stored webhook, once per object
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

    /// Sets the alarm to now, so due attempts start.
    pub(super) async fn wake(&self) -> ApiResult<()> {
        self.wake_at(now_ms()).await
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
