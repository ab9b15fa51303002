//! The per-topic Durable Object: the single writer that numbers a topic's
//! messages, and the strongly consistent copy of the topic's subscribers,
//! so a publish is one round trip and sees every change made before it.
//!
//! Storage: `sequence` (the last number given) and `subscriber/{name}`
//! (each subscribed webhook as stored in KV, secrets still sealed).

use core::cell::{Cell, RefCell};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use worker::{
    DurableObject, Env, ListOptions, Method, Request, Response, Result, State, durable_object,
};

use crate::store::StoredWebhook;

const SEQUENCE_KEY: &str = "sequence";
const SUBSCRIBER_PREFIX: &str = "subscriber/";

/// What a publish gets from its topic: the message's number and every
/// webhook subscribed at that moment (the core plans who receives it).
#[derive(Serialize, Deserialize)]
pub(crate) struct NextMessage {
    pub(crate) sequence: u64,
    pub(crate) subscribers: Vec<StoredWebhook>,
}

/// One instance per `cache/topic`.
#[durable_object(fetch)]
pub struct Topic {
    state: State,
    /// The last number given, once read from storage.
    sequence: Cell<Option<u64>>,
    subscribers: RefCell<Option<BTreeMap<String, StoredWebhook>>>,
}

impl DurableObject for Topic {
    fn new(state: State, _env: Env) -> Self {
        Topic {
            state,
            sequence: Cell::new(None),
            subscribers: RefCell::new(None),
        }
    }

    /// `POST /publish`: the next sequence number and the subscribers.
    /// `PUT /subscribers/{name}` and `DELETE /subscribers/{name}` keep the
    /// subscriber copy in step with the webhooks in KV. The number is taken
    /// in memory before any await, so no two publishes share one, and the
    /// output gate holds the reply until the new number is stored.
    async fn fetch(&self, mut req: Request) -> Result<Response> {
        self.load_subscribers().await?;
        let path = req.path();
        let name = path.strip_prefix("/subscribers/");
        match (req.method(), name) {
            (Method::Post, None) if path == "/publish" => {
                let sequence = self.last_sequence().await? + 1;
                self.sequence.set(Some(sequence));
                self.state.storage().put(SEQUENCE_KEY, sequence).await?;
                let subscribers = self.with_subscribers(|s| s.values().cloned().collect());
                Response::from_json(&NextMessage {
                    sequence,
                    subscribers,
                })
            }
            (Method::Put, Some(name)) => {
                let text = req.text().await?;
                let webhook: StoredWebhook = serde_json::from_str(&text)?;
                self.state
                    .storage()
                    .put(&format!("{SUBSCRIBER_PREFIX}{name}"), &text)
                    .await?;
                self.with_subscribers(|s| s.insert(name.to_owned(), webhook));
                Response::empty()
            }
            (Method::Delete, Some(name)) => {
                let key = format!("{SUBSCRIBER_PREFIX}{name}");
                self.state.storage().delete(&key).await?;
                self.with_subscribers(|s| s.remove(name));
                Response::empty()
            }
            _ => Response::error("not found", 404),
        }
    }
}

impl Topic {
    /// The last number given: from memory, or from storage once.
    async fn last_sequence(&self) -> Result<u64> {
        if let Some(last) = self.sequence.get() {
            return Ok(last);
        }
        let stored = self
            .state
            .storage()
            .get::<u64>(SEQUENCE_KEY)
            .await?
            .unwrap_or(0);
        // A concurrent first request may have taken numbers meanwhile.
        Ok(self.sequence.get().unwrap_or(stored))
    }

    /// Reads the subscribers from storage once per object lifetime.
    async fn load_subscribers(&self) -> Result<()> {
        if self.subscribers.borrow().is_some() {
            return Ok(());
        }
        let listed = self
            .state
            .storage()
            .list_with_options(ListOptions::new().prefix(SUBSCRIBER_PREFIX))
            .await?;
        let mut subscribers = BTreeMap::new();
        for entry in listed.entries() {
            let pair: worker::js_sys::Array = entry?.into();
            let key = pair.get(0).as_string().unwrap_or_default();
            let text = pair.get(1).as_string().unwrap_or_default();
            let webhook: StoredWebhook = serde_json::from_str(&text)?;
            subscribers.insert(key[SUBSCRIBER_PREFIX.len()..].to_owned(), webhook);
        }
        // Another request may have loaded them while this one awaited.
        self.subscribers.borrow_mut().get_or_insert(subscribers);
        Ok(())
    }

    fn with_subscribers<T>(&self, f: impl FnOnce(&mut BTreeMap<String, StoredWebhook>) -> T) -> T {
        f(self
            .subscribers
            .borrow_mut()
            .get_or_insert_with(BTreeMap::new))
    }
}
