//! [`Webhook`]: a scheme and its secrets, ready to sign and verify.

use alloc::vec::Vec;

use crate::error::{SecretProblem, VerifyError};
use crate::keys::Key;
use crate::limits::{DEFAULT_TOLERANCE_SECONDS, MAX_DELIVERED_BODY_BYTES, MAX_SECRETS};
use crate::scheme::Scheme;

/// A signing scheme with one or more secrets, parsed once, that signs and
/// verifies webhook requests.
///
/// Several secrets model a rotation: verification accepts a signature made
/// with any of them, and signing (for schemes that carry several signatures)
/// adds one per secret. For `standard-v1a`, secrets are `whsk_` signing keys
/// (sign and verify) or `whpk_` public keys (verify only).
///
/// `Debug` shows the scheme and the number of keys, never key material.
#[derive(Clone, Debug)]
pub struct Webhook {
    pub(crate) scheme: Scheme,
    pub(crate) keys: Vec<Key>,
    pub(crate) tolerance_seconds: u64,
    pub(crate) envelope_tolerance_seconds: Option<u64>,
    pub(crate) max_body_bytes: usize,
}

impl Webhook {
    /// A webhook of `scheme` with a single secret.
    pub fn new(scheme: Scheme, secret: &str) -> Result<Self, VerifyError> {
        Self::with_secrets(scheme, &[secret])
    }

    /// A webhook of `scheme` with several secrets (newest first: single
    /// signature schemes sign with the first).
    pub fn with_secrets<S: AsRef<str>>(scheme: Scheme, secrets: &[S]) -> Result<Self, VerifyError> {
        if secrets.is_empty() {
            return Err(VerifyError::InvalidSecret(SecretProblem::NoSecrets));
        }
        if secrets.len() > MAX_SECRETS {
            return Err(VerifyError::InvalidSecret(SecretProblem::TooMany));
        }
        let keys = secrets
            .iter()
            .map(|secret| Key::parse(scheme, secret.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Webhook {
            scheme,
            keys,
            tolerance_seconds: DEFAULT_TOLERANCE_SECONDS,
            envelope_tolerance_seconds: None,
            max_body_bytes: MAX_DELIVERED_BODY_BYTES,
        })
    }

    /// Sets how far, in seconds and in either direction, a signed timestamp
    /// may be from the verifier's clock (default 300).
    #[must_use]
    pub fn tolerance_seconds(mut self, seconds: u64) -> Self {
        self.tolerance_seconds = seconds;
        self
    }

    /// Sets how far, in seconds and in either direction, the delivery
    /// envelope's `publish_timestamp` may be from the verifier's clock; `None`
    /// (the default) checks no envelope.
    ///
    /// Replay protection for schemes that sign no timestamp (`momento`, and
    /// likewise `github` and `commenda`): the body is signed whole, so its
    /// publish time is as authentic as the rest of it. It is read only once
    /// a signature matched, and compared in whole seconds. A signed body that
    /// has no `publish_timestamp` of unsigned milliseconds is refused with
    /// [`VerifyError::InvalidEnvelope`]. A retry or a replay carries the
    /// message's original publish time, so it is refused once the message is
    /// older than the tolerance.
    #[must_use]
    pub fn envelope_tolerance_seconds(mut self, seconds: Option<u64>) -> Self {
        self.envelope_tolerance_seconds = seconds;
        self
    }

    /// Sets the largest body verification accepts (default 8 MiB).
    #[must_use]
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// The largest body verification accepts, in bytes.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// Whether this webhook can sign: false only for `standard-v1a` holding
    /// nothing but `whpk_` public keys.
    pub fn can_sign(&self) -> bool {
        self.keys.iter().any(Key::can_sign)
    }

    /// The envelope tolerance in seconds, if set.
    pub fn envelope_tolerance(&self) -> Option<u64> {
        self.envelope_tolerance_seconds
    }

    /// The scheme this webhook signs and verifies with.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }
}
