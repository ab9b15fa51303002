// The packed tarball, installed as a user would, in each kind of project and
// runtime: CommonJS and ES modules in Node, workerd (miniflare), and headless
// Chromium. Each verifies a real signature and rejects a tampered body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { chromium } from 'playwright-core';
import { Webhook } from 'edgehooks';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const now = Math.floor(Date.now() / 1000);
const body = '{"cache":"shop","topic":"orders","text":"packaged"}';
const headers = new Webhook(secret).sign('msg_pkg', now, body);
const fixture = JSON.stringify({ secret, body, headers });
let work;
let installed;
let tarballPath;

before(() => {
  work = mkdtempSync(join(tmpdir(), 'edgehooks-pack-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: pkgDir, encoding: 'utf8' }).trim().split('\n').pop();
  tarballPath = join(work, tarball);
  const project = join(work, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', tarballPath], { cwd: project });
  installed = project;
});

after(() => rmSync(work, { recursive: true, force: true }));

const script = (kind) => `
const f = ${fixture};
const wh = new Webhook(f.secret);
const payload = wh.verify(f.body, f.headers);
let code = 'accepted';
try { wh.verify(f.body.replace('packaged', 'tampered'), f.headers); } catch (e) { code = e instanceof WebhookVerificationError ? e.code : String(e); }
console.log(JSON.stringify({ kind: '${kind}', topic: payload.topic, tampered: code, isError: new WebhookVerificationError('x', 'y') instanceof Error }));
`;

const expected = (kind) => ({ kind, topic: 'orders', tampered: 'invalid_signature', isError: true });

test('the tarball holds the built files and no sources', () => {
  const listing = execFileSync('tar', ['-tzf', tarballPath], { encoding: 'utf8' });
  for (const file of [
    'package/dist/node.cjs', 'package/dist/node.mjs', 'package/dist/browser.mjs', 'package/dist/workerd.mjs', 'package/dist/edgehooks_bg.wasm', 'package/index.d.ts',
    'package/dist/client.mjs', 'package/dist/client.cjs', 'package/client.d.ts', 'package/client-schema.d.ts',
  ]) {
    assert.ok(listing.includes(file), `${file} missing from the tarball`);
  }
  assert.ok(!listing.includes('package/src/'), 'sources are not shipped');
});

test('CommonJS project: require("edgehooks")', () => {
  writeFileSync(join(installed, 'check.cjs'), `const { Webhook, WebhookVerificationError } = require('edgehooks');\n${script('cjs')}`);
  const out = execFileSync('node', ['check.cjs'], { cwd: installed, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), expected('cjs'));
});

test('ES module project: import from "edgehooks"', () => {
  writeFileSync(join(installed, 'check.mjs'), `import { Webhook, WebhookVerificationError } from 'edgehooks';\n${script('esm')}`);
  const out = execFileSync('node', ['check.mjs'], { cwd: installed, encoding: 'utf8' });
  assert.deepEqual(JSON.parse(out), expected('esm'));
});

for (const [runtime, args] of [
  ['deno', ['run', '--allow-read']],
  ['bun', []],
]) {
  test(`${runtime}: import from "edgehooks"`, () => {
    writeFileSync(join(installed, `check-${runtime}.mjs`), `import { Webhook, WebhookVerificationError } from 'edgehooks';\n${script(runtime)}`);
    const binary = join(pkgDir, 'test/runtimes/node_modules/.bin', runtime);
    const out = execFileSync(binary, [...args, `check-${runtime}.mjs`], { cwd: installed, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' } });
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()), expected(runtime));
  });
}

test('TypeScript: the types resolve through the exports and type-check a consumer', () => {
  writeFileSync(
    join(installed, 'check.ts'),
    `import { Webhook, WebhookVerificationError, verifyRequest, type WebhookEvent } from 'edgehooks';
const wh = new Webhook(['whsec_a', 'whsec_b'], { scheme: 'stripe', toleranceSeconds: 60 });
const event: WebhookEvent = wh.verify(new Uint8Array(), { 'stripe-signature': 't=1,v1=00' }, { now: 1 });
const seq: number = event.topic_sequence_number;
const text: string | undefined = event.text;
const headers: Record<string, string> = wh.sign('msg_1', new Date(), '{}');
const custom = wh.verify<{ id: string }>('{}', new Headers());
const id: string = custom.id;
async function handle(request: Request): Promise<WebhookEvent> {
  return verifyRequest(request, wh);
}
try { wh.verify('', {}); } catch (e) { if (e instanceof WebhookVerificationError) { const code: 'invalid_signature' | string = e.code; } }
// @ts-expect-error: an unknown scheme is a type error
new Webhook('s', { scheme: 'md5' });
export { seq, text, headers, id, handle };
`,
  );
  writeFileSync(
    join(installed, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], skipLibCheck: false }, files: ['check.ts'] }),
  );
  const tsc = join(pkgDir, 'node_modules/typescript/bin/tsc');
  execFileSync('node', [tsc, '-p', 'tsconfig.json'], { cwd: installed, encoding: 'utf8' });
});

