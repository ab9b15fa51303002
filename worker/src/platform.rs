//! What the Worker takes from its platform: the clock, randomness, its
//! settings and secrets, and the platform's limits it works within.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use edgehooks_core::limits::{DEFAULT_DISABLE_AFTER_SECONDS, DEFAULT_RETENTION_DAYS};
use edgehooks_core::service::UrlPolicy;
use worker::{Env, State};

use crate::error::{ApiError, ApiResult};

/// The KV namespace holding the webhook index and API keys.
pub(crate) const STATE_KV: &str = "STATE";
/// The Durable Object namespace of topics.
pub(crate) const TOPICS_DO: &str = "TOPICS";
/// The Durable Object namespace of webhooks (each one's delivery agent).
pub(crate) const WEBHOOKS_DO: &str = "WEBHOOKS";

/// Most outbound requests one object has open at once: the platform allows
/// 6 per invocation and queues the rest, which would start a request's
/// timeout before it is sent.
pub(crate) const MAX_IN_FLIGHT: usize = 5;

/// Most fetches and object calls one alarm run makes (the free plan allows
/// 50 subrequests per invocation); the run then sets its alarm again.
pub(crate) const SUBREQUESTS_PER_RUN: usize = 40;

/// Milliseconds since the epoch.
pub(crate) fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

/// Sets an object's alarm to `at_ms` (ms since the epoch). Alarms are
/// durable: one set before a crash goes off after the restart.
pub(crate) async fn set_alarm(state: &State, at_ms: u64) -> ApiResult<()> {
    let at = worker::js_sys::Date::new(&(at_ms as f64).into());
    Ok(state
        .storage()
        .set_alarm(worker::ScheduledTime::new(at))
        .await?)
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

/// How long a webhook may fail without a success before it is disabled
/// (`AUTO_DISABLE_AFTER_SECONDS`, 5 days by default).
pub(crate) fn disable_after_seconds(env: &Env) -> u64 {
    env.var("AUTO_DISABLE_AFTER_SECONDS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .unwrap_or(DEFAULT_DISABLE_AFTER_SECONDS)
}

/// How long the history of deliveries is kept, in ms (`RETENTION_DAYS`,
/// 30 days by default; a fraction of a day is allowed, at least 1 ms).
pub(crate) fn retention_ms(env: &Env) -> u64 {
    let days = env
        .var("RETENTION_DAYS")
        .ok()
        .and_then(|v| v.to_string().trim().parse::<f64>().ok())
        .filter(|days| days.is_finite() && *days > 0.0)
        .unwrap_or(f64::from(DEFAULT_RETENTION_DAYS));
    ((days * 86_400_000.0) as u64).max(1)
}

/// The admin key (Worker secret `ADMIN_KEY`), if the deployment has one.
pub(crate) fn admin_key(env: &Env) -> Option<String> {
    env.secret("ADMIN_KEY").ok().map(|s| s.to_string())
}

/// The 32-byte key that seals webhook secrets at rest (Worker secret
/// `SECRETS_KEY`, base64).
pub(crate) fn sealing_key(env: &Env) -> ApiResult<[u8; 32]> {
    let missing = ApiError::not_configured;
    let encoded = env
        .secret("SECRETS_KEY")
        .map_err(|_| missing())?
        .to_string();
    let bytes = STANDARD.decode(encoded.trim()).map_err(|_| missing())?;
    bytes.try_into().map_err(|_| missing())
}
