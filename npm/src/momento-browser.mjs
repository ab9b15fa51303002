// edgehooks/momento for browsers, Deno, Bun and bundlers: its WebhookUtils verify with the Webhook of
// ./browser.mjs, the same module (and WebAssembly instance) as `import 'edgehooks'`.
import { Webhook } from './browser.mjs';
import { webhookUtils } from './momento/webhook-utils.js';

export * from './momento/index.js';
export const { WebhookUtils } = webhookUtils(Webhook);
