// The Worker's API end to end, under wrangler dev with fresh local state.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Webhook } from 'edgehooks';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import {
  assertDocumented, client, keySecret, newDeployment, openapi, startReceiver, startWorker,
} from './harness.mjs';

const SCHEMES = ['standard', 'standard-v1a', 'momento', 'github', 'stripe', 'commenda'];
let deployment, worker, receiver, admin, anonymous;

before(async () => {
  deployment = newDeployment();
  receiver = await startReceiver((path) => {
    if (path.startsWith('/fail')) return { status: 500 };
    if (path.startsWith('/slow')) return { delayMs: 3000 };
    return {};
  });
  worker = await startWorker(deployment);
  admin = client(worker.url, deployment.adminKey);
  anonymous = client(worker.url);
});

after(async () => {
  await worker?.stop();
  receiver?.close();
  deployment?.remove();
});

/** Creates a webhook and returns the PUT response body. */
async function createWebhook(cache, name, fields) {
  const res = await admin('PUT', `/v1/caches/${cache}/webhooks/${name}`, { body: fields });
  assert.equal(res.status, 201, res.text);
  assertDocumented('putWebhook', res);
  return res.json;
}

async function publish(cache, topic, message, { call = admin, contentType = 'text/plain' } = {}) {
  const res = await call('POST', `/v1/caches/${cache}/topics/${topic}`, {
    raw: message, headers: { 'content-type': contentType },
  });
  assert.equal(res.status, 200, res.text);
  assertDocumented('publish', res);
  return res.json;
}

/** Verifies a recorded delivery with the edgehooks package; returns the event. */
function verified(request, secret, scheme) {
  return new Webhook(secret, { scheme }).verify(request.body, request.headers);
}

/** Waits a moment for deliveries that must not come. */
const settle = () => new Promise((r) => setTimeout(r, 1000));

describe('routes and the OpenAPI document', () => {
  test('the document is public and every documented operation needs a key', async () => {
    const doc = await anonymous('GET', '/v1/openapi.json');
    assert.equal(doc.status, 200);
    assert.deepEqual(doc.json, openapi);
    let checked = 0;
    for (const [path, item] of Object.entries(openapi.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (op.operationId === 'getOpenApi') continue;
        const concrete = path.replace('{cache}', 'shop').replace('{name}', 'x').replace('{topic}', 't')
          .replace('{tokenId}', 'tok_0000000000000000');
        const res = await anonymous(method.toUpperCase(), concrete, { raw: method === 'get' ? undefined : '{}' });
        assert.equal(res.status, 401, `${method} ${path}: ${res.text}`);
        assert.equal(res.json.error.code, 'unauthorized');
        assert.ok(op.responses['401'], `${op.operationId} documents 401`);
        checked += 1;
      }
    }
    assert.ok(checked >= 12);
  });

  test('unknown paths are 404 and wrong methods 405, as JSON errors', async () => {
    const missing = await admin('GET', '/v1/nothing');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'not_found');
    const wrong = await admin('POST', '/v1/caches/shop/webhooks');
    assert.equal(wrong.status, 405);
    assert.equal(wrong.json.error.code, 'method_not_allowed');
  });
});

