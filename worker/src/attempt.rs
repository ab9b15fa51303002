//! The signed POST: one attempt to deliver an envelope to a webhook, with
//! its timeout enforced and its outcome recorded.

use core::time::Duration;

use edgehooks_core::service::{
    AttemptFailure, UrlPolicy, WebhookConfig, is_success, parse_retry_after, validate_post_url,
};
use edgehooks_core::{Envelope, SecretString, Webhook, delivery_headers};
use serde::{Deserialize, Serialize};
use worker::{Headers, Method, Request, RequestInit, RequestRedirect, ResponseBody};

use crate::delivery_auth::{Credentials, Tokens};
use crate::http::{NoAnswer, fetch_within};
use crate::platform::now_ms;

/// A webhook ready to receive: where, how long to wait, how to sign, and
/// how to authenticate.
pub(crate) struct Target<'a> {
    pub(crate) config: &'a WebhookConfig,
    pub(crate) signer: &'a Webhook,
    /// The webhook's `auth` and the token it holds, when it has `auth`.
    pub(crate) auth: Option<(Credentials<'a>, &'a Tokens)>,
    /// The `webhook-id`: stable for one message and one webhook.
    pub(crate) delivery_id: String,
}

/// The record of one attempt, as the API reports it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AttemptRecord {
    pub(crate) webhook_name: String,
    pub(crate) webhook_id: String,
    pub(crate) topic: String,
    pub(crate) topic_sequence_number: u64,
    pub(crate) attempt: u32,
    pub(crate) sent_at: u64,
    pub(crate) delivered: bool,
    pub(crate) status_code: Option<u16>,
    pub(crate) latency_ms: u64,
    pub(crate) error: Option<AttemptError>,
    /// What follows: `delivered`, `retrying` (at `nextRetryAt`),
    /// `dead_lettered` or `timed_out`; absent for test events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) outcome: Option<Outcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) next_retry_at: Option<u64>,
}

/// What became of a message after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Outcome {
    Delivered,
    Retrying,
    DeadLettered,
    TimedOut,
    /// The endpoint answered 410 Gone: the message is given up and the
    /// webhook disabled.
    Gone,
}

/// An attempt made: its record, and what the sender needs to decide what
/// follows.
pub(crate) struct Attempted {
    pub(crate) record: AttemptRecord,
    /// Why it failed; `None` when it was delivered.
    pub(crate) failure: Option<AttemptFailure>,
    /// The wait the receiver's `Retry-After` asked for.
    pub(crate) retry_after: Option<Duration>,
}

/// Why an attempt failed: a stable code and words for people.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct AttemptError {
    pub(crate) code: String,
    pub(crate) message: String,
}

impl AttemptError {
    fn from_failure(failure: AttemptFailure) -> Self {
        AttemptError {
            code: failure.code().to_owned(),
            message: failure.to_string(),
        }
    }

    fn refused(code: &str, err: impl core::fmt::Display) -> Self {
        AttemptError {
            code: code.to_owned(),
            message: err.to_string(),
        }
    }
}

