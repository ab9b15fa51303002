//! Sends one signed message to a receiver with the native `Sender` and prints
//! every attempt.
//!
//! ```sh
//! cargo run -p edgehooks-core --features tokio --example send -- \
//!     http://127.0.0.1:3000/webhook whsec_... '{"hello":"world"}'
//! ```
//! Local and private addresses are allowed here, for trying it against a
//! receiver on this machine.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use bytes::Bytes;
use edgehooks_core::service::{RetryPolicy, UrlPolicy};
use edgehooks_core::{Endpoint, Scheme, Sender, SenderConfig, Webhook};

#[tokio::main]
async fn main() -> Result<(), Box<dyn core::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(secret)) = (args.next(), args.next()) else {
        return Err("usage: send <url> <secret> [message]".into());
    };
    let message = args
        .next()
        .unwrap_or_else(|| r#"{"hello":"world"}"#.to_string());

    let webhook = Webhook::new(Scheme::Standard, &secret)?;
    let endpoint = Endpoint::new(
        "example",
        &url,
        webhook,
        UrlPolicy {
            allow_private: true,
        },
    )?
    .with_timeout_ms(5_000)?
    .with_retry(RetryPolicy::Schedule(vec![1, 2, 4]))?;
    let sender = Sender::new(SenderConfig::default())?;
    let message_id = format!("example-{}", fastrand::u64(..));

    let delivery = sender
        .send_observed(&endpoint, &message_id, Bytes::from(message), |attempt| {
            let outcome = match (&attempt.failure, attempt.status) {
                (None, Some(status)) => format!("delivered, HTTP {status}"),
                (Some(failure), _) => format!("failed: {failure}"),
                (None, None) => "delivered".to_string(),
            };
            let next = attempt
                .next_retry_in
                .map(|d| format!(", retry in {d:.1?}"))
                .unwrap_or_default();
            println!(
                "attempt {} after {:.1?}: {outcome}{next}",
                attempt.number, attempt.latency
            );
        })
        .await;
    println!(
        "{}: {:?} (webhook-id {})",
        delivery.endpoint, delivery.result, delivery.webhook_id
    );
    Ok(())
}
