// The `edgehooks` command line (built by `cargo build -p edgehooks-cli`)
// against the Worker under wrangler dev: `listen` forwarding a topic to a
// receiver on 127.0.0.1 through a restart of the service, the API
// commands as scripts use them, and `verify` on a real delivery.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { client, eventually, newDeployment, startReceiver, startWorker } from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const binary = join(process.env.CARGO_TARGET_DIR ?? join(root, 'target'), 'debug/edgehooks');
if (!existsSync(binary)) throw new Error(`${binary} is missing: run cargo build -p edgehooks-cli`);

const deployment = newDeployment();
// Listen fails its second message: it must carry on past receiver errors.
const receiver = await startReceiver((path, entry) => (
  path === '/listen' && JSON.parse(entry.body).topic_sequence_number === 2 ? { status: 500 } : {}
));
const scratch = mkdtempSync(join(tmpdir(), 'edgehooks-cli-'));
let worker = await startWorker(deployment);
const children = new Set();
after(async () => {
  for (const child of children) child.kill('SIGKILL');
  receiver.close();
  await worker.stop();
  deployment.remove();
  rmSync(scratch, { recursive: true, force: true });
});

/** The environment the command reads its service and key from. */
function environment(extra = {}) {
  return { ...process.env, EDGEHOOKS_URL: worker.url, EDGEHOOKS_API_KEY: deployment.adminKey, NO_COLOR: '1', ...extra };
}

/** Runs `edgehooks ...args` to its end: its exit code, stdout and stderr. */
function run(args, { input, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env: environment(env), stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (input !== undefined) {
      child.stdin.on('error', () => { /* it may exit without reading */ });
      child.stdin.end(input);
    }
  });
}

