//! Authentication on delivery for the native sender: the `Authorization`
//! value of an endpoint's `auth`, with its OAuth 2.0 token fetched over the
//! sender's connection pool. The rules (token request, answer, lifetime)
//! are the core's, in `service`; this module brings reqwest and the clock.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::Mutex;

use super::resolve::refused_target;

use crate::secret::SecretString;
use crate::service::{
    AccessToken, AuthFailure, DeliveryAuth, OAuth2, TokenCache, basic_authorization,
    read_token_answer,
};

/// Largest token endpoint answer read, in bytes.
const MAX_TOKEN_ANSWER_BYTES: usize = 64 * 1024;

/// An endpoint's `auth` with its secret, and the token it holds (shared by
/// clones of the endpoint, one fetch at a time).
#[derive(Clone, Debug)]
pub(crate) struct EndpointAuth {
    pub(crate) auth: DeliveryAuth,
    pub(crate) secret: SecretString,
    pub(crate) tokens: Arc<Mutex<TokenCache>>,
}

impl EndpointAuth {
    /// The `Authorization` value for an attempt now; fetches a token when
    /// none is held, within `timeout`.
    pub(crate) async fn authorization(
        &self,
        client: &reqwest::Client,
        timeout: Duration,
    ) -> Result<SecretString, AuthFailure> {
        let oauth2 = match &self.auth {
            DeliveryAuth::Basic(basic) => {
                return Ok(basic_authorization(&basic.username, self.secret.expose()));
            }
            DeliveryAuth::OAuth2(oauth2) => oauth2,
        };
        let mut tokens = self.tokens.lock().await;
        if let Some(token) = tokens.current(now_ms()) {
            return Ok(token.authorization());
        }
        let token = fetch_token(client, oauth2, &self.secret, timeout).await?;
        let authorization = token.authorization();
        tokens.store(token);
        Ok(authorization)
    }

    /// Drops the token held: the endpoint answered 401.
    pub(crate) async fn drop_token(&self) {
        self.tokens.lock().await.clear();
    }
}

async fn fetch_token(
    client: &reqwest::Client,
    oauth2: &OAuth2,
    secret: &SecretString,
    timeout: Duration,
) -> Result<AccessToken, AuthFailure> {
    let token_request = oauth2.token_request(secret.expose());
    let mut request = client
        .post(&token_request.url)
        .body(alloc::string::String::from(token_request.body.expose()));
    for (name, value) in &token_request.headers {
        request = request.header(*name, value.expose());
    }
    let deadline = tokio::time::Instant::now() + timeout;
    let mut response = match tokio::time::timeout_at(deadline, request.send()).await {
        Ok(Ok(response)) => response,
        Ok(Err(error)) if refused_target(&error).is_some() => {
            return Err(AuthFailure::UrlNotAllowed);
        }
        Ok(Err(_)) => return Err(AuthFailure::Unreachable),
        Err(_) => return Err(AuthFailure::Timeout),
    };
    let status = response.status().as_u16();
    let mut body = Vec::new();
    loop {
        match tokio::time::timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) if body.len() + chunk.len() <= MAX_TOKEN_ANSWER_BYTES => {
                body.extend_from_slice(&chunk);
            }
            Ok(Ok(Some(_))) => return Err(AuthFailure::MalformedAnswer),
            Ok(Ok(None)) => break,
            Ok(Err(_)) => return Err(AuthFailure::Unreachable),
            Err(_) => return Err(AuthFailure::Timeout),
        }
    }
    read_token_answer(status, &body, now_ms())
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
