// Crashes: the runtime killed with SIGKILL while messages are published,
// and while retries wait; after a restart on the same state every accepted
// delivery arrives (a delivery in flight at the kill may arrive twice).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook } from 'edgehooks';
import { client, newDeployment, startReceiver, startWorker } from './harness.mjs';

const WEBHOOKS = 4;
const failFirst = new Set();
const receiver = await startReceiver((path, entry) => {
  const key = `${path} ${entry.headers['webhook-id']}`;
  if (path.startsWith('/retry') && !failFirst.has(key)) {
    failFirst.add(key);
    entry.failed = true;
    return { status: 503 };
  }
  return {};
});
after(() => receiver.close());

/** Webhooks `${prefix}0..` on topic `prefix`; returns their secrets. */
async function createWebhooks(admin, prefix, fields = {}) {
  const secrets = [];
  for (let i = 0; i < WEBHOOKS; i += 1) {
    const res = await admin('PUT', `/v1/caches/crash/webhooks/${prefix}${i}`, {
      body: { topicName: prefix, destination: { postUrl: `${receiver.base}/${prefix}${i}` }, ...fields },
    });
    assert.equal(res.status, 201, res.text);
    secrets.push(res.json.secretString);
  }
  return secrets;
}

/**
 * Waits until each webhook got every accepted number (answered 2xx);
 * returns how many arrived twice.
 */
async function allArrive(prefix, accepted, secrets, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    let missing = 0;
    let duplicates = 0;
    for (let i = 0; i < WEBHOOKS; i += 1) {
      const got = receiver.at(`/${prefix}${i}`).filter((r) => !r.failed);
      const numbers = got.map((r) => new Webhook(secrets[i]).verify(r.body, r.headers).topic_sequence_number);
      const unique = new Set(numbers);
      duplicates += numbers.length - unique.size;
      missing += accepted.filter((n) => !unique.has(n)).length;
    }
    if (missing === 0) return duplicates;
    if (Date.now() > deadline) throw new Error(`${missing} accepted deliveries never arrived`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('a SIGKILL halfway through publishing loses no accepted delivery', async (t) => {
  const deployment = newDeployment();
  t.after(() => deployment.remove());
  let worker = await startWorker(deployment);
  const admin = client(worker.url, deployment.adminKey);
  const secrets = await createWebhooks(admin, 'pub');
  const accepted = [];
  let killed = false;
  await Promise.all(Array.from({ length: 4 }, async () => {
    while (!killed) {
      try {
        const res = await admin('POST', '/v1/caches/crash/topics/pub', { raw: `m${accepted.length}` });
        if (res.status === 200) accepted.push(res.json.topicSequenceNumber);
      } catch {
        return; // refused by the killed runtime: never accepted
      }
      if (accepted.length >= 40 && !killed) {
        killed = true;
        await worker.kill();
      }
    }
  }));
  worker = await startWorker(deployment);
  t.after(() => worker.stop());
  const duplicates = await allArrive('pub', accepted, secrets);
  t.diagnostic(`${accepted.length * WEBHOOKS} accepted deliveries, all arrived; ${duplicates} twice`);
  const next = await client(worker.url, deployment.adminKey)('POST', '/v1/caches/crash/topics/pub', { raw: 'after' });
  assert.ok(next.json.topicSequenceNumber > Math.max(...accepted), 'numbering continues past every accepted message');
});

test('a SIGKILL while retries wait: they are made after the restart', async (t) => {
  const deployment = newDeployment();
  t.after(() => deployment.remove());
  let worker = await startWorker(deployment);
  const admin = client(worker.url, deployment.adminKey);
  const secrets = await createWebhooks(admin, 'retry', { retry: { scheduleSeconds: [2] } });
  const accepted = [];
  for (let i = 0; i < 10; i += 1) {
    const res = await admin('POST', '/v1/caches/crash/topics/retry', { raw: `r${i}` });
    assert.equal(res.status, 200);
    accepted.push(res.json.topicSequenceNumber);
  }
  for (let i = 0; i < WEBHOOKS; i += 1) await receiver.waitFor(`/retry${i}`, 10);
  await worker.kill();
  worker = await startWorker(deployment);
  t.after(() => worker.stop());
  await allArrive('retry', accepted, secrets);
  const log = await client(worker.url, deployment.adminKey)('GET', '/v1/caches/crash/webhooks/retry0/attempts?limit=100');
  assert.ok(log.json.attempts.filter((a) => a.outcome === 'delivered').length >= 10);
});
