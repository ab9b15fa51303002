//! A topic's Server-Sent Events: the open streams and a bounded buffer of
//! recent messages for subscribers that reconnect (the last 1000 messages,
//! at most 4 MiB).
//!
//! Each event is formatted once and shared (reference-counted) by the
//! buffer and every stream it waits in. A stream holds at most
//! [`QUEUED_BYTES`] of events its reader has not taken; past that it ends
//! with a `resume` event, so a slow reader costs a bounded amount of
//! memory and resumes with `Last-Event-ID` from the buffer. A stream also
//! ends with `resume` when its lifetime is over (the client reconnects and
//! is authenticated again), and with `revoked` when its key is revoked:
//! at once when the revocation reaches the topic, and at the topic's next
//! check of its streams' keys ([`KEY_CHECK_MS`]) otherwise.

use core::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use edgehooks_core::Envelope;
use futures_channel::mpsc::{UnboundedSender, unbounded};
use futures_util::StreamExt;
use worker::Response;

use edgehooks_core::service::Quotas;

use crate::error::ApiResult;
use crate::platform::now_ms;

/// Messages kept for subscribers that reconnect.
const BUFFER_MESSAGES: usize = 1000;
const BUFFER_BYTES: usize = 4 * 1024 * 1024;
/// Most bytes of events one stream holds for its reader; a single larger
/// event (a 1 MiB message of control characters takes about 6 MiB as JSON)
/// still goes to a reader that has taken everything before it.
pub(super) const QUEUED_BYTES: usize = 8 * 1024 * 1024;

/// How often a topic with streams of issued keys checks that the keys
/// still exist (the revocation's own call may miss a stream opened while
/// KV's listing lags, up to 60 s on Cloudflare).
pub(super) const KEY_CHECK_MS: u64 = 20_000;

/// One formatted event, shared.
type Chunk = Rc<[u8]>;

/// One Server-Sent Event: its sequence number and its text.
struct BufferedEvent {
    sequence: u64,
    text: Chunk,
}

/// An open stream: whose it is, where its events go, and how many bytes
/// of them its reader has not taken yet.
struct OpenStream {
    token_id: String,
    /// When its lifetime is over (ms since the epoch).
    expires_at: u64,
    sender: UnboundedSender<Chunk>,
    queued: Rc<Cell<usize>>,
}

impl OpenStream {
    /// Queues `chunk`; false once the stream is gone or had to end.
    fn send(&self, chunk: &Chunk) -> bool {
        let queued = self.queued.get();
        if queued > 0 && queued + chunk.len() > QUEUED_BYTES {
            self.end("resume", "slow");
            return false;
        }
        self.queued.set(queued + chunk.len());
        self.sender.unbounded_send(Rc::clone(chunk)).is_ok()
    }

    /// Ends the stream with a last `event` saying why.
    fn end(&self, event: &str, reason: &str) {
        let last = format!("event: {event}\ndata: {{\"reason\":\"{reason}\"}}\n\n");
        let _ = self.sender.unbounded_send(Rc::from(last.into_bytes()));
        self.sender.close_channel();
    }
}

/// The open streams of a topic and its recent messages.
#[derive(Default)]
pub(super) struct Streams {
    recent: RefCell<VecDeque<BufferedEvent>>,
    open: RefCell<Vec<OpenStream>>,
}

impl Streams {
    /// Formats `envelope` as an event, keeps it in the buffer and queues it
    /// on every open stream, dropping the streams whose reader has gone or
    /// fell too far behind.
    pub(super) fn broadcast(&self, envelope: &Envelope) {
        let sequence = envelope.topic_sequence_number;
        let data = String::from_utf8_lossy(&envelope.to_json()).into_owned();
        let text: Chunk =
            Rc::from(format!("id: {sequence}\nevent: message\ndata: {data}\n\n").into_bytes());
        self.open.borrow_mut().retain(|stream| stream.send(&text));
        let mut recent = self.recent.borrow_mut();
        recent.push_back(BufferedEvent { sequence, text });
        let mut bytes: usize = recent.iter().map(|e| e.text.len()).sum();
        while recent.len() > BUFFER_MESSAGES || (bytes > BUFFER_BYTES && recent.len() > 1) {
            if let Some(dropped) = recent.pop_front() {
                bytes -= dropped.text.len();
            }
        }
    }

