//! The edgehooks service on Cloudflare Workers: the HTTP API to manage
//! webhooks and API keys, publish with fan-out, and the signed POST sender.
//!
//! The rules (validation, signing, fan-out planning, what follows an
//! attempt, authorization) are the core's; this crate translates between
//! them and the Workers platform: a Durable Object per topic (sequence
//! numbers, subscribers, hand-offs, the event stream) and per webhook (its
//! source of truth and delivery agent: configuration, outbox, attempts,
//! statistics), KV for the webhook index and API keys, `fetch` for the
//! signed POST. The management web page is served from the same Worker at
//! `/`.

mod agent;
mod api;
mod attempt;
mod delivery_auth;
mod error;
mod http;
mod limits_doc;
mod openapi;
mod platform;
mod publish;
mod routes;
mod seal;
mod sql;
mod store;
mod topic;
mod ui;

pub use agent::object::WebhookAgent;
pub use topic::object::Topic;
use worker::{Context, Env, Request, Response, event};

/// The Worker's fetch handler.
#[event(fetch)]
pub async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    api::handle(req, env).await
}
