// Node's entry computes the HMAC tags with node:crypto; everything else (the
// size, headers, timestamp, candidates, the comparison, the envelope) is the
// core's. Every vector file and every bad-input case must come out exactly
// as on the WebAssembly-only path (the browser and workerd entries' path):
// the same result or the same error code and message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Webhook, WebhookVerificationError, __native } from 'edgehooks';

const wasm = __native.wasm;
const SMALL_BODY = __native.stats.smallBody;
const dir = new URL('../../tests/vectors/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
const { cases: badInput } = JSON.parse(readFileSync(new URL('bad-input/cases.json', dir), 'utf8'));

/** `{ ok, value }` or `{ code, message }` of `run`. */
function result(run) {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    assert.ok(error instanceof WebhookVerificationError || error instanceof TypeError, `unexpected ${error}`);
    return { name: error.name, code: error.code, message: error.message };
  }
}

/** The body in every form verify takes. */
function forms(c) {
  const bytes = c.bodyBase64 !== undefined ? new Uint8Array(Buffer.from(c.bodyBase64, 'base64')) : new TextEncoder().encode(c.body);
  const copy = () => bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  return c.bodyBase64 !== undefined ? [bytes, Buffer.from(bytes), copy()] : [c.body, bytes, Buffer.from(bytes), copy()];
}

/**
 * Verifies `c` on both paths; returns how many native verifications it made
 * (`made`) and how many of them verified a small body whole (`whole`).
 */
function compare(label, secrets, options, c) {
  const native = result(() => new Webhook(secrets, options));
  const pure = result(() => new wasm.Webhook(secrets, options));
  assert.equal(native.ok, pure.ok, `${label}: constructor`);
  if (!native.ok) {
    assert.deepEqual(native, pure, `${label}: constructor`);
    return { made: 0, whole: 0 };
  }
  const before = __native.stats.verifications;
  const wholeBefore = __native.stats.verifiedWhole;
  // Small bodies whole in WebAssembly, and every body with node:crypto's tags.
  for (const smallBody of [SMALL_BODY, 0]) {
    __native.stats.smallBody = smallBody;
    try {
      for (const body of forms(c)) {
        // Fetch Headers too, when the values are ones Fetch takes.
        const fetchHeaders = result(() => new Headers(c.headers ?? {}));
        for (const headers of [c.headers ?? {}, ...(fetchHeaders.ok ? [fetchHeaders.value] : [])]) {
          const a = result(() => native.value.verify(body, headers, { now: c.now }));
          const b = result(() => pure.value.verify(body, headers, { now: c.now }));
          assert.deepEqual(a, b, `${label} (${body.constructor.name}, ${headers.constructor.name}, small under ${smallBody})`);
        }
      }
    } finally {
      __native.stats.smallBody = SMALL_BODY;
    }
  }
  return { made: __native.stats.verifications - before, whole: __native.stats.verifiedWhole - wholeBefore };
}

test('every vector file: the native path gives what the WebAssembly path gives, and is taken', () => {
  assert.equal(files.length, 6);
  for (const file of files) {
    const scheme = file.replace('.json', '');
    const { cases } = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
    assert.ok(cases.length > 0, file);
    let nativeRuns = 0;
    for (const c of cases) {
      const { made, whole } = compare(`${scheme} / ${c.name}`, c.secrets, { scheme, toleranceSeconds: c.toleranceSeconds ?? 300 }, c);
      // A valid HMAC case verified natively in every form, both ways (all
      // vector bodies are small: whole in WebAssembly, then with node:crypto).
      if (c.expect === 'valid' && scheme !== 'standard-v1a') {
        assert.equal(made, forms(c).length * 4, `${scheme} / ${c.name}: native runs`);
        assert.equal(whole, forms(c).length * 2, `${scheme} / ${c.name}: verified whole`);
      }
      nativeRuns += made;
    }
    // Ed25519 has no HMAC: the core verifies it in WebAssembly.
    if (scheme === 'standard-v1a') assert.equal(nativeRuns, 0);
    else assert.ok(nativeRuns > 0, `${scheme}: no native verification`);
  }
});

