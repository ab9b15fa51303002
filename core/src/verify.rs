//! Verification: over the raw body bytes, constant-time, any secret against
//! any signature in the header, without copying or allocating.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use subtle::ConstantTimeEq;

use crate::error::VerifyError;
use crate::headers::HeaderLookup;
use alloc::vec::Vec;
use zeroize::Zeroizing;

use crate::keys::{ED25519_SIGNATURE_LEN, Key, MAC_LEN, SignedParts};
use crate::limits::{MAX_SIGNATURES_PER_HEADER, MAX_V1A_SIGNATURES};
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
    /// this webhook's secrets over these bytes, its timestamp (for the
    /// schemes that have one) is within the tolerance of `now`, and, when an
    /// [envelope tolerance](Self::envelope_tolerance_seconds) is set, the
    /// body's `publish_timestamp` is within it too.
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
        self.verify_signature(body, headers, now)?;
        self.check_envelope_at(body, now)
    }

    /// The scheme's check of the signature (and of its signed timestamp).
    fn verify_signature<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
        now: u64,
    ) -> Result<(), VerifyError> {
        if self.scheme == Scheme::StandardV1a {
            return self.verify_standard_v1a(body, headers, now);
        }
        let (prefix, candidates) = self.mac_request(headers, now)?;
        let parts = SignedParts::with_prefix(prefix, body);
        self.any_mac_matches(parts, |expected| candidates.matches(expected))
            .then_some(())
            .ok_or(VerifyError::InvalidSignature)
    }

    /// The hash of this webhook's HMAC, or `None` for `standard-v1a`
    /// (Ed25519), for callers that compute the tags themselves with
    /// [`prepare_mac_at`](Self::prepare_mac_at).
    pub fn mac_hash(&self) -> Option<MacHash> {
        match self.scheme {
            Scheme::StandardV1a => None,
            Scheme::Momento => Some(MacHash::Sha3_256),
            Scheme::Standard | Scheme::Stripe | Scheme::Github | Scheme::Commenda => {
                Some(MacHash::Sha256)
            }
        }
    }

    /// The raw HMAC key of `secret` for `scheme`, exactly as
    /// [`with_secrets`](Self::with_secrets) keys its HMAC with it (`None`
    /// for `standard-v1a`), for callers that compute the tags themselves.
    pub fn hmac_key(
        scheme: Scheme,
        secret: &str,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, VerifyError> {
        Ok(Key::hmac_key_bytes(scheme, secret)?)
    }

    /// Every check of [`verify_at`](Self::verify_at) up to the HMAC itself,
    /// for a caller that computes the tags with its own (native) HMAC:
    /// the body's length against the limit, the scheme's headers, the
    /// timestamp and tolerance, the bounds on candidates. Returns the
    /// pieces signed before the body (the tag is the HMAC, with each of
    /// the secrets' [keys](Self::hmac_key), of these pieces followed by the
    /// body) and the decoded candidate tags, which decide the verification
    /// with [`MacCandidates::matches`]; then
    /// [`check_envelope_at`](Self::check_envelope_at) finishes it.
    /// `standard-v1a` has no HMAC: it is refused with `invalid_signature`.
    pub fn prepare_mac_at<'h, H: HeaderLookup + ?Sized>(
        &self,
        body_len: usize,
        headers: &'h H,
        now: u64,
    ) -> Result<([&'h str; 4], MacCandidates), VerifyError> {
        if body_len > self.max_body_bytes {
            return Err(VerifyError::PayloadTooLarge {
                limit: self.max_body_bytes,
            });
        }
        if self.scheme == Scheme::StandardV1a {
            return Err(VerifyError::InvalidSignature);
        }
        self.mac_request(headers, now)
    }

    /// The envelope check of a body whose signature verified (nothing when
    /// no [envelope tolerance](Self::envelope_tolerance_seconds) is set).
    pub fn check_envelope_at(&self, body: &[u8], now: u64) -> Result<(), VerifyError> {
        // Only a body that verified is parsed: an unsigned one costs one MAC
        // and no JSON parsing, and its errors say nothing about its content.
        match self.envelope_tolerance_seconds {
            Some(tolerance) => {
                let published_ms = publish_timestamp_ms(body)?;
                within(published_ms / 1000, now, tolerance)
            }
            None => Ok(()),
        }
    }

    /// The HMAC schemes' header checks: the signed prefix and the candidates.
    fn mac_request<'h, H: HeaderLookup + ?Sized>(
        &self,
        headers: &'h H,
        now: u64,
    ) -> Result<([&'h str; 4], MacCandidates), VerifyError> {
        let mut candidates = MacCandidates::default();
        match self.scheme {
            Scheme::Standard | Scheme::StandardV1a => {
                let (id, timestamp, entries) = standard_headers(headers, now, self)?;
                entries
                    .filter(|(v, _)| *v == "v1")
                    .filter_map(|(_, sig)| decode_base64::<MAC_LEN>(sig))
                    .for_each(|tag| candidates.push(tag));
                Ok(([id, ".", timestamp, "."], candidates))
            }
            Scheme::Stripe => {
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
                items()
                    .filter(|(k, _)| *k == "v1")
                    .map(|(_, v)| v)
                    .take(MAX_SIGNATURES_PER_HEADER)
                    .filter_map(decode_hex_mac)
                    .for_each(|tag| candidates.push(tag));
                Ok(([timestamp, ".", "", ""], candidates))
            }
            Scheme::Github => {
                let value = required(headers, header::GITHUB_SIGNATURE)?;
                let hex = value
                    .strip_prefix("sha256=")
                    .ok_or(VerifyError::InvalidHeader(header::GITHUB_SIGNATURE))?;
                let got = decode_hex_mac(hex.trim())
                    .ok_or(VerifyError::InvalidHeader(header::GITHUB_SIGNATURE))?;
                candidates.push(got);
                Ok((["", "", "", ""], candidates))
            }
            Scheme::Momento | Scheme::Commenda => {
                let name = self.scheme.signature_header();
                let got = decode_hex_mac(required(headers, name)?.trim())
                    .ok_or(VerifyError::InvalidHeader(name))?;
                candidates.push(got);
                Ok((["", "", "", ""], candidates))
            }
        }
    }

    fn verify_standard_v1a<H: HeaderLookup + ?Sized>(
        &self,
        body: &[u8],
        headers: &H,
        now: u64,
    ) -> Result<(), VerifyError> {
        let (id, timestamp, entries) = standard_headers(headers, now, self)?;
        let parts = SignedParts::standard(id, timestamp, body);
        // Each try hashes the whole body: only the first few are tried.
        let candidates = || {
            entries
                .clone()
                .filter(|(v, _)| *v == "v1a")
                .take(MAX_V1A_SIGNATURES)
                .map(|(_, s)| s)
        };
        let matched = self.keys.iter().any(|key| {
            candidates().any(|sig| {
                decode_base64::<ED25519_SIGNATURE_LEN>(sig)
                    .is_some_and(|sig| key.verifies_ed25519(parts, &sig))
            })
        });
        matched.then_some(()).ok_or(VerifyError::InvalidSignature)
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
        within(timestamp, now, self.tolerance_seconds)
    }
}

