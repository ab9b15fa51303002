//! Webhook secrets at rest: AES-256-GCM under the deployment's sealing key,
//! bound to the webhook they belong to.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use edgehooks_core::service::WebhookSecrets;
use zeroize::Zeroizing;

use crate::error::{ApiError, ApiResult};
use crate::platform::random_bytes;

const NONCE_BYTES: usize = 12;

/// Seals and opens webhook secrets.
pub(crate) struct Sealer {
    cipher: Aes256Gcm,
}

impl Sealer {
    pub(crate) fn new(key: &[u8; 32]) -> Self {
        Sealer {
            cipher: Aes256Gcm::new(key.into()),
        }
    }

    /// `base64(nonce || ciphertext)`; `owner` (cache/name) is authenticated
    /// too, so a sealed value copied to another webhook does not open.
    pub(crate) fn seal(&self, secrets: &WebhookSecrets, owner: &str) -> ApiResult<String> {
        let plain = Zeroizing::new(
            serde_json::to_vec(secrets).map_err(|e| ApiError::internal("sealing secrets", e))?,
        );
        let nonce = random_bytes::<NONCE_BYTES>()?;
        let sealed = self
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
        Ok(STANDARD.encode(out))
    }

    /// The secrets sealed by [`seal`](Self::seal) for `owner`.
    pub(crate) fn open(&self, sealed: &str, owner: &str) -> ApiResult<WebhookSecrets> {
        let failed = || ApiError::internal("opening secrets", "wrong key or damaged value");
        let bytes = STANDARD.decode(sealed).map_err(|_| failed())?;
        if bytes.len() <= NONCE_BYTES {
            return Err(failed());
        }
        let (nonce, ciphertext) = bytes.split_at(NONCE_BYTES);
        let plain = Zeroizing::new(
            self.cipher
                .decrypt(
                    Nonce::from_slice(nonce),
                    Payload {
                        msg: ciphertext,
                        aad: owner.as_bytes(),
                    },
                )
                .map_err(|_| failed())?,
        );
        serde_json::from_slice(&plain).map_err(|_| failed())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use edgehooks_core::SecretString;

    #[test]
    fn sealed_secrets_open_only_for_their_owner_and_key() {
        let secrets = WebhookSecrets::new(SecretString::new(
            "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQ=".into(),
        ));
        let sealer = Sealer::new(&[1; 32]);
        let sealed = sealer.seal(&secrets, "shop/hook").unwrap();
        assert!(!sealed.contains("whsec_"));
        assert_eq!(sealer.open(&sealed, "shop/hook").unwrap(), secrets);
        assert_eq!(sealer.open(&sealed, "shop/other").unwrap_err().status, 500);
        assert!(Sealer::new(&[2; 32]).open(&sealed, "shop/hook").is_err());
        assert_ne!(
            sealer.seal(&secrets, "shop/hook").unwrap(),
            sealed,
            "fresh nonce each time"
        );
    }
}
