//! Every scheme's signature headers, read through `HeaderLookup` from pairs,
//! maps and an `http::HeaderMap`.
//!
//! Input, as text so seeds are readable: the verifier's clock (unix seconds)
//! on the first line, then `name: value` lines, an empty line, and the body.
//!
//! Checked: no panic; every lookup finds the same names; with no name given
//! twice, every map gives the same verdict; `prepare_mac_at` (the checks a
//! caller with its own HMAC relies on) fails exactly as `verify_at` does, and
//! when it passes, its candidates and the HMAC decide as `verify_at` does.

#![no_main]

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use edgehooks_core::service::{parse_retry_after, validate_idempotency_key};
use edgehooks_core::{
    HeaderLookup, MacCandidates, MacHash, Scheme, VerifyError, Webhook, generate_key_pair,
};
use hmac::{KeyInit, Mac, SimpleHmac};
use libfuzzer_sys::fuzz_target;

/// Names the schemes read, and a few the service reads: most inputs should
/// name one of them.
const KNOWN: [&str; 12] = [
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "svix-id",
    "svix-timestamp",
    "svix-signature",
    "momento-signature",
    "x-hub-signature-256",
    "stripe-signature",
    "commenda-x-secret",
    "retry-after",
    "idempotency-key",
];

/// One receiver per scheme, with the secrets of the seed corpus (two for the
/// schemes that carry several signatures; the public key of seed `[7; 32]`
/// for `standard-v1a`).
static RECEIVERS: LazyLock<Vec<(Webhook, Vec<String>)>> = LazyLock::new(|| {
    let hmac = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".to_string();
    let other = "whsec_bmV3IHNlY3JldCBvZiB0aGlydHktdHdvIGJ5dA==".to_string();
    let public = generate_key_pair(&[7; 32]).public_key;
    Scheme::ALL
        .into_iter()
        .map(|scheme| {
            let secrets = match scheme {
                Scheme::StandardV1a => vec![public.clone()],
                Scheme::Standard | Scheme::Stripe => vec![hmac.clone(), other.clone()],
                _ => vec![hmac.clone()],
            };
            let webhook = Webhook::with_secrets(scheme, &secrets).expect("valid secrets");
            (webhook, secrets)
        })
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.split('\n');
    let now = lines
        .next()
        .and_then(|line| line.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let pairs: Vec<(&str, &str)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name, value.strip_prefix(' ').unwrap_or(value)))
        .collect();

    let btree: BTreeMap<String, &str> = pairs.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    let hash_map: HashMap<String, &str> = pairs.iter().map(|(n, v)| (n.to_string(), *v)).collect();
    let mut header_map = http::HeaderMap::new();
    let mut header_map_complete = true;
    for (name, value) in &pairs {
        match (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) if value.to_str().is_ok() => {
                header_map.append(name, value);
            }
            _ => header_map_complete = false,
        }
    }

    for name in KNOWN.iter().copied().chain(pairs.iter().map(|(n, _)| *n)) {
        let found = pairs.header(name);
        assert_eq!(found.is_some(), btree.header(name).is_some(), "{name:?}");
        assert_eq!(found.is_some(), hash_map.header(name).is_some(), "{name:?}");
        if header_map_complete && name.bytes().all(|b| !b.is_ascii_uppercase()) {
            assert_eq!(found, header_map.header(name), "{name:?}");
        }
    }
    if let Some(value) = pairs.header("retry-after") {
        // A number of seconds is capped here; a date is capped by `next_step`.
        let wait = parse_retry_after(value, now);
        if value.trim().bytes().all(|b| b.is_ascii_digit()) {
            assert!(
                wait.is_none_or(|wait| wait.as_secs() <= 24 * 3600),
                "{value:?}"
            );
        }
    }
    if let Some(key) = pairs.header("idempotency-key") {
        let _ = validate_idempotency_key(key);
    }

    let once = {
        let mut names: Vec<String> = pairs.iter().map(|(n, _)| n.to_ascii_lowercase()).collect();
        names.sort();
        names.windows(2).all(|w| w[0] != w[1])
    };
    for (webhook, secrets) in RECEIVERS.iter() {
        let verdict = webhook.verify_at(body, &pairs, now);
        assert_eq!(
            verdict,
            webhook.verify_at(body, &pairs, now),
            "deterministic"
        );
        if once {
            assert_eq!(verdict, webhook.verify_at(body, &btree, now), "BTreeMap");
            assert_eq!(verdict, webhook.verify_at(body, &hash_map, now), "HashMap");
            if header_map_complete {
                assert_eq!(
                    verdict,
                    webhook.verify_at(body, &header_map, now),
                    "HeaderMap"
                );
            }
        }
        let prepared = webhook.prepare_mac_at(body.len(), &pairs, now);
        let Some(mac_hash) = webhook.mac_hash() else {
            assert_eq!(prepared.err(), Some(VerifyError::InvalidSignature));
            continue;
        };
        match prepared {
            Err(err) => assert_eq!(verdict, Err(err), "prepare_mac_at and verify_at differ"),
            Ok((prefix, candidates)) => {
                assert!(candidates.len() <= 16);
                let matched = secrets.iter().any(|secret| {
                    let key = Webhook::hmac_key(webhook.scheme(), secret)
                        .expect("valid secret")
                        .expect("an HMAC scheme");
                    candidates.matches(&tag(mac_hash, &key, prefix, body))
                });
                let expected = if matched {
                    Ok(())
                } else {
                    Err(VerifyError::InvalidSignature)
                };
                assert_eq!(verdict, expected, "the candidates decide as verify_at");
                assert!(!candidates.matches(&[0u8; MacCandidates::TAG_LEN + 1]));
            }
        }
    }
});

/// The tag a caller with its own HMAC computes from `prepare_mac_at`'s pieces.
fn tag(hash: MacHash, key: &[u8], prefix: [&str; 4], body: &[u8]) -> Vec<u8> {
    fn run<M: Mac + KeyInit>(key: &[u8], prefix: [&str; 4], body: &[u8]) -> Vec<u8> {
        let mut mac = <M as KeyInit>::new_from_slice(key).expect("any key length");
        prefix.iter().for_each(|piece| mac.update(piece.as_bytes()));
        mac.update(body);
        mac.finalize().into_bytes().to_vec()
    }
    match hash {
        MacHash::Sha256 => run::<SimpleHmac<sha2::Sha256>>(key, prefix, body),
        MacHash::Sha3_256 => run::<SimpleHmac<sha3::Sha3_256>>(key, prefix, body),
    }
}
