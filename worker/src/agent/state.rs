//! A webhook object's state, shared by its operations and its delivery
//! task: what it keeps in memory between requests (each value is stored
//! too, or derived from what is), and the plain types they hold.

use core::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::rc::Rc;

use edgehooks_core::Message;
use edgehooks_core::service::{DeliveryStats, HourBucket, UrlPolicy, WebhookConfig};
use serde::{Deserialize, Serialize};
use worker::{Env, State};

use super::client::{Handed, owner};
use crate::attempt::Target;
use crate::delivery_auth::{Credentials, Tokens};
use crate::error::{ApiError, ApiResult};
use crate::platform::set_alarm;
use crate::sql::Sql;

/// A webhook as its object stores it: its configuration, its sealed
/// secrets, its times, its generation (which a namesake created after a
/// delete does not share) and the revision of its last change.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredWebhook {
    pub(crate) config: WebhookConfig,
    pub(crate) sealed_secrets: String,
    pub(crate) created_at: u64,
    pub(crate) updated_at: u64,
    pub(crate) generation: u64,
    pub(crate) revision: u64,
}

impl StoredWebhook {
    /// `cache/name`: what its sealed secrets are bound to.
    pub(crate) fn owner(&self) -> String {
        owner(&self.config.id.cache_name, &self.config.id.webhook_name)
    }
}

/// A signer kept between attempts: for one revision of the webhook, until
/// a rotation's grace period ends (then the secrets it signs with change).
pub(crate) struct CachedSigner {
    pub(super) revision: u64,
    pub(super) valid_until: u64,
    pub(super) signer: Rc<Signer>,
}

/// What the webhook's secrets open to: the signing webhook, and the secret
/// of its `auth` (client secret or password) when it has one.
pub(crate) struct Signer {
    pub(crate) webhook: edgehooks_core::Webhook,
    pub(crate) auth_secret: Option<edgehooks_core::SecretString>,
}

impl Signer {
    /// The target of an attempt of `stored` with this signer.
    pub(crate) fn target<'a>(
        &'a self,
        stored: &'a StoredWebhook,
        tokens: &'a Tokens,
        policy: UrlPolicy,
        delivery_id: String,
    ) -> Target<'a> {
        let config = &stored.config;
        let auth = config.auth.as_ref().zip(self.auth_secret.as_ref());
        Target {
            config,
            signer: &self.webhook,
            auth: auth.map(|(auth, secret)| {
                let credentials = Credentials {
                    auth,
                    secret,
                    revision: stored.revision,
                    timeout_ms: config.timeout_ms,
                    policy,
                };
                (credentials, tokens)
            }),
            delivery_id,
        }
    }
}

/// A message due for an attempt.
pub(super) struct Due {
    pub(super) id: u64,
    pub(super) topic: String,
    pub(super) sequence: u64,
    pub(super) publish_timestamp: u64,
    pub(super) token_id: String,
    /// Attempts made so far.
    pub(super) attempts: u32,
    /// Bumped by each replay: an attempt that started before one does not
    /// decide what follows for the replayed message.
    pub(super) epoch: u64,
    pub(super) message: Message,
}

/// An attempt's claim on its outbox row: enough to record what follows it.
#[derive(Clone, Copy, Debug)]
pub(super) struct Ticket {
    pub(super) id: u64,
    /// Attempts made before this one.
    pub(super) attempts: u32,
    pub(super) epoch: u64,
}

impl Due {
    pub(super) fn new(id: u64, handed: Handed, attempts: u32) -> Self {
        Due {
            id,
            topic: handed.topic,
            sequence: handed.sequence,
            publish_timestamp: handed.publish_timestamp,
            token_id: handed.token_id,
            attempts,
            epoch: 0,
            message: handed.message,
        }
    }

    /// The bytes it holds (for bounding what is kept in memory).
    pub(super) fn size(&self) -> usize {
        self.message.as_bytes().len() + self.topic.len() + self.token_id.len()
    }
}

/// A webhook object's state, shared with its delivery task.
pub(crate) struct Agent {
    pub(super) env: Env,
    state: State,
    pub(super) sql: Sql,
    /// The tables exist and the state below is read.
    pub(super) loaded: Cell<bool>,
    /// The stored webhook, kept in step with every change (`None` when
    /// there is none).
    pub(super) webhook: RefCell<Option<Rc<StoredWebhook>>>,
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
    pub(super) alarm_at: Cell<Option<u64>>,
    /// A delivery task is running; `again` asks it to look once more.
    pub(super) delivering: Cell<bool>,
    pub(super) again: Cell<bool>,
    /// The counters, as stored.
    pub(super) stats: RefCell<DeliveryStats>,
    /// The number of the newest attempt in the log.
    pub(super) last_logged: Cell<u64>,
    /// The statistics of the newest hour counted, as stored (read at the
    /// first attempt counted by this instance).
    pub(super) hour: RefCell<Option<HourBucket>>,
    /// Per topic, the highest sequence number taken (read once per topic).
    pub(super) received: RefCell<BTreeMap<String, u64>>,
    /// The signer of the current secrets, while they stay the same.
    pub(super) signer: RefCell<Option<CachedSigner>>,
    /// When the next retention sweep is due (ms); a new instance sweeps at
    /// its first alarm. The alarm a delivery task leaves is never later.
    pub(super) next_sweep: Cell<u64>,
    /// The access token of the webhook's `auth`, shared by its attempts.
    pub(super) tokens: Rc<Tokens>,
    /// How many outbox rows are pending, once counted (see `outbox`).
    pub(super) pending: Cell<Option<u64>>,
    /// Rows just stored and due now, oldest first, with their messages:
    /// when they are all that waits, the next attempt needs no lookup.
    pub(super) fresh: RefCell<VecDeque<Due>>,
    /// A lower bound on when the next waiting message falls due (`None`:
    /// unknown): while it is later than now, nothing is looked up.
    pub(super) earliest_due: Cell<Option<u64>>,
    /// A change's updates of topics and index are still to make.
    pub(super) sync_pending: Cell<bool>,
    /// Spreads retry times (the schedule's jitter); seeded once.
    pub(super) jitter: RefCell<fastrand::Rng>,
}

impl Agent {
    /// The state of a new instance: nothing read yet.
    pub(super) fn new(state: State, env: Env) -> Self {
        Agent {
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
            hour: RefCell::new(None),
            received: RefCell::new(BTreeMap::new()),
            signer: RefCell::new(None),
            next_sweep: Cell::new(0),
            tokens: Rc::default(),
            pending: Cell::new(None),
            fresh: RefCell::new(VecDeque::new()),
            earliest_due: Cell::new(None),
            sync_pending: Cell::new(false),
            jitter: RefCell::new(fastrand::Rng::with_seed(0)),
        }
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

    /// Sets the alarm to `at_ms` exactly, replacing a sooner one, or removes
    /// it (`None`): what a delivery task leaves when it ends.
    pub(super) async fn replace_alarm(&self, at_ms: Option<u64>) -> ApiResult<()> {
        match at_ms {
            Some(at) => set_alarm(&self.state, at).await?,
            None => self.state.storage().delete_alarm().await?,
        }
        self.alarm_at.set(at_ms);
        Ok(())
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
