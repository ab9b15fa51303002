//! The queue consumer: each queued job is one delivery attempt.

use std::collections::BTreeMap;

use futures_util::future::join_all;
use worker::{Env, MessageBatch, MessageExt};

use crate::dispatch::Dispatcher;
use crate::error::ApiResult;
use crate::jobs::{DeliveryJob, enqueue};
use crate::store::{Store, StoredWebhook};

/// Makes the attempts of a batch concurrently, reading each topic's
/// subscribers once and writing each webhook's log once. A job whose
/// attempt was made, logged and followed up (retry enqueued, or given up
/// on) is acknowledged; one that hit a platform failure is left for the
/// queue to redeliver (at least once: its attempt may be made again).
pub(crate) async fn consume(batch: MessageBatch<String>, env: Env) -> worker::Result<()> {
    let store = Store::new(&env).map_err(|e| worker::Error::RustError(e.message.into_owned()))?;
    let dispatcher = Dispatcher::new(&env, &store);
    let messages: Vec<_> = batch.raw_iter().collect();
    let jobs: Vec<Option<DeliveryJob>> = messages
        .iter()
        .map(|m| {
            m.body()
                .as_string()
                .and_then(|t| serde_json::from_str(&t).ok())
        })
        .collect();
    let mut topics: Vec<(String, String)> = jobs
        .iter()
        .flatten()
        .map(|j| (j.cache.clone(), j.topic.clone()))
        .collect();
    topics.sort();
    topics.dedup();
    let lookups = join_all(topics.iter().map(|(c, t)| store.subscribers(c, t))).await;
    let subscribers: BTreeMap<&(String, String), ApiResult<Vec<StoredWebhook>>> =
        topics.iter().zip(lookups).collect();

    // Attempts, concurrently; each job's result is its attempt (or nothing
    // to do), or a platform failure.
    let work = jobs.iter().map(|job| {
        let (dispatcher, subscribers) = (&dispatcher, &subscribers);
        async move {
            let Some(job) = job else {
                worker::console_error!("dropping a malformed delivery job");
                return Ok(None);
            };
            let Some(Ok(list)) = subscribers.get(&(job.cache.clone(), job.topic.clone())) else {
                return Err(());
            };
            let webhook = list
                .iter()
                .find(|w| w.config.id.webhook_name == job.webhook);
            match dispatcher.deliver(job.clone(), webhook).await {
                Ok(attempted) => Ok(attempted.map(|a| (webhook.cloned(), a))),
                Err(_) => Err(()),
            }
        }
    });
    let results = join_all(work).await;

    // One log call per webhook, then the retries in one enqueue.
    let mut by_webhook: BTreeMap<(String, String), (StoredWebhook, Vec<usize>)> = BTreeMap::new();
    for (i, result) in results.iter().enumerate() {
        if let Ok(Some((Some(webhook), _))) = result {
            let id = &webhook.config.id;
            by_webhook
                .entry((id.cache_name.clone(), id.webhook_name.clone()))
                .or_insert_with(|| (webhook.clone(), Vec::new()))
                .1
                .push(i);
        }
    }
    let logged = join_all(by_webhook.values().map(|(webhook, indexes)| {
        let reports: Vec<_> = indexes
            .iter()
            .filter_map(|&i| match &results[i] {
                Ok(Some((_, attempted))) => Some(attempted.report.clone()),
                _ => None,
            })
            .collect();
        let dispatcher = &dispatcher;
        async move { dispatcher.log_attempts(webhook, &reports).await.is_ok() }
    }))
    .await;
    let mut done: Vec<bool> = results.iter().map(Result::is_ok).collect();
    for ((_, indexes), ok) in by_webhook.values().zip(logged) {
        for &i in indexes {
            done[i] &= ok;
        }
    }
    let retries: Vec<_> = results
        .iter()
        .zip(&done)
        .filter_map(|(result, &ok)| match result {
            Ok(Some((_, attempted))) if ok => attempted.retry.clone(),
            _ => None,
        })
        .collect();
    if enqueue(&env, retries).await.is_err() {
        done.iter_mut().for_each(|d| *d = false);
    }
    for (message, done) in messages.iter().zip(done) {
        if done {
            message.ack();
        } else {
            message.retry();
        }
    }
    Ok(())
}
