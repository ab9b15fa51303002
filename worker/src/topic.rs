//! The per-topic Durable Object: the single writer that numbers a topic's
//! messages, the strongly consistent copy of the topic's subscribers (so a
//! publish is one round trip and sees every change made before it), and the
//! Server-Sent Events stream with its bounded buffer of recent messages.
//!
//! Storage: `sequence` (the last number given) and `subscriber/{name}`
//! (each subscribed webhook as stored in KV, secrets still sealed). The
//! recent-message buffer lives in memory: the last 1000 messages, at most
//! 4 MiB.

use core::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};

use edgehooks_core::{Envelope, Message};
use futures_channel::mpsc::{UnboundedSender, unbounded};
use futures_util::StreamExt;

use serde::{Deserialize, Serialize};
use worker::{
    DurableObject, Env, ListOptions, Method, Request, Response, Result, State, durable_object,
};

use crate::store::StoredWebhook;

const SEQUENCE_KEY: &str = "sequence";
const SUBSCRIBER_PREFIX: &str = "subscriber/";
/// Messages kept for subscribers that reconnect.
const BUFFER_MESSAGES: usize = 1000;
const BUFFER_BYTES: usize = 4 * 1024 * 1024;

/// What a publish sends its topic.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PublishRequest {
    pub(crate) cache: String,
    pub(crate) topic: String,
    pub(crate) message: Message,
    pub(crate) token_id: String,
}

/// What a publish gets from its topic: the message's number and every
/// webhook subscribed at that moment (the core plans who receives it).
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NextMessage {
    pub(crate) sequence: u64,
    pub(crate) publish_timestamp: u64,
    pub(crate) subscribers: Vec<StoredWebhook>,
}

/// One Server-Sent Event: its sequence number and its text.
struct BufferedEvent {
    sequence: u64,
    text: String,
}

/// One instance per `cache/topic`.
#[durable_object(fetch)]
pub struct Topic {
    state: State,
    /// The last number given, once read from storage.
    sequence: Cell<Option<u64>>,
    subscribers: RefCell<Option<BTreeMap<String, StoredWebhook>>>,
    recent: RefCell<VecDeque<BufferedEvent>>,
    streams: RefCell<Vec<UnboundedSender<Vec<u8>>>>,
}

impl DurableObject for Topic {
    fn new(state: State, _env: Env) -> Self {
        Topic {
            state,
            sequence: Cell::new(None),
            subscribers: RefCell::new(None),
            recent: RefCell::new(VecDeque::new()),
            streams: RefCell::new(Vec::new()),
        }
    }

    /// `POST /publish` (a `PublishRequest`): the next sequence number and
    /// the subscribers; the message goes to the open streams and the buffer.
    /// `GET /subscribe`: the event stream, from `Last-Event-ID` on.
    /// `GET /subscribers`: the subscribers, for queued deliveries.
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
                let request: PublishRequest = serde_json::from_str(&req.text().await?)?;
                let sequence = self.last_sequence().await? + 1;
                self.sequence.set(Some(sequence));
                self.state.storage().put(SEQUENCE_KEY, sequence).await?;
                let publish_timestamp = worker::Date::now().as_millis();
                self.broadcast(request, sequence, publish_timestamp);
                let subscribers = self.with_subscribers(|s| s.values().cloned().collect());
                Response::from_json(&NextMessage {
                    sequence,
                    publish_timestamp,
                    subscribers,
                })
            }
            (Method::Get, None) if path == "/subscribe" => {
                let last_seen = req
                    .headers()
                    .get("last-event-id")?
                    .and_then(|id| id.trim().parse::<u64>().ok());
                self.subscribe(last_seen).await
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
            (Method::Get, None) if path == "/subscribers" => {
                let subscribers: Vec<StoredWebhook> =
                    self.with_subscribers(|s| s.values().cloned().collect());
                Response::from_json(&subscribers)
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
    /// Formats the message as an event, keeps it in the buffer and writes it
    /// to every open stream, dropping the streams whose reader has gone.
    fn broadcast(&self, request: PublishRequest, sequence: u64, publish_timestamp: u64) {
        let envelope = Envelope {
            cache: request.cache,
            topic: request.topic,
            event_timestamp: publish_timestamp,
            publish_timestamp,
            topic_sequence_number: sequence,
            token_id: request.token_id,
            message: request.message,
        };
        let data = String::from_utf8(envelope.to_json()).unwrap_or_default();
        let text = format!("id: {sequence}\nevent: message\ndata: {data}\n\n");
        self.streams
            .borrow_mut()
            .retain(|stream| stream.unbounded_send(text.clone().into_bytes()).is_ok());
        let mut recent = self.recent.borrow_mut();
        recent.push_back(BufferedEvent { sequence, text });
        let mut bytes: usize = recent.iter().map(|e| e.text.len()).sum();
        while recent.len() > BUFFER_MESSAGES || (bytes > BUFFER_BYTES && recent.len() > 1) {
            if let Some(dropped) = recent.pop_front() {
                bytes -= dropped.text.len();
            }
        }
    }

    /// A stream of the messages after `last_seen` (buffered first, then
    /// live). If the buffer no longer reaches back that far, a `gap` event
    /// says which numbers are missing.
    async fn subscribe(&self, last_seen: Option<u64>) -> Result<Response> {
        let (sender, receiver) = unbounded::<Vec<u8>>();
        let _ = sender.unbounded_send(b": subscribed\n\n".to_vec());
        if let Some(last) = last_seen {
            let current = self.last_sequence().await?;
            let recent = self.recent.borrow();
            let oldest = recent.front().map_or(current + 1, |e| e.sequence);
            if last + 1 < oldest {
                let gap = format!(
                    "event: gap\ndata: {{\"from\":{},\"to\":{}}}\n\n",
                    last + 1,
                    oldest - 1
                );
                let _ = sender.unbounded_send(gap.into_bytes());
            }
            for event in recent.iter().filter(|e| e.sequence > last) {
                let _ = sender.unbounded_send(event.text.clone().into_bytes());
            }
        }
        self.streams.borrow_mut().push(sender);
        let body = receiver.map(Ok::<Vec<u8>, worker::Error>);
        let response = Response::from_stream(body)?;
        let headers = response.headers();
        headers.set("content-type", "text/event-stream")?;
        headers.set("cache-control", "no-cache")?;
        Ok(response)
    }

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
