//! Every item of a listing, page after page, as a stream.

use core::future::Future;

use futures_util::stream::{self, Stream, StreamExt, TryStreamExt};

use crate::model::{Attempt, AttemptFilter, Key, UndeliveredMessage, Webhook};
use crate::{Client, Error};

/// The items of the pages `fetch` reads, following each page's cursor
/// until one has none.
fn paginate<T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T, Error>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, Option<String>), Error>>,
{
    // `Some(cursor)`: a page to read (`None` for the first); `None`: done.
    stream::try_unfold((fetch, Some(None)), |(mut fetch, next)| async move {
        let Some(cursor) = next else {
            return Ok::<_, Error>(None);
        };
        let (items, cursor) = fetch(cursor).await?;
        Ok(Some((items, (fetch, cursor.map(Some)))))
    })
    .map_ok(|items| stream::iter(items.into_iter().map(Ok)))
    .try_flatten()
}

impl Client {
    /// Every webhook of `cache` (`listWebhooks`, page after page).
    pub fn iter_webhooks(
        &self,
        cache: &str,
    ) -> impl Stream<Item = Result<Webhook, Error>> + Send + 'static {
        let (client, cache) = (self.clone(), cache.to_owned());
        paginate(move |cursor| {
            let (client, cache) = (client.clone(), cache.clone());
            async move {
                let page = client
                    .list_webhooks(&cache, client.page_size, cursor.as_deref())
                    .await?;
                Ok((page.webhooks, page.cursor))
            }
        })
        .boxed()
    }

    /// Every attempt of the webhook that `filter` keeps, newest first
    /// (`listAttempts`, page after page).
    pub fn iter_attempts(
        &self,
        cache: &str,
        name: &str,
        filter: &AttemptFilter,
    ) -> impl Stream<Item = Result<Attempt, Error>> + Send + 'static {
        let (client, cache, name) = (self.clone(), cache.to_owned(), name.to_owned());
        let filter = filter.clone();
        paginate(move |cursor| {
            let (client, cache, name) = (client.clone(), cache.clone(), name.clone());
            let filter = filter.clone();
            async move {
                let page = client
                    .list_attempts(&cache, &name, &filter, client.page_size, cursor.as_deref())
                    .await?;
                Ok((page.attempts, page.cursor))
            }
        })
        .boxed()
    }

    /// Every message waiting for or given up by the webhook
    /// (`listUndelivered`, page after page).
    pub fn iter_undelivered(
        &self,
        cache: &str,
        name: &str,
    ) -> impl Stream<Item = Result<UndeliveredMessage, Error>> + Send + 'static {
        let (client, cache, name) = (self.clone(), cache.to_owned(), name.to_owned());
        paginate(move |cursor| {
            let (client, cache, name) = (client.clone(), cache.clone(), name.clone());
            async move {
                let page = client
                    .list_undelivered(&cache, &name, client.page_size, cursor.as_deref())
                    .await?;
                Ok((page.messages, page.cursor))
            }
        })
        .boxed()
    }

    /// Every issued key (`listKeys`, page after page).
    pub fn iter_keys(&self) -> impl Stream<Item = Result<Key, Error>> + Send + 'static {
        let client = self.clone();
        paginate(move |cursor| {
            let client = client.clone();
            async move {
                let page = client
                    .list_keys(client.page_size, cursor.as_deref())
                    .await?;
                Ok((page.keys, page.cursor))
            }
        })
        .boxed()
    }
}
