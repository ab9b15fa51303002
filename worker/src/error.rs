//! The API's errors: every failure becomes `{"error":{"code","message"}}`
//! with its status, in this one place.

use std::borrow::Cow;

use edgehooks_core::SecretProblem;
use edgehooks_core::limits::MAX_PAGE_SIZE;
use edgehooks_core::service::hourly::KEPT_HOURS;
use edgehooks_core::service::{AccessError, IdempotencyError, QuotaError, ValidationError};
use serde_json::json;
use worker::Response;

/// An error answered to an API client.
#[derive(Clone, Debug)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    /// The stable code; owned when it comes back from a Durable Object.
    pub(crate) code: Cow<'static, str>,
    pub(crate) message: Cow<'static, str>,
    /// The methods the path takes, sent as `Allow` with a 405.
    pub(crate) allow: Option<String>,
}

/// The codes the Worker answers with of its own, beside the core's
/// [`ValidationError::CODES`], [`AccessError::CODES`],
/// [`IdempotencyError::CODES`] and [`QuotaError::CODES`]. Every constructor
/// below uses one of these.
#[cfg_attr(not(test), expect(dead_code, reason = "read by the tests"))]
pub(crate) const OWN_CODES: &[&str] = &[
    "not_found",
    "method_not_allowed",
    "invalid_json",
    "invalid_limit",
    "invalid_cursor",
    "invalid_filter",
    "invalid_replay",
    "invalid_hours",
    "already_exists",
    "rate_limited",
    "not_configured",
    "invalid_request",
    "internal_error",
];

impl ApiError {
    /// An error a Durable Object answered with, passed on as it came.
    pub(crate) fn relayed(status: u16, code: String, message: String) -> Self {
        ApiError::new(status, code, message)
    }

    fn new(
        status: u16,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
            allow: None,
        }
    }

    pub(crate) fn not_found(what: &'static str) -> Self {
        ApiError::new(404, "not_found", what)
    }

    /// A method the path does not take; `allow` lists those it takes (the
    /// `Allow` header, RFC 9110 section 15.5.6).
    pub(crate) fn method_not_allowed(allow: impl Into<String>) -> Self {
        let allow = allow.into();
        ApiError {
            allow: Some(allow.clone()),
            ..ApiError::new(
                405,
                "method_not_allowed",
                format!("this path takes only {allow}"),
            )
        }
    }

    /// A `cursor` query parameter that no page gave out.
    pub(crate) fn invalid_cursor() -> Self {
        ApiError::new(400, "invalid_cursor", "cursor is not one this API returned")
    }

    /// A filter of a list (a query parameter) that is not one it takes.
    pub(crate) fn invalid_filter(what: &'static str) -> Self {
        ApiError::new(400, "invalid_filter", what)
    }

    /// A replay body whose values cannot be used (the JSON itself is
    /// fine).
    pub(crate) fn invalid_replay(what: &'static str) -> Self {
        ApiError::new(400, "invalid_replay", what)
    }

    /// A create-only request (`If-None-Match: *`) for a name that exists.
    pub(crate) fn already_exists() -> Self {
        ApiError::new(
            412,
            "already_exists",
            "a webhook with this name already exists",
        )
    }

    /// A key past its rate of publishes; the response gets `Retry-After`.
    pub(crate) fn rate_limited(retry_after_seconds: u32) -> Self {
        ApiError::new(
            429,
            "rate_limited",
            format!(
                "this API key publishes faster than the deployment allows: try again in {retry_after_seconds} s"
            ),
        )
    }

    /// A deployment without a valid `SECRETS_KEY`.
    pub(crate) fn not_configured() -> Self {
        ApiError::new(
            500,
            "not_configured",
            "the deployment has no valid SECRETS_KEY (base64 of 32 random bytes)",
        )
    }

    /// A deployment whose `SECRETS_KEY_PREVIOUS` is set but is not a key.
    pub(crate) fn previous_key_invalid() -> Self {
        ApiError::new(
            500,
            "not_configured",
            "SECRETS_KEY_PREVIOUS is set but is not base64 of 32 bytes",
        )
    }

    /// Secrets sealed with a key the deployment does not have: names the
    /// key by its id (never by anything of the key), so the operator can
    /// tell which key to configure.
    pub(crate) fn unknown_sealing_key(key_id: &str) -> Self {
        ApiError::new(
            500,
            "internal_error",
            format!(
                "the secrets are sealed with key {key_id}, which is neither SECRETS_KEY nor \
                 SECRETS_KEY_PREVIOUS"
            ),
        )
    }

    /// A request between the Worker's own parts that lacks what it needs.
    pub(crate) fn invalid_request(what: &'static str) -> Self {
        ApiError::new(400, "invalid_request", what)
    }

    /// An `hours` query parameter out of range.
    pub(crate) fn invalid_hours() -> Self {
        ApiError::new(
            400,
            "invalid_hours",
            format!("hours must be 1 to {KEPT_HOURS}"),
        )
    }

    /// A `limit` query parameter out of range.
    pub(crate) fn invalid_limit() -> Self {
        ApiError::new(
            400,
            "invalid_limit",
            format!("limit must be 1 to {MAX_PAGE_SIZE}"),
        )
    }

    /// A body that is not the JSON the operation takes (serde's message names
    /// the field, never a secret value).
    pub(crate) fn invalid_json(err: &serde_json::Error) -> Self {
        ApiError::new(400, "invalid_json", format!("request body: {err}"))
    }

    pub(crate) fn payload_too_large(limit: usize) -> Self {
        ValidationError::PayloadTooLarge { limit }.into()
    }

    /// A failure of the platform (storage, bindings); details go to the log,
    /// not to the client.
    pub(crate) fn internal(context: &'static str, err: impl core::fmt::Display) -> Self {
        #[cfg(target_arch = "wasm32")]
        worker::console_error!("{context}: {err}");
        #[cfg(not(target_arch = "wasm32"))]
        let _ = err;
        ApiError::new(500, "internal_error", context)
    }

    /// The body of the error response.
    pub(crate) fn body(&self) -> serde_json::Value {
        json!({"error": {"code": self.code, "message": self.message}})
    }

    /// The JSON error response.
    pub(crate) fn into_response(self) -> worker::Result<Response> {
        let response = Response::from_json(&self.body())?.with_status(self.status);
        if let Some(allow) = &self.allow {
            response.headers().set("allow", allow)?;
        }
        Ok(response)
    }
}

