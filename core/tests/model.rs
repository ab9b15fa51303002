//! The webhook model: what is accepted, the defaults, and a clear error for
//! every kind of bad input.

use edgehooks_core::Scheme;
use edgehooks_core::service::{
    DeliveryMode, RetryPolicy, UrlPolicy, ValidationError, WebhookConfig, WebhookInput,
    WebhookStatus,
};

const STRICT: UrlPolicy = UrlPolicy {
    allow_private: false,
};
const LOCAL: UrlPolicy = UrlPolicy {
    allow_private: true,
};

fn input(json: &str) -> WebhookInput {
    serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
}

fn validate(json: &str) -> Result<WebhookConfig, ValidationError> {
    input(json).validate("shop", "orders-hook", STRICT)
}

#[test]
fn a_momento_put_webhook_body_is_accepted_with_defaults() {
    let config = validate(
        r#"{"id":{"cacheName":"shop","webhookName":"orders-hook"},
            "destination":{"postUrl":"https://example.com/hook"},"topicName":"orders"}"#,
    )
    .expect("valid");
    assert_eq!(config.topics, ["orders"]);
    assert_eq!(config.scheme, Scheme::Standard);
    assert!(config.active);
    assert_eq!(config.timeout_ms, 5000);
    assert_eq!(config.mode, DeliveryMode::Async);
    assert!(!config.ignore_for_api);
    assert_eq!(config.retry, RetryPolicy::default());
    assert_eq!(config.status(), WebhookStatus::Active);
    assert!(config.listens_to("orders"));
    assert!(!config.listens_to("other"));
}

#[test]
fn every_field_is_read_and_round_trips_through_json() {
    let config = validate(
        r#"{"topics":["a","b.c"],"destination":{"postUrl":"https://example.com/x"},
            "scheme":"stripe","active":false,"timeoutMs":30000,"mode":"sync","ignoreForApi":true,
            "retry":"none","description":"line one\nline two","secret":"whsec_0123456789abcdef"}"#,
    )
    .expect("valid");
    assert_eq!(config.topics, ["a", "b.c"]);
    assert_eq!(config.scheme, Scheme::Stripe);
    assert_eq!(config.mode, DeliveryMode::Sync);
    assert_eq!(config.retry, RetryPolicy::None);
    assert_eq!(config.status(), WebhookStatus::Inactive);
    assert!(!config.listens_to("a"));
    let json = serde_json::to_string(&config).expect("serialize");
    assert!(
        json.contains(r#""timeoutMs":30000"#) && json.contains(r#""ignoreForApi":true"#),
        "{json}"
    );
    assert_eq!(
        serde_json::from_str::<WebhookConfig>(&json).expect("parse"),
        config
    );

    let mut disabled = config.clone();
    disabled.active = true;
    disabled.disabled_reason = Some("failing since 2026-11-01".into());
    assert!(matches!(disabled.status(), WebhookStatus::Disabled { .. }));
    assert!(!disabled.listens_to("a"));
    let status = serde_json::to_string(&disabled.status()).expect("serialize");
    assert_eq!(
        status,
        r#"{"state":"disabled","reason":"failing since 2026-11-01"}"#
    );
}

#[test]
fn unknown_fields_and_wrong_types_are_refused() {
    for bad in [
        r#"{"topicName":"t","destination":{"postUrl":"https://example.com"},"colour":"red"}"#,
        r#"{"topicName":"t","destination":{"postUrl":"https://example.com","method":"GET"}}"#,
        r#"{"topicName":"t","destination":{"postUrl":"https://example.com"},"timeoutMs":"5s"}"#,
        r#"{"topicName":"t","destination":{"postUrl":"https://example.com"},"scheme":"md5"}"#,
        r#"{"topicName":"t","destination":{"postUrl":"https://example.com"},"mode":"later"}"#,
        r#"{"topicName":"t","destination":{"postUrl":"https://example.com"},"retry":"sometimes"}"#,
    ] {
        assert!(serde_json::from_str::<WebhookInput>(bad).is_err(), "{bad}");
    }
}

