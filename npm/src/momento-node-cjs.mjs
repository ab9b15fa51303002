// edgehooks/momento for Node.js, CommonJS (bundled to dist/momento-node.cjs):
// its WebhookUtils verify with the Webhook of dist/node.cjs, next to it, the
// same module (and WebAssembly instance) as `require('edgehooks')`.
import { Webhook } from './node.cjs';
import { webhookUtils } from './momento/webhook-utils.js';

export * from './momento/index.js';
export const { WebhookUtils } = webhookUtils(Webhook);