/// The hash of an HMAC scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MacHash {
    /// HMAC-SHA256: `standard`, `stripe`, `github`, `commenda`.
    Sha256,
    /// HMAC-SHA3-256: `momento`.
    Sha3_256,
}

/// The decoded candidate tags of a request (at most
/// [`MAX_SIGNATURES_PER_HEADER`]), from
/// [`Webhook::prepare_mac_at`].
#[derive(Clone, Copy, Debug, Default)]
pub struct MacCandidates {
    tags: [[u8; MAC_LEN]; MAX_SIGNATURES_PER_HEADER],
    count: usize,
}

impl MacCandidates {
    /// The length of a tag in bytes (both hashes give 32).
    pub const TAG_LEN: usize = MAC_LEN;

    fn push(&mut self, tag: [u8; MAC_LEN]) {
        if let Some(slot) = self.tags.get_mut(self.count) {
            *slot = tag;
            self.count += 1;
        }
    }

    /// How many candidates there are (none: no tag can match).
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether there is no candidate.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Whether `tag` (a computed tag; anything not 32 bytes never matches)
    /// equals one of the candidates, compared in constant time.
    pub fn matches(&self, tag: &[u8]) -> bool {
        let Ok(tag) = <&[u8; MAC_LEN]>::try_from(tag) else {
            return false;
        };
        self.tags[..self.count]
            .iter()
            .fold(false, |found, candidate| found | macs_equal(candidate, tag))
    }
}

