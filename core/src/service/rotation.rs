//! A webhook's secrets over time: the current one and those retired by a
//! rotation but still valid for a grace period.

use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use super::error::ValidationError;
use super::model::AuthSecret;
use crate::limits::{MAX_GRACE_SECONDS, MAX_SECRETS};
use crate::scheme::Scheme;
use crate::secret::SecretString;

/// A webhook's signing secrets, and the secret of its `auth` (client secret
/// or password). Serializes the secrets themselves: the service seals the
/// whole value before storing it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookSecrets {
    current: SecretString,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    retired: Vec<RetiredSecret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    auth: Option<SecretString>,
}

/// A secret replaced by a rotation, valid until its grace period ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RetiredSecret {
    secret: SecretString,
    valid_until_ms: u64,
}

impl WebhookSecrets {
    /// Secrets holding only `current`.
    pub fn new(current: SecretString) -> Self {
        WebhookSecrets {
            current,
            retired: Vec::new(),
            auth: None,
        }
    }

    /// The secret of the webhook's `auth`, if it has one.
    pub fn auth_secret(&self) -> Option<&SecretString> {
        self.auth.as_ref()
    }

    /// Applies what a change does to the `auth` secret.
    pub fn change_auth_secret(&mut self, change: AuthSecret) {
        match change {
            AuthSecret::Keep => {}
            AuthSecret::Set(secret) => self.auth = Some(secret),
            AuthSecret::Remove => self.auth = None,
        }
    }

    /// The newest secret.
    pub fn current(&self) -> &SecretString {
        &self.current
    }

    /// Makes `new` current. The old one stays valid for `grace_seconds`
    /// (0: not at all, the Momento behaviour); secrets whose grace is over
    /// are dropped, and at most 8 secrets are kept.
    pub fn rotate(
        &mut self,
        new: SecretString,
        grace_seconds: u32,
        now_ms: u64,
    ) -> Result<(), ValidationError> {
        validate_grace_seconds(grace_seconds)?;
        self.retired.retain(|r| r.valid_until_ms > now_ms);
        let old = core::mem::replace(&mut self.current, new);
        if grace_seconds > 0 {
            self.retired.push(RetiredSecret {
                secret: old,
                valid_until_ms: now_ms.saturating_add(u64::from(grace_seconds) * 1000),
            });
        }
        let excess = self.retired.len().saturating_sub(MAX_SECRETS - 1);
        self.retired.drain(..excess);
        Ok(())
    }

    /// When the last grace period ends, if one is running at `now_ms`.
    pub fn grace_ends_ms(&self, now_ms: u64) -> Option<u64> {
        self.valid_retired(now_ms).map(|r| r.valid_until_ms).max()
    }

    /// When the secrets a delivery is signed with next change (the first
    /// retired secret still valid at `now_ms` expires); `None` when only
    /// the current secret is valid.
    pub fn signing_changes_at(&self, now_ms: u64) -> Option<u64> {
        self.valid_retired(now_ms).map(|r| r.valid_until_ms).min()
    }

    /// The secrets a delivery at `now_ms` is signed with. Schemes that carry
    /// several signatures get one per valid secret, newest first. The others
    /// keep signing with the oldest secret still in its grace period, so
    /// receivers have the whole period to install the new one.
    pub fn signing_secrets(&self, scheme: Scheme, now_ms: u64) -> Vec<&str> {
        let mut valid = self.valid_retired(now_ms);
        if scheme.allows_several_signatures() {
            let mut all = Vec::with_capacity(1 + self.retired.len());
            all.push(self.current.expose());
            all.extend(valid.rev().map(|r| r.secret.expose()));
            all
        } else {
            let oldest = valid.next().map_or(&self.current, |r| &r.secret);
            alloc::vec![oldest.expose()]
        }
    }

    fn valid_retired(&self, now_ms: u64) -> impl DoubleEndedIterator<Item = &RetiredSecret> {
        self.retired
            .iter()
            .filter(move |r| r.valid_until_ms > now_ms)
    }
}

/// A rotation's grace period: 0 to 7 days, in seconds.
pub fn validate_grace_seconds(grace_seconds: u32) -> Result<(), ValidationError> {
    (grace_seconds <= MAX_GRACE_SECONDS)
        .then_some(())
        .ok_or(ValidationError::InvalidGracePeriod)
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;

    fn secret(s: &str) -> SecretString {
        SecretString::new(String::from(s))
    }

    #[test]
    fn grace_keeps_old_secrets_until_it_ends() {
        let mut secrets = WebhookSecrets::new(secret("a"));
        secrets.rotate(secret("b"), 60, 1_000).unwrap();
        assert_eq!(secrets.signing_secrets(Scheme::Standard, 1_000), ["b", "a"]);
        assert_eq!(secrets.signing_secrets(Scheme::Github, 1_000), ["a"]);
        assert_eq!(secrets.grace_ends_ms(1_000), Some(61_000));
        assert_eq!(secrets.signing_changes_at(1_000), Some(61_000));
        assert_eq!(secrets.signing_secrets(Scheme::Standard, 61_000), ["b"]);
        assert_eq!(secrets.signing_secrets(Scheme::Github, 61_000), ["b"]);
        assert_eq!(secrets.grace_ends_ms(61_000), None);
        assert_eq!(secrets.signing_changes_at(61_000), None);
    }

    #[test]
    fn rotation_without_grace_switches_at_once() {
        let mut secrets = WebhookSecrets::new(secret("a"));
        secrets.rotate(secret("b"), 0, 1_000).unwrap();
        assert_eq!(secrets.signing_secrets(Scheme::Stripe, 1_000), ["b"]);
        assert_eq!(secrets.current().expose(), "b");
    }

    #[test]
    fn at_most_eight_secrets_and_a_week_of_grace() {
        let mut secrets = WebhookSecrets::new(secret("s0"));
        for i in 1..20 {
            secrets
                .rotate(secret(&alloc::format!("s{i}")), 3600, 1_000)
                .unwrap();
        }
        let signing = secrets.signing_secrets(Scheme::Standard, 2_000);
        assert_eq!(signing.len(), MAX_SECRETS);
        assert_eq!(signing[0], "s19");
        assert_eq!(
            secrets
                .rotate(secret("x"), MAX_GRACE_SECONDS + 1, 0)
                .unwrap_err()
                .code(),
            "invalid_grace_period"
        );
    }

    #[test]
    fn debug_redacts() {
        let secrets = WebhookSecrets::new(secret("whsec_topsecret"));
        assert!(!alloc::format!("{secrets:?}").contains("topsecret"));
    }
}
