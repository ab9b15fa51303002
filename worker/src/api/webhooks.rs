//! Webhook management: each call is checked here (key, cache, name, body
//! size) and answered by the webhook's own object, its source of truth;
//! listing reads the KV index.

use edgehooks_core::service::access::Permission;
use edgehooks_core::service::hourly::{KEPT_HOURS, validate_hours};
use edgehooks_core::service::{NameKind, validate_name};
use serde_json::json;
use worker::{Method, Response};

use super::Call;
use crate::agent::client::{
    AgentClient, AttemptFilter, MESSAGE_CURSOR, ReplayWindow, cursor_position,
};
use crate::error::{ApiError, ApiResult};
use crate::http::json_response;

/// Checks the caller may manage webhooks in the path's cache, and returns
/// the cache name.
fn managed_cache(call: &Call) -> ApiResult<String> {
    let cache = call.param("cache");
    validate_name(cache, NameKind::Cache)?;
    call.caller.authorize(cache, Permission::Manage)?;
    Ok(cache.to_owned())
}

/// The object of the path's webhook, once the caller may manage it: read
/// it, or when the call `changes` it (or reads its secret), change it.
fn agent(call: &Call, changes: bool) -> ApiResult<AgentClient> {
    let cache = call.param("cache");
    validate_name(cache, NameKind::Cache)?;
    let name = call.param("name");
    validate_name(name, NameKind::Webhook)?;
    call.caller.authorize_webhook(cache, name, changes)?;
    AgentClient::new(&call.env, cache, name)
}

/// Passes the call to the webhook's object: `method path` with the
/// request's JSON body (at most 64 KiB, whole numbers as integers) when
/// `with_body`.
async fn forward(
    mut call: Call,
    method: Method,
    path: &str,
    params: &[(&str, &str)],
    with_body: bool,
) -> ApiResult<Response> {
    // Everything but reading is a change; reading the secret counts as one
    // (a read-only portal session shows no credentials).
    let changes = method != Method::Get || path == "/secret";
    let agent = agent(&call, changes)?;
    let body = if with_body {
        Some(call.json_body().await?)
    } else {
        None
    };
    agent.manage(method, path, params, body).await
}

/// `PUT`: create (201) or replace (200), returning `secretString`; with
/// `If-None-Match: *` only create (412 `already_exists` otherwise).
pub(super) async fn put(call: Call) -> ApiResult<Response> {
    let create_only = if call.create_only()? { "1" } else { "0" };
    forward(
        call,
        Method::Put,
        "/webhook",
        &[("createOnly", create_only)],
        true,
    )
    .await
}

/// `GET` list: a page of webhooks by name, with a cursor for the next.
pub(super) async fn list(call: Call) -> ApiResult<Response> {
    let cache = managed_cache(&call)?;
    let limit = call.page_limit()?;
    let cursor = call.query("cursor")?;
    let mut page = call.store.list_webhooks(&cache, limit, cursor).await?;
    // A portal session limited to some webhooks sees those only (a page
    // may then hold fewer than `limit`; its cursor still goes on).
    page.items.retain(|listed| {
        listed["id"]["webhookName"]
            .as_str()
            .is_some_and(|name| call.caller.sees_webhook(name))
    });
    page.items.iter_mut().for_each(with_topic_name);
    json_response(200, &json!({"webhooks": page.items, "cursor": page.cursor}))
}

/// Adds `topicName` (the first topic) to a webhook listed before the index
/// carried it; the next change of the webhook writes it.
fn with_topic_name(listed: &mut serde_json::Value) {
    let Some(fields) = listed.as_object_mut() else {
        return;
    };
    if fields.contains_key("topicName") {
        return;
    }
    if let Some(first) = fields
        .get("topics")
        .and_then(|topics| topics.get(0))
        .cloned()
    {
        fields.insert("topicName".to_owned(), first);
    }
}

/// `GET` one webhook, with its delivery statistics.
pub(super) async fn get(call: Call) -> ApiResult<Response> {
    forward(call, Method::Get, "/webhook", &[], false).await
}

