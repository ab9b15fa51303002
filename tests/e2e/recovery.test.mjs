// Recovering from failures under wrangler dev: idempotent publishes (one
// number and one delivery for concurrent repeats, the first response given
// again, a key reused for another request refused), replays of a window
// of messages (waiting, given up, or delivered), the list of undelivered
// messages, filters of the attempt log, and the retention that removes old
// history while the statistics stay.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'edgehooks';
import { assertDocumented, client, newDeployment, startReceiver, startWorker, eventually } from './harness.mjs';

let deployment, worker, receiver, admin;
/** Per path: `(n, entry) => answer` for its n-th request (1-based). */
const behaviours = new Map();
const counts = new Map();

before(async () => {
  deployment = newDeployment();
  receiver = await startReceiver((path, entry) => {
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    return behaviours.get(path)?.(n, entry) ?? {};
  });
  worker = await startWorker(deployment);
  admin = client(worker.url, deployment.adminKey);
});

after(async () => {
  await worker?.stop();
  receiver?.close();
  deployment?.remove();
});

async function create(name, fields, call = admin) {
  const res = await call('PUT', `/v1/caches/rec/webhooks/${name}`, {
    body: { topicName: name, destination: { postUrl: `${receiver.base}/${name}` }, ...fields },
  });
  assert.equal(res.status, 201, res.text);
  return res.json.secretString;
}

/** Publishes `message` as text (or `contentType`), with `key` as its Idempotency-Key. */
function publish(topic, message, { key, contentType = 'text/plain', call = admin } = {}) {
  const headers = { 'content-type': contentType };
  if (key !== undefined) headers['idempotency-key'] = key;
  return call('POST', `/v1/caches/rec/topics/${topic}`, { raw: message, headers });
}

async function published(topic, message, options) {
  const res = await publish(topic, message, options);
  assert.equal(res.status, 200, res.text);
  assertDocumented('publish', res);
  return res.json;
}

async function details(name, call = admin) {
  const res = await call('GET', `/v1/caches/rec/webhooks/${name}`);
  assert.equal(res.status, 200, res.text);
  return res.json;
}

async function attempts(name, query = '', call = admin) {
  const res = await call('GET', `/v1/caches/rec/webhooks/${name}/attempts${query}`);
  assert.equal(res.status, 200, res.text);
  assertDocumented('listAttempts', res);
  return res.json;
}

async function undelivered(name, query = '', call = admin) {
  const res = await call('GET', `/v1/caches/rec/webhooks/${name}/undelivered${query}`);
  assert.equal(res.status, 200, res.text);
  assertDocumented('listUndelivered', res);
  return res.json;
}

async function replay(name, body) {
  const res = await admin('POST', `/v1/caches/rec/webhooks/${name}/replay`, { body });
  assert.equal(res.status, 200, res.text);
  assertDocumented('replayWebhook', res);
  return res.json;
}


const text = (request) => JSON.parse(request.body).text;
const replayedHeader = (res) => res.headers.get('idempotent-replayed');

test('ten concurrent publishes with one Idempotency-Key take one number and make one delivery', async () => {
  const secret = await create('once', {});
  const results = await Promise.all(Array.from({ length: 10 }, () => publish('once', 'order 42 paid', { key: 'order-42' })));
  for (const res of results) {
    assert.equal(res.status, 200, res.text);
    assertDocumented('publish', res);
  }
  const numbers = new Set(results.map((res) => res.json.topicSequenceNumber));
  assert.equal(numbers.size, 1, `one number: ${[...numbers]}`);
  assert.equal(results.filter((res) => replayedHeader(res) === 'true').length, 9);
  assert.equal(results.filter((res) => replayedHeader(res) === null).length, 1);
  assert.ok(results.every((res) => res.text === results[0].text), 'the first response, byte for byte');
  assert.equal(results[0].json.asyncDeliveries, 1);

  const later = await publish('once', 'order 42 paid', { key: 'order-42' });
  assert.equal(replayedHeader(later), 'true');
  assert.equal(later.text, results[0].text);
  const [number] = numbers;
  assert.equal((await published('once', 'order 43 paid')).topicSequenceNumber, number + 1, 'the next number is free');

  const got = await receiver.waitFor('/once', 2);
  assert.deepEqual(got.map(text).sort(), ['order 42 paid', 'order 43 paid']);
  for (const request of got) new Webhook(secret).verify(request.body, request.headers);
  const { statistics } = await eventually(async () => {
    const state = await details('once');
    return state.statistics.delivered === 2 && state;
  }, 10_000, 'two deliveries counted');
  assert.equal(statistics.undelivered, 0);
  assert.equal(receiver.at('/once').length, 2, 'each message once');
});

