// Names as Momento allows them, end to end under wrangler dev: the seed's
// own `'examples webhook'` on `'a topic'`, caches with spaces and Unicode,
// and names full of what URLs, keys and object ids treat specially (`%`,
// `?`, `#`, `:`, quotes, `+`, emoji, 128 characters). Every call reaches
// them by their percent-encoded path; deliveries, the attempt log,
// replays, subscriptions and the management page carry them exactly.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createParser } from 'eventsource-parser';
import { Webhook } from 'edgehooks';
import { assertDocumented, client, newDeployment, openapi, startReceiver, startWorker, launchChromium } from './harness.mjs';

const enc = encodeURIComponent;
const CACHE = 'my cache ☕';
const WEBHOOK = 'examples webhook';
const TOPIC = 'a topic';
const OTHER_TOPIC = 'ünïcödé: 50% #1? 🦀';

let deployment, worker, receiver, admin;

before(async () => {
  deployment = newDeployment();
  receiver = await startReceiver();
  worker = await startWorker(deployment);
  admin = client(worker.url, deployment.adminKey);
});

after(async () => {
  await worker?.stop();
  receiver?.close();
  deployment?.remove();
});

const webhookPath = (cache, name) => `/v1/caches/${enc(cache)}/webhooks/${enc(name)}`;
const topicPath = (cache, topic) => `/v1/caches/${enc(cache)}/topics/${enc(topic)}`;

/** `method path` must answer `status` as `operationId` documents it; returns the body. */
async function expect(operationId, status, method, path, options) {
  const res = await admin(method, path, options);
  assert.equal(res.status, status, `${method} ${path}: ${res.text}`);
  assertDocumented(operationId, res);
  return res.json;
}

async function publish(cache, topic, text) {
  return expect('publish', 200, 'POST', topicPath(cache, topic), { raw: text, headers: { 'content-type': 'text/plain' } });
}

/** Every webhook of `cache`, following the list's cursor a page of `limit` at a time. */
async function listAll(cache, limit = 100) {
  const all = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set('cursor', cursor);
    const page = await expect('listWebhooks', 200, 'GET', `/v1/caches/${enc(cache)}/webhooks?${query}`);
    all.push(...page.webhooks);
    cursor = page.cursor;
  } while (cursor);
  return all;
}

