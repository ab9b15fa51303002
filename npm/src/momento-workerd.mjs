// edgehooks/momento for Cloudflare Workers (workerd): its WebhookUtils verify with the Webhook of
// ./workerd.mjs, the same module (and WebAssembly instance) as `import 'edgehooks'`.
import { Webhook } from './workerd.mjs';
import { webhookUtils } from './momento/webhook-utils.js';

export * from './momento/index.js';
export const { WebhookUtils } = webhookUtils(Webhook);
