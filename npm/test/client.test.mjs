// edgehooks/client without a server: its methods against the OpenAPI
// document (one per operationId, each calling its documented method and
// path), the generated types against the document, percent-encoding,
// bodies, errors, pagination and the Server-Sent Events reader, through a
// recording `fetch`. The end-to-end tests (tests/e2e/client.test.mjs) run it
// against the Worker under wrangler dev.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { EdgehooksApiError, EdgehooksClient } from 'edgehooks/client';
import { documentPath, generate, outputPath } from '../scripts/client-types.mjs';

const doc = JSON.parse(readFileSync(documentPath, 'utf8'));
const operations = [];
for (const [path, item] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(item)) operations.push({ id: op.operationId, method: method.toUpperCase(), path, op });
}

const json = (body, status = 200, headers = {}) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const apiError = (code, message, status, headers) => json({ error: { code, message } }, status, headers);
const KEY = 'admin_0123456789abcdef_secret';

/** A client whose fetch records each request and answers with `answer(request)`. */
function recorded(answer = () => json({})) {
  const requests = [];
  const client = new EdgehooksClient({
    url: 'https://hooks.example/base/',
    apiKey: KEY,
    fetch: async (url, init) => {
      const request = { url: new URL(url), method: init.method, headers: new Headers(init.headers), body: init.body, signal: init.signal };
      requests.push(request);
      return answer(request);
    },
  });
  return { client, requests };
}

async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('the promise resolved');
}

test('client-schema.d.ts is what scripts/client-types.mjs generates from worker/openapi.json', () => {
  const committed = readFileSync(outputPath, 'utf8');
  assert.ok(committed === generate(doc), 'client-schema.d.ts is out of date: run `npm run client-types` in npm/ and commit it');
});

test('the generator refuses what it cannot type, so nothing is dropped silently', () => {
  const copy = structuredClone(doc);
  copy.components.schemas.Webhook.properties.extra = { not: { type: 'string' } };
  assert.throws(() => generate(copy), /unsupported keyword not/);
  const missing = structuredClone(doc);
  delete missing.components.schemas.Attempt.properties.outcome;
  assert.throws(() => generate(missing), /AttemptOutcome/);
});

test('one method per operationId of the document, and an iterator per paginated list', () => {
  const names = Object.getOwnPropertyNames(EdgehooksClient.prototype)
    .filter((n) => n !== 'constructor' && typeof Object.getOwnPropertyDescriptor(EdgehooksClient.prototype, n).value === 'function');
  assert.deepEqual(names.filter((n) => !n.startsWith('iterate')).sort(), operations.map((o) => o.id).sort());
  // Lists are read with GET; a POST that takes a cursor (resealing) walks pages, it lists nothing.
  const paginated = operations.filter((o) => o.method === 'GET' && o.op.responses['200']?.content?.['application/json']?.schema?.properties?.cursor);
  assert.deepEqual(names.filter((n) => n.startsWith('iterate')).sort(), paginated.map((o) => o.id.replace(/^list/, 'iterate')).sort());
});

/** A call of each operation, with a cache, webhook or topic name that needs encoding. */
const calls = {
  getOpenApi: (c) => c.getOpenApi(),
  listWebhooks: (c) => c.listWebhooks('my cache', { limit: 5, cursor: 'next/1' }),
  getWebhook: (c) => c.getWebhook('my cache', 'a/b?c#d%e é'),
  putWebhook: (c) => c.putWebhook('my cache', 'a/b?c#d%e é', { destination: { postUrl: 'https://r.example/' } }, { createOnly: true }),
  patchWebhook: (c) => c.patchWebhook('my cache', 'a/b?c#d%e é', { active: false }),
  deleteWebhook: (c) => c.deleteWebhook('my cache', 'a/b?c#d%e é'),
  getWebhookSecret: (c) => c.getWebhookSecret('my cache', 'a/b?c#d%e é'),
  rotateWebhookSecret: (c) => c.rotateWebhookSecret('my cache', 'a/b?c#d%e é', { graceSeconds: 60 }),
  testWebhook: (c) => c.testWebhook('my cache', 'a/b?c#d%e é'),
  listAttempts: (c) => c.listAttempts('my cache', 'a/b?c#d%e é', { status: 'failed', since: 1, until: 2, limit: 3 }),
  getWebhookStatistics: (c) => c.getWebhookStatistics('my cache', 'a/b?c#d%e é', { hours: 24 }),
  listUndelivered: (c) => c.listUndelivered('my cache', 'a/b?c#d%e é', { limit: 2 }),
  replayWebhook: (c) => c.replayWebhook('my cache', 'a/b?c#d%e é', { since: 1, status: 'all' }),
  publish: (c) => c.publish('my cache', 'tópico ✓', 'hello'),
  subscribe: (c) => c.subscribe('my cache', 'tópico ✓').next(),
  createKey: (c) => c.createKey({ caches: ['*'], permissions: ['publish'] }),
  listKeys: (c) => c.listKeys({ limit: 1 }),
  deleteKey: (c) => c.deleteKey('tok_0123456789abcdef'),
  resealSecrets: (c) => c.resealSecrets({ cursor: 'next/1' }),
  createPortalSession: (c) => c.createPortalSession('my cache', { ttlSeconds: 60 }),
};
const params = { cache: 'my cache', name: 'a/b?c#d%e é', topic: 'tópico ✓', tokenId: 'tok_0123456789abcdef' };

