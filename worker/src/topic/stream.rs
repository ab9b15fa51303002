//! A topic's Server-Sent Events: the open streams and a bounded buffer of
//! recent messages for subscribers that reconnect (the last 1000 messages,
//! at most 4 MiB).

use core::cell::RefCell;
use std::collections::VecDeque;

use edgehooks_core::Envelope;
use futures_channel::mpsc::{UnboundedSender, unbounded};
use futures_util::StreamExt;
use worker::Response;

use crate::error::ApiResult;

/// Messages kept for subscribers that reconnect.
const BUFFER_MESSAGES: usize = 1000;
const BUFFER_BYTES: usize = 4 * 1024 * 1024;

/// One Server-Sent Event: its sequence number and its text.
struct BufferedEvent {
    sequence: u64,
    text: String,
}

/// The open streams of a topic and its recent messages.
#[derive(Default)]
pub(super) struct Streams {
    recent: RefCell<VecDeque<BufferedEvent>>,
    open: RefCell<Vec<UnboundedSender<Vec<u8>>>>,
}

impl Streams {
    /// Formats `envelope` as an event, keeps it in the buffer and writes it
    /// to every open stream, dropping the streams whose reader has gone.
    pub(super) fn broadcast(&self, envelope: &Envelope) {
        let sequence = envelope.topic_sequence_number;
        let data = String::from_utf8_lossy(&envelope.to_json()).into_owned();
        let text = format!("id: {sequence}\nevent: message\ndata: {data}\n\n");
        self.open
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
    /// live); `current` is the topic's last number. If the buffer no longer
    /// reaches back that far, a `gap` event says which numbers are missing.
    pub(super) fn subscribe(&self, last_seen: Option<u64>, current: u64) -> ApiResult<Response> {
        let (sender, receiver) = unbounded::<Vec<u8>>();
        let _ = sender.unbounded_send(b": subscribed\n\n".to_vec());
        if let Some(last) = last_seen {
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
        self.open.borrow_mut().push(sender);
        let body = receiver.map(Ok::<Vec<u8>, worker::Error>);
        let response = Response::from_stream(body)?;
        let headers = response.headers();
        headers.set("content-type", "text/event-stream")?;
        headers.set("cache-control", "no-cache")?;
        Ok(response)
    }
}
