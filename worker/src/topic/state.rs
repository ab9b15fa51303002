//! A topic object's state, shared by its requests and its hand-off rounds:
//! what it keeps in memory between requests, and the plain types it holds.

use core::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use futures_channel::oneshot;
use serde::{Deserialize, Serialize};
use worker::{Env, State};

use super::client::Subscription;
use super::stream::Streams;
use crate::error::ApiResult;
use crate::platform::set_alarm;
use crate::sql::Sql;

/// Longest wait before a failing webhook's hand-offs are tried again.
const MAX_BACKOFF_MS: u64 = 60_000;

/// The cache and topic an object serves, stored at its first publish.
#[derive(Clone, Serialize, Deserialize)]
pub(super) struct TopicName {
    pub(super) cache: String,
    pub(super) topic: String,
}

/// A topic object's state, shared with its hand-off rounds.
pub(super) struct TopicState {
    state: State,
    pub(super) env: Env,
    pub(super) sql: Sql,
    /// The tables exist and the state below is read.
    pub(super) loaded: Cell<bool>,
    /// The last number given.
    pub(super) sequence: Cell<u64>,
    pub(super) name: RefCell<Option<TopicName>>,
    pub(super) subscribers: RefCell<BTreeMap<String, Subscription>>,
    /// When the alarm this object set will go off, until it starts.
    pub(super) alarm_at: Cell<Option<u64>>,
    /// A hand-off round is running; `again` asks it for one more.
    pub(super) handing_off: Cell<bool>,
    pub(super) again: Cell<bool>,
    pub(super) backoff: Backoff,
    pub(super) streams: Streams,
    /// Repeats of an idempotent publish waiting for its first call to
    /// record its response, by key.
    pub(super) waiting: RefCell<BTreeMap<String, Vec<oneshot::Sender<()>>>>,
    /// When the next retention sweep is due (ms); `None` while nothing
    /// that expires is kept. A new instance sweeps at its first alarm.
    pub(super) next_sweep: Cell<Option<u64>>,
}

impl TopicState {
    /// The state of a new instance: nothing read yet.
    pub(super) fn new(state: State, env: Env) -> Self {
        TopicState {
            sql: Sql::new(&state),
            state,
            env,
            loaded: Cell::new(false),
            sequence: Cell::new(0),
            name: RefCell::new(None),
            subscribers: RefCell::new(BTreeMap::new()),
            alarm_at: Cell::new(None),
            handing_off: Cell::new(false),
            again: Cell::new(false),
            backoff: Backoff::default(),
            streams: Streams::default(),
            waiting: RefCell::new(BTreeMap::new()),
            next_sweep: Cell::new(Some(0)),
        }
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

/// The webhooks whose hand-offs failed: how many times in a row, and when
/// to try again. Kept in memory: after a restart every hand-off is retried
/// at once.
#[derive(Default)]
pub(super) struct Backoff {
    failing: RefCell<BTreeMap<(String, u64), (u32, u64)>>,
}

impl Backoff {
    pub(super) fn retry_at(&self, webhook: &str, generation: u64) -> Option<u64> {
        let key = (webhook.to_owned(), generation);
        self.failing.borrow().get(&key).map(|(_, at)| *at)
    }

    pub(super) fn failed(&self, webhook: &str, generation: u64, now: u64) -> u64 {
        let key = (webhook.to_owned(), generation);
        let mut failing = self.failing.borrow_mut();
        let entry = failing.entry(key).or_insert((0, now));
        entry.0 += 1;
        let wait = (500u64 << entry.0.min(16)).min(MAX_BACKOFF_MS);
        entry.1 = now + wait;
        entry.1
    }

    pub(super) fn succeeded(&self, webhook: &str, generation: u64) {
        let key = (webhook.to_owned(), generation);
        self.failing.borrow_mut().remove(&key);
    }
}
