// Authentication on delivery under wrangler dev: OAuth 2.0 client
// credentials against a real authorization server (oidc-provider) on
// 127.0.0.1, HTTP Basic, and static headers. Receivers check every request's
// credentials themselves (introspection, or the Basic pair).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'edgehooks';
import { assertDocumented, client, eventually, newDeployment, startReceiver, startWorker } from './harness.mjs';
import { startAuthorizationServer, startProtectedReceiver } from './oauth.mjs';

const CLIENT_SECRET = 'oauth-client-secret-0123456789';
const BODY_SECRET = 'oauth-body-secret-9876543210';
const PASSWORD = 'basic-password-5555';

let deployment, worker, admin, as, bearer, basic, plain;

before(async () => {
  as = await startAuthorizationServer({
    clients: [
      { clientId: 'deliveries', clientSecret: CLIENT_SECRET },
      { clientId: 'by-body', clientSecret: BODY_SECRET, authMethod: 'client_secret_post' },
    ],
    tokenTtlSeconds: 60,
  });
  bearer = await startProtectedReceiver({ authorizationServer: as });
  basic = await startProtectedReceiver({ basic: { username: 'edge', password: PASSWORD } });
  plain = await startReceiver();
  deployment = newDeployment();
  worker = await startWorker(deployment);
  admin = client(worker.url, deployment.adminKey);
});

after(async () => {
  await worker?.stop();
  await bearer?.close();
  await basic?.close();
  plain?.close();
  await as?.close();
  deployment?.remove();
});

const oauth = (fields = {}) => ({
  type: 'oauth2', tokenUrl: as.tokenUrl, clientId: 'deliveries', clientSecret: CLIENT_SECRET, scope: 'deliveries', ...fields,
});

async function create(name, receiver, fields) {
  const res = await admin('PUT', `/v1/caches/auth/webhooks/${name}`, {
    body: { topicName: name, destination: { postUrl: `${receiver.base}/${name}` }, retry: { scheduleSeconds: [1, 1, 1] }, ...fields },
  });
  assert.equal(res.status, 201, res.text);
  assertDocumented('putWebhook', res);
  return res;
}

async function publish(topic, text) {
  const res = await admin('POST', `/v1/caches/auth/topics/${topic}`, { raw: text, headers: { 'content-type': 'text/plain' } });
  assert.equal(res.status, 200, res.text);
}

const tokenFetches = (clientId = 'deliveries') => as.requests().filter((r) => r.clientId === clientId && r.status === 200).length;

async function attempts(name) {
  const res = await admin('GET', `/v1/caches/auth/webhooks/${name}/attempts`);
  assert.equal(res.status, 200, res.text);
  return res.json.attempts;
}

test('oauth2: one token for many deliveries, each checked by the receiver; the secret is never shown', async () => {
  const created = await create('orders', bearer, { auth: oauth() });
  assert.deepEqual(created.json.webhook.auth, {
    type: 'oauth2', tokenUrl: as.tokenUrl, clientId: 'deliveries', scope: 'deliveries', clientAuth: 'basic', clientSecretSet: true,
  });
  const before = tokenFetches();
  for (let i = 0; i < 5; i += 1) await publish('orders', `order ${i}`);
  const got = await bearer.waitFor('/orders', 5);
  assert.ok(got.every((r) => r.auth.active && r.auth.clientId === 'deliveries'), JSON.stringify(got.map((r) => r.auth)));
  assert.ok(got.every((r) => r.auth.scope === 'deliveries'));
  assert.equal(tokenFetches() - before, 1, 'the token is fetched once and reused');
  const token = as.requests().at(-1);
  assert.equal(token.grantType, 'client_credentials');
  assert.equal(token.authMethod, 'client_secret_basic');
  // The signature still verifies beside the Authorization header.
  const secret = created.json.secretString;
  for (const r of got) new Webhook(secret).verify(r.body, r.headers);
  // No response and no log line carries the client secret.
  const shown = [
    created.text,
    (await admin('GET', '/v1/caches/auth/webhooks/orders')).text,
    (await admin('GET', '/v1/caches/auth/webhooks')).text,
    (await admin('GET', '/v1/caches/auth/webhooks/orders/secret')).text,
    JSON.stringify(await attempts('orders')),
  ];
  for (const text of shown) assert.ok(!text.includes(CLIENT_SECRET), text);
  assert.ok(!worker.log().includes(CLIENT_SECRET));
  assert.ok(!worker.log().includes(token.accessToken));
});

test('oauth2: a token is fetched again after it expires and after the endpoint answers 401', async () => {
  as.setTokenTtl(3);
  await create('expiring', bearer, { auth: oauth() });
  const start = tokenFetches();
  await publish('expiring', 'one');
  await bearer.waitFor('/expiring', 1);
  const first = as.requests().at(-1);
  // Past the token's `expires_in` (3 s from when it was issued), the
  // service must not send it again: it fetches a new one first.
  await eventually(async () => Date.now() > first.at + 3000 && !(await as.introspect(first.accessToken)).active, 15_000, 'the first token to expire');
  await publish('expiring', 'two');
  await bearer.waitFor('/expiring', 2);
  assert.ok(bearer.at('/expiring')[1].auth.active, 'a fresh token, not the expired one');
  assert.equal(bearer.at('/expiring').length, 2, 'no request with the old token');
  assert.equal(tokenFetches() - start, 2);
  as.setTokenTtl(60);

  // Revoked behind the service's back: the receiver answers 401, the token
  // is dropped, and the retry fetches a new one and is delivered.
  await publish('expiring', 'three');
  await bearer.waitFor('/expiring', 3);
  await as.revokeAll();
  const beforeRevoked = tokenFetches();
  await publish('expiring', 'four');
  const got = await bearer.waitFor('/expiring', 5);
  assert.equal(got[3].auth.active, false);
  assert.equal(got[4].auth.active, true);
  assert.equal(tokenFetches() - beforeRevoked, 1);
  const log = await eventually(async () => {
    const list = await attempts('expiring');
    return list.filter((a) => a.topicSequenceNumber === 4).length >= 2 && list;
  }, 15_000, 'the retry to be logged');
  const four = log.filter((a) => a.topicSequenceNumber === 4);
  assert.ok(four.some((a) => a.statusCode === 401) && four.some((a) => a.delivered));
});

