//! [`VerifyError`]: what a receiver or a signer meets, with stable codes
//! shared by Rust, JS and the HTTP API.
//!
//! Payloads are names and numbers, never prose: each message is written once,
//! in `Display`, from the limits it is about.

use core::fmt;

use crate::scheme::UnknownScheme;

use crate::limits::{
    MAX_SECRET_BYTES, MAX_SECRETS, MAX_STRING_SECRET_BYTES, MIN_SECRET_BYTES,
    MIN_STRING_SECRET_BYTES,
};

/// Why a request does not verify, or a secret or scheme cannot be used.
///
/// Every variant maps to a stable, lowercase [`code`](VerifyError::code)
/// that the npm package and the HTTP API report unchanged, so a receiver can
/// branch on it in any language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// A header the scheme needs is absent. Holds the header's name.
    MissingHeader(&'static str),
    /// A header is present but malformed. Holds the header's name.
    InvalidHeader(&'static str),
    /// A secret or key cannot be used.
    InvalidSecret(SecretProblem),
    /// The signed timestamp is older than the tolerance allows.
    TimestampTooOld,
    /// The signed timestamp is further in the future than the tolerance allows.
    TimestampTooNew,
    /// No signature in the request matches any of the secrets.
    InvalidSignature,
    /// A body or message exceeds its size limit.
    PayloadTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// An unknown signing scheme name.
    InvalidScheme,
    /// A delivered body is not a valid edgehooks envelope.
    InvalidEnvelope,
}

/// What is wrong with a secret or key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SecretProblem {
    /// The secret is the empty string, or decodes to no bytes.
    Empty,
    /// No secret was given.
    NoSecrets,
    /// More secrets than [`MAX_SECRETS`] at once.
    TooMany,
    /// The secret lacks the prefix its kind starts with. Holds the prefix.
    MissingPrefix(&'static str),
    /// A `whsec_` secret whose rest is not base64.
    NotBase64,
    /// A `whsec_` secret (or random input) outside
    /// [`MIN_SECRET_BYTES`]..=[`MAX_SECRET_BYTES`] bytes.
    SecretLength,
    /// A plain-string secret outside
    /// [`MIN_STRING_SECRET_BYTES`]..=[`MAX_STRING_SECRET_BYTES`] characters.
    StringLength,
    /// A plain-string secret with characters other than visible ASCII.
    NotVisibleAscii,
    /// A `whsk_` key that is not base64 of 32 or 64 bytes.
    SigningKeyLength,
    /// A 64-byte `whsk_` key whose public half does not match its seed.
    KeyPairMismatch,
    /// A `whpk_` key that is not base64 of 32 bytes.
    PublicKeyLength,
    /// A `whpk_` key that is not a valid Ed25519 point.
    NotAPoint,
    /// Signing needs a `whsk_` signing key; only `whpk_` public keys are held.
    CannotSign,
}

impl VerifyError {
    /// Every code a `VerifyError` can have, each once.
    pub const CODES: &'static [&'static str] = &[
        "missing_header",
        "invalid_header",
        "invalid_secret",
        "timestamp_too_old",
        "timestamp_too_new",
        "invalid_signature",
        "payload_too_large",
        "invalid_scheme",
        "invalid_envelope",
    ];

    /// The stable machine-readable code of this error.
    pub const fn code(&self) -> &'static str {
        match self {
            VerifyError::MissingHeader(_) => "missing_header",
            VerifyError::InvalidHeader(_) => "invalid_header",
            VerifyError::InvalidSecret(_) => "invalid_secret",
            VerifyError::TimestampTooOld => "timestamp_too_old",
            VerifyError::TimestampTooNew => "timestamp_too_new",
            VerifyError::InvalidSignature => "invalid_signature",
            VerifyError::PayloadTooLarge { .. } => "payload_too_large",
            VerifyError::InvalidScheme => "invalid_scheme",
            VerifyError::InvalidEnvelope => "invalid_envelope",
        }
    }

    /// The HTTP status a receiver should answer with for this error: 413 for
    /// a body too large, 400 for an unusable secret, scheme or envelope, 401
    /// for a request that is not authentic.
    pub const fn http_status(&self) -> u16 {
        match self {
            VerifyError::PayloadTooLarge { .. } => 413,
            VerifyError::InvalidSecret(_)
            | VerifyError::InvalidScheme
            | VerifyError::InvalidEnvelope => 400,
            VerifyError::MissingHeader(_)
            | VerifyError::InvalidHeader(_)
            | VerifyError::TimestampTooOld
            | VerifyError::TimestampTooNew
            | VerifyError::InvalidSignature => 401,
        }
    }
}

impl From<UnknownScheme> for VerifyError {
    fn from(_: UnknownScheme) -> Self {
        VerifyError::InvalidScheme
    }
}

