//! Webhook management: create or replace, list, details, update, delete,
//! secrets and the test trigger.

use edgehooks_core::access::Permission;
use edgehooks_core::{
    DeliveryStats, Envelope, Message, Scheme, SecretString, WebhookConfig, WebhookInput,
    WebhookPatch, WebhookSecrets, WebhookStatus, delivery_id, new_webhook_secret,
    secret::validate_secret, validate_name, verification_secret,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use worker::{Method, Response};

use super::{Call, json_response, no_content};
use crate::delivery::{Target, attempt};
use crate::dispatch::Dispatcher;
use crate::error::{ApiError, ApiResult};
use crate::jobs::{DeliveryJob, enqueue};
use crate::log::{AttemptPage, AttemptReport};
use crate::platform::{now_ms, random_bytes, sealing_key, url_policy};
use crate::seal::Sealer;
use crate::store::{StoredWebhook, json_reply, owner};

/// A webhook as the API shows it: its configuration, status and times
/// (and its delivery statistics in the details call).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookView<'a> {
    #[serde(flatten)]
    config: &'a WebhookConfig,
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

/// Checks the caller may manage webhooks in the path's cache, and returns
/// the cache and webhook names.
fn managed(call: &Call) -> ApiResult<(String, String)> {
    let cache = call.param("cache");
    validate_name(cache, "cache name")?;
    call.caller.authorize(cache, Permission::Manage)?;
    let name = call.param("name");
    if call.matched.route != crate::routes::Route::ListWebhooks {
        validate_name(name, "webhook name")?;
    }
    Ok((cache.to_owned(), name.to_owned()))
}

async fn existing(call: &Call, cache: &str, name: &str) -> ApiResult<StoredWebhook> {
    call.store
        .webhook(cache, name)
        .await?
        .ok_or_else(|| ApiError::not_found("no webhook with this name in this cache"))
}

fn sealer(call: &Call) -> ApiResult<Sealer> {
    Ok(Sealer::new(&sealing_key(&call.env)?))
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
/// secret a receiver verifies with as `secretString`. With
/// `If-None-Match: *` it only creates: an existing webhook is left as it is
/// and answered with 412 `already_exists`.
pub(super) async fn put(mut call: Call) -> ApiResult<Response> {
    let (cache, name) = managed(&call)?;
    let mut input: WebhookInput = call.json(false).await?;
    let supplied = input.secret.take();
    let policy = url_policy(&call.env);
    let sealer = sealer(&call)?;
    let now = now_ms();
    let previous = call.store.webhook(&cache, &name).await?;
    if previous.is_some() && call.create_only()? {
        return Err(ApiError::new(
            412,
            "already_exists",
            "a webhook with this name already exists",
        ));
    }
    let (config, secrets, created_at, previous_topics) = match &previous {
        Some(old) => {
            let config = input.replace(&old.config, policy)?;
            let secrets = match supplied {
                Some(secret) => WebhookSecrets::new(new_secret(config.scheme, Some(secret))?),
                None => sealer.open(&old.sealed_secrets, &old.owner())?,
            };
            (config, secrets, old.created_at, old.config.topics.clone())
        }
        None => {
            let config = input.validate(&cache, &name, policy)?;
            let secrets = WebhookSecrets::new(new_secret(config.scheme, supplied)?);
            (config, secrets, now, Vec::new())
        }
    };
    let stored = StoredWebhook {
        sealed_secrets: sealer.seal(&secrets, &owner(&cache, &name))?,
        config,
        created_at,
        updated_at: now,
    };
    call.store.put_webhook(&stored, &previous_topics).await?;
    let receiver_secret = verification_secret(stored.config.scheme, secrets.current())?;
    let status = if previous.is_some() { 200 } else { 201 };
    json_response(
        status,
        &json!({"secretString": receiver_secret.expose(), "webhook": WebhookView::from(&stored)}),
    )
}

/// `GET` list: a page of webhooks by name, with a cursor for the next.
pub(super) async fn list(call: Call) -> ApiResult<Response> {
    let (cache, _) = managed(&call)?;
    let limit = call.page_limit()?;
    let cursor = call.query("cursor")?;
    let page = call.store.list_webhooks(&cache, limit, cursor).await?;
    let webhooks: Vec<WebhookView<'_>> = page.items.iter().map(WebhookView::from).collect();
    json_response(200, &json!({"webhooks": webhooks, "cursor": page.cursor}))
}

/// `GET` one webhook, with its delivery statistics.
pub(super) async fn get(call: Call) -> ApiResult<Response> {
    let (cache, name) = managed(&call)?;
    let stored = existing(&call, &cache, &name).await?;
    let reply = call
        .store
        .log_call(&cache, &name, Method::Get, "/stats", None)
        .await?;
    let stats = json_reply(reply, "reading statistics").await?;
    let mut view = WebhookView::from(&stored);
    view.statistics = Some(stats);
    json_response(200, &view)
}

/// `GET .../attempts`: the attempt log, newest first, a page at a time.
pub(super) async fn attempts(call: Call) -> ApiResult<Response> {
    let (cache, name) = managed(&call)?;
    existing(&call, &cache, &name).await?;
    let mut path = format!("/attempts?limit={}", call.page_limit()?);
    if let Some(cursor) = call.query("cursor")? {
        // Cursors are log keys: `attempt/` and twelve digits.
        let digits = cursor.strip_prefix("attempt/").unwrap_or_default();
        if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ApiError::new(
                400,
                "invalid_cursor",
                "cursor is not one this API returned",
            ));
        }
        path.push_str(&format!("&cursor={cursor}"));
    }
    let reply = call
        .store
        .log_call(&cache, &name, Method::Get, &path, None)
        .await?;
    let page: AttemptPage = json_reply(reply, "reading attempts").await?;
    json_response(200, &page)
}