    /// Ends the streams whose lifetime is over at `now` with a `resume`
    /// event; returns when the next one's is (the topic's alarm then).
    pub(super) fn expire(&self, now: u64) -> Option<u64> {
        let mut open = self.open.borrow_mut();
        open.retain(|stream| {
            if stream.expires_at <= now {
                stream.end("resume", "lifetime");
            }
            stream.expires_at > now && !stream.sender.is_closed()
        });
        open.iter().map(|stream| stream.expires_at).min()
    }

    /// The token ids of the issued keys with streams open here, each once.
    pub(super) fn issued_keys(&self) -> Vec<String> {
        let mut tokens: Vec<String> = self
            .open
            .borrow()
            .iter()
            .filter(|stream| !stream.token_id.is_empty() && !stream.sender.is_closed())
            .map(|stream| stream.token_id.clone())
            .collect();
        tokens.sort_unstable();
        tokens.dedup();
        tokens
    }

    /// Ends every open stream of `token_id` (its key was revoked); returns
    /// how many there were.
    pub(super) fn revoke(&self, token_id: &str) -> usize {
        let mut open = self.open.borrow_mut();
        let before = open.len();
        open.retain(|stream| {
            let theirs = stream.token_id == token_id;
            if theirs {
                stream.end("revoked", "the API key was revoked");
            }
            !theirs && !stream.sender.is_closed()
        });
        before - open.len()
    }

    /// A stream for `token_id` of the messages after `last_seen` (buffered
    /// first, then live); `current` is the topic's last number. If the
    /// buffer no longer reaches back that far, a `gap` event says which
    /// numbers are missing. Refused with `quota_exceeded` past the topic's
    /// or the key's number of streams. The caller has the topic's alarm end
    /// it at its lifetime ([`expire`](Self::expire)).
    pub(super) fn subscribe(
        &self,
        token_id: &str,
        last_seen: Option<u64>,
        current: u64,
        quotas: &Quotas,
        lifetime_ms: u64,
    ) -> ApiResult<Response> {
        let mut open = self.open.borrow_mut();
        open.retain(|stream| !stream.sender.is_closed());
        let of_key = open.iter().filter(|s| s.token_id == token_id).count();
        quotas.check_streams(open.len(), of_key)?;
        let (sender, receiver) = unbounded::<Chunk>();
        let stream = OpenStream {
            token_id: token_id.to_owned(),
            expires_at: now_ms() + lifetime_ms,
            sender,
            queued: Rc::new(Cell::new(0)),
        };
        stream.send(&Rc::from(&b": subscribed\n\n"[..]));
        if let Some(last) = last_seen {
            let recent = self.recent.borrow();
            let oldest = recent.front().map_or(current + 1, |e| e.sequence);
            if last + 1 < oldest {
                let gap = format!(
                    "event: gap\ndata: {{\"from\":{},\"to\":{}}}\n\n",
                    last + 1,
                    oldest - 1
                );
                stream.send(&Rc::from(gap.into_bytes()));
            }
            // At most the buffer, shared: its events are not copied.
            for event in recent.iter().filter(|e| e.sequence > last) {
                if !stream.send(&event.text) {
                    break;
                }
            }
        }
        let queued = Rc::clone(&stream.queued);
        open.push(stream);
        let body = receiver.map(move |chunk: Chunk| {
            queued.set(queued.get().saturating_sub(chunk.len()));
            Ok::<Vec<u8>, worker::Error>(chunk.to_vec())
        });
        let response = Response::from_stream(body)?;
        let headers = response.headers();
        headers.set("content-type", "text/event-stream")?;
        headers.set("cache-control", "no-cache")?;
        Ok(response)
    }
}
