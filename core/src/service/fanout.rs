//! Fan-out planning: which webhooks a published message goes to, and how.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::model::{DeliveryMode, WebhookConfig};

/// Where a published message comes from, for the `ignoreForApi` loop guard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublishOrigin {
    /// Published by the deployment's operator (the admin key, the web page
    /// signed in with it, the service's own events).
    Operator,
    /// Published through the API with an issued key, possibly by a webhook
    /// handler: webhooks with `ignoreForApi` skip these.
    ExternalApi,
}

/// The webhooks one message is delivered to, split by mode. `T` is
/// whatever the caller keeps per webhook (a config, or a stored record
/// holding one).
#[derive(Debug)]
pub struct FanOut<'a, T> {
    /// Delivered inside the publish call, results returned to the publisher.
    pub sync: Vec<&'a T>,
    /// Delivered in the background.
    pub background: Vec<&'a T>,
}

impl<T> FanOut<'_, T> {
    /// How many deliveries the message makes.
    pub fn len(&self) -> usize {
        self.sync.len() + self.background.len()
    }

    /// Whether nobody receives the message.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl WebhookConfig {
    /// Whether a message on `topic` from `origin` is delivered to this
    /// webhook: it is active, not disabled, subscribed to the topic, and not
    /// guarding against API-published messages when this is one.
    pub fn receives(&self, topic: &str, origin: PublishOrigin) -> bool {
        self.listens_to(topic) && !(self.ignore_for_api && origin == PublishOrigin::ExternalApi)
    }
}

/// Plans the delivery of a message on `topic` from `origin` to `webhooks`
/// (all webhooks of the cache, or any superset of the topic's subscribers).
pub fn plan_fan_out<'a, T: AsRef<WebhookConfig>>(
    webhooks: impl IntoIterator<Item = &'a T>,
    topic: &str,
    origin: PublishOrigin,
) -> FanOut<'a, T> {
    let mut plan = FanOut {
        sync: Vec::new(),
        background: Vec::new(),
    };
    for webhook in webhooks {
        let config = webhook.as_ref();
        if !config.receives(topic, origin) {
            continue;
        }
        match config.mode {
            DeliveryMode::Sync => plan.sync.push(webhook),
            DeliveryMode::Async => plan.background.push(webhook),
        }
    }
    plan
}

/// The id of the message with sequence number `sequence` on `cache`/`topic`;
/// [`delivery_id`](crate::delivery_id) derives each webhook's `webhook-id`
/// from it. Names hold no `/` ([`validate_name`](super::validate_name)), so
/// no two messages share an id, whatever else their names hold.
pub fn message_id(cache: &str, topic: &str, sequence: u64) -> String {
    format!("{cache}/{topic}/{sequence}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::service::model::WebhookInput;
    use crate::service::post_url::UrlPolicy;
    use alloc::string::ToString;
    use alloc::vec;

    fn webhook(name: &str, topics: &[&str], f: impl FnOnce(&mut WebhookInput)) -> WebhookConfig {
        let mut input: WebhookInput = serde_json::from_value(serde_json::json!({
            "topics": topics,
            "destination": {"postUrl": "https://example.com/hook"},
        }))
        .unwrap();
        f(&mut input);
        input.validate("shop", name, UrlPolicy::default()).unwrap()
    }

    fn names(list: &[&WebhookConfig]) -> Vec<String> {
        list.iter().map(|w| w.id.webhook_name.to_string()).collect()
    }

    #[test]
    fn plans_by_topic_state_mode_and_origin() {
        let all = vec![
            webhook("a", &["orders", "refunds"], |_| {}),
            webhook("b", &["orders"], |i| i.mode = Some(DeliveryMode::Sync)),
            webhook("c", &["refunds"], |_| {}),
            webhook("d", &["orders"], |i| i.active = Some(false)),
            webhook("e", &["orders"], |i| i.ignore_for_api = Some(true)),
            {
                let mut w = webhook("f", &["orders"], |_| {});
                w.disabled_reason = Some("failing".into());
                w
            },
        ];
        let plan = plan_fan_out(&all, "orders", PublishOrigin::Operator);
        assert_eq!(names(&plan.sync), ["b"]);
        assert_eq!(names(&plan.background), ["a", "e"]);
        assert_eq!(plan.len(), 3);
        let plan = plan_fan_out(&all, "orders", PublishOrigin::ExternalApi);
        assert_eq!(names(&plan.background), ["a"]);
        assert!(plan_fan_out(&all, "nobody", PublishOrigin::Operator).is_empty());
    }

    #[test]
    fn message_ids_name_the_topic_and_sequence() {
        assert_eq!(message_id("shop", "orders", 42), "shop/orders/42");
        assert_eq!(
            message_id("my cache", "a topic: 50%", 7),
            "my cache/a topic: 50%/7"
        );
    }
}
