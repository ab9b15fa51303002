//! Secrets and keys: their formats, generation from caller-supplied entropy,
//! parsing and validation. Nothing here prints key material.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64ct::{Base64, Encoding};
use ed25519_dalek::{SigningKey, VerifyingKey};
use zeroize::{Zeroize, Zeroizing};

use crate::error::SecretProblem;
use crate::limits::{
    MAX_SECRET_BYTES, MAX_STRING_SECRET_BYTES, MIN_SECRET_BYTES, MIN_STRING_SECRET_BYTES,
};
use crate::scheme::Scheme;

/// Prefix of an HMAC secret (`whsec_` + base64 of the key bytes).
pub const SECRET_PREFIX: &str = "whsec_";
/// Prefix of an Ed25519 signing key (`whsk_` + base64 of the 32-byte seed).
pub const SIGNING_KEY_PREFIX: &str = "whsk_";
/// Prefix of an Ed25519 public key (`whpk_` + base64 of the 32-byte key).
pub const PUBLIC_KEY_PREFIX: &str = "whpk_";

/// A secret as handed to users: `whsec_...` or `whsk_...`.
///
/// `Debug` prints `SecretString([REDACTED])` and the memory is wiped on drop;
/// read it with [`expose`](SecretString::expose) only where it must leave.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(Zeroizing<String>);

impl SecretString {
    /// Wraps a secret string.
    pub fn new(secret: String) -> Self {
        SecretString(Zeroizing::new(secret))
    }

    /// The secret itself. Every call site is a place the secret leaves.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([REDACTED])")
    }
}

/// What `Debug` shows in place of a secret held as a plain string.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// `[REDACTED]` when `secret` is set, `None` when not: whether a secret was
/// given is useful to see, its value never.
pub(crate) fn redacted<T>(secret: Option<&T>) -> Option<Redacted> {
    secret.map(|_| Redacted)
}

/// Serializes the secret itself: only for storage that is encrypted as a
/// whole (the service's sealed webhook secrets).
impl serde::Serialize for SecretString {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> serde::Deserialize<'de> for SecretString {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(SecretString::new)
    }
}

impl From<String> for SecretString {
    fn from(secret: String) -> Self {
        SecretString::new(secret)
    }
}

/// Makes a new `whsec_` secret from `random` bytes, which must come from a
/// cryptographically secure generator and be 24 to 64 bytes long.
///
/// The secret serves every HMAC scheme: `standard` uses the decoded bytes as
/// the key, the others the string's UTF-8 bytes (as Stripe does).
pub fn generate_secret(random: &[u8]) -> Result<SecretString, SecretProblem> {
    if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&random.len()) {
        return Err(SecretProblem::SecretLength);
    }
    Ok(SecretString::new(prefixed_base64(SECRET_PREFIX, random)))
}

/// An Ed25519 key pair for `standard-v1a`: the sender keeps `signing_key`,
/// receivers get `public_key`.
#[derive(Clone, Debug)]
pub struct KeyPair {
    /// `whsk_` + base64 of the 32-byte seed.
    pub signing_key: SecretString,
    /// `whpk_` + base64 of the 32-byte public key.
    pub public_key: String,
}

/// Makes an Ed25519 key pair from a 32-byte seed of secure random bytes.
pub fn generate_key_pair(seed: &[u8; 32]) -> KeyPair {
    let signing = SigningKey::from_bytes(seed);
    KeyPair {
        signing_key: SecretString::new(prefixed_base64(SIGNING_KEY_PREFIX, seed)),
        public_key: encode_public_key(&signing.verifying_key()),
    }
}

/// The `whpk_` public key that belongs to a `whsk_` signing key.
pub fn public_key_of(signing_key: &str) -> Result<String, SecretProblem> {
    Ok(encode_public_key(
        &parse_signing_key(signing_key)?.verifying_key(),
    ))
}

/// A new secret for a webhook of `scheme`, from 32 secure random bytes: a
/// `whsk_` signing key for `standard-v1a`, a `whsec_` secret for the rest.
pub fn new_webhook_secret(scheme: Scheme, random: &[u8; 32]) -> SecretString {
    match scheme {
        Scheme::StandardV1a => generate_key_pair(random).signing_key,
        _ => SecretString::new(prefixed_base64(SECRET_PREFIX, random)),
    }
}

/// What a receiver of `scheme` verifies with, for the webhook secret
/// `secret`: the `whpk_` public key for `standard-v1a` (the signing key never
/// leaves the service), the secret itself for the rest.
pub fn verification_secret(
    scheme: Scheme,
    secret: &SecretString,
) -> Result<SecretString, SecretProblem> {
    match scheme {
        Scheme::StandardV1a => public_key_of(secret.expose()).map(SecretString::new),
        _ => Ok(secret.clone()),
    }
}

/// Checks a secret a user supplies for a new webhook of `scheme`, with the
/// strength rules for sending (stricter than what verification accepts).
pub fn validate_secret(scheme: Scheme, secret: &str) -> Result<(), SecretProblem> {
    match scheme {
        Scheme::Standard => {
            if !secret.starts_with(SECRET_PREFIX) {
                return Err(SecretProblem::MissingPrefix(SECRET_PREFIX));
            }
            let key = decode_hmac_key(secret)?;
            if !(MIN_SECRET_BYTES..=MAX_SECRET_BYTES).contains(&key.len()) {
                return Err(SecretProblem::SecretLength);
            }
            Ok(())
        }
        Scheme::StandardV1a => parse_signing_key(secret).map(drop),
        Scheme::Momento | Scheme::Github | Scheme::Stripe | Scheme::Commenda => {
            let len = secret.len();
            if !(MIN_STRING_SECRET_BYTES..=MAX_STRING_SECRET_BYTES).contains(&len) {
                return Err(SecretProblem::StringLength);
            }
            if !secret.bytes().all(|b| b.is_ascii_graphic()) {
                return Err(SecretProblem::NotVisibleAscii);
            }
            Ok(())
        }
    }
}

