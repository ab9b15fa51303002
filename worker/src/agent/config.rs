//! A webhook's configuration and secrets: the management operations, each a
//! change made one at a time in the webhook's own object (so no change is
//! lost or undone by a stale read), followed by the updates of the copies
//! that others read: the subscription in each of its topics and its entry
//! in the KV index.
//!
//! Every change writes the webhook and a note of the updates still to make
//! (`sync`) in one step; the updates follow, and the note is cleared once
//! they are all made. If they fail or the runtime stops, the object's alarm
//! makes them later. Topics keep a subscription only if it is of a later
//! revision than the one they have, so an update arriving late changes
//! nothing.

use std::collections::BTreeSet;
use std::rc::Rc;

use edgehooks_core::service::access::OPERATOR_TOKEN_ID;
use edgehooks_core::service::{
    AuthSecret, DeliveryStats, WebhookConfig, WebhookInput, WebhookPatch, WebhookSecrets,
    WebhookStatus, new_webhook_secret, validate_secret, verification_secret,
};
use edgehooks_core::{Message, Scheme, SecretString};
use futures_util::{StreamExt, stream};
use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::Response;

use super::client::{ResealOutcome, owner};
use super::state::{Agent, CachedSigner, Signer, StoredWebhook};
use super::{log, outbox, quota};
use crate::error::{ApiError, ApiResult};
use crate::http::{json_response, json_text, no_content, parse_json};
use crate::platform::{
    MAX_IN_FLIGHT, now_ms, previous_sealing_key, random_bytes, sealing_key, url_policy,
};
use crate::seal::Sealer;
use crate::store::Store;
use crate::topic::client::{PublishRequest, SYSTEM_TOPIC, Subscription, TopicClient};

/// The last generation and revision given by an object; kept when its
/// webhook is deleted, so both only ever grow.
#[derive(Clone, Copy, Default, Serialize, Deserialize)]
struct Lineage {
    generation: u64,
    revision: u64,
}

/// The updates a change still has to make: subscriptions to write, topics
/// to leave, and the index entry (written, or removed when the webhook is
/// gone).
#[derive(Clone, Default, Serialize, Deserialize)]
struct PendingSync {
    cache: String,
    name: String,
    revision: u64,
    subscribe: Vec<String>,
    unsubscribe: Vec<String>,
}

/// A webhook as the API shows it: its configuration, with Momento's
/// `topicName` (its first topic) beside `topics`, status and times (and its
/// delivery statistics in the details call).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookView<'a> {
    #[serde(flatten)]
    config: &'a WebhookConfig,
    topic_name: &'a str,
    status: WebhookStatus,
    created_at: u64,
    updated_at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    statistics: Option<DeliveryStats>,
}

impl<'a> From<&'a StoredWebhook> for WebhookView<'a> {
    fn from(stored: &'a StoredWebhook) -> Self {
        WebhookView {
            config: &stored.config,
            topic_name: stored.config.topic_name(),
            status: stored.config.status(),
            created_at: stored.created_at,
            updated_at: stored.updated_at,
            statistics: None,
        }
    }
}

/// The secret a receiver verifies with, in Momento's getWebhookSecret shape.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SecretView<'a> {
    secret: &'a str,
    webhook_name: &'a str,
    cache_name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    grace_ends_at: Option<u64>,
}

/// Seals with `SECRETS_KEY`; opens with it or `SECRETS_KEY_PREVIOUS`.
fn sealer(agent: &Agent) -> ApiResult<Sealer> {
    let current = sealing_key(&agent.env)?;
    let previous = previous_sealing_key(&agent.env)?;
    Ok(Sealer::new(&current, previous.as_ref()))
}

/// A fresh secret for `scheme`, or the user's own after checking it.
fn new_secret(scheme: Scheme, supplied: Option<String>) -> ApiResult<SecretString> {
    match supplied {
        Some(secret) => {
            validate_secret(scheme, &secret)?;
            Ok(SecretString::new(secret))
        }
        None => Ok(new_webhook_secret(scheme, &random_bytes::<32>()?)),
    }
}

