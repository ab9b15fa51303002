//! API keys and what a caller may do with them: the authorization rules of
//! the HTTP API.
//!
//! A key reads `ehk_<token id>_<secret>`. The service stores only the
//! SHA-256 digest of the secret part, found by the token id, so a key is
//! checked with one lookup and one constant-time comparison. The token id is
//! public: it is the `token_id` of every message the key publishes.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::{AccessError, NameKind, Needed, ScopeProblem, ValidationError};
use super::fanout::PublishOrigin;
use super::model::{validate_description, validate_name};
use super::portal::{PORTAL_TOKEN_PREFIX, PortalScope};
use crate::limits::{ALL_CACHES, MAX_CACHES_PER_KEY};
use crate::secret::{Redacted, SecretString};

/// The prefix of every API key.
pub const API_KEY_PREFIX: &str = "ehk_";
/// The prefix of every token id.
pub const TOKEN_ID_PREFIX: &str = "tok_";
/// The `token_id` of what the operator publishes (with the admin key, or
/// the service itself, such as operational events): empty, as in Momento.
pub const OPERATOR_TOKEN_ID: &str = "";

/// Topics starting with this are the service's own: it publishes its
/// operational events there, and nobody else may.
pub const RESERVED_TOPIC_PREFIX: &str = "edgehooks.";
/// The topic of each cache's operational events (`webhook.disabled`).
pub const SYSTEM_TOPIC: &str = "edgehooks.system";

/// Refuses a publish by a caller to a [reserved](RESERVED_TOPIC_PREFIX)
/// topic (the service publishes there without this check).
pub fn check_publish_topic(topic: &str) -> Result<(), AccessError> {
    if topic.starts_with(RESERVED_TOPIC_PREFIX) {
        Err(AccessError::ReservedTopic)
    } else {
        Ok(())
    }
}

/// What a key may do in the caches it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Permission {
    /// Publish to topics.
    Publish,
    /// Read topics as they are published (the event stream).
    Subscribe,
    /// Create, change, inspect and delete webhooks.
    Manage,
}

/// The caches and permissions of an API key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyScope {
    /// Cache names, or `["*"]` for every cache.
    pub caches: Vec<String>,
    /// What the key may do there.
    pub permissions: Vec<Permission>,
}

impl KeyScope {
    /// Whether the scope allows `permission` in `cache`.
    pub fn allows(&self, cache: &str, permission: Permission) -> bool {
        self.permissions.contains(&permission)
            && self.caches.iter().any(|c| c == ALL_CACHES || c == cache)
    }
}

/// The body of a key-creation request.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiKeyInput {
    /// Cache names, or `["*"]`.
    pub caches: Vec<String>,
    /// Any of `publish`, `subscribe` and `manage`.
    pub permissions: Vec<Permission>,
    /// Free text for people.
    pub description: Option<String>,
}

impl ApiKeyInput {
    /// Validates the request: 1-32 distinct cache names (or `*` alone) and
    /// 1-3 distinct permissions. Returns the scope and the description.
    pub fn validate(self) -> Result<(KeyScope, String), ValidationError> {
        let caches = &self.caches;
        if caches.is_empty() || caches.len() > MAX_CACHES_PER_KEY {
            return Err(ValidationError::InvalidScope(ScopeProblem::CacheCount));
        }
        if caches.iter().any(|c| c == ALL_CACHES) && caches.len() > 1 {
            return Err(ValidationError::InvalidScope(
                ScopeProblem::WildcardNotAlone,
            ));
        }
        for (i, cache) in caches.iter().enumerate() {
            if cache != ALL_CACHES {
                validate_name(cache, NameKind::Cache)?;
            }
            if caches[..i].contains(cache) {
                return Err(ValidationError::InvalidScope(ScopeProblem::RepeatedCache));
            }
        }
        let permissions = &self.permissions;
        let repeated = permissions
            .iter()
            .enumerate()
            .any(|(i, p)| permissions[..i].contains(p));
        if permissions.is_empty() || repeated {
            return Err(ValidationError::InvalidScope(ScopeProblem::Permissions));
        }
        let description = self.description.unwrap_or_default();
        validate_description(&description)?;
        Ok((
            KeyScope {
                caches: self.caches,
                permissions: self.permissions,
            },
            description,
        ))
    }
}

