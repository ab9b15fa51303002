//! The protocol of the `WebhookAgent` object, and the typed client the rest
//! of the Worker calls it with.
//!
//! The management operations answer in the API's own shapes, so the API
//! passes their replies on unchanged; hand-offs and sync deliveries are
//! typed.

use edgehooks_core::Message;
use serde::{Deserialize, Serialize};
use worker::{Env, Method, Response, Stub};

use crate::attempt::AttemptRecord;
use crate::error::{ApiError, ApiResult};
use crate::http::{call, json_text, object_url, parse_json, passed, read_reply};
use crate::platform::WEBHOOKS_DO;

/// Where a cursor of the attempt log starts.
pub(crate) const ATTEMPT_CURSOR: &str = "attempt/";
/// Where a cursor of the undelivered messages starts.
pub(crate) const MESSAGE_CURSOR: &str = "message/";

/// A cursor of a list: `prefix` and the twelve digits of the position of
/// the last entry of a page.
pub(crate) fn cursor(prefix: &str, position: u64) -> String {
    format!("{prefix}{position:012}")
}

/// The position a cursor stands for, if it is one a page gave out.
pub(crate) fn cursor_position(prefix: &str, cursor: &str) -> Option<u64> {
    cursor
        .strip_prefix(prefix)
        .filter(|digits| digits.len() == 12 && digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse().ok())
}

/// The messages a replay sends again: those published from `since` to
/// `until` (ms, both included), waiting or given up, and with `all` those
/// delivered too (while their bodies are kept).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReplayWindow {
    pub(crate) since: u64,
    pub(crate) until: u64,
    pub(crate) all: bool,
}

/// A replay's body as the API takes it; every field may be left out.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayBody {
    since: Option<u64>,
    until: Option<u64>,
    status: Option<String>,
}

impl ReplayWindow {
    /// The window of a replay's body (`{"since", "until", "status":
    /// "undelivered" | "all"}`; an empty body replays everything
    /// undelivered).
    pub(crate) fn from_body(body: &[u8]) -> ApiResult<Self> {
        let body: ReplayBody = parse_json(body, true)?;
        let all = match body.status.as_deref() {
            None | Some("undelivered") => false,
            Some("all") => true,
            Some(_) => return Err(ApiError::invalid_replay("status is undelivered or all")),
        };
        let window = ReplayWindow {
            since: body.since.unwrap_or(0),
            until: body.until.unwrap_or(u64::MAX),
            all,
        };
        if window.since > window.until {
            return Err(ApiError::invalid_replay("since is later than until"));
        }
        Ok(window)
    }
}

/// Which attempts a page of the log holds: by outcome (`status`:
/// `delivered` or `failed`) and by when they were sent (`since` to
/// `until`, ms, both included).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct AttemptFilter {
    pub(crate) delivered: Option<bool>,
    pub(crate) since: u64,
    pub(crate) until: u64,
}

impl AttemptFilter {
    /// The filter of a request's query parameters, read with `get`.
    pub(crate) fn from_query(get: impl Fn(&str) -> ApiResult<Option<String>>) -> ApiResult<Self> {
        let delivered = match get("status")?.as_deref() {
            None => None,
            Some("delivered") => Some(true),
            Some("failed") => Some(false),
            Some(_) => return Err(ApiError::invalid_filter("status is delivered or failed")),
        };
        let time = |name: &str, default: u64| -> ApiResult<u64> {
            get(name)?.map_or(Ok(default), |v| {
                v.parse()
                    .map_err(|_| ApiError::invalid_filter("since and until are times in ms"))
            })
        };
        let filter = AttemptFilter {
            delivered,
            since: time("since", 0)?,
            until: time("until", u64::MAX)?,
        };
        if filter.since > filter.until {
            return Err(ApiError::invalid_filter("since is later than until"));
        }
        Ok(filter)
    }

    /// The filter as query parameters (those that narrow the log).
    pub(crate) fn params(&self) -> Vec<(&'static str, String)> {
        let mut params = Vec::new();
        if let Some(delivered) = self.delivered {
            let status = if delivered { "delivered" } else { "failed" };
            params.push(("status", status.to_owned()));
        }
        if self.since > 0 {
            params.push(("since", self.since.to_string()));
        }
        if self.until < u64::MAX {
            params.push(("until", self.until.to_string()));
        }
        params
    }
}

/// A message handed to a webhook: what its envelope is made of.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Handed {
    pub(crate) topic: String,
    pub(crate) sequence: u64,
    pub(crate) publish_timestamp: u64,
    pub(crate) token_id: String,
    pub(crate) message: Message,
}

/// Messages handed to one generation of a webhook (the one they were
/// published for), oldest first.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Handoff {
    pub(crate) generation: u64,
    pub(crate) messages: Vec<Handed>,
}

/// What resealing a webhook's secrets did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) enum ResealOutcome {
    /// They were sealed with another key (or named none): sealed again.
    Resealed,
    /// They were sealed with the current key already.
    AlreadyCurrent,
    /// There is no such webhook (the index lags a delete).
    Absent,
}

/// Calls the object of one webhook.
pub(crate) struct AgentClient {
    stub: Stub,
    cache: String,
    name: String,
}

/// The object name of webhook `name` in `cache`; also what its sealed
/// secrets are bound to.
pub(crate) fn owner(cache: &str, name: &str) -> String {
    format!("{cache}/{name}")
}

