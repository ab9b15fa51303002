//! Deliveries per second from the native `Sender` to a fast local receiver,
//! with N = 1, 100 and 1000 webhooks delivered concurrently, side by side in
//! one run with the practical limit: the same `reqwest` client posting the
//! same bytes unsigned, with the same concurrency.
//!
//! `cargo bench -p edgehooks-core --features tokio --bench send`
//!
//! The receiver (axum on hyper, answering 204) and the senders run on one
//! tokio worker thread each, so each side has one of two cores.
#![allow(clippy::print_stdout)]

use core::time::Duration;
use std::time::Instant;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use bytes::Bytes;
use edgehooks_core::service::UrlPolicy;
use edgehooks_core::{Endpoint, Scheme, Sender, SenderConfig, Webhook, generate_secret};

/// Deliveries per measured run, per N.
const DELIVERIES: [(usize, usize); 3] = [(1, 3_000), (100, 20_000), (1000, 20_000)];
/// Measured runs per contender and N (after one warm-up run each); the median counts.
const RUNS: usize = 5;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
}

fn body() -> Bytes {
    Bytes::from_static(
        br#"{"cache":"shop","topic":"orders","event_timestamp":1700000000123,"publish_timestamp":1700000000100,"topic_sequence_number":42,"token_id":"","text":"{\"order\":\"A-1001\",\"total\":42.5,\"currency\":\"EUR\"}"}"#,
    )
}

async fn edgehooks_run(sender: &Sender, endpoints: &[Endpoint], rounds: usize) -> usize {
    let mut delivered = 0;
    for round in 0..rounds {
        let deliveries = sender
            .fan_out(endpoints, &format!("m{round}"), body())
            .await;
        delivered += deliveries.iter().filter(|d| d.delivered()).count();
    }
    delivered
}

async fn bare_run(client: &reqwest::Client, url: &str, n: usize, rounds: usize) -> usize {
    let mut delivered = 0;
    for _ in 0..rounds {
        let posts = (0..n).map(|_| async {
            let response = client
                .post(url)
                .header("content-type", "application/json")
                .body(body())
                .send()
                .await
                .ok()?;
            let ok = response.status().is_success();
            response.bytes().await.ok()?;
            ok.then_some(())
        });
        delivered += futures_util::future::join_all(posts)
            .await
            .into_iter()
            .flatten()
            .count();
    }
    delivered
}

fn median(mut rates: Vec<f64>) -> f64 {
    rates.sort_by(f64::total_cmp);
    rates[rates.len() / 2]
}

fn main() {
    let server = runtime();
    let url = server.block_on(async {
        let app = Router::new().route("/hook", post(|| async { StatusCode::NO_CONTENT }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
        url
    });

    let client_rt = runtime();
    let secret = generate_secret(&[42; 32]).expect("secret");
    println!("| webhooks (N) | edgehooks Sender | bare reqwest loop | ratio |");
    println!("|---|---|---|---|");
    for (n, deliveries) in DELIVERIES {
        let rounds = deliveries / n;
        let endpoints: Vec<Endpoint> = (0..n)
            .map(|i| {
                let webhook = Webhook::new(Scheme::Standard, secret.expose()).expect("webhook");
                Endpoint::new(
                    &format!("hook-{i}"),
                    &url,
                    webhook,
                    UrlPolicy {
                        allow_private: true,
                    },
                )
                .expect("endpoint")
            })
            .collect();
        let (ours, bare) = client_rt.block_on(async {
            let sender = Sender::new(SenderConfig {
                max_concurrency: n,
                ..SenderConfig::default()
            })
            .expect("sender");
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(n)
                .build()
                .expect("client");
            // Warm both connection pools, then alternate the measured runs.
            edgehooks_run(&sender, &endpoints, 1.max(rounds / 10)).await;
            bare_run(&client, &url, n, 1.max(rounds / 10)).await;
            let (mut ours, mut bare) = (Vec::new(), Vec::new());
            for _ in 0..RUNS {
                let started = Instant::now();
                let done = edgehooks_run(&sender, &endpoints, rounds).await;
                assert_eq!(done, rounds * n, "every delivery succeeds");
                ours.push(done as f64 / started.elapsed().as_secs_f64());
                let started = Instant::now();
                let done = bare_run(&client, &url, n, rounds).await;
                assert_eq!(done, rounds * n, "every post succeeds");
                bare.push(done as f64 / started.elapsed().as_secs_f64());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            (median(ours), median(bare))
        });
        println!("| {n} | {ours:.0}/s | {bare:.0}/s | {:.2}x |", ours / bare);
    }
}
