//! `Debug` of every type that holds a secret shows `[REDACTED]` (or that a
//! secret is set) in its place, never the secret, in `{:?}` and `{:#?}`,
//! and still shows the rest.

use core::fmt::Debug;

use edgehooks_core::service::{
    AuthInput, AuthSecret, DeliveryAuth, TokenCache, UrlPolicy, WebhookInput, WebhookPatch,
    WebhookSecrets, basic_authorization, read_token_answer,
};
use edgehooks_core::{Scheme, SecretString, Webhook, generate_key_pair};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const NEXT_SECRET: &str = "whsec_bmV3IHNlY3JldCBvZiB0aGlydHktdHdvIGJ5dA==";
const CLIENT_SECRET: &str = "client-secret-7f3a9c";
const PASSWORD: &str = "password-5d1e8b";
const TOKEN: &str = "access-token-2c6f0a";
const LOCAL: UrlPolicy = UrlPolicy {
    allow_private: true,
};

/// Every text a secret may show as: itself, and the key inside a `whsec_`.
fn secret_texts() -> Vec<String> {
    let mut texts: Vec<String> = [SECRET, NEXT_SECRET, CLIENT_SECRET, PASSWORD, TOKEN]
        .map(String::from)
        .into();
    texts.extend([SECRET, NEXT_SECRET].map(|s| s["whsec_".len()..].to_string()));
    let signing_key = generate_key_pair(&[3; 32]).signing_key;
    texts.push(signing_key.expose().to_string());
    texts.push(signing_key.expose()["whsk_".len()..].to_string());
    texts.push(
        basic_authorization("alice", PASSWORD)
            .expose()
            .trim_start_matches("Basic ")
            .to_string(),
    );
    texts.push(
        basic_authorization("deliveries", CLIENT_SECRET)
            .expose()
            .trim_start_matches("Basic ")
            .to_string(),
    );
    texts
}

/// Checks `value` in both formats: no secret, and every text of `shown`.
fn assert_redacted(what: &str, value: &dyn Debug, shown: &[&str]) {
    for text in [format!("{value:?}"), format!("{value:#?}")] {
        for secret in secret_texts() {
            assert!(!text.contains(&secret), "{what} shows {secret}: {text}");
        }
        for wanted in shown {
            assert!(text.contains(wanted), "{what} hides {wanted}: {text}");
        }
    }
}

fn oauth2_input() -> AuthInput {
    AuthInput::OAuth2 {
        token_url: "https://auth.example.com/token".into(),
        client_id: "deliveries".into(),
        client_secret: Some(CLIENT_SECRET.into()),
        scope: Some("webhooks".into()),
        audience: None,
        client_auth: None,
    }
}

fn basic_input() -> AuthInput {
    AuthInput::Basic {
        username: "alice".into(),
        password: Some(PASSWORD.into()),
    }
}

#[test]
fn requests_show_that_a_secret_was_given_and_not_what_it_is() {
    let input: WebhookInput = serde_json::from_value(serde_json::json!({
        "topics": ["orders"],
        "destination": "https://example.com/hook",
        "secret": SECRET,
        "auth": {
            "type": "oauth2",
            "tokenUrl": "https://auth.example.com/token",
            "clientId": "deliveries",
            "clientSecret": CLIENT_SECRET,
        },
    }))
    .expect("input");
    assert_redacted(
        "WebhookInput",
        &input,
        &[
            "orders",
            "https://example.com/hook",
            "deliveries",
            "[REDACTED]",
        ],
    );
    let without = WebhookInput::default();
    assert!(format!("{without:?}").contains("secret: None"));

    assert_redacted(
        "AuthInput::OAuth2",
        &oauth2_input(),
        &[
            "https://auth.example.com/token",
            "deliveries",
            "webhooks",
            "[REDACTED]",
        ],
    );
    assert_redacted("AuthInput::Basic", &basic_input(), &["alice", "[REDACTED]"]);

    let patch: WebhookPatch = serde_json::from_value(serde_json::json!({
        "description": "billing",
        "auth": {"type": "basic", "username": "alice", "password": PASSWORD},
    }))
    .expect("patch");
    assert_redacted("WebhookPatch", &patch, &["billing", "alice", "[REDACTED]"]);
}

