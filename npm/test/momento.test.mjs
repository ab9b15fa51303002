// edgehooks/momento against a local stand-in for the API (node:http): the
// requests each call makes, the response objects Momento programs read, the
// error codes, subscriptions that resume, and WebhookUtils.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { once } from 'node:events';
import {
  DeleteWebhook,
  DeleteWebhookResponse,
  GetWebhookSecret,
  GetWebhookSecretResponse,
  ListWebhooks,
  ListWebhooksResponse,
  MomentoErrorCode,
  PostUrlWebhookDestination,
  PutWebhook,
  PutWebhookResponse,
  RequestValidation,
  RotateWebhookSecret,
  RotateWebhookSecretResponse,
  SdkError,
  TopicClient,
  TopicItem,
  TopicPublish,
  TopicPublishResponse,
  TopicSubscribe,
  TopicSubscribeResponse,
  WebhookUtils,
} from 'edgehooks/momento';
import { API_ERROR_CODES } from '../src/momento/errors.js';

const KEY = 'admin_0123456789abcdef';

/**
 * The stand-in: records every request; `answer(request)` returns
 * `{ status, json, text, headers }` or handles `res` itself (returns nothing).
 */
let server;
let base;
let answer = () => ({ status: 404, json: { error: { code: 'not_found', message: 'no route' } } });
const requests = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const request = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks) };
      requests.push(request);
      const reply = answer(request, res);
      if (!reply) return;
      const { status = 200, json, text, headers = {} } = reply;
      const body = json !== undefined ? JSON.stringify(json) : (text ?? '');
      res.writeHead(status, { ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }).end(body);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${server.address().port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const client = (options = {}) => new TopicClient({ endpoint: base, apiKey: KEY, ...options });
const lastRequest = () => requests.at(-1);

/** A webhook object as the API returns it. */
const apiWebhook = (name, topic, url) => ({
  id: { cacheName: 'shop', webhookName: name },
  topics: [topic],
  destination: { postUrl: url },
  scheme: 'momento',
  active: true,
  timeoutMs: 5000,
  mode: 'async',
  ignoreForApi: false,
  retry: { type: 'schedule' },
  ordering: 'none',
  description: '',
  status: 'active',
  createdAt: 1,
  updatedAt: 1,
});

test('the constructor takes { endpoint, apiKey } and says what to give instead of Momento props', () => {
  assert.ok(new TopicClient({ endpoint: `${base}/`, apiKey: KEY }));
  assert.ok(new TopicClient({ endpoint: new URL(base), apiKey: KEY }));
  assert.throws(() => new TopicClient({ configuration: {}, credentialProvider: {} }), { name: 'TypeError', message: /TopicClient\(\{ endpoint, apiKey \}\)/ });
  for (const props of [
    undefined,
    {},
    { endpoint: base },
    { endpoint: base, apiKey: '' },
    { endpoint: 'ftp://x', apiKey: KEY },
    { endpoint: 'http://user:pw@x', apiKey: KEY },
    { endpoint: `${base}?key=1`, apiKey: KEY },
    { endpoint: base, apiKey: KEY, fetch: 'no' },
    { endpoint: base, apiKey: KEY, requestTimeoutMs: 0 },
    { endpoint: base, apiKey: KEY, reconnect: { initialDelayMs: -1 } },
  ]) {
    assert.throws(() => new TopicClient(props), TypeError, JSON.stringify(props));
  }
  // The key is nowhere to enumerate or print.
  const c = client();
  assert.ok(!JSON.stringify(c).includes(KEY));
  assert.deepEqual(Object.keys(c), []);
});

test('putWebhook: PUT with the momento scheme; the response holds the secret', async () => {
  answer = () => ({ status: 201, json: { secretString: 'the-secret-0123456789', webhook: apiWebhook('examples webhook', 'a topic', 'https://x.example/hook') } });
  const destinations = ['https://x.example/hook', { url: 'https://x.example/hook' }, new PostUrlWebhookDestination('https://x.example/hook'), { postUrl: 'https://x.example/hook' }];
  for (const destination of destinations) {
    const result = await client().putWebhook('shop', 'examples webhook', { topicName: 'a topic', destination });
    assert.equal(result.type, PutWebhookResponse.Success);
    assert.ok(result instanceof PutWebhook.Success);
    assert.equal(result.secretString(), 'the-secret-0123456789');
    assert.equal(result.toString(), 'Success');
    const request = lastRequest();
    assert.equal(request.method, 'PUT');
    assert.equal(request.url, '/v1/caches/shop/webhooks/examples%20webhook');
    assert.equal(request.headers.authorization, `Bearer ${KEY}`);
    assert.match(request.headers['content-type'], /^application\/json/);
    assert.deepEqual(JSON.parse(request.body), { topicName: 'a topic', destination: { postUrl: 'https://x.example/hook' }, scheme: 'momento' });
  }
});

test('arguments the API could not take are refused before any request, as Momento does', async () => {
  const before = requests.length;
  const c = client();
  const refused = [
    await c.putWebhook('', 'w', { topicName: 't', destination: 'https://x.example' }),
    await c.putWebhook('shop', '..', { topicName: 't', destination: 'https://x.example' }),
    await c.putWebhook('shop', '\ud800', { topicName: 't', destination: 'https://x.example' }),
    await c.putWebhook('shop', 'w', { topicName: '', destination: 'https://x.example' }),
    await c.putWebhook('shop', 'w', { topicName: 't' }),
    await c.putWebhook('shop', 'w', undefined),
    await c.listWebhooks(42),
    await c.deleteWebhook('shop', '.'),
    await c.getWebhookSecret(undefined, 'w'),
    await c.rotateWebhookSecret('shop', ''),
    await c.publish('shop', 't', { not: 'a string' }),
    await c.publish('shop', '', 'x'),
    await c.subscribe('shop', 't', { onItem: 'not a function' }),
  ];
  for (const result of refused) {
    assert.equal(result.type, 'Error', String(result));
    assert.equal(result.errorCode(), MomentoErrorCode.INVALID_ARGUMENT_ERROR, String(result));
    assert.match(result.message(), /^Invalid argument passed to the edgehooks client: /);
    assert.equal(result.innerException().apiCode, undefined);
  }
  assert.equal(requests.length, before, 'nothing was sent');
});

test('listWebhooks: every page, as Momento webhook objects', async () => {
  answer = (request) => {
    const url = new URL(request.url, base);
    assert.equal(url.pathname, '/v1/caches/shop/webhooks');
    assert.equal(url.searchParams.get('limit'), '100');
    if (!url.searchParams.has('cursor')) return { json: { webhooks: [apiWebhook('a', 'orders', 'https://a.example/')], cursor: 'page 2' } };
    assert.equal(url.searchParams.get('cursor'), 'page 2');
    return { json: { webhooks: [{ ...apiWebhook('b', 'refunds', 'https://b.example/'), topicName: 'refunds' }], cursor: null } };
  };
  const result = await client().listWebhooks('shop');
  assert.equal(result.type, ListWebhooksResponse.Success);
  assert.ok(result instanceof ListWebhooks.Success);
  const webhooks = result.getWebhooks();
  assert.deepEqual(webhooks.map((w) => [w.id, w.topicName, w.destination.url(), w.destination.getType()]), [
    [{ cacheName: 'shop', webhookName: 'a' }, 'orders', 'https://a.example/', 'post_url'],
    [{ cacheName: 'shop', webhookName: 'b' }, 'refunds', 'https://b.example/', 'post_url'],
  ]);
  assert.ok(webhooks[0].destination instanceof PostUrlWebhookDestination);
  assert.equal(result.toString(), 'Success: a, b');

  answer = () => ({ json: { webhooks: [], cursor: 'again' } });
  const looping = await client().listWebhooks('shop');
  assert.equal(looping.errorCode(), MomentoErrorCode.UNKNOWN_SERVICE_ERROR);
});

test('deleteWebhook, getWebhookSecret, rotateWebhookSecret', async () => {
  answer = (request) => {
    if (request.method === 'DELETE') return { status: 204 };
    if (request.url.endsWith('/secret')) return { json: { secret: 'current-secret', webhookName: 'examples webhook', cacheName: 'shop' } };
    return { json: { secret: 'rotated-secret', webhookName: 'examples webhook', cacheName: 'shop' } };
  };
  const c = client();
  const deleted = await c.deleteWebhook('shop', 'examples webhook');
  assert.equal(deleted.type, DeleteWebhookResponse.Success);
  assert.ok(deleted instanceof DeleteWebhook.Success);
  assert.deepEqual([lastRequest().method, lastRequest().url], ['DELETE', '/v1/caches/shop/webhooks/examples%20webhook']);

  const got = await c.getWebhookSecret('shop', 'examples webhook');
  assert.equal(got.type, GetWebhookSecretResponse.Success);
  assert.ok(got instanceof GetWebhookSecret.Success);
  assert.deepEqual([got.secret(), got.webhookName(), got.cacheName()], ['current-secret', 'examples webhook', 'shop']);
  assert.equal(got.toString(), 'Success: examples webhook');
  assert.deepEqual([lastRequest().method, lastRequest().url], ['GET', '/v1/caches/shop/webhooks/examples%20webhook/secret']);

  const rotated = await c.rotateWebhookSecret('shop', 'examples webhook');
  assert.equal(rotated.type, RotateWebhookSecretResponse.Success);
  assert.ok(rotated instanceof RotateWebhookSecret.Success);
  assert.equal(rotated.secret(), 'rotated-secret');
  assert.ok(!rotated.toString().includes('rotated-secret'));
  // No grace period: the old secret stops at once, as with Momento.
  assert.deepEqual([lastRequest().method, lastRequest().url, lastRequest().body.length], ['POST', '/v1/caches/shop/webhooks/examples%20webhook/secret/rotate', 0]);
});

test('publish: text as text/plain, bytes as application/octet-stream', async () => {
  answer = () => ({ json: { cache: 'shop', topic: 'a topic', topicSequenceNumber: 1, publishTimestamp: 1, tokenId: '', syncDeliveries: [], asyncDeliveries: 0 } });
  const c = client();
  const text = await c.publish('shop', 'a topic', 'order 42 paid');
  assert.equal(text.type, TopicPublishResponse.Success);
  assert.ok(text instanceof TopicPublish.Success);
  assert.deepEqual([lastRequest().url, lastRequest().headers['content-type'], lastRequest().body.toString()], ['/v1/caches/shop/topics/a%20topic', 'text/plain; charset=utf-8', 'order 42 paid']);
  const bytes = await c.publish('shop', 'a topic', new Uint8Array([0xff, 0, 1]));
  assert.equal(bytes.type, TopicPublishResponse.Success);
  assert.deepEqual([lastRequest().headers['content-type'], [...lastRequest().body]], ['application/octet-stream', [0xff, 0, 1]]);
});

test('every API error code has its MomentoErrorCode; answers become Error responses', async () => {
  const openapi = JSON.parse(readFileSync(new URL('../../worker/openapi.json', import.meta.url), 'utf8'));
  for (const code of openapi.components.schemas.Error.properties.error.properties.code.enum) {
    assert.ok(Object.hasOwn(API_ERROR_CODES, code), `${code} has no MomentoErrorCode`);
    assert.ok(Object.values(MomentoErrorCode).includes(API_ERROR_CODES[code]));
  }
  const c = client();
  for (const [status, json, expected] of [
    [404, { error: { code: 'not_found', message: 'webhook not found' } }, MomentoErrorCode.NOT_FOUND_ERROR],
    [401, { error: { code: 'unauthorized', message: 'missing or unknown API key' } }, MomentoErrorCode.AUTHENTICATION_ERROR],
    [403, { error: { code: 'forbidden', message: 'no manage on shop' } }, MomentoErrorCode.PERMISSION_ERROR],
    [400, { error: { code: 'invalid_url', message: 'bad url' } }, MomentoErrorCode.INVALID_ARGUMENT_ERROR],
    [412, { error: { code: 'already_exists', message: 'exists' } }, MomentoErrorCode.ALREADY_EXISTS_ERROR],
    [413, { error: { code: 'payload_too_large', message: 'too large' } }, MomentoErrorCode.LIMIT_EXCEEDED_ERROR],
    [500, { error: { code: 'internal_error', message: 'storage' } }, MomentoErrorCode.INTERNAL_SERVER_ERROR],
    // A code this client does not know: by the status.
    [429, { error: { code: 'slow_down', message: 'later' } }, MomentoErrorCode.LIMIT_EXCEEDED_ERROR],
    [503, undefined, MomentoErrorCode.SERVER_UNAVAILABLE],
    [302, undefined, MomentoErrorCode.UNKNOWN_SERVICE_ERROR],
  ]) {
    answer = () => ({ status, json, text: 'not json', headers: status === 302 ? { location: `${base}/elsewhere` } : {} });
    const before = requests.length;
    const result = await c.deleteWebhook('shop', 'w');
    assert.equal(result.type, DeleteWebhookResponse.Error);
    assert.ok(result instanceof DeleteWebhook.Error);
    assert.equal(result.errorCode(), expected, `${status}`);
    const inner = result.innerException();
    assert.ok(inner instanceof SdkError);
    assert.ok(inner instanceof Error);
    assert.equal(inner.status, status);
    assert.equal(inner.apiCode, json?.error.code);
    assert.equal(result.toString(), result.message());
    if (json) assert.ok(result.message().endsWith(`: ${json.error.message}`), result.message());
    // A redirect is not followed (the key would go with it).
    assert.equal(requests.length, before + 1);
  }
  answer = () => ({ status: 200, text: 'not json' });
  assert.equal((await c.getWebhookSecret('shop', 'w')).errorCode(), MomentoErrorCode.UNKNOWN_SERVICE_ERROR);
});

test('no answer: CONNECTION_ERROR; too slow: TIMEOUT_ERROR', async () => {
  const closed = createServer();
  closed.listen(0, '127.0.0.1');
  await once(closed, 'listening');
  const port = closed.address().port;
  closed.close();
  await once(closed, 'close');
  const unreachable = new TopicClient({ endpoint: `http://127.0.0.1:${port}`, apiKey: KEY });
  const refused = await unreachable.publish('shop', 't', 'x');
  assert.equal(refused.errorCode(), MomentoErrorCode.CONNECTION_ERROR);
  assert.ok(!refused.message().includes(KEY));

  answer = (request, res) => {
    setTimeout(() => res.writeHead(204).end(), 500);
  };
  const slow = await client({ requestTimeoutMs: 50 }).deleteWebhook('shop', 'w');
  assert.equal(slow.errorCode(), MomentoErrorCode.TIMEOUT_ERROR);
  assert.equal(slow.message(), 'The request did not complete in time: no answer within 50 ms');
  // Headers at once, then a body that never ends: the timeout covers the body too.
  answer = (request, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"secret":');
  };
  const stalled = await client({ requestTimeoutMs: 100 }).getWebhookSecret('shop', 'w');
  assert.equal(stalled.errorCode(), MomentoErrorCode.TIMEOUT_ERROR);
});

/** An SSE message event of an envelope. */
const event = (sequence, fields) =>
  `id: ${sequence}\nevent: message\ndata: ${JSON.stringify({ cache: 'shop', topic: 't', event_timestamp: 1, publish_timestamp: 1, topic_sequence_number: sequence, token_id: '', ...fields })}\n\n`;

/** Resolves once `check()` holds (or fails after `ms`). */
async function until(check, ms = 5000) {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('subscribe: items, heartbeats and gaps; a broken stream resumes after the last item; unsubscribe ends it', async () => {
  const streams = [];
  answer = (request, res) => {
    assert.equal(request.url, '/v1/caches/shop/topics/a%20topic/subscribe');
    assert.equal(request.headers.accept, 'text/event-stream');
    assert.equal(request.headers.authorization, `Bearer ${KEY}`);
    const closed = new Promise((resolve) => res.on('close', resolve));
    streams.push({ request, res, closed });
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(': subscribed\n\n');
    if (streams.length === 1) {
      res.write(event(1, { text: 'first', token_id: 'tok_1' }));
      res.write(event(2, { bytes: Buffer.from([0xff, 0x00]).toString('base64') }));
      // Cut off: the client opens again with Last-Event-ID.
      setTimeout(() => res.destroy(), 50);
    } else {
      res.write('event: gap\ndata: {"from":3,"to":4}\n\n');
      res.write(event(5, { text: 'fifth' }));
    }
  };
  const items = [];
  const gaps = [];
  let heartbeats = 0;
  let lost = 0;
  let ended = 0;
  const errors = [];
  const c = client({ reconnect: { initialDelayMs: 10, maxDelayMs: 20 } });
  const subscription = await c.subscribe('shop', 'a topic', {
    onItem: (item) => items.push(item),
    onError: (error) => errors.push(error),
    onDiscontinuity: (d) => gaps.push([d.lastSequenceNumber(), d.newSequenceNumber()]),
    onHeartbeat: () => { heartbeats += 1; },
    onConnectionLost: () => { lost += 1; },
    onSubscriptionEnd: () => { ended += 1; },
  });
  assert.equal(subscription.type, TopicSubscribeResponse.Subscription);
  assert.ok(subscription instanceof TopicSubscribe.Subscription);
  assert.equal(subscription.isSubscribed, true);
  await until(() => items.length === 3);
  assert.ok(items.every((item) => item instanceof TopicItem));
  assert.deepEqual(items.map((i) => [i.sequenceNumber(), i.tokenId()]), [[1, 'tok_1'], [2, undefined], [5, undefined]]);
  assert.equal(items[0].value(), 'first');
  assert.equal(items[0].valueString(), 'first');
  assert.equal(items[0].toString(), 'TopicItem: first; Token Id: tok_1');
  assert.deepEqual([...items[1].value()], [0xff, 0x00]);
  assert.deepEqual(gaps, [[2, 5]]);
  assert.equal(heartbeats, 2);
  assert.equal(lost, 1);
  assert.equal(streams[1].request.headers['last-event-id'], '2');
  subscription.unsubscribe();
  assert.equal(subscription.isSubscribed, false);
  await until(() => ended === 1);
  // Unsubscribing closed the connection.
  await streams[1].closed;
  assert.deepEqual(errors, []);
  assert.equal(streams.length, 2);
});

test('subscribe: refused at once is an Error response; refused on reconnect goes to onError', async () => {
  answer = () => ({ status: 403, json: { error: { code: 'forbidden', message: 'no subscribe on shop' } } });
  const refused = await client().subscribe('shop', 't', {});
  assert.equal(refused.type, TopicSubscribeResponse.Error);
  assert.ok(refused instanceof TopicSubscribe.Error);
  assert.equal(refused.errorCode(), MomentoErrorCode.PERMISSION_ERROR);

  let opened = 0;
  answer = (request, res) => {
    opened += 1;
    if (opened === 1) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(event(1, { text: 'only' }));
      return undefined;
    }
    if (opened === 2) return { status: 503, text: 'busy' };
    return { status: 401, json: { error: { code: 'unauthorized', message: 'key revoked' } } };
  };
  const errors = [];
  let ended = false;
  const subscription = await client({ reconnect: { initialDelayMs: 5, maxDelayMs: 10 } }).subscribe('shop', 't', {
    onError: (error, sub) => errors.push([error, sub]),
    onSubscriptionEnd: () => { ended = true; },
  });
  await until(() => ended);
  assert.equal(opened, 3, 'a 503 is retried, a 401 is not');
  assert.equal(errors.length, 1);
  assert.equal(errors[0][0].type, TopicSubscribeResponse.Error);
  assert.equal(errors[0][0].errorCode(), MomentoErrorCode.AUTHENTICATION_ERROR);
  assert.equal(errors[0][1], subscription);
  assert.equal(subscription.isSubscribed, false);
});

test('response enums and classes have Momento values and names', () => {
  for (const e of [PutWebhookResponse, ListWebhooksResponse, DeleteWebhookResponse, GetWebhookSecretResponse, RotateWebhookSecretResponse, TopicPublishResponse]) {
    assert.deepEqual({ ...e }, { Success: 'Success', Error: 'Error' });
  }
  assert.deepEqual({ ...TopicSubscribeResponse }, { Subscription: 'Subscription', Error: 'Error' });
  for (const n of [PutWebhook, ListWebhooks, DeleteWebhook, GetWebhookSecret, RotateWebhookSecret, TopicPublish]) {
    assert.deepEqual([n.Success.name, n.Error.name], ['Success', 'Error']);
  }
  for (const code of ['NOT_FOUND_ERROR', 'INVALID_ARGUMENT_ERROR', 'AUTHENTICATION_ERROR', 'PERMISSION_ERROR', 'ALREADY_EXISTS_ERROR', 'LIMIT_EXCEEDED_ERROR', 'UNKNOWN_ERROR']) {
    assert.equal(MomentoErrorCode[code], code);
  }
  assert.equal(MomentoErrorCode.CACHE_NOT_FOUND_ERROR, 'NOT_FOUND_ERROR');
});

const VECTOR = {
  signingSecret: '1234567890',
  body: '{"text":"some text", "another_field": "another field" }',
  signature: 'b43f72787eb66410ff110295b036ef828e5686af21b414ce092f02c05deea3da',
};

test('WebhookUtils.validateWebhookRequest: the public vector, as a string or bytes', () => {
  assert.equal(WebhookUtils.RequestValidation, RequestValidation);
  assert.deepEqual({ ...RequestValidation }, { VALID: 'valid', INVALID: 'invalid' });
  const bytes = new TextEncoder().encode(VECTOR.body);
  for (const body of [VECTOR.body, bytes, Buffer.from(VECTOR.body), bytes.buffer, new DataView(bytes.buffer)]) {
    assert.equal(WebhookUtils.validateWebhookRequest({ ...VECTOR, body }), RequestValidation.VALID);
  }
  const invalid = (props) => assert.equal(WebhookUtils.validateWebhookRequest({ ...VECTOR, ...props }), RequestValidation.INVALID, JSON.stringify(props));
  invalid({ body: VECTOR.body.replace('some', 'more') });
  invalid({ body: `${VECTOR.body} ` });
  invalid({ signingSecret: '1234567891' });
  invalid({ signature: VECTOR.signature.replace('b4', 'b5') });
  invalid({ signature: VECTOR.signature.slice(2) });
  invalid({ signature: 'not hex' });
  invalid({ signature: '' });
  invalid({ signature: undefined });
  invalid({ signature: [VECTOR.signature] });
  // A secret no webhook can have validates nothing.
  invalid({ signingSecret: '' });
  for (const bad of [undefined, null, 'x']) assert.throws(() => WebhookUtils.validateWebhookRequest(bad), TypeError);
  assert.throws(() => WebhookUtils.validateWebhookRequest({ ...VECTOR, signingSecret: undefined }), TypeError);
  // A parsed body (express.json) cannot be validated: the raw body is needed.
  assert.throws(() => WebhookUtils.validateWebhookRequest({ ...VECTOR, body: JSON.parse(VECTOR.body) }), TypeError);
});

test('WebhookUtils.validateWebhookRequest: envelopeToleranceSeconds, and nothing logged', (t) => {
  const secret = 'momento-secret-0123456789abcdef';
  const signed = (ms) => {
    const body = JSON.stringify({ cache: 'shop', topic: 't', event_timestamp: ms, publish_timestamp: ms, topic_sequence_number: 1, token_id: '', text: 'x' });
    return { body, signature: createHmac('sha3-256', secret).update(body).digest('hex'), signingSecret: secret };
  };
  const logged = [];
  for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace']) t.mock.method(console, method, (...args) => logged.push(args));
  const fresh = signed(Date.now());
  const stale = signed(Date.now() - 120_000);
  assert.equal(WebhookUtils.validateWebhookRequest(stale), RequestValidation.VALID);
  assert.equal(WebhookUtils.validateWebhookRequest({ ...stale, envelopeToleranceSeconds: 60 }), RequestValidation.INVALID);
  assert.equal(WebhookUtils.validateWebhookRequest({ ...fresh, envelopeToleranceSeconds: 60 }), RequestValidation.VALID);
  assert.equal(WebhookUtils.validateWebhookRequest({ ...fresh, signature: stale.signature, envelopeToleranceSeconds: 60 }), RequestValidation.INVALID);
  assert.throws(() => WebhookUtils.validateWebhookRequest({ ...fresh, envelopeToleranceSeconds: -1 }), TypeError);
  // Thousands in a row, switching secrets: the same answers.
  for (let i = 0; i < 2000; i += 1) {
    const props = i % 2 ? VECTOR : fresh;
    assert.equal(WebhookUtils.validateWebhookRequest(props), RequestValidation.VALID);
  }
  assert.deepEqual(logged, []);
});
