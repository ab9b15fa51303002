//! The API's JSON model: `WebhookInput` (create or replace), `WebhookPatch`
//! (partial update) and `ApiKeyInput`, parsed from arbitrary bytes and
//! checked with both URL policies.
//!
//! Checked: no panic; what the strict policy accepts the permissive one
//! accepts alike; a checked configuration survives storage (JSON and back)
//! and checking again (as a replacement and as a patch of itself) unchanged;
//! a checked key scope allows each of its caches and permissions.

#![no_main]

use std::sync::LazyLock;

use edgehooks_core::service::access::{ApiKeyInput, KeyScope};
use edgehooks_core::service::{
    AuthInput, AuthSecret, DeliveryAuth, UrlPolicy, WebhookConfig, WebhookInput, WebhookPatch,
};
use libfuzzer_sys::fuzz_target;

const STRICT: UrlPolicy = UrlPolicy {
    allow_private: false,
};
const PERMISSIVE: UrlPolicy = UrlPolicy {
    allow_private: true,
};

/// Webhooks a patch is applied to: plain, with OAuth 2.0 and headers, and
/// with Basic auth, disabled.
static CURRENT: LazyLock<Vec<WebhookConfig>> = LazyLock::new(|| {
    let configs = [
        r#"{"topics":["orders"],"scheme":"github","destination":{"postUrl":"https://example.com/hook"}}"#,
        r#"{"topicName":"a topic","destination":"https://example.com/h?x=1","ordering":"fifo",
            "maxRatePerSecond":10,"retry":"none","description":"d","headers":{"X-Tenant":"acme"},
            "auth":{"type":"oauth2","tokenUrl":"https://auth.example.com/token","clientId":"c",
            "clientSecret":"s","scope":"w","clientAuth":"body"}}"#,
        r#"{"topics":["a","b"],"scheme":"standard-v1a","destination":{"postUrl":"http://127.0.0.1:3000/"},
            "mode":"sync","active":false,"retry":{"scheduleSeconds":[1,2,3]},"auth":{"type":"basic","username":"u","password":"p"}}"#,
    ];
    configs
        .iter()
        .enumerate()
        .map(|(i, json)| {
            let input: WebhookInput = serde_json::from_str(json).expect("a valid input");
            let mut config = input.validate("shop", "hook", PERMISSIVE).expect("valid");
            if i == 2 {
                config.disabled_reason = Some("failing for 5 days".into());
            }
            config
        })
        .collect()
});

fuzz_target!(|data: &[u8]| {
    if let Ok(input) = serde_json::from_slice::<WebhookInput>(data) {
        let mut names = vec![("shop".to_string(), "hook".to_string())];
        if let Some(id) = &input.id {
            names.push((id.cache_name.clone(), id.webhook_name.clone()));
        }
        for (cache, name) in &names {
            let strict = input.clone().check(cache, name, None, STRICT);
            let permissive = input.clone().check(cache, name, None, PERMISSIVE);
            if let Ok((config, _)) = &strict {
                let (same, _) = permissive.as_ref().expect("what is strict is permissive");
                assert_eq!(config, same);
            }
            for (result, policy) in [(strict, STRICT), (permissive, PERMISSIVE)] {
                if let Ok((config, _)) = result {
                    assert_stable(&config, policy);
                }
            }
        }
        for current in CURRENT.iter() {
            if let Ok(config) = input.clone().replace(current, PERMISSIVE) {
                assert_eq!(config.scheme, current.scheme);
                assert_stable(&config, PERMISSIVE);
            }
        }
    }

    if let Ok(patch) = serde_json::from_slice::<WebhookPatch>(data) {
        for current in CURRENT.iter() {
            let strict = patch.clone().check(current, STRICT);
            let permissive = patch.clone().check(current, PERMISSIVE);
            if let Ok((config, _)) = &strict {
                let (same, _) = permissive.as_ref().expect("what is strict is permissive");
                assert_eq!(config, same);
            }
            if let Ok((config, _)) = permissive {
                assert_eq!(config.scheme, current.scheme);
                assert_eq!(config.id, current.id);
                assert_stable(&config, PERMISSIVE);
            }
        }
    }

    if let Ok(input) = serde_json::from_slice::<ApiKeyInput>(data)
        && let Ok((scope, _description)) = input.validate()
    {
        let json = serde_json::to_string(&scope).expect("serialises");
        let stored: KeyScope = serde_json::from_str(&json).expect("reads back");
        assert_eq!(stored, scope);
        for cache in &scope.caches {
            for permission in &scope.permissions {
                assert!(scope.allows(cache, *permission), "{cache:?} {permission:?}");
            }
        }
    }
});

/// A checked configuration is stored as JSON and read back, and checked
/// again whenever it is replaced or patched with its own values: none of
/// these may change it or refuse it.
fn assert_stable(config: &WebhookConfig, policy: UrlPolicy) {
    let json = serde_json::to_string(config).expect("serialises");
    let stored: WebhookConfig = serde_json::from_str(&json).expect("reads back");
    assert_eq!(&stored, config, "{json}");

    let again = WebhookInput {
        id: Some(config.id.clone()),
        topics: Some(config.topics.clone()),
        topic_name: None,
        destination: Some(config.destination.clone()),
        scheme: Some(config.scheme),
        active: Some(config.active),
        timeout_ms: Some(config.timeout_ms),
        mode: Some(config.mode),
        ignore_for_api: Some(config.ignore_for_api),
        retry: Some(config.retry.clone()),
        ordering: Some(config.ordering),
        max_rate_per_second: config.max_rate_per_second,
        description: Some(config.description.clone()),
        secret: None,
        auth: config.auth.as_ref().map(kept),
        headers: Some(config.headers.clone()),
    };
    let (replaced, secret) = again
        .check_replace(config, policy)
        .unwrap_or_else(|err| panic!("{err:?} re-checking {json}"));
    let mut expected = config.clone();
    expected.disabled_reason = None;
    assert_eq!(replaced, expected, "replaced with itself");
    match config.auth {
        Some(_) => assert!(matches!(secret, AuthSecret::Keep)),
        None => assert!(matches!(secret, AuthSecret::Remove)),
    }

    let patch = WebhookPatch {
        topics: Some(config.topics.clone()),
        topic_name: None,
        destination: Some(config.destination.clone()),
        scheme: Some(config.scheme),
        active: None,
        timeout_ms: Some(config.timeout_ms),
        mode: Some(config.mode),
        ignore_for_api: Some(config.ignore_for_api),
        retry: Some(config.retry.clone()),
        ordering: Some(config.ordering),
        max_rate_per_second: Some(config.max_rate_per_second),
        description: Some(config.description.clone()),
        auth: Some(config.auth.as_ref().map(kept)),
        headers: Some(config.headers.clone()),
    };
    let (patched, _) = patch
        .check(config, policy)
        .unwrap_or_else(|err| panic!("{err:?} patching {json}"));
    assert_eq!(&patched, config, "patched with itself");
}

/// The `auth` of a request that keeps the held secret.
fn kept(auth: &DeliveryAuth) -> AuthInput {
    match auth {
        DeliveryAuth::OAuth2(oauth) => AuthInput::OAuth2 {
            token_url: oauth.token_url.clone(),
            client_id: oauth.client_id.clone(),
            client_secret: None,
            scope: oauth.scope.clone(),
            audience: oauth.audience.clone(),
            client_auth: Some(oauth.client_auth),
        },
        DeliveryAuth::Basic(basic) => AuthInput::Basic {
            username: basic.username.clone(),
            password: None,
        },
    }
}
