// Node.js, CommonJS (bundled to dist/node.cjs): the same, located by __dirname.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { WebhookCore, initSync } from './wasm/edgehooks.js';
import { createApi } from './api.js';
import { decodeNode } from './node-text.mjs';

initSync({ module: readFileSync(join(__dirname, 'edgehooks_bg.wasm')) });

export const { Webhook, WebhookVerificationError, verifyRequest } = createApi(WebhookCore, decodeNode);
