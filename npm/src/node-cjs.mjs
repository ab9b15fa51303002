// Node.js, CommonJS (bundled to dist/node.cjs): the same, located by __dirname.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebhookCore, initSync } from './wasm/edgehooks.js';
import { createApi } from './api.js';
import { decodeNode } from './node-text.mjs';
import { nodeMac } from './node-native.mjs';

const { memory } = initSync({ module: readFileSync(join(__dirname, 'edgehooks_bg.wasm')) });
const native = nodeMac(memory);

export const { Webhook, WebhookVerificationError, verifyRequest } = createApi(WebhookCore, decodeNode, native);

/** For tests: the count of natively computed verifications, and the WebAssembly-only API. */
export const __native = { stats: native, wasm: createApi(WebhookCore, decodeNode) };
