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

for (const file of files) {
  const { scheme, cases } = JSON.parse(readFileSync(new URL(file, dir), 'utf8'));
  test(`${scheme}: ${cases.length} reference cases`, () => {
    for (const c of cases) {
      const bytes = c.bodyBase64 !== undefined ? new Uint8Array(Buffer.from(c.bodyBase64, 'base64')) : new TextEncoder().encode(c.body);
      const bodies = c.bodyBase64 !== undefined ? [bytes, bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)] : [c.body, bytes, bytes.buffer];
      let wh;
      const made = outcome(() => {
        wh = new Webhook(c.secrets, { scheme, toleranceSeconds: c.toleranceSeconds ?? 300 });
      });
      if (made !== 'valid') {
        assert.equal(made, c.expect, `${scheme} / ${c.name}: constructor`);
        continue;
      }
      for (const body of bodies) {
        assert.equal(outcome(() => wh.verify(body, c.headers, { now: c.now })), c.expect, `${scheme} / ${c.name} (${body.constructor.name})`);
      }
      // Fetch Headers too (case-insensitive by nature).
      assert.equal(outcome(() => wh.verify(bytes, new Headers(c.headers), { now: c.now })), c.expect, `${scheme} / ${c.name} (Headers)`);
      if (c.sign) {
        const signed = wh.sign(c.sign.msgId, c.sign.timestamp, bytes);
        for (const [name, value] of Object.entries(signed)) {
          const theirs = Object.entries(c.headers).find(([k]) => k.toLowerCase() === name)?.[1];
          if (theirs !== undefined) assert.equal(value, theirs, `${scheme} / ${c.name}: signed ${name}`);
        }
      }
    }
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
