//! The service's errors: [`ValidationError`] for a webhook, key or rotation
//! that breaks a rule, and [`AccessError`] for a caller that may not do
//! what it asks. Payloads are names and numbers; each message is written
//! once, in `Display`, from the limits it is about.

use core::fmt;

use crate::error::SecretProblem;
use crate::limits::{
    ALL_CACHES, MAX_AUTH_FIELD_CHARS, MAX_CACHES_PER_KEY, MAX_CUSTOM_HEADERS, MAX_DELAY_SECONDS,
    MAX_DESCRIPTION_CHARS, MAX_GRACE_SECONDS, MAX_HEADER_NAME_BYTES, MAX_HEADER_VALUE_BYTES,
    MAX_NAME_CHARS, MAX_PORTAL_TTL_SECONDS, MAX_RATE_PER_SECOND, MAX_RETRIES, MAX_TIMEOUT_MS,
    MAX_TOPICS_PER_WEBHOOK, MAX_URL_BYTES, MAX_WEBHOOKS_PER_PORTAL, MIN_PORTAL_TTL_SECONDS,
    MIN_TIMEOUT_MS,
};

/// A request that breaks one of the service's rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValidationError {
    /// A cache, webhook or topic name is empty, longer than
    /// [`MAX_NAME_CHARS`] characters, holds a control character or `/`,
    /// or is `.` or `..`.
    InvalidName(NameKind),
    /// A body's `id` names another cache or webhook than its path.
    IdMismatch,
    /// A destination URL cannot be used.
    InvalidUrl(UrlProblem),
    /// A destination URL points at a private, loopback or link-local target.
    UrlNotAllowed(PrivateTarget),
    /// A delivery timeout outside the allowed range.
    InvalidTimeout,
    /// A topic list that is missing, too long or repeats a topic.
    InvalidTopics(TopicsProblem),
    /// A retry schedule that is empty, too long, or has a delay out of range.
    InvalidRetry(RetryProblem),
    /// A description that is too long or holds control characters.
    InvalidDescription,
    /// A supplied secret that cannot be used.
    InvalidSecret(SecretProblem),
    /// An unknown signing scheme name.
    InvalidScheme,
    /// A field that cannot change after creation was given a new value.
    /// Holds the field's name.
    ImmutableField(&'static str),
    /// An API key's scope is malformed.
    InvalidScope(ScopeProblem),
    /// A rotation's grace period longer than allowed.
    InvalidGracePeriod,
    /// A `maxRatePerSecond` outside the allowed range.
    InvalidRate,
    /// `ordering: "fifo"` on a `sync` webhook, which is attempted inside each
    /// publish call and cannot wait for earlier messages.
    InvalidOrdering,
    /// A webhook's `auth` that cannot be used.
    InvalidAuth(AuthProblem),
    /// A static header whose name is malformed, repeated, or one the
    /// service sets itself.
    InvalidHeaderName(HeaderNameProblem),
    /// Too many static headers, or a value that cannot travel in a header.
    InvalidHeaders(HeadersProblem),
    /// A published message larger than the limit.
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

/// Which name is malformed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    /// A cache name.
    Cache,
    /// A webhook name.
    Webhook,
    /// A topic name.
    Topic,
}

/// What is wrong with a destination URL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum UrlProblem {
    /// No `destination.postUrl` was given.
    Missing,
    /// Longer than [`MAX_URL_BYTES`].
    TooLong,
    /// Not an absolute URL.
    NotAbsolute,
    /// A scheme other than `http` or `https`.
    NotHttp,
    /// User name or password in the URL.
    Credentials,
    /// No host.
    NoHost,
}

/// Which kind of non-public target a URL names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PrivateTarget {
    /// `localhost` or a name reserved for a local network.
    LocalName,
    /// A host name of one label, which is not public.
    SingleLabel,
    /// A loopback address.
    Loopback,
    /// A private (or shared, carrier-grade NAT) address.
    Private,
    /// A link-local address.
    LinkLocal,
    /// A reserved, documentation or non-unicast address.
    Reserved,
}

/// What is wrong with a topic list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TopicsProblem {
    /// No topic was given.
    Missing,
    /// More than [`MAX_TOPICS_PER_WEBHOOK`].
    TooMany,
    /// A topic is listed twice.
    Repeated,
    /// Both `topics` and `topicName` were given.
    Both,
}

