//! Portal sessions: an expiring key a publisher hands to one of its
//! customers, covering one cache (and optionally some of its webhooks),
//! managing or only reading them, and nothing else: no publishing, no
//! event streams, no API keys, no further sessions.
//!
//! A session's token reads `ehp_<token id>_<secret>`; like an API key the
//! service stores only the digest of its secret.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::error::{NameKind, ScopeProblem, ValidationError};
use super::model::validate_name;
use crate::limits::{
    DEFAULT_PORTAL_TTL_SECONDS, MAX_PORTAL_TTL_SECONDS, MAX_WEBHOOKS_PER_PORTAL,
    MIN_PORTAL_TTL_SECONDS,
};

/// The prefix of every portal session's token.
pub const PORTAL_TOKEN_PREFIX: &str = "ehp_";

/// The body of `POST /v1/caches/{cache}/portal-sessions`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PortalSessionInput {
    /// How long the session lasts, in seconds
    /// ([`MIN_PORTAL_TTL_SECONDS`]-[`MAX_PORTAL_TTL_SECONDS`], default
    /// [`DEFAULT_PORTAL_TTL_SECONDS`]).
    pub ttl_seconds: Option<u64>,
    /// Only reading: no change of any webhook, and no secrets.
    pub read_only: Option<bool>,
    /// Only these webhooks of the cache; every webhook when absent.
    pub webhooks: Option<Vec<String>>,
}

/// What a portal session may do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortalScope {
    /// The one cache it covers.
    pub cache: String,
    /// The webhooks it covers; empty for every webhook of the cache.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub webhooks: Vec<String>,
    /// Whether it may only read.
    #[serde(default)]
    pub read_only: bool,
    /// When it stops working (ms since the epoch).
    pub expires_at: u64,
}

impl PortalSessionInput {
    /// Validates the request for `cache` at `now_ms`; answers the scope and
    /// the session's lifetime in seconds.
    pub fn validate(self, cache: &str, now_ms: u64) -> Result<(PortalScope, u64), ValidationError> {
        validate_name(cache, NameKind::Cache)?;
        let ttl = self.ttl_seconds.unwrap_or(DEFAULT_PORTAL_TTL_SECONDS);
        if !(MIN_PORTAL_TTL_SECONDS..=MAX_PORTAL_TTL_SECONDS).contains(&ttl) {
            return Err(ValidationError::InvalidScope(ScopeProblem::PortalTtl));
        }
        // `webhooks: []` is a mistake: a session of no webhook.
        let webhooks = match self.webhooks {
            Some(names) if names.is_empty() || names.len() > MAX_WEBHOOKS_PER_PORTAL => {
                return Err(ValidationError::InvalidScope(ScopeProblem::PortalWebhooks));
            }
            Some(names) => names,
            None => Vec::new(),
        };
        for (i, name) in webhooks.iter().enumerate() {
            validate_name(name, NameKind::Webhook)?;
            if webhooks[..i].contains(name) {
                return Err(ValidationError::InvalidScope(ScopeProblem::PortalWebhooks));
            }
        }
        Ok((
            PortalScope {
                cache: cache.into(),
                webhooks,
                read_only: self.read_only.unwrap_or(false),
                expires_at: now_ms.saturating_add(ttl.saturating_mul(1000)),
            },
            ttl,
        ))
    }
}

impl PortalScope {
    /// Whether the session covers the webhook `name` of its cache.
    pub fn covers(&self, name: &str) -> bool {
        self.webhooks.is_empty() || self.webhooks.iter().any(|w| w == name)
    }

    /// Whether the session has ended at `now_ms`.
    pub fn expired(&self, now_ms: u64) -> bool {
        now_ms >= self.expires_at
    }
}

/// Whether `origin` may stand in a `frame-ancestors` list as a portal's
/// embedding site: `https://` or `http://`, a host name (its first label
/// may be `*`), an IP address in brackets or dotted, an optional port;
/// no path, query, credentials or quote.
pub fn is_frame_ancestor(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !rest.ends_with(']') => (host, Some(port)),
        _ => (rest, None),
    };
    let port_ok =
        port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let host = host.strip_prefix("*.").unwrap_or(host);
    let host_ok = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !inner.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
    } else {
        !host.is_empty()
            && host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            })
    };
    port_ok && host_ok
}