#[test]
fn held_secrets_and_tokens_are_redacted() {
    assert_redacted(
        "SecretString",
        &SecretString::new(SECRET.into()),
        &["[REDACTED]"],
    );
    assert_redacted(
        "AuthSecret",
        &AuthSecret::Set(SecretString::new(CLIENT_SECRET.into())),
        &["Set", "[REDACTED]"],
    );

    let mut secrets = WebhookSecrets::new(SecretString::new(SECRET.into()));
    secrets
        .rotate(SecretString::new(NEXT_SECRET.into()), 3600, 1_000)
        .expect("rotate");
    secrets.change_auth_secret(AuthSecret::Set(SecretString::new(PASSWORD.into())));
    assert_redacted(
        "WebhookSecrets",
        &secrets,
        &["current", "retired", "3601000", "[REDACTED]"],
    );

    let (auth, _) = oauth2_input().check(None, LOCAL).expect("auth");
    let DeliveryAuth::OAuth2(mut oauth2) = auth else {
        panic!("oauth2")
    };
    assert_redacted("OAuth2", &oauth2, &["deliveries", "webhooks"]);
    assert_redacted(
        "TokenRequest (basic)",
        &oauth2.token_request(CLIENT_SECRET),
        &["https://auth.example.com/token", "[REDACTED]"],
    );
    oauth2.client_auth = edgehooks_core::service::ClientAuth::Body;
    assert_redacted(
        "TokenRequest (body)",
        &oauth2.token_request(CLIENT_SECRET),
        &["https://auth.example.com/token", "[REDACTED]"],
    );

    let answer = format!(r#"{{"access_token":"{TOKEN}","token_type":"Bearer"}}"#);
    let token = read_token_answer(200, answer.as_bytes(), 0).expect("token");
    assert_redacted("AccessToken", &token, &["use_until_ms", "[REDACTED]"]);
    assert_redacted("Authorization", &token.authorization(), &["[REDACTED]"]);
    let mut cache = TokenCache::default();
    cache.store(token);
    assert_redacted("TokenCache", &cache, &["[REDACTED]"]);
}

#[test]
fn keys_and_webhooks_show_no_key_material() {
    let pair = generate_key_pair(&[3; 32]);
    assert_redacted("KeyPair", &pair, &[pair.public_key.as_str(), "[REDACTED]"]);

    let hmac = Webhook::with_secrets(Scheme::Standard, &[SECRET, NEXT_SECRET]).expect("webhook");
    assert_redacted("Webhook (HMAC)", &hmac, &["Standard", "[REDACTED]"]);
    let signing = Webhook::new(Scheme::StandardV1a, pair.signing_key.expose()).expect("webhook");
    assert_redacted(
        "Webhook (Ed25519)",
        &signing,
        &["StandardV1a", "[REDACTED]"],
    );
    let public = Webhook::new(Scheme::StandardV1a, &pair.public_key).expect("webhook");
    assert_redacted("Webhook (public key)", &public, &["public"]);
}

#[cfg(feature = "tokio")]
#[test]
fn endpoints_and_sender_settings_show_no_secret() {
    use edgehooks_core::{Endpoint, SenderConfig};

    for (kind, auth) in [("OAuth2", oauth2_input()), ("Basic", basic_input())] {
        let endpoint = Endpoint::new(
            "billing",
            "https://billing.example.com/hooks",
            Webhook::new(Scheme::Standard, SECRET).expect("webhook"),
            LOCAL,
        )
        .expect("endpoint")
        .with_auth(auth)
        .expect("auth");
        assert_redacted(
            kind,
            &endpoint,
            &["billing", "https://billing.example.com/hooks", "[REDACTED]"],
        );
    }
    assert_redacted(
        "SenderConfig",
        &SenderConfig::default(),
        &["max_concurrency", "SystemResolver"],
    );
}
