//! What the Worker takes from its platform: the clock, randomness, its
//! settings and secrets, and the platform's limits it works within.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use edgehooks_core::limits::{
    DEFAULT_DISABLE_AFTER_SECONDS, DEFAULT_RETENTION_DAYS, MAX_TOPICS_PER_WEBHOOK,
};
use edgehooks_core::service::portal::{is_accent_colour, is_frame_ancestor};
use edgehooks_core::service::{Quotas, UrlPolicy};
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

/// A positive whole number from variable `name`, else `default`.
fn positive_var(env: &Env, name: &str, default: u64) -> u64 {
    env.var(name)
        .ok()
        .and_then(|v| v.to_string().trim().parse::<u64>().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// The deployment's quotas: `WEBHOOKS_PER_CACHE`, `WEBHOOKS_PER_TOPIC`,
/// `TOPICS_PER_WEBHOOK` (at most the model's 64), `MIN_RETRY_DELAY_SECONDS`,
/// `STREAMS_PER_TOPIC` and `STREAMS_PER_KEY`; each absent or invalid one
/// takes [`Quotas::default`].
pub(crate) fn quotas(env: &Env) -> Quotas {
    let default = Quotas::default();
    let count = |name, default: usize| positive_var(env, name, default as u64) as usize;
    Quotas {
        webhooks_per_cache: count("WEBHOOKS_PER_CACHE", default.webhooks_per_cache),
        webhooks_per_topic: count("WEBHOOKS_PER_TOPIC", default.webhooks_per_topic),
        topics_per_webhook: count("TOPICS_PER_WEBHOOK", default.topics_per_webhook)
            .min(MAX_TOPICS_PER_WEBHOOK),
        min_retry_delay_seconds: u32::try_from(positive_var(
            env,
            "MIN_RETRY_DELAY_SECONDS",
            u64::from(default.min_retry_delay_seconds),
        ))
        .unwrap_or(default.min_retry_delay_seconds),
        streams_per_topic: count("STREAMS_PER_TOPIC", default.streams_per_topic),
        streams_per_key: count("STREAMS_PER_KEY", default.streams_per_key),
    }
}

/// How long an event stream lasts before the client resumes with
/// `Last-Event-ID` and is authenticated again, in ms
/// (`STREAM_MAX_SECONDS`, 3600).
pub(crate) fn stream_lifetime_ms(env: &Env) -> u64 {
    positive_var(env, "STREAM_MAX_SECONDS", 3600).saturating_mul(1000)
}

/// The Rate Limiting binding that counts each issued key's publishes.
pub(crate) const PUBLISH_RATE: &str = "PUBLISH_RATE";

/// The period of [`PUBLISH_RATE`] in `wrangler.toml`, in seconds: a key
/// refused is told to come back after it.
pub(crate) const PUBLISH_RATE_PERIOD_SECONDS: u32 = 10;

/// Whether the key of `token_id` may publish once more now, by the
/// deployment's [`PUBLISH_RATE`] binding (a deployment without one does
/// not limit).
pub(crate) async fn publish_allowed(env: &Env, token_id: &str) -> ApiResult<bool> {
    let Ok(limiter) = env.rate_limiter(PUBLISH_RATE) else {
        return Ok(true);
    };
    Ok(limiter.limit(token_id.to_owned()).await?.success)
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

/// The sealing key before a rotation (Worker secret `SECRETS_KEY_PREVIOUS`,
/// base64, kept until every value sealed with it is resealed): it opens,
/// never seals. `None` when unset or empty.
pub(crate) fn previous_sealing_key(env: &Env) -> ApiResult<Option<[u8; 32]>> {
    let Ok(secret) = env.secret("SECRETS_KEY_PREVIOUS") else {
        return Ok(None);
    };
    let encoded = secret.to_string();
    if encoded.trim().is_empty() {
        return Ok(None);
    }
    let bytes = STANDARD
        .decode(encoded.trim())
        .map_err(|_| ApiError::previous_key_invalid())?;
    bytes
        .try_into()
        .map(Some)
        .map_err(|_| ApiError::previous_key_invalid())
}

/// How the portal looks and where it may be embedded, from the deployment's
/// variables.
pub(crate) struct PortalSettings {
    /// `PORTAL_FRAME_ANCESTORS`: the origins that may frame the portal
    /// (space-separated); malformed entries are left out and logged.
    pub(crate) frame_ancestors: Vec<String>,
    /// `PORTAL_TITLE`: the portal's title (at most 80 characters).
    pub(crate) title: Option<String>,
    /// `PORTAL_ACCENT`: its accent colour, `#rgb` or `#rrggbb`.
    pub(crate) accent: Option<String>,
}

/// The longest `PORTAL_TITLE`, in characters.
const MAX_PORTAL_TITLE_CHARS: usize = 80;

/// Reads [`PortalSettings`]; anything malformed is left out (and logged).
pub(crate) fn portal_settings(env: &Env) -> PortalSettings {
    let var = |name: &str| env.var(name).ok().map(|v| v.to_string());
    let frame_ancestors = var("PORTAL_FRAME_ANCESTORS")
        .unwrap_or_default()
        .split_whitespace()
        .filter(|origin| {
            let ok = is_frame_ancestor(origin);
            if !ok {
                worker::console_error!("PORTAL_FRAME_ANCESTORS: {origin:?} is not an origin");
            }
            ok
        })
        .map(str::to_owned)
        .collect();
    let title = var("PORTAL_TITLE")
        .map(|t| t.trim().to_owned())
        .filter(|t| {
            !t.is_empty()
                && t.chars().count() <= MAX_PORTAL_TITLE_CHARS
                && !t.chars().any(char::is_control)
        });
    let accent = var("PORTAL_ACCENT").filter(|a| is_accent_colour(a));
    PortalSettings {
        frame_ancestors,
        title,
        accent,
    }
}
