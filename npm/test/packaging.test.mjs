// The packed tarball, installed as a user would, in each kind of project and
// runtime: CommonJS and ES modules in Node, workerd (miniflare), and headless
// Chromium. Each verifies a real signature and rejects a tampered body.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
  for (const file of ['package/dist/node.cjs', 'package/dist/node.mjs', 'package/dist/browser.mjs', 'package/dist/workerd.mjs', 'package/dist/edgehooks_bg.wasm', 'package/index.d.ts']) {
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