/// `GET .../attempts`: the attempt log, newest first, a page at a time;
/// `status` (`delivered` or `failed`), `since` and `until` (ms, when the
/// attempt was sent) narrow it.
pub(super) async fn attempts(call: Call) -> ApiResult<Response> {
    let limit = call.page_limit()?.to_string();
    let cursor = call.query("cursor")?;
    if let Some(cursor) = &cursor
        && !crate::agent::valid_cursor(cursor)
    {
        return Err(ApiError::invalid_cursor());
    }
    let filter = AttemptFilter::from_query(|name| call.query(name))?.params();
    let mut params = vec![("limit", limit.as_str())];
    if let Some(cursor) = &cursor {
        params.push(("cursor", cursor));
    }
    params.extend(filter.iter().map(|(name, value)| (*name, value.as_str())));
    forward(call, Method::Get, "/attempts", &params, false).await
}

/// `GET .../statistics`: delivered and failed attempts and latency
/// percentiles per hour, for the last `hours` (1 to 168, by default 168).
pub(super) async fn statistics(call: Call) -> ApiResult<Response> {
    let hours = match call.query("hours")? {
        None => KEPT_HOURS,
        Some(value) => value
            .parse()
            .ok()
            .and_then(validate_hours)
            .ok_or_else(ApiError::invalid_hours)?,
    };
    let hours = hours.to_string();
    forward(
        call,
        Method::Get,
        "/statistics",
        &[("hours", &hours)],
        false,
    )
    .await
}

/// `GET .../undelivered`: the messages waiting or given up, oldest first,
/// a page at a time.
pub(super) async fn undelivered(call: Call) -> ApiResult<Response> {
    let limit = call.page_limit()?.to_string();
    let cursor = call.query("cursor")?;
    if let Some(cursor) = &cursor
        && cursor_position(MESSAGE_CURSOR, cursor).is_none()
    {
        return Err(ApiError::invalid_cursor());
    }
    let mut params = vec![("limit", limit.as_str())];
    if let Some(cursor) = &cursor {
        params.push(("cursor", cursor));
    }
    forward(call, Method::Get, "/undelivered", &params, false).await
}

/// `POST .../replay`: sends the messages of a window (by publish time)
/// again: those waiting or given up, and with `"status": "all"` those
/// delivered too.
pub(super) async fn replay(mut call: Call) -> ApiResult<Response> {
    let agent = agent(&call, true)?;
    let window = ReplayWindow::from_body(&call.json_body().await?)?;
    let body = serde_json::to_vec(&window).map_err(|e| ApiError::internal("encoding replay", e))?;
    agent
        .manage(Method::Post, "/requeue", &[], Some(body))
        .await
}

/// `PATCH`: changes the given fields; the scheme cannot change.
pub(super) async fn patch(call: Call) -> ApiResult<Response> {
    forward(call, Method::Patch, "/webhook", &[], true).await
}

/// `DELETE`: nothing is sent to the webhook afterwards.
pub(super) async fn delete(call: Call) -> ApiResult<Response> {
    forward(call, Method::Delete, "/webhook", &[], false).await
}

/// `GET .../secret`: what a receiver verifies with.
pub(super) async fn secret(call: Call) -> ApiResult<Response> {
    forward(call, Method::Get, "/secret", &[], false).await
}

/// `POST .../secret/rotate`: a new secret, the old one valid for
/// `graceSeconds`.
pub(super) async fn rotate(call: Call) -> ApiResult<Response> {
    forward(call, Method::Post, "/secret/rotate", &[], true).await
}

/// `POST .../test`: sends a test event now and returns the attempt.
pub(super) async fn test(call: Call) -> ApiResult<Response> {
    let token_id = call.caller.token_id().to_owned();
    forward(
        call,
        Method::Post,
        "/test",
        &[("tokenId", &token_id)],
        false,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_listed_before_topic_name_get_it() {
        let mut old = json!({"topics": ["a topic", "b"], "active": true});
        with_topic_name(&mut old);
        assert_eq!(old["topicName"], "a topic");
        let mut new = json!({"topics": ["a topic"], "topicName": "a topic"});
        with_topic_name(&mut new);
        assert_eq!(new, json!({"topics": ["a topic"], "topicName": "a topic"}));
    }
}
