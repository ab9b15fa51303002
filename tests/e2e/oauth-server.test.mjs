// The authorization server the delivery-authentication tests run against
// (oidc-provider, see oauth.mjs), exercised with plain fetch: client
// authentication, scopes, resource indicators and `audience`, introspection,
// expiry, revocation, the record of token requests, and the receivers that
// check `Authorization` headers.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { basicCheck, startAuthorizationServer, startProtectedReceiver } from './oauth.mjs';

const BASIC = { clientId: 'hooks-basic', clientSecret: 'basic-secret-1', authMethod: 'client_secret_basic' };
const POST = { clientId: 'hooks-post', clientSecret: 'post-secret-1', authMethod: 'client_secret_post' };
// Characters that RFC 6749 section 2.3.1 form-urlencodes in a Basic header.
const ODD = { clientId: 'hooks odd', clientSecret: 'p@ss+w/rd%:=& ~', authMethod: 'client_secret_basic' };
const LIMITED = { clientId: 'hooks-limited', clientSecret: 'limited-secret', authMethod: 'client_secret_post', scope: 'deliveries' };
const TTL = 30;

let as;

before(async () => {
  as = await startAuthorizationServer({ clients: [BASIC, POST, ODD, LIMITED], tokenTtlSeconds: TTL, scopes: ['deliveries', 'admin'] });
});

after(async () => {
  await as?.close();
});

const form = (encode) => (s) => (encode ? encodeURIComponent(s).replace(/%20/g, '+') : s);

/** A token request with `client` authenticating by its `authMethod` (or `as`). */
async function tokenRequest(server, client, params = {}, { method = client.authMethod, secret = client.clientSecret, encode = true } = {}) {
  const body = new URLSearchParams({ grant_type: 'client_credentials', ...params });
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (method === 'client_secret_basic') {
    const enc = form(encode);
    headers.authorization = `Basic ${Buffer.from(`${enc(client.clientId)}:${enc(secret)}`).toString('base64')}`;
  } else {
    body.set('client_id', client.clientId);
    body.set('client_secret', secret);
  }
  const res = await fetch(server.tokenUrl, { method: 'POST', headers, body });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

test('client_secret_basic and client_secret_post clients get bearer tokens', async () => {
  for (const client of [BASIC, POST]) {
    const before = as.requests().length;
    const res = await tokenRequest(as, client, { scope: 'deliveries' });
    assert.equal(res.status, 200, JSON.stringify(res.json));
    assert.equal(res.json.token_type, 'Bearer');
    assert.equal(res.json.expires_in, TTL);
    assert.equal(res.json.scope, 'deliveries');
    assert.match(res.json.access_token, /^[A-Za-z0-9_-]{40,}$/);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const [seen] = as.requests().slice(before);
    assert.deepEqual(
      { method: seen.method, authMethod: seen.authMethod, clientId: seen.clientId, grantType: seen.grantType, scope: seen.scope, status: seen.status, accessToken: seen.accessToken, expiresIn: seen.expiresIn },
      { method: 'POST', authMethod: client.authMethod, clientId: client.clientId, grantType: 'client_credentials', scope: 'deliveries', status: 200, accessToken: res.json.access_token, expiresIn: TTL },
    );
    assert.equal(seen.params.client_secret, undefined, 'the secret is not recorded');
  }
});

test('a wrong secret or an unknown client gets 401 invalid_client', async () => {
  const before = as.requests().length;
  const basic = await tokenRequest(as, BASIC, {}, { secret: 'wrong' });
  assert.equal(basic.status, 401);
  assert.equal(basic.json.error, 'invalid_client');
  assert.match(basic.headers.get('www-authenticate'), /^Basic .*error="invalid_client"/);
  const post = await tokenRequest(as, POST, {}, { secret: 'wrong' });
  assert.equal(post.status, 401);
  assert.equal(post.json.error, 'invalid_client');
  const unknown = await tokenRequest(as, { ...POST, clientId: 'nobody' });
  assert.equal(unknown.status, 401);
  assert.equal(unknown.json.error, 'invalid_client');
  const seen = as.requests().slice(before);
  assert.deepEqual(seen.map((r) => [r.clientId, r.authMethod, r.status, r.error, r.accessToken]), [
    ['hooks-basic', 'client_secret_basic', 401, 'invalid_client', undefined],
    ['hooks-post', 'client_secret_post', 401, 'invalid_client', undefined],
    ['nobody', 'client_secret_post', 401, 'invalid_client', undefined],
  ]);
});

test('a client may use either secret method, whichever it is registered with; the record tells which', async () => {
  const viaPost = await tokenRequest(as, BASIC, {}, { method: 'client_secret_post' });
  assert.equal(viaPost.status, 200);
  assert.equal(as.requests().at(-1).authMethod, 'client_secret_post');
  const viaBasic = await tokenRequest(as, POST, {}, { method: 'client_secret_basic' });
  assert.equal(viaBasic.status, 200);
  assert.equal(as.requests().at(-1).authMethod, 'client_secret_basic');
});

test('Basic credentials are form-urlencoded before base64; raw ones fail', async () => {
  const encoded = await tokenRequest(as, ODD, { scope: 'deliveries' });
  assert.equal(encoded.status, 200, JSON.stringify(encoded.json));
  assert.equal(as.requests().at(-1).clientId, 'hooks odd');
  assert.equal((await as.introspect(encoded.json.access_token)).client_id, 'hooks odd');
  // `%` left raw cannot be decoded: 400; a raw `+` would be read as a space.
  const raw = await tokenRequest(as, ODD, {}, { encode: false });
  assert.equal(raw.status, 400);
  assert.equal(raw.json.error, 'invalid_request');
  const plus = await tokenRequest(as, { ...BASIC, clientSecret: 'a+b' }, {}, { encode: false, secret: 'a+b' });
  assert.equal(plus.status, 401);
  // In the body, ordinary form encoding is all there is.
  const body = await tokenRequest(as, ODD, {}, { method: 'client_secret_post' });
  assert.equal(body.status, 200);
});

test('only form bodies are accepted at the token endpoint', async () => {
  const res = await fetch(as.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: POST.clientId, client_secret: POST.clientSecret }),
  });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, 'invalid_request');
});

