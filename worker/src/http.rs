//! HTTP plumbing shared by the API and the Durable Objects: query
//! parameters, JSON bodies and replies, and calls to an object's stub. An
//! object answers in the API's own shapes, so its replies (errors included)
//! can be passed on unchanged.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{Method, Request, RequestInit, Response, Stub, web_sys};

use crate::error::{ApiError, ApiResult};

/// What every API response carries: never stored by a cache (some carry
/// secrets), never content-sniffed.
pub(crate) const API_HEADERS: &[(&str, &str)] = &[
    ("cache-control", "no-store"),
    ("x-content-type-options", "nosniff"),
];

/// Strict Transport Security, for responses served over https.
pub(crate) const HSTS: (&str, &str) = (
    "strict-transport-security",
    "max-age=31536000; includeSubDomains",
);

/// `response` with `extra` headers set. A response passed on from an
/// object (its headers immutable) is copied around its body, not read.
pub(crate) fn with_headers(response: Response, extra: &[(&str, &str)]) -> ApiResult<Response> {
    if extra
        .iter()
        .all(|(name, value)| response.headers().set(name, value).is_ok())
    {
        return Ok(response);
    }
    let js = |e: worker::wasm_bindgen::JsValue| {
        ApiError::internal("copying a response", format!("{e:?}"))
    };
    let status = response.status_code();
    let original: web_sys::Response = response.into();
    let headers = web_sys::Headers::new_with_headers(&original.headers()).map_err(js)?;
    for (name, value) in extra {
        headers.set(name, value).map_err(js)?;
    }
    let init = web_sys::ResponseInit::new();
    init.set_status(status);
    init.set_headers(&headers);
    let copy =
        web_sys::Response::new_with_opt_readable_stream_and_init(original.body().as_ref(), &init)
            .map_err(js)?;
    Ok(Response::from(copy))
}

/// The whole body of `req`, read in one piece.
pub(crate) async fn request_body(req: &Request) -> ApiResult<Vec<u8>> {
    array_buffer(req.inner().array_buffer()).await
}

/// The whole body of `response`, read in one piece (not chunk by chunk).
pub(crate) async fn response_body(response: Response) -> ApiResult<Vec<u8>> {
    let response: web_sys::Response = response.into();
    array_buffer(response.array_buffer()).await
}

async fn array_buffer(
    promise: Result<worker::js_sys::Promise, worker::wasm_bindgen::JsValue>,
) -> ApiResult<Vec<u8>> {
    let read =
        |e: worker::wasm_bindgen::JsValue| ApiError::internal("reading a body", format!("{e:?}"));
    let buffer = JsFuture::from(promise.map_err(read)?).await.map_err(read)?;
    Ok(worker::js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A query parameter of `req`.
pub(crate) fn query(req: &Request, name: &str) -> ApiResult<Option<String>> {
    Ok(req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned()))
}

/// Why an outbound request got no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NoAnswer {
    /// It failed before an answer (refused, reset, DNS, TLS).
    Failed,
    /// No answer within the time given; the request is aborted.
    TimedOut,
}

/// Sends `request` to the outside, aborted after `timeout_ms`.
pub(crate) async fn fetch_within(request: Request, timeout_ms: u32) -> Result<Response, NoAnswer> {
    let controller = worker::AbortController::default();
    let signal = controller.signal();
    let fetch = worker::Fetch::Request(request);
    let send = Box::pin(fetch.send_with_signal(&signal));
    let timeout = Box::pin(worker::Delay::from(core::time::Duration::from_millis(
        u64::from(timeout_ms),
    )));
    match futures_util::future::select(send, timeout).await {
        futures_util::future::Either::Left((Ok(response), _)) => Ok(response),
        futures_util::future::Either::Left((Err(_), _)) => Err(NoAnswer::Failed),
        futures_util::future::Either::Right(((), _)) => {
            controller.abort();
            Err(NoAnswer::TimedOut)
        }
    }
}

