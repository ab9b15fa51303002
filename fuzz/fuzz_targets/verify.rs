//! `Webhook::verify_at` of every scheme, with arbitrary secrets, message
//! ids, timestamps, bodies, clocks and headers.
//!
//! Checked: no panic; what `sign` makes verifies, with the sender's secrets
//! and with each signing secret's verification secret alone (the newest only
//! for the schemes that carry one signature); `delivery_headers` verify too;
//! timestamps one second past the tolerance and a changed body are refused;
//! verification is deterministic; a secret that `validate_secret` accepts is
//! one the schemes accept.

#![no_main]

use arbitrary::Arbitrary;
use edgehooks_core::service::{new_webhook_secret, validate_secret, verification_secret};
use edgehooks_core::{
    PUBLIC_KEY_PREFIX, Scheme, SecretString, VerifyError, Webhook, delivery_headers,
    generate_key_pair,
};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    scheme: u8,
    secrets: Vec<Secret<'a>>,
    msg_id: &'a str,
    timestamp: u64,
    /// The receiver's clock, this far from `timestamp`.
    skew: i32,
    tolerance: Option<u64>,
    body: &'a [u8],
    /// A body received instead of the one signed.
    tampered: Option<&'a [u8]>,
    /// Changes made to the signed headers on the way.
    edits: Vec<Edit<'a>>,
}

#[derive(Arbitrary, Debug)]
enum Secret<'a> {
    /// What the service generates for the scheme, from 32 random bytes.
    Generated([u8; 32]),
    /// A `standard-v1a` public key.
    Public([u8; 32]),
    /// Anything.
    Raw(&'a str),
}

#[derive(Arbitrary, Debug)]
enum Edit<'a> {
    Remove(u8),
    Replace(u8, &'a str),
    Rename(u8, &'a str),
    Add(&'a str, &'a str),
    Uppercase(u8),
    Duplicate(u8),
}

fuzz_target!(|input: Input<'_>| {
    let scheme = Scheme::ALL[usize::from(input.scheme) % Scheme::ALL.len()];
    let secrets: Vec<String> = input
        .secrets
        .iter()
        .map(|secret| match secret {
            Secret::Generated(random) => new_webhook_secret(scheme, random).expose().to_string(),
            Secret::Public(seed) => generate_key_pair(seed).public_key,
            Secret::Raw(raw) => (*raw).to_string(),
        })
        .collect();
    for secret in &secrets {
        let accepted = Webhook::new(scheme, secret);
        if validate_secret(scheme, secret).is_ok() {
            assert!(
                accepted.is_ok(),
                "validated but refused: {scheme} {secret:?}"
            );
        }
        let _ = Webhook::hmac_key(scheme, secret);
    }

    let sender = match Webhook::with_secrets(scheme, &secrets) {
        Ok(sender) => sender,
        Err(err) => {
            assert!(matches!(err, VerifyError::InvalidSecret(_)), "{err:?}");
            assert_eq!(
                Err(err),
                Webhook::with_secrets(scheme, &secrets).map(|_| ())
            );
            return;
        }
    };
    let sender = match input.tolerance {
        Some(seconds) => sender.tolerance_seconds(seconds),
        None => sender,
    };
    let tolerance = input.tolerance.unwrap_or(300);
    let now = input.timestamp.saturating_add_signed(i64::from(input.skew));

    let mut received: Vec<(String, String)> = Vec::new();
    if sender.can_sign() {
        match sender.sign(input.msg_id, input.timestamp, input.body) {
            Err(err) => {
                assert_eq!(err, VerifyError::InvalidHeader("webhook-id"));
                let valid_id = !input.msg_id.is_empty()
                    && input.msg_id.len() <= 256
                    && input.msg_id.bytes().all(|b| b.is_ascii_graphic());
                assert!(!valid_id, "refused a valid id {:?}", input.msg_id);
            }
            Ok(signed) => {
                check_signed(&sender, &secrets, &input, &signed, tolerance);
                received = signed
                    .iter()
                    .map(|(n, v)| (n.to_string(), v.to_string()))
                    .collect();
            }
        }
    }

    for edit in &input.edits {
        apply(&mut received, edit);
    }
    let body = input.tampered.unwrap_or(input.body);
    let verdict = sender.verify_at(body, &received, now);
    assert_eq!(
        verdict,
        sender.verify_at(body, &received, now),
        "deterministic"
    );
    if let Ok(()) = verdict {
        assert!(!received.is_empty());
    }
});