test('each method calls its documented method and path, names percent-encoded as one segment, the key in the header only', async () => {
  assert.deepEqual(Object.keys(calls).sort(), operations.map((o) => o.id).sort(), 'a call for every operation');
  for (const { id, method, path, op } of operations) {
    const { client, requests } = recorded((request) => {
      if (id === 'subscribe') return new Response('id: 1\nevent: message\ndata: {"text":"x"}\n\n', { headers: { 'content-type': 'text/event-stream' } });
      const status = Object.keys(op.responses).find((s) => s.startsWith('2'));
      return status === '204' ? new Response(null, { status: 204 }) : json({ cursor: null, webhooks: [], request: request.url.href }, Number(status));
    });
    await calls[id](client);
    assert.equal(requests.length, 1, id);
    const [request] = requests;
    assert.equal(request.method, method, id);
    const expected = `/base${path.replace(/\{(\w+)\}/g, (_, name) => encodeURIComponent(params[name]))}`;
    assert.equal(request.url.pathname, expected, id);
    assert.ok(!request.url.href.includes(KEY), id);
    const secured = op.security === undefined || op.security.length > 0;
    assert.equal(request.headers.get('authorization'), secured ? `Bearer ${KEY}` : null, id);
    const documentedQuery = (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
    for (const name of request.url.searchParams.keys()) assert.ok(documentedQuery.includes(name), `${id}: ${name}`);
    const headerParams = (op.parameters ?? []).filter((p) => p.in === 'header').map((p) => p.name.toLowerCase());
    for (const name of ['if-none-match', 'idempotency-key', 'last-event-id']) {
      if (request.headers.has(name)) assert.ok(headerParams.includes(name), `${id}: ${name}`);
    }
    if (request.body !== undefined) assert.ok(op.requestBody, `${id} sends a body`);
  }
});

test('queries and bodies: only what is given', async () => {
  const { client, requests } = recorded(() => json({ replayed: 0, undelivered: 0, delivered: 0 }));
  await client.listAttempts('c', 'n', { status: 'delivered', since: 10, until: undefined, cursor: 'a b' });
  assert.equal(requests[0].url.search, '?cursor=a+b&status=delivered&since=10');
  await client.replayWebhook('c', 'n');
  assert.equal(requests[1].body, '{}');
  assert.equal(requests[1].headers.get('content-type'), 'application/json');
  await client.rotateWebhookSecret('c', 'n', { secret: 'whsec_x' });
  assert.equal(requests[2].body, '{"secret":"whsec_x"}');
  await client.putWebhook('c', 'n', { destination: { postUrl: 'https://x/' } });
  assert.equal(requests[3].headers.get('if-none-match'), null);
  await client.putWebhook('c', 'n', { destination: { postUrl: 'https://x/' } }, { createOnly: true });
  assert.equal(requests[4].headers.get('if-none-match'), '*');
});

test('putWebhook tells created from replaced, publish tells a replayed answer, without changing the JSON', async () => {
  let status = 201;
  let replayed = false;
  const { client } = recorded((request) => (request.method === 'PUT'
    ? json({ secretString: 's', webhook: {} }, status)
    : json({ topicSequenceNumber: 7 }, 200, replayed ? { 'idempotent-replayed': 'true' } : {})));
  const created = await client.putWebhook('c', 'n', { destination: { postUrl: 'https://x/' } });
  assert.equal(created.created, true);
  assert.deepEqual(created, { secretString: 's', webhook: {} });
  assert.equal(JSON.stringify(created), '{"secretString":"s","webhook":{}}');
  status = 200;
  assert.equal((await client.putWebhook('c', 'n', { destination: { postUrl: 'https://x/' } })).created, false);
  assert.equal((await client.publish('c', 't', 'x')).idempotentReplayed, false);
  replayed = true;
  const again = await client.publish('c', 't', 'x', { idempotencyKey: 'k' });
  assert.equal(again.idempotentReplayed, true);
  assert.deepEqual(Object.keys(again), ['topicSequenceNumber']);
});

test('publish: strings as text, bytes as octet-stream, other values as JSON; contentType and idempotencyKey', async () => {
  const { client, requests } = recorded(() => json({ topicSequenceNumber: 1 }));
  const bytes = new Uint8Array([0, 1, 2, 3, 4, 5]);
  await client.publish('c', 't', 'text');
  await client.publish('c', 't', bytes);
  await client.publish('c', 't', bytes.buffer);
  await client.publish('c', 't', new DataView(bytes.buffer, 2, 3));
  await client.publish('c', 't', { order: 1 }, { idempotencyKey: 'order-1' });
  await client.publish('c', 't', null);
  await client.publish('c', 't', '{"raw":true}', { contentType: 'application/json' });
  await client.publish('c', 't', new Blob(['blob'], { type: 'text/csv' }));
  const sent = requests.map((r) => [r.headers.get('content-type'), r.body instanceof Uint8Array ? [...r.body] : r.body instanceof Blob ? 'blob' : r.body]);
  assert.deepEqual(sent, [
    ['text/plain; charset=utf-8', 'text'],
    ['application/octet-stream', [0, 1, 2, 3, 4, 5]],
    ['application/octet-stream', [0, 1, 2, 3, 4, 5]],
    ['application/octet-stream', [2, 3, 4]],
    ['application/json', '{"order":1}'],
    ['application/json', 'null'],
    ['application/json', '{"raw":true}'],
    ['text/csv', 'blob'],
  ]);
  assert.equal(requests[4].headers.get('idempotency-key'), 'order-1');
  assert.equal(requests[0].headers.get('idempotency-key'), null);
  await assert.rejects(client.publish('c', 't', undefined), TypeError);
  await assert.rejects(client.publish('c', 't', 1n), TypeError);
});

test('errors: the API\'s code, message and status; Retry-After; invalid_response; network_error; aborts', async () => {
  let answer;
  const { client } = recorded(() => answer());
  answer = () => apiError('not_found', 'no webhook with this name in this cache', 404);
  let error = await rejection(client.getWebhook('c', 'n'));
  assert.ok(error instanceof EdgehooksApiError && error instanceof Error);
  assert.deepEqual([error.name, error.code, error.status, error.message, error.retryAfter], ['EdgehooksApiError', 'not_found', 404, 'no webhook with this name in this cache', undefined]);

  answer = () => apiError('internal_error', 'busy', 503, { 'retry-after': '7' });
  error = await rejection(client.getWebhook('c', 'n'));
  assert.deepEqual([error.code, error.status, error.retryAfter], ['internal_error', 503, 7]);
  answer = () => apiError('internal_error', 'busy', 429, { 'retry-after': new Date(Date.now() + 30_000).toUTCString() });
  error = await rejection(client.getWebhook('c', 'n'));
  assert.ok(error.retryAfter >= 28 && error.retryAfter <= 30, String(error.retryAfter));

  answer = () => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway', headers: { 'retry-after': '3' } });
  error = await rejection(client.getWebhook('c', 'n'));
  assert.deepEqual([error.code, error.status, error.retryAfter], ['invalid_response', 502, 3]);
  answer = () => json({ error: 'not the shape' }, 400);
  assert.equal((await rejection(client.getWebhook('c', 'n'))).code, 'invalid_response');
  answer = () => new Response('not json', { status: 200 });
  error = await rejection(client.getWebhook('c', 'n'));
  assert.deepEqual([error.code, error.status], ['invalid_response', 200]);
  answer = () => new Response('', { status: 200 });
  assert.equal((await rejection(client.getWebhook('c', 'n'))).code, 'invalid_response');

  const cause = new TypeError('fetch failed');
  answer = () => { throw cause; };
  error = await rejection(client.getWebhook('c', 'n'));
  assert.deepEqual([error.code, error.status, error.cause], ['network_error', 0, cause]);

  const controller = new AbortController();
  answer = () => new Promise((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason)));
  const pending = client.listKeys({ signal: controller.signal });
  controller.abort();
  assert.equal((await rejection(pending)).name, 'AbortError');

  answer = (request) => Promise.reject(request.signal.reason);
  for (const e of [error, await rejection(client.getWebhook('c', 'n', { signal: AbortSignal.abort() }))]) {
    assert.ok(!inspect(e).includes(KEY) && !String(e.message).includes(KEY));
  }
});