/// What is wrong with a retry schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryProblem {
    /// An empty schedule (`"none"` means no retries).
    Empty,
    /// More than [`MAX_RETRIES`] delays.
    TooMany,
    /// A delay outside 1..=[`MAX_DELAY_SECONDS`] seconds.
    DelayOutOfRange,
}

/// What is wrong with an API key's scope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScopeProblem {
    /// No caches, or more than [`MAX_CACHES_PER_KEY`].
    CacheCount,
    /// `"*"` listed beside other caches.
    WildcardNotAlone,
    /// A cache listed twice.
    RepeatedCache,
    /// No permission, or one listed twice.
    Permissions,
    /// A portal session's `ttlSeconds` out of range.
    PortalTtl,
    /// A portal session's `webhooks` empty, too long or repeating a name.
    PortalWebhooks,
}

/// What is wrong with a webhook's `auth`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthProblem {
    /// A field that is empty, too long, or holds control characters.
    Field,
    /// No client secret or password, and none held to keep.
    MissingSecret,
    /// A Basic user name with a colon, which Basic cannot carry.
    ColonInUsername,
}

/// What is wrong with a static header's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderNameProblem {
    /// Not an HTTP token, or longer than [`MAX_HEADER_NAME_BYTES`].
    Malformed,
    /// A name the service sets, or `authorization` beside `auth`.
    Reserved,
    /// The same name twice, in any case.
    Repeated,
}

/// What is wrong with a webhook's static headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeadersProblem {
    /// More than [`MAX_CUSTOM_HEADERS`].
    TooMany,
    /// A value longer than [`MAX_HEADER_VALUE_BYTES`], with characters other
    /// than visible ASCII, space and tab, or with spaces at its ends.
    Value,
}

/// A caller that may not do what it asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccessError {
    /// No credentials, or credentials that match no key.
    Unauthorized,
    /// A valid key whose scope does not cover the request.
    Forbidden(Needed),
    /// A publish to a topic only the service publishes to (`edgehooks.*`).
    ReservedTopic,
}

/// What a refused caller would have needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Needed {
    /// The `publish` permission in the cache of the request.
    Publish,
    /// The `subscribe` permission in the cache of the request.
    Subscribe,
    /// The `manage` permission in the cache of the request.
    Manage,
    /// The admin key (managing API keys).
    Admin,
    /// A portal session that may change webhooks (this one only reads).
    Change,
    /// A portal session that covers the webhook (this one covers others).
    Webhook,
    /// The admin key or an API key with `manage`: a portal session cannot
    /// start another.
    PortalSessions,
}

impl ValidationError {
    /// Every code a `ValidationError` can have, each once.
    pub const CODES: &'static [&'static str] = &[
        "invalid_name",
        "invalid_url",
        "url_not_allowed",
        "invalid_timeout",
        "invalid_topics",
        "invalid_retry",
        "invalid_description",
        "invalid_secret",
        "invalid_scheme",
        "immutable_field",
        "invalid_scope",
        "invalid_grace_period",
        "invalid_rate",
        "invalid_ordering",
        "invalid_auth",
        "invalid_header_name",
        "invalid_headers",
        "payload_too_large",
    ];

    /// The stable machine-readable code of this error.
    pub const fn code(&self) -> &'static str {
        match self {
            ValidationError::InvalidName(_) | ValidationError::IdMismatch => "invalid_name",
            ValidationError::InvalidUrl(_) => "invalid_url",
            ValidationError::UrlNotAllowed(_) => "url_not_allowed",
            ValidationError::InvalidTimeout => "invalid_timeout",
            ValidationError::InvalidTopics(_) => "invalid_topics",
            ValidationError::InvalidRetry(_) => "invalid_retry",
            ValidationError::InvalidDescription => "invalid_description",
            ValidationError::InvalidSecret(_) => "invalid_secret",
            ValidationError::InvalidScheme => "invalid_scheme",
            ValidationError::ImmutableField(_) => "immutable_field",
            ValidationError::InvalidScope(_) => "invalid_scope",
            ValidationError::InvalidGracePeriod => "invalid_grace_period",
            ValidationError::InvalidRate => "invalid_rate",
            ValidationError::InvalidOrdering => "invalid_ordering",
            ValidationError::InvalidAuth(_) => "invalid_auth",
            ValidationError::InvalidHeaderName(_) => "invalid_header_name",
            ValidationError::InvalidHeaders(_) => "invalid_headers",
            ValidationError::PayloadTooLarge { .. } => "payload_too_large",
        }
    }

    /// The HTTP status an API answers with: 413 for a message too large,
    /// 400 for the rest.
    pub const fn http_status(&self) -> u16 {
        match self {
            ValidationError::PayloadTooLarge { .. } => 413,
            _ => 400,
        }
    }
}

