//! API keys: issued, listed and revoked with the admin key only.

use edgehooks_core::service::access::{ApiKeyInput, is_token_id, issue_api_key};
use serde::Serialize;
use serde_json::json;
use worker::Response;

use super::Call;
use crate::error::{ApiError, ApiResult};
use crate::http::{json_response, no_content};
use crate::platform::{now_ms, random_bytes};
use crate::store::StoredKey;
use crate::topic::client::TopicClient;

/// A key as listed: everything but its digest.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct KeyView<'a> {
    token_id: &'a str,
    caches: &'a [String],
    permissions: &'a [edgehooks_core::service::access::Permission],
    description: &'a str,
    created_at: u64,
}

impl<'a> From<&'a StoredKey> for KeyView<'a> {
    fn from(key: &'a StoredKey) -> Self {
        KeyView {
            token_id: &key.token_id,
            caches: &key.scope.caches,
            permissions: &key.scope.permissions,
            description: &key.description,
            created_at: key.created_at,
        }
    }
}

/// `POST /v1/keys`: issues a key; the response is the only time it is shown.
pub(super) async fn create(mut call: Call) -> ApiResult<Response> {
    call.caller.require_admin()?;
    let input: ApiKeyInput = call.json(false).await?;
    let (scope, description) = input.validate()?;
    let issued = issue_api_key(&random_bytes::<40>()?);
    let stored = StoredKey {
        token_id: issued.token_id,
        digest: issued.digest,
        scope,
        description,
        created_at: now_ms(),
    };
    call.store.put_api_key(&stored).await?;
    let mut body = serde_json::to_value(KeyView::from(&stored))
        .map_err(|e| ApiError::internal("encoding key", e))?;
    body["key"] = json!(issued.key.expose());
    json_response(201, &body)
}

/// `GET /v1/keys`: a page of keys, without key material.
pub(super) async fn list(call: Call) -> ApiResult<Response> {
    call.caller.require_admin()?;
    let page = call
        .store
        .list_api_keys(call.page_limit()?, call.query("cursor")?)
        .await?;
    let keys: Vec<KeyView<'_>> = page.items.iter().map(KeyView::from).collect();
    json_response(200, &json!({"keys": keys, "cursor": page.cursor}))
}

/// `DELETE /v1/keys/{tokenId}`: the key stops working at once.
pub(super) async fn delete(call: Call) -> ApiResult<Response> {
    call.caller.require_admin()?;
    let token_id = call.param("tokenId");
    if !is_token_id(token_id) || call.store.api_key(token_id).await?.is_none() {
        return Err(ApiError::not_found("no API key with this token id"));
    }
    call.store.delete_api_key(token_id).await?;
    end_streams(&call, token_id).await;
    no_content()
}

/// Most topics whose streams one revocation ends at once (each is a
/// subrequest); streams on further topics end at their lifetime.
const STREAM_TOPICS_PER_REVOCATION: u64 = 40;

/// Ends the open event streams of the revoked key of `token_id`, on the
/// topics it noted. A failure is logged: the key is revoked either way,
/// and each stream ends at its lifetime at the latest.
async fn end_streams(call: &Call, token_id: &str) {
    let ended = async {
        let opened = call
            .store
            .opened_streams(token_id, STREAM_TOPICS_PER_REVOCATION)
            .await?;
        let ends = opened.iter().map(|stream| async {
            TopicClient::new(&call.env, &stream.cache, &stream.topic)?
                .end_streams(token_id)
                .await
        });
        futures_util::future::try_join_all(ends).await.map(|_| ())
    };
    if let Err(err) = ended.await {
        worker::console_error!("ending a revoked key's streams: {}", err.message);
    }
}