test('repeats of a publish with sync webhooks get the first response whole, sync results included', async () => {
  behaviours.set('/sync-once', () => ({ delayMs: 300 }));
  await create('sync-once', { mode: 'sync' });
  const results = await Promise.all(Array.from({ length: 5 }, () => publish('sync-once', 'now', { key: 'sync-1' })));
  for (const res of results) assert.equal(res.status, 200, res.text);
  assert.equal(new Set(results.map((res) => res.text)).size, 1, 'one response for all');
  const [first] = results;
  assert.equal(first.json.syncDeliveries.length, 1);
  assert.equal(first.json.syncDeliveries[0].delivered, true);
  assert.equal(results.filter((res) => replayedHeader(res) === 'true').length, 4);
  assert.equal(receiver.at('/sync-once').length, 1, 'attempted once');
  const log = await attempts('sync-once');
  assert.equal(log.attempts.length, 1);
});

test('a key reused for another body or content type is refused; malformed keys are refused', async () => {
  await create('reuse', {});
  const first = await published('reuse', '"a"', { key: 'k-1' });
  for (const [message, contentType] of [['"b"', 'text/plain'], ['"a"', 'application/json']]) {
    const refused = await publish('reuse', message, { key: 'k-1', contentType });
    assert.equal(refused.status, 409, refused.text);
    assertDocumented('publish', refused);
    assert.equal(refused.json.error.code, 'idempotency_key_reused');
  }
  // Keys are per topic: another topic's k-1 is another key.
  const elsewhere = await publish('reuse-elsewhere', '"b"', { key: 'k-1' });
  assert.equal(elsewhere.status, 200, elsewhere.text);
  assert.equal(replayedHeader(elsewhere), null);
  for (const key of ['', 'has space', 'k'.repeat(257)]) {
    const bad = await publish('reuse', '"c"', { key });
    assert.equal(bad.status, 400, `${JSON.stringify(key)}: ${bad.text}`);
    assertDocumented('publish', bad);
    assert.equal(bad.json.error.code, 'invalid_idempotency_key');
  }
  const longest = await published('reuse', '"c"', { key: '!'.repeat(256) });
  assert.equal(longest.topicSequenceNumber, first.topicSequenceNumber + 1, 'refused calls took no number');
  await receiver.waitFor('/reuse', 2);
});

test('a replay sends again only the messages published in its window; "all" includes delivered ones', async () => {
  let failing = true;
  behaviours.set('/window', () => (failing ? { status: 500 } : {}));
  await create('window', { retry: 'none' });
  const sent = [];
  for (const message of ['w1', 'w2', 'w3']) sent.push(await published('window', message));
  const [t1, t2, t3] = sent.map((p) => p.publishTimestamp);
  assert.ok(t1 < t2 && t2 < t3, `publish times ${t1} ${t2} ${t3}`);
  await eventually(async () => (await undelivered('window')).messages.filter((m) => m.state === 'given_up').length === 3,
    10_000, 'three given up');
  failing = false;

  assert.deepEqual(await replay('window', { since: t2, until: t2 }), { replayed: 1, undelivered: 1, delivered: 0 });
  const [, , , fourth] = await receiver.waitFor('/window', 4);
  assert.equal(text(fourth), 'w2');
  await eventually(async () => (await undelivered('window')).messages.length === 2, 10_000, 'two left');
  assert.deepEqual(await replay('window', { until: t1 }), { replayed: 1, undelivered: 1, delivered: 0 });
  assert.equal(text((await receiver.waitFor('/window', 5))[4]), 'w1');
  assert.equal((await replay('window', {})).replayed, 1);
  assert.equal(text((await receiver.waitFor('/window', 6))[5]), 'w3');
  await eventually(async () => (await details('window')).statistics.undelivered === 0, 10_000, 'all delivered');

  const again = await replay('window', { since: t1, until: t1 });
  assert.equal(again.replayed, 0, 'delivered messages are not undelivered');
  const all = await replay('window', { since: t1, until: t2, status: 'all' });
  assert.deepEqual(all, { replayed: 2, undelivered: 0, delivered: 2 });
  const requests = await receiver.waitFor('/window', 8);
  assert.deepEqual(requests.slice(6).map(text).sort(), ['w1', 'w2']);
  const firstW1 = requests.find((r) => text(r) === 'w1');
  assert.equal(requests.slice(6).find((r) => text(r) === 'w1').headers['webhook-id'], firstW1.headers['webhook-id'],
    'a replay keeps the webhook-id');

  for (const [body, code] of [
    [{ status: 'some' }, 'invalid_replay'],
    [{ since: 9, until: 1 }, 'invalid_replay'],
    [{ since: 'yesterday' }, 'invalid_json'],
    [{ before: 1 }, 'invalid_json'],
  ]) {
    const bad = await admin('POST', '/v1/caches/rec/webhooks/window/replay', { body });
    assert.equal(bad.status, 400, JSON.stringify(body));
    assertDocumented('replayWebhook', bad);
    assert.equal(bad.json.error.code, code, JSON.stringify(body));
  }
});

