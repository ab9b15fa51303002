//! A topic's event stream that reconnects by itself.

use core::time::Duration;
use std::collections::VecDeque;

use edgehooks_core::Envelope;
use edgehooks_core::limits::MAX_DELIVERED_BODY_BYTES;
use futures_util::stream::{self, Stream, StreamExt};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use reqwest::{Method, Url};
use serde::Deserialize;

use crate::sse::{Event, Parser};
use crate::{Client, Error};

/// The first reconnect delay after a failure, doubled per failure in a row.
const INITIAL_DELAY: Duration = Duration::from_millis(500);
/// The longest reconnect delay.
const MAX_DELAY: Duration = Duration::from_secs(30);

/// What a topic's event stream ([`Client::topic_events`]) yields: the
/// topic's messages, and what happens to the connection between them.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TopicEvent {
    /// The stream is open, the first time or again after a disconnect:
    /// from now on every message published to the topic is received.
    Connected {
        /// The sequence number it resumed after (`Last-Event-ID`), if any.
        after: Option<u64>,
    },
    /// A message of the topic.
    Message(Envelope),
    /// The messages numbered `from..=to` were published, but the topic no
    /// longer buffers them: they are skipped.
    Gap {
        /// The first number skipped.
        from: u64,
        /// The last number skipped.
        to: u64,
    },
    /// The connection ended or could not be made; the next try is after
    /// `delay` (zero when the service asked for a reconnect).
    Reconnecting {
        /// How long until the next try.
        delay: Duration,
        /// Why, in a few words.
        reason: String,
    },
}

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
    /// Why the service ended the stream and asked for a reconnect at once
    /// (`resume`, or `revoked` so that the refusal shows without delay).
    ended_by_service: Option<String>,
    /// The open stream ended, why: a reconnect is due.
    ended: Option<String>,
    /// How long to wait before the next connect.
    wait: Option<Duration>,
    done: bool,
}

/// Why a connect failed.
enum ConnectError {
    /// Worth trying again, not sooner than the delay given.
    Transient(String, Duration),
    /// Trying again cannot mend it.
    Final(Error),
}

/// Statuses worth connecting again after: the service or something on the
/// way is unwell. Anything else (401, 403, 404, 400, 409) ends the stream.
fn transient(status: u16) -> bool {
    matches!(status, 408 | 425 | 429) || status >= 500
}

/// Why a request failed, in a few words.
fn describe(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "cannot connect".to_owned()
    } else if error.is_body() || error.is_decode() {
        "the connection was lost".to_owned()
    } else {
        error.to_string()
    }
}

/// The data of a `gap` event.
#[derive(Deserialize)]
struct GapData {
    from: u64,
    to: u64,
}

/// The data of a `resume` or `revoked` event.
#[derive(Deserialize)]
struct EndData {
    reason: String,
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

    /// Schedules the next connect after a failure: the event that says so.
    fn retry_later(&mut self, reason: String, at_least: Duration) -> TopicEvent {
        self.failures += 1;
        let delay = self.backoff().max(at_least);
        self.wait = Some(delay);
        TopicEvent::Reconnecting { delay, reason }
    }

    /// What the parsed `event` means to the caller, if anything.
    fn interpret(&mut self, event: Event) -> Option<Result<TopicEvent, Error>> {
        if let Some(retry) = event.retry {
            self.server_delay = Some(Duration::from_millis(retry));
        }
        if event.id.is_some() {
            self.last = event.id;
        }
        let data = event.data?;
        match event.event.as_str() {
            "message" => Some(
                serde_json::from_str(&data)
                    .map(TopicEvent::Message)
                    .map_err(|error| {
                        self.done = true;
                        Error::decode("message event", error)
                    }),
            ),
            "gap" => serde_json::from_str::<GapData>(&data).ok().map(|gap| {
                Ok(TopicEvent::Gap {
                    from: gap.from,
                    to: gap.to,
                })
            }),
            // The service ends the stream (its lifetime, a reader too slow,
            // the key revoked) and asks for a reconnect from `last`; after
            // a revocation that connect answers 401 and ends the stream.
            name @ ("resume" | "revoked") => {
                let why = serde_json::from_str::<EndData>(&data)
                    .map_or_else(|_| name.to_owned(), |end| format!("{name}: {}", end.reason));
                self.ended_by_service = Some(why);
                None
            }
            _ => None,
        }
    }

