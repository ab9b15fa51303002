// The delivery engine under wrangler dev: each webhook isolated and never
// more than 5 requests open at once, fifo ordering, the receiver's
// Retry-After and 410 Gone, pacing, statistics of what is pending, large
// backlogs (given up and replayed in one go) and messages whose encoded
// size is many times their own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'edgehooks';
import { assertDocumented, client, newDeployment, startReceiver, startWorker, eventually } from './harness.mjs';

let deployment, worker, receiver, admin;
/** Per path: `(n, entry) => answer` for its n-th request (1-based). */
const behaviours = new Map();
const counts = new Map();
/** Requests open now and the most ever open at once, per path. */
const open = new Map();
const peak = new Map();

before(async () => {
  deployment = newDeployment();
  receiver = await startReceiver((path, entry) => {
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    const answer = behaviours.get(path)?.(n, entry) ?? {};
    open.set(path, (open.get(path) ?? 0) + 1);
    entry.closed.then(() => open.set(path, open.get(path) - 1));
    // Counted a moment after it arrives: a connection the Worker closed
    // just before opening this one may reach this process's event loop
    // after it (seen on a loaded machine). A request the Worker really
    // keeps open alongside lasts its whole timeout (1 s), so it counts.
    setTimeout(() => peak.set(path, Math.max(peak.get(path) ?? 0, open.get(path))), 50);
    return answer;
  });
  worker = await startWorker(deployment);
  admin = client(worker.url, deployment.adminKey);
});

after(async () => {
  await worker?.stop();
  receiver?.close();
  deployment?.remove();
});

async function create(name, fields) {
  const res = await admin('PUT', `/v1/caches/engine/webhooks/${name}`, {
    body: { topicName: name, destination: { postUrl: `${receiver.base}/${name}` }, ...fields },
  });
  assert.equal(res.status, 201, res.text);
  return res.json.secretString;
}

