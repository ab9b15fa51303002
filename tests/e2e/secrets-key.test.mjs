// Rotating SECRETS_KEY: secrets sealed with the old key open while it is
// SECRETS_KEY_PREVIOUS, `POST /v1/admin/reseal` seals them again with the
// new key page by page, and then the new key alone opens everything. With
// the new key alone before resealing, opening fails naming the old key's id.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'edgehooks';
import { assertDocumented, client, eventually, newDeployment, startReceiver, startWorker } from './harness.mjs';

const deployment = newDeployment();
const receiver = await startReceiver();
after(() => { receiver.close(); deployment.remove(); });

const PASSWORD = 'rotation-password-1234';
const oldKey = readFileSync(deployment.envFile, 'utf8').match(/^SECRETS_KEY=(.+)$/m)[1];
const newKey = randomBytes(32).toString('base64');

/** The id a sealed value names its key by: 8 hex digits of the key's SHA-256. */
const keyId = (key) => createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 8);

/** Rewrites the deployment's sealing keys (`SECRETS_KEY`, `SECRETS_KEY_PREVIOUS`), keeping the rest. */
function useKeys(keys) {
  const kept = readFileSync(deployment.envFile, 'utf8').split('\n').filter((line) => line && !line.startsWith('SECRETS_KEY'));
  const set = Object.entries(keys).map(([name, value]) => `${name}=${value}`);
  writeFileSync(deployment.envFile, [...kept, ...set].join('\n') + '\n');
}

const webhooks = [
  { cache: 'rot-a', name: 'w1', path: '/a1' },
  { cache: 'rot-a', name: 'w2', path: '/a2', auth: { type: 'basic', username: 'edge', password: PASSWORD } },
  { cache: 'rot-b', name: 'w3', path: '/b3' },
];
/** Made while only the new key seals. */
const later = { cache: 'rot-b', name: 'w4', path: '/b4' };

let worker;
let admin;

/** Everything the runtime persisted, as one buffer. */
function persisted() {
  const dir = deployment.state;
  return Buffer.concat(readdirSync(dir, { recursive: true })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path)));
}

async function start() {
  worker = await startWorker(deployment);
  admin = client(worker.url, deployment.adminKey);
}

/** Each webhook's secret as `GET .../secret` gives it. */
async function secretOf({ cache, name }) {
  return admin('GET', `/v1/caches/${cache}/webhooks/${name}/secret`);
}

/**
 * Publishes `text` on topic `t` of each cache of `hooks`; resolves once
 * each webhook has a delivery of it that verifies with its secret, and the
 * attempts are recorded (so a stop does not send them again).
 */
async function publishAndVerify(hooks, text) {
  for (const cache of new Set(hooks.map((h) => h.cache))) {
    const published = await admin('POST', `/v1/caches/${cache}/topics/t`, { raw: text });
    assert.equal(published.status, 200, published.text);
  }
  for (const hook of hooks) {
    const delivery = await eventually(
      () => receiver.at(hook.path).find((r) => new Webhook(hook.secret).verify(r.body, r.headers).text === text),
      20_000, `${hook.name} gets ${text}`);
    if (hook.auth) {
      const basic = `Basic ${Buffer.from(`edge:${PASSWORD}`).toString('base64')}`;
      assert.equal(delivery.headers.authorization, basic, `${hook.name}: its auth secret opened too`);
    }
    await eventually(async () => {
      const log = await admin('GET', `/v1/caches/${hook.cache}/webhooks/${hook.name}/attempts`);
      return log.json.attempts.some((a) => a.outcome === 'delivered')
        && !log.json.attempts.some((a) => a.outcome !== 'delivered');
    }, 20_000, `${hook.name}: attempts recorded`);
  }
}

/** Calls reseal page by page (`limit` each) until the cursor is null; the totals and the number of calls. */
async function resealAll(limit) {
  const totals = { resealed: 0, alreadyCurrent: 0, calls: 0 };
  let cursor;
  do {
    const query = new URLSearchParams();
    if (limit) query.set('limit', String(limit));
    if (cursor) query.set('cursor', cursor);
    const res = await admin('POST', `/v1/admin/reseal?${query}`);
    assert.equal(res.status, 200, res.text);
    assertDocumented('resealSecrets', res);
    totals.resealed += res.json.resealed;
    totals.alreadyCurrent += res.json.alreadyCurrent;
    totals.calls += 1;
    assert.ok(totals.calls < 50, 'the walk ends');
    cursor = res.json.cursor;
  } while (cursor !== null);
  return totals;
}

