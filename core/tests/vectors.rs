//! The shared test vectors in `tests/vectors/*.json`, computed by each
//! scheme's reference library, checked against the core: every case's
//! verification outcome, and for cases marked `sign`, the exact headers.
//! Each file must bring requests that verify and requests that are refused.

use base64ct::{Base64, Encoding};
use edgehooks_core::{Scheme, Webhook};
use serde::Deserialize;

#[derive(Deserialize)]
struct VectorFile {
    scheme: Scheme,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Case {
    name: String,
    secrets: Vec<String>,
    body: Option<String>,
    body_base64: Option<String>,
    headers: std::collections::BTreeMap<String, String>,
    now: u64,
    tolerance_seconds: Option<u64>,
    expect: String,
    sign: Option<SignSpec>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignSpec {
    msg_id: String,
    timestamp: u64,
}

/// What verifying a case came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// The request verified.
    Valid,
    /// Verification refused the request with the expected code.
    Refused,
    /// The secrets were refused before anything was verified, as expected.
    SecretRefused,
}

fn body_of(case: &Case) -> Result<Vec<u8>, String> {
    match (&case.body, &case.body_base64) {
        (Some(_), Some(_)) => Err("case has both body and bodyBase64".into()),
        (_, Some(encoded)) => Base64::decode_vec(encoded).map_err(|e| e.to_string()),
        (Some(text), None) => Ok(text.clone().into_bytes()),
        (None, None) => Err("case has no body".into()),
    }
}

/// Runs one case: its secrets, its verification and, for cases marked
/// `sign`, the exact headers.
fn check_case(scheme: Scheme, case: &Case) -> Result<Outcome, String> {
    let body = body_of(case)?;
    let webhook = match Webhook::with_secrets(scheme, &case.secrets) {
        Ok(webhook) => webhook.tolerance_seconds(case.tolerance_seconds.unwrap_or(300)),
        // Only `invalid_secret` refuses secrets, and such a case has nothing to sign.
        Err(err) if err.code() == "invalid_secret" && case.expect == err.code() => {
            return match case.sign {
                Some(_) => Err("secrets refused, yet the case signs".into()),
                None => Ok(Outcome::SecretRefused),
            };
        }
        Err(err) => {
            return Err(format!(
                "expected {}, but the secrets were refused: {} ({err})",
                case.expect,
                err.code()
            ));
        }
    };
    let outcome = match webhook.verify_at(&body, &case.headers, case.now) {
        Ok(()) if case.expect == "valid" => Outcome::Valid,
        Err(err) if err.code() == case.expect => Outcome::Refused,
        Ok(()) => return Err(format!("expected {}, got valid", case.expect)),
        Err(err) => {
            return Err(format!(
                "expected {}, got {} ({err})",
                case.expect,
                err.code()
            ));
        }
    };
    if let Some(spec) = &case.sign {
        check_signing(&webhook, case, spec, &body)?;
    }
    Ok(outcome)
}

/// Our headers for the case's message: each the same as the reference's,
/// and verifying at their own timestamp.
fn check_signing(
    webhook: &Webhook,
    case: &Case,
    spec: &SignSpec,
    body: &[u8],
) -> Result<(), String> {
    let signed = webhook
        .sign(&spec.msg_id, spec.timestamp, body)
        .map_err(|e| format!("sign failed: {e}"))?;
    let signature = webhook.scheme().signature_header();
    if signed.get(signature).is_none() {
        return Err(format!("sign produced no {signature}"));
    }
    for (name, value) in signed.iter() {
        let theirs = case
            .headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str());
        if theirs != Some(value) {
            return Err(format!(
                "signed {name}: ours {value:?}, reference {theirs:?}"
            ));
        }
    }
    webhook
        .verify_at(body, &signed, spec.timestamp)
        .map_err(|e| format!("our own headers do not verify: {e}"))
}

fn run(file: &str, json: &str) {
    let vectors: VectorFile = serde_json::from_str(json).unwrap_or_else(|e| panic!("{file}: {e}"));
    let mut failures = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    for case in &vectors.cases {
        match check_case(vectors.scheme, case) {
            Ok(outcome) => *counts.entry(outcome).or_insert(0) += 1,
            Err(e) => failures.push(format!("{}: {e}", case.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{file}: {} of {} cases failed:\n{}",
        failures.len(),
        vectors.cases.len(),
        failures.join("\n")
    );
    // Every file exercises both outcomes of verification.
    for outcome in [Outcome::Valid, Outcome::Refused] {
        assert!(
            counts.contains_key(&outcome),
            "{file}: no case came out {outcome:?} ({counts:?})"
        );
    }
    assert_eq!(counts.values().sum::<usize>(), vectors.cases.len());
}

macro_rules! vector_tests {
    ($($test:ident => $file:literal),* $(,)?) => {
        $(
            #[test]
            fn $test() {
                run($file, include_str!(concat!("../../tests/vectors/", $file)));
            }
        )*

        #[test]
        fn every_vector_file_is_checked() {
            let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors");
            let mut on_disk: Vec<String> = std::fs::read_dir(dir)
                .expect("vector folder")
                .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
                .filter(|name| name.ends_with(".json"))
                .collect();
            on_disk.sort();
            let mut checked = vec![$($file.to_string()),*];
            checked.sort();
            assert_eq!(on_disk, checked);
        }
    };
}

vector_tests! {
    standard => "standard.json",
    standard_v1a => "standard-v1a.json",
    momento => "momento.json",
    github => "github.json",
    stripe => "stripe.json",
    commenda => "commenda.json",
}
