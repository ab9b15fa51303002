//! How an attempt is judged: which answers count as delivered, and why an
//! attempt failed.

use core::fmt;

use super::auth::AuthFailure;
use super::error::PrivateTarget;

/// Whether a response status means the delivery succeeded (any 2xx).
pub const fn is_success(status: u16) -> bool {
    matches!(status, 200..=299)
}

/// Why an attempt failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptFailure {
    /// No complete response within the webhook's timeout.
    Timeout,
    /// The connection could not be made (refused, DNS, TLS).
    ConnectionFailed,
    /// The receiver answered with a status other than 2xx.
    HttpStatus(u16),
    /// The request failed in another way (reset, malformed response).
    RequestFailed,
    /// No access token could be had for the webhook's `auth`: nothing was
    /// sent to the endpoint.
    AuthFailed(AuthFailure),
    /// The destination's name resolved only to addresses the URL policy
    /// refuses (loopback, private, link-local, ...; the kind of the first):
    /// nothing was sent. The code is the one of a URL the policy refuses.
    UrlNotAllowed(PrivateTarget),
}

impl AttemptFailure {
    /// Every code an `AttemptFailure` can have, each once.
    pub const CODES: &'static [&'static str] = &[
        "timeout",
        "connection_failed",
        "http_status",
        "request_failed",
        "auth_failed",
        "url_not_allowed",
    ];

    /// The stable code recorded in attempt logs.
    pub const fn code(&self) -> &'static str {
        match self {
            AttemptFailure::Timeout => "timeout",
            AttemptFailure::ConnectionFailed => "connection_failed",
            AttemptFailure::HttpStatus(_) => "http_status",
            AttemptFailure::RequestFailed => "request_failed",
            AttemptFailure::AuthFailed(_) => "auth_failed",
            AttemptFailure::UrlNotAllowed(_) => "url_not_allowed",
        }
    }
}

impl fmt::Display for AttemptFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttemptFailure::Timeout => f.write_str("no response within the timeout"),
            AttemptFailure::ConnectionFailed => f.write_str("could not connect to the receiver"),
            AttemptFailure::HttpStatus(status) => write!(f, "receiver answered HTTP {status}"),
            AttemptFailure::RequestFailed => f.write_str("the request failed"),
            AttemptFailure::AuthFailed(why) => write!(f, "no access token: {why}"),
            AttemptFailure::UrlNotAllowed(target) => {
                write!(
                    f,
                    "the destination's name resolves only to refused addresses: {target}"
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use super::*;

    #[test]
    fn only_2xx_succeeds() {
        assert!(is_success(200) && is_success(204) && is_success(299));
        assert!(!is_success(199) && !is_success(301) && !is_success(404) && !is_success(500));
        assert_eq!(AttemptFailure::HttpStatus(503).code(), "http_status");
        for failure in [
            AttemptFailure::Timeout,
            AttemptFailure::ConnectionFailed,
            AttemptFailure::HttpStatus(500),
            AttemptFailure::RequestFailed,
            AttemptFailure::AuthFailed(AuthFailure::Timeout),
            AttemptFailure::UrlNotAllowed(PrivateTarget::Loopback),
        ] {
            match failure {
                AttemptFailure::Timeout
                | AttemptFailure::ConnectionFailed
                | AttemptFailure::HttpStatus(_)
                | AttemptFailure::RequestFailed
                | AttemptFailure::AuthFailed(_)
                | AttemptFailure::UrlNotAllowed(_) => {}
            }
            assert!(AttemptFailure::CODES.contains(&failure.code()));
        }
        assert_eq!(
            AttemptFailure::UrlNotAllowed(PrivateTarget::LinkLocal).to_string(),
            "the destination's name resolves only to refused addresses: link-local address"
        );
    }
}