/// `PUT`: creates the webhook (201) or replaces it (200), returning the
/// secret a receiver verifies with as `secretString`. With `create_only`
/// an existing webhook is left as it is: 412 `already_exists`.
pub(super) async fn put(
    agent: &Agent,
    cache: &str,
    name: &str,
    body: &[u8],
    create_only: bool,
) -> ApiResult<Response> {
    let mut input: WebhookInput = parse_json(body, false)?;
    let supplied = input.secret.take();
    let policy = url_policy(&agent.env);
    let sealer = sealer(agent)?;
    let _change = agent.changes.lock().await;
    let previous = agent.webhook();
    if previous.is_some() && create_only {
        return Err(ApiError::already_exists());
    }
    let now = now_ms();
    let (config, mut secrets, created_at, auth_secret) = match &previous {
        Some(old) => {
            let (config, auth_secret) = input.check_replace(&old.config, policy)?;
            let held = sealer.open(&old.sealed_secrets, &old.owner())?;
            let secrets = match supplied {
                Some(secret) => {
                    let mut fresh = WebhookSecrets::new(new_secret(config.scheme, Some(secret))?);
                    fresh.change_auth_secret(AuthSecret::of_held(held.auth_secret()));
                    fresh
                }
                None => held,
            };
            (config, secrets, old.created_at, auth_secret)
        }
        None => {
            let (config, auth_secret) = input.check(cache, name, None, policy)?;
            let secrets = WebhookSecrets::new(new_secret(config.scheme, supplied)?);
            (config, secrets, now, auth_secret)
        }
    };
    quota::check(agent, cache, &config, previous.as_ref().map(|p| &p.config)).await?;
    secrets.change_auth_secret(auth_secret);
    let generation = match &previous {
        Some(old) => old.generation,
        None => (lineage(agent)?.generation + 1).max(now),
    };
    let stored = StoredWebhook {
        sealed_secrets: sealer.seal(&secrets, &owner(cache, name))?,
        config,
        created_at,
        updated_at: now,
        generation,
        revision: 0, // set by `save`
    };
    let receiver_secret = verification_secret(stored.config.scheme, secrets.current())?;
    save(agent, cache, name, Some(stored))?;
    let stored = agent.existing()?;
    let body =
        json!({"secretString": receiver_secret.expose(), "webhook": WebhookView::from(&*stored)});
    finish_sync(agent).await?;
    json_response(if previous.is_some() { 200 } else { 201 }, &body)
}

/// `PATCH`: changes the given fields; the scheme cannot change.
pub(super) async fn patch(agent: &Agent, body: &[u8]) -> ApiResult<Response> {
    let patch: WebhookPatch = parse_json(body, false)?;
    let _change = agent.changes.lock().await;
    let mut stored = (*agent.existing()?).clone();
    let (config, auth_secret) = patch.check(&stored.config, url_policy(&agent.env))?;
    quota::check(agent, &config.id.cache_name, &config, Some(&stored.config)).await?;
    stored.config = config;
    if !matches!(auth_secret, AuthSecret::Keep) {
        let sealer = sealer(agent)?;
        let mut secrets = sealer.open(&stored.sealed_secrets, &stored.owner())?;
        secrets.change_auth_secret(auth_secret);
        stored.sealed_secrets = sealer.seal(&secrets, &stored.owner())?;
    }
    stored.updated_at = now_ms();
    let receiving = stored.config.receiving();
    let (cache, name) = names(&stored);
    save(agent, &cache, &name, Some(stored))?;
    let reply = json_response(200, &WebhookView::from(&*agent.existing()?))?;
    if !receiving {
        outbox::give_up_pending(agent, now_ms())?;
    }
    finish_sync(agent).await?;
    Ok(reply)
}

/// `DELETE`: the webhook, its outbox and its log go at once; nothing is
/// sent afterwards.
pub(super) async fn delete(agent: &Agent) -> ApiResult<Response> {
    let _change = agent.changes.lock().await;
    let stored = agent.existing()?;
    let (cache, name) = names(&stored);
    save(agent, &cache, &name, None)?;
    outbox::clear(agent)?;
    log::clear(agent)?;
    agent.sql.delete_meta("paused_until")?;
    agent.paused_until.set(0);
    *agent.signer.borrow_mut() = None;
    finish_sync(agent).await?;
    no_content()
}

/// `GET`: the webhook with its delivery statistics.
pub(super) fn get(agent: &Agent) -> ApiResult<Response> {
    let stored = agent.existing()?;
    let (pending, given_up) = outbox::backlog(&agent.sql)?;
    let mut view = WebhookView::from(&*stored);
    view.statistics = Some(agent.stats.borrow().clone().with_backlog(pending, given_up));
    json_response(200, &view)
}

/// `GET .../secret`: what a receiver verifies with (the `whpk_` public key
/// for `standard-v1a`).
pub(super) fn secret(agent: &Agent) -> ApiResult<Response> {
    let stored = agent.existing()?;
    let secrets = sealer(agent)?.open(&stored.sealed_secrets, &stored.owner())?;
    secret_response(&stored, &secrets, now_ms())
}

