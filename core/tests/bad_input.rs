//! Hostile and malformed input to signing and verification: each gets a
//! clear error with a stable code, bounded work, and no panic.

use edgehooks_core::{Error, Scheme, Webhook, generate_key_pair, generate_secret};

const TS: u64 = 1_700_000_000;

fn standard() -> Webhook {
    Webhook::new(
        Scheme::Standard,
        generate_secret(&[1; 32]).expect("secret").expose(),
    )
    .expect("webhook")
}

#[test]
fn bodies_over_the_limit_are_refused_before_hashing() {
    let wh = standard().max_body_bytes(1024);
    let headers = wh.sign("msg_1", TS, &[0u8; 1024]).expect("sign");
    assert_eq!(wh.verify(&[0u8; 1024], &headers, TS), Ok(()));
    let err = wh.verify(&[0u8; 1025], &headers, TS).unwrap_err();
    assert_eq!(
        (err, err.code()),
        (Error::PayloadTooLarge(1024), "payload_too_large")
    );
}

#[test]
fn a_header_stuffed_with_signatures_is_bounded() {
    let wh = standard();
    let good = wh.sign("msg_1", TS, b"x").expect("sign");
    let junk = vec!["v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="; 10_000].join(" ");
    // The real signature after 10,000 junk entries is not looked at.
    let stuffed = format!("{junk} {}", good.get("webhook-signature").expect("sig"));
    let headers = [
        ("webhook-id", "msg_1"),
        ("webhook-timestamp", "1700000000"),
        ("webhook-signature", stuffed.as_str()),
    ];
    assert_eq!(wh.verify(b"x", &headers, TS), Err(Error::InvalidSignature));
}

#[test]
fn malformed_timestamps_and_ids_are_invalid_headers() {
    let wh = standard();
    for ts in [
        "",
        " 1700000000",
        "1700000000 ",
        "+1700000000",
        "1.7e9",
        "99999999999999999999",
    ] {
        let headers = [
            ("webhook-id", "m"),
            ("webhook-timestamp", ts),
            ("webhook-signature", "v1,AA=="),
        ];
        assert_eq!(
            wh.verify(b"x", &headers, TS),
            Err(Error::InvalidHeader("webhook-timestamp")),
            "{ts:?}"
        );
    }
    for id in ["", "has space", "new\nline", &"x".repeat(257)] {
        assert_eq!(
            wh.sign(id, TS, b"x").unwrap_err().code(),
            "invalid_header",
            "{id:?}"
        );
    }
}

#[test]
fn extreme_clocks_do_not_overflow() {
    let wh = standard();
    let headers = wh.sign("msg_1", u64::MAX / 2, b"x").expect("sign");
    assert_eq!(wh.verify(b"x", &headers, 0), Err(Error::TimestampTooNew));
    let headers = wh.sign("msg_1", 0, b"x").expect("sign");
    assert_eq!(
        wh.verify(b"x", &headers, u64::MAX),
        Err(Error::TimestampTooOld)
    );
}

#[test]
fn secret_lists_are_bounded() {
    let none: [&str; 0] = [];
    assert_eq!(
        Webhook::with_secrets(Scheme::Github, &none)
            .unwrap_err()
            .code(),
        "invalid_secret"
    );
    let nine = ["0123456789abcdef"; 9];
    assert_eq!(
        Webhook::with_secrets(Scheme::Github, &nine)
            .unwrap_err()
            .code(),
        "invalid_secret"
    );
    assert!(Webhook::with_secrets(Scheme::Github, &nine[..8]).is_ok());
}

#[test]
fn a_public_key_cannot_sign() {
    let pair = generate_key_pair(&[8; 32]);
    let receiver = Webhook::new(Scheme::StandardV1a, &pair.public_key).expect("public key");
    assert_eq!(
        receiver.sign("msg_1", TS, b"x").unwrap_err().code(),
        "invalid_secret"
    );
    let sender = Webhook::new(Scheme::StandardV1a, pair.signing_key.expose()).expect("signing key");
    let headers = sender.sign("msg_1", TS, b"x").expect("sign");
    assert_eq!(receiver.verify(b"x", &headers, TS), Ok(()));
    // A v1 HMAC secret is not an Ed25519 key, and the reverse.
    assert_eq!(
        Webhook::new(Scheme::StandardV1a, "whsec_AAAA")
            .unwrap_err()
            .code(),
        "invalid_secret"
    );
    assert_eq!(
        Webhook::new(Scheme::Standard, &pair.public_key)
            .unwrap_err()
            .code(),
        "invalid_secret"
    );
}

#[test]
fn debug_output_holds_no_key_material() {
    let secret = generate_secret(&[0xab; 32]).expect("secret");
    let wh = Webhook::new(Scheme::Standard, secret.expose()).expect("webhook");
    let shown = format!("{wh:?} {secret:?}");
    assert!(!shown.contains(&secret.expose()[6..16]), "{shown}");
    assert!(shown.contains("REDACTED"), "{shown}");
    let hex_secret = "0123456789abcdef0123";
    let gh = Webhook::new(Scheme::Github, hex_secret).expect("webhook");
    assert!(!format!("{gh:?}").contains(hex_secret));
}