describe('webhook management', () => {
  test('create, replace, get, list with pages, patch and delete', async () => {
    const body = { topics: ['orders'], destination: { postUrl: `${receiver.base}/crud` }, description: 'first' };
    const created = await createWebhook('crud', 'a', body);
    assert.match(created.secretString, /^whsec_/);
    assert.equal(created.webhook.status.state, 'active');
    assert.equal(created.webhook.timeoutMs, 5000);
    assert.equal(created.webhook.mode, 'async');

    const replaced = await admin('PUT', '/v1/caches/crud/webhooks/a', { body: { ...body, description: 'second' } });
    assert.equal(replaced.status, 200);
    assertDocumented('putWebhook', replaced);
    assert.equal(replaced.json.secretString, created.secretString, 'replace keeps the secret');
    assert.equal(replaced.json.webhook.description, 'second');
    assert.equal(replaced.json.webhook.createdAt, created.webhook.createdAt);

    const got = await admin('GET', '/v1/caches/crud/webhooks/a');
    assert.equal(got.status, 200);
    assertDocumented('getWebhook', got);
    assert.equal(got.json.description, 'second');

    await createWebhook('crud', 'b', { topicName: 'orders', destination: { postUrl: `${receiver.base}/crud` } });
    await createWebhook('crud', 'c', { topics: ['x'], destination: { postUrl: `${receiver.base}/crud` } });
    const names = [];
    let cursor = null;
    let pages = 0;
    do {
      const page = await admin('GET', `/v1/caches/crud/webhooks?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert.equal(page.status, 200);
      assertDocumented('listWebhooks', page);
      assert.ok(page.json.webhooks.length <= 2);
      names.push(...page.json.webhooks.map((w) => w.id.webhookName));
      cursor = page.json.cursor;
      pages += 1;
    } while (cursor);
    assert.deepEqual(names, ['a', 'b', 'c']);
    assert.equal(pages, 2);

    const patched = await admin('PATCH', '/v1/caches/crud/webhooks/a', {
      body: { active: false, timeoutMs: 2000, topics: ['orders', 'refunds'], mode: 'sync' },
    });
    assert.equal(patched.status, 200, patched.text);
    assertDocumented('patchWebhook', patched);
    assert.equal(patched.json.status.state, 'inactive');
    assert.equal(patched.json.timeoutMs, 2000);
    assert.deepEqual(patched.json.topics, ['orders', 'refunds']);
    assert.equal(patched.json.description, 'second', 'untouched fields stay');

    const scheme = await admin('PATCH', '/v1/caches/crud/webhooks/a', { body: { scheme: 'github' } });
    assert.equal(scheme.status, 400);
    assert.equal(scheme.json.error.code, 'immutable_field');
    const sameScheme = await admin('PATCH', '/v1/caches/crud/webhooks/a', { body: { scheme: 'standard' } });
    assert.equal(sameScheme.status, 200);
    const putScheme = await admin('PUT', '/v1/caches/crud/webhooks/a', { body: { ...body, scheme: 'stripe' } });
    assert.equal(putScheme.json.error.code, 'immutable_field');

    const deleted = await admin('DELETE', '/v1/caches/crud/webhooks/a');
    assert.equal(deleted.status, 204);
    assertDocumented('deleteWebhook', deleted);
    const gone = await admin('GET', '/v1/caches/crud/webhooks/a');
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error.code, 'not_found');
    assertDocumented('getWebhook', gone);
    assert.equal((await admin('DELETE', '/v1/caches/crud/webhooks/a')).status, 404);
  });

  test('the secret call returns what receivers verify with', async () => {
    const created = await createWebhook('sec', 'v1a', {
      topicName: 't', scheme: 'standard-v1a', destination: { postUrl: `${receiver.base}/sec` },
    });
    assert.match(created.secretString, /^whpk_/, 'v1a receivers get the public key');
    const secret = await admin('GET', '/v1/caches/sec/webhooks/v1a/secret');
    assert.equal(secret.status, 200);
    assertDocumented('getWebhookSecret', secret);
    assert.deepEqual(secret.json, { secret: created.secretString, webhookName: 'v1a', cacheName: 'sec' });

    const own = 'my-own-github-secret-0123456789';
    const supplied = await createWebhook('sec', 'own', {
      topicName: 't', scheme: 'github', secret: own, destination: { postUrl: `${receiver.base}/sec` },
    });
    assert.equal(supplied.secretString, own);
  });
});

describe('publish and fan-out', () => {
  test('every scheme receives exactly its topics, in sequence order, validly signed', async () => {
    const secrets = {};
    for (const scheme of SCHEMES) {
      // Each scheme's webhook listens to `a`; every other one also to `b`.
      const topics = SCHEMES.indexOf(scheme) % 2 === 0 ? ['a', 'b'] : ['a'];
      const res = await createWebhook('fan', `w-${scheme}`, {
        topics, scheme, destination: { postUrl: `${receiver.base}/fan/${scheme}` },
      });
      secrets[scheme] = res.secretString;
    }
    await createWebhook('fan', 'only-b', { topics: ['b'], destination: { postUrl: `${receiver.base}/fan/only-b` } });

    const sent = [];
    const messages = [
      ['a', 'first', 'text/plain'], ['b', '{"n":2}', 'application/json'], ['a', 'third', 'text/plain'],
      ['b', Buffer.from([0xff, 0x00, 0xfe]), 'application/octet-stream'], ['a', 'fifth', 'text/plain'],
    ];
    for (const [topic, message, contentType] of messages) {
      const published = await publish('fan', topic, message, { contentType });
      sent.push({ topic, message, seq: published.topicSequenceNumber });
      assert.equal(published.tokenId, '');
    }
    const seqA = sent.filter((s) => s.topic === 'a').map((s) => s.seq);
    assert.deepEqual(seqA, [1, 2, 3], 'topic a numbers its own messages');
    assert.deepEqual(sent.filter((s) => s.topic === 'b').map((s) => s.seq), [1, 2]);

    const ids = new Set();
    for (const scheme of SCHEMES) {
      const topics = SCHEMES.indexOf(scheme) % 2 === 0 ? ['a', 'b'] : ['a'];
      const expected = sent.filter((s) => topics.includes(s.topic));
      const got = await receiver.waitFor(`/fan/${scheme}`, expected.length);
      await settle();
      assert.equal(receiver.at(`/fan/${scheme}`).length, expected.length, `${scheme} gets nothing more`);
      const events = got.map((r) => verified(r, secrets[scheme], scheme));
      for (const topic of topics) {
        const seqs = events.filter((e) => e.topic === topic).map((e) => e.topic_sequence_number);
        assert.deepEqual(seqs, expected.filter((s) => s.topic === topic).map((s) => s.seq), `${scheme} ${topic} in order`);
      }
      events.forEach((event, i) => {
        const want = expected[i];
        assert.equal(event.cache, 'fan');
        assert.equal(event.token_id, '');
        if (Buffer.isBuffer(want.message)) assert.equal(event.bytes, want.message.toString('base64'));
        else assert.equal(event.text, want.message);
        assert.ok(event.publish_timestamp <= event.event_timestamp);
      });
      for (const r of got) {
        assert.equal(r.headers['content-type'], 'application/json');
        assert.match(r.headers['user-agent'], /^edgehooks\//);
        ids.add(r.headers['webhook-id']);
        // A tampered body fails with the same headers.
        const tampered = Buffer.from(r.body.toString().replace('"cache":"fan"', '"cache":"fam"'));
        assert.throws(() => verified({ ...r, body: tampered }, secrets[scheme], scheme), { code: 'invalid_signature' });
      }
    }
    assert.equal(ids.size, SCHEMES.reduce((n, s) => n + (SCHEMES.indexOf(s) % 2 === 0 ? 5 : 3), 0),
      'one webhook-id per message and webhook');
    // The standard scheme's deliveries also verify with the reference library.
    for (const r of receiver.at('/fan/standard')) new StandardWebhook(secrets.standard).verify(r.body, r.headers);
    assert.equal((await receiver.waitFor('/fan/only-b', 2)).length, 2);
  });

  test('concurrent publishes get distinct, gapless sequence numbers; no subscribers is fine', async () => {
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => publish('seq', 'empty', `m${i}`)));
    const seqs = results.map((r) => r.topicSequenceNumber).sort((a, b) => a - b);
    assert.deepEqual(seqs, Array.from({ length: 30 }, (_, i) => i + 1));
    assert.ok(results.every((r) => r.asyncDeliveries === 0 && r.syncDeliveries.length === 0));
  });

  test('sync webhooks are delivered inside the publish call', async () => {
    await createWebhook('sync', 'ok', { topicName: 's', mode: 'sync', destination: { postUrl: `${receiver.base}/sync/ok` } });
    await createWebhook('sync', 'bad', { topicName: 's', mode: 'sync', destination: { postUrl: `${receiver.base}/fail/sync` } });
    await createWebhook('sync', 'bg', { topicName: 's', destination: { postUrl: `${receiver.base}/sync/bg` } });
    const published = await publish('sync', 's', 'now');
    assert.equal(published.asyncDeliveries, 1);
    const byName = Object.fromEntries(published.syncDeliveries.map((d) => [d.webhookName, d]));
    assert.equal(byName.ok.delivered, true);
    assert.equal(byName.ok.statusCode, 204);
    assert.equal(byName.ok.error, null);
    assert.equal(receiver.at('/sync/ok').length, 1, 'delivered before publish returned');
    assert.equal(byName.bad.delivered, false);
    assert.equal(byName.bad.statusCode, 500);
    assert.equal(byName.bad.error.code, 'http_status');
    assert.equal(receiver.at('/sync/ok')[0].headers['webhook-id'], byName.ok.webhookId);
    await receiver.waitFor('/sync/bg', 1);
  });

  test('inactive and deleted webhooks get nothing', async () => {
    await createWebhook('quiet', 'on', { topicName: 'q', destination: { postUrl: `${receiver.base}/quiet/on` } });
    await createWebhook('quiet', 'off', { topicName: 'q', active: false, destination: { postUrl: `${receiver.base}/quiet/off` } });
    await createWebhook('quiet', 'gone', { topicName: 'q', destination: { postUrl: `${receiver.base}/quiet/gone` } });
    await createWebhook('quiet', 'moved', { topicName: 'q', destination: { postUrl: `${receiver.base}/quiet/moved` } });
    assert.equal((await admin('DELETE', '/v1/caches/quiet/webhooks/gone')).status, 204);
    assert.equal((await admin('PATCH', '/v1/caches/quiet/webhooks/moved', { body: { topicName: 'elsewhere' } })).status, 200);
    const published = await publish('quiet', 'q', 'hello');
    assert.equal(published.asyncDeliveries, 1);
    await receiver.waitFor('/quiet/on', 1);
    await settle();
    for (const path of ['/quiet/off', '/quiet/gone', '/quiet/moved']) assert.equal(receiver.at(path).length, 0, path);
    // Reactivated, it gets what comes next and not what was published meanwhile.
    assert.equal((await admin('PATCH', '/v1/caches/quiet/webhooks/off', { body: { active: true } })).status, 200);
    await publish('quiet', 'q', 'later');
    const [event] = (await receiver.waitFor('/quiet/off', 1)).map((r) => JSON.parse(r.body));
    assert.equal(event.text, 'later');
  });

  test('ignoreForApi webhooks skip messages published with an API key', async () => {
    await createWebhook('loop', 'guarded', { topicName: 'l', ignoreForApi: true, destination: { postUrl: `${receiver.base}/loop/guarded` } });
    await createWebhook('loop', 'open', { topicName: 'l', destination: { postUrl: `${receiver.base}/loop/open` } });
    const key = await admin('POST', '/v1/keys', { body: { caches: ['loop'], permissions: ['publish'] } });
    assert.equal(key.status, 201);
    const viaApi = await publish('loop', 'l', 'from the api', { call: client(worker.url, key.json.key) });
    assert.equal(viaApi.tokenId, key.json.tokenId);
    assert.equal(viaApi.asyncDeliveries, 1);
    const [open] = await receiver.waitFor('/loop/open', 1);
    assert.equal(JSON.parse(open.body).token_id, key.json.tokenId);
    await settle();
    assert.equal(receiver.at('/loop/guarded').length, 0);
    await publish('loop', 'l', 'from the operator');
    const [guarded] = await receiver.waitFor('/loop/guarded', 1);
    assert.equal(JSON.parse(guarded.body).text, 'from the operator');
  });
});

describe('secrets and the test trigger', () => {
  test('rotation with grace signs with both secrets, then only the new one', async () => {
    const { secretString: old } = await createWebhook('rot', 'r', { topicName: 'r', destination: { postUrl: `${receiver.base}/rot` } });
    const rotated = await admin('POST', '/v1/caches/rot/webhooks/r/secret/rotate', { body: { graceSeconds: 3 } });
    assert.equal(rotated.status, 200, rotated.text);
    assertDocumented('rotateWebhookSecret', rotated);
    const fresh = rotated.json.secret;
    assert.notEqual(fresh, old);
    assert.ok(rotated.json.graceEndsAt > Date.now());
    await publish('rot', 'r', 'during grace');
    const [during] = await receiver.waitFor('/rot', 1);
    assert.equal(during.headers['webhook-signature'].split(' ').length, 2);
    verified(during, old, 'standard');
    verified(during, fresh, 'standard');
    new StandardWebhook(old).verify(during.body, during.headers);
    await new Promise((r) => setTimeout(r, 3500));
    await publish('rot', 'r', 'after grace');
    const [, afterGrace] = await receiver.waitFor('/rot', 2);
    assert.equal(afterGrace.headers['webhook-signature'].split(' ').length, 1);
    verified(afterGrace, fresh, 'standard');
    assert.throws(() => verified(afterGrace, old, 'standard'), { code: 'invalid_signature' });

    const noGrace = await admin('POST', '/v1/caches/rot/webhooks/r/secret/rotate');
    assert.equal(noGrace.status, 200);
    assert.equal(noGrace.json.graceEndsAt, undefined);
    const current = await admin('GET', '/v1/caches/rot/webhooks/r/secret');
    assert.equal(current.json.secret, noGrace.json.secret);
    const tooLong = await admin('POST', '/v1/caches/rot/webhooks/r/secret/rotate', { body: { graceSeconds: 10_000_000 } });
    assert.equal(tooLong.json.error.code, 'invalid_grace_period');
  });

  test('the test trigger sends now and returns the attempt', async () => {
    const { secretString } = await createWebhook('trig', 't', {
      topics: ['orders'], scheme: 'github', active: false, destination: { postUrl: `${receiver.base}/trig` },
    });
    const res = await admin('POST', '/v1/caches/trig/webhooks/t/test');
    assert.equal(res.status, 200);
    assertDocumented('testWebhook', res);
    assert.equal(res.json.delivered, true);
    assert.equal(res.json.statusCode, 204);
    assert.ok(res.json.latencyMs >= 0);
    const [request] = receiver.at('/trig');
    const event = verified(request, secretString, 'github');
    assert.equal(event.topic, 'orders');
    assert.deepEqual(JSON.parse(event.text), { type: 'edgehooks.test', webhook: 't' });

    await createWebhook('trig', 'failing', { topicName: 'x', destination: { postUrl: `${receiver.base}/fail/trig` } });
    const failed = await admin('POST', '/v1/caches/trig/webhooks/failing/test');
    assert.equal(failed.json.delivered, false);
    assert.equal(failed.json.statusCode, 500);
    assert.equal(failed.json.error.code, 'http_status');

    await createWebhook('trig', 'slow', { topicName: 'x', timeoutMs: 1000, destination: { postUrl: `${receiver.base}/slow/trig` } });
    const slow = await admin('POST', '/v1/caches/trig/webhooks/slow/test');
    assert.equal(slow.json.delivered, false);
    assert.equal(slow.json.error.code, 'timeout');
    assert.ok(slow.json.latencyMs >= 1000 && slow.json.latencyMs < 2500, `latency ${slow.json.latencyMs}`);

    await createWebhook('trig', 'closed', { topicName: 'x', destination: { postUrl: 'http://127.0.0.1:9/closed' } });
    const refused = await admin('POST', '/v1/caches/trig/webhooks/closed/test');
    assert.equal(refused.json.error.code, 'connection_failed');
  });
});

describe('keys and scopes', () => {
  test('keys are scoped to caches and permissions, listed without material, revocable', async () => {
    const created = await admin('POST', '/v1/keys', { body: { caches: ['scoped'], permissions: ['publish'], description: 'ci' } });
    assert.equal(created.status, 201);
    assertDocumented('createKey', created);
    assert.match(created.json.key, /^ehk_tok_[0-9a-f]{16}_/);
    const publisher = client(worker.url, created.json.key);
    await createWebhook('scoped', 'w', { topicName: 't', destination: { postUrl: `${receiver.base}/scoped` } });

    assert.equal((await publisher('POST', '/v1/caches/scoped/topics/t', { raw: 'x' })).status, 200);
    const manage = await publisher('GET', '/v1/caches/scoped/webhooks');
    assert.equal(manage.status, 403);
    assert.equal(manage.json.error.code, 'forbidden');
    assertDocumented('listWebhooks', manage);
    assert.equal((await publisher('POST', '/v1/caches/other/topics/t', { raw: 'x' })).status, 403);
    assert.equal((await publisher('GET', '/v1/keys')).status, 403);

    const manager = await admin('POST', '/v1/keys', { body: { caches: ['*'], permissions: ['manage'] } });
    const managerCall = client(worker.url, manager.json.key);
    assert.equal((await managerCall('GET', '/v1/caches/anything/webhooks')).status, 200);
    assert.equal((await managerCall('POST', '/v1/caches/scoped/topics/t', { raw: 'x' })).status, 403);
    assert.equal((await managerCall('POST', '/v1/keys', { body: { caches: ['*'], permissions: ['manage'] } })).status, 403);

    const list = await admin('GET', '/v1/keys');
    assert.equal(list.status, 200);
    assertDocumented('listKeys', list);
    const listed = list.json.keys.find((k) => k.tokenId === created.json.tokenId);
    assert.deepEqual(listed, {
      tokenId: created.json.tokenId, caches: ['scoped'], permissions: ['publish'], description: 'ci', createdAt: created.json.createdAt,
    });
    assert.ok(!list.text.includes(keySecret(created.json)), 'no key material in the list');

    const revoked = await admin('DELETE', `/v1/keys/${created.json.tokenId}`);
    assert.equal(revoked.status, 204);
    const after = await publisher('POST', '/v1/caches/scoped/topics/t', { raw: 'x' });
    assert.equal(after.status, 401);
    assert.equal((await admin('DELETE', `/v1/keys/${created.json.tokenId}`)).status, 404);
  });

  test('missing, wrong and malformed keys are 401', async () => {
    const cases = [
      {}, { authorization: 'Bearer' }, { authorization: 'Basic abc' },
      { authorization: `Bearer ${deployment.adminKey}x` },
      { authorization: 'Bearer ehk_tok_0000000000000000_nope' }, { authorization: 'Bearer ehk_garbage' },
    ];
    for (const headers of cases) {
      const res = await anonymous('GET', '/v1/caches/shop/webhooks', { headers });
      assert.equal(res.status, 401, JSON.stringify(headers));
      assert.equal(res.json.error.code, 'unauthorized');
    }
    // A real token id with a wrong secret.
    const key = await admin('POST', '/v1/keys', { body: { caches: ['shop'], permissions: ['manage'] } });
    const forged = `${key.json.key.slice(0, -4)}AAAA`;
    assert.equal((await client(worker.url, forged)('GET', '/v1/caches/shop/webhooks')).status, 401);
  });
});

describe('bad input', () => {
  const url = () => ({ postUrl: `${receiver.base}/bad` });
  const cases = () => [
    ['malformed JSON', 'PUT', '/v1/caches/bad/webhooks/w', { raw: '{"topics": [', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
    ['unknown field', 'PUT', '/v1/caches/bad/webhooks/w', { body: { topicName: 't', destination: url(), colour: 'red' } }, 400, 'invalid_json'],
    ['bad webhook name', 'PUT', '/v1/caches/bad/webhooks/no%2Fslash', { body: { topicName: 't', destination: url() } }, 400, 'invalid_name'],
    ['webhook name with a control character', 'PUT', '/v1/caches/bad/webhooks/tab%09', { body: { topicName: 't', destination: url() } }, 400, 'invalid_name'],
    ['bad cache name', 'GET', '/v1/caches/b%2Fd/webhooks', {}, 400, 'invalid_name'],
    ['cache name not UTF-8', 'GET', '/v1/caches/%FF/webhooks', {}, 400, 'invalid_name'],
    ['cache name of 129 characters', 'GET', `/v1/caches/${'c'.repeat(129)}/webhooks`, {}, 400, 'invalid_name'],
    ['bad topic name', 'PUT', '/v1/caches/bad/webhooks/w', { body: { topicName: 'a/b', destination: url() } }, 400, 'invalid_name'],
    ['topic name with a newline', 'POST', '/v1/caches/bad/topics/a%0Ab', { raw: 'x' }, 400, 'invalid_name'],
    ['no topics', 'PUT', '/v1/caches/bad/webhooks/w', { body: { topics: [], destination: url() } }, 400, 'invalid_topics'],
    ['bad URL', 'PUT', '/v1/caches/bad/webhooks/w', { body: { topicName: 't', destination: { postUrl: 'ftp://x.example/' } } }, 400, 'invalid_url'],
    ['credentials in URL', 'PUT', '/v1/caches/bad/webhooks/w', { body: { topicName: 't', destination: { postUrl: 'https://u:p@x.example/' } } }, 400, 'invalid_url'],
    ['timeout out of range', 'PUT', '/v1/caches/bad/webhooks/w', { body: { topicName: 't', destination: url(), timeoutMs: 60000 } }, 400, 'invalid_timeout'],
    ['weak secret', 'PUT', '/v1/caches/bad/webhooks/w', { body: { topicName: 't', destination: url(), secret: 'short' } }, 400, 'invalid_secret'],
    ['bad retry', 'PUT', '/v1/caches/bad/webhooks/w', { body: { topicName: 't', destination: url(), retry: { scheduleSeconds: [] } } }, 400, 'invalid_retry'],
    ['huge webhook body', 'PUT', '/v1/caches/bad/webhooks/w', { body: { topicName: 't', destination: url(), description: 'x'.repeat(70_000) } }, 413, 'payload_too_large'],
    ['message over 1 MiB', 'POST', '/v1/caches/bad/topics/t', { raw: Buffer.alloc(1024 * 1024 + 1, 97) }, 413, 'payload_too_large'],
    ['invalid JSON message', 'POST', '/v1/caches/bad/topics/t', { raw: '{nope', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
    ['unknown webhook', 'GET', '/v1/caches/bad/webhooks/nobody', {}, 404, 'not_found'],
    ['unknown webhook secret', 'GET', '/v1/caches/bad/webhooks/nobody/secret', {}, 404, 'not_found'],
    ['patch unknown webhook', 'PATCH', '/v1/caches/bad/webhooks/nobody', { body: { active: false } }, 404, 'not_found'],
    ['bad page limit', 'GET', '/v1/caches/bad/webhooks?limit=0', {}, 400, 'invalid_limit'],
    ['bad key scope', 'POST', '/v1/keys', { body: { caches: [], permissions: ['publish'] } }, 400, 'invalid_scope'],
    ['unknown permission', 'POST', '/v1/keys', { body: { caches: ['x'], permissions: ['admin'] } }, 400, 'invalid_json'],
  ];

  test('every bad request gets a JSON error with a stable code and the right status', async () => {
    for (const [what, method, path, options, status, code] of cases()) {
      const res = await admin(method, path, options);
      assert.equal(res.status, status, `${what}: ${res.text}`);
      assert.equal(res.json?.error?.code, code, `${what}: ${res.text}`);
      assert.ok(res.json.error.message.length > 0, what);
    }
    const none = await admin('GET', '/v1/caches/bad/webhooks/w');
    assert.equal(none.status, 404, 'nothing was created by a bad request');
  });

  test('the shared bad webhook bodies are refused with their codes, as the core refuses them', async () => {
    const file = JSON.parse(readFileSync(new URL('../vectors/bad-input/webhooks.json', import.meta.url), 'utf8'));
    // This deployment allows private destinations, so those cases do not apply here.
    const cases = file.cases.filter((c) => c.code !== 'url_not_allowed');
    assert.ok(cases.length >= 25, 'the shared cases are missing');
    const path = `/v1/caches/${file.cache}/webhooks/${file.webhook}`;
    for (const { name, body, code } of cases) {
      const res = await admin('PUT', path, { body });
      assert.equal(res.status, 400, `${name}: ${res.text}`);
      assert.equal(res.json?.error?.code, code, `${name}: ${res.text}`);
    }
    assert.equal((await admin('GET', path)).status, 404, 'nothing was created');
  });
});
