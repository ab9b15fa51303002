//! The native `Sender`'s `auth` and static headers against real HTTP
//! servers on 127.0.0.1: an OAuth 2.0 token endpoint (client credentials,
//! RFC 6749 section 4.4) that issues and remembers tokens, and a receiver
//! that accepts only the tokens it issued (or the Basic pair).

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use edgehooks_core::service::{
    AttemptFailure, AuthFailure, AuthInput, RetryPolicy, TokenRefusal, UrlPolicy,
};
use edgehooks_core::{DeliveryResult, Endpoint, Scheme, Sender, SenderConfig, Webhook};

const LOCAL: UrlPolicy = UrlPolicy {
    allow_private: true,
};
const CLIENT_ID: &str = "deliveries";
const CLIENT_SECRET: &str = "s3cret+/:";

#[derive(Default)]
struct Authority {
    issued: Mutex<HashSet<String>>,
    fetches: Mutex<Vec<String>>,
    expires_in: u64,
}

#[derive(Default)]
struct Seen {
    requests: Mutex<Vec<HeaderMap>>,
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("serve") });
    base
}

/// The token endpoint: Basic client authentication with form-encoded
/// credentials, `grant_type=client_credentials`.
async fn token(
    State(authority): State<Arc<Authority>>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, String) {
    let form: BTreeMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| STANDARD.decode(v).ok())
        .and_then(|v| String::from_utf8(v).ok());
    let client = basic.and_then(|pair| {
        let (id, secret) = pair.split_once(':')?;
        let decode = |s: &str| {
            url::form_urlencoded::parse(format!("x={s}").as_bytes())
                .next()
                .map(|(_, v)| v.into_owned())
        };
        Some((decode(id)?, decode(secret)?))
    });
    if client != Some((CLIENT_ID.into(), CLIENT_SECRET.into())) {
        return (
            StatusCode::UNAUTHORIZED,
            r#"{"error":"invalid_client"}"#.into(),
        );
    }
    if form.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            r#"{"error":"unsupported_grant_type"}"#.into(),
        );
    }
    let mut fetches = authority.fetches.lock().expect("lock");
    let token = format!("token-{}", fetches.len() + 1);
    fetches.push(form.get("scope").cloned().unwrap_or_default());
    authority.issued.lock().expect("lock").insert(token.clone());
    let answer = serde_json::json!({
        "access_token": token, "token_type": "Bearer", "expires_in": authority.expires_in,
    });
    (StatusCode::OK, answer.to_string())
}

/// A receiver that accepts the tokens `authority` issued, or `basic`.
async fn protected(
    State((authority, seen, basic)): State<(Arc<Authority>, Arc<Seen>, Option<String>)>,
    headers: HeaderMap,
) -> StatusCode {
    seen.requests.lock().expect("lock").push(headers.clone());
    let given = headers.get("authorization").and_then(|v| v.to_str().ok());
    let ok = match (&basic, given) {
        (Some(expected), Some(given)) => given == expected,
        (None, Some(given)) => given
            .strip_prefix("Bearer ")
            .is_some_and(|t| authority.issued.lock().expect("lock").contains(t)),
        _ => false,
    };
    if ok {
        StatusCode::NO_CONTENT
    } else {
        StatusCode::UNAUTHORIZED
    }
}

struct Setup {
    authority: Arc<Authority>,
    seen: Arc<Seen>,
    token_url: String,
    hook_url: String,
}

async fn setup(basic: Option<String>) -> Setup {
    let authority = Arc::new(Authority {
        expires_in: 3600,
        ..Authority::default()
    });
    let seen = Arc::new(Seen::default());
    let token_url = format!(
        "{}/token",
        serve(
            Router::new()
                .route("/token", post(token))
                .with_state(authority.clone())
        )
        .await
    );
    let hook_url = format!(
        "{}/hook",
        serve(Router::new().route("/hook", post(protected)).with_state((
            authority.clone(),
            seen.clone(),
            basic
        )))
        .await
    );
    Setup {
        authority,
        seen,
        token_url,
        hook_url,
    }
}

fn auth(json: serde_json::Value) -> AuthInput {
    serde_json::from_value(json).expect("auth")
}

fn endpoint(url: &str) -> Endpoint {
    let webhook = Webhook::new(Scheme::Github, "a-string-secret-0123456789").expect("webhook");
    Endpoint::new("hook", url, webhook, LOCAL).expect("endpoint")
}