test('inside workerd (miniflare), bundled with the workerd condition', async () => {
  // Bundle as wrangler does: esbuild with the workerd condition, .wasm kept as a module.
  const worker = join(installed, 'worker.mjs');
  writeFileSync(
    worker,
    `import { Webhook, WebhookVerificationError, verifyRequest } from 'edgehooks';
export default {
  async fetch(request) {
    try {
      const payload = await verifyRequest(request, ${JSON.stringify(secret)});
      return Response.json({ ok: true, topic: payload.topic });
    } catch (e) {
      return Response.json({ ok: false, code: e.code, isError: e instanceof WebhookVerificationError }, { status: 401 });
    }
  },
};`,
  );
  const out = join(installed, 'bundle');
  await build({ entryPoints: [worker], bundle: true, format: 'esm', outdir: out, conditions: ['workerd', 'worker', 'browser'], external: ['*.wasm'], logLevel: 'error' });
  const wasmPath = join(installed, 'node_modules/edgehooks/dist/edgehooks_bg.wasm');
  const mf = new Miniflare({
    modules: [
      { type: 'ESModule', path: 'worker.js', contents: readFileSync(join(out, 'worker.js'), 'utf8') },
      { type: 'CompiledWasm', path: 'edgehooks_bg.wasm', contents: readFileSync(wasmPath) },
    ],
    compatibilityDate: '2026-04-01',
  });
  try {
    const ok = await mf.dispatchFetch('http://worker/', { method: 'POST', body, headers });
    assert.deepEqual(await ok.json(), { ok: true, topic: 'orders' });
    const bad = await mf.dispatchFetch('http://worker/', { method: 'POST', body: body + ' ', headers });
    assert.equal(bad.status, 401);
    assert.deepEqual(await bad.json(), { ok: false, code: 'invalid_signature', isError: true });
  } finally {
    await mf.dispose();
  }
});