impl From<SecretProblem> for VerifyError {
    fn from(problem: SecretProblem) -> Self {
        VerifyError::InvalidSecret(problem)
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::MissingHeader(name) => write!(f, "missing required header `{name}`"),
            VerifyError::InvalidHeader(name) => write!(f, "header `{name}` is malformed"),
            VerifyError::InvalidSecret(problem) => write!(f, "invalid secret: {problem}"),
            VerifyError::TimestampTooOld => {
                f.write_str("webhook timestamp is too old: check the receiver's clock or replay")
            }
            VerifyError::TimestampTooNew => {
                f.write_str("webhook timestamp is in the future: check the sender's clock")
            }
            VerifyError::InvalidSignature => {
                f.write_str("no signature matches: wrong secret, or the body was altered")
            }
            VerifyError::PayloadTooLarge { limit } => {
                write!(f, "payload exceeds the limit of {limit} bytes")
            }
            VerifyError::InvalidScheme => UnknownScheme.fmt(f),
            VerifyError::InvalidEnvelope => {
                f.write_str("body is not an edgehooks delivery envelope")
            }
        }
    }
}

impl fmt::Display for SecretProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretProblem::Empty => f.write_str("the secret is empty"),
            SecretProblem::NoSecrets => f.write_str("at least one secret is needed"),
            SecretProblem::TooMany => write!(f, "at most {MAX_SECRETS} secrets at once"),
            SecretProblem::MissingPrefix(prefix) => write!(f, "it must start with {prefix}"),
            SecretProblem::NotBase64 => f.write_str("a whsec_ secret is base64 after its prefix"),
            SecretProblem::SecretLength => write!(
                f,
                "a whsec_ secret holds {MIN_SECRET_BYTES} to {MAX_SECRET_BYTES} random bytes"
            ),
            SecretProblem::StringLength => write!(
                f,
                "a secret must be {MIN_STRING_SECRET_BYTES} to {MAX_STRING_SECRET_BYTES} characters long"
            ),
            SecretProblem::NotVisibleAscii => {
                f.write_str("a secret may hold only visible ASCII characters")
            }
            SecretProblem::SigningKeyLength => {
                f.write_str("a whsk_ key is base64 of 32 or 64 bytes")
            }
            SecretProblem::KeyPairMismatch => f.write_str("the whsk_ key pair does not match"),
            SecretProblem::PublicKeyLength => f.write_str("a whpk_ key is base64 of 32 bytes"),
            SecretProblem::NotAPoint => f.write_str("the whpk_ key is not a valid Ed25519 point"),
            SecretProblem::CannotSign => f.write_str(
                "signing with standard-v1a needs a whsk_ signing key, not a whpk_ public key",
            ),
        }
    }
}

impl core::error::Error for VerifyError {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    /// One of each variant; the `match` below fails to compile when a
    /// variant is added without a sample here.
    fn samples() -> [VerifyError; 9] {
        [
            VerifyError::MissingHeader("x"),
            VerifyError::InvalidHeader("x"),
            VerifyError::InvalidSecret(SecretProblem::Empty),
            VerifyError::TimestampTooOld,
            VerifyError::TimestampTooNew,
            VerifyError::InvalidSignature,
            VerifyError::PayloadTooLarge { limit: 1 },
            VerifyError::InvalidScheme,
            VerifyError::InvalidEnvelope,
        ]
    }

    #[test]
    fn every_variant_has_a_listed_code_and_a_message() {
        let samples = samples();
        for e in samples {
            match e {
                VerifyError::MissingHeader(_)
                | VerifyError::InvalidHeader(_)
                | VerifyError::InvalidSecret(_)
                | VerifyError::TimestampTooOld
                | VerifyError::TimestampTooNew
                | VerifyError::InvalidSignature
                | VerifyError::PayloadTooLarge { .. }
                | VerifyError::InvalidScheme
                | VerifyError::InvalidEnvelope => {}
            }
            assert!(VerifyError::CODES.contains(&e.code()), "{}", e.code());
            assert!(!e.to_string().is_empty());
        }
        assert_eq!(VerifyError::CODES.len(), samples.len());
        assert_eq!(
            VerifyError::PayloadTooLarge { limit: 5 }.to_string(),
            "payload exceeds the limit of 5 bytes"
        );
        assert_eq!(
            VerifyError::InvalidScheme.to_string(),
            "unknown scheme: use standard, standard-v1a, momento, github, stripe or commenda"
        );
    }

    #[test]
    fn statuses() {
        assert_eq!(VerifyError::PayloadTooLarge { limit: 5 }.http_status(), 413);
        assert_eq!(VerifyError::InvalidSignature.http_status(), 401);
        assert_eq!(
            VerifyError::InvalidSecret(SecretProblem::Empty).http_status(),
            400
        );
    }

    #[test]
    fn secret_messages_carry_the_limits() {
        assert_eq!(
            SecretProblem::TooMany.to_string(),
            alloc::format!("at most {MAX_SECRETS} secrets at once")
        );
        assert!(
            SecretProblem::SecretLength
                .to_string()
                .contains(&MIN_SECRET_BYTES.to_string())
        );
    }
}
