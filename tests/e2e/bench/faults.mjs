// Faults: 10 webhooks on one topic, 30% of requests failing (a third each:
// 503, the connection reset, an answer after the 1 s timeout), retries 1 s
// apart. 1000 messages without ordering, then 200 with `ordering: fifo`
// (one attempt at a time makes each failure hold up the messages behind
// it). Every request's signature is verified. Reports the time until every
// message's first 2xx, lost messages, duplicates, bad signatures, and for
// fifo whether each receiver saw its first 2xx in sequence order. Times
// run from the first publish (8 in flight) to the last first 2xx.
//
//   scripts/build-worker && node tests/e2e/bench/faults.mjs
import { client, newDeployment, startWorker } from '../harness.mjs';
import { benchReceiver, createWebhook, deliveries, fixed, publish, table, until } from './lib.mjs';

const WEBHOOKS = 10;
const RUNS = [
  { name: 'none', ordering: 'none', messages: Number(process.env.MESSAGES ?? 1000) },
  { name: 'fifo', ordering: 'fifo', messages: Number(process.env.FIFO_MESSAGES ?? 200) },
].filter((run) => !process.env.ORDERING || run.ordering === process.env.ORDERING);
const TIMEOUT_MS = 1000;
const PARALLEL = 8; // publishes in flight

// A seeded generator, so every run draws the same fault mix.
let seed = 0x9e3779b9;
function random() {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const receiver = await benchReceiver(() => {
  const r = random();
  if (r < 0.1) return { status: 503 };
  if (r < 0.2) return { reset: true };
  if (r < 0.3) return { delayMs: TIMEOUT_MS + 500, ok: false };
  return {};
});
const deployment = newDeployment();
const worker = await startWorker(deployment);
const admin = client(worker.url, deployment.adminKey);
const rows = [];

try {
  for (const run of RUNS) {
    for (let i = 0; i < WEBHOOKS; i += 1) {
      const path = `/${run.name}${i}`;
      receiver.expect(path, await createWebhook(admin, 'faults', `${run.name}${i}`, {
        topicName: run.name, ...(run.ordering === 'fifo' ? { ordering: 'fifo' } : {}), timeoutMs: TIMEOUT_MS,
        retry: { scheduleSeconds: Array(12).fill(1) }, destination: { postUrl: receiver.base + path },
      }));
    }
    receiver.reset();
    const started = performance.now();
    const numbers = [];
    let next = 0;
    await Promise.all(Array.from({ length: PARALLEL }, async () => {
      while (next < run.messages) {
        const i = next++;
        const number = await publish(worker.url, deployment.adminKey, 'faults', run.name, `${run.name} ${i}`);
        if (number === null) throw new Error(`publish ${i} refused`);
        numbers.push(number);
      }
    }));
    const published = performance.now() - started;
    const expected = WEBHOOKS * run.messages;
    const done = () => deliveries(receiver.requests()).delivered.length >= expected;
    await until(done, 600_000);
    const elapsed = performance.now() - started;
    const { delivered, duplicates } = deliveries(receiver.requests());
    let inOrder = true;
    for (let i = 0; i < WEBHOOKS; i += 1) {
      const seen = delivered.filter((d) => d.path === `/${run.name}${i}`).map((d) => d.sequence);
      inOrder &&= seen.every((n, k) => k === 0 || n > seen[k - 1]);
    }
    const attempts = receiver.requests().length;
    const failed = receiver.requests().filter((r) => !r.ok).length;
    rows.push([
      run.ordering, `${WEBHOOKS} x ${run.messages}`, `${attempts} (${fixed((100 * failed) / attempts)}% failed)`,
      `${fixed(published / 1000, 1)} s`, `${fixed(elapsed / 1000, 1)} s`, fixed((expected * 1000) / elapsed),
      expected - delivered.length, duplicates,
      receiver.badSignatures(), run.ordering === 'fifo' ? (inOrder ? 'yes' : 'NO') : '-',
    ]);
  }
  table(
    ['ordering', 'webhooks x messages', 'requests', 'all published in', 'all delivered in', 'deliveries/s', 'lost',
      'duplicates',
      'bad signatures', 'first 2xx in sequence order'],
    rows,
  );
} finally {
  await worker.stop();
  receiver.close();
  deployment.remove();
}
