//! A topic's event stream that reconnects by itself.

use core::time::Duration;
use std::collections::VecDeque;

use edgehooks_core::Envelope;
use futures_util::stream::{self, Stream, StreamExt};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, Url};

use crate::sse::{Event, Parser};
use crate::{Client, Error};

/// The first reconnect delay after a failure, doubled per failure in a row.
const INITIAL_DELAY: Duration = Duration::from_millis(500);
/// The longest reconnect delay.
const MAX_DELAY: Duration = Duration::from_secs(30);

/// Where a subscription is.
struct Subscription {
    client: Client,
    url: Url,
    /// The `id:` of the last event, sent as `Last-Event-ID` on reconnect.
    last: Option<String>,
    /// Connections in a row that failed or ended without `resume`.
    failures: u32,
    /// The server's `retry:` (ms), used for the first reconnect.
    server_delay: Option<Duration>,
    response: Option<reqwest::Response>,
    parser: Parser,
    pending: VecDeque<Event>,
    /// The stream ended with `resume`: reconnect at once.
    resume: bool,
    /// A connection ended: wait (unless `resume`) before the next one.
    ended: bool,
    done: bool,
}

/// Statuses worth connecting again after: the service or something on the
/// way is unwell. Anything else (401, 403, 404, 400, 409) ends the stream.
fn transient(status: u16) -> bool {
    matches!(status, 408 | 425 | 429) || status >= 500
}

impl Subscription {
    fn backoff(&self) -> Duration {
        if let (Some(delay), 1) = (self.server_delay, self.failures) {
            return delay;
        }
        let doublings = self.failures.saturating_sub(1).min(16);
        let base = INITIAL_DELAY.saturating_mul(1 << doublings).min(MAX_DELAY);
        // Up to 20% less, so reconnecting clients spread out.
        base.mul_f64(0.8 + fastrand::f64() * 0.2)
    }

    async fn next(&mut self) -> Option<Result<Envelope, Error>> {
        loop {
            if self.done {
                return None;
            }
            if let Some(event) = self.pending.pop_front() {
                if let Some(retry) = event.retry {
                    self.server_delay = Some(Duration::from_millis(retry));
                }
                if event.id.is_some() {
                    self.last = event.id;
                }
                match (event.event.as_str(), event.data) {
                    ("message", Some(data)) => {
                        return Some(serde_json::from_str(&data).map_err(|error| {
                            self.done = true;
                            Error::decode("message event", error)
                        }));
                    }
                    // The service ends the stream (its lifetime, or a reader
                    // too slow) and asks for a reconnect from `last`.
                    ("resume", _) => self.resume = true,
                    // `gap`: numbers no longer buffered, nothing to yield;
                    // `revoked`: the next connect answers 401 and ends it.
                    _ => {}
                }
                continue;
            }
            if let Some(response) = &mut self.response {
                match response.chunk().await {
                    Ok(Some(chunk)) => self.pending.extend(self.parser.feed(&chunk)),
                    Ok(None) | Err(_) => {
                        self.pending.extend(self.parser.finish());
                        self.response = None;
                        self.ended = true;
                    }
                }
                continue;
            }
            if self.ended {
                self.ended = false;
                if self.resume {
                    self.resume = false;
                } else {
                    self.failures += 1;
                    tokio::time::sleep(self.backoff()).await;
                }
            }
            if let Err(error) = self.connect().await {
                self.done = true;
                return Some(Err(error));
            }
        }
    }

    /// Opens the stream, waiting out transient failures; an error that
    /// retrying cannot mend is returned.
    async fn connect(&mut self) -> Result<(), Error> {
        loop {
            let mut request = self
                .client
                .request_untimed(Method::GET, self.url.clone())
                .header(ACCEPT, "text/event-stream");
            if let Some(last) = &self.last {
                request = request.header("last-event-id", last);
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(_) => {
                    self.failures += 1;
                    tokio::time::sleep(self.backoff()).await;
                    continue;
                }
            };
            let status = response.status().as_u16();
            if !response.status().is_success() {
                let error = Error::from_response(response).await;
                if !transient(status) {
                    return Err(error);
                }
                self.failures += 1;
                let wait = match &error {
                    Error::Api {
                        retry_after: Some(after),
                        ..
                    } => self.backoff().max(*after),
                    _ => self.backoff(),
                };
                tokio::time::sleep(wait).await;
                continue;
            }
            let content_type = response
                .headers()
                .get(CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("");
            if !content_type
                .to_ascii_lowercase()
                .starts_with("text/event-stream")
            {
                return Err(Error::Decode {
                    message: format!("expected text/event-stream, got {content_type:?}"),
                });
            }
            self.failures = 0;
            self.parser = Parser::default();
            self.response = Some(response);
            return Ok(());
        }
    }
}

impl Client {
    /// The messages of `topic` as they are published, as envelopes
    /// (`subscribe`), from after `last_event_id` when given (a topic
    /// sequence number) or from now.
    ///
    /// After a disconnect it connects again with `Last-Event-ID`, so
    /// nothing the topic still buffers is missed (backoff from 0.5 s
    /// doubling to 30 s while failures repeat, or the server's `retry`); a
    /// stream the service ends with `resume` is resumed at once. Numbers
    /// no longer buffered (a `gap`) are skipped. The stream ends with an
    /// error when the service refuses it (401 after the key's revocation,
    /// 403, 404, 400, 409) or an event is not an envelope; drop it to
    /// unsubscribe.
    pub fn subscribe(
        &self,
        cache: &str,
        topic: &str,
        last_event_id: Option<u64>,
    ) -> impl Stream<Item = Result<Envelope, Error>> + Send + 'static {
        let subscription = Subscription {
            client: self.clone(),
            url: self.url(&["v1", "caches", cache, "topics", topic, "subscribe"]),
            last: last_event_id.map(|id| id.to_string()),
            failures: 0,
            server_delay: None,
            response: None,
            parser: Parser::default(),
            pending: VecDeque::new(),
            resume: false,
            ended: false,
            done: false,
        };
        stream::unfold(subscription, |mut subscription| async move {
            let item = subscription.next().await?;
            Some((item, subscription))
        })
        .boxed()
    }
}
