//! The delivered request: its id, its headers and its `user-agent`, the
//! same from every sender (the Worker and the native `Sender`).

use alloc::format;
use alloc::string::{String, ToString};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use crate::error::VerifyError;
use crate::scheme::header;
use crate::sign::SignedHeaders;
use crate::webhook::Webhook;

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
) -> Result<SignedHeaders, VerifyError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::headers::HeaderLookup;
    use crate::scheme::Scheme;

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
            assert_eq!(webhook.verify_at(b"{}", &headers, 1_700_000_000), Ok(()));
        }
    }
}
