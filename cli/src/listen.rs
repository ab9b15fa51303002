//! `listen`: each message of a topic, signed as the service signs a
//! delivery, POSTed to a local URL.

use core::time::Duration;
use std::time::Instant;

use clap::Args;
use edgehooks_client::{Envelope, TopicEvent};
use edgehooks_core::service::{message_id, new_webhook_secret, verification_secret};
use edgehooks_core::{SecretString, Webhook, delivery_headers, delivery_id};
use futures_util::StreamExt;

use crate::input::random_bytes;
use crate::term::{self, DIM, GREEN, RED, now_ms};
use crate::{Failure, Service, Signing};

/// Forward a topic.
#[derive(Debug, Args)]
pub(crate) struct Listen {
    /// The cache the topic belongs to.
    pub(crate) cache: String,
    /// The topic to forward.
    pub(crate) topic: String,
    /// Where each message is POSTed, e.g. `http://127.0.0.1:3000/webhooks`.
    #[arg(long)]
    pub(crate) forward_to: String,
    #[command(flatten)]
    pub(crate) signing: Signing,
    /// The secret to sign with (a new one of the scheme unless given).
    #[arg(long)]
    pub(crate) secret: Option<String>,
    /// The webhook name the `webhook-id`s are derived from, as the service
    /// derives them for a webhook of this name.
    #[arg(long, default_value = "listen")]
    pub(crate) name: String,
    /// Start after this topic sequence number instead of now.
    #[arg(long)]
    pub(crate) after: Option<u64>,
    /// How long each POST may take, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) timeout_ms: u64,
    #[command(flatten)]
    pub(crate) service: Service,
}

/// Forwards until Ctrl-C, or until the service refuses the stream.
pub(crate) async fn run(args: Listen) -> Result<(), Failure> {
    let scheme = args.signing.scheme;
    let secret = match &args.secret {
        Some(secret) => SecretString::new(secret.clone()),
        None => new_webhook_secret(scheme, &random_bytes()?),
    };
    let signer = Webhook::new(scheme, secret.expose())?;
    if !signer.can_sign() {
        return Err(Failure::new(
            "invalid_secret",
            "this secret can only verify: give the whsk_ signing key",
        ));
    }
    let shown =
        verification_secret(scheme, &secret).map_err(|err| Failure::new("invalid_secret", err))?;
    let client = args.service.client()?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_millis(args.timeout_ms))
        .build()
        .map_err(|err| Failure::new("transport", err))?;
    term::progress(&format!("Connecting to {}...", args.service.url));
    let mut events = Box::pin(client.topic_events(&args.cache, &args.topic, args.after));
    let mut ready = false;
    // Whether the last connect succeeded: a failure after it is a
    // disconnect, one after another is a retry.
    let mut connected = false;
    let forward = async {
        while let Some(event) = events.next().await {
            match event? {
                TopicEvent::Connected { after } if !ready => {
                    ready = true;
                    connected = true;
                    println!(
                        "Ready. Forwarding {}/{} to {}; signing secret {}",
                        args.cache,
                        args.topic,
                        args.forward_to,
                        shown.expose()
                    );
                    if let Some(after) = after {
                        term::progress(&format!("Starting after #{after}."));
                    }
                }
                TopicEvent::Connected { after } => {
                    connected = true;
                    term::progress(&match after {
                        Some(after) => format!("Reconnected; resuming after #{after}."),
                        None => "Reconnected.".to_owned(),
                    });
                }
                TopicEvent::Reconnecting { delay, reason } => {
                    let what = if core::mem::take(&mut connected) {
                        "Disconnected"
                    } else {
                        "Not connected"
                    };
                    term::progress(&format!(
                        "{what} ({reason}); trying again in {:.1} s...",
                        delay.as_secs_f64()
                    ));
                }
                TopicEvent::Gap { from, to } => term::progress(&format!(
                    "Messages #{from} to #{to} are no longer buffered by the service: skipped."
                )),
                TopicEvent::Message(envelope) => {
                    let line = deliver(&http, &signer, &args, envelope).await;
                    println!("{line}");
                }
                _ => {}
            }
        }
        Err(Failure::new(
            "stream_ended",
            "the service ended the event stream",
        ))
    };
    tokio::select! {
        result = forward => result,
        _ = tokio::signal::ctrl_c() => {
            term::progress("Stopped.");
            Ok(())
        }
    }
}

/// Signs and POSTs one envelope as the service's delivery would be (the
/// same `webhook-id`, body and headers); the line to print for it.
async fn deliver(
    http: &reqwest::Client,
    signer: &Webhook,
    args: &Listen,
    mut envelope: Envelope,
) -> String {
    let sequence = envelope.topic_sequence_number;
    let id = message_id(&envelope.cache, &envelope.topic, sequence);
    let webhook_id = delivery_id(&id, &args.name);
    let sent_at = now_ms();
    envelope.event_timestamp = sent_at;
    let body = envelope.to_json();
    let outcome = match delivery_headers(signer, &webhook_id, sent_at / 1000, &body) {
        Ok(headers) => {
            let mut request = http.post(&args.forward_to).body(body);
            for (name, value) in headers.iter() {
                request = request.header(name, value);
            }
            let started = Instant::now();
            let answer = request.send().await;
            let latency = started.elapsed().as_millis();
            match answer {
                Ok(response) => {
                    let status = response.status();
                    let code = if status.is_success() { GREEN } else { RED };
                    format!("{}  {latency} ms", term::out(code, status.as_str()))
                }
                Err(err) => format!(
                    "{}  {latency} ms",
                    term::out(RED, &format!("error: {}", describe(&err)))
                ),
            }
        }
        Err(err) => term::out(RED, &format!("{}: {err}", err.code())),
    };
    format!(
        "{}  #{sequence}  {outcome}  {}",
        term::time_of_day(sent_at),
        term::out(DIM, &webhook_id)
    )
}

/// Why a POST got no answer, in a few words.
fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timeout".to_owned()
    } else if err.is_connect() {
        "connection failed".to_owned()
    } else {
        err.to_string()
    }
}
