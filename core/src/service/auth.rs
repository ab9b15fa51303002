//! Authentication on delivery: how a webhook proves itself to its endpoint,
//! beside the signature. OAuth 2.0 client credentials (RFC 6749 section
//! 4.4) or HTTP Basic.
//!
//! The rules are here, once: what a valid `auth` is, the token request to
//! send, how to read the token endpoint's answer, how long a token is kept,
//! and the `Authorization` header. Every sender (the Worker, the native
//! `Sender`) brings only its HTTP client and clock.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use url::form_urlencoded;

use super::error::{AuthProblem, ValidationError};
use super::post_url::{UrlPolicy, validate_post_url};
use crate::limits::{MAX_AUTH_FIELD_CHARS, MAX_TOKEN_LIFETIME_SECONDS};
use crate::secret::{SecretString, redacted};

/// How deliveries authenticate, as stored and shown: everything but the
/// secret (client secret or password), which is sealed with the signing
/// secrets and never returned.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum DeliveryAuth {
    /// An OAuth 2.0 access token from the client credentials grant, sent as
    /// `Authorization: Bearer <token>`.
    #[serde(rename = "oauth2")]
    OAuth2(OAuth2),
    /// `Authorization: Basic` with a user name and password.
    Basic(Basic),
}

/// The OAuth 2.0 client credentials settings of a webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OAuth2 {
    /// The authorization server's token endpoint.
    pub token_url: String,
    /// The client id.
    pub client_id: String,
    /// The scope to ask for, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// The audience to ask for, if any (an extension many servers accept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    /// How the client authenticates to the token endpoint.
    #[serde(default)]
    pub client_auth: ClientAuth,
    /// Always `true` in what is shown: the client secret is held, sealed.
    #[serde(default = "yes", skip_deserializing)]
    pub client_secret_set: bool,
}

/// HTTP Basic settings of a webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Basic {
    /// The user name.
    pub username: String,
    /// Always `true` in what is shown: the password is held, sealed.
    #[serde(default = "yes", skip_deserializing)]
    pub password_set: bool,
}

fn yes() -> bool {
    true
}

/// How a client authenticates to the token endpoint (RFC 6749 section
/// 2.3.1).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClientAuth {
    /// `Authorization: Basic` with the form-encoded id and secret (default).
    #[default]
    Basic,
    /// `client_id` and `client_secret` in the request body.
    Body,
}

/// `auth` as a request gives it: the settings and the secret.
#[derive(Clone, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum AuthInput {
    /// OAuth 2.0 client credentials.
    #[serde(rename = "oauth2", rename_all = "camelCase")]
    OAuth2 {
        /// The token endpoint.
        token_url: String,
        /// The client id.
        client_id: String,
        /// The client secret; may be left out of a change that keeps the
        /// type, to keep the secret held.
        client_secret: Option<String>,
        /// The scope to ask for.
        scope: Option<String>,
        /// The audience to ask for.
        audience: Option<String>,
        /// `basic` (default) or `body`.
        client_auth: Option<ClientAuth>,
    },
    /// HTTP Basic.
    Basic {
        /// The user name.
        username: String,
        /// The password; may be left out of a change that keeps the type.
        password: Option<String>,
    },
}

/// Shows whether a secret was given, never its value.
impl fmt::Debug for AuthInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthInput::OAuth2 {
                token_url,
                client_id,
                client_secret,
                scope,
                audience,
                client_auth,
            } => f
                .debug_struct("AuthInput::OAuth2")
                .field("token_url", token_url)
                .field("client_id", client_id)
                .field("client_secret", &redacted(client_secret.as_ref()))
                .field("scope", scope)
                .field("audience", audience)
                .field("client_auth", client_auth)
                .finish(),
            AuthInput::Basic { username, password } => f
                .debug_struct("AuthInput::Basic")
                .field("username", username)
                .field("password", &redacted(password.as_ref()))
                .finish(),
        }
    }
}

/// A checked `auth`: the settings to store and the secret to seal (`None`
/// when the request left it out to keep the one held).
pub type CheckedAuth = (DeliveryAuth, Option<SecretString>);