/// A newly issued key: shown to its owner once, stored as `token_id` and
/// `digest` only.
#[derive(Debug)]
pub struct IssuedKey {
    /// The public id, `tok_` + 16 hex digits.
    pub token_id: String,
    /// The whole key, `ehk_<token id>_<secret>`.
    pub key: SecretString,
    /// Hex SHA-256 of the secret part: what the service stores.
    pub digest: String,
}

/// Issues a key from 40 secure random bytes (8 for the token id, 32 for the
/// secret).
pub fn issue_api_key(random: &[u8; 40]) -> IssuedKey {
    issue_key(API_KEY_PREFIX, random)
}

/// Issues a portal session's token (`ehp_<token id>_<secret>`) from 40
/// secure random bytes, stored like an API key: token id and digest.
pub fn issue_portal_token(random: &[u8; 40]) -> IssuedKey {
    issue_key(PORTAL_TOKEN_PREFIX, random)
}

fn issue_key(prefix: &str, random: &[u8; 40]) -> IssuedKey {
    let token_id = format!(
        "{TOKEN_ID_PREFIX}{}",
        base16ct::lower::encode_string(&random[..8])
    );
    let secret = zeroize::Zeroizing::new(URL_SAFE_NO_PAD.encode(&random[8..]));
    IssuedKey {
        key: SecretString::new(format!("{prefix}{token_id}_{}", secret.as_str())),
        digest: secret_digest(&secret),
        token_id,
    }
}

/// A key as presented in a request, split into its token id and the digest
/// of its secret (`Debug` shows the token id only).
pub struct PresentedKey<'a> {
    /// The token id to look the stored digest up by.
    pub token_id: &'a str,
    digest: String,
}

impl core::fmt::Debug for PresentedKey<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("PresentedKey")
            .field("token_id", &self.token_id)
            .field("digest", &Redacted)
            .finish()
    }
}

impl PresentedKey<'_> {
    /// Whether the key's secret matches a stored digest (constant time).
    pub fn matches(&self, stored_digest: &str) -> bool {
        self.digest
            .as_bytes()
            .ct_eq(stored_digest.as_bytes())
            .into()
    }
}

/// Whether `token_id` is an issued key's id: `tok_` and 16 hex digits.
pub fn is_token_id(token_id: &str) -> bool {
    token_id.strip_prefix(TOKEN_ID_PREFIX).is_some_and(|hex| {
        hex.len() == TOKEN_ID_HEX_DIGITS && hex.bytes().all(|b| b.is_ascii_hexdigit())
    })
}

/// Hex digits in a token id after its prefix (8 random bytes).
const TOKEN_ID_HEX_DIGITS: usize = 16;

/// Splits an `ehk_` key; anything malformed is [`AccessError::Unauthorized`].
pub fn parse_api_key(key: &str) -> Result<PresentedKey<'_>, AccessError> {
    parse_key(key, API_KEY_PREFIX)
}

/// Splits an `ehp_` portal session token; anything malformed is
/// [`AccessError::Unauthorized`].
pub fn parse_portal_token(token: &str) -> Result<PresentedKey<'_>, AccessError> {
    parse_key(token, PORTAL_TOKEN_PREFIX)
}

fn parse_key<'a>(key: &'a str, prefix: &str) -> Result<PresentedKey<'a>, AccessError> {
    let rest = key.strip_prefix(prefix).ok_or(AccessError::Unauthorized)?;
    let id_len = TOKEN_ID_PREFIX.len() + TOKEN_ID_HEX_DIGITS;
    let (token_id, secret) = (rest.get(..id_len), rest.get(id_len + 1..));
    match (token_id, secret) {
        (Some(token_id), Some(secret))
            if rest.as_bytes()[id_len] == b'_' && is_token_id(token_id) && !secret.is_empty() =>
        {
            Ok(PresentedKey {
                token_id,
                digest: secret_digest(secret),
            })
        }
        _ => Err(AccessError::Unauthorized),
    }
}