fn secret_response(
    stored: &StoredWebhook,
    secrets: &WebhookSecrets,
    now: u64,
) -> ApiResult<Response> {
    let receiver = verification_secret(stored.config.scheme, secrets.current())?;
    let id = &stored.config.id;
    json_response(
        200,
        &SecretView {
            secret: receiver.expose(),
            webhook_name: &id.webhook_name,
            cache_name: &id.cache_name,
            grace_ends_at: secrets.grace_ends_ms(now),
        },
    )
}

/// The body of a rotation: both fields optional.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RotateInput {
    #[serde(default)]
    grace_seconds: u32,
    secret: Option<String>,
}

/// `POST .../secret/rotate`: a new secret; the old one keeps signing for
/// `graceSeconds` (0 by default, the Momento behaviour). Attempts not yet
/// made sign with the new one.
pub(super) async fn rotate(agent: &Agent, body: &[u8]) -> ApiResult<Response> {
    let input: RotateInput = parse_json(body, true)?;
    let sealer = sealer(agent)?;
    let _change = agent.changes.lock().await;
    let mut stored = (*agent.existing()?).clone();
    let mut secrets = sealer.open(&stored.sealed_secrets, &stored.owner())?;
    let now = now_ms();
    secrets.rotate(
        new_secret(stored.config.scheme, input.secret)?,
        input.grace_seconds,
        now,
    )?;
    stored.sealed_secrets = sealer.seal(&secrets, &stored.owner())?;
    stored.updated_at = now;
    let reply = secret_response(&stored, &secrets, now)?;
    let (cache, name) = names(&stored);
    save(agent, &cache, &name, Some(stored))?;
    finish_sync(agent).await?;
    Ok(reply)
}

/// `POST /reseal`: seals the webhook's secrets again with the current key
/// if they are sealed with another (or in the format that names no key).
/// Only the stored value changes: not the configuration, its revision or
/// the copies others read.
pub(super) async fn reseal(agent: &Agent) -> ApiResult<Response> {
    let sealer = sealer(agent)?;
    let _change = agent.changes.lock().await;
    let outcome = match agent.webhook() {
        None => ResealOutcome::Absent,
        Some(current) => match sealer.reseal(&current.sealed_secrets, &current.owner())? {
            None => ResealOutcome::AlreadyCurrent,
            Some(sealed_secrets) => {
                let stored = StoredWebhook {
                    sealed_secrets,
                    ..(*current).clone()
                };
                agent.sql.set_meta("webhook", &stored)?;
                agent.keep(Some(stored));
                ResealOutcome::Resealed
            }
        },
    };
    json_response(200, &outcome)
}

/// The signer of `stored` at `now_ms`: its secrets opened once per
/// revision, not once per attempt.
pub(super) fn signer(agent: &Agent, stored: &StoredWebhook, now_ms: u64) -> ApiResult<Rc<Signer>> {
    if let Some(cached) = agent.signer.borrow().as_ref()
        && cached.revision == stored.revision
        && now_ms < cached.valid_until
    {
        return Ok(Rc::clone(&cached.signer));
    }
    let secrets = sealer(agent)?.open(&stored.sealed_secrets, &stored.owner())?;
    let scheme = stored.config.scheme;
    let webhook =
        edgehooks_core::Webhook::with_secrets(scheme, &secrets.signing_secrets(scheme, now_ms))
            .map_err(|err| ApiError::internal("a stored secret does not parse", err))?;
    let auth_secret = secrets.auth_secret().cloned();
    if stored.config.auth.is_some() && auth_secret.is_none() {
        return Err(ApiError::internal("auth without its secret", "none held"));
    }
    let signer = Rc::new(Signer {
        webhook,
        auth_secret,
    });
    *agent.signer.borrow_mut() = Some(CachedSigner {
        revision: stored.revision,
        valid_until: secrets.signing_changes_at(now_ms).unwrap_or(u64::MAX),
        signer: Rc::clone(&signer),
    });
    Ok(signer)
}

/// Disables the webhook of `generation` with `reason` (it failed for too
/// long, or its endpoint is gone), gives up what it has pending, and
/// publishes a `webhook.disabled` event on the cache's system topic.
pub(super) async fn disable(
    agent: &Agent,
    generation: u64,
    reason: String,
    failing_since: Option<u64>,
) -> ApiResult<()> {
    let _change = agent.changes.lock().await;
    let Some(current) = agent.webhook() else {
        return Ok(());
    };
    if current.generation != generation || current.config.disabled_reason.is_some() {
        return Ok(());
    }
    let mut stored = (*current).clone();
    stored.config.disabled_reason = Some(reason.clone());
    stored.updated_at = now_ms();
    let (cache, name) = names(&stored);
    save(agent, &cache, &name, Some(stored))?;
    outbox::give_up_pending(agent, now_ms())?;
    finish_sync(agent).await?;
    let event = json!({
        "type": "webhook.disabled",
        "cache": cache,
        "webhook": name,
        "reason": reason,
        "failingSince": failing_since,
    });
    TopicClient::new(&agent.env, &cache, SYSTEM_TOPIC)?
        .publish(&PublishRequest {
            cache: cache.clone(),
            topic: SYSTEM_TOPIC.to_owned(),
            token_id: OPERATOR_TOKEN_ID.to_owned(),
            external_api: false,
            sync_by_caller: false,
            message: Message::Text(event.to_string()),
        })
        .await?;
    Ok(())
}

