//! The one error type of the core, with stable codes shared by Rust, JS and
//! the HTTP API.

use core::fmt;

/// Everything that can go wrong in the core.
///
/// Every variant maps to a stable, lowercase [`code`](Error::code) that the
/// npm package and the HTTP API report unchanged, so a receiver can branch on
/// it in any language. The `&'static str` payloads name the header, field or
/// reason; they never carry secret material or user input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A header the scheme needs is absent. Holds the header name.
    MissingHeader(&'static str),
    /// A header is present but malformed. Holds the header name.
    InvalidHeader(&'static str),
    /// A secret or key cannot be used. Holds the reason.
    InvalidSecret(&'static str),
    /// The signed timestamp is older than the tolerance allows.
    TimestampTooOld,
    /// The signed timestamp is further in the future than the tolerance allows.
    TimestampTooNew,
    /// No signature in the request matches any of the secrets.
    InvalidSignature,
    /// A body or message exceeds its size limit. Holds the limit in bytes.
    PayloadTooLarge(usize),
    /// A cache, webhook or topic name is malformed. Holds which name.
    InvalidName(&'static str),
    /// A destination URL cannot be parsed or uses a refused form. Holds the reason.
    InvalidUrl(&'static str),
    /// A destination URL points at a private, loopback or link-local target.
    UrlNotAllowed(&'static str),
    /// A delivery timeout is outside the allowed range.
    InvalidTimeout,
    /// A topic list is empty, too long or repeats a topic. Holds the reason.
    InvalidTopics(&'static str),
    /// A retry setting is malformed. Holds the reason.
    InvalidRetry(&'static str),
    /// A description is too long or holds control characters.
    InvalidDescription,
    /// An unknown signing scheme name.
    InvalidScheme,
    /// A delivered body is not a valid edgehooks envelope.
    InvalidEnvelope,
    /// A field that cannot change after creation was given a new value.
    /// Holds the field's name.
    ImmutableField(&'static str),
    /// An API key's scope is malformed. Holds the reason.
    InvalidScope(&'static str),
    /// A rotation's grace period is longer than allowed.
    InvalidGracePeriod,
    /// A `maxRatePerSecond` outside the allowed range.
    InvalidRate,
    /// An `ordering` that the other fields do not allow. Holds the reason.
    InvalidOrdering(&'static str),
    /// No credentials, or credentials that match no key.
    Unauthorized,
    /// A valid key whose scope does not cover the request. Holds what is missing.
    Forbidden(&'static str),
}

impl Error {
    /// The stable machine-readable code of this error.
    pub const fn code(&self) -> &'static str {
        match self {
            Error::MissingHeader(_) => "missing_header",
            Error::InvalidHeader(_) => "invalid_header",
            Error::InvalidSecret(_) => "invalid_secret",
            Error::TimestampTooOld => "timestamp_too_old",
            Error::TimestampTooNew => "timestamp_too_new",
            Error::InvalidSignature => "invalid_signature",
            Error::PayloadTooLarge(_) => "payload_too_large",
            Error::InvalidName(_) => "invalid_name",
            Error::InvalidUrl(_) => "invalid_url",
            Error::UrlNotAllowed(_) => "url_not_allowed",
            Error::InvalidTimeout => "invalid_timeout",
            Error::InvalidTopics(_) => "invalid_topics",
            Error::InvalidRetry(_) => "invalid_retry",
            Error::InvalidDescription => "invalid_description",
            Error::InvalidScheme => "invalid_scheme",
            Error::InvalidEnvelope => "invalid_envelope",
            Error::ImmutableField(_) => "immutable_field",
            Error::InvalidScope(_) => "invalid_scope",
            Error::InvalidGracePeriod => "invalid_grace_period",
            Error::InvalidRate => "invalid_rate",
            Error::InvalidOrdering(_) => "invalid_ordering",
            Error::Unauthorized => "unauthorized",
            Error::Forbidden(_) => "forbidden",
        }
    }

    /// The HTTP status an API should answer with for this error.
    pub const fn http_status(&self) -> u16 {
        match self {
            Error::PayloadTooLarge(_) => 413,
            Error::MissingHeader(_)
            | Error::InvalidHeader(_)
            | Error::TimestampTooOld
            | Error::TimestampTooNew
            | Error::InvalidSignature
            | Error::Unauthorized => 401,
            Error::Forbidden(_) => 403,
            _ => 400,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::MissingHeader(name) => write!(f, "missing required header `{name}`"),
            Error::InvalidHeader(name) => write!(f, "header `{name}` is malformed"),
            Error::InvalidSecret(reason) => write!(f, "invalid secret: {reason}"),
            Error::TimestampTooOld => {
                f.write_str("webhook timestamp is too old: check the receiver's clock or replay")
            }
            Error::TimestampTooNew => {
                f.write_str("webhook timestamp is in the future: check the sender's clock")
            }
            Error::InvalidSignature => {
                f.write_str("no signature matches: wrong secret, or the body was altered")
            }
            Error::PayloadTooLarge(limit) => {
                write!(f, "payload exceeds the limit of {limit} bytes")
            }
            Error::InvalidName(which) => write!(
                f,
                "invalid {which}: use 1-128 characters from A-Z, a-z, 0-9, '.', '_' and '-'"
            ),
            Error::InvalidUrl(reason) => write!(f, "invalid destination URL: {reason}"),
            Error::UrlNotAllowed(reason) => write!(f, "destination URL not allowed: {reason}"),
            Error::InvalidTimeout => write!(
                f,
                "timeoutMs must be between {} and {}",
                crate::limits::MIN_TIMEOUT_MS,
                crate::limits::MAX_TIMEOUT_MS
            ),
            Error::InvalidTopics(reason) => write!(f, "invalid topics: {reason}"),
            Error::InvalidRetry(reason) => write!(f, "invalid retry setting: {reason}"),
            Error::InvalidDescription => write!(
                f,
                "description must be at most {} characters without control characters",
                crate::limits::MAX_DESCRIPTION_CHARS
            ),
            Error::InvalidScheme => f.write_str(
                "unknown scheme: use standard, standard-v1a, momento, github, stripe or commenda",
            ),
            Error::InvalidEnvelope => f.write_str("body is not an edgehooks delivery envelope"),
            Error::ImmutableField(field) => {
                write!(f, "`{field}` cannot be changed after creation")
            }
            Error::InvalidScope(reason) => write!(f, "invalid API key scope: {reason}"),
            Error::InvalidGracePeriod => write!(
                f,
                "graceSeconds must be between 0 and {}",
                crate::limits::MAX_GRACE_SECONDS
            ),
            Error::InvalidRate => write!(
                f,
                "maxRatePerSecond must be between 1 and {}",
                crate::limits::MAX_RATE_PER_SECOND
            ),
            Error::InvalidOrdering(reason) => write!(f, "invalid ordering: {reason}"),
            Error::Unauthorized => {
                f.write_str("missing or unknown API key: send `Authorization: Bearer <key>`")
            }
            Error::Forbidden(what) => write!(f, "this API key does not allow {what}"),
        }
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn codes_are_stable_snake_case() {
        let all = [
            Error::MissingHeader("x"),
            Error::InvalidHeader("x"),
            Error::InvalidSecret("x"),
            Error::TimestampTooOld,
            Error::TimestampTooNew,
            Error::InvalidSignature,
            Error::PayloadTooLarge(1),
            Error::InvalidName("x"),
            Error::InvalidUrl("x"),
            Error::UrlNotAllowed("x"),
            Error::InvalidTimeout,
            Error::InvalidTopics("x"),
            Error::InvalidRetry("x"),
            Error::InvalidDescription,
            Error::InvalidScheme,
            Error::InvalidEnvelope,
            Error::ImmutableField("scheme"),
            Error::InvalidScope("x"),
            Error::InvalidGracePeriod,
            Error::InvalidRate,
            Error::InvalidOrdering("x"),
            Error::Unauthorized,
            Error::Forbidden("x"),
        ];
        for e in all {
            assert!(
                e.code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            );
            assert!(!e.to_string().is_empty());
        }
        assert_eq!(Error::PayloadTooLarge(5).http_status(), 413);
        assert_eq!(Error::InvalidSignature.http_status(), 401);
        assert_eq!(Error::InvalidName("cache name").http_status(), 400);
        assert_eq!(Error::Unauthorized.http_status(), 401);
        assert_eq!(Error::Forbidden("x").http_status(), 403);
    }
}
