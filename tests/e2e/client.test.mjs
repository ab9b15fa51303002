// The `edgehooks/client` package, imported as a user imports it, driving
// every operation of the API under wrangler dev: webhooks, secrets, tests,
// the attempt log, undelivered messages and replays, publishing (idempotent),
// subscriptions that resume by themselves (after a dropped connection and a
// restart of the Worker), keys, and errors as EdgehooksApiError.
//
// The client talks to the Worker through a TCP relay on a fixed port, so the
// same client reaches the Worker again after it restarts on another port.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import { once } from 'node:events';
import { inspect } from 'node:util';
import { Webhook } from 'edgehooks';
import { EdgehooksApiError, EdgehooksClient } from 'edgehooks/client';
import { assertDocumented, assertSchema, newDeployment, openapi, startReceiver, startWorker, eventually } from './harness.mjs';

let deployment, worker, receiver, relay, admin;
/** Answers of the receiver by path: a status (default 204). */
const statuses = new Map();
/** Every URL and header the admin client sent. */
const sent = [];

before(async () => {
  deployment = newDeployment();
  receiver = await startReceiver((path) => ({ status: statuses.get(path) ?? 204 }));
  worker = await startWorker(deployment);
  relay = await startRelay(worker.url);
  const recording = (input, init) => {
    sent.push({ url: String(input), headers: { ...init.headers } });
    return fetch(input, init);
  };
  admin = new EdgehooksClient({ url: relay.url, apiKey: deployment.adminKey, fetch: recording });
});

after(async () => {
  relay?.close();
  await worker?.stop();
  receiver?.close();
  deployment?.remove();
});

/**
 * A TCP relay on 127.0.0.1 to the Worker at `target`: `retarget` points it
 * at another port (null refuses connections), `drop` cuts every connection.
 */