/** Starts `edgehooks listen`; collects its lines as they come. */
function listen(args) {
  const child = spawn(binary, ['listen', ...args], { env: environment(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const out = [];
  const err = [];
  createInterface({ input: child.stdout }).on('line', (line) => out.push(line));
  createInterface({ input: child.stderr }).on('line', (line) => err.push(line));
  return { child, out, err };
}

test('listen forwards every message in order, signed as the service signs, through a restart', async () => {
  const session = listen(['shop', 'orders', '--forward-to', `${receiver.base}/listen`]);
  const ready = await eventually(() => session.out[0], 30_000, 'the Ready line');
  const match = /^Ready\. Forwarding shop\/orders to (\S+); signing secret (whsec_\S+)$/.exec(ready);
  assert.ok(match, ready);
  assert.equal(match[1], `${receiver.base}/listen`);
  const secret = match[2];
  assert.ok(session.err.some((line) => line.startsWith('Connecting to ')), session.err.join('\n'));

  const publish = (text) => client(worker.url, deployment.adminKey)('POST', '/v1/caches/shop/topics/orders', { raw: text });
  for (let i = 1; i <= 4; i += 1) assert.equal((await publish(`order ${i}`)).json.topicSequenceNumber, i);
  await receiver.waitFor('/listen', 4);

  // The service stops and comes back at the same address; listen says so
  // and resumes after the last message it forwarded.
  await worker.stop();
  await eventually(() => session.err.some((line) => line.startsWith('Disconnected (')), 20_000, 'the disconnect line');
  worker = await startWorker(deployment, { port: worker.port });
  for (let i = 5; i <= 7; i += 1) assert.equal((await publish(`order ${i}`)).json.topicSequenceNumber, i);
  const delivered = await receiver.waitFor('/listen', 7, 40_000);
  assert.ok(session.err.includes('Reconnected; resuming after #4.'), session.err.join('\n'));

  // Each verifies with the reference library and the printed secret, in
  // order, once each, with the id the service would give a webhook named
  // `listen`.
  const verifier = new StandardWebhook(secret);
  const envelopes = delivered.map((request) => verifier.verify(request.body.toString(), request.headers));
  assert.deepEqual(envelopes.map((e) => e.topic_sequence_number), [1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(envelopes.map((e) => e.text), [1, 2, 3, 4, 5, 6, 7].map((i) => `order ${i}`));
  assert.ok(envelopes.every((e) => e.cache === 'shop' && e.topic === 'orders'));
  const ids = delivered.map((request) => request.headers['webhook-id']);
  assert.equal(new Set(ids).size, 7);
  assert.ok(ids.every((id) => /^msg_[A-Za-z0-9_-]{22}$/.test(id)), ids.join(' '));

  // One line per message: time, number, status, latency, id; the failure
  // shows and the next ones follow.
  await eventually(() => session.out.length >= 8, 10_000, 'eight lines');
  const lines = session.out.slice(1);
  assert.equal(lines.length, 7, lines.join('\n'));
  lines.forEach((line, i) => {
    const fields = /^(\d\d:\d\d:\d\d\.\d\d\d) {2}#(\d+) {2}(\d{3}) {2}(\d+) ms {2}(msg_\S+)$/.exec(line);
    assert.ok(fields, line);
    assert.equal(Number(fields[2]), i + 1);
    assert.equal(fields[3], i === 1 ? '500' : '204');
    assert.equal(fields[5], ids[i]);
  });
  assert.ok(!session.out.join('\n').includes('\x1b['), 'no colour with NO_COLOR');

  session.child.kill('SIGINT');
  const [code] = await new Promise((resolve) => session.child.on('exit', (...args) => resolve(args)));
  assert.equal(code, 0, 'Ctrl-C ends listen cleanly');
});

test('the API commands: tables, --json for scripts, and the API code on failure', async () => {
  const input = JSON.stringify({ topicName: 'billing', destination: { postUrl: `${receiver.base}/hook` } });
  const put = await run(['webhooks', 'put', 'shop', 'hook', '--body', '-', '--json'], { input });
  assert.equal(put.code, 0, put.stderr);
  const created = JSON.parse(put.stdout);
  assert.equal(created.webhook.id.webhookName, 'hook');
  const again = await run(['webhooks', 'put', 'shop', 'hook', '--body', '-', '--create-only'], { input });
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /^already_exists: /);

  const list = await run(['webhooks', 'list', 'shop', '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout).map((w) => w.id.webhookName), ['hook']);
  const table = await run(['webhooks', 'list', 'shop']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout.split('\n')[0], /NAME/);
  assert.match(table.stdout, /hook/);

  const wrong = await run(['webhooks', 'list', 'shop'], { env: { EDGEHOOKS_API_KEY: 'admin_wrong' } });
  assert.notEqual(wrong.code, 0);
  assert.equal(wrong.stdout, '');
  assert.match(wrong.stderr, /^unauthorized: /);
  const missing = await run(['webhooks', 'get', 'shop', 'nope']);
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /^not_found: /);
  const down = await run(['webhooks', 'list', 'shop'], { env: { EDGEHOOKS_URL: 'http://127.0.0.1:9' } });
  assert.notEqual(down.code, 0);
  assert.match(down.stderr, /^transport: /);

  // A real delivery verifies offline; the same body changed does not.
  const published = await run(['publish', 'shop', 'billing', 'invoice 1', '--json']);
  assert.equal(published.code, 0, published.stderr);
  assert.equal(JSON.parse(published.stdout).topicSequenceNumber, 1);
  const [delivery] = await receiver.waitFor('/hook', 1);
  const secret = JSON.parse((await run(['webhooks', 'secret', 'shop', 'hook', '--json'])).stdout).secret;
  const headers = ['webhook-id', 'webhook-timestamp', 'webhook-signature']
    .flatMap((name) => ['--header', `${name}: ${delivery.headers[name]}`]);
  const bodyFile = join(scratch, 'body.json');
  writeFileSync(bodyFile, delivery.body);
  const verified = await run(['verify', '--secret', secret, ...headers, bodyFile]);
  assert.equal(verified.code, 0, verified.stderr);
  assert.equal(verified.stdout, delivery.body.toString());
  const tampered = await run(['verify', '--secret', secret, ...headers, '-'], {
    input: delivery.body.toString().replace('invoice 1', 'invoice 2'),
  });
  assert.notEqual(tampered.code, 0);
  assert.equal(tampered.stdout, '');
  assert.match(tampered.stderr, /^invalid_signature: /);

  const attempts = await run(['webhooks', 'attempts', 'shop', 'hook', '--delivered', '--json']);
  assert.equal(attempts.code, 0, attempts.stderr);
  assert.deepEqual(JSON.parse(attempts.stdout).map((a) => a.topicSequenceNumber), [1]);
  const failed = await run(['webhooks', 'attempts', 'shop', 'hook', '--failed', '--json']);
  assert.deepEqual(JSON.parse(failed.stdout), []);
});

test('every command has help text', async () => {
  const commands = [[], ['listen'], ['verify'], ['sign'], ['publish'], ['webhooks'], ['keys'],
    ...['list', 'get', 'put', 'patch', 'delete', 'secret', 'rotate', 'test', 'attempts', 'replay'].map((c) => ['webhooks', c]),
    ...['create', 'list', 'delete'].map((c) => ['keys', c])];
  for (const command of commands) {
    const help = await run([...command, '--help']);
    assert.equal(help.code, 0, `${command.join(' ')}: ${help.stderr}`);
    assert.match(help.stdout, /^Usage: edgehooks/m, command.join(' '));
  }
});
