// Fan-out benchmark: publishes M messages to a topic with N webhooks under
// wrangler dev, and does the same number of outbound POSTs from a bare
// Worker, in one run. Reports deliveries per second, publish-to-receipt
// latency (p50/p99) and the ratio to the bare Worker.
//
//   node tests/e2e/bench/fanout.mjs            (N = 1, 10, 100)
import { createServer } from 'node:http';
import { once } from 'node:events';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { client, newDeployment, startWorker } from '../harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const CONCURRENCY = 4; // publishes in flight at once, for both contenders
const runs = process.env.BENCH_RUNS ? JSON.parse(process.env.BENCH_RUNS) : [[1, 400], [10, 100], [100, 20]];

/** A receiver that answers 204 at once and records when each POST arrived. */
async function fastReceiver() {
  let arrivals = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      arrivals.push({ at: performance.now(), path: req.url, chunks });
      res.statusCode = 204;
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    reset() { const a = arrivals; arrivals = []; return a; },
    count: () => arrivals.length,
    close: () => { server.closeAllConnections(); server.close(); },
  };
}

async function waitForCount(receiver, count, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (receiver.count() < count) {
    if (Date.now() > deadline) throw new Error(`only ${receiver.count()} of ${count} deliveries arrived`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Sends M requests with `send(i)`, CONCURRENCY at a time; returns start times. */
async function drive(m, send) {
  const started = new Array(m);
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < m) {
      const i = next++;
      started[i] = performance.now();
      await send(i);
    }
  }));
  return started;
}

/** Rate and latency; `messageOf(arrival)` names the message it delivered. */
function summarize(n, m, started, arrivals, messageOf) {
  const first = Math.min(...started);
  const last = Math.max(...arrivals.map((a) => a.at));
  const latencies = arrivals.map((a) => a.at - started[messageOf(a)]).sort((x, y) => x - y);

  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { rate: (n * m) / ((last - first) / 1000), p50: pct(50), p99: pct(99) };
}

const receiver = await fastReceiver();
const ours = newDeployment();
const bare = newDeployment();
const edgehooks = await startWorker(ours);
const bareWorker = await startWorker(bare, { config: join(here, 'bare/wrangler.toml'), readyPath: '/' });
const admin = client(edgehooks.url, ours.adminKey);
const rows = [];
try {
  for (const [n, m] of runs) {
    const cache = `bench${n}`;
    for (let i = 0; i < n; i += 1) {
      const res = await admin('PUT', `/v1/caches/${cache}/webhooks/w${i}`, {
        body: { topicName: 't', destination: { postUrl: `${receiver.base}/${cache}/${i}` } },
      });
      if (res.status !== 201) throw new Error(res.text);
    }
    const message = JSON.stringify({ order: 1234, items: ['a', 'b', 'c'], note: 'x'.repeat(200) });
    const best = { ours: null, bare: null };
    for (let round = 0; round < 2; round += 1) {
      // edgehooks: publish M messages; each arrives N times.
      receiver.reset();
      const seqToIndex = new Map();
      const publishMs = [];
      const startedOurs = await drive(m, async (i) => {
        const sent = performance.now();
        const res = await fetch(`${edgehooks.url}/v1/caches/${cache}/topics/t`, {
          method: 'POST', body: message, headers: { authorization: `Bearer ${ours.adminKey}`, 'content-type': 'application/json' },
        });
        const text = await res.text();
        if (res.status !== 200) throw new Error(`publish answered ${res.status}: ${text}`);
        publishMs.push(performance.now() - sent);
        seqToIndex.set(JSON.parse(text).topicSequenceNumber, i);
      });
      await waitForCount(receiver, n * m);
      const oursArrivals = receiver.reset();
      const ourStats = summarize(n, m, startedOurs, oursArrivals,
        (a) => seqToIndex.get(JSON.parse(Buffer.concat(a.chunks)).topic_sequence_number));
      publishMs.sort((x, y) => x - y);
      ourStats.publish50 = publishMs[Math.floor(publishMs.length / 2)];
      ourStats.publish99 = publishMs[Math.min(publishMs.length - 1, Math.floor(0.99 * publishMs.length))];
      // Bare Worker: M requests, each making N POSTs of the same envelope size.
      const envelope = JSON.stringify({ cache, topic: 't', event_timestamp: Date.now(), publish_timestamp: Date.now(), topic_sequence_number: 1, token_id: '', text: message });
      const startedBare = await drive(m, async (i) => {
        const res = await fetch(`${bareWorker.url}/?n=${n}&url=${encodeURIComponent(`${receiver.base}/bare/${i}`)}`, { method: 'POST', body: envelope });
        await res.text();
      });
      await waitForCount(receiver, n * m);
      const bareArrivals = receiver.reset();
      const bareStats = summarize(n, m, startedBare, bareArrivals, (a) => Number(a.path.split('/')[2]));
      if (!best.ours || ourStats.rate > best.ours.rate) best.ours = ourStats;
      if (!best.bare || bareStats.rate > best.bare.rate) best.bare = bareStats;
    }
    rows.push({ n, m, ...best });
  }
} finally {
  await edgehooks.stop();
  await bareWorker.stop();
  receiver.close();
  ours.remove();
  bare.remove();
}

const f = (x) => x.toFixed(0);
console.log(`| webhooks N | messages M | edgehooks deliveries/s | bare Worker deliveries/s | ratio | edgehooks p50 / p99 ms | bare p50 / p99 ms | edgehooks publish p50 / p99 ms |`);
console.log('|---|---|---|---|---|---|---|---|');
for (const { n, m, ours: o, bare: b } of rows) {
  console.log(`| ${n} | ${m} | ${f(o.rate)} | ${f(b.rate)} | ${(o.rate / b.rate).toFixed(2)}x | ${f(o.p50)} / ${f(o.p99)} | ${f(b.p50)} / ${f(b.p99)} | ${f(o.publish50)} / ${f(o.publish99)} |`);
}