impl AccessError {
    /// Every code an `AccessError` can have, each once.
    pub const CODES: &'static [&'static str] = &["unauthorized", "forbidden", "reserved_topic"];

    /// The stable machine-readable code of this error.
    pub const fn code(&self) -> &'static str {
        match self {
            AccessError::Unauthorized => "unauthorized",
            AccessError::Forbidden(_) => "forbidden",
            AccessError::ReservedTopic => "reserved_topic",
        }
    }

    /// The HTTP status an API answers with: 401 or 403.
    pub const fn http_status(&self) -> u16 {
        match self {
            AccessError::Unauthorized => 401,
            AccessError::Forbidden(_) | AccessError::ReservedTopic => 403,
        }
    }
}

impl From<SecretProblem> for ValidationError {
    fn from(problem: SecretProblem) -> Self {
        ValidationError::InvalidSecret(problem)
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValidationError::InvalidName(kind) => write!(
                f,
                "invalid {kind} name: use 1-{MAX_NAME_CHARS} printable characters, without '/' or control characters, other than '.' and '..'"
            ),
            ValidationError::IdMismatch => {
                f.write_str("invalid id: it must name the cache and webhook of the path")
            }
            ValidationError::InvalidUrl(problem) => {
                write!(f, "invalid destination URL: {problem}")
            }
            ValidationError::UrlNotAllowed(target) => {
                write!(f, "destination URL not allowed: {target}")
            }
            ValidationError::InvalidTimeout => write!(
                f,
                "timeoutMs must be between {MIN_TIMEOUT_MS} and {MAX_TIMEOUT_MS}"
            ),
            ValidationError::InvalidTopics(problem) => write!(f, "invalid topics: {problem}"),
            ValidationError::InvalidRetry(problem) => {
                write!(f, "invalid retry setting: {problem}")
            }
            ValidationError::InvalidDescription => write!(
                f,
                "description must be at most {MAX_DESCRIPTION_CHARS} characters without control characters"
            ),
            ValidationError::InvalidSecret(problem) => write!(f, "invalid secret: {problem}"),
            ValidationError::InvalidScheme => crate::error::VerifyError::InvalidScheme.fmt(f),
            ValidationError::ImmutableField(field) => {
                write!(f, "`{field}` cannot be changed after creation")
            }
            ValidationError::InvalidScope(problem) => {
                write!(f, "invalid API key scope: {problem}")
            }
            ValidationError::InvalidGracePeriod => write!(
                f,
                "graceSeconds must be between 0 and {MAX_GRACE_SECONDS}"
            ),
            ValidationError::InvalidRate => write!(
                f,
                "maxRatePerSecond must be between 1 and {MAX_RATE_PER_SECOND}"
            ),
            ValidationError::InvalidOrdering => f.write_str(
                "invalid ordering: a sync webhook is attempted inside each publish call and cannot be fifo",
            ),
            ValidationError::InvalidAuth(problem) => write!(f, "invalid auth: {problem}"),
            ValidationError::InvalidHeaderName(problem) => {
                write!(f, "invalid header name: {problem}")
            }
            ValidationError::InvalidHeaders(problem) => write!(f, "invalid headers: {problem}"),
            ValidationError::PayloadTooLarge { limit } => {
                crate::error::VerifyError::PayloadTooLarge { limit: *limit }.fmt(f)
            }
        }
    }
}

impl fmt::Display for NameKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NameKind::Cache => "cache",
            NameKind::Webhook => "webhook",
            NameKind::Topic => "topic",
        })
    }
}

impl fmt::Display for UrlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlProblem::Missing => f.write_str("destination.postUrl is required"),
            UrlProblem::TooLong => write!(f, "longer than {MAX_URL_BYTES} bytes"),
            UrlProblem::NotAbsolute => f.write_str("not an absolute URL"),
            UrlProblem::NotHttp => f.write_str("only http and https URLs are allowed"),
            UrlProblem::Credentials => f.write_str("credentials in the URL are not allowed"),
            UrlProblem::NoHost => f.write_str("the URL has no host"),
        }
    }
}

