//! WebAssembly bindings of `edgehooks-core` for the `edgehooks` npm package.
//!
//! Deliberately thin: every rule is the core's. JavaScript-side conversions
//! (strings or bytes, `Headers` objects, JSON parsing) live in the package's
//! JS wrapper.
//!
//! Errors cross the boundary as JavaScript error objects, thrown from here:
//! the core's [`VerifyError`]s as the package's `WebhookVerificationError`
//! (its `code` and message are the core's), numbers out of range as
//! `TypeError`s. The error class is imported from `../errors.js`, relative
//! to the generated glue, which the package places in `src/wasm/`.
#![no_std]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use edgehooks_core::{HeaderLookup, MacCandidates, MacHash, Scheme, VerifyError, Webhook};
use wasm_bindgen::prelude::*;

mod scratch;

use scratch::Scratch;

#[wasm_bindgen(raw_module = "../errors.js")]
extern "C" {
    /// The package's `WebhookVerificationError`: an `Error` with a `code`.
    type WebhookVerificationError;

    /// `new WebhookVerificationError(code, message)`.
    #[wasm_bindgen(constructor)]
    fn new(code: &str, message: &str) -> WebhookVerificationError;
}

#[wasm_bindgen]
extern "C" {
    /// JavaScript's built-in `TypeError`.
    type TypeError;

    /// `new TypeError(message)`.
    #[wasm_bindgen(constructor)]
    fn new(message: &str) -> TypeError;
}

/// The core's error as the JS error the package documents: its code, and
/// its `Display` as the message.
fn thrown(error: VerifyError) -> JsValue {
    // `format!` rather than `to_string`: the same text, less code in the module.
    WebhookVerificationError::new(error.code(), &format!("{error}")).into()
}

/// A whole, non-negative JS number (seconds, bytes) up to
/// `Number.MAX_SAFE_INTEGER`; anything else (NaN and infinities included) is
/// a `TypeError` with `refusal` as its message.
fn non_negative(value: f64, refusal: &str) -> Result<u64, JsValue> {
    if (0.0..=9_007_199_254_740_991.0).contains(&value) {
        Ok(value as u64)
    } else {
        Err(TypeError::new(refusal).into())
    }
}

/// A scheme and its secrets, parsed once; the engine of the JS `Webhook`.
#[wasm_bindgen]
pub struct WebhookCore {
    inner: Webhook,
    /// The raw HMAC keys, for a host that computes the tags natively.
    mac_keys: Vec<Vec<u8>>,
    /// The candidates of the last `prepareMac`, for `finishMac`.
    pending: Option<MacCandidates>,
    /// Where a host computing the tags natively exchanges bytes with the core.
    scratch: Option<Scratch>,
}

/// Header names and values interleaved: `[name0, value0, name1, value1, ...]`.
struct FlatHeaders<'a, S>(&'a [S]);

impl<S: AsRef<str>> HeaderLookup for FlatHeaders<'_, S> {
    fn header(&self, name: &str) -> Option<&str> {
        self.0
            .chunks_exact(2)
            .find(|pair| pair[0].as_ref().eq_ignore_ascii_case(name))
            .map(|pair| pair[1].as_ref())
    }
}

/// The most headers a scheme reads (`standard`: three, each with its Svix alias).
const MAX_HEADERS: usize = 6;

/// The error of a host that wrote what the scratch area cannot hold.
fn misused_scratch() -> JsValue {
    TypeError::new("the scratch area holds no such headers or body").into()
}

/// The names and values the host wrote joined with `"\n"`, as headers.
fn split_headers<'a>(
    headers: &'a [u8],
    pieces: &'a mut [&'a str; 2 * MAX_HEADERS],
) -> Result<FlatHeaders<'a, &'a str>, JsValue> {
    let headers = core::str::from_utf8(headers).map_err(|_| misused_scratch())?;
    let mut count = 0;
    if !headers.is_empty() {
        for piece in headers.split('\n') {
            *pieces.get_mut(count).ok_or_else(misused_scratch)? = piece;
            count += 1;
        }
    }
    Ok(FlatHeaders(&pieces[..count - count % 2]))
}