impl AuthInput {
    /// Checks the settings; `current` is the `auth` held before this change,
    /// whose secret a request of the same type may keep by leaving it out.
    pub fn check(
        self,
        current: Option<&DeliveryAuth>,
        policy: UrlPolicy,
    ) -> Result<CheckedAuth, ValidationError> {
        match self {
            AuthInput::OAuth2 {
                token_url,
                client_id,
                client_secret,
                scope,
                audience,
                client_auth,
            } => {
                let token_url = validate_post_url(&token_url, policy)?.into();
                check_field(&client_id)?;
                for optional in [&scope, &audience].into_iter().flatten() {
                    check_field(optional)?;
                }
                let keeps = matches!(current, Some(DeliveryAuth::OAuth2(_)));
                let secret = checked_secret(client_secret, keeps)?;
                let auth = DeliveryAuth::OAuth2(OAuth2 {
                    token_url,
                    client_id,
                    scope,
                    audience,
                    client_auth: client_auth.unwrap_or_default(),
                    client_secret_set: true,
                });
                Ok((auth, secret))
            }
            AuthInput::Basic { username, password } => {
                check_field(&username)?;
                if username.contains(':') {
                    return Err(ValidationError::InvalidAuth(AuthProblem::ColonInUsername));
                }
                let keeps = matches!(current, Some(DeliveryAuth::Basic(_)));
                let secret = checked_secret(password, keeps)?;
                let auth = DeliveryAuth::Basic(Basic {
                    username,
                    password_set: true,
                });
                Ok((auth, secret))
            }
        }
    }
}

/// A field of `auth`: 1 to [`MAX_AUTH_FIELD_CHARS`] visible characters.
fn check_field(value: &str) -> Result<(), ValidationError> {
    let ok = (1..=MAX_AUTH_FIELD_CHARS).contains(&value.chars().count())
        && !value.chars().any(char::is_control);
    ok.then_some(())
        .ok_or(ValidationError::InvalidAuth(AuthProblem::Field))
}

fn checked_secret(
    secret: Option<String>,
    may_keep: bool,
) -> Result<Option<SecretString>, ValidationError> {
    match secret {
        Some(secret) => {
            check_field(&secret)?;
            Ok(Some(SecretString::new(secret)))
        }
        None if may_keep => Ok(None),
        None => Err(ValidationError::InvalidAuth(AuthProblem::MissingSecret)),
    }
}

/// The `Authorization` value of HTTP Basic for `username` and `password`.
pub fn basic_authorization(username: &str, password: &str) -> SecretString {
    let pair = zeroize::Zeroizing::new(format!("{username}:{password}"));
    SecretString::new(format!("Basic {}", STANDARD.encode(pair.as_bytes())))
}

/// The `Authorization` value for an access token.
pub fn bearer_authorization(token: &str) -> SecretString {
    SecretString::new(format!("Bearer {token}"))
}

/// A token request, ready for any HTTP client: POST `body` to `url` with
/// `headers`.
#[derive(Debug)]
pub struct TokenRequest {
    /// The token endpoint.
    pub url: String,
    /// `content-type`, `accept`, and `authorization` for Basic client auth.
    pub headers: Vec<(&'static str, SecretString)>,
    /// The form-encoded grant; holds the client secret with `body` auth.
    pub body: SecretString,
}

impl OAuth2 {
    /// The client credentials grant for this client with `client_secret`.
    pub fn token_request(&self, client_secret: &str) -> TokenRequest {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("grant_type", "client_credentials");
        if let Some(scope) = &self.scope {
            form.append_pair("scope", scope);
        }
        if let Some(audience) = &self.audience {
            form.append_pair("audience", audience);
        }
        let mut headers = alloc::vec![
            (
                "content-type",
                SecretString::new("application/x-www-form-urlencoded".into())
            ),
            ("accept", SecretString::new("application/json".into())),
        ];
        match self.client_auth {
            ClientAuth::Basic => {
                let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect();
                let id: String = encode(&self.client_id);
                let secret = zeroize::Zeroizing::new(encode(client_secret));
                headers.push(("authorization", basic_authorization(&id, &secret)));
            }
            ClientAuth::Body => {
                form.append_pair("client_id", &self.client_id);
                form.append_pair("client_secret", client_secret);
            }
        }
        TokenRequest {
            url: self.token_url.clone(),
            headers,
            body: SecretString::new(form.finish()),
        }
    }
}

/// An access token and when to stop using it.
#[derive(Clone, Debug)]
pub struct AccessToken {
    token: SecretString,
    use_until_ms: u64,
}

impl AccessToken {
    /// The `Authorization` header value for this token.
    pub fn authorization(&self) -> SecretString {
        bearer_authorization(self.token.expose())
    }
}

/// The successful answer of a token endpoint (RFC 6749 section 5.1).
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    token_type: String,
    expires_in: Option<u64>,
}

/// An error answer of a token endpoint (RFC 6749 section 5.2).
#[derive(Deserialize)]
struct ErrorAnswer {
    error: String,
}

