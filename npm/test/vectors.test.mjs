// The shared vectors (tests/vectors/*.json, computed by each scheme's reference
// library) against the built package, imported by name as a user would. Each
// body is verified as a string, a Uint8Array and an ArrayBuffer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Webhook, WebhookVerificationError } from 'edgehooks';

const dir = new URL('../../tests/vectors/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

test('every scheme has a vector file', () => {
  assert.deepEqual(files.map((f) => f.replace('.json', '')).sort(), ['commenda', 'github', 'momento', 'standard', 'standard-v1a', 'stripe']);
});

function outcome(run) {
  try {
    run();
    return 'valid';
  } catch (error) {
    assert.ok(error instanceof WebhookVerificationError, `unexpected ${error}`);
    return error.code;
  }
}

/** Our headers for the case's message: each the same as the reference's, and verifying at their own timestamp. */
function checkSigning(wh, c, bytes, label) {
  const signed = wh.sign(c.sign.msgId, c.sign.timestamp, bytes);
  assert.ok(Object.keys(signed).length > 0, `${label}: sign gave no headers`);
  for (const [name, value] of Object.entries(signed)) {
    const theirs = Object.entries(c.headers).find(([k]) => k.toLowerCase() === name)?.[1];
    assert.equal(value, theirs, `${label}: signed ${name}`);
  }
  assert.equal(outcome(() => wh.verify(bytes, signed, { now: c.sign.timestamp })), 'valid', `${label}: our own headers`);
}

/** Runs one case; returns what it came to: 'valid', 'refused', or 'secret refused'. */
function runCase(scheme, c) {
  const label = `${scheme} / ${c.name}`;
  const bytes = c.bodyBase64 !== undefined ? new Uint8Array(Buffer.from(c.bodyBase64, 'base64')) : new TextEncoder().encode(c.body);
  const bodies = c.bodyBase64 !== undefined ? [bytes, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)] : [c.body, bytes, bytes.buffer];
  let wh;
  const made = outcome(() => {
    wh = new Webhook(c.secrets, { scheme, toleranceSeconds: c.toleranceSeconds ?? 300 });
  });
  if (made !== 'valid') {
    // Only `invalid_secret` refuses secrets, and such a case has nothing to sign.
    assert.equal(made, 'invalid_secret', `${label}: constructor`);
    assert.equal(c.expect, made, `${label}: constructor`);
    assert.equal(c.sign, undefined, `${label}: secrets refused, yet the case signs`);
    return 'secret refused';
  }
  for (const body of bodies) {
    assert.equal(outcome(() => wh.verify(body, c.headers, { now: c.now })), c.expect, `${label} (${body.constructor.name})`);
  }
  // Fetch Headers too (case-insensitive by nature).
  assert.equal(outcome(() => wh.verify(bytes, new Headers(c.headers), { now: c.now })), c.expect, `${label} (Headers)`);
  if (c.sign) checkSigning(wh, c, bytes, label);
  return c.expect === 'valid' ? 'valid' : 'refused';
}

for (const file of files) {
  const { scheme, cases } = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
  test(`${scheme}: ${cases.length} reference cases`, () => {
    const counts = {};
    for (const c of cases) {
      const came = runCase(scheme, c);
      counts[came] = (counts[came] ?? 0) + 1;
    }
    // Every file exercises both outcomes of verification.
    assert.ok(counts.valid > 0 && counts.refused > 0, `${scheme}: ${JSON.stringify(counts)}`);
  });
}

test('verify returns the parsed payload, the text, or the bytes', () => {
  const wh = new Webhook('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
  const now = 1700000000;
  const json = '{"topic":"orders","text":"hi"}';
  assert.deepEqual(wh.verify(json, wh.sign('m1', now, json), { now }), { topic: 'orders', text: 'hi' });
  assert.equal(wh.verify('plain text', wh.sign('m2', now, 'plain text'), { now }), 'plain text');
  const binary = new Uint8Array([0xff, 0x00, 0x80]);
  assert.deepEqual(wh.verify(binary, wh.sign('m3', now, binary), { now }), binary);
});
