//! The deployment's quotas on a change of a webhook, checked in its object
//! before the change is saved: what the configuration meets by itself,
//! then the webhooks of its cache (a new webhook) and of each topic it
//! joins. The counts are read from the index and the topics' objects, so
//! changes made at the same moment may pass a quota by a few.

use edgehooks_core::service::WebhookConfig;
use futures_util::{StreamExt, TryStreamExt, stream};

use super::state::Agent;
use crate::error::ApiResult;
use crate::platform::{MAX_IN_FLIGHT, quotas};
use crate::store::Store;
use crate::topic::client::TopicClient;

/// Refuses `config` for webhook `cache/name` (replacing `previous`, if it
/// exists) with `quota_exceeded` when it would pass a quota. A change that
/// keeps the topics and schedule as they were is not refused for them.
pub(super) async fn check(
    agent: &Agent,
    cache: &str,
    config: &WebhookConfig,
    previous: Option<&WebhookConfig>,
) -> ApiResult<()> {
    let quotas = quotas(&agent.env);
    let unchanged = previous.is_some_and(|p| p.topics == config.topics && p.retry == config.retry);
    if !unchanged {
        quotas.check_webhook(config)?;
    }
    if previous.is_none() {
        let store = Store::new(&agent.env)?;
        let webhooks = store
            .count_webhooks(cache, quotas.webhooks_per_cache)
            .await?;
        quotas.check_cache(webhooks)?;
    }
    let joined = config
        .topics
        .iter()
        .filter(|topic| previous.is_none_or(|p| !p.topics.contains(topic)));
    stream::iter(joined)
        .map(|topic| async move {
            let webhooks = TopicClient::new(&agent.env, cache, topic)?
                .subscriber_count()
                .await?;
            ApiResult::Ok(quotas.check_topic(webhooks)?)
        })
        .buffer_unordered(MAX_IN_FLIGHT)
        .try_collect::<Vec<()>>()
        .await?;
    Ok(())
}