test('tokens introspect as active, with their client, scope and lifetime', async () => {
  const res = await tokenRequest(as, POST, { scope: 'deliveries' });
  const info = await as.introspect(res.json.access_token);
  assert.equal(info.active, true);
  assert.equal(info.client_id, POST.clientId);
  assert.equal(info.scope, 'deliveries');
  assert.equal(info.token_type, 'Bearer');
  assert.equal(info.iss, as.issuer);
  assert.equal(info.exp - info.iat, TTL);
  assert.equal(info.aud, undefined);

  const check = await as.bearerCheck(`Bearer ${res.json.access_token}`);
  assert.deepEqual(check, { active: true, clientId: POST.clientId, scope: 'deliveries', aud: undefined, exp: info.exp, token: res.json.access_token });
  assert.equal((await as.bearerCheck(`bearer ${res.json.access_token}`)).active, true, 'the scheme is case-insensitive');
  assert.deepEqual(await as.bearerCheck(undefined), { active: false, reason: 'missing' });
  assert.deepEqual(await as.bearerCheck(`Basic ${Buffer.from('a:b').toString('base64')}`), { active: false, reason: 'not bearer' });
  assert.deepEqual(await as.bearerCheck('Bearer not-a-token-we-issued'), { active: false, reason: 'inactive', token: 'not-a-token-we-issued' });
  assert.deepEqual(await as.introspect('not-a-token-we-issued'), { active: false });
});

test('scopes: several, none, unknown ones dropped, and a client limited to some', async () => {
  const both = await tokenRequest(as, POST, { scope: 'deliveries admin' });
  assert.equal(both.json.scope, 'deliveries admin');
  const none = await tokenRequest(as, POST);
  assert.equal(none.status, 200);
  assert.equal(none.json.scope, undefined);
  assert.equal((await as.introspect(none.json.access_token)).scope, undefined);
  const unknown = await tokenRequest(as, POST, { scope: 'deliveries other' });
  assert.equal(unknown.status, 200);
  assert.equal(unknown.json.scope, 'deliveries');
  const limited = await tokenRequest(as, LIMITED, { scope: 'deliveries admin' });
  assert.equal(limited.status, 400);
  assert.equal(limited.json.error, 'invalid_scope');
  assert.equal((await tokenRequest(as, LIMITED, { scope: 'deliveries' })).status, 200);
});

