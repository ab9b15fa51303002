//! What the Worker takes from its platform: the clock, randomness, and its
//! settings and secrets.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use edgehooks_core::UrlPolicy;
use worker::Env;

use crate::error::{ApiError, ApiResult};

/// The KV namespace holding webhooks and API keys.
pub(crate) const STATE_KV: &str = "STATE";
/// The Durable Object namespace of topics.
pub(crate) const TOPICS_DO: &str = "TOPICS";
/// The Durable Object namespace of webhook logs.
pub(crate) const LOGS_DO: &str = "LOGS";

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

/// `N` bytes from the platform's secure generator.
pub(crate) fn random_bytes<const N: usize>() -> ApiResult<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal("random generator failed", e))?;
    Ok(bytes)
}

/// The private-target rule for destination URLs: refused unless the
/// deployment sets `ALLOW_PRIVATE_URLS = "true"` (as local development does).
pub(crate) fn url_policy(env: &Env) -> UrlPolicy {
    let allow = env
        .var("ALLOW_PRIVATE_URLS")
        .map(|v| v.to_string() == "true")
        .unwrap_or(false);
    UrlPolicy {
        allow_private: allow,
    }
}

/// The admin key (Worker secret `ADMIN_KEY`), if the deployment has one.
pub(crate) fn admin_key(env: &Env) -> Option<String> {
    env.secret("ADMIN_KEY").ok().map(|s| s.to_string())
}

/// The 32-byte key that seals webhook secrets at rest (Worker secret
/// `SECRETS_KEY`, base64).
pub(crate) fn sealing_key(env: &Env) -> ApiResult<[u8; 32]> {
    let missing = || {
        ApiError::new(
            500,
            "not_configured",
            "the deployment has no valid SECRETS_KEY (base64 of 32 random bytes)",
        )
    };
    let encoded = env
        .secret("SECRETS_KEY")
        .map_err(|_| missing())?
        .to_string();
    let bytes = STANDARD.decode(encoded.trim()).map_err(|_| missing())?;
    bytes.try_into().map_err(|_| missing())
}
