// Isolation: nine healthy receivers on one topic, alone and then with three
// neighbours that hold every request past their 5 s timeout; 150 messages
// published at 20 per second each time. Reports the healthy receivers'
// publish-to-delivery latency and how many of their deliveries were made.
//
//   scripts/build-worker && node tests/e2e/bench/isolation.mjs
import { client, newDeployment, startWorker } from '../harness.mjs';
import { benchReceiver, createWebhook, deliveries, fixed, percentile, publish, table, until } from './lib.mjs';

const HEALTHY = 9;
const HANGING = 3;
const MESSAGES = Number(process.env.MESSAGES ?? 150);
const RATE = 20; // messages per second, sent on schedule whatever the answers take
const TIMEOUT_MS = 5_000;

const receiver = await benchReceiver((path) => (path.startsWith('/hang') ? { delayMs: TIMEOUT_MS + 1_000 } : {}));
const deployment = newDeployment();
const worker = await startWorker(deployment);
const admin = client(worker.url, deployment.adminKey);

/** One scenario on its own topic; returns the healthy receivers' figures. */
async function scenario(topic, hanging) {
  const names = [
    ...Array.from({ length: HEALTHY }, (_, i) => `ok${i}`),
    ...Array.from({ length: hanging }, (_, i) => `hang${i}`),
  ];
  for (const name of names) {
    const path = `/${name}-${topic}`;
    const secret = await createWebhook(admin, 'iso', `${name}-${topic}`, {
      topicName: topic, timeoutMs: TIMEOUT_MS, destination: { postUrl: receiver.base + path },
    });
    receiver.expect(path, secret);
  }
  receiver.reset();
  const sentAt = new Map();
  const started = performance.now();
  const publishes = [];
  for (let i = 0; i < MESSAGES; i += 1) {
    const at = started + (i * 1000) / RATE;
    await new Promise((r) => setTimeout(r, Math.max(0, at - performance.now())));
    const sent = performance.now();
    publishes.push(publish(worker.url, deployment.adminKey, 'iso', topic, `m${i}`).then((n) => sentAt.set(n, sent)));
  }
  await Promise.all(publishes);
  const healthy = () => deliveries(receiver.requests()).delivered.filter((d) => d.path.startsWith('/ok'));
  await until(() => healthy().length >= HEALTHY * MESSAGES, 60_000);
  const latencies = healthy().map((d) => d.at - sentAt.get(d.sequence));
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    delivered: healthy().length,
    bad: receiver.badSignatures(),
  };
}

try {
  const alone = await scenario('alone', 0);
  const mixed = await scenario('mixed', HANGING);
  const expected = HEALTHY * MESSAGES;
  table(
    ['healthy receivers', 'p50 ms', 'p99 ms', 'delivered', 'p99 vs alone'],
    [
      ['alone', fixed(alone.p50), fixed(alone.p99), `${alone.delivered} / ${expected}`, '1.00x'],
      [`with ${HANGING} hanging neighbours`, fixed(mixed.p50), fixed(mixed.p99), `${mixed.delivered} / ${expected}`,
        `${fixed(mixed.p99 / alone.p99, 2)}x`],
    ],
  );
  if (alone.bad + mixed.bad > 0) console.log(`bad signatures: ${alone.bad + mixed.bad}`);
} finally {
  await worker.stop();
  receiver.close();
  deployment.remove();
}