/// Reads a token endpoint's answer, received at `now_ms`: the token, kept
/// until shortly before it expires, or why there is none.
pub fn read_token_answer(
    status: u16,
    body: &[u8],
    now_ms: u64,
) -> Result<AccessToken, AuthFailure> {
    if !(200..=299).contains(&status) {
        let refusal = serde_json::from_slice::<ErrorAnswer>(body)
            .map(|answer| TokenRefusal::from_code(&answer.error))
            .unwrap_or(TokenRefusal::Other);
        return Err(AuthFailure::Refused { status, refusal });
    }
    let answer: TokenAnswer =
        serde_json::from_slice(body).map_err(|_| AuthFailure::MalformedAnswer)?;
    if !answer.token_type.eq_ignore_ascii_case("bearer") || answer.access_token.is_empty() {
        return Err(AuthFailure::MalformedAnswer);
    }
    let lifetime_s = answer
        .expires_in
        .unwrap_or(DEFAULT_TOKEN_LIFETIME_SECONDS)
        .min(MAX_TOKEN_LIFETIME_SECONDS);
    // Renew before the end: a tenth of the lifetime, at most a minute.
    let margin_ms = (lifetime_s * 100).min(60_000);
    Ok(AccessToken {
        token: SecretString::new(answer.access_token),
        use_until_ms: now_ms + lifetime_s * 1000 - margin_ms,
    })
}

/// How long a token without `expires_in` is used, in seconds.
const DEFAULT_TOKEN_LIFETIME_SECONDS: u64 = 300;

/// The token a webhook holds, if it is still good to use.
#[derive(Clone, Debug, Default)]
pub struct TokenCache {
    held: Option<AccessToken>,
}

impl TokenCache {
    /// The token to send at `now_ms`, if one is held and not about to expire.
    pub fn current(&self, now_ms: u64) -> Option<&AccessToken> {
        self.held.as_ref().filter(|t| now_ms < t.use_until_ms)
    }

    /// Holds `token` for the next attempts.
    pub fn store(&mut self, token: AccessToken) {
        self.held = Some(token);
    }

    /// Drops the token: the endpoint answered 401, so the next attempt
    /// fetches a new one.
    pub fn clear(&mut self) {
        self.held = None;
    }
}

/// Why no access token could be had.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthFailure {
    /// The token endpoint could not be reached.
    Unreachable,
    /// The token endpoint did not answer within the webhook's timeout.
    Timeout,
    /// The token endpoint refused, with its status and error.
    Refused {
        /// The HTTP status.
        status: u16,
        /// The error it gave.
        refusal: TokenRefusal,
    },
    /// A 2xx answer that is not a bearer token.
    MalformedAnswer,
    /// The token endpoint's URL is refused by the deployment's policy, or
    /// its name resolves only to addresses the policy refuses.
    UrlNotAllowed,
}

/// The error codes of RFC 6749 section 5.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenRefusal {
    /// `invalid_request`.
    InvalidRequest,
    /// `invalid_client`: wrong client id or secret.
    InvalidClient,
    /// `invalid_grant`.
    InvalidGrant,
    /// `unauthorized_client`: the client may not use this grant.
    UnauthorizedClient,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `invalid_scope`.
    InvalidScope,
    /// Another error, or none readable.
    Other,
}

impl TokenRefusal {
    const ALL: [(TokenRefusal, &'static str); 6] = [
        (TokenRefusal::InvalidRequest, "invalid_request"),
        (TokenRefusal::InvalidClient, "invalid_client"),
        (TokenRefusal::InvalidGrant, "invalid_grant"),
        (TokenRefusal::UnauthorizedClient, "unauthorized_client"),
        (TokenRefusal::UnsupportedGrantType, "unsupported_grant_type"),
        (TokenRefusal::InvalidScope, "invalid_scope"),
    ];

    fn from_code(code: &str) -> Self {
        Self::ALL
            .iter()
            .find(|(_, name)| *name == code)
            .map_or(TokenRefusal::Other, |(refusal, _)| *refusal)
    }

    fn code(self) -> Option<&'static str> {
        Self::ALL
            .iter()
            .find(|(refusal, _)| *refusal == self)
            .map(|(_, name)| *name)
    }
}