test('a replay re-queues a message waiting for a distant retry, which then goes at once', async () => {
  behaviours.set('/waiting', (n) => (n === 1 ? { status: 503 } : {}));
  await create('waiting', { retry: { scheduleSeconds: [3600] } });
  const { topicSequenceNumber, publishTimestamp } = await published('waiting', 'later');
  await receiver.waitFor('/waiting', 1);
  const [message] = await eventually(async () => {
    const { messages } = await undelivered('waiting');
    return messages[0]?.attempts === 1 && messages;
  }, 10_000, 'one failed attempt noted');
  assert.equal(message.state, 'pending');
  assert.equal(message.topicSequenceNumber, topicSequenceNumber);
  assert.equal(message.publishTimestamp, publishTimestamp);
  assert.equal(message.lastError.code, 'http_status');
  assert.ok(message.nextRetryAt > Date.now() + 2_500_000, 'the retry is an hour away (less 20% jitter at most)');
  assert.equal(message.givenUpAt, null);

  assert.deepEqual(await replay('waiting'), { replayed: 1, undelivered: 1, delivered: 0 });
  const [first, second] = await receiver.waitFor('/waiting', 2);
  assert.equal(second.headers['webhook-id'], first.headers['webhook-id']);
  assert.equal(message.webhookId, first.headers['webhook-id']);
  await eventually(async () => (await undelivered('waiting')).messages.length === 0, 10_000, 'nothing owed');
});

