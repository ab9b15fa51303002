//! `sign` and `verify`: deliveries signed and checked offline by the core.

use std::io::Write;

use edgehooks_core::{Webhook, delivery_headers, delivery_id};

use crate::input::{random_bytes, read_body};
use crate::term::now_ms;
use crate::{Failure, Sign, Verify};

/// Verifies the delivery and prints its body.
pub(crate) fn verify(args: &Verify) -> Result<(), Failure> {
    let body = read_body(&args.body)?;
    let webhook = Webhook::with_secrets(args.signing.scheme, &args.secrets)?
        .tolerance_seconds(args.tolerance);
    webhook.verify(&body, &args.headers)?;
    let mut out = std::io::stdout().lock();
    out.write_all(&body)
        .and_then(|()| out.flush())
        .map_err(|err| Failure::new("write_failed", err))
}

/// Prints the headers a delivery of the body carries, `name: value` a line.
pub(crate) fn sign(args: &Sign) -> Result<(), Failure> {
    let body = read_body(&args.body)?;
    let webhook = Webhook::new(args.signing.scheme, &args.secret)?;
    let id = match &args.id {
        Some(id) => id.clone(),
        // A fresh id of the service's form: `msg_` and 22 characters.
        None => delivery_id(&base16(&random_bytes()?), ""),
    };
    let timestamp = args.timestamp.unwrap_or(now_ms() / 1000);
    let headers = delivery_headers(&webhook, &id, timestamp, &body)?;
    for (name, value) in headers.iter() {
        println!("{name}: {value}");
    }
    Ok(())
}

fn base16(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
