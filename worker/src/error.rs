//! The API's errors: every failure becomes `{"error":{"code","message"}}`
//! with its status, in this one place.

use std::borrow::Cow;

use edgehooks_core::Error as CoreError;
use serde_json::json;
use worker::Response;

/// An error answered to an API client.
#[derive(Clone, Debug)]
pub(crate) struct ApiError {
    pub(crate) status: u16,
    /// The stable code; owned when it comes back from a Durable Object.
    pub(crate) code: Cow<'static, str>,
    pub(crate) message: Cow<'static, str>,
}

impl ApiError {
    pub(crate) fn new(
        status: u16,
        code: impl Into<Cow<'static, str>>,
        message: impl Into<Cow<'static, str>>,
    ) -> Self {
        ApiError {
            status,
            code: code.into(),
            message: message.into(),
        }
    }

    pub(crate) fn not_found(what: &'static str) -> Self {
        ApiError::new(404, "not_found", what)
    }

    pub(crate) fn method_not_allowed() -> Self {
        ApiError::new(
            405,
            "method_not_allowed",
            "this path does not accept that method",
        )
    }

    /// A body that is not the JSON the operation takes (serde's message names
    /// the field, never a secret value).
    pub(crate) fn invalid_json(err: &serde_json::Error) -> Self {
        ApiError::new(400, "invalid_json", format!("request body: {err}"))
    }

    pub(crate) fn payload_too_large(limit: usize) -> Self {
        CoreError::PayloadTooLarge(limit).into()
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

    /// The JSON error response.
    pub(crate) fn into_response(self) -> worker::Result<Response> {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        Ok(Response::from_json(&body)?.with_status(self.status))
    }
}

impl From<CoreError> for ApiError {
    fn from(err: CoreError) -> Self {
        ApiError::new(err.http_status(), err.code(), err.to_string())
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
