// `edgehooks/momento` without its runtime: everything but `WebhookUtils`,
// which each runtime's entry builds on that runtime's `Webhook`.
export { MomentoErrorCode, SdkError } from './errors.js';
export {
  DeleteWebhook,
  DeleteWebhookResponse,
  GetWebhookSecret,
  GetWebhookSecretResponse,
  ListWebhooks,
  ListWebhooksResponse,
  PutWebhook,
  PutWebhookResponse,
  RotateWebhookSecret,
  RotateWebhookSecretResponse,
  TopicPublish,
  TopicPublishResponse,
  TopicSubscribe,
  TopicSubscribeResponse,
} from './responses.js';
export { TopicDiscontinuity, TopicHeartbeat, TopicItem } from './topic-item.js';
export { PostUrlWebhookDestination, TopicClient, WebhookDestinationType } from './client.js';
export { RequestValidation } from './webhook-utils.js';