/// A query parameter that a Durable Object's protocol always sends.
pub(crate) fn required_query(req: &Request, name: &str) -> ApiResult<String> {
    query(req, name)?.ok_or_else(|| ApiError::invalid_request("missing parameter"))
}

/// `body` parsed as `T`; an empty body reads as `{}` when `empty_ok`.
pub(crate) fn parse_json<T: DeserializeOwned>(body: &[u8], empty_ok: bool) -> ApiResult<T> {
    let body: &[u8] = if body.is_empty() && empty_ok {
        b"{}"
    } else {
        body
    };
    serde_json::from_slice(body).map_err(|e| ApiError::invalid_json(&e))
}

/// `value` as JSON text; `what` names it in the log if it cannot be encoded.
pub(crate) fn json_text<T: Serialize + ?Sized>(value: &T, what: &'static str) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|e| ApiError::internal(what, e))
}

/// A JSON response with `status`.
pub(crate) fn json_response<T: Serialize>(status: u16, body: &T) -> ApiResult<Response> {
    Ok(Response::from_json(body)?.with_status(status))
}

/// An empty 204 response.
pub(crate) fn no_content() -> ApiResult<Response> {
    Ok(Response::empty()?.with_status(204))
}

/// The address of operation `path` with `params` (encoded); the host is a
/// placeholder, since a stub routes by object, not by host.
pub(crate) fn object_url(path: &str, params: &[(&str, &str)]) -> ApiResult<String> {
    let url = worker::Url::parse_with_params(&format!("https://object{path}"), params)
        .map_err(|e| ApiError::internal("building an object call", e))?;
    Ok(url.into())
}

/// Sends `method url` with `body` to an object's `stub`.
pub(crate) async fn call(
    stub: &Stub,
    method: Method,
    url: &str,
    body: Option<Vec<u8>>,
) -> ApiResult<Response> {
    let mut init = RequestInit::new();
    init.with_method(method);
    if let Some(body) = body {
        init.with_body(Some(worker::js_sys::Uint8Array::from(&body[..]).into()));
    }
    let request = Request::new_with_init(url, &init)?;
    Ok(stub.fetch_with_request(request).await?)
}

/// An object's 2xx reply read as `T`; any other reply becomes its error.
pub(crate) async fn read_reply<T: DeserializeOwned>(
    response: Response,
    what: &'static str,
) -> ApiResult<T> {
    let body = response_body(passed(response).await?).await?;
    serde_json::from_slice(&body).map_err(|e| ApiError::internal(what, e))
}

/// An object's 2xx reply as it is; any other reply becomes its error.
pub(crate) async fn passed(response: Response) -> ApiResult<Response> {
    let status = response.status_code();
    if (200..300).contains(&status) {
        return Ok(response);
    }
    #[derive(Deserialize)]
    struct Body {
        error: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        code: String,
        message: String,
    }
    let body = response_body(response).await.unwrap_or_default();
    Err(match serde_json::from_slice::<Body>(&body) {
        Ok(Body { error }) => ApiError::relayed(status, error.code, error.message),
        Err(_) => ApiError::internal("object call failed", status),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names reach an object exactly, whatever they hold: the query is
    /// encoded and decoded as form data (`+` is a space there, so a `+` of
    /// a name travels as `%2B`).
    #[test]
    fn object_calls_carry_names_exactly() {
        let names = [
            ("cache", "my cache ☕ 100%"),
            ("name", "a+b &c=d#e?f:'\"🦀"),
            ("topic", "%2F%20 + ,;"),
        ];
        let url = object_url("/webhook", &names).unwrap();
        let parsed = worker::Url::parse(&url).unwrap();
        assert_eq!(parsed.path(), "/webhook");
        let back: Vec<(String, String)> = parsed.query_pairs().into_owned().collect();
        let expected: Vec<(String, String)> = names
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(back, expected);
    }
}
