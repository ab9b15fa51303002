//! Authentication on delivery: the `Authorization` value of a webhook's
//! `auth`, with its OAuth 2.0 access token fetched once and kept until
//! shortly before it expires. The rules are the core's
//! (`service::OAuth2::token_request`, `read_token_answer`, `TokenCache`);
//! this module brings the platform's `fetch` and clock.

use core::cell::RefCell;

use edgehooks_core::SecretString;
use edgehooks_core::service::{
    AuthFailure, DeliveryAuth, OAuth2, TokenCache, UrlPolicy, basic_authorization,
    read_token_answer, validate_post_url,
};
use worker::{Headers, Method, Request, RequestInit, RequestRedirect};

use crate::http::{NoAnswer, fetch_within, response_body};
use crate::platform::now_ms;

/// Largest token endpoint answer read, in bytes.
const MAX_TOKEN_ANSWER_BYTES: u64 = 64 * 1024;

/// The access token of one webhook, shared by its attempts in flight.
#[derive(Default)]
pub(crate) struct Tokens {
    /// The token, and the revision of the webhook it was fetched for.
    held: RefCell<(u64, TokenCache)>,
    /// One fetch at a time: attempts that start together share its token.
    fetching: async_lock::Mutex<()>,
}

/// What an attempt needs to authenticate.
pub(crate) struct Credentials<'a> {
    /// The webhook's `auth`.
    pub(crate) auth: &'a DeliveryAuth,
    /// Its client secret or password.
    pub(crate) secret: &'a SecretString,
    /// The webhook's revision: a change of `auth` drops the token.
    pub(crate) revision: u64,
    /// The webhook's timeout, which the token endpoint gets too.
    pub(crate) timeout_ms: u32,
    /// The deployment's rule for private targets.
    pub(crate) policy: UrlPolicy,
}

impl Tokens {
    /// The `Authorization` value for an attempt now.
    pub(crate) async fn authorization(
        &self,
        credentials: &Credentials<'_>,
    ) -> Result<SecretString, AuthFailure> {
        let oauth2 = match credentials.auth {
            DeliveryAuth::Basic(basic) => {
                return Ok(basic_authorization(
                    &basic.username,
                    credentials.secret.expose(),
                ));
            }
            DeliveryAuth::OAuth2(oauth2) => oauth2,
        };
        if let Some(held) = self.held_now(credentials.revision) {
            return Ok(held);
        }
        let _one = self.fetching.lock().await;
        if let Some(held) = self.held_now(credentials.revision) {
            return Ok(held);
        }
        let token = fetch_token(oauth2, credentials).await?;
        let authorization = token.authorization();
        *self.held.borrow_mut() = (credentials.revision, {
            let mut cache = TokenCache::default();
            cache.store(token);
            cache
        });
        Ok(authorization)
    }

    /// Drops the token: the endpoint answered 401.
    pub(crate) fn drop_token(&self) {
        self.held.borrow_mut().1.clear();
    }

    fn held_now(&self, revision: u64) -> Option<SecretString> {
        let held = self.held.borrow();
        (held.0 == revision)
            .then(|| held.1.current(now_ms()).map(|t| t.authorization()))
            .flatten()
    }
}

/// Asks the token endpoint for a token, within the webhook's timeout.
async fn fetch_token(
    oauth2: &OAuth2,
    credentials: &Credentials<'_>,
) -> Result<edgehooks_core::service::AccessToken, AuthFailure> {
    validate_post_url(&oauth2.token_url, credentials.policy)
        .map_err(|_| AuthFailure::UrlNotAllowed)?;
    let token_request = oauth2.token_request(credentials.secret.expose());
    let headers = Headers::new();
    for (name, value) in &token_request.headers {
        headers
            .set(name, value.expose())
            .map_err(|_| AuthFailure::Unreachable)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual)
        .with_body(Some(token_request.body.expose().into()));
    let request =
        Request::new_with_init(&token_request.url, &init).map_err(|_| AuthFailure::Unreachable)?;
    let response = fetch_within(request, credentials.timeout_ms)
        .await
        .map_err(|no_answer| match no_answer {
            NoAnswer::Failed => AuthFailure::Unreachable,
            NoAnswer::TimedOut => AuthFailure::Timeout,
        })?;
    let status = response.status_code();
    let too_long = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > MAX_TOKEN_ANSWER_BYTES);
    if too_long {
        return Err(AuthFailure::MalformedAnswer);
    }
    let body = response_body(response)
        .await
        .map_err(|_| AuthFailure::Unreachable)?;
    read_token_answer(status, &body, now_ms())
}