test('oauth2: a wrong client secret is a failed attempt, auth_failed, and nothing reaches the endpoint', async () => {
  await create('refused', bearer, { auth: oauth({ clientSecret: 'not-the-secret' }) });
  await publish('refused', 'x');
  const failed = await eventually(async () => (await attempts('refused')).find((a) => a.error), 15_000, 'an auth_failed attempt');
  assert.equal(failed.error.code, 'auth_failed');
  assert.match(failed.error.message, /401.*invalid_client/);
  assert.equal(failed.delivered, false);
  assert.equal(bearer.at('/refused').length, 0);
  assert.ok(!JSON.stringify(failed).includes('not-the-secret'));
});

test('oauth2: client authentication in the body', async () => {
  await create('body', bearer, { auth: oauth({ clientId: 'by-body', clientSecret: BODY_SECRET, clientAuth: 'body' }) });
  await publish('body', 'x');
  const [got] = await bearer.waitFor('/body', 1);
  assert.equal(got.auth.clientId, 'by-body');
  const request = as.requests().filter((r) => r.clientId === 'by-body').at(-1);
  assert.equal(request.authMethod, 'client_secret_post');
});

test('basic: the pair arrives; a change may keep the password; null removes auth', async () => {
  const created = await create('basic', basic, { auth: { type: 'basic', username: 'edge', password: PASSWORD } });
  assert.deepEqual(created.json.webhook.auth, { type: 'basic', username: 'edge', passwordSet: true });
  await publish('basic', 'one');
  const [first] = await basic.waitFor('/basic', 1);
  assert.equal(first.auth.active, true);
  // A patch that leaves the password out keeps it.
  const kept = await admin('PATCH', '/v1/caches/auth/webhooks/basic', { body: { auth: { type: 'basic', username: 'edge' }, description: 'kept' } });
  assert.equal(kept.status, 200, kept.text);
  await publish('basic', 'two');
  assert.equal((await basic.waitFor('/basic', 2))[1].auth.active, true);
  // Another type needs its secret.
  const refused = await admin('PATCH', '/v1/caches/auth/webhooks/basic', { body: { auth: { type: 'oauth2', tokenUrl: as.tokenUrl, clientId: 'x' } } });
  assert.equal(refused.status, 400);
  assert.equal(refused.json.error.code, 'invalid_auth');
  // Removed: the next delivery carries no credentials and is refused by the receiver.
  const removed = await admin('PATCH', '/v1/caches/auth/webhooks/basic', { body: { auth: null } });
  assert.equal(removed.status, 200, removed.text);
  assert.equal(removed.json.auth, undefined);
  await publish('basic', 'three');
  const third = (await basic.waitFor('/basic', 3))[2];
  assert.equal(third.headers.authorization, undefined);
});

test('static headers arrive with every delivery; reserved names are refused', async () => {
  const created = await create('headers', plain, { headers: { 'X-Tenant': 'acme', 'X-Api-Key': 'k-123' } });
  assert.deepEqual(created.json.webhook.headers, { 'x-api-key': 'k-123', 'x-tenant': 'acme' });
  await publish('headers', 'x');
  const [got] = await plain.waitFor('/headers', 1);
  assert.equal(got.headers['x-tenant'], 'acme');
  assert.equal(got.headers['x-api-key'], 'k-123');
  new Webhook(created.json.secretString).verify(got.body, got.headers);
  for (const name of ['webhook-signature', 'Content-Type', 'user-agent', 'host']) {
    const res = await admin('PATCH', '/v1/caches/auth/webhooks/headers', { body: { headers: { [name]: 'x' } } });
    assert.equal(res.status, 400, name);
    assert.equal(res.json.error.code, 'invalid_header_name', name);
  }
  // With auth, authorization is the service's.
  const both = await admin('PATCH', '/v1/caches/auth/webhooks/headers', {
    body: { headers: { authorization: 'Bearer mine' }, auth: { type: 'basic', username: 'u', password: 'p' } },
  });
  assert.equal(both.json.error.code, 'invalid_header_name');
  const cleared = await admin('PATCH', '/v1/caches/auth/webhooks/headers', { body: { headers: {} } });
  assert.equal(cleared.json.headers, undefined);
});

test('a token endpoint on a private address is refused where the deployment refuses private targets', async () => {
  const strict = newDeployment({ ALLOW_PRIVATE_URLS: 'false' });
  const other = await startWorker(strict);
  try {
    const res = await client(other.url, strict.adminKey)('PUT', '/v1/caches/auth/webhooks/private', {
      body: { topicName: 't', destination: { postUrl: 'https://hooks.example.com/x' }, auth: oauth() },
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(res.json.error.code, 'url_not_allowed');
  } finally {
    await other.stop();
    strict.remove();
  }
});
