// Bad input of every kind: a clear WebhookVerificationError or TypeError,
// never a crash of the WebAssembly instance, which keeps working after.
// The cases shared with the Rust core are data (tests/vectors/bad-input/
// cases.json, every one run here); what only JavaScript can get wrong (types,
// sizes that never reach the core) is written below.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Webhook, WebhookVerificationError } from 'edgehooks';

const { cases } = JSON.parse(readFileSync(new URL('../../tests/vectors/bad-input/cases.json', import.meta.url), 'utf8'));
/** Every code `verify`, `sign` and the constructor can throw (index.d.ts's `ErrorCode`). */
const CODES = ['missing_header', 'invalid_header', 'invalid_secret', 'timestamp_too_old', 'timestamp_too_new', 'invalid_signature', 'payload_too_large', 'invalid_scheme', 'invalid_envelope'];

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

/** `'valid'`, or the WebhookVerificationError `run` throws. */
function outcome(run) {
  try {
    run();
    return 'valid';
  } catch (error) {
    assert.ok(error instanceof WebhookVerificationError, `not a WebhookVerificationError: ${error}`);
    return error;
  }
}

/** Asserts that `got` (from `outcome`) is what case `c` expects. */
function expectOutcome(c, got, what) {
  const label = `${c.name} (${what})`;
  if (c.expect === 'valid') {
    assert.equal(got, 'valid', `${label}: ${got?.code} ${got?.message}`);
    return;
  }
  assert.notEqual(got, 'valid', `${label}: expected ${c.expect}`);
  assert.equal(got.code, c.expect, `${label}: ${got.message}`);
  assert.equal(got.name, 'WebhookVerificationError', label);
  if (c.message !== undefined) assert.equal(got.message, c.message, label);
  else assert.ok(got.message.length > 0, label);
}

/** Runs one data case; every stage before the case's `op` must succeed. */
function runCase(c) {
  let webhook;
  const made = outcome(() => {
    webhook = new Webhook(c.secrets, { scheme: c.scheme, ...c.options });
  });
  if (c.op === 'new') return expectOutcome(c, made, 'new');
  assert.equal(made, 'valid', `${c.name}: the webhook must be made before ${c.op}: ${made?.message}`);
  if (c.op === 'verify') {
    for (const form of [c.body, new TextEncoder().encode(c.body)]) {
      expectOutcome(c, outcome(() => webhook.verify(form, c.headers, { now: c.now })), `verify ${typeof form}`);
    }
  } else {
    assert.equal(c.op, 'sign', `${c.name}: unknown op`);
    expectOutcome(c, outcome(() => webhook.sign(c.msgId, c.timestamp, c.body)), 'sign');
  }
  stillWorks();
}

test('the bad-input data: many cases, every code, every operation', () => {
  assert.ok(cases.length >= 50, `only ${cases.length} cases`);
  const expected = new Set(cases.map((c) => c.expect));
  for (const code of [...CODES, 'valid']) assert.ok(expected.has(code), `no case expects ${code}`);
  for (const code of expected) assert.ok(code === 'valid' || CODES.includes(code), `unknown code ${code}`);
  assert.deepEqual([...new Set(cases.map((c) => c.op))].sort(), ['new', 'sign', 'verify']);
  assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, 'case names are unique');
});

for (const c of cases) {
  test(`data: ${c.op}: ${c.name}`, () => runCase(c));
}

test('constructor: wrong types', () => {
  for (const bad of [undefined, null, 42, {}, [secret, 3], Symbol('s')]) rejects(() => new Webhook(bad), TypeError);
  rejects(() => new Webhook(secret, { scheme: 7 }), TypeError);
  rejects(() => new Webhook(secret, { toleranceSeconds: -1 }), TypeError);
  rejects(() => new Webhook(secret, { toleranceSeconds: NaN }), TypeError);
  for (const bad of [-1, '60', NaN, Infinity, true]) rejects(() => new Webhook(secret, { envelopeToleranceSeconds: bad }), TypeError);
  rejects(() => new Webhook(secret, { envelopeToleranceSeconds: 2 ** 60 }), TypeError);
  rejects(() => new Webhook(secret, { maxBodyBytes: '10' }), TypeError);
  rejects(() => new Webhook(secret, null), TypeError);
  // Finite, but past what the core takes from a JS number: refused by the core, as a TypeError.
  rejects(() => new Webhook(secret, { toleranceSeconds: 2 ** 60 }), TypeError);
});

test('verify: wrong types', () => {
  for (const bad of [undefined, null, 42, {}, [1, 2], true]) rejects(() => good.verify(bad, headers, { now }), TypeError);
  for (const bad of [undefined, null, 'webhook-id: x', 42]) rejects(() => good.verify(body, bad, { now }), TypeError);
  for (const bad of [-1, 'now', NaN, Infinity, 2 ** 60]) rejects(() => good.verify(body, headers, { now: bad }), TypeError);
});

test('huge bodies are refused before they reach WebAssembly memory', () => {
  const huge = new Uint8Array(64 * 1024 * 1024);
  rejects(() => good.verify(huge, headers, { now }), 'payload_too_large');
  rejects(() => good.verify(huge.buffer, headers, { now }), 'payload_too_large');
  rejects(() => good.verify('x'.repeat(9 * 1024 * 1024), headers, { now }), 'payload_too_large');
  // A large valid body still verifies.
  const big = new Uint8Array(4 * 1024 * 1024).fill(97);
  assert.deepEqual(good.verify(big, good.sign('m', now, big), { now }).length, big.length);
});

test('sign: wrong types', () => {
  rejects(() => good.sign(5, now, body), TypeError);
  rejects(() => good.sign('m', 'now', body), TypeError);
  rejects(() => good.sign('m', undefined, body), TypeError);
  rejects(() => good.sign('m', 2 ** 60, body), TypeError);
  rejects(() => good.sign('m', now, 42), TypeError);
});

test('thousands of errors leave the instance healthy', () => {
  for (let i = 0; i < 5000; i++) {
    assert.throws(() => good.verify(body + i, headers, { now }), WebhookVerificationError);
  }
  stillWorks();
});
