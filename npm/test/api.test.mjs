// The JavaScript surface around the core: the error objects it throws, headers
// given several times, and verifyRequest's reading of a Fetch body within the
// size limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Webhook, WebhookVerificationError, verifyRequest } from 'edgehooks';

const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const now = Math.floor(Date.now() / 1000);
const wh = new Webhook(secret);
const body = '{"topic":"orders"}';
const headers = wh.sign('msg_1', now, body);

/** What `run` throws. */
function thrown(run) {
  try {
    run();
  } catch (error) {
    return error;
  }
  assert.fail('nothing was thrown');
}

/** What the promise rejects with. */
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('the promise resolved');
}

test('the core throws WebhookVerificationError objects, as documented', () => {
  const error = thrown(() => wh.verify(body + ' ', headers));
  assert.ok(error instanceof WebhookVerificationError);
  assert.ok(error instanceof Error);
  assert.equal(Object.getPrototypeOf(error), WebhookVerificationError.prototype);
  assert.equal(error.name, 'WebhookVerificationError');
  assert.equal(error.code, 'invalid_signature');
  assert.equal(error.message, 'no signature matches: wrong secret, or the body was altered');
  assert.equal(String(error), `WebhookVerificationError: ${error.message}`);
  assert.equal(typeof error.stack, 'string');
  // From the constructor too.
  const scheme = thrown(() => new Webhook(secret, { scheme: 'md5' }));
  assert.ok(scheme instanceof WebhookVerificationError);
  assert.equal(scheme.code, 'invalid_scheme');
});

test('numbers the core cannot take are TypeErrors, thrown by the core', () => {
  const error = thrown(() => wh.verify(body, headers, { now: 2 ** 60 }));
  assert.ok(error instanceof TypeError);
  assert.ok(!(error instanceof WebhookVerificationError));
  assert.equal(error.message, 'now must be a non-negative number up to 2^53 - 1');
  assert.equal(error.code, undefined);
});

test('WebhookVerificationError can be constructed by users', () => {
  const error = new WebhookVerificationError('invalid_signature', 'nope');
  assert.ok(error instanceof Error);
  assert.deepEqual([error.name, error.code, error.message], ['WebhookVerificationError', 'invalid_signature', 'nope']);
});

test('a header given several times verifies as Fetch Headers combine it', () => {
  const outcome = (run) => {
    try {
      run();
      return 'valid';
    } catch (error) {
      return error.code;
    }
  };
  const stripe = new Webhook('whsec_test_secret_for_vectors_01', { scheme: 'stripe' });
  const signed = stripe.sign('m', now, body)['stripe-signature'];
  const [t, v1] = signed.split(',');
  const standardJunk = `v1,${Buffer.alloc(32).toString('base64')}`;
  for (const [webhook, name, lines, expect] of [
    [stripe, 'stripe-signature', [t, v1], 'valid'],
    [stripe, 'stripe-signature', [`${t},v1=${'0'.repeat(64)}`, v1], 'valid'],
    [stripe, 'stripe-signature', [v1, 'v1=00'], 'invalid_header'],
    [wh, 'webhook-signature', [standardJunk, headers['webhook-signature']], 'valid'],
    [wh, 'webhook-signature', [standardJunk, standardJunk], 'invalid_signature'],
  ]) {
    const fetchHeaders = new Headers(name === 'stripe-signature' ? {} : headers);
    fetchHeaders.delete(name);
    for (const line of lines) fetchHeaders.append(name, line);
    const plain = { ...(name === 'stripe-signature' ? {} : headers), [name]: lines };
    assert.equal(outcome(() => webhook.verify(body, fetchHeaders)), expect, `${name} ${lines} (Headers)`);
    assert.equal(outcome(() => webhook.verify(body, plain)), expect, `${name} ${lines} (array)`);
  }
});

const post = (init) => new Request('https://receiver.example/hook', { method: 'POST', duplex: 'half', ...init });

/**
 * A body stream of `count` chunks of `chunk` bytes (by default far more than
 * any limit here); counts what was pulled.
 */
function stream(chunk, count = 10_000) {
  const pulled = { chunks: 0 };
  const body = new ReadableStream({
    pull(controller) {
      if (pulled.chunks === count) return controller.close();
      pulled.chunks += 1;
      controller.enqueue(new TextEncoder().encode('x'.repeat(chunk)));
    },
  });
  return { body, pulled };
}