async function publish(topic, message) {
  const res = await admin('POST', `/v1/caches/engine/topics/${topic}`, {
    raw: message, headers: { 'content-type': 'text/plain' },
  });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

/** Publishes `count` messages `${prefix}${i}`, `parallel` at a time; returns their numbers. */
async function publishMany(topic, count, prefix = 'm', parallel = 4) {
  const numbers = [];
  let next = 0;
  await Promise.all(Array.from({ length: parallel }, async () => {
    while (next < count) {
      const i = next++;
      numbers[i] = (await publish(topic, `${prefix}${i}`)).topicSequenceNumber;
    }
  }));
  return numbers;
}

async function details(name) {
  const res = await admin('GET', `/v1/caches/engine/webhooks/${name}`);
  assert.equal(res.status, 200, res.text);
  assertDocumented('getWebhook', res);
  return res.json;
}

async function attempts(name) {
  const res = await admin('GET', `/v1/caches/engine/webhooks/${name}/attempts?limit=100`);
  assert.equal(res.status, 200, res.text);
  return res.json.attempts;
}


const text = (request) => JSON.parse(request.body).text;
const sequence = (request) => JSON.parse(request.body).topic_sequence_number;

test('a hanging receiver delays only itself, with at most 5 requests open at once', async () => {
  const names = ['iso-hang', 'iso-ok-1', 'iso-ok-2', 'iso-ok-3'];
  behaviours.set('/iso-hang', () => ({ delayMs: 4_000 }));
  for (const name of names) {
    await create(name, { topicName: 'iso', timeoutMs: 1000, retry: { scheduleSeconds: [1] } });
  }
  const started = Date.now();
  const numbers = await publishMany('iso', 20);
  for (const name of names.slice(1)) {
    const got = await receiver.waitFor(`/${name}`, 20, 10_000);
    assert.deepEqual(got.map(sequence).sort((a, b) => a - b), [...numbers].sort((a, b) => a - b));
  }
  const healthyDone = Date.now() - started;
  // 20 messages at 5 per second (five 1 s timeouts at a time) keep the
  // hanging receiver busy for 4 s and more; the others were done before.
  assert.ok(healthyDone < 4_000, `healthy receivers done after ${healthyDone} ms`);
  assert.ok(receiver.at('/iso-hang').length < 20, 'the hanging receiver is still being worked through');
  await eventually(() => receiver.at('/iso-hang').length >= 10, 10_000, 'hanging attempts');
  assert.ok(peak.get('/iso-hang') <= 5, `at most 5 open at once (saw ${peak.get('/iso-hang')})`);
  const log = await attempts('iso-hang');
  assert.ok(log.some((a) => a.error?.code === 'timeout'));
  const { statistics } = await details('iso-hang');
  assert.ok(statistics.pending > 0, `messages wait: ${JSON.stringify(statistics)}`);
  assert.equal(statistics.undelivered, statistics.pending + statistics.givenUp);
  for (const name of names) {
    assert.equal((await admin('DELETE', `/v1/caches/engine/webhooks/${name}`)).status, 204);
  }
});

test('fifo: one request at a time, first successes in sequence order despite failures', async () => {
  const refused = await admin('PUT', '/v1/caches/engine/webhooks/fifo-sync', {
    body: { topicName: 'x', mode: 'sync', ordering: 'fifo', destination: { postUrl: `${receiver.base}/x` } },
  });
  assert.equal(refused.status, 400);
  assert.equal(refused.json.error.code, 'invalid_ordering');

  // Every odd message fails its first attempt: without fifo, later
  // messages would overtake it.
  const failed = new Set();
  const successes = [];
  behaviours.set('/fifo', (n, entry) => {
    const number = sequence(entry);
    if (number % 2 === 1 && !failed.has(number)) {
      failed.add(number);
      return { status: 503 };
    }
    successes.push(number);
    return { delayMs: 20 };
  });
  const secret = await create('fifo', { ordering: 'fifo', retry: { scheduleSeconds: [1, 1] } });
  assert.equal((await details('fifo')).ordering, 'fifo');
  const numbers = await publishMany('fifo', 8);
  const requests = await receiver.waitFor('/fifo', 12, 20_000);
  assert.deepEqual(successes, [...numbers].sort((a, b) => a - b), 'first successes in sequence order');
  assert.equal(peak.get('/fifo'), 1, 'never two requests at once');
  for (const r of requests) new Webhook(secret).verify(r.body, r.headers);
});

test('Retry-After on 503 and 429 stretches the retry and pauses the endpoint', async () => {
  behaviours.set('/busy', (n) => (n === 1 ? { status: 503, headers: { 'retry-after': '3' } } : {}));
  await create('busy', { retry: { scheduleSeconds: [1] } });
  await publish('busy', 'first');
  const [first] = await receiver.waitFor('/busy', 1);
  await publish('busy', 'second');
  const got = await receiver.waitFor('/busy', 3, 10_000);
  for (const request of got.slice(1)) {
    const waited = request.at - first.at;
    assert.ok(waited >= 2_700, `${text(request)} waited ${waited} ms after the 503 (Retry-After: 3)`);
  }
  assert.deepEqual(got.slice(1).map(text).sort(), ['first', 'second']);
  const log = await attempts('busy');
  const retrying = log.find((a) => a.outcome === 'retrying');
  assert.equal(retrying.statusCode, 503);
  assert.ok(retrying.nextRetryAt - retrying.sentAt >= 2_900, 'the schedule said 1 s; the receiver said 3');

  const date = () => new Date(Date.now() + 3_000).toUTCString();
  behaviours.set('/limited', (n) => (n === 1 ? { status: 429, headers: { 'retry-after': date() } } : {}));
  await create('limited', { retry: { scheduleSeconds: [1] } });
  await publish('limited', 'one');
  const [limited, retried] = await receiver.waitFor('/limited', 2, 10_000);
  assert.ok(retried.at - limited.at >= 1_900, `an HTTP date is honoured too (${retried.at - limited.at} ms)`);
});

test('410 Gone disables the webhook at once, with an event; a replay after re-enabling delivers', async () => {
  await create('watch-gone', { topicName: 'edgehooks.system' });
  behaviours.set('/gone', () => ({ status: 410 }));
  await create('gone', { retry: { scheduleSeconds: [1, 1, 1] } });
  await publish('gone', 'to nobody');
  const [event] = await receiver.waitFor('/watch-gone', 1);
  const body = JSON.parse(text(event));
  assert.deepEqual([body.type, body.webhook, body.reason], ['webhook.disabled', 'gone', 'endpoint answered 410 Gone']);
  const state = await details('gone');
  assert.deepEqual(state.status, { state: 'disabled', reason: 'endpoint answered 410 Gone' });
  assert.equal(state.statistics.givenUp, 1);
  const [attempt] = await attempts('gone');
  assert.deepEqual([attempt.statusCode, attempt.outcome], [410, 'gone']);
  await publish('gone', 'while disabled');
  await new Promise((r) => setTimeout(r, 1_500));
  assert.equal(receiver.at('/gone').length, 1, 'one attempt, no retries, nothing while disabled');

  behaviours.set('/gone', () => ({}));
  assert.equal((await admin('PATCH', '/v1/caches/engine/webhooks/gone', { body: { active: true } })).status, 200);
  const replay = await admin('POST', '/v1/caches/engine/webhooks/gone/replay');
  assert.equal(replay.json.replayed, 1);
  const [, again] = await receiver.waitFor('/gone', 2);
  assert.equal(text(again), 'to nobody');
});

test('maxRatePerSecond paces deliveries without dropping any', async () => {
  await create('paced', { maxRatePerSecond: 5 });
  assert.equal((await details('paced')).maxRatePerSecond, 5);
  await publishMany('paced', 10, 'p', 10);
  const got = await receiver.waitFor('/paced', 10, 10_000);
  const gaps = got.slice(1).map((r, i) => r.at - got[i].at);
  assert.ok(gaps.every((gap) => gap >= 150), `at most 5 per second: gaps ${gaps}`);
  assert.ok(got.at(-1).at - got[0].at >= 1_700, 'ten attempts span about 2 s');
  assert.equal(new Set(got.map(text)).size, 10);
  const cleared = await admin('PATCH', '/v1/caches/engine/webhooks/paced', { body: { maxRatePerSecond: null } });
  assert.equal(cleared.json.maxRatePerSecond, undefined);
  const bad = await admin('PATCH', '/v1/caches/engine/webhooks/paced', { body: { maxRatePerSecond: 0 } });
  assert.equal(bad.json.error.code, 'invalid_rate');
});

test('hundreds of waiting messages are given up in one step and replayed in one step', async () => {
  behaviours.set('/backlog', () => ({ delayMs: 1_500 }));
  await create('backlog', { timeoutMs: 1000, retry: { scheduleSeconds: [600] } });
  await publishMany('backlog', 150, 'b', 8);
  await eventually(async () => (await details('backlog')).statistics.pending === 150, 20_000, '150 pending');
  const off = await admin('PATCH', '/v1/caches/engine/webhooks/backlog', { body: { active: false } });
  assert.equal(off.status, 200);
  const stats = await eventually(async () => {
    const { statistics } = await details('backlog');
    return statistics.givenUp === 150 && statistics;
  }, 10_000, '150 given up');
  assert.deepEqual([stats.pending, stats.undelivered], [0, 150]);

  behaviours.set('/backlog', () => ({}));
  await admin('PATCH', '/v1/caches/engine/webhooks/backlog', { body: { active: true } });
  const seen = receiver.at('/backlog').length;
  const replay = await admin('POST', '/v1/caches/engine/webhooks/backlog/replay');
  assert.equal(replay.json.replayed, 150);
  const all = await receiver.waitFor('/backlog', seen + 150, 30_000);
  assert.equal(new Set(all.slice(seen).map(text)).size, 150, 'each message once');
  await eventually(async () => (await details('backlog')).statistics.undelivered === 0, 10_000, 'all delivered');
});

test('messages are sized after encoding: control characters arrive intact; refused ones take no number', async () => {
  const secret = await create('escaped', {});
  // About 90 KB that JSON escapes to six times its size, and the largest
  // message, escaped likewise.
  const small = '\u0001\u0002\u001f'.repeat(30_000);
  const large = '\u0001'.repeat(1024 * 1024);
  const first = await publish('escaped', small);
  const second = await publish('escaped', large);
  assert.equal(second.topicSequenceNumber, first.topicSequenceNumber + 1);
  const [a, b] = await receiver.waitFor('/escaped', 2, 20_000);
  const texts = [a, b].map((r) => new Webhook(secret).verify(r.body, r.headers).text);
  assert.deepEqual(new Set(texts.map((t) => t.length)), new Set([small.length, large.length]));
  assert.ok(texts.includes(small) && texts.includes(large));

  const tooLarge = await admin('POST', '/v1/caches/engine/topics/escaped', { raw: 'x'.repeat(1024 * 1024 + 1) });
  assert.equal(tooLarge.status, 413);
  assert.equal((await publish('escaped', 'next')).topicSequenceNumber, second.topicSequenceNumber + 1);
});
