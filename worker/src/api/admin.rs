//! Operations on the whole deployment, with the admin key only.

use futures_util::{StreamExt, stream};
use serde_json::json;
use worker::Response;

use super::Call;
use crate::agent::client::{AgentClient, ResealOutcome};
use crate::error::{ApiError, ApiResult};
use crate::http::json_response;
use crate::platform::{MAX_IN_FLIGHT, previous_sealing_key, sealing_key};

/// Most webhooks one reseal call takes: with the index listing and a read
/// per name too long for its key, at most 41 subrequests, within the free
/// plan's 50 per invocation.
const RESEAL_BATCH: u64 = 20;

/// `POST /v1/admin/reseal?cursor=&limit=`: has each webhook of a page of
/// the index (every cache; at most 20) seal its secrets again with
/// `SECRETS_KEY` if another key sealed them, and answers how many were
/// resealed and how many were already current, with the cursor of the
/// next page (`null` after the last). A webhook whose secrets open with
/// neither key fails the call, naming it and the key id.
pub(super) async fn reseal(call: Call) -> ApiResult<Response> {
    call.caller.require_admin()?;
    // A deployment without its keys says so, even with nothing to reseal.
    sealing_key(&call.env)?;
    previous_sealing_key(&call.env)?;
    let limit = call.page_limit()?.min(RESEAL_BATCH);
    let page = call
        .store
        .indexed_webhooks(limit, call.query("cursor")?)
        .await?;
    let env = &call.env;
    let outcomes: Vec<ApiResult<ResealOutcome>> = stream::iter(&page.items)
        .map(|(cache, name)| async move {
            let outcome = AgentClient::new(env, cache, name)?.reseal().await;
            outcome.map_err(|err| {
                let message = format!("webhook {name:?} in cache {cache:?}: {}", err.message);
                ApiError::relayed(err.status, err.code.into_owned(), message)
            })
        })
        .buffer_unordered(MAX_IN_FLIGHT)
        .collect()
        .await;
    let (mut resealed, mut already_current) = (0_u64, 0_u64);
    for outcome in outcomes {
        match outcome? {
            ResealOutcome::Resealed => resealed += 1,
            ResealOutcome::AlreadyCurrent => already_current += 1,
            ResealOutcome::Absent => {}
        }
    }
    json_response(
        200,
        &json!({
            "resealed": resealed,
            "alreadyCurrent": already_current,
            "cursor": page.cursor,
        }),
    )
}