#[wasm_bindgen]
impl WebhookCore {
    /// Parses `secrets` for `scheme`. What is `undefined` takes the core's
    /// default: the scheme (`standard`) and the limits (300 s tolerance, no
    /// envelope tolerance, 8 MiB body).
    #[wasm_bindgen(constructor)]
    pub fn new(
        scheme: Option<String>,
        secrets: Vec<String>,
        tolerance_seconds: Option<f64>,
        envelope_tolerance_seconds: Option<f64>,
        max_body_bytes: Option<f64>,
    ) -> Result<WebhookCore, JsValue> {
        let scheme = match scheme {
            Some(name) => name.parse::<Scheme>().map_err(|e| thrown(e.into()))?,
            None => Scheme::default(),
        };
        let mut inner = Webhook::with_secrets(scheme, &secrets).map_err(thrown)?;
        let mut mac_keys = Vec::new();
        for secret in &secrets {
            if let Some(key) = Webhook::hmac_key(scheme, secret).map_err(thrown)? {
                mac_keys.push(key.to_vec());
            }
        }
        if let Some(seconds) = tolerance_seconds {
            inner = inner.tolerance_seconds(non_negative(
                seconds,
                "toleranceSeconds must be a non-negative number up to 2^53 - 1",
            )?);
        }
        if let Some(seconds) = envelope_tolerance_seconds {
            inner = inner.envelope_tolerance_seconds(Some(non_negative(
                seconds,
                "envelopeToleranceSeconds must be a non-negative number up to 2^53 - 1",
            )?));
        }
        if let Some(bytes) = max_body_bytes {
            let bytes = non_negative(
                bytes,
                "maxBodyBytes must be a non-negative number up to 2^53 - 1",
            )?;
            inner = inner.max_body_bytes(usize::try_from(bytes).unwrap_or(usize::MAX));
        }
        Ok(WebhookCore {
            inner,
            mac_keys,
            pending: None,
            scratch: None,
        })
    }

    /// Throws the core's `payload_too_large` when a body of `length` bytes
    /// exceeds the limit, so the wrapper refuses it before copying it into
    /// WebAssembly memory, or while reading it from the network.
    #[wasm_bindgen(js_name = checkBodySize)]
    pub fn check_body_size(&self, length: f64) -> Result<(), JsValue> {
        let limit = self.inner.body_limit();
        if length > limit as f64 {
            Err(thrown(VerifyError::PayloadTooLarge { limit }))
        } else {
            Ok(())
        }
    }

    /// The largest body accepted, in bytes.
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
    pub fn verify_bytes(&self, body: &[u8], headers: Vec<String>, now: f64) -> Result<(), JsValue> {
        self.inner
            .verify_at(
                body,
                &FlatHeaders(&headers),
                non_negative(now, "now must be a non-negative number up to 2^53 - 1")?,
            )
            .map_err(thrown)
    }

    /// The hash of the scheme's HMAC for a host computing the tags natively
    /// (`"sha256"` or `"sha3-256"`), or `undefined` (`standard-v1a`).
    #[wasm_bindgen(js_name = macHash)]
    pub fn mac_hash(&self) -> Option<String> {
        self.inner.mac_hash().map(|hash| {
            String::from(match hash {
                MacHash::Sha256 => "sha256",
                MacHash::Sha3_256 => "sha3-256",
            })
        })
    }

    /// The number of HMAC keys (one per secret; none for `standard-v1a`).
    #[wasm_bindgen(js_name = macKeyCount)]
    pub fn mac_key_count(&self) -> usize {
        self.mac_keys.len()
    }

    /// The raw HMAC key of secret `index`, in the order the secrets were given.
    #[wasm_bindgen(js_name = macKey)]
    pub fn mac_key(&self, index: usize) -> Option<Vec<u8>> {
        self.mac_keys.get(index).cloned()
    }

    /// The scratch area of a host computing the tags natively, allocated
    /// on the first call: `[address, header bytes, prefix offset, tags
    /// offset, body offset, body bytes]`, offsets from its address in
    /// WebAssembly memory.
    #[wasm_bindgen(js_name = macScratch)]
    pub fn mac_scratch(&mut self) -> Vec<u32> {
        let address = self.scratch.get_or_insert_with(Scratch::new).address();
        [
            address,
            scratch::HEADER_BYTES,
            scratch::PREFIX_AT,
            scratch::TAGS_AT,
            scratch::BODY_AT,
            scratch::BODY_BYTES,
        ]
        .iter()
        .map(|&n| u32::try_from(n).unwrap_or(u32::MAX))
        .collect()
    }