/// The Standard Webhooks headers: id, timestamp (checked against `now`),
/// and the signature entries (at most [`MAX_SIGNATURES_PER_HEADER`]).
fn standard_headers<'h, H: HeaderLookup + ?Sized>(
    headers: &'h H,
    now: u64,
    webhook: &Webhook,
) -> Result<
    (
        &'h str,
        &'h str,
        impl Iterator<Item = (&'h str, &'h str)> + Clone + 'h,
    ),
    VerifyError,
> {
    let id = required_or(headers, header::WEBHOOK_ID, header::SVIX_ID)?;
    let timestamp = required_or(headers, header::WEBHOOK_TIMESTAMP, header::SVIX_TIMESTAMP)?;
    let signatures = required_or(headers, header::WEBHOOK_SIGNATURE, header::SVIX_SIGNATURE)?;
    webhook.check_timestamp(parse_timestamp(timestamp, header::WEBHOOK_TIMESTAMP)?, now)?;
    // Entries are space-separated; a header sent several times arrives
    // joined with ", " (RFC 9110 section 5.3), which leaves a comma
    // after all but the last entry.
    let entries = signatures
        .split(' ')
        .filter_map(|entry| entry.trim_end_matches(',').split_once(','))
        .take(MAX_SIGNATURES_PER_HEADER);
    if entries.clone().next().is_none() {
        return Err(VerifyError::InvalidHeader(header::WEBHOOK_SIGNATURE));
    }
    Ok((id, timestamp, entries))
}

/// Whether `timestamp` is at most `tolerance` seconds from `now`, either way.
fn within(timestamp: u64, now: u64, tolerance: u64) -> Result<(), VerifyError> {
    if now.saturating_sub(timestamp) > tolerance {
        Err(VerifyError::TimestampTooOld)
    } else if timestamp.saturating_sub(now) > tolerance {
        Err(VerifyError::TimestampTooNew)
    } else {
        Ok(())
    }
}

