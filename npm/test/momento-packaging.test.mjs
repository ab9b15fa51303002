// edgehooks/momento from the packed tarball, installed as a user would, in
// every runtime it is for: Node (ES modules and CommonJS), Deno, Bun,
// workerd (miniflare) and headless Chromium. Each validates Momento's public
// vector with WebhookUtils and publishes through TopicClient to a local
// stand-in for the API; TypeScript type-checks Momento's reference examples
// against the subpath's types.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { chromium } from 'playwright-core';

const pkgDir = fileURLToPath(new URL('..', import.meta.url));
const KEY = 'admin_packaging';
let work;
let installed;
let tarballPath;
let api;

/** The stand-in API: publish answers, one webhook is missing; and the installed files, for the browser. */
async function startApi(root) {
  const types = { '.mjs': 'text/javascript', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    if (!url.pathname.startsWith('/v1/')) {
      if (url.pathname === '/') return res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>momento</title>');
      const file = join(root, url.pathname);
      if (!file.startsWith(root) || !existsSync(file)) return res.writeHead(404).end();
      return res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    }
    const send = (status, body) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    req.resume();
    req.on('end', () => {
      if (req.headers.authorization !== `Bearer ${KEY}`) return send(401, { error: { code: 'unauthorized', message: 'no key' } });
      const route = `${req.method} ${url.pathname}`;
      if (route === `POST /v1/caches/shop/topics/${encodeURIComponent('a topic')}`) {
        return send(200, { cache: 'shop', topic: 'a topic', topicSequenceNumber: 1, publishTimestamp: 1, tokenId: '', syncDeliveries: [], asyncDeliveries: 0 });
      }
      return send(404, { error: { code: 'not_found', message: 'no webhook' } });
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${server.address().port}`, close: () => { server.closeAllConnections(); server.close(); } };
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'edgehooks-momento-pack-'));
  const tarball = execFileSync('npm', ['pack', '--silent', '--pack-destination', work], { cwd: pkgDir, encoding: 'utf8' }).trim().split('\n').pop();
  tarballPath = join(work, tarball);
  installed = join(work, 'project');
  mkdirSync(installed);
  writeFileSync(join(installed, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', tarballPath], { cwd: installed });
  api = await startApi(installed);
});

after(() => {
  api?.close();
  rmSync(work, { recursive: true, force: true });
});

/** The same run in every runtime, given the module's exports. */
const RUN = `async function run(m, base, kind) {
  const vector = { signingSecret: '1234567890', body: '{"text":"some text", "another_field": "another field" }', signature: 'b43f72787eb66410ff110295b036ef828e5686af21b414ce092f02c05deea3da' };
  const topicClient = new m.TopicClient({ endpoint: base, apiKey: ${JSON.stringify(KEY)} });
  const published = await topicClient.publish('shop', 'a topic', 'order 42 paid');
  const missing = await topicClient.getWebhookSecret('shop', 'gone');
  return {
    kind,
    valid: m.WebhookUtils.validateWebhookRequest(vector),
    bytes: m.WebhookUtils.validateWebhookRequest({ ...vector, body: new TextEncoder().encode(vector.body) }),
    tampered: m.WebhookUtils.validateWebhookRequest({ ...vector, body: vector.body + ' ' }),
    published: published.type === m.TopicPublishResponse.Success,
    missing: [missing.type === m.GetWebhookSecretResponse.Error, missing.errorCode()],
  };
}`;
const expected = (kind) => ({ kind, valid: 'valid', bytes: 'valid', tampered: 'invalid', published: true, missing: [true, 'NOT_FOUND_ERROR'] });

/** Runs a command without blocking this process (the stand-in answers from here). */
function runAsync(command, args, kind) {
  const env = { ...process.env, NO_COLOR: '1', DENO_NO_UPDATE_CHECK: '1' };
  return new Promise((resolve, reject) => {
    execFile(command, args, { cwd: installed, encoding: 'utf8', env, timeout: 60_000 }, (error, stdout, stderr) => (error ? reject(new Error(`${kind}: ${error.message}\n${stderr}`)) : resolve(JSON.parse(stdout.trim().split('\n').pop()))));
  });
}

test('the tarball holds the momento bundles and types', () => {
  const listing = execFileSync('tar', ['-tzf', tarballPath], { encoding: 'utf8' });
  for (const file of ['dist/momento-node.mjs', 'dist/momento-node.cjs', 'dist/momento-workerd.mjs', 'dist/momento-browser.mjs', 'momento.d.ts']) {
    assert.ok(listing.includes(`package/${file}`), `${file} missing from the tarball`);
  }
  // Each bundle uses its runtime's entry next to it: one WebAssembly instance, no copy of the core.
  for (const [bundle, entry] of [['momento-node.mjs', './node.mjs'], ['momento-node.cjs', './node.cjs'], ['momento-workerd.mjs', './workerd.mjs'], ['momento-browser.mjs', './browser.mjs']]) {
    const text = readFileSync(join(installed, 'node_modules/edgehooks/dist', bundle), 'utf8');
    assert.ok(text.includes(`"${entry}"`), `${bundle} imports ${entry}`);
    assert.ok(!text.includes('initSync'), `${bundle} holds no WebAssembly glue`);
  }
});

test('Node (ES modules, CommonJS), Deno and Bun: import edgehooks/momento', async () => {
  const base = JSON.stringify(api.base);
  writeFileSync(join(installed, 'momento.mjs'), `import * as m from 'edgehooks/momento';\n${RUN}\nconsole.log(JSON.stringify(await run(m, ${base}, process.argv[2] ?? globalThis.Deno?.args[0])));\n`);
  writeFileSync(join(installed, 'momento.cjs'), `const m = require('edgehooks/momento');\n${RUN}\nrun(m, ${base}, 'cjs').then((r) => console.log(JSON.stringify(r)));\n`);
  const bin = (name) => join(pkgDir, 'test/runtimes/node_modules/.bin', name);
  for (const [kind, command, args] of [
    ['esm', 'node', ['momento.mjs', 'esm']],
    ['cjs', 'node', ['momento.cjs']],
    ['deno', bin('deno'), ['run', '--allow-read', '--allow-net=127.0.0.1', 'momento.mjs', 'deno']],
    ['bun', bin('bun'), ['momento.mjs', 'bun']],
  ]) {
    assert.deepEqual(await runAsync(command, args, kind), expected(kind), kind);
  }
});

test('inside workerd (miniflare), bundled with the workerd condition', async () => {
  const worker = join(installed, 'momento-worker.mjs');
  writeFileSync(worker, `import * as m from 'edgehooks/momento';\n${RUN}\nexport default { async fetch(request) { return Response.json(await run(m, new URL(request.url).searchParams.get('api'), 'workerd')); } };\n`);
  const out = join(installed, 'momento-bundle');
  await build({ entryPoints: [worker], bundle: true, format: 'esm', outdir: out, conditions: ['workerd', 'worker', 'browser'], external: ['*.wasm'], logLevel: 'error' });
  const mf = new Miniflare({
    modules: [
      { type: 'ESModule', path: 'momento-worker.js', contents: readFileSync(join(out, 'momento-worker.js'), 'utf8') },
      { type: 'CompiledWasm', path: 'edgehooks_bg.wasm', contents: readFileSync(join(installed, 'node_modules/edgehooks/dist/edgehooks_bg.wasm')) },
    ],
    compatibilityDate: '2026-04-01',
  });
  try {
    const res = await mf.dispatchFetch(`http://worker/?api=${encodeURIComponent(api.base)}`);
    assert.deepEqual(await res.json(), expected('workerd'));
  } finally {
    await mf.dispose();
  }
});

test('inside headless Chromium, from the browser entry', async (t) => {
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  assert.ok(existsSync(executablePath), `Chromium not found at ${executablePath}: run scripts/setup`);
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  t.after(() => browser.close());
  const page = await browser.newPage();
  // The page and the stand-in API share an origin.
  await page.goto(`${api.base}/`);
  const result = await page.evaluate(async ({ source, base }) => {
    const m = await import('/node_modules/edgehooks/dist/momento-browser.mjs');
    const run = new Function(`return (${source})`)();
    return run(m, base, 'browser');
  }, { source: RUN, base: api.base });
  assert.deepEqual(result, expected('browser'));
});

test("TypeScript: Momento's reference examples type-check against edgehooks/momento", () => {
  writeFileSync(
    join(installed, 'momento-check.ts'),
    `import {
  TopicClient, PutWebhookResponse, ListWebhooksResponse, DeleteWebhookResponse, GetWebhookSecretResponse,
  RotateWebhookSecretResponse, TopicPublishResponse, TopicSubscribeResponse, MomentoErrorCode, WebhookUtils, RequestValidation,
  PostUrlWebhookDestination, type TopicItem, type Webhook,
} from 'edgehooks/momento';

const topicClient = new TopicClient({ endpoint: 'http://127.0.0.1:8787', apiKey: 'admin_x' });
const cacheName = 'examples';

export async function putWebhook() {
  const result = await topicClient.putWebhook(cacheName, 'examples webhook', {
    topicName: 'a topic',
    destination: 'https://www.thisisawebhookurl.com/v1/webhook',
  });
  switch (result.type) {
    case PutWebhookResponse.Success:
      console.log('Successfully put webhook');
      break;
    case PutWebhookResponse.Error:
      throw new Error(
        \`An error occurred while attempting to put the webhook 'examples webhook' inside of cache '\${cacheName}': \${result.errorCode()}: \${result.toString()}\`
      );
  }
}

export async function listWebhooks() {
  const result = await topicClient.listWebhooks(cacheName);
  switch (result.type) {
    case ListWebhooksResponse.Success:
      console.log(\`Listed webhooks for cache '\${cacheName}': \${result.getWebhooks()}\`);
      break;
    case ListWebhooksResponse.Error:
      throw new Error(
        \`An error occurred while attempting to list webhooks for cache '\${cacheName}': \${result.errorCode()}: \${result.toString()}\`
      );
  }
}

export async function deleteWebhook() {
  const result = await topicClient.deleteWebhook(cacheName, 'examples webhook');
  switch (result.type) {
    case DeleteWebhookResponse.Success:
      console.log('Successfully deleted webhook');
      break;
    case DeleteWebhookResponse.Error:
      throw new Error(
        \`An error occurred while attempting to delete webhook 'examples webhook' inside of cache '\${cacheName}': \${result.errorCode()}: \${result.toString()}\`
      );
  }
}

export async function getWebhookSecret() {
  const result = await topicClient.getWebhookSecret(cacheName, 'examples webhook');
  switch (result.type) {
    case GetWebhookSecretResponse.Success:
      console.log(\`Successfully retrieved the webhook secret: \${result.secret()}\`);
      break;
    case GetWebhookSecretResponse.Error:
      throw new Error(
        \`An error occurred while attempting to get the secret for the webhook 'examples webhook' inside of cache '\${cacheName}': \${result.errorCode()}: \${result.toString()}\`
      );
  }
}

export async function rotateWebhookSecret() {
  const result = await topicClient.rotateWebhookSecret(cacheName, 'examples webhook');
  switch (result.type) {
    case RotateWebhookSecretResponse.Success:
      console.log('Successfully rotated the webhook secret');
      break;
    case RotateWebhookSecretResponse.Error:
      throw new Error(
        \`An error occurred while attempting to rotate the secret for the webhook 'examples webhook' inside of cache '\${cacheName}': \${result.errorCode()}: \${result.toString()}\`
      );
  }
}

export async function more(body: Uint8Array, signature: string | undefined) {
  const valid: boolean = WebhookUtils.validateWebhookRequest({ body, signature, signingSecret: 's' }) === RequestValidation.VALID;
  const put = await topicClient.putWebhook(cacheName, 'w', { topicName: 't', destination: new PostUrlWebhookDestination('https://x.example') });
  const secret: string | undefined = put.type === PutWebhookResponse.Success ? put.secretString() : undefined;
  const listed = await topicClient.listWebhooks(cacheName);
  const first: Webhook | undefined = listed.type === ListWebhooksResponse.Success ? listed.getWebhooks()[0] : undefined;
  const url: string | undefined = first?.destination.url();
  const published = await topicClient.publish(cacheName, 't', new Uint8Array([1]));
  const notFound: boolean = published.type === TopicPublishResponse.Error && published.errorCode() === MomentoErrorCode.NOT_FOUND_ERROR;
  const subscription = await topicClient.subscribe(cacheName, 't', { onItem: (item: TopicItem) => item.valueString(), onError: (e) => e.errorCode() });
  if (subscription.type === TopicSubscribeResponse.Subscription) subscription.unsubscribe();
  // @ts-expect-error: a destination must be a URL
  await topicClient.putWebhook(cacheName, 'w', { topicName: 't', destination: 42 });
  return { valid, secret, url, notFound };
}
`,
  );
  writeFileSync(
    join(installed, 'tsconfig.momento.json'),
    JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', lib: ['es2022', 'dom'], skipLibCheck: false }, files: ['momento-check.ts'] }),
  );
  const tsc = join(pkgDir, 'node_modules/typescript/bin/tsc');
  execFileSync('node', [tsc, '-p', 'tsconfig.momento.json'], { cwd: installed, encoding: 'utf8' });
});
