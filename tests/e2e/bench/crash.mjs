// Crashes: `wrangler dev` killed with SIGKILL, then started again on the
// same state, while 400 messages are published to 10 webhooks: once
// halfway through publishing, once while retries are pending (every first
// attempt is answered 503). The publisher carries on after the restart
// (publishing again what was refused) until all 400 are accepted. Reports
// accepted deliveries (publishes answered 200, times webhooks), how many
// never arrived, how many arrived twice, and how long the last took after
// the restart.
//
//   scripts/build-worker && node tests/e2e/bench/crash.mjs
import { client, newDeployment, startWorker } from '../harness.mjs';
import { benchReceiver, createWebhook, deliveries, fixed, publish, table, until } from './lib.mjs';

const WEBHOOKS = 10;
const MESSAGES = Number(process.env.MESSAGES ?? 400);
const PARALLEL = 4;

const firstSeen = new Set();
const receiver = await benchReceiver((path, entry) => {
  if (!path.startsWith('/retry')) return {};
  const key = `${path} ${entry.id}`;
  if (firstSeen.has(key)) return {};
  firstSeen.add(key);
  return { status: 503 };
});

/** One crash: `killWhen(accepted)` says when to kill; returns the figures. */
async function crash(prefix, fields, killWhen) {
  const deployment = newDeployment();
  let worker = await startWorker(deployment);
  const admin = client(worker.url, deployment.adminKey);
  for (let i = 0; i < WEBHOOKS; i += 1) {
    const path = `/${prefix}${i}`;
    receiver.expect(path, await createWebhook(admin, 'crash', `${prefix}${i}`, {
      topicName: prefix, destination: { postUrl: receiver.base + path }, ...fields,
    }));
  }
  const accepted = [];
  const todo = Array.from({ length: MESSAGES }, (_, i) => i);
  let killed = false;
  const drive = (url, stop) => Promise.all(Array.from({ length: PARALLEL }, async () => {
    while (!stop() && todo.length > 0) {
      const i = todo.shift();
      const number = await publish(url, deployment.adminKey, 'crash', prefix, `${prefix} ${i}`);
      if (number === null || killed) todo.push(i); // refused: the publisher tries again
      else accepted.push(number);
    }
  }));
  const killing = (async () => {
    await until(() => killWhen(accepted) || todo.length === 0, 600_000);
    killed = true;
    await worker.kill();
  })();
  await drive(worker.url, () => killed);
  await killing;
  const restarted = performance.now();
  worker = await startWorker(deployment);
  killed = false;
  await drive(worker.url, () => false);
  const mine = () => receiver.requests().filter((r) => r.path.startsWith(`/${prefix}`));
  const missing = () => {
    const got = new Set(deliveries(mine()).delivered.map((d) => `${d.path} ${d.sequence}`));
    let count = 0;
    for (let i = 0; i < WEBHOOKS; i += 1) {
      for (const n of accepted) if (!got.has(`/${prefix}${i} ${n}`)) count += 1;
    }
    return count;
  };
  await until(() => missing() === 0, 120_000);
  const recovered = performance.now() - restarted;
  await worker.stop();
  deployment.remove();
  const total = accepted.length * WEBHOOKS;
  const { duplicates } = deliveries(mine());
  return { total, lost: missing(), duplicates, recovered };
}

try {
  const rows = [];
  const halfway = await crash('pub', {}, (accepted) => accepted.length >= MESSAGES / 2);
  rows.push(['halfway through publishing', halfway]);
  const retries = await crash('retry', { retry: { scheduleSeconds: [5] } },
    (accepted) => accepted.length >= MESSAGES
      || (accepted.length >= MESSAGES / 2 && firstSeen.size >= (MESSAGES / 2) * WEBHOOKS));
  rows.push(['while retries are pending', retries]);
  table(
    ['SIGKILL', 'accepted deliveries', 'lost', 'delivered twice', 'all in, after the restart'],
    rows.map(([when, r]) => [when, r.total, r.lost, `${r.duplicates} (${fixed((100 * r.duplicates) / r.total, 2)}%)`,
      `${fixed(r.recovered / 1000, 1)} s`]),
  );
  if (receiver.badSignatures() > 0) console.log(`bad signatures: ${receiver.badSignatures()}`);
} finally {
  receiver.close();
}
