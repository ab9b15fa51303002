// Shared pieces of the delivery benchmarks: receivers on 127.0.0.1 that
// verify and record every request, publishing, percentiles and tables.
import { createServer } from 'node:http';
import { once } from 'node:events';
import { Webhook } from 'edgehooks';

/**
 * A receiver on 127.0.0.1. `answer(path, request)` decides each answer:
 * `{ status, delayMs, headers, reset, ok }` (default 204 at once; `ok`
 * overrides whether it counts as delivered). Every
 * request is verified with the secret its path was given (`expect`), and
 * recorded with its arrival time, webhook-id, sequence number and answer.
 */
export async function benchReceiver(answer = () => ({})) {
  const verifiers = new Map();
  let requests = [];
  let badSignatures = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const at = performance.now();
      const body = Buffer.concat(chunks);
      let event = null;
      try {
        event = verifiers.get(req.url).verify(body, req.headers);
      } catch {
        badSignatures += 1;
      }
      const entry = {
        at, path: req.url, id: req.headers['webhook-id'], sequence: event?.topic_sequence_number,
        text: event?.text,
      };
      const {
        status = 204, delayMs = 0, headers = {}, reset = false, ok,
      } = answer(req.url, entry) ?? {};
      // `ok: false` marks an answer the sender will not see (after its timeout).
      entry.ok = ok ?? (!reset && status >= 200 && status < 300);
      requests.push(entry);
      if (reset) { req.socket.destroy(); return; }
      setTimeout(() => { if (!res.destroyed) { res.writeHead(status, headers); res.end(); } }, delayMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${server.address().port}`,
    /** Verifies what `path` receives with `secret`. */
    expect: (path, secret) => verifiers.set(path, new Webhook(secret)),
    requests: () => requests,
    badSignatures: () => badSignatures,
    reset() { requests = []; badSignatures = 0; },
    close: () => { server.closeAllConnections(); server.close(); },
  };
}

/** The first 2xx per `path` and webhook-id: what was delivered, once. */
export function deliveries(requests) {
  const first = new Map();
  let duplicates = 0;
  for (const r of requests) {
    if (!r.ok) continue;
    const key = `${r.path} ${r.id}`;
    if (first.has(key)) duplicates += 1;
    else first.set(key, r);
  }
  return { delivered: [...first.values()], duplicates };
}

/** The `p`th percentile of `values` (unsorted). */
export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Creates webhook `name` in `cache` with `fields`; returns its secret. */
export async function createWebhook(admin, cache, name, fields) {
  const res = await admin('PUT', `/v1/caches/${cache}/webhooks/${name}`, { body: fields });
  if (res.status !== 201) throw new Error(`creating ${name}: ${res.status} ${res.text}`);
  return res.json.secretString;
}

/** Publishes `text` to `cache/topic`; the sequence number, or null when refused. */
export async function publish(url, key, cache, topic, text) {
  try {
    const res = await fetch(`${url}/v1/caches/${cache}/topics/${topic}`, {
      method: 'POST', body: text, headers: { authorization: `Bearer ${key}`, 'content-type': 'text/plain' },
    });
    const body = await res.json();
    return res.status === 200 ? body.topicSequenceNumber : null;
  } catch {
    return null;
  }
}

/** Polls `check` every 20 ms until it is true or `ms` pass; returns whether it became true. */
export async function until(check, ms) {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

/** Prints a markdown table. */
export function table(header, rows) {
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

/** A number for a table: `digits` decimals. */
export const fixed = (x, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
