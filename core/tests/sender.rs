//! The native `Sender` against real HTTP servers on 127.0.0.1, port 0.

use core::net::SocketAddr;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use edgehooks_core::service::{AttemptFailure, RetryPolicy, UrlPolicy};
use edgehooks_core::{
    DeliveryResult, Endpoint, Envelope, Message, Scheme, Sender, SenderConfig, USER_AGENT, Webhook,
    delivery_id, generate_key_pair, generate_secret,
};

const LOCAL: UrlPolicy = UrlPolicy {
    allow_private: true,
};

/// What a test receiver does with each request.
#[derive(Clone, Copy)]
struct Behaviour {
    /// Answer 500 to this many requests first.
    fail_first: usize,
    /// Then answer this status.
    status: u16,
    /// Wait this long before answering.
    delay: Duration,
}

impl Default for Behaviour {
    fn default() -> Self {
        Behaviour {
            fail_first: 0,
            status: 204,
            delay: Duration::ZERO,
        }
    }
}

#[derive(Default)]
struct Seen {
    requests: Mutex<Vec<(HeaderMap, Bytes, SocketAddr)>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

struct Receiver {
    url: String,
    seen: Arc<Seen>,
}

impl Receiver {
    async fn start(behaviour: Behaviour) -> Receiver {
        let seen = Arc::new(Seen::default());
        let app = Router::new()
            .route("/hook", post(record))
            .with_state((behaviour, seen.clone()));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<SocketAddr>(),
            )
            .await
            .expect("serve")
        });
        Receiver { url, seen }
    }

    fn requests(&self) -> Vec<(HeaderMap, Bytes, SocketAddr)> {
        self.seen.requests.lock().expect("lock").clone()
    }
}

async fn record(
    State((behaviour, seen)): State<(Behaviour, Arc<Seen>)>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let now = seen.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    seen.max_in_flight.fetch_max(now, Ordering::SeqCst);
    let index = {
        let mut requests = seen.requests.lock().expect("lock");
        requests.push((headers, body, peer));
        requests.len()
    };
    tokio::time::sleep(behaviour.delay).await;
    seen.in_flight.fetch_sub(1, Ordering::SeqCst);
    if index <= behaviour.fail_first {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::from_u16(behaviour.status).expect("status")
    }
}

fn secret_for(scheme: Scheme) -> String {
    match scheme {
        Scheme::Standard => generate_secret(&[5; 32])
            .expect("secret")
            .expose()
            .to_string(),
        Scheme::StandardV1a => generate_key_pair(&[5; 32]).signing_key.expose().to_string(),
        _ => "a-string-secret-0123456789".to_string(),
    }
}

fn endpoint(name: &str, url: &str, scheme: Scheme) -> Endpoint {
    let webhook = Webhook::new(scheme, &secret_for(scheme)).expect("webhook");
    Endpoint::new(name, url, webhook, LOCAL).expect("endpoint")
}

fn sender(max_concurrency: usize) -> Sender {
    Sender::new(SenderConfig {
        max_concurrency,
        ..SenderConfig::default()
    })
    .expect("sender")
}

