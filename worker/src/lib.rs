//! The edgehooks service on Cloudflare Workers: the HTTP API to manage
//! webhooks and API keys, publish with fan-out, and the signed POST sender.
//!
//! The rules (validation, signing, fan-out planning, authorization) are the
//! core's; this crate translates between them and the Workers platform: KV
//! for state, a Durable Object per topic (sequence numbers, subscribers)
//! and per webhook (attempt log, statistics, dead letters), a Queue for
//! deliveries and retries, `fetch` for the signed POST. The management web
//! page is served from the same Worker at `/`.

mod api;
mod consumer;
mod delivery;
mod dispatch;
mod error;
mod jobs;
// The Durable Object macro generates undocumented glue.
#[allow(missing_docs)]
mod log;
mod openapi;
mod platform;
mod routes;
mod seal;
mod store;
// The Durable Object macro generates undocumented glue.
#[allow(missing_docs)]
mod topic;
mod ui;

pub use log::WebhookLog;
pub use topic::Topic;
use worker::{Context, Env, MessageBatch, Request, Response, event};

/// The Worker's fetch handler.
#[event(fetch)]
pub async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    api::handle(req, env).await
}

/// The Worker's queue consumer: delivery attempts and retries.
#[event(queue)]
pub async fn queue(batch: MessageBatch<String>, env: Env, _ctx: Context) -> worker::Result<()> {
    consumer::consume(batch, env).await
}