impl From<ValidationError> for ApiError {
    fn from(err: ValidationError) -> Self {
        ApiError::new(err.http_status(), err.code(), err.to_string())
    }
}

impl From<AccessError> for ApiError {
    fn from(err: AccessError) -> Self {
        ApiError::new(err.http_status(), err.code(), err.to_string())
    }
}

impl From<QuotaError> for ApiError {
    fn from(err: QuotaError) -> Self {
        ApiError::new(err.http_status(), err.code(), err.to_string())
    }
}

impl From<IdempotencyError> for ApiError {
    fn from(err: IdempotencyError) -> Self {
        ApiError::new(err.http_status(), err.code(), err.to_string())
    }
}

impl From<SecretProblem> for ApiError {
    fn from(problem: SecretProblem) -> Self {
        ValidationError::from(problem).into()
    }
}

impl From<worker::Error> for ApiError {
    fn from(err: worker::Error) -> Self {
        ApiError::internal("platform call failed", err)
    }
}

impl From<worker::kv::KvError> for ApiError {
    fn from(err: worker::kv::KvError) -> Self {
        ApiError::internal("state store call failed", err)
    }
}

/// The result of an API handler.
pub(crate) type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    /// Every code the API can answer with: the core's and the Worker's own.
    fn api_codes() -> BTreeSet<&'static str> {
        let all = [
            ValidationError::CODES,
            AccessError::CODES,
            IdempotencyError::CODES,
            QuotaError::CODES,
            OWN_CODES,
        ];
        all.into_iter().flatten().copied().collect()
    }

    #[test]
    fn the_openapi_document_lists_exactly_the_codes_the_api_answers_with() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../openapi.json")).expect("openapi.json parses");
        let listed: BTreeSet<&str> = doc["components"]["schemas"]["Error"]["properties"]["error"]
            ["properties"]["code"]["enum"]
            .as_array()
            .expect("Error.code has an enum")
            .iter()
            .map(|code| code.as_str().expect("codes are strings"))
            .collect();
        assert_eq!(listed, api_codes());
    }

    #[test]
    fn the_openapi_document_lists_every_code_an_attempt_can_fail_with() {
        let doc: serde_json::Value =
            serde_json::from_str(include_str!("../openapi.json")).expect("openapi.json parses");
        let listed = doc["components"]["schemas"]["Attempt"]["properties"]["error"]["oneOf"][1]
            ["properties"]["code"]["enum"]
            .as_array()
            .expect("Attempt.error.code has an enum");
        for code in edgehooks_core::service::AttemptFailure::CODES {
            assert!(listed.iter().any(|c| c == code), "{code}");
        }
    }

    #[test]
    fn the_npm_types_list_exactly_the_codes_a_receiver_meets() {
        let types = include_str!("../../npm/index.d.ts");
        let start = types
            .find("export type ErrorCode =")
            .expect("ErrorCode type");
        let end = start + types[start..].find(';').expect("end of ErrorCode");
        let listed: BTreeSet<&str> = types[start..end]
            .split('|')
            .skip(1)
            .map(|code| code.trim().trim_matches('\''))
            .collect();
        let core: BTreeSet<&str> = edgehooks_core::VerifyError::CODES.iter().copied().collect();
        assert_eq!(listed, core);
    }

    #[test]
    fn the_core_errors_map_to_their_code_and_status() {
        let err: ApiError = ValidationError::PayloadTooLarge { limit: 7 }.into();
        assert_eq!((err.status, err.code.as_ref()), (413, "payload_too_large"));
        let err: ApiError = AccessError::Unauthorized.into();
        assert_eq!((err.status, err.code.as_ref()), (401, "unauthorized"));
        let err: ApiError = SecretProblem::Empty.into();
        assert_eq!((err.status, err.code.as_ref()), (400, "invalid_secret"));
        for code in api_codes() {
            assert!(
                code.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{code}"
            );
        }
    }
}
