//! Property tests: for every scheme, what the core signs it verifies, and any
//! change to the body, id, timestamp or signature is rejected.

use edgehooks_core::{Scheme, VerifyError, Webhook, generate_key_pair, generate_secret};
use proptest::prelude::*;

/// A webhook of `scheme` whose secret comes from `entropy`.
fn webhook(scheme: Scheme, entropy: &[u8; 32]) -> Webhook {
    let secret = match scheme {
        Scheme::Standard => generate_secret(entropy)
            .expect("secret")
            .expose()
            .to_string(),
        Scheme::StandardV1a => generate_key_pair(entropy).signing_key.expose().to_string(),
        _ => entropy.iter().map(|b| format!("{b:02x}")).collect(),
    };
    Webhook::new(scheme, &secret).expect("webhook")
}

fn scheme() -> impl Strategy<Value = Scheme> {
    proptest::sample::select(Scheme::ALL.to_vec())
}

fn signed(wh: &Webhook, id: &str, ts: u64, body: &[u8]) -> Vec<(String, String)> {
    wh.sign(id, ts, body)
        .expect("sign")
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

fn set(headers: &mut [(String, String)], name: &str, value: String) {
    let slot = headers
        .iter_mut()
        .find(|(k, _)| k == name)
        .expect("header present");
    slot.1 = value;
}

fn assert_rejected(result: Result<(), VerifyError>) -> Result<(), TestCaseError> {
    match result {
        Err(VerifyError::InvalidSignature | VerifyError::InvalidHeader(_)) => Ok(()),
        other => Err(TestCaseError::fail(format!(
            "expected a signature error, got {other:?}"
        ))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn sign_then_verify_round_trips(
        scheme in scheme(),
        entropy in any::<[u8; 32]>(),
        id in "msg_[A-Za-z0-9]{1,30}",
        ts in 1u64..4_000_000_000,
        skew in 0u64..=300,
        ahead in any::<bool>(),
        body in proptest::collection::vec(any::<u8>(), 0..2048),
    ) {
        let wh = webhook(scheme, &entropy);
        let headers = signed(&wh, &id, ts, &body);
        let now = if ahead { ts + skew } else { ts - skew.min(ts) };
        prop_assert_eq!(wh.verify_at(&body, &headers, now), Ok(()));
    }

    #[test]
    fn a_changed_body_is_rejected(
        scheme in scheme(),
        entropy in any::<[u8; 32]>(),
        body in proptest::collection::vec(any::<u8>(), 1..1024),
        index in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let wh = webhook(scheme, &entropy);
        let headers = signed(&wh, "msg_1", 1_700_000_000, &body);
        let mut changed = body.clone();
        changed[index.index(body.len())] ^= 1 << bit;
        assert_rejected(wh.verify_at(&changed, &headers, 1_700_000_000))?;
        let mut longer = body.clone();
        longer.push(b' ');
        assert_rejected(wh.verify_at(&longer, &headers, 1_700_000_000))?;
    }

    #[test]
    fn a_changed_id_or_timestamp_is_rejected(
        scheme in proptest::sample::select(vec![Scheme::Standard, Scheme::StandardV1a, Scheme::Stripe]),
        entropy in any::<[u8; 32]>(),
        body in proptest::collection::vec(any::<u8>(), 0..512),
        delta in 1u64..=300,
    ) {
        let wh = webhook(scheme, &entropy);
        let ts = 1_700_000_000;
        let mut headers = signed(&wh, "msg_1", ts, &body);
        if scheme == Scheme::Stripe {
            let value = headers[0].1.replacen(&format!("t={ts}"), &format!("t={}", ts + delta), 1);
            set(&mut headers, "stripe-signature", value);
        } else {
            let mut other_id = headers.clone();
            set(&mut other_id, "webhook-id", format!("msg_1{delta}"));
            assert_rejected(wh.verify_at(&body, &other_id, ts))?;
            set(&mut headers, "webhook-timestamp", (ts + delta).to_string());
        }
        assert_rejected(wh.verify_at(&body, &headers, ts))?;
    }

    #[test]
    fn a_changed_signature_is_rejected(
        scheme in scheme(),
        entropy in any::<[u8; 32]>(),
        body in proptest::collection::vec(any::<u8>(), 0..512),
        index in any::<prop::sample::Index>(),
        replacement in proptest::char::range('0', 'z'),
    ) {
        let wh = webhook(scheme, &entropy);
        let mut headers = signed(&wh, "msg_1", 1_700_000_000, &body);
        let name = scheme.signature_header();
        let value = headers.iter().find(|(k, _)| k == name).expect("signature").1.clone();
        // Change one character of the signature itself, after its label.
        let start = match scheme {
            Scheme::Standard | Scheme::StandardV1a => value.find(',').expect("label") + 1,
            Scheme::Stripe => value.rfind("v1=").expect("label") + 3,
            Scheme::Github => "sha256=".len(),
            _ => 0,
        };
        let at = start + index.index(value.len() - start);
        let original = value[at..].chars().next().expect("char");
        // Hex is case-insensitive, so a change of case only is no change.
        prop_assume!(!original.eq_ignore_ascii_case(&replacement));
        let changed = format!("{}{}{}", &value[..at], replacement, &value[at + original.len_utf8()..]);
        set(&mut headers, name, changed);
        assert_rejected(wh.verify_at(&body, &headers, 1_700_000_000))?;
    }

    #[test]
    fn another_secret_is_rejected(
        scheme in scheme(),
        a in any::<[u8; 32]>(),
        b in any::<[u8; 32]>(),
        body in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        prop_assume!(a != b);
        let headers = signed(&webhook(scheme, &a), "msg_1", 1_700_000_000, &body);
        prop_assert_eq!(webhook(scheme, &b).verify_at(&body, &headers, 1_700_000_000), Err(VerifyError::InvalidSignature));
    }

    /// The envelope tolerance, for any publish time, clock and tolerance:
    /// whole seconds either way, never an overflow; a body that is not
    /// signed is refused for that whatever its time.
    #[test]
    fn the_envelope_tolerance_holds_in_whole_seconds(
        published_ms in any::<u64>(),
        skew in -1000i64..=1000,
        tolerance in prop_oneof![0u64..=900, any::<u64>()],
        scheme in proptest::sample::select(vec![Scheme::Momento, Scheme::Github, Scheme::Commenda]),
        entropy in any::<[u8; 32]>(),
    ) {
        let published = published_ms / 1000;
        let now = published.saturating_add_signed(skew);
        let wh = webhook(scheme, &entropy).envelope_tolerance_seconds(Some(tolerance));
        let body = format!(r#"{{"cache":"c","topic":"t","publish_timestamp":{published_ms},"text":"x"}}"#);
        let headers = signed(&wh, "msg_1", 0, body.as_bytes());
        let expected = if now.saturating_sub(published) > tolerance {
            Err(VerifyError::TimestampTooOld)
        } else if published.saturating_sub(now) > tolerance {
            Err(VerifyError::TimestampTooNew)
        } else {
            Ok(())
        };
        prop_assert_eq!(wh.verify_at(body.as_bytes(), &headers, now), expected);
        let forged = body.replace(r#""x""#, r#""y""#);
        prop_assert_eq!(wh.verify_at(forged.as_bytes(), &headers, now), Err(VerifyError::InvalidSignature));
    }
}
