//! The OpenAPI 3.1 document of the API, served at `/v1/openapi.json`.

use worker::Response;

use crate::error::ApiResult;

/// The document, kept next to the code it describes.
pub(crate) const DOCUMENT: &str = include_str!("../openapi.json");

/// The document as a response (public: no key needed).
pub(crate) fn response() -> ApiResult<Response> {
    let response = Response::ok(DOCUMENT)?;
    response.headers().set("content-type", "application/json")?;
    Ok(response)
}