/// The body of a replay: both fields optional.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ReplayInput {
    /// Only messages given up on at or after this time (ms).
    #[serde(default)]
    since: u64,
}

/// `POST .../replay`: sends the dead-lettered and timed-out messages again,
/// each with a fresh retry schedule and its original `webhook-id`.
pub(super) async fn replay(mut call: Call) -> ApiResult<Response> {
    let (cache, name) = managed(&call)?;
    let input: ReplayInput = call.json(true).await?;
    let stored = existing(&call, &cache, &name).await?;
    let path = format!("/replay?since={}", input.since);
    let reply = call
        .store
        .log_call(&cache, &name, Method::Post, &path, None)
        .await?;
    let jobs: Vec<DeliveryJob> = json_reply(reply, "reading dead letters").await?;
    let jobs: Vec<(DeliveryJob, u32)> = jobs
        .into_iter()
        .map(|job| {
            let job = DeliveryJob {
                attempt: 1,
                failed_at: None,
                webhook_created_at: stored.created_at,
                ..job
            };
            (job, 0)
        })
        .collect();
    let replayed = jobs.len();
    enqueue(&call.env, jobs).await?;
    json_response(200, &json!({ "replayed": replayed }))
}

/// `PATCH`: changes the given fields; the scheme cannot change.
pub(super) async fn patch(mut call: Call) -> ApiResult<Response> {
    let (cache, name) = managed(&call)?;
    let patch: WebhookPatch = call.json(false).await?;
    let mut stored = existing(&call, &cache, &name).await?;
    let previous_topics = stored.config.topics.clone();
    stored.config = patch.apply(&stored.config, url_policy(&call.env))?;
    stored.updated_at = now_ms();
    call.store.put_webhook(&stored, &previous_topics).await?;
    json_response(200, &WebhookView::from(&stored))
}

/// `DELETE`: nothing is sent to the webhook afterwards.
pub(super) async fn delete(call: Call) -> ApiResult<Response> {
    let (cache, name) = managed(&call)?;
    let stored = existing(&call, &cache, &name).await?;
    call.store.delete_webhook(&stored).await?;
    no_content()
}

/// `GET .../secret`: what a receiver verifies with (the `whpk_` public key
/// for `standard-v1a`).
pub(super) async fn secret(call: Call) -> ApiResult<Response> {
    let (cache, name) = managed(&call)?;
    let stored = existing(&call, &cache, &name).await?;
    let secrets = sealer(&call)?.open(&stored.sealed_secrets, &stored.owner())?;
    secret_response(&stored, &secrets, now_ms())
}

/// The secret receivers verify with, in Momento's getWebhookSecret shape.
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
/// `graceSeconds` (0 by default, the Momento behaviour).
pub(super) async fn rotate(mut call: Call) -> ApiResult<Response> {
    let (cache, name) = managed(&call)?;
    let input: RotateInput = call.json(true).await?;
    edgehooks_core::validate_grace_seconds(input.grace_seconds)?;
    let mut stored = existing(&call, &cache, &name).await?;
    let sealer = sealer(&call)?;
    let mut secrets = sealer.open(&stored.sealed_secrets, &stored.owner())?;
    let now = now_ms();
    secrets.rotate(
        new_secret(stored.config.scheme, input.secret)?,
        input.grace_seconds,
        now,
    )?;
    stored.sealed_secrets = sealer.seal(&secrets, &stored.owner())?;
    stored.updated_at = now;
    call.store
        .put_webhook(&stored, &stored.config.topics)
        .await?;
    secret_response(&stored, &secrets, now)
}

/// The signing target of a stored webhook at `now_ms`.
pub(crate) fn target(
    stored: &StoredWebhook,
    sealer: &Sealer,
    message_id: &str,
    now_ms: u64,
) -> ApiResult<Target> {
    let secrets = sealer.open(&stored.sealed_secrets, &stored.owner())?;
    let scheme = stored.config.scheme;
    let signer =
        edgehooks_core::Webhook::with_secrets(scheme, &secrets.signing_secrets(scheme, now_ms))?;
    Ok(Target {
        delivery_id: delivery_id(message_id, &stored.config.id.webhook_name),
        config: stored.config.clone(),
        signer,
    })
}

/// `POST .../test`: sends a test event now, whatever the webhook's state,
/// and returns the attempt. The event is on the webhook's first topic, with
/// sequence number 0 and a text that says it is a test.
pub(super) async fn test(call: Call) -> ApiResult<Response> {
    let (cache, name) = managed(&call)?;
    let stored = existing(&call, &cache, &name).await?;
    let now = now_ms();
    let target = target(
        &stored,
        &sealer(&call)?,
        &format!("test/{cache}/{name}/{now}"),
        now,
    )?;
    let text = json!({"type": "edgehooks.test", "webhook": name}).to_string();
    let envelope = Envelope {
        cache,
        topic: stored.config.topics.first().cloned().unwrap_or_default(),
        event_timestamp: now,
        publish_timestamp: now,
        topic_sequence_number: 0,
        token_id: call.caller.token_id().to_owned(),
        message: Message::Text(text),
    };
    let record = attempt(&target, envelope, 1, url_policy(&call.env)).await;
    let report = AttemptReport {
        attempt: record.clone(),
        undelivered: None,
        test: true,
    };
    Dispatcher::new(&call.env, &call.store)
        .log_attempts(&stored, &[report])
        .await?;
    json_response(200, &record)
}
