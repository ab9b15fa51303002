//! The `Topic` Durable Object, one per `cache/topic`.
//!
//! SQLite tables: `meta` (`sequence`: the last number given; `name`: the
//! cache and topic), `subscribers` (each webhook's [`Subscription`]),
//! `messages` (a message while it still has hand-offs to make),
//! `handoffs` (one row per message and webhook it still owes), and
//! `idempotency` (see `idempotency`). A publish checks its
//! `Idempotency-Key`, numbers its message and writes all of these in one
//! synchronous step, so they commit together before the publish is
//! answered; the hand-offs then start at once (see `handoff`), with the
//! alarm set as a safety net. The alarm also removes what expired (see
//! `retention`).

use std::collections::BTreeMap;
use std::rc::Rc;

use edgehooks_core::service::{PublishOrigin, plan_fan_out};
use edgehooks_core::{Envelope, Message};
use serde::Deserialize;
use worker::{DurableObject, Env, Method, Request, Response, Result, State, durable_object};

use super::client::{
    IdempotencyClaim, Numbered, Publication, PublishRequest, Published, Recipient, RecordedReply,
    Subscription,
};
use super::idempotency::{self, Recorded};
use super::state::{TopicName, TopicState};
use super::stream::KEY_CHECK_MS;
use super::{handoff, retention};
use crate::error::{ApiError, ApiResult};
use crate::http::{json_response, no_content, parse_json, query, request_body, required_query};
use crate::platform::{now_ms, quotas, stream_lifetime_ms};
use crate::sql::{Value, int};
use crate::store::Store;

/// How soon the alarm goes off after hand-offs are stored: if the
/// hand-offs started at once stop (the runtime restarts), it resumes them.
pub(super) const SAFETY_MS: u64 = 5_000;

/// One instance per `cache/topic`.
#[durable_object(alarm)]
pub struct Topic {
    topic: Rc<TopicState>,
}

impl DurableObject for Topic {
    fn new(state: State, env: Env) -> Self {
        Topic {
            topic: Rc::new(TopicState::new(state, env)),
        }
    }

    /// `POST /publish?key=&fingerprint=` (a `PublishRequest`, the
    /// `Idempotency-Key` and its request's fingerprint if it has one;
    /// replies a `Publication`), `PUT /idempotency?key=&sequence=` (the
    /// `RecordedReply` of an idempotent publish with `sync` webhooks),
    /// `GET /subscribe?after=&token=` (the event stream of a key's token
    /// id), `DELETE /streams?token=` (ends that key's streams),
    /// `GET /subscribers` (how many webhooks it has), `PUT /subscribers?name=`
    /// (a `Subscription`) and
    /// `DELETE /subscribers?name=&revision=`.
    async fn fetch(&self, req: Request) -> Result<Response> {
        match self.route(req).await {
            Ok(response) => Ok(response),
            Err(err) => err.into_response(),
        }
    }

    /// Resumes hand-offs and removes what expired. Failures never escape
    /// (the platform retries a failing alarm only a few times): a round
    /// sets its own next alarm, and so does a sweep.
    async fn alarm(&self) -> Result<Response> {
        self.topic.alarm_at.set(None);
        match self.topic.load() {
            Ok(()) => {
                handoff::start(&self.topic);
                retention::run(&self.topic).await;
                if let Err(err) = self.check_streams().await {
                    worker::console_error!("topic alarm: {}", err.message);
                }
            }
            Err(err) => worker::console_error!("topic alarm: {}", err.message),
        }
        Response::empty()
    }
}

impl Topic {
    /// Ends the streams past their lifetime and those of keys revoked
    /// since (KV may answer a deleted key for up to 60 s on Cloudflare);
    /// sets the alarm for the next lifetime's end, or the next check while
    /// streams of issued keys are open.
    async fn check_streams(&self) -> ApiResult<()> {
        let topic = &self.topic;
        let issued = topic.streams.issued_keys();
        if !issued.is_empty() {
            let store = Store::new(&topic.env)?;
            for token_id in &issued {
                if store.api_key(token_id).await?.is_none() {
                    topic.streams.revoke(token_id);
                }
            }
        }
        let now = now_ms();
        let next_end = topic.streams.expire(now);
        let next_check = (!topic.streams.issued_keys().is_empty()).then_some(now + KEY_CHECK_MS);
        if let Some(at) = next_end.into_iter().chain(next_check).min() {
            topic.wake_at(at).await?;
        }
        Ok(())
    }

