// edgehooks/momento for Node.js, ES modules: its WebhookUtils verify with the Webhook of
// ./node.mjs, the same module (and WebAssembly instance) as `import 'edgehooks'`.
import { Webhook } from './node.mjs';
import { webhookUtils } from './momento/webhook-utils.js';

export * from './momento/index.js';
export const { WebhookUtils } = webhookUtils(Webhook);