/// Whether `presented` is the admin key, compared in constant time (over
/// digests, so the length leaks nothing either).
pub fn admin_key_matches(presented: &str, admin_key: &str) -> bool {
    !admin_key.is_empty()
        && Sha256::digest(presented.as_bytes())
            .ct_eq(&Sha256::digest(admin_key.as_bytes()))
            .into()
}

/// The key in an `Authorization: Bearer <key>` header value.
pub fn bearer_token(authorization: Option<&str>) -> Result<&str, AccessError> {
    let value = authorization.ok_or(AccessError::Unauthorized)?;
    let (scheme, token) = value.split_once(' ').ok_or(AccessError::Unauthorized)?;
    let token = token.trim();
    if scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() {
        Ok(token)
    } else {
        Err(AccessError::Unauthorized)
    }
}

fn secret_digest(secret: &str) -> String {
    base16ct::lower::encode_string(&Sha256::digest(secret.as_bytes()))
}

/// Who is calling: the operator with the admin key, an issued key, or a
/// portal session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// The admin key (a secret of the deployment): may do everything.
    Admin,
    /// An issued API key.
    Key {
        /// Its public id.
        token_id: String,
        /// What it may do.
        scope: KeyScope,
    },
    /// A portal session: the webhooks of one cache, nothing else.
    Portal {
        /// Its public id.
        token_id: String,
        /// What it covers.
        scope: PortalScope,
    },
}

impl Caller {
    /// Allows the call, or says why not ([`AccessError::Forbidden`]).
    pub fn authorize(&self, cache: &str, permission: Permission) -> Result<(), AccessError> {
        match self {
            Caller::Admin => Ok(()),
            Caller::Key { scope, .. } if scope.allows(cache, permission) => Ok(()),
            Caller::Portal { scope, .. }
                if permission == Permission::Manage && scope.cache == cache =>
            {
                Ok(())
            }
            Caller::Key { .. } | Caller::Portal { .. } => {
                Err(AccessError::Forbidden(match permission {
                    Permission::Publish => Needed::Publish,
                    Permission::Subscribe => Needed::Subscribe,
                    Permission::Manage => Needed::Manage,
                }))
            }
        }
    }

    /// Allows only the admin key (API key management).
    pub fn require_admin(&self) -> Result<(), AccessError> {
        match self {
            Caller::Admin => Ok(()),
            Caller::Key { .. } | Caller::Portal { .. } => {
                Err(AccessError::Forbidden(Needed::Admin))
            }
        }
    }

    /// Allows a call on the webhook `name` of `cache`, one that `changes`
    /// it (or reads its secret) or only reads it: `manage` on the cache,
    /// and for a portal session, a session covering the webhook and, for a
    /// change, not read-only.
    pub fn authorize_webhook(
        &self,
        cache: &str,
        name: &str,
        changes: bool,
    ) -> Result<(), AccessError> {
        self.authorize(cache, Permission::Manage)?;
        match self {
            Caller::Portal { scope, .. } if !scope.covers(name) => {
                Err(AccessError::Forbidden(Needed::Webhook))
            }
            Caller::Portal { scope, .. } if changes && scope.read_only => {
                Err(AccessError::Forbidden(Needed::Change))
            }
            _ => Ok(()),
        }
    }

    /// Whether a listing of the cache's webhooks shows `name` to this
    /// caller (a portal session sees only the webhooks it covers).
    pub fn sees_webhook(&self, name: &str) -> bool {
        match self {
            Caller::Portal { scope, .. } => scope.covers(name),
            Caller::Admin | Caller::Key { .. } => true,
        }
    }

    /// Allows starting a portal session for `cache`: the admin key or a key
    /// with `manage` there; never a portal session.
    pub fn authorize_portal_sessions(&self, cache: &str) -> Result<(), AccessError> {
        match self {
            Caller::Portal { .. } => Err(AccessError::Forbidden(Needed::PortalSessions)),
            Caller::Admin | Caller::Key { .. } => self.authorize(cache, Permission::Manage),
        }
    }

    /// The `token_id` of messages this caller publishes (`""` for the admin key).
    pub fn token_id(&self) -> &str {
        match self {
            Caller::Admin => OPERATOR_TOKEN_ID,
            Caller::Key { token_id, .. } | Caller::Portal { token_id, .. } => token_id,
        }
    }