test('the undelivered messages list pages oldest first, with what waits and what was given up', async () => {
  behaviours.set('/owed', () => ({ status: 500 }));
  await create('owed', { retry: { scheduleSeconds: [3600] } });
  const numbers = [];
  for (let i = 0; i < 5; i += 1) numbers.push((await published('owed', `o${i}`)).topicSequenceNumber);
  await eventually(async () => {
    const { messages } = await undelivered('owed');
    return messages.length === 5 && messages.every((m) => m.attempts === 1 && m.lastError?.code === 'http_status');
  }, 10_000, 'five attempted once');

  const pages = [];
  let cursor = null;
  do {
    const page = await undelivered('owed', `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    pages.push(page.messages);
    cursor = page.cursor;
  } while (cursor);
  assert.deepEqual(pages.map((p) => p.length), [2, 2, 1]);
  const listed = pages.flat();
  assert.deepEqual(listed.map((m) => m.topicSequenceNumber), numbers, 'oldest first, each once');
  assert.ok(listed.every((m) => m.state === 'pending' && m.nextRetryAt > Date.now() && m.reason === null));

  const off = await admin('PATCH', '/v1/caches/rec/webhooks/owed', { body: { active: false } });
  assert.equal(off.status, 200, off.text);
  const { messages } = await eventually(async () => {
    const page = await undelivered('owed');
    return page.messages.every((m) => m.state === 'given_up') && page;
  }, 10_000, 'given up when switched off');
  assert.equal(messages.length, 5);
  assert.ok(messages.every((m) => m.reason === 'switched_off' && m.nextRetryAt === null && m.givenUpAt > 0));

  const badCursor = await admin('GET', '/v1/caches/rec/webhooks/owed/undelivered?cursor=attempt/000000000001');
  assert.equal(badCursor.status, 400);
  assert.equal(badCursor.json.error.code, 'invalid_cursor');
  const badLimit = await admin('GET', '/v1/caches/rec/webhooks/owed/undelivered?limit=0');
  assert.equal(badLimit.json.error.code, 'invalid_limit');
  const missing = await admin('GET', '/v1/caches/rec/webhooks/nobody/undelivered');
  assert.equal(missing.status, 404);
  assertDocumented('listUndelivered', missing);
});

test('the attempt log filters by outcome and by time, page by page', async () => {
  behaviours.set('/mixed', (n) => (n % 2 === 0 ? { status: 500 } : {}));
  await create('mixed', { retry: 'none', ordering: 'fifo' });
  for (let i = 0; i < 6; i += 1) await published('mixed', `x${i}`);
  const { attempts: all } = await eventually(async () => {
    const page = await attempts('mixed', '?limit=100');
    return page.attempts.length === 6 && page;
  }, 10_000, 'six attempts');
  const failed = await attempts('mixed', '?status=failed');
  assert.equal(failed.attempts.length, 3);
  assert.ok(failed.attempts.every((a) => !a.delivered && a.outcome === 'timed_out'));
  const delivered = await attempts('mixed', '?status=delivered');
  assert.equal(delivered.attempts.length, 3);
  assert.ok(delivered.attempts.every((a) => a.delivered));

  const times = all.map((a) => a.sentAt).sort((a, b) => a - b);
  const middle = all.find((a) => a.sentAt === times[3]);
  const exact = await attempts('mixed', `?since=${middle.sentAt}&until=${middle.sentAt}`);
  assert.ok(exact.attempts.some((a) => a.webhookId === middle.webhookId));
  assert.ok(exact.attempts.every((a) => a.sentAt === middle.sentAt));
  const fromMiddle = await attempts('mixed', `?since=${times[3]}`);
  assert.equal(fromMiddle.attempts.length, all.filter((a) => a.sentAt >= times[3]).length);
  assert.equal((await attempts('mixed', `?since=${times[5] + 1}`)).attempts.length, 0);

  const firstPage = await attempts('mixed', '?status=failed&limit=2');
  assert.equal(firstPage.attempts.length, 2);
  const secondPage = await attempts('mixed', `?status=failed&limit=2&cursor=${firstPage.cursor}`);
  assert.equal(secondPage.attempts.length, 1);
  assert.equal(secondPage.cursor, null);
  const paged = [...firstPage.attempts, ...secondPage.attempts].map((a) => a.webhookId);
  assert.deepEqual(paged, failed.attempts.map((a) => a.webhookId), 'newest first, each once');

  for (const query of ['status=ok', 'since=yesterday', 'until=-1', 'since=5&until=4']) {
    const bad = await admin('GET', `/v1/caches/rec/webhooks/mixed/attempts?${query}`);
    assert.equal(bad.status, 400, query);
    assertDocumented('listAttempts', bad);
    assert.equal(bad.json.error.code, 'invalid_filter', query);
  }
});

test('retention removes old attempts and given-up messages; statistics stay, across a restart too', async () => {
  // 0.00005 days: about 4.3 s.
  const short = newDeployment({ RETENTION_DAYS: '0.00005' });
  let running = await startWorker(short);
  try {
    let api = client(running.url, short.adminKey);
    behaviours.set('/lost', () => ({ status: 500 }));
    await create('kept', {}, api);
    await create('lost', { retry: 'none' }, api);
    for (const message of ['k1', 'k2', 'k3']) await published('kept', message, { call: api });
    await published('lost', 'l1', { call: api });
    await receiver.waitFor('/kept', 3);
    await receiver.waitFor('/lost', 1);
    await eventually(async () => (await undelivered('lost', '', api)).messages.length === 1, 10_000, 'one given up');

    await eventually(async () => {
      const [kept, lost, owed] = await Promise.all([
        attempts('kept', '', api), attempts('lost', '', api), undelivered('lost', '', api),
      ]);
      return kept.attempts.length === 0 && lost.attempts.length === 0 && owed.messages.length === 0;
    }, 40_000, 'old history removed');
    const check = async () => {
      const kept = (await details('kept', api)).statistics;
      assert.deepEqual([kept.delivered, kept.failed, kept.undelivered], [3, 0, 0]);
      assert.ok(kept.lastSuccessAt > 0);
      const lost = (await details('lost', api)).statistics;
      assert.deepEqual([lost.delivered, lost.failed, lost.givenUp], [0, 1, 0]);
    };
    await check();

    await running.stop();
    running = await startWorker(short);
    api = client(running.url, short.adminKey);
    await check();
    assert.equal((await attempts('kept', '', api)).attempts.length, 0);
    // The log goes on after what was removed.
    await published('kept', 'k4', { call: api });
    await receiver.waitFor('/kept', 4);
    const { attempts: log } = await eventually(async () => {
      const page = await attempts('kept', '', api);
      return page.attempts.length === 1 && page;
    }, 10_000, 'the new attempt logged');
    assert.equal(log[0].delivered, true);
    assert.equal((await details('kept', api)).statistics.delivered, 4);
  } finally {
    await running.stop();
    short.remove();
  }
});
