//! The axum receiver example (`examples/axum_receiver.rs`), served on a real
//! listener: signed deliveries get 204, everything else 401 with its code.

#[path = "../examples/axum_receiver.rs"]
#[allow(dead_code)]
mod receiver;

use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use edgehooks_core::{Scheme, Webhook, generate_secret};

async fn serve(webhook: Webhook) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/webhook", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        axum::serve(listener, receiver::app(webhook))
            .await
            .expect("serve")
    });
    url
}

async fn post(
    url: &str,
    headers: &[(&str, String)],
    body: &'static [u8],
) -> (u16, serde_json::Value, Duration) {
    let client = reqwest::Client::new();
    let mut request = client.post(url).body(body);
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let started = std::time::Instant::now();
    let response = request.send().await.expect("response");
    let latency = started.elapsed();
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("body");
    let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, json, latency)
}

fn signed(webhook: &Webhook, timestamp: u64, body: &[u8]) -> Vec<(&'static str, String)> {
    webhook
        .sign("msg_1", timestamp, body)
        .expect("sign")
        .into_iter()
        .collect()
}

#[tokio::test]
async fn verified_deliveries_are_accepted_and_the_rest_refused() {
    let secret = generate_secret(&[4; 32]).expect("secret");
    let webhook = Webhook::new(Scheme::Standard, secret.expose()).expect("webhook");
    let url = serve(webhook.clone()).await;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let body: &'static [u8] = br#"{"cache":"c","topic":"t","text":"hi"}"#;
    let good = signed(&webhook, now, body);

    let (status, _, latency) = post(&url, &good, body).await;
    assert_eq!(status, 204);
    assert!(
        latency < Duration::from_secs(1),
        "answers at once: {latency:?}"
    );

    let (status, json, _) = post(&url, &good, br#"{"cache":"c","topic":"t","text":"hi!"}"#).await;
    assert_eq!(
        (status, json["error"]["code"].as_str()),
        (401, Some("invalid_signature"))
    );

    let (status, json, _) = post(&url, &good[1..], body).await;
    assert_eq!(
        (status, json["error"]["code"].as_str()),
        (401, Some("missing_header"))
    );

    let stale = signed(&webhook, now - 3600, body);
    let (status, json, _) = post(&url, &stale, body).await;
    assert_eq!(
        (status, json["error"]["code"].as_str()),
        (401, Some("timestamp_too_old"))
    );

    let other = Webhook::new(
        Scheme::Standard,
        generate_secret(&[9; 32]).expect("secret").expose(),
    )
    .expect("webhook");
    let forged = signed(&other, now, body);
    let (status, json, _) = post(&url, &forged, body).await;
    assert_eq!(
        (status, json["error"]["code"].as_str()),
        (401, Some("invalid_signature"))
    );
}
