//! WebAssembly bindings of `edgehooks-core` for the `edgehooks` npm package.
//!
//! Deliberately thin: every rule is the core's. JavaScript-side conversions
//! (strings or bytes, `Headers` objects, JSON parsing, error classes) live in
//! the package's JS wrapper. Errors cross the boundary as `"code\nmessage"`
//! strings, which the wrapper throws as `WebhookVerificationError`s.
#![no_std]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use edgehooks_core::{Error, HeaderLookup, Scheme, Webhook};
use wasm_bindgen::prelude::*;

/// A scheme and its secrets, parsed once; the engine of the JS `Webhook`.
#[wasm_bindgen]
pub struct WebhookCore {
    inner: Webhook,
}

/// Header names and values interleaved: `[name0, value0, name1, value1, ...]`.
struct FlatHeaders<'a>(&'a [String]);

impl HeaderLookup for FlatHeaders<'_> {
    fn header(&self, name: &str) -> Option<&str> {
        self.0
            .chunks_exact(2)
            .find(|pair| pair[0].eq_ignore_ascii_case(name))
            .map(|pair| pair[1].as_str())
    }
}

fn thrown(error: Error) -> String {
    format!("{}\n{error}", error.code())
}

/// A whole, non-negative JS number (seconds, bytes); anything else is refused.
fn non_negative(value: f64, what: &str) -> Result<u64, String> {
    // Up to Number.MAX_SAFE_INTEGER; NaN and infinities fail the range check.
    if (0.0..=9_007_199_254_740_991.0).contains(&value) {
        Ok(value as u64)
    } else {
        Err(format!(
            "type_error\n{what} must be a non-negative number of seconds"
        ))
    }
}

#[wasm_bindgen]
impl WebhookCore {
    /// Parses `secrets` for `scheme`; the limits default to the core's
    /// (300 s tolerance, 8 MiB body) when `undefined`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        scheme: &str,
        secrets: Vec<String>,
        tolerance_seconds: Option<f64>,
        max_body_bytes: Option<f64>,
    ) -> Result<WebhookCore, String> {
        let scheme: Scheme = scheme.parse().map_err(thrown)?;
        let mut inner = Webhook::with_secrets(scheme, &secrets).map_err(thrown)?;
        if let Some(seconds) = tolerance_seconds {
            inner = inner.tolerance_seconds(non_negative(seconds, "toleranceSeconds")?);
        }
        if let Some(bytes) = max_body_bytes {
            let bytes = non_negative(bytes, "maxBodyBytes")?;
            inner = inner.max_body_bytes(usize::try_from(bytes).unwrap_or(usize::MAX));
        }
        Ok(WebhookCore { inner })
    }

    /// The largest body verification accepts, in bytes.
    #[wasm_bindgen(js_name = bodyLimit)]
    pub fn body_limit(&self) -> f64 {
        self.inner.body_limit() as f64
    }

    /// The lowercase names of the headers verification reads.
    #[wasm_bindgen(js_name = headerNames)]
    pub fn header_names(&self) -> Vec<String> {
        self.inner
            .scheme()
            .verification_headers()
            .iter()
            .map(|n| String::from(*n))
            .collect()
    }

    /// Verifies a body given as bytes (strings are encoded by the wrapper).
    #[wasm_bindgen(js_name = verifyBytes)]
    pub fn verify_bytes(&self, body: &[u8], headers: Vec<String>, now: f64) -> Result<(), String> {
        self.inner
            .verify(body, &FlatHeaders(&headers), non_negative(now, "now")?)
            .map_err(thrown)
    }

    /// Signs a body; returns the headers interleaved as `[name, value, ...]`.
    pub fn sign(&self, msg_id: &str, timestamp: f64, body: &[u8]) -> Result<Vec<String>, String> {
        let headers = self
            .inner
            .sign(msg_id, non_negative(timestamp, "timestamp")?, body)
            .map_err(thrown)?;
        Ok(headers
            .into_iter()
            .flat_map(|(name, value)| [String::from(name), value])
            .collect())
    }
}
