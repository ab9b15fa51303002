//! Signing: the headers each scheme puts on a request.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;

use base64ct::{Base64, Encoding};

use crate::error::{SecretProblem, VerifyError};
use crate::headers::HeaderLookup;
use crate::keys::{MAC_LEN, SignedParts};
use crate::limits::MAX_MESSAGE_ID_BYTES;
use crate::scheme::Scheme;
use crate::scheme::header;
use crate::webhook::Webhook;

/// The signature headers of one request, in order, names lowercase.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignedHeaders {
    entries: Vec<(&'static str, String)>,
}

impl SignedHeaders {
    /// The value of the header `name` (lowercase), if set.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.header(name)
    }

    /// All headers as `(name, value)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.entries
            .iter()
            .map(|(name, value)| (*name, value.as_str()))
    }

    /// Number of headers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(crate) fn push(&mut self, name: &'static str, value: String) {
        self.entries.push((name, value));
    }
}

impl HeaderLookup for SignedHeaders {
    fn header(&self, name: &str) -> Option<&str> {
        self.entries.as_slice().header(name)
    }
}

impl IntoIterator for SignedHeaders {
    type Item = (&'static str, String);
    type IntoIter = alloc::vec::IntoIter<(&'static str, String)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl Webhook {
    /// Signs `body` for message `msg_id` at `timestamp` (unix seconds) and
    /// returns the scheme's headers.
    ///
    /// Schemes that carry several signatures (`standard`, `standard-v1a`,
    /// `stripe`) get one per secret; the others are signed with the first.
    pub fn sign(
        &self,
        msg_id: &str,
        timestamp: u64,
        body: &[u8],
    ) -> Result<SignedHeaders, VerifyError> {
        check_message_id(msg_id)?;
        let timestamp = timestamp.to_string();
        let mut headers = SignedHeaders::default();
        match self.scheme {
            Scheme::Standard => {
                let parts = SignedParts::standard(msg_id, &timestamp, body);
                let list = self.join_macs(parts, " ", |mac| {
                    format!("v1,{}", Base64::encode_string(mac))
                });
                push_standard(&mut headers, msg_id, timestamp, list);
            }
            Scheme::StandardV1a => {
                let parts = SignedParts::standard(msg_id, &timestamp, body);
                let signatures: Vec<String> = self
                    .keys
                    .iter()
                    .filter_map(|key| key.sign_ed25519(parts))
                    .map(|sig| format!("v1a,{}", Base64::encode_string(&sig)))
                    .collect();
                if signatures.is_empty() {
                    return Err(VerifyError::InvalidSecret(SecretProblem::CannotSign));
                }
                push_standard(&mut headers, msg_id, timestamp, signatures.join(" "));
            }
            Scheme::Stripe => {
                let parts = SignedParts::stripe(&timestamp, body);
                let list = self.join_macs(parts, ",", |mac| {
                    format!("v1={}", base16ct::lower::encode_string(mac))
                });
                headers.push(header::STRIPE_SIGNATURE, format!("t={timestamp},{list}"));
            }
            Scheme::Github => {
                let hex = self.first_mac_hex(body);
                headers.push(header::GITHUB_SIGNATURE, format!("sha256={hex}"));
            }
            Scheme::Momento | Scheme::Commenda => {
                headers.push(self.scheme.signature_header(), self.first_mac_hex(body));
            }
        }
        Ok(headers)
    }

    fn join_macs(
        &self,
        parts: SignedParts<'_>,
        separator: &str,
        render: impl Fn(&[u8; MAC_LEN]) -> String,
    ) -> String {
        let rendered: Vec<String> = self
            .keys
            .iter()
            .filter_map(|key| key.mac(parts))
            .map(|mac| render(&mac))
            .collect();
        rendered.join(separator)
    }

    fn first_mac_hex(&self, body: &[u8]) -> String {
        self.keys
            .first()
            .and_then(|key| key.mac(SignedParts::body(body)))
            .map(|mac| base16ct::lower::encode_string(&mac))
            .expect("a webhook holds a key, and the single-signature schemes use HMAC keys")
    }
}

fn push_standard(headers: &mut SignedHeaders, msg_id: &str, timestamp: String, signatures: String) {
    headers.push(header::WEBHOOK_ID, msg_id.to_string());
    headers.push(header::WEBHOOK_TIMESTAMP, timestamp);
    headers.push(header::WEBHOOK_SIGNATURE, signatures);
}

/// A message id travels in a header: visible ASCII, no spaces, bounded.
fn check_message_id(msg_id: &str) -> Result<(), VerifyError> {
    let ok = !msg_id.is_empty()
        && msg_id.len() <= MAX_MESSAGE_ID_BYTES
        && msg_id.bytes().all(|b| b.is_ascii_graphic());
    ok.then_some(())
        .ok_or(VerifyError::InvalidHeader(header::WEBHOOK_ID))
}
