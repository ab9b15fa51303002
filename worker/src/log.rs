//! The per-webhook Durable Object: the attempt log, the delivery
//! statistics, and the messages given up on (for replay).
//!
//! Storage: `stats`, `attempt/{n:012}` (the newest 1000 attempts), and
//! `undelivered/{webhook-id}` (dead-lettered or timed-out jobs).

use core::cell::Cell;

use edgehooks_core::DeliveryStats;
use serde::{Deserialize, Serialize};
use worker::{
    DurableObject, Env, ListOptions, Method, Request, Response, Result, State, durable_object,
};

use crate::delivery::AttemptRecord;
use crate::jobs::DeliveryJob;

const STATS_KEY: &str = "stats";
const COUNTER_KEY: &str = "attempts";
const ATTEMPT_PREFIX: &str = "attempt/";
const UNDELIVERED_PREFIX: &str = "undelivered/";
/// Attempts kept per webhook.
const MAX_ATTEMPTS_KEPT: u64 = 1000;

/// What the sender reports after an attempt (`POST /attempts` takes a
/// list of them).
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct AttemptReport {
    pub(crate) attempt: AttemptRecord,
    /// The job, when the message is given up on.
    pub(crate) undelivered: Option<DeliveryJob>,
    /// A test event: logged, not counted in the statistics.
    #[serde(default)]
    pub(crate) test: bool,
}

/// A page of the attempt log, newest first.
#[derive(Serialize, Deserialize)]
pub(crate) struct AttemptPage {
    pub(crate) attempts: Vec<AttemptRecord>,
    pub(crate) cursor: Option<String>,
}

/// One instance per `cache/webhook`.
#[durable_object(fetch)]
pub struct WebhookLog {
    state: State,
    counter: Cell<Option<u64>>,
}

fn query(req: &Request, name: &str) -> Result<Option<String>> {
    Ok(req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned()))
}

impl DurableObject for WebhookLog {
    fn new(state: State, _env: Env) -> Self {
        WebhookLog {
            state,
            counter: Cell::new(None),
        }
    }

    /// `POST /attempts` (an attempt report; replies with the statistics),
    /// `GET /attempts?limit=&cursor=`, `GET /stats`,
    /// `POST /replay?since=` (takes the undelivered jobs), `DELETE /`.
    async fn fetch(&self, mut req: Request) -> Result<Response> {
        self.load_counter().await?;
        let storage = self.state.storage();
        match (req.method(), req.path().as_str()) {
            (Method::Post, "/attempts") => {
                let reports: Vec<AttemptReport> = serde_json::from_str(&req.text().await?)?;
                let mut stats = self.stats().await?;
                let entries = worker::js_sys::Object::new();
                let set = |key: &str, value: String| {
                    worker::js_sys::Reflect::set(&entries, &key.into(), &value.into()).map(drop)
                };
                let mut first_dropped = None;
                for report in &reports {
                    let n = self.next_number();
                    let record = &report.attempt;
                    if !report.test {
                        stats.record_attempt(record.delivered, record.sent_at);
                    }
                    set(
                        &format!("{ATTEMPT_PREFIX}{n:012}"),
                        serde_json::to_string(record)?,
                    )?;
                    if n > MAX_ATTEMPTS_KEPT {
                        first_dropped.get_or_insert(n - MAX_ATTEMPTS_KEPT);
                    }
                    if let Some(job) = &report.undelivered {
                        stats.record_undelivered();
                        let key = format!("{UNDELIVERED_PREFIX}{}", record.webhook_id);
                        set(&key, serde_json::to_string(job)?)?;
                    }
                }
                set(STATS_KEY, serde_json::to_string(&stats)?)?;
                set(COUNTER_KEY, self.counter.get().unwrap_or(0).to_string())?;
                storage.put_multiple_raw(entries).await?;
                if let Some(first) = first_dropped {
                    let last = self
                        .counter
                        .get()
                        .unwrap_or(0)
                        .saturating_sub(MAX_ATTEMPTS_KEPT);
                    let dropped: Vec<String> = (first..=last)
                        .map(|n| format!("{ATTEMPT_PREFIX}{n:012}"))
                        .collect();
                    storage.delete_multiple(dropped).await?;
                }
                Response::from_json(&stats)
            }
            (Method::Get, "/attempts") => {
                let limit = query(&req, "limit")?
                    .and_then(|l| l.parse::<usize>().ok())
                    .unwrap_or(50)
                    .max(1);
                let cursor = query(&req, "cursor")?;
                let mut options = ListOptions::new()
                    .prefix(ATTEMPT_PREFIX)
                    .reverse(true)
                    .limit(limit + 1);
                if let Some(cursor) = cursor.as_deref() {
                    options = options.end(cursor);
                }
                let mut entries = self.texts(storage.list_with_options(options).await?)?;
                let cursor = (entries.len() > limit).then(|| entries[limit - 1].0.clone());
                entries.truncate(limit);
                let attempts = entries
                    .iter()
                    .map(|(_, text)| serde_json::from_str(text))
                    .collect::<core::result::Result<_, _>>()?;
                Response::from_json(&AttemptPage { attempts, cursor })
            }
            (Method::Get, "/stats") => Response::from_json(&self.stats().await?),
            (Method::Post, "/replay") => {
                let since: u64 = query(&req, "since")?
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let listed = storage
                    .list_with_options(ListOptions::new().prefix(UNDELIVERED_PREFIX))
                    .await?;
                let mut jobs = Vec::new();
                let mut taken = Vec::new();
                for (key, text) in self.texts(listed)? {
                    let job: DeliveryJob = serde_json::from_str(&text)?;
                    if job.failed_at.unwrap_or(0) >= since {
                        jobs.push(job);
                        taken.push(key);
                    }
                }
                storage.delete_multiple(taken).await?;
                Response::from_json(&jobs)
            }
            (Method::Delete, "/") => {
                storage.delete_all().await?;
                self.counter.set(None);
                Response::empty()
            }
            _ => Response::error("not found", 404),
        }
    }
}

impl WebhookLog {
    async fn stats(&self) -> Result<DeliveryStats> {
        let text: Option<String> = self.state.storage().get(STATS_KEY).await?;
        Ok(match text {
            Some(text) => serde_json::from_str(&text)?,
            None => DeliveryStats::default(),
        })
    }

    /// The next attempt number (the counter is loaded before any request).
    fn next_number(&self) -> u64 {
        let next = self.counter.get().unwrap_or(0) + 1;
        self.counter.set(Some(next));
        next
    }

    /// Reads the attempt counter once per object lifetime.
    async fn load_counter(&self) -> Result<()> {
        if self.counter.get().is_none() {
            let stored: Option<String> = self.state.storage().get(COUNTER_KEY).await?;
            let stored = stored.and_then(|s| s.parse().ok()).unwrap_or(0);
            if self.counter.get().is_none() {
                self.counter.set(Some(stored));
            }
        }
        Ok(())
    }

    /// The (key, text) pairs of a storage listing.
    fn texts(&self, map: worker::js_sys::Map) -> Result<Vec<(String, String)>> {
        let mut out = Vec::new();
        for entry in map.entries() {
            let pair: worker::js_sys::Array = entry?.into();
            out.push((
                pair.get(0).as_string().unwrap_or_default(),
                pair.get(1).as_string().unwrap_or_default(),
            ));
        }
        Ok(out)
    }
}