/// What a sender signed verifies, and only for that body and in time.
fn check_signed(
    sender: &Webhook,
    secrets: &[String],
    input: &Input<'_>,
    signed: &edgehooks_core::SignedHeaders,
    tolerance: u64,
) {
    let (body, timestamp) = (input.body, input.timestamp);
    let scheme = sender.scheme();
    assert_eq!(
        sender.verify_at(body, signed, timestamp),
        Ok(()),
        "{scheme}"
    );

    let signers: Vec<&String> = if scheme.allows_several_signatures() {
        secrets
            .iter()
            .filter(|secret| !secret.starts_with(PUBLIC_KEY_PREFIX))
            .collect()
    } else {
        secrets.iter().take(1).collect()
    };
    for secret in signers {
        let shared = verification_secret(scheme, &SecretString::new(secret.clone()))
            .expect("a secret that signed has a verification secret");
        let receiver = Webhook::new(scheme, shared.expose())
            .expect("a verification secret is accepted")
            .tolerance_seconds(tolerance);
        assert_eq!(
            receiver.verify_at(body, signed, timestamp),
            Ok(()),
            "{scheme}"
        );
    }

    let delivered = delivery_headers(sender, input.msg_id, timestamp, body).expect("signs");
    assert_eq!(
        sender.verify_at(body, &delivered, timestamp),
        Ok(()),
        "{scheme}"
    );

    if let Some(later) = timestamp
        .checked_add(tolerance)
        .and_then(|t| t.checked_add(1))
    {
        let expected = if scheme.is_timestamped() {
            Err(VerifyError::TimestampTooOld)
        } else {
            Ok(())
        };
        assert_eq!(sender.verify_at(body, signed, later), expected, "{scheme}");
    }
    if let Some(earlier) = timestamp
        .checked_sub(tolerance)
        .and_then(|t| t.checked_sub(1))
    {
        let expected = if scheme.is_timestamped() {
            Err(VerifyError::TimestampTooNew)
        } else {
            Ok(())
        };
        assert_eq!(
            sender.verify_at(body, signed, earlier),
            expected,
            "{scheme}"
        );
    }
    if let Some(tampered) = input.tampered.filter(|t| *t != body) {
        assert_eq!(
            sender.verify_at(tampered, signed, timestamp),
            Err(VerifyError::InvalidSignature),
            "{scheme}"
        );
    }
}

fn apply(headers: &mut Vec<(String, String)>, edit: &Edit<'_>) {
    let index = |i: &u8| (!headers.is_empty()).then(|| usize::from(*i) % headers.len());
    match edit {
        Edit::Remove(i) => {
            if let Some(i) = index(i) {
                headers.remove(i);
            }
        }
        Edit::Replace(i, value) => {
            if let Some(i) = index(i) {
                headers[i].1 = (*value).to_string();
            }
        }
        Edit::Rename(i, name) => {
            if let Some(i) = index(i) {
                headers[i].0 = (*name).to_string();
            }
        }
        Edit::Add(name, value) => headers.push(((*name).to_string(), (*value).to_string())),
        Edit::Uppercase(i) => {
            if let Some(i) = index(i) {
                headers[i].0 = headers[i].0.to_ascii_uppercase();
            }
        }
        Edit::Duplicate(i) => {
            if let Some(i) = index(i) {
                headers.insert(0, headers[i].clone());
            }
        }
    }
}
