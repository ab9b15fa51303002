// Node.js, CommonJS (bundled to dist/node.cjs): the same, located by __dirname.
import { Buffer, isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebhookCore, initSync } from './wasm/edgehooks.js';
import { createApi } from './api.js';

initSync({ module: readFileSync(join(__dirname, 'edgehooks_bg.wasm')) });

/** Node's native (SIMD) UTF-8 check and decoder. */
function decodeNode(bytes) {
  return isUtf8(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') : undefined;
}

export const { Webhook, WebhookVerificationError, verifyRequest } = createApi(WebhookCore, decodeNode);
