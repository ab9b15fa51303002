//! Hostile and malformed input to making a webhook, signing and verifying:
//! each gets a clear error with a stable code and message, bounded work, and
//! no panic.
//!
//! The cases are data, `tests/vectors/bad-input/cases.json`, which the npm
//! package's tests run too; what only Rust can express (clocks beyond a JS
//! number, `Debug` output) is written below.

use std::collections::BTreeMap;

use edgehooks_core::{Scheme, VerifyError, Webhook, generate_key_pair, generate_secret};
use serde::Deserialize;

/// Fewer cases than this means the data file lost some.
const MIN_CASES: usize = 50;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    /// What the file is, for people.
    #[serde(rename = "about")]
    _about: Vec<String>,
    cases: Vec<Case>,
}

/// What a case exercises: every operation before it must succeed.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
enum Op {
    New,
    Verify,
    Sign,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Case {
    name: String,
    op: Op,
    scheme: String,
    secrets: Vec<String>,
    #[serde(default)]
    options: Options,
    body: Option<String>,
    headers: Option<BTreeMap<String, String>>,
    now: Option<u64>,
    msg_id: Option<String>,
    timestamp: Option<u64>,
    expect: String,
    message: Option<String>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Options {
    tolerance_seconds: Option<u64>,
    envelope_tolerance_seconds: Option<u64>,
    max_body_bytes: Option<usize>,
}

fn cases() -> Vec<Case> {
    let json = include_str!("../../tests/vectors/bad-input/cases.json");
    let file: CaseFile = serde_json::from_str(json).expect("bad-input/cases.json parses");
    file.cases
}

fn make(case: &Case) -> Result<Webhook, VerifyError> {
    let scheme: Scheme = case.scheme.parse()?;
    let mut webhook = Webhook::with_secrets(scheme, &case.secrets)?;
    if let Some(seconds) = case.options.tolerance_seconds {
        webhook = webhook.tolerance_seconds(seconds);
    }
    if let Some(bytes) = case.options.max_body_bytes {
        webhook = webhook.max_body_bytes(bytes);
    }
    Ok(webhook.envelope_tolerance_seconds(case.options.envelope_tolerance_seconds))
}

/// The outcome of the case's operation, or why the case cannot be run.
fn outcome(case: &Case) -> Result<Result<(), VerifyError>, String> {
    let made = make(case);
    let webhook = match (case.op, made) {
        (Op::New, made) => return Ok(made.map(drop)),
        (_, Ok(webhook)) => webhook,
        (op, Err(err)) => {
            return Err(format!(
                "the webhook must be made before {op:?}: {} ({err})",
                err.code()
            ));
        }
    };
    let body = case.body.as_deref().ok_or("no body")?.as_bytes();
    Ok(match case.op {
        Op::Verify => {
            let headers = case.headers.as_ref().ok_or("no headers")?;
            webhook.verify_at(body, headers, case.now.ok_or("no now")?)
        }
        _ => {
            let msg_id = case.msg_id.as_deref().ok_or("no msgId")?;
            let timestamp = case.timestamp.ok_or("no timestamp")?;
            webhook.sign(msg_id, timestamp, body).map(drop)
        }
    })
}

/// A case holds the fields of its operation and no others.
fn check_shape(case: &Case) -> Result<(), String> {
    let fields = [
        ("body", case.body.is_some(), case.op != Op::New),
        ("headers", case.headers.is_some(), case.op == Op::Verify),
        ("now", case.now.is_some(), case.op == Op::Verify),
        ("msgId", case.msg_id.is_some(), case.op == Op::Sign),
        ("timestamp", case.timestamp.is_some(), case.op == Op::Sign),
    ];
    match fields.iter().find(|(_, has, wants)| has != wants) {
        Some((field, true, _)) => Err(format!("{field} has no use in {:?}", case.op)),
        Some((field, false, _)) => Err(format!("{:?} needs {field}", case.op)),
        None => Ok(()),
    }
}

fn check(case: &Case) -> Result<(), String> {
    check_shape(case)?;
    match (outcome(case)?, case.expect.as_str()) {
        (Ok(()), "valid") => Ok(()),
        (Ok(()), expected) => Err(format!("expected {expected}, got valid")),
        (Err(err), expected) if err.code() != expected => {
            Err(format!("expected {expected}, got {} ({err})", err.code()))
        }
        (Err(err), _) => match &case.message {
            Some(message) if *message != err.to_string() => Err(format!(
                "message {:?}, expected {message:?}",
                err.to_string()
            )),
            _ => Ok(()),
        },
    }
}

#[test]
fn every_case_gives_its_expected_outcome() {
    let cases = cases();
    assert!(
        cases.len() >= MIN_CASES,
        "only {} cases, expected at least {MIN_CASES}",
        cases.len()
    );
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| check(case).err().map(|e| format!("{}: {e}", case.name)))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn the_cases_cover_every_code_and_operation() {
    let cases = cases();
    for code in VerifyError::CODES {
        assert!(
            cases.iter().any(|c| c.expect == *code),
            "no case expects {code}"
        );
    }
    for case in &cases {
        assert!(
            case.expect == "valid" || VerifyError::CODES.contains(&case.expect.as_str()),
            "{}: unknown code {}",
            case.name,
            case.expect
        );
    }
    for op in [Op::New, Op::Verify, Op::Sign] {
        let of_op = || cases.iter().filter(move |c| c.op == op);
        assert!(of_op().any(|c| c.expect == "valid"), "no valid {op:?} case");
        assert!(
            of_op().any(|c| c.expect != "valid"),
            "no refused {op:?} case"
        );
    }
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names are unique");
}

#[test]
fn clocks_at_the_ends_of_u64_do_not_overflow() {
    let secret = generate_secret(&[1; 32]).expect("secret");
    let wh = Webhook::new(Scheme::Standard, secret.expose()).expect("webhook");
    // A timestamp of 19 digits, far in the future: refused, never overflowing.
    let headers = wh.sign("msg_1", u64::MAX / 2, b"x").expect("sign");
    assert_eq!(
        wh.verify_at(b"x", &headers, 0),
        Err(VerifyError::TimestampTooNew)
    );
    let headers = wh.sign("msg_1", 0, b"x").expect("sign");
    assert_eq!(
        wh.verify_at(b"x", &headers, u64::MAX),
        Err(VerifyError::TimestampTooOld)
    );
    let wide = wh.tolerance_seconds(u64::MAX);
    assert_eq!(wide.verify_at(b"x", &headers, u64::MAX), Ok(()));
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
    let pair = generate_key_pair(&[8; 32]);
    let v1a = Webhook::new(Scheme::StandardV1a, pair.signing_key.expose()).expect("webhook");
    assert!(!format!("{v1a:?} {pair:?}").contains(&pair.signing_key.expose()[5..15]));
}
