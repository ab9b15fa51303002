//! Verification: over the raw body bytes, constant-time, any secret against
//! any signature in the header, without copying or allocating.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use subtle::ConstantTimeEq;

use crate::error::VerifyError;
use crate::headers::HeaderLookup;
use crate::keys::{ED25519_SIGNATURE_LEN, MAC_LEN, SignedParts};
use crate::limits::MAX_SIGNATURES_PER_HEADER;
use crate::scheme::Scheme;
use crate::scheme::header;
use crate::webhook::Webhook;

impl Webhook {
    /// Verifies a request against the system clock: `body` exactly as
    /// received and its `headers`. The same as [`verify_at`](Self::verify_at)
    /// with the current unix time.
    #[cfg(feature = "std")]
    pub fn verify<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
    ) -> Result<(), VerifyError> {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |since| since.as_secs());
        self.verify_at(body, headers, now)
    }

    /// Verifies a request: `body` exactly as received, its `headers`, and
    /// `now` in unix seconds from the caller's clock.
    ///
    /// Returns `Ok(())` when a signature in the request was made with one of
    /// this webhook's secrets over these bytes, and its timestamp (for the
    /// schemes that have one) is within the tolerance of `now`.
    pub fn verify_at<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
        now: u64,
    ) -> Result<(), VerifyError> {
        if body.len() > self.max_body_bytes {
            return Err(VerifyError::PayloadTooLarge {
                limit: self.max_body_bytes,
            });
        }
        match self.scheme {
            Scheme::Standard | Scheme::StandardV1a => self.verify_standard(body, headers, now),
            Scheme::Stripe => self.verify_stripe(body, headers, now),
            Scheme::Github => {
                let value = required(headers, header::GITHUB_SIGNATURE)?;
                let hex = value
                    .strip_prefix("sha256=")
                    .ok_or(VerifyError::InvalidHeader(header::GITHUB_SIGNATURE))?;
                self.verify_single_hex(hex, header::GITHUB_SIGNATURE, body)
            }
            Scheme::Momento | Scheme::Commenda => {
                let name = self.scheme.signature_header();
                self.verify_single_hex(required(headers, name)?, name, body)
            }
        }
    }

    fn verify_standard<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
        now: u64,
    ) -> Result<(), VerifyError> {
        let id = required_or(headers, header::WEBHOOK_ID, header::SVIX_ID)?;
        let timestamp = required_or(headers, header::WEBHOOK_TIMESTAMP, header::SVIX_TIMESTAMP)?;
        let signatures = required_or(headers, header::WEBHOOK_SIGNATURE, header::SVIX_SIGNATURE)?;
        self.check_timestamp(parse_timestamp(timestamp, header::WEBHOOK_TIMESTAMP)?, now)?;

        // Entries are space-separated; a header sent several times arrives
        // joined with ", " (RFC 9110 section 5.3), which leaves a comma
        // after all but the last entry.
        let entries = || {
            signatures
                .split(' ')
                .filter_map(|entry| entry.trim_end_matches(',').split_once(','))
                .take(MAX_SIGNATURES_PER_HEADER)
        };
        if entries().next().is_none() {
            return Err(VerifyError::InvalidHeader(header::WEBHOOK_SIGNATURE));
        }
        let parts = SignedParts::standard(id, timestamp, body);
        let matched = if self.scheme == Scheme::StandardV1a {
            let candidates = || entries().filter(|(v, _)| *v == "v1a").map(|(_, s)| s);
            self.keys.iter().any(|key| {
                candidates().any(|sig| {
                    decode_base64::<ED25519_SIGNATURE_LEN>(sig)
                        .is_some_and(|sig| key.verifies_ed25519(parts, &sig))
                })
            })
        } else {
            let candidates = || entries().filter(|(v, _)| *v == "v1").map(|(_, s)| s);
            self.any_mac_matches(parts, |expected| {
                candidates().any(|sig| {
                    decode_base64::<MAC_LEN>(sig).is_some_and(|got| macs_equal(&got, expected))
                })
            })
        };
        matched.then_some(()).ok_or(VerifyError::InvalidSignature)
    }

    fn verify_stripe<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
        now: u64,
    ) -> Result<(), VerifyError> {
        let name = header::STRIPE_SIGNATURE;
        let value = required(headers, name)?;
        let items = || {
            value
                .split(',')
                .filter_map(|item| item.split_once('='))
                .map(|(k, v)| (k.trim(), v.trim()))
        };
        let timestamp = items()
            .find(|(k, _)| *k == "t")
            .map(|(_, v)| v)
            .ok_or(VerifyError::InvalidHeader(name))?;
        self.check_timestamp(parse_timestamp(timestamp, name)?, now)?;
        let parts = SignedParts::stripe(timestamp, body);
        let candidates = || {
            items()
                .filter(|(k, _)| *k == "v1")
                .map(|(_, v)| v)
                .take(MAX_SIGNATURES_PER_HEADER)
        };
        self.any_mac_matches(parts, |expected| {
            candidates()
                .any(|sig| decode_hex_mac(sig).is_some_and(|got| macs_equal(&got, expected)))
        })
        .then_some(())
        .ok_or(VerifyError::InvalidSignature)
    }

    fn verify_single_hex(
        &self,
        hex: &str,
        name: &'static str,
        body: &[u8],
    ) -> Result<(), VerifyError> {
        let got = decode_hex_mac(hex.trim()).ok_or(VerifyError::InvalidHeader(name))?;
        self.any_mac_matches(SignedParts::body(body), |expected| {
            bool::from(got.ct_eq(expected))
        })
        .then_some(())
        .ok_or(VerifyError::InvalidSignature)
    }

    /// Computes each key's tag once and asks `matches` about it.
    fn any_mac_matches(
        &self,
        parts: SignedParts<'_>,
        mut matches: impl FnMut(&[u8; MAC_LEN]) -> bool,
    ) -> bool {
        self.keys
            .iter()
            .filter_map(|key| key.mac(parts))
            .any(|expected| matches(&expected))
    }

    fn check_timestamp(&self, timestamp: u64, now: u64) -> Result<(), VerifyError> {
        if now.saturating_sub(timestamp) > self.tolerance_seconds {
            Err(VerifyError::TimestampTooOld)
        } else if timestamp.saturating_sub(now) > self.tolerance_seconds {
            Err(VerifyError::TimestampTooNew)
        } else {
            Ok(())
        }
    }
}

