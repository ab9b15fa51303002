// State that outlives wrangler dev, secrets sealed at rest, and the
// deployment's private-URL setting.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'edgehooks';
import { client, keySecret, newDeployment, startReceiver, startWorker } from './harness.mjs';

const deployment = newDeployment();
const receiver = await startReceiver();
after(() => { receiver.close(); deployment.remove(); });

/** Every file under `dir`, read whole. */
function filesUnder(dir) {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readFileSync(path));
}

test('webhooks, keys and sequence numbers survive a restart; secrets are sealed on disk', async () => {
  let worker = await startWorker(deployment);
  let admin = client(worker.url, deployment.adminKey);
  const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
  const created = await admin('PUT', '/v1/caches/keep/webhooks/w', {
    body: { topicName: 't', secret, destination: { postUrl: `${receiver.base}/keep` } },
  });
  assert.equal(created.status, 201, created.text);
  const key = await admin('POST', '/v1/keys', { body: { caches: ['keep'], permissions: ['publish'] } });
  const first = await client(worker.url, key.json.key)('POST', '/v1/caches/keep/topics/t', { raw: 'one' });
  assert.equal(first.json.topicSequenceNumber, 1);
  await receiver.waitFor('/keep', 1);
  // Stopped only once the delivery is recorded: a runtime stopped between
  // the receiver's answer and the record would send it again (at least once).
  for (;;) {
    const log = await admin('GET', '/v1/caches/keep/webhooks/w/attempts');
    if (log.json.attempts[0]?.outcome === 'delivered') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await worker.stop();

  const stored = Buffer.concat(filesUnder(deployment.state));
  assert.ok(stored.includes('"sealedSecrets"'), 'the webhook is in the persisted state');
  assert.ok(!stored.includes(secret.slice(6)), 'the webhook secret is not stored in the clear');
  assert.ok(!stored.includes(keySecret(key.json)), 'the API key is not stored in the clear');

  worker = await startWorker(deployment);
  admin = client(worker.url, deployment.adminKey);
  const got = await admin('GET', '/v1/caches/keep/webhooks/w');
  assert.equal(got.status, 200);
  assert.equal(got.json.createdAt, created.json.webhook.createdAt);
  const second = await client(worker.url, key.json.key)('POST', '/v1/caches/keep/topics/t', { raw: 'two' });
  assert.equal(second.status, 200, 'the key still works');
  assert.equal(second.json.topicSequenceNumber, 2, 'numbering continues');
  const [, delivery] = await receiver.waitFor('/keep', 2);
  const event = new Webhook(secret).verify(delivery.body, delivery.headers);
  assert.equal(event.text, 'two');
  assert.equal(event.token_id, key.json.tokenId);
  await worker.stop();
});

test('private destinations are refused unless the deployment allows them', async () => {
  writeFileSync(deployment.envFile, readFileSync(deployment.envFile, 'utf8').replace('ALLOW_PRIVATE_URLS=true', 'ALLOW_PRIVATE_URLS=false'));
  const worker = await startWorker(deployment);
  try {
    const admin = client(worker.url, deployment.adminKey);
    for (const postUrl of ['http://127.0.0.1:8080/x', 'http://10.1.2.3/x', 'http://[::1]/x', 'http://169.254.169.254/latest', 'http://localhost/x']) {
      const res = await admin('PUT', '/v1/caches/keep/webhooks/private', { body: { topicName: 't', destination: { postUrl } } });
      assert.equal(res.status, 400, postUrl);
      assert.equal(res.json.error.code, 'url_not_allowed', postUrl);
    }
    // A webhook saved while they were allowed is not sent to either.
    const before = receiver.at('/keep').length;
    const test = await admin('POST', '/v1/caches/keep/webhooks/w/test');
    assert.equal(test.json.delivered, false);
    assert.equal(test.json.error.code, 'url_not_allowed');
    assert.equal(receiver.at('/keep').length, before);
  } finally {
    await worker.stop();
  }
});