    async fn next(&mut self) -> Option<Result<TopicEvent, Error>> {
        loop {
            if self.done {
                return None;
            }
            if let Some(event) = self.pending.pop_front() {
                if let Some(item) = self.interpret(event) {
                    return Some(item);
                }
                continue;
            }
            if let Some(response) = &mut self.response {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        self.pending.extend(self.parser.feed(&chunk));
                        if self.parser.held() > MAX_DELIVERED_BODY_BYTES {
                            self.done = true;
                            return Some(Err(Error::decode(
                                "event stream",
                                "an event is larger than any envelope (8 MiB)",
                            )));
                        }
                    }
                    Ok(None) => self.ended = Some("the stream ended".to_owned()),
                    Err(error) => self.ended = Some(describe(&error)),
                }
                if self.ended.is_some() {
                    // Events completed by the end are yielded first.
                    self.pending.extend(self.parser.finish());
                    self.response = None;
                }
                continue;
            }
            if let Some(read_error) = self.ended.take() {
                return Some(Ok(match self.ended_by_service.take() {
                    Some(reason) => {
                        self.wait = None;
                        TopicEvent::Reconnecting {
                            delay: Duration::ZERO,
                            reason,
                        }
                    }
                    None => self.retry_later(read_error, Duration::ZERO),
                }));
            }
            if let Some(wait) = self.wait.take() {
                tokio::time::sleep(wait).await;
            }
            return Some(match self.connect().await {
                Ok(()) => Ok(TopicEvent::Connected {
                    after: self.last.as_deref().and_then(|id| id.parse().ok()),
                }),
                Err(ConnectError::Transient(reason, at_least)) => {
                    Ok(self.retry_later(reason, at_least))
                }
                Err(ConnectError::Final(error)) => {
                    self.done = true;
                    Err(error)
                }
            });
        }
    }

    /// Opens the stream once.
    async fn connect(&mut self) -> Result<(), ConnectError> {
        let mut request = self
            .client
            .request_untimed(Method::GET, self.url.clone())
            .header(ACCEPT, "text/event-stream");
        if let Some(last) = &self.last {
            request = request.header("last-event-id", last);
        }
        let response = request
            .send()
            .await
            .map_err(|error| ConnectError::Transient(describe(&error), Duration::ZERO))?;
        let status = response.status().as_u16();
        if !response.status().is_success() {
            let error = Error::from_response(response).await;
            if !transient(status) {
                return Err(ConnectError::Final(error));
            }
            let at_least = match &error {
                Error::Api {
                    retry_after: Some(after),
                    ..
                } => *after,
                _ => Duration::ZERO,
            };
            return Err(ConnectError::Transient(error.to_string(), at_least));
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
            return Err(ConnectError::Final(Error::Decode {
                message: format!("expected text/event-stream, got {content_type:?}"),
            }));
        }
        self.failures = 0;
        self.parser = Parser::default();
        self.response = Some(response);
        Ok(())
    }
}

impl Client {
    /// The messages of `topic` as they are published, with what happens
    /// to the connection between them ([`TopicEvent`]), from after
    /// `last_event_id` when given (a topic sequence number) or from now.
    ///
    /// After a disconnect it connects again with `Last-Event-ID`, so
    /// nothing the topic still buffers is missed (backoff from 0.5 s
    /// doubling to 30 s while failures repeat, or the server's `retry`,
    /// never sooner than a 429's or 503's `Retry-After`); a stream the
    /// service ends with `resume` is resumed at once. Numbers no longer
    /// buffered come as one [`TopicEvent::Gap`]. The stream ends with an
    /// error when the service refuses it (401 after the key's revocation,
    /// 403, 404, 400, 409) or an event is not an envelope; drop it to
    /// unsubscribe. It connects when first polled.
    pub fn topic_events(
        &self,
        cache: &str,
        topic: &str,
        last_event_id: Option<u64>,
    ) -> impl Stream<Item = Result<TopicEvent, Error>> + Send + 'static {
        let subscription = Subscription {
            client: self.clone(),
            url: self.url(&["v1", "caches", cache, "topics", topic, "subscribe"]),
            last: last_event_id.map(|id| id.to_string()),
            failures: 0,
            server_delay: None,
            response: None,
            parser: Parser::default(),
            pending: VecDeque::new(),
            ended_by_service: None,
            ended: None,
            wait: None,
            done: false,
        };
        stream::unfold(subscription, |mut subscription| async move {
            let item = subscription.next().await?;
            Some((item, subscription))
        })
        .boxed()
    }

    /// The messages of `topic` as envelopes (`subscribe`): the messages of
    /// [`topic_events`](Self::topic_events), which says how it reconnects.
    pub fn subscribe(
        &self,
        cache: &str,
        topic: &str,
        last_event_id: Option<u64>,
    ) -> impl Stream<Item = Result<Envelope, Error>> + Send + 'static {
        self.topic_events(cache, topic, last_event_id)
            .filter_map(|event| async move {
                match event {
                    Ok(TopicEvent::Message(envelope)) => Some(Ok(envelope)),
                    Ok(_) => None,
                    Err(error) => Some(Err(error)),
                }
            })
            .boxed()
    }
}
