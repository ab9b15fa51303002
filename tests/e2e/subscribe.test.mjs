// Topic subscriptions as Server-Sent Events under wrangler dev: every
// message in order, and a reconnect with Last-Event-ID resumes without gaps.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createParser } from 'eventsource-parser';
import { client, newDeployment, startWorker } from './harness.mjs';

let deployment, worker, admin, key;

before(async () => {
  deployment = newDeployment();
  worker = await startWorker(deployment);
  admin = client(worker.url, deployment.adminKey);
  const issued = await admin('POST', '/v1/keys', { body: { caches: ['live'], permissions: ['publish', 'subscribe'] } });
  key = issued.json.key;
});

after(async () => {
  await worker?.stop();
  deployment?.remove();
});

/** Opens a subscription; `events` fills as messages arrive. */
async function subscribe(topic, lastEventId) {
  const controller = new AbortController();
  const headers = { authorization: `Bearer ${key}` };
  if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
  const res = await fetch(`${worker.url}/v1/caches/live/topics/${topic}/subscribe`, { headers, signal: controller.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/event-stream/);
  const events = [];
  const parser = createParser({ onEvent: (event) => events.push(event) });
  const decoder = new TextDecoder();
  const reading = (async () => {
    try {
      for await (const chunk of res.body) parser.feed(decoder.decode(chunk, { stream: true }));
    } catch { /* aborted */ }
  })();
  return {
    events,
    async waitFor(count, ms = 10_000) {
      const deadline = Date.now() + ms;
      while (events.length < count) {
        if (Date.now() > deadline) throw new Error(`${events.length} of ${count} events`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return events;
    },
    async close() { controller.abort(); await reading; },
  };
}

const publish = (topic, text) => client(worker.url, key)('POST', `/v1/caches/live/topics/${topic}`, { raw: text });

test('a subscriber receives every message in order, and resumes after a reconnect without gaps', async () => {
  const first = await subscribe('feed');
  for (let i = 1; i <= 3; i += 1) assert.equal((await publish('feed', `m${i}`)).status, 200);
  const seen = await first.waitFor(3);
  assert.deepEqual(seen.map((e) => e.id), ['1', '2', '3']);
  assert.ok(seen.every((e) => e.event === 'message'));
  const envelope = JSON.parse(seen[2].data);
  assert.equal(envelope.text, 'm3');
  assert.equal(envelope.topic_sequence_number, 3);
  assert.equal(envelope.cache, 'live');
  assert.match(envelope.token_id, /^tok_/);
  await first.close();

  // Published while nobody listens.
  for (let i = 4; i <= 6; i += 1) await publish('feed', `m${i}`);
  const resumed = await subscribe('feed', 3);
  await publish('feed', 'm7');
  const after = await resumed.waitFor(4);
  assert.deepEqual(after.map((e) => [e.id, JSON.parse(e.data).text]), [['4', 'm4'], ['5', 'm5'], ['6', 'm6'], ['7', 'm7']]);
  await resumed.close();
});

test('two subscribers see the same stream; other topics stay out', async () => {
  const a = await subscribe('shared');
  const b = await subscribe('shared');
  await publish('other', 'not for you');
  await publish('shared', 'for both');
  const [ea] = await a.waitFor(1);
  const [eb] = await b.waitFor(1);
  assert.equal(JSON.parse(ea.data).text, 'for both');
  assert.deepEqual(eb, ea);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(a.events.length, 1);
  await a.close();
  await b.close();
});

test('subscribing needs the subscribe permission in the cache; publishing does not grant it', async () => {
  const url = `${worker.url}/v1/caches/live/topics/feed/subscribe`;
  const none = await fetch(url);
  assert.equal(none.status, 401);
  for (const permissions of [['manage'], ['publish']]) {
    const other = await admin('POST', '/v1/keys', { body: { caches: ['live'], permissions } });
    const forbidden = await fetch(url, { headers: { authorization: `Bearer ${other.json.key}` } });
    assert.equal(forbidden.status, 403, permissions.join());
    const { error } = await forbidden.json();
    assert.equal(error.code, 'forbidden');
    assert.equal(error.message, 'this API key does not allow subscribing to topics in this cache');
  }
  const reader = await admin('POST', '/v1/keys', { body: { caches: ['live'], permissions: ['subscribe'] } });
  const allowed = await fetch(url, { headers: { authorization: `Bearer ${reader.json.key}` } });
  assert.equal(allowed.status, 200);
  await allowed.body.cancel();
  // A key that may only read cannot publish.
  const refused = await client(worker.url, reader.json.key)('POST', '/v1/caches/live/topics/feed', { raw: 'x' });
  assert.equal(refused.status, 403);
});

test('only the service publishes to edgehooks.* topics; they can be read', async () => {
  for (const caller of [client(worker.url, key), admin]) {
    for (const topic of ['edgehooks.system', 'edgehooks.other']) {
      const forged = await caller('POST', `/v1/caches/live/topics/${topic}`, { body: { type: 'webhook.disabled', webhook: 'w' } });
      assert.equal(forged.status, 403, topic);
      assert.equal(forged.json.error.code, 'reserved_topic');
    }
  }
  // The service's own events still arrive there: a receiver answering 410 disables its webhook.
  const events = await subscribe('edgehooks.system');
  const gone = (await import('node:http')).createServer((req, res) => { req.resume(); res.writeHead(410).end(); });
  await new Promise((r) => gone.listen(0, '127.0.0.1', r));
  try {
    const made = await admin('PUT', '/v1/caches/live/webhooks/gone', {
      body: { topicName: 'to-gone', destination: { postUrl: `http://127.0.0.1:${gone.address().port}/` } },
    });
    assert.equal(made.status, 201, made.text);
    assert.equal((await publish('to-gone', 'hello')).status, 200);
    const [event] = await events.waitFor(1, 20_000);
    const envelope = JSON.parse(event.data);
    assert.equal(envelope.topic, 'edgehooks.system');
    assert.equal(envelope.token_id, '');
    assert.equal(JSON.parse(envelope.text).type, 'webhook.disabled');
  } finally {
    await events.close();
    gone.close();
  }
});
