//! Idempotent publishing: the `Idempotency-Key` a publisher may send, the
//! fingerprint of the request it came with, and the rule that decides what
//! a later request with the same key is.
//!
//! A key is remembered per topic for [`IDEMPOTENCY_KEY_TTL_SECONDS`]. A
//! repeat of the same request (same content type, same body) within that
//! time gets the first call's response and publishes nothing; a request
//! that reuses the key with something else is refused.

use alloc::string::String;
use core::fmt;

use sha2::{Digest, Sha256};

use crate::limits::{IDEMPOTENCY_KEY_TTL_SECONDS, MAX_IDEMPOTENCY_KEY_CHARS};

/// The request header that carries the key.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";

/// The response header that marks an answer given again for a repeat
/// (`true`).
pub const IDEMPOTENT_REPLAYED_HEADER: &str = "Idempotent-Replayed";

/// A key that cannot be used, or used for another request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdempotencyError {
    /// Empty, longer than [`MAX_IDEMPOTENCY_KEY_CHARS`], or holding a
    /// character that is not visible ASCII.
    InvalidKey,
    /// The key was sent before, within its lifetime, with another content
    /// type or body.
    KeyReused,
}

impl IdempotencyError {
    /// Every code an `IdempotencyError` can have, each once.
    pub const CODES: &'static [&'static str] =
        &["invalid_idempotency_key", "idempotency_key_reused"];

    /// The stable machine-readable code of this error.
    pub const fn code(&self) -> &'static str {
        match self {
            IdempotencyError::InvalidKey => "invalid_idempotency_key",
            IdempotencyError::KeyReused => "idempotency_key_reused",
        }
    }

    /// The HTTP status an API answers with: 400 for a malformed key, 409
    /// for a key reused with another request.
    pub const fn http_status(&self) -> u16 {
        match self {
            IdempotencyError::InvalidKey => 400,
            IdempotencyError::KeyReused => 409,
        }
    }
}

impl fmt::Display for IdempotencyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IdempotencyError::InvalidKey => write!(
                f,
                "{IDEMPOTENCY_KEY_HEADER} must be 1-{MAX_IDEMPOTENCY_KEY_CHARS} visible ASCII characters (no spaces)"
            ),
            IdempotencyError::KeyReused => write!(
                f,
                "this {IDEMPOTENCY_KEY_HEADER} was used for another request (another body or content type) on this topic"
            ),
        }
    }
}

impl core::error::Error for IdempotencyError {}

/// Checks an `Idempotency-Key`: 1 to [`MAX_IDEMPOTENCY_KEY_CHARS`]
/// visible ASCII characters (`!` to `~`).
pub fn validate_idempotency_key(key: &str) -> Result<(), IdempotencyError> {
    let visible = key.bytes().all(|b| b.is_ascii_graphic());
    if key.is_empty() || key.len() > MAX_IDEMPOTENCY_KEY_CHARS || !visible {
        return Err(IdempotencyError::InvalidKey);
    }
    Ok(())
}

/// The fingerprint of a request: the SHA-256 of its content type, a zero
/// byte (which no header value holds) and its body, as 64 lowercase hex
/// digits.
pub fn request_fingerprint(content_type: &str, body: &[u8]) -> String {
    let digest = Sha256::new()
        .chain_update(content_type.as_bytes())
        .chain_update([0u8])
        .chain_update(body)
        .finalize();
    base16ct::lower::encode_string(&digest)
}

/// What a request is whose key was recorded before.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// The record outlived its lifetime: the request is a new one.
    Expired,
    /// The same request again: it gets the recorded response.
    Same,
}