test('the constructor checks its options; the key is not an enumerable property', () => {
  assert.throws(() => new EdgehooksClient({ url: 'http://x', apiKey: '' }), TypeError);
  assert.throws(() => new EdgehooksClient({ apiKey: 'k' }), TypeError);
  assert.throws(() => new EdgehooksClient({ url: 'ftp://x', apiKey: 'k' }), TypeError);
  assert.throws(() => new EdgehooksClient({ url: 'http://user:pass@x', apiKey: 'k' }), TypeError);
  assert.throws(() => new EdgehooksClient({ url: 'http://x/?key=k', apiKey: 'k' }), TypeError);
  assert.throws(() => new EdgehooksClient({ url: 'not a url', apiKey: 'k' }), TypeError);
  assert.throws(() => new EdgehooksClient({ url: 'http://x', apiKey: 'k', fetch: 'no' }), TypeError);
  const client = new EdgehooksClient({ url: new URL('http://127.0.0.1:8787/'), apiKey: KEY });
  assert.equal(client.url, 'http://127.0.0.1:8787');
  assert.equal(JSON.stringify(client), '{}');
  assert.ok(!inspect(client, { showHidden: true, depth: 4 }).includes(KEY));
  assert.throws(() => client.getWebhook('', 'n'), TypeError);
});

