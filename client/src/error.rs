//! What a call can fail with.

use core::fmt;
use core::time::Duration;
use std::time::SystemTime;

use serde::Deserialize;

use crate::body::{MAX_ERROR_BYTES, read_capped};

/// An API call's failure: the service's refusal, the transport, or an
/// answer that is not what the API documents.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The service answered with an error status. `code` is the stable
    /// code of its `{"error":{"code","message"}}` body (branch on it, not
    /// on the message), or `invalid_response` when the body was not one.
    Api {
        /// The HTTP status.
        status: u16,
        /// The stable, machine-readable code, e.g. `unauthorized`.
        code: String,
        /// Words for people.
        message: String,
        /// How long to wait before trying again, from `Retry-After`.
        retry_after: Option<Duration>,
    },
    /// The request could not be sent or its answer not read.
    Transport(reqwest::Error),
    /// A success answer whose body is not what the API documents.
    Decode {
        /// What could not be read, and why.
        message: String,
    },
    /// The base URL cannot take API paths (not `http` or `https`).
    InvalidUrl(String),
}

impl Error {
    /// The stable code: the API's for [`Error::Api`], `transport`,
    /// `invalid_response` or `invalid_url` otherwise.
    pub fn code(&self) -> &str {
        match self {
            Self::Api { code, .. } => code,
            Self::Transport(_) => "transport",
            Self::Decode { .. } => "invalid_response",
            Self::InvalidUrl(_) => "invalid_url",
        }
    }

    /// The HTTP status of an [`Error::Api`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The error of a response that is not a 2xx, from its body when it is
    /// the API's error body.
    pub(crate) fn from_response_parts(
        status: u16,
        retry_after: Option<&str>,
        body: &[u8],
        now: SystemTime,
    ) -> Self {
        #[derive(Deserialize)]
        struct Body {
            error: Detail,
        }
        #[derive(Deserialize)]
        struct Detail {
            code: String,
            message: String,
        }
        let retry_after = retry_after.and_then(|value| parse_retry_after(value, now));
        match serde_json::from_slice::<Body>(body) {
            Ok(Body { error }) => Self::Api {
                status,
                code: error.code,
                message: error.message,
                retry_after,
            },
            Err(_) => Self::Api {
                status,
                code: "invalid_response".into(),
                message: format!("HTTP {status} without an edgehooks error body"),
                retry_after,
            },
        }
    }

    /// Reads the error of a response that is not a 2xx.
    pub(crate) async fn from_response(response: reqwest::Response) -> Self {
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        // An unreadable or oversized body still leaves the status.
        let body = read_capped(response, MAX_ERROR_BYTES)
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        Self::from_response_parts(status, retry_after.as_deref(), &body, SystemTime::now())
    }

    pub(crate) fn decode(what: &str, error: impl fmt::Display) -> Self {
        Self::Decode {
            message: format!("{what}: {error}"),
        }
    }
}

/// `Retry-After` as delta-seconds or an HTTP date.
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Api { code, message, .. } => write!(f, "{code}: {message}"),
            Self::Transport(error) => write!(f, "transport: {error}"),
            Self::Decode { message } => write!(f, "invalid_response: {message}"),
            Self::InvalidUrl(message) => write!(f, "invalid_url: {message}"),
        }
    }
}

impl core::error::Error for Error {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            Self::Transport(error) => Some(error),
            _ => None,
        }
    }
}

impl From<reqwest::Error> for Error {
    fn from(error: reqwest::Error) -> Self {
        Self::Transport(error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: u64) -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)
    }

    #[test]
    fn api_error_body() {
        let body = br#"{"error":{"code":"unauthorized","message":"missing or unknown API key"}}"#;
        let error = Error::from_response_parts(401, None, body, at(0));
        assert_eq!(error.code(), "unauthorized");
        assert_eq!(error.status(), Some(401));
        assert_eq!(
            error.to_string(),
            "unauthorized: missing or unknown API key"
        );
        assert!(matches!(
            error,
            Error::Api {
                retry_after: None,
                ..
            }
        ));
    }

    #[test]
    fn retry_after_seconds_and_date() {
        let body = br#"{"error":{"code":"rate_limited","message":"slow down"}}"#;
        let error = Error::from_response_parts(429, Some(" 7 "), body, at(0));
        assert!(
            matches!(error, Error::Api { retry_after: Some(d), .. } if d == Duration::from_secs(7))
        );
        // 1994-11-06T08:49:37Z, read 30 s before.
        let date = "Sun, 06 Nov 1994 08:49:37 GMT";
        let error = Error::from_response_parts(503, Some(date), body, at(784_111_777 - 30));
        assert!(
            matches!(error, Error::Api { retry_after: Some(d), .. } if d == Duration::from_secs(30))
        );
        let error = Error::from_response_parts(503, Some("soon"), body, at(0));
        assert!(matches!(
            error,
            Error::Api {
                retry_after: None,
                ..
            }
        ));
    }

    #[test]
    fn body_that_is_not_the_apis() {
        let error = Error::from_response_parts(502, None, b"<html>Bad gateway</html>", at(0));
        assert_eq!(error.code(), "invalid_response");
        assert_eq!(error.status(), Some(502));
        assert_eq!(
            error.to_string(),
            "invalid_response: HTTP 502 without an edgehooks error body"
        );
        let error = Error::from_response_parts(500, None, br#"{"error":"boom"}"#, at(0));
        assert_eq!(error.code(), "invalid_response");
    }
}
