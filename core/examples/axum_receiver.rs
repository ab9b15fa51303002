//! A webhook receiver in axum: every delivery is verified with
//! `edgehooks-core` before anything else; a bad one gets 401 with the stable
//! error code, a good one 204 at once, and the work happens after answering.
//!
//! ```sh
//! EDGEHOOKS_SECRET=whsec_... cargo run -p edgehooks-core --features http --example axum_receiver
//! ```
//! Optional: `EDGEHOOKS_SCHEME` (default `standard`), `PORT` (default 3000).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use edgehooks_core::{Envelope, Scheme, Webhook, limits::MAX_DELIVERED_BODY_BYTES};

/// The receiver's routes: `POST /webhook`, verified with `webhook`.
pub(crate) fn app(webhook: Webhook) -> Router {
    Router::new()
        .route("/webhook", post(receive))
        .layer(DefaultBodyLimit::max(MAX_DELIVERED_BODY_BYTES))
        .with_state(Arc::new(webhook))
}

async fn receive(State(webhook): State<Arc<Webhook>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(err) = webhook.verify(&body, &headers) {
        let status = StatusCode::from_u16(err.http_status()).unwrap_or(StatusCode::UNAUTHORIZED);
        let json =
            serde_json::json!({ "error": { "code": err.code(), "message": err.to_string() } });
        return (status, axum::Json(json)).into_response();
    }
    // Answer first, work later: the sender's timeout keeps running while we work.
    tokio::spawn(async move {
        match Envelope::from_json(&body) {
            Ok(event) => println!(
                "{}/{} #{}",
                event.cache, event.topic, event.topic_sequence_number
            ),
            Err(_) => println!("verified a non-envelope body of {} bytes", body.len()),
        }
    });
    StatusCode::NO_CONTENT.into_response()
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let secret = std::env::var("EDGEHOOKS_SECRET")
        .map_err(|_| "set EDGEHOOKS_SECRET to the webhook's secret")?;
    let scheme: Scheme = std::env::var("EDGEHOOKS_SCHEME")
        .as_deref()
        .unwrap_or("standard")
        .parse()?;
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".into());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    eprintln!("listening on http://{}/webhook", listener.local_addr()?);
    axum::serve(listener, app(Webhook::new(scheme, &secret)?)).await?;
    Ok(())
}