impl fmt::Display for PrivateTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PrivateTarget::LocalName => "the host names a local or private network",
            PrivateTarget::SingleLabel => "single-label host names are not public",
            PrivateTarget::Loopback => "loopback address",
            PrivateTarget::Private => "private address",
            PrivateTarget::LinkLocal => "link-local address",
            PrivateTarget::Reserved => "reserved or non-unicast address",
        })
    }
}

impl fmt::Display for TopicsProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TopicsProblem::Missing => f.write_str("at least one topic is required"),
            TopicsProblem::TooMany => {
                write!(f, "at most {MAX_TOPICS_PER_WEBHOOK} topics per webhook")
            }
            TopicsProblem::Repeated => f.write_str("a topic is listed twice"),
            TopicsProblem::Both => f.write_str("give either topics or topicName, not both"),
        }
    }
}

impl fmt::Display for RetryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RetryProblem::Empty => {
                f.write_str("a schedule needs at least one delay; use \"none\" for no retries")
            }
            RetryProblem::TooMany => write!(f, "a schedule holds at most {MAX_RETRIES} delays"),
            RetryProblem::DelayOutOfRange => {
                write!(f, "each delay is 1 to {MAX_DELAY_SECONDS} seconds")
            }
        }
    }
}

impl fmt::Display for ScopeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeProblem::CacheCount => write!(
                f,
                "caches: give 1 to {MAX_CACHES_PER_KEY} cache names, or [\"{ALL_CACHES}\"]"
            ),
            ScopeProblem::WildcardNotAlone => {
                write!(f, "caches: \"{ALL_CACHES}\" must stand alone")
            }
            ScopeProblem::RepeatedCache => f.write_str("caches: a cache is listed twice"),
            ScopeProblem::Permissions => {
                f.write_str("permissions: give any of publish, subscribe and manage, once each")
            }
            ScopeProblem::PortalTtl => write!(
                f,
                "ttlSeconds: give {MIN_PORTAL_TTL_SECONDS} to {MAX_PORTAL_TTL_SECONDS} seconds"
            ),
            ScopeProblem::PortalWebhooks => write!(
                f,
                "webhooks: give 1 to {MAX_WEBHOOKS_PER_PORTAL} distinct webhook names, or leave it out for every webhook"
            ),
        }
    }
}

impl fmt::Display for AuthProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthProblem::Field => write!(
                f,
                "each field holds 1 to {MAX_AUTH_FIELD_CHARS} characters without control characters"
            ),
            AuthProblem::MissingSecret => {
                f.write_str("give clientSecret (oauth2) or password (basic)")
            }
            AuthProblem::ColonInUsername => f.write_str("a basic username cannot hold ':'"),
        }
    }
}

impl fmt::Display for HeaderNameProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderNameProblem::Malformed => write!(
                f,
                "a name is 1 to {MAX_HEADER_NAME_BYTES} characters of an HTTP token"
            ),
            HeaderNameProblem::Reserved => f.write_str(
                "webhook-*, signature headers, content-type, content-length, user-agent and host are set by the service, and authorization by auth",
            ),
            HeaderNameProblem::Repeated => f.write_str("a name is given twice"),
        }
    }
}

impl fmt::Display for HeadersProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeadersProblem::TooMany => write!(f, "at most {MAX_CUSTOM_HEADERS} headers"),
            HeadersProblem::Value => write!(
                f,
                "a value is at most {MAX_HEADER_VALUE_BYTES} bytes of visible ASCII, space and tab, not starting or ending with a space"
            ),
        }
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessError::Unauthorized => {
                f.write_str("missing or unknown API key: send `Authorization: Bearer <key>`")
            }
            AccessError::Forbidden(needed) => write!(f, "this API key does not allow {needed}"),
            AccessError::ReservedTopic => f.write_str(
                "topics starting with `edgehooks.` are the service's own: only the service publishes there",
            ),
        }
    }
}

