//! The signing schemes edgehooks speaks and what each one puts on the wire.

use core::fmt;
use core::str::FromStr;

use serde::{Deserialize, Serialize};

/// A signing scheme: which headers carry the signature, which bytes are
/// signed, and with which algorithm.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// Standard Webhooks v1: HMAC-SHA256 over `{id}.{timestamp}.{body}`,
    /// base64, in `webhook-signature` as `v1,<sig>`.
    #[default]
    Standard,
    /// Standard Webhooks v1a: Ed25519 over `{id}.{timestamp}.{body}`, base64,
    /// as `v1a,<sig>`. The receiver holds only the `whpk_` public key.
    StandardV1a,
    /// Momento: HMAC-SHA3-256 of the body, lowercase hex, in `momento-signature`.
    Momento,
    /// GitHub: HMAC-SHA256 of the body in `x-hub-signature-256: sha256=<hex>`.
    Github,
    /// Stripe: HMAC-SHA256 over `{t}.{body}` in `stripe-signature: t=..,v1=..`.
    Stripe,
    /// Commenda: HMAC-SHA256 of the body, hex, in `commenda-x-secret`.
    Commenda,
}

/// Header names used by the schemes (lowercase).
pub mod header {
    /// Standard Webhooks message id.
    pub const WEBHOOK_ID: &str = "webhook-id";
    /// Standard Webhooks timestamp, unix seconds.
    pub const WEBHOOK_TIMESTAMP: &str = "webhook-timestamp";
    /// Standard Webhooks signature list.
    pub const WEBHOOK_SIGNATURE: &str = "webhook-signature";
    /// Svix's branded message id, accepted when `webhook-id` is absent.
    pub const SVIX_ID: &str = "svix-id";
    /// Svix's branded timestamp, accepted when `webhook-timestamp` is absent.
    pub const SVIX_TIMESTAMP: &str = "svix-timestamp";
    /// Svix's branded signature list, accepted when `webhook-signature` is absent.
    pub const SVIX_SIGNATURE: &str = "svix-signature";
    /// Momento's signature.
    pub const MOMENTO_SIGNATURE: &str = "momento-signature";
    /// GitHub's SHA-256 signature.
    pub const GITHUB_SIGNATURE: &str = "x-hub-signature-256";
    /// Stripe's signature.
    pub const STRIPE_SIGNATURE: &str = "stripe-signature";
    /// Commenda's signature.
    pub const COMMENDA_SIGNATURE: &str = "commenda-x-secret";
}

impl Scheme {
    /// Every scheme, in a stable order.
    pub const ALL: [Scheme; 6] = [
        Scheme::Standard,
        Scheme::StandardV1a,
        Scheme::Momento,
        Scheme::Github,
        Scheme::Stripe,
        Scheme::Commenda,
    ];

    /// The scheme's name as used in the API, JS and configuration.
    pub const fn name(self) -> &'static str {
        match self {
            Scheme::Standard => "standard",
            Scheme::StandardV1a => "standard-v1a",
            Scheme::Momento => "momento",
            Scheme::Github => "github",
            Scheme::Stripe => "stripe",
            Scheme::Commenda => "commenda",
        }
    }

    /// The header that carries the signature(s).
    pub const fn signature_header(self) -> &'static str {
        match self {
            Scheme::Standard | Scheme::StandardV1a => header::WEBHOOK_SIGNATURE,
            Scheme::Momento => header::MOMENTO_SIGNATURE,
            Scheme::Github => header::GITHUB_SIGNATURE,
            Scheme::Stripe => header::STRIPE_SIGNATURE,
            Scheme::Commenda => header::COMMENDA_SIGNATURE,
        }
    }

    /// Every header verification may read, lowercase: adapters pass only
    /// these across a language boundary.
    pub const fn verification_headers(self) -> &'static [&'static str] {
        match self {
            Scheme::Standard | Scheme::StandardV1a => &[
                header::WEBHOOK_ID,
                header::WEBHOOK_TIMESTAMP,
                header::WEBHOOK_SIGNATURE,
                header::SVIX_ID,
                header::SVIX_TIMESTAMP,
                header::SVIX_SIGNATURE,
            ],
            Scheme::Momento => &[header::MOMENTO_SIGNATURE],
            Scheme::Github => &[header::GITHUB_SIGNATURE],
            Scheme::Stripe => &[header::STRIPE_SIGNATURE],
            Scheme::Commenda => &[header::COMMENDA_SIGNATURE],
        }
    }

    /// Whether the signed bytes include a timestamp that verification checks
    /// against the tolerance.
    pub const fn is_timestamped(self) -> bool {
        matches!(
            self,
            Scheme::Standard | Scheme::StandardV1a | Scheme::Stripe
        )
    }

    /// Whether one request can carry several signatures (one per secret during
    /// a rotation's grace period).
    pub const fn allows_several_signatures(self) -> bool {
        self.is_timestamped()
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scheme {
    type Err = UnknownScheme;

    fn from_str(s: &str) -> Result<Self, UnknownScheme> {
        Scheme::ALL
            .into_iter()
            .find(|scheme| scheme.name() == s)
            .ok_or(UnknownScheme)
    }
}

/// A scheme name that is none of [`Scheme::ALL`]; its message lists them.
/// Becomes [`VerifyError::InvalidScheme`](crate::VerifyError::InvalidScheme)
/// with `?`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownScheme;

impl fmt::Display for UnknownScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("unknown scheme: use ")?;
        for (i, scheme) in Scheme::ALL.iter().enumerate() {
            let separator = match i {
                0 => "",
                i if i + 1 == Scheme::ALL.len() => " or ",
                _ => ", ",
            };
            write!(f, "{separator}{}", scheme.name())?;
        }
        Ok(())
    }
}

impl core::error::Error for UnknownScheme {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn names_round_trip_through_from_str_and_serde() {
        for scheme in Scheme::ALL {
            assert_eq!(scheme.name().parse::<Scheme>(), Ok(scheme));
            let json = serde_json::to_string(&scheme).expect("serialize");
            assert_eq!(json, alloc::format!("\"{}\"", scheme.name()));
            assert_eq!(
                serde_json::from_str::<Scheme>(&json).expect("parse"),
                scheme
            );
        }
        assert_eq!("Standard".parse::<Scheme>(), Err(UnknownScheme));
        assert_eq!("".parse::<Scheme>(), Err(UnknownScheme));
        assert_eq!(
            UnknownScheme.to_string(),
            "unknown scheme: use standard, standard-v1a, momento, github, stripe or commenda"
        );
    }
}