test('verifyRequest verifies a Fetch request, read in chunks', async () => {
  assert.deepEqual(await verifyRequest(post({ body, headers }), secret), { topic: 'orders' });
  const { body: chunked } = stream(1000, 5);
  const text = 'x'.repeat(5000);
  const signed = wh.sign('msg_2', now, text);
  assert.equal(await verifyRequest(post({ body: chunked, headers: signed }), wh), text);
  const empty = wh.sign('msg_3', now, '');
  assert.equal(await verifyRequest(post({ headers: empty }), wh), '');
});

test('verifyRequest refuses a Content-Length over the limit before reading', async () => {
  const { body: long, pulled } = stream(100);
  const request = post({ body: long, headers: { ...headers, 'content-length': '1001' } });
  const error = await rejection(verifyRequest(request, secret, { maxBodyBytes: 1000 }));
  assert.ok(error instanceof WebhookVerificationError);
  assert.equal(error.code, 'payload_too_large');
  assert.equal(error.message, 'payload exceeds the limit of 1000 bytes');
  // At most what the stream queues before anyone reads.
  assert.ok(pulled.chunks <= 1, `${pulled.chunks} chunks pulled`);
  // Far over any limit, in digits a number cannot hold exactly.
  const huge = post({ body: stream(100).body, headers: { ...headers, 'content-length': '9'.repeat(30) } });
  assert.equal((await rejection(verifyRequest(huge, wh))).code, 'payload_too_large');
});

test('verifyRequest stops reading a body without a length at the limit', async () => {
  const { body: long, pulled } = stream(100);
  const error = await rejection(verifyRequest(post({ body: long, headers }), secret, { maxBodyBytes: 1000 }));
  assert.ok(error instanceof WebhookVerificationError);
  assert.equal(error.code, 'payload_too_large');
  assert.equal(error.message, 'payload exceeds the limit of 1000 bytes');
  assert.ok(pulled.chunks <= 12, `${pulled.chunks} chunks pulled`);
  // A Content-Length that understates the body does not help.
  const { body: liar } = stream(100);
  const understated = post({ body: liar, headers: { ...headers, 'content-length': '10' } });
  assert.equal((await rejection(verifyRequest(understated, new Webhook(secret, { maxBodyBytes: 1000 })))).code, 'payload_too_large');
});

test('envelopeToleranceSeconds: the publish time of a momento body, against the system clock', async () => {
  const momentoSecret = 'momento-secret-0123456789abcdef';
  const signer = new Webhook(momentoSecret, { scheme: 'momento' });
  const envelope = (ms) => JSON.stringify({ cache: 'shop', topic: 'orders', event_timestamp: ms, publish_timestamp: ms, topic_sequence_number: 1, token_id: '', text: 'paid' });
  const delivery = (ms) => {
    const text = envelope(ms);
    return { text, headers: signer.sign('m', 0, text) };
  };
  const fresh = delivery(Date.now());
  const stale = delivery(Date.now() - 120_000);
  const ahead = delivery(Date.now() + 120_000);
  const checked = new Webhook(momentoSecret, { scheme: 'momento', envelopeToleranceSeconds: 60 });
  assert.equal(checked.verify(fresh.text, fresh.headers).text, 'paid');
  assert.equal(thrown(() => checked.verify(stale.text, stale.headers)).code, 'timestamp_too_old');
  assert.equal(thrown(() => checked.verify(ahead.text, ahead.headers)).code, 'timestamp_too_new');
  // The `now` option is the clock of this check too.
  assert.equal(checked.verify(stale.text, stale.headers, { now: Math.floor(Date.now() / 1000) - 120 }).text, 'paid');
  // Off by default, and with null.
  for (const options of [{ scheme: 'momento' }, { scheme: 'momento', envelopeToleranceSeconds: null }]) {
    assert.equal(new Webhook(momentoSecret, options).verify(stale.text, stale.headers).text, 'paid');
  }
  // The signature first: a forged body is refused for it, whatever its age.
  assert.equal(thrown(() => checked.verify(stale.text, fresh.headers)).code, 'invalid_signature');
  const signedText = signer.sign('m', 0, 'order 42 paid');
  const notEnvelope = thrown(() => checked.verify('order 42 paid', signedText));
  assert.equal(notEnvelope.code, 'invalid_envelope');
  assert.equal(notEnvelope.message, 'body is not an edgehooks delivery envelope');
  // verifyRequest takes the option too.
  const request = (d) => post({ body: d.text, headers: d.headers });
  const options = { scheme: 'momento', envelopeToleranceSeconds: 60 };
  assert.equal((await verifyRequest(request(fresh), momentoSecret, options)).text, 'paid');
  assert.equal((await rejection(verifyRequest(request(stale), momentoSecret, options))).code, 'timestamp_too_old');
});