fn names(stored: &StoredWebhook) -> (String, String) {
    let id = &stored.config.id;
    (id.cache_name.clone(), id.webhook_name.clone())
}

fn lineage(agent: &Agent) -> ApiResult<Lineage> {
    Ok(agent.sql.meta("lineage")?.unwrap_or_default())
}

/// Writes `next` (or its absence) for webhook `cache/name` with the next
/// revision, its lineage, and the updates it calls for, in one synchronous
/// step.
fn save(agent: &Agent, cache: &str, name: &str, next: Option<StoredWebhook>) -> ApiResult<()> {
    let mut lineage = lineage(agent)?;
    lineage.revision += 1;
    let previous: Option<PendingSync> = agent.sql.meta("sync")?;
    let mut leave: BTreeSet<String> = previous
        .map(|p| p.subscribe.into_iter().chain(p.unsubscribe).collect())
        .unwrap_or_default();
    if let Some(current) = agent.webhook() {
        leave.extend(current.config.topics.iter().cloned());
    }
    let subscribe = next
        .as_ref()
        .map_or_else(Vec::new, |n| n.config.topics.clone());
    for topic in &subscribe {
        leave.remove(topic);
    }
    let next = next.map(|mut next| {
        next.revision = lineage.revision;
        lineage.generation = lineage.generation.max(next.generation);
        next
    });
    match &next {
        Some(next) => agent.sql.set_meta("webhook", next)?,
        None => agent.sql.delete_meta("webhook")?,
    }
    agent.sql.set_meta("lineage", &lineage)?;
    agent.sql.set_meta(
        "sync",
        &PendingSync {
            cache: cache.to_owned(),
            name: name.to_owned(),
            revision: lineage.revision,
            subscribe,
            unsubscribe: leave.into_iter().collect(),
        },
    )?;
    agent.keep(next);
    agent.sync_pending.set(true);
    Ok(())
}

/// Makes the updates the last change noted: the webhook's subscription in
/// each of its topics (at most 5 calls at once), its removal from the
/// topics it left, and its index entry; then clears the note. If anything
/// fails, the alarm tries again. The caller holds `changes`.
pub(super) async fn finish_sync(agent: &Agent) -> ApiResult<()> {
    let Some(pending) = agent.sql.meta::<PendingSync>("sync")? else {
        agent.sync_pending.set(false);
        return Ok(());
    };
    agent.wake_at(now_ms() + 10_000).await?;
    let webhook = agent.webhook();
    let (cache, name) = (pending.cache.as_str(), pending.name.as_str());
    let subscription = webhook.as_ref().map(|w| Subscription {
        config: w.config.clone(),
        generation: w.generation,
        revision: w.revision,
    });
    let env = &agent.env;
    let subscribe = pending
        .subscribe
        .iter()
        .filter(|_| subscription.is_some())
        .map(|topic| (topic, true));
    let unsubscribe = pending.unsubscribe.iter().map(|topic| (topic, false));
    let results: Vec<ApiResult<()>> = stream::iter(subscribe.chain(unsubscribe))
        .map(|(topic, join)| {
            let subscription = subscription.as_ref();
            async move {
                let client = TopicClient::new(env, cache, topic)?;
                match subscription.filter(|_| join) {
                    Some(subscription) => client.subscribe_webhook(name, subscription).await,
                    None => client.unsubscribe_webhook(name, pending.revision).await,
                }
            }
        })
        .buffer_unordered(MAX_IN_FLIGHT)
        .collect()
        .await;
    results.into_iter().collect::<ApiResult<Vec<()>>>()?;
    let store = Store::new(env)?;
    match &webhook {
        Some(webhook) => {
            let listed = json_text(&WebhookView::from(&**webhook), "encoding webhook")?;
            store.index_webhook(cache, name, listed).await?;
        }
        None => store.unindex_webhook(cache, name).await?,
    }
    agent.sql.delete_meta("sync")?;
    agent.sync_pending.set(false);
    Ok(())
}
