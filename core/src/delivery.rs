//! The delivered request and how an attempt is judged: rules shared by every
//! sender (the Worker and the native `Sender`).

use alloc::format;
use alloc::string::{String, ToString};
use core::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::scheme::header;
use crate::{Error, SignedHeaders, Webhook};

/// The `user-agent` of every delivery.
pub const USER_AGENT: &str = concat!("edgehooks/", env!("CARGO_PKG_VERSION"));

/// The `webhook-id` of `message_id` delivered to the webhook `webhook_name`:
/// `msg_` and 22 URL-safe characters, the same on every attempt, different
/// for each webhook, so a receiver can use it as its idempotency key even
/// when two webhooks share one URL.
pub fn delivery_id(message_id: &str, webhook_name: &str) -> String {
    let digest = Sha256::new()
        .chain_update(message_id.as_bytes())
        .chain_update([0u8])
        .chain_update(webhook_name.as_bytes())
        .finalize();
    format!("msg_{}", URL_SAFE_NO_PAD.encode(&digest[..16]))
}

/// Every header of a delivery, in order: `content-type`, `user-agent`,
/// `webhook-id`, `webhook-timestamp` (for every scheme) and the scheme's
/// signature headers.
pub fn delivery_headers(
    webhook: &Webhook,
    webhook_id: &str,
    timestamp: u64,
    body: &[u8],
) -> Result<SignedHeaders, Error> {
    let signed = webhook.sign(webhook_id, timestamp, body)?;
    let mut headers = SignedHeaders::default();
    headers.push("content-type", "application/json".to_string());
    headers.push("user-agent", USER_AGENT.to_string());
    // Standard Webhooks schemes sign these headers themselves; add them for the rest.
    if signed.get(header::WEBHOOK_ID).is_none() {
        headers.push(header::WEBHOOK_ID, webhook_id.to_string());
        headers.push(header::WEBHOOK_TIMESTAMP, timestamp.to_string());
    }
    for (name, value) in signed {
        headers.push(name, value);
    }
    Ok(headers)
}

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
}

impl AttemptFailure {
    /// The stable code recorded in attempt logs.
    pub const fn code(&self) -> &'static str {
        match self {
            AttemptFailure::Timeout => "timeout",
            AttemptFailure::ConnectionFailed => "connection_failed",
            AttemptFailure::HttpStatus(_) => "http_status",
            AttemptFailure::RequestFailed => "request_failed",
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
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HeaderLookup;
    use crate::Scheme;

    #[test]
    fn delivery_ids_are_stable_per_message_and_webhook() {
        let id = delivery_id("orders:42", "billing");
        assert_eq!(id, delivery_id("orders:42", "billing"));
        assert_ne!(id, delivery_id("orders:42", "shipping"));
        assert_ne!(id, delivery_id("orders:43", "billing"));
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(delivery_id("ab", "c"), delivery_id("a", "bc"));
        assert_eq!(id.len(), 26);
        assert!(
            id[4..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn every_scheme_carries_id_timestamp_and_its_signature() {
        for scheme in Scheme::ALL {
            let secret = match scheme {
                Scheme::Standard => crate::generate_secret(&[3; 32])
                    .expect("secret")
                    .expose()
                    .into(),
                Scheme::StandardV1a => crate::generate_key_pair(&[3; 32])
                    .signing_key
                    .expose()
                    .into(),
                _ => String::from("0123456789abcdef0123"),
            };
            let webhook = Webhook::new(scheme, &secret).expect("webhook");
            let headers =
                delivery_headers(&webhook, "msg_x", 1_700_000_000, b"{}").expect("headers");
            assert_eq!(headers.header("content-type"), Some("application/json"));
            assert_eq!(headers.header("user-agent"), Some(USER_AGENT));
            assert_eq!(headers.header("webhook-id"), Some("msg_x"));
            assert_eq!(headers.header("webhook-timestamp"), Some("1700000000"));
            assert!(headers.header(scheme.signature_header()).is_some());
            assert_eq!(
                headers.iter().filter(|(n, _)| *n == "webhook-id").count(),
                1
            );
            assert_eq!(webhook.verify(b"{}", &headers, 1_700_000_000), Ok(()));
        }
    }

    #[test]
    fn only_2xx_succeeds() {
        assert!(is_success(200) && is_success(204) && is_success(299));
        assert!(!is_success(199) && !is_success(301) && !is_success(404) && !is_success(500));
        assert_eq!(AttemptFailure::HttpStatus(503).code(), "http_status");
    }
}
