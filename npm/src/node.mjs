// Node.js, ES modules: instantiate the WebAssembly module synchronously from
// disk; HMAC tags are computed with node:crypto (see node-native.mjs).
import { readFileSync } from 'node:fs';
import { WebhookCore, initSync } from './wasm/edgehooks.js';
import { createApi } from './api.js';
import { decodeNode } from './node-text.mjs';
import { nodeMac } from './node-native.mjs';

const { memory } = initSync({ module: readFileSync(new URL('./edgehooks_bg.wasm', import.meta.url)) });
const native = nodeMac(memory);

export const { Webhook, WebhookVerificationError, verifyRequest } = createApi(WebhookCore, decodeNode, native);

/** For tests: the count of natively computed verifications, and the WebAssembly-only API. */
export const __native = { stats: native, wasm: createApi(WebhookCore, decodeNode) };
