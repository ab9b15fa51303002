//! Webhook secrets at rest: AES-256-GCM under the deployment's sealing key,
//! bound to the webhook they belong to.
//!
//! A sealed value names its key: `v2:{key id}:{base64(nonce || ciphertext)}`,
//! the key id being the first 8 hex digits of the SHA-256 of the key's 32
//! bytes (it tells which key sealed a value, and nothing of the key). Values
//! sealed before keys had ids are the bare base64; they open with whichever
//! configured key opens them. Writes always seal with the current key
//! (`SECRETS_KEY`); the previous one (`SECRETS_KEY_PREVIOUS`) only opens,
//! so a key can be rotated while the values sealed with it are resealed.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use edgehooks_core::service::WebhookSecrets;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{ApiError, ApiResult};
use crate::platform::random_bytes;

const NONCE_BYTES: usize = 12;

/// What a sealed value that names its key starts with.
const VERSION: &str = "v2";

/// Hex digits of a key id.
const KEY_ID_CHARS: usize = 8;

/// The id of a sealing key: the first 8 hex digits of its SHA-256.
pub(crate) fn key_id(key: &[u8; 32]) -> String {
    let digest = Sha256::digest(key);
    digest[..KEY_ID_CHARS / 2]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A key with its id.
struct SealingKey {
    id: String,
    cipher: Aes256Gcm,
}

impl SealingKey {
    fn new(key: &[u8; 32]) -> Self {
        SealingKey {
            id: key_id(key),
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    /// The plaintext of `base64(nonce || ciphertext)` sealed for `owner`.
    fn open(&self, encoded: &str, owner: &str) -> Option<Zeroizing<Vec<u8>>> {
        let bytes = STANDARD.decode(encoded).ok()?;
        if bytes.len() <= NONCE_BYTES {
            return None;
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: owner.as_bytes(),
                },
            )
            .ok()
            .map(Zeroizing::new)
    }
}

/// A sealed value taken apart: the key id it names (none in the format
/// before ids) and its base64 part.
fn parse(sealed: &str) -> (Option<&str>, &str) {
    let named = sealed
        .strip_prefix(VERSION)
        .and_then(|rest| rest.strip_prefix(':'))
        .and_then(|rest| rest.split_once(':'));
    match named {
        Some((id, encoded)) => (Some(id), encoded),
        // Base64 holds no `:`, so a value without the prefix is of the
        // earlier format.
        None => (None, sealed),
    }
}

/// Seals and opens webhook secrets.
pub(crate) struct Sealer {
    current: SealingKey,
    previous: Option<SealingKey>,
}

impl Sealer {
    /// Seals with `current`; opens with `current` or `previous`.
    pub(crate) fn new(current: &[u8; 32], previous: Option<&[u8; 32]>) -> Self {
        Sealer {
            current: SealingKey::new(current),
            previous: previous.map(SealingKey::new),
        }
    }

    /// `v2:{key id}:base64(nonce || ciphertext)` under the current key;
    /// `owner` (cache/name) is authenticated too, so a sealed value copied
    /// to another webhook does not open.
    pub(crate) fn seal(&self, secrets: &WebhookSecrets, owner: &str) -> ApiResult<String> {
        let plain = Zeroizing::new(
            serde_json::to_vec(secrets).map_err(|e| ApiError::internal("sealing secrets", e))?,
        );
        let nonce = random_bytes::<NONCE_BYTES>()?;
        let sealed = self
            .current
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: owner.as_bytes(),
                },
            )
            .map_err(|_| ApiError::internal("sealing secrets", "encryption failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(format!(
            "{VERSION}:{}:{}",
            self.current.id,
            STANDARD.encode(out)
        ))
    }

    /// The secrets sealed for `owner`: with the key the value names, or,
    /// in the earlier format, with whichever key opens them. A value naming
    /// a key that is neither is refused with that key's id.
    pub(crate) fn open(&self, sealed: &str, owner: &str) -> ApiResult<WebhookSecrets> {
        let failed = || ApiError::internal("opening secrets", "wrong key or damaged value");
        let mut keys = core::iter::once(&self.current).chain(&self.previous);
        let plain = match parse(sealed) {
            (Some(id), encoded) => {
                let key = keys.find(|key| key.id == id).ok_or_else(|| {
                    let named =
                        id.len() == KEY_ID_CHARS && id.bytes().all(|b| b.is_ascii_hexdigit());
                    if named {
                        ApiError::unknown_sealing_key(id)
                    } else {
                        failed()
                    }
                })?;
                key.open(encoded, owner)
            }
            (None, encoded) => keys.find_map(|key| key.open(encoded, owner)),
        };
        let plain = plain.ok_or_else(failed)?;
        serde_json::from_slice(&plain).map_err(|_| failed())
    }

    /// Whether `sealed` is sealed with the current key, in the format that
    /// names it (else resealing it changes it).
    pub(crate) fn is_current(&self, sealed: &str) -> bool {
        parse(sealed).0 == Some(self.current.id.as_str())
    }

    /// `sealed` sealed again with the current key, or `None` when it is
    /// already.
    pub(crate) fn reseal(&self, sealed: &str, owner: &str) -> ApiResult<Option<String>> {
        if self.is_current(sealed) {
            return Ok(None);
        }
        let secrets = self.open(sealed, owner)?;
        self.seal(&secrets, owner).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgehooks_core::SecretString;

    const OLD: [u8; 32] = [1; 32];
    const NEW: [u8; 32] = [2; 32];

    fn secrets() -> WebhookSecrets {
        WebhookSecrets::new(SecretString::new(
            "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=".into(),
        ))
    }

    /// A value in the format before key ids: bare `base64(nonce ||
    /// ciphertext)`, as the earlier `seal` wrote it.
    fn sealed_before_key_ids(key: &[u8; 32], owner: &str) -> String {
        let plain = serde_json::to_vec(&secrets()).unwrap();
        let nonce = [7; NONCE_BYTES];
        let sealed = Aes256Gcm::new(key.into())
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: &plain,
                    aad: owner.as_bytes(),
                },
            )
            .unwrap();
        STANDARD.encode([&nonce[..], &sealed].concat())
    }

    #[test]
    fn sealed_secrets_open_only_for_their_owner_and_key() {
        let sealer = Sealer::new(&OLD, None);
        let sealed = sealer.seal(&secrets(), "shop/hook").unwrap();
        assert!(!sealed.contains("whsec_"));
        assert_eq!(sealer.open(&sealed, "shop/hook").unwrap(), secrets());
        assert_eq!(sealer.open(&sealed, "shop/other").unwrap_err().status, 500);
        assert!(Sealer::new(&NEW, None).open(&sealed, "shop/hook").is_err());
        assert_ne!(
            sealer.seal(&secrets(), "shop/hook").unwrap(),
            sealed,
            "fresh nonce each time"
        );
    }

    #[test]
    fn a_sealed_value_names_its_key_by_id_not_by_the_key() {
        let sealed = Sealer::new(&OLD, None)
            .seal(&secrets(), "shop/hook")
            .unwrap();
        let id = key_id(&OLD);
        assert_eq!(id.len(), 8);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        );
        assert_eq!(id, "72cd6e84", "the first 8 hex digits of SHA-256([1; 32])");
        assert!(sealed.starts_with(&format!("v2:{id}:")), "{sealed}");
        assert_ne!(key_id(&NEW), id);
        let key_text = STANDARD.encode(OLD);
        assert!(!sealed.contains(&key_text));
        let key_hex: String = OLD.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!sealed.contains(&key_hex));
    }

    #[test]
    fn a_value_sealed_with_the_previous_key_opens_while_it_is_configured() {
        let sealed = Sealer::new(&OLD, None)
            .seal(&secrets(), "shop/hook")
            .unwrap();
        let rotated = Sealer::new(&NEW, Some(&OLD));
        assert_eq!(rotated.open(&sealed, "shop/hook").unwrap(), secrets());
        assert!(!rotated.is_current(&sealed));
        assert!(rotated.open(&sealed, "shop/other").is_err());
        // Writes seal with the current key.
        let resealed = rotated.reseal(&sealed, "shop/hook").unwrap().unwrap();
        assert!(resealed.starts_with(&format!("v2:{}:", key_id(&NEW))));
        assert!(rotated.is_current(&resealed));
        assert_eq!(rotated.reseal(&resealed, "shop/hook").unwrap(), None);
        let after = Sealer::new(&NEW, None);
        assert_eq!(after.open(&resealed, "shop/hook").unwrap(), secrets());
    }

    #[test]
    fn a_value_sealed_with_neither_key_is_refused_naming_its_key_id() {
        let sealed = Sealer::new(&OLD, None)
            .seal(&secrets(), "shop/hook")
            .unwrap();
        for sealer in [Sealer::new(&NEW, None), Sealer::new(&NEW, Some(&[3; 32]))] {
            let err = sealer.open(&sealed, "shop/hook").unwrap_err();
            assert_eq!((err.status, &*err.code), (500, "internal_error"));
            assert!(err.message.contains(&key_id(&OLD)), "{}", err.message);
            assert!(err.message.contains("SECRETS_KEY_PREVIOUS"));
            assert!(!err.message.contains(&STANDARD.encode(OLD)));
            assert!(sealer.reseal(&sealed, "shop/hook").is_err());
        }
    }

    #[test]
    fn values_sealed_before_key_ids_open_with_either_key() {
        let old_format = sealed_before_key_ids(&OLD, "shop/hook");
        assert!(!old_format.contains(':'));
        assert_eq!(
            Sealer::new(&OLD, None)
                .open(&old_format, "shop/hook")
                .unwrap(),
            secrets()
        );
        let rotated = Sealer::new(&NEW, Some(&OLD));
        assert_eq!(rotated.open(&old_format, "shop/hook").unwrap(), secrets());
        assert_eq!(
            Sealer::new(&OLD, Some(&NEW))
                .open(&old_format, "shop/hook")
                .unwrap(),
            secrets()
        );
        // Not current even under the key that sealed it: resealing writes
        // the format that names the key.
        let same_key = Sealer::new(&OLD, None);
        assert!(!same_key.is_current(&old_format));
        let resealed = same_key.reseal(&old_format, "shop/hook").unwrap().unwrap();
        assert!(same_key.is_current(&resealed));
        let err = Sealer::new(&NEW, None)
            .open(&old_format, "shop/hook")
            .unwrap_err();
        assert_eq!((err.status, &*err.code), (500, "internal_error"));
    }

    /// `sealed` with one character of its ciphertext changed.
    fn flipped(sealed: &str) -> String {
        let at = sealed.len() - 5;
        let other = if &sealed[at..=at] == "A" { "B" } else { "A" };
        format!("{}{other}{}", &sealed[..at], &sealed[at + 1..])
    }

    #[test]
    fn damaged_values_are_refused() {
        let sealer = Sealer::new(&OLD, Some(&NEW));
        let sealed = sealer.seal(&secrets(), "shop/hook").unwrap();
        let id = key_id(&OLD);
        for damaged in [
            String::new(),
            "v2:".to_owned(),
            format!("v2:{id}:"),
            format!("v2:{id}:AAAA"),
            format!("v2:not-an-id:{}", &sealed[12..]),
            sealed.replacen("v2:", "v3:", 1),
            flipped(&sealed),
        ] {
            let err = sealer.open(&damaged, "shop/hook").unwrap_err();
            assert_eq!(err.status, 500, "{damaged}");
            assert!(!err.message.contains("not-an-id"), "{damaged}");
        }
    }
}