impl fmt::Display for Needed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Needed::Publish => "publishing in this cache",
            Needed::Subscribe => "subscribing to topics in this cache",
            Needed::Manage => "managing webhooks in this cache",
            Needed::Admin => "managing API keys",
            Needed::Change => {
                "changing webhooks or reading secrets: the portal session is read-only"
            }
            Needed::Webhook => "this webhook: the portal session covers other webhooks",
            Needed::PortalSessions => "starting portal sessions",
        })
    }
}

impl core::error::Error for ValidationError {}
impl core::error::Error for AccessError {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    /// One of each variant; the `match` fails to compile when a variant is
    /// added without a sample here.
    fn samples() -> [ValidationError; 19] {
        [
            ValidationError::InvalidName(NameKind::Cache),
            ValidationError::IdMismatch,
            ValidationError::InvalidUrl(UrlProblem::NoHost),
            ValidationError::UrlNotAllowed(PrivateTarget::Loopback),
            ValidationError::InvalidTimeout,
            ValidationError::InvalidTopics(TopicsProblem::Missing),
            ValidationError::InvalidRetry(RetryProblem::Empty),
            ValidationError::InvalidDescription,
            ValidationError::InvalidSecret(SecretProblem::Empty),
            ValidationError::InvalidScheme,
            ValidationError::ImmutableField("scheme"),
            ValidationError::InvalidScope(ScopeProblem::Permissions),
            ValidationError::InvalidGracePeriod,
            ValidationError::InvalidRate,
            ValidationError::InvalidOrdering,
            ValidationError::InvalidAuth(AuthProblem::Field),
            ValidationError::InvalidHeaderName(HeaderNameProblem::Reserved),
            ValidationError::InvalidHeaders(HeadersProblem::TooMany),
            ValidationError::PayloadTooLarge { limit: 1 },
        ]
    }

    #[test]
    fn every_variant_has_a_listed_code_and_a_message() {
        for e in samples() {
            match e {
                ValidationError::InvalidName(_)
                | ValidationError::IdMismatch
                | ValidationError::InvalidUrl(_)
                | ValidationError::UrlNotAllowed(_)
                | ValidationError::InvalidTimeout
                | ValidationError::InvalidTopics(_)
                | ValidationError::InvalidRetry(_)
                | ValidationError::InvalidDescription
                | ValidationError::InvalidSecret(_)
                | ValidationError::InvalidScheme
                | ValidationError::ImmutableField(_)
                | ValidationError::InvalidScope(_)
                | ValidationError::InvalidGracePeriod
                | ValidationError::InvalidRate
                | ValidationError::InvalidOrdering
                | ValidationError::InvalidAuth(_)
                | ValidationError::InvalidHeaderName(_)
                | ValidationError::InvalidHeaders(_)
                | ValidationError::PayloadTooLarge { .. } => {}
            }
            assert!(ValidationError::CODES.contains(&e.code()), "{}", e.code());
            assert!(!e.to_string().is_empty());
        }
        let mut codes: alloc::vec::Vec<_> = samples().iter().map(|e| e.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), ValidationError::CODES.len());
        let access = [
            AccessError::Unauthorized,
            AccessError::Forbidden(Needed::Admin),
            AccessError::ReservedTopic,
        ];
        for e in access {
            match e {
                AccessError::Unauthorized
                | AccessError::Forbidden(_)
                | AccessError::ReservedTopic => {}
            }
            assert!(AccessError::CODES.contains(&e.code()));
        }
        assert_eq!(access.len(), AccessError::CODES.len());
    }

    #[test]
    fn messages_carry_the_limits_and_the_kind() {
        assert_eq!(
            ValidationError::IdMismatch.to_string(),
            "invalid id: it must name the cache and webhook of the path"
        );
        assert!(
            ValidationError::InvalidName(NameKind::Topic)
                .to_string()
                .starts_with("invalid topic name: use 1-128 ")
        );
        assert_eq!(
            ValidationError::InvalidTopics(TopicsProblem::TooMany).to_string(),
            alloc::format!("invalid topics: at most {MAX_TOPICS_PER_WEBHOOK} topics per webhook")
        );
        assert_eq!(
            AccessError::Forbidden(Needed::Admin).to_string(),
            "this API key does not allow managing API keys"
        );
        assert_eq!(
            ValidationError::PayloadTooLarge { limit: 9 }.http_status(),
            413
        );
        assert_eq!(AccessError::Unauthorized.http_status(), 401);
    }
}
