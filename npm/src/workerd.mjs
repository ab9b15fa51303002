// Cloudflare Workers (workerd): the runtime compiles imported .wasm files.
import wasmModule from './edgehooks_bg.wasm';
import { WebhookCore, initSync } from './wasm/edgehooks.js';
import { createApi } from './api.js';

initSync({ module: wasmModule });

export const { Webhook, WebhookVerificationError, verifyRequest } = createApi(WebhookCore);