/** Resolves once `check()` is truthy (polled); fails after `ms`. */
async function eventually(check, what, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not in time`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe("the seed's names", () => {
  let secret;

  test("'examples webhook' on 'a topic': created with the destination as a string, delivered exactly", async () => {
    const created = await expect('putWebhook', 201, 'PUT', webhookPath(CACHE, WEBHOOK), {
      body: { topicName: TOPIC, destination: `${receiver.base}/seed` },
    });
    secret = created.secretString;
    assert.deepEqual(created.webhook.id, { cacheName: CACHE, webhookName: WEBHOOK });
    assert.deepEqual([created.webhook.topics, created.webhook.topicName], [[TOPIC], TOPIC]);
    assert.deepEqual(created.webhook.destination, { postUrl: `${receiver.base}/seed` });

    const published = await publish(CACHE, TOPIC, 'hello, names');
    assert.deepEqual([published.cache, published.topic, published.asyncDeliveries], [CACHE, TOPIC, 1]);
    const [delivery] = await receiver.waitFor('/seed', 1);
    const event = new Webhook(secret).verify(delivery.body, delivery.headers);
    assert.deepEqual([event.cache, event.topic, event.text], [CACHE, TOPIC, 'hello, names']);
    assert.match(delivery.headers['webhook-id'], /^msg_[A-Za-z0-9_-]{22}$/);
  });

  test('list, get, patch, secret, rotate, test, attempts, undelivered, replay and delete by those names', async () => {
    const [listed] = await listAll(CACHE);
    assert.deepEqual([listed.id.webhookName, listed.topicName], [WEBHOOK, TOPIC]);
    const got = await expect('getWebhook', 200, 'GET', webhookPath(CACHE, WEBHOOK));
    assert.equal(got.statistics.delivered, 1);

    const patched = await expect('patchWebhook', 200, 'PATCH', webhookPath(CACHE, WEBHOOK), {
      body: { destination: `${receiver.base}/seed-2`, topics: [TOPIC, OTHER_TOPIC] },
    });
    assert.deepEqual([patched.topics, patched.topicName, patched.destination.postUrl],
      [[TOPIC, OTHER_TOPIC], TOPIC, `${receiver.base}/seed-2`]);
    const shown = await expect('getWebhookSecret', 200, 'GET', `${webhookPath(CACHE, WEBHOOK)}/secret`);
    assert.deepEqual(shown, { secret, webhookName: WEBHOOK, cacheName: CACHE });
    const rotated = await expect('rotateWebhookSecret', 200, 'POST', `${webhookPath(CACHE, WEBHOOK)}/secret/rotate`, { body: {} });
    assert.deepEqual([rotated.webhookName, rotated.cacheName], [WEBHOOK, CACHE]);
    secret = rotated.secret;

    const attempt = await expect('testWebhook', 200, 'POST', `${webhookPath(CACHE, WEBHOOK)}/test`);
    assert.deepEqual([attempt.delivered, attempt.topic, attempt.webhookName], [true, TOPIC, WEBHOOK]);
    const [sent] = await receiver.waitFor('/seed-2', 1);
    const test = new Webhook(secret).verify(sent.body, sent.headers);
    assert.deepEqual([test.cache, test.topic, JSON.parse(test.text).webhook], [CACHE, TOPIC, WEBHOOK]);

    await publish(CACHE, OTHER_TOPIC, 'on the other topic');
    const [, second] = await receiver.waitFor('/seed-2', 2);
    const event = new Webhook(secret).verify(second.body, second.headers);
    assert.deepEqual([event.cache, event.topic, event.text], [CACHE, OTHER_TOPIC, 'on the other topic']);

    const log = await eventually(async () => {
      const page = await expect('listAttempts', 200, 'GET', `${webhookPath(CACHE, WEBHOOK)}/attempts?status=delivered`);
      return page.attempts.length >= 3 && page;
    }, 'three delivered attempts');
    assert.deepEqual(new Set(log.attempts.map((a) => a.topic)), new Set([TOPIC, OTHER_TOPIC]));
    const owed = await expect('listUndelivered', 200, 'GET', `${webhookPath(CACHE, WEBHOOK)}/undelivered`);
    assert.deepEqual(owed.messages, []);

    const replayed = await expect('replayWebhook', 200, 'POST', `${webhookPath(CACHE, WEBHOOK)}/replay`, { body: { status: 'all' } });
    assert.equal(replayed.delivered, 2, 'both published messages are sent again');
    const again = await receiver.waitFor('/seed-2', 4);
    const ids = again.slice(2).map((r) => r.headers['webhook-id']).sort();
    const first = [receiver.at('/seed')[0], second].map((r) => r.headers['webhook-id']);
    assert.deepEqual(ids, [...first].sort(), "a replay keeps each message's webhook-id");
    for (const r of again.slice(2)) assert.equal(new Webhook(secret).verify(r.body, r.headers).cache, CACHE);

    await expect('deleteWebhook', 204, 'DELETE', webhookPath(CACHE, WEBHOOK));
    await expect('getWebhook', 404, 'GET', webhookPath(CACHE, WEBHOOK));
    assert.deepEqual(await listAll(CACHE), []);
  });

  test('a subscription to a topic with spaces in a cache with spaces streams its envelopes exactly', async () => {
    const controller = new AbortController();
    const res = await fetch(`${worker.url}${topicPath(CACHE, TOPIC)}/subscribe`, {
      headers: { authorization: `Bearer ${deployment.adminKey}` }, signal: controller.signal,
    });
    assert.equal(res.status, 200);
    const events = [];
    const parser = createParser({ onEvent: (e) => events.push(e) });
    const reading = (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of res.body) parser.feed(decoder.decode(chunk, { stream: true }));
      } catch { /* aborted */ }
    })();
    const published = await publish(CACHE, TOPIC, 'streamed');
    await eventually(() => events.length >= 1, 'an event');
    controller.abort();
    await reading;
    const envelope = JSON.parse(events[0].data);
    assert.equal(events[0].id, String(published.topicSequenceNumber));
    assert.deepEqual([envelope.cache, envelope.topic, envelope.text], [CACHE, TOPIC, 'streamed']);
  });
});

describe('names with what paths, keys and object ids treat specially', () => {
  const crab = '🦀'.repeat(128);
  const cases = [
    ['caché "quotes" & \'apostrophes\'', 'w?x#y%z:&+=;,', 'q?a=1&b=2#frag'],
    ['100% sure', '%2F is not a slash', 'a+b c'],
    ['...', ' spaced out ', ':colon:'],
    [crab, crab, crab],
    ['c'.repeat(128), `${'ü'.repeat(127)}x`, 't'.repeat(128)],
  ];

  test('each is created, delivered, listed, read and deleted exactly', async () => {
    for (const [i, [cache, name, topic]] of cases.entries()) {
      const path = `/odd/${i}`;
      const created = await expect('putWebhook', 201, 'PUT', webhookPath(cache, name), {
        body: { topics: [topic], destination: { postUrl: `${receiver.base}${path}` } },
      });
      assert.deepEqual(created.webhook.id, { cacheName: cache, webhookName: name }, name);
      await publish(cache, topic, `message ${i}`);
      const [delivery] = await receiver.waitFor(path, 1);
      const event = new Webhook(created.secretString).verify(delivery.body, delivery.headers);
      assert.deepEqual([event.cache, event.topic, event.text], [cache, topic, `message ${i}`]);
      const listed = await listAll(cache);
      assert.deepEqual(listed.map((w) => w.id.webhookName), [name]);
      const got = await expect('getWebhook', 200, 'GET', webhookPath(cache, name));
      assert.equal(got.topicName, topic);
      await expect('deleteWebhook', 204, 'DELETE', webhookPath(cache, name));
      assert.deepEqual(await listAll(cache), []);
    }
  });

  test('names are compared exactly: case and Unicode normalization make other names', async () => {
    const names = ['Café', 'Cafe\u0301', 'café', 'CAFÉ'];
    for (const name of names) {
      await expect('putWebhook', 201, 'PUT', webhookPath('exact', name), {
        body: { topicName: name, destination: `${receiver.base}/exact` },
      });
    }
    const listed = (await listAll('exact', 1)).map((w) => w.id.webhookName);
    assert.deepEqual([...listed].sort(), [...names].sort());
    for (const name of names) {
      assert.equal((await expect('getWebhook', 200, 'GET', webhookPath('exact', name))).topicName, name);
    }
    // Each topic reaches only its own webhook.
    const published = await publish('exact', 'Cafe\u0301', 'decomposed');
    assert.equal(published.asyncDeliveries, 1);
  });

  test('the API accepts exactly the names the OpenAPI document describes', async () => {
    const schema = openapi.components.schemas.WebhookInput.properties.topicName;
    const pattern = new RegExp(schema.pattern, 'u');
    const documented = (name) => [...name].length >= schema.minLength && [...name].length <= schema.maxLength
      && pattern.test(name);
    const names = ['', '.', '..', '...', '. .', 'a/b', 'tab\there', 'line\nbreak', 'nul\u0000', 'del\u007f', 'c1\u0085',
      'zero\u200bwidth', 'c'.repeat(128), 'c'.repeat(129), '🦀'.repeat(128), '🦀'.repeat(129), 'examples webhook'];
    for (const name of names) {
      const res = await admin('PUT', webhookPath('documented', 'w'), { body: { topicName: name, destination: `${receiver.base}/doc` } });
      assert.equal(res.status < 300 ? 'ok' : res.json.error.code, documented(name) ? 'ok' : 'invalid_name', JSON.stringify(name));
    }
    const res = await admin('PUT', `/v1/caches/documented/webhooks/${enc('a\u0001b')}`, { body: { topicName: 't', destination: `${receiver.base}/doc` } });
    assert.equal(res.json.error.code, 'invalid_name');
  });
});

describe('the management page', () => {
  const cache = 'team café 2';
  const name = 'examples webhook #1: "50%" ?';
  const topics = [TOPIC, 'orders, refunds & more'];
  let browser, page;
  const problems = [];

  before(async () => {
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', (e) => problems.push(e.message));
    await expect('putWebhook', 201, 'PUT', webhookPath(cache, name), {
      body: { topics, destination: `${receiver.base}/page`, description: 'made by the API' },
    });
  });

  after(async () => {
    await browser?.close();
    assert.deepEqual(problems, []);
  });

  test("the page signs in to such a cache and opens such a webhook's details from its list and its address", async () => {
    await page.goto(`${worker.url}/`);
    await page.getByLabel('API key').fill(deployment.adminKey);
    await page.getByLabel('Cache').fill(cache);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const link = page.getByRole('link', { name, exact: true });
    await link.waitFor();
    assert.equal(new URL(page.url()).hash, `#/c/${enc(cache)}`);
    await link.click();
    await page.locator('.config').getByText('made by the API').waitFor();
    assert.equal(new URL(page.url()).hash, `#/c/${enc(cache)}/webhooks/${enc(name)}`);
    assert.ok((await page.locator('main h1').innerText()).startsWith(name));
    assert.deepEqual(await page.locator('.config .chips li').allInnerTexts(), topics);

    // The address alone opens it too (a reload, or a shared link).
    await page.goto(`${worker.url}/#/c/${enc(cache)}/webhooks/${enc(name)}`);
    await page.locator('.config').getByText('made by the API').waitFor();
    await page.reload();
    await page.locator('.config').getByText('made by the API').waitFor();

    // Publishing from the details page reaches the webhook on its topic.
    const box = page.locator('section', { has: page.getByRole('heading', { name: 'Publish a message' }) });
    await box.getByLabel('Topic').selectOption(topics[1]);
    await box.getByLabel('Message').fill('from the page');
    await box.getByRole('button', { name: 'Publish' }).click();
    const [delivery] = await receiver.waitFor('/page', 1);
    const envelope = JSON.parse(delivery.body);
    assert.deepEqual([envelope.cache, envelope.topic, envelope.text], [cache, topics[1], 'from the page']);
  });

  test('the edit form keeps one topic a line; a topic with commas stays one topic', async () => {
    await page.goto(`${worker.url}/#/c/${enc(cache)}/webhooks/${enc(name)}/edit`);
    const field = page.getByLabel('Topics (trigger)');
    assert.equal(await field.inputValue(), topics.join('\n'));
    await field.fill(`${topics[1]}\n🦀 crabs\n`);
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.locator('.config').getByText('made by the API').waitFor();
    const saved = await expect('getWebhook', 200, 'GET', webhookPath(cache, name));
    assert.deepEqual(saved.topics, [topics[1], '🦀 crabs']);
  });

  test("a topic's stream opens from its link and shows its messages", async () => {
    await page.goto(`${worker.url}/#/c/${enc(cache)}`);
    await page.getByRole('link', { name: '🦀 crabs', exact: true }).click();
    await page.locator('.stream-state').getByText(/^Live/).waitFor();
    assert.equal(new URL(page.url()).hash, `#/c/${enc(cache)}/topics/${enc('🦀 crabs')}`);
    await publish(cache, '🦀 crabs', 'seen live');
    await page.locator('.events li pre').getByText('seen live').waitFor();
  });
});
