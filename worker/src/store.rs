//! State in Workers KV: the index that lists a cache's webhooks, and API
//! keys.
//!
//! KV keys: `webhook/{cache}/{name}` holds a webhook as listed (written by
//! its object after every change; the object is the source of truth),
//! `apikey/{token_id}` an API key. Names cannot contain `/`, so the
//! prefixes never overlap. KV is eventually consistent (up to 60 s on
//! Cloudflare), so nothing here is ever read, changed and written back.

use edgehooks_core::service::access::KeyScope;
use futures_util::future::try_join_all;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use worker::Env;
use worker::kv::KvStore;

use crate::error::{ApiError, ApiResult};
use crate::http::json_text;
use crate::platform::STATE_KV;

/// An API key as stored: never the key itself, only its digest.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredKey {
    pub(crate) token_id: String,
    pub(crate) digest: String,
    #[serde(flatten)]
    pub(crate) scope: KeyScope,
    pub(crate) description: String,
    pub(crate) created_at: u64,
}

/// One page of a listing.
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    pub(crate) cursor: Option<String>,
}

/// The webhook index and the API keys.
pub(crate) struct Store {
    kv: KvStore,
}

fn index_key(cache: &str, name: &str) -> String {
    format!("webhook/{cache}/{name}")
}

fn api_key_key(token_id: &str) -> String {
    format!("apikey/{token_id}")
}

impl Store {
    pub(crate) fn new(env: &Env) -> ApiResult<Self> {
        Ok(Store {
            kv: env.kv(STATE_KV)?,
        })
    }

    /// Lists webhook `cache/name` as `listed` (its JSON view).
    pub(crate) async fn index_webhook(
        &self,
        cache: &str,
        name: &str,
        listed: String,
    ) -> ApiResult<()> {
        Ok(self
            .kv
            .put(&index_key(cache, name), listed)?
            .execute()
            .await?)
    }

    /// Takes webhook `cache/name` off the index.
    pub(crate) async fn unindex_webhook(&self, cache: &str, name: &str) -> ApiResult<()> {
        Ok(self.kv.delete(&index_key(cache, name)).await?)
    }

    /// A page of the webhooks of `cache` as listed, by name.
    pub(crate) async fn list_webhooks(
        &self,
        cache: &str,
        limit: u64,
        cursor: Option<String>,
    ) -> ApiResult<Page<serde_json::Value>> {
        self.list_page(format!("webhook/{cache}/"), limit, cursor)
            .await
    }

    /// A page of the JSON values under `prefix`, by key.
    async fn list_page<T: DeserializeOwned>(
        &self,
        prefix: String,
        limit: u64,
        cursor: Option<String>,
    ) -> ApiResult<Page<T>> {
        let mut list = self.kv.list().prefix(prefix).limit(limit);
        if let Some(cursor) = cursor {
            list = list.cursor(cursor);
        }
        let listed = list.execute().await?;
        let names: Vec<String> = listed.keys.into_iter().map(|k| k.name).collect();
        let values = try_join_all(names.iter().map(|k| self.get_json::<T>(k))).await?;
        let cursor = if listed.list_complete {
            None
        } else {
            listed.cursor
        };
        Ok(Page {
            items: values.into_iter().flatten().collect(),
            cursor,
        })
    }

    /// A JSON value, parsed by serde_json from the stored text (the
    /// JS bridge cannot carry flattened fields).
    async fn get_json<T: DeserializeOwned>(&self, key: &str) -> ApiResult<Option<T>> {
        match self.kv.get(key).text().await? {
            None => Ok(None),
            Some(text) => serde_json::from_str(&text)
                .map(Some)
                .map_err(|e| ApiError::internal("reading stored state", e)),
        }
    }

    pub(crate) async fn api_key(&self, token_id: &str) -> ApiResult<Option<StoredKey>> {
        self.get_json(&api_key_key(token_id)).await
    }

    pub(crate) async fn put_api_key(&self, key: &StoredKey) -> ApiResult<()> {
        let text = json_text(key, "writing state")?;
        Ok(self
            .kv
            .put(&api_key_key(&key.token_id), text)?
            .execute()
            .await?)
    }

    pub(crate) async fn delete_api_key(&self, token_id: &str) -> ApiResult<()> {
        Ok(self.kv.delete(&api_key_key(token_id)).await?)
    }

    pub(crate) async fn list_api_keys(
        &self,
        limit: u64,
        cursor: Option<String>,
    ) -> ApiResult<Page<StoredKey>> {
        self.list_page("apikey/".into(), limit, cursor).await
    }
}