impl AgentClient {
    /// The client of webhook `name` in `cache`.
    pub(crate) fn new(env: &Env, cache: &str, name: &str) -> ApiResult<Self> {
        let stub = env
            .durable_object(WEBHOOKS_DO)?
            .id_from_name(&owner(cache, name))?
            .get_stub()?;
        Ok(AgentClient {
            stub,
            cache: cache.to_owned(),
            name: name.to_owned(),
        })
    }

    fn url(&self, path: &str, params: &[(&str, &str)]) -> ApiResult<String> {
        let mut all = vec![("cache", self.cache.as_str()), ("name", self.name.as_str())];
        all.extend_from_slice(params);
        object_url(path, &all)
    }

    /// A management operation (`method path`), its reply as the API gives
    /// it, errors included.
    pub(crate) async fn manage(
        &self,
        method: Method,
        path: &str,
        params: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> ApiResult<Response> {
        let url = self.url(path, params)?;
        call(&self.stub, method, &url, body).await
    }

    /// Seals the webhook's secrets with the current key, unless they are
    /// already.
    pub(crate) async fn reseal(&self) -> ApiResult<ResealOutcome> {
        let url = self.url("/reseal", &[])?;
        let reply = call(&self.stub, Method::Post, &url, None).await?;
        read_reply(reply, "reading reseal").await
    }

    /// Hands a JSON-encoded [`Handoff`] over; the reply comes once the
    /// webhook has stored it.
    pub(crate) async fn enqueue(&self, handoff: Vec<u8>) -> ApiResult<()> {
        let url = self.url("/enqueue", &[])?;
        let reply = passed(call(&self.stub, Method::Post, &url, Some(handoff)).await?).await?;
        if let worker::ResponseBody::Stream(body) = reply.body() {
            drop(body.cancel());
        }
        Ok(())
    }

    /// Stores the one message of `handoff` and attempts it now (a `sync`
    /// webhook, inside the publish call); returns the attempt, or `None` if
    /// the webhook no longer takes the message.
    pub(crate) async fn deliver(&self, handoff: &Handoff) -> ApiResult<Option<AttemptRecord>> {
        let body = json_text(handoff, "encoding message")?;
        let url = self.url("/deliver", &[])?;
        let reply = call(&self.stub, Method::Post, &url, Some(body.into_bytes())).await?;
        read_reply(reply, "reading attempt").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(err: ApiError) -> String {
        err.code.into_owned()
    }

    #[test]
    fn a_replay_window_defaults_to_everything_undelivered() {
        let all_undelivered = ReplayWindow {
            since: 0,
            until: u64::MAX,
            all: false,
        };
        assert_eq!(ReplayWindow::from_body(b"").unwrap(), all_undelivered);
        assert_eq!(ReplayWindow::from_body(b"{}").unwrap(), all_undelivered);
        let window = ReplayWindow::from_body(br#"{"since":5,"until":9,"status":"all"}"#).unwrap();
        assert_eq!((window.since, window.until, window.all), (5, 9, true));
        let same = ReplayWindow::from_body(br#"{"since":5,"until":5}"#).unwrap();
        assert_eq!((same.since, same.until, same.all), (5, 5, false));
    }

    #[test]
    fn bad_replay_bodies_are_refused_with_their_code() {
        for (body, expected) in [
            (&br#"{"status":"some"}"#[..], "invalid_replay"),
            (br#"{"since":9,"until":5}"#, "invalid_replay"),
            (br#"{"since":-1}"#, "invalid_json"),
            (br#"{"since":"x"}"#, "invalid_json"),
            (br#"{"other":1}"#, "invalid_json"),
            (b"[", "invalid_json"),
        ] {
            let err = ReplayWindow::from_body(body).unwrap_err();
            assert_eq!(code(err), expected, "{}", String::from_utf8_lossy(body));
        }
    }

    #[test]
    fn attempt_filters_read_and_write_their_parameters() {
        let query = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| -> ApiResult<Option<String>> {
                Ok(pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned()))
            }
        };
        let none = AttemptFilter::from_query(query(&[])).unwrap();
        assert_eq!(none.params(), Vec::<(&str, String)>::new());
        let some = AttemptFilter::from_query(query(&[
            ("status", "failed"),
            ("since", "10"),
            ("until", "20"),
        ]))
        .unwrap();
        assert_eq!(
            (some.delivered, some.since, some.until),
            (Some(false), 10, 20)
        );
        let params = some.params();
        let back = AttemptFilter::from_query(|name: &str| {
            Ok(params
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.clone()))
        })
        .unwrap();
        assert_eq!(back, some);
        for bad in [
            &[("status", "ok")][..],
            &[("since", "yesterday")],
            &[("until", "-1")],
            &[("since", "5"), ("until", "4")],
        ] {
            let err = AttemptFilter::from_query(query(bad)).unwrap_err();
            assert_eq!(code(err), "invalid_filter", "{bad:?}");
        }
    }

    #[test]
    fn cursors_carry_twelve_digits_after_their_prefix() {
        let text = cursor(MESSAGE_CURSOR, 42);
        assert_eq!(text, "message/000000000042");
        assert_eq!(cursor_position(MESSAGE_CURSOR, &text), Some(42));
        assert_eq!(cursor_position(ATTEMPT_CURSOR, &text), None);
        for bad in ["message/42", "message/00000000004x", "nope", ""] {
            assert_eq!(cursor_position(MESSAGE_CURSOR, bad), None, "{bad}");
        }
    }
}
