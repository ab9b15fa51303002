//! `sign` and `verify` through the built binary: a header set printed by
//! `sign` verifies with `verify`, and a tampered body does not.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const BODY: &[u8] = br#"{"cache":"shop","topic":"orders","text":"hello"}"#;

fn edgehooks(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_edgehooks"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin)
        .expect("write stdin");
    child.wait_with_output().expect("the binary ends")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The `--header` arguments for what `sign` printed.
fn signed_headers(scheme: &str, secret: &str, body: &[u8]) -> Vec<String> {
    let signed = edgehooks(&["sign", "--scheme", scheme, "--secret", secret], body);
    assert!(signed.status.success(), "{}", text(&signed.stderr));
    let lines = text(&signed.stdout);
    assert!(lines.contains("webhook-id: msg_"), "{lines}");
    lines
        .lines()
        .flat_map(|line| ["--header".to_owned(), line.to_owned()])
        .collect()
}

fn verify(scheme: &str, secret: &str, headers: &[String], body: &[u8]) -> Output {
    let mut args = vec!["verify", "--scheme", scheme, "--secret", secret];
    args.extend(headers.iter().map(String::as_str));
    edgehooks(&args, body)
}

#[test]
fn signed_headers_verify_and_a_tampered_body_fails() {
    for scheme in ["standard", "stripe", "github", "momento", "commenda"] {
        let headers = signed_headers(scheme, SECRET, BODY);
        let ok = verify(scheme, SECRET, &headers, BODY);
        assert!(ok.status.success(), "{scheme}: {}", text(&ok.stderr));
        assert_eq!(ok.stdout, BODY, "{scheme} prints the payload");

        let mut tampered = BODY.to_vec();
        tampered[10] ^= 1;
        let bad = verify(scheme, SECRET, &headers, &tampered);
        assert_eq!(bad.status.code(), Some(1), "{scheme}");
        assert!(bad.stdout.is_empty());
        assert!(
            text(&bad.stderr).starts_with("invalid_signature: "),
            "{scheme}: {}",
            text(&bad.stderr)
        );
    }
}

#[test]
fn standard_v1a_signs_with_the_key_and_verifies_with_the_public_key() {
    // The receiver holds only the whpk_ public key of the whsk_ signing key.
    let seed = [7u8; 32];
    let pair = edgehooks_core::generate_key_pair(&seed);
    let headers = signed_headers("standard-v1a", pair.signing_key.expose(), BODY);
    let ok = verify("standard-v1a", &pair.public_key, &headers, BODY);
    assert!(ok.status.success(), "{}", text(&ok.stderr));
    let bad = verify("standard-v1a", &pair.public_key, &headers, b"{}");
    assert_eq!(bad.status.code(), Some(1));
}

#[test]
fn sign_takes_the_id_and_timestamp_given() {
    let out = edgehooks(
        &[
            "sign",
            "--secret",
            SECRET,
            "--id",
            "msg_fixed",
            "--timestamp",
            "1700000000",
            "-",
        ],
        BODY,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines = text(&out.stdout);
    assert!(lines.contains("webhook-id: msg_fixed\n"), "{lines}");
    assert!(lines.contains("webhook-timestamp: 1700000000\n"), "{lines}");
    assert!(lines.contains("webhook-signature: v1,"), "{lines}");
    assert!(
        lines.contains("content-type: application/json\n"),
        "{lines}"
    );
    // An old timestamp is refused, unless the tolerance allows it.
    let headers: Vec<String> = lines
        .lines()
        .flat_map(|line| ["-H".to_owned(), line.to_owned()])
        .collect();
    let old = verify("standard", SECRET, &headers, BODY);
    assert!(text(&old.stderr).starts_with("timestamp_too_old: "));
    let mut args = vec!["verify", "--secret", SECRET, "--tolerance", "9999999999"];
    args.extend(headers.iter().map(String::as_str));
    assert!(edgehooks(&args, BODY).status.success());
}

#[test]
fn usage_errors_and_help() {
    let missing = edgehooks(&["verify", "--secret", SECRET, "-H", "nocolon"], b"");
    assert_eq!(missing.status.code(), Some(2));
    let unknown = edgehooks(&["sign", "--scheme", "hmac", "--secret", SECRET], b"");
    assert!(text(&unknown.stderr).contains("unknown scheme"));
    for command in [
        vec!["--help"],
        vec!["listen", "--help"],
        vec!["webhooks", "put", "--help"],
        vec!["keys", "create", "--help"],
    ] {
        let help = edgehooks(&command, b"");
        assert!(help.status.success(), "{command:?}");
        assert!(text(&help.stdout).contains("Usage:"), "{command:?}");
    }
}

#[test]
fn a_bad_key_prints_unauthorized() {
    // A listener that answers 401 as the service does, on 127.0.0.1.
    let server = tiny_http::Server::http("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", server.server_addr());
    let answer = std::thread::spawn(move || {
        if let Ok(request) = server.recv() {
            let body =
                r#"{"error":{"code":"unauthorized","message":"missing or unknown API key"}}"#;
            let _ = request.respond(tiny_http::Response::from_string(body).with_status_code(401));
        }
    });
    let out = edgehooks(&["keys", "list", "--url", &url, "--api-key", "wrong"], b"");
    answer.join().expect("server thread");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "unauthorized: missing or unknown API key\n"
    );
}