test('resource sets the audience; audience is ignored unless taken as the resource', async () => {
  const resource = 'https://receiver.example/hooks';
  const withResource = await tokenRequest(as, POST, { scope: 'deliveries', resource });
  assert.equal(withResource.status, 200);
  assert.equal(withResource.json.scope, 'deliveries');
  assert.equal((await as.introspect(withResource.json.access_token)).aud, resource);
  assert.equal((await as.bearerCheck(`Bearer ${withResource.json.access_token}`)).aud, resource);
  assert.equal(as.requests().at(-1).resource, resource);

  const withAudience = await tokenRequest(as, POST, { scope: 'deliveries', audience: resource });
  assert.equal(withAudience.status, 200);
  assert.equal((await as.introspect(withAudience.json.access_token)).aud, undefined);
  assert.equal(as.requests().at(-1).audience, resource, 'what was sent is recorded all the same');

  const two = new URLSearchParams([['grant_type', 'client_credentials'], ['client_id', POST.clientId], ['client_secret', POST.clientSecret],
    ['resource', resource], ['resource', 'https://other.example/']]);
  const res = await fetch(as.tokenUrl, { method: 'POST', body: two });
  assert.equal(res.status, 400);
  assert.equal((await res.json()).error, 'invalid_target');
  const relative = await tokenRequest(as, POST, { resource: '/hooks' });
  assert.equal(relative.status, 400);
  assert.equal(relative.json.error, 'invalid_target');

  const strict = await startAuthorizationServer({ clients: [POST], resources: [resource], audienceAsResource: true });
  try {
    const viaAudience = await tokenRequest(strict, POST, { scope: 'deliveries', audience: resource });
    assert.equal(viaAudience.status, 200);
    assert.equal((await strict.introspect(viaAudience.json.access_token)).aud, resource);
    const resourceWins = await tokenRequest(strict, POST, { audience: 'https://other.example/', resource });
    assert.equal((await strict.introspect(resourceWins.json.access_token)).aud, resource);
    const other = await tokenRequest(strict, POST, { audience: 'https://other.example/' });
    assert.equal(other.status, 400);
    assert.equal(other.json.error, 'invalid_target');
    const plain = await tokenRequest(strict, POST);
    assert.equal(plain.status, 200);
    assert.equal((await strict.introspect(plain.json.access_token)).aud, undefined);
  } finally {
    await strict.close();
  }
});

