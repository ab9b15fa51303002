// Durable delivery under wrangler dev: stored attempts, retries on a short
// schedule, dead letters and replay, the attempt log and statistics,
// deletes and rotations affecting pending retries, and auto-disable.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'edgehooks';
import { assertDocumented, client, newDeployment, startReceiver, startWorker, eventually } from './harness.mjs';

const DISABLE_AFTER_SECONDS = 3;
let deployment, worker, receiver, admin;
/**
 * Per-path answers: `fail` (the first n requests fail), `failEvery` (every
 * n-th fails), `hang` (ms before answering), or a fixed `status`.
 */
const modes = new Map();
const counts = new Map();

before(async () => {
  deployment = newDeployment({ AUTO_DISABLE_AFTER_SECONDS: DISABLE_AFTER_SECONDS });
  receiver = await startReceiver((path) => {
    const mode = modes.get(path) ?? {};
    const n = (counts.get(path) ?? 0) + 1;
    counts.set(path, n);
    if (mode.hang) return { delayMs: mode.hang };
    if (mode.status) return { status: mode.status };
    if (n <= (mode.fail ?? 0)) return { status: 503 };
    if (mode.failEvery && n % mode.failEvery === 0) return { status: 500 };
    return {};
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
  const res = await admin('PUT', `/v1/caches/dl/webhooks/${name}`, { body: { topicName: name, ...fields } });
  assert.equal(res.status, 201, res.text);
  return res.json.secretString;
}

async function publish(topic, message) {
  const res = await admin('POST', `/v1/caches/dl/topics/${topic}`, { raw: message, headers: { 'content-type': 'text/plain' } });
  assert.equal(res.status, 200, res.text);
  return res.json;
}

async function attempts(name, query = '') {
  const res = await admin('GET', `/v1/caches/dl/webhooks/${name}/attempts${query}`);
  assert.equal(res.status, 200, res.text);
  assertDocumented('listAttempts', res);
  return res.json;
}

async function details(name) {
  const res = await admin('GET', `/v1/caches/dl/webhooks/${name}`);
  assert.equal(res.status, 200, res.text);
  assertDocumented('getWebhook', res);
  return res.json;
}


const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('a failing receiver is retried on the schedule until it succeeds, with one webhook-id', async () => {
  const path = '/flaky';
  modes.set(path, { fail: 2 });
  const secret = await create('flaky', { retry: { scheduleSeconds: [1, 1, 1] }, destination: { postUrl: receiver.base + path } });
  const published = await publish('flaky', 'eventually');
  assert.equal(published.asyncDeliveries, 1);
  const got = await receiver.waitFor(path, 3, 15_000);
  const ids = new Set(got.map((r) => r.headers['webhook-id']));
  assert.equal(ids.size, 1, 'the same webhook-id on every attempt');
  for (const r of got) assert.equal(new Webhook(secret).verify(r.body, r.headers).text, 'eventually');
  for (let i = 1; i < got.length; i += 1) {
    const gap = got[i].at - got[i - 1].at;
    assert.ok(gap >= 750 && gap < 3000, `retry ${i} after ${gap} ms (schedule: 1 s +-20%)`);
  }
  const log = await eventually(async () => {
    const page = await attempts('flaky');
    return page.attempts.length === 3 && page;
  });
  assert.deepEqual(log.attempts.map((a) => [a.attempt, a.outcome, a.statusCode]), [[3, 'delivered', 204], [2, 'retrying', 503], [1, 'retrying', 503]]);
  assert.ok(log.attempts[1].nextRetryAt > log.attempts[1].sentAt);
  assert.equal(log.attempts[2].error.code, 'http_status');
  assert.equal(log.attempts[0].topicSequenceNumber, published.topicSequenceNumber);
  const { statistics } = await details('flaky');
  assert.deepEqual(
    [statistics.delivered, statistics.failed, statistics.undelivered, statistics.failingSince],
    [1, 2, 0, null],
  );
  await sleep(1500);
  assert.equal(receiver.at(path).length, 3, 'nothing after the success');
});

test('exhausted schedules dead-letter; replay delivers the dead letters once', async () => {
  const path = '/dead';
  modes.set(path, { status: 500 });
  await create('dead', { retry: { scheduleSeconds: [1] }, destination: { postUrl: receiver.base + path } });
  await publish('dead', 'first');
  await publish('dead', 'second');
  // One retry keeps each message's failures well inside the suite's
  // 3 s auto-disable period.
  await receiver.waitFor(path, 4, 15_000);
  const log = await eventually(async () => {
    const page = await attempts('dead');
    return page.attempts.filter((a) => a.outcome === 'dead_lettered').length === 2 && page;
  });
  assert.equal(log.attempts.length, 4);
  assert.equal((await details('dead')).statistics.undelivered, 2);
  const firstIds = new Set(receiver.at(path).map((r) => r.headers['webhook-id']));

  modes.set(path, {});
  const replay = await admin('POST', '/v1/caches/dl/webhooks/dead/replay');
  assert.equal(replay.status, 200, replay.text);
  assertDocumented('replayWebhook', replay);
  assert.equal(replay.json.replayed, 2);
  const all = await receiver.waitFor(path, 6);
  const replayed = all.slice(4);
  assert.deepEqual(new Set(replayed.map((r) => JSON.parse(r.body).text)), new Set(['first', 'second']));
  assert.deepEqual(new Set(replayed.map((r) => r.headers['webhook-id'])), firstIds, 'replays keep their webhook-id');
  const again = await admin('POST', '/v1/caches/dl/webhooks/dead/replay', { body: { since: 0 } });
  assert.equal(again.json.replayed, 0, 'delivered messages are not dead letters any more');
});

test('retry "none" makes one attempt and marks the message timed out; timeouts and refused connections are failures', async () => {
  modes.set('/hang', { hang: 3000 });
  await create('once', { retry: 'none', timeoutMs: 1000, destination: { postUrl: `${receiver.base}/hang` } });
  await publish('once', 'only once');
  const log = await eventually(async () => (await attempts('once')).attempts[0]);
  assert.equal(log.outcome, 'timed_out');
  assert.equal(log.error.code, 'timeout');
  assert.ok(log.latencyMs >= 1000 && log.latencyMs < 2500, `${log.latencyMs} ms`);
  await sleep(1500);
  assert.equal(receiver.at('/hang').length, 1);

  await create('refused', { retry: { scheduleSeconds: [1] }, destination: { postUrl: 'http://127.0.0.1:9/refused' } });
  await publish('refused', 'nobody home');
  const refused = await eventually(async () => {
    const page = await attempts('refused');
    return page.attempts.length === 2 && page.attempts;
  });
  assert.deepEqual(refused.map((a) => [a.outcome, a.error.code]), [['dead_lettered', 'connection_failed'], ['retrying', 'connection_failed']]);
});

test('deleting or inactivating a webhook stops its pending retries', async () => {
  for (const name of ['gone', 'paused']) {
    modes.set(`/${name}`, { status: 500 });
    await create(name, { retry: { scheduleSeconds: [2, 2] }, destination: { postUrl: `${receiver.base}/${name}` } });
    await publish(name, 'stop me');
  }
  await receiver.waitFor('/gone', 1);
  await receiver.waitFor('/paused', 1);
  assert.equal((await admin('DELETE', '/v1/caches/dl/webhooks/gone')).status, 204);
  assert.equal((await admin('PATCH', '/v1/caches/dl/webhooks/paused', { body: { active: false } })).status, 200);
  await sleep(5000);
  assert.equal(receiver.at('/gone').length, 1, 'nothing after the delete');
  assert.equal(receiver.at('/paused').length, 1, 'nothing while inactive');
  const recreated = await admin('PUT', '/v1/caches/dl/webhooks/gone', {
    body: { topicName: 'gone', destination: { postUrl: `${receiver.base}/gone` } },
  });
  assert.equal(recreated.status, 201);
  assert.equal((await attempts('gone')).attempts.length, 0, 'a new webhook starts with an empty log');
});

test('a rotation applies to retries not yet sent', async () => {
  const path = '/rotate';
  modes.set(path, { fail: 1 });
  const old = await create('rotate', { retry: { scheduleSeconds: [2] }, destination: { postUrl: receiver.base + path } });
  await publish('rotate', 'rotated');
  await receiver.waitFor(path, 1);
  const rotated = await admin('POST', '/v1/caches/dl/webhooks/rotate/secret/rotate');
  const [first, second] = await receiver.waitFor(path, 2);
  new Webhook(old).verify(first.body, first.headers);
  assert.equal(new Webhook(rotated.json.secret).verify(second.body, second.headers).text, 'rotated');
  assert.throws(() => new Webhook(old).verify(second.body, second.headers), { code: 'invalid_signature' });
});

test('a failed sync delivery continues on the retry path', async () => {
  const path = '/sync-retry';
  modes.set(path, { fail: 1 });
  await create('sync-retry', { mode: 'sync', retry: { scheduleSeconds: [1] }, destination: { postUrl: receiver.base + path } });
  const published = await publish('sync-retry', 'try again');
  const [result] = published.syncDeliveries;
  assert.equal(result.delivered, false);
  assert.equal(result.outcome, 'retrying');
  const [, retried] = await receiver.waitFor(path, 2);
  assert.equal(retried.headers['webhook-id'], result.webhookId);
});

test('many messages to a flaky receiver: every one delivered exactly once, none lost', async () => {
  const path = '/many';
  modes.set(path, { failEvery: 3 });
  const secret = await create('many', { retry: { scheduleSeconds: [1, 1, 1] }, destination: { postUrl: receiver.base + path } });
  const sent = [];
  for (let i = 0; i < 20; i += 1) sent.push((await publish('many', `m${i}`)).topicSequenceNumber);
  const delivered = await eventually(async () => {
    const page = await attempts('many', '?limit=100');
    const ok = page.attempts.filter((a) => a.outcome === 'delivered');
    return ok.length === 20 && ok;
  }, 20_000);
  assert.deepEqual(delivered.map((a) => a.topicSequenceNumber).sort((a, b) => a - b), sent);
  const received = receiver.at(path).filter((r) => {
    new Webhook(secret).verify(r.body, r.headers);
    return true;
  });
  assert.ok(received.length > 20, 'some attempts failed and were retried');
  const { statistics } = await details('many');
  assert.equal(statistics.delivered, 20);
  assert.equal(statistics.undelivered, 0);
  // The log pages newest first.
  const first = await attempts('many', '?limit=5');
  const second = await attempts('many', `?limit=5&cursor=${first.cursor}`);
  assert.equal(first.attempts.length, 5);
  assert.equal(second.attempts.length, 5);
  const bad = await admin('GET', '/v1/caches/dl/webhooks/many/attempts?cursor=nope');
  assert.equal(bad.json.error.code, 'invalid_cursor');
});

test('a large message travels by reference and arrives whole', async () => {
  const secret = await create('large', { destination: { postUrl: `${receiver.base}/large` } });
  const big = 'x'.repeat(300 * 1024);
  await publish('large', big);
  const [request] = await receiver.waitFor('/large', 1);
  assert.equal(new Webhook(secret).verify(request.body, request.headers).text, big);
});

test('a webhook failing for the configured period is disabled, with an event on the system topic', async () => {
  await create('watcher', { topicName: 'edgehooks.system', destination: { postUrl: `${receiver.base}/watcher` } });
  modes.set('/broken', { status: 500 });
  await create('broken', { retry: { scheduleSeconds: [1, 1, 1, 1, 1, 1, 1, 1] }, destination: { postUrl: `${receiver.base}/broken` } });
  await publish('broken', 'will fail');
  const [event] = await receiver.waitFor('/watcher', 1, 20_000);
  const body = JSON.parse(JSON.parse(event.body).text);
  assert.equal(body.type, 'webhook.disabled');
  assert.equal(body.webhook, 'broken');
  const state = await details('broken');
  assert.equal(state.status.state, 'disabled');
  assert.match(state.status.reason, /without a success/);
  const attemptsAtDisable = receiver.at('/broken').length;
  assert.ok(attemptsAtDisable >= DISABLE_AFTER_SECONDS, `${attemptsAtDisable} attempts`);
  await sleep(2500);
  assert.equal(receiver.at('/broken').length, attemptsAtDisable, 'no attempts once disabled');
  const enabled = await admin('PATCH', '/v1/caches/dl/webhooks/broken', { body: { active: true } });
  assert.equal(enabled.json.status.state, 'active');
});
