//! Portal sessions: `POST /v1/caches/{cache}/portal-sessions` hands a
//! publisher's customer an expiring token for the page, scoped to one
//! cache (and optionally some of its webhooks).

use edgehooks_core::service::access::issue_portal_token;
use edgehooks_core::service::portal::PortalSessionInput;
use edgehooks_core::service::{NameKind, validate_name};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use worker::Response;

use super::Call;
use crate::error::{ApiError, ApiResult};
use crate::http::json_response;
use crate::platform::{now_ms, random_bytes};
use crate::store::StoredPortalSession;
use crate::ui::PORTAL_PATH;

/// What `encodeURIComponent` escapes: all but letters, digits and
/// `-_.!~*'()`.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The answer: the token, the page's address signed in with it, and when
/// it stops working.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Created<'a> {
    token: &'a str,
    url: String,
    expires_at: u64,
    read_only: bool,
    webhooks: &'a [String],
}

/// `POST`: starts a session (201); the answer is the only time its token
/// is shown.
pub(super) async fn create(mut call: Call) -> ApiResult<Response> {
    let cache = call.param("cache").to_owned();
    validate_name(&cache, NameKind::Cache)?;
    call.caller.authorize_portal_sessions(&cache)?;
    let input: PortalSessionInput = call.json(true).await?;
    let (scope, ttl_seconds) = input.validate(&cache, now_ms())?;
    let issued = issue_portal_token(&random_bytes::<40>()?);
    let stored = StoredPortalSession {
        token_id: issued.token_id,
        digest: issued.digest,
        scope,
        created_at: now_ms(),
    };
    call.store.put_portal_session(&stored, ttl_seconds).await?;
    let origin = call
        .req
        .url()
        .map_err(|e| ApiError::internal("reading the request URL", e))?
        .origin()
        .ascii_serialization();
    let token = issued.key.expose();
    // The token travels in the fragment: never sent to a server, never in
    // a log or a `Referer`; the page moves it to `sessionStorage` at once.
    let encode = |value: &str| utf8_percent_encode(value, COMPONENT).to_string();
    let mut fragment = format!("token={}&cache={}", encode(token), encode(&cache));
    if stored.scope.read_only {
        fragment.push_str("&readOnly=1");
    }
    json_response(
        201,
        &Created {
            token,
            url: format!("{origin}{PORTAL_PATH}#{fragment}"),
            expires_at: stored.scope.expires_at,
            read_only: stored.scope.read_only,
            webhooks: &stored.scope.webhooks,
        },
    )
}