fn envelope_body() -> Bytes {
    let envelope = Envelope {
        cache: "shop".into(),
        topic: "orders".into(),
        event_timestamp: 1_700_000_000_123,
        publish_timestamp: 1_700_000_000_100,
        topic_sequence_number: 42,
        token_id: String::new(),
        message: Message::Text("the published message".into()),
    };
    Bytes::from(envelope.to_json())
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

#[tokio::test]
async fn deliveries_verify_with_the_core_and_the_reference_crate() {
    let receiver = Receiver::start(Behaviour::default()).await;
    let sender = sender(8);
    for scheme in Scheme::ALL {
        let target = endpoint(&format!("hook-{scheme}"), &receiver.url, scheme);
        let delivery = sender.send(&target, "orders:42", envelope_body()).await;
        assert_eq!(delivery.result, DeliveryResult::Delivered, "{scheme}");
        assert_eq!(delivery.attempts.len(), 1);
        assert_eq!(delivery.attempts[0].status, Some(204));
        assert_eq!(
            delivery.webhook_id,
            delivery_id("orders:42", &format!("hook-{scheme}"))
        );

        let (headers, body, _) = receiver.requests().pop().expect("a request");
        assert_eq!(body, envelope_body());
        assert_eq!(headers["content-type"], "application/json");
        assert_eq!(headers["user-agent"], USER_AGENT);
        assert_eq!(headers["webhook-id"], delivery.webhook_id.as_str());
        // The receiver holds what a user would: the secret, or the public key.
        let receiver_secret = match scheme {
            Scheme::StandardV1a => generate_key_pair(&[5; 32]).public_key,
            _ => secret_for(scheme),
        };
        let verifier = Webhook::new(scheme, &receiver_secret).expect("verifier");
        assert_eq!(
            verifier.verify_at(&body, &headers, now()),
            Ok(()),
            "{scheme}"
        );
        if scheme == Scheme::Standard {
            let reference = standardwebhooks::Webhook::new(&receiver_secret).expect("reference");
            assert!(reference.verify(&body, &headers).is_ok());
        }
    }
}

#[tokio::test]
async fn timeouts_are_enforced() {
    let receiver = Receiver::start(Behaviour {
        delay: Duration::from_secs(10),
        ..Behaviour::default()
    })
    .await;
    let target = endpoint("slow", &receiver.url, Scheme::Standard)
        .with_timeout_ms(1_000)
        .expect("timeout")
        .with_retry(RetryPolicy::None)
        .expect("retry");
    let delivery = sender(4)
        .send(&target, "m1", Bytes::from_static(b"{}"))
        .await;
    assert_eq!(delivery.result, DeliveryResult::TimedOut);
    let attempt = &delivery.attempts[0];
    assert_eq!(attempt.failure, Some(AttemptFailure::Timeout));
    assert_eq!(attempt.status, None);
    assert!(
        attempt.latency >= Duration::from_millis(1_000)
            && attempt.latency < Duration::from_millis(2_500),
        "{:?}",
        attempt.latency
    );
}

#[tokio::test]
async fn failures_are_recorded_by_kind() {
    let sender = sender(4);
    let once = |name: &str, url: &str| {
        endpoint(name, url, Scheme::Github)
            .with_retry(RetryPolicy::None)
            .expect("retry")
    };
    for status in [404u16, 500, 302] {
        let receiver = Receiver::start(Behaviour {
            status,
            ..Behaviour::default()
        })
        .await;
        let delivery = sender
            .send(
                &once("status", &receiver.url),
                "m",
                Bytes::from_static(b"{}"),
            )
            .await;
        assert_eq!(delivery.result, DeliveryResult::TimedOut);
        assert_eq!(
            delivery.attempts[0].failure,
            Some(AttemptFailure::HttpStatus(status))
        );
        assert_eq!(delivery.attempts[0].status, Some(status));
        // A redirect is not followed: the receiver saw exactly one request.
        assert_eq!(receiver.requests().len(), 1);
    }

    let closed = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}/hook", closed.local_addr().expect("addr"));
    drop(closed);
    let delivery = sender
        .send(&once("refused", &url), "m", Bytes::from_static(b"{}"))
        .await;
    assert_eq!(
        delivery.attempts[0].failure,
        Some(AttemptFailure::ConnectionFailed)
    );
    assert_eq!(delivery.attempts[0].status, None);
}

#[tokio::test]
async fn the_concurrency_limit_holds() {
    let receiver = Receiver::start(Behaviour {
        delay: Duration::from_millis(100),
        ..Behaviour::default()
    })
    .await;
    let endpoints: Vec<Endpoint> = (0..12)
        .map(|i| endpoint(&format!("hook-{i}"), &receiver.url, Scheme::Standard))
        .collect();
    let deliveries = sender(3)
        .fan_out(&endpoints, "m", Bytes::from_static(b"{}"))
        .await;
    assert!(deliveries.iter().all(|d| d.delivered()));
    assert_eq!(receiver.seen.max_in_flight.load(Ordering::SeqCst), 3);
    // One message, twelve webhooks: twelve distinct webhook-ids, in order.
    let mut ids: Vec<&str> = deliveries.iter().map(|d| d.webhook_id.as_str()).collect();
    assert_eq!(deliveries[7].endpoint, "hook-7");
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 12);
}

#[tokio::test]
async fn connections_are_reused() {
    let receiver = Receiver::start(Behaviour::default()).await;
    let target = endpoint("reuse", &receiver.url, Scheme::Standard);
    let sender = sender(4);
    for i in 0..5 {
        assert!(
            sender
                .send(&target, &format!("m{i}"), Bytes::from_static(b"{}"))
                .await
                .delivered()
        );
    }
    let mut peers: Vec<SocketAddr> = receiver
        .requests()
        .into_iter()
        .map(|(_, _, peer)| peer)
        .collect();
    assert_eq!(peers.len(), 5);
    peers.dedup();
    assert_eq!(
        peers.len(),
        1,
        "five deliveries should share one connection"
    );
}

