// Computes tests/vectors/*.json with each scheme's own reference library:
// standardwebhooks and svix (standard), stripe, @octokit/webhooks-methods
// (github), and node:crypto where a scheme has no library of its own
// (standard-v1a Ed25519, momento HMAC-SHA3-256, commenda HMAC-SHA256).
// edgehooks code is never used here. Run: npm install && npm run generate.
import { createHmac, createPrivateKey, createPublicKey, sign as edSign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { sign as githubSign } from '@octokit/webhooks-methods';

const require = createRequire(import.meta.url);
const stripe = require('stripe')('sk_test_vectors_only');
const versions = Object.fromEntries(
  ['standardwebhooks', 'svix', 'stripe', '@octokit/webhooks-methods'].map((p) => [
    p,
    JSON.parse(readFileSync(new URL(`./node_modules/${p}/package.json`, import.meta.url))).version,
  ]),
);
// VECTORS_OUT lets the test command regenerate into a scratch folder and compare.
const outDir = process.env.VECTORS_OUT ?? fileURLToPath(new URL('..', import.meta.url));
const out = (name) => join(outDir, `${name}.json`);

const assert = (cond, what) => {
  if (!cond) throw new Error(`generator self-check failed: ${what}`);
};
const utf8 = (s) => ({ body: s });
const b64body = (buf) => ({ bodyBase64: Buffer.from(buf).toString('base64') });
const bodyBytes = (c) => (c.bodyBase64 !== undefined ? Buffer.from(c.bodyBase64, 'base64') : Buffer.from(c.body, 'utf8'));
const tamper = (c) => {
  const bytes = bodyBytes(c);
  bytes[bytes.length - 1] ^= 0x01;
  return c.bodyBase64 !== undefined ? b64body(bytes) : utf8(bytes.toString('utf8'));
};
const without = (headers, name) => Object.fromEntries(Object.entries(headers).filter(([k]) => k !== name));
const write = (scheme, source, cases) => {
  const names = new Set();
  for (const c of cases) {
    assert(!names.has(c.name), `duplicate case name ${c.name}`);
    names.add(c.name);
  }
  writeFileSync(out(scheme), JSON.stringify({ scheme, source, cases }, null, 2) + '\n');
  console.log(`${scheme}: ${cases.length} cases`);
};

// ---------------------------------------------------------------- standard
{
  const specSecret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const specSig = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
  const specId = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
  const specTs = 1614265330;
  const specBody = '{"test": 2432232314}';
  const recomputed = new StandardWebhook(specSecret).sign(specId, new Date(specTs * 1000), specBody);
  assert(recomputed === specSig, 'the public standard vector recomputes');

  const secretA = 'whsec_' + Buffer.alloc(32, 0x11).toString('base64');
  const secretB = 'whsec_' + Buffer.alloc(24, 0x22).toString('base64');
  const swSign = (secret, id, ts, body) => new StandardWebhook(secret).sign(id, new Date(ts * 1000), body);
  const svSign = (secret, id, ts, body) => new SvixWebhook(secret).sign(id, new Date(ts * 1000), body);
  const headers = (id, ts, sig) => ({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': sig });

  const ts = 1700000000;
  const jsonBody = '{"cache":"shop","topic":"orders","event_timestamp":1700000000123,"publish_timestamp":1700000000100,"topic_sequence_number":42,"token_id":"","text":"the published message"}';
  const unicodeBody = '{"text":"héllo wörld ✓ 日本"}';
  const binary = Buffer.from([0xff, 0xfe, 0x00, 0x80, 0x7f, 0xc3, 0x28]);
  const binarySig =
    'v1,' + createHmac('sha256', Buffer.from(secretA.slice(6), 'base64')).update(Buffer.concat([Buffer.from(`msg_bin.${ts}.`), binary])).digest('base64');

  const base = [
    { name: 'spec public vector', secrets: [specSecret], ...utf8(specBody), headers: headers(specId, specTs, specSig), now: specTs, sign: { msgId: specId, timestamp: specTs } },
    { name: 'standardwebhooks envelope body', secrets: [secretA], ...utf8(jsonBody), headers: headers('msg_1', ts, swSign(secretA, 'msg_1', ts, jsonBody)), now: ts, sign: { msgId: 'msg_1', timestamp: ts } },
    { name: 'svix unicode body', secrets: [secretB], ...utf8(unicodeBody), headers: headers('msg_2', ts, svSign(secretB, 'msg_2', ts, unicodeBody)), now: ts, sign: { msgId: 'msg_2', timestamp: ts } },
    { name: 'non-utf8 body (node:crypto)', secrets: [secretA], ...b64body(binary), headers: headers('msg_bin', ts, binarySig), now: ts, sign: { msgId: 'msg_bin', timestamp: ts } },
    { name: 'empty body', secrets: [secretA], ...utf8(''), headers: headers('msg_empty', ts, swSign(secretA, 'msg_empty', ts, '')), now: ts, sign: { msgId: 'msg_empty', timestamp: ts } },
  ].map((c) => ({ ...c, expect: 'valid' }));

  const [spec, env] = base;
  const sigA = env.headers['webhook-signature'];
  const sigBofEnv = swSign(secretB, 'msg_1', ts, jsonBody);
  const cases = [
    ...base,
    { ...env, name: 'svix branded headers', headers: { 'svix-id': 'msg_1', 'svix-timestamp': String(ts), 'svix-signature': sigA }, sign: undefined },
    { ...env, name: 'mixed-case header names', headers: { 'Webhook-Id': 'msg_1', 'WEBHOOK-TIMESTAMP': String(ts), 'Webhook-Signature': sigA }, sign: undefined },
    { ...env, name: 'several signatures, last matches', headers: headers('msg_1', ts, `v1,${Buffer.alloc(32).toString('base64')} v2,abc ${sigA}`), sign: undefined },
    { ...env, name: 'rotation: both secrets sign', secrets: [secretB, secretA], headers: headers('msg_1', ts, `${sigBofEnv} ${sigA}`), sign: { msgId: 'msg_1', timestamp: ts } },
    { ...env, name: 'rotation: receiver holds old and new, old signed', secrets: [secretB, secretA], sign: undefined },
    { ...env, name: 'tolerance edge: 300 s old', now: ts + 300, sign: undefined },
    { ...env, name: 'tolerance edge: 300 s ahead', now: ts - 300, sign: undefined },
    { ...env, name: 'tolerance 600: 500 s old', now: ts + 500, toleranceSeconds: 600, sign: undefined },
    { ...env, name: 'tampered body', ...tamper(env), expect: 'invalid_signature', sign: undefined },
    { ...base[3], name: 'tampered non-utf8 body', ...tamper(base[3]), expect: 'invalid_signature', sign: undefined },
    { ...env, name: 'tampered id', headers: { ...env.headers, 'webhook-id': 'msg_9' }, expect: 'invalid_signature', sign: undefined },
    { ...env, name: 'tampered timestamp', headers: { ...env.headers, 'webhook-timestamp': String(ts + 1) }, expect: 'invalid_signature', sign: undefined },
    { ...env, name: 'tampered signature', headers: { ...env.headers, 'webhook-signature': sigA.slice(0, 10) + (sigA[10] === 'A' ? 'B' : 'A') + sigA.slice(11) }, expect: 'invalid_signature', sign: undefined },
    { ...env, name: 'wrong secret', secrets: [secretB], expect: 'invalid_signature', sign: undefined },
    { ...env, name: 'only a v1a entry', headers: { ...env.headers, 'webhook-signature': sigA.replace('v1,', 'v1a,') }, expect: 'invalid_signature', sign: undefined },
    { ...env, name: 'truncated signature', headers: { ...env.headers, 'webhook-signature': sigA.slice(0, 20) }, expect: 'invalid_signature', sign: undefined },
    { ...env, name: 'signature header without entries', headers: { ...env.headers, 'webhook-signature': 'garbage' }, expect: 'invalid_header', sign: undefined },
    { ...env, name: 'timestamp too old', now: ts + 301, expect: 'timestamp_too_old', sign: undefined },
    { ...env, name: 'timestamp too new', now: ts - 301, expect: 'timestamp_too_new', sign: undefined },
    { ...env, name: 'timestamp not a number', headers: { ...env.headers, 'webhook-timestamp': '17e8' }, expect: 'invalid_header', sign: undefined },
    { ...env, name: 'negative timestamp', headers: { ...env.headers, 'webhook-timestamp': '-1' }, expect: 'invalid_header', sign: undefined },
    { ...env, name: 'missing id', headers: without(env.headers, 'webhook-id'), expect: 'missing_header', sign: undefined },
    { ...env, name: 'missing timestamp', headers: without(env.headers, 'webhook-timestamp'), expect: 'missing_header', sign: undefined },
    { ...env, name: 'missing signature', headers: without(env.headers, 'webhook-signature'), expect: 'missing_header', sign: undefined },
    { ...env, name: 'secret not base64', secrets: ['whsec_!!!notbase64'], expect: 'invalid_secret', sign: undefined },
    { ...env, name: 'empty secret', secrets: [''], expect: 'invalid_secret', sign: undefined },
    { ...spec, name: 'spec vector, secret without prefix', secrets: [specSecret.slice(6)], sign: undefined },
  ];
  write('standard', `standardwebhooks@${versions.standardwebhooks}, svix@${versions.svix}, node:crypto (npm)`, cases.map(clean));
}

// ------------------------------------------------------------ standard-v1a
{
  const keyFromSeed = (seed) =>
    createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' });
  const rawPublic = (priv) => createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(-32);
  const seedA = Buffer.alloc(32, 0x33);
  const seedB = Buffer.alloc(32, 0x44);
  const privA = keyFromSeed(seedA);
  const privB = keyFromSeed(seedB);
  const whsk = (seed) => 'whsk_' + seed.toString('base64');
  const whpk = (priv) => 'whpk_' + rawPublic(priv).toString('base64');
  const ts = 1700000000;
  const sig = (priv, id, body) => 'v1a,' + edSign(null, Buffer.concat([Buffer.from(`${id}.${ts}.`), body]), priv).toString('base64');
  const body = '{"text":"signed with ed25519"}';
  const h = (id, s) => ({ 'webhook-id': id, 'webhook-timestamp': String(ts), 'webhook-signature': s });
  const ok = { name: 'public key verifies', secrets: [whpk(privA)], ...utf8(body), headers: h('msg_a', sig(privA, 'msg_a', Buffer.from(body))), now: ts, expect: 'valid' };
  const binary = Buffer.from([0x00, 0xff, 0x10, 0x80]);
  const sigA = ok.headers['webhook-signature'];
  const sigB = sig(privB, 'msg_a', Buffer.from(body));
  const cases = [
    ok,
    { ...ok, name: 'signing key verifies and signs the same bytes', secrets: [whsk(seedA)], sign: { msgId: 'msg_a', timestamp: ts } },
    { ...ok, name: 'non-utf8 body', ...b64body(binary), headers: h('msg_b', sig(privA, 'msg_b', binary)) },
    { ...ok, name: 'rotation: two signatures, receiver has the second key', secrets: [whpk(privB)], headers: h('msg_a', `${sigA} ${sigB}`) },
    { ...ok, name: 'rotation: both keys sign', secrets: [whsk(seedA), whsk(seedB)], headers: h('msg_a', `${sigA} ${sigB}`), sign: { msgId: 'msg_a', timestamp: ts } },
    { ...ok, name: 'tampered body', ...tamper(ok), expect: 'invalid_signature' },
    { ...ok, name: 'tampered id', headers: { ...ok.headers, 'webhook-id': 'msg_z' }, expect: 'invalid_signature' },
    { ...ok, name: 'wrong public key', secrets: [whpk(privB)], expect: 'invalid_signature' },
    { ...ok, name: 'only a v1 entry', headers: { ...ok.headers, 'webhook-signature': sigA.replace('v1a,', 'v1,') }, expect: 'invalid_signature' },
    { ...ok, name: 'timestamp too old', now: ts + 301, expect: 'timestamp_too_old' },
    { ...ok, name: 'public key with whsec_ prefix', secrets: ['whsec_' + rawPublic(privA).toString('base64')], expect: 'invalid_secret' },
    { ...ok, name: 'public key of wrong length', secrets: ['whpk_' + Buffer.alloc(31, 1).toString('base64')], expect: 'invalid_secret' },
  ];
  write('standard-v1a', 'node:crypto Ed25519 (RFC 8032)', cases.map(clean));
}

// --------------------------------------------------------------- momento
{
  const specSecret = '1234567890';
  const specBody = '{"text":"some text", "another_field": "another field" }';
  const specSig = 'b43f72787eb66410ff110295b036ef828e5686af21b414ce092f02c05deea3da';
  const mac = (secret, body) => createHmac('sha3-256', secret).update(body).digest('hex');
  assert(mac(specSecret, specBody) === specSig, 'the public momento vector recomputes');
  const secret = 'momento-secret-0123456789abcdef';
  const body = '{"cache":"c","topic":"t","text":"x"}';
  const binary = Buffer.from([0xc3, 0x28, 0xff]);
  const ok = { name: 'spec public vector', secrets: [specSecret], ...utf8(specBody), headers: { 'momento-signature': specSig }, expect: 'valid', sign: { msgId: 'msg_m', timestamp: 1 } };
  const own = { name: 'envelope body', secrets: [secret], ...utf8(body), headers: { 'momento-signature': mac(secret, body) }, expect: 'valid', sign: { msgId: 'msg_m', timestamp: 1 } };
  const cases = [
    ok,
    own,
    { ...own, name: 'non-utf8 body', ...b64body(binary), headers: { 'momento-signature': mac(secret, binary) } },
    { ...ok, name: 'uppercase hex', headers: { 'momento-signature': specSig.toUpperCase() }, sign: undefined },
    { ...ok, name: 'rotation: receiver holds new and old', secrets: [secret, specSecret], sign: undefined },
    { ...ok, name: 'tampered body', ...tamper(ok), expect: 'invalid_signature', sign: undefined },
    { ...ok, name: 'wrong secret', secrets: ['123456789'], expect: 'invalid_signature', sign: undefined },
    { ...ok, name: 'sha-256 instead of sha3-256', headers: { 'momento-signature': createHmac('sha256', specSecret).update(specBody).digest('hex') }, expect: 'invalid_signature', sign: undefined },
    { ...ok, name: 'signature not hex', headers: { 'momento-signature': 'zz' + specSig.slice(2) }, expect: 'invalid_header', sign: undefined },
    { ...ok, name: 'missing signature', headers: {}, expect: 'missing_header', sign: undefined },
    { ...ok, name: 'empty secret', secrets: [''], expect: 'invalid_secret', sign: undefined },
  ];
  write('momento', 'node:crypto HMAC-SHA3-256 (npm has no Momento verifier)', cases.map(clean));
}

// ---------------------------------------------------------------- github
{
  const secret = "It's a Secret to Everybody";
  const body = 'Hello, World!';
  const sig = await githubSign(secret, body);
  assert(sig === 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17', 'GitHub docs example recomputes');
  const json = '{"action":"opened","number":1,"text":"ünïcode"}';
  const ok = { name: 'github docs example', secrets: [secret], ...utf8(body), headers: { 'x-hub-signature-256': sig }, expect: 'valid', sign: { msgId: 'msg_g', timestamp: 1 } };
  const cases = [
    ok,
    { ...ok, name: 'json body', ...utf8(json), headers: { 'X-Hub-Signature-256': await githubSign(secret, json) } },
    { ...ok, name: 'tampered body', ...tamper(ok), expect: 'invalid_signature', sign: undefined },
    { ...ok, name: 'wrong secret', secrets: ["It's a secret to everybody"], expect: 'invalid_signature', sign: undefined },
    { ...ok, name: 'sha1 header form', headers: { 'x-hub-signature-256': sig.replace('sha256=', 'sha1=') }, expect: 'invalid_header', sign: undefined },
    { ...ok, name: 'hex without prefix', headers: { 'x-hub-signature-256': sig.slice(7) }, expect: 'invalid_header', sign: undefined },
    { ...ok, name: 'missing signature', headers: { 'x-hub-signature': 'sha1=00' }, expect: 'missing_header', sign: undefined },
  ];
  write('github', `@octokit/webhooks-methods@${versions['@octokit/webhooks-methods']}`, cases.map(clean));
}

// ---------------------------------------------------------------- stripe
{
  const secret = 'whsec_test_secret_for_vectors_01';
  const secret2 = 'whsec_second_secret_for_vectors_2';
  const ts = 1700000000;
  const body = '{\n  "id": "evt_1",\n  "object": "event",\n  "type": "payment_intent.succeeded"\n}';
  const header = (s, b = body) => stripe.webhooks.generateTestHeaderString({ payload: b, secret: s, timestamp: ts });
  const h1 = header(secret);
  const h2 = header(secret2);
  const v1 = (h) => h.split(',').find((p) => p.startsWith('v1='));
  const event = stripe.webhooks.constructEvent(body, h1, secret, 1e12);
  assert(event.id === 'evt_1', 'stripe verifies its own header');
  const ok = { name: 'stripe test header', secrets: [secret], ...utf8(body), headers: { 'stripe-signature': h1 }, now: ts, expect: 'valid', sign: { msgId: 'msg_s', timestamp: ts } };
  const cases = [
    ok,
    { ...ok, name: 'rotation: both secrets sign', secrets: [secret, secret2], headers: { 'stripe-signature': `${h1},${v1(h2)}` } },
    { ...ok, name: 'rotation: receiver holds the second secret', secrets: [secret2], headers: { 'stripe-signature': `${h1},${v1(h2)}` }, sign: undefined },
    { ...ok, name: 'v0 entries are ignored', headers: { 'stripe-signature': `${h1},v0=${'0'.repeat(64)}` }, sign: undefined },
    { ...ok, name: 'spaces after commas', headers: { 'stripe-signature': h1.replace(',', ', ') }, sign: undefined },
    { ...ok, name: 'tolerance edge: 300 s old', now: ts + 300, sign: undefined },
    { ...ok, name: 'tampered body', ...tamper(ok), expect: 'invalid_signature', sign: undefined },
    { ...ok, name: 'tampered timestamp', headers: { 'stripe-signature': h1.replace(`t=${ts}`, `t=${ts + 1}`) }, now: ts, expect: 'invalid_signature', sign: undefined },
    { ...ok, name: 'wrong secret', secrets: [secret2], expect: 'invalid_signature', sign: undefined },
    { ...ok, name: 'no v1 entry', headers: { 'stripe-signature': `t=${ts}` }, expect: 'invalid_signature', sign: undefined },
    { ...ok, name: 'timestamp too old', now: ts + 301, expect: 'timestamp_too_old', sign: undefined },
    { ...ok, name: 'timestamp too new', now: ts - 301, expect: 'timestamp_too_new', sign: undefined },
    { ...ok, name: 'missing t', headers: { 'stripe-signature': v1(h1) }, expect: 'invalid_header', sign: undefined },
    { ...ok, name: 'missing signature', headers: {}, expect: 'missing_header', sign: undefined },
  ];
  write('stripe', `stripe@${versions.stripe} (generateTestHeaderString)`, cases.map(clean));
}

// -------------------------------------------------------------- commenda
{
  const secret = 'commenda-secret-0123456789';
  const body = '{"topic":"filing.completed","event":{"id":"evt_9"}}';
  const mac = (s, b) => createHmac('sha256', s).update(b).digest('hex');
  const ok = { name: 'event body', secrets: [secret], ...utf8(body), headers: { 'commenda-x-secret': mac(secret, body) }, expect: 'valid', sign: { msgId: 'msg_c', timestamp: 1 } };
  const cases = [
    ok,
    { ...ok, name: 'mixed-case header name', headers: { 'Commenda-X-Secret': mac(secret, body) }, sign: undefined },
    { ...ok, name: 'tampered body', ...tamper(ok), expect: 'invalid_signature', sign: undefined },
    { ...ok, name: 'wrong secret', secrets: ['commenda-secret-0123456780'], expect: 'invalid_signature', sign: undefined },
    { ...ok, name: 'base64 instead of hex', headers: { 'commenda-x-secret': createHmac('sha256', secret).update(body).digest('base64') }, expect: 'invalid_header', sign: undefined },
    { ...ok, name: 'missing signature', headers: {}, expect: 'missing_header', sign: undefined },
  ];
  write('commenda', 'node:crypto HMAC-SHA256 (Commenda publishes no library)', cases.map(clean));
}

/** Drops undefined fields and fills the defaults every case states. */
function clean(c) {
  const { name, secrets, body, bodyBase64, headers, now, toleranceSeconds, expect, sign } = c;
  const out = { name, secrets, ...(bodyBase64 !== undefined ? { bodyBase64 } : { body }), headers, now: now ?? 1700000000 };
  if (toleranceSeconds !== undefined) out.toleranceSeconds = toleranceSeconds;
  out.expect = expect;
  if (sign !== undefined) out.sign = sign;
  return out;
}
