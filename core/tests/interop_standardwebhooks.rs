//! Interop with the crates.io `standardwebhooks` crate: what it signs, the
//! core verifies, and what the core signs (one or several signatures), it
//! verifies. Its verifier reads the system clock, so timestamps are current.

use std::time::{SystemTime, UNIX_EPOCH};

use edgehooks_core::{Scheme, VerifyError, Webhook, generate_secret};
use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

fn to_header_map(headers: &edgehooks_core::SignedHeaders) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in headers.iter() {
        map.insert(name, HeaderValue::from_str(value).expect("header value"));
    }
    map
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn theirs_signs_ours_verifies(
        entropy in any::<[u8; 32]>(),
        id in "msg_[A-Za-z0-9]{1,24}",
        body in "\\PC{0,512}",
    ) {
        let secret = generate_secret(&entropy).expect("secret");
        let ts = now();
        let signature = standardwebhooks::Webhook::new(secret.expose())
            .expect("their webhook")
            .sign(&id, ts as i64, body.as_bytes())
            .expect("their sign");
        let ts_text = ts.to_string();
        let headers = [
            ("webhook-id", id.as_str()),
            ("webhook-timestamp", ts_text.as_str()),
            ("webhook-signature", signature.as_str()),
        ];
        let ours = Webhook::new(Scheme::Standard, secret.expose()).expect("our webhook");
        prop_assert_eq!(ours.verify_at(body.as_bytes(), &headers, ts), Ok(()));
        let mut tampered = body.clone().into_bytes();
        tampered.push(b'!');
        prop_assert_eq!(ours.verify_at(&tampered, &headers, ts), Err(VerifyError::InvalidSignature));
    }

    #[test]
    fn ours_signs_theirs_verifies(
        entropy in any::<[u8; 32]>(),
        other in any::<[u8; 24]>(),
        id in "msg_[A-Za-z0-9]{1,24}",
        body in "\\PC{0,512}",
    ) {
        let current = generate_secret(&entropy).expect("secret");
        let previous = generate_secret(&other).expect("secret");
        let ours = Webhook::with_secrets(Scheme::Standard, &[current.expose(), previous.expose()])
            .expect("our webhook");
        let headers = to_header_map(&ours.sign(&id, now(), body.as_bytes()).expect("sign"));
        for secret in [&current, &previous] {
            let theirs = standardwebhooks::Webhook::new(secret.expose()).expect("their webhook");
            prop_assert!(theirs.verify(body.as_bytes(), &headers).is_ok());
            let mut tampered = body.clone().into_bytes();
            tampered.push(b'!');
            prop_assert!(theirs.verify(&tampered, &headers).is_err());
        }
    }
}

#[test]
fn the_public_vector_agrees_with_the_reference_crate() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let body = br#"{"test": 2432232314}"#;
    let theirs = standardwebhooks::Webhook::new(secret)
        .expect("their webhook")
        .sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
        .expect("their sign");
    let ours = Webhook::new(Scheme::Standard, secret)
        .expect("our webhook")
        .sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
        .expect("our sign");
    assert_eq!(ours.get("webhook-signature"), Some(theirs.as_str()));
    assert_eq!(theirs, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}