async function startRelay(target) {
  let port = new URL(target).port;
  const sockets = new Set();
  const server = createServer((downstream) => {
    sockets.add(downstream);
    downstream.on('close', () => sockets.delete(downstream));
    downstream.on('error', () => {});
    if (port === null) return downstream.destroy();
    const upstream = connect(Number(port), '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => { sockets.delete(upstream); downstream.destroy(); });
    upstream.on('error', () => downstream.destroy());
    downstream.on('close', () => upstream.destroy());
    downstream.pipe(upstream).pipe(downstream);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    retarget(url) { port = url === null ? null : new URL(url).port; },
    drop() { for (const socket of sockets) socket.destroy(); },
    close() { this.drop(); server.close(); },
  };
}

/** What the promise rejects with. */
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('the promise resolved');
}

/** Fails unless `promise` rejects with an EdgehooksApiError of `code` and `status`. */
async function apiError(promise, code, status) {
  const error = await rejection(promise);
  assert.ok(error instanceof EdgehooksApiError, `not an EdgehooksApiError: ${error?.stack ?? error}`);
  assert.ok(error instanceof Error);
  assert.equal(error.name, 'EdgehooksApiError');
  assert.equal(error.code, code, error.message);
  assert.equal(error.status, status);
  assert.equal(typeof error.message, 'string');
  return error;
}


async function collect(iterator) {
  const items = [];
  for await (const item of iterator) items.push(item);
  return items;
}

const webhookInput = (path, fields = {}) => ({ topics: ['orders'], destination: { postUrl: `${receiver.base}${path}` }, ...fields });

/** The document's rule for webhook names (as the Worker checks them). */
const namePattern = (() => {
  const parameter = openapi.paths['/v1/caches/{cache}/webhooks/{name}'].put.parameters.find((p) => p.name === 'name');
  return parameter.schema.pattern ? new RegExp(parameter.schema.pattern, 'u') : /^.+$/u;
})();

test('the client has one method per operation of the document, named by its operationId, and an iterator per paginated list', () => {
  const operations = [];
  const paginated = [];
  for (const item of Object.values(openapi.paths)) {
    for (const [method, op] of Object.entries(item)) {
      operations.push(op.operationId);
      // Lists are read with GET; a POST that takes a cursor (resealing) lists nothing.
      if (method === 'get' && op.responses['200']?.content?.['application/json']?.schema?.properties?.cursor) paginated.push(op.operationId);
    }
  }
  const methods = Object.getOwnPropertyNames(EdgehooksClient.prototype)
    .filter((name) => name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(EdgehooksClient.prototype, name).value === 'function');
  const iterators = methods.filter((name) => name.startsWith('iterate'));
  assert.deepEqual(methods.filter((name) => !name.startsWith('iterate')).sort(), [...operations].sort());
  assert.deepEqual(iterators.sort(), paginated.map((id) => id.replace(/^list/, 'iterate')).sort());
});

test('getOpenApi returns the document', async () => {
  assert.deepEqual(await admin.getOpenApi(), openapi);
});

describe('webhooks', () => {
  test('create (create only), replace, get, patch, list page by page and with the iterator, delete', async () => {
    const names = ['w-1', 'w.2', 'w_3', 'w4', 'w5'];
    const created = [];
    for (const name of names) {
      const put = await admin.putWebhook('crud', name, webhookInput('/crud', { description: name }), { createOnly: true });
      assertSchema('PutWebhookResponse', put);
      assert.equal(put.created, true);
      assert.match(put.secretString, /^whsec_/);
      created.push(put);
    }
    await apiError(admin.putWebhook('crud', 'w-1', webhookInput('/crud'), { createOnly: true }), 'already_exists', 412);

    const replaced = await admin.putWebhook('crud', 'w-1', webhookInput('/crud', { description: 'replaced', mode: 'sync' }));
    assert.equal(replaced.created, false);
    assert.equal(replaced.secretString, created[0].secretString, 'a replace keeps the secret');
    assert.equal(replaced.webhook.description, 'replaced');
    assert.equal(JSON.stringify(replaced).includes('created"'), false, 'created stays out of the JSON');

    const got = await admin.getWebhook('crud', 'w-1');
    assertSchema('Webhook', got);
    assert.equal(got.mode, 'sync');
    assert.equal(got.statistics.delivered, 0);

    const patched = await admin.patchWebhook('crud', 'w-1', { description: 'patched', headers: { 'x-team': 'shop' }, maxRatePerSecond: 5 });
    assertSchema('Webhook', patched);
    assert.equal(patched.description, 'patched');
    assert.deepEqual(patched.headers, { 'x-team': 'shop' });
    assert.equal(patched.maxRatePerSecond, 5);
    const cleared = await admin.patchWebhook('crud', 'w-1', { maxRatePerSecond: null });
    assert.equal(cleared.maxRatePerSecond, undefined);

    // Pages of two: three pages, then the same with the iterator.
    const pages = [];
    let cursor;
    do {
      const page = await admin.listWebhooks('crud', { limit: 2, cursor });
      assert.ok(page.webhooks.length <= 2);
      pages.push(page.webhooks.map((w) => w.id.webhookName));
      cursor = page.cursor ?? undefined;
    } while (cursor);
    assert.equal(pages.length, 3);
    assert.deepEqual(pages.flat(), [...names].sort());
    const listed = sent.length;
    const all = await collect(admin.iterateWebhooks('crud', { limit: 2 }));
    assert.deepEqual(all.map((w) => w.id.webhookName), [...names].sort());
    all.forEach((w) => assertSchema('Webhook', w));
    assert.equal(sent.length - listed, 3, 'the iterator fetched three pages');
    assert.ok(sent.slice(listed).every((r) => new URL(r.url).searchParams.get('limit') === '2'));
    // Leaving the loop early fetches no more pages.
    const before = sent.length;
    for await (const webhook of admin.iterateWebhooks('crud', { limit: 2 })) {
      assert.equal(webhook.id.webhookName, 'w-1');
      break;
    }
    assert.equal(sent.length - before, 1);

    await admin.deleteWebhook('crud', 'w5');
    await apiError(admin.getWebhook('crud', 'w5'), 'not_found', 404);
    await apiError(admin.deleteWebhook('crud', 'w5'), 'not_found', 404);
  });

  test('names are percent-encoded, each as one path segment', async () => {
    const name = 'new hook ?#%+& é ✓';
    const topic = 'topic ✓ é';
    const before = sent.length;
    const put = admin.putWebhook('enc', name, webhookInput('/enc', { topics: [topic] }));
    assert.equal(new URL(sent[before].url).pathname, `/v1/caches/enc/webhooks/${encodeURIComponent(name)}`);
    if (!namePattern.test(name) || !namePattern.test(topic)) {
      // The Worker gets the whole name in its segment and refuses it by its rule.
      await apiError(put, 'invalid_name', 400);
      return;
    }
    const { secretString, webhook } = await put;
    assert.equal(webhook.id.webhookName, name);
    assert.deepEqual(webhook.topics, [topic]);
    assert.equal((await admin.getWebhook('enc', name)).id.webhookName, name);
    assert.deepEqual((await collect(admin.iterateWebhooks('enc'))).map((w) => w.id.webhookName), [name]);
    assert.equal((await admin.patchWebhook('enc', name, { description: 'encoded' })).description, 'encoded');
    assert.equal((await admin.getWebhookSecret('enc', name)).secret, secretString);

    let opened;
    const open = new Promise((resolve) => { opened = resolve; });
    const iterator = admin.subscribe('enc', topic, { onOpen: opened });
    const next = iterator.next();
    await open;
    assert.ok(sent.at(-1).url.endsWith(`/v1/caches/enc/topics/${encodeURIComponent(topic)}/subscribe`));
    const published = await admin.publish('enc', topic, 'encoded topic');
    assert.equal(published.topic, topic);
    const { value } = await next;
    await iterator.return();
    assert.deepEqual([value.topic, value.text], [topic, 'encoded topic']);
    const [request] = await receiver.waitFor('/enc', 1);
    assert.equal(new Webhook(secretString).verify(request.body, request.headers).topic, topic);
    assert.equal((await admin.listAttempts('enc', name)).attempts.length, 1);
    await admin.deleteWebhook('enc', name);
    await apiError(admin.getWebhook('enc', name), 'not_found', 404);
  });

  test('secret: get, rotate with a grace period, rotate to a given secret; deliveries are signed with it', async () => {
    const { secretString } = await admin.putWebhook('sec', 'hook', webhookInput('/sec'));
    const secret = await admin.getWebhookSecret('sec', 'hook');
    assertSchema('Secret', secret);
    assert.deepEqual([secret.secret, secret.cacheName, secret.webhookName], [secretString, 'sec', 'hook']);

    const rotated = await admin.rotateWebhookSecret('sec', 'hook', { graceSeconds: 60 });
    assertSchema('Secret', rotated);
    assert.notEqual(rotated.secret, secretString);
    assert.ok(rotated.graceEndsAt > Date.now());

    const own = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const given = await admin.rotateWebhookSecret('sec', 'hook', { secret: own });
    assert.equal(given.secret, own);
    await apiError(admin.rotateWebhookSecret('sec', 'hook', { graceSeconds: 604_801 }), 'invalid_grace_period', 400);

    const attempt = await admin.testWebhook('sec', 'hook');
    assertSchema('Attempt', attempt);
    assert.equal(attempt.delivered, true);
    const [request] = await receiver.waitFor('/sec', 1);
    const event = new Webhook(own).verify(request.body, request.headers);
    assert.deepEqual(JSON.parse(event.text), { type: 'edgehooks.test', webhook: 'hook' });
  });
});

describe('deliveries', () => {
  test('test, the attempt log with filters and its iterator, undelivered messages, replay of a window', async () => {
    const path = '/flaky';
    statuses.set(path, 500);
    await admin.putWebhook('dl', 'flaky', webhookInput(path, { topics: ['jobs'], retry: 'none' }));
    const test = await admin.testWebhook('dl', 'flaky');
    assert.equal(test.delivered, false);
    assert.equal(test.statusCode, 500);
    assert.equal(test.error.code, 'http_status');

    const published = [];
    for (const text of ['one', 'two', 'three']) {
      published.push(await admin.publish('dl', 'jobs', text));
      await new Promise((r) => setTimeout(r, 5)); // distinct publish times
    }
    const undelivered = await eventually(async () => {
      const messages = await collect(admin.iterateUndelivered('dl', 'flaky', { limit: 1 }));
      return messages.length === 3 && messages.every((m) => m.state === 'given_up') && messages;
    });
    assert.deepEqual(undelivered.map((m) => m.topicSequenceNumber), published.map((p) => p.topicSequenceNumber));
    assert.ok(undelivered.every((m) => m.attempts === 1 && m.lastError?.code === 'http_status' && m.reason === 'timed_out'));
    const firstPage = await admin.listUndelivered('dl', 'flaky', { limit: 2 });
    assertDocumented('listUndelivered', { status: 200, json: firstPage });
    assert.equal(firstPage.messages.length, 2);
    assert.equal(typeof firstPage.cursor, 'string');

    // Four failed attempts (the test and three messages), newest first.
    const failed = await collect(admin.iterateAttempts('dl', 'flaky', { status: 'failed', limit: 3 }));
    assert.equal(failed.length, 4);
    failed.forEach((a) => assertSchema('Attempt', a));
    assert.ok(failed.every((a, i) => i === 0 || failed[i - 1].sentAt >= a.sentAt), 'newest first');
    assert.deepEqual(await collect(admin.iterateAttempts('dl', 'flaky', { status: 'delivered' })), []);
    const page = await admin.listAttempts('dl', 'flaky', { limit: 1, since: failed[1].sentAt, until: failed[0].sentAt });
    assert.equal(page.attempts.length, 1);
    assert.equal(typeof page.cursor, 'string');
    assert.deepEqual((await admin.listAttempts('dl', 'flaky', { since: Date.now() + 60_000 })).attempts, []);
    await apiError(admin.listAttempts('dl', 'flaky', { since: 2, until: 1 }), 'invalid_filter', 400);

    // Replay a window holding the last two messages only.
    statuses.delete(path);
    await apiError(admin.replayWebhook('dl', 'flaky', { since: 2, until: 1 }), 'invalid_replay', 400);
    const window = await admin.replayWebhook('dl', 'flaky', { since: published[1].publishTimestamp });
    assert.deepEqual(window, { replayed: 2, undelivered: 2, delivered: 0 });
    const delivered = await receiver.waitFor(path, 1 + 3 + 2);
    assert.deepEqual(delivered.slice(4).map((r) => JSON.parse(r.body).text).sort(), ['three', 'two']);
    const rest = await admin.replayWebhook('dl', 'flaky');
    assert.equal(rest.replayed, 1);
    await receiver.waitFor(path, 7);
    await eventually(async () => (await admin.listUndelivered('dl', 'flaky')).messages.length === 0);
    assert.equal((await admin.getWebhook('dl', 'flaky')).statistics.undelivered, 0);
    const ok = await collect(admin.iterateAttempts('dl', 'flaky', { status: 'delivered', limit: 2 }));
    assert.equal(ok.length, 3);
  });
});

describe('publishing', () => {
  test('text, JSON and bytes; the same idempotency key twice gives the same sequence number', async () => {
    const { secretString } = await admin.putWebhook('pub', 'hook', webhookInput('/pub', { topics: ['news'] }));
    const text = await admin.publish('pub', 'news', 'plain text');
    assertSchema('Published', text);
    assert.equal(text.idempotentReplayed, false);
    const json = await admin.publish('pub', 'news', { order: 42, items: ['a'] });
    const bytes = await admin.publish('pub', 'news', new Uint8Array([0xff, 0x00, 0xfe]));
    const buffer = await admin.publish('pub', 'news', new Uint8Array([1, 2, 3]).buffer);
    assert.deepEqual([text, json, bytes, buffer].map((p) => p.topicSequenceNumber), [1, 2, 3, 4]);
    const requests = await receiver.waitFor('/pub', 4);
    const events = requests.map((r) => new Webhook(secretString).verify(r.body, r.headers)).sort((a, b) => a.topic_sequence_number - b.topic_sequence_number);
    assert.equal(events[0].text, 'plain text');
    assert.deepEqual(JSON.parse(events[1].text), { order: 42, items: ['a'] });
    assert.equal(events[2].bytes, Buffer.from([0xff, 0x00, 0xfe]).toString('base64'));
    assert.equal(events[3].text, '\u0001\u0002\u0003');

    const first = await admin.publish('pub', 'news', { paid: 7 }, { idempotencyKey: 'order-7-paid' });
    const again = await admin.publish('pub', 'news', { paid: 7 }, { idempotencyKey: 'order-7-paid' });
    assert.equal(again.topicSequenceNumber, first.topicSequenceNumber);
    assert.deepEqual(again, first);
    assert.deepEqual([first.idempotentReplayed, again.idempotentReplayed], [false, true]);
    await apiError(admin.publish('pub', 'news', { paid: 8 }, { idempotencyKey: 'order-7-paid' }), 'idempotency_key_reused', 409);
    await apiError(admin.publish('pub', 'news', 'x', { idempotencyKey: 'not visible ascii' }), 'invalid_idempotency_key', 400);
    await apiError(admin.publish('pub', 'news', '{not json', { contentType: 'application/json' }), 'invalid_json', 400);
    assert.equal((await admin.publish('pub', 'news', 'next')).topicSequenceNumber, first.topicSequenceNumber + 1);
  });
});

describe('subscriptions', () => {
  /** Reads `subscription` into `seen`; `opened` has each connection's Last-Event-ID. */
  function reader(topic, options = {}) {
    const controller = new AbortController();
    const seen = [];
    const opened = [];
    const iterator = admin.subscribe('live', topic, {
      signal: controller.signal,
      reconnect: { initialDelayMs: 100, maxDelayMs: 500 },
      onOpen: ({ lastEventId }) => opened.push(lastEventId),
      ...options,
    });
    const done = (async () => {
      for await (const envelope of iterator) seen.push(envelope);
    })();
    return {
      seen,
      opened,
      done,
      abort: () => controller.abort(),
      waitFor: (count) => eventually(() => seen.length >= count && seen, 20_000),
      waitOpened: (count) => eventually(() => opened.length >= count, 30_000),
    };
  }
  const texts = (envelopes) => envelopes.map((e) => [e.topic_sequence_number, e.text]);

  test('published messages arrive as envelopes; an abort ends the loop; lastEventId resumes', async () => {
    const live = reader('feed');
    await live.waitOpened(1);
    for (const text of ['m1', 'm2', 'm3']) await admin.publish('live', 'feed', text);
    const seen = await live.waitFor(3);
    assert.deepEqual(texts(seen), [[1, 'm1'], [2, 'm2'], [3, 'm3']]);
    assert.deepEqual(Object.keys(seen[0]).sort(), ['cache', 'event_timestamp', 'publish_timestamp', 'text', 'token_id', 'topic', 'topic_sequence_number']);
    assert.equal(seen[0].cache, 'live');
    live.abort();
    await live.done;
    assert.deepEqual(live.opened, [undefined]);

    // Published while nobody listens, then read from the topic's buffer.
    await admin.publish('live', 'feed', 'm4');
    await admin.publish('live', 'feed', 'm5');
    const resumed = reader('feed', { lastEventId: 3 });
    assert.deepEqual(texts(await resumed.waitFor(2)), [[4, 'm4'], [5, 'm5']]);
    assert.deepEqual(resumed.opened, ['3']);

    // Leaving the loop closes the connection.
    const iterator = admin.subscribe('live', 'feed', { lastEventId: 4 });
    const { value } = await iterator.next();
    assert.equal(value.text, 'm5');
    await iterator.return();
    resumed.abort();
    await resumed.done;
  });

  test('a subscription resumes by itself after its connection drops and after the Worker restarts', async () => {
    const live = reader('restart');
    await live.waitOpened(1);
    await admin.publish('live', 'restart', 'before');
    await live.waitFor(1);

    relay.drop();
    await live.waitOpened(2);
    assert.equal(live.opened[1], '1', 'reconnected with Last-Event-ID');
    await admin.publish('live', 'restart', 'after a drop');
    await live.waitFor(2);

    await worker.stop();
    relay.retarget(null);
    worker = await startWorker(deployment);
    relay.retarget(worker.url);
    await live.waitOpened(3);
    assert.equal(live.opened.at(-1), '2');
    await admin.publish('live', 'restart', 'after a restart');
    const seen = await live.waitFor(3);
    assert.deepEqual(texts(seen), [[1, 'before'], [2, 'after a drop'], [3, 'after a restart']]);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(live.seen.length, 3, 'nothing twice');
    live.abort();
    await live.done;
    // The webhooks made before the restart are still there.
    assert.equal((await admin.getWebhook('pub', 'hook')).id.webhookName, 'hook');
  });

  test('a refused subscription throws instead of retrying', async () => {
    const { key } = await admin.createKey({ caches: ['live'], permissions: ['manage'] });
    const manager = new EdgehooksClient({ url: relay.url, apiKey: key });
    await apiError(manager.subscribe('live', 'feed').next(), 'forbidden', 403);
    const stranger = new EdgehooksClient({ url: relay.url, apiKey: 'ehk_tok_0000000000000000_nope' });
    await apiError(stranger.subscribe('live', 'feed').next(), 'unauthorized', 401);
  });
});

describe('keys', () => {
  test('create, list with the iterator, use within their scope, delete', async () => {
    const before = await collect(admin.iterateKeys());
    const created = [];
    for (const description of ['one', 'two', 'three']) {
      const key = await admin.createKey({ caches: ['scoped'], permissions: ['publish'], description });
      assertSchema('CreatedKey', key);
      assert.match(key.key, new RegExp(`^ehk_${key.tokenId}_`));
      created.push(key);
    }
    const page = await admin.listKeys({ limit: 1 });
    assert.equal(page.keys.length, 1);
    assert.equal(typeof page.cursor, 'string');
    const all = await collect(admin.iterateKeys({ limit: 2 }));
    all.forEach((k) => assertSchema('Key', k));
    assert.equal(all.length, before.length + 3);
    for (const key of created) {
      const listed = all.find((k) => k.tokenId === key.tokenId);
      assert.deepEqual(listed, { tokenId: key.tokenId, caches: ['scoped'], permissions: ['publish'], description: key.description, createdAt: key.createdAt });
    }

    const publisher = new EdgehooksClient({ url: relay.url, apiKey: created[0].key });
    const published = await publisher.publish('scoped', 'topic', 'hello');
    assert.equal(published.tokenId, created[0].tokenId);
    await apiError(publisher.publish('other', 'topic', 'hello'), 'forbidden', 403);
    await apiError(publisher.putWebhook('scoped', 'hook', webhookInput('/scoped')), 'forbidden', 403);
    await apiError(publisher.listKeys(), 'forbidden', 403);

    await admin.deleteKey(created[0].tokenId);
    await apiError(publisher.publish('scoped', 'topic', 'hello'), 'unauthorized', 401);
    await apiError(admin.deleteKey(created[0].tokenId), 'not_found', 404);
    await apiError(admin.createKey({ caches: [], permissions: ['publish'] }), 'invalid_scope', 400);
    assert.equal((await collect(admin.iterateKeys())).length, before.length + 2);
  });
});

describe('errors', () => {
  test('the API\'s errors are EdgehooksApiError with its code and status', async () => {
    const wrong = new EdgehooksClient({ url: relay.url, apiKey: 'admin_wrong' });
    await apiError(wrong.listWebhooks('shop'), 'unauthorized', 401);
    await apiError(admin.putWebhook('shop', 'bad', { destination: { postUrl: 'not a url' }, topics: ['t'] }), 'invalid_url', 400);
    await apiError(admin.putWebhook('shop', 'bad', webhookInput('/x', { timeoutMs: 5 })), 'invalid_timeout', 400);
    await apiError(admin.patchWebhook('shop', 'missing', { description: 'x' }), 'not_found', 404);
    await apiError(admin.listWebhooks('shop', { limit: 0 }), 'invalid_limit', 400);
    await apiError(admin.listUndelivered('dl', 'flaky', { cursor: 'garbage' }), 'invalid_cursor', 400);
    await apiError(admin.listWebhooks('x'.repeat(1000)), 'invalid_name', 400);
    const error = await apiError(admin.publish('shop', 'big', 'x'.repeat(1024 * 1024 + 1)), 'payload_too_large', 413);
    assert.equal(error.retryAfter, undefined);
  });

  test('no response is network_error; an abort rejects with the signal\'s reason', async () => {
    const closed = new EdgehooksClient({ url: 'http://127.0.0.1:9', apiKey: deployment.adminKey });
    const error = await apiError(closed.getWebhook('shop', 'hook'), 'network_error', 0);
    assert.ok(error.cause);
    const controller = new AbortController();
    controller.abort();
    const aborted = await rejection(admin.listKeys({ signal: controller.signal }));
    assert.equal(aborted.name, 'AbortError');
  });

  test('the key travels only in the Authorization header', async () => {
    const key = deployment.adminKey;
    assert.ok(sent.length > 20);
    for (const request of sent) {
      assert.ok(!request.url.includes(key), request.url);
      if (new URL(request.url).pathname === '/v1/openapi.json') assert.equal(request.headers.authorization, undefined);
      else assert.equal(request.headers.authorization, `Bearer ${key}`);
    }
    assert.ok(!inspect(admin, { showHidden: true, depth: 5 }).includes(key));
    assert.ok(!JSON.stringify(admin).includes(key));
    const error = await rejection(admin.getWebhook('shop', 'missing'));
    assert.ok(!inspect(error).includes(key));
  });
});