    async fn route(&self, req: Request) -> ApiResult<Response> {
        let topic = &self.topic;
        topic.load()?;
        match (req.method(), req.path().as_str()) {
            (Method::Post, "/publish") => {
                let request: PublishRequest = parse_json(&request_body(&req).await?, false)?;
                let claim = idempotency::claim_of(&req)?;
                let publication = match topic.publish(request, claim.as_ref())? {
                    Claimed::Numbered(numbered) => {
                        if numbered.handed_off > 0 {
                            topic.wake_at(now_ms() + SAFETY_MS).await?;
                            handoff::start(topic);
                        }
                        if numbered.handed_off > 0 || claim.is_some() {
                            retention::kept(topic, SAFETY_MS).await?;
                        }
                        Publication::Numbered(numbered)
                    }
                    Claimed::Repeat(key, recorded) => {
                        Publication::Replayed(idempotency::reply(topic, &key, recorded).await?)
                    }
                };
                json_response(200, &publication)
            }
            (Method::Put, "/idempotency") => {
                let key = required_query(&req, "key")?;
                let sequence = required_query(&req, "sequence")?
                    .parse()
                    .map_err(|_| ApiError::invalid_request("sequence is not a number"))?;
                let reply: RecordedReply = parse_json(&request_body(&req).await?, false)?;
                topic.complete(&key, sequence, &reply)?;
                no_content()
            }
            (Method::Get, "/subscribe") => {
                let after = query(&req, "after")?.and_then(|id| id.trim().parse().ok());
                let token_id = query(&req, "token")?.unwrap_or_default();
                let lifetime_ms = stream_lifetime_ms(&topic.env);
                let response = topic.streams.subscribe(
                    &token_id,
                    after,
                    topic.sequence.get(),
                    &quotas(&topic.env),
                    lifetime_ms,
                )?;
                let check = if token_id.is_empty() {
                    lifetime_ms
                } else {
                    KEY_CHECK_MS
                };
                topic.wake_at(now_ms() + lifetime_ms.min(check)).await?;
                Ok(response)
            }
            (Method::Delete, "/streams") => {
                let token_id = required_query(&req, "token")?;
                let ended = topic.streams.revoke(&token_id);
                json_response(200, &serde_json::json!({ "ended": ended }))
            }
            (Method::Get, "/subscribers") => {
                let count = topic.subscribers.borrow().len();
                json_response(200, &serde_json::json!({ "count": count }))
            }
            (Method::Put, "/subscribers") => {
                let name = required_query(&req, "name")?;
                let subscription: Subscription = parse_json(&request_body(&req).await?, false)?;
                topic.subscribe_webhook(name, subscription)?;
                no_content()
            }
            (Method::Delete, "/subscribers") => {
                let name = required_query(&req, "name")?;
                let revision = required_query(&req, "revision")?
                    .parse()
                    .map_err(|_| ApiError::invalid_request("revision is not a number"))?;
                topic.unsubscribe_webhook(&name, revision)?;
                no_content()
            }
            _ => Err(ApiError::not_found("no such topic operation")),
        }
    }
}

/// Hand-off rows per insert statement (3 values each; at most 100 a
/// statement).
const ROWS_PER_INSERT: usize = 32;

/// What a publish call is: a message numbered, or the repeat of an
/// idempotent publish (its key, and the record of the first call).
enum Claimed {
    Numbered(Numbered),
    Repeat(String, Recorded),
}

impl TopicState {
    /// Creates the tables and reads the sequence, name and subscribers,
    /// once per object lifetime.
    fn load(&self) -> ApiResult<()> {
        if self.loaded.get() {
            return Ok(());
        }
        self.sql.create_meta()?;
        for statement in [
            "CREATE TABLE IF NOT EXISTS subscribers \
             (name TEXT PRIMARY KEY, subscription TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, \
             published_at INTEGER NOT NULL, token_id TEXT NOT NULL, body BLOB NOT NULL, \
             is_text INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS handoffs (webhook TEXT NOT NULL, \
             generation INTEGER NOT NULL, seq INTEGER NOT NULL, \
             PRIMARY KEY (webhook, generation, seq))",
            "CREATE INDEX IF NOT EXISTS handoffs_by_seq ON handoffs (seq)",
        ]
        .into_iter()
        .chain(idempotency::TABLES.iter().copied())
        {
            self.sql.exec(statement, vec![])?;
        }
        self.sequence
            .set(self.sql.meta::<u64>("sequence")?.unwrap_or(0));
        *self.name.borrow_mut() = self.sql.meta("name")?;
        let rows: Vec<SubscriberRow> = self
            .sql
            .rows("SELECT name, subscription FROM subscribers", vec![])?;
        let mut subscribers = BTreeMap::new();
        for row in rows {
            let subscription = serde_json::from_str(&row.subscription)
                .map_err(|e| ApiError::internal("reading subscribers", e))?;
            subscribers.insert(row.name, subscription);
        }
        *self.subscribers.borrow_mut() = subscribers;
        self.loaded.set(true);
        Ok(())
    }

