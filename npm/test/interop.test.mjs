// Interop with the real libraries of each scheme: what they sign, edgehooks
// verifies, and what edgehooks signs, they verify.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { sign as octokitSign, verify as octokitVerify } from '@octokit/webhooks-methods';
import { Webhook, WebhookVerificationError } from 'edgehooks';

const require = createRequire(import.meta.url);
const stripe = require('stripe')('sk_test_interop_only');
const secret = 'whsec_' + Buffer.alloc(32, 7).toString('base64');
const other = 'whsec_' + Buffer.alloc(24, 9).toString('base64');
const now = () => Math.floor(Date.now() / 1000);
const body = JSON.stringify({ cache: 'shop', topic: 'orders', text: 'héllo ✓' });
const code = (run) => {
  try {
    run();
    return 'valid';
  } catch (e) {
    assert.ok(e instanceof WebhookVerificationError, String(e));
    return e.code;
  }
};

for (const [peerName, Peer] of [['standardwebhooks', StandardWebhook], ['svix', SvixWebhook]]) {
  test(`${peerName} signs, edgehooks verifies`, () => {
    const ts = now();
    const signature = new Peer(secret).sign('msg_1', new Date(ts * 1000), body);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts), 'webhook-signature': signature };
    const wh = new Webhook(secret);
    assert.equal(wh.verify(body, headers).topic, 'orders');
    assert.equal(code(() => wh.verify(body + ' ', headers)), 'invalid_signature');
    assert.equal(code(() => new Webhook(other).verify(body, headers)), 'invalid_signature');
    // Several signatures: the peer's among others.
    const theirsAndJunk = { ...headers, 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')} ${signature}` };
    assert.equal(code(() => wh.verify(body, theirsAndJunk)), 'valid');
    // Tolerance edges, both directions.
    assert.equal(code(() => wh.verify(body, headers, { now: ts + 300 })), 'valid');
    assert.equal(code(() => wh.verify(body, headers, { now: ts + 301 })), 'timestamp_too_old');
    assert.equal(code(() => wh.verify(body, headers, { now: ts - 300 })), 'valid');
    assert.equal(code(() => wh.verify(body, headers, { now: ts - 301 })), 'timestamp_too_new');
  });

  test(`edgehooks signs, ${peerName} verifies (one and several secrets)`, () => {
    const headers = new Webhook([other, secret]).sign('msg_2', now(), body);
    assert.equal(headers['webhook-signature'].split(' ').length, 2);
    for (const s of [secret, other]) {
      assert.doesNotThrow(() => new Peer(s).verify(body, headers));
      assert.throws(() => new Peer(s).verify(body.replace('orders', 'orderz'), headers));
    }
    const stale = new Webhook(secret).sign('msg_3', now() - 301, body);
    assert.throws(() => new Peer(secret).verify(body, stale), /too old/i);
  });
}

test('svix branded headers verify', () => {
  const ts = now();
  const signature = new SvixWebhook(secret).sign('msg_b', new Date(ts * 1000), body);
  const headers = { 'svix-id': 'msg_b', 'svix-timestamp': String(ts), 'svix-signature': signature };
  assert.equal(new Webhook(secret).verify(body, headers).cache, 'shop');
});

test('stripe: generateTestHeaderString verifies here, and ours passes constructEvent', () => {
  const stripeSecret = 'whsec_stripe_interop_0123456789';
  const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'payment_intent.succeeded' });
  const header = stripe.webhooks.generateTestHeaderString({ payload, secret: stripeSecret });
  const wh = new Webhook(stripeSecret, { scheme: 'stripe' });
  assert.equal(wh.verify(payload, { 'stripe-signature': header }).id, 'evt_1');
  assert.equal(code(() => wh.verify(payload + ' ', { 'stripe-signature': header })), 'invalid_signature');

  const ours = wh.sign('msg_s', now(), payload)['stripe-signature'];
  assert.equal(stripe.webhooks.constructEvent(payload, ours, stripeSecret).type, 'payment_intent.succeeded');
  assert.throws(() => stripe.webhooks.constructEvent(payload, ours, 'whsec_wrong_secret_0000000000'));
  // Rotation: one signature per secret, stripe accepts either.
  const both = new Webhook([stripeSecret, 'whsec_second_secret_0123456789'], { scheme: 'stripe' }).sign('m', now(), payload)['stripe-signature'];
  assert.equal(stripe.webhooks.constructEvent(payload, both, 'whsec_second_secret_0123456789').id, 'evt_1');
});

test('github: @octokit/webhooks-methods both ways', async () => {
  const ghSecret = "It's a Secret to Everybody";
  const wh = new Webhook(ghSecret, { scheme: 'github' });
  const theirs = await octokitSign(ghSecret, body);
  assert.equal(wh.verify(body, { 'X-Hub-Signature-256': theirs }).topic, 'orders');
  assert.equal(code(() => wh.verify(body, { 'x-hub-signature-256': theirs.replace('sha256=', '') })), 'invalid_header');
  const ours = wh.sign('msg_g', now(), body)['x-hub-signature-256'];
  assert.equal(ours, theirs);
  assert.equal(await octokitVerify(ghSecret, body, ours), true);
  assert.equal(await octokitVerify(ghSecret, body + ' ', ours), false);
});
