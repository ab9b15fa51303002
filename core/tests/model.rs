//! The webhook model: what is accepted, the defaults, and a clear error for
//! every kind of bad input.

use edgehooks_core::{
    DeliveryMode, Error, RetryPolicy, Scheme, UrlPolicy, WebhookInput, WebhookStatus,
    check_message_size, limits::MAX_MESSAGE_BYTES,
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

fn validate(json: &str) -> Result<edgehooks_core::WebhookConfig, Error> {
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
        serde_json::from_str::<edgehooks_core::WebhookConfig>(&json).expect("parse"),
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

#[test]
fn each_bad_field_gets_its_own_code() {
    let url = r#""destination":{"postUrl":"https://example.com/hook"}"#;
    let cases = [
        (format!(r#"{{{url}}}"#), "invalid_topics"),
        (format!(r#"{{"topics":[],{url}}}"#), "invalid_topics"),
        (format!(r#"{{"topics":["a","a"],{url}}}"#), "invalid_topics"),
        (
            format!(r#"{{"topics":["a"],"topicName":"b",{url}}}"#),
            "invalid_topics",
        ),
        (format!(r#"{{"topics":["a b"],{url}}}"#), "invalid_name"),
        (
            format!(r#"{{"topics":["{}"],{url}}}"#, "t".repeat(129)),
            "invalid_name",
        ),
        (
            format!(
                r#"{{"topicName":"t","id":{{"cacheName":"shop","webhookName":"other"}},{url}}}"#
            ),
            "invalid_name",
        ),
        (r#"{"topicName":"t"}"#.to_string(), "invalid_url"),
        (
            r#"{"topicName":"t","destination":{"postUrl":"not a url"}}"#.to_string(),
            "invalid_url",
        ),
        (
            r#"{"topicName":"t","destination":{"postUrl":"ftp://example.com"}}"#.to_string(),
            "invalid_url",
        ),
        (
            r#"{"topicName":"t","destination":{"postUrl":"http://127.0.0.1:9000/"}}"#.to_string(),
            "url_not_allowed",
        ),
        (
            r#"{"topicName":"t","destination":{"postUrl":"http://169.254.169.254/"}}"#.to_string(),
            "url_not_allowed",
        ),
        (
            format!(r#"{{"topicName":"t",{url},"timeoutMs":999}}"#),
            "invalid_timeout",
        ),
        (
            format!(r#"{{"topicName":"t",{url},"timeoutMs":30001}}"#),
            "invalid_timeout",
        ),
        (
            format!(r#"{{"topicName":"t",{url},"retry":{{"scheduleSeconds":[]}}}}"#),
            "invalid_retry",
        ),
        (
            format!(r#"{{"topicName":"t",{url},"retry":{{"scheduleSeconds":[0]}}}}"#),
            "invalid_retry",
        ),
        (
            format!(r#"{{"topicName":"t",{url},"description":"bell\u0007"}}"#),
            "invalid_description",
        ),
        (
            format!(
                r#"{{"topicName":"t",{url},"description":"{}"}}"#,
                "d".repeat(1025)
            ),
            "invalid_description",
        ),
        (
            format!(r#"{{"topicName":"t",{url},"secret":"too-short"}}"#),
            "invalid_secret",
        ),
        (
            format!(r#"{{"topicName":"t",{url},"scheme":"github","secret":"short"}}"#),
            "invalid_secret",
        ),
        (
            format!(r#"{{"topicName":"t",{url},"scheme":"standard-v1a","secret":"whpk_AAAA"}}"#),
            "invalid_secret",
        ),
    ];
    for (json, code) in cases {
        let err = validate(&json).expect_err(&json);
        assert_eq!(err.code(), code, "{json}: {err}");
        assert_eq!(err.http_status(), 400);
    }
}

#[test]
fn names_in_the_path_are_checked() {
    let body = r#"{"topicName":"t","destination":{"postUrl":"https://example.com"}}"#;
    for (cache, name) in [("", "w"), ("c", ""), ("c/d", "w"), ("c", "w?x"), ("c", "ü")] {
        assert_eq!(
            input(body)
                .validate(cache, name, STRICT)
                .map(drop)
                .unwrap_err()
                .code(),
            "invalid_name"
        );
    }
    let longest = "n".repeat(128);
    assert!(input(body).validate(&longest, "a.b_c-D9", STRICT).is_ok());
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

#[test]
fn message_size_limit_is_inclusive_and_answers_413() {
    assert_eq!(
        check_message_size(MAX_MESSAGE_BYTES, MAX_MESSAGE_BYTES),
        Ok(())
    );
    let err = check_message_size(MAX_MESSAGE_BYTES + 1, MAX_MESSAGE_BYTES).unwrap_err();
    assert_eq!((err.code(), err.http_status()), ("payload_too_large", 413));
}