test('tokens expire after their lifetime, and a new one is issued', async () => {
  const ttl = 2;
  const short = await startAuthorizationServer({ clients: [BASIC], tokenTtlSeconds: ttl });
  try {
    const res = await tokenRequest(short, BASIC, { scope: 'deliveries' });
    const issued = Date.now();
    assert.equal(res.json.expires_in, ttl);
    const token = res.json.access_token;
    assert.equal((await short.bearerCheck(`Bearer ${token}`)).active, true);
    // Valid until the whole second iat + ttl: between ttl - 1 and ttl seconds.
    let inactiveAfter;
    while (inactiveAfter === undefined) {
      if (!(await short.introspect(token)).active) inactiveAfter = Date.now() - issued;
      else if (Date.now() - issued > ttl * 1000 + 1000) assert.fail('the token is still active');
      else await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(inactiveAfter >= (ttl - 1) * 1000 - 100 && inactiveAfter <= ttl * 1000 + 200, `inactive after ${inactiveAfter} ms`);
    assert.deepEqual(await short.bearerCheck(`Bearer ${token}`), { active: false, reason: 'inactive', token });

    const again = await tokenRequest(short, BASIC, { scope: 'deliveries' });
    assert.notEqual(again.json.access_token, token);
    assert.equal((await short.introspect(again.json.access_token)).active, true);

    short.setTokenTtl(7);
    const longer = await tokenRequest(short, BASIC);
    assert.equal(longer.json.expires_in, 7);
    const info = await short.introspect(longer.json.access_token);
    assert.equal(info.exp - info.iat, 7);
  } finally {
    await short.close();
  }
});

test('token requests are counted, and can be waited for', async () => {
  const counted = await startAuthorizationServer({ clients: [BASIC, POST] });
  try {
    assert.deepEqual(counted.requests(), []);
    const waiting = counted.waitForRequests(3, 5000);
    await tokenRequest(counted, BASIC, { scope: 'deliveries' });
    await tokenRequest(counted, POST, { scope: 'deliveries' });
    await tokenRequest(counted, POST, {}, { secret: 'wrong' });
    const seen = await waiting;
    assert.equal(seen.length, 3);
    assert.deepEqual(seen.map((r) => [r.clientId, r.status]), [['hooks-basic', 200], ['hooks-post', 200], ['hooks-post', 401]]);
    assert.ok(seen.every((r, i) => typeof r.at === 'number' && (i === 0 || r.at >= seen[i - 1].at)));
    // Introspection and revocation are not token requests.
    await counted.introspect(seen[0].accessToken);
    await counted.revoke(seen[0].accessToken);
    assert.equal(counted.requests().length, 3);
    await assert.rejects(counted.waitForRequests(4, 200), /3 of 4 token requests/);
    // The list is a copy.
    counted.requests().pop();
    assert.equal(counted.requests().length, 3);
  } finally {
    await counted.close();
  }
});

test('revoked tokens introspect as inactive; revokeAll revokes every issued token', async () => {
  const revoking = await startAuthorizationServer({ clients: [BASIC, POST] });
  try {
    const a = (await tokenRequest(revoking, BASIC)).json.access_token;
    const b = (await tokenRequest(revoking, POST)).json.access_token;
    const c = (await tokenRequest(revoking, POST)).json.access_token;
    await revoking.revoke(a);
    assert.equal((await revoking.introspect(a)).active, false);
    assert.equal((await revoking.introspect(b)).active, true);
    assert.equal(await revoking.revokeAll(), 3);
    assert.equal((await revoking.introspect(b)).active, false);
    assert.equal((await revoking.introspect(c)).active, false);
    const fresh = (await tokenRequest(revoking, POST)).json.access_token;
    assert.equal((await revoking.introspect(fresh)).active, true);
  } finally {
    await revoking.close();
  }
});

test('a protected receiver answers 401 to a missing, unknown or revoked token and 204 to an active one', async () => {
  const receiver = await startProtectedReceiver({ authorizationServer: as, behave: (path) => (path === '/teapot' ? { status: 418 } : {}) });
  try {
    const token = (await tokenRequest(as, BASIC, { scope: 'deliveries' })).json.access_token;
    const post = (path, authorization) => fetch(receiver.base + path, { method: 'POST', headers: authorization ? { authorization } : {}, body: '{}' });
    const missing = await post('/hook');
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    assert.equal((await post('/hook', 'Bearer nope')).status, 401);
    assert.equal((await post('/hook', `Bearer ${token}`)).status, 204);
    assert.equal((await post('/teapot', `Bearer ${token}`)).status, 418);
    await as.revoke(token);
    assert.equal((await post('/hook', `Bearer ${token}`)).status, 401);
    const seen = await receiver.waitFor('/hook', 4, 1000);
    assert.deepEqual(seen.map((r) => [r.auth.active, r.auth.reason, r.auth.clientId]), [
      [false, 'missing', undefined], [false, 'inactive', undefined], [true, undefined, BASIC.clientId], [false, 'inactive', undefined],
    ]);
    assert.equal(seen[2].body.toString(), '{}');
  } finally {
    await receiver.close();
  }
});

test('Basic credentials are checked, and a receiver can demand them', async () => {
  const creds = { username: 'hooks', password: 'pa:ss wörd' };
  const header = (u, p) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;
  assert.deepEqual(basicCheck(header('hooks', 'pa:ss wörd'), creds), { active: true, username: 'hooks' });
  assert.equal(basicCheck(header('hooks', 'nope'), creds).active, false);
  assert.equal(basicCheck('Bearer abc', creds).reason, 'not basic');
  assert.equal(basicCheck(undefined, creds).reason, 'missing');
  const receiver = await startProtectedReceiver({ basic: creds });
  try {
    const unauthorized = await fetch(`${receiver.base}/hook`, { method: 'POST', headers: { authorization: header('hooks', 'x') } });
    assert.equal(unauthorized.status, 401);
    assert.match(unauthorized.headers.get('www-authenticate'), /^Basic realm=/);
    const ok = await fetch(`${receiver.base}/hook`, { method: 'POST', headers: { authorization: header('hooks', 'pa:ss wörd') } });
    assert.equal(ok.status, 204);
    assert.deepEqual(receiver.at('/hook').map((r) => r.auth.active), [false, true]);
  } finally {
    await receiver.close();
  }
});

test('the server listens on 127.0.0.1 only, serves plain http, and close releases its port', async () => {
  const server = await startAuthorizationServer({ clients: [POST] });
  const { hostname, port, protocol } = new URL(server.issuer);
  assert.equal(hostname, '127.0.0.1');
  assert.equal(protocol, 'http:');
  const discovery = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json();
  assert.equal(discovery.issuer, server.issuer);
  assert.equal(discovery.token_endpoint, server.tokenUrl);
  assert.equal(discovery.introspection_endpoint, server.introspectionUrl);
  assert.equal(discovery.revocation_endpoint, server.revocationUrl);
  assert.ok(discovery.grant_types_supported.includes('client_credentials'));
  assert.deepEqual(discovery.token_endpoint_auth_methods_supported.sort(), ['client_secret_basic', 'client_secret_post']);
  // A keep-alive connection open, then closed.
  assert.equal((await tokenRequest(server, POST)).status, 200);
  await server.close();
  await assert.rejects(fetch(server.tokenUrl, { method: 'POST' }));
  const again = createServer();
  again.listen(Number(port), '127.0.0.1');
  await once(again, 'listening');
  again.close();
});