test('fetch is never called on the client (runtimes refuse another this)', async () => {
  const original = globalThis.fetch;
  let self = 'unset';
  globalThis.fetch = function (url) {
    self = this;
    return Promise.resolve(json({ keys: [], cursor: null }));
  };
  try {
    await new EdgehooksClient({ url: 'http://x', apiKey: 'k' }).listKeys();
  } finally {
    globalThis.fetch = original;
  }
  assert.equal(self, globalThis);
  const given = [];
  await new EdgehooksClient({ url: 'http://x', apiKey: 'k', fetch: function () { given.push(this); return Promise.resolve(json({ keys: [], cursor: null })); } }).listKeys();
  assert.deepEqual(given, [undefined]);
});

test('iterators follow cursors, stop at null, and refuse a cursor that repeats', async () => {
  const pages = { '': { webhooks: [{ n: 1 }, { n: 2 }], cursor: 'p2' }, p2: { webhooks: [{ n: 3 }], cursor: 'p3' }, p3: { webhooks: [], cursor: null } };
  const { client, requests } = recorded((r) => json(pages[r.url.searchParams.get('cursor') ?? '']));
  const items = [];
  for await (const item of client.iterateWebhooks('c', { limit: 2 })) items.push(item.n);
  assert.deepEqual(items, [1, 2, 3]);
  assert.deepEqual(requests.map((r) => r.url.search), ['?limit=2', '?limit=2&cursor=p2', '?limit=2&cursor=p3']);

  const each = [
    ['iterateAttempts', ['c', 'n'], 'attempts', '/base/v1/caches/c/webhooks/n/attempts'],
    ['iterateUndelivered', ['c', 'n'], 'messages', '/base/v1/caches/c/webhooks/n/undelivered'],
    ['iterateKeys', [], 'keys', '/base/v1/keys'],
  ];
  for (const [method, args, field, path] of each) {
    const { client: c, requests: r } = recorded((q) => json({ [field]: [q.url.searchParams.get('cursor') ?? 'first'], cursor: q.url.searchParams.get('cursor') ? null : 'second' }));
    const seen = [];
    for await (const item of c[method](...args, { status: 'failed' })) seen.push(item);
    assert.deepEqual(seen, ['first', 'second'], method);
    assert.ok(r.every((q) => q.url.pathname === path), method);
  }

  const stuck = recorded(() => json({ keys: [1], cursor: 'same' }));
  const seen = [];
  const error = await rejection((async () => { for await (const key of stuck.client.iterateKeys()) seen.push(key); })());
  assert.deepEqual([error.code, seen], ['invalid_response', [1, 1]]);
});