    /// Where this caller's messages come from, for the `ignoreForApi` rule:
    /// issued keys are the external API; the admin key is the operator's own.
    pub fn publish_origin(&self) -> PublishOrigin {
        match self {
            Caller::Admin => PublishOrigin::Operator,
            Caller::Key { .. } | Caller::Portal { .. } => PublishOrigin::ExternalApi,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;

    fn scope(caches: &[&str], permissions: &[Permission]) -> KeyScope {
        KeyScope {
            caches: caches.iter().map(|c| String::from(*c)).collect(),
            permissions: permissions.to_vec(),
        }
    }

    #[test]
    fn issued_keys_parse_and_match_only_their_digest() {
        let issued = issue_api_key(&[7; 40]);
        assert_eq!(issued.token_id, "tok_0707070707070707");
        let presented = parse_api_key(issued.key.expose()).unwrap();
        assert_eq!(presented.token_id, issued.token_id);
        assert!(presented.matches(&issued.digest));
        let other = issue_api_key(&[8; 40]);
        assert!(!presented.matches(&other.digest));
        let mut tampered = String::from(issued.key.expose());
        tampered.push('x');
        assert!(!parse_api_key(&tampered).unwrap().matches(&issued.digest));
        assert!(!format!("{issued:?}").contains(issued.key.expose()));
        let shown = format!("{presented:?}");
        assert!(shown.contains(&issued.token_id) && !shown.contains(&issued.digest));
        let secret = issued.key.expose().rsplit('_').next().unwrap();
        assert!(!shown.contains(secret), "{shown}");
    }

    #[test]
    fn malformed_keys_are_unauthorized() {
        for key in [
            "",
            "ehk_",
            "ehk_tok_0707",
            "ehk_tok_0707070707070707",
            "ehk_tok_0707070707070707_",
            "ehk_tok_0707070707070707x1",
            "whsec_abc",
            "ehk_xxx_0707070707070707_s",
            "ehk_tok_07070707070707é7_s",
        ] {
            assert_eq!(
                parse_api_key(key).unwrap_err(),
                AccessError::Unauthorized,
                "{key}"
            );
        }
    }

    #[test]
    fn bearer_header() {
        assert_eq!(bearer_token(Some("Bearer abc")).unwrap(), "abc");
        assert_eq!(bearer_token(Some("bearer  abc ")).unwrap(), "abc");
        for bad in [
            None,
            Some(""),
            Some("Bearer"),
            Some("Bearer "),
            Some("Basic abc"),
        ] {
            assert_eq!(bearer_token(bad).unwrap_err(), AccessError::Unauthorized);
        }
    }

    #[test]
    fn admin_key_comparison() {
        assert!(admin_key_matches("s3cret-admin", "s3cret-admin"));
        assert!(!admin_key_matches("s3cret-admin", "s3cret-admiN"));
        assert!(!admin_key_matches("", ""));
    }

    #[test]
    fn only_the_service_publishes_to_its_own_topics() {
        assert_eq!(
            check_publish_topic(SYSTEM_TOPIC),
            Err(AccessError::ReservedTopic)
        );
        assert_eq!(
            check_publish_topic("edgehooks.anything"),
            Err(AccessError::ReservedTopic)
        );
        assert!(
            AccessError::ReservedTopic
                .to_string()
                .contains(&alloc::format!("`{RESERVED_TOPIC_PREFIX}`"))
        );
        for topic in ["orders", "edgehooks", "Edgehooks.system", "my.edgehooks.x"] {
            assert_eq!(check_publish_topic(topic), Ok(()), "{topic}");
        }
    }

    #[test]
    fn scopes_limit_caches_and_permissions() {
        let key = Caller::Key {
            token_id: "tok_1".into(),
            scope: scope(&["shop"], &[Permission::Publish]),
        };
        assert!(key.authorize("shop", Permission::Publish).is_ok());
        assert_eq!(
            key.authorize("shop", Permission::Manage)
                .unwrap_err()
                .code(),
            "forbidden"
        );
        assert!(key.authorize("other", Permission::Publish).is_err());
        // Publishing does not grant reading the topics.
        assert_eq!(
            key.authorize("shop", Permission::Subscribe),
            Err(AccessError::Forbidden(Needed::Subscribe))
        );
        assert!(key.require_admin().is_err());
        assert_eq!(key.token_id(), "tok_1");
        assert_eq!(key.publish_origin(), PublishOrigin::ExternalApi);
        let all = scope(&["*"], &[Permission::Manage, Permission::Publish]);
        assert!(all.allows("anything", Permission::Manage));
        assert!(Caller::Admin.authorize("x", Permission::Manage).is_ok());
        assert_eq!(Caller::Admin.token_id(), "");
    }

    #[test]
    fn key_input_validation() {
        let input = |caches: Vec<&str>, permissions: Vec<Permission>| ApiKeyInput {
            caches: caches.into_iter().map(String::from).collect(),
            permissions,
            description: None,
        };
        assert!(
            input(vec!["shop", "b"], vec![Permission::Publish])
                .validate()
                .is_ok()
        );
        assert!(
            input(vec!["my cache", "caf\u{e9}"], vec![Permission::Publish])
                .validate()
                .is_ok()
        );
        assert!(
            input(vec!["*"], vec![Permission::Publish, Permission::Manage])
                .validate()
                .is_ok()
        );
        for bad in [
            input(vec![], vec![Permission::Publish]),
            input(vec!["*", "shop"], vec![Permission::Publish]),
            input(vec!["shop", "shop"], vec![Permission::Publish]),
            input(vec!["shop"], vec![]),
            input(vec!["shop"], vec![Permission::Manage, Permission::Manage]),
        ] {
            assert_eq!(bad.validate().unwrap_err().code(), "invalid_scope");
        }
        assert_eq!(
            input(vec!["bad/name"], vec![Permission::Publish])
                .validate()
                .unwrap_err()
                .code(),
            "invalid_name"
        );
    }

    fn portal(webhooks: &[&str], read_only: bool) -> Caller {
        Caller::Portal {
            token_id: "tok_0123456789abcdef".into(),
            scope: PortalScope {
                cache: "shop".into(),
                webhooks: webhooks.iter().map(|w| String::from(*w)).collect(),
                read_only,
                expires_at: 1,
            },
        }
    }

    #[test]
    fn portal_sessions_manage_their_webhooks_only() {
        let all = portal(&[], false);
        assert_eq!(all.authorize("shop", Permission::Manage), Ok(()));
        assert_eq!(all.authorize_webhook("shop", "any", true), Ok(()));
        for permission in [Permission::Publish, Permission::Subscribe] {
            assert!(all.authorize("shop", permission).is_err());
        }
        assert!(all.authorize("other", Permission::Manage).is_err());
        assert!(all.authorize_webhook("other", "any", false).is_err());
        assert_eq!(
            all.require_admin(),
            Err(AccessError::Forbidden(Needed::Admin))
        );
        assert_eq!(
            all.authorize_portal_sessions("shop"),
            Err(AccessError::Forbidden(Needed::PortalSessions))
        );

        let some = portal(&["a"], false);
        assert!(some.sees_webhook("a") && !some.sees_webhook("b"));
        assert_eq!(some.authorize_webhook("shop", "a", true), Ok(()));
        assert_eq!(
            some.authorize_webhook("shop", "b", false),
            Err(AccessError::Forbidden(Needed::Webhook))
        );

        let reader = portal(&[], true);
        assert_eq!(reader.authorize_webhook("shop", "a", false), Ok(()));
        assert_eq!(
            reader.authorize_webhook("shop", "a", true),
            Err(AccessError::Forbidden(Needed::Change))
        );
        assert_eq!(Caller::Admin.authorize_portal_sessions("x"), Ok(()));
        assert!(Caller::Admin.sees_webhook("b"));
    }

    #[test]
    fn portal_tokens_are_not_api_keys() {
        let issued = issue_portal_token(&[7; 40]);
        let token = issued.key.expose();
        assert!(token.starts_with("ehp_tok_"));
        let presented = parse_portal_token(token).expect("a portal token");
        assert!(presented.matches(&issued.digest));
        assert_eq!(parse_api_key(token).unwrap_err(), AccessError::Unauthorized);
        let key = issue_api_key(&[7; 40]);
        assert!(parse_portal_token(key.key.expose()).is_err());
    }
}
