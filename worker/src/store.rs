//! State in Workers KV: the index that lists a cache's webhooks, and API
//! keys.
//!
//! KV keys: `webhook/{cache}/{name}` holds a webhook as listed (written by
//! its object after every change; the object is the source of truth),
//! `apikey/{token_id}` an API key. Names hold no `/`, so the `/` between
//! cache and name is unambiguous and the prefixes never overlap. A key is
//! at most 512 bytes, and a name up to 128 characters may take 512 bytes of
//! UTF-8 alone, so a name of more than [`VERBATIM_BYTES`] stands in its key
//! shortened (see [`key_part`]); shorter names, all the index held before
//! names could be longer than 128 bytes, stand as they are. KV is
//! eventually consistent (up to 60 s on Cloudflare), so nothing here is
//! ever read, changed and written back.

use std::borrow::Cow;

use edgehooks_core::service::access::KeyScope;
use futures_util::future::try_join_all;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
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

/// The longest name, in bytes, that stands as it is in a KV key: with
/// `webhook/` and the `/` between two of them, 489 bytes, within KV's 512.
const VERBATIM_BYTES: usize = 240;

/// How much of a longer name its key part keeps, in bytes (at most; cut at
/// a character's end), so that the index still lists by name.
const KEPT_BYTES: usize = 200;

/// A name as it stands in a KV key: the name itself up to
/// [`VERBATIM_BYTES`]; a longer one as its first [`KEPT_BYTES`], DEL
/// (U+007F) and 32 hex digits of its SHA-256 (at most 233 bytes). DEL is a
/// control character, never in a name, so a shortened part is never
/// another name's verbatim part, and holds no `/`.
fn key_part(name: &str) -> Cow<'_, str> {
    if name.len() <= VERBATIM_BYTES {
        return Cow::Borrowed(name);
    }
    let mut end = KEPT_BYTES;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let digest = Sha256::digest(name.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    Cow::Owned(format!("{}\u{7f}{hex}", &name[..end]))
}

/// Where the index entries of `cache` start.
fn index_prefix(cache: &str) -> String {
    format!("webhook/{}/", key_part(cache))
}

fn index_key(cache: &str, name: &str) -> String {
    format!("{}{}", index_prefix(cache), key_part(name))
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
        self.list_page(index_prefix(cache), limit, cursor).await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_stand_as_they_are() {
        assert_eq!(index_key("shop", "orders-hook"), "webhook/shop/orders-hook");
        assert_eq!(
            index_key("my cache", "examples webhook"),
            "webhook/my cache/examples webhook"
        );
        assert_eq!(index_prefix("shop"), "webhook/shop/");
        let exact = "\u{e9}".repeat(VERBATIM_BYTES / 2);
        assert_eq!(key_part(&exact), exact);
    }

    #[test]
    fn long_names_fit_in_a_key_and_stay_apart() {
        let crab = "\u{1f980}".repeat(128);
        let key = index_key(&crab, &crab);
        assert!(key.len() <= 512, "{} bytes", key.len());
        let mut other = "\u{1f980}".repeat(127);
        other.push('x');
        assert_ne!(key_part(&crab), key_part(&other));
        let part = key_part(&crab);
        assert!(part.starts_with(&crab[..KEPT_BYTES]));
        assert!(part.contains('\u{7f}') && !part.contains('/'));
        assert!(key.starts_with(&index_prefix(&crab)));
        // Cut at a character's end, not inside one.
        let mixed = format!("a{}", "\u{1f980}".repeat(100));
        assert!(key_part(&mixed).len() <= VERBATIM_BYTES);
        assert!(key_part(&mixed).starts_with('a'));
    }
}