/// The `publish_timestamp` of a delivery body, in ms. Only that field is
/// read (the rest of the JSON is checked for syntax and skipped), so a
/// Momento body verifies as well as an edgehooks envelope.
fn publish_timestamp_ms(body: &[u8]) -> Result<u64, VerifyError> {
    #[derive(serde::Deserialize)]
    struct Published {
        publish_timestamp: u64,
    }
    // A derived struct also reads a JSON array; an envelope is an object.
    if body.trim_ascii_start().first() != Some(&b'{') {
        return Err(VerifyError::InvalidEnvelope);
    }
    serde_json::from_slice::<Published>(body)
        .map(|published| published.publish_timestamp)
        .map_err(|_| VerifyError::InvalidEnvelope)
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

/// Unix seconds as plain ASCII digits (no sign, no spaces), up to
/// `u64::MAX` (20 digits), so every timestamp `sign` writes reads back.
pub(crate) fn parse_timestamp(value: &str, name: &'static str) -> Result<u64, VerifyError> {
    if value.is_empty() || value.len() > 20 || !value.bytes().all(|b| b.is_ascii_digit()) {
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

    use crate::error::VerifyError;
    use crate::scheme::Scheme;
    use crate::webhook::Webhook;

    const SECRET: &str = "momento-secret-0123456789abcdef";

    /// A body published at `ms`, signed for `momento`.
    fn momento_delivery(
        ms: u64,
    ) -> (
        alloc::string::String,
        alloc::vec::Vec<(&'static str, alloc::string::String)>,
    ) {
        let body = alloc::format!(
            r#"{{"cache":"c","topic":"t","event_timestamp":{ms},"publish_timestamp":{ms},"topic_sequence_number":1,"token_id":"","text":"x"}}"#
        );
        let headers = Webhook::new(Scheme::Momento, SECRET)
            .expect("secret")
            .sign("msg_1", 0, body.as_bytes())
            .expect("sign")
            .into_iter()
            .collect();
        (body, headers)
    }

    #[test]
    fn the_envelope_tolerance_is_off_by_default_and_checks_both_directions() {
        let now = 1_700_000_000;
        let plain = Webhook::new(Scheme::Momento, SECRET).expect("secret");
        let checked = plain.clone().envelope_tolerance_seconds(Some(60));
        let at = |seconds_ago: i64| {
            let ms =
                u64::try_from(i64::try_from(now).expect("now") - seconds_ago).expect("ms") * 1000;
            momento_delivery(ms)
        };
        for (seconds_ago, expected) in [
            (0, Ok(())),
            (60, Ok(())),
            (-60, Ok(())),
            (61, Err(VerifyError::TimestampTooOld)),
            (-61, Err(VerifyError::TimestampTooNew)),
            (1_000_000, Err(VerifyError::TimestampTooOld)),
        ] {
            let (body, headers) = at(seconds_ago);
            assert_eq!(
                checked.verify_at(body.as_bytes(), &headers, now),
                expected,
                "{seconds_ago}"
            );
            assert_eq!(
                plain.verify_at(body.as_bytes(), &headers, now),
                Ok(()),
                "{seconds_ago}"
            );
        }
        assert_eq!(
            checked.clone().envelope_tolerance_seconds(None).verify_at(
                at(1_000_000).0.as_bytes(),
                &at(1_000_000).1,
                now
            ),
            Ok(())
        );
    }

    /// The signature is checked first: a forged body is refused for its
    /// signature whatever its publish time or shape.
    #[test]
    fn the_envelope_is_read_only_after_the_signature_matched() {
        let wh = Webhook::new(Scheme::Momento, SECRET)
            .expect("secret")
            .envelope_tolerance_seconds(Some(60));
        let (_, headers) = momento_delivery(0);
        for forged in [&b"not json"[..], br#"{"publish_timestamp":0}"#, b""] {
            assert_eq!(
                wh.verify_at(forged, &headers, 1_700_000_000),
                Err(VerifyError::InvalidSignature)
            );
        }
        let signed = |body: &[u8]| {
            let headers: alloc::vec::Vec<_> =
                wh.sign("m", 0, body).expect("sign").into_iter().collect();
            wh.verify_at(body, &headers, 1_700_000_000)
        };
        for not_an_envelope in [
            &b"not json"[..],
            b"{}",
            br#"{"publish_timestamp":"1700000000000"}"#,
            br#"{"publish_timestamp":-1}"#,
            br#"{"publish_timestamp":1.7e12}"#,
            br#"{"publish_timestamp":18446744073709551616}"#,
            br#"{"publish_timestamp":1700000000000,"publish_timestamp":1700000000000}"#,
            br#"[1700000000000]"#,
        ] {
            assert_eq!(signed(not_an_envelope), Err(VerifyError::InvalidEnvelope));
        }
        assert_eq!(
            signed(br#"{"publish_timestamp":1700000000999,"extra":[1,{"a":null}]}"#),
            Ok(())
        );
    }

    #[test]
    fn envelope_times_at_the_ends_of_u64_do_not_overflow() {
        let wh = Webhook::new(Scheme::Momento, SECRET).expect("secret");
        let (old, old_headers) = momento_delivery(0);
        let (future, future_headers) = momento_delivery(u64::MAX);
        let checked = wh.clone().envelope_tolerance_seconds(Some(60));
        assert_eq!(
            checked.verify_at(old.as_bytes(), &old_headers, u64::MAX),
            Err(VerifyError::TimestampTooOld)
        );
        assert_eq!(
            checked.verify_at(future.as_bytes(), &future_headers, 0),
            Err(VerifyError::TimestampTooNew)
        );
        let wide = wh.envelope_tolerance_seconds(Some(u64::MAX));
        assert_eq!(
            wide.verify_at(old.as_bytes(), &old_headers, u64::MAX),
            Ok(())
        );
        assert_eq!(
            wide.verify_at(future.as_bytes(), &future_headers, 0),
            Ok(())
        );
    }

    /// Only the first [`MAX_V1A_SIGNATURES`] `v1a` entries are tried, each
    /// against every key: a real signature after as many forged ones is
    /// refused, one among them verifies, and entries of other versions do
    /// not count.
    #[test]
    fn only_the_first_v1a_signatures_are_tried() {
        use crate::limits::{MAX_SIGNATURES_PER_HEADER, MAX_V1A_SIGNATURES};
        use crate::secret::generate_key_pair;

        let (id, now, body) = ("msg_1", 1_700_000_000, b"{}");
        let signature = |seed: u8| {
            let key = generate_key_pair(&[seed; 32]).signing_key;
            let headers = Webhook::new(Scheme::StandardV1a, key.expose())
                .expect("key")
                .sign(id, now, body)
                .expect("sign");
            headers
                .get("webhook-signature")
                .expect("signature")
                .to_string()
        };
        let verifier = Webhook::new(Scheme::StandardV1a, &generate_key_pair(&[1; 32]).public_key)
            .expect("public key");
        let verify = |entries: &[alloc::string::String]| {
            let header = entries.join(" ");
            let now_text = now.to_string();
            let headers = [
                ("webhook-id", id),
                ("webhook-timestamp", now_text.as_str()),
                ("webhook-signature", header.as_str()),
            ];
            verifier.verify_at(body, &headers, now)
        };
        let (real, forged) = (signature(1), signature(2));
        const { assert!(MAX_V1A_SIGNATURES < MAX_SIGNATURES_PER_HEADER) };

        let mut within = alloc::vec![forged.clone(); MAX_V1A_SIGNATURES - 1];
        within.push(real.clone());
        assert_eq!(verify(&within), Ok(()));

        let mut beyond = alloc::vec![forged.clone(); MAX_V1A_SIGNATURES];
        beyond.push(real.clone());
        assert_eq!(verify(&beyond), Err(VerifyError::InvalidSignature));

        let other_version = forged.replacen("v1a,", "v1,", 1);
        let mut others = alloc::vec![other_version; MAX_V1A_SIGNATURES];
        others.push(real);
        assert_eq!(verify(&others), Ok(()));
    }

    /// A sender holding the most secrets signs with each, newest first; a
    /// receiver on the oldest still verifies within the bound.
    #[test]
    fn every_signature_of_a_full_rotation_is_tried() {
        use crate::limits::MAX_SECRETS;
        use crate::secret::generate_key_pair;

        let pairs: alloc::vec::Vec<_> = (0..MAX_SECRETS)
            .map(|seed| generate_key_pair(&[seed as u8 + 1; 32]))
            .collect();
        let signing: alloc::vec::Vec<&str> =
            pairs.iter().map(|pair| pair.signing_key.expose()).collect();
        let headers = Webhook::with_secrets(Scheme::StandardV1a, &signing)
            .expect("keys")
            .sign("msg_1", 1_700_000_000, b"{}")
            .expect("sign");
        for pair in &pairs {
            let receiver = Webhook::new(Scheme::StandardV1a, &pair.public_key).expect("key");
            assert_eq!(receiver.verify_at(b"{}", &headers, 1_700_000_000), Ok(()));
        }
    }

    /// Found by fuzzing: a timestamp of 20 digits (past `u64::MAX / 2`) was
    /// signed but refused as a malformed header.
    #[test]
    fn every_timestamp_signed_verifies() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        for scheme in [Scheme::Standard, Scheme::Stripe] {
            let wh = Webhook::new(scheme, secret).expect("secret");
            for timestamp in [u64::MAX, 10_000_000_000_000_000_000] {
                let headers = wh.sign("msg_1", timestamp, b"{}").expect("sign");
                assert_eq!(wh.verify_at(b"{}", &headers, timestamp), Ok(()), "{scheme}");
            }
        }
        let wh = Webhook::new(Scheme::Standard, secret).expect("secret");
        for malformed in ["18446744073709551616", "099999999999999999999", ""] {
            let headers = [
                ("webhook-id", "msg_1"),
                ("webhook-timestamp", malformed),
                ("webhook-signature", "v1,AAAA"),
            ];
            assert_eq!(
                wh.verify_at(b"{}", &headers, 0),
                Err(VerifyError::InvalidHeader("webhook-timestamp")),
                "{malformed:?}"
            );
        }
    }

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