#[tokio::test]
async fn fan_out_returns_every_outcome_in_order() {
    let good = Receiver::start(Behaviour::default()).await;
    let bad = Receiver::start(Behaviour {
        status: 503,
        ..Behaviour::default()
    })
    .await;
    let endpoints = [
        endpoint("good", &good.url, Scheme::Stripe),
        endpoint("bad", &bad.url, Scheme::Momento)
            .with_retry(RetryPolicy::None)
            .expect("retry"),
    ];
    let deliveries = sender(8)
        .fan_out(&endpoints, "m", Bytes::from_static(b"{}"))
        .await;
    assert_eq!(
        deliveries
            .iter()
            .map(|d| (d.endpoint.as_str(), d.result))
            .collect::<Vec<_>>(),
        [
            ("good", DeliveryResult::Delivered),
            ("bad", DeliveryResult::TimedOut)
        ]
    );
    assert_eq!(
        deliveries[1].attempts[0].failure,
        Some(AttemptFailure::HttpStatus(503))
    );
}

/// A blocking receiver on its own thread, run through `spawn_blocking`: while
/// it runs, tokio does not auto-advance paused time, so real I/O cannot race
/// the sender's timeouts and only the test moves the clock.
struct BlockingReceiver {
    url: String,
    server: Arc<tiny_http::Server>,
    count: Arc<AtomicUsize>,
    ids: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl BlockingReceiver {
    fn start(fail_first: usize) -> BlockingReceiver {
        Self::answering(fail_first, 500, None)
    }

    /// Answers the first `fail_first` requests with `status` (and a
    /// `Retry-After` when given), then 200.
    fn answering(fail_first: usize, status: u16, retry_after: Option<&'static str>) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind"));
        let url = format!("http://{}/hook", server.server_addr().to_ip().expect("ip"));
        let count = Arc::new(AtomicUsize::new(0));
        let ids = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::task::spawn_blocking({
            let (server, count, ids) = (server.clone(), count.clone(), ids.clone());
            move || {
                for request in server.incoming_requests() {
                    let id = request
                        .headers()
                        .iter()
                        .find(|h| h.field.equiv("webhook-id"))
                        .map(|h| h.value.to_string())
                        .unwrap_or_default();
                    ids.lock().expect("lock").push(id);
                    let seen = count.fetch_add(1, Ordering::SeqCst) + 1;
                    let mut response = tiny_http::Response::empty(200);
                    if seen <= fail_first {
                        response = tiny_http::Response::empty(status);
                        if let Some(value) = retry_after {
                            let header = tiny_http::Header::from_bytes("retry-after", value)
                                .expect("header");
                            response = response.with_header(header);
                        }
                    }
                    request.respond(response).expect("respond");
                }
            }
        });
        BlockingReceiver {
            url,
            server,
            count,
            ids,
            task,
        }
    }

    async fn stop(self) {
        self.server.unblock();
        self.task.await.expect("receiver thread");
    }
}

/// Sends one message with paused time, advancing the clock past each retry
/// delay the sender reports, and returns the delivery and the virtual time.
async fn deliver_with_paused_time(
    sender: &Sender,
    target: &Endpoint,
) -> (edgehooks_core::Delivery, Duration) {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let send = {
        let (sender, target) = (sender.clone(), target.clone());
        tokio::spawn(async move {
            sender
                .send_observed(
                    &target,
                    "orders:7",
                    Bytes::from_static(b"{}"),
                    move |attempt| {
                        tx.send(attempt.next_retry_in).expect("test listens");
                    },
                )
                .await
        })
    };
    let start = tokio::time::Instant::now();
    while let Some(next) = rx.recv().await {
        if let Some(delay) = next {
            // The sender is asleep on exactly this delay now.
            tokio::time::advance(delay).await;
        }
    }
    (send.await.expect("send task"), start.elapsed())
}

#[tokio::test(start_paused = true)]
async fn a_receiver_failing_k_times_gets_k_plus_one_attempts_on_schedule() {
    const K: usize = 3;
    let receiver = BlockingReceiver::start(K);
    let target = endpoint("flaky", &receiver.url, Scheme::Standard);
    let real = std::time::Instant::now();
    let (delivery, virtual_elapsed) = deliver_with_paused_time(&sender(4), &target).await;

    assert_eq!(delivery.result, DeliveryResult::Delivered);
    assert_eq!(delivery.attempts.len(), K + 1);
    assert_eq!(receiver.count.load(Ordering::SeqCst), K + 1);
    let ids = receiver.ids.lock().expect("lock").clone();
    assert!(ids.iter().all(|id| *id == delivery.webhook_id), "{ids:?}");
    // Delays follow the default schedule (5 s, 5 min, 30 min), jittered by at most 20%.
    for (attempt, scheduled) in delivery.attempts.iter().zip([5.0, 300.0, 1800.0]) {
        let delay = attempt
            .next_retry_in
            .expect("a retry was scheduled")
            .as_secs_f64();
        assert!(
            (scheduled * 0.8..=scheduled * 1.2).contains(&delay),
            "{delay} vs {scheduled}"
        );
        assert_eq!(attempt.failure, Some(AttemptFailure::HttpStatus(500)));
    }
    assert_eq!(delivery.attempts[K].next_retry_in, None);
    let waited: Duration = delivery
        .attempts
        .iter()
        .filter_map(|a| a.next_retry_in)
        .sum();
    assert_eq!(virtual_elapsed, waited);
    assert!(
        real.elapsed() < Duration::from_secs(10),
        "the test must not sleep for real"
    );
    receiver.stop().await;
}

#[tokio::test(start_paused = true)]
async fn the_retry_window_caps_in_process_retries() {
    let receiver = BlockingReceiver::start(usize::MAX);
    let target = endpoint("down", &receiver.url, Scheme::Standard);
    let (delivery, _) = deliver_with_paused_time(&sender(4), &target).await;
    // 5 s + 5 min + 30 min fit in the default one-hour window; the next 2 h do not.
    assert_eq!(delivery.result, DeliveryResult::DeadLettered);
    assert_eq!(delivery.attempts.len(), 4);
    assert_eq!(receiver.count.load(Ordering::SeqCst), 4);
    receiver.stop().await;

    let receiver = BlockingReceiver::start(usize::MAX);
    let target = endpoint("down", &receiver.url, Scheme::Standard)
        .with_retry(RetryPolicy::Schedule(vec![1, 1]))
        .expect("retry");
    let (delivery, elapsed) = deliver_with_paused_time(&sender(4), &target).await;
    assert_eq!(
        (delivery.result, delivery.attempts.len()),
        (DeliveryResult::DeadLettered, 3)
    );
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    receiver.stop().await;
}

#[tokio::test(start_paused = true)]
async fn retry_after_on_503_is_honoured_and_410_stops_at_once() {
    let receiver = BlockingReceiver::answering(1, 503, Some("120"));
    let target = endpoint("busy", &receiver.url, Scheme::Standard);
    let (delivery, elapsed) = deliver_with_paused_time(&sender(4), &target).await;
    assert_eq!(delivery.result, DeliveryResult::Delivered);
    assert_eq!(
        delivery.attempts[0].retry_after,
        Some(Duration::from_secs(120))
    );
    assert_eq!(
        delivery.attempts[0].next_retry_in,
        Some(Duration::from_secs(120)),
        "the receiver's 120 s, not the schedule's 5 s"
    );
    assert!(elapsed >= Duration::from_secs(120), "{elapsed:?}");
    receiver.stop().await;

    let receiver = BlockingReceiver::answering(usize::MAX, 410, None);
    let target = endpoint("gone", &receiver.url, Scheme::Standard);
    let (delivery, _) = deliver_with_paused_time(&sender(4), &target).await;
    assert_eq!(delivery.result, DeliveryResult::Gone);
    assert_eq!(delivery.attempts.len(), 1, "no retry after 410");
    assert_eq!(
        delivery.attempts[0].failure,
        Some(AttemptFailure::HttpStatus(410))
    );
    receiver.stop().await;
}

#[test]
fn endpoints_refuse_what_cannot_be_sent() {
    let webhook = Webhook::new(Scheme::Standard, &secret_for(Scheme::Standard)).expect("webhook");
    let strict = UrlPolicy::default();
    assert_eq!(
        Endpoint::new("x", "http://127.0.0.1/", webhook.clone(), strict)
            .map(drop)
            .expect_err("private")
            .code(),
        "url_not_allowed"
    );
    assert_eq!(
        Endpoint::new("bad/name", "https://example.com/", webhook.clone(), strict)
            .map(drop)
            .expect_err("name")
            .code(),
        "invalid_name"
    );
    let public_only =
        Webhook::new(Scheme::StandardV1a, &generate_key_pair(&[1; 32]).public_key).expect("pk");
    assert_eq!(
        Endpoint::new("x", "https://example.com/", public_only, strict)
            .map(drop)
            .expect_err("public key")
            .code(),
        "invalid_secret"
    );
    let target = Endpoint::new("x", "https://example.com/", webhook, strict).expect("endpoint");
    assert_eq!(
        target
            .clone()
            .with_timeout_ms(999)
            .map(drop)
            .expect_err("timeout")
            .code(),
        "invalid_timeout"
    );
    assert_eq!(
        target
            .with_retry(RetryPolicy::Schedule(vec![]))
            .map(drop)
            .expect_err("retry")
            .code(),
        "invalid_retry"
    );
    assert!(
        Sender::new(SenderConfig {
            max_concurrency: 0,
            ..SenderConfig::default()
        })
        .is_err()
    );
}
