// Node.js, CommonJS (bundled to dist/node.cjs): the same, located by __dirname.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebhookCore, initSync } from './wasm/edgehooks.js';
import { createApi } from './api.js';
import { decodeNode } from './node-text.mjs';
import { nativeMac } from './node-native.mjs';

initSync({ module: readFileSync(join(__dirname, 'edgehooks_bg.wasm')) });

export const { Webhook, WebhookVerificationError, verifyRequest } = createApi(WebhookCore, decodeNode, nativeMac);

/** For tests: the count of natively computed verifications, and the WebAssembly-only API. */
export const __native = { stats: nativeMac, wasm: createApi(WebhookCore, decodeNode) };