impl fmt::Display for AuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AuthFailure::Unreachable => f.write_str("the token endpoint could not be reached"),
            AuthFailure::Timeout => f.write_str("the token endpoint did not answer in time"),
            AuthFailure::Refused { status, refusal } => match refusal.code() {
                Some(code) => write!(f, "the token endpoint answered HTTP {status} ({code})"),
                None => write!(f, "the token endpoint answered HTTP {status}"),
            },
            AuthFailure::MalformedAnswer => {
                f.write_str("the token endpoint's answer holds no bearer token")
            }
            AuthFailure::UrlNotAllowed => {
                f.write_str("the token endpoint's URL is not allowed by this deployment")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use alloc::string::ToString;

    use super::*;

    const LOCAL: UrlPolicy = UrlPolicy {
        allow_private: true,
    };

    fn oauth(json: &str) -> Result<CheckedAuth, ValidationError> {
        serde_json::from_str::<AuthInput>(json)
            .expect("parse")
            .check(None, LOCAL)
    }

    #[test]
    fn oauth_settings_are_checked_and_shown_without_the_secret() {
        let (auth, secret) = oauth(
            r#"{"type":"oauth2","tokenUrl":"http://127.0.0.1:9/token","clientId":"id","clientSecret":"s3cret","scope":"a b"}"#,
        )
        .expect("valid");
        assert_eq!(secret.expect("secret").expose(), "s3cret");
        let shown = serde_json::to_string(&auth).expect("json");
        assert_eq!(
            shown,
            r#"{"type":"oauth2","tokenUrl":"http://127.0.0.1:9/token","clientId":"id","scope":"a b","clientAuth":"basic","clientSecretSet":true}"#
        );
        assert!(!alloc::format!("{auth:?}").contains("s3cret"));
        let missing =
            oauth(r#"{"type":"oauth2","tokenUrl":"http://127.0.0.1:9/t","clientId":"id"}"#);
        assert_eq!(
            missing.unwrap_err(),
            ValidationError::InvalidAuth(AuthProblem::MissingSecret)
        );
        let bad_url =
            oauth(r#"{"type":"oauth2","tokenUrl":"ftp://x/t","clientId":"i","clientSecret":"s"}"#);
        assert_eq!(bad_url.unwrap_err().code(), "invalid_url");
    }

    #[test]
    fn a_change_of_the_same_type_may_keep_the_secret() {
        let (held, _) = oauth(r#"{"type":"oauth2","tokenUrl":"http://127.0.0.1:9/t","clientId":"i","clientSecret":"s"}"#).expect("valid");
        let change: AuthInput = serde_json::from_str(
            r#"{"type":"oauth2","tokenUrl":"http://127.0.0.1:9/u","clientId":"j"}"#,
        )
        .expect("parse");
        let (_, secret) = change.check(Some(&held), LOCAL).expect("keeps");
        assert!(secret.is_none());
        let basic: AuthInput =
            serde_json::from_str(r#"{"type":"basic","username":"u"}"#).expect("parse");
        assert!(
            basic.check(Some(&held), LOCAL).is_err(),
            "another type needs its secret"
        );
    }

    #[test]
    fn token_requests_follow_rfc_6749() {
        let (auth, _) = oauth(r#"{"type":"oauth2","tokenUrl":"http://127.0.0.1:9/t","clientId":"a b","clientSecret":"x","scope":"s1 s2","audience":"api"}"#).expect("valid");
        let DeliveryAuth::OAuth2(oauth2) = auth else {
            panic!("oauth2")
        };
        let request = oauth2.token_request("p:w+");
        assert_eq!(
            request.body.expose(),
            "grant_type=client_credentials&scope=s1+s2&audience=api"
        );
        let authorization = &request
            .headers
            .iter()
            .find(|(n, _)| *n == "authorization")
            .expect("basic")
            .1;
        // RFC 6749 section 2.3.1: form-encode, then Basic.
        assert_eq!(
            authorization.expose(),
            basic_authorization("a+b", "p%3Aw%2B").expose()
        );
        let body_auth = OAuth2 {
            client_auth: ClientAuth::Body,
            ..oauth2
        };
        let request = body_auth.token_request("x");
        assert!(
            request
                .body
                .expose()
                .ends_with("&client_id=a+b&client_secret=x")
        );
        assert!(request.headers.iter().all(|(n, _)| *n != "authorization"));
    }

    #[test]
    fn answers_give_a_token_kept_until_shortly_before_it_expires() {
        let body = br#"{"access_token":"t0k","token_type":"Bearer","expires_in":120}"#;
        let token = read_token_answer(200, body, 1_000).expect("token");
        assert_eq!(token.authorization().expose(), "Bearer t0k");
        let mut cache = TokenCache::default();
        cache.store(token);
        assert!(cache.current(1_000 + 107_000).is_some());
        assert!(
            cache.current(1_000 + 108_000).is_none(),
            "renewed 12 s early"
        );
        cache.clear();
        assert!(cache.current(1_000).is_none());
        let refused = read_token_answer(401, br#"{"error":"invalid_client"}"#, 0).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "the token endpoint answered HTTP 401 (invalid_client)"
        );
        assert_eq!(
            read_token_answer(200, br#"{"access_token":"t","token_type":"mac"}"#, 0).unwrap_err(),
            AuthFailure::MalformedAnswer
        );
    }

    #[test]
    fn basic_auth_is_checked() {
        let (auth, secret) =
            oauth(r#"{"type":"basic","username":"u","password":"p"}"#).expect("valid");
        assert_eq!(
            serde_json::to_string(&auth).expect("json"),
            r#"{"type":"basic","username":"u","passwordSet":true}"#
        );
        assert_eq!(secret.expect("password").expose(), "p");
        assert_eq!(basic_authorization("u", "p").expose(), "Basic dTpw");
        assert!(oauth(r#"{"type":"basic","username":"a:b","password":"p"}"#).is_err());
    }
}