test('every bad-input case: the native path gives what the WebAssembly path gives', () => {
  for (const c of badInput) {
    if (c.op !== 'verify') continue;
    compare(`bad input / ${c.name}`, c.secrets, { scheme: c.scheme, ...c.options }, c);
  }
});

test('more than one secret, repeated headers, envelopes and limits agree on both paths', () => {
  const now = 1700000000;
  const oldSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const newSecret = 'whsec_bmV3IHNlY3JldCBvZiB0aGlydHktdHdvIGJ5dA==';
  const body = '{"publish_timestamp":1700000000000,"text":"h\u00e9llo \ud83d\ude00 \ud800"}';
  for (const scheme of ['standard', 'stripe', 'github', 'momento', 'commenda']) {
    const secrets = scheme === 'standard' ? [newSecret, oldSecret] : ['first-secret', 'second-secret'];
    for (const signer of secrets) {
      const headers = new wasm.Webhook(signer, { scheme }).sign('msg_1', now, body);
      for (const options of [{}, { envelopeToleranceSeconds: 60 }, { maxBodyBytes: 10 }, { toleranceSeconds: 0 }]) {
        for (const at of [now, now + 1, now + 10000]) {
          compare(`${scheme} ${JSON.stringify(options)} at ${at}`, secrets, { scheme, ...options }, { body, headers, now: at });
          compare(`${scheme} tampered`, secrets, { scheme, ...options }, { body: body + ' ', headers, now: at });
        }
      }
    }
  }
  // A value holding a newline (never in HTTP) goes the WebAssembly way, with the same result.
  const wh = new Webhook(oldSecret);
  const signed = wh.sign('msg_1', now, body);
  compare('newline in a header', oldSecret, {}, { body, headers: { ...signed, 'webhook-id': 'a\nb' }, now });
  compare('non-ASCII id', oldSecret, {}, { body, headers: { ...signed, 'webhook-id': 'msg_\u00e9' }, now });
  // Headers larger than the scratch area, and more of them than a scheme reads.
  const padding = ' v1,AAAA'.repeat(1200);
  for (const signature of [signed['webhook-signature'] + padding, padding.trim() + ' ' + signed['webhook-signature']]) {
    compare('a huge signature header', oldSecret, {}, { body, headers: { ...signed, 'webhook-signature': signature }, now });
  }
  compare('every spelling of a header', oldSecret, {}, {
    body,
    headers: { ...signed, 'Webhook-Id': 'x', 'WEBHOOK-ID': 'y', 'webhook-Id': 'z', 'Svix-Id': 'q', 'SVIX-ID': 'r', 'svix-id': 's' },
    now,
  });
  // Bodies at and around the size verified whole in WebAssembly, in one and three bytes per unit.
  for (const length of [SMALL_BODY - 1, SMALL_BODY, 3 * SMALL_BODY, 20000]) {
    for (const unit of ['a', '\u20ac']) {
      const text = `"${unit.repeat(length - 2)}"`;
      const headers = wh.sign('msg_1', now, text);
      const { whole } = compare(`a body of ${length} x ${unit}`, oldSecret, {}, { body: text, headers, now });
      // Strings count UTF-16 units, the other forms bytes.
      const small = (length < SMALL_BODY ? 1 : 0) + (Buffer.byteLength(text) < SMALL_BODY ? 3 : 0);
      assert.equal(whole, small * 2, `a body of ${length} x ${unit}: verified whole`);
      compare(`a body of ${length} x ${unit}, tampered`, oldSecret, {}, { body: text.slice(1), headers, now });
    }
  }
  compare('mixed-case and repeated headers', oldSecret, {}, {
    body,
    headers: { 'Webhook-Id': signed['webhook-id'], 'WEBHOOK-TIMESTAMP': [signed['webhook-timestamp']], 'webhook-signature': ['v1,AAAA', signed['webhook-signature']] },
    now,
  });
});

test('the CommonJS entry takes the native path too', () => {
  const require = createRequire(import.meta.url);
  const cjs = require('edgehooks');
  const wh = new cjs.Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
  const headers = wh.sign('msg_1', 1700000000, '{"a":1}');
  const before = cjs.__native.stats.verifications;
  assert.deepEqual(wh.verify('{"a":1}', headers, { now: 1700000000 }), { a: 1 });
  assert.equal(cjs.__native.stats.verifications, before + 1);
});
