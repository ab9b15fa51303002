//! The per-webhook Durable Object: the webhook's source of truth and its
//! delivery agent.
//!
//! It holds the webhook's configuration and sealed secrets (the topics'
//! copies and the KV index follow every change it makes), an outbox of the
//! messages it owes in its SQLite storage, the attempt log and the
//! statistics. Its alarm makes the attempts, at most 5 at once (one at a
//! time for `fifo`), paced by `maxRatePerSecond`, and schedules what
//! follows each by the core's rule. A slow or failing endpoint delays only
//! its own object.

pub(crate) mod client;
mod config;
mod deliver;
mod log;
// The Durable Object macro generates undocumented glue.
#[allow(missing_docs)]
pub(crate) mod object;
mod outbox;
mod quota;
mod state;

pub(crate) use log::valid_cursor;