test('secrets sealed with SECRETS_KEY stay usable through a rotation and a reseal', async (t) => {
  t.after(() => worker?.stop());
  assert.notEqual(keyId(oldKey), keyId(newKey));

  // Sealed with the old key.
  await start();
  for (const hook of webhooks) {
    const created = await admin('PUT', `/v1/caches/${hook.cache}/webhooks/${hook.name}`, {
      body: { topicName: 't', destination: { postUrl: `${receiver.base}${hook.path}` }, ...(hook.auth ? { auth: hook.auth } : {}) },
    });
    assert.equal(created.status, 201, created.text);
    hook.secret = created.json.secretString;
  }
  const issued = await admin('POST', '/v1/keys', { body: { caches: ['*'], permissions: ['manage', 'publish'] } });
  assert.equal(issued.status, 201, issued.text);
  await publishAndVerify(webhooks, 'before');
  await worker.stop();
  assert.ok(persisted().includes(`"sealedSecrets":"v2:${keyId(oldKey)}:`), 'sealed values name their key by id');

  // A SECRETS_KEY_PREVIOUS that is no key is a configuration error.
  useKeys({ SECRETS_KEY: newKey, SECRETS_KEY_PREVIOUS: 'not-a-key' });
  await start();
  const misconfigured = await secretOf(webhooks[0]);
  assert.equal(misconfigured.status, 500, misconfigured.text);
  assert.equal(misconfigured.json.error.code, 'not_configured');
  assert.match(misconfigured.json.error.message, /SECRETS_KEY_PREVIOUS/);
  await worker.stop();

  // The new key alone, before resealing: a clear error naming the old key's id.
  useKeys({ SECRETS_KEY: newKey });
  await start();
  const refused = await secretOf(webhooks[0]);
  assert.equal(refused.status, 500, refused.text);
  assert.equal(refused.json.error.code, 'internal_error');
  assert.match(refused.json.error.message, new RegExp(`\\b${keyId(oldKey)}\\b`));
  assert.match(refused.json.error.message, /SECRETS_KEY_PREVIOUS/);
  for (const material of [oldKey, newKey, Buffer.from(oldKey, 'base64').toString('hex')]) {
    assert.ok(!refused.text.includes(material), 'no key material in the error');
  }
  const stuck = await admin('POST', '/v1/admin/reseal');
  assert.equal(stuck.status, 500, stuck.text);
  assert.equal(stuck.json.error.code, 'internal_error');
  assert.ok(stuck.json.error.message.includes(keyId(oldKey)), stuck.text);
  assert.match(stuck.json.error.message, /"w\d"/, 'names the webhook');
  assert.equal((await admin('GET', '/v1/caches/rot-a/webhooks/w1')).status, 200, 'the configuration still reads');
  await worker.stop();

  // The new key, the old one as SECRETS_KEY_PREVIOUS.
  useKeys({ SECRETS_KEY: newKey, SECRETS_KEY_PREVIOUS: oldKey });
  await start();
  for (const hook of webhooks) {
    const got = await secretOf(hook);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.secret, hook.secret);
  }
  const made = await admin('PUT', `/v1/caches/${later.cache}/webhooks/${later.name}`, {
    body: { topicName: 't', destination: { postUrl: `${receiver.base}${later.path}` } },
  });
  assert.equal(made.status, 201, made.text);
  later.secret = made.json.secretString;
  const all = [...webhooks, later];
  await publishAndVerify(all, 'during');

  const anonymous = await admin('POST', '/v1/admin/reseal', { key: null });
  assert.equal(anonymous.status, 401);
  assertDocumented('resealSecrets', anonymous);
  const forbidden = await admin('POST', '/v1/admin/reseal', { key: issued.json.key });
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.json.error.code, 'forbidden');
  assertDocumented('resealSecrets', forbidden);
  const badLimit = await admin('POST', '/v1/admin/reseal?limit=0');
  assert.equal(badLimit.json.error.code, 'invalid_limit');

  const first = await resealAll(1);
  assert.equal(first.resealed, 3, 'those sealed with the old key');
  assert.equal(first.alreadyCurrent, 1, 'the one made with the new key');
  assert.ok(first.calls >= 4, `one webhook a call: ${first.calls} calls`);
  const again = await resealAll();
  assert.deepEqual(again, { resealed: 0, alreadyCurrent: 4, calls: 1 });
  for (const hook of all) {
    const got = await admin('GET', `/v1/caches/${hook.cache}/webhooks/${hook.name}`);
    assert.equal(got.status, 200);
    assert.equal(got.json.updatedAt, got.json.createdAt, 'resealing changes no configuration');
  }
  await publishAndVerify(all, 'resealed');
  await worker.stop();
  assert.ok(persisted().includes(`"sealedSecrets":"v2:${keyId(newKey)}:`));

  // The new key alone, after resealing: everything opens.
  useKeys({ SECRETS_KEY: newKey });
  await start();
  for (const hook of all) {
    const got = await secretOf(hook);
    assert.equal(got.status, 200, got.text);
    assert.equal(got.json.secret, hook.secret);
  }
  await publishAndVerify(all, 'after');
  assert.deepEqual(await resealAll(), { resealed: 0, alreadyCurrent: 4, calls: 1 });
  await worker.stop();
});
