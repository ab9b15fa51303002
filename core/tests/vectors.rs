//! The shared test vectors in `tests/vectors/*.json`, computed by each
//! scheme's reference library, checked against the core: every case's
//! verification outcome, and for cases marked `sign`, the exact headers.

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

fn check_case(scheme: Scheme, case: &Case) -> Result<(), String> {
    let body = match (&case.body, &case.body_base64) {
        (_, Some(encoded)) => Base64::decode_vec(encoded).map_err(|e| e.to_string())?,
        (Some(text), None) => text.clone().into_bytes(),
        (None, None) => return Err("case has no body".into()),
    };
    let webhook = match Webhook::with_secrets(scheme, &case.secrets) {
        Ok(webhook) => webhook.tolerance_seconds(case.tolerance_seconds.unwrap_or(300)),
        Err(err) if err.code() == case.expect => return Ok(()),
        Err(err) => return Err(format!("secret refused: {} ({err})", err.code())),
    };
    let outcome = match webhook.verify(&body, &case.headers, case.now) {
        Ok(()) => "valid".to_string(),
        Err(err) => err.code().to_string(),
    };
    if outcome != case.expect {
        return Err(format!("expected {}, got {outcome}", case.expect));
    }
    if let Some(spec) = &case.sign {
        let signed = webhook
            .sign(&spec.msg_id, spec.timestamp, &body)
            .map_err(|e| format!("sign failed: {e}"))?;
        for (name, value) in signed.iter() {
            let theirs = case
                .headers
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.as_str());
            if theirs.is_some_and(|theirs| theirs != value) {
                return Err(format!(
                    "signed {name}: ours {value:?}, reference {theirs:?}"
                ));
            }
        }
        let signature = scheme.signature_header();
        if signed.get(signature).is_none() {
            return Err(format!("sign produced no {signature}"));
        }
    }
    Ok(())
}

fn run(file: &str, json: &str) {
    let vectors: VectorFile = serde_json::from_str(json).unwrap_or_else(|e| panic!("{file}: {e}"));
    assert!(!vectors.cases.is_empty(), "{file} has no cases");
    assert!(
        vectors.cases.iter().any(|c| c.expect == "valid"),
        "{file}: no positive case"
    );
    assert!(
        vectors.cases.iter().any(|c| c.expect != "valid"),
        "{file}: no negative case"
    );
    let failures: Vec<String> = vectors
        .cases
        .iter()
        .filter_map(|case| {
            check_case(vectors.scheme, case)
                .err()
                .map(|e| format!("{}: {e}", case.name))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{file}: {} of {} cases failed:\n{}",
        failures.len(),
        vectors.cases.len(),
        failures.join("\n")
    );
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
