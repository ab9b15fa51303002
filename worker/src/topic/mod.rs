//! The per-topic Durable Object: it numbers the topic's messages, keeps the
//! topic's subscribers (each webhook's configuration, written by the
//! webhook's own object), stores each message with the hand-offs it owes
//! to its webhooks in the transaction that numbers it, and hands them off
//! from its alarm. It remembers the `Idempotency-Key` of each publish for
//! 24 hours, checked in the step that numbers the message, and removes
//! what expired from its alarm. It also serves the topic's Server-Sent
//! Events.

pub(crate) mod client;
mod handoff;
mod idempotency;
// The Durable Object macro generates undocumented glue.
#[allow(missing_docs)]
pub(crate) mod object;
mod retention;
mod state;
mod stream;
