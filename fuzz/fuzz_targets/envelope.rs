//! The delivery envelope: `Envelope` parsing and serialising, and the
//! `publish_timestamp` check of `check_envelope_at` / `verify_at`.
//!
//! Input, as text so seeds are readable: the verifier's clock (unix
//! seconds), the envelope tolerance (seconds) and a publish time (ms), one a
//! line, then a body.
//!
//! Checked: no panic; an envelope serialises to JSON that parses back to it,
//! and to the same bytes again; a message's bytes survive the envelope; a
//! body that parses as an `Envelope` has a `publish_timestamp` the check
//! reads; a signed envelope verifies exactly when its publish time is within
//! the tolerance.

#![no_main]

use edgehooks_core::{Envelope, Message, Scheme, VerifyError, Webhook};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "momento-secret-0123456789abcdef";

fuzz_target!(|data: &[u8]| {
    let mut fields = data.splitn(4, |b| *b == b'\n');
    let mut number = || {
        fields
            .next()
            .and_then(|line| std::str::from_utf8(line).ok())
            .and_then(|line| line.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    let (now, tolerance, published_ms) = (number(), number(), number());
    let body = fields.next().unwrap_or_default();

    // Whatever arrives.
    let checker = Webhook::new(Scheme::Momento, SECRET)
        .expect("secret")
        .envelope_tolerance_seconds(Some(tolerance));
    let checked = checker.check_envelope_at(body, now);
    if let Ok(envelope) = Envelope::from_json(body) {
        assert_round_trip(&envelope);
        assert_eq!(
            checked,
            expected(envelope.publish_timestamp, now, tolerance),
            "an envelope's publish_timestamp is what the check reads"
        );
    }

    // What the service sends.
    let envelope = Envelope {
        cache: "shop".into(),
        topic: "orders".into(),
        event_timestamp: published_ms,
        publish_timestamp: published_ms,
        topic_sequence_number: now,
        token_id: String::new(),
        message: Message::from_bytes(body.to_vec()),
    };
    assert_eq!(envelope.message.as_bytes(), body);
    assert_round_trip(&envelope);
    let json = envelope.to_json();
    let headers = checker.sign("msg_1", 0, &json).expect("signs");
    assert_eq!(
        checker.verify_at(&json, &headers, now),
        expected(published_ms, now, tolerance)
    );
    assert_eq!(
        checker
            .clone()
            .envelope_tolerance_seconds(None)
            .verify_at(&json, &headers, now),
        Ok(())
    );
});

fn assert_round_trip(envelope: &Envelope) {
    let json = envelope.to_json();
    let parsed = Envelope::from_json(&json).expect("an envelope's JSON parses");
    assert_eq!(&parsed, envelope);
    assert_eq!(parsed.to_json(), json);
}

/// The verdict for a message published at `published_ms`, in whole seconds.
fn expected(published_ms: u64, now: u64, tolerance: u64) -> Result<(), VerifyError> {
    let published = published_ms / 1000;
    if now.saturating_sub(published) > tolerance {
        Err(VerifyError::TimestampTooOld)
    } else if published.saturating_sub(now) > tolerance {
        Err(VerifyError::TimestampTooNew)
    } else {
        Ok(())
    }
}
