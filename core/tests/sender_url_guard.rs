//! The native `Sender` checks where a name leads, not only how it is
//! written: names are resolved by a test resolver, and every connection the
//! sender may make goes to a server on 127.0.0.1, port 0, that counts them.

use core::net::IpAddr;
use core::sync::atomic::{AtomicUsize, Ordering};
use std::collections::HashMap;
use std::io;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use edgehooks_core::service::{
    AttemptFailure, AuthFailure, AuthInput, PrivateTarget, RetryPolicy, UrlPolicy,
};
use edgehooks_core::{
    Delivery, DeliveryResult, Endpoint, ResolveFuture, Resolver, Scheme, Sender, SenderConfig,
    Webhook,
};

const STRICT: UrlPolicy = UrlPolicy {
    allow_private: false,
};
const LOCAL: UrlPolicy = UrlPolicy {
    allow_private: true,
};

/// A resolver with a fixed table of names, counting the names it is asked.
#[derive(Debug, Default)]
struct Names {
    table: HashMap<&'static str, Vec<IpAddr>>,
    asked: AtomicUsize,
}

impl Names {
    fn with(entries: &[(&'static str, &[&str])]) -> Arc<Names> {
        let table = entries
            .iter()
            .map(|(name, ips)| {
                let ips = ips.iter().map(|ip| ip.parse().expect("ip")).collect();
                (*name, ips)
            })
            .collect();
        Arc::new(Names {
            table,
            asked: AtomicUsize::new(0),
        })
    }
}

impl Resolver for Names {
    fn resolve<'a>(&'a self, host: &'a str) -> ResolveFuture<'a> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        let found = self.table.get(host).cloned();
        Box::pin(async move {
            found.ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "unknown name"))
        })
    }
}

fn sender(names: &Arc<Names>) -> Sender {
    Sender::new(SenderConfig {
        resolver: names.clone(),
        ..SenderConfig::default()
    })
    .expect("sender")
}

fn endpoint(url: &str, policy: UrlPolicy) -> Endpoint {
    let webhook = Webhook::new(Scheme::Github, "a-string-secret-0123456789").expect("webhook");
    Endpoint::new("guarded", url, webhook, policy)
        .expect("endpoint")
        .with_retry(RetryPolicy::None)
        .expect("retry")
}

/// A listener on 127.0.0.1 that accepts connections, counts them and closes
/// them: its port, and the count.
async fn counting_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while listener.accept().await.is_ok() {
            count.fetch_add(1, Ordering::SeqCst);
        }
    });
    (port, accepted)
}

/// The `host` header of every request a receiver got.
type Hosts = Arc<Mutex<Vec<String>>>;