fn required<'h, H: HeaderLookup + ?Sized>(
    headers: &'h H,
    name: &'static str,
) -> Result<&'h str, VerifyError> {
    headers.header(name).ok_or(VerifyError::MissingHeader(name))
}

/// The Standard Webhooks header, or Svix's branded one of the same meaning.
fn required_or<'h, H: HeaderLookup + ?Sized>(
    headers: &'h H,
    name: &'static str,
    alias: &'static str,
) -> Result<&'h str, VerifyError> {
    headers
        .header(name)
        .or_else(|| headers.header(alias))
        .ok_or(VerifyError::MissingHeader(name))
}

/// Unix seconds as plain ASCII digits (no sign, no spaces).
pub(crate) fn parse_timestamp(value: &str, name: &'static str) -> Result<u64, VerifyError> {
    if value.is_empty() || value.len() > 19 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VerifyError::InvalidHeader(name));
    }
    value.parse().map_err(|_| VerifyError::InvalidHeader(name))
}

fn decode_hex_mac(hex: &str) -> Option<[u8; MAC_LEN]> {
    let mut buf = [0u8; MAC_LEN];
    match base16ct::mixed::decode(hex, &mut buf) {
        Ok(decoded) if decoded.len() == MAC_LEN => Some(buf),
        _ => None,
    }
}

/// A received base64 signature of exactly `N` bytes. The input is public, so
/// a fast table-driven decoder is fine; only the comparison must not leak.
fn decode_base64<const N: usize>(encoded: &str) -> Option<[u8; N]> {
    // Base64 of N bytes is at most 4 * ceil(N / 3) characters.
    if encoded.len() > N.div_ceil(3) * 4 {
        return None;
    }
    let mut buf = [0u8; 72];
    match BASE64.decode_slice(encoded, &mut buf) {
        Ok(len) if len == N => buf[..N].try_into().ok(),
        _ => None,
    }
}

/// Compares two tags in constant time: an OR of word XORs, with `subtle`
/// deciding the result so the compiler cannot branch on the data.
fn macs_equal(a: &[u8; MAC_LEN], b: &[u8; MAC_LEN]) -> bool {
    let diff = a
        .chunks_exact(8)
        .zip(b.chunks_exact(8))
        .map(|(x, y)| word(x) ^ word(y))
        .fold(0u64, |acc, d| acc | d);
    bool::from(diff.ct_eq(&0))
}

fn word(bytes: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(bytes);
    u64::from_ne_bytes(w)
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use crate::scheme::Scheme;
    use crate::webhook::Webhook;

    /// A repeated signature header joined as HTTP joins repeated fields
    /// verifies with either secret, for both schemes that carry several
    /// signatures in one header.
    #[test]
    fn repeated_headers_joined_with_a_comma_verify() {
        let old = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let new = "whsec_bmV3IHNlY3JldCBvZiB0aGlydHktdHdvIGJ5dA==";
        for scheme in [Scheme::Standard, Scheme::Stripe] {
            let name = scheme.signature_header();
            let signed_by = |secret| {
                let headers = Webhook::new(scheme, secret)
                    .expect("secret")
                    .sign("msg_1", 1_700_000_000, b"{}")
                    .expect("sign");
                (headers.get(name).expect("signature").to_string(), headers)
            };
            let (first, headers) = signed_by(new);
            let (second, _) = signed_by(old);
            let joined = alloc::format!("{first}, {second}");
            let mut received: alloc::vec::Vec<(&str, &str)> =
                headers.iter().filter(|(n, _)| *n != name).collect();
            received.push((name, &joined));
            for secret in [old, new] {
                let verifier = Webhook::new(scheme, secret).expect("secret");
                assert_eq!(
                    verifier.verify_at(b"{}", &received, 1_700_000_000),
                    Ok(()),
                    "{scheme}"
                );
            }
        }
    }
}