/// The shared bad-input cases: each body is refused with its code, by the
/// core here and by the API in the end-to-end tests.
#[test]
fn each_bad_field_gets_its_own_code() {
    #[derive(serde::Deserialize)]
    struct File {
        cache: String,
        webhook: String,
        cases: Vec<Case>,
    }
    #[derive(serde::Deserialize)]
    struct Case {
        name: String,
        body: serde_json::Value,
        code: String,
    }
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/bad-input/webhooks.json"
    );
    let file: File =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("parse");
    assert!(file.cases.len() >= 30, "the shared cases are missing");
    let mut codes = std::collections::BTreeSet::new();
    for case in &file.cases {
        let input: WebhookInput = serde_json::from_value(case.body.clone()).expect(&case.name);
        let err = input
            .validate(&file.cache, &file.webhook, STRICT)
            .expect_err(&case.name);
        assert_eq!(err.code(), case.code, "{}: {err}", case.name);
        assert_eq!(err.http_status(), 400, "{}", case.name);
        codes.insert(err.code());
    }
    // Every validation code a webhook body can earn has a case.
    for code in [
        "invalid_topics",
        "invalid_name",
        "invalid_url",
        "url_not_allowed",
        "invalid_timeout",
        "invalid_retry",
        "invalid_description",
        "invalid_secret",
        "invalid_rate",
        "invalid_ordering",
    ] {
        assert!(codes.contains(code), "no case for {code}");
    }
}

#[test]
fn names_in_the_path_are_checked() {
    let body = r#"{"topicName":"t","destination":{"postUrl":"https://example.com"}}"#;
    let too_long = "n".repeat(129);
    for (cache, name) in [
        ("", "w"),
        ("c", ""),
        ("c/d", "w"),
        ("c", "a/b"),
        (".", "w"),
        ("c", ".."),
        ("c", "tab\there"),
        ("c", "new\nline"),
        ("c", "nul\0"),
        ("c", "del\u{7f}"),
        ("c", "next line\u{85}"),
        (&too_long, "w"),
    ] {
        assert_eq!(
            input(body)
                .validate(cache, name, STRICT)
                .map(drop)
                .unwrap_err()
                .code(),
            "invalid_name",
            "{cache:?} {name:?}"
        );
    }
}

/// Names as Momento allows them: printable Unicode, spaces and punctuation
/// included, kept exactly as given.
#[test]
fn names_are_printable_unicode_kept_exactly() {
    let body = r#"{"topicName":"a topic","destination":"https://example.com/hook"}"#;
    let emoji = "\u{1f980}".repeat(128);
    for (cache, name) in [
        ("my cache", "examples webhook"),
        ("caché ünïcödé", "w?x#y%z:'\"&+=;,"),
        ("...", " leading and trailing "),
        ("\u{1f600} emoji", &emoji),
        (&"n".repeat(128), "a.b_c-D9"),
        ("Shop", "shop"),
    ] {
        let config = input(body)
            .validate(cache, name, STRICT)
            .unwrap_or_else(|e| panic!("{cache:?} {name:?}: {e}"));
        assert_eq!(
            (
                config.id.cache_name.as_str(),
                config.id.webhook_name.as_str()
            ),
            (cache, name)
        );
        assert_eq!(config.topics, ["a topic"]);
        assert_eq!(config.topic_name(), "a topic");
    }
    // 128 emoji are 512 bytes: characters are counted, not bytes.
    assert_eq!(emoji.len(), 512);
    let message =
        ValidationError::InvalidName(edgehooks_core::service::NameKind::Cache).to_string();
    assert!(message.contains("1-128 printable characters"), "{message}");
}

/// `destination` is `{"postUrl": ...}` or, as Momento gives it, the URL.
#[test]
fn a_destination_may_be_the_url_alone() {
    let config =
        validate(r#"{"topicName":"t","destination":"https://example.com/hook"}"#).expect("valid");
    assert_eq!(config.destination.post_url, "https://example.com/hook");
    let json = serde_json::to_value(&config).expect("serialize");
    assert_eq!(
        json["destination"],
        serde_json::json!({"postUrl": "https://example.com/hook"})
    );
    for bad in [
        r#"{"topicName":"t","destination":5}"#,
        r#"{"topicName":"t","destination":["https://example.com"]}"#,
        r#"{"topicName":"t","destination":{}}"#,
    ] {
        assert!(serde_json::from_str::<WebhookInput>(bad).is_err(), "{bad}");
    }
    assert_eq!(
        validate(r#"{"topicName":"t","destination":"ftp://example.com"}"#)
            .unwrap_err()
            .code(),
        "invalid_url"
    );
}

#[test]
fn private_targets_pass_only_where_the_deployment_allows_them() {
    let body = r#"{"topicName":"t","destination":{"postUrl":"http://127.0.0.1:9000/hook"}}"#;
    assert_eq!(
        input(body).validate("c", "w", STRICT).unwrap_err().code(),
        "url_not_allowed"
    );
    let config = input(body)
        .validate("c", "w", LOCAL)
        .expect("allowed locally");
    assert_eq!(config.destination.post_url, "http://127.0.0.1:9000/hook");
}
