// Runs the built Worker under `wrangler dev` with its own local state, a
// receiver that records every delivery, and a small API client.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync, rmSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { chromium } from 'playwright-core';

const workerDir = join(dirname(fileURLToPath(import.meta.url)), '../../worker');
const wrangler = join(workerDir, 'node_modules/.bin/wrangler');
export const openapi = JSON.parse(readFileSync(join(workerDir, 'openapi.json'), 'utf8'));

/** Where screenshots go: tests/e2e/artifacts/, or $EDGEHOOKS_ARTIFACTS. */
export const artifacts = process.env.EDGEHOOKS_ARTIFACTS ?? join(dirname(fileURLToPath(import.meta.url)), 'artifacts');

/**
 * Headless Chromium (`scripts/setup` installs it; `$CHROMIUM` names
 * another), with the artifacts folder made.
 */
export async function launchChromium() {
  const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) throw new Error(`Chromium not found at ${executablePath}: run scripts/setup`);
  mkdirSync(artifacts, { recursive: true });
  return chromium.launch({
    executablePath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Settings every test deployment starts from: retries a second apart keep
 * the tests quick (the deployment's default is 5 s), and the model's own
 * bound on topics (64) is what the tests reach (the default quota is 20).
 */
const TEST_VARS = { MIN_RETRY_DELAY_SECONDS: 1, TOPICS_PER_WEBHOOK: 64 };

/** Local state and secrets for one or more runs of the Worker; `vars` adds settings. */
export function newDeployment(vars = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'edgehooks-e2e-'));
  const adminKey = `admin_${randomBytes(16).toString('hex')}`;
  const envFile = join(dir, 'env');
  writeFileSync(
    envFile,
    `ADMIN_KEY=${adminKey}\nSECRETS_KEY=${randomBytes(32).toString('base64')}\nALLOW_PRIVATE_URLS=true\n${
      Object.entries({ ...TEST_VARS, ...vars }).map(([k, v]) => `${k}=${v}\n`).join('')}`,
  );
  return { dir, adminKey, envFile, state: join(dir, 'state'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * GETs `url` over https from a runtime with a self-signed certificate
 * (`wrangler dev --local-protocol https`); resolves with the status,
 * headers and body text.
 */
export function getInsecure(url, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = httpsGet(url, { headers, rejectUnauthorized: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on('error', reject);
  });
}

/**
 * Starts `wrangler dev` for `deployment` (the edgehooks Worker, or the one
 * of `config`), over `https` with a self-signed certificate when asked, on
 * `port` when given (a restart at the same address); resolves once it
 * serves requests.
 */
export async function startWorker(deployment, { config, readyPath = '/v1/openapi.json', https = false, port: fixedPort } = {}) {
  const port = fixedPort ?? await freePort();
  const inspector = await freePort();
  const child = spawn(
    wrangler,
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector),
      '--persist-to', deployment.state, '--env-file', deployment.envFile,
      '--show-interactive-dev-session=false', '--log-level', 'warn',
      ...(config ? ['--config', config] : []),
      ...(https ? ['--local-protocol', 'https'] : [])],
    {
      cwd: workerDir,
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false',
        CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_HIDE_BANNER: 'true', CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let log = '';
  child.stdout.on('data', (d) => { log += d; });
  child.stderr.on('data', (d) => { log += d; });
  const url = `${https ? 'https' : 'http'}://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${log}`);
    if (Date.now() > deadline) { process.kill(-child.pid, 'SIGKILL'); throw new Error(`wrangler dev did not start:\n${log}`); }
    try {
      if (https) {
        if ((await getInsecure(url + readyPath)).status === 200) break;
      } else {
        const res = await fetch(url + readyPath);
        if (res.ok) { await res.arrayBuffer(); break; }
      }
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    port,
    /** The runtime's inspector port (DevTools protocol). */
    inspector,
    log: () => log,
    /** Kills the runtime at once (SIGKILL), as a crash would. */
    async kill() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      process.kill(-child.pid, 'SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      process.kill(-child.pid, 'SIGTERM');
      const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * The secret part of an issued key (`ehk_<tokenId>_<secret>`; the secret
 * is base64url and may itself contain `_`).
 */
export function keySecret({ key, tokenId }) {
  const prefix = `ehk_${tokenId}_`;
  if (!key.startsWith(prefix)) throw new Error(`not a key of ${tokenId}`);
  return key.slice(prefix.length);
}

/** A client for the API at `url`, authenticated with `key` unless told otherwise. */
export function client(url, key) {
  return async function call(method, path, { body, key: useKey = key, headers = {}, raw } = {}) {
    const init = { method, headers: { ...headers } };
    if (useKey) init.headers.authorization = `Bearer ${useKey}`;
    if (raw !== undefined) init.body = raw;
    else if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(url + path, init);
    const text = await res.text();
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    return { status: res.status, json, text, headers: res.headers };
  };
}

/**
 * A receiver on 127.0.0.1 recording every request by path. `behave(path,
 * entry)` may return `{ status, delayMs, headers, reset }` to answer
 * differently (`reset`: drop the connection without an answer).
 */
export async function startReceiver(behave = () => ({})) {
  const requests = [];
  const waiters = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const entry = {
        path: req.url, method: req.method, headers: req.headers, body: Buffer.concat(chunks), at: Date.now(),
        /** Resolves once the request is answered or its connection is gone. */
        closed: new Promise((resolve) => res.on('close', resolve)),
      };
      requests.push(entry);
      for (const w of [...waiters]) w();
      const { status = 204, delayMs = 0, headers = {}, reset = false } = behave(req.url, entry) ?? {};
      if (reset) { req.socket.destroy(); return; }
      setTimeout(() => {
        if (res.destroyed) return;
        res.writeHead(status, headers);
        res.end();
      }, delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${server.address().port}`;
  return {
    base,
    requests,
    at: (path) => requests.filter((r) => r.path === path),
    /** Resolves once `count` requests reached `path` (or fails after `ms`). */
    async waitFor(path, count, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (requests.filter((r) => r.path === path).length < count) {
        if (Date.now() > deadline) {
          throw new Error(`${path}: ${requests.filter((r) => r.path === path).length} of ${count} requests`);
        }
        await new Promise((resolve) => { waiters.push(resolve); setTimeout(resolve, 50); });
        waiters.length = 0;
      }
      return requests.filter((r) => r.path === path);
    },
    close: () => { server.closeAllConnections(); server.close(); },
  };
}

const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addFormat('uri', true);
ajv.addFormat('binary', true);
ajv.addSchema(openapi, 'openapi');

/** Fails unless `body` matches the OpenAPI schema named `name`. */
export function assertSchema(name, body) {
  const validate = ajv.getSchema(`openapi#/components/schemas/${name}`);
  if (!validate(body)) {
    throw new Error(`response does not match ${name}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`);
  }
}

/** Fails unless `response` is the documented response of `operationId`. */
export function assertDocumented(operationId, response) {
  for (const item of Object.values(openapi.paths)) {
    for (const op of Object.values(item)) {
      if (op.operationId !== operationId) continue;
      const documented = op.responses[String(response.status)];
      if (!documented) throw new Error(`${operationId}: status ${response.status} is not documented`);
      const schema = documented.content?.['application/json']?.schema;
      if (!schema) return;
      const validate = ajv.compile({ $ref: `openapi#${pointerOf(schema)}` , $defs: {} });
      if (!validate(response.json)) {
        throw new Error(`${operationId} ${response.status}: ${ajv.errorsText(validate.errors)}\n${response.text}`);
      }
      return;
    }
  }
  throw new Error(`no operation ${operationId}`);
}

function pointerOf(schema) {
  if (schema.$ref) return schema.$ref.slice(1);
  // Inline schemas: find their JSON pointer inside the document.
  const path = findPath(openapi, schema, '');
  if (!path) throw new Error('schema not found in the document');
  return path;
}

function findPath(node, target, at) {
  if (node === target) return at;
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      const found = findPath(v, target, `${at}/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** Polls `check` every 100 ms until it returns a truthy value, which it
 * returns; fails after `ms` naming `what`. */
export async function eventually(check, ms = 20_000, what = 'condition') {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not met in ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