test('inside headless Chromium, from the browser entry', async (t) => {
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  assert.ok(existsSync(executablePath), `Chromium not found at ${executablePath}: run scripts/setup`);
  const root = join(installed, 'node_modules/edgehooks');
  const types = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
  const server = createServer((req, res) => {
    if (req.url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>edgehooks</title>');
      return;
    }
    const file = join(root, new URL(req.url, 'http://x').pathname);
    if (!file.startsWith(root) || !existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  const result = await page.evaluate(async (f) => {
    const { Webhook, WebhookVerificationError } = await import('/dist/browser.mjs');
    const wh = new Webhook(f.secret);
    const topic = wh.verify(new TextEncoder().encode(f.body), new Headers(f.headers)).topic;
    let tampered = 'accepted';
    try {
      wh.verify(f.body + ' ', f.headers);
    } catch (e) {
      tampered = e instanceof WebhookVerificationError ? e.code : String(e);
    }
    return { kind: 'browser', topic, tampered, isError: true };
  }, JSON.parse(fixture));
  assert.deepEqual(result, expected('browser'));
});

// edgehooks/client, from the tarball, in each runtime: against a small local
// stand-in for the API (the real Worker is driven by tests/e2e/client.test.mjs),
// it publishes JSON idempotently, gets an API error, pages through a list and
// reads a subscription that drops once and resumes with Last-Event-ID.
const clientKey = 'admin_packaging';

/** Serves the stand-in API under /v1 (CORS allowed) and, when given, the files under `root`. */
async function startApi(root) {
  const types = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.html': 'text/html' };
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-headers': 'authorization, content-type, idempotency-key, last-event-id, if-none-match',
    'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
    'access-control-expose-headers': 'idempotent-replayed, retry-after',
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (!url.pathname.startsWith('/v1/')) {
      if (req.url === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>edgehooks</title>');
      const file = root && join(root, url.pathname);
      if (!file || !file.startsWith(root) || !existsSync(file)) return res.writeHead(404).end();
      return res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    }
    if (req.method === 'OPTIONS') return res.writeHead(204, cors).end();
    const send = (status, body, headers = {}) => res.writeHead(status, { 'content-type': 'application/json', ...cors, ...headers }).end(JSON.stringify(body));
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString();
      if (req.headers.authorization !== `Bearer ${clientKey}`) return send(401, { error: { code: 'unauthorized', message: 'no key' } });
      const route = `${req.method} ${url.pathname}`;
      if (route === 'POST /v1/caches/shop/topics/orders' && req.headers['content-type'] === 'application/json'
        && req.headers['idempotency-key'] === 'k1' && body === '{"id":1}') {
        return send(200, { cache: 'shop', topic: 'orders', topicSequenceNumber: 5, publishTimestamp: 1, tokenId: '', syncDeliveries: [], asyncDeliveries: 0 }, { 'idempotent-replayed': 'true' });
      }
      if (route === `GET /v1/caches/shop/webhooks/${encodeURIComponent('a b/é')}`) return send(404, { error: { code: 'not_found', message: 'no webhook' } });
      if (route === 'GET /v1/caches/shop/webhooks' && url.searchParams.get('limit') === '1') {
        const second = url.searchParams.get('cursor') === 'c1';
        return send(200, { webhooks: [{ id: { cacheName: 'shop', webhookName: second ? 'two' : 'one' } }], cursor: second ? null : 'c1' });
      }
      if (route === 'GET /v1/caches/shop/topics/orders/subscribe') {
        const last = req.headers['last-event-id'];
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...cors });
        const event = (n) => `id: ${n}\nevent: message\ndata: ${JSON.stringify({ cache: 'shop', topic: 'orders', topic_sequence_number: n, text: `m${n}` })}\n\n`;
        // The first connection ends after one message; the next resumes after it.
        if (last === undefined) return res.end(`: subscribed\n\n${event(1)}`);
        if (last === '1') return res.write(event(2));
        return res.end();
      }
      return send(400, { error: { code: 'invalid_request', message: `unexpected ${route}` } });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

/** The same run in every runtime: what it returns is compared with `clientExpected`. */
const clientRun = `async function run(EdgehooksClient, EdgehooksApiError, base, kind) {
  const client = new EdgehooksClient({ url: base, apiKey: ${JSON.stringify(clientKey)} });
  const published = await client.publish('shop', 'orders', { id: 1 }, { idempotencyKey: 'k1' });
  let error = {};
  try { await client.getWebhook('shop', 'a b/é'); } catch (e) { error = { isApiError: e instanceof EdgehooksApiError, isError: e instanceof Error, code: e.code, status: e.status }; }
  const names = [];
  for await (const webhook of client.iterateWebhooks('shop', { limit: 1 })) names.push(webhook.id.webhookName);
  const texts = [];
  for await (const envelope of client.subscribe('shop', 'orders', { reconnect: { initialDelayMs: 10 } })) {
    texts.push(envelope.text);
    if (texts.length === 2) break;
  }
  return { kind, seq: published.topicSequenceNumber, replayed: published.idempotentReplayed, error, names, texts };
}`;
const clientExpected = (kind) => ({
  kind, seq: 5, replayed: true, error: { isApiError: true, isError: true, code: 'not_found', status: 404 }, names: ['one', 'two'], texts: ['m1', 'm2'],
});

test('edgehooks/client: ES modules, CommonJS, Deno and Bun', async (t) => {
  const api = await startApi();
  t.after(() => api.close());
  const base = JSON.stringify(api.base);
  writeFileSync(join(installed, 'client.mjs'), `import { EdgehooksClient, EdgehooksApiError } from 'edgehooks/client';\n${clientRun}\nconsole.log(JSON.stringify(await run(EdgehooksClient, EdgehooksApiError, ${base}, process.argv[2] ?? globalThis.Deno?.args[0])));\n`);
  writeFileSync(join(installed, 'client.cjs'), `const { EdgehooksClient, EdgehooksApiError } = require('edgehooks/client');\n${clientRun}\nrun(EdgehooksClient, EdgehooksApiError, ${base}, 'cjs').then((r) => console.log(JSON.stringify(r)));\n`);
  const env = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
  const bin = (name) => join(pkgDir, 'test/runtimes/node_modules/.bin', name);
  const runs = [
    ['esm', 'node', ['client.mjs', 'esm']],
    ['cjs', 'node', ['client.cjs']],
    ['deno', bin('deno'), ['run', '--allow-read', '--allow-net=127.0.0.1', 'client.mjs', 'deno']],
    ['bun', bin('bun'), ['client.mjs', 'bun']],
  ];
  for (const [kind, command, args] of runs) {
    // Asynchronously: the stand-in API answers from this process.
    const out = await new Promise((resolve, reject) => {
      execFile(command, args, { cwd: installed, encoding: 'utf8', env, timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${kind}: ${error.message}\n${stderr}`)) : resolve(stdout)));
    });
    assert.deepEqual(JSON.parse(out.trim().split('\n').pop()), clientExpected(kind), kind);
  }
});

test('edgehooks/client: TypeScript types from the exports type-check a strict consumer', () => {
  writeFileSync(
    join(installed, 'client-check.ts'),
    `import {
  EdgehooksClient, EdgehooksApiError,
  type ApiErrorCode, type Attempt, type EdgehooksErrorCode, type Key, type OperationId, type Operations, type PublishResult,
  type UndeliveredMessage, type Webhook, type WebhookEvent, type WebhookInput, type WebhookPatch,
} from 'edgehooks/client';

// Every operation of the document is a method.
type Missing = Exclude<OperationId, keyof EdgehooksClient>;
const everyOperation: [Missing] extends [never] ? true : Missing = true;

const client = new EdgehooksClient({ url: 'http://127.0.0.1:8787', apiKey: 'admin_x', fetch });

async function use(signal: AbortSignal) {
  const input: WebhookInput = {
    topics: ['orders'],
    destination: { postUrl: 'https://example.com/hook' },
    scheme: 'standard-v1a',
    retry: { scheduleSeconds: [5, 60] },
    auth: { type: 'oauth2', tokenUrl: 'https://auth.example/token', clientId: 'id', clientSecret: 's', clientAuth: 'body' },
    headers: { 'x-team': 'shop' },
  };
  const put = await client.putWebhook('shop', 'orders hook', input, { createOnly: true, signal });
  const created: boolean = put.created;
  const secret: string = put.secretString;
  const webhook: Webhook = await client.getWebhook('shop', 'orders hook');
  const state: 'active' | 'inactive' | 'disabled' = webhook.status.state;
  const pending: number | undefined = webhook.statistics?.pending;
  if (webhook.auth?.type === 'oauth2') { const set: true = webhook.auth.clientSecretSet; }
  const patch: WebhookPatch = { maxRatePerSecond: null, auth: null, active: false };
  const patched: Operations['patchWebhook']['response'] = await client.patchWebhook('shop', 'orders hook', patch);
  const page = await client.listWebhooks('shop', { limit: 10, cursor: undefined });
  const next: string | null = page.cursor;
  for await (const w of client.iterateWebhooks('shop', { limit: 100, signal })) { const name: string = w.id.webhookName; }
  const rotated = await client.rotateWebhookSecret('shop', 'orders hook', { graceSeconds: 3600 });
  const graceEndsAt: number | undefined = rotated.graceEndsAt;
  const test: Attempt = await client.testWebhook('shop', 'orders hook');
  for await (const a of client.iterateAttempts('shop', 'orders hook', { status: 'failed', since: Date.now() - 3_600_000 })) {
    const code = a.error?.code;
    const outcome: 'delivered' | 'retrying' | 'dead_lettered' | 'timed_out' | 'gone' | undefined = a.outcome;
  }
  for await (const m of client.iterateUndelivered('shop', 'orders hook')) { const u: UndeliveredMessage = m; const s: 'pending' | 'given_up' = m.state; }
  const replay = await client.replayWebhook('shop', 'orders hook', { status: 'all', since: 0 });
  const replayed: number = replay.replayed;
  const published: PublishResult = await client.publish('shop', 'orders', { order: 42 }, { idempotencyKey: 'order-42' });
  const seq: number = published.topicSequenceNumber;
  const again: boolean = published.idempotentReplayed;
  await client.publish('shop', 'orders', new Uint8Array([1]));
  await client.publish('shop', 'orders', 'text', { contentType: 'text/csv' });
  for await (const event of client.subscribe('shop', 'orders', { lastEventId: seq, signal, onGap: ({ from, to }) => {} })) {
    const e: WebhookEvent = event;
    const n: number = event.topic_sequence_number;
    const text: string | undefined = event.text;
  }
  const key = await client.createKey({ caches: ['shop'], permissions: ['publish', 'manage'], description: 'ci' });
  const issued: string = key.key;
  for await (const k of client.iterateKeys()) { const listed: Key = k; }
  await client.deleteKey(key.tokenId);
  const removed: void = await client.deleteWebhook('shop', 'orders hook');
  const doc: Record<string, unknown> = await client.getOpenApi();
  try {
    await client.listKeys();
  } catch (e) {
    if (e instanceof EdgehooksApiError) {
      const code: EdgehooksErrorCode = e.code;
      const status: number = e.status;
      const retryAfter: number | undefined = e.retryAfter;
      if (e.code === 'idempotency_key_reused' || e.code === 'network_error' || e.code === 'invalid_response') {}
      // @ts-expect-error: not a code of the document
      if (e.code === 'no_such_code') {}
    }
  }
  return { created, secret, state, pending, patched, next, graceEndsAt, test, replayed, again, issued, removed, doc };
}

// @ts-expect-error: a scheme the document does not list
const badScheme: WebhookInput = { destination: { postUrl: 'https://x' }, scheme: 'md5' };
// @ts-expect-error: the destination is required
const noDestination: WebhookInput = { topics: ['t'] };
// @ts-expect-error: a field the document does not have
const extraField: WebhookInput = { destination: { postUrl: 'https://x' }, colour: 'red' };
// @ts-expect-error: the secret cannot be patched
const patchSecret: WebhookPatch = { secret: 'whsec_x' };
// @ts-expect-error: an attempt filter the document does not list
client.listAttempts('shop', 'hook', { status: 'pending' });
// @ts-expect-error: publish takes no undefined message
client.publish('shop', 'orders', undefined);
// @ts-expect-error: permissions are publish and manage
client.createKey({ caches: ['*'], permissions: ['admin'] });
const errorCode: ApiErrorCode = 'invalid_name';
// @ts-expect-error: the client needs a key
new EdgehooksClient({ url: 'http://x' });

export { everyOperation, use, badScheme, noDestination, extraField, patchSecret, errorCode };
`,
  );
  writeFileSync(
    join(installed, 'tsconfig.client.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom', 'dom.asynciterable'], skipLibCheck: false, noUnusedLocals: false }, files: ['client-check.ts'] }),
  );
  const tsc = join(pkgDir, 'node_modules/typescript/bin/tsc');
  try {
    execFileSync('node', [tsc, '-p', 'tsconfig.client.json'], { cwd: installed, encoding: 'utf8' });
  } catch (error) {
    assert.fail(`tsc:\n${error.stdout}${error.stderr}`);
  }
});

test('edgehooks/client inside workerd (miniflare), bundled with the workerd condition', async (t) => {
  const api = await startApi();
  t.after(() => api.close());
  const worker = join(installed, 'client-worker.mjs');
  writeFileSync(worker, `import { EdgehooksClient, EdgehooksApiError } from 'edgehooks/client';
${clientRun}
export default { async fetch() { return Response.json(await run(EdgehooksClient, EdgehooksApiError, ${JSON.stringify(api.base)}, 'workerd')); } };`);
  const out = join(installed, 'client-bundle');
  await build({ entryPoints: [worker], bundle: true, format: 'esm', outdir: out, conditions: ['workerd', 'worker', 'browser'], logLevel: 'error' });
  const mf = new Miniflare({
    modules: [{ type: 'ESModule', path: 'worker.js', contents: readFileSync(join(out, 'client-worker.js'), 'utf8') }],
    compatibilityDate: '2026-04-01',
  });
  try {
    const res = await mf.dispatchFetch('http://worker/');
    assert.deepEqual(await res.json(), clientExpected('workerd'));
  } finally {
    await mf.dispose();
  }
});

test('edgehooks/client inside headless Chromium, from the browser entry', async (t) => {
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  assert.ok(existsSync(executablePath), `Chromium not found at ${executablePath}: run scripts/setup`);
  const api = await startApi(join(installed, 'node_modules/edgehooks'));
  t.after(() => api.close());
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  await page.goto(`${api.base}/`);
  // The module the package's "browser" condition names.
  const entry = JSON.parse(readFileSync(join(installed, 'node_modules/edgehooks/package.json'), 'utf8')).exports['./client'].browser;
  const result = await page.evaluate(async ({ source, entry, base }) => {
    const { EdgehooksClient, EdgehooksApiError } = await import(entry.slice(1));
    const run = new Function(`return (${source})`)();
    return run(EdgehooksClient, EdgehooksApiError, base, 'browser');
  }, { source: clientRun, entry, base: api.base });
  assert.deepEqual(result, clientExpected('browser'));
});