    /// `verifyBytes` of a small body the host wrote at the body offset of
    /// the [scratch area](Self::mac_scratch) (`body_length` bytes), with
    /// headers as for [`prepareMac`](Self::prepare_mac): no copy of either
    /// crosses the boundary.
    #[wasm_bindgen(js_name = verifyScratch)]
    pub fn verify_scratch(
        &self,
        headers_length: usize,
        body_length: usize,
        now: f64,
    ) -> Result<(), JsValue> {
        let now = non_negative(now, "now must be a non-negative number up to 2^53 - 1")?;
        let (headers, body) = self
            .scratch
            .as_ref()
            .and_then(|scratch| scratch.headers_and_body(headers_length, body_length))
            .ok_or_else(misused_scratch)?;
        let mut pieces = [""; 2 * MAX_HEADERS];
        let flat = split_headers(headers, &mut pieces)?;
        self.inner.verify_at(body, &flat, now).map_err(thrown)
    }

    /// Every check of `verifyBytes` before the HMAC, for a body of
    /// `body_length` bytes, with the headers the host wrote at the start of
    /// the [scratch area](Self::mac_scratch): `headers_length` bytes of the
    /// names and values of `verifyBytes` joined with `"\n"` (no value holds
    /// one). Throws as `verifyBytes` would; else writes the text signed
    /// before the body at the prefix offset, keeps the request's decoded
    /// candidate tags for `finishMac` and returns the prefix's length; `-1`
    /// when no candidate decoded (no tag can match: the caller lets
    /// `finishMac(0)` throw without computing one).
    #[wasm_bindgen(js_name = prepareMac)]
    pub fn prepare_mac(
        &mut self,
        headers_length: usize,
        body_length: f64,
        now: f64,
    ) -> Result<i32, JsValue> {
        self.pending = None;
        let now = non_negative(now, "now must be a non-negative number up to 2^53 - 1")?;
        let length =
            usize::try_from(non_negative(body_length, "body length")?).unwrap_or(usize::MAX);
        let (headers, prefix_area) = self
            .scratch
            .as_mut()
            .and_then(|scratch| scratch.headers_and_prefix(headers_length))
            .ok_or_else(misused_scratch)?;
        let mut pieces = [""; 2 * MAX_HEADERS];
        let flat = split_headers(headers, &mut pieces)?;
        let (prefix, candidates) = self
            .inner
            .prepare_mac_at(length, &flat, now)
            .map_err(thrown)?;
        if candidates.is_empty() {
            return Ok(-1);
        }
        let mut written = 0;
        for piece in prefix {
            let end = written + piece.len();
            prefix_area
                .get_mut(written..end)
                .ok_or_else(misused_scratch)?
                .copy_from_slice(piece.as_bytes());
            written = end;
        }
        self.pending = Some(candidates);
        i32::try_from(written).map_err(|_| misused_scratch())
    }

    /// Finishes the verification `prepareMac` began: the host wrote the
    /// HMAC of the signed bytes under each of the first `tag_count` keys,
    /// in key order, at the tags offset of the scratch area. The core
    /// compares them with the candidates in constant time and throws
    /// `invalid_signature` when none matches.
    #[wasm_bindgen(js_name = finishMac)]
    pub fn finish_mac(&mut self, tag_count: usize) -> Result<(), JsValue> {
        let candidates = self.pending.take();
        let tags = self
            .scratch
            .as_ref()
            .and_then(|scratch| scratch.tags(tag_count.min(self.mac_keys.len())))
            .unwrap_or_default();
        let matched = candidates.is_some_and(|candidates| {
            tags.chunks(MacCandidates::TAG_LEN)
                .fold(false, |found, tag| found | candidates.matches(tag))
        });
        if matched {
            Ok(())
        } else {
            Err(thrown(VerifyError::InvalidSignature))
        }
    }

    /// Whether `checkEnvelope` has anything to check.
    #[wasm_bindgen(js_name = checksEnvelope)]
    pub fn checks_envelope(&self) -> bool {
        self.inner.envelope_tolerance().is_some()
    }

    /// The envelope check of a body whose signature verified.
    #[wasm_bindgen(js_name = checkEnvelope)]
    pub fn check_envelope(&self, body: &[u8], now: f64) -> Result<(), JsValue> {
        self.inner
            .check_envelope_at(
                body,
                non_negative(now, "now must be a non-negative number up to 2^53 - 1")?,
            )
            .map_err(thrown)
    }

    /// Signs a body; returns the headers interleaved as `[name, value, ...]`.
    pub fn sign(&self, msg_id: &str, timestamp: f64, body: &[u8]) -> Result<Vec<String>, JsValue> {
        let headers = self
            .inner
            .sign(
                msg_id,
                non_negative(
                    timestamp,
                    "timestamp must be a non-negative number up to 2^53 - 1",
                )?,
                body,
            )
            .map_err(thrown)?;
        Ok(headers
            .into_iter()
            .flat_map(|(name, value)| [String::from(name), value])
            .collect())
    }
}
