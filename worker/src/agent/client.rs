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
use crate::error::ApiResult;
use crate::http::{call, json_text, object_url, passed, read_reply};
use crate::platform::WEBHOOKS_DO;

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
