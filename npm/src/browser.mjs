// Browsers, Deno, Bun and bundlers: fetch and instantiate the module next to
// this file once, before the first use (top-level await).
import initWasm, { WebhookCore } from './wasm/edgehooks.js';
import { createApi } from './api.js';

await initWasm({ module_or_path: new URL('./edgehooks_bg.wasm', import.meta.url) });

export const { Webhook, WebhookVerificationError, verifyRequest } = createApi(WebhookCore);
