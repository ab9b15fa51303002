// Hardening seen from outside under wrangler dev: response headers that keep
// secrets out of caches and pages out of other windows, HSTS over https,
// and event streams bounded in number, queue and lifetime, ended when
// their key is revoked.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createParser } from 'eventsource-parser';
import { EdgehooksClient } from 'edgehooks/client';
import { client, eventually, getInsecure, newDeployment, startWorker } from './harness.mjs';

let deployment, worker, admin;

/** Small quotas and stream bounds, so that reaching them is quick. */
const LIMITS = {
  STREAMS_PER_TOPIC: 3, STREAMS_PER_KEY: 2, STREAM_MAX_SECONDS: 8,
  WEBHOOKS_PER_CACHE: 3, WEBHOOKS_PER_TOPIC: 2, TOPICS_PER_WEBHOOK: 3, MIN_RETRY_DELAY_SECONDS: 2,
};

before(async () => {
  deployment = newDeployment(LIMITS);
  worker = await startWorker(deployment);
  admin = client(worker.url, deployment.adminKey);
});

after(async () => {
  await worker?.stop();
  deployment?.remove();
});

/** Asserts the headers every API response carries. */
function assertApiHeaders(headers, what) {
  const get = (name) => (typeof headers.get === 'function' ? headers.get(name) : headers[name]);
  assert.equal(get('cache-control'), 'no-store', `${what}: cache-control`);
  assert.equal(get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
}

test('every API response is no-store and nosniff: secrets, errors, lists, streams, the document', async () => {
  const made = await admin('PUT', '/v1/caches/hard/webhooks/w', {
    body: { topicName: 't', destination: { postUrl: 'http://127.0.0.1:9/hook' } },
  });
  assert.equal(made.status, 201, made.text);
  const auth = { authorization: `Bearer ${deployment.adminKey}` };
  const calls = [
    ['the secret', '/v1/caches/hard/webhooks/w/secret', auth, 200],
    ['a list', '/v1/caches/hard/webhooks', auth, 200],
    ['an error', '/v1/caches/hard/webhooks', {}, 401],
    ['not found', '/v1/nothing-here', auth, 404],
    ['the document', '/v1/openapi.json', {}, 200],
  ];
  for (const [what, path, headers, status] of calls) {
    const res = await fetch(worker.url + path, { headers });
    assert.equal(res.status, status, what);
    assertApiHeaders(res.headers, what);
    await res.arrayBuffer();
  }
  const rotated = await fetch(`${worker.url}/v1/caches/hard/webhooks/w/secret/rotate`, { method: 'POST', headers: auth });
  assert.equal(rotated.status, 200);
  assertApiHeaders(rotated.headers, 'a rotation');
  await rotated.arrayBuffer();
  // A stream passed on from the topic's object gets them too.
  const controller = new AbortController();
  const stream = await fetch(`${worker.url}/v1/caches/hard/topics/t/subscribe`, { headers: auth, signal: controller.signal });
  assert.equal(stream.status, 200);
  assert.match(stream.headers.get('content-type'), /^text\/event-stream/);
  assertApiHeaders(stream.headers, 'a stream');
  controller.abort();
  await stream.body.cancel().catch(() => {});
});

test('the page is isolated from other windows; no HSTS over plain http', async () => {
  const res = await fetch(`${worker.url}/`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  assert.match(res.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  assert.equal(res.headers.get('strict-transport-security'), null);
  await res.arrayBuffer();
});

test('over https, the page and the API ask for https from then on', async () => {
  const other = newDeployment();
  const secure = await startWorker(other, { https: true });
  try {
    assert.match(secure.url, /^https:/);
    for (const path of ['/', '/v1/openapi.json']) {
      const res = await getInsecure(secure.url + path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['strict-transport-security'], 'max-age=31536000; includeSubDomains', path);
    }
    const refused = await getInsecure(`${secure.url}/v1/caches/hard/webhooks`);
    assert.equal(refused.status, 401);
    assert.ok(refused.headers['strict-transport-security']);
    assertApiHeaders(refused.headers, 'https error');
  } finally {
    await secure.stop();
    other.remove();
  }
});

/** A key allowed to subscribe in cache `hard`. */
async function subscriber() {
  const issued = await admin('POST', '/v1/keys', { body: { caches: ['hard'], permissions: ['subscribe', 'publish'] } });
  assert.equal(issued.status, 201, issued.text);
  return issued.json;
}

/** Opens a stream with `key`; `events` fills as they arrive, `ended` resolves at its end. */
async function open(key, topic, headers = {}) {
  const controller = new AbortController();
  const res = await fetch(`${worker.url}/v1/caches/hard/topics/${topic}/subscribe`, {
    headers: { authorization: `Bearer ${key}`, ...headers },
    signal: controller.signal,
  });
  const events = [];
  if (res.status !== 200) return { res, events };
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const decoder = new TextDecoder();
  const ended = (async () => {
    try {
      for await (const chunk of res.body) parser.feed(decoder.decode(chunk, { stream: true }));
      return 'ended';
    } catch {
      return 'aborted';
    }
  })();
  return { res, events, ended, close: () => controller.abort() };
}

test('streams are capped per key and per topic, with quota_exceeded', async () => {
  const [a, b] = [await subscriber(), await subscriber()];
  const opened = [await open(a.key, 'capped'), await open(a.key, 'capped')];
  for (const s of opened) assert.equal(s.res.status, 200);
  const third = await open(a.key, 'capped');
  assert.equal(third.res.status, 409);
  const { error } = await third.res.json();
  assert.equal(error.code, 'quota_exceeded');
  assert.match(error.message, /this API key has 2 event streams open on this topic/);
  // Another key still may, up to the topic's bound.
  opened.push(await open(b.key, 'capped'));
  assert.equal(opened[2].res.status, 200);
  const past = await open(b.key, 'capped');
  assert.equal(past.res.status, 409);
  assert.match((await past.res.json()).error.message, /this topic has 3 event streams open/);
  // Elsewhere, the same key is not limited by these.
  const elsewhere = await open(a.key, 'other-topic');
  assert.equal(elsewhere.res.status, 200);
  // A closed stream frees its place.
  opened[0].close();
  await opened[0].ended;
  await eventually(async () => {
    const again = await open(a.key, 'capped');
    if (again.res.status !== 200) return false;
    again.close();
    return true;
  }, 10_000, 'a place freed by a closed stream');
  for (const s of [...opened.slice(1), elsewhere]) s.close();
});

test('a stream ends with a resume event at its lifetime; the client comes back with Last-Event-ID and is authenticated again', async () => {
  const key = await subscriber();
  const publish = client(worker.url, key.key);
  const stream = await open(key.key, 'lived');
  assert.equal(stream.res.status, 200);
  assert.equal((await publish('POST', '/v1/caches/hard/topics/lived', { raw: 'one' })).status, 200);
  assert.equal(await stream.ended, 'ended', 'the stream ends by itself');
  const kinds = stream.events.map((e) => e.event);
  assert.deepEqual(kinds, ['message', 'resume']);
  assert.deepEqual(JSON.parse(stream.events[1].data), { reason: 'lifetime' });
  // Resumed where it stopped.
  assert.equal((await publish('POST', '/v1/caches/hard/topics/lived', { raw: 'two' })).status, 200);
  const resumed = await open(key.key, 'lived', { 'last-event-id': stream.events[0].id });
  assert.equal(resumed.res.status, 200);
  await eventually(() => resumed.events.some((e) => e.event === 'message'), 10_000, 'the resumed message');
  assert.equal(JSON.parse(resumed.events[0].data).text, 'two');
  resumed.close();
  // A key revoked meanwhile is refused when it comes back.
  assert.equal((await admin('DELETE', `/v1/keys/${key.tokenId}`)).status, 204);
  const refused = await open(key.key, 'lived', { 'last-event-id': '2' });
  assert.equal(refused.res.status, 401);
});

test('revoking a key ends its open streams at once, and only its own', async () => {
  const [doomed, kept] = [await subscriber(), await subscriber()];
  const streams = [await open(doomed.key, 'rev-a'), await open(doomed.key, 'rev-b'), await open(kept.key, 'rev-a')];
  for (const s of streams) assert.equal(s.res.status, 200);
  const started = Date.now();
  assert.equal((await admin('DELETE', `/v1/keys/${doomed.tokenId}`)).status, 204);
  for (const s of streams.slice(0, 2)) {
    assert.equal(await s.ended, 'ended');
    assert.equal(s.events.at(-1).event, 'revoked');
  }
  assert.ok(Date.now() - started < 2000, `ended after ${Date.now() - started} ms`);
  // The other key's stream still gets messages.
  assert.equal((await client(worker.url, kept.key)('POST', '/v1/caches/hard/topics/rev-a', { raw: 'still here' })).status, 200);
  await eventually(() => streams[2].events.some((e) => e.event === 'message'), 10_000, 'the kept stream');
  streams[2].close();
});

test('a reader that stops reading gets a resume event instead of an unbounded queue', async () => {
  const key = await subscriber();
  const publish = client(worker.url, key.key);
  // A raw request whose response is not read until the messages are out.
  const url = new URL(`${worker.url}/v1/caches/hard/topics/slow/subscribe`);
  const res = await new Promise((resolve, reject) => {
    const req = request(url, { headers: { authorization: `Bearer ${key.key}` } }, resolve);
    req.on('error', reject);
    req.end();
  });
  assert.equal(res.statusCode, 200);
  res.pause();
  // 1 MiB of control characters: about 6 MiB each as an escaped event.
  const big = '\u0001'.repeat(1024 * 1024 - 16);
  const sent = 8;
  for (let i = 0; i < sent; i += 1) {
    const published = await publish('POST', '/v1/caches/hard/topics/slow', { raw: big });
    assert.equal(published.status, 200, published.text);
  }
  const events = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  res.setEncoding('utf8');
  res.on('data', (text) => parser.feed(text));
  res.resume();
  await new Promise((resolve) => res.on('end', resolve));
  const last = events.at(-1);
  assert.equal(last.event, 'resume');
  assert.deepEqual(JSON.parse(last.data), { reason: 'slow' });
  const messages = events.filter((e) => e.event === 'message');
  assert.ok(messages.length < sent, `${messages.length} of ${sent} messages queued for a reader that did not read`);
  // What it missed is there when it resumes (as far as the buffer reaches).
  const resumed = await open(key.key, 'slow', { 'last-event-id': messages.at(-1)?.id ?? '0' });
  assert.equal(resumed.res.status, 200);
  await eventually(() => resumed.events.some((e) => e.event === 'message' || e.event === 'gap'), 20_000, 'the rest');
  resumed.close();
});

test('the packed client reads across a stream\'s lifetime without a gap or a repeat, and stops when its key is revoked', async () => {
  const key = await subscriber();
  const edgehooks = new EdgehooksClient({ url: worker.url, apiKey: key.key });
  const opens = [];
  const iterator = edgehooks.subscribe('hard', 'across', { onOpen: (o) => opens.push(o) });
  const seen = [];
  const reading = (async () => {
    for await (const envelope of iterator) seen.push(envelope.text);
  })();
  await eventually(() => opens.length === 1, 10_000, 'the first stream');
  await edgehooks.publish('hard', 'across', 'before');
  // Past the lifetime, the client has reconnected by itself.
  await eventually(() => opens.length === 2, 20_000, 'a reconnect after the lifetime');
  assert.equal(opens[1].lastEventId, '1');
  await edgehooks.publish('hard', 'across', 'after');
  await eventually(() => seen.length === 2, 10_000, 'both messages');
  assert.deepEqual(seen, ['before', 'after']);
  assert.equal((await admin('DELETE', `/v1/keys/${key.tokenId}`)).status, 204);
  await assert.rejects(reading, { code: 'unauthorized' });
});

test('quotas: webhooks per cache and per topic, topics per webhook, the shortest retry delay', async () => {
  const put = (cache, name, body) => admin('PUT', `/v1/caches/${cache}/webhooks/${name}`, {
    body: { destination: { postUrl: 'http://127.0.0.1:9/hook' }, ...body },
  });
  const refused = (res, message) => {
    assert.equal(res.status, 409, res.text);
    assert.equal(res.json.error.code, 'quota_exceeded');
    assert.match(res.json.error.message, message);
  };
  // Per cache: 3 here; replacing one that exists is not a new one.
  for (const name of ['a', 'b', 'c']) assert.equal((await put('q-cache', name, { topics: [name] })).status, 201);
  refused(await put('q-cache', 'd', { topics: ['d'] }), /this cache has 3 webhooks/);
  assert.equal((await put('q-cache', 'a', { topics: ['a2'] })).status, 200);
  assert.equal((await admin('DELETE', '/v1/caches/q-cache/webhooks/b')).status, 204);
  assert.equal((await put('q-cache', 'd', { topics: ['d'] })).status, 201);
  // Per topic: 2 here, on create, replace and patch.
  assert.equal((await put('q-topic', 'one', { topics: ['shared'] })).status, 201);
  assert.equal((await put('q-topic', 'two', { topics: ['shared'] })).status, 201);
  refused(await put('q-topic', 'three', { topics: ['other', 'shared'] }), /a topic of this webhook has 2 webhooks/);
  assert.equal((await put('q-topic', 'three', { topics: ['other'] })).status, 201);
  refused(await admin('PATCH', '/v1/caches/q-topic/webhooks/three', { body: { topics: ['other', 'shared'] } }), /has 2 webhooks/);
  // A webhook already on the topic may change other things.
  assert.equal((await admin('PATCH', '/v1/caches/q-topic/webhooks/one', { body: { description: 'still fine' } })).status, 200);
  // Topics per webhook, and retry delays.
  refused(await put('q-shape', 'wide', { topics: ['t1', 't2', 't3', 't4'] }), /at most 3 topics/);
  refused(await put('q-shape', 'eager', { topics: ['t'], retry: { scheduleSeconds: [5, 1] } }), /at least 2 seconds/);
  assert.equal((await put('q-shape', 'eager', { topics: ['t'], retry: { scheduleSeconds: [2, 5] } })).status, 201);
  refused(await admin('PATCH', '/v1/caches/q-shape/webhooks/eager', { body: { retry: { scheduleSeconds: [1] } } }), /at least 2 seconds/);
  // Nothing refused was made.
  assert.equal((await admin('GET', '/v1/caches/q-shape/webhooks/wide')).status, 404);
});

test('an issued key publishing past its rate gets 429 rate_limited with Retry-After; the admin key is not limited', async () => {
  // The same Worker with a publish rate of 3 per 10 s (a config beside
  // wrangler.toml, so that its paths hold).
  const workerDir = fileURLToPath(new URL('../../worker/', import.meta.url));
  const config = `${workerDir}.rate-test.wrangler.toml`;
  const toml = readFileSync(`${workerDir}wrangler.toml`, 'utf8');
  const lowered = toml.replace(/simple = \{ limit = \d+, period = 10 \}/, 'simple = { limit = 3, period = 10 }');
  assert.notEqual(lowered, toml, 'the publish rate is configured in wrangler.toml');
  writeFileSync(config, lowered);
  const other = newDeployment();
  const limited = await startWorker(other, { config });
  try {
    const operator = client(limited.url, other.adminKey);
    const issued = await operator('POST', '/v1/keys', { body: { caches: ['rate'], permissions: ['publish'] } });
    const publish = client(limited.url, issued.json.key);
    // Windows are fixed 10 s periods: publishes made within a few seconds
    // span at most two of them, so at most 6 pass before one is refused.
    const answers = [];
    for (let i = 0; i < 7 && answers.at(-1)?.status !== 429; i += 1) {
      answers.push(await publish('POST', '/v1/caches/rate/topics/t', { raw: `m${i}` }));
    }
    const refused = answers.at(-1);
    assert.equal(refused.status, 429, `no refusal in ${answers.length} publishes`);
    const accepted = answers.length - 1;
    assert.ok(accepted >= 3 && accepted <= 6, `${accepted} accepted before the refusal`);
    assert.ok(answers.slice(0, -1).every((a) => a.status === 200));
    assert.equal(refused.json.error.code, 'rate_limited');
    assert.equal(refused.headers.get('retry-after'), '10');
    // A refused publish took no number.
    for (let i = 0; i < 5; i += 1) assert.equal((await operator('POST', '/v1/caches/rate/topics/t', { raw: 'op' })).status, 200);
    const numbers = await operator('POST', '/v1/caches/rate/topics/t', { raw: 'last' });
    assert.equal(numbers.json.topicSequenceNumber, accepted + 6);
  } finally {
    await limited.stop();
    other.remove();
    rmSync(config, { force: true });
  }
});
