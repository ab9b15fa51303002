//! The edgehooks service on Cloudflare Workers: the HTTP API to manage
//! webhooks and API keys, publish with fan-out, and the signed POST sender.
//!
//! The rules (validation, signing, fan-out planning, authorization) are the
//! core's; this crate translates between them and the Workers platform: KV
//! for state, a Durable Object per topic for sequence numbers, `fetch` for
//! delivery.

mod api;
mod delivery;
mod error;
mod openapi;
mod platform;
mod routes;
mod seal;
mod store;
// The Durable Object macro generates undocumented glue.
#[allow(missing_docs)]
mod topic;

pub use topic::Topic;
use worker::{Context, Env, Request, Response, event};

/// The Worker's fetch handler.
#[event(fetch)]
pub async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    api::handle(req, env, ctx).await
}