/// Sends `envelope` to `target` once (attempt number `attempt`). The
/// envelope's `event_timestamp` and the signature's timestamp are set now,
/// and the timeout starts now: callers keep fewer requests in flight than
/// the platform opens at once, so the request is sent now too.
pub(crate) async fn attempt(
    target: &Target<'_>,
    mut envelope: Envelope,
    attempt: u32,
    policy: UrlPolicy,
) -> Attempted {
    let sent_at = now_ms();
    envelope.event_timestamp = sent_at;
    let mut record = AttemptRecord {
        webhook_name: target.config.id.webhook_name.clone(),
        webhook_id: target.delivery_id.clone(),
        topic: envelope.topic.clone(),
        topic_sequence_number: envelope.topic_sequence_number,
        attempt,
        sent_at,
        delivered: false,
        status_code: None,
        latency_ms: 0,
        error: None,
        outcome: None,
        next_retry_at: None,
    };
    let not_sent = |mut record: AttemptRecord, error, failure| {
        record.error = Some(error);
        Attempted {
            record,
            failure: Some(failure),
            retry_after: None,
        }
    };
    let failed = AttemptFailure::RequestFailed;
    // The URL passed when it was saved; the deployment's policy may have
    // changed since, so it is checked again before anything is sent.
    if let Err(err) = validate_post_url(&target.config.destination.post_url, policy) {
        return not_sent(record, AttemptError::refused(err.code(), err), failed);
    }
    let authorization = match &target.auth {
        Some((credentials, tokens)) => match tokens.authorization(credentials).await {
            Ok(authorization) => Some(authorization),
            Err(why) => {
                let failure = AttemptFailure::AuthFailed(why);
                record.latency_ms = now_ms().saturating_sub(sent_at);
                return not_sent(record, AttemptError::from_failure(failure), failure);
            }
        },
        None => None,
    };
    let body = envelope.to_json();
    let request = match build_request(target, authorization.as_ref(), &body, sent_at / 1000) {
        Ok(request) => request,
        Err(error) => return not_sent(record, error, failed),
    };
    let (answer, retry_after) = send(request, target.config.timeout_ms, sent_at / 1000).await;
    record.latency_ms = now_ms().saturating_sub(sent_at);
    if let (Ok(401), Some((_, tokens))) = (answer, &target.auth) {
        tokens.drop_token();
    }
    let failure = match answer {
        Ok(status) if is_success(status) => None,
        Ok(status) => Some(AttemptFailure::HttpStatus(status)),
        Err(failure) => Some(failure),
    };
    record.status_code = answer.ok();
    record.delivered = failure.is_none();
    record.error = failure.map(AttemptError::from_failure);
    Attempted {
        record,
        failure,
        retry_after,
    }
}

/// Sends `request`, aborted after `timeout_ms`: the answer's status and
/// its `Retry-After` (read against `now_s`), or why there is none. The
/// response body is never read: it is cancelled, which frees the
/// connection.
async fn send(
    request: Request,
    timeout_ms: u32,
    now_s: u64,
) -> (Result<u16, AttemptFailure>, Option<Duration>) {
    match fetch_within(request, timeout_ms).await {
        Ok(response) => {
            let retry_after = response
                .headers()
                .get("retry-after")
                .ok()
                .flatten()
                .and_then(|v| parse_retry_after(&v, now_s));
            if let ResponseBody::Stream(body) = response.body() {
                // Nothing is read; the promise needs no waiting for.
                drop(body.cancel());
            }
            (Ok(response.status_code()), retry_after)
        }
        Err(NoAnswer::Failed) => (Err(AttemptFailure::ConnectionFailed), None),
        Err(NoAnswer::TimedOut) => (Err(AttemptFailure::Timeout), None),
    }
}

/// The signed POST: the webhook's static headers, its `Authorization`, and
/// the delivery headers (the core keeps the static ones from naming those).
fn build_request(
    target: &Target<'_>,
    authorization: Option<&SecretString>,
    body: &[u8],
    timestamp: u64,
) -> Result<Request, AttemptError> {
    let signed = delivery_headers(target.signer, &target.delivery_id, timestamp, body)
        .map_err(|err| AttemptError::refused(err.code(), err))?;
    let headers = Headers::new();
    let set = |name: &str, value: &str| {
        headers
            .set(name, value)
            .map_err(|_| AttemptError::from_failure(AttemptFailure::RequestFailed))
    };
    for (name, value) in &target.config.headers {
        set(name, value)?;
    }
    if let Some(authorization) = authorization {
        set("authorization", authorization.expose())?;
    }
    for (name, value) in signed.iter() {
        set(name, value)?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual)
        .with_body(Some(worker::js_sys::Uint8Array::from(body).into()));
    Request::new_with_init(&target.config.destination.post_url, &init)
        .map_err(|_| AttemptError::from_failure(AttemptFailure::RequestFailed))
}