/// Whether `colour` is a CSS hex colour, `#rgb` or `#rrggbb`: the only
/// accent a deployment may give the portal.
pub fn is_accent_colour(colour: &str) -> bool {
    colour
        .strip_prefix('#')
        .is_some_and(|hex| matches!(hex.len(), 3 | 6) && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn input(ttl: Option<u64>, webhooks: Option<Vec<&str>>) -> PortalSessionInput {
        PortalSessionInput {
            ttl_seconds: ttl,
            read_only: None,
            webhooks: webhooks.map(|w| w.into_iter().map(String::from).collect()),
        }
    }

    #[test]
    fn defaults_to_an_hour_of_every_webhook_managed() {
        let (scope, ttl) = PortalSessionInput::default()
            .validate("shop", 1_000)
            .expect("valid");
        assert_eq!(ttl, DEFAULT_PORTAL_TTL_SECONDS);
        assert_eq!(scope.expires_at, 1_000 + 3_600_000);
        assert!(!scope.read_only && scope.webhooks.is_empty());
        assert!(scope.covers("anything"));
        assert!(!scope.expired(scope.expires_at - 1) && scope.expired(scope.expires_at));
    }

    #[test]
    fn lifetime_bounds() {
        for ttl in [MIN_PORTAL_TTL_SECONDS, MAX_PORTAL_TTL_SECONDS] {
            assert!(input(Some(ttl), None).validate("shop", 0).is_ok());
        }
        for ttl in [
            0,
            MIN_PORTAL_TTL_SECONDS - 1,
            MAX_PORTAL_TTL_SECONDS + 1,
            u64::MAX,
        ] {
            let err = input(Some(ttl), None).validate("shop", 0).unwrap_err();
            assert_eq!(err.code(), "invalid_scope");
            assert!(err.to_string().contains("ttlSeconds"), "{err}");
        }
    }

    #[test]
    fn webhook_lists() {
        let (scope, _) = input(None, Some(vec!["a", "b c"]))
            .validate("shop", 0)
            .expect("valid");
        assert!(scope.covers("a") && scope.covers("b c") && !scope.covers("d"));
        let many: Vec<String> = (0..=MAX_WEBHOOKS_PER_PORTAL)
            .map(|i| i.to_string())
            .collect();
        let too_many = PortalSessionInput {
            webhooks: Some(many),
            ..PortalSessionInput::default()
        };
        for bad in [
            input(None, Some(vec![])),
            input(None, Some(vec!["a", "a"])),
            too_many,
        ] {
            let err = bad.validate("shop", 0).unwrap_err();
            assert_eq!(
                err,
                ValidationError::InvalidScope(ScopeProblem::PortalWebhooks)
            );
        }
        let err = input(None, Some(vec!["a/b"]))
            .validate("shop", 0)
            .unwrap_err();
        assert_eq!(err.code(), "invalid_name");
        let err = input(None, None).validate("..", 0).unwrap_err();
        assert_eq!(err.code(), "invalid_name");
    }

    #[test]
    fn frame_ancestors() {
        for good in [
            "https://app.example.com",
            "https://*.example.com",
            "http://127.0.0.1:8080",
            "https://[::1]:443",
            "https://[::1]",
            "http://localhost",
        ] {
            assert!(is_frame_ancestor(good), "{good}");
        }
        for bad in [
            "",
            "*",
            "'self'",
            "https://",
            "ftp://example.com",
            "https://example.com/path",
            "https://user@example.com",
            "https://example.com:99999x",
            "https://exa mple.com",
            "https://example.com;script-src *",
            "https://example.com?x",
            "https://a..b",
            "https://example.com:",
        ] {
            assert!(!is_frame_ancestor(bad), "{bad}");
        }
    }

    #[test]
    fn accent_colours() {
        for good in ["#0a7", "#00AA77"] {
            assert!(is_accent_colour(good));
        }
        for bad in ["", "#", "0a7", "#0a", "#00aa7", "red", "#00aa77; x", "#ggg"] {
            assert!(!is_accent_colour(bad), "{bad}");
        }
    }
}