    /// Numbers the message and stores it with a hand-off row for each
    /// webhook that receives it, in one synchronous step: nothing else runs
    /// in between, and it all commits before the reply (or any hand-off)
    /// leaves. With an `Idempotency-Key` the same step first looks the key
    /// up (a repeat publishes nothing) and records it with the response.
    /// Then the message goes to the open streams.
    fn publish(
        &self,
        request: PublishRequest,
        claim: Option<&IdempotencyClaim>,
    ) -> ApiResult<Claimed> {
        let publish_timestamp = now_ms();
        if let Some(claim) = claim
            && let Some(recorded) = self.recorded(claim, publish_timestamp)?
        {
            return Ok(Claimed::Repeat(claim.key.clone(), recorded));
        }
        let sequence = self.sequence.get() + 1;
        let (handed, sync) = self.recipients(&request);
        self.sql.set_meta("sequence", &sequence)?;
        if !handed.is_empty() {
            self.store(&request, sequence, publish_timestamp, &handed)?;
        }
        if let Some(claim) = claim {
            // The whole response unless `sync` webhooks remain: then their
            // results complete it.
            let reply = RecordedReply::published(&Published {
                cache: request.cache.clone(),
                topic: request.topic.clone(),
                topic_sequence_number: sequence,
                publish_timestamp,
                token_id: request.token_id.clone(),
                sync_deliveries: Vec::new(),
                async_deliveries: handed.len(),
            })?;
            self.record(claim, sequence, publish_timestamp, sync.is_empty(), &reply)?;
        }
        self.sequence.set(sequence);

        self.streams.broadcast(&Envelope {
            cache: request.cache,
            topic: request.topic,
            event_timestamp: publish_timestamp,
            publish_timestamp,
            topic_sequence_number: sequence,
            token_id: request.token_id,
            message: request.message,
        });
        Ok(Claimed::Numbered(Numbered {
            sequence,
            publish_timestamp,
            handed_off: handed.len(),
            sync,
        }))
    }

    /// Who receives `request`'s message: the webhooks it is handed off to,
    /// and the `sync` ones left to the caller.
    fn recipients(&self, request: &PublishRequest) -> (Vec<Recipient>, Vec<Recipient>) {
        let origin = if request.external_api {
            PublishOrigin::ExternalApi
        } else {
            PublishOrigin::Operator
        };
        let subscribers = self.subscribers.borrow();
        let plan = plan_fan_out(subscribers.values(), &request.topic, origin);
        let recipient = |s: &&Subscription| Recipient {
            name: s.config.id.webhook_name.clone(),
            generation: s.generation,
        };
        if request.sync_by_caller {
            (
                plan.background.iter().map(recipient).collect(),
                plan.sync.iter().map(recipient).collect(),
            )
        } else {
            let all = plan.background.iter().chain(&plan.sync);
            (all.map(recipient).collect(), Vec::new())
        }
    }

    /// Writes message `sequence` and its hand-off rows.
    fn store(
        &self,
        request: &PublishRequest,
        sequence: u64,
        publish_timestamp: u64,
        handed: &[Recipient],
    ) -> ApiResult<()> {
        if self.name.borrow().is_none() {
            let name = TopicName {
                cache: request.cache.clone(),
                topic: request.topic.clone(),
            };
            self.sql.set_meta("name", &name)?;
            *self.name.borrow_mut() = Some(name);
        }
        let (body, is_text) = match &request.message {
            Message::Text(text) => (text.as_bytes().to_vec(), 1),
            Message::Bytes(bytes) => (bytes.clone(), 0),
        };
        self.sql.exec(
            "INSERT INTO messages (seq, published_at, token_id, body, is_text) \
             VALUES (?, ?, ?, ?, ?)",
            vec![
                int(sequence),
                int(publish_timestamp),
                request.token_id.as_str().into(),
                body.into(),
                is_text.into(),
            ],
        )?;
        for chunk in handed.chunks(ROWS_PER_INSERT) {
            let mut statement =
                String::from("INSERT INTO handoffs (webhook, generation, seq) VALUES ");
            let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 3);
            for (i, webhook) in chunk.iter().enumerate() {
                statement.push_str(if i == 0 { "(?, ?, ?)" } else { ", (?, ?, ?)" });
                values.extend([
                    webhook.name.as_str().into(),
                    int(webhook.generation),
                    int(sequence),
                ]);
            }
            self.sql.exec(&statement, values)?;
        }
        Ok(())
    }

    /// Stores `subscription` for `name`, unless a later revision is there.
    fn subscribe_webhook(&self, name: String, subscription: Subscription) -> ApiResult<()> {
        let mut subscribers = self.subscribers.borrow_mut();
        if subscribers
            .get(&name)
            .is_some_and(|s| s.revision > subscription.revision)
        {
            return Ok(());
        }
        let text = crate::http::json_text(&subscription, "writing subscription")?;
        self.sql.exec(
            "INSERT INTO subscribers (name, subscription) VALUES (?, ?) \
             ON CONFLICT (name) DO UPDATE SET subscription = excluded.subscription",
            vec![name.as_str().into(), text.into()],
        )?;
        subscribers.insert(name, subscription);
        Ok(())
    }

    /// Removes `name` as of `revision`, unless a later revision is there.
    fn unsubscribe_webhook(&self, name: &str, revision: u64) -> ApiResult<()> {
        let mut subscribers = self.subscribers.borrow_mut();
        if subscribers.get(name).is_some_and(|s| s.revision > revision) {
            return Ok(());
        }
        self.sql
            .exec("DELETE FROM subscribers WHERE name = ?", vec![name.into()])?;
        subscribers.remove(name);
        Ok(())
    }
}

#[derive(Deserialize)]
struct SubscriberRow {
    name: String,
    subscription: String,
}