/// Judges a request with fingerprint `fingerprint` at `now_ms` whose key
/// was recorded at `recorded_at_ms` for a request with fingerprint
/// `recorded`: a repeat of it, a new request (the record expired), or
/// [`IdempotencyError::KeyReused`].
pub fn repeat_of(
    recorded: &str,
    recorded_at_ms: u64,
    fingerprint: &str,
    now_ms: u64,
) -> Result<Repeat, IdempotencyError> {
    if idempotency_key_expired(recorded_at_ms, now_ms) {
        Ok(Repeat::Expired)
    } else if recorded == fingerprint {
        Ok(Repeat::Same)
    } else {
        Err(IdempotencyError::KeyReused)
    }
}

/// Whether a key recorded at `recorded_at_ms` is forgotten at `now_ms`.
pub const fn idempotency_key_expired(recorded_at_ms: u64, now_ms: u64) -> bool {
    now_ms.saturating_sub(recorded_at_ms) >= IDEMPOTENCY_KEY_TTL_SECONDS * 1000
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn keys_are_one_to_256_visible_ascii_characters() {
        assert_eq!(validate_idempotency_key("a"), Ok(()));
        assert_eq!(validate_idempotency_key("order-42/paid:~!"), Ok(()));
        let longest = "k".repeat(MAX_IDEMPOTENCY_KEY_CHARS);
        assert_eq!(validate_idempotency_key(&longest), Ok(()));
        for bad in ["", "has space", "tab\t", "line\n", "caf\u{e9}", "\u{7f}"] {
            assert_eq!(
                validate_idempotency_key(bad),
                Err(IdempotencyError::InvalidKey),
                "{bad:?}"
            );
        }
        let too_long = "k".repeat(MAX_IDEMPOTENCY_KEY_CHARS + 1);
        assert_eq!(
            validate_idempotency_key(&too_long),
            Err(IdempotencyError::InvalidKey)
        );
    }

    #[test]
    fn the_fingerprint_covers_content_type_and_body_separately() {
        let plain = request_fingerprint("text/plain", b"hello");
        assert_eq!(plain.len(), 64);
        assert!(plain.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(plain, request_fingerprint("text/plain", b"hello"));
        assert_ne!(plain, request_fingerprint("application/json", b"hello"));
        assert_ne!(plain, request_fingerprint("text/plain", b"hello!"));
        // The boundary between the two parts counts.
        assert_ne!(
            request_fingerprint("text/plainh", b"ello"),
            request_fingerprint("text/plain", b"hello")
        );
        // SHA-256 of "\0" alone: no content type, no body.
        assert_eq!(
            request_fingerprint("", b""),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
        );
    }

    #[test]
    fn a_repeat_is_the_same_request_within_the_lifetime() {
        let day_ms = IDEMPOTENCY_KEY_TTL_SECONDS * 1000;
        let first = request_fingerprint("text/plain", b"a");
        let other = request_fingerprint("text/plain", b"b");
        assert_eq!(repeat_of(&first, 1_000, &first, 2_000), Ok(Repeat::Same));
        assert_eq!(
            repeat_of(&first, 1_000, &other, 2_000),
            Err(IdempotencyError::KeyReused)
        );
        assert_eq!(
            repeat_of(&first, 1_000, &other, 1_000 + day_ms),
            Ok(Repeat::Expired)
        );
        assert!(!idempotency_key_expired(1_000, day_ms));
        assert!(idempotency_key_expired(0, day_ms));
    }

    #[test]
    fn errors_have_listed_codes_statuses_and_messages() {
        for e in [IdempotencyError::InvalidKey, IdempotencyError::KeyReused] {
            match e {
                IdempotencyError::InvalidKey | IdempotencyError::KeyReused => {}
            }
            assert!(IdempotencyError::CODES.contains(&e.code()));
            assert!(!e.to_string().is_empty());
        }
        assert_eq!(IdempotencyError::InvalidKey.http_status(), 400);
        assert_eq!(IdempotencyError::KeyReused.http_status(), 409);
        assert!(
            IdempotencyError::InvalidKey
                .to_string()
                .contains(&MAX_IDEMPOTENCY_KEY_CHARS.to_string())
        );
    }
}
