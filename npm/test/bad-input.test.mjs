// Bad input of every kind: a clear WebhookVerificationError or TypeError,
// never a crash of the WebAssembly instance, which keeps working after.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook, WebhookVerificationError } from 'edgehooks';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const now = 1700000000;
const good = new Webhook(secret);
const body = '{"ok":true}';
const headers = good.sign('msg_1', now, body);
const stillWorks = () => assert.deepEqual(good.verify(body, headers, { now }), { ok: true });
const rejects = (run, codeOrType) => {
  if (typeof codeOrType === 'string') {
    assert.throws(run, (e) => e instanceof WebhookVerificationError && e.code === codeOrType && e.message.length > 0);
  } else {
    assert.throws(run, codeOrType);
  }
  stillWorks();
};

test('constructor: wrong types and bad secrets', () => {
  for (const bad of [undefined, null, 42, {}, [], [secret, 3], Symbol('s')]) rejects(() => new Webhook(bad), TypeError);
  rejects(() => new Webhook(secret, { scheme: 7 }), TypeError);
  rejects(() => new Webhook(secret, { toleranceSeconds: -1 }), TypeError);
  rejects(() => new Webhook(secret, { toleranceSeconds: NaN }), TypeError);
  rejects(() => new Webhook(secret, null), TypeError);
  rejects(() => new Webhook(''), 'invalid_secret');
  rejects(() => new Webhook('whsec_!!!'), 'invalid_secret');
  rejects(() => new Webhook(secret, { scheme: 'md5' }), 'invalid_scheme');
  rejects(() => new Webhook('', { scheme: 'github' }), 'invalid_secret');
  rejects(() => new Webhook('whsec_AAAA', { scheme: 'standard-v1a' }), 'invalid_secret');
  rejects(() => new Webhook(Array(9).fill(secret)), 'invalid_secret');
});

test('verify: wrong types', () => {
  for (const bad of [undefined, null, 42, {}, [1, 2], true]) rejects(() => good.verify(bad, headers, { now }), TypeError);
  for (const bad of [undefined, null, 'webhook-id: x', 42]) rejects(() => good.verify(body, bad, { now }), TypeError);
  for (const bad of [-1, 'now', NaN, Infinity]) rejects(() => good.verify(body, headers, { now: bad }), TypeError);
});

test('verify: malformed headers', () => {
  rejects(() => good.verify(body, {}, { now }), 'missing_header');
  rejects(() => good.verify(body, { ...headers, 'webhook-signature': 'nonsense' }, { now }), 'invalid_header');
  rejects(() => good.verify(body, { ...headers, 'webhook-timestamp': 'yesterday' }, { now }), 'invalid_header');
  rejects(() => good.verify(body, { ...headers, 'webhook-timestamp': '-5' }, { now }), 'invalid_header');
  rejects(() => good.verify(body, { ...headers, 'webhook-signature': 'v1,' + 'A'.repeat(100000) }, { now }), 'invalid_signature');
  rejects(() => good.verify(body, { ...headers, 'webhook-signature': 'v1,é✓' }, { now }), 'invalid_signature');
  rejects(() => good.verify(body, { ...headers, 'webhook-id': 'other' }, { now }), 'invalid_signature');
  rejects(() => new Webhook('s3cret', { scheme: 'github' }).verify(body, { 'x-hub-signature-256': 'sha256=zz' }, { now }), 'invalid_header');
  rejects(() => new Webhook('s3cret', { scheme: 'stripe' }).verify(body, { 'stripe-signature': 'v1=00' }, { now }), 'invalid_header');
});

test('huge bodies are refused before they reach WebAssembly memory', () => {
  const huge = new Uint8Array(64 * 1024 * 1024);
  rejects(() => good.verify(huge, headers, { now }), 'payload_too_large');
  rejects(() => good.verify('x'.repeat(9 * 1024 * 1024), headers, { now }), 'payload_too_large');
  const small = new Webhook(secret, { maxBodyBytes: 10 });
  rejects(() => small.verify(body, headers, { now }), 'payload_too_large');
  // Multi-byte text: its UTF-8 form is checked by the core.
  const tight = new Webhook(secret, { maxBodyBytes: 12 });
  rejects(() => tight.verify('✓✓✓✓✓', tight.sign('m', now, '✓✓✓✓✓'), { now }), 'payload_too_large');
  // A large valid body still verifies.
  const big = new Uint8Array(4 * 1024 * 1024).fill(97);
  assert.deepEqual(good.verify(big, good.sign('m', now, big), { now }).length, big.length);
});

test('sign: wrong input', () => {
  rejects(() => good.sign(5, now, body), TypeError);
  rejects(() => good.sign('m', 'now', body), TypeError);
  rejects(() => good.sign('m', now, 42), TypeError);
  rejects(() => good.sign('has space', now, body), 'invalid_header');
  rejects(() => good.sign('', now, body), 'invalid_header');
  const pub = 'whpk_' + Buffer.alloc(32, 1).toString('base64');
  // Not every 32-byte string is an Ed25519 point; either way, a public key cannot sign.
  try {
    const receiver = new Webhook(pub, { scheme: 'standard-v1a' });
    rejects(() => receiver.sign('m', now, body), 'invalid_secret');
  } catch (e) {
    assert.equal(e.code, 'invalid_secret');
  }
});

test('thousands of errors leave the instance healthy', () => {
  for (let i = 0; i < 5000; i++) {
    assert.throws(() => good.verify(body + i, headers, { now }), WebhookVerificationError);
  }
  stillWorks();
});
