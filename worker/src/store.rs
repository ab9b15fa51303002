//! State in Workers KV: the index that lists a cache's webhooks, and API
//! keys.
//!
//! KV keys: `webhook/{cache}/{name}` holds a webhook as listed (written by
//! its object after every change; the object is the source of truth),
//! `apikey/{token_id}` an API key, `streams/{token_id}/{cache}/{topic}` a
//! topic an issued key has an event stream open on (expiring with it),
//! `portal/{token_id}` a portal session (expiring with it). Names hold no `/`, so the `/` between
//! cache and name is unambiguous and the prefixes never overlap. A key is
//! at most 512 bytes, and a name up to 128 characters may take 512 bytes of
//! UTF-8 alone, so a name of more than [`VERBATIM_BYTES`] stands in its key
//! shortened (see [`key_part`]); shorter names, all the index held before
//! names could be longer than 128 bytes, stand as they are. KV is
//! eventually consistent (up to 60 s on Cloudflare), so nothing here is
//! ever read, changed and written back.

use std::borrow::Cow;

use edgehooks_core::service::WebhookId;
use edgehooks_core::service::access::KeyScope;
use edgehooks_core::service::portal::PortalScope;
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

/// A portal session as stored: the digest of its token's secret, never the
/// token.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredPortalSession {
    pub(crate) token_id: String,
    pub(crate) digest: String,
    #[serde(flatten)]
    pub(crate) scope: PortalScope,
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

/// Where the index entries start.
const INDEX_PREFIX: &str = "webhook/";

/// Where the index entries of `cache` start.
fn index_prefix(cache: &str) -> String {
    format!("{INDEX_PREFIX}{}/", key_part(cache))
}

/// The cache and webhook names of index key `key`, unless one of them is
/// shortened in it.
fn names_in_key(key: &str) -> Option<(String, String)> {
    let (cache, name) = key.strip_prefix(INDEX_PREFIX)?.split_once('/')?;
    let verbatim = |part: &str| !part.is_empty() && !part.contains('\u{7f}');
    (verbatim(cache) && verbatim(name)).then(|| (cache.to_owned(), name.to_owned()))
}

/// What the index reads of an entry whose key shortens a name.
#[derive(Deserialize)]
struct ListedId {
    id: WebhookId,
}

fn index_key(cache: &str, name: &str) -> String {
    format!("{}{}", index_prefix(cache), key_part(name))
}

fn portal_key(token_id: &str) -> String {
    format!("portal/{token_id}")
}

fn api_key_key(token_id: &str) -> String {
    format!("apikey/{token_id}")
}

/// Where the topics an issued key has streams open on start.
fn streams_prefix(token_id: &str) -> String {
    format!("streams/{token_id}/")
}