/** A response whose body is `chunks`, written one by one; `end` closes it, else it stays open until aborted. */
function eventStream(chunks, { end = true, signal } = {}) {
  const encoder = new TextEncoder();
  const body = new ReadableStream({
    async start(controller) {
      for (const chunk of chunks) {
        await new Promise((r) => setTimeout(r, 1));
        controller.enqueue(typeof chunk === 'string' ? encoder.encode(chunk) : chunk);
      }
      if (end) controller.close();
      else signal?.addEventListener('abort', () => controller.error(new DOMException('aborted', 'AbortError')));
    },
  });
  return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
}

const envelope = (n, text) => JSON.stringify({ cache: 'c', topic: 't', topic_sequence_number: n, text });

test('subscribe parses the event stream: line endings split anywhere, comments, multi-line data, a BOM, gap events', async () => {
  const bytes = new TextEncoder().encode(`\uFEFF: subscribed\r\n\r\nid: 1\r\nevent: message\r\ndata: ${envelope(1, 'é ✓')}\r\n\r\nevent: gap\ndata: {"from":2,"to":4}\n\nid: 5\revent: message\rdata: {"cache":"c",\rdata: "topic_sequence_number":5}\r\rretry: 50\n\n`);
  // Cut everywhere, inside characters and between CR and LF.
  const chunks = [];
  for (let i = 0; i < bytes.length; i += 3) chunks.push(bytes.slice(i, i + 3));
  const { client, requests } = recorded((r) => (requests.length === 1 ? eventStream(chunks) : eventStream([], { end: false, signal: r.signal })));
  const gaps = [];
  const controller = new AbortController();
  const seen = [];
  for await (const e of client.subscribe('c', 't', { onGap: (gap) => gaps.push(gap), signal: controller.signal })) {
    seen.push(e);
    if (seen.length === 2) break;
  }
  assert.deepEqual(seen, [JSON.parse(envelope(1, 'é ✓')), { cache: 'c', topic_sequence_number: 5 }]);
  assert.deepEqual(gaps, [{ from: 2, to: 4 }]);
  assert.equal(requests[0].headers.get('accept'), 'text/event-stream');
  assert.equal(requests[0].headers.get('last-event-id'), null);
  assert.ok(requests[0].signal.aborted, 'leaving the loop closes the connection');
});

test('subscribe reconnects with Last-Event-ID after a drop, a network error or a 5xx; throws a refusal; ends on abort', async () => {
  const controller = new AbortController();
  const script = [
    () => eventStream([`id: 1\nevent: message\ndata: ${envelope(1, 'a')}\n\n`, `id: 2\nevent: message\ndata: ${envelope(2, 'b')}\n\n`]),
    () => { throw new TypeError('connection refused'); },
    () => apiError('internal_error', 'restarting', 503),
    (r) => eventStream([`id: 3\nevent: message\ndata: ${envelope(3, 'c')}\n\n`], { end: false, signal: r.signal }),
  ];
  const { client, requests } = recorded((r) => script[requests.length - 1](r));
  const opened = [];
  const seen = [];
  for await (const e of client.subscribe('c', 't', { reconnect: { initialDelayMs: 5, maxDelayMs: 20 }, signal: controller.signal, onOpen: (o) => opened.push(o.lastEventId) })) {
    seen.push(e.text);
    if (seen.length === 3) controller.abort();
  }
  assert.deepEqual(seen, ['a', 'b', 'c']);
  assert.deepEqual(requests.map((r) => r.headers.get('last-event-id')), [null, '2', '2', '2']);
  assert.deepEqual(opened, [undefined, '2']);

  // A lastEventId to start from, and a refusal.
  const refused = recorded(() => apiError('forbidden', 'this key may not publish in cache c', 403));
  const error = await rejection(refused.client.subscribe('c', 't', { lastEventId: 41 }).next());
  assert.deepEqual([error.code, error.status], ['forbidden', 403]);
  assert.equal(refused.requests[0].headers.get('last-event-id'), '41');

  // Not an event stream.
  const wrong = recorded(() => json({}));
  assert.equal((await rejection(wrong.client.subscribe('c', 't').next())).code, 'invalid_response');

  // An abort while waiting to reconnect ends at once.
  const waiting = new AbortController();
  const down = recorded(() => { throw new TypeError('down'); });
  const started = Date.now();
  setTimeout(() => waiting.abort(), 50);
  assert.deepEqual(await down.client.subscribe('c', 't', { signal: waiting.signal, reconnect: { initialDelayMs: 10_000 } }).next(), { value: undefined, done: true });
  assert.ok(Date.now() - started < 5000);
});
