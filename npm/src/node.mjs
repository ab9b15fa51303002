// Node.js, ES modules: instantiate the WebAssembly module synchronously from disk.
import { Buffer, isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { WebhookCore, initSync } from './wasm/edgehooks.js';
import { createApi } from './api.js';

initSync({ module: readFileSync(new URL('./edgehooks_bg.wasm', import.meta.url)) });

/** Node's native (SIMD) UTF-8 check and decoder. */
function decodeNode(bytes) {
  return isUtf8(bytes) ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8') : undefined;
}

export const { Webhook, WebhookVerificationError, verifyRequest } = createApi(WebhookCore, decodeNode);
