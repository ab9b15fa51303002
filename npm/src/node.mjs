// Node.js, ES modules: instantiate the WebAssembly module synchronously from disk.
import { readFileSync } from 'node:fs';
import { WebhookCore, initSync } from './wasm/edgehooks.js';
import { createApi } from './api.js';
import { decodeNode } from './node-text.mjs';

initSync({ module: readFileSync(new URL('./edgehooks_bg.wasm', import.meta.url)) });

export const { Webhook, WebhookVerificationError, verifyRequest } = createApi(WebhookCore, decodeNode);
