//! The HTTP API: routing, authentication and request bodies; each group of
//! operations lives in its own module.

mod admin;
mod keys;
mod numbers;
mod portal;
mod topics;
mod webhooks;

use edgehooks_core::limits::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use edgehooks_core::service::AccessError;
use edgehooks_core::service::access::{
    API_KEY_PREFIX, Caller, admin_key_matches, bearer_token, parse_api_key, parse_portal_token,
};
use edgehooks_core::service::portal::PORTAL_TOKEN_PREFIX;
use serde::de::DeserializeOwned;
use worker::{Env, Request, Response};

use crate::error::{ApiError, ApiResult};
use crate::http::{API_HEADERS, HSTS, parse_json, with_headers};
use crate::platform::{admin_key, now_ms};
use crate::routes::{Matched, Route, resolve};
use crate::store::Store;

/// The largest JSON body of a management call.
pub(crate) const MAX_JSON_BODY_BYTES: usize = 64 * 1024;

/// Answers one request; every failure becomes a JSON error. API responses
/// are never cached or sniffed; over https every response asks for https
/// from then on.
pub(crate) async fn handle(req: Request, env: Env) -> worker::Result<Response> {
    let https = req.url().is_ok_and(|url| url.scheme() == "https");
    let page = crate::ui::asset(&req.path()).is_some();
    let response = match dispatch(req, env).await {
        Ok(response) => response,
        Err(err) => err.into_response()?,
    };
    let mut extra: Vec<(&str, &str)> = Vec::new();
    if !page {
        extra.extend_from_slice(API_HEADERS);
    }
    if https {
        extra.push(HSTS);
    }
    match with_headers(response, &extra) {
        Ok(response) => Ok(response),
        Err(err) => err.into_response(),
    }
}

/// What every handler gets: the request, its route, the caller and state.
pub(crate) struct Call {
    req: Request,
    matched: Matched,
    caller: Caller,
    env: Env,
    store: Store,
}

async fn dispatch(req: Request, env: Env) -> ApiResult<Response> {
    if let Some(index) = crate::ui::asset(&req.path()) {
        return crate::ui::respond(index, &req);
    }
    if req.path() == crate::ui::PORTAL_PATH {
        return crate::ui::portal(&req, &crate::platform::portal_settings(&env));
    }
    // The method as sent: `Request::method` reads one it does not know
    // (`QUERY`, `get`) as GET.
    let matched = resolve(&req.inner().method(), &req.path())?;
    if matched.route == Route::OpenApi {
        return crate::openapi::response();
    }
    let store = Store::new(&env)?;
    let caller = authenticate(&req, &env, &store).await?;
    let call = Call {
        req,
        matched,
        caller,
        env,
        store,
    };
    match call.matched.route {
        Route::OpenApi => crate::openapi::response(),
        Route::ListWebhooks => webhooks::list(call).await,
        Route::PutWebhook => webhooks::put(call).await,
        Route::GetWebhook => webhooks::get(call).await,
        Route::PatchWebhook => webhooks::patch(call).await,
        Route::DeleteWebhook => webhooks::delete(call).await,
        Route::GetSecret => webhooks::secret(call).await,
        Route::RotateSecret => webhooks::rotate(call).await,
        Route::TestWebhook => webhooks::test(call).await,
        Route::ListAttempts => webhooks::attempts(call).await,
        Route::GetWebhookStatistics => webhooks::statistics(call).await,
        Route::ListUndelivered => webhooks::undelivered(call).await,
        Route::Replay => webhooks::replay(call).await,
        Route::Publish => topics::publish(call).await,
        Route::Subscribe => topics::subscribe(call).await,
        Route::CreateKey => keys::create(call).await,
        Route::ListKeys => keys::list(call).await,
        Route::DeleteKey => keys::delete(call).await,
        Route::ResealSecrets => admin::reseal(call).await,
        Route::CreatePortalSession => portal::create(call).await,
    }
}

/// The caller of `Authorization: Bearer <key>`: the admin key, or an issued
/// key found by its token id and checked against its stored digest.
async fn authenticate(req: &Request, env: &Env, store: &Store) -> ApiResult<Caller> {
    let header = req.headers().get("authorization")?;
    let token = bearer_token(header.as_deref())?;
    if token.starts_with(PORTAL_TOKEN_PREFIX) {
        let presented = parse_portal_token(token)?;
        let stored = store
            .portal_session(presented.token_id)
            .await?
            .filter(|s| presented.matches(&s.digest) && !s.scope.expired(now_ms()))
            .ok_or(AccessError::Unauthorized)?;
        return Ok(Caller::Portal {
            token_id: stored.token_id,
            scope: stored.scope,
        });
    }
    if token.starts_with(API_KEY_PREFIX) {
        let presented = parse_api_key(token)?;
        let stored = store
            .api_key(presented.token_id)
            .await?
            .filter(|k| presented.matches(&k.digest))
            .ok_or(AccessError::Unauthorized)?;
        return Ok(Caller::Key {
            token_id: stored.token_id,
            scope: stored.scope,
        });
    }
    match admin_key(env) {
        Some(admin) if admin_key_matches(token, &admin) => Ok(Caller::Admin),
        _ => Err(AccessError::Unauthorized.into()),
    }
}

impl Call {
    /// The request body, refused with 413 past `limit` bytes.
    async fn body(&mut self, limit: usize) -> ApiResult<Vec<u8>> {
        let declared = self.req.headers().get("content-length")?;
        if declared
            .and_then(|v| v.parse::<usize>().ok())
            .is_some_and(|n| n > limit)
        {
            return Err(ApiError::payload_too_large(limit));
        }
        let body = crate::http::request_body(&self.req).await?;
        if body.len() > limit {
            return Err(ApiError::payload_too_large(limit));
        }
        Ok(body)
    }

    /// The body of a management call (at most [`MAX_JSON_BODY_BYTES`]),
    /// its whole numbers written as integers (`5.0` is the integer 5, as
    /// JSON Schema reads it).
    async fn json_body(&mut self) -> ApiResult<Vec<u8>> {
        let body = self.body(MAX_JSON_BODY_BYTES).await?;
        Ok(numbers::whole_numbers_as_integers(body))
    }

    /// The JSON body as `T`; an empty body reads as `{}` when `empty_ok`.
    async fn json<T: DeserializeOwned>(&mut self, empty_ok: bool) -> ApiResult<T> {
        let body = self.json_body().await?;
        parse_json(&body, empty_ok)
    }

    fn param(&self, name: &str) -> &str {
        self.matched.param(name)
    }

    /// A query parameter.
    fn query(&self, name: &str) -> ApiResult<Option<String>> {
        crate::http::query(&self.req, name)
    }

    /// Whether the request asks to create only (`If-None-Match: *`).
    fn create_only(&self) -> ApiResult<bool> {
        let header = self.req.headers().get("if-none-match")?;
        Ok(header.is_some_and(|v| v.trim() == "*"))
    }

    /// The `limit` query parameter: 1 to [`MAX_PAGE_SIZE`], by default
    /// [`DEFAULT_PAGE_SIZE`].
    fn page_limit(&self) -> ApiResult<u64> {
        match self.query("limit")? {
            None => Ok(DEFAULT_PAGE_SIZE as u64),
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_PAGE_SIZE).contains(n))
                .map(|n| n as u64)
                .ok_or_else(ApiError::invalid_limit),
        }
    }
}
