//! Keys prepared once per secret, and the bytes each scheme signs.
//!
//! HMAC keys are kept as the keyed HMAC state (inner and outer pads already
//! absorbed), so each signature or verification clones a small state instead
//! of hashing the key again.

use alloc::vec::Vec;
use core::fmt;

use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use hmac::{Hmac, KeyInit, Mac, SimpleHmac};
use sha2::Sha256;
use sha3::Sha3_256;

use crate::error::SecretProblem;
use crate::scheme::Scheme;
use crate::secret::{SIGNING_KEY_PREFIX, decode_hmac_key, parse_public_key, parse_signing_key};

/// Length of every HMAC tag the schemes use (SHA-256 and SHA3-256).
pub(crate) const MAC_LEN: usize = 32;
/// Length of an Ed25519 signature.
pub(crate) const ED25519_SIGNATURE_LEN: usize = 64;

/// The bytes a scheme signs, as borrowed pieces: a short prefix (id,
/// timestamp, separators) and the raw body, never copied together.
#[derive(Clone, Copy)]
pub(crate) struct SignedParts<'a> {
    prefix: [&'a [u8]; 4],
    body: &'a [u8],
}

impl<'a> SignedParts<'a> {
    /// Standard Webhooks: `{id}.{timestamp}.{body}`.
    pub(crate) fn standard(id: &'a str, timestamp: &'a str, body: &'a [u8]) -> Self {
        SignedParts {
            prefix: [id.as_bytes(), b".", timestamp.as_bytes(), b"."],
            body,
        }
    }

    /// Stripe: `{t}.{body}`.
    pub(crate) fn stripe(timestamp: &'a str, body: &'a [u8]) -> Self {
        SignedParts {
            prefix: [timestamp.as_bytes(), b".", b"", b""],
            body,
        }
    }

    /// The pieces signed before the body, then the body.
    pub(crate) fn with_prefix(prefix: [&'a str; 4], body: &'a [u8]) -> Self {
        SignedParts {
            prefix: prefix.map(str::as_bytes),
            body,
        }
    }

    /// Momento, GitHub, Commenda: the body alone.
    pub(crate) fn body(body: &'a [u8]) -> Self {
        SignedParts {
            prefix: [b""; 4],
            body,
        }
    }

    fn chunks(&self) -> impl Iterator<Item = &'a [u8]> {
        self.prefix.into_iter().chain(core::iter::once(self.body))
    }

    fn to_vec(self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.chunks().map(<[u8]>::len).sum());
        self.chunks().for_each(|chunk| out.extend_from_slice(chunk));
        out
    }
}

/// One secret, parsed and ready for its scheme.
#[derive(Clone)]
pub(crate) enum Key {
    HmacSha256(Hmac<Sha256>),
    // sha3 has no eager block API, so its HMAC keeps the padded key instead.
    HmacSha3(SimpleHmac<Sha3_256>),
    Ed25519 {
        verifying: VerifyingKey,
        signing: Option<SigningKey>,
    },
}

impl Key {
    /// Parses `secret` as the scheme expects it.
    pub(crate) fn parse(scheme: Scheme, secret: &str) -> Result<Key, SecretProblem> {
        match scheme {
            Scheme::Standard => Ok(Key::HmacSha256(hmac_key(&decode_hmac_key(secret)?))),
            Scheme::Momento => Ok(Key::HmacSha3(hmac_key(non_empty(secret)?))),
            Scheme::Github | Scheme::Stripe | Scheme::Commenda => {
                Ok(Key::HmacSha256(hmac_key(non_empty(secret)?)))
            }
            Scheme::StandardV1a if secret.starts_with(SIGNING_KEY_PREFIX) => {
                let signing = parse_signing_key(secret)?;
                Ok(Key::Ed25519 {
                    verifying: signing.verifying_key(),
                    signing: Some(signing),
                })
            }
            Scheme::StandardV1a => Ok(Key::Ed25519 {
                verifying: parse_public_key(secret)?,
                signing: None,
            }),
        }
    }

    /// The raw HMAC key of `secret` for `scheme` (the bytes [`Key::parse`]
    /// keys its HMAC with), or `None` for Ed25519.
    pub(crate) fn hmac_key_bytes(
        scheme: Scheme,
        secret: &str,
    ) -> Result<Option<zeroize::Zeroizing<Vec<u8>>>, SecretProblem> {
        match scheme {
            Scheme::Standard => decode_hmac_key(secret).map(Some),
            Scheme::Momento | Scheme::Github | Scheme::Stripe | Scheme::Commenda => {
                Ok(Some(zeroize::Zeroizing::new(non_empty(secret)?.to_vec())))
            }
            Scheme::StandardV1a => Ok(None),
        }
    }

    /// Whether this key can sign (every key but an Ed25519 public key).
    pub(crate) fn can_sign(&self) -> bool {
        !matches!(self, Key::Ed25519 { signing: None, .. })
    }

    /// The HMAC tag of `parts`, or `None` for an Ed25519 key.
    pub(crate) fn mac(&self, parts: SignedParts<'_>) -> Option<[u8; MAC_LEN]> {
        match self {
            Key::HmacSha256(state) => Some(finish(state.clone(), parts)),
            Key::HmacSha3(state) => Some(finish(state.clone(), parts)),
            Key::Ed25519 { .. } => None,
        }
    }

    /// Whether `signature` is this Ed25519 key's signature of `parts`.
    /// Always false for an HMAC key.
    pub(crate) fn verifies_ed25519(
        &self,
        parts: SignedParts<'_>,
        signature: &[u8; ED25519_SIGNATURE_LEN],
    ) -> bool {
        let Key::Ed25519 { verifying, .. } = self else {
            return false;
        };
        let Ok(mut stream) = verifying.verify_stream(&Signature::from_bytes(signature)) else {
            return false;
        };
        parts.chunks().for_each(|chunk| stream.update(chunk));
        stream.finalize_and_verify().is_ok()
    }

    /// This key's Ed25519 signature of `parts`, if it holds a signing key.
    pub(crate) fn sign_ed25519(
        &self,
        parts: SignedParts<'_>,
    ) -> Option<[u8; ED25519_SIGNATURE_LEN]> {
        match self {
            // Ed25519 reads the message twice, so it needs it in one piece.
            Key::Ed25519 {
                signing: Some(signing),
                ..
            } => Some(signing.sign(&parts.to_vec()).to_bytes()),
            _ => None,
        }
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Key::HmacSha256(_) => "Key::HmacSha256([REDACTED])",
            Key::HmacSha3(_) => "Key::HmacSha3([REDACTED])",
            Key::Ed25519 { signing: None, .. } => "Key::Ed25519(public)",
            Key::Ed25519 { .. } => "Key::Ed25519([REDACTED])",
        })
    }
}

fn non_empty(secret: &str) -> Result<&[u8], SecretProblem> {
    if secret.is_empty() {
        Err(SecretProblem::Empty)
    } else {
        Ok(secret.as_bytes())
    }
}

fn hmac_key<M: KeyInit>(key: &[u8]) -> M {
    M::new_from_slice(key).expect("HMAC takes keys of any length")
}

fn finish<M: Mac>(mut state: M, parts: SignedParts<'_>) -> [u8; MAC_LEN] {
    parts.chunks().for_each(|chunk| state.update(chunk));
    let mut tag = [0u8; MAC_LEN];
    tag.copy_from_slice(&state.finalize().into_bytes());
    tag
}