/// A topic an issued key opened an event stream on, noted so that
/// revoking the key can end the stream.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct OpenedStream {
    pub(crate) cache: String,
    pub(crate) topic: String,
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

    /// A page of the whole index, every cache's webhooks, as `(cache,
    /// name)` by key. A name shortened in its key is read from its entry
    /// (a read each); the others stand in the key as they are.
    pub(crate) async fn indexed_webhooks(
        &self,
        limit: u64,
        cursor: Option<String>,
    ) -> ApiResult<Page<(String, String)>> {
        let (keys, cursor) = self
            .list_keys(INDEX_PREFIX.to_owned(), limit, cursor)
            .await?;
        let names = keys.iter().map(|key| async move {
            if let Some(names) = names_in_key(key) {
                return Ok(Some(names));
            }
            let entry: Option<ListedId> = self.get_json(key).await?;
            ApiResult::Ok(entry.map(|listed| (listed.id.cache_name, listed.id.webhook_name)))
        });
        let names = try_join_all(names).await?;
        Ok(Page {
            items: names.into_iter().flatten().collect(),
            cursor,
        })
    }

    /// A page of the key names under `prefix`, and the cursor of the next
    /// page (`None` after the last).
    async fn list_keys(
        &self,
        prefix: String,
        limit: u64,
        cursor: Option<String>,
    ) -> ApiResult<(Vec<String>, Option<String>)> {
        let mut list = self.kv.list().prefix(prefix).limit(limit);
        if let Some(cursor) = cursor {
            list = list.cursor(cursor);
        }
        let listed = list.execute().await?;
        let names = listed.keys.into_iter().map(|k| k.name).collect();
        let cursor = if listed.list_complete {
            None
        } else {
            listed.cursor
        };
        Ok((names, cursor))
    }

    /// A page of the JSON values under `prefix`, by key.
    async fn list_page<T: DeserializeOwned>(
        &self,
        prefix: String,
        limit: u64,
        cursor: Option<String>,
    ) -> ApiResult<Page<T>> {
        let (names, cursor) = self.list_keys(prefix, limit, cursor).await?;
        let values = try_join_all(names.iter().map(|k| self.get_json::<T>(k))).await?;
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

    /// The portal session of `token_id`, unless it expired from KV.
    pub(crate) async fn portal_session(
        &self,
        token_id: &str,
    ) -> ApiResult<Option<StoredPortalSession>> {
        self.get_json(&portal_key(token_id)).await
    }

    /// Stores a portal session; KV forgets it `seconds` after (at least 60,
    /// KV's shortest expiry), and the service refuses it from its
    /// `expires_at` on either way.
    pub(crate) async fn put_portal_session(
        &self,
        session: &StoredPortalSession,
        seconds: u64,
    ) -> ApiResult<()> {
        let text = json_text(session, "writing state")?;
        Ok(self
            .kv
            .put(&portal_key(&session.token_id), text)?
            .expiration_ttl(seconds.max(60))
            .execute()
            .await?)
    }

    pub(crate) async fn delete_api_key(&self, token_id: &str) -> ApiResult<()> {
        Ok(self.kv.delete(&api_key_key(token_id)).await?)
    }

    /// How many webhooks the index lists in `cache`, counted up to
    /// `at_most` (listing is eventually consistent: a webhook made in the
    /// last seconds may not count yet on Cloudflare).
    pub(crate) async fn count_webhooks(&self, cache: &str, at_most: usize) -> ApiResult<usize> {
        let mut count = 0;
        let mut cursor = None;
        while count < at_most {
            let limit = (at_most - count).min(1000) as u64;
            let (keys, next) = self.list_keys(index_prefix(cache), limit, cursor).await?;
            count += keys.len();
            if next.is_none() || keys.is_empty() {
                break;
            }
            cursor = next;
        }
        Ok(count)
    }

    /// Notes that the key of `token_id` has a stream open on `stream`,
    /// until `seconds` from now (at least 60, KV's shortest expiry).
    pub(crate) async fn note_stream(
        &self,
        token_id: &str,
        stream: &OpenedStream,
        seconds: u64,
    ) -> ApiResult<()> {
        let key = format!(
            "{}{}/{}",
            streams_prefix(token_id),
            key_part(&stream.cache),
            key_part(&stream.topic)
        );
        let text = json_text(stream, "writing state")?;
        Ok(self
            .kv
            .put(&key, text)?
            .expiration_ttl(seconds.max(60))
            .execute()
            .await?)
    }

    /// The topics the key of `token_id` noted streams on, up to `limit`
    /// (listing is eventually consistent: up to 60 s on Cloudflare).
    pub(crate) async fn opened_streams(
        &self,
        token_id: &str,
        limit: u64,
    ) -> ApiResult<Vec<OpenedStream>> {
        Ok(self
            .list_page(streams_prefix(token_id), limit, None)
            .await?
            .items)
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
    fn index_keys_give_back_their_names_unless_shortened() {
        let names = |cache: &str, name: &str| names_in_key(&index_key(cache, name));
        assert_eq!(
            names("my cache", "examples webhook"),
            Some(("my cache".to_owned(), "examples webhook".to_owned()))
        );
        let exact = "\u{e9}".repeat(VERBATIM_BYTES / 2);
        assert_eq!(names(&exact, "w"), Some((exact.clone(), "w".to_owned())));
        let long = "\u{1f980}".repeat(128);
        assert_eq!(names(&long, "w"), None);
        assert_eq!(names("shop", &long), None);
        assert_eq!(names_in_key("apikey/tok_1"), None);
        assert_eq!(names_in_key("webhook/shop"), None);
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