/// A receiver on 127.0.0.1 that answers `status` (with `location`, if
/// any) and keeps the `host` of every request: its port, and the hosts.
async fn receiver(status: u16, location: Option<String>) -> (u16, Hosts) {
    async fn answer(
        State((status, location, hosts)): State<(u16, Option<String>, Hosts)>,
        headers: HeaderMap,
        _body: Bytes,
    ) -> impl IntoResponse {
        let host = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        hosts.lock().expect("lock").push(host.to_string());
        let status = StatusCode::from_u16(status).expect("status");
        match location {
            Some(location) => (status, [(header::LOCATION, location)]).into_response(),
            None => status.into_response(),
        }
    }
    let hosts = Arc::new(Mutex::new(Vec::new()));
    let app =
        Router::new()
            .route("/hook", post(answer))
            .with_state((status, location, hosts.clone()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    (port, hosts)
}

fn only_failure(delivery: &Delivery) -> Option<AttemptFailure> {
    assert_eq!(delivery.attempts.len(), 1);
    delivery.attempts[0].failure
}

#[tokio::test]
async fn a_name_that_resolves_to_a_private_address_is_refused_before_connecting() {
    // Only 127.0.0.1 here, so even a sender that failed this test sends
    // nothing elsewhere; the other kinds of address are unit tests of the
    // resolver, which connect nowhere.
    let (port, accepted) = counting_listener().await;
    let names = Names::with(&[("hooks.example.test", &["127.0.0.1"])]);
    let url = format!("http://hooks.example.test:{port}/hook");
    let delivery = sender(&names)
        .send(&endpoint(&url, STRICT), "m", Bytes::from_static(b"{}"))
        .await;
    assert_eq!(delivery.result, DeliveryResult::TimedOut);
    let failure = only_failure(&delivery).expect("failed");
    assert_eq!(
        failure,
        AttemptFailure::UrlNotAllowed(PrivateTarget::Loopback)
    );
    assert_eq!(failure.code(), "url_not_allowed");
    assert_eq!(delivery.attempts[0].status, None);
    assert_eq!(names.asked.load(Ordering::SeqCst), 1);
    assert_eq!(accepted.load(Ordering::SeqCst), 0, "no connection was made");
}

#[tokio::test]
async fn a_name_that_resolves_to_loopback_is_delivered_when_private_targets_are_allowed() {
    let (port, hosts) = receiver(204, None).await;
    let names = Names::with(&[("hooks.example.test", &["127.0.0.1"])]);
    let url = format!("http://hooks.example.test:{port}/hook");
    let delivery = sender(&names)
        .send(&endpoint(&url, LOCAL), "m", Bytes::from_static(b"{}"))
        .await;
    assert_eq!(delivery.result, DeliveryResult::Delivered);
    assert_eq!(
        *hosts.lock().expect("lock"),
        [format!("hooks.example.test:{port}")]
    );
    assert_eq!(names.asked.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_name_the_resolver_does_not_know_is_a_connection_failure() {
    let names = Names::with(&[]);
    let delivery = sender(&names)
        .send(
            &endpoint("http://unknown.example.test/hook", STRICT),
            "m",
            Bytes::from_static(b"{}"),
        )
        .await;
    assert_eq!(
        only_failure(&delivery),
        Some(AttemptFailure::ConnectionFailed)
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let (elsewhere, elsewhere_hosts) = receiver(204, None).await;
    let (port, hosts) = receiver(307, Some(format!("http://127.0.0.1:{elsewhere}/hook"))).await;
    let names = Names::with(&[]);
    let delivery = sender(&names)
        .send(
            &endpoint(&format!("http://127.0.0.1:{port}/hook"), LOCAL),
            "m",
            Bytes::from_static(b"{}"),
        )
        .await;
    assert_eq!(
        only_failure(&delivery),
        Some(AttemptFailure::HttpStatus(307))
    );
    assert_eq!(hosts.lock().expect("lock").len(), 1);
    assert!(elsewhere_hosts.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn a_token_endpoint_that_resolves_to_a_private_address_is_refused() {
    let (token_port, token_accepted) = counting_listener().await;
    let names = Names::with(&[
        ("auth.example.test", &["127.0.0.1"]),
        ("hooks.example.test", &["127.0.0.1"]),
    ]);
    let (port, accepted) = counting_listener().await;
    let auth = AuthInput::OAuth2 {
        token_url: format!("http://auth.example.test:{token_port}/token"),
        client_id: "deliveries".into(),
        client_secret: Some("client-secret".into()),
        scope: None,
        audience: None,
        client_auth: None,
    };
    let target = endpoint(&format!("http://hooks.example.test:{port}/hook"), STRICT)
        .with_auth(auth)
        .expect("auth");
    let delivery = sender(&names)
        .send(&target, "m", Bytes::from_static(b"{}"))
        .await;
    assert_eq!(
        only_failure(&delivery),
        Some(AttemptFailure::AuthFailed(AuthFailure::UrlNotAllowed))
    );
    assert_eq!(token_accepted.load(Ordering::SeqCst), 0);
    assert_eq!(accepted.load(Ordering::SeqCst), 0);
}