/// Decodes a `standard` secret to its HMAC key: `whsec_` + base64, or bare
/// base64 as the Standard Webhooks libraries also accept. Any non-empty key
/// verifies, for interoperability with secrets made elsewhere.
pub(crate) fn decode_hmac_key(secret: &str) -> Result<Zeroizing<Vec<u8>>, SecretProblem> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    let key = Base64::decode_vec(encoded).map_err(|_| SecretProblem::NotBase64)?;
    if key.is_empty() {
        return Err(SecretProblem::Empty);
    }
    Ok(Zeroizing::new(key))
}

/// Parses a `whsk_` signing key: base64 of the 32-byte seed, or of the 64-byte
/// seed-and-public-key form some libraries export (checked for consistency).
pub(crate) fn parse_signing_key(key: &str) -> Result<SigningKey, SecretProblem> {
    let encoded = key
        .strip_prefix(SIGNING_KEY_PREFIX)
        .ok_or(SecretProblem::MissingPrefix(SIGNING_KEY_PREFIX))?;
    let mut bytes = Zeroizing::new([0u8; 64]);
    let decoded = Base64::decode(encoded, bytes.as_mut_slice())
        .map_err(|_| SecretProblem::SigningKeyLength)?;
    match decoded.len() {
        32 => {
            let mut seed = [0u8; 32];
            seed.copy_from_slice(decoded);
            let signing = SigningKey::from_bytes(&seed);
            seed.zeroize();
            Ok(signing)
        }
        64 => {
            let mut keypair = [0u8; 64];
            keypair.copy_from_slice(decoded);
            let signing = SigningKey::from_keypair_bytes(&keypair);
            keypair.zeroize();
            signing.map_err(|_| SecretProblem::KeyPairMismatch)
        }
        _ => Err(SecretProblem::SigningKeyLength),
    }
}

/// Parses a `whpk_` public key: base64 of the 32-byte Ed25519 key.
pub(crate) fn parse_public_key(key: &str) -> Result<VerifyingKey, SecretProblem> {
    let encoded = key
        .strip_prefix(PUBLIC_KEY_PREFIX)
        .ok_or(SecretProblem::MissingPrefix(PUBLIC_KEY_PREFIX))?;
    let mut bytes = [0u8; 32];
    match Base64::decode(encoded, &mut bytes) {
        Ok(decoded) if decoded.len() == 32 => {}
        _ => return Err(SecretProblem::PublicKeyLength),
    }
    VerifyingKey::from_bytes(&bytes).map_err(|_| SecretProblem::NotAPoint)
}

fn encode_public_key(key: &VerifyingKey) -> String {
    prefixed_base64(PUBLIC_KEY_PREFIX, key.as_bytes())
}

fn prefixed_base64(prefix: &str, bytes: &[u8]) -> String {
    let mut out = String::with_capacity(prefix.len() + Base64::encoded_len(bytes));
    out.push_str(prefix);
    out.push_str(&Base64::encode_string(bytes));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn generated_secrets_have_the_documented_shape() {
        let secret = generate_secret(&[7u8; 32]).expect("secret");
        assert!(secret.expose().starts_with("whsec_"));
        assert_eq!(
            decode_hmac_key(secret.expose())
                .expect("decodes")
                .as_slice(),
            &[7u8; 32]
        );
        assert_eq!(validate_secret(Scheme::Standard, secret.expose()), Ok(()));
        assert!(generate_secret(&[0u8; 23]).is_err());
        assert!(generate_secret(&[0u8; 65]).is_err());
    }

    #[test]
    fn debug_never_shows_key_material() {
        let secret = generate_secret(&[9u8; 24]).expect("secret");
        let shown = format!("{secret:?}");
        assert!(!shown.contains(&secret.expose()[6..]));
        let pair = generate_key_pair(&[3u8; 32]);
        assert!(!format!("{pair:?}").contains(&pair.signing_key.expose()[5..]));
    }

    #[test]
    fn key_pairs_parse_back_and_match() {
        let pair = generate_key_pair(&[5u8; 32]);
        assert_eq!(
            public_key_of(pair.signing_key.expose()).expect("pk"),
            pair.public_key
        );
        assert!(parse_public_key(&pair.public_key).is_ok());
        assert!(parse_public_key(pair.signing_key.expose()).is_err());
        assert!(parse_signing_key("whsk_notbase64!").is_err());
    }

    #[test]
    fn supplied_secrets_are_checked_per_scheme() {
        assert!(validate_secret(Scheme::Standard, "whsec_c2hvcnQ=").is_err());
        assert!(validate_secret(Scheme::Standard, "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_err());
        assert!(validate_secret(Scheme::Github, "short").is_err());
        assert!(validate_secret(Scheme::Github, "a secret with spaces!").is_err());
        assert_eq!(
            validate_secret(Scheme::Stripe, "whsec_0123456789abcdef"),
            Ok(())
        );
        assert!(validate_secret(Scheme::StandardV1a, "whpk_AAAA").is_err());
    }
}
