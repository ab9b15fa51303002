// edgehooks/momento against the Worker under wrangler dev: the five
// JavaScript examples of Momento's webhook reference, copied unchanged (only
// the import, `topicClient` and `cacheName` are added), then the webhook they
// make delivering to a receiver on 127.0.0.1 that verifies every request with
// WebhookUtils.validateWebhookRequest, before and after a rotation; publish,
// subscribe, and the API's errors as MomentoErrorCodes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import {
  DeleteWebhookResponse,
  GetWebhookSecretResponse,
  ListWebhooksResponse,
  MomentoErrorCode,
  PutWebhookResponse,
  RequestValidation,
  RotateWebhookSecretResponse,
  TopicClient,
  TopicPublishResponse,
  TopicSubscribeResponse,
  WebhookUtils,
} from 'edgehooks/momento';
import { client, newDeployment, startWorker } from './harness.mjs';

const cacheName = 'examples';
let topicClient;
let deployment, worker, receiver;

/**
 * The receiver: every POST is checked with WebhookUtils against the secrets
 * it is told, and recorded with the outcome for each.
 */
async function startValidatingReceiver() {
  const deliveries = [];
  const secrets = { current: undefined, previous: undefined };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const check = (signingSecret, extra = {}) => signingSecret === undefined
        ? undefined
        : WebhookUtils.validateWebhookRequest({ body, signature: req.headers['momento-signature'], signingSecret, ...extra });
      const delivery = {
        path: req.url,
        headers: req.headers,
        envelope: JSON.parse(body.toString('utf8')),
        withCurrent: check(secrets.current),
        withPrevious: check(secrets.previous),
        asText: secrets.current && WebhookUtils.validateWebhookRequest({ body: body.toString('utf8'), signature: req.headers['momento-signature'], signingSecret: secrets.current }),
        fresh: check(secrets.current, { envelopeToleranceSeconds: 60 }),
      };
      deliveries.push(delivery);
      res.writeHead(delivery.withCurrent === RequestValidation.VALID ? 204 : 401).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${server.address().port}/momento-hook`,
    deliveries,
    secrets,
    async waitFor(count, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (deliveries.length < count) {
        if (Date.now() > deadline) throw new Error(`${deliveries.length} of ${count} deliveries`);
        await new Promise((r) => setTimeout(r, 25));
      }
      return deliveries;
    },
    close: () => { server.closeAllConnections(); server.close(); },
  };
}

before(async () => {
  deployment = newDeployment();
  receiver = await startValidatingReceiver();
  worker = await startWorker(deployment);
  topicClient = new TopicClient({ endpoint: worker.url, apiKey: deployment.adminKey });
});

after(async () => {
  await worker?.stop();
  receiver?.close();
  deployment?.remove();
});

// The five examples of Momento's webhook reference, unchanged.
const examples = {
  async putWebhook() {
    const result = await topicClient.putWebhook(cacheName, 'examples webhook', {
      topicName: 'a topic',
      destination: 'https://www.thisisawebhookurl.com/v1/webhook',
    });
    switch (result.type) {
      case PutWebhookResponse.Success:
        console.log('Successfully put webhook');
        break;
      case PutWebhookResponse.Error:
        throw new Error(
          `An error occurred while attempting to put the webhook 'examples webhook' inside of cache '${cacheName}': ${result.errorCode()}: ${result.toString()}`
        );
    }
  },

  async listWebhooks() {
    const result = await topicClient.listWebhooks(cacheName);
    switch (result.type) {
      case ListWebhooksResponse.Success:
        console.log(`Listed webhooks for cache '${cacheName}': ${result.getWebhooks()}`);
        break;
      case ListWebhooksResponse.Error:
        throw new Error(
          `An error occurred while attempting to list webhooks for cache '${cacheName}': ${result.errorCode()}: ${result.toString()}`
        );
    }
  },

  async deleteWebhook() {
    const result = await topicClient.deleteWebhook(cacheName, 'examples webhook');
    switch (result.type) {
      case DeleteWebhookResponse.Success:
        console.log('Successfully deleted webhook');
        break;
      case DeleteWebhookResponse.Error:
        throw new Error(
          `An error occurred while attempting to delete webhook 'examples webhook' inside of cache '${cacheName}': ${result.errorCode()}: ${result.toString()}`
        );
    }
  },

  async getWebhookSecret() {
    const result = await topicClient.getWebhookSecret(cacheName, 'examples webhook');
    switch (result.type) {
      case GetWebhookSecretResponse.Success:
        console.log(`Successfully retrieved the webhook secret: ${result.secret()}`);
        break;
      case GetWebhookSecretResponse.Error:
        throw new Error(
          `An error occurred while attempting to get the secret for the webhook 'examples webhook' inside of cache '${cacheName}': ${result.errorCode()}: ${result.toString()}`
        );
    }
  },

  async rotateWebhookSecret() {
    const result = await topicClient.rotateWebhookSecret(cacheName, 'examples webhook');
    switch (result.type) {
      case RotateWebhookSecretResponse.Success:
        console.log('Successfully rotated the webhook secret');
        break;
      case RotateWebhookSecretResponse.Error:
        throw new Error(
          `An error occurred while attempting to rotate the secret for the webhook 'examples webhook' inside of cache '${cacheName}': ${result.errorCode()}: ${result.toString()}`
        );
    }
  },
};

/** Runs one example; returns what it logged. */
async function run(t, name) {
  const logged = [];
  const log = t.mock.method(console, 'log', (...args) => logged.push(args.join(' ')));
  try {
    await examples[name]();
  } finally {
    log.mock.restore();
  }
  return logged;
}

/** The webhook's secret now, as the API gives it. */
async function currentSecret() {
  const result = await topicClient.getWebhookSecret(cacheName, 'examples webhook');
  assert.equal(result.type, GetWebhookSecretResponse.Success, String(result));
  return result.secret();
}

async function publish(text) {
  const result = await topicClient.publish(cacheName, 'a topic', text);
  assert.equal(result.type, TopicPublishResponse.Success, String(result));
}

test("the examples of Momento's reference run unchanged, and the webhook delivers what the receiver validates", async (t) => {
  // Put: the example's own destination (a public URL: nothing is published
  // while the webhook points there).
  assert.deepEqual(await run(t, 'putWebhook'), ['Successfully put webhook']);
  const listed = await topicClient.listWebhooks(cacheName);
  assert.equal(listed.type, ListWebhooksResponse.Success, String(listed));
  assert.deepEqual(listed.getWebhooks().map((w) => [w.id.cacheName, w.id.webhookName, w.topicName, w.destination.url()]), [
    [cacheName, 'examples webhook', 'a topic', 'https://www.thisisawebhookurl.com/v1/webhook'],
  ]);
  const admin = client(worker.url, deployment.adminKey);
  const stored = await admin('GET', `/v1/caches/${cacheName}/webhooks/${encodeURIComponent('examples webhook')}`);
  assert.equal(stored.json.scheme, 'momento');

  // The same webhook, pointed at the local receiver (a URL string, as Momento takes it).
  const repointed = await topicClient.putWebhook(cacheName, 'examples webhook', { topicName: 'a topic', destination: receiver.url });
  assert.equal(repointed.type, PutWebhookResponse.Success, String(repointed));
  assert.equal(typeof repointed.secretString(), 'string');

  assert.deepEqual(await run(t, 'listWebhooks'), [`Listed webhooks for cache '${cacheName}': [object Object]`]);
  const secret = await currentSecret();
  assert.deepEqual(await run(t, 'getWebhookSecret'), [`Successfully retrieved the webhook secret: ${secret}`]);
  assert.equal(repointed.secretString(), secret);

  // Delivered and valid with the secret, bytes or text; not with another.
  receiver.secrets.current = secret;
  receiver.secrets.previous = 'not-the-secret-0123456789';
  await publish('order 42 paid');
  const [first] = await receiver.waitFor(1);
  assert.equal(first.path, '/momento-hook');
  assert.deepEqual([first.withCurrent, first.asText, first.withPrevious, first.fresh], ['valid', 'valid', 'invalid', 'valid']);
  assert.match(first.headers['momento-signature'], /^[0-9a-f]{64}$/);
  assert.deepEqual([first.envelope.cache, first.envelope.topic, first.envelope.text], [cacheName, 'a topic', 'order 42 paid']);
  assert.equal(first.envelope.topic_sequence_number, 1);

  // Rotated: the new secret signs at once; the old one validates nothing more.
  assert.deepEqual(await run(t, 'rotateWebhookSecret'), ['Successfully rotated the webhook secret']);
  const rotated = await currentSecret();
  assert.notEqual(rotated, secret);
  receiver.secrets.current = rotated;
  receiver.secrets.previous = secret;
  await publish('order 43 paid');
  const [, second] = await receiver.waitFor(2);
  assert.deepEqual([second.withCurrent, second.withPrevious, second.envelope.text], ['valid', 'invalid', 'order 43 paid']);

  // Deleted: nothing more arrives.
  assert.deepEqual(await run(t, 'deleteWebhook'), ['Successfully deleted webhook']);
  await publish('order 44 paid');
  await new Promise((r) => setTimeout(r, 1500));
  assert.equal(receiver.deliveries.length, 2);
  const empty = await topicClient.listWebhooks(cacheName);
  assert.deepEqual(empty.getWebhooks(), []);

  // The examples report the API's errors as Momento's do: the secret of a deleted webhook.
  await assert.rejects(run(t, 'getWebhookSecret'), {
    message: /^An error occurred while attempting to get the secret for the webhook 'examples webhook' inside of cache 'examples': NOT_FOUND_ERROR: Not found: /,
  });
  await assert.rejects(run(t, 'deleteWebhook'), { message: /: NOT_FOUND_ERROR: / });
});

test('subscribe: the messages of a topic with a space in its name, as TopicItems', async () => {
  const items = [];
  const subscription = await topicClient.subscribe(cacheName, 'a topic', { onItem: (item) => items.push(item) });
  assert.equal(subscription.type, TopicSubscribeResponse.Subscription, String(subscription));
  try {
    await publish('live 1');
    await topicClient.publish(cacheName, 'a topic', new Uint8Array([0xff, 0xfe]));
    const deadline = Date.now() + 10_000;
    while (items.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    assert.equal(items.length, 2);
    assert.equal(items[0].value(), 'live 1');
    assert.deepEqual([...items[1].valueUint8Array()], [0xff, 0xfe]);
    assert.ok(items[1].sequenceNumber() > items[0].sequenceNumber());
  } finally {
    subscription.unsubscribe();
  }
});

test("the API's errors as MomentoErrorCodes", async () => {
  const wrongKey = new TopicClient({ endpoint: worker.url, apiKey: 'admin_wrong' });
  const unauthenticated = await wrongKey.listWebhooks(cacheName);
  assert.equal(unauthenticated.errorCode(), MomentoErrorCode.AUTHENTICATION_ERROR);
  assert.equal(unauthenticated.innerException().apiCode, 'unauthorized');
  assert.ok(!unauthenticated.toString().includes('admin_wrong'));

  const admin = client(worker.url, deployment.adminKey);
  const issued = await admin('POST', '/v1/keys', { body: { caches: ['elsewhere'], permissions: ['publish', 'manage'] } });
  assert.equal(issued.status, 201, issued.text);
  const scoped = new TopicClient({ endpoint: worker.url, apiKey: issued.json.key });
  assert.equal((await scoped.publish(cacheName, 'a topic', 'x')).errorCode(), MomentoErrorCode.PERMISSION_ERROR);

  const badUrl = await topicClient.putWebhook(cacheName, 'bad', { topicName: 'a topic', destination: 'ftp://example.com/hook' });
  assert.equal(badUrl.type, PutWebhookResponse.Error);
  assert.equal(badUrl.errorCode(), MomentoErrorCode.INVALID_ARGUMENT_ERROR);
  assert.equal(badUrl.innerException().apiCode, 'invalid_url');

  const missing = await topicClient.rotateWebhookSecret(cacheName, 'no such webhook');
  assert.equal(missing.type, RotateWebhookSecretResponse.Error);
  assert.equal(missing.errorCode(), MomentoErrorCode.NOT_FOUND_ERROR);
});