fn oauth(token_url: &str, secret: &str) -> AuthInput {
    auth(serde_json::json!({
        "type": "oauth2", "tokenUrl": token_url, "clientId": CLIENT_ID,
        "clientSecret": secret, "scope": "deliveries",
    }))
}

#[tokio::test]
async fn one_token_serves_many_deliveries_and_a_401_fetches_a_new_one() {
    let s = setup(None).await;
    let sender = Sender::new(SenderConfig::default()).expect("sender");
    let endpoint = endpoint(&s.hook_url)
        .with_auth(oauth(&s.token_url, CLIENT_SECRET))
        .expect("auth")
        .with_retry(RetryPolicy::Schedule(vec![1]))
        .expect("retry");
    for i in 0..3 {
        let delivery = sender
            .send(&endpoint, &format!("m{i}"), Bytes::from_static(b"{}"))
            .await;
        assert!(delivery.delivered(), "{delivery:?}");
    }
    assert_eq!(
        *s.authority.fetches.lock().expect("lock"),
        vec!["deliveries"]
    );
    // The receiver stops accepting the token: a 401, then a new token.
    s.authority.issued.lock().expect("lock").clear();
    let delivery = sender
        .send(&endpoint, "m3", Bytes::from_static(b"{}"))
        .await;
    assert!(delivery.delivered(), "{delivery:?}");
    assert_eq!(delivery.attempts[0].status, Some(401));
    assert_eq!(delivery.attempts.len(), 2);
    assert_eq!(s.authority.fetches.lock().expect("lock").len(), 2);
}

#[tokio::test]
async fn a_refused_client_is_an_auth_failure_and_nothing_is_sent() {
    let s = setup(None).await;
    let sender = Sender::new(SenderConfig::default()).expect("sender");
    let endpoint = endpoint(&s.hook_url)
        .with_auth(oauth(&s.token_url, "wrong"))
        .expect("auth")
        .with_retry(RetryPolicy::None)
        .expect("retry");
    let delivery = sender.send(&endpoint, "m", Bytes::from_static(b"{}")).await;
    assert_eq!(delivery.result, DeliveryResult::TimedOut);
    assert_eq!(
        delivery.attempts[0].failure,
        Some(AttemptFailure::AuthFailed(AuthFailure::Refused {
            status: 401,
            refusal: TokenRefusal::InvalidClient,
        }))
    );
    assert!(s.seen.requests.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn basic_auth_and_static_headers_arrive() {
    let expected = format!("Basic {}", STANDARD.encode("edge:pa55"));
    let s = setup(Some(expected.clone())).await;
    let sender = Sender::new(SenderConfig::default()).expect("sender");
    let headers = BTreeMap::from([("X-Tenant".to_string(), "acme".to_string())]);
    let endpoint = endpoint(&s.hook_url)
        .with_headers(headers)
        .expect("headers")
        .with_auth(auth(
            serde_json::json!({"type": "basic", "username": "edge", "password": "pa55"}),
        ))
        .expect("auth");
    let delivery = sender.send(&endpoint, "m", Bytes::from_static(b"{}")).await;
    assert!(delivery.delivered(), "{delivery:?}");
    let seen = s.seen.requests.lock().expect("lock");
    assert_eq!(seen[0]["authorization"], expected.as_str());
    assert_eq!(seen[0]["x-tenant"], "acme");
    assert!(seen[0].contains_key("x-hub-signature-256"));
}

#[test]
fn reserved_headers_and_incomplete_auth_are_refused() {
    let refused = endpoint("http://127.0.0.1:9/hook")
        .with_headers(BTreeMap::from([("Webhook-Id".into(), "x".into())]))
        .unwrap_err();
    assert_eq!(refused.code(), "invalid_header_name");
    let with_auth = endpoint("http://127.0.0.1:9/hook")
        .with_auth(auth(
            serde_json::json!({"type": "basic", "username": "u", "password": "p"}),
        ))
        .expect("auth");
    let refused = with_auth
        .with_headers(BTreeMap::from([("authorization".into(), "x".into())]))
        .unwrap_err();
    assert_eq!(refused.code(), "invalid_header_name");
    let missing = endpoint("http://127.0.0.1:9/hook")
        .with_auth(auth(serde_json::json!({"type": "basic", "username": "u"})))
        .unwrap_err();
    assert_eq!(missing.code(), "invalid_auth");
}
